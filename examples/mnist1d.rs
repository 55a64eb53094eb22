//! MNIST-1D (`data/mnist1d.csv`: 4,000 training and 1,000 test signals of 40 samples, ten
//! classes; S. Greydanus, "Scaling down Deep Learning with MNIST-1D", arXiv:2011.14439):
//! three models trained in one run, their test accuracies printed beside the paper's.
//!
//! - logistic regression, `W·x + b`, and an MLP, `W3·relu(W2·relu(W1·x + b1) + b2) + b3`
//!   (40-100-100-10, the paper's), both written with `#[network]` and trained by the runtime's
//!   `Trainer` (Adam, softmax cross-entropy, batches of 100);
//! - the paper's CNN: three 1-D convolutions (25 channels; kernels of 5, 3 and 3 taps, stride
//!   2, padding 1; ReLU) and a linear layer on the 25 × 5 features. The network language has
//!   no convolutions yet, so this one is written by hand on the runtime's convolution kernels
//!   (`nn::math::conv`), with the same Adam: each whole batch of 100 goes through
//!   `conv1d_batch` and `conv1d_batch_gradients` (each convolution one matrix product of the
//!   batch's im2col columns, through the tiled batch kernels; signals that do not fill a
//!   last batch sit out that epoch), the test accuracy through the per-sample `conv1d`. It
//!   is the hand-written model the `#[network]` version will be measured against.
//!
//! All three train with the paper's settings: Adam with a learning rate of 0.01, batches of
//! 100, 6,000 steps (150 epochs). Measured on this project's 2-core machine (one core used):
//!
//! | model | test accuracy, seeds 1 and 2 | the paper | time |
//! |---|---|---|---|
//! | logistic regression | 30.3 %, 33.0 % | 32 % | 0.1 s |
//! | MLP 40-100-100-10 | 66.7 %, 67.0 % | 68 % | 1.3 s |
//! | CNN, by hand on `nn::math::conv` | 92.0 %, 92.9 % | 94 % | 5.2 s |
//!
//! (The CNN classifies every training signal correctly by the end, with a mean training loss
//! near 4·10⁻⁵, measured while writing this example: the 1–2 points short of the paper's figure
//! are generalisation, not training.)
//!
//! ```text
//! cargo run --release --example mnist1d                     # all three, 150 epochs (about 7 s)
//! cargo run --release --example mnist1d -- --epochs 20      # fewer epochs
//! cargo run --release --example mnist1d -- --train 1000     # the first 1,000 training signals
//! cargo run --release --example mnist1d -- --seed 2 --data FILE
//! ```
//!
//! Options: `--epochs N` (default 150), `--train N` (default all 4,000), `--seed N` (default 1),
//! `--data FILE` (default `data/mnist1d.csv`); `--help` prints them.

use std::error::Error;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use nn::math::conv::{add_channel_bias, channel_bias_gradient, conv1d, flatten, unflatten};
use nn::prelude::*;
use nn::shuffle::Permutation;

/// Samples of a signal.
const LENGTH: usize = 40;
/// Classes.
const CLASSES: usize = 10;

/// The paper's training settings, for all three models: Adam with a learning rate of 0.01,
/// batches of 100, 6,000 steps (150 epochs of the 4,000 signals).
const RATE: f32 = 0.01;
const BATCH: usize = 100;
const EPOCHS: usize = 150;

/// One signal and its label.
type Sample = ([f32; LENGTH], usize);

/// Logistic regression: ten scores, each a weighted sum of the signal.
#[network]
fn logistic(x: [f32; 40], W: [[f32; 40]; 10], b: [f32; 10]) -> [f32; 10] {
    W·x + b
}

/// The paper's MLP: two hidden layers of 100 ReLU units.
#[network]
fn mlp(
    x: [f32; 40],
    W1: [[f32; 40]; 100],
    b1: [f32; 100],
    W2: [[f32; 100]; 100],
    b2: [f32; 100],
    W3: [[f32; 100]; 10],
    b3: [f32; 10],
) -> [f32; 10] {
    let h1 = relu(W1·x + b1);
    let h2 = relu(W2·h1 + b2);
    W3·h2 + b3
}

/// Reads `split,label,v0,…,v39` rows (lines starting with `#` are comments): the training and
/// the test samples.
fn load(path: &Path) -> Result<(Vec<Sample>, Vec<Sample>), Box<dyn Error>> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let (mut train, mut test) = (Vec::new(), Vec::new());
    for (k, line) in text.lines().enumerate() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let bad = |why: &str| format!("{} line {}: {why}", path.display(), k + 1);
        let fields: Vec<&str> = line.split(',').collect();
        if fields.len() != 2 + LENGTH {
            return Err(bad(&format!("{} fields, not {}", fields.len(), 2 + LENGTH)).into());
        }
        let label: usize = fields[1]
            .trim()
            .parse()
            .map_err(|_| bad("the label is not a number"))?;
        if label >= CLASSES {
            return Err(bad(&format!("label {label} is not 0 to 9")).into());
        }
        let mut x = [0.0f32; LENGTH];
        for (v, f) in x.iter_mut().zip(&fields[2..]) {
            *v = f
                .trim()
                .parse()
                .map_err(|_| bad(&format!("`{f}` is not a number")))?;
        }
        match fields[0] {
            "train" => train.push((x, label)),
            "test" => test.push((x, label)),
            other => return Err(bad(&format!("split `{other}` is not train or test")).into()),
        }
    }
    Ok((train, test))
}

fn is_correct(scores: &[f32; CLASSES], label: &usize) -> bool {
    argmax(scores) == *label
}

// ---- The CNN, by hand on the runtime's kernels ------------------------------------------------

/// Channels of every convolution.
const CH: usize = 25;
/// Lengths after each convolution: (40 + 2 − 5)/2 + 1, (19 + 2 − 3)/2 + 1, (10 + 2 − 3)/2 + 1.
const L1: usize = 19;
const L2: usize = 10;
const L3: usize = 5;
/// Features after the last convolution.
const FEATURES: usize = CH * L3;

/// The CNN's parameters; the same type holds their gradients.
#[derive(Clone)]
struct Cnn {
    k1: [[[f32; 5]; 1]; CH],
    c1: [f32; CH],
    k2: [[[f32; 3]; CH]; CH],
    c2: [f32; CH],
    k3: [[[f32; 3]; CH]; CH],
    c3: [f32; CH],
    w: [[f32; FEATURES]; CLASSES],
    b: [f32; CLASSES],
}

impl Cnn {
    fn zeros() -> Cnn {
        Cnn {
            k1: [[[0.0; 5]; 1]; CH],
            c1: [0.0; CH],
            k2: [[[0.0; 3]; CH]; CH],
            c2: [0.0; CH],
            k3: [[[0.0; 3]; CH]; CH],
            c3: [0.0; CH],
            w: [[0.0; FEATURES]; CLASSES],
            b: [0.0; CLASSES],
        }
    }

    /// Every tensor as a flat slice, with its fan-in (for the initialisation).
    fn tensors(&mut self) -> [(&mut [f32], usize); 8] {
        [
            (self.k1.as_flattened_mut().as_flattened_mut(), 5),
            (&mut self.c1[..], 0),
            (self.k2.as_flattened_mut().as_flattened_mut(), 3 * CH),
            (&mut self.c2[..], 0),
            (self.k3.as_flattened_mut().as_flattened_mut(), 3 * CH),
            (&mut self.c3[..], 0),
            (self.w.as_flattened_mut(), FEATURES),
            (&mut self.b[..], 0),
        ]
    }

    /// PyTorch's default initialisation, which the paper's runs used: weights and biases
    /// uniform in ±1/√fan-in (fan-in: the inputs of one output), from a seeded xorshift.
    fn init(seed: u64) -> Cnn {
        let mut cnn = Cnn::zeros();
        let mut state = seed.max(1);
        let fans = [5, 5, 3 * CH, 3 * CH, 3 * CH, 3 * CH, FEATURES, FEATURES];
        for ((tensor, _), fan_in) in cnn.tensors().into_iter().zip(fans) {
            let bound = 1.0 / (fan_in as f32).sqrt();
            for v in tensor {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                let unit = (state >> 40) as f32 / (1u64 << 24) as f32;
                *v = (2.0 * unit - 1.0) * bound;
            }
        }
        cnn
    }

    /// The scores of a signal (sample by sample: what the test accuracy reads).
    fn forward(&self, x: &[f32; LENGTH]) -> [f32; CLASSES] {
        let a1 = relu_all(add_channel_bias(
            &conv1d::<_, 1, LENGTH, CH, 5, L1, 2, 1>(&self.k1, &[*x]),
            &self.c1,
        ));
        let a2 = relu_all(add_channel_bias(
            &conv1d::<_, CH, L1, CH, 3, L2, 2, 1>(&self.k2, &a1),
            &self.c2,
        ));
        let a3 = relu_all(add_channel_bias(
            &conv1d::<_, CH, L2, CH, 3, L3, 2, 1>(&self.k3, &a2),
            &self.c3,
        ));
        let f: [f32; FEATURES] = flatten(&a3);
        core::array::from_fn(|i| nn::math::dot(&self.w[i], &f) + self.b[i])
    }
}

fn relu_all<const C: usize, const N: usize>(mut z: [[f32; N]; C]) -> [[f32; N]; C] {
    for v in z.iter_mut().flatten() {
        *v = nn::math::relu(*v);
    }
    z
}

/// ∂L/∂z of `a = relu(z)` from ∂L/∂a: kept where the unit was active (a > 0).
fn through_relu<const C: usize, const N: usize>(
    d_a: &[[f32; N]; C],
    a: &[[f32; N]; C],
) -> [[f32; N]; C] {
    core::array::from_fn(|c| core::array::from_fn(|i| if a[c][i] > 0.0 { d_a[c][i] } else { 0.0 }))
}

/// Softmax cross-entropy of scores against a label: the loss and ∂L/∂scores = p − onehot.
fn softmax_cross_entropy(scores: &[f32; CLASSES], label: usize) -> (f32, [f32; CLASSES]) {
    let p = nn::math::softmax(scores);
    let mut d = p;
    d[label] -= 1.0;
    (-(p[label].max(f32::MIN_POSITIVE)).ln(), d)
}

/// Adam (Kingma and Ba, 2015) over the CNN's tensors.
struct AdamState {
    m: Cnn,
    v: Cnn,
    t: i32,
}

impl AdamState {
    fn step(&mut self, params: &mut Cnn, grads: &mut Cnn, rate: f32, scale: f32) {
        self.t += 1;
        let (b1, b2) = (0.9f32, 0.999f32);
        let (c1, c2) = (1.0 - b1.powi(self.t), 1.0 - b2.powi(self.t));
        let tensors = params
            .tensors()
            .into_iter()
            .zip(grads.tensors())
            .zip(self.m.tensors().into_iter().zip(self.v.tensors()));
        for (((p, _), (g, _)), ((m, _), (v, _))) in tensors {
            for (((p, g), m), v) in p.iter_mut().zip(g.iter_mut()).zip(m).zip(v) {
                let g = *g * scale;
                *m = b1 * *m + (1.0 - b1) * g;
                *v = b2 * *v + (1.0 - b2) * g * g;
                *p -= rate * (*m / c1) / ((*v / c2).sqrt() + 1e-8);
            }
            g.fill(0.0);
        }
    }
}

/// Trains the CNN: shuffled whole batches of `BATCH` (what does not fill one is left out of
/// that epoch; the next epoch's order differs), Adam; returns the mean training loss of the
/// last epoch.
fn train_cnn(cnn: &mut Cnn, train: &[Sample], epochs: usize, rate: f32, seed: u64) -> f32 {
    let mut grads = Cnn::zeros();
    let mut work = Batch::new();
    let mut adam = AdamState {
        m: Cnn::zeros(),
        v: Cnn::zeros(),
        t: 0,
    };
    let mut last = 0.0;
    for epoch in 0..epochs {
        let order = Permutation::new(train.len(), seed.wrapping_add(epoch as u64));
        let mut total = 0.0;
        let indices: Vec<usize> = (0..train.len()).map(|i| order.get(i)).collect();
        let batches = indices.chunks_exact(BATCH);
        let used = batches.len() * BATCH;
        for chunk in batches {
            // Each convolution one matrix product for the whole batch (im2col).
            total += work.step(cnn, train, chunk, &mut grads);
            adam.step(cnn, &mut grads, rate, 1.0 / BATCH as f32);
        }
        last = total / used as f32;
    }
    last
}

/// Columns of the convolutions' im2col matrices: input channels × taps.
const KK1: usize = 5;
const KK2: usize = 3 * CH;

/// What a whole batch's step keeps, on the heap (the column matrices are the large part:
/// 1,000 rows of 75 for the second convolution).
struct Batch {
    x: Box<[[[f32; LENGTH]; 1]; BATCH]>,
    cols1: Box<[[f32; KK1]; BATCH * L1]>,
    a1: Box<[[[f32; L1]; CH]; BATCH]>,
    cols2: Box<[[f32; KK2]; BATCH * L2]>,
    a2: Box<[[[f32; L2]; CH]; BATCH]>,
    cols3: Box<[[f32; KK2]; BATCH * L3]>,
    a3: Box<[[[f32; L3]; CH]; BATCH]>,
    f: Box<[[f32; FEATURES]; BATCH]>,
}

impl Batch {
    fn new() -> Batch {
        Batch {
            x: Box::new([[[0.0; LENGTH]; 1]; BATCH]),
            cols1: Box::new([[0.0; KK1]; BATCH * L1]),
            a1: Box::new([[[0.0; L1]; CH]; BATCH]),
            cols2: Box::new([[0.0; KK2]; BATCH * L2]),
            a2: Box::new([[[0.0; L2]; CH]; BATCH]),
            cols3: Box::new([[0.0; KK2]; BATCH * L3]),
            a3: Box::new([[[0.0; L3]; CH]; BATCH]),
            f: Box::new([[0.0; FEATURES]; BATCH]),
        }
    }

    /// Forward and backward of the samples `chunk` (exactly one batch), the gradient *added*
    /// to `grads`; the sum of their losses.
    fn step(&mut self, cnn: &Cnn, train: &[Sample], chunk: &[usize], grads: &mut Cnn) -> f32 {
        use nn::math::conv::{conv1d_batch, conv1d_batch_gradients};
        for (x, &k) in self.x.iter_mut().zip(chunk) {
            x[0] = train[k].0;
        }
        // Forward: three convolutions, each with its bias and ReLU, then the linear layer.
        let mut z1 = Box::new([[[0.0; L1]; CH]; BATCH]);
        conv1d_batch::<_, 1, LENGTH, CH, 5, L1, 2, 1, BATCH, KK1, { BATCH * L1 }>(
            &cnn.k1,
            &self.x,
            &mut self.cols1,
            &mut z1,
        );
        for (a, z) in self.a1.iter_mut().zip(z1.iter()) {
            *a = relu_all(add_channel_bias(z, &cnn.c1));
        }
        let mut z2 = Box::new([[[0.0; L2]; CH]; BATCH]);
        conv1d_batch::<_, CH, L1, CH, 3, L2, 2, 1, BATCH, KK2, { BATCH * L2 }>(
            &cnn.k2,
            &self.a1,
            &mut self.cols2,
            &mut z2,
        );
        for (a, z) in self.a2.iter_mut().zip(z2.iter()) {
            *a = relu_all(add_channel_bias(z, &cnn.c2));
        }
        let mut z3 = Box::new([[[0.0; L3]; CH]; BATCH]);
        conv1d_batch::<_, CH, L2, CH, 3, L3, 2, 1, BATCH, KK2, { BATCH * L3 }>(
            &cnn.k3,
            &self.a2,
            &mut self.cols3,
            &mut z3,
        );
        for ((a, z), f) in self.a3.iter_mut().zip(z3.iter()).zip(self.f.iter_mut()) {
            *a = relu_all(add_channel_bias(z, &cnn.c3));
            *f = flatten(a);
        }
        let scores: [[f32; CLASSES]; BATCH] = nn::math::matmul_batch(&cnn.w, &self.f);
        // The loss and ∂L/∂scores of each sample.
        let mut total = 0.0;
        let mut d_scores = [[0.0; CLASSES]; BATCH];
        for ((d, s), &k) in d_scores.iter_mut().zip(&scores).zip(chunk) {
            let biased = core::array::from_fn(|i| s[i] + cnn.b[i]);
            let (loss, grad) = softmax_cross_entropy(&biased, train[k].1);
            total += loss;
            *d = grad;
            nn::math::add_assign(&mut grads.b, &grad);
        }
        // Backward, layer by layer, each product for the whole batch.
        nn::math::outer_add_batch(&mut grads.w, &d_scores, &self.f);
        let d_f: Box<[[f32; FEATURES]; BATCH]> =
            Box::new(nn::math::transpose_mul_batch(&cnn.w, &d_scores));
        let mut d_z3 = Box::new([[[0.0; L3]; CH]; BATCH]);
        for ((d, df), a) in d_z3.iter_mut().zip(d_f.iter()).zip(self.a3.iter()) {
            *d = through_relu(&unflatten(df), a);
            channel_bias_gradient(&mut grads.c3, d);
        }
        let mut d_a2 = Box::new([[[0.0; L2]; CH]; BATCH]);
        conv1d_batch_gradients::<_, CH, L2, CH, 3, L3, 2, 1, BATCH, KK2, { BATCH * L3 }>(
            &cnn.k3,
            &self.cols3,
            &d_z3,
            &mut grads.k3,
            Some(&mut d_a2),
        );
        let mut d_z2 = Box::new([[[0.0; L2]; CH]; BATCH]);
        for ((d, da), a) in d_z2.iter_mut().zip(d_a2.iter()).zip(self.a2.iter()) {
            *d = through_relu(da, a);
            channel_bias_gradient(&mut grads.c2, d);
        }
        let mut d_a1 = Box::new([[[0.0; L1]; CH]; BATCH]);
        conv1d_batch_gradients::<_, CH, L1, CH, 3, L2, 2, 1, BATCH, KK2, { BATCH * L2 }>(
            &cnn.k2,
            &self.cols2,
            &d_z2,
            &mut grads.k2,
            Some(&mut d_a1),
        );
        let mut d_z1 = Box::new([[[0.0; L1]; CH]; BATCH]);
        for ((d, da), a) in d_z1.iter_mut().zip(d_a1.iter()).zip(self.a1.iter()) {
            *d = through_relu(da, a);
            channel_bias_gradient(&mut grads.c1, d);
        }
        // The first layer's input is data: its kernel's gradient only.
        conv1d_batch_gradients::<_, 1, LENGTH, CH, 5, L1, 2, 1, BATCH, KK1, { BATCH * L1 }>(
            &cnn.k1,
            &self.cols1,
            &d_z1,
            &mut grads.k1,
            None,
        );
        total
    }
}

fn cnn_accuracy(cnn: &Cnn, data: &[Sample]) -> f64 {
    let correct = data
        .iter()
        .filter(|(x, label)| argmax(&cnn.forward(x)) == *label)
        .count();
    correct as f64 / data.len() as f64
}

// ---- The run ----------------------------------------------------------------------------------

const USAGE: &str = "usage: mnist1d [--epochs N] [--train N] [--seed N] [--data FILE]
  --epochs N   epochs of every model (default 150: the paper's 6,000 steps of 100)
  --train N    train on the first N training signals (default all 4,000; at least 100)
  --seed N     the seed of the initial weights and the batch order (default 1)
  --data FILE  the data (default data/mnist1d.csv)";

/// What the run was asked.
pub struct Options {
    data: PathBuf,
    epochs: usize,
    /// Training signals used (the first ones); all by default.
    train: Option<usize>,
    seed: u64,
}

fn options(args: Vec<String>) -> Result<Options, Box<dyn Error>> {
    let mut opts = Options {
        data: Path::new(env!("CARGO_MANIFEST_DIR")).join("data/mnist1d.csv"),
        epochs: EPOCHS,
        train: None,
        seed: 1,
    };
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{arg} needs a value"));
        let whole = |v: String, what: &str| -> Result<usize, String> {
            v.parse()
                .map_err(|_| format!("{what} needs a whole number, not `{v}`"))
        };
        match arg.as_str() {
            "-h" | "--help" => return Err(USAGE.into()),
            "--data" => opts.data = PathBuf::from(value()?),
            "--epochs" => opts.epochs = whole(value()?, "--epochs")?.max(1),
            "--train" => {
                let n = whole(value()?, "--train")?;
                if n < BATCH {
                    return Err(format!(
                        "--train needs at least {BATCH} signals (one batch), not {n}"
                    )
                    .into());
                }
                opts.train = Some(n);
            }
            "--seed" => opts.seed = whole(value()?, "--seed")? as u64,
            other => return Err(format!("unknown argument `{other}`\n\n{USAGE}").into()),
        }
    }
    Ok(opts)
}

/// The three models' test accuracies.
pub struct Report {
    pub logistic: f64,
    pub mlp: f64,
    pub cnn: f64,
}

/// Trains a network of the language with the paper's settings: Adam, softmax cross-entropy.
fn fit<N>(params: &mut N, train: &[Sample], opts: &Options) -> Result<(), nn::Error>
where
    N: Network<Scalar = f32, Input = [f32; LENGTH], Output = [f32; CLASSES]> + Parameters,
{
    Trainer::new(Adam::new(RATE), SoftmaxCrossEntropy)
        .epochs(opts.epochs)
        .batch_size(BATCH)
        .seed(opts.seed)
        .fit(params, train)?;
    Ok(())
}

/// Trains the three models and prints their accuracies beside the paper's.
pub fn run(args: Vec<String>, out: &mut impl Write) -> Result<Report, Box<dyn Error>> {
    let opts = options(args)?;
    let (mut train, test) = load(&opts.data)?;
    if let Some(n) = opts.train {
        train.truncate(n);
    }
    writeln!(
        out,
        "MNIST-1D from {}: {} training and {} test signals of {LENGTH} samples; Adam (η = {RATE}), batches of {BATCH}, {} epochs",
        opts.data.display(),
        train.len(),
        test.len(),
        opts.epochs
    )?;
    writeln!(
        out,
        "\nmodel                 parameters   test accuracy   the paper   time"
    )?;
    let row = |out: &mut dyn Write,
               name: &str,
               count: usize,
               accuracy: f64,
               paper: u32,
               started: Instant| {
        writeln!(
            out,
            "{name:<21} {count:>10}   {:>12.1} %   {paper:>8} %   {:.1} s",
            100.0 * accuracy,
            started.elapsed().as_secs_f64()
        )
    };

    let started = Instant::now();
    let mut lin = logistic::Params::init(Xavier, opts.seed);
    fit(&mut lin, &train, &opts)?;
    let logistic = accuracy(&lin, &test, is_correct)?;
    row(
        out,
        "logistic regression",
        logistic::PARAM_COUNT,
        logistic,
        32,
        started,
    )?;

    let started = Instant::now();
    let mut net = mlp::Params::init_each(opts.seed, |info| match info.name {
        "W1" | "W2" => &He,
        "W3" => &Xavier,
        _ => &Zeros,
    });
    fit(&mut net, &train, &opts)?;
    let mlp = accuracy(&net, &test, is_correct)?;
    row(out, "MLP 40-100-100-10", mlp::PARAM_COUNT, mlp, 68, started)?;

    let started = Instant::now();
    let mut model = Cnn::init(opts.seed);
    let count: usize = model.tensors().iter().map(|(t, _)| t.len()).sum();
    // On a thread of its own with room for the batch's matrices, which the batch kernels
    // return by value (a debug build copies them on the stack more than once).
    std::thread::scope(|scope| {
        std::thread::Builder::new()
            .stack_size(64 << 20)
            .spawn_scoped(scope, || {
                train_cnn(&mut model, &train, opts.epochs, RATE, opts.seed)
            })
            .map(|handle| handle.join())
    })
    .map_err(|e| format!("cannot start the CNN's training thread: {e}"))?
    .map_err(|_| "the CNN's training thread failed")?;
    let cnn = cnn_accuracy(&model, &test);
    row(out, "CNN (by hand)", count, cnn, 94, started)?;
    Ok(Report { logistic, mlp, cnn })
}

fn main() -> std::process::ExitCode {
    match run(std::env::args().skip(1).collect(), &mut std::io::stdout()) {
        Ok(_) => std::process::ExitCode::SUCCESS,
        Err(e) if e.to_string() == USAGE => {
            println!("{USAGE}");
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("mnist1d: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

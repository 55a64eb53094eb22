//! LeNet in small on the 8×8 hand-written digits (`data/digits.csv`): two 2-D convolutions,
//! each followed by max pooling, then two dense layers — the shape of LeCun et al.'s LeNet-5
//! (1998), with ReLU and max pooling as networks are built today. Written with `#[network]`:
//! the generated backward differentiates the convolutions and the pooling (read it with
//! `--source`).
//!
//! The same data, split and training as the `digits` example's MLP (80 % of the 1,797 images to
//! train, 20 % to test, by the same seeded shuffle; Adam with a cosine-annealed rate, softmax
//! cross-entropy), so that the two test accuracies compare: the MLP's 97.5 % against the CNN's.
//!
//! ```text
//! cargo run --release --example lenet --features plot                 # 40 epochs, both accuracies
//! cargo run --release --example lenet --features plot -- --epochs 10
//! cargo run --release --example lenet --features plot -- --source     # the generated code
//! ```
//!
//! (`plot`: the MLP is the `digits` example's own code, which draws its loss curve.)

use std::error::Error;
use std::io::Write;
use std::time::Instant;

use nn::prelude::*;

#[path = "digits.rs"]
#[allow(dead_code)]
mod digits;

/// One channel of 8 × 8 pixels → 8 channels of 8 × 8 (3 × 3 kernels, same padding) → max
/// pooling to 8 × 4 × 4 → 16 channels of 4 × 4 → max pooling to 16 × 2 × 2 = 64 features →
/// 32 ReLU units → 10 scores.
#[network]
fn lenet(
    x: [[[f32; 8]; 8]; 1],
    K1: [[[[f32; 3]; 3]; 1]; 8],
    c1: [f32; 8],
    K2: [[[[f32; 3]; 3]; 8]; 16],
    c2: [f32; 16],
    W1: [[f32; 64]; 32],
    b1: [f32; 32],
    W2: [[f32; 32]; 10],
    b2: [f32; 10],
) -> [f32; 10] {
    let h1 = max_pool(relu(conv2d(K1, x, padding = same) + c1), 2);
    let h2 = max_pool(relu(conv2d(K2, h1, padding = same) + c2), 2);
    let h3 = relu(W1·flatten(h2) + b1);
    W2·h3 + b2
}

/// An image as the convolution's input: one channel of 8 rows of 8.
type Image = [[[f32; 8]; 8]; 1];

fn image(pixels: &[f32; 64]) -> Image {
    let mut x = [[[0.0; 8]; 8]; 1];
    for (v, &p) in x.iter_mut().flatten().flatten().zip(pixels) {
        *v = p;
    }
    x
}

fn is_correct(scores: &[f32; 10], label: &usize) -> bool {
    argmax(scores) == *label
}

/// The two test accuracies.
pub struct Report {
    /// The 64-32-10 MLP's.
    pub mlp: f64,
    /// The CNN's.
    pub cnn: f64,
}

const USAGE: &str = "usage: lenet [--epochs N] [--seed N] [--source]
  --epochs N   epochs of both models (default 40, the digits example's)
  --seed N     the seed of the initial weights and the batch order (default 7)
  --source     print the CNN's generated code and stop";

/// Trains the MLP of the `digits` example and the CNN on the same split, and prints both test
/// accuracies.
pub fn run(args: Vec<String>, out: &mut impl Write) -> Result<Report, Box<dyn Error>> {
    let mut opts = digits::Options::full();
    opts.progress = false;
    opts.curve = None;
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let mut whole = |what: &str| -> Result<usize, String> {
            let v = args.next().ok_or_else(|| format!("{what} needs a value"))?;
            v.parse()
                .map_err(|_| format!("{what} needs a whole number, not `{v}`"))
        };
        match arg.as_str() {
            "--epochs" => opts.epochs = whole("--epochs")?.max(1),
            "--seed" => opts.seed = whole("--seed")? as u64,
            "--source" => {
                writeln!(out, "{}", lenet::LECTURE_SOURCE)?;
                return Ok(Report { mlp: 0.0, cnn: 0.0 });
            }
            "-h" | "--help" => return Err(USAGE.into()),
            other => return Err(format!("unknown argument `{other}`\n\n{USAGE}").into()),
        }
    }
    let mlp = digits::run(&opts, &mut std::io::sink())?.test_accuracy;
    writeln!(out, "64-32-10 MLP: {:.1} % test accuracy", 100.0 * mlp)?;

    let samples = digits::load(&opts.data)?;
    let (train, test) = digits::split(&samples, opts.split, opts.rows);
    let images = |data: &[digits::Sample]| -> Vec<(Image, usize)> {
        data.iter().map(|(x, label)| (image(x), *label)).collect()
    };
    let (train, test) = (images(&train), images(&test));
    let started = Instant::now();
    let mut params = lenet::Params::init_each(opts.seed, |info| match info.name {
        "K1" | "K2" | "W1" => &He,
        "W2" => &Xavier,
        _ => &Zeros,
    });
    Trainer::new(Adam::new(opts.learning_rate), SoftmaxCrossEntropy)
        .schedule(CosineDecay::new(opts.epochs))
        .epochs(opts.epochs)
        .batch_size(opts.batch)
        .seed(opts.seed)
        .fit(&mut params, &train)?;
    let cnn = accuracy(&params, &test, is_correct)?;
    writeln!(
        out,
        "LeNet-style CNN ({} parameters): {:.1} % test accuracy, trained in {:.1} s",
        lenet::PARAM_COUNT,
        100.0 * cnn,
        started.elapsed().as_secs_f64()
    )?;
    Ok(Report { mlp, cnn })
}

fn main() -> std::process::ExitCode {
    match run(std::env::args().skip(1).collect(), &mut std::io::stdout()) {
        Ok(_) => std::process::ExitCode::SUCCESS,
        Err(e) if e.to_string() == USAGE => {
            println!("{USAGE}");
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("lenet: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

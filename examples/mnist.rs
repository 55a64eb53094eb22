//! MNIST: 70 000 hand-written digits of 28×28 pixels (60 000 to train, 10 000 to test),
//! classified by a 784-512-10 multi-layer perceptron, `W2·relu(W1·x + b1) + b2`, trained with
//! Adam on the softmax cross-entropy of its logits against the class index.
//!
//! The data are not in the repository: the example reads the four IDX files of MNIST from the
//! directory given as its argument, gzipped or not (`nn::idx`, the feature `idx`):
//! `train-images-idx3-ubyte`, `train-labels-idx1-ubyte`, `t10k-images-idx3-ubyte` and
//! `t10k-labels-idx1-ubyte`, each with or without `.gz`. They are on public mirrors of
//! Yann LeCun's MNIST page, for instance the one torchvision downloads from:
//!
//! ```text
//! mkdir mnist && cd mnist
//! for f in train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte; do
//!     curl -O https://ossci-datasets.s3.amazonaws.com/mnist/$f.gz
//! done
//! ```
//!
//! It shows a progress bar while it trains, prints the test accuracy after every epoch and at
//! the end with the confusion matrix, and draws the loss curve as SVG: `mnist_loss.svg` in the
//! current directory, or in the directory `--out DIR` names (`--curve FILE` for another name,
//! `--no-curve` for none).
//!
//! ```text
//! cargo run --release --example mnist --features idx,plot -- mnist               # 10 epochs
//! cargo run --release --example mnist --features idx,plot -- mnist --epochs 3 --train 10000
//! cargo run --release --example mnist --features idx,plot -- mnist --batch 128 --lr 0.002 --seed 1
//! cargo run --release --example mnist --features idx,plot -- mnist --out pictures --no-progress
//! ```
//!
//! Options: `--epochs N`, `--batch N` (images per optimizer step), `--lr X` (Adam's learning
//! rate, cosine-annealed to 0 over the epochs), `--seed N` (initial weights and shuffle),
//! `--train N` and `--test N` (use only the first N images of each set), `--out DIR`,
//! `--curve FILE`, `--no-curve`, `--no-progress`.

use std::error::Error;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use nn::idx::{self, IdxError, LabelledImages};
use nn::prelude::*;

/// 784 pixels in, 512 ReLU units, 10 scores (logits) out: 407 050 parameters.
#[network]
fn mnist(
    x: [f32; 784],
    W1: [[f32; 784]; 512],
    b1: [f32; 512],
    W2: [[f32; 512]; 10],
    b2: [f32; 10],
) -> [f32; 10] {
    let h = relu(W1·x + b1);
    W2·h + b2
}

/// Pixels per image, 28 × 28.
pub const PIXELS: usize = idx::PIXELS;
/// Classes (the digits 0 to 9).
pub const CLASSES: usize = 10;
/// The loss curve's file name.
pub const CURVE: &str = "mnist_loss.svg";

/// Where the files are to be had, for the message when they are not given or not found.
pub fn where_to_get_them() -> String {
    format!(
        "MNIST is four files, gzipped or not, in one directory:\n    \
         {ti}.gz  {tl}.gz  {ei}.gz  {el}.gz\n\
         Download them from a public mirror of Yann LeCun's MNIST page, for instance\n    \
         https://ossci-datasets.s3.amazonaws.com/mnist/  (the one torchvision uses)\n    \
         https://storage.googleapis.com/cvdf-datasets/mnist/\n\
         and run `cargo run --release --example mnist --features idx,plot -- DIR`.",
        ti = idx::TRAIN_IMAGES,
        tl = idx::TRAIN_LABELS,
        ei = idx::TEST_IMAGES,
        el = idx::TEST_LABELS,
    )
}

/// What to run.
#[derive(Clone, Debug)]
pub struct Options {
    /// The directory of the four IDX files (`None`: not given).
    pub data: Option<PathBuf>,
    /// Use only the first this many training images.
    pub train: Option<usize>,
    /// Use only the first this many test images.
    pub test: Option<usize>,
    /// Training epochs.
    pub epochs: usize,
    /// Images per optimizer step.
    pub batch: usize,
    /// Adam's learning rate (cosine-annealed to 0 over the epochs).
    pub learning_rate: f32,
    /// Seed of the initial weights and of the per-epoch shuffle.
    pub seed: u64,
    /// Show a progress bar (on a terminal).
    pub progress: bool,
    /// Where the loss curve goes (`None`: not drawn): [`CURVE`] in the current directory, or
    /// in `--out DIR`, or `--curve FILE`.
    pub curve: Option<PathBuf>,
}

impl Default for Options {
    /// All 70 000 images, 10 epochs of batches of 64, learning rate 0.001.
    fn default() -> Self {
        Options {
            data: None,
            train: None,
            test: None,
            epochs: 10,
            batch: 64,
            learning_rate: 0.001,
            seed: 7,
            progress: true,
            curve: Some(Path::new(".").join(CURVE)),
        }
    }
}

impl Options {
    /// Reads `PATH` (the directory of the IDX files), `--epochs N`, `--batch N`, `--lr X`,
    /// `--seed N`, `--train N`, `--test N`, `--out DIR`, `--curve FILE`, `--no-curve`,
    /// `--no-progress`.
    pub fn from_args(args: impl IntoIterator<Item = String>) -> Result<Self, String> {
        let mut opts = Options::default();
        let mut args = args.into_iter();
        while let Some(arg) = args.next() {
            let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
            match arg.as_str() {
                "--epochs" => opts.epochs = number("--epochs", &value("--epochs")?)?,
                "--batch" => opts.batch = number("--batch", &value("--batch")?)?,
                "--seed" => opts.seed = number("--seed", &value("--seed")?)?,
                "--train" => opts.train = Some(number("--train", &value("--train")?)?),
                "--test" => opts.test = Some(number("--test", &value("--test")?)?),
                "--lr" => {
                    let v = value("--lr")?;
                    opts.learning_rate = v
                        .parse()
                        .ok()
                        .filter(|lr: &f32| *lr > 0.0 && lr.is_finite())
                        .ok_or(format!("--lr needs a positive number, not `{v}`"))?;
                }
                "--out" => opts.curve = Some(Path::new(&value("--out")?).join(CURVE)),
                "--curve" => opts.curve = Some(PathBuf::from(value("--curve")?)),
                "--no-curve" => opts.curve = None,
                "--no-progress" => opts.progress = false,
                other if other.starts_with('-') => {
                    return Err(format!(
                        "unknown argument `{other}` (try PATH, --epochs N, --batch N, --lr X, \
                         --seed N, --train N, --test N, --out DIR, --curve FILE, --no-curve, \
                         --no-progress)"
                    ))
                }
                path if opts.data.is_none() => opts.data = Some(PathBuf::from(path)),
                extra => {
                    return Err(format!(
                        "one directory of MNIST files, please: `{}` and `{extra}` given",
                        opts.data.as_deref().unwrap_or(Path::new("")).display()
                    ))
                }
            }
        }
        if opts.batch == 0 {
            return Err("--batch needs at least 1".into());
        }
        if opts.epochs == 0 {
            return Err("--epochs needs at least 1".into());
        }
        Ok(opts)
    }
}

fn number<T: std::str::FromStr>(name: &str, text: &str) -> Result<T, String> {
    text.parse()
        .map_err(|_| format!("{name} needs a whole number, not `{text}`"))
}

/// What the run found.
#[derive(Clone, Debug)]
pub struct Report {
    /// Training images used.
    pub train_size: usize,
    /// Test images used.
    pub test_size: usize,
    /// Mean training loss per epoch.
    pub losses: Vec<f32>,
    /// Test accuracy after each epoch.
    pub test_accuracy_per_epoch: Vec<f64>,
    /// Accuracy on the test images after training.
    pub test_accuracy: f64,
    /// The confusion matrix on the test images.
    pub confusion: ConfusionMatrix<CLASSES>,
    /// Time spent training (per-epoch test accuracy included).
    pub training_time: Duration,
    /// The loss curve, if drawn.
    pub curve: Option<PathBuf>,
}

fn is_correct(scores: &[f32; CLASSES], label: &usize) -> bool {
    argmax(scores) == *label
}

/// Reads the data, or says where to get it.
fn read(dir: Option<&Path>) -> Result<idx::Mnist<PIXELS>, String> {
    let Some(dir) = dir else {
        return Err(format!(
            "no MNIST directory given\n\n{}",
            where_to_get_them()
        ));
    };
    idx::read_mnist(dir).map_err(|e| match e {
        nn::Error::Idx(IdxError::Missing { .. }) => format!("{e}\n\n{}", where_to_get_them()),
        _ => e.to_string(),
    })
}

/// Loads, trains, evaluates, prints to `out`, and draws the loss curve.
pub fn run(opts: &Options, out: &mut dyn Write) -> Result<Report, Box<dyn Error>> {
    let data = read(opts.data.as_deref())?;
    let (mut train, mut test): (LabelledImages, LabelledImages) = (data.train, data.test);
    train.truncate(opts.train.unwrap_or(usize::MAX));
    test.truncate(opts.test.unwrap_or(usize::MAX));
    if train.is_empty() || test.is_empty() {
        return Err(format!(
            "{} training and {} test images: too few to train and test on",
            train.len(),
            test.len()
        )
        .into());
    }
    if let Some(label) = train
        .labels()
        .iter()
        .chain(test.labels())
        .find(|&&l| l >= CLASSES)
    {
        return Err(format!("a label of {label}: MNIST's labels are the digits 0 to 9").into());
    }
    writeln!(
        out,
        "MNIST from {}: {} images to train, {} to test",
        opts.data.as_deref().unwrap_or(Path::new("")).display(),
        train.len(),
        test.len()
    )?;
    writeln!(
        out,
        "784-512-10 MLP, {} parameters; Adam(lr {} cosine-annealed to 0), batches of {}, {} epochs, softmax cross-entropy",
        mnist::PARAM_COUNT,
        opts.learning_rate,
        opts.batch,
        opts.epochs
    )?;

    // He for the ReLU layer's weights, Xavier for the output layer's, zero biases.
    let mut params = mnist::Params::init_each(opts.seed, |info| match info.name {
        "W1" => &He,
        "W2" => &Xavier,
        _ => &Zeros,
    });
    let mut history = History::with_capacity(opts.epochs);
    let mut test_accuracy_per_epoch = Vec::with_capacity(opts.epochs);
    let mut accuracy_error = None;
    let started = Instant::now();
    Trainer::new(Adam::new(opts.learning_rate), SoftmaxCrossEntropy)
        .epochs(opts.epochs)
        .batch_size(opts.batch)
        .seed(opts.seed)
        .schedule(CosineDecay::new(opts.epochs))
        .progress(opts.progress)
        .fit_with(&mut params, &train, |e: &Epoch<'_, mnist::Params>| {
            history.record(e);
            match accuracy(e.params, &test, is_correct) {
                Ok(a) => test_accuracy_per_epoch.push(a),
                Err(err) => accuracy_error = Some(err),
            }
        })?;
    let training_time = started.elapsed();
    if let Some(err) = accuracy_error {
        return Err(err.into());
    }

    writeln!(out, "\nepoch   train loss   test accuracy")?;
    for (i, (loss, acc)) in history
        .losses()
        .iter()
        .zip(&test_accuracy_per_epoch)
        .enumerate()
    {
        writeln!(out, "{:>5}   {loss:>10.5}   {:>12.2}%", i + 1, 100.0 * acc)?;
    }

    let confusion =
        ConfusionMatrix::<CLASSES>::of(&params, &test, |scores| argmax(scores), |label| *label)?;
    let test_accuracy = confusion.accuracy().unwrap_or(0.0);
    writeln!(
        out,
        "\ntrained in {:.1} s: test accuracy {:.2}% ({} of {})",
        training_time.as_secs_f64(),
        100.0 * test_accuracy,
        confusion.correct(),
        confusion.total()
    )?;
    writeln!(out, "\nconfusion matrix on the test images:\n{confusion}")?;

    let curve = match &opts.curve {
        Some(path) => {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir)
                    .map_err(|e| format!("cannot create the directory {}: {e}", dir.display()))?;
            }
            history
                .plot_svg(path)
                .map_err(|e| format!("cannot write the loss curve {}: {e}", path.display()))?;
            writeln!(out, "\nwrote the loss curve to {}", path.display())?;
            Some(path.clone())
        }
        None => None,
    };

    Ok(Report {
        train_size: train.len(),
        test_size: test.len(),
        losses: history.losses().to_vec(),
        test_accuracy_per_epoch,
        test_accuracy,
        confusion,
        training_time,
        curve,
    })
}

fn main() -> std::process::ExitCode {
    let result = Options::from_args(std::env::args().skip(1))
        .map_err(Box::<dyn Error>::from)
        .and_then(|opts| run(&opts, &mut std::io::stdout()));
    match result {
        Ok(_) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

//! A real task: hand-written digits (8×8 pixels, 1797 images, `data/digits.csv`) classified by
//! a 64-32-10 multi-layer perceptron, `W2·relu(W1·x + b1) + b2`, trained with Adam on the
//! softmax cross-entropy. "Do a matrix multiplication, set all negative values to 0, repeat"
//! (`docs/lectures.md` §7).
//!
//! The data are split into training and test images by a seeded shuffle, so every run sees
//! the same split. The example shows a progress bar while it trains, prints the test accuracy
//! and the confusion matrix, and draws the loss curve as SVG: `digits_loss.svg` in the current
//! directory, or in the directory `--out DIR` names (`--curve FILE` for another name,
//! `--no-curve` for none).
//!
//! ```text
//! cargo run --release --example digits --features plot                       # well under a second; ./digits_loss.svg
//! cargo run --release --example digits --features plot -- --fast             # 600 images, 15 epochs
//! cargo run --release --example digits --features plot -- --out pictures     # pictures/digits_loss.svg
//! cargo run --release --example digits --features plot -- --data my.csv --curve my_loss.svg
//! cargo run --release --example digits --features plot -- --benchmark-split  # rows 0..1499 train, the rest test
//! ```

use std::error::Error;
use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use nn::prelude::*;
use nn::shuffle::Permutation;

/// 64 pixels in, 32 ReLU units, 10 scores (logits) out: 2410 parameters.
#[network]
fn digits(
    x: [f32; 64],
    W1: [[f32; 64]; 32],
    b1: [f32; 32],
    W2: [[f32; 32]; 10],
    b2: [f32; 10],
) -> [f32; 10] {
    let h = relu(W1·x + b1);
    W2·h + b2
}

/// Pixels per image.
pub const PIXELS: usize = 64;
/// Classes (the digits 0 to 9).
pub const CLASSES: usize = 10;
/// The largest pixel value in the file; inputs are divided by it.
pub const MAX_PIXEL: f32 = 16.0;

/// One image, its pixels scaled to [0, 1], and its label.
pub type Sample = ([f32; PIXELS], usize);

/// A problem with the data file, naming the file and, for a bad line, the line number.
#[derive(Debug)]
pub enum DataError {
    /// The file cannot be read.
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A line is not an image.
    Line {
        /// The file.
        path: PathBuf,
        /// The line, counted from 1 (the header is line 1).
        line: usize,
        /// What is wrong with it.
        message: String,
    },
    /// The file has no images.
    Empty {
        /// The file.
        path: PathBuf,
    },
}

impl fmt::Display for DataError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DataError::Read { path, source } => write!(
                f,
                "cannot read the digits data {}: {source} (the file ships in data/ of the \
                 repository; pass another with --data PATH)",
                path.display()
            ),
            DataError::Line {
                path,
                line,
                message,
            } => write!(f, "{}:{line}: {message}", path.display()),
            DataError::Empty { path } => {
                write!(f, "{}: no images after the header", path.display())
            }
        }
    }
}

impl Error for DataError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        match self {
            DataError::Read { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// Reads a CSV of `pixel0,…,pixel63,label` lines after one header line: 64 integers 0..=16,
/// then a label 0..=9. Blank lines are skipped; anything else that is not an image is an error
/// naming the line.
pub fn load(path: &Path) -> Result<Vec<Sample>, DataError> {
    let text = std::fs::read_to_string(path).map_err(|source| DataError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    parse(&text, path)
}

/// [`load`] on text already read; `path` is only used in messages.
pub fn parse(text: &str, path: &Path) -> Result<Vec<Sample>, DataError> {
    let bad = |line: usize, message: String| DataError::Line {
        path: path.to_path_buf(),
        line,
        message,
    };
    let mut lines = text.lines().enumerate().map(|(i, l)| (i + 1, l));
    match lines.next() {
        Some((_, header)) if header.trim_start().starts_with("pixel0") => {}
        Some((n, header)) => {
            let shown: String = header.chars().take(40).collect();
            return Err(bad(
                n,
                format!("expected the header `pixel0,...,pixel63,label`, found `{shown}`"),
            ));
        }
        None => {
            return Err(DataError::Empty {
                path: path.to_path_buf(),
            })
        }
    }
    let mut samples = Vec::new();
    for (n, line) in lines {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let fields: Vec<&str> = line.split(',').map(str::trim).collect();
        if fields.len() != PIXELS + 1 {
            return Err(bad(
                n,
                format!(
                    "expected {} comma-separated values (64 pixels and a label), found {}",
                    PIXELS + 1,
                    fields.len()
                ),
            ));
        }
        let mut x = [0.0; PIXELS];
        for (k, (v, field)) in x.iter_mut().zip(&fields).enumerate() {
            match field.parse::<u8>() {
                Ok(p) if f32::from(p) <= MAX_PIXEL => *v = f32::from(p) / MAX_PIXEL,
                _ => {
                    return Err(bad(
                        n,
                        format!("pixel{k} is `{field}`, not a whole number from 0 to 16"),
                    ))
                }
            }
        }
        let label_field = fields[PIXELS];
        let label = match label_field.parse::<usize>() {
            Ok(l) if l < CLASSES => l,
            _ => {
                return Err(bad(
                    n,
                    format!("the label is `{label_field}`, not a digit from 0 to 9"),
                ))
            }
        };
        samples.push((x, label));
    }
    if samples.is_empty() {
        return Err(DataError::Empty {
            path: path.to_path_buf(),
        });
    }
    Ok(samples)
}

/// How the images are divided into training and test images.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Split {
    /// A seeded shuffle; this fraction of the images (rounded) is held out for testing.
    Shuffled {
        /// Seed of the shuffle.
        seed: u64,
        /// Fraction held out.
        test_fraction: f64,
    },
    /// The benchmark split of `data/README.md`: rows 0..1499 train, the rest test.
    Benchmark,
}

/// Divides `samples` into (training, test) sets. With `rows`, only that many images (from the
/// shuffled order, so a subset has every class) are used.
pub fn split(samples: &[Sample], how: Split, rows: Option<usize>) -> (Vec<Sample>, Vec<Sample>) {
    match how {
        Split::Benchmark => {
            let cut = 1500.min(samples.len());
            let (train, test) = samples.split_at(cut);
            let keep = rows.unwrap_or(samples.len());
            let test_keep = keep.saturating_sub(train.len().min(keep)).min(test.len());
            (
                train[..train.len().min(keep)].to_vec(),
                test[..test_keep].to_vec(),
            )
        }
        Split::Shuffled {
            seed,
            test_fraction,
        } => {
            let n = rows.unwrap_or(samples.len()).min(samples.len());
            let order = Permutation::new(samples.len(), seed);
            let n_test = ((n as f64) * test_fraction.clamp(0.0, 1.0)).round() as usize;
            let pick = |i: usize| samples[order.get(i)];
            let test = (0..n_test).map(pick).collect();
            let train = (n_test..n).map(pick).collect();
            (train, test)
        }
    }
}

/// What to run.
#[derive(Clone, Debug)]
pub struct Options {
    /// The CSV file.
    pub data: PathBuf,
    /// Use only this many images (training and test together).
    pub rows: Option<usize>,
    /// How to split them.
    pub split: Split,
    /// Training epochs.
    pub epochs: usize,
    /// Images per optimizer step.
    pub batch: usize,
    /// Adam's learning rate.
    pub learning_rate: f32,
    /// Seed of the initial weights and of the per-epoch shuffle.
    pub seed: u64,
    /// Show a progress bar (on a terminal).
    pub progress: bool,
    /// Where the loss curve goes (`None`: not drawn): [`CURVE`] in the current directory, or
    /// in `--out DIR`, or `--curve FILE`.
    pub curve: Option<PathBuf>,
}

/// The loss curve's file name.
pub const CURVE: &str = "digits_loss.svg";

impl Options {
    /// All 1797 images, 20% held out, 40 epochs of batches of 16.
    pub fn full() -> Self {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        Options {
            data: root.join("data/digits.csv"),
            rows: None,
            split: Split::Shuffled {
                seed: 2024,
                test_fraction: 0.2,
            },
            epochs: 40,
            batch: 16,
            learning_rate: 0.003,
            seed: 7,
            progress: true,
            curve: Some(Path::new(".").join(CURVE)),
        }
    }

    /// 600 images (480 to train, 120 to test) and 15 epochs.
    pub fn fast() -> Self {
        Options {
            rows: Some(600),
            epochs: 15,
            ..Options::full()
        }
    }

    /// Reads `--fast`, `--data PATH`, `--rows N`, `--epochs N`, `--batch N`, `--lr X`,
    /// `--seed N`, `--split-seed N`, `--benchmark-split`, `--out DIR`, `--curve FILE`,
    /// `--no-curve`, `--no-progress`.
    pub fn from_args(args: impl IntoIterator<Item = String>) -> Result<Self, String> {
        let mut opts = Options::full();
        let args: Vec<String> = args.into_iter().collect();
        if args.iter().any(|a| a == "--fast") {
            opts = Options::fast();
        }
        let mut args = args.into_iter();
        while let Some(arg) = args.next() {
            let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
            match arg.as_str() {
                "--fast" => {}
                "--data" => opts.data = PathBuf::from(value("--data")?),
                "--rows" => opts.rows = Some(number("--rows", &value("--rows")?)?),
                "--epochs" => opts.epochs = number("--epochs", &value("--epochs")?)?,
                "--batch" => opts.batch = number("--batch", &value("--batch")?)?,
                "--seed" => opts.seed = number("--seed", &value("--seed")?)?,
                "--lr" => {
                    let v = value("--lr")?;
                    opts.learning_rate = v
                        .parse()
                        .ok()
                        .filter(|lr: &f32| *lr > 0.0 && lr.is_finite())
                        .ok_or(format!("--lr needs a positive number, not `{v}`"))?;
                }
                "--split-seed" => {
                    let seed = number("--split-seed", &value("--split-seed")?)?;
                    opts.split = Split::Shuffled {
                        seed,
                        test_fraction: 0.2,
                    };
                }
                "--benchmark-split" => opts.split = Split::Benchmark,
                "--out" => opts.curve = Some(Path::new(&value("--out")?).join(CURVE)),
                "--curve" => opts.curve = Some(PathBuf::from(value("--curve")?)),
                "--no-curve" => opts.curve = None,
                "--no-progress" => opts.progress = false,
                other => {
                    return Err(format!(
                    "unknown argument `{other}` (try --fast, --data PATH, --rows N, --epochs N, \
                         --batch N, --lr X, --seed N, --split-seed N, --benchmark-split, \
                         --out DIR, --curve FILE, --no-curve, --no-progress)"
                ))
                }
            }
        }
        if opts.batch == 0 {
            return Err("--batch needs at least 1".into());
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
    /// Training images.
    pub train_size: usize,
    /// Test images.
    pub test_size: usize,
    /// Mean training loss per epoch.
    pub losses: Vec<f32>,
    /// Test accuracy after each epoch.
    pub test_accuracy_per_epoch: Vec<f64>,
    /// Accuracy on the training images after training.
    pub train_accuracy: f64,
    /// Accuracy on the test images after training.
    pub test_accuracy: f64,
    /// The confusion matrix on the test images.
    pub confusion: ConfusionMatrix<CLASSES>,
    /// Time spent training.
    pub training_time: Duration,
    /// The loss curve, if drawn.
    pub curve: Option<PathBuf>,
}

fn is_correct(scores: &[f32; CLASSES], label: &usize) -> bool {
    argmax(scores) == *label
}

/// Loads, trains, evaluates, prints to `out`, and draws the loss curve.
pub fn run(opts: &Options, out: &mut dyn Write) -> Result<Report, Box<dyn Error>> {
    let samples = load(&opts.data)?;
    let (train, test) = split(&samples, opts.split, opts.rows);
    if train.is_empty() || test.is_empty() {
        return Err(format!(
            "{} training and {} test images: too few to train and test on",
            train.len(),
            test.len()
        )
        .into());
    }
    let split_text = match opts.split {
        Split::Shuffled { seed, .. } => format!("seeded shuffle {seed}"),
        Split::Benchmark => "benchmark rows".into(),
    };
    writeln!(
        out,
        "{} images from {}: {} to train, {} to test ({split_text})",
        samples.len(),
        opts.data.display(),
        train.len(),
        test.len()
    )?;
    writeln!(
        out,
        "64-32-10 MLP, {} parameters; Adam(lr {} cosine-annealed to 0), batches of {}, {} epochs, softmax cross-entropy",
        digits::PARAM_COUNT,
        opts.learning_rate,
        opts.batch,
        opts.epochs
    )?;

    // He for the ReLU layer's weights, Xavier for the output layer's, zero biases.
    let mut params = digits::Params::init_each(opts.seed, |info| match info.name {
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
        .fit_with(&mut params, &train, |e: &Epoch<'_, digits::Params>| {
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
    let every = (opts.epochs / 10).max(1);
    for (i, (loss, acc)) in history
        .losses()
        .iter()
        .zip(&test_accuracy_per_epoch)
        .enumerate()
    {
        if (i + 1) % every == 0 || i == 0 {
            writeln!(out, "{:>5}   {loss:>10.5}   {:>12.2}%", i + 1, 100.0 * acc)?;
        }
    }

    let train_accuracy = accuracy(&params, &train, is_correct)?;
    let test_accuracy = accuracy(&params, &test, is_correct)?;
    let confusion =
        ConfusionMatrix::<CLASSES>::of(&params, &test, |scores| argmax(scores), |label| *label)?;
    writeln!(
        out,
        "\ntrained in {:.2} s: train accuracy {:.2}%, test accuracy {:.2}% ({} of {})",
        training_time.as_secs_f64(),
        100.0 * train_accuracy,
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
        train_accuracy,
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

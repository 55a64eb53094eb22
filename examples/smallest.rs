//! The world's smallest network, `docs/lectures.md` §2: `y = w·x`, one weight, trained by
//! stochastic gradient descent on four points with the loss `L = ½(y − ŷ)²`: one random sample
//! at a time, `w ← w − η dL/dw` with `dL/dw = −(y − ŷ)·x` from the generated backward.
//!
//! It prints w after every epoch and ends near the least-squares answer
//! w = Σxy / Σx² = 117.8 / 117.25 ≈ 1.00469. For contrast it then trains the same network
//! with the L1 loss |ŷ − y|, whose minimum is another number.
//!
//! ```text
//! cargo run --release --example smallest
//! cargo run --release --example smallest -- --eta 0.01    # too big to settle
//! ```

use std::error::Error;
use std::io::Write;

use nn::prelude::*;

/// One weight, no bias.
#[network]
fn smallest(x: f64, w: f64) -> f64 {
    y = w·x
}

/// The four (x, y) points of the lecture.
pub const DATA: [(f64, f64); 4] = [(10.0, 10.1), (2.0, 1.9), (3.5, 3.4), (1.0, 1.1)];

/// The least-squares weight, Σxy / Σx² = 117.8 / 117.25.
pub fn least_squares() -> f64 {
    let (xy, xx) = DATA
        .iter()
        .fold((0.0, 0.0), |(xy, xx), (x, y)| (xy + x * y, xx + x * x));
    xy / xx
}

/// What to run.
#[derive(Clone, Debug)]
pub struct Options {
    /// Epochs of SGD (4 steps each).
    pub epochs: usize,
    /// The learning rate η.
    pub eta: f64,
    /// The starting weight.
    pub w0: f64,
    /// Seed of the sample order.
    pub seed: u64,
    /// Whether to print w after every epoch (else every tenth).
    pub every_epoch: bool,
}

impl Options {
    /// 100 epochs at η = 0.001 from w = 0.
    ///
    /// The curriculum gives no learning rate. The largest sample, x = 10, bounds it: a step
    /// on it alone multiplies the error by 1 − η·x² = 1 − 100η, so η = 0.01 would jump onto
    /// that sample's own answer 1.01 every time, and η ≥ 0.02 diverges. At η = 0.001 each
    /// step moves w only a little, so w settles within a few 10⁻⁴ of the least-squares answer.
    pub fn full() -> Self {
        Options {
            epochs: 100,
            eta: 0.001,
            w0: 0.0,
            seed: 3,
            every_epoch: true,
        }
    }

    /// Reads `--epochs N`, `--eta X`, `--seed N`, `--quiet` (print every tenth epoch) and
    /// `--fast` (accepted; the full run already takes microseconds).
    pub fn from_args(args: impl IntoIterator<Item = String>) -> Result<Self, String> {
        let mut args = args.into_iter();
        let mut opts = Options::full();
        while let Some(arg) = args.next() {
            let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
            match arg.as_str() {
                "--fast" => {}
                "--quiet" => opts.every_epoch = false,
                "--epochs" => {
                    let v = value("--epochs")?;
                    opts.epochs = v
                        .parse()
                        .map_err(|_| format!("--epochs needs a whole number, not `{v}`"))?;
                }
                "--seed" => {
                    let v = value("--seed")?;
                    opts.seed = v
                        .parse()
                        .map_err(|_| format!("--seed needs a whole number, not `{v}`"))?;
                }
                "--eta" => {
                    let v = value("--eta")?;
                    opts.eta = v
                        .parse()
                        .ok()
                        .filter(|eta: &f64| *eta > 0.0 && eta.is_finite())
                        .ok_or(format!("--eta needs a positive number, not `{v}`"))?;
                }
                other => {
                    return Err(format!(
                        "unknown argument `{other}` (try --epochs N, --eta X, --seed N, --quiet)"
                    ))
                }
            }
        }
        Ok(opts)
    }
}

/// What the run found.
#[derive(Clone, Debug)]
pub struct Report {
    /// w after each epoch of SGD on ½(y − ŷ)².
    pub w_per_epoch: Vec<f64>,
    /// The last of them.
    pub w: f64,
    /// dL/dw of the generated backward for the first point at the starting weight.
    pub first_gradient: f64,
    /// w after SGD on the L1 loss.
    pub w_l1: f64,
}

/// Trains, printing to `out`.
pub fn run(opts: &Options, out: &mut dyn Write) -> Result<Report, Box<dyn Error>> {
    let ls = least_squares();
    writeln!(out, "y = w·x on {DATA:?}")?;
    writeln!(
        out,
        "least squares: w = Σxy / Σx² = 117.8 / 117.25 = {ls:.5}\n"
    )?;

    // One gradient by hand, through the generated code: at w0, for (10, 10.1).
    let mut params = smallest::Params { w: opts.w0 };
    let (x, y) = DATA[0];
    let (y_hat, tape) = smallest::forward_tape(&params, x);
    let mut grads = smallest::Params::zeros();
    smallest::backward(&params, &tape, -(y - y_hat), &mut grads);
    writeln!(
        out,
        "at w = {}: for (x, y) = ({x}, {y}), ŷ = {y_hat}, dL/dw = −(y − ŷ)·x = {:.5}",
        opts.w0, grads.w
    )?;
    writeln!(
        out,
        "SGD with η = {}, one shuffled sample at a time:",
        opts.eta
    )?;

    let mut w_per_epoch = Vec::with_capacity(opts.epochs);
    let mut failure = None;
    Trainer::new(Sgd::new(opts.eta), HalfSquaredError)
        .epochs(opts.epochs)
        .seed(opts.seed)
        .fit_with(&mut params, &DATA, |e: &Epoch<'_, smallest::Params>| {
            w_per_epoch.push(e.params.w);
            let n = e.index + 1;
            if opts.every_epoch || n % 10 == 0 || n == 1 {
                if let Err(err) = writeln!(
                    out,
                    "epoch {n:>3}: w = {:.5}   mean ½(y − ŷ)² = {:.6}",
                    e.params.w, e.loss
                ) {
                    failure = Some(err);
                }
            }
        })?;
    if let Some(err) = failure {
        return Err(err.into());
    }
    let w = params.w;
    writeln!(
        out,
        "\nSGD ends at w = {w:.5}; least squares {ls:.5}; difference {:+.5}",
        w - ls
    )?;

    // The L1 loss |ŷ − y| is minimised by the weighted median of y/x (weights x): 1.01. Its
    // gradient ±x never shrinks, so the learning rate has to (by 10% per epoch here).
    let mut l1 = smallest::Params { w: opts.w0 };
    Trainer::new(Sgd::new(0.01), AbsoluteError)
        .epochs(opts.epochs)
        .seed(opts.seed)
        .schedule(ExponentialDecay::new(0.9))
        .fit(&mut l1, &DATA)?;
    writeln!(
        out,
        "with the L1 loss |ŷ − y| instead (η = 0.01·0.9^epoch): w = {:.5}: the median of y/x \
         weighted by x, which is the x = 10 point's own 1.01",
        l1.w
    )?;
    writeln!(
        out,
        "(the zero-one loss cannot be trained this way: its derivative is 0 wherever it exists)"
    )?;

    Ok(Report {
        w_per_epoch,
        w,
        first_gradient: grads.w,
        w_l1: l1.w,
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

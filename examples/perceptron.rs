//! Rosenblatt's perceptron (1958), `docs/lectures.md` §1: `output = step(w·x + b)`.
//!
//! The step function has derivative 0 almost everywhere, so gradient descent cannot train it:
//! the example first shows the backward pass `#[network]` generated, which multiplies by
//! step′ = 0 and returns a zero gradient. Then it trains with the perceptron learning rule
//! instead, `w += η (y − ŷ) x`, `b += η (y − ŷ)`, which learns AND and OR (linearly
//! separable) and never settles on XOR (Minsky & Papert, 1969). Finally two layers of
//! perceptrons with weights set by hand compute XOR: layers cascade.
//!
//! ```text
//! cargo run --release --example perceptron
//! cargo run --release --example perceptron -- --epochs 10   # give up on XOR sooner
//! ```

use std::error::Error;
use std::io::Write;

use nn::prelude::*;

/// One perceptron: two inputs, two weights, a bias (the negated threshold).
#[network]
fn perceptron(x: [f64; 2], w: [f64; 2], b: f64) -> f64 {
    y = step(w·x + b)
}

/// Two layers of perceptrons: two hidden units, whose decisions the output unit weighs.
#[network]
fn two_layers(x: [f64; 2], W1: [[f64; 2]; 2], b1: [f64; 2], w2: [f64; 2], b2: f64) -> f64 {
    let h = step(W1·x + b1);
    y = step(w2·h + b2)
}

/// The four binary inputs, in truth-table order.
pub const INPUTS: [[f64; 2]; 4] = [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]];

/// A two-input logic gate, as its truth table.
#[derive(Clone, Copy, Debug)]
pub struct Gate {
    /// Its name.
    pub name: &'static str,
    /// The output for each row of [`INPUTS`].
    pub targets: [f64; 4],
}

/// AND and OR are linearly separable; XOR is not.
pub const GATES: [Gate; 3] = [
    Gate {
        name: "AND",
        targets: [0.0, 0.0, 0.0, 1.0],
    },
    Gate {
        name: "OR",
        targets: [0.0, 1.0, 1.0, 1.0],
    },
    Gate {
        name: "XOR",
        targets: [0.0, 1.0, 1.0, 0.0],
    },
];

/// What to run.
#[derive(Clone, Debug)]
pub struct Options {
    /// Most epochs of the learning rule per gate (it stops early after an epoch without error).
    pub epochs: usize,
    /// The learning rate η.
    pub eta: f64,
}

impl Options {
    /// 20 epochs, η = 0.25, starting from w = 0, b = 0.
    pub fn full() -> Self {
        Options {
            epochs: 20,
            eta: 0.25,
        }
    }

    /// Reads `--epochs N` and `--eta X` (`--fast` is accepted: the run is already instant).
    pub fn from_args(args: impl IntoIterator<Item = String>) -> Result<Self, String> {
        let mut args = args.into_iter();
        let mut opts = Options::full();
        while let Some(arg) = args.next() {
            let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
            match arg.as_str() {
                "--fast" => {}
                "--epochs" => {
                    let v = value("--epochs")?;
                    opts.epochs = v
                        .parse()
                        .map_err(|_| format!("--epochs needs a whole number, not `{v}`"))?;
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
                        "unknown argument `{other}` (try --epochs N, --eta X)"
                    ))
                }
            }
        }
        Ok(opts)
    }
}

/// How the learning rule did on one gate.
#[derive(Clone, Debug)]
pub struct GateResult {
    /// The gate's name.
    pub name: &'static str,
    /// The first epoch (counted from 1) without a single error, if there was one.
    pub converged_after: Option<usize>,
    /// Misclassified samples in each epoch.
    pub errors_per_epoch: Vec<usize>,
    /// The final weights and bias.
    pub params: perceptron::Params,
    /// The final outputs for each row of [`INPUTS`].
    pub outputs: [f64; 4],
    /// Rows the final perceptron gets right, out of 4.
    pub correct: usize,
}

/// What the run found.
#[derive(Clone, Debug)]
pub struct Report {
    /// The gradient the generated backward pass gives for one sample of AND (all zeros).
    pub gradient: perceptron::Params,
    /// AND, OR and XOR, in that order.
    pub gates: Vec<GateResult>,
    /// The outputs of the hand-wired two-layer network for each row of [`INPUTS`].
    pub two_layer_xor: [f64; 4],
}

/// Rosenblatt's rule on one gate: visit the four rows in order, and after each mistake move
/// the weights by `η (y − ŷ) x` and the bias by `η (y − ŷ)`.
pub fn learn(gate: &Gate, opts: &Options) -> GateResult {
    let mut p = perceptron::Params {
        w: [0.0; 2],
        b: 0.0,
    };
    let mut errors_per_epoch = Vec::new();
    let mut converged_after = None;
    for epoch in 1..=opts.epochs {
        let mut errors = 0;
        for (x, y) in INPUTS.iter().zip(gate.targets) {
            let y_hat = perceptron::forward(&p, *x);
            let delta = opts.eta * (y - y_hat);
            if delta != 0.0 {
                errors += 1;
                p.w[0] += delta * x[0];
                p.w[1] += delta * x[1];
                p.b += delta;
            }
        }
        errors_per_epoch.push(errors);
        if errors == 0 {
            converged_after = Some(epoch);
            break;
        }
    }
    let outputs = INPUTS.map(|x| perceptron::forward(&p, x));
    let correct = outputs
        .iter()
        .zip(gate.targets)
        .filter(|(o, t)| **o == *t)
        .count();
    GateResult {
        name: gate.name,
        converged_after,
        errors_per_epoch,
        params: p,
        outputs,
        correct,
    }
}

/// Runs everything, printing to `out`.
pub fn run(opts: &Options, out: &mut dyn Write) -> Result<Report, Box<dyn Error>> {
    writeln!(
        out,
        "The perceptron y = step(w·x + b). Its generated backward:\n"
    )?;
    let backward = perceptron::SOURCE
        .split("    pub fn backward")
        .nth(1)
        .and_then(|rest| rest.split("\n    }\n").next())
        .unwrap_or_default();
    writeln!(out, "    pub fn backward{backward}\n    }}\n")?;

    // One step of gradient descent on AND with L = ½(y − ŷ)², from a perceptron that is wrong:
    // ŷ = step(0) = 0 for x = (1, 1), y = 1, so ∂L/∂ŷ = −1, and still every gradient is 0.
    let start = perceptron::Params {
        w: [0.0; 2],
        b: 0.0,
    };
    let (y_hat, tape) = perceptron::forward_tape(&start, [1.0, 1.0]);
    let mut gradient = perceptron::Params::zeros();
    // (+ 0.0 turns the −0.0 of −1 · 0 into a plain 0 for printing.)
    let dl_dx = perceptron::backward(&start, &tape, -(1.0 - y_hat), &mut gradient).map(|d| d + 0.0);
    writeln!(
        out,
        "AND at x = (1, 1) with w = (0, 0), b = 0: ŷ = {y_hat}, y = 1, ∂L/∂ŷ = −(y − ŷ) = {}",
        -(1.0 - y_hat)
    )?;
    writeln!(
        out,
        "  backward gives ∂L/∂w = {:?}, ∂L/∂b = {}, ∂L/∂x = {dl_dx:?}:",
        gradient.w, gradient.b
    )?;
    writeln!(
        out,
        "  step′ = 0, so gradient descent never moves. Rosenblatt's rule w += η (y − ŷ) x does.\n"
    )?;

    let mut gates = Vec::new();
    for gate in &GATES {
        let r = learn(gate, opts);
        writeln!(
            out,
            "{} with η = {}: errors per epoch {:?}",
            r.name, opts.eta, r.errors_per_epoch
        )?;
        match r.converged_after {
            Some(epoch) => writeln!(
                out,
                "  learnt after {epoch} epochs: w = ({}, {}), b = {}",
                r.params.w[0], r.params.w[1], r.params.b
            )?,
            None => writeln!(
                out,
                "  NOT learnt in {} epochs: still {} of 4 wrong (w = ({}, {}), b = {}). No line \
                 separates XOR's 1s from its 0s, so the rule cycles forever.",
                opts.epochs,
                4 - r.correct,
                r.params.w[0],
                r.params.w[1],
                r.params.b
            )?,
        }
        writeln!(out, "   x1 x2 | {:>3} | perceptron", r.name)?;
        for ((x, t), o) in INPUTS.iter().zip(gate.targets).zip(r.outputs) {
            let mark = if o == t { "" } else { "  ✗" };
            writeln!(out, "    {}  {} | {t:>3} | {o:>3}{mark}", x[0], x[1])?;
        }
        writeln!(out)?;
        gates.push(r);
    }

    // XOR = OR and not AND: the hidden units are an OR and an AND perceptron, the output
    // unit fires when the first does and the second does not.
    let wired = two_layers::Params {
        W1: [[1.0, 1.0], [1.0, 1.0]],
        b1: [-0.5, -1.5],
        w2: [1.0, -1.0],
        b2: -0.5,
    };
    let two_layer_xor = INPUTS.map(|x| two_layers::forward(&wired, x));
    writeln!(
        out,
        "Two layers of perceptrons, weights by hand: h = step(W1·x + b1) computes (OR, AND),"
    )?;
    writeln!(out, "y = step(h1 − h2 − 0.5) computes XOR:")?;
    for (x, o) in INPUTS.iter().zip(two_layer_xor) {
        writeln!(out, "    {}  {} | {o}", x[0], x[1])?;
    }

    Ok(Report {
        gradient,
        gates,
        two_layer_xor,
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

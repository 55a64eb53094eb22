//! The worked example of the lecture notes, `docs/lectures.md` §9: one step of gradient
//! descent for logistic regression, every number printed.
//!
//! One sample x = (0.1, 0.7) with label y = 1; weights w = (0.8, 0.2), bias b = 0.1; a sigmoid;
//! the logistic loss; learning rate α = 0.5. The whole objective, loss included, is one
//! `#[network]` expression (the one `tests/test_curriculum.rs` checks), so the generated
//! backward gives ∂L/∂w and ∂L/∂b directly.
//!
//! ```text
//! cargo run --release --example logistic_step
//! ```

use std::error::Error;
use std::io::Write;

use nn::prelude::*;

/// §9: one step of logistic regression, the loss written in the body.
#[network(inputs(x1, x2, y))]
fn logistic(x1: f64, x2: f64, y: f64, w1: f64, w2: f64, b: f64) -> f64 {
    let z = w1·x1 + w2·x2 + b;
    let a = sigmoid(z);
    l = -(y·ln(a) + (1.0 - y) * ln(1.0 - a))
}

/// The sample.
pub const X: [f64; 2] = [0.1, 0.7];
/// Its label.
pub const Y: f64 = 1.0;
/// The learning rate α.
pub const ALPHA: f64 = 0.5;
/// The starting weights and bias.
pub const START: logistic::Params = logistic::Params {
    w1: 0.8,
    w2: 0.2,
    b: 0.1,
};

/// Forward values at one set of parameters.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Forward {
    /// z = w·x + b.
    pub z: f64,
    /// a = σ(z).
    pub a: f64,
    /// L = −(y ln a + (1 − y) ln(1 − a)).
    pub l: f64,
}

/// Every number of the worked example.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Report {
    /// Before the step.
    pub before: Forward,
    /// dL/dz = a − y.
    pub dl_dz: f64,
    /// ∇w = (∂L/∂w1, ∂L/∂w2).
    pub grad_w: [f64; 2],
    /// ∇b = ∂L/∂b.
    pub grad_b: f64,
    /// The parameters after w ← w − α∇w, b ← b − α∇b.
    pub after: logistic::Params,
    /// After the step.
    pub check: Forward,
}

fn forward(p: &logistic::Params) -> (Forward, logistic::Tape) {
    let (l, tape) = logistic::forward_tape(p, X[0], X[1], Y);
    let z = p.w1 * X[0] + p.w2 * X[1] + p.b;
    (Forward { z, a: tape.a, l }, tape)
}

/// Computes and prints every number to `out`, with the curriculum's value beside it.
pub fn run(out: &mut dyn Write) -> Result<Report, Box<dyn Error>> {
    let p = START;
    writeln!(
        out,
        "x = ({}, {}), y = {Y}; w = ({}, {}), b = {}; sigmoid, logistic loss, α = {ALPHA}\n",
        X[0], X[1], p.w1, p.w2, p.b
    )?;

    let (before, tape) = forward(&p);
    writeln!(out, "forward")?;
    writeln!(
        out,
        "  z = w·x + b                          = {:.5}   (curriculum 0.32)",
        before.z
    )?;
    writeln!(
        out,
        "  a = σ(z)                             = {:.5}   (curriculum 0.5793)",
        before.a
    )?;
    writeln!(
        out,
        "  L = −(y ln a + (1 − y) ln(1 − a))    = {:.5}   (curriculum 0.5459)",
        before.l
    )?;

    // ∂L/∂L = 1: the network's output is the loss itself.
    let mut g = logistic::Params::zeros();
    logistic::backward(&p, &tape, 1.0, &mut g);
    // ∂z/∂b = 1, so the backward's ∂L/∂b is ∂L/∂z; the lecture's shortcut is a − y.
    let dl_dz = g.b;
    writeln!(out, "backward (generated)")?;
    writeln!(
        out,
        "  dL/dz = a − y                        = {dl_dz:.5}  (curriculum -0.4207; a − y = {:.5})",
        before.a - Y
    )?;
    writeln!(
        out,
        "  ∇w = dL/dz · x                       = ({:.5}, {:.5})   (curriculum (-0.04207, -0.29447))",
        g.w1, g.w2
    )?;
    writeln!(
        out,
        "  ∇b = dL/dz                           = {:.5}  (curriculum -0.4207)",
        g.b
    )?;

    let after = logistic::Params {
        w1: p.w1 - ALPHA * g.w1,
        w2: p.w2 - ALPHA * g.w2,
        b: p.b - ALPHA * g.b,
    };
    writeln!(out, "update")?;
    writeln!(
        out,
        "  w = w − α∇w                          = ({:.5}, {:.5})   (curriculum (0.82103, 0.34724))",
        after.w1, after.w2
    )?;
    writeln!(
        out,
        "  b = b − α∇b                          = {:.5}   (curriculum 0.31034)",
        after.b
    )?;
    writeln!(
        out,
        "  (the slide truncates to 0.3472 and 0.31033; rounded, b = 0.1 + 0.5·{:.8} = {:.8} is 0.31034)",
        -g.b, after.b
    )?;

    let (check, _) = forward(&after);
    writeln!(out, "check")?;
    writeln!(
        out,
        "  z = {:.5}   (curriculum 0.6355)\n  a = {:.5}   (curriculum 0.6537)\n  L = {:.5}   (curriculum 0.42505)",
        check.z, check.a, check.l
    )?;
    writeln!(out, "the loss went down: {:.5} → {:.5}", before.l, check.l)?;

    Ok(Report {
        before,
        dl_dz,
        grad_w: [g.w1, g.w2],
        grad_b: g.b,
        after,
        check,
    })
}

fn main() -> std::process::ExitCode {
    if let Some(arg) = std::env::args().nth(1).filter(|a| a != "--fast") {
        eprintln!("error: unknown argument `{arg}` (the worked example takes no arguments)");
        return std::process::ExitCode::FAILURE;
    }
    match run(&mut std::io::stdout()) {
        Ok(_) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

//! What the Cortex-M harness computes, written once for the device and the host.
//!
//! Two networks written with `#[network]`, trained in `f32` by the runtime's `Trainer` with
//! Adam, through the runtime's `no_std` path (`nn` with `default-features = false`: `libm` for
//! `exp`, `tanh`, `sqrt` …), on the device (`nn-firmware`, in QEMU) and on the host
//! (`nn-embedded-host`) alike:
//!
//! - [`xor`]: XOR, 2-4-1 with tanh and sigmoid, the binary cross-entropy, 4 samples, batches
//!   of one, [`xor_task::EPOCHS`] epochs (the README's example, without its early stop);
//! - [`digits`]: hand-written digits, 64-32-10 with ReLU, the softmax cross-entropy, on a
//!   subset of `data/digits.csv` (320 training and 96 test images) embedded by `build.rs` ([`data::TRAIN`], [`data::TEST`]),
//!   batches of 16, a cosine schedule, [`digits_task::EPOCHS`] epochs.
//!
//! [`check`] runs both and prints every number the comparison reads: losses per epoch,
//! predictions, the trained parameters. The same seeds and the same data order give the same
//! sequence of `f32` operations on both sides, so the numbers are expected to be equal; the
//! host's `--compare` allows a small tolerance all the same (see `nn-embedded-host`).
//!
//! [`results`] prints what the measuring images compute ([`MEASURED`]), so that what was
//! timed on the device is checked against the host too.
#![no_std]
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![allow(non_snake_case)]

use core::fmt::{self, Write};
use core::ops::ControlFlow;

use nn::prelude::*;
use nn::train::Workspace;

/// XOR: 2 inputs, 4 tanh units, 1 sigmoid output (17 parameters).
#[network]
pub fn xor(x: [f32; 2], W1: [[f32; 2]; 4], b1: [f32; 4], w2: [f32; 4], b2: f32) -> f32 {
    let h = tanh(W1·x + b1);
    y = sigmoid(w2·h + b2)
}

/// Digits: 64 pixels, 32 ReLU units, 10 logits (2410 parameters).
#[network]
pub fn digits(
    x: [f32; 64],
    W1: [[f32; 64]; 32],
    b1: [f32; 32],
    W2: [[f32; 32]; 10],
    b2: [f32; 10],
) -> [f32; 10] {
    let h = relu(W1·x + b1);
    W2·h + b2
}

/// A subset of the repository's `data/digits.csv` (scikit-learn's `load_digits()`, a copy of
/// the UCI "Optical Recognition of Handwritten Digits" test set; CC BY 4.0, see
/// `data/README.md`), embedded by `build.rs`: the first 320 rows to train on, rows 1500..1596
/// (the start of the benchmarks' test split) to test on, pixels divided by 16.
pub mod data {
    include!(concat!(env!("OUT_DIR"), "/digits_data.rs"));
}

/// The XOR trainer: Adam on the binary cross-entropy, one sample per step, seeded, for
/// `epochs` epochs. (A macro rather than a function so that the trainer's type is never
/// named: its parameters are the runtime's business.)
#[macro_export]
macro_rules! xor_trainer {
    ($epochs:expr) => {{
        let epochs: usize = $epochs;
        ::nn::Trainer::new(
            ::nn::optim::Adam::<$crate::xor::Params>::new($crate::xor_task::LEARNING_RATE),
            ::nn::loss::BinaryCrossEntropy,
        )
        .epochs(epochs)
        .seed($crate::xor_task::SEED)
    }};
}

/// The XOR run: data, seeds, settings.
pub mod xor_task {
    use super::xor;
    use nn::prelude::*;

    /// The truth table.
    pub const DATA: [([f32; 2], f32); 4] = [
        ([0.0, 0.0], 0.0),
        ([0.0, 1.0], 1.0),
        ([1.0, 0.0], 1.0),
        ([1.0, 1.0], 0.0),
    ];
    /// Seed of the initial weights and of the shuffle.
    pub const SEED: u64 = 1;
    /// Adam's learning rate.
    pub const LEARNING_RATE: f32 = 0.05;
    /// Epochs of [`check`](crate::check) (4 steps each: one sample per step).
    pub const EPOCHS: usize = 2000;

    /// The starting point: Xavier, seeded.
    pub fn initial() -> xor::Params {
        xor::Params::init(Xavier, SEED)
    }

    /// Weights for the inference measurement: what [`check`](crate::check) trained when this
    /// was written (any weights would do for measuring). After changing the network, put
    /// zeros of the new shape here, then paste what
    /// `cargo run --release -p nn-embedded-host -- xor-weights` (from `embedded/`) prints.
    pub const TRAINED: xor::Params = xor::Params {
        W1: [
            [2.4224126, 2.6319284],
            [-5.9559445, -5.3421326],
            [-3.6117556, 4.32301],
            [4.397638, -3.667097],
        ],
        b1: [-3.8907375, 2.409452, 1.68988, 1.7938851],
        w2: [-5.4181514, -5.2964816, -6.140272, -6.4963374],
        b2: 0.91303295,
    };
}

/// The digits trainer: Adam on the softmax cross-entropy, batches of
/// [`digits_task::BATCH`], seeded, a cosine schedule over `epochs` epochs. (A macro, as
/// [`xor_trainer!`].)
#[macro_export]
macro_rules! digits_trainer {
    ($epochs:expr) => {{
        let epochs: usize = $epochs;
        ::nn::Trainer::new(
            ::nn::optim::Adam::<$crate::digits::Params>::new($crate::digits_task::LEARNING_RATE),
            ::nn::loss::SoftmaxCrossEntropy,
        )
        .epochs(epochs)
        .batch_size($crate::digits_task::BATCH)
        .seed($crate::digits_task::SEED)
        .schedule(::nn::schedule::CosineDecay::new(epochs))
        .stack_limit($crate::digits_task::STACK_LIMIT)
    }};
}

/// The digits run: data, seeds, settings.
pub mod digits_task {
    use super::digits;
    use nn::prelude::*;

    /// Seed of the initial weights and of the shuffle.
    pub const SEED: u64 = 7;
    /// Adam's learning rate (annealed to 0 by a cosine over the epochs).
    pub const LEARNING_RATE: f32 = 0.02;
    /// Samples per step.
    pub const BATCH: usize = 16;
    /// The stack the batched gradient may use ([`nn::Trainer::stack_limit`]): chunks of 2
    /// samples where the default would take all 16 at once (16.1 KB of stack on the M4F).
    pub const STACK_LIMIT: usize = 4096;
    /// Epochs of [`check`](crate::check) (20 steps each on the 320 training images).
    pub const EPOCHS: usize = 6;

    /// The starting point: He for the ReLU layer, Xavier for the output layer, zero biases
    /// (as `examples/digits.rs`).
    pub fn initial() -> digits::Params {
        digits::Params::init_each(SEED, |info| match info.name {
            "W1" => &He,
            "W2" => &Xavier,
            _ => &Zeros,
        })
    }

    /// Fixed, untrained weights for the inference measurement, made at compile time into
    /// read-only memory (flash), as trained weights would be: a linear congruential sequence
    /// scaled to ±0.15 (the values do not change the work of a forward pass).
    pub static FIXED: digits::Params = fixed();

    const fn fixed() -> digits::Params {
        let mut state = 0x2545_f491_u32;
        let mut p = digits::Params {
            W1: [[0.0; 64]; 32],
            b1: [0.0; 32],
            W2: [[0.0; 32]; 10],
            b2: [0.0; 10],
        };
        let mut i = 0;
        while i < 32 {
            let mut j = 0;
            while j < 64 {
                state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                p.W1[i][j] = ((state >> 8) as f32 / 16_777_216.0 - 0.5) * 0.3;
                j += 1;
            }
            state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            p.b1[i] = ((state >> 8) as f32 / 16_777_216.0 - 0.5) * 0.1;
            i += 1;
        }
        let mut i = 0;
        while i < 10 {
            let mut j = 0;
            while j < 32 {
                state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                p.W2[i][j] = ((state >> 8) as f32 / 16_777_216.0 - 0.5) * 0.3;
                j += 1;
            }
            i += 1;
        }
        p
    }
}

/// Why a run failed.
#[derive(Debug)]
pub enum Failure {
    /// The runtime reported an error (non-finite values, bad settings).
    Runtime(nn::Error),
    /// Writing the output failed.
    Output,
    /// The trained network is wrong: what, and the value.
    NotLearnt(&'static str),
}

impl From<nn::Error> for Failure {
    fn from(e: nn::Error) -> Self {
        Failure::Runtime(e)
    }
}

impl From<fmt::Error> for Failure {
    fn from(_: fmt::Error) -> Self {
        Failure::Output
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Runtime(e) => write!(f, "{e}"),
            Failure::Output => f.write_str("writing the output failed"),
            Failure::NotLearnt(what) => write!(f, "not learnt: {what}"),
        }
    }
}

/// Prints a slice of numbers, space-separated.
fn numbers(out: &mut dyn Write, values: &[f32]) -> fmt::Result {
    for v in values {
        write!(out, " {v:?}")?;
    }
    Ok(())
}

/// Trains XOR from [`xor_task::initial`] for [`xor_task::EPOCHS`] epochs and prints the loss
/// before training, every 200th epoch's loss, the predictions and the trained parameters.
/// Fails if a prediction rounds to the wrong class.
pub fn check_xor(out: &mut dyn Write) -> Result<(), Failure> {
    let data = xor_task::DATA;
    let mut params = xor_task::initial();
    let before = evaluate(&params, &BinaryCrossEntropy, &data)?;
    writeln!(out, "xor initial loss {before:?}")?;
    let mut trainer = xor_trainer!(xor_task::EPOCHS);
    let mut written = Ok(());
    let summary = trainer.fit_with(&mut params, &data, |e: &Epoch<'_, xor::Params>| {
        if (e.index + 1).is_multiple_of(200) || e.index == 0 {
            written = writeln!(out, "xor epoch {} loss {:?}", e.index + 1, e.loss);
        }
        if written.is_err() {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    })?;
    written?;
    writeln!(
        out,
        "xor stop {:?} after {} epochs",
        summary.stop, summary.epochs
    )?;
    let mut wrong = false;
    for (x, target) in data {
        let y = xor::forward(&params, x);
        writeln!(
            out,
            "xor predict {:?} {:?} -> {y:?} target {target:?}",
            x[0], x[1]
        )?;
        wrong |= y.round() != target;
    }
    for k in 0..<xor::Params as Parameters>::TENSORS.len() {
        write!(
            out,
            "xor param {}",
            <xor::Params as Parameters>::TENSORS[k].name
        )?;
        numbers(out, params.tensor(k))?;
        writeln!(out)?;
    }
    if wrong {
        return Err(Failure::NotLearnt(
            "an XOR prediction is on the wrong side of 0.5",
        ));
    }
    Ok(())
}

/// Index of the largest of ten logits.
pub fn class_of(logits: &[f32; 10]) -> usize {
    argmax(logits)
}

/// Trains digits from [`digits_task::initial`] for [`digits_task::EPOCHS`] epochs, keeping
/// the optimizer's moments in `trainer` and the gradient and rollback copy in `workspace`
/// (which the caller places), and prints every epoch's loss, the test loss and accuracy, the
/// logits of the first test images and sums of the trained parameters. Fails below 60 % test
/// accuracy (10 % is chance; the host gets about 80 % from this little training, where
/// `examples/digits.rs` reaches 97.5 % from all the data).
pub fn check_digits(out: &mut dyn Write) -> Result<(), Failure> {
    let mut params = digits_task::initial();
    let mut trainer = digits_trainer!(digits_task::EPOCHS);
    let mut workspace = Workspace::new();
    let before = evaluate(&params, &SoftmaxCrossEntropy, &data::TEST)?;
    writeln!(out, "digits initial test loss {before:?}")?;
    let mut written = Ok(());
    let summary = trainer.fit_in(
        &mut workspace,
        &mut params,
        &data::TRAIN,
        |e: &Epoch<'_, digits::Params>| {
            written = writeln!(
                out,
                "digits epoch {} loss {:?} rate {:?}",
                e.index + 1,
                e.loss,
                e.learning_rate
            );
            if written.is_err() {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        },
    )?;
    written?;
    writeln!(
        out,
        "digits stop {:?} after {} epochs",
        summary.stop, summary.epochs
    )?;
    let test_loss = evaluate(&params, &SoftmaxCrossEntropy, &data::TEST)?;
    let correct = data::TEST
        .iter()
        .filter(|(x, label)| class_of(&digits::forward(&params, *x)) == *label)
        .count();
    writeln!(
        out,
        "digits test loss {test_loss:?} correct {correct} of {}",
        data::TEST.len()
    )?;
    for (i, (x, label)) in data::TEST.iter().take(4).enumerate() {
        let logits = digits::forward(&params, *x);
        write!(
            out,
            "digits row {} label {label} class {} logits",
            data::TEST_START + i,
            class_of(&logits)
        )?;
        numbers(out, &logits)?;
        writeln!(out)?;
    }
    for k in 0..<digits::Params as Parameters>::TENSORS.len() {
        let t = params.tensor(k);
        let sum = t.iter().fold(0.0_f32, |s, &v| s + v);
        let sum_abs = t.iter().fold(0.0_f32, |s, &v| s + v.abs());
        writeln!(
            out,
            "digits param {} sum {sum:?} sum_abs {sum_abs:?} first {:?} last {:?}",
            <digits::Params as Parameters>::TENSORS[k].name,
            t.first().copied().unwrap_or(f32::NAN),
            t.last().copied().unwrap_or(f32::NAN)
        )?;
    }
    if correct * 5 < data::TEST.len() * 3 {
        return Err(Failure::NotLearnt("digits test accuracy below 60 %"));
    }
    Ok(())
}

/// Both runs, XOR then digits, and a closing line.
pub fn check(out: &mut dyn Write) -> Result<(), Failure> {
    check_xor(out)?;
    check_digits(out)?;
    writeln!(out, "check done")?;
    Ok(())
}

/// What the measuring images run, with how many repetitions (inference) or epochs (training).
pub mod measured {
    /// Inferences of the XOR network per measurement (cycling through the 4 inputs).
    pub const XOR_INFERENCES: u32 = 4000;
    /// Epochs of the XOR training measurement (4 steps each).
    pub const XOR_EPOCHS: usize = 250;
    /// Inferences of the digits network per measurement (cycling through the test images).
    pub const DIGITS_INFERENCES: u32 = 96;
    /// Epochs of the digits training measurement (20 steps of 16 samples each).
    pub const DIGITS_EPOCHS: usize = 1;
}

/// A network as the sizes table names it, read from its parameters' shapes and its output type
/// (so that a changed network is described as it is): `NAME layers 64-32-10 multiply_adds
/// 2368`, the widths of its dense layers (from the weight matrices, input first, then the
/// output's width when the last layer is a vector weight, as XOR's `w2·h`) and one inference's
/// multiply-adds (Σ rows × columns of those layers). Printed by `nn-embedded-host describe`,
/// not by the images, so that it adds nothing to their flash.
pub fn describe<N: Network + Parameters>(out: &mut dyn Write, name: &str) -> fmt::Result {
    let mut widths: [usize; 16] = [0; 16];
    let mut layers = 0;
    for m in N::TENSORS.iter().filter(|t| t.shape.len() == 2) {
        if layers == 0 {
            widths[0] = m.shape[1];
        }
        if layers + 1 < widths.len() {
            widths[layers + 1] = m.shape[0];
            layers += 1;
        }
    }
    let outputs =
        core::mem::size_of::<N::Output>() / core::mem::size_of::<<N as Parameters>::Scalar>();
    if layers > 0 && widths[layers] != outputs && layers + 1 < widths.len() {
        widths[layers + 1] = outputs;
        layers += 1;
    }
    write!(out, "{name} layers ")?;
    for (k, w) in widths[..=layers].iter().enumerate() {
        write!(out, "{}{w}", if k == 0 { "" } else { "-" })?;
    }
    let multiply_adds: usize = widths[..=layers].windows(2).map(|p| p[0] * p[1]).sum();
    writeln!(out, " multiply_adds {multiply_adds}")
}

/// The images that measure (besides `empty`, the harness alone).
pub const MEASURED: [&str; 4] = ["xor_infer", "xor_train", "digits_infer", "digits_train"];

/// XOR inference with `params` ([`xor_task::TRAINED`], wherever the caller keeps it): the four
/// outputs.
pub fn xor_infer_result(out: &mut dyn Write, params: &xor::Params) -> fmt::Result {
    write!(out, "result xor_infer")?;
    for (x, _) in xor_task::DATA {
        write!(out, " {:?}", xor_inference(params, x))?;
    }
    writeln!(out)
}

/// [`xor::forward`] in a function of its own, never inlined: what an application calls, and
/// the function whose code `.ci/cortex-m` measures (with everything it calls).
#[inline(never)]
pub fn xor_inference(params: &xor::Params, x: [f32; 2]) -> f32 {
    xor::forward(params, x)
}

/// [`digits::forward`] in a function of its own, never inlined (as [`xor_inference`]).
#[inline(never)]
pub fn digits_inference(params: &digits::Params, x: &[f32; 64]) -> [f32; 10] {
    digits::forward(params, *x)
}

/// XOR after [`measured::XOR_EPOCHS`] epochs from [`xor_task::initial`]: the last epoch's loss.
pub fn xor_train_result(out: &mut dyn Write, loss: Option<f32>) -> fmt::Result {
    writeln!(out, "result xor_train {:?}", loss.unwrap_or(f32::NAN))
}

/// Digits inference with `params` ([`digits_task::FIXED`], wherever the caller keeps it): the
/// sum of the logits over the test images
/// and the class of each.
pub fn digits_infer_result(out: &mut dyn Write, params: &digits::Params) -> fmt::Result {
    let mut sum = 0.0_f32;
    write!(out, "result digits_infer classes ")?;
    for (x, _) in data::TEST.iter() {
        let logits = digits_inference(params, x);
        sum = logits.iter().fold(sum, |s, &v| s + v);
        write!(out, "{}", class_of(&logits))?;
    }
    writeln!(out, " sum {sum:?}")
}

/// Digits after [`measured::DIGITS_EPOCHS`] epochs from [`digits_task::initial`]: the last
/// epoch's loss.
pub fn digits_train_result(out: &mut dyn Write, loss: Option<f32>) -> fmt::Result {
    writeln!(out, "result digits_train {:?}", loss.unwrap_or(f32::NAN))
}

/// What the host prints for the measuring images: the same lines as the device's.
pub fn results(out: &mut dyn Write) -> Result<(), Failure> {
    xor_infer_result(out, &xor_task::TRAINED)?;
    let mut params = xor_task::initial();
    let summary = xor_trainer!(measured::XOR_EPOCHS).fit(&mut params, &xor_task::DATA)?;
    xor_train_result(out, summary.loss)?;
    digits_infer_result(out, &digits_task::FIXED)?;
    let mut params = digits_task::initial();
    let mut workspace = Workspace::new();
    let summary = digits_trainer!(measured::DIGITS_EPOCHS).fit_in(
        &mut workspace,
        &mut params,
        &data::TRAIN,
        |_: &Epoch<'_, digits::Params>| (),
    )?;
    digits_train_result(out, summary.loss)?;
    Ok(())
}

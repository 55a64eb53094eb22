//! What the integration tests share: a reproducible source of numbers and the error measure.
// Each test crate uses its own subset.
#![allow(dead_code)]

use nn::prelude::*;
use nn::{Parameters, Tensor};

/// A deterministic pseudo-random number in [-1, 1) (xorshift64*).
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        let bits = self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11;
        bits as f64 / (1u64 << 52) as f64 - 1.0
    }

    pub fn fill(&mut self, values: &mut [f64]) {
        for v in values {
            *v = self.next();
        }
    }

    /// Every tensor of `P` filled.
    pub fn params<P: Parameters<Scalar = f64>>(&mut self) -> P {
        let mut p = P::zeros();
        for k in 0..P::TENSORS.len() {
            self.fill(p.tensor_mut(k));
        }
        p
    }

    pub fn array<const N: usize>(&mut self) -> [f64; N] {
        core::array::from_fn(|_| self.next())
    }

    /// A one-hot target: 1 at a random index.
    pub fn one_hot<const N: usize>(&mut self) -> [f64; N] {
        let k = ((self.next() + 1.0) * 0.5 * N as f64) as usize % N;
        core::array::from_fn(|i| if i == k { 1.0 } else { 0.0 })
    }
}

/// |a − b| / max(1, |a|, |b|).
pub fn relative_error(a: f64, b: f64) -> f64 {
    (a - b).abs() / 1f64.max(a.abs()).max(b.abs())
}

/// The step of the central differences, and the relative error they must agree within.
pub const STEP: f64 = 1e-6;
pub const TOLERANCE: f64 = 1e-6;

/// The scalar objective L = r·output, for a fixed random `r` (so that a vector output's every
/// element matters), and its seed ∂L/∂output = r.
pub fn objective<N: Network<Scalar = f64>>(net: &N, input: &N::Input, r: &N::Output) -> f64
where
    N::Output: Tensor<Scalar = f64>,
{
    let out = net.forward(input);
    out.flat().iter().zip(r.flat()).map(|(o, r)| o * r).sum()
}

/// L = r·output as a loss whose target is `r`, so that the runtime's gradient checker
/// differentiates the same objective as [`objective`].
pub struct Projection;

impl<O: Tensor<Scalar = f64>> Loss<O> for Projection {
    fn value(&self, output: &O, r: &O) -> f64 {
        output.flat().iter().zip(r.flat()).map(|(o, r)| o * r).sum()
    }
    fn gradient(&self, _: &O, r: &O) -> O {
        *r
    }
}

/// Checks ∂L/∂θ for every scalar of every parameter tensor with the runtime's gradient
/// checker (central differences); returns the worst error and where.
pub fn check_params<N: Network<Scalar = f64>>(net: &N, input: &N::Input, seed: u64) -> (f64, String)
where
    N::Output: Tensor<Scalar = f64>,
{
    let mut r = N::Output::zeros();
    Rng(seed).fill(r.flat_mut());
    let worst = check_gradients(net, &Projection, &[(*input, r)], STEP).expect("parameters");
    (
        worst.worst_error,
        format!(
            "{}[{}]: {} vs {}",
            worst.tensor, worst.element, worst.analytic, worst.numeric
        ),
    )
}

/// Checks ∂L/∂input for a network whose input is one scalar, vector or matrix.
pub fn check_input<N: Network<Scalar = f64>>(net: &N, input: &N::Input, seed: u64) -> f64
where
    N::Output: Tensor<Scalar = f64>,
    N::Input: Tensor<Scalar = f64>,
{
    let mut rng = Rng(seed);
    let mut r = N::Output::zeros();
    rng.fill(r.flat_mut());
    let (_, tape) = net.forward_tape(input);
    let mut grads = N::zeros();
    let d_input = net.backward(&tape, &r, &mut grads);
    let mut worst: f64 = 0.0;
    let mut probe = *input;
    for e in 0..N::Input::LEN {
        let original = probe.flat()[e];
        probe.flat_mut()[e] = original + STEP;
        let plus = objective(net, &probe, &r);
        probe.flat_mut()[e] = original - STEP;
        let minus = objective(net, &probe, &r);
        probe.flat_mut()[e] = original;
        worst = worst.max(relative_error(
            d_input.flat()[e],
            (plus - minus) / (2.0 * STEP),
        ));
    }
    worst
}

//! Optimizers: how a gradient becomes a parameter update.
//!
//! Every optimizer implements [`Optimizer<P>`] for the parameter type `P` of a network. Its
//! state (velocities, moment estimates) is more values of type `P`, so its size is fixed at
//! compile time and a step allocates nothing. Conventions follow PyTorch, so published
//! hyper-parameters carry over:
//!
//! | optimizer | update of θ with gradient g (λ: weight decay, coupled as g ← g + λθ) |
//! |---|---|
//! | [`Sgd`] | θ ← θ − η g |
//! | [`Momentum`] | v ← μ v + g; θ ← θ − η v |
//! | [`Nesterov`] | v ← μ v + g; θ ← θ − η (g + μ v) |
//! | [`Adam`] | m ← β₁m + (1 − β₁)g; v ← β₂v + (1 − β₂)g²; θ ← θ − η m̂ / (√v̂ + ε) |
//! | [`AdamW`] | θ ← θ − ηλθ (decoupled), then Adam without weight decay |
//! | [`RmsProp`] | s ← α s + (1 − α) g²; θ ← θ − η g / (√s + ε) |
//! | [`AdaGrad`] | s ← s + g²; θ ← θ − η g / (√s + ε) |
//!
//! where m̂ = m / (1 − β₁ᵗ) and v̂ = v / (1 − β₂ᵗ) correct the zero start at step t.
//! [`clip_global_norm`] rescales a gradient before the step.

mod adam;
mod adaptive;
mod sgd;

pub use adam::{Adam, AdamW};
pub use adaptive::{AdaGrad, RmsProp};
pub use sgd::{Momentum, Nesterov, Sgd};

use num_traits::{Float, Zero};

use crate::error::Quantity;
use crate::network::Parameters;

/// A rule that updates parameters `P` from their gradient, one step at a time.
///
/// ```
/// use nn_runtime::optim::{Optimizer, Sgd};
/// use nn_runtime::toy::Line;
///
/// let mut line = Line { w: 1.0, b: 0.0 };
/// let grads = Line { w: 2.0, b: -1.0 };
/// let mut sgd = Sgd::new(0.1);
/// sgd.step(&mut line, &grads);
/// assert_eq!((line.w, line.b), (0.8, 0.1));
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not an optimizer",
    label = "expected an optimizer such as `Sgd::new(0.1)`",
    note = "the optimizers are in `nn::optim` (`Sgd::new(0.1)`, `Adam::new(0.01)`, …); an optimizer's float type must be the network's: an `Sgd<f64>` cannot step an `f32` network"
)]
pub trait Optimizer<P: Parameters>: LearningRate<Scalar = P::Scalar> {
    /// Updates `params` from `grads`, the gradient of the loss at `params`.
    fn step(&mut self, params: &mut P, grads: &P);
    /// [`step`](Optimizer::step), keeping the parameters from before it in `before`: whether
    /// every updated parameter is finite. What the [`Trainer`](crate::Trainer) calls, to put
    /// the last good parameters back after a step that overflowed.
    ///
    /// The default copies, steps and checks: three passes over the parameters. [`Sgd`], [`Adam`]
    /// and [`AdamW`] do it in the step's own pass (the copy and the check of each element next
    /// to its update): the Trainer's 256-256-10 step (SGD, batch 64) went from 1.30× to 1.20×
    /// the time of the bare generated step with it and the fused mean-and-check of the gradient
    /// (`cargo bench --bench mlp -- trainer_step`).
    fn step_keeping(&mut self, params: &mut P, grads: &P, before: &mut P) -> bool {
        before.copy_from(params);
        self.step(params, grads);
        all_finite(params)
    }
    /// The [`Trainer`](crate::Trainer)'s whole update after a batch (without gradient
    /// clipping): `grads`, the batch's *summed* gradient, times `scale` (1/B, for the mean) and
    /// checked; then [`step_keeping`](Optimizer::step_keeping) with it; and `grads` left zero
    /// for the next batch. `Err(Quantity::Gradient)` if the mean gradient is not finite, with
    /// `params` and the optimizer's state as they were; `Err(Quantity::Parameters)` if an
    /// updated parameter is not finite, with `before` holding the parameters from before the
    /// step (the Trainer puts them back). `grads` is unspecified after an error.
    ///
    /// The default is those steps in turn: a pass to scale and check the gradient,
    /// `step_keeping` (one pass for [`Sgd`], [`Adam`] and [`AdamW`], copy, step and check for
    /// the others) and a pass to zero the gradient. [`Sgd`], which keeps no state, does all of
    /// it in one pass, as the bare generated step updates the parameters in one.
    fn step_mean(
        &mut self,
        params: &mut P,
        grads: &mut P,
        scale: P::Scalar,
        before: &mut P,
    ) -> Result<(), Quantity> {
        if !scale_all_finite(grads, scale) {
            return Err(Quantity::Gradient);
        }
        let finite = self.step_keeping(params, grads, before);
        grads.set_zero();
        if finite {
            Ok(())
        } else {
            Err(Quantity::Parameters)
        }
    }
    /// Forgets the accumulated state (velocities, moments, step count).
    fn reset(&mut self) {}
}

/// An optimizer's learning rate η, in its own float type: the type the [`Trainer`] keeps its
/// settings in (clipping norm, target loss, schedule factors), so that an `f32` network is
/// trained without one `f64` operation (a microcontroller with a single-precision FPU would
/// emulate every one in software).
///
/// [`Trainer`]: crate::Trainer
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not an optimizer",
    label = "expected an optimizer such as `Sgd::new(0.1)`",
    note = "the optimizers are in `nn::optim` (`Sgd::new(0.1)`, `Adam::new(0.01)`, …), each with its learning rate"
)]
pub trait LearningRate {
    /// The float type of the parameters the optimizer steps.
    type Scalar: Float;
    /// The current learning rate η.
    fn learning_rate(&self) -> Self::Scalar;
    /// Changes the learning rate (schedules call this).
    fn set_learning_rate(&mut self, lr: Self::Scalar);
}

/// The norm ‖g‖ = m·r split where it cannot overflow: m = max |gᵢ| and r = √Σ(gᵢ/m)², which
/// lies in [1, √n] (every gᵢ/m is in [−1, 1], one of them ±1). m is NaN if some gᵢ is NaN, +∞
/// if some gᵢ is infinite (r is then NaN), and 0 for a zero gradient (r is then 0).
fn norm_parts<P: Parameters>(grads: &P) -> (P::Scalar, P::Scalar) {
    let mut m = P::Scalar::zero();
    for k in 0..P::TENSORS.len() {
        for &g in grads.tensor(k) {
            let a = g.abs();
            // Once m is NaN, `a > m` is false and m stays NaN.
            if a > m || a.is_nan() {
                m = a;
            }
        }
    }
    if m == P::Scalar::zero() || m.is_nan() {
        return (m, m);
    }
    let mut sum = P::Scalar::zero();
    for k in 0..P::TENSORS.len() {
        for &g in grads.tensor(k) {
            let s = g / m;
            sum = sum + s * s;
        }
    }
    (m, crate::math::sqrt(sum))
}

/// The Euclidean norm ‖g‖ over every scalar of every tensor of `grads`.
///
/// Computed as max |gᵢ| · √Σ(gᵢ / max |gᵢ|)², so that it is right whenever the norm itself is
/// representable, even where Σgᵢ² overflows (gradients of 10¹⁹ in `f32`) or underflows; a norm
/// beyond the float type's range is +∞. NaN if any gᵢ is NaN, +∞ if any is infinite, 0 for a
/// zero gradient.
///
/// ```
/// use nn_runtime::optim::global_norm;
/// use nn_runtime::toy::Line;
/// assert_eq!(global_norm(&Line { w: 3.0, b: 4.0 }), 5.0);
/// assert_eq!(global_norm(&Line { w: 3e19_f32, b: 4e19 }), 5e19);
/// ```
pub fn global_norm<P: Parameters>(grads: &P) -> P::Scalar {
    let (m, r) = norm_parts(grads);
    if m.is_infinite() {
        m
    } else {
        m * r
    }
}

/// Gradient clipping by global norm: when ‖g‖ > `max_norm`, scales every component by
/// `max_norm / ‖g‖`, keeping the direction. Returns the norm before clipping, as
/// [`global_norm`] gives it.
///
/// It clips whenever every component is finite, even where ‖g‖ itself exceeds the float
/// type's range (`f32` [3·10³⁸, 3·10³⁸] becomes [max_norm/√2, max_norm/√2], and +∞ is
/// returned): each gᵢ is scaled as (gᵢ / m)·(max_norm / r) with m = max |gᵢ| and
/// r = √Σ(gᵢ/m)², so that neither Σgᵢ² nor the factor max_norm/‖g‖ (subnormal, or 0, for
/// gradients near the type's range) is ever formed. A gradient
/// with a NaN or infinite component is left as it is (NaN stays NaN, and the returned norm is
/// NaN or +∞, which the [`Trainer`](crate::Trainer) reports as [`Error::NonFinite`](crate::Error));
/// a zero gradient stays zero. A `max_norm` of NaN clips nothing.
///
/// ```
/// use nn_runtime::optim::clip_global_norm;
/// use nn_runtime::toy::Line;
/// let mut g = Line { w: 3.0, b: 4.0 };
/// assert_eq!(clip_global_norm(&mut g, 1.0), 5.0);
/// assert!((g.w - 0.6_f64).abs() < 1e-15 && (g.b - 0.8_f64).abs() < 1e-15);
///
/// // Σg² overflows f32, the norm does not.
/// let mut big = Line { w: 3e19_f32, b: 4e19 };
/// assert_eq!(clip_global_norm(&mut big, 1.0), 5e19);
/// assert!((big.w - 0.6).abs() < 1e-7 && (big.b - 0.8).abs() < 1e-7);
/// ```
pub fn clip_global_norm<P: Parameters>(grads: &mut P, max_norm: P::Scalar) -> P::Scalar {
    let (m, r) = norm_parts(grads);
    if !m.is_finite() {
        return m;
    }
    // +∞ when the exact norm is beyond the float type's range; 0 for a zero gradient.
    let norm = m * r;
    if norm > max_norm {
        let factor = max_norm / r;
        for k in 0..P::TENSORS.len() {
            for g in grads.tensor_mut(k) {
                *g = *g / m * factor;
            }
        }
    }
    norm
}

/// Multiplies every scalar of `values` by `factor`.
pub fn scale<P: Parameters>(values: &mut P, factor: P::Scalar) {
    for k in 0..P::TENSORS.len() {
        for v in values.tensor_mut(k) {
            *v = *v * factor;
        }
    }
}

/// Whether every scalar of `values` is finite (neither NaN nor ±∞).
///
/// Every element is looked at (a fold, not a search that stops at the first non-finite one):
/// without a branch per element the check vectorises.
pub fn all_finite<P: Parameters>(values: &P) -> bool {
    (0..P::TENSORS.len()).fold(true, |ok, k| {
        ok & values
            .tensor(k)
            .iter()
            .fold(true, |ok, v| ok & v.is_finite())
    })
}

/// `values` × `factor`, and whether every result is finite: [`scale`] and [`all_finite`] in
/// one pass.
pub fn scale_all_finite<P: Parameters>(values: &mut P, factor: P::Scalar) -> bool {
    let mut ok = true;
    for k in 0..P::TENSORS.len() {
        for v in values.tensor_mut(k) {
            *v = *v * factor;
            ok &= v.is_finite();
        }
    }
    ok
}

/// Visits every (parameter, gradient, state) triple of the same scalar index.
#[inline]
fn for_each_with_state<P: Parameters>(
    params: &mut P,
    grads: &P,
    state: &mut P,
    mut f: impl FnMut(&mut P::Scalar, P::Scalar, &mut P::Scalar),
) {
    for k in 0..P::TENSORS.len() {
        let g = grads.tensor(k);
        let s = state.tensor_mut(k);
        for ((p, &g), s) in params.tensor_mut(k).iter_mut().zip(g).zip(s) {
            f(p, g, s);
        }
    }
}

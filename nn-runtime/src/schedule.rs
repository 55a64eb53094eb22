//! Learning-rate schedules: the rate as a function of the epoch.
//!
//! A schedule gives a **factor** for epoch t (counted from 0); the
//! [`Trainer`](crate::Trainer) sets the optimizer's rate to `η₀ · factor(t)` before each
//! epoch, where η₀ is the rate the optimizer was built with. Factors are computed in the
//! optimizer's float type (no `f64` in an `f32` network's training). Schedules compose:
//! `LinearWarmup::new(5, CosineDecay::new(100))` ramps up for 5 epochs, then decays.
//!
//! ```
//! use nn_runtime::schedule::*;
//! assert_eq!(Schedule::<f64>::factor(&ConstantRate, 7), 1.0);
//! assert_eq!(StepDecay::new(10, 0.5).factor(25), 0.25);
//! assert_eq!(ExponentialDecay::new(0.5_f32).factor(2), 0.25); // in the optimizer's type
//! assert_eq!(CosineDecay::<f64>::new(10).factor(10), 0.0);
//! assert_eq!(Schedule::<f64>::factor(&LinearWarmup::new(4, ConstantRate), 0), 0.25);
//! ```

use num_traits::Float;

use crate::math::{cos_turns, lit};

/// `n` as a float of type `T` (an integer conversion, no `f64` on the way).
fn count<T: Float>(n: usize) -> T {
    T::from(n).unwrap_or_else(T::nan)
}

/// `γⁿ` by repeated squaring, in `T`.
fn power<T: Float>(gamma: T, n: usize) -> T {
    gamma.powi(i32::try_from(n).unwrap_or(i32::MAX))
}

/// A learning-rate schedule: the factor by which epoch `t` scales the initial rate, in the
/// optimizer's float type `T` (so that an `f32` network's schedule computes in `f32`).
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a learning-rate schedule",
    label = "not a schedule",
    note = "use one of `nn::schedule`'s (`ConstantRate`, `StepDecay::new(10, 0.5)`, `ExponentialDecay::new(0.9)`, `CosineDecay::new(epochs)`, `LinearWarmup::new(4, ConstantRate)`); the initial rate is the optimizer's"
)]
pub trait Schedule<T: Float> {
    /// The factor for epoch `t` (counted from 0).
    fn factor(&self, t: usize) -> T;
}

/// The same rate every epoch (factor 1).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct ConstantRate;

impl<T: Float> Schedule<T> for ConstantRate {
    fn factor(&self, _t: usize) -> T {
        T::one()
    }
}

/// Step decay: the rate is multiplied by γ every `every` epochs: factor `γ^⌊t/every⌋`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StepDecay<T> {
    /// Epochs between two decays (0 is treated as 1).
    pub every: usize,
    /// The factor applied at each decay.
    pub gamma: T,
}

impl<T: Float> StepDecay<T> {
    /// Multiplies the rate by `gamma` every `every` epochs.
    pub const fn new(every: usize, gamma: T) -> Self {
        StepDecay { every, gamma }
    }
}

impl<T: Float> Schedule<T> for StepDecay<T> {
    fn factor(&self, t: usize) -> T {
        power(self.gamma, t / self.every.max(1))
    }
}

/// Exponential decay: factor `γ^t`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ExponentialDecay<T> {
    /// The factor applied every epoch.
    pub gamma: T,
}

impl<T: Float> ExponentialDecay<T> {
    /// Multiplies the rate by `gamma` every epoch.
    pub const fn new(gamma: T) -> Self {
        ExponentialDecay { gamma }
    }
}

impl<T: Float> Schedule<T> for ExponentialDecay<T> {
    fn factor(&self, t: usize) -> T {
        power(self.gamma, t)
    }
}

/// Cosine annealing over `period` epochs, from factor 1 down to `floor`:
/// `floor + (1 − floor)·½(1 + cos(π·t/period))`, staying at `floor` after the period.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CosineDecay<T> {
    /// Epochs from the full rate to the floor (0 is treated as 1).
    pub period: usize,
    /// The final factor (0 by default).
    pub floor: T,
}

impl<T: Float> CosineDecay<T> {
    /// Anneals from the full rate to zero over `period` epochs.
    pub fn new(period: usize) -> Self {
        CosineDecay {
            period,
            floor: T::zero(),
        }
    }

    /// Anneals down to `floor` instead of zero.
    pub fn floor(mut self, floor: T) -> Self {
        self.floor = floor;
        self
    }
}

impl<T: Float> Schedule<T> for CosineDecay<T> {
    fn factor(&self, t: usize) -> T {
        let period = self.period.max(1);
        let progress = count::<T>(t.min(period)) / count::<T>(period);
        // cos(π·progress) as half a turn's fraction: in `T` alone (see `math::trig`).
        let cos = cos_turns(progress * lit::<T>(0.5));
        let half = lit::<T>(0.5);
        self.floor + (T::one() - self.floor) * half * (T::one() + cos)
    }
}

/// Linear warm-up: factors `1/w, 2/w, …, 1` over the first `w` epochs, then the inner
/// schedule, started afresh (epoch `w` gets `then.factor(0)`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LinearWarmup<S> {
    /// Epochs of warm-up.
    pub epochs: usize,
    /// The schedule after warm-up.
    pub then: S,
}

impl<S> LinearWarmup<S> {
    /// Warms up linearly over `epochs` epochs, then follows `then`.
    pub const fn new(epochs: usize, then: S) -> Self {
        LinearWarmup { epochs, then }
    }
}

impl<T: Float, S: Schedule<T>> Schedule<T> for LinearWarmup<S> {
    fn factor(&self, t: usize) -> T {
        if t < self.epochs {
            count::<T>(t + 1) / count::<T>(self.epochs)
        } else {
            self.then.factor(t - self.epochs)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedules_by_table() {
        let close = |a: f64, b: f64| (a - b).abs() < 1e-12;
        let step = StepDecay::new(3, 0.1);
        for (t, want) in [(0, 1.0), (2, 1.0), (3, 0.1), (6, 0.01)] {
            assert!(close(step.factor(t), want), "step {t}");
        }
        let cos = CosineDecay::new(4).floor(0.2);
        // 0.2 + 0.8·½(1 + cos(π t/4)): t=0 → 1, t=2 → 0.6, t=4 and later → 0.2.
        for (t, want) in [(0, 1.0), (2, 0.6), (4, 0.2), (9, 0.2)] {
            assert!(close(cos.factor(t), want), "cosine {t}");
        }
        let warm = LinearWarmup::new(2, ExponentialDecay::new(0.5));
        for (t, want) in [(0, 0.5), (1, 1.0), (2, 1.0), (3, 0.5), (4, 0.25)] {
            assert!(close(warm.factor(t), want), "warmup {t}");
        }
    }
}

//! Learning-rate schedules: the rate as a function of the epoch.
//!
//! A schedule gives a **factor** for epoch t (counted from 0); the
//! [`Trainer`](crate::Trainer) sets the optimizer's rate to `η₀ · factor(t)` before each
//! epoch, where η₀ is the rate the optimizer was built with. Schedules compose:
//! `LinearWarmup::new(5, CosineDecay::new(100))` ramps up for 5 epochs, then decays.
//!
//! ```
//! use nn_runtime::schedule::*;
//! assert_eq!(ConstantRate.factor(7), 1.0);
//! assert_eq!(StepDecay::new(10, 0.5).factor(25), 0.25);
//! assert_eq!(ExponentialDecay::new(0.9).factor(2), 0.81);
//! assert_eq!(CosineDecay::new(10).factor(10), 0.0);
//! assert_eq!(LinearWarmup::new(4, ConstantRate).factor(0), 0.25);
//! ```

use num_traits::Float;

/// A learning-rate schedule: the factor by which epoch `t` scales the initial rate.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a learning-rate schedule",
    label = "not a schedule",
    note = "use one of `nn::schedule`'s (`ConstantRate`, `StepDecay::new(10, 0.5)`, `ExponentialDecay::new(0.9)`, `CosineDecay::new(epochs)`, `LinearWarmup::new(4, ConstantRate)`); the initial rate is the optimizer's"
)]
pub trait Schedule {
    /// The factor for epoch `t` (counted from 0).
    fn factor(&self, t: usize) -> f64;
}

/// The same rate every epoch (factor 1).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct ConstantRate;

impl Schedule for ConstantRate {
    fn factor(&self, _t: usize) -> f64 {
        1.0
    }
}

/// Step decay: the rate is multiplied by γ every `every` epochs: factor `γ^⌊t/every⌋`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StepDecay {
    /// Epochs between two decays (0 is treated as 1).
    pub every: usize,
    /// The factor applied at each decay.
    pub gamma: f64,
}

impl StepDecay {
    /// Multiplies the rate by `gamma` every `every` epochs.
    pub const fn new(every: usize, gamma: f64) -> Self {
        StepDecay { every, gamma }
    }
}

impl Schedule for StepDecay {
    fn factor(&self, t: usize) -> f64 {
        let n = t / self.every.max(1);
        self.gamma.powf(n as f64)
    }
}

/// Exponential decay: factor `γ^t`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ExponentialDecay {
    /// The factor applied every epoch.
    pub gamma: f64,
}

impl ExponentialDecay {
    /// Multiplies the rate by `gamma` every epoch.
    pub const fn new(gamma: f64) -> Self {
        ExponentialDecay { gamma }
    }
}

impl Schedule for ExponentialDecay {
    fn factor(&self, t: usize) -> f64 {
        self.gamma.powf(t as f64)
    }
}

/// Cosine annealing over `period` epochs, from factor 1 down to `floor`:
/// `floor + (1 − floor)·½(1 + cos(π·t/period))`, staying at `floor` after the period.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CosineDecay {
    /// Epochs from the full rate to the floor (0 is treated as 1).
    pub period: usize,
    /// The final factor (0 by default).
    pub floor: f64,
}

impl CosineDecay {
    /// Anneals from the full rate to zero over `period` epochs.
    pub const fn new(period: usize) -> Self {
        CosineDecay { period, floor: 0.0 }
    }

    /// Anneals down to `floor` instead of zero.
    pub const fn floor(mut self, floor: f64) -> Self {
        self.floor = floor;
        self
    }
}

impl Schedule for CosineDecay {
    fn factor(&self, t: usize) -> f64 {
        let period = self.period.max(1);
        let progress = t.min(period) as f64 / period as f64;
        let cos = Float::cos(core::f64::consts::PI * progress);
        self.floor + (1.0 - self.floor) * 0.5 * (1.0 + cos)
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

impl<S: Schedule> LinearWarmup<S> {
    /// Warms up linearly over `epochs` epochs, then follows `then`.
    pub const fn new(epochs: usize, then: S) -> Self {
        LinearWarmup { epochs, then }
    }
}

impl<S: Schedule> Schedule for LinearWarmup<S> {
    fn factor(&self, t: usize) -> f64 {
        if t < self.epochs {
            (t + 1) as f64 / self.epochs as f64
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

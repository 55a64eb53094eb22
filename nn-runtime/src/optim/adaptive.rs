//! RMSProp and AdaGrad: steps divided by the root of accumulated squared gradients.

use num_traits::{One, Zero};

use super::{for_each_with_state, LearningRate, Optimizer};
use crate::math::lit;
use crate::network::Parameters;

/// RMSProp (Hinton, 2012): `s ← αs + (1 − α)g²`, `θ ← θ − η g/(√s + ε)`.
/// Defaults: α = 0.99, ε = 10⁻⁸ (PyTorch's).
#[derive(Clone, Copy)]
pub struct RmsProp<P: Parameters> {
    lr: P::Scalar,
    alpha: P::Scalar,
    epsilon: P::Scalar,
    weight_decay: P::Scalar,
    square_avg: P,
}

impl<P: Parameters> RmsProp<P> {
    /// RMSProp with learning rate `lr` (η; 0.01 is PyTorch's default).
    pub fn new(lr: P::Scalar) -> Self {
        RmsProp {
            lr,
            alpha: lit(0.99),
            epsilon: lit(1e-8),
            weight_decay: P::Scalar::zero(),
            square_avg: P::zeros(),
        }
    }

    /// Sets the smoothing constant α of the running mean of g².
    pub fn alpha(mut self, alpha: P::Scalar) -> Self {
        self.alpha = alpha;
        self
    }

    /// Sets ε, added to √s.
    pub fn epsilon(mut self, epsilon: P::Scalar) -> Self {
        self.epsilon = epsilon;
        self
    }

    /// Adds L2 weight decay λ: the gradient becomes `g + λθ`.
    pub fn weight_decay(mut self, lambda: P::Scalar) -> Self {
        self.weight_decay = lambda;
        self
    }
}

impl<P: Parameters> LearningRate for RmsProp<P> {
    type Scalar = P::Scalar;
    fn learning_rate(&self) -> Self::Scalar {
        self.lr
    }
    fn set_learning_rate(&mut self, lr: Self::Scalar) {
        self.lr = lr;
    }
}

impl<P: Parameters> Optimizer<P> for RmsProp<P> {
    fn step(&mut self, params: &mut P, grads: &P) {
        let one = P::Scalar::one();
        let (lr, a, eps, wd) = (self.lr, self.alpha, self.epsilon, self.weight_decay);
        for_each_with_state(params, grads, &mut self.square_avg, |p, g, s| {
            let g = g + wd * *p;
            *s = a * *s + (one - a) * g * g;
            *p = *p - lr * g / (crate::math::sqrt(*s) + eps);
        });
    }
    fn reset(&mut self) {
        self.square_avg.set_zero();
    }
}

/// AdaGrad (Duchi, Hazan & Singer, 2011): `s ← s + g²`, `θ ← θ − η g/(√s + ε)`:
/// parameters that received large gradients take smaller steps. Default ε = 10⁻¹⁰.
#[derive(Clone, Copy)]
pub struct AdaGrad<P: Parameters> {
    lr: P::Scalar,
    epsilon: P::Scalar,
    weight_decay: P::Scalar,
    sum_sq: P,
}

impl<P: Parameters> AdaGrad<P> {
    /// AdaGrad with learning rate `lr` (η; 0.01 is PyTorch's default).
    pub fn new(lr: P::Scalar) -> Self {
        AdaGrad {
            lr,
            epsilon: lit(1e-10),
            weight_decay: P::Scalar::zero(),
            sum_sq: P::zeros(),
        }
    }

    /// Sets ε, added to √s.
    pub fn epsilon(mut self, epsilon: P::Scalar) -> Self {
        self.epsilon = epsilon;
        self
    }

    /// Adds L2 weight decay λ: the gradient becomes `g + λθ`.
    pub fn weight_decay(mut self, lambda: P::Scalar) -> Self {
        self.weight_decay = lambda;
        self
    }
}

impl<P: Parameters> LearningRate for AdaGrad<P> {
    type Scalar = P::Scalar;
    fn learning_rate(&self) -> Self::Scalar {
        self.lr
    }
    fn set_learning_rate(&mut self, lr: Self::Scalar) {
        self.lr = lr;
    }
}

impl<P: Parameters> Optimizer<P> for AdaGrad<P> {
    fn step(&mut self, params: &mut P, grads: &P) {
        let (lr, eps, wd) = (self.lr, self.epsilon, self.weight_decay);
        for_each_with_state(params, grads, &mut self.sum_sq, |p, g, s| {
            let g = g + wd * *p;
            *s = *s + g * g;
            *p = *p - lr * g / (crate::math::sqrt(*s) + eps);
        });
    }
    fn reset(&mut self) {
        self.sum_sq.set_zero();
    }
}

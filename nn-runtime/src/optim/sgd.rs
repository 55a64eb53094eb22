//! Plain gradient descent and its momentum variants.

use num_traits::{Float, Zero};

use super::{for_each_with_state, LearningRate, Optimizer};
use crate::error::Quantity;
use crate::math::batch::vectorized;
use crate::network::Parameters;

/// Stochastic gradient descent: `θ ← θ − η (g + λθ)`.
///
/// Stateless, so one `Sgd<T>` drives any parameter type with scalar `T`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Sgd<T> {
    lr: T,
    weight_decay: T,
}

impl<T: Float> Sgd<T> {
    /// Gradient descent with learning rate `lr` (η).
    pub fn new(lr: T) -> Self {
        Sgd {
            lr,
            weight_decay: T::zero(),
        }
    }

    /// Adds L2 weight decay λ: the gradient becomes `g + λθ`.
    pub fn weight_decay(mut self, lambda: T) -> Self {
        self.weight_decay = lambda;
        self
    }
}

impl<T: Float> LearningRate for Sgd<T> {
    type Scalar = T;
    fn learning_rate(&self) -> Self::Scalar {
        self.lr
    }
    fn set_learning_rate(&mut self, lr: Self::Scalar) {
        self.lr = lr;
    }
}

impl<T: Float> Sgd<T> {
    /// θ − η(g + λθ): one parameter's update.
    #[inline(always)]
    fn updated(&self, p: T, g: T) -> T {
        p - self.lr * (g + self.weight_decay * p)
    }

    /// The pass of [`Optimizer::step_mean`]: whether every mean gradient and every updated
    /// parameter is finite (as values of its own: flags kept outside were stored at every
    /// element).
    #[inline(always)]
    fn mean_pass<P: Parameters<Scalar = T>>(
        &self,
        params: &mut P,
        grads: &mut P,
        scale: T,
        before: &mut P,
    ) -> (bool, bool) {
        let (mut grads_ok, mut params_ok) = (true, true);
        for k in 0..P::TENSORS.len() {
            let g = grads.tensor_mut(k);
            let b = before.tensor_mut(k);
            for ((p, g), b) in params.tensor_mut(k).iter_mut().zip(g).zip(b) {
                let mean = *g * scale;
                grads_ok &= mean.is_finite();
                *b = *p;
                *p = self.updated(*p, mean);
                params_ok &= p.is_finite();
                *g = T::zero();
            }
        }
        (grads_ok, params_ok)
    }
}

impl<T: Float, P: Parameters<Scalar = T>> Optimizer<P> for Sgd<T> {
    fn step(&mut self, params: &mut P, grads: &P) {
        for k in 0..P::TENSORS.len() {
            let g = grads.tensor(k);
            for (p, &g) in params.tensor_mut(k).iter_mut().zip(g) {
                *p = self.updated(*p, g);
            }
        }
    }
    fn step_keeping(&mut self, params: &mut P, grads: &P, before: &mut P) -> bool {
        let mut ok = true;
        for k in 0..P::TENSORS.len() {
            let g = grads.tensor(k);
            let b = before.tensor_mut(k);
            for ((p, &g), b) in params.tensor_mut(k).iter_mut().zip(g).zip(b) {
                *b = *p;
                *p = self.updated(*p, g);
                ok &= p.is_finite();
            }
        }
        ok
    }
    /// The mean, both checks, the step, the copy and the zeroing in one pass: each element's
    /// `g·scale` and update are the ones of the default's passes, so the results are the same
    /// bits. A non-finite mean gradient found part-way puts the parameters back from `before`.
    fn step_mean(
        &mut self,
        params: &mut P,
        grads: &mut P,
        scale: T,
        before: &mut P,
    ) -> Result<(), Quantity> {
        // Compiled for AVX2 where the processor has it: the checks make this pass several
        // times the bare update's instructions, which on SSE2's four lanes took a tenth of the
        // Trainer's 256-256-10 step. Below a thousand parameters the dispatch costs more than
        // it saves (XOR's 17: 105 -> 116 ns per step).
        let (grads_ok, params_ok) = if P::COUNT >= 1024 {
            vectorized(
                #[inline(always)]
                || self.mean_pass(params, grads, scale, before),
            )
        } else {
            self.mean_pass(params, grads, scale, before)
        };
        if !grads_ok {
            params.copy_from(before);
            return Err(Quantity::Gradient);
        }
        if params_ok {
            Ok(())
        } else {
            Err(Quantity::Parameters)
        }
    }
}

/// Gradient descent with (heavy-ball) momentum μ: `v ← μv + g`, `θ ← θ − ηv`.
#[derive(Clone, Copy)]
pub struct Momentum<P: Parameters> {
    lr: P::Scalar,
    momentum: P::Scalar,
    weight_decay: P::Scalar,
    velocity: P,
}

impl<P: Parameters> Momentum<P> {
    /// Momentum SGD with learning rate `lr` (η) and momentum `momentum` (μ, typically 0.9).
    pub fn new(lr: P::Scalar, momentum: P::Scalar) -> Self {
        Momentum {
            lr,
            momentum,
            weight_decay: P::Scalar::zero(),
            velocity: P::zeros(),
        }
    }

    /// Adds L2 weight decay λ: the gradient becomes `g + λθ`.
    pub fn weight_decay(mut self, lambda: P::Scalar) -> Self {
        self.weight_decay = lambda;
        self
    }

    /// The velocity v, one value per parameter.
    pub fn velocity(&self) -> &P {
        &self.velocity
    }
}

impl<P: Parameters> LearningRate for Momentum<P> {
    type Scalar = P::Scalar;
    fn learning_rate(&self) -> Self::Scalar {
        self.lr
    }
    fn set_learning_rate(&mut self, lr: Self::Scalar) {
        self.lr = lr;
    }
}

impl<P: Parameters> Optimizer<P> for Momentum<P> {
    fn step(&mut self, params: &mut P, grads: &P) {
        let (lr, mu, wd) = (self.lr, self.momentum, self.weight_decay);
        for_each_with_state(params, grads, &mut self.velocity, |p, g, v| {
            let g = g + wd * *p;
            *v = mu * *v + g;
            *p = *p - lr * *v;
        });
    }
    fn reset(&mut self) {
        self.velocity.set_zero();
    }
}

/// Nesterov momentum: `v ← μv + g`, `θ ← θ − η(g + μv)`: the step looks ahead along the
/// velocity before it is taken.
#[derive(Clone, Copy)]
pub struct Nesterov<P: Parameters> {
    inner: Momentum<P>,
}

impl<P: Parameters> Nesterov<P> {
    /// Nesterov momentum with learning rate `lr` (η) and momentum `momentum` (μ).
    pub fn new(lr: P::Scalar, momentum: P::Scalar) -> Self {
        Nesterov {
            inner: Momentum::new(lr, momentum),
        }
    }

    /// Adds L2 weight decay λ: the gradient becomes `g + λθ`.
    pub fn weight_decay(mut self, lambda: P::Scalar) -> Self {
        self.inner.weight_decay = lambda;
        self
    }
}

impl<P: Parameters> LearningRate for Nesterov<P> {
    type Scalar = P::Scalar;
    fn learning_rate(&self) -> Self::Scalar {
        self.inner.lr
    }
    fn set_learning_rate(&mut self, lr: Self::Scalar) {
        self.inner.lr = lr;
    }
}

impl<P: Parameters> Optimizer<P> for Nesterov<P> {
    fn step(&mut self, params: &mut P, grads: &P) {
        let m = &mut self.inner;
        let (lr, mu, wd) = (m.lr, m.momentum, m.weight_decay);
        for_each_with_state(params, grads, &mut m.velocity, |p, g, v| {
            let g = g + wd * *p;
            *v = mu * *v + g;
            *p = *p - lr * (g + mu * *v);
        });
    }
    fn reset(&mut self) {
        self.inner.velocity.set_zero();
    }
}

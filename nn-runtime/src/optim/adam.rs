//! Adam and AdamW: per-parameter steps from running moments of the gradient.

use num_traits::{Float, One, Zero};

use super::{LearningRate, Optimizer};
use crate::math::lit;
use crate::network::Parameters;

/// Adam (Kingma & Ba, 2015) with bias correction:
/// `m ← β₁m + (1 − β₁)g`, `v ← β₂v + (1 − β₂)g²`, `θ ← θ − η m̂/(√v̂ + ε)`, with
/// `m̂ = m/(1 − β₁ᵗ)`, `v̂ = v/(1 − β₂ᵗ)`. Defaults: β₁ = 0.9, β₂ = 0.999, ε = 10⁻⁸.
///
/// Its first step moves every parameter by η against the sign of its gradient.
#[derive(Clone, Copy)]
pub struct Adam<P: Parameters> {
    lr: P::Scalar,
    beta1: P::Scalar,
    beta2: P::Scalar,
    epsilon: P::Scalar,
    weight_decay: P::Scalar,
    decoupled: bool,
    t: i32,
    m: P,
    v: P,
}

impl<P: Parameters> Adam<P> {
    /// Adam with learning rate `lr` (η; 0.001 is the usual start) and default β₁, β₂, ε.
    pub fn new(lr: P::Scalar) -> Self {
        Adam {
            lr,
            beta1: lit(0.9),
            beta2: lit(0.999),
            epsilon: lit(1e-8),
            weight_decay: P::Scalar::zero(),
            decoupled: false,
            t: 0,
            m: P::zeros(),
            v: P::zeros(),
        }
    }

    /// Sets the decay rates β₁ (of the mean) and β₂ (of the uncentred variance).
    pub fn betas(mut self, beta1: P::Scalar, beta2: P::Scalar) -> Self {
        self.beta1 = beta1;
        self.beta2 = beta2;
        self
    }

    /// Sets ε, added to √v̂ to avoid dividing by zero.
    pub fn epsilon(mut self, epsilon: P::Scalar) -> Self {
        self.epsilon = epsilon;
        self
    }

    /// Adds L2 weight decay λ coupled to the gradient (`g ← g + λθ`), as PyTorch's `Adam`.
    /// For decoupled decay use [`AdamW`].
    pub fn weight_decay(mut self, lambda: P::Scalar) -> Self {
        self.weight_decay = lambda;
        self
    }

    /// Steps taken so far (t).
    pub fn steps(&self) -> i32 {
        self.t
    }
}

impl<P: Parameters> LearningRate for Adam<P> {
    type Scalar = P::Scalar;
    fn learning_rate(&self) -> Self::Scalar {
        self.lr
    }
    fn set_learning_rate(&mut self, lr: Self::Scalar) {
        self.lr = lr;
    }
}

/// One Adam step's constants, and the update of one parameter with its moments.
struct AdamStep<T> {
    lr: T,
    b1: T,
    b2: T,
    eps: T,
    wd: T,
    correct1: T,
    correct2: T,
    decoupled: bool,
}

impl<T: Float> AdamStep<T> {
    #[inline(always)]
    fn apply(&self, p: &mut T, g: T, m: &mut T, v: &mut T) {
        let one = T::one();
        let g = if self.decoupled {
            *p = *p - self.lr * self.wd * *p;
            g
        } else {
            g + self.wd * *p
        };
        *m = self.b1 * *m + (one - self.b1) * g;
        *v = self.b2 * *v + (one - self.b2) * g * g;
        let m_hat = *m / self.correct1;
        let v_hat = *v / self.correct2;
        *p = *p - self.lr * m_hat / (crate::math::sqrt(v_hat) + self.eps);
    }
}

impl<P: Parameters> Adam<P> {
    /// Counts the step and returns its constants (the bias corrections of step t).
    fn next_step(&mut self) -> AdamStep<P::Scalar> {
        self.t = self.t.saturating_add(1);
        let one = P::Scalar::one();
        AdamStep {
            lr: self.lr,
            b1: self.beta1,
            b2: self.beta2,
            eps: self.epsilon,
            wd: self.weight_decay,
            correct1: one - self.beta1.powi(self.t),
            correct2: one - self.beta2.powi(self.t),
            decoupled: self.decoupled,
        }
    }
}

impl<P: Parameters> Optimizer<P> for Adam<P> {
    fn step(&mut self, params: &mut P, grads: &P) {
        let step = self.next_step();
        for k in 0..P::TENSORS.len() {
            let (g, m, v) = (grads.tensor(k), self.m.tensor_mut(k), self.v.tensor_mut(k));
            for (((p, &g), m), v) in params.tensor_mut(k).iter_mut().zip(g).zip(m).zip(v) {
                step.apply(p, g, m, v);
            }
        }
    }
    fn step_keeping(&mut self, params: &mut P, grads: &P, before: &mut P) -> bool {
        let step = self.next_step();
        let mut ok = true;
        for k in 0..P::TENSORS.len() {
            let (g, m, v) = (grads.tensor(k), self.m.tensor_mut(k), self.v.tensor_mut(k));
            let b = before.tensor_mut(k);
            let params = params.tensor_mut(k).iter_mut().zip(b);
            for ((((p, b), &g), m), v) in params.zip(g).zip(m).zip(v) {
                *b = *p;
                step.apply(p, g, m, v);
                ok &= p.is_finite();
            }
        }
        ok
    }
    fn reset(&mut self) {
        self.t = 0;
        self.m.set_zero();
        self.v.set_zero();
    }
}

/// AdamW (Loshchilov & Hutter, 2019): Adam with *decoupled* weight decay. Each step first
/// shrinks the parameters, `θ ← θ − ηλθ`, then takes the Adam step with the unmodified
/// gradient, so decay is not rescaled by the adaptive denominator.
#[derive(Clone, Copy)]
pub struct AdamW<P: Parameters> {
    inner: Adam<P>,
}

impl<P: Parameters> AdamW<P> {
    /// AdamW with learning rate `lr` (η) and weight decay `weight_decay` (λ; 0.01 is common).
    pub fn new(lr: P::Scalar, weight_decay: P::Scalar) -> Self {
        let mut inner = Adam::new(lr).weight_decay(weight_decay);
        inner.decoupled = true;
        AdamW { inner }
    }

    /// Sets the decay rates β₁ and β₂.
    pub fn betas(mut self, beta1: P::Scalar, beta2: P::Scalar) -> Self {
        self.inner = self.inner.betas(beta1, beta2);
        self
    }

    /// Sets ε.
    pub fn epsilon(mut self, epsilon: P::Scalar) -> Self {
        self.inner = self.inner.epsilon(epsilon);
        self
    }
}

impl<P: Parameters> LearningRate for AdamW<P> {
    type Scalar = P::Scalar;
    fn learning_rate(&self) -> Self::Scalar {
        self.inner.lr
    }
    fn set_learning_rate(&mut self, lr: Self::Scalar) {
        self.inner.lr = lr;
    }
}

impl<P: Parameters> Optimizer<P> for AdamW<P> {
    fn step(&mut self, params: &mut P, grads: &P) {
        self.inner.step(params, grads);
    }
    fn step_keeping(&mut self, params: &mut P, grads: &P, before: &mut P) -> bool {
        self.inner.step_keeping(params, grads, before)
    }
    fn reset(&mut self) {
        Optimizer::<P>::reset(&mut self.inner);
    }
}

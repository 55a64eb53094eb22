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

impl<P: Parameters> Adam<P> {
    /// One step; with `KEEP`, each parameter's value from before it goes to `before` and the
    /// result says whether every new value is finite (else it is `true`).
    #[inline(always)]
    fn update<const KEEP: bool>(
        &mut self,
        params: &mut P,
        grads: &P,
        mut before: Option<&mut P>,
    ) -> bool {
        self.t = self.t.saturating_add(1);
        let one = P::Scalar::one();
        let (lr, b1, b2, eps, wd) = (
            self.lr,
            self.beta1,
            self.beta2,
            self.epsilon,
            self.weight_decay,
        );
        let correct1 = one - b1.powi(self.t);
        let correct2 = one - b2.powi(self.t);
        let decoupled = self.decoupled;
        let mut ok = true;
        for k in 0..P::TENSORS.len() {
            let g = grads.tensor(k);
            let m = self.m.tensor_mut(k);
            let v = self.v.tensor_mut(k);
            let mut keep = before.as_deref_mut().map(|b| b.tensor_mut(k).iter_mut());
            for (((p, &g), m), v) in params.tensor_mut(k).iter_mut().zip(g).zip(m).zip(v) {
                if KEEP {
                    if let Some(b) = keep.as_mut().and_then(Iterator::next) {
                        *b = *p;
                    }
                }
                let g = if decoupled {
                    *p = *p - lr * wd * *p;
                    g
                } else {
                    g + wd * *p
                };
                *m = b1 * *m + (one - b1) * g;
                *v = b2 * *v + (one - b2) * g * g;
                let m_hat = *m / correct1;
                let v_hat = *v / correct2;
                *p = *p - lr * m_hat / (crate::math::sqrt(v_hat) + eps);
                if KEEP {
                    ok &= p.is_finite();
                }
            }
        }
        ok
    }
}

impl<P: Parameters> Optimizer<P> for Adam<P> {
    fn step(&mut self, params: &mut P, grads: &P) {
        self.update::<false>(params, grads, None);
    }
    fn step_keeping(&mut self, params: &mut P, grads: &P, before: &mut P) -> bool {
        self.update::<true>(params, grads, Some(before))
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

//! Loss functions: a value and its gradient with respect to the prediction.
//!
//! Every loss implements [`Loss<O, Y>`] for a prediction `O` (a scalar, `[T; N]` or
//! `[[T; N]; M]`, see [`Tensor`]) and a target `Y` (of the same type unless stated). Element-wise
//! losses **sum** over the elements of one sample (except [`MeanSquaredError`], which averages);
//! the [`Trainer`](crate::Trainer) averages over samples, so the data-set cost is
//! `J(θ) = (1/m) Σᵢ L(h(xᵢ), yᵢ)`.
//!
//! | loss | L(ŷ, y) per element | ∂L/∂ŷ |
//! |---|---|---|
//! | [`HalfSquaredError`] | ½(y − ŷ)² | ŷ − y |
//! | [`SquaredError`] | (y − ŷ)² | 2(ŷ − y) |
//! | [`MeanSquaredError`] | (1/n) Σ (y − ŷ)² | 2(ŷ − y)/n |
//! | [`AbsoluteError`] (L1) | \|ŷ − y\| | sign(ŷ − y) |
//! | [`Huber`] | ½(y − ŷ)² if \|y − ŷ\| ≤ δ, else δ\|y − ŷ\| − ½δ² | ŷ − y inside, ±δ outside |
//! | [`BinaryCrossEntropy`] | −(y ln ŷ + (1 − y) ln(1 − ŷ)) | −y/ŷ + (1 − y)/(1 − ŷ) |
//! | [`BinaryCrossEntropyWithLogits`] | the same with ŷ = σ(z) | σ(z) − y |
//! | [`SoftmaxCrossEntropy`] | −Σₖ yₖ ln softmax(z)ₖ | softmax(z) − y |
//! | [`Hinge`] | max(0, 1 − y ŷ), y ∈ {−1, +1} | −y where y ŷ < 1, else 0 |
//! | [`Objective`] | ŷ: the network's output is its own loss (no target) | 1 |
//!
//! # NaN and infinities
//!
//! A NaN prediction or target gives a NaN value and a NaN gradient from every loss (the
//! clamping of [`BinaryCrossEntropy`] and the `max` of [`Hinge`] pass it on), so
//! [`evaluate`](crate::train::evaluate) returns NaN and the [`Trainer`](crate::Trainer) stops
//! with [`Error::NonFinite`](crate::Error) rather than scoring it as a finite loss. Infinite
//! predictions give the limits: ±∞ for the unbounded losses, the exact limit where it is finite
//! (the logit losses at ±∞: `BinaryCrossEntropyWithLogits` of (+∞, y = 1) is 0,
//! `SoftmaxCrossEntropy` of a +∞ logit in the target class is 0), and NaN only where the
//! value is undefined. Every loss is finite at ±1000.
//!
//! ```
//! use nn_runtime::loss::{HalfSquaredError, Loss};
//! // The world's smallest network: ŷ = 10.5 for y = 10.1.
//! let l = HalfSquaredError;
//! assert!((Loss::<f64>::value(&l, &10.5, &10.1) - 0.08).abs() < 1e-12);
//! assert!((l.gradient(&10.5_f64, &10.1) - 0.4).abs() < 1e-12); // −(y − ŷ)
//! ```

use num_traits::{Float, One, Zero};

use crate::math::{lit, max, minus_max, relu, sigmoid, sign};
use crate::tensor::{Real, Tensor};

/// A loss: how far a prediction `O` is from a target `Y`, and which way to move the prediction.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a loss of a `{O}` prediction against a `{Y}` target",
    label = "this loss does not compare a `{O}` output with a `{Y}` target",
    note = "element-wise losses (`HalfSquaredError`, `MeanSquaredError`, `BinaryCrossEntropy`, …) take a target of the output's type; `SoftmaxCrossEntropy` takes a class index `usize` or a one-hot array for an array output; `Objective` takes `()`, for a network whose output is its own loss",
    note = "the target type comes from the data set's samples: check that they are (input, target) pairs with the target the loss expects"
)]
pub trait Loss<O: Tensor, Y = O> {
    /// Whether the loss expects logits, the values before a softmax or sigmoid, which it
    /// applies itself; the [`Trainer`](crate::Trainer) then refuses a network whose output is
    /// a softmax or a sigmoid already ([`Network::OUTPUT`](crate::Network::OUTPUT)).
    const LOGITS: bool = false;
    /// The loss of one prediction.
    fn value(&self, prediction: &O, target: &Y) -> O::Scalar;
    /// ∂L/∂prediction, of the prediction's shape.
    fn gradient(&self, prediction: &O, target: &Y) -> O;
    /// Both at once (implementations may share work between them).
    fn value_and_gradient(&self, prediction: &O, target: &Y) -> (O::Scalar, O) {
        (
            self.value(prediction, target),
            self.gradient(prediction, target),
        )
    }
    /// [`value_and_gradient`](Loss::value_and_gradient) for a caller that rejects a
    /// non-finite value before it uses the gradient, as the [`Trainer`](crate::Trainer) does
    /// (it stops with [`Error::NonFinite`](crate::Error) and does not step): the gradient may
    /// differ where the value is not finite. The default is `value_and_gradient`.
    /// [`Objective`] gives the constant 1, which the compiler folds into the backward pass,
    /// where its `gradient` passes a NaN on.
    #[inline]
    fn value_and_gradient_where_finite(&self, prediction: &O, target: &Y) -> (O::Scalar, O) {
        self.value_and_gradient(prediction, target)
    }
}

/// Sums `f(ŷᵢ, yᵢ)` over the elements.
#[inline]
fn sum_elements<O: Tensor>(
    p: &O,
    y: &O,
    f: impl Fn(O::Scalar, O::Scalar) -> O::Scalar,
) -> O::Scalar {
    p.flat()
        .iter()
        .zip(y.flat())
        .fold(O::Scalar::zero(), |acc, (&p, &y)| acc + f(p, y))
}

/// The tensor of `f(ŷᵢ, yᵢ)`.
#[inline]
fn map_elements<O: Tensor>(p: &O, y: &O, f: impl Fn(O::Scalar, O::Scalar) -> O::Scalar) -> O {
    let mut out = O::zeros();
    for ((o, &p), &y) in out.flat_mut().iter_mut().zip(p.flat()).zip(y.flat()) {
        *o = f(p, y);
    }
    out
}

/// Declares an element-wise loss from its per-element value and derivative.
macro_rules! elementwise {
    ($ty:ty, |$s:ident, $p:ident, $y:ident| value: $value:expr, gradient: $grad:expr) => {
        elementwise!($ty, false, |$s, $p, $y| value: $value, gradient: $grad);
    };
    ($ty:ty, $logits:expr, |$s:ident, $p:ident, $y:ident| value: $value:expr, gradient: $grad:expr) => {
        impl<O: Tensor> Loss<O> for $ty {
            const LOGITS: bool = $logits;
            #[inline]
            fn value(&self, prediction: &O, target: &O) -> O::Scalar {
                let $s = self;
                sum_elements(prediction, target, |$p, $y| $value)
            }
            #[inline]
            fn gradient(&self, prediction: &O, target: &O) -> O {
                let $s = self;
                map_elements(prediction, target, |$p, $y| $grad)
            }
        }
    };
}

/// Squared error in the lecture's convention `L = ½(y − ŷ)²`, whose gradient is simply
/// `∂L/∂ŷ = −(y − ŷ) = ŷ − y` (the ½ cancels the 2 of the square).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct HalfSquaredError;
elementwise!(HalfSquaredError, |_s, p, y| value: lit::<O::Scalar>(0.5) * (y - p) * (y - p),
    gradient: p - y);

/// Squared error without the ½: `L = (y − ŷ)²`, `∂L/∂ŷ = −2(y − ŷ)`.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct SquaredError;
elementwise!(SquaredError, |_s, p, y| value: (y - p) * (y - p),
    gradient: lit::<O::Scalar>(2.0) * (p - y));

/// Mean squared error over the elements of one prediction: `L = (1/n) Σᵢ (yᵢ − ŷᵢ)²`,
/// `∂L/∂ŷᵢ = 2(ŷᵢ − yᵢ)/n`. For a scalar output it equals [`SquaredError`].
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct MeanSquaredError;

impl<O: Tensor> Loss<O> for MeanSquaredError {
    fn value(&self, prediction: &O, target: &O) -> O::Scalar {
        let n = lit::<O::Scalar>(O::LEN as f64);
        SquaredError.value(prediction, target) / n
    }
    fn gradient(&self, prediction: &O, target: &O) -> O {
        let scale = lit::<O::Scalar>(2.0 / O::LEN as f64);
        map_elements(prediction, target, |p, y| scale * (p - y))
    }
}

/// Absolute error (L1): `L = |ŷ − y|`, `∂L/∂ŷ = sign(ŷ − y)`: +1 when the prediction is too
/// big, −1 when too small, and 0 (a subgradient) when it is exact; NaN for a NaN prediction or
/// target (where PyTorch's `l1_loss` gradient is 0).
///
/// One widely used lecture slide prints the opposite sign; moving against *this* gradient is
/// what reduces the error.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct AbsoluteError;
elementwise!(AbsoluteError, |_s, p, y| value: (p - y).abs(), gradient: sign(p - y));

/// Huber loss with threshold δ > 0: quadratic (`½(y − ŷ)²`) for errors up to δ, linear
/// (`δ|y − ŷ| − ½δ²`) beyond, so outliers pull with a force of at most δ. An infinite error
/// gives +∞ and a gradient of ±δ; a NaN prediction or target gives NaN for both.
///
/// ```
/// use nn_runtime::loss::{Huber, Loss};
/// let h = Huber::new(1.0);
/// assert_eq!(Loss::<f64>::value(&h, &3.0, &0.0), 2.5); // 1·3 − ½
/// assert_eq!(h.gradient(&3.0_f64, &0.0), 1.0);        // +δ outside
/// assert_eq!(h.gradient(&0.5_f64, &0.0), 0.5);        // ŷ − y inside
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Huber<T> {
    /// Where the loss turns from quadratic to linear, in the prediction's float type.
    pub delta: T,
}

impl<T> Huber<T> {
    /// Huber loss with threshold `delta` (1.0 is the common choice).
    pub const fn new(delta: T) -> Self {
        Huber { delta }
    }
}

impl<O: Tensor> Loss<O> for Huber<O::Scalar> {
    #[inline]
    fn value(&self, prediction: &O, target: &O) -> O::Scalar {
        let (d, half) = (self.delta, lit::<O::Scalar>(0.5));
        sum_elements(prediction, target, |p, y| {
            let e = (y - p).abs();
            if e <= d {
                half * e * e
            } else {
                d * e - half * d * d
            }
        })
    }
    #[inline]
    fn gradient(&self, prediction: &O, target: &O) -> O {
        let d = self.delta;
        map_elements(prediction, target, |p, y| {
            let e = p - y;
            if e.abs() <= d {
                e
            } else {
                d * sign(e)
            }
        })
    }
}

/// Binary cross-entropy (logistic loss) of a probability ŷ ∈ (0, 1) and a target y ∈ [0, 1]:
/// `L = −(y ln ŷ + (1 − y) ln(1 − ŷ))`, `∂L/∂ŷ = −y/ŷ + (1 − y)/(1 − ŷ)`.
///
/// To stay finite, ŷ is first clamped to `[ε, 1 − ε]` with ε the float type's machine epsilon,
/// so a saturated sigmoid gives a large but finite loss (at most −ln ε: 36.04 in `f64`, 15.94
/// in `f32`; PyTorch's `binary_cross_entropy` instead clamps each logarithm at −100). A
/// prediction outside [0, 1], ±∞ included, is clamped the same way; a NaN prediction or target
/// gives NaN, value and gradient. After a sigmoid, prefer [`BinaryCrossEntropyWithLogits`] on
/// the pre-activation: exact, and stable everywhere.
///
/// ```
/// use nn_runtime::loss::{BinaryCrossEntropy, Loss};
/// let l = BinaryCrossEntropy;
/// assert_eq!(Loss::<f64>::value(&l, &1.0, &1.0), -(1.0 - f64::EPSILON).ln());
/// assert!(Loss::<f64>::value(&l, &f64::NAN, &1.0).is_nan());
/// assert!(l.gradient(&f64::NAN, &0.0_f64).is_nan());
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct BinaryCrossEntropy;

/// ŷ clamped to [ε, 1 − ε]; NaN stays NaN (where `max`/`min` would turn it into ε).
#[inline]
fn clamp_probability<T: Float>(p: T) -> T {
    let eps = T::epsilon();
    if p < eps {
        eps
    } else if p > T::one() - eps {
        T::one() - eps
    } else {
        p
    }
}

elementwise!(BinaryCrossEntropy, |_s, p, y| value: {
    let p = clamp_probability(p);
    -(y * p.ln() + (O::Scalar::one() - y) * (O::Scalar::one() - p).ln())
},
gradient: {
    let p = clamp_probability(p);
    -y / p + (O::Scalar::one() - y) / (O::Scalar::one() - p)
});

/// Binary cross-entropy of a logit z (the input of a sigmoid) and a target y ∈ [0, 1]:
/// `L = −(y ln σ(z) + (1 − y) ln(1 − σ(z))) = softplus(z) − y·z`, `∂L/∂z = σ(z) − y`:
/// the σ(1 − σ) factors cancel. Finite for every finite z.
///
/// At z = ±∞ the value is its limit, 0 where the exact loss tends to 0 ((+∞, y = 1) and
/// (−∞, y = 0)) and +∞ otherwise for y ∈ [0, 1], rather than ∞ − ∞ = NaN; the gradient is
/// σ(±∞) − y. A NaN logit or target gives NaN, value and gradient.
///
/// ```
/// use nn_runtime::loss::{BinaryCrossEntropyWithLogits, Loss};
/// let l = BinaryCrossEntropyWithLogits;
/// assert_eq!(Loss::<f64>::value(&l, &-1000.0, &1.0), 1000.0);
/// assert_eq!(l.gradient(&-1000.0_f64, &1.0), -1.0);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct BinaryCrossEntropyWithLogits;
elementwise!(BinaryCrossEntropyWithLogits, true, |_s, z, y| value: logit_cross_entropy(z, y),
    gradient: sigmoid(z) - y);

/// softplus(z) − y·z as max(z, 0) − y·z + ln(1 + e^−|z|), the first two terms as one product,
/// (1 − y)·z for z > 0 and y·(−z) otherwise: no cancellation between softplus(z) and y·z when
/// they nearly agree (z = 30, y = 1 gives e^−30 to the last digit, not 30.000…092 − 30), and
/// the limit at z = ±∞.
#[inline]
fn logit_cross_entropy<T: Float>(z: T, y: T) -> T {
    let (coefficient, magnitude) = if z > T::zero() {
        (T::one() - y, z)
    } else {
        (y, -z)
    };
    // A coefficient of 0 leaves 0, also at z = ±∞ where 0·∞ would be NaN; a NaN z still makes
    // the last term NaN, and a NaN y the coefficient.
    let linear = if coefficient == T::zero() {
        T::zero()
    } else {
        coefficient * magnitude
    };
    linear + (-z.abs()).exp().ln_1p()
}

/// Hinge loss of a score ŷ and a label y ∈ {−1, +1}: `L = max(0, 1 − y·ŷ)`,
/// `∂L/∂ŷ = −y` while the margin y·ŷ is below 1, else 0. A NaN score or label gives NaN, value
/// and gradient (where a `max` would give 0); an infinite score gives 0 or +∞.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Hinge;
elementwise!(Hinge, |_s, p, y| value: relu(O::Scalar::one() - y * p),
gradient: {
    let margin = y * p;
    if margin < O::Scalar::one() {
        -y
    } else if margin.is_nan() {
        margin
    } else {
        O::Scalar::zero()
    }
});

/// Softmax cross-entropy on logits z ∈ ℝᴺ (the scores *before* a softmax).
///
/// The target is either a **class index** (`usize`, as most data sets label classes) or a
/// **distribution** `[T; N]` (one-hot, or soft labels summing to 1); both are implemented:
/// `L = logsumexp(z) − Σₖ yₖ zₖ` and `∂L/∂z = softmax(z) − y`. Computed with the maximum logit
/// subtracted, so it is finite for any finite logits, and as ln Σₖ e^(zₖ − max) − (z_c − max),
/// so that the small loss of a confident prediction keeps its digits. A class index out of
/// range gives NaN, which the [`Trainer`](crate::Trainer) reports as an error.
///
/// A NaN logit (or target element) makes the value and every element of the gradient NaN.
/// Infinite logits give the limits: a +∞ logit takes the whole probability (shared among
/// several +∞ logits), so its class costs ln(their count), 0 for one, and any other class +∞;
/// a −∞ logit gets probability 0 (+∞ as the target class). Where PyTorch's `cross_entropy` gives
/// NaN for a +∞ logit, this gives those limits. Every logit −∞ gives NaN (an overflow, which the
/// [`Trainer`](crate::Trainer) reports).
///
/// ```
/// use nn_runtime::loss::{Loss, SoftmaxCrossEntropy};
/// let z = [1000.0_f64, 0.0, -1000.0];
/// assert_eq!(SoftmaxCrossEntropy.value(&z, &0usize), 0.0);
/// assert_eq!(SoftmaxCrossEntropy.gradient(&z, &1usize), [1.0, -1.0, 0.0]);
/// assert_eq!(SoftmaxCrossEntropy.value(&z, &[0.0, 1.0, 0.0]), 1000.0);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct SoftmaxCrossEntropy;

/// `max zₖ` (NaN if a logit is NaN) and `Σₖ e^(zₖ − max)` (each term 1 for a logit equal to
/// the maximum, +∞ included; NaN when every logit is −∞): the stable pieces of logsumexp and
/// softmax.
#[inline]
fn softmax_parts<T: Float>(z: &[T]) -> (T, T) {
    let max = max(z);
    let sum = z
        .iter()
        .fold(T::zero(), |s, &v| s + minus_max(v, max).exp());
    (max, sum)
}

/// ln softmax(z)ₖ = (zₖ − max) − ln sum, from [`softmax_parts`]: exact at the maximum however
/// small the other terms, and the limits with infinite logits (0 − ln(count) for +∞ logits,
/// −∞ for the others beside a +∞).
#[inline]
fn log_probability<T: Float>(z: T, max: T, sum: T) -> T {
    minus_max(z, max) - sum.ln()
}

impl<T: Real, const N: usize> Loss<[T; N], usize> for SoftmaxCrossEntropy {
    const LOGITS: bool = true;
    fn value(&self, logits: &[T; N], class: &usize) -> T {
        let (max, sum) = softmax_parts(logits);
        match logits.get(*class) {
            Some(&zc) => -log_probability(zc, max, sum),
            None => T::nan(),
        }
    }
    fn gradient(&self, logits: &[T; N], class: &usize) -> [T; N] {
        let (max, sum) = softmax_parts(logits);
        let mut g = [T::nan(); N];
        if *class < N {
            for (k, (g, &z)) in g.iter_mut().zip(logits).enumerate() {
                let hit = if k == *class { T::one() } else { T::zero() };
                *g = minus_max(z, max).exp() / sum - hit;
            }
        }
        g
    }
}

impl<T: Real, const N: usize> Loss<[T; N]> for SoftmaxCrossEntropy {
    const LOGITS: bool = true;
    fn value(&self, logits: &[T; N], target: &[T; N]) -> T {
        let (max, sum) = softmax_parts(logits);
        if max.is_nan() {
            // Also when every yₖ at a finite logit is 0, which the sum below would skip.
            return max;
        }
        // −Σ yₖ ln softmax(z)ₖ; skipping yₖ = 0 keeps 0·(−∞) out when a logit is −∞.
        logits.iter().zip(target).fold(T::zero(), |acc, (&z, &y)| {
            if y == T::zero() {
                acc
            } else {
                acc - y * log_probability(z, max, sum)
            }
        })
    }
    fn gradient(&self, logits: &[T; N], target: &[T; N]) -> [T; N] {
        let (max, sum) = softmax_parts(logits);
        let total = target.iter().fold(T::zero(), |s, &y| s + y);
        let mut g = [T::zero(); N];
        for ((g, &z), &y) in g.iter_mut().zip(logits).zip(target) {
            // For a distribution (Σy = 1) this is softmax(z) − y.
            *g = total * minus_max(z, max).exp() / sum - y;
        }
        g
    }
}

/// The loss of a network whose output *is* the loss: the value is the prediction itself and
/// the gradient ∂L/∂ŷ is 1, so the backward pass starts from the seed 1, as for the whole
/// objective differentiated at once.
///
/// It needs no target: the target type is `()`, and [`data::objective`](crate::data::objective)
/// makes a data set of inputs alone. For a `#[network(inputs(x, t))]` whose body ends in the
/// loss (`l = softplus(z) - t * z`), the inputs are the generated `Inputs` structs
/// (`logistic::Inputs { x: 1.0, t: 0.0 }`), so the targets of the data travel as inputs:
///
/// ```text
/// Trainer::new(Sgd::new(0.5), Objective).fit(&mut params, &data::objective(&samples))?;
/// ```
///
/// For scalar outputs of either float type. The value is in the units of the network's output;
/// the [`Trainer`](crate::Trainer) averages it over the samples as for any loss. A NaN output
/// gives a NaN value and gradient, an infinite one ±∞ and 1, and the Trainer stops with
/// [`Error::NonFinite`](crate::Error) on either.
///
/// ```
/// use nn_runtime::data::objective;
/// use nn_runtime::prelude::*;
/// use nn_runtime::toy::LogisticLoss; // the loss of a logistic unit, written by hand
///
/// # fn main() -> Result<(), nn_runtime::Error> {
/// // Each sample is (x, t): separable at x = 0.
/// let samples = [[-2.0, 0.0], [-1.0, 0.0], [1.0, 1.0], [2.0, 1.0]];
/// let mut unit = LogisticLoss { w: 0.0_f64, b: 0.0 };
/// Trainer::new(Sgd::new(0.5), Objective)
///     .epochs(100)
///     .fit(&mut unit, &objective(&samples))?;
/// assert!(unit.w > 2.0);
/// let mean = evaluate(&unit, &Objective, &objective(&samples))?;
/// assert!(mean < 0.1, "{mean}");
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Objective;

impl<T: Real> Loss<T, ()> for Objective {
    #[inline]
    fn value(&self, prediction: &T, _target: &()) -> T {
        *prediction
    }
    #[inline]
    fn gradient(&self, prediction: &T, _target: &()) -> T {
        if prediction.is_nan() {
            *prediction
        } else {
            T::one()
        }
    }
    /// (ŷ, 1): ∂L/∂L is 1 wherever the value is finite. A constant seed lets the compiler drop
    /// the backward pass's multiplications by it; with the NaN test, the seed waited for the
    /// forward pass's last value (XOR through the `Trainer`: 103 → 100 ns per step).
    #[inline]
    fn value_and_gradient_where_finite(&self, prediction: &T, _target: &()) -> (T, T) {
        (*prediction, T::one())
    }
}

//! The functions of the network language, generic over the float type.
//!
//! Generated forward and backward code calls these by name (`sigmoid(a1)`,
//! `relu_derivative(a1)`), so they read like the lecture. They work on `no_std` through
//! `num_traits::Float`, which uses `libm` there and the platform's math library under `std`.
//!
//! Derivatives that are algebra in the outputs (σ' = σ(1 − σ), tanh' = 1 − tanh², exp' = exp)
//! are written out in the generated code itself, reusing the forward value; the ones that
//! need a branch have a function here.
//!
//! # NaN and infinities
//!
//! Every function here returns NaN when its input is NaN, the derivative helpers included
//! (`relu_derivative(NaN)` is NaN, not 0), so that a NaN produced anywhere in a network reaches
//! the loss and the [`Trainer`](crate::Trainer) stops with [`Error::NonFinite`](crate::Error).
//! An infinite input gives the limit of the function where it has one (`sigmoid(−∞) = 0`,
//! `gelu(−∞) = 0`, `relu′(+∞) = 1`) and NaN only where the exact value is undefined
//! (`ln(−1)`, `sqrt(−∞)`). Each function's documentation says what it does with both.
//!
//! A dense layer over a whole mini-batch (rows are samples) has three matrix products:
//! [`matmul_batch`] (Z = X·Wᵀ), [`transpose_mul_batch`] (dX = dZ·W) and [`outer_add_batch`]
//! (dW += dZᵀ·X). They run as cache- and register-blocked kernels, with AVX2 and FMA chosen at
//! run time under the `simd` feature, and give the sums of the plain loops, in index order.
//!
//! ```
//! use nn_runtime::math::*;
//! assert_eq!(sigmoid(0.0_f64), 0.5);
//! assert_eq!(relu(-2.0_f32), 0.0);
//! assert_eq!(leaky_relu(-2.0_f64, 0.1), -0.2);
//! assert_eq!(step(0.5_f64, 0.0), 1.0);
//! ```

use num_traits::Float;

pub mod batch;
pub mod conv;
#[cfg(feature = "fast-activations")]
pub mod fast;
mod matvec;
mod rows;
mod trig;
mod vector;
#[doc(hidden)]
pub use batch::fused_multiply_add as batch_fused_multiply_add;
#[doc(hidden)]
pub use batch::portable as batch_portable;
pub use batch::{
    matmul_batch, matmul_batch_into, outer_add_batch, transpose_mul_batch, transpose_mul_batch_into,
};
pub use matvec::matvec;
pub use rows::{ByRef, Rows};
pub(crate) use trig::cos_turns;
pub use vector::{
    add_assign, dot, log_softmax, log_softmax_backward, mean, outer_add, softmax,
    softmax_and_log_softmax, softmax_backward, sum, transpose_mul,
};
pub(crate) use vector::{max, minus_max};

/// A numeric constant of the network in the float type `T` (used by generic networks).
///
/// Every finite `f64` converts to every `Float` type; should one not, the result is NaN, which
/// a training loop reports, rather than a panic.
#[inline(always)]
pub fn lit<T: Float>(value: f64) -> T {
    T::from(value).unwrap_or_else(T::nan)
}

/// `f(z)` when `T` is a 4-byte float (`f32`), else `None`: how a generic function takes an
/// `f32`-only path (the fast activations, the FPU's square root). For `T = f32` the conversions
/// are no-ops.
#[cfg(any(
    feature = "fast-activations",
    all(feature = "core-float-math", not(feature = "std"))
))]
#[inline(always)]
fn on_f32<T: Float>(z: T, f: impl FnOnce(f32) -> f32) -> Option<T> {
    if core::mem::size_of::<T>() != 4 {
        return None;
    }
    T::from(f(z.to_f32()?))
}

/// e^z of the activations: `math::fast::exp` for `f32` with the feature
/// `fast-activations`, else the platform's (or libm's).
#[inline(always)]
fn activation_exp<T: Float>(z: T) -> T {
    #[cfg(feature = "fast-activations")]
    if let Some(e) = on_f32(z, fast::exp) {
        return e;
    }
    z.exp()
}

/// The logistic sigmoid σ(z) = 1 / (1 + e^−z), computed without overflow for any z.
///
/// σ(−∞) = 0, σ(+∞) = 1, σ(NaN) = NaN. Generated code writes its derivative σ(1 − σ) from
/// the value.
#[inline]
pub fn sigmoid<T: Float>(z: T) -> T {
    if z >= T::zero() {
        T::one() / (T::one() + activation_exp(-z))
    } else {
        // e^z / (1 + e^z): the same value, but e^z cannot overflow for negative z.
        let e = activation_exp(z);
        e / (T::one() + e)
    }
}

/// The hyperbolic tangent: tanh(±∞) = ±1, tanh(NaN) = NaN. For `f32` with the feature
/// `fast-activations`, `math::fast::tanh` (within 7 ulp, relative error below 4.2·10⁻⁷).
#[inline]
pub fn tanh<T: Float>(z: T) -> T {
    #[cfg(feature = "fast-activations")]
    if let Some(t) = on_f32(z, fast::tanh) {
        return t;
    }
    z.tanh()
}

/// The rectified linear unit max(0, z).
///
/// relu(−∞) = 0, relu(+∞) = +∞, relu(NaN) = NaN; relu(−0) = −0. One comparison, which on
/// x86-64 compiles to one `maxss` (`maxps` over a vector) that passes a NaN on, where
/// `z.max(0)` would drop it.
#[inline]
pub fn relu<T: Float>(z: T) -> T {
    if z < T::zero() {
        T::zero()
    } else {
        z
    }
}

/// ReLU′(z): 1 where z > 0, else 0 (at the kink z = 0 the subgradient 0 is taken, as PyTorch
/// does); relu′(+∞) = 1, relu′(−∞) = 0, relu′(NaN) = NaN.
#[inline]
pub fn relu_derivative<T: Float>(z: T) -> T {
    // Two selects, not `if z > 0 {…} else if z.is_nan() {…}`: chained, the branches stayed
    // branches inside the generated loops and kept them scalar (the MNIST-1D CNN's training
    // step spent a quarter of its time here); as selects the loops vectorise.
    let slope = if z > T::zero() { T::one() } else { T::zero() };
    nan_or(z, slope)
}

/// `z` where it is NaN, else `value`: the NaN check of the piecewise functions, kept a select
/// of its own so that loops over them vectorise (see [`relu_derivative`]).
#[inline]
fn nan_or<T: Float>(z: T, value: T) -> T {
    if z.is_nan() {
        z
    } else {
        value
    }
}

/// The leaky ReLU max(αz, z) for 0 ≤ α ≤ 1: z where z > 0, else αz.
///
/// leaky_relu(+∞) = +∞, leaky_relu(−∞) = −∞ for α > 0 (NaN for α = 0, as 0·∞),
/// leaky_relu(NaN) = NaN.
#[inline]
pub fn leaky_relu<T: Float>(z: T, alpha: T) -> T {
    if z > T::zero() {
        z
    } else {
        alpha * z
    }
}

/// LeakyReLU′(z): 1 where z > 0, else α (α at the kink z = 0, as PyTorch takes it);
/// 1 at +∞, α at −∞, NaN at NaN.
#[inline]
pub fn leaky_relu_derivative<T: Float>(z: T, alpha: T) -> T {
    let slope = if z > T::zero() { T::one() } else { alpha };
    nan_or(z, slope)
}

/// The perceptron's step function: 1 where z > threshold, else 0 (so 0 at the threshold
/// itself); step(+∞) = 1, step(−∞) = 0, step(NaN) = NaN.
#[inline]
pub fn step<T: Float>(z: T, threshold: T) -> T {
    let value = if z > threshold { T::one() } else { T::zero() };
    nan_or(z, value)
}

/// step′(z) = 0 for every z but NaN, ±∞ included (undefined at the threshold itself, where 0
/// is taken); step′(NaN) = NaN.
///
/// This is why gradient descent cannot train a perceptron: every gradient that flows through
/// a step is multiplied by this zero. Generated code calls it, rather than dropping the path,
/// so that the zero stays visible in the backward pass, and so that a NaN input still reaches
/// the gradient.
#[inline]
pub fn step_derivative<T: Float>(z: T) -> T {
    nan_or(z, T::zero())
}

/// e^z: e^−∞ = 0, e^+∞ = +∞, e^NaN = NaN; +∞ once e^z exceeds the float type's range (z above
/// about 88.7 in `f32`, 709.8 in `f64`). Generated code writes its derivative as the value.
///
/// For `f32` with the feature `fast-activations`, `math::fast::exp` (within 2 ulp);
/// so are [`sigmoid`] and [`softplus`].
#[inline]
pub fn exp<T: Float>(z: T) -> T {
    activation_exp(z)
}

/// The natural logarithm: NaN for z < 0 (−∞ included) and for NaN, −∞ at ±0, +∞ at +∞.
/// Generated code writes its derivative as 1/z.
#[inline]
pub fn ln<T: Float>(z: T) -> T {
    z.ln()
}

/// The square root: NaN for z < 0 (−∞ included) and for NaN, +∞ at +∞. Generated code
/// writes its derivative as 0.5/√z (+∞ at 0). The optimizers (Adam, RMSProp, AdaGrad, the
/// gradient norm) and initialisers take their square roots here.
///
/// With the feature `core-float-math` and without `std`, an `f32` goes through
/// `core::f32::math::sqrt`, the FPU's square root instruction where the target has one;
/// otherwise `Float::sqrt` (the platform's under `std`, libm's software one without). Both are
/// correctly rounded, so the value is the same.
#[inline]
pub fn sqrt<T: Float>(z: T) -> T {
    #[cfg(all(feature = "core-float-math", not(feature = "std")))]
    if let Some(r) = on_f32(z, core::f32::math::sqrt) {
        return r;
    }
    z.sqrt()
}

/// The absolute value |z|: |±∞| = +∞, |NaN| = NaN. Its derivative is [`sign`].
#[inline]
pub fn abs<T: Float>(z: T) -> T {
    z.abs()
}

/// The sign of z as the derivative of |z| uses it: 1 for z > 0 (+∞ included), −1 for z < 0
/// (−∞ included), 0 at ±0 (the subgradient PyTorch takes), and NaN for NaN (where PyTorch's
/// `sign` gives 0).
#[inline]
pub fn sign<T: Float>(z: T) -> T {
    let up = if z > T::zero() { T::one() } else { T::zero() };
    let down = if z < T::zero() { T::one() } else { T::zero() };
    nan_or(z, up - down)
}

/// z raised to the integer power n, by repeated multiplication (a reciprocal for n < 0).
///
/// NaN for NaN, for every n (NaN⁰ too, which IEEE's `pown` and Rust's `powi` make 1; the
/// network language requires n ≠ 0 anyway). ±∞ and ±0 follow the signs of the powers:
/// (−∞)² = +∞, (−∞)⁻³ = −0, 0⁻³ = +∞, (−0)⁻³ = −∞; a result beyond the float type's range is
/// ±∞ (`f32`: (10⁻³⁰)⁻³ = +∞). Generated code writes its derivative as 2z for n = 2 and
/// n·zⁿ⁻¹ otherwise.
#[inline]
pub fn powi<T: Float>(z: T, n: i32) -> T {
    if n == 0 && z.is_nan() {
        z
    } else {
        z.powi(n)
    }
}

/// softplus(z) = ln(1 + e^z), computed as max(z, 0) + ln(1 + e^−|z|) so it never overflows:
/// softplus(1000) = 1000, softplus(−1000) = 0 (it underflows), softplus(+∞) = +∞,
/// softplus(−∞) = 0, softplus(NaN) = NaN. Its derivative is σ(z).
#[inline]
pub fn softplus<T: Float>(z: T) -> T {
    relu(z) + activation_exp(-z.abs()).ln_1p()
}

/// √(2/π), of the tanh approximation of GELU.
const GELU_SCALE: f64 = 0.797_884_560_802_865_4;
/// The cubic coefficient of the tanh approximation of GELU.
const GELU_CUBIC: f64 = 0.044_715;

/// The Gaussian error linear unit in its tanh approximation,
/// gelu(z) = ½z(1 + tanh(√(2/π)(z + 0.044715z³))) (Hendrycks & Gimpel, 2016; PyTorch's
/// `gelu(approximate="tanh")`). Within 1e-3 of the exact ½z(1 + erf(z/√2)) everywhere.
///
/// gelu(+∞) = +∞, gelu(−∞) = −0 (its limit, where PyTorch's formula gives −∞·0 = NaN),
/// gelu(NaN) = NaN. Below about z = −5.2 (`f32`) or −7.2 (`f64`) the tanh rounds to −1 and
/// the value to −0.
#[inline]
pub fn gelu<T: Float>(z: T) -> T {
    let u = lit::<T>(GELU_SCALE) * (z + lit::<T>(GELU_CUBIC) * z * z * z);
    let h = T::one() + u.tanh();
    if h == T::zero() {
        // tanh(u) = −1 only for negative z, where ½z·0 = −0: the same value, and for z = −∞
        // the limit rather than −∞·0 = NaN.
        -T::zero()
    } else {
        lit::<T>(0.5) * z * h
    }
}

/// gelu′(z) = ½(1 + t) + ½z(1 − t²)·√(2/π)(1 + 3·0.044715z²), t = tanh(√(2/π)(z + 0.044715z³)).
///
/// gelu′(+∞) = 1 and gelu′(−∞) = 0 (its limits, where PyTorch's formula gives NaN), and so
/// for every z where t rounds to ±1, even where z² overflows (|z| > 1.8·10¹⁹ in `f32`);
/// gelu′(NaN) = NaN.
#[inline]
pub fn gelu_derivative<T: Float>(z: T) -> T {
    let half = lit::<T>(0.5);
    let t = (lit::<T>(GELU_SCALE) * (z + lit::<T>(GELU_CUBIC) * z * z * z)).tanh();
    let flat = half * (T::one() + t);
    let curve = T::one() - t * t;
    if curve == T::zero() {
        // t = ±1: the second term is ½z·0·du, zero for finite z and du; skipped so that an
        // infinite z or du does not make it ∞·0 = NaN.
        flat
    } else {
        let du = lit::<T>(GELU_SCALE) * (T::one() + lit::<T>(3.0 * GELU_CUBIC) * z * z);
        flat + half * z * curve * du
    }
}

/// The sigmoid linear unit silu(z) = z·σ(z) (Elfwing et al., 2018), also called swish
/// (Ramachandran et al., 2017, with β = 1). Its derivative, σ(z) + silu(z)·(1 − σ(z)), is
/// [`silu_derivative`].
///
/// silu(+∞) = +∞, silu(−∞) = −0 (its limit, where z·σ(z) = −∞·0 = NaN; PyTorch gives NaN),
/// silu(NaN) = NaN. Below about z = −104 (`f32`) or −745 (`f64`) σ underflows and the value
/// is −0.
#[inline]
pub fn silu<T: Float>(z: T) -> T {
    let s = sigmoid(z);
    if s == T::zero() {
        // σ(z) = 0 only for very negative z, where z·0 = −0: the same value, and for
        // z = −∞ the limit rather than NaN.
        -T::zero()
    } else {
        z * s
    }
}

/// silu′(z) = σ(z)·(1 + z·(1 − σ(z))), PyTorch's formula, with the limits at the
/// infinities: silu′(+∞) = 1 and silu′(−∞) = 0 (where the formula gives ∞·0 = NaN, as
/// PyTorch does); silu′(NaN) = NaN.
///
/// Generated code calls it for silu′ (the form `a + σ(z)·(1 − a)` from the value a = silu(z)
/// would be NaN at z = +∞, ∞ − ∞).
#[inline]
pub fn silu_derivative<T: Float>(z: T) -> T {
    if z.is_infinite() {
        return if z > T::zero() { T::one() } else { T::zero() };
    }
    let s = sigmoid(z);
    s * (T::one() + z * (T::one() - s))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stable_at_extremes() {
        for z in [-1000.0_f64, -50.0, 0.0, 50.0, 1000.0] {
            assert!(sigmoid(z).is_finite(), "sigmoid({z})");
            assert!(softplus(z).is_finite(), "softplus({z})");
        }
        assert_eq!(sigmoid(-1000.0_f64), 0.0);
        assert_eq!(sigmoid(1000.0_f64), 1.0);
        assert_eq!(softplus(1000.0_f64), 1000.0);
        assert!((softplus(0.0_f64) - core::f64::consts::LN_2).abs() < 1e-15);
    }

    /// Values and derivatives from PyTorch 2.15 in f64: `F.gelu(z, approximate="tanh")`,
    /// `F.silu(z)` and their `autograd.grad`: (z, gelu, silu, gelu′, silu′).
    const PYTORCH: [(f64, f64, f64, f64, f64); 8] = [
        (
            -3.0,
            -0.0036373920817729943,
            -0.14227761953270035,
            -0.011584166630969648,
            -0.08810410601516962,
        ),
        (
            -1.0,
            -0.15880800939172324,
            -0.2689414213699951,
            -0.08296408384578252,
            0.07232948812851325,
        ),
        (0.0, 0.0, 0.0, 0.5, 0.5),
        (
            0.5,
            0.34571400982514394,
            0.3112296656009273,
            0.8673699035346424,
            0.7399611873026519,
        ),
        (
            1.0,
            0.8411919906082768,
            0.7310585786300049,
            1.0829640838457826,
            0.9276705118714869,
        ),
        (
            2.0,
            1.954597694087775,
            1.7615941559557646,
            1.0860992566236183,
            1.0907842487848955,
        ),
        (
            -20.0,
            -0.0,
            -4.122307236380407e-08,
            0.0,
            -3.9161918660646786e-08,
        ),
        (20.0, 20.0, 19.999999958776925, 1.0, 1.0000000391619202),
    ];

    #[test]
    fn gelu_and_silu_match_pytorch() {
        // PyTorch arranges gelu′ differently: its cancellation at z = −3 costs ~50 ulp.
        let close = |a: f64, b: f64| (a - b).abs() <= 1e-12 * b.abs().max(1e-300);
        for (z, g, s, dg, ds) in PYTORCH {
            assert!(close(gelu(z), g), "gelu({z}) = {}, PyTorch {g}", gelu(z));
            assert!(close(silu(z), s), "silu({z}) = {}, PyTorch {s}", silu(z));
            assert!(
                close(gelu_derivative(z), dg),
                "gelu′({z}) = {}, PyTorch {dg}",
                gelu_derivative(z)
            );
            // The derivative generated code writes for silu: σ(z) + a·(1 − σ(z)).
            let silu_derivative = silu(z) + sigmoid(z) * (1.0 - silu(z));
            assert!(
                close(silu_derivative, ds),
                "silu′({z}) = {silu_derivative}, PyTorch {ds}"
            );
        }
        for z in [-1000.0_f64, 1000.0] {
            assert!(gelu(z).is_finite() && silu(z).is_finite() && gelu_derivative(z).is_finite());
        }
    }

    #[test]
    fn piecewise_values() {
        assert_eq!(relu_derivative(0.0_f64), 0.0);
        assert_eq!(leaky_relu_derivative(-1.0_f64, 0.02), 0.02);
        assert_eq!(step(1.0_f64, 1.0), 0.0);
        assert_eq!(sign(-3.0_f32), -1.0);
        assert_eq!(lit::<f32>(0.5), 0.5);
    }
}

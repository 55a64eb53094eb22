//! Initialisers: seeded, reproducible starting values for every tensor of a network.
//!
//! `P::init(Xavier, seed)` (from the [`InitExt`] extension trait, implemented for every
//! [`Parameters`] type) fills each tensor according to its [`TensorInfo`]: for a matrix
//! `[[T; n]; m]` fan-in is n and fan-out m; a vector `[T; n]` counts as fan-in 1, fan-out n;
//! a scalar as 1 and 1. Random numbers come from xoshiro256++ (`rand_xoshiro`) seeded through
//! SplitMix64, so the same seed gives the same parameters on every run and target, up to the
//! last bit of the platform's `ln`/`cos`/`sqrt` used by the normal initialisers.
//!
//! ```
//! use nn_runtime::init::{InitExt, Xavier, Zeros};
//! use nn_runtime::toy::Xor221;
//!
//! let a = Xor221::<f32>::init(Xavier, 7);
//! assert_eq!(a, Xor221::init(Xavier, 7)); // reproducible
//! assert_ne!(a, Xor221::init(Xavier, 8));
//! // Per tensor: Xavier for weights, zeros for biases.
//! let b = Xor221::<f32>::init_each(7, |info| if info.name.starts_with('b') { &Zeros } else { &Xavier });
//! assert_eq!((b.b1, b.b2), ([0.0; 2], 0.0));
//! ```

use num_traits::Float;
use rand_core::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

use crate::math::lit;
use crate::network::{Parameters, TensorInfo};

/// The random generator behind the initialisers and the training loop's shuffle.
pub type DefaultRng = Xoshiro256PlusPlus;

/// A rule for the starting values of one tensor.
///
/// It is object safe, so one closure can pick different rules per tensor
/// (see [`InitExt::init_each`]).
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not an initialiser",
    label = "not a rule for starting values",
    note = "use one of `nn::init`'s rules (`Xavier`, `He`, `Normal::new(0.0, 0.1)`, `Uniform::new(-0.5, 0.5)`, `Constant(0.1)`, `Zeros`), or implement `Initializer`"
)]
pub trait Initializer {
    /// The next starting value for an element of the tensor described by `info`.
    fn sample(&self, info: &TensorInfo, rng: &mut dyn Rng) -> f64;
}

/// A uniform sample from [0, 1) with 53 random bits.
pub fn uniform01(rng: &mut dyn Rng) -> f64 {
    (rng.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// A standard normal sample (Box–Muller; one uniform pair per sample, for simplicity).
pub fn standard_normal(rng: &mut dyn Rng) -> f64 {
    // 1 − u lies in (0, 1], so its logarithm is finite.
    let u1 = 1.0 - uniform01(rng);
    let u2 = uniform01(rng);
    Float::sqrt(-2.0 * Float::ln(u1)) * Float::cos(core::f64::consts::TAU * u2)
}

/// Every value 0. (Symmetric: use it for biases, not for the weights of hidden layers.)
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Zeros;

impl Initializer for Zeros {
    fn sample(&self, _: &TensorInfo, _: &mut dyn Rng) -> f64 {
        0.0
    }
}

/// Every value the given constant.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Constant(pub f64);

impl Initializer for Constant {
    fn sample(&self, _: &TensorInfo, _: &mut dyn Rng) -> f64 {
        self.0
    }
}

/// Uniform on `[low, high)`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Uniform {
    /// Smallest value.
    pub low: f64,
    /// Bound of the largest value.
    pub high: f64,
}

impl Uniform {
    /// Uniform on `[low, high)`.
    pub const fn new(low: f64, high: f64) -> Self {
        Uniform { low, high }
    }
}

impl Initializer for Uniform {
    fn sample(&self, _: &TensorInfo, rng: &mut dyn Rng) -> f64 {
        self.low + (self.high - self.low) * uniform01(rng)
    }
}

/// Normal (Gaussian) with the given mean and standard deviation.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Normal {
    /// Mean.
    pub mean: f64,
    /// Standard deviation.
    pub std: f64,
}

impl Normal {
    /// Normal with mean `mean` and standard deviation `std`.
    pub const fn new(mean: f64, std: f64) -> Self {
        Normal { mean, std }
    }
}

impl Initializer for Normal {
    fn sample(&self, _: &TensorInfo, rng: &mut dyn Rng) -> f64 {
        self.mean + self.std * standard_normal(rng)
    }
}

/// Xavier/Glorot uniform (Glorot & Bengio, 2010): `U(−a, a)` with
/// `a = √(6 / (fan_in + fan_out))`, keeping the variance of activations and gradients alike
/// across tanh and sigmoid layers.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Xavier;

/// Xavier/Glorot normal: `N(0, 2 / (fan_in + fan_out))`.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct XavierNormal;

/// He/Kaiming normal (He et al., 2015): `N(0, 2 / fan_in)`, for ReLU layers.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct He;

/// He/Kaiming uniform: `U(−a, a)` with `a = √(6 / fan_in)`.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct HeUniform;

pub use Xavier as Glorot;
pub use XavierNormal as GlorotNormal;

fn fans(info: &TensorInfo) -> (f64, f64) {
    (info.fan_in().max(1) as f64, info.fan_out().max(1) as f64)
}

impl Initializer for Xavier {
    fn sample(&self, info: &TensorInfo, rng: &mut dyn Rng) -> f64 {
        let (fan_in, fan_out) = fans(info);
        let a = Float::sqrt(6.0 / (fan_in + fan_out));
        a * (2.0 * uniform01(rng) - 1.0)
    }
}

impl Initializer for XavierNormal {
    fn sample(&self, info: &TensorInfo, rng: &mut dyn Rng) -> f64 {
        let (fan_in, fan_out) = fans(info);
        Float::sqrt(2.0 / (fan_in + fan_out)) * standard_normal(rng)
    }
}

impl Initializer for He {
    fn sample(&self, info: &TensorInfo, rng: &mut dyn Rng) -> f64 {
        let (fan_in, _) = fans(info);
        Float::sqrt(2.0 / fan_in) * standard_normal(rng)
    }
}

impl Initializer for HeUniform {
    fn sample(&self, info: &TensorInfo, rng: &mut dyn Rng) -> f64 {
        let (fan_in, _) = fans(info);
        Float::sqrt(6.0 / fan_in) * (2.0 * uniform01(rng) - 1.0)
    }
}

/// Fills one tensor with samples of `scheme`.
fn fill<T: Float>(
    scheme: &dyn Initializer,
    info: &TensorInfo,
    values: &mut [T],
    rng: &mut dyn Rng,
) {
    for v in values {
        *v = lit(scheme.sample(info, rng));
    }
}

/// `P::init(scheme, seed)` for every parameter type `P`.
pub trait InitExt: Parameters {
    /// Parameters with every tensor filled by `scheme`, from a generator seeded with `seed`.
    fn init<I: Initializer>(scheme: I, seed: u64) -> Self {
        Self::init_with_rng(&scheme, &mut DefaultRng::seed_from_u64(seed))
    }

    /// Like [`InitExt::init`], drawing from a caller's generator.
    fn init_with_rng(scheme: &dyn Initializer, rng: &mut dyn Rng) -> Self {
        Self::init_each_with_rng(rng, |_| scheme)
    }

    /// Parameters with the scheme chosen per tensor by `choose`, for example Xavier for
    /// weights and zeros for biases.
    fn init_each<'a>(seed: u64, choose: impl FnMut(&TensorInfo) -> &'a dyn Initializer) -> Self {
        Self::init_each_with_rng(&mut DefaultRng::seed_from_u64(seed), choose)
    }

    /// Like [`InitExt::init_each`], drawing from a caller's generator.
    fn init_each_with_rng<'a>(
        rng: &mut dyn Rng,
        mut choose: impl FnMut(&TensorInfo) -> &'a dyn Initializer,
    ) -> Self {
        let mut p = Self::zeros();
        for (k, info) in Self::TENSORS.iter().enumerate() {
            fill(choose(info), info, p.tensor_mut(k), rng);
        }
        p
    }
}

impl<P: Parameters> InitExt for P {}

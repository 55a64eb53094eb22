//! Initialisers: seeded, reproducible starting values for every tensor of a network.
//!
//! `P::init(Xavier, seed)` (from the [`InitExt`] extension trait, implemented for every
//! [`Parameters`] type) fills each tensor according to its [`TensorInfo`]: for a matrix
//! `[[T; n]; m]` fan-in is n and fan-out m; a kernel bank `[[[T; k]; c_in]; c_out]` has fan-in
//! c_in·k and fan-out c_out·k (`[[[[T; k]; k]; c_in]; c_out]`: c_in·k² and c_out·k², as
//! PyTorch counts them); a vector `[T; n]` counts as fan-in 1, fan-out n, so that `He` or
//! `Xavier` on a bias draws from a wide distribution: give biases `Zeros` with
//! [`InitExt::init_each`]; a scalar counts as 1 and 1. Random numbers come from xoshiro256++ (`rand_xoshiro`) seeded through
//! SplitMix64, so the same seed gives the same parameters on every run and target, up to the
//! last bit of the platform's `ln`/`cos`/`sqrt` used by the normal initialisers. Samples are
//! computed in the network's float type: an `f32` network draws 24-bit uniforms and never
//! touches `f64`.
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

use crate::math::{cos_turns, lit};
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
pub trait Initializer<T> {
    /// The next starting value for an element of the tensor described by `info`, in the
    /// network's float type (an `f32` network is initialised without `f64` arithmetic).
    fn sample(&self, info: &TensorInfo, rng: &mut dyn Rng) -> T;
}

/// `n` as a float of type `T` (an integer conversion).
fn count<T: Float, N: num_traits::ToPrimitive>(n: N) -> T {
    T::from(n).unwrap_or_else(T::nan)
}

/// A uniform sample from [0, 1): 24 random bits for a 4-byte float (`f32`), 53 otherwise
/// (`f64`), the top bits of one 64-bit draw, so every value is exact.
pub fn uniform01<T: Float>(rng: &mut dyn Rng) -> T {
    let draw = rng.next_u64();
    if core::mem::size_of::<T>() == 4 {
        count::<T, u32>((draw >> 40) as u32) * lit(1.0 / (1u64 << 24) as f64)
    } else {
        count::<T, u64>(draw >> 11) * lit(1.0 / (1u64 << 53) as f64)
    }
}

/// A standard normal sample (Box–Muller; one uniform pair per sample, for simplicity). The
/// cosine of an `f32` sample is computed in `f32` (see `math::trig`), so it can differ from
/// libm's `cosf` in the last bit.
pub fn standard_normal<T: Float>(rng: &mut dyn Rng) -> T {
    // 1 − u lies in (0, 1], so its logarithm is finite.
    let u1 = T::one() - uniform01::<T>(rng);
    let u2 = uniform01::<T>(rng);
    (lit::<T>(-2.0) * u1.ln()).sqrt() * cos_turns(u2)
}

/// Every value 0. (Symmetric: use it for biases, not for the weights of hidden layers.)
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Zeros;

impl<T: Float> Initializer<T> for Zeros {
    fn sample(&self, _: &TensorInfo, _: &mut dyn Rng) -> T {
        T::zero()
    }
}

/// Every value the given constant.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Constant<T>(pub T);

impl<T: Float> Initializer<T> for Constant<T> {
    fn sample(&self, _: &TensorInfo, _: &mut dyn Rng) -> T {
        self.0
    }
}

/// Uniform on `[low, high)`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Uniform<T> {
    /// Smallest value.
    pub low: T,
    /// Bound of the largest value.
    pub high: T,
}

impl<T: Float> Uniform<T> {
    /// Uniform on `[low, high)`.
    pub const fn new(low: T, high: T) -> Self {
        Uniform { low, high }
    }
}

impl<T: Float> Initializer<T> for Uniform<T> {
    fn sample(&self, _: &TensorInfo, rng: &mut dyn Rng) -> T {
        self.low + (self.high - self.low) * uniform01::<T>(rng)
    }
}

/// Normal (Gaussian) with the given mean and standard deviation.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Normal<T> {
    /// Mean.
    pub mean: T,
    /// Standard deviation.
    pub std: T,
}

impl<T: Float> Normal<T> {
    /// Normal with mean `mean` and standard deviation `std`.
    pub const fn new(mean: T, std: T) -> Self {
        Normal { mean, std }
    }
}

impl<T: Float> Initializer<T> for Normal<T> {
    fn sample(&self, _: &TensorInfo, rng: &mut dyn Rng) -> T {
        self.mean + self.std * standard_normal::<T>(rng)
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

fn fans<T: Float>(info: &TensorInfo) -> (T, T) {
    (count(info.fan_in().max(1)), count(info.fan_out().max(1)))
}

/// A uniform sample from [−1, 1).
fn symmetric<T: Float>(rng: &mut dyn Rng) -> T {
    lit::<T>(2.0) * uniform01::<T>(rng) - T::one()
}

impl<T: Float> Initializer<T> for Xavier {
    fn sample(&self, info: &TensorInfo, rng: &mut dyn Rng) -> T {
        let (fan_in, fan_out) = fans::<T>(info);
        (lit::<T>(6.0) / (fan_in + fan_out)).sqrt() * symmetric::<T>(rng)
    }
}

impl<T: Float> Initializer<T> for XavierNormal {
    fn sample(&self, info: &TensorInfo, rng: &mut dyn Rng) -> T {
        let (fan_in, fan_out) = fans::<T>(info);
        (lit::<T>(2.0) / (fan_in + fan_out)).sqrt() * standard_normal::<T>(rng)
    }
}

impl<T: Float> Initializer<T> for He {
    fn sample(&self, info: &TensorInfo, rng: &mut dyn Rng) -> T {
        let (fan_in, _) = fans::<T>(info);
        (lit::<T>(2.0) / fan_in).sqrt() * standard_normal::<T>(rng)
    }
}

impl<T: Float> Initializer<T> for HeUniform {
    fn sample(&self, info: &TensorInfo, rng: &mut dyn Rng) -> T {
        let (fan_in, _) = fans::<T>(info);
        (lit::<T>(6.0) / fan_in).sqrt() * symmetric::<T>(rng)
    }
}

/// Fills one tensor with samples of `scheme`.
fn fill<T: Float>(
    scheme: &dyn Initializer<T>,
    info: &TensorInfo,
    values: &mut [T],
    rng: &mut dyn Rng,
) {
    for v in values {
        *v = scheme.sample(info, rng);
    }
}

/// `P::init(scheme, seed)` for every parameter type `P`.
pub trait InitExt: Parameters {
    /// Parameters with every tensor filled by `scheme`, from a generator seeded with `seed`.
    fn init<I: Initializer<Self::Scalar>>(scheme: I, seed: u64) -> Self {
        Self::init_with_rng(&scheme, &mut DefaultRng::seed_from_u64(seed))
    }

    /// Like [`InitExt::init`], drawing from a caller's generator.
    fn init_with_rng(scheme: &dyn Initializer<Self::Scalar>, rng: &mut dyn Rng) -> Self {
        Self::init_each_with_rng(rng, |_| scheme)
    }

    /// Parameters with the scheme chosen per tensor by `choose`, for example Xavier for
    /// weights and zeros for biases.
    fn init_each<'a>(
        seed: u64,
        choose: impl FnMut(&TensorInfo) -> &'a dyn Initializer<Self::Scalar>,
    ) -> Self
    where
        Self::Scalar: 'a,
    {
        Self::init_each_with_rng(&mut DefaultRng::seed_from_u64(seed), choose)
    }

    /// Like [`InitExt::init_each`], drawing from a caller's generator.
    fn init_each_with_rng<'a>(
        rng: &mut dyn Rng,
        mut choose: impl FnMut(&TensorInfo) -> &'a dyn Initializer<Self::Scalar>,
    ) -> Self
    where
        Self::Scalar: 'a,
    {
        let mut p = Self::zeros();
        for (k, info) in Self::TENSORS.iter().enumerate() {
            fill(choose(info), info, p.tensor_mut(k), rng);
        }
        p
    }
}

impl<P: Parameters> InitExt for P {}

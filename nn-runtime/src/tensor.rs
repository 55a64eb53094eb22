//! The float types and fixed-shape values that losses, metrics and weight files work on.
//!
//! [`Real`] is `f32` or `f64`: a [`Float`] that can also be printed as a Rust literal and
//! stored as little-endian bytes. [`Tensor`] is a network output or target of a fixed shape
//! (a scalar, `[T; N]` or `[[T; N]; M]`), viewable as one flat slice, so that one loss
//! implementation serves every shape.
//!
//! ```
//! use nn_runtime::Tensor;
//! let mut y = [[1.0_f32, 2.0], [3.0, 4.0]];
//! assert_eq!(y.flat(), &[1.0, 2.0, 3.0, 4.0]);
//! y.flat_mut()[3] = 0.0;
//! assert_eq!(y[1][1], 0.0);
//! assert_eq!(<[f64; 3]>::LEN, 3);
//! ```

use core::fmt::{Debug, Display};

use num_traits::Float;

mod sealed {
    pub trait Sealed {}
    impl Sealed for f32 {}
    impl Sealed for f64 {}
}

/// `f32` or `f64`: the float types a network can be trained, printed and saved in.
///
/// The trait is sealed; it exists so that [`Tensor`] can cover scalars and arrays without
/// overlapping implementations, and so that weights can be written as bytes and as source.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not `f32` or `f64`",
    label = "expected `f32` or `f64`, or a fixed-size array `[T; N]` or `[[T; N]; M]` of them",
    note = "networks, losses and optimizers compute with `f32` and `f64`; outputs and targets are those or arrays of a size known at compile time, which a `Vec` or a slice has not"
)]
pub trait Real: Float + Debug + Display + Default + Send + Sync + 'static + sealed::Sealed {
    /// The type's name as Rust source spells it: `"f32"` or `"f64"`.
    const NAME: &'static str;
    /// Size of one value in bytes: 4 or 8.
    const BYTES: usize;
    /// The IEEE 754 bit pattern, zero-extended to 64 bits.
    fn to_bits_u64(self) -> u64;
    /// The value with the given IEEE 754 bit pattern (the low [`Real::BYTES`] bytes are used).
    fn from_bits_u64(bits: u64) -> Self;
    /// This value converted to `f64` (exact for both types).
    fn to_f64_lossless(self) -> f64;
}

impl Real for f32 {
    const NAME: &'static str = "f32";
    const BYTES: usize = 4;
    #[inline]
    fn to_bits_u64(self) -> u64 {
        u64::from(self.to_bits())
    }
    #[inline]
    fn from_bits_u64(bits: u64) -> Self {
        // Truncation to the low 32 bits is the documented behaviour.
        f32::from_bits(bits as u32)
    }
    #[inline]
    fn to_f64_lossless(self) -> f64 {
        f64::from(self)
    }
}

impl Real for f64 {
    const NAME: &'static str = "f64";
    const BYTES: usize = 8;
    #[inline]
    fn to_bits_u64(self) -> u64 {
        self.to_bits()
    }
    #[inline]
    fn from_bits_u64(bits: u64) -> Self {
        f64::from_bits(bits)
    }
    #[inline]
    fn to_f64_lossless(self) -> f64 {
        self
    }
}

/// A value of a fixed shape made of [`Real`]s: a scalar, `[T; N]`, `[[T; N]; M]` or `[[[T; W]; H]; C]`
/// (the images of a 2-D convolution).
///
/// Network outputs and loss targets have these types; the flat views let losses and metrics
/// treat every shape alike, without allocating.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a tensor of fixed shape",
    label = "outputs and targets are `f32`/`f64`, `[T; N]`, `[[T; N]; M]` or `[[[T; W]; H]; C]`",
    note = "a network's output and a loss's prediction have a shape known at compile time; a `Vec` or a slice has none, and integers are not trained"
)]
pub trait Tensor: Copy {
    /// The element type.
    type Scalar: Real;
    /// Number of scalars.
    const LEN: usize;
    /// The value with every element zero.
    fn zeros() -> Self;
    /// The elements, row-major.
    fn flat(&self) -> &[Self::Scalar];
    /// The elements, row-major, mutably.
    fn flat_mut(&mut self) -> &mut [Self::Scalar];
}

impl<T: Real> Tensor for T {
    type Scalar = T;
    const LEN: usize = 1;
    #[inline]
    fn zeros() -> Self {
        T::zero()
    }
    #[inline]
    fn flat(&self) -> &[T] {
        core::slice::from_ref(self)
    }
    #[inline]
    fn flat_mut(&mut self) -> &mut [T] {
        core::slice::from_mut(self)
    }
}

impl<T: Real, const N: usize> Tensor for [T; N] {
    type Scalar = T;
    const LEN: usize = N;
    #[inline]
    fn zeros() -> Self {
        [T::zero(); N]
    }
    #[inline]
    fn flat(&self) -> &[T] {
        self
    }
    #[inline]
    fn flat_mut(&mut self) -> &mut [T] {
        self
    }
}

impl<T: Real, const N: usize, const M: usize> Tensor for [[T; N]; M] {
    type Scalar = T;
    const LEN: usize = N * M;
    #[inline]
    fn zeros() -> Self {
        [[T::zero(); N]; M]
    }
    #[inline]
    fn flat(&self) -> &[T] {
        self.as_flattened()
    }
    #[inline]
    fn flat_mut(&mut self) -> &mut [T] {
        self.as_flattened_mut()
    }
}

/// Images: `C` channels of `H` rows of `W` (the input of a 2-D convolution).
impl<T: Real, const W: usize, const H: usize, const C: usize> Tensor for [[[T; W]; H]; C] {
    type Scalar = T;
    const LEN: usize = W * H * C;
    #[inline]
    fn zeros() -> Self {
        [[[T::zero(); W]; H]; C]
    }
    #[inline]
    fn flat(&self) -> &[T] {
        self.as_flattened().as_flattened()
    }
    #[inline]
    fn flat_mut(&mut self) -> &mut [T] {
        self.as_flattened_mut().as_flattened_mut()
    }
}

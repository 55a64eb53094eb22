//! A cosine for the runtime's own use (the normal initialisers' Box–Muller transform and the
//! cosine schedule), computed in the float type alone.
//!
//! Why not `T::cos`: for `f32` without `std` that is libm's `cosf`, which computes in `f64`
//! inside (musl's algorithm), so an `f32` firmware that initialised a network or used a cosine
//! schedule linked ~5 KB of software double arithmetic on a Cortex-M4F, whose FPU has single
//! precision only. For `f64` (and any type that is not 4 bytes) `T::cos` is used unchanged, so
//! `f64` results are what they always were.

use num_traits::Float;

use super::lit;

/// cos(2π·u), for u in [0, 1] (a fraction of a turn).
///
/// For a 4-byte float: reduced by symmetry to x = 2πu′ in [0, π/4] and evaluated there by the
/// Taylor series of cos (to x¹⁰) or sin (to x¹¹), whose remainders are below 2·10⁻¹⁰; measured
/// against `f64::cos` over 10⁶ points, the error is below 1.2·10⁻⁷ (test
/// `cos_turns_f32_matches_f64`), about the rounding of the result.
#[inline]
pub(crate) fn cos_turns<T: Float>(u: T) -> T {
    if core::mem::size_of::<T>() != 4 {
        return (lit::<T>(core::f64::consts::TAU) * u).cos();
    }
    let half = lit::<T>(0.5);
    let quarter = lit::<T>(0.25);
    let eighth = lit::<T>(0.125);
    // cos(2π(1 − u)) = cos(2πu): u in [0, ½].
    let u = if u > half { T::one() - u } else { u };
    // cos(2π(½ − u)) = −cos(2πu): u in [0, ¼].
    let (u, sign) = if u > quarter {
        (half - u, -T::one())
    } else {
        (u, T::one())
    };
    // cos(2πu) = sin(2π(¼ − u)): the argument in [0, π/4].
    let tau = lit::<T>(core::f64::consts::TAU);
    let value = if u > eighth {
        sin_taylor(tau * (quarter - u))
    } else {
        cos_taylor(tau * u)
    };
    sign * value
}

/// cos x to x¹⁰, for |x| ≤ π/4 (Horner's rule in x²; every coefficient a literal, so that
/// nothing is converted at run time).
#[inline]
fn cos_taylor<T: Float>(x: T) -> T {
    let x2 = x * x;
    let p = lit::<T>(-1.0 / 3_628_800.0);
    let p = p * x2 + lit::<T>(1.0 / 40_320.0);
    let p = p * x2 + lit::<T>(-1.0 / 720.0);
    let p = p * x2 + lit::<T>(1.0 / 24.0);
    let p = p * x2 + lit::<T>(-0.5);
    p * x2 + T::one()
}

/// sin x to x¹¹, for |x| ≤ π/4.
#[inline]
fn sin_taylor<T: Float>(x: T) -> T {
    let x2 = x * x;
    let p = lit::<T>(-1.0 / 39_916_800.0);
    let p = p * x2 + lit::<T>(1.0 / 362_880.0);
    let p = p * x2 + lit::<T>(-1.0 / 5_040.0);
    let p = p * x2 + lit::<T>(1.0 / 120.0);
    let p = p * x2 + lit::<T>(-1.0 / 6.0);
    (p * x2 + T::one()) * x
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cos_turns_f32_matches_f64() {
        let mut worst = 0.0_f64;
        for i in 0..=1_000_000 {
            #[allow(clippy::cast_possible_truncation)]
            let u = (f64::from(i) / 1e6) as f32;
            let want = (core::f64::consts::TAU * f64::from(u)).cos();
            worst = worst.max((f64::from(cos_turns(u)) - want).abs());
        }
        assert!(worst < 1.2e-7, "{worst:e}");
        assert_eq!(cos_turns(0.0_f32), 1.0);
        assert_eq!(cos_turns(0.5_f32), -1.0);
        assert_eq!(cos_turns(1.0_f32), 1.0);
    }

    #[test]
    fn cos_turns_f64_is_the_platform_cos() {
        for u in [0.0, 0.1, 0.3, 0.5, 0.77, 1.0_f64] {
            assert_eq!(
                cos_turns(u).to_bits(),
                (core::f64::consts::TAU * u).cos().to_bits()
            );
        }
    }
}

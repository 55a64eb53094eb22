//! Fast `f32` exponential and hyperbolic tangent (feature `fast-activations`): polynomial and
//! rational approximations of the kind Cephes, Eigen and XLA use, in plain `f32` arithmetic
//! (no table, no libm call, no `f64`), for the activations of `f32` networks.
//!
//! Measured against the exactly rounded value (the `f64` function rounded to `f32`) over every
//! 256th `f32` of the whole input range and every `f32` of [0.5, 1) (test `fast_error_bounds`):
//!
//! | function | bound (ulp) | where the largest errors are |
//! |---|---|---|
//! | [`exp`] | 2 | everywhere alike (Cephes' polynomial on [−ln 2/2, ln 2/2]) |
//! | [`tanh`] | 7 | on [2, 8), where tanh is near 1 and an ulp is 6·10⁻⁸: the relative error is below 4.2·10⁻⁷ everywhere |
//!
//! NaN gives NaN; `exp` is +∞ above 88.72 and 0 below −103.97 (as libm's), `tanh` is ±1 at
//! ±∞.

/// log₂e.
const LOG2E: f32 = core::f32::consts::LOG2_E;
/// ln 2 in two parts (Cephes): the first has few bits, so n·`LN2_HI` is exact.
const LN2_HI: f32 = 0.693_359_4;
/// The rest of ln 2.
const LN2_LO: f32 = -2.121_944_4e-4;
/// 1.5·2²³: added and subtracted, it rounds a float of magnitude below 2²² to an integer.
const ROUNDER: f32 = 12_582_912.0;

/// e^x in `f32`, within 2 ulp: x = n·ln 2 + r with |r| ≤ ln 2/2, e^r by Cephes' degree-6
/// polynomial, times 2ⁿ built from its bits.
// Cephes' coefficients (`expf`), rounded to `f32` by the compiler.
#[allow(clippy::excessive_precision)]
#[inline]
pub fn exp(x: f32) -> f32 {
    if x.is_nan() {
        return x;
    }
    if x > 88.722_84 {
        return f32::INFINITY;
    }
    if x < -103.972_08 {
        return 0.0;
    }
    let n = (x * LOG2E + ROUNDER) - ROUNDER;
    let r = (x - n * LN2_HI) - n * LN2_LO;
    let p = 1.987_569_1e-4_f32;
    let p = p * r + 1.398_199_9e-3;
    let p = p * r + 8.333_452e-3;
    let p = p * r + 4.166_579_6e-2;
    let p = p * r + 1.666_666_5e-1;
    let p = p * r + 5.000_000_1e-1;
    let e = p * r * r + r + 1.0;
    // 2ⁿ in two steps, so that n from −150 to 128 stays within the normal exponents.
    #[allow(clippy::cast_possible_truncation)]
    let n = n as i32;
    let half = n / 2;
    e * power_of_two(half) * power_of_two(n - half)
}

/// 2ⁿ for n in −126..=127, from its bits.
#[inline(always)]
fn power_of_two(n: i32) -> f32 {
    #[allow(clippy::cast_sign_loss)]
    f32::from_bits(((n + 127) as u32) << 23)
}

/// Where [`tanh`]'s rational function stops: beyond, it returns its value there.
const TANH_CLAMP: f32 = 7.905_311;

/// tanh x in `f32`, within 7 ulp (relative error below 4.2·10⁻⁷): Eigen's rational approximation (an odd polynomial of degree
/// 13 over an even one of degree 6) on [−7.9, 7.9], x itself below 0.0004 in magnitude.
// Eigen's coefficients (`generic_fast_tanh_float`), rounded to `f32` by the compiler.
#[allow(clippy::excessive_precision)]
#[inline]
pub fn tanh(x: f32) -> f32 {
    if x.is_nan() {
        return x;
    }
    if x.abs() < 0.000_4 {
        return x;
    }
    let x = x.clamp(-TANH_CLAMP, TANH_CLAMP);
    let x2 = x * x;
    let p = -2.760_768_5e-16_f32;
    let p = p * x2 + 2.000_187_9e-13;
    let p = p * x2 - 8.604_671_5e-11;
    let p = p * x2 + 5.122_297e-8;
    let p = p * x2 + 1.485_722_4e-5;
    let p = p * x2 + 6.372_619_3e-4;
    let p = p * x2 + 4.893_524_6e-3;
    let q = 1.198_258_4e-6_f32;
    let q = q * x2 + 1.185_347e-4;
    let q = q * x2 + 2.268_434_6e-3;
    let q = q * x2 + 4.893_525e-3;
    x * p / q
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Distance in ulps between two finite `f32` (or equal infinities).
    fn ulps(a: f32, b: f32) -> u64 {
        if a == b {
            return 0;
        }
        let key = |x: f32| {
            let bits = i64::from(x.to_bits());
            if bits < 0x8000_0000 {
                bits
            } else {
                0x8000_0000 - bits
            }
        };
        key(a).abs_diff(key(b))
    }

    /// The largest error in ulps of `fast` against `exact` (in f64, rounded to f32) over the
    /// inputs given, and where.
    fn worst(
        inputs: impl Iterator<Item = f32>,
        fast: fn(f32) -> f32,
        exact: fn(f64) -> f64,
    ) -> (u64, f32) {
        let mut worst = (0, 0.0);
        for x in inputs {
            #[allow(clippy::cast_possible_truncation)]
            let want = exact(f64::from(x)) as f32;
            let got = fast(x);
            let e = ulps(got, want);
            if e > worst.0 {
                worst = (e, x);
            }
        }
        worst
    }

    /// Every 256th f32 from −∞ to +∞ (by bit pattern), and every f32 of [0.5, 1).
    fn inputs() -> impl Iterator<Item = f32> {
        let sparse = (0..u32::MAX / 256).map(|k| f32::from_bits(k * 256));
        let dense = (0.5_f32.to_bits()..1.0_f32.to_bits()).map(f32::from_bits);
        sparse.filter(|x| x.is_finite()).chain(dense)
    }

    #[test]
    fn fast_error_bounds() {
        let (e, at) = worst(inputs(), exp, f64::exp);
        assert!(e <= 2, "exp: {e} ulp at {at:e}");
        let (e, at) = worst(inputs(), tanh, f64::tanh);
        assert!(e <= 7, "tanh: {e} ulp at {at:e}");
    }

    #[test]
    fn special_values() {
        assert!(exp(f32::NAN).is_nan() && tanh(f32::NAN).is_nan());
        assert_eq!(exp(f32::INFINITY), f32::INFINITY);
        assert_eq!(exp(f32::NEG_INFINITY), 0.0);
        assert_eq!(exp(0.0), 1.0);
        assert_eq!(tanh(f32::INFINITY), 1.0);
        assert_eq!(tanh(f32::NEG_INFINITY), -1.0);
        assert_eq!(tanh(0.0), 0.0);
        assert_eq!(exp(89.0), f32::INFINITY);
        assert_eq!(exp(-104.0), 0.0);
    }
}

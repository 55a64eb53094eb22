//! Vector and matrix operations of the network language, and the whole-vector steps of the
//! backward pass.
//!
//! Shapes are const generics, so a length mismatch is a compile error and no function
//! here checks or panics. Every loop runs over fixed-size arrays, which lets the compiler
//! drop the bounds checks and vectorise.
//!
//! ```
//! use nn_runtime::math::*;
//! let w = [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]; // 3×2
//! let x = [1.0, -1.0];
//! let z: [f64; 3] = core::array::from_fn(|i| dot(&w[i], &x)); // W·x
//! assert_eq!(z, [-1.0, -1.0, -1.0]);
//! assert_eq!(transpose_mul(&w, &[1.0, 0.0, 1.0]), [6.0, 8.0]); // Wᵀ·v
//! ```

use num_traits::Float;

/// Number of independent partial sums in [`dot`] and [`sum`].
const LANES: usize = 8;

/// a·b = Σᵢ aᵢbᵢ.
///
/// Kept as eight independent partial sums over interleaved elements, added up at the end:
/// float addition is not associative, so a single running sum would force the compiler to
/// add one product at a time; independent sums let it use SIMD registers. The order of
/// additions is fixed, so the result is deterministic, and the same on every target (the
/// loop is written in two forms, below, which add the same numbers in the same order).
///
/// A NaN element gives NaN; so do ∞·0 and +∞ + (−∞), which have no value. Otherwise an
/// infinite product gives ±∞, and a sum beyond the float type's range overflows to ±∞.
#[inline]
pub fn dot<T: Float, const N: usize>(a: &[T; N], b: &[T; N]) -> T {
    let mut acc = Lanes::zero();
    let mut i = 0;
    if VECTOR_UNITS {
        // The partial sums as an array, updated by a loop over the eight lanes of each chunk:
        // at opt-level 3 (the release profile) it becomes one or two vector registers, and
        // measured faster on x86-64 than the named form or an index loop (per-sample forward
        // of 64-32-10: 449 ns against 475 and 515; 256-256-10: 10.2 µs against 11.1–12.8).
        let mut lanes = [T::zero(); LANES];
        let chunks = N / LANES * LANES;
        for (ca, cb) in a[..chunks]
            .chunks_exact(LANES)
            .zip(b[..chunks].chunks_exact(LANES))
        {
            for k in 0..LANES {
                lanes[k] = lanes[k] + ca[k] * cb[k];
            }
        }
        i = chunks;
        acc = Lanes::from(lanes);
    } else {
        // The partial sums as eight named locals: on a microcontroller at opt-level "s" (not
        // unrolled, no vector registers) an array would be kept in memory, every product a
        // load and a store; these stay in registers. Indices rather than
        // `chunks_exact(8).zip(…)`, whose non-inlined generic division kept a divide-by-zero
        // panic (and the formatting machinery behind it) in every network; `i + 8 <= N` proves
        // every index in bounds.
        while i + LANES <= N {
            acc.add([
                a[i] * b[i],
                a[i + 1] * b[i + 1],
                a[i + 2] * b[i + 2],
                a[i + 3] * b[i + 3],
                a[i + 4] * b[i + 4],
                a[i + 5] * b[i + 5],
                a[i + 6] * b[i + 6],
                a[i + 7] * b[i + 7],
            ]);
            i += LANES;
        }
    }
    let mut tail = T::zero();
    while i < N {
        tail = tail + a[i] * b[i];
        i += 1;
    }
    acc.reduce() + tail
}

/// Whether the target has vector registers that a loop over an array of partial sums is
/// compiled into (x86, x86-64, AArch64): there [`dot`] and [`sum`] keep their partial sums in
/// an array, elsewhere in eight named locals. Both forms add in the same order.
const VECTOR_UNITS: bool = cfg!(any(
    target_arch = "x86",
    target_arch = "x86_64",
    target_arch = "aarch64"
));

/// Σᵢ vᵢ, with the same fixed order of partial sums as [`dot`] (and its two forms).
///
/// NaN if an element is NaN or if both +∞ and −∞ occur; ±∞ if an element is, or if the sum
/// overflows.
#[inline]
pub fn sum<T: Float, const N: usize>(v: &[T; N]) -> T {
    let mut acc = Lanes::zero();
    let mut i = 0;
    if VECTOR_UNITS {
        let mut lanes = [T::zero(); LANES];
        let chunks = N / LANES * LANES;
        for c in v[..chunks].chunks_exact(LANES) {
            for k in 0..LANES {
                lanes[k] = lanes[k] + c[k];
            }
        }
        i = chunks;
        acc = Lanes::from(lanes);
    } else {
        while i + LANES <= N {
            acc.add([
                v[i],
                v[i + 1],
                v[i + 2],
                v[i + 3],
                v[i + 4],
                v[i + 5],
                v[i + 6],
                v[i + 7],
            ]);
            i += LANES;
        }
    }
    let mut tail = T::zero();
    while i < N {
        tail = tail + v[i];
        i += 1;
    }
    acc.reduce() + tail
}

/// The eight partial sums of [`dot`] and [`sum`], as eight locals: they stay in registers at
/// every opt-level, where an array indexed inside a loop is kept in memory unless the loop is
/// unrolled (at opt-level "s", the one firmware uses, it is not: every product was a load and
/// a store).
#[derive(Clone, Copy)]
struct Lanes<T> {
    s0: T,
    s1: T,
    s2: T,
    s3: T,
    s4: T,
    s5: T,
    s6: T,
    s7: T,
}

impl<T: Float> From<[T; LANES]> for Lanes<T> {
    #[inline(always)]
    fn from([s0, s1, s2, s3, s4, s5, s6, s7]: [T; LANES]) -> Self {
        Lanes {
            s0,
            s1,
            s2,
            s3,
            s4,
            s5,
            s6,
            s7,
        }
    }
}

impl<T: Float> Lanes<T> {
    #[inline(always)]
    fn zero() -> Self {
        let z = T::zero();
        Lanes {
            s0: z,
            s1: z,
            s2: z,
            s3: z,
            s4: z,
            s5: z,
            s6: z,
            s7: z,
        }
    }

    /// Adds one term to each partial sum.
    #[inline(always)]
    fn add(&mut self, [t0, t1, t2, t3, t4, t5, t6, t7]: [T; LANES]) {
        self.s0 = self.s0 + t0;
        self.s1 = self.s1 + t1;
        self.s2 = self.s2 + t2;
        self.s3 = self.s3 + t3;
        self.s4 = self.s4 + t4;
        self.s5 = self.s5 + t5;
        self.s6 = self.s6 + t6;
        self.s7 = self.s7 + t7;
    }

    /// The partial sums added pairwise: ((s0 + s4) + (s2 + s6)) + ((s1 + s5) + (s3 + s7)).
    #[inline(always)]
    fn reduce(self) -> T {
        let (a, b, c, d) = (
            self.s0 + self.s4,
            self.s1 + self.s5,
            self.s2 + self.s6,
            self.s3 + self.s7,
        );
        (a + c) + (b + d)
    }
}

/// The mean of the elements, [`sum`] / N: NaN and ±∞ as [`sum`] gives them (so a sum that
/// overflows is ±∞ even where the mean itself would be representable).
#[inline]
pub fn mean<T: Float, const N: usize>(v: &[T; N]) -> T {
    sum(v) / super::lit(N as f64)
}

/// The largest element, or NaN if any element is NaN (unlike `f64::max`, which would drop
/// it); −∞ for N = 0.
#[inline]
pub(crate) fn max<T: Float>(v: &[T]) -> T {
    v.iter().fold(T::neg_infinity(), |m, &x| {
        // Once m is NaN, `x > m` is false and m stays NaN.
        if x > m || x.is_nan() {
            x
        } else {
            m
        }
    })
}

/// z − m for the maximum m of a vector that z belongs to: 0 for z = +∞ (so m = +∞ too), where
/// z − m would be ∞ − ∞ = NaN; otherwise exactly `z - m`, NaN when every element is −∞.
#[inline(always)]
pub(crate) fn minus_max<T: Float>(z: T, m: T) -> T {
    if z == T::infinity() {
        T::zero()
    } else {
        z - m
    }
}

/// softmax(z)ᵢ = e^(zᵢ − max z) / Σⱼ e^(zⱼ − max z): shifted by the maximum, so that no
/// exponential overflows, whatever the inputs (±1000 included).
///
/// A NaN element makes every output NaN. Infinities give the limits: an element of −∞ gets 0
/// (if some element is larger), and elements of +∞ share the whole probability, every other
/// element getting 0. Every element −∞ gives NaN (0/0): an overflow, not a distribution.
///
/// ```
/// use nn_runtime::math::softmax;
/// assert_eq!(softmax(&[1000.0_f64, 0.0, -1000.0]), [1.0, 0.0, 0.0]);
/// assert_eq!(softmax(&[f64::INFINITY, 0.0, f64::NEG_INFINITY]), [1.0, 0.0, 0.0]);
/// assert!(softmax(&[1.0, f64::NAN, 2.0]).iter().all(|y| y.is_nan()));
/// ```
#[inline]
pub fn softmax<T: Float, const N: usize>(z: &[T; N]) -> [T; N] {
    let m = max(z);
    let mut e = [T::zero(); N];
    for (e, &z) in e.iter_mut().zip(z) {
        *e = minus_max(z, m).exp();
    }
    // The largest term is e⁰ = 1, so the sum is at least 1.
    let s = sum(&e);
    for e in &mut e {
        *e = *e / s;
    }
    e
}

/// log(softmax(z))ᵢ = (zᵢ − max z) − ln Σⱼ e^(zⱼ − max z): finite for any finite input, and
/// exact at the maximum even when the others are tiny beside it (no z − (max + small)).
///
/// A NaN element makes every output NaN. An element of −∞ gives −∞ (if some element is
/// larger); with elements of +∞, those give −ln(their count) and every other element −∞, the
/// logarithms of [`softmax`]'s limits. Every element −∞ gives NaN.
///
/// ```
/// let y = nn_runtime::math::log_softmax(&[1000.0_f64, 0.0, -1000.0]);
/// assert_eq!(y, [0.0, -1000.0, -2000.0]);
/// let y = nn_runtime::math::log_softmax(&[f64::INFINITY, 0.0]);
/// assert_eq!(y, [0.0, f64::NEG_INFINITY]);
/// ```
#[inline]
pub fn log_softmax<T: Float, const N: usize>(z: &[T; N]) -> [T; N] {
    let m = max(z);
    let mut e = [T::zero(); N];
    for (e, &z) in e.iter_mut().zip(z) {
        *e = minus_max(z, m).exp();
    }
    let log_sum = sum(&e).ln();
    let mut y = [T::zero(); N];
    for (y, &z) in y.iter_mut().zip(z) {
        *y = minus_max(z, m) - log_sum;
    }
    y
}

/// [`softmax`] and [`log_softmax`] of the same vector, bit for bit what each gives, from one
/// pass of exponentials: N `exp` and one `ln` instead of 2N and one.
///
/// What a network needs for a cross-entropy written in its body (`-sum(t * log_softmax(z))`):
/// the loss reads log_softmax(z) and its gradient, `softmax(z)·Σt − t`, reads softmax(z); the
/// generated batched functions call this. Before, the gradient read `exp(log_softmax(z))`: two
/// exponentials per logit, libm's `expf` 10 % of the 64-32-10 digits network's batched training
/// step on x86-64; with this, that step takes about 3 % less (`benches/peers`).
///
/// ```
/// use nn_runtime::math::{log_softmax, softmax, softmax_and_log_softmax};
/// let z = [1.0_f32, -2.0, 0.5];
/// assert_eq!(softmax_and_log_softmax(&z), (softmax(&z), log_softmax(&z)));
/// ```
// Always inlined where there are vector units: in the `Trainer`'s chunk of the digits step the
// compiler kept it a call per sample, returning the pair through memory (x86-64: its step
// 8.3-8.6 -> 7.7-7.9 us; the bare `gradient_batch` loop, where it was inlined, unchanged). On
// microcontrollers the compiler decides, as before: a copy of its loops at every call site
// costs flash.
#[cfg_attr(
    any(target_arch = "x86", target_arch = "x86_64", target_arch = "aarch64"),
    inline(always)
)]
#[cfg_attr(
    not(any(target_arch = "x86", target_arch = "x86_64", target_arch = "aarch64")),
    inline
)]
pub fn softmax_and_log_softmax<T: Float, const N: usize>(z: &[T; N]) -> ([T; N], [T; N]) {
    let m = max(z);
    let mut e = [T::zero(); N];
    for (e, &z) in e.iter_mut().zip(z) {
        *e = minus_max(z, m).exp();
    }
    let s = sum(&e);
    let log_sum = s.ln();
    let mut y = [T::zero(); N];
    for (y, &z) in y.iter_mut().zip(z) {
        *y = minus_max(z, m) - log_sum;
    }
    for e in &mut e {
        *e = *e / s;
    }
    (e, y)
}

/// ∂L/∂z from ∂L/∂y for y = softmax(z): the Jacobian diag(y) − y·yᵀ applied to `dy`,
/// which is yᵢ·(dyᵢ − Σⱼ dyⱼyⱼ). A NaN in `y` or `dy` makes the result NaN.
#[inline]
pub fn softmax_backward<T: Float, const N: usize>(y: &[T; N], dy: &[T; N]) -> [T; N] {
    let d = dot(dy, y);
    let mut dz = [T::zero(); N];
    for ((dz, &y), &dy) in dz.iter_mut().zip(y).zip(dy) {
        *dz = y * (dy - d);
    }
    dz
}

/// ∂L/∂z from ∂L/∂y for y = log_softmax(z): dyᵢ − softmax(z)ᵢ·Σⱼ dyⱼ, with
/// softmax(z) = e^y. A NaN in `y` or `dy` makes the result NaN.
#[inline]
pub fn log_softmax_backward<T: Float, const N: usize>(y: &[T; N], dy: &[T; N]) -> [T; N] {
    let s = sum(dy);
    let mut dz = [T::zero(); N];
    for ((dz, &y), &dy) in dz.iter_mut().zip(y).zip(dy) {
        *dz = dy - y.exp() * s;
    }
    dz
}

/// Wᵀ·v for W with R rows of C: what `x` receives from `z = W·x`, ∂L/∂x = Wᵀ·∂L/∂z.
/// Each output element is a sum, NaN if a NaN, ∞·0 or +∞ + −∞ enters it.
///
/// Walks W row by row (row r scaled by vᵣ, added to the result), so memory is read in order
/// and the inner loop vectorises. Every output element is the sum over r in row order,
/// `((0 + w₀꜀v₀) + w₁꜀v₁) + …`, whatever the shape.
///
/// Up to 64 columns the result stays in registers across rows. Wider results do not fit, and
/// would be loaded and stored once per row; there four rows are added per pass (the same
/// additions in the same order), which cuts that traffic by four: about 18 % less time for
/// 256 × 256 and 28 % for 10 × 256 (x86-64, default target).
#[inline]
pub fn transpose_mul<T: Float, const R: usize, const C: usize>(
    w: &[[T; C]; R],
    v: &[T; R],
) -> [T; C] {
    let mut out = [T::zero(); C];
    let (mut rows, mut vs) = (w.chunks_exact(1), v.chunks_exact(1));
    if C > 64 {
        let (mut rows4, mut vs4) = (w.chunks_exact(4), v.chunks_exact(4));
        for (r, s) in (&mut rows4).zip(&mut vs4) {
            let (v0, v1, v2, v3) = (s[0], s[1], s[2], s[3]);
            let quad = out.iter_mut().zip(&r[0]).zip(&r[1]).zip(&r[2]).zip(&r[3]);
            for ((((o, &a), &b), &c), &d) in quad {
                *o = *o + a * v0 + b * v1 + c * v2 + d * v3;
            }
        }
        rows = rows4.remainder().chunks_exact(1);
        vs = vs4.remainder().chunks_exact(1);
    }
    for (row, s) in rows.zip(vs) {
        let vr = s[0];
        for (o, &wrc) in out.iter_mut().zip(&row[0]) {
            *o = *o + wrc * vr;
        }
    }
    out
}

/// G += dy·xᵀ: what the matrix receives from `z = W·x`, ∂L/∂Wᵣc = ∂L/∂zᵣ·x꜀, added to the
/// gradient `g`. A NaN in `dy` (or `x`) makes its row (or column) of the added terms NaN.
#[inline]
pub fn outer_add<T: Float, const R: usize, const C: usize>(
    g: &mut [[T; C]; R],
    dy: &[T; R],
    x: &[T; C],
) {
    for (row, &d) in g.iter_mut().zip(dy) {
        for (gc, &xc) in row.iter_mut().zip(x) {
            *gc = *gc + d * xc;
        }
    }
}

/// a += b, elementwise (NaN where either element is NaN, or for +∞ + −∞).
#[inline]
pub fn add_assign<T: Float, const N: usize>(a: &mut [T; N], b: &[T; N]) {
    for (a, &b) in a.iter_mut().zip(b) {
        *a = *a + b;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dot_and_sum_match_the_definition_for_every_length_up_to_20() {
        fn check<const N: usize>() {
            let a: [f64; N] = core::array::from_fn(|i| i as f64 + 1.0);
            let b: [f64; N] = core::array::from_fn(|i| 0.5 - i as f64);
            let want: f64 = (0..N).map(|i| a[i] * b[i]).sum();
            assert_eq!(dot(&a, &b), want, "N = {N}");
            assert_eq!(sum(&a), (N * (N + 1) / 2) as f64, "N = {N}");
        }
        check::<1>();
        check::<7>();
        check::<8>();
        check::<9>();
        check::<16>();
        check::<20>();
    }

    #[test]
    fn softmax_is_stable_and_sums_to_one() {
        let y = softmax(&[1000.0_f32, 999.0, -1000.0]);
        assert!(y.iter().all(|v| v.is_finite()));
        assert!((y.iter().sum::<f32>() - 1.0).abs() < 1e-6);
        let l = log_softmax(&[-1000.0_f32, 1000.0]);
        assert_eq!(l, [-2000.0, 0.0]);
    }

    #[test]
    fn transpose_mul_adds_rows_in_order_for_every_shape() {
        // The four-row passes of wide results must give the row-by-row sums bit for bit.
        fn check<const R: usize, const C: usize>() {
            let w: [[f32; C]; R] = core::array::from_fn(|r| {
                core::array::from_fn(|c| ((r * 7 + c * 3) % 11) as f32 * 0.37 - 1.3)
            });
            let v: [f32; R] = core::array::from_fn(|r| (r % 5) as f32 * 0.71 - 0.9);
            let mut want = [0.0f32; C];
            for r in 0..R {
                for c in 0..C {
                    want[c] += w[r][c] * v[r];
                }
            }
            assert_eq!(transpose_mul(&w, &v), want, "{R} x {C}");
        }
        check::<1, 65>();
        check::<3, 100>();
        check::<4, 65>();
        check::<10, 256>();
        check::<13, 130>();
        check::<7, 64>();
        check::<2, 3>();
    }

    #[test]
    fn outer_and_transpose_products() {
        let mut g = [[0.0; 2]; 3];
        outer_add(&mut g, &[1.0, 2.0, 3.0], &[10.0, 20.0]);
        assert_eq!(g, [[10.0, 20.0], [20.0, 40.0], [30.0, 60.0]]);
        let w = [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]];
        assert_eq!(transpose_mul(&w, &[1.0, 1.0, 1.0]), [9.0, 12.0]);
    }
}

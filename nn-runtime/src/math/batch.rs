//! Matrix products over a whole mini-batch: one layer `z = W·x` for B samples at once, and
//! the two products of its backward pass.
//!
//! A batch is B rows, row `s` being sample `s`: an array `[[T; K]; B]`, or, for the input `X`
//! of [`matmul_batch`], [`matmul_batch_into`] and [`outer_add_batch`], any [`Rows`] (such as
//! rows held by reference, [`ByRef`](super::ByRef), as the `Trainer` has them). For the layer
//! `z = W·x` with `W: [[T; K]; M]` (M outputs, K inputs):
//!
//! | function | per sample | as matrices |
//! |---|---|---|
//! | [`matmul_batch`] | z = W·x | Z = X·Wᵀ |
//! | [`transpose_mul_batch`] | ∂L/∂x = Wᵀ·∂L/∂z | dX = dZ·W |
//! | [`outer_add_batch`] | ∂L/∂W += ∂L/∂z·xᵀ, summed over the batch | dW += dZᵀ·X |
//!
//! ```
//! use nn_runtime::math::*;
//! let w = [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]; // 3 outputs × 2 inputs
//! let x = [[1.0, -1.0], [0.5, 0.0]]; // two samples
//! assert_eq!(matmul_batch(&w, &x), [[-1.0, -1.0, -1.0], [0.5, 1.5, 2.5]]);
//!
//! let dz = [[1.0, 0.0, 1.0], [0.0, 2.0, 0.0]];
//! assert_eq!(transpose_mul_batch(&w, &dz), [[6.0, 8.0], [6.0, 8.0]]);
//! let mut g = [[0.0; 2]; 3];
//! outer_add_batch(&mut g, &dz, &x);
//! assert_eq!(g, [[1.0, -1.0], [1.0, 0.0], [1.0, -1.0]]);
//! ```
//!
//! # Results
//!
//! Every output element is one sum taken in index order:
//!
//! * `matmul_batch`: `z[s][i] = ((0 + w[i][0]·x[s][0]) + w[i][1]·x[s][1]) + …`;
//! * `transpose_mul_batch`: `dx[s][k] = ((0 + dz[s][0]·w[0][k]) + dz[s][1]·w[1][k]) + …`;
//! * `outer_add_batch`: `g[i][k] = g[i][k] + (((0 + dz[0][i]·x[0][k]) + dz[1][i]·x[1][k]) + …)`:
//!   the batch's sum first, then added to the gradient.
//!
//! On the portable path each term is a separate multiply and add (Rust never fuses them), so
//! the results equal the plain triple loops written in that order, whatever the shapes or the
//! tiling, and `transpose_mul_batch` gives bit for bit what [`transpose_mul`](super::transpose_mul)
//! gives for each sample. On the dispatched path (below) each term is one fused multiply-add:
//! the same sums with one rounding per term instead of two, so the last bits can differ from
//! the portable path's. Either way the results are the same on every run on one machine.
//! (`matmul_batch` also differs from [`dot`](super::dot) per sample in the last bits, as `dot`
//! keeps eight partial sums.)
//!
//! NaN and infinities follow the same sums: a NaN or ±∞ in one sample reaches exactly the
//! outputs whose sums contain it (NaN where a sum meets a NaN, ∞·0 or +∞ + −∞), and never
//! another sample's, although edge tiles compute on clamped rows and stale panel columns whose
//! results are discarded (`nn-runtime/tests/batch.rs` checks this on both paths).
//!
//! # Speed
//!
//! The products run as register tiles: 6 rows × 16 columns of `f32` accumulators (6 × 8 for
//! `f64`), each step multiplying one broadcast value per row with one contiguous 16-wide slab.
//! The operand read across the tile's columns is first copied into a contiguous panel on the
//! stack (transposed where needed). Row and column edges run on clamped rows and narrower or
//! partly stale panels whose extra results are discarded, so any size works, 1 included.
//!
//! With the `simd` feature (on by default, needs `std`), x86 processors with AVX2 and FMA run
//! the same code compiled for those instructions, chosen at run time through `pulp`: the
//! detection is cached, so the choice costs one load and a branch per call. Elsewhere, and
//! without the feature, the code is compiled for the target's baseline (SSE2 on x86-64), with
//! tiles sized for it. On one Zen 3 core, in f32, the 256 × 256 products at B = 64 run at
//! 70–77 GFLOP/s with AVX2 and 27–29 GFLOP/s on the baseline (`cargo bench -p nn-runtime
//! --bench batch`).
//!
//! Nothing allocates. Stack buffers: panels of 24 × K elements for `matmul_batch` and
//! 24 × M for `transpose_mul_batch`; `outer_add_batch` 24 × B for its panels and, with the
//! AVX2 path's tiles of 6 rows, 96 × B for packed rows of dZᵀ (16 tiles; 2 or 8 tiles for
//! layers that need no more; the baseline's tiles have 5 rows on x86-64, 4 elsewhere).

use num_traits::Float;

use super::Rows;

/// `kernel::<T, K, M, B>(args)` with the tile shape for `T`'s width out of `tiles` (a
/// `[(rows, columns, narrow columns); 2]` for 4-byte and 8-byte floats), fused multiply-adds
/// or not: the one place a kernel's tile is chosen.
macro_rules! with_tile {
    ($tiles:path, $fma:literal, $kernel:ident::<$t:ident, $k:ident, $m:ident, $b:ident>($($arg:expr),*)) => {
        if size_of::<$t>() <= 4 {
            $kernel::<$t, $k, $m, $b, { $tiles[0].0 }, { $tiles[0].1 }, { $tiles[0].2 }, $fma>($($arg),*)
        } else {
            $kernel::<$t, $k, $m, $b, { $tiles[1].0 }, { $tiles[1].1 }, { $tiles[1].2 }, $fma>($($arg),*)
        }
    };
}

/// Returns `$body` computed on the dispatched path if this processor has AVX2 and FMA
/// (x86-64-v3); otherwise, or without the feature `simd`, it falls through to the caller's next
/// statement, the portable path. `$body` names the path's tile shapes `TILES` (for
/// [`with_tile!`]); `pulp` compiles it for those instructions and checks for them once (a load
/// and a branch per call after).
macro_rules! dispatch {
    (|$tiles:ident| $body:expr) => {
        #[cfg(all(feature = "simd", any(target_arch = "x86", target_arch = "x86_64")))]
        if let Some(simd) = pulp::x86::V3::try_new() {
            return simd.vectorize(
                #[inline(always)]
                || {
                    const $tiles: [(usize, usize, usize); 2] = AVX2_TILES;
                    $body
                },
            );
        }
    };
}

/// Z = X·Wᵀ: every sample's `z = W·x`, `out[s][i] = Σₖ w[i][k]·x[s][k]`.
///
/// The forward pass of a dense layer over a batch (the bias is added separately). Each output
/// is the sum over k in order, `((0 + w[i][0]·x[s][0]) + w[i][1]·x[s][1]) + …`: the plain
/// triple loop (one fused multiply-add per term on the dispatched path; see the [module
/// docs](self)). It can differ in the last bits from [`dot`](super::dot), which keeps eight
/// partial sums.
///
/// ```
/// use nn_runtime::math::matmul_batch;
/// let w = [[1.0_f32, 0.0, -1.0], [2.0, 1.0, 0.0]]; // 2 outputs × 3 inputs
/// let x = [[1.0, 2.0, 3.0], [0.0, 1.0, 0.0], [-1.0, 0.0, 1.0], [2.0, 2.0, 2.0]]; // B = 4
/// let z = matmul_batch(&w, &x);
/// assert_eq!(z, [[-2.0, 4.0], [0.0, 1.0], [-2.0, -2.0], [0.0, 6.0]]);
/// ```
pub fn matmul_batch<T: Float, const K: usize, const M: usize, const B: usize>(
    w: &[[T; K]; M],
    x: &impl Rows<[T; K], B>,
) -> [[T; M]; B] {
    // Built inside the dispatched closure, the result is written straight into the caller's.
    dispatch!(|TILES| {
        let mut z = [[T::zero(); M]; B];
        with_tile!(TILES, true, matmul::<T, K, M, B>(&mut z, w, x));
        z
    });
    portable::matmul_batch(w, x)
}

/// [`matmul_batch`] written into `z` (every element is overwritten) rather than returned,
/// with the same sums: for a caller that keeps `z` from one call to the next, such as the
/// chunks of a batch's convolution (`math::conv`), which would otherwise copy every result
/// out of the function that built it.
///
/// ```
/// use nn_runtime::math::{matmul_batch, matmul_batch_into};
/// let w = [[1.0_f32, 0.0, -1.0], [2.0, 1.0, 0.0]];
/// let x = [[1.0, 2.0, 3.0], [0.0, 1.0, 0.0]];
/// let mut z = [[f32::NAN; 2]; 2];
/// matmul_batch_into(&mut z, &w, &x);
/// assert_eq!(z, matmul_batch(&w, &x));
/// ```
pub fn matmul_batch_into<T: Float, const K: usize, const M: usize, const B: usize>(
    z: &mut [[T; M]; B],
    w: &[[T; K]; M],
    x: &impl Rows<[T; K], B>,
) {
    dispatch!(|TILES| with_tile!(TILES, true, matmul::<T, K, M, B>(z, w, x)));
    portable::matmul_batch_into(z, w, x);
}

/// ∂L/∂x of every sample: `out[s][k] = Σᵢ dz[s][i]·w[i][k]`, i.e. Wᵀ·∂L/∂z per sample
/// (dX = dZ·W).
///
/// What the inputs of a dense layer receive in the backward pass. Each output is the sum over
/// i in order, so on the portable path each sample's result is bit for bit
/// [`transpose_mul(w, &dz[s])`](super::transpose_mul) (the dispatched path fuses each multiply
/// and add; see the [module docs](self)).
///
/// ```
/// use nn_runtime::math::{transpose_mul, transpose_mul_batch};
/// let w = [[1.0_f64, 2.0], [3.0, 4.0], [5.0, 6.0]]; // 3 outputs × 2 inputs
/// let dz = [[1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.5, 0.5, 0.5]]; // ∂L/∂z, B = 3
/// let dx = transpose_mul_batch(&w, &dz);
/// assert_eq!(dx, [[1.0, 2.0], [5.0, 6.0], [4.5, 6.0]]);
/// assert_eq!(dx[2], transpose_mul(&w, &dz[2]));
/// ```
pub fn transpose_mul_batch<T: Float, const K: usize, const M: usize, const B: usize>(
    w: &[[T; K]; M],
    dz: &[[T; M]; B],
) -> [[T; K]; B] {
    dispatch!(|TILES| {
        let mut dx = [[T::zero(); K]; B];
        with_tile!(TILES, true, transpose_mul::<T, K, M, B>(&mut dx, w, dz));
        dx
    });
    portable::transpose_mul_batch(w, dz)
}

/// [`transpose_mul_batch`] written into `dx` (every element is overwritten) rather than
/// returned; see [`matmul_batch_into`].
pub fn transpose_mul_batch_into<T: Float, const K: usize, const M: usize, const B: usize>(
    dx: &mut [[T; K]; B],
    w: &[[T; K]; M],
    dz: &[[T; M]; B],
) {
    dispatch!(|TILES| with_tile!(TILES, true, transpose_mul::<T, K, M, B>(dx, w, dz)));
    portable::transpose_mul_batch_into(dx, w, dz);
}

/// ∂L/∂W summed over the batch, added to the gradient `g`:
/// `g[i][k] += Σₛ dz[s][i]·x[s][k]` (dW += dZᵀ·X).
///
/// What the weights of a dense layer receive in the backward pass: the outer product
/// ∂L/∂z·xᵀ of every sample, summed. The batch's sum is taken first, over s in order, and then
/// added to `g` (which may hold other terms): `g[i][k] + (((0 + dz[0][i]·x[0][k]) +
/// dz[1][i]·x[1][k]) + …)`, the plain loop (one fused multiply-add per term on the dispatched
/// path; see the [module docs](self)). Calling [`outer_add`](super::outer_add) per sample adds
/// each term to `g` in turn instead, which can differ in the last bits.
///
/// ```
/// use nn_runtime::math::outer_add_batch;
/// let dz = [[1.0_f32, 0.0], [2.0, -1.0], [0.0, 3.0]]; // ∂L/∂z, 2 outputs, B = 3
/// let x = [[1.0, 1.0, 0.0], [0.5, 0.0, 1.0], [0.0, 2.0, 0.0]]; // 3 inputs
/// let mut g = [[10.0; 3]; 2];
/// outer_add_batch(&mut g, &dz, &x);
/// // g[i][k] = 10 + dz[0][i]·x[0][k] + dz[1][i]·x[1][k] + dz[2][i]·x[2][k]
/// assert_eq!(g, [[12.0, 11.0, 12.0], [9.5, 16.0, 9.0]]);
/// ```
pub fn outer_add_batch<T: Float, const K: usize, const M: usize, const B: usize>(
    g: &mut [[T; K]; M],
    dz: &[[T; M]; B],
    x: &impl Rows<[T; K], B>,
) {
    dispatch!(|TILES| with_tile!(TILES, true, outer_add::<T, K, M, B>(g, dz, x)));
    portable::outer_add_batch(g, dz, x);
}

/// Tile shapes of the AVX2 path, (rows, columns, narrow columns) for 4-byte and 8-byte floats:
/// 6 × 16 `f32` or 6 × 8 `f64` accumulators fill 12 of the 16 AVX registers.
///
/// There is no AVX-512 path: dispatched through `pulp`'s x86-64-v4 on a Zen 4, with tiles of
/// 6 × 32, 4 × 32, 6 × 16 and 12 × 16 `f32`, none ran the 256-256-10, 784-512-10 or MNIST-1D
/// CNN steps faster than these (the CNN's 1.1–1.2× slower, 12 × 16 spilled), Zen 4 splitting
/// each 512-bit multiply-add into two 256-bit halves; `benches/peers` measured it.
#[cfg(all(feature = "simd", any(target_arch = "x86", target_arch = "x86_64")))]
const AVX2_TILES: [(usize, usize, usize); 2] = [(6, 16, 8), (6, 8, 4)];

/// `f()`, compiled for AVX2 and FMA and run that way where the processor has them (feature
/// `simd`), else as the target's baseline: for elementwise passes over all the parameters,
/// such as [`Sgd`](crate::optim::Sgd)'s step in the `Trainer`, eight `f32` lanes instead of
/// SSE2's four. The results are the same (`f` must not call `mul_add`, which the baseline
/// computes in software).
#[inline(always)]
pub(crate) fn vectorized<R>(f: impl FnOnce() -> R) -> R {
    #[cfg(all(feature = "simd", any(target_arch = "x86", target_arch = "x86_64")))]
    if let Some(simd) = pulp::x86::V3::try_new() {
        return simd.vectorize(f);
    }
    f()
}

/// Whether [`matmul_batch`], [`transpose_mul_batch`] and [`outer_add_batch`] run on the
/// dispatched path on this machine (feature `simd`, an x86-64 processor with AVX2 and FMA),
/// where each term of a sum is one fused multiply-add (one rounding instead of two).
#[doc(hidden)]
pub fn fused_multiply_add() -> bool {
    #[cfg(all(feature = "simd", any(target_arch = "x86", target_arch = "x86_64")))]
    if pulp::x86::V3::try_new().is_some() {
        return true;
    }
    false
}

/// The three products compiled for the target's baseline only, never dispatched: what the
/// public functions run without the `simd` feature or without AVX2. Public for the tests and
/// benchmarks, which compare both paths; not part of the API.
#[doc(hidden)]
pub mod portable {
    use super::{matmul, outer_add, transpose_mul, Float, Rows};

    /// Tile shape of the baseline: (rows, columns, narrow columns) for 4-byte and 8-byte floats.
    #[cfg(target_feature = "avx")]
    const SHAPES: [(usize, usize, usize); 2] = [(6, 16, 8), (6, 8, 4)];
    /// Tile shape of the baseline: (rows, columns, narrow columns) for 4-byte and 8-byte floats.
    #[cfg(all(
        not(target_feature = "avx"),
        any(
            target_arch = "x86_64",
            target_feature = "sse2",
            target_arch = "aarch64",
            target_feature = "neon",
            target_feature = "simd128"
        )
    ))]
    const SHAPES: [(usize, usize, usize); 2] = [(5, 8, 4), (5, 4, 2)];
    /// Tile shape of the baseline: (rows, columns, narrow columns) for 4-byte and 8-byte floats.
    #[cfg(not(any(
        target_feature = "avx",
        target_arch = "x86_64",
        target_feature = "sse2",
        target_arch = "aarch64",
        target_feature = "neon",
        target_feature = "simd128"
    )))]
    const SHAPES: [(usize, usize, usize); 2] = [(4, 4, 2), (4, 4, 2)];

    /// [`matmul_batch`](super::matmul_batch) on the portable path.
    #[inline(always)]
    pub fn matmul_batch<T: Float, const K: usize, const M: usize, const B: usize>(
        w: &[[T; K]; M],
        x: &impl Rows<[T; K], B>,
    ) -> [[T; M]; B] {
        let mut z = [[T::zero(); M]; B];
        matmul_batch_into(&mut z, w, x);
        z
    }

    /// [`transpose_mul_batch`](super::transpose_mul_batch) on the portable path.
    #[inline(always)]
    pub fn transpose_mul_batch<T: Float, const K: usize, const M: usize, const B: usize>(
        w: &[[T; K]; M],
        dz: &[[T; M]; B],
    ) -> [[T; K]; B] {
        let mut dx = [[T::zero(); K]; B];
        transpose_mul_batch_into(&mut dx, w, dz);
        dx
    }

    /// [`matmul_batch_into`](super::matmul_batch_into) on the portable path.
    #[inline(always)]
    pub fn matmul_batch_into<T: Float, const K: usize, const M: usize, const B: usize>(
        z: &mut [[T; M]; B],
        w: &[[T; K]; M],
        x: &impl Rows<[T; K], B>,
    ) {
        with_tile!(SHAPES, false, matmul::<T, K, M, B>(z, w, x));
    }

    /// [`transpose_mul_batch_into`](super::transpose_mul_batch_into) on the portable path.
    #[inline(always)]
    pub fn transpose_mul_batch_into<T: Float, const K: usize, const M: usize, const B: usize>(
        dx: &mut [[T; K]; B],
        w: &[[T; K]; M],
        dz: &[[T; M]; B],
    ) {
        with_tile!(SHAPES, false, transpose_mul::<T, K, M, B>(dx, w, dz));
    }

    /// [`outer_add_batch`](super::outer_add_batch) on the portable path.
    #[inline(always)]
    pub fn outer_add_batch<T: Float, const K: usize, const M: usize, const B: usize>(
        g: &mut [[T; K]; M],
        dz: &[[T; M]; B],
        x: &impl Rows<[T; K], B>,
    ) {
        with_tile!(SHAPES, false, outer_add::<T, K, M, B>(g, dz, x));
    }
}

// ---------------------------------------------------------------------------------------------
// The register tile. Everything below is `#[inline(always)]` (but the small
// `store_transposed`), so that the whole product is compiled into the function that `pulp`
// compiles with AVX2 enabled.
//
// Const parameters of the kernels: R rows × C columns of accumulators per tile; panels C (full)
// or H (narrow, for a last panel of at most H columns) wide.

/// The left operand of a tile: step k gives one value per tile row.
trait Lhs<T, const R: usize> {
    fn col(&self, k: usize) -> [T; R];
}

/// R rows, each read along k.
impl<T: Float, const R: usize, const KD: usize> Lhs<T, R> for [&[T; KD]; R] {
    #[inline(always)]
    fn col(&self, k: usize) -> [T; R] {
        // `get`: the caller's k is below KD, but at opt-level "s" this closure is compiled on
        // its own, where an index would keep a bounds check and its panic.
        core::array::from_fn(|r| self[r].get(k).copied().unwrap_or(T::zero()))
    }
}

/// Packed by k: step k is the k-th array of R values.
impl<T: Copy, const R: usize, const KD: usize> Lhs<T, R> for &[[T; R]; KD] {
    #[inline(always)]
    fn col(&self, k: usize) -> [T; R] {
        self[k]
    }
}

/// The register tile's product, with fused multiply-adds (`FMA`) or without. `FMA` is a
/// parameter of this (empty) type rather than of the function, so that a kernel names it and
/// the shapes are inferred from the arguments, `Tile::<FMA>::add_product(&mut acc, &rows,
/// panel)`: the panel is C or H wide, and inferring const arguments with `_`
/// (`tile::<_, R, _, _, FMA>`) needs Rust 1.89, above the crates' `rust-version`.
enum Tile<const FMA: bool> {}

/// One term of a tile's sums: fused (`mul_add`, one rounding) on the dispatched path, a
/// multiply and an add on the portable one. A trait rather than a branch on `FMA`, so that the
/// portable path never names `mul_add`: without FMA instructions it is libm's software `fmaf`,
/// whose CPU-detection statics a `no_std` library must not carry.
trait Term {
    fn term<T: Float>(a: T, b: T, acc: T) -> T;
}

impl Term for Tile<true> {
    #[inline(always)]
    fn term<T: Float>(a: T, b: T, acc: T) -> T {
        a.mul_add(b, acc)
    }
}

impl Term for Tile<false> {
    #[inline(always)]
    fn term<T: Float>(a: T, b: T, acc: T) -> T {
        acc + a * b
    }
}

impl<const FMA: bool> Tile<FMA>
where
    Tile<FMA>: Term,
{
    /// acc[r][c] += a(r, k)·b[k][c] for k = 0, 1, …, KD − 1 in turn.
    ///
    /// With C·R accumulators in registers (12 AVX registers for 6 × 16 `f32`), each step
    /// broadcasts R values of `a` and multiplies them with the C contiguous values of `b[k]`.
    #[inline(always)]
    fn add_product<T: Float, const R: usize, const C: usize, const KD: usize>(
        acc: &mut [[T; C]; R],
        a: &impl Lhs<T, R>,
        b: &[[T; C]; KD],
    ) {
        for (k, bk) in b.iter().enumerate() {
            let ak = a.col(k);
            for (row, &ar) in acc.iter_mut().zip(&ak) {
                for (v, &bkc) in row.iter_mut().zip(bk) {
                    // With FMA (the dispatched AVX2 path) one rounding per term instead of two.
                    *v = Self::term(ar, bkc, *v);
                }
            }
        }
    }
}

/// Zeroed accumulators for a tile of R rows over `panel`'s width.
#[inline(always)]
fn zero_tile<T: Float, const C: usize, const KD: usize, const R: usize>(
    _panel: &[[T; C]; KD],
) -> [[T; C]; R] {
    [[T::zero(); C]; R]
}

#[inline(always)]
fn min(a: usize, b: usize) -> usize {
    if a < b {
        a
    } else {
        b
    }
}

// Parts of arrays by `get`, never by indexing with a range: the tiles' offsets are below their
// arrays' lengths, but the compiler cannot always prove it (at opt-level "s" it did not), and an
// index it cannot prove keeps a panic in the code (the Cortex-M harness checks there is none).
// An offset out of range (which does not happen) gives an empty part.

/// `v[start..start + len]`.
#[inline(always)]
fn part<E>(v: &[E], start: usize, len: usize) -> &[E] {
    v.get(start..start + len).unwrap_or_default()
}

/// `&mut v[start..start + len]`.
#[inline(always)]
fn part_mut<E>(v: &mut [E], start: usize, len: usize) -> &mut [E] {
    v.get_mut(start..start + len).unwrap_or_default()
}

/// `&mut v[start..]`.
#[inline(always)]
fn rest_mut<E>(v: &mut [E], start: usize) -> &mut [E] {
    v.get_mut(start..).unwrap_or_default()
}

/// Runs `$body` on each column panel `[c0, c0 + cw)` of `0..n`, C wide, with `panel` the buffer
/// of its width: `full` (C columns) or, for a last panel of at most H columns, `half` (an
/// `Option`, zeroed on first use).
macro_rules! for_each_panel {
    ($n:expr, $c:expr, $h:expr, $full:ident, $half:ident, |$panel:ident, $c0:ident, $cw:ident| $body:expr) => {{
        let mut $c0 = 0;
        while $c0 < $n {
            let $cw = min($c, $n - $c0);
            if $cw > $h {
                let $panel = &mut $full;
                $body;
            } else {
                let $panel = $half.get_or_insert_with(zeroed);
                $body;
            }
            $c0 += $c;
        }
    }};
}

#[inline(always)]
fn zeroed<T: Float, const C: usize, const KD: usize>() -> [[T; C]; KD] {
    [[T::zero(); C]; KD]
}

/// Z = X·Wᵀ, sums over k.
///
/// Whichever of W and X has fewer rows is packed transposed, panel by panel (C columns of Wᵀ
/// or Xᵀ, all K rows), and the other one supplies the tile rows: with Wᵀ packed the tiles are
/// of Z (samples × outputs), with Xᵀ packed they are of Zᵀ (outputs × samples), written back
/// transposed. On a tie W is packed, which saves the transposed stores (the digits network's
/// 32 × 32 first layer: its step, median of eight runs, 8.17 → 7.71 µs).
#[inline(always)]
fn matmul<
    T: Float,
    const K: usize,
    const M: usize,
    const B: usize,
    const R: usize,
    const C: usize,
    const H: usize,
    const FMA: bool,
>(
    z: &mut [[T; M]; B],
    w: &[[T; K]; M],
    x: &impl Rows<[T; K], B>,
) where
    Tile<FMA>: Term,
{
    let mut full = [[T::zero(); C]; K];
    let mut half: Option<[[T; H]; K]> = None;
    if M <= B {
        for_each_panel!(M, C, H, full, half, |panel, i0, cw| {
            pack_transposed(panel, w, i0, cw);
            let mut s0 = 0;
            while s0 < B {
                let rows: [&[T; K]; R] = core::array::from_fn(|r| &x[min(s0 + r, B - 1)]);
                let mut acc: [_; R] = zero_tile(panel);
                Tile::<FMA>::add_product(&mut acc, &rows, panel);
                for (zs, a) in rest_mut(z, s0).iter_mut().zip(&acc) {
                    Row::<false>::store(part_mut(zs, i0, cw), a);
                }
                s0 += R;
            }
        });
    } else {
        for_each_panel!(B, C, H, full, half, |panel, s0, cw| {
            pack_transposed(panel, x, s0, cw);
            let mut i0 = 0;
            while i0 < M {
                let rows: [&[T; K]; R] = core::array::from_fn(|r| &w[min(i0 + r, M - 1)]);
                let mut acc: [_; R] = zero_tile(panel);
                Tile::<FMA>::add_product(&mut acc, &rows, panel);
                store_transposed(z, acc, s0, cw, i0);
                i0 += R;
            }
        });
    }
}

/// A tile row written back, or with `ADD` added back (a type parameter for the reason given
/// at [`Tile`]: the row's width is inferred).
enum Row<const ADD: bool> {}

impl<const ADD: bool> Row<ADD> {
    /// dst = src[..dst.len()], or with `ADD`, dst += src[..dst.len()] (with whole-width vector
    /// operations when the row is full).
    #[inline(always)]
    fn store<T: Float, const C: usize>(dst: &mut [T], src: &[T; C]) {
        #[inline(always)]
        fn put<T: Float, const ADD: bool>(d: &mut T, s: T) {
            *d = if ADD { *d + s } else { s };
        }
        if let Ok(full) = <&mut [T; C]>::try_from(&mut *dst) {
            // The whole row read, computed and written as arrays: written element by element
            // into `dst`, the compiler kept G += acc scalar (16 loads, adds and stores per row,
            // 9 % of the 256-256-10 step in `perf`; the step 232 → 215–220 µs).
            let mut row = *full;
            for (d, &s) in row.iter_mut().zip(src) {
                put::<T, ADD>(d, s);
            }
            *full = row;
        } else {
            for (d, &s) in dst.iter_mut().zip(src) {
                put::<T, ADD>(d, s);
            }
        }
    }
}

/// z[s0 + c][i0 + r] = acc[r][c] for the columns c < cw and rows that exist.
///
/// Kept out of line: inlined, the compiler's vectoriser sees stores that are contiguous across
/// the tile's rows and may vectorise the whole tile that way (across rows, with gathers and a
/// broadcast per column), which on SSE2 halves the speed.
#[inline(never)]
fn store_transposed<T: Copy, const M: usize, const B: usize, const R: usize, const C: usize>(
    z: &mut [[T; M]; B],
    acc: [[T; C]; R],
    s0: usize,
    cw: usize,
    i0: usize,
) {
    for (r, a) in acc.iter().enumerate().take(M - i0) {
        for (zs, &v) in part_mut(z, s0, cw).iter_mut().zip(a) {
            if let Some(d) = zs.get_mut(i0 + r) {
                *d = v;
            }
        }
    }
}

/// panel[k][c] = src[start + c][k] for c < cw: rows of `src`, transposed (columns past `cw`
/// keep stale values; their results are discarded).
#[inline(always)]
fn pack_transposed<T: Copy, const K: usize, const N: usize, const C: usize>(
    panel: &mut [[T; C]; K],
    src: &impl Rows<[T; K], N>,
    start: usize,
    cw: usize,
) {
    for c in 0..min(cw, C) {
        if let Some(row) = src.get(start + c) {
            for (p, &v) in panel.iter_mut().zip(row) {
                if let Some(p) = p.get_mut(c) {
                    *p = v;
                }
            }
        }
    }
}

/// panel[k][..cw] = src[k][c0..c0 + cw]: a slab of columns.
#[inline(always)]
fn pack_columns<T: Copy, const KD: usize, const N: usize, const C: usize>(
    panel: &mut [[T; C]; KD],
    src: &impl Rows<[T; N], KD>,
    c0: usize,
    cw: usize,
) {
    for (k, p) in panel.iter_mut().enumerate() {
        let Some(row) = src.get(k) else { break };
        let slab = part(row, c0, cw);
        // A whole slab as one fixed-size copy: the loop below became a call to `memcpy` per
        // row of the panel (13 % of the convolutions' time, whose panels are 16 floats wide).
        if let Ok(whole) = <&[T; C]>::try_from(slab) {
            *p = *whole;
        } else {
            for (p, &v) in p.iter_mut().zip(slab) {
                *p = v;
            }
        }
    }
}

/// dX = dZ·W, sums over i: panels of W's columns, tile rows are samples of dZ.
#[inline(always)]
fn transpose_mul<
    T: Float,
    const K: usize,
    const M: usize,
    const B: usize,
    const R: usize,
    const C: usize,
    const H: usize,
    const FMA: bool,
>(
    dx: &mut [[T; K]; B],
    w: &[[T; K]; M],
    dz: &[[T; M]; B],
) where
    Tile<FMA>: Term,
{
    let mut full = [[T::zero(); C]; M];
    let mut half: Option<[[T; H]; M]> = None;
    for_each_panel!(K, C, H, full, half, |panel, c0, cw| {
        pack_columns(panel, w, c0, cw);
        let mut s0 = 0;
        while s0 < B {
            let rows: [&[T; M]; R] = core::array::from_fn(|r| &dz[min(s0 + r, B - 1)]);
            let mut acc: [_; R] = zero_tile(panel);
            Tile::<FMA>::add_product(&mut acc, &rows, panel);
            for (dxs, a) in rest_mut(dx, s0).iter_mut().zip(&acc) {
                Row::<false>::store(part_mut(dxs, c0, cw), a);
            }
            s0 += R;
        }
    });
}

/// G += dZᵀ·X, sums over s.
///
/// dZᵀ is read across samples for a fixed output i, which in `dz` is a stride of M; so it is
/// packed, NT tiles of R outputs at a time, as `ap[t][s] = dz[s][i..i + R]`. For each such
/// block, X is packed in panels of C columns (all B samples), and each tile sums into fresh
/// accumulators that are then added to G.
///
/// NT is 16 tiles (each panel of X serves 96 rows of G with the AVX2 path's 6-row tiles), or
/// as few as the layer needs when that is 8 or 2: `ap` is zeroed on every call, and 16 tiles
/// of 6 rows and 32 samples is 12 KB (the digits network's step: 7.65 → 7.3 µs with 8;
/// 256-256-10 is faster with 16 than 8).
#[inline(always)]
fn outer_add<
    T: Float,
    const K: usize,
    const M: usize,
    const B: usize,
    const R: usize,
    const C: usize,
    const H: usize,
    const FMA: bool,
>(
    g: &mut [[T; K]; M],
    dz: &[[T; M]; B],
    x: &impl Rows<[T; K], B>,
) where
    Tile<FMA>: Term,
{
    let tiles = M.div_ceil(R);
    if tiles <= 2 {
        outer_add_blocks::<T, K, M, B, R, C, H, FMA, 2>(g, dz, x)
    } else if tiles <= 8 {
        outer_add_blocks::<T, K, M, B, R, C, H, FMA, 8>(g, dz, x)
    } else {
        outer_add_blocks::<T, K, M, B, R, C, H, FMA, 16>(g, dz, x)
    }
}

/// [`outer_add`] with dZᵀ packed NT tiles at a time.
#[inline(always)]
fn outer_add_blocks<
    T: Float,
    const K: usize,
    const M: usize,
    const B: usize,
    const R: usize,
    const C: usize,
    const H: usize,
    const FMA: bool,
    const NT: usize,
>(
    g: &mut [[T; K]; M],
    dz: &[[T; M]; B],
    x: &impl Rows<[T; K], B>,
) where
    Tile<FMA>: Term,
{
    let mut ap = [[[T::zero(); R]; B]; NT];
    let mut full = [[T::zero(); C]; B];
    let mut half: Option<[[T; H]; B]> = None;
    let mut i0 = 0;
    while i0 < M {
        let tiles = min(NT, (M - i0).div_ceil(R));
        for (t, at) in ap.iter_mut().enumerate().take(tiles) {
            for (a, d) in at.iter_mut().zip(dz) {
                *a = core::array::from_fn(|r| d[min(i0 + t * R + r, M - 1)]);
            }
        }
        for_each_panel!(K, C, H, full, half, |panel, c0, cw| {
            pack_columns(panel, x, c0, cw);
            for (t, at) in ap.iter().enumerate().take(tiles) {
                let mut acc: [_; R] = zero_tile(panel);
                Tile::<FMA>::add_product(&mut acc, &at, panel);
                let r0 = i0 + t * R;
                for (gr, a) in rest_mut(g, r0).iter_mut().zip(&acc) {
                    Row::<true>::store(part_mut(gr, c0, cw), a);
                }
            }
        });
        i0 += NT * R;
    }
}

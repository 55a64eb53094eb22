//! A batch's convolutions as products of register tiles over many samples at once: the rows
//! of the products are (sample, output position) pairs, taken in chunks of up to [`ROWS`], so
//! that each chunk's im2col columns have a constant size whatever the batch (stable Rust cannot
//! size an array `B · LO`). The kernel matrix is built once per call, for the whole batch. What
//! the generated `forward_batch` and `gradient_batch` of a convolutional network call; per
//! sample, [`conv1d_tiled`](super::conv1d_tiled) and its kin do the same with the sample's
//! positions as the rows.
//!
//! The same sums as [`conv1d`](super::conv1d) and its gradients, in another order (and with
//! fused multiply-adds on the dispatched path), so the last bits can differ. Everything is on
//! the stack: a chunk's columns (`ROWS` × `KK`) and its product, besides the results, which
//! the caller's arrays receive.

use num_traits::Float;

use super::tiled::{
    add_kernel_gradient, column1d, column2d, kernel_matrix, scatter1d, scatter2d, Tiles,
};
use super::ConvLen;
use crate::math::batch::{matmul_batch_into, transpose_mul_batch_into};
use crate::math::{outer_add_batch, Rows};

/// The most (sample, position) rows one product takes.
pub const ROWS: usize = 48;

/// The buffers of chunks of `R` rows, made once per call and reused by every chunk of that
/// size: `wide` holds im2col columns or their gradients (`KK` per row), `narrow` a row's
/// output channels or their gradients (`CO`). Made, zeroed and returned per chunk, they were
/// much of the `memset` and `memcpy` that took a fifth of the MNIST-1D CNN's convolutions.
struct Buffers<T, const KK: usize, const CO: usize, const R: usize> {
    wide: [[T; KK]; R],
    narrow: [[T; CO]; R],
}

impl<T: Float, const KK: usize, const CO: usize, const R: usize> Buffers<T, KK, CO, R> {
    fn new() -> Self {
        Buffers {
            wide: [[T::zero(); KK]; R],
            narrow: [[T::zero(); CO]; R],
        }
    }
}

/// The convolution of rows `first..first + count`: `fill(row, column)` writes a row's whole
/// im2col column, `put(row, outputs)` takes its output channels. Rows past `count` hold what an
/// earlier chunk left; each output row depends on its own column only, and theirs are dropped.
fn forward_chunk<T: Float, const KK: usize, const CO: usize, const R: usize>(
    buffers: &mut Buffers<T, KK, CO, R>,
    weights: &[[T; KK]; CO],
    fill: &impl Fn(usize, &mut [T; KK]),
    put: &mut impl FnMut(usize, &[T; CO]),
    first: usize,
    count: usize,
) {
    for (k, col) in buffers.wide.iter_mut().take(count).enumerate() {
        fill(first + k, col);
    }
    matmul_batch_into(&mut buffers.narrow, weights, &buffers.wide);
    for (k, row) in buffers.narrow.iter().take(count).enumerate() {
        put(first + k, row);
    }
}

/// Σ over rows `first..first + count` of ∂L/∂z ⊗ column, added to `g`: `gradient(row, out)`
/// writes a row's output gradients. The product sums over all `R` rows, so those past `count`
/// are zeroed, columns and gradients both (a stale NaN times a zero would still be NaN).
fn kernel_chunk<T: Float, const KK: usize, const CO: usize, const R: usize>(
    buffers: &mut Buffers<T, KK, CO, R>,
    g: &mut [[T; KK]; CO],
    fill: &impl Fn(usize, &mut [T; KK]),
    gradient: &impl Fn(usize, &mut [T; CO]),
    first: usize,
    count: usize,
) {
    let rows = buffers.wide.iter_mut().zip(buffers.narrow.iter_mut());
    for (k, (col, row)) in rows.enumerate() {
        if k < count {
            fill(first + k, col);
            gradient(first + k, row);
        } else {
            *col = [T::zero(); KK];
            *row = [T::zero(); CO];
        }
    }
    outer_add_batch(g, &buffers.narrow, &buffers.wide);
}

/// The input gradients of rows `first..first + count`: `dZ·K`, each column's gradient sent
/// back by `scatter(row, column)` (col2im). Rows past `count` are dropped, as in
/// [`forward_chunk`].
fn input_chunk<T: Float, const KK: usize, const CO: usize, const R: usize>(
    buffers: &mut Buffers<T, KK, CO, R>,
    weights: &[[T; KK]; CO],
    gradient: &impl Fn(usize, &mut [T; CO]),
    scatter: &mut impl FnMut(usize, &[T; KK]),
    first: usize,
    count: usize,
) {
    for (k, row) in buffers.narrow.iter_mut().take(count).enumerate() {
        gradient(first + k, row);
    }
    transpose_mul_batch_into(&mut buffers.wide, weights, &buffers.narrow);
    for (k, d_col) in buffers.wide.iter().take(count).enumerate() {
        scatter(first + k, d_col);
    }
}

/// Runs `$chunk::<T, KK, CO, R>(buffers, args…, first, count)` over every row of the batch:
/// chunks of [`ROWS`] while at least 25 rows are left (the last of them partly filled), then
/// what is left in the smallest of 24, 12 and 6 rows that holds it; one set of buffers per
/// size.
macro_rules! in_chunks {
    ($total:expr, $chunk:ident::<$t:ty, $kk:ident, $co:ident>($($arg:expr),*)) => {{
        let total = $total;
        let mut first = 0;
        if total > 24 {
            let mut buffers = Buffers::<$t, $kk, $co, ROWS>::new();
            while total - first > 24 {
                let count = (total - first).min(ROWS);
                $chunk(&mut buffers, $($arg,)* first, count);
                first += count;
            }
        }
        let count = total - first;
        match count {
            0 => {}
            13.. => $chunk(&mut Buffers::<$t, $kk, $co, 24>::new(), $($arg,)* first, count),
            7..=12 => $chunk(&mut Buffers::<$t, $kk, $co, 12>::new(), $($arg,)* first, count),
            _ => $chunk(&mut Buffers::<$t, $kk, $co, 6>::new(), $($arg,)* first, count),
        }
    }};
}

/// Row `row`'s output gradients, `dz[s][o][n]` of its sample and position, one per output
/// channel (`positions` per sample, each channel's laid out flat by `flat`).
fn gradient_row<'a, T: Float + 'a, C: 'a, const CO: usize>(
    dz: &'a [[C; CO]],
    positions: usize,
    flat: impl Fn(&C) -> &[T] + 'a,
) -> impl Fn(usize, &mut [T; CO]) + 'a {
    move |row, out| {
        let (s, n) = (row / positions.max(1), row % positions.max(1));
        if let Some(sample) = dz.get(s) {
            for (v, channel) in out.iter_mut().zip(sample) {
                if let Some(&d) = flat(channel).get(n) {
                    *v = d;
                }
            }
        }
    }
}

/// Writes row `row`'s im2col column, `row` = sample · `LO` + position, of a batch of 1-D data.
fn fill1d<
    'a,
    T: Float,
    const CI: usize,
    const L: usize,
    const K: usize,
    const LO: usize,
    const S: usize,
    const P: usize,
    const KK: usize,
    const B: usize,
>(
    x: &'a impl Rows<[[T; L]; CI], B>,
) -> impl Fn(usize, &mut [T; KK]) + 'a {
    move |row, col| {
        if let Some(xs) = x.get(row / LO.max(1)) {
            column1d::<T, CI, L, K, S, P, KK>(xs, row % LO.max(1), col);
        }
    }
}

/// Writes row `row`'s im2col column, `row` = sample · `NP` + position, of a batch of images.
fn fill2d<
    'a,
    T: Float,
    const CI: usize,
    const H: usize,
    const W: usize,
    const K: usize,
    const WO: usize,
    const S: usize,
    const P: usize,
    const KK: usize,
    const NP: usize,
    const B: usize,
>(
    x: &'a impl Rows<[[[T; W]; H]; CI], B>,
) -> impl Fn(usize, &mut [T; KK]) + 'a {
    move |row, col| {
        if let Some(xs) = x.get(row / NP.max(1)) {
            column2d::<T, CI, H, W, K, WO, S, P, KK>(xs, row % NP.max(1), col);
        }
    }
}

/// [`conv1d`](super::conv1d) of every sample of a batch, written to `z` (every element), in
/// products of up to [`ROWS`] (sample, position) rows: `KK` must be `CI`·`K`.
///
/// The result is written into the caller's array rather than returned: a returned array the
/// closures below borrow is built in a local and copied out (190 KB per call for the MNIST-1D
/// CNN's first layer and a batch of 100).
#[inline]
pub fn conv1d_rows<
    T: Float,
    const CI: usize,
    const L: usize,
    const CO: usize,
    const K: usize,
    const LO: usize,
    const S: usize,
    const P: usize,
    const KK: usize,
    const B: usize,
>(
    z: &mut [[[T; LO]; CO]; B],
    kernel: &[[[T; K]; CI]; CO],
    x: &impl Rows<[[T; L]; CI], B>,
) {
    #[allow(clippy::let_unit_value)]
    let ((), ()) = (
        ConvLen::<L, K, S, P, LO>::OK,
        Tiles::<CI, K, 1, KK, 1, LO, LO>::OK,
    );
    let weights: [[T; KK]; CO] = kernel_matrix(kernel.as_flattened().as_flattened());
    let fill = fill1d::<T, CI, L, K, LO, S, P, KK, B>(x);
    let mut put = |row: usize, out: &[T; CO]| {
        if let Some(zs) = z.get_mut(row / LO.max(1)) {
            for (zo, &v) in zs.iter_mut().zip(out) {
                if let Some(e) = zo.get_mut(row % LO.max(1)) {
                    *e = v;
                }
            }
        }
    };
    in_chunks!(
        B * LO,
        forward_chunk::<T, KK, CO>(&weights, &fill, &mut put)
    );
}

/// Σₛ ∂Lₛ/∂K of [`conv1d_rows`], *added* to `grad`.
#[inline]
pub fn conv1d_kernel_gradient_rows<
    T: Float,
    const CI: usize,
    const L: usize,
    const CO: usize,
    const K: usize,
    const LO: usize,
    const S: usize,
    const P: usize,
    const KK: usize,
    const B: usize,
>(
    grad: &mut [[[T; K]; CI]; CO],
    x: &impl Rows<[[T; L]; CI], B>,
    dz: &[[[T; LO]; CO]; B],
) {
    #[allow(clippy::let_unit_value)]
    let ((), ()) = (
        ConvLen::<L, K, S, P, LO>::OK,
        Tiles::<CI, K, 1, KK, 1, LO, LO>::OK,
    );
    let mut g = [[T::zero(); KK]; CO];
    let fill = fill1d::<T, CI, L, K, LO, S, P, KK, B>(x);
    let gradient = gradient_row(dz, LO, |c: &[T; LO]| &c[..]);
    in_chunks!(B * LO, kernel_chunk::<T, KK, CO>(&mut g, &fill, &gradient));
    add_kernel_gradient(grad.as_flattened_mut().as_flattened_mut(), &g);
}

/// Each sample's ∂L/∂x of [`conv1d_rows`], *added* to `dx` (into the caller's array, as
/// [`conv1d_rows`] writes its result).
#[inline]
pub fn conv1d_input_gradient_rows<
    T: Float,
    const CI: usize,
    const L: usize,
    const CO: usize,
    const K: usize,
    const LO: usize,
    const S: usize,
    const P: usize,
    const KK: usize,
    const B: usize,
>(
    dx: &mut [[[T; L]; CI]; B],
    kernel: &[[[T; K]; CI]; CO],
    dz: &[[[T; LO]; CO]; B],
) {
    #[allow(clippy::let_unit_value)]
    let ((), ()) = (
        ConvLen::<L, K, S, P, LO>::OK,
        Tiles::<CI, K, 1, KK, 1, LO, LO>::OK,
    );
    let weights: [[T; KK]; CO] = kernel_matrix(kernel.as_flattened().as_flattened());
    let gradient = gradient_row(dz, LO, |c: &[T; LO]| &c[..]);
    let mut scatter = |row: usize, d_col: &[T; KK]| {
        if let Some(dxs) = dx.get_mut(row / LO.max(1)) {
            scatter1d::<T, CI, L, K, S, P, KK>(d_col, row % LO.max(1), dxs);
        }
    };
    in_chunks!(
        B * LO,
        input_chunk::<T, KK, CO>(&weights, &gradient, &mut scatter)
    );
}

/// [`conv2d`](super::conv2d) of every sample of a batch, written to `z` (every element; see
/// [`conv1d_rows`]), in products of up to [`ROWS`] (sample, position) rows: `KK` must be
/// `CI`·`K`·`K` and `NP` `HO`·`WO`.
#[inline]
pub fn conv2d_rows<
    T: Float,
    const CI: usize,
    const H: usize,
    const W: usize,
    const CO: usize,
    const K: usize,
    const HO: usize,
    const WO: usize,
    const S: usize,
    const P: usize,
    const KK: usize,
    const NP: usize,
    const B: usize,
>(
    z: &mut [[[[T; WO]; HO]; CO]; B],
    kernel: &[[[[T; K]; K]; CI]; CO],
    x: &impl Rows<[[[T; W]; H]; CI], B>,
) {
    #[allow(clippy::let_unit_value)]
    let ((), (), ()) = (
        ConvLen::<H, K, S, P, HO>::OK,
        ConvLen::<W, K, S, P, WO>::OK,
        Tiles::<CI, K, 2, KK, HO, WO, NP>::OK,
    );
    let weights: [[T; KK]; CO] = kernel_matrix(kernel.as_flattened().as_flattened().as_flattened());
    let fill = fill2d::<T, CI, H, W, K, WO, S, P, KK, NP, B>(x);
    let mut put = |row: usize, out: &[T; CO]| {
        if let Some(zs) = z.get_mut(row / NP.max(1)) {
            for (zo, &v) in zs.iter_mut().zip(out) {
                if let Some(e) = zo.as_flattened_mut().get_mut(row % NP.max(1)) {
                    *e = v;
                }
            }
        }
    };
    in_chunks!(
        B * NP,
        forward_chunk::<T, KK, CO>(&weights, &fill, &mut put)
    );
}

/// Σₛ ∂Lₛ/∂K of [`conv2d_rows`], *added* to `grad`.
#[inline]
pub fn conv2d_kernel_gradient_rows<
    T: Float,
    const CI: usize,
    const H: usize,
    const W: usize,
    const CO: usize,
    const K: usize,
    const HO: usize,
    const WO: usize,
    const S: usize,
    const P: usize,
    const KK: usize,
    const NP: usize,
    const B: usize,
>(
    grad: &mut [[[[T; K]; K]; CI]; CO],
    x: &impl Rows<[[[T; W]; H]; CI], B>,
    dz: &[[[[T; WO]; HO]; CO]; B],
) {
    #[allow(clippy::let_unit_value)]
    let ((), (), ()) = (
        ConvLen::<H, K, S, P, HO>::OK,
        ConvLen::<W, K, S, P, WO>::OK,
        Tiles::<CI, K, 2, KK, HO, WO, NP>::OK,
    );
    let mut g = [[T::zero(); KK]; CO];
    let fill = fill2d::<T, CI, H, W, K, WO, S, P, KK, NP, B>(x);
    let gradient = gradient_row(dz, NP, |c: &[[T; WO]; HO]| c.as_flattened());
    in_chunks!(B * NP, kernel_chunk::<T, KK, CO>(&mut g, &fill, &gradient));
    let grad = grad.as_flattened_mut().as_flattened_mut();
    add_kernel_gradient(grad.as_flattened_mut(), &g);
}

/// Each sample's ∂L/∂x of [`conv2d_rows`], *added* to `dx`.
#[inline]
pub fn conv2d_input_gradient_rows<
    T: Float,
    const CI: usize,
    const H: usize,
    const W: usize,
    const CO: usize,
    const K: usize,
    const HO: usize,
    const WO: usize,
    const S: usize,
    const P: usize,
    const KK: usize,
    const NP: usize,
    const B: usize,
>(
    dx: &mut [[[[T; W]; H]; CI]; B],
    kernel: &[[[[T; K]; K]; CI]; CO],
    dz: &[[[[T; WO]; HO]; CO]; B],
) {
    #[allow(clippy::let_unit_value)]
    let ((), (), ()) = (
        ConvLen::<H, K, S, P, HO>::OK,
        ConvLen::<W, K, S, P, WO>::OK,
        Tiles::<CI, K, 2, KK, HO, WO, NP>::OK,
    );
    let weights: [[T; KK]; CO] = kernel_matrix(kernel.as_flattened().as_flattened().as_flattened());
    let gradient = gradient_row(dz, NP, |c: &[[T; WO]; HO]| c.as_flattened());
    let mut scatter = |row: usize, d_col: &[T; KK]| {
        if let Some(dxs) = dx.get_mut(row / NP.max(1)) {
            scatter2d::<T, CI, H, W, K, WO, S, P, KK>(d_col, row % NP.max(1), dxs);
        }
    };
    in_chunks!(
        B * NP,
        input_chunk::<T, KK, CO>(&weights, &gradient, &mut scatter)
    );
}

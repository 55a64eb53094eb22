//! One sample's convolutions as products of register tiles: the sample's im2col columns (row
//! `t`: the `KK` = `CI`·`K` inputs output `t` reads, zeros in the padding) times the kernel
//! matrix (row `o`: output channel `o`'s `KK` weights), through the tiled kernels of the
//! batch products (`matmul_batch`, `outer_add_batch`, `transpose_mul_batch`: AVX2 and FMA
//! picked at run time), with the output positions as the product's rows: the batch functions
//! of [`conv1d_rows`](super::conv1d_rows) and its kin for a batch of one sample. The same sums as
//! [`conv1d`](super::conv1d) and its gradients, in another order, so the last bits can differ.
//!
//! They pay where a kernel has many weights per output: on one Zen 3 core, the second layer of
//! the MNIST-1D CNN (25 channels, 3 taps, stride 2, `KK` = 75) runs its forward in 1.2 µs
//! against 2.0 µs tap by tap, and its two gradients in 2.9 µs against 7.4 µs. `#[network]`
//! calls them for convolutions of at least [`TILED_FROM`] weights per output.
//!
//! `KK` (and, in 2-D, `NP` = `HO`·`WO` output positions) is a const argument of its own, since
//! stable Rust cannot write `CI * K` as an array length: a call whose `KK` or `NP` is not that
//! product does not compile. Everything is on the stack: columns of `NP` × `KK` elements.

use num_traits::Float;

use super::tap;
use super::{
    conv1d_input_gradient_rows, conv1d_kernel_gradient_rows, conv1d_rows,
    conv2d_input_gradient_rows, conv2d_kernel_gradient_rows, conv2d_rows,
};

/// The number of weights per output (`CI`·`K`, or `CI`·`K`·`K`) from which `#[network]` calls
/// the tiled convolutions rather than the tap-by-tap ones.
pub const TILED_FROM: usize = 16;

/// Checks, when a tiled convolution is instantiated, that `KK` = `CI` · `K`^`D` (the weights
/// per output of a `D`-dimensional kernel of side `K`) and `NP` = `HO` · `WO` (the output
/// positions; `HO` = 1 in 1-D).
pub(super) struct Tiles<
    const CI: usize,
    const K: usize,
    const D: u32,
    const KK: usize,
    const HO: usize,
    const WO: usize,
    const NP: usize,
>;
impl<
        const CI: usize,
        const K: usize,
        const D: u32,
        const KK: usize,
        const HO: usize,
        const WO: usize,
        const NP: usize,
    > Tiles<CI, K, D, KK, HO, WO, NP>
{
    pub(super) const OK: () = assert!(
        KK == CI * K.pow(D) && NP == HO * WO,
        "a tiled convolution has KK = CI · K (CI · K · K in 2-D) weights per output and NP = HO · WO positions"
    );
}

/// The kernel bank, its weights laid out flat (`as_flattened`), as a matrix: row `o` is output
/// channel `o`'s weights, channel by channel (and row by row of the taps in 2-D), as the
/// columns lay out the inputs.
pub(super) fn kernel_matrix<T: Float, const CO: usize, const KK: usize>(
    weights: &[T],
) -> [[T; KK]; CO] {
    let mut m = [[T::zero(); KK]; CO];
    for (row, chunk) in m.iter_mut().zip(weights.chunks(KK.max(1))) {
        for (v, &w) in row.iter_mut().zip(chunk) {
            *v = w;
        }
    }
    m
}

/// The gradient matrix of a kernel bank (row `o`: output channel `o`'s weights, as
/// [`kernel_matrix`] lays them out) added to the bank's gradient, laid out flat.
pub(super) fn add_kernel_gradient<T: Float, const CO: usize, const KK: usize>(
    grad: &mut [T],
    g: &[[T; KK]; CO],
) {
    for (v, &d) in grad.iter_mut().zip(g.as_flattened()) {
        *v = *v + d;
    }
}

/// Column `t` of one sample's 1-D im2col matrix: `x[c][t·S + k − P]` at `c·K + k`, and zero
/// where the tap falls in the padding (every element is written: the buffer is reused).
#[inline(always)]
pub(super) fn column1d<
    T: Float,
    const CI: usize,
    const L: usize,
    const K: usize,
    const S: usize,
    const P: usize,
    const KK: usize,
>(
    x: &[[T; L]; CI],
    t: usize,
    col: &mut [T; KK],
) {
    for (taps, xc) in col.chunks_mut(K.max(1)).zip(x) {
        for (k, v) in taps.iter_mut().enumerate() {
            *v = tap(t, k, S, P, L)
                .and_then(|i| xc.get(i))
                .map_or(T::zero(), |&value| value);
        }
    }
}

/// The gradient of column `t` sent back to the inputs it read (col2im), added to `dx`.
#[inline(always)]
pub(super) fn scatter1d<
    T: Float,
    const CI: usize,
    const L: usize,
    const K: usize,
    const S: usize,
    const P: usize,
    const KK: usize,
>(
    d_col: &[T; KK],
    t: usize,
    dx: &mut [[T; L]; CI],
) {
    for (dxc, taps) in dx.iter_mut().zip(d_col.chunks(K.max(1))) {
        for (k, &d) in taps.iter().enumerate() {
            if let Some(v) = tap(t, k, S, P, L).and_then(|i| dxc.get_mut(i)) {
                *v = *v + d;
            }
        }
    }
}

/// Column `n` = `r·WO + q` of one sample's 2-D im2col matrix: `x[c][r·S + a − P][q·S + b − P]`
/// at `(c·K + a)·K + b`, and zero where the tap falls in the padding (every element is
/// written: the buffer is reused).
#[inline(always)]
pub(super) fn column2d<
    T: Float,
    const CI: usize,
    const H: usize,
    const W: usize,
    const K: usize,
    const WO: usize,
    const S: usize,
    const P: usize,
    const KK: usize,
>(
    x: &[[[T; W]; H]; CI],
    n: usize,
    col: &mut [T; KK],
) {
    let (r, q) = (n / WO.max(1), n % WO.max(1));
    for (taps, xc) in col.chunks_mut((K * K).max(1)).zip(x) {
        for (a, row) in taps.chunks_mut(K.max(1)).enumerate() {
            let xr = tap(r, a, S, P, H).and_then(|i| xc.get(i));
            for (b, v) in row.iter_mut().enumerate() {
                *v = xr
                    .and_then(|xr| tap(q, b, S, P, W).and_then(|j| xr.get(j)))
                    .map_or(T::zero(), |&value| value);
            }
        }
    }
}

/// The gradient of column `n` sent back to the inputs it read (col2im), added to `dx`.
#[inline(always)]
pub(super) fn scatter2d<
    T: Float,
    const CI: usize,
    const H: usize,
    const W: usize,
    const K: usize,
    const WO: usize,
    const S: usize,
    const P: usize,
    const KK: usize,
>(
    d_col: &[T; KK],
    n: usize,
    dx: &mut [[[T; W]; H]; CI],
) {
    let (r, q) = (n / WO.max(1), n % WO.max(1));
    for (dxc, taps) in dx.iter_mut().zip(d_col.chunks((K * K).max(1))) {
        for (a, row) in taps.chunks(K.max(1)).enumerate() {
            let Some(xr) = tap(r, a, S, P, H).and_then(|i| dxc.get_mut(i)) else {
                continue;
            };
            for (b, &d) in row.iter().enumerate() {
                if let Some(v) = tap(q, b, S, P, W).and_then(|j| xr.get_mut(j)) {
                    *v = *v + d;
                }
            }
        }
    }
}

/// [`conv1d`](super::conv1d) as products of tiles: `KK` must be `CI`·`K`.
#[inline]
pub fn conv1d_tiled<
    T: Float,
    const CI: usize,
    const L: usize,
    const CO: usize,
    const K: usize,
    const LO: usize,
    const S: usize,
    const P: usize,
    const KK: usize,
>(
    kernel: &[[[T; K]; CI]; CO],
    x: &[[T; L]; CI],
) -> [[T; LO]; CO] {
    let x = core::array::from_ref(x);
    let mut z = [[[T::zero(); LO]; CO]];
    conv1d_rows::<T, CI, L, CO, K, LO, S, P, KK, 1>(&mut z, kernel, x);
    let [z] = z;
    z
}

/// ∂L/∂K of [`conv1d`](super::conv1d), *added* to `grad`: `dZᵀ·columns`, as products of tiles.
#[inline]
pub fn conv1d_kernel_gradient_tiled<
    T: Float,
    const CI: usize,
    const L: usize,
    const CO: usize,
    const K: usize,
    const LO: usize,
    const S: usize,
    const P: usize,
    const KK: usize,
>(
    grad: &mut [[[T; K]; CI]; CO],
    x: &[[T; L]; CI],
    dz: &[[T; LO]; CO],
) {
    let (x, dz) = (core::array::from_ref(x), core::array::from_ref(dz));
    conv1d_kernel_gradient_rows::<T, CI, L, CO, K, LO, S, P, KK, 1>(grad, x, dz);
}

/// ∂L/∂x of [`conv1d`](super::conv1d): `dZ·K` as products of tiles, each column's gradient sent
/// back to the inputs it read (col2im).
#[inline]
pub fn conv1d_input_gradient_tiled<
    T: Float,
    const CI: usize,
    const L: usize,
    const CO: usize,
    const K: usize,
    const LO: usize,
    const S: usize,
    const P: usize,
    const KK: usize,
>(
    kernel: &[[[T; K]; CI]; CO],
    dz: &[[T; LO]; CO],
) -> [[T; L]; CI] {
    let dz = core::array::from_ref(dz);
    let mut dx = [[[T::zero(); L]; CI]];
    conv1d_input_gradient_rows::<T, CI, L, CO, K, LO, S, P, KK, 1>(&mut dx, kernel, dz);
    let [dx] = dx;
    dx
}

/// [`conv2d`](super::conv2d) as products of tiles: `KK` must be `CI`·`K`·`K` and `NP`
/// `HO`·`WO`.
#[inline]
pub fn conv2d_tiled<
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
>(
    kernel: &[[[[T; K]; K]; CI]; CO],
    x: &[[[T; W]; H]; CI],
) -> [[[T; WO]; HO]; CO] {
    let x = core::array::from_ref(x);
    let mut z = [[[[T::zero(); WO]; HO]; CO]];
    conv2d_rows::<T, CI, H, W, CO, K, HO, WO, S, P, KK, NP, 1>(&mut z, kernel, x);
    let [z] = z;
    z
}

/// ∂L/∂K of [`conv2d`](super::conv2d), *added* to `grad`, as products of tiles.
#[inline]
pub fn conv2d_kernel_gradient_tiled<
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
>(
    grad: &mut [[[[T; K]; K]; CI]; CO],
    x: &[[[T; W]; H]; CI],
    dz: &[[[T; WO]; HO]; CO],
) {
    let (x, dz) = (core::array::from_ref(x), core::array::from_ref(dz));
    conv2d_kernel_gradient_rows::<T, CI, H, W, CO, K, HO, WO, S, P, KK, NP, 1>(grad, x, dz);
}

/// ∂L/∂x of [`conv2d`](super::conv2d): `dZ·K` as products of tiles, scattered back (col2im).
#[inline]
pub fn conv2d_input_gradient_tiled<
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
>(
    kernel: &[[[[T; K]; K]; CI]; CO],
    dz: &[[[T; WO]; HO]; CO],
) -> [[[T; W]; H]; CI] {
    let dz = core::array::from_ref(dz);
    let mut dx = [[[[T::zero(); W]; H]; CI]];
    conv2d_input_gradient_rows::<T, CI, H, W, CO, K, HO, WO, S, P, KK, NP, 1>(&mut dx, kernel, dz);
    let [dx] = dx;
    dx
}

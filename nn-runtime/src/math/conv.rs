//! Convolutions and pooling over channels, and their gradients: the kernels that the forward
//! and backward `#[network]` generates for `conv1d`, `conv2d`, `max_pool`, `avg_pool` and
//! `flatten` call (see the language reference, "Convolutional layers"), callable by hand too.
//! From the `nn` crate they are `nn::math::conv::*`.
//!
//! Shapes are the language's: a 1-D signal of `C` channels of length `L` is `[[T; L]; C]`, an
//! image of `C` channels of `H` rows and `W` columns is `[[[T; W]; H]; C]`, a 1-D kernel bank
//! is `[[[T; K]; CI]; CO]` (a `K`-tap kernel per input channel, for each output channel) and a
//! 2-D one `[[[[T; K]; K]; CI]; CO]`. The stride `S` and the zero padding `P` (on both ends,
//! and on both axes in 2-D) are constants, so every shape is checked at compile time: the
//! output length must be `(L + 2P − K) / S + 1` (`/` rounding down), and a call whose output
//! type says otherwise does not compile (the check is a constant evaluated with the function).
//! Stride and padding are in no argument's type, so every call names its constants, in the
//! order of the signature: `conv1d::<T, CI, L, CO, K, LO, S, P>`,
//! `conv2d::<T, CI, H, W, CO, K, HO, WO, S, P>`, `max_pool1d::<T, C, L, WIN, S, LO>`,
//! `max_pool2d::<T, C, H, W, WIN, S, HO, WO>` (`_` may stand for `T`).
//!
//! "Convolution" is what every framework means by it, a cross-correlation: output `t` of
//! channel `o` is
//!
//! ```text
//! z[o][t] = Σ_c Σ_k K[o][c][k] · x[c][t·S + k − P]      (x is 0 outside 0..L)
//! ```
//!
//! and its gradients, by the chain rule on that sum (each `x` and each `K` appears in it
//! linearly), are
//!
//! ```text
//! ∂L/∂K[o][c][k] = Σ_t ∂L/∂z[o][t] · x[c][t·S + k − P]   the input correlated with the gradient
//! ∂L/∂x[c][i]    = Σ_o Σ_{t,k: t·S+k−P = i} ∂L/∂z[o][t] · K[o][c][k]
//!                                                       the full convolution with the flipped kernel
//! ```
//!
//! (Goodfellow, Bengio and Courville, *Deep Learning*, 2016, §9.5, equations 9.11–9.14.)
//! Kernel gradients are *added* to the accumulator given, as the generated backward adds
//! every parameter's gradient.
//!
//! Pooling takes windows of `WIN` elements (`WIN × WIN` in 2-D) every `S`, without padding;
//! the output length must be `(L − WIN) / S + 1`. Max pooling's gradient goes to the window's
//! largest element, the first of equal ones (ties go to the lowest index, row-major in 2-D),
//! and a NaN in a window is its maximum (so that a NaN is never hidden); average pooling
//! spreads the gradient evenly, `∂L/∂y / W` to each element of the window.
//!
//! A whole batch of 1-D convolutions is one matrix product: [`conv1d_batch`] writes the batch's
//! im2col columns (row `s·LO + t`: the `CI·K` inputs output `t` of sample `s` reads) and
//! multiplies them by the kernel matrix through the tiled batch kernels
//! ([`matmul_batch`](super::matmul_batch), AVX2 and FMA picked at run time), and
//! [`conv1d_batch_gradients`] gets the kernel gradient as `dZᵀ·columns` and the input gradients
//! as `dZ·K` scattered back over the taps: for a batch whose size is a constant of the caller's
//! (the peer benchmark's hand-written CNN uses them). One sample's convolution as such a
//! product, the output positions as the rows, is [`conv1d_tiled`] and [`conv2d_tiled`] with
//! their gradients: what generated per-sample code calls for convolutions of at least
//! [`TILED_FROM`] weights per output. A batch whose size is a const generic (the generated
//! `forward_batch` and `gradient_batch`) goes through [`conv1d_rows`] and [`conv2d_rows`] and
//! their gradients: the batch's (sample, position) rows in chunks of up to [`ROWS`].
//!
//! Nothing here allocates: every value is an array on the stack (the batch functions' column
//! matrix is the caller's, and may live on the heap).
//!
//! ```
//! use nn_runtime::math::conv::*;
//! // One channel, the kernel [1, −1]: differences of neighbours.
//! let x = [[1.0, 4.0, 9.0, 16.0]];
//! let k = [[[1.0, -1.0]]];
//! let z: [[f64; 3]; 1] = conv1d::<_, 1, 4, 1, 2, 3, 1, 0>(&k, &x);
//! assert_eq!(z, [[-3.0, -5.0, -7.0]]);
//! let y: [[f64; 2]; 1] = max_pool1d::<_, 1, 4, 2, 2, 2>(&x);
//! assert_eq!(y, [[4.0, 16.0]]);
//! ```
//!
//! An output length the shapes do not give is a compile error (8 − 3 + 1 = 6, not 5):
//!
//! ```compile_fail
//! use nn_runtime::math::conv::conv1d;
//! let z: [[f64; 5]; 1] = conv1d::<_, 1, 8, 1, 3, 5, 1, 0>(&[[[1.0; 3]]], &[[0.0; 8]]);
//! ```

use num_traits::Float;

use super::Rows;

mod rows;
mod tiled;
pub use rows::*;
pub use tiled::*;

/// The output length of a convolution: `(L + 2P − K) / S + 1`; a compile error (through the
/// constant it is used in) when the kernel is longer than the padded input or the stride is 0.
const fn conv_len(l: usize, k: usize, s: usize, p: usize) -> usize {
    assert!(s > 0, "the stride of a convolution must be at least 1");
    assert!(k <= l + 2 * p, "the kernel is longer than the padded input");
    (l + 2 * p - k) / s + 1
}

/// The output length of a pooling: `(L − W) / S + 1`; a compile error when the window is
/// longer than the input or the stride is 0.
const fn pool_len(l: usize, w: usize, s: usize) -> usize {
    assert!(s > 0, "the stride of a pooling must be at least 1");
    assert!(
        w > 0 && w <= l,
        "the pooling window is longer than the input"
    );
    (l - w) / s + 1
}

/// Checks, when a convolution is instantiated (a compile error otherwise), that its output
/// length `LO` is the one input length `L`, kernel `K`, stride `S` and padding `P` give.
struct ConvLen<const L: usize, const K: usize, const S: usize, const P: usize, const LO: usize>;
impl<const L: usize, const K: usize, const S: usize, const P: usize, const LO: usize>
    ConvLen<L, K, S, P, LO>
{
    const OK: () = assert!(
        LO == conv_len(L, K, S, P),
        "the output length of the convolution is not (L + 2P − K) / S + 1"
    );
}

/// The same check for a pooling of window `WIN` and stride `S`.
struct PoolLen<const L: usize, const WIN: usize, const S: usize, const LO: usize>;
impl<const L: usize, const WIN: usize, const S: usize, const LO: usize> PoolLen<L, WIN, S, LO> {
    const OK: () = assert!(
        LO == pool_len(L, WIN, S),
        "the output length of the pooling is not (L − WIN) / S + 1"
    );
}

/// The check that `N` = `C` · `L` for [`flatten`].
struct Flat<const C: usize, const L: usize, const N: usize>;
impl<const C: usize, const L: usize, const N: usize> Flat<C, L, N> {
    const OK: () = assert!(N == C * L, "a flattened length is channels × length");
}

/// The input index that output `t`, tap `k` reads, or None in the padding.
#[inline(always)]
fn tap(t: usize, k: usize, s: usize, p: usize, l: usize) -> Option<usize> {
    (t * s + k).checked_sub(p).filter(|&i| i < l)
}

/// The outputs `t` whose tap `k` reads the input rather than the padding, `t_lo..t_hi`, and
/// the input index tap `k` of output `t_lo` reads: a loop over those outputs then steps
/// through the input by `s` with no test per element.
#[inline(always)]
fn tap_range(k: usize, s: usize, p: usize, l: usize, lo_len: usize) -> (usize, usize, usize) {
    // t·s + k − p ≥ 0  ⇔  t ≥ ⌈(p − k) / s⌉;   t·s + k − p ≤ l − 1  ⇔  t ≤ ⌊(l − 1 + p − k) / s⌋.
    let t_lo = p.saturating_sub(k).div_ceil(s).min(lo_len);
    let t_hi = if l + p > k {
        ((l - 1 + p - k) / s + 1).min(lo_len)
    } else {
        0
    }
    .max(t_lo);
    let first = (t_lo * s + k).saturating_sub(p).min(l);
    (t_lo, t_hi, first)
}

/// 1-D convolution of `x` (`CI` channels of length `L`) with the kernel bank `kernel`
/// (`CO` × `CI` × `K`), stride `S`, zero padding `P`: `CO` channels of length `LO`.
#[inline]
pub fn conv1d<
    T: Float,
    const CI: usize,
    const L: usize,
    const CO: usize,
    const K: usize,
    const LO: usize,
    const S: usize,
    const P: usize,
>(
    kernel: &[[[T; K]; CI]; CO],
    x: &[[T; L]; CI],
) -> [[T; LO]; CO] {
    #[allow(clippy::let_unit_value)]
    let () = ConvLen::<L, K, S, P, LO>::OK;
    let mut z = [[T::zero(); LO]; CO];
    // Tap by tap: for kernel weight K[o][c][k], every output it reaches, the input stepped
    // through by S (the sum of each output in the order c, k, as the definition writes it).
    for (zo, ko) in z.iter_mut().zip(kernel) {
        for (xc, kc) in x.iter().zip(ko) {
            for (k, &w) in kc.iter().enumerate() {
                let (t_lo, t_hi, first) = tap_range(k, S, P, L, LO);
                let inputs = xc.iter().skip(first).step_by(S);
                for (zt, &v) in zo.iter_mut().skip(t_lo).take(t_hi - t_lo).zip(inputs) {
                    *zt = *zt + w * v;
                }
            }
        }
    }
    z
}

/// ∂L/∂K of [`conv1d`], *added* to `grad`: `grad[o][c][k] += Σ_t dz[o][t] · x[c][t·S + k − P]`.
#[inline]
pub fn conv1d_kernel_gradient<
    T: Float,
    const CI: usize,
    const L: usize,
    const CO: usize,
    const K: usize,
    const LO: usize,
    const S: usize,
    const P: usize,
>(
    grad: &mut [[[T; K]; CI]; CO],
    x: &[[T; L]; CI],
    dz: &[[T; LO]; CO],
) {
    #[allow(clippy::let_unit_value)]
    let () = ConvLen::<L, K, S, P, LO>::OK;
    for (go, dzo) in grad.iter_mut().zip(dz) {
        for (gc, xc) in go.iter_mut().zip(x) {
            for (k, g) in gc.iter_mut().enumerate() {
                let (t_lo, t_hi, first) = tap_range(k, S, P, L, LO);
                let inputs = xc.iter().skip(first).step_by(S);
                let terms = dzo.iter().skip(t_lo).take(t_hi - t_lo).zip(inputs);
                *g = *g + terms.fold(T::zero(), |sum, (&d, &v)| sum + d * v);
            }
        }
    }
}

/// ∂L/∂x of [`conv1d`]: each output gradient sent back along the taps that read each input,
/// `dx[c][t·S + k − P] += dz[o][t] · K[o][c][k]` (the full convolution with the flipped
/// kernel, written as the scatter it is).
#[inline]
pub fn conv1d_input_gradient<
    T: Float,
    const CI: usize,
    const L: usize,
    const CO: usize,
    const K: usize,
    const LO: usize,
    const S: usize,
    const P: usize,
>(
    kernel: &[[[T; K]; CI]; CO],
    dz: &[[T; LO]; CO],
) -> [[T; L]; CI] {
    #[allow(clippy::let_unit_value)]
    let () = ConvLen::<L, K, S, P, LO>::OK;
    let mut dx = [[T::zero(); L]; CI];
    for (ko, dzo) in kernel.iter().zip(dz) {
        for (dxc, kc) in dx.iter_mut().zip(ko) {
            for (k, &w) in kc.iter().enumerate() {
                let (t_lo, t_hi, first) = tap_range(k, S, P, L, LO);
                let inputs = dxc.iter_mut().skip(first).step_by(S);
                for (v, &d) in inputs.zip(dzo.iter().skip(t_lo).take(t_hi - t_lo)) {
                    *v = *v + d * w;
                }
            }
        }
    }
    dx
}

/// 2-D convolution of `x` (`CI` channels of `H` × `W`) with `kernel` (`CO` × `CI` × `K` × `K`),
/// stride `S` and zero padding `P` on both axes: `CO` channels of `HO` × `WO`.
#[inline]
pub fn conv2d<
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
>(
    kernel: &[[[[T; K]; K]; CI]; CO],
    x: &[[[T; W]; H]; CI],
) -> [[[T; WO]; HO]; CO] {
    #[allow(clippy::let_unit_value)]
    let ((), ()) = (ConvLen::<H, K, S, P, HO>::OK, ConvLen::<W, K, S, P, WO>::OK);
    let mut z = [[[T::zero(); WO]; HO]; CO];
    for (zo, ko) in z.iter_mut().zip(kernel) {
        for (r, zr) in zo.iter_mut().enumerate() {
            for (q, zq) in zr.iter_mut().enumerate() {
                let mut sum = T::zero();
                for (xc, kc) in x.iter().zip(ko) {
                    for (a, ka) in kc.iter().enumerate() {
                        let Some(i) = tap(r, a, S, P, H) else {
                            continue;
                        };
                        for (b, &w) in ka.iter().enumerate() {
                            if let Some(j) = tap(q, b, S, P, W) {
                                sum = sum + w * xc[i][j];
                            }
                        }
                    }
                }
                *zq = sum;
            }
        }
    }
    z
}

/// ∂L/∂K of [`conv2d`], *added* to `grad`.
#[inline]
pub fn conv2d_kernel_gradient<
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
>(
    grad: &mut [[[[T; K]; K]; CI]; CO],
    x: &[[[T; W]; H]; CI],
    dz: &[[[T; WO]; HO]; CO],
) {
    #[allow(clippy::let_unit_value)]
    let ((), ()) = (ConvLen::<H, K, S, P, HO>::OK, ConvLen::<W, K, S, P, WO>::OK);
    for (go, dzo) in grad.iter_mut().zip(dz) {
        for (gc, xc) in go.iter_mut().zip(x) {
            for (a, ga) in gc.iter_mut().enumerate() {
                for (b, g) in ga.iter_mut().enumerate() {
                    let mut sum = T::zero();
                    for (r, dzr) in dzo.iter().enumerate() {
                        let Some(i) = tap(r, a, S, P, H) else {
                            continue;
                        };
                        for (q, &d) in dzr.iter().enumerate() {
                            if let Some(j) = tap(q, b, S, P, W) {
                                sum = sum + d * xc[i][j];
                            }
                        }
                    }
                    *g = *g + sum;
                }
            }
        }
    }
}

/// ∂L/∂x of [`conv2d`]: the scatter of each output gradient along the taps that read each
/// input pixel (the full convolution with the kernel flipped on both axes).
#[inline]
pub fn conv2d_input_gradient<
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
>(
    kernel: &[[[[T; K]; K]; CI]; CO],
    dz: &[[[T; WO]; HO]; CO],
) -> [[[T; W]; H]; CI] {
    #[allow(clippy::let_unit_value)]
    let ((), ()) = (ConvLen::<H, K, S, P, HO>::OK, ConvLen::<W, K, S, P, WO>::OK);
    let mut dx = [[[T::zero(); W]; H]; CI];
    for (ko, dzo) in kernel.iter().zip(dz) {
        for (r, dzr) in dzo.iter().enumerate() {
            for (q, &d) in dzr.iter().enumerate() {
                for (dxc, kc) in dx.iter_mut().zip(ko) {
                    for (a, ka) in kc.iter().enumerate() {
                        let Some(i) = tap(r, a, S, P, H) else {
                            continue;
                        };
                        for (b, &w) in ka.iter().enumerate() {
                            if let Some(j) = tap(q, b, S, P, W) {
                                dxc[i][j] = dxc[i][j] + d * w;
                            }
                        }
                    }
                }
            }
        }
    }
    dx
}

/// `z[o][t] + b[o]`: a bias per output channel, added to every element of the channel.
#[inline]
pub fn add_channel_bias<T: Float, const C: usize, const N: usize>(
    z: &[[T; N]; C],
    b: &[T; C],
) -> [[T; N]; C] {
    let mut out = *z;
    for (row, &bias) in out.iter_mut().zip(b) {
        for v in row.iter_mut() {
            *v = *v + bias;
        }
    }
    out
}

/// ∂L/∂b of [`add_channel_bias`], *added* to `grad`: `grad[o] += Σ_t dz[o][t]` (a bias is
/// added to every element of its channel, so every element's gradient reaches it).
#[inline]
pub fn channel_bias_gradient<T: Float, const C: usize, const N: usize>(
    grad: &mut [T; C],
    dz: &[[T; N]; C],
) {
    for (g, row) in grad.iter_mut().zip(dz) {
        *g = *g + row.iter().fold(T::zero(), |s, &d| s + d);
    }
}

/// The largest of `values` and its index, the first of equal ones; a NaN is the maximum (the
/// first NaN), so that it reaches the output.
#[inline(always)]
fn arg_max<T: Float>(values: impl Iterator<Item = (usize, T)>) -> (usize, T) {
    let mut best = (0, T::neg_infinity());
    for (i, v) in values {
        if best.1.is_nan() {
            break;
        }
        if v.is_nan() || v > best.1 || i == 0 {
            best = (i, v);
        }
    }
    best
}

/// The `(k, value)` of a window of `len` elements of `row` from `start` (every window is
/// inside its row: the lengths are checked when the pooling is instantiated; reading with
/// `skip`/`take` keeps bounds-check panics, and the data their messages need, out of firmware).
#[inline(always)]
fn window<T: Copy>(row: &[T], start: usize, len: usize) -> impl Iterator<Item = (usize, T)> + '_ {
    row.iter().skip(start).take(len).copied().enumerate()
}

/// The `(k, value)` of a `len` × `len` window of `rows` from `(top, left)`, row-major: `k` is
/// `row · len + column` within the window.
#[inline(always)]
fn window2d<T: Copy, const W: usize>(
    rows: &[[T; W]],
    top: usize,
    left: usize,
    len: usize,
) -> impl Iterator<Item = (usize, T)> + '_ {
    rows.iter()
        .skip(top)
        .take(len)
        .enumerate()
        .flat_map(move |(a, row)| window(row, left, len).map(move |(b, v)| (a * len + b, v)))
}

/// 1-D max pooling: the largest element of each window of `WIN` every `S`, per channel.
#[inline]
pub fn max_pool1d<
    T: Float,
    const C: usize,
    const L: usize,
    const WIN: usize,
    const S: usize,
    const LO: usize,
>(
    x: &[[T; L]; C],
) -> [[T; LO]; C] {
    #[allow(clippy::let_unit_value)]
    let () = PoolLen::<L, WIN, S, LO>::OK;
    let mut y = [[T::zero(); LO]; C];
    for (yc, xc) in y.iter_mut().zip(x) {
        for (t, yt) in yc.iter_mut().enumerate() {
            *yt = arg_max(window(xc, t * S, WIN)).1;
        }
    }
    y
}

/// ∂L/∂x of [`max_pool1d`]: each window's gradient to its largest element (the first of
/// equal ones); where windows overlap, the gradients of both add up.
#[inline]
pub fn max_pool1d_gradient<
    T: Float,
    const C: usize,
    const L: usize,
    const WIN: usize,
    const S: usize,
    const LO: usize,
>(
    x: &[[T; L]; C],
    dy: &[[T; LO]; C],
) -> [[T; L]; C] {
    #[allow(clippy::let_unit_value)]
    let () = PoolLen::<L, WIN, S, LO>::OK;
    let mut dx = [[T::zero(); L]; C];
    for ((dxc, xc), dyc) in dx.iter_mut().zip(x).zip(dy) {
        for (t, &d) in dyc.iter().enumerate() {
            let (k, _) = arg_max(window(xc, t * S, WIN));
            if let Some(v) = dxc.get_mut(t * S + k) {
                *v = *v + d;
            }
        }
    }
    dx
}

/// 1-D average pooling: the mean of each window of `WIN` every `S`, per channel.
#[inline]
pub fn avg_pool1d<
    T: Float,
    const C: usize,
    const L: usize,
    const WIN: usize,
    const S: usize,
    const LO: usize,
>(
    x: &[[T; L]; C],
) -> [[T; LO]; C] {
    #[allow(clippy::let_unit_value)]
    let () = PoolLen::<L, WIN, S, LO>::OK;
    let n = T::from(WIN).unwrap_or_else(T::one);
    let mut y = [[T::zero(); LO]; C];
    for (yc, xc) in y.iter_mut().zip(x) {
        for (t, yt) in yc.iter_mut().enumerate() {
            *yt = window(xc, t * S, WIN).fold(T::zero(), |s, (_, v)| s + v) / n;
        }
    }
    y
}

/// ∂L/∂x of [`avg_pool1d`]: `∂L/∂y / WIN` to every element of the window.
#[inline]
pub fn avg_pool1d_gradient<
    T: Float,
    const C: usize,
    const L: usize,
    const WIN: usize,
    const S: usize,
    const LO: usize,
>(
    dy: &[[T; LO]; C],
) -> [[T; L]; C] {
    #[allow(clippy::let_unit_value)]
    let () = PoolLen::<L, WIN, S, LO>::OK;
    let n = T::from(WIN).unwrap_or_else(T::one);
    let mut dx = [[T::zero(); L]; C];
    for (dxc, dyc) in dx.iter_mut().zip(dy) {
        for (t, &d) in dyc.iter().enumerate() {
            for v in dxc.iter_mut().skip(t * S).take(WIN) {
                *v = *v + d / n;
            }
        }
    }
    dx
}

/// 2-D max pooling: the largest of each `WIN` × `WIN` window every `S` on both axes.
#[inline]
pub fn max_pool2d<
    T: Float,
    const C: usize,
    const H: usize,
    const W: usize,
    const WIN: usize,
    const S: usize,
    const HO: usize,
    const WO: usize,
>(
    x: &[[[T; W]; H]; C],
) -> [[[T; WO]; HO]; C] {
    #[allow(clippy::let_unit_value)]
    let ((), ()) = (PoolLen::<H, WIN, S, HO>::OK, PoolLen::<W, WIN, S, WO>::OK);
    let mut y = [[[T::zero(); WO]; HO]; C];
    for (yc, xc) in y.iter_mut().zip(x) {
        for (r, yr) in yc.iter_mut().enumerate() {
            for (q, yq) in yr.iter_mut().enumerate() {
                *yq = arg_max(window2d(xc, r * S, q * S, WIN)).1;
            }
        }
    }
    y
}

/// ∂L/∂x of [`max_pool2d`]: each window's gradient to its largest element (the first of equal
/// ones in row-major order).
#[inline]
pub fn max_pool2d_gradient<
    T: Float,
    const C: usize,
    const H: usize,
    const W: usize,
    const WIN: usize,
    const S: usize,
    const HO: usize,
    const WO: usize,
>(
    x: &[[[T; W]; H]; C],
    dy: &[[[T; WO]; HO]; C],
) -> [[[T; W]; H]; C] {
    #[allow(clippy::let_unit_value)]
    let ((), ()) = (PoolLen::<H, WIN, S, HO>::OK, PoolLen::<W, WIN, S, WO>::OK);
    let mut dx = [[[T::zero(); W]; H]; C];
    for ((dxc, xc), dyc) in dx.iter_mut().zip(x).zip(dy) {
        for (r, dyr) in dyc.iter().enumerate() {
            for (q, &d) in dyr.iter().enumerate() {
                let (k, _) = arg_max(window2d(xc, r * S, q * S, WIN));
                let (i, j) = (r * S + k / WIN, q * S + k % WIN);
                if let Some(v) = dxc.get_mut(i).and_then(|row| row.get_mut(j)) {
                    *v = *v + d;
                }
            }
        }
    }
    dx
}

/// 2-D average pooling: the mean of each `WIN` × `WIN` window every `S` on both axes.
#[inline]
pub fn avg_pool2d<
    T: Float,
    const C: usize,
    const H: usize,
    const W: usize,
    const WIN: usize,
    const S: usize,
    const HO: usize,
    const WO: usize,
>(
    x: &[[[T; W]; H]; C],
) -> [[[T; WO]; HO]; C] {
    #[allow(clippy::let_unit_value)]
    let ((), ()) = (PoolLen::<H, WIN, S, HO>::OK, PoolLen::<W, WIN, S, WO>::OK);
    let n = T::from(WIN * WIN).unwrap_or_else(T::one);
    let mut y = [[[T::zero(); WO]; HO]; C];
    for (yc, xc) in y.iter_mut().zip(x) {
        for (r, yr) in yc.iter_mut().enumerate() {
            for (q, yq) in yr.iter_mut().enumerate() {
                let sum = window2d(xc, r * S, q * S, WIN).fold(T::zero(), |s, (_, v)| s + v);
                *yq = sum / n;
            }
        }
    }
    y
}

/// ∂L/∂x of [`avg_pool2d`]: `∂L/∂y / WIN²` to every element of the window.
#[inline]
pub fn avg_pool2d_gradient<
    T: Float,
    const C: usize,
    const H: usize,
    const W: usize,
    const WIN: usize,
    const S: usize,
    const HO: usize,
    const WO: usize,
>(
    dy: &[[[T; WO]; HO]; C],
) -> [[[T; W]; H]; C] {
    #[allow(clippy::let_unit_value)]
    let ((), ()) = (PoolLen::<H, WIN, S, HO>::OK, PoolLen::<W, WIN, S, WO>::OK);
    let n = T::from(WIN * WIN).unwrap_or_else(T::one);
    let mut dx = [[[T::zero(); W]; H]; C];
    for (dxc, dyc) in dx.iter_mut().zip(dy) {
        for (r, dyr) in dyc.iter().enumerate() {
            for (q, &d) in dyr.iter().enumerate() {
                for row in dxc.iter_mut().skip(r * S).take(WIN) {
                    for v in row.iter_mut().skip(q * S).take(WIN) {
                        *v = *v + d / n;
                    }
                }
            }
        }
    }
    dx
}

/// The channels laid end to end, channel by channel: what a dense layer after a convolution
/// reads. `N` must be `C · L`.
#[inline]
pub fn flatten<T: Float, const C: usize, const L: usize, const N: usize>(
    x: &[[T; L]; C],
) -> [T; N] {
    #[allow(clippy::let_unit_value)]
    let () = Flat::<C, L, N>::OK;
    let mut out = [T::zero(); N];
    // Element by element (`N` = `C` · `L` is checked above): no chunking, whose zero-size
    // check would leave a panic, and its message, in firmware.
    for (o, &v) in out.iter_mut().zip(x.iter().flatten()) {
        *o = v;
    }
    out
}

/// ∂L/∂x of [`flatten`]: the gradient cut back into channels.
#[inline]
pub fn unflatten<T: Float, const C: usize, const L: usize, const N: usize>(
    d: &[T; N],
) -> [[T; L]; C] {
    #[allow(clippy::let_unit_value)]
    let () = Flat::<C, L, N>::OK;
    let mut out = [[T::zero(); L]; C];
    for (o, &v) in out.iter_mut().flatten().zip(d) {
        *o = v;
    }
    out
}

/// The channels of images laid end to end, channel by channel and row by row: what a dense
/// layer after a 2-D convolution reads. `N` must be `C · H · W`.
#[inline]
pub fn flatten2d<T: Float, const C: usize, const H: usize, const W: usize, const N: usize>(
    x: &[[[T; W]; H]; C],
) -> [T; N] {
    #[allow(clippy::let_unit_value)]
    let () = Flat2d::<C, H, W, N>::OK;
    let mut out = [T::zero(); N];
    for (o, &v) in out.iter_mut().zip(x.iter().flatten().flatten()) {
        *o = v;
    }
    out
}

/// ∂L/∂x of [`flatten2d`]: the gradient cut back into channels of rows.
#[inline]
pub fn unflatten2d<T: Float, const C: usize, const H: usize, const W: usize, const N: usize>(
    d: &[T; N],
) -> [[[T; W]; H]; C] {
    #[allow(clippy::let_unit_value)]
    let () = Flat2d::<C, H, W, N>::OK;
    let mut out = [[[T::zero(); W]; H]; C];
    for (o, &v) in out.iter_mut().flatten().flatten().zip(d) {
        *o = v;
    }
    out
}

/// Checks, when a 2-D flatten is instantiated, that `N` = `C · H · W`.
struct Flat2d<const C: usize, const H: usize, const W: usize, const N: usize>;
impl<const C: usize, const H: usize, const W: usize, const N: usize> Flat2d<C, H, W, N> {
    const OK: () = assert!(
        N == C * H * W,
        "a flattened length is channels × rows × columns"
    );
}

/// The sum of each channel: ∂L/∂b of `z + b` with one bias per channel, from `dz` = ∂L/∂z.
#[inline]
pub fn channel_sums<T: Float, const C: usize, const L: usize>(dz: &[[T; L]; C]) -> [T; C] {
    let mut sums = [T::zero(); C];
    channel_bias_gradient(&mut sums, dz);
    sums
}

/// The sum of each channel of images: ∂L/∂b of `z + b` with one bias per channel.
#[inline]
pub fn channel_sums2d<T: Float, const C: usize, const H: usize, const W: usize>(
    dz: &[[[T; W]; H]; C],
) -> [T; C] {
    let mut sums = [T::zero(); C];
    for (s, channel) in sums.iter_mut().zip(dz) {
        *s = channel.iter().flatten().fold(T::zero(), |acc, &d| acc + d);
    }
    sums
}

/// `a += b`, element by element, of channel data: where gradients of channel data add up.
#[inline]
pub fn add_assign_channels<T: Float, const C: usize, const L: usize>(
    a: &mut [[T; L]; C],
    b: &[[T; L]; C],
) {
    for (x, &y) in a.iter_mut().flatten().zip(b.iter().flatten()) {
        *x = *x + y;
    }
}

/// `a += b`, element by element, of images.
#[inline]
pub fn add_assign_images<T: Float, const C: usize, const H: usize, const W: usize>(
    a: &mut [[[T; W]; H]; C],
    b: &[[[T; W]; H]; C],
) {
    for (x, &y) in a
        .iter_mut()
        .flatten()
        .flatten()
        .zip(b.iter().flatten().flatten())
    {
        *x = *x + y;
    }
}

/// Checks, when a batched convolution is instantiated, that its column matrix has `KK` = `CI`·`K`
/// columns and `R` = `B`·`LO` rows.
struct Columns<
    const CI: usize,
    const K: usize,
    const KK: usize,
    const B: usize,
    const LO: usize,
    const R: usize,
>;
impl<
        const CI: usize,
        const K: usize,
        const KK: usize,
        const B: usize,
        const LO: usize,
        const R: usize,
    > Columns<CI, K, KK, B, LO, R>
{
    const OK: () = assert!(
        KK == CI * K && R == B * LO,
        "the columns of a batched convolution are CI · K wide and B · LO long"
    );
}

/// The kernel bank as a matrix: row `o` is output channel `o`'s `CI` · `K` weights, channel by
/// channel (the order of a column of [`conv1d_columns`]).
#[inline]
pub fn conv1d_kernel_matrix<
    T: Float,
    const CI: usize,
    const CO: usize,
    const K: usize,
    const KK: usize,
>(
    kernel: &[[[T; K]; CI]; CO],
) -> [[T; KK]; CO] {
    #[allow(clippy::let_unit_value)]
    let () = Columns::<CI, K, KK, 1, 1, 1>::OK;
    tiled::kernel_matrix(kernel.as_flattened().as_flattened())
}

/// im2col: row `s·LO + t` holds the `CI` · `K` inputs that output `t` of sample `s` reads,
/// channel by channel, 0 where a tap falls in the padding. With it, the convolution of a whole
/// batch is one matrix product, `Z = columns · Kᵀ` ([`conv1d_batch`]).
#[inline]
pub fn conv1d_columns<
    T: Float,
    const CI: usize,
    const L: usize,
    const K: usize,
    const LO: usize,
    const S: usize,
    const P: usize,
    const B: usize,
    const KK: usize,
    const R: usize,
>(
    x: &impl Rows<[[T; L]; CI], B>,
    columns: &mut [[T; KK]; R],
) {
    #[allow(clippy::let_unit_value)]
    let ((), ()) = (
        ConvLen::<L, K, S, P, LO>::OK,
        Columns::<CI, K, KK, B, LO, R>::OK,
    );
    for (s, rows) in columns.chunks_mut(LO.max(1)).enumerate() {
        let Some(xs) = x.get(s) else { break };
        for (t, row) in rows.iter_mut().enumerate() {
            *row = [T::zero(); KK];
            tiled::column1d::<T, CI, L, K, S, P, KK>(xs, t, row);
        }
    }
}

/// [`conv1d`] of every sample of a batch at once, as one matrix product through the tiled batch
/// kernels ([`matmul_batch`](super::matmul_batch): AVX2 and FMA where the CPU has them): the
/// columns of the batch ([`conv1d_columns`], written into `columns`) times the kernel matrix
/// ([`conv1d_kernel_matrix`]). `columns` is the caller's (`R` = `B`·`LO` rows of `KK` = `CI`·`K`;
/// on the heap for large batches) and is what [`conv1d_batch_gradients`] reads.
#[inline]
pub fn conv1d_batch<
    T: Float,
    const CI: usize,
    const L: usize,
    const CO: usize,
    const K: usize,
    const LO: usize,
    const S: usize,
    const P: usize,
    const B: usize,
    const KK: usize,
    const R: usize,
>(
    kernel: &[[[T; K]; CI]; CO],
    x: &impl Rows<[[T; L]; CI], B>,
    columns: &mut [[T; KK]; R],
    z: &mut [[[T; LO]; CO]; B],
) {
    conv1d_columns::<T, CI, L, K, LO, S, P, B, KK, R>(x, columns);
    let weights = conv1d_kernel_matrix::<T, CI, CO, K, KK>(kernel);
    let rows: [[T; CO]; R] = super::matmul_batch(&weights, columns);
    for (zs, rows) in z.iter_mut().zip(rows.chunks(LO.max(1))) {
        for (t, row) in rows.iter().enumerate() {
            for (zo, &v) in zs.iter_mut().zip(row) {
                if let Some(out) = zo.get_mut(t) {
                    *out = v;
                }
            }
        }
    }
}

/// The gradients of [`conv1d_batch`] from every sample's ∂L/∂z: Σₛ ∂Lₛ/∂K *added* to `grad`
/// (one product `dZᵀ · columns`, [`outer_add_batch`](super::outer_add_batch)) and, when `dx` is
/// given, each sample's ∂L/∂x (the product `dZ · K` scattered back over the taps, col2im; a
/// first layer, whose input is data, needs none). `columns` must hold the batch's columns, as
/// [`conv1d_batch`] left them.
#[inline]
pub fn conv1d_batch_gradients<
    T: Float,
    const CI: usize,
    const L: usize,
    const CO: usize,
    const K: usize,
    const LO: usize,
    const S: usize,
    const P: usize,
    const B: usize,
    const KK: usize,
    const R: usize,
>(
    kernel: &[[[T; K]; CI]; CO],
    columns: &[[T; KK]; R],
    dz: &[[[T; LO]; CO]; B],
    grad: &mut [[[T; K]; CI]; CO],
    dx: Option<&mut [[[T; L]; CI]; B]>,
) {
    #[allow(clippy::let_unit_value)]
    let ((), ()) = (
        ConvLen::<L, K, S, P, LO>::OK,
        Columns::<CI, K, KK, B, LO, R>::OK,
    );
    // dZ as rows (sample, output position), a column per output channel.
    let mut rows = [[T::zero(); CO]; R];
    for (rows, dzs) in rows.chunks_mut(LO.max(1)).zip(dz) {
        for (t, row) in rows.iter_mut().enumerate() {
            for (v, dzo) in row.iter_mut().zip(dzs) {
                *v = dzo.get(t).copied().unwrap_or_else(T::zero);
            }
        }
    }
    let mut g = [[T::zero(); KK]; CO];
    super::outer_add_batch(&mut g, &rows, columns);
    tiled::add_kernel_gradient(grad.as_flattened_mut().as_flattened_mut(), &g);
    let Some(dx) = dx else {
        return;
    };
    let weights = conv1d_kernel_matrix::<T, CI, CO, K, KK>(kernel);
    let d_columns: [[T; KK]; R] = super::transpose_mul_batch(&weights, &rows);
    for (dxs, d_rows) in dx.iter_mut().zip(d_columns.chunks(LO.max(1))) {
        *dxs = [[T::zero(); L]; CI];
        for (t, d_col) in d_rows.iter().enumerate() {
            tiled::scatter1d::<T, CI, L, K, S, P, KK>(d_col, t, dxs);
        }
    }
}

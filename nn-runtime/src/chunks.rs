//! A mini-batch's gradient in chunks: each chunk of samples goes through
//! [`Network::gradient_batch`] (for generated networks, one matrix product per layer for the
//! whole chunk), whose arrays of per-sample values live on the stack; the chunk sizes are
//! bounded by the stack they may take.

use num_traits::Float;

use crate::error::Error;
use crate::loss::Loss;
use crate::network::{Network, Parameters};
use crate::tensor::Tensor;

/// The chunk sizes, largest first: each size has its own compiled `gradient_batch`. Without
/// `std` (firmware) at most 16: the chunks of 64 and 32 pay on a processor with vector units,
/// and their two more copies of the batched gradient cost flash (on a Cortex-M4F, 8 KB more
/// for the digits network's training, 3.5 KB for XOR's, which trains sample by sample).
#[cfg(feature = "std")]
pub const CHUNKS: &[usize] = &[64, 32, 16, 8, 4, 2];
/// The chunk sizes, largest first (see the `std` build's).
#[cfg(not(feature = "std"))]
pub const CHUNKS: &[usize] = &[16, 8, 4, 2];

/// The most samples per call of [`Network::gradient_batch`] within a mini-batch (64; 16
/// without `std`). A batch of 64 in one call instead of four chunks of 16 reads the weights
/// once instead of four times
/// and adds to the gradient once (256-256-10, batch 64: the `Trainer`'s step 1.17× the bare
/// generated step with chunks of 16, 1.04× with one chunk; `cargo bench --bench mlp --
/// trainer`).
pub const CHUNK: usize = CHUNKS[0];

/// The stack the batched path may use by default: a chunk of `c` samples is sent through
/// [`Network::gradient_batch`] only if `c` × ([`Network::STACK_PER_SAMPLE`] + the input's size)
/// is at most this (512 KiB); the chunk is the largest of [`CHUNKS`] that fits, and a network
/// for which even 2 do not fit trains sample by sample. So the batched path of any network
/// needs at most about this much stack beyond the per-sample path's (debug builds keep some
/// temporaries besides: the tests train 784-512-10 on a 2 MiB thread). Firmware sets a bound
/// of its own with [`Trainer::stack_limit`](crate::Trainer::stack_limit).
pub const BATCH_STACK_LIMIT: usize = 512 * 1024;

/// The chunk for `N` under [`BATCH_STACK_LIMIT`]; 1 means sample by sample.
pub fn chunk_for<N: Network>() -> usize {
    chunk_within::<N>(BATCH_STACK_LIMIT)
}

/// The chunk for `N` when the batched path may use `limit` bytes of stack (see
/// [`BATCH_STACK_LIMIT`]); 1 means sample by sample.
pub fn chunk_within<N: Network>(limit: usize) -> usize {
    let per_sample = N::STACK_PER_SAMPLE + core::mem::size_of::<N::Input>();
    CHUNKS
        .iter()
        .copied()
        .find(|&c| c.saturating_mul(per_sample) <= limit)
        .unwrap_or(1)
}

/// Adds the gradient of the samples `range` (in the epoch's order, read by `sample`) to
/// `grads`, and their losses / `n` to `mean`; whether every loss was finite.
///
/// Chunks of `chunk` samples (one of [`CHUNKS`], or 1) while they fit in the range, then each
/// smaller size in turn while it fits, then the samples left one at a time (at most one when
/// `chunk` ≥ 2; all of them when it is 1, and a batch of one): a batch of 100 with `chunk` 64
/// goes as 64, 32 and 4; with `chunk` 16, as six chunks of 16 and one of 4; a batch of 7 as 4,
/// 2 and 1.
#[allow(clippy::too_many_arguments)]
pub(crate) fn add_batch_gradient<'d, N, Y, L>(
    params: &N,
    loss: &L,
    sample: &impl Fn(usize) -> Result<(&'d N::Input, &'d Y), Error>,
    range: core::ops::Range<usize>,
    chunk: usize,
    grads: &mut N,
    mean: &mut N::Scalar,
    n: N::Scalar,
) -> Result<bool, Error>
where
    N: Network + 'd,
    N::Output: Tensor<Scalar = N::Scalar>,
    L: Loss<N::Output, Y>,
    Y: 'd,
{
    // Not `range.len()`: its assertion (`ExactSizeIterator`'s) stays in the code at opt-level
    // 2 and 3 where the range is not known to be ordered.
    let len = range.end.saturating_sub(range.start);
    let mut finite = true;
    let mut start = range.start;
    for size in split(len, chunk) {
        let args = (params, loss, sample, start, &mut *grads, &mut *mean, n);
        finite &= match size {
            #[cfg(feature = "std")]
            64 => chunk_gradient::<N, Y, L, 64>(args)?,
            #[cfg(feature = "std")]
            32 => chunk_gradient::<N, Y, L, 32>(args)?,
            16 => chunk_gradient::<N, Y, L, 16>(args)?,
            8 => chunk_gradient::<N, Y, L, 8>(args)?,
            4 => chunk_gradient::<N, Y, L, 4>(args)?,
            // 2, the last of `CHUNKS` (checked below): `split` gives no other size.
            _ => chunk_gradient::<N, Y, L, 2>(args)?,
        };
        start += size;
    }
    // The samples left, and a batch of one (XOR's), which as the last arm of the match above
    // took 939 instructions a step through the `Trainer` instead of 855 (the bare step 660).
    for i in start..range.end {
        finite &= sample_gradient(params, loss, sample, i, grads, mean, n)?;
    }
    Ok(finite)
}

// `add_batch_gradient`'s match has an arm for each of these sizes.
#[cfg(feature = "std")]
const _: () = assert!(matches!(CHUNKS, [64, 32, 16, 8, 4, 2]));
#[cfg(not(feature = "std"))]
const _: () = assert!(matches!(CHUNKS, [16, 8, 4, 2]));

/// Adds the gradient of sample `i` (through [`Network::forward_tape`] and
/// [`Network::backward_params`]) to `grads`, and its loss / `n` to `mean`; whether the loss was
/// finite.
///
/// Never inlined: inlined into [`add_batch_gradient`], its values (the network's tape) took
/// room in that frame under every chunk's, and where it was inlined twice, the network's
/// `forward_tape` was no longer inlined whole at opt-level "s" and one of its closures kept a
/// branch to a panic (`.ci/cortex-m`'s panic scan).
#[inline(never)]
fn sample_gradient<'d, N, Y, L>(
    params: &N,
    loss: &L,
    sample: &impl Fn(usize) -> Result<(&'d N::Input, &'d Y), Error>,
    i: usize,
    grads: &mut N,
    mean: &mut N::Scalar,
    n: N::Scalar,
) -> Result<bool, Error>
where
    N: Network + 'd,
    N::Output: Tensor<Scalar = N::Scalar>,
    L: Loss<N::Output, Y>,
    Y: 'd,
{
    let (x, y) = sample(i)?;
    let (out, tape) = params.forward_tape(x);
    // A non-finite loss fails the step before its gradient is applied.
    let (l, dl_dout) = loss.value_and_gradient_where_finite(&out, y);
    *mean = *mean + l / n;
    params.backward_params(&tape, &dl_dout, grads);
    Ok(l.is_finite())
}

/// The chunks in which [`add_batch_gradient`] sends `len` samples: as many of the largest of
/// [`CHUNKS`] up to `chunk` as fit, then of each smaller one; the samples left (at most one
/// when `chunk` ≥ 2, all of them when it is 1) go one at a time.
fn split(mut len: usize, chunk: usize) -> impl Iterator<Item = usize> {
    core::iter::from_fn(move || {
        let size = CHUNKS.iter().copied().find(|&c| c <= chunk && c <= len)?;
        len -= size;
        Some(size)
    })
}

/// What [`chunk_gradient`] reads and adds to: the network, the loss, the samples, the chunk's
/// first sample, the gradient, the mean loss and the number of samples it is the mean over.
type ChunkArgs<'a, 'd, N, L, S> = (
    &'a N,
    &'a L,
    &'a S,
    usize,
    &'a mut N,
    &'a mut <N as Parameters>::Scalar,
    <N as Parameters>::Scalar,
);

/// Adds the gradient of the `B` samples from `start` through [`Network::gradient_batch`] (see
/// [`add_batch_gradient`]); whether every loss was finite.
///
/// Never inlined: inlined, the stack arrays of every chunk size would be laid out side by side
/// in the frame of the fit (LLVM does not overlap them), so the fit's stack was their sum, not
/// the largest one's (21 KB for digits 64-32-10 on a Cortex-M4F with four sizes).
#[inline(never)]
fn chunk_gradient<'a, 'd, N, Y, L, const B: usize>(
    (params, loss, sample, start, grads, mean, n): ChunkArgs<
        'a,
        'd,
        N,
        L,
        impl Fn(usize) -> Result<(&'d N::Input, &'d Y), Error>,
    >,
) -> Result<bool, Error>
where
    N: Network + 'd,
    N::Output: Tensor<Scalar = N::Scalar>,
    L: Loss<N::Output, Y>,
    Y: 'd,
{
    let (x0, y0) = sample(start)?;
    // The samples by reference (the generated `gradient_batch_of` reads them where they are);
    // a missing one, which `Dataset` cannot have, fails the step.
    let mut missing = None;
    let mut gather = |j: usize| match sample(start + j) {
        Ok(pair) => pair,
        Err(e) => {
            missing = Some(e);
            (x0, y0)
        }
    };
    let pairs: [(&N::Input, &Y); B] = core::array::from_fn(&mut gather);
    if let Some(e) = missing {
        return Err(e);
    }
    let xs: [&N::Input; B] = pairs.map(|(x, _)| x);
    let ys: [&Y; B] = pairs.map(|(_, y)| y);
    let mut finite = true;
    params.gradient_batch_of(
        &xs,
        |s, out| {
            // `gradient_batch` passes s < B; should a network implemented by hand not, the
            // step fails as a non-finite one (by `get`: an index would leave a panic in the
            // code at opt-level "z").
            let y = ys.get(s).copied();
            finite &= y.is_some();
            let (l, dl_dout) = loss.value_and_gradient_where_finite(out, y.unwrap_or(y0));
            finite &= l.is_finite();
            *mean = *mean + l / n;
            dl_dout
        },
        grads,
    );
    Ok(finite)
}

#[cfg(all(test, feature = "std"))]
mod tests {
    use super::split;
    use std::vec::Vec;

    fn sizes(len: usize, chunk: usize) -> Vec<usize> {
        split(len, chunk).collect()
    }

    #[test]
    fn a_batch_goes_in_the_largest_chunks_first() {
        assert_eq!(sizes(100, 64), [64, 32, 4]);
        assert_eq!(sizes(100, 16), [16, 16, 16, 16, 16, 16, 4]);
        assert_eq!(sizes(64, 64), [64]);
        // The samples left go one at a time, after the chunks.
        assert_eq!(sizes(7, 64), [4, 2]);
        assert_eq!(sizes(40, 32), [32, 8]);
        assert_eq!(sizes(3, 2), [2]);
        assert!(sizes(3, 1).is_empty());
        assert!(sizes(1, 64).is_empty());
        assert!(sizes(0, 64).is_empty());
    }
}

//! A batch argument's rows, one per sample, read where they are: in one array `[R; B]`, or
//! anywhere in memory through an array of references, [`ByRef`].
//!
//! The batch kernels ([`matmul_batch`](super::matmul_batch),
//! [`outer_add_batch`](super::outer_add_batch), the batched convolutions) and the generated
//! `forward_batch` and `gradient_batch` take their data arguments as `&impl Rows<R, B>`: a
//! caller with the batch in one array passes it as before, and the
//! [`Trainer`](crate::Trainer), whose samples of a shuffled batch lie anywhere in the data set,
//! passes references to them instead of copying each input into a new array first (that copy
//! was about 3 % of the digits network's training step, 32 calls to `memcpy` of 256 bytes, and
//! 64 KB a step at 256-256-10).
//!
//! ```
//! use nn_runtime::math::{matmul_batch, ByRef};
//! let w = [[1.0_f32, 2.0], [3.0, 4.0]];
//! let samples = [[1.0, 0.0], [0.0, 1.0], [2.0, 2.0]];
//! // The first and last sample, where they are.
//! let picked = ByRef([&samples[0], &samples[2]]);
//! assert_eq!(matmul_batch(&w, &picked), matmul_batch(&w, &[samples[0], samples[2]]));
//! ```

use core::ops::Index;

/// `B` rows of type `R`, row `s` being sample `s`'s value: `rows[s]` reads it.
///
/// Implemented by arrays `[R; B]` and by [`ByRef`]; a kernel's result does not depend on which
/// (the same rows give the same bits). A batch in a `Box` is passed as `&*rows`: the generic
/// argument takes no automatic dereference.
///
/// An implementation of your own must hold exactly `B` rows: `rows[s]` returns row `s` without
/// panicking for every `s < B`, and `get(s)` is `Some(&rows[s])` for `s < B` and `None` after
/// (the kernels read through both).
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not the rows of a batch of {B} samples of `{R}`",
    label = "expected `[{R}; {B}]` or `ByRef<{R}, {B}>`",
    note = "pass an array `&[row; B]` (`&*rows` for a `Box`), or `&ByRef([&row, …])` for rows held anywhere"
)]
pub trait Rows<R, const B: usize>: Index<usize, Output = R> {
    /// Row `s`, or `None` when `s ≥ B`: for code that must not keep an index's panic (the
    /// Cortex-M build is checked for none).
    fn get(&self, s: usize) -> Option<&R>;
}

impl<R, const B: usize> Rows<R, B> for [R; B] {
    #[inline(always)]
    fn get(&self, s: usize) -> Option<&R> {
        <[R]>::get(self, s)
    }
}

/// Rows held by reference, `ByRef([&a, &b, …])`: a batch gathered from anywhere (the samples of
/// a shuffled mini-batch) without copying them.
#[derive(Debug)]
pub struct ByRef<'a, R, const B: usize>(pub [&'a R; B]);

// By hand: derived, they would ask `R: Clone`, which references do not need.
impl<R, const B: usize> Clone for ByRef<'_, R, B> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<R, const B: usize> Copy for ByRef<'_, R, B> {}

impl<R, const B: usize> Index<usize> for ByRef<'_, R, B> {
    type Output = R;
    #[inline(always)]
    fn index(&self, s: usize) -> &R {
        self.0[s]
    }
}

impl<R, const B: usize> Rows<R, B> for ByRef<'_, R, B> {
    #[inline(always)]
    fn get(&self, s: usize) -> Option<&R> {
        self.0.get(s).copied()
    }
}

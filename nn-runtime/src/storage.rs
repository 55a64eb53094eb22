//! Where large parameter tensors live: on the heap under `std`, in place without it.
//!
//! `#[network]` gives every parameter tensor of [`LARGE`] elements or more the field type
//! [`Large<A>`] instead of the array `A` itself: a `Box<A>` under the `std` feature, `A`
//! without it. A 784-512-10 MLP in `f32` is 1.6 MB of parameters; its optimizer state, gradient
//! and the Trainer's rollback copy as many again. On the heap, all of these are a few pointers
//! on the stack, so networks of any size train on a thread's default stack (8 MiB for the main
//! thread on Linux, 2 MiB for spawned threads), in debug builds too. They are allocated when
//! they are made (`Params::init`, `Adam::new`, the start of `Trainer::fit`), never in a step.
//!
//! Without `std` nothing allocates: `Large<A>` is the array, and the caller decides where a
//! network's state lives (a `static`, or buffers it owns; see
//! [`Trainer::fit_in`](crate::Trainer::fit_in)). Small networks are the same either way: their
//! fields are plain arrays, their `Params` are `Copy`.
//!
//! Field access is the same for both: indexing (`W1[i][j]`) and method calls go through the
//! `Box`, and `&W1` coerces to `&[[T; n]; m]` where a function asks for one.
//!
//! ```
//! use nn_runtime::storage::{zero_matrix, Large};
//!
//! // 512 rows of 784: made row by row on the heap, never whole on the stack.
//! let w: Large<[[f32; 784]; 512]> = zero_matrix();
//! assert_eq!(w[511][783], 0.0);
//! assert_eq!(w.as_flattened().len(), 784 * 512);
//! ```

use num_traits::Float;

/// Parameter tensors with at least this many elements get the field type [`Large`] (16 KiB of
/// `f32`). The code generator uses the same number.
pub const LARGE: usize = 4096;

/// A large parameter tensor: `Box<A>` under `std`.
#[cfg(feature = "std")]
pub type Large<A> = std::boxed::Box<A>;

/// A large parameter tensor: the array itself without `std`.
#[cfg(not(feature = "std"))]
pub type Large<A> = A;

/// A vector of zeros where a [`Large`] tensor lives: on the heap under `std`, made element by
/// element there, never as a whole on the stack.
#[cfg(feature = "std")]
pub fn zero_vector<T: Float, const N: usize>() -> Large<[T; N]> {
    let elements = std::vec![T::zero(); N].into_boxed_slice();
    match elements.try_into() {
        Ok(array) => array,
        // A boxed slice of N elements always converts to a boxed array of N.
        Err(_) => unreachable!("a slice of {N} elements is an array of {N}"),
    }
}

/// A vector of zeros where a [`Large`] tensor lives: in place without `std`.
#[cfg(not(feature = "std"))]
pub fn zero_vector<T: Float, const N: usize>() -> Large<[T; N]> {
    [T::zero(); N]
}

/// A matrix of zeros (R rows of C) where a [`Large`] tensor lives: on the heap under `std`,
/// made row by row there, never as a whole on the stack.
#[cfg(feature = "std")]
pub fn zero_matrix<T: Float, const C: usize, const R: usize>() -> Large<[[T; C]; R]> {
    let rows = std::vec![[T::zero(); C]; R].into_boxed_slice();
    match rows.try_into() {
        Ok(matrix) => matrix,
        Err(_) => unreachable!("a slice of {R} rows is an array of {R}"),
    }
}

/// A matrix of zeros (R rows of C) where a [`Large`] tensor lives: in place without `std`.
#[cfg(not(feature = "std"))]
pub fn zero_matrix<T: Float, const C: usize, const R: usize>() -> Large<[[T; C]; R]> {
    [[T::zero(); C]; R]
}

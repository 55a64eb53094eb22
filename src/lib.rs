//! Compile-time symbolic differentiation for small neural networks.
//!
//! Write a network as an expression in an ordinary function, put [`network`] on it, and get a
//! specialised forward function and a chain-rule backward function in plain Rust.
#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub use nn_macros::network;
pub use nn_runtime::*;

/// Everything a program that defines and trains a network usually needs, in one `use`:
/// the attribute, the traits, and the runtime's losses, optimizers, initialisers and loop.
pub mod prelude {
    pub use nn_macros::network;
    pub use nn_runtime::prelude::*;
    pub use nn_runtime::Float;
}

//! Compile-time symbolic differentiation for small neural networks.
//!
//! Write a network as an expression in an ordinary function, put [`network`] on it, and get a
//! specialised forward function and a chain-rule backward function in plain Rust.
#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub use nn_macros::network;
pub use nn_runtime::*;

/// Everything a program that trains a network usually needs.
pub mod prelude {
    pub use nn_macros::network;
    pub use nn_runtime::{Float, Network, Parameters, TensorInfo};
}

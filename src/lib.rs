//! Compile-time symbolic differentiation for small neural networks.
//!
//! Write a network as an expression in an ordinary function, put [`network`] on it, and get a
//! specialised forward function and a chain-rule backward function in plain Rust.
//!
//! Training XOR from nothing: the network, the data, the initialisation, the loop and the
//! predictions.
//!
//! ```
//! use nn::prelude::*;
//!
//! #[network]
//! fn xor(x: [f64; 2], W1: [[f64; 2]; 4], b1: [f64; 4], w2: [f64; 4], b2: f64) -> f64 {
//!     let h = tanh(W1·x + b1);
//!     y = sigmoid(w2·h + b2)
//! }
//!
//! fn main() -> Result<(), nn::Error> {
//!     let data = [([0., 0.], 0.), ([0., 1.], 1.), ([1., 0.], 1.), ([1., 1.], 0.)];
//!     let mut net = xor::Params::init(Xavier, 1);
//!     Trainer::new(Adam::new(0.05), BinaryCrossEntropy)
//!         .epochs(2000)
//!         .stop_below(0.01)
//!         .fit(&mut net, &data)?;
//!     for (x, target) in data {
//!         let y = xor::forward(&net, x);
//!         println!("{x:?} -> {y:.3}");
//!         assert_eq!(y.round(), target);
//!     }
//!     Ok(())
//! }
//! ```
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

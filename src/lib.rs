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
//!
//! # The language
//!
//! The whole language is described, rule by rule with an example of each, on the
//! [`network`](macro@network) attribute:
//!
//! - [arguments, types and shapes](macro@network#arguments-types-and-shapes): `f32`, `f64` or
//!   `T: nn::Float`, as scalars, `[T; n]` and `[[T; n]; m]` with literal lengths;
//! - [which arguments are data](macro@network#which-arguments-are-data): the first, or those
//!   named by `inputs(...)`; a later argument named like data (`x`, `t`, `input`, …) is an error;
//! - [the body](macro@network#the-body): `let` bindings and an output expression;
//! - [operators](macro@network#operators): `+ - * /` elementwise, `·` by the shapes (dot,
//!   matrix-vector, scaling);
//! - [functions](macro@network#functions): `sigmoid`, `tanh`, `relu`, `softmax`, `ln`, … with
//!   their derivatives;
//! - [the attribute](macro@network#the-attribute): placeholders `f1 = relu`,
//!   `custom(f, df)`, `inputs(x, t)`, `predict = a`, `crate = path`;
//! - [what is generated](macro@network#what-is-generated): `Params`, `forward`, `backward`, …
//!
//! The runtime (losses, optimizers, initialisers, the [`Trainer`]) is re-exported from
//! `nn-runtime`; [`prelude`] has what a training program usually needs.
#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

#[doc = ""]
#[doc = include_str!("../docs/language.md")]
pub use nn_macros::network;
pub use nn_runtime::*;

/// Everything a program that defines and trains a network usually needs, in one `use`:
/// the attribute, the traits, and the runtime's losses, optimizers, initialisers and loop.
pub mod prelude {
    pub use nn_macros::network;
    pub use nn_runtime::prelude::*;
    pub use nn_runtime::Float;
}

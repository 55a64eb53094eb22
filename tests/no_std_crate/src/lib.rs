//! Generated networks in a `#![no_std]`, `#![forbid(unsafe_code)]` crate: this crate compiling
//! (and its test passing) is the proof that generated code needs neither `std`, nor a heap,
//! nor `unsafe`.
#![no_std]
#![forbid(unsafe_code)]
#![deny(warnings, missing_docs)]

use nn::network;

/// The lecture's chain, concrete `f32`.
#[network(f1 = tanh, f2 = relu, f3 = sigmoid)]
pub fn chain(x: f32, w1: f32, b1: f32, w2: f32, w3: f32) -> f32 {
    y = f3(w3·f2(w2·f1(w1·x + b1)))
}

/// A whole objective, generic over the float type, with a user-defined activation.
#[network(inputs(x, t), act = custom(softsign, softsign_derivative))]
pub fn objective<T: nn::Float>(x: T, t: T, w: T, b: T) -> T {
    let a = act(w·x + b);
    l = abs(a - t) + 0.5 * powi(a - t, 2)
}

/// softsign(z) = z / (1 + |z|).
pub fn softsign<T: nn::Float>(z: T) -> T {
    z / (T::one() + z.abs())
}

/// softsign′(z) = 1 / (1 + |z|)².
pub fn softsign_derivative<T: nn::Float>(z: T, _fz: T) -> T {
    let d = T::one() + z.abs();
    T::one() / (d * d)
}

/// One SGD step on one sample of `objective`, with nothing but stack memory.
pub fn sgd_step(params: &mut objective::Params<f32>, x: f32, t: f32, lr: f32) -> f32 {
    let (loss, tape) = objective::forward_tape(params, x, t);
    let mut grads = objective::Params { w: 0.0, b: 0.0 };
    objective::backward(params, &tape, 1.0, &mut grads);
    params.w -= lr * grads.w;
    params.b -= lr * grads.b;
    loss
}

/// Capitalised names as lectures write them (`W1·X`), a `let` whose value feeds two places,
/// and a parameter that is read twice: still no warning under `#![deny(warnings)]`.
#[network(f = relu)]
pub fn capitals(X: f32, W1: f32, B1: f32, W2: f32) -> f32 {
    let H = f(W1·X + B1);
    W2·H + H·H·W2
}

/// A dense layer with a softmax, in `f32` on `no_std`.
#[network]
pub fn classify(x: [f32; 4], W: [[f32; 4]; 3], b: [f32; 3]) -> [f32; 3] {
    softmax(W·x + b)
}

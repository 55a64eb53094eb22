//! Networks shared by the engine's tests.
#![allow(dead_code)]

pub mod fuzz;

use proc_macro2::TokenStream;
use quote::quote;

/// (attribute, function) pairs covering every construct of the language.
pub fn corpus() -> Vec<(TokenStream, TokenStream)> {
    vec![
        (
            quote!(f1 = sigmoid, f2 = sigmoid, f3 = sigmoid),
            quote!(
                fn chain(x: f32, w1: f32, b1: f32, w2: f32, w3: f32) -> f32 {
                    y = f3(w3·f2(w2·f1(w1·x + b1)))
                }
            ),
        ),
        (
            quote!(),
            quote!(
                fn h(x: f64) -> f64 {
                    let f = x + 1.0;
                    let g = 2(f);
                    h = powi(g, 2)
                }
            ),
        ),
        (
            quote!(inputs(x3, x4, x5)),
            quote!(
                fn circuit(x3: f64, x4: f64, x5: f64, w3: f64, w4: f64) -> f64 {
                    let net2 = w3·x3 + w4·x4;
                    f = (x3 + x5) - sigmoid(net2)
                }
            ),
        ),
        (
            quote!(inputs(x1, x2, y), predict = a),
            quote!(
                fn logistic(x1: f64, x2: f64, y: f64, w1: f64, w2: f64, b: f64) -> f64 {
                    let z = w1·x1 + w2·x2 + b;
                    let a = sigmoid(z);
                    l = -(y·ln(a) + (1.0 - y) * ln(1.0 - a))
                }
            ),
        ),
        (
            quote!(f1 = leaky_relu(0.1), act = custom(swish, swish_derivative)),
            quote!(
                fn mixed<T: Float>(x: T, w: T, v: T, c: T) -> T {
                    let s = f1(w·x) + act(v·x);
                    y = softplus(s) / (abs(c) + 1.0) - sqrt(exp(c·x·x))
                        + step(x, 0.5)
                        + relu(tanh(s))
                }
            ),
        ),
        (
            quote!(inputs(x, t)),
            quote!(
                fn classifier(
                    x: [f32; 3],
                    t: [f32; 2],
                    W1: [[f32; 3]; 4],
                    b1: [f32; 4],
                    W2: [[f32; 4]; 2],
                    b2: [f32; 2],
                ) -> f32 {
                    let h = relu(W1·x + b1);
                    l = -sum(t * log_softmax(W2·h + b2)) + mean(h * h)
                }
            ),
        ),
        (
            quote!(inputs(x, t)),
            quote!(
                fn softmax_cross_entropy(
                    x: [f32; 3],
                    t: [f32; 4],
                    W: [[f32; 3]; 4],
                    b: [f32; 4],
                ) -> f32 {
                    let p = softmax(W·x + b);
                    l = -sum(t * ln(p))
                }
            ),
        ),
        (
            quote!(f = tanh),
            quote!(
                fn probabilities(x: [f64; 2], W: [[f64; 2]; 3], b: [f64; 3], s: f64) -> [f64; 3] {
                    softmax(s·f(W·x + b) - b / 2.0)
                }
            ),
        ),
    ]
}

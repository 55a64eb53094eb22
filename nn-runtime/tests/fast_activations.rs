//! The feature `fast-activations`: `f32` activations by `math::fast`, `f64` unchanged, and a
//! network trained with them learns as one trained with the exact functions.
//!
//! `cargo test -p nn-runtime --features fast-activations --test fast_activations` (run by CI).
#![cfg(feature = "fast-activations")]

use nn_runtime::init::{InitExt, Xavier};
use nn_runtime::loss::BinaryCrossEntropy;
use nn_runtime::math::{exp, fast, sigmoid, softplus, tanh};
use nn_runtime::optim::Adam;
use nn_runtime::toy::Xor221;
use nn_runtime::{Network, Trainer};

const XOR: [([f32; 2], f32); 4] = [
    ([0.0, 0.0], 0.0),
    ([0.0, 1.0], 1.0),
    ([1.0, 0.0], 1.0),
    ([1.0, 1.0], 0.0),
];

#[test]
fn f32_goes_through_the_fast_functions_and_f64_does_not() {
    for x in [-20.0_f32, -3.5, -0.25, 0.0, 0.001, 1.0, 7.0, 42.0] {
        assert_eq!(tanh(x).to_bits(), fast::tanh(x).to_bits(), "tanh({x})");
        assert_eq!(exp(x).to_bits(), fast::exp(x).to_bits(), "exp({x})");
        let x = f64::from(x);
        assert_eq!(tanh(x).to_bits(), x.tanh().to_bits(), "f64 tanh({x})");
        assert_eq!(exp(x).to_bits(), x.exp().to_bits(), "f64 exp({x})");
    }
    // σ and softplus through the fast exp, with the exact function's limits.
    assert_eq!(sigmoid(-200.0_f32), 0.0);
    assert_eq!(sigmoid(200.0_f32), 1.0);
    assert_eq!(softplus(-200.0_f32), 0.0);
    assert_eq!(softplus(200.0_f32), 200.0);
    assert!((sigmoid(1.0_f32) - 0.731_058_6).abs() < 1e-7);
    assert!((softplus(1.0_f32) - 1.313_261_7).abs() < 1e-6);
    assert!(sigmoid(f32::NAN).is_nan() && softplus(f32::NAN).is_nan());
}

#[test]
fn xor_trains_with_the_fast_activations() {
    let mut net = Xor221::<f32>::init(Xavier, 1);
    let summary = Trainer::new(Adam::new(0.05_f32), BinaryCrossEntropy)
        .epochs(3000)
        .seed(5)
        .fit(&mut net, &XOR)
        .unwrap();
    let loss = summary.loss.unwrap();
    assert!(loss < 0.01, "loss {loss}");
    for (x, t) in XOR {
        let y = net.forward(&x);
        assert_eq!(y > 0.5, t > 0.5, "XOR{x:?} = {y}");
    }
}

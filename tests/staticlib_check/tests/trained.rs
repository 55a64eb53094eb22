//! The embedded weights are what the documented training run produces, they classify the
//! training data, and the exported C functions compute what the generated code computes.

use nn::prelude::*;
use nn::weights::rust_source;
use nn::{init::Xavier, loss::BinaryCrossEntropy, optim::Adam, Trainer};
use nn_staticlib_check::{nn_tiny_infer, nn_tiny_train_step, tiny, TRAINED};

/// x = 0.0, 0.1, …, 1.0, class 1 above 0.5.
fn data() -> [(f32, f32); 11] {
    core::array::from_fn(|i| {
        let x = i as f32 / 10.0;
        (x, if i > 5 { 1.0 } else { 0.0 })
    })
}

#[test]
fn trained_weights_classify_the_data() {
    for (x, y) in data() {
        let p = nn_tiny_infer(x);
        assert_eq!(p.to_bits(), tiny::forward(&TRAINED, x).to_bits());
        assert_eq!(
            p.to_bits(),
            tiny(x, TRAINED.w1, TRAINED.b1, TRAINED.w2, TRAINED.b2).to_bits()
        );
        // Every sample on the right side of ½ by a margin.
        assert!((p - y).abs() < 0.1, "x = {x}: {p} for class {y}");
    }
}

#[test]
fn the_documented_run_reproduces_the_embedded_weights() {
    let data = data();
    let mut p = tiny::Params::init(Xavier, 3);
    let summary = Trainer::new(Adam::new(0.05), BinaryCrossEntropy)
        .epochs(2000)
        .shuffle(false)
        .full_batch()
        .fit(&mut p, &data)
        .unwrap();
    assert!(summary.loss.unwrap() < 1e-3, "{summary:?}");
    // The platform's tanh/exp may differ from libm's in the last bit, so allow a little.
    for (got, want) in [
        (p.w1, TRAINED.w1),
        (p.b1, TRAINED.b1),
        (p.w2, TRAINED.w2),
        (p.b2, TRAINED.b2),
    ] {
        assert!(
            (got - want).abs() <= 1e-3 * want.abs().max(1.0),
            "{got} vs {want}"
        );
    }
    let src = rust_source(&p, "tiny::Params", "TRAINED").to_string();
    assert!(
        src.starts_with("pub const TRAINED: tiny::Params = tiny::Params { w1: -11.8"),
        "{src}"
    );
}

#[test]
fn the_exported_training_step_learns_and_reports_divergence() {
    let mut w = [0.5_f32, 0.0, 0.5, 0.0];
    let first = nn_tiny_train_step(&mut w, 1.0, 1.0, 0.5);
    let mut last = first;
    for _ in 0..50 {
        last = nn_tiny_train_step(&mut w, 1.0, 1.0, 0.5);
    }
    assert!(first.is_finite() && last < 0.1 * first, "{first} -> {last}");

    // An infinite rate makes the weights infinite: the step is refused, the weights kept.
    let before = w;
    assert!(nn_tiny_train_step(&mut w, 1.0, 1.0, f32::INFINITY).is_nan());
    assert_eq!(w, before);
}

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

/// The exported CNN computes what the runtime's tap-by-tap kernels compute, step by step.
#[test]
fn the_cnn_is_its_layers() {
    use nn::math::conv::{add_channel_bias, conv1d, flatten, max_pool1d};
    use nn_staticlib_check::{cnn, nn_cnn_infer};
    let mut seed = 9u32;
    let mut next = || {
        seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        (seed >> 8) as f32 / (1u32 << 24) as f32 - 0.5
    };
    let params = cnn::Params {
        K1: core::array::from_fn(|_| [core::array::from_fn(|_| next())]),
        c1: core::array::from_fn(|_| next()),
        K2: core::array::from_fn(|_| core::array::from_fn(|_| core::array::from_fn(|_| next()))),
        c2: core::array::from_fn(|_| next()),
        W: core::array::from_fn(|_| core::array::from_fn(|_| next())),
        b: core::array::from_fn(|_| next()),
    };
    let x: [f32; 40] = core::array::from_fn(|_| next());
    let relu = |mut z: [[f32; 20]; 6]| {
        z.iter_mut().flatten().for_each(|v| *v = v.max(0.0));
        z
    };
    let z1: [[f32; 20]; 4] = conv1d::<_, 1, 40, 4, 5, 20, 2, 2>(&params.K1, &[x]);
    let mut h1 = add_channel_bias(&z1, &params.c1);
    h1.iter_mut().flatten().for_each(|v| *v = v.max(0.0));
    let z2: [[f32; 20]; 6] = conv1d::<_, 4, 20, 6, 5, 20, 1, 2>(&params.K2, &h1);
    let h2: [[f32; 4]; 6] =
        max_pool1d::<_, 6, 20, 5, 5, 4>(&relu(add_channel_bias(&z2, &params.c2)));
    let features: [f32; 24] = flatten(&h2);
    let mut out = [0.0; 3];
    nn_cnn_infer(&params, &x, &mut out);
    for (k, (&o, row)) in out.iter().zip(&params.W).enumerate() {
        let want = params.b[k] + row.iter().zip(&features).map(|(w, f)| w * f).sum::<f32>();
        assert!((o - want).abs() < 1e-5, "score {k}: {o} against {want}");
    }
}

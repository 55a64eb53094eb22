//! The batched functions against the per-sample ones they must equal: `forward_batch` gives
//! `forward` of every row, `gradient_batch` gives the per-sample outputs and adds the sum of
//! the per-sample `backward_params` gradients, for batch sizes 1, 3, 8 and 17, on networks that
//! take every path of the batched code generation: products with a parameter matrix (one
//! matrix product per batch), values that depend on parameters only, a generic scalar, a vector
//! output with the loss outside; and `Network::gradient_batch` (generated, or the per-sample
//! default for networks without a parameter matrix) and the `Trainer`, which uses it.
#![allow(non_snake_case)]

use nn::prelude::*;

mod common;
use common::{relative_error, Rng};

/// Equal but for rounding: the batched kernels add in another order than `dot`.
fn close(a: f64, b: f64) -> bool {
    relative_error(a, b) < 1e-12
}

fn assert_params_close<P: Parameters<Scalar = f64>>(batched: &P, per_sample: &P, what: &str) {
    for k in 0..P::TENSORS.len() {
        for (j, (a, b)) in batched
            .tensor(k)
            .iter()
            .zip(per_sample.tensor(k))
            .enumerate()
        {
            assert!(
                close(*a, *b),
                "{what}: ∂L/∂{}[{j}] batched {a} vs per-sample {b}",
                P::TENSORS[k].name
            );
        }
    }
}

#[network(inputs(x, t))]
fn mlp(
    x: [f64; 5],
    t: [f64; 3],
    W1: [[f64; 5]; 4],
    b1: [f64; 4],
    W2: [[f64; 4]; 3],
    b2: [f64; 3],
) -> f64 {
    let h = relu(W1·x + b1);
    // b1·b1 depends on parameters only: computed once per batch.
    l = -sum(t * log_softmax(W2·h + b2)) + 0.01 * (b1·b1) + 0.1 * mean(h * h)
}

fn check_mlp<const B: usize>(rng: &mut Rng) {
    let p: mlp::Params = rng.params();
    let x: [[f64; 5]; B] = core::array::from_fn(|_| rng.array());
    let t: [[f64; 3]; B] = core::array::from_fn(|_| rng.one_hot());
    let outputs = mlp::forward_batch(&p, &x, &t);
    let mut grads = mlp::Params::zeros();
    let mut seen = Vec::new();
    let trained = mlp::gradient_batch(
        &p,
        &x,
        &t,
        |s, l| {
            seen.push((s, *l));
            0.5 + s as f64
        },
        &mut grads,
    );
    let mut expected = mlp::Params::zeros();
    for s in 0..B {
        let (l, tape) = mlp::forward_tape(&p, x[s], t[s]);
        assert!(close(outputs[s], l), "B={B} s={s}: {} vs {l}", outputs[s]);
        assert_eq!(trained[s], outputs[s], "B={B} s={s}");
        assert_eq!(
            seen[s],
            (s, trained[s]),
            "d_output is asked once per sample, in order"
        );
        mlp::backward_params(&p, &tape, 0.5 + s as f64, &mut expected);
    }
    assert_eq!(seen.len(), B);
    assert_params_close(&grads, &expected, &format!("mlp B={B}"));
}

#[test]
fn mlp_batches_equal_the_per_sample_passes() {
    let mut rng = Rng(7);
    check_mlp::<1>(&mut rng);
    check_mlp::<3>(&mut rng);
    check_mlp::<8>(&mut rng);
    check_mlp::<17>(&mut rng);
}

#[test]
fn gradient_batch_adds_to_the_gradients_it_is_given() {
    let mut rng = Rng(11);
    let p: mlp::Params = rng.params();
    let x: [[f64; 5]; 4] = core::array::from_fn(|_| rng.array());
    let t: [[f64; 3]; 4] = core::array::from_fn(|_| rng.one_hot());
    let mut once = mlp::Params::zeros();
    mlp::gradient_batch(&p, &x, &t, |_, _| 1.0, &mut once);
    let mut twice = once;
    mlp::gradient_batch(&p, &x, &t, |_, _| 1.0, &mut twice);
    for k in 0..mlp::Params::TENSORS.len() {
        for (a, b) in once.tensor(k).iter().zip(twice.tensor(k)) {
            assert!(close(2.0 * a, *b), "{a} then {b}");
        }
    }
}

/// A vector output, the loss outside the network (as the `Trainer` runs it).
#[network]
fn regressor(
    x: [f64; 3],
    W1: [[f64; 3]; 6],
    b1: [f64; 6],
    W2: [[f64; 6]; 2],
    b2: [f64; 2],
) -> [f64; 2] {
    let h = tanh(W1·x + b1);
    y = W2·h + b2
}

#[test]
fn a_vector_output_gets_its_seed_from_the_loss_outside() {
    let mut rng = Rng(3);
    let p: regressor::Params = rng.params();
    let x: [[f64; 3]; 5] = core::array::from_fn(|_| rng.array());
    let targets: [[f64; 2]; 5] = core::array::from_fn(|_| rng.array());
    let mut grads = regressor::Params::zeros();
    let y = regressor::gradient_batch(
        &p,
        &x,
        |s, y| MeanSquaredError.gradient(y, &targets[s]),
        &mut grads,
    );
    let mut expected = regressor::Params::zeros();
    for s in 0..5 {
        let (out, tape) = regressor::forward_tape(&p, x[s]);
        assert!(close(y[s][0], out[0]) && close(y[s][1], out[1]));
        let seed = MeanSquaredError.gradient(&out, &targets[s]);
        regressor::backward_params(&p, &tape, seed, &mut expected);
    }
    assert_params_close(&grads, &expected, "regressor");
}

/// A per-sample matrix input times a parameter vector: a per-sample product, not a batch one
/// (so, as for scalars only, `Network::gradient_batch` is the trait's per-sample default).
#[network(inputs(X))]
fn bilinear(X: [[f64; 3]; 2], v: [f64; 3], u: [f64; 2]) -> f64 {
    let z = X·v;
    y = sigmoid(u·z)
}

/// Scalars only.
#[network(inputs(x))]
fn neuron(x: f64, w: f64, b: f64) -> f64 {
    sigmoid(w * x + b)
}

/// A generic scalar, a product whose vector is the input itself.
#[network]
fn generic<T: Float>(x: [T; 3], W: [[T; 3]; 2], b: [T; 2]) -> T {
    sum(sigmoid(W·x + b))
}

#[test]
fn matrix_inputs_scalars_and_generic_networks_batch_too() {
    let mut rng = Rng(5);
    let p: bilinear::Params = rng.params();
    let xs: [[[f64; 3]; 2]; 6] = core::array::from_fn(|_| [rng.array(), rng.array()]);
    let mut grads = bilinear::Params::zeros();
    // No parameter matrix: no batched functions are generated, the trait's per-sample
    // default runs.
    let y = p.gradient_batch(&xs, |_, _| 1.0, &mut grads);
    let mut expected = bilinear::Params::zeros();
    for s in 0..6 {
        let (out, tape) = bilinear::forward_tape(&p, xs[s]);
        assert!(close(y[s], out));
        bilinear::backward_params(&p, &tape, 1.0, &mut expected);
    }
    assert_params_close(&grads, &expected, "bilinear");

    let p: neuron::Params = rng.params();
    let xs: [f64; 9] = rng.array();
    let mut grads = neuron::Params::zeros();
    let y = p.gradient_batch(&xs, |_, _| 1.0, &mut grads);
    let mut expected = neuron::Params::zeros();
    for s in 0..9 {
        let (out, tape) = neuron::forward_tape(&p, xs[s]);
        assert_eq!(y[s], out, "scalars: the same operations in the same order");
        neuron::backward_params(&p, &tape, 1.0, &mut expected);
    }
    assert_params_close(&grads, &expected, "neuron");

    let p: generic::Params<f64> = rng.params();
    let xs: [[f64; 3]; 4] = core::array::from_fn(|_| rng.array());
    let mut grads = generic::Params::zeros();
    let y = generic::gradient_batch(&p, &xs, |_, _| 1.0, &mut grads);
    let mut expected = generic::Params::zeros();
    for s in 0..4 {
        let (out, tape) = generic::forward_tape(&p, xs[s]);
        assert!(close(y[s], out));
        generic::backward_params(&p, &tape, 1.0, &mut expected);
    }
    assert_params_close(&grads, &expected, "generic");
    // And in f32, where the matrix kernels may take the SIMD path.
    let p32 = generic::Params::<f32> {
        W: [[0.5, -0.25, 1.0], [0.125, 0.75, -0.5]],
        b: [0.1, -0.2],
    };
    let x32: [[f32; 3]; 2] = [[1.0, 2.0, 3.0], [-1.0, 0.5, 0.25]];
    let y32 = generic::forward_batch(&p32, &x32);
    for s in 0..2 {
        assert!((y32[s] - generic::forward(&p32, x32[s])).abs() < 1e-6);
    }
}

#[test]
fn the_network_trait_batches_through_the_generated_function() {
    let mut rng = Rng(13);
    let p: mlp::Params = rng.params();
    let inputs: [mlp::Inputs; 5] = core::array::from_fn(|_| mlp::Inputs {
        x: rng.array(),
        t: rng.one_hot(),
    });
    let mut via_trait = mlp::Params::zeros();
    let y = Network::gradient_batch(&p, &inputs, |s, _| s as f64, &mut via_trait);
    let x: [[f64; 5]; 5] = core::array::from_fn(|s| inputs[s].x);
    let t: [[f64; 3]; 5] = core::array::from_fn(|s| inputs[s].t);
    let mut direct = mlp::Params::zeros();
    assert_eq!(
        y,
        mlp::gradient_batch(&p, &x, &t, |s, _| s as f64, &mut direct)
    );
    assert_eq!(via_trait, direct);
}

/// `gradient_batch_of`, what the `Trainer` calls on samples held by reference: the generated
/// override passes each input's rows where they are (`ByRef`, nothing copied) and gives the
/// bits of the generated `gradient_batch` on arrays of the same samples, in the order of the
/// references, not of the samples in memory; with two inputs and with one.
#[test]
fn samples_by_reference_batch_as_the_same_samples_by_value() {
    let mut rng = Rng(17);
    let p: mlp::Params = rng.params();
    let stored: [mlp::Inputs; 4] = core::array::from_fn(|_| mlp::Inputs {
        x: rng.array(),
        t: rng.one_hot(),
    });
    let order = [2, 0, 3, 2];
    let refs: [&mlp::Inputs; 4] = order.map(|i| &stored[i]);
    let (x, t) = (order.map(|i| stored[i].x), order.map(|i| stored[i].t));
    let (mut by_reference, mut by_value) = (mlp::Params::zeros(), mlp::Params::zeros());
    let y = p.gradient_batch_of(&refs, |s, _| 1.0 + s as f64, &mut by_reference);
    assert_eq!(
        y,
        mlp::gradient_batch(&p, &x, &t, |s, _| 1.0 + s as f64, &mut by_value)
    );
    assert_eq!(by_reference, by_value);

    let p: wide::Params = rng.params();
    let stored: [[f64; 40]; 3] = core::array::from_fn(|_| rng.array());
    let order = [1, 2, 1, 0, 2];
    let (mut by_reference, mut by_value) = (wide::Params::zeros(), wide::Params::zeros());
    let y = p.gradient_batch_of(&order.map(|i| &stored[i]), |_, _| 1.0, &mut by_reference);
    let x = order.map(|i| stored[i]);
    assert_eq!(y, wide::gradient_batch(&p, &x, |_, _| 1.0, &mut by_value));
    assert_eq!(by_reference, by_value);
}

/// `Sgd::step_mean`, the Trainer's update in one pass, on parameters enough for its
/// vectorised path (1,234 > 1,024): the bits of the default's three passes (the mean, the
/// step keeping the old parameters, the zeroing); a non-finite mean gradient leaves the
/// parameters as they were, a non-finite update keeps them in `before`.
#[network(inputs(x))]
fn wide(x: [f64; 40], W: [[f64; 40]; 30], b: [f64; 30], v: [f64; 30]) -> f64 {
    sum(v * tanh(W·x + b))
}

#[test]
fn sgd_step_mean_is_the_mean_then_the_step() {
    use nn::optim::{scale_all_finite, Sgd};
    const { assert!(wide::PARAM_COUNT > 1024) };
    let mut rng = Rng(19);
    let start: wide::Params = rng.params();
    let summed: wide::Params = rng.params();
    let mut sgd = Sgd::new(0.3).weight_decay(0.01);

    let (mut fused, mut grads, mut before) = (start, summed, wide::Params::zeros());
    assert_eq!(
        sgd.step_mean(&mut fused, &mut grads, 0.125, &mut before),
        Ok(())
    );
    let (mut passes, mut mean, mut kept) = (start, summed, wide::Params::zeros());
    assert!(scale_all_finite(&mut mean, 0.125));
    assert!(sgd.step_keeping(&mut passes, &mean, &mut kept));
    assert_eq!(fused, passes);
    assert_eq!(before, start);
    assert_eq!(grads, wide::Params::zeros());

    let (mut p, mut g) = (start, summed);
    g.W[29][39] = f64::NAN;
    let err = sgd.step_mean(&mut p, &mut g, 0.125, &mut before);
    assert_eq!(err, Err(nn::Quantity::Gradient));
    assert_eq!(p, start);

    let (mut p, mut g) = (start, summed);
    p.b[3] = -1.7e308;
    g.b[3] = 1e308;
    let mut big = Sgd::new(f64::MAX);
    let err = big.step_mean(&mut p, &mut g, 1.0, &mut before);
    assert_eq!(err, Err(nn::Quantity::Parameters));
    assert_eq!(before.b[3], -1.7e308);
    assert!(p.b[3].is_infinite());
}

/// The `Trainer` sends whole chunks of a mini-batch through `gradient_batch`: training must
/// follow the per-sample loop it replaces (a batch of 40 goes as chunks of 32 and 8, the last
/// 20 samples as 16 and 4; a batch of 7 as 4, 2 and a sample on its own, the last 2 samples
/// as one chunk of 2; a batch of one sample past the chunks; with no stack for the batched
/// path, every sample on its own). The epoch's mean loss, too.
#[test]
fn the_trainer_trains_in_chunks_as_it_would_sample_by_sample() {
    for (batch, stack_limit) in [(40, None), (7, None), (1, None), (7, Some(0))] {
        trains_in_chunks_as_sample_by_sample(batch, stack_limit);
    }
}

fn trains_in_chunks_as_sample_by_sample(batch: usize, stack_limit: Option<usize>) {
    let what = format!("trainer, batch {batch}, stack limit {stack_limit:?}");
    let mut rng = Rng(17);
    let start: regressor::Params = rng.params();
    let data: Vec<([f64; 3], [f64; 2])> = (0..100)
        .map(|_| {
            let x: [f64; 3] = rng.array();
            (x, [x[0] * x[1], x[2] - x[0]])
        })
        .collect();
    let (epochs, lr) = (3, 0.05);
    let mut trained = start;
    let mut trainer = Trainer::new(Sgd::new(lr), MeanSquaredError)
        .epochs(epochs)
        .batch_size(batch)
        .shuffle(false);
    if let Some(bytes) = stack_limit {
        trainer = trainer.stack_limit(bytes);
    }
    let summary = trainer.fit(&mut trained, &data).unwrap();
    let mut expected = start;
    let mut mean_loss = 0.0;
    for _ in 0..epochs {
        mean_loss = 0.0;
        for chunk in data.chunks(batch) {
            let mut grads = regressor::Params::zeros();
            for (x, t) in chunk {
                let (y, tape) = regressor::forward_tape(&expected, *x);
                mean_loss += MeanSquaredError.value(&y, t) / data.len() as f64;
                let dy = MeanSquaredError.gradient(&y, t);
                regressor::backward_params(&expected, &tape, dy, &mut grads);
            }
            for k in 0..regressor::Params::TENSORS.len() {
                let g: Vec<f64> = grads.tensor(k).to_vec();
                for (p, g) in expected.tensor_mut(k).iter_mut().zip(g) {
                    *p -= lr * g / chunk.len() as f64;
                }
            }
        }
    }
    assert_ne!(trained, start);
    assert_params_close(&trained, &expected, &what);
    let loss = summary.loss.unwrap();
    assert!(
        (loss - mean_loss).abs() <= 1e-12 * mean_loss,
        "{what}: the last epoch's mean loss {loss}, per sample {mean_loss}"
    );
}

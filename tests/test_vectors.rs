//! Vectors and matrices through generated code: every gradient of layers of many shapes and
//! of whole MLPs against central finite differences (f64, relative error < 1e-6), softmax
//! and log_softmax at extreme inputs, generic scalars, and accumulation over a batch.

use nn::prelude::*;
use nn::Tensor;

mod common;
use common::{check_input, check_params, Rng, TOLERANCE};

/// Random parameters and input for `N`.
fn random<N: Network<Scalar = f64>>(seed: u64) -> (N, N::Input)
where
    N::Input: Tensor<Scalar = f64>,
{
    let mut rng = Rng(seed);
    let mut net = N::zeros();
    for k in 0..N::TENSORS.len() {
        rng.fill(net.tensor_mut(k));
    }
    let mut input = N::Input::zeros();
    rng.fill(input.flat_mut());
    (net, input)
}

/// One hidden layer of `m` tanh units on `n` inputs, with a scalar read-out that uses a
/// scaling, a dot product, an elementwise product and a mean.
macro_rules! layer {
    ($name:ident, $n:literal, $m:literal) => {
        #[network]
        fn $name(x: [f64; $n], W: [[f64; $n]; $m], b: [f64; $m], v: [f64; $m], s: f64) -> f64 {
            let h = tanh(W·x + b);
            y = s·(v·h) + mean(h * h)
        }
    };
}

layer!(layer_1x1, 1, 1);
layer!(layer_2x3, 2, 3);
layer!(layer_3x2, 3, 2);
layer!(layer_1x9, 1, 9);
layer!(layer_9x1, 9, 1);
layer!(layer_7x5, 7, 5);
layer!(layer_16x16, 16, 16);
layer!(layer_17x9, 17, 9);
layer!(layer_33x8, 33, 8);

fn check_layer<N: Network<Scalar = f64, Output = f64>>(name: &str)
where
    N::Input: Tensor<Scalar = f64>,
{
    for seed in 1..=5 {
        let (net, x) = random::<N>(seed * 7919);
        let (worst, at) = check_params(&net, &x, seed);
        assert!(worst < TOLERANCE, "{name}, seed {seed}: {worst:e} at {at}");
        let worst = check_input(&net, &x, seed);
        assert!(
            worst < TOLERANCE,
            "{name}, seed {seed}: input error {worst:e}"
        );
    }
}

#[test]
fn layers_of_many_shapes_agree_with_finite_differences() {
    check_layer::<layer_1x1::Params>("1×1");
    check_layer::<layer_2x3::Params>("2×3");
    check_layer::<layer_3x2::Params>("3×2");
    check_layer::<layer_1x9::Params>("1×9");
    check_layer::<layer_9x1::Params>("9×1");
    check_layer::<layer_7x5::Params>("7×5");
    check_layer::<layer_16x16::Params>("16×16");
    check_layer::<layer_17x9::Params>("17×9");
    check_layer::<layer_33x8::Params>("33×8");
}

/// A 4-6-5-3 MLP with vector output (probabilities), three activations.
#[network(f1 = softplus, f2 = sigmoid)]
fn mlp_probabilities(
    x: [f64; 4],
    W1: [[f64; 4]; 6],
    b1: [f64; 6],
    W2: [[f64; 6]; 5],
    b2: [f64; 5],
    W3: [[f64; 5]; 3],
    b3: [f64; 3],
) -> [f64; 3] {
    softmax(W3·f2(W2·f1(W1·x + b1) + b2) + b3)
}

/// The whole objective of a classifier: softmax cross-entropy on a one-hot target.
#[network(inputs(x, t))]
fn mlp_objective(
    x: [f64; 5],
    t: [f64; 4],
    W1: [[f64; 5]; 7],
    b1: [f64; 7],
    W2: [[f64; 7]; 4],
    b2: [f64; 4],
) -> f64 {
    let h = leaky_relu(W1·x + b1, 0.1);
    l = -sum(t * log_softmax(W2·h + b2))
}

/// Elementwise arithmetic of vectors with scalars broadcast, a vector used on several paths.
#[network]
fn elementwise(x: [f64; 3], a: [f64; 3], c: [f64; 3], s: f64) -> f64 {
    let u = a * x - c / (x * x + 2.0);
    let v = s·u + exp(-u) - u / s;
    sum(v * v) / 2.0 + mean(sqrt(x * x + a * a))
}

/// One input feeding two matrix-vector products: its adjoint adds two Wᵀ·dy terms.
#[network]
fn two_paths(x: [f64; 3], A: [[f64; 3]; 2], B: [[f64; 3]; 2], w: [f64; 3]) -> f64 {
    sum(tanh(A·x)) + sum(sigmoid(B·x)) + w·x
}

#[test]
fn whole_mlps_agree_with_finite_differences() {
    for seed in 1..=10 {
        let (net, x) = random::<mlp_probabilities::Params>(seed);
        let (worst, at) = check_params(&net, &x, seed);
        assert!(worst < TOLERANCE, "probabilities: {worst:e} at {at}");
        assert!(check_input(&net, &x, seed) < TOLERANCE);

        let (net, x) = random::<elementwise::Params>(seed + 100);
        let net = elementwise::Params {
            s: net.s.abs() + 0.5,
            ..net
        };
        let (worst, at) = check_params(&net, &x, seed);
        assert!(worst < TOLERANCE, "elementwise: {worst:e} at {at}");
        assert!(check_input(&net, &x, seed) < TOLERANCE);

        let (net, x) = random::<two_paths::Params>(seed + 200);
        let (worst, at) = check_params(&net, &x, seed);
        assert!(worst < TOLERANCE, "two paths: {worst:e} at {at}");
        assert!(check_input(&net, &x, seed) < TOLERANCE);
    }
}

#[test]
fn softmax_cross_entropy_objective_agrees_with_finite_differences() {
    let mut rng = Rng(42);
    for class in 0..4 {
        let mut net = mlp_objective::Params::zeros();
        for k in 0..mlp_objective::Params::TENSORS.len() {
            rng.fill(net.tensor_mut(k));
        }
        let mut x = [0.0; 5];
        rng.fill(&mut x);
        let mut t = [0.0; 4];
        t[class] = 1.0;
        let input = mlp_objective::Inputs { x, t };
        let (worst, at) = check_params(&net, &input, class as u64 + 1);
        assert!(worst < TOLERANCE, "class {class}: {worst:e} at {at}");

        // ∂L/∂logits = softmax(logits) − t, the textbook result, at the output layer's bias.
        let (_, tape) = mlp_objective::forward_tape(&net, x, t);
        let mut grads = mlp_objective::Params::zeros();
        mlp_objective::backward(&net, &tape, 1.0, &mut grads);
        let h: [f64; 7] = core::array::from_fn(|i| {
            let z = nn::math::dot(&net.W1[i], &x) + net.b1[i];
            if z > 0.0 {
                z
            } else {
                0.1 * z
            }
        });
        let logits: [f64; 4] = core::array::from_fn(|i| nn::math::dot(&net.W2[i], &h) + net.b2[i]);
        let p = nn::math::softmax(&logits);
        for i in 0..4 {
            assert!((grads.b2[i] - (p[i] - t[i])).abs() < 1e-12, "{i}");
        }
    }
}

#[network]
fn logits_to_log_probabilities(z: [f64; 4], s: f64) -> [f64; 4] {
    log_softmax(s·z)
}

#[network]
fn logits_to_probabilities(z: [f32; 4], s: f32) -> [f32; 4] {
    softmax(s·z)
}

#[test]
fn softmax_and_log_softmax_stay_finite_at_extreme_inputs() {
    let z = [1000.0, -1000.0, 0.0, 999.0];
    let p = logits_to_log_probabilities::Params { s: 1.0 };
    let (y, tape) = logits_to_log_probabilities::forward_tape(&p, z);
    assert!(y.iter().all(|v| v.is_finite()), "{y:?}");
    // log_softmax(1000, −1000, 0, 999) = z − 1000 − ln(1 + e⁻¹) (the other terms vanish).
    let lse = 1000.0 + (1.0 + (-1.0f64).exp()).ln();
    for (yi, zi) in y.iter().zip(z) {
        assert!((yi - (zi - lse)).abs() < 1e-9, "{yi} vs {}", zi - lse);
    }
    let mut g = logits_to_log_probabilities::Params { s: 0.0 };
    let dz = logits_to_log_probabilities::backward(&p, &tape, [1.0, 0.0, 0.0, 0.0], &mut g);
    assert!(
        dz.iter().all(|v| v.is_finite()) && g.s.is_finite(),
        "{dz:?} {g:?}"
    );

    let p = logits_to_probabilities::Params { s: 1.0 };
    for z in [[1000.0f32, -1000.0, 0.0, 999.0], [-1000.0; 4], [1000.0; 4]] {
        let (y, tape) = logits_to_probabilities::forward_tape(&p, z);
        assert!(y.iter().all(|v| v.is_finite()), "{y:?}");
        assert!((y.iter().sum::<f32>() - 1.0).abs() < 1e-6);
        let mut g = logits_to_probabilities::Params { s: 0.0 };
        let dz = logits_to_probabilities::backward(&p, &tape, [1.0, -1.0, 0.5, 0.0], &mut g);
        assert!(
            dz.iter().all(|v| v.is_finite()) && g.s.is_finite(),
            "{dz:?}"
        );
    }
}

#[network]
fn generic_neuron<T: Float>(x: [T; 3], w: [T; 3], b: T) -> T {
    sigmoid(w·x + b)
}

#[test]
fn generic_vector_networks_match_in_f32_and_f64() {
    let p64 = generic_neuron::Params {
        w: [0.5, -0.25, 2.0],
        b: 0.125,
    };
    let p32 = generic_neuron::Params {
        w: [0.5f32, -0.25, 2.0],
        b: 0.125,
    };
    let x = [1.0, 2.0, -0.5];
    let (y64, t64) = generic_neuron::forward_tape(&p64, x);
    let (y32, t32) = generic_neuron::forward_tape(&p32, x.map(|v| v as f32));
    // σ(0.5 − 0.5 − 1 + 0.125) = σ(−0.875)
    let want = 1.0 / (1.0 + 0.875f64.exp());
    assert!((y64 - want).abs() < 1e-15);
    assert!((f64::from(y32) - want).abs() < 1e-7);
    let mut g64 = generic_neuron::Params::zeros();
    let mut g32 = generic_neuron::Params::zeros();
    let dx64 = generic_neuron::backward(&p64, &t64, 1.0, &mut g64);
    let dx32 = generic_neuron::backward(&p32, &t32, 1.0, &mut g32);
    let d = want * (1.0 - want);
    for i in 0..3 {
        assert!((g64.w[i] - d * x[i]).abs() < 1e-15);
        assert!((dx64[i] - d * p64.w[i]).abs() < 1e-15);
        assert!((f64::from(g32.w[i]) - d * x[i]).abs() < 1e-6);
        assert!((f64::from(dx32[i]) - d * p64.w[i]).abs() < 1e-6);
    }
}

#[test]
fn gradients_of_a_batch_accumulate_into_one_gradient() {
    let (net, _) = random::<layer_7x5::Params>(3);
    let mut rng = Rng(99);
    let batch: Vec<[f64; 7]> = (0..8)
        .map(|_| {
            let mut x = [0.0; 7];
            rng.fill(&mut x);
            x
        })
        .collect();
    let mut together = layer_7x5::Params::zeros();
    let mut expected = layer_7x5::Params::zeros();
    for x in &batch {
        let (_, tape) = layer_7x5::forward_tape(&net, *x);
        layer_7x5::backward(&net, &tape, 1.0, &mut together);
        let mut one = layer_7x5::Params::zeros();
        layer_7x5::backward(&net, &tape, 1.0, &mut one);
        for k in 0..layer_7x5::Params::TENSORS.len() {
            for (e, g) in expected.tensor_mut(k).iter_mut().zip(one.tensor(k)) {
                *e += g;
            }
        }
    }
    assert_eq!(together, expected);
    assert_eq!(layer_7x5::PARAM_COUNT, 5 * 7 + 5 + 5 + 1);
    assert_eq!(
        <layer_7x5::Params as Parameters>::TENSORS
            .iter()
            .map(|t| t.shape)
            .collect::<Vec<_>>(),
        [&[5, 7][..], &[5], &[5], &[]]
    );
}

/// A matrix as the input (a batch of rows times a weight vector): ∂L/∂X is an outer product.
#[network]
fn batch_linear(X: [[f64; 3]; 5], w: [f64; 3], b: f64) -> [f64; 5] {
    tanh(X·w + b)
}

/// A custom activation, `powi`, `leaky_relu` and a scalar divisor on vectors.
#[network(act = custom(softsign, softsign_derivative))]
fn custom_layer<T: Float>(x: [T; 3], W: [[T; 3]; 4], s: T) -> T {
    let h = act(W·x);
    mean(powi(h, 3) / s) + sum(leaky_relu(h, 0.2) * h)
}

/// softsign(z) = z / (1 + |z|).
fn softsign<T: Float>(z: T) -> T {
    z / (T::one() + z.abs())
}

/// softsign′(z) = 1 / (1 + |z|)².
fn softsign_derivative<T: Float>(z: T, _fz: T) -> T {
    let d = T::one() + z.abs();
    T::one() / (d * d)
}

/// Binary cross-entropy of three sigmoid outputs, averaged, written in the body.
#[network(inputs(x, t))]
fn multi_label(x: [f64; 2], t: [f64; 3], W: [[f64; 2]; 3], b: [f64; 3]) -> f64 {
    let p = sigmoid(W·x + b);
    -mean(t * ln(p) + (1.0 - t) * ln(1.0 - p))
}

#[test]
fn matrix_inputs_custom_activations_and_written_losses_agree_with_finite_differences() {
    for seed in 1..=5 {
        let (net, x) = random::<batch_linear::Params>(seed);
        let (worst, at) = check_params(&net, &x, seed);
        assert!(worst < TOLERANCE, "batch_linear: {worst:e} at {at}");
        assert!(
            check_input(&net, &x, seed) < TOLERANCE,
            "batch_linear input"
        );

        let (net, x) = random::<custom_layer::Params<f64>>(seed + 10);
        let net = custom_layer::Params {
            s: net.s.abs() + 0.5,
            ..net
        };
        let (worst, at) = check_params(&net, &x, seed);
        assert!(worst < TOLERANCE, "custom_layer: {worst:e} at {at}");
        assert!(
            check_input(&net, &x, seed) < TOLERANCE,
            "custom_layer input"
        );

        let mut rng = Rng(seed + 20);
        let mut net = multi_label::Params::zeros();
        for k in 0..multi_label::Params::TENSORS.len() {
            rng.fill(net.tensor_mut(k));
        }
        let mut x = [0.0; 2];
        rng.fill(&mut x);
        let t = [1.0, 0.0, 1.0];
        let (worst, at) = check_params(&net, &multi_label::Inputs { x, t }, seed);
        assert!(worst < TOLERANCE, "multi_label: {worst:e} at {at}");
    }
}

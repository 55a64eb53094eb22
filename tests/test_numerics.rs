//! Numerics that never betray, through generated networks: a whole objective (the loss
//! written in the body) trained by the runtime's `Trainer` with `Objective` on inputs without
//! targets, and a NaN made inside a network reaching the Trainer's check instead of being
//! turned into 0 by a relu or a step. The runtime's own matrix of values at −1000 … NaN is
//! `nn-runtime/tests/numerics.rs`.

use nn::data::objective;
use nn::prelude::*;
use nn::{Error, Quantity};

/// The logistic unit's cross-entropy as one network, in the stable form
/// −(t ln σ(z) + (1 − t) ln(1 − σ(z))) = softplus(z) − t·z.
#[network(inputs(x, t))]
fn logistic(x: f64, t: f64, w: f64, b: f64) -> f64 {
    let z = w·x + b;
    l = softplus(z) - t * z
}

/// The same objective as the lecture writes it, through ln σ. Differentiated as written, it hits
/// 0·(−∞) = NaN once σ rounds to 1; the code generator's simplifier rewrites ln(σ(z)) stably.
#[network(inputs(x, t), predict = a)]
fn logistic_lecture(x: f32, t: f32, w: f32, b: f32) -> f32 {
    let a = sigmoid(w·x + b);
    l = -(t * ln(a) + (1.0 - t) * ln(1.0 - a))
}

/// Four separable points: x = −2, −1 with t = 0 and x = 1, 2 with t = 1.
const SEPARABLE: [(f64, f64); 4] = [(-2.0, 0.0), (-1.0, 0.0), (1.0, 1.0), (2.0, 1.0)];

/// The mean loss every test here trains to.
const TARGET_LOSS: f64 = 1e-6;

#[test]
fn a_whole_objective_trains_with_objective() {
    let samples = SEPARABLE.map(|(x, t)| logistic::Inputs { x, t });
    let data = objective(&samples);
    let mut params = logistic::Params { w: 0.0, b: 0.0 };
    assert_eq!(
        evaluate(&params, &Objective, &data).unwrap(),
        core::f64::consts::LN_2
    );
    let summary = Trainer::new(Sgd::new(2.0), Objective)
        .epochs(1_000_000)
        .stop_below(TARGET_LOSS)
        .fit(&mut params, &data)
        .unwrap();
    assert_eq!(summary.stop, Stop::TargetLoss, "{summary:?}");
    let loss = evaluate(&params, &Objective, &data).unwrap();
    assert!(loss < TARGET_LOSS, "{loss} after {summary:?}");
    // Separated at the origin: every sample on its side, the biggest margin on x = ±1.
    assert!(params.w > 10.0 && params.b.abs() < 1.0, "{params:?}");
    for s in samples {
        let z = params.w * s.x + params.b;
        assert_eq!(z > 0.0, s.t == 1.0, "{s:?}: z = {z}");
    }
}

/// The logistic loss exactly as the lecture writes it, `-(t·ln(a) + (1 − t)·ln(1 − a))`,
/// trained in f32: the simplifier rewrites it to the stable form (`softplus`) and its
/// backward to `a − t`, so it trains past the point where σ(z) rounds to 1 and the written
/// form would be 0·(−∞).
#[test]
fn the_lecture_form_trains_too() {
    let samples = SEPARABLE.map(|(x, t)| logistic_lecture::Inputs {
        x: x as f32,
        t: t as f32,
    });
    let data = objective(&samples);
    let mut params = logistic_lecture::Params { w: 0.0, b: 0.0 };
    // An f32 network's trainer takes its settings in f32.
    let summary = Trainer::new(Sgd::new(2.0), Objective)
        .epochs(1_000_000)
        .stop_below(TARGET_LOSS as f32)
        .fit(&mut params, &data)
        .unwrap();
    assert_eq!(summary.stop, Stop::TargetLoss, "{summary:?}");
    let loss = evaluate(&params, &Objective, &data).unwrap();
    assert!(f64::from(loss) < TARGET_LOSS, "{loss} after {summary:?}");
    assert!(params.w > 10.0 && params.b.abs() < 1.0, "{params:?}");
    // The prediction part, without the loss and without a target.
    for (x, t) in SEPARABLE {
        let a = logistic_lecture::predict(&params, x as f32);
        assert_eq!(a.round(), t as f32, "x = {x}: a = {a}");
        assert_eq!(a, nn::math::sigmoid(params.w * x as f32 + params.b));
    }
    assert!(logistic_lecture::SOURCE.contains("let dl_dz = seed * (a - t); // ∂l/∂z = a − t"));
}

/// ln of a negative input is NaN; a relu and a step after it used to turn that into 0, a finite
/// output with a finite gradient, so training went on with a silently wrong sample.
#[network]
fn masked(x: f64, w: f64, b: f64) -> f64 {
    step(relu(w·ln(x) + b))
}

/// The same NaN through leaky_relu, abs (whose derivative is sign) and the vector functions.
#[network]
fn masked_vector(x: [f64; 2], W: [[f64; 2]; 3], v: [f64; 3]) -> f64 {
    let h = abs(leaky_relu(W·ln(x), 0.01));
    sum(softmax(h) * v)
}

/// `got` is the error of a training run that met a non-finite loss at step `step` of its first
/// epoch.
fn assert_stopped_at_a_non_finite_loss<T: core::fmt::Debug>(got: &Result<T, Error>, step: usize) {
    assert!(
        matches!(
            got,
            Err(Error::NonFinite {
                quantity: Quantity::Loss,
                epoch: 0,
                step: s
            }) if *s == step
        ),
        "expected a non-finite loss at step {step}: {got:?}"
    );
}

/// The loss in the body, NaN for a negative x through a term without parameters (`ln(x)`): with
/// the seed 1 its parameters' gradient is finite, so only the check of the loss stops training.
#[network(inputs(x))]
fn masked_objective(x: [f64; 2], W: [[f64; 2]; 2], v: [f64; 2]) -> f64 {
    let h = tanh(W·x);
    l = sum(v * h) * sum(v * h) + sum(ln(x))
}

/// With `Objective` the `Trainer` takes ∂L/∂L as the constant 1
/// (`Loss::value_and_gradient_where_finite`), where `gradient` would pass a NaN on: a NaN loss
/// still stops training at the step that has it, sample by sample and in a batch, with the
/// parameters of the step before.
#[test]
fn a_nan_objective_stops_training_although_its_seed_is_constant() {
    assert_eq!(
        Objective.value_and_gradient_where_finite(&2.5, &()),
        (2.5, 1.0)
    );
    let (l, seed) = Objective.value_and_gradient_where_finite(&f64::NAN, &());
    assert!(l.is_nan() && seed == 1.0);
    assert!(Objective.gradient(&f64::NAN, &()).is_nan());

    let params = masked_objective::Params {
        W: [[0.5, 0.25], [-0.25, 1.0]],
        v: [1.0, 0.5],
    };
    let samples = [
        [1.5, 2.0],
        [2.0, 0.5],
        [0.5, 3.0],
        [3.0, 1.5],
        [-1.0, 2.0],
        [2.5, 1.0],
    ];
    let (l, tape) = masked_objective::forward_tape(&params, [-1.0, 2.0]);
    assert!(l.is_nan());
    let mut grads = masked_objective::Params::zeros();
    masked_objective::backward_params(&params, &tape, 1.0, &mut grads);
    assert!(grads
        .W
        .as_flattened()
        .iter()
        .chain(&grads.v)
        .all(|g| g.is_finite()));
    // Batch 5 goes as a chunk of 4 and sample 4, the NaN, on its own.
    for (batch, failing_step) in [(1, 4), (2, 2), (4, 1), (5, 0), (6, 0)] {
        // The parameters after the steps before the failing one, trained without the NaN.
        let mut expected = params;
        if failing_step > 0 {
            Trainer::new(Sgd::new(0.1), Objective)
                .shuffle(false)
                .batch_size(batch)
                .epochs(1)
                .fit(&mut expected, &objective(&samples[..failing_step * batch]))
                .unwrap();
        }
        let mut trained = params;
        let got = Trainer::new(Sgd::new(0.1), Objective)
            .shuffle(false)
            .batch_size(batch)
            .fit(&mut trained, &objective(&samples));
        assert_stopped_at_a_non_finite_loss(&got, failing_step);
        assert_eq!(trained, expected, "batch {batch}");
    }
}

#[test]
fn a_nan_made_inside_a_network_stops_training() {
    let params = masked::Params { w: 0.5, b: 0.1 };
    assert!(masked::forward(&params, -1.0).is_nan());
    assert_eq!(masked::forward(&params, 2.0), 1.0);

    let data = [(2.0, 1.0), (-1.0, 1.0), (3.0, 1.0)];
    assert!(evaluate(&params, &HalfSquaredError, &data)
        .unwrap()
        .is_nan());
    let mut trained = params;
    let got = Trainer::new(Sgd::new(0.1), HalfSquaredError)
        .shuffle(false)
        .fit(&mut trained, &data);
    assert_stopped_at_a_non_finite_loss(&got, 1);
    // The first step's gradient is 0 (a step has none), so the parameters are the start.
    assert_eq!(trained, params);

    let params = masked_vector::Params {
        W: [[1.0, -0.5], [0.25, 2.0], [-1.0, 1.0]],
        v: [0.5, -1.0, 2.0],
    };
    assert!(masked_vector::forward(&params, [2.0, 3.0]).is_finite());
    assert!(masked_vector::forward(&params, [2.0, -3.0]).is_nan());
    let (_, tape) = masked_vector::forward_tape(&params, [-2.0, 3.0]);
    let mut grads = masked_vector::Params::zeros();
    masked_vector::backward(&params, &tape, 1.0, &mut grads);
    assert!(
        grads.W.as_flattened().iter().all(|g| g.is_nan()),
        "{grads:?}"
    );
    let data = [([2.0, 3.0], 0.0), ([-2.0, 3.0], 0.0)];
    let mut trained = params;
    let got = Trainer::new(Sgd::new(0.1), HalfSquaredError)
        .shuffle(false)
        .fit(&mut trained, &data);
    assert_stopped_at_a_non_finite_loss(&got, 1);
    assert!(trained.W.as_flattened().iter().all(|w| w.is_finite()));
}

/// A network that ends in softmax, as a classifier's last layer is often written.
#[network]
fn probabilities(x: [f64; 2], W: [[f64; 2]; 3]) -> [f64; 3] {
    softmax(W·x)
}

/// A network that ends in sigmoid.
#[network]
fn probability(x: [f64; 2], w: [f64; 2]) -> f64 {
    sigmoid(w·x)
}

/// SoftmaxCrossEntropy applies a softmax itself: fed probabilities, it would train silently
/// and much worse. The Trainer and evaluate refuse it, and say what to do.
#[test]
fn a_loss_on_logits_refuses_a_network_that_ends_in_softmax() {
    let data = [([1.0, 0.0], 0_usize), ([0.0, 1.0], 2)];
    let mut net = probabilities::Params {
        W: [[0.1, 0.2], [0.3, -0.1], [0.0, 0.5]],
    };
    let before = net;
    let error = Trainer::new(Sgd::new(0.1), SoftmaxCrossEntropy)
        .fit(&mut net, &data)
        .unwrap_err();
    assert!(
        matches!(
            error,
            Error::LogitsExpected {
                output: nn::OutputKind::Softmax
            }
        ),
        "{error:?}"
    );
    assert_eq!(net, before, "nothing trained");
    assert_eq!(
        error.to_string(),
        "the network's output is already a softmax, but this loss applies a softmax itself and expects logits: end the network before its final `softmax(…)`"
    );
    assert!(evaluate(&net, &SoftmaxCrossEntropy, &data).is_err());

    let data = [([1.0, 0.0], 1.0), ([0.0, 1.0], 0.0)];
    let mut net = probability::Params { w: [0.5, -0.5] };
    let result = Trainer::new(Sgd::new(0.1), BinaryCrossEntropyWithLogits).fit(&mut net, &data);
    assert!(
        matches!(
            result,
            Err(Error::LogitsExpected {
                output: nn::OutputKind::Sigmoid
            })
        ),
        "{result:?}"
    );
    assert_eq!(
        result.unwrap_err().to_string(),
        "the network's output is already a sigmoid, but this loss applies a sigmoid itself and expects logits: end the network before its final `sigmoid(…)`, or keep it and train with `BinaryCrossEntropy`, which takes probabilities"
    );
    // On probabilities, the loss that takes probabilities trains.
    assert!(Trainer::new(Sgd::new(0.1), BinaryCrossEntropy)
        .epochs(10)
        .fit(&mut net, &data)
        .is_ok());
}

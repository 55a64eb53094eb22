//! The training loop and its companions: errors instead of panics, divergence caught with the
//! last good parameters kept, early stopping, the seeded shuffle, batching, initialisers,
//! schedules, metrics and the gradient checker.

use std::cell::RefCell;
use std::ops::ControlFlow;

use nn_runtime::data::{objective, zip};
use nn_runtime::init::{Constant, Normal, Uniform};
use nn_runtime::metrics::{accuracy, threshold, ConfusionMatrix};
use nn_runtime::prelude::*;
use nn_runtime::toy::{Line, LogisticLoss, Xor221, Xor221Tape};
use nn_runtime::{Error, Float, Quantity};

const XOR: [([f64; 2], f64); 4] = [
    ([0.0, 0.0], 0.0),
    ([0.0, 1.0], 1.0),
    ([1.0, 0.0], 1.0),
    ([1.0, 1.0], 0.0),
];

/// y = 2x + 1 at x = 1, …, 7.
fn line_data() -> [(f64, f64); 7] {
    core::array::from_fn(|i| {
        let x = (i + 1) as f64;
        (x, 2.0 * x + 1.0)
    })
}

#[track_caller]
fn assert_non_finite<T: std::fmt::Debug>(
    got: Result<T, Error>,
    quantity: Quantity,
    epoch: usize,
    step: usize,
) {
    match got {
        Err(Error::NonFinite {
            quantity: q,
            epoch: e,
            step: s,
        }) => assert_eq!((q, e, s), (quantity, epoch, step)),
        other => panic!("expected NonFinite({quantity}, {epoch}, {step}), got {other:?}"),
    }
}

#[test]
fn xor_trains_from_nothing_with_metrics_in_the_callback() {
    let mut net = Xor221::<f64>::init(Xavier, 1);
    let mut solved_at = None;
    let summary = Trainer::new(Adam::new(0.05), BinaryCrossEntropy)
        .epochs(5000)
        .fit_with(&mut net, &XOR, |e| {
            let acc = accuracy(e.params, &XOR, |y, t| {
                threshold(*y, 0.5) == threshold(*t, 0.5)
            });
            if acc.is_ok_and(|a| a == 1.0) && e.loss < 0.05 {
                solved_at = Some(e.index);
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        })
        .unwrap();
    assert_eq!(summary.stop, Stop::Callback);
    assert_eq!(Some(summary.epochs - 1), solved_at);
    for (x, y) in XOR {
        assert_eq!(net.forward(&x).round(), y);
    }
}

#[test]
fn mismatched_and_empty_data_are_errors() {
    let xs = [1.0_f64, 2.0, 3.0];
    let ys = [3.0_f64, 5.0];
    match zip(&xs, &ys) {
        Err(Error::LengthMismatch { inputs, targets }) => assert_eq!((inputs, targets), (3, 2)),
        other => panic!("expected LengthMismatch, got {other:?}"),
    }
    let mut line = Line::<f64>::zeros();
    let mut trainer = Trainer::new(Sgd::new(0.1), HalfSquaredError);
    let empty: [(f64, f64); 0] = [];
    assert!(matches!(
        trainer.fit(&mut line, &empty),
        Err(Error::EmptyData)
    ));
    assert!(matches!(
        trainer.fit(&mut line, &zip::<f64, f64>(&[], &[]).unwrap()),
        Err(Error::EmptyData)
    ));
    assert!(matches!(
        evaluate(&line, &HalfSquaredError, &empty),
        Err(Error::EmptyData)
    ));
    assert_eq!(line, Line::zeros());
    // Equal lengths train.
    let data = zip(&xs[..2], &ys).unwrap();
    trainer.fit(&mut line, &data).unwrap();
    assert_ne!(line, Line::zeros());
}

#[test]
fn batch_size_zero_is_an_error() {
    let mut line = Line { w: 0.5_f64, b: 0.5 };
    for mut trainer in [
        Trainer::new(Sgd::new(0.1), HalfSquaredError).batch_size(0),
        Trainer::new(Sgd::new(0.1), HalfSquaredError).batch(Batch::Size(0)),
    ] {
        match trainer.fit(&mut line, &line_data()) {
            Err(Error::InvalidSetting(what)) => assert!(what.contains("batch size"), "{what}"),
            other => panic!("expected InvalidSetting, got {other:?}"),
        }
        assert_eq!(trainer.epochs_done(), 0);
    }
    assert_eq!(line, Line { w: 0.5, b: 0.5 });
}

#[test]
fn divergence_names_epoch_and_step_and_keeps_the_last_good_parameters() {
    // Full-batch gradient descent with η = 1 on y = 2x + 1, x up to 7: each epoch multiplies
    // the error by about |1 − η·mean(x²)| ≈ 19, so the loss overflows after some hundreds of
    // epochs.
    let data = line_data();
    let start = Line { w: 0.1_f64, b: 0.0 };
    let trainer = || {
        Trainer::new(Sgd::new(1.0), HalfSquaredError)
            .full_batch()
            .shuffle(false)
    };
    let mut line = start;
    let err = trainer().epochs(10_000).fit(&mut line, &data).unwrap_err();
    let Error::NonFinite {
        quantity,
        epoch,
        step,
    } = err
    else {
        panic!("expected NonFinite, got {err:?}");
    };
    assert_eq!((quantity, step), (Quantity::Loss, 0));
    assert!(epoch > 10 && epoch < 10_000, "epoch {epoch}");
    let text = err.to_string();
    assert!(
        text.contains(&format!("epoch {epoch}, step 0")) && text.contains("loss"),
        "{text}"
    );
    // The parameters are those after the last good epoch: replaying exactly `epoch` epochs
    // gives the same bits, and they are finite.
    assert!(line.w.is_finite() && line.b.is_finite());
    let mut replay = start;
    let s = trainer().epochs(epoch).fit(&mut replay, &data).unwrap();
    assert_eq!(s.epochs, epoch);
    assert_eq!(replay, line);
    assert!(
        s.loss.unwrap().is_finite() && s.loss.unwrap() > 1e100,
        "{s:?} {line:?} {epoch}"
    );
}

#[test]
fn infinite_parameters_are_rolled_back() {
    // η = 10³⁰⁰ turns the first step's parameters infinite: refused, the start kept.
    let start = Line { w: 0.0_f64, b: 0.0 };
    let mut line = start;
    let mut trainer = Trainer::new(Sgd::new(1e300), HalfSquaredError).shuffle(false);
    assert_non_finite(
        trainer.fit(&mut line, &[(1e10, 1.0)]),
        Quantity::Parameters,
        0,
        0,
    );
    assert_eq!(line, start);
}

/// ½ squared error whose gradient is NaN for a negative target: a broken loss or backward.
struct NanGradientBelowZero;

impl Loss<f64> for NanGradientBelowZero {
    fn value(&self, p: &f64, y: &f64) -> f64 {
        0.5 * (p - y) * (p - y)
    }
    fn gradient(&self, p: &f64, y: &f64) -> f64 {
        if *y < 0.0 {
            f64::NAN
        } else {
            p - y
        }
    }
}

#[test]
fn a_nan_gradient_stops_at_its_step() {
    // Sample 2 (third step of epoch 0, in order) has a NaN gradient.
    let data = [(1.0, 1.0), (2.0, 2.0), (3.0, -3.0), (4.0, 4.0)];
    let mut line = Line { w: 0.3_f64, b: 0.1 };
    let trainer = || Trainer::new(Sgd::new(0.01), NanGradientBelowZero).shuffle(false);
    assert_non_finite(trainer().fit(&mut line, &data), Quantity::Gradient, 0, 2);
    // Left as after the two good steps.
    let mut replay = Line { w: 0.3_f64, b: 0.1 };
    trainer().epochs(1).fit(&mut replay, &data[..2]).unwrap();
    assert_eq!(line, replay);

    // A NaN target makes the loss NaN: with batches of 2 that is step 1 (samples 2 and 3).
    let data = [(1.0, 1.0), (2.0, 2.0), (3.0, f64::NAN), (4.0, 4.0)];
    let mut line = Line { w: 0.3_f64, b: 0.1 };
    let mut t = Trainer::new(Sgd::new(0.01), HalfSquaredError)
        .shuffle(false)
        .batch_size(2);
    assert_non_finite(t.fit(&mut line, &data), Quantity::Loss, 0, 1);
    let mut replay = Line { w: 0.3_f64, b: 0.1 };
    Trainer::new(Sgd::new(0.01), HalfSquaredError)
        .shuffle(false)
        .batch_size(2)
        .epochs(1)
        .fit(&mut replay, &data[..2])
        .unwrap();
    assert_eq!(line, replay);
}

#[test]
fn a_nan_prediction_is_never_scored_as_finite() {
    // Every loss of a scalar output, at a NaN prediction: NaN from `evaluate`, and training
    // stops at its first step naming the loss (with the parameters as they were).
    let data = [(1.0_f64, 1.0), (2.0, 0.0)];
    let nan = Line {
        w: f64::NAN,
        b: 0.0,
    };
    fn check<L: Loss<f64> + Clone>(name: &str, loss: L, nan: Line<f64>, data: &[(f64, f64)]) {
        let mean = evaluate(&nan, &loss, data).unwrap();
        assert!(mean.is_nan(), "{name}: evaluate gave {mean}");
        let mut line = nan;
        assert_non_finite(
            Trainer::new(Sgd::new(0.1), loss).fit(&mut line, data),
            Quantity::Loss,
            0,
            0,
        );
        assert!(line.w.is_nan() && line.b == 0.0, "{name}: {line:?}");
    }
    check("½ squared error", HalfSquaredError, nan, &data);
    check("squared error", SquaredError, nan, &data);
    check("absolute error", AbsoluteError, nan, &data);
    check("Huber", Huber::new(1.0), nan, &data);
    // Used to clamp NaN to ε and score it 36.04.
    check("binary cross-entropy", BinaryCrossEntropy, nan, &data);
    check(
        "binary cross-entropy on logits",
        BinaryCrossEntropyWithLogits,
        nan,
        &data,
    );
    // Used to score NaN as 0, a perfect margin.
    check("hinge", Hinge, nan, &[(1.0, 1.0), (2.0, -1.0)]);
}

#[test]
fn clipping_holds_when_the_squared_gradient_overflows() {
    // y = w·x + b at x = 10¹⁹ in f32, target 2: the first gradient is (−2·10¹⁹, −2), whose
    // square overflows f32 although the norm does not. Clipped to norm 1, the SGD step moves w
    // by η·2·10¹⁹/‖g‖ = η (it used to move it by η·2·10¹⁹ = 2·10¹⁸, unclipped).
    let data = [(1e19_f32, 2.0_f32)];
    let eta = 0.1_f32;
    let mut line = Line { w: 0.0_f32, b: 0.0 };
    let mut trainer = Trainer::new(Sgd::new(eta), HalfSquaredError)
        .clip_norm(1.0)
        .epochs(1);
    trainer.fit(&mut line, &data).unwrap();
    assert!((line.w - eta).abs() <= eta * f32::EPSILON, "{line:?}");
    assert!(line.b > 0.0 && line.b <= eta * 1e-19 * 1.0001, "{line:?}");

    // Every later step moves w by at most η too: w can only swing within η·steps of 0 (here it
    // swings between 0 and η, the best clipped SGD can do with x = 10¹⁹ and η = 0.1), and
    // every loss stays finite, so training completes.
    let mut trainer = trainer.epochs(50);
    let mut worst = 0.0_f32;
    let summary = trainer
        .fit_with(&mut line, &data, |e| worst = worst.max(e.params.w.abs()))
        .unwrap();
    assert_eq!(summary.stop, Stop::Completed);
    assert!(worst <= eta * (1.0 + f32::EPSILON), "|w| reached {worst}");
    assert!(line.w.is_finite() && line.b.is_finite(), "{line:?}");
}

#[test]
fn a_network_that_is_its_own_loss_trains_with_objective() {
    // The logistic unit's loss as one network, on inputs [x, t] without targets, takes the very
    // steps of the line with BinaryCrossEntropyWithLogits on pairs (x, t): ∂L/∂z = σ(z) − t
    // either way. 40 samples in batches of 32 use the chunked path and the per-sample one.
    let samples: [[f64; 2]; 40] = core::array::from_fn(|i| {
        let x = i as f64 / 8.0 - 2.4;
        let flipped = i % 10 == 3;
        [x, f64::from((x > 0.0) != flipped)]
    });
    let pairs: [(f64, f64); 40] = core::array::from_fn(|i| (samples[i][0], samples[i][1]));

    let mut unit = LogisticLoss {
        w: 0.1_f64,
        b: -0.2,
    };
    let before = evaluate(&unit, &Objective, &objective(&samples)).unwrap();
    let mut own = Trainer::new(Adam::new(0.05), Objective)
        .epochs(100)
        .batch_size(32)
        .seed(7);
    let summary = own.fit(&mut unit, &objective(&samples)).unwrap();

    let mut line = Line {
        w: 0.1_f64,
        b: -0.2,
    };
    let mut logits = Trainer::new(Adam::new(0.05), BinaryCrossEntropyWithLogits)
        .epochs(100)
        .batch_size(32)
        .seed(7);
    let reference = logits.fit(&mut line, &pairs).unwrap();
    assert_eq!((unit.w, unit.b), (line.w, line.b));

    // The mean loss is the mean of the outputs, what BinaryCrossEntropyWithLogits measures (to
    // rounding: softplus(z) − t·z against its arrangement without cancellation).
    let mean = evaluate(&unit, &Objective, &objective(&samples)).unwrap();
    let by_logits = evaluate(&line, &BinaryCrossEntropyWithLogits, &pairs).unwrap();
    assert!((mean - by_logits).abs() <= 1e-14, "{mean} vs {by_logits}");
    let (loss, best) = (summary.loss.unwrap(), reference.loss.unwrap());
    assert!((loss - best).abs() <= 1e-14, "{loss} vs {best}");
    // One label in ten is flipped, so the loss stays well above 0, but far below ln 2.
    assert!(
        before > 0.6 && mean < 0.45 && unit.w > 1.0,
        "{before} -> {mean}, {unit:?}"
    );

    // Without samples there is nothing to train on or to measure.
    let none: [[f64; 2]; 0] = [];
    assert!(matches!(
        own.fit(&mut unit, &objective(&none)),
        Err(Error::EmptyData)
    ));
    assert!(matches!(
        evaluate(&unit, &Objective, &objective(&none)),
        Err(Error::EmptyData)
    ));
}

#[test]
fn early_stopping_stops() {
    // η = 0: the loss never improves after epoch 0, so patience 3 stops after epoch 3.
    // (Shuffling sums the same losses in another order each epoch, which moves the mean in its
    // last bits: a min_delta above rounding keeps that from counting as an improvement.)
    let mut line = Line { w: 0.5_f64, b: 0.0 };
    let mut trainer = Trainer::new(Sgd::new(0.0), HalfSquaredError)
        .epochs(100)
        .early_stopping(3, 1e-9);
    let s = trainer.fit(&mut line, &line_data()).unwrap();
    assert_eq!((s.epochs, s.stop), (4, Stop::EarlyStopping));
    assert!((s.loss.unwrap() - s.best_loss.unwrap()).abs() < 1e-12);

    // Improving, but by less than min_delta: stopped as well.
    let mut line = Line::<f64>::zeros();
    let s = Trainer::new(Sgd::new(0.001), HalfSquaredError)
        .epochs(100)
        .early_stopping(2, 1e9)
        .fit(&mut line, &line_data())
        .unwrap();
    assert_eq!((s.epochs, s.stop), (3, Stop::EarlyStopping));
    assert!(s.best_loss == s.loss, "the loss still fell: {s:?}");

    // Without early stopping, the same plateau runs every epoch.
    let s = Trainer::new(Sgd::new(0.0), HalfSquaredError)
        .epochs(20)
        .fit(&mut line, &line_data())
        .unwrap();
    assert_eq!((s.epochs, s.stop), (20, Stop::Completed));

    // A target loss stops as soon as it is reached.
    let mut line = Line::<f64>::zeros();
    let s = Trainer::new(Sgd::new(0.01), HalfSquaredError)
        .epochs(100_000)
        .stop_below(1e-6)
        .fit(&mut line, &line_data())
        .unwrap();
    assert_eq!(s.stop, Stop::TargetLoss);
    assert!(s.loss.unwrap() <= 1e-6 && s.epochs < 100_000);
}

/// A loss that records the order in which targets arrive (targets are sample indices) and
/// teaches nothing.
#[derive(Default)]
struct Recorder(RefCell<Vec<usize>>);

impl Loss<f64> for Recorder {
    fn value(&self, _: &f64, y: &f64) -> f64 {
        self.0.borrow_mut().push(*y as usize);
        0.0
    }
    fn gradient(&self, _: &f64, _: &f64) -> f64 {
        0.0
    }
}

/// The sample order of `epochs` epochs over 10 samples.
fn visit_order(shuffle: bool, seed: u64, epochs: usize) -> Vec<Vec<usize>> {
    let data: Vec<(f64, f64)> = (0..10).map(|i| (i as f64, i as f64)).collect();
    let mut trainer = Trainer::new(Sgd::new(0.1), Recorder::default())
        .epochs(epochs)
        .shuffle(shuffle)
        .seed(seed);
    trainer.fit(&mut Line::<f64>::zeros(), &data[..]).unwrap();
    let order = trainer.loss().0.borrow().clone();
    order.chunks(10).map(<[usize]>::to_vec).collect()
}

#[test]
fn shuffle_is_reproducible_per_seed() {
    let a = visit_order(true, 7, 5);
    assert_eq!(a.len(), 5);
    for epoch in &a {
        let mut sorted = epoch.clone();
        sorted.sort();
        assert_eq!(
            sorted,
            (0..10).collect::<Vec<_>>(),
            "not a permutation: {epoch:?}"
        );
    }
    // The same seed, the same orders; each epoch is shuffled afresh.
    assert_eq!(a, visit_order(true, 7, 5));
    assert!(a.windows(2).all(|w| w[0] != w[1]), "{a:?}");
    assert!(a.iter().any(|e| *e != (0..10).collect::<Vec<_>>()));
    // Another seed, other orders.
    assert_ne!(a, visit_order(true, 8, 5));
    // Without shuffling, in order.
    assert!(visit_order(false, 7, 3)
        .iter()
        .all(|e| *e == (0..10).collect::<Vec<_>>()));

    // And so training with the same seed is reproducible to the bit.
    let train = |seed| {
        let mut net = Xor221::<f64>::init(Xavier, 3);
        Trainer::new(Sgd::new(0.5), BinaryCrossEntropy)
            .epochs(50)
            .seed(seed)
            .fit(&mut net, &XOR)
            .unwrap();
        net
    };
    assert_eq!(train(1), train(1));
    assert_ne!(train(1), train(2));
}

/// Mini-batch gradient descent on a line with ½ squared error, written out by hand: for each
/// batch, sum the gradients in order, multiply by 1/size when the batch has several samples,
/// and step θ ← θ − η g.
fn by_hand(mut line: Line<f64>, data: &[(f64, f64)], batch: usize, lr: f64) -> Line<f64> {
    for chunk in data.chunks(batch) {
        let (mut gw, mut gb) = (0.0, 0.0);
        for &(x, y) in chunk {
            let d = (line.w * x + line.b) - y; // ∂L/∂ŷ = ŷ − y
            gw += d * x; // ∂ŷ/∂w = x
            gb += d; // ∂ŷ/∂b = 1
        }
        if chunk.len() > 1 {
            let inv = 1.0 / chunk.len() as f64;
            gw *= inv;
            gb *= inv;
        }
        line.w -= lr * gw;
        line.b -= lr * gb;
    }
    line
}

#[test]
fn batch_sizes_behave_as_documented() {
    let data = line_data(); // 7 samples
    let start = Line { w: 0.3, b: -0.2 };
    let lr = 0.01;
    for (batch, steps, size) in [
        (Batch::One, 7, 1),
        (Batch::Size(3), 3, 3), // batches of 3, 3 and 1
        (Batch::Size(7), 1, 7),
        (Batch::Size(100), 1, 7),
        (Batch::Full, 1, 7),
    ] {
        let mut line = start;
        let mut seen = Vec::new();
        Trainer::new(Sgd::new(lr), HalfSquaredError)
            .batch(batch)
            .shuffle(false)
            .epochs(3)
            .fit_with(&mut line, &data, |e| seen.push((e.steps, e.loss)))
            .unwrap();
        assert!(seen.iter().all(|&(s, _)| s == steps), "{batch:?}: {seen:?}");
        let mut want = start;
        for _ in 0..3 {
            want = by_hand(want, &data, size, lr);
        }
        assert_eq!(line, want, "{batch:?}");
    }
    // batch_size(1) is SGD and full_batch() is Batch::Full.
    let mut a = start;
    let mut b = start;
    Trainer::new(Sgd::new(lr), HalfSquaredError)
        .batch_size(1)
        .shuffle(false)
        .fit(&mut a, &data)
        .unwrap();
    Trainer::new(Sgd::new(lr), HalfSquaredError)
        .batch(Batch::One)
        .shuffle(false)
        .fit(&mut b, &data)
        .unwrap();
    assert_eq!(a, b);

    // Full batch: the epoch's loss is the mean loss at the parameters the epoch started from.
    let mut line = start;
    let mut first = None;
    Trainer::new(Sgd::new(lr), HalfSquaredError)
        .full_batch()
        .shuffle(false)
        .epochs(1)
        .fit_with(&mut line, &data, |e| first = Some(e.loss))
        .unwrap();
    assert_eq!(
        first,
        Some(evaluate(&start, &HalfSquaredError, &data).unwrap())
    );
}

/// One big matrix (fan-in 100, fan-out 50), a vector (fan-in 1, fan-out 40) and a scalar.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Big<T> {
    w: [[T; 100]; 50],
    v: [T; 40],
    s: T,
}

impl<T: Float> Parameters for Big<T> {
    type Scalar = T;
    const TENSORS: &'static [TensorInfo] = &[
        TensorInfo {
            name: "w",
            shape: &[50, 100],
        },
        TensorInfo {
            name: "v",
            shape: &[40],
        },
        TensorInfo {
            name: "s",
            shape: &[],
        },
    ];
    const COUNT: usize = 5041;
    fn zeros() -> Self {
        Big {
            w: [[T::zero(); 100]; 50],
            v: [T::zero(); 40],
            s: T::zero(),
        }
    }
    fn tensor(&self, k: usize) -> &[T] {
        match k {
            0 => self.w.as_flattened(),
            1 => &self.v,
            2 => core::slice::from_ref(&self.s),
            _ => &[],
        }
    }
    fn tensor_mut(&mut self, k: usize) -> &mut [T] {
        match k {
            0 => self.w.as_flattened_mut(),
            1 => &mut self.v,
            2 => core::slice::from_mut(&mut self.s),
            _ => &mut [],
        }
    }
}

fn mean_std(v: &[f64]) -> (f64, f64) {
    let n = v.len() as f64;
    let mean = v.iter().sum::<f64>() / n;
    let var = v.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / n;
    (mean, var.sqrt())
}

#[test]
fn initialisers_are_seeded_and_scaled_by_fans() {
    // Reproducible per seed, different across seeds; in f32 the same draws, computed in f32
    // (24 of the 53 random bits, so within a few f32 ulps of the f64 numbers).
    let a = Big::<f64>::init(Xavier, 11);
    assert_eq!(a, Big::init(Xavier, 11));
    assert_ne!(a.w, Big::<f64>::init(Xavier, 12).w);
    let a32 = Big::<f32>::init(Xavier, 11);
    for (x, y) in a32.w.as_flattened().iter().zip(a.w.as_flattened()) {
        assert!((f64::from(*x) - y).abs() <= 1e-6, "{x} against {y}");
    }

    // Uniform schemes: inside ±bound, filling it, centred, variance bound²/3.
    let uniform = |scheme: &dyn Initializer<f64>, w_bound: f64, v_bound: f64| {
        let p = Big::<f64>::init_each(5, |_| scheme);
        let w = p.w.as_flattened();
        assert!(w.iter().all(|x| x.abs() < w_bound));
        assert!(w.iter().any(|x| x.abs() > 0.99 * w_bound));
        let (mean, std) = mean_std(w);
        assert!(mean.abs() < 0.02 * w_bound, "mean {mean}");
        let want = w_bound / 3f64.sqrt();
        assert!((std - want).abs() < 0.03 * want, "std {std}, want {want}");
        assert!(p.v.iter().all(|x| x.abs() < v_bound));
        assert!(p.v.iter().any(|x| x.abs() > 0.5 * v_bound));
    };
    // Xavier: √(6/(fan_in + fan_out)); a vector counts as fan-in 1, fan-out n.
    uniform(&Xavier, (6.0_f64 / 150.0).sqrt(), (6.0_f64 / 41.0).sqrt());
    // He uniform: √(6/fan_in).
    uniform(&HeUniform, (6.0_f64 / 100.0).sqrt(), 6.0_f64.sqrt());

    // Normal schemes: the standard deviation of the fans.
    let normal = |scheme: &dyn Initializer<f64>, want: f64| {
        let p = Big::<f64>::init_each(6, |_| scheme);
        let (mean, std) = mean_std(p.w.as_flattened());
        assert!(mean.abs() < 0.05 * want, "mean {mean}");
        assert!((std - want).abs() < 0.05 * want, "std {std}, want {want}");
    };
    normal(&He, (2.0_f64 / 100.0).sqrt());
    normal(&XavierNormal, (2.0_f64 / 150.0).sqrt());
    normal(&Normal::new(0.0, 3.0), 3.0);
    let p = Big::<f64>::init(Normal::new(5.0, 0.1), 1);
    assert!((mean_std(p.w.as_flattened()).0 - 5.0).abs() < 0.01);

    let p = Big::<f64>::init(Uniform::new(2.0, 3.0), 1);
    assert!(p.w.as_flattened().iter().all(|x| (2.0..3.0).contains(x)));
    assert_eq!(Big::<f64>::init(Zeros, 1), Big::zeros());
    let c = Big::<f32>::init(Constant(0.25), 1);
    assert!(c.w.as_flattened().iter().chain(&c.v).all(|&x| x == 0.25) && c.s == 0.25);
    // Glorot is Xavier.
    assert_eq!(Big::<f64>::init(Glorot, 4), Big::init(Xavier, 4));
}

#[test]
fn schedules_give_exact_factors_and_drive_the_rate() {
    assert_eq!(Schedule::<f64>::factor(&ConstantRate, 1_000), 1.0);
    let step = StepDecay::new(10, 0.5);
    let factors: Vec<f64> = [0, 9, 10, 19, 20, 35].map(|t| step.factor(t)).to_vec();
    assert_eq!(factors, [1.0, 1.0, 0.5, 0.5, 0.25, 0.125]);
    let exp = ExponentialDecay::new(0.5);
    assert_eq!([0, 1, 3].map(|t| exp.factor(t)), [1.0, 0.5, 0.125]);
    let cos = CosineDecay::<f64>::new(4);
    let want = [
        1.0,
        0.5 + 0.5 * std::f64::consts::FRAC_1_SQRT_2,
        0.5,
        0.5 - 0.5 * std::f64::consts::FRAC_1_SQRT_2,
        0.0,
        0.0,
    ];
    for (t, want) in want.iter().enumerate() {
        assert!((cos.factor(t) - want).abs() < 1e-15, "cosine at {t}");
    }
    assert_eq!(CosineDecay::new(4).floor(0.1).factor(4), 0.1);
    let warm = LinearWarmup::new(4, StepDecay::new(2, 0.1));
    let got: Vec<f64> = (0..7).map(|t| warm.factor(t)).collect();
    assert_eq!(got, [0.25, 0.5, 0.75, 1.0, 1.0, 1.0, 0.1]);

    // The trainer sets η₀·factor(epoch) before each epoch, and counts epochs across calls.
    let mut rates = Vec::new();
    let mut trainer = Trainer::new(Sgd::new(0.8), HalfSquaredError)
        .schedule(StepDecay::new(2, 0.5))
        .epochs(3);
    let mut line = Line::<f64>::zeros();
    for _ in 0..2 {
        trainer
            .fit_with(&mut line, &line_data()[..2], |e| {
                rates.push((e.index, e.learning_rate))
            })
            .unwrap();
    }
    assert_eq!(
        rates,
        [(0, 0.8), (1, 0.8), (2, 0.4), (3, 0.4), (4, 0.2), (5, 0.2)]
    );
    assert_eq!(trainer.epochs_done(), 6);
    assert_eq!(trainer.optimizer().learning_rate(), 0.2);
}

#[test]
fn accuracy_and_confusion_matrix_are_exact() {
    // ŷ = x − 0.5, class 1 when ŷ > 0.
    let line = Line {
        w: 1.0_f64,
        b: -0.5,
    };
    let data = [
        (0.0, 0.0), // predicted 0, right
        (0.1, 0.0), // 0, right
        (0.9, 0.0), // 1, wrong
        (0.2, 1.0), // 0, wrong
        (0.7, 1.0), // 1, right
        (0.8, 1.0), // 1, right
        (1.0, 1.0), // 1, right
    ];
    let predict = |y: &f64| threshold(*y, 0.0);
    let label = |t: &f64| threshold(*t, 0.5);
    let acc = accuracy(&line, &data, |y, t| predict(y) == label(t)).unwrap();
    assert_eq!(acc, 5.0 / 7.0);
    let m = ConfusionMatrix::<2>::of(&line, &data, predict, label).unwrap();
    assert_eq!(m.counts(), &[[2, 1], [1, 3]]);
    assert_eq!((m.total(), m.correct()), (7, 5));
    assert_eq!(m.accuracy(), Some(5.0 / 7.0));
    assert_eq!(m.precision(1), Some(0.75));
    assert_eq!(m.recall(1), Some(0.75));
    assert_eq!(m.precision(0), Some(2.0 / 3.0));
    assert_eq!(m.recall(0), Some(2.0 / 3.0));
    assert_eq!(
        m.to_string(),
        "actual \\ predicted      0      1\n                 0      2      1\n                 1      1      3"
    );
    // A label outside the classes is an error, not a panic.
    let bad = [(0.0, 0.0), (1.0, 2.0)];
    match ConfusionMatrix::<2>::of(&line, &bad, predict, |t| *t as usize) {
        Err(Error::ClassOutOfRange { class, classes }) => assert_eq!((class, classes), (2, 2)),
        other => panic!("expected ClassOutOfRange, got {other:?}"),
    }
    let empty: [(f64, f64); 0] = [];
    assert!(matches!(
        accuracy(&line, &empty, |_, _| true),
        Err(Error::EmptyData)
    ));
    assert_eq!(ConfusionMatrix::<3>::new().accuracy(), None);
    // Several classes with argmax.
    let mut m3 = ConfusionMatrix::<3>::new();
    for (scores, class) in [
        ([0.1, 0.7, 0.2], 1),
        ([0.5, 0.2, 0.3], 2),
        ([0.0, 0.0, 1.0], 2),
    ] {
        m3.record(class, argmax(&scores)).unwrap();
    }
    assert_eq!(m3.counts(), &[[0, 0, 0], [0, 1, 0], [1, 0, 1]]);
}

/// Xor221 with a deliberately wrong backward: ∂L/∂W1₁₀ (flat element 2 of `w1`) gets an extra
/// 0.1·∂L/∂y, a wrong chain-rule factor for one parameter.
#[derive(Clone, Copy, Debug, PartialEq)]
struct WrongBackward(Xor221<f64>);

impl Parameters for WrongBackward {
    type Scalar = f64;
    const TENSORS: &'static [TensorInfo] = Xor221::<f64>::TENSORS;
    const COUNT: usize = 9;
    fn zeros() -> Self {
        WrongBackward(Xor221::zeros())
    }
    fn tensor(&self, k: usize) -> &[f64] {
        self.0.tensor(k)
    }
    fn tensor_mut(&mut self, k: usize) -> &mut [f64] {
        self.0.tensor_mut(k)
    }
}

impl Network for WrongBackward {
    type Input = [f64; 2];
    type Output = f64;
    type Tape = Xor221Tape<f64>;
    fn forward(&self, x: &[f64; 2]) -> f64 {
        self.0.forward(x)
    }
    fn forward_tape(&self, x: &[f64; 2]) -> (f64, Xor221Tape<f64>) {
        self.0.forward_tape(x)
    }
    fn backward(&self, tape: &Xor221Tape<f64>, d: &f64, grads: &mut Self) -> [f64; 2] {
        let dx = self.0.backward(tape, d, &mut grads.0);
        grads.0.w1[1][0] += 0.1 * d;
        dx
    }
}

#[test]
fn gradcheck_finds_the_wrong_parameter() {
    let net = Xor221 {
        w1: [[0.3, -0.2], [0.5, 0.9]],
        b1: [0.1, -0.4],
        w2: [0.7, -1.1],
        b2: 0.2,
    };
    let good = check_gradients(&net, &HalfSquaredError, &XOR, 1e-6).unwrap();
    assert!(good.worst_error < 1e-8, "{good:?}");

    let report = check_gradients(&WrongBackward(net), &HalfSquaredError, &XOR, 1e-6).unwrap();
    assert_eq!(
        (report.tensor, report.tensor_index, report.element),
        ("w1", 0, 2)
    );
    // The extra term over the four samples is 0.1·Σ ∂L/∂y = 0.1·Σ (ŷ − y).
    let extra: f64 = XOR.iter().map(|(x, y)| 0.1 * (net.forward(x) - y)).sum();
    assert!(
        (report.analytic - report.numeric - extra).abs() < 1e-8,
        "{report:?}"
    );
    assert!(report.worst_error > 1e-3);

    // Settings that cannot work are errors.
    assert!(matches!(
        check_gradients(&net, &HalfSquaredError, &XOR, 0.0),
        Err(Error::InvalidSetting(_))
    ));
    let empty: [([f64; 2], f64); 0] = [];
    assert!(matches!(
        check_gradients(&net, &HalfSquaredError, &empty, 1e-6),
        Err(Error::EmptyData)
    ));
}

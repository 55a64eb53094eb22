//! Zero heap allocations on every hot path: forward, backward, the batched matrix products,
//! every loss, every optimizer step, and whole training epochs (with `.progress(false)`, the
//! default), plus evaluation, metrics, the gradient checker, initialisation and weight
//! encoding.
//!
//! A counting global allocator (`counting/mod.rs`) wraps the system allocator, per thread.

use nn_runtime::data::{objective, zip};
use nn_runtime::gradcheck::check_gradients;
use nn_runtime::init::{Constant, Normal, Uniform};
use nn_runtime::math::{batch_portable, matmul_batch, outer_add_batch, transpose_mul_batch};
use nn_runtime::metrics::{accuracy, threshold, ConfusionMatrix};
use nn_runtime::optim::clip_global_norm;
use nn_runtime::prelude::*;
use nn_runtime::toy::{Line, LogisticLoss, Xor221};
use nn_runtime::train::evaluate;
use nn_runtime::weights::{encoded_len, read_bytes, rust_source, write_bytes};
use nn_runtime::Float;

mod counting;
use counting::{allocations, assert_no_allocation};
use std::hint::black_box;

const XOR: [([f64; 2], f64); 4] = [
    ([0.0, 0.0], 0.0),
    ([0.0, 1.0], 1.0),
    ([1.0, 0.0], 1.0),
    ([1.0, 1.0], 0.0),
];

fn xor_net() -> Xor221<f64> {
    Xor221 {
        w1: [[0.3, -0.2], [0.5, 0.9]],
        b1: [0.1, -0.4],
        w2: [0.7, -1.1],
        b2: 0.2,
    }
}

#[test]
fn the_counter_counts() {
    // Without this, a broken allocator hook would make every other test pass vacuously.
    let (v, n) = allocations(|| vec![1u8, 2, 3]);
    assert_eq!(v.len(), 3);
    assert!(n >= 1, "a Vec allocation was not counted");
    let (s, n) = allocations(|| format!("{}", 12345));
    assert_eq!(s, "12345");
    assert!(n >= 1);
}

#[test]
fn forward_and_backward() {
    let net = xor_net();
    let y = assert_no_allocation("forward", || net.forward(black_box(&[1.0, 0.0])));
    assert!(y > 0.0 && y < 1.0);
    let (y2, tape) = assert_no_allocation("forward_tape", || net.forward_tape(&[1.0, 0.0]));
    assert_eq!(y, y2);
    let mut grads = Xor221::zeros();
    let dx = assert_no_allocation("backward", || net.backward(&tape, &0.5, &mut grads));
    assert!(dx.iter().all(|v| v.is_finite()) && grads.b2 != 0.0);

    let net32 = Xor221::<f32>::init(Xavier, 3);
    assert_no_allocation("f32 forward + backward", || {
        let (_, tape) = net32.forward_tape(&[0.0, 1.0]);
        let mut g = Xor221::zeros();
        net32.backward(&tape, &1.0, &mut g)
    });
    let line = Line { w: 2.0_f32, b: 1.0 };
    assert_eq!(
        assert_no_allocation("Line forward", || line.forward(&3.0)),
        7.0
    );
}

#[test]
fn batched_matrix_products() {
    // Includes the first call on this thread, which detects the CPU's features (the dispatched
    // path), and the portable path. The 256-wide shapes need a larger stack than a test
    // thread's in unoptimised builds; the thread is spawned outside the measurement.
    fn layer<const K: usize, const M: usize, const B: usize>() {
        let w = Box::new([[0.25_f32; K]; M]);
        let x = Box::new([[0.5_f32; K]; B]);
        let dz = Box::new([[-1.0_f32; M]; B]);
        let mut g = Box::new([[0.0_f32; K]; M]);
        let name = format!("{K} -> {M}, batch {B}");
        let z = assert_no_allocation(&name, || {
            let z = matmul_batch(&w, &*x);
            let dx = transpose_mul_batch(&w, &dz);
            outer_add_batch(&mut g, &dz, &*x);
            let zp = batch_portable::matmul_batch(&w, &*x);
            let dxp = batch_portable::transpose_mul_batch(&w, &dz);
            batch_portable::outer_add_batch(&mut g, &dz, &*x);
            (z[B - 1][M - 1], dx[0][0], zp[0][0], dxp[B - 1][K - 1])
        });
        assert_eq!(
            z,
            (
                K as f32 / 8.0,
                -(M as f32) / 4.0,
                K as f32 / 8.0,
                -(M as f32) / 4.0
            )
        );
        assert_eq!(g[0][0], -(B as f32));

        let w = Box::new([[0.25_f64; K]; M]);
        let x = Box::new([[0.5_f64; K]; B]);
        let dz = Box::new([[-1.0_f64; M]; B]);
        let mut g = Box::new([[0.0_f64; K]; M]);
        assert_no_allocation(&format!("{name}, f64"), || {
            let z = matmul_batch(&w, &*x);
            let dx = transpose_mul_batch(&w, &dz);
            outer_add_batch(&mut g, &dz, &*x);
            (z[0][0], dx[0][0])
        });
    }
    std::thread::Builder::new()
        .stack_size(64 << 20)
        .spawn(|| {
            layer::<2, 4, 4>();
            layer::<4, 1, 4>();
            layer::<64, 32, 32>();
            layer::<32, 10, 32>();
            layer::<256, 256, 64>();
            layer::<256, 10, 64>();
            layer::<33, 7, 3>();
        })
        .unwrap()
        .join()
        .unwrap();
}

#[test]
fn every_loss_value_and_gradient() {
    fn check<O: Tensor, Y>(name: &str, loss: &impl Loss<O, Y>, p: O, y: Y) {
        let (v, g) = assert_no_allocation(name, || {
            let v = loss.value(&p, &y);
            let g = loss.gradient(&p, &y);
            let (v2, g2) = loss.value_and_gradient(&p, &y);
            (v + v2, (g, g2))
        });
        assert!(v.is_finite(), "{name}");
        assert!(g.0.flat().iter().chain(g.1.flat()).all(|x| x.is_finite()));
    }
    let (p, y) = ([0.2_f64, 0.7, 0.4], [0.0, 1.0, 0.5]);
    let (pm, ym) = ([[0.2_f32, 0.7], [0.1, 0.9]], [[0.0, 1.0], [0.0, 1.0]]);
    check("½ squared error", &HalfSquaredError, 0.3_f64, 1.0);
    check("½ squared error [3]", &HalfSquaredError, p, y);
    check("squared error", &SquaredError, pm, ym);
    check("mean squared error", &MeanSquaredError, p, y);
    check("absolute error", &AbsoluteError, p, y);
    check("Huber", &Huber::new(0.5), pm, ym);
    check("binary cross-entropy", &BinaryCrossEntropy, p, y);
    check(
        "BCE with logits",
        &BinaryCrossEntropyWithLogits,
        3.0_f32,
        1.0,
    );
    check("BCE with logits [3]", &BinaryCrossEntropyWithLogits, p, y);
    check("hinge", &Hinge, [0.3_f64, -2.0], [1.0, -1.0]);
    check("softmax CE, class", &SoftmaxCrossEntropy, p, 2usize);
    check(
        "softmax CE, distribution",
        &SoftmaxCrossEntropy,
        p,
        [0.2, 0.3, 0.5],
    );
}

#[test]
fn every_optimizer_step() {
    fn check(name: &str, mut opt: impl Optimizer<Xor221<f64>>) {
        let mut params = xor_net();
        let mut grads = Xor221::zeros();
        let (_, tape) = params.forward_tape(&[1.0, 1.0]);
        params.backward(&tape, &1.0, &mut grads);
        let before = params;
        assert_no_allocation(name, || {
            for _ in 0..3 {
                opt.step(&mut params, &grads);
            }
            opt.set_learning_rate(0.01);
            opt.reset();
        });
        assert_ne!(params, before, "{name} did not move the parameters");
    }
    check("SGD", Sgd::new(0.1).weight_decay(0.01));
    check("momentum", Momentum::new(0.1, 0.9).weight_decay(0.01));
    check("Nesterov", Nesterov::new(0.1, 0.9));
    check("Adam", Adam::new(0.1).weight_decay(0.01));
    check("AdamW", AdamW::new(0.1, 0.01));
    check("RMSProp", RmsProp::new(0.01));
    check("AdaGrad", AdaGrad::new(0.1));

    let mut g = xor_net();
    let norm = assert_no_allocation("clip_global_norm", || clip_global_norm(&mut g, 0.1));
    assert!(norm > 0.1);
}

#[test]
fn whole_training_epochs() {
    // One epoch per configuration, each on a trainer built outside the measurement. The
    // progress bar (`std` only) is off by default; switched off explicitly here.
    let mut net = xor_net();
    let sgd = Trainer::new(Sgd::new(0.5), BinaryCrossEntropy).epochs(1);
    #[cfg(feature = "std")]
    let sgd = sgd.progress(false);
    let mut sgd = sgd;
    let s = assert_no_allocation("one SGD epoch (batch 1, shuffled)", || {
        sgd.fit(&mut net, &XOR)
    })
    .unwrap();
    assert_eq!((s.epochs, s.stop), (1, Stop::Completed));

    let mut adam = Trainer::new(Adam::new(0.05), BinaryCrossEntropy)
        .epochs(1)
        .batch_size(3)
        .clip_norm(1.0)
        .schedule(LinearWarmup::new(2, CosineDecay::new(10)))
        .early_stopping(5, 1e-6)
        .stop_below(1e-9);
    let mut steps = 0;
    let s = assert_no_allocation("one Adam epoch (batch 3, clipped, scheduled)", || {
        adam.fit_with(&mut net, &XOR, |e| steps = e.steps)
    })
    .unwrap();
    assert_eq!((s.epochs, steps), (1, 2));

    let xs = [1.0_f32, 2.0, 3.0, 4.0];
    let ys = [3.0_f32, 5.0, 7.0, 9.0];
    let data = zip(&xs, &ys).unwrap();
    let mut line = Line::<f32>::zeros();
    let mut full = Trainer::new(Momentum::new(0.01, 0.9), HalfSquaredError)
        .full_batch()
        .shuffle(false)
        .epochs(1);
    let s = assert_no_allocation("one full-batch epoch of zipped slices", || {
        full.fit(&mut line, &data)
    })
    .unwrap();
    assert!(s.loss.unwrap() > 0.0 && line.w > 0.0);

    // Many epochs are as allocation-free as one.
    let mut many = Trainer::new(RmsProp::new(0.01), HalfSquaredError).epochs(200);
    assert_no_allocation("200 epochs", || many.fit(&mut line, &data)).unwrap();

    // A network that is its own loss, on inputs without targets.
    let samples = [[-1.0_f64, 0.0], [1.0, 1.0], [2.0, 1.0]];
    let mut unit = LogisticLoss::<f64>::zeros();
    let mut own = Trainer::new(Sgd::new(0.5), Objective)
        .epochs(1)
        .batch_size(2);
    let s = assert_no_allocation("one epoch of an objective", || {
        own.fit(&mut unit, &objective(&samples))
    })
    .unwrap();
    assert!(s.loss.unwrap() > 0.0 && unit.w > 0.0);
}

#[test]
fn evaluation_metrics_gradcheck_init_and_weights() {
    let net = xor_net();
    let l = assert_no_allocation("evaluate", || evaluate(&net, &BinaryCrossEntropy, &XOR));
    assert!(l.unwrap() > 0.0);
    let acc = assert_no_allocation("accuracy", || {
        accuracy(&net, &XOR, |y, t| threshold(*y, 0.5) == threshold(*t, 0.5))
    });
    assert!(acc.is_ok());
    let m = assert_no_allocation("confusion matrix", || {
        ConfusionMatrix::<2>::of(&net, &XOR, |y| threshold(*y, 0.5), |t| threshold(*t, 0.5))
    });
    assert_eq!(m.unwrap().total(), 4);
    let report = assert_no_allocation("gradient check", || {
        check_gradients(&net, &BinaryCrossEntropy, &XOR, 1e-6)
    });
    assert!(report.unwrap().worst_error < 1e-7);

    let inits = assert_no_allocation("initialisers", || {
        [
            Xor221::<f64>::init(Xavier, 1),
            Xor221::init(He, 2),
            Xor221::init(XavierNormal, 3),
            Xor221::init(Uniform::new(-1.0, 1.0), 4),
            Xor221::init(Normal::new(0.0, 1.0), 5),
            Xor221::init(Constant(0.5), 6),
            Xor221::init_each(7, |i| {
                if i.name.starts_with('b') {
                    &Zeros
                } else {
                    &HeUniform
                }
            }),
        ]
    });
    assert_ne!(inits[0], inits[1]);

    let mut buf = [0u8; 128];
    let n = assert_no_allocation("write_bytes", || write_bytes(&net, &mut buf)).unwrap();
    assert_eq!(n, encoded_len::<Xor221<f64>>());
    let back = assert_no_allocation("read_bytes", || read_bytes::<Xor221<f64>>(&buf[..n]));
    assert_eq!(back.unwrap(), net);

    // Rust-source export through `core::fmt` into a fixed buffer.
    struct Fixed {
        buf: [u8; 512],
        len: usize,
    }
    impl core::fmt::Write for Fixed {
        fn write_str(&mut self, s: &str) -> core::fmt::Result {
            let end = self.len + s.len();
            self.buf
                .get_mut(self.len..end)
                .ok_or(core::fmt::Error)?
                .copy_from_slice(s.as_bytes());
            self.len = end;
            Ok(())
        }
    }
    let mut out = Fixed {
        buf: [0; 512],
        len: 0,
    };
    assert_no_allocation("rust_source", || {
        use core::fmt::Write;
        write!(out, "{}", rust_source(&net, "Xor221<f64>", "NET"))
    })
    .unwrap();
    assert!(std::str::from_utf8(&out.buf[..out.len])
        .unwrap()
        .starts_with("pub const NET: Xor221<f64> = Xor221 {"));
}

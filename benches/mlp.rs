//! Generated MLPs against the same MLPs written by hand, in one run (issue 3, "Must show").
//!
//! ```sh
//! cargo bench --bench mlp
//! ```
//!
//! Four networks, all `f32`:
//!
//! | group | network | objective | batch |
//! |---|---|---|---|
//! | `xor_2-4-1` | tanh hidden, sigmoid out | ½(y − t)² | 1 |
//! | `mlp_64-32-10` | ReLU hidden, logits | softmax cross-entropy, one-hot t | 32 |
//! | `mlp_256-256-10` | ReLU hidden, logits | softmax cross-entropy, one-hot t | 64 |
//! | `mlp_784-512-10` | ReLU hidden, logits | softmax cross-entropy, one-hot t | 64 |
//!
//! For each: `ours_*` is the code `#[network]` generates (the whole objective, loss included, is
//! one network with inputs `x` and `t`); `hand_*` is the same network written by hand the way a
//! competent Rust programmer would (plain loops over fixed arrays, a dot product with eight
//! partial sums, no SIMD intrinsics, no `unsafe`, no ∂L/∂x since training does not need it);
//! `hand_batched_*` (the three batched MLPs) keeps the batch as a matrix, features × samples,
//! `Z = W·X + b`, with matrix-matrix products in the backward pass; `ours_batch_sgd_step` is the
//! generated `gradient_batch` (through `Network::gradient_batch`), whose matrix products are the
//! runtime's batch kernels.
//!
//! Measured: `forward` (loss of one sample), `backward` (from a ready tape), `fwd+bwd` (one
//! sample, gradients added into an accumulator), `sgd_step` (zero the gradient, forward+backward
//! of every sample of the batch, then `p -= lr/B · g` over every parameter). Before measuring,
//! `main` asserts that ours, hand-written and batched agree on losses, gradients and updated
//! parameters (relative 1e-5). After criterion it prints two tables: the ratios of criterion's
//! median estimates of this run (`<criterion dir>/<group>/<id>/new/estimates.json`), and the
//! same ratios measured paired (ours and hand-written alternating in 41 short rounds, median of
//! the per-round ratios), which a machine shared with other work disturbs much less.
//!
//! 784-512-10 (1.6 MB of `W1`) lives on the heap on both sides: ours through
//! `nn::storage::Large` (a `Box`), the hand-written network, its gradient and the batch matrices
//! in `Box`es made in place (zeros, then filled), never whole on the stack. A step there takes
//! milliseconds, so its criterion group takes 10 samples instead of 30.

// The hand-written networks index their loops the way the formulas read (hᵢ, zₖ).
#![allow(clippy::needless_range_loop)]

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use criterion::Criterion;
use nn::prelude::*;

// ---------------------------------------------------------------------------------------------
// Ours: the networks as the lecture writes them.

include!("common/networks.rs");

/// One SGD step of a generated network through the runtime's traits: per-sample forward_tape +
/// backward accumulating into `grads`, then `p -= (lr / B)·g`. Returns the summed loss.
fn ours_sgd_step<N>(params: &mut N, grads: &mut N, batch: &[N::Input], lr: f32) -> f32
where
    N: Network<Output = f32> + Parameters<Scalar = f32>,
{
    zero(grads);
    let mut loss = 0.0;
    for sample in batch {
        let (l, tape) = params.forward_tape(sample);
        params.backward_params(&tape, &1.0, grads);
        loss += l;
    }
    sgd_update(params, grads, lr / batch.len() as f32);
    loss
}

/// The same step with the generated batched gradient (one matrix product per layer for the
/// whole batch), through `Network::gradient_batch`.
fn ours_batch_sgd_step<N, const B: usize>(
    params: &mut N,
    grads: &mut N,
    batch: &[N::Input; B],
    lr: f32,
) -> f32
where
    N: Network<Output = f32> + Parameters<Scalar = f32>,
{
    zero(grads);
    let loss = params.gradient_batch(batch, |_, _| 1.0, grads).iter().sum();
    sgd_update(params, grads, lr / B as f32);
    loss
}

fn zero<N: Parameters<Scalar = f32>>(grads: &mut N) {
    for k in 0..N::TENSORS.len() {
        grads.tensor_mut(k).fill(0.0);
    }
}

/// p -= step · g over every tensor.
fn sgd_update<N: Parameters<Scalar = f32>>(params: &mut N, grads: &N, step: f32) {
    for k in 0..N::TENSORS.len() {
        let g = grads.tensor(k);
        for (p, &g) in params.tensor_mut(k).iter_mut().zip(g) {
            *p -= step * g;
        }
    }
}

include!("common/hand_written.rs");

impl<const I: usize, const H: usize, const O: usize> HandMlp<I, H, O> {
    /// Batched: X is features × samples (column b is sample b), Z = W·X + b.
    fn sgd_step_batched<const B: usize>(
        &mut self,
        g: &mut Self,
        s: &mut BatchScratch<H, O, B>,
        x: &[[f32; B]; I],
        t: &[[f32; B]; O],
        lr: f32,
    ) -> f32 {
        // Forward: H = relu(W1·X + b1), row by row, each row an axpy over the batch.
        for (j, hj) in s.h.iter_mut().enumerate() {
            *hj = [self.b1[j]; B];
            for (&w, xi) in self.w1[j].iter().zip(x) {
                for (h, &x) in hj.iter_mut().zip(xi) {
                    *h += w * x;
                }
            }
            for h in hj.iter_mut() {
                *h = h.max(0.0);
            }
        }
        // Z2 = W2·H + b2.
        for (k, zk) in s.dz2.iter_mut().enumerate() {
            *zk = [self.b2[k]; B];
            for (&w, hj) in self.w2[k].iter().zip(&s.h) {
                for (z, &h) in zk.iter_mut().zip(hj) {
                    *z += w * h;
                }
            }
        }
        // Softmax cross-entropy column by column, vectorised over the batch; dZ2 in place.
        let mut max = [f32::NEG_INFINITY; B];
        for zk in &s.dz2 {
            for (m, &z) in max.iter_mut().zip(zk) {
                *m = m.max(z);
            }
        }
        let mut sum = [0.0f32; B];
        let mut t_sum = [0.0f32; B];
        let mut loss = 0.0;
        for (zk, tk) in s.dz2.iter_mut().zip(t) {
            for b in 0..B {
                // −t·log softmax = t·(max − z) + t·ln Σ e, the last term added below.
                loss += tk[b] * (max[b] - zk[b]);
                zk[b] = (zk[b] - max[b]).exp();
                sum[b] += zk[b];
                t_sum[b] += tk[b];
            }
        }
        for b in 0..B {
            loss += t_sum[b] * sum[b].ln();
        }
        for (dk, tk) in s.dz2.iter_mut().zip(t) {
            for b in 0..B {
                dk[b] = dk[b] / sum[b] * t_sum[b] - tk[b];
            }
        }
        g.zero();
        // gW2 = dZ2·Hᵀ, gb2 = dZ2·1, dH = W2ᵀ·dZ2.
        for (k, dk) in s.dz2.iter().enumerate() {
            g.b2[k] = dk.iter().sum();
            for (gw, hj) in g.w2[k].iter_mut().zip(&s.h) {
                *gw = hand_dot(dk, hj);
            }
        }
        for (j, dhj) in s.dh.iter_mut().enumerate() {
            *dhj = [0.0; B];
            for (w2k, dk) in self.w2.iter().zip(&s.dz2) {
                let w = w2k[j];
                for (d, &dz) in dhj.iter_mut().zip(dk) {
                    *d += w * dz;
                }
            }
            // dZ1 = dH ⊙ relu′.
            for (d, &h) in dhj.iter_mut().zip(&s.h[j]) {
                if h <= 0.0 {
                    *d = 0.0;
                }
            }
        }
        // gW1 = dZ1·Xᵀ, gb1 = dZ1·1.
        for (j, dj) in s.dh.iter().enumerate() {
            g.b1[j] = dj.iter().sum();
            for (gw, xi) in g.w1[j].iter_mut().zip(x) {
                *gw = hand_dot(dj, xi);
            }
        }
        self.update(g, lr / B as f32);
        loss
    }
}

/// Activations of a batch, features × samples, allocated once.
struct BatchScratch<const H: usize, const O: usize, const B: usize> {
    h: [[f32; B]; H],
    /// Z2, then softmax(Z2), then dZ2.
    dz2: [[f32; B]; O],
    /// dH, then dZ1.
    dh: [[f32; B]; H],
}

impl<const H: usize, const O: usize, const B: usize> BatchScratch<H, O, B> {
    fn new() -> Box<Self> {
        Box::new(BatchScratch {
            h: [[0.0; B]; H],
            dz2: [[0.0; B]; O],
            dh: [[0.0; B]; H],
        })
    }
}

/// A hand-written network of zeros, made in the `Box`: a literal of constants boxed at once,
/// which an optimised build writes in place. (784-512-10's `W1` alone is 1.6 MB; the benchmark
/// runs under `ulimit -s 1536`, of which ours' `gradient_batch` of 64 samples takes 0.9 MB.)
fn hand_zeros<const I: usize, const H: usize, const O: usize>() -> Box<HandMlp<I, H, O>> {
    Box::new(HandMlp {
        w1: [[0.0; I]; H],
        b1: [0.0; H],
        w2: [[0.0; H]; O],
        b2: [0.0; O],
    })
}

// ---------------------------------------------------------------------------------------------
// Seeded data: xorshift, Xavier-uniform weights, uniform [0, 1) inputs, one-hot targets.

struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    /// Uniform in [0, 1).
    fn unit(&mut self) -> f32 {
        (self.next() >> 40) as f32 / (1u64 << 24) as f32
    }
}

fn random_params<P: Parameters<Scalar = f32>>(rng: &mut XorShift) -> Box<P> {
    let mut p = Box::new(P::zeros());
    for (k, info) in P::TENSORS.iter().enumerate() {
        let a = (6.0 / (info.fan_in() + info.fan_out()) as f32).sqrt();
        for v in p.tensor_mut(k) {
            *v = a * (2.0 * rng.unit() - 1.0);
        }
    }
    p
}

fn one_hot<const O: usize>(rng: &mut XorShift) -> [f32; O] {
    let mut t = [0.0; O];
    t[rng.next() as usize % O] = 1.0;
    t
}

/// |a − b| ≤ 1e-5·max(1, |a|, |b|) elementwise.
fn assert_close(what: &str, a: &[f32], b: &[f32]) {
    assert_eq!(a.len(), b.len(), "{what}: lengths");
    for (i, (&a, &b)) in a.iter().zip(b).enumerate() {
        let scale = 1f32.max(a.abs()).max(b.abs());
        assert!(
            (a - b).abs() <= 1e-5 * scale,
            "{what}[{i}]: ours {a} vs hand-written {b}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// The workloads: each runs its body `n` times (a monomorphic loop, no call through a pointer per
// iteration) on state of its own, so criterion and the paired measurement can both drive it.

struct Workload {
    id: &'static str,
    run: Box<dyn FnMut(u64)>,
}

fn workload(id: &'static str, mut body: impl FnMut() + 'static) -> Workload {
    Workload {
        id,
        run: Box::new(move |n| {
            for _ in 0..n {
                body();
            }
        }),
    }
}

const XOR_DATA: [([f32; 2], f32); 4] = [
    ([0.0, 0.0], 0.0),
    ([0.0, 1.0], 1.0),
    ([1.0, 0.0], 1.0),
    ([1.0, 1.0], 0.0),
];
const LR: f32 = 0.1;

fn hand_xor(p: &xor::Params) -> HandXor {
    HandXor {
        w1: p.W1,
        b1: p.b1,
        w2: p.w2,
        b2: p.b2,
    }
}

fn flat_xor(p: &HandXor) -> Vec<f32> {
    let mut v: Vec<f32> = p.w1.as_flattened().to_vec();
    v.extend(p.b1);
    v.extend(p.w2);
    v.push(p.b2);
    v
}

fn flat_mlp<const I: usize, const H: usize, const O: usize>(p: &HandMlp<I, H, O>) -> Vec<f32> {
    let mut v: Vec<f32> = p.w1.as_flattened().to_vec();
    v.extend(p.b1);
    v.extend(p.w2.as_flattened());
    v.extend(p.b2);
    v
}

fn xor_workloads(rng: &mut XorShift) -> Vec<Workload> {
    let ours: xor::Params = *random_params(rng);
    let hand = hand_xor(&ours);
    let inputs = XOR_DATA.map(|(x, t)| xor::Inputs { x, t });

    // Same loss and gradients on every sample, same parameters after a few SGD steps.
    for (input, (x, t)) in inputs.iter().zip(&XOR_DATA) {
        let (l, tape) = ours.forward_tape(input);
        let mut g = xor::Params::zeros();
        ours.backward_params(&tape, &1.0, &mut g);
        let (lh, tape_h) = hand.forward_tape(x, *t);
        let mut gh = HandXor::zeros();
        hand.backward(x, *t, &tape_h, &mut gh);
        let loss = [l, ours.forward(input)];
        assert_close("xor loss", &loss, &[lh, hand.forward(x, *t)]);
        assert_close("xor grad", &flat_xor(&hand_xor(&g)), &flat_xor(&gh));
    }
    let (mut p, mut g, mut ph, mut gh) = (ours, xor::Params::zeros(), hand, HandXor::zeros());
    for i in 0..8 {
        let lo = ours_sgd_step(&mut p, &mut g, &inputs[i % 4..i % 4 + 1], LR);
        let (x, t) = XOR_DATA[i % 4];
        let lh = ph.sgd_step(&mut gh, &x, t, LR);
        assert_close("xor step loss", &[lo], &[lh]);
    }
    assert_close(
        "xor params after 8 steps",
        &flat_xor(&hand_xor(&p)),
        &flat_xor(&ph),
    );

    let input = inputs[2];
    let (x, t) = XOR_DATA[2];
    let (_, tape) = ours.forward_tape(&input);
    let (_, tape_h) = hand.forward_tape(&x, t);
    let (mut g1, mut g2, mut g3) = (xor::Params::zeros(), xor::Params::zeros(), g);
    let (mut gh1, mut gh2, mut gh3) = (HandXor::zeros(), HandXor::zeros(), gh);
    let (mut p, mut ph, mut i, mut ih) = (ours, hand, 0, 0);
    vec![
        workload("ours_forward", move || {
            black_box(black_box(&ours).forward(black_box(&input)));
        }),
        workload("hand_forward", move || {
            black_box(black_box(&hand).forward(black_box(&x), black_box(t)));
        }),
        workload("ours_backward", move || {
            ours.backward_params(black_box(&tape), &1.0, &mut g1);
            black_box(&mut g1);
        }),
        workload("hand_backward", move || {
            hand.backward(&x, t, black_box(&tape_h), &mut gh1);
            black_box(&mut gh1);
        }),
        workload("ours_fwd+bwd", move || {
            let (l, tape) = black_box(&ours).forward_tape(black_box(&input));
            ours.backward_params(&tape, &1.0, &mut g2);
            black_box((l, &mut g2));
        }),
        workload("hand_fwd+bwd", move || {
            let (x, t) = black_box((x, t));
            let (l, tape) = black_box(&hand).forward_tape(&x, t);
            hand.backward(&x, t, &tape, &mut gh2);
            black_box((l, &mut gh2));
        }),
        // One SGD step per iteration, cycling through the four samples (batch 1).
        workload("ours_sgd_step", move || {
            i = (i + 1) % 4;
            black_box(ours_sgd_step(
                &mut p,
                &mut g3,
                black_box(&inputs[i..i + 1]),
                LR,
            ));
        }),
        workload("hand_sgd_step", move || {
            ih = (ih + 1) % 4;
            let (x, t) = black_box(XOR_DATA[ih]);
            black_box(ph.sgd_step(&mut gh3, &x, t, LR));
        }),
    ]
}

/// The softmax MLPs: `$net` is the generated module, I-H-O the sizes, B the batch.
macro_rules! mlp_workloads {
    ($fn_name:ident, $net:ident, $group:literal, $i:literal, $h:literal, $o:literal, $b:literal) => {
        fn $fn_name(rng: &mut XorShift) -> Vec<Workload> {
            const I: usize = $i;
            const H: usize = $h;
            const O: usize = $o;
            const B: usize = $b;
            fn hand_of(p: &$net::Params) -> Box<HandMlp<I, H, O>> {
                // Tensors of 4,096 elements or more (`W1` of 256-256-10, both matrices of
                // 784-512-10) are `nn::storage::Large` (a `Box`); `&` coerces either way.
                let (w1, w2): (&[[f32; I]; H], &[[f32; H]; O]) = (&p.W1, &p.W2);
                let mut hand = hand_zeros();
                hand.w1.copy_from_slice(w1);
                hand.b1 = p.b1;
                hand.w2.copy_from_slice(w2);
                hand.b2 = p.b2;
                hand
            }
            let ours: Box<$net::Params> = random_params(rng);
            let hand = hand_of(&ours);
            let xs: Vec<[f32; I]> = (0..B)
                .map(|_| core::array::from_fn(|_| rng.unit()))
                .collect();
            let ts: Vec<[f32; O]> = (0..B).map(|_| one_hot(rng)).collect();
            let inputs: Vec<$net::Inputs> = xs
                .iter()
                .zip(&ts)
                .map(|(&x, &t)| $net::Inputs { x, t })
                .collect();
            // The batch as features × samples, for the batched layout (made on the heap).
            let mut xb: Box<[[f32; B]; I]> = nn::storage::zero_matrix();
            let mut tb: Box<[[f32; B]; O]> = nn::storage::zero_matrix();
            for b in 0..B {
                for i in 0..I {
                    xb[i][b] = xs[b][i];
                }
                for k in 0..O {
                    tb[k][b] = ts[b][k];
                }
            }

            // Same losses and gradients per sample; same loss, gradient and parameters after a
            // step of each of the three kinds.
            let mut g = Box::new($net::Params::zeros());
            let mut gh = hand_of(&g);
            for (input, (x, t)) in inputs.iter().zip(xs.iter().zip(&ts)).take(4) {
                *g = $net::Params::zeros();
                gh.zero();
                let (l, tape) = ours.forward_tape(input);
                ours.backward_params(&tape, &1.0, &mut g);
                let (lh, tape_h) = hand.forward_tape(x, t);
                hand.backward(x, t, &tape_h, &mut gh);
                let loss = [l, ours.forward(input)];
                assert_close(concat!($group, " loss"), &loss, &[lh, hand.forward(x, t)]);
                let grad = flat_mlp(&hand_of(&g));
                assert_close(concat!($group, " grad"), &grad, &flat_mlp(&gh));
            }
            let mut p = ours.clone();
            let lo = ours_sgd_step(&mut *p, &mut *g, &inputs, LR);
            let batch: Box<[$net::Inputs; B]> = match inputs.clone().into_boxed_slice().try_into() {
                Ok(batch) => batch,
                Err(_) => unreachable!("a batch of {B} samples"),
            };
            let mut pa = ours.clone();
            let mut ga = g.clone();
            let la = ours_batch_sgd_step(&mut *pa, &mut *ga, &batch, LR);
            assert_close(concat!($group, " batch step loss"), &[la], &[lo]);
            assert_close(concat!($group, " batch step grad"), &flat_mlp(&hand_of(&ga)), &flat_mlp(&hand_of(&g)));
            assert_close(concat!($group, " batch step params"), &flat_mlp(&hand_of(&pa)), &flat_mlp(&hand_of(&p)));
            let mut ph = hand.clone();
            let lh = ph.sgd_step(&mut gh, &xs, &ts, LR);
            let mut pb = hand.clone();
            let mut gb = hand.clone();
            let mut scratch = BatchScratch::<H, O, B>::new();
            let lb = pb.sgd_step_batched(&mut gb, &mut scratch, &xb, &tb, LR);
            assert_close(concat!($group, " step loss"), &[lo, lo], &[lh, lb]);
            let grad = flat_mlp(&hand_of(&g));
            assert_close(concat!($group, " step grad"), &grad, &flat_mlp(&gh));
            assert_close(concat!($group, " batched grad"), &flat_mlp(&gh), &flat_mlp(&gb));
            let after = flat_mlp(&hand_of(&p));
            assert_close(concat!($group, " step params"), &after, &flat_mlp(&ph));
            assert_close(concat!($group, " batched params"), &after, &flat_mlp(&pb));

            let (input, x, t) = (inputs[0], xs[0], ts[0]);
            let (_, tape) = ours.forward_tape(&input);
            let (_, tape_h) = hand.forward_tape(&x, &t);
            let (ours1, ours2, ours3) = (ours.clone(), ours.clone(), ours.clone());
            let (hand1, hand2, hand3) = (hand.clone(), hand.clone(), hand.clone());
            let (mut g1, mut g2) = (g.clone(), g.clone());
            let (mut gh1, mut gh2) = (gh.clone(), gh.clone());
            // The same batch step through the Trainer (SGD, the objective in the network, one
            // epoch of one batch per call, no shuffle, state made once): what users call.
            let mut pt = ours.clone();
            let mut trainer = Trainer::new(Sgd::new(LR), Objective)
                .batch_size(B)
                .epochs(1)
                .shuffle(false);
            let mut workspace = nn::train::Workspace::new();
            let samples = inputs.clone();
            vec![
                workload("ours_forward", move || {
                    black_box(black_box(&*ours1).forward(black_box(&input)));
                }),
                workload("hand_forward", move || {
                    black_box(black_box(&*hand1).forward(black_box(&x), black_box(&t)));
                }),
                workload("ours_backward", move || {
                    ours2.backward_params(black_box(&tape), &1.0, &mut g1);
                    black_box(&mut g1);
                }),
                workload("hand_backward", move || {
                    hand2.backward(&x, &t, black_box(&tape_h), &mut gh1);
                    black_box(&mut gh1);
                }),
                workload("ours_fwd+bwd", move || {
                    let (l, tape) = black_box(&*ours3).forward_tape(black_box(&input));
                    ours3.backward_params(&tape, &1.0, &mut g2);
                    black_box((l, &mut g2));
                }),
                workload("hand_fwd+bwd", move || {
                    let (x, t) = black_box((&x, &t));
                    let (l, tape) = black_box(&*hand3).forward_tape(x, t);
                    hand3.backward(x, t, &tape, &mut gh2);
                    black_box((l, &mut gh2));
                }),
                workload("ours_sgd_step", move || {
                    black_box(ours_sgd_step(&mut *p, &mut *g, black_box(&inputs), LR));
                }),
                workload("hand_sgd_step", move || {
                    black_box(ph.sgd_step(&mut gh, black_box(&xs), black_box(&ts), LR));
                }),
                workload("ours_batch_sgd_step", move || {
                    black_box(ours_batch_sgd_step(&mut *pa, &mut *ga, black_box(&*batch), LR));
                }),
                workload("hand_batched_sgd_step", move || {
                    let x = black_box(&*xb);
                    black_box(pb.sgd_step_batched(&mut gb, &mut scratch, x, &tb, LR));
                }),
                workload("ours_trainer_step", move || {
                    let data = objective(black_box(&samples[..]));
                    let summary = trainer.fit_in(&mut workspace, &mut *pt, &data, |_| ());
                    black_box(summary.map(|s| s.loss).ok());
                }),
            ]
        }
    };
}

mlp_workloads!(digits_workloads, digits, "mlp_64-32-10", 64, 32, 10, 32);
mlp_workloads!(wide_workloads, wide, "mlp_256-256-10", 256, 256, 10, 64);
mlp_workloads!(large_workloads, large, "mlp_784-512-10", 784, 512, 10, 64);

// ---------------------------------------------------------------------------------------------
// The ratios: from criterion's medians, and from a paired, interleaved measurement.

const GROUPS: [&str; 4] = [
    "xor_2-4-1",
    "mlp_64-32-10",
    "mlp_256-256-10",
    "mlp_784-512-10",
];
/// Criterion samples per benchmark of each group: 784-512-10's steps take milliseconds, and 30
/// linearly growing samples of them (465 iterations at least) would take seconds each.
const SAMPLE_SIZES: [usize; 4] = [30, 30, 30, 10];

/// Where criterion writes: `$CRITERION_HOME`, else `criterion/` in the target directory, which is
/// three levels above this executable (`<target>/release/deps/mlp-…`).
fn criterion_dir() -> Option<PathBuf> {
    if let Some(home) = std::env::var_os("CRITERION_HOME") {
        return Some(PathBuf::from(home));
    }
    let exe = std::env::current_exe().ok()?;
    Some(exe.parent()?.parent()?.parent()?.join("criterion"))
}

/// The median point estimate in ns of `<dir>/<group>/<id>/new/estimates.json`, if that file was
/// written by this run.
fn median_ns(dir: &Path, group: &str, id: &str, since: SystemTime) -> Option<f64> {
    let path = dir.join(group).join(id).join("new").join("estimates.json");
    if std::fs::metadata(&path).ok()?.modified().ok()? < since {
        return None;
    }
    let json = std::fs::read_to_string(path).ok()?;
    let median = &json[json.find("\"median\"")?..];
    let value = &median[median.find("\"point_estimate\":")? + "\"point_estimate\":".len()..];
    let end = value.find([',', '}'])?;
    value[..end].trim().parse().ok()
}

fn fmt_time(t: Option<f64>) -> String {
    match t {
        Some(t) if t >= 1e6 => format!("{:.2} ms", t / 1e6),
        Some(t) if t >= 1e3 => format!("{:.2} µs", t / 1e3),
        Some(t) => format!("{t:.1} ns"),
        None => "-".into(),
    }
}

fn fmt_ratio(a: Option<f64>, b: Option<f64>) -> String {
    match (a, b) {
        (Some(a), Some(b)) => format!("{:.2}", a / b),
        _ => "-".into(),
    }
}

fn print_criterion_table(since: SystemTime) {
    let Some(dir) = criterion_dir() else {
        println!("criterion's output directory not found: no table of its medians");
        return;
    };
    let get = |group: &str, id: &str| median_ns(&dir, group, id, since);
    println!();
    println!(
        "Criterion medians of this run; ratios ours / hand-written (target ≤ 1.10), backward /"
    );
    println!("forward (target ≤ 3 for ours) and batched / per-sample loop (hand-written):");
    println!();
    println!("| network | fwd+bwd ours | fwd+bwd hand | ratio | SGD step ours | SGD step hand | ratio | forward ours | forward hand | ratio | bwd/fwd ours | bwd/fwd hand | SGD step batched (hand) | batched / per-sample | SGD step ours gradient_batch | ours gradient_batch / hand per-sample |");
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
    for group in GROUPS {
        let fb = (get(group, "ours_fwd+bwd"), get(group, "hand_fwd+bwd"));
        let sgd = (get(group, "ours_sgd_step"), get(group, "hand_sgd_step"));
        let fw = (get(group, "ours_forward"), get(group, "hand_forward"));
        let batched = get(group, "hand_batched_sgd_step");
        let ours_batched = get(group, "ours_batch_sgd_step");
        println!(
            "| {group} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            fmt_time(fb.0),
            fmt_time(fb.1),
            fmt_ratio(fb.0, fb.1),
            fmt_time(sgd.0),
            fmt_time(sgd.1),
            fmt_ratio(sgd.0, sgd.1),
            fmt_time(fw.0),
            fmt_time(fw.1),
            fmt_ratio(fw.0, fw.1),
            fmt_ratio(get(group, "ours_backward"), fw.0),
            fmt_ratio(get(group, "hand_backward"), fw.1),
            fmt_time(batched),
            fmt_ratio(batched, sgd.1),
            fmt_time(ours_batched),
            fmt_ratio(ours_batched, sgd.1),
        );
    }
}

/// Runs `a` and `b` alternately, `ROUNDS` times each (which goes first alternates too), each
/// time for about 2 ms, and returns the median over rounds of time(a) / time(b). Both see the
/// same load of a shared machine, so the ratio is steadier than two separate measurements.
fn paired_ratio(a: &mut Workload, b: &mut Workload) -> f64 {
    const ROUNDS: usize = 41;
    let timed = |w: &mut Workload, n: u64| {
        let start = Instant::now();
        (w.run)(n);
        start.elapsed().as_secs_f64()
    };
    let mut n = 1;
    while timed(a, n) < 2e-3 {
        n *= 2;
    }
    let mut ratios = Vec::with_capacity(ROUNDS);
    for round in 0..ROUNDS {
        let (ta, tb) = if round % 2 == 0 {
            let ta = timed(a, n);
            (ta, timed(b, n))
        } else {
            let tb = timed(b, n);
            (timed(a, n), tb)
        };
        ratios.push(ta / tb);
    }
    ratios.sort_by(f64::total_cmp);
    ratios[ROUNDS / 2]
}

fn print_paired_table(groups: &mut [(&str, Vec<Workload>)]) {
    let pairs = [
        ("ours_fwd+bwd", "hand_fwd+bwd"),
        ("ours_sgd_step", "hand_sgd_step"),
        ("ours_forward", "hand_forward"),
        ("ours_backward", "ours_forward"),
        ("hand_backward", "hand_forward"),
        ("hand_batched_sgd_step", "hand_sgd_step"),
        ("ours_batch_sgd_step", "hand_sgd_step"),
        ("ours_batch_sgd_step", "hand_batched_sgd_step"),
    ];
    println!();
    println!("Paired ratios (median of 41 interleaved rounds; steadier on a loaded machine):");
    println!();
    println!("| network | fwd+bwd ours/hand | SGD step ours/hand | forward ours/hand | bwd/fwd ours | bwd/fwd hand | batched / per-sample (hand SGD step) | ours gradient_batch / hand per-sample (SGD step) | ours gradient_batch / hand batched |");
    println!("|---|---|---|---|---|---|---|---|---|");
    for (group, workloads) in groups.iter_mut() {
        let mut cells = Vec::new();
        for (a, b) in pairs {
            let ia = workloads.iter().position(|w| w.id == a);
            let ib = workloads.iter().position(|w| w.id == b);
            cells.push(match (ia, ib) {
                (Some(ia), Some(ib)) => {
                    let (lo, hi) = workloads.split_at_mut(ia.max(ib));
                    let (wa, wb) = if ia < ib {
                        (&mut lo[ia], &mut hi[0])
                    } else {
                        (&mut hi[0], &mut lo[ib])
                    };
                    format!("{:.2}", paired_ratio(wa, wb))
                }
                _ => "-".into(),
            });
        }
        println!("| {group} | {} |", cells.join(" | "));
    }
}

fn main() {
    let start = SystemTime::now();
    let mut c = Criterion::default()
        .sample_size(30)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_millis(1200))
        .configure_from_args();
    let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
    // Building the workloads asserts that ours and hand-written agree.
    let mut groups = [
        (GROUPS[0], xor_workloads(&mut rng)),
        (GROUPS[1], digits_workloads(&mut rng)),
        (GROUPS[2], wide_workloads(&mut rng)),
        (GROUPS[3], large_workloads(&mut rng)),
    ];
    for ((name, workloads), samples) in groups.iter_mut().zip(SAMPLE_SIZES) {
        let mut group = c.benchmark_group(*name);
        group.sample_size(samples);
        for w in workloads.iter_mut() {
            group.bench_function(w.id, |b| {
                b.iter_custom(|n| {
                    let start = Instant::now();
                    (w.run)(n);
                    start.elapsed()
                })
            });
        }
        group.finish();
    }
    c.final_summary();
    // `cargo bench` passes `--bench`; a plain test run of this target (`cargo test --benches`)
    // only checks agreement and runs each benchmark once.
    if std::env::args().any(|a| a == "--bench") {
        print_criterion_table(start);
        print_paired_table(&mut groups);
    }
}

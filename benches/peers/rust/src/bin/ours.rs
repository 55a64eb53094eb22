//! Our generated code: the four networks written with `#[network]`, the whole objective (loss
//! included) one expression. A training step of a batch is the generated `gradient_batch` (one
//! matrix product per layer for the whole batch; Σ ∂L/∂θ into one gradient), then
//! `p -= lr/B · g` over every tensor; inference is `forward_batch`. XOR's batch is one sample:
//! per-sample `forward_tape` + `backward_params`. `ours-per-sample` (default build only) runs
//! digits, 256-256-10 and 784-512-10 that way too, for comparison.
#![allow(non_snake_case)]

use std::hint::black_box;

use nn::prelude::*;
use nn_peers::{report, report_sample, selected, time_ns, Data, Workload};

include!("../../../../common/networks.rs");

#[network]
fn xor_out(x: [f32; 2], W1: [[f32; 2]; 4], b1: [f32; 4], w2: [f32; 4], b2: f32) -> f32 {
    let h = tanh(W1·x + b1);
    y = sigmoid(w2·h + b2)
}

#[network]
fn digits_out(
    x: [f32; 64],
    W1: [[f32; 64]; 32],
    b1: [f32; 32],
    W2: [[f32; 32]; 10],
    b2: [f32; 10],
) -> [f32; 10] {
    let h = relu(W1·x + b1);
    z = W2·h + b2
}

#[network]
fn wide_out(
    x: [f32; 256],
    W1: [[f32; 256]; 256],
    b1: [f32; 256],
    W2: [[f32; 256]; 10],
    b2: [f32; 10],
) -> [f32; 10] {
    let h = relu(W1·x + b1);
    z = W2·h + b2
}

#[network]
fn large_out(
    x: [f32; 784],
    W1: [[f32; 784]; 512],
    b1: [f32; 512],
    W2: [[f32; 512]; 10],
    b2: [f32; 10],
) -> [f32; 10] {
    let h = relu(W1·x + b1);
    z = W2·h + b2
}

/// MNIST-1D's CNN with its loss: three `conv1d` layers with a bias per channel and ReLU, a
/// dense layer on the flattened features, softmax cross-entropy.
#[network(inputs(x, t))]
fn cnn(
    x: [[f32; 40]; 1],
    t: [f32; 10],
    K1: [[[f32; 5]; 1]; 25],
    c1: [f32; 25],
    K2: [[[f32; 3]; 25]; 25],
    c2: [f32; 25],
    K3: [[[f32; 3]; 25]; 25],
    c3: [f32; 25],
    W: [[f32; 125]; 10],
    b: [f32; 10],
) -> f32 {
    let h1 = relu(conv1d(K1, x, stride = 2, padding = 1) + c1);
    let h2 = relu(conv1d(K2, h1, stride = 2, padding = 1) + c2);
    let h3 = relu(conv1d(K3, h2, stride = 2, padding = 1) + c3);
    l = -sum(t * log_softmax(W·flatten(h3) + b))
}

/// The same CNN without the loss: its scores.
#[network]
fn cnn_out(
    x: [[f32; 40]; 1],
    K1: [[[f32; 5]; 1]; 25],
    c1: [f32; 25],
    K2: [[[f32; 3]; 25]; 25],
    c2: [f32; 25],
    K3: [[[f32; 3]; 25]; 25],
    c3: [f32; 25],
    W: [[f32; 125]; 10],
    b: [f32; 10],
) -> [f32; 10] {
    let h1 = relu(conv1d(K1, x, stride = 2, padding = 1) + c1);
    let h2 = relu(conv1d(K2, h1, stride = 2, padding = 1) + c2);
    let h3 = relu(conv1d(K3, h2, stride = 2, padding = 1) + c3);
    z = W·flatten(h3) + b
}

/// The CNN's step: the generated `gradient_batch` of the batch (each convolution of the whole
/// batch in chunks of (sample, position) rows through the tiled products), then
/// `p -= lr/B · g`; inference: the generated `forward_batch`.
fn run_cnn(w: &Workload) {
    const B: usize = 100;
    assert_eq!(
        w.batch, B,
        "the batch size is a const generic of gradient_batch"
    );
    let d = Data::load(*w);
    let xs: Vec<[[f32; 40]; 1]> = arrays::<40>(&d.x).into_iter().map(|x| [x]).collect();
    let ts: Vec<[f32; 10]> = arrays(&d.targets());
    let inputs: Vec<cnn::Inputs> = xs
        .iter()
        .zip(&ts)
        .map(|(&x, &t)| cnn::Inputs { x, t })
        .collect();
    let mut p = Box::new(cnn::Params::zeros());
    for (k, tensor) in d.cnn_tensors().into_iter().enumerate() {
        p.tensor_mut(k).copy_from_slice(tensor);
    }
    let mut g = Box::new(cnn::Params::zeros());
    let mut k = 0;
    let mut step = |p: &mut cnn::Params, g: &mut cnn::Params| {
        let s = d.start(k);
        k += 1;
        let batch: &[cnn::Inputs; B] = inputs[s..s + B].try_into().unwrap();
        let loss: f32 = p.gradient_batch(batch, |_, _| 1.0, g).iter().sum();
        update(p, g, w.lr / B as f32);
        loss
    };
    for _ in 0..w.sanity_steps {
        step(&mut p, &mut g);
    }
    let mut pi = Box::new(cnn_out::Params::zeros());
    copy(&*p, &mut *pi);
    let out: Vec<f32> = xs.iter().flat_map(|&x| cnn_out::forward(&pi, x)).collect();
    let (loss, acc) = (d.mean_loss(&out), d.accuracy(&out));
    let train = time_ns(|| {
        black_box(step(&mut p, &mut g));
    });
    let xb: &[[[f32; 40]; 1]; B] = xs[..B].try_into().unwrap();
    let mut z = Box::new([[0.0f32; 10]; B]);
    let infer = time_ns(|| {
        *z = cnn_out::forward_batch(black_box(&pi), xb);
        black_box(&mut z);
    });
    report("ours", nn_version(), 1, w, train, infer, loss, acc);
}

/// Fills the tensors of `p` (in signature order W1, b1, W2, b2) from the data file's.
fn load<P: Parameters<Scalar = f32>>(p: &mut P, d: &Data) {
    for (k, src) in [&d.w1, &d.b1, &d.w2, &d.b2].into_iter().enumerate() {
        p.tensor_mut(k).copy_from_slice(src);
    }
}

fn copy<A: Parameters<Scalar = f32>, B: Parameters<Scalar = f32>>(a: &A, b: &mut B) {
    for k in 0..A::TENSORS.len() {
        b.tensor_mut(k).copy_from_slice(a.tensor(k));
    }
}

/// p -= step · g over every tensor, and g = 0 in the same pass.
fn update<P: Parameters<Scalar = f32>>(p: &mut P, g: &mut P, step: f32) {
    for k in 0..P::TENSORS.len() {
        for (p, g) in p.tensor_mut(k).iter_mut().zip(g.tensor_mut(k)) {
            *p -= step * *g;
            *g = 0.0;
        }
    }
}

/// The `trainer` row: the same SGD steps as `ours`, through the runtime's `Trainer` (the loss
/// in the network, `Objective`; no shuffle; its state, a `Workspace`, made once), which is what
/// users call: the mean gradient, its finiteness check, the rollback copy and the optimizer's
/// pass. The sanity steps go one batch per call, in `ours`'s order, and loss and accuracy are
/// measured after them; the time is that of an epoch over every batch (in the same order),
/// divided by its steps, so that the per-epoch work (a call, the summary) is shared by the
/// steps of an epoch as in training. Inference is not timed again (the same `forward`): its
/// column is empty.
fn run_trainer<N, O>(w: &Workload, d: &Data, inputs: &[N::Input], params: &mut N, outputs: O)
where
    N: Network<Scalar = f32, Output = f32> + Parameters,
    O: Fn(&N) -> Vec<f32>,
{
    // The bare step runs a whole batch of 64 on the main thread's stack (8 MiB); the same
    // budget for the Trainer (its default bound, 512 KiB, is for any thread: 784-512-10's batch
    // would go as two chunks of 32).
    let mut trainer = Trainer::new(Sgd::new(w.lr), Objective)
        .batch_size(w.batch)
        .epochs(1)
        .shuffle(false)
        .stack_limit(1 << 20);
    let mut workspace = nn::train::Workspace::new();
    let mut k = 0;
    let mut step = |p: &mut N| {
        let s = d.start(k);
        k += 1;
        let batch = nn::data::objective(&inputs[s..s + w.batch]);
        let summary = trainer.fit_in(&mut workspace, p, &batch, |_| ());
        summary.expect("a finite step").loss
    };
    for _ in 0..w.sanity_steps {
        step(params);
    }
    let out = outputs(params);
    let (loss, acc) = (d.mean_loss(&out), d.accuracy(&out));
    let steps = d.batches();
    let epoch = nn::data::objective(&inputs[..steps * w.batch]);
    let train = time_ns(|| {
        let summary = trainer.fit_in(&mut workspace, params, &epoch, |_| ());
        black_box(summary.expect("a finite epoch").loss);
    }) / steps as f64;
    report(
        "ours-trainer",
        nn_version(),
        1,
        w,
        train,
        f64::NAN,
        loss,
        acc,
    );
}

fn arrays<const N: usize>(flat: &[f32]) -> Vec<[f32; N]> {
    flat.chunks_exact(N)
        .map(|c| c.try_into().unwrap())
        .collect()
}

fn run_xor(w: &Workload) {
    let d = Data::load(*w);
    let xs: Vec<[f32; 2]> = arrays(&d.x);
    let ts = d.targets();
    let mut p = xor::Params::zeros();
    load(&mut p, &d);
    let mut g = xor::Params::zeros();
    let mut k = 0;
    let mut step = |p: &mut xor::Params, g: &mut xor::Params| {
        let s = d.start(k);
        k += 1;
        let mut loss = 0.0;
        for j in s..s + w.batch {
            let (l, tape) = xor::forward_tape(p, xs[j], ts[j]);
            xor::backward_params(p, &tape, 1.0, g);
            loss += l;
        }
        update(p, g, w.lr / w.batch as f32);
        loss
    };
    for _ in 0..w.sanity_steps {
        step(&mut p, &mut g);
    }
    let mut pi = xor_out::Params::zeros();
    copy(&p, &mut pi);
    let out: Vec<f32> = xs.iter().map(|&x| xor_out::forward(&pi, x)).collect();
    let (loss, acc) = (d.mean_loss(&out), d.accuracy(&out));
    let train = time_ns(|| {
        black_box(step(&mut p, &mut g));
    });
    let xb = &xs[..w.batch];
    let infer = time_ns(|| {
        for &x in xb {
            black_box(xor_out::forward(black_box(&pi), x));
        }
    });
    // A batch of one: the batch's inference is one sample's.
    report_sample("ours", nn_version(), 1, w, train, infer, infer, loss, acc);

    let inputs: Vec<xor::Inputs> = xs
        .iter()
        .zip(&ts)
        .map(|(&x, &t)| xor::Inputs { x, t })
        .collect();
    let mut p = xor::Params::zeros();
    load(&mut p, &d);
    run_trainer(w, &d, &inputs, &mut p, |p: &xor::Params| {
        let mut pi = xor_out::Params::zeros();
        copy(p, &mut pi);
        xs.iter().map(|&x| xor_out::forward(&pi, x)).collect()
    });
}

macro_rules! run_classifier {
    ($fn:ident, $net:ident, $out:ident, $I:literal, $O:literal, $B:literal) => {
        fn $fn(w: &Workload) {
            assert_eq!(
                w.batch, $B,
                "the batch size is a const generic of the batched functions"
            );
            let d = Data::load(*w);
            let xs: Vec<[f32; $I]> = arrays(&d.x);
            let ts: Vec<[f32; $O]> = arrays(&d.targets());
            // `gradient_batch` (one matrix product per layer for the whole batch), and, in the
            // default build, per-sample `forward_tape` + `backward_params` for comparison.
            let modes: &[bool] = if cfg!(target_feature = "avx2") {
                &[true]
            } else {
                &[true, false]
            };
            for &batched in modes {
                let mut p = Box::new($net::Params::zeros());
                load(&mut *p, &d);
                let mut g = Box::new($net::Params::zeros());
                let mut k = 0;
                let mut step = |p: &mut $net::Params, g: &mut $net::Params| {
                    let s = d.start(k);
                    k += 1;
                    let mut loss = 0.0;
                    if batched {
                        let xb: &[[f32; $I]; $B] = xs[s..s + $B].try_into().unwrap();
                        let tb: &[[f32; $O]; $B] = ts[s..s + $B].try_into().unwrap();
                        loss = $net::gradient_batch(p, xb, tb, |_, _| 1.0, g).iter().sum();
                    } else {
                        for j in s..s + $B {
                            let (l, tape) = $net::forward_tape(p, xs[j], ts[j]);
                            $net::backward_params(p, &tape, 1.0, g);
                            loss += l;
                        }
                    }
                    update(p, g, w.lr / w.batch as f32);
                    loss
                };
                for _ in 0..w.sanity_steps {
                    step(&mut p, &mut g);
                }
                let mut pi = Box::new($out::Params::zeros());
                copy(&*p, &mut *pi);
                let out: Vec<f32> = xs.iter().flat_map(|&x| $out::forward(&pi, x)).collect();
                let (loss, acc) = (d.mean_loss(&out), d.accuracy(&out));
                let train = time_ns(|| {
                    black_box(step(&mut p, &mut g));
                });
                let xb: &[[f32; $I]; $B] = xs[..$B].try_into().unwrap();
                let mut z = Box::new([[0.0f32; $O]; $B]);
                let infer = time_ns(|| {
                    if batched {
                        *z = $out::forward_batch(black_box(&pi), xb);
                    } else {
                        for (z, &x) in z.iter_mut().zip(xb) {
                            *z = $out::forward(black_box(&pi), x);
                        }
                    }
                    black_box(&mut z);
                });
                // One sample on its own (what firmware does), the mean over the batch's.
                let mut z1 = [0.0f32; $O];
                let sample = time_ns(|| {
                    for &x in xb {
                        z1 = $out::forward(black_box(&pi), black_box(x));
                        black_box(&mut z1);
                    }
                }) / $B as f64;
                let system = if batched { "ours" } else { "ours-per-sample" };
                report_sample(system, nn_version(), 1, w, train, infer, sample, loss, acc);
            }
            let inputs: Vec<$net::Inputs> = xs
                .iter()
                .zip(&ts)
                .map(|(&x, &t)| $net::Inputs { x, t })
                .collect();
            let mut p = Box::new($net::Params::zeros());
            load(&mut *p, &d);
            run_trainer(w, &d, &inputs, &mut *p, |p: &$net::Params| {
                let mut pi = Box::new($out::Params::zeros());
                copy(p, &mut *pi);
                xs.iter().flat_map(|&x| $out::forward(&pi, x)).collect()
            });
        }
    };
}

run_classifier!(run_digits, digits, digits_out, 64, 10, 32);
run_classifier!(run_wide, wide, wide_out, 256, 10, 64);
run_classifier!(run_large, large, large_out, 784, 10, 64);

fn nn_version() -> &'static str {
    if cfg!(target_feature = "avx2") {
        "0.1.0 (native)"
    } else {
        "0.1.0"
    }
}

fn main() {
    for w in selected() {
        match w.name {
            "xor" => run_xor(&w),
            "digits" => run_digits(&w),
            "wide" => run_wide(&w),
            "large" => run_large(&w),
            "cnn" => run_cnn(&w),
            other => unreachable!("no workload {other}"),
        }
    }
}

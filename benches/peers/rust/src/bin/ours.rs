//! Our generated code: the three networks written with `#[network]`, the whole objective (loss
//! included) one expression; a training step is per-sample `forward_tape` + `backward_params`
//! (the backward pass without ∂L/∂x, which training does not need)
//! accumulating into one gradient, then `p -= lr/B · g` over every tensor.
#![allow(non_snake_case)]

use std::hint::black_box;

use nn::prelude::*;
use nn_peers::{report, selected, time_ns, Data, Workload};

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

/// p -= step · g over every tensor, then g = 0.
fn update<P: Parameters<Scalar = f32>>(p: &mut P, g: &mut P, step: f32) {
    for k in 0..P::TENSORS.len() {
        for (p, &g) in p.tensor_mut(k).iter_mut().zip(g.tensor(k)) {
            *p -= step * g;
        }
        g.tensor_mut(k).fill(0.0);
    }
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
    report("ours", nn_version(), 1, w, train, infer, loss, acc);
}

macro_rules! run_classifier {
    ($fn:ident, $net:ident, $out:ident, $I:literal, $O:literal) => {
        fn $fn(w: &Workload) {
            let d = Data::load(*w);
            let xs: Vec<[f32; $I]> = arrays(&d.x);
            let ts: Vec<[f32; $O]> = arrays(&d.targets());
            let mut p = Box::new($net::Params::zeros());
            load(&mut *p, &d);
            let mut g = Box::new($net::Params::zeros());
            let mut k = 0;
            let mut step = |p: &mut $net::Params, g: &mut $net::Params| {
                let s = d.start(k);
                k += 1;
                let mut loss = 0.0;
                for j in s..s + w.batch {
                    let (l, tape) = $net::forward_tape(p, xs[j], ts[j]);
                    $net::backward_params(p, &tape, 1.0, g);
                    loss += l;
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
            let xb = &xs[..w.batch];
            let mut z = vec![[0.0f32; $O]; w.batch];
            let infer = time_ns(|| {
                for (z, &x) in z.iter_mut().zip(xb) {
                    *z = $out::forward(black_box(&pi), x);
                }
                black_box(&mut z);
            });
            report("ours", nn_version(), 1, w, train, infer, loss, acc);
        }
    };
}

run_classifier!(run_digits, digits, digits_out, 64, 10);
run_classifier!(run_wide, wide, wide_out, 256, 10);

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
            _ => run_wide(&w),
        }
    }
}

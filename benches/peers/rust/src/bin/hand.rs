//! Hand-written Rust, the limit ours is measured against. XOR (a batch of one sample: no matrix
//! to tile) is the per-sample network shared with `benches/mlp.rs` through
//! `benches/common/hand_written.rs`, plus an inference forward that returns the output; the
//! dense classifiers are `hand_tiled.rs` (a batch as one register-tiled matrix product per
//! layer, the SGD update fused into the gradient products); the CNN is `hand_cnn.rs`.
#![allow(clippy::needless_range_loop, dead_code)]

use std::hint::black_box;

#[path = "../hand_cnn.rs"]
mod hand_cnn;
#[path = "../hand_tiled.rs"]
mod hand_tiled;

use nn_peers::{report_sample, selected, time_ns, Data, Workload};

include!("../../../../common/hand_written.rs");

impl HandXor {
    fn output(&self, x: &[f32; 2]) -> f32 {
        let mut z2 = self.b2;
        for j in 0..4 {
            z2 += self.w2[j] * (self.w1[j][0] * x[0] + self.w1[j][1] * x[1] + self.b1[j]).tanh();
        }
        1.0 / (1.0 + (-z2).exp())
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
    let mut p = HandXor::zeros();
    for j in 0..4 {
        p.w1[j] = [d.w1[2 * j], d.w1[2 * j + 1]];
    }
    p.b1.copy_from_slice(&d.b1);
    p.w2.copy_from_slice(&d.w2);
    p.b2 = d.b2[0];
    let mut g = HandXor::zeros();
    let mut k = 0;
    let mut step = |p: &mut HandXor, g: &mut HandXor| {
        let s = d.start(k);
        k += 1;
        p.sgd_step(g, &xs[s], ts[s], w.lr)
    };
    for _ in 0..w.sanity_steps {
        step(&mut p, &mut g);
    }
    let out: Vec<f32> = xs.iter().map(|x| p.output(x)).collect();
    let (loss, acc) = (d.mean_loss(&out), d.accuracy(&out));
    let train = time_ns(|| {
        black_box(step(&mut p, &mut g));
    });
    let xb = &xs[..w.batch];
    let infer = time_ns(|| {
        for x in xb {
            black_box(black_box(&p).output(x));
        }
    });
    // A batch of one: the batch's inference is one sample's.
    report_sample("hand", "-", 1, w, train, infer, infer, loss, acc);
}

fn main() {
    for w in selected() {
        match w.name {
            "xor" => run_xor(&w),
            "digits" | "wide" | "large" => hand_tiled::run(&w),
            "cnn" => hand_cnn::run(&w),
            other => unreachable!("no workload {other}"),
        }
    }
}

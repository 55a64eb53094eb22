//! Hand-written Rust: the same networks as a competent Rust programmer writes them (plain loops
//! over fixed arrays, a dot product with eight partial sums, no SIMD intrinsics, no `unsafe`, no
//! ∂L/∂x), shared with `benches/mlp.rs` through `benches/common/hand_written.rs`; plus an
//! inference forward that returns the outputs.
#![allow(clippy::needless_range_loop, dead_code)]

use std::hint::black_box;

#[path = "../hand_cnn.rs"]
mod hand_cnn;

use nn_peers::{report, selected, time_ns, Data, Workload};

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

impl<const I: usize, const H: usize, const O: usize> HandMlp<I, H, O> {
    fn logits(&self, x: &[f32; I]) -> [f32; O] {
        let mut h = [0.0; H];
        for j in 0..H {
            h[j] = (hand_dot(&self.w1[j], x) + self.b1[j]).max(0.0);
        }
        let mut z = [0.0; O];
        for k in 0..O {
            z[k] = hand_dot(&self.w2[k], &h) + self.b2[k];
        }
        z
    }

    fn load(&mut self, d: &Data) {
        for (row, src) in self.w1.iter_mut().zip(d.w1.chunks_exact(I)) {
            row.copy_from_slice(src);
        }
        self.b1.copy_from_slice(&d.b1);
        for (row, src) in self.w2.iter_mut().zip(d.w2.chunks_exact(H)) {
            row.copy_from_slice(src);
        }
        self.b2.copy_from_slice(&d.b2);
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
    report("hand", "-", 1, w, train, infer, loss, acc);
}

fn run_mlp<const I: usize, const H: usize, const O: usize>(w: &Workload) {
    let d = Data::load(*w);
    let xs: Vec<[f32; I]> = arrays(&d.x);
    let ts: Vec<[f32; O]> = arrays(&d.targets());
    let zero = || {
        Box::new(HandMlp::<I, H, O> {
            w1: [[0.0; I]; H],
            b1: [0.0; H],
            w2: [[0.0; H]; O],
            b2: [0.0; O],
        })
    };
    let mut p = zero();
    p.load(&d);
    let mut g = zero();
    let mut k = 0;
    let mut step = |p: &mut HandMlp<I, H, O>, g: &mut HandMlp<I, H, O>| {
        let s = d.start(k);
        k += 1;
        p.sgd_step(g, &xs[s..s + w.batch], &ts[s..s + w.batch], w.lr)
    };
    for _ in 0..w.sanity_steps {
        step(&mut p, &mut g);
    }
    let out: Vec<f32> = xs.iter().flat_map(|x| p.logits(x)).collect();
    let (loss, acc) = (d.mean_loss(&out), d.accuracy(&out));
    let train = time_ns(|| {
        black_box(step(&mut p, &mut g));
    });
    let xb = &xs[..w.batch];
    let mut z = vec![[0.0f32; O]; w.batch];
    let infer = time_ns(|| {
        for (z, x) in z.iter_mut().zip(xb) {
            *z = black_box(&p).logits(x);
        }
        black_box(&mut z);
    });
    report("hand", "-", 1, w, train, infer, loss, acc);
}

fn main() {
    for w in selected() {
        match w.name {
            "xor" => run_xor(&w),
            "digits" => run_mlp::<64, 32, 10>(&w),
            "wide" => run_mlp::<256, 256, 10>(&w),
            "large" => run_mlp::<784, 512, 10>(&w),
            "cnn" => hand_cnn::run(&w),
            other => unreachable!("no workload {other}"),
        }
    }
}

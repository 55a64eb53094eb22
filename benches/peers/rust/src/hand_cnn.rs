//! MNIST-1D's CNN written by hand on the runtime's convolution kernels, as a performance
//! engineer would batch it: each convolution of the whole batch one matrix product of its
//! im2col columns (`conv1d_batch`: rows = B · output positions, through the tiled batch
//! kernels, AVX2 and FMA picked at run time), its gradients two more (`conv1d_batch_gradients`),
//! the dense layer `matmul_batch`; the bias, ReLU and softmax loops written out. The batch is a
//! constant, so every column matrix has a constant size; they live on the heap.
use std::hint::black_box;

use nn::math::conv::{
    add_channel_bias, channel_bias_gradient, conv1d_batch, conv1d_batch_gradients, flatten,
    unflatten,
};
use nn::math::{matmul_batch, outer_add_batch, transpose_mul_batch};
use nn_peers::{report, time_ns, Data, Workload};

const B: usize = 100;
const LENGTH: usize = 40;
const CLASSES: usize = 10;
const CH: usize = 25;
/// Lengths after each convolution: (40 + 2 − 5)/2 + 1, (19 + 2 − 3)/2 + 1, (10 + 2 − 3)/2 + 1.
const L1: usize = 19;
const L2: usize = 10;
const L3: usize = 5;
const FEATURES: usize = CH * L3;
/// Columns of the im2col matrices: input channels × taps.
const KK1: usize = 5;
const KK2: usize = 3 * CH;

/// The parameters; the same type holds their gradients.
#[derive(Clone)]
struct Cnn {
    k1: [[[f32; 5]; 1]; CH],
    c1: [f32; CH],
    k2: [[[f32; 3]; CH]; CH],
    c2: [f32; CH],
    k3: [[[f32; 3]; CH]; CH],
    c3: [f32; CH],
    w: [[f32; FEATURES]; CLASSES],
    b: [f32; CLASSES],
}

impl Cnn {
    fn zeros() -> Cnn {
        Cnn {
            k1: [[[0.0; 5]; 1]; CH],
            c1: [0.0; CH],
            k2: [[[0.0; 3]; CH]; CH],
            c2: [0.0; CH],
            k3: [[[0.0; 3]; CH]; CH],
            c3: [0.0; CH],
            w: [[0.0; FEATURES]; CLASSES],
            b: [0.0; CLASSES],
        }
    }

    /// Every tensor as a flat slice, in the order of the data file.
    fn tensors(&mut self) -> [&mut [f32]; 8] {
        [
            self.k1.as_flattened_mut().as_flattened_mut(),
            &mut self.c1[..],
            self.k2.as_flattened_mut().as_flattened_mut(),
            &mut self.c2[..],
            self.k3.as_flattened_mut().as_flattened_mut(),
            &mut self.c3[..],
            self.w.as_flattened_mut(),
            &mut self.b[..],
        ]
    }
}

fn relu_all<const C: usize, const N: usize>(mut z: [[f32; N]; C]) -> [[f32; N]; C] {
    for v in z.iter_mut().flatten() {
        *v = v.max(0.0);
    }
    z
}

/// ∂L/∂z of `a = relu(z)` from ∂L/∂a: kept where the unit was active (a > 0).
fn through_relu<const C: usize, const N: usize>(
    d_a: &[[f32; N]; C],
    a: &[[f32; N]; C],
) -> [[f32; N]; C] {
    core::array::from_fn(|c| core::array::from_fn(|i| if a[c][i] > 0.0 { d_a[c][i] } else { 0.0 }))
}

/// What a batch's step keeps, on the heap.
struct Batch {
    x: Box<[[[f32; LENGTH]; 1]; B]>,
    cols1: Box<[[f32; KK1]; B * L1]>,
    a1: Box<[[[f32; L1]; CH]; B]>,
    cols2: Box<[[f32; KK2]; B * L2]>,
    a2: Box<[[[f32; L2]; CH]; B]>,
    cols3: Box<[[f32; KK2]; B * L3]>,
    a3: Box<[[[f32; L3]; CH]; B]>,
    f: Box<[[f32; FEATURES]; B]>,
}

impl Batch {
    fn new() -> Batch {
        Batch {
            x: Box::new([[[0.0; LENGTH]; 1]; B]),
            cols1: Box::new([[0.0; KK1]; B * L1]),
            a1: Box::new([[[0.0; L1]; CH]; B]),
            cols2: Box::new([[0.0; KK2]; B * L2]),
            a2: Box::new([[[0.0; L2]; CH]; B]),
            cols3: Box::new([[0.0; KK2]; B * L3]),
            a3: Box::new([[[0.0; L3]; CH]; B]),
            f: Box::new([[0.0; FEATURES]; B]),
        }
    }

    /// The scores of the batch of signals `xs` (its columns and activations kept).
    fn forward(&mut self, cnn: &Cnn, xs: &[[f32; LENGTH]]) -> Box<[[f32; CLASSES]; B]> {
        for (x, s) in self.x.iter_mut().zip(xs) {
            x[0] = *s;
        }
        let mut z1 = Box::new([[[0.0; L1]; CH]; B]);
        conv1d_batch::<_, 1, LENGTH, CH, 5, L1, 2, 1, B, KK1, { B * L1 }>(
            &cnn.k1,
            &*self.x,
            &mut self.cols1,
            &mut z1,
        );
        for (a, z) in self.a1.iter_mut().zip(z1.iter()) {
            *a = relu_all(add_channel_bias(z, &cnn.c1));
        }
        let mut z2 = Box::new([[[0.0; L2]; CH]; B]);
        conv1d_batch::<_, CH, L1, CH, 3, L2, 2, 1, B, KK2, { B * L2 }>(
            &cnn.k2,
            &*self.a1,
            &mut self.cols2,
            &mut z2,
        );
        for (a, z) in self.a2.iter_mut().zip(z2.iter()) {
            *a = relu_all(add_channel_bias(z, &cnn.c2));
        }
        let mut z3 = Box::new([[[0.0; L3]; CH]; B]);
        conv1d_batch::<_, CH, L2, CH, 3, L3, 2, 1, B, KK2, { B * L3 }>(
            &cnn.k3,
            &*self.a2,
            &mut self.cols3,
            &mut z3,
        );
        for ((a, z), f) in self.a3.iter_mut().zip(z3.iter()).zip(self.f.iter_mut()) {
            *a = relu_all(add_channel_bias(z, &cnn.c3));
            *f = flatten(a);
        }
        let mut scores: Box<[[f32; CLASSES]; B]> = Box::new(matmul_batch(&cnn.w, &*self.f));
        for s in scores.iter_mut() {
            for (v, &b) in s.iter_mut().zip(&cnn.b) {
                *v += b;
            }
        }
        scores
    }

    /// Forward and backward of one batch, Σ ∂L/∂θ *added* to `grads`; the sum of the losses.
    fn step(&mut self, cnn: &Cnn, xs: &[[f32; LENGTH]], labels: &[f32], grads: &mut Cnn) -> f32 {
        let scores = self.forward(cnn, xs);
        // The loss and ∂L/∂scores = softmax − one-hot of each sample.
        let mut total = 0.0;
        let mut d_scores = Box::new([[0.0; CLASSES]; B]);
        for ((d, s), &label) in d_scores.iter_mut().zip(scores.iter()).zip(labels) {
            let p = nn::math::softmax(s);
            let label = label as usize;
            total -= p[label].max(f32::MIN_POSITIVE).ln();
            *d = p;
            d[label] -= 1.0;
            nn::math::add_assign(&mut grads.b, d);
        }
        outer_add_batch(&mut grads.w, &d_scores, &*self.f);
        let d_f: Box<[[f32; FEATURES]; B]> = Box::new(transpose_mul_batch(&cnn.w, &d_scores));
        let mut d_z3 = Box::new([[[0.0; L3]; CH]; B]);
        for ((d, df), a) in d_z3.iter_mut().zip(d_f.iter()).zip(self.a3.iter()) {
            *d = through_relu(&unflatten(df), a);
            channel_bias_gradient(&mut grads.c3, d);
        }
        let mut d_a2 = Box::new([[[0.0; L2]; CH]; B]);
        conv1d_batch_gradients::<_, CH, L2, CH, 3, L3, 2, 1, B, KK2, { B * L3 }>(
            &cnn.k3,
            &self.cols3,
            &d_z3,
            &mut grads.k3,
            Some(&mut d_a2),
        );
        let mut d_z2 = Box::new([[[0.0; L2]; CH]; B]);
        for ((d, da), a) in d_z2.iter_mut().zip(d_a2.iter()).zip(self.a2.iter()) {
            *d = through_relu(da, a);
            channel_bias_gradient(&mut grads.c2, d);
        }
        let mut d_a1 = Box::new([[[0.0; L1]; CH]; B]);
        conv1d_batch_gradients::<_, CH, L1, CH, 3, L2, 2, 1, B, KK2, { B * L2 }>(
            &cnn.k2,
            &self.cols2,
            &d_z2,
            &mut grads.k2,
            Some(&mut d_a1),
        );
        let mut d_z1 = Box::new([[[0.0; L1]; CH]; B]);
        for ((d, da), a) in d_z1.iter_mut().zip(d_a1.iter()).zip(self.a1.iter()) {
            *d = through_relu(da, a);
            channel_bias_gradient(&mut grads.c1, d);
        }
        // The first layer's input is data: its kernel's gradient only.
        conv1d_batch_gradients::<_, 1, LENGTH, CH, 5, L1, 2, 1, B, KK1, { B * L1 }>(
            &cnn.k1,
            &self.cols1,
            &d_z1,
            &mut grads.k1,
            None,
        );
        total
    }
}

/// p -= step · g over every tensor, and g = 0 in the same pass.
fn update(p: &mut Cnn, g: &mut Cnn, step: f32) {
    for (p, g) in p.tensors().into_iter().zip(g.tensors()) {
        for (p, g) in p.iter_mut().zip(g.iter_mut()) {
            *p -= step * *g;
            *g = 0.0;
        }
    }
}

pub fn run(w: &Workload) {
    assert_eq!(
        w.batch, B,
        "the batch is a constant of the hand-written CNN"
    );
    let d = Data::load(*w);
    let xs: Vec<[f32; LENGTH]> =
        d.x.chunks_exact(LENGTH)
            .map(|c| c.try_into().unwrap())
            .collect();
    let mut p = Box::new(Cnn::zeros());
    for (t, src) in p.tensors().into_iter().zip(d.cnn_tensors()) {
        t.copy_from_slice(src);
    }
    let mut g = Box::new(Cnn::zeros());
    let mut work = Batch::new();
    let mut k = 0;
    let mut step = |p: &mut Cnn, g: &mut Cnn, work: &mut Batch| {
        let s = d.start(k);
        k += 1;
        let loss = work.step(p, &xs[s..s + B], &d.y[s..s + B], g);
        update(p, g, w.lr / B as f32);
        loss
    };
    for _ in 0..w.sanity_steps {
        step(&mut p, &mut g, &mut work);
    }
    let out: Vec<f32> = xs
        .chunks_exact(B)
        .flat_map(|chunk| work.forward(&p, chunk).into_iter().flatten())
        .collect();
    let (loss, acc) = (d.mean_loss(&out), d.accuracy(&out));
    let train = time_ns(|| {
        black_box(step(&mut p, &mut g, &mut work));
    });
    let infer = time_ns(|| {
        black_box(work.forward(&p, &xs[..B]));
    });
    report("hand", "-", 1, w, train, infer, loss, acc);
}

//! dfdx on the CPU: const-shaped `Linear` layers, `cross_entropy_with_logits_loss` / ½ squared
//! error (both the mean over the batch), `Sgd` (no momentum, no weight decay).
use std::hint::black_box;

use dfdx::optim::Sgd;
use dfdx::prelude::*;
use nn_peers::{report, selected, time_ns, Data, Workload};

type XorNet = (Linear<2, 4>, Tanh, Linear<4, 1>, Sigmoid);
type Mlp<const I: usize, const H: usize, const O: usize> = (Linear<I, H>, ReLU, Linear<H, O>);

macro_rules! load {
    ($model:expr, $d:expr) => {
        $model.0.weight.copy_from(&$d.w1);
        $model.0.bias.copy_from(&$d.b1);
        $model.2.weight.copy_from(&$d.w2);
        $model.2.bias.copy_from(&$d.b2);
    };
}

fn batches<const B: usize, const N: usize>(
    dev: &Cpu,
    flat: &[f32],
) -> Vec<Tensor<Rank2<B, N>, f32, Cpu>> {
    flat.chunks_exact(B * N)
        .map(|c| dev.tensor_from_vec(c.to_vec(), (Const::<B>, Const::<N>)))
        .collect()
}

fn all_outputs<const N: usize, const O: usize>(
    d: &Data,
    mut f: impl FnMut(Tensor<Rank2<1, N>, f32, Cpu>) -> Vec<f32>,
) -> Vec<f32> {
    let dev = Cpu::default();
    d.x.chunks_exact(N)
        .flat_map(|x| f(dev.tensor_from_vec(x.to_vec(), (Const::<1>, Const::<N>))))
        .collect()
}

fn run_xor(w: &Workload) {
    let d = Data::load(*w);
    let dev = Cpu::default();
    let mut model = dev.build_module::<XorNet, f32>();
    load!(model, d);
    let mut grads = model.alloc_grads();
    let mut opt = Sgd::new(
        &model,
        SgdConfig {
            lr: w.lr as f64,
            momentum: None,
            weight_decay: None,
        },
    );
    let xs = batches::<1, 2>(&dev, &d.x);
    let ts = batches::<1, 1>(&dev, &d.targets());
    let mut k = 0;
    let mut step = |model: &mut <XorNet as BuildOnDevice<Cpu, f32>>::Built,
                    grads: &mut Gradients<f32, Cpu>| {
        let b = k % d.batches();
        k += 1;
        let out = dfdx::nn::ModuleMut::forward_mut(
            model,
            xs[b]
                .clone()
                .traced(std::mem::replace(grads, Gradients::leaky())),
        );
        let out: Tensor<Rank2<1, 1>, f32, Cpu, OwnedTape<f32, Cpu>> = out;
        let loss = (out - ts[b].clone()).square().mean() * 0.5;
        let l = loss.array();
        *grads = loss.backward();
        opt.update(model, grads).unwrap();
        model.zero_grads(grads);
        l
    };
    for _ in 0..w.sanity_steps {
        step(&mut model, &mut grads);
    }
    let out = all_outputs::<2, 1>(&d, |x| model.forward(x).as_vec());
    let (loss, acc) = (d.mean_loss(&out), d.accuracy(&out));
    let train = time_ns(|| {
        black_box(step(&mut model, &mut grads));
    });
    let infer = time_ns(|| {
        black_box(model.forward(xs[0].clone()));
    });
    report(
        "dfdx",
        "0.13.0",
        rayon::current_num_threads(),
        w,
        train,
        infer,
        loss,
        acc,
    );
}

fn run_mlp<const I: usize, const H: usize, const O: usize, const B: usize>(w: &Workload) {
    let d = Data::load(*w);
    assert_eq!(B, w.batch);
    let dev = Cpu::default();
    let mut model = dev.build_module::<Mlp<I, H, O>, f32>();
    load!(model, d);
    let mut grads = model.alloc_grads();
    let mut opt = Sgd::new(
        &model,
        SgdConfig {
            lr: w.lr as f64,
            momentum: None,
            weight_decay: None,
        },
    );
    let xs = batches::<B, I>(&dev, &d.x);
    let ts = batches::<B, O>(&dev, &d.targets());
    let mut k = 0;
    let mut step = |model: &mut <Mlp<I, H, O> as BuildOnDevice<Cpu, f32>>::Built,
                    grads: &mut Gradients<f32, Cpu>| {
        let b = k % d.batches();
        k += 1;
        let out = dfdx::nn::ModuleMut::forward_mut(
            model,
            xs[b]
                .clone()
                .traced(std::mem::replace(grads, Gradients::leaky())),
        );
        let out: Tensor<Rank2<B, O>, f32, Cpu, OwnedTape<f32, Cpu>> = out;
        let loss = cross_entropy_with_logits_loss(out, ts[b].clone());
        let l = loss.array();
        *grads = loss.backward();
        opt.update(model, grads).unwrap();
        model.zero_grads(grads);
        l
    };
    for _ in 0..w.sanity_steps {
        step(&mut model, &mut grads);
    }
    let out = all_outputs::<I, O>(&d, |x| model.forward(x).as_vec());
    let (loss, acc) = (d.mean_loss(&out), d.accuracy(&out));
    let train = time_ns(|| {
        black_box(step(&mut model, &mut grads));
    });
    let infer = time_ns(|| {
        black_box(model.forward(xs[0].clone()));
    });
    report(
        "dfdx",
        "0.13.0",
        rayon::current_num_threads(),
        w,
        train,
        infer,
        loss,
        acc,
    );
}

fn main() {
    for w in selected() {
        match w.name {
            "xor" => run_xor(&w),
            "digits" => run_mlp::<64, 32, 10, 32>(&w),
            "wide" => run_mlp::<256, 256, 10, 64>(&w),
            "large" => run_mlp::<784, 512, 10, 64>(&w),
            // dfdx 0.13 has no 1-D convolution: the CNN is candle's and burn's among the crates.
            "cnn" => {}
            other => unreachable!("no workload {other}"),
        }
    }
}

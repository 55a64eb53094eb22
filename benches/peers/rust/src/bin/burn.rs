//! burn 0.22 on its pure-Rust CPU backend (`Device::flex()`) with autodiff: two `nn::Linear`
//! layers (burn stores the weight as [in, out], so the shared [out][in] files are transposed on
//! load), ½ squared error / softmax cross-entropy written with burn's ops (both the mean over the
//! batch), `SgdConfig::new().init()` and `optim.step(lr, model, grads)`. Inference runs
//! `model.valid()` on the plain (no autodiff) device.
use std::hint::black_box;

use burn::module::{Module, Param};
use burn::nn::conv::{Conv1d, Conv1dConfig};
use burn::nn::{Linear, LinearConfig, PaddingConfig1d};
use burn::optim::{GradientsParams, ModuleOptimizer, SgdConfig};
use burn::tensor::{activation, Device, Tensor, TensorData};
use nn_peers::{report, selected, time_ns, Data, Workload, CNN_TENSORS};

#[derive(Module, Debug)]
struct Mlp {
    l1: Linear,
    l2: Linear,
}

fn forward(m: &Mlp, x: Tensor<2>, xor: bool) -> Tensor<2> {
    let h = m.l1.forward(x);
    let h = if xor {
        activation::tanh(h)
    } else {
        activation::relu(h)
    };
    let z = m.l2.forward(h);
    if xor {
        activation::sigmoid(z)
    } else {
        z
    }
}

fn transpose(w: &[f32], rows: usize, cols: usize) -> Vec<f32> {
    let mut t = vec![0.0; w.len()];
    for r in 0..rows {
        for c in 0..cols {
            t[c * rows + r] = w[r * cols + c];
        }
    }
    t
}

fn linear(w: &[f32], b: &[f32], d_in: usize, d_out: usize, dev: &Device) -> Linear {
    let mut l = LinearConfig::new(d_in, d_out).init(dev);
    l.weight = Param::from_tensor(Tensor::<2>::from_data(
        TensorData::new(transpose(w, d_out, d_in), [d_in, d_out]),
        dev,
    ));
    l.bias = Some(Param::from_tensor(Tensor::<1>::from_data(
        TensorData::new(b.to_vec(), [d_out]),
        dev,
    )));
    l
}

fn to_vec(t: Tensor<2>) -> Vec<f32> {
    t.into_data().try_to_vec::<f32>().unwrap()
}

fn run(w: &Workload) {
    let d = Data::load(*w);
    let xor = w.o == 1;
    let plain = Device::flex();
    let dev = plain.clone().autodiff();
    let model = Mlp {
        l1: linear(&d.w1, &d.b1, w.i, w.h, &dev),
        l2: linear(&d.w2, &d.b2, w.h, w.o, &dev),
    };
    let mut optim: ModuleOptimizer = SgdConfig::new().init();
    let t_all = d.targets();
    let batch = |k: usize, dev: &Device| {
        let s = k * w.batch;
        let x = Tensor::<2>::from_data(
            TensorData::new(d.x[s * w.i..(s + w.batch) * w.i].to_vec(), [w.batch, w.i]),
            dev,
        );
        let t = Tensor::<2>::from_data(
            TensorData::new(t_all[s * w.o..(s + w.batch) * w.o].to_vec(), [w.batch, w.o]),
            dev,
        );
        (x, t)
    };
    let batches: Vec<_> = (0..d.batches()).map(|k| batch(k, &dev)).collect();
    let scale = 1.0 / w.batch as f32;
    let mut k = 0;
    let mut step = |model: Mlp| -> Mlp {
        let (x, t) = &batches[k % d.batches()];
        k += 1;
        let out = forward(&model, x.clone(), xor);
        let loss = if xor {
            (out - t.clone())
                .powi_scalar(2)
                .sum()
                .mul_scalar(0.5 * scale)
        } else {
            (t.clone() * activation::log_softmax(out, 1))
                .sum()
                .mul_scalar(-scale)
        };
        let grads = GradientsParams::from_grads(loss.backward(), &model);
        optim.step(w.lr as f64, model, grads)
    };
    let mut model = Some(model);
    for _ in 0..w.sanity_steps {
        model = Some(step(model.take().unwrap()));
    }
    let valid = model.as_ref().unwrap().valid();
    let x_all = Tensor::<2>::from_data(TensorData::new(d.x.clone(), [d.n, w.i]), &plain);
    let out = to_vec(forward(&valid, x_all, xor));
    let (loss, acc) = (d.mean_loss(&out), d.accuracy(&out));
    let train = time_ns(|| {
        model = Some(step(model.take().unwrap()));
    });
    let xb = batch(0, &plain).0;
    let infer = time_ns(|| {
        black_box(to_vec(forward(&valid, xb.clone(), xor)));
    });
    report("burn", "0.22.1 flex", threads(), w, train, infer, loss, acc);
}

#[derive(Module, Debug)]
struct Cnn {
    conv1: Conv1d,
    conv2: Conv1d,
    conv3: Conv1d,
    dense: Linear,
}

fn cnn_forward(m: &Cnn, x: Tensor<3>) -> Tensor<2> {
    let h = activation::relu(m.conv1.forward(x));
    let h = activation::relu(m.conv2.forward(h));
    let h = activation::relu(m.conv3.forward(h));
    m.dense.forward(h.flatten(1, 2))
}

/// A `Conv1d` (stride 2, padding 1) with the shared weights [out][in][taps] and biases.
fn conv(k: &[f32], c: &[f32], shape: &[usize], dev: &Device) -> Conv1d {
    let (out, inp, taps) = (shape[0], shape[1], shape[2]);
    let mut l = Conv1dConfig::new(inp, out, taps)
        .with_stride(2)
        .with_padding(PaddingConfig1d::Explicit(1, 1))
        .init(dev);
    l.weight = Param::from_tensor(Tensor::<3>::from_data(
        TensorData::new(k.to_vec(), [out, inp, taps]),
        dev,
    ));
    l.bias = Some(Param::from_tensor(Tensor::<1>::from_data(
        TensorData::new(c.to_vec(), [out]),
        dev,
    )));
    l
}

/// MNIST-1D's CNN: three `nn::conv::Conv1d` (stride 2, padding 1) with ReLU, `flatten(1, 2)`
/// and an `nn::Linear`; the softmax cross-entropy from burn's ops; SGD.
fn run_cnn(w: &Workload) {
    let d = Data::load(*w);
    let plain = Device::flex();
    let dev = plain.clone().autodiff();
    let t = d.cnn_tensors();
    let model = Cnn {
        conv1: conv(t[0], t[1], CNN_TENSORS[0].1, &dev),
        conv2: conv(t[2], t[3], CNN_TENSORS[2].1, &dev),
        conv3: conv(t[4], t[5], CNN_TENSORS[4].1, &dev),
        dense: linear(t[6], t[7], 125, 10, &dev),
    };
    let mut optim: ModuleOptimizer = SgdConfig::new().init();
    let t_all = d.targets();
    let batch = |k: usize, dev: &Device| {
        let s = k * w.batch;
        let x = Tensor::<3>::from_data(
            TensorData::new(
                d.x[s * w.i..(s + w.batch) * w.i].to_vec(),
                [w.batch, 1, w.i],
            ),
            dev,
        );
        let t = Tensor::<2>::from_data(
            TensorData::new(t_all[s * w.o..(s + w.batch) * w.o].to_vec(), [w.batch, w.o]),
            dev,
        );
        (x, t)
    };
    let batches: Vec<_> = (0..d.batches()).map(|k| batch(k, &dev)).collect();
    let scale = 1.0 / w.batch as f32;
    let mut k = 0;
    let mut step = |model: Cnn| -> Cnn {
        let (x, t) = &batches[k % d.batches()];
        k += 1;
        let out = cnn_forward(&model, x.clone());
        let loss = (t.clone() * activation::log_softmax(out, 1))
            .sum()
            .mul_scalar(-scale);
        let grads = GradientsParams::from_grads(loss.backward(), &model);
        optim.step(w.lr as f64, model, grads)
    };
    let mut model = Some(model);
    for _ in 0..w.sanity_steps {
        model = Some(step(model.take().unwrap()));
    }
    let valid = model.as_ref().unwrap().valid();
    let x_all = Tensor::<3>::from_data(TensorData::new(d.x.clone(), [d.n, 1, w.i]), &plain);
    let out = to_vec(cnn_forward(&valid, x_all));
    let (loss, acc) = (d.mean_loss(&out), d.accuracy(&out));
    let train = time_ns(|| {
        model = Some(step(model.take().unwrap()));
    });
    let xb = batch(0, &plain).0;
    let infer = time_ns(|| {
        black_box(to_vec(cnn_forward(&valid, xb.clone())));
    });
    report("burn", "0.22.1 flex", threads(), w, train, infer, loss, acc);
}

fn threads() -> usize {
    std::env::var("RAYON_NUM_THREADS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1)
        })
}

fn main() {
    for w in selected() {
        if w.name == "cnn" {
            run_cnn(&w);
        } else {
            run(&w);
        }
    }
}

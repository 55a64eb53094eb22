//! candle (candle-core + candle-nn) on the CPU: `Linear` layers over `Var`s, `loss::cross_entropy`
//! / ½ squared error (both the mean over the batch), `SGD::backward_step`.
use std::hint::black_box;

use candle_core::{DType, Device, Module, Result, Tensor, Var};
use candle_nn::{Linear, Optimizer, SGD};
use nn_peers::{report, selected, time_ns, Data, Workload, CNN_TENSORS};

fn run(w: &Workload) -> Result<()> {
    let d = Data::load(*w);
    let dev = Device::Cpu;
    let w1 = Var::from_slice(&d.w1, (w.h, w.i), &dev)?;
    let b1 = Var::from_slice(&d.b1, w.h, &dev)?;
    let w2 = Var::from_slice(&d.w2, (w.o, w.h), &dev)?;
    let b2 = Var::from_slice(&d.b2, w.o, &dev)?;
    let l1 = Linear::new(w1.as_tensor().clone(), Some(b1.as_tensor().clone()));
    let l2 = Linear::new(w2.as_tensor().clone(), Some(b2.as_tensor().clone()));
    let mut sgd = SGD::new(vec![w1, b1, w2, b2], w.lr as f64)?;
    let xor = w.o == 1;
    let forward = |x: &Tensor| -> Result<Tensor> {
        let h = l1.forward(x)?;
        let h = if xor { h.tanh()? } else { h.relu()? };
        let z = l2.forward(&h)?;
        if xor {
            candle_nn::ops::sigmoid(&z)
        } else {
            Ok(z)
        }
    };
    let x_all = Tensor::from_slice(&d.x, (d.n, w.i), &dev)?;
    let batches: Vec<(Tensor, Tensor)> = (0..d.batches())
        .map(|b| {
            let s = b * w.batch;
            let x = x_all.narrow(0, s, w.batch)?.contiguous()?;
            let y = if xor {
                Tensor::from_slice(&d.y[s..s + w.batch], (w.batch, 1), &dev)?
            } else {
                Tensor::from_slice(&d.y[s..s + w.batch], w.batch, &dev)?.to_dtype(DType::U32)?
            };
            Ok((x, y))
        })
        .collect::<Result<_>>()?;
    let mut k = 0;
    let mut step = || -> Result<Tensor> {
        let (x, y) = &batches[k % d.batches()];
        k += 1;
        let out = forward(x)?;
        let loss = if xor {
            (out - y)?
                .sqr()?
                .sum_all()?
                .affine(0.5 / w.batch as f64, 0.0)?
        } else {
            candle_nn::loss::cross_entropy(&out, y)?
        };
        sgd.backward_step(&loss)?;
        Ok(loss)
    };
    for _ in 0..w.sanity_steps {
        step()?;
    }
    let out: Vec<f32> = forward(&x_all)?.flatten_all()?.to_vec1()?;
    let (loss, acc) = (d.mean_loss(&out), d.accuracy(&out));
    let train = time_ns(|| {
        black_box(step().unwrap());
    });
    let xb = &batches[0].0;
    let infer = time_ns(|| {
        black_box(forward(xb).unwrap());
    });
    report(
        "candle",
        "0.11.1",
        candle_core::utils::get_num_threads(),
        w,
        train,
        infer,
        loss,
        acc,
    );
    Ok(())
}

/// MNIST-1D's CNN: `Tensor::conv1d` (stride 2, padding 1) with a broadcast bias and ReLU,
/// three times, then `flatten_from(1)` and the dense layer; `loss::cross_entropy`, SGD.
fn run_cnn(w: &Workload) -> Result<()> {
    let d = Data::load(*w);
    let dev = Device::Cpu;
    let vars: Vec<Var> = d
        .cnn_tensors()
        .into_iter()
        .zip(CNN_TENSORS)
        .map(|(t, (_, shape))| Var::from_slice(t, shape.to_vec(), &dev))
        .collect::<Result<_>>()?;
    let p: Vec<Tensor> = vars.iter().map(|v| v.as_tensor().clone()).collect();
    let mut sgd = SGD::new(vars, w.lr as f64)?;
    let forward = |x: &Tensor| -> Result<Tensor> {
        let layer = |x: &Tensor, k: &Tensor, c: &Tensor| -> Result<Tensor> {
            x.conv1d(k, 1, 2, 1, 1)?
                .broadcast_add(&c.reshape((1, c.dim(0)?, 1))?)?
                .relu()
        };
        let h = layer(x, &p[0], &p[1])?;
        let h = layer(&h, &p[2], &p[3])?;
        let h = layer(&h, &p[4], &p[5])?;
        h.flatten_from(1)?.matmul(&p[6].t()?)?.broadcast_add(&p[7])
    };
    let x_all = Tensor::from_slice(&d.x, (d.n, 1, w.i), &dev)?;
    let batches: Vec<(Tensor, Tensor)> = (0..d.batches())
        .map(|b| {
            let s = b * w.batch;
            let x = x_all.narrow(0, s, w.batch)?.contiguous()?;
            let y =
                Tensor::from_slice(&d.y[s..s + w.batch], w.batch, &dev)?.to_dtype(DType::U32)?;
            Ok((x, y))
        })
        .collect::<Result<_>>()?;
    let mut k = 0;
    let mut step = || -> Result<Tensor> {
        let (x, y) = &batches[k % d.batches()];
        k += 1;
        let loss = candle_nn::loss::cross_entropy(&forward(x)?, y)?;
        sgd.backward_step(&loss)?;
        Ok(loss)
    };
    for _ in 0..w.sanity_steps {
        step()?;
    }
    let out: Vec<f32> = forward(&x_all)?.flatten_all()?.to_vec1()?;
    let (loss, acc) = (d.mean_loss(&out), d.accuracy(&out));
    let train = time_ns(|| {
        black_box(step().unwrap());
    });
    let xb = &batches[0].0;
    let infer = time_ns(|| {
        black_box(forward(xb).unwrap());
    });
    let threads = candle_core::utils::get_num_threads();
    report("candle", "0.11.1", threads, w, train, infer, loss, acc);
    Ok(())
}

fn main() -> Result<()> {
    for w in selected() {
        if w.name == "cnn" {
            run_cnn(&w)?;
        } else {
            run(&w)?;
        }
    }
    Ok(())
}

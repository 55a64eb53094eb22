//! Convolutional networks through generated code: the gradients of `conv1d`, `conv2d`, both
//! poolings, per-channel biases and whole CNNs, for every parameter and for the input,
//! against central finite differences (f64, relative error < 1e-6), over kernels, strides
//! and paddings of several sizes; and the forward against the convolution written out.

use nn::prelude::*;

mod common;
use common::{check_input, check_params, Rng, TOLERANCE};

/// Checks every parameter's and every input element's gradient of a network at random
/// parameters and inputs, for several seeds.
fn check<N: Network<Scalar = f64>>(name: &str)
where
    N::Output: nn::Tensor<Scalar = f64>,
    N::Input: nn::Tensor<Scalar = f64>,
{
    for seed in 1..=4 {
        let mut rng = Rng(seed);
        let net: N = rng.params();
        let mut x = <N::Input as nn::Tensor>::zeros();
        rng.fill(nn::Tensor::flat_mut(&mut x));
        let (worst, at) = check_params(&net, &x, seed);
        assert!(worst < TOLERANCE, "{name}, seed {seed}: {worst:e} at {at}");
        let worst = check_input(&net, &x, seed);
        assert!(
            worst < TOLERANCE,
            "{name}, seed {seed}: ∂L/∂x off by {worst:e}"
        );
    }
}

macro_rules! conv1d_layer {
    ($name:ident, $ci:literal, $l:literal, $co:literal, $k:literal, $lo:literal, $($constants:tt)*) => {
        #[network]
        fn $name(
            x: [[f64; $l]; $ci],
            K: [[[f64; $k]; $ci]; $co],
            c: [f64; $co],
            r: [[f64; $lo]; $co],
        ) -> f64 {
            sum(flatten(tanh(conv1d(K, x, $($constants)*) + c) * r))
        }
    };
}

// Output lengths (L + 2P − K) / S + 1, rounded down.
conv1d_layer!(conv1d_valid, 1, 9, 2, 3, 7, stride = 1);
conv1d_layer!(conv1d_same, 2, 8, 3, 5, 8, padding = same);
conv1d_layer!(conv1d_strided, 3, 11, 2, 3, 5, stride = 2);
conv1d_layer!(
    conv1d_strided_padded,
    2,
    10,
    4,
    4,
    4,
    stride = 3,
    padding = 2
);
conv1d_layer!(conv1d_wide_padding, 1, 4, 2, 3, 8, padding = 3);
conv1d_layer!(conv1d_one_tap, 3, 5, 2, 1, 5, stride = 1);

#[test]
fn conv1d_of_many_shapes_agrees_with_finite_differences() {
    check::<conv1d_valid::Params>("valid");
    check::<conv1d_same::Params>("same");
    check::<conv1d_strided::Params>("strided");
    check::<conv1d_strided_padded::Params>("strided, padded");
    check::<conv1d_wide_padding::Params>("padding wider than the kernel");
    check::<conv1d_one_tap::Params>("one tap");
}

macro_rules! conv2d_layer {
    ($name:ident, $ci:literal, $h:literal, $w:literal, $co:literal, $k:literal, $ho:literal, $wo:literal, $($constants:tt)*) => {
        #[network]
        fn $name(
            x: [[[f64; $w]; $h]; $ci],
            K: [[[[f64; $k]; $k]; $ci]; $co],
            c: [f64; $co],
            r: [[[f64; $wo]; $ho]; $co],
        ) -> f64 {
            sum(flatten(tanh(conv2d(K, x, $($constants)*) + c) * r))
        }
    };
}

conv2d_layer!(conv2d_valid, 1, 6, 5, 2, 3, 4, 3, stride = 1);
conv2d_layer!(conv2d_same, 2, 5, 5, 2, 3, 5, 5, padding = same);
conv2d_layer!(
    conv2d_strided_padded,
    2,
    7,
    6,
    3,
    3,
    4,
    3,
    stride = 2,
    padding = 1
);

#[test]
fn conv2d_of_many_shapes_agrees_with_finite_differences() {
    check::<conv2d_valid::Params>("valid");
    check::<conv2d_same::Params>("same");
    check::<conv2d_strided_padded::Params>("strided, padded");
}

/// Max and average pooling, 1-D and 2-D, overlapping and not.
#[network]
fn pools_1d(x: [[f64; 12]; 2], r: [[f64; 5]; 2], q: [[f64; 4]; 2], s: f64) -> f64 {
    let m = max_pool(x, 4, stride = 2);
    let a = avg_pool(x, 3);
    s·sum(flatten(m * r)) + sum(flatten(a * q))
}

#[network]
fn pools_2d(x: [[[f64; 6]; 6]; 2], r: [[[f64; 3]; 3]; 2], q: [[[f64; 2]; 2]; 2], s: f64) -> f64 {
    let m = max_pool(x, 2);
    let a = avg_pool(x, 4, stride = 2);
    s·sum(flatten(m * r)) + sum(flatten(a * q))
}

/// Trainable scalars on channel data: a gain, a shift and a divisor, each receiving the sum
/// over every element (1-D and 2-D).
#[network]
fn scalars_1d(x: [[f64; 8]; 2], K: [[[f64; 3]; 2]; 2], g: f64, s: f64, d: f64) -> [[f64; 6]; 2] {
    let h = g * conv1d(K, x) + s;
    tanh(h / d) + g·h
}

#[network]
fn scalars_2d(
    x: [[[f64; 5]; 5]; 1],
    K: [[[[f64; 2]; 2]; 1]; 2],
    g: f64,
    s: f64,
) -> [[[f64; 4]; 4]; 2] {
    tanh(g * conv2d(K, x) + s)
}

#[test]
fn trainable_scalars_on_channel_data_agree_with_finite_differences() {
    check::<scalars_1d::Params>("scalars on 1-D channel data");
    check::<scalars_2d::Params>("scalars on 2-D channel data");
}

#[test]
fn poolings_agree_with_finite_differences() {
    check::<pools_1d::Params>("pooling 1-D");
    check::<pools_2d::Params>("pooling 2-D");
}

/// The MNIST-1D paper's CNN, scaled down: three strided convolutions, a residual sum of
/// channel data, and a dense read-out through a softmax.
#[network]
fn small_cnn(
    x: [[f64; 20]; 1],
    K1: [[[f64; 5]; 1]; 3],
    c1: [f64; 3],
    K2: [[[f64; 3]; 3]; 3],
    c2: [f64; 3],
    K3: [[[f64; 3]; 3]; 2],
    c3: [f64; 2],
    W: [[f64; 4]; 4],
    b: [f64; 4],
) -> [f64; 4] {
    let h1 = relu(conv1d(K1, x, stride = 2, padding = 1) + c1);
    let h2 = relu(conv1d(K2, h1, padding = same) + c2) + h1;
    let h3 = tanh(conv1d(K3, h2, stride = 2, padding = 1) + c3);
    softmax(W·flatten(max_pool(h3, 3, stride = 2)) + b)
}

/// LeNet in small: two 2-D convolutions with pooling, then two dense layers.
#[network]
fn small_lenet(
    x: [[[f64; 8]; 8]; 1],
    K1: [[[[f64; 3]; 3]; 1]; 2],
    c1: [f64; 2],
    K2: [[[[f64; 3]; 3]; 2]; 3],
    c2: [f64; 3],
    W1: [[f64; 12]; 5],
    b1: [f64; 5],
    W2: [[f64; 5]; 3],
    b2: [f64; 3],
) -> [f64; 3] {
    let h1 = avg_pool(tanh(conv2d(K1, x, padding = same) + c1), 2);
    let h2 = max_pool(tanh(conv2d(K2, h1, padding = 1) + c2), 2);
    W2·sigmoid(W1·flatten(h2) + b1) + b2
}

#[test]
fn whole_cnns_agree_with_finite_differences() {
    check::<small_cnn::Params>("small CNN");
    check::<small_lenet::Params>("small LeNet");
}

/// `conv1d` against its definition written out: z[o][t] = Σ_c Σ_k K[o][c][k]·x[c][t·S + k − P].
#[network]
fn plain_conv(x: [[f64; 7]; 2], K: [[[f64; 3]; 2]; 2]) -> [[f64; 4]; 2] {
    conv1d(K, x, stride = 2, padding = 1)
}

#[test]
fn the_forward_is_the_definition() {
    let mut rng = Rng(7);
    let params: plain_conv::Params = rng.params();
    let x = [rng.array::<7>(), rng.array::<7>()];
    let z = plain_conv::forward(&params, x);
    for (o, (zo, ko)) in z.iter().zip(&params.K).enumerate() {
        for (t, &zt) in zo.iter().enumerate() {
            let mut expected = 0.0;
            for (xc, kc) in x.iter().zip(ko) {
                for (k, &w) in kc.iter().enumerate() {
                    if let Some(i) = (t * 2 + k).checked_sub(1).filter(|&i| i < 7) {
                        expected += w * xc[i];
                    }
                }
            }
            assert!((zt - expected).abs() < 1e-12, "z[{o}][{t}]");
        }
    }
}

/// A generic network: the same code in f32 and f64.
#[network]
fn generic_cnn<T: Float>(x: [[T; 6]; 1], K: [[[T; 3]; 1]; 2], c: [T; 2], w: [T; 12]) -> T {
    w·flatten(relu(conv1d(K, x, padding = same) + c))
}

#[test]
fn generic_cnns_match_in_f32_and_f64() {
    let mut rng = Rng(3);
    let p64: generic_cnn::Params<f64> = rng.params();
    let x64 = [rng.array::<6>()];
    let p32 = generic_cnn::Params::<f32> {
        K: p64.K.map(|o| o.map(|c| c.map(|v| v as f32))),
        c: p64.c.map(|v| v as f32),
        w: p64.w.map(|v| v as f32),
    };
    let x32 = [x64[0].map(|v| v as f32)];
    let y64 = generic_cnn::forward(&p64, x64);
    let y32 = generic_cnn::forward(&p32, x32);
    assert!((y64 - f64::from(y32)).abs() < 1e-5, "{y64} vs {y32}");
}

/// `Network::gradient_batch` of a convolutional network (the generated one: each convolution
/// of the batch in (sample, position) rows) adds what the per-sample `backward_params` add, and
/// gives each sample's output, for batches that fill part of a chunk of rows, one, and several.
fn check_batch<N: Network<Scalar = f64>, const B: usize>(name: &str)
where
    N::Output: nn::Tensor<Scalar = f64>,
    N::Input: nn::Tensor<Scalar = f64>,
{
    let mut rng = Rng(B as u64 + 11);
    let net: N = rng.params();
    let inputs: [N::Input; B] = core::array::from_fn(|_| {
        let mut x = <N::Input as nn::Tensor>::zeros();
        rng.fill(nn::Tensor::flat_mut(&mut x));
        x
    });
    let seeds: [N::Output; B] = core::array::from_fn(|_| {
        let mut r = <N::Output as nn::Tensor>::zeros();
        rng.fill(nn::Tensor::flat_mut(&mut r));
        r
    });
    let mut batched = N::zeros();
    let outputs = net.gradient_batch(&inputs, |s, _| seeds[s], &mut batched);
    let mut per_sample = N::zeros();
    let close = |a: f64, b: f64| common::relative_error(a, b) < 1e-12;
    for s in 0..B {
        let (out, tape) = net.forward_tape(&inputs[s]);
        for (a, b) in nn::Tensor::flat(&outputs[s])
            .iter()
            .zip(nn::Tensor::flat(&out))
        {
            assert!(
                close(*a, *b),
                "{name}, B = {B}, sample {s}: output {a} vs {b}"
            );
        }
        net.backward_params(&tape, &seeds[s], &mut per_sample);
    }
    for k in 0..N::TENSORS.len() {
        for (j, (a, b)) in batched
            .tensor(k)
            .iter()
            .zip(per_sample.tensor(k))
            .enumerate()
        {
            let tensor = N::TENSORS[k].name;
            assert!(
                close(*a, *b),
                "{name}, B = {B}: ∂L/∂{tensor}[{j}] {a} vs {b}"
            );
        }
    }
}

#[test]
fn batches_of_cnns_add_the_per_sample_gradients() {
    // The generated batch functions, each convolution in (sample, position) rows.
    for source in [
        small_cnn::SOURCE,
        small_lenet::SOURCE,
        conv2d_strided_padded::SOURCE,
    ] {
        assert!(source.contains("pub fn gradient_batch<const B: usize>("));
    }
    assert!(
        small_cnn::SOURCE.contains("conv1d_rows::<_, 1, 20, 3, 5, 9, 2, 1, 5, B>(&mut t1, K1, x)")
    );
    assert!(small_lenet::SOURCE.contains("conv2d_input_gradient_rows::<"));
    check_batch::<small_cnn::Params, 1>("small CNN");
    check_batch::<small_cnn::Params, 3>("small CNN");
    check_batch::<small_cnn::Params, 17>("small CNN");
    check_batch::<small_lenet::Params, 2>("small LeNet");
    check_batch::<small_lenet::Params, 9>("small LeNet");
    check_batch::<pools_2d::Params, 4>("pooling 2-D");
    check_batch::<conv1d_strided_padded::Params, 13>("conv1d, strided and padded");
    check_batch::<conv2d_strided_padded::Params, 6>("conv2d, strided and padded");
}

#[path = "../nn-runtime/tests/counting/mod.rs"]
mod counting;

/// Generated CNNs allocate nothing: forward, the tape, both backward passes and a batch's
/// gradient (the tiled per-sample convolutions and the batch's rows of products included).
#[test]
fn cnns_do_not_allocate() {
    let mut rng = Rng(21);
    let cnn: small_cnn::Params = rng.params();
    let lenet: small_lenet::Params = rng.params();
    let x = [rng.array::<20>()];
    let image: [[[f64; 8]; 8]; 1] = [core::array::from_fn(|_| rng.array())];
    let ((), count) = counting::allocations(|| {
        let mut g = small_cnn::Params::zeros();
        let (y, tape) = small_cnn::forward_tape(&cnn, x);
        assert_eq!(y, small_cnn::forward(&cnn, x));
        std::hint::black_box(small_cnn::backward(&cnn, &tape, [0.5; 4], &mut g));
        small_cnn::backward_params(&cnn, &tape, [0.5; 4], &mut g);
        std::hint::black_box(cnn.gradient_batch(&[x; 9], |_, _| [0.5; 4], &mut g));
        let mut h = small_lenet::Params::zeros();
        let (_, tape) = small_lenet::forward_tape(&lenet, image);
        std::hint::black_box(small_lenet::backward(&lenet, &tape, [0.5; 3], &mut h));
        std::hint::black_box(lenet.gradient_batch(&[image; 5], |_, _| [0.5; 3], &mut h));
        std::hint::black_box((g, h));
    });
    assert_eq!(count, 0, "allocations in a CNN's passes");
}

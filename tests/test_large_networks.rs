//! Networks of MNIST size train through the `Trainer` with `Adam` on a default stack, in debug
//! builds: 784-512-10 on an 8 MiB thread (the main thread's default on Linux) and on a 2 MiB
//! one (a spawned thread's default), 784-1024-1024-10 on 8 MiB. Their parameters, gradient,
//! Adam moments and rollback copy live on the heap (`nn::storage::Large`), allocated when
//! made; a fit in a workspace made beforehand allocates nothing.

#[path = "../nn-runtime/tests/counting/mod.rs"]
mod counting;

use nn::prelude::*;
use nn::storage::{Large, LARGE};
use nn::train::{chunk_for, Workspace};

#[network]
fn mnist_mlp(
    x: [f32; 784],
    W1: [[f32; 784]; 512],
    b1: [f32; 512],
    W2: [[f32; 512]; 10],
    b2: [f32; 10],
) -> [f32; 10] {
    let h = relu(W1·x + b1);
    W2·h + b2
}

#[network]
fn deep_mlp(
    x: [f32; 784],
    W1: [[f32; 784]; 1024],
    b1: [f32; 1024],
    W2: [[f32; 1024]; 1024],
    b2: [f32; 1024],
    W3: [[f32; 1024]; 10],
    b3: [f32; 10],
) -> [f32; 10] {
    let h1 = relu(W1·x + b1);
    let h2 = relu(W2·h1 + b2);
    W3·h2 + b3
}

/// One tensor on each side of the threshold: 64 × 64 = 4,096 elements and 63 × 65 = 4,095.
#[network]
fn threshold(
    x: [f32; 64],
    W: [[f32; 64]; 64],
    V: [[f32; 64]; 63],
    U: [[f32; 63]; 65],
) -> [f32; 65] {
    U·(V·(W·x))
}

/// `n` images of 784 pixels in [0, 1) with labels 0..10, from a fixed linear congruential
/// generator; the label is the brightest of ten bands of the image, so there is something to
/// learn.
fn synthetic(n: usize) -> Vec<([f32; 784], usize)> {
    let mut state = 12345_u64;
    let mut next = move || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (state >> 40) as f32 / (1u64 << 24) as f32
    };
    (0..n)
        .map(|i| {
            let label = i % 10;
            let mut x = [0.0_f32; 784];
            for (k, v) in x.iter_mut().enumerate() {
                let band = k * 10 / 784;
                *v = next() * if band == label { 1.0 } else { 0.3 };
            }
            (x, label)
        })
        .collect()
}

/// Runs `f` on a thread with `stack` bytes of stack, as a program's thread would.
fn on_stack<R: Send + 'static>(stack: usize, f: impl FnOnce() -> R + Send + 'static) -> R {
    std::thread::Builder::new()
        .stack_size(stack)
        .spawn(f)
        .expect("a thread")
        .join()
        .expect("no stack overflow or panic")
}

const MIB: usize = 1024 * 1024;

/// Trains 784-512-10 for two epochs of 48 samples (three Adam steps of 16 each) and returns
/// the mean loss before and after.
fn train_784_512_10() -> (f32, f32) {
    let data = synthetic(48);
    let mut params = mnist_mlp::Params::init(He, 7);
    let before = evaluate(&params, &SoftmaxCrossEntropy, &data).unwrap();
    Trainer::new(Adam::new(1e-3), SoftmaxCrossEntropy)
        .epochs(2)
        .batch_size(16)
        .fit(&mut params, &data)
        .unwrap();
    let after = evaluate(&params, &SoftmaxCrossEntropy, &data).unwrap();
    (before, after)
}

#[test]
fn tensors_from_4096_elements_live_in_storage_large() {
    assert_eq!(LARGE, 4096);
    let p = threshold::Params::zeros();
    let _: &Large<[[f32; 64]; 64]> = &p.W;
    let _: &[[f32; 64]; 63] = &p.V;
    let _: &[[f32; 63]; 65] = &p.U;
    // The same code reads either: indexing and coercion go through the `Box`.
    let y = threshold::forward(&p, [1.0; 64]);
    assert_eq!(y, [0.0; 65]);
}

#[test]
fn the_batched_path_of_a_wide_network_takes_smaller_chunks() {
    // 784-512-10: ~12 KB of values per sample, 32 fit in 512 KiB; 784-1024-1024-10: ~50 KB.
    assert_eq!(chunk_for::<mnist_mlp::Params>(), 32);
    assert_eq!(chunk_for::<deep_mlp::Params>(), 8);
}

#[test]
fn mnist_784_512_10_trains_on_an_8_mib_stack() {
    let (before, after) = on_stack(8 * MIB, train_784_512_10);
    assert!(after.is_finite() && after < before, "{before} -> {after}");
}

#[test]
fn mnist_784_512_10_trains_on_a_2_mib_stack() {
    let (before, after) = on_stack(2 * MIB, train_784_512_10);
    assert!(after.is_finite() && after < before, "{before} -> {after}");
}

#[test]
fn mnist_784_1024_1024_10_trains_on_an_8_mib_stack() {
    let (before, after) = on_stack(8 * MIB, || {
        let data = synthetic(32);
        let mut params = deep_mlp::Params::init(He, 3);
        let before = evaluate(&params, &SoftmaxCrossEntropy, &data).unwrap();
        Trainer::new(Adam::new(1e-4), SoftmaxCrossEntropy)
            .epochs(2)
            .batch_size(16)
            .fit(&mut params, &data)
            .unwrap();
        let after = evaluate(&params, &SoftmaxCrossEntropy, &data).unwrap();
        (before, after)
    });
    assert!(after.is_finite() && after < before, "{before} -> {after}");
}

/// After construction (the parameters, Adam's moments, the workspace), a whole fit allocates
/// nothing, for a network whose tensors are on the heap too.
#[test]
fn a_fit_in_a_workspace_allocates_nothing() {
    on_stack(8 * MIB, || {
        let data = synthetic(32);
        let mut params = mnist_mlp::Params::init(He, 5);
        let mut workspace = Workspace::new();
        let mut trainer = Trainer::new(Adam::new(1e-3), SoftmaxCrossEntropy)
            .epochs(2)
            .batch_size(16);
        let summary = counting::assert_no_allocation("two epochs of 784-512-10", || {
            trainer.fit_in(&mut workspace, &mut params, &data, |_| ())
        })
        .unwrap();
        assert_eq!(summary.epochs, 2);
    });
}

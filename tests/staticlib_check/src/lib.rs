//! A trained network as a `#![no_std]` static library, the way firmware embeds one.
//!
//! [`tiny`](fn@tiny) is a `#[network]`; its trained weights are the `const` [`TRAINED`], printed by
//! `nn::weights::rust_source` from a training run (`tests/trained.rs` repeats that run). Three
//! C functions are exported: [`nn_tiny_infer`] (inference with the embedded weights),
//! [`nn_tiny_train_step`] (one SGD step of the runtime's `Trainer` on caller-owned weights)
//! and [`nn_conv_features`] (a convolutional feature extractor of the runtime's kernels:
//! conv1d, channel bias, ReLU, max pooling, flatten).
//!
//! `tests/symbols.rs` builds this crate as a static library in release, with
//! `panic = "abort"` and `--cfg nn_staticlib` (which adds the panic handler), and checks its
//! symbol table: the two functions are there, and no allocator (`malloc`, `free`,
//! `__rust_alloc` …) is, neither defined nor called.
#![no_std]
// `#[no_mangle]` counts as unsafe code for the lint (it exports an unmangled symbol); the two
// exported functions allow exactly that, and nothing else in the crate may use `unsafe`.
#![deny(unsafe_code)]

use nn::loss::BinaryCrossEntropy;
use nn::optim::Sgd;
use nn::Trainer;

/// A one-hidden-unit classifier of a scalar: `y = σ(w2·tanh(w1·x + b1) + b2)`.
#[nn::network(f1 = tanh, f2 = sigmoid)]
pub fn tiny(x: f32, w1: f32, b1: f32, w2: f32, b2: f32) -> f32 {
    f2(w2·f1(w1·x + b1) + b2)
}

/// Weights trained to tell `x > 0.5` (class 1) from `x ≤ 0.5` (class 0) on `0.0, 0.1, …, 1.0`:
/// Xavier initialisation with seed 3, then 2000 full-batch epochs of Adam (η = 0.05) on the
/// binary cross-entropy, printed by `nn::weights::rust_source(&params, "tiny::Params", "TRAINED")`.
pub const TRAINED: tiny::Params = tiny::Params {
    w1: -11.859308,
    b1: 6.470784,
    w2: -11.386735,
    b2: -0.41737568,
};

/// The trained network's probability of class 1 for `x`.
#[allow(unsafe_code)]
#[no_mangle]
pub extern "C" fn nn_tiny_infer(x: f32) -> f32 {
    tiny::forward(&TRAINED, x)
}

/// One training step on one sample `(x, y)` with learning rate `lr`, updating
/// `weights = [w1, b1, w2, b2]` in place; returns the sample's binary cross-entropy before
/// the step, or NaN (weights unchanged) when training diverged.
#[allow(unsafe_code)]
#[no_mangle]
pub extern "C" fn nn_tiny_train_step(weights: &mut [f32; 4], x: f32, y: f32, lr: f32) -> f32 {
    let [w1, b1, w2, b2] = *weights;
    let mut params = tiny::Params { w1, b1, w2, b2 };
    let data = [(x, y)];
    let mut trainer = Trainer::new(Sgd::new(lr), BinaryCrossEntropy).epochs(1);
    match trainer.fit(&mut params, &data) {
        Ok(summary) => {
            *weights = [params.w1, params.b1, params.w2, params.b2];
            summary.loss.unwrap_or(f32::NAN)
        }
        Err(_) => f32::NAN,
    }
}

/// A freestanding static library must say what a panic does; this one stops.
#[cfg(all(nn_staticlib, not(test)))]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    loop {}
}

/// The features a small 1-D CNN computes from a signal of 40 samples (the length of MNIST-1D):
/// a bank of 4 kernels of 5 taps, stride 2 and padding 2 (20 outputs per channel), a bias per
/// channel, ReLU, max pooling over pairs, flattened: 4 × 10 = 40 features. The weights are the
/// caller's (`kernel`: 4 × 5, `bias`: 4).
#[allow(unsafe_code)]
#[no_mangle]
pub extern "C" fn nn_conv_features(
    x: &[f32; 40],
    kernel: &[[f32; 5]; 4],
    bias: &[f32; 4],
    out: &mut [f32; 40],
) {
    use nn::math::conv::{add_channel_bias, conv1d, flatten, max_pool1d};
    let bank: [[[f32; 5]; 1]; 4] = [[kernel[0]], [kernel[1]], [kernel[2]], [kernel[3]]];
    let z: [[f32; 20]; 4] = conv1d::<_, 1, 40, 4, 5, 20, 2, 2>(&bank, &[*x]);
    let mut a = add_channel_bias(&z, bias);
    for v in a.iter_mut().flatten() {
        *v = nn::math::relu(*v);
    }
    let pooled: [[f32; 10]; 4] = max_pool1d::<_, 4, 20, 2, 2, 10>(&a);
    *out = flatten(&pooled);
}

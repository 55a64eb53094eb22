//! A trained network as a `#![no_std]` static library, the way firmware embeds one.
//!
//! [`tiny`](fn@tiny) is a `#[network]`; its trained weights are the `const` [`TRAINED`], printed by
//! `nn::weights::rust_source` from a training run (`tests/trained.rs` repeats that run). Three
//! C functions are exported: [`nn_tiny_infer`] (inference with the embedded weights),
//! [`nn_tiny_train_step`] (one SGD step of the runtime's `Trainer` on caller-owned weights)
//! and [`nn_cnn_infer`] (inference of a small CNN of the language: two `conv1d` layers, a bias
//! per channel, ReLU, max pooling, flatten, a dense layer).
//!
//! `tests/symbols.rs` builds this crate as a static library in release, with
//! `panic = "abort"` and `--cfg nn_staticlib` (which adds the panic handler), and checks its
//! symbol table: the three functions are there, and no allocator (`malloc`, `free`,
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

/// A small 1-D CNN of the language on a signal of 40 samples (the length of MNIST-1D): 4
/// kernels of 5 taps (stride 2, padding 2: 20 outputs per channel), a bias per channel, ReLU;
/// 6 kernels of 4 channels × 5 taps (20 weights per output: a product of register tiles);
/// max pooling over pairs; a dense read-out of 3 scores.
#[nn::network]
pub fn cnn(
    x: [[f32; 40]; 1],
    K1: [[[f32; 5]; 1]; 4],
    c1: [f32; 4],
    K2: [[[f32; 5]; 4]; 6],
    c2: [f32; 6],
    W: [[f32; 24]; 3],
    b: [f32; 3],
) -> [f32; 3] {
    let h1 = relu(conv1d(K1, x, stride = 2, padding = 2) + c1);
    let h2 = max_pool(relu(conv1d(K2, h1, padding = same) + c2), 5, stride = 5);
    W·flatten(h2) + b
}

/// The CNN's 3 scores for the signal `x`, with the caller's weights.
#[allow(unsafe_code)]
#[no_mangle]
pub extern "C" fn nn_cnn_infer(params: &cnn::Params, x: &[f32; 40], out: &mut [f32; 3]) {
    *out = cnn::forward(params, [*x]);
}

//! Three networks written by hand the way `#[network]` generates them, for the examples and
//! tests of this crate and as a yardstick for generated code: a line, a 2-2-1 perceptron for
//! XOR, and the loss of a logistic unit as one network (trained with
//! [`Objective`](crate::loss::Objective)).
//!
//! ```
//! use nn_runtime::toy::Xor221;
//! use nn_runtime::Network;
//!
//! let net = Xor221 { w1: [[1.0_f64, 1.0], [1.0, 1.0]], b1: [0.0, -1.0], w2: [1.0, -1.0], b2: 0.0 };
//! let y = net.forward(&[1.0, 0.0]); // σ(tanh 1 − tanh 0)
//! assert!((y - 0.6817).abs() < 1e-4);
//! ```

use num_traits::Float;

use crate::math::{sigmoid, softplus, tanh};
use crate::network::{Network, Parameters, TensorInfo};

/// The smallest network with a bias: `y = w·x + b`.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Line<T> {
    /// The weight.
    pub w: T,
    /// The bias.
    pub b: T,
}

impl<T: Float> Parameters for Line<T> {
    type Scalar = T;
    const TENSORS: &'static [TensorInfo] = &[
        TensorInfo {
            name: "w",
            shape: &[],
        },
        TensorInfo {
            name: "b",
            shape: &[],
        },
    ];
    const COUNT: usize = 2;
    fn zeros() -> Self {
        Line {
            w: T::zero(),
            b: T::zero(),
        }
    }
    fn tensor(&self, k: usize) -> &[T] {
        match k {
            0 => core::slice::from_ref(&self.w),
            1 => core::slice::from_ref(&self.b),
            _ => &[],
        }
    }
    fn tensor_mut(&mut self, k: usize) -> &mut [T] {
        match k {
            0 => core::slice::from_mut(&mut self.w),
            1 => core::slice::from_mut(&mut self.b),
            _ => &mut [],
        }
    }
}

impl<T: Float> Network for Line<T> {
    type Input = T;
    type Output = T;
    /// The input x, which is ∂y/∂w.
    type Tape = T;
    fn forward(&self, x: &T) -> T {
        self.w * *x + self.b
    }
    fn forward_tape(&self, x: &T) -> (T, T) {
        (self.forward(x), *x)
    }
    fn backward(&self, x: &T, dl_dy: &T, grads: &mut Self) -> T {
        // ∂y/∂w = x, ∂y/∂b = 1, ∂y/∂x = w
        grads.w = grads.w + *dl_dy * *x;
        grads.b = grads.b + *dl_dy;
        *dl_dy * self.w
    }
}

/// A 2-2-1 perceptron for XOR: `h = tanh(W1·x + b1)`, `y = σ(w2·h + b2)`.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Xor221<T> {
    /// Hidden weights, one row per hidden unit.
    pub w1: [[T; 2]; 2],
    /// Hidden biases.
    pub b1: [T; 2],
    /// Output weights.
    pub w2: [T; 2],
    /// Output bias.
    pub b2: T,
}

/// What [`Xor221::backward`](Network::backward) needs from the forward pass.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Xor221Tape<T> {
    /// The input.
    pub x: [T; 2],
    /// The hidden activations tanh(a1).
    pub h: [T; 2],
    /// The output σ(a2).
    pub y: T,
}

impl<T: Float> Parameters for Xor221<T> {
    type Scalar = T;
    const TENSORS: &'static [TensorInfo] = &[
        TensorInfo {
            name: "w1",
            shape: &[2, 2],
        },
        TensorInfo {
            name: "b1",
            shape: &[2],
        },
        TensorInfo {
            name: "w2",
            shape: &[2],
        },
        TensorInfo {
            name: "b2",
            shape: &[],
        },
    ];
    const COUNT: usize = 9;
    fn zeros() -> Self {
        let z = T::zero();
        Xor221 {
            w1: [[z; 2]; 2],
            b1: [z; 2],
            w2: [z; 2],
            b2: z,
        }
    }
    fn tensor(&self, k: usize) -> &[T] {
        match k {
            0 => self.w1.as_flattened(),
            1 => &self.b1,
            2 => &self.w2,
            3 => core::slice::from_ref(&self.b2),
            _ => &[],
        }
    }
    fn tensor_mut(&mut self, k: usize) -> &mut [T] {
        match k {
            0 => self.w1.as_flattened_mut(),
            1 => &mut self.b1,
            2 => &mut self.w2,
            3 => core::slice::from_mut(&mut self.b2),
            _ => &mut [],
        }
    }
}

impl<T: Float> Network for Xor221<T> {
    type Input = [T; 2];
    type Output = T;
    type Tape = Xor221Tape<T>;
    fn forward(&self, x: &[T; 2]) -> T {
        self.forward_tape(x).0
    }
    fn forward_tape(&self, x: &[T; 2]) -> (T, Xor221Tape<T>) {
        let mut h = [T::zero(); 2];
        for (h, (row, b)) in h.iter_mut().zip(self.w1.iter().zip(&self.b1)) {
            // a1 = W1·x + b1, h = tanh(a1)
            *h = tanh(row[0] * x[0] + row[1] * x[1] + *b);
        }
        // a2 = w2·h + b2, y = σ(a2)
        let y = sigmoid(self.w2[0] * h[0] + self.w2[1] * h[1] + self.b2);
        (y, Xor221Tape { x: *x, h, y })
    }
    fn backward(&self, tape: &Xor221Tape<T>, dl_dy: &T, grads: &mut Self) -> [T; 2] {
        let one = T::one();
        // ∂y/∂a2 = y·(1 − y)
        let dl_da2 = *dl_dy * tape.y * (one - tape.y);
        grads.b2 = grads.b2 + dl_da2;
        let mut dl_dx = [T::zero(); 2];
        for j in 0..2 {
            // ∂a2/∂w2ⱼ = hⱼ, ∂a2/∂hⱼ = w2ⱼ
            grads.w2[j] = grads.w2[j] + dl_da2 * tape.h[j];
            let dl_dh = dl_da2 * self.w2[j];
            // ∂h/∂a1 = 1 − h²
            let dl_da1 = dl_dh * (one - tape.h[j] * tape.h[j]);
            grads.b1[j] = grads.b1[j] + dl_da1;
            for ((dw, dx), (&w, &x)) in grads.w1[j]
                .iter_mut()
                .zip(&mut dl_dx)
                .zip(self.w1[j].iter().zip(&tape.x))
            {
                // ∂a1ⱼ/∂W1ⱼᵢ = xᵢ, ∂a1ⱼ/∂xᵢ = W1ⱼᵢ
                *dw = *dw + dl_da1 * x;
                *dx = *dx + dl_da1 * w;
            }
        }
        dl_dx
    }
}

/// The cross-entropy of a logistic unit as one network, its output the loss itself:
/// `z = w·x + b`, `l = softplus(z) − t·z` (= −(t ln σ(z) + (1 − t) ln(1 − σ(z))), stable for
/// every finite z), with the input `[x, t]`: the feature and its target in {0, 1}.
///
/// It is what `#[network(inputs(x, t))] fn logistic(x, t, w, b) { let z = w·x + b;
/// l = softplus(z) - t * z }` generates, and is trained with
/// [`Objective`](crate::loss::Objective) on [`data::objective`](crate::data::objective).
///
/// ```
/// use nn_runtime::toy::LogisticLoss;
/// use nn_runtime::Network;
/// let unit = LogisticLoss { w: 1.0_f64, b: 0.0 };
/// // z = 0: −ln σ(0) = ln 2 whatever the target.
/// assert!((unit.forward(&[0.0, 1.0]) - core::f64::consts::LN_2).abs() < 1e-15);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct LogisticLoss<T> {
    /// The weight.
    pub w: T,
    /// The bias.
    pub b: T,
}

/// What [`LogisticLoss::backward`](Network::backward) needs from the forward pass.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LogisticLossTape<T> {
    /// The input `[x, t]`.
    pub input: [T; 2],
    /// The pre-activation z = w·x + b.
    pub z: T,
}

impl<T: Float> Parameters for LogisticLoss<T> {
    type Scalar = T;
    const TENSORS: &'static [TensorInfo] = &[
        TensorInfo {
            name: "w",
            shape: &[],
        },
        TensorInfo {
            name: "b",
            shape: &[],
        },
    ];
    const COUNT: usize = 2;
    fn zeros() -> Self {
        LogisticLoss {
            w: T::zero(),
            b: T::zero(),
        }
    }
    fn tensor(&self, k: usize) -> &[T] {
        match k {
            0 => core::slice::from_ref(&self.w),
            1 => core::slice::from_ref(&self.b),
            _ => &[],
        }
    }
    fn tensor_mut(&mut self, k: usize) -> &mut [T] {
        match k {
            0 => core::slice::from_mut(&mut self.w),
            1 => core::slice::from_mut(&mut self.b),
            _ => &mut [],
        }
    }
}

impl<T: Float> Network for LogisticLoss<T> {
    type Input = [T; 2];
    type Output = T;
    type Tape = LogisticLossTape<T>;
    fn forward(&self, input: &[T; 2]) -> T {
        self.forward_tape(input).0
    }
    fn forward_tape(&self, input: &[T; 2]) -> (T, LogisticLossTape<T>) {
        let [x, t] = *input;
        let z = self.w * x + self.b;
        (softplus(z) - t * z, LogisticLossTape { input: *input, z })
    }
    fn backward(&self, tape: &LogisticLossTape<T>, seed: &T, grads: &mut Self) -> [T; 2] {
        let [x, t] = tape.input;
        // ∂l/∂z = σ(z) − t, ∂l/∂t = −z
        let dl_dz = *seed * (sigmoid(tape.z) - t);
        grads.w = grads.w + dl_dz * x;
        grads.b = grads.b + dl_dz;
        [dl_dz * self.w, -*seed * tape.z]
    }
}

//! The contract between generated networks and the runtime.

use num_traits::Float;

/// Name and shape of one trainable tensor of a network.
///
/// `shape` is `[]` for a scalar, `[n]` for a vector `[T; n]` and `[m, n]` for a matrix
/// `[[T; n]; m]` (m rows of n columns, so that `W·x` maps n inputs to m outputs).
///
/// ```
/// use nn_runtime::TensorInfo;
/// let w = TensorInfo { name: "W1", shape: &[4, 2] };
/// assert_eq!((w.len(), w.fan_in(), w.fan_out()), (8, 2, 4));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TensorInfo {
    /// The parameter's name as written in the network's signature.
    pub name: &'static str,
    /// Its shape: empty for a scalar.
    pub shape: &'static [usize],
}

impl TensorInfo {
    /// Number of scalars in the tensor.
    pub const fn len(&self) -> usize {
        let mut n = 1;
        let mut i = 0;
        while i < self.shape.len() {
            n *= self.shape[i];
            i += 1;
        }
        n
    }

    /// Whether the tensor holds no scalar at all (a zero-sized dimension).
    pub const fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Inputs feeding each output of the tensor: the column count of a matrix, 1 otherwise.
    /// Used by the Xavier and He initialisers.
    pub const fn fan_in(&self) -> usize {
        match self.shape {
            [_, n] => *n,
            _ => 1,
        }
    }

    /// Outputs of the tensor: the row count of a matrix, the length of a vector, 1 for a scalar.
    pub const fn fan_out(&self) -> usize {
        match self.shape {
            [m, _] => *m,
            [n] => *n,
            _ => 1,
        }
    }
}

/// A fixed set of trainable tensors, viewable one flat slice at a time.
///
/// Generated parameter structs implement this; their gradients use the same type, so an
/// optimizer walks parameters, gradients and its own state (more values of the same type, sized
/// at compile time) together, tensor by tensor, without allocating:
///
/// ```
/// use nn_runtime::Parameters;
///
/// fn sgd_step<P: Parameters<Scalar = f32>>(params: &mut P, grads: &P, lr: f32) {
///     for k in 0..P::TENSORS.len() {
///         let g = grads.tensor(k);
///         for (p, g) in params.tensor_mut(k).iter_mut().zip(g) {
///             *p -= lr * g;
///         }
///     }
/// }
/// ```
pub trait Parameters: Copy {
    /// The float type of every tensor.
    type Scalar: Float;
    /// Every tensor, in the order of the network's signature.
    const TENSORS: &'static [TensorInfo];
    /// Total number of scalars over all tensors.
    const COUNT: usize;
    /// All tensors zero: the starting value of a gradient accumulator.
    fn zeros() -> Self;
    /// Tensor `k` (an index into [`Self::TENSORS`]) as a flat, row-major slice; empty when
    /// `k` is out of range.
    fn tensor(&self, k: usize) -> &[Self::Scalar];
    /// Tensor `k` as a mutable flat, row-major slice; empty when `k` is out of range.
    fn tensor_mut(&mut self, k: usize) -> &mut [Self::Scalar];
}

/// A differentiable network: the parameters are the network.
///
/// `#[network]` implements this for the generated `Params` struct. Input gradients have the
/// input's type and the output gradient (∂L/∂output) the output's type.
pub trait Network: Parameters {
    /// What one sample feeds the network: the input argument's type, or a generated `Inputs`
    /// struct when there are several inputs.
    type Input: Copy;
    /// What the network returns.
    type Output: Copy;
    /// The intermediate values a backward pass needs, kept on the stack.
    type Tape;
    /// Inference: the output, nothing kept.
    fn forward(&self, input: &Self::Input) -> Self::Output;
    /// Training forward: the output and the tape for [`Network::backward`].
    fn forward_tape(&self, input: &Self::Input) -> (Self::Output, Self::Tape);
    /// Reverse-mode chain rule from ∂L/∂output: *adds* ∂L/∂θ to `grads` (so a mini-batch
    /// accumulates without copies) and returns ∂L/∂input.
    fn backward(&self, tape: &Self::Tape, d_output: &Self::Output, grads: &mut Self)
        -> Self::Input;
    /// The backward pass training needs: *adds* ∂L/∂θ to `grads`, skipping the work that only
    /// leads to ∂L/∂input (for a first layer `W1·x`, a whole `W1ᵀ·∂L/∂z1`). The default calls
    /// [`Network::backward`] and drops the input gradient; generated networks override it.
    #[inline]
    fn backward_params(&self, tape: &Self::Tape, d_output: &Self::Output, grads: &mut Self) {
        let _ = self.backward(tape, d_output, grads);
    }

    /// Training on `B` samples at once: returns every sample's output and *adds* Σₛ ∂Lₛ/∂θ to
    /// `grads`, where `d_output(s, &y)` is ∂Lₛ/∂output for the output `y` of sample `s` (asked
    /// once per sample, in order).
    ///
    /// The default runs [`Network::forward_tape`] and [`Network::backward_params`] sample by
    /// sample. Generated networks override it with their `gradient_batch`, which computes each
    /// product of a parameter matrix as one matrix product for the whole batch; it keeps every
    /// intermediate value of all `B` samples on the stack.
    ///
    /// ```
    /// use nn_runtime::prelude::*;
    /// use nn_runtime::toy::Xor221;
    ///
    /// let net = Xor221::<f64>::init(Xavier, 1);
    /// let inputs = [[0.0, 1.0], [1.0, 1.0]];
    /// let mut grads = Xor221::zeros();
    /// let outputs = net.gradient_batch(&inputs, |_, y| y - 1.0, &mut grads);
    /// assert_eq!(outputs, [net.forward(&inputs[0]), net.forward(&inputs[1])]);
    /// ```
    fn gradient_batch<const B: usize>(
        &self,
        inputs: &[Self::Input; B],
        mut d_output: impl FnMut(usize, &Self::Output) -> Self::Output,
        grads: &mut Self,
    ) -> [Self::Output; B] {
        core::array::from_fn(|s| {
            let (y, tape) = self.forward_tape(&inputs[s]);
            // Per sample, ∂Lₛ/∂output can be asked as soon as the output is known.
            let dy = d_output(s, &y);
            self.backward_params(&tape, &dy, grads);
            y
        })
    }
}

//! The functions of `nn::math` that generated code calls besides the table's.

macro_rules! kernels {
    ($($(#[$doc:meta])* $variant:ident = $name:literal;)*) => {
        /// The functions of `nn::math` that generated code calls for what is not a function
        /// of the language: products, the whole-vector steps of the backward pass, the batch
        /// kernels.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
        pub enum Kernel {
            $($(#[$doc])* $variant,)*
        }

        impl Kernel {
            /// Every kernel.
            pub const ALL: &'static [Kernel] = &[$(Kernel::$variant,)*];

            /// Its name in `nn::math`.
            pub fn name(self) -> &'static str {
                match self {
                    $(Kernel::$variant => $name,)*
                }
            }
        }
    };
}

kernels! {
    /// a·b of two vectors.
    Dot = "dot";
    /// Wᵀ·v.
    TransposeMul = "transpose_mul";
    /// W += dy ⊗ x.
    OuterAdd = "outer_add";
    /// a += b, elementwise.
    AddAssign = "add_assign";
    /// y ⊙ (dy − (dy·y)), the backward of softmax.
    SoftmaxBackward = "softmax_backward";
    /// dy − exp(y)·Σdy, the backward of log_softmax.
    LogSoftmaxBackward = "log_softmax_backward";
    /// Z = X·Wᵀ for a batch of rows.
    MatmulBatch = "matmul_batch";
    /// dX = dZ·W for a batch of rows.
    TransposeMulBatch = "transpose_mul_batch";
    /// dW += dZᵀ·X for a batch of rows.
    OuterAddBatch = "outer_add_batch";
    /// A constant in a generic float type.
    Lit = "lit";
}

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
    /// W·x, each row's sum passed through the rest of its element's expression.
    MatVec = "matvec";
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
    /// softmax(z) and log_softmax(z) from one pass of exponentials.
    SoftmaxAndLogSoftmax = "softmax_and_log_softmax";
    /// Z = X·Wᵀ for a batch of rows.
    MatmulBatch = "matmul_batch";
    /// dX = dZ·W for a batch of rows.
    TransposeMulBatch = "transpose_mul_batch";
    /// dW += dZᵀ·X for a batch of rows.
    OuterAddBatch = "outer_add_batch";
    /// A constant in a generic float type.
    Lit = "lit";
    /// a += b, elementwise, of channel data `[[T; L]; C]`.
    AddAssignChannels = "add_assign_channels";
    /// a += b, elementwise, of images `[[[T; W]; H]; C]`.
    AddAssignImages = "add_assign_images";
    /// The 1-D convolution.
    Conv1d = "conv1d";
    /// The 2-D convolution.
    Conv2d = "conv2d";
    /// ∂L/∂K of `conv1d`, added to the kernel bank's gradient.
    Conv1dKernelGradient = "conv1d_kernel_gradient";
    /// ∂L/∂x of `conv1d`.
    Conv1dInputGradient = "conv1d_input_gradient";
    /// ∂L/∂K of `conv2d`, added to the kernel bank's gradient.
    Conv2dKernelGradient = "conv2d_kernel_gradient";
    /// ∂L/∂x of `conv2d`.
    Conv2dInputGradient = "conv2d_input_gradient";
    /// The 1-D convolution as a product of register tiles.
    Conv1dTiled = "conv1d_tiled";
    /// ∂L/∂K of `conv1d`, tiled.
    Conv1dKernelGradientTiled = "conv1d_kernel_gradient_tiled";
    /// ∂L/∂x of `conv1d`, tiled.
    Conv1dInputGradientTiled = "conv1d_input_gradient_tiled";
    /// The 2-D convolution as a product of register tiles.
    Conv2dTiled = "conv2d_tiled";
    /// ∂L/∂K of `conv2d`, tiled.
    Conv2dKernelGradientTiled = "conv2d_kernel_gradient_tiled";
    /// ∂L/∂x of `conv2d`, tiled.
    Conv2dInputGradientTiled = "conv2d_input_gradient_tiled";
    /// The 1-D convolution of a batch, in (sample, position) rows.
    Conv1dRows = "conv1d_rows";
    /// ∂L/∂K of `conv1d` summed over a batch.
    Conv1dKernelGradientRows = "conv1d_kernel_gradient_rows";
    /// ∂L/∂x of `conv1d` of every sample of a batch.
    Conv1dInputGradientRows = "conv1d_input_gradient_rows";
    /// The 2-D convolution of a batch, in (sample, position) rows.
    Conv2dRows = "conv2d_rows";
    /// ∂L/∂K of `conv2d` summed over a batch.
    Conv2dKernelGradientRows = "conv2d_kernel_gradient_rows";
    /// ∂L/∂x of `conv2d` of every sample of a batch.
    Conv2dInputGradientRows = "conv2d_input_gradient_rows";
    /// 1-D max pooling.
    MaxPool1d = "max_pool1d";
    /// ∂L/∂x of 1-D max pooling.
    MaxPool1dGradient = "max_pool1d_gradient";
    /// 2-D max pooling.
    MaxPool2d = "max_pool2d";
    /// ∂L/∂x of 2-D max pooling.
    MaxPool2dGradient = "max_pool2d_gradient";
    /// 1-D average pooling.
    AvgPool1d = "avg_pool1d";
    /// ∂L/∂x of 1-D average pooling.
    AvgPool1dGradient = "avg_pool1d_gradient";
    /// 2-D average pooling.
    AvgPool2d = "avg_pool2d";
    /// ∂L/∂x of 2-D average pooling.
    AvgPool2dGradient = "avg_pool2d_gradient";
    /// Channel data `[[T; L]; C]` as one vector.
    Flatten = "flatten";
    /// ∂L/∂x of `flatten`: a vector cut back into channels.
    Unflatten = "unflatten";
    /// Images `[[[T; W]; H]; C]` as one vector.
    Flatten2d = "flatten2d";
    /// ∂L/∂x of `flatten2d`.
    Unflatten2d = "unflatten2d";
    /// The sum of each channel of `[[T; L]; C]`: ∂L/∂b of a bias per channel.
    ChannelSums = "channel_sums";
    /// The sum of each channel of `[[[T; W]; H]; C]`.
    ChannelSums2d = "channel_sums2d";
}

impl Kernel {
    /// Its path under `nn::math`: `dot`, or `conv::conv1d` for the kernels of channel data.
    pub fn path(self) -> String {
        if self >= Kernel::AddAssignChannels {
            format!("conv::{}", self.name())
        } else {
            self.name().to_string()
        }
    }
}

//! The shape rules of the layers of convolutional networks and of channel data in
//! arithmetic: each mismatch is a message naming both shapes.

use super::{Lower, KERNEL_ONLY_IN_CONVOLUTIONS};
use crate::ast::{self, BinOp, Expr, Shape};
use crate::graph::{NodeId, Op};
use crate::layer::{self, Conv, Layer, Padding, Pool};

impl Lower<'_> {
    /// Whether a value of two dimensions or more is channel data, which elementwise operations
    /// take, rather than a parameter matrix (which only multiplies a vector) or a kernel bank
    /// (which only a convolution reads).
    pub(super) fn is_channel_data(&self, id: NodeId) -> bool {
        let shape = self.graph.shape(id);
        matches!(shape, Shape::Matrix(..) | Shape::Array3(..))
            && !matches!(self.graph[id].op, Op::Param(_))
    }

    /// Why a parameter of two dimensions or more cannot be used element by element.
    pub(super) fn not_elementwise(&self, id: NodeId) -> String {
        match self.graph.shape(id) {
            Shape::Matrix(..) => super::MATRIX_ONLY_TIMES_VECTOR.to_string(),
            _ => KERNEL_ONLY_IN_CONVOLUTIONS.to_string(),
        }
    }

    /// The operation and shape of a layer call, or the message of a shape error.
    pub(super) fn layer(
        &self,
        call: &ast::LayerCall,
        args: &[NodeId],
    ) -> Result<(Op, Shape), String> {
        match call.layer {
            Layer::Conv {
                dims,
                stride,
                padding,
            } => self.conv(call, args, dims, stride, padding),
            Layer::Pool {
                max,
                window,
                stride,
            } => self.pool(call, args[0], max, window, stride),
            Layer::Flatten => {
                let x = args[0];
                let scalar = self.scalar();
                if !self.is_channel_data(x) {
                    return Err(format!(
                    "`flatten` takes channel data (`[[{scalar}; L]; C]` or `[[[{scalar}; W]; H]; C]`), but {}",
                    self.describe(&call.args[0], x)
                ));
                }
                let n = self.graph.shape(x).elements();
                Ok((Op::Flatten(x), Shape::Vector(n)))
            }
        }
    }

    /// A value and its type, for messages: `` `K` ([[[f32; 5]; 1]; 8]) ``.
    fn typed(&self, e: &Expr, id: NodeId) -> String {
        format!("`{e}` ({})", self.graph.shape(id).rust(&self.scalar()))
    }

    /// `conv1d(K, x)`, `conv2d(K, x)`: the kernel bank's channels against the input's, the
    /// kernel against the padded input.
    fn conv(
        &self,
        call: &ast::LayerCall,
        args: &[NodeId],
        dims: usize,
        stride: usize,
        padding: Padding,
    ) -> Result<(Op, Shape), String> {
        let name = &call.name;
        let describe = |k: usize| self.describe(&call.args[k], args[k]);
        let (k, x) = (args[0], args[1]);

        if !matches!(self.graph[k].op, Op::Param(_)) {
            let swapped = matches!(self.graph[x].op, Op::Param(_))
                && matches!(self.graph.shape(x), Shape::Array3(..) | Shape::Array4(..));
            let hint = if swapped {
                format!(
                    "; the kernel bank comes first: `{name}({}, {})`",
                    call.args[1], call.args[0]
                )
            } else {
                String::new()
            };
            return Err(format!(
                "the kernel bank of `{name}` must be a parameter, but {}{hint}",
                describe(0)
            ));
        }
        let (co, ci, taps, channels, lengths) = self.conv_shapes(call, args, dims)?;
        if ci != channels {
            return Err(format!(
                "channel mismatch in `{name}`: the kernel bank {} takes {ci} input channel{}, but {} has {channels}",
                self.typed(&call.args[0], k),
                if ci == 1 { "" } else { "s" },
                self.typed(&call.args[1], x),
            ));
        }
        if dims == 2 && taps[0] != taps[1] {
            return Err(format!(
                "`conv2d` takes square kernels, but {} has {}×{} taps",
                self.typed(&call.args[0], k),
                taps[0],
                taps[1]
            ));
        }
        let padding = match padding {
            Padding::Zeros(p) => p,
            Padding::Same if stride == 1 && taps[0] % 2 == 1 => (taps[0] - 1) / 2,
            Padding::Same => {
                return Err(format!(
                    "`padding = same` keeps the length for an odd kernel and stride 1, but `{name}` has {} taps and stride {stride}; give the padding as a number",
                    taps[0]
                ))
            }
        };
        let conv = Conv { stride, padding };
        let mut out = vec![co];
        for &l in &lengths {
            match layer::conv_len(l, taps[0], conv) {
                Some(n) => out.push(n),
                None => {
                    return Err(format!(
                        "the kernel of `{name}` is larger than its input: {} has {} taps, but {} is {l} long{}",
                        self.typed(&call.args[0], k),
                        taps[0],
                        self.typed(&call.args[1], x),
                        if padding > 0 { format!(" ({} with the padding)", l + 2 * padding) } else { String::new() }
                    ))
                }
            }
        }
        let shape = Shape::of_dims(&out).unwrap_or(Shape::Scalar);
        Ok((Op::Conv(conv, k, x), shape))
    }

    /// The shapes a convolution's operands must have: (output channels, input channels, taps)
    /// of the kernel bank and (channels, lengths) of the input.
    #[allow(clippy::type_complexity)]
    fn conv_shapes(
        &self,
        call: &ast::LayerCall,
        args: &[NodeId],
        dims: usize,
    ) -> Result<(usize, usize, Vec<usize>, usize, Vec<usize>), String> {
        let scalar = self.scalar();
        let describe = |k: usize| self.describe(&call.args[k], args[k]);
        let (ks, xs) = (self.graph.shape(args[0]), self.graph.shape(args[1]));
        match (dims, ks, xs) {
                (1, Shape::Array3(co, ci, kk), Shape::Matrix(c, l)) => Ok((co, ci, vec![kk], c, vec![l])),
                (2, Shape::Array4(co, ci, kh, kw), Shape::Array3(c, h, w)) => {
                    Ok((co, ci, vec![kh, kw], c, vec![h, w]))
                }
                (1, Shape::Array3(..), _) => {
                    let hint = match xs {
                        Shape::Vector(n) => format!("; one channel of {n} is `[[{scalar}; {n}]; 1]`"),
                        Shape::Array3(..) => "; an image takes `conv2d` and a kernel bank `[[[[T; K]; K]; C_in]; C_out]`".to_string(),
                        _ => String::new(),
                    };
                    Err(format!(
                        "`conv1d` takes channels `[[{scalar}; L]; C]` (C channels of length L), but {}{hint}",
                        describe(1)
                    ))
                }
                (2, Shape::Array4(..), _) => {
                    let hint = match xs {
                        Shape::Matrix(h, w) => format!("; one channel of {h}×{w} is `[[[{scalar}; {w}]; {h}]; 1]`, and channels of length {w} take `conv1d`"),
                        _ => String::new(),
                    };
                    Err(format!(
                        "`conv2d` takes images `[[[{scalar}; W]; H]; C]` (C channels of H×W), but {}{hint}",
                        describe(1)
                    ))
                }
                (1, _, _) => {
                    Err(format!(
                        "the kernel bank of `conv1d` is `[[[{scalar}; K]; C_in]; C_out]` (K taps for each input and output channel), but {}",
                        describe(0)
                    ))
                }
                _ => {
                    Err(format!(
                        "the kernel bank of `conv2d` is `[[[[{scalar}; K]; K]; C_in]; C_out]` (K×K taps for each input and output channel), but {}",
                        describe(0)
                    ))
                }
            }
    }

    /// `max_pool(x, window)`, `avg_pool(x, window)`: windows that tile the input.
    fn pool(
        &self,
        call: &ast::LayerCall,
        x: NodeId,
        max: bool,
        window: usize,
        stride: Option<usize>,
    ) -> Result<(Op, Shape), String> {
        let name = &call.name;
        let scalar = self.scalar();
        let described = self.describe(&call.args[0], x);
        let xs = self.graph.shape(x);
        if !self.is_channel_data(x) {
            return Err(format!(
                "`{name}` takes channel data (`[[{scalar}; L]; C]` or `[[[{scalar}; W]; H]; C]`), but {}",
                described
            ));
        }
        let pool = Pool {
            max,
            window,
            stride: stride.unwrap_or(window),
        };
        let dims = xs.dims();
        let mut out = vec![dims[0]];
        for &l in &dims[1..] {
            match layer::pool_len(l, pool) {
                Some(n) => out.push(n),
                None if window > l => {
                    return Err(format!(
                        "the window of `{name}` is larger than its input: a window of {window}, but {} is {l} long",
                        self.typed(&call.args[0], x)
                    ))
                }
                None => {
                    return Err(format!(
                        "the windows of `{name}` do not reach the end of its input: {}, and windows of {window} every {} leave its last {} element{} of {l} unread; choose a window and a stride that end at the input's end ((L − window) divisible by the stride)",
                        described,
                        pool.stride,
                        (l - window) % pool.stride,
                        if (l - window) % pool.stride == 1 { "" } else { "s" }
                    ))
                }
            }
        }
        let shape = Shape::of_dims(&out).unwrap_or(Shape::Scalar);
        Ok((Op::Pool(pool, x), shape))
    }

    /// A binary operation with channel data on one side: elementwise with channel data of
    /// the same shape or a scalar, `z + b` with one bias per channel, and what a dense layer
    /// after convolutions needs (`W·flatten(h)`); `None` for the rules of vectors and
    /// matrices.
    pub(super) fn channel_binary(
        &self,
        op: BinOp,
        a: (&Expr, NodeId),
        b: (&Expr, NodeId),
    ) -> Option<Result<(Op, Shape), String>> {
        let (sa, sb) = (self.graph.shape(a.1), self.graph.shape(b.1));
        let (ca, cb) = (self.is_channel_data(a.1), self.is_channel_data(b.1));
        if !ca && !cb {
            return None;
        }
        let symbol = op.symbol().trim();
        let both = || {
            format!(
                "{} and {}",
                self.describe(a.0, a.1),
                self.describe(b.0, b.1)
            )
        };
        let elementwise = |shape: Shape| {
            let op = match op {
                BinOp::Add => Op::Add(a.1, b.1),
                BinOp::Sub => Op::Sub(a.1, b.1),
                BinOp::Mul | BinOp::Dot => Op::Mul(a.1, b.1),
                BinOp::Div => Op::Div(a.1, b.1),
            };
            Ok((op, shape))
        };
        Some(match (op, sa, sb) {
            // `X·w` of a data matrix, and its mistakes: the rules of matrices.
            (BinOp::Dot | BinOp::Mul, Shape::Matrix(..), Shape::Vector(_)) => return None,
            (BinOp::Dot, Shape::Matrix(..), _) if cb && !ca => Err(format!(
                "{}; a matrix multiplies a vector: lay the channels out as one first, `{}·flatten({})`",
                both(),
                a.0,
                b.0
            )),
            (_, _, _) if (ca && sb == Shape::Scalar) || (cb && sa == Shape::Scalar) => {
                elementwise(sa.max(sb))
            }
            (BinOp::Add, _, Shape::Vector(n)) | (BinOp::Add, Shape::Vector(n), _) if ca || cb => {
                let (z, bias) = if ca { (a.1, b.1) } else { (b.1, a.1) };
                let channels = self.graph.shape(z).channels().unwrap_or(0);
                if n == channels {
                    Ok((Op::ChannelBias(z, bias), self.graph.shape(z)))
                } else {
                    Err(format!(
                        "shape mismatch in `+`: {}; a bias added to channel data has one number per channel ({channels})",
                        both()
                    ))
                }
            }
            (BinOp::Dot, _, _) if sa == sb => Err(format!(
                "{}; `·` of channel data is not in the network language: write `*` for the elementwise product",
                both()
            )),
            // Channel data with channel data, or with a parameter of its shape (a weight per
            // position).
            (_, _, _) if sa == sb => elementwise(sa),
            (_, _, _) if ca && cb => Err(format!(
                "shape mismatch in `{symbol}`: {}; elementwise `{symbol}` needs channel data of the same shape, or a scalar on one side",
                both()
            )),
            (_, _, _) if ca || cb => Err(format!(
                "shape mismatch in `{symbol}`: {}; channel data combines with channel data of the same shape, a scalar, or (with `+`) one bias per channel",
                both()
            )),
            _ => return None,
        })
    }
}

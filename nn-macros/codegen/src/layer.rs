//! The layers of convolutional networks: `conv1d` and `conv2d` (with a stride and zero
//! padding), `max_pool` and `avg_pool`, and `flatten`. What this module says about them: their
//! names, their constant arguments, the lengths they give. Their shape rules and messages are
//! in `lower`, their derivatives in `diff::rules`, their values in `eval`, their code in
//! `emit::expr`; the kernels generated code calls are `nn::math::conv`'s.
//!
//! Channel data is a matrix `[[T; L]; C]` (`C` channels of length `L`) or a 3-D array
//! `[[[T; W]; H]; C]` (`C` channels of `H` × `W`); a 1-D kernel bank is `[[[T; K]; CI]; CO]`, a
//! 2-D one `[[[[T; K]; K]; CI]; CO]`.

/// The zero padding a convolution is given, as written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Padding {
    /// `padding = P`: `P` zeros on each end (each side in 2-D); 0, "valid", by default.
    Zeros(usize),
    /// `padding = same`: as many zeros as keep the length, `(K − 1) / 2`, for an odd kernel and
    /// stride 1.
    Same,
}

/// A layer call as written, with its constants read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Layer {
    /// `conv1d(K, x)` (`dims` 1) or `conv2d(K, x)` (`dims` 2), `stride = S`, `padding = P`.
    Conv {
        /// 1 or 2.
        dims: usize,
        /// The step between outputs; 1 by default.
        stride: usize,
        /// The zero padding.
        padding: Padding,
    },
    /// `max_pool(h, window)` or `avg_pool(h, window)`, `stride = S` (the window by default).
    Pool {
        /// Max pooling, or average pooling.
        max: bool,
        /// The window's length (its side in 2-D).
        window: usize,
        /// The step between windows; `None`: the window, so that windows tile the input.
        stride: Option<usize>,
    },
    /// `flatten(h)`: the channels laid end to end as one vector.
    Flatten,
}

/// The names of the layers, as a body calls them.
pub const NAMES: &[&str] = &["conv1d", "conv2d", "max_pool", "avg_pool", "flatten"];

impl Layer {
    /// The layer a body calls `name`, with its constants at their defaults.
    pub fn from_name(name: &str) -> Option<Layer> {
        Some(match name {
            "conv1d" | "conv2d" => Layer::Conv {
                dims: if name == "conv1d" { 1 } else { 2 },
                stride: 1,
                padding: Padding::Zeros(0),
            },
            "max_pool" | "avg_pool" => Layer::Pool {
                max: name == "max_pool",
                window: 0,
                stride: None,
            },
            "flatten" => Layer::Flatten,
            _ => return None,
        })
    }

    /// How many values it takes before its constants: the kernel bank and the input of a
    /// convolution, the input of the others.
    pub fn values(self) -> usize {
        match self {
            Layer::Conv { .. } => 2,
            Layer::Pool { .. } | Layer::Flatten => 1,
        }
    }

    /// How a call is written, for messages.
    pub fn usage(self) -> &'static str {
        match self {
            Layer::Conv { dims: 1, .. } => {
                "`conv1d(K, x)`, `conv1d(K, x, stride = 2, padding = 1)` or `conv1d(K, x, padding = same)`"
            }
            Layer::Conv { .. } => {
                "`conv2d(K, x)`, `conv2d(K, x, stride = 2, padding = 1)` or `conv2d(K, x, padding = same)`"
            }
            Layer::Pool { max: true, .. } => "`max_pool(h, 2)` or `max_pool(h, 3, stride = 2)`",
            Layer::Pool { .. } => "`avg_pool(h, 2)` or `avg_pool(h, 3, stride = 2)`",
            Layer::Flatten => "`flatten(h)`",
        }
    }
}

/// A convolution of the graph: its stride and its zero padding (the number of zeros on each
/// end), resolved. Whether it is 1-D or 2-D is told by its kernel bank's shape.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Conv {
    /// The step between outputs.
    pub stride: usize,
    /// Zeros on each end.
    pub padding: usize,
}

/// A pooling of the graph.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Pool {
    /// Max pooling, or average pooling.
    pub max: bool,
    /// The window's length (its side in 2-D).
    pub window: usize,
    /// The step between windows.
    pub stride: usize,
}

/// The output length of a convolution of an input of length `l` with a kernel of `k` taps:
/// `(l + 2p − k) / s + 1`, rounded down as every framework does (the last inputs that no
/// stride reaches are not read); `None` when the kernel is longer than the padded input.
pub fn conv_len(l: usize, k: usize, conv: Conv) -> Option<usize> {
    let padded = l + 2 * conv.padding;
    (k <= padded && conv.stride > 0).then(|| (padded - k) / conv.stride + 1)
}

/// The output length of a pooling of an input of length `l`: `(l − window) / stride + 1`;
/// `None` when the window is longer than the input, or the windows do not end at the input's
/// end (pooling that leaves inputs unread is refused: a window or stride that does not divide
/// is usually a mistake in a shape).
pub fn pool_len(l: usize, pool: Pool) -> Option<usize> {
    let fits = pool.window <= l && pool.stride > 0 && (l - pool.window) % pool.stride == 0;
    fits.then(|| (l - pool.window) / pool.stride + 1)
}

/// The geometry of a convolution or a pooling in the reference evaluator: 1-D as 2-D of one
/// row, so that one loop nest serves both.
#[derive(Clone, Copy, Debug)]
pub struct Geometry {
    /// Input channels.
    pub channels: usize,
    /// Input rows (1 in 1-D) and columns.
    pub input: (usize, usize),
    /// Window rows (1 in 1-D) and columns: the kernel's taps, or the pooling window.
    pub window: (usize, usize),
    /// Output rows (1 in 1-D) and columns.
    pub output: (usize, usize),
    /// The step between outputs, on both axes.
    pub stride: usize,
    /// Zeros before the first row (0 in 1-D) and column.
    pub padding: (usize, usize),
}

impl Geometry {
    /// The input position `(row, column)` that window position `(i, j)` of output `(a, b)`
    /// reads; `None` in the padding.
    fn at(&self, a: usize, b: usize, i: usize, j: usize) -> Option<usize> {
        let r = (a * self.stride + i).checked_sub(self.padding.0)?;
        let c = (b * self.stride + j).checked_sub(self.padding.1)?;
        (r < self.input.0 && c < self.input.1).then_some(r * self.input.1 + c)
    }

    /// Every (output index, window index, input index within a channel) of one channel.
    fn taps(&self) -> Vec<(usize, usize, usize)> {
        let (ho, wo) = self.output;
        let (kh, kw) = self.window;
        let mut taps = Vec::new();
        for a in 0..ho {
            for b in 0..wo {
                for i in 0..kh {
                    for j in 0..kw {
                        if let Some(x) = self.at(a, b, i, j) {
                            taps.push((a * wo + b, i * kw + j, x));
                        }
                    }
                }
            }
        }
        taps
    }

    fn input_len(&self) -> usize {
        self.input.0 * self.input.1
    }

    fn output_len(&self) -> usize {
        self.output.0 * self.output.1
    }

    fn window_len(&self) -> usize {
        self.window.0 * self.window.1
    }
}

/// The values of the layers in `f64`, for the reference evaluator: arrays are their elements
/// row-major (`x[c][i]` of `[[f64; L]; C]` is `x[c·L + i]`), the formulas those of
/// `nn::math::conv`.
pub mod reference {
    use super::Geometry;

    /// `z[o][t] = Σ_c Σ_k K[o][c][k]·x[c][t·S + k − P]` (and its 2-D form) for `outputs`
    /// output channels.
    pub fn conv(g: &Geometry, outputs: usize, kernel: &[f64], x: &[f64]) -> Vec<f64> {
        let (n, m, kk) = (g.input_len(), g.output_len(), g.window_len());
        let mut z = vec![0.0; outputs * m];
        let taps = g.taps();
        for o in 0..outputs {
            for c in 0..g.channels {
                let k = &kernel[(o * g.channels + c) * kk..][..kk];
                for &(t, w, i) in &taps {
                    z[o * m + t] += k[w] * x[c * n + i];
                }
            }
        }
        z
    }

    /// ∂L/∂K: `Σ_t dz[o][t]·x[c][t·S + k − P]`.
    pub fn conv_kernel_gradient(g: &Geometry, outputs: usize, x: &[f64], dz: &[f64]) -> Vec<f64> {
        let (n, m, kk) = (g.input_len(), g.output_len(), g.window_len());
        let mut dk = vec![0.0; outputs * g.channels * kk];
        let taps = g.taps();
        for o in 0..outputs {
            for c in 0..g.channels {
                for &(t, w, i) in &taps {
                    dk[(o * g.channels + c) * kk + w] += dz[o * m + t] * x[c * n + i];
                }
            }
        }
        dk
    }

    /// ∂L/∂x: `Σ_o Σ_{t,k: t·S + k − P = i} dz[o][t]·K[o][c][k]`.
    pub fn conv_input_gradient(
        g: &Geometry,
        outputs: usize,
        kernel: &[f64],
        dz: &[f64],
    ) -> Vec<f64> {
        let (n, m, kk) = (g.input_len(), g.output_len(), g.window_len());
        let mut dx = vec![0.0; g.channels * n];
        let taps = g.taps();
        for o in 0..outputs {
            for c in 0..g.channels {
                let k = &kernel[(o * g.channels + c) * kk..][..kk];
                for &(t, w, i) in &taps {
                    dx[c * n + i] += dz[o * m + t] * k[w];
                }
            }
        }
        dx
    }

    /// The input index (within its channel) of each window's maximum, per channel and output:
    /// the first of equal ones; a NaN is the maximum.
    fn arg_max(g: &Geometry, x: &[f64]) -> Vec<usize> {
        let (n, m) = (g.input_len(), g.output_len());
        let mut best: Vec<Option<(usize, f64)>> = vec![None; g.channels * m];
        for c in 0..g.channels {
            for &(t, _, i) in &g.taps() {
                let v = x[c * n + i];
                let slot = &mut best[c * m + t];
                match slot {
                    Some((_, b)) if b.is_nan() || !(v.is_nan() || v > *b) => {}
                    _ => *slot = Some((i, v)),
                }
            }
        }
        best.into_iter().map(|b| b.map_or(0, |(i, _)| i)).collect()
    }

    /// Max (`max`) or average pooling of every channel.
    pub fn pool(g: &Geometry, max: bool, x: &[f64]) -> Vec<f64> {
        let (n, m) = (g.input_len(), g.output_len());
        if max {
            let arg = arg_max(g, x);
            return (0..g.channels * m)
                .map(|k| x[(k / m) * n + arg[k]])
                .collect();
        }
        let mut y = vec![0.0; g.channels * m];
        let size = g.window_len() as f64;
        for c in 0..g.channels {
            for &(t, _, i) in &g.taps() {
                y[c * m + t] += x[c * n + i] / size;
            }
        }
        y
    }

    /// ∂L/∂x of a pooling: each window's gradient to its maximum, or spread evenly.
    pub fn pool_gradient(g: &Geometry, max: bool, x: &[f64], dy: &[f64]) -> Vec<f64> {
        let (n, m) = (g.input_len(), g.output_len());
        let mut dx = vec![0.0; g.channels * n];
        if max {
            let arg = arg_max(g, x);
            for (k, &i) in arg.iter().enumerate() {
                dx[(k / m) * n + i] += dy[k];
            }
            return dx;
        }
        let size = g.window_len() as f64;
        for c in 0..g.channels {
            for &(t, _, i) in &g.taps() {
                dx[c * n + i] += dy[c * m + t] / size;
            }
        }
        dx
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_are_those_of_the_frameworks() {
        // The MNIST-1D CNN: 40 → 19 → 10 → 5 (kernels 5, 3, 3; stride 2; padding 1).
        let conv = Conv {
            stride: 2,
            padding: 1,
        };
        assert_eq!(conv_len(40, 5, conv), Some(19));
        assert_eq!(conv_len(19, 3, conv), Some(10));
        assert_eq!(conv_len(10, 3, conv), Some(5));
        let valid = Conv {
            stride: 1,
            padding: 0,
        };
        assert_eq!(conv_len(8, 3, valid), Some(6));
        assert_eq!(conv_len(2, 3, valid), None);
        let pool = |window, stride| Pool {
            max: true,
            window,
            stride,
        };
        assert_eq!(pool_len(6, pool(2, 2)), Some(3));
        assert_eq!(pool_len(5, pool(2, 2)), None);
        assert_eq!(pool_len(5, pool(3, 1)), Some(3));
        assert_eq!(pool_len(2, pool(3, 3)), None);
    }
}

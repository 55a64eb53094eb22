//! The calls of the layers of convolutional networks in generated code: their kernels of
//! `nn::math::conv` with the const arguments that give every shape (`conv1d::<_, CI, L, CO,
//! K, LO, S, P>`), the forward's and the gradients' alike.

use proc_macro2::{Ident, Literal, TokenStream};
use quote::quote;

use super::expr::Render;
use super::plan::{ConvPart, TILED_FROM};
use crate::ast::Shape;
use crate::func::Kernel;
use crate::graph::{NodeId, Op};

impl Render<'_> {
    /// The const arguments of a layer's kernels (the forward's and its gradients' are the
    /// same), after the scalar type: `CI, L, CO, K, LO, S, P` of `conv1d`, `C, L, WIN, S, LO` of
    /// `max_pool1d`, `C, L, N` of `flatten`; and whether it is 2-D.
    pub fn layer_constants(&self, layer: NodeId) -> (Vec<Literal>, bool) {
        let g = &self.plan.c.graph;
        let lit = Literal::usize_unsuffixed;
        let two = |shape: Shape| shape.rank() == 3;
        match (g[layer].op, g.geometry(layer)) {
            (Op::Conv(conv, _, x), Some((geo, outputs))) => {
                let (s, p) = (conv.stride, conv.padding);
                let (ci, (h, w), k, (ho, wo)) = (geo.channels, geo.input, geo.window.1, geo.output);
                if two(g.shape(x)) {
                    let all = [ci, h, w, outputs, k, ho, wo, s, p];
                    (all.into_iter().map(lit).collect(), true)
                } else {
                    let all = [ci, w, outputs, k, wo, s, p];
                    (all.into_iter().map(lit).collect(), false)
                }
            }
            (Op::Pool(pool, x), Some((geo, _))) => {
                let (c, (h, w), (ho, wo)) = (geo.channels, geo.input, geo.output);
                if two(g.shape(x)) {
                    let all = [c, h, w, pool.window, pool.stride, ho, wo];
                    (all.into_iter().map(lit).collect(), true)
                } else {
                    let all = [c, w, pool.window, pool.stride, wo];
                    (all.into_iter().map(lit).collect(), false)
                }
            }
            (Op::Flatten(x), _) => {
                let dims = g.shape(x).dims();
                let n = g.shape(x).elements();
                let all: Vec<Literal> = dims.into_iter().chain([n]).map(lit).collect();
                let two = all.len() == 4;
                (all, two)
            }
            _ => (Vec::new(), false),
        }
    }

    /// `name::<_, constants…>`: a layer's kernel, 1-D or 2-D, with its const arguments.
    pub fn layer_kernel(&self, layer: NodeId, one: Kernel, two: Kernel) -> TokenStream {
        let (constants, is_two) = self.layer_constants(layer);
        let f = self.kernel(if is_two { two } else { one });
        quote!(#f::<_, #(#constants),*>)
    }

    /// `name::<_, constants…>` of one of a convolution's kernels: tap by tap, or (from
    /// [`TILED_FROM`] weights per output) tiled, with its `KK` (and in 2-D `NP`) after the
    /// others.
    pub fn conv_kernel(&self, layer: NodeId, part: ConvPart) -> TokenStream {
        let (mut constants, two) = self.layer_constants(layer);
        let tiles = self.plan.c.graph.geometry(layer).and_then(|(g, _)| {
            let kk = g.channels * g.window.0 * g.window.1;
            (kk >= TILED_FROM).then_some((kk, g.output.0 * g.output.1))
        });
        let k = match (part, two, tiles.is_some()) {
            (ConvPart::Forward, false, false) => Kernel::Conv1d,
            (ConvPart::Forward, true, false) => Kernel::Conv2d,
            (ConvPart::Forward, false, true) => Kernel::Conv1dTiled,
            (ConvPart::Forward, true, true) => Kernel::Conv2dTiled,
            (ConvPart::KernelGradient, false, false) => Kernel::Conv1dKernelGradient,
            (ConvPart::KernelGradient, true, false) => Kernel::Conv2dKernelGradient,
            (ConvPart::KernelGradient, false, true) => Kernel::Conv1dKernelGradientTiled,
            (ConvPart::KernelGradient, true, true) => Kernel::Conv2dKernelGradientTiled,
            (ConvPart::InputGradient, false, false) => Kernel::Conv1dInputGradient,
            (ConvPart::InputGradient, true, false) => Kernel::Conv2dInputGradient,
            (ConvPart::InputGradient, false, true) => Kernel::Conv1dInputGradientTiled,
            (ConvPart::InputGradient, true, true) => Kernel::Conv2dInputGradientTiled,
        };
        if let Some((kk, np)) = tiles {
            constants.push(Literal::usize_unsuffixed(kk));
            if two {
                constants.push(Literal::usize_unsuffixed(np));
            }
        }
        let f = self.kernel(k);
        quote!(#f::<_, #(#constants),*>)
    }

    /// `name::<_, constants…, KK, [NP,] B>` of one of a convolution's kernels for a whole batch
    /// of `b` samples, in (sample, position) rows.
    pub fn conv_rows_kernel(&self, layer: NodeId, part: ConvPart, b: &Ident) -> TokenStream {
        let (mut constants, two) = self.layer_constants(layer);
        let (kk, np) = self.plan.c.graph.geometry(layer).map_or((0, 0), |(g, _)| {
            (
                g.channels * g.window.0 * g.window.1,
                g.output.0 * g.output.1,
            )
        });
        constants.push(Literal::usize_unsuffixed(kk));
        if two {
            constants.push(Literal::usize_unsuffixed(np));
        }
        let k = match (part, two) {
            (ConvPart::Forward, false) => Kernel::Conv1dRows,
            (ConvPart::Forward, true) => Kernel::Conv2dRows,
            (ConvPart::KernelGradient, false) => Kernel::Conv1dKernelGradientRows,
            (ConvPart::KernelGradient, true) => Kernel::Conv2dKernelGradientRows,
            (ConvPart::InputGradient, false) => Kernel::Conv1dInputGradientRows,
            (ConvPart::InputGradient, true) => Kernel::Conv2dInputGradientRows,
        };
        let f = self.kernel(k);
        quote!(#f::<_, #(#constants,)* #b>)
    }

    /// The forward call of a convolution, a pooling or a flatten.
    pub(super) fn layer(&self, id: NodeId) -> TokenStream {
        let g = &self.plan.c.graph;
        match g[id].op {
            Op::Conv(_, k, x) => {
                let f = self.conv_kernel(id, ConvPart::Forward);
                let (k, x) = (self.node_arg(k), self.node_arg(x));
                quote!(#f(#k, #x))
            }
            Op::Pool(pool, x) => {
                let f = if pool.max {
                    self.layer_kernel(id, Kernel::MaxPool1d, Kernel::MaxPool2d)
                } else {
                    self.layer_kernel(id, Kernel::AvgPool1d, Kernel::AvgPool2d)
                };
                let x = self.node_arg(x);
                quote!(#f(#x))
            }
            Op::Flatten(x) => {
                let f = self.layer_kernel(id, Kernel::Flatten, Kernel::Flatten2d);
                let x = self.node_arg(x);
                quote!(#f(#x))
            }
            _ => quote!(),
        }
    }
}

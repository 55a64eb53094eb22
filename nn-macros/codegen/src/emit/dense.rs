//! A dense layer's product in per-sample code: `matvec(&W1, &x, |i, wx_i| relu(wx_i + b1[i]))`,
//! the rest of each element's expression applied to row `i`'s sum `wx_i` = (W1·x)ᵢ.
//!
//! `nn::math::matvec` sums several rows of `W` together, sharing each load of `x`: on a
//! microcontroller that is most of a layer's work (see its docs). The element expression is
//! the one `from_fn(|i| …)` would hold, with the product replaced by its row sum.

use std::cell::Cell;

use proc_macro2::{TokenStream, TokenTree};
use quote::quote;

use super::expr::{Render, Var};
use super::plan::{ident, ROW_SUM};
use crate::ast::Shape;
use crate::func::Kernel;
use crate::graph::{NodeId, Op};

impl Render<'_> {
    /// The `W·x` that vector `id`'s elements are built around: the first one fused into its
    /// element expression, found by the rules that render it; its node, `W` and `x`.
    pub fn fused_matvec(&self, id: NodeId, top: bool) -> Option<(NodeId, NodeId, NodeId)> {
        let node = &self.plan.c.graph[id];
        if node.shape == Shape::Scalar || node.op.is_leaf() || (!top && self.is_named(id)) {
            return None;
        }
        if let Op::MatVec(w, x) = node.op {
            return Some((id, w, x));
        }
        let found = Cell::new(None);
        self.elementwise(&node.op, |c| {
            if found.get().is_none() {
                found.set(self.fused_matvec(c, false));
            }
            (TokenStream::new(), 4)
        });
        found.get()
    }

    /// `matvec(&W, x, |i, wx_i| element)`: vector `id` computed around its product
    /// `(mv, w, x)` (from [`fused_matvec`](Self::fused_matvec)).
    pub fn matvec(&self, id: NodeId, (mv, w, x): (NodeId, NodeId, NodeId)) -> TokenStream {
        let f = self.kernel(Kernel::MatVec);
        let w = self.arg(Var::Value(w));
        let x = self.node_arg(x);
        let (element, _) = self.element_summed(id, true, Some(mv));
        let i = if mentions(&element, "i") {
            quote!(i)
        } else {
            quote!(_)
        };
        let sum = ident(ROW_SUM);
        quote!(#f(#w, #x, |#i, #sum| #element))
    }
}

/// Whether `tokens` use the identifier `name` (in any group).
fn mentions(tokens: &TokenStream, name: &str) -> bool {
    tokens.clone().into_iter().any(|t| match t {
        TokenTree::Ident(i) => i == name,
        TokenTree::Group(g) => mentions(&g.stream(), name),
        _ => false,
    })
}

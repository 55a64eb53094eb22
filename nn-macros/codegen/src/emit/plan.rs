//! What every part of emission reads about one network, decided once.

use std::cell::RefCell;
use std::collections::BTreeSet;

use proc_macro2::{Ident, Span, TokenStream};
use quote::{quote, ToTokens};

use crate::ast::{Scalar, Shape};
use crate::compiled::Compiled;
use crate::func::{Builtin, Func, Kernel};
use crate::graph::{NodeId, Op, PerNode};

/// Parameter tensors of this many elements or more live in the runtime's `storage::Large`: on
/// the heap under `std`, so that networks of any size train on a default stack. The runtime's
/// `storage::LARGE` is the same number (the root test `test_large_networks.rs` checks the
/// fields on both sides of it).
pub const LARGE: usize = 4096;

/// The weights per output (`CI`·`K`, `CI`·`K`·`K`) from which a convolution runs as a product of
/// register tiles (`nn::math::conv::conv1d_tiled`, …) rather than tap by tap: where that
/// measured faster. The runtime's `conv::TILED_FROM` is the same number.
pub const TILED_FROM: usize = 16;

/// One of a convolution's three kernels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConvPart {
    /// The convolution.
    Forward,
    /// ∂L/∂K, added to the kernel bank's gradient.
    KernelGradient,
    /// ∂L/∂x.
    InputGradient,
}

/// What every part of emission reads about one network.
pub struct Plan<'a> {
    /// The compiled network.
    pub c: &'a Compiled,
    /// `f32`, `f64` or `T`.
    pub scalar: TokenStream,
    /// Whether the scalar is a type parameter.
    pub generic: bool,
    /// Nodes the output depends on.
    pub live: PerNode<bool>,
    /// Nodes the training forward computes: the live ones and those the backward reads.
    pub needed: PerNode<bool>,
    /// Nodes computed into a variable of their own (in the per-sample functions).
    pub named: PerNode<bool>,
    /// Nodes whose forward value the backward reads.
    pub read: PerNode<bool>,
    /// The tape: inputs and intermediates the backward reads, in arena order.
    pub tape: Vec<NodeId>,
    /// The steps training needs (indices into the backward program).
    pub training: Vec<usize>,
    /// Nodes whose value differs between samples.
    pub per_sample: PerNode<bool>,
    /// Products `W·x` that the batch functions compute for the whole batch.
    pub products: PerNode<bool>,
}

/// `softmax(z)` and `log_softmax(z)`, both computed: see [`Plan::softmax_partner`].
pub struct SoftmaxPair {
    /// The node `softmax(z)`.
    pub softmax: NodeId,
    /// The node `log_softmax(z)`.
    pub log_softmax: NodeId,
    /// Their argument.
    pub z: NodeId,
    /// The one of the two that comes later in the arena (computed with the earlier one).
    pub later: NodeId,
}

impl<'a> Plan<'a> {
    /// Plans the emission of a compiled network.
    pub fn new(c: &'a Compiled) -> Plan<'a> {
        let g = &c.graph;
        let live = g.reachable();
        let needed = c.backward.needed(g);
        let mut named = g.per_node(false);
        for id in g.ids() {
            let op = &g[id].op;
            named[id] = needed[id]
                && !op.is_leaf()
                && op.constant().is_none()
                && c.names.value(id).is_some();
        }
        let read = c.backward.values_read(g);
        let tape = g
            .ids()
            .filter(|&id| read[id] && !matches!(g[id].op, Op::Param(_) | Op::Const(_)))
            .collect();
        Plan {
            c,
            scalar: c.scalar.ident().to_token_stream(),
            generic: matches!(c.scalar, Scalar::Generic(_)),
            live,
            needed,
            named,
            read,
            tape,
            training: c.backward.training_steps(g),
            per_sample: g.per_sample(),
            products: g.batch_products(),
        }
    }

    /// The node's shape.
    pub fn shape(&self, id: NodeId) -> Shape {
        self.c.graph.shape(id)
    }

    /// For `softmax(z)` or `log_softmax(z)` computed into a variable of its own (`own`), the
    /// later node that computes the other of the two from the same `z`, if it is computed too:
    /// the pair is then computed from one pass of exponentials (`softmax_and_log_softmax`). A
    /// cross-entropy in the body makes such a pair: its loss reads log_softmax(z), its
    /// gradient softmax(z).
    pub fn softmax_partner(&self, id: NodeId, own: impl Fn(NodeId) -> bool) -> Option<SoftmaxPair> {
        let g = &self.c.graph;
        let Op::Call(Func::Builtin(f @ (Builtin::Softmax | Builtin::LogSoftmax), _), z) = g[id].op
        else {
            return None;
        };
        if !own(id) {
            return None;
        }
        let other = if f == Builtin::Softmax {
            Builtin::LogSoftmax
        } else {
            Builtin::Softmax
        };
        let later = g.ids().skip(id.index() + 1).find(|&later| {
            own(later)
                && matches!(g[later].op, Op::Call(Func::Builtin(h, _), y) if h == other && y == z)
        })?;
        let (softmax, log_softmax) = if f == Builtin::Softmax {
            (id, later)
        } else {
            (later, id)
        };
        Some(SoftmaxPair {
            softmax,
            log_softmax,
            z,
            later,
        })
    }

    /// The node's variable.
    pub fn name(&self, id: NodeId) -> Ident {
        ident(self.c.names.of(id))
    }

    /// Whether the network's scalar is `f32`.
    pub fn is_f32(&self) -> bool {
        self.scalar.to_string() == "f32"
    }

    /// The Rust type of a value of `shape`.
    pub fn ty(&self, shape: Shape) -> TokenStream {
        repeat(self.scalar.clone(), shape)
    }

    /// Whether parameter `id` is a tensor of at least [`LARGE`] elements, kept in the runtime's
    /// `storage::Large` (on the heap under `std`) rather than in place.
    pub fn is_large(&self, id: NodeId) -> bool {
        let shape = self.shape(id);
        // Kernel banks stay in place: a bank of 4,096 weights is a large convolution.
        matches!(shape, Shape::Vector(_) | Shape::Matrix(..)) && shape.elements() >= LARGE
    }

    /// The type of parameter `id`'s field in `Params`: its array, or `Large<array>`.
    pub fn param_ty(&self, id: NodeId) -> TokenStream {
        let ty = self.ty(self.shape(id));
        if self.is_large(id) {
            let krate = &self.c.network.krate;
            quote!(#krate::storage::Large<#ty>)
        } else {
            ty
        }
    }

    /// The names of the custom activations, by index.
    pub fn customs(&self) -> Vec<String> {
        self.c
            .network
            .customs
            .iter()
            .map(|k| k.name.to_string())
            .collect()
    }

    /// The lecture's text of this network.
    pub fn text<'t>(&'t self, customs: &'t [String]) -> crate::text::Text<'t> {
        crate::text::Text {
            graph: &self.c.graph,
            names: &self.c.names,
            customs,
        }
    }
}

/// The generics of the generated items.
pub struct Generics {
    /// `<T: Float>` for a function or impl.
    pub impl_generics: TokenStream,
    /// `<T>` for the generated types, when the network is generic.
    pub args: TokenStream,
    /// The user's `where` clause.
    pub where_clause: TokenStream,
}

impl Generics {
    /// The generics of `plan`'s network.
    pub fn of(plan: &Plan) -> Generics {
        let generics = &plan.c.network.item.sig.generics;
        let (impl_generics, ty_generics, where_clause) = generics.split_for_impl();
        Generics {
            impl_generics: quote!(#impl_generics),
            args: if plan.generic {
                quote!(#ty_generics)
            } else {
                quote!()
            },
            where_clause: quote!(#where_clause),
        }
    }

    /// `Params` or `Params<T>` (a type without fields takes no parameter).
    pub fn ty(&self, name: &str, has_fields: bool) -> TokenStream {
        let name = ident(name);
        if has_fields {
            let args = &self.args;
            quote!(#name #args)
        } else {
            quote!(#name)
        }
    }
}

/// The type of one sample's inputs: `()`, the input's own type, or `Inputs`.
pub fn input_type(plan: &Plan, generics: &Generics) -> TokenStream {
    let inputs = &plan.c.graph.inputs;
    match inputs.as_slice() {
        [] => quote!(()),
        [one] => plan.ty(plan.shape(*one)),
        _ => generics.ty("Inputs", true),
    }
}

/// What a part of the generated code uses: functions of `nn::math`, and `from_fn`.
#[derive(Clone, Debug, Default)]
pub struct Uses {
    /// Functions of `nn::math`, by name.
    pub math: BTreeSet<&'static str>,
    /// Whether `core::array::from_fn` is called.
    pub from_fn: bool,
}

impl Uses {
    /// Adds another part's uses.
    pub fn extend(&mut self, other: &Uses) {
        self.math.extend(other.math.iter().copied());
        self.from_fn |= other.from_fn;
    }
}

/// A recorder of uses, shared by the renderers of one part.
pub type Recorder = RefCell<Uses>;

/// Records a kernel's use and names it.
pub fn kernel(uses: &Recorder, k: Kernel) -> Ident {
    uses.borrow_mut().math.insert(k.name());
    ident(k.name())
}

/// `element` in an array of `shape`: `[element; 4]`, `[[element; 3]; 4]` (a type or a value,
/// the tokens are the same).
pub fn repeat(element: TokenStream, shape: Shape) -> TokenStream {
    use proc_macro2::Literal;
    match shape {
        Shape::Scalar => element,
        Shape::Vector(n) => {
            let n = Literal::usize_unsuffixed(n);
            quote::quote!([#element; #n])
        }
        shape => shape.dims().into_iter().rev().fold(element, |inner, n| {
            let n = Literal::usize_unsuffixed(n);
            quote!([#inner; #n])
        }),
    }
}

/// The name `matvec`'s closure gives row `i`'s sum, (W·x)ᵢ, in per-sample code (reserved:
/// see `reserved::LOCALS`).
pub const ROW_SUM: &str = "wx_i";

/// An identifier of generated code.
pub fn ident(name: &str) -> Ident {
    Ident::new(name, Span::call_site())
}

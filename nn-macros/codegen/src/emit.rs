//! Stage 4: tokens of the generated items, and their pretty-printed source with one comment
//! per chain-rule step.

mod batch;

use crate::ast::{Func, Role, Scalar, Shape};
use crate::diff::{BExpr, Deriv, Step, Target, Whole};
use crate::ir::{NodeId, Op};
use crate::{text, Compiled};
use proc_macro2::{Ident, Literal, Span, TokenStream};
use quote::{format_ident, quote, ToTokens};
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};

/// Generated tokens and the readable source of the same items.
pub struct Output {
    /// What the macro expands to.
    pub tokens: TokenStream,
    /// The generated items pretty-printed, with chain-rule comments (`SOURCE`).
    pub source: String,
}

struct Emitter<'a> {
    c: &'a Compiled,
    /// `f32`, `f64` or `T`.
    scalar: TokenStream,
    generic: bool,
    customs: Vec<String>,
    /// Nodes that get a `let` in the forward pass.
    named: Vec<bool>,
    /// Functions of `nn::math` the code calls.
    math: RefCell<BTreeSet<&'static str>>,
    /// Whether the code calls `core::array::from_fn`.
    from_fn: RefCell<bool>,
    /// Names for nodes the graph left unnamed (the batched functions name the products they
    /// compute for the whole batch).
    renamed: BTreeMap<NodeId, String>,
    /// Whole-vector backward shares computed beforehand for the whole batch, by the name of
    /// the variable that holds them.
    hoisted: Vec<(Whole, Ident)>,
}

/// The statements of a backward function.
struct BackwardBody {
    stmts: Vec<TokenStream>,
    tail: TokenStream,
    /// Forward values (parameters, tape) the statements read.
    read: Vec<bool>,
}

/// The steps the training backward needs: those that add to a parameter's gradient, and those
/// whose adjoint such a step reads (directly or through others).
fn needed_for_params(c: &Compiled) -> Vec<usize> {
    let steps = &c.backward.steps;
    let mut needed_node = vec![false; c.graph.nodes.len()];
    let mut keep = vec![false; steps.len()];
    for (k, step) in steps.iter().enumerate().rev() {
        keep[k] = match step.target {
            Target::Param(_) => true,
            Target::Node(id) => needed_node[id],
            Target::Input(_) => false,
        };
        if keep[k] {
            let mut mark = |e: &BExpr| {
                if let BExpr::Adj(id) = e {
                    needed_node[*id] = true;
                }
            };
            crate::diff::visit(&step.value, &mut mark);
            for w in &step.whole {
                crate::diff::visit(w.dy(), &mut mark);
            }
        }
    }
    (0..steps.len()).filter(|&k| keep[k]).collect()
}

/// Emits everything for a compiled network.
pub fn emit(c: &Compiled) -> Output {
    let live = c.graph.reachable();
    let named = (0..c.graph.nodes.len())
        .map(|id| {
            let node = &c.graph.nodes[id];
            live[id]
                && !node.op.is_leaf()
                && !matches!(node.op, Op::Const(_))
                && node.name.is_some()
        })
        .collect();
    let e = Emitter {
        c,
        scalar: c.network.scalar.ident().to_token_stream(),
        generic: matches!(c.network.scalar, Scalar::Generic(_)),
        customs: c
            .network
            .customs
            .iter()
            .map(|k| k.name.to_string())
            .collect(),
        named,
        math: RefCell::new(BTreeSet::new()),
        from_fn: RefCell::new(false),
        renamed: BTreeMap::new(),
        hoisted: Vec::new(),
    };
    e.output()
}

/// `element` in an array of `shape`: `[element; 4]`, `[[element; 3]; 4]` (a type or a value,
/// the tokens are the same).
fn repeat(element: TokenStream, shape: Shape) -> TokenStream {
    match shape {
        Shape::Scalar => element,
        Shape::Vector(n) => {
            let n = Literal::usize_unsuffixed(n);
            quote!([#element; #n])
        }
        Shape::Matrix(rows, cols) => {
            let (rows, cols) = (
                Literal::usize_unsuffixed(rows),
                Literal::usize_unsuffixed(cols),
            );
            quote!([[#element; #cols]; #rows])
        }
    }
}

fn ident(name: &str) -> Ident {
    Ident::new(name, Span::call_site())
}

impl Emitter<'_> {
    fn name(&self, id: NodeId) -> Ident {
        match self.renamed.get(&id) {
            Some(name) => ident(name),
            None => ident(self.c.graph.name(id).unwrap_or("unnamed")),
        }
    }

    fn adj_name(&self, id: NodeId) -> Ident {
        format_ident!("dl_d{}", self.c.graph.name(id).unwrap_or("unnamed"))
    }

    fn use_math(&self, name: &'static str) -> Ident {
        self.math.borrow_mut().insert(name);
        ident(name)
    }

    fn shape(&self, id: NodeId) -> Shape {
        self.c.graph.shape(id)
    }

    /// The Rust type of a value of `shape`.
    fn ty(&self, shape: Shape) -> TokenStream {
        repeat(self.scalar.clone(), shape)
    }

    /// Zero of `shape`: `0.0`, `[0.0; 4]`, `[[0.0; 3]; 4]`.
    fn zero(&self, shape: Shape) -> TokenStream {
        repeat(self.constant(0.0).0, shape)
    }

    /// `from_fn(|i| element)`: a vector built by one loop over its elements.
    fn array_from_fn(&self, element: TokenStream) -> TokenStream {
        *self.from_fn.borrow_mut() = true;
        quote!(from_fn(|i| #element))
    }

    /// The shape of a backward expression's leaves.
    fn bshape(&self, e: &BExpr) -> Shape {
        match e {
            BExpr::Seed => self.shape(self.c.graph.output),
            BExpr::Adj(id) | BExpr::Val(id) => self.shape(*id),
            _ => Shape::Scalar,
        }
    }

    /// A constant in the scalar type, with its precedence.
    fn constant(&self, v: f64) -> (TokenStream, u8) {
        if self.generic {
            let t = &self.scalar;
            if v == 0.0 {
                return (quote!(#t::zero()), 4);
            }
            if v.abs() == 1.0 {
                let one = quote!(#t::one());
                return if v < 0.0 {
                    (quote!(-#one), 3)
                } else {
                    (one, 4)
                };
            }
            let lit = self.use_math("lit");
            let value = float_literal(v, false);
            return (quote!(#lit::<#t>(#value)), 4);
        }
        let is_f32 = self.scalar.to_string() == "f32";
        let lit = float_literal(v.abs(), is_f32);
        if v < 0.0 {
            (quote!(-#lit), 3)
        } else {
            (lit, 4)
        }
    }

    fn paren(tokens: TokenStream, prec: u8, min: u8) -> TokenStream {
        if prec < min {
            quote!((#tokens))
        } else {
            tokens
        }
    }

    fn binary(
        &self,
        a: (TokenStream, u8),
        op: TokenStream,
        b: (TokenStream, u8),
        prec: u8,
    ) -> (TokenStream, u8) {
        let a = Self::paren(a.0, a.1, prec);
        let b = Self::paren(b.0, b.1, prec + 1);
        (quote!(#a #op #b), prec)
    }

    /// The forward expression of node `id` (a whole vector for a vector node); named nodes
    /// below the top are referenced by name.
    fn forward_expr(&self, id: NodeId, top: bool) -> (TokenStream, u8) {
        let node = &self.c.graph.nodes[id];
        if node.op.is_leaf() || (!top && self.named[id]) {
            let name = self.name(id);
            return (quote!(#name), 4);
        }
        if let Shape::Vector(_) = node.shape {
            let tokens = match node.op {
                Op::Call(Func::Softmax, z) => {
                    let f = self.use_math("softmax");
                    let z = self.array_arg(z, false);
                    quote!(#f(#z))
                }
                Op::Call(Func::LogSoftmax, z) => {
                    let f = self.use_math("log_softmax");
                    let z = self.array_arg(z, false);
                    quote!(#f(#z))
                }
                _ => {
                    let (element, _) = self.element_expr(id, true);
                    self.array_from_fn(element)
                }
            };
            return (tokens, 4);
        }
        if let Some(tokens) = self.elementwise(&node.op, |c| self.forward_expr(c, false)) {
            return tokens;
        }
        match node.op {
            Op::Input(_) | Op::Param(_) => unreachable_leaf(),
            Op::Const(v) => self.constant(v),
            Op::Dot(a, b) => {
                let f = self.use_math("dot");
                let (a, b) = (self.array_arg(a, false), self.array_arg(b, false));
                (quote!(#f(#a, #b)), 4)
            }
            Op::Call(Func::Sum, v) => {
                let f = self.use_math("sum");
                let v = self.array_arg(v, false);
                (quote!(#f(#v)), 4)
            }
            Op::Call(Func::Mean, v) => {
                let f = self.use_math("mean");
                let v = self.array_arg(v, false);
                (quote!(#f(#v)), 4)
            }
            _ => unreachable_leaf(),
        }
    }

    /// An operation applied to numbers one at a time (`a + b`, `-a`, `relu(z)`), its operands
    /// rendered by `sub`: the same tokens for a scalar and for element `i` of a vector.
    fn elementwise(
        &self,
        op: &Op,
        sub: impl Fn(NodeId) -> (TokenStream, u8),
    ) -> Option<(TokenStream, u8)> {
        Some(match *op {
            Op::Add(a, b) => self.binary(sub(a), quote!(+), sub(b), 1),
            Op::Sub(a, b) => self.binary(sub(a), quote!(-), sub(b), 1),
            Op::Mul(a, b) => self.binary(sub(a), quote!(*), sub(b), 2),
            Op::Div(a, b) => self.binary(sub(a), quote!(/), sub(b), 2),
            Op::Neg(a) => {
                let (t, p) = sub(a);
                let t = Self::paren(t, p, 4);
                (quote!(-#t), 3)
            }
            Op::Call(f, a) if !f.is_vector_function() => (self.call(f, sub(a).0), 4),
            _ => return None,
        })
    }

    /// Element `i` of vector node `id` (its value for a scalar, which broadcasts): unnamed
    /// elementwise operations are fused into the loop of the vector that uses them.
    fn element_expr(&self, id: NodeId, top: bool) -> (TokenStream, u8) {
        let node = &self.c.graph.nodes[id];
        if node.shape == Shape::Scalar {
            return self.forward_expr(id, false);
        }
        if node.op.is_leaf() || (!top && self.named[id]) {
            let name = self.name(id);
            return (quote!(#name[i]), 4);
        }
        if let Some(tokens) = self.elementwise(&node.op, |c| self.element_expr(c, false)) {
            return tokens;
        }
        match node.op {
            Op::MatVec(w, x) => {
                // Row i of W times x.
                let f = self.use_math("dot");
                let (w, _) = self.forward_expr(w, false);
                let x = self.array_arg(x, false);
                (quote!(#f(&#w[i], #x)), 4)
            }
            // Whole-vector values are always named (see `compile`).
            _ => {
                let name = self.name(id);
                (quote!(#name[i]), 4)
            }
        }
    }

    fn call(&self, f: Func, z: TokenStream) -> TokenStream {
        let simple = |name: &'static str| {
            let f = self.use_math(name);
            quote!(#f(#z))
        };
        match f {
            Func::Step(t) => {
                let f = self.use_math("step");
                let (t, _) = self.constant(t);
                quote!(#f(#z, #t))
            }
            Func::LeakyRelu(alpha) => {
                let f = self.use_math("leaky_relu");
                let (alpha, _) = self.constant(alpha);
                quote!(#f(#z, #alpha))
            }
            Func::Powi(n) => {
                let f = self.use_math("powi");
                let n = Literal::i32_unsuffixed(n);
                quote!(#f(#z, #n))
            }
            Func::Sigmoid => simple("sigmoid"),
            Func::Tanh => simple("tanh"),
            Func::Relu => simple("relu"),
            Func::Exp => simple("exp"),
            Func::Ln => simple("ln"),
            Func::Sqrt => simple("sqrt"),
            Func::Abs => simple("abs"),
            Func::Softplus => simple("softplus"),
            Func::Custom(i) => {
                let path = super_path(&self.c.network.customs[i].function);
                quote!(#path(#z))
            }
            // Whole-vector functions are emitted by `forward_expr`.
            Func::Sum | Func::Mean | Func::Softmax | Func::LogSoftmax => z,
        }
    }

    fn backward_expr(&self, e: &BExpr) -> (TokenStream, u8) {
        self.backward_tokens(e, false)
    }

    /// Element `i` of a backward expression over vectors (scalars broadcast).
    fn backward_element(&self, e: &BExpr) -> (TokenStream, u8) {
        self.backward_tokens(e, true)
    }

    /// A leaf of a backward expression: a name, indexed when `element` and a vector.
    fn leaf(&self, name: Ident, shape: Shape, element: bool) -> (TokenStream, u8) {
        if element && shape != Shape::Scalar {
            (quote!(#name[i]), 4)
        } else {
            (quote!(#name), 4)
        }
    }

    fn backward_tokens(&self, e: &BExpr, element: bool) -> (TokenStream, u8) {
        let sub = |x: &BExpr| self.backward_tokens(x, element);
        match e {
            BExpr::Seed => {
                let n = self.adj_name(self.c.graph.output);
                self.leaf(n, self.bshape(e), element)
            }
            BExpr::Adj(id) => {
                let n = self.adj_name(*id);
                self.leaf(n, self.bshape(e), element)
            }
            BExpr::Val(id) => {
                let n = self.name(*id);
                self.leaf(n, self.bshape(e), element)
            }
            BExpr::Note(..) => (quote!(), 4),
            BExpr::Sum(inner, _) => (self.sum_tokens(inner), 4),
            BExpr::Const(v) => self.constant(*v),
            BExpr::Add(a, b) => self.binary(sub(a), quote!(+), sub(b), 1),
            BExpr::Sub(a, b) => self.binary(sub(a), quote!(-), sub(b), 1),
            BExpr::Mul(a, b) => self.binary(sub(a), quote!(*), sub(b), 2),
            BExpr::Div(a, b) => self.binary(sub(a), quote!(/), sub(b), 2),
            BExpr::Neg(a) => {
                let (t, p) = sub(a);
                let t = Self::paren(t, p, 4);
                (quote!(-#t), 3)
            }
            BExpr::Call(d, args) => {
                let z = sub(&args[0]).0;
                let tokens = match d {
                    Deriv::ReluDerivative => {
                        let f = self.use_math("relu_derivative");
                        quote!(#f(#z))
                    }
                    Deriv::LeakyReluDerivative => {
                        let f = self.use_math("leaky_relu_derivative");
                        let alpha = sub(&args[1]).0;
                        quote!(#f(#z, #alpha))
                    }
                    Deriv::StepDerivative => {
                        let f = self.use_math("step_derivative");
                        quote!(#f(#z))
                    }
                    Deriv::Sign => {
                        let f = self.use_math("sign");
                        quote!(#f(#z))
                    }
                    Deriv::Sigmoid => {
                        let f = self.use_math("sigmoid");
                        quote!(#f(#z))
                    }
                    Deriv::Powi(n) => {
                        let f = self.use_math("powi");
                        let n = Literal::i32_unsuffixed(*n);
                        quote!(#f(#z, #n))
                    }
                    Deriv::Custom(k) => {
                        let path = super_path(&self.c.network.customs[*k].derivative);
                        let fz = sub(&args[1]).0;
                        quote!(#path(#z, #fz))
                    }
                };
                (tokens, 4)
            }
        }
    }

    /// `place += value;` (`place = place + value;` for a generic float, which has no `+=`).
    fn accumulate(&self, place: TokenStream, value: TokenStream) -> TokenStream {
        if self.generic {
            quote!(#place = #place + #value;)
        } else {
            quote!(#place += #value;)
        }
    }

    /// Σᵢ of an elementwise expression: `sum(&v)`, `dot(&a, &b)`, or a fold.
    fn sum_tokens(&self, inner: &BExpr) -> TokenStream {
        let is_vector_leaf = |e: &BExpr| {
            matches!(e, BExpr::Seed | BExpr::Adj(_) | BExpr::Val(_))
                && self.bshape(e) != Shape::Scalar
        };
        if is_vector_leaf(inner) {
            let f = self.use_math("sum");
            let v = self.backward_arg(inner);
            return quote!(#f(#v));
        }
        if let BExpr::Mul(a, b) = inner {
            if is_vector_leaf(a) && is_vector_leaf(b) {
                let f = self.use_math("dot");
                let (a, b) = (self.backward_arg(a), self.backward_arg(b));
                return quote!(#f(#a, #b));
            }
        }
        let n = Literal::usize_unsuffixed(self.vector_len(inner));
        let (zero, _) = self.constant(0.0);
        let (element, _) = self.backward_element(inner);
        quote!((0..#n).fold(#zero, |acc, i| acc + #element))
    }

    /// The length of the vectors in an elementwise backward expression (0 when it has none).
    fn vector_len(&self, e: &BExpr) -> usize {
        let mut n = 0;
        crate::diff::visit(e, &mut |x| {
            if let Shape::Vector(len) = self.bshape(x) {
                n = len;
            }
        });
        n
    }

    /// A whole-vector share of an adjoint, as a call of the runtime.
    fn whole_tokens(&self, w: &Whole) -> TokenStream {
        if let Some((_, name)) = self.hoisted.iter().find(|(h, _)| h == w) {
            // This sample's row of the product computed for the whole batch.
            return quote!(*#name);
        }
        let dy = self.backward_arg(w.dy());
        let value = self.array_arg(w.value_read(), true);
        match w {
            Whole::TransposeMul { .. } => {
                let f = self.use_math("transpose_mul");
                quote!(#f(#value, #dy))
            }
            Whole::SoftmaxBackward { .. } => {
                let f = self.use_math("softmax_backward");
                quote!(#f(#value, #dy))
            }
            Whole::LogSoftmaxBackward { .. } => {
                let f = self.use_math("log_softmax_backward");
                quote!(#f(#value, #dy))
            }
            // Matrices receive outer products through `outer_add` (see `matrix_adjoint`).
            Whole::Outer { .. } => quote!(),
        }
    }

    /// A vector adjoint: the statements that build it in a variable `name`, or, when it is
    /// one expression, that expression.
    fn vector_adjoint(
        &self,
        step: &Step,
        name: &Ident,
        n: usize,
    ) -> (Vec<TokenStream>, Option<TokenStream>) {
        let has_each = step.whole.is_empty() || step.value != BExpr::Const(0.0);
        let element = has_each.then(|| self.backward_element(&step.value).0);
        let wholes: Vec<TokenStream> = step.whole.iter().map(|w| self.whole_tokens(w)).collect();
        let broadcast = self.vector_len(&step.value) == 0;
        match (element, wholes.as_slice()) {
            (Some(element), []) if broadcast => {
                // The same value in every element: `[dl_ds; n]`.
                let len = Literal::usize_unsuffixed(n);
                (Vec::new(), Some(quote!([#element; #len])))
            }
            (Some(element), []) => (Vec::new(), Some(self.array_from_fn(element))),
            (None, [one]) => (Vec::new(), Some(one.clone())),
            (element, [first, rest @ ..]) => {
                let mut stmts = vec![quote!(let mut #name = #first;)];
                for w in rest {
                    let f = self.use_math("add_assign");
                    stmts.push(quote!(#f(&mut #name, &#w);));
                }
                if let Some(element) = element {
                    let len = Literal::usize_unsuffixed(n);
                    let add = self.accumulate(quote!(#name[i]), element);
                    stmts.push(quote!(for i in 0..#len { #add }));
                }
                (stmts, None)
            }
            (None, []) => (Vec::new(), Some(self.zero(Shape::Vector(n)))),
        }
    }

    /// The outer products a matrix receives, added to `target` (`grads.W1` or `dl_dX`).
    fn matrix_adjoint(&self, step: &Step, target: &TokenStream) -> Vec<TokenStream> {
        step.whole
            .iter()
            .filter_map(|w| match w {
                Whole::Outer { dy, x } => {
                    let f = self.use_math("outer_add");
                    let dy = self.backward_arg(dy);
                    let x = self.array_arg(*x, true);
                    Some(quote!(#f(&mut #target, #dy, #x);))
                }
                _ => None,
            })
            .collect()
    }

    /// `let &Params { ref W1, ref b1, w2, b2 } = params;`: the fields in `ids`, arrays by
    /// reference (copying a layer's weights on every call would cost as much as using them),
    /// scalars by value.
    fn bind(&self, ty: &str, ids: &[NodeId], total: usize) -> TokenStream {
        if ids.is_empty() {
            return quote!();
        }
        let ty = ident(ty);
        let var = ident(&ty.to_string().to_lowercase());
        let fields = ids.iter().map(|&id| {
            let n = self.name(id);
            if self.shape(id) == Shape::Scalar {
                quote!(#n)
            } else {
                quote!(ref #n)
            }
        });
        let rest = if ids.len() < total {
            quote!(, ..)
        } else {
            quote!()
        };
        if ids.iter().all(|&id| self.shape(id) == Shape::Scalar) {
            // Scalars only: a copy of the few numbers, as the lecture reads.
            quote!(let #ty { #(#fields),* #rest } = *#var;)
        } else {
            quote!(let &#ty { #(#fields),* #rest } = #var;)
        }
    }

    /// A vector or matrix value as a function argument: `&z1` for a local array, `W1` for
    /// one bound by reference (parameters; in the backward also the tape).
    fn array_arg(&self, id: NodeId, backward: bool) -> TokenStream {
        let node = &self.c.graph.nodes[id];
        let name = self.name(id);
        let borrowed = node.shape != Shape::Scalar
            && (matches!(node.op, Op::Param(_))
                || (backward && !node.op.is_leaf())
                || (backward && matches!(node.op, Op::Input(_))));
        if borrowed {
            quote!(#name)
        } else if node.op.is_leaf() || self.named[id] {
            quote!(&#name)
        } else {
            let (value, _) = self.forward_expr(id, false);
            quote!(&#value)
        }
    }

    /// A backward leaf (a forward value or an adjoint) as a function argument.
    fn backward_arg(&self, e: &BExpr) -> TokenStream {
        match e {
            BExpr::Val(id) => self.array_arg(*id, true),
            other => {
                let (t, _) = self.backward_expr(other);
                quote!(&#t)
            }
        }
    }

    /// The statements of a backward pass made of `steps` (indices into the program), and
    /// what it returns: the input gradients when `with_inputs`.
    fn backward_body(&self, steps: &[usize], with_inputs: bool) -> BackwardBody {
        let g = &self.c.graph;
        let program = &self.c.backward.steps;
        let inputs = &g.inputs;
        let mut body = Vec::new();
        let mut tail = quote!();
        let last = steps.last().copied();
        for &k in steps {
            let step = &program[k];
            let is_tail = with_inputs
                && matches!(step.target, Target::Input(_))
                && inputs.len() == 1
                && Some(k) == last;
            self.step_statements(step, with_inputs, is_tail, &mut body, &mut tail);
        }
        if with_inputs {
            if inputs.len() == 1 && tail.is_empty() {
                tail = self.adj_name(inputs[0]).to_token_stream();
            } else if inputs.len() > 1 {
                let fields = inputs.iter().map(|&i| {
                    let n = self.name(i);
                    let a = self.adj_name(i);
                    quote!(#n: #a)
                });
                tail = quote!(Inputs { #(#fields),* });
            }
        }
        let mut read = vec![false; g.nodes.len()];
        for &k in steps {
            let step = &program[k];
            if with_inputs || !matches!(step.target, Target::Input(_)) {
                step.mark_values_read(&mut read);
            }
        }
        BackwardBody {
            stmts: body,
            tail,
            read,
        }
    }

    /// The per-sample statements of one chain-rule step, appended to `body`; the returned
    /// input gradient goes to `tail` instead when `is_tail`.
    fn step_statements(
        &self,
        step: &Step,
        with_inputs: bool,
        is_tail: bool,
        body: &mut Vec<TokenStream>,
        tail: &mut TokenStream,
    ) {
        let shape = self.shape(step.node);
        match (step.target, shape) {
            (Target::Input(_), _) if !with_inputs => {}
            (Target::Param(_), Shape::Scalar) => {
                let (value, _) = self.backward_expr(&step.value);
                let p = self.name(step.node);
                body.push(self.accumulate(quote!(grads.#p), value));
            }
            (Target::Param(_), Shape::Vector(n)) => {
                let p = self.name(step.node);
                let add = self.use_math("add_assign");
                let has_each = step.whole.is_empty() || step.value != BExpr::Const(0.0);
                if has_each {
                    let simple = matches!(step.value, BExpr::Seed | BExpr::Adj(_) | BExpr::Val(_));
                    if simple {
                        let v = self.backward_arg(&step.value);
                        body.push(quote!(#add(&mut grads.#p, #v);));
                    } else {
                        let (element, _) = self.backward_element(&step.value);
                        let len = Literal::usize_unsuffixed(n);
                        let add = self.accumulate(quote!(grads.#p[i]), element);
                        body.push(quote!(for i in 0..#len { #add }));
                    }
                }
                for w in &step.whole {
                    let w = self.whole_tokens(w);
                    body.push(quote!(#add(&mut grads.#p, &#w);));
                }
            }
            (Target::Param(_), Shape::Matrix(..)) => {
                let p = self.name(step.node);
                body.extend(self.matrix_adjoint(step, &quote!(grads.#p)));
            }
            (Target::Input(_), Shape::Matrix(..)) => {
                let n = self.adj_name(step.node);
                let zero = self.zero(shape);
                body.push(quote!(let mut #n = #zero;));
                body.extend(self.matrix_adjoint(step, &quote!(#n)));
                if is_tail {
                    *tail = quote!(#n);
                }
            }
            (_, Shape::Vector(len)) => {
                let n = self.adj_name(step.node);
                let (stmts, single) = self.vector_adjoint(step, &n, len);
                body.extend(stmts);
                match single {
                    Some(value) if is_tail => *tail = value,
                    Some(value) => {
                        let ty = self.ty(shape);
                        body.push(quote!(let #n: #ty = #value;));
                    }
                    None if is_tail => *tail = quote!(#n),
                    None => {}
                }
            }
            (_, _) => {
                let (value, _) = self.backward_expr(&step.value);
                if is_tail {
                    *tail = value;
                } else {
                    let n = self.adj_name(step.node);
                    body.push(quote!(let #n = #value;));
                }
            }
        }
    }

    fn output(&self) -> Output {
        let c = self.c;
        let g = &c.graph;
        let net = &c.network;
        let s = &self.scalar;
        let krate = &net.krate;
        let fn_name = &net.item.sig.ident;
        let vis = &net.item.vis;
        let (impl_generics, ty_generics, where_clause) = net.item.sig.generics.split_for_impl();
        let generic_args = if self.generic {
            quote!(#ty_generics)
        } else {
            quote!()
        };
        let read = c.backward.values_read(g);

        let params: Vec<NodeId> = g.params.clone();
        let inputs: Vec<NodeId> = g.inputs.clone();
        let param_names: Vec<Ident> = params.iter().map(|&p| self.name(p)).collect();
        let input_names: Vec<Ident> = inputs.iter().map(|&p| self.name(p)).collect();
        let params_ty = if params.is_empty() {
            quote!(Params)
        } else {
            quote!(Params #generic_args)
        };

        // The tape: inputs and intermediates the backward reads.
        let tape_nodes: Vec<NodeId> = (0..g.nodes.len())
            .filter(|&id| read[id] && !matches!(g.nodes[id].op, Op::Param(_) | Op::Const(_)))
            .collect();
        let tape_names: Vec<Ident> = tape_nodes.iter().map(|&id| self.name(id)).collect();
        let tape_ty = if tape_nodes.is_empty() {
            quote!(Tape)
        } else {
            quote!(Tape #generic_args)
        };
        let input_ty = match inputs.len() {
            0 => quote!(()),
            1 => self.ty(self.shape(inputs[0])),
            _ => quote!(Inputs #generic_args),
        };

        // Forward statements shared by `forward` and `forward_tape`.
        let live = g.reachable();
        let mut lets = Vec::new();
        for id in (0..g.nodes.len()).filter(|&id| live[id]) {
            if self.named[id] && id != g.output {
                let name = self.name(id);
                let (value, _) = self.forward_expr(id, true);
                lets.push(match self.shape(id) {
                    Shape::Scalar => quote!(let #name = #value;),
                    shape => {
                        let ty = self.ty(shape);
                        quote!(let #name: #ty = #value;)
                    }
                });
            }
        }
        let (out_expr, _) = self.forward_expr(g.output, true);
        let out_name = self.name(g.output);
        let destructure_params = self.bind("Params", &params, params.len());
        let tape_fields = tape_nodes.iter().map(|&id| {
            let n = self.name(id);
            quote!(#n)
        });
        let out_ty = self.ty(self.shape(g.output));
        let (tape_out_let, tape_out) = if read[g.output] {
            let annotation = if self.shape(g.output) == Shape::Scalar {
                quote!()
            } else {
                quote!(: #out_ty)
            };
            (
                quote!(let #out_name #annotation = #out_expr;),
                quote!(#out_name),
            )
        } else {
            (quote!(), out_expr.clone())
        };

        // Backward: the full one, and the one training calls, which skips ∂L/∂input.
        let seed = self.adj_name(g.output);
        let steps = &c.backward.steps;
        let all: Vec<usize> = (0..steps.len()).collect();
        let full = self.backward_body(&all, true);
        let training = self.backward_body(&needed_for_params(c), false);
        let backward_fn =
            |name: Ident, body: &BackwardBody, returns: TokenStream, docs: TokenStream| {
                let read_params: Vec<NodeId> =
                    params.iter().copied().filter(|&p| body.read[p]).collect();
                let read_tape: Vec<NodeId> = tape_nodes
                    .iter()
                    .copied()
                    .filter(|&t| body.read[t])
                    .collect();
                let bind_params = self.bind("Params", &read_params, params.len());
                let bind_tape = self.bind("Tape", &read_tape, tape_nodes.len());
                let params_arg = if read_params.is_empty() {
                    quote!(_params)
                } else {
                    quote!(params)
                };
                let tape_arg = if read_tape.is_empty() {
                    quote!(_tape)
                } else {
                    quote!(tape)
                };
                let grads_arg = if params.is_empty() {
                    quote!(_grads)
                } else {
                    quote!(grads)
                };
                let loop_allow = if body
                    .stmts
                    .iter()
                    .any(|t| t.to_string().starts_with("for i in"))
                {
                    // An index loop over a gradient and the vectors it reads is the plain way to
                    // write it.
                    quote!(#[allow(clippy::needless_range_loop)])
                } else {
                    quote!()
                };
                let stmts = &body.stmts;
                let tail = &body.tail;
                let returns = if returns.is_empty() {
                    quote!()
                } else {
                    quote!(-> #returns)
                };
                quote! {
                    #docs
                    #loop_allow
                    #[inline]
                    pub fn #name #impl_generics (
                        #params_arg: &#params_ty,
                        #tape_arg: &#tape_ty,
                        #seed: #out_ty,
                        #grads_arg: &mut #params_ty,
                    ) #returns #where_clause {
                        #bind_params
                        #bind_tape
                        #(#stmts)*
                        #tail
                    }
                }
            };

        // Docs.
        let equations: Vec<String> = (0..g.nodes.len())
            .filter(|&id| live[id] && (self.named[id] || id == g.output))
            .map(|id| {
                format!(
                    "{} = {}",
                    g.name(id).unwrap_or("?"),
                    text::forward(g, id, &self.customs, true).0
                )
            })
            .collect();
        let equations_doc = format!("```text\n{}\n```", equations.join("\n"));
        let derivation: Vec<String> = steps
            .iter()
            .map(|st| text::derivation(g, st, &self.customs))
            .collect();
        let derivation_doc = format!("```text\n{}\n```", derivation.join("\n"));
        let fn_str = fn_name.to_string();
        let params_doc = format!(
            "The trainable parameters of `{fn_str}`. The same type holds their gradients, ∂L/∂θ per field."
        );
        let forward_doc =
            format!("Inference: the output of `{fn_str}`, nothing kept.\n\n{equations_doc}");
        let forward_tape_doc =
            "Training forward: the output, and the tape that [`backward`] reads.";
        let backward_doc = format!(
            "Backward pass (reverse-mode chain rule): from `{seed}` = ∂L/∂{out}, *adds* ∂L/∂θ of every \
             parameter to `grads` and returns ∂L/∂input.\n\n{derivation_doc}",
            out = g.name(g.output).unwrap_or("y")
        );

        let params_doc_attrs = doc(&params_doc);
        let forward_doc_attrs = doc(&forward_doc);
        let forward_tape_doc_attrs = doc(forward_tape_doc);
        let backward_doc_attrs = doc(&backward_doc);
        let backward_full = backward_fn(
            ident("backward"),
            &full,
            input_ty.clone(),
            backward_doc_attrs,
        );
        let training_doc = doc(
            "The backward pass for training: the same chain-rule steps as [`backward`], without \
             the ones that only lead to ∂L/∂input, which training does not use.",
        );
        let backward_training =
            backward_fn(ident("backward_params"), &training, quote!(), training_doc);
        let input_tys: Vec<TokenStream> = inputs.iter().map(|&i| self.ty(self.shape(i))).collect();
        let param_tys: Vec<TokenStream> = params.iter().map(|&i| self.ty(self.shape(i))).collect();
        let tape_tys: Vec<TokenStream> =
            tape_nodes.iter().map(|&i| self.ty(self.shape(i))).collect();
        let input_args: Vec<TokenStream> = input_names
            .iter()
            .zip(&input_tys)
            .map(|(n, t)| quote!(#n: #t))
            .collect();
        let inputs_struct = if inputs.len() > 1 {
            quote! {
                /// The inputs of one sample (the data arguments of the network).
                #[derive(Clone, Copy, Debug, PartialEq)]
                pub struct Inputs #generic_args { #(pub #input_names: #input_tys),* }
            }
        } else {
            quote!()
        };
        let params_generics = if params.is_empty() {
            quote!()
        } else {
            generic_args.clone()
        };
        let tape_generics = if tape_nodes.is_empty() {
            quote!()
        } else {
            generic_args.clone()
        };
        let count = Literal::usize_unsuffixed(
            params
                .iter()
                .map(|&p| self.shape(p).elements())
                .sum::<usize>(),
        );
        let types = quote! {
            #params_doc_attrs
            #[derive(Clone, Copy, Debug, PartialEq)]
            pub struct Params #params_generics { #(pub #param_names: #param_tys),* }

            #inputs_struct

            /// What [`forward_tape`] keeps for [`backward`]: the values the chain rule reads.
            #[derive(Clone, Copy, Debug, PartialEq)]
            pub struct Tape #tape_generics { #(pub #tape_names: #tape_tys),* }

            /// Number of trainable scalars.
            pub const PARAM_COUNT: usize = #count;
        };
        let functions = quote! {
            #forward_doc_attrs
            #[inline]
            pub fn forward #impl_generics (params: &#params_ty, #(#input_args),*) -> #out_ty #where_clause {
                #destructure_params
                #(#lets)*
                #out_expr
            }

            #forward_tape_doc_attrs
            #[inline]
            pub fn forward_tape #impl_generics (params: &#params_ty, #(#input_args),*) -> (#out_ty, #tape_ty) #where_clause {
                #destructure_params
                #(#lets)*
                #tape_out_let
                (#tape_out, Tape { #(#tape_fields),* })
            }

            #backward_full

            #backward_training
        };

        // The batched functions: the same statements over a batch, the products per layer.
        // Only networks with a product to batch get them: for the others the per-sample
        // passes are all there is (and `Network::gradient_batch`'s default runs them).
        let batch = batch::Batch::new(self);
        let batch = batch.has_products().then(|| batch.functions());
        let batch_fns = batch.as_ref().map(|batch| {
            let b = &batch.b;
            let sample = &batch.s;
            let mut generics = net.item.sig.generics.clone();
            generics.params.push(syn::parse_quote!(const #b: usize));
            let (batch_generics, _, batch_where) = generics.split_for_impl();
            let batch_args: Vec<TokenStream> = input_names
                .iter()
                .zip(&input_tys)
                .map(|(n, t)| quote!(#n: &[#t; #b]))
                .collect();
            let (fwd, out_let, bwd) = (&batch.forward, &batch.output, &batch.backward);
            let outputs = quote!([#out_ty; #b]);
            let grads_arg = if params.is_empty() {
                quote!(_grads)
            } else {
                quote!(grads)
            };
            let forward_batch_doc = doc(&format!(
                "Inference for a batch: [`forward`] of every sample (each argument holds one row \
                 per sample), the products `W·x` of all {b} samples computed as one matrix \
                 product per layer."
            ));
            let gradient_batch_doc = doc(&format!(
                "Training on a batch: the output of every sample, and Σₛ ∂Lₛ/∂θ *added* to \
                 `grads`, where `d_output(s, &y)` is ∂Lₛ/∂{out} of sample `s` (1 when the \
                 output is the loss).\n\nThe chain-rule steps of [`backward_params`], each run for \
                 every sample, except the products with a parameter matrix: `W·x`, `Wᵀ·∂L/∂z` \
                 and `Σₛ ∂L/∂z ⊗ x` are each one matrix product for the whole batch. Every \
                 value is kept for all {b} samples on the stack: {b} × the widest layer × \
                 a few values must fit the thread's stack.",
                out = g.name(g.output).unwrap_or("y")
            ));
            quote! {
                #forward_batch_doc
                #[allow(clippy::needless_range_loop)]
                pub fn forward_batch #batch_generics (params: &#params_ty, #(#batch_args),*) -> #outputs #batch_where {
                    #destructure_params
                    #(#fwd)*
                    #out_let
                    #out_name
                }

                #gradient_batch_doc
                #[allow(clippy::needless_range_loop)]
                pub fn gradient_batch #batch_generics (
                    params: &#params_ty,
                    #(#batch_args,)*
                    mut d_output: impl FnMut(usize, &#out_ty) -> #out_ty,
                    #grads_arg: &mut #params_ty,
                ) -> #outputs #batch_where {
                    #destructure_params
                    #(#fwd)*
                    #out_let
                    let #seed: #outputs = from_fn(|#sample| d_output(#sample, &#out_name[#sample]));
                    #(#bwd)*
                    #out_name
                }
            }
        });
        // The trait's batch method: the inputs of a sample are one struct, the generated
        // function takes one array per input.
        let batch_method = batch.as_ref().map(|batch| {
            let b = &batch.b;
            let (gather, args): (TokenStream, Vec<TokenStream>) = match inputs.len() {
                1 => (quote!(), vec![quote!(inputs)]),
                _ => {
                    let sample = &batch.s;
                    let gathered = input_names.iter().zip(&input_tys).map(
                        |(n, t)| quote!(let #n: [#t; #b] = from_fn(|#sample| inputs[#sample].#n);),
                    );
                    (
                        quote!(#(#gathered)*),
                        input_names.iter().map(|n| quote!(&#n)).collect(),
                    )
                }
            };
            quote! {
                fn gradient_batch<const #b: usize>(
                    &self,
                    inputs: &[Self::Input; #b],
                    d_output: impl FnMut(usize, &#out_ty) -> #out_ty,
                    grads: &mut Self,
                ) -> [#out_ty; #b] {
                    #gather
                    gradient_batch(self, #(#args,)* d_output, grads)
                }
            }
        });
        let impls = if params.is_empty() {
            quote!()
        } else {
            let infos = params.iter().map(|&p| {
                let n = self.c.graph.name(p).unwrap_or("?");
                let dims: Vec<Literal> = match self.shape(p) {
                    Shape::Scalar => vec![],
                    Shape::Vector(n) => vec![Literal::usize_unsuffixed(n)],
                    Shape::Matrix(r, c) => {
                        vec![Literal::usize_unsuffixed(r), Literal::usize_unsuffixed(c)]
                    }
                };
                quote!(#krate::TensorInfo { name: #n, shape: &[#(#dims),*] })
            });
            let zeros: Vec<TokenStream> =
                params.iter().map(|&p| self.zero(self.shape(p))).collect();
            let views: Vec<TokenStream> = params
                .iter()
                .map(|&p| {
                    let n = self.name(p);
                    match self.shape(p) {
                        Shape::Scalar => quote!(::core::slice::from_ref(&self.#n)),
                        Shape::Vector(_) => quote!(&self.#n),
                        Shape::Matrix(..) => quote!(self.#n.as_flattened()),
                    }
                })
                .collect();
            let views_mut: Vec<TokenStream> = params
                .iter()
                .map(|&p| {
                    let n = self.name(p);
                    match self.shape(p) {
                        Shape::Scalar => quote!(::core::slice::from_mut(&mut self.#n)),
                        Shape::Vector(_) => quote!(&mut self.#n),
                        Shape::Matrix(..) => quote!(self.#n.as_flattened_mut()),
                    }
                })
                .collect();
            let k: Vec<Literal> = (0..params.len()).map(Literal::usize_unsuffixed).collect();
            let k2 = k.clone();
            let call_args = match inputs.len() {
                0 => quote!(),
                1 => quote!(*input),
                _ => quote!(#(input.#input_names),*),
            };
            let input_param = if inputs.is_empty() {
                quote!(_input)
            } else {
                quote!(input)
            };
            quote! {
                impl #impl_generics #krate::Parameters for Params #generic_args #where_clause {
                    type Scalar = #s;
                    const TENSORS: &'static [#krate::TensorInfo] = &[#(#infos),*];
                    const COUNT: usize = #count;
                    fn zeros() -> Self {
                        Params { #(#param_names: #zeros),* }
                    }
                    fn tensor(&self, k: usize) -> &[#s] {
                        match k {
                            #(#k => #views,)*
                            _ => &[],
                        }
                    }
                    fn tensor_mut(&mut self, k: usize) -> &mut [#s] {
                        match k {
                            #(#k2 => #views_mut,)*
                            _ => &mut [],
                        }
                    }
                }

                impl #impl_generics #krate::Network for Params #generic_args #where_clause {
                    type Input = #input_ty;
                    type Output = #out_ty;
                    type Tape = #tape_ty;
                    #[inline]
                    fn forward(&self, #input_param: &Self::Input) -> #out_ty {
                        forward(self, #call_args)
                    }
                    #[inline]
                    fn forward_tape(&self, #input_param: &Self::Input) -> (#out_ty, #tape_ty) {
                        forward_tape(self, #call_args)
                    }
                    #[inline]
                    fn backward(&self, tape: &#tape_ty, d_output: &#out_ty, grads: &mut Self) -> Self::Input {
                        backward(self, tape, *d_output, grads)
                    }
                    #[inline]
                    fn backward_params(&self, tape: &#tape_ty, d_output: &#out_ty, grads: &mut Self) {
                        backward_params(self, tape, *d_output, grads)
                    }
                    #batch_method
                }
            }
        };
        let math: Vec<Ident> = self.math.borrow().iter().map(|n| ident(n)).collect();
        let math_use = if math.is_empty() {
            quote!()
        } else {
            quote!(use #krate::math::{#(#math),*};)
        };
        let from_fn_use = if *self.from_fn.borrow() {
            quote!(
                use ::core::array::from_fn;
            )
        } else {
            quote!()
        };

        // The user's function stays callable: the inference forward with its own arguments.
        let attrs = &net.item.attrs;
        let sig = &net.item.sig;
        let wrapper = quote! {
            #(#attrs)*
            #[allow(dead_code, non_snake_case)]
            #vis #sig {
                #fn_name::forward(&#fn_name::Params { #(#param_names),* }, #(#input_names),*)
            }
        };
        let items = quote! {
            #from_fn_use
            #math_use
            #types
            #functions
            #impls
            #batch_fns
        };
        let products = batch.as_ref().map_or(&[][..], |b| &b.comments[..]);
        let source = pretty_source(c, &wrapper, fn_name, &items, &self.customs, products);
        let mod_doc = format!(
            "Generated by `#[network]` from [`{fn_str}`]({fn_str}()): forward, backward and their types.\n\n\
             The generated source, with the chain-rule factor of each backward step:\n\n```text\n{source}```"
        );
        let mod_doc_attrs = doc(&mod_doc);
        let tokens = quote! {
            #wrapper

            #mod_doc_attrs
            // The fields are named after the user's arguments and values; the module's doc
            // and `SOURCE` describe them, so a `#![warn(missing_docs)]` crate stays quiet.
            #[allow(non_snake_case, dead_code, missing_docs)]
            #vis mod #fn_name {
                #[allow(unused_imports)]
                use super::*;
                #items

                /// The generated code above, pretty-printed, with one comment per chain-rule step.
                pub const SOURCE: &str = #source;
            }
        };
        let _ = Role::Input;
        Output { tokens, source }
    }
}

/// One `#[doc = " line"]` per line, so that the source prints as `/// line` comments.
fn doc(text: &str) -> TokenStream {
    let lines = text.lines().map(|l| {
        let l = if l.is_empty() {
            String::new()
        } else {
            format!(" {l}")
        };
        quote!(#[doc = #l])
    });
    quote!(#(#lines)*)
}

fn unreachable_leaf() -> (TokenStream, u8) {
    (quote!(), 4)
}

/// A path written in the user's module, as seen from the generated child module.
fn super_path(path: &syn::Path) -> TokenStream {
    let mut path = path.clone();
    if let Some(first) = path.segments.first_mut() {
        if first.ident == "self" {
            first.ident = Ident::new("super", first.ident.span());
        }
    }
    path.to_token_stream()
}

/// A float literal that rustc and clippy accept in the scalar type: shortest round-trip
/// digits of the value as that type.
fn float_literal(v: f64, is_f32: bool) -> TokenStream {
    let text = if is_f32 && (v as f32).is_finite() {
        format!("{:?}", v as f32)
    } else {
        format!("{v:?}")
    };
    match text.parse::<TokenStream>() {
        Ok(tokens) if v.is_finite() => tokens,
        _ => quote!(::core::f64::NAN),
    }
}

/// `SOURCE`: the generated items pretty-printed, each backward statement commented with its
/// chain-rule factor.
fn pretty_source(
    c: &Compiled,
    wrapper: &TokenStream,
    module: &Ident,
    items: &TokenStream,
    customs: &[String],
    products: &[(String, String)],
) -> String {
    let file: syn::File = match syn::parse2(quote!(#wrapper pub mod #module { #items })) {
        Ok(f) => f,
        Err(e) => return format!("// generated code could not be printed: {e}\n"),
    };
    let printed = prettyplease::unparse(&file);
    let lines: Vec<&str> = printed.lines().collect();
    // The backward function's lines, and in it the line that starts each step's statement,
    // found in one pass (a search per step would cost steps × lines).
    let range_of = |signature: &str| {
        let start = lines.iter().position(|l| l.contains(signature))?;
        let close = format!("{}}}", leading(lines[start]));
        let end = (start..lines.len()).find(|&i| lines[i] == close)?;
        Some((start, end))
    };
    let full = range_of("pub fn backward(");
    let (start, end) = (full.map(|r| r.0), full.map(|r| r.1));
    // Each step's statement, in `backward`, `backward_params` and `gradient_batch`.
    let mut statements: Vec<BTreeMap<String, usize>> = Vec::new();
    let training = ["pub fn backward_params(", "pub fn gradient_batch"].map(range_of);
    for (start, end) in [full, training[0], training[1]].into_iter().flatten() {
        let mut statement_of = BTreeMap::new();
        for (i, line) in lines.iter().enumerate().take(end).skip(start) {
            if let Some(key) = statement_key(line.trim_start()) {
                statement_of.entry(key).or_insert(i);
            }
        }
        statements.push(statement_of);
    }
    let mut inline: BTreeMap<usize, String> = BTreeMap::new();
    let mut above: BTreeMap<usize, Vec<String>> = BTreeMap::new();
    // The batched functions' matrix products: `let W1x: … = matmul_batch(W1, x);`.
    for (i, line) in lines.iter().enumerate() {
        let code = line.trim_start();
        for (name, comment) in products {
            if code.starts_with(&format!("let {name}: ")) {
                if line.chars().count() + comment.chars().count() + 4 <= 100 {
                    inline.insert(i, comment.clone());
                } else {
                    above.entry(i).or_default().push(comment.clone());
                }
            }
        }
    }
    let steps: &[Step] = &c.backward.steps;
    let g = &c.graph;
    for (k, step) in steps.iter().enumerate() {
        let comment = text::step_comment(g, step, customs);
        let name = g.name(step.node).unwrap_or("?");
        let key = match step.target {
            Target::Param(_) => format!("grads.{name}"),
            Target::Input(_) if g.inputs.len() == 1 && k + 1 == steps.len() => {
                // The returned input gradient is the last expression of `backward`: the
                // comment goes above it.
                if let (Some(start), Some(end)) = (start, end) {
                    // After the last statement of the body (not one inside a loop), or after
                    // the signature when there is none.
                    let code =
                        |l: &str| l.split(" // ").next().unwrap_or("").trim_end().to_string();
                    let fn_indent = leading(lines[start]);
                    let body_indent = format!("{fn_indent}    ");
                    let tail = (start..end).rev().find(|&i| {
                        let c = code(lines[i]);
                        let indent = leading(lines[i]);
                        (indent == body_indent && (c.ends_with(';') || c.ends_with('}')))
                            || (indent == fn_indent && c.ends_with('{'))
                    });
                    if let Some(t) = tail {
                        above
                            .entry(t + 1)
                            .or_default()
                            .push(format!("∂L/∂{name}: {comment}"));
                    }
                }
                continue;
            }
            Target::Node(_) | Target::Input(_) => format!("dl_d{name}"),
        };
        for statement_of in &statements {
            if let Some(&i) = statement_of.get(&key) {
                let line = lines[i];
                let fits = line.chars().count() + comment.chars().count() + 4 <= 100;
                if line.trim_end().ends_with(';') && fits {
                    inline.insert(i, comment.clone());
                } else {
                    above.entry(i).or_default().push(comment.clone());
                }
            }
        }
    }
    let mut out = String::new();
    for (i, line) in lines.iter().enumerate() {
        if i > 0 && starts_item(line) && ends_item(lines[i - 1]) {
            out.push('\n');
        }
        for comment in above.get(&i).into_iter().flatten() {
            out.push_str(&format!("{}// {comment}\n", leading(line)));
        }
        out.push_str(line);
        if let Some(comment) = inline.get(&i) {
            out.push_str(&format!(" // {comment}"));
        }
        out.push('\n');
    }
    out
}

/// What a backward statement defines, from its first line: `dl_dz1` for
/// `let dl_dz1 = …` or `let mut dl_dz1: … = …`, `grads.b1` for `grads.b1 += …`,
/// `grads.b1[i] += …`, `add_assign(&mut grads.b1, …)` or `outer_add(&mut grads.W1, …)`.
fn statement_key(line: &str) -> Option<String> {
    let name_end = |s: &str| {
        s.find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .unwrap_or(s.len())
    };
    if let Some(rest) = line
        .strip_prefix("let mut dl_d")
        .or_else(|| line.strip_prefix("let dl_d"))
    {
        return Some(format!("dl_d{}", &rest[..name_end(rest)]));
    }
    let rest = line
        .strip_prefix("grads.")
        .or_else(|| line.strip_prefix("add_assign(&mut grads."))
        .or_else(|| line.strip_prefix("outer_add(&mut grads."))
        .or_else(|| line.strip_prefix("outer_add_batch(&mut grads."))?;
    Some(format!("grads.{}", &rest[..name_end(rest)]))
}

/// Whether `line` opens an item of the file or of the generated module (its doc comment,
/// attribute or first line): the places where a blank line helps the reader.
fn starts_item(line: &str) -> bool {
    let body = line.strip_prefix("    ").unwrap_or(line);
    !body.starts_with(' ')
        && ["///", "#[", "pub ", "impl ", "fn ", "use ", "mod "]
            .iter()
            .any(|p| body.starts_with(p))
}

/// Whether `line` closes an item of the file or of the generated module.
fn ends_item(line: &str) -> bool {
    let body = line.strip_prefix("    ").unwrap_or(line);
    !body.starts_with(' ') && (body == "}" || (body.ends_with(';') && !body.starts_with("///")))
}

fn leading(line: &str) -> String {
    line.chars().take_while(|c| c.is_whitespace()).collect()
}

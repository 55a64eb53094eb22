//! The batched functions, `forward_batch` and `gradient_batch`: B samples at once.
//!
//! Every value that differs between samples becomes an array with one row per sample
//! (`z1: [[f32; 256]; B]`), built by the same per-sample statement as in `forward` or
//! `backward_params`, run once per sample with each per-sample variable it reads rebound to
//! this sample's row (`let z1 = &z1[s];`). The exception is what a batch is for: a parameter
//! matrix times a per-sample vector. There `W·x` of every sample is one matrix–matrix product
//! (`matmul_batch`), and so are its two backward shares, `Wᵀ·∂L/∂z` (`transpose_mul_batch`)
//! and `Σₛ ∂L/∂z ⊗ x` (`outer_add_batch`): each weight is read once per batch instead of
//! once per sample, and the runtime multiplies register tiles of the matrices.

use super::{ident, needed_for_params, Emitter};
use crate::ast::Shape;
use crate::diff::{BExpr, Step, Target, Whole};
use crate::ir::{NodeId, Op, RESERVED};
use proc_macro2::{Ident, TokenStream, TokenTree};
use quote::quote;
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};

/// What the batched functions of one network share.
pub(super) struct Batch<'e, 'c> {
    /// The emitter with the batch's own names: the products computed for the whole batch
    /// are named values.
    e: Emitter<'c>,
    /// The per-sample emitter's imports are extended with the batch emitter's.
    parent: &'e Emitter<'c>,
    /// Per-sample variables (one row per sample) by name, with the shape of a row.
    rows: BTreeMap<String, Shape>,
    /// Nodes whose value differs between samples.
    varies: Vec<bool>,
    /// Matrix–vector products computed for the whole batch by `matmul_batch`.
    product: Vec<bool>,
    /// The sample index.
    s: Ident,
    /// The batch size, a const generic.
    b: Ident,
}

/// The tokens of the two functions.
pub(super) struct BatchFunctions {
    /// Forward statements (parameters bound), shared by both functions.
    pub forward: Vec<TokenStream>,
    /// The output of every sample, `[out; B]`, as a `let` of the output's name.
    pub output: TokenStream,
    /// `gradient_batch`'s backward statements, after the output.
    pub backward: Vec<TokenStream>,
    /// The batch-size parameter's name.
    pub b: Ident,
    /// The sample-index name.
    pub s: Ident,
    /// A comment for each variable a batch product defines, by its name.
    pub comments: Vec<(String, String)>,
}

/// A name not yet taken, `base` or `base2`, `base3`, …
fn fresh(base: String, taken: &mut BTreeSet<String>) -> String {
    let mut name = base.clone();
    let mut k = 2;
    while taken.contains(&name) || RESERVED.contains(&name.as_str()) {
        name = format!("{base}{k}");
        k += 1;
    }
    taken.insert(name.clone());
    name
}

/// The node whose adjoint `dy` (an adjoint or the seed) is.
fn adjoint_of(dy: &BExpr, output: NodeId) -> NodeId {
    match dy {
        BExpr::Adj(id) => *id,
        _ => output,
    }
}

/// Every identifier in `tokens`, in order of first appearance.
fn identifiers(tokens: &TokenStream, out: &mut Vec<String>, seen: &mut BTreeSet<String>) {
    for tree in tokens.clone() {
        match tree {
            TokenTree::Ident(i) => {
                let name = i.to_string();
                if seen.insert(name.clone()) {
                    out.push(name);
                }
            }
            TokenTree::Group(g) => identifiers(&g.stream(), out, seen),
            _ => {}
        }
    }
}

impl<'e, 'c> Batch<'e, 'c> {
    /// Decides what is computed per sample and what for the whole batch, and names it.
    pub(super) fn new(parent: &'e Emitter<'c>) -> Self {
        let c = parent.c;
        let g = &c.graph;
        let live = g.reachable();
        let varies = g.depending_on(|op| matches!(op, Op::Input(_)));
        let mut taken: BTreeSet<String> = BTreeSet::new();
        for id in 0..g.nodes.len() {
            if let Some(name) = g.name(id) {
                taken.insert(name.to_string());
                taken.insert(format!("dl_d{name}"));
            }
        }
        for p in &c.network.item.sig.generics.params {
            if let syn::GenericParam::Type(t) = p {
                taken.insert(t.ident.to_string());
            }
            if let syn::GenericParam::Const(k) = p {
                taken.insert(k.ident.to_string());
            }
        }
        for reserved in ["d_output", "forward", "gradient_batch", "forward_batch"] {
            taken.insert(reserved.to_string());
        }
        let s = ident(&fresh("s".into(), &mut taken));
        let b = ident(&fresh("B".into(), &mut taken));
        let name_of = |id: NodeId| g.name(id).unwrap_or("v").to_string();

        // W·x with a parameter matrix and a per-sample vector: one product for the batch.
        let mut product = vec![false; g.nodes.len()];
        let mut named = parent.named.clone();
        let mut renamed = BTreeMap::new();
        for id in (0..g.nodes.len()).filter(|&id| live[id]) {
            if let Op::MatVec(w, x) = g.nodes[id].op {
                if matches!(g.nodes[w].op, Op::Param(_)) && varies[x] {
                    product[id] = true;
                    named[id] = true;
                    if g.name(id).is_none() {
                        let name = fresh(format!("{}{}", name_of(w), name_of(x)), &mut taken);
                        renamed.insert(id, name);
                    }
                }
            }
        }
        // Wᵀ·∂L/∂z of the training backward: one product for the batch.
        let mut hoisted = Vec::new();
        for k in needed_for_params(c) {
            for w in &c.backward.steps[k].whole {
                if let Whole::TransposeMul { w: m, dy } = w {
                    let seed_or_adjoint = matches!(dy, BExpr::Seed | BExpr::Adj(_));
                    if matches!(g.nodes[*m].op, Op::Param(_)) && seed_or_adjoint {
                        let dy_name = name_of(adjoint_of(dy, g.output));
                        let name = fresh(format!("{}t_dl_d{dy_name}", name_of(*m)), &mut taken);
                        hoisted.push((w.clone(), ident(&name)));
                    }
                }
            }
        }
        let e = Emitter {
            c,
            scalar: parent.scalar.clone(),
            generic: parent.generic,
            customs: parent.customs.clone(),
            named,
            math: RefCell::new(BTreeSet::new()),
            from_fn: RefCell::new(true),
            renamed,
            hoisted,
        };

        let mut rows = BTreeMap::new();
        for id in 0..g.nodes.len() {
            let per_sample = matches!(g.nodes[id].op, Op::Input(_))
                || (live[id] && e.named[id] && varies[id])
                || id == g.output;
            if per_sample {
                rows.insert(e.name(id).to_string(), g.shape(id));
            }
            if g.name(id).is_some() {
                // Every adjoint depends on the sample's ∂L/∂output.
                rows.insert(e.adj_name(id).to_string(), g.shape(id));
            }
        }
        rows.insert(e.adj_name(g.output).to_string(), g.shape(g.output));
        for (w, name) in &e.hoisted {
            if let Whole::TransposeMul { w: m, .. } = w {
                if let Shape::Matrix(_, cols) = g.shape(*m) {
                    rows.insert(name.to_string(), Shape::Vector(cols));
                }
            }
        }
        Batch {
            e,
            parent,
            rows,
            varies,
            product,
            s,
            b,
        }
    }

    /// Whether some product of a parameter matrix and a per-sample vector is worth computing
    /// for the whole batch at once.
    pub(super) fn has_products(&self) -> bool {
        self.product.contains(&true)
    }

    /// `[row; B]`, the type of a per-sample variable.
    fn ty(&self, shape: Shape) -> TokenStream {
        let row = self.e.ty(shape);
        let b = &self.b;
        quote!([#row; #b])
    }

    /// `body` run for sample `s`: first each per-sample variable it reads rebound to the
    /// sample's row (scalars by value, arrays by reference), except `own`, which the body
    /// defines.
    fn for_sample(&self, body: TokenStream, own: Option<&Ident>) -> TokenStream {
        let mut names = Vec::new();
        identifiers(&body, &mut names, &mut BTreeSet::new());
        let s = &self.s;
        let own = own.map(|o| o.to_string());
        let rebinds = names
            .iter()
            .filter(|n| Some(*n) != own.as_ref())
            .filter_map(|n| {
                let shape = self.rows.get(n)?;
                let v = ident(n);
                Some(if *shape == Shape::Scalar {
                    quote!(let #v = #v[#s];)
                } else {
                    quote!(let #v = &#v[#s];)
                })
            });
        quote!(#(#rebinds)* #body)
    }

    /// `let name: [row; B] = from_fn(|s| { … value });`
    fn per_sample_let(&self, name: &Ident, shape: Shape, body: TokenStream) -> TokenStream {
        let ty = self.ty(shape);
        let s = &self.s;
        let body = self.for_sample(body, Some(name));
        quote!(let #name: #ty = from_fn(|#s| { #body });)
    }

    /// A per-sample vector computed element by element, written in place:
    /// `let mut name = [[0.0; n]; B]; for s in 0..B { …; for i in 0..n { name[s][i] = element; } }`
    /// (`from_fn` of `from_fn` would build each array and then copy it).
    fn per_element_let(&self, name: &Ident, n: usize, element: TokenStream) -> TokenStream {
        let ty = self.ty(Shape::Vector(n));
        let zero = self.e.zero(Shape::Vector(n));
        let (s, b) = (&self.s, &self.b);
        let len = proc_macro2::Literal::usize_unsuffixed(n);
        let body = self.for_sample(
            quote!(for i in 0..#len { #name[#s][i] = #element; }),
            Some(name),
        );
        quote! {
            let mut #name: #ty = [#zero; #b];
            for #s in 0..#b { #body }
        }
    }

    /// The forward statement of a per-sample value: in place for a vector computed element by
    /// element, else one `from_fn` over the samples.
    fn forward_let(&self, id: NodeId) -> TokenStream {
        let e = &self.e;
        let (name, shape) = (e.name(id), e.shape(id));
        let op = e.c.graph.nodes[id].op;
        let whole = matches!(op, Op::Call(f, _) if f.is_vector_function()) || op.is_leaf();
        match shape {
            Shape::Vector(n) if !whole => {
                self.per_element_let(&name, n, e.element_expr(id, true).0)
            }
            _ if matches!(op, Op::Input(_)) && shape != Shape::Scalar => {
                self.per_sample_let(&name, shape, quote!(*#name))
            }
            _ => self.per_sample_let(&name, shape, e.forward_expr(id, true).0),
        }
    }

    /// A per-sample vector (`x`, an argument, is a reference already) or a parameter as the
    /// argument of a batch kernel.
    fn batch_arg(&self, id: NodeId) -> TokenStream {
        let name = self.e.name(id);
        if self.e.c.graph.nodes[id].op.is_leaf() {
            quote!(#name)
        } else {
            quote!(&#name)
        }
    }

    /// The forward statements and the output, shared by both batched functions.
    fn forward(&self) -> (Vec<TokenStream>, TokenStream) {
        let e = &self.e;
        let g = &e.c.graph;
        let live = g.reachable();
        let mut lets = Vec::new();
        let mut output = None;
        for id in (0..g.nodes.len()).filter(|&id| live[id]) {
            let name = e.name(id);
            let shape = e.shape(id);
            if self.product[id] {
                let Op::MatVec(w, x) = g.nodes[id].op else {
                    continue;
                };
                let f = e.use_math("matmul_batch");
                let (w, x) = (e.name(w), self.batch_arg(x));
                let ty = self.ty(shape);
                let stmt = quote!(let #name: #ty = #f(#w, #x););
                if id == g.output {
                    output = Some(stmt);
                } else {
                    lets.push(stmt);
                }
            } else if id == g.output {
                output = Some(self.forward_let(id));
            } else if e.named[id] {
                let (value, _) = e.forward_expr(id, true);
                if self.varies[id] {
                    lets.push(self.forward_let(id));
                } else if shape == Shape::Scalar {
                    lets.push(quote!(let #name = #value;));
                } else {
                    let ty = e.ty(shape);
                    lets.push(quote!(let #name: #ty = #value;));
                }
            }
        }
        (lets, output.unwrap_or_default())
    }

    /// The training backward over the batch: the steps of `backward_params`.
    fn backward(&self) -> Vec<TokenStream> {
        let e = &self.e;
        let c = e.c;
        let s = &self.s;
        let b = &self.b;
        let mut stmts = Vec::new();
        for k in needed_for_params(c) {
            let step: &Step = &c.backward.steps[k];
            let shape = e.shape(step.node);
            let hoisted: Vec<&(Whole, Ident)> = e
                .hoisted
                .iter()
                .filter(|(w, _)| step.whole.contains(w))
                .collect();
            let only_product = matches!(step.target, Target::Node(_))
                && step.value == BExpr::Const(0.0)
                && step.whole.len() == 1
                && hoisted.len() == 1;
            for (w, name) in &hoisted {
                let Whole::TransposeMul { w: m, dy } = w else {
                    continue;
                };
                let f = e.use_math("transpose_mul_batch");
                let m = e.name(*m);
                let dy = e.backward_arg(dy);
                // The whole adjoint is this product: it is the adjoint variable itself.
                let name = if only_product {
                    e.adj_name(step.node)
                } else {
                    name.clone()
                };
                let ty = self.ty(shape);
                stmts.push(quote!(let #name: #ty = #f(#m, #dy);));
            }
            if only_product {
                continue;
            }
            match (step.target, shape) {
                (Target::Input(_), _) => {}
                (Target::Param(_), Shape::Matrix(..)) => {
                    let p = e.name(step.node);
                    for w in &step.whole {
                        let Whole::Outer { dy, x } = w else { continue };
                        let batched = matches!(dy, BExpr::Seed | BExpr::Adj(_)) && self.varies[*x];
                        let dy = e.backward_arg(dy);
                        if batched {
                            let f = e.use_math("outer_add_batch");
                            let x = self.batch_arg(*x);
                            stmts.push(quote!(#f(&mut grads.#p, #dy, #x);));
                        } else {
                            let f = e.use_math("outer_add");
                            let x = e.array_arg(*x, true);
                            let body = self.for_sample(quote!(#f(&mut grads.#p, #dy, #x);), None);
                            stmts.push(quote!(for #s in 0..#b { #body }));
                        }
                    }
                }
                (Target::Param(_), _) => {
                    let mut body = Vec::new();
                    e.step_statements(step, false, false, &mut body, &mut TokenStream::new());
                    let body = self.for_sample(quote!(#(#body)*), None);
                    stmts.push(quote!(for #s in 0..#b { #body }));
                }
                (Target::Node(_), Shape::Vector(len))
                    if step.whole.is_empty() && e.vector_len(&step.value) != 0 =>
                {
                    // Element by element: in place.
                    let n = e.adj_name(step.node);
                    let (element, _) = e.backward_element(&step.value);
                    stmts.push(self.per_element_let(&n, len, element));
                }
                (Target::Node(_), _) => {
                    let n = e.adj_name(step.node);
                    // One expression where the per-sample step is one (`let dl_dz = value;`),
                    // else the statements that build `dl_dz`, then `dl_dz`.
                    let body = match shape {
                        Shape::Vector(len) => match e.vector_adjoint(step, &n, len) {
                            (built, None) => quote!(#(#built)* #n),
                            (built, Some(value)) if built.is_empty() => value,
                            (built, Some(value)) => quote!(#(#built)* #value),
                        },
                        _ => e.backward_expr(&step.value).0,
                    };
                    stmts.push(self.per_sample_let(&n, shape, body));
                }
            }
        }
        stmts
    }

    /// What each batch product computes, for `SOURCE`: `W1·x of every sample: one matrix
    /// product`.
    fn comments(&self) -> Vec<(String, String)> {
        let e = &self.e;
        let g = &e.c.graph;
        let mut out = Vec::new();
        for (id, node) in g.nodes.iter().enumerate() {
            if let (true, Op::MatVec(w, x)) = (self.product[id], node.op) {
                let what = format!("{}·{} of every sample", e.name(w), e.name(x));
                out.push((
                    e.name(id).to_string(),
                    format!("{what}: one matrix product"),
                ));
            }
        }
        for (w, name) in &e.hoisted {
            if let Whole::TransposeMul { w: m, dy } = w {
                let dy = e.name(adjoint_of(dy, g.output));
                let what = format!("{}ᵀ·∂L/∂{dy} of every sample", e.name(*m));
                out.push((name.to_string(), format!("{what}: one matrix product")));
            }
        }
        out
    }

    /// Everything the two functions need, the imports added to the parent emitter's.
    pub(super) fn functions(self) -> BatchFunctions {
        let (forward, output) = self.forward();
        let backward = self.backward();
        let comments = self.comments();
        self.parent
            .math
            .borrow_mut()
            .extend(self.e.math.borrow().iter().copied());
        *self.parent.from_fn.borrow_mut() = true;
        BatchFunctions {
            forward,
            output,
            backward,
            b: self.b,
            s: self.s,
            comments,
        }
    }
}

//! The batched functions, `forward_batch` and `gradient_batch`: B samples at once.
//!
//! Every value that differs between samples is an array with one row per sample
//! (`z1: [[f32; 256]; B]`), computed by the same expression as in `forward` or
//! `backward_params`, rendered to read row `s` of each per-sample value (`z1[s][i]`). The
//! exception is what a batch is for: a parameter matrix times a per-sample vector. There
//! `W·x` of every sample is one matrix–matrix product (`matmul_batch`), and so are its two
//! backward shares, `Wᵀ·∂L/∂z` (`transpose_mul_batch`) and `Σₛ ∂L/∂z ⊗ x`
//! (`outer_add_batch`): each weight is read once per batch instead of once per sample, and
//! the runtime multiplies register tiles of the matrices.

use proc_macro2::{Ident, Literal, TokenStream};
use quote::{quote, ToTokens};

use super::expr::{index, index_vars, Mode, Render, Var};
use super::plan::{ident, ConvPart, Generics, Plan, Recorder, SoftmaxPair};
use super::source::{comment, doc, Function, Item, Stmt};
use super::steps::{self, bind};
use crate::ast::Shape;
use crate::diff::bexpr::{BExpr, Whole, WholeKind};
use crate::diff::{Step, Target};
use crate::func::Kernel;
use crate::graph::{NodeId, Op};

/// `forward_batch` and `gradient_batch`, for a network with a product or a convolution to
/// batch; `None` for the others, whose per-sample passes are all there is
/// (`Network::gradient_batch`'s default runs them).
pub fn functions(plan: &Plan, uses: &Recorder) -> Option<Vec<Item>> {
    let g = &plan.c.graph;
    let convolution = g.ids().any(|id| match g[id].op {
        Op::Conv(_, k, x) => plan.live[id] && matches!(g[k].op, Op::Param(_)) && plan.per_sample[x],
        _ => false,
    });
    if !plan.products.0.contains(&true) && !convolution {
        return None;
    }
    uses.borrow_mut().from_fn = true;
    let batch = Batch {
        r: Render::new(plan, Mode::Batch, uses),
        s: ident(&plan.c.names.sample),
        b: ident(&plan.c.names.batch),
    };
    Some(batch.items())
}

struct Batch<'a> {
    r: Render<'a>,
    /// The sample index.
    s: Ident,
    /// The batch size, a const generic.
    b: Ident,
}

impl Batch<'_> {
    /// `[row; B]`, the type of a per-sample variable.
    fn ty(&self, shape: Shape) -> TokenStream {
        let row = self.r.plan.ty(shape);
        let b = &self.b;
        quote!([#row; #b])
    }

    /// The renderer for row `s`, with `local` built inside the sample's block.
    fn sample(&self, local: Option<Var>) -> Render<'_> {
        self.r.at_sample(&self.s, local)
    }

    /// `let name: [row; B] = from_fn(|s| value);`
    fn per_sample(&self, name: &Ident, shape: Shape, value: TokenStream) -> Stmt {
        let ty = self.ty(shape);
        let s = &self.s;
        Stmt::new(quote!(let #name: #ty = from_fn(|#s| #value);))
    }

    /// A per-sample vector (or channel data) computed element by element, written in place
    /// (`from_fn` of `from_fn` would build each array and then copy it):
    /// `let mut name = [[0.0; n]; B]; for s in 0..B { for i in 0..n { name[s][i] = element; } }`.
    fn per_element(&self, name: &Ident, shape: Shape, element: TokenStream) -> Vec<Stmt> {
        let ty = self.ty(shape);
        let zero = self.r.zero(shape);
        let (s, b) = (&self.s, &self.b);
        let index = index(shape);
        let body = index_vars(shape).iter().zip(shape.dims()).rev().fold(
            quote!(#name[#s] #index = #element;),
            |body, (v, n)| {
                let len = Literal::usize_unsuffixed(n);
                quote!(for #v in 0..#len { #body })
            },
        );
        vec![
            Stmt::zeroes(quote!(let mut #name: #ty = [#zero; #b];)),
            Stmt::new(quote! {
                for #s in 0..#b {
                    #body
                }
            }),
        ]
    }

    /// `for s in 0..B { body }`.
    fn each_sample(&self, body: Vec<Stmt>) -> Stmt {
        let (s, b) = (&self.s, &self.b);
        let body = body.iter().map(|s| &s.tokens);
        Stmt::new(quote!(for #s in 0..#b { #(#body)* }))
    }

    /// The forward statement of a per-sample value.
    fn forward_value(&self, id: NodeId) -> Vec<Stmt> {
        let plan = self.r.plan;
        let name = self.r.ident(Var::Value(id));
        let shape = plan.shape(id);
        let whole = matches!(plan.c.graph[id].op, Op::Call(f, _) if f.is_whole_vector());
        let r = self.sample(None);
        let layer = matches!(
            plan.c.graph[id].op,
            Op::Conv(..) | Op::Pool(..) | Op::Flatten(_)
        );
        match shape {
            Shape::Scalar => vec![self.per_sample(&name, shape, r.forward(id, true).0)],
            _ if !whole && !layer => self.per_element(&name, shape, r.element(id, true).0),
            _ => vec![self.per_sample(&name, shape, r.forward(id, true).0)],
        }
    }

    /// The forward statements, the output's last, shared by both functions.
    fn forward(&self) -> Vec<Stmt> {
        let plan = self.r.plan;
        let g = &plan.c.graph;
        let mut stmts = Vec::new();
        let mut paired = g.per_node(false);
        let own = |id: NodeId| {
            plan.needed[id] && plan.per_sample[id] && (id == g.output || plan.named[id])
        };
        for id in g.ids().filter(|&id| plan.needed[id]) {
            let name = self.r.ident(Var::Value(id));
            let shape = plan.shape(id);
            if paired[id] {
                continue;
            }
            if let Some(pair) = plan.softmax_partner(id, own) {
                paired[pair.later] = true;
                stmts.extend(self.softmax_pair(&pair));
            } else if plan.products[id] {
                let Op::MatVec(w, x) = g[id].op else {
                    continue;
                };
                let f = self.r.kernel(Kernel::MatmulBatch);
                let (wn, xn) = (self.r.ident(Var::Value(w)), self.r.ident(Var::Value(x)));
                let (w, x) = (
                    self.r.rows_arg(Var::Value(w)),
                    self.r.rows_arg(Var::Value(x)),
                );
                let ty = self.ty(shape);
                stmts.push(Stmt {
                    comment: Some(format!("{wn}·{xn} of every sample: one matrix product")),
                    ..Stmt::new(quote!(let #name: #ty = #f(#w, #x);))
                });
            } else if let Some(conv) = self.batched_conv(id) {
                stmts.extend(conv);
            } else if id == g.output || (plan.named[id] && plan.per_sample[id]) {
                stmts.extend(self.forward_value(id));
            } else if plan.named[id] {
                let (value, _) = self.r.forward(id, true);
                stmts.push(Stmt::new(match shape {
                    Shape::Scalar => quote!(let #name = #value;),
                    _ => {
                        let ty = plan.ty(shape);
                        quote!(let #name: #ty = #value;)
                    }
                }));
            }
        }
        stmts
    }

    /// `softmax(z)` and `log_softmax(z)` of every sample from one pass of exponentials:
    /// `for s in 0..B { (p[s], t1[s]) = softmax_and_log_softmax(&z[s]); }`.
    fn softmax_pair(&self, pair: &SoftmaxPair) -> Vec<Stmt> {
        let plan = self.r.plan;
        let (p, y, z) = (pair.softmax, pair.log_softmax, pair.z);
        let (pn, yn) = (self.r.ident(Var::Value(p)), self.r.ident(Var::Value(y)));
        let (ty, zero) = (self.ty(plan.shape(p)), self.zero(plan.shape(p)));
        let both = self.r.kernel(Kernel::SoftmaxAndLogSoftmax);
        let arg = self.sample(None).node_arg(z);
        let s = &self.s;
        vec![
            Stmt::zeroes(quote!(let mut #pn: #ty = #zero;)),
            Stmt::zeroes(quote!(let mut #yn: #ty = #zero;)),
            Stmt {
                comment: Some("softmax and log_softmax from one pass of exponentials".into()),
                ..self.each_sample(vec![Stmt::new(quote!((#pn[#s], #yn[#s]) = #both(#arg);))])
            },
        ]
    }

    /// A convolution of a parameter kernel bank and per-sample data, computed for the whole
    /// batch in (sample, position) rows into an array of the caller's: `let mut t1: [[[f32;
    /// 19]; 25]; B] = …;` and `conv1d_rows::<…>(&mut t1, K1, x);` (a returned array would be
    /// copied out of the kernel).
    fn batched_conv(&self, id: NodeId) -> Option<Vec<Stmt>> {
        let plan = self.r.plan;
        let Op::Conv(_, k, x) = plan.c.graph[id].op else {
            return None;
        };
        if !matches!(plan.c.graph[k].op, Op::Param(_)) || !plan.per_sample[x] {
            return None;
        }
        let name = self.r.ident(Var::Value(id));
        let f = self.r.conv_rows_kernel(id, ConvPart::Forward, &self.b);
        let (kn, xn) = (plan.name(k), self.r.ident(Var::Value(x)));
        let xs = self.r.rows_arg(Var::Value(x));
        let (ty, zero) = (self.ty(plan.shape(id)), self.zero(plan.shape(id)));
        Some(vec![
            Stmt::zeroes(quote!(let mut #name: #ty = #zero;)),
            Stmt {
                comment: Some(format!(
                    "{kn} ⋆ {xn} of every sample: products of (sample, position) rows"
                )),
                ..Stmt::new(quote!(#f(&mut #name, #kn, #xs);))
            },
        ])
    }

    /// Zero of `shape` for every sample: `[[[0.0; 19]; 25]; B]`.
    fn zero(&self, shape: Shape) -> TokenStream {
        let (zero, b) = (self.r.zero(shape), &self.b);
        quote!([#zero; #b])
    }

    /// The training backward over the batch: the steps of `backward_params`, each with its
    /// chain-rule comment.
    fn backward(&self) -> Vec<Stmt> {
        let plan = self.r.plan;
        let c = plan.c;
        let customs = plan.customs();
        let text = plan.text(&customs);
        let mut stmts = Vec::new();
        for &k in &plan.training {
            let step = &c.backward.steps[k];
            let (products, mut own) = self.step(step);
            comment(&mut own, text.step_comment(step));
            stmts.extend(products);
            stmts.extend(own);
        }
        stmts
    }

    /// The products `Wᵀ·∂L/∂z` a step reads, computed for the whole batch, and the step's own
    /// statements.
    fn step(&self, step: &Step) -> (Vec<Stmt>, Vec<Stmt>) {
        let plan = self.r.plan;
        let names = &plan.c.names;
        let shape = plan.shape(step.node);
        let transposes: Vec<usize> = (0..names.transposes.len())
            .filter(|&k| step.whole.contains(&names.transposes[k].0))
            .collect();
        // A step that is one such product is that product.
        let only_product = step.target == Target::Node
            && step.each.is_none()
            && step.whole.len() == 1
            && transposes.len() == 1;
        let mut products = Vec::new();
        for &k in &transposes {
            let w = &names.transposes[k].0;
            let m = self.r.ident(Var::Value(w.value));
            let dy = self.rows_of(&w.dy);
            let var = if only_product {
                Var::Adjoint(step.node)
            } else {
                Var::Transpose(k)
            };
            let name = self.r.ident(var);
            let ty = self.ty(shape);
            // A convolution's input gradient is added to a zeroed array of the caller's (as
            // its forward writes into one); `Wᵀ·∂L/∂z` is returned.
            let mut product = match w.kind {
                WholeKind::ConvInput(layer) => {
                    let f = self
                        .r
                        .conv_rows_kernel(layer, ConvPart::InputGradient, &self.b);
                    let zero = self.zero(shape);
                    vec![
                        Stmt::zeroes(quote!(let mut #name: #ty = #zero;)),
                        Stmt::new(quote!(#f(&mut #name, #m, #dy);)),
                    ]
                }
                _ => {
                    let f = self.r.kernel(Kernel::TransposeMulBatch);
                    vec![Stmt::new(quote!(let #name: #ty = #f(#m, #dy);))]
                }
            };
            if only_product {
                return (Vec::new(), product);
            }
            let dy_name = match &w.dy {
                BExpr::Adj(id) => names.of(*id).to_string(),
                _ => names.of(plan.c.graph.output).to_string(),
            };
            let text = match w.kind {
                WholeKind::ConvInput(_) => format!(
                    "∂L/∂{dy_name} through {m} of every sample: products of (sample, position) rows"
                ),
                _ => format!("{m}ᵀ·∂L/∂{dy_name} of every sample: one matrix product"),
            };
            comment(&mut product, text);
            products.extend(product);
        }
        (products, self.own(step, shape))
    }

    /// The rows of an adjoint, as the argument of a batch kernel.
    fn rows_of(&self, dy: &BExpr) -> TokenStream {
        match dy {
            BExpr::Adj(id) => self.r.rows_arg(Var::Adjoint(*id)),
            _ => self.r.rows_arg(Var::Seed),
        }
    }

    /// A step's statements, but its batched transposes.
    fn own(&self, step: &Step, shape: Shape) -> Vec<Stmt> {
        let r = self.sample(None);
        match (step.target, shape) {
            (Target::Input(_), _) => Vec::new(),
            (Target::Param(_), Shape::Matrix(..) | Shape::Array3(..) | Shape::Array4(..)) => {
                let mut stmts: Vec<Stmt> = step
                    .whole
                    .iter()
                    .map(|w| self.param_share(step, w))
                    .collect();
                if step.each.is_some() {
                    // A weight per position of channel data: its elementwise share.
                    let each = Step {
                        whole: Vec::new(),
                        ..step.clone()
                    };
                    stmts.push(self.each_sample(steps::step_statements(&r, &each, false)));
                }
                stmts
            }
            (Target::Param(_), _) => {
                vec![self.each_sample(steps::step_statements(&r, step, false))]
            }
            (Target::Node, shape)
                if shape != Shape::Scalar
                    && step.whole.is_empty()
                    && step.each.as_ref().is_some_and(|e| r.vector_len(e) != 0) =>
            {
                let n = self.r.ident(Var::Adjoint(step.node));
                let each = step.each.as_ref().map(|e| r.backward(e, true).0);
                self.per_element(&n, shape, each.unwrap_or_default())
            }
            (Target::Node, _) => {
                let var = Var::Adjoint(step.node);
                let n = self.r.ident(var);
                // One expression where the per-sample step is one, else the statements that
                // build the adjoint in a local, then the local.
                let value = match shape {
                    Shape::Scalar => {
                        r.backward(step.each.as_ref().unwrap_or(&BExpr::Const(0.0)), false)
                            .0
                    }
                    shape => {
                        let local = self.sample(Some(var));
                        match steps::vector_adjoint(&local, step, shape) {
                            (built, None) => block(&built, n.to_token_stream()),
                            (built, Some(value)) if built.is_empty() => value,
                            (built, Some(value)) => block(&built, value),
                        }
                    }
                };
                vec![self.per_sample(&n, shape, value)]
            }
        }
    }

    /// One share of the gradient of a parameter matrix or kernel bank: an outer product or a
    /// kernel gradient summed over the batch in one call where its operands are rows of
    /// per-sample values, else sample by sample.
    fn param_share(&self, step: &Step, w: &Whole) -> Stmt {
        let plan = self.r.plan;
        let p = plan.name(step.node);
        let batched = w.dy.is_variable() && plan.per_sample[w.value];
        match w.kind {
            WholeKind::Outer if batched => {
                let f = self.r.kernel(Kernel::OuterAddBatch);
                let (x, dy) = (self.r.rows_arg(Var::Value(w.value)), self.rows_of(&w.dy));
                Stmt::new(quote!(#f(&mut grads.#p, #dy, #x);))
            }
            WholeKind::ConvKernel(layer) if batched => {
                let f = self
                    .r
                    .conv_rows_kernel(layer, ConvPart::KernelGradient, &self.b);
                let (x, dy) = (self.r.rows_arg(Var::Value(w.value)), self.rows_of(&w.dy));
                Stmt::new(quote!(#f(&mut grads.#p, #x, #dy);))
            }
            _ => {
                let r = self.sample(None);
                let one = Step {
                    whole: vec![w.clone()],
                    each: None,
                    ..step.clone()
                };
                self.each_sample(steps::step_statements(&r, &one, false))
            }
        }
    }

    fn items(&self) -> Vec<Item> {
        let plan = self.r.plan;
        let c = plan.c;
        let g = &c.graph;
        let generics = Generics::of(plan);
        let b = &self.b;
        let mut with_b = c.network.item.sig.generics.clone();
        with_b.params.push(syn::parse_quote!(const #b: usize));
        let (bg, _, bw) = with_b.split_for_impl();
        let params_ty = generics.ty("Params", !g.params.is_empty());
        let krate = &c.network.krate;
        // Each input's B rows, in one array or gathered by reference (`ByRef`, the Trainer's
        // shuffled samples); the body reads row s as `x[s]` either way.
        let args: Vec<TokenStream> = g
            .inputs
            .iter()
            .map(|&i| {
                let (n, t) = (plan.name(i), plan.ty(plan.shape(i)));
                quote!(#n: &impl #krate::math::Rows<#t, #b>)
            })
            .collect();
        let out_ty = plan.ty(plan.shape(g.output));
        let outputs = quote!([#out_ty; #b]);
        let out = self.r.ident(Var::Value(g.output));
        let grads = ident(if g.params.is_empty() {
            "_grads"
        } else {
            "grads"
        });
        let seed = self.r.ident(Var::Seed);
        let s = &self.s;
        let bind = bind(plan, "Params", &g.params, g.params.len());
        let forward = self.forward();
        let mut forward_body: Vec<Stmt> = bind.iter().cloned().chain(forward.clone()).collect();
        forward_body.push(Stmt::new(quote!(#out)));
        let mut gradient_body: Vec<Stmt> = bind.into_iter().chain(forward).collect();
        gradient_body.push(Stmt::new(
            quote!(let #seed: #outputs = from_fn(|#s| d_output(#s, &#out[#s]));),
        ));
        gradient_body.extend(self.backward());
        gradient_body.push(Stmt::new(quote!(#out)));
        let forward_doc = doc(&format!(
            "Inference for a batch: [`forward`] of every sample (each argument holds one row \
             per sample), the products `W·x` of all {b} samples computed as one matrix \
             product per layer."
        ));
        let gradient_doc = doc(&format!(
            "Training on a batch: the output of every sample, and Σₛ ∂Lₛ/∂θ *added* to \
             `grads`, where `d_output(s, &y)` is ∂Lₛ/∂{out} of sample `s` (1 when the \
             output is the loss).\n\nThe chain-rule steps of [`backward_params`], each run for \
             every sample, except the products with a parameter matrix: `W·x`, `Wᵀ·∂L/∂z` \
             and `Σₛ ∂L/∂z ⊗ x` are each one matrix product for the whole batch. Every \
             value is kept for all {b} samples on the stack: {b} × the widest layer × \
             a few values must fit the thread's stack."
        ));
        vec![
            Item::Function(Function {
                head: quote! {
                    #forward_doc
                    #[allow(clippy::needless_range_loop)]
                    pub fn forward_batch #bg (params: &#params_ty, #(#args),*) -> #outputs #bw
                },
                body: forward_body,
            }),
            Item::Function(Function {
                head: quote! {
                    #gradient_doc
                    #[allow(clippy::needless_range_loop)]
                    pub fn gradient_batch #bg (
                        params: &#params_ty,
                        #(#args,)*
                        mut d_output: impl FnMut(usize, &#out_ty) -> #out_ty,
                        #grads: &mut #params_ty,
                    ) -> #outputs #bw
                },
                body: gradient_body,
            }),
        ]
    }
}

/// `{ stmts; value }`.
fn block(stmts: &[Stmt], value: TokenStream) -> TokenStream {
    let stmts = stmts.iter().map(|s| &s.tokens);
    quote!({ #(#stmts)* #value })
}

//! Expressions of generated code, rendered under a reading of the variables: in `forward` a
//! value is a local (`z1[i]`, `&z1`); in `backward` an array of the tape is a reference
//! (`z1[i]`, `z1`); in the batch functions a per-sample value has one row per sample
//! (`z1[s][i]`, `&z1[s]`). The same expression renders in each.

use proc_macro2::{Ident, Literal, TokenStream};
use quote::{quote, ToTokens};

use super::plan::{ident, kernel, ConvPart, Plan, Recorder, ROW_SUM};
use crate::ast::Shape;
use crate::diff::bexpr::{BExpr, Whole, WholeKind};
use crate::func::{Builtin, Func, Kernel};
use crate::graph::{NodeId, Op};

/// Which function's variables an expression reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// `forward`, `forward_tape`: inputs and values are locals.
    Forward,
    /// `backward`: arrays of the tape are references.
    Backward,
    /// The batch functions: per-sample values have one row per sample.
    Batch,
}

/// A variable of generated code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Var {
    /// A node's value.
    Value(NodeId),
    /// A node's adjoint, `dl_dz1`.
    Adjoint(NodeId),
    /// ∂L/∂output.
    Seed,
    /// The k-th `Wᵀ·∂L/∂z` that a batch computes for all its samples.
    Transpose(usize),
}

/// How a variable is held.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Storage {
    /// A local value: element `v[i]`, argument `&v`.
    Owned,
    /// A reference: element `v[i]`, argument `v`.
    Borrowed,
    /// One row per sample: element `v[s][i]`, argument `&v[s]`; `by_ref` for an argument of
    /// the batch function (`x: &impl Rows<[f32; 3], B>`, read `x[s]`).
    Rows { by_ref: bool },
}

/// Renders expressions of one function.
pub struct Render<'a> {
    /// What emission reads.
    pub plan: &'a Plan<'a>,
    /// Whose variables.
    pub mode: Mode,
    /// In batch code, the sample whose row is read; `None` outside a per-sample loop.
    pub sample: Option<Ident>,
    /// An adjoint built as a local inside a per-sample block, not as rows.
    pub local: Option<Var>,
    /// What the rendered code uses.
    pub uses: &'a Recorder,
}

/// Tokens with their precedence: sums 1, products 2, negation 3, atoms 4.
pub type Prec = (TokenStream, u8);

fn paren(tokens: TokenStream, prec: u8, min: u8) -> TokenStream {
    if prec < min {
        quote!((#tokens))
    } else {
        tokens
    }
}

/// `a op b`, appended to `a`'s tokens: a chain of ten thousand terms is built in linear time.
fn binary(a: Prec, op: TokenStream, b: Prec, prec: u8) -> Prec {
    let mut tokens = paren(a.0, a.1, prec);
    tokens.extend(op);
    tokens.extend(paren(b.0, b.1, prec + 1));
    (tokens, prec)
}

fn negate(a: Prec) -> Prec {
    let t = paren(a.0, a.1, 4);
    (quote!(-#t), 3)
}

impl<'a> Render<'a> {
    /// A renderer for `mode`, outside any per-sample loop.
    pub fn new(plan: &'a Plan<'a>, mode: Mode, uses: &'a Recorder) -> Self {
        Render {
            plan,
            mode,
            sample: None,
            local: None,
            uses,
        }
    }

    /// The same renderer reading row `sample` of per-sample values.
    pub fn at_sample(&self, sample: &Ident, local: Option<Var>) -> Render<'a> {
        Render {
            plan: self.plan,
            mode: self.mode,
            sample: Some(sample.clone()),
            local,
            uses: self.uses,
        }
    }

    /// Records a kernel's use and names it.
    pub fn kernel(&self, k: Kernel) -> Ident {
        kernel(self.uses, k)
    }

    /// Whether a node is computed into a variable of its own here.
    pub fn is_named(&self, id: NodeId) -> bool {
        self.plan.named[id] || (self.mode == Mode::Batch && self.plan.products[id])
    }

    /// The variable's identifier.
    pub fn ident(&self, var: Var) -> Ident {
        let names = &self.plan.c.names;
        match var {
            Var::Value(id) if self.mode == Mode::Batch => ident(names.product(id).unwrap_or("v")),
            Var::Value(id) => ident(names.of(id)),
            Var::Adjoint(id) => ident(&names.adjoint(id)),
            Var::Seed => ident(&names.seed),
            Var::Transpose(k) => ident(&names.transposes[k].1),
        }
    }

    /// The variable's shape (of one sample).
    pub fn shape(&self, var: Var) -> Shape {
        let g = &self.plan.c.graph;
        match var {
            Var::Value(id) | Var::Adjoint(id) => g.shape(id),
            Var::Seed => g.shape(g.output),
            Var::Transpose(k) => {
                let w = &self.plan.c.names.transposes[k].0;
                match (w.kind, g.shape(w.value)) {
                    // ∂L/∂x of a convolution has the shape of its input.
                    (WholeKind::ConvInput(layer), _) => match g[layer].op {
                        Op::Conv(_, _, x) => g.shape(x),
                        _ => Shape::Scalar,
                    },
                    (_, Shape::Matrix(_, cols)) => Shape::Vector(cols),
                    (_, other) => other,
                }
            }
        }
    }

    fn storage(&self, var: Var) -> Storage {
        let g = &self.plan.c.graph;
        let array = self.shape(var) != Shape::Scalar;
        let batch = self.mode == Mode::Batch;
        match var {
            Var::Value(id) => match g[id].op {
                Op::Param(_) if array => Storage::Borrowed,
                Op::Param(_) => Storage::Owned,
                Op::Input(_) if batch => Storage::Rows { by_ref: true },
                _ if batch && self.plan.per_sample[id] => Storage::Rows { by_ref: false },
                _ if self.mode == Mode::Backward && array => Storage::Borrowed,
                _ => Storage::Owned,
            },
            _ if batch && self.local != Some(var) => Storage::Rows { by_ref: false },
            _ => Storage::Owned,
        }
    }

    /// The variable's row of this sample, or the variable.
    fn row(&self, var: Var) -> TokenStream {
        let v = self.ident(var);
        match (self.storage(var), &self.sample) {
            (Storage::Rows { .. }, Some(s)) => quote!(#v[#s]),
            _ => quote!(#v),
        }
    }

    /// The variable as a value (a scalar, or when `element` element `[i]` of a vector,
    /// `[ch][i]` of channel data, `[ch][row][col]` of images).
    pub fn read(&self, var: Var, element: bool) -> TokenStream {
        let row = self.row(var);
        if element {
            let index = index(self.shape(var));
            quote!(#row #index)
        } else {
            row
        }
    }

    /// The variable as the argument of a runtime function: `&z1`, `W1`, `&z1[s]`.
    pub fn arg(&self, var: Var) -> TokenStream {
        let row = self.row(var);
        match self.storage(var) {
            Storage::Borrowed => row,
            Storage::Owned | Storage::Rows { .. } => quote!(&#row),
        }
    }

    /// The variable's rows as the argument of a batch kernel: `&h`, `x` (already a reference).
    pub fn rows_arg(&self, var: Var) -> TokenStream {
        let v = self.ident(var);
        match self.storage(var) {
            Storage::Owned | Storage::Rows { by_ref: false } => quote!(&#v),
            Storage::Borrowed | Storage::Rows { by_ref: true } => quote!(#v),
        }
    }

    /// A constant in the scalar type, with its precedence.
    pub fn constant(&self, v: f64) -> Prec {
        if self.plan.generic {
            let t = &self.plan.scalar;
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
            let lit = self.kernel(Kernel::Lit);
            let value = float_literal(v, false);
            return (quote!(#lit::<#t>(#value)), 4);
        }
        let lit = float_literal(v.abs(), self.plan.is_f32());
        if v < 0.0 {
            (quote!(-#lit), 3)
        } else {
            (lit, 4)
        }
    }

    /// Zero of `shape`: `0.0`, `[0.0; 4]`, `[[0.0; 3]; 4]`.
    pub fn zero(&self, shape: Shape) -> TokenStream {
        super::plan::repeat(self.constant(0.0).0, shape)
    }

    /// `from_fn(|i| element)`: a vector built by one loop over its elements.
    pub fn from_fn(&self, element: TokenStream) -> TokenStream {
        self.from_fn_shaped(Shape::Vector(0), element)
    }

    /// An array of `shape` built element by element: `from_fn(|i| element)`, and for channel
    /// data `from_fn(|ch| from_fn(|i| element))`.
    pub fn from_fn_shaped(&self, shape: Shape, element: TokenStream) -> TokenStream {
        self.uses.borrow_mut().from_fn = true;
        index_vars(shape)
            .into_iter()
            .rev()
            .fold(element, |inner, v| quote!(from_fn(|#v| #inner)))
    }

    /// An operation applied to numbers one at a time (`a + b`, `-a`, `relu(z)`), its operands
    /// rendered by `sub`: the same tokens for a scalar and for element `i` of a vector.
    pub(super) fn elementwise(&self, op: &Op, sub: impl Fn(NodeId) -> Prec) -> Option<Prec> {
        Some(match *op {
            Op::Add(a, b) => binary(sub(a), quote!(+), sub(b), 1),
            Op::Sub(a, b) => binary(sub(a), quote!(-), sub(b), 1),
            Op::Mul(a, b) => binary(sub(a), quote!(*), sub(b), 2),
            Op::Div(a, b) => binary(sub(a), quote!(/), sub(b), 2),
            Op::Neg(a) => negate(sub(a)),
            Op::Call(f, a) if !f.is_whole_vector() => (self.call(f, &[sub(a).0]), 4),
            Op::ChannelBias(z, b) => {
                // The bias of this element's channel.
                let bias = self.row(Var::Value(b));
                binary(sub(z), quote!(+), (quote!(#bias[ch]), 4), 1)
            }
            _ => return None,
        })
    }

    /// The forward expression of a node (a whole vector for a vector node); named nodes
    /// below the top are read from their variables.
    pub fn forward(&self, id: NodeId, top: bool) -> Prec {
        let node = &self.plan.c.graph[id];
        if node.op.is_leaf() || (!top && self.is_named(id)) {
            return (self.read(Var::Value(id), false), 4);
        }
        if node.shape != Shape::Scalar {
            let tokens = match node.op {
                Op::Call(f, z) if f.is_whole_vector() => self.call(f, &[self.node_arg(z)]),
                Op::Conv(..) | Op::Pool(..) | Op::Flatten(_) => self.layer(id),
                _ => match self.fused_matvec(id, true) {
                    Some(product) => self.matvec(id, product),
                    None => self.from_fn_shaped(node.shape, self.element(id, true).0),
                },
            };
            return (tokens, 4);
        }
        if let Some(tokens) = self.elementwise(&node.op, |c| self.forward(c, false)) {
            return tokens;
        }
        match node.op {
            Op::Const(v) => self.constant(v),
            Op::Dot(a, b) => {
                let f = self.kernel(Kernel::Dot);
                let (a, b) = (self.node_arg(a), self.node_arg(b));
                (quote!(#f(#a, #b)), 4)
            }
            Op::Call(f, v) => (self.call(f, &[self.node_arg(v)]), 4),
            _ => (quote!(), 4),
        }
    }

    /// Element `i` of vector node `id` (its value for a scalar, which broadcasts): unnamed
    /// elementwise operations are fused into the loop of the vector that uses them.
    pub fn element(&self, id: NodeId, top: bool) -> Prec {
        self.element_summed(id, top, None)
    }

    /// [`element`](Self::element), with the product `sum` read as row `i`'s sum of
    /// `matvec`'s closure.
    pub(super) fn element_summed(&self, id: NodeId, top: bool, sum: Option<NodeId>) -> Prec {
        let node = &self.plan.c.graph[id];
        if node.shape == Shape::Scalar {
            return self.forward(id, false);
        }
        if node.op.is_leaf() || (!top && self.is_named(id)) {
            return (self.read(Var::Value(id), true), 4);
        }
        if let Some(tokens) = self.elementwise(&node.op, |c| self.element_summed(c, false, sum)) {
            return tokens;
        }
        match node.op {
            Op::MatVec(..) if sum == Some(id) => (ident(ROW_SUM).into_token_stream(), 4),
            Op::MatVec(w, x) => {
                // Row i of W times x.
                let f = self.kernel(Kernel::Dot);
                let w = self.row(Var::Value(w));
                let x = self.node_arg(x);
                (quote!(#f(&#w[i], #x)), 4)
            }
            // Whole-vector values always have a variable (see `names`).
            _ => (self.read(Var::Value(id), true), 4),
        }
    }

    /// A vector or matrix node as a function argument.
    pub fn node_arg(&self, id: NodeId) -> TokenStream {
        if self.plan.c.graph[id].op.is_leaf() || self.is_named(id) {
            self.arg(Var::Value(id))
        } else {
            let (value, _) = self.forward(id, false);
            quote!(&#value)
        }
    }

    /// A call of a function of the table or of the user's, on rendered arguments; constants
    /// follow the first argument.
    pub fn call(&self, f: Func, args: &[TokenStream]) -> TokenStream {
        let customs = &self.plan.c.network.customs;
        let (path, constants) = match f {
            Func::Builtin(b, values) => {
                let spec = b.spec();
                self.uses.borrow_mut().math.insert(spec.name);
                let constants: Vec<TokenStream> = spec
                    .constants
                    .iter()
                    .zip(values)
                    .map(|(c, v)| {
                        if c.integer {
                            Literal::i32_unsuffixed(v as i32).into_token_stream()
                        } else {
                            self.constant(v).0
                        }
                    })
                    .collect();
                (ident(spec.name).into_token_stream(), constants)
            }
            Func::Custom(k) => (super_path(&customs[k].function), Vec::new()),
            Func::CustomDerivative(k) => (super_path(&customs[k].derivative), Vec::new()),
        };
        quote!(#path(#(#args,)* #(#constants),*))
    }

    /// The variable a backward leaf reads.
    fn var_of(e: &BExpr) -> Option<Var> {
        match e {
            BExpr::Seed => Some(Var::Seed),
            BExpr::Adj(id) => Some(Var::Adjoint(*id)),
            BExpr::Val(id) => Some(Var::Value(*id)),
            _ => None,
        }
    }

    /// A backward expression: element `i` when `element` (scalars broadcast), else whole.
    pub fn backward(&self, e: &BExpr, element: bool) -> Prec {
        let sub = |x: &BExpr| self.backward(x, element);
        if let Some(var) = Self::var_of(e) {
            return (self.read(var, element), 4);
        }
        match e {
            BExpr::Sum(inner, _) => (self.sum(inner), 4),
            BExpr::Const(v) => self.constant(*v),
            BExpr::Add(a, b) => binary(sub(a), quote!(+), sub(b), 1),
            BExpr::Sub(a, b) => binary(sub(a), quote!(-), sub(b), 1),
            BExpr::Mul(a, b) => binary(sub(a), quote!(*), sub(b), 2),
            BExpr::Div(a, b) => binary(sub(a), quote!(/), sub(b), 2),
            BExpr::Neg(a) => negate(sub(a)),
            BExpr::Call(f, args) => {
                let args: Vec<TokenStream> = args.iter().map(|a| sub(a).0).collect();
                (self.call(*f, &args), 4)
            }
            BExpr::Seed | BExpr::Adj(_) | BExpr::Val(_) => (quote!(), 4),
        }
    }

    /// Σᵢ of an elementwise expression: `sum(&v)`, `dot(&a, &b)`, or a fold.
    fn sum(&self, inner: &BExpr) -> TokenStream {
        // `sum(&v)` and `dot(&a, &b)` take vectors; channel data is summed by the folds below.
        let vector =
            |e: &BExpr| Self::var_of(e).is_some_and(|v| matches!(self.shape(v), Shape::Vector(_)));
        if vector(inner) {
            let v = self.backward_arg(inner);
            return self.call(Func::of(Builtin::Sum), &[v]);
        }
        if let BExpr::Mul(a, b) = inner {
            if vector(a) && vector(b) {
                let f = self.kernel(Kernel::Dot);
                let (a, b) = (self.backward_arg(a), self.backward_arg(b));
                return quote!(#f(#a, #b));
            }
        }
        let (zero, _) = self.constant(0.0);
        let (element, _) = self.backward(inner, true);
        // One fold per dimension, the innermost adding the elements.
        let shape = self.array_shape(inner);
        let vars = index_vars(shape);
        let dims = shape.dims();
        let mut sum = quote!(acc + #element);
        for (k, (v, n)) in vars.iter().zip(&dims).enumerate().rev() {
            let n = Literal::usize_unsuffixed(*n);
            let start = if k == 0 { zero.clone() } else { quote!(acc) };
            sum = quote!((0..#n).fold(#start, |acc, #v| #sum));
        }
        sum
    }

    /// The shape of the arrays in an elementwise backward expression (a scalar when it has
    /// none).
    pub fn array_shape(&self, e: &BExpr) -> Shape {
        let mut shape = Shape::Scalar;
        e.visit(&mut |x| {
            if let Some(s) = Self::var_of(x).map(|v| self.shape(v)) {
                if s != Shape::Scalar {
                    shape = s;
                }
            }
        });
        shape
    }

    /// The number of elements of the arrays in an elementwise backward expression (0 when it
    /// has none).
    pub fn vector_len(&self, e: &BExpr) -> usize {
        match self.array_shape(e) {
            Shape::Scalar => 0,
            shape => shape.elements(),
        }
    }

    /// A backward leaf as a function argument.
    pub fn backward_arg(&self, e: &BExpr) -> TokenStream {
        match e {
            BExpr::Val(id) => self.node_arg(*id),
            other => match Self::var_of(other) {
                Some(var) => self.arg(var),
                None => {
                    let (t, _) = self.backward(other, false);
                    quote!(&#t)
                }
            },
        }
    }

    /// A whole-vector share of an adjoint, as a call of the runtime (the outer products that
    /// matrices receive are statements: see `steps`).
    pub fn whole(&self, w: &Whole) -> TokenStream {
        let transposes = &self.plan.c.names.transposes;
        if self.mode == Mode::Batch {
            if let Some(k) = transposes.iter().position(|(t, _)| t == w) {
                // This sample's row of the product computed for the whole batch.
                return self.read(Var::Transpose(k), false);
            }
        }
        let dy = self.backward_arg(&w.dy);
        let value = || self.node_arg(w.value);
        let k = match w.kind {
            WholeKind::TransposeMul => Kernel::TransposeMul,
            WholeKind::SoftmaxBackward => Kernel::SoftmaxBackward,
            WholeKind::LogSoftmaxBackward => Kernel::LogSoftmaxBackward,
            WholeKind::Outer | WholeKind::ConvKernel(_) => return quote!(),
            WholeKind::ConvInput(layer) => {
                let f = self.conv_kernel(layer, ConvPart::InputGradient);
                let k = value();
                return quote!(#f(#k, #dy));
            }
            WholeKind::MaxPool(layer) => {
                let f =
                    self.layer_kernel(layer, Kernel::MaxPool1dGradient, Kernel::MaxPool2dGradient);
                let x = value();
                return quote!(#f(#x, #dy));
            }
            WholeKind::AvgPool(layer) => {
                let f =
                    self.layer_kernel(layer, Kernel::AvgPool1dGradient, Kernel::AvgPool2dGradient);
                return quote!(#f(#dy));
            }
            WholeKind::Unflatten(layer) => {
                let f = self.layer_kernel(layer, Kernel::Unflatten, Kernel::Unflatten2d);
                return quote!(#f(#dy));
            }
            WholeKind::ChannelSum(layer) => {
                let two = self.plan.c.graph.shape(layer).rank() == 3;
                let f = self.kernel(if two {
                    Kernel::ChannelSums2d
                } else {
                    Kernel::ChannelSums
                });
                return quote!(#f(#dy));
            }
        };
        let f = self.kernel(k);
        let value = value();
        quote!(#f(#value, #dy))
    }
}

/// The loop variables of the elements of a value of `shape`, outermost first: `i` of a
/// vector, `ch, i` of channel data, `ch, row, col` of images.
pub fn index_vars(shape: Shape) -> Vec<Ident> {
    let names: &[&str] = match shape.rank() {
        0 => &[],
        1 => &["i"],
        2 => &["ch", "i"],
        _ => &["ch", "row", "col"],
    };
    names.iter().map(|n| ident(n)).collect()
}

/// The index of the element the loop variables stand at: `[i]`, `[ch][i]`, `[ch][row][col]`.
pub fn index(shape: Shape) -> TokenStream {
    let vars = index_vars(shape);
    quote!(#([#vars])*)
}

/// A path written in the user's module, as seen from the generated child module.
pub fn super_path(path: &syn::Path) -> TokenStream {
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
pub fn float_literal(v: f64, is_f32: bool) -> TokenStream {
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

//! The AST → the graph: names resolved, shapes inferred and checked, identical
//! subexpressions shared, constants folded, and `x·1`, `x + 0` removed before
//! differentiation ever sees them. Mistakes of names (unknown, defined twice, reserved,
//! unused) and of shapes are reported here, each pointing at the user's tokens.

use std::collections::{BTreeMap, BTreeSet};

use proc_macro2::Span;
use syn::Ident;

use crate::ast::{self, BinOp, Expr, Role, Shape};
use crate::errors::Ctxt;
use crate::func::{Builtin, Func, Kind};
use crate::graph::{Graph, NodeId, Op};
use crate::reserved;
use crate::simplify;

mod layers;

const MATRIX_ONLY_TIMES_VECTOR: &str =
    "a parameter matrix can only multiply a vector, written `W·x`; elementwise operations take scalars, vectors and channel data";
const KERNEL_ONLY_IN_CONVOLUTIONS: &str =
    "a kernel bank is only read by a convolution, `conv1d(K, x)` or `conv2d(K, x)`";

/// Lowers the AST, rewriting by the simplifier's rules when `simplify`; `None` when some
/// part could not be lowered (its error is recorded).
pub fn lower(cx: &Ctxt, net: &ast::Network, simplify: bool) -> Option<Graph> {
    let mut lower = Lower {
        simplify,
        cx,
        net,
        graph: Graph::new(),
        scope: BTreeMap::new(),
        cse: BTreeMap::new(),
        rewriting: false,
    };
    for arg in &net.args {
        lower.argument(arg);
    }
    let mut complete = true;
    for binding in &net.lets {
        let id = lower.expr(&binding.value);
        complete &= id.is_some();
        lower.define(&binding.name, id);
        if let Some(id) = id {
            lower.label(id, &binding.name);
        }
    }
    let output = net.output.as_ref()?;
    if let Some(name) = &output.name {
        lower.check_name(name);
    }
    let id = lower.expr(&output.value);
    complete &= id.is_some();
    if complete {
        // Whether a name is used can only be told when every expression could be read.
        unused(cx, net);
    }
    let id = id?;
    lower.output(id, output)?;
    lower.prediction();
    Some(lower.graph)
}

/// What a name in scope stands for.
#[derive(Clone, Copy)]
enum Bound {
    Node(NodeId),
    /// Its definition was a mistake, already reported: its uses say nothing more.
    Poisoned,
}

struct Lower<'a> {
    cx: &'a Ctxt,
    net: &'a ast::Network,
    graph: Graph,
    scope: BTreeMap<String, Bound>,
    cse: BTreeMap<(u8, u64, u64, u64, usize, usize), NodeId>,
    /// Whether the nodes being added come from a rewrite rule, not from the user's source.
    rewriting: bool,
    /// Whether to rewrite by the simplifier's rules at all.
    simplify: bool,
}

impl simplify::Builder for Lower<'_> {
    fn graph(&self) -> &Graph {
        &self.graph
    }

    fn build(&mut self, op: Op, shape: Shape, span: Span) -> NodeId {
        let outer = std::mem::replace(&mut self.rewriting, true);
        let id = self.add(op, shape, span);
        self.rewriting = outer;
        id
    }
}

impl Lower<'_> {
    fn argument(&mut self, arg: &ast::Arg) {
        let Some(shape) = arg.shape else {
            self.define(&arg.name, None);
            return;
        };
        let op = match arg.role {
            Role::Input => Op::Input(self.graph.inputs.len()),
            Role::Param => Op::Param(self.graph.params.len()),
        };
        let id = self.graph.push(op, shape, arg.name.span());
        self.graph[id].label.user = Some(arg.name.to_string());
        match arg.role {
            Role::Input => self.graph.inputs.push(id),
            Role::Param => self.graph.params.push(id),
        }
        self.define(&arg.name, Some(id));
    }

    /// Reserved names and names defined twice are mistakes.
    fn check_name(&self, ident: &Ident) -> bool {
        let name = ident.to_string();
        if reserved::is_reserved(&name) {
            self.cx.error_spanned_by(
                ident,
                format!("`{name}` is a name the generated code uses itself; choose another name"),
            );
            return false;
        }
        if self.scope.contains_key(&name) {
            self.cx.error_spanned_by(
                ident,
                format!("`{name}` is already defined; every name in a network is defined once"),
            );
            return false;
        }
        true
    }

    fn define(&mut self, ident: &Ident, id: Option<NodeId>) {
        let bound = match id {
            Some(id) if self.check_name(ident) => Bound::Node(id),
            _ => Bound::Poisoned,
        };
        self.scope.entry(ident.to_string()).or_insert(bound);
    }

    /// The user's name for a value, unless an earlier name already stands for it.
    fn label(&mut self, id: NodeId, name: &Ident) {
        let node = &mut self.graph[id];
        if !node.op.is_leaf() && node.op.constant().is_none() && node.label.user.is_none() {
            node.label.user = Some(name.to_string());
        }
    }

    /// Checks the output and marks it.
    fn output(&mut self, id: NodeId, output: &ast::Output) -> Option<()> {
        let node = &self.graph[id];
        if node.op.is_leaf() || node.op.constant().is_some() {
            self.cx.error_at(
                node.span,
                "the output is a bare argument or a constant; a network must compute something from its arguments",
            );
            return None;
        }
        let declared = self.net.out_shape?;
        if node.shape != declared {
            let scalar = self.scalar();
            let message = format!(
                "the network computes {} ({}), but the function returns `{}`",
                node.shape.describe(),
                node.shape.rust(&scalar),
                declared.rust(&scalar)
            );
            match &self.net.item.sig.output {
                syn::ReturnType::Type(_, ty) => self.cx.error_spanned_by(ty, message),
                syn::ReturnType::Default => self.cx.error_at(node.span, message),
            }
            return None;
        }
        self.graph.output = id;
        // The output's own name wins over the name of a `let` it may also be.
        if let Some(name) = &output.name {
            self.graph[id].label.user = Some(name.to_string());
        }
        Some(())
    }

    /// The value `predict = a` names: a value the body computes.
    fn prediction(&mut self) {
        let Some(name) = &self.net.predict else {
            return;
        };
        match self.scope.get(&name.to_string()) {
            Some(Bound::Node(id)) if !self.graph[*id].op.is_leaf() => {
                self.graph.prediction = Some(*id);
            }
            Some(Bound::Node(_)) => self.cx.error_spanned_by(
                name,
                format!("`predict = {name}` names an argument; name a value the body computes, like `predict = a` for `let a = sigmoid(w·x + b);`"),
            ),
            Some(Bound::Poisoned) => {}
            None => self.cx.error_spanned_by(
                name,
                format!("`predict = {name}`: the body has no value `{name}`; name one of its `let`s, like `predict = a` for `let a = sigmoid(w·x + b);`"),
            ),
        }
    }

    fn scalar(&self) -> String {
        self.net
            .scalar
            .as_ref()
            .map_or_else(|| "f32".to_string(), |s| s.ident().to_string())
    }

    /// The node of an expression; `None` after a mistake, reported here or before.
    fn expr(&mut self, e: &Expr) -> Option<NodeId> {
        match e {
            Expr::Const(v, span) => Some(self.add(Op::Const(*v), Shape::Scalar, *span)),
            Expr::Var(ident) => self.var(ident),
            Expr::Binary(op, a, b, span) => {
                let (ia, ib) = (self.expr(a), self.expr(b));
                let (ia, ib) = (ia?, ib?);
                match self.binary(*op, (a, ia), (b, ib)) {
                    Ok((op, shape)) => Some(self.add(op, shape, *span)),
                    Err(message) => {
                        self.cx.error_at(*span, message);
                        None
                    }
                }
            }
            Expr::Neg(a, span) => {
                let id = self.expr(a)?;
                let shape = self.graph.shape(id);
                if shape.rank() >= 2 && !self.is_channel_data(id) {
                    self.cx.error_at(*span, self.not_elementwise(id));
                    return None;
                }
                Some(self.add(Op::Neg(id), shape, *span))
            }
            Expr::Call(call) => {
                let arg = self.expr(&call.arg)?;
                let shape = match self.call_shape(call, arg) {
                    Ok(shape) => shape,
                    Err(message) => {
                        self.cx.error_at(call.span, message);
                        return None;
                    }
                };
                let id = self.add(Op::Call(call.func, arg), shape, call.span);
                if call.placeholder && self.graph[id].label.placeholder.is_none() {
                    self.graph[id].label.placeholder = Some(call.name.to_string());
                }
                Some(id)
            }
            Expr::Layer(call) => {
                let args: Vec<Option<NodeId>> = call.args.iter().map(|a| self.expr(a)).collect();
                let args: Vec<NodeId> = args.into_iter().collect::<Option<_>>()?;
                match self.layer(call, &args) {
                    Ok((op, shape)) => Some(self.add(op, shape, call.span)),
                    Err(message) => {
                        self.cx.error_at(call.span, message);
                        None
                    }
                }
            }
            Expr::Invalid(parts) => {
                for part in parts {
                    self.expr(part);
                }
                None
            }
        }
    }

    fn var(&self, ident: &Ident) -> Option<NodeId> {
        let name = ident.to_string();
        match self.scope.get(&name) {
            Some(Bound::Node(id)) => return Some(*id),
            Some(Bound::Poisoned) => return None,
            None => {}
        }
        let is_placeholder = self.net.customs.iter().any(|c| c.name == *ident);
        let hint = if Builtin::from_name(&name).is_some() || is_placeholder {
            format!("`{name}` is a function; call it: `{name}(z)`")
        } else {
            format!(
                "cannot find `{name}` in this network; expected an argument or an earlier `let`"
            )
        };
        self.cx.error_spanned_by(ident, hint);
        None
    }

    /// How an operand reads in a message: `` `W1` is a 4×3 matrix ([[f32; 3]; 4]) ``.
    fn describe(&self, e: &Expr, id: NodeId) -> String {
        match self.graph.shape(id) {
            Shape::Scalar => format!("`{e}` is a scalar"),
            shape => format!(
                "`{e}` is {} ({})",
                shape.describe(),
                shape.rust(&self.scalar())
            ),
        }
    }

    /// The operation a binary operator denotes for the shapes of its operands, and the shape
    /// of its result; or the message of a shape error.
    fn binary(
        &self,
        op: BinOp,
        a: (&Expr, NodeId),
        b: (&Expr, NodeId),
    ) -> Result<(Op, Shape), String> {
        let (sa, sb) = (self.graph.shape(a.1), self.graph.shape(b.1));
        let symbol = op.symbol().trim();
        let both = || {
            format!(
                "{} and {}",
                self.describe(a.0, a.1),
                self.describe(b.0, b.1)
            )
        };
        let (ea, eb) = (a.0, b.0);
        let (a, b) = (a.1, b.1);
        if sa.rank() >= 2 || sb.rank() >= 2 {
            if let Some(result) = self.channel_binary(op, (ea, a), (eb, b)) {
                return result;
            }
        }
        match (op, sa, sb) {
            (BinOp::Dot, Shape::Vector(n), Shape::Vector(m)) if n == m => {
                Ok((Op::Dot(a, b), Shape::Scalar))
            }
            (BinOp::Dot, Shape::Vector(_), Shape::Vector(_)) => Err(format!(
                "shape mismatch in `·`: {}; a dot product `w·x` needs two vectors of the same length",
                both()
            )),
            (BinOp::Dot, Shape::Matrix(rows, cols), Shape::Vector(n)) if cols == n => {
                Ok((Op::MatVec(a, b), Shape::Vector(rows)))
            }
            (BinOp::Dot, Shape::Matrix(_, cols), Shape::Vector(n)) => Err(format!(
                "shape mismatch in `·`: {}; a matrix-vector product `W·x` needs as many columns in `W` ({cols}) as elements in `x` ({n})",
                both()
            )),
            (BinOp::Dot, Shape::Vector(_), Shape::Matrix(..)) => Err(format!(
                "a vector times a matrix is not in the network language: {}; write the matrix first, `W·x`",
                both()
            )),
            (BinOp::Dot, Shape::Matrix(..), Shape::Matrix(..)) => Err(format!(
                "matrix-matrix products are not in the network language: {}; apply the matrices to the vector one at a time, `W2·(W1·x)`",
                both()
            )),
            (BinOp::Mul, Shape::Matrix(..), Shape::Vector(_)) => Err(format!(
                "`*` is the elementwise product, and {}; the matrix-vector product is written `·`: `W·x`",
                both()
            )),
            (_, Shape::Matrix(..), _) | (_, _, Shape::Matrix(..)) => {
                Err(format!("{}; {MATRIX_ONLY_TIMES_VECTOR}", both()))
            }
            (_, Shape::Array3(..) | Shape::Array4(..), _)
            | (_, _, Shape::Array3(..) | Shape::Array4(..)) => {
                Err(format!("{}; {KERNEL_ONLY_IN_CONVOLUTIONS}", both()))
            }
            (_, Shape::Vector(n), Shape::Vector(m)) if n != m => Err(format!(
                "shape mismatch in `{symbol}`: {}; elementwise `{symbol}` needs two vectors of the same length, or a scalar on one side",
                both()
            )),
            _ => Ok((
                match op {
                    BinOp::Add => Op::Add(a, b),
                    BinOp::Sub => Op::Sub(a, b),
                    BinOp::Mul | BinOp::Dot => Op::Mul(a, b),
                    BinOp::Div => Op::Div(a, b),
                },
                sa.max(sb),
            )),
        }
    }

    /// The shape of `f(arg)`, or the message of a shape error.
    fn call_shape(&self, call: &ast::Call, arg: NodeId) -> Result<Shape, String> {
        let shape = self.graph.shape(arg);
        let name = &call.name;
        let channels = self.is_channel_data(arg);
        match (call.func.kind(), shape) {
            (Kind::Reduction | Kind::VectorMap, _) if channels => Err(format!(
                "`{name}` takes a vector, but {}; lay the channels out as one first: `{name}(flatten({}))`",
                self.describe(&call.arg, arg),
                call.arg
            )),
            (_, _) if channels => Ok(shape),
            (_, Shape::Matrix(..)) => Err(format!(
                "`{name}` cannot take a matrix: {}; {MATRIX_ONLY_TIMES_VECTOR}",
                self.describe(&call.arg, arg)
            )),
            (_, Shape::Array3(..) | Shape::Array4(..)) => Err(format!(
                "`{name}` cannot take a kernel bank: {}; {KERNEL_ONLY_IN_CONVOLUTIONS}",
                self.describe(&call.arg, arg)
            )),
            (Kind::Reduction | Kind::VectorMap, Shape::Scalar) => Err(format!(
                "`{name}` takes a vector, but {}",
                self.describe(&call.arg, arg)
            )),
            (Kind::Reduction, Shape::Vector(_)) => Ok(Shape::Scalar),
            _ => Ok(shape),
        }
    }

    /// Adds `op`, folding constants, dropping `·1`, `+0`, rewriting it by the simplifier's
    /// rules, and reusing an identical node.
    fn add(&mut self, op: Op, shape: Shape, span: Span) -> NodeId {
        let op = self.fold(op);
        if let Some(same) = self.alias(&op) {
            return same;
        }
        let key = op.key();
        if let Some(&id) = self.cse.get(&key) {
            self.graph[id].written |= !self.rewriting;
            return id;
        }
        if self.simplify {
            if let Some(id) = simplify::rewrite(self, &op, span) {
                return id;
            }
        }
        let shape = if op.constant().is_some() {
            Shape::Scalar
        } else {
            shape
        };
        let id = self.graph.push(op, shape, span);
        self.graph[id].written = !self.rewriting;
        self.cse.insert(key, id);
        id
    }

    /// An operation of constants is a constant, when its value is finite.
    fn fold(&self, op: Op) -> Op {
        let operands = op.operands();
        if operands.as_slice().is_empty() || matches!(op, Op::Call(Func::Custom(_), _)) {
            return op;
        }
        let values: Option<Vec<f64>> = operands
            .into_iter()
            .map(|c| self.graph[c].op.constant())
            .collect();
        match values.and_then(|v| op.apply(&v)) {
            Some(v) if v.is_finite() => Op::Const(v),
            _ => op,
        }
    }

    /// Algebraic identities that make an operation one of its operands.
    fn alias(&self, op: &Op) -> Option<NodeId> {
        let is = |id: NodeId, v: f64| self.graph[id].op.constant() == Some(v);
        match *op {
            Op::Add(a, b) if is(b, 0.0) => Some(a),
            Op::Add(a, b) if is(a, 0.0) => Some(b),
            Op::Sub(a, b) if is(b, 0.0) => Some(a),
            Op::Mul(a, b) if is(b, 1.0) => Some(a),
            Op::Mul(a, b) if is(a, 1.0) => Some(b),
            Op::Div(a, b) if is(b, 1.0) => Some(a),
            Op::Neg(a) => match self.graph[a].op {
                Op::Neg(inner) => Some(inner),
                _ => None,
            },
            _ => None,
        }
    }
}

/// Arguments and `let`s that the output does not read, directly or through other `let`s:
/// told by the names the expressions read, so that a constant `let` folded into another
/// constant still counts as used.
fn unused(cx: &Ctxt, net: &ast::Network) {
    let Some(output) = &net.output else {
        return;
    };
    let mut used = BTreeSet::new();
    output.value.visit_names(&mut |n| {
        used.insert(n.to_string());
    });
    for binding in net.lets.iter().rev() {
        if used.contains(&binding.name.to_string()) {
            binding.value.visit_names(&mut |n| {
                used.insert(n.to_string());
            });
        }
    }
    for arg in &net.args {
        if !used.contains(&arg.name.to_string()) {
            let what = match arg.role {
                Role::Input => "input",
                Role::Param => "parameter",
            };
            cx.error_spanned_by(
                &arg.name,
                format!(
                    "{what} `{}` is not used by the network; use it or remove it",
                    arg.name
                ),
            );
        }
    }
    for binding in &net.lets {
        if !used.contains(&binding.name.to_string()) {
            cx.error_spanned_by(
                &binding.name,
                format!(
                    "`{}` is computed but never used by the output",
                    binding.name
                ),
            );
        }
    }
}

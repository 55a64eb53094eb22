//! Stage 2: the AST → an SSA expression graph.
//!
//! [`Graph::nodes`] is a flat arena in topological order: every node's children have smaller
//! ids (checked by `debug_assert!` in `Graph::push`). Forward is a loop over the arena,
//! backward the same loop reversed. Identical subexpressions are stored once (hash-consing
//! over a `BTreeMap`, so ids are deterministic), constants are folded, and `x * 1`, `x + 0`
//! are removed here, before differentiation ever sees them.

use crate::ast::{self, BinOp, Expr, Func, Role, Shape};
use crate::errors::Errors;
use crate::eval;
use proc_macro2::Span;
use std::collections::{BTreeMap, BTreeSet};

/// Index of a node in [`Graph::nodes`].
pub type NodeId = usize;

/// One operation of the graph.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Op {
    /// The i-th input argument.
    Input(usize),
    /// The i-th parameter argument.
    Param(usize),
    /// A number.
    Const(f64),
    /// a + b
    Add(NodeId, NodeId),
    /// a − b
    Sub(NodeId, NodeId),
    /// a · b
    Mul(NodeId, NodeId),
    /// a / b
    Div(NodeId, NodeId),
    /// −a
    Neg(NodeId),
    /// f(a): elementwise for the functions of one number, as a whole for `sum`, `mean`,
    /// `softmax`, `log_softmax`.
    Call(Func, NodeId),
    /// a·b of two vectors: Σᵢ aᵢbᵢ.
    Dot(NodeId, NodeId),
    /// W·x: the matrix-vector product.
    MatVec(NodeId, NodeId),
}

impl Op {
    /// The operands, in order.
    pub fn children(&self) -> Vec<NodeId> {
        match *self {
            Op::Input(_) | Op::Param(_) | Op::Const(_) => vec![],
            Op::Add(a, b)
            | Op::Sub(a, b)
            | Op::Mul(a, b)
            | Op::Div(a, b)
            | Op::Dot(a, b)
            | Op::MatVec(a, b) => vec![a, b],
            Op::Neg(a) | Op::Call(_, a) => vec![a],
        }
    }

    /// Whether element i of the result depends only on element i of each vector operand
    /// (scalars broadcast), so that it can be computed inside one loop with its consumers.
    pub fn is_elementwise(&self) -> bool {
        match self {
            Op::Add(..) | Op::Sub(..) | Op::Mul(..) | Op::Div(..) | Op::Neg(_) => true,
            Op::Call(f, _) => !f.is_vector_function(),
            _ => false,
        }
    }

    /// Whether this is an argument of the network.
    pub fn is_leaf(&self) -> bool {
        matches!(self, Op::Input(_) | Op::Param(_))
    }

    /// A total, deterministic key for hash-consing.
    fn key(&self) -> (u8, u64, NodeId, NodeId) {
        let func_key = |f: &Func| -> (u8, u64) {
            match *f {
                Func::Step(t) => (0, t.to_bits()),
                Func::Sigmoid => (1, 0),
                Func::Tanh => (2, 0),
                Func::Relu => (3, 0),
                Func::LeakyRelu(a) => (4, a.to_bits()),
                Func::Exp => (5, 0),
                Func::Ln => (6, 0),
                Func::Sqrt => (7, 0),
                Func::Abs => (8, 0),
                Func::Powi(n) => (9, n as u64),
                Func::Softplus => (10, 0),
                Func::Custom(i) => (11, i as u64),
                Func::Sum => (12, 0),
                Func::Mean => (13, 0),
                Func::Softmax => (14, 0),
                Func::LogSoftmax => (15, 0),
            }
        };
        match self {
            Op::Input(i) => (0, *i as u64, 0, 0),
            Op::Param(i) => (1, *i as u64, 0, 0),
            Op::Const(c) => (2, c.to_bits(), 0, 0),
            Op::Add(a, b) => (3, 0, *a, *b),
            Op::Sub(a, b) => (4, 0, *a, *b),
            Op::Mul(a, b) => (5, 0, *a, *b),
            Op::Div(a, b) => (6, 0, *a, *b),
            Op::Neg(a) => (7, 0, *a, 0),
            Op::Dot(a, b) => (8, 0, *a, *b),
            Op::MatVec(a, b) => (9, 0, *a, *b),
            Op::Call(f, a) => {
                let (tag, bits) = func_key(f);
                (20 + tag, bits, *a, 0)
            }
        }
    }
}

/// Who chose a node's name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NameKind {
    /// An argument, a `let`, or the output.
    User,
    /// Derived by a naming rule (`a1` for the argument of placeholder `f1`), may be renamed to
    /// stay unique.
    Auto,
}

/// One node.
#[derive(Clone, Debug)]
pub struct Node {
    /// What it computes.
    pub op: Op,
    /// Its name in generated code, if it has one yet.
    pub name: Option<(String, NameKind)>,
    /// Scalar or vector (matrices are only ever arguments).
    pub shape: Shape,
    /// Where the user wrote it.
    pub span: Span,
}

/// The network as a graph.
#[derive(Clone, Debug)]
pub struct Graph {
    /// The arena, children before parents.
    pub nodes: Vec<Node>,
    /// Input leaves, in signature order.
    pub inputs: Vec<NodeId>,
    /// Parameter leaves, in signature order.
    pub params: Vec<NodeId>,
    /// The output node.
    pub output: NodeId,
}

impl Graph {
    /// Adds a node; its children must already exist.
    fn push(&mut self, op: Op, shape: Shape, span: Span) -> NodeId {
        debug_assert!(op.children().iter().all(|&c| c < self.nodes.len()));
        self.nodes.push(Node {
            op,
            name: None,
            shape,
            span,
        });
        self.nodes.len() - 1
    }

    /// The node's shape.
    pub fn shape(&self, id: NodeId) -> Shape {
        self.nodes[id].shape
    }

    /// The node's name, if it has one.
    pub fn name(&self, id: NodeId) -> Option<&str> {
        self.nodes[id].name.as_ref().map(|(n, _)| n.as_str())
    }

    /// For every node, how many operand slots refer to it (`x·x` counts 2).
    pub fn use_counts(&self) -> Vec<usize> {
        let mut uses = vec![0; self.nodes.len()];
        for node in &self.nodes {
            for c in node.op.children() {
                uses[c] += 1;
            }
        }
        uses
    }

    /// Nodes the output depends on (the output included).
    pub fn reachable(&self) -> Vec<bool> {
        let mut live = vec![false; self.nodes.len()];
        live[self.output] = true;
        for id in (0..self.nodes.len()).rev() {
            if live[id] {
                for c in self.nodes[id].op.children() {
                    live[c] = true;
                }
            }
        }
        live
    }

    /// Nodes whose value depends on some argument (constants and functions of constants
    /// only do not, and need no gradient).
    pub fn varying(&self) -> Vec<bool> {
        self.depending_on(Op::is_leaf)
    }

    /// Nodes whose value depends on some leaf for which `leaf` holds (that leaf included).
    pub fn depending_on(&self, leaf: impl Fn(&Op) -> bool) -> Vec<bool> {
        let mut depends = vec![false; self.nodes.len()];
        for (id, node) in self.nodes.iter().enumerate() {
            depends[id] = leaf(&node.op) || node.op.children().iter().any(|&c| depends[c]);
        }
        depends
    }
}

const MATRIX_ONLY_TIMES_VECTOR: &str =
    "a matrix can only multiply a vector, written `W·x`; a network computes with scalars and vectors";

/// Names that generated code uses itself, so user names must not take them.
pub const RESERVED: [&str; 29] = [
    "params",
    "i",
    "acc",
    "from_fn",
    "dot",
    "sum",
    "mean",
    "softmax",
    "log_softmax",
    "softmax_backward",
    "log_softmax_backward",
    "transpose_mul",
    "outer_add",
    "add_assign",
    "tape",
    "grads",
    "input",
    "lit",
    "sign",
    "relu_derivative",
    "leaky_relu_derivative",
    "step_derivative",
    "sigmoid",
    "tanh",
    "relu",
    "leaky_relu",
    "step",
    "exp",
    "ln",
];

const RESERVED_FUNCTIONS: [&str; 4] = ["sqrt", "abs", "powi", "softplus"];

/// Lowers the AST. Name errors (unknown, duplicated, reserved, unused) are reported here.
pub fn lower(net: &ast::Network, errors: &mut Errors) -> Option<Graph> {
    let mut lower = Lower {
        graph: Graph {
            nodes: Vec::new(),
            inputs: Vec::new(),
            params: Vec::new(),
            output: 0,
        },
        scope: BTreeMap::new(),
        cse: BTreeMap::new(),
        net,
        customs: net.customs.iter().map(|c| c.name.to_string()).collect(),
        poisoned: BTreeSet::new(),
        errors,
        failed: false,
    };
    let mut arg_ids = Vec::new();
    for arg in &net.args {
        let op = match arg.role {
            Role::Input => Op::Input(lower.graph.inputs.len()),
            Role::Param => Op::Param(lower.graph.params.len()),
        };
        let id = lower.graph.push(op, arg.shape, arg.name.span());
        lower.graph.nodes[id].name = Some((arg.name.to_string(), NameKind::User));
        match arg.role {
            Role::Input => lower.graph.inputs.push(id),
            Role::Param => lower.graph.params.push(id),
        }
        lower.define(&arg.name, id);
        arg_ids.push(id);
    }
    let mut let_ids = Vec::new();
    for binding in &net.lets {
        let id = lower.expr(&binding.value);
        match id {
            Some(id) => {
                lower.name(id, &binding.name.to_string(), NameKind::User);
                lower.define(&binding.name, id);
            }
            None => {
                lower.poisoned.insert(binding.name.to_string());
            }
        }
        let_ids.push(id);
    }
    let output = lower.expr(&net.output.value);
    let output_ident = net.output.name.clone();
    let (errors, mut graph, failed) = (lower.errors, lower.graph, lower.failed);
    let output = output?;
    if failed {
        return None;
    }
    graph.output = output;
    let taken: BTreeSet<String> = graph
        .nodes
        .iter()
        .filter_map(|n| n.name.as_ref().filter(|(_, k)| *k == NameKind::User))
        .map(|(n, _)| n.clone())
        .collect();
    let output_name = match &output_ident {
        Some(ident) => {
            let name = ident.to_string();
            if taken.contains(&name) || net.lets.iter().any(|b| b.name == *ident) {
                errors.spanned(
                    ident,
                    format!("`{name}` is already defined; every name in a network is defined once"),
                );
            }
            check_reserved(ident, errors);
            name
        }
        None => ["y", "y_hat", "output"]
            .into_iter()
            .find(|n| !taken.contains(*n))
            .unwrap_or("network_output")
            .to_string(),
    };
    if graph.nodes[output].op.is_leaf() || matches!(graph.nodes[output].op, Op::Const(_)) {
        errors.at(
            graph.nodes[output].span,
            "the output is a bare argument or a constant; a network must compute something from its arguments",
        );
        return None;
    }
    let out_shape = graph.shape(output);
    if out_shape != net.out_shape {
        let scalar = net.scalar.ident().to_string();
        let message = format!(
            "the network computes {} ({}), but the function returns `{}`",
            out_shape.describe(),
            out_shape.rust(&scalar),
            net.out_shape.rust(&scalar)
        );
        match &net.item.sig.output {
            syn::ReturnType::Type(_, ty) => errors.spanned(ty, message),
            syn::ReturnType::Default => errors.at(graph.nodes[output].span, message),
        }
        return None;
    }
    // The output's name wins over any other name the node had.
    graph.nodes[output].name = Some((output_name, NameKind::User));

    let live = graph.reachable();
    for (arg, &id) in net.args.iter().zip(&arg_ids) {
        if !live[id] {
            let what = match arg.role {
                Role::Input => "input",
                Role::Param => "parameter",
            };
            errors.spanned(
                &arg.name,
                format!(
                    "{what} `{}` is not used by the network; use it or remove it",
                    arg.name
                ),
            );
        }
    }
    for (binding, id) in net.lets.iter().zip(&let_ids) {
        if let Some(id) = id {
            if !live[*id] {
                errors.spanned(
                    &binding.name,
                    format!(
                        "`{}` is computed but never used by the output",
                        binding.name
                    ),
                );
            }
        }
    }
    name_activations(&mut graph, net);
    make_names_unique(&mut graph);
    Some(graph)
}

fn check_reserved(ident: &syn::Ident, errors: &mut Errors) {
    let name = ident.to_string();
    if RESERVED.contains(&name.as_str())
        || RESERVED_FUNCTIONS.contains(&name.as_str())
        || name.starts_with("dl_d")
    {
        errors.spanned(
            ident,
            format!("`{name}` is a name the generated code uses itself; choose another name"),
        );
    }
}

struct Lower<'a> {
    graph: Graph,
    scope: BTreeMap<String, NodeId>,
    cse: BTreeMap<(u8, u64, NodeId, NodeId), NodeId>,
    net: &'a ast::Network,
    /// Names of the custom activations, for messages.
    customs: Vec<String>,
    /// `let` names whose value had an error: using them reports nothing more.
    poisoned: BTreeSet<String>,
    errors: &'a mut Errors,
    failed: bool,
}

impl Lower<'_> {
    fn define(&mut self, ident: &syn::Ident, id: NodeId) {
        let name = ident.to_string();
        check_reserved(ident, self.errors);
        if self.scope.insert(name.clone(), id).is_some() {
            self.errors.spanned(
                ident,
                format!("`{name}` is already defined; every name in a network is defined once"),
            );
            self.failed = true;
        }
    }

    /// Gives `id` a name unless a user already named it.
    fn name(&mut self, id: NodeId, name: &str, kind: NameKind) {
        let node = &mut self.graph.nodes[id];
        if node.op.is_leaf() || matches!(node.op, Op::Const(_)) {
            return;
        }
        match node.name {
            Some((_, NameKind::User)) => {}
            Some((_, NameKind::Auto)) if kind == NameKind::Auto => {}
            _ => node.name = Some((name.to_string(), kind)),
        }
    }

    fn expr(&mut self, e: &Expr) -> Option<NodeId> {
        match e {
            Expr::Const(v, span) => Some(self.add(Op::Const(*v), Shape::Scalar, *span)),
            Expr::Var(ident) => {
                let name = ident.to_string();
                if let Some(&id) = self.scope.get(&name) {
                    return Some(id);
                }
                if self.poisoned.contains(&name) {
                    // Its definition was reported already.
                    self.failed = true;
                    return None;
                }
                let is_placeholder = self.net.customs.iter().any(|c| c.name == *ident);
                let hint = if crate::ast::Builtin::from_name(&name).is_some() || is_placeholder {
                    format!("`{name}` is a function; call it: `{name}(z)`")
                } else {
                    format!("cannot find `{name}` in this network; expected an argument or an earlier `let`")
                };
                self.errors.spanned(ident, hint);
                self.failed = true;
                None
            }
            Expr::Binary(op, a, b, span) => {
                let a = self.expr(a);
                let b = self.expr(b);
                let (a, b) = (a?, b?);
                match self.binary(*op, a, b) {
                    Ok((op, shape)) => Some(self.add(op, shape, *span)),
                    Err(message) => {
                        self.errors.at(*span, message);
                        self.failed = true;
                        None
                    }
                }
            }
            Expr::Neg(a, span) => {
                let a = self.expr(a)?;
                let shape = self.graph.shape(a);
                if let Shape::Matrix(..) = shape {
                    self.errors.at(*span, MATRIX_ONLY_TIMES_VECTOR);
                    self.failed = true;
                    return None;
                }
                Some(self.add(Op::Neg(a), shape, *span))
            }
            Expr::Call(call) => {
                let arg = self.expr(&call.arg)?;
                let shape = match self.call_shape(call.func, arg) {
                    Ok(shape) => shape,
                    Err(message) => {
                        self.errors.at(call.span, message);
                        self.failed = true;
                        return None;
                    }
                };
                let id = self.add(Op::Call(call.func, arg), shape, call.span);
                if let Some(placeholder) = &call.placeholder {
                    // The lecture's names: f1 = f1(a1).
                    let p = placeholder.to_string();
                    let digits: String = p.chars().skip_while(|c| !c.is_ascii_digit()).collect();
                    let arg_name = if !digits.is_empty() && p.ends_with(&digits) {
                        format!("a{digits}")
                    } else {
                        format!("{p}_in")
                    };
                    self.name(id, &p, NameKind::Auto);
                    self.name(arg, &arg_name, NameKind::Auto);
                }
                Some(id)
            }
        }
    }

    /// How the operand reads in a message: `` `W1` is a 4×3 matrix ([[f32; 3]; 4]) ``.
    fn describe(&self, id: NodeId) -> String {
        let text = crate::text::forward(&self.graph, id, &self.customs, true).0;
        let shape = self.graph.shape(id);
        let scalar = self.net.scalar.ident().to_string();
        match shape {
            Shape::Scalar => format!("`{text}` is a scalar"),
            _ => format!("`{text}` is {} ({})", shape.describe(), shape.rust(&scalar)),
        }
    }

    /// The operation a binary operator denotes for the shapes of its operands, and the
    /// shape of its result; or the message of a shape error.
    fn binary(&self, op: BinOp, a: NodeId, b: NodeId) -> Result<(Op, Shape), String> {
        let (sa, sb) = (self.graph.shape(a), self.graph.shape(b));
        let symbol = match op {
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
            BinOp::Dot => "·",
        };
        let both = || format!("{} and {}", self.describe(a), self.describe(b));
        match (op, sa, sb) {
            (BinOp::Dot, Shape::Vector(n), Shape::Vector(m)) if n == m => {
                Ok((Op::Dot(a, b), Shape::Scalar))
            }
            (BinOp::Dot, Shape::Vector(_), Shape::Vector(_)) => Err(format!(
                "shape mismatch in `·`: {}; a dot product `w·x` needs two vectors of the same length",
                both()
            )),
            (BinOp::Dot, Shape::Matrix(rows, cols), Shape::Vector(n)) => {
                if cols == n {
                    Ok((Op::MatVec(a, b), Shape::Vector(rows)))
                } else {
                    Err(format!(
                        "shape mismatch in `·`: {}; a matrix-vector product `W·x` needs as many columns in `W` ({cols}) as elements in `x` ({n})",
                        both()
                    ))
                }
            }
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
            (_, Shape::Matrix(..), _) | (_, _, Shape::Matrix(..)) => Err(format!(
                "{}; {MATRIX_ONLY_TIMES_VECTOR}",
                both()
            )),
            (_, Shape::Vector(n), Shape::Vector(m)) if n != m => Err(format!(
                "shape mismatch in `{symbol}`: {}; elementwise `{symbol}` needs two vectors of the same length, or a scalar on one side",
                both()
            )),
            _ => {
                let shape = sa.max(sb);
                Ok((
                    match op {
                        BinOp::Add => Op::Add(a, b),
                        BinOp::Sub => Op::Sub(a, b),
                        BinOp::Mul | BinOp::Dot => Op::Mul(a, b),
                        BinOp::Div => Op::Div(a, b),
                    },
                    shape,
                ))
            }
        }
    }

    /// The shape of `f(arg)`, or the message of a shape error.
    fn call_shape(&self, f: Func, arg: NodeId) -> Result<Shape, String> {
        let shape = self.graph.shape(arg);
        let name = match f {
            Func::Sigmoid => "sigmoid".to_string(),
            Func::Sum => "sum".to_string(),
            _ => crate::text::func_name(f, &self.customs),
        };
        match (f.is_vector_function(), shape) {
            (_, Shape::Matrix(..)) => Err(format!(
                "`{name}` cannot take a matrix: {}; {MATRIX_ONLY_TIMES_VECTOR}",
                self.describe(arg)
            )),
            (true, Shape::Scalar) => Err(format!(
                "`{name}` takes a vector, but {}",
                self.describe(arg)
            )),
            (true, Shape::Vector(_)) if matches!(f, Func::Sum | Func::Mean) => Ok(Shape::Scalar),
            _ => Ok(shape),
        }
    }

    /// Adds `op`, folding constants, dropping `·1`, `+0`, and reusing an identical node.
    fn add(&mut self, op: Op, shape: Shape, span: Span) -> NodeId {
        let op = self.simplify(op);
        if let Op::Const(_) | Op::Input(_) | Op::Param(_) = op {
        } else if let Some(forward) = self.alias(&op) {
            return forward;
        }
        let key = op.key();
        if let Some(&id) = self.cse.get(&key) {
            return id;
        }
        let shape = if let Op::Const(_) = op {
            Shape::Scalar
        } else {
            shape
        };
        let id = self.graph.push(op, shape, span);
        self.cse.insert(key, id);
        id
    }

    fn constant(&self, id: NodeId) -> Option<f64> {
        match self.graph.nodes[id].op {
            Op::Const(c) => Some(c),
            _ => None,
        }
    }

    /// Constant folding: an operation of constants is a constant (when finite and the
    /// function is a built-in).
    fn simplify(&self, op: Op) -> Op {
        let children = op.children();
        if !children.is_empty() && !matches!(op, Op::Call(Func::Custom(_), _)) {
            let values: Option<Vec<f64>> = children.iter().map(|&c| self.constant(c)).collect();
            if let Some(values) = values {
                let v = eval::apply(&op, &values);
                if v.is_finite() {
                    return Op::Const(v);
                }
            }
        }
        op
    }

    /// Algebraic identities that make an operation one of its operands.
    fn alias(&self, op: &Op) -> Option<NodeId> {
        let is = |id: NodeId, v: f64| self.constant(id) == Some(v);
        match *op {
            Op::Add(a, b) if is(b, 0.0) => Some(a),
            Op::Add(a, b) if is(a, 0.0) => Some(b),
            Op::Sub(a, b) if is(b, 0.0) => Some(a),
            Op::Mul(a, b) if is(b, 1.0) => Some(a),
            Op::Mul(a, b) if is(a, 1.0) => Some(b),
            Op::Div(a, b) if is(b, 1.0) => Some(a),
            Op::Neg(a) => match self.graph.nodes[a].op {
                Op::Neg(inner) => Some(inner),
                _ => None,
            },
            _ => None,
        }
    }
}

/// The lecture's names for activations called directly (`sigmoid(w·x + b)`): the argument is
/// `z`, the output `a` (numbered `z1`, `a1`, ... when there are several).
fn name_activations(graph: &mut Graph, net: &ast::Network) {
    let _ = net;
    let is_activation = |f: &Func| {
        matches!(
            f,
            Func::Sigmoid
                | Func::Tanh
                | Func::Relu
                | Func::LeakyRelu(_)
                | Func::Step(_)
                | Func::Softplus
                | Func::Custom(_)
                | Func::Softmax
                | Func::LogSoftmax
        )
    };
    let live = graph.reachable();
    let calls: Vec<NodeId> = (0..graph.nodes.len())
        .filter(|&id| live[id])
        .filter(|&id| matches!(&graph.nodes[id].op, Op::Call(f, _) if is_activation(f)))
        .collect();
    let numbered = calls.len() > 1;
    for (k, &id) in calls.iter().enumerate() {
        let suffix = if numbered {
            (k + 1).to_string()
        } else {
            String::new()
        };
        let Op::Call(_, arg) = graph.nodes[id].op else {
            continue;
        };
        if graph.nodes[id].name.is_none() {
            graph.nodes[id].name = Some((format!("a{suffix}"), NameKind::Auto));
        }
        let arg_node = &mut graph.nodes[arg];
        if arg_node.name.is_none() && !arg_node.op.is_leaf() && !matches!(arg_node.op, Op::Const(_))
        {
            arg_node.name = Some((format!("z{suffix}"), NameKind::Auto));
        }
    }
}

/// Renames automatic names that collide with any other name (`a1` → `a1_2`).
fn make_names_unique(graph: &mut Graph) {
    let mut taken: BTreeSet<String> = graph
        .nodes
        .iter()
        .filter_map(|n| n.name.as_ref().filter(|(_, k)| *k == NameKind::User))
        .map(|(n, _)| n.clone())
        .collect();
    for node in &mut graph.nodes {
        if let Some((name, NameKind::Auto)) = &node.name {
            let mut candidate = name.clone();
            let mut k = 2;
            while taken.contains(&candidate)
                || RESERVED.contains(&candidate.as_str())
                || RESERVED_FUNCTIONS.contains(&candidate.as_str())
            {
                candidate = format!("{name}_{k}");
                k += 1;
            }
            taken.insert(candidate.clone());
            node.name = Some((candidate, NameKind::Auto));
        }
    }
}

/// Gives a `t1`, `t2`, ... name to each node in `needs` that has none.
pub fn name_temporaries(graph: &mut Graph, needs: &[bool]) {
    let mut taken: BTreeSet<String> = graph
        .nodes
        .iter()
        .filter_map(|n| n.name.as_ref().map(|(n, _)| n.clone()))
        .collect();
    let mut k = 1;
    for (id, node) in graph.nodes.iter_mut().enumerate() {
        if needs[id] && node.name.is_none() && !matches!(node.op, Op::Const(_)) {
            let mut candidate = format!("t{k}");
            while taken.contains(&candidate) {
                k += 1;
                candidate = format!("t{k}");
            }
            k += 1;
            taken.insert(candidate.clone());
            node.name = Some((candidate, NameKind::Auto));
        }
    }
}

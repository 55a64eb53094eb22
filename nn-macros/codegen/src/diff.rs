//! Stage 3: reverse-mode differentiation of the graph.
//!
//! One sweep over the arena in reverse. Each node states only its *local* derivative
//! (`∂y/∂a3 = y·(1 − y)`); the adjoint of a node is the sum, over every place it is used, of
//! the user's adjoint times that local factor (gradients along every path add up). Forward
//! values are reused, never recomputed, so the backward costs a small constant times the
//! forward, and no expression ever grows with depth.

use crate::ast::Func;
use crate::ir::{Graph, NodeId, Op};

/// An expression of the backward pass.
#[derive(Clone, Debug, PartialEq)]
pub enum BExpr {
    /// ∂L/∂output, the backward's argument.
    Seed,
    /// The adjoint variable of a node: `dl_da3`.
    Adj(NodeId),
    /// A forward value: an argument, or an intermediate kept on the tape.
    Val(NodeId),
    /// A number.
    Const(f64),
    /// a + b
    Add(Box<BExpr>, Box<BExpr>),
    /// a − b
    Sub(Box<BExpr>, Box<BExpr>),
    /// a · b
    Mul(Box<BExpr>, Box<BExpr>),
    /// a / b
    Div(Box<BExpr>, Box<BExpr>),
    /// −a
    Neg(Box<BExpr>),
    /// A derivative helper of the runtime, or the user's derivative.
    Call(Deriv, Vec<BExpr>),
}

/// Functions the backward calls.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Deriv {
    /// `relu_derivative(z)`
    ReluDerivative,
    /// `leaky_relu_derivative(z, α)`
    LeakyReluDerivative,
    /// `step_derivative(z)`, which is 0.
    StepDerivative,
    /// `sign(z)`, the derivative of |z|.
    Sign,
    /// `sigmoid(z)`, the derivative of softplus.
    Sigmoid,
    /// `powi(z, n)`
    Powi(i32),
    /// The user's `df(z, f(z))` of custom activation i.
    Custom(usize),
}

impl BExpr {
    fn boxed(self) -> Box<BExpr> {
        Box::new(self)
    }
}

/// `a · b`, simplified: no `· 1`, constants multiplied, products kept left-associative so that
/// they print as `dl_dy * y * (1.0 - y)`.
pub fn mul(a: BExpr, b: BExpr) -> BExpr {
    match (a, b) {
        (a, BExpr::Const(1.0)) => a,
        (BExpr::Const(1.0), b) => b,
        (BExpr::Const(x), BExpr::Const(y)) => BExpr::Const(x * y),
        (a, BExpr::Const(-1.0)) => neg(a),
        (a, BExpr::Neg(b)) => neg(mul(a, *b)),
        (a, BExpr::Mul(x, y)) => BExpr::Mul(mul(a, *x).boxed(), y),
        (a, BExpr::Div(x, y)) => div(mul(a, *x), *y),
        (a, b) => BExpr::Mul(a.boxed(), b.boxed()),
    }
}

/// `a / b`, without `/ 1`.
pub fn div(a: BExpr, b: BExpr) -> BExpr {
    match (a, b) {
        (a, BExpr::Const(1.0)) => a,
        (a, b) => BExpr::Div(a.boxed(), b.boxed()),
    }
}

/// `−a`, without double negation.
pub fn neg(a: BExpr) -> BExpr {
    match a {
        BExpr::Neg(x) => *x,
        BExpr::Const(c) => BExpr::Const(-c),
        a => BExpr::Neg(a.boxed()),
    }
}

/// `a + b`: `a + (−b)` is `a − b`, and `x + x` is `x · 2`, computed once.
pub fn add(a: BExpr, b: BExpr) -> BExpr {
    match (a, b) {
        (a, BExpr::Const(0.0)) => a,
        (BExpr::Const(0.0), b) => b,
        (a, b) if a == b => mul(a, BExpr::Const(2.0)),
        (a, BExpr::Neg(b)) => BExpr::Sub(a.boxed(), b),
        (a, b) => BExpr::Add(a.boxed(), b.boxed()),
    }
}

fn sub(a: BExpr, b: BExpr) -> BExpr {
    BExpr::Sub(a.boxed(), b.boxed())
}

/// One term of an adjoint: what flows in from one use of the node.
#[derive(Clone, Debug)]
pub struct Part {
    /// The node whose adjoint flows in (for comments: `∂a3/∂w3`); an alias resolves to the
    /// node that owns the adjoint variable.
    pub consumer: NodeId,
    /// The local derivative ∂consumer/∂node.
    pub factor: BExpr,
}

/// What a backward statement defines.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// `let dl_d<name> = ...;`
    Node(NodeId),
    /// `grads.<param> += ...;`
    Param(usize),
    /// ∂L/∂input, returned.
    Input(usize),
}

/// One chain-rule step.
#[derive(Clone, Debug)]
pub struct Step {
    /// What it defines.
    pub target: Target,
    /// The node whose adjoint it is.
    pub node: NodeId,
    /// The adjoint: Σ over parts of (consumer's adjoint · factor), simplified.
    pub value: BExpr,
    /// The terms, for the comment that explains the step.
    pub parts: Vec<Part>,
}

/// The backward pass of a graph.
#[derive(Clone, Debug)]
pub struct Backward {
    /// The statements, in execution order.
    pub steps: Vec<Step>,
    /// For each node, the expression of its adjoint (`Seed`, `Adj(id)` of itself or of the
    /// node it aliases), `None` where the node needs none (constants).
    pub adjoint: Vec<Option<BExpr>>,
}

impl Backward {
    /// Nodes whose forward value the backward reads.
    pub fn values_read(&self, graph: &Graph) -> Vec<bool> {
        let mut read = vec![false; graph.nodes.len()];
        for step in &self.steps {
            visit(&step.value, &mut |e| {
                if let BExpr::Val(id) = e {
                    read[*id] = true;
                }
            });
        }
        read
    }

    /// Nodes that get an adjoint variable of their own.
    pub fn adjoint_variables(&self, graph: &Graph) -> Vec<bool> {
        let mut own = vec![false; graph.nodes.len()];
        for step in &self.steps {
            if let Target::Node(id) = step.target {
                own[id] = true;
            }
        }
        own
    }
}

/// Calls `f` on every subexpression of `e`.
pub fn visit(e: &BExpr, f: &mut impl FnMut(&BExpr)) {
    f(e);
    match e {
        BExpr::Add(a, b) | BExpr::Sub(a, b) | BExpr::Mul(a, b) | BExpr::Div(a, b) => {
            visit(a, f);
            visit(b, f);
        }
        BExpr::Neg(a) => visit(a, f),
        BExpr::Call(_, args) => args.iter().for_each(|a| visit(a, f)),
        BExpr::Seed | BExpr::Adj(_) | BExpr::Val(_) | BExpr::Const(_) => {}
    }
}

/// Differentiates the graph.
pub fn differentiate(graph: &Graph) -> Backward {
    let n = graph.nodes.len();
    let live = graph.reachable();
    let varying = graph.varying();
    let mut parts: Vec<Vec<(BExpr, Part)>> = vec![Vec::new(); n];
    let mut adjoint: Vec<Option<BExpr>> = vec![None; n];
    let mut owner: Vec<NodeId> = (0..n).collect();
    let mut pending = vec![0usize; n];
    for (node, _) in graph.nodes.iter().zip(&live).filter(|(_, &l)| l) {
        for c in node.op.children() {
            pending[c] += 1;
        }
    }
    let mut steps = Vec::new();
    adjoint[graph.output] = Some(BExpr::Seed);
    for id in (0..n).rev() {
        if !live[id] || !varying[id] || graph.nodes[id].op.is_leaf() {
            continue;
        }
        if id != graph.output {
            let incoming = std::mem::take(&mut parts[id]);
            let alias = graph.nodes[id].name.is_none()
                && incoming.len() == 1
                && incoming[0].1.factor == BExpr::Const(1.0);
            if alias {
                adjoint[id] = Some(incoming[0].0.clone());
                owner[id] = incoming[0].1.consumer;
            } else {
                steps.push(step(Target::Node(id), id, incoming));
                adjoint[id] = Some(BExpr::Adj(id));
            }
        }
        let from = adjoint[id].clone().unwrap_or(BExpr::Seed);
        for (slot, c) in graph.nodes[id].op.children().into_iter().enumerate() {
            if !varying[c] {
                continue;
            }
            let factor = local(graph, id, slot);
            let term = mul(from.clone(), factor.clone());
            parts[c].push((
                term,
                Part {
                    consumer: owner[id],
                    factor,
                },
            ));
            pending[c] -= 1;
            if pending[c] == 0 {
                let target = match graph.nodes[c].op {
                    Op::Param(i) => Some(Target::Param(i)),
                    Op::Input(i) => Some(Target::Input(i)),
                    _ => None,
                };
                if let Some(target) = target {
                    let incoming = std::mem::take(&mut parts[c]);
                    steps.push(step(target, c, incoming));
                }
            }
        }
    }
    Backward { steps, adjoint }
}

fn step(target: Target, node: NodeId, incoming: Vec<(BExpr, Part)>) -> Step {
    let mut value = None;
    let mut parts = Vec::new();
    for (term, part) in incoming {
        value = Some(match value {
            None => term,
            Some(sum) => add(sum, term),
        });
        parts.push(part);
    }
    Step {
        target,
        node,
        value: value.unwrap_or(BExpr::Const(0.0)),
        parts,
    }
}

/// The value of node `id` as the backward reads it: constants inline.
fn val(graph: &Graph, id: NodeId) -> BExpr {
    match graph.nodes[id].op {
        Op::Const(c) => BExpr::Const(c),
        _ => BExpr::Val(id),
    }
}

/// ∂node/∂(operand `slot`): the local derivative, in terms of forward values.
fn local(graph: &Graph, id: NodeId, slot: usize) -> BExpr {
    let one = || BExpr::Const(1.0);
    match graph.nodes[id].op {
        Op::Add(..) => one(),
        Op::Sub(..) if slot == 0 => one(),
        Op::Sub(..) => BExpr::Const(-1.0),
        Op::Mul(a, b) => val(graph, if slot == 0 { b } else { a }),
        Op::Div(_, b) if slot == 0 => div(one(), val(graph, b)),
        Op::Div(_, b) => neg(div(val(graph, id), val(graph, b))),
        Op::Neg(_) => BExpr::Const(-1.0),
        Op::Call(f, a) => {
            let out = || val(graph, id);
            let z = || val(graph, a);
            match f {
                Func::Sigmoid => BExpr::Mul(out().boxed(), sub(one(), out()).boxed()),
                Func::Tanh => sub(one(), BExpr::Mul(out().boxed(), out().boxed())),
                Func::Relu => BExpr::Call(Deriv::ReluDerivative, vec![z()]),
                Func::LeakyRelu(alpha) => {
                    BExpr::Call(Deriv::LeakyReluDerivative, vec![z(), BExpr::Const(alpha)])
                }
                Func::Step(_) => BExpr::Call(Deriv::StepDerivative, vec![z()]),
                Func::Exp => out(),
                Func::Ln => div(one(), z()),
                Func::Sqrt => div(BExpr::Const(0.5), out()),
                Func::Abs => BExpr::Call(Deriv::Sign, vec![z()]),
                Func::Powi(1) => one(),
                Func::Powi(2) => BExpr::Mul(BExpr::Const(2.0).boxed(), z().boxed()),
                Func::Powi(n) => BExpr::Mul(
                    BExpr::Const(f64::from(n)).boxed(),
                    BExpr::Call(Deriv::Powi(n - 1), vec![z()]).boxed(),
                ),
                Func::Softplus => BExpr::Call(Deriv::Sigmoid, vec![z()]),
                Func::Custom(i) => BExpr::Call(Deriv::Custom(i), vec![z(), out()]),
            }
        }
        Op::Input(_) | Op::Param(_) | Op::Const(_) => BExpr::Const(0.0),
    }
}

//! Stage 3: reverse-mode differentiation of the graph.
//!
//! One sweep over the arena in reverse. Each node states only its *local* derivative
//! (`∂y/∂a3 = y·(1 − y)`); the adjoint of a node is the sum, over every place it is used, of
//! the user's adjoint times that local factor (gradients along every path add up). Forward
//! values are reused, never recomputed, so the backward costs a small constant times the
//! forward, and no expression ever grows with depth.

use crate::ast::{Func, Shape};
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
    /// Σᵢ of an elementwise expression over vectors of `n` elements: what flows from a
    /// vector into a scalar that was broadcast over it.
    Sum(Box<BExpr>, usize),
    /// A factor that is a matrix or a Jacobian, for comments only (`W2ᵀ`).
    Note(Note, NodeId),
}

/// Factors that are not numbers, named in comments.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Note {
    /// `xᵀ`, as an outer product with the adjoint: ∂(W·x)/∂W.
    Outer,
    /// `Wᵀ`: ∂(W·x)/∂x.
    Transposed,
    /// `diag(y) − y·yᵀ`: ∂softmax/∂z, for the node y.
    SoftmaxJacobian,
    /// `I − exp(y)·1ᵀ`: ∂log_softmax/∂z, for the node y.
    LogSoftmaxJacobian,
}

/// A share of a vector adjoint that is not elementwise: a whole-vector operation of the
/// runtime, computed with its own loop.
#[derive(Clone, Debug, PartialEq)]
pub enum Whole {
    /// `Wᵀ·dy`: what `x` receives from `W·x`.
    TransposeMul {
        /// The matrix.
        w: NodeId,
        /// The adjoint of `W·x`.
        dy: BExpr,
    },
    /// `dy ⊗ x`: what the matrix `W` receives from `W·x`.
    Outer {
        /// The adjoint of `W·x`.
        dy: BExpr,
        /// The vector.
        x: NodeId,
    },
    /// `y ⊙ (dy − (dy·y))`: what `z` receives from `y = softmax(z)`.
    SoftmaxBackward {
        /// The softmax node (its value).
        y: NodeId,
        /// Its adjoint.
        dy: BExpr,
    },
    /// `dy − exp(y)·Σdy`: what `z` receives from `y = log_softmax(z)`.
    LogSoftmaxBackward {
        /// The log_softmax node (its value).
        y: NodeId,
        /// Its adjoint.
        dy: BExpr,
    },
}

impl Whole {
    /// The forward value this share reads.
    pub fn value_read(&self) -> NodeId {
        match *self {
            Whole::TransposeMul { w, .. } => w,
            Whole::Outer { x, .. } => x,
            Whole::SoftmaxBackward { y, .. } | Whole::LogSoftmaxBackward { y, .. } => y,
        }
    }

    /// The adjoint it reads.
    pub fn dy(&self) -> &BExpr {
        match self {
            Whole::TransposeMul { dy, .. }
            | Whole::Outer { dy, .. }
            | Whole::SoftmaxBackward { dy, .. }
            | Whole::LogSoftmaxBackward { dy, .. } => dy,
        }
    }
}

/// What flows into a node from one of its uses.
#[derive(Clone, Debug)]
enum Flow {
    /// Elementwise (or scalar) term.
    Each(BExpr),
    /// A whole-vector term.
    Whole(Whole),
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
    /// The adjoint: Σ over parts of (consumer's adjoint · factor), simplified; elementwise
    /// for a vector. `Const(0.0)` with `whole` non-empty: no elementwise share.
    pub value: BExpr,
    /// Shares of a vector adjoint that are whole-vector operations, added to `value`.
    pub whole: Vec<Whole>,
    /// The terms, for the comment that explains the step.
    pub parts: Vec<Part>,
}

impl Step {
    /// Marks in `read` the forward values this step reads.
    pub fn mark_values_read(&self, read: &mut [bool]) {
        visit(&self.value, &mut |e| {
            if let BExpr::Val(id) = e {
                read[*id] = true;
            }
        });
        for w in &self.whole {
            read[w.value_read()] = true;
        }
    }
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
            step.mark_values_read(&mut read);
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
        BExpr::Neg(a) | BExpr::Sum(a, _) => visit(a, f),
        BExpr::Call(_, args) => args.iter().for_each(|a| visit(a, f)),
        BExpr::Seed | BExpr::Adj(_) | BExpr::Val(_) | BExpr::Const(_) | BExpr::Note(..) => {}
    }
}

/// Differentiates the graph.
pub fn differentiate(graph: &Graph) -> Backward {
    let n = graph.nodes.len();
    let live = graph.reachable();
    let varying = graph.varying();
    let mut parts: Vec<Vec<(Flow, Part)>> = vec![Vec::new(); n];
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
            // A node without a name whose adjoint is another's, unchanged and of the same
            // shape, reuses that adjoint's variable.
            let alias = match incoming.as_slice() {
                [(Flow::Each(_), part)] => {
                    graph.nodes[id].name.is_none()
                        && part.factor == BExpr::Const(1.0)
                        && graph.shape(part.consumer) == graph.shape(id)
                }
                _ => false,
            };
            if alias {
                let (Flow::Each(term), part) = &incoming[0] else {
                    continue;
                };
                adjoint[id] = Some(term.clone());
                owner[id] = part.consumer;
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
            let (flow, factor) = flow(graph, id, slot, &from);
            parts[c].push((
                flow,
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

/// What node `id`, whose adjoint is `from`, passes to its operand `slot`, and the local
/// factor ∂node/∂operand for the comments.
fn flow(graph: &Graph, id: NodeId, slot: usize, from: &BExpr) -> (Flow, BExpr) {
    let node = &graph.nodes[id];
    let child = node.op.children()[slot];
    match node.op {
        Op::Dot(a, b) => {
            let other = if slot == 0 { b } else { a };
            (
                Flow::Each(mul(from.clone(), val(graph, other))),
                val(graph, other),
            )
        }
        Op::MatVec(_, x) if slot == 0 => (
            Flow::Whole(Whole::Outer {
                dy: from.clone(),
                x,
            }),
            BExpr::Note(Note::Outer, x),
        ),
        Op::MatVec(w, _) => (
            Flow::Whole(Whole::TransposeMul {
                w,
                dy: from.clone(),
            }),
            BExpr::Note(Note::Transposed, w),
        ),
        Op::Call(Func::Sum, _) => (Flow::Each(from.clone()), BExpr::Const(1.0)),
        Op::Call(Func::Mean, _) => {
            let n = graph.shape(child).elements() as f64;
            let factor = div(BExpr::Const(1.0), BExpr::Const(n));
            (Flow::Each(div(from.clone(), BExpr::Const(n))), factor)
        }
        Op::Call(Func::Softmax, _) => (
            Flow::Whole(Whole::SoftmaxBackward {
                y: id,
                dy: from.clone(),
            }),
            BExpr::Note(Note::SoftmaxJacobian, id),
        ),
        Op::Call(Func::LogSoftmax, _) => (
            Flow::Whole(Whole::LogSoftmaxBackward {
                y: id,
                dy: from.clone(),
            }),
            BExpr::Note(Note::LogSoftmaxJacobian, id),
        ),
        _ => {
            let factor = local(graph, id, slot);
            let term = mul(from.clone(), factor.clone());
            match (graph.shape(id), graph.shape(child)) {
                // A scalar broadcast over a vector receives the sum over its elements.
                (Shape::Vector(n), Shape::Scalar) => {
                    (Flow::Each(BExpr::Sum(term.boxed(), n)), factor)
                }
                _ => (Flow::Each(term), factor),
            }
        }
    }
}

fn step(target: Target, node: NodeId, incoming: Vec<(Flow, Part)>) -> Step {
    let mut value = None;
    let mut whole = Vec::new();
    let mut parts = Vec::new();
    for (flow, part) in incoming {
        match flow {
            Flow::Each(term) => {
                value = Some(match value {
                    None => term,
                    Some(sum) => add(sum, term),
                });
            }
            Flow::Whole(w) => whole.push(w),
        }
        parts.push(part);
    }
    Step {
        target,
        node,
        value: value.unwrap_or(BExpr::Const(0.0)),
        whole,
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

/// ∂node/∂(operand `slot`): the local derivative, in terms of forward values (for the
/// elementwise operations of scalars; other operations give 0).
pub fn local(graph: &Graph, id: NodeId, slot: usize) -> BExpr {
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
                // Handled as wholes in `flow`.
                Func::Sum | Func::Mean | Func::Softmax | Func::LogSoftmax => BExpr::Const(0.0),
            }
        }
        Op::Input(_) | Op::Param(_) | Op::Const(_) | Op::Dot(..) | Op::MatVec(..) => {
            BExpr::Const(0.0)
        }
    }
}

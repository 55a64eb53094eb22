//! Reverse-mode differentiation of the graph.
//!
//! One sweep over the arena in reverse. Each node states only its *local* derivative
//! ([`rules`]); the adjoint of a node is the sum, over every place it is used, of the user's
//! adjoint times that local factor (gradients along every path add up). Forward values are
//! reused, never recomputed, so the backward costs a small constant times the forward, and no
//! expression ever grows with depth.

pub mod bexpr;
pub mod rules;

use crate::ast::Shape;
use crate::graph::{Graph, NodeId, Op, PerNode};
use bexpr::{add, BExpr, Factor, Whole, WholeKind};
use rules::Local;

/// One term of an adjoint: what flows in from one use of the node.
#[derive(Clone, Debug)]
pub struct Part {
    /// The node whose adjoint flows in (for comments: `∂a3/∂w3`); an alias resolves to the
    /// node that owns the adjoint variable.
    pub consumer: NodeId,
    /// The local derivative ∂consumer/∂node.
    pub factor: Factor,
}

/// What a backward statement defines.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// The adjoint variable of an intermediate value: `let dl_d<name> = ...;`.
    Node,
    /// The gradient of the i-th parameter: `grads.<param> += ...;`.
    Param(usize),
    /// ∂L/∂ of the i-th input, returned.
    Input(usize),
}

/// One chain-rule step: the adjoint of one node, the sum of what flows in from its uses.
#[derive(Clone, Debug)]
pub struct Step {
    /// What it defines.
    pub target: Target,
    /// The node whose adjoint it is.
    pub node: NodeId,
    /// The elementwise (or scalar) share: Σ over parts of (consumer's adjoint · factor),
    /// simplified; `None` when every share is a whole-vector operation.
    pub each: Option<BExpr>,
    /// Shares of a vector adjoint that are whole-vector operations, added to `each`.
    pub whole: Vec<Whole>,
    /// The terms, for the comment that explains the step.
    pub parts: Vec<Part>,
}

impl Step {
    /// Calls `f` on every forward value the step reads.
    pub fn visit_values(&self, f: &mut impl FnMut(NodeId)) {
        if let Some(each) = &self.each {
            each.visit(&mut |e| {
                if let BExpr::Val(id) = e {
                    f(*id);
                }
            });
        }
        for w in &self.whole {
            f(w.value);
        }
    }

    /// Calls `f` on every adjoint variable the step reads.
    pub fn visit_adjoints(&self, f: &mut impl FnMut(NodeId)) {
        let mut mark = |e: &BExpr| {
            if let BExpr::Adj(id) = e {
                f(*id);
            }
        };
        if let Some(each) = &self.each {
            each.visit(&mut mark);
        }
        for w in &self.whole {
            w.dy.visit(&mut mark);
        }
    }
}

/// The backward pass of a graph.
#[derive(Clone, Debug)]
pub struct Backward {
    /// The statements, in execution order.
    pub steps: Vec<Step>,
    /// For each node, the expression of its adjoint (`Seed`, `Adj(id)` of itself or of the
    /// node it aliases), `None` where the node needs none (constants, dead nodes).
    pub adjoint: PerNode<Option<BExpr>>,
}

impl Backward {
    /// Nodes whose forward value some step reads.
    pub fn values_read(&self, graph: &Graph) -> PerNode<bool> {
        let mut read = graph.per_node(false);
        for step in &self.steps {
            step.visit_values(&mut |id| read[id] = true);
        }
        read
    }

    /// Nodes that get an adjoint variable of their own.
    pub fn adjoint_variables(&self, graph: &Graph) -> PerNode<bool> {
        let mut own = graph.per_node(false);
        for step in self.steps.iter().filter(|s| s.target == Target::Node) {
            own[step.node] = true;
        }
        own
    }

    /// The steps training needs, in order: those that add to a parameter's gradient, and
    /// those whose adjoint such a step reads (directly or through others).
    pub fn training_steps(&self, graph: &Graph) -> Vec<usize> {
        let mut needed = graph.per_node(false);
        let mut keep = vec![false; self.steps.len()];
        for (k, step) in self.steps.iter().enumerate().rev() {
            keep[k] = match step.target {
                Target::Param(_) => true,
                Target::Node => needed[step.node],
                Target::Input(_) => false,
            };
            if keep[k] {
                step.visit_adjoints(&mut |id| needed[id] = true);
            }
        }
        (0..self.steps.len()).filter(|&k| keep[k]).collect()
    }

    /// The shares `Wᵀ·∂L/∂z` of the training steps with a parameter matrix `W` and an adjoint
    /// variable `∂L/∂z`: what a batch computes as one matrix product for all its samples.
    pub fn batched_transposes(&self, graph: &Graph) -> Vec<Whole> {
        let mut found = Vec::new();
        for k in self.training_steps(graph) {
            for w in &self.steps[k].whole {
                let param = matches!(graph[w.value].op, Op::Param(_));
                if w.kind == WholeKind::TransposeMul
                    && param
                    && w.dy.is_variable()
                    && !found.contains(w)
                {
                    found.push(w.clone());
                }
            }
        }
        found
    }
}

/// What flows into a node from one of its uses.
enum Flow {
    /// An elementwise (or scalar) term.
    Each(BExpr),
    /// A whole-vector term.
    Whole(Whole),
}

/// Differentiates the graph.
pub fn differentiate(graph: &Graph) -> Backward {
    let live = graph.reachable();
    let varying = graph.varying();
    let lecture = graph.lecture_names();
    let mut incoming: PerNode<Vec<(Flow, Part)>> =
        PerNode((0..graph.nodes.len()).map(|_| Vec::new()).collect());
    let mut adjoint: PerNode<Option<BExpr>> = graph.per_node(None);
    let mut owner: PerNode<NodeId> = PerNode(graph.ids().collect());
    let mut pending = graph.per_node(0usize);
    for id in graph.ids().filter(|&id| live[id]) {
        for c in graph[id].op.operands() {
            pending[c] += 1;
        }
    }
    let mut steps = Vec::new();
    adjoint[graph.output] = Some(BExpr::Seed);
    for id in graph.ids().rev() {
        if !live[id] || !varying[id] || graph[id].op.is_leaf() {
            continue;
        }
        if id != graph.output {
            let flows = std::mem::take(&mut incoming[id]);
            match alias_of(graph, id, &flows).filter(|_| lecture[id].is_none()) {
                Some((term, consumer)) => {
                    adjoint[id] = Some(term);
                    owner[id] = consumer;
                }
                None => {
                    steps.push(step(Target::Node, id, flows));
                    adjoint[id] = Some(BExpr::Adj(id));
                }
            }
        }
        let from = adjoint[id].clone().unwrap_or(BExpr::Seed);
        for (slot, c) in graph[id].op.operands().into_iter().enumerate() {
            if !varying[c] {
                continue;
            }
            let (flow, factor) = flow(graph, id, slot, &from);
            incoming[c].push((
                flow,
                Part {
                    consumer: owner[id],
                    factor,
                },
            ));
            pending[c] -= 1;
            if pending[c] == 0 {
                let target = match graph[c].op {
                    Op::Param(i) => Some(Target::Param(i)),
                    Op::Input(i) => Some(Target::Input(i)),
                    _ => None,
                };
                if let Some(target) = target {
                    let flows = std::mem::take(&mut incoming[c]);
                    steps.push(step(target, c, flows));
                }
            }
        }
    }
    Backward { steps, adjoint }
}

/// A node (that the lecture does not name) whose adjoint is another's, unchanged and of the
/// same shape, reuses that adjoint's variable: (the adjoint, its owner).
fn alias_of(graph: &Graph, id: NodeId, flows: &[(Flow, Part)]) -> Option<(BExpr, NodeId)> {
    let [(Flow::Each(term), part)] = flows else {
        return None;
    };
    let unchanged = part.factor == Factor::Each(BExpr::Const(1.0));
    let same_shape = graph.shape(part.consumer) == graph.shape(id);
    (unchanged && same_shape).then(|| (term.clone(), part.consumer))
}

/// What node `id`, whose adjoint is `from`, passes to its operand `slot`, and the local factor.
fn flow(graph: &Graph, id: NodeId, slot: usize, from: &BExpr) -> (Flow, Factor) {
    let child = graph[id].op.operands().as_slice()[slot];
    match rules::local(graph, id, slot) {
        Local::Whole(kind, value) => (
            Flow::Whole(Whole {
                kind,
                value,
                dy: from.clone(),
            }),
            Factor::Jacobian(kind, value),
        ),
        Local::Each(factor) => {
            let term = rules::times(from, &factor);
            let term = match (graph.shape(id), graph.shape(child)) {
                // A scalar broadcast over a vector receives the sum over its elements.
                (Shape::Vector(n), Shape::Scalar) => BExpr::Sum(term.boxed(), n),
                _ => term,
            };
            (Flow::Each(term), Factor::Each(factor))
        }
    }
}

fn step(target: Target, node: NodeId, flows: Vec<(Flow, Part)>) -> Step {
    let mut each: Option<BExpr> = None;
    let mut whole = Vec::new();
    let mut parts = Vec::new();
    for (flow, part) in flows {
        match flow {
            Flow::Each(term) => {
                each = Some(match each {
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
        each,
        whole,
        parts,
    }
}

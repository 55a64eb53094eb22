//! Reverse-mode differentiation of the graph.
//!
//! One sweep over the arena in reverse. Each node states only its *local* derivative
//! ([`rules`]); the adjoint of a node is the sum, over every place it is used, of the user's
//! adjoint times that local factor (gradients along every path add up). Forward values are
//! reused, never recomputed, so the backward costs a small constant times the forward, and no
//! expression ever grows with depth.

pub mod bexpr;
pub mod expand;
pub mod normal;
pub mod rules;

use crate::ast::Shape;
use crate::func::Kind;
use crate::graph::{Graph, NodeId, Op, PerNode};
use bexpr::{add, mul, BExpr, Factor, Whole, WholeKind};
use normal::{size, Normalizer};
use rules::Local;

/// One term of an adjoint: what flows in from one use of the node.
#[derive(Clone, Debug)]
pub struct Part {
    /// The node whose adjoint flows in (for comments: `∂a3/∂w3`); an alias resolves to the
    /// node that owns the adjoint variable.
    pub consumer: NodeId,
    /// The local derivative ∂consumer/∂node (through the nodes between them that have no
    /// adjoint of their own).
    pub factor: Factor,
    /// Whether the node is a scalar broadcast over a vector consumer of `n` elements, so that
    /// it receives the sum of the elementwise terms.
    pub sum: Option<usize>,
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
        for w in self.whole.iter().filter(|w| w.kind.reads_value()) {
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

    /// Nodes whose value the training forward must compute: those the output depends on,
    /// and those the backward reads with what they depend on (a value a rewrite removed from
    /// the forward may still be what the backward reads: `σ(z)` of `a − t`).
    pub fn needed(&self, graph: &Graph) -> PerNode<bool> {
        let mut needed = graph.reachable();
        let mut read = self.values_read(graph);
        if let Some(p) = graph.prediction {
            read[p] = true;
        }
        for id in graph.ids().rev() {
            if needed[id] || read[id] {
                needed[id] = true;
                for c in graph[id].op.operands() {
                    needed[c] = true;
                }
            }
        }
        needed
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
    /// variable `∂L/∂z`, and the input gradients of convolutions with a parameter kernel bank:
    /// what a batch computes as matrix products for all its samples at once.
    pub fn batched_transposes(&self, graph: &Graph) -> Vec<Whole> {
        let mut found = Vec::new();
        for k in self.training_steps(graph) {
            for w in &self.steps[k].whole {
                let param = matches!(graph[w.value].op, Op::Param(_));
                let batched = matches!(w.kind, WholeKind::TransposeMul | WholeKind::ConvInput(_));
                if batched && param && w.dy.is_variable() && !found.contains(w) {
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

/// Differentiates the graph; with `simplify`, adjoints pass through nodes without a variable
/// of their own, factors through one node are added and normalized (`normal`), and softmax
/// steps are written out where that lets them cancel (`expand`, which may add a node `Σv`).
pub fn differentiate(graph: &mut Graph, simplify: bool) -> Backward {
    let mut backward = sweep(graph, simplify);
    if simplify {
        expand::hoist_sums(graph, &mut backward.steps);
        // The nodes it added are forward values: no adjoint.
        backward.adjoint.0.resize(graph.nodes.len(), None);
    }
    backward
}

/// The reverse sweep.
fn sweep(graph: &Graph, simplify: bool) -> Backward {
    let live = graph.reachable();
    let varying = graph.varying();
    let lecture = graph.lecture_names();
    let mut normalizer = Normalizer::new(graph, &lecture);
    let mut incoming: PerNode<Vec<(Flow, Part)>> =
        PerNode((0..graph.nodes.len()).map(|_| Vec::new()).collect());
    let mut adjoint: PerNode<Option<BExpr>> = graph.per_node(None);
    // The node whose adjoint variable a node's adjoint is expressed in, and the factor from
    // that adjoint to this one (1 for a node with a variable of its own).
    let mut owner: PerNode<NodeId> = PerNode(graph.ids().collect());
    let mut through: PerNode<BExpr> = graph.per_node(BExpr::Const(1.0));
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
            let mut flows = std::mem::take(&mut incoming[id]);
            if simplify {
                expand::wholes(graph, &mut flows, &mut steps, &mut adjoint);
            }
            let shared = alias_of(graph, id, &flows)
                .or_else(|| substitute(graph, &varying, id, &flows).filter(|_| simplify));
            match shared.filter(|_| lecture[id].is_none()) {
                Some((consumer, factor)) => {
                    adjoint[id] = Some(mul(base(&adjoint, consumer), factor.clone()));
                    owner[id] = consumer;
                    through[id] = factor;
                }
                None => {
                    let normalizer = simplify.then_some(&mut normalizer);
                    steps.push(step(Target::Node, id, flows, normalizer, &adjoint));
                    adjoint[id] = Some(BExpr::Adj(id));
                }
            }
        }
        for (slot, c) in graph[id].op.operands().into_iter().enumerate() {
            if !varying[c] {
                continue;
            }
            let from = base(&adjoint, owner[id]);
            let flow = flow(graph, id, slot, &from, &through[id], owner[id]);
            incoming[c].push(flow);
            pending[c] -= 1;
            if pending[c] == 0 {
                let target = match graph[c].op {
                    Op::Param(i) => Some(Target::Param(i)),
                    Op::Input(i) => Some(Target::Input(i)),
                    _ => None,
                };
                if let Some(target) = target {
                    let flows = std::mem::take(&mut incoming[c]);
                    let normalizer = simplify.then_some(&mut normalizer);
                    steps.push(step(target, c, flows, normalizer, &adjoint));
                }
            }
        }
    }
    Backward { steps, adjoint }
}

/// The adjoint of a node that has a variable of its own (or is the output).
fn base(adjoint: &PerNode<Option<BExpr>>, owner: NodeId) -> BExpr {
    adjoint[owner].clone().unwrap_or(BExpr::Seed)
}

/// A node whose adjoint is another's, unchanged and of the same shape, reuses that adjoint's
/// variable: (its owner, factor 1).
fn alias_of(graph: &Graph, id: NodeId, flows: &[(Flow, Part)]) -> Option<(NodeId, BExpr)> {
    let [(Flow::Each(_), part)] = flows else {
        return None;
    };
    let unchanged = part.factor == Factor::Each(BExpr::Const(1.0));
    let same_shape = graph.shape(part.consumer) == graph.shape(id);
    (unchanged && same_shape).then_some((part.consumer, BExpr::Const(1.0)))
}

/// A node with one use and one operand that varies (a negation, a function of one value, a
/// product with a constant) has no adjoint variable: what flows into it flows on into its
/// operand, the factors multiplied, so that the simplifier sees the whole derivative from
/// the nearest node with a variable. (One operand: the adjoint is read once, so the
/// expression never grows.) Returns (that node, the factor so far).
fn substitute(
    graph: &Graph,
    varying: &PerNode<bool>,
    id: NodeId,
    flows: &[(Flow, Part)],
) -> Option<(NodeId, BExpr)> {
    let [(Flow::Each(_), part)] = flows else {
        return None;
    };
    let Factor::Each(factor) = &part.factor else {
        return None;
    };
    let operands = graph[id].op.operands();
    let slots: Vec<usize> = (0..operands.as_slice().len())
        .filter(|&k| varying[operands.as_slice()[k]])
        .collect();
    // A constant factor can go to several operands: nothing grows.
    let constant = matches!(factor, BExpr::Const(_));
    if slots.is_empty() || (slots.len() > 1 && !constant) {
        return None;
    }
    let shape = graph.shape(id);
    let consumer = graph.shape(part.consumer);
    // A sum or mean passes a scalar on to every element.
    let reduction = matches!(graph[id].op, Op::Call(f, _) if f.kind() == Kind::Reduction);
    let fits = part.sum.is_none()
        && (consumer == shape || consumer == Shape::Scalar)
        && slots.iter().all(|&slot| {
            (graph.shape(operands.as_slice()[slot]) == shape || reduction)
                && matches!(rules::local(graph, id, slot), Local::Each(_))
        });
    fits.then(|| (part.consumer, factor.clone()))
}

/// What node `id` passes to its operand `slot`: its adjoint is `from` (the adjoint of its
/// owner) times `through`.
fn flow(
    graph: &Graph,
    id: NodeId,
    slot: usize,
    from: &BExpr,
    through: &BExpr,
    owner: NodeId,
) -> (Flow, Part) {
    let child = graph[id].op.operands().as_slice()[slot];
    match rules::local(graph, id, slot) {
        Local::Whole(kind, value) => (
            Flow::Whole(Whole {
                kind,
                value,
                dy: from.clone(),
            }),
            Part {
                consumer: owner,
                factor: Factor::Jacobian(kind, value),
                sum: None,
            },
        ),
        Local::Each(local) => {
            let factor = mul(through.clone(), local);
            let term = rules::times(from, &factor);
            // A scalar broadcast over a vector receives the sum over its elements.
            // (of a vector or of channel data: every element)
            let sum = match (graph.shape(id), graph.shape(child)) {
                (node, Shape::Scalar) if node != Shape::Scalar => Some(node.elements()),
                _ => None,
            };
            let term = match sum {
                Some(n) => BExpr::Sum(term.boxed(), n),
                None => term,
            };
            (
                Flow::Each(term),
                Part {
                    consumer: owner,
                    factor: Factor::Each(factor),
                    sum,
                },
            )
        }
    }
}

/// A step from what flows in. Terms through the same node are also added as one factor in
/// normal form (`normal`); that form is taken when it is smaller.
fn step(
    target: Target,
    node: NodeId,
    flows: Vec<(Flow, Part)>,
    normalizer: Option<&mut Normalizer>,
    adjoint: &PerNode<Option<BExpr>>,
) -> Step {
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
    let merged = normalizer.and_then(|n| merged(&parts, n, adjoint));
    if let Some((merged, parts_merged)) = merged {
        if each.as_ref().is_some_and(|e| size(&merged) < size(e)) {
            each = Some(merged);
            parts = parts_merged;
        }
    }
    Step {
        target,
        node,
        each,
        whole,
        parts,
    }
}

/// The elementwise share with the factors through each node added and normalized, and the
/// parts it then has.
fn merged(
    parts: &[Part],
    normalizer: &mut Normalizer,
    adjoint: &PerNode<Option<BExpr>>,
) -> Option<(BExpr, Vec<Part>)> {
    let mut groups: Vec<(NodeId, Option<usize>, BExpr)> = Vec::new();
    for part in parts {
        let Factor::Each(f) = &part.factor else {
            continue;
        };
        match groups
            .iter_mut()
            .find(|(c, s, _)| *c == part.consumer && *s == part.sum)
        {
            Some(group) => group.2 = add(group.2.clone(), f.clone()),
            None => groups.push((part.consumer, part.sum, f.clone())),
        }
    }
    let mut each: Option<BExpr> = None;
    let mut out: Vec<Part> = Vec::new();
    for (consumer, sum, factor) in groups {
        let factor = normalizer.simplest(&factor);
        let term = rules::times(&base(adjoint, consumer), &factor);
        let term = match sum {
            Some(n) => BExpr::Sum(term.boxed(), n),
            None => term,
        };
        each = Some(match each {
            None => term,
            Some(s) => add(s, term),
        });
        out.push(Part {
            consumer,
            factor: Factor::Each(factor),
            sum,
        });
    }
    out.extend(
        parts
            .iter()
            .filter(|p| matches!(p.factor, Factor::Jacobian(..)))
            .cloned(),
    );
    Some((each?, out))
}

//! Whole-vector steps written out where the simplifier can use them: the backward of a
//! softmax or log_softmax whose adjoint is a few elementwise terms (a cross-entropy written
//! in the body: `−t` per element) becomes elementwise itself, `y ⊙ (dy − Σdy·y)` and
//! `dy − exp(y)·Σdy`, so that `normal` can cancel it to `softmax(z)·Σt − t`. A sum over a
//! forward value that such a step then reads (`Σt`) is computed once, in the forward, as a
//! node of its own.

use super::bexpr::{mul, sub, BExpr, Factor, WholeKind};
use super::{Flow, Part, Step, Target};
use crate::ast::Shape;
use crate::func::{Builtin, Func};
use crate::graph::{Graph, NodeId, Op, PerNode};

/// Turns the softmax and log_softmax shares of `flows` into elementwise ones where the adjoint
/// they read is the step of one scalar consumer's elementwise terms; that step goes.
pub(super) fn wholes(
    graph: &Graph,
    flows: &mut [(Flow, Part)],
    steps: &mut Vec<Step>,
    adjoint: &mut PerNode<Option<BExpr>>,
) {
    for (flow, part) in flows.iter_mut() {
        let Flow::Whole(w) = flow else {
            continue;
        };
        let softmax = match w.kind {
            WholeKind::SoftmaxBackward => true,
            WholeKind::LogSoftmaxBackward => false,
            WholeKind::TransposeMul
            | WholeKind::Outer
            | WholeKind::ConvKernel(_)
            | WholeKind::ConvInput(_)
            | WholeKind::MaxPool(_)
            | WholeKind::AvgPool(_)
            | WholeKind::Unflatten(_)
            | WholeKind::ChannelSum(_) => continue,
        };
        let y = w.value;
        if w.dy != BExpr::Adj(y) {
            continue;
        }
        let Some(k) = steps
            .iter()
            .position(|s| s.target == Target::Node && s.node == y && s.whole.is_empty())
        else {
            continue;
        };
        let [Part {
            consumer,
            factor: Factor::Each(f),
            sum: None,
        }] = &steps[k].parts[..]
        else {
            continue;
        };
        if graph.shape(*consumer) != Shape::Scalar {
            continue;
        }
        let (consumer, f) = (*consumer, f.clone());
        let n = graph.shape(y).elements();
        let value = BExpr::Val(y);
        let g = if softmax {
            // y ⊙ (dy − Σ dy·y)
            let weighted = BExpr::Sum(mul(f.clone(), value.clone()).boxed(), n);
            mul(value, sub(f.clone(), weighted))
        } else {
            // dy − exp(y)·Σ dy
            let exp = BExpr::Call(Func::of(Builtin::Exp), vec![value]);
            sub(f.clone(), mul(exp, BExpr::Sum(f.clone().boxed(), n)))
        };
        let from = adjoint[consumer].clone().unwrap_or(BExpr::Seed);
        adjoint[y] = Some(mul(from.clone(), f));
        *flow = Flow::Each(mul(from, g.clone()));
        *part = Part {
            consumer,
            factor: Factor::Each(g),
            sum: None,
        };
        steps.remove(k);
    }
}

/// Replaces each sum `Σv` over a forward value `v` in the elementwise share of a vector step
/// (where it would be computed once per element) by a node `sum(v)` of the forward graph,
/// which the tape then keeps; and each `exp(log_softmax(z))` by a node `softmax(z)`.
pub fn hoist_sums(graph: &mut Graph, steps: &mut [Step]) {
    for step in steps.iter_mut() {
        if graph.shape(step.node) == Shape::Scalar {
            continue;
        }
        if let Some(each) = step.each.take() {
            step.each = Some(hoist(graph, each));
        }
        for part in &mut step.parts {
            if let Factor::Each(f) = &part.factor {
                part.factor = Factor::Each(hoist(graph, f.clone()));
            }
        }
    }
}

fn hoist(graph: &mut Graph, e: BExpr) -> BExpr {
    let mut h = |x: Box<BExpr>| hoist(graph, *x).boxed();
    match e {
        BExpr::Sum(inner, n) => match *inner {
            BExpr::Val(v) => BExpr::Val(sum_node(graph, v)),
            other => BExpr::Sum(h(Box::new(other)), n),
        },
        BExpr::Add(a, b) => BExpr::Add(h(a), h(b)),
        BExpr::Sub(a, b) => BExpr::Sub(h(a), h(b)),
        BExpr::Mul(a, b) => BExpr::Mul(h(a), h(b)),
        BExpr::Div(a, b) => BExpr::Div(h(a), h(b)),
        BExpr::Neg(a) => BExpr::Neg(h(a)),
        BExpr::Call(f, args) => {
            if let (Func::Builtin(Builtin::Exp, _), [BExpr::Val(y)]) = (f, &args[..]) {
                if let Some(z) = log_softmax_of(graph, *y) {
                    return BExpr::Val(softmax_node(graph, z));
                }
            }
            BExpr::Call(f, args.into_iter().map(|a| hoist(graph, a)).collect())
        }
        leaf => leaf,
    }
}

/// `z` if `y` is the node `log_softmax(z)`.
fn log_softmax_of(graph: &Graph, y: NodeId) -> Option<NodeId> {
    match graph[y].op {
        Op::Call(Func::Builtin(Builtin::LogSoftmax, _), z) => Some(z),
        _ => None,
    }
}

/// The node `softmax(z)`, one of the graph's or a new one: what `exp(log_softmax(z))` in a
/// backward step reads instead (the same value), so that the forward, which computes
/// `log_softmax(z)` already, can compute both from one pass of exponentials
/// (`softmax_and_log_softmax` in the batched functions).
fn softmax_node(graph: &mut Graph, z: NodeId) -> NodeId {
    let softmax = Op::Call(Func::of(Builtin::Softmax), z);
    if let Some(id) = graph.ids().find(|&id| graph[id].op == softmax) {
        return id;
    }
    let (span, shape) = (graph[z].span, graph.shape(z));
    let id = graph.push(softmax, shape, span);
    graph[id].written = false;
    // The probabilities, as the lecture writes ∂L/∂z = p − t.
    graph[id].label.derived = Some("p".into());
    id
}

/// The node `sum(v)`: one of the graph's, or a new one.
fn sum_node(graph: &mut Graph, v: NodeId) -> NodeId {
    let sum = Op::Call(Func::of(Builtin::Sum), v);
    if let Some(id) = graph.ids().find(|&id| graph[id].op == sum) {
        return id;
    }
    let span = graph[v].span;
    let id = graph.push(sum, Shape::Scalar, span);
    graph[id].written = false;
    graph[id].label.derived = graph[v].label.user.as_ref().map(|n| format!("sum_{n}"));
    id
}

//! Stepping through the passes: the forward pass one value at a time, then the backward pass
//! one chain-rule step at a time, each with the nodes of the graph it computes and the line
//! of the generated source that computes it.

use super::Picture;
use crate::compiled::Compiled;
use crate::emit::source::{Anchor, Lines};
use crate::graph::NodeId;
use crate::text::Text;

/// Which pass a step belongs to.
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "lowercase"))]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pass {
    /// The forward pass: a value.
    Forward,
    /// The backward pass: a gradient.
    Backward,
}

/// One step of a pass.
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[derive(Clone, Debug)]
pub struct WalkStep {
    /// Its pass.
    pub pass: Pass,
    /// The graph's node it computes ([`super::PictureNode::id`]): an operation's value, or
    /// the node whose gradient the chain-rule step gives.
    pub nodes: Vec<usize>,
    /// The line of [`super::Explanation::source`] (from 0) that computes it: the statement
    /// of the value, or the one it is written inside; none for a backward step that only
    /// `backward_params` has.
    pub line: Option<usize>,
    /// The equation (`a1 = w1·x + b1`), the operation of an unnamed value (`w1·x`), or the
    /// derivation line (`∂L/∂a1 = …`).
    pub text: String,
}

/// The forward steps (each operation, in the order computed, with the line of the statement
/// that computes it: its own `let`, or the one it is written inside) and the backward steps
/// (in the order of the backward pass).
pub(super) fn walk(c: &Compiled, text: &Text, lines: &Lines, picture: &Picture) -> Vec<WalkStep> {
    let g = &c.graph;
    let line_of = |anchor: Anchor| lines.iter().find(|(a, _)| *a == anchor).map(|&(_, l)| l);
    let live = c.backward.needed(g);
    let own = lines_of(lines);
    // The line of each operation: the statement it is written in; and that statement's node.
    let mut line = g.per_node(None);
    let mut owner = g.per_node(None);
    let mut shown = g.per_node(false);
    for id in g.ids().filter(|&id| live[id]) {
        if let Some(at) = line_of(Anchor::Forward(id)) {
            let mut nodes = Vec::new();
            inlined(c, id, &mut shown, &own, &mut nodes);
            for n in nodes {
                line[n] = Some(at);
                owner[n] = Some(id);
            }
        }
    }
    let mut steps = Vec::new();
    for id in g.ids().filter(|&id| live[id] && line[id].is_some()) {
        let expression = text.forward(id, true).0;
        steps.push(WalkStep {
            pass: Pass::Forward,
            nodes: vec![id.index()],
            line: line[id],
            text: match c.names.value(id) {
                Some(name) => format!("{name} = {expression}"),
                None => expression,
            },
        });
    }
    let stepped: Vec<NodeId> = c.backward.steps.iter().map(|s| s.node).collect();
    for (k, step) in c.backward.steps.iter().enumerate() {
        steps.push(WalkStep {
            pass: Pass::Backward,
            nodes: vec![step.node.index()],
            line: line_of(Anchor::Backward(k)),
            text: text.derivation(step),
        });
        // The operations written inside this node's statement have no step of their own in
        // the generated backward (their gradient passes through to their operands' steps):
        // shown here, last computed first, from the graph's edges.
        let inside = g
            .ids()
            .rev()
            .filter(|&u| owner[u] == Some(step.node) && u != step.node && !stepped.contains(&u));
        for u in inside {
            steps.push(WalkStep {
                pass: Pass::Backward,
                nodes: vec![u.index()],
                line: None,
                text: passing_through(picture, u.index()),
            });
        }
    }
    steps
}

/// `∂L/∂(w1·x) = ∂L/∂a1 · ∂a1/∂(w1·x)`: the gradient of an operation without a variable, as
/// the sum over its uses of the user's gradient times the local factor on the edge.
fn passing_through(picture: &Picture, id: usize) -> String {
    let mut name = String::new();
    let terms: Vec<String> = picture
        .edges
        .iter()
        .filter(|e| e.from == id)
        .filter_map(|e| {
            let factor = e.factor.as_deref()?;
            let partial = factor.split(" = ").next()?; // ∂a1/∂(w1·x)
            let (user, this) = partial.strip_prefix('∂')?.split_once("/∂")?;
            name = this.to_string();
            Some(format!("∂L/∂{user} · {factor}"))
        })
        .collect();
    format!("∂L/∂{name} = {}", terms.join(" + "))
}

/// The nodes with a forward statement of their own.
fn lines_of(lines: &Lines) -> Vec<NodeId> {
    lines
        .iter()
        .filter_map(|(a, _)| match a {
            Anchor::Forward(id) => Some(*id),
            Anchor::Backward(_) => None,
        })
        .collect()
}

/// `id` and the operations inside its statement: operands without a statement of their own,
/// not yet shown, and not arguments or constants.
fn inlined(
    c: &Compiled,
    id: NodeId,
    shown: &mut crate::graph::PerNode<bool>,
    own: &[NodeId],
    nodes: &mut Vec<NodeId>,
) {
    shown[id] = true;
    for child in c.graph[id].op.operands() {
        let op = &c.graph[child].op;
        let operation = !op.is_leaf() && op.constant().is_none();
        if !shown[child] && operation && !own.contains(&child) {
            inlined(c, child, shown, own, nodes);
        }
    }
    nodes.push(id);
}

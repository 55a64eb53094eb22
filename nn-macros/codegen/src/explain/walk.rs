//! Stepping through the passes: the forward pass one value at a time, then the backward pass
//! one chain-rule step at a time, each with the nodes of the graph it computes and the line
//! of the generated source that computes it.

use crate::compiled::Compiled;
use crate::emit::source::{Anchor, Lines};
use crate::graph::NodeId;
use crate::text::Text;

/// Which pass a step belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pass {
    /// The forward pass: a value.
    Forward,
    /// The backward pass: a gradient.
    Backward,
}

/// One step of a pass.
#[derive(Clone, Debug)]
pub struct WalkStep {
    /// Its pass.
    pub pass: Pass,
    /// The graph's nodes it computes ([`super::PictureNode::id`]): for a forward step the
    /// named value and the unnamed operations written inside its line; for a backward step
    /// the node whose gradient it is.
    pub nodes: Vec<usize>,
    /// The line of [`super::Explanation::source`] (from 0) that computes it, when the
    /// generated code has a statement of its own for it.
    pub line: Option<usize>,
    /// The equation (`a1 = w1·x + b1`) or the derivation line (`∂L/∂a1 = …`).
    pub text: String,
}

/// The forward steps (each value with a statement in `forward`, in the order computed) and
/// the backward steps (in the order of the backward pass).
pub(super) fn walk(c: &Compiled, text: &Text, lines: &Lines) -> Vec<WalkStep> {
    let g = &c.graph;
    let line_of = |anchor: Anchor| lines.iter().find(|(a, _)| *a == anchor).map(|&(_, l)| l);
    let live = c.backward.needed(g);
    let mut shown = g.per_node(false);
    let mut steps = Vec::new();
    let own = lines_of(lines);
    for id in g.ids().filter(|&id| live[id] && !g[id].op.is_leaf()) {
        let Some(line) = line_of(Anchor::Forward(id)) else {
            continue;
        };
        let mut nodes = Vec::new();
        inlined(c, id, &mut shown, &own, &mut nodes);
        steps.push(WalkStep {
            pass: Pass::Forward,
            nodes,
            line: Some(line),
            text: format!("{} = {}", text.name(id), text.forward(id, true).0),
        });
    }
    for (k, step) in c.backward.steps.iter().enumerate() {
        steps.push(WalkStep {
            pass: Pass::Backward,
            nodes: vec![step.node.index()],
            line: line_of(Anchor::Backward(k)),
            text: text.derivation(step),
        });
    }
    steps
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
    nodes: &mut Vec<usize>,
) {
    shown[id] = true;
    for child in c.graph[id].op.operands() {
        let op = &c.graph[child].op;
        let operation = !op.is_leaf() && op.constant().is_none();
        if !shown[child] && operation && !own.contains(&child) {
            inlined(c, child, shown, own, nodes);
        }
    }
    nodes.push(id.index());
}

//! Stepping through the passes: the forward pass one value at a time, then the backward pass
//! one chain-rule step at a time, each with the nodes of the graph it computes and the line
//! of the generated source that computes it.

use super::picture::partial_name;
use super::Picture;
use crate::compiled::Compiled;
use crate::emit::source::{Anchor, Lines};
use crate::graph::{NodeId, PerNode};
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
    let live = c.backward.needed(g);
    // Where the source has each node's forward statement and each backward step's first line.
    let mut own_line = g.per_node(None);
    let mut step_line = vec![None; c.backward.steps.len()];
    for &(anchor, line) in lines {
        match anchor {
            Anchor::Forward(id) => own_line[id] = Some(line),
            Anchor::Backward(k) => step_line[k] = Some(line),
        }
    }
    // The line of each operation (the statement it is written in), and for each statement the
    // operations written inside it, in the order computed.
    let mut line = g.per_node(None);
    let mut inside = g.per_node(Vec::new());
    let mut shown = g.per_node(false);
    for id in g.ids().filter(|&id| live[id]) {
        if let Some(at) = own_line[id] {
            let mut nodes = Vec::new();
            inlined(c, id, &mut shown, &own_line, &mut nodes);
            for &n in &nodes {
                line[n] = Some(at);
            }
            nodes.retain(|&n| n != id);
            inside[id] = nodes;
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
    let mut stepped = g.per_node(false);
    for step in &c.backward.steps {
        stepped[step.node] = true;
    }
    let mut users = g.per_node(Vec::new());
    for id in g.ids().filter(|&id| live[id]) {
        for operand in g[id].op.operands() {
            users[operand].push(id);
        }
    }
    for (k, step) in c.backward.steps.iter().enumerate() {
        steps.push(WalkStep {
            pass: Pass::Backward,
            nodes: vec![step.node.index()],
            line: step_line[k],
            text: text.derivation(step),
        });
        // The operations written inside this node's statement have no step of their own in
        // the generated backward (their gradient passes through to their operands' steps):
        // shown here, last computed first, with the local factors of the graph's edges.
        for &u in inside[step.node].iter().rev().filter(|&&u| !stepped[u]) {
            let terms: Vec<String> = users[u]
                .iter()
                .filter_map(|&user| {
                    let edge = picture
                        .edges
                        .iter()
                        .find(|e| e.from == u.index() && e.to == user.index())?;
                    let factor = edge.factor.as_deref()?;
                    Some(format!("∂L/∂{} · {factor}", partial_name(text, user)))
                })
                .collect();
            steps.push(WalkStep {
                pass: Pass::Backward,
                nodes: vec![u.index()],
                line: None,
                text: format!("∂L/∂{} = {}", partial_name(text, u), terms.join(" + ")),
            });
        }
    }
    steps
}

/// `id` and the operations inside its statement: operands without a statement of their own,
/// not yet shown, and not arguments or constants.
fn inlined(
    c: &Compiled,
    id: NodeId,
    shown: &mut PerNode<bool>,
    own_line: &PerNode<Option<usize>>,
    nodes: &mut Vec<NodeId>,
) {
    shown[id] = true;
    for child in c.graph[id].op.operands() {
        let op = &c.graph[child].op;
        let operation = !op.is_leaf() && op.constant().is_none();
        if !shown[child] && operation && own_line[child].is_none() {
            inlined(c, child, shown, own_line, nodes);
        }
    }
    nodes.push(id);
}

//! The computational graph, as data ([`Picture`]) and in Graphviz DOT: one node per value
//! (arguments as boxes, operations as ellipses), edges in the direction of the forward pass. Each edge child →
//! parent carries the local factor ∂parent/∂child the lecture writes on it; with numbers,
//! each node shows its value and its gradient ∂L/∂node, and each edge the factor's value and,
//! on a second line in red, what flows back along it, ∂L/∂parent · ∂parent/∂child.

use std::fmt::Write as _;

use super::point::Point;
use crate::ast::Shape;
use crate::compiled::Compiled;
use crate::diff::bexpr::Factor;
use crate::diff::rules::{self, Local};
use crate::eval::{self, Customs};
use crate::graph::{Graph, NodeId, Op};
use crate::text::Text;

/// Elements shown of a vector (or rows of a matrix) on the graph, `…` counted.
const SHOWN: usize = 4;

/// Characters of an unnamed node's expression shown in a `∂` name.
const EXPRESSION: usize = 28;

/// What a node of the graph stands for.
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "lowercase"))]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NodeKind {
    /// A data argument.
    Input,
    /// A parameter.
    Param,
    /// A number written in the network.
    Const,
    /// An operation.
    Operation,
    /// The operation whose value is the network's output.
    Output,
}

/// One node of the computational graph.
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[derive(Clone, Debug)]
pub struct PictureNode {
    /// The node's number (`n3` in DOT), the same in [`PictureEdge`] and [`super::WalkStep`].
    pub id: usize,
    /// What it stands for.
    pub kind: NodeKind,
    /// An argument's name, `a2 = ·` for a named operation, the operation (`+`, `σ`) else.
    pub label: String,
    /// `vector of 3`, `matrix 2×3`; none for a number.
    pub shape: Option<String>,
    /// The value at the point, when there are numbers (not for constants).
    pub value: Option<String>,
    /// `∂L/∂a2` and its value at the point, when there are numbers (not for constants).
    pub gradient: Option<(String, String)>,
}

/// One edge child → parent of the computational graph, in the direction of the forward pass.
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[derive(Clone, Debug)]
pub struct PictureEdge {
    /// The operand's node.
    pub from: usize,
    /// The node that uses it.
    pub to: usize,
    /// The local factor as the lecture writes it, with its value at the point when it differs:
    /// `∂a2/∂f1 = w2 = -0.3`; none for a constant operand.
    pub factor: Option<String>,
    /// What flows back along the edge at the point, `∂L/∂a2 · ∂a2/∂f1 = 0.109323`, when there
    /// are numbers.
    pub flow: Option<String>,
}

/// The computational graph as data, nodes in the order of the forward pass: what the DOT
/// text and the teaching page draw.
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[derive(Clone, Debug, Default)]
pub struct Picture {
    /// The nodes the output or the gradients need.
    pub nodes: Vec<PictureNode>,
    /// Their edges.
    pub edges: Vec<PictureEdge>,
}

/// The graph, with the numbers at `point` when there are numbers.
pub(super) fn picture(c: &Compiled, point: Option<&Point>, text: &Text) -> Picture {
    let g = &c.graph;
    let live = c.backward.needed(g);
    let nodes = g
        .ids()
        .filter(|&id| live[id])
        .map(|id| node(c, point, text, id))
        .collect();
    let mut edges = Vec::new();
    for id in g.ids().filter(|&id| live[id]) {
        for (slot, child) in g[id].op.operands().into_iter().enumerate() {
            let (factor, flow) = edge(c, point, text, id, slot).unzip();
            edges.push(PictureEdge {
                from: child.index(),
                to: id.index(),
                factor,
                flow: flow.flatten(),
            });
        }
    }
    Picture { nodes, edges }
}

/// The picture in Graphviz DOT: arguments as boxes, operations as ellipses; a node's label
/// its value and gradient below its name, an edge's its factor and, in red, its flow.
pub(super) fn dot(picture: &Picture) -> String {
    let mut out = String::from(
        "digraph network {\n  rankdir=LR;\n  node [fontname=\"Helvetica\"];\n  edge [fontname=\"Helvetica\", fontsize=10];\n",
    );
    for n in &picture.nodes {
        let shape_note = n
            .shape
            .as_ref()
            .map(|s| format!("\\n{s}"))
            .unwrap_or_default();
        let numbers = match (&n.value, &n.gradient) {
            (Some(value), Some((name, gradient))) => format!(
                "\\n{}\\n{} = {}",
                escape(value),
                escape(name),
                escape(gradient)
            ),
            _ => String::new(),
        };
        let style = match n.kind {
            NodeKind::Input => "shape=box, style=filled, fillcolor=\"#dbeafe\"",
            NodeKind::Param => "shape=box, style=filled, fillcolor=\"#fef3c7\"",
            NodeKind::Const => "shape=plaintext",
            NodeKind::Output => "shape=ellipse, style=filled, fillcolor=\"#dcfce7\"",
            NodeKind::Operation => "shape=ellipse",
        };
        let _ = writeln!(
            out,
            "  n{} [label=\"{}{shape_note}{numbers}\", {style}];",
            n.id,
            escape(&n.label)
        );
    }
    for e in &picture.edges {
        let label = match (&e.factor, &e.flow) {
            (None, _) => String::new(),
            (Some(factor), None) => format!(" [label=<{}>]", html(factor)),
            (Some(factor), Some(flow)) => format!(
                " [label=<{}<br/><font color=\"#b91c1c\">{}</font>>]",
                html(factor),
                html(flow)
            ),
        };
        let _ = writeln!(out, "  n{} -> n{}{label};", e.from, e.to);
    }
    out.push_str("}\n");
    out
}

/// The name a `∂` is written with: the node's name, or its expression, shortened.
pub(super) fn partial_name(text: &Text, id: NodeId) -> String {
    let name = text.named(id);
    if name.chars().count() <= EXPRESSION {
        return name;
    }
    let short: String = name.chars().take(EXPRESSION - 2).collect();
    format!("{short}…)")
}

fn node(c: &Compiled, point: Option<&Point>, text: &Text, id: NodeId) -> PictureNode {
    let g = &c.graph;
    let node = &g[id];
    let label = match (c.names.value(id), &node.op) {
        (_, Op::Const(v)) => crate::ast::number(*v),
        (Some(name), op) if op.is_leaf() => name.to_string(),
        (Some(name), _) => format!("{name} = {}", operation(g, id, text)),
        (None, _) => operation(g, id, text),
    };
    let kind = match node.op {
        Op::Input(_) => NodeKind::Input,
        Op::Param(_) => NodeKind::Param,
        Op::Const(_) => NodeKind::Const,
        _ if id == g.output => NodeKind::Output,
        _ => NodeKind::Operation,
    };
    let numbers = point.filter(|_| node.op.constant().is_none());
    PictureNode {
        id: id.index(),
        kind,
        label,
        shape: (node.shape != Shape::Scalar).then(|| node.shape.describe()),
        value: numbers.map(|p| p.value(c, id, SHOWN)),
        gradient: numbers.map(|p| {
            let name = format!("∂L/∂{}", partial_name(text, id));
            (name, p.gradient(c, id, SHOWN))
        }),
    }
}

/// The factor of the edge from operand `slot` of node `id`, `∂a2/∂f1 = w2 = -0.3`, and with
/// numbers what flows back along it, `∂L/∂a2 · ∂a2/∂f1 = 0.109323`. None for a constant
/// operand.
fn edge(
    c: &Compiled,
    point: Option<&Point>,
    text: &Text,
    id: NodeId,
    slot: usize,
) -> Option<(String, Option<String>)> {
    let g = &c.graph;
    let child = g[id].op.operands().as_slice()[slot];
    if g[child].op.constant().is_some() {
        return None;
    }
    let factor = match rules::local(g, id, slot) {
        Local::Each(e) => Factor::Each(e),
        Local::Whole(kind, value) => Factor::Jacobian(kind, value),
    };
    let (parent, child_name) = (partial_name(text, id), partial_name(text, child));
    let partial = format!("∂{parent}/∂{child_name}");
    let written = text.factor(&factor);
    let mut label = format!("{partial} = {written}");
    let Some(p) = point else {
        return Some((label, None));
    };
    let (values, shape) = eval::local_factor(g, id, slot, &p.values, &Customs::NONE);
    let value = super::value::list(&values, shape, SHOWN);
    if value != written {
        let _ = write!(label, " = {value}");
    }
    let flow = eval::flow(
        g,
        id,
        slot,
        &p.values,
        &p.gradients.adjoints,
        &Customs::NONE,
    );
    let flow = super::value::list(&flow, g.shape(child), SHOWN);
    Some((label, Some(format!("∂L/∂{parent} · {partial} = {flow}"))))
}

/// The operation of a node as the lecture's graph figures label it: `+`, `·`, `σ`.
fn operation(g: &Graph, id: NodeId, text: &Text) -> String {
    match g[id].op {
        Op::Add(..) => "+".into(),
        Op::Sub(..) => "−".into(),
        Op::Mul(..) | Op::Dot(..) | Op::MatVec(..) => "·".into(),
        Op::Div(..) => "/".into(),
        Op::Neg(_) => "−(·)".into(),
        Op::Call(f, _) => text.symbol(f),
        Op::ChannelBias(..) => "+".into(),
        Op::Conv(_, k, _) => format!("conv{}d", g.shape(k).rank() - 2),
        Op::Pool(p, _) if p.max => "max_pool".into(),
        Op::Pool(..) => "avg_pool".into(),
        Op::Flatten(_) => "flatten".into(),
        Op::Input(_) | Op::Param(_) | Op::Const(_) => String::new(),
    }
}

/// Text in a quoted DOT string.
fn escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

/// Text in a DOT HTML-like label.
fn html(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

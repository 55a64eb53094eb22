//! The computational graph in Graphviz DOT: one node per value (arguments as boxes,
//! operations as ellipses), edges in the direction of the forward pass. Each edge child →
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

/// The graph, with the numbers at `point` when there are numbers.
pub(super) fn graph(c: &Compiled, point: Option<&Point>, text: &Text) -> String {
    let g = &c.graph;
    let live = c.backward.needed(g);
    let mut out = String::from(
        "digraph network {\n  rankdir=LR;\n  node [fontname=\"Helvetica\"];\n  edge [fontname=\"Helvetica\", fontsize=10];\n",
    );
    for id in g.ids().filter(|&id| live[id]) {
        let _ = writeln!(out, "  {}", node(c, point, text, id));
    }
    for id in g.ids().filter(|&id| live[id]) {
        for (slot, child) in g[id].op.operands().into_iter().enumerate() {
            let label = edge(c, point, text, id, slot).unwrap_or_default();
            let _ = writeln!(out, "  n{} -> n{}{label};", child.index(), id.index());
        }
    }
    out.push_str("}\n");
    out
}

/// The name a `∂` is written with: the node's name, or its expression, shortened.
fn partial_name(text: &Text, id: NodeId) -> String {
    let name = text.named(id);
    if name.chars().count() <= EXPRESSION {
        return name;
    }
    let short: String = name.chars().take(EXPRESSION - 2).collect();
    format!("{short}…)")
}

fn node(c: &Compiled, point: Option<&Point>, text: &Text, id: NodeId) -> String {
    let g = &c.graph;
    let node = &g[id];
    let label = match (c.names.value(id), &node.op) {
        (_, Op::Const(v)) => crate::ast::number(*v),
        (Some(name), op) if op.is_leaf() => name.to_string(),
        (Some(name), _) => format!("{name} = {}", operation(g, id, text)),
        (None, _) => operation(g, id, text),
    };
    let shape_note = match node.shape {
        Shape::Scalar => String::new(),
        shape => format!("\\n{}", shape.describe()),
    };
    let numbers = point
        .filter(|_| node.op.constant().is_none())
        .map(|p| {
            format!(
                "\\n{}\\n∂L/∂{} = {}",
                escape(&p.value(c, id, SHOWN)),
                escape(&partial_name(text, id)),
                escape(&p.gradient(c, id, SHOWN))
            )
        })
        .unwrap_or_default();
    let style = match node.op {
        Op::Input(_) => "shape=box, style=filled, fillcolor=\"#dbeafe\"",
        Op::Param(_) => "shape=box, style=filled, fillcolor=\"#fef3c7\"",
        Op::Const(_) => "shape=plaintext",
        _ if id == g.output => "shape=ellipse, style=filled, fillcolor=\"#dcfce7\"",
        _ => "shape=ellipse",
    };
    format!(
        "n{} [label=\"{}{shape_note}{numbers}\", {style}];",
        id.index(),
        escape(&label)
    )
}

/// The label of the edge from operand `slot` of node `id`: `∂a2/∂f1 = w2 = -0.3`, and with
/// numbers a second line, `∂L/∂a2 · ∂a2/∂f1 = 0.109323`. None for a constant operand.
fn edge(
    c: &Compiled,
    point: Option<&Point>,
    text: &Text,
    id: NodeId,
    slot: usize,
) -> Option<String> {
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
    if let Some(p) = point {
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
        label = format!(
            "{}<br/><font color=\"#b91c1c\">∂L/∂{} · {} = {}</font>",
            html(&label),
            html(&parent),
            html(&partial),
            html(&flow)
        );
    } else {
        label = html(&label);
    }
    Some(format!(" [label=<{label}>]"))
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

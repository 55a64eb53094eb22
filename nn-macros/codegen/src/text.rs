//! Math as the lecture writes it, for comments and docs: `∂y/∂a3 = y·(1 − y)`.

use crate::ast::Func;
use crate::diff::{BExpr, Deriv, Note, Part, Step, Target, Whole};
use crate::ir::{Graph, NodeId, Op};

/// A number without a needless `.0`: `1`, `0.5`, `-2`.
pub fn number(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

/// Names of functions as written in the network language.
pub fn func_name(f: Func, customs: &[String]) -> String {
    match f {
        Func::Step(_) => "step".into(),
        Func::Sigmoid => "σ".into(),
        Func::Tanh => "tanh".into(),
        Func::Relu => "relu".into(),
        Func::LeakyRelu(_) => "leaky_relu".into(),
        Func::Exp => "exp".into(),
        Func::Ln => "ln".into(),
        Func::Sqrt => "sqrt".into(),
        Func::Abs => "abs".into(),
        Func::Powi(_) => "powi".into(),
        Func::Softplus => "softplus".into(),
        Func::Custom(i) => customs.get(i).cloned().unwrap_or_default(),
        Func::Sum => "Σ".into(),
        Func::Mean => "mean".into(),
        Func::Softmax => "softmax".into(),
        Func::LogSoftmax => "log_softmax".into(),
    }
}

/// Operator precedence: sums 1, products 2, negation 3, atoms 4.
fn prec_op(op: &Op) -> u8 {
    match op {
        Op::Add(..) | Op::Sub(..) => 1,
        Op::Mul(..) | Op::Div(..) | Op::Dot(..) | Op::MatVec(..) => 2,
        Op::Neg(_) => 3,
        Op::Const(c) if *c < 0.0 => 3,
        _ => 4,
    }
}

/// The forward expression of a node, naming the nodes that have names.
pub fn forward(graph: &Graph, id: NodeId, customs: &[String], top: bool) -> (String, u8) {
    let node = &graph.nodes[id];
    if !top {
        if let Some(name) = graph.name(id) {
            return (name.to_string(), 4);
        }
    }
    let sub = |c: NodeId| forward(graph, c, customs, false);
    let bin = |a: NodeId, b: NodeId, sym: &str, p: u8| {
        let (ta, pa) = sub(a);
        let (tb, pb) = sub(b);
        let ta = if pa < p { format!("({ta})") } else { ta };
        let tb = if pb <= p { format!("({tb})") } else { tb };
        (format!("{ta}{sym}{tb}"), p)
    };
    match node.op {
        Op::Input(_) | Op::Param(_) => (graph.name(id).unwrap_or("?").to_string(), 4),
        Op::Const(c) => (number(c), prec_op(&node.op)),
        Op::Add(a, b) => bin(a, b, " + ", 1),
        Op::Sub(a, b) => bin(a, b, " − ", 1),
        Op::Mul(a, b) => bin(a, b, "·", 2),
        Op::Div(a, b) => bin(a, b, "/", 2),
        Op::Dot(a, b) | Op::MatVec(a, b) => bin(a, b, "·", 2),
        Op::Neg(a) => {
            let (t, p) = sub(a);
            (
                if p < 3 {
                    format!("−({t})")
                } else {
                    format!("−{t}")
                },
                3,
            )
        }
        Op::Call(f, a) => {
            let (t, _) = sub(a);
            let extra = match f {
                Func::LeakyRelu(alpha) => format!(", {}", number(alpha)),
                Func::Step(t) if t != 0.0 => format!(", {}", number(t)),
                Func::Powi(n) => format!(", {n}"),
                _ => String::new(),
            };
            (format!("{}({t}{extra})", func_name(f, customs)), 4)
        }
    }
}

/// How the backward names a node's adjoint in text: `∂L/∂a3`.
pub fn partial_l(graph: &Graph, id: NodeId) -> String {
    format!("∂L/∂{}", graph.name(id).unwrap_or("?"))
}

fn prec_b(e: &BExpr) -> u8 {
    match e {
        BExpr::Add(..) | BExpr::Sub(..) => 1,
        BExpr::Mul(..) | BExpr::Div(..) => 2,
        BExpr::Neg(_) => 3,
        BExpr::Const(c) if *c < 0.0 => 3,
        _ => 4,
    }
}

/// A backward expression in lecture notation.
pub fn backward(graph: &Graph, e: &BExpr, customs: &[String]) -> String {
    let sub = |x: &BExpr| backward(graph, x, customs);
    let bin = |a: &BExpr, b: &BExpr, sym: &str, p: u8| {
        let ta = if prec_b(a) < p {
            format!("({})", sub(a))
        } else {
            sub(a)
        };
        let tb = if prec_b(b) <= p {
            format!("({})", sub(b))
        } else {
            sub(b)
        };
        format!("{ta}{sym}{tb}")
    };
    match e {
        BExpr::Seed => partial_l(graph, graph.output),
        BExpr::Adj(id) => partial_l(graph, *id),
        BExpr::Val(id) => graph.name(*id).unwrap_or("?").to_string(),
        BExpr::Const(c) => number(*c),
        BExpr::Add(a, b) => bin(a, b, " + ", 1),
        BExpr::Sub(a, b) => bin(a, b, " − ", 1),
        BExpr::Mul(a, b) => bin(a, b, "·", 2),
        BExpr::Div(a, b) => bin(a, b, "/", 2),
        BExpr::Neg(a) => {
            if prec_b(a) < 3 {
                format!("−({})", sub(a))
            } else {
                format!("−{}", sub(a))
            }
        }
        BExpr::Sum(a, _) => format!("Σᵢ {}", sub(a)),
        BExpr::Note(note, id) => {
            let name = graph.name(*id).unwrap_or("?");
            match note {
                Note::Outer => format!("{name}ᵀ (outer product)"),
                Note::Transposed => format!("{name}ᵀ"),
                Note::SoftmaxJacobian => format!("diag({name}) − {name}·{name}ᵀ"),
                Note::LogSoftmaxJacobian => format!("I − exp({name})·1ᵀ"),
            }
        }
        BExpr::Call(d, args) => {
            let z = sub(&args[0]);
            match d {
                Deriv::ReluDerivative => format!("relu′({z}) (1 if {z} > 0, else 0)"),
                Deriv::LeakyReluDerivative => {
                    format!("leaky_relu′({z}) (1 if {z} > 0, else {})", sub(&args[1]))
                }
                Deriv::StepDerivative => {
                    format!("step′({z}) = 0: no gradient flows through a step")
                }
                Deriv::Sign => format!("sign({z})"),
                Deriv::Sigmoid => format!("σ({z})"),
                Deriv::Powi(n) => format!("{z}^{n}"),
                Deriv::Custom(k) => {
                    format!("{}′({z})", customs.get(*k).cloned().unwrap_or_default())
                }
            }
        }
    }
}

/// `∂a3/∂w3 = f2`: one local factor.
pub fn factor(graph: &Graph, part: &Part, of: NodeId, customs: &[String]) -> String {
    format!(
        "∂{}/∂{} = {}",
        graph.name(part.consumer).unwrap_or("?"),
        graph.name(of).unwrap_or("?"),
        backward(graph, &part.factor, customs)
    )
}

/// The comment on a backward statement: its local factor(s).
pub fn step_comment(graph: &Graph, step: &Step, customs: &[String]) -> String {
    let factors: Vec<String> = step
        .parts
        .iter()
        .map(|p| factor(graph, p, step.node, customs))
        .collect();
    match factors.len() {
        1 => factors[0].clone(),
        _ => format!("paths add up: {}", factors.join(", ")),
    }
}

/// The derivation line of a step for the docs: `∂L/∂a3 = ∂L/∂y · ∂y/∂a3 = ∂L/∂y·y·(1 − y)`.
pub fn derivation(graph: &Graph, step: &Step, customs: &[String]) -> String {
    let lhs = partial_l(graph, step.node);
    let chain: Vec<String> = step
        .parts
        .iter()
        .map(|p| {
            format!(
                "∂L/∂{} · ∂{}/∂{}",
                graph.name(p.consumer).unwrap_or("?"),
                graph.name(p.consumer).unwrap_or("?"),
                graph.name(step.node).unwrap_or("?")
            )
        })
        .collect();
    let prefix = match step.target {
        Target::Param(_) => "(parameter) ",
        Target::Input(_) => "(input) ",
        Target::Node(_) => "",
    };
    let mut value: Vec<String> = step
        .whole
        .iter()
        .map(|w| whole(graph, w, customs))
        .collect();
    if step.whole.is_empty() || step.value != BExpr::Const(0.0) {
        value.insert(0, backward(graph, &step.value, customs));
    }
    format!(
        "{prefix}{lhs} = {} = {}",
        chain.join(" + "),
        value.join(" + ")
    )
}

/// A whole-vector share of an adjoint in lecture notation: `W2ᵀ·∂L/∂z2`.
pub fn whole(graph: &Graph, w: &Whole, customs: &[String]) -> String {
    let name = |k: NodeId| graph.name(k).unwrap_or("?").to_string();
    let dy = backward(graph, w.dy(), customs);
    match *w {
        Whole::TransposeMul { w, .. } => format!("{}ᵀ·{dy}", name(w)),
        Whole::Outer { x, .. } => format!("{dy}·{}ᵀ", name(x)),
        Whole::SoftmaxBackward { y, .. } => {
            format!("{y} ⊙ ({dy} − {dy}·{y})", y = name(y))
        }
        Whole::LogSoftmaxBackward { y, .. } => {
            format!("{dy} − exp({})·Σ{dy}", name(y))
        }
    }
}

//! The teaching view: for a network written as an expression, the generated forward and
//! backward, the derivation as the lecture writes it, the numbers at a given point, and the
//! computational graph as Graphviz DOT (forward values on the nodes, gradients on the edges).
//!
//! ```
//! use nn_codegen::explain::{explain, Request};
//!
//! let request = Request {
//!     body: "y = f3(w3·f2(w2·f1(w1·x + b1)))".into(),
//!     with: "f1 = sigmoid, f2 = sigmoid, f3 = sigmoid".into(),
//!     at: vec![("x".into(), 1.0)],
//!     ..Request::default()
//! };
//! let e = explain(&request).unwrap();
//! assert!(e.source.contains("let dl_da3 = dl_dy * y * (1.0 - y);"));
//! assert!(e.dot.starts_with("digraph"));
//! ```

use std::collections::BTreeSet;
use std::fmt::Write as _;

use proc_macro2::{TokenStream, TokenTree};

use crate::ast::Shape;
use crate::compiled::Compiled;
use crate::diff::rules::{self, Local};
use crate::diff::Target;
use crate::eval::{self, Customs};
use crate::func::Builtin;
use crate::graph::{Graph, NodeId, Op, PerNode};
use crate::{compile, emit};

/// What to explain.
#[derive(Clone, Debug, Default)]
pub struct Request {
    /// The body of the network: `let` statements and the output, like
    /// `let a1 = w1·x + b1; y = sigmoid(a1)`; or a whole `fn` item.
    pub body: String,
    /// The attribute's placeholder bindings, like `f1 = relu, f2 = sigmoid`.
    pub with: String,
    /// The names that are data (default: `x` when the body uses it, else the first name).
    pub inputs: Vec<String>,
    /// Values of arguments for the numbers (others are 0.5).
    pub at: Vec<(String, f64)>,
    /// ∂L/∂output to start the backward pass from (default 1).
    pub seed: Option<f64>,
    /// The function's name (default `network`).
    pub name: Option<String>,
}

/// The explanation.
#[derive(Clone, Debug)]
pub struct Explanation {
    /// The function that was compiled (the body wrapped in a signature).
    pub function: String,
    /// The generated forward and backward, with chain-rule comments.
    pub source: String,
    /// The forward equations, one per named value.
    pub equations: Vec<String>,
    /// The derivation, one line per chain-rule step.
    pub derivation: Vec<String>,
    /// Every named value and every gradient at the chosen point (scalar networks only).
    pub numbers: Vec<String>,
    /// The computational graph in Graphviz DOT.
    pub dot: String,
}

/// Default value of an argument not given in [`Request::at`].
const DEFAULT_VALUE: f64 = 0.5;

/// Compiles the request's network and explains it; the error is the compiler's message.
pub fn explain(request: &Request) -> Result<Explanation, String> {
    let (attr, item, function) = network_source(request)?;
    crate::stack::grown(&item.clone(), || explained(request, attr, item, function))
}

/// The explanation of a network read from the request.
fn explained(
    request: &Request,
    attr: TokenStream,
    item: TokenStream,
    function: String,
) -> Result<Explanation, String> {
    let compiled = compile(attr, item).map_err(|e| render_errors(&e))?;
    let source = emit::emit(&compiled)
        .sections
        .lecture("… impl nn::Parameters and nn::Network for Params …");
    let g = &compiled.graph;
    let customs: Vec<String> = compiled
        .network
        .customs
        .iter()
        .map(|c| c.name.to_string())
        .collect();
    let text = crate::text::Text {
        graph: g,
        names: &compiled.names,
        customs: &customs,
    };
    let live = compiled.backward.needed(g); // with what only the backward reads
    let equations = g
        .ids()
        .filter(|&id| live[id] && compiled.names.value(id).is_some() && !g[id].op.is_leaf())
        .map(|id| format!("{} = {}", text.name(id), text.forward(id, true).0))
        .collect();
    let derivation = compiled
        .backward
        .steps
        .iter()
        .map(|st| text.derivation(st))
        .collect();
    let scalar = g.nodes.iter().all(|n| n.shape == Shape::Scalar) && customs.is_empty();
    let point = scalar.then(|| Point::evaluate(&compiled, request));
    let numbers = point
        .as_ref()
        .map(|p| p.numbers(&compiled))
        .unwrap_or_default();
    let dot = dot(&compiled, point.as_ref(), &text);
    Ok(Explanation {
        function,
        source,
        equations,
        derivation,
        numbers,
        dot,
    })
}

/// The attribute and `fn` item for the request, and the item as text.
fn network_source(request: &Request) -> Result<(TokenStream, TokenStream, String), String> {
    let attr: TokenStream = request
        .with
        .parse()
        .map_err(|e| format!("the bindings `{}` are not valid tokens: {e}", request.with))?;
    let mut inputs_attr = String::new();
    let body = request.body.trim();
    let function = if body.starts_with("fn ") || body.starts_with("pub fn ") {
        body.to_string()
    } else {
        let tokens: TokenStream = body
            .parse()
            .map_err(|e| format!("the network `{body}` is not valid tokens: {e}"))?;
        let placeholders = placeholder_names(&attr);
        let names = free_names(&tokens, &placeholders);
        if names.is_empty() {
            return Err(format!(
                "the network `{body}` has no arguments; write it with names, like `y = sigmoid(w·x + b)`"
            ));
        }
        let inputs: Vec<String> = if request.inputs.is_empty() {
            let first = if names.iter().any(|n| n == "x") {
                "x".to_string()
            } else {
                names[0].clone()
            };
            vec![first]
        } else {
            request.inputs.clone()
        };
        inputs_attr = format!("inputs({})", inputs.join(", "));
        // Inputs first, in the order given, then the parameters by layer (the number they
        // end in: w1, b1, w2, …), in order of appearance within a layer.
        let layer = |n: &str| -> u64 {
            let digits: String = n.chars().rev().take_while(char::is_ascii_digit).collect();
            digits
                .chars()
                .rev()
                .collect::<String>()
                .parse()
                .unwrap_or(u64::MAX)
        };
        let mut params: Vec<&String> = names.iter().filter(|n| !inputs.contains(n)).collect();
        params.sort_by_key(|n| layer(n));
        let args: Vec<String> = inputs
            .iter()
            .chain(params)
            .map(|n| format!("{n}: f64"))
            .collect();
        let name = request.name.as_deref().unwrap_or("network");
        format!("fn {name}({}) -> f64 {{\n    {body}\n}}", args.join(", "))
    };
    let item: TokenStream = function
        .parse()
        .map_err(|e| format!("`{function}` is not valid tokens: {e}"))?;
    let attr = if inputs_attr.is_empty() {
        attr
    } else if attr.is_empty() {
        inputs_attr.parse().map_err(|e| format!("{e}"))?
    } else {
        format!("{attr}, {inputs_attr}")
            .parse()
            .map_err(|e| format!("{e}"))?
    };
    Ok((attr, item, function))
}

/// The names bound in the attribute: `f1` in `f1 = relu`.
fn placeholder_names(attr: &TokenStream) -> BTreeSet<String> {
    let tokens: Vec<TokenTree> = attr.clone().into_iter().collect();
    let mut names = BTreeSet::new();
    for pair in tokens.windows(2) {
        if let (TokenTree::Ident(i), TokenTree::Punct(p)) = (&pair[0], &pair[1]) {
            if p.as_char() == '=' {
                names.insert(i.to_string());
            }
        }
    }
    names
}

/// The names a body reads without defining them, in order of first appearance: the
/// arguments of the network.
fn free_names(body: &TokenStream, placeholders: &BTreeSet<String>) -> Vec<String> {
    let mut defined = BTreeSet::new();
    let mut names = Vec::new();
    collect_names(body, placeholders, &mut defined, &mut names);
    names.retain(|n| !defined.contains(n));
    names
}

fn collect_names(
    tokens: &TokenStream,
    placeholders: &BTreeSet<String>,
    defined: &mut BTreeSet<String>,
    names: &mut Vec<String>,
) {
    let trees: Vec<TokenTree> = tokens.clone().into_iter().collect();
    let mut statement_start = true;
    for (k, tree) in trees.iter().enumerate() {
        match tree {
            TokenTree::Group(g) => {
                collect_names(&g.stream(), placeholders, defined, names);
                statement_start = false;
            }
            TokenTree::Punct(p) => statement_start = p.as_char() == ';',
            TokenTree::Literal(_) => statement_start = false,
            TokenTree::Ident(ident) => {
                let text = ident.to_string();
                let next_is_eq =
                    matches!(trees.get(k + 1), Some(TokenTree::Punct(p)) if p.as_char() == '=');
                let after_let = k > 0 && matches!(&trees[k - 1], TokenTree::Ident(i) if i == "let");
                if text == "let" {
                    continue;
                }
                if after_let || (statement_start && next_is_eq) {
                    defined.insert(text);
                    statement_start = false;
                    continue;
                }
                statement_start = false;
                let called = matches!(trees.get(k + 1), Some(TokenTree::Group(g)) if g.delimiter() == proc_macro2::Delimiter::Parenthesis);
                let parts: Vec<&str> = text.split('·').collect();
                for (j, part) in parts.iter().enumerate() {
                    let is_callee = called && j + 1 == parts.len();
                    let is_function =
                        Builtin::from_name(part).is_some() || placeholders.contains(*part);
                    let is_name = part
                        .chars()
                        .next()
                        .is_some_and(|c| c.is_alphabetic() || c == '_');
                    if is_name && !(is_callee && is_function) && !names.iter().any(|n| n == part) {
                        names.push(part.to_string());
                    }
                }
            }
        }
    }
}

/// The numbers of a scalar network at one point.
struct Point {
    values: PerNode<Vec<f64>>,
    gradients: eval::Gradients,
    seed: f64,
}

impl Point {
    fn evaluate(c: &Compiled, request: &Request) -> Point {
        let g = &c.graph;
        let value_of = |id: NodeId| {
            let name = c.names.of(id);
            let value = request
                .at
                .iter()
                .find(|(n, _)| n == name)
                .map_or(DEFAULT_VALUE, |(_, v)| *v);
            vec![value]
        };
        let inputs: Vec<Vec<f64>> = g.inputs.iter().map(|&i| value_of(i)).collect();
        let params: Vec<Vec<f64>> = g.params.iter().map(|&i| value_of(i)).collect();
        let values = eval::forward(g, &inputs, &params, &Customs::NONE);
        let seed = request.seed.unwrap_or(1.0);
        let gradients = eval::backward(g, &c.backward, &values, &[seed], &Customs::NONE);
        Point {
            values,
            gradients,
            seed,
        }
    }

    fn numbers(&self, c: &Compiled) -> Vec<String> {
        let g = &c.graph;
        let live = c.backward.needed(g);
        let mut lines = Vec::new();
        for id in g.ids() {
            if let (true, Some(name)) = (live[id], c.names.value(id)) {
                if g[id].op.constant().is_none() {
                    lines.push(format!("{name} = {}", number(self.values[id][0])));
                }
            }
        }
        lines.push(format!(
            "∂L/∂{} = {} (the seed)",
            c.names.of(g.output),
            number(self.seed)
        ));
        for step in &c.backward.steps {
            let id = step.node;
            let what = match step.target {
                Target::Param(_) => " (parameter)",
                Target::Input(_) => " (input)",
                Target::Node => "",
            };
            lines.push(format!(
                "∂L/∂{} = {}{what}",
                c.names.of(id),
                number(self.gradients.adjoints[id][0])
            ));
        }
        lines
    }
}

/// A number for people: up to 6 significant digits, no trailing zeros.
fn number(v: f64) -> String {
    if v == 0.0 || !v.is_finite() {
        return format!("{v}");
    }
    let digits = (5 - v.abs().log10().floor() as i32).clamp(0, 12) as usize;
    let s = format!("{v:.digits$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// The computational graph: one node per value (arguments as boxes, operations as ellipses),
/// edges in the direction of the forward pass; with numbers, each node shows its value and
/// its gradient ∂L/∂node, and each edge the gradient that flows back along it.
fn dot(c: &Compiled, point: Option<&Point>, text: &crate::text::Text) -> String {
    let g = &c.graph;
    let live = c.backward.needed(g);
    let mut out = String::from(
        "digraph network {\n  rankdir=LR;\n  node [fontname=\"Helvetica\"];\n  edge [fontname=\"Helvetica\", fontsize=10];\n",
    );
    for id in g.ids().filter(|&id| live[id]) {
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
            .map(|p| {
                format!(
                    "\\n{}\\n∂L/∂{} = {}",
                    number(p.values[id][0]),
                    c.names.value(id).unwrap_or(""),
                    number(p.gradients.adjoints[id][0])
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
        let _ = writeln!(
            out,
            "  n{} [label=\"{}{shape_note}{numbers}\", {style}];",
            id.index(),
            escape(&label)
        );
    }
    for id in g.ids().filter(|&id| live[id]) {
        for (slot, child) in g[id].op.operands().into_iter().enumerate() {
            let label = point
                .filter(|_| g[child].op.constant().is_none())
                .and_then(|p| {
                    // What flows back along this edge: ∂L/∂parent · ∂parent/∂child.
                    let Local::Each(factor) = rules::local(g, id, slot) else {
                        return None;
                    };
                    let factor = eval::factor(&factor, &p.values, &Customs::NONE);
                    Some(format!(
                        " [label=\"{}\", fontcolor=\"#b91c1c\"]",
                        number(p.gradients.adjoints[id][0] * factor)
                    ))
                })
                .unwrap_or_default();
            let _ = writeln!(out, "  n{} -> n{}{label};", child.index(), id.index());
        }
    }
    out.push_str("}\n");
    out
}

/// The operation of a node as the lecture's graph figures label it: `+`, `·`, `σ`.
fn operation(g: &Graph, id: NodeId, text: &crate::text::Text) -> String {
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

fn escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

fn render_errors(e: &syn::Error) -> String {
    e.clone()
        .into_iter()
        .map(|e| format!("error: {e}"))
        .collect::<Vec<_>>()
        .join("\n")
}

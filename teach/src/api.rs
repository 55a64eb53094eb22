//! What the page sends and gets back, as JSON: the explanation of a network (or its errors
//! with their places in the text typed) and the events of a training run.

use nn_codegen::explain::{parse_values, Explanation, Failure, Field, NodeKind, Pass, Request};
use serde::{Deserialize, Serialize};

use crate::layout;
use crate::limits;

/// What the page asks to have explained.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct ExplainRequest {
    /// The network: a body in the lecture's notation, or a whole `fn`.
    pub network: String,
    /// The bindings, as in `#[network(...)]`.
    pub with: String,
    /// Values of the arguments: `x = 1, w1 = 0.5`, vectors in brackets.
    pub at: String,
    /// ∂L/∂output to start the backward pass from: a number for every element (empty: 1),
    /// or a list of the output's shape.
    pub seed: String,
}

/// An explanation, or why there is none.
#[derive(Clone, Debug, Serialize)]
#[serde(tag = "status", rename_all = "lowercase")]
pub enum ExplainReply {
    /// The network compiled.
    Ok(Box<Explained>),
    /// It did not: the compiler's messages and where they point in the text typed.
    Error(Errors),
}

/// The compiler's messages.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Errors {
    /// As rustc shows them: each with the line and `^` under the offending tokens.
    pub message: String,
    /// The places in the network's text, in characters (UTF-16 code units for the page
    /// are the same for every character of the language, which is in the basic plane).
    pub marks: Vec<Mark>,
}

/// One error's place.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Mark {
    /// Its message.
    pub message: String,
    /// The field it points into: `network` or `bindings`.
    pub field: &'static str,
    /// Its first character in the network's text.
    pub start: usize,
    /// One past its last.
    pub end: usize,
}

/// The explanation the page shows.
#[derive(Clone, Debug, Serialize)]
pub struct Explained {
    /// The function compiled.
    pub function: String,
    /// The generated code's lecture part.
    pub source: String,
    /// The forward equations.
    pub equations: Vec<String>,
    /// The chain rule, a line a step.
    pub derivation: Vec<String>,
    /// The numbers at the point.
    pub numbers: Vec<String>,
    /// The arguments that took the default 0.5.
    pub defaults: Vec<String>,
    /// The graph, laid out.
    pub graph: Graph,
    /// The forward steps, then the backward ones.
    pub walk: Vec<Step>,
}

/// The computational graph.
#[derive(Clone, Debug, Serialize)]
pub struct Graph {
    /// Nodes in the order of the forward pass.
    pub nodes: Vec<Node>,
    /// Edges operand → user.
    pub edges: Vec<Edge>,
}

/// A node and its place.
#[derive(Clone, Debug, Serialize)]
pub struct Node {
    /// Its number, as the edges and the steps name it.
    pub id: usize,
    /// `input`, `param`, `const`, `operation` or `output`.
    pub kind: &'static str,
    /// Its name and operation.
    pub label: String,
    /// `vector of 3`, when not a number.
    pub shape: Option<String>,
    /// Its value at the point.
    pub value: Option<String>,
    /// `∂L/∂name`.
    pub gradient_name: Option<String>,
    /// Its gradient at the point.
    pub gradient: Option<String>,
    /// Its column (left to right, the forward pass).
    pub column: usize,
    /// Its row in the column.
    pub row: usize,
}

/// An edge operand → user.
#[derive(Clone, Debug, Serialize)]
pub struct Edge {
    /// The operand.
    pub from: usize,
    /// The user.
    pub to: usize,
    /// The local factor ∂user/∂operand, written and at the point.
    pub factor: Option<String>,
    /// What flows back: ∂L/∂user · ∂user/∂operand at the point.
    pub flow: Option<String>,
}

/// One step of stepping through the passes.
#[derive(Clone, Debug, Serialize)]
pub struct Step {
    /// `forward` or `backward`.
    pub pass: &'static str,
    /// The nodes it computes.
    pub nodes: Vec<usize>,
    /// The line of the source (from 0) that computes it.
    pub line: Option<usize>,
    /// Its equation or chain-rule line.
    pub text: String,
}

/// The engine's request for the page's: the values read, the sizes checked.
pub fn request(r: &ExplainRequest) -> Result<Request, Failure> {
    limits::length("network", &r.network, limits::NETWORK_CHARS)?;
    limits::length("bindings", &r.with, limits::NETWORK_CHARS)?;
    limits::length("values", &r.at, limits::NETWORK_CHARS)?;
    limits::length("seed", &r.seed, limits::NETWORK_CHARS)?;
    let at = if r.at.trim().is_empty() {
        Vec::new()
    } else {
        parse_values(&r.at)?
    };
    let seed = match r.seed.trim() {
        "" => None,
        seed => {
            let parsed = parse_values(&format!("seed = {seed}")).map_err(|_| {
                format!("the seed ∂L/∂output `{seed}` is not a number or a list of numbers")
            })?;
            parsed.into_iter().next().map(|(_, value)| value)
        }
    };
    Ok(Request {
        body: r.network.clone(),
        with: r.with.clone(),
        at,
        // The network changes under the values as it is typed: values of names it no longer
        // has are left out (the numbers say so), not an error at every keystroke.
        skip_other_values: true,
        seed,
        ..Request::default()
    })
}

/// The reply to an explanation request.
pub fn explain(r: &ExplainRequest) -> ExplainReply {
    let explained = request(r).and_then(|request| nn_codegen::explain::explain_marked(&request));
    match explained {
        Ok(e) => ExplainReply::Ok(Box::new(explained_view(e))),
        Err(f) => ExplainReply::Error(errors(f)),
    }
}

/// A failure as the page shows it.
pub fn errors(f: Failure) -> Errors {
    Errors {
        message: f.message,
        marks: f
            .marks
            .into_iter()
            .map(|m| Mark {
                message: m.message,
                field: match m.field {
                    Field::Network => "network",
                    Field::Bindings => "bindings",
                },
                start: m.start,
                end: m.end,
            })
            .collect(),
    }
}

fn explained_view(e: Explanation) -> Explained {
    let places = layout::places(&e.picture);
    let nodes = e
        .picture
        .nodes
        .iter()
        .zip(places)
        .map(|(n, place)| {
            let (gradient_name, gradient) = n.gradient.clone().unzip();
            Node {
                id: n.id,
                kind: match n.kind {
                    NodeKind::Input => "input",
                    NodeKind::Param => "param",
                    NodeKind::Const => "const",
                    NodeKind::Operation => "operation",
                    NodeKind::Output => "output",
                },
                label: n.label.clone(),
                shape: n.shape.clone(),
                value: n.value.clone(),
                gradient_name,
                gradient,
                column: place.column,
                row: place.row,
            }
        })
        .collect();
    let edges = e
        .picture
        .edges
        .iter()
        .map(|e| Edge {
            from: e.from,
            to: e.to,
            factor: e.factor.clone(),
            flow: e.flow.clone(),
        })
        .collect();
    let walk = e
        .walk
        .into_iter()
        .map(|s| Step {
            pass: match s.pass {
                Pass::Forward => "forward",
                Pass::Backward => "backward",
            },
            nodes: s.nodes,
            line: s.line,
            text: s.text,
        })
        .collect();
    Explained {
        function: e.function,
        source: e.source,
        equations: e.equations,
        derivation: e.derivation,
        numbers: e.numbers,
        defaults: e.defaults,
        graph: Graph { nodes, edges },
        walk,
    }
}

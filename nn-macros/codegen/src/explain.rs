//! The teaching view: for a network written as an expression, the generated forward and
//! backward, the derivation as the lecture writes it, the numbers at a given point, and the
//! computational graph as Graphviz DOT (forward values and gradients on the nodes, the local
//! factors ∂parent/∂child on the edges).
//!
//! ```
//! use nn_codegen::explain::{explain, Request};
//!
//! let request = Request {
//!     body: "y = f3(w3·f2(w2·f1(w1·x + b1)))".into(),
//!     with: "f1 = sigmoid, f2 = sigmoid, f3 = sigmoid".into(),
//!     at: vec![("x".into(), 1.0.into())],
//!     ..Request::default()
//! };
//! let e = explain(&request).unwrap();
//! assert!(e.source.contains("let dl_da3 = dl_dy * y * (1.0 - y);"));
//! assert!(e.numbers.contains(&"w2 = 0.5 (the default: no value given)".to_string()));
//! assert_eq!(e.defaults, ["w1", "b1", "w2", "w3"]);
//! assert!(e.dot.starts_with("digraph"));
//! ```

mod failure;
mod model;
mod picture;
mod point;
mod source;
mod value;
mod walk;

use crate::{compile, emit};
use failure::failure;
pub use failure::{Failure, Field, Mark};
pub use model::{Argument, Evaluation, Model};
pub use picture::{NodeKind, Picture, PictureEdge, PictureNode};
use point::{Arguments, Point};
pub use source::merge_bindings;
use source::Source;
pub use value::{parse_values, Value};
pub use walk::{Pass, WalkStep};

/// What to explain.
#[derive(Clone, Debug, Default)]
pub struct Request {
    /// The body of the network: `let` statements and the output, like
    /// `let a1 = w1·x + b1; y = sigmoid(a1)`; or a whole `fn` item, possibly with its
    /// `#[network(...)]` attribute, whose arguments are bindings like [`Request::with`]'s.
    pub body: String,
    /// The attribute's arguments, like `f1 = relu, f2 = sigmoid`; they replace a pasted
    /// attribute's of the same name.
    pub with: String,
    /// The names that are data. Default: those of `inputs(...)` in the bindings; else for a
    /// body `x` when it uses it, else the first name; for a whole `fn` its first argument.
    pub inputs: Vec<String>,
    /// Values of arguments for the numbers: a number, or a list for a vector (`[1, 2]`) or a
    /// matrix row by row (`[[1, 2], [3, 4]]`); one number fills a whole vector or matrix.
    /// Arguments not given are 0.5 (every element), and the numbers say so; a name that is no
    /// argument of the network is an error, unless [`Request::skip_other_values`].
    pub at: Vec<(String, Value)>,
    /// Values in [`Request::at`] of names that are no arguments are left out, and the numbers
    /// say so, instead of refused: what a page wants whose network changes under its values.
    pub skip_other_values: bool,
    /// ∂L/∂output to start the backward pass from: a number for every element (default 1),
    /// or a list of the output's shape (`[1, 0, 0]`: the gradients of the first element).
    pub seed: Option<Value>,
    /// The function's name (default `network`).
    pub name: Option<String>,
}

impl Request {
    /// The characters of the text it holds: what the stack it needs grows with.
    fn chars(&self) -> usize {
        self.body.chars().count() + self.with.chars().count()
    }
}

/// The explanation.
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[derive(Clone, Debug)]
pub struct Explanation {
    /// The function that was compiled: the body wrapped in a signature, or the `fn` item
    /// given (without a pasted `#[network(...)]`, whose arguments are the bindings).
    pub function: String,
    /// The generated forward and backward, with chain-rule comments.
    pub source: String,
    /// The forward equations, one per named value.
    pub equations: Vec<String>,
    /// The derivation, one line per chain-rule step.
    pub derivation: Vec<String>,
    /// Every named value and every gradient at the chosen point, vectors as `[0.1, 0.2]`;
    /// an argument not given in [`Request::at`] is marked `(the default: no value given)`. For a
    /// network with the user's own activations, one line saying why there are no numbers.
    pub numbers: Vec<String>,
    /// The arguments not given in [`Request::at`], which the numbers take as 0.5 (every
    /// element), in signature order.
    pub defaults: Vec<String>,
    /// The computational graph in Graphviz DOT.
    pub dot: String,
    /// The computational graph as data, with the numbers when there are numbers.
    pub picture: Picture,
    /// The forward pass one value at a time, then the backward pass one chain-rule step at a
    /// time, each with its nodes of [`Explanation::picture`] and its line of
    /// [`Explanation::source`].
    pub walk: Vec<WalkStep>,
}

/// Compiles the request's network and explains it; the error is the compiler's message.
pub fn explain(request: &Request) -> Result<Explanation, String> {
    explain_marked(request).map_err(|f| f.message)
}

/// [`explain`], with the error's places in the request's text: what a page that underlines
/// them needs.
pub fn explain_marked(request: &Request) -> Result<Explanation, Failure> {
    crate::stack::grown_for_text(request.chars(), || {
        let source = source::network_source(request)?;
        explained(request, source)
    })
}

/// The explanation of a network read from the request.
fn explained(request: &Request, source: Source) -> Result<Explanation, Failure> {
    let compiled = compile(source.attr.clone(), source.item.clone())
        .map_err(|e| failure(&e, &source, request))?;
    let function = source.function;
    let (source, lines) = emit::emit(&compiled)
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
    let arguments = Arguments::read(&compiled, request)?;
    let defaults = arguments
        .defaults
        .iter()
        .map(|&id| compiled.names.of(id).to_string())
        .collect();
    let (point, numbers) = if customs.is_empty() {
        let point = Point::evaluate(&compiled, arguments, request.seed.as_ref())?;
        let numbers = point.numbers(&compiled);
        (Some(point), numbers)
    } else {
        let why = format!(
            "no numbers: the network calls the user's own {} `{}`, which only the compiled program can evaluate",
            if customs.len() == 1 { "function" } else { "functions" },
            customs.join("`, `")
        );
        (None, vec![why])
    };
    let picture = picture::picture(&compiled, point.as_ref(), &text);
    let dot = picture::dot(&picture);
    let walk = walk::walk(&compiled, &text, &lines, &picture);
    Ok(Explanation {
        function,
        source,
        equations,
        derivation,
        numbers,
        defaults,
        dot,
        picture,
        walk,
    })
}

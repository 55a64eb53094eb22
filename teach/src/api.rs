//! What the page sends and gets back, as JSON: the explanation of a network (the engine's,
//! serialized by its `serde` feature, with the graph's layout), or its errors with their places
//! in the text typed.

use nn_codegen::explain::{parse_values, Explanation, Failure, Request};
use serde::{Deserialize, Serialize};

use crate::layout::{self, Place};
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
    /// The network compiled: the engine's explanation, and where the graph's nodes go.
    Ok(Box<Explained>),
    /// It did not: the compiler's messages and where they point in the text typed.
    Error(Failure),
}

/// The explanation the page shows.
#[derive(Clone, Debug, Serialize)]
pub struct Explained {
    /// The engine's explanation: the code, the derivation, the numbers, the graph, the walk.
    #[serde(flatten)]
    pub explanation: Explanation,
    /// The place of each node of `explanation.picture`, in its order.
    pub places: Vec<Place>,
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
        Ok(explanation) => ExplainReply::Ok(Box::new(Explained {
            places: layout::places(&explanation.picture),
            explanation,
        })),
        Err(f) => ExplainReply::Error(f),
    }
}

//! What rustc can compile. rustc overflows its stack on a function of about 3,000 `let`s in a
//! row (measured with rustc 1.95, debug and release: 2,850 compile, 3,000 crash it), and the
//! generated `forward` has a `let` per named value, `backward` one per adjoint. A network that
//! would need more gets one error here, on its name, instead of a crash of rustc.

use crate::diff::{Backward, Target};
use crate::graph::Graph;
use crate::names::Names;

/// The most `let`s a generated function may have: a margin of a sixth below the crash.
pub const MAX_LETS: usize = 2_400;

/// An error when the generated functions would be too long for rustc.
pub fn check(
    sig: &syn::Signature,
    graph: &Graph,
    backward: &Backward,
    names: &Names,
) -> syn::Result<()> {
    let live = backward.needed(graph);
    let values = graph
        .ids()
        .filter(|&id| live[id] && !graph[id].op.is_leaf() && names.value(id).is_some())
        .count();
    let adjoints = backward
        .steps
        .iter()
        .filter(|s| s.target == Target::Node)
        .count();
    let lets = values.max(adjoints);
    if lets <= MAX_LETS {
        return Ok(());
    }
    Err(syn::Error::new_spanned(
        &sig.ident,
        format!(
            "this network is too large for rustc: its generated functions would have {lets} `let`s in a row, and rustc overflows its stack beyond about 2,900; keep it under {MAX_LETS} by writing repeated units as vectors and matrices (`tanh(W·x + b)` is one `let` however wide the layer)"
        ),
    ))
}

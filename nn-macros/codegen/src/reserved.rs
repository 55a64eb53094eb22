//! The names that generated code uses itself, which a network's arguments and values cannot
//! take: every function of `nn::math` it may call (read from the function table and the
//! kernels), the local variables of the generated functions, and the `dl_d…` adjoints.

use crate::func::{Builtin, Kernel};

/// The local variables and helpers of generated functions.
pub const LOCALS: &[&str] = &[
    "params", "_params", "tape", "_tape", "grads", "_grads", "input", "_input", "inputs",
    "samples", "d_output", "i", "acc", "from_fn", "ch", "row", "col", "wx_i",
];

/// The prefix of every adjoint variable: `dl_da1` is ∂L/∂a1.
pub const ADJOINT_PREFIX: &str = "dl_d";

/// Whether generated code may use `name` itself.
pub fn is_reserved(name: &str) -> bool {
    LOCALS.contains(&name)
        || name.starts_with(ADJOINT_PREFIX)
        || Kernel::ALL.iter().any(|k| k.name() == name)
        || crate::layer::NAMES.contains(&name)
        || Builtin::ALL.iter().any(|b| {
            let spec = b.spec();
            spec.name == name || spec.aliases.contains(&name)
        })
}

/// Every reserved name but the `dl_d…` prefix, for tests and docs.
pub fn all() -> Vec<&'static str> {
    let mut names: Vec<&'static str> = LOCALS.to_vec();
    names.extend(Kernel::ALL.iter().map(|k| k.name()));
    names.extend(crate::layer::NAMES);
    for b in Builtin::ALL {
        names.push(b.spec().name);
        names.extend(b.spec().aliases);
    }
    names
}

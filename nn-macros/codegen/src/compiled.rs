//! What the stages produce, and what emission and the explain tool start from.

use crate::ast::{self, Scalar};
use crate::diff::Backward;
use crate::graph::Graph;
use crate::names::Names;

/// A network after every stage but emission.
pub struct Compiled {
    /// The function as read.
    pub network: ast::Network,
    /// Its float type.
    pub scalar: Scalar,
    /// Its graph.
    pub graph: Graph,
    /// Its backward pass.
    pub backward: Backward,
    /// Every name of its generated code.
    pub names: Names,
}

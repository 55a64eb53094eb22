//! The generated items: their tokens, and their readable source with one comment per
//! chain-rule step.
//!
//! [`plan`] holds what every part of emission reads (which values get a variable, which the
//! tape keeps, which steps training needs); [`expr`] renders expressions under a reading of
//! the variables (one sample, or row `s` of a batch), `dense` a dense layer's product as
//! `matvec(&W, x, |i, wx_i| …)`; [`steps`] turns the backward program
//! into statements, each carrying its chain-rule comment; [`items`] and [`batch`] build the
//! items; [`source`] prints them, section by section.

pub mod batch;
mod dense;
pub mod expr;
pub mod items;
mod layers;
pub mod plan;
pub mod source;
pub mod steps;
pub mod traits;

use crate::compiled::Compiled;
pub use source::Output;

/// Emits everything for a compiled network.
pub fn emit(c: &Compiled) -> Output {
    let plan = plan::Plan::new(c);
    items::module(&plan)
}

//! One error channel for the whole expansion (serde_derive's `Ctxt`): a stage records every
//! mistake it finds and goes on, so that independent mistakes are all reported in one
//! compile; [`Ctxt::check`] is called before the next stage, and forgetting to call it is a
//! bug that the drop guard reports.

use std::cell::RefCell;
use std::fmt::Display;

use proc_macro2::Span;

/// The errors found so far.
pub struct Ctxt {
    /// `None` once checked.
    errors: RefCell<Option<Vec<syn::Error>>>,
}

impl Default for Ctxt {
    fn default() -> Self {
        Ctxt::new()
    }
}

impl Ctxt {
    /// A context with no errors yet.
    pub fn new() -> Ctxt {
        Ctxt {
            errors: RefCell::new(Some(Vec::new())),
        }
    }

    /// Records an error pointing at `span`.
    pub fn error_at(&self, span: Span, message: impl Display) {
        self.push(syn::Error::new(span, message));
    }

    /// Records an error spanning the tokens of `node`.
    pub fn error_spanned_by(&self, node: impl quote::ToTokens, message: impl Display) {
        self.push(syn::Error::new_spanned(node, message));
    }

    /// Records an error that syn already built.
    pub fn push(&self, error: syn::Error) {
        if let Some(errors) = self.errors.borrow_mut().as_mut() {
            errors.push(error);
        }
    }

    /// Whether some error was recorded.
    pub fn has_errors(&self) -> bool {
        self.errors.borrow().as_ref().is_some_and(|e| !e.is_empty())
    }

    /// `Ok` when nothing went wrong, else every error combined into one.
    pub fn check(self) -> syn::Result<()> {
        let errors = self.errors.borrow_mut().take().unwrap_or_default();
        let mut errors = errors.into_iter();
        match errors.next() {
            None => Ok(()),
            Some(mut first) => {
                for error in errors {
                    first.combine(error);
                }
                Err(first)
            }
        }
    }
}

impl Drop for Ctxt {
    fn drop(&mut self) {
        if !std::thread::panicking() && self.errors.borrow().is_some() {
            panic!("nn-codegen: the errors of a stage were never checked");
        }
    }
}

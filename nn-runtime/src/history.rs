//! The loss per epoch, kept for printing, saving and plotting (`std` only).
//!
//! ```
//! use nn_runtime::prelude::*;
//! use nn_runtime::toy::Line;
//!
//! let data = [(1.0_f64, 2.0), (2.0, 4.0)];
//! let mut line = Line::<f64>::zeros();
//! let mut history = History::with_capacity(50);
//! Trainer::new(Sgd::new(0.1), HalfSquaredError)
//!     .epochs(50)
//!     .fit_with(&mut line, &data, |e| history.record(e))
//!     .unwrap();
//! assert_eq!(history.len(), 50);
//! assert!(history.last().unwrap() < history.losses()[0]);
//! assert!(history.to_csv().starts_with("epoch,loss\n1,"));
//! ```

use std::string::String;
use std::vec::Vec;

use crate::network::Parameters;
use crate::tensor::Real;
use crate::train::Epoch;

/// Epoch losses in order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct History<T> {
    losses: Vec<T>,
}

impl<T: Real> History<T> {
    /// An empty history.
    pub fn new() -> Self {
        History { losses: Vec::new() }
    }

    /// An empty history with room for `epochs` entries, so that recording allocates nothing.
    pub fn with_capacity(epochs: usize) -> Self {
        History {
            losses: Vec::with_capacity(epochs),
        }
    }

    /// Records an epoch's loss (use it as, or inside, the `fit_with` callback).
    pub fn record<N: Parameters<Scalar = T>>(&mut self, epoch: &Epoch<'_, N>) {
        self.losses.push(epoch.loss);
    }

    /// Appends a loss.
    pub fn push(&mut self, loss: T) {
        self.losses.push(loss);
    }

    /// The losses, one per epoch.
    pub fn losses(&self) -> &[T] {
        &self.losses
    }

    /// Number of epochs recorded.
    pub fn len(&self) -> usize {
        self.losses.len()
    }

    /// Whether nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.losses.is_empty()
    }

    /// The last loss.
    pub fn last(&self) -> Option<T> {
        self.losses.last().copied()
    }

    /// The epoch with the lowest loss, and that loss.
    pub fn best(&self) -> Option<(usize, T)> {
        self.losses
            .iter()
            .copied()
            .enumerate()
            .filter(|(_, l)| !l.is_nan())
            .min_by(|a, b| a.1.partial_cmp(&b.1).unwrap_or(core::cmp::Ordering::Equal))
    }

    /// The history as CSV: a header `epoch,loss`, then one line per epoch, counted from 1 (the
    /// loss after the first pass over the data is epoch 1).
    pub fn to_csv(&self) -> String {
        use core::fmt::Write;
        let mut s = String::from("epoch,loss\n");
        for (i, l) in self.losses.iter().enumerate() {
            // Writing to a String cannot fail.
            let _ = writeln!(s, "{},{l:?}", i + 1);
        }
        s
    }
}

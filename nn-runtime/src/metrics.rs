//! Classification metrics: accuracy and the confusion matrix.
//!
//! A network's output is turned into a class by a function of the caller's choice:
//! [`argmax`] for a vector of scores, [`threshold`] for a single probability or score.
//!
//! ```
//! use nn_runtime::metrics::{accuracy, threshold};
//! use nn_runtime::toy::Line;
//!
//! // y = x − 0.5 classifies x ∈ {0, 1} by its sign.
//! let line = Line { w: 1.0_f64, b: -0.5 };
//! let data = [(0.0, 0.0), (1.0, 1.0), (0.2, 1.0), (0.9, 1.0)];
//! let acc = accuracy(&line, &data, |y, t| threshold(*y, 0.0) == threshold(*t, 0.5)).unwrap();
//! assert_eq!(acc, 0.75);
//! ```

use core::fmt;

use num_traits::Float;

use crate::data::Dataset;
use crate::error::Error;
use crate::network::Network;

/// The index of the largest value (the first, on ties; NaNs are never largest), or 0 for an
/// empty slice.
///
/// ```
/// assert_eq!(nn_runtime::metrics::argmax(&[0.1, 0.7, 0.2]), 1);
/// ```
pub fn argmax<T: PartialOrd>(values: &[T]) -> usize {
    let mut best = 0;
    for (i, v) in values.iter().enumerate() {
        match values.get(best) {
            Some(b) if v > b || (b.partial_cmp(b).is_none() && v.partial_cmp(v).is_some()) => {
                best = i;
            }
            _ => {}
        }
    }
    best
}

/// Class 1 when `value > cut`, else class 0 (a cut of 0.5 for probabilities, 0 for logits).
pub fn threshold<T: Float>(value: T, cut: T) -> usize {
    usize::from(value > cut)
}

/// The fraction of samples for which `correct(output, target)` holds.
///
/// Errors: [`Error::EmptyData`] for no samples.
pub fn accuracy<N, Y, D>(
    net: &N,
    data: &D,
    mut correct: impl FnMut(&N::Output, &Y) -> bool,
) -> Result<f64, Error>
where
    N: Network,
    D: Dataset<N::Input, Y> + ?Sized,
{
    if data.is_empty() {
        return Err(Error::EmptyData);
    }
    let mut hits = 0usize;
    for i in 0..data.len() {
        let (x, y) = data.sample(i).ok_or(Error::EmptyData)?;
        hits += usize::from(correct(&net.forward(x), y));
    }
    Ok(hits as f64 / data.len() as f64)
}

/// Counts of (actual class, predicted class) pairs for `K` classes: row = actual,
/// column = predicted. Fixed size, no allocation.
///
/// ```
/// use nn_runtime::metrics::ConfusionMatrix;
/// let mut m = ConfusionMatrix::<2>::new();
/// for (actual, predicted) in [(0, 0), (0, 1), (1, 1), (1, 1)] {
///     m.record(actual, predicted).unwrap();
/// }
/// assert_eq!(m.count(0, 1), 1);
/// assert_eq!(m.accuracy(), Some(0.75));
/// assert_eq!(m.precision(1), Some(2.0 / 3.0));
/// assert_eq!(m.recall(0), Some(0.5));
/// assert!(m.record(2, 0).is_err());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConfusionMatrix<const K: usize> {
    counts: [[u64; K]; K],
}

impl<const K: usize> Default for ConfusionMatrix<K> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const K: usize> ConfusionMatrix<K> {
    /// All counts zero.
    pub const fn new() -> Self {
        ConfusionMatrix {
            counts: [[0; K]; K],
        }
    }

    /// Counts one sample; classes out of `0..K` are an [`Error::ClassOutOfRange`].
    pub fn record(&mut self, actual: usize, predicted: usize) -> Result<(), Error> {
        let bad = if actual >= K { actual } else { predicted };
        match self
            .counts
            .get_mut(actual)
            .and_then(|row| row.get_mut(predicted))
        {
            Some(c) => {
                *c += 1;
                Ok(())
            }
            None => Err(Error::ClassOutOfRange {
                class: bad,
                classes: K,
            }),
        }
    }

    /// The matrix of a network over a data set, with `predict` turning an output into a class
    /// and `label` a target.
    pub fn of<N, Y, D>(
        net: &N,
        data: &D,
        mut predict: impl FnMut(&N::Output) -> usize,
        mut label: impl FnMut(&Y) -> usize,
    ) -> Result<Self, Error>
    where
        N: Network,
        D: Dataset<N::Input, Y> + ?Sized,
    {
        let mut m = Self::new();
        for i in 0..data.len() {
            let (x, y) = data.sample(i).ok_or(Error::EmptyData)?;
            m.record(label(y), predict(&net.forward(x)))?;
        }
        Ok(m)
    }

    /// Samples of class `actual` predicted as `predicted` (0 out of range).
    pub fn count(&self, actual: usize, predicted: usize) -> u64 {
        self.counts
            .get(actual)
            .and_then(|row| row.get(predicted))
            .copied()
            .unwrap_or(0)
    }

    /// The counts, row = actual class, column = predicted class.
    pub fn counts(&self) -> &[[u64; K]; K] {
        &self.counts
    }

    /// Samples counted.
    pub fn total(&self) -> u64 {
        self.counts.iter().flatten().sum()
    }

    /// Samples on the diagonal (predicted correctly).
    pub fn correct(&self) -> u64 {
        (0..K).map(|k| self.counts[k][k]).sum()
    }

    /// Fraction predicted correctly; `None` when empty.
    pub fn accuracy(&self) -> Option<f64> {
        ratio(self.correct(), self.total())
    }

    /// Of the samples predicted as `class`, the fraction that are; `None` when there are none.
    pub fn precision(&self, class: usize) -> Option<f64> {
        let predicted = self.counts.iter().filter_map(|row| row.get(class)).sum();
        ratio(self.count(class, class), predicted)
    }

    /// Of the samples of `class`, the fraction predicted as it; `None` when there are none.
    pub fn recall(&self, class: usize) -> Option<f64> {
        let actual = self.counts.get(class).map_or(0, |row| row.iter().sum());
        ratio(self.count(class, class), actual)
    }
}

fn ratio(num: u64, den: u64) -> Option<f64> {
    (den > 0).then(|| num as f64 / den as f64)
}

/// A table with one row per actual class and one column per predicted class.
impl<const K: usize> fmt::Display for ConfusionMatrix<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("actual \\ predicted")?;
        for k in 0..K {
            write!(f, " {k:>6}")?;
        }
        for (a, row) in self.counts.iter().enumerate() {
            write!(f, "\n{a:>18}")?;
            for c in row {
                write!(f, " {c:>6}")?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn argmax_table() {
        let nan = f64::NAN;
        for (values, want) in [
            (&[1.0, 3.0, 2.0][..], 1),
            (&[5.0, 5.0][..], 0),
            (&[nan, 1.0, 0.0][..], 1),
            (&[0.0, nan, 2.0][..], 2),
            (&[][..], 0),
        ] {
            assert_eq!(argmax(values), want, "{values:?}");
        }
    }
}

//! Training data: samples of (input, target), borrowed from the caller.
//!
//! A [`Dataset`] is a slice of pairs, an array of pairs, two parallel slices checked for
//! equal length by [`zip`], or inputs alone for a network that computes its own loss
//! ([`objective`], whose targets are `()`):
//!
//! ```
//! use nn_runtime::data::{objective, zip, Dataset};
//! let pairs = [([0.0_f32, 1.0], 1.0_f32), ([1.0, 1.0], 0.0)];
//! assert_eq!(pairs.len(), 2);
//!
//! let (xs, ys) = ([1.0_f32, 2.0, 3.0], [2.0_f32, 4.0]);
//! assert!(zip(&xs, &ys).is_err()); // 3 inputs, 2 targets
//! let d = zip(&xs[..2], &ys).unwrap();
//! assert_eq!(d.sample(1), Some((&2.0, &4.0)));
//!
//! let inputs = [[1.0_f64, 0.0], [2.0, 1.0]];
//! assert_eq!(objective(&inputs).sample(1), Some((&[2.0, 1.0], &())));
//! ```

use crate::error::Error;

/// Samples of an input `I` and a target `Y`, indexed from 0.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a data set of (`{I}`, `{Y}`) samples",
    label = "expected (input, target) pairs of types (`{I}`, `{Y}`)",
    note = "the input type is the network's `Input`: its data argument's type, or, when the network has several data arguments, the struct `Inputs` it generates: make each sample `my_net::Inputs {{ x, t }}` (from tuples: `.map(|(x, t)| my_net::Inputs {{ x, t }})`)",
    note = "a slice or array of (input, target) pairs is a data set, and so is `nn::data::zip(&inputs, &targets)` of two slices",
    note = "the target type is the one the loss takes: the output's type for element-wise losses, a class index `usize` or a one-hot array for `SoftmaxCrossEntropy`, `()` for `Objective` (make the data with `data::objective`); if the targets are right, the loss is the wrong one"
)]
pub trait Dataset<I, Y> {
    /// Number of samples.
    fn len(&self) -> usize;
    /// Sample `i`, or `None` past the end.
    fn sample(&self, i: usize) -> Option<(&I, &Y)>;
    /// Whether there are no samples.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl<I, Y> Dataset<I, Y> for [(I, Y)] {
    fn len(&self) -> usize {
        <[(I, Y)]>::len(self)
    }
    fn sample(&self, i: usize) -> Option<(&I, &Y)> {
        self.get(i).map(|(x, y)| (x, y))
    }
}

impl<I, Y, const K: usize> Dataset<I, Y> for [(I, Y); K] {
    fn len(&self) -> usize {
        K
    }
    fn sample(&self, i: usize) -> Option<(&I, &Y)> {
        self.get(i).map(|(x, y)| (x, y))
    }
}

#[cfg(feature = "std")]
impl<I, Y> Dataset<I, Y> for std::vec::Vec<(I, Y)> {
    fn len(&self) -> usize {
        std::vec::Vec::len(self)
    }
    fn sample(&self, i: usize) -> Option<(&I, &Y)> {
        self.get(i).map(|(x, y)| (x, y))
    }
}

impl<I, Y, D: Dataset<I, Y> + ?Sized> Dataset<I, Y> for &D {
    fn len(&self) -> usize {
        (**self).len()
    }
    fn sample(&self, i: usize) -> Option<(&I, &Y)> {
        (**self).sample(i)
    }
}

/// Inputs and targets held in two slices of equal length; made by [`zip`].
#[derive(Debug)]
pub struct Zip<'a, I, Y> {
    inputs: &'a [I],
    targets: &'a [Y],
}

impl<I, Y> Clone for Zip<'_, I, Y> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<I, Y> Copy for Zip<'_, I, Y> {}

/// Pairs `inputs[i]` with `targets[i]`; slices of different lengths are an
/// [`Error::LengthMismatch`].
pub fn zip<'a, I, Y>(inputs: &'a [I], targets: &'a [Y]) -> Result<Zip<'a, I, Y>, Error> {
    if inputs.len() == targets.len() {
        Ok(Zip { inputs, targets })
    } else {
        Err(Error::LengthMismatch {
            inputs: inputs.len(),
            targets: targets.len(),
        })
    }
}

impl<'a, I, Y> Zip<'a, I, Y> {
    /// The inputs.
    pub fn inputs(&self) -> &'a [I] {
        self.inputs
    }
    /// The targets.
    pub fn targets(&self) -> &'a [Y] {
        self.targets
    }
}

impl<I, Y> Dataset<I, Y> for Zip<'_, I, Y> {
    fn len(&self) -> usize {
        self.inputs.len()
    }
    fn sample(&self, i: usize) -> Option<(&I, &Y)> {
        Some((self.inputs.get(i)?, self.targets.get(i)?))
    }
}

/// Inputs without targets, for a network whose output is its own loss (trained with
/// [`Objective`](crate::loss::Objective)): every sample's target is `()`. Made by
/// [`objective`].
#[derive(Debug)]
pub struct NoTargets<'a, I> {
    inputs: &'a [I],
}

impl<I> Clone for NoTargets<'_, I> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<I> Copy for NoTargets<'_, I> {}

/// The inputs as a data set without targets: sample `i` is `(&inputs[i], &())`.
///
/// For a network that computes its own loss, such as `#[network(inputs(x, t))]` ending in
/// `l = softplus(z) - t * z`: there `I` is the generated `Inputs` struct, which carries each
/// sample's target `t` as an input, and the loss is [`Objective`](crate::loss::Objective).
/// No slice is copied. An empty slice is a data set of no samples, which training and
/// evaluation report as [`Error::EmptyData`].
///
/// ```
/// use nn_runtime::data::{objective, Dataset};
/// let samples = [[-1.0_f32, 0.0], [1.0, 1.0]];
/// let data = objective(&samples);
/// assert_eq!((data.len(), data.sample(0)), (2, Some((&[-1.0, 0.0], &()))));
/// assert_eq!(data.sample(2), None);
/// ```
pub fn objective<I>(inputs: &[I]) -> NoTargets<'_, I> {
    NoTargets { inputs }
}

impl<'a, I> NoTargets<'a, I> {
    /// The inputs.
    pub fn inputs(&self) -> &'a [I] {
        self.inputs
    }
}

impl<I> Dataset<I, ()> for NoTargets<'_, I> {
    fn len(&self) -> usize {
        self.inputs.len()
    }
    fn sample(&self, i: usize) -> Option<(&I, &())> {
        Some((self.inputs.get(i)?, &()))
    }
}

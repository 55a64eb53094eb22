//! The training loop: epochs of (mini-)batches, a learning-rate schedule, early stopping.
//!
//! ```
//! use nn_runtime::prelude::*;
//! use nn_runtime::toy::Xor221;
//!
//! # fn main() -> Result<(), nn_runtime::Error> {
//! let data = [([0.0, 0.0], 0.0), ([0.0, 1.0], 1.0), ([1.0, 0.0], 1.0), ([1.0, 1.0], 0.0)];
//! let mut net = Xor221::<f64>::init(Xavier, 1);
//! let summary = Trainer::new(Adam::new(0.05), BinaryCrossEntropy)
//!     .epochs(2000)
//!     .stop_below(0.01)
//!     .fit(&mut net, &data)?;
//! assert!(summary.loss.unwrap() < 0.01);
//! for (x, y) in data {
//!     assert_eq!(net.forward(&x).round(), y);
//! }
//! # Ok(())
//! # }
//! ```
//!
//! Each epoch visits every sample once, in an order shuffled afresh per epoch (seeded; see
//! [`Permutation`]). Each step averages the gradients of one batch, optionally clips them by
//! global norm, and lets the optimizer update the parameters. Nothing in an epoch allocates.
//!
//! A NaN or infinite loss, gradient or updated parameter stops training with
//! [`Error::NonFinite`], naming the epoch and step; the parameters are left as they were
//! before that step. A NaN made anywhere inside a network reaches that check: every function
//! of [`math`](crate::math), derivatives included, returns NaN for NaN, and every
//! [`loss`](crate::loss) gives a NaN value for a NaN prediction.

use core::ops::ControlFlow;

use num_traits::{Float, Zero};

use crate::chunks::add_batch_gradient;
use crate::data::Dataset;
use crate::error::{Error, Quantity};
use crate::loss::Loss;
use crate::network::{Network, OutputKind, Parameters};
use crate::optim::{clip_global_norm, scale_all_finite, Optimizer};
use crate::schedule::{ConstantRate, Schedule};
use crate::shuffle::Permutation;
use crate::tensor::Tensor;

pub use crate::chunks::{chunk_for, chunk_within, BATCH_STACK_LIMIT, CHUNK, CHUNKS};

/// What the [`Trainer`] keeps from step to step of a fit: the gradient being accumulated and
/// the parameters before the last optimizer step (restored when the step makes them
/// non-finite). Two values of the parameters' type, made once: [`Trainer::fit`] makes one per
/// call; [`Trainer::fit_in`] takes one the caller owns, which is how a `no_std` program keeps a
/// large network's state where it chooses (a `static`, say) and how repeated fits under `std`
/// avoid allocating again.
#[derive(Clone, Debug)]
pub struct Workspace<P> {
    grads: P,
    before: P,
}

impl<P: Parameters> Workspace<P> {
    /// Room for the gradient and the rollback copy of a `P` (allocated now under `std` for a
    /// network with [large](crate::storage) tensors; nothing is allocated afterwards).
    pub fn new() -> Self {
        Workspace {
            grads: P::zeros(),
            before: P::zeros(),
        }
    }
}

impl<P: Parameters> Default for Workspace<P> {
    fn default() -> Self {
        Self::new()
    }
}

/// How many samples each optimizer step averages over.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Batch {
    /// One sample per step: stochastic gradient descent.
    One,
    /// `b` samples per step (the mean of their gradients); the last batch of an epoch may be
    /// smaller.
    Size(usize),
    /// The whole data set per step: (full-batch) gradient descent.
    Full,
}

/// Why training ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stop {
    /// All requested epochs ran.
    Completed,
    /// The loss stopped improving (see [`Trainer::early_stopping`]).
    EarlyStopping,
    /// The loss fell to the target (see [`Trainer::stop_below`]).
    TargetLoss,
    /// The per-epoch callback asked to stop.
    Callback,
}

/// What the per-epoch callback sees.
pub struct Epoch<'a, N: Parameters> {
    /// The epoch, counted from 0 over the trainer's life.
    pub index: usize,
    /// Mean loss over the epoch's samples (each measured before its step's update).
    pub loss: N::Scalar,
    /// The learning rate used in this epoch.
    pub learning_rate: N::Scalar,
    /// Optimizer steps taken in this epoch.
    pub steps: usize,
    /// The parameters after the epoch, to compute metrics with.
    pub params: &'a N,
}

/// The result of [`Trainer::fit`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Summary<T> {
    /// Epochs run by this call.
    pub epochs: usize,
    /// The mean loss of the last epoch (`None` when no epoch ran).
    pub loss: Option<T>,
    /// The lowest epoch loss seen.
    pub best_loss: Option<T>,
    /// Why training ended.
    pub stop: Stop,
}

/// What a per-epoch callback may return: `()` to go on, or a [`ControlFlow`] to stop early.
#[diagnostic::on_unimplemented(
    message = "a per-epoch callback returns `()` or `ControlFlow<()>`, not `{Self}`",
    label = "the callback's return type",
    note = "return `ControlFlow::Break(())` to stop after this epoch and `ControlFlow::Continue(())` (or nothing) to go on"
)]
pub trait EpochFlow {
    /// Whether training should stop after this epoch.
    fn should_stop(self) -> bool;
}

impl EpochFlow for () {
    fn should_stop(self) -> bool {
        false
    }
}

impl EpochFlow for ControlFlow<()> {
    fn should_stop(self) -> bool {
        self.is_break()
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
struct EarlyStopping<T> {
    patience: usize,
    min_delta: T,
}

/// The training loop, configured by builder methods and run by [`Trainer::fit`].
///
/// The trainer owns the optimizer, so calling `fit` again continues with its state (moments,
/// epoch count for the schedule).
///
/// A mini-batch goes through [`Network::gradient_batch`] (for generated networks: one matrix
/// product per layer for a chunk of samples) in chunks of [`CHUNKS`] sizes, the largest that
/// fits [`Trainer::stack_limit`] first (a batch of 100: 64, 32 and 4), a last odd sample on
/// its own; the gradient is the same sum either way, added in another order.
///
/// Its settings (clipping norm, target loss, early-stopping margin, the schedule's factors)
/// are in the network's float type `T`, which is the optimizer's
/// ([`LearningRate::Scalar`](crate::optim::LearningRate::Scalar); `fit` ties the three):
/// `.stop_below(0.01)` is an `f32` for an `f32` network, which is then trained without one
/// `f64` operation.
pub struct Trainer<O, L, S = ConstantRate, T = f64> {
    optimizer: O,
    loss: L,
    schedule: S,
    epochs: usize,
    batch: Batch,
    shuffle: bool,
    seed: u64,
    clip_norm: Option<T>,
    early_stopping: Option<EarlyStopping<T>>,
    target_loss: Option<T>,
    stack_limit: usize,
    epochs_done: usize,
    base_lr: Option<T>,
    #[cfg(feature = "std")]
    progress: bool,
}

impl<O: Clone, L: Clone, S: Clone, T: Copy> Clone for Trainer<O, L, S, T> {
    fn clone(&self) -> Self {
        Trainer {
            optimizer: self.optimizer.clone(),
            loss: self.loss.clone(),
            schedule: self.schedule.clone(),
            ..*self
        }
    }
}

impl<O, L, S, T> core::fmt::Debug for Trainer<O, L, S, T>
where
    O: core::fmt::Debug,
    T: core::fmt::Debug,
    L: core::fmt::Debug,
    S: core::fmt::Debug,
{
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Trainer")
            .field("optimizer", &self.optimizer)
            .field("loss", &self.loss)
            .field("schedule", &self.schedule)
            .field("epochs", &self.epochs)
            .field("batch", &self.batch)
            .field("shuffle", &self.shuffle)
            .field("seed", &self.seed)
            .field("clip_norm", &self.clip_norm)
            .field("early_stopping", &self.early_stopping)
            .field("target_loss", &self.target_loss)
            .field("epochs_done", &self.epochs_done)
            .finish_non_exhaustive()
    }
}

// `T` is not read from `O` here but found where the trainer is used (`fit` ties it to the
// network's and so the optimizer's float type): a value that is no optimizer is then one error,
// at `fit`, rather than one per use of the trainer's type.
impl<O, L, T> Trainer<O, L, ConstantRate, T> {
    /// A trainer with the given optimizer and loss; by default 100 epochs of one shuffled
    /// sample per step (SGD), seed 0, a constant learning rate, no clipping, no early stop.
    pub fn new(optimizer: O, loss: L) -> Self {
        Trainer {
            optimizer,
            loss,
            schedule: ConstantRate,
            epochs: 100,
            batch: Batch::One,
            shuffle: true,
            seed: 0,
            clip_norm: None,
            early_stopping: None,
            target_loss: None,
            stack_limit: BATCH_STACK_LIMIT,
            epochs_done: 0,
            base_lr: None,
            #[cfg(feature = "std")]
            progress: false,
        }
    }
}

impl<O, L, S, T: Float> Trainer<O, L, S, T> {
    /// Runs `epochs` passes over the data per call of [`Trainer::fit`].
    pub fn epochs(mut self, epochs: usize) -> Self {
        self.epochs = epochs;
        self
    }

    /// Averages the gradient of `b` samples per step (`b = 1` is SGD). A batch size of 0 is
    /// reported by `fit` as [`Error::InvalidSetting`].
    pub fn batch_size(mut self, b: usize) -> Self {
        self.batch = if b == 1 { Batch::One } else { Batch::Size(b) };
        self
    }

    /// Bounds the stack that the batched gradient may use, in bytes (default
    /// [`BATCH_STACK_LIMIT`], 512 KiB): a mini-batch goes through [`Network::gradient_batch`] in
    /// chunks of 64, 32, 16, 8, 4 or 2 samples (16 at most without `std`), the largest whose
    /// values fit in `bytes` ([`chunk_within`]), and sample by sample when not even 2 do. The
    /// gradient is the same sum whatever the chunk (added in another order, so the last bits
    /// may differ). Firmware sets a few KB: a step of digits 64-32-10 with batches of 16 takes
    /// 2.9 KB of stack on a Cortex-M4F with `stack_limit(4096)` (measured by `.ci/cortex-m`),
    /// and 16.1 KB with the default bound (measured by hand with the same harness).
    pub fn stack_limit(mut self, bytes: usize) -> Self {
        self.stack_limit = bytes;
        self
    }

    /// One step per epoch over the whole data set.
    pub fn full_batch(mut self) -> Self {
        self.batch = Batch::Full;
        self
    }

    /// Sets the batching directly.
    pub fn batch(mut self, batch: Batch) -> Self {
        self.batch = batch;
        self
    }

    /// Seeds the per-epoch shuffle.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Whether to shuffle the samples each epoch (default true); without, they are visited
    /// in order.
    pub fn shuffle(mut self, shuffle: bool) -> Self {
        self.shuffle = shuffle;
        self
    }

    /// Clips each step's (mean) gradient to a global norm of at most `max_norm`, by
    /// [`clip_global_norm`]: whenever the gradient is finite, even where Σg² overflows.
    pub fn clip_norm(mut self, max_norm: T) -> Self {
        self.clip_norm = Some(max_norm);
        self
    }

    /// Stops when the epoch loss has not fallen below the best so far by more than
    /// `min_delta` for `patience` consecutive epochs (a patience of 0 counts as 1).
    ///
    /// With shuffling, each epoch sums its samples' losses in another order, which moves the
    /// mean in its last bits even when nothing is learnt: give a `min_delta` above rounding
    /// (such as `1e-9`) rather than 0.
    pub fn early_stopping(mut self, patience: usize, min_delta: T) -> Self {
        self.early_stopping = Some(EarlyStopping {
            patience,
            min_delta,
        });
        self
    }

    /// Stops as soon as an epoch's loss is at most `target`.
    pub fn stop_below(mut self, target: T) -> Self {
        self.target_loss = Some(target);
        self
    }

    /// Shows a progress bar over the epochs, with the running loss, on standard error (only
    /// when it is a terminal). It allocates, so it is off by default.
    #[cfg(feature = "std")]
    pub fn progress(mut self, show: bool) -> Self {
        self.progress = show;
        self
    }

    /// Scales the learning rate per epoch by `schedule` (see [`crate::schedule`]).
    pub fn schedule<S2: Schedule<T>>(self, schedule: S2) -> Trainer<O, L, S2, T> {
        Trainer {
            optimizer: self.optimizer,
            loss: self.loss,
            schedule,
            epochs: self.epochs,
            batch: self.batch,
            shuffle: self.shuffle,
            seed: self.seed,
            clip_norm: self.clip_norm,
            early_stopping: self.early_stopping,
            target_loss: self.target_loss,
            stack_limit: self.stack_limit,
            epochs_done: self.epochs_done,
            base_lr: self.base_lr,
            #[cfg(feature = "std")]
            progress: self.progress,
        }
    }

    /// The optimizer, with its current state.
    pub fn optimizer(&self) -> &O {
        &self.optimizer
    }

    /// The loss.
    pub fn loss(&self) -> &L {
        &self.loss
    }

    /// Epochs run so far by every call of `fit`.
    pub fn epochs_done(&self) -> usize {
        self.epochs_done
    }
}

/// Mean loss of `params` over `data`, without training.
///
/// NaN when some sample's loss is NaN (every loss of [`loss`](crate::loss) is NaN for a NaN
/// prediction), ±∞ when one is infinite; [`Error::EmptyData`] for no samples.
///
/// ```
/// use nn_runtime::{loss::HalfSquaredError, toy::Line, train::evaluate};
/// let data = [(1.0_f64, 2.0), (2.0, 4.0)];
/// // y = 1·x misses by 1 and 2: (½ + 2) / 2
/// assert_eq!(evaluate(&Line { w: 1.0, b: 0.0 }, &HalfSquaredError, &data).unwrap(), 1.25);
/// ```
pub fn evaluate<N, Y, L, D>(params: &N, loss: &L, data: &D) -> Result<N::Scalar, Error>
where
    N: Network,
    N::Output: Tensor<Scalar = N::Scalar>,
    L: Loss<N::Output, Y>,
    D: Dataset<N::Input, Y> + ?Sized,
{
    if data.is_empty() {
        return Err(Error::EmptyData);
    }
    logits_match::<N, Y, L>()?;
    let n = count::<N::Scalar>(data.len());
    let mut mean = N::Scalar::zero();
    for i in 0..data.len() {
        let (x, y) = data.sample(i).ok_or(Error::EmptyData)?;
        // Σ (lᵢ / n) rather than (Σ lᵢ) / n: finite whenever every lᵢ is.
        mean = mean + loss.value(&params.forward(x), y) / n;
    }
    Ok(mean)
}

/// A loss that expects logits cannot take a network whose output is a softmax or a sigmoid
/// already ([`Error::LogitsExpected`]).
fn logits_match<N: Network, Y, L: Loss<N::Output, Y>>() -> Result<(), Error>
where
    N::Output: Tensor,
{
    match N::OUTPUT {
        OutputKind::Softmax | OutputKind::Sigmoid if L::LOGITS => {
            Err(Error::LogitsExpected { output: N::OUTPUT })
        }
        _ => Ok(()),
    }
}

impl<O, L, S: Schedule<T>, T: Float> Trainer<O, L, S, T> {
    /// Trains `params` on `data` for the configured number of epochs.
    ///
    /// Errors: [`Error::EmptyData`] for no samples, [`Error::InvalidSetting`] for a batch
    /// size of 0, [`Error::NonFinite`] when training diverges (the parameters keep their last
    /// finite values).
    pub fn fit<N, Y, D>(&mut self, params: &mut N, data: &D) -> Result<Summary<N::Scalar>, Error>
    where
        N: Network<Scalar = T>,
        N::Output: Tensor<Scalar = N::Scalar>,
        L: Loss<N::Output, Y>,
        O: Optimizer<N>,
        D: Dataset<N::Input, Y> + ?Sized,
    {
        self.fit_with(params, data, |_: &Epoch<'_, N>| ())
    }

    /// Like [`Trainer::fit`], calling `on_epoch` after every epoch with its loss and the
    /// parameters; the callback returns `()`, or `ControlFlow::Break(())` to stop.
    ///
    /// ```
    /// use core::ops::ControlFlow;
    /// use nn_runtime::prelude::*;
    /// use nn_runtime::toy::Line;
    ///
    /// let data = [(1.0_f64, 3.0), (2.0, 5.0), (3.0, 7.0)]; // y = 2x + 1
    /// let mut line = Line::<f64>::zeros();
    /// let mut losses = [0.0; 3];
    /// Trainer::new(Sgd::new(0.05), HalfSquaredError)
    ///     .epochs(1000)
    ///     .fit_with(&mut line, &data, |e| {
    ///         if e.index < 3 {
    ///             losses[e.index] = e.loss;
    ///         }
    ///         if e.loss < 1e-12 { ControlFlow::Break(()) } else { ControlFlow::Continue(()) }
    ///     })
    ///     .unwrap();
    /// assert!(losses[2] < losses[0]);
    /// assert!((line.w - 2.0).abs() < 1e-5 && (line.b - 1.0).abs() < 1e-5);
    /// ```
    pub fn fit_with<N, Y, D, R>(
        &mut self,
        params: &mut N,
        data: &D,
        on_epoch: impl FnMut(&Epoch<'_, N>) -> R,
    ) -> Result<Summary<N::Scalar>, Error>
    where
        N: Network<Scalar = T>,
        N::Output: Tensor<Scalar = N::Scalar>,
        L: Loss<N::Output, Y>,
        O: Optimizer<N>,
        D: Dataset<N::Input, Y> + ?Sized,
        R: EpochFlow,
    {
        self.fit_in(&mut Workspace::new(), params, data, on_epoch)
    }

    /// Like [`Trainer::fit_with`], keeping the gradient and the rollback copy in `workspace`
    /// instead of making them: nothing of the size of the parameters is made, on the stack or
    /// the heap.
    ///
    /// ```
    /// use nn_runtime::prelude::*;
    /// use nn_runtime::toy::Line;
    /// use nn_runtime::train::Workspace;
    ///
    /// let data = [(1.0_f64, 3.0), (2.0, 5.0), (3.0, 7.0)];
    /// let mut line = Line::<f64>::zeros();
    /// let mut workspace = Workspace::new();
    /// let mut trainer = Trainer::new(Sgd::new(0.05), HalfSquaredError).epochs(500);
    /// trainer.fit_in(&mut workspace, &mut line, &data, |_| ()).unwrap();
    /// trainer.fit_in(&mut workspace, &mut line, &data, |_| ()).unwrap(); // the same room again
    /// assert!((line.w - 2.0).abs() < 1e-3);
    /// ```
    pub fn fit_in<N, Y, D, R>(
        &mut self,
        workspace: &mut Workspace<N>,
        params: &mut N,
        data: &D,
        mut on_epoch: impl FnMut(&Epoch<'_, N>) -> R,
    ) -> Result<Summary<N::Scalar>, Error>
    where
        N: Network<Scalar = T>,
        N::Output: Tensor<Scalar = N::Scalar>,
        L: Loss<N::Output, Y>,
        O: Optimizer<N>,
        D: Dataset<N::Input, Y> + ?Sized,
        R: EpochFlow,
    {
        let n = data.len();
        if n == 0 {
            return Err(Error::EmptyData);
        }
        logits_match::<N, Y, L>()?;
        let batch = match self.batch {
            Batch::One => 1,
            Batch::Size(0) => return Err(Error::InvalidSetting("batch size must be at least 1")),
            Batch::Size(b) => b.min(n),
            Batch::Full => n,
        };
        let base_lr = *self
            .base_lr
            .get_or_insert_with(|| self.optimizer.learning_rate());
        let clip = self.clip_norm;
        let mut summary = Summary {
            epochs: 0,
            loss: None,
            best_loss: None,
            stop: Stop::Completed,
        };
        let mut stale = 0usize;
        let chunk = chunk_within::<N>(self.stack_limit);
        let Workspace { grads, before } = workspace;
        // Every step leaves the gradient zeroed for the next (an error leaves it as it is, and
        // the next call starts here).
        grads.set_zero();
        #[cfg(feature = "std")]
        let bar = self.progress.then(|| progress_bar(self.epochs));

        for _ in 0..self.epochs {
            let epoch = self.epochs_done;
            let lr = base_lr * self.schedule.factor(epoch);
            self.optimizer.set_learning_rate(lr);
            let order = if self.shuffle {
                Permutation::new(n, epoch_seed(self.seed, epoch))
            } else {
                Permutation::identity(n)
            };

            let n_samples = count::<N::Scalar>(n);
            // The epoch's mean loss, summed as Σ (lᵢ / n) so that it cannot overflow while
            // every sample's loss is finite.
            let mut mean = N::Scalar::zero();
            let mut step = 0;
            let mut start = 0;
            while start < n {
                let end = (start + batch).min(n);
                // Chunks through the network's batched gradient (one matrix product per layer
                // for a chunk), from the largest that fits down.
                let sample = |i: usize| data.sample(order.get(i)).ok_or(Error::EmptyData);
                let finite = add_batch_gradient(
                    params,
                    &self.loss,
                    &sample,
                    start..end,
                    chunk,
                    grads,
                    &mut mean,
                    n_samples,
                )?;
                if !finite {
                    return Err(non_finite(Quantity::Loss, epoch, step));
                }
                // 1/B: the batch's mean gradient from its sum.
                let scale = N::Scalar::one() / count::<N::Scalar>(end - start);
                let stepped = match clip {
                    // The mean, its check, the step (keeping the parameters from before it in
                    // `before`) and the zeroing of the gradient: one pass for `Sgd`.
                    None => self.optimizer.step_mean(params, grads, scale, before),
                    // Clipping needs the whole mean gradient first (clipping a finite one keeps
                    // it finite); then the same step takes it as it is (× 1 is exact).
                    Some(max) if scale_all_finite(grads, scale) => {
                        clip_global_norm(grads, max);
                        self.optimizer
                            .step_mean(params, grads, N::Scalar::one(), before)
                    }
                    Some(_) => Err(Quantity::Gradient),
                };
                if let Err(quantity) = stepped {
                    if quantity == Quantity::Parameters {
                        params.copy_from(before);
                    }
                    return Err(non_finite(quantity, epoch, step));
                }
                step += 1;
                start = end;
            }

            let loss = mean;
            self.epochs_done += 1;
            summary.epochs += 1;
            summary.loss = Some(loss);
            let improved = match summary.best_loss {
                None => true,
                Some(best) => {
                    let delta = self
                        .early_stopping
                        .map_or(N::Scalar::zero(), |e| e.min_delta);
                    loss < best - delta
                }
            };
            if summary.best_loss.is_none_or(|best| loss < best) {
                summary.best_loss = Some(loss);
            }
            stale = if improved { 0 } else { stale + 1 };

            #[cfg(feature = "std")]
            if let Some(bar) = &bar {
                bar.set_message(std::format!("{:.6}", loss.to_f64().unwrap_or(f64::NAN)));
                bar.inc(1);
            }

            let report = Epoch {
                index: epoch,
                loss,
                learning_rate: lr,
                steps: step,
                params,
            };
            if on_epoch(&report).should_stop() {
                summary.stop = Stop::Callback;
                break;
            }
            if self.target_loss.is_some_and(|t| loss <= t) {
                summary.stop = Stop::TargetLoss;
                break;
            }
            if self
                .early_stopping
                .is_some_and(|e| stale >= e.patience.max(1))
            {
                summary.stop = Stop::EarlyStopping;
                break;
            }
        }
        #[cfg(feature = "std")]
        if let Some(bar) = bar {
            bar.finish();
        }
        Ok(summary)
    }
}

/// `n` as a float of type `T`: an integer conversion, so an `f32` network's training never
/// computes in `f64`.
fn count<T: Float>(n: usize) -> T {
    T::from(n).unwrap_or_else(T::nan)
}

fn non_finite(quantity: Quantity, epoch: usize, step: usize) -> Error {
    Error::NonFinite {
        quantity,
        epoch,
        step,
    }
}

/// A distinct shuffle seed per epoch.
fn epoch_seed(seed: u64, epoch: usize) -> u64 {
    seed ^ (epoch as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15)
}

#[cfg(feature = "std")]
fn progress_bar(epochs: usize) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new(epochs as u64);
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{bar:40} {pos}/{len} epochs  loss {msg}  [{elapsed_precise} < {eta_precise}]",
    ) {
        bar.set_style(style);
    }
    bar
}

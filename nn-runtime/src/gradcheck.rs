//! A gradient checker: the network's backward pass against central finite differences.
//!
//! For every scalar θᵢ of every tensor, the numeric derivative of the total loss over the
//! samples is `(J(θᵢ + ε) − J(θᵢ − ε)) / 2ε` (error O(ε²)); the analytic one comes from
//! [`Network::backward`]. The comparison is
//! `|analytic − numeric| / max(1, |analytic|, |numeric|)`: a relative error for large
//! derivatives and an absolute one for small derivatives, which finite differences cannot
//! resolve relatively. In `f64` with ε = 10⁻⁶ a correct backward gives about 10⁻⁸ or less.
//!
//! ```
//! use nn_runtime::gradcheck::check_gradients;
//! use nn_runtime::loss::BinaryCrossEntropy;
//! use nn_runtime::toy::Xor221;
//!
//! let net = Xor221 { w1: [[0.3, -0.2], [0.5, 0.9]], b1: [0.1, -0.4], w2: [0.7, -1.1], b2: 0.2 };
//! let data = [([0.0, 1.0], 1.0), ([1.0, 1.0], 0.0)];
//! let report = check_gradients(&net, &BinaryCrossEntropy, &data, 1e-6).unwrap();
//! assert!(report.worst_error < 1e-7, "{report:?}");
//! ```

use num_traits::{Float, One, Zero};

use crate::data::Dataset;
use crate::error::Error;
use crate::loss::Loss;
use crate::math::lit;
use crate::network::Network;
use crate::tensor::Tensor;

/// Where the analytic and numeric gradients disagree most.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GradCheck<T> {
    /// The largest error `|analytic − numeric| / max(1, |analytic|, |numeric|)`.
    pub worst_error: T,
    /// The name of the tensor holding it.
    pub tensor: &'static str,
    /// Its index in `Parameters::TENSORS`.
    pub tensor_index: usize,
    /// Its flat (row-major) index within the tensor.
    pub element: usize,
    /// The backward pass's derivative there.
    pub analytic: T,
    /// The finite-difference derivative there.
    pub numeric: T,
}

/// Total loss of `net` over `data`.
fn total_loss<N, Y, L, D>(net: &N, loss: &L, data: &D) -> Result<N::Scalar, Error>
where
    N: Network,
    N::Output: Tensor<Scalar = N::Scalar>,
    L: Loss<N::Output, Y>,
    D: Dataset<N::Input, Y> + ?Sized,
{
    let mut sum = N::Scalar::zero();
    for i in 0..data.len() {
        let (x, y) = data.sample(i).ok_or(Error::EmptyData)?;
        sum = sum + loss.value(&net.forward(x), y);
    }
    Ok(sum)
}

/// Compares `net`'s backward pass with central differences of step `epsilon`, for the sum of
/// `loss` over `data`, at every parameter.
///
/// Errors: [`Error::EmptyData`] for no samples; [`Error::InvalidSetting`] when the network
/// has no parameters or `epsilon` is not positive.
pub fn check_gradients<N, Y, L, D>(
    net: &N,
    loss: &L,
    data: &D,
    epsilon: N::Scalar,
) -> Result<GradCheck<N::Scalar>, Error>
where
    N: Network,
    N::Output: Tensor<Scalar = N::Scalar>,
    L: Loss<N::Output, Y>,
    D: Dataset<N::Input, Y> + ?Sized,
{
    if data.is_empty() {
        return Err(Error::EmptyData);
    }
    if epsilon.is_nan() || epsilon <= N::Scalar::zero() {
        return Err(Error::InvalidSetting(
            "the finite-difference step must be positive",
        ));
    }
    let mut analytic = N::zeros();
    for i in 0..data.len() {
        let (x, y) = data.sample(i).ok_or(Error::EmptyData)?;
        let (out, tape) = net.forward_tape(x);
        net.backward(&tape, &loss.gradient(&out, y), &mut analytic);
    }

    let mut worst: Option<GradCheck<N::Scalar>> = None;
    let mut probe = net.clone();
    let two_eps = lit::<N::Scalar>(2.0) * epsilon;
    for (k, info) in N::TENSORS.iter().enumerate() {
        for element in 0..probe.tensor(k).len() {
            let original = probe
                .tensor(k)
                .get(element)
                .copied()
                .unwrap_or_else(N::Scalar::nan);
            set(&mut probe, k, element, original + epsilon);
            let plus = total_loss(&probe, loss, data)?;
            set(&mut probe, k, element, original - epsilon);
            let minus = total_loss(&probe, loss, data)?;
            set(&mut probe, k, element, original);

            let numeric = (plus - minus) / two_eps;
            let a = analytic
                .tensor(k)
                .get(element)
                .copied()
                .unwrap_or_else(N::Scalar::nan);
            let scale = N::Scalar::one().max(a.abs()).max(numeric.abs());
            let error = (a - numeric).abs() / scale;
            // A NaN error counts as the worst.
            let worse = worst.is_none_or(|w| error.is_nan() || error > w.worst_error);
            if worse {
                worst = Some(GradCheck {
                    worst_error: error,
                    tensor: info.name,
                    tensor_index: k,
                    element,
                    analytic: a,
                    numeric,
                });
            }
        }
    }
    worst.ok_or(Error::InvalidSetting("the network has no parameters"))
}

fn set<N: Network>(net: &mut N, k: usize, element: usize, value: N::Scalar) {
    if let Some(v) = net.tensor_mut(k).get_mut(element) {
        *v = value;
    }
}

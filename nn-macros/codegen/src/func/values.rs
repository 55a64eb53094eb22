//! The values of the table's functions in `f64`, for the reference evaluator and constant
//! folding; the same formulas as `nn::math`.

/// √(2/π), of the tanh approximation of GELU.
const GELU_SCALE: f64 = 0.797_884_560_802_865_4;
/// The cubic coefficient of the tanh approximation of GELU.
const GELU_CUBIC: f64 = 0.044_715;

pub fn sigmoid(z: f64) -> f64 {
    if z >= 0.0 {
        1.0 / (1.0 + (-z).exp())
    } else {
        let e = z.exp();
        e / (1.0 + e)
    }
}

pub fn gelu(z: f64) -> f64 {
    0.5 * z * (1.0 + (GELU_SCALE * (z + GELU_CUBIC * z * z * z)).tanh())
}

pub fn gelu_derivative(z: f64) -> f64 {
    let t = (GELU_SCALE * (z + GELU_CUBIC * z * z * z)).tanh();
    0.5 * (1.0 + t) + 0.5 * z * (1.0 - t * t) * GELU_SCALE * (1.0 + 3.0 * GELU_CUBIC * z * z)
}

pub fn softmax(v: &[f64]) -> Vec<f64> {
    let max = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let e: Vec<f64> = v.iter().map(|x| (x - max).exp()).collect();
    let total: f64 = e.iter().sum();
    e.iter().map(|x| x / total).collect()
}

pub fn log_softmax(v: &[f64]) -> Vec<f64> {
    let max = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let log_total = v.iter().map(|x| (x - max).exp()).sum::<f64>().ln();
    v.iter().map(|x| x - max - log_total).collect()
}

/// silu′(z) = σ(z)·(1 + z·(1 − σ(z))), with its limits 1 and 0 at ±∞.
pub fn silu_derivative(z: f64) -> f64 {
    if z.is_infinite() {
        return if z > 0.0 { 1.0 } else { 0.0 };
    }
    let s = sigmoid(z);
    s * (1.0 + z * (1.0 - s))
}

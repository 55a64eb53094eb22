//! What the integration tests share: a reproducible source of numbers and the error measure.
// Each test crate uses its own subset.
#![allow(dead_code)]

use nn::Parameters;

/// A deterministic pseudo-random number in [-1, 1) (xorshift64*).
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        let bits = self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11;
        bits as f64 / (1u64 << 52) as f64 - 1.0
    }

    pub fn fill(&mut self, values: &mut [f64]) {
        for v in values {
            *v = self.next();
        }
    }

    /// Every tensor of `P` filled.
    pub fn params<P: Parameters<Scalar = f64>>(&mut self) -> P {
        let mut p = P::zeros();
        for k in 0..P::TENSORS.len() {
            self.fill(p.tensor_mut(k));
        }
        p
    }

    pub fn array<const N: usize>(&mut self) -> [f64; N] {
        core::array::from_fn(|_| self.next())
    }

    /// A one-hot target: 1 at a random index.
    pub fn one_hot<const N: usize>(&mut self) -> [f64; N] {
        let k = ((self.next() + 1.0) * 0.5 * N as f64) as usize % N;
        core::array::from_fn(|i| if i == k { 1.0 } else { 0.0 })
    }
}

/// |a − b| / max(1, |a|, |b|).
pub fn relative_error(a: f64, b: f64) -> f64 {
    (a - b).abs() / 1f64.max(a.abs()).max(b.abs())
}

//! A seeded random permutation of `0..n` computed index by index, without any buffer.
//!
//! The training loop visits samples in the order `perm.get(0), perm.get(1), …`. The
//! permutation is a four-round Feistel network on the smallest even number of bits that
//! covers `n` (a bijection on `0..4ᵏ`, whatever the round function), restricted to `0..n` by
//! cycle walking: values ≥ n are permuted again until they land below n. Each lookup takes a
//! few nanoseconds and fewer than four rounds on average; nothing is allocated.
//!
//! ```
//! use nn_runtime::shuffle::Permutation;
//! let p = Permutation::new(10, 42);
//! let mut seen = [false; 10];
//! for i in 0..10 {
//!     seen[p.get(i)] = true;
//! }
//! assert!(seen.iter().all(|&s| s)); // every index exactly once
//! ```

use rand_core::{Rng, SeedableRng};
use rand_xoshiro::SplitMix64;

/// A pseudo-random permutation of `0..n`, fixed by a seed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Permutation {
    n: u64,
    half_bits: u32,
    keys: [u64; 4],
}

impl Permutation {
    /// The permutation of `0..n` selected by `seed`.
    pub fn new(n: usize, seed: u64) -> Self {
        let n = n as u64;
        // Smallest even bit count b with 2^b ≥ n (at least 2, so each half has a bit).
        let bits = (u64::BITS - n.saturating_sub(1).leading_zeros()).max(2);
        let half_bits = bits.div_ceil(2);
        let mut rng = SplitMix64::seed_from_u64(seed);
        let keys = [
            rng.next_u64(),
            rng.next_u64(),
            rng.next_u64(),
            rng.next_u64(),
        ];
        Permutation { n, half_bits, keys }
    }

    /// The identity permutation of `0..n` (no shuffling).
    pub fn identity(n: usize) -> Self {
        Permutation {
            n: n as u64,
            half_bits: 0,
            keys: [0; 4],
        }
    }

    /// Number of elements permuted.
    pub fn len(&self) -> usize {
        self.n as usize
    }

    /// Whether it permutes nothing.
    pub fn is_empty(&self) -> bool {
        self.n == 0
    }

    /// The element at position `i`; positions `≥ n` map to themselves.
    // Inlined across crates: the `Trainer` asks for every sample's position, and without
    // shuffling (`identity`) the answer is `i`, where a call was 1 % of XOR's step.
    #[inline]
    pub fn get(&self, i: usize) -> usize {
        let i = i as u64;
        if self.half_bits == 0 || i >= self.n {
            return i as usize;
        }
        let mut x = self.feistel(i);
        // Cycle walking terminates: the orbit of i < n returns to i, which is < n.
        while x >= self.n {
            x = self.feistel(x);
        }
        x as usize
    }

    fn feistel(&self, x: u64) -> u64 {
        let mask = (1u64 << self.half_bits) - 1;
        let (mut left, mut right) = (x >> self.half_bits, x & mask);
        for key in self.keys {
            let f = mix(right ^ key) & mask;
            (left, right) = (right, left ^ f);
        }
        (left << self.half_bits) | right
    }
}

/// The SplitMix64 finaliser: a fast 64-bit mixing function.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_size_is_a_permutation() {
        for n in 0..200 {
            for seed in [0, 1, 99] {
                let p = Permutation::new(n, seed);
                let mut seen = [0u8; 200];
                for i in 0..n {
                    seen[p.get(i)] += 1;
                }
                assert!(seen[..n].iter().all(|&c| c == 1), "n = {n}, seed = {seed}");
            }
        }
    }

    #[test]
    fn seeds_differ_and_repeat() {
        let a = Permutation::new(50, 1);
        let b = Permutation::new(50, 2);
        assert!((0..50).any(|i| a.get(i) != b.get(i)));
        assert_eq!(a, Permutation::new(50, 1));
        assert!((0..50).any(|i| a.get(i) != i));
        assert!((0..50).all(|i| Permutation::identity(50).get(i) == i));
    }
}

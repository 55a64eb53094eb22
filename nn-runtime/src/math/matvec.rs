//! The matrix-vector product of a dense layer, `z = W·x`, with whatever the layer does to each
//! element after it (a bias, an activation) applied as each row's sum is ready.

use num_traits::Float;

/// `zᵢ = f(i, W[i]·x)` for every row `i` of `W` (M outputs, K inputs): the product of a dense
/// layer with the rest of each output's expression, `f`, applied to row `i`'s sum (for
/// `W·x + b`, `f = |i, s| s + b[i]`).
///
/// # Order of the sums
///
/// Each `W[i]·x` is four partial sums over interleaved elements, `pₗ = Σⱼ W[i][4j+l]·x[4j+l]`
/// over the whole chunks of four (each starting at its first product, not at zero), added as
/// `(p₀ + p₂) + (p₁ + p₃)`, and then the K mod 4 elements left over added one by one. The order is fixed, so the result is the same on every
/// target and every run (it differs in the last bits from [`dot`](super::dot), which keeps
/// eight partial sums). A NaN in a row or in `x` reaches that row's sum (and `x`'s every
/// row's), as the sum's definition says.
///
/// # Speed
///
/// Rows are summed four at a time: each element of `x` is loaded once for four multiply-adds,
/// where one `dot` per row loads it for one. That is what a microcontroller, which loads
/// every value by its own instruction, spends most of a layer on: the 16 partial sums stay in
/// the 32 single-precision registers of a Cortex-M4F, and the digits network's inference (64-32-10)
/// takes 2.93 instructions per multiply-add at opt-level "s" against 4.40 with one `dot` per
/// row (`.ci/cortex-m`). On x86-64 the per-sample forwards of the benchmarks' networks take
/// the same time as with `dot` per row (XOR 2-4-1 about 14 % less; `cargo bench --bench mlp --
/// forward`). No index is checked at run time and nothing can panic: the loops' bounds prove
/// every index (checked in the Cortex-M images at opt-levels "s", "z" and 3).
///
/// ```
/// use nn_runtime::math::matvec;
/// let w = [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]; // 3 outputs × 2 inputs
/// let x = [1.0_f64, -1.0];
/// let b = [0.5, 0.0, -0.5];
/// assert_eq!(matvec(&w, &x, |i, s| s + b[i]), [-0.5, -1.0, -1.5]); // W·x + b
/// assert_eq!(matvec(&w, &x, |_, s| s.max(0.0)), [0.0, 0.0, 0.0]); // relu(W·x)
/// ```
// Not inlined on microcontrollers: inlined, the compiler addressed a layer's rows from the
// start of the network's parameters, beyond the 1 KB a load instruction reaches from its base
// register, so each load of W needed an address computed first (the digits network's second
// layer: 4.7 instructions per multiply-add instead of 2.6).
#[cfg_attr(
    any(target_arch = "x86", target_arch = "x86_64", target_arch = "aarch64"),
    inline
)]
#[cfg_attr(
    not(any(target_arch = "x86", target_arch = "x86_64", target_arch = "aarch64")),
    inline(never)
)]
pub fn matvec<T: Float, const K: usize, const M: usize>(
    w: &[[T; K]; M],
    x: &[T; K],
    f: impl Fn(usize, T) -> T,
) -> [T; M] {
    let mut z = [T::zero(); M];
    let mut r = 0;
    while r + 4 <= M {
        let [s0, s1, s2, s3] = rows4([&w[r], &w[r + 1], &w[r + 2], &w[r + 3]], x);
        z[r] = f(r, s0);
        z[r + 1] = f(r + 1, s1);
        z[r + 2] = f(r + 2, s2);
        z[r + 3] = f(r + 3, s3);
        r += 4;
    }
    while r < M {
        z[r] = f(r, row(&w[r], x));
        r += 1;
    }
    z
}

/// Four rows times `x`, each summed as [`row`] sums it, sharing each load of `x`.
#[inline(always)]
fn rows4<T: Float, const K: usize>(w: [&[T; K]; 4], x: &[T; K]) -> [T; 4] {
    // The partial sums start at the first chunk's products (on a Cortex-M4F, 16 fewer
    // instructions per four rows than zeroing them first).
    let (mut a, mut i) = if K >= 4 {
        let xs = four(x, 0);
        let p = |r: usize| Quad::products(w[r], 0, xs);
        ([p(0), p(1), p(2), p(3)], 4)
    } else {
        ([Quad::zero(); 4], 0)
    };
    // Two chunks per turn: a loop turn costs as many instructions as a quarter of a chunk.
    while i + 8 <= K {
        chunk4(&mut a, w, x, i);
        chunk4(&mut a, w, x, i + 4);
        i += 8;
    }
    if i + 4 <= K {
        chunk4(&mut a, w, x, i);
        i += 4;
    }
    let [a0, a1, a2, a3] = a;
    let mut s = [a0.reduce(), a1.reduce(), a2.reduce(), a3.reduce()];
    while i < K {
        s[0] = s[0] + w[0][i] * x[i];
        s[1] = s[1] + w[1][i] * x[i];
        s[2] = s[2] + w[2][i] * x[i];
        s[3] = s[3] + w[3][i] * x[i];
        i += 1;
    }
    s
}

/// Adds the chunk of four elements starting at `i` (`i + 4 ≤ K`) of each of four rows times
/// `x` to the rows' partial sums.
#[inline(always)]
fn chunk4<T: Float, const K: usize>(a: &mut [Quad<T>; 4], w: [&[T; K]; 4], x: &[T; K], i: usize) {
    let xs = four(x, i);
    a[0].add(w[0], i, xs);
    a[1].add(w[1], i, xs);
    a[2].add(w[2], i, xs);
    a[3].add(w[3], i, xs);
}

/// One row times `x`: four partial sums over the whole chunks of four, added pairwise, then
/// the elements left over in order.
#[inline(always)]
fn row<T: Float, const K: usize>(w: &[T; K], x: &[T; K]) -> T {
    let (mut a, mut i) = if K >= 4 {
        (Quad::products(w, 0, four(x, 0)), 4)
    } else {
        (Quad::zero(), 0)
    };
    while i + 8 <= K {
        a.add(w, i, four(x, i));
        a.add(w, i + 4, four(x, i + 4));
        i += 8;
    }
    if i + 4 <= K {
        a.add(w, i, four(x, i));
        i += 4;
    }
    let mut s = a.reduce();
    while i < K {
        s = s + w[i] * x[i];
        i += 1;
    }
    s
}

/// `x[i..i + 4]` (the caller has `i + 4 ≤ K`).
#[inline(always)]
fn four<T: Float, const K: usize>(x: &[T; K], i: usize) -> [T; 4] {
    [x[i], x[i + 1], x[i + 2], x[i + 3]]
}

/// A row's four partial sums, as four locals: they stay in registers at every opt-level
/// (an array indexed in a loop is kept in memory at opt-level "s" unless the loop is
/// unrolled).
#[derive(Clone, Copy)]
struct Quad<T> {
    p0: T,
    p1: T,
    p2: T,
    p3: T,
}

impl<T: Float> Quad<T> {
    #[inline(always)]
    fn zero() -> Self {
        let z = T::zero();
        Quad {
            p0: z,
            p1: z,
            p2: z,
            p3: z,
        }
    }

    /// The partial sums of the chunk starting at `i` alone: `w[i + l]·xs[l]`.
    #[inline(always)]
    fn products<const K: usize>(w: &[T; K], i: usize, xs: [T; 4]) -> Self {
        Quad {
            p0: w[i] * xs[0],
            p1: w[i + 1] * xs[1],
            p2: w[i + 2] * xs[2],
            p3: w[i + 3] * xs[3],
        }
    }

    /// Adds `w[i + l]·xs[l]` to partial sum `l` (the caller has `i + 4 ≤ K`).
    #[inline(always)]
    fn add<const K: usize>(&mut self, w: &[T; K], i: usize, xs: [T; 4]) {
        self.p0 = self.p0 + w[i] * xs[0];
        self.p1 = self.p1 + w[i + 1] * xs[1];
        self.p2 = self.p2 + w[i + 2] * xs[2];
        self.p3 = self.p3 + w[i + 3] * xs[3];
    }

    /// (p₀ + p₂) + (p₁ + p₃).
    #[inline(always)]
    fn reduce(self) -> T {
        (self.p0 + self.p2) + (self.p1 + self.p3)
    }
}

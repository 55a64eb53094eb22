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
/// `(p₀ + p₂) + (p₁ + p₃)`, and then the K mod 4 elements left over added one by one. The
/// order is fixed, so the result is the same on every target and every run (it differs in the
/// last bits from [`dot`](super::dot), which keeps eight partial sums).
///
/// One exception, as for the batch kernels ([`batch`](super::batch)): with the feature `simd`
/// (default), on an x86 processor with AVX2 and FMA, an `f32` layer of at least 8 inputs and
/// 64 multiply-adds (M·K), or a layer of another type of at least 1,024, keeps eight partial
/// sums per row, each term one fused multiply-add,
/// `pₗ = Σⱼ fma(W[i][8j+l], x[8j+l], pₗ)` from 0 over the whole chunks of eight, added as
/// `((p₀ + p₄) + (p₂ + p₆)) + ((p₁ + p₅) + (p₃ + p₇))`, then the K mod 8 elements left over
/// fused one by one. The same on every run of that machine; against the portable order it can
/// differ in the last bits. Other layers, other processors and builds without `simd` take the
/// portable order.
///
/// A NaN in a row reaches that row's sum, and a NaN in `x` every row's sum, as the sum's
/// definition says.
///
/// # Speed
///
/// Rows are summed together, eight at a time on x86, x86-64 and AArch64, four on other targets
/// (microcontrollers among them):
/// each element of `x` is loaded once for eight or four multiply-adds, where one `dot` per row
/// loads it for one. That is what a microcontroller, which loads every value by its own
/// instruction, spends most of a layer on: the 16 partial sums stay in the 32 single-precision
/// registers of a Cortex-M4F, and the digits network's inference (64-32-10) takes 2.93
/// instructions per multiply-add at opt-level "s" against 4.40 with one `dot` per row
/// (`.ci/cortex-m`). No index is checked at run time and nothing can panic: the loops' bounds
/// prove every index (checked in the Cortex-M images at opt-levels "s", "z", 3, 2 and 1).
///
/// On x86-64, for `f32`, each row's four partial sums are one SSE register (see
/// `lanes_barrier` in the source: without it the compiler transposed every chunk of `W`), and
/// the AVX2 path's eight are one AVX register, eight rows at a time, whose eight sums are
/// reduced together into one register (transposing as they add). One sample's forward of the
/// 64-32-10 digits network (`benches/peers`, default build, Zen 4): 343 ns before the barrier,
/// 165 with it, 153 with the AVX2 path for its first layer, 70–92 (two runs of the day) with
/// the joint reduction and both layers on the AVX2 path; 256-256-10: 9.1 → 3.9 → 2.8 → 2.5 µs.
///
/// ```
/// use nn_runtime::math::matvec;
/// let w = [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]; // 3 outputs × 2 inputs
/// let x = [1.0_f64, -1.0];
/// let b = [0.5, 0.0, -0.5];
/// assert_eq!(matvec(&w, &x, |i, s| s + b[i]), [-0.5, -1.0, -1.5]); // W·x + b
/// assert_eq!(matvec(&w, &x, |_, s| s.max(0.0)), [0.0, 0.0, 0.0]); // relu(W·x)
///
/// // Nine rows of ten inputs: a group of eight rows (four on a microcontroller), then one alone.
/// let w: [[f64; 10]; 9] = core::array::from_fn(|i| core::array::from_fn(|j| (i * j) as f64));
/// let z = matvec(&w, &[1.0; 10], |i, s| s - i as f64);
/// assert_eq!(z[8], 8.0 * 45.0 - 8.0); // Σⱼ 8·j − 8
/// ```
// Not inlined on targets without vector units (microcontrollers): inlined, the compiler addressed a layer's rows from the
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
    #[cfg(all(feature = "simd", any(target_arch = "x86", target_arch = "x86_64")))]
    if fused::pays::<T>(K, M) {
        if let Some(simd) = pulp::x86::V3::try_new() {
            return simd.vectorize(
                #[inline(always)]
                || fused::matvec(simd, w, x, f),
            );
        }
    }
    let mut z = [T::zero(); M];
    let mut r = 0;
    if VECTOR_UNITS {
        while r + 8 <= M {
            let rows = |k: usize| Rows4::new([&w[k], &w[k + 1], &w[k + 2], &w[k + 3]]);
            let sums = sum_rows((rows(r), rows(r + 4)), x);
            for (k, s) in sums.into_iter().enumerate() {
                z[r + k] = f(r + k, s);
            }
            r += 8;
        }
    }
    while r + 4 <= M {
        let [s0, s1, s2, s3] = sum_rows(Rows4::new([&w[r], &w[r + 1], &w[r + 2], &w[r + 3]]), x);
        z[r] = f(r, s0);
        z[r + 1] = f(r + 1, s1);
        z[r + 2] = f(r + 2, s2);
        z[r + 3] = f(r + 3, s3);
        r += 4;
    }
    while r < M {
        z[r] = f(r, sum_rows(Row(&w[r], Quad::zero()), x));
        r += 1;
    }
    z
}

/// Whether the target has vector registers enough for the partial sums of eight rows (16 on
/// x86-64, 32 on AArch64, each one row's four sums); elsewhere four rows are summed together
/// (16 of a Cortex-M4F's 32 single-precision registers). Grouping rows does not change a sum.
const VECTOR_UNITS: bool = cfg!(any(
    target_arch = "x86",
    target_arch = "x86_64",
    target_arch = "aarch64"
));

/// Rows summed together over the chunks of four elements of `x`: the partial sums of each
/// row, and what to add when.
trait Tile<T: Float, const K: usize> {
    /// One sum per row.
    type Sums;
    /// The partial sums become the products of the first chunk (they start there, not at 0:
    /// on a Cortex-M4F, 16 fewer instructions per four rows than zeroing them first).
    fn start(&mut self, xs: [T; 4]);
    /// Adds the products of the chunk starting at `i` (`i + 4 ≤ K`).
    fn add(&mut self, i: usize, xs: [T; 4]);
    /// The partial sums added up, then the elements from `i` on one by one.
    fn finish(self, x: &[T; K], i: usize) -> Self::Sums;
}

/// Each row of `tile` times `x`, in the order [`matvec`] documents; each element of `x` is
/// loaded once for all the tile's rows.
#[inline(always)]
fn sum_rows<T: Float, const K: usize, R: Tile<T, K>>(mut tile: R, x: &[T; K]) -> R::Sums {
    let mut i = 0;
    if K >= 4 {
        tile.start(four(x, 0));
        i = 4;
    }
    // Two chunks per turn: a loop turn costs as many instructions as a quarter of a chunk.
    while i + 8 <= K {
        tile.add(i, four(x, i));
        tile.add(i + 4, four(x, i + 4));
        i += 8;
    }
    if i + 4 <= K {
        tile.add(i, four(x, i));
        i += 4;
    }
    tile.finish(x, i)
}

/// One row and its partial sums.
struct Row<'a, T, const K: usize>(&'a [T; K], Quad<T>);

impl<T: Float, const K: usize> Tile<T, K> for Row<'_, T, K> {
    type Sums = T;
    #[inline(always)]
    fn start(&mut self, xs: [T; 4]) {
        self.1 = Quad::products(self.0, 0, xs);
    }
    #[inline(always)]
    fn add(&mut self, i: usize, xs: [T; 4]) {
        self.1.add(self.0, i, xs);
    }
    #[inline(always)]
    fn finish(self, x: &[T; K], mut i: usize) -> T {
        let mut s = self.1.reduce();
        while i < K {
            s = s + self.0[i] * x[i];
            i += 1;
        }
        s
    }
}

/// Four rows and their partial sums, each written out (a loop over the rows is not unrolled at
/// opt-level "s", and its sums would be kept in memory).
struct Rows4<'a, T, const K: usize> {
    w: [&'a [T; K]; 4],
    a: [Quad<T>; 4],
}

impl<'a, T: Float, const K: usize> Rows4<'a, T, K> {
    #[inline(always)]
    fn new(w: [&'a [T; K]; 4]) -> Self {
        Rows4 {
            w,
            a: [Quad::zero(); 4],
        }
    }
}

impl<T: Float, const K: usize> Tile<T, K> for Rows4<'_, T, K> {
    type Sums = [T; 4];
    #[inline(always)]
    fn start(&mut self, xs: [T; 4]) {
        let w = self.w;
        self.a = [
            Quad::products(w[0], 0, xs),
            Quad::products(w[1], 0, xs),
            Quad::products(w[2], 0, xs),
            Quad::products(w[3], 0, xs),
        ];
    }
    #[inline(always)]
    fn add(&mut self, i: usize, xs: [T; 4]) {
        let (w, a) = (self.w, &mut self.a);
        a[0].add(w[0], i, xs);
        a[1].add(w[1], i, xs);
        a[2].add(w[2], i, xs);
        a[3].add(w[3], i, xs);
    }
    #[inline(always)]
    fn finish(self, x: &[T; K], mut i: usize) -> [T; 4] {
        let (w, [a0, a1, a2, a3]) = (self.w, lanes_barrier::<T, K>(self.a));
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
}

/// Eight rows: two tiles of four that share each chunk of `x`.
impl<T: Float, const K: usize> Tile<T, K> for (Rows4<'_, T, K>, Rows4<'_, T, K>) {
    type Sums = [T; 8];
    #[inline(always)]
    fn start(&mut self, xs: [T; 4]) {
        self.0.start(xs);
        self.1.start(xs);
    }
    #[inline(always)]
    fn add(&mut self, i: usize, xs: [T; 4]) {
        self.0.add(i, xs);
        self.1.add(i, xs);
    }
    #[inline(always)]
    fn finish(self, x: &[T; K], i: usize) -> [T; 8] {
        let ([s0, s1, s2, s3], [s4, s5, s6, s7]) = (self.0.finish(x, i), self.1.finish(x, i));
        [s0, s1, s2, s3, s4, s5, s6, s7]
    }
}

/// The four rows' partial sums, handed over the compiler's view where there are vector units.
///
/// Why: the four rows' sums are stored next to each other (`z[r..r + 4]`), and LLVM's SLP
/// vectoriser, starting from those stores, put the same partial sum of four *rows* in one
/// vector register and carried that layout back into the loop: every chunk of `W` was then
/// transposed (12 shuffles per four rows' chunk, ~40 % of the x86-64 per-sample forward).
/// Going through memory here ends the bundle at the loop's exit, and the loop keeps one row's
/// four partial sums in one register: a load, a multiply and an add per row and chunk. Same
/// sums, same order. Microcontrollers (no vector units) skip it: it would store 16 registers;
/// so do rows shorter than a chunk (no partial sums: XOR's first layer).
#[inline(always)]
fn lanes_barrier<T: Float, const K: usize>(a: [Quad<T>; 4]) -> [Quad<T>; 4] {
    if VECTOR_UNITS && K >= 4 {
        core::hint::black_box(a)
    } else {
        a
    }
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

/// The AVX2 path of [`matvec`]: eight partial sums per row, one fused multiply-add per term,
/// eight rows at a time (eight accumulator registers, enough to hide an FMA's latency).
#[cfg(all(feature = "simd", any(target_arch = "x86", target_arch = "x86_64")))]
mod fused {
    #[cfg(target_arch = "x86")]
    use core::arch::x86::__m256;
    #[cfg(target_arch = "x86_64")]
    use core::arch::x86_64::__m256;
    use num_traits::Float;
    use pulp::x86::V3;

    /// Whether a layer of M rows of K inputs takes the AVX2 path (where the processor has it):
    /// `f32` layers of at least 8 inputs and 64 multiply-adds, other types from 1,024
    /// multiply-adds. Measured on a Zen 4, one `matvec` with a bias and `relu`, portable path →
    /// this one, M × K: `f32` 4 × 16 6.2 → 3.3 ns, 10 × 32 36 → 14 ns, 32 × 64 126 → 45 ns,
    /// 8 × 8 7.0 → 6.7 ns; smaller layers were slower (4 × 8 3.7 → 6.4 ns, 2 × 16 4.8 → 6.1 ns),
    /// and rows of fewer than 8 inputs, all tail here, much slower (4 × 2 1.6 → 4.0 ns).
    /// `f64` sums one row at a time on this path (no transposing reduction): 4 × 16 9.4 → 24
    /// ns, 10 × 32 49 → 37 ns, 32 × 64 235 → 152–172 ns; its bound is somewhere between 64
    /// and 320 multiply-adds, not measured finer, and stays at 1,024 as before.
    #[inline(always)]
    pub(super) fn pays<T: Float>(k: usize, m: usize) -> bool {
        if binary32::<T>() {
            k >= 8 && m * k >= 64
        } else {
            m * k >= 1024
        }
    }

    #[inline(always)]
    pub(super) fn matvec<T: Float, const K: usize, const M: usize>(
        simd: V3,
        w: &[[T; K]; M],
        x: &[T; K],
        f: impl Fn(usize, T) -> T,
    ) -> [T; M] {
        let mut z = [T::zero(); M];
        let mut r = 0;
        while r + 8 <= M {
            let sums = rows::<T, K, 8>(simd, core::array::from_fn(|k| &w[r + k]), x);
            for (k, s) in sums.into_iter().enumerate() {
                z[r + k] = f(r + k, s);
            }
            r += 8;
        }
        while r + 4 <= M {
            let sums = rows::<T, K, 4>(simd, core::array::from_fn(|k| &w[r + k]), x);
            for (k, s) in sums.into_iter().enumerate() {
                z[r + k] = f(r + k, s);
            }
            r += 4;
        }
        while r < M {
            z[r] = f(r, rows::<T, K, 1>(simd, [&w[r]], x)[0]);
            r += 1;
        }
        z
    }

    /// `pₗ = Σⱼ W[8j+l]·x[8j+l]` fused, from 0, over the whole chunks of eight; then
    /// `((p₀ + p₄) + (p₂ + p₆)) + ((p₁ + p₅) + (p₃ + p₇))`, then the elements left over one by
    /// one, fused.
    #[inline(always)]
    fn rows<T: Float, const K: usize, const R: usize>(
        simd: V3,
        w: [&[T; K]; R],
        x: &[T; K],
    ) -> [T; R] {
        let mut acc = [[T::zero(); 8]; R];
        let mut i = 0;
        while i + 8 <= K {
            for (acc, row) in acc.iter_mut().zip(w) {
                for l in 0..8 {
                    acc[l] = row[i + l].mul_add(x[i + l], acc[l]);
                }
            }
            i += 8;
        }
        let mut sums = match reduce_f32(simd, &acc) {
            Some(sums) => sums,
            None => {
                // See `lanes_barrier`: one row's partial sums stay in one register.
                let acc = core::hint::black_box(acc);
                acc.map(|p| ((p[0] + p[4]) + (p[2] + p[6])) + ((p[1] + p[5]) + (p[3] + p[7])))
            }
        };
        for (s, row) in sums.iter_mut().zip(w) {
            for j in i..K {
                *s = row[j].mul_add(x[j], *s);
            }
        }
        sums
    }

    /// Whether `T` is IEEE 754 single precision (`f32`, or a type with its size and limits),
    /// which the reduction below computes as `f32` exactly. Known at compile time.
    #[inline(always)]
    fn binary32<T: Float>() -> bool {
        core::mem::size_of::<T>() == 4
            && T::epsilon().to_f32() == Some(f32::EPSILON)
            && T::max_value().to_f32() == Some(f32::MAX)
            && T::min_positive_value().to_f32() == Some(f32::MIN_POSITIVE)
    }

    /// The sums of eight or four single-precision rows' partial sums, each `((p₀ + p₄) + (p₂ +
    /// p₆)) + ((p₁ + p₅) + (p₃ + p₇))`, for all the rows at once, transposing as it adds: 19
    /// vector instructions for eight rows, where summing one row at a time takes seven each
    /// after the partial sums have left the registers (that was a third of a 64-input layer's
    /// time). `None` for other types and row counts, which sum one row at a time.
    #[inline(always)]
    fn reduce_f32<T: Float, const R: usize>(simd: V3, acc: &[[T; 8]; R]) -> Option<[T; R]> {
        if !(binary32::<T>() && (R == 8 || R == 4)) {
            return None;
        }
        // The identity for `f32`: the compiler removes these copies.
        let mut p = [[0.0f32; 8]; 8];
        for (p, acc) in p.iter_mut().zip(acc) {
            for (p, a) in p.iter_mut().zip(acc) {
                *p = a.to_f32()?;
            }
        }
        let sums: [f32; 8] = if R == 8 {
            // Rows r and r + 4 side by side, each [p₀+p₄, p₁+p₅, p₂+p₆, p₃+p₇].
            let q04 = halves(simd, p[0], p[4]);
            let q15 = halves(simd, p[1], p[5]);
            let q26 = halves(simd, p[2], p[6]);
            let q37 = halves(simd, p[3], p[7]);
            // Two rows in each 128-bit half, each [(p₀+p₄)+(p₂+p₆), (p₁+p₅)+(p₃+p₇)].
            let r0145 = quarters(simd, q04, q15);
            let r2367 = quarters(simd, q26, q37);
            // [s₀, s₁, s₂, s₃ | s₄, s₅, s₆, s₇].
            pulp::cast(simd.avx._mm256_hadd_ps(r0145, r2367))
        } else {
            let q02 = halves(simd, p[0], p[2]);
            let q13 = halves(simd, p[1], p[3]);
            let r0123 = quarters(simd, q02, q13);
            // [s₀, s₁, s₀, s₁ | s₂, s₃, s₂, s₃].
            let s: [f32; 8] = pulp::cast(simd.avx._mm256_hadd_ps(r0123, r0123));
            [s[0], s[1], s[4], s[5], 0.0, 0.0, 0.0, 0.0]
        };
        let mut out = [T::zero(); R];
        for (out, s) in out.iter_mut().zip(sums) {
            *out = T::from(s)?;
        }
        Some(out)
    }

    /// `[a₀+a₄, a₁+a₅, a₂+a₆, a₃+a₇ | b₀+b₄, b₁+b₅, b₂+b₆, b₃+b₇]`.
    #[inline(always)]
    fn halves(simd: V3, a: [f32; 8], b: [f32; 8]) -> __m256 {
        let (a, b) = (pulp::cast(a), pulp::cast(b));
        let low = simd.avx._mm256_permute2f128_ps::<0x20>(a, b);
        let high = simd.avx._mm256_permute2f128_ps::<0x31>(a, b);
        simd.avx._mm256_add_ps(low, high)
    }

    /// In each 128-bit half: `[a₀+a₂, a₁+a₃, b₀+b₂, b₁+b₃]`.
    #[inline(always)]
    fn quarters(simd: V3, a: __m256, b: __m256) -> __m256 {
        let first = simd.avx._mm256_shuffle_ps::<0b01_00_01_00>(a, b);
        let second = simd.avx._mm256_shuffle_ps::<0b11_10_11_10>(a, b);
        simd.avx._mm256_add_ps(first, second)
    }
}

//! The batched matrix products against plain triple loops, over many shapes.
//!
//! The kernels promise more than closeness: every output is one sum in index order, each term
//! a separate multiply and add on the portable path and one fused multiply-add on the
//! dispatched (AVX2 + FMA) path, so it must equal the naive loop written that way bit for bit,
//! in f32 as in f64, on both paths. The f32 results are also checked against an f64 reference
//! with a tolerance, which does not depend on the order of the sums.

use nn_runtime::math::{
    batch_fused_multiply_add, batch_portable as portable, matmul_batch, outer_add_batch,
    transpose_mul, transpose_mul_batch, ByRef,
};
use nn_runtime::Float;

/// Reproducible values in [−1, 1), most of them with a non-trivial mantissa.
fn fill<T: Float, const R: usize, const C: usize>(seed: u64) -> Box<[[T; C]; R]> {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut m = Box::new([[T::zero(); C]; R]);
    for v in m.iter_mut().flatten() {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let u = (state >> 11) as f64 / (1u64 << 53) as f64;
        *v = T::from(2.0 * u - 1.0).unwrap();
    }
    m
}

/// acc + a·b, as one fused multiply-add on the path that uses them.
fn term<T: Float>(acc: T, a: T, b: T, fused: bool) -> T {
    if fused {
        a.mul_add(b, acc)
    } else {
        acc + a * b
    }
}

fn naive_matmul<T: Float, const K: usize, const M: usize, const B: usize>(
    w: &[[T; K]; M],
    x: &[[T; K]; B],
    fused: bool,
) -> Box<[[T; M]; B]> {
    let mut z = Box::new([[T::zero(); M]; B]);
    for s in 0..B {
        for i in 0..M {
            let mut acc = T::zero();
            for k in 0..K {
                acc = term(acc, w[i][k], x[s][k], fused);
            }
            z[s][i] = acc;
        }
    }
    z
}

fn naive_transpose_mul<T: Float, const K: usize, const M: usize, const B: usize>(
    w: &[[T; K]; M],
    dz: &[[T; M]; B],
    fused: bool,
) -> Box<[[T; K]; B]> {
    let mut dx = Box::new([[T::zero(); K]; B]);
    for s in 0..B {
        for k in 0..K {
            let mut acc = T::zero();
            for i in 0..M {
                acc = term(acc, dz[s][i], w[i][k], fused);
            }
            dx[s][k] = acc;
        }
    }
    dx
}

fn naive_outer_add<T: Float, const K: usize, const M: usize, const B: usize>(
    g: &mut [[T; K]; M],
    dz: &[[T; M]; B],
    x: &[[T; K]; B],
    fused: bool,
) {
    for i in 0..M {
        for k in 0..K {
            let mut acc = T::zero();
            for s in 0..B {
                acc = term(acc, dz[s][i], x[s][k], fused);
            }
            g[i][k] = g[i][k] + acc;
        }
    }
}

/// Bitwise equality that reads NaN as equal to NaN; reports the first difference.
fn assert_same<T: Float + core::fmt::Debug>(what: &str, got: &[T], want: &[T]) {
    assert_eq!(got.len(), want.len());
    for (n, (&a, &b)) in got.iter().zip(want).enumerate() {
        let same = (a.is_nan() && b.is_nan()) || a.integer_decode() == b.integer_decode();
        assert!(
            same,
            "{what}: element {n} is {a:?}, the triple loop gives {b:?}"
        );
    }
}

/// Checks all three kernels, both paths, for one shape in one float type.
fn check_exact<T: Float + core::fmt::Debug, const K: usize, const M: usize, const B: usize>(
    seed: u64,
) {
    let shape = format!("K = {K}, M = {M}, B = {B}, {}", core::any::type_name::<T>());
    let w = fill::<T, M, K>(seed);
    let x = fill::<T, B, K>(seed + 1);
    let dz = fill::<T, B, M>(seed + 2);
    let g0 = fill::<T, M, K>(seed + 3);

    let fused = batch_fused_multiply_add();
    let want = naive_matmul(&w, &x, fused);
    let got = matmul_batch(&w, &*x);
    assert_same(
        &format!("matmul_batch, {shape}"),
        got.as_flattened(),
        want.as_flattened(),
    );
    let want = naive_matmul(&w, &x, false);
    let portable_z = portable::matmul_batch(&w, &*x);
    assert_same(
        &format!("portable matmul_batch, {shape}"),
        portable_z.as_flattened(),
        want.as_flattened(),
    );

    let want = naive_transpose_mul(&w, &dz, fused);
    let got = transpose_mul_batch(&w, &dz);
    assert_same(
        &format!("transpose_mul_batch, {shape}"),
        got.as_flattened(),
        want.as_flattened(),
    );
    let want = naive_transpose_mul(&w, &dz, false);
    let portable_dx = portable::transpose_mul_batch(&w, &dz);
    assert_same(
        &format!("portable transpose_mul_batch, {shape}"),
        portable_dx.as_flattened(),
        want.as_flattened(),
    );
    // Per sample, the very function the unbatched backward pass calls.
    for s in 0..B {
        assert_same(
            &format!("transpose_mul, {shape}"),
            &portable_dx[s],
            &transpose_mul(&w, &dz[s]),
        );
    }

    // Into a gradient that already holds something.
    let mut want = g0.clone();
    naive_outer_add(&mut want, &dz, &x, fused);
    let mut got = g0.clone();
    outer_add_batch(&mut got, &dz, &*x);
    assert_same(
        &format!("outer_add_batch, {shape}"),
        got.as_flattened(),
        want.as_flattened(),
    );
    let mut want = g0.clone();
    naive_outer_add(&mut want, &dz, &x, false);
    let mut got = g0.clone();
    portable::outer_add_batch(&mut got, &dz, &*x);
    assert_same(
        &format!("portable outer_add_batch, {shape}"),
        got.as_flattened(),
        want.as_flattened(),
    );

    // X's rows held by reference (as the Trainer passes a shuffled batch), here in reverse
    // order: the products of the reversed array, bit for bit, on both paths.
    let refs = ByRef(core::array::from_fn(|s| &x[B - 1 - s]));
    let mut reversed = x.clone();
    reversed.reverse();
    for (path, fused) in [("dispatched", fused), ("portable", false)] {
        let got = if path == "dispatched" {
            matmul_batch(&w, &refs)
        } else {
            portable::matmul_batch(&w, &refs)
        };
        let want = naive_matmul(&w, &reversed, fused);
        assert_same(
            &format!("{path} matmul_batch of ByRef rows, {shape}"),
            got.as_flattened(),
            want.as_flattened(),
        );
        let mut got = g0.clone();
        if path == "dispatched" {
            outer_add_batch(&mut got, &dz, &refs);
        } else {
            portable::outer_add_batch(&mut got, &dz, &refs);
        }
        let mut want = g0.clone();
        naive_outer_add(&mut want, &dz, &reversed, fused);
        assert_same(
            &format!("{path} outer_add_batch of ByRef rows, {shape}"),
            got.as_flattened(),
            want.as_flattened(),
        );
    }
}

/// f32 kernels against the same products in f64: |error| ≤ 1e-5·Σ|terms|.
fn check_f32_against_f64<const K: usize, const M: usize, const B: usize>(seed: u64) {
    let shape = format!("K = {K}, M = {M}, B = {B}");
    let (w, x, dz) = (
        fill::<f32, M, K>(seed),
        fill::<f32, B, K>(seed + 1),
        fill::<f32, B, M>(seed + 2),
    );
    let wide = |m: &[f32]| m.iter().map(|&v| v as f64).collect::<Vec<_>>();
    let (w64, x64, dz64) = (
        wide(w.as_flattened()),
        wide(x.as_flattened()),
        wide(dz.as_flattened()),
    );
    let close = |what: &str, got: f32, want: f64, scale: f64| {
        let tol = 1e-5 * scale.max(1e-30);
        assert!(
            (got as f64 - want).abs() <= tol,
            "{what}, {shape}: {got} vs {want} (tolerance {tol:e})"
        );
    };

    let z = matmul_batch(&w, &*x);
    let dx = transpose_mul_batch(&w, &dz);
    let mut g = Box::new([[0.0f32; K]; M]);
    outer_add_batch(&mut g, &dz, &*x);
    for s in 0..B {
        for i in 0..M {
            let terms = (0..K).map(|k| w64[i * K + k] * x64[s * K + k]);
            let (sum, abs) = terms.fold((0.0, 0.0), |(s, a), t| (s + t, a + t.abs()));
            close("matmul_batch", z[s][i], sum, abs);
        }
        for k in 0..K {
            let terms = (0..M).map(|i| dz64[s * M + i] * w64[i * K + k]);
            let (sum, abs) = terms.fold((0.0, 0.0), |(s, a), t| (s + t, a + t.abs()));
            close("transpose_mul_batch", dx[s][k], sum, abs);
        }
    }
    for i in 0..M {
        for k in 0..K {
            let terms = (0..B).map(|s| dz64[s * M + i] * x64[s * K + k]);
            let (sum, abs) = terms.fold((0.0, 0.0), |(s, a), t| (s + t, a + t.abs()));
            close("outer_add_batch", g[i][k], sum, abs);
        }
    }
}

fn check<const K: usize, const M: usize, const B: usize>(seed: u64) {
    check_exact::<f64, K, M, B>(seed);
    check_exact::<f32, K, M, B>(seed + 10);
    check_f32_against_f64::<K, M, B>(seed + 20);
}

/// The large shapes need more than a test thread's default stack in unoptimised builds.
fn on_big_stack(f: impl FnOnce() + Send + 'static) {
    std::thread::Builder::new()
        .stack_size(256 << 20)
        .spawn(f)
        .unwrap()
        .join()
        .unwrap();
}

#[test]
fn tiny_and_odd_shapes() {
    check::<1, 1, 1>(1);
    check::<2, 1, 1>(2);
    check::<1, 2, 1>(3);
    check::<1, 1, 2>(4);
    check::<2, 2, 3>(5);
    check::<3, 5, 7>(6);
    check::<7, 3, 5>(7);
    check::<5, 7, 3>(8);
    check::<33, 7, 3>(9);
    check::<9, 13, 17>(10);
    check::<17, 11, 1>(11);
    check::<1, 17, 9>(12);
}

#[test]
fn xor_like_networks() {
    // 2-4-1 and 2-2-1 at batch 4 (all four XOR points) and 1.
    check::<2, 4, 4>(20);
    check::<4, 1, 4>(21);
    check::<2, 2, 4>(22);
    check::<2, 1, 4>(23);
    check::<2, 4, 1>(24);
    check::<4, 1, 1>(25);
}

#[test]
fn tile_edges() {
    // Column counts around the panel widths (8, 16 for f32; 4, 8 for f64) and row counts
    // around the tile height 6, in every operand.
    check::<8, 6, 16>(30);
    check::<15, 12, 8>(31);
    check::<16, 5, 9>(32);
    check::<17, 7, 15>(33);
    check::<24, 18, 17>(34);
    check::<25, 19, 23>(35);
    check::<31, 6, 4>(36);
    check::<4, 31, 6>(37);
    check::<6, 4, 31>(38);
    check::<12, 12, 12>(39);
}

#[test]
fn digits_mlp_64_32_10() {
    on_big_stack(|| {
        check::<64, 32, 32>(40);
        check::<32, 10, 32>(41);
        check::<64, 32, 10>(42);
        check::<32, 10, 13>(43);
        check::<64, 32, 1>(44);
    });
}

#[test]
fn mlp_256_256_10_at_batch_64() {
    on_big_stack(|| {
        check::<256, 256, 64>(50);
        check::<256, 10, 64>(51);
        check::<256, 256, 61>(52);
    });
}

#[test]
fn outputs_past_a_block_of_packed_rows() {
    // outer_add_batch packs 16 tiles of rows of dZᵀ at a time, or 2 or 8 for layers that need
    // no more: with 6-row tiles (the dispatched path) 12, 48 and 96 rows, with the x86-64
    // baseline's 5-row tiles 10, 40 and 80; each bound and one past it.
    on_big_stack(|| {
        check::<20, 12, 5>(64);
        check::<20, 13, 5>(65);
        check::<20, 48, 5>(66);
        check::<20, 49, 5>(67);
        check::<20, 10, 5>(68);
        check::<20, 11, 5>(69);
        check::<20, 40, 5>(70);
        check::<20, 41, 5>(71);
        check::<20, 80, 5>(72);
        check::<20, 81, 5>(73);
        check::<20, 95, 5>(60);
        check::<20, 96, 5>(61);
        check::<20, 97, 5>(62);
        check::<3, 193, 2>(63);
    });
}

#[test]
fn empty_dimensions() {
    let z: [[f32; 0]; 2] = matmul_batch(&[] as &[[f32; 3]; 0], &[[1.0; 3]; 2]);
    assert_eq!(z, [[]; 2]);
    let z = matmul_batch(&[[1.0f64; 0]; 2], &[[]; 3]);
    assert_eq!(z, [[0.0; 2]; 3]);
    let dx = transpose_mul_batch(&[[1.0f32; 4]; 0], &[[]; 2]);
    assert_eq!(dx, [[0.0; 4]; 2]);
    let mut g = [[2.0f64; 3]; 2];
    outer_add_batch(&mut g, &[[1.0; 2]; 0], &[[1.0; 3]; 0]);
    assert_eq!(g, [[2.0; 3]; 2]);
}

#[test]
fn deterministic() {
    on_big_stack(|| {
        fn twice<const K: usize, const M: usize, const B: usize>() {
            let (w, x, dz) = (
                fill::<f32, M, K>(7),
                fill::<f32, B, K>(8),
                fill::<f32, B, M>(9),
            );
            let bits = |m: &[f32]| m.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
            let z = (matmul_batch(&w, &*x), matmul_batch(&w, &*x));
            assert_eq!(bits(z.0.as_flattened()), bits(z.1.as_flattened()));
            let dx = (transpose_mul_batch(&w, &dz), transpose_mul_batch(&w, &dz));
            assert_eq!(bits(dx.0.as_flattened()), bits(dx.1.as_flattened()));
            let (mut g1, mut g2) = (fill::<f32, M, K>(10), fill::<f32, M, K>(10));
            outer_add_batch(&mut g1, &dz, &*x);
            outer_add_batch(&mut g2, &dz, &*x);
            assert_eq!(bits(g1.as_flattened()), bits(g2.as_flattened()));
        }
        twice::<256, 256, 64>();
        twice::<33, 10, 7>();
    });
}

#[test]
fn non_finite_values_stay_in_their_own_outputs() {
    // Edge tiles compute on clamped rows and stale panel columns and throw those results
    // away; an infinity or NaN in one sample must reach exactly the outputs that the triple
    // loop gives it, and no others.
    fn with_specials<
        T: Float + core::fmt::Debug,
        const K: usize,
        const M: usize,
        const B: usize,
    >() {
        let mut w = fill::<T, M, K>(70);
        let mut x = fill::<T, B, K>(71);
        let mut dz = fill::<T, B, M>(72);
        x[B - 1][K - 1] = T::nan();
        x[0][0] = T::infinity();
        w[M - 1][0] = T::neg_infinity();
        dz[B / 2][M - 1] = T::nan();
        let shape = format!("K = {K}, M = {M}, B = {B}");
        assert_same(
            &format!("matmul_batch, {shape}"),
            matmul_batch(&w, &*x).as_flattened(),
            naive_matmul(&w, &x, batch_fused_multiply_add()).as_flattened(),
        );
        assert_same(
            &format!("transpose_mul_batch, {shape}"),
            transpose_mul_batch(&w, &dz).as_flattened(),
            naive_transpose_mul(&w, &dz, batch_fused_multiply_add()).as_flattened(),
        );
        let (mut got, mut want) = (fill::<T, M, K>(73), fill::<T, M, K>(73));
        outer_add_batch(&mut got, &dz, &*x);
        naive_outer_add(&mut want, &dz, &x, batch_fused_multiply_add());
        assert_same(
            &format!("outer_add_batch, {shape}"),
            got.as_flattened(),
            want.as_flattened(),
        );
        // Not every output is poisoned.
        assert!(matmul_batch(&w, &*x)
            .as_flattened()
            .iter()
            .any(|v| v.is_finite()));
    }
    with_specials::<f32, 19, 7, 5>();
    with_specials::<f64, 19, 7, 5>();
    with_specials::<f32, 5, 9, 23>();
    with_specials::<f64, 33, 17, 3>();
}

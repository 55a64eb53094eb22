//! `math::matvec`: each row's sum in the documented order (four partial sums over whole
//! chunks of four, added as (p₀ + p₂) + (p₁ + p₃), then the elements left over one by one),
//! whatever the number of rows and however they are grouped; the closure applied to each row's
//! sum with its index; NaN where the sum meets one. `f32` layers of ≥ 8 inputs and ≥ 64
//! multiply-adds on an x86 processor with AVX2 and FMA: eight fused partial sums, in their
//! documented order.

use nn_runtime::math::{batch_fused_multiply_add, matvec};

/// Row `w`·`x` in the documented order, written out plainly.
fn documented(w: &[f32], x: &[f32]) -> f32 {
    let whole = w.len() / 4 * 4;
    let mut p = [0.0_f32; 4];
    let mut started = false;
    for j in (0..whole).step_by(4) {
        for l in 0..4 {
            let term = w[j + l] * x[j + l];
            // The partial sums start at the first chunk's products.
            p[l] = if started { p[l] + term } else { term };
        }
        started = true;
    }
    let mut s = (p[0] + p[2]) + (p[1] + p[3]);
    for j in whole..w.len() {
        s += w[j] * x[j];
    }
    s
}

/// Row `w`·`x` in the documented order of the AVX2 path: eight partial sums, each term fused,
/// from 0; ((p₀ + p₄) + (p₂ + p₆)) + ((p₁ + p₅) + (p₃ + p₇)); the rest fused one by one.
fn documented_fused(w: &[f32], x: &[f32]) -> f32 {
    let whole = w.len() / 8 * 8;
    let mut p = [0.0_f32; 8];
    for j in (0..whole).step_by(8) {
        for l in 0..8 {
            p[l] = w[j + l].mul_add(x[j + l], p[l]);
        }
    }
    let mut s = ((p[0] + p[4]) + (p[2] + p[6])) + ((p[1] + p[5]) + (p[3] + p[7]));
    for j in whole..w.len() {
        s = w[j].mul_add(x[j], s);
    }
    s
}

/// Values whose sums round differently in different orders.
fn value(seed: &mut u32) -> f32 {
    *seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
    let unit = (*seed >> 8) as f32 / (1u32 << 24) as f32;
    (unit - 0.5) * 2.0 * (1.0 + (*seed & 7) as f32 * 1000.0)
}

fn check<const K: usize, const M: usize>(seed: &mut u32) {
    let w: [[f32; K]; M] = core::array::from_fn(|_| core::array::from_fn(|_| value(seed)));
    let x: [f32; K] = core::array::from_fn(|_| value(seed));
    let b: [f32; M] = core::array::from_fn(|_| value(seed));
    let z = matvec(&w, &x, |i, s| s + b[i]);
    let fused = batch_fused_multiply_add() && K >= 8 && M * K >= 64;
    let order = if fused { documented_fused } else { documented };
    for i in 0..M {
        let want = order(&w[i], &x) + b[i];
        assert_eq!(z[i].to_bits(), want.to_bits(), "K = {K}, M = {M}, row {i}");
        // The same row alone (a group of one instead of eight or four) gives the same bits,
        // where a layer of that one row takes the same path.
        if K >= 64 || !fused {
            let alone = matvec(&[w[i]], &x, |_, s| s);
            assert_eq!(alone[0].to_bits(), order(&w[i], &x).to_bits());
        }
    }
}

macro_rules! shapes {
    ($seed:ident; $($k:literal),*; $m:tt) => { $( shapes!(@row $seed; $k; $m); )* };
    (@row $seed:ident; $k:literal; [$($m:literal),*]) => { $( check::<$k, $m>(&mut $seed); )* };
}

#[test]
fn every_row_is_summed_in_the_documented_order() {
    let mut seed = 7;
    shapes!(seed; 0, 1, 2, 3, 4, 5, 7, 8, 9, 12, 13, 16, 17, 31, 64; [1, 2, 3, 4, 5, 7, 8, 9, 10, 13]);
}

#[test]
fn layers_on_the_avx2_path_are_summed_in_their_documented_order() {
    let mut seed = 11;
    // (K inputs; [M rows]) 8 × 8, 16 × 4 and 64 × 1 are exactly the bounds; rows left over
    // after groups of eight and four; a tail of K mod 8 elements; one row of 1,031.
    shapes!(seed; 8; [8, 9, 16]);
    shapes!(seed; 15; [8, 14]);
    shapes!(seed; 16; [4, 8, 12]);
    shapes!(seed; 64, 67, 129, 257; [1, 16, 13, 31]);
    shapes!(seed; 1031; [1]);
    // Just below the bounds: the portable order.
    shapes!(seed; 8; [7]);
    shapes!(seed; 16; [3]);
    shapes!(seed; 63; [1]);
    shapes!(seed; 7; [10, 16]);
}

#[test]
fn nan_and_infinities_reach_exactly_their_rows_in_large_layers() {
    let mut w = [[0.5_f32; 130]; 13];
    w[3][77] = f32::NAN; // a chunk of the first group of eight
    w[9][129] = f32::NEG_INFINITY; // the tail, in the group of four
    w[12][0] = f32::INFINITY; // the row left over
    let z = matvec(&w, &[2.0; 130], |_, s| s);
    for (i, z) in z.iter().enumerate() {
        match i {
            3 => assert!(z.is_nan()),
            9 => assert_eq!(*z, f32::NEG_INFINITY),
            12 => assert_eq!(*z, f32::INFINITY),
            _ => assert_eq!(*z, 130.0),
        }
    }
}

#[test]
fn the_closure_gets_each_row_index_once() {
    let w = [[1.0_f64, 2.0]; 6];
    let x = [3.0, 4.0];
    assert_eq!(
        matvec(&w, &x, |i, s| s * 100.0 + i as f64),
        [1100.0, 1101.0, 1102.0, 1103.0, 1104.0, 1105.0]
    );
    let z: [f64; 0] = matvec(&[[1.0_f64; 3]; 0], &[1.0; 3], |_, s| s);
    assert_eq!(z, []);
}

#[test]
fn nan_and_infinities_reach_exactly_their_rows() {
    let mut w = [[1.0_f32; 9]; 6];
    w[2][5] = f32::NAN; // in a chunk of the first group of four rows
    w[5][8] = f32::INFINITY; // in the tail of a row left over
    let z = matvec(&w, &[1.0; 9], |_, s| s);
    for (i, z) in z.iter().enumerate() {
        match i {
            2 => assert!(z.is_nan()),
            5 => assert_eq!(*z, f32::INFINITY),
            _ => assert_eq!(*z, 9.0),
        }
    }
    // A NaN in x reaches every row.
    let mut x = [1.0_f32; 9];
    x[0] = f32::NAN;
    assert!(matvec(&w, &x, |_, s| s).iter().all(|z| z.is_nan()));
    // ∞·0 has no value.
    let z = matvec(&[[f32::INFINITY, 1.0]], &[0.0, 1.0], |_, s| s);
    assert!(z[0].is_nan());
}

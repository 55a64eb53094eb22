//! The convolution and pooling kernels against their definitions and their gradients against
//! central finite differences (f64, relative error < 1e-6), over many shapes, strides and
//! paddings; max pooling's ties and NaN.

use nn_runtime::math::conv::*;
use nn_runtime::math::ByRef;

/// A small deterministic generator (xorshift64*), values in [−1, 1).
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        let bits = self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11;
        2.0 * (bits as f64 / (1u64 << 53) as f64) - 1.0
    }
    fn fill<const N: usize>(&mut self) -> [f64; N] {
        core::array::from_fn(|_| self.next())
    }
}

/// Whether `got` agrees with `want` to a relative error below 1e-6 (absolute near zero).
fn agree(got: f64, want: f64) -> bool {
    (got - want).abs() <= 1e-6 * want.abs().max(1e-3)
}

macro_rules! conv1d_case {
    ($name:ident, CI = $ci:literal, L = $l:literal, CO = $co:literal, K = $k:literal, S = $s:literal, P = $p:literal) => {
        #[test]
        fn $name() {
            const LO: usize = ($l + 2 * $p - $k) / $s + 1;
            let mut rng = Rng(0x1234_5678 ^ ($l * 131 + $k * 17 + $s * 5 + $p) as u64);
            let x: [[f64; $l]; $ci] = core::array::from_fn(|_| rng.fill());
            let kernel: [[[f64; $k]; $ci]; $co] =
                core::array::from_fn(|_| core::array::from_fn(|_| rng.fill()));
            let r: [[f64; LO]; $co] = core::array::from_fn(|_| rng.fill());
            // The definition, written out.
            let z = conv1d::<f64, $ci, $l, $co, $k, LO, $s, $p>(&kernel, &x);
            for o in 0..$co {
                for t in 0..LO {
                    let mut want = 0.0;
                    for c in 0..$ci {
                        for k in 0..$k {
                            let i = (t * $s + k) as isize - $p as isize;
                            if (0..$l as isize).contains(&i) {
                                want += kernel[o][c][k] * x[c][i as usize];
                            }
                        }
                    }
                    assert!(
                        agree(z[o][t], want),
                        "z[{o}][{t}] = {} against {want}",
                        z[o][t]
                    );
                }
            }
            // L = Σ r ⊙ z, so ∂L/∂z = r.
            let loss = |kernel: &[[[f64; $k]; $ci]; $co], x: &[[f64; $l]; $ci]| -> f64 {
                let z = conv1d::<f64, $ci, $l, $co, $k, LO, $s, $p>(kernel, x);
                z.iter()
                    .zip(&r)
                    .map(|(z, r)| z.iter().zip(r).map(|(z, r)| z * r).sum::<f64>())
                    .sum()
            };
            let mut dk = [[[0.0; $k]; $ci]; $co];
            conv1d_kernel_gradient::<f64, $ci, $l, $co, $k, LO, $s, $p>(&mut dk, &x, &r);
            let dx = conv1d_input_gradient::<f64, $ci, $l, $co, $k, LO, $s, $p>(&kernel, &r);
            for o in 0..$co {
                for c in 0..$ci {
                    for k in 0..$k {
                        let fd = {
                            let h = 1e-5;
                            let (mut up, mut down) = (kernel, kernel);
                            up[o][c][k] += h;
                            down[o][c][k] -= h;
                            (loss(&up, &x) - loss(&down, &x)) / (2.0 * h)
                        };
                        assert!(
                            agree(dk[o][c][k], fd),
                            "∂L/∂K[{o}][{c}][{k}] = {} against {fd}",
                            dk[o][c][k]
                        );
                    }
                }
            }
            for c in 0..$ci {
                for i in 0..$l {
                    let fd = {
                        let h = 1e-5;
                        let (mut up, mut down) = (x, x);
                        up[c][i] += h;
                        down[c][i] -= h;
                        (loss(&kernel, &up) - loss(&kernel, &down)) / (2.0 * h)
                    };
                    assert!(
                        agree(dx[c][i], fd),
                        "∂L/∂x[{c}][{i}] = {} against {fd}",
                        dx[c][i]
                    );
                }
            }
        }
    };
}

conv1d_case!(conv1d_valid, CI = 1, L = 8, CO = 1, K = 3, S = 1, P = 0);
conv1d_case!(conv1d_same, CI = 2, L = 9, CO = 3, K = 3, S = 1, P = 1);
conv1d_case!(conv1d_same_5, CI = 3, L = 12, CO = 2, K = 5, S = 1, P = 2);
conv1d_case!(conv1d_stride_2, CI = 2, L = 11, CO = 4, K = 3, S = 2, P = 0);
conv1d_case!(
    conv1d_stride_3_padded,
    CI = 1,
    L = 10,
    CO = 2,
    K = 4,
    S = 3,
    P = 2
);
conv1d_case!(
    conv1d_kernel_as_long_as_input,
    CI = 2,
    L = 5,
    CO = 2,
    K = 5,
    S = 1,
    P = 0
);
conv1d_case!(
    conv1d_padding_wider_than_kernel,
    CI = 2,
    L = 6,
    CO = 2,
    K = 1,
    S = 1,
    P = 2
);
conv1d_case!(
    conv1d_padding_wider_strided,
    CI = 1,
    L = 7,
    CO = 3,
    K = 2,
    S = 3,
    P = 3
);
conv1d_case!(
    conv1d_mnist1d_layer,
    CI = 1,
    L = 40,
    CO = 8,
    K = 5,
    S = 2,
    P = 2
);

macro_rules! conv2d_case {
    ($name:ident, CI = $ci:literal, H = $h:literal, W = $w:literal, CO = $co:literal, K = $k:literal, S = $s:literal, P = $p:literal) => {
        #[test]
        fn $name() {
            const HO: usize = ($h + 2 * $p - $k) / $s + 1;
            const WO: usize = ($w + 2 * $p - $k) / $s + 1;
            let mut rng = Rng(0x9E37_79B9 ^ ($h * 31 + $w * 7 + $k * 3 + $s + $p) as u64);
            let x: [[[f64; $w]; $h]; $ci] =
                core::array::from_fn(|_| core::array::from_fn(|_| rng.fill()));
            let kernel: [[[[f64; $k]; $k]; $ci]; $co] = core::array::from_fn(|_| {
                core::array::from_fn(|_| core::array::from_fn(|_| rng.fill()))
            });
            let r: [[[f64; WO]; HO]; $co] =
                core::array::from_fn(|_| core::array::from_fn(|_| rng.fill()));
            let z = conv2d::<f64, $ci, $h, $w, $co, $k, HO, WO, $s, $p>(&kernel, &x);
            for o in 0..$co {
                for a in 0..HO {
                    for b in 0..WO {
                        let mut want = 0.0;
                        for c in 0..$ci {
                            for u in 0..$k {
                                for v in 0..$k {
                                    let i = (a * $s + u) as isize - $p as isize;
                                    let j = (b * $s + v) as isize - $p as isize;
                                    if (0..$h as isize).contains(&i)
                                        && (0..$w as isize).contains(&j)
                                    {
                                        want += kernel[o][c][u][v] * x[c][i as usize][j as usize];
                                    }
                                }
                            }
                        }
                        assert!(agree(z[o][a][b], want), "z[{o}][{a}][{b}]");
                    }
                }
            }
            let loss =
                |kernel: &[[[[f64; $k]; $k]; $ci]; $co], x: &[[[f64; $w]; $h]; $ci]| -> f64 {
                    let z = conv2d::<f64, $ci, $h, $w, $co, $k, HO, WO, $s, $p>(kernel, x);
                    let mut total = 0.0;
                    for o in 0..$co {
                        for a in 0..HO {
                            for b in 0..WO {
                                total += z[o][a][b] * r[o][a][b];
                            }
                        }
                    }
                    total
                };
            let mut dk = [[[[0.0; $k]; $k]; $ci]; $co];
            conv2d_kernel_gradient::<f64, $ci, $h, $w, $co, $k, HO, WO, $s, $p>(&mut dk, &x, &r);
            let dx =
                conv2d_input_gradient::<f64, $ci, $h, $w, $co, $k, HO, WO, $s, $p>(&kernel, &r);
            let h = 1e-5;
            for o in 0..$co {
                for c in 0..$ci {
                    for u in 0..$k {
                        for v in 0..$k {
                            let (mut up, mut down) = (kernel, kernel);
                            up[o][c][u][v] += h;
                            down[o][c][u][v] -= h;
                            let fd = (loss(&up, &x) - loss(&down, &x)) / (2.0 * h);
                            assert!(
                                agree(dk[o][c][u][v], fd),
                                "∂L/∂K[{o}][{c}][{u}][{v}] = {} against {fd}",
                                dk[o][c][u][v]
                            );
                        }
                    }
                }
            }
            for c in 0..$ci {
                for i in 0..$h {
                    for j in 0..$w {
                        let (mut up, mut down) = (x, x);
                        up[c][i][j] += h;
                        down[c][i][j] -= h;
                        let fd = (loss(&kernel, &up) - loss(&kernel, &down)) / (2.0 * h);
                        assert!(
                            agree(dx[c][i][j], fd),
                            "∂L/∂x[{c}][{i}][{j}] = {} against {fd}",
                            dx[c][i][j]
                        );
                    }
                }
            }
        }
    };
}

conv2d_case!(
    conv2d_valid,
    CI = 1,
    H = 6,
    W = 6,
    CO = 2,
    K = 3,
    S = 1,
    P = 0
);
conv2d_case!(
    conv2d_same,
    CI = 2,
    H = 5,
    W = 7,
    CO = 2,
    K = 3,
    S = 1,
    P = 1
);
conv2d_case!(
    conv2d_stride_2,
    CI = 1,
    H = 8,
    W = 8,
    CO = 3,
    K = 3,
    S = 2,
    P = 1
);
conv2d_case!(
    conv2d_lenet_digits,
    CI = 1,
    H = 8,
    W = 8,
    CO = 4,
    K = 5,
    S = 1,
    P = 2
);

macro_rules! pool1d_case {
    ($name:ident, C = $c:literal, L = $l:literal, WIN = $win:literal, S = $s:literal) => {
        #[test]
        fn $name() {
            const LO: usize = ($l - $win) / $s + 1;
            let mut rng = Rng(77 + ($l * 13 + $win * 5 + $s) as u64);
            let x: [[f64; $l]; $c] = core::array::from_fn(|_| rng.fill());
            let r: [[f64; LO]; $c] = core::array::from_fn(|_| rng.fill());
            let y = max_pool1d::<f64, $c, $l, $win, $s, LO>(&x);
            let m = avg_pool1d::<f64, $c, $l, $win, $s, LO>(&x);
            for c in 0..$c {
                for t in 0..LO {
                    let window = &x[c][t * $s..t * $s + $win];
                    assert_eq!(
                        y[c][t],
                        window.iter().cloned().fold(f64::NEG_INFINITY, f64::max)
                    );
                    assert!(agree(m[c][t], window.iter().sum::<f64>() / $win as f64));
                }
            }
            let dmax = max_pool1d_gradient::<f64, $c, $l, $win, $s, LO>(&x, &r);
            let davg = avg_pool1d_gradient::<f64, $c, $l, $win, $s, LO>(&r);
            let weigh = |y: &[[f64; LO]; $c]| -> f64 {
                y.iter()
                    .zip(&r)
                    .map(|(y, r)| y.iter().zip(r).map(|(y, r)| y * r).sum::<f64>())
                    .sum()
            };
            let h = 1e-6;
            for c in 0..$c {
                for i in 0..$l {
                    let (mut up, mut down) = (x, x);
                    up[c][i] += h;
                    down[c][i] -= h;
                    let fd_max = (weigh(&max_pool1d::<f64, $c, $l, $win, $s, LO>(&up))
                        - weigh(&max_pool1d::<f64, $c, $l, $win, $s, LO>(&down)))
                        / (2.0 * h);
                    let fd_avg = (weigh(&avg_pool1d::<f64, $c, $l, $win, $s, LO>(&up))
                        - weigh(&avg_pool1d::<f64, $c, $l, $win, $s, LO>(&down)))
                        / (2.0 * h);
                    assert!(
                        agree(dmax[c][i], fd_max),
                        "max ∂L/∂x[{c}][{i}] = {} against {fd_max}",
                        dmax[c][i]
                    );
                    assert!(
                        agree(davg[c][i], fd_avg),
                        "avg ∂L/∂x[{c}][{i}] = {} against {fd_avg}",
                        davg[c][i]
                    );
                }
            }
        }
    };
}

pool1d_case!(pool1d_pairs, C = 2, L = 8, WIN = 2, S = 2);
pool1d_case!(pool1d_overlapping, C = 3, L = 9, WIN = 3, S = 1);
pool1d_case!(pool1d_stride_not_dividing, C = 1, L = 10, WIN = 3, S = 2);
pool1d_case!(pool1d_whole, C = 2, L = 5, WIN = 5, S = 1);

macro_rules! pool2d_case {
    ($name:ident, C = $c:literal, H = $h:literal, W = $w:literal, WIN = $win:literal, S = $s:literal) => {
        #[test]
        fn $name() {
            const HO: usize = ($h - $win) / $s + 1;
            const WO: usize = ($w - $win) / $s + 1;
            let mut rng = Rng(99 + ($h * 13 + $w * 7 + $win * 5 + $s) as u64);
            let x: [[[f64; $w]; $h]; $c] =
                core::array::from_fn(|_| core::array::from_fn(|_| rng.fill()));
            let r: [[[f64; WO]; HO]; $c] =
                core::array::from_fn(|_| core::array::from_fn(|_| rng.fill()));
            let dmax = max_pool2d_gradient::<f64, $c, $h, $w, $win, $s, HO, WO>(&x, &r);
            let davg = avg_pool2d_gradient::<f64, $c, $h, $w, $win, $s, HO, WO>(&r);
            let weigh = |y: &[[[f64; WO]; HO]; $c]| -> f64 {
                let mut total = 0.0;
                for c in 0..$c {
                    for a in 0..HO {
                        for b in 0..WO {
                            total += y[c][a][b] * r[c][a][b];
                        }
                    }
                }
                total
            };
            let h = 1e-6;
            for c in 0..$c {
                for i in 0..$h {
                    for j in 0..$w {
                        let (mut up, mut down) = (x, x);
                        up[c][i][j] += h;
                        down[c][i][j] -= h;
                        let fd_max = (weigh(&max_pool2d::<f64, $c, $h, $w, $win, $s, HO, WO>(&up))
                            - weigh(&max_pool2d::<f64, $c, $h, $w, $win, $s, HO, WO>(&down)))
                            / (2.0 * h);
                        let fd_avg = (weigh(&avg_pool2d::<f64, $c, $h, $w, $win, $s, HO, WO>(&up))
                            - weigh(&avg_pool2d::<f64, $c, $h, $w, $win, $s, HO, WO>(&down)))
                            / (2.0 * h);
                        assert!(agree(dmax[c][i][j], fd_max), "max ∂L/∂x[{c}][{i}][{j}]");
                        assert!(agree(davg[c][i][j], fd_avg), "avg ∂L/∂x[{c}][{i}][{j}]");
                    }
                }
            }
        }
    };
}

pool2d_case!(pool2d_pairs, C = 2, H = 6, W = 6, WIN = 2, S = 2);
pool2d_case!(pool2d_overlapping, C = 1, H = 7, W = 5, WIN = 3, S = 1);
pool2d_case!(
    pool2d_stride_not_dividing,
    C = 2,
    H = 9,
    W = 8,
    WIN = 3,
    S = 2
);

/// Ties go to the first of equal elements; a NaN in a window is its maximum, so it reaches
/// the output and its gradient goes there.
#[test]
fn max_pooling_ties_go_first_and_nan_is_kept() {
    let x = [[2.0, 2.0, 1.0, 1.0]];
    let dx = max_pool1d_gradient::<f64, 1, 4, 2, 2, 2>(&x, &[[1.0, 5.0]]);
    assert_eq!(dx, [[1.0, 0.0, 5.0, 0.0]]);
    let x = [[1.0, f64::NAN, 3.0, 0.0]];
    let y = max_pool1d::<f64, 1, 4, 2, 2, 2>(&x);
    assert!(y[0][0].is_nan());
    assert_eq!(y[0][1], 3.0);
    let dx = max_pool1d_gradient::<f64, 1, 4, 2, 2, 2>(&x, &[[1.0, 1.0]]);
    assert_eq!(dx, [[0.0, 1.0, 1.0, 0.0]]);
    let x = [[[-1.0, -1.0], [-1.0, -1.0]]];
    let dx = max_pool2d_gradient::<f64, 1, 2, 2, 2, 1, 1, 1>(&x, &[[[1.0]]]);
    assert_eq!(dx, [[[1.0, 0.0], [0.0, 0.0]]]);
}

#[test]
fn channel_bias_and_flatten() {
    let z = [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]];
    assert_eq!(
        add_channel_bias(&z, &[10.0, 20.0, 30.0]),
        [[11.0, 12.0], [23.0, 24.0], [35.0, 36.0]]
    );
    let mut g = [1.0, 0.0, 0.0];
    channel_bias_gradient(&mut g, &z);
    assert_eq!(g, [4.0, 7.0, 11.0]);
    let f: [f64; 6] = flatten(&z);
    assert_eq!(f, [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
    assert_eq!(unflatten::<f64, 3, 2, 6>(&f), z);
}

macro_rules! conv1d_batch_case {
    ($name:ident, B = $b:literal, CI = $ci:literal, L = $l:literal, CO = $co:literal, K = $k:literal, S = $s:literal, P = $p:literal) => {
        /// The batched convolution (im2col through the tiled batch kernels) against the
        /// per-sample one: outputs, kernel gradient summed over the batch, input gradients.
        #[test]
        fn $name() {
            const LO: usize = ($l + 2 * $p - $k) / $s + 1;
            const KK: usize = $ci * $k;
            const R: usize = $b * LO;
            let mut rng = Rng(0xBA7C ^ ($l * 7 + $k * 3 + $s + $p + $b * 11) as u64);
            let x: [[[f64; $l]; $ci]; $b] =
                core::array::from_fn(|_| core::array::from_fn(|_| rng.fill()));
            let kernel: [[[f64; $k]; $ci]; $co] =
                core::array::from_fn(|_| core::array::from_fn(|_| rng.fill()));
            let dz: [[[f64; LO]; $co]; $b] =
                core::array::from_fn(|_| core::array::from_fn(|_| rng.fill()));
            let mut columns = Box::new([[0.0; KK]; R]);
            let mut z = [[[0.0; LO]; $co]; $b];
            conv1d_batch::<f64, $ci, $l, $co, $k, LO, $s, $p, $b, KK, R>(
                &kernel,
                &x,
                &mut columns,
                &mut z,
            );
            let mut grad = [[[0.5; $k]; $ci]; $co];
            let mut dx = [[[9.0; $l]; $ci]; $b];
            conv1d_batch_gradients::<f64, $ci, $l, $co, $k, LO, $s, $p, $b, KK, R>(
                &kernel,
                &columns,
                &dz,
                &mut grad,
                Some(&mut dx),
            );
            // Without the input gradient, the same kernel gradient.
            let mut alone = [[[0.5; $k]; $ci]; $co];
            conv1d_batch_gradients::<f64, $ci, $l, $co, $k, LO, $s, $p, $b, KK, R>(
                &kernel, &columns, &dz, &mut alone, None,
            );
            assert_eq!(alone, grad);
            let mut want_grad = [[[0.5; $k]; $ci]; $co];
            for s in 0..$b {
                let want = conv1d::<f64, $ci, $l, $co, $k, LO, $s, $p>(&kernel, &x[s]);
                let want_dx =
                    conv1d_input_gradient::<f64, $ci, $l, $co, $k, LO, $s, $p>(&kernel, &dz[s]);
                conv1d_kernel_gradient::<f64, $ci, $l, $co, $k, LO, $s, $p>(
                    &mut want_grad,
                    &x[s],
                    &dz[s],
                );
                for o in 0..$co {
                    for t in 0..LO {
                        assert!(
                            agree(z[s][o][t], want[o][t]),
                            "z[{s}][{o}][{t}] = {} against {}",
                            z[s][o][t],
                            want[o][t]
                        );
                    }
                }
                for c in 0..$ci {
                    for i in 0..$l {
                        assert!(
                            agree(dx[s][c][i], want_dx[c][i]),
                            "dx[{s}][{c}][{i}] = {} against {}",
                            dx[s][c][i],
                            want_dx[c][i]
                        );
                    }
                }
            }
            for o in 0..$co {
                for c in 0..$ci {
                    for k in 0..$k {
                        assert!(
                            agree(grad[o][c][k], want_grad[o][c][k]),
                            "grad[{o}][{c}][{k}]"
                        );
                    }
                }
            }
            // The samples held by reference, in reverse order: the same columns, reversed by
            // sample, and each sample's z bit for bit.
            let refs = ByRef(core::array::from_fn(|s| &x[$b - 1 - s]));
            let mut columns_refs = Box::new([[f64::NAN; KK]; R]);
            let mut z_refs = [[[f64::NAN; LO]; $co]; $b];
            conv1d_batch::<f64, $ci, $l, $co, $k, LO, $s, $p, $b, KK, R>(
                &kernel,
                &refs,
                &mut columns_refs,
                &mut z_refs,
            );
            for s in 0..$b {
                let (mine, theirs) = (s * LO, ($b - 1 - s) * LO);
                assert_eq!(columns_refs[mine..mine + LO], columns[theirs..theirs + LO]);
                assert_eq!(z_refs[s], z[$b - 1 - s], "z of sample {s} by reference");
            }
        }
    };
}

conv1d_batch_case!(
    conv1d_batch_valid,
    B = 3,
    CI = 2,
    L = 9,
    CO = 4,
    K = 3,
    S = 1,
    P = 0
);
conv1d_batch_case!(
    conv1d_batch_strided_padded,
    B = 5,
    CI = 3,
    L = 12,
    CO = 2,
    K = 5,
    S = 2,
    P = 1
);
conv1d_batch_case!(
    conv1d_batch_mnist1d_second_layer,
    B = 4,
    CI = 25,
    L = 19,
    CO = 25,
    K = 3,
    S = 2,
    P = 1
);
conv1d_batch_case!(
    conv1d_batch_padding_wider,
    B = 2,
    CI = 1,
    L = 6,
    CO = 3,
    K = 1,
    S = 1,
    P = 2
);

/// The tiled convolutions give the tap-by-tap ones' values and gradients (the same sums in
/// another order: equal within rounding).
macro_rules! tiled_case {
    ($name:ident, 1d, CI = $ci:literal, L = $l:literal, CO = $co:literal, K = $k:literal, S = $s:literal, P = $p:literal) => {
        #[test]
        fn $name() {
            const LO: usize = ($l + 2 * $p - $k) / $s + 1;
            const KK: usize = $ci * $k;
            let mut rng = Rng(0x7111 ^ ($l * 31 + $k * 7 + $s * 3 + $p) as u64);
            let x: [[f64; $l]; $ci] = core::array::from_fn(|_| rng.fill());
            let kernel: [[[f64; $k]; $ci]; $co] =
                core::array::from_fn(|_| core::array::from_fn(|_| rng.fill()));
            let dz: [[f64; LO]; $co] = core::array::from_fn(|_| rng.fill());
            let close = |a: &[f64], b: &[f64]| a.iter().zip(b).all(|(a, b)| (a - b).abs() < 1e-12);
            let z = conv1d::<f64, $ci, $l, $co, $k, LO, $s, $p>(&kernel, &x);
            let zt = conv1d_tiled::<f64, $ci, $l, $co, $k, LO, $s, $p, KK>(&kernel, &x);
            assert!(close(z.as_flattened(), zt.as_flattened()), "{z:?} {zt:?}");
            let (mut g, mut gt) = ([[[0.5; $k]; $ci]; $co], [[[0.5; $k]; $ci]; $co]);
            conv1d_kernel_gradient::<f64, $ci, $l, $co, $k, LO, $s, $p>(&mut g, &x, &dz);
            conv1d_kernel_gradient_tiled::<f64, $ci, $l, $co, $k, LO, $s, $p, KK>(&mut gt, &x, &dz);
            assert!(close(
                g.as_flattened().as_flattened(),
                gt.as_flattened().as_flattened()
            ));
            let dx = conv1d_input_gradient::<f64, $ci, $l, $co, $k, LO, $s, $p>(&kernel, &dz);
            let dxt =
                conv1d_input_gradient_tiled::<f64, $ci, $l, $co, $k, LO, $s, $p, KK>(&kernel, &dz);
            assert!(close(dx.as_flattened(), dxt.as_flattened()));
        }
    };
    ($name:ident, 2d, CI = $ci:literal, H = $h:literal, W = $w:literal, CO = $co:literal, K = $k:literal, S = $s:literal, P = $p:literal) => {
        #[test]
        fn $name() {
            const HO: usize = ($h + 2 * $p - $k) / $s + 1;
            const WO: usize = ($w + 2 * $p - $k) / $s + 1;
            const KK: usize = $ci * $k * $k;
            const NP: usize = HO * WO;
            let mut rng = Rng(0x2d2d ^ ($h * 31 + $w * 11 + $k * 7 + $s * 3 + $p) as u64);
            let x: [[[f64; $w]; $h]; $ci] =
                core::array::from_fn(|_| core::array::from_fn(|_| rng.fill()));
            let kernel: [[[[f64; $k]; $k]; $ci]; $co] = core::array::from_fn(|_| {
                core::array::from_fn(|_| core::array::from_fn(|_| rng.fill()))
            });
            let dz: [[[f64; WO]; HO]; $co] =
                core::array::from_fn(|_| core::array::from_fn(|_| rng.fill()));
            let close = |a: &[f64], b: &[f64]| a.iter().zip(b).all(|(a, b)| (a - b).abs() < 1e-12);
            let z = conv2d::<f64, $ci, $h, $w, $co, $k, HO, WO, $s, $p>(&kernel, &x);
            let zt = conv2d_tiled::<f64, $ci, $h, $w, $co, $k, HO, WO, $s, $p, KK, NP>(&kernel, &x);
            assert!(close(
                z.as_flattened().as_flattened(),
                zt.as_flattened().as_flattened()
            ));
            let (mut g, mut gt) = ([[[[0.5; $k]; $k]; $ci]; $co], [[[[0.5; $k]; $k]; $ci]; $co]);
            conv2d_kernel_gradient::<f64, $ci, $h, $w, $co, $k, HO, WO, $s, $p>(&mut g, &x, &dz);
            conv2d_kernel_gradient_tiled::<f64, $ci, $h, $w, $co, $k, HO, WO, $s, $p, KK, NP>(
                &mut gt, &x, &dz,
            );
            let flat = |g: &[[[[f64; $k]; $k]; $ci]; $co]| -> Vec<f64> {
                g.iter().flatten().flatten().flatten().copied().collect()
            };
            assert!(close(&flat(&g), &flat(&gt)));
            let dx =
                conv2d_input_gradient::<f64, $ci, $h, $w, $co, $k, HO, WO, $s, $p>(&kernel, &dz);
            let dxt =
                conv2d_input_gradient_tiled::<f64, $ci, $h, $w, $co, $k, HO, WO, $s, $p, KK, NP>(
                    &kernel, &dz,
                );
            assert!(close(
                dx.as_flattened().as_flattened(),
                dxt.as_flattened().as_flattened()
            ));
        }
    };
}

tiled_case!(
    tiled_1d_mnist1d_second_layer,
    1d,
    CI = 25,
    L = 19,
    CO = 25,
    K = 3,
    S = 2,
    P = 1
);
tiled_case!(
    tiled_1d_valid,
    1d,
    CI = 3,
    L = 11,
    CO = 4,
    K = 5,
    S = 1,
    P = 0
);
tiled_case!(
    tiled_1d_wide_padding,
    1d,
    CI = 2,
    L = 4,
    CO = 3,
    K = 3,
    S = 3,
    P = 3
);
tiled_case!(
    tiled_2d_same,
    2d,
    CI = 3,
    H = 6,
    W = 5,
    CO = 4,
    K = 3,
    S = 1,
    P = 1
);
tiled_case!(
    tiled_2d_strided,
    2d,
    CI = 2,
    H = 9,
    W = 7,
    CO = 5,
    K = 3,
    S = 2,
    P = 2
);

/// The batch's convolutions in (sample, position) rows give every sample's tap-by-tap values
/// and gradients, for batches that fill several chunks of rows and a part of one.
macro_rules! rows_case {
    ($name:ident, 1d, B = $b:literal, CI = $ci:literal, L = $l:literal, CO = $co:literal, K = $k:literal, S = $s:literal, P = $p:literal) => {
        #[test]
        fn $name() {
            const LO: usize = ($l + 2 * $p - $k) / $s + 1;
            const KK: usize = $ci * $k;
            let mut rng = Rng(0x3030 ^ ($b * 101 + $l * 31 + $k * 7 + $s * 3 + $p) as u64);
            let x: [[[f64; $l]; $ci]; $b] =
                core::array::from_fn(|_| core::array::from_fn(|_| rng.fill()));
            let kernel: [[[f64; $k]; $ci]; $co] =
                core::array::from_fn(|_| core::array::from_fn(|_| rng.fill()));
            let dz: [[[f64; LO]; $co]; $b] =
                core::array::from_fn(|_| core::array::from_fn(|_| rng.fill()));
            let close = |a: &[f64], b: &[f64]| a.iter().zip(b).all(|(a, b)| (a - b).abs() < 1e-12);
            // z starts as NaN: every element must be written; dx at 0.25: the gradient is added.
            let mut z = [[[f64::NAN; LO]; $co]; $b];
            conv1d_rows::<f64, $ci, $l, $co, $k, LO, $s, $p, KK, $b>(&mut z, &kernel, &x);
            let mut dx = [[[0.25; $l]; $ci]; $b];
            conv1d_input_gradient_rows::<f64, $ci, $l, $co, $k, LO, $s, $p, KK, $b>(&mut dx, &kernel, &dz);
            let mut g = [[[0.25; $k]; $ci]; $co];
            conv1d_kernel_gradient_rows::<f64, $ci, $l, $co, $k, LO, $s, $p, KK, $b>(&mut g, &x, &dz);
            let mut want = [[[0.25; $k]; $ci]; $co];
            for s in 0..$b {
                let zs = conv1d::<f64, $ci, $l, $co, $k, LO, $s, $p>(&kernel, &x[s]);
                assert!(close(zs.as_flattened(), z[s].as_flattened()), "z of sample {s}");
                let dxs = conv1d_input_gradient::<f64, $ci, $l, $co, $k, LO, $s, $p>(&kernel, &dz[s])
                    .map(|c| c.map(|v| v + 0.25));
                assert!(close(dxs.as_flattened(), dx[s].as_flattened()), "dx of sample {s}");
                conv1d_kernel_gradient::<f64, $ci, $l, $co, $k, LO, $s, $p>(&mut want, &x[s], &dz[s]);
            }
            assert!(close(want.as_flattened().as_flattened(), g.as_flattened().as_flattened()));
            // The samples held by reference, in reverse order: each sample's z bit for bit,
            // the kernel gradient (summed in another order) within rounding.
            let refs = ByRef(core::array::from_fn(|s| &x[$b - 1 - s]));
            let mut z_refs = [[[f64::NAN; LO]; $co]; $b];
            conv1d_rows::<f64, $ci, $l, $co, $k, LO, $s, $p, KK, $b>(&mut z_refs, &kernel, &refs);
            let mut dz_reversed = dz;
            dz_reversed.reverse();
            let mut g_refs = [[[0.25; $k]; $ci]; $co];
            conv1d_kernel_gradient_rows::<f64, $ci, $l, $co, $k, LO, $s, $p, KK, $b>(&mut g_refs, &refs, &dz_reversed);
            for s in 0..$b {
                assert_eq!(z_refs[s], z[$b - 1 - s], "z of sample {s} by reference");
            }
            assert!(close(g_refs.as_flattened().as_flattened(), g.as_flattened().as_flattened()));
        }
    };
    ($name:ident, 2d, B = $b:literal, CI = $ci:literal, H = $h:literal, W = $w:literal, CO = $co:literal, K = $k:literal, S = $s:literal, P = $p:literal) => {
        #[test]
        fn $name() {
            const HO: usize = ($h + 2 * $p - $k) / $s + 1;
            const WO: usize = ($w + 2 * $p - $k) / $s + 1;
            const KK: usize = $ci * $k * $k;
            const NP: usize = HO * WO;
            let mut rng = Rng(0x4040 ^ ($b * 101 + $h * 31 + $w * 11 + $k * 7 + $s * 3 + $p) as u64);
            let x: [[[[f64; $w]; $h]; $ci]; $b] = core::array::from_fn(|_| {
                core::array::from_fn(|_| core::array::from_fn(|_| rng.fill()))
            });
            let kernel: [[[[f64; $k]; $k]; $ci]; $co] = core::array::from_fn(|_| {
                core::array::from_fn(|_| core::array::from_fn(|_| rng.fill()))
            });
            let dz: [[[[f64; WO]; HO]; $co]; $b] = core::array::from_fn(|_| {
                core::array::from_fn(|_| core::array::from_fn(|_| rng.fill()))
            });
            let flat3 = |a: &[[[f64; WO]; HO]; $co]| -> Vec<f64> { a.iter().flatten().flatten().copied().collect() };
            let flat_in = |a: &[[[f64; $w]; $h]; $ci]| -> Vec<f64> { a.iter().flatten().flatten().copied().collect() };
            let close = |a: &[f64], b: &[f64]| a.iter().zip(b).all(|(a, b)| (a - b).abs() < 1e-12);
            // z starts as NaN: every element must be written; dx at 0.25: the gradient is added.
            let mut z = [[[[f64::NAN; WO]; HO]; $co]; $b];
            conv2d_rows::<f64, $ci, $h, $w, $co, $k, HO, WO, $s, $p, KK, NP, $b>(&mut z, &kernel, &x);
            let mut dx = [[[[0.25; $w]; $h]; $ci]; $b];
            conv2d_input_gradient_rows::<f64, $ci, $h, $w, $co, $k, HO, WO, $s, $p, KK, NP, $b>(&mut dx, &kernel, &dz);
            let mut g = [[[[0.25; $k]; $k]; $ci]; $co];
            conv2d_kernel_gradient_rows::<f64, $ci, $h, $w, $co, $k, HO, WO, $s, $p, KK, NP, $b>(&mut g, &x, &dz);
            let mut want = [[[[0.25; $k]; $k]; $ci]; $co];
            for s in 0..$b {
                let zs = conv2d::<f64, $ci, $h, $w, $co, $k, HO, WO, $s, $p>(&kernel, &x[s]);
                assert!(close(&flat3(&zs), &flat3(&z[s])), "z of sample {s}");
                let dxs = conv2d_input_gradient::<f64, $ci, $h, $w, $co, $k, HO, WO, $s, $p>(&kernel, &dz[s])
                    .map(|c| c.map(|r| r.map(|v| v + 0.25)));
                assert!(close(&flat_in(&dxs), &flat_in(&dx[s])), "dx of sample {s}");
                conv2d_kernel_gradient::<f64, $ci, $h, $w, $co, $k, HO, WO, $s, $p>(&mut want, &x[s], &dz[s]);
            }
            let flat_k = |a: &[[[[f64; $k]; $k]; $ci]; $co]| -> Vec<f64> { a.iter().flatten().flatten().flatten().copied().collect() };
            assert!(close(&flat_k(&want), &flat_k(&g)));
            // The samples held by reference, in reverse order (as in the 1-D case).
            let refs = ByRef(core::array::from_fn(|s| &x[$b - 1 - s]));
            let mut z_refs = [[[[f64::NAN; WO]; HO]; $co]; $b];
            conv2d_rows::<f64, $ci, $h, $w, $co, $k, HO, WO, $s, $p, KK, NP, $b>(&mut z_refs, &kernel, &refs);
            let mut dz_reversed = dz;
            dz_reversed.reverse();
            let mut g_refs = [[[[0.25; $k]; $k]; $ci]; $co];
            conv2d_kernel_gradient_rows::<f64, $ci, $h, $w, $co, $k, HO, WO, $s, $p, KK, NP, $b>(&mut g_refs, &refs, &dz_reversed);
            for s in 0..$b {
                assert_eq!(z_refs[s], z[$b - 1 - s], "z of sample {s} by reference");
            }
            assert!(close(&flat_k(&g_refs), &flat_k(&g)));
        }
    };
}

rows_case!(
    rows_1d_mnist1d_second_layer,
    1d,
    B = 16,
    CI = 25,
    L = 19,
    CO = 25,
    K = 3,
    S = 2,
    P = 1
);
// 80 rows: a chunk of 48, then 32 rows in the same buffers, whose last 16 rows still hold the
// first chunk's (the kernel gradient must not sum them).
rows_case!(
    rows_1d_reused_buffers,
    1d,
    B = 8,
    CI = 25,
    L = 19,
    CO = 25,
    K = 3,
    S = 2,
    P = 1
);
rows_case!(
    rows_1d_one_sample,
    1d,
    B = 1,
    CI = 1,
    L = 40,
    CO = 4,
    K = 5,
    S = 2,
    P = 1
);
rows_case!(
    rows_1d_padded,
    1d,
    B = 7,
    CI = 2,
    L = 4,
    CO = 3,
    K = 3,
    S = 3,
    P = 3
);
rows_case!(
    rows_2d_same,
    2d,
    B = 5,
    CI = 3,
    H = 6,
    W = 5,
    CO = 4,
    K = 3,
    S = 1,
    P = 1
);
rows_case!(
    rows_2d_strided,
    2d,
    B = 3,
    CI = 2,
    H = 9,
    W = 7,
    CO = 5,
    K = 3,
    S = 2,
    P = 2
);

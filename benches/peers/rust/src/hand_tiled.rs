//! The hand-written limit for the dense workloads (issue 18): a 2-layer MLP as a performance
//! engineer writes it in portable safe Rust, with no library and no code generator.
//!
//! - Training: the batch as one matrix product per layer (`Z₁ = X·W₁ᵀ + b₁`, `Z₂ = H·W₂ᵀ + b₂`,
//!   `∂L/∂H = ∂L/∂Z₂·W₂`) and the weight gradients as products too (`Xᵀ·∂L/∂Z₁`,
//!   `Hᵀ·∂L/∂Z₂`), every one through one register-tiled kernel: a 6 × 16 tile of accumulators,
//!   one broadcast of a packed A panel times a contiguous 16-wide row of B per step
//!   (BLIS-style), `mul_add` where the target has FMA. The SGD update is fused into the
//!   gradient products' store (`W += (−lr/B)·Σₛ δₛ·xₛᵀ`), so the gradient is never written out.
//! - Layouts chosen for the kernel: W₁ kept transposed (`[I][H]`: the B operand of `X·W₁ᵀ`,
//!   read as contiguous 16-wide slabs of its rows), W₂ kept twice, as `[O][H]` for `∂L/∂H` and transposed with its 10
//!   outputs padded to 16 (`[H][16]`) for `Z₂`; both copies get the same update (same sums in
//!   the same order, so they stay bit-identical).
//! - Inference of one sample: the same transposed weights as `axpy` blocks (`z += xᵢ·W₁ᵀ[i]`,
//!   32 or 64 outputs in registers), no horizontal sums.
//!
//! The baseline build compiles it for SSE2 (no FMA), where a 6 × 16 tile needs more than the 16
//! vector registers and spills: the `hand` rows are not the limit; `hand-native`, this same code
//! with `-C target-cpu=native`, is the one issue 18 measures ours against. What it does not do:
//! cache blocking (each 6-row panel streams all of B; at 784-512-10, 1.6 MB of W₁ᵀ per panel
//! row, whose timing then varies from process to process).
#![allow(clippy::too_many_arguments)]

use std::hint::black_box;

use nn_peers::{report_sample, time_ns, Data, Workload};

/// Rows of a tile (samples or weight rows) and its width (floats of one B row).
const MR: usize = 6;
const NR: usize = 16;
/// The second layer's outputs, padded to one tile width.
const OP: usize = NR;

#[inline(always)]
fn fma(a: f32, b: f32, c: f32) -> f32 {
    if cfg!(target_feature = "fma") {
        a.mul_add(b, c)
    } else {
        a * b + c
    }
}

/// One operand A, read as `A(r, p) = data[r·rs + p·cs]` (so a transposed matrix is a stride).
#[derive(Clone, Copy)]
struct Strided<'a> {
    data: &'a [f32],
    rs: usize,
    cs: usize,
}

/// `C[m][..n] += α · A·B` with `A` m × k (strided), `B` k × n row-major (row stride `ldb`),
/// `C` row-major (row stride `ldc`); `n` a multiple of 16. `panel` is scratch of ≥ k·6.
fn gemm(
    m: usize,
    n: usize,
    k: usize,
    a: Strided,
    b: &[f32],
    ldb: usize,
    c: &mut [f32],
    ldc: usize,
    alpha: f32,
    panel: &mut [f32],
) {
    assert!(n % NR == 0);
    let mut r0 = 0;
    while r0 < m {
        let rows = MR.min(m - r0);
        // Pack A's rows r0.. as k groups of `rows` (one broadcast per row per step).
        let panel = &mut panel[..k * rows];
        for (p, group) in panel.chunks_exact_mut(rows).enumerate() {
            for (r, v) in group.iter_mut().enumerate() {
                *v = a.data[(r0 + r) * a.rs + p * a.cs];
            }
        }
        let c_rows = &mut c[r0 * ldc..];
        match rows {
            6 => tiles::<6>(n, k, panel, b, ldb, c_rows, ldc, alpha),
            5 => tiles::<5>(n, k, panel, b, ldb, c_rows, ldc, alpha),
            4 => tiles::<4>(n, k, panel, b, ldb, c_rows, ldc, alpha),
            3 => tiles::<3>(n, k, panel, b, ldb, c_rows, ldc, alpha),
            2 => tiles::<2>(n, k, panel, b, ldb, c_rows, ldc, alpha),
            _ => tiles::<1>(n, k, panel, b, ldb, c_rows, ldc, alpha),
        }
        r0 += rows;
    }
}

/// Every 16-wide column block of R rows of C.
#[inline(always)]
fn tiles<const R: usize>(
    n: usize,
    k: usize,
    panel: &[f32],
    b: &[f32],
    ldb: usize,
    c: &mut [f32],
    ldc: usize,
    alpha: f32,
) {
    for j0 in (0..n).step_by(NR) {
        let mut acc = [[0.0f32; NR]; R];
        for (p, a) in panel.chunks_exact(R).enumerate().take(k) {
            let row: &[f32; NR] = b[p * ldb + j0..p * ldb + j0 + NR].try_into().unwrap();
            for r in 0..R {
                for j in 0..NR {
                    acc[r][j] = fma(a[r], row[j], acc[r][j]);
                }
            }
        }
        for (r, acc) in acc.iter().enumerate() {
            let out: &mut [f32; NR] = (&mut c[r * ldc + j0..r * ldc + j0 + NR])
                .try_into()
                .unwrap();
            for j in 0..NR {
                out[j] = fma(alpha, acc[j], out[j]);
            }
        }
    }
}

/// The MLP I-H-O with ReLU and softmax cross-entropy, its weights in the kernel's layouts and
/// its batch buffers, all allocated once.
pub struct TiledMlp {
    i: usize,
    h: usize,
    o: usize,
    batch: usize,
    /// W₁ᵀ, [I][H].
    w1t: Vec<f32>,
    b1: Vec<f32>,
    /// W₂, [O][H].
    w2: Vec<f32>,
    /// W₂ᵀ with the outputs padded to 16, [H][16] (padding columns stay 0).
    w2t: Vec<f32>,
    /// b₂ padded to 16.
    b2: Vec<f32>,
    /// The batch's hidden activations H = relu(Z₁), [B][H].
    hid: Vec<f32>,
    /// Z₂, then ∂L/∂Z₂ (softmax − one-hot), [B][16].
    z2: Vec<f32>,
    /// ∂L/∂H, then ∂L/∂Z₁, [B][H].
    dh: Vec<f32>,
    panel: Vec<f32>,
    /// Column sums of ∂L/∂Z for the biases.
    sums: Vec<f32>,
}

impl TiledMlp {
    pub fn new(d: &Data) -> TiledMlp {
        let w = d.w;
        let (i, h, o, batch) = (w.i, w.h, w.o, w.batch);
        assert!(h % NR == 0 && o <= OP);
        let mut w1t = vec![0.0; i * h];
        for r in 0..h {
            for c in 0..i {
                w1t[c * h + r] = d.w1[r * i + c];
            }
        }
        let mut w2t = vec![0.0; h * OP];
        for r in 0..o {
            for c in 0..h {
                w2t[c * OP + r] = d.w2[r * h + c];
            }
        }
        let mut b2 = vec![0.0; OP];
        b2[..o].copy_from_slice(&d.b2);
        TiledMlp {
            i,
            h,
            o,
            batch,
            w1t,
            b1: d.b1.clone(),
            w2: d.w2.clone(),
            w2t,
            b2,
            hid: vec![0.0; batch * h],
            z2: vec![0.0; batch * OP],
            dh: vec![0.0; batch * h],
            panel: vec![0.0; i.max(h).max(batch) * MR],
            sums: vec![0.0; h.max(OP)],
        }
    }

    /// Z₂ of the batch `x` ([B][I]) into `self.z2`, H into `self.hid`.
    fn forward_batch(&mut self, x: &[f32]) {
        let (i, h, b) = (self.i, self.h, self.batch);
        for row in self.hid.chunks_exact_mut(h) {
            row.copy_from_slice(&self.b1);
        }
        let xa = Strided {
            data: x,
            rs: i,
            cs: 1,
        };
        gemm(
            b,
            h,
            i,
            xa,
            &self.w1t,
            h,
            &mut self.hid,
            h,
            1.0,
            &mut self.panel,
        );
        for v in &mut self.hid {
            *v = v.max(0.0);
        }
        for row in self.z2.chunks_exact_mut(OP) {
            row.copy_from_slice(&self.b2);
        }
        let ha = Strided {
            data: &self.hid,
            rs: h,
            cs: 1,
        };
        gemm(
            b,
            OP,
            h,
            ha,
            &self.w2t,
            OP,
            &mut self.z2,
            OP,
            1.0,
            &mut self.panel,
        );
    }

    /// One SGD step on the batch `x` ([B][I]) with class labels `y`: p −= lr/B · Σₛ ∂Lₛ/∂p.
    /// Returns the batch's summed loss.
    pub fn step(&mut self, x: &[f32], y: &[f32], lr: f32) -> f32 {
        let (i, h, o, b) = (self.i, self.h, self.o, self.batch);
        self.forward_batch(x);
        // ∂L/∂Z₂ = softmax(Z₂) − one-hot, in place; the padding stays 0.
        let mut loss = 0.0;
        for (row, &label) in self.z2.chunks_exact_mut(OP).zip(y) {
            let z = &mut row[..o];
            let m = z.iter().fold(f32::NEG_INFINITY, |m, &v| m.max(v));
            let label = label as usize;
            let shifted = z[label] - m;
            let mut sum = 0.0;
            for v in z.iter_mut() {
                *v = (*v - m).exp();
                sum += *v;
            }
            loss += sum.ln() - shifted;
            let inv = 1.0 / sum;
            for v in z.iter_mut() {
                *v *= inv;
            }
            z[label] -= 1.0;
        }
        // ∂L/∂H = ∂L/∂Z₂ · W₂ (before W₂ moves), then ∂L/∂Z₁ = ∂L/∂H ⊙ [H > 0].
        self.dh.fill(0.0);
        let dz2 = Strided {
            data: &self.z2,
            rs: OP,
            cs: 1,
        };
        gemm(
            b,
            h,
            o,
            dz2,
            &self.w2,
            h,
            &mut self.dh,
            h,
            1.0,
            &mut self.panel,
        );
        for (d, &a) in self.dh.iter_mut().zip(&self.hid) {
            if a <= 0.0 {
                *d = 0.0;
            }
        }
        let step = -lr / b as f32;
        // W₂ += step · ∂L/∂Z₂ᵀ·H, and its transposed copy the same.
        let dz2t = Strided {
            data: &self.z2,
            rs: 1,
            cs: OP,
        };
        gemm(
            o,
            h,
            b,
            dz2t,
            &self.hid,
            h,
            &mut self.w2,
            h,
            step,
            &mut self.panel,
        );
        let ht = Strided {
            data: &self.hid,
            rs: 1,
            cs: h,
        };
        gemm(
            h,
            OP,
            b,
            ht,
            &self.z2,
            OP,
            &mut self.w2t,
            OP,
            step,
            &mut self.panel,
        );
        // W₁ᵀ += step · Xᵀ·∂L/∂Z₁.
        let xt = Strided {
            data: x,
            rs: 1,
            cs: i,
        };
        gemm(
            i,
            h,
            b,
            xt,
            &self.dh,
            h,
            &mut self.w1t,
            h,
            step,
            &mut self.panel,
        );
        // Biases: the column sums of ∂L/∂Z.
        column_step(&mut self.b2, &self.z2, OP, step, &mut self.sums);
        column_step(&mut self.b1, &self.dh, h, step, &mut self.sums);
        loss
    }

    /// The logits of every sample of `x` (n × I) through the batch kernels, n × O.
    pub fn logits_all(&mut self, x: &[f32]) -> Vec<f32> {
        let mut out = Vec::new();
        let mut z = vec![0.0; OP];
        for sample in x.chunks_exact(self.i) {
            self.forward_sample(sample, &mut z);
            out.extend_from_slice(&z[..self.o]);
        }
        out
    }

    /// The padded logits of one sample: `axpy` blocks over the transposed weights.
    pub fn forward_sample(&mut self, x: &[f32], z: &mut [f32]) {
        let h = self.h;
        let hid = &mut self.hid[..h];
        if h % 64 == 0 {
            axpy_layer::<64>(x, &self.w1t, &self.b1, hid);
        } else {
            axpy_layer::<32>(x, &self.w1t, &self.b1, hid);
        }
        for v in hid.iter_mut() {
            *v = v.max(0.0);
        }
        axpy_layer::<OP>(hid, &self.w2t, &self.b2, z);
    }
}

/// `z = b + Σᵢ xᵢ·Wᵀ[i]` with `Wᵀ` [len x][len z], in blocks of `NB` outputs held in registers.
#[inline(always)]
fn axpy_layer<const NB: usize>(x: &[f32], wt: &[f32], b: &[f32], z: &mut [f32]) {
    let n = z.len();
    for j0 in (0..n).step_by(NB) {
        let mut acc: [f32; NB] = b[j0..j0 + NB].try_into().unwrap();
        for (&xi, row) in x.iter().zip(wt.chunks_exact(n)) {
            let w: &[f32; NB] = row[j0..j0 + NB].try_into().unwrap();
            for j in 0..NB {
                acc[j] = fma(xi, w[j], acc[j]);
            }
        }
        z[j0..j0 + NB].copy_from_slice(&acc);
    }
}

/// `b += step · Σₛ d[s]` over the rows of `d` (row length `width`, `b.len()` used); `sums` is
/// scratch of ≥ `width`.
fn column_step(b: &mut [f32], d: &[f32], width: usize, step: f32, sums: &mut [f32]) {
    let sum = &mut sums[..width];
    sum.fill(0.0);
    for row in d.chunks_exact(width) {
        for (s, v) in sum.iter_mut().zip(row) {
            *s += v;
        }
    }
    for (b, s) in b.iter_mut().zip(sum.iter()) {
        *b = fma(step, *s, *b);
    }
}

/// Runs the workload with the tiled network and reports the `hand` row (training step, batch
/// inference through the batch kernels, per-sample inference).
pub fn run(w: &Workload) {
    let d = Data::load(*w);
    let mut net = TiledMlp::new(&d);
    let (i, b) = (w.i, w.batch);
    let mut k = 0;
    let mut step = |net: &mut TiledMlp| {
        let s = d.start(k);
        k += 1;
        net.step(&d.x[s * i..(s + b) * i], &d.y[s..s + b], w.lr)
    };
    for _ in 0..w.sanity_steps {
        step(&mut net);
    }
    let out = net.logits_all(&d.x);
    let (loss, acc) = (d.mean_loss(&out), d.accuracy(&out));
    let train = time_ns(|| {
        black_box(step(&mut net));
    });
    let xb = &d.x[..b * i];
    let infer = time_ns(|| {
        net.forward_batch(black_box(xb));
        black_box(&mut net.z2);
    });
    let mut z = vec![0.0; OP];
    let sample = time_ns(|| {
        for x in xb.chunks_exact(i) {
            net.forward_sample(black_box(x), &mut z);
            black_box(&mut z);
        }
    }) / b as f64;
    report_sample("hand", "-", 1, w, train, infer, sample, loss, acc);
}

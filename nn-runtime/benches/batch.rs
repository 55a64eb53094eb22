//! The batched matrix products on the layer shapes of the benchmark MLPs, f32, on the default
//! (dispatched: AVX2 + FMA where the CPU has them) and the portable (baseline) path.
//!
//! ```sh
//! cargo bench -p nn-runtime --bench batch
//! cargo bench -p nn-runtime --bench batch -- step   # one group only
//! ```
//!
//! Throughput is reported in elements/s, where an element is one flop (2·M·K·B per product),
//! so `Gelem/s` reads as GFLOP/s. Groups:
//!
//! * `<kernel>/<M>x<K>_b<B>`: one product of a layer with M outputs, K inputs, batch B:
//!   the 256-256-10 MLP at B = 64 (256x256, 10x256) and the digits 64-32-10 MLP at B = 32
//!   (32x64, 10x32);
//! * `step/mlp_256-256-10_b64`: the five products of one training step of the 256-256-10 MLP
//!   (Z₁ = X·W₁ᵀ, Z₂ = A₁·W₂ᵀ, dA₁ = dZ₂·W₂, dW₂ += dZ₂ᵀ·A₁, dW₁ += dZ₁ᵀ·X).

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput};
use nn_runtime::math::{batch_portable, matmul_batch, outer_add_batch, transpose_mul_batch};

/// Reproducible values in [−0.5, 0.5).
fn fill<const R: usize, const C: usize>(seed: u32) -> Box<[[f32; C]; R]> {
    let mut s = seed.wrapping_mul(2_654_435_761) | 1;
    let mut m = Box::new([[0.0f32; C]; R]);
    for v in m.iter_mut().flatten() {
        s ^= s << 13;
        s ^= s >> 17;
        s ^= s << 5;
        *v = (s >> 8) as f32 / (1u32 << 24) as f32 - 0.5;
    }
    m
}

// Results are passed to `black_box` by reference: by value, the timing would include copying
// them (64 KiB for 256 × 64 f32).

/// The three products for a layer of M outputs and K inputs at batch B.
fn layer<const K: usize, const M: usize, const B: usize>(c: &mut Criterion) {
    let name = format!("{M}x{K}_b{B}");
    let w = fill::<M, K>(1);
    let x = fill::<B, K>(2);
    let dz = fill::<B, M>(3);
    let mut g = fill::<M, K>(4);
    let flops = Throughput::Elements((2 * M * K * B) as u64);

    let mut group = c.benchmark_group(format!("matmul_batch/{name}"));
    group.throughput(flops.clone());
    group.bench_function("dispatched", |b| {
        b.iter(|| black_box(&matmul_batch(black_box(&*w), black_box(&*x)))[0][0])
    });
    group.bench_function("portable", |b| {
        b.iter(|| {
            black_box(&batch_portable::matmul_batch(
                black_box(&*w),
                black_box(&*x),
            ))[0][0]
        })
    });
    group.finish();

    let mut group = c.benchmark_group(format!("transpose_mul_batch/{name}"));
    group.throughput(flops.clone());
    group.bench_function("dispatched", |b| {
        b.iter(|| black_box(&transpose_mul_batch(black_box(&*w), black_box(&*dz)))[0][0])
    });
    group.bench_function("portable", |b| {
        b.iter(|| {
            black_box(&batch_portable::transpose_mul_batch(
                black_box(&*w),
                black_box(&*dz),
            ))[0][0]
        })
    });
    group.finish();

    let mut group = c.benchmark_group(format!("outer_add_batch/{name}"));
    group.throughput(flops);
    group.bench_function("dispatched", |b| {
        b.iter(|| outer_add_batch(black_box(&mut *g), black_box(&*dz), black_box(&*x)))
    });
    group.bench_function("portable", |b| {
        b.iter(|| {
            batch_portable::outer_add_batch(black_box(&mut *g), black_box(&*dz), black_box(&*x))
        })
    });
    group.finish();
}

/// The five products of one SGD step of the 256-256-10 MLP at B = 64.
fn step(c: &mut Criterion) {
    const B: usize = 64;
    let (w1, w2) = (fill::<256, 256>(5), fill::<10, 256>(6));
    let (mut g1, mut g2) = (fill::<256, 256>(7), fill::<10, 256>(8));
    let x = fill::<B, 256>(9);
    let a1 = fill::<B, 256>(10);
    let dz1 = fill::<B, 256>(11);
    let dz2 = fill::<B, 10>(12);
    let flops = 2 * B * (2 * 256 * 256 + 3 * 10 * 256);

    let mut group = c.benchmark_group("step/mlp_256-256-10_b64");
    group.throughput(Throughput::Elements(flops as u64));
    group.bench_function("dispatched", |b| {
        b.iter(|| {
            black_box(&matmul_batch(&w1, black_box(&*x)));
            black_box(&matmul_batch(&w2, black_box(&*a1)));
            black_box(&transpose_mul_batch(&w2, black_box(&*dz2)));
            outer_add_batch(&mut g2, black_box(&*dz2), &*a1);
            outer_add_batch(&mut g1, black_box(&*dz1), &*x);
        })
    });
    group.bench_function("portable", |b| {
        b.iter(|| {
            black_box(&batch_portable::matmul_batch(&w1, black_box(&*x)));
            black_box(&batch_portable::matmul_batch(&w2, black_box(&*a1)));
            black_box(&batch_portable::transpose_mul_batch(&w2, black_box(&*dz2)));
            batch_portable::outer_add_batch(&mut g2, black_box(&*dz2), &*a1);
            batch_portable::outer_add_batch(&mut g1, black_box(&*dz1), &*x);
        })
    });
    group.finish();
}

fn main() {
    let mut c = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .configure_from_args();
    layer::<256, 256, 64>(&mut c);
    layer::<256, 10, 64>(&mut c);
    layer::<64, 32, 32>(&mut c);
    layer::<32, 10, 32>(&mut c);
    step(&mut c);
    c.final_summary();
}

//! Every loss against central finite differences of its own value, in scalar, vector and
//! matrix form; the logit losses at extreme inputs; and the squared-error conventions with
//! exact values.

use nn_runtime::prelude::*;
use nn_runtime::Tensor;

/// Step of the central difference (the error is O(h²), rounding O(ε/h)).
const H: f64 = 1e-5;
/// Agreement required between analytic and numeric derivatives.
const TOLERANCE: f64 = 1e-6;

/// Deterministic pseudo-random numbers in [0, 1) (SplitMix64), so the points are fixed.
struct Points(u64);

impl Points {
    fn next(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
    }
    fn between(&mut self, low: f64, high: f64) -> f64 {
        low + (high - low) * self.next()
    }
}

/// Compares `loss.gradient` with `(L(ŷ + h eᵢ) − L(ŷ − h eᵢ)) / 2h` for every element i,
/// unless `kink(ŷᵢ, i)` says the loss is not smooth within 2h of ŷᵢ there. Returns how many
/// elements were compared.
fn agrees_with_finite_differences<O, Y>(
    name: &str,
    loss: &impl Loss<O, Y>,
    prediction: O,
    target: &Y,
    kink: impl Fn(usize, f64) -> bool,
) -> usize
where
    O: Tensor<Scalar = f64> + std::fmt::Debug,
{
    let analytic = loss.gradient(&prediction, target);
    let (value, both) = loss.value_and_gradient(&prediction, target);
    assert_eq!(value, loss.value(&prediction, target), "{name}");
    assert_eq!(both.flat(), analytic.flat(), "{name}: value_and_gradient");
    let mut compared = 0;
    for i in 0..O::LEN {
        let p = prediction.flat()[i];
        if kink(i, p) {
            continue;
        }
        let h = H * p.abs().max(1.0);
        let mut plus = prediction;
        plus.flat_mut()[i] = p + h;
        let mut minus = prediction;
        minus.flat_mut()[i] = p - h;
        let numeric = (loss.value(&plus, target) - loss.value(&minus, target)) / (2.0 * h);
        let a = analytic.flat()[i];
        let scale = a.abs().max(numeric.abs());
        assert!(
            (a - numeric).abs() <= TOLERANCE * scale + 1e-9,
            "{name} at ŷ = {prediction:?}, element {i}: analytic {a}, numeric {numeric}"
        );
        compared += 1;
    }
    compared
}

fn no_kink(_: usize, _: f64) -> bool {
    false
}

const POINTS: usize = 200;

#[test]
fn squared_errors_and_mse() {
    let mut r = Points(1);
    let mut compared = 0;
    for _ in 0..POINTS {
        let (p, y) = (r.between(-5.0, 5.0), r.between(-5.0, 5.0));
        compared += agrees_with_finite_differences("½SE", &HalfSquaredError, p, &y, no_kink);
        compared += agrees_with_finite_differences("SE", &SquaredError, p, &y, no_kink);
        compared += agrees_with_finite_differences("MSE", &MeanSquaredError, p, &y, no_kink);
        let pv = [p, r.between(-5.0, 5.0), r.between(-5.0, 5.0)];
        let yv = [y, r.between(-5.0, 5.0), r.between(-5.0, 5.0)];
        compared += agrees_with_finite_differences("½SE", &HalfSquaredError, pv, &yv, no_kink);
        compared += agrees_with_finite_differences("SE", &SquaredError, pv, &yv, no_kink);
        compared += agrees_with_finite_differences("MSE", &MeanSquaredError, pv, &yv, no_kink);
        let pm = [[p, pv[1]], [pv[2], r.between(-5.0, 5.0)]];
        let ym = [[y, yv[1]], [yv[2], r.between(-5.0, 5.0)]];
        compared += agrees_with_finite_differences("MSE", &MeanSquaredError, pm, &ym, no_kink);
    }
    assert_eq!(compared, POINTS * (3 + 9 + 4));
}

#[test]
fn absolute_error_huber_and_hinge_away_from_their_kinks() {
    let mut r = Points(2);
    let mut compared = 0;
    let mut skipped = 0;
    for _ in 0..POINTS {
        let y = [r.between(-3.0, 3.0), r.between(-3.0, 3.0)];
        let p = [r.between(-3.0, 3.0), r.between(-3.0, 3.0)];
        let near = |a: f64, b: f64| (a - b).abs() < 4.0 * H * a.abs().max(1.0);
        // L1: kink where ŷ = y.
        let n = agrees_with_finite_differences("L1", &AbsoluteError, p, &y, |i, p| near(p, y[i]));
        compared += n;
        skipped += 2 - n;
        // Huber: the second derivative jumps where |ŷ − y| = δ.
        for delta in [0.5, 1.0, 2.0] {
            let huber = Huber::new(delta);
            compared += agrees_with_finite_differences("Huber", &huber, p, &y, |i, p| {
                near((p - y[i]).abs(), delta)
            });
        }
        // Hinge with labels ±1: kink where y·ŷ = 1.
        let labels = [1.0, -1.0];
        compared += agrees_with_finite_differences("hinge", &Hinge, p, &labels, |i, p| {
            near(labels[i] * p, 1.0)
        });
        let yp: f64 = if y[0] > 0.0 { 1.0 } else { -1.0 };
        compared +=
            agrees_with_finite_differences("hinge", &Hinge, p[0], &yp, |_, p| near(yp * p, 1.0));
    }
    // Random points almost never land within 4h of a kink.
    assert!(
        compared >= POINTS * 10 - 5,
        "{compared} compared, {skipped} skipped"
    );
    // Both sides of each kink, explicitly.
    assert_eq!(AbsoluteError.gradient(&2.5_f64, &2.0), 1.0);
    assert_eq!(AbsoluteError.gradient(&1.5_f64, &2.0), -1.0);
    assert_eq!(AbsoluteError.gradient(&2.0_f64, &2.0), 0.0);
    assert_eq!(Hinge.gradient(&0.5_f64, &1.0), -1.0);
    assert_eq!(Hinge.gradient(&1.5_f64, &1.0), 0.0);
    assert_eq!(Hinge.gradient(&-0.5_f64, &-1.0), 1.0);
    assert_eq!(Huber::new(1.0).gradient(&-4.0_f64, &0.0), -1.0);
}

#[test]
fn cross_entropies() {
    let mut r = Points(3);
    let mut compared = 0;
    for _ in 0..POINTS {
        // Probabilities away from the ε-clamp at 0 and 1.
        let p = [
            r.between(0.01, 0.99),
            r.between(0.01, 0.99),
            r.between(0.01, 0.99),
        ];
        let y = [r.next(), 0.0, 1.0];
        compared += agrees_with_finite_differences("BCE", &BinaryCrossEntropy, p, &y, no_kink);
        compared +=
            agrees_with_finite_differences("BCE", &BinaryCrossEntropy, p[0], &y[0], no_kink);

        let z = [
            r.between(-20.0, 20.0),
            r.between(-20.0, 20.0),
            r.between(-20.0, 20.0),
        ];
        let bce = BinaryCrossEntropyWithLogits;
        compared += agrees_with_finite_differences("BCE logits", &bce, z, &y, no_kink);
        compared += agrees_with_finite_differences("BCE logits", &bce, z[1], &y[0], no_kink);

        let sce = SoftmaxCrossEntropy;
        let class = (r.next() * 3.0) as usize;
        compared += agrees_with_finite_differences("softmax CE class", &sce, z, &class, no_kink);
        let (a, b) = (r.next(), r.next());
        let (lo, hi) = (a.min(b), a.max(b));
        let soft = [lo, hi - lo, 1.0 - hi]; // a distribution: sums to 1
        compared += agrees_with_finite_differences("softmax CE soft", &sce, z, &soft, no_kink);
        let z5 = [z[0], z[1], z[2], r.between(-5.0, 5.0), r.between(-5.0, 5.0)];
        compared += agrees_with_finite_differences("softmax CE [5]", &sce, z5, &4usize, no_kink);
    }
    assert_eq!(compared, POINTS * (3 + 1 + 3 + 1 + 3 + 3 + 5));
}

#[test]
fn cross_entropy_matches_its_definitions() {
    // BCE on logits is BCE of σ(z); softmax CE with a class index is the one-hot distribution.
    let mut r = Points(4);
    for _ in 0..POINTS {
        let z = r.between(-10.0, 10.0);
        let y = r.next();
        let sigma = 1.0 / (1.0 + (-z).exp());
        let direct = -(y * sigma.ln() + (1.0 - y) * (1.0 - sigma).ln());
        let logits: f64 = BinaryCrossEntropyWithLogits.value(&z, &y);
        assert!((logits - direct).abs() < 1e-9 * direct.max(1.0), "z = {z}");
        let through_probability: f64 = BinaryCrossEntropy.value(&sigma, &y);
        assert!((through_probability - direct).abs() < 1e-9 * direct.max(1.0));

        let zs = [z, r.between(-10.0, 10.0), r.between(-10.0, 10.0)];
        let class = (r.next() * 3.0) as usize;
        let mut one_hot = [0.0; 3];
        one_hot[class] = 1.0;
        let a: f64 = SoftmaxCrossEntropy.value(&zs, &class);
        let b: f64 = SoftmaxCrossEntropy.value(&zs, &one_hot);
        assert!((a - b).abs() < 1e-12);
        let (ga, gb): ([f64; 3], [f64; 3]) = (
            SoftmaxCrossEntropy.gradient(&zs, &class),
            SoftmaxCrossEntropy.gradient(&zs, &one_hot),
        );
        for k in 0..3 {
            assert!((ga[k] - gb[k]).abs() < 1e-15);
        }
        // The softmax sums to 1, so the gradient against a distribution sums to 0.
        assert!(ga.iter().sum::<f64>().abs() < 1e-15);
    }
}

#[test]
fn logit_losses_stay_finite_at_extremes() {
    let bce = BinaryCrossEntropyWithLogits;
    for z in [-1000.0_f64, -710.0, -100.0, 100.0, 710.0, 1000.0] {
        for y in [0.0, 0.25, 1.0] {
            let (v, g): (f64, f64) = bce.value_and_gradient(&z, &y);
            assert!(v.is_finite() && g.is_finite(), "z = {z}, y = {y}: {v}, {g}");
            assert!(v >= 0.0 && (-1.0..=1.0).contains(&g));
        }
    }
    // Exact values: confidently right costs 0, confidently wrong costs |z|, and the gradient
    // σ(z) − y saturates at ±1.
    assert_eq!(Loss::<f64>::value(&bce, &1000.0, &1.0), 0.0);
    assert_eq!(Loss::<f64>::value(&bce, &-1000.0, &0.0), 0.0);
    assert_eq!(Loss::<f64>::value(&bce, &1000.0, &0.0), 1000.0);
    assert_eq!(Loss::<f64>::value(&bce, &-1000.0, &1.0), 1000.0);
    assert_eq!(bce.gradient(&1000.0_f64, &0.0), 1.0);
    assert_eq!(bce.gradient(&-1000.0_f64, &1.0), -1.0);
    assert_eq!(bce.gradient(&1000.0_f64, &1.0), 0.0);
    // f32 overflows e^z already at z ≈ 88.7.
    for z in [-1000.0_f32, -89.0, 89.0, 1000.0] {
        let (v, g): (f32, f32) = bce.value_and_gradient(&z, &1.0);
        assert!(v.is_finite() && g.is_finite(), "f32 z = {z}");
    }
    assert_eq!(Loss::<f32>::value(&bce, &-1000.0, &1.0), 1000.0);

    let sce = SoftmaxCrossEntropy;
    let z = [1000.0_f64, -1000.0, 0.0];
    for class in 0..3 {
        let (v, g) = sce.value_and_gradient(&z, &class);
        assert!(
            v.is_finite() && g.iter().all(|g| g.is_finite()),
            "class {class}"
        );
    }
    assert_eq!(sce.value(&z, &0usize), 0.0);
    assert_eq!(sce.value(&z, &1usize), 2000.0);
    assert_eq!(sce.value(&z, &2usize), 1000.0);
    assert_eq!(sce.gradient(&z, &1usize), [1.0, -1.0, 0.0]);
    assert_eq!(sce.value(&z, &[0.5, 0.0, 0.5]), 500.0);
    let z32 = [1000.0_f32, -1000.0, 0.0];
    let (v, g) = sce.value_and_gradient(&z32, &[0.0, 1.0, 0.0]);
    assert_eq!(v, 2000.0);
    assert_eq!(g, [1.0, -1.0, 0.0]);
    // Equal huge logits: a uniform softmax.
    let (v, g) = sce.value_and_gradient(&[1000.0_f64; 4], &3usize);
    assert!((v - 4.0_f64.ln()).abs() < 1e-12);
    assert_eq!(g, [0.25, 0.25, 0.25, -0.75]);

    // Probabilities of exactly 0 and 1 are clamped, so BCE stays finite there too.
    for (p, y) in [(0.0_f64, 1.0), (1.0, 0.0), (0.0, 0.0), (1.0, 1.0)] {
        let (v, g) = BinaryCrossEntropy.value_and_gradient(&p, &y);
        assert!(v.is_finite() && g.is_finite(), "BCE({p}, {y})");
    }
}

#[test]
fn out_of_range_class_is_nan_not_a_panic() {
    let z = [0.1_f64, 0.2];
    assert!(SoftmaxCrossEntropy.value(&z, &2usize).is_nan());
    assert!(SoftmaxCrossEntropy
        .gradient(&z, &7usize)
        .iter()
        .all(|g| g.is_nan()));
}

#[test]
fn squared_error_conventions() {
    // ŷ = 3, y = 1: the error is 2.
    //   ½(y − ŷ)² = 2,  ∂/∂ŷ = ŷ − y = 2
    //    (y − ŷ)² = 4,  ∂/∂ŷ = 2(ŷ − y) = 4
    assert_eq!(Loss::<f64>::value(&HalfSquaredError, &3.0, &1.0), 2.0);
    assert_eq!(HalfSquaredError.gradient(&3.0_f64, &1.0), 2.0);
    assert_eq!(Loss::<f64>::value(&SquaredError, &3.0, &1.0), 4.0);
    assert_eq!(SquaredError.gradient(&3.0_f64, &1.0), 4.0);
    // Scalar MSE is the squared error without the ½.
    assert_eq!(Loss::<f64>::value(&MeanSquaredError, &3.0, &1.0), 4.0);
    assert_eq!(MeanSquaredError.gradient(&3.0_f64, &1.0), 4.0);
    // Vectors: element-wise losses sum, MSE averages.
    // ŷ = (3, 1, −1), y = (1, 1, 1): errors (2, 0, −2), squares (4, 0, 4).
    let (p, y) = ([3.0_f64, 1.0, -1.0], [1.0, 1.0, 1.0]);
    assert_eq!(HalfSquaredError.value(&p, &y), 4.0); // ½·8
    assert_eq!(HalfSquaredError.gradient(&p, &y), [2.0, 0.0, -2.0]);
    assert_eq!(SquaredError.value(&p, &y), 8.0);
    assert_eq!(SquaredError.gradient(&p, &y), [4.0, 0.0, -4.0]);
    assert_eq!(MeanSquaredError.value(&p, &y), 8.0 / 3.0);
    assert_eq!(
        MeanSquaredError.gradient(&p, &y),
        [4.0 / 3.0, 0.0, -4.0 / 3.0]
    );
    // The lecture's smallest network: ŷ = 10.5, y = 10.1 → L = ½·0.16 = 0.08, ∂L/∂ŷ = 0.4.
    assert!((Loss::<f64>::value(&HalfSquaredError, &10.5, &10.1) - 0.08).abs() < 1e-14);
    // L1 and Huber, exactly.
    assert_eq!(AbsoluteError.value(&p, &y), 4.0);
    assert_eq!(AbsoluteError.gradient(&p, &y), [1.0, 0.0, -1.0]);
    let huber = Huber::new(1.0);
    // |e| = 2 > δ: δ|e| − ½δ² = 1.5 each; 0 inside.
    assert_eq!(huber.value(&p, &y), 3.0);
    assert_eq!(huber.gradient(&p, &y), [1.0, 0.0, -1.0]);
    assert_eq!(Loss::<f64>::value(&huber, &1.5, &1.0), 0.125); // ½·0.5²
                                                               // Hinge: margins y·ŷ = 0.5 and 3.
    assert_eq!(Hinge.value(&[0.5_f64, -3.0], &[1.0, -1.0]), 0.5);
}

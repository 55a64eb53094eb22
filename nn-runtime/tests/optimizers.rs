//! Each optimizer against a trajectory worked out by hand on f(θ) = θ², whose gradient is
//! 2θ, starting from θ₀ = 1. The arithmetic of each step is in the comments; the code only
//! compares the optimizer with the numbers written there.

use nn_runtime::optim::{clip_global_norm, global_norm};
use nn_runtime::prelude::*;
use nn_runtime::toy::Line;
use nn_runtime::Quantity;

/// One scalar parameter θ.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Theta {
    x: f64,
}

impl Parameters for Theta {
    type Scalar = f64;
    const TENSORS: &'static [TensorInfo] = &[TensorInfo {
        name: "x",
        shape: &[],
    }];
    const COUNT: usize = 1;
    fn zeros() -> Self {
        Theta { x: 0.0 }
    }
    fn tensor(&self, k: usize) -> &[f64] {
        if k == 0 {
            core::slice::from_ref(&self.x)
        } else {
            &[]
        }
    }
    fn tensor_mut(&mut self, k: usize) -> &mut [f64] {
        if k == 0 {
            core::slice::from_mut(&mut self.x)
        } else {
            &mut []
        }
    }
}

const TOLERANCE: f64 = 1e-12;

/// Runs `opt` for `expected.len()` steps on f(θ) = θ² from θ = 1 and compares every θₜ.
fn follows(mut opt: impl Optimizer<Theta>, expected: &[f64]) {
    let mut theta = Theta { x: 1.0 };
    for (t, &want) in expected.iter().enumerate() {
        let grad = Theta { x: 2.0 * theta.x };
        opt.step(&mut theta, &grad);
        assert!(
            (theta.x - want).abs() < TOLERANCE,
            "step {}: θ = {}, expected {want}",
            t + 1,
            theta.x
        );
    }
}

#[test]
fn sgd() {
    // η = 0.1: θ ← θ − 0.1·2θ = 0.8θ
    // θ₁ = 1 − 0.1·2 = 0.8
    // θ₂ = 0.8 − 0.1·1.6 = 0.64
    // θ₃ = 0.64 − 0.1·1.28 = 0.512
    follows(Sgd::new(0.1), &[0.8, 0.64, 0.512]);
}

#[test]
fn sgd_on_x_squared_converges_or_diverges_with_the_rate() {
    // docs/lectures.md §8 on f(x) = x²: θ ← (1 − 2α)θ; α = 0.3 gives 0.4θ, α = 1.5 gives −2θ.
    let run = |alpha: f64| {
        let mut theta = Theta { x: 1.0 };
        let mut sgd = Sgd::new(alpha);
        for _ in 0..20 {
            let g = Theta { x: 2.0 * theta.x };
            sgd.step(&mut theta, &g);
        }
        theta.x
    };
    assert!((run(0.3) - 0.4_f64.powi(20)).abs() < 1e-20);
    assert_eq!(run(1.5), 2.0_f64.powi(20));
}

#[test]
fn sgd_weight_decay() {
    // λ = 0.5: g = 2θ + 0.5θ = 2.5θ; θ₁ = 1 − 0.1·2.5 = 0.75; θ₂ = 0.75 − 0.1·1.875 = 0.5625
    follows(Sgd::new(0.1).weight_decay(0.5), &[0.75, 0.5625]);
}

#[test]
fn momentum() {
    // η = 0.1, μ = 0.9: v ← 0.9v + g, θ ← θ − 0.1v
    // g₁ = 2,    v₁ = 2,                  θ₁ = 1 − 0.2 = 0.8
    // g₂ = 1.6,  v₂ = 1.8 + 1.6 = 3.4,    θ₂ = 0.8 − 0.34 = 0.46
    // g₃ = 0.92, v₃ = 3.06 + 0.92 = 3.98, θ₃ = 0.46 − 0.398 = 0.062
    follows(Momentum::new(0.1, 0.9), &[0.8, 0.46, 0.062]);
}

#[test]
fn nesterov() {
    // η = 0.1, μ = 0.9: v ← 0.9v + g, θ ← θ − 0.1(g + 0.9v)
    // g₁ = 2,      v₁ = 2,                        θ₁ = 1 − 0.1(2 + 1.8) = 0.62
    // g₂ = 1.24,   v₂ = 1.8 + 1.24 = 3.04,        θ₂ = 0.62 − 0.1(1.24 + 2.736) = 0.2224
    // g₃ = 0.4448, v₃ = 2.736 + 0.4448 = 3.1808,  θ₃ = 0.2224 − 0.1(0.4448 + 2.86272)
    //                                                 = −0.108352
    follows(Nesterov::new(0.1, 0.9), &[0.62, 0.2224, -0.108352]);
}

#[test]
fn adam() {
    // η = 0.1, β₁ = 0.9, β₂ = 0.999, ε = 1e-8
    // t = 1: g = 2, m = 0.1·2 = 0.2, v = 0.001·4 = 0.004
    //        m̂ = 0.2/0.1 = 2, v̂ = 0.004/0.001 = 4
    //        θ₁ = 1 − 0.1·2/(2 + 1e-8) = 0.9000000005 (Adam's first step is η·sign g)
    // t = 2: g = 1.800000001
    //        m = 0.9·0.2 + 0.1·1.800000001 = 0.3600000001
    //        v = 0.999·0.004 + 0.001·1.800000001² = 0.0072360000036
    //        m̂ = m/(1 − 0.81) = 1.894736842631579
    //        v̂ = v/(1 − 0.998001) = 3.619809906753425, √v̂ = 1.902579802992091
    //        θ₂ = 0.9000000005 − 0.1·1.894736842631579/1.902579812992091
    //           = 0.9000000005 − 0.0995877718082072 = 0.8004122286917928
    // t = 3: the same formulas give θ₃ = 0.70158627294603
    follows(
        Adam::new(0.1),
        &[0.9000000005, 0.8004122286917928, 0.70158627294603],
    );
}

#[test]
fn adamw() {
    // η = 0.1, λ = 0.1: first θ ← θ(1 − ηλ) = 0.99θ, then Adam with the gradient at the old θ.
    // t = 1: decayed θ = 0.99; Adam step as above: 0.1·2/(2 + 1e-8) → θ₁ = 0.8900000005
    // t = 2: g = 2·0.8900000005 = 1.780000001; decayed θ = 0.881100000495
    //        m = 0.18 + 0.1780000001 = 0.3580000001, v = 0.003996 + 0.001·g² = 0.00716440000356
    //        m̂ = 1.884210526842105, v̂ = 3.58399199777889
    //        θ₂ = 0.881100000495 − 0.1·1.884210526842105/(1.893143..+1e-8) = 0.781571855936504
    // t = 3: θ₃ = 0.67510122164007
    follows(
        AdamW::new(0.1, 0.1),
        &[0.8900000005, 0.781571855936504, 0.67510122164007],
    );
}

#[test]
fn adam_with_coupled_weight_decay_differs_from_adamw() {
    // Coupled: g₁ = 2 + 0.1·1 = 2.1, but Adam's first step is still η·sign g: θ₁ = 0.9.
    let mut theta = Theta { x: 1.0 };
    let mut adam = Adam::new(0.1).weight_decay(0.1);
    adam.step(&mut theta, &Theta { x: 2.0 });
    assert!((theta.x - 0.9).abs() < 1e-8);
    assert_eq!(adam.steps(), 1);
}

#[test]
fn rmsprop() {
    // η = 0.01, α = 0.99, ε = 1e-8: s ← 0.99s + 0.01g², θ ← θ − 0.01·g/(√s + ε)
    // t = 1: g = 2, s = 0.04, √s = 0.2, θ₁ = 1 − 0.01·2/(0.2 + 1e-8) = 0.900000005
    // t = 2: g = 1.80000001, s = 0.0396 + 0.01·g² = 0.07200000036, √s = 0.2683281579707952
    //        θ₂ = 0.900000005 − 0.01·1.80000001/0.26832816797 = 0.8329179679700334
    // t = 3: θ₃ = 0.779982273243635
    follows(
        RmsProp::new(0.01),
        &[0.900000005, 0.8329179679700334, 0.779982273243635],
    );
}

#[test]
fn adagrad() {
    // η = 0.1, ε = 1e-10: s ← s + g², θ ← θ − 0.1·g/(√s + ε)
    // t = 1: g = 2, s = 4, θ₁ = 1 − 0.1·2/(2 + 1e-10) = 0.900000000005
    // t = 2: g = 1.80000000001, s = 4 + 3.24 = 7.240000000036, √s = 2.6907248094214316
    //        θ₂ = 0.900000000005 − 0.180000000001/2.6907248095 = 0.8331035268450359
    // t = 3: θ₃ = 0.78045618135681
    follows(
        AdaGrad::new(0.1),
        &[0.900000000005, 0.8331035268450359, 0.78045618135681],
    );
}

#[test]
fn reset_forgets_state() {
    let mut opt = Momentum::new(0.1, 0.9);
    let mut theta = Theta { x: 1.0 };
    opt.step(&mut theta, &Theta { x: 2.0 });
    assert_eq!(opt.velocity().x, 2.0);
    Optimizer::<Theta>::reset(&mut opt);
    assert_eq!(opt.velocity().x, 0.0);
    // After a reset the trajectory starts over: θ₁ from θ = 1 is again 0.8.
    follows(opt, &[0.8]);
}

#[test]
fn learning_rate_can_be_changed() {
    let mut opt = Adam::<Theta>::new(0.1);
    opt.set_learning_rate(0.05);
    assert_eq!(opt.learning_rate(), 0.05);
    follows(opt, &[0.95000000025]);
}

#[test]
fn clipping_by_global_norm() {
    // ‖(3, 4)‖ = 5 → scaled by 1/5 to (0.6, 0.8); a norm under the limit is left alone.
    let mut g = Line { w: 3.0_f64, b: 4.0 };
    assert_eq!(clip_global_norm(&mut g, 1.0), 5.0);
    assert!((g.w - 0.6).abs() < 1e-15 && (g.b - 0.8).abs() < 1e-15);
    assert!((global_norm(&g) - 1.0).abs() < 1e-15);
    let mut small = Line { w: 0.3_f64, b: 0.4 };
    assert_eq!(clip_global_norm(&mut small, 1.0), 0.5);
    assert_eq!(small, Line { w: 0.3, b: 0.4 });
}

#[test]
fn clipping_where_the_sum_of_squares_overflows() {
    // Σg² = 2.5·10³⁹ overflows f32, the norm 5·10¹⁹ does not: clipped all the same.
    let mut g = Line {
        w: 3e19_f32,
        b: 4e19,
    };
    assert_eq!(global_norm(&g), 5e19);
    assert_eq!(clip_global_norm(&mut g, 1.0), 5e19);
    assert!(
        (g.w - 0.6).abs() <= 1e-7 && (g.b - 0.8).abs() <= 1e-7,
        "{g:?}"
    );

    // The same in f64, where Σg² = 2.5·10³²¹ overflows.
    let mut g = Line {
        w: 3e160_f64,
        b: -4e160,
    };
    assert_eq!(clip_global_norm(&mut g, 2.0), 5e160);
    assert!(
        (g.w - 1.2).abs() <= 1e-15 && (g.b + 1.6).abs() <= 1e-15,
        "{g:?}"
    );

    // A norm beyond f32's range (4.2·10³⁸): reported as +∞, and the gradient still clipped
    // to max_norm along its direction.
    let mut g = Line {
        w: 3e38_f32,
        b: 3e38,
    };
    assert_eq!(clip_global_norm(&mut g, 0.5), f32::INFINITY);
    let root_half = 0.5_f32.sqrt();
    let want = 0.5 * root_half;
    assert!(
        (g.w - want).abs() <= 1e-7 && (g.b - want).abs() <= 1e-7,
        "{g:?}"
    );
    // The largest f32 gradients there are, of opposite signs.
    let mut g = Line {
        w: f32::MAX,
        b: -f32::MAX,
    };
    assert_eq!(clip_global_norm(&mut g, 1.0), f32::INFINITY);
    assert!((g.w - root_half).abs() <= 1e-7 && g.b == -g.w, "{g:?}");

    // Squares that underflow: the norm is still right (and under max_norm, so nothing moves).
    let mut tiny = Line {
        w: 3e-30_f32,
        b: 4e-30,
    };
    let norm = clip_global_norm(&mut tiny, 1.0);
    assert!(
        (norm - 5e-30).abs() <= 5e-30 * 2.0 * f32::EPSILON,
        "{norm:e}"
    );
    assert_eq!(tiny, Line { w: 3e-30, b: 4e-30 });
}

#[test]
fn clipping_leaves_zero_nan_and_infinite_gradients_alone() {
    let mut zero = Line { w: 0.0_f32, b: 0.0 };
    assert_eq!(clip_global_norm(&mut zero, 1.0), 0.0);
    assert_eq!(zero, Line { w: 0.0, b: 0.0 });

    // NaN stays NaN, for the Trainer to report; so does the norm.
    let mut nan = Line {
        w: f64::NAN,
        b: 1e300,
    };
    assert!(clip_global_norm(&mut nan, 1.0).is_nan());
    assert!(nan.w.is_nan() && nan.b == 1e300);
    let mut nan_last = Line {
        w: 1e300,
        b: f64::NAN,
    };
    assert!(global_norm(&nan_last).is_nan());
    assert!(clip_global_norm(&mut nan_last, 1.0).is_nan());
    assert!(nan_last.w == 1e300 && nan_last.b.is_nan());

    // An infinite component has no direction to keep: the norm is +∞ and nothing is scaled.
    let mut inf = Line {
        w: f32::NEG_INFINITY,
        b: 1.0,
    };
    assert_eq!(clip_global_norm(&mut inf, 1.0), f32::INFINITY);
    assert_eq!(
        inf,
        Line {
            w: f32::NEG_INFINITY,
            b: 1.0
        }
    );
}

/// `step_keeping` of every optimizer: the same new parameters as `step`, bit for bit, the old
/// ones in `before`, and `false` exactly when a new parameter is not finite.
#[test]
fn step_keeping_is_step_with_the_old_parameters_kept() {
    fn check<O: Optimizer<Line<f64>>>(make: impl Fn() -> O) {
        let start = Line {
            w: 0.25_f64,
            b: -1.5,
        };
        let grads = Line { w: 0.5, b: -2.0 };
        let (mut stepped, mut kept) = (start, start);
        let (mut a, mut b) = (make(), make());
        let mut before = Line { w: 9.0, b: 9.0 };
        for _ in 0..3 {
            a.step(&mut stepped, &grads);
            let was = kept;
            assert!(b.step_keeping(&mut kept, &grads, &mut before));
            assert_eq!(before, was);
            assert_eq!(kept, stepped);
        }
        // A step that overflows: reported, with the parameters from before it kept.
        let huge = Line {
            w: -1.7e308,
            b: 0.0,
        };
        let mut p = huge;
        let mut o = make();
        o.set_learning_rate(f64::MAX);
        assert!(!o.step_keeping(&mut p, &Line { w: 1.0, b: 0.0 }, &mut before));
        assert_eq!(before, huge);
        assert!(p.w.is_infinite());
    }
    check(|| Sgd::new(0.1));
    check(|| Momentum::<Line<f64>>::new(0.1, 0.9));
    check(|| Adam::<Line<f64>>::new(0.1));
    check(|| AdamW::<Line<f64>>::new(0.1, 0.01));
    check(|| RmsProp::<Line<f64>>::new(0.1));
}

/// `step_mean` of every optimizer (the Trainer's update: the mean of the summed gradient, its
/// check, `step_keeping`, the gradient zeroed): the bits of those steps in turn; a non-finite
/// mean gradient is `Err(Gradient)` with the parameters and the optimizer's state untouched
/// (the next step is the one a fresh optimizer takes); an overflowing step `Err(Parameters)`
/// with the old parameters in `before`.
#[test]
fn step_mean_is_the_mean_then_step_keeping() {
    fn check<O: Optimizer<Line<f64>>>(make: impl Fn() -> O) {
        let start = Line {
            w: 0.25_f64,
            b: -1.5,
        };
        let summed = Line { w: 2.0, b: -8.0 };
        let (mut fused, mut passes) = (start, start);
        let (mut a, mut b) = (make(), make());
        let (mut before, mut kept) = (Line { w: 9.0, b: 9.0 }, Line { w: 9.0, b: 9.0 });
        for _ in 0..3 {
            let was = fused;
            let mut grads = summed;
            assert_eq!(
                a.step_mean(&mut fused, &mut grads, 0.25, &mut before),
                Ok(())
            );
            assert_eq!(grads, Line { w: 0.0, b: 0.0 });
            assert_eq!(before, was);
            assert!(b.step_keeping(&mut passes, &Line { w: 0.5, b: -2.0 }, &mut kept));
            assert_eq!(fused, passes);
        }
        let (mut p, mut o, mut fresh) = (start, make(), start);
        let mut grads = Line {
            w: 1.0,
            b: f64::NAN,
        };
        assert_eq!(
            o.step_mean(&mut p, &mut grads, 0.5, &mut before),
            Err(Quantity::Gradient)
        );
        assert_eq!(p, start);
        let mut grads = summed;
        assert_eq!(o.step_mean(&mut p, &mut grads, 0.25, &mut before), Ok(()));
        let mut grads = summed;
        assert_eq!(
            make().step_mean(&mut fresh, &mut grads, 0.25, &mut before),
            Ok(())
        );
        assert_eq!(p, fresh);

        let huge = Line {
            w: -1.7e308,
            b: 0.0,
        };
        let (mut p, mut o) = (huge, make());
        o.set_learning_rate(f64::MAX);
        let mut grads = Line { w: 1.0, b: 0.0 };
        assert_eq!(
            o.step_mean(&mut p, &mut grads, 1.0, &mut before),
            Err(Quantity::Parameters)
        );
        assert_eq!(before, huge);
    }
    check(|| Sgd::new(0.1));
    check(|| Momentum::<Line<f64>>::new(0.1, 0.9));
    check(|| Adam::<Line<f64>>::new(0.1));
    check(|| AdamW::<Line<f64>>::new(0.1, 0.01));
    check(|| RmsProp::<Line<f64>>::new(0.1));
}

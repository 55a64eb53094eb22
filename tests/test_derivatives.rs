//! Every function of the language: the generated backward agrees with a central finite
//! difference of the generated forward (f64, relative error < 1e-6) at many points, on both
//! sides of every kink.

use nn::prelude::*;

/// Largest accepted relative error.
const TOLERANCE: f64 = 1e-6;
/// Central-difference step.
const H: f64 = 1e-6;

/// Relative error, with the denominator floored at 1 so that derivatives near 0 compare
/// absolutely (a relative error of two values ~1e-12 is meaningless).
fn relative_error(a: f64, b: f64) -> f64 {
    (a - b).abs() / a.abs().max(b.abs()).max(1.0)
}

/// Checks d/dz of a one-input network at every point, with a scaling parameter `w` = 1.3 in
/// front (`f(w·z)`) so that the parameter's gradient is checked too.
fn check<P>(name: &str, params: P, points: &[f64])
where
    P: Network<Input = f64, Output = f64, Scalar = f64> + Copy,
{
    for &z in points {
        let (_, tape) = params.forward_tape(&z);
        let mut grads = P::zeros();
        let dz = params.backward(&tape, &1.0, &mut grads);
        let numeric = (params.forward(&(z + H)) - params.forward(&(z - H))) / (2.0 * H);
        assert!(
            relative_error(dz, numeric) < TOLERANCE,
            "{name}'({z}): backward {dz}, finite difference {numeric}"
        );
        // ∂/∂w by perturbing the parameter.
        let mut plus = params;
        plus.tensor_mut(0)[0] += H;
        let mut minus = params;
        minus.tensor_mut(0)[0] -= H;
        let numeric_w = (plus.forward(&z) - minus.forward(&z)) / (2.0 * H);
        let dw = grads.tensor(0)[0];
        assert!(
            relative_error(dw, numeric_w) < TOLERANCE,
            "{name}: ∂/∂w at {z}: backward {dw}, finite difference {numeric_w}"
        );
    }
}

/// Points on both sides of the kinks at 0 (and never at a kink itself, where the
/// derivative is undefined and a central difference straddles it).
fn points() -> Vec<f64> {
    let mut p = vec![
        -7.5, -3.0, -1.1, -0.5, -0.01, -1e-3, 1e-3, 0.01, 0.5, 1.1, 3.0, 7.5,
    ];
    p.extend((0..40).map(|i| -4.0 + 0.2 * f64::from(i) + 0.0123));
    p
}

fn positive_points() -> Vec<f64> {
    points().into_iter().filter(|z| *z > 0.0).collect()
}

#[network]
fn sigmoid_net(z: f64, w: f64) -> f64 {
    sigmoid(w·z)
}
#[network]
fn tanh_net(z: f64, w: f64) -> f64 {
    tanh(w·z)
}
#[network]
fn relu_net(z: f64, w: f64) -> f64 {
    relu(w·z)
}
#[network]
fn leaky_net(z: f64, w: f64) -> f64 {
    leaky_relu(w·z, 0.02)
}
#[network]
fn step_net(z: f64, w: f64) -> f64 {
    step(w·z, 0.5)
}
#[network]
fn gelu_net(z: f64, w: f64) -> f64 {
    gelu(w·z)
}
#[network]
fn silu_net(z: f64, w: f64) -> f64 {
    silu(w·z)
}
#[network]
fn swish_net(z: f64, w: f64) -> f64 {
    swish(w·z)
}
#[network]
fn exp_net(z: f64, w: f64) -> f64 {
    exp(w·z)
}
#[network]
fn ln_net(z: f64, w: f64) -> f64 {
    ln(w·z)
}
#[network]
fn sqrt_net(z: f64, w: f64) -> f64 {
    sqrt(w·z)
}
#[network]
fn abs_net(z: f64, w: f64) -> f64 {
    abs(w·z)
}
#[network]
fn cube_net(z: f64, w: f64) -> f64 {
    powi(w·z, 3)
}
#[network]
fn inverse_square_net(z: f64, w: f64) -> f64 {
    powi(w·z, -2)
}
#[network]
fn softplus_net(z: f64, w: f64) -> f64 {
    softplus(w·z)
}
#[network]
fn quotient_net(z: f64, w: f64) -> f64 {
    (w - z) / (w·z·z + 1.0)
}
#[network]
fn negation_net(z: f64, w: f64) -> f64 {
    -(w·z) - z·z·w
}

/// A user-defined activation: swish(z) = z·σ(z), with its derivative from z and swish(z).
fn swish(z: f64) -> f64 {
    z / (1.0 + (-z).exp())
}
fn swish_derivative(z: f64, fz: f64) -> f64 {
    let s = 1.0 / (1.0 + (-z).exp());
    fz + s * (1.0 - fz)
}
#[network(act = custom(swish, swish_derivative))]
fn custom_net(z: f64, w: f64) -> f64 {
    act(w·z)
}

const W: f64 = 1.3;

#[test]
fn activations_match_finite_differences() {
    check("sigmoid", sigmoid_net::Params { w: W }, &points());
    check("tanh", tanh_net::Params { w: W }, &points());
    check("relu", relu_net::Params { w: W }, &points());
    check("leaky_relu", leaky_net::Params { w: W }, &points());
    check("softplus", softplus_net::Params { w: W }, &points());
    check("custom swish", custom_net::Params { w: W }, &points());
    check("gelu", gelu_net::Params { w: W }, &points());
    check("silu", silu_net::Params { w: W }, &points());
    check("swish", swish_net::Params { w: W }, &points());
}

/// `swish` is another name of `silu`, and both agree with the user-written swish.
#[test]
fn silu_swish_and_a_custom_swish_are_one_function() {
    for z in points() {
        let (a, b, c) = (
            silu_net::forward(&silu_net::Params { w: W }, z),
            swish_net::forward(&swish_net::Params { w: W }, z),
            custom_net::forward(&custom_net::Params { w: W }, z),
        );
        assert_eq!(a, b);
        assert!((a - c).abs() <= 1e-15 * a.abs().max(1.0), "{a} vs {c}");
    }
    assert!(
        silu_net::SOURCE
            .contains("let dl_dz_2 = dl_dy * silu_derivative(z_2); // ∂y/∂z_2 = silu′(z_2)"),
        "{}",
        silu_net::SOURCE
    );
    assert!(
        gelu_net::SOURCE
            .contains("let dl_dz_2 = dl_dy * gelu_derivative(z_2); // ∂y/∂z_2 = gelu′(z_2)"),
        "{}",
        gelu_net::SOURCE
    );
}

#[test]
fn step_has_zero_gradient_everywhere_but_its_threshold() {
    // Both sides of the threshold 0.5 / 1.3.
    let pts: Vec<f64> = points()
        .into_iter()
        .filter(|z| (W * z - 0.5).abs() > 1e-3)
        .collect();
    check("step", step_net::Params { w: W }, &pts);
    assert!(
        step_net::SOURCE.contains("let dl_dz_2 = dl_dy * step_derivative(z_2);"),
        "the zero is visible in the backward: {}",
        step_net::SOURCE
    );
}

#[test]
fn elementary_functions_match_finite_differences() {
    check("exp", exp_net::Params { w: W }, &points());
    check("ln", ln_net::Params { w: W }, &positive_points());
    check("sqrt", sqrt_net::Params { w: W }, &positive_points());
    check("abs", abs_net::Params { w: W }, &points());
    check("powi 3", cube_net::Params { w: W }, &points());
    // Away from the pole at 0, where a central difference itself is inaccurate.
    let away: Vec<f64> = positive_points().into_iter().filter(|z| *z > 0.1).collect();
    check("powi -2", inverse_square_net::Params { w: W }, &away);
}

#[test]
fn arithmetic_matches_finite_differences() {
    check("quotient", quotient_net::Params { w: W }, &points());
    check("negation", negation_net::Params { w: W }, &points());
}

/// A generic network instantiated at f32 and f64 gives the same gradients (to f32 precision).
#[network(inputs(x, t))]
fn generic_loss<T: Float>(x: T, t: T, w: T, b: T) -> T {
    let a = tanh(w·x + b);
    l = 0.5 * powi(a - t, 2)
}

#[test]
fn generic_scalar_types_agree() {
    let p64 = generic_loss::Params {
        w: 0.7_f64,
        b: -0.1,
    };
    let p32 = generic_loss::Params {
        w: 0.7_f32,
        b: -0.1,
    };
    let (_, t64) = generic_loss::forward_tape(&p64, 0.9, 0.2);
    let (_, t32) = generic_loss::forward_tape(&p32, 0.9, 0.2);
    let mut g64 = generic_loss::Params::zeros();
    let mut g32 = generic_loss::Params::zeros();
    generic_loss::backward(&p64, &t64, 1.0, &mut g64);
    generic_loss::backward(&p32, &t32, 1.0, &mut g32);
    assert!((g64.w - f64::from(g32.w)).abs() < 1e-6);
    assert!((g64.b - f64::from(g32.b)).abs() < 1e-6);
    // Backward accumulates: a second pass doubles the gradient.
    generic_loss::backward(&p64, &t64, 1.0, &mut g64);
    let mut once = generic_loss::Params::zeros();
    generic_loss::backward(&p64, &t64, 1.0, &mut once);
    assert_eq!(g64.w, 2.0 * once.w);
}

/// A constant `let` used only inside another constant expression is used: `(c + 1)·x` folds
/// to `3·x`, and the network differentiates to 3.
#[network]
fn constant_let(x: f64, w: f64) -> f64 {
    let c = 2.0;
    y = (c + 1.0) * x + w
}

#[test]
fn a_constant_let_folded_into_another_constant_counts_as_used() {
    let p = constant_let::Params { w: 0.25 };
    let (y, tape) = constant_let::forward_tape(&p, 2.0);
    assert_eq!(y, 6.25);
    let mut grads = constant_let::Params { w: 0.0 };
    assert_eq!(constant_let::backward(&p, &tape, 1.0, &mut grads), 3.0);
    assert_eq!(grads.w, 1.0);
    assert!(
        constant_let::SOURCE.contains("3.0 * x + w"),
        "{}",
        constant_let::SOURCE
    );
}

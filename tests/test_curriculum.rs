//! The worked numbers of the lecture notes, `docs/lectures.md`, computed by generated code.

use nn::prelude::*;

const TOL: f64 = 1e-12;

/// §4: h(x) = (2(x + 1))² as f = x + 1, g = 2f, h = g².
#[network]
fn h(x: f64) -> f64 {
    let f = x + 1.0;
    let g = 2.0 * f;
    h = powi(g, 2)
}

#[test]
fn computational_graph_h() {
    let params = h::Params {};
    let (value, tape) = h::forward_tape(&params, 2.0);
    assert_eq!(value, 36.0);
    assert_eq!(tape.g, 6.0);
    let mut grads = h::Params {};
    assert_eq!(h::backward(&params, &tape, 1.0, &mut grads), 24.0);
    // The intermediate adjoint dh/dg = 2g = 12 is one line of the generated backward.
    assert!(
        h::SOURCE.contains("let dl_dg = dl_dh * 2.0 * g; // ∂h/∂g = 2·g"),
        "{}",
        h::SOURCE
    );
}

/// §4: multiple paths, `f = (x3 + x5) − σ(w3·x3 + w4·x4)`.
#[network(inputs(x3, x4, x5))]
fn circuit(x3: f64, x4: f64, x5: f64, w3: f64, w4: f64) -> f64 {
    let net2 = w3·x3 + w4·x4;
    f = (x3 + x5) - sigmoid(net2)
}

#[test]
fn circuit_paths_add_up() {
    let p = circuit::Params { w3: 0.7, w4: -1.3 };
    let (x3, x4, x5) = (0.4, 2.0, -0.5);
    let (f, tape) = circuit::forward_tape(&p, x3, x4, x5);
    let net2: f64 = 0.7 * 0.4 + -1.3 * 2.0;
    let s = 1.0 / (1.0 + (-net2).exp());
    assert!((f - ((x3 + x5) - s)).abs() < TOL);
    let mut grads = circuit::Params::zeros();
    let dx = circuit::backward(&p, &tape, 1.0, &mut grads);
    let sigma_prime = s * (1.0 - s);
    assert!(
        (dx.x3 - (1.0 - sigma_prime * 0.7)).abs() < TOL,
        "∂f/∂x3 = 1 − σ'(net2)·w3"
    );
    assert!((dx.x5 - 1.0).abs() < TOL);
    assert!(
        (grads.w3 - (-sigma_prime * x3)).abs() < TOL,
        "∂f/∂w3 = −σ'(net2)·x3"
    );
}

/// §3: the chain, with sigmoid everywhere.
#[network(f1 = sigmoid, f2 = sigmoid, f3 = sigmoid)]
fn chain(x: f64, w1: f64, b1: f64, w2: f64, w3: f64) -> f64 {
    y = f3(w3·f2(w2·f1(w1·x + b1)))
}

#[test]
fn chain_rule_for_w3() {
    let p = chain::Params {
        w1: 0.5,
        b1: -0.2,
        w2: 1.5,
        w3: -0.8,
    };
    let (x, y) = (0.9, 0.3);
    let (y_hat, tape) = chain::forward_tape(&p, x);
    // L = ½(y − ŷ)², so ∂L/∂ŷ = −(y − ŷ).
    let dl_dy = -(y - y_hat);
    let mut grads = chain::Params::zeros();
    chain::backward(&p, &tape, dl_dy, &mut grads);
    let f3 = y_hat;
    let f2 = tape.f2;
    let expected = -(y - y_hat) * f3 * (1.0 - f3) * f2;
    assert!(
        (grads.w3 - expected).abs() < TOL,
        "{} vs {expected}",
        grads.w3
    );
    assert_eq!(
        chain(x, 0.5, -0.2, 1.5, -0.8),
        y_hat,
        "the function stays callable"
    );
}

/// §9: one step of logistic regression, the loss written in the body.
#[network(inputs(x1, x2, y))]
fn logistic(x1: f64, x2: f64, y: f64, w1: f64, w2: f64, b: f64) -> f64 {
    let z = w1·x1 + w2·x2 + b;
    let a = sigmoid(z);
    l = -(y·ln(a) + (1.0 - y) * ln(1.0 - a))
}

#[test]
fn logistic_regression_step() {
    let mut p = logistic::Params {
        w1: 0.8,
        w2: 0.2,
        b: 0.1,
    };
    let (l, tape) = logistic::forward_tape(&p, 0.1, 0.7, 1.0);
    let z = p.w1 * 0.1 + p.w2 * 0.7 + p.b;
    assert_eq!(format!("{z:.2}"), "0.32");
    assert_eq!(format!("{:.4}", tape.a), "0.5793");
    assert_eq!(format!("{l:.4}"), "0.5459");
    let mut g = logistic::Params::zeros();
    logistic::backward(&p, &tape, 1.0, &mut g);
    assert_eq!(format!("{:.4}", g.b), "-0.4207");
    assert_eq!(format!("{:.5} {:.5}", g.w1, g.w2), "-0.04207 -0.29447");
    let alpha = 0.5;
    p.w1 -= alpha * g.w1;
    p.w2 -= alpha * g.w2;
    p.b -= alpha * g.b;
    assert_eq!(
        format!("{:.5} {:.5} {:.5}", p.w1, p.w2, p.b),
        "0.82103 0.34724 0.31034"
    );
    let (l2, tape2) = logistic::forward_tape(&p, 0.1, 0.7, 1.0);
    let z2 = p.w1 * 0.1 + p.w2 * 0.7 + p.b;
    assert_eq!(
        format!("{z2:.4} {:.4} {l2:.5}", tape2.a),
        "0.6355 0.6537 0.42505"
    );
}

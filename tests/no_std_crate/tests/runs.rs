use nn_no_std_check::{chain, objective, sgd_step};

#[test]
fn no_std_networks_compute_and_learn() {
    let p = chain::Params {
        w1: 0.5,
        b1: 0.1,
        w2: 2.0,
        w3: -1.0,
    };
    let a1: f32 = 0.5 * 0.8 + 0.1;
    let expected = 1.0 / (1.0 + (2.0 * a1.tanh()).exp());
    assert!((chain::forward(&p, 0.8) - expected).abs() < 1e-6);

    let mut params = objective::Params { w: 0.1_f32, b: 0.0 };
    let first = sgd_step(&mut params, 1.0, 0.5, 0.1);
    let mut last = first;
    for _ in 0..200 {
        last = sgd_step(&mut params, 1.0, 0.5, 0.1);
    }
    assert!(last < 0.01 * first, "loss {first} -> {last}");
}

#[test]
fn capitalised_names_differentiate() {
    use nn_no_std_check::capitals;
    let p = capitals::Params {
        W1: 2.0,
        B1: -1.0,
        W2: 3.0,
    };
    // H = relu(2·1.5 − 1) = 2; y = W2·H + H·H·W2 = 6 + 12 = 18.
    let (y, tape) = capitals::forward_tape(&p, 1.5);
    assert_eq!(y, 18.0);
    let mut g = capitals::Params {
        W1: 0.0,
        B1: 0.0,
        W2: 0.0,
    };
    let dl_dx = capitals::backward(&p, &tape, 1.0, &mut g);
    // ∂y/∂W2 = H + H·H = 6; ∂y/∂H = W2 + 2·H·W2 = 15; ∂H/∂W1 = X = 1.5, ∂H/∂B1 = 1, ∂H/∂X = W1 = 2.
    assert_eq!((g.W2, g.W1, g.B1, dl_dx), (6.0, 22.5, 15.0, 30.0));
}

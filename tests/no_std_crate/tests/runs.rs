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

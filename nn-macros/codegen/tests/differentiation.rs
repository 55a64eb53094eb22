//! The differentiator against finite differences, without compiling generated code: random
//! networks are compiled by the engine and both passes run in the reference evaluator.

use nn_codegen::eval::{self, Customs};
use proptest::prelude::*;

/// A random smooth expression over `x`, `w1..w3` and earlier lets (kinks are tested, on both
/// sides, in the root crate's `test_derivatives`).
fn expression(names: Vec<&'static str>) -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        proptest::sample::select(names).prop_map(str::to_string),
        (-3.0f64..3.0).prop_map(|c| format!("{c:.3}")),
    ];
    leaf.prop_recursive(5, 40, 2, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a} + {b})")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a} - {b})")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a} * {b})")),
            (inner.clone(), inner.clone())
                .prop_map(|(a, b)| format!("({a} / (1.5 + powi({b}, 2)))")),
            inner.clone().prop_map(|a| format!("(-{a})")),
            inner.clone().prop_map(|a| format!("sigmoid({a})")),
            inner.clone().prop_map(|a| format!("tanh({a})")),
            inner.clone().prop_map(|a| format!("softplus({a})")),
            inner.clone().prop_map(|a| format!("gelu({a})")),
            inner.clone().prop_map(|a| format!("silu({a})")),
            inner.clone().prop_map(|a| format!("exp(tanh({a}))")),
            inner
                .clone()
                .prop_map(|a| format!("ln(1.0 + powi({a}, 2))")),
            inner
                .clone()
                .prop_map(|a| format!("sqrt(0.5 + sigmoid({a}))")),
            inner.clone().prop_map(|a| format!("powi({a}, 3)")),
        ]
    })
}

fn network() -> impl Strategy<Value = String> {
    let base = vec!["x", "w1", "w2", "w3"];
    (
        expression(base.clone()),
        expression(vec!["x", "w1", "w2", "w3", "h"]),
    )
        .prop_map(|(h, y)| {
            // `0.0 * (...)` keeps every argument used whatever the random draw.
            format!(
                "fn net(x: f64, w1: f64, w2: f64, w3: f64) -> f64 {{ let h = {h}; y = {y} + 0.0 * (h + x + w1 + w2 + w3) }}"
            )
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn backward_matches_central_differences(
        source in network(),
        point in proptest::array::uniform4(-2.0f64..2.0),
    ) {
        let item: proc_macro2::TokenStream = source.parse().unwrap();
        let compiled = nn_codegen::compile(proc_macro2::TokenStream::new(), item)
            .map_err(|e| TestCaseError::fail(format!("{source}: {e}")))?;
        let g = &compiled.graph;
        let inputs = [vec![point[0]]];
        let params = [vec![point[1]], vec![point[2]], vec![point[3]]];
        let values = eval::forward(g, &inputs, &params, &Customs::NONE);
        let grads = eval::backward(g, &compiled.backward, &values, &[1.0], &Customs::NONE);
        let f = |inputs: &[Vec<f64>], params: &[Vec<f64>]| eval::forward(g, inputs, params, &Customs::NONE)[g.output][0];
        prop_assume!(values.0.iter().flatten().all(|v| v.is_finite() && v.abs() < 1e6));
        let h = 1e-6;
        let rel = |a: f64, b: f64| (a - b).abs() / a.abs().max(b.abs()).max(1.0);
        let dx = (f(&[vec![point[0] + h]], &params) - f(&[vec![point[0] - h]], &params)) / (2.0 * h);
        prop_assert!(rel(grads.inputs[0][0], dx) < 1e-6, "{}: ∂/∂x {} vs {}", source, grads.inputs[0][0], dx);
        for i in 0..3 {
            let mut plus = params.clone();
            plus[i][0] += h;
            let mut minus = params.clone();
            minus[i][0] -= h;
            let numeric = (f(&inputs, &plus) - f(&inputs, &minus)) / (2.0 * h);
            prop_assert!(rel(grads.params[i][0], numeric) < 1e-6, "{}: ∂/∂w{} {} vs {}", source, i + 1, grads.params[i][0], numeric);
        }
    }
}

#[test]
fn curriculum_computational_graph() {
    // §4: h(x) = (2(x + 1))², forward at 2: f = 3, g = 6, h = 36; dh/dg = 12; h'(2) = 24.
    let item = quote::quote!(
        fn h(x: f64) -> f64 {
            let f = x + 1.0;
            let g = 2(f);
            h = powi(g, 2)
        }
    );
    let c = nn_codegen::compile(proc_macro2::TokenStream::new(), item).unwrap();
    let g = &c.graph;
    let values = eval::forward(g, &[vec![2.0]], &[], &Customs::NONE);
    let by_name = |name: &str| g.ids().find(|&i| c.names.value(i) == Some(name)).unwrap();
    assert_eq!(values[by_name("f")], [3.0]);
    assert_eq!(values[by_name("g")], [6.0]);
    assert_eq!(values[by_name("h")], [36.0]);
    let grads = eval::backward(g, &c.backward, &values, &[1.0], &Customs::NONE);
    assert_eq!(grads.adjoints[by_name("g")], [12.0]);
    assert_eq!(grads.adjoints[by_name("f")], [24.0]);
    assert_eq!(grads.inputs, vec![vec![24.0]]);
}

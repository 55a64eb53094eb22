//! The simplifier never changes a value: random networks built from every rule's pattern,
//! compiled with and without the simplifier, give the same output and the same gradients
//! (f64, relative 1e-9) in the reference evaluator, wherever the written form keeps its digits;
//! and where the written form overflows or cancels, the simplified one gives the exact value.

use nn_codegen::eval::{self, Customs};
use nn_codegen::graph::{Graph, NodeId, Op, PerNode};
use proc_macro2::TokenStream;
use proptest::prelude::*;

/// Largest relative difference accepted between the simplified and the written network.
const TOLERANCE: f64 = 1e-9;

/// A random expression over `x`, `w1..w3` and `h`, rich in the rules' patterns.
fn expression(names: Vec<&'static str>) -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        proptest::sample::select(names).prop_map(str::to_string),
        (-3.0f64..3.0).prop_map(|c| format!("{c:.3}")),
    ];
    leaf.prop_recursive(4, 32, 2, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a} + {b})")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a} - {b})")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a} * {b})")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a} * -{b})")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("(-{a} * {b})")),
            (inner.clone(), inner.clone())
                .prop_map(|(a, b)| format!("(-{a} / (2 + powi({b}, 2)))")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("(-{a} + -{b})")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a} + -{b})")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a} - -{b})")),
            inner.clone().prop_map(|a| format!("ln(sigmoid({a}))")),
            inner
                .clone()
                .prop_map(|a| format!("ln(1.0 - sigmoid({a}))")),
            inner.clone().prop_map(|a| format!("ln(exp(tanh({a})))")),
            inner
                .clone()
                .prop_map(|a| format!("exp(ln(exp(tanh({a}))))")),
            inner.clone().prop_map(|a| format!("softplus({a})")),
            inner.clone().prop_map(|a| format!("(-{a})")),
        ]
    })
}

fn network() -> impl Strategy<Value = String> {
    (
        expression(vec!["x", "w1", "w2", "w3"]),
        expression(vec!["x", "w1", "w2", "w3", "h"]),
    )
        .prop_map(|(h, y)| {
            format!(
                "fn net(x: f64, w1: f64, w2: f64, w3: f64) -> f64 {{ let h = {h}; y = {y} + 0.0 * (h + x + w1 + w2 + w3) }}"
            )
        })
}

/// (output, ∂/∂ every input, ∂/∂ every parameter) of `item` at a point, with or without the
/// simplifier.
fn evaluate(item: &str, inputs: &[Vec<f64>], params: &[Vec<f64>], simplify: bool) -> Vec<f64> {
    evaluate_with_cancellation(item, inputs, params, simplify).0
}

/// [`evaluate`]'s values, and the [`cancellation`] of the graph evaluated.
fn evaluate_with_cancellation(
    item: &str,
    inputs: &[Vec<f64>],
    params: &[Vec<f64>],
    simplify: bool,
) -> (Vec<f64>, f64) {
    let tokens: TokenStream = item.parse().unwrap();
    let c = nn_codegen::compile_with(attr_of(item), tokens, simplify)
        .unwrap_or_else(|e| panic!("{item}: {e}"));
    let g = &c.graph;
    let values = eval::forward(g, inputs, params, &Customs::NONE);
    let grads = eval::backward(g, &c.backward, &values, &[1.0], &Customs::NONE);
    let mut out = values[g.output].clone();
    out.extend(grads.inputs.into_iter().flatten());
    out.extend(grads.params.into_iter().flatten());
    (out, cancellation(g, &values))
}

/// The most digits a sum or difference of the forward pass cancels at this point: the largest
/// max(|a|, |b|) / |a ± b| over its `a + b` and `a − b` (1 where nothing cancels). A sum that
/// cancels to 1/κ of its operands keeps about log₁₀ κ fewer of f64's 16 digits, and so does
/// every value computed from it: `1 − σ(20)` keeps 7. A heuristic, for skipping the points
/// where the written form is the less exact one: it counts exact differences (`x − x`, where
/// κ is infinite) as cancelling, takes the worst sum rather than compounding them, and does
/// not see other ill-conditioned steps (`ln` near 1, the backward pass's `1 − out²`); those
/// would show as failures, not hide one.
fn cancellation(g: &Graph, values: &PerNode<Vec<f64>>) -> f64 {
    let largest = |id: NodeId| values[id].iter().fold(0.0f64, |m, v| m.max(v.abs()));
    g.nodes
        .iter()
        .zip(&values.0)
        .filter_map(|(node, value)| match node.op {
            Op::Add(a, b) | Op::Sub(a, b) => Some((largest(a).max(largest(b)), value)),
            _ => None,
        })
        .flat_map(|(operands, value)| {
            value.iter().map(move |&r| {
                if operands == 0.0 {
                    1.0
                } else {
                    operands / r.abs()
                }
            })
        })
        .fold(1.0, f64::max)
}

/// The most a sum of the written form may cancel for the comparison to say something: 10⁵,
/// 5 of f64's 16 digits, leaving the written value good to about 10⁻¹¹, well within
/// [`TOLERANCE`].
const MAX_CANCELLATION: f64 = 1e5;

fn agree(item: &str, written: &[f64], simplified: &[f64]) -> Result<(), TestCaseError> {
    for (k, (a, b)) in written.iter().zip(simplified).enumerate() {
        let scale = a.abs().max(b.abs()).max(1.0);
        prop_assert!(
            (a - b).abs() <= TOLERANCE * scale,
            "{}: value {} is {} written, {} simplified",
            item,
            k,
            a,
            b
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn the_simplifier_never_changes_a_value(
        item in network(),
        point in proptest::array::uniform4(-2.0f64..2.0),
    ) {
        let inputs = [vec![point[0]]];
        let params = [vec![point[1]], vec![point[2]], vec![point[3]]];
        let (written, cancelled) = evaluate_with_cancellation(&item, &inputs, &params, false);
        // Where the written form overflows or loses digits, the comparison says nothing: the
        // simplified form is the better value there (see
        // `the_simplified_form_keeps_the_digits_the_written_one_cancels`).
        prop_assume!(written.iter().all(|v| v.is_finite() && v.abs() < 1e8));
        prop_assume!(cancelled <= MAX_CANCELLATION);
        let simplified = evaluate(&item, &inputs, &params, true);
        agree(&item, &written, &simplified)?;
    }
}

/// `inputs(x, t)` for the networks that take a target, none for the others.
fn attr_of(item: &str) -> TokenStream {
    let attr = if item.contains("t: [") {
        "inputs(x, t)"
    } else {
        ""
    };
    attr.parse().unwrap()
}

/// The vector rules: `ln(softmax)`, `exp(log_softmax)`, `mean(−v)`, `sum(−v)`, and the
/// logistic loss written in the body, at random points.
#[test]
fn vector_rules_never_change_a_value() {
    let networks = [
        "fn a(x: [f64; 3], t: [f64; 3], W: [[f64; 3]; 3], b: [f64; 3]) -> f64 { l = -sum(t * ln(softmax(W·x + b))) }",
        "fn b(x: [f64; 3], W: [[f64; 3]; 3]) -> [f64; 3] { exp(log_softmax(W·x)) }",
        "fn c(x: [f64; 3], v: [f64; 3]) -> f64 { mean(-(v * x)) + sum(-(x - v)) }",
        "fn d(x: [f64; 3], t: [f64; 3], W: [[f64; 3]; 3]) -> f64 { let p = sigmoid(W·x); -mean(t * ln(p) + (1.0 - t) * ln(1.0 - p)) }",
    ];
    let mut seed = 7u64;
    let mut random = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % 4000) as f64 / 1000.0 - 2.0
    };
    for item in networks {
        let tokens: TokenStream = item.parse().unwrap();
        let c = nn_codegen::compile(attr_of(item), tokens).unwrap();
        for _ in 0..50 {
            let mut vector = |n: usize| (0..n).map(|_| random()).collect::<Vec<f64>>();
            let inputs: Vec<Vec<f64>> = c
                .graph
                .inputs
                .iter()
                .map(|&i| vector(c.graph.shape(i).elements()))
                .collect();
            let params: Vec<Vec<f64>> = c
                .graph
                .params
                .iter()
                .map(|&p| vector(c.graph.shape(p).elements()))
                .collect();
            let written = evaluate(item, &inputs, &params, false);
            let simplified = evaluate(item, &inputs, &params, true);
            agree(item, &written, &simplified).unwrap();
        }
    }
}

/// Where the written logistic loss overflows (σ(z) rounds to 0 or 1), the simplified one
/// still gives the exact value and gradient: l = softplus(−z) for t = 1, ∂l/∂z = σ(z) − 1.
#[test]
fn the_logistic_loss_stays_exact_where_the_written_form_overflows() {
    let item = "fn l(x: f64, t: f64, w: f64) -> f64 { let a = sigmoid(w·x); l = -(t * ln(a) + (1.0 - t) * ln(1.0 - a)) }";
    let attr: TokenStream = "inputs(x, t)".parse().unwrap();
    for (z, t, loss, dz) in [
        (-800.0, 1.0, 800.0, -1.0),
        (800.0, 0.0, 800.0, 1.0),
        (
            40.0,
            1.0,
            (-40.0f64).exp().ln_1p(),
            -(-40.0f64).exp() / (1.0 + (-40.0f64).exp()),
        ),
    ] {
        for simplify in [false, true] {
            let c =
                nn_codegen::compile_with(attr.clone(), item.parse().unwrap(), simplify).unwrap();
            let values = eval::forward(&c.graph, &[vec![1.0], vec![t]], &[vec![z]], &Customs::NONE);
            let grads = eval::backward(&c.graph, &c.backward, &values, &[1.0], &Customs::NONE);
            let (l, dw) = (values[c.graph.output][0], grads.params[0][0]);
            if simplify {
                assert!(
                    (l - loss).abs() <= 1e-15 * loss.abs(),
                    "z = {z}: l = {l}, want {loss}"
                );
                assert!((dw - dz).abs() <= 1e-15, "z = {z}: ∂l/∂w = {dw}, want {dz}");
            } else if z.abs() > 100.0 {
                // The written form: ln(0) · 0 or ln(1 − 1): not finite.
                assert!(!l.is_finite() || !dw.is_finite(), "z = {z}: {l}, {dw}");
            }
        }
    }
}

/// A network the property test found (`ln(1 − σ(h))` at h ≈ 20.28): in the written form,
/// `1 − σ(h)` cancels 8 digits and the output is off by 1.5·10⁻⁹ of itself; the simplified
/// form, `softplus(h)`, is exact to rounding. The exact values are from mpmath at 40 digits,
/// with the network's constants as the f64 numbers they are: y = ln(1 + eʰ), ∂y/∂x = −c·σ(h),
/// ∂y/∂w2 = c·σ(h)·(1 − tanh²(w2)), c = 2.873 + 1.254.
#[test]
fn the_simplified_form_keeps_the_digits_the_written_one_cancels() {
    let item = "fn net(x: f64, w1: f64, w2: f64, w3: f64) -> f64 { let h = (-((-2.674 - -x) + -ln(exp(tanh(w2)))) * (2.873 - -1.254)); y = (x + -(ln(1.0 - sigmoid(h)) - -x)) + 0.0 * (h + x + w1 + w2 + w3) }";
    let inputs = [vec![-1.3293979215985197]];
    let params = [vec![0.0], vec![1.5277189857406364], vec![0.0]];
    let (written, cancelled) = evaluate_with_cancellation(item, &inputs, &params, false);
    assert!(
        cancelled > 1e8,
        "1 − σ(h) cancels 8 digits, not {cancelled}"
    );
    let simplified = evaluate(item, &inputs, &params, true);
    // [y, ∂y/∂x, ∂y/∂w1, ∂y/∂w2, ∂y/∂w3]
    let exact = [
        20.277_731_226_790_45,
        -4.126_999_993_556_413,
        0.0,
        0.709_180_129_196_557_3,
        0.0,
    ];
    for (k, (&got, &want)) in simplified.iter().zip(&exact).enumerate() {
        assert!(
            // The rounding of a dozen operations (∂y/∂w2's `1 − tanh²` amplifies `tanh`'s ten
            // times), four orders below the written form's 1.5·10⁻⁹.
            (got - want).abs() <= 1e-13 * want.abs(),
            "value {k}: {got} simplified, {want} exact"
        );
    }
    assert!(
        (written[0] - exact[0]).abs() > 1e-9 * exact[0],
        "the written form was expected to lose digits: {}",
        written[0]
    );
}

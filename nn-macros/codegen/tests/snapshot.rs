//! The generated source of the lecture's chain example, held in a snapshot so that every
//! change to what users read is a reviewed change. `UPDATE_SNAPSHOTS=1` rewrites it.

mod common;

/// Compares `source` with `tests/snapshots/<name>`, which `UPDATE_SNAPSHOTS=1` rewrites.
fn matches_snapshot(source: &str, name: &str) {
    let path = format!("{}/tests/snapshots/{name}", env!("CARGO_MANIFEST_DIR"));
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(&path, source).unwrap();
    }
    let expected =
        std::fs::read_to_string(&path).expect("snapshot missing: run with UPDATE_SNAPSHOTS=1");
    assert_eq!(
        source, expected,
        "generated source changed; review, then UPDATE_SNAPSHOTS=1"
    );
}

#[test]
fn chain_source_reads_like_the_lecture() {
    let (attr, item) = common::corpus().remove(0);
    let source = nn_codegen::expand_source(attr, item).unwrap();
    matches_snapshot(&source, "chain.rs.txt");
    // The lines the lecture writes, one chain-rule step each.
    for line in [
        "let dl_da3 = dl_dy * y * (1.0 - y); // ∂y/∂a3 = y·(1 − y)",
        "grads.w3 += dl_da3 * f2; // ∂a3/∂w3 = f2",
        "let dl_df2 = dl_da3 * w3; // ∂a3/∂f2 = w3",
        "grads.b1 += dl_da1; // ∂a1/∂b1 = 1",
    ] {
        assert!(source.contains(line), "missing `{line}`");
    }
    for forbidden in ["* 1.0", "+ 0.0", "1.0 *"] {
        assert!(
            !source.contains(forbidden),
            "`{forbidden}` in generated code"
        );
    }
}

/// The generated source of a two-layer classifier with its loss: loops, whole-vector steps.
#[test]
fn classifier_source_reads_like_the_lecture() {
    let (attr, item) = common::corpus()
        .into_iter()
        .find(|(_, item)| item.to_string().contains("fn classifier"))
        .unwrap();
    let source = nn_codegen::expand_source(attr, item).unwrap();
    matches_snapshot(&source, "classifier.rs.txt");
    for line in [
        "let z1: [f32; 4] = matvec(W1, &x, |i, wx_i| wx_i + b1[i]);",
        "outer_add(&mut grads.W1, &dl_dz1, x); // ∂z1/∂W1 = xᵀ (outer product)",
        "add_assign(&mut grads.b1, &dl_dz1); // ∂z1/∂b1 = 1",
    ] {
        assert!(source.contains(line), "missing `{line}`");
    }
}

/// The network named `name` of the corpus.
fn corpus_network(name: &str) -> (proc_macro2::TokenStream, proc_macro2::TokenStream) {
    common::corpus()
        .into_iter()
        .find(|(_, item)| item.to_string().contains(&format!("fn {name}")))
        .unwrap()
}

/// The logistic loss written in the body, `-(y·ln(a) + (1 − y)·ln(1 − a))` with
/// `a = sigmoid(z)`: the simplifier makes the forward stable (softplus) and the backward the
/// lecture's `a − y`, found by its rules.
#[test]
fn logistic_loss_written_in_the_body_cancels_to_a_minus_y() {
    let (attr, item) = corpus_network("logistic");
    let source = nn_codegen::expand_source(attr, item).unwrap();
    matches_snapshot(&source, "logistic.rs.txt");
    for line in [
        "let dl_dz = seed * (a - y); // ∂l/∂z = a − y",
        "let t1 = softplus(-z);",
        "let a = sigmoid(z);",
    ] {
        assert!(source.contains(line), "missing `{line}`");
    }
    assert!(!source.contains("ln("), "the unstable logarithms stay");
}

/// Softmax and the cross-entropy written in the body, `-sum(t * ln(softmax(z)))`: the
/// backward is `p·Σt − t` (`p − t` for a target that sums to 1), by the same rules.
#[test]
fn softmax_cross_entropy_written_in_the_body_cancels_to_p_minus_t() {
    let (attr, item) = corpus_network("softmax_cross_entropy");
    let source = nn_codegen::expand_source(attr, item).unwrap();
    matches_snapshot(&source, "softmax_cross_entropy.rs.txt");
    let line =
        "let dl_dz: [f32; 4] = from_fn(|i| seed * (p[i] * sum_t - t[i])); // ∂l/∂z = p·sum_t − t";
    assert!(source.contains(line), "missing `{line}`");
    assert!(
        source.contains("log_softmax(&z)"),
        "the loss is computed stably"
    );
}

#[test]
fn expansion_is_deterministic() {
    for (attr, item) in common::corpus() {
        let first = nn_codegen::expand(attr.clone(), item.clone()).to_string();
        for _ in 0..3 {
            assert_eq!(
                first,
                nn_codegen::expand(attr.clone(), item.clone()).to_string()
            );
        }
    }
}

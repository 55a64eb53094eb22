//! The teaching view: the numbers it prints are the chain rule's, the graph it writes is
//! valid Graphviz (rendered by the real `dot` when installed; `.ci/run` installs it and sets
//! `NN_REQUIRE_GRAPHVIZ=1`), and bad input gives the compiler's message.

use std::process::Command;

use nn_codegen::explain::{explain, Request};

fn sigmoid(z: f64) -> f64 {
    1.0 / (1.0 + (-z).exp())
}

/// The value a line `name = value` of the numbers reports.
fn number(lines: &[String], name: &str) -> f64 {
    let line = lines
        .iter()
        .find(|l| l.starts_with(&format!("{name} = ")))
        .unwrap_or_else(|| panic!("no `{name}` in {lines:#?}"));
    line[name.len() + 3..]
        .split(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

fn chain() -> Request {
    Request {
        body: "y = f3(w3·f2(w2·f1(w1·x + b1)))".into(),
        with: "f1 = sigmoid, f2 = sigmoid, f3 = sigmoid".into(),
        at: vec![
            ("x".into(), 1.0),
            ("w1".into(), 0.5),
            ("b1".into(), 0.1),
            ("w2".into(), -0.3),
            ("w3".into(), 0.8),
        ],
        name: Some("chain".into()),
        ..Request::default()
    }
}

#[test]
fn chain_numbers_are_the_chain_rule() {
    let e = explain(&chain()).unwrap();
    assert!(e
        .function
        .starts_with("fn chain(x: f64, w1: f64, b1: f64, w2: f64, w3: f64) -> f64"));
    let f1 = sigmoid(0.5 * 1.0 + 0.1);
    let f2 = sigmoid(-0.3 * f1);
    let y = sigmoid(0.8 * f2);
    // ∂L/∂w3 = ∂L/∂y · y(1 − y) · f2 with ∂L/∂y = 1.
    let dw3 = y * (1.0 - y) * f2;
    let dw1 = y * (1.0 - y) * 0.8 * f2 * (1.0 - f2) * -0.3 * f1 * (1.0 - f1) * 1.0;
    for (name, want) in [("y", y), ("∂L/∂w3", dw3), ("∂L/∂w1", dw1)] {
        let got = number(&e.numbers, name);
        // The numbers are printed to 6 significant digits.
        assert!(
            (got - want).abs() <= 1e-5 * want.abs(),
            "{name}: {got} vs {want}"
        );
    }
    assert!(e
        .derivation
        .contains(&"∂L/∂a3 = ∂L/∂y · ∂y/∂a3 = ∂L/∂y·y·(1 − y)".to_string()));
    assert!(e.equations.contains(&"a1 = w1·x + b1".to_string()));
    assert!(e
        .source
        .contains("let dl_df2 = dl_da3 * w3; // ∂a3/∂f2 = w3"));
    // Forward values on the nodes, gradients on the edges.
    assert!(
        e.dot.contains("label=\"y = σ\\n0.589375\\n∂L/∂y = 1\""),
        "{}",
        e.dot
    );
    assert!(
        e.dot.contains(&format!("[label=\"{}\"", "0.109323")),
        "{}",
        e.dot
    );
}

#[test]
fn circuit_gradient_is_one_minus_sigma_prime_times_w3() {
    let e = explain(&Request {
        body: "let net2 = w3·x3 + w4·x4; f = (x3 + x5) - sigmoid(net2)".into(),
        inputs: vec!["x3".into(), "x4".into(), "x5".into()],
        at: vec![
            ("x3".into(), 1.0),
            ("x4".into(), 2.0),
            ("x5".into(), -1.0),
            ("w3".into(), 0.5),
            ("w4".into(), -0.25),
        ],
        ..Request::default()
    })
    .unwrap();
    let s = sigmoid(0.5 - 0.5);
    let want = 1.0 - s * (1.0 - s) * 0.5;
    let got = number(&e.numbers, "∂L/∂x3");
    assert!((got - want).abs() < 1e-6, "{got} vs {want}");
}

#[test]
fn argument_names_are_found_in_the_expression() {
    let e = explain(&Request {
        body: "y = sigmoid(w·x + b)".into(),
        ..Request::default()
    })
    .unwrap();
    assert!(
        e.function
            .starts_with("fn network(x: f64, w: f64, b: f64) -> f64"),
        "{}",
        e.function
    );
}

#[test]
fn vector_networks_are_explained_without_numbers() {
    let e = explain(&Request {
        body:
            "fn layer(x: [f32; 3], W: [[f32; 3]; 2], b: [f32; 2]) -> [f32; 2] { softmax(W·x + b) }"
                .into(),
        ..Request::default()
    })
    .unwrap();
    assert!(e.numbers.is_empty());
    assert!(e.dot.contains("a 2×3 matrix"), "{}", e.dot);
    assert!(
        e.source.contains("softmax_backward(y, &dl_dy)"),
        "{}",
        e.source
    );
}

#[test]
fn mistakes_give_the_compilers_message() {
    let err = explain(&Request {
        body: "y = swoosh(w·x)".into(),
        ..Request::default()
    })
    .unwrap_err();
    assert!(err.starts_with("error: unknown function `swoosh`"), "{err}");
}

#[test]
fn the_graph_renders_with_graphviz() {
    let e = explain(&chain()).unwrap();
    let path = std::env::temp_dir().join(format!("nn-explain-{}.dot", std::process::id()));
    std::fs::write(&path, &e.dot).unwrap();
    let output = Command::new("dot").arg("-Tsvg").arg(&path).output();
    let _ = std::fs::remove_file(&path);
    match output {
        Ok(out) => {
            assert!(
                out.status.success(),
                "dot rejected the graph: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            let svg = String::from_utf8_lossy(&out.stdout);
            assert!(svg.contains("<svg") && svg.contains("0.589375"), "{svg}");
        }
        Err(err) => {
            assert!(
                std::env::var_os("NN_REQUIRE_GRAPHVIZ").is_none(),
                "Graphviz `dot` is required but cannot run: {err}"
            );
            eprintln!("Graphviz `dot` not installed; the DOT text was not rendered");
        }
    }
}

#[test]
fn the_tool_runs_from_the_command_line() {
    let out = Command::new(env!("CARGO_BIN_EXE_explain"))
        .args(["--example", "h"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    // h(x) = (2(x + 1))² at x = 2: h = 36, dh/dg = 12, h'(2) = 24.
    assert!(text.contains("h = 36\n"), "{text}");
    assert!(text.contains("∂L/∂g = 12\n"), "{text}");
    assert!(text.contains("∂L/∂x = 24 (input)"), "{text}");
    let bad = Command::new(env!("CARGO_BIN_EXE_explain"))
        .args(["--at", "x=one", "y = w·x"])
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("`one` in `x=one` is not a number"));
}

//! The teaching view: the numbers it prints are the chain rule's, for scalars, vectors and
//! matrices; the graph it writes is valid Graphviz (rendered by the real `dot` when
//! installed; `.ci/run` installs it and sets `NN_REQUIRE_GRAPHVIZ=1`), with the local factors
//! on its edges and the circuit's graph held in a snapshot; every option given is used or
//! refused; and bad input gives the compiler's message.

use std::process::Command;

use nn_codegen::explain::{
    explain, explain_marked, parse_values, Field, NodeKind, Pass, Request, Value, WalkStep,
};

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

fn values(pairs: &[(&str, f64)]) -> Vec<(String, Value)> {
    pairs
        .iter()
        .map(|(n, v)| (n.to_string(), Value::Number(*v)))
        .collect()
}

/// The numbers of a line `name = [a, b, …]` (or `name = a`) of the numbers.
fn numbers(lines: &[String], name: &str) -> Vec<f64> {
    let line = lines
        .iter()
        .find(|l| l.starts_with(&format!("{name} = ")))
        .unwrap_or_else(|| panic!("no `{name}` in {lines:#?}"));
    let value = line[name.len() + 3..].split(" (").next().unwrap();
    value
        .split(['[', ']', ',', ' '])
        .filter(|s| !s.is_empty())
        .map(|s| s.parse().unwrap_or_else(|_| panic!("`{s}` in `{line}`")))
        .collect()
}

/// Whether `got` is `want` to the 6 significant digits the numbers print.
fn close(got: f64, want: f64) -> bool {
    (got - want).abs() <= 1e-5 * want.abs().max(1e-12)
}

/// The number after `prefix` in `text` (up to `<`, `"`, `\` or a space).
fn number_after(text: &str, prefix: &str) -> f64 {
    let at = text
        .find(prefix)
        .unwrap_or_else(|| panic!("no `{prefix}` in {text}"));
    let rest = &text[at + prefix.len()..];
    let end = rest.find(['<', '"', '\\', ' ']).unwrap_or(rest.len());
    rest[..end].parse().unwrap()
}

fn chain() -> Request {
    Request {
        body: "y = f3(w3·f2(w2·f1(w1·x + b1)))".into(),
        with: "f1 = sigmoid, f2 = sigmoid, f3 = sigmoid".into(),
        at: values(&[
            ("x", 1.0),
            ("w1", 0.5),
            ("b1", 0.1),
            ("w2", -0.3),
            ("w3", 0.8),
        ]),
        name: Some("chain".into()),
        ..Request::default()
    }
}

/// The lecture's circuit, f = (x3 + x5) − σ(w3·x3 + w4·x4).
fn circuit() -> Request {
    Request {
        body: "let net2 = w3·x3 + w4·x4; f = (x3 + x5) - sigmoid(net2)".into(),
        inputs: vec!["x3".into(), "x4".into(), "x5".into()],
        at: values(&[
            ("x3", 1.0),
            ("x4", 2.0),
            ("x5", -1.0),
            ("w3", 0.5),
            ("w4", -0.25),
        ]),
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
    // Forward values and gradients on the nodes.
    assert!(
        e.dot.contains("label=\"y = σ\\n0.589375\\n∂L/∂y = 1\""),
        "{}",
        e.dot
    );
    // On each edge child → parent, the local factor ∂parent/∂child with its value, then
    // (in red) what flows back along it, ∂L/∂parent · ∂parent/∂child.
    let da2 = y * (1.0 - y) * 0.8 * f2 * (1.0 - f2);
    assert!(
        e.dot.contains(
            "n7 -> n8 [label=<∂a2/∂f1 = w2 = -0.3<br/><font color=\"#b91c1c\">∂L/∂a2 · ∂a2/∂f1 = "
        ),
        "{}",
        e.dot
    );
    let flow = number_after(&e.dot, "∂L/∂a2 · ∂a2/∂f1 = ");
    assert!(close(flow, da2 * -0.3), "{flow} vs {}", da2 * -0.3);
    assert!(close(number_after(&e.dot, "∂a2/∂w2 = f1 = "), f1));
    assert!(close(
        number_after(&e.dot, "∂f1/∂a1 = f1·(1 − f1) = "),
        f1 * (1.0 - f1)
    ));
    // The gradient that flows back is no longer an edge's only label.
    assert!(!e.dot.contains("[label=\"0.109323\""), "{}", e.dot);
}

#[test]
fn circuit_gradient_is_one_minus_sigma_prime_times_w3() {
    let e = explain(&circuit()).unwrap();
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
fn vector_networks_have_their_numbers() {
    let e = explain(&Request {
        body:
            "fn layer(x: [f32; 3], W: [[f32; 3]; 2], b: [f32; 2]) -> [f32; 2] { softmax(W·x + b) }"
                .into(),
        at: parse_values("x=[1, 2, 3], W=[[0.1,0.2,0.3],[-0.1,0,0.1]]").unwrap(),
        ..Request::default()
    })
    .unwrap();
    assert!(e.dot.contains("a 2×3 matrix"), "{}", e.dot);
    assert!(
        e.source.contains("softmax_backward(y, &dl_dy)"),
        "{}",
        e.source
    );
    // b is not given: 0.5 everywhere, and said so.
    assert_eq!(e.defaults, ["b"]);
    assert!(
        e.numbers
            .contains(&"b = [0.5, 0.5] (the default: no value given)".to_string()),
        "{:#?}",
        e.numbers
    );
    assert!(
        e.numbers.contains(&"z = [1.9, 0.7]".to_string()),
        "{:#?}",
        e.numbers
    );
    let y = numbers(&e.numbers, "y");
    let softmax = [
        1.2f64.exp() / (1.2f64.exp() + 1.0),
        1.0 / (1.2f64.exp() + 1.0),
    ];
    assert!(close(y[0], softmax[0]) && close(y[1], softmax[1]), "{y:?}");
    assert!(e
        .numbers
        .contains(&"∂L/∂y = 1 for every element (the seed)".to_string()));
    // The DOT: values on the nodes, the Jacobians' values on the edges.
    assert!(
        e.dot.contains("\\n[1.9, 0.7]\\n∂L/∂z = [0, 0]"),
        "{}",
        e.dot
    );
    assert!(
        e.dot
            .contains("∂(W·x)/∂x = Wᵀ = [[0.1, -0.1], [0.2, 0], [0.3, 0.1]]"),
        "{}",
        e.dot
    );
    assert!(
        e.dot.contains("∂(W·x)/∂W = xᵀ (outer product) = [1, 2, 3]"),
        "{}",
        e.dot
    );
}

#[test]
fn vector_gradients_are_the_chain_rule() {
    // y = v·tanh(W·x + b): ∂L/∂W = (v ⊙ (1 − h²)) xᵀ.
    let e = explain(&Request {
        body: "fn net(x: [f64; 6], W: [[f64; 6]; 2], b: [f64; 2], v: [f64; 2]) -> f64 { let h = tanh(W·x + b); y = v·h }".into(),
        at: parse_values("x=[1,2,3,4,5,6], W=[[0.1,0,0,0,0,0],[0,-0.1,0,0,0,0.05]], b=0, v=[2,-1]").unwrap(),
        ..Request::default()
    })
    .unwrap();
    let x = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
    let h = [0.1f64.tanh(), (-0.2f64 + 0.3).tanh()];
    let v = [2.0, -1.0];
    let got = numbers(&e.numbers, "h");
    assert!(
        close(got[0], h[0]) && close(got[1], h[1]),
        "{got:?} vs {h:?}"
    );
    let dz: Vec<f64> = (0..2).map(|i| v[i] * (1.0 - h[i] * h[i])).collect();
    let dw = numbers(&e.numbers, "∂L/∂W");
    assert_eq!(dw.len(), 12, "{:#?}", e.numbers);
    for i in 0..2 {
        for j in 0..6 {
            assert!(
                close(dw[i * 6 + j], dz[i] * x[j]),
                "∂L/∂W[{i}][{j}]: {dw:?}"
            );
        }
    }
    assert_eq!(numbers(&e.numbers, "b"), [0.0, 0.0]);
    assert!(e.defaults.is_empty());
    // Long vectors are shortened on the graph: the first, …, the last.
    assert!(e.dot.contains("\\n[1, 2, …, 6]\\n"), "{}", e.dot);
}

#[test]
fn values_are_read_with_their_shapes() {
    let at = parse_values("x = 1.5, v=[1, 2,3], W=[[1,2],[3,4]],  b=-2e-3").unwrap();
    assert_eq!(
        at,
        [
            ("x".to_string(), Value::Number(1.5)),
            ("v".to_string(), vec![1.0, 2.0, 3.0].into()),
            ("W".to_string(), vec![vec![1.0, 2.0], vec![3.0, 4.0]].into()),
            ("b".to_string(), Value::Number(-0.002)),
        ]
    );
    for (text, message) in [
        ("x=[1,2", "a list in `x=[1,2` is not closed by `]`"),
        ("x", "`x` is not `name=value`"),
        ("x=[1,a]", "`a` in `x=[1,a]` is not a number"),
    ] {
        assert_eq!(parse_values(text).unwrap_err(), message);
    }
    let layer = |at: &str| {
        explain(&Request {
            body: "fn layer(x: [f64; 3], W: [[f64; 3]; 2]) -> [f64; 2] { W·x }".into(),
            at: parse_values(at).unwrap(),
            ..Request::default()
        })
    };
    // One number fills a whole vector or matrix.
    let e = layer("x=1, W=2").unwrap();
    assert_eq!(numbers(&e.numbers, "W"), [2.0; 6]);
    let err = layer("W=[[1,2],[3,4]]").unwrap_err();
    assert!(
        err.contains("W is a 2×3 matrix: give 2 rows of 3 numbers, like W=[[1,2,3],[4,5,6]]"),
        "{err}"
    );
    let err = layer("x=[1,2]").unwrap_err();
    assert!(err.contains("x is a vector of 3: give 3 numbers"), "{err}");
}

#[test]
fn values_of_names_that_are_no_arguments_are_refused() {
    let mut request = chain();
    request.at.push(("w4".into(), Value::Number(1.0)));
    let err = explain(&request).unwrap_err();
    assert_eq!(
        err,
        "`w4` is given a value but is no argument of the network; the arguments are x, w1, b1, w2, w3"
    );
    let mut request = chain();
    request.at.push(("a1".into(), Value::Number(1.0)));
    let err = explain(&request).unwrap_err();
    assert!(
        err.starts_with("`a1` is given a value but is computed by the network"),
        "{err}"
    );
    let mut request = chain();
    request.at.push(("x".into(), Value::Number(2.0)));
    assert_eq!(explain(&request).unwrap_err(), "`x` is given a value twice");
}

#[test]
fn arguments_not_given_are_one_half_and_said_so() {
    let mut request = chain();
    request.at.retain(|(name, _)| name == "x" || name == "w1");
    let e = explain(&request).unwrap();
    assert_eq!(e.defaults, ["b1", "w2", "w3"]);
    for name in ["b1", "w2", "w3"] {
        let line = format!("{name} = 0.5 (the default: no value given)");
        assert!(e.numbers.contains(&line), "{line} in {:#?}", e.numbers);
    }
    assert!(
        e.numbers.contains(&"w1 = 0.5".to_string()),
        "{:#?}",
        e.numbers
    );
    assert!(e.numbers.contains(&"x = 1".to_string()));
}

#[test]
fn inputs_apply_to_a_whole_function() {
    let body = "fn fit(x: f64, w: f64, c: f64) -> f64 { l = powi(w·x - c, 2) }";
    let e = explain(&Request {
        body: body.into(),
        inputs: vec!["x".into(), "c".into()],
        ..Request::default()
    })
    .unwrap();
    // c is data: its gradient is an input's, and it is no parameter.
    assert!(
        e.derivation
            .iter()
            .any(|l| l.starts_with("(input) ∂L/∂c = ")),
        "{:#?}",
        e.derivation
    );
    assert!(
        e.source
            .contains("pub struct Params {\n        pub w: f64,\n    }"),
        "{}",
        e.source
    );
    // Without --inputs, the first argument is the only input.
    let e = explain(&Request {
        body: body.into(),
        ..Request::default()
    })
    .unwrap();
    assert!(e
        .derivation
        .iter()
        .any(|l| l.starts_with("(parameter) ∂L/∂c = ")));
    // Given twice, differently: refused.
    let err = explain(&Request {
        body: format!("#[network(inputs(x))] {body}"),
        inputs: vec!["x".into(), "c".into()],
        ..Request::default()
    })
    .unwrap_err();
    assert!(
        err.starts_with("the data arguments are given twice"),
        "{err}"
    );
}

#[test]
fn a_pasted_attribute_gives_the_bindings() {
    let body = "#[network(f1 = relu, inputs(x, t))]\nfn net(x: f64, w: f64, t: f64) -> f64 { let y = f1(w·x); l = powi(y - t, 2) }";
    let e = explain(&Request {
        body: body.into(),
        ..Request::default()
    })
    .unwrap();
    assert!(
        e.equations.contains(&"y = relu(a1)".to_string()),
        "{:#?}",
        e.equations
    );
    assert!(e
        .derivation
        .iter()
        .any(|l| l.starts_with("(input) ∂L/∂t = ")));
    assert!(e.function.starts_with("fn net("), "{}", e.function);
    // --with replaces the pasted binding of the same name.
    let e = explain(&Request {
        body: body.replace("#[network", "#[nn::network"),
        with: "f1 = tanh".into(),
        ..Request::default()
    })
    .unwrap();
    assert!(
        e.equations.contains(&"y = tanh(a1)".to_string()),
        "{:#?}",
        e.equations
    );
    // Without arguments, and beside other attributes.
    let e = explain(&Request {
        body:
            "/// A line.\n#[network]\n#[allow(unused)]\nfn line(x: f64, w: f64) -> f64 { y = w·x }"
                .into(),
        ..Request::default()
    })
    .unwrap();
    assert!(
        e.equations.contains(&"y = w·x".to_string()),
        "{:#?}",
        e.equations
    );
    let err = explain(&Request {
        body: format!("#[network(f1 = relu)] {body}"),
        ..Request::default()
    })
    .unwrap_err();
    assert!(err.contains("`#[network(...)]` is given twice"), "{err}");
}

#[test]
fn unnamed_nodes_are_named_by_their_expression() {
    let e = explain(&circuit()).unwrap();
    assert!(!e.dot.contains("∂L/∂ ="), "{}", e.dot);
    assert!(!e.dot.contains('?'), "{}", e.dot);
    assert!(e.dot.contains("\\n∂L/∂(w3·x3) = -0.25\""), "{}", e.dot);
    assert!(e.dot.contains("∂(w3·x3)/∂w3 = x3 = 1<br/>"), "{}", e.dot);
}

#[test]
fn users_own_functions_have_no_numbers_and_say_why() {
    let e = explain(&Request {
        body: "y = act(w·x)".into(),
        with: "act = custom(swish, swish_derivative)".into(),
        ..Request::default()
    })
    .unwrap();
    assert_eq!(e.numbers.len(), 1, "{:#?}", e.numbers);
    assert!(e.numbers[0].starts_with("no numbers: the network calls the user's own function `act`"));
    assert!(
        e.dot.contains("[label=<∂y/∂act_in = act′(act_in)>]"),
        "{}",
        e.dot
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

/// The error says where: the line of the network and `^` under the offending tokens, also in
/// a whole snippet pasted with its `use` line and attribute.
#[test]
fn mistakes_are_shown_where_they_are() {
    let err = explain(&Request {
        body: "use nn::prelude::*;\n#[network(f = tanh)]\nfn net(x: f64, w: f64) -> f64 {\n    let h = f(w·x);\n    sigmod(h) + h.exp()\n}".into(),
        ..Request::default()
    })
    .unwrap_err();
    assert_eq!(
        err,
        "error: unknown function `sigmod`; did you mean `sigmoid`?\n   |     sigmod(h) + h.exp()\n   |     ^^^^^^\n\
         error: method calls are not in the network language; write `exp(h)` instead of `h.exp()`\n   |     sigmod(h) + h.exp()\n   |                   ^^^"
    );
}

/// What Rust's lexer refuses (a look-alike of `·`, a `·` after `)` or a number) is explained as
/// the macro explains it, not as "cannot parse string into token stream".
#[test]
fn characters_rust_cannot_read_are_explained() {
    let err = |body: &str| {
        explain(&Request {
            body: body.into(),
            ..Request::default()
        })
        .unwrap_err()
    };
    assert_eq!(
        err("y = sigmoid(w⋅x + b)"),
        "error: `⋅` (U+22C5) is not the lecture's `·` (U+00B7, middle dot), which Rust accepts inside names: write `·`\n   | y = sigmoid(w⋅x + b)\n   |              ^"
    );
    assert!(err("y = w∙x").starts_with("error: `∙` (U+2219) is not the lecture's `·`"));
    assert_eq!(
        err("let h = w·x;\ny = (h + b)·w"),
        "error: `·` cannot follow `)` or a number in Rust (its lexer reads it as `.`): write `*` there, or name the value with `let` and write `name·…`\n   | y = (h + b)·w\n   |            ^"
    );
    assert!(err("y = 2·w·x").starts_with("error: `·` cannot follow `)` or a number"));
}

#[test]
fn the_graph_renders_with_graphviz() {
    let e = explain(&chain()).unwrap();
    if let Some(svg) = render(&e.dot, "chain") {
        assert!(svg.contains("<svg") && svg.contains("0.589375"), "{svg}");
        assert!(svg.contains("∂a2/∂f1 = w2 = "), "{svg}");
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

/// Renders DOT with Graphviz when it is installed (required when `NN_REQUIRE_GRAPHVIZ` is set);
/// the SVG, or `None` without Graphviz.
fn render(dot: &str, name: &str) -> Option<String> {
    let path = std::env::temp_dir().join(format!("nn-explain-{name}-{}.dot", std::process::id()));
    std::fs::write(&path, dot).unwrap();
    let output = Command::new("dot").arg("-Tsvg").arg(&path).output();
    let _ = std::fs::remove_file(&path);
    match output {
        Ok(out) => {
            assert!(
                out.status.success(),
                "dot rejected the graph: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            Some(String::from_utf8_lossy(&out.stdout).into_owned())
        }
        Err(err) => {
            assert!(
                std::env::var_os("NN_REQUIRE_GRAPHVIZ").is_none(),
                "Graphviz `dot` is required but cannot run: {err}"
            );
            eprintln!("Graphviz `dot` not installed; the DOT text was not rendered");
            None
        }
    }
}

/// The circuit's graph as `explain --example circuit --dot FILE` writes it, byte for byte
/// against `tests/snapshots/circuit.dot` (`UPDATE_SNAPSHOTS=1` rewrites it): the local factors
/// on the edges, the values and gradients on the nodes.
#[test]
fn circuit_graph_matches_its_snapshot() {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("explain-circuit");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("circuit.dot");
    let _ = std::fs::remove_file(&path);
    let out = Command::new(env!("CARGO_BIN_EXE_explain"))
        .args(["--example", "circuit", "--dot"])
        .arg(&path)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains(&format!(
        "Wrote the computational graph to {}",
        path.display()
    )));
    let dot = std::fs::read_to_string(&path).unwrap();
    let snapshot = format!("{}/tests/snapshots/circuit.dot", env!("CARGO_MANIFEST_DIR"));
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(&snapshot, &dot).unwrap();
    }
    let expected =
        std::fs::read_to_string(&snapshot).expect("snapshot missing: run with UPDATE_SNAPSHOTS=1");
    assert_eq!(
        dot, expected,
        "the circuit's graph changed; review, then UPDATE_SNAPSHOTS=1"
    );
    // The lecture's local factors, whatever the snapshot says.
    for factor in [
        "∂a/∂net2 = a·(1 − a) = 0.25",
        "∂f/∂a = -1",
        "∂(w3·x3)/∂x3 = w3 = 0.5",
        "∂(w4·x4)/∂x4 = w4 = -0.25",
        "∂net2/∂(w3·x3) = 1",
    ] {
        assert!(
            dot.contains(&format!("[label=<{factor}<br/>")),
            "`{factor}` in {dot}"
        );
    }
    if let Some(svg) = render(&dot, "circuit") {
        assert!(svg.contains("∂a/∂net2 = a·(1 − a) = 0.25"), "{svg}");
    }
}

#[test]
fn the_command_line_reads_vectors_and_refuses_unknown_names() {
    let out = Command::new(env!("CARGO_BIN_EXE_explain"))
        .args([
            "fn layer(x: [f64; 3], W: [[f64; 3]; 2]) -> [f64; 2] { W·x }",
            "--at",
            "x=[1,2,3]",
            "--at",
            "W=[[1,0,0],[0,1,1]]",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("\nW = [[1, 0, 0], [0, 1, 1]]\n"), "{text}");
    assert!(text.contains("\ny = [1, 5]\n"), "{text}");
    // The example's values, with one replaced and a name that is no argument refused.
    let out = Command::new(env!("CARGO_BIN_EXE_explain"))
        .args(["--example", "chain", "--at", "w2=0.25"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("\nw2 = 0.25\nw3 = 0.8\n"), "{text}");
    assert!(!text.contains("not given"), "{text}");
    let bad = Command::new(env!("CARGO_BIN_EXE_explain"))
        .args(["--example", "chain", "--at", "w9=1"])
        .output()
        .unwrap();
    assert!(!bad.status.success());
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(err.contains("`w9` is given a value but is no argument of the network; the arguments are x, w1, b1, w2, w3"), "{err}");
}

/// The characters of `text` from `mark.start` to `mark.end`.
fn marked(text: &str, mark: &nn_codegen::explain::Mark) -> String {
    text.chars()
        .skip(mark.start)
        .take(mark.end - mark.start)
        .collect()
}

/// Errors point at characters of the text typed (what the teaching page underlines): in a
/// body, in a second line of it, in a whole pasted snippet, and for what the lexer refuses.
#[test]
fn errors_mark_the_characters_typed() {
    let failure = |body: &str| {
        explain_marked(&Request {
            body: body.into(),
            ..Request::default()
        })
        .unwrap_err()
    };
    let body = "  y = swoosh(w·x)";
    let f = failure(body);
    assert_eq!(f.marks.len(), 1, "{f:?}");
    assert_eq!(marked(body, &f.marks[0]), "swoosh");
    assert_eq!(
        f.marks[0].message,
        "unknown function `swoosh`; did you mean `swish`?"
    );
    let body = "let h = w·x;\ny = sigmod(h) + h.exp()";
    let f = failure(body);
    let words: Vec<String> = f.marks.iter().map(|m| marked(body, m)).collect();
    assert_eq!(words, ["sigmod", "exp"]);
    let body = "use nn::prelude::*;\n#[network(f = tanh)]\nfn net(x: f64, w: f64) -> f64 {\n    let h = f(w·x);\n    sigmod(h)\n}\n";
    let f = failure(body);
    assert_eq!(marked(body, &f.marks[0]), "sigmod");
    let body = "y = sigmoid(w⋅x + b)";
    let f = failure(body);
    assert_eq!(marked(body, &f.marks[0]), "⋅");
    assert_eq!((f.marks[0].start, f.marks[0].end), (13, 14));
}

/// The graph as data: the chain's nodes with their numbers, the edges with their factors and
/// what flows back, the same as in the DOT text.
#[test]
fn the_picture_holds_the_numbers() {
    let e = explain(&chain()).unwrap();
    let p = &e.picture;
    let node = |label: &str| {
        p.nodes
            .iter()
            .find(|n| n.label == label)
            .unwrap_or_else(|| panic!("no node `{label}` in {p:#?}"))
    };
    assert_eq!(node("w1").kind, NodeKind::Param);
    assert_eq!(node("x").kind, NodeKind::Input);
    assert_eq!(node("y = σ").kind, NodeKind::Output);
    let w1 = node("w1").gradient.clone().unwrap();
    assert_eq!(w1.0, "∂L/∂w1");
    let dl_dw1: f64 = w1.1.parse().unwrap();
    assert!(close(dl_dw1, number(&e.numbers, "∂L/∂w1")), "{dl_dw1}");
    let a2 = node("a2 = ·").id;
    let f1 = node("f1 = σ").id;
    let edge = p.edges.iter().find(|e| e.from == f1 && e.to == a2).unwrap();
    assert_eq!(edge.factor.as_deref(), Some("∂a2/∂f1 = w2 = -0.3"));
    let flow = edge.flow.as_deref().unwrap();
    assert!(flow.starts_with("∂L/∂a2 · ∂a2/∂f1 = "), "{flow}");
    assert!(e.dot.contains(flow), "{}", e.dot);
    // w1·x, + b1, σ, w2·f1, σ, w3·f2, σ: two operands, two, one, two, one, two, one.
    assert_eq!(p.edges.len(), 11);
}

/// Stepping: each forward value, then each chain-rule step, with the line of generated code
/// that computes it: the forward lines are `let`s of `forward`, the backward lines carry the
/// step's comment in `backward`.
#[test]
fn the_walk_points_at_the_lines_that_compute() {
    let e = explain(&chain()).unwrap();
    let lines: Vec<&str> = e.source.lines().collect();
    let forward: Vec<&WalkStep> = e.walk.iter().filter(|s| s.pass == Pass::Forward).collect();
    let backward: Vec<&WalkStep> = e.walk.iter().filter(|s| s.pass == Pass::Backward).collect();
    let texts: Vec<&str> = forward.iter().map(|s| s.text.as_str()).collect();
    assert_eq!(
        texts,
        [
            "w1·x",
            "a1 = w1·x + b1",
            "f1 = σ(a1)",
            "a2 = w2·f1",
            "f2 = σ(a2)",
            "a3 = w3·f2",
            "y = σ(a3)"
        ]
    );
    let at = |s: &WalkStep| lines[s.line.unwrap()].trim();
    // w1·x has no `let` of its own: its step is the line it is written in.
    assert_eq!(at(forward[0]), "let a1 = w1 * x + b1;");
    assert_eq!(at(forward[1]), "let a1 = w1 * x + b1;");
    assert_eq!(at(forward[6]), "sigmoid(a3)");
    // Inside `forward`: after its signature, before `forward_tape`'s.
    let signature = |name: &str| lines.iter().position(|l| l.contains(name)).unwrap();
    let (f, tape, back) = (
        signature("pub fn forward("),
        signature("pub fn forward_tape("),
        signature("pub fn backward("),
    );
    assert!(forward.iter().all(|s| (f..tape).contains(&s.line.unwrap())));
    // Every chain-rule step of the generated backward has its line there; the one operation
    // without a variable, w1·x, has a step without a line, right after a1's, since its
    // gradient passes through to w1's and x's.
    let with_line: Vec<&&WalkStep> = backward.iter().filter(|s| s.line.is_some()).collect();
    assert!(with_line.iter().all(|s| s.line.unwrap() > back));
    assert_eq!(with_line.len(), e.derivation.len());
    let texts: Vec<&str> = backward.iter().map(|s| s.text.as_str()).collect();
    let a1 = texts
        .iter()
        .position(|t| t.starts_with("∂L/∂a1 = "))
        .unwrap();
    assert_eq!(texts[a1 + 1], "∂L/∂(w1·x) = ∂L/∂a1 · ∂a1/∂(w1·x) = 1");
    assert_eq!(backward[a1 + 1].line, None);
    assert_eq!(backward.len(), e.derivation.len() + 1);
    assert_eq!(
        at(backward[0]),
        "let dl_da3 = dl_dy * y * (1.0 - y); // ∂y/∂a3 = y·(1 − y)"
    );
    // The nodes of a step are the picture's.
    let ids: Vec<usize> = e.picture.nodes.iter().map(|n| n.id).collect();
    assert!(e
        .walk
        .iter()
        .all(|s| s.nodes.iter().all(|n| ids.contains(n))));
}

/// A value written inside another's line (no `let` of its own) is a step of its own, at that
/// line.
#[test]
fn unnamed_operations_belong_to_the_line_they_are_written_in() {
    let e = explain(&Request {
        body: "y = sigmoid(w·x + b)".into(),
        ..Request::default()
    })
    .unwrap();
    let forward: Vec<&WalkStep> = e.walk.iter().filter(|s| s.pass == Pass::Forward).collect();
    let texts: Vec<&str> = forward.iter().map(|s| s.text.as_str()).collect();
    assert_eq!(texts, ["w·x", "z = w·x + b", "y = σ(z)"]);
    // w·x and + b: two operations on the line of z.
    assert_eq!(forward[0].line, forward[1].line);
    assert_eq!(forward[1].line.unwrap() + 1, forward[2].line.unwrap());
    assert!(forward.iter().all(|s| s.nodes.len() == 1));
}

/// A bracket without its partner is named where it is, not taken for another mistake: a
/// name ending in a digit before `·` (`w3·f2`) is one name, not a number.
#[test]
fn unpaired_brackets_are_found() {
    let failure = |body: &str| {
        explain_marked(&Request {
            body: body.into(),
            ..Request::default()
        })
        .unwrap_err()
    };
    let body = "y = f3(w3·f2(w2·f1(w1·x + b1))";
    let f = failure(body);
    assert_eq!(
        f.marks[0].message,
        "this `(` is never closed: a `)` is missing"
    );
    assert_eq!(f.marks[0].start, 6);
    let body = "y = f3(w3·f2(w2·f1(w1·x + b1))))";
    let f = failure(body);
    assert_eq!(
        f.marks[0].message,
        "this `)` closes nothing: one `)` too many, or its `(` is missing"
    );
    assert_eq!(f.marks[0].start, body.chars().count() - 1);
    let body = "y = sigmoid(w·x]";
    assert_eq!(
        failure(body).marks[0].message,
        "`]` closes the `(` opened at column 12: a bracket is missing or one too many"
    );
    // Balanced, with a `·` after `)`: that one is marked, not the one in `w3·f2`.
    let body = "y = f3(w3·f2(x))·2";
    let f = failure(body);
    assert!(f.marks[0].message.starts_with("`·` cannot follow `)`"));
    assert_eq!(marked(body, &f.marks[0]), "·");
    assert_eq!(f.marks[0].start, 16);
    // What the lexer refuses otherwise is marked where it says.
    let body = "y = w·x²";
    let f = failure(body);
    assert_eq!(marked(body, &f.marks[0]), "²", "{f:?}");
}

/// A name joined to another by `·` is one name to Rust's lexer (`w2·sigmiod`): the mark is on
/// the name the message is about, not the whole.
#[test]
fn marks_inside_names_joined_by_the_dot_are_narrowed() {
    let body = "y = w2·sigmiod(w1·x)";
    let f = explain_marked(&Request {
        body: body.into(),
        ..Request::default()
    })
    .unwrap_err();
    assert_eq!(marked(body, &f.marks[0]), "sigmiod", "{f:?}");
    assert!(
        f.message
            .ends_with("\n   |     y = w2·sigmiod(w1·x)\n   |            ^^^^^^^"),
        "{}",
        f.message
    );
}

/// A mistake in the bindings points into the bindings.
#[test]
fn mistakes_in_the_bindings_are_marked_there() {
    let with = "f1 = sigmoud, f2 = tanh";
    let f = explain_marked(&Request {
        body: "y = f2(f1(w·x))".into(),
        with: with.into(),
        ..Request::default()
    })
    .unwrap_err();
    assert_eq!(f.marks.len(), 1, "{f:?}");
    assert_eq!(f.marks[0].field, Field::Bindings);
    assert_eq!(marked(with, &f.marks[0]), "sigmoud");
    assert!(f.message.contains("\n   | f1 = sigmoud"), "{}", f.message);
}

/// A page whose network changes under its values leaves out the values of names the new
/// network does not have, and says so.
#[test]
fn values_of_other_names_can_be_left_out() {
    let e = explain(&Request {
        body: "y = sigmoid(w·x + b)".into(),
        at: values(&[("x", 1.0), ("w1", 0.5), ("w", 2.0)]),
        skip_other_values: true,
        ..Request::default()
    })
    .unwrap();
    assert!(e
        .numbers
        .contains(&"w1: left out, it is no argument of this network".to_string()));
    assert_eq!(number(&e.numbers, "w"), 2.0);
}

/// The seed may be a list: ∂L/∂y = [1, 0, 0] gives the gradients of the first output, where
/// a softmax's sum of gradients (seed 1 everywhere) is zero.
#[test]
fn the_seed_picks_an_output() {
    let request = |seed: Option<Value>| Request {
        body: "fn p(x: [f64; 2], W: [[f64; 2]; 3]) -> [f64; 3] { y = softmax(W·x) }".into(),
        at: vec![
            ("x".into(), parse_values("x=[1, 2]").unwrap().remove(0).1),
            (
                "W".into(),
                parse_values("W=[[0.1, 0.2], [0.3, -0.1], [0, 0.5]]")
                    .unwrap()
                    .remove(0)
                    .1,
            ),
        ],
        seed,
        ..Request::default()
    };
    let all = explain(&request(None)).unwrap();
    assert!(numbers(&all.numbers, "∂L/∂W")
        .iter()
        .all(|g| g.abs() < 1e-12));
    let first = explain(&request(Some(
        parse_values("s=[1, 0, 0]").unwrap().remove(0).1,
    )))
    .unwrap();
    assert!(
        first
            .numbers
            .contains(&"∂L/∂y = [1, 0, 0] (the seed)".to_string()),
        "{:#?}",
        first.numbers
    );
    // ∂y0/∂W[0][j] = y0 (1 − y0) x_j.
    let y = numbers(&first.numbers, "y");
    let dw = numbers(&first.numbers, "∂L/∂W");
    assert!(close(dw[0], y[0] * (1.0 - y[0]) * 1.0), "{dw:?}");
    assert!(close(dw[1], y[0] * (1.0 - y[0]) * 2.0), "{dw:?}");
    let wrong = explain(&request(Some(
        parse_values("s=[1, 0]").unwrap().remove(0).1,
    )));
    let wrong = wrong.unwrap_err();
    assert!(wrong.contains("∂L/∂y (the seed)"), "{wrong}");
}

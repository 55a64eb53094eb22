//! Expansion cost grows linearly with the network: deep chains (depth 10, 100, 1000) and
//! wide layers (10 to 1000 units). Prints the time and the size of the generated code, and
//! fails if the code grows faster than linearly in depth (expression swell) or grows at all
//! with width (vector work is loops, not unrolled code).

use std::time::Instant;

use proc_macro2::TokenStream;

/// A chain of `depth` tanh units written with `let`s, as deep networks are written.
fn deep_chain(depth: usize) -> (TokenStream, TokenStream) {
    let mut args = vec!["x: f64".to_string()];
    let mut body = String::new();
    let mut prev = "x".to_string();
    for k in 1..=depth {
        args.push(format!("w{k}: f64, b{k}: f64"));
        body.push_str(&format!("let h{k} = tanh(w{k}·{prev} + b{k});\n"));
        prev = format!("h{k}");
    }
    let item = format!(
        "fn deep({}) -> f64 {{ {body} y = sigmoid({prev}) }}",
        args.join(", ")
    );
    (TokenStream::new(), item.parse().expect("valid tokens"))
}

/// The same chain as one nested expression, as the lecture writes short ones.
fn nested_chain(depth: usize) -> (TokenStream, TokenStream) {
    let mut args = vec!["x: f64".to_string()];
    let mut expr = "x".to_string();
    for k in 1..=depth {
        args.push(format!("w{k}: f64"));
        expr = format!("tanh(w{k}·{expr})");
    }
    let item = format!("fn nested({}) -> f64 {{ {expr} }}", args.join(", "));
    (TokenStream::new(), item.parse().expect("valid tokens"))
}

/// A two-layer MLP with `width` hidden units.
fn wide_layer(width: usize) -> (TokenStream, TokenStream) {
    let item = format!(
        "fn wide(x: [f32; {width}], W1: [[f32; {width}]; {width}], b1: [f32; {width}], w2: [f32; {width}]) -> f32 {{
            let h = relu(W1·x + b1);
            y = sigmoid(w2·h)
        }}"
    );
    (TokenStream::new(), item.parse().expect("valid tokens"))
}

/// (generated tokens as text, SOURCE) sizes in bytes, and the expansion time in ms.
fn measure(case: (TokenStream, TokenStream)) -> (usize, usize, f64) {
    let (attr, item) = case;
    let start = Instant::now();
    let tokens = nn_codegen::expand(attr.clone(), item.clone()).to_string();
    let ms = start.elapsed().as_secs_f64() * 1e3;
    assert!(!tokens.contains("compile_error"), "expansion failed");
    let source = nn_codegen::expand_source(attr, item).expect("compiles");
    (tokens.len(), source.len(), ms)
}

/// Runs `f` on a thread with a large stack: a thousand-deep expression recurses deeply, as
/// it does in the compiler, whose threads have large stacks too.
fn with_stack<R: Send + 'static>(f: impl FnOnce() -> R + Send + 'static) -> R {
    std::thread::Builder::new()
        .stack_size(256 << 20)
        .spawn(f)
        .expect("thread")
        .join()
        .expect("no panic")
}

fn report(kind: &str, sizes: &[(usize, (usize, usize, f64))]) {
    for (n, (tokens, source, ms)) in sizes {
        println!("{kind:>7} {n:>5}: {tokens:>9} bytes of tokens, {source:>9} bytes of SOURCE, {ms:>8.1} ms");
    }
}

/// Fails when size(n₂)/size(n₁) exceeds the linear ratio n₂/n₁ by more than 25 %.
fn assert_linear(kind: &str, sizes: &[(usize, (usize, usize, f64))]) {
    for pair in sizes.windows(2) {
        let (n1, (t1, s1, _)) = pair[0];
        let (n2, (t2, s2, _)) = pair[1];
        let linear = n2 as f64 / n1 as f64;
        for (what, a, b) in [("tokens", t1, t2), ("SOURCE", s1, s2)] {
            let growth = b as f64 / a as f64;
            assert!(
                growth <= 1.25 * linear,
                "{kind}: {what} grew {growth:.1}× from {n1} to {n2}, more than linearly ({linear}×)"
            );
        }
    }
}

#[test]
fn deep_chains_expand_in_linear_size() {
    let sizes = with_stack(|| {
        [10, 100, 1000]
            .map(|d| (d, measure(deep_chain(d))))
            .to_vec()
    });
    report("deep", &sizes);
    assert_linear("deep chain", &sizes);
}

#[test]
fn nested_chains_expand_in_linear_size() {
    let sizes = with_stack(|| {
        [10, 100, 1000]
            .map(|d| (d, measure(nested_chain(d))))
            .to_vec()
    });
    report("nested", &sizes);
    assert_linear("nested chain", &sizes);
}

#[test]
fn wide_layers_expand_to_loops_of_constant_size() {
    let sizes: Vec<_> = [10, 100, 1000]
        .map(|w| (w, measure(wide_layer(w))))
        .to_vec();
    report("wide", &sizes);
    let (_, (t10, s10, _)) = sizes[0];
    for &(w, (t, s, _)) in &sizes[1..] {
        // Only the digits of the sizes in the types differ: within 5 %.
        assert!(
            t * 100 <= t10 * 105 && s * 100 <= s10 * 105,
            "width {w}: {t} / {s} bytes vs {t10} / {s10}"
        );
    }
}

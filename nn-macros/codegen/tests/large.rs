//! Very large networks expand on the stack a compiler thread has (8 MiB): a proc-macro runs on
//! it, and an overflow there is a crash of rustc without a message. Both kinds of size that
//! recurse are tried, far beyond what people write: 5,000 nested calls and a sum of 10,000
//! terms. Each gives its code or one spanned error, never a crash. (rustc itself overflows
//! on a sum of about 6,000 terms in any function, and on a function of about 3,000 `let`s:
//! the nested calls are refused for that reason; `tests/test_large.rs` of the `nn` crate
//! compiles networks of the sizes that fit.)

use proc_macro2::TokenStream;

/// Runs `f` on a thread with the stack of a compiler thread.
fn on_compiler_stack<R: Send + 'static>(f: impl FnOnce() -> R + Send + 'static) -> R {
    std::thread::Builder::new()
        .stack_size(8 << 20)
        .spawn(f)
        .expect("thread")
        .join()
        .expect("no crash")
}

/// Expands `item` and its source; both must succeed: (the code's length, the source).
fn expands(item: String) -> (usize, String) {
    on_compiler_stack(move || {
        let tokens: TokenStream = item.parse().unwrap();
        let code = nn_codegen::expand(TokenStream::new(), tokens.clone()).to_string();
        assert!(
            !code.contains("compile_error"),
            "{}",
            &code[..code.len().min(500)]
        );
        let source = nn_codegen::expand_source(TokenStream::new(), tokens).unwrap();
        (code.len(), source)
    })
}

/// `tanh(tanh(…(w·x)…))`, `depth` calls deep.
fn nested(depth: usize) -> String {
    let mut expr = "w·x".to_string();
    for _ in 0..depth {
        expr = format!("tanh({expr})");
    }
    format!("fn deep(x: f64, w: f64) -> f64 {{ {expr} }}")
}

#[test]
fn five_thousand_nested_calls_are_one_error_on_the_name() {
    let item = nested(5_000);
    let messages = on_compiler_stack(move || {
        let tokens: TokenStream = item.parse().unwrap();
        let error = nn_codegen::compile(TokenStream::new(), tokens)
            .err()
            .expect("an error");
        let at = error.span().start();
        let messages: Vec<String> = error.into_iter().map(|e| e.to_string()).collect();
        (messages, (at.line, at.column))
    });
    assert_eq!(messages.1, (1, 3), "on `deep`");
    assert_eq!(messages.0.len(), 1);
    assert!(messages.0[0].starts_with("this network is too large for rustc: its generated functions would have 5001 `let`s in a row"), "{:?}", messages.0);
}

#[test]
fn nineteen_hundred_nested_calls_expand() {
    let (code, source) = expands(nested(1_900));
    assert!(
        source.contains("let a1899 = tanh(a1898);"),
        "{}",
        &source[..2000]
    );
    assert!(code > 100_000);
}

#[test]
fn a_sum_of_ten_thousand_terms_expands() {
    let terms = vec!["x"; 9_999].join(" + ");
    let (code, source) = expands(format!(
        "fn wide(x: f64, w: f64) -> f64 {{ w·x + {terms} }}"
    ));
    assert!(source.contains("w * x + x + x"), "{}", &source[..2000]);
    assert!(code > 40_000);
}

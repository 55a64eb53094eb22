//! Every construct Rust's syntax allows in a function body, written where a network has an
//! expression, gives exactly one error that names the construct and what to write instead,
//! never the generic "not in the network language" line. (The `nn` crate's `tests/ui/` shows
//! the most common ones as the compiler prints them.)

use proc_macro2::TokenStream;

/// The messages of compiling a network whose output is `expr`, after `lets`.
fn messages(lets: &str, expr: &str) -> Vec<String> {
    let item = format!("fn net(x: f64, w: f64) -> f64 {{ {lets} y = w·x + {expr} }}");
    let tokens: TokenStream = item.parse().expect("valid tokens");
    match nn_codegen::compile(TokenStream::new(), tokens) {
        Ok(_) => panic!("`{expr}` compiled"),
        Err(e) => e.into_iter().map(|e| e.to_string()).collect(),
    }
}

/// (the construct, what the one message must contain)
const CONSTRUCTS: &[(&str, &str)] = &[
    ("[x, w]", "array literals are not in the network language"),
    (
        "[x; 3]",
        "array expressions are not in the network language",
    ),
    ("async { x }", "`async` is not in the network language"),
    ("x.await", "`.await` is not in the network language"),
    ("{ x }", "blocks are not in the network language"),
    ("unsafe { x }", "`unsafe` is not in the network language"),
    (
        "const { 1.0 }",
        "`const` blocks are not in the network language",
    ),
    ("x?", "`?` is not in the network language"),
    ("loop { break x }", "loops are not in the network language"),
    (
        "for i in 0..3 { x }",
        "loops are not in the network language",
    ),
    ("while true { x }", "loops are not in the network language"),
    (
        "if x > 0.0 { x } else { w }",
        "`if` is not in the network language",
    ),
    (
        "match x { _ => x }",
        "`match` is not in the network language",
    ),
    ("|z| z", "closures are not in the network language"),
    (
        "println!(\"{}\", x)",
        "macros are not in the network language",
    ),
    ("x as f32", "casts are not needed"),
    ("&x", "references are not needed"),
    (
        "&raw const x",
        "raw pointers are not in the network language",
    ),
    ("0.0..1.0", "ranges are not in the network language"),
    ("x[0]", "indexing is not in the network language"),
    (
        "Point { x: 1.0 }",
        "struct literals are not in the network language",
    ),
    ("(x, w)", "tuples are not in the network language"),
    ("_", "`_` is not a value"),
    ("x.y", "field access is not in the network language"),
    ("x.exp()", "write `exp(x)` instead of `x.exp()`"),
    (
        "(w·x).powi(2)",
        "write `powi(w·x, 2)` instead of `(w·x).powi(2)`",
    ),
    ("max(0.0, x)", "write `relu(z)` for `max(0, z)`"),
    ("\"one\"", "a string is not a number"),
    ("true", "a boolean is not a number"),
    ("'c'", "a character is not a number"),
    ("!x", "`!` is not in the network language"),
    ("*x", "dereferencing is not needed"),
    ("x % w", "operator `%` is not in the network language"),
    ("x ^ 2", "`^` is not a power in Rust"),
    ("x ** 2", "`**` is not a power in Rust"),
    ("pow(x, 2)", "write `powi(z, n)`"),
    ("Sigmoid(x)", "did you mean `sigmoid`?"),
    (
        "std::f64::consts::PI",
        "paths are not in the network language",
    ),
    ("return x", "`return` is not needed"),
    ("x = w", "assignment is only allowed as the last statement"),
    ("1.0f32", "write `1.0` without the suffix `f32`"),
];

#[test]
fn every_construct_outside_the_language_has_its_own_message() {
    for (construct, expected) in CONSTRUCTS {
        let found = messages("", construct);
        assert_eq!(found.len(), 1, "`{construct}`: {found:#?}");
        assert!(found[0].contains(expected), "`{construct}`: {found:#?}");
        assert!(
            !found[0].contains("this is not in the network language"),
            "`{construct}`"
        );
    }
}

/// A `let` with a mistake still binds its name: its uses give no second error.
#[test]
fn a_mistake_in_a_let_is_reported_once() {
    for (value, expected) in [
        ("|z: f64| z", "closures are not in the network language"),
        ("x.exp()", "method calls are not in the network language"),
        ("unknown(x)", "unknown function `unknown`"),
    ] {
        let found = messages(&format!("let a = {value};"), "a");
        assert_eq!(found.len(), 1, "`{value}`: {found:#?}");
        assert!(found[0].contains(expected), "`{value}`: {found:#?}");
    }
    let found = messages("let a: f64 = x;", "a");
    assert_eq!(
        found,
        ["write `let name = ...` without a type: every value has the network's float type"]
    );
}

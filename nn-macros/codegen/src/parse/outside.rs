//! What to say about each construct of Rust that is not in the network language: what it is
//! and what to write instead. One arm per kind of expression that Rust's syntax allows in a
//! function body.

use quote::ToTokens;
use syn::{Expr, Ident};

use crate::ast;
use crate::func;
use crate::layer::{self, Layer};

/// For paths like `std::f64::consts::PI`.
pub const PATH: &str = "paths are not in the network language; use a plain name like `w1`, or write a constant as a number";

/// For `println!(…)` and every other macro.
pub const MACRO: &str =
    "macros are not in the network language; write the network as an expression";

const LOOP: &str = "loops are not in the network language: write the network as one expression, with `let` for intermediate values";
const BRANCH: &str = "is not in the network language: a network is one expression; for piecewise functions use `relu`, `leaky_relu`, `step` or `abs`";
const VECTOR_LITERAL: &str = "vectors come into a network as arguments of type `[f32; n]`; they cannot be written in the body";

/// The tokens to point at and the message, for an expression outside the language.
pub fn describe(e: &Expr) -> (proc_macro2::TokenStream, String) {
    let at = |node: &dyn ToTokens, message: &str| (node.to_token_stream(), message.to_string());
    match e {
        Expr::Array(a) => at(a, &format!("array literals are not in the network language; {VECTOR_LITERAL}")),
        Expr::Repeat(r) => at(r, &format!("array expressions are not in the network language; {VECTOR_LITERAL}")),
        Expr::Assign(a) => at(&a.eq_token, "assignment is only allowed as the last statement, `y = ...`"),
        Expr::Async(a) => at(&a.async_token, "`async` is not in the network language: a network computes its output directly"),
        Expr::Await(a) => at(&a.await_token, "`.await` is not in the network language: a network computes its output directly"),
        Expr::Block(b) => at(b, "blocks are not in the network language; name intermediate values with `let` in the body itself"),
        Expr::Unsafe(u) => at(&u.unsafe_token, "`unsafe` is not in the network language: generated code has no `unsafe`"),
        Expr::Const(c) => at(&c.const_token, "`const` blocks are not in the network language; write the number itself"),
        Expr::TryBlock(t) => at(&t.try_token, "`try` blocks are not in the network language: a network cannot fail"),
        Expr::Try(t) => at(&t.question_token, "`?` is not in the network language: a network cannot fail"),
        Expr::Break(b) => at(&b.break_token, "`break` is not in the network language: a network has no loops"),
        Expr::Continue(c) => at(&c.continue_token, "`continue` is not in the network language: a network has no loops"),
        Expr::Return(r) => at(&r.return_token, "`return` is not needed: the last expression of the body is the output, or write `y = ...`"),
        Expr::Yield(y) => at(&y.yield_token, "`yield` is not in the network language: a network has one output"),
        Expr::ForLoop(l) => at(&l.for_token, LOOP),
        Expr::While(l) => at(&l.while_token, LOOP),
        Expr::Loop(l) => at(&l.loop_token, LOOP),
        Expr::If(i) => at(&i.if_token, &format!("`if` {BRANCH}")),
        Expr::Match(m) => at(&m.match_token, &format!("`match` {BRANCH}")),
        Expr::Let(l) => at(&l.let_token, "`let` can only start a statement: `let a1 = w1·x + b1;`"),
        Expr::Closure(c) => at(&c.inputs_begin, "closures are not in the network language; for an activation of your own bind `act = custom(f, df)` in the attribute"),
        Expr::Macro(m) => at(&m.mac.path, MACRO),
        Expr::Cast(c) => at(&c.as_token, "casts are not needed: every value has the network's float type"),
        Expr::Reference(r) => at(&r.and_token, "references are not needed in a network: write the value itself"),
        Expr::RawAddr(r) => at(&r.and_token, "raw pointers are not in the network language: write the value itself"),
        Expr::Range(r) => at(r, "ranges are not in the network language: a network computes with whole vectors (`sum(v)`, `w·x`)"),
        Expr::Index(i) => at(i, "indexing is not in the network language: a network computes with whole vectors (`sum(v)`, `w·x`, `W·x`); pass an element you need alone as an argument of its own"),
        Expr::Struct(s) => at(s, "struct literals are not in the network language; the network's values are its arguments and `let`s"),
        Expr::Tuple(t) => at(t, "tuples are not in the network language: a network has one output, a scalar or a vector"),
        Expr::Infer(i) => at(i, "`_` is not a value; write a name or a number"),
        Expr::Field(f) => (f.to_token_stream(), field(f)),
        Expr::MethodCall(m) => (m.method.to_token_stream(), method_call(m)),
        Expr::Lit(l) => at(l, &literal(&l.lit)),
        _ => at(e, "this is not in the network language; expected numbers, names, `+ - * / ·`, parentheses and calls like `sigmoid(z)`"),
    }
}

/// The parts of an expression outside the language that are still read, so that their own
/// mistakes are reported as well.
pub fn parts(e: &Expr) -> Vec<&Expr> {
    match e {
        Expr::Cast(c) => vec![&c.expr],
        Expr::Reference(r) => vec![&r.expr],
        Expr::Try(t) => vec![&t.expr],
        Expr::Field(f) => vec![&f.base],
        Expr::MethodCall(m) => std::iter::once(&*m.receiver).chain(&m.args).collect(),
        Expr::Index(i) => vec![&i.expr],
        _ => Vec::new(),
    }
}

/// `a.b`: a field access, or what rustc's lexer made of a `·` it could not take.
fn field(f: &syn::ExprField) -> String {
    let base = f.base.to_token_stream().to_string();
    let member = f.member.to_token_stream().to_string();
    let dot = f.dot_token.span.source_text().unwrap_or_default();
    match dot.as_str() {
        "·" => format!(
            "`·` cannot follow `)` or a number in Rust (its lexer reads it as `.`): write `*` here, `{base} * {member}`, or name the value with `let` and write `name·{member}`"
        ),
        "⋅" | "∙" => format!(
            "`{dot}` is not the lecture's `·` (U+00B7, middle dot), which Rust accepts inside names: write `{base}·{member}`"
        ),
        _ => format!(
            "field access is not in the network language; for the product of `{base}` and `{member}` write `{base}·{member}`"
        ),
    }
}

fn method_call(m: &syn::ExprMethodCall) -> String {
    let method = m.method.to_string();
    if m.dot_token.span.source_text().as_deref() == Some("·") {
        let receiver = m.receiver.to_token_stream().to_string();
        return format!(
            "`·` cannot follow `)` or a number in Rust (its lexer reads it as `.`, and this as a method call): write `*` here, `{receiver} * {method}(…)`, or name the value with `let`"
        );
    }
    let hint = match func::Builtin::from_name(&method) {
        Some(_) => {
            // `h.exp()` → `exp(h)`, `(w·x + b).powi(2)` → `powi(w·x + b, 2)`.
            let receiver = match &*m.receiver {
                syn::Expr::Paren(p) => &*p.expr,
                other => other,
            };
            let text = |e: &Expr| e.to_token_stream().to_string();
            let given: Vec<String> = m.args.iter().map(text).collect();
            let call = format!("{}.{method}({})", text(&m.receiver), given.join(", "));
            let mut args = vec![text(receiver)];
            args.extend(given);
            format!("write `{method}({})` instead of `{call}`", args.join(", "))
        }
        None => format!("the functions are {}", func::language_list()),
    };
    format!("method calls are not in the network language; {hint}")
}

/// For a literal that is not a number.
pub fn literal(lit: &syn::Lit) -> String {
    let what = match lit {
        syn::Lit::Str(_) | syn::Lit::CStr(_) | syn::Lit::ByteStr(_) => "a string",
        syn::Lit::Bool(_) => "a boolean",
        syn::Lit::Char(_) | syn::Lit::Byte(_) => "a character",
        _ => "this literal",
    };
    format!("{what} is not a number; only numbers are allowed as constants")
}

/// Whether `e` is `*value`: the second star of `x**2`.
pub fn is_deref(e: &Expr) -> bool {
    matches!(e, Expr::Unary(u) if matches!(u.op, syn::UnOp::Deref(_)))
}

/// For a unary operator other than `-`.
pub fn unary(op: syn::UnOp) -> &'static str {
    match op {
        syn::UnOp::Not(_) => "`!` is not in the network language; for 1 − x write `1.0 - x`",
        syn::UnOp::Deref(_) => "dereferencing is not needed in a network: write the value itself",
        _ => "only unary `-` is in the network language",
    }
}

/// For a binary operator other than `+ - * /`.
pub fn operator(op: syn::BinOp, lhs: &ast::Expr, rhs: &Expr) -> String {
    let text = op.to_token_stream().to_string();
    match op {
        syn::BinOp::BitXor(_) => {
            power("`^` is not a power in Rust (it is a bitwise xor)", lhs, rhs)
        }
        _ => format!(
            "operator `{text}` is not in the network language; expected `+`, `-`, `*`, `/` or `·`"
        ),
    }
}

/// What to write for a power `base ^ exponent`: `powi`, with both readings when the base is
/// a product (Rust applies `^` and `**` to the whole product `w·x`; people often mean `x`).
pub fn power(what: &str, base: &ast::Expr, exponent: &Expr) -> String {
    let mut exponent = exponent;
    while let Expr::Unary(u) = exponent {
        exponent = &u.expr;
    }
    let n = match exponent {
        Expr::Lit(lit) => lit.to_token_stream().to_string(),
        _ => "n".to_string(),
    };
    match base {
        ast::Expr::Binary(op @ (ast::BinOp::Mul | ast::BinOp::Dot), a, b, _) => format!(
            "{what}; write `{a}{}powi({b}, {n})` for the power of `{b}`, or `powi({base}, {n})` for the power of the product",
            op.symbol()
        ),
        _ => format!("{what}; write `powi({base}, {n})`"),
    }
}

/// For a call of a name that is neither a function of the language nor a placeholder.
pub fn unknown_function(name: &Ident) -> String {
    let text = name.to_string();
    let foreign = match text.as_str() {
        "pow" | "powf" => Some("powi(z, n)` with an integer constant `n"),
        "log" | "log_e" => Some("ln(z)"),
        "max" | "maximum" | "fmax" => Some("relu(z)` for `max(0, z)"),
        "log_sigmoid" | "logsigmoid" => Some("-softplus(-z)"),
        _ => None,
    };
    if let Some(instead) = foreign {
        return format!("unknown function `{text}`; write `{instead}`");
    }
    let lower = text.to_lowercase();
    let known =
        |name: &str| func::Builtin::from_name(name).is_some() || Layer::from_name(name).is_some();
    if lower != text && known(&lower) {
        return format!("unknown function `{text}`; did you mean `{lower}`?");
    }
    match closest(&text).as_slice() {
        [one] => format!("unknown function `{text}`; did you mean `{one}`?"),
        [one, two, ..] => format!("unknown function `{text}`; did you mean `{one}` or `{two}`?"),
        [] => format!(
            "unknown function `{text}`; expected one of {}, or a layer: {}; or write your own activation with `#[network({text} = custom(f, df))]`",
            func::language_list(),
            layers()
        ),
    }
}

/// The functions and layers closest to a misspelt name, best first: at most two.
fn closest(name: &str) -> Vec<&'static str> {
    let layers = layer::NAMES
        .iter()
        .map(|&candidate| (strsim::jaro_winkler(name, candidate), candidate))
        .filter(|(score, _)| *score >= 0.85);
    let functions = func::closest(name)
        .into_iter()
        .map(|candidate| (strsim::jaro_winkler(name, candidate), candidate));
    let mut scored: Vec<(f64, &'static str)> = functions.chain(layers).collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(b.1)));
    scored.into_iter().take(2).map(|(_, c)| c).collect()
}

/// The layers as a list for messages: `` `conv1d`, `conv2d`, … ``.
fn layers() -> String {
    let names: Vec<String> = layer::NAMES.iter().map(|n| format!("`{n}`")).collect();
    names.join(", ")
}

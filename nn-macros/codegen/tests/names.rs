//! The names of generated code: a user's name can never collide with one the generated code
//! uses itself, because every such name is refused with an error on the user's token, and
//! the list of refused names is complete (checked against what expansions really contain).

mod common;

use std::collections::BTreeSet;

use proc_macro2::{TokenStream, TokenTree};

/// The messages of every error, and where the first points (line, column).
fn errors(item: &str) -> (Vec<String>, (usize, usize)) {
    let tokens: TokenStream = item.parse().unwrap();
    let Err(error) = nn_codegen::compile(TokenStream::new(), tokens) else {
        panic!("`{item}` compiled");
    };
    let start = error.span().start();
    let messages = error.into_iter().map(|e| e.to_string()).collect();
    (messages, (start.line, start.column))
}

#[test]
fn every_name_generated_code_uses_is_refused_on_the_argument() {
    let mut names = nn_codegen::reserved::all();
    names.push("dl_dw");
    for name in names {
        let item = format!("fn net(x: f32, {name}: f32) -> f32 {{ y = {name}·x }}");
        let (messages, at) = errors(&item);
        assert_eq!(
            messages,
            [format!(
                "`{name}` is a name the generated code uses itself; choose another name"
            )],
            "{item}"
        );
        assert_eq!(
            at,
            (1, item.find(&format!(", {name}:")).unwrap() + 2),
            "{item}"
        );
    }
}

#[test]
fn a_let_or_the_output_cannot_take_a_reserved_name_either() {
    let (messages, _) = errors("fn net(x: f32, w: f32) -> f32 { let matmul_batch = w·x; d_output = sigmoid(matmul_batch) }");
    assert_eq!(
        messages,
        [
            "`matmul_batch` is a name the generated code uses itself; choose another name",
            "`d_output` is a name the generated code uses itself; choose another name",
        ]
    );
}

/// Every identifier of a token stream, `·`-joined names split.
fn identifiers(tokens: TokenStream, out: &mut BTreeSet<String>) {
    for tree in tokens {
        match tree {
            TokenTree::Ident(i) => out.extend(i.to_string().split('·').map(str::to_string)),
            TokenTree::Group(g) => identifiers(g.stream(), out),
            _ => {}
        }
    }
}

/// What generated code may name besides reserved names and the network's own names: Rust's
/// keywords and types, `core`'s paths, the generated items, the runtime's traits and their
/// members, lints and attributes.
const VOCABULARY: &[&str] = &[
    "fn",
    "let",
    "mut",
    "ref",
    "pub",
    "mod",
    "use",
    "impl",
    "for",
    "in",
    "const",
    "type",
    "struct",
    "match",
    "as",
    "self",
    "Self",
    "super",
    "crate",
    "where",
    "usize",
    "i32",
    "f32",
    "f64",
    "core",
    "array",
    "slice",
    "from_ref",
    "from_mut",
    "as_flattened",
    "as_flattened_mut",
    "unimplemented",
    "allow",
    "doc",
    "derive",
    "Clone",
    "Copy",
    "Debug",
    "PartialEq",
    "inline",
    "dead_code",
    "non_snake_case",
    "missing_docs",
    "unused_imports",
    "clippy",
    "needless_range_loop",
    "too_many_arguments",
    "FnMut",
    "fold",
    "zero",
    "one",
    "NAN",
    "nn",
    "math",
    "Params",
    "Tape",
    "Inputs",
    "PARAM_COUNT",
    "SOURCE",
    "LECTURE_SOURCE",
    "forward",
    "forward_tape",
    "backward",
    "backward_params",
    "forward_batch",
    "gradient_batch",
    "gradient_batch_of",
    "each_ref",
    "map",
    "Parameters",
    "Network",
    "TensorInfo",
    "Scalar",
    "TENSORS",
    "COUNT",
    "zeros",
    "tensor",
    "tensor_mut",
    "Input",
    "Output",
    "name",
    "shape",
    "k",
    "Float",
    "OUTPUT",
    "OutputKind",
    "Softmax",
    "Sigmoid",
    "STACK_PER_SAMPLE",
    "mem",
    "size_of",
    "storage",
    "Large",
    "zero_vector",
    "zero_matrix",
    "Rows",
    "ByRef",
    "_",
    "static",
    "str",
];

#[test]
fn every_name_of_generated_code_is_the_users_or_reserved() {
    for (attr, item) in common::corpus() {
        let compiled = nn_codegen::compile(attr.clone(), item.clone()).unwrap();
        let mut allowed: BTreeSet<String> = VOCABULARY.iter().map(|s| s.to_string()).collect();
        allowed.extend(nn_codegen::reserved::all().into_iter().map(str::to_string));
        identifiers(attr.clone(), &mut allowed);
        identifiers(item.clone(), &mut allowed);
        let names = &compiled.names;
        for id in compiled.graph.ids() {
            if let Some(name) = names.value(id) {
                allowed.insert(name.to_string());
                allowed.insert(names.adjoint(id));
            }
            if let Some(product) = names.product(id) {
                allowed.insert(product.to_string());
            }
        }
        allowed.extend([
            names.seed.clone(),
            names.sample.clone(),
            names.batch.clone(),
        ]);
        allowed.extend(names.transposes.iter().map(|(_, n)| n.clone()));
        let mut used = BTreeSet::new();
        identifiers(nn_codegen::expand(attr, item.clone()), &mut used);
        let unknown: Vec<&String> = used.difference(&allowed).collect();
        assert!(
            unknown.is_empty(),
            "{unknown:?} in the expansion of {item}: reserve them (src/reserved.rs) or list them here"
        );
    }
}

//! The language reference (`docs/language.md`, the documentation of `nn::network`) is written
//! by hand; these checks keep it from drifting from the engine: every function of the table is
//! in it, and every name it says is data is data for the parser.

use nn_codegen::func::Builtin;
use nn_codegen::parse::looks_like_data;

fn reference() -> String {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/language.md");
    std::fs::read_to_string(path).expect("docs/language.md")
}

#[test]
fn every_function_of_the_table_is_in_the_reference() {
    let doc = reference();
    for builtin in Builtin::language() {
        let spec = builtin.spec();
        for name in std::iter::once(spec.name).chain(spec.aliases.iter().copied()) {
            assert!(
                doc.contains(&format!("`{name}(")),
                "docs/language.md does not describe `{name}`"
            );
        }
    }
}

#[test]
fn every_layer_is_in_the_reference() {
    let doc = reference();
    for name in nn_codegen::layer::NAMES {
        assert!(
            doc.contains(&format!("`{name}(")),
            "docs/language.md does not describe `{name}`"
        );
    }
}

#[test]
fn the_names_the_reference_calls_data_are_data() {
    let doc = reference();
    let rule = doc
        .split("is an error unless `inputs(...)` names the inputs:")
        .nth(1)
        .and_then(|rest| rest.split("\n\n").next())
        .expect("the data-argument rule in docs/language.md");
    let named: Vec<&str> = rule.split('`').skip(1).step_by(2).collect();
    assert!(named.len() >= 10, "too few names in {rule:?}");
    for name in named {
        assert!(
            looks_like_data(name),
            "`{name}` is listed as data but is not"
        );
    }
    for parameter in ["w", "W1", "b", "bias", "theta", "gamma", "weights"] {
        assert!(!looks_like_data(parameter), "`{parameter}` is not data");
    }
}

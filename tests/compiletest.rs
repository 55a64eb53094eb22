//! Every mistake in `tests/ui/*.rs` must give exactly the error in its `.stderr` file, pointing
//! at the offending token. Regenerate after a deliberate change with `TRYBUILD=overwrite`.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*.rs");
}

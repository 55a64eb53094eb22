//! Every mistake in `tests/ui/*.rs` must give exactly the error in its `.stderr` file, pointing
//! at the offending token. Regenerate after a deliberate change with `TRYBUILD=overwrite`
//! (`TRYBUILD=overwrite cargo test -p nn-compile-fail`).
//!
//! trybuild takes the package under test from `CARGO_MANIFEST_DIR` (the UI tests get its
//! dependencies, and its directory is what the `-->` paths in the `.stderr` files are relative
//! to) and the test paths from the current directory. Both are pointed at the repository root,
//! the package `nn`: this harness lives in a package of its own only so that trybuild is not a
//! dev-dependency of `nn`.

use std::path::Path;

#[test]
fn ui() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("the repository root");
    // The only test of this binary: no other thread reads the environment meanwhile.
    std::env::set_var("CARGO_MANIFEST_DIR", &root);
    std::env::set_current_dir(&root).expect("the repository root");

    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*.rs");
}

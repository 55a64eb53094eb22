//! Nothing: see `Cargo.toml`. This package only asks for `nn`'s features `plot` and
//! `embedded-example`, so that `cargo test --workspace` builds and tests every example.

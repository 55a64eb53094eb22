//! Builds this crate as a static library in release, as firmware would (`panic = "abort"`,
//! a panic handler of its own through `--cfg nn_staticlib`, no `std`), and reads the archive's
//! symbol tables: the exported network functions are defined there, and no allocator is
//! defined or called anywhere in it.
//!
//! The build uses its own target directory (under `CARGO_TARGET_TMPDIR`), so it neither waits
//! for the lock of the `cargo test` that runs it nor disturbs its artifacts; it is kept between
//! runs, so only the first run compiles the dependencies.

use std::path::{Path, PathBuf};
use std::process::Command;

use object::read::archive::ArchiveFile;
use object::{Object, ObjectSymbol};

/// The C allocator and Rust's allocator shims (which Rust mangles in recent versions, so they
/// are matched as parts of names).
const C_ALLOCATOR: &[&str] = &[
    "malloc",
    "calloc",
    "realloc",
    "free",
    "posix_memalign",
    "aligned_alloc",
    "memalign",
];
const RUST_ALLOCATOR: &[&str] = &[
    "__rust_alloc",
    "__rust_dealloc",
    "__rust_realloc",
    "__rust_alloc_zeroed",
    "__rust_alloc_error_handler",
    "__rdl_alloc",
    "__rg_alloc",
];
const EXPORTED: &[&str] = &["nn_tiny_infer", "nn_tiny_train_step", "nn_cnn_infer"];

fn build_staticlib() -> PathBuf {
    let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let target_dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("staticlib-check");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let output = Command::new(cargo)
        .current_dir(manifest_dir)
        .args(["rustc", "--lib", "--release", "--locked", "--quiet"])
        .args(["--crate-type", "staticlib"])
        .arg("--manifest-path")
        .arg(manifest_dir.join("Cargo.toml"))
        .arg("--target-dir")
        .arg(&target_dir)
        // Only for this crate's own compilation: its panic handler.
        .args(["--", "--cfg", "nn_staticlib"])
        // What an embedded profile says; a freestanding library cannot unwind.
        .env("CARGO_PROFILE_RELEASE_PANIC", "abort")
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("CARGO_BUILD_TARGET_DIR")
        .output()
        .expect("cargo runs");
    assert!(
        output.status.success(),
        "building the static library failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let lib = target_dir.join("release").join(if cfg!(windows) {
        "nn_staticlib_check.lib"
    } else {
        "libnn_staticlib_check.a"
    });
    assert!(lib.is_file(), "{} was not built", lib.display());
    lib
}

/// A symbol's name as C spells it: without the leading underscore Mach-O adds, and without a
/// symbol version (`malloc@GLIBC_2.2.5`).
fn c_name(name: &str) -> &str {
    let name = name.split('@').next().unwrap_or(name);
    if cfg!(target_vendor = "apple") {
        name.strip_prefix('_').unwrap_or(name)
    } else {
        name
    }
}

fn is_allocator(name: &str) -> bool {
    C_ALLOCATOR.contains(&c_name(name)) || RUST_ALLOCATOR.iter().any(|a| name.contains(a))
}

#[test]
fn staticlib_exports_the_network_and_links_no_allocator() {
    let path = build_staticlib();
    let bytes = std::fs::read(&path).unwrap();
    let archive = ArchiveFile::parse(&*bytes).expect("an ar archive");

    let mut allocator = Vec::new();
    let mut defined = Vec::new();
    let mut objects = 0;
    let mut symbols = 0;

    // The archive's index: every symbol some member defines.
    if let Some(index) = archive.symbols().unwrap() {
        for sym in index {
            let name = String::from_utf8_lossy(sym.unwrap().name()).into_owned();
            if is_allocator(&name) {
                allocator.push(format!("{name} (archive index)"));
            }
        }
    }
    // Every member object: defined and undefined (called) symbols alike.
    for member in archive.members() {
        let member = member.unwrap();
        let member_name = String::from_utf8_lossy(member.name()).into_owned();
        let data = member.data(&*bytes).unwrap();
        let Ok(file) = object::File::parse(data) else {
            assert!(
                !member_name.ends_with(".o"),
                "member {member_name} is not a readable object file"
            );
            continue;
        };
        objects += 1;
        for sym in file.symbols() {
            let Ok(name) = sym.name() else { continue };
            symbols += 1;
            if is_allocator(name) {
                let how = if sym.is_undefined() {
                    "called"
                } else {
                    "defined"
                };
                allocator.push(format!("{name} ({how} in {member_name})"));
            }
            if sym.is_definition() && sym.is_global() && EXPORTED.contains(&c_name(name)) {
                defined.push(c_name(name).to_owned());
            }
        }
    }

    assert!(
        objects > 0 && symbols > 0,
        "no symbols read from {}",
        path.display()
    );
    for f in EXPORTED {
        assert!(
            defined.iter().any(|d| d == f),
            "{f} is not exported; found {defined:?}"
        );
    }
    assert!(
        allocator.is_empty(),
        "allocator symbols in the static library: {allocator:#?}"
    );
}

/// The matcher itself finds what it must, so that an empty result above means something.
#[test]
fn allocator_names_are_recognised() {
    for name in [
        "malloc",
        "free",
        "malloc@GLIBC_2.2.5",
        "__rust_alloc",
        "_RNvCs1234_7___rustc12___rust_alloc",
        "_RNvCs1234_7___rustc14___rust_dealloc",
    ] {
        assert!(is_allocator(name), "{name}");
    }
    for name in [
        "freestanding",
        "nn_tiny_infer",
        "memcpy",
        "_ZN4core3fmt5write",
    ] {
        assert!(!is_allocator(name), "{name}");
    }
}

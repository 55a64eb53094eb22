//! `embedded`: a trained network inside a `#![no_std]` static library, the way firmware
//! links one.
//!
//! The crate `tests/staticlib_check` is `#![no_std]`: it holds the `#[network]` `tiny`
//! (y = σ(w2·tanh(w1·x + b1) + b2)), its trained weights as a `const` printed by
//! `nn::weights::rust_source`, and two C functions, `nn_tiny_infer` and `nn_tiny_train_step`.
//! This example calls the inference, then builds the crate as a static library (release,
//! `opt-level = "s"`, `panic = "abort"`, as for a microcontroller) and reads its object file:
//! the code size, the static memory, and that no allocator is linked.
//!
//! The library is built in `embedded/` of Cargo's target directory — `$CARGO_TARGET_DIR`
//! when set, else the one this example was built in — or in `--target-dir DIR`; the example
//! prints the archive's path. It writes no other file.
//!
//! ```text
//! cargo run --release --example embedded --features embedded-example
//! cargo run --release --example embedded --features embedded-example -- --target-dir /tmp/embedded
//! ```
//!
//! For a Cortex-M4F, the same library (link `libnn_staticlib_check.a` into the firmware and
//! call `float nn_tiny_infer(float)` from C):
//!
//! ```text
//! rustup target add thumbv7em-none-eabihf
//! CARGO_PROFILE_RELEASE_PANIC=abort CARGO_PROFILE_RELEASE_OPT_LEVEL=s \
//!   cargo rustc -p nn-staticlib-check --release --target thumbv7em-none-eabihf \
//!   --crate-type staticlib -- --cfg nn_staticlib
//! ```

use std::error::Error;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use nn_staticlib_check::{nn_tiny_infer, tiny, TRAINED};
use object::read::archive::ArchiveFile;
use object::{Object, ObjectSection, ObjectSymbol, SectionKind};

/// Where to build the static library.
pub struct Options {
    /// Cargo's target directory for the static library build.
    pub target_dir: PathBuf,
}

impl Options {
    /// `embedded/` in Cargo's target directory (see [`default_target_dir`]).
    pub fn full() -> Options {
        Options {
            target_dir: default_target_dir(
                std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from),
                std::env::current_exe().ok(),
            ),
        }
    }

    fn from_args() -> Result<Options, String> {
        let mut options = Options::full();
        let mut args = std::env::args().skip(1);
        while let Some(arg) = args.next() {
            match arg.as_str() {
                "--target-dir" => {
                    options.target_dir = args.next().ok_or("--target-dir needs a path")?.into();
                }
                other => return Err(format!("unknown argument `{other}` (try --target-dir DIR)")),
            }
        }
        Ok(options)
    }
}

/// Where the library is built by default: `embedded/` in `cargo_target_dir` (the
/// `CARGO_TARGET_DIR` variable) when set; else in the target directory that holds the example's
/// executable `exe` (`<target>/<profile>/examples/embedded`); else in `./target`.
pub fn default_target_dir(cargo_target_dir: Option<PathBuf>, exe: Option<PathBuf>) -> PathBuf {
    let from_exe = exe.and_then(|exe| {
        let examples = exe.parent()?;
        let profile = examples.parent()?;
        (examples.file_name()? == "examples").then(|| profile.parent().map(Path::to_path_buf))?
    });
    cargo_target_dir
        .filter(|dir| !dir.as_os_str().is_empty())
        .or(from_exe)
        .unwrap_or_else(|| PathBuf::from("target"))
        .join("embedded")
}

/// What the example measured.
pub struct Report {
    /// (x, the network's probability of class 1) through the exported C function.
    pub predictions: Vec<(f32, f32)>,
    /// Bytes of machine code in the crate's object file.
    pub code_bytes: u64,
    /// Bytes of the two exported functions' own code.
    pub exported_code_bytes: u64,
    /// Bytes of read-only data (constants) in the crate's object file.
    pub rodata_bytes: u64,
    /// Bytes of writable static memory (`.data` + `.bss`): RAM the library takes before it runs.
    pub ram_bytes: u64,
    /// Allocator symbols found anywhere in the archive (there should be none).
    pub allocator_symbols: Vec<String>,
}

fn main() -> ExitCode {
    let result = Options::from_args()
        .map_err(Into::into)
        .and_then(|options| run(&options, &mut std::io::stdout()));
    match result {
        Ok(_) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Runs the example, printing to `out`.
pub fn run(options: &Options, out: &mut dyn Write) -> Result<Report, Box<dyn Error>> {
    writeln!(
        out,
        "The weights, embedded as Rust source (no file system, no parsing):"
    )?;
    writeln!(
        out,
        "{}",
        nn::weights::rust_source(&TRAINED, "tiny::Params", "TRAINED")
    )?;
    writeln!(
        out,
        "Inference through `nn_tiny_infer` (class 1 means x > 0.5):"
    )?;
    let mut predictions = Vec::new();
    for k in 0..=10 {
        let x = k as f32 / 10.0;
        let p = nn_tiny_infer(x);
        predictions.push((x, p));
        writeln!(out, "  x = {x:.1}  p = {p:.4}  class {}", u8::from(p > 0.5))?;
    }
    debug_assert_eq!(predictions[3].1, tiny::forward(&TRAINED, 0.3));

    writeln!(
        out,
        "\nBuilding the static library (release, opt-level s, panic = abort) …"
    )?;
    let archive_path = build(&options.target_dir)?;
    let report = measure(&archive_path, predictions)?;
    writeln!(out, "built {}", archive_path.display())?;
    writeln!(
        out,
        "  code:            {:>6} bytes (the two exported functions: {} bytes)",
        report.code_bytes, report.exported_code_bytes
    )?;
    writeln!(out, "  read-only data:  {:>6} bytes", report.rodata_bytes)?;
    writeln!(
        out,
        "  static RAM:      {:>6} bytes (.data + .bss)",
        report.ram_bytes
    )?;
    if !report.allocator_symbols.is_empty() {
        return Err(format!("allocator symbols linked: {:?}", report.allocator_symbols).into());
    }
    writeln!(
        out,
        "  heap:            none (no allocator symbol in the archive)"
    )?;
    writeln!(
        out,
        "  (the crate's own object file; `exp`/`tanh` of libm and core's routines are members of \
         their own, which the firmware's linker keeps only as far as they are called)"
    )?;
    writeln!(
        out,
        "\nThe stack is all the network needs at run time: its parameters ({} f32), and the \
         forward values of one sample.",
        tiny::PARAM_COUNT
    )?;
    Ok(report)
}

/// Builds `tests/staticlib_check` as a static library and returns the archive's path.
fn build(target_dir: &Path) -> Result<PathBuf, Box<dyn Error>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    // Cargo runs in the repository: a relative directory is the current directory's.
    let target_dir = &std::path::absolute(target_dir)
        .map_err(|e| format!("cannot find {}: {e}", target_dir.display()))?;
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let output = Command::new(cargo)
        .current_dir(root)
        .args([
            "rustc",
            "-p",
            "nn-staticlib-check",
            "--lib",
            "--release",
            "--quiet",
        ])
        .args(["--crate-type", "staticlib", "--target-dir"])
        .arg(target_dir)
        .args(["--", "--cfg", "nn_staticlib"])
        .env("CARGO_PROFILE_RELEASE_PANIC", "abort")
        .env("CARGO_PROFILE_RELEASE_OPT_LEVEL", "s")
        .env_remove("CARGO_TARGET_DIR")
        .output()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "building the static library failed:\n{}",
            String::from_utf8_lossy(&output.stderr)
        )
        .into());
    }
    let lib = target_dir.join("release").join(if cfg!(windows) {
        "nn_staticlib_check.lib"
    } else {
        "libnn_staticlib_check.a"
    });
    if !lib.is_file() {
        return Err(format!("{} was not built", lib.display()).into());
    }
    Ok(lib)
}

/// Reads the archive: sizes of the crate's own object file (the network and the runtime code
/// it uses are compiled into it), and any allocator symbol in any member.
fn measure(path: &Path, predictions: Vec<(f32, f32)>) -> Result<Report, Box<dyn Error>> {
    let bytes = std::fs::read(path)?;
    let archive = ArchiveFile::parse(&*bytes)?;
    let mut report = Report {
        predictions,
        code_bytes: 0,
        exported_code_bytes: 0,
        rodata_bytes: 0,
        ram_bytes: 0,
        allocator_symbols: Vec::new(),
    };
    let mut found_crate = false;
    for member in archive.members() {
        let member = member?;
        let name = String::from_utf8_lossy(member.name()).into_owned();
        let Ok(file) = object::File::parse(member.data(&*bytes)?) else {
            continue;
        };
        for sym in file.symbols() {
            let Ok(sym_name) = sym.name() else { continue };
            let plain = sym_name.split('@').next().unwrap_or(sym_name);
            let c_allocator = ["malloc", "calloc", "realloc", "free"].contains(&plain);
            if c_allocator
                || sym_name.contains("__rust_alloc")
                || sym_name.contains("__rust_dealloc")
            {
                report
                    .allocator_symbols
                    .push(format!("{sym_name} in {name}"));
            }
            if name.starts_with("nn_staticlib_check")
                && sym.is_definition()
                && (plain == "nn_tiny_infer" || plain == "nn_tiny_train_step")
            {
                report.exported_code_bytes += sym.size();
            }
        }
        if !name.starts_with("nn_staticlib_check") {
            continue;
        }
        found_crate = true;
        for section in file.sections() {
            // `.data.rel.ro` is read-only once relocated (the panic locations of bounds checks
            // land there in a position-independent object): firmware links it into flash.
            let relocated_read_only = section.name().is_ok_and(|n| n.starts_with(".data.rel.ro"));
            match section.kind() {
                SectionKind::Text => report.code_bytes += section.size(),
                SectionKind::ReadOnlyData | SectionKind::ReadOnlyString => {
                    report.rodata_bytes += section.size()
                }
                SectionKind::Data if relocated_read_only => report.rodata_bytes += section.size(),
                SectionKind::Data | SectionKind::UninitializedData => {
                    report.ram_bytes += section.size()
                }
                _ => {}
            }
        }
    }
    if !found_crate {
        return Err(format!("no object file of the crate in {}", path.display()).into());
    }
    Ok(report)
}

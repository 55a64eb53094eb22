//! The host's side of the Cortex-M harness: the workload of `nn-embedded-workload` computed
//! here, with the same code, seeds and data order as on the device, and the comparison.
//!
//! ```text
//! nn-embedded-host check          # what the device's `check` image prints
//! nn-embedded-host results        # the `result` lines of the measuring images
//! nn-embedded-host compare FILE   # FILE: the device's check output, then its result lines
//! nn-embedded-host xor-weights    # the XOR weights `check` trains, as Rust source
//! ```
//!
//! `compare` computes `check` and `results` here and reads FILE (what the device printed:
//! lines starting with `xor `, `digits `, `check ` or `result `, in that order; other lines
//! are ignored). The two must have the same lines with the same words; numbers with a `.`
//! or an exponent are compared as `f32` within the tolerance, integers exactly.
//!
//! The tolerance: |device − host| ≤ 1e-5·max(|device|, |host|) + 1e-6 (set the relative part
//! with `NN_CORTEX_M_TOLERANCE`). Both sides run the same single-precision operations in the
//! same order (Rust never fuses a multiply and an add by itself, and both use the runtime's
//! `no_std` path, whose `exp`, `tanh`, `sqrt` … are `libm`'s, compiled from the same source),
//! so the numbers are expected to be bit-identical, and `compare` says whether they were and
//! how far apart they were at most (in ulps). The margin lets through what a target could
//! legitimately do otherwise (an FPU's square root where `libm` computes one in software:
//! both are correctly rounded, so even that should agree) without hiding a wrong result: a
//! mistake in the arithmetic, a different code path, or `f64` rounding where `f32` was meant
//! change a trained network's numbers far beyond 1e-5.

use std::fmt::Write as _;
use std::process::ExitCode;

use nn_embedded_workload::{check, results, xor_task, xor_trainer};

/// The default relative tolerance.
const RELATIVE: f32 = 1e-5;
/// The absolute part of the tolerance, for numbers near 0.
const ABSOLUTE: f32 = 1e-6;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("check") => print_with(|s| check(s).map_err(|e| e.to_string())),
        Some("results") => print_with(|s| results(s).map_err(|e| e.to_string())),
        Some("xor-weights") => print_with(|s| xor_weights(s).map_err(|e| e.to_string())),
        Some("compare") if args.len() == 2 => compare(&args[1]),
        _ => Err("usage: nn-embedded-host check | results | xor-weights | compare FILE".into()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn print_with(f: impl FnOnce(&mut String) -> Result<(), String>) -> Result<(), String> {
    let mut text = String::new();
    let outcome = f(&mut text);
    print!("{text}");
    outcome
}

fn xor_weights(out: &mut String) -> Result<(), nn_embedded_workload::Failure> {
    let mut params = xor_task::initial();
    xor_trainer!(xor_task::EPOCHS).fit(&mut params, &xor_task::DATA)?;
    writeln!(
        out,
        "{}",
        nn::weights::rust_source(&params, "xor::Params", "TRAINED")
    )?;
    Ok(())
}

/// Whether a word is a number to compare within the tolerance (not an integer).
fn as_float(word: &str) -> Option<f32> {
    let is_float = word.contains(['.', 'e', 'E']) || word.contains("NaN") || word.contains("inf");
    if is_float {
        word.parse().ok()
    } else {
        None
    }
}

/// Distance in units in the last place between two finite f32 of any signs.
fn ulps(a: f32, b: f32) -> u64 {
    let key = |x: f32| {
        let bits = x.to_bits() as i64;
        if bits < 0x8000_0000 {
            bits
        } else {
            0x8000_0000 - bits
        }
    };
    key(a).abs_diff(key(b))
}

fn compare(path: &str) -> Result<(), String> {
    let relative: f32 = match std::env::var("NN_CORTEX_M_TOLERANCE") {
        Ok(v) => v
            .parse()
            .map_err(|_| format!("NN_CORTEX_M_TOLERANCE={v}: not a number"))?,
        Err(_) => RELATIVE,
    };
    let mut expected = String::new();
    check(&mut expected).map_err(|e| format!("the host's check failed: {e}"))?;
    results(&mut expected).map_err(|e| format!("the host's results failed: {e}"))?;
    let device_text =
        std::fs::read_to_string(path).map_err(|e| format!("cannot read {path}: {e}"))?;
    let compared = |line: &&str| {
        ["xor ", "digits ", "check ", "result "]
            .iter()
            .any(|p| line.starts_with(p))
    };
    let device: Vec<&str> = device_text.lines().filter(compared).collect();
    let host: Vec<&str> = expected.lines().collect();

    let mut problems = Vec::new();
    let (mut numbers, mut identical, mut max_ulps, mut max_rel) = (0usize, 0usize, 0u64, 0f32);
    for i in 0..device.len().max(host.len()) {
        let (d, h) = match (device.get(i), host.get(i)) {
            (Some(d), Some(h)) => (*d, *h),
            (None, Some(h)) => {
                problems.push(format!("the device did not print: {h}"));
                continue;
            }
            (Some(d), None) => {
                problems.push(format!("the host did not print: {d}"));
                continue;
            }
            (None, None) => unreachable!(),
        };
        let (dw, hw): (Vec<&str>, Vec<&str>) = (d.split(' ').collect(), h.split(' ').collect());
        let mut line_ok = dw.len() == hw.len();
        for (a, b) in dw.iter().zip(&hw) {
            match (as_float(a), as_float(b)) {
                (Some(x), Some(y)) => {
                    numbers += 1;
                    if x.to_bits() == y.to_bits() || (x.is_nan() && y.is_nan()) {
                        identical += 1;
                        continue;
                    }
                    let diff = (x - y).abs();
                    let scale = x.abs().max(y.abs());
                    if x.is_finite() && y.is_finite() {
                        max_ulps = max_ulps.max(ulps(x, y));
                        if scale > 0.0 {
                            max_rel = max_rel.max(diff / scale);
                        }
                    }
                    // NaN or ∞ on one side only fails this test too.
                    line_ok &= diff <= relative * scale + ABSOLUTE;
                }
                _ => line_ok &= a == b,
            }
        }
        if !line_ok {
            problems.push(format!("device: {d}\n    host: {h}"));
        }
    }
    println!(
        "compare: {} lines, {numbers} numbers, {identical} bit-identical, largest difference \
         {max_ulps} ulp ({max_rel:.2e} relative); tolerance {relative:e} relative + {ABSOLUTE:e}",
        device.len()
    );
    if problems.is_empty() {
        Ok(())
    } else {
        for p in &problems {
            println!("  differs: {p}");
        }
        Err(format!(
            "{} of {} lines differ beyond the tolerance",
            problems.len(),
            host.len()
        ))
    }
}

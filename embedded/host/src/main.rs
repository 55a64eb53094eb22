//! The host's side of the Cortex-M harness: the workload of `nn-embedded-workload` computed
//! here, with the same code, seeds and data order as on the device, and the comparison.
//!
//! ```text
//! nn-embedded-host check          # what the device's `check` image prints
//! nn-embedded-host results        # the `result` lines of the measuring images
//! nn-embedded-host compare FILE   # FILE: the device's check output, then its result lines
//! nn-embedded-host xor-weights    # the XOR weights `check` trains, as Rust source
//! nn-embedded-host describe       # the networks' layer widths and multiply-adds, for the table
//! ```
//!
//! `compare` computes `check` and `results` here and reads FILE (what the device printed:
//! lines starting with `xor `, `digits `, `check ` or `result `, in that order; other lines
//! are ignored). The two must have the same lines with the same words; numbers with a `.`
//! or an exponent are compared as `f32` within the tolerance, integers exactly.
//!
//! The tolerance: at most 2 ulps between the device's and the host's `f32` (set it with
//! `NN_CORTEX_M_ULPS`); a NaN matches only a NaN, an infinity only itself. Both sides run the
//! same single-precision operations in the same order (Rust never fuses a multiply and an add
//! by itself; both use the runtime's `no_std` path, whose `exp`, `tanh` … are `libm`'s,
//! compiled from the same source; the square root is correctly rounded whether the FPU's or
//! libm's; `dot` has two forms, for targets with and without vector units, that add in the
//! same order), so the numbers are expected to be bit-identical, and `compare` says whether
//! they were and how far apart they were at most. Ulps rather than a relative bound with an
//! absolute floor: a floor lets any error through on numbers near 0, such as the trained XOR
//! network's outputs near 0 (1.53e-5 against 1.55e-5 is 1 % and 130,000 ulps).
//!
//! `result NAME …` lines are paired by NAME, the others by position.

use std::fmt::Write as _;
use std::process::ExitCode;

use nn_embedded_workload::{check, describe, digits, results, xor, xor_task, xor_trainer};

/// The default tolerance, in ulps of `f32`.
const ULPS: u64 = 2;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("check") => print_with(|s| check(s).map_err(|e| e.to_string())),
        Some("results") => print_with(|s| results(s).map_err(|e| e.to_string())),
        Some("xor-weights") => print_with(|s| xor_weights(s).map_err(|e| e.to_string())),
        Some("describe") => print_with(|s| {
            describe::<xor::Params>(s, "xor")
                .and_then(|()| describe::<digits::Params>(s, "digits"))
                .map_err(|e| e.to_string())
        }),
        Some("compare") if args.len() == 2 => compare(&args[1]),
        _ => Err(
            "usage: nn-embedded-host check | results | xor-weights | describe | compare FILE"
                .into(),
        ),
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
    let tolerance: u64 = match std::env::var("NN_CORTEX_M_ULPS") {
        Ok(v) => v
            .parse()
            .map_err(|_| format!("NN_CORTEX_M_ULPS={v}: not a whole number of ulps"))?,
        Err(_) => ULPS,
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
    let mut stats = Stats::default();
    for pair in pairs(&device, &host) {
        match pair {
            (Some(d), Some(h)) => {
                if !stats.line(d, h, tolerance) {
                    problems.push(format!("device: {d}\n    host: {h}"));
                }
            }
            (None, Some(h)) => problems.push(format!("the device did not print: {h}")),
            (Some(d), None) => problems.push(format!("the host did not print: {d}")),
            (None, None) => {}
        }
    }
    println!(
        "compare: {} lines, {} numbers, {} bit-identical, largest difference {} ulp; \
         tolerance {tolerance} ulp",
        device.len(),
        stats.numbers,
        stats.identical,
        stats.max_ulps
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

/// The lines to compare: `result NAME …` lines by NAME, the others by position.
fn pairs<'a>(device: &[&'a str], host: &[&'a str]) -> Vec<(Option<&'a str>, Option<&'a str>)> {
    let name = |line: &str| -> Option<String> {
        let mut words = line.split(' ');
        (words.next() == Some("result")).then(|| words.next().unwrap_or("").to_string())
    };
    let (dev_results, dev_rest): (Vec<&str>, Vec<&str>) =
        device.iter().partition(|l| name(l).is_some());
    let (host_results, host_rest): (Vec<&str>, Vec<&str>) =
        host.iter().partition(|l| name(l).is_some());
    let mut out = Vec::new();
    for i in 0..dev_rest.len().max(host_rest.len()) {
        out.push((dev_rest.get(i).copied(), host_rest.get(i).copied()));
    }
    for h in &host_results {
        let d = dev_results.iter().find(|d| name(d) == name(h)).copied();
        out.push((d, Some(*h)));
    }
    for d in &dev_results {
        if !host_results.iter().any(|h| name(h) == name(d)) {
            out.push((Some(*d), None));
        }
    }
    out
}

/// Counts over the compared numbers.
#[derive(Default)]
struct Stats {
    numbers: usize,
    identical: usize,
    max_ulps: u64,
}

impl Stats {
    /// Whether the device's line `d` matches the host's `h`: the same words, numbers within
    /// `tolerance` ulps.
    fn line(&mut self, d: &str, h: &str, tolerance: u64) -> bool {
        let (dw, hw): (Vec<&str>, Vec<&str>) = (d.split(' ').collect(), h.split(' ').collect());
        let mut ok = dw.len() == hw.len();
        for (a, b) in dw.iter().zip(&hw) {
            match (as_float(a), as_float(b)) {
                (Some(x), Some(y)) => {
                    self.numbers += 1;
                    if x.to_bits() == y.to_bits() || (x.is_nan() && y.is_nan()) {
                        self.identical += 1;
                        continue;
                    }
                    // NaN or ∞ on one side only is never within the tolerance.
                    let apart = if x.is_finite() && y.is_finite() {
                        ulps(x, y)
                    } else {
                        u64::MAX
                    };
                    self.max_ulps = self.max_ulps.max(apart);
                    ok &= apart <= tolerance;
                }
                _ => ok &= a == b,
            }
        }
        ok
    }
}

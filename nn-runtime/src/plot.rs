//! A loss-curve picture as SVG (feature `plot`), drawn with `plotters`.
//!
//! Only the SVG backend is used, so there is no dependency on system fonts or image codecs;
//! the text is rendered by whatever displays the SVG. The ticks are ours, not plotters' (whose
//! labels read `0.30000000000000004` and repeat `1.0`):
//!
//! The loss axis has "nice" ticks — steps of 1, 2 or 5 × 10^k — from a tick at or below the
//! lowest loss to one at or above the highest, each label written with the fewest digits that
//! tell the ticks apart. Losses spanning a factor of 10 or more are drawn on a log scale
//! (ticks 1, 2, 5 × 10^k, or only powers of ten over many decades). Epochs whose loss is not a
//! finite number (NaN, ±∞) are left out of the curve, and the picture says how many.
//!
//! ```
//! use nn_runtime::history::History;
//! let mut h = History::new();
//! for l in [1.0_f64, 0.5, 0.2, 0.1] {
//!     h.push(l);
//! }
//! let svg = h.to_svg().unwrap();
//! assert!(svg.starts_with("<svg") && svg.contains("epoch"));
//! ```

use std::format;
use std::path::Path;
use std::string::{String, ToString};
use std::vec::Vec;

use plotters::coord::combinators::BindKeyPoints;
use plotters::prelude::*;

use crate::error::Error;
use crate::history::History;
use crate::tensor::Real;

/// Width and height of the picture in pixels.
pub const SIZE: (u32, u32) = (800, 480);

/// At most this many intervals between the ticks of a linear axis.
const MAX_INTERVALS: i128 = 6;

/// One tick of an axis.
#[derive(Clone, Debug, PartialEq)]
struct Tick {
    /// Where it stands.
    value: f64,
    /// What it says.
    label: String,
}

/// An axis: its ticks, first to last, and its scale.
#[derive(Clone, Debug, PartialEq)]
struct Axis {
    /// Ticks in increasing order; the first at or below the data, the last at or above.
    ticks: Vec<Tick>,
    /// Whether the scale is logarithmic.
    log: bool,
}

/// `q × 10^k` as a number: exact to the nearest `f64`, as the decimal it is.
fn decimal(q: i128, k: i32) -> f64 {
    format!("{q}e{k}").parse().unwrap_or(f64::NAN)
}

/// The exponent of the leading digit of `q × 10^k` (q ≠ 0).
fn lead(q: i128, k: i32) -> i32 {
    q.unsigned_abs().to_string().len() as i32 - 1 + k
}

/// Whether a number with leading digit at 10^`lead` is written in scientific notation.
fn scientific(lead: i32) -> bool {
    !(-4..=6).contains(&lead)
}

/// `q × 10^k` written with the fewest characters: `1.5`, `0.02`, `300`; in scientific
/// notation (`2.5e-7`, `1e12`) when `sci`. The plain form is padded to `decimals` decimals.
fn label(q: i128, k: i32, decimals: u32, sci: bool) -> String {
    if q == 0 && (sci || decimals == 0) {
        return "0".into();
    }
    let sign = if q < 0 { "-" } else { "" };
    let digits = q.unsigned_abs().to_string();
    if sci {
        let mantissa = digits.trim_end_matches('0');
        let mantissa = match mantissa.len() {
            1 => mantissa.to_string(),
            _ => format!("{}.{}", &mantissa[..1], &mantissa[1..]),
        };
        return format!("{sign}{mantissa}e{}", lead(q, k));
    }
    let decimals = decimals.max((-k).max(0) as u32) as usize;
    // The digits of q × 10^k × 10^decimals, an integer.
    let mut all = format!(
        "{digits}{}",
        "0".repeat((k + decimals as i32).max(0) as usize)
    );
    if decimals == 0 {
        return format!("{sign}{all}");
    }
    if all.len() <= decimals {
        all = format!("{}{all}", "0".repeat(decimals + 1 - all.len()));
    }
    let (int, frac) = all.split_at(all.len() - decimals);
    format!("{sign}{int}.{frac}")
}

/// The ticks `q × 10^k`, labelled alike: all plain (padded to `decimals`) or all scientific.
fn ticks(numbers: &[(i128, i32)], decimals: u32) -> Vec<Tick> {
    let sci = numbers
        .iter()
        .any(|&(q, k)| q != 0 && scientific(lead(q, k)));
    numbers
        .iter()
        .map(|&(q, k)| Tick {
            value: decimal(q, k),
            label: label(q, k, decimals, sci),
        })
        .collect()
}

impl Axis {
    /// The loss axis for losses from `lo` to `hi` (finite): log scale when they are positive
    /// and span a factor of 10 or more, linear otherwise.
    fn for_losses(lo: f64, hi: f64) -> Axis {
        if lo > 0.0 && hi / lo >= 10.0 {
            Axis::log(lo, hi)
        } else {
            Axis::linear(lo, hi, None)
        }
    }

    /// Linear ticks `i × step` covering `lo..=hi` (finite), `step` 1, 2 or 5 × 10^k with `k`
    /// at least `min_exponent`, the smallest giving at most 6 intervals; labels with the same,
    /// fewest decimals. A single value gets a range around it.
    fn linear(lo: f64, hi: f64, min_exponent: Option<i32>) -> Axis {
        let (lo, hi) = if hi > lo {
            (lo, hi)
        } else if lo == 0.0 {
            (-1.0, 1.0)
        } else {
            (lo - lo.abs() / 10.0, hi + hi.abs() / 10.0)
        };
        let span = hi - lo;
        let mut k = ((span / MAX_INTERVALS as f64).log10().floor() as i32 - 1)
            .max(min_exponent.unwrap_or(i32::MIN));
        loop {
            for m in [1, 2, 5] {
                let step = decimal(m, k);
                let mut first = (lo / step).floor() as i128;
                let mut last = (hi / step).ceil() as i128;
                // Division rounds: move in where a tick one step further in still covers.
                if decimal((first + 1) * m, k) <= lo {
                    first += 1;
                }
                if decimal((last - 1) * m, k) >= hi {
                    last -= 1;
                }
                if last - first <= MAX_INTERVALS {
                    let numbers: Vec<(i128, i32)> = (first..=last).map(|i| (i * m, k)).collect();
                    let ticks = ticks(&numbers, (-k).max(0) as u32);
                    return Axis { ticks, log: false };
                }
            }
            k += 1;
        }
    }

    /// Logarithmic ticks covering `lo..=hi` (0 < lo < hi, finite): 1, 2 and 5 × 10^k over up
    /// to 3 decades, powers of ten over more (every second, third, … decade over more than 8).
    fn log(lo: f64, hi: f64) -> Axis {
        let (low, high) = (lo.log10().floor() as i32, hi.log10().ceil() as i32);
        let decades = high - low;
        let (mantissas, every): (&[i128], i32) = match decades {
            0..=3 => (&[1, 2, 5], 1),
            4..=8 => (&[1], 1),
            _ => (&[1], (decades + 7) / 8),
        };
        let mut candidates = Vec::new();
        let start = (low - 1).div_euclid(every) * every;
        let mut k = start;
        while k <= high + every {
            for &m in mantissas {
                let value = decimal(m, k);
                if value.is_finite() && value > 0.0 {
                    candidates.push((m, k, value));
                }
            }
            k += every;
        }
        let first = candidates.iter().rposition(|c| c.2 <= lo).unwrap_or(0);
        let last = candidates
            .iter()
            .position(|c| c.2 >= hi)
            .unwrap_or(candidates.len() - 1);
        let numbers: Vec<(i128, i32)> = candidates[first..=last]
            .iter()
            .map(|&(m, k, _)| (m, k))
            .collect();
        Axis {
            ticks: ticks(&numbers, 0),
            log: true,
        }
    }

    /// Where `v` is drawn on an integer grid from the first tick (0) to the last
    /// ([`GRID`]): linear in `v`, or in log₁₀ `v` on a log scale. Plotters draws every axis as
    /// this grid, with our ticks bound as its key points (its own labels would be its own).
    fn grid(&self, v: f64) -> i32 {
        let f = |v: f64| if self.log { v.log10() } else { v };
        let (a, b) = match (self.ticks.first(), self.ticks.last()) {
            (Some(a), Some(b)) => (f(a.value), f(b.value)),
            _ => return 0,
        };
        if b > a {
            ((f(v) - a) / (b - a) * f64::from(GRID)).round() as i32
        } else {
            0
        }
    }

    /// The ticks' places on the grid.
    fn key_points(&self) -> Vec<i32> {
        self.ticks.iter().map(|t| self.grid(t.value)).collect()
    }

    /// The label of the tick at grid place `at`.
    fn label_at(&self, at: i32) -> String {
        self.ticks
            .iter()
            .min_by_key(|t| (self.grid(t.value) - at).abs())
            .map(|t| t.label.clone())
            .unwrap_or_default()
    }
}

/// The resolution of the drawing grid: far finer than the picture's pixels.
const GRID: i32 = 100_000;

fn plot_error(e: impl core::fmt::Display) -> Error {
    Error::Plot(e.to_string())
}

/// Draws the axes and the curve, one line through each run of finite losses and a dot for a
/// loss alone between gaps, and the note on left-out epochs.
fn draw(
    svg: &mut String,
    x: &Axis,
    y: &Axis,
    runs: &[Vec<(f64, f64)>],
    note: Option<String>,
) -> Result<(), Error> {
    let root = SVGBackend::with_string(svg, SIZE).into_drawing_area();
    root.fill(&WHITE).map_err(plot_error)?;
    let mut chart = ChartBuilder::on(&root)
        .caption("training loss", ("sans-serif", 20))
        .margin(16)
        .x_label_area_size(40)
        .y_label_area_size(70)
        .build_cartesian_2d(
            (0..GRID).with_key_points(x.key_points()),
            (0..GRID).with_key_points(y.key_points()),
        )
        .map_err(plot_error)?;
    chart
        .configure_mesh()
        .x_desc("epoch")
        .y_desc(if y.log { "loss (log scale)" } else { "loss" })
        .x_label_formatter(&|v| x.label_at(*v))
        .y_label_formatter(&|v| y.label_at(*v))
        .draw()
        .map_err(plot_error)?;
    let blue = RGBColor(29, 78, 216);
    for run in runs {
        let points = run.iter().map(|&(e, l)| (x.grid(e), y.grid(l)));
        if run.len() == 1 {
            chart
                .draw_series(points.map(|p| Circle::new(p, 3, blue.filled())))
                .map_err(plot_error)?;
        } else {
            chart
                .draw_series(LineSeries::new(points, blue.stroke_width(2)))
                .map_err(plot_error)?;
        }
    }
    if let Some(note) = note {
        let style = ("sans-serif", 12).into_font().color(&RGBColor(185, 28, 28));
        root.draw(&Text::new(note, (100, 50), style))
            .map_err(plot_error)?;
    }
    root.present().map_err(plot_error)
}

impl<T: Real> History<T> {
    /// The loss curve as an SVG document: loss against epoch (from 1, as in
    /// [`History::to_csv`]).
    ///
    /// Errors: [`Error::EmptyData`] when nothing is recorded or no loss is a finite number;
    /// [`Error::Plot`] when drawing fails.
    pub fn to_svg(&self) -> Result<String, Error> {
        let losses: Vec<f64> = self.losses().iter().map(|l| l.to_f64_lossless()).collect();
        // Runs of consecutive finite losses, each drawn as one line.
        let mut runs: Vec<Vec<(f64, f64)>> = Vec::new();
        let mut previous_finite = false;
        for (i, &l) in losses.iter().enumerate() {
            if l.is_finite() {
                if !previous_finite {
                    runs.push(Vec::new());
                }
                if let Some(run) = runs.last_mut() {
                    run.push(((i + 1) as f64, l));
                }
            }
            previous_finite = l.is_finite();
        }
        let drawn: Vec<f64> = runs.iter().flatten().map(|p| p.1).collect();
        let lo = drawn.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = drawn.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        if drawn.is_empty() {
            return Err(Error::EmptyData);
        }
        let y = Axis::for_losses(lo, hi);
        let x = Axis::linear(1.0, losses.len().max(2) as f64, Some(0));
        let skipped = losses.len() - drawn.len();
        let note = (skipped > 0).then(|| {
            format!(
                "{skipped} of {} epochs not drawn: their loss is not a finite number (NaN or ±∞)",
                losses.len()
            )
        });
        let mut svg = String::new();
        draw(&mut svg, &x, &y, &runs, note)?;
        Ok(svg)
    }

    /// Writes the loss curve to an SVG file.
    pub fn plot_svg(&self, path: impl AsRef<Path>) -> Result<(), Error> {
        std::fs::write(path, self.to_svg()?)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn history(losses: &[f64]) -> History<f64> {
        let mut h = History::new();
        for &l in losses {
            h.push(l);
        }
        h
    }

    /// Every text of the SVG, in the order drawn.
    fn texts(svg: &str) -> Vec<String> {
        svg.split("</text>")
            .filter_map(|chunk| {
                let start = chunk.rfind("<text")?;
                let open_end = chunk[start..].find('>')? + start + 1;
                Some(chunk[open_end..].trim().to_string())
            })
            .collect()
    }

    /// The number of lines drawn in the curve's colour.
    fn curves(svg: &str) -> usize {
        svg.lines()
            .filter(|l| l.contains("<polyline") && l.contains("stroke=\"#1D4ED8\""))
            .count()
    }

    /// The texts that are the labels of `axis`'s ticks, in the order drawn.
    fn tick_texts(svg: &str, axis: &Axis) -> Vec<String> {
        let labels: Vec<&str> = axis.ticks.iter().map(|t| t.label.as_str()).collect();
        texts(svg)
            .into_iter()
            .filter(|t| labels.contains(&t.as_str()))
            .collect()
    }

    fn labels(axis: &Axis) -> Vec<&str> {
        axis.ticks.iter().map(|t| t.label.as_str()).collect()
    }

    /// Checks what every axis must satisfy: increasing ticks covering `lo..=hi`, distinct
    /// labels that read back as the ticks' values.
    fn check(axis: &Axis, lo: f64, hi: f64) {
        let ticks = &axis.ticks;
        assert!(ticks.len() >= 2, "{axis:?}");
        assert!(ticks[0].value <= lo, "first tick above {lo}: {axis:?}");
        assert!(
            ticks[ticks.len() - 1].value >= hi,
            "last tick below {hi}: {axis:?}"
        );
        for pair in ticks.windows(2) {
            assert!(pair[0].value < pair[1].value, "{axis:?}");
            assert_ne!(pair[0].label, pair[1].label, "{axis:?}");
        }
        for t in ticks {
            let read: f64 = t.label.parse().unwrap();
            assert!(
                (read - t.value).abs() <= 1e-12 * t.value.abs(),
                "`{}` for {}",
                t.label,
                t.value
            );
        }
    }

    /// The curve from 1.6 down to about 0.01: log scale, 1-2-5 ticks from 0.01 to 2.
    #[test]
    fn a_falling_loss_gets_nice_ticks_above_its_start() {
        let losses: Vec<f64> = (0..40).map(|i| 1.6 * 0.88f64.powi(i)).collect();
        let (lo, hi) = (losses[39], losses[0]);
        assert!(lo > 0.01 && lo < 0.011, "{lo}");
        let svg = history(&losses).to_svg().unwrap();
        let y = Axis::for_losses(lo, hi);
        assert_eq!(
            tick_texts(&svg, &y),
            ["0.01", "0.02", "0.05", "0.1", "0.2", "0.5", "1", "2"]
        );
        let x = Axis::linear(1.0, 40.0, Some(0));
        assert_eq!(tick_texts(&svg, &x), ["0", "10", "20", "30", "40"]);
        let texts = texts(&svg);
        for title in ["training loss", "epoch", "loss (log scale)"] {
            assert!(texts.iter().any(|t| t == title), "{title}: {texts:?}");
        }
        assert!(!svg.contains("0000000"), "{svg}");
        check(&y, lo, hi);
        assert_eq!(curves(&svg), 1);
        assert!(svg.trim_end().ends_with("</svg>"));
    }

    #[test]
    fn a_linear_axis_has_steps_of_one_two_or_five() {
        let axis = Axis::for_losses(0.3, 1.6);
        assert!(!axis.log);
        assert_eq!(labels(&axis), ["0.0", "0.5", "1.0", "1.5", "2.0"]);
        check(&axis, 0.3, 1.6);
        let axis = Axis::for_losses(0.45, 1.6);
        assert_eq!(
            labels(&axis),
            ["0.4", "0.6", "0.8", "1.0", "1.2", "1.4", "1.6"]
        );
        check(&axis, 0.45, 1.6);
        let axis = Axis::for_losses(-3.0, 4.2);
        assert_eq!(labels(&axis), ["-4", "-2", "0", "2", "4", "6"]);
        check(&axis, -3.0, 4.2);
        // 0.1 + 0.2 is no trouble: the ticks are decimals, not sums.
        let axis = Axis::for_losses(0.1, 0.1 + 0.2);
        check(&axis, 0.1, 0.1 + 0.2);
        assert_eq!(
            labels(&axis),
            ["0.10", "0.15", "0.20", "0.25", "0.30", "0.35"]
        );
    }

    #[test]
    fn a_constant_curve_and_a_single_point() {
        for v in [0.3, 0.0, -2.0, 1e-12, 7e15] {
            let axis = Axis::for_losses(v, v);
            check(&axis, v, v);
            let svg = history(&[v, v, v]).to_svg().unwrap();
            let labels = tick_texts(&svg, &axis);
            assert_eq!(labels.len(), axis.ticks.len(), "{v}: {labels:?}");
        }
        assert_eq!(
            labels(&Axis::for_losses(0.3, 0.3)),
            ["0.27", "0.28", "0.29", "0.30", "0.31", "0.32", "0.33"]
        );
        let svg = history(&[0.7]).to_svg().unwrap();
        assert_eq!(svg.matches("<circle").count(), 1, "{svg}");
        assert_eq!(
            tick_texts(&svg, &Axis::linear(1.0, 2.0, Some(0))),
            ["1", "2"]
        );
    }

    #[test]
    fn huge_and_tiny_magnitudes() {
        let axis = Axis::for_losses(3e-9, 8e-9);
        check(&axis, 3e-9, 8e-9);
        assert_eq!(
            labels(&axis),
            ["3e-9", "4e-9", "5e-9", "6e-9", "7e-9", "8e-9"]
        );
        let axis = Axis::for_losses(2.5e12, 2.6e12);
        check(&axis, 2.5e12, 2.6e12);
        assert_eq!(labels(&axis)[0], "2.5e12");
        let axis = Axis::for_losses(1e-30, 1e30);
        check(&axis, 1e-30, 1e30);
        assert!(axis.ticks.len() <= 10, "{axis:?}");
        assert_eq!(labels(&axis)[..2], ["1e-32", "1e-24"]);
        let axis = Axis::for_losses(1e-300, 1.7e308);
        assert!(axis.ticks.iter().all(|t| t.value.is_finite()));
        assert!(axis.ticks[0].value <= 1e-300);
        let axis = Axis::for_losses(1e5, 3e6);
        check(&axis, 1e5, 3e6);
        assert_eq!(
            labels(&axis),
            ["100000", "200000", "500000", "1000000", "2000000", "5000000"]
        );
    }

    #[test]
    fn losses_that_are_no_numbers_are_left_out_and_counted() {
        let svg = history(&[1.0, f64::NAN, 0.5, f64::INFINITY, 0.25, 0.2])
            .to_svg()
            .unwrap();
        let note = "2 of 6 epochs not drawn: their loss is not a finite number (NaN or ±∞)";
        assert!(texts(&svg).iter().any(|t| t == note), "{svg}");
        // 1, 0.5 and 0.25, 0.2 are lines; the 0.5 between the gaps is a dot.
        assert_eq!(curves(&svg), 1);
        assert_eq!(svg.matches("<circle").count(), 2);
        let y = Axis::for_losses(0.2, 1.0);
        assert_eq!(tick_texts(&svg, &y), ["0.2", "0.4", "0.6", "0.8", "1.0"]);
        assert!(matches!(
            history(&[f64::NAN, f64::NEG_INFINITY]).to_svg(),
            Err(Error::EmptyData)
        ));
        assert!(matches!(history(&[]).to_svg(), Err(Error::EmptyData)));
        let svg = history(&[1.0, 0.5]).to_svg().unwrap();
        assert!(!svg.contains("not drawn"), "{svg}");
    }

    #[test]
    fn labels_have_the_fewest_digits() {
        assert_eq!(label(3, -1, 0, false), "0.3");
        assert_eq!(label(10, -1, 1, false), "1.0");
        assert_eq!(label(-25, -3, 3, false), "-0.025");
        assert_eq!(label(5, 2, 0, false), "500");
        assert_eq!(label(2, -7, 0, true), "2e-7");
        assert_eq!(label(25, 11, 0, true), "2.5e12");
        assert_eq!(label(-5, 6, 0, true), "-5e6");
        assert_eq!(label(0, -3, 3, false), "0.000");
        assert_eq!(label(0, 0, 0, false), "0");
    }
}

//! A loss-curve picture as SVG (feature `plot`), drawn with `plotters`.
//!
//! Only the SVG backend is used, so there is no dependency on system fonts or image codecs;
//! the text is rendered by whatever displays the SVG.
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

use std::path::Path;
use std::string::{String, ToString};

use plotters::prelude::*;

use crate::error::Error;
use crate::history::History;
use crate::tensor::Real;

/// Width and height of the picture in pixels.
pub const SIZE: (u32, u32) = (800, 480);

fn plot_error(e: impl core::fmt::Display) -> Error {
    Error::Plot(e.to_string())
}

impl<T: Real> History<T> {
    /// The loss curve as an SVG document: loss (log scale) against epoch.
    ///
    /// Errors: [`Error::EmptyData`] when nothing is recorded or no loss is positive and
    /// finite; [`Error::Plot`] when drawing fails.
    pub fn to_svg(&self) -> Result<String, Error> {
        let points: std::vec::Vec<(f64, f64)> = self
            .losses()
            .iter()
            .enumerate()
            .map(|(i, l)| (i as f64, l.to_f64_lossless()))
            .filter(|(_, l)| l.is_finite() && *l > 0.0)
            .collect();
        let (lo, hi) = points
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &(_, l)| {
                (lo.min(l), hi.max(l))
            });
        if points.is_empty() {
            return Err(Error::EmptyData);
        }
        let (lo, hi) = if hi > lo {
            (lo, hi)
        } else {
            (lo / 2.0, hi * 2.0)
        };
        let last = (self.len().max(2) - 1) as f64;

        let mut svg = String::new();
        {
            let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
            root.fill(&WHITE).map_err(plot_error)?;
            let mut chart = ChartBuilder::on(&root)
                .caption("training loss", ("sans-serif", 24))
                .margin(16)
                .x_label_area_size(40)
                .y_label_area_size(70)
                .build_cartesian_2d(0.0..last, (lo..hi).log_scale())
                .map_err(plot_error)?;
            chart
                .configure_mesh()
                .x_desc("epoch")
                .y_desc("loss")
                .draw()
                .map_err(plot_error)?;
            chart
                .draw_series(LineSeries::new(points, &BLUE))
                .map_err(plot_error)?;
            root.present().map_err(plot_error)?;
        }
        Ok(svg)
    }

    /// Writes the loss curve to an SVG file.
    pub fn plot_svg(&self, path: impl AsRef<Path>) -> Result<(), Error> {
        std::fs::write(path, self.to_svg()?)?;
        Ok(())
    }
}

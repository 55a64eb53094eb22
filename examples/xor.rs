//! XOR, the function one layer cannot compute (`docs/lectures.md` §7; Minsky & Papert, 1969),
//! learnt by a two-layer perceptron: four tanh units, then a sigmoid. The example prints the
//! truth table the network learnt and draws its decision boundary as an SVG picture.
//!
//! The picture goes to `xor.svg` in the current directory, or in the directory `--out DIR`
//! names (created if missing).
//!
//! ```text
//! cargo run --release --example xor --features plot                     # writes ./xor.svg
//! cargo run --release --example xor --features plot -- --out pictures   # writes pictures/xor.svg
//! cargo run --release --example xor --features plot -- --fast           # fewer epochs, coarser picture
//! ```

use std::error::Error;
use std::io::Write;
use std::path::{Path, PathBuf};

use nn::prelude::*;
use plotters::prelude::*;

/// Two inputs, a hidden layer of four tanh units, one sigmoid output: 17 parameters.
#[network]
fn xor(x: [f64; 2], W1: [[f64; 2]; 4], b1: [f64; 4], w2: [f64; 4], b2: f64) -> f64 {
    let h = tanh(W1·x + b1);
    y = sigmoid(w2·h + b2)
}

/// The four rows of the XOR truth table.
pub const DATA: [([f64; 2], f64); 4] = [
    ([0.0, 0.0], 0.0),
    ([0.0, 1.0], 1.0),
    ([1.0, 0.0], 1.0),
    ([1.0, 1.0], 0.0),
];

/// What to run.
#[derive(Clone, Debug)]
pub struct Options {
    /// Training epochs (each a full pass over the four samples).
    pub epochs: usize,
    /// Seed of the initial weights and of the shuffle.
    pub seed: u64,
    /// Cells per side of the decision-boundary picture.
    pub grid: usize,
    /// The SVG file: [`PICTURE`] in the current directory, or in `--out DIR`.
    pub out: PathBuf,
}

/// The picture's file name.
pub const PICTURE: &str = "xor.svg";

impl Options {
    /// The full run: 2000 epochs, a 100 × 100 picture in `./xor.svg`.
    pub fn full() -> Self {
        Options {
            epochs: 2000,
            seed: 1,
            grid: 100,
            out: Path::new(".").join(PICTURE),
        }
    }

    /// A quick run: 600 epochs, a 30 × 30 picture.
    pub fn fast() -> Self {
        Options {
            epochs: 600,
            grid: 30,
            ..Options::full()
        }
    }

    /// Reads `--fast`, `--epochs N`, `--seed N` and `--out DIR` (the picture's directory).
    pub fn from_args(args: impl IntoIterator<Item = String>) -> Result<Self, String> {
        let args: Vec<String> = args.into_iter().collect();
        // `--fast` picks the defaults, wherever it stands; the other arguments override them.
        let mut opts = if args.iter().any(|a| a == "--fast") {
            Options::fast()
        } else {
            Options::full()
        };
        let mut args = args.into_iter();
        while let Some(arg) = args.next() {
            let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
            match arg.as_str() {
                "--fast" => {}
                "--epochs" => opts.epochs = number(&value("--epochs")?)?,
                "--seed" => opts.seed = number(&value("--seed")?)?,
                "--out" => opts.out = Path::new(&value("--out")?).join(PICTURE),
                other => {
                    return Err(format!(
                        "unknown argument `{other}` (try --fast, --epochs N, --seed N, --out DIR)"
                    ))
                }
            }
        }
        Ok(opts)
    }
}

fn number<T: std::str::FromStr>(text: &str) -> Result<T, String> {
    text.parse()
        .map_err(|_| format!("expected a whole number, not `{text}`"))
}

/// What the run found.
#[derive(Clone, Debug)]
pub struct Report {
    /// The trained parameters.
    pub params: xor::Params,
    /// The network's output for each row of [`DATA`].
    pub outputs: [f64; 4],
    /// Mean cross-entropy over the four samples after training.
    pub loss: f64,
    /// Where the picture was written.
    pub svg: PathBuf,
}

/// Trains the network, prints the truth table to `out` and writes the picture.
pub fn run(opts: &Options, out: &mut dyn Write) -> Result<Report, Box<dyn Error>> {
    let mut params = xor::Params::init(Xavier, opts.seed);
    let summary = Trainer::new(Adam::new(0.05), BinaryCrossEntropy)
        .epochs(opts.epochs)
        .seed(opts.seed)
        .fit(&mut params, &DATA)?;
    let loss = evaluate(&params, &BinaryCrossEntropy, &DATA)?;
    writeln!(
        out,
        "trained {} epochs of Adam: mean cross-entropy {loss:.5}\n",
        summary.epochs
    )?;

    writeln!(out, " x1  x2 | XOR | network  rounded")?;
    writeln!(out, "--------+-----+-----------------")?;
    let mut outputs = [0.0; 4];
    for ((x, t), y) in DATA.iter().zip(&mut outputs) {
        *y = xor::forward(&params, *x);
        let mark = if y.round() == *t { "" } else { "  ✗ wrong" };
        writeln!(
            out,
            "{:>3} {:>3} | {:>3} | {:>7.4}  {:>7}{mark}",
            x[0],
            x[1],
            t,
            y,
            y.round()
        )?;
    }

    if let Some(dir) = opts.out.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create the directory {}: {e}", dir.display()))?;
    }
    let svg = boundary_svg(&params, opts.grid.max(2))?;
    std::fs::write(&opts.out, svg)
        .map_err(|e| format!("cannot write {}: {e}", opts.out.display()))?;
    writeln!(
        out,
        "\nwrote the decision boundary (output = 0.5) to {}",
        opts.out.display()
    )?;

    Ok(Report {
        params,
        outputs,
        loss,
        svg: opts.out.clone(),
    })
}

/// The picture: the network's output over [−0.5, 1.5]² as colour (blue 0 … red 1), the cells
/// where it crosses 0.5 in black, and the four training points.
fn boundary_svg(params: &xor::Params, grid: usize) -> Result<String, Box<dyn Error>> {
    let (lo, hi) = (-0.5, 1.5);
    let cell = (hi - lo) / grid as f64;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (640, 640)).into_drawing_area();
        root.fill(&WHITE)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(
                "XOR learnt by a 2-4-1 network: output (blue 0, red 1), boundary 0.5",
                ("sans-serif", 18),
            )
            .margin(16)
            .x_label_area_size(36)
            .y_label_area_size(36)
            .build_cartesian_2d(lo..hi, lo..hi)?;
        chart
            .configure_mesh()
            .disable_mesh()
            // Tenths, and 0 rather than plotters' "-0.0".
            .x_label_formatter(&|v| format!("{}", (v * 10.0).round() / 10.0 + 0.0))
            .y_label_formatter(&|v| format!("{}", (v * 10.0).round() / 10.0 + 0.0))
            .x_desc("x1")
            .y_desc("x2")
            .draw()?;

        let at = |i: usize| lo + (i as f64 + 0.5) * cell;
        let output = |i: usize, j: usize| xor::forward(params, [at(i), at(j)]);
        // One rectangle per run of equally coloured cells along x1, so the file stays small.
        let mut cells = Vec::new();
        for j in 0..grid {
            let mut run: Option<(usize, RGBColor)> = None;
            for i in 0..=grid {
                let colour = (i < grid).then(|| {
                    let y = output(i, j);
                    // A cell is on the boundary when a neighbour lies on the other side of 0.5.
                    let across = |a: f64| (a > 0.5) != (y > 0.5);
                    let edge = (i + 1 < grid && across(output(i + 1, j)))
                        || (j + 1 < grid && across(output(i, j + 1)));
                    if edge {
                        BLACK
                    } else {
                        shade(y)
                    }
                });
                match (run, colour) {
                    (Some((_, c)), Some(now)) if c == now => {}
                    _ => {
                        if let Some((start, c)) = run {
                            let (x0, y0) = (lo + start as f64 * cell, lo + j as f64 * cell);
                            let x1 = lo + i as f64 * cell;
                            cells.push(Rectangle::new([(x0, y0), (x1, y0 + cell)], c.filled()));
                        }
                        run = colour.map(|c| (i, c));
                    }
                }
            }
        }
        chart.draw_series(cells)?;
        chart.draw_series(DATA.iter().map(|(x, t)| {
            let fill = if *t > 0.5 { RED } else { BLUE };
            EmptyElement::at((x[0], x[1]))
                + Circle::new((0, 0), 9, WHITE.filled())
                + Circle::new((0, 0), 6, fill.filled())
        }))?;
        root.present()?;
    }
    Ok(svg)
}

/// Pale blue for 0, pale red for 1, white in between, in 20 steps.
fn shade(y: f64) -> RGBColor {
    let y = (y.clamp(0.0, 1.0) * 20.0).round() / 20.0;
    if y < 0.5 {
        let t = 2.0 * y;
        RGBColor((120.0 + 135.0 * t) as u8, (160.0 + 95.0 * t) as u8, 255)
    } else {
        let t = 2.0 * (y - 0.5);
        RGBColor(255, (255.0 - 120.0 * t) as u8, (255.0 - 120.0 * t) as u8)
    }
}

fn main() -> std::process::ExitCode {
    let result = Options::from_args(std::env::args().skip(1))
        .map_err(Box::<dyn Error>::from)
        .and_then(|opts| run(&opts, &mut std::io::stdout()));
    match result {
        Ok(_) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

// A struct written by hand is not a network: only `#[network]`'s `Params` is.
use nn::prelude::*;

#[derive(Clone, Copy)]
struct Line {
    w: f64,
    b: f64,
}

fn main() {
    let data = [(1.0, 3.0), (2.0, 5.0)];
    let mut line = Line { w: 0.0, b: 0.0 };
    let _ = (line.w, line.b);
    let _ = Trainer::new(Sgd::new(0.1), HalfSquaredError).fit(&mut line, &data);
}

// A number is not an initialiser: `Constant(0.1)` is.
use nn::prelude::*;

#[network]
fn line(x: f64, w: f64, b: f64) -> f64 {
    y = w*x + b
}

fn main() {
    let _net = line::Params::init(0.1, 7);
}

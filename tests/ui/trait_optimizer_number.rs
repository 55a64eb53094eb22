// A learning rate is not an optimizer: `Sgd::new(0.1)` is.
use nn::prelude::*;

#[network]
fn line(x: f64, w: f64, b: f64) -> f64 {
    y = w*x + b
}

fn main() {
    let data = [(1.0, 3.0), (2.0, 5.0)];
    let mut net = line::Params { w: 0.0, b: 0.0 };
    let _ = Trainer::new(0.1, HalfSquaredError).fit(&mut net, &data);
}

// A per-epoch callback says "stop" with `ControlFlow::Break(())`, not with `true`.
use nn::prelude::*;

#[network]
fn line(x: f64, w: f64, b: f64) -> f64 {
    y = w*x + b
}

fn main() {
    let data = [(1.0, 3.0), (2.0, 5.0)];
    let mut net = line::Params { w: 0.0, b: 0.0 };
    let _ = Trainer::new(Sgd::new(0.1), HalfSquaredError).fit_with(&mut net, &data, |e| e.loss < 0.01);
}

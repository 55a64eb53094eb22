// A network with two data arguments takes its generated `Inputs` struct as the input, not a
// tuple of the two.
use nn::prelude::*;

#[network(inputs(x, t))]
fn logistic(x: f64, t: f64, w: f64, b: f64) -> f64 {
    let p = sigmoid(w*x + b);
    y = -(t*ln(p) + (1.0 - t)*ln(1.0 - p))
}

fn main() {
    let data = [((-1.0, 0.0), ()), ((1.0, 1.0), ())];
    let mut net = logistic::Params { w: 0.0, b: 0.0 };
    let _ = Trainer::new(Sgd::new(0.1), Objective).fit(&mut net, &data);
}

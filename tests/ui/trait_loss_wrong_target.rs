// SoftmaxCrossEntropy takes a class index or a one-hot array, not a float per sample.
use nn::prelude::*;

#[network]
fn classify(x: [f64; 2], W: [[f64; 2]; 3], b: [f64; 3]) -> [f64; 3] {
    y = W·x + b
}

fn main() {
    let data = [([0.0, 1.0], 2.0), ([1.0, 0.0], 0.0)];
    let mut net = classify::Params::init(Xavier, 1);
    let _ = Trainer::new(Sgd::new(0.1), SoftmaxCrossEntropy).fit(&mut net, &data);
}

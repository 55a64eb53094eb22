// One-hot targets for a network with a single output: the data set's targets are `[f64; 2]`,
// the loss compares the `f64` output with an `f64` target.
use nn::prelude::*;

#[network]
fn neuron(x: [f64; 2], w: [f64; 2], b: f64) -> f64 {
    y = sigmoid(w·x + b)
}

fn main() {
    let data = [([0.0, 1.0], [1.0, 0.0]), ([1.0, 0.0], [0.0, 1.0])];
    let mut net = neuron::Params::init(Xavier, 1);
    let _ = Trainer::new(Sgd::new(0.1), BinaryCrossEntropy).fit(&mut net, &data);
}

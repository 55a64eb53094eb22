use nn::network;

/// The data is `x`, but by default the first argument (`w`) is the input.
#[network]
fn neuron(w: [f64; 2], b: f64, x: [f64; 2]) -> f64 {
    y = sigmoid(w·x + b)
}

fn main() {}

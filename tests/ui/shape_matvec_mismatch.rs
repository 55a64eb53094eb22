use nn::network;

/// `W1` has 3 columns, but `x` has 2 elements.
#[network]
fn layer(x: [f32; 2], W1: [[f32; 3]; 4], b1: [f32; 4]) -> [f32; 4] {
    relu(W1·x + b1)
}

fn main() {}

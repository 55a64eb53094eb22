use nn::network;

/// The layer computes 4 values, but the function promises one.
#[network]
fn layer(x: [f32; 2], W1: [[f32; 2]; 4], b1: [f32; 4]) -> f32 {
    relu(W1·x + b1)
}

fn main() {}

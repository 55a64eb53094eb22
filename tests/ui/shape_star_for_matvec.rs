use nn::network;

#[network]
fn layer(x: [f32; 2], W1: [[f32; 2]; 4]) -> [f32; 4] {
    relu(W1 * x)
}

fn main() {}

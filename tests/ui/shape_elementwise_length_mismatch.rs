use nn::network;

#[network]
fn layer(x: [f32; 2], W1: [[f32; 2]; 4], b1: [f32; 3]) -> [f32; 4] {
    W1·x + b1
}

fn main() {}

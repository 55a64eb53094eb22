use nn::network;

#[network]
fn two_layers(x: [f32; 2], W1: [[f32; 2]; 4], W2: [[f32; 4]; 3]) -> [f32; 3] {
    W2·W1·x
}

fn main() {}

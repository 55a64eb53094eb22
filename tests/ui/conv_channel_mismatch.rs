use nn::network;

#[network]
fn cnn(x: [[f32; 40]; 1], K: [[[f32; 5]; 2]; 8], W: [[f32; 288]; 10]) -> [f32; 10] {
    W·flatten(conv1d(K, x))
}

fn main() {}

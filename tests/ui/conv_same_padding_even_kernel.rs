use nn::network;

#[network]
fn cnn(x: [[f32; 40]; 1], K: [[[f32; 4]; 1]; 8], W: [[f32; 320]; 10]) -> [f32; 10] {
    W·flatten(conv1d(K, x, padding = same))
}

fn main() {}

use nn::network;

#[network]
fn cnn(x: [[f32; 40]; 1], K: [[[f32; 5]; 1]; 8], W: [[f32; 144]; 10]) -> [f32; 10] {
    W·flatten(conv1d(K, x, strides = 2))
}

fn main() {}

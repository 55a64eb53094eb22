use nn::network;

#[network]
fn cnn(x: [[f32; 40]; 1], K: [[[f32; 5]; 1]; 8]) -> [[f32; 36]; 8] {
    softmax(conv1d(K, x))
}

fn main() {}

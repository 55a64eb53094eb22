use nn::network;

#[network]
fn cnn(x: [[f32; 40]; 1], K: [[[f32; 5]; 1]; 8], c: [f32; 36], W: [[f32; 288]; 10]) -> [f32; 10] {
    let h = relu(conv1d(K, x) + c);
    W·flatten(h)
}

fn main() {}

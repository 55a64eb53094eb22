use nn::network;

#[network]
fn cnn(x: [[f32; 40]; 1], K: [[[f32; 5]; 1]; 8], W: [[f32; 144]; 10]) -> [f32; 10] {
    let h = relu(conv1d(K, x));
    W·flatten(maxpool(h, 2))
}

fn main() {}

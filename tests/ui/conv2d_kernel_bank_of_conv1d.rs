use nn::network;

#[network]
fn cnn(x: [[[f32; 8]; 8]; 1], K: [[[f32; 3]; 1]; 4], W: [[f32; 144]; 10]) -> [f32; 10] {
    W·flatten(conv2d(K, x))
}

fn main() {}

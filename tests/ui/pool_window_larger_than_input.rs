use nn::network;

#[network]
fn cnn(x: [[[f32; 8]; 8]; 1], K: [[[[f32; 3]; 3]; 1]; 4], W: [[f32; 16]; 10]) -> [f32; 10] {
    let h = relu(conv2d(K, x));
    W·flatten(avg_pool(h, 7))
}

fn main() {}

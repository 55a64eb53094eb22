use nn::network;

#[network]
fn cnn(x: [[f32; 4]; 1], K: [[[f32; 7]; 1]; 2], w: [f32; 2]) -> f32 {
    w·flatten(conv1d(K, x, padding = 1))
}

fn main() {}

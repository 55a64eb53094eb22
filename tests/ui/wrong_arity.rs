use nn::network;

#[network]
fn net(x: f32, w: f32, b: f32) -> f32 {
    y = sigmoid(w·x, b)
}

fn main() {}

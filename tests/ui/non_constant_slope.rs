use nn::network;

#[network]
fn net(x: f32, w: f32, alpha: f32) -> f32 {
    y = leaky_relu(w·x, alpha)
}

fn main() {}

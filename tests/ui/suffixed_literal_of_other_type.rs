use nn::network;

#[network]
fn net(x: f64, w: f64) -> f64 {
    y = w·x + 0.1f32
}

fn main() {}

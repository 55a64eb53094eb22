use nn::network;

#[network]
fn net(x: f32, w: f32) -> f32 {
    y = w·x^2
}

fn main() {}

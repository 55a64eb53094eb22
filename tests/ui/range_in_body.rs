use nn::network;

#[network]
fn net(x: f32, w: f32) -> f32 {
    y = sum(0..3) * w·x
}

fn main() {}

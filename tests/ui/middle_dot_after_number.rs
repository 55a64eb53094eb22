use nn::network;

#[network]
fn net(x: f32, w: f32) -> f32 {
    y = 2·x + w
}

fn main() {}

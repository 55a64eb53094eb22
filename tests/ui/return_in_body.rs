use nn::network;

#[network]
fn net(x: f32, w: f32) -> f32 {
    return w·x;
}

fn main() {}

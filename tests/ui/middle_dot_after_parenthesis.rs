use nn::network;

#[network]
fn net(x: f32, w: f32, b: f32) -> f32 {
    y = (x + b)·w
}

fn main() {}

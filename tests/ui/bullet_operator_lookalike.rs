use nn::network;

#[network]
fn net(x: f32, w: f32) -> f32 {
    y = w∙x
}

fn main() {}

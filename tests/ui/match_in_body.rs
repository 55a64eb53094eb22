use nn::network;

#[network]
fn net(x: f32, w: f32) -> f32 {
    y = match x { _ => w·x }
}

fn main() {}

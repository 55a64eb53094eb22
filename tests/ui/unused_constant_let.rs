use nn::network;

#[network]
fn net(x: f32, w: f32) -> f32 {
    let c = 2.0;
    y = w·x
}

fn main() {}

use nn::network;

#[network]
fn net(x: f32, w: f32) -> f32 {
    y = if x > 0.0 { w·x } else { 0.0 }
}

fn main() {}

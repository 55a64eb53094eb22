use nn::network;

#[network]
fn net(x: f32, w: f32) -> f32 {
    let v = [w, x];
    y = sum(v)
}

fn main() {}

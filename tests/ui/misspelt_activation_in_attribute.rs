use nn::network;

#[network(f1 = tahn)]
fn net(x: f32, w: f32) -> f32 {
    y = f1(w·x)
}

fn main() {}

use nn::network;

#[network]
fn net(x: f32, w: f32) -> f32 {
    let act = |z: f32| z.max(0.0);
    y = act(w·x)
}

fn main() {}

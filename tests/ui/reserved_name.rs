use nn::network;

#[network]
fn net(x: f32, params: f32) -> f32 {
    y = params·x
}

fn main() {}

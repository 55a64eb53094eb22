use nn::network;

#[network]
fn net(x: [f32; 2], w: [f32; 2]) -> f32 {
    y = &w·x
}

fn main() {}

use nn::network;

#[network]
fn net(x: [f32; 3], w: [f32; 3]) -> f32 {
    y = w[0] * x[0]
}

fn main() {}

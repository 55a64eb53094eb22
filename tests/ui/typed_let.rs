use nn::network;

#[network]
fn net(x: f32, w: f32) -> f32 {
    let a: f32 = w·x;
    y = sigmoid(a)
}

fn main() {}

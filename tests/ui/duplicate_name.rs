use nn::network;

#[network]
fn net(x: f32, w: f32, b: f32) -> f32 {
    let a = w·x;
    let a = a + b;
    y = sigmoid(a)
}

fn main() {}

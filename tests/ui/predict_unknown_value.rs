use nn::network;

#[network(inputs(x, t), predict = p)]
fn net(x: f32, t: f32, w: f32) -> f32 {
    let a = sigmoid(w·x);
    l = -(t * ln(a) + (1.0 - t) * ln(1.0 - a))
}

fn main() {}

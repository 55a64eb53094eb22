use nn::network;

#[network(f1 = relu)]
fn net(x: f32, w: f32) -> f32 {
    y = w·x + sigmoid
}

fn main() {}

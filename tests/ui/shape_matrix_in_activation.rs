use nn::network;

#[network]
fn layer(x: [f32; 2], W1: [[f32; 2]; 4]) -> [f32; 4] {
    let h = relu(W1);
    h·x
}

fn main() {}

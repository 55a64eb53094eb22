use nn::network;

#[network]
fn layer(x: [f32; 2], W1: [[f32; 2]; 4], V: [[f32; 2]; 4]) -> [f32; 4] {
    let M = W1 + V;
    M·x
}

fn main() {}

use nn::network;

#[network]
fn neuron(x: [[[[[f32; 2]; 2]; 2]; 2]; 2], w: f32) -> f32 {
    w·x
}

fn main() {}

use nn::network;

#[network]
fn neuron(x: [f32; 0], w: [f32; 0]) -> f32 {
    w·x
}

fn main() {}

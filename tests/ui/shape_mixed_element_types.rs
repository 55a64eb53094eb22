use nn::network;

#[network]
fn neuron(x: [f64; 2], w: [f32; 2]) -> f32 {
    w·x
}

fn main() {}

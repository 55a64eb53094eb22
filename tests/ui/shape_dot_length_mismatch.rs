use nn::network;

#[network]
fn neuron(x: [f32; 2], w: [f32; 3], b: f32) -> f32 {
    sigmoid(w·x + b)
}

fn main() {}

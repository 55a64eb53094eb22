use nn::network;

#[network]
fn neuron(x: [f32; 2], w: [f32; 2]) -> [f32; 2] {
    softmax(w·x)
}

fn main() {}

use nn::network;

const N: usize = 2;

#[network]
fn neuron(x: [f32; N], w: [f32; N]) -> f32 {
    w·x
}

fn main() {}

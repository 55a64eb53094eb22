use nn::network;

#[network]
fn neuron(x: f32, w: f32) -> f32 {
    sum(w·x)
}

fn main() {}

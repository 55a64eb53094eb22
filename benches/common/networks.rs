// The benchmarks' networks as the lecture writes them, each the whole objective (loss
// included): shared by `benches/mlp.rs` and `benches/peers/rust/src/bin/ours.rs` through
// `include!`.

#[network(inputs(x, t))]
fn xor(x: [f32; 2], t: f32, W1: [[f32; 2]; 4], b1: [f32; 4], w2: [f32; 4], b2: f32) -> f32 {
    let h = tanh(W1·x + b1);
    let y = sigmoid(w2·h + b2);
    l = 0.5 * (y - t) * (y - t)
}

#[network(inputs(x, t))]
fn digits(
    x: [f32; 64],
    t: [f32; 10],
    W1: [[f32; 64]; 32],
    b1: [f32; 32],
    W2: [[f32; 32]; 10],
    b2: [f32; 10],
) -> f32 {
    let h = relu(W1·x + b1);
    l = -sum(t * log_softmax(W2·h + b2))
}

#[network(inputs(x, t))]
fn wide(
    x: [f32; 256],
    t: [f32; 10],
    W1: [[f32; 256]; 256],
    b1: [f32; 256],
    W2: [[f32; 256]; 10],
    b2: [f32; 10],
) -> f32 {
    let h = relu(W1·x + b1);
    l = -sum(t * log_softmax(W2·h + b2))
}

#[network(inputs(x, t))]
fn large(
    x: [f32; 784],
    t: [f32; 10],
    W1: [[f32; 784]; 512],
    b1: [f32; 512],
    W2: [[f32; 512]; 10],
    b2: [f32; 10],
) -> f32 {
    let h = relu(W1·x + b1);
    l = -sum(t * log_softmax(W2·h + b2))
}

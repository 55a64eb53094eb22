// An array is not a network's parameters, even to measure a gradient's norm.
fn main() {
    let grads = [0.5_f64, -2.0];
    let norm: f64 = nn::optim::global_norm(&grads);
    println!("{norm}");
}

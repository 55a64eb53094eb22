// An `f64` optimizer for an `f32` network: rustc reports the mismatch of the float types (an
// associated type, which `on_unimplemented` cannot word) and points at the network's type.
use nn::prelude::*;

#[network]
fn line(x: f32, w: f32, b: f32) -> f32 {
    y = w*x + b
}

fn main() {
    let data = [(1.0_f32, 3.0_f32), (2.0, 5.0)];
    let mut net = line::Params { w: 0.0, b: 0.0 };
    let _ = Trainer::new(Sgd::new(0.1_f64), HalfSquaredError).fit(&mut net, &data);
}

// A number is not a schedule: `ExponentialDecay::new(0.9)` is.
use nn::prelude::*;

fn main() {
    let _trainer = Trainer::new(Sgd::new(0.1_f64), HalfSquaredError).schedule(0.9);
}

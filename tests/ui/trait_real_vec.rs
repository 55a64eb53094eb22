// A loss compares values of a fixed shape, `f32`, `f64` or arrays of them; a `Vec` has no
// fixed shape.
use nn::prelude::*;

fn main() {
    let _ = HalfSquaredError.value(&vec![1.0_f64, 2.0], &vec![1.5, 2.5]);
}

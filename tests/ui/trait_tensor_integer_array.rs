// Integers are not trained: a tensor's elements are `f32` or `f64`.
use nn::prelude::*;

fn main() {
    let _ = HalfSquaredError.value(&[1_i32, 2], &[1, 3]);
}

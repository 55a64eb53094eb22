//! The forms of a signature that Rust users write: a bound in a `where` clause, a bound by
//! path, doc comments and visibility on the function.

use nn::prelude::*;

/// A neuron with its scalar bound in a `where` clause.
#[network]
pub fn where_clause<T>(x: T, w: T, b: T) -> T
where
    T: nn::Float,
{
    y = sigmoid(w·x + b)
}

/// The same neuron bound by path in the parameter list.
#[network]
fn bound_by_path<T: nn::num_traits::Float>(x: T, w: T, b: T) -> T {
    y = sigmoid(w·x + b)
}

#[test]
fn where_clauses_and_paths_bound_the_scalar() {
    let (x, w, b) = (0.5_f64, -1.5, 0.25);
    let a = where_clause::forward(&where_clause::Params { w, b }, x);
    let c = bound_by_path::forward(&bound_by_path::Params { w, b }, x);
    assert!((a - 1.0 / (1.0 + (-(w * x + b)).exp())).abs() < 1e-15);
    assert_eq!(a, c);
    // The function itself stays callable, in f32 too.
    assert_eq!(where_clause(0.5_f32, -1.5, 0.25), a as f32);
}

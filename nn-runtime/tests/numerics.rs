//! The numerics matrix of the runtime: every function of `nn::math` that generated code calls,
//! with its derivative as generated code computes it, and every loss's value and gradient, in
//! `f32` and `f64`, at −1000, −30, −10⁻³⁰, 0, 10⁻³⁰, 30, 1000, +∞, −∞ and NaN, against a table
//! of expected values computed with PyTorch 2.15 (float64 and float32 tensors; derivatives by
//! `torch.autograd.grad`).
//!
//! What the table asserts: NaN exactly where the input is NaN or the exact value is undefined
//! (ln(−30), sqrt(−∞)); ±∞ where the exact value is infinite or beyond the type's range (e^1000,
//! (10⁻³⁰)⁻³ in `f32`); otherwise a finite value within [`ULPS`]. Constants: leaky_relu α = 0.01,
//! step threshold 0, powi n = 2 and n = −3, Huber δ = 1. Losses take the prediction at each point
//! with targets 0 and 1 (Hinge: its labels −1 and +1; Objective: no target), SoftmaxCrossEntropy
//! the logits [z, 1, −1] with class 0 and class 1, as an index and one-hot.
//!
//! Where our convention differs from PyTorch's on purpose, the script says `ours:` and takes our
//! value; in short:
//!
//! * NaN in, NaN out: PyTorch's backward of relu, leaky_relu and abs, and its heaviside and
//!   sign, turn a NaN into 1, α or 0, and its l1, clamp and identity gradients into 0 or 1; ours
//!   are NaN. At finite kinks we agree: relu′(0) = 0, leaky_relu′(0) = α, abs′(0) = sign(0) = 0.
//!   step′ is 0 (PyTorch has no derivative of heaviside).
//! * Limits at ±∞ where PyTorch's formulas give ∞·0 or ∞ − ∞ = NaN: gelu(−∞) = 0,
//!   gelu′(±∞) = 1, 0, silu(−∞) = 0, silu′(±∞) = 1, 0; BinaryCrossEntropyWithLogits 0 at
//!   (+∞, 1) and (−∞, 0); SoftmaxCrossEntropy with a logit of +∞: 0 for its class, +∞ for
//!   another, gradient softmax → [1, 0, 0] minus the target.
//! * softplus is exact everywhere (torch.logaddexp(z, 0) in the table); F.softplus returns z
//!   itself above its threshold 20, so softplus(30) = 30 there, 30 + 9.4·10⁻¹⁴ here (both give
//!   1000 at 1000).
//! * BinaryCrossEntropy clamps the prediction to [ε, 1 − ε] (ε the type's machine epsilon) and
//!   takes −(y ln ŷ + (1 − y) ln(1 − ŷ)) and −y/ŷ + (1 − y)/(1 − ŷ) there, which the table
//!   evaluates with torch.log. F.binary_cross_entropy refuses predictions outside [0, 1], clamps
//!   each log at −100 instead (at ŷ = 0, y = 1: 36.04 in f64 here, 100 there) and divides its
//!   gradient by max(ŷ(1 − ŷ), 10⁻¹²) (2.2·10⁻⁴ at ŷ = ε in f64, where ours is 1 or −4.5·10¹⁵).
//! * BinaryCrossEntropyWithLogits at (−30, y = 0): F.binary_cross_entropy_with_logits loses the
//!   9.36·10⁻¹⁴ to cancellation (9.24·10⁻¹⁴ in float64, 0 in float32); the table takes the value
//!   from PyTorch's log1p/exp/relu in the arrangement we use, which keeps it.
//!
//! To regenerate the tables, extract the script below and run it (with `torch` installed):
//!
//! ```text
//! sed -n '/^\/\/ ---- table.py ----$/,/^\/\/ ---- end of table.py ----$/{//!p}' \
//!     nn-runtime/tests/numerics.rs | sed -E 's|^// ?||' > table.py
//! python3 table.py
//! ```
//!
//! and replace everything after the line `// ---- tables ----` with its output.
// The tables hold PyTorch's values as printed, ln 2 = softplus(0) among them.
#![allow(clippy::approx_constant)]
//
// ---- table.py ----
// # Expected values of nn-runtime/tests/numerics.rs, from PyTorch (float64 and float32 tensors,
// # values and torch.autograd.grad), with our deliberate departures marked `ours:`.
// import math, struct, torch, torch.nn.functional as F
//
// P = [-1000.0, -30.0, -1e-30, 0.0, 1e-30, 30.0, 1000.0, math.inf, -math.inf, math.nan]
// INF, NAN = math.inf, math.nan
//
//
// def grad(f, z, dt):
//     """f(z) and df/dz at one point (f returns a 0-d tensor)."""
//     x = torch.tensor(z, dtype=dt, requires_grad=True)
//     y = f(x)
//     (d,) = torch.autograd.grad(y, x)
//     return y.item(), d.item()
//
//
// def eps(dt):
//     return torch.finfo(dt).eps
//
//
// def tensor(z, dt):
//     return torch.tensor(z, dtype=dt)
//
//
// # name: f(x, dt) -> (value, derivative), x one of P already rounded to dt by torch.tensor.
// FUNCTIONS = {
//     "sigmoid": lambda z, dt: grad(torch.sigmoid, z, dt),
//     "tanh": lambda z, dt: grad(torch.tanh, z, dt),
//     "relu": lambda z, dt: grad(torch.relu, z, dt),
//     "leaky_relu": lambda z, dt: grad(lambda x: F.leaky_relu(x, 0.01), z, dt),
//     # heaviside has no derivative in PyTorch: step′ = 0 by definition.
//     "step": lambda z, dt: (torch.heaviside(tensor(z, dt), tensor(0.0, dt)).item(), 0.0),
//     # ours: softplus computed exactly for every z (torch.logaddexp(z, 0)); F.softplus returns z
//     # itself above its threshold 20 (30 instead of 30 + 9.4e-14). softplus′ = sigmoid.
//     "softplus": lambda z, dt: (
//         torch.logaddexp(tensor(z, dt), tensor(0.0, dt)).item(),
//         torch.sigmoid(tensor(z, dt)).item(),
//     ),
//     "gelu": lambda z, dt: grad(lambda x: F.gelu(x, approximate="tanh"), z, dt),
//     "silu": lambda z, dt: grad(F.silu, z, dt),
//     "exp": lambda z, dt: grad(torch.exp, z, dt),
//     "ln": lambda z, dt: grad(torch.log, z, dt),
//     "sqrt": lambda z, dt: grad(torch.sqrt, z, dt),
//     "abs": lambda z, dt: grad(torch.abs, z, dt),
//     "powi2": lambda z, dt: grad(lambda x: torch.pow(x, 2), z, dt),
//     "powi_minus3": lambda z, dt: grad(lambda x: torch.pow(x, -3), z, dt),
// }
//
// # ours: where PyTorch gives NaN or a non-NaN for NaN, the exact value or limit.
// OVERRIDES = {
//     ("gelu", -INF): (-0.0, 0.0),  # PyTorch: −∞·0 = NaN, and NaN for the derivative
//     ("gelu", INF): (INF, 1.0),  # PyTorch's derivative: ∞·0 = NaN
//     ("silu", -INF): (-0.0, 0.0),  # PyTorch: −∞/∞ = NaN
//     ("silu", INF): (INF, 1.0),  # PyTorch's derivative: 1 + ∞·0 = NaN
// }
//
//
// def function_row(name, z, dt):
//     if (name, z) in OVERRIDES:
//         return OVERRIDES[(name, z)]
//     v, d = FUNCTIONS[name](z, dt)
//     if math.isnan(z):
//         # ours: NaN in, NaN out, derivatives too. PyTorch's relu, leaky_relu and abs backward
//         # give 1, 0.01 and 0 at NaN, and heaviside(NaN) is 0.
//         v, d = NAN, NAN
//     return v, d
//
//
// def loss_grad(f, p, dt):
//     x = torch.tensor(p, dtype=dt, requires_grad=True)
//     y = f(x)
//     (d,) = torch.autograd.grad(y, x)
//     return y.item(), d.item()
//
//
// def bce(p, y, dt):
//     # ours: the prediction clamped to [ε, 1 − ε] first, then −(y ln ŷ + (1 − y) ln(1 − ŷ)) and
//     # its derivative there. F.binary_cross_entropy rejects ŷ outside [0, 1] (NaN included),
//     # clamps each log at −100 instead, and divides its gradient by max(ŷ(1 − ŷ), 1e-12): at
//     # ŷ = ε of float64 its gradient is 2.2e-4 where −y/ŷ + (1 − y)/(1 − ŷ) is 1 or −4.5e15.
//     if math.isnan(p):
//         return NAN, NAN
//     c = min(max(torch.tensor(p, dtype=dt).item(), eps(dt)), 1 - eps(dt))
//     t = torch.tensor(y, dtype=dt)
//     return loss_grad(lambda x: -(t * torch.log(x) + (1 - t) * torch.log(1 - x)), c, dt)
//
//
// def bce_logits(z, y, dt):
//     if math.isinf(z):
//         # ours: the limits of softplus(z) − y·z (PyTorch: (1 − y)·z + … = 0·∞ = NaN at
//         # (+∞, 1) and (−∞, 0)); gradient σ(z) − y.
//         s = 1.0 if z > 0 else 0.0
//         limit = 0.0 if (z > 0 and y == 1) or (z < 0 and y == 0) else INF
//         return limit, s - y
//     t = torch.tensor(y, dtype=dt)
//     _, d = loss_grad(lambda x: F.binary_cross_entropy_with_logits(x, t, reduction="sum"), z, dt)
//     # ours: the value as ln(1 + e^−|z|) + (1 − y)·relu(z) + y·relu(−z), which is exact at
//     # (−30, y = 0) where F.binary_cross_entropy_with_logits cancels (9.24e-14 in float64 and 0
//     # in float32 for 9.36e-14).
//     x = torch.tensor(z, dtype=dt)
//     v = torch.log1p(torch.exp(-x.abs())) + (1 - t) * torch.relu(x) + t * torch.relu(-x)
//     return v.item(), d
//
//
// def scalar(f):
//     def row(p, y, dt):
//         t = torch.tensor(y, dtype=dt)
//         return loss_grad(lambda x: f(x, t), p, dt)
//     return row
//
//
// LOSSES = {
//     "half_squared": ([0.0, 1.0], scalar(lambda x, t: 0.5 * F.mse_loss(x, t, reduction="sum"))),
//     "squared": ([0.0, 1.0], scalar(lambda x, t: F.mse_loss(x, t, reduction="sum"))),
//     "mean_squared": ([0.0, 1.0], scalar(lambda x, t: F.mse_loss(x, t, reduction="mean"))),
//     "absolute": ([0.0, 1.0], scalar(lambda x, t: F.l1_loss(x, t, reduction="sum"))),
//     "huber": ([0.0, 1.0], scalar(lambda x, t: F.huber_loss(x, t, delta=1.0, reduction="sum"))),
//     "bce": ([0.0, 1.0], bce),
//     "bce_logits": ([0.0, 1.0], bce_logits),
//     # labels ±1: the hinge loss's targets
//     "hinge": ([-1.0, 1.0], scalar(lambda x, t: torch.clamp(1 - t * x, min=0))),
//     "objective": ([0.0], scalar(lambda x, t: x)),  # the target is ignored
// }
//
//
// def loss_row(name, p, y, dt):
//     v, d = LOSSES[name][1](p, y, dt)
//     if math.isnan(p):
//         # ours: NaN value and gradient (PyTorch's l1, clamp and identity backward give 0 or 1)
//         v, d = NAN, NAN
//     return v, d
//
//
// def softmax_ce(z, c, dt):
//     """Logits [z, 1, −1], class c: value and the three gradient elements."""
//     if z == INF:
//         # ours: the limits (PyTorch: ∞ − ∞ = NaN): class 0 costs 0, any other +∞, and
//         # softmax → [1, 0, 0]
//         return [0.0 if c == 0 else INF, 1.0 - (c == 0), -1.0 if c == 1 else 0.0, 0.0]
//     x = torch.tensor([z, 1.0, -1.0], dtype=dt)
//     y = F.cross_entropy(x[None], torch.tensor([c]), reduction="sum")
//     # The gradient as torch.softmax(z) − onehot(c): the backward of F.cross_entropy takes
//     # exp(z − logsumexp z), 5–6 ulp off at z = 30 in float64 for e^−29/Σ and e^−31/Σ, where
//     # e^(z − max)/Σ (torch.softmax, and ours) is correctly rounded.
//     d = torch.softmax(x, 0) - F.one_hot(torch.tensor(c), 3).to(dt)
//     return [y.item()] + d.tolist()
//
//
// def lit(v, dt):
//     ty = "f64" if dt == torch.float64 else "f32"
//     if math.isnan(v):
//         return f"{ty}::NAN"
//     if math.isinf(v):
//         return f"{ty}::INFINITY" if v > 0 else f"{ty}::NEG_INFINITY"
//     if dt == torch.float64:
//         s = repr(v)
//     else:  # the shortest decimal that reads back as the same f32
//         for digits in range(1, 18):
//             s = f"{v:.{digits}g}"
//             if struct.unpack("f", struct.pack("f", float(s)))[0] == v:
//                 s = repr(float(s))
//                 break
//     if "e" not in s and "." not in s and "inf" not in s:
//         s += ".0"
//     return s
//
//
// for dt, ty in [(torch.float64, "f64"), (torch.float32, "f32")]:
//
//     def row(points):
//         """One table row: [value, derivative …] at every point, as Rust."""
//         return ", ".join("[" + ", ".join(lit(v, dt) for v in values) + "]" for values in points)
//
//     print("#[rustfmt::skip]")
//     print(f"const FUNCTIONS_{ty.upper()}: &[(&str, [[{ty}; 2]; 10])] = &[")
//     for name in FUNCTIONS:
//         cells = row(function_row(name, z, dt) for z in P)
//         print(f'    ("{name}", [{cells}]),')
//     print("];")
//     print("#[rustfmt::skip]")
//     print(f"const LOSSES_{ty.upper()}: &[(&str, f64, [[{ty}; 2]; 10])] = &[")
//     for name, (targets, _) in LOSSES.items():
//         for y in targets:
//             cells = row(loss_row(name, z, y, dt) for z in P)
//             print(f'    ("{name}", {lit(y, torch.float64)}, [{cells}]),')
//     print("];")
//     print("#[rustfmt::skip]")
//     print(f"const SOFTMAX_CROSS_ENTROPY_{ty.upper()}: [[[{ty}; 4]; 10]; 2] = [")
//     for c in [0, 1]:
//         cells = row(softmax_ce(z, c, dt) for z in P)
//         print(f"    [{cells}],")
//     print("];")
// ---- end of table.py ----

use std::fmt::Debug;

use nn_runtime::math::*;
use nn_runtime::prelude::*;
use nn_runtime::Real;

/// Where every function and loss is evaluated, in the order of the tables' columns.
const POINTS: [f64; 10] = [
    -1000.0,
    -30.0,
    -1e-30,
    0.0,
    1e-30,
    30.0,
    1000.0,
    f64::INFINITY,
    f64::NEG_INFINITY,
    f64::NAN,
];

/// Agreement required with the table, in units in the last place of the result's type.
///
/// PyTorch and we evaluate the same formulas (see the script), but through different `exp`,
/// `ln`, `tanh` and `log1p` (its vectorised kernels, the platform's libm here), each within
/// about an ulp of the exact value, and in places in another order (PyTorch's silu is
/// z/(1 + e^−z), ours z·σ(z)). On x86-64 Linux the largest difference is 1 ulp (at 31 of the
/// 1,560 values, such as σ(−30) and the clamped binary cross-entropy); 2 allows for another
/// libm's rounding in the last place. That is 4.4·10⁻¹⁶ relative in `f64` and 2.4·10⁻⁷ in
/// `f32`, where the table holds PyTorch's float32 results: any error of substance fails.
const ULPS: u64 = 2;

/// A float type of the tables, with its own name for messages.
trait Sample: Real + Debug {
    fn from_f64(x: f64) -> Self;
}
impl Sample for f32 {
    fn from_f64(x: f64) -> Self {
        x as f32
    }
}
impl Sample for f64 {
    fn from_f64(x: f64) -> Self {
        x
    }
}

/// The position of `x` on the line of floats of its type (−0 and +0 both at 0), so that the
/// difference of two positions counts the floats between them.
fn position<T: Sample>(x: T) -> i64 {
    let bits = x.to_bits_u64();
    let sign = 1u64 << (8 * T::BYTES - 1);
    let magnitude = (bits & (sign - 1)) as i64;
    if bits & sign == 0 {
        magnitude
    } else {
        -magnitude
    }
}

/// Whether `got` is what the table says: NaN exactly where it says NaN, the same infinity,
/// zero for zero (of either sign: the sign of a zero is not part of any function's contract),
/// and otherwise within [`ULPS`].
fn agrees<T: Sample>(got: T, want: T) -> bool {
    if want.is_nan() || got.is_nan() {
        return want.is_nan() && got.is_nan();
    }
    if want.is_infinite() || want == T::zero() {
        return got == want;
    }
    position(got).abs_diff(position(want)) <= ULPS
}

/// Collects every disagreement, so that one run reports them all.
#[derive(Default)]
struct Report(Vec<String>);

impl Report {
    fn check<T: Sample>(&mut self, what: &str, z: T, got: T, want: T) {
        if !agrees(got, want) {
            let off = if got.is_finite() && want.is_finite() && want != T::zero() {
                format!(" ({} ulp)", position(got).abs_diff(position(want)))
            } else {
                String::new()
            };
            self.0.push(format!(
                "{what} at {z:?} ({}): {got:?}, table {want:?}{off}",
                T::NAME
            ));
        }
    }
    fn finish(self, checked: usize) {
        assert!(
            self.0.is_empty(),
            "{} of {checked} values disagree:\n{}",
            self.0.len(),
            self.0.join("\n")
        );
    }
}

/// (f(z), f′(z)) as generated code computes them: the value by the `nn::math` function, the
/// derivative by its helper, or by the algebra the code generator writes from the value `a`
/// (σ′ = a(1 − a), tanh′ = 1 − a², exp′ = a, ln′ = 1/z, sqrt′ = 0.5/a, powi′ = 2z or n·zⁿ⁻¹).
/// silu′ is the runtime's [`silu_derivative`]; the generator's own formula is checked in
/// `silu_derivative_as_generated`.
fn function<T: Sample>(name: &str, z: T) -> (T, T) {
    let c = |x: f64| T::from_f64(x);
    let one = T::one();
    match name {
        "sigmoid" => {
            let a = sigmoid(z);
            (a, a * (one - a))
        }
        "tanh" => {
            let a = tanh(z);
            (a, one - a * a)
        }
        "relu" => (relu(z), relu_derivative(z)),
        "leaky_relu" => (leaky_relu(z, c(0.01)), leaky_relu_derivative(z, c(0.01))),
        "step" => (step(z, T::zero()), step_derivative(z)),
        "softplus" => (softplus(z), sigmoid(z)),
        "gelu" => (gelu(z), gelu_derivative(z)),
        "silu" => (silu(z), silu_derivative(z)),
        "exp" => {
            let a = exp(z);
            (a, a)
        }
        "ln" => (ln(z), one / z),
        "sqrt" => {
            let a = sqrt(z);
            (a, c(0.5) / a)
        }
        "abs" => (abs(z), sign(z)),
        "powi2" => (powi(z, 2), c(2.0) * z),
        "powi_minus3" => (powi(z, -3), c(-3.0) * powi(z, -4)),
        _ => panic!("no function {name} in the test"),
    }
}

fn value_and_gradient<T: Sample, L: Loss<T, Y>, Y>(loss: &L, p: T, y: &Y) -> (T, T) {
    let both = (loss.value(&p, y), loss.gradient(&p, y));
    let together = loss.value_and_gradient(&p, y);
    assert!(
        agrees(together.0, both.0) && agrees(together.1, both.1),
        "value_and_gradient differs from value, gradient at {p:?}"
    );
    both
}

/// (L(ŷ, y), ∂L/∂ŷ) of the loss the table calls `name`.
fn loss<T: Sample>(name: &str, p: T, y: T) -> (T, T) {
    match name {
        "half_squared" => value_and_gradient(&HalfSquaredError, p, &y),
        "squared" => value_and_gradient(&SquaredError, p, &y),
        "mean_squared" => value_and_gradient(&MeanSquaredError, p, &y),
        "absolute" => value_and_gradient(&AbsoluteError, p, &y),
        "huber" => value_and_gradient(&Huber::new(T::one()), p, &y),
        "bce" => value_and_gradient(&BinaryCrossEntropy, p, &y),
        "bce_logits" => value_and_gradient(&BinaryCrossEntropyWithLogits, p, &y),
        "hinge" => value_and_gradient(&Hinge, p, &y),
        "objective" => value_and_gradient(&Objective, p, &()),
        _ => panic!("no loss {name} in the test"),
    }
}

fn check_functions<T: Sample>(table: &[(&str, [[T; 2]; 10])]) {
    let mut report = Report::default();
    for (name, row) in table {
        for (&z, &[value, derivative]) in POINTS.iter().zip(row) {
            let z = T::from_f64(z);
            let (v, d) = function(name, z);
            report.check(name, z, v, value);
            report.check(&format!("{name}′"), z, d, derivative);
        }
    }
    report.finish(table.len() * POINTS.len() * 2);
}

fn check_losses<T: Sample>(table: &[(&str, f64, [[T; 2]; 10])]) {
    let mut report = Report::default();
    for (name, target, row) in table {
        for (&p, &[value, gradient]) in POINTS.iter().zip(row) {
            let p = T::from_f64(p);
            let (v, g) = loss(name, p, T::from_f64(*target));
            report.check(&format!("{name} (y = {target})"), p, v, value);
            report.check(&format!("∂{name}/∂ŷ (y = {target})"), p, g, gradient);
        }
    }
    report.finish(table.len() * POINTS.len() * 2);
}

/// Logits [z, 1, −1] for class 0 and class 1, both as an index and one-hot.
fn check_softmax_cross_entropy<T: Sample>(table: &[[[T; 4]; 10]; 2]) {
    let mut report = Report::default();
    for (class, row) in table.iter().enumerate() {
        let mut one_hot = [T::zero(); 3];
        one_hot[class] = T::one();
        for (&z, want) in POINTS.iter().zip(row) {
            let z = T::from_f64(z);
            let logits = [z, T::one(), -T::one()];
            let by_index = (
                SoftmaxCrossEntropy.value(&logits, &class),
                SoftmaxCrossEntropy.gradient(&logits, &class),
            );
            let by_one_hot = (
                SoftmaxCrossEntropy.value(&logits, &one_hot),
                SoftmaxCrossEntropy.gradient(&logits, &one_hot),
            );
            for (how, (v, g)) in [("class", by_index), ("one-hot", by_one_hot)] {
                report.check(
                    &format!("softmax cross-entropy ({how} {class})"),
                    z,
                    v,
                    want[0],
                );
                for k in 0..3 {
                    report.check(&format!("∂L/∂z{k} ({how} {class})"), z, g[k], want[1 + k]);
                }
            }
        }
    }
    report.finish(2 * POINTS.len() * 2 * 4);
}

#[test]
fn functions_and_derivatives_f64() {
    check_functions(FUNCTIONS_F64);
}

#[test]
fn functions_and_derivatives_f32() {
    check_functions(FUNCTIONS_F32);
}

#[test]
fn losses_and_gradients_f64() {
    check_losses(LOSSES_F64);
    check_softmax_cross_entropy(&SOFTMAX_CROSS_ENTROPY_F64);
}

#[test]
fn losses_and_gradients_f32() {
    check_losses(LOSSES_F32);
    check_softmax_cross_entropy(&SOFTMAX_CROSS_ENTROPY_F32);
}

/// The silu′ that generated code writes today, a + σ(z)·(1 − a) with a = silu(z), agrees with
/// the table everywhere but at z = +∞, where it is ∞ − ∞ = NaN (PyTorch's formula gives NaN
/// there too). The runtime's `silu_derivative` gives the limit 1; using it is the code
/// generator's part.
#[test]
fn silu_derivative_as_generated() {
    fn check<T: Sample>(table: &[(&str, [[T; 2]; 10])]) {
        let (_, row) = table.iter().find(|(name, _)| *name == "silu").unwrap();
        let mut report = Report::default();
        for (&z, &[_, derivative]) in POINTS.iter().zip(row) {
            if z == f64::INFINITY {
                continue;
            }
            let z = T::from_f64(z);
            let a = silu(z);
            report.check(
                "a + σ(z)(1 − a)",
                z,
                a + sigmoid(z) * (T::one() - a),
                derivative,
            );
        }
        report.finish(POINTS.len() - 1);
    }
    check(FUNCTIONS_F64);
    check(FUNCTIONS_F32);
}

/// A NaN target makes every loss's value and gradient NaN, at any prediction.
#[test]
fn nan_targets_give_nan() {
    fn check<T: Sample>() {
        let nan = T::nan();
        for &p in &POINTS {
            let p = T::from_f64(p);
            for name in [
                "half_squared",
                "squared",
                "mean_squared",
                "absolute",
                "huber",
                "bce",
                "bce_logits",
                "hinge",
            ] {
                let (v, g) = loss(name, p, nan);
                assert!(
                    v.is_nan() && g.is_nan(),
                    "{name}({p:?}, NaN) = {v:?}, {g:?}"
                );
            }
            let logits = [p, T::one(), -T::one()];
            let target = [nan, T::one(), T::zero()];
            let v = SoftmaxCrossEntropy.value(&logits, &target);
            let g = SoftmaxCrossEntropy.gradient(&logits, &target);
            assert!(v.is_nan(), "softmax cross-entropy {logits:?}: {v:?}");
            assert!(g.iter().all(|g| g.is_nan()), "{logits:?}: {g:?}");
        }
    }
    check::<f32>();
    check::<f64>();
}

/// The whole-vector functions: a NaN element gives NaN (their shift by the maximum does not
/// drop it), an infinite one the limits, and ±1000 finite values; sum, dot and mean pass NaN
/// on.
#[test]
fn vector_functions() {
    fn check<T: Sample>() {
        let c = T::from_f64;
        let (nan, inf) = (T::nan(), T::infinity());
        for v in [[nan, c(1.0), c(2.0)], [c(1.0), c(2.0), nan], [nan; 3]] {
            assert!(softmax(&v).iter().all(|y| y.is_nan()), "softmax({v:?})");
            assert!(
                log_softmax(&v).iter().all(|y| y.is_nan()),
                "log_softmax({v:?})"
            );
            assert!(sum(&v).is_nan() && mean(&v).is_nan(), "{v:?}");
            assert!(dot(&v, &[c(1.0); 3]).is_nan(), "{v:?}");
        }
        // More than one chunk of the eight partial sums, NaN in the tail and in a chunk.
        let mut long = [c(1.0); 19];
        long[18] = nan;
        assert!(sum(&long).is_nan() && dot(&long, &[c(0.5); 19]).is_nan());
        long[18] = c(1.0);
        long[3] = nan;
        assert!(sum(&long).is_nan() && mean(&long).is_nan());

        assert_eq!(softmax(&[inf, c(0.0), -inf]), [c(1.0), c(0.0), c(0.0)]);
        assert_eq!(softmax(&[inf, inf, c(0.0)]), [c(0.5), c(0.5), c(0.0)]);
        assert_eq!(log_softmax(&[inf, c(0.0), -inf]), [c(0.0), -inf, -inf]);
        assert_eq!(log_softmax(&[c(-1000.0), c(1000.0)]), [c(-2000.0), c(0.0)]);
        assert_eq!(
            softmax(&[c(1000.0), c(0.0), c(-1000.0)]),
            [c(1.0), c(0.0), c(0.0)]
        );
        // Every element −∞ is an overflow, not a distribution.
        assert!(softmax(&[-inf, -inf]).iter().all(|y| y.is_nan()));
        assert!(log_softmax(&[-inf, -inf]).iter().all(|y| y.is_nan()));
        // The backward steps pass a NaN on.
        let y = softmax(&[c(1.0), c(2.0), c(3.0)]);
        assert!(softmax_backward(&y, &[c(1.0), nan, c(0.0)])
            .iter()
            .all(|d| d.is_nan()));
        let y = log_softmax(&[c(1.0), c(2.0), c(3.0)]);
        assert!(log_softmax_backward(&y, &[c(1.0), nan, c(0.0)])
            .iter()
            .all(|d| d.is_nan()));
    }
    check::<f32>();
    check::<f64>();
}

/// `softmax_and_log_softmax` gives what `softmax` and `log_softmax` give, value for value (NaN
/// where they give NaN), ±∞ and ±1000 included.
#[test]
fn softmax_and_log_softmax_is_both() {
    fn check<T: Sample>() {
        let c = T::from_f64;
        let (nan, inf) = (T::nan(), T::infinity());
        let mut cases = vec![
            [c(1.0), c(-2.0), c(0.5), c(3.25)],
            [c(1000.0), c(0.0), c(-1000.0), c(1e-3)],
            [inf, c(0.0), -inf, c(2.0)],
            [inf, inf, c(0.0), c(1.0)],
            [-inf; 4],
            [nan, c(1.0), c(2.0), c(3.0)],
            [c(0.0); 4],
        ];
        // Values whose sums round differently in different orders.
        let mut seed = 5u32;
        for _ in 0..200 {
            cases.push(core::array::from_fn(|_| {
                seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                c(((seed >> 8) as f64 / (1u64 << 24) as f64 - 0.5) * 40.0)
            }));
        }
        let bits = |v: [T; 4]| v.map(|x| if x.is_nan() { None } else { Some(x) });
        for z in cases {
            let (p, y) = softmax_and_log_softmax(&z);
            assert_eq!(bits(p), bits(softmax(&z)), "softmax of {z:?}");
            assert_eq!(bits(y), bits(log_softmax(&z)), "log_softmax of {z:?}");
            assert_eq!(p.map(|x| x.is_nan()), softmax(&z).map(|x| x.is_nan()));
            assert_eq!(y.map(|x| x.is_nan()), log_softmax(&z).map(|x| x.is_nan()));
        }
    }
    check::<f32>();
    check::<f64>();
}

// ---- tables ----
// Output of table.py (see the top of this file).
#[rustfmt::skip]
const FUNCTIONS_F64: &[(&str, [[f64; 2]; 10])] = &[
    ("sigmoid", [[0.0, 0.0], [9.357622968839299e-14, 9.357622968838423e-14], [0.5, 0.25], [0.5, 0.25], [0.5, 0.25], [0.9999999999999065, 9.348077867342945e-14], [1.0, 0.0], [1.0, 0.0], [0.0, 0.0], [f64::NAN, f64::NAN]]),
    ("tanh", [[-1.0, 0.0], [-1.0, 0.0], [-1e-30, 1.0], [0.0, 1.0], [1e-30, 1.0], [1.0, 0.0], [1.0, 0.0], [1.0, 0.0], [-1.0, 0.0], [f64::NAN, f64::NAN]]),
    ("relu", [[0.0, 0.0], [0.0, 0.0], [0.0, 0.0], [0.0, 0.0], [1e-30, 1.0], [30.0, 1.0], [1000.0, 1.0], [f64::INFINITY, 1.0], [0.0, 0.0], [f64::NAN, f64::NAN]]),
    ("leaky_relu", [[-10.0, 0.01], [-0.3, 0.01], [-1e-32, 0.01], [0.0, 0.01], [1e-30, 1.0], [30.0, 1.0], [1000.0, 1.0], [f64::INFINITY, 1.0], [f64::NEG_INFINITY, 0.01], [f64::NAN, f64::NAN]]),
    ("step", [[0.0, 0.0], [0.0, 0.0], [0.0, 0.0], [0.0, 0.0], [1.0, 0.0], [1.0, 0.0], [1.0, 0.0], [1.0, 0.0], [0.0, 0.0], [f64::NAN, f64::NAN]]),
    ("softplus", [[0.0, 0.0], [9.357622968839737e-14, 9.357622968839299e-14], [0.6931471805599453, 0.5], [0.6931471805599453, 0.5], [0.6931471805599453, 0.5], [30.000000000000092, 0.9999999999999065], [1000.0, 1.0], [f64::INFINITY, 1.0], [0.0, 0.0], [f64::NAN, f64::NAN]]),
    ("gelu", [[-0.0, 0.0], [-0.0, 0.0], [-5e-31, 0.5], [0.0, 0.5], [5e-31, 0.5], [30.0, 1.0], [1000.0, 1.0], [f64::INFINITY, 1.0], [-0.0, 0.0], [f64::NAN, f64::NAN]]),
    ("silu", [[-0.0, -0.0], [-2.8072868906517896e-12, -2.713710660963134e-12], [-5e-31, 0.5], [0.0, 0.5], [5e-31, 0.5], [29.999999999997197, 1.000000000002711], [1000.0, 1.0], [f64::INFINITY, 1.0], [-0.0, 0.0], [f64::NAN, f64::NAN]]),
    ("exp", [[0.0, 0.0], [9.357622968840175e-14, 9.357622968840175e-14], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0], [10686474581524.463, 10686474581524.463], [f64::INFINITY, f64::INFINITY], [f64::INFINITY, f64::INFINITY], [0.0, 0.0], [f64::NAN, f64::NAN]]),
    ("ln", [[f64::NAN, -0.001], [f64::NAN, -0.03333333333333333], [f64::NAN, -9.999999999999999e+29], [f64::NEG_INFINITY, f64::INFINITY], [-69.07755278982137, 9.999999999999999e+29], [3.4011973816621555, 0.03333333333333333], [6.907755278982137, 0.001], [f64::INFINITY, 0.0], [f64::NAN, -0.0], [f64::NAN, f64::NAN]]),
    ("sqrt", [[f64::NAN, f64::NAN], [f64::NAN, f64::NAN], [f64::NAN, f64::NAN], [0.0, f64::INFINITY], [1e-15, 499999999999999.94], [5.477225575051661, 0.09128709291752768], [31.622776601683793, 0.015811388300841896], [f64::INFINITY, 0.0], [f64::NAN, f64::NAN], [f64::NAN, f64::NAN]]),
    ("abs", [[1000.0, -1.0], [30.0, -1.0], [1e-30, -1.0], [0.0, 0.0], [1e-30, 1.0], [30.0, 1.0], [1000.0, 1.0], [f64::INFINITY, 1.0], [f64::INFINITY, -1.0], [f64::NAN, f64::NAN]]),
    ("powi2", [[1000000.0, -2000.0], [900.0, -60.0], [1.0000000000000001e-60, -2e-30], [0.0, 0.0], [1.0000000000000001e-60, 2e-30], [900.0, 60.0], [1000000.0, 2000.0], [f64::INFINITY, f64::INFINITY], [f64::INFINITY, f64::NEG_INFINITY], [f64::NAN, f64::NAN]]),
    ("powi_minus3", [[-1e-09, -3e-12], [-3.7037037037037037e-05, -3.7037037037037037e-06], [-9.999999999999997e+89, -2.999999999999999e+120], [f64::INFINITY, f64::NEG_INFINITY], [9.999999999999997e+89, -2.999999999999999e+120], [3.7037037037037037e-05, -3.7037037037037037e-06], [1e-09, -3e-12], [0.0, -0.0], [-0.0, -0.0], [f64::NAN, f64::NAN]]),
];
#[rustfmt::skip]
const LOSSES_F64: &[(&str, f64, [[f64; 2]; 10])] = &[
    ("half_squared", 0.0, [[500000.0, -1000.0], [450.0, -30.0], [5.0000000000000005e-61, -1e-30], [0.0, 0.0], [5.0000000000000005e-61, 1e-30], [450.0, 30.0], [500000.0, 1000.0], [f64::INFINITY, f64::INFINITY], [f64::INFINITY, f64::NEG_INFINITY], [f64::NAN, f64::NAN]]),
    ("half_squared", 1.0, [[501000.5, -1001.0], [480.5, -31.0], [0.5, -1.0], [0.5, -1.0], [0.5, -1.0], [420.5, 29.0], [499000.5, 999.0], [f64::INFINITY, f64::INFINITY], [f64::INFINITY, f64::NEG_INFINITY], [f64::NAN, f64::NAN]]),
    ("squared", 0.0, [[1000000.0, -2000.0], [900.0, -60.0], [1.0000000000000001e-60, -2e-30], [0.0, 0.0], [1.0000000000000001e-60, 2e-30], [900.0, 60.0], [1000000.0, 2000.0], [f64::INFINITY, f64::INFINITY], [f64::INFINITY, f64::NEG_INFINITY], [f64::NAN, f64::NAN]]),
    ("squared", 1.0, [[1002001.0, -2002.0], [961.0, -62.0], [1.0, -2.0], [1.0, -2.0], [1.0, -2.0], [841.0, 58.0], [998001.0, 1998.0], [f64::INFINITY, f64::INFINITY], [f64::INFINITY, f64::NEG_INFINITY], [f64::NAN, f64::NAN]]),
    ("mean_squared", 0.0, [[1000000.0, -2000.0], [900.0, -60.0], [1.0000000000000001e-60, -2e-30], [0.0, 0.0], [1.0000000000000001e-60, 2e-30], [900.0, 60.0], [1000000.0, 2000.0], [f64::INFINITY, f64::INFINITY], [f64::INFINITY, f64::NEG_INFINITY], [f64::NAN, f64::NAN]]),
    ("mean_squared", 1.0, [[1002001.0, -2002.0], [961.0, -62.0], [1.0, -2.0], [1.0, -2.0], [1.0, -2.0], [841.0, 58.0], [998001.0, 1998.0], [f64::INFINITY, f64::INFINITY], [f64::INFINITY, f64::NEG_INFINITY], [f64::NAN, f64::NAN]]),
    ("absolute", 0.0, [[1000.0, -1.0], [30.0, -1.0], [1e-30, -1.0], [0.0, 0.0], [1e-30, 1.0], [30.0, 1.0], [1000.0, 1.0], [f64::INFINITY, 1.0], [f64::INFINITY, -1.0], [f64::NAN, f64::NAN]]),
    ("absolute", 1.0, [[1001.0, -1.0], [31.0, -1.0], [1.0, -1.0], [1.0, -1.0], [1.0, -1.0], [29.0, 1.0], [999.0, 1.0], [f64::INFINITY, 1.0], [f64::INFINITY, -1.0], [f64::NAN, f64::NAN]]),
    ("huber", 0.0, [[999.5, -1.0], [29.5, -1.0], [5.0000000000000005e-61, -1e-30], [0.0, 0.0], [5.0000000000000005e-61, 1e-30], [29.5, 1.0], [999.5, 1.0], [f64::INFINITY, 1.0], [f64::INFINITY, -1.0], [f64::NAN, f64::NAN]]),
    ("huber", 1.0, [[1000.5, -1.0], [30.5, -1.0], [0.5, -1.0], [0.5, -1.0], [0.5, -1.0], [28.5, 1.0], [998.5, 1.0], [f64::INFINITY, 1.0], [f64::INFINITY, -1.0], [f64::NAN, f64::NAN]]),
    ("bce", 0.0, [[2.220446049250313e-16, 1.0000000000000002], [2.220446049250313e-16, 1.0000000000000002], [2.220446049250313e-16, 1.0000000000000002], [2.220446049250313e-16, 1.0000000000000002], [2.220446049250313e-16, 1.0000000000000002], [36.04365338911715, 4503599627370496.0], [36.04365338911715, 4503599627370496.0], [36.04365338911715, 4503599627370496.0], [2.220446049250313e-16, 1.0000000000000002], [f64::NAN, f64::NAN]]),
    ("bce", 1.0, [[36.04365338911715, -4503599627370496.0], [36.04365338911715, -4503599627370496.0], [36.04365338911715, -4503599627370496.0], [36.04365338911715, -4503599627370496.0], [36.04365338911715, -4503599627370496.0], [2.220446049250313e-16, -1.0000000000000002], [2.220446049250313e-16, -1.0000000000000002], [2.220446049250313e-16, -1.0000000000000002], [36.04365338911715, -4503599627370496.0], [f64::NAN, f64::NAN]]),
    ("bce_logits", 0.0, [[0.0, 0.0], [9.357622968839737e-14, 9.357622968839299e-14], [0.6931471805599453, 0.5], [0.6931471805599453, 0.5], [0.6931471805599453, 0.5], [30.000000000000092, 0.9999999999999065], [1000.0, 1.0], [f64::INFINITY, 1.0], [0.0, 0.0], [f64::NAN, f64::NAN]]),
    ("bce_logits", 1.0, [[1000.0, -1.0], [30.000000000000092, -0.9999999999999064], [0.6931471805599453, -0.5], [0.6931471805599453, -0.5], [0.6931471805599453, -0.5], [9.357622968839737e-14, -9.348077867343818e-14], [0.0, 0.0], [0.0, 0.0], [f64::INFINITY, -1.0], [f64::NAN, f64::NAN]]),
    ("hinge", -1.0, [[0.0, 0.0], [0.0, 0.0], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0], [31.0, 1.0], [1001.0, 1.0], [f64::INFINITY, 1.0], [0.0, 0.0], [f64::NAN, f64::NAN]]),
    ("hinge", 1.0, [[1001.0, -1.0], [31.0, -1.0], [1.0, -1.0], [1.0, -1.0], [1.0, -1.0], [0.0, -0.0], [0.0, -0.0], [0.0, -0.0], [f64::INFINITY, -1.0], [f64::NAN, f64::NAN]]),
    ("objective", 0.0, [[-1000.0, 1.0], [-30.0, 1.0], [-1e-30, 1.0], [0.0, 1.0], [1e-30, 1.0], [30.0, 1.0], [1000.0, 1.0], [f64::INFINITY, 1.0], [f64::NEG_INFINITY, 1.0], [f64::NAN, f64::NAN]]),
];
#[rustfmt::skip]
const SOFTMAX_CROSS_ENTROPY_F64: [[[f64; 4]; 10]; 2] = [
    [[1001.126928011043, -1.0, 0.8807970779778823, 0.11920292202211755], [31.126928011043002, -0.9999999999999697, 0.8807970779778558, 0.11920292202211395], [1.4076059644443804, -0.7552715289452023, 0.6652409557748218, 0.09003057317038045], [1.4076059644443804, -0.7552715289452023, 0.6652409557748218, 0.09003057317038045], [1.4076059644443804, -0.7552715289452023, 0.6652409557748218, 0.09003057317038045], [2.8888003100742403e-13, -2.8888003100746573e-13, 2.543665647376188e-13, 3.442477108468982e-14], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [f64::INFINITY, -1.0, 0.8807970779778823, 0.11920292202211755], [f64::NAN, f64::NAN, f64::NAN, f64::NAN]],
    [[0.1269280110429726, 0.0, -0.11920292202211769, 0.11920292202211755], [0.12692801104300272, 3.0321237781460136e-14, -0.11920292202214422, 0.11920292202211395], [0.4076059644443804, 0.2447284710547976, -0.3347590442251782, 0.09003057317038045], [0.4076059644443804, 0.2447284710547976, -0.3347590442251782, 0.09003057317038045], [0.4076059644443804, 0.2447284710547976, -0.3347590442251782, 0.09003057317038045], [29.000000000000288, 0.9999999999997111, -0.9999999999997456, 3.442477108468982e-14], [999.0, 1.0, -1.0, 0.0], [f64::INFINITY, 1.0, -1.0, 0.0], [0.1269280110429726, 0.0, -0.11920292202211769, 0.11920292202211755], [f64::NAN, f64::NAN, f64::NAN, f64::NAN]],
];
#[rustfmt::skip]
const FUNCTIONS_F32: &[(&str, [[f32; 2]; 10])] = &[
    ("sigmoid", [[0.0, 0.0], [9.3576236e-14, 9.3576236e-14], [0.5, 0.25], [0.5, 0.25], [0.5, 0.25], [1.0, 0.0], [1.0, 0.0], [1.0, 0.0], [0.0, 0.0], [f32::NAN, f32::NAN]]),
    ("tanh", [[-1.0, 0.0], [-1.0, 0.0], [-1e-30, 1.0], [0.0, 1.0], [1e-30, 1.0], [1.0, 0.0], [1.0, 0.0], [1.0, 0.0], [-1.0, 0.0], [f32::NAN, f32::NAN]]),
    ("relu", [[0.0, 0.0], [0.0, 0.0], [0.0, 0.0], [0.0, 0.0], [1e-30, 1.0], [30.0, 1.0], [1000.0, 1.0], [f32::INFINITY, 1.0], [0.0, 0.0], [f32::NAN, f32::NAN]]),
    ("leaky_relu", [[-10.0, 0.01], [-0.29999998, 0.01], [-9.9999995e-33, 0.01], [0.0, 0.01], [1e-30, 1.0], [30.0, 1.0], [1000.0, 1.0], [f32::INFINITY, 1.0], [f32::NEG_INFINITY, 0.01], [f32::NAN, f32::NAN]]),
    ("step", [[0.0, 0.0], [0.0, 0.0], [0.0, 0.0], [0.0, 0.0], [1.0, 0.0], [1.0, 0.0], [1.0, 0.0], [1.0, 0.0], [0.0, 0.0], [f32::NAN, f32::NAN]]),
    ("softplus", [[0.0, 0.0], [9.357623e-14, 9.3576236e-14], [0.6931472, 0.5], [0.6931472, 0.5], [0.6931472, 0.5], [30.0, 1.0], [1000.0, 1.0], [f32::INFINITY, 1.0], [0.0, 0.0], [f32::NAN, f32::NAN]]),
    ("gelu", [[-0.0, 0.0], [-0.0, 0.0], [-5e-31, 0.5], [0.0, 0.5], [5e-31, 0.5], [30.0, 1.0], [1000.0, 1.0], [f32::INFINITY, 1.0], [-0.0, 0.0], [f32::NAN, f32::NAN]]),
    ("silu", [[-0.0, -0.0], [-2.807287e-12, -2.7137108e-12], [-5e-31, 0.5], [0.0, 0.5], [5e-31, 0.5], [30.0, 1.0], [1000.0, 1.0], [f32::INFINITY, 1.0], [-0.0, 0.0], [f32::NAN, f32::NAN]]),
    ("exp", [[0.0, 0.0], [9.357623e-14, 9.357623e-14], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0], [10686474000000.0, 10686474000000.0], [f32::INFINITY, f32::INFINITY], [f32::INFINITY, f32::INFINITY], [0.0, 0.0], [f32::NAN, f32::NAN]]),
    ("ln", [[f32::NAN, -0.001], [f32::NAN, -0.033333335], [f32::NAN, -1e+30], [f32::NEG_INFINITY, f32::INFINITY], [-69.07755, 1e+30], [3.4011974, 0.033333335], [6.9077554, 0.001], [f32::INFINITY, 0.0], [f32::NAN, -0.0], [f32::NAN, f32::NAN]]),
    ("sqrt", [[f32::NAN, f32::NAN], [f32::NAN, f32::NAN], [f32::NAN, f32::NAN], [0.0, f32::INFINITY], [1e-15, 500000000000000.0], [5.477226, 0.09128709], [31.622776, 0.01581139], [f32::INFINITY, 0.0], [f32::NAN, f32::NAN], [f32::NAN, f32::NAN]]),
    ("abs", [[1000.0, -1.0], [30.0, -1.0], [1e-30, -1.0], [0.0, 0.0], [1e-30, 1.0], [30.0, 1.0], [1000.0, 1.0], [f32::INFINITY, 1.0], [f32::INFINITY, -1.0], [f32::NAN, f32::NAN]]),
    ("powi2", [[1000000.0, -2000.0], [900.0, -60.0], [0.0, -2e-30], [0.0, 0.0], [0.0, 2e-30], [900.0, 60.0], [1000000.0, 2000.0], [f32::INFINITY, f32::INFINITY], [f32::INFINITY, f32::NEG_INFINITY], [f32::NAN, f32::NAN]]),
    ("powi_minus3", [[-1e-09, -3e-12], [-3.7037036e-05, -3.7037037e-06], [f32::NEG_INFINITY, f32::NEG_INFINITY], [f32::INFINITY, f32::NEG_INFINITY], [f32::INFINITY, f32::NEG_INFINITY], [3.7037036e-05, -3.7037037e-06], [1e-09, -3e-12], [0.0, -0.0], [-0.0, -0.0], [f32::NAN, f32::NAN]]),
];
#[rustfmt::skip]
const LOSSES_F32: &[(&str, f64, [[f32; 2]; 10])] = &[
    ("half_squared", 0.0, [[500000.0, -1000.0], [450.0, -30.0], [0.0, -1e-30], [0.0, 0.0], [0.0, 1e-30], [450.0, 30.0], [500000.0, 1000.0], [f32::INFINITY, f32::INFINITY], [f32::INFINITY, f32::NEG_INFINITY], [f32::NAN, f32::NAN]]),
    ("half_squared", 1.0, [[501000.5, -1001.0], [480.5, -31.0], [0.5, -1.0], [0.5, -1.0], [0.5, -1.0], [420.5, 29.0], [499000.5, 999.0], [f32::INFINITY, f32::INFINITY], [f32::INFINITY, f32::NEG_INFINITY], [f32::NAN, f32::NAN]]),
    ("squared", 0.0, [[1000000.0, -2000.0], [900.0, -60.0], [0.0, -2e-30], [0.0, 0.0], [0.0, 2e-30], [900.0, 60.0], [1000000.0, 2000.0], [f32::INFINITY, f32::INFINITY], [f32::INFINITY, f32::NEG_INFINITY], [f32::NAN, f32::NAN]]),
    ("squared", 1.0, [[1002001.0, -2002.0], [961.0, -62.0], [1.0, -2.0], [1.0, -2.0], [1.0, -2.0], [841.0, 58.0], [998001.0, 1998.0], [f32::INFINITY, f32::INFINITY], [f32::INFINITY, f32::NEG_INFINITY], [f32::NAN, f32::NAN]]),
    ("mean_squared", 0.0, [[1000000.0, -2000.0], [900.0, -60.0], [0.0, -2e-30], [0.0, 0.0], [0.0, 2e-30], [900.0, 60.0], [1000000.0, 2000.0], [f32::INFINITY, f32::INFINITY], [f32::INFINITY, f32::NEG_INFINITY], [f32::NAN, f32::NAN]]),
    ("mean_squared", 1.0, [[1002001.0, -2002.0], [961.0, -62.0], [1.0, -2.0], [1.0, -2.0], [1.0, -2.0], [841.0, 58.0], [998001.0, 1998.0], [f32::INFINITY, f32::INFINITY], [f32::INFINITY, f32::NEG_INFINITY], [f32::NAN, f32::NAN]]),
    ("absolute", 0.0, [[1000.0, -1.0], [30.0, -1.0], [1e-30, -1.0], [0.0, 0.0], [1e-30, 1.0], [30.0, 1.0], [1000.0, 1.0], [f32::INFINITY, 1.0], [f32::INFINITY, -1.0], [f32::NAN, f32::NAN]]),
    ("absolute", 1.0, [[1001.0, -1.0], [31.0, -1.0], [1.0, -1.0], [1.0, -1.0], [1.0, -1.0], [29.0, 1.0], [999.0, 1.0], [f32::INFINITY, 1.0], [f32::INFINITY, -1.0], [f32::NAN, f32::NAN]]),
    ("huber", 0.0, [[999.5, -1.0], [29.5, -1.0], [0.0, -1e-30], [0.0, 0.0], [0.0, 1e-30], [29.5, 1.0], [999.5, 1.0], [f32::INFINITY, 1.0], [f32::INFINITY, -1.0], [f32::NAN, f32::NAN]]),
    ("huber", 1.0, [[1000.5, -1.0], [30.5, -1.0], [0.5, -1.0], [0.5, -1.0], [0.5, -1.0], [28.5, 1.0], [998.5, 1.0], [f32::INFINITY, 1.0], [f32::INFINITY, -1.0], [f32::NAN, f32::NAN]]),
    ("bce", 0.0, [[1.192093e-07, 1.0000001], [1.192093e-07, 1.0000001], [1.192093e-07, 1.0000001], [1.192093e-07, 1.0000001], [1.192093e-07, 1.0000001], [15.942385, 8388608.0], [15.942385, 8388608.0], [15.942385, 8388608.0], [1.192093e-07, 1.0000001], [f32::NAN, f32::NAN]]),
    ("bce", 1.0, [[15.942385, -8388608.0], [15.942385, -8388608.0], [15.942385, -8388608.0], [15.942385, -8388608.0], [15.942385, -8388608.0], [1.192093e-07, -1.0000001], [1.192093e-07, -1.0000001], [1.192093e-07, -1.0000001], [15.942385, -8388608.0], [f32::NAN, f32::NAN]]),
    ("bce_logits", 0.0, [[0.0, 0.0], [9.357623e-14, 9.3576236e-14], [0.6931472, 0.5], [0.6931472, 0.5], [0.6931472, 0.5], [30.0, 1.0], [1000.0, 1.0], [f32::INFINITY, 1.0], [0.0, 0.0], [f32::NAN, f32::NAN]]),
    ("bce_logits", 1.0, [[1000.0, -1.0], [30.0, -1.0], [0.6931472, -0.5], [0.6931472, -0.5], [0.6931472, -0.5], [9.357623e-14, 0.0], [0.0, 0.0], [0.0, 0.0], [f32::INFINITY, -1.0], [f32::NAN, f32::NAN]]),
    ("hinge", -1.0, [[0.0, 0.0], [0.0, 0.0], [1.0, 1.0], [1.0, 1.0], [1.0, 1.0], [31.0, 1.0], [1001.0, 1.0], [f32::INFINITY, 1.0], [0.0, 0.0], [f32::NAN, f32::NAN]]),
    ("hinge", 1.0, [[1001.0, -1.0], [31.0, -1.0], [1.0, -1.0], [1.0, -1.0], [1.0, -1.0], [0.0, -0.0], [0.0, -0.0], [0.0, -0.0], [f32::INFINITY, -1.0], [f32::NAN, f32::NAN]]),
    ("objective", 0.0, [[-1000.0, 1.0], [-30.0, 1.0], [-1e-30, 1.0], [0.0, 1.0], [1e-30, 1.0], [30.0, 1.0], [1000.0, 1.0], [f32::INFINITY, 1.0], [f32::NEG_INFINITY, 1.0], [f32::NAN, f32::NAN]]),
];
#[rustfmt::skip]
const SOFTMAX_CROSS_ENTROPY_F32: [[[f32; 4]; 10]; 2] = [
    [[1001.12695, -1.0, 0.880797, 0.11920291], [31.126928, -1.0, 0.880797, 0.11920291], [1.4076059, -0.75527155, 0.66524094, 0.09003057], [1.4076059, -0.75527155, 0.66524094, 0.09003057], [1.4076059, -0.75527155, 0.66524094, 0.09003057], [0.0, 0.0, 2.5436657e-13, 3.442477e-14], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [f32::INFINITY, -1.0, 0.880797, 0.11920291], [f32::NAN, f32::NAN, f32::NAN, f32::NAN]],
    [[0.12692805, 0.0, -0.11920297, 0.11920291], [0.12692805, 3.0321235e-14, -0.11920297, 0.11920291], [0.40760595, 0.24472848, -0.33475906, 0.09003057], [0.40760595, 0.24472848, -0.33475906, 0.09003057], [0.40760595, 0.24472848, -0.33475906, 0.09003057], [29.0, 1.0, -1.0, 3.442477e-14], [999.0, 1.0, -1.0, 0.0], [f32::INFINITY, 1.0, -1.0, 0.0], [0.12692805, 0.0, -0.11920297, 0.11920291], [f32::NAN, f32::NAN, f32::NAN, f32::NAN]],
];

//! The functions of the network language: one table, one entry per function.
//!
//! An entry says everything the stages need to know about a function except its derivative,
//! which is one arm of `diff::rules::derivative`: the name a body calls it by, its constant
//! arguments, what it does with a vector, its value (for the reference evaluator and for
//! constant folding), the symbol the lecture prints, and the function of `nn::math` that
//! generated code calls. Error messages, the attribute's hints and the reserved names are
//! all read from here.
//!
//! Adding an activation is one entry in `functions!` below, its arm in
//! `diff::rules::derivative`, the `nn::math` function that the entry names, and its tests.

mod kernels;
mod values;

pub use kernels::Kernel;
use values::{gelu, gelu_derivative, log_softmax, sigmoid, silu_derivative, softmax};

/// What a function does with a vector.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Applies to every element (`sigmoid`): a scalar gives a scalar, a vector a vector.
    Elementwise,
    /// Takes a whole vector to one number (`sum`).
    Reduction,
    /// Takes a whole vector to a vector of the same length (`softmax`).
    VectorMap,
    /// A derivative that only generated backward code calls (`relu_derivative`); not in the
    /// language.
    Helper,
}

/// A constant argument that follows the value: the slope in `leaky_relu(z, 0.01)`.
#[derive(Debug)]
pub struct Constant {
    /// Its name in the lecture's notation: `α`.
    pub name: &'static str,
    /// What it is, for messages: `slope`.
    pub what: &'static str,
    /// A typical value, for messages: `0.01`.
    pub example: &'static str,
    /// The value taken when it is left out; `None` when it is required.
    pub default: Option<f64>,
    /// Whether generated code passes it as an integer (`powi`'s `i32` exponent).
    pub integer: bool,
    /// Why a value is refused, if it is (`powi` takes a whole exponent).
    pub check: fn(f64) -> Result<(), &'static str>,
}

/// How the lecture writes a call.
#[derive(Clone, Copy, Debug)]
pub enum Lecture {
    /// `σ(z)`, with the constants that differ from their defaults: `leaky_relu(z, 0.1)`.
    Call,
    /// `z^n`.
    Power,
    /// `relu′(z)` followed by a note on its value, in which `{z}` stands for the argument and
    /// `{c}` for the constant: `relu′(z) (1 if z > 0, else 0)`.
    Noted(&'static str),
}

/// The values of a call's constant arguments, in order (unused slots are 0).
pub type Constants = [f64; 2];

/// How a function computes, in `f64`, for the reference evaluator and constant folding.
#[derive(Clone, Copy, Debug)]
pub enum Value {
    /// Of one number and the constants.
    Each(fn(f64, &Constants) -> f64),
    /// Of a whole vector, to one number.
    Reduce(fn(&[f64]) -> f64),
    /// Of a whole vector, to a vector.
    Map(fn(&[f64]) -> Vec<f64>),
}

/// One function of the table.
#[derive(Debug)]
pub struct Spec {
    /// The name a body calls it by, `sigmoid`; also its name in `nn::math`.
    pub name: &'static str,
    /// Other names a body may use: `swish` for `silu`.
    pub aliases: &'static [&'static str],
    /// What it does with a vector.
    pub kind: Kind,
    /// Whether it is a layer's activation, so that generated code names its argument `z`
    /// and its value `a`, as the lecture does.
    pub activation: bool,
    /// Constant arguments after the value.
    pub constants: &'static [Constant],
    /// Its value.
    pub value: Value,
    /// How the lecture writes it: `σ`.
    pub symbol: &'static str,
    /// How the lecture writes a call of it.
    pub lecture: Lecture,
    /// What it computes, in one line, with its source where it has one.
    pub about: &'static str,
}

macro_rules! functions {
    ($($(#[$doc:meta])* $variant:ident = $spec:expr;)*) => {
        /// A function of the table, by name. `Builtin::spec` gives its entry.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
        pub enum Builtin {
            $($(#[$doc])* $variant,)*
        }

        /// Every function of the table, in the order of [`Builtin`].
        pub const TABLE: &[Spec] = &[$($spec,)*];

        impl Builtin {
            /// Every function, in table order.
            pub const ALL: &'static [Builtin] = &[$(Builtin::$variant,)*];
        }
    };
}

const NONE: &[Constant] = &[];

fn any(_: f64) -> Result<(), &'static str> {
    Ok(())
}

fn exponent(n: f64) -> Result<(), &'static str> {
    if n.fract() == 0.0 && n != 0.0 && n.abs() <= 64.0 {
        Ok(())
    } else {
        Err("a whole, non-zero exponent between -64 and 64")
    }
}

const THRESHOLD: &[Constant] = &[Constant {
    name: "threshold",
    what: "threshold",
    example: "0.5",
    default: Some(0.0),
    integer: false,
    check: any,
}];
const SLOPE: &[Constant] = &[Constant {
    name: "α",
    what: "slope",
    example: "0.01",
    default: None,
    integer: false,
    check: any,
}];
const EXPONENT: &[Constant] = &[Constant {
    name: "n",
    what: "integer exponent",
    example: "2",
    default: None,
    integer: true,
    check: exponent,
}];

/// An elementwise function.
const fn each(
    name: &'static str,
    symbol: &'static str,
    activation: bool,
    constants: &'static [Constant],
    value: fn(f64, &Constants) -> f64,
    about: &'static str,
) -> Spec {
    Spec {
        name,
        aliases: &[],
        kind: Kind::Elementwise,
        activation,
        constants,
        value: Value::Each(value),
        symbol,
        lecture: Lecture::Call,
        about,
    }
}

/// A derivative helper of generated backward code, printed with a note on its value.
const fn helper(
    name: &'static str,
    symbol: &'static str,
    constants: &'static [Constant],
    value: fn(f64, &Constants) -> f64,
    note: &'static str,
) -> Spec {
    Spec {
        kind: Kind::Helper,
        lecture: if note.is_empty() {
            Lecture::Call
        } else {
            Lecture::Noted(note)
        },
        ..each(name, symbol, false, constants, value, note)
    }
}

/// A function of a whole vector.
const fn whole(
    name: &'static str,
    symbol: &'static str,
    kind: Kind,
    activation: bool,
    value: Value,
    about: &'static str,
) -> Spec {
    Spec {
        name,
        aliases: &[],
        kind,
        activation,
        constants: NONE,
        value,
        symbol,
        lecture: Lecture::Call,
        about,
    }
}

functions! {
    /// `step(z)`, `step(z, threshold)`.
    Step = each("step", "step", true, THRESHOLD, |z, c| if z > c[0] { 1.0 } else if z <= c[0] { 0.0 } else { f64::NAN },
        "the Heaviside step of Rosenblatt's perceptron: 1 where z > threshold, else 0");
    /// `sigmoid(z)`.
    Sigmoid = each("sigmoid", "σ", true, NONE, |z, _| sigmoid(z),
        "the logistic function σ(z) = 1/(1 + e^−z)");
    /// `tanh(z)`.
    Tanh = each("tanh", "tanh", true, NONE, |z, _| z.tanh(), "the hyperbolic tangent");
    /// `relu(z)`.
    Relu = each("relu", "relu", true, NONE, |z, _| if z < 0.0 { 0.0 } else { z }, "the rectified linear unit max(0, z)");
    /// `leaky_relu(z, α)`.
    LeakyRelu = each("leaky_relu", "leaky_relu", true, SLOPE, |z, c| if z > 0.0 { z } else { c[0] * z },
        "the leaky ReLU: z where z > 0, else αz");
    /// `softplus(z)`.
    Softplus = each("softplus", "softplus", true, NONE, |z, _| z.max(0.0) + (-z.abs()).exp().ln_1p(),
        "ln(1 + e^z), a smooth ReLU");
    /// `gelu(z)`: the tanh approximation of the Gaussian error linear unit.
    Gelu = each(
        "gelu",
        "gelu",
        true,
        NONE,
        |z, _| gelu(z),
        "½z(1 + tanh(√(2/π)(z + 0.044715z³))), the tanh approximation of GELU (Hendrycks & Gimpel 2016; PyTorch's `gelu(approximate=\"tanh\")`)"
    );
    /// `silu(z)`, also called `swish(z)`: z·σ(z).
    Silu = Spec {
        aliases: &["swish"],
        ..each("silu", "silu", true, NONE, |z, _| z * sigmoid(z),
            "z·σ(z), the sigmoid linear unit (Elfwing et al. 2018; Ramachandran et al.'s swish with β = 1)")
    };
    /// `exp(z)`.
    Exp = each("exp", "exp", false, NONE, |z, _| z.exp(), "e^z");
    /// `ln(z)`.
    Ln = each("ln", "ln", false, NONE, |z, _| z.ln(), "the natural logarithm");
    /// `sqrt(z)`.
    Sqrt = each("sqrt", "sqrt", false, NONE, |z, _| z.sqrt(), "the square root");
    /// `abs(z)`.
    Abs = each("abs", "abs", false, NONE, |z, _| z.abs(), "the absolute value |z|");
    /// `powi(z, n)`.
    Powi = Spec { lecture: Lecture::Power,
        ..each("powi", "powi", false, EXPONENT, |z, c| z.powi(c[0] as i32), "z to the integer power n") };
    /// `sum(v)`.
    Sum = whole("sum", "Σ", Kind::Reduction, false, Value::Reduce(|v| v.iter().sum()),
        "the sum of a vector's elements");
    /// `mean(v)`.
    Mean = whole("mean", "mean", Kind::Reduction, false,
        Value::Reduce(|v| v.iter().sum::<f64>() / v.len() as f64), "the mean of a vector's elements");
    /// `softmax(v)`.
    Softmax = whole("softmax", "softmax", Kind::VectorMap, true, Value::Map(softmax),
        "e^vᵢ / Σⱼ e^vⱼ, computed shifted by the maximum so that it stays finite");
    /// `log_softmax(v)`.
    LogSoftmax = whole("log_softmax", "log_softmax", Kind::VectorMap, true, Value::Map(log_softmax),
        "vᵢ − ln Σⱼ e^vⱼ, computed shifted by the maximum so that it stays finite");
    /// relu′(z).
    ReluDerivative = helper("relu_derivative", "relu′", NONE, |z, _| if z > 0.0 { 1.0 } else if z <= 0.0 { 0.0 } else { f64::NAN },
        "(1 if {z} > 0, else 0)");
    /// leaky_relu′(z, α).
    LeakyReluDerivative = helper("leaky_relu_derivative", "leaky_relu′", SLOPE,
        |z, c| if z > 0.0 { 1.0 } else if z <= 0.0 { c[0] } else { f64::NAN }, "(1 if {z} > 0, else {c})");
    /// step′(z) = 0.
    StepDerivative = helper("step_derivative", "step′", NONE, |z, _| if z.is_nan() { z } else { 0.0 },
        "= 0: no gradient flows through a step");
    /// gelu′(z).
    GeluDerivative = helper("gelu_derivative", "gelu′", NONE, |z, _| gelu_derivative(z), "");
    /// silu′(z), exact at ±∞ (where a + σ(z)·(1 − a) would be ∞ − ∞).
    SiluDerivative = helper("silu_derivative", "silu′", NONE, |z, _| silu_derivative(z), "");
    /// sign(z), the derivative of |z|.
    Sign = helper("sign", "sign", NONE,
        |z, _| if z > 0.0 { 1.0 } else if z < 0.0 { -1.0 } else if z == 0.0 { 0.0 } else { z },
        "");
}

impl Builtin {
    /// The function's entry.
    pub fn spec(self) -> &'static Spec {
        &TABLE[self as usize]
    }

    /// The function a body calls `name`, by its name or an alias; helpers are not callable.
    pub fn from_name(name: &str) -> Option<Builtin> {
        Builtin::ALL.iter().copied().find(|b| {
            let spec = b.spec();
            spec.kind != Kind::Helper && (spec.name == name || spec.aliases.contains(&name))
        })
    }

    /// The functions a body may call, in table order.
    pub fn language() -> impl Iterator<Item = Builtin> {
        Builtin::ALL
            .iter()
            .copied()
            .filter(|b| b.spec().kind != Kind::Helper)
    }

    /// How many constant arguments a call may have: (at least, at most).
    pub fn constant_count(self) -> (usize, usize) {
        let constants = self.spec().constants;
        let required = constants.iter().filter(|c| c.default.is_none()).count();
        (required, constants.len())
    }

    /// The call as the user writes it, with the value named `value`: `` `powi(z, n)` ``,
    /// `` `step(z)` or `step(z, threshold)` ``.
    pub fn usage(self, value: &str) -> String {
        let spec = self.spec();
        let full = |n: usize| {
            let names: Vec<&str> = spec.constants[..n].iter().map(|c| c.name).collect();
            let mut args = vec![value];
            args.extend(names);
            format!("`{}({})`", spec.name, args.join(", "))
        };
        let (min, max) = self.constant_count();
        if min == max {
            full(max)
        } else {
            format!("{} or {}", full(min), full(max))
        }
    }

    /// The value a body passes: `v` for functions of a whole vector, else `z`.
    pub fn operand(self) -> &'static str {
        match self.spec().kind {
            Kind::Reduction | Kind::VectorMap => "v",
            Kind::Elementwise | Kind::Helper => "z",
        }
    }

    /// How the attribute binds it to a placeholder, with example constants:
    /// `leaky_relu(0.01)`, `sigmoid`.
    pub fn binding(self) -> String {
        let spec = self.spec();
        let required: Vec<&str> = spec
            .constants
            .iter()
            .filter(|c| c.default.is_none())
            .map(|c| c.example)
            .collect();
        if required.is_empty() {
            spec.name.to_string()
        } else {
            format!("{}({})", spec.name, required.join(", "))
        }
    }

    /// What the constants are, for messages: `one slope α, like `leaky_relu(z, 0.01)``.
    pub fn constants_hint(self, placeholder: Option<&str>) -> String {
        let spec = self.spec();
        let (min, max) = self.constant_count();
        let example = |n: usize| {
            let values: Vec<&str> = spec.constants[..n].iter().map(|c| c.example).collect();
            match placeholder {
                Some(p) if n == 0 => format!("`{p} = {}`", spec.name),
                Some(p) => format!("`{p} = {}({})`", spec.name, values.join(", ")),
                None => {
                    let mut args = vec!["z"];
                    args.extend(values);
                    format!("`{}({})`", spec.name, args.join(", "))
                }
            }
        };
        match (min, max) {
            (0, 0) => "no constant argument".to_string(),
            (0, n) => format!(
                "no constant or one {}: {} or {}",
                spec.constants[0].what,
                example(0),
                example(n)
            ),
            (_, n) => format!(
                "one {} {}: {}",
                spec.constants[0].what,
                spec.constants[0].name,
                example(n)
            ),
        }
    }
}

/// A function as a call of the graph: a table entry with its constants, or one of the user's.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Func {
    /// A function of the table with the values of its constant arguments.
    Builtin(Builtin, Constants),
    /// The user's activation `custom(f, df)`, by its index among the network's customs.
    Custom(usize),
    /// The derivative `df(z, f(z))` of the user's activation.
    CustomDerivative(usize),
}

impl Func {
    /// A table function without constants.
    pub fn of(builtin: Builtin) -> Func {
        Func::Builtin(builtin, [0.0; 2])
    }

    /// What it does with a vector.
    pub fn kind(self) -> Kind {
        match self {
            Func::Builtin(b, _) => b.spec().kind,
            Func::Custom(_) => Kind::Elementwise,
            Func::CustomDerivative(_) => Kind::Helper,
        }
    }

    /// Whether it takes a whole vector (`sum`, `softmax`) rather than one number at a time.
    pub fn is_whole_vector(self) -> bool {
        matches!(self.kind(), Kind::Reduction | Kind::VectorMap)
    }

    /// Whether generated code names its argument `z` and its value `a`.
    pub fn is_activation(self) -> bool {
        match self {
            Func::Builtin(b, _) => b.spec().activation,
            Func::Custom(_) => true,
            Func::CustomDerivative(_) => false,
        }
    }

    /// The constants that a call writes out: all of them, except trailing ones at their
    /// default (`step(z)` rather than `step(z, 0)`) when `all` is false.
    pub fn written_constants(self, all: bool) -> Vec<f64> {
        let Func::Builtin(b, values) = self else {
            return Vec::new();
        };
        let specs = b.spec().constants;
        let mut n = specs.len();
        while !all && n > 0 && specs[n - 1].default == Some(values[n - 1]) {
            n -= 1;
        }
        values[..n].to_vec()
    }

    /// A total, deterministic key, for sharing identical calls.
    pub fn key(self) -> (u8, u64, u64, u64) {
        match self {
            Func::Builtin(b, c) => (0, b as u64, c[0].to_bits(), c[1].to_bits()),
            Func::Custom(i) => (1, i as u64, 0, 0),
            Func::CustomDerivative(i) => (2, i as u64, 0, 0),
        }
    }
}

/// The language's functions as a list for messages: `` `step`, `sigmoid`, … ``.
pub fn language_list() -> String {
    Builtin::language()
        .flat_map(|b| std::iter::once(b.spec().name).chain(b.spec().aliases.iter().copied()))
        .map(|name| format!("`{name}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The functions a placeholder can be bound to, as the attribute writes them:
/// `` `sigmoid`, `leaky_relu(0.01)`, … or `custom(f, df)` ``.
pub fn binding_list() -> String {
    let names: Vec<String> = Builtin::language()
        .map(|b| format!("`{}`", b.binding()))
        .collect();
    format!("{} or `custom(f, df)`", names.join(", "))
}

/// The function names closest to `name` (a typo), best first: at most two, each within an
/// edit distance that a typo makes.
pub fn closest(name: &str) -> Vec<&'static str> {
    let mut scored: Vec<(f64, &'static str)> = Builtin::language()
        .flat_map(|b| std::iter::once(b.spec().name).chain(b.spec().aliases.iter().copied()))
        .map(|candidate| (strsim::jaro_winkler(name, candidate), candidate))
        .filter(|(score, _)| *score >= 0.85)
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(b.1)));
    scored.into_iter().take(2).map(|(_, c)| c).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_in_enum_order() {
        for (k, b) in Builtin::ALL.iter().enumerate() {
            assert_eq!(*b as usize, k);
            assert_eq!(
                Builtin::from_name(b.spec().name).is_some(),
                b.spec().kind != Kind::Helper
            );
        }
    }

    /// NaN in, NaN out: no function of the table (a helper of generated backward code
    /// included) turns a NaN into a number.
    #[test]
    fn every_function_keeps_a_nan() {
        for b in Builtin::ALL {
            let c = [0.01, 0.0];
            let constants = if b.spec().constants.is_empty() {
                [0.0; 2]
            } else {
                c
            };
            let constants = if *b == Builtin::Powi {
                [2.0, 0.0]
            } else {
                constants
            };
            match b.spec().value {
                Value::Each(f) => assert!(f(f64::NAN, &constants).is_nan(), "{b:?}"),
                Value::Reduce(f) => assert!(f(&[f64::NAN, 1.0]).is_nan(), "{b:?}"),
                Value::Map(f) => assert!(f(&[1.0, f64::NAN]).iter().all(|v| v.is_nan()), "{b:?}"),
            }
        }
    }

    #[test]
    fn messages_are_read_from_the_table() {
        assert_eq!(
            Builtin::Step.usage("z"),
            "`step(z)` or `step(z, threshold)`"
        );
        assert_eq!(Builtin::LeakyRelu.usage("z"), "`leaky_relu(z, α)`");
        assert_eq!(Builtin::LeakyRelu.binding(), "leaky_relu(0.01)");
        assert_eq!(
            Builtin::LeakyRelu.constants_hint(Some("f1")),
            "one slope α: `f1 = leaky_relu(0.01)`"
        );
        assert_eq!(
            Builtin::Step.constants_hint(None),
            "no constant or one threshold: `step(z)` or `step(z, 0.5)`"
        );
        assert_eq!(closest("sigmod"), vec!["sigmoid"]);
    }
}

//! A small typed view of the network language, every node keeping the span of the user's
//! tokens so that later stages can still point at them.

use proc_macro2::Span;
use syn::Ident;

/// The whole annotated function.
pub struct Network {
    /// The original function, kept to re-emit its signature and attributes.
    pub item: syn::ItemFn,
    /// The float type of every argument and of the output.
    pub scalar: Scalar,
    /// Arguments in signature order, each an input or a parameter.
    pub args: Vec<Arg>,
    /// `let` bindings, in order.
    pub lets: Vec<Binding>,
    /// The output: `y = <expr>` or the tail expression.
    pub output: Output,
    /// The shape of the output, from the return type.
    pub out_shape: Shape,
    /// Custom activations used (index = `Func::Custom`).
    pub customs: Vec<Custom>,
    /// Path of the facade crate in generated code.
    pub krate: syn::Path,
}

/// The float type: concrete, or the function's one type parameter.
#[derive(Clone)]
pub enum Scalar {
    /// `f32` or `f64`.
    Concrete(Ident),
    /// `T` in `fn net<T: Float>(...)`.
    Generic(Ident),
}

impl Scalar {
    /// The type's name as written.
    pub fn ident(&self) -> &Ident {
        match self {
            Scalar::Concrete(i) | Scalar::Generic(i) => i,
        }
    }
}

/// Whether an argument is data or trainable.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Role {
    /// Data: given with every sample (`x`, a target `t`).
    Input,
    /// Trainable: a field of the generated `Params`.
    Param,
}

/// One argument of the function.
pub struct Arg {
    /// Its name.
    pub name: Ident,
    /// Input or parameter.
    pub role: Role,
    /// Scalar, vector or matrix, from its type.
    pub shape: Shape,
}

/// The shape of a value, known at compile time from the argument types.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Shape {
    /// `T`
    Scalar,
    /// `[T; n]`
    Vector(usize),
    /// `[[T; cols]; rows]`: `rows` vectors of `cols` elements, so that `W·x` needs
    /// `x: [T; cols]` and gives `[T; rows]`.
    Matrix(usize, usize),
}

impl Shape {
    /// The type as the user writes it, for messages: `[f32; 3]`.
    pub fn rust(self, scalar: &str) -> String {
        match self {
            Shape::Scalar => scalar.to_string(),
            Shape::Vector(n) => format!("[{scalar}; {n}]"),
            Shape::Matrix(m, n) => format!("[[{scalar}; {n}]; {m}]"),
        }
    }

    /// In words, for messages: `a vector of 3`, `a 4×3 matrix`.
    pub fn describe(self) -> String {
        match self {
            Shape::Scalar => "a scalar".to_string(),
            Shape::Vector(n) => format!("a vector of {n}"),
            Shape::Matrix(m, n) => format!("a {m}×{n} matrix"),
        }
    }

    /// The number of elements.
    pub fn elements(self) -> usize {
        match self {
            Shape::Scalar => 1,
            Shape::Vector(n) => n,
            Shape::Matrix(m, n) => m * n,
        }
    }

    /// Whether this is a vector.
    pub fn is_vector(self) -> bool {
        matches!(self, Shape::Vector(_))
    }
}

/// `let name = value;`
pub struct Binding {
    /// The bound name.
    pub name: Ident,
    /// Its definition.
    pub value: Expr,
}

/// The network's output.
pub struct Output {
    /// `y` in `y = ...`, when the body names it.
    pub name: Option<Ident>,
    /// The expression.
    pub value: Expr,
}

/// A user-defined activation from `custom(f, df)`.
#[derive(Clone)]
pub struct Custom {
    /// The placeholder name used in the body.
    pub name: Ident,
    /// `f(z) -> T`.
    pub function: syn::Path,
    /// `df(z, f(z)) -> T`, the derivative f'(z).
    pub derivative: syn::Path,
}

/// An expression of the network language.
pub enum Expr {
    /// A number.
    Const(f64, Span),
    /// An argument or an earlier `let`.
    Var(Ident),
    /// `a + b`, `a - b`, `a * b` (or `a·b`), `a / b`.
    Binary(BinOp, Box<Expr>, Box<Expr>, Span),
    /// `-a`.
    Neg(Box<Expr>, Span),
    /// `sigmoid(z)`, `f1(z)`, `leaky_relu(z, 0.1)`.
    Call(Call),
}

impl Expr {
    /// Where the expression stands in the user's source.
    pub fn span(&self) -> Span {
        match self {
            Expr::Const(_, s) | Expr::Binary(_, _, _, s) | Expr::Neg(_, s) => *s,
            Expr::Var(i) => i.span(),
            Expr::Call(c) => c.span,
        }
    }
}

/// The four arithmetic operators.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum BinOp {
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`: the product of scalars, elementwise for vectors.
    Mul,
    /// `·`: the product of scalars, a scaling (`a·v`), a dot product (`w·x`) or a
    /// matrix-vector product (`W·x`), by the shapes of its operands.
    Dot,
    /// `/`
    Div,
}

/// A call of a function of the language.
pub struct Call {
    /// What is called.
    pub func: Func,
    /// The one differentiable argument.
    pub arg: Box<Expr>,
    /// The name the user wrote when it was a placeholder (`f1`), for naming intermediates.
    pub placeholder: Option<Ident>,
    /// The callee's span.
    pub span: Span,
}

/// A function of the language with its constant arguments resolved.
#[derive(Clone, Copy, PartialEq, Debug)]
pub enum Func {
    /// step with threshold.
    Step(f64),
    /// σ.
    Sigmoid,
    /// tanh.
    Tanh,
    /// ReLU.
    Relu,
    /// LeakyReLU with slope α.
    LeakyRelu(f64),
    /// e^z.
    Exp,
    /// ln z.
    Ln,
    /// √z.
    Sqrt,
    /// |z|.
    Abs,
    /// z^n.
    Powi(i32),
    /// ln(1 + e^z).
    Softplus,
    /// A user-defined activation (index into `Network::customs`).
    Custom(usize),
    /// Σ of a vector's elements.
    Sum,
    /// The mean of a vector's elements.
    Mean,
    /// softmax of a vector.
    Softmax,
    /// log(softmax) of a vector.
    LogSoftmax,
}

impl Func {
    /// Whether the function maps a vector to a scalar or a vector as a whole, instead of
    /// applying to each element.
    pub fn is_vector_function(self) -> bool {
        matches!(
            self,
            Func::Sum | Func::Mean | Func::Softmax | Func::LogSoftmax
        )
    }
}

/// The built-in functions by name.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Builtin {
    /// `step(z)` or `step(z, threshold)`.
    Step,
    /// `sigmoid(z)`.
    Sigmoid,
    /// `tanh(z)`.
    Tanh,
    /// `relu(z)`.
    Relu,
    /// `leaky_relu(z, α)`.
    LeakyRelu,
    /// `exp(z)`.
    Exp,
    /// `ln(z)`.
    Ln,
    /// `sqrt(z)`.
    Sqrt,
    /// `sum(v)`.
    Sum,
    /// `mean(v)`.
    Mean,
    /// `softmax(v)`.
    Softmax,
    /// `log_softmax(v)`.
    LogSoftmax,
    /// `abs(z)`.
    Abs,
    /// `powi(z, n)`.
    Powi,
    /// `softplus(z)`.
    Softplus,
}

/// Every built-in, for error messages and name checks.
pub const BUILTINS: [Builtin; 15] = [
    Builtin::Step,
    Builtin::Sigmoid,
    Builtin::Tanh,
    Builtin::Relu,
    Builtin::LeakyRelu,
    Builtin::Exp,
    Builtin::Ln,
    Builtin::Sqrt,
    Builtin::Abs,
    Builtin::Powi,
    Builtin::Softplus,
    Builtin::Sum,
    Builtin::Mean,
    Builtin::Softmax,
    Builtin::LogSoftmax,
];

impl Builtin {
    /// The name used in the body.
    pub fn name(self) -> &'static str {
        match self {
            Builtin::Step => "step",
            Builtin::Sigmoid => "sigmoid",
            Builtin::Tanh => "tanh",
            Builtin::Relu => "relu",
            Builtin::LeakyRelu => "leaky_relu",
            Builtin::Exp => "exp",
            Builtin::Ln => "ln",
            Builtin::Sqrt => "sqrt",
            Builtin::Abs => "abs",
            Builtin::Powi => "powi",
            Builtin::Softplus => "softplus",
            Builtin::Sum => "sum",
            Builtin::Mean => "mean",
            Builtin::Softmax => "softmax",
            Builtin::LogSoftmax => "log_softmax",
        }
    }

    /// The built-in called `name`, if any.
    pub fn from_name(name: &str) -> Option<Builtin> {
        BUILTINS.into_iter().find(|b| b.name() == name)
    }

    /// How many constant arguments follow the differentiable one: (at least, at most).
    pub fn constant_args(self) -> (usize, usize) {
        match self {
            Builtin::Step => (0, 1),
            Builtin::LeakyRelu | Builtin::Powi => (1, 1),
            _ => (0, 0),
        }
    }

    /// The accepted forms, for error messages.
    pub fn constant_args_hint(self) -> &'static str {
        match self {
            Builtin::Step => "no constant or one threshold: `step(z)` or `step(z, 0.5)`",
            Builtin::LeakyRelu => "one slope α: `leaky_relu(z, 0.01)`",
            Builtin::Powi => "one integer exponent: `powi(z, 2)`",
            _ => "no constant argument",
        }
    }

    /// The call's form, for error messages.
    pub fn usage(self) -> &'static str {
        match self {
            Builtin::Step => "`step(z)` or `step(z, threshold)`",
            Builtin::LeakyRelu => "`leaky_relu(z, α)`",
            Builtin::Powi => "`powi(z, n)`",
            Builtin::Sigmoid => "`sigmoid(z)`",
            Builtin::Tanh => "`tanh(z)`",
            Builtin::Relu => "`relu(z)`",
            Builtin::Exp => "`exp(z)`",
            Builtin::Ln => "`ln(z)`",
            Builtin::Sqrt => "`sqrt(z)`",
            Builtin::Abs => "`abs(z)`",
            Builtin::Softplus => "`softplus(z)`",
            Builtin::Sum => "`sum(v)`",
            Builtin::Mean => "`mean(v)`",
            Builtin::Softmax => "`softmax(v)`",
            Builtin::LogSoftmax => "`log_softmax(v)`",
        }
    }
}

/// The list of built-in names for "expected one of" messages.
pub fn builtin_list() -> String {
    BUILTINS
        .iter()
        .map(|b| format!("`{}`", b.name()))
        .collect::<Vec<_>>()
        .join(", ")
}

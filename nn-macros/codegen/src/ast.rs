//! A small typed view of the network language, every node keeping the span of the user's
//! tokens so that later stages can still point at them.
//!
//! What could not be read is kept as a hole (`None`, [`Expr::Invalid`]) after its error was
//! reported, so that the rest is still checked and nothing is reported twice.

use std::fmt;

use proc_macro2::Span;
use syn::Ident;

use crate::func::Func;
use crate::layer::Layer;

/// The whole annotated function.
pub struct Network {
    /// The original function, kept to re-emit its signature and attributes.
    pub item: syn::ItemFn,
    /// The float type of every argument and of the output, when the signature names one.
    pub scalar: Option<Scalar>,
    /// Arguments in signature order, each an input or a parameter.
    pub args: Vec<Arg>,
    /// `let` bindings, in order.
    pub lets: Vec<Binding>,
    /// The output: `y = <expr>` or the tail expression.
    pub output: Option<Output>,
    /// The shape of the output, from the return type.
    pub out_shape: Option<Shape>,
    /// Custom activations (index = `Func::Custom`).
    pub customs: Vec<Custom>,
    /// Path of the facade crate in generated code.
    pub krate: syn::Path,
    /// The value named by `predict = a`, for a network whose output is its loss.
    pub predict: Option<Ident>,
}

impl Network {
    /// The network without its body, once the body is in the graph. The body's expressions
    /// nest as deep as the user wrote them, so they are dropped here, where the stages made
    /// room on the stack for them, rather than wherever the result goes.
    pub fn into_header(mut self) -> Network {
        self.item.block.stmts.clear();
        self.lets.clear();
        self.output = None;
        self
    }
}

/// The float type: concrete, or the function's one type parameter.
#[derive(Clone, Debug)]
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
    /// Scalar, vector or matrix, from its type; `None` when the type could not be read.
    pub shape: Option<Shape>,
}

/// The shape of a value, known at compile time from the argument types.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Shape {
    /// `T`
    Scalar,
    /// `[T; n]`
    Vector(usize),
    /// `[[T; cols]; rows]`: `rows` vectors of `cols` elements, so that `W·x` needs
    /// `x: [T; cols]` and gives `[T; rows]`. As the data of a 1-D convolution, `rows`
    /// channels of length `cols`.
    Matrix(usize, usize),
    /// `[[[T; c]; b]; a]`: an image of `a` channels of `b` rows and `c` columns (the data of a
    /// 2-D convolution), or a 1-D kernel bank of `a` output channels, `b` input channels and
    /// `c` taps.
    Array3(usize, usize, usize),
    /// `[[[[T; d]; c]; b]; a]`: a 2-D kernel bank of `a` output channels, `b` input channels
    /// and `c` × `d` taps.
    Array4(usize, usize, usize, usize),
}

impl Shape {
    /// The type as the user writes it, for messages: `[f32; 3]`.
    pub fn rust(self, scalar: &str) -> String {
        match self {
            Shape::Scalar => scalar.to_string(),
            Shape::Vector(n) => format!("[{scalar}; {n}]"),
            Shape::Matrix(m, n) => format!("[[{scalar}; {n}]; {m}]"),
            Shape::Array3(a, b, c) => format!("[[[{scalar}; {c}]; {b}]; {a}]"),
            Shape::Array4(a, b, c, d) => format!("[[[[{scalar}; {d}]; {c}]; {b}]; {a}]"),
        }
    }

    /// In words, for messages: `a vector of 3`, `a 4×3 matrix`.
    pub fn describe(self) -> String {
        match self {
            Shape::Scalar => "a scalar".to_string(),
            Shape::Vector(n) => format!("a vector of {n}"),
            Shape::Matrix(m, n) => format!("{} {m}×{n} matrix", article(m)),
            Shape::Array3(a, b, c) => format!("{} {a}×{b}×{c} array", article(a)),
            Shape::Array4(a, b, c, d) => format!("{} {a}×{b}×{c}×{d} array", article(a)),
        }
    }

    /// The lengths of its dimensions, outermost first (none for a scalar).
    pub fn dims(self) -> Vec<usize> {
        match self {
            Shape::Scalar => vec![],
            Shape::Vector(n) => vec![n],
            Shape::Matrix(m, n) => vec![m, n],
            Shape::Array3(a, b, c) => vec![a, b, c],
            Shape::Array4(a, b, c, d) => vec![a, b, c, d],
        }
    }

    /// The shape of these dimensions, outermost first; `None` beyond four.
    pub fn of_dims(dims: &[usize]) -> Option<Shape> {
        Some(match *dims {
            [] => Shape::Scalar,
            [n] => Shape::Vector(n),
            [m, n] => Shape::Matrix(m, n),
            [a, b, c] => Shape::Array3(a, b, c),
            [a, b, c, d] => Shape::Array4(a, b, c, d),
            _ => return None,
        })
    }

    /// The number of dimensions: 0 for a scalar, 1 for a vector, ….
    pub fn rank(self) -> usize {
        self.dims().len()
    }

    /// The number of channels of channel data (a matrix's rows, an image's first dimension).
    pub fn channels(self) -> Option<usize> {
        match self {
            Shape::Matrix(c, _) | Shape::Array3(c, _, _) => Some(c),
            _ => None,
        }
    }

    /// The number of elements.
    pub fn elements(self) -> usize {
        match self {
            Shape::Scalar => 1,
            Shape::Vector(n) => n,
            Shape::Matrix(m, n) => m * n,
            Shape::Array3(a, b, c) => a * b * c,
            Shape::Array4(a, b, c, d) => a * b * c * d,
        }
    }

    /// The length of a vector (`None` for other shapes).
    pub fn vector_len(self) -> Option<usize> {
        match self {
            Shape::Vector(n) => Some(n),
            _ => None,
        }
    }
}

/// "a", or "an" before a number said with a vowel first: an 8, an 11, an 18, an 80.
fn article(n: usize) -> &'static str {
    let mut lead = n;
    while lead >= 1000 {
        lead /= 1000;
    }
    let eight = n.to_string().starts_with('8');
    if eight || lead == 11 || lead == 18 {
        "an"
    } else {
        "a"
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
    /// `a + b`, `a - b`, `a * b`, `a·b`, `a / b`.
    Binary(BinOp, Box<Expr>, Box<Expr>, Span),
    /// `-a`.
    Neg(Box<Expr>, Span),
    /// `sigmoid(z)`, `f1(z)`, `leaky_relu(z, 0.1)`.
    Call(Call),
    /// `conv1d(K, x, stride = 2)`, `max_pool(h, 2)`, `flatten(h)`.
    Layer(LayerCall),
    /// A construct already reported as a mistake. Its readable parts are kept, so that their
    /// own mistakes are reported too; nothing more is said about the whole.
    Invalid(Vec<Expr>),
}

impl Expr {
    /// Where the expression stands in the user's source.
    pub fn span(&self) -> Span {
        match self {
            Expr::Const(_, s) | Expr::Binary(_, _, _, s) | Expr::Neg(_, s) => *s,
            Expr::Var(i) => i.span(),
            Expr::Call(c) => c.span,
            Expr::Layer(l) => l.span,
            Expr::Invalid(parts) => parts.first().map_or_else(Span::call_site, Expr::span),
        }
    }

    /// Calls `f` on every name the expression reads.
    pub fn visit_names(&self, f: &mut impl FnMut(&Ident)) {
        match self {
            Expr::Const(..) => {}
            Expr::Var(name) => f(name),
            Expr::Binary(_, a, b, _) => {
                a.visit_names(f);
                b.visit_names(f);
            }
            Expr::Neg(a, _) => a.visit_names(f),
            Expr::Call(call) => call.arg.visit_names(f),
            Expr::Layer(layer) => layer.args.iter().for_each(|a| a.visit_names(f)),
            Expr::Invalid(parts) => parts.iter().for_each(|p| p.visit_names(f)),
        }
    }

    /// Operator precedence: sums 1, products 2, negation 3, atoms 4.
    fn precedence(&self) -> u8 {
        match self {
            Expr::Binary(BinOp::Add | BinOp::Sub, ..) => 1,
            Expr::Binary(..) => 2,
            Expr::Neg(..) => 3,
            Expr::Const(v, _) if *v < 0.0 => 3,
            _ => 4,
        }
    }
}

/// The expression as the user wrote it (up to parentheses), for messages.
impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expr::Const(v, _) => write!(f, "{}", number(*v)),
            Expr::Var(name) => write!(f, "{name}"),
            Expr::Binary(op, a, b, _) => {
                let p = self.precedence();
                let side = |e: &Expr, min: u8| {
                    if e.precedence() < min {
                        format!("({e})")
                    } else {
                        e.to_string()
                    }
                };
                write!(f, "{}{}{}", side(a, p), op.symbol(), side(b, p + 1))
            }
            Expr::Neg(a, _) if a.precedence() < 3 => write!(f, "-({a})"),
            Expr::Neg(a, _) => write!(f, "-{a}"),
            Expr::Call(call) => write!(f, "{}({})", call.name, call.arg),
            Expr::Layer(layer) => {
                let mut args: Vec<String> = layer.args.iter().map(ToString::to_string).collect();
                if let crate::layer::Layer::Pool { window, .. } = layer.layer {
                    args.push(window.to_string());
                }
                args.extend(layer.constants.iter().map(|(k, v)| format!("{k} = {v}")));
                write!(f, "{}({})", layer.name, args.join(", "))
            }
            Expr::Invalid(_) => write!(f, "…"),
        }
    }
}

/// A number without a needless `.0`: `1`, `0.5`, `-2`.
pub fn number(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

/// The five arithmetic operators.
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

impl BinOp {
    /// How the user writes it, spaced as in messages.
    pub fn symbol(self) -> &'static str {
        match self {
            BinOp::Add => " + ",
            BinOp::Sub => " - ",
            BinOp::Mul => " * ",
            BinOp::Dot => "·",
            BinOp::Div => " / ",
        }
    }
}

/// A call of a function of the language.
pub struct Call {
    /// What is called.
    pub func: Func,
    /// The name the user wrote: the function's, or a placeholder's (`f1`).
    pub name: Ident,
    /// The one differentiable argument.
    pub arg: Box<Expr>,
    /// Whether the name is a placeholder bound in the attribute, which names values
    /// (`f1 = f1(a1)`).
    pub placeholder: bool,
    /// The callee's span.
    pub span: Span,
}

/// A call of a layer of a convolutional network.
pub struct LayerCall {
    /// Which layer, with its constants.
    pub layer: Layer,
    /// The name the user wrote.
    pub name: Ident,
    /// Its values: the kernel bank and the input of a convolution, the input of the others.
    pub args: Vec<Expr>,
    /// The callee's span.
    pub span: Span,
    /// The constants given by name, as written (`("stride", "2")`), for messages.
    pub constants: Vec<(String, String)>,
}

//! Expressions of the backward pass, built simplified: no `· 1`, no `+ 0`, constants
//! multiplied, products kept left-associative so that they print as the lecture writes them
//! (`dl_dy * y * (1.0 - y)`).

use crate::func::Func;
use crate::graph::NodeId;

/// An expression of the backward pass, elementwise where its leaves are vectors.
#[derive(Clone, Debug, PartialEq)]
pub enum BExpr {
    /// ∂L/∂output, the backward's argument.
    Seed,
    /// The adjoint variable of a node: `dl_da3`.
    Adj(NodeId),
    /// A forward value: an argument, or an intermediate kept on the tape.
    Val(NodeId),
    /// A number.
    Const(f64),
    /// a + b
    Add(Box<BExpr>, Box<BExpr>),
    /// a − b
    Sub(Box<BExpr>, Box<BExpr>),
    /// a · b
    Mul(Box<BExpr>, Box<BExpr>),
    /// a / b
    Div(Box<BExpr>, Box<BExpr>),
    /// −a
    Neg(Box<BExpr>),
    /// A function of the table, a derivative helper or the user's derivative, of these values
    /// (the constants are in the `Func`).
    Call(Func, Vec<BExpr>),
    /// Σᵢ of an elementwise expression over vectors of `n` elements: what flows from a
    /// vector into a scalar that was broadcast over it.
    Sum(Box<BExpr>, usize),
}

impl BExpr {
    /// Boxes it.
    pub fn boxed(self) -> Box<BExpr> {
        Box::new(self)
    }

    /// Calls `f` on every subexpression, this one first.
    pub fn visit(&self, f: &mut impl FnMut(&BExpr)) {
        f(self);
        match self {
            BExpr::Add(a, b) | BExpr::Sub(a, b) | BExpr::Mul(a, b) | BExpr::Div(a, b) => {
                a.visit(f);
                b.visit(f);
            }
            BExpr::Neg(a) | BExpr::Sum(a, _) => a.visit(f),
            BExpr::Call(_, args) => args.iter().for_each(|a| a.visit(f)),
            BExpr::Seed | BExpr::Adj(_) | BExpr::Val(_) | BExpr::Const(_) => {}
        }
    }

    /// Whether it is one variable: the seed, an adjoint or a forward value.
    pub fn is_variable(&self) -> bool {
        matches!(self, BExpr::Seed | BExpr::Adj(_) | BExpr::Val(_))
    }
}

/// `a · b`, simplified.
pub fn mul(a: BExpr, b: BExpr) -> BExpr {
    match (a, b) {
        (a, BExpr::Const(1.0)) => a,
        (BExpr::Const(1.0), b) => b,
        (BExpr::Const(x), BExpr::Const(y)) => BExpr::Const(x * y),
        (a, BExpr::Const(-1.0)) => neg(a),
        (BExpr::Const(-1.0), b) => neg(b),
        (a, BExpr::Neg(b)) => neg(mul(a, *b)),
        (BExpr::Neg(a), b) => neg(mul(*a, b)),
        (a, BExpr::Mul(x, y)) => BExpr::Mul(mul(a, *x).boxed(), y),
        (a, BExpr::Div(x, y)) => div(mul(a, *x), *y),
        (a, b) => BExpr::Mul(a.boxed(), b.boxed()),
    }
}

/// `a / b`, without `/ 1`.
pub fn div(a: BExpr, b: BExpr) -> BExpr {
    match (a, b) {
        (a, BExpr::Const(1.0)) => a,
        (a, b) => BExpr::Div(a.boxed(), b.boxed()),
    }
}

/// `−a`, without double negation.
pub fn neg(a: BExpr) -> BExpr {
    match a {
        BExpr::Neg(x) => *x,
        BExpr::Const(c) => BExpr::Const(-c),
        a => BExpr::Neg(a.boxed()),
    }
}

/// `a + b`: `a + (−b)` is `a − b`, and `x + x` is `x · 2`, computed once.
pub fn add(a: BExpr, b: BExpr) -> BExpr {
    match (a, b) {
        (a, BExpr::Const(0.0)) => a,
        (BExpr::Const(0.0), b) => b,
        (a, b) if a == b => mul(a, BExpr::Const(2.0)),
        (a, BExpr::Neg(b)) => BExpr::Sub(a.boxed(), b),
        (a, b) => BExpr::Add(a.boxed(), b.boxed()),
    }
}

/// `a − b`, as written.
pub fn sub(a: BExpr, b: BExpr) -> BExpr {
    BExpr::Sub(a.boxed(), b.boxed())
}

/// A whole-vector operation of the backward pass, computed by a runtime function with its
/// own loop rather than element by element.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WholeKind {
    /// `Wᵀ·dy`: what `x` receives from `W·x` (the value read is `W`).
    TransposeMul,
    /// `dy ⊗ x`, added to a matrix: what `W` receives from `W·x` (the value read is `x`).
    Outer,
    /// `y ⊙ (dy − (dy·y))`: what `z` receives from `y = softmax(z)` (the value read is `y`).
    SoftmaxBackward,
    /// `dy − exp(y)·Σdy`: what `z` receives from `y = log_softmax(z)` (the value read is `y`).
    LogSoftmaxBackward,
    /// What the kernel bank `K` receives from the convolution `z = conv(K, x)` (the node
    /// named): the input correlated with `dy`, `Σ_t dy[o][t]·x[c][t·S + k − P]`, *added* to
    /// the bank's gradient (the value read is `x`).
    ConvKernel(NodeId),
    /// What the input `x` receives from the convolution `z = conv(K, x)` (the node named): the
    /// full convolution of `dy` with the flipped kernels (the value read is `K`).
    ConvInput(NodeId),
    /// What `x` receives from `max_pool(x)` (the node named): each window's `dy` to its
    /// largest element, the first of equal ones (the value read is `x`).
    MaxPool(NodeId),
    /// What `x` receives from `avg_pool(x)` (the node named): each window's `dy` spread
    /// evenly over it (no value read).
    AvgPool(NodeId),
    /// What `x` receives from `flatten(x)` (the node named): `dy` cut back into channels (no
    /// value read).
    Unflatten(NodeId),
    /// What the bias `b` receives from `z + b` with one bias per channel (the node named):
    /// `dy` summed over each channel (no value read).
    ChannelSum(NodeId),
}

impl WholeKind {
    /// Whether the operation reads its forward value (which the tape must then keep).
    pub fn reads_value(self) -> bool {
        !matches!(
            self,
            WholeKind::AvgPool(_) | WholeKind::Unflatten(_) | WholeKind::ChannelSum(_)
        )
    }
}

/// A share of a vector adjoint that is a whole-vector operation.
#[derive(Clone, Debug, PartialEq)]
pub struct Whole {
    /// Which operation.
    pub kind: WholeKind,
    /// The forward value it reads: `W`, `x` or `y`.
    pub value: NodeId,
    /// The adjoint it reads.
    pub dy: BExpr,
}

/// A local derivative ∂consumer/∂operand, as the chain-rule comment names it.
#[derive(Clone, Debug, PartialEq)]
pub enum Factor {
    /// A number, or numbers element by element.
    Each(BExpr),
    /// A matrix or a Jacobian, applied by a whole-vector operation to the forward value
    /// `NodeId`: `xᵀ`, `W2ᵀ`, `diag(y) − y·yᵀ`.
    Jacobian(WholeKind, NodeId),
}

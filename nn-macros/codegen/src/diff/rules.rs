//! The derivative rules: for every operation and every function of the language, the local
//! derivative ∂node/∂operand in terms of forward values, one arm each. The chain rule that
//! combines them is in the parent module.

use super::bexpr::{div, mul, neg, sub, BExpr, WholeKind};
use crate::func::{Builtin, Func};
use crate::graph::{Graph, NodeId, Op};

/// A local derivative.
pub enum Local {
    /// A number, or numbers element by element: the adjoint times it flows to the operand.
    Each(BExpr),
    /// A whole-vector operation that takes the adjoint to the operand, reading this value.
    Whole(WholeKind, NodeId),
}

/// The value of node `id` as the backward reads it: constants inline.
pub fn val(graph: &Graph, id: NodeId) -> BExpr {
    match graph[id].op {
        Op::Const(c) => BExpr::Const(c),
        _ => BExpr::Val(id),
    }
}

/// ∂node/∂(its operand `slot`).
pub fn local(graph: &Graph, id: NodeId, slot: usize) -> Local {
    let one = || BExpr::Const(1.0);
    let each = Local::Each;
    match graph[id].op {
        Op::Add(..) => each(one()),
        Op::Sub(..) if slot == 0 => each(one()),
        Op::Sub(..) | Op::Neg(_) => each(BExpr::Const(-1.0)),
        Op::Mul(a, b) | Op::Dot(a, b) => each(val(graph, if slot == 0 { b } else { a })),
        Op::Div(_, b) if slot == 0 => each(div(one(), val(graph, b))),
        Op::Div(_, b) => each(neg(div(val(graph, id), val(graph, b)))),
        Op::MatVec(_, x) if slot == 0 => Local::Whole(WholeKind::Outer, x),
        Op::MatVec(w, _) => Local::Whole(WholeKind::TransposeMul, w),
        Op::Conv(_, _, x) if slot == 0 => Local::Whole(WholeKind::ConvKernel(id), x),
        Op::Conv(_, k, _) => Local::Whole(WholeKind::ConvInput(id), k),
        Op::ChannelBias(..) if slot == 0 => each(one()),
        Op::ChannelBias(..) => Local::Whole(WholeKind::ChannelSum(id), id),
        Op::Pool(p, x) if p.max => Local::Whole(WholeKind::MaxPool(id), x),
        Op::Pool(_, x) => Local::Whole(WholeKind::AvgPool(id), x),
        Op::Flatten(x) => Local::Whole(WholeKind::Unflatten(id), x),
        Op::Call(f, z) => {
            let n = graph.shape(z).elements();
            derivative(f, val(graph, z), val(graph, id), n, id)
        }
        Op::Input(_) | Op::Param(_) | Op::Const(_) => each(BExpr::Const(0.0)),
    }
}

/// f′(z) for a call `out = f(z)` of `n` elements, node `id`.
fn derivative(f: Func, z: BExpr, out: BExpr, n: usize, id: NodeId) -> Local {
    let one = || BExpr::Const(1.0);
    let call = |helper: Builtin, constants: [f64; 2]| {
        BExpr::Call(Func::Builtin(helper, constants), vec![z.clone()])
    };
    let (builtin, c) = match f {
        Func::Builtin(b, c) => (b, c),
        Func::Custom(i) => {
            return Local::Each(BExpr::Call(Func::CustomDerivative(i), vec![z, out]))
        }
        // Derivative helpers appear only in backward code, which is not differentiated again.
        Func::CustomDerivative(_) => return Local::Each(BExpr::Const(0.0)),
    };
    Local::Each(match builtin {
        Builtin::Step => call(Builtin::StepDerivative, [0.0; 2]),
        Builtin::Sigmoid => BExpr::Mul(out.clone().boxed(), sub(one(), out).boxed()),
        Builtin::Tanh => sub(one(), BExpr::Mul(out.clone().boxed(), out.boxed())),
        Builtin::Relu => call(Builtin::ReluDerivative, [0.0; 2]),
        Builtin::LeakyRelu => call(Builtin::LeakyReluDerivative, c),
        Builtin::Softplus => call(Builtin::Sigmoid, [0.0; 2]),
        Builtin::Gelu => call(Builtin::GeluDerivative, [0.0; 2]),
        Builtin::Silu => call(Builtin::SiluDerivative, [0.0; 2]),
        Builtin::Exp => out,
        Builtin::Ln => div(one(), z),
        Builtin::Sqrt => div(BExpr::Const(0.5), out),
        Builtin::Abs => call(Builtin::Sign, [0.0; 2]),
        Builtin::Powi => match c[0] as i32 {
            1 => one(),
            2 => BExpr::Mul(BExpr::Const(2.0).boxed(), z.boxed()),
            k => BExpr::Mul(
                BExpr::Const(f64::from(k)).boxed(),
                call(Builtin::Powi, [f64::from(k - 1), 0.0]).boxed(),
            ),
        },
        Builtin::Sum => one(),
        Builtin::Mean => div(one(), BExpr::Const(n as f64)),
        Builtin::Softmax => return Local::Whole(WholeKind::SoftmaxBackward, id),
        Builtin::LogSoftmax => return Local::Whole(WholeKind::LogSoftmaxBackward, id),
        Builtin::ReluDerivative
        | Builtin::LeakyReluDerivative
        | Builtin::StepDerivative
        | Builtin::GeluDerivative
        | Builtin::SiluDerivative
        | Builtin::Sign => BExpr::Const(0.0),
    })
}

/// The term that flows along a local factor from an adjoint `from`: `from · factor`.
pub fn times(from: &BExpr, factor: &BExpr) -> BExpr {
    mul(from.clone(), factor.clone())
}

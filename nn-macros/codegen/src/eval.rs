//! A reference evaluator of the graph and of its backward pass, in `f64`.
//!
//! It lets the differentiator be tested against finite differences without compiling any
//! generated code, folds constants at expansion time, and gives the explain tool the values
//! and gradients to draw on a computational graph.

use crate::ast::Func;
use crate::diff::{BExpr, Backward, Deriv, Target};
use crate::ir::{Graph, Op};

/// The value of a built-in function (custom functions have none here: NaN).
pub fn apply_func(f: Func, z: f64) -> f64 {
    match f {
        Func::Step(t) => {
            if z > t {
                1.0
            } else {
                0.0
            }
        }
        Func::Sigmoid => {
            if z >= 0.0 {
                1.0 / (1.0 + (-z).exp())
            } else {
                let e = z.exp();
                e / (1.0 + e)
            }
        }
        Func::Tanh => z.tanh(),
        Func::Relu => z.max(0.0),
        Func::LeakyRelu(a) => {
            if z > 0.0 {
                z
            } else {
                a * z
            }
        }
        Func::Exp => z.exp(),
        Func::Ln => z.ln(),
        Func::Sqrt => z.sqrt(),
        Func::Abs => z.abs(),
        Func::Powi(n) => z.powi(n),
        Func::Softplus => z.max(0.0) + (-z.abs()).exp().ln_1p(),
        Func::Custom(_) => f64::NAN,
        // Functions of whole vectors have no value at one number.
        Func::Sum | Func::Mean | Func::Softmax | Func::LogSoftmax => f64::NAN,
    }
}

/// The value of `op` given its operands' values in order.
pub fn apply(op: &Op, operands: &[f64]) -> f64 {
    match op {
        Op::Const(c) => *c,
        Op::Input(_) | Op::Param(_) => f64::NAN,
        Op::Add(..) => operands[0] + operands[1],
        Op::Sub(..) => operands[0] - operands[1],
        Op::Mul(..) => operands[0] * operands[1],
        Op::Div(..) => operands[0] / operands[1],
        Op::Neg(_) => -operands[0],
        Op::Call(f, _) => apply_func(*f, operands[0]),
        // Products of vectors: the reference evaluator is scalar.
        Op::Dot(..) | Op::MatVec(..) => f64::NAN,
    }
}

/// User-defined activations for the evaluator: `f(i, z)` and `df(i, z, f(z))` of custom
/// activation `i`.
pub struct Customs<'a> {
    /// The function.
    pub f: &'a dyn Fn(usize, f64) -> f64,
    /// Its derivative from z and f(z).
    pub df: &'a dyn Fn(usize, f64, f64) -> f64,
}

impl Customs<'_> {
    /// No custom activations (they evaluate to NaN).
    pub const NONE: Customs<'static> = Customs {
        f: &|_, _| f64::NAN,
        df: &|_, _, _| f64::NAN,
    };
}

/// Every node's value.
pub fn forward(graph: &Graph, inputs: &[f64], params: &[f64], customs: &Customs) -> Vec<f64> {
    let mut values: Vec<f64> = Vec::with_capacity(graph.nodes.len());
    for node in &graph.nodes {
        let operands: Vec<f64> = node.op.children().iter().map(|&c| values[c]).collect();
        let v = match node.op {
            Op::Input(i) => inputs.get(i).copied().unwrap_or(f64::NAN),
            Op::Param(i) => params.get(i).copied().unwrap_or(f64::NAN),
            Op::Call(Func::Custom(k), _) => (customs.f)(k, operands[0]),
            ref op => apply(op, &operands),
        };
        values.push(v);
    }
    values
}

/// Result of a backward evaluation.
#[derive(Clone, Debug, PartialEq)]
pub struct Gradients {
    /// ∂L/∂node for every node (0 where a node has no adjoint, such as constants).
    pub adjoints: Vec<f64>,
    /// ∂L/∂param, in signature order.
    pub params: Vec<f64>,
    /// ∂L/∂input, in signature order.
    pub inputs: Vec<f64>,
}

/// Runs the backward program on forward `values` with ∂L/∂output = `seed`.
pub fn backward(
    graph: &Graph,
    program: &Backward,
    values: &[f64],
    seed: f64,
    customs: &Customs,
) -> Gradients {
    let mut vars = vec![f64::NAN; graph.nodes.len()];
    let mut params = vec![0.0; graph.params.len()];
    let mut inputs = vec![0.0; graph.inputs.len()];
    for step in &program.steps {
        let v = eval(&step.value, values, &vars, seed, customs);
        match step.target {
            Target::Node(id) => vars[id] = v,
            Target::Param(i) => params[i] += v,
            Target::Input(i) => inputs[i] += v,
        }
    }
    let adjoints = (0..graph.nodes.len())
        .map(|id| match &graph.nodes[id].op {
            Op::Param(i) => params[*i],
            Op::Input(i) => inputs[*i],
            _ => program.adjoint[id]
                .as_ref()
                .map_or(0.0, |e| eval(e, values, &vars, seed, customs)),
        })
        .collect();
    Gradients {
        adjoints,
        params,
        inputs,
    }
}

fn eval(e: &BExpr, values: &[f64], vars: &[f64], seed: f64, customs: &Customs) -> f64 {
    let ev = |x: &BExpr| eval(x, values, vars, seed, customs);
    match e {
        BExpr::Seed => seed,
        BExpr::Adj(id) => vars[*id],
        BExpr::Val(id) => values[*id],
        BExpr::Const(c) => *c,
        BExpr::Add(a, b) => ev(a) + ev(b),
        BExpr::Sub(a, b) => ev(a) - ev(b),
        BExpr::Mul(a, b) => ev(a) * ev(b),
        BExpr::Div(a, b) => ev(a) / ev(b),
        BExpr::Neg(a) => -ev(a),
        // Vector sums and comment-only factors: the reference evaluator is scalar.
        BExpr::Sum(..) | BExpr::Note(..) => f64::NAN,
        BExpr::Call(d, args) => {
            let z = ev(&args[0]);
            match d {
                Deriv::ReluDerivative => {
                    if z > 0.0 {
                        1.0
                    } else {
                        0.0
                    }
                }
                Deriv::LeakyReluDerivative => {
                    if z > 0.0 {
                        1.0
                    } else {
                        ev(&args[1])
                    }
                }
                Deriv::StepDerivative => 0.0,
                Deriv::Sign => {
                    if z > 0.0 {
                        1.0
                    } else if z < 0.0 {
                        -1.0
                    } else {
                        0.0
                    }
                }
                Deriv::Sigmoid => apply_func(Func::Sigmoid, z),
                Deriv::Powi(n) => z.powi(*n),
                Deriv::Custom(k) => (customs.df)(*k, z, ev(&args[1])),
            }
        }
    }
}

/// The value of a backward expression that reads only forward values (a local factor).
pub fn factor(e: &BExpr, values: &[f64], customs: &Customs) -> f64 {
    let vars = vec![f64::NAN; values.len()];
    eval(e, values, &vars, f64::NAN, customs)
}

//! The reference evaluator: the graph's forward pass and its backward program run
//! numerically in `f64`, scalars, vectors and matrices alike (a value is its elements, a
//! matrix row by row). It lets the differentiator be tested against finite differences
//! without compiling generated code, and gives the explain tool the numbers to show.

use crate::ast::Shape;
use crate::diff::bexpr::{BExpr, Whole, WholeKind};
use crate::diff::rules::{self, Local};
use crate::diff::{Backward, Target};
use crate::func::{Func, Value};
use crate::graph::{Graph, NodeId, Op, PerNode};
use crate::layer::reference;

/// The user's own activations for the evaluator: `f(i, z)` and `df(i, z, f(z))` of custom
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

/// Element `i` of `v`, a scalar broadcast over every `i`.
fn at(v: &[f64], i: usize) -> f64 {
    if v.len() == 1 {
        v[0]
    } else {
        v[i]
    }
}

/// `f` applied element by element to operands of `n` elements (scalars broadcast).
fn zip(n: usize, a: &[f64], b: &[f64], f: impl Fn(f64, f64) -> f64) -> Vec<f64> {
    (0..n).map(|i| f(at(a, i), at(b, i))).collect()
}

/// The value of a call of `f` on `z` (element by element for an elementwise function).
fn call(f: Func, args: &[Vec<f64>], customs: &Customs) -> Vec<f64> {
    let z = &args[0];
    match f {
        Func::Builtin(b, c) => match b.spec().value {
            Value::Each(value) => z.iter().map(|&x| value(x, &c)).collect(),
            Value::Reduce(value) => vec![value(z)],
            Value::Map(value) => value(z),
        },
        Func::Custom(k) => z.iter().map(|&x| (customs.f)(k, x)).collect(),
        Func::CustomDerivative(k) => zip(z.len().max(args[1].len()), z, &args[1], |x, fx| {
            (customs.df)(k, x, fx)
        }),
    }
}

/// Every node's value, given the inputs' and the parameters' values in signature order.
pub fn forward(
    graph: &Graph,
    inputs: &[Vec<f64>],
    params: &[Vec<f64>],
    customs: &Customs,
) -> PerNode<Vec<f64>> {
    let mut values: PerNode<Vec<f64>> = PerNode(Vec::with_capacity(graph.nodes.len()));
    for id in graph.ids() {
        let node = &graph[id];
        let n = node.shape.elements();
        let v = |k: NodeId| &values[k];
        let value = match node.op {
            Op::Input(i) => inputs.get(i).cloned().unwrap_or_else(|| vec![f64::NAN; n]),
            Op::Param(i) => params.get(i).cloned().unwrap_or_else(|| vec![f64::NAN; n]),
            Op::Const(c) => vec![c],
            Op::Add(a, b) => zip(n, v(a), v(b), |x, y| x + y),
            Op::Sub(a, b) => zip(n, v(a), v(b), |x, y| x - y),
            Op::Mul(a, b) => zip(n, v(a), v(b), |x, y| x * y),
            Op::Div(a, b) => zip(n, v(a), v(b), |x, y| x / y),
            Op::Neg(a) => v(a).iter().map(|x| -x).collect(),
            Op::Call(f, a) => call(f, &[v(a).clone()], customs),
            Op::Dot(a, b) => vec![v(a).iter().zip(v(b)).map(|(x, y)| x * y).sum()],
            Op::MatVec(w, x) => matvec(v(w), v(x)),
            Op::Conv(_, k, x) => match graph.geometry(id) {
                Some((g, outputs)) => reference::conv(&g, outputs, v(k), v(x)),
                None => vec![f64::NAN; n],
            },
            Op::ChannelBias(z, b) => {
                let per_channel = n / v(b).len().max(1);
                (0..n).map(|i| v(z)[i] + v(b)[i / per_channel]).collect()
            }
            Op::Pool(pool, x) => match graph.geometry(id) {
                Some((g, _)) => reference::pool(&g, pool.max, v(x)),
                None => vec![f64::NAN; n],
            },
            Op::Flatten(x) => v(x).clone(),
        };
        values.0.push(value);
    }
    values
}

/// W·x for W of `x.len()` columns, row by row.
fn matvec(w: &[f64], x: &[f64]) -> Vec<f64> {
    w.chunks(x.len())
        .map(|row| row.iter().zip(x).map(|(a, b)| a * b).sum())
        .collect()
}

/// The gradients of a backward evaluation.
#[derive(Clone, Debug, PartialEq)]
pub struct Gradients {
    /// ∂L/∂node for every node (zeros where a node has no adjoint, such as constants).
    pub adjoints: PerNode<Vec<f64>>,
    /// ∂L/∂param, in signature order.
    pub params: Vec<Vec<f64>>,
    /// ∂L/∂input, in signature order.
    pub inputs: Vec<Vec<f64>>,
}

/// What a backward expression reads.
struct Scope<'a> {
    graph: &'a Graph,
    values: &'a PerNode<Vec<f64>>,
    adjoints: &'a PerNode<Vec<f64>>,
    seed: &'a [f64],
    customs: &'a Customs<'a>,
}

impl Scope<'_> {
    /// The value of a backward expression: every element, or one number for a scalar.
    fn eval(&self, e: &BExpr) -> Vec<f64> {
        let len = |a: &[f64], b: &[f64]| a.len().max(b.len());
        let pair = |a: &BExpr, b: &BExpr, f: fn(f64, f64) -> f64| {
            let (a, b) = (self.eval(a), self.eval(b));
            zip(len(&a, &b), &a, &b, f)
        };
        match e {
            BExpr::Seed => self.seed.to_vec(),
            BExpr::Adj(id) => self.adjoints[*id].clone(),
            BExpr::Val(id) => self.values[*id].clone(),
            BExpr::Const(c) => vec![*c],
            BExpr::Add(a, b) => pair(a, b, |x, y| x + y),
            BExpr::Sub(a, b) => pair(a, b, |x, y| x - y),
            BExpr::Mul(a, b) => pair(a, b, |x, y| x * y),
            BExpr::Div(a, b) => pair(a, b, |x, y| x / y),
            BExpr::Neg(a) => self.eval(a).iter().map(|x| -x).collect(),
            BExpr::Sum(a, _) => vec![self.eval(a).iter().sum()],
            BExpr::Call(f, args) => {
                let args: Vec<Vec<f64>> = args.iter().map(|a| self.eval(a)).collect();
                call(*f, &args, self.customs)
            }
        }
    }

    /// A step's value: its elementwise share plus its whole-vector shares.
    fn step(&self, each: Option<&BExpr>, whole: &[Whole], n: usize) -> Vec<f64> {
        let mut total = vec![0.0; n];
        if let Some(each) = each {
            let v = self.eval(each);
            for (i, t) in total.iter_mut().enumerate() {
                *t += at(&v, i);
            }
        }
        for w in whole {
            let value = &self.values[w.value];
            // The adjoint a whole-vector operation reads has one element per row of its value
            // (a scalar seed stands for every element).
            let rows = match (w.kind, self.graph.shape(w.value)) {
                (WholeKind::TransposeMul, Shape::Matrix(rows, _)) => rows,
                (WholeKind::Outer, _) => n / value.len().max(1),
                (
                    WholeKind::ConvKernel(layer)
                    | WholeKind::ConvInput(layer)
                    | WholeKind::MaxPool(layer)
                    | WholeKind::AvgPool(layer)
                    | WholeKind::Unflatten(layer)
                    | WholeKind::ChannelSum(layer),
                    _,
                ) => self.graph.shape(layer).elements(),
                _ => value.len(),
            };
            let dy = self.eval(&w.dy);
            let dy: Vec<f64> = (0..rows).map(|i| at(&dy, i)).collect();
            let geometry = |layer: NodeId| self.graph.geometry(layer);
            let share: Vec<f64> = match w.kind {
                WholeKind::ConvKernel(layer) => match geometry(layer) {
                    Some((g, outputs)) => reference::conv_kernel_gradient(&g, outputs, value, &dy),
                    None => vec![f64::NAN; n],
                },
                WholeKind::ConvInput(layer) => match geometry(layer) {
                    Some((g, outputs)) => reference::conv_input_gradient(&g, outputs, value, &dy),
                    None => vec![f64::NAN; n],
                },
                WholeKind::MaxPool(layer) | WholeKind::AvgPool(layer) => match geometry(layer) {
                    Some((g, _)) => reference::pool_gradient(
                        &g,
                        matches!(w.kind, WholeKind::MaxPool(_)),
                        value,
                        &dy,
                    ),
                    None => vec![f64::NAN; n],
                },
                WholeKind::Unflatten(_) => dy,
                WholeKind::ChannelSum(_) => {
                    let per_channel = dy.len() / n.max(1);
                    (0..n)
                        .map(|c| dy[c * per_channel..][..per_channel].iter().sum())
                        .collect()
                }
                WholeKind::TransposeMul => {
                    let cols = value.len() / dy.len();
                    (0..cols)
                        .map(|j| (0..dy.len()).map(|i| value[i * cols + j] * dy[i]).sum())
                        .collect()
                }
                WholeKind::Outer => dy
                    .iter()
                    .flat_map(|d| value.iter().map(move |x| d * x))
                    .collect(),
                WholeKind::SoftmaxBackward => {
                    let dot: f64 = dy.iter().zip(value).map(|(d, y)| d * y).sum();
                    value.iter().zip(&dy).map(|(y, d)| y * (d - dot)).collect()
                }
                WholeKind::LogSoftmaxBackward => {
                    let total: f64 = dy.iter().sum();
                    value
                        .iter()
                        .zip(&dy)
                        .map(|(y, d)| d - y.exp() * total)
                        .collect()
                }
            };
            for (t, s) in total.iter_mut().zip(share) {
                *t += s;
            }
        }
        total
    }
}

/// Runs the backward program on forward `values` from ∂L/∂output = `seed`.
pub fn backward(
    graph: &Graph,
    program: &Backward,
    values: &PerNode<Vec<f64>>,
    seed: &[f64],
    customs: &Customs,
) -> Gradients {
    let zeros = |id: NodeId| vec![0.0; graph.shape(id).elements()];
    let mut adjoints: PerNode<Vec<f64>> = PerNode(graph.ids().map(zeros).collect());
    let mut params: Vec<Vec<f64>> = graph.params.iter().map(|&p| zeros(p)).collect();
    let mut inputs: Vec<Vec<f64>> = graph.inputs.iter().map(|&i| zeros(i)).collect();
    for step in &program.steps {
        let scope = Scope {
            graph,
            values,
            adjoints: &adjoints,
            seed,
            customs,
        };
        let n = scope.graph.shape(step.node).elements();
        let v = scope.step(step.each.as_ref(), &step.whole, n);
        let add = |into: &mut Vec<f64>| {
            for (t, x) in into.iter_mut().zip(&v) {
                *t += x;
            }
        };
        match step.target {
            Target::Node => adjoints[step.node] = v.clone(),
            Target::Param(i) => add(&mut params[i]),
            Target::Input(i) => add(&mut inputs[i]),
        }
    }
    // Every node's adjoint, aliases and arguments included.
    let scope = Scope {
        graph,
        values,
        adjoints: &adjoints,
        seed,
        customs,
    };
    let all = PerNode(
        graph
            .ids()
            .map(|id| match graph[id].op {
                Op::Param(i) => params[i].clone(),
                Op::Input(i) => inputs[i].clone(),
                _ => match &program.adjoint[id] {
                    Some(e) => {
                        let v = scope.eval(e);
                        (0..graph.shape(id).elements()).map(|i| at(&v, i)).collect()
                    }
                    None => zeros(id),
                },
            })
            .collect(),
    );
    Gradients {
        adjoints: all,
        params,
        inputs,
    }
}

/// The value of a backward expression that reads only forward values (a local factor), at
/// element 0.
pub fn factor(e: &BExpr, values: &PerNode<Vec<f64>>, customs: &Customs) -> f64 {
    factor_values(e, values, customs)
        .first()
        .copied()
        .unwrap_or(f64::NAN)
}

/// Every element of a backward expression that reads only forward values (one number for a
/// scalar).
pub fn factor_values(e: &BExpr, values: &PerNode<Vec<f64>>, customs: &Customs) -> Vec<f64> {
    let adjoints = PerNode(values.0.iter().map(|v| vec![f64::NAN; v.len()]).collect());
    let graph = Graph::new();
    let scope = Scope {
        graph: &graph,
        values,
        adjoints: &adjoints,
        seed: &[f64::NAN],
        customs,
    };
    scope.eval(e)
}

/// The local factor ∂node/∂(operand `slot`) of `rules::local` at forward `values`, as
/// `text::Text::factor` writes it, with its shape: a factor of numbers element by element (one
/// number for a scalar); for a whole-vector operation the matrix it applies, row by row — `xᵀ`
/// the elements of `x`, `Wᵀ` the transpose of `W`, `diag(y) − y·yᵀ` and `I − exp(y)·1ᵀ`
/// n×n.
pub fn local_factor(
    graph: &Graph,
    id: NodeId,
    slot: usize,
    values: &PerNode<Vec<f64>>,
    customs: &Customs,
) -> (Vec<f64>, Shape) {
    let (kind, read) = match rules::local(graph, id, slot) {
        Local::Each(e) => {
            let v = factor_values(&e, values, customs);
            let shape = match v.len() {
                1 => Shape::Scalar,
                n => Shape::Vector(n),
            };
            return (v, shape);
        }
        Local::Whole(kind, read) => (kind, read),
    };
    let v = &values[read];
    let n = v.len();
    let square = |f: &dyn Fn(usize, usize) -> f64| {
        let m = (0..n * n).map(|k| f(k / n, k % n)).collect();
        (m, Shape::Matrix(n, n))
    };
    let delta = |i: usize, j: usize| if i == j { 1.0 } else { 0.0 };
    match kind {
        WholeKind::Outer => (v.clone(), Shape::Vector(n)),
        WholeKind::TransposeMul => {
            let Shape::Matrix(rows, cols) = graph.shape(read) else {
                return (v.clone(), graph.shape(read));
            };
            let t = (0..n).map(|k| v[(k % rows) * cols + k / rows]).collect();
            (t, Shape::Matrix(cols, rows))
        }
        WholeKind::SoftmaxBackward => square(&|i, j| delta(i, j) * v[i] - v[i] * v[j]),
        WholeKind::LogSoftmaxBackward => square(&|i, j| delta(i, j) - v[i].exp()),
        // A convolution's Jacobian is large and sparse: the value it reads stands for it.
        WholeKind::ConvKernel(_) | WholeKind::ConvInput(_) => (v.clone(), graph.shape(read)),
        // What one unit of gradient from every output sends to each input: 1 at each
        // window's maximum (more where windows overlap), 1/n over each window.
        WholeKind::MaxPool(layer) | WholeKind::AvgPool(layer) => {
            let max = matches!(kind, WholeKind::MaxPool(_));
            let ones = vec![1.0; graph.shape(layer).elements()];
            let routed = graph.geometry(layer).map_or_else(
                || vec![f64::NAN; n],
                |(g, _)| reference::pool_gradient(&g, max, v, &ones),
            );
            (routed, graph.shape(read))
        }
        // The same numbers, reshaped; one bias for every position of its channel.
        WholeKind::Unflatten(_) | WholeKind::ChannelSum(_) => (vec![1.0; n], graph.shape(read)),
    }
}

/// What flows back along the edge from operand `slot` of node `id` to that operand: ∂L/∂node ·
/// ∂node/∂operand, one number per element of the operand (a scalar broadcast over a vector
/// receives the sum), given every node's value and adjoint.
pub fn flow(
    graph: &Graph,
    id: NodeId,
    slot: usize,
    values: &PerNode<Vec<f64>>,
    adjoints: &PerNode<Vec<f64>>,
    customs: &Customs,
) -> Vec<f64> {
    let operand = graph[id].op.operands().as_slice()[slot];
    let n = graph.shape(operand).elements();
    let scope = Scope {
        graph,
        values,
        adjoints,
        seed: &[f64::NAN],
        customs,
    };
    match rules::local(graph, id, slot) {
        Local::Each(factor) => {
            let term = scope.eval(&BExpr::Mul(BExpr::Adj(id).boxed(), factor.boxed()));
            if n == 1 && term.len() > 1 {
                vec![term.iter().sum()]
            } else {
                (0..n).map(|i| at(&term, i)).collect()
            }
        }
        Local::Whole(kind, value) => {
            let dy = BExpr::Adj(id);
            scope.step(None, &[Whole { kind, value, dy }], n)
        }
    }
}

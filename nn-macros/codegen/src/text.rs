//! Math as the lecture writes it, for comments, docs and the explain tool:
//! `∂y/∂a3 = y·(1 − y)`, `∂L/∂a3 = ∂L/∂y · ∂y/∂a3 = ∂L/∂y·y·(1 − y)`.

use crate::ast::number;
use crate::diff::bexpr::{BExpr, Factor, Whole, WholeKind};
use crate::diff::{Part, Step, Target};
use crate::func::{Func, Lecture};
use crate::graph::{Graph, NodeId, Op};
use crate::names::Names;

/// The lecture's text of one network.
pub struct Text<'a> {
    /// The graph.
    pub graph: &'a Graph,
    /// Its names.
    pub names: &'a Names,
    /// The names of its custom activations, by index.
    pub customs: &'a [String],
}

/// Operator precedence: sums 1, products 2, negation 3, atoms 4.
fn wrap(text: String, precedence: u8, min: u8) -> String {
    if precedence < min {
        format!("({text})")
    } else {
        text
    }
}

fn binary(a: (String, u8), symbol: &str, b: (String, u8), p: u8) -> (String, u8) {
    (
        format!("{}{symbol}{}", wrap(a.0, a.1, p), wrap(b.0, b.1, p + 1)),
        p,
    )
}

fn negate(a: (String, u8)) -> (String, u8) {
    (format!("−{}", wrap(a.0, a.1, 3)), 3)
}

fn constant(c: f64) -> (String, u8) {
    (number(c), if c < 0.0 { 3 } else { 4 })
}

impl Text<'_> {
    /// A call in the lecture's notation: `σ(z)`, `leaky_relu(z, 0.1)`, `z^2`,
    /// `relu′(z) (1 if z > 0, else 0)`, `act′(z)`.
    pub fn call(&self, f: Func, args: &[String]) -> String {
        let z = args.first().map_or("?", String::as_str);
        let spec = match f {
            Func::Builtin(b, _) => b.spec(),
            Func::Custom(k) => return format!("{}({z})", self.custom(k)),
            Func::CustomDerivative(k) => return format!("{}′({z})", self.custom(k)),
        };
        let constants: Vec<String> = f.written_constants(false).into_iter().map(number).collect();
        match spec.lecture {
            Lecture::Power => format!("{z}^{}", constants.join(", ")),
            Lecture::Call => {
                let mut all = vec![z.to_string()];
                all.extend(constants);
                format!("{}({})", spec.symbol, all.join(", "))
            }
            Lecture::Noted(note) => {
                let note = note
                    .replace("{z}", z)
                    .replace("{c}", constants.first().map_or("", String::as_str));
                format!("{}({z}) {note}", spec.symbol)
            }
        }
    }

    /// The function's symbol alone: `σ`, `act`.
    pub fn symbol(&self, f: Func) -> String {
        match f {
            Func::Builtin(b, _) => b.spec().symbol.to_string(),
            Func::Custom(k) => self.custom(k).to_string(),
            Func::CustomDerivative(k) => format!("{}′", self.custom(k)),
        }
    }

    fn custom(&self, k: usize) -> &str {
        self.customs.get(k).map_or("?", String::as_str)
    }

    /// The name of a node, `?` if it has none.
    pub fn name(&self, id: NodeId) -> &str {
        self.names.of(id)
    }

    /// The forward expression of a node, naming the nodes that have names (`top`: the node's
    /// own definition, not its name).
    pub fn forward(&self, id: NodeId, top: bool) -> (String, u8) {
        let node = &self.graph[id];
        if node.op.is_leaf() || (!top && self.names.value(id).is_some()) {
            return (self.name(id).to_string(), 4);
        }
        let sub = |c: NodeId| self.forward(c, false);
        match node.op {
            Op::Input(_) | Op::Param(_) => (self.name(id).to_string(), 4),
            Op::Const(c) => constant(c),
            Op::Add(a, b) => binary(sub(a), " + ", sub(b), 1),
            Op::Sub(a, b) => binary(sub(a), " − ", sub(b), 1),
            Op::Mul(a, b) | Op::Dot(a, b) | Op::MatVec(a, b) => binary(sub(a), "·", sub(b), 2),
            Op::Div(a, b) => binary(sub(a), "/", sub(b), 2),
            Op::Neg(a) => negate(sub(a)),
            Op::Call(f, a) => (self.call(f, &[sub(a).0]), 4),
            Op::ChannelBias(z, b) => binary(sub(z), " + ", sub(b), 1),
            Op::Conv(conv, k, x) => {
                let dims = self.graph.shape(k).rank() - 2;
                let mut args = vec![sub(k).0, sub(x).0];
                if conv.stride != 1 {
                    args.push(format!("stride = {}", conv.stride));
                }
                if conv.padding != 0 {
                    args.push(format!("padding = {}", conv.padding));
                }
                (format!("conv{dims}d({})", args.join(", ")), 4)
            }
            Op::Pool(pool, x) => {
                let name = if pool.max { "max_pool" } else { "avg_pool" };
                let stride = if pool.stride == pool.window {
                    String::new()
                } else {
                    format!(", stride = {}", pool.stride)
                };
                (format!("{name}({}, {}{stride})", sub(x).0, pool.window), 4)
            }
            Op::Flatten(x) => (format!("flatten({})", sub(x).0), 4),
        }
    }

    /// A convolution's dimensions (1 or 2) and the input index its taps read, with its stride
    /// and padding: `t·2 + k − 1`, or `[r + a][q + b]` in 2-D with stride 1 and no padding.
    fn taps(&self, layer: NodeId) -> (usize, String) {
        let Op::Conv(conv, k, _) = self.graph[layer].op else {
            return (1, "?".into());
        };
        let index = |out: &str, tap: &str| {
            let step = match conv.stride {
                1 => out.to_string(),
                s => format!("{out}·{s}"),
            };
            match conv.padding {
                0 => format!("{step} + {tap}"),
                p => format!("{step} + {tap} − {p}"),
            }
        };
        if self.graph.shape(k).rank() == 4 {
            (2, format!("[{}][{}]", index("r", "a"), index("q", "b")))
        } else {
            (1, index("t", "k"))
        }
    }

    /// What a layer's call computes, in words and lengths, for the comment on its line:
    /// `8 channels of 4×4 → 16 channels of 4×4: 3×3 kernels, stride 1, padding 1`.
    pub fn layer_note(&self, id: NodeId) -> Option<String> {
        let g = self.graph;
        let lengths = |dims: &[usize]| {
            let text: Vec<String> = dims.iter().map(ToString::to_string).collect();
            text.join("×")
        };
        let channels = |c: usize| {
            if c == 1 {
                "1 channel".to_string()
            } else {
                format!("{c} channels")
            }
        };
        let (geo, outputs) = g.geometry(id).unzip();
        match (g[id].op, geo) {
            (Op::Conv(conv, k, x), Some(geo)) => {
                let (xd, od, kd) = (g.shape(x).dims(), g.shape(id).dims(), g.shape(k).dims());
                let taps = lengths(&kd[2..]);
                let weights = geo.channels * geo.window.0 * geo.window.1;
                Some(format!(
                    "{} of {} → {} of {}: {taps} kernels, stride {}, padding {}; {weights} weights per output",
                    channels(xd[0]),
                    lengths(&xd[1..]),
                    channels(outputs.unwrap_or(od[0])),
                    lengths(&od[1..]),
                    conv.stride,
                    conv.padding
                ))
            }
            (Op::Pool(pool, x), Some(_)) => {
                let (xd, od) = (g.shape(x).dims(), g.shape(id).dims());
                let window = if xd.len() == 3 {
                    format!("{0}×{0}", pool.window)
                } else {
                    pool.window.to_string()
                };
                Some(format!(
                    "the {} of each window of {window}, every {}: {} of {} → {}",
                    if pool.max { "largest" } else { "mean" },
                    pool.stride,
                    channels(xd[0]),
                    lengths(&xd[1..]),
                    lengths(&od[1..])
                ))
            }
            (Op::Flatten(x), _) => {
                let xd = g.shape(x).dims();
                Some(format!(
                    "{} of {} laid end to end: a vector of {}",
                    channels(xd[0]),
                    lengths(&xd[1..]),
                    g.shape(x).elements()
                ))
            }
            _ => None,
        }
    }

    /// The number of elements a pooling node's window covers.
    fn window(&self, layer: NodeId) -> usize {
        self.graph
            .geometry(layer)
            .map_or(1, |(g, _)| g.window.0 * g.window.1)
    }

    /// The name of a node, or for a node without one its expression, in parentheses unless
    /// it is one term: `a3`, `(w3·x3)`, `σ(z)`. What `∂L/∂…` of any node is written with.
    pub fn named(&self, id: NodeId) -> String {
        match self.names.value(id) {
            Some(name) => name.to_string(),
            None => {
                let (text, precedence) = self.forward(id, true);
                wrap(text, precedence, 4)
            }
        }
    }

    /// `∂L/∂a3`.
    pub fn partial_l(&self, id: NodeId) -> String {
        format!("∂L/∂{}", self.name(id))
    }

    fn precedence(&self, e: &BExpr) -> u8 {
        match e {
            BExpr::Add(..) | BExpr::Sub(..) => 1,
            BExpr::Mul(..) | BExpr::Div(..) => 2,
            BExpr::Neg(_) => 3,
            BExpr::Const(c) if *c < 0.0 => 3,
            // A value without a name is written as its expression.
            BExpr::Val(id) if self.names.value(*id).is_none() => self.forward(*id, true).1,
            _ => 4,
        }
    }

    /// A backward expression.
    pub fn backward(&self, e: &BExpr) -> String {
        let sub = |x: &BExpr| (self.backward(x), self.precedence(x));
        match e {
            BExpr::Seed => self.partial_l(self.graph.output),
            BExpr::Adj(id) => self.partial_l(*id),
            BExpr::Val(id) if self.names.value(*id).is_none() => self.forward(*id, true).0,
            BExpr::Val(id) => self.name(*id).to_string(),
            BExpr::Const(c) => number(*c),
            BExpr::Add(a, b) => binary(sub(a), " + ", sub(b), 1).0,
            BExpr::Sub(a, b) => binary(sub(a), " − ", sub(b), 1).0,
            BExpr::Mul(a, b) => binary(sub(a), "·", sub(b), 2).0,
            BExpr::Div(a, b) => binary(sub(a), "/", sub(b), 2).0,
            BExpr::Neg(a) => negate(sub(a)).0,
            BExpr::Sum(a, _) => format!("Σᵢ {}", self.backward(a)),
            BExpr::Call(f, args) => {
                let args: Vec<String> = args.iter().map(|a| self.backward(a)).collect();
                self.call(*f, &args)
            }
        }
    }

    /// A local factor: `f2`, `W2ᵀ`, `diag(y) − y·yᵀ`.
    pub fn factor(&self, factor: &Factor) -> String {
        match factor {
            Factor::Each(e) => self.backward(e),
            Factor::Jacobian(kind, id) => {
                let name = self.name(*id);
                match kind {
                    WholeKind::Outer => format!("{name}ᵀ (outer product)"),
                    WholeKind::TransposeMul => format!("{name}ᵀ"),
                    WholeKind::SoftmaxBackward => format!("diag({name}) − {name}·{name}ᵀ"),
                    WholeKind::LogSoftmaxBackward => format!("I − exp({name})·1ᵀ"),
                    WholeKind::ConvKernel(_) => {
                        format!("{name} (the input, correlated with the gradient)")
                    }
                    WholeKind::ConvInput(_) => {
                        format!("{name} (the full convolution with the flipped kernels)")
                    }
                    WholeKind::MaxPool(_) => {
                        "1 at each window's maximum (the first of equal ones), else 0".to_string()
                    }
                    WholeKind::AvgPool(layer) => {
                        format!("1/{} over each window", self.window(*layer))
                    }
                    WholeKind::Unflatten(_) => {
                        "1 (the same numbers, cut back into channels)".to_string()
                    }
                    WholeKind::ChannelSum(_) => {
                        "1 at every position of the bias's channel".to_string()
                    }
                }
            }
        }
    }

    /// `∂a3/∂w3 = f2`: one local factor of the step of node `of`.
    pub fn part(&self, part: &Part, of: NodeId) -> String {
        format!(
            "∂{}/∂{} = {}",
            self.name(part.consumer),
            self.name(of),
            self.factor(&part.factor)
        )
    }

    /// The comment on a backward statement: its local factor(s).
    pub fn step_comment(&self, step: &Step) -> String {
        let factors: Vec<String> = step.parts.iter().map(|p| self.part(p, step.node)).collect();
        match factors.as_slice() {
            [one] => one.clone(),
            _ => format!("paths add up: {}", factors.join(", ")),
        }
    }

    /// The derivation line of a step: `∂L/∂a3 = ∂L/∂y · ∂y/∂a3 = ∂L/∂y·y·(1 − y)`.
    pub fn derivation(&self, step: &Step) -> String {
        let chain: Vec<String> = step
            .parts
            .iter()
            .map(|p| {
                let consumer = self.name(p.consumer);
                format!("∂L/∂{consumer} · ∂{consumer}/∂{}", self.name(step.node))
            })
            .collect();
        let prefix = match step.target {
            Target::Param(_) => "(parameter) ",
            Target::Input(_) => "(input) ",
            Target::Node => "",
        };
        let value: Vec<String> = step
            .each
            .iter()
            .map(|e| self.backward(e))
            .chain(step.whole.iter().map(|w| self.whole(w)))
            .collect();
        format!(
            "{prefix}{} = {} = {}",
            self.partial_l(step.node),
            chain.join(" + "),
            value.join(" + ")
        )
    }

    /// A whole-vector share of an adjoint: `W2ᵀ·∂L/∂z2`.
    pub fn whole(&self, w: &Whole) -> String {
        let name = self.name(w.value);
        let dy = self.backward(&w.dy);
        match w.kind {
            WholeKind::TransposeMul => format!("{name}ᵀ·{dy}"),
            WholeKind::Outer => format!("{dy}·{name}ᵀ"),
            WholeKind::SoftmaxBackward => format!("{name} ⊙ ({dy} − {dy}·{name})"),
            WholeKind::LogSoftmaxBackward => format!("{dy} − exp({name})·Σ{dy}"),
            WholeKind::ConvKernel(layer) => match self.taps(layer) {
                (1, t) => format!("Σ_t {dy}[o][t]·{name}[c][{t}]"),
                (_, t) => format!("Σ_(r,q) {dy}[o][r][q]·{name}[c]{t}"),
            },
            WholeKind::ConvInput(layer) => match self.taps(layer) {
                (1, t) => format!("Σ_o Σ_(t,k: {t} = i) {dy}[o][t]·{name}[o][c][k]"),
                (_, t) => format!("Σ_o Σ_(r,q,a,b: {t} = [i][j]) {dy}[o][r][q]·{name}[o][c][a][b]"),
            },
            WholeKind::MaxPool(_) => format!("{dy} to each window's maximum of {name}"),
            WholeKind::AvgPool(layer) => {
                format!("{dy}/{} spread over each window", self.window(layer))
            }
            WholeKind::Unflatten(_) => format!("{dy} cut back into channels"),
            WholeKind::ChannelSum(layer) if self.graph.shape(layer).rank() == 3 => {
                format!("Σ_(r,q) {dy}[c][r][q]")
            }
            WholeKind::ChannelSum(_) => format!("Σ_t {dy}[c][t]"),
        }
    }
}

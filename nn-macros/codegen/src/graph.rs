//! The network as an SSA expression graph: the type that flows from lowering to emission.
//!
//! [`Graph::nodes`] is a flat arena in topological order: every node's operands have smaller
//! ids, asserted when a node is added ([`Graph::push`]). Forward is a loop over the arena,
//! backward the same loop reversed. Identical subexpressions are one node, so a value the
//! network uses twice is computed once and its gradient paths add up.

use std::ops::{Index, IndexMut};

use proc_macro2::Span;

use crate::ast::Shape;
use crate::func::{Func, Value};
use crate::layer::{Conv, Geometry, Pool};

/// Index of a node in [`Graph::nodes`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NodeId(u32);

impl NodeId {
    /// The position in the arena.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// One value per node, indexed by [`NodeId`].
#[derive(Clone, Debug, PartialEq)]
pub struct PerNode<T>(pub Vec<T>);

impl<T: Clone> PerNode<T> {
    /// `value` for each of `n` nodes.
    pub fn new(n: usize, value: T) -> Self {
        PerNode(vec![value; n])
    }
}

impl<T> Index<NodeId> for PerNode<T> {
    type Output = T;
    fn index(&self, id: NodeId) -> &T {
        &self.0[id.index()]
    }
}

impl<T> IndexMut<NodeId> for PerNode<T> {
    fn index_mut(&mut self, id: NodeId) -> &mut T {
        &mut self.0[id.index()]
    }
}

/// One operation of the graph.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Op {
    /// The i-th input argument.
    Input(usize),
    /// The i-th parameter argument.
    Param(usize),
    /// A number.
    Const(f64),
    /// a + b
    Add(NodeId, NodeId),
    /// a − b
    Sub(NodeId, NodeId),
    /// a · b of scalars, or elementwise
    Mul(NodeId, NodeId),
    /// a / b
    Div(NodeId, NodeId),
    /// −a
    Neg(NodeId),
    /// f(a): elementwise for a function of one number, as a whole for `sum`, `softmax`, ….
    Call(Func, NodeId),
    /// a·b of two vectors: Σᵢ aᵢbᵢ.
    Dot(NodeId, NodeId),
    /// W·x: the matrix-vector product.
    MatVec(NodeId, NodeId),
    /// `conv1d(K, x)` or `conv2d(K, x)` (by the kernel bank's shape): the kernel bank, then
    /// the input.
    Conv(Conv, NodeId, NodeId),
    /// z + b of channel data `z` and a vector `b` of one bias per channel.
    ChannelBias(NodeId, NodeId),
    /// `max_pool(x, …)` or `avg_pool(x, …)`, 1-D or 2-D by the input's shape.
    Pool(Pool, NodeId),
    /// `flatten(x)`: channel data laid out as one vector, channel after channel.
    Flatten(NodeId),
}

/// The operands of an operation, in order (at most two).
#[derive(Clone, Copy, Debug)]
pub struct Operands {
    ids: [NodeId; 2],
    len: usize,
}

impl Operands {
    fn of(ids: &[NodeId]) -> Operands {
        let mut array = [NodeId(0); 2];
        array[..ids.len()].copy_from_slice(ids);
        Operands {
            ids: array,
            len: ids.len(),
        }
    }

    /// The operands as a slice.
    pub fn as_slice(&self) -> &[NodeId] {
        &self.ids[..self.len]
    }
}

impl IntoIterator for Operands {
    type Item = NodeId;
    type IntoIter = std::iter::Take<std::array::IntoIter<NodeId, 2>>;
    fn into_iter(self) -> Self::IntoIter {
        self.ids.into_iter().take(self.len)
    }
}

impl Op {
    /// The operands, in order.
    pub fn operands(&self) -> Operands {
        match *self {
            Op::Input(_) | Op::Param(_) | Op::Const(_) => Operands::of(&[]),
            Op::Add(a, b)
            | Op::Sub(a, b)
            | Op::Mul(a, b)
            | Op::Div(a, b)
            | Op::Dot(a, b)
            | Op::MatVec(a, b)
            | Op::Conv(_, a, b)
            | Op::ChannelBias(a, b) => Operands::of(&[a, b]),
            Op::Neg(a) | Op::Call(_, a) | Op::Pool(_, a) | Op::Flatten(a) => Operands::of(&[a]),
        }
    }

    /// Whether element i of the result depends only on element i of each vector operand
    /// (scalars broadcast), so that it can be computed inside one loop with its consumers.
    pub fn is_elementwise(&self) -> bool {
        match self {
            Op::Add(..) | Op::Sub(..) | Op::Mul(..) | Op::Div(..) | Op::Neg(_) => true,
            // Element [c][i] of z + b reads z[c][i] and b[c].
            Op::ChannelBias(..) => true,
            Op::Call(f, _) => !f.is_whole_vector(),
            _ => false,
        }
    }

    /// Whether this is an argument of the network.
    pub fn is_leaf(&self) -> bool {
        matches!(self, Op::Input(_) | Op::Param(_))
    }

    /// The constant, if this is one.
    pub fn constant(&self) -> Option<f64> {
        match self {
            Op::Const(c) => Some(*c),
            _ => None,
        }
    }

    /// The value of a scalar operation of scalars; `None` for arguments, products of vectors,
    /// functions of whole vectors and the user's own functions, which have no value here.
    pub fn apply(&self, operands: &[f64]) -> Option<f64> {
        let a = || operands[0];
        let b = || operands[1];
        Some(match self {
            Op::Const(c) => *c,
            Op::Add(..) => a() + b(),
            Op::Sub(..) => a() - b(),
            Op::Mul(..) => a() * b(),
            Op::Div(..) => a() / b(),
            Op::Neg(_) => -a(),
            Op::Call(Func::Builtin(f, c), _) => match f.spec().value {
                Value::Each(value) => value(a(), c),
                Value::Reduce(_) | Value::Map(_) => return None,
            },
            Op::Call(..)
            | Op::Input(_)
            | Op::Param(_)
            | Op::Dot(..)
            | Op::MatVec(..)
            | Op::Conv(..)
            | Op::ChannelBias(..)
            | Op::Pool(..)
            | Op::Flatten(_) => return None,
        })
    }

    /// A total, deterministic key, for sharing identical nodes.
    pub fn key(&self) -> (u8, u64, u64, u64, usize, usize) {
        let ids = self.operands();
        let id = |k: usize| ids.as_slice().get(k).map_or(0, |n| n.index());
        let (tag, a, b, c) = match *self {
            Op::Input(i) => (0, i as u64, 0, 0),
            Op::Param(i) => (1, i as u64, 0, 0),
            Op::Const(v) => (2, v.to_bits(), 0, 0),
            Op::Add(..) => (3, 0, 0, 0),
            Op::Sub(..) => (4, 0, 0, 0),
            Op::Mul(..) => (5, 0, 0, 0),
            Op::Div(..) => (6, 0, 0, 0),
            Op::Neg(_) => (7, 0, 0, 0),
            Op::Dot(..) => (8, 0, 0, 0),
            Op::MatVec(..) => (9, 0, 0, 0),
            Op::Conv(c, ..) => (20, c.stride as u64, c.padding as u64, 0),
            Op::ChannelBias(..) => (21, 0, 0, 0),
            Op::Pool(p, _) => (22, u64::from(p.max), p.window as u64, p.stride as u64),
            Op::Flatten(_) => (23, 0, 0, 0),
            Op::Call(f, _) => {
                let (kind, x, y, z) = f.key();
                (10 + kind, x, y, z)
            }
        };
        (tag, a, b, c, id(0), id(1))
    }
}

/// What the user's source says about a node's name.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Label {
    /// The name of an argument, a `let` or the output.
    pub user: Option<String>,
    /// The placeholder whose call this node is (`f1` of `f1(a1)`).
    pub placeholder: Option<String>,
    /// A name made from the names of its operand, for a node the backward added
    /// (`sum_t` for Σt).
    pub derived: Option<String>,
}

/// Why the lecture names a node, from the source alone. Such a node is computed into a
/// variable of its own and has an adjoint of its own; the names themselves are chosen in
/// `names`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Lecture {
    /// An argument, a `let` or the output, by the user's name.
    User(String),
    /// The call of a placeholder: `f1` in `f1(a1)`.
    Placeholder(String),
    /// The argument of a placeholder's call: `a1` in `f1(a1)`, by the placeholder's name.
    PlaceholderArgument(String),
    /// The k-th call of an activation (`a`, or `a1`, `a2`, … when there are several, `k` from 1).
    Activation(Option<usize>),
    /// The argument of the k-th call of an activation (`z`, or `z1`, `z2`, …).
    ActivationArgument(Option<usize>),
    /// A value the backward added, named after its operand (`sum_t`).
    Derived(String),
}

/// One node.
#[derive(Clone, Debug)]
pub struct Node {
    /// What it computes.
    pub op: Op,
    /// Its shape: a scalar, a vector, channel data (a matrix or a 3-D array) made by a layer,
    /// or an argument's matrix or kernel bank.
    pub shape: Shape,
    /// Where the user wrote it.
    pub span: Span,
    /// The names the source gives it.
    pub label: Label,
    /// Whether the user wrote it, rather than a rewrite rule (`simplify`) building it.
    pub written: bool,
}

/// The network as a graph.
#[derive(Clone, Debug)]
pub struct Graph {
    /// The arena, operands before the nodes that use them.
    pub nodes: Vec<Node>,
    /// Input leaves, in signature order.
    pub inputs: Vec<NodeId>,
    /// Parameter leaves, in signature order.
    pub params: Vec<NodeId>,
    /// The output node.
    pub output: NodeId,
    /// The value `predict = a` names, if the attribute names one.
    pub prediction: Option<NodeId>,
}

impl Index<NodeId> for Graph {
    type Output = Node;
    fn index(&self, id: NodeId) -> &Node {
        &self.nodes[id.index()]
    }
}

impl IndexMut<NodeId> for Graph {
    fn index_mut(&mut self, id: NodeId) -> &mut Node {
        &mut self.nodes[id.index()]
    }
}

impl Graph {
    /// An empty graph.
    pub fn new() -> Graph {
        Graph {
            nodes: Vec::new(),
            inputs: Vec::new(),
            params: Vec::new(),
            output: NodeId(0),
            prediction: None,
        }
    }

    /// Adds a node; its operands must already be in the arena.
    pub fn push(&mut self, op: Op, shape: Shape, span: Span) -> NodeId {
        debug_assert!(op
            .operands()
            .into_iter()
            .all(|c| c.index() < self.nodes.len()));
        self.nodes.push(Node {
            op,
            shape,
            span,
            label: Label::default(),
            written: true,
        });
        NodeId((self.nodes.len() - 1) as u32)
    }

    /// Every node id, in arena order.
    pub fn ids(&self) -> impl DoubleEndedIterator<Item = NodeId> + ExactSizeIterator {
        (0..self.nodes.len() as u32).map(NodeId)
    }

    /// `value` for every node.
    pub fn per_node<T: Clone>(&self, value: T) -> PerNode<T> {
        PerNode::new(self.nodes.len(), value)
    }

    /// The node's shape.
    pub fn shape(&self, id: NodeId) -> Shape {
        self[id].shape
    }

    /// For every node, how many operand slots of the nodes in `among` refer to it (`x·x`
    /// counts 2).
    pub fn use_counts(&self, among: &PerNode<bool>) -> PerNode<usize> {
        let mut uses = self.per_node(0);
        for id in self.ids().filter(|&id| among[id]) {
            for c in self[id].op.operands() {
                uses[c] += 1;
            }
        }
        uses
    }

    /// Nodes the output depends on (the output included).
    pub fn reachable(&self) -> PerNode<bool> {
        self.closure(self.output)
    }

    /// Nodes `root` depends on (`root` included).
    pub fn closure(&self, root: NodeId) -> PerNode<bool> {
        let mut live = self.per_node(false);
        live[root] = true;
        for id in self.ids().rev() {
            if live[id] {
                for c in self[id].op.operands() {
                    live[c] = true;
                }
            }
        }
        live
    }

    /// Nodes whose value depends on some leaf for which `leaf` holds (that leaf included).
    pub fn depending_on(&self, leaf: impl Fn(&Op) -> bool) -> PerNode<bool> {
        let mut depends = self.per_node(false);
        for id in self.ids() {
            let op = &self[id].op;
            depends[id] = leaf(op) || op.operands().into_iter().any(|c| depends[c]);
        }
        depends
    }

    /// Nodes whose value depends on some argument (constants and functions of constants do
    /// not, and need no gradient).
    pub fn varying(&self) -> PerNode<bool> {
        self.depending_on(Op::is_leaf)
    }

    /// Nodes whose value differs between samples: those that depend on an input.
    pub fn per_sample(&self) -> PerNode<bool> {
        self.depending_on(|op| matches!(op, Op::Input(_)))
    }

    /// The products `W·x` of a parameter matrix and a per-sample vector: what a batch computes
    /// as one matrix product for all its samples.
    pub fn batch_products(&self) -> PerNode<bool> {
        let live = self.reachable();
        let per_sample = self.per_sample();
        let mut product = self.per_node(false);
        for id in self.ids() {
            if let Op::MatVec(w, x) = self[id].op {
                product[id] = live[id] && matches!(self[w].op, Op::Param(_)) && per_sample[x];
            }
        }
        product
    }
}

impl Graph {
    /// The geometry of a convolution or pooling node, and its number of output channels;
    /// `None` for other nodes.
    pub fn geometry(&self, id: NodeId) -> Option<(Geometry, usize)> {
        if !matches!(self[id].op, Op::Conv(..) | Op::Pool(..)) {
            return None;
        }
        let out = self.shape(id).dims();
        let spatial = |dims: &[usize]| match *dims {
            [l] => (1, l),
            [h, w] => (h, w),
            _ => (0, 0),
        };
        let output = spatial(&out[1..]);
        let two = out.len() == 3;
        match self[id].op {
            Op::Conv(conv, k, x) => {
                let (kd, xd) = (self.shape(k).dims(), self.shape(x).dims());
                let geometry = Geometry {
                    channels: xd[0],
                    input: spatial(&xd[1..]),
                    window: spatial(&kd[2..]),
                    output,
                    stride: conv.stride,
                    padding: (if two { conv.padding } else { 0 }, conv.padding),
                };
                Some((geometry, kd[0]))
            }
            Op::Pool(pool, x) => {
                let xd = self.shape(x).dims();
                let geometry = Geometry {
                    channels: xd[0],
                    input: spatial(&xd[1..]),
                    window: (if two { pool.window } else { 1 }, pool.window),
                    output,
                    stride: pool.stride,
                    padding: (0, 0),
                };
                Some((geometry, xd[0]))
            }
            _ => None,
        }
    }

    /// The lecture's reason to name each node, if it has one. A user's name wins; then the
    /// first placeholder that calls or takes the node, in the order of the arena; then the
    /// activations' `a` and `z`, numbered over the calls the user wrote when there are several.
    pub fn lecture_names(&self) -> PerNode<Option<Lecture>> {
        let mut names: PerNode<Option<Lecture>> = self.per_node(None);
        let nameable = |id: NodeId| !self[id].op.is_leaf() && self[id].op.constant().is_none();
        for id in self.ids() {
            if let Some(user) = &self[id].label.user {
                names[id] = Some(Lecture::User(user.clone()));
            }
        }
        for id in self.ids() {
            if let (None, Some(d)) = (&names[id], &self[id].label.derived) {
                names[id] = Some(Lecture::Derived(d.clone()));
            }
            if let (Some(p), Op::Call(_, arg)) = (&self[id].label.placeholder, self[id].op) {
                if names[id].is_none() {
                    names[id] = Some(Lecture::Placeholder(p.clone()));
                }
                if names[arg].is_none() && nameable(arg) {
                    names[arg] = Some(Lecture::PlaceholderArgument(p.clone()));
                }
            }
        }
        // The activations the user wrote, whether the forward still computes them (a rewrite
        // may leave `σ(z)` for the backward alone) or not.
        let calls: Vec<NodeId> = self
            .ids()
            .filter(|&id| {
                self[id].written && matches!(self[id].op, Op::Call(f, _) if f.is_activation())
            })
            .collect();
        let numbered = calls.len() > 1;
        for (k, &id) in calls.iter().enumerate() {
            let number = numbered.then_some(k + 1);
            let Op::Call(_, arg) = self[id].op else {
                continue;
            };
            if names[id].is_none() {
                names[id] = Some(Lecture::Activation(number));
            }
            if names[arg].is_none() && nameable(arg) {
                names[arg] = Some(Lecture::ActivationArgument(number));
            }
        }
        names
    }
}

impl Default for Graph {
    fn default() -> Self {
        Graph::new()
    }
}

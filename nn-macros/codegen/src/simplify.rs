//! The algebraic simplifier of the forward graph: local rewrite rules, one a line, written in
//! the network language itself (egg's rewrite tables are the model). Each node is rewritten
//! as it is added to the graph, so a rule sees its operands already simplified and the
//! nodes it builds are simplified in turn.
//!
//! The rules turn what overflows into what does not (`ln(sigmoid(z))` is −∞ once σ(z)
//! rounds to 0; `−softplus(−z)` is not) and move negations outward, where they cancel. Each
//! is exact in real arithmetic under its condition; in floating point the rewritten form is
//! at least as accurate. `tests/simplifier.rs` checks on random networks that no rule changes
//! a value.

use std::sync::OnceLock;

use proc_macro2::Span;

use crate::ast::Shape;
use crate::func::{Builtin, Func, Kind};
use crate::graph::{Graph, NodeId, Op};

/// When a rule is exact.
#[derive(Clone, Copy, Debug)]
pub enum When {
    /// For every value (NaN and ±∞ included).
    Always,
    /// When the named variable is known to be ≥ 0 (`exp(ln(z)) = z` needs z ≥ 0).
    NonNegative(&'static str),
}

/// The rules: (name, pattern, replacement, condition). Names of the pattern (`z`, `v`, `x`,
/// `y`) match any value; functions and numbers match themselves.
pub const RULES: &[(&str, &str, &str, When)] = &[
    (
        "log of sigmoid",
        "ln(sigmoid(z))",
        "-softplus(-z)",
        When::Always,
    ),
    (
        "log of one minus sigmoid",
        "ln(1 - sigmoid(z))",
        "-softplus(z)",
        When::Always,
    ),
    (
        "log of softmax",
        "ln(softmax(v))",
        "log_softmax(v)",
        When::Always,
    ),
    (
        "exp of log_softmax",
        "exp(log_softmax(v))",
        "softmax(v)",
        When::Always,
    ),
    ("log of exp", "ln(exp(z))", "z", When::Always),
    ("exp of log", "exp(ln(z))", "z", When::NonNegative("z")),
    (
        "product with a negation",
        "x * -y",
        "-(x * y)",
        When::Always,
    ),
    ("negation times", "-x * y", "-(x * y)", When::Always),
    ("quotient of a negation", "-x / y", "-(x / y)", When::Always),
    ("sum of negations", "-x + -y", "-(x + y)", When::Always),
    ("adding a negation", "x + -y", "x - y", When::Always),
    ("subtracting a negation", "x - -y", "x + y", When::Always),
    ("sum of a negation", "sum(-v)", "-sum(v)", When::Always),
    ("mean of a negation", "mean(-v)", "-mean(v)", When::Always),
];

/// A pattern or replacement of a rule.
#[derive(Debug)]
pub enum Pattern {
    /// Any value, bound to this name.
    Var(String),
    /// This number.
    Const(f64),
    /// −p
    Neg(Box<Pattern>),
    /// p + q, p − q, p · q (elementwise), p / q.
    Binary(char, Box<Pattern>, Box<Pattern>),
    /// f(p) of a function without constants.
    Call(Builtin, Box<Pattern>),
}

/// A rule, read.
pub struct Rule {
    /// What it does, for tests and messages.
    pub name: &'static str,
    /// What it matches.
    pub from: Pattern,
    /// What it builds.
    pub to: Pattern,
    /// When it is exact.
    pub when: When,
}

/// The rules, read once from [`RULES`].
pub fn rules() -> &'static [Rule] {
    static READ: OnceLock<Vec<Rule>> = OnceLock::new();
    READ.get_or_init(|| {
        RULES
            .iter()
            .map(|&(name, from, to, when)| Rule {
                name,
                from: pattern(from),
                to: pattern(to),
                when,
            })
            .collect()
    })
}

/// Reads a pattern written in the network language.
fn pattern(text: &str) -> Pattern {
    let expr: syn::Expr = syn::parse_str(text).unwrap_or_else(|e| panic!("rule `{text}`: {e}"));
    read(&expr)
}

fn read(e: &syn::Expr) -> Pattern {
    match e {
        syn::Expr::Paren(p) => read(&p.expr),
        syn::Expr::Path(p) => Pattern::Var(quote::quote!(#p).to_string()),
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Int(i),
            ..
        }) => Pattern::Const(i.base10_parse().unwrap_or(f64::NAN)),
        syn::Expr::Unary(u) => Pattern::Neg(Box::new(read(&u.expr))),
        syn::Expr::Binary(b) => {
            let op = match b.op {
                syn::BinOp::Add(_) => '+',
                syn::BinOp::Sub(_) => '-',
                syn::BinOp::Mul(_) => '*',
                _ => '/',
            };
            Pattern::Binary(op, Box::new(read(&b.left)), Box::new(read(&b.right)))
        }
        syn::Expr::Call(c) => {
            let name = match &*c.func {
                syn::Expr::Path(p) => p.path.get_ident().map(|i| i.to_string()),
                _ => None,
            }
            .unwrap_or_default();
            let f = Builtin::from_name(&name).unwrap_or_else(|| panic!("rule calls `{name}`"));
            Pattern::Call(f, Box::new(read(&c.args[0])))
        }
        other => panic!("rule pattern `{}`", quote::quote!(#other)),
    }
}

/// Where a rule's replacement is built: the lowering stage's graph.
pub trait Builder {
    /// The graph so far.
    fn graph(&self) -> &Graph;
    /// Adds an operation (simplified in turn) and returns its node.
    fn build(&mut self, op: Op, shape: Shape, span: Span) -> NodeId;
}

/// The operation's replacement by the first rule that matches it, if one does.
pub fn rewrite(b: &mut impl Builder, op: &Op, span: Span) -> Option<NodeId> {
    for rule in rules() {
        let mut bound = Vec::new();
        if matches_op(b.graph(), &rule.from, op, &mut bound) && holds(b.graph(), rule.when, &bound)
        {
            return Some(build(b, &rule.to, &bound, span));
        }
    }
    None
}

type Bound = Vec<(String, NodeId)>;

/// Binds `name` to `id`, or checks that it is bound to `id` already.
fn bind(bound: &mut Bound, name: &str, id: NodeId) -> bool {
    match bound.iter().find(|(n, _)| n == name) {
        Some(&(_, existing)) => existing == id,
        None => {
            bound.push((name.to_string(), id));
            true
        }
    }
}

/// Whether `op` (not yet a node) matches the pattern.
fn matches_op(g: &Graph, p: &Pattern, op: &Op, bound: &mut Bound) -> bool {
    match (p, *op) {
        (Pattern::Const(c), Op::Const(v)) => *c == v,
        (Pattern::Neg(p), Op::Neg(a)) => matches(g, p, a, bound),
        (Pattern::Binary(o, p, q), op) => {
            let pair = match (o, op) {
                ('+', Op::Add(a, b)) | ('-', Op::Sub(a, b)) | ('*', Op::Mul(a, b)) => (a, b),
                ('/', Op::Div(a, b)) => (a, b),
                _ => return false,
            };
            matches(g, p, pair.0, bound) && matches(g, q, pair.1, bound)
        }
        (Pattern::Call(f, p), Op::Call(Func::Builtin(b, _), a)) => {
            *f == b && b.spec().constants.is_empty() && matches(g, p, a, bound)
        }
        _ => false,
    }
}

/// Whether node `id` matches the pattern.
fn matches(g: &Graph, p: &Pattern, id: NodeId, bound: &mut Bound) -> bool {
    match p {
        Pattern::Var(name) => bind(bound, name, id),
        _ => matches_op(g, p, &g[id].op, bound),
    }
}

fn holds(g: &Graph, when: When, bound: &Bound) -> bool {
    match when {
        When::Always => true,
        When::NonNegative(name) => bound
            .iter()
            .find(|(n, _)| n == name)
            .is_some_and(|&(_, id)| non_negative(g, id)),
    }
}

/// Whether a node's value is known to be ≥ 0 (or NaN): a value of exp, σ, softplus, softmax,
/// √, |·|, relu or step, or a non-negative constant.
pub fn non_negative(g: &Graph, id: NodeId) -> bool {
    match g[id].op {
        Op::Const(c) => c >= 0.0,
        Op::Call(Func::Builtin(b, _), _) => matches!(
            b,
            Builtin::Exp
                | Builtin::Sigmoid
                | Builtin::Softplus
                | Builtin::Softmax
                | Builtin::Sqrt
                | Builtin::Abs
                | Builtin::Relu
                | Builtin::Step
        ),
        _ => false,
    }
}

/// Builds a replacement.
fn build(b: &mut impl Builder, p: &Pattern, bound: &Bound, span: Span) -> NodeId {
    match p {
        Pattern::Var(name) => bound
            .iter()
            .find(|(n, _)| n == name)
            .map(|&(_, id)| id)
            .unwrap_or_else(|| panic!("rule replacement names `{name}`, which its pattern lacks")),
        Pattern::Const(c) => b.build(Op::Const(*c), Shape::Scalar, span),
        Pattern::Neg(p) => {
            let a = build(b, p, bound, span);
            let shape = b.graph().shape(a);
            b.build(Op::Neg(a), shape, span)
        }
        Pattern::Binary(o, p, q) => {
            let (x, y) = (build(b, p, bound, span), build(b, q, bound, span));
            let shape = b.graph().shape(x).max(b.graph().shape(y));
            let op = match o {
                '+' => Op::Add(x, y),
                '-' => Op::Sub(x, y),
                '*' => Op::Mul(x, y),
                _ => Op::Div(x, y),
            };
            b.build(op, shape, span)
        }
        Pattern::Call(f, p) => {
            let a = build(b, p, bound, span);
            let shape = match f.spec().kind {
                Kind::Reduction => Shape::Scalar,
                _ => b.graph().shape(a),
            };
            b.build(Op::Call(Func::of(*f), a), shape, span)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rule_reads_and_its_replacement_uses_only_its_names() {
        fn names(p: &Pattern, out: &mut Vec<String>) {
            match p {
                Pattern::Var(n) => out.push(n.clone()),
                Pattern::Const(_) => {}
                Pattern::Neg(p) | Pattern::Call(_, p) => names(p, out),
                Pattern::Binary(_, p, q) => {
                    names(p, out);
                    names(q, out);
                }
            }
        }
        for rule in rules() {
            let (mut from, mut to) = (Vec::new(), Vec::new());
            names(&rule.from, &mut from);
            names(&rule.to, &mut to);
            assert!(to.iter().all(|n| from.contains(n)), "{}", rule.name);
        }
    }
}

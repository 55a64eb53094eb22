//! The simplifier of derivatives: a local factor as a sum of products, its like terms
//! collected and its common factor taken out, so that cancellations the lecture teaches
//! appear by algebra: the σ′ factors of a sigmoid and the logistic loss written in the body
//! cancel to `a − t`. Three rules feed it, each exact in real arithmetic:
//!
//! - `σ(−u) = 1 − σ(u)`;
//! - `f(u)` is the forward value of a node `f(u)` when the graph has one (it is reused, not
//!   recomputed);
//! - the forward value of an unnamed sum, difference or product is that expression of its
//!   operands (`t4` = `1 − t`).
//!
//! The normal form is used only where it is smaller than the factor as the chain rule built
//! it, so expansion never makes code longer.

use std::collections::BTreeMap;

use super::bexpr::{add, div, mul, neg, BExpr};
use crate::func::{Builtin, Func};
use crate::graph::{Graph, Lecture, NodeId, Op, PerNode};

/// Most terms a sum of products may have before the normal form is given up.
const MAX_TERMS: usize = 32;

/// A product of atoms, by their index (sorted, with repetition for powers).
type Monomial = Vec<usize>;

/// A sum of products with their coefficients (no zero coefficient).
#[derive(Clone, Debug, Default)]
struct Poly(BTreeMap<Monomial, f64>);

impl Poly {
    fn constant(c: f64) -> Poly {
        let mut p = Poly::default();
        if c != 0.0 {
            p.0.insert(Vec::new(), c);
        }
        p
    }

    fn atom(k: usize) -> Poly {
        Poly(BTreeMap::from([(vec![k], 1.0)]))
    }

    fn plus(mut self, other: Poly, sign: f64) -> Option<Poly> {
        for (m, c) in other.0 {
            let sum = self.0.get(&m).copied().unwrap_or(0.0) + sign * c;
            if sum == 0.0 {
                self.0.remove(&m);
            } else {
                self.0.insert(m, sum);
            }
        }
        (self.0.len() <= MAX_TERMS).then_some(self)
    }

    fn times(&self, other: &Poly) -> Option<Poly> {
        let mut out = Poly::default();
        for (a, ca) in &self.0 {
            for (b, cb) in &other.0 {
                let mut m = a.clone();
                m.extend(b);
                m.sort_unstable();
                out = out.plus(Poly(BTreeMap::from([(m, ca * cb)])), 1.0)?;
            }
        }
        Some(out)
    }
}

/// A call of the graph: its function's key and its operand.
type CallKey = ((u8, u64, u64, u64), NodeId);

/// Normalizes the local factors of one graph's backward pass.
pub struct Normalizer<'g> {
    graph: &'g Graph,
    lecture: &'g PerNode<Option<Lecture>>,
    /// Every call of the graph by (function, operand), to reuse forward values.
    calls: BTreeMap<CallKey, NodeId>,
    /// The atoms met so far, in order of first appearance.
    atoms: Vec<BExpr>,
}

impl<'g> Normalizer<'g> {
    /// A normalizer for `graph`, whose lecture-named nodes are atoms.
    pub fn new(graph: &'g Graph, lecture: &'g PerNode<Option<Lecture>>) -> Self {
        let calls = graph
            .ids()
            .filter_map(|id| match graph[id].op {
                Op::Call(f, z) => Some(((f.key(), z), id)),
                _ => None,
            })
            .collect();
        Normalizer {
            graph,
            lecture,
            calls,
            atoms: Vec::new(),
        }
    }

    /// `e` in normal form when that is smaller, else `e` itself.
    pub fn simplest(&mut self, e: &BExpr) -> BExpr {
        self.atoms.clear();
        match self.poly(e).map(|p| self.expr(&p)) {
            Some(normal) if size(&normal) < size(e) => normal,
            _ => e.clone(),
        }
    }

    fn atom(&mut self, e: BExpr) -> Poly {
        let k = match self.atoms.iter().position(|a| *a == e) {
            Some(k) => k,
            None => {
                self.atoms.push(e);
                self.atoms.len() - 1
            }
        };
        Poly::atom(k)
    }

    /// The sum of products of `e`; `None` when it would have too many terms.
    fn poly(&mut self, e: &BExpr) -> Option<Poly> {
        Some(match e {
            BExpr::Const(c) => Poly::constant(*c),
            BExpr::Add(a, b) => self.poly(a)?.plus(self.poly(b)?, 1.0)?,
            BExpr::Sub(a, b) => self.poly(a)?.plus(self.poly(b)?, -1.0)?,
            BExpr::Neg(a) => Poly::default().plus(self.poly(a)?, -1.0)?,
            BExpr::Mul(a, b) => self.poly(a)?.times(&self.poly(b)?)?,
            BExpr::Div(a, b) => match **b {
                BExpr::Const(c) => self.poly(a)?.times(&Poly::constant(1.0 / c))?,
                _ => {
                    let reciprocal = self.atom(BExpr::Div(BExpr::Const(1.0).boxed(), b.clone()));
                    self.poly(a)?.times(&reciprocal)?
                }
            },
            BExpr::Val(id) => self.value(*id)?,
            BExpr::Call(f, args) => self.call(*f, args)?,
            BExpr::Sum(inner, n) => self.sum(inner, *n)?,
            other => self.atom(other.clone()),
        })
    }

    /// A forward value: an unnamed sum, difference or product is expanded into its operands.
    fn value(&mut self, id: NodeId) -> Option<Poly> {
        let val = |k: NodeId| match self.graph[k].op {
            Op::Const(c) => BExpr::Const(c),
            _ => BExpr::Val(k),
        };
        let expanded = match self.graph[id].op {
            _ if self.lecture[id].is_some() => None,
            Op::Add(a, b) => Some(BExpr::Add(val(a).boxed(), val(b).boxed())),
            Op::Sub(a, b) => Some(BExpr::Sub(val(a).boxed(), val(b).boxed())),
            Op::Mul(a, b) => Some(BExpr::Mul(val(a).boxed(), val(b).boxed())),
            Op::Neg(a) => Some(BExpr::Neg(val(a).boxed())),
            _ => None,
        };
        match expanded {
            Some(e) => self.poly(&e),
            None => Some(self.atom(BExpr::Val(id))),
        }
    }

    /// Σᵢ of an elementwise sum of products: the scalar factors of each product come out of
    /// the sum, Σᵢ c·s·vᵢ = c·s·Σᵢ vᵢ.
    fn sum(&mut self, inner: &BExpr, n: usize) -> Option<Poly> {
        let mut out = Poly::default();
        for (m, c) in self.poly(inner)?.0 {
            let (scalars, vectors): (Vec<usize>, Vec<usize>) =
                m.iter().partition(|&&a| self.is_scalar(&self.atoms[a]));
            let mut term = Poly(BTreeMap::from([(scalars, c)]));
            term = if vectors.is_empty() {
                term.times(&Poly::constant(n as f64))?
            } else {
                let product = self.product(&vectors, 1.0);
                term.times(&self.atom(BExpr::Sum(product.boxed(), n)))?
            };
            out = out.plus(term, 1.0)?;
        }
        Some(out)
    }

    /// Whether an atom is one number (rather than one per element).
    fn is_scalar(&self, atom: &BExpr) -> bool {
        let g = self.graph;
        match atom {
            BExpr::Seed => g.shape(g.output) == crate::ast::Shape::Scalar,
            BExpr::Adj(id) | BExpr::Val(id) => g.shape(*id) == crate::ast::Shape::Scalar,
            BExpr::Call(f, args) => {
                f.kind() == crate::func::Kind::Reduction || args.iter().all(|a| self.is_scalar(a))
            }
            BExpr::Div(a, b) => self.is_scalar(a) && self.is_scalar(b),
            BExpr::Const(_) | BExpr::Sum(..) => true,
            BExpr::Add(a, b) | BExpr::Sub(a, b) | BExpr::Mul(a, b) => {
                self.is_scalar(a) && self.is_scalar(b)
            }
            BExpr::Neg(a) => self.is_scalar(a),
        }
    }

    /// A call: `σ(−u) = 1 − σ(u)`, `exp(log_softmax(z)) = softmax(z)`, and a call the
    /// forward computes already is its value.
    fn call(&mut self, f: Func, args: &[BExpr]) -> Option<Poly> {
        if let (Func::Builtin(Builtin::Sigmoid, _), [BExpr::Val(n)]) = (f, args) {
            if let Op::Neg(u) = self.graph[*n].op {
                let sigma = BExpr::Call(f, vec![BExpr::Val(u)]);
                return self.poly(&BExpr::Sub(BExpr::Const(1.0).boxed(), sigma.boxed()));
            }
        }
        if let (Func::Builtin(Builtin::Exp, _), [BExpr::Val(y)]) = (f, args) {
            if let Op::Call(Func::Builtin(Builtin::LogSoftmax, _), z) = self.graph[*y].op {
                let softmax = Func::of(Builtin::Softmax);
                if let Some(&p) = self.calls.get(&(softmax.key(), z)) {
                    return Some(self.atom(BExpr::Val(p)));
                }
            }
        }
        if let [BExpr::Val(z)] = args {
            if let Some(&node) = self.calls.get(&(f.key(), *z)) {
                return Some(self.atom(BExpr::Val(node)));
            }
        }
        Some(self.atom(BExpr::Call(f, args.to_vec())))
    }

    /// A sum of products as an expression: the factor common to every term taken out, the
    /// terms with a positive coefficient first.
    fn expr(&self, p: &Poly) -> BExpr {
        let terms: Vec<(&Monomial, f64)> = p.0.iter().map(|(m, c)| (m, *c)).collect();
        if terms.is_empty() {
            return BExpr::Const(0.0);
        }
        // The atoms common to every term (as a multiset).
        let mut common: Monomial = terms[0].0.clone();
        for (m, _) in &terms[1..] {
            let mut rest = (*m).clone();
            common.retain(|a| match rest.iter().position(|b| b == a) {
                Some(k) => {
                    rest.remove(k);
                    true
                }
                None => false,
            });
        }
        let negative = terms.iter().all(|(_, c)| *c < 0.0);
        let sign = if negative { -1.0 } else { 1.0 };
        let mut ordered: Vec<(Monomial, f64)> = terms
            .iter()
            .map(|(m, c)| {
                let mut m = (*m).clone();
                for a in &common {
                    if let Some(k) = m.iter().position(|b| b == a) {
                        m.remove(k);
                    }
                }
                (m, sign * c)
            })
            .collect();
        ordered.sort_by_key(|(_, c)| *c < 0.0);
        let mut sum: Option<BExpr> = None;
        for (m, c) in ordered {
            let term = self.product(&m, c.abs());
            sum = Some(match sum {
                None if c < 0.0 => neg(term),
                None => term,
                Some(s) if c < 0.0 => BExpr::Sub(s.boxed(), term.boxed()),
                Some(s) => add(s, term),
            });
        }
        let sum = sum.unwrap_or(BExpr::Const(0.0));
        let whole = if common.is_empty() {
            sum
        } else {
            mul(self.product(&common, 1.0), sum)
        };
        if negative {
            neg(whole)
        } else {
            whole
        }
    }

    /// `c · atoms`, reciprocal atoms as divisions, and `c = 1/k` as a division by `k`.
    fn product(&self, atoms: &[usize], c: f64) -> BExpr {
        let k = 1.0 / c;
        let (c, mut divisors) = if k.fract() == 0.0 && k.abs() > 1.0 && k.abs() < 1e6 {
            (1.0, vec![BExpr::Const(k)])
        } else {
            (c, Vec::new())
        };
        let mut out = BExpr::Const(c);
        for &k in atoms {
            match &self.atoms[k] {
                BExpr::Div(one, d) if **one == BExpr::Const(1.0) => divisors.push((**d).clone()),
                atom => {
                    out = match out {
                        BExpr::Const(1.0) => atom.clone(),
                        BExpr::Const(c) => {
                            BExpr::Mul(atom.clone().boxed(), BExpr::Const(c).boxed())
                        }
                        other => mul(other, atom.clone()),
                    }
                }
            }
        }
        divisors.into_iter().fold(out, div)
    }
}

/// The number of nodes of an expression.
pub fn size(e: &BExpr) -> usize {
    let mut n = 0;
    e.visit(&mut |_| n += 1);
    n
}

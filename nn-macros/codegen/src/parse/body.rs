//! The function's body → `let` bindings and the output, as expressions of the language.

use std::cell::RefCell;
use std::collections::BTreeMap;

use proc_macro2::Span;
use syn::spanned::Spanned;
use syn::{Ident, Pat, Stmt};

use super::outside;

mod layers;
use crate::ast::{BinOp, Binding, Call, Custom, Expr, Output, Scalar};
use crate::attr::{self, Activation, Attr};
use crate::errors::Ctxt;
use crate::func::{self, Builtin, Func};
use crate::layer::Layer;

/// Reads a body, recording its mistakes.
pub struct Body<'a> {
    cx: &'a Ctxt,
    attr: &'a Attr,
    customs: &'a [Custom],
    scalar: Option<&'a Scalar>,
    /// The `let`s read so far, and whether each was read without a mistake.
    lets: RefCell<BTreeMap<String, bool>>,
}

impl<'a> Body<'a> {
    /// A reader for a network with these placeholders and this scalar type.
    pub fn new(
        cx: &'a Ctxt,
        attr: &'a Attr,
        customs: &'a [Custom],
        scalar: Option<&'a Scalar>,
    ) -> Self {
        Body {
            cx,
            attr,
            customs,
            scalar,
            lets: RefCell::new(BTreeMap::new()),
        }
    }

    /// The `let` bindings and the output.
    pub fn statements(&self, item: &syn::ItemFn) -> (Vec<Binding>, Option<Output>) {
        let stmts = &item.block.stmts;
        let mut lets = Vec::new();
        let mut output = None;
        for (i, stmt) in stmts.iter().enumerate() {
            let last = i + 1 == stmts.len();
            match stmt {
                Stmt::Local(local) => {
                    lets.extend(self.local(local));
                    if last {
                        self.cx.error_spanned_by(
                            local,
                            "the body must end in the output: `y = <expression>` or an expression without `;`",
                        );
                    }
                }
                Stmt::Expr(syn::Expr::Assign(assign), _) if last => {
                    let name = match &*assign.left {
                        syn::Expr::Path(p) if p.qself.is_none() && p.path.get_ident().is_some() => {
                            p.path.get_ident().cloned()
                        }
                        other => {
                            self.cx
                                .error_spanned_by(other, "expected the output's name, like `y = ...`");
                            None
                        }
                    };
                    let value = self.expr(&assign.right);
                    output = Some(Output { name, value });
                }
                Stmt::Expr(e, None) if last => {
                    output = Some(Output {
                        name: None,
                        value: self.expr(e),
                    });
                }
                Stmt::Expr(syn::Expr::Assign(assign), _) => self.cx.error_spanned_by(
                    assign.eq_token,
                    "only the last statement can name the output (`y = ...`); use `let` for intermediate values",
                ),
                Stmt::Expr(e, Some(semi)) if last => {
                    let value = self.expr(e);
                    if !matches!(value, Expr::Invalid(_)) {
                        self.cx.error_spanned_by(
                            semi,
                            "the body must end in the output: remove this `;`, or write `y = <expression>`",
                        );
                    }
                    output = Some(Output {
                        name: None,
                        value: Expr::Invalid(vec![value]),
                    });
                }
                Stmt::Expr(e, _) => {
                    if !matches!(self.expr(e), Expr::Invalid(_)) {
                        self.cx.error_spanned_by(
                            e,
                            "an expression here computes nothing; bind it with `let name = ...;`",
                        );
                    }
                }
                Stmt::Item(item) => self.cx.error_spanned_by(
                    item,
                    "items are not allowed in a network body; define them outside the function",
                ),
                Stmt::Macro(m) => self
                    .cx
                    .error_spanned_by(&m.mac.path, outside::MACRO),
            }
        }
        if stmts.is_empty() {
            self.cx.error_spanned_by(
                &item.block,
                "the body is empty: write the network, like `y = sigmoid(w·x + b)`",
            );
        }
        (lets, output)
    }

    /// `let name = value;`. A `let` with a mistake still binds its name, so that its uses
    /// give no second error.
    fn local(&self, local: &syn::Local) -> Option<Binding> {
        let mut pat = &local.pat;
        if let Pat::Type(t) = pat {
            self.cx.error_spanned_by(
                &t.ty,
                "write `let name = ...` without a type: every value has the network's float type",
            );
            pat = &t.pat;
        }
        let name = match pat {
            Pat::Ident(p) => {
                if let Some(m) = &p.mutability {
                    self.cx.error_spanned_by(
                        m,
                        "remove `mut`: a value of a network is computed once and never changed",
                    );
                }
                Some(p.ident.clone())
            }
            other => {
                self.cx
                    .error_spanned_by(other, "expected a plain name, like `let a1 = w1·x + b1;`");
                None
            }
        };
        let value = match &local.init {
            None => {
                self.cx.error_spanned_by(
                    &local.pat,
                    "a `let` in a network needs a value: `let a1 = w1·x + b1;`",
                );
                Expr::Invalid(Vec::new())
            }
            Some(init) => {
                if let Some((else_token, _)) = &init.diverge {
                    self.cx.error_spanned_by(
                        else_token,
                        "`let ... else` is not in the network language",
                    );
                }
                self.expr(&init.expr)
            }
        };
        let name = name?;
        let valid = !matches!(value, Expr::Invalid(_));
        self.lets.borrow_mut().insert(name.to_string(), valid);
        Some(Binding { name, value })
    }

    /// An expression of the language; a construct outside it is reported and becomes
    /// [`Expr::Invalid`] with the parts that could be read.
    pub fn expr(&self, e: &syn::Expr) -> Expr {
        match e {
            syn::Expr::Lit(lit) => self.literal(lit),
            syn::Expr::Path(p) => match p.path.get_ident() {
                Some(ident) if p.qself.is_none() => self.names(ident),
                _ => self.invalid(p, outside::PATH, vec![]),
            },
            syn::Expr::Binary(b) => self.binary(b),
            syn::Expr::Unary(u) => match u.op {
                syn::UnOp::Neg(t) => Expr::Neg(Box::new(self.expr(&u.expr)), t.span),
                op => {
                    let inner = self.expr(&u.expr);
                    self.invalid(op, outside::unary(op), vec![inner])
                }
            },
            syn::Expr::Paren(p) => self.expr(&p.expr),
            syn::Expr::Group(g) => self.expr(&g.expr),
            syn::Expr::Call(call) => self.call(call),
            other => {
                let (node, message) = outside::describe(other);
                let parts = outside::parts(other)
                    .into_iter()
                    .map(|p| self.expr(p))
                    .collect();
                self.cx.error_spanned_by(node, message);
                Expr::Invalid(parts)
            }
        }
    }

    fn invalid(
        &self,
        node: impl quote::ToTokens,
        message: impl std::fmt::Display,
        parts: Vec<Expr>,
    ) -> Expr {
        self.cx.error_spanned_by(node, message);
        Expr::Invalid(parts)
    }

    /// A number; a suffix of another type than the network's is a mistake.
    fn literal(&self, lit: &syn::ExprLit) -> Expr {
        let Some(value) = attr::number(&lit.lit) else {
            return self.invalid(lit, outside::literal(&lit.lit), vec![]);
        };
        let suffix = match &lit.lit {
            syn::Lit::Float(f) => f.suffix(),
            syn::Lit::Int(i) => i.suffix(),
            _ => "",
        };
        let plain = lit
            .lit
            .to_token_stream_string()
            .trim_end_matches(suffix)
            .to_string();
        let fits = match self.scalar {
            _ if suffix.is_empty() => true,
            Some(Scalar::Concrete(t)) => t == suffix,
            Some(Scalar::Generic(_)) | None => false,
        };
        if !fits {
            let network = match self.scalar {
                Some(s) => format!("the network's type `{}`", s.ident()),
                None => "the network's type".to_string(),
            };
            self.cx.error_spanned_by(
                lit,
                format!("write `{plain}` without the suffix `{suffix}`: a number without a suffix takes {network}"),
            );
        }
        Expr::Const(value, lit.span())
    }

    /// A name, or a product of names written with `·` (`w1·x` is one identifier).
    fn names(&self, ident: &Ident) -> Expr {
        let Some(parts) = self.split_dots(ident) else {
            return Expr::Invalid(Vec::new());
        };
        if parts.iter().any(Option::is_none) {
            return self.invalid(
                ident,
                format!("`·` needs a value on both sides, like `w1·x`; found `{ident}`"),
                vec![],
            );
        }
        product(parts.into_iter().flatten().collect(), ident.span())
    }

    fn binary(&self, b: &syn::ExprBinary) -> Expr {
        let lhs = self.expr(&b.left);
        let op = match b.op {
            syn::BinOp::Add(_) => BinOp::Add,
            syn::BinOp::Sub(_) => BinOp::Sub,
            syn::BinOp::Mul(_) if outside::is_deref(&b.right) => {
                // `x**2` reads as `x * (*2)` in Rust.
                let message = outside::power("`**` is not a power in Rust", &lhs, &b.right);
                return self.invalid(b.op, message, vec![lhs]);
            }
            syn::BinOp::Mul(_) => BinOp::Mul,
            syn::BinOp::Div(_) => BinOp::Div,
            other => {
                let rhs = self.expr(&b.right);
                let message = outside::operator(other, &lhs, &b.right);
                return self.invalid(other, message, vec![lhs, rhs]);
            }
        };
        let rhs = self.expr(&b.right);
        Expr::Binary(op, Box::new(lhs), Box::new(rhs), b.op.span())
    }

    /// Splits `w1·x` into its factors: `Some(expr)` per part, `None` for an empty part.
    fn split_dots(&self, ident: &Ident) -> Option<Vec<Option<Expr>>> {
        let text = ident.to_string();
        let span = ident.span();
        let mut parts = Vec::new();
        let mut ok = true;
        for part in text.split('·') {
            if part.is_empty() {
                parts.push(None);
            } else if part.starts_with(|c: char| c.is_ascii_digit()) {
                match part.parse::<f64>() {
                    Ok(v) => parts.push(Some(Expr::Const(v, span))),
                    Err(_) => {
                        self.cx.error_at(
                            span,
                            format!("`{part}` in `{text}` is neither a name nor a number"),
                        );
                        ok = false;
                    }
                }
            } else {
                match syn::parse_str::<Ident>(part) {
                    Ok(mut name) => {
                        name.set_span(span);
                        parts.push(Some(Expr::Var(name)));
                    }
                    Err(_) => {
                        self.cx
                            .error_at(span, format!("`{part}` in `{text}` is not a valid name"));
                        ok = false;
                    }
                }
            }
        }
        ok.then_some(parts)
    }

    fn call(&self, call: &syn::ExprCall) -> Expr {
        let callee_span = call.func.span();
        let args: Vec<&syn::Expr> = call.args.iter().collect();
        let mut factors = Vec::new();
        let name: Option<Ident> = match &*call.func {
            syn::Expr::Path(p) if p.qself.is_none() && p.path.get_ident().is_some() => {
                let Some(ident) = p.path.get_ident() else {
                    return Expr::Invalid(Vec::new());
                };
                let Some(parts) = self.split_dots(ident) else {
                    return Expr::Invalid(Vec::new());
                };
                let count = parts.len();
                let mut callee = None;
                for (i, part) in parts.into_iter().enumerate() {
                    match part {
                        Some(Expr::Var(v)) if i + 1 == count => callee = Some(v),
                        Some(e) => factors.push(e),
                        None if i + 1 == count && count > 1 => {}
                        None => {
                            return self.invalid(
                                ident,
                                format!(
                                    "`·` needs a value on both sides, like `w1·x`; found `{ident}`"
                                ),
                                vec![],
                            );
                        }
                    }
                }
                if callee.is_none() && factors.len() == count {
                    // `w·2(...)`: a number cannot be called.
                    return self.invalid(
                        ident,
                        format!("`{ident}` cannot be called; write `{ident} * (…)` for a product"),
                        vec![],
                    );
                }
                callee
            }
            syn::Expr::Lit(lit) => {
                // `2(x + 1)`: a number next to a parenthesis multiplies, as on paper.
                match self.literal(lit) {
                    Expr::Const(v, span) => factors.push(Expr::Const(v, span)),
                    invalid => return invalid,
                }
                None
            }
            other => {
                let parts = args.iter().map(|a| self.expr(a)).collect();
                return self.invalid(
                    other,
                    format!(
                        "only functions of the network language can be called; they are {}",
                        func::language_list()
                    ),
                    parts,
                );
            }
        };
        let Some(name) = name else {
            // Juxtaposition: `a·(b + c)` or `2(x + 1)`.
            if args.len() != 1 {
                return self.invalid(
                    call,
                    "a product needs one value in the parentheses, like `w·(x + b)`",
                    vec![],
                );
            }
            factors.push(self.expr(args[0]));
            return product(factors, callee_span);
        };
        if let Some(layer) = Layer::from_name(&name.to_string()) {
            factors.push(self.layer(&name, layer, &args, call));
            return product(factors, callee_span);
        }
        let value = match self.resolve(&name, &args, call) {
            Some(func) => {
                let arg = Box::new(self.expr(args[0]));
                let placeholder = self.attr.placeholders.iter().any(|p| p.name == name);
                Expr::Call(Call {
                    func,
                    span: name.span(),
                    name,
                    arg,
                    placeholder,
                })
            }
            None => Expr::Invalid(args.iter().map(|a| self.expr(a)).collect()),
        };
        factors.push(value);
        product(factors, callee_span)
    }

    /// What `name(args)` calls, with its constant arguments checked; `None` after an error.
    fn resolve(&self, name: &Ident, args: &[&syn::Expr], call: &syn::ExprCall) -> Option<Func> {
        if let Some(p) = self.attr.placeholders.iter().find(|p| p.name == *name) {
            if args.len() != 1 {
                self.cx
                    .error_spanned_by(call, format!("`{name}` takes one argument: `{name}(z)`"));
                return None;
            }
            return match p.activation.as_ref()? {
                Activation::Builtin(b, constants) => Some(Func::Builtin(*b, *constants)),
                Activation::Custom { .. } => {
                    let index = self.customs.iter().position(|c| c.name == *name)?;
                    Some(Func::Custom(index))
                }
            };
        }
        if let Some(&valid) = self.lets.borrow().get(&name.to_string()) {
            // A value is not a function; a value that was a mistake was reported already.
            if valid {
                self.cx.error_spanned_by(
                    name,
                    format!("`{name}` is a value of the network, not a function; for a product write `{name}·(…)`"),
                );
            }
            return None;
        }
        let Some(builtin) = Builtin::from_name(&name.to_string()) else {
            self.cx
                .error_spanned_by(name, outside::unknown_function(name));
            return None;
        };
        let (min, max) = builtin.constant_count();
        if args.is_empty() || args.len() - 1 < min || args.len() - 1 > max {
            self.cx.error_spanned_by(
                call,
                format!(
                    "wrong number of arguments: expected {}",
                    builtin.usage(builtin.operand())
                ),
            );
            return None;
        }
        let mut constants = [0.0; 2];
        for (k, spec) in builtin.spec().constants.iter().enumerate() {
            constants[k] = match args.get(k + 1) {
                Some(arg) => match attr::checked_constant(arg, spec) {
                    Ok(v) => v,
                    Err(e) => {
                        self.cx.push(e);
                        return None;
                    }
                },
                None => spec.default.unwrap_or(0.0),
            };
        }
        Some(Func::Builtin(builtin, constants))
    }
}

/// `a·b·c` as nested products, left to right.
fn product(factors: Vec<Expr>, span: Span) -> Expr {
    let mut factors = factors.into_iter();
    let first = factors.next().unwrap_or(Expr::Invalid(Vec::new()));
    factors.fold(first, |acc, f| {
        Expr::Binary(BinOp::Dot, Box::new(acc), Box::new(f), span)
    })
}

/// A literal's text.
trait LitText {
    fn to_token_stream_string(&self) -> String;
}

impl LitText for syn::Lit {
    fn to_token_stream_string(&self) -> String {
        quote::ToTokens::to_token_stream(self).to_string()
    }
}

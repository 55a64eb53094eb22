//! Stage 1: the annotated function → [`ast::Network`]. Every construct outside the network
//! language becomes an error pointing at the user's token; parsing goes on after an error so
//! that independent mistakes are all reported at once.

use crate::ast::{
    self, builtin_list, Arg, BinOp, Binding, Builtin, Call, Custom, Expr, Func, Output, Role,
    Scalar, Shape,
};
use crate::attr::{Activation, Attr};
use crate::errors::Errors;
use proc_macro2::Span;
use syn::spanned::Spanned;
use syn::{FnArg, GenericParam, Ident, Pat, ReturnType, Stmt, Type};

/// Builds the AST of `item` under the attribute `attr`, or reports why it cannot.
pub fn network(attr: Attr, item: syn::ItemFn, errors: &mut Errors) -> Option<ast::Network> {
    let signature = signature(&item, errors);
    let scalar = signature.as_ref().map(|(scalar, _)| scalar.clone());
    let args = arguments(&item, &attr, scalar.as_ref(), errors);
    let customs: Vec<Custom> = attr
        .placeholders
        .iter()
        .filter_map(|p| match &p.activation {
            Activation::Custom {
                function,
                derivative,
            } => Some(Custom {
                name: p.name.clone(),
                function: function.clone(),
                derivative: derivative.clone(),
            }),
            Activation::Builtin(..) => None,
        })
        .collect();
    let mut body = Body {
        attr: &attr,
        customs: &customs,
        errors,
    };
    let (lets, output) = body.statements(&item);
    let krate = attr
        .krate
        .clone()
        .unwrap_or_else(|| syn::parse_quote!(::nn));
    Some(ast::Network {
        scalar: scalar?,
        out_shape: signature.map(|(_, shape)| shape)?,
        args,
        lets,
        output: output?,
        customs,
        krate,
        item,
    })
}

/// Checks the function's qualifiers, generics and output type; returns the scalar type.
fn signature(item: &syn::ItemFn, errors: &mut Errors) -> Option<(Scalar, Shape)> {
    let sig = &item.sig;
    if let Some(t) = &sig.constness {
        errors.spanned(t, "a network cannot be a `const fn`");
    }
    if let Some(t) = &sig.asyncness {
        errors.spanned(t, "a network cannot be an `async fn`");
    }
    if let syn::Safety::Unsafe(t) = &sig.safety {
        errors.spanned(
            t,
            "a network cannot be an `unsafe fn`: generated code has no `unsafe`",
        );
    }
    if let Some(abi) = &sig.abi {
        errors.spanned(abi, "a network cannot have an `extern` ABI");
    }
    if let Some(v) = &sig.variadic {
        errors.spanned(v, "a network cannot be variadic");
    }
    let mut generic = None;
    for param in &sig.generics.params {
        match param {
            GenericParam::Type(t) if generic.is_none() => {
                let has_float = t.bounds.iter().any(|b| match b {
                    syn::TypeParamBound::Trait(tb) => {
                        tb.path.segments.last().is_some_and(|s| s.ident == "Float")
                    }
                    _ => false,
                });
                if has_float {
                    generic = Some(t.ident.clone());
                } else {
                    errors.spanned(
                        &t.ident,
                        format!(
                            "the scalar type parameter needs a `Float` bound: `{}: Float`",
                            t.ident
                        ),
                    );
                }
            }
            other => errors.spanned(
                other,
                "a network takes at most one generic parameter, the scalar type `T: Float`",
            ),
        }
    }
    let out_ty = match &sig.output {
        ReturnType::Default => {
            errors.at(
                sig.paren_token.span.close(),
                "a network must declare its output type: add `-> f32`, `-> f64` or `-> T` after the arguments",
            );
            return None;
        }
        ReturnType::Type(_, ty) => ty,
    };
    typed(out_ty, generic.as_ref(), errors)
}

const EXPECTED_TYPE: &str =
    "expected `f32`, `f64` or a type parameter `T: Float`, a vector `[f32; 3]` or a matrix `[[f32; 3]; 4]` of them";

/// The scalar and shape a type names, or an error saying what is allowed.
fn typed(ty: &Type, generic: Option<&Ident>, errors: &mut Errors) -> Option<(Scalar, Shape)> {
    match ty {
        Type::Array(outer) => {
            let rows = array_len(&outer.len, errors)?;
            match &*outer.elem {
                Type::Array(inner) => {
                    let cols = array_len(&inner.len, errors)?;
                    if let Type::Array(_) = &*inner.elem {
                        errors.spanned(
                            ty,
                            format!("arrays of more than two dimensions are not in the network language; {EXPECTED_TYPE}"),
                        );
                        return None;
                    }
                    let scalar = scalar_of(&inner.elem, generic, errors)?;
                    Some((scalar, Shape::Matrix(rows, cols)))
                }
                elem => Some((scalar_of(elem, generic, errors)?, Shape::Vector(rows))),
            }
        }
        Type::Paren(p) => typed(&p.elem, generic, errors),
        _ => Some((scalar_of(ty, generic, errors)?, Shape::Scalar)),
    }
}

/// The length of an array type: an integer literal of at least 1.
fn array_len(len: &syn::Expr, errors: &mut Errors) -> Option<usize> {
    // A length passed through `macro_rules!` (`$n:literal`) arrives wrapped in a group.
    let mut len = len;
    while let syn::Expr::Group(g) = len {
        len = &g.expr;
    }
    if let syn::Expr::Lit(syn::ExprLit {
        lit: syn::Lit::Int(int),
        ..
    }) = len
    {
        match int.base10_parse::<usize>() {
            Ok(0) => errors.spanned(len, "an array of a network has at least one element"),
            Ok(n) if n > 1 << 20 => errors.spanned(
                len,
                "arrays of more than 1048576 elements do not fit a network on the stack",
            ),
            Ok(n) => return Some(n),
            Err(e) => errors.spanned(len, e.to_string()),
        }
        return None;
    }
    errors.spanned(
        len,
        "array lengths must be integer literals, like `[f32; 3]`, so that shapes are checked when the network is compiled",
    );
    None
}

/// The scalar a type names, or an error saying what is allowed.
fn scalar_of(ty: &Type, generic: Option<&Ident>, errors: &mut Errors) -> Option<Scalar> {
    let expected = EXPECTED_TYPE;
    match ty {
        Type::Path(p) if p.qself.is_none() => {
            if let Some(ident) = p.path.get_ident() {
                if ident == "f32" || ident == "f64" {
                    return Some(Scalar::Concrete(ident.clone()));
                }
                if generic == Some(ident) {
                    return Some(Scalar::Generic(ident.clone()));
                }
                let name = ident.to_string();
                let integer = [
                    "i8", "i16", "i32", "i64", "i128", "isize", "u8", "u16", "u32", "u64", "u128",
                    "usize", "bool",
                ];
                if integer.contains(&name.as_str()) {
                    errors.spanned(ty, format!("`{name}` is not a float type; {expected}"));
                    return None;
                }
            }
            errors.spanned(ty, format!("unsupported type; {expected}"));
            None
        }
        Type::Reference(_) => {
            errors.spanned(ty, format!("pass values, not references; {expected}"));
            None
        }
        _ => {
            errors.spanned(ty, format!("unsupported type; {expected}"));
            None
        }
    }
}

/// The arguments with their roles.
fn arguments(
    item: &syn::ItemFn,
    attr: &Attr,
    scalar: Option<&Scalar>,
    errors: &mut Errors,
) -> Vec<Arg> {
    let generic = match scalar {
        Some(Scalar::Generic(g)) => Some(g.clone()),
        _ => None,
    };
    let mut args = Vec::new();
    for input in &item.sig.inputs {
        let arg = match input {
            FnArg::Receiver(r) => {
                errors.spanned(r, "a network is a free function; it cannot take `self`");
                continue;
            }
            FnArg::Typed(t) => t,
        };
        let name = match &*arg.pat {
            Pat::Ident(p) if p.by_ref.is_none() && p.mutability.is_none() && p.subpat.is_none() => {
                p.ident.clone()
            }
            other => {
                errors.spanned(other, "expected a plain argument name, like `x: f32`");
                continue;
            }
        };
        let found = typed(&arg.ty, generic.as_ref(), errors);
        let shape = found.as_ref().map_or(Shape::Scalar, |(_, shape)| *shape);
        if let (Some(expected), Some((found, _))) = (scalar, found) {
            if expected.ident() != found.ident() {
                errors.spanned(
                    &arg.ty,
                    format!(
                        "every argument must have the output's float type `{}`; `{name}` has `{}`",
                        expected.ident(),
                        found.ident()
                    ),
                );
            }
        }
        args.push(Arg {
            name,
            role: Role::Param,
            shape,
        });
    }
    match &attr.inputs {
        Some((_, names)) => {
            for name in names {
                match args.iter_mut().find(|a| a.name == *name) {
                    Some(arg) => arg.role = Role::Input,
                    None => errors.at(
                        name.span(),
                        format!("`inputs` names `{name}`, but the function has no such argument"),
                    ),
                }
            }
        }
        None => match args.first_mut() {
            Some(first) => first.role = Role::Input,
            None => errors.at(
                item.sig.paren_token.span.join(),
                "a network needs arguments: the input first, then the parameters, like `(x: f32, w: f32, b: f32)`",
            ),
        },
    }
    args
}

struct Body<'a> {
    attr: &'a Attr,
    customs: &'a [Custom],
    errors: &'a mut Errors,
}

const EXPECTED_EXPR: &str =
    "expected numbers, names, `+ - * / ·`, parentheses and calls like `sigmoid(z)`";

impl Body<'_> {
    fn statements(&mut self, item: &syn::ItemFn) -> (Vec<Binding>, Option<Output>) {
        let stmts = &item.block.stmts;
        let mut lets = Vec::new();
        let mut output = None;
        for (i, stmt) in stmts.iter().enumerate() {
            let last = i + 1 == stmts.len();
            match stmt {
                Stmt::Local(local) => {
                    if let Some(binding) = self.local(local) {
                        lets.push(binding);
                    }
                    if last {
                        self.errors.spanned(
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
                            self.errors
                                .spanned(other, "expected the output's name, like `y = ...`");
                            None
                        }
                    };
                    if let Some(value) = self.expr(&assign.right) {
                        output = Some(Output { name, value });
                    }
                }
                Stmt::Expr(e, None) if last => {
                    if let Some(value) = self.expr(e) {
                        output = Some(Output { name: None, value });
                    }
                }
                Stmt::Expr(syn::Expr::Assign(assign), _) => self.errors.spanned(
                    assign.eq_token,
                    "only the last statement can name the output (`y = ...`); use `let` for intermediate values",
                ),
                Stmt::Expr(e, Some(semi)) if last => {
                    self.expr(e);
                    self.errors.spanned(
                        semi,
                        "the body must end in the output: remove this `;`, or write `y = <expression>`",
                    );
                }
                Stmt::Expr(e, _) => {
                    if self.expr(e).is_some() {
                        self.errors.spanned(
                        e,
                            "an expression here computes nothing; bind it with `let name = ...;`",
                        );
                    }
                }
                Stmt::Item(item) => self.errors.spanned(
                    item,
                    "items are not allowed in a network body; define them outside the function",
                ),
                Stmt::Macro(m) => self.errors.spanned(
                    &m.mac.path,
                    "macros are not in the network language",
                ),
            }
        }
        if stmts.is_empty() {
            self.errors.spanned(
                &item.block,
                "the body is empty: write the network, like `y = sigmoid(w·x + b)`",
            );
        }
        (lets, output)
    }

    fn local(&mut self, local: &syn::Local) -> Option<Binding> {
        let name = match &local.pat {
            Pat::Ident(p) if p.by_ref.is_none() && p.mutability.is_none() && p.subpat.is_none() => {
                Some(p.ident.clone())
            }
            Pat::Type(t) => {
                self.errors.spanned(
                    &t.ty,
                    "write `let name = ...` without a type: every value has the network's float type",
                );
                None
            }
            other => {
                self.errors
                    .spanned(other, "expected a plain name, like `let a1 = w1·x + b1;`");
                None
            }
        };
        let Some(init) = &local.init else {
            self.errors.spanned(
                &local.pat,
                "a `let` in a network needs a value: `let a1 = w1·x + b1;`",
            );
            return None;
        };
        if let Some((else_token, _)) = &init.diverge {
            self.errors
                .spanned(else_token, "`let ... else` is not in the network language");
        }
        let value = self.expr(&init.expr)?;
        Some(Binding { name: name?, value })
    }

    fn expr(&mut self, e: &syn::Expr) -> Option<Expr> {
        match e {
            syn::Expr::Lit(lit) => match number(&lit.lit) {
                Some(v) => Some(Expr::Const(v, lit.span())),
                None => {
                    self.errors
                        .spanned(lit, "only numbers are allowed as constants");
                    None
                }
            },
            syn::Expr::Path(p) => {
                if p.qself.is_some() || p.path.get_ident().is_none() {
                    self.errors.spanned(
                        p,
                        "paths are not in the network language; use a plain name like `w1`",
                    );
                    return None;
                }
                let ident = p.path.get_ident()?;
                let parts = self.split_dots(ident)?;
                if parts.iter().any(Option::is_none) {
                    self.errors.spanned(
                        ident,
                        format!("`·` needs a value on both sides, like `w1·x`; found `{ident}`"),
                    );
                    return None;
                }
                Some(product(parts.into_iter().flatten().collect(), ident.span()))
            }
            syn::Expr::Binary(b) => {
                let op = match b.op {
                    syn::BinOp::Add(_) => Some(BinOp::Add),
                    syn::BinOp::Sub(_) => Some(BinOp::Sub),
                    syn::BinOp::Mul(_) => Some(BinOp::Mul),
                    syn::BinOp::Div(_) => Some(BinOp::Div),
                    other => {
                        let text = quote::ToTokens::to_token_stream(&other).to_string();
                        self.errors.spanned(
                            other,
                            format!("operator `{text}` is not in the network language; expected `+`, `-`, `*`, `/` or `·`"),
                        );
                        None
                    }
                };
                let lhs = self.expr(&b.left);
                let rhs = self.expr(&b.right);
                Some(Expr::Binary(
                    op?,
                    Box::new(lhs?),
                    Box::new(rhs?),
                    b.op.span(),
                ))
            }
            syn::Expr::Unary(u) => match u.op {
                syn::UnOp::Neg(t) => Some(Expr::Neg(Box::new(self.expr(&u.expr)?), t.span)),
                other => {
                    self.errors
                        .spanned(other, "only unary `-` is in the network language");
                    self.expr(&u.expr);
                    None
                }
            },
            syn::Expr::Paren(p) => self.expr(&p.expr),
            syn::Expr::Group(g) => self.expr(&g.expr),
            syn::Expr::Call(call) => self.call(call),
            syn::Expr::MethodCall(m) => {
                let method = m.method.to_string();
                let hint = match Builtin::from_name(&method) {
                    Some(b) => format!(
                        "write `{method}(z)` instead of `z.{method}()`",
                        method = b.name()
                    ),
                    None => format!("the functions are {}", builtin_list()),
                };
                self.errors.spanned(
                    &m.method,
                    format!("method calls are not in the network language; {hint} (a `·` can only follow a name: after `)` write `*`)"),
                );
                None
            }
            syn::Expr::If(i) => {
                self.errors.spanned(
                    i.if_token,
                    "`if` is not in the network language: a network is one expression; for piecewise functions use `relu`, `leaky_relu`, `step` or `abs`",
                );
                None
            }
            syn::Expr::Match(m) => {
                self.errors.spanned(
                    m.match_token,
                    "`match` is not in the network language: a network is one expression; for piecewise functions use `relu`, `leaky_relu`, `step` or `abs`",
                );
                None
            }
            syn::Expr::ForLoop(l) => {
                self.loop_error(l.for_token.span);
                None
            }
            syn::Expr::While(l) => {
                self.loop_error(l.while_token.span);
                None
            }
            syn::Expr::Loop(l) => {
                self.loop_error(l.loop_token.span);
                None
            }
            syn::Expr::Macro(m) => {
                self.errors
                    .spanned(&m.mac.path, "macros are not in the network language");
                None
            }
            syn::Expr::Cast(c) => {
                self.errors.spanned(
                    c.as_token,
                    "casts are not needed: every value has the network's float type",
                );
                None
            }
            syn::Expr::Assign(a) => {
                self.errors.spanned(
                    a.eq_token,
                    "assignment is only allowed as the last statement, `y = ...`",
                );
                None
            }
            other => {
                self.errors.spanned(
                    other,
                    format!("this is not in the network language; {EXPECTED_EXPR}"),
                );
                None
            }
        }
    }

    fn loop_error(&mut self, span: Span) {
        self.errors.at(
            span,
            "loops are not in the network language: write the network as one expression, with `let` for intermediate values",
        );
    }

    /// Splits `w1·x` into its factors: `Some(expr)` per part, `None` for an empty part.
    fn split_dots(&mut self, ident: &Ident) -> Option<Vec<Option<Expr>>> {
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
                        self.errors.at(
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
                        self.errors
                            .at(span, format!("`{part}` in `{text}` is not a valid name"));
                        ok = false;
                    }
                }
            }
        }
        ok.then_some(parts)
    }

    fn call(&mut self, call: &syn::ExprCall) -> Option<Expr> {
        let callee_span = call.func.span();
        let mut factors = Vec::new();
        let name: Option<Ident> = match &*call.func {
            syn::Expr::Path(p) if p.qself.is_none() && p.path.get_ident().is_some() => {
                let ident = p.path.get_ident()?;
                let parts = self.split_dots(ident)?;
                let count = parts.len();
                let mut callee = None;
                for (i, part) in parts.into_iter().enumerate() {
                    match part {
                        Some(Expr::Var(v)) if i + 1 == count => callee = Some(v),
                        Some(e) => factors.push(e),
                        None if i + 1 == count && count > 1 => {}
                        None => {
                            self.errors.spanned(
                                ident,
                                format!(
                                    "`·` needs a value on both sides, like `w1·x`; found `{ident}`"
                                ),
                            );
                            return None;
                        }
                    }
                }
                if callee.is_none() && factors.len() == count {
                    // `w·2(...)`: a number cannot be called.
                    self.errors.spanned(
                        ident,
                        format!("`{ident}` cannot be called; {EXPECTED_EXPR}"),
                    );
                    return None;
                }
                callee
            }
            syn::Expr::Lit(lit) => {
                // `2(x + 1)`: a number next to a parenthesis multiplies, as on paper.
                match number(&lit.lit) {
                    Some(v) => factors.push(Expr::Const(v, lit.span())),
                    None => {
                        self.errors
                            .spanned(lit, "only numbers are allowed as constants");
                        return None;
                    }
                }
                None
            }
            other => {
                self.errors.spanned(
                    other,
                    format!(
                        "only functions of the network language can be called; they are {}",
                        builtin_list()
                    ),
                );
                return None;
            }
        };
        let args: Vec<&syn::Expr> = call.args.iter().collect();
        let Some(name) = name else {
            // Juxtaposition: `a·(b + c)` or `2(x + 1)`.
            if args.len() != 1 {
                self.errors.spanned(
                    call,
                    "a product needs one value in the parentheses, like `w·(x + b)`",
                );
                return None;
            }
            let inner = self.expr(args[0])?;
            factors.push(inner);
            return Some(product(factors, callee_span));
        };
        let called = self.resolve(&name, &args, call)?;
        let arg = self.expr(args[0])?;
        let call_expr = Expr::Call(Call {
            func: called.0,
            arg: Box::new(arg),
            placeholder: called.1,
            span: name.span(),
        });
        factors.push(call_expr);
        Some(product(factors, callee_span))
    }

    /// What `name(args)` calls, with its constant arguments checked.
    fn resolve(
        &mut self,
        name: &Ident,
        args: &[&syn::Expr],
        call: &syn::ExprCall,
    ) -> Option<(Func, Option<Ident>)> {
        if let Some(p) = self.attr.placeholders.iter().find(|p| p.name == *name) {
            if args.len() != 1 {
                self.errors
                    .spanned(call, format!("`{name}` takes one argument: `{name}(z)`"));
                return None;
            }
            let func = match &p.activation {
                Activation::Builtin(b, constants) => {
                    builtin_func(*b, constants, name, self.errors)?
                }
                Activation::Custom { .. } => {
                    let index = self.customs.iter().position(|c| c.name == *name)?;
                    Func::Custom(index)
                }
            };
            return Some((func, Some(name.clone())));
        }
        let Some(builtin) = Builtin::from_name(&name.to_string()) else {
            self.errors.spanned(
                name,
                format!(
                    "unknown function `{name}`; expected one of {}, or a placeholder bound in `#[network({name} = sigmoid)]`",
                    builtin_list()
                ),
            );
            return None;
        };
        let (min, max) = builtin.constant_args();
        if args.is_empty() || args.len() - 1 < min || args.len() - 1 > max {
            self.errors.spanned(
                call,
                format!("wrong number of arguments: expected {}", builtin.usage()),
            );
            return None;
        }
        let mut constants = Vec::new();
        for arg in &args[1..] {
            match constant(arg) {
                Ok(v) => constants.push(v),
                Err(e) => {
                    self.errors.push(e);
                    return None;
                }
            }
        }
        Some((builtin_func(builtin, &constants, name, self.errors)?, None))
    }
}

/// The function a built-in with its constants denotes.
fn builtin_func(b: Builtin, constants: &[f64], name: &Ident, errors: &mut Errors) -> Option<Func> {
    Some(match b {
        Builtin::Step => Func::Step(constants.first().copied().unwrap_or(0.0)),
        Builtin::Sigmoid => Func::Sigmoid,
        Builtin::Tanh => Func::Tanh,
        Builtin::Relu => Func::Relu,
        Builtin::LeakyRelu => Func::LeakyRelu(constants[0]),
        Builtin::Exp => Func::Exp,
        Builtin::Ln => Func::Ln,
        Builtin::Sqrt => Func::Sqrt,
        Builtin::Abs => Func::Abs,
        Builtin::Softplus => Func::Softplus,
        Builtin::Sum => Func::Sum,
        Builtin::Mean => Func::Mean,
        Builtin::Softmax => Func::Softmax,
        Builtin::LogSoftmax => Func::LogSoftmax,
        Builtin::Powi => {
            let n = constants[0];
            if n.fract() != 0.0 || n.abs() > 64.0 || n == 0.0 {
                errors.spanned(
                    name,
                    "`powi` takes a whole, non-zero exponent between -64 and 64, like `powi(z, 2)`",
                );
                return None;
            }
            Func::Powi(n as i32)
        }
    })
}

/// `a·b·c` as nested products, left to right.
fn product(mut factors: Vec<Expr>, span: Span) -> Expr {
    let first = factors.remove(0);
    factors.into_iter().fold(first, |acc, f| {
        Expr::Binary(BinOp::Dot, Box::new(acc), Box::new(f), span)
    })
}

fn number(lit: &syn::Lit) -> Option<f64> {
    match lit {
        syn::Lit::Float(f) => f.base10_parse().ok(),
        syn::Lit::Int(i) => i.base10_parse().ok(),
        _ => None,
    }
}

/// A constant argument (`0.01`, `-1`, `2`): a number literal, possibly negated.
pub fn constant(e: &syn::Expr) -> syn::Result<f64> {
    match e {
        syn::Expr::Lit(lit) => number(&lit.lit)
            .ok_or_else(|| syn::Error::new_spanned(lit, "expected a number literal, like `0.01`")),
        syn::Expr::Unary(u) if matches!(u.op, syn::UnOp::Neg(_)) => constant(&u.expr).map(|v| -v),
        syn::Expr::Paren(p) => constant(&p.expr),
        syn::Expr::Group(g) => constant(&g.expr),
        other => Err(syn::Error::new_spanned(
            other,
            "expected a number literal, like `0.01`: this argument is a constant, not a value of the network",
        )),
    }
}

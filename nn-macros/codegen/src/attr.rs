//! The arguments of `#[network(...)]`.
//!
//! ```text
//! #[network(f1 = relu, f2 = leaky_relu(0.01), f3 = sigmoid,   // placeholders → functions
//!           act = custom(swish, swish_derivative),            // a user-defined activation
//!           inputs(x, t),                                     // data arguments (default: the first)
//!           crate = ::nn)]                                    // path of the facade crate
//! ```

use proc_macro2::{Span, TokenStream};
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::{Expr, Ident, Path, Token};

use crate::errors::Ctxt;
use crate::func::{self, Builtin, Constants};

/// What a placeholder name in the body stands for.
#[derive(Clone)]
pub enum Activation {
    /// A function of the table, with its constant arguments bound (`leaky_relu(0.01)`).
    Builtin(Builtin, Constants),
    /// `custom(f, df)`: the user's `f(z) -> T` and `df(z, f(z)) -> T`.
    Custom {
        /// `f`.
        function: Path,
        /// `df`.
        derivative: Path,
    },
}

/// One placeholder: `f1 = sigmoid`.
#[derive(Clone)]
pub struct Placeholder {
    /// The name used in the body.
    pub name: Ident,
    /// What it calls; `None` when the binding was wrong (and reported), so that the body's
    /// calls of the name give no second error.
    pub activation: Option<Activation>,
}

/// The parsed attribute.
#[derive(Default)]
pub struct Attr {
    /// Placeholder names bound to functions, in the order written.
    pub placeholders: Vec<Placeholder>,
    /// The arguments that are data, when given; otherwise the first argument is.
    pub inputs: Option<(Span, Vec<Ident>)>,
    /// The path under which the facade crate is reachable (default `::nn`).
    pub krate: Option<Path>,
    /// `predict = a`: the value of the body that is the network's prediction, for a network
    /// whose output is its loss.
    pub predict: Option<Ident>,
}

enum Item {
    Placeholder(Placeholder, Option<syn::Error>),
    Inputs(Span, Vec<Ident>),
    Crate(Path),
    Predict(Ident),
}

impl Parse for Item {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        if input.peek(Token![crate]) {
            input.parse::<Token![crate]>()?;
            input.parse::<Token![=]>()?;
            return Ok(Item::Crate(Path::parse_mod_style(input)?));
        }
        let key: Ident = input.parse()?;
        if key == "predict" && input.peek(Token![=]) {
            input.parse::<Token![=]>()?;
            return Ok(Item::Predict(input.parse()?));
        }
        if key == "inputs" && input.peek(syn::token::Paren) {
            let content;
            syn::parenthesized!(content in input);
            let names = Punctuated::<Ident, Token![,]>::parse_terminated(&content)?;
            return Ok(Item::Inputs(key.span(), names.into_iter().collect()));
        }
        if !input.peek(Token![=]) {
            return Err(syn::Error::new(
                key.span(),
                format!(
                    "expected `{key} = <function>`, `inputs(x, ...)`, `predict = <value>` or `crate = <path>` in `#[network(...)]`"
                ),
            ));
        }
        input.parse::<Token![=]>()?;
        let value: Expr = input.parse()?;
        if Builtin::from_name(&key.to_string()).is_some() {
            return Err(syn::Error::new(
                key.span(),
                format!("`{key}` is a function of the language and cannot name a placeholder; choose another name, like `f1`"),
            ));
        }
        let (activation, error) = match activation(&key, &value) {
            Ok(a) => (Some(a), None),
            Err(e) => (None, Some(e)),
        };
        Ok(Item::Placeholder(
            Placeholder {
                name: key,
                activation,
            },
            error,
        ))
    }
}

/// What `value` in `placeholder = value` binds.
fn activation(placeholder: &Ident, value: &Expr) -> syn::Result<Activation> {
    let (name_expr, args) = match value {
        Expr::Call(call) => (&*call.func, call.args.iter().collect::<Vec<_>>()),
        other => (other, Vec::new()),
    };
    let name = match name_expr {
        Expr::Path(path) => path.path.get_ident(),
        _ => None,
    };
    let Some(name) = name else {
        return Err(syn::Error::new_spanned(
            value,
            format!("expected one of {}", func::binding_list()),
        ));
    };
    if name == "custom" {
        let paths: Vec<Path> = args
            .iter()
            .filter_map(|arg| match arg {
                Expr::Path(p) => Some(p.path.clone()),
                _ => None,
            })
            .collect();
        if paths.len() != 2 || args.len() != 2 {
            return Err(syn::Error::new_spanned(
                value,
                "expected `custom(function, derivative)`: two paths to functions `fn(z: T) -> T` and `fn(z: T, fz: T) -> T`",
            ));
        }
        return Ok(Activation::Custom {
            function: paths[0].clone(),
            derivative: paths[1].clone(),
        });
    }
    let Some(builtin) = Builtin::from_name(&name.to_string()) else {
        let message = match func::closest(&name.to_string()).first() {
            Some(close) => format!("unknown function `{name}`; did you mean `{close}`?"),
            None => format!(
                "unknown function `{name}`; expected one of {}",
                func::binding_list()
            ),
        };
        return Err(syn::Error::new_spanned(name, message));
    };
    let (min, max) = builtin.constant_count();
    if args.len() < min || args.len() > max {
        return Err(syn::Error::new_spanned(
            value,
            format!(
                "`{name}` takes {}",
                builtin.constants_hint(Some(&placeholder.to_string()))
            ),
        ));
    }
    let mut constants = [0.0; 2];
    for (k, spec) in builtin.spec().constants.iter().enumerate() {
        constants[k] = match args.get(k) {
            Some(arg) => checked_constant(arg, spec)?,
            None => spec.default.unwrap_or(0.0),
        };
    }
    Ok(Activation::Builtin(builtin, constants))
}

/// A constant argument, checked against what its function accepts.
pub fn checked_constant(e: &Expr, spec: &func::Constant) -> syn::Result<f64> {
    let value = constant(e)?;
    (spec.check)(value)
        .map_err(|why| syn::Error::new_spanned(e, format!("the {} must be {why}", spec.what)))?;
    Ok(value)
}

/// A constant argument (`0.01`, `-1`, `2`): a number literal, possibly negated.
pub fn constant(e: &Expr) -> syn::Result<f64> {
    match e {
        Expr::Lit(lit) => number(&lit.lit)
            .ok_or_else(|| syn::Error::new_spanned(lit, "expected a number literal, like `0.01`")),
        Expr::Unary(u) if matches!(u.op, syn::UnOp::Neg(_)) => constant(&u.expr).map(|v| -v),
        Expr::Paren(p) => constant(&p.expr),
        Expr::Group(g) => constant(&g.expr),
        other => Err(syn::Error::new_spanned(
            other,
            "expected a number literal, like `0.01`: this argument is a constant, not a value of the network",
        )),
    }
}

/// The value of a number literal.
pub fn number(lit: &syn::Lit) -> Option<f64> {
    match lit {
        syn::Lit::Float(f) => f.base10_parse().ok(),
        syn::Lit::Int(i) => i.base10_parse().ok(),
        _ => None,
    }
}

/// Parses the attribute's tokens; every mistake is recorded in `cx` as a spanned error, and
/// what could be read is returned all the same.
pub fn parse(cx: &Ctxt, tokens: TokenStream) -> Attr {
    let mut attr = Attr::default();
    let parser = Punctuated::<Item, Token![,]>::parse_terminated;
    let items = match syn::parse::Parser::parse2(parser, tokens) {
        Ok(items) => items,
        Err(e) => {
            cx.push(e);
            return attr;
        }
    };
    for item in items {
        match item {
            Item::Placeholder(p, error) => {
                if let Some(error) = error {
                    cx.push(error);
                }
                if attr.placeholders.iter().any(|q| q.name == p.name) {
                    cx.error_at(
                        p.name.span(),
                        format!("placeholder `{}` is bound twice", p.name),
                    );
                }
                attr.placeholders.push(p);
            }
            Item::Inputs(span, names) => {
                if attr.inputs.is_some() {
                    cx.error_at(span, "`inputs(...)` is given twice");
                }
                check_inputs(cx, span, &names);
                attr.inputs = Some((span, names));
            }
            Item::Crate(path) => attr.krate = Some(path),
            Item::Predict(name) => {
                if attr.predict.is_some() {
                    cx.error_spanned_by(&name, "`predict = …` is given twice");
                }
                attr.predict = Some(name);
            }
        }
    }
    attr
}

/// `inputs(...)` names each data argument once, and at least one.
fn check_inputs(cx: &Ctxt, span: Span, names: &[Ident]) {
    if names.is_empty() {
        cx.error_at(
            span,
            "`inputs()` names no argument; name the data arguments, like `inputs(x, t)`, or leave it out to make the first argument the input",
        );
    }
    for (k, name) in names.iter().enumerate() {
        if names[..k].contains(name) {
            cx.error_spanned_by(name, format!("`{name}` is named twice in `inputs(...)`"));
        }
    }
}

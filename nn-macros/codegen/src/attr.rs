//! The arguments of `#[network(...)]`.
//!
//! ```text
//! #[network(f1 = relu, f2 = leaky_relu(0.01), f3 = sigmoid,   // placeholders → activations
//!           act = custom(swish, swish_derivative),            // a user-defined activation
//!           inputs(x, t),                                     // data arguments (default: the first)
//!           crate = ::nn)]                                    // path of the facade crate
//! ```

use crate::ast::Builtin;
use proc_macro2::{Span, TokenStream};
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::{Expr, Ident, Path, Token};

/// What a placeholder name in the body stands for.
#[derive(Clone)]
pub enum Activation {
    /// A built-in function, with its constant arguments bound (`leaky_relu(0.01)`).
    Builtin(Builtin, Vec<f64>),
    /// `custom(f, df)`: the user's `f(z) -> T` and `df(z, f(z)) -> T`.
    Custom { function: Path, derivative: Path },
}

/// One placeholder: `f1 = sigmoid`.
#[derive(Clone)]
pub struct Placeholder {
    /// The name used in the body.
    pub name: Ident,
    /// What it calls.
    pub activation: Activation,
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
}

enum Item {
    Placeholder(Placeholder),
    /// A placeholder whose activation is wrong: the name still counts as bound, so that the
    /// body's calls of it give no second error.
    BadPlaceholder(Ident, syn::Error),
    Inputs(Span, Vec<Ident>),
    Crate(Path),
}

impl Parse for Item {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        if input.peek(Token![crate]) {
            input.parse::<Token![crate]>()?;
            input.parse::<Token![=]>()?;
            return Ok(Item::Crate(Path::parse_mod_style(input)?));
        }
        let key: Ident = input.parse()?;
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
                    "expected `{key} = <activation>`, `inputs(x, ...)` or `crate = <path>` in `#[network(...)]`"
                ),
            ));
        }
        input.parse::<Token![=]>()?;
        let value: Expr = input.parse()?;
        let activation = match parse_activation(&value) {
            Ok(a) => a,
            Err(e) => return Ok(Item::BadPlaceholder(key, e)),
        };
        if Builtin::from_name(&key.to_string()).is_some() {
            return Err(syn::Error::new(
                key.span(),
                format!("`{key}` is a built-in function and cannot name a placeholder; choose another name, like `f1`"),
            ));
        }
        Ok(Item::Placeholder(Placeholder {
            name: key,
            activation,
        }))
    }
}

fn parse_activation(value: &Expr) -> syn::Result<Activation> {
    let (name_expr, args) = match value {
        Expr::Call(call) => (&*call.func, call.args.iter().collect::<Vec<_>>()),
        other => (other, Vec::new()),
    };
    let Expr::Path(path) = name_expr else {
        return Err(syn::Error::new_spanned(value, EXPECTED_ACTIVATION));
    };
    let Some(name) = path.path.get_ident() else {
        return Err(syn::Error::new_spanned(value, EXPECTED_ACTIVATION));
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
        return Err(syn::Error::new_spanned(
            name,
            format!("unknown activation `{name}`; {EXPECTED_ACTIVATION}"),
        ));
    };
    let mut constants = Vec::new();
    for arg in &args {
        constants.push(crate::parse::constant(arg)?);
    }
    let (min, max) = builtin.constant_args();
    if constants.len() < min || constants.len() > max {
        return Err(syn::Error::new_spanned(
            value,
            format!(
                "`{name}` as a placeholder takes {}",
                builtin.constant_args_hint()
            ),
        ));
    }
    Ok(Activation::Builtin(builtin, constants))
}

const EXPECTED_ACTIVATION: &str = "expected one of `step`, `sigmoid`, `tanh`, `relu`, `leaky_relu(α)`, `softplus`, `exp`, `ln`, `sqrt`, `abs` or `custom(f, df)`";

/// Parses the attribute's tokens; every mistake is recorded in `errors` as a spanned error,
/// and what could be read is returned all the same.
pub fn parse(tokens: TokenStream, errors: &mut crate::errors::Errors) -> Attr {
    let mut attr = Attr::default();
    let parser = Punctuated::<Item, Token![,]>::parse_terminated;
    let items = match syn::parse::Parser::parse2(parser, tokens) {
        Ok(items) => items,
        Err(e) => {
            errors.push(e);
            return attr;
        }
    };
    for item in items {
        match item {
            Item::Placeholder(p) => {
                if attr.placeholders.iter().any(|q| q.name == p.name) {
                    errors.at(
                        p.name.span(),
                        format!("placeholder `{}` is bound twice", p.name),
                    );
                }
                attr.placeholders.push(p);
            }
            Item::Inputs(span, names) => {
                if attr.inputs.is_some() {
                    errors.at(span, "`inputs(...)` is given twice");
                }
                attr.inputs = Some((span, names));
            }
            Item::Crate(path) => attr.krate = Some(path),
            Item::BadPlaceholder(name, error) => {
                errors.push(error);
                attr.placeholders.push(Placeholder {
                    name,
                    activation: Activation::Builtin(Builtin::Sigmoid, Vec::new()),
                });
            }
        }
    }
    attr
}

//! The annotated function → [`ast::Network`]. Every construct outside the network language
//! becomes an error pointing at the user's token; reading goes on after an error, keeping
//! what it could read, so that independent mistakes are all reported at once and none
//! causes another.

mod body;
mod outside;

use syn::{FnArg, GenericParam, Ident, Pat, ReturnType, Type, WherePredicate};

use crate::ast::{self, Arg, Custom, Role, Scalar, Shape};
use crate::attr::{Activation, Attr};
use crate::errors::Ctxt;

/// Builds the AST of `item` under the attribute `attr`, recording every mistake in `cx`.
pub fn network(cx: &Ctxt, attr: &Attr, item: syn::ItemFn) -> ast::Network {
    let generic = scalar_parameter(cx, &item.sig.generics);
    qualifiers(cx, &item.sig);
    let signature = output_type(cx, &item, generic.as_ref());
    let scalar = signature.as_ref().map(|(scalar, _)| scalar.clone());
    let args = arguments(cx, &item, attr, scalar.as_ref(), generic.as_ref());
    let customs: Vec<Custom> = attr
        .placeholders
        .iter()
        .filter_map(|p| match &p.activation {
            Some(Activation::Custom {
                function,
                derivative,
            }) => Some(Custom {
                name: p.name.clone(),
                function: function.clone(),
                derivative: derivative.clone(),
            }),
            _ => None,
        })
        .collect();
    let (lets, output) = body::Body::new(cx, attr, &customs, scalar.as_ref()).statements(&item);
    ast::Network {
        scalar,
        out_shape: signature.map(|(_, shape)| shape),
        args,
        lets,
        output,
        customs,
        krate: attr
            .krate
            .clone()
            .unwrap_or_else(|| syn::parse_quote!(::nn)),
        predict: attr.predict.clone(),
        item,
    }
}

/// `const`, `async`, `unsafe`, `extern` and variadic functions are refused.
fn qualifiers(cx: &Ctxt, sig: &syn::Signature) {
    if let Some(t) = &sig.constness {
        cx.error_spanned_by(t, "a network cannot be a `const fn`");
    }
    if let Some(t) = &sig.asyncness {
        cx.error_spanned_by(t, "a network cannot be an `async fn`");
    }
    if let syn::Safety::Unsafe(t) = &sig.safety {
        cx.error_spanned_by(
            t,
            "a network cannot be an `unsafe fn`: generated code has no `unsafe`",
        );
    }
    if let Some(abi) = &sig.abi {
        cx.error_spanned_by(abi, "a network cannot have an `extern` ABI");
    }
    if let Some(v) = &sig.variadic {
        cx.error_spanned_by(v, "a network cannot be variadic");
    }
}

/// Whether a bound names the runtime's float trait (`Float`, `nn::Float`, `num_traits::Float`).
fn is_float_bound(bound: &syn::TypeParamBound) -> bool {
    match bound {
        syn::TypeParamBound::Trait(t) => t.path.segments.last().is_some_and(|s| s.ident == "Float"),
        _ => false,
    }
}

/// The scalar type parameter `T: Float`, bound in the parameter list or a `where` clause.
fn scalar_parameter(cx: &Ctxt, generics: &syn::Generics) -> Option<Ident> {
    let mut generic: Option<(Ident, bool)> = None;
    for param in &generics.params {
        match param {
            GenericParam::Type(t) if generic.is_none() => {
                generic = Some((t.ident.clone(), t.bounds.iter().any(is_float_bound)));
            }
            other => cx.error_spanned_by(
                other,
                "a network takes at most one generic parameter, the scalar type `T: Float`",
            ),
        }
    }
    for predicate in generics.where_clause.iter().flat_map(|w| &w.predicates) {
        let bounded = match predicate {
            WherePredicate::Type(p) => match &p.bounded_ty {
                Type::Path(path) => path.path.get_ident(),
                _ => None,
            },
            _ => None,
        };
        match (&mut generic, bounded, predicate) {
            (Some((t, has_float)), Some(name), WherePredicate::Type(p)) if name == t => {
                *has_float |= p.bounds.iter().any(is_float_bound);
            }
            _ => cx.error_spanned_by(
                predicate,
                "a `where` clause of a network can only bound its scalar type: `where T: Float`",
            ),
        }
    }
    let (t, has_float) = generic?;
    if !has_float {
        cx.error_spanned_by(
            &t,
            format!("the scalar type parameter needs a `Float` bound: `{t}: Float`"),
        );
    }
    Some(t)
}

/// The scalar and shape of the output type.
fn output_type(cx: &Ctxt, item: &syn::ItemFn, generic: Option<&Ident>) -> Option<(Scalar, Shape)> {
    match &item.sig.output {
        ReturnType::Default => {
            cx.error_at(
                item.sig.paren_token.span.close(),
                "a network must declare its output type: add `-> f32`, `-> f64` or `-> T` after the arguments",
            );
            None
        }
        ReturnType::Type(_, ty) => typed(cx, ty, generic),
    }
}

const EXPECTED_TYPE: &str =
    "expected `f32`, `f64` or a type parameter `T: Float`, a vector `[f32; 3]`, a matrix `[[f32; 3]; 4]`, or channel data and kernel banks of three or four dimensions (`[[[f32; 8]; 8]; 1]`) of them";

/// The scalar and shape a type names, or an error saying what is allowed. A reference is an
/// error, but the type it refers to is still read, so that its uses give no second error.
fn typed(cx: &Ctxt, ty: &Type, generic: Option<&Ident>) -> Option<(Scalar, Shape)> {
    match ty {
        Type::Array(_) => {
            // The lengths outermost first: `[[f32; 3]; 4]` is 4 rows of 3.
            let mut dims = Vec::new();
            let mut complete = true;
            let mut elem = ty;
            while let Type::Array(array) = elem {
                match array_len(cx, &array.len) {
                    Some(n) => dims.push(n),
                    None => complete = false,
                }
                elem = &array.elem;
            }
            let Some(shape) = Shape::of_dims(&dims).filter(|_| dims.len() <= 4) else {
                cx.error_spanned_by(
                    ty,
                    format!("arrays of more than four dimensions are not in the network language; {EXPECTED_TYPE}"),
                );
                return None;
            };
            let scalar = scalar_of(cx, elem, generic)?;
            complete.then_some((scalar, shape))
        }
        Type::Paren(p) => typed(cx, &p.elem, generic),
        Type::Reference(r) => {
            let inner = &r.elem;
            cx.error_spanned_by(
                ty,
                format!(
                    "pass values, not references: write `{}` (a network's inputs and parameters are held by value)",
                    quote::ToTokens::to_token_stream(inner).to_string().replace(" ;", ";")
                ),
            );
            typed(cx, inner, generic)
        }
        _ => Some((scalar_of(cx, ty, generic)?, Shape::Scalar)),
    }
}

/// The length of an array type: an integer literal of at least 1.
fn array_len(cx: &Ctxt, len: &syn::Expr) -> Option<usize> {
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
            Ok(0) => cx.error_spanned_by(len, "an array of a network has at least one element"),
            Ok(n) if n > 1 << 20 => cx.error_spanned_by(
                len,
                "arrays of more than 1048576 elements do not fit a network on the stack",
            ),
            Ok(n) => return Some(n),
            Err(e) => cx.error_spanned_by(len, e.to_string()),
        }
        return None;
    }
    cx.error_spanned_by(
        len,
        "array lengths must be integer literals, like `[f32; 3]`, so that shapes are checked when the network is compiled",
    );
    None
}

/// The scalar a type names, or an error saying what is allowed.
fn scalar_of(cx: &Ctxt, ty: &Type, generic: Option<&Ident>) -> Option<Scalar> {
    if let Type::Path(p) = ty {
        if let (None, Some(ident)) = (&p.qself, p.path.get_ident()) {
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
                cx.error_spanned_by(ty, format!("`{name}` is not a float type; {EXPECTED_TYPE}"));
                return None;
            }
        }
    }
    cx.error_spanned_by(ty, format!("unsupported type; {EXPECTED_TYPE}"));
    None
}

/// The arguments with their roles. An argument whose pattern or type is wrong is kept, so
/// that the body's uses of it give no second error.
fn arguments(
    cx: &Ctxt,
    item: &syn::ItemFn,
    attr: &Attr,
    scalar: Option<&Scalar>,
    generic: Option<&Ident>,
) -> Vec<Arg> {
    let mut args = Vec::new();
    for input in &item.sig.inputs {
        let arg = match input {
            FnArg::Receiver(r) => {
                cx.error_spanned_by(r, "a network is a free function; it cannot take `self`");
                continue;
            }
            FnArg::Typed(t) => t,
        };
        let Some(name) = argument_name(cx, &arg.pat) else {
            continue;
        };
        let found = typed(cx, &arg.ty, generic);
        if let (Some(expected), Some((found, _))) = (scalar, &found) {
            if expected.ident() != found.ident() {
                cx.error_spanned_by(
                    &arg.ty,
                    format!(
                        "every argument must have the output's float type `{}`; `{name}` has `{}`",
                        expected.ident(),
                        found.ident()
                    ),
                );
            }
        }
        if let Some(twin) = args.iter().find(|a: &&Arg| a.name == name) {
            cx.error_spanned_by(
                &name,
                format!(
                    "`{}` is already an argument; every name in a network is defined once",
                    twin.name
                ),
            );
            continue;
        }
        args.push(Arg {
            name,
            role: Role::Param,
            shape: found.map(|(_, shape)| shape),
        });
    }
    assign_roles(cx, item, attr, &mut args);
    args
}

/// The name an argument's pattern binds; `mut x` and `ref x` are errors that keep the name.
fn argument_name(cx: &Ctxt, pat: &Pat) -> Option<Ident> {
    match pat {
        Pat::Ident(p) => {
            if let Some(m) = &p.mutability {
                cx.error_spanned_by(
                    m,
                    format!(
                        "remove `mut`: a network never changes its arguments; write `{}: …`",
                        p.ident
                    ),
                );
            }
            if let Some(r) = &p.by_ref {
                cx.error_spanned_by(r, format!("remove `ref`: write `{}: …`", p.ident));
            }
            if let Some((at, _)) = &p.subpat {
                cx.error_spanned_by(
                    at,
                    "patterns are not in the network language; write a plain name, like `x: f32`",
                );
            }
            Some(p.ident.clone())
        }
        other => {
            cx.error_spanned_by(other, "expected a plain argument name, like `x: f32`");
            None
        }
    }
}

/// Marks the inputs: those `inputs(...)` names, or else the first argument.
fn assign_roles(cx: &Ctxt, item: &syn::ItemFn, attr: &Attr, args: &mut [Arg]) {
    match &attr.inputs {
        Some((_, names)) => {
            for name in names {
                match args.iter_mut().find(|a| a.name == *name) {
                    Some(arg) => arg.role = Role::Input,
                    None => cx.error_at(
                        name.span(),
                        format!("`inputs` names `{name}`, but the function has no such argument"),
                    ),
                }
            }
        }
        None => match args.first_mut() {
            Some(first) => {
                first.role = Role::Input;
                data_not_first(cx, args);
            }
            None if item.sig.inputs.is_empty() => cx.error_at(
                item.sig.paren_token.span.join(),
                "a network needs arguments: the input first, then the parameters, like `(x: f32, w: f32, b: f32)`",
            ),
            None => {}
        },
    }
}

/// Whether a name reads as data rather than as a trainable parameter: `x`, `X`, `x1`, `x_b`,
/// `t`, `y`, `input`, `target`, `label`, `data`, `sample`, `features`, `image` (and plurals).
pub fn looks_like_data(name: &str) -> bool {
    let lower = name.to_lowercase();
    let base = lower.trim_end_matches(|c: char| c.is_ascii_digit());
    let base = base.split('_').next().unwrap_or(base);
    matches!(base, "x" | "t" | "y")
        || [
            "input", "target", "label", "data", "sample", "feature", "image",
        ]
        .iter()
        .any(|word| base == *word || base == format!("{word}s"))
}

/// By default only the first argument is data. Another argument named like data would be
/// trained as a parameter while the first (a weight, perhaps) is fed the data: refused, so
/// that the mistake cannot train silently.
fn data_not_first(cx: &Ctxt, args: &[Arg]) {
    let first = &args[0].name;
    for arg in &args[1..] {
        let text = arg.name.to_string();
        // A reserved name is refused for that reason (one error).
        if looks_like_data(&text) && !crate::reserved::is_reserved(&text) {
            let name = &arg.name;
            cx.error_spanned_by(
                name,
                format!(
                    "`{name}` looks like data, but only the first argument (`{first}`) is an input unless the attribute says otherwise: put the data first, or name the inputs with `#[network(inputs({name}))]` (`inputs({first}, {name})` if both are data)"
                ),
            );
        }
    }
}

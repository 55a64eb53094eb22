//! Layer calls in a body: `conv1d(K, x, stride = 2, padding = 1)`, `max_pool(h, 2)`,
//! `flatten(h)`: their values, then their constants by name.

use syn::Ident;

use super::Body;
use crate::ast::{Expr, LayerCall};
use crate::layer::{Layer, Padding};

impl Body<'_> {
    /// A layer call: its values first, then (for a pooling) the window, then constants by
    /// name, `stride = 2`, `padding = 1` or `padding = same`.
    pub(super) fn layer(
        &self,
        name: &Ident,
        mut layer: Layer,
        args: &[&syn::Expr],
        call: &syn::ExprCall,
    ) -> Expr {
        let mut positional = Vec::new();
        let mut named = Vec::new();
        for arg in args {
            match arg {
                syn::Expr::Assign(assign) => named.push(assign),
                other if named.is_empty() => positional.push(*other),
                other => {
                    self.cx.error_spanned_by(
                        other,
                        format!(
                            "write the values of `{name}` before its named constants: {}",
                            layer.usage()
                        ),
                    );
                    return Expr::Invalid(Vec::new());
                }
            }
        }
        let window = matches!(layer, Layer::Pool { .. });
        let expected = layer.values() + usize::from(window);
        if positional.len() != expected {
            let parts = positional.iter().map(|a| self.expr(a)).collect();
            return self.invalid(
                call,
                format!("wrong number of arguments: expected {}", layer.usage()),
                parts,
            );
        }
        let values: Vec<Expr> = positional[..layer.values()]
            .iter()
            .map(|a| self.expr(a))
            .collect();
        let mut ok = true;
        if let Layer::Pool { window, .. } = &mut layer {
            match self.whole_number(positional[1], "window", 1) {
                Some(w) => *window = w,
                None => ok = false,
            }
        }
        let mut constants = Vec::new();
        for assign in named {
            let key = match &*assign.left {
                syn::Expr::Path(p) if p.path.get_ident().is_some() => p
                    .path
                    .get_ident()
                    .map(ToString::to_string)
                    .unwrap_or_default(),
                other => {
                    self.cx.error_spanned_by(
                        other,
                        format!(
                            "expected a constant's name, like `stride = 2`: {}",
                            layer.usage()
                        ),
                    );
                    ok = false;
                    continue;
                }
            };
            if constants.iter().any(|(k, _): &(String, String)| *k == key) {
                self.cx
                    .error_spanned_by(&assign.left, format!("`{key}` is given twice"));
                ok = false;
                continue;
            }
            let written = quote::ToTokens::to_token_stream(&*assign.right).to_string();
            constants.push((key.clone(), written));
            let value = &*assign.right;
            match (&mut layer, key.as_str()) {
                (Layer::Conv { stride, .. }, "stride") => {
                    match self.whole_number(value, "stride", 1) {
                        Some(s) => *stride = s,
                        None => ok = false,
                    }
                }
                (Layer::Pool { stride, .. }, "stride") => {
                    match self.whole_number(value, "stride", 1) {
                        Some(s) => *stride = Some(s),
                        None => ok = false,
                    }
                }
                (Layer::Conv { padding, .. }, "padding") => match padding_of(value) {
                    Some(p) => *padding = p,
                    None => match self.whole_number(value, "padding", 0) {
                        Some(p) => *padding = Padding::Zeros(p),
                        None => ok = false,
                    },
                },
                _ => {
                    let known = match layer {
                        Layer::Conv { .. } => "its constants are `stride` and `padding`",
                        Layer::Pool { .. } => "its constant is `stride`",
                        Layer::Flatten => "it has no constants",
                    };
                    self.cx.error_spanned_by(
                        &assign.left,
                        format!(
                            "`{name}` has no constant `{key}`; {known}: {}",
                            layer.usage()
                        ),
                    );
                    ok = false;
                }
            }
        }
        if !ok {
            return Expr::Invalid(values);
        }
        Expr::Layer(LayerCall {
            layer,
            name: name.clone(),
            args: values,
            span: name.span(),
            constants,
        })
    }

    /// A whole number of at least `min`, written as an integer literal.
    fn whole_number(&self, e: &syn::Expr, what: &str, min: usize) -> Option<usize> {
        let mut e = e;
        while let syn::Expr::Group(g) = e {
            e = &g.expr;
        }
        if let syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Int(int),
            ..
        }) = e
        {
            if let Ok(n) = int.base10_parse::<usize>() {
                if n >= min && int.suffix().is_empty() {
                    return Some(n);
                }
            }
        }
        let least = if min == 0 {
            "a whole number"
        } else {
            "a whole number of at least 1"
        };
        let same = if what == "padding" { " or `same`" } else { "" };
        self.cx.error_spanned_by(
            e,
            format!("the {what} is {least}{same}, written as an integer like `2`"),
        );
        None
    }
}

/// `same` or `valid` as a padding.
fn padding_of(e: &syn::Expr) -> Option<Padding> {
    let syn::Expr::Path(p) = e else {
        return None;
    };
    match p.path.get_ident()?.to_string().as_str() {
        "same" => Some(Padding::Same),
        "valid" => Some(Padding::Zeros(0)),
        _ => None,
    }
}

//! The `#[network(...)]` attribute and the `fn` item a request stands for: a body wrapped in a
//! signature, or a whole `fn` item, with a pasted `#[network(...)]` attribute taken as bindings.

use std::collections::BTreeSet;

use proc_macro2::{Delimiter, TokenStream, TokenTree};

use super::{Failure, Field, Mark, Request};
use crate::func::Builtin;
use crate::layer::Layer;

/// What a request compiles: the attribute and the `fn` item, the item as text, and where
/// the request's own text is in it.
pub(super) struct Source {
    /// The attribute's arguments: the bindings.
    pub attr: TokenStream,
    /// The `fn` item.
    pub item: TokenStream,
    /// The `fn` item as text: what spans point into.
    pub function: String,
    /// The bindings as compiled (the attribute's arguments as text): where spans of the
    /// attribute point into.
    pub bindings: String,
    /// The network as read from the request, without a pasted attribute and imports.
    body: String,
    /// The character at which `body` starts in `function`.
    body_at: usize,
}

impl Source {
    /// The character of [`Request::body`] that the character `at` of the function is,
    /// when it comes from the request's text.
    pub(super) fn in_request(&self, request: &Request, at: usize) -> Option<usize> {
        in_request(&request.body, &self.body, at.checked_sub(self.body_at)?)
    }
}

/// The character of `typed` that the character `at` of `body` (the network read from it)
/// is: `body` is `typed` trimmed, or, after a pasted attribute or imports were taken out,
/// ends as `typed` does.
fn in_request(typed: &str, body: &str, at: usize) -> Option<usize> {
    let chars = |s: &str| s.chars().count();
    if at > chars(body) {
        return None;
    }
    if let Some(start) = typed.find(body) {
        return Some(chars(&typed[..start]) + at);
    }
    let from_end = chars(body) - at;
    let typed_end = chars(typed.trim_end());
    let k = typed_end.checked_sub(from_end)?;
    let same = typed
        .chars()
        .skip(k)
        .take(from_end)
        .eq(body.chars().skip(at));
    same.then_some(k)
}

/// The attribute and `fn` item for the request, and the item as text.
pub(super) fn network_source(request: &Request) -> Result<Source, Failure> {
    let (pasted, body) = pasted_attribute(request.body.trim())?;
    let mut bindings = Bindings::parse(pasted.as_deref().unwrap_or(""), "#[network(...)]")?;
    bindings.override_with(Bindings::parse(&request.with, "--with")?);
    let given = bindings.take_inputs()?;
    let requested = (!request.inputs.is_empty()).then(|| request.inputs.clone());
    let inputs = match (given, requested) {
        (Some(given), Some(requested)) if given != requested => {
            return Err(format!(
                "the data arguments are given twice: --inputs {} and inputs({}) in the bindings; give them once",
                requested.join(","),
                given.join(", ")
            )
            .into())
        }
        (given, requested) => requested.or(given),
    };
    let body_tokens: TokenStream = body.parse().map_err(|e| not_tokens(request, &body, &e))?;
    let (function, inputs, body_at) = if is_fn_item(&body_tokens) {
        // The item's own signature: without `inputs(...)`, its first argument is the input.
        (body.to_string(), inputs, 0)
    } else {
        let (function, inputs) = wrapped(request, &body, &body_tokens, &bindings, inputs)?;
        let body_at = function
            .find(WRAPPED_BODY)
            .map_or(0, |k| function[..k + WRAPPED_BODY.len()].chars().count());
        (function, Some(inputs), body_at)
    };
    let item: TokenStream = function
        .parse()
        .map_err(|e| format!("`{function}` is not valid tokens: {e}"))?;
    if let Some(inputs) = inputs {
        bindings.entries.push(Entry {
            key: "inputs".into(),
            text: format!("inputs({})", inputs.join(", ")),
        });
    }
    let bindings = bindings.to_string();
    let attr: TokenStream = bindings.parse().map_err(|e| format!("{e}"))?;
    Ok(Source {
        attr,
        item,
        function,
        bindings,
        body,
        body_at,
    })
}

/// What comes between a wrapped body's signature and the body.
const WRAPPED_BODY: &str = "{\n    ";

/// Why `text` is not Rust tokens, as the macro says it where rustc's lexer lets it: a bracket
/// without its partner, a `·` after `)` or a number, a look-alike of `·`; else the lexer's own
/// words, at the place it names.
fn not_tokens(request: &Request, text: &str, error: &proc_macro2::LexError) -> Failure {
    let chars: Vec<char> = text.chars().collect();
    let at = |k: usize, why: String| located(request, text, &chars, k, why);
    if let Some((k, why)) = unpaired_bracket(&chars) {
        return at(k, why);
    }
    for (k, &c) in chars.iter().enumerate() {
        let why = match c {
            '⋅' | '∙' => format!(
                "`{c}` (U+{:04X}) is not the lecture's `·` (U+00B7, middle dot), which Rust accepts inside names: write `·`",
                c as u32
            ),
            '·' if after_bracket_or_number(&chars[..k]) => {
                "`·` cannot follow `)` or a number in Rust (its lexer reads it as `.`): write `*` there, or name the value with `let` and write `name·…`".to_string()
            }
            _ => continue,
        };
        return at(k, why);
    }
    // The lexer's place: its span's line and column in `text`.
    let place = error.span().start();
    let k = text
        .split('\n')
        .take(place.line.saturating_sub(1))
        .map(|l| l.chars().count() + 1)
        .sum::<usize>()
        + place.column;
    if place.line >= 1 && k < chars.len() {
        return at(k, format!("Rust cannot read the network here: {error}"));
    }
    format!("the network `{text}` is not valid Rust tokens: {error}").into()
}

/// The error `why` at character `k` of `text`: the line and a `^` under it, and its mark in
/// the request's text.
fn located(request: &Request, text: &str, chars: &[char], k: usize, why: String) -> Failure {
    let line_start = chars[..k]
        .iter()
        .rposition(|&c| c == '\n')
        .map_or(0, |p| p + 1);
    let line: String = chars[line_start..]
        .iter()
        .take_while(|&&c| c != '\n')
        .collect();
    let under = " ".repeat(k - line_start);
    let marks = in_request(&request.body, text, k).map(|start| Mark {
        message: why.clone(),
        field: Field::Network,
        start,
        end: start + 1,
    });
    Failure {
        message: format!("error: {why}\n   | {line}\n   | {under}^"),
        marks: marks.into_iter().collect(),
    }
}

/// The first bracket without its partner: a closing one with no opening one before it, one
/// that closes another kind, or an opening one never closed (`//` comments skipped).
fn unpaired_bracket(chars: &[char]) -> Option<(usize, String)> {
    let mut open: Vec<(usize, char)> = Vec::new();
    let mut k = 0;
    while k < chars.len() {
        let c = chars[k];
        if c == '/' && chars.get(k + 1) == Some(&'/') {
            k = chars[k..]
                .iter()
                .position(|&c| c == '\n')
                .map_or(chars.len(), |p| k + p);
            continue;
        }
        let partner = match c {
            ')' => Some('('),
            ']' => Some('['),
            '}' => Some('{'),
            '(' | '[' | '{' => {
                open.push((k, c));
                None
            }
            _ => None,
        };
        if let Some(partner) = partner {
            match open.pop() {
                Some((_, o)) if o == partner => {}
                Some((at, o)) => {
                    return Some((k, format!("`{c}` closes the `{o}` opened at column {}: a bracket is missing or one too many", at + 1)))
                }
                None => return Some((k, format!("this `{c}` closes nothing: one `{c}` too many, or its `{partner}` is missing"))),
            }
        }
        k += 1;
    }
    open.pop().map(|(k, c)| {
        let close = match c {
            '(' => ')',
            '[' => ']',
            _ => '}',
        };
        (
            k,
            format!("this `{c}` is never closed: a `{close}` is missing"),
        )
    })
}

/// Whether `before` (the text before a `·`) ends in `)`, `]` or a number, which Rust's lexer
/// does not let a `·` follow; a name ending in a digit (`w3·f2` is one name) is fine.
fn after_bracket_or_number(before: &[char]) -> bool {
    let text: Vec<char> = before
        .iter()
        .rev()
        .skip_while(|c| c.is_whitespace())
        .copied()
        .collect();
    match text.first() {
        Some(')' | ']') => true,
        Some(c) if c.is_ascii_digit() => {
            // The token it ends: a number when it starts with a digit.
            let token: Vec<&char> = text
                .iter()
                .take_while(|c| c.is_alphanumeric() || **c == '_' || **c == '·' || **c == '.')
                .collect();
            token.last().is_some_and(|c| c.is_ascii_digit())
        }
        _ => false,
    }
}

/// The function for a body of `let` statements and an output: its free names are the
/// arguments, the inputs first (`x` when the body uses it, else the first name), then the
/// parameters by layer; and the inputs.
fn wrapped(
    request: &Request,
    body: &str,
    tokens: &TokenStream,
    bindings: &Bindings,
    inputs: Option<Vec<String>>,
) -> Result<(String, Vec<String>), String> {
    if let Some(layer) = layer_called(tokens) {
        return Err(format!(
            "`{layer}` needs the shapes of its arguments, which a network written as an expression does not give (every name is a number): write the whole `fn` with its types, like `fn cnn(x: [[f64; 8]; 1], K: [[[f64; 3]; 1]; 2], c: [f64; 2], w: [f64; 12]) -> f64 {{ w·flatten(relu(conv1d(K, x) + c)) }}`"
        ));
    }
    let names = free_names(tokens, &bindings.placeholders());
    if names.is_empty() {
        return Err(format!(
            "the network `{body}` has no arguments; write it with names, like `y = sigmoid(w·x + b)`"
        ));
    }
    let inputs = inputs.unwrap_or_else(|| {
        let first = if names.iter().any(|n| n == "x") {
            "x".to_string()
        } else {
            names[0].clone()
        };
        vec![first]
    });
    // Inputs first, in the order given, then the parameters by layer (the number they end
    // in: w1, b1, w2, …), in order of appearance within a layer.
    let layer = |n: &str| -> u64 {
        let digits: String = n.chars().rev().take_while(char::is_ascii_digit).collect();
        digits
            .chars()
            .rev()
            .collect::<String>()
            .parse()
            .unwrap_or(u64::MAX)
    };
    let mut params: Vec<&String> = names.iter().filter(|n| !inputs.contains(n)).collect();
    params.sort_by_key(|n| layer(n));
    let args: Vec<String> = inputs
        .iter()
        .chain(params)
        .map(|n| format!("{n}: f64"))
        .collect();
    let name = request.name.as_deref().unwrap_or("network");
    let function = format!(
        "fn {name}({}) -> f64 {WRAPPED_BODY}{body}\n}}",
        args.join(", ")
    );
    Ok((function, inputs))
}

/// Whether the tokens are a `fn` item: attributes, `pub` or `pub(…)`, then `fn`.
fn is_fn_item(tokens: &TokenStream) -> bool {
    let trees: Vec<TokenTree> = tokens.clone().into_iter().collect();
    let mut rest = trees.as_slice();
    // Attributes, doc comments included: `#` and `[…]`.
    while let [TokenTree::Punct(p), TokenTree::Group(g), tail @ ..] = rest {
        if p.as_char() != '#' || g.delimiter() != Delimiter::Bracket {
            break;
        }
        rest = tail;
    }
    if let [TokenTree::Ident(i), tail @ ..] = rest {
        if i == "pub" {
            rest = match tail {
                [TokenTree::Group(g), tail @ ..] if g.delimiter() == Delimiter::Parenthesis => tail,
                _ => tail,
            };
        }
    }
    matches!(rest.first(), Some(TokenTree::Ident(i)) if i == "fn")
}

/// A `#[network(...)]` (or `#[nn::network(...)]`) attribute pasted before the network: its
/// arguments, and the text without it (other attributes and comments kept).
fn pasted_attribute(text: &str) -> Result<(Option<String>, String), String> {
    let mut kept = String::new();
    let mut rest = text;
    let mut found: Option<String> = None;
    loop {
        let trimmed = rest.trim_start();
        kept.push_str(&rest[..rest.len() - trimmed.len()]);
        rest = trimmed;
        if rest.starts_with("//") {
            let end = rest.find('\n').map_or(rest.len(), |k| k + 1);
            kept.push_str(&rest[..end]);
            rest = &rest[end..];
            continue;
        }
        // A snippet pasted whole starts with its imports (`use nn::prelude::*;`): not needed.
        if rest.starts_with("use ") {
            let end = rest.find(';').map_or(rest.len(), |k| k + 1);
            rest = &rest[end..];
            continue;
        }
        if !rest.starts_with("#[") {
            break;
        }
        let end = closing_bracket(rest)
            .ok_or_else(|| format!("the attribute `{}` is not closed by `]`", rest.trim()))?;
        let attribute = &rest[..=end];
        rest = &rest[end + 1..];
        match network_arguments(&attribute[2..end]) {
            Some(_) if found.is_some() => {
                return Err("`#[network(...)]` is given twice; give the bindings once".into())
            }
            Some(arguments) => found = Some(arguments),
            None => kept.push_str(attribute),
        }
    }
    kept.push_str(rest);
    Ok((found, kept.trim().to_string()))
}

/// The byte index of the `]` that closes the `[` at index 1 of `text`.
fn closing_bracket(text: &str) -> Option<usize> {
    let mut depth = 0;
    for (k, c) in text.char_indices().skip(1) {
        match c {
            '[' => depth += 1,
            ']' if depth == 1 => return Some(k),
            ']' => depth -= 1,
            _ => {}
        }
    }
    None
}

/// The arguments of an attribute's contents if it is `network`, `nn::network` or
/// `::nn::network`, with or without `(...)`.
fn network_arguments(contents: &str) -> Option<String> {
    let tokens: TokenStream = contents.parse().ok()?;
    let trees: Vec<TokenTree> = tokens.into_iter().collect();
    let (path, arguments) = match trees.split_last() {
        Some((TokenTree::Group(g), path)) if g.delimiter() == Delimiter::Parenthesis => {
            (path, g.stream().to_string())
        }
        _ => (&trees[..], String::new()),
    };
    let is_path = path.iter().all(|t| {
        matches!(t, TokenTree::Ident(_)) || matches!(t, TokenTree::Punct(p) if p.as_char() == ':')
    });
    let last = path.iter().rev().find_map(|t| match t {
        TokenTree::Ident(i) => Some(i.to_string()),
        _ => None,
    });
    (is_path && last.as_deref() == Some("network")).then_some(arguments)
}

/// One argument of the attribute: `f1 = relu`, `inputs(x, t)`, `crate = ::nn`.
#[derive(Clone, Debug)]
struct Entry {
    /// What it sets: `f1`, `inputs`, `crate`, `predict`.
    key: String,
    /// Its text.
    text: String,
}

/// The attribute's arguments, one entry per key.
#[derive(Clone, Debug, Default)]
struct Bindings {
    entries: Vec<Entry>,
}

impl Bindings {
    /// Reads `f1 = relu, inputs(x, t)`; `source` names where the text came from.
    fn parse(text: &str, source: &str) -> Result<Bindings, String> {
        let tokens: TokenStream = text
            .parse()
            .map_err(|e| format!("the bindings `{text}` ({source}) are not valid tokens: {e}"))?;
        let mut entries = Vec::new();
        let mut current: Vec<TokenTree> = Vec::new();
        let trees =
            tokens
                .into_iter()
                .chain(std::iter::once(TokenTree::Punct(proc_macro2::Punct::new(
                    ',',
                    proc_macro2::Spacing::Alone,
                ))));
        for tree in trees {
            if matches!(&tree, TokenTree::Punct(p) if p.as_char() == ',') {
                if let Some(first) = current.first() {
                    entries.push(Entry {
                        key: first.to_string(),
                        text: current.drain(..).collect::<TokenStream>().to_string(),
                    });
                }
                continue;
            }
            current.push(tree);
        }
        Ok(Bindings { entries })
    }

    /// Entries of `other` replace those of the same key here (`--with` over a pasted
    /// attribute, a user's bindings over an example's).
    fn override_with(&mut self, other: Bindings) {
        for entry in other.entries {
            self.entries.retain(|e| e.key != entry.key);
            self.entries.push(entry);
        }
    }

    /// Removes `inputs(...)` and returns its names.
    fn take_inputs(&mut self) -> Result<Option<Vec<String>>, String> {
        let Some(k) = self.entries.iter().position(|e| e.key == "inputs") else {
            return Ok(None);
        };
        let entry = self.entries.remove(k);
        let tokens: TokenStream = entry.text.parse().map_err(|e| format!("{e}"))?;
        let group = tokens.into_iter().nth(1);
        let Some(TokenTree::Group(g)) = group else {
            return Err(format!("`{}`: expected `inputs(x, t)`", entry.text));
        };
        let names = g.stream().to_string();
        Ok(Some(
            names
                .split(',')
                .map(|n| n.trim().to_string())
                .filter(|n| !n.is_empty())
                .collect(),
        ))
    }

    /// The names bound to functions: `f1` in `f1 = relu`.
    fn placeholders(&self) -> BTreeSet<String> {
        self.entries
            .iter()
            .filter(|e| e.text.starts_with(&format!("{} =", e.key)))
            .map(|e| e.key.clone())
            .collect()
    }
}

impl std::fmt::Display for Bindings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let texts: Vec<&str> = self.entries.iter().map(|e| e.text.as_str()).collect();
        write!(f, "{}", texts.join(", "))
    }
}

/// Merges two bindings' texts: those of `over` replace those of `base` with the same name
/// (`f1 = relu` over `f1 = sigmoid`, `inputs(x, t)` over `inputs(x)`).
pub fn merge_bindings(base: &str, over: &str) -> Result<String, String> {
    let mut bindings = Bindings::parse(base, "the first")?;
    bindings.override_with(Bindings::parse(over, "the second")?);
    Ok(bindings.to_string())
}

/// The names a body reads without defining them, in order of first appearance: the
/// arguments of the network.
/// The first layer (`conv1d`, …) the body calls, if any.
fn layer_called(tokens: &TokenStream) -> Option<String> {
    let trees: Vec<TokenTree> = tokens.clone().into_iter().collect();
    trees.iter().enumerate().find_map(|(k, tree)| match tree {
        TokenTree::Group(g) => layer_called(&g.stream()),
        TokenTree::Ident(ident) => {
            let called = matches!(trees.get(k + 1), Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Parenthesis);
            let text = ident.to_string();
            let callee = text.rsplit('·').next().unwrap_or_default().to_string();
            (called && Layer::from_name(&callee).is_some()).then_some(callee)
        }
        _ => None,
    })
}

fn free_names(body: &TokenStream, placeholders: &BTreeSet<String>) -> Vec<String> {
    let mut defined = BTreeSet::new();
    let mut names = Vec::new();
    collect_names(body, placeholders, &mut defined, &mut names);
    names.retain(|n| !defined.contains(n));
    names
}

fn collect_names(
    tokens: &TokenStream,
    placeholders: &BTreeSet<String>,
    defined: &mut BTreeSet<String>,
    names: &mut Vec<String>,
) {
    let trees: Vec<TokenTree> = tokens.clone().into_iter().collect();
    let mut statement_start = true;
    for (k, tree) in trees.iter().enumerate() {
        match tree {
            TokenTree::Group(g) => {
                collect_names(&g.stream(), placeholders, defined, names);
                statement_start = false;
            }
            TokenTree::Punct(p) => statement_start = p.as_char() == ';',
            TokenTree::Literal(_) => statement_start = false,
            TokenTree::Ident(ident) => {
                let text = ident.to_string();
                let next_is_eq =
                    matches!(trees.get(k + 1), Some(TokenTree::Punct(p)) if p.as_char() == '=');
                let after_let = k > 0 && matches!(&trees[k - 1], TokenTree::Ident(i) if i == "let");
                if text == "let" {
                    continue;
                }
                if after_let || (statement_start && next_is_eq) {
                    defined.insert(text);
                    statement_start = false;
                    continue;
                }
                statement_start = false;
                let called = matches!(trees.get(k + 1), Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Parenthesis);
                let parts: Vec<&str> = text.split('·').collect();
                for (j, part) in parts.iter().enumerate() {
                    let is_callee = called && j + 1 == parts.len();
                    let is_function = Builtin::from_name(part).is_some()
                        || Layer::from_name(part).is_some()
                        || placeholders.contains(*part);
                    let is_name = part
                        .chars()
                        .next()
                        .is_some_and(|c| c.is_alphabetic() || c == '_');
                    if is_name && !(is_callee && is_function) && !names.iter().any(|n| n == part) {
                        names.push(part.to_string());
                    }
                }
            }
        }
    }
}

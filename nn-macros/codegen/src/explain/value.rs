//! Values of arguments as the explain tool reads them (`x=1.5`, `x=[1,2,3]`,
//! `W=[[1,2],[3,4]]`) and numbers as it prints them.

use std::fmt;
use std::str::FromStr;

use crate::ast::Shape;

/// A value given for an argument: a number, or a list — a vector `[1, 2, 3]`, a matrix row by
/// row `[[1, 2], [3, 4]]`. One number fills a whole vector or matrix.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// A number.
    Number(f64),
    /// A list of values: the elements of a vector, or the rows of a matrix.
    List(Vec<Value>),
}

impl From<f64> for Value {
    fn from(v: f64) -> Value {
        Value::Number(v)
    }
}

impl From<Vec<f64>> for Value {
    fn from(v: Vec<f64>) -> Value {
        Value::List(v.into_iter().map(Value::Number).collect())
    }
}

impl From<Vec<Vec<f64>>> for Value {
    fn from(rows: Vec<Vec<f64>>) -> Value {
        Value::List(rows.into_iter().map(Value::from).collect())
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Number(v) => write!(f, "{}", number(*v)),
            Value::List(items) => {
                let items: Vec<String> = items.iter().map(Value::to_string).collect();
                write!(f, "[{}]", items.join(", "))
            }
        }
    }
}

impl FromStr for Value {
    type Err = String;

    /// `1.5`, `[1, 2, 3]`, `[[1, 2], [3, 4]]`, spaces anywhere.
    fn from_str(text: &str) -> Result<Value, String> {
        parse(text, text.trim())
    }
}

/// Reads `text`; errors name `context` (the value, or the `name=value` pair it is from).
fn parse(text: &str, context: &str) -> Result<Value, String> {
    let mut chars = text.trim().chars().peekable();
    let value = read(&mut chars).map_err(|e| match e {
        Bad::NotNumber(token) => format!("`{token}` in `{context}` is not a number"),
        Bad::Unclosed => format!("a list in `{context}` is not closed by `]`"),
    })?;
    if let Some(c) = chars.find(|c| !c.is_whitespace()) {
        return Err(format!("`{c}` after the value in `{context}`"));
    }
    Ok(value)
}

/// What is wrong with a value's text.
enum Bad {
    NotNumber(String),
    Unclosed,
}

fn skip_spaces(chars: &mut std::iter::Peekable<std::str::Chars>) {
    while chars.next_if(|c| c.is_whitespace()).is_some() {}
}

fn read(chars: &mut std::iter::Peekable<std::str::Chars>) -> Result<Value, Bad> {
    skip_spaces(chars);
    if chars.next_if_eq(&'[').is_none() {
        let mut token = String::new();
        while let Some(c) = chars.next_if(|c| !matches!(c, ',' | ']' | '[') && !c.is_whitespace()) {
            token.push(c);
        }
        skip_spaces(chars);
        return token
            .parse()
            .map(Value::Number)
            .map_err(|_| Bad::NotNumber(token));
    }
    let mut items = Vec::new();
    skip_spaces(chars);
    if chars.next_if_eq(&']').is_none() {
        loop {
            items.push(read(chars)?);
            match chars.next() {
                Some(',') => {}
                Some(']') => break,
                _ => return Err(Bad::Unclosed),
            }
        }
    }
    skip_spaces(chars);
    Ok(Value::List(items))
}

/// Reads `x=1.5,w=[1,2],W=[[1,2],[3,4]]`: `name=value` pairs separated by commas outside
/// brackets.
pub fn parse_values(text: &str) -> Result<Vec<(String, Value)>, String> {
    let mut pairs = Vec::new();
    let (mut depth, mut start) = (0i32, 0);
    let mut pieces = Vec::new();
    for (k, c) in text.char_indices() {
        match c {
            '[' => depth += 1,
            ']' => depth -= 1,
            ',' if depth == 0 => {
                pieces.push(&text[start..k]);
                start = k + 1;
            }
            _ => {}
        }
    }
    pieces.push(&text[start..]);
    for pair in pieces.into_iter().filter(|p| !p.trim().is_empty()) {
        let (name, value) = pair
            .split_once('=')
            .ok_or_else(|| format!("`{}` is not `name=value`", pair.trim()))?;
        pairs.push((name.trim().to_string(), parse(value, pair.trim())?));
    }
    Ok(pairs)
}

impl Value {
    /// The elements of an argument of `shape` named `name`, row by row; an error that shows
    /// what to write when the value does not have the shape.
    pub fn elements(&self, name: &str, shape: Shape) -> Result<Vec<f64>, String> {
        let numbers = |items: &[Value]| -> Option<Vec<f64>> {
            items
                .iter()
                .map(|v| match v {
                    Value::Number(x) => Some(*x),
                    Value::List(_) => None,
                })
                .collect()
        };
        let found = match (self, shape) {
            (Value::Number(v), shape) => Some(vec![*v; shape.elements()]),
            (Value::List(items), Shape::Vector(n)) => numbers(items).filter(|v| v.len() == n),
            (Value::List(rows), Shape::Matrix(m, n)) if rows.len() == m => rows
                .iter()
                .map(|row| match row {
                    Value::List(items) => numbers(items).filter(|v| v.len() == n),
                    Value::Number(_) => None,
                })
                .collect::<Option<Vec<Vec<f64>>>>()
                .map(|rows| rows.concat()),
            // Channel data and kernel banks: nested as their type (`[[[1, 2], [3, 4]]]`), or
            // every element in one list, row-major.
            (Value::List(items), Shape::Array3(..) | Shape::Array4(..)) => numbers(items)
                .or_else(|| nested(self, &shape.dims()))
                .filter(|v| v.len() == shape.elements()),
            _ => None,
        };
        found.ok_or_else(|| {
            let like = match shape {
                Shape::Scalar => format!(
                    "{name} is a number (f64): give one number, like {name}=0.5 (to make it a vector, write the whole `fn` with its type, like `{name}: [f64; 3]`)"
                ),
                Shape::Vector(n) => format!(
                    "{name} is a vector of {n}: give {n} numbers, like {name}=[{}], or one number for every element",
                    example(n, 1)
                ),
                Shape::Matrix(m, n) => format!(
                    "{name} is a {m}×{n} matrix: give {m} rows of {n} numbers, like {name}=[{}], or one number for every element",
                    (0..m)
                        .map(|r| format!("[{}]", example(n, r * n + 1)))
                        .collect::<Vec<_>>()
                        .join(",")
                ),
                Shape::Array3(..) | Shape::Array4(..) => format!(
                    "{name} is {} ({}): give it nested as its type, or its {} numbers in one list, row-major, or one number for every element",
                    shape.describe(),
                    shape.rust("f64"),
                    shape.elements()
                ),
            };
            format!("--at gives {name} = {self}, but {like}")
        })
    }
}

/// The numbers of a list nested as `dims` (outermost first), row-major; `None` when a length
/// or a depth differs.
fn nested(value: &Value, dims: &[usize]) -> Option<Vec<f64>> {
    match (value, dims) {
        (Value::Number(v), []) => Some(vec![*v]),
        (Value::List(items), [n, rest @ ..]) if items.len() == *n => items
            .iter()
            .map(|item| nested(item, rest))
            .collect::<Option<Vec<Vec<f64>>>>()
            .map(|parts| parts.concat()),
        _ => None,
    }
}

/// `1,2,3` for `n` = 3 from 1.
fn example(n: usize, from: usize) -> String {
    (from..from + n)
        .map(|k| k.to_string())
        .collect::<Vec<_>>()
        .join(",")
}

/// A number for people: up to 6 significant digits, no trailing zeros.
pub fn number(v: f64) -> String {
    if v == 0.0 || !v.is_finite() {
        return format!("{v}");
    }
    let digits = (5 - v.abs().log10().floor() as i32).clamp(0, 12) as usize;
    let s = format!("{v:.digits$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// The elements of a value of `shape` as a list, `[0.1, 0.2]` or `[[1, 2], [3, 4]]`, with at
/// most `max` (≥ 2) items per list, `…` counted: the first ones, `…`, the last.
pub fn list(values: &[f64], shape: Shape, max: usize) -> String {
    match shape {
        Shape::Scalar => values.first().map_or("?".into(), |v| number(*v)),
        Shape::Vector(_) => row(values, max),
        shape => nested_list(values, &shape.dims(), max),
    }
}

/// Values nested as `dims`, outermost first: `[[1, 2], [3, 4]]`, `[[[1, 2]], [[3, 4]]]`.
fn nested_list(values: &[f64], dims: &[usize], max: usize) -> String {
    match dims {
        [] | [_] => row(values, max),
        [_, rest @ ..] => {
            let inner: usize = rest.iter().product();
            let parts: Vec<String> = values
                .chunks(inner.max(1))
                .map(|part| nested_list(part, rest, max))
                .collect();
            format!("[{}]", shorten(&parts, max).join(", "))
        }
    }
}

fn row(values: &[f64], max: usize) -> String {
    let items: Vec<String> = values.iter().map(|v| number(*v)).collect();
    format!("[{}]", shorten(&items, max).join(", "))
}

/// At most `max` items: the first `max − 2`, `…` and the last.
fn shorten(items: &[String], max: usize) -> Vec<String> {
    let max = max.max(2);
    if items.len() <= max {
        return items.to_vec();
    }
    let mut kept = items[..max - 2].to_vec();
    kept.push("…".into());
    kept.push(items[items.len() - 1].clone());
    kept
}

//! Why a request could not be explained: the compiler's messages as rustc shows them, and
//! the characters of the text typed that each points at (what the teaching page underlines).

use super::source::Source;
use super::Request;

/// Why a request could not be explained.
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    /// The compiler's messages, each with the line it points into and `^` under the
    /// offending tokens, as rustc shows them.
    pub message: String,
    /// Where the errors point in the text given, when they point into it.
    pub marks: Vec<Mark>,
}

/// One error and the characters it points at, in [`Request::body`] or [`Request::with`].
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mark {
    /// The error's message.
    pub message: String,
    /// The text it points into.
    pub field: Field,
    /// Its first character (counted in `char`s from 0).
    pub start: usize,
    /// One past its last character.
    pub end: usize,
}

impl From<String> for Failure {
    fn from(message: String) -> Failure {
        Failure {
            message,
            marks: Vec::new(),
        }
    }
}

impl From<&str> for Failure {
    fn from(message: &str) -> Failure {
        message.to_string().into()
    }
}

/// Which text of the request a mark points into.
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "lowercase"))]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    /// The network, [`Request::body`].
    Network,
    /// The bindings, [`Request::with`].
    Bindings,
}

/// Where one error points: the text compiled (the function or the bindings), its line, and
/// its columns in that line.
struct Place<'a> {
    field: Field,
    line: &'a str,
    /// Characters before the line in its text.
    line_start: usize,
    columns: (usize, usize),
}

/// The compiler's errors, as text and as places in the request.
pub(super) fn failure(e: &syn::Error, source: &Source, request: &Request) -> Failure {
    let mut rendered = Vec::new();
    let mut marks = Vec::new();
    for e in e.clone() {
        let message = e.to_string();
        let Some(place) = place(&e, source, &message) else {
            rendered.push(format!("error: {message}"));
            continue;
        };
        let (from, to) = place.columns;
        let under = format!("{}{}", " ".repeat(from), "^".repeat(to - from));
        rendered.push(format!(
            "error: {message}\n   | {}\n   | {under}",
            place.line
        ));
        let (start, end) = (place.line_start + from, place.line_start + to);
        let in_request = match place.field {
            Field::Network => source
                .in_request(request, start)
                .zip(source.in_request(request, end)),
            Field::Bindings => {
                // The bindings compiled are the request's rewritten: find the words in the
                // text typed.
                let words: String = place.line.chars().skip(from).take(to - from).collect();
                request.with.find(&words).map(|at| {
                    let start = request.with[..at].chars().count();
                    (start, start + (to - from))
                })
            }
        };
        if let Some((start, end)) = in_request.filter(|(s, e)| e > s) {
            marks.push(Mark {
                message,
                field: place.field,
                start,
                end,
            });
        }
    }
    Failure {
        message: rendered.join("\n"),
        marks,
    }
}

/// Where `e` points: in the function when its text there is the span's, else in the bindings.
fn place<'a>(e: &syn::Error, source: &'a Source, message: &str) -> Option<Place<'a>> {
    let span = e.span();
    let (start, end) = (span.start(), span.end());
    let spanned = span.source_text();
    let candidates = [
        (Field::Network, source.function.as_str()),
        (Field::Bindings, source.bindings.as_str()),
    ];
    candidates.into_iter().find_map(|(field, text)| {
        let k = start.line.checked_sub(1)?;
        let line = text.lines().nth(k)?;
        let line_start: usize = text.lines().take(k).map(|l| l.chars().count() + 1).sum();
        let width = line.chars().count();
        let to = if end.line == start.line {
            end.column
        } else {
            width
        };
        let to = to.clamp(start.column + 1, width.max(start.column + 1));
        let here: String = line
            .chars()
            .skip(start.column)
            .take(to - start.column)
            .collect();
        if spanned.as_deref().is_some_and(|s| s != here) {
            return None;
        }
        let columns = narrowed(line, (start.column, to), message);
        Some(Place {
            field,
            line,
            line_start,
            columns,
        })
    })
}

/// The columns of the name a message is about inside a longer name joined by `·` (the lexer
/// reads `w2·sigmiod` as one name; the engine splits it, but its span is the whole): the
/// message's first name in backticks, where it stands between `·`s in the marked text.
fn narrowed(line: &str, (from, to): (usize, usize), message: &str) -> (usize, usize) {
    let marked: Vec<char> = line.chars().skip(from).take(to - from).collect();
    let Some(name) = message.split('`').nth(1) else {
        return (from, to);
    };
    let name: Vec<char> = name.chars().collect();
    if !marked.contains(&'·') || name.is_empty() || name.len() >= marked.len() {
        return (from, to);
    }
    let joined = |k: usize| k == 0 || marked[k - 1] == '·';
    let ends = |k: usize| k + name.len() == marked.len() || marked[k + name.len()] == '·';
    (0..=marked.len() - name.len())
        .find(|&k| marked[k..k + name.len()] == name[..] && joined(k) && ends(k))
        .map_or((from, to), |k| (from + k, from + k + name.len()))
}

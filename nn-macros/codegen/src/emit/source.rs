//! Generated items as data, and their readable source.
//!
//! A generated function is a list of statements, and a statement carries its chain-rule
//! comment. The source is printed item by item (prettyplease, at the indentation the item has
//! in the module) and assembled from sections: the lecture part (the types, `forward`,
//! `forward_tape`, `backward`, `backward_params`), the trait impls, the batch functions. In
//! the printed tokens a commented statement is preceded by a marker statement holding the
//! comment's number, which the printer replaces by the comment: on the statement's line when
//! it is one line and fits, above it otherwise.

use proc_macro2::{Literal, TokenStream};
use quote::quote;

use crate::graph::NodeId;

/// What a statement of the lecture part computes, for a reader stepping through the passes:
/// the forward value of a node, or one chain-rule step (an index into the backward steps).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Anchor {
    /// The statement computes this node's value.
    Forward(NodeId),
    /// The statement is the first of this backward step.
    Backward(usize),
}

/// Where an anchored statement was printed: its first line, counted from 0.
pub type Lines = Vec<(Anchor, usize)>;

/// One `#[doc = " line"]` per line, so that the text prints as `/// line` comments.
pub fn doc(text: &str) -> TokenStream {
    let lines = text.lines().map(|l| {
        let l = if l.is_empty() {
            String::new()
        } else {
            format!(" {l}")
        };
        quote!(#[doc = #l])
    });
    quote!(#(#lines)*)
}

/// One statement of a generated function.
#[derive(Clone)]
pub struct Stmt {
    /// The statement (or, last in a body, the returned expression).
    pub tokens: TokenStream,
    /// The chain-rule factor it computes, for the source.
    pub comment: Option<String>,
    /// Whether it indexes vectors in a `for i in 0..n` loop (which clippy would rather see
    /// as an iterator; here the index is the plain way to write a formula).
    pub index_loop: bool,
    /// Whether it only sets a variable to zero before the statements that compute it.
    pub zeroes: bool,
    /// What it computes, for stepping through the printed source.
    pub anchor: Option<Anchor>,
}

impl Stmt {
    /// A statement without comment.
    pub fn new(tokens: TokenStream) -> Stmt {
        Stmt {
            tokens,
            comment: None,
            index_loop: false,
            zeroes: false,
            anchor: None,
        }
    }

    /// This statement, marked as computing `anchor`.
    pub fn anchored(self, anchor: Anchor) -> Stmt {
        Stmt {
            anchor: Some(anchor),
            ..self
        }
    }

    /// A statement that sets a variable to zero.
    pub fn zeroes(tokens: TokenStream) -> Stmt {
        Stmt {
            zeroes: true,
            ..Stmt::new(tokens)
        }
    }

    /// A `for i in 0..n` statement.
    pub fn index_loop(tokens: TokenStream) -> Stmt {
        Stmt {
            index_loop: true,
            ..Stmt::new(tokens)
        }
    }
}

/// Puts `comment` on the first of `stmts` that computes something (not on a zeroing).
pub fn comment(stmts: &mut [Stmt], comment: String) {
    if let Some(k) = first_computing(stmts) {
        stmts[k].comment = Some(comment);
    }
}

/// Marks the first of `stmts` that computes something as the statement of `anchor`.
pub fn anchor(stmts: &mut [Stmt], anchor: Anchor) {
    if let Some(k) = first_computing(stmts) {
        stmts[k].anchor = Some(anchor);
    }
}

/// The first statement that is not a zeroing, else the last.
fn first_computing(stmts: &[Stmt]) -> Option<usize> {
    stmts
        .iter()
        .position(|s| !s.zeroes)
        .or(stmts.len().checked_sub(1))
}

/// What a marker stands for: a comment, an anchor, or both.
type Mark = (Option<String>, Option<Anchor>);

/// A generated function: its attributes and signature, then its statements.
pub struct Function {
    /// Docs, attributes and the signature, without the body.
    pub head: TokenStream,
    /// The body.
    pub body: Vec<Stmt>,
}

/// One item of generated code.
pub enum Item {
    /// A type, an impl, a constant, a `use`.
    Plain(TokenStream),
    /// A function.
    Function(Function),
}

/// The name of the marker macro in printed tokens; it never reaches the compiler.
const MARKER: &str = "__nn_comment";

impl Item {
    /// The item's tokens; with `markers`, each commented or anchored statement is preceded by
    /// a marker statement holding its number in the returned list.
    fn tokens_with(&self, markers: bool) -> (TokenStream, Vec<Mark>) {
        match self {
            Item::Plain(tokens) => (tokens.clone(), Vec::new()),
            Item::Function(f) => {
                let mut marks = Vec::new();
                let marker = proc_macro2::Ident::new(MARKER, proc_macro2::Span::call_site());
                let stmts = f.body.iter().map(|stmt| {
                    let tokens = &stmt.tokens;
                    if markers && (stmt.comment.is_some() || stmt.anchor.is_some()) {
                        let k = Literal::usize_unsuffixed(marks.len());
                        marks.push((stmt.comment.clone(), stmt.anchor));
                        quote!(#marker!(#k); #tokens)
                    } else {
                        tokens.clone()
                    }
                });
                let stmts: Vec<TokenStream> = stmts.collect();
                let head = &f.head;
                (quote!(#head { #(#stmts)* }), marks)
            }
        }
    }

    /// The item's tokens, as the compiler gets them.
    pub fn tokens(&self) -> TokenStream {
        self.tokens_with(false).0
    }

    /// The item pretty-printed with its comments, indented as at the top level of a file
    /// or, `in_module`, of a module.
    pub fn print(&self, in_module: bool) -> String {
        self.print_anchored(in_module).0
    }

    /// [`Item::print`], and the line of each anchored statement in it.
    pub fn print_anchored(&self, in_module: bool) -> (String, Lines) {
        let (tokens, marks) = self.tokens_with(true);
        let wrapped = if in_module {
            quote!(mod m { #tokens })
        } else {
            tokens
        };
        let printed = match syn::parse2::<syn::File>(wrapped) {
            Ok(file) => prettyplease::unparse(&file),
            Err(e) => {
                let text = format!("// generated code could not be printed: {e}\n");
                return (text, Lines::new());
            }
        };
        let mut lines: Vec<&str> = printed.lines().collect();
        if in_module {
            lines = lines[1..lines.len().saturating_sub(1)].to_vec();
        }
        with_comments(&lines, &marks)
    }
}

/// Replaces each marker line by its comment: at the end of the next line when that line is a
/// whole statement and the comment fits in 100 columns, above it otherwise; and notes the
/// line each anchored statement starts on.
fn with_comments(lines: &[&str], marks: &[Mark]) -> (String, Lines) {
    let mut out = String::new();
    let mut anchors = Lines::new();
    let mut printed = 0;
    let mut pending: Option<&Mark> = None;
    for line in lines {
        if let Some(k) = marker(line) {
            pending = marks.get(k);
            continue;
        }
        let (comment, anchor) = match pending.take() {
            Some((comment, anchor)) => (comment.as_deref(), *anchor),
            None => (None, None),
        };
        match comment {
            Some(c)
                if line.trim_end().ends_with(';')
                    && line.chars().count() + c.chars().count() + 4 <= 100 =>
            {
                out.push_str(&format!("{line} // {c}\n"));
            }
            Some(c) => {
                let indent: String = line.chars().take_while(|c| c.is_whitespace()).collect();
                out.push_str(&format!("{indent}// {c}\n{line}\n"));
                printed += 1;
            }
            None => {
                out.push_str(line);
                out.push('\n');
            }
        }
        if let Some(anchor) = anchor {
            anchors.push((anchor, printed));
        }
        printed += 1;
    }
    (out, anchors)
}

/// The comment number of a marker line.
fn marker(line: &str) -> Option<usize> {
    line.trim()
        .strip_prefix(MARKER)?
        .strip_prefix("!(")?
        .strip_suffix(");")?
        .parse()
        .ok()
}

/// The generated module's sections, each a list of items.
pub struct Sections {
    /// The user's function, which stays callable.
    pub wrapper: Item,
    /// The module's name.
    pub module: proc_macro2::Ident,
    /// The `use`s of the lecture part alone, and of everything.
    pub uses: (Vec<Item>, Vec<Item>),
    /// The types, `forward`, `forward_tape`, `backward`, `backward_params`.
    pub lecture: Vec<Item>,
    /// The impls of the runtime's traits.
    pub traits: Vec<Item>,
    /// `forward_batch`, `gradient_batch`.
    pub batch: Vec<Item>,
}

impl Sections {
    /// Every item of the module, in order, for the compiler.
    pub fn module_tokens(&self) -> TokenStream {
        let items = self
            .uses
            .1
            .iter()
            .chain(&self.lecture)
            .chain(&self.traits)
            .chain(&self.batch)
            .map(Item::tokens);
        quote!(#(#items)*)
    }

    /// Every item printed once: the source of everything (`SOURCE`) and of the lecture part
    /// (`LECTURE_SOURCE`).
    pub fn print(&self) -> (String, String) {
        let print =
            |items: &[Item]| -> Vec<String> { items.iter().map(|i| i.print(true)).collect() };
        let lecture = print(&self.lecture);
        let all: Vec<String> = print(&self.uses.1)
            .into_iter()
            .chain(lecture.iter().cloned())
            .chain(print(&self.traits))
            .chain(print(&self.batch))
            .collect();
        let part: Vec<String> = print(&self.uses.0).into_iter().chain(lecture).collect();
        let head = self.head();
        (module(&head, &all, None), module(&head, &part, None))
    }

    /// The source of the lecture part, with `note` as a last comment in the module (what the
    /// part leaves out), and the line of every anchored statement in it (the first of each
    /// anchor: `forward` before `forward_tape`, `backward` before `backward_params`).
    pub fn lecture(&self, note: &str) -> (String, Lines) {
        let (items, anchors): (Vec<String>, Vec<Lines>) = self
            .uses
            .0
            .iter()
            .chain(&self.lecture)
            .map(|i| i.print_anchored(true))
            .unzip();
        let head = self.head();
        let source = module(&head, &items, Some(note));
        let mut item_start = head.lines().count();
        let mut lines = Lines::new();
        let mut seen = std::collections::HashSet::new();
        for (text, item_lines) in items.iter().zip(anchors) {
            for (anchor, line) in item_lines {
                if seen.insert(anchor) {
                    lines.push((anchor, item_start + line));
                }
            }
            // The item's lines, and the empty line `module` puts between items.
            item_start += text.lines().count() + 1;
        }
        (source, lines)
    }

    /// What `module` prints before the items: the user's function and the module's first line.
    fn head(&self) -> String {
        format!(
            "{}\npub mod {} {{\n",
            self.wrapper.print(false),
            self.module
        )
    }
}

/// `head` (the user's function and the module's first line, [`Sections::head`]), then the
/// module's `items` and the closing brace.
fn module(head: &str, items: &[String], note: Option<&str>) -> String {
    let mut out = head.to_string();
    out.push_str(&items.join("\n"));
    if let Some(note) = note {
        out.push_str(&format!("\n    // {note}\n"));
    }
    out.push_str("}\n");
    out
}

/// Generated tokens and the readable source of the same items.
pub struct Output {
    /// What the macro expands to.
    pub tokens: TokenStream,
    /// The generated items pretty-printed, with chain-rule comments (`SOURCE`).
    pub source: String,
    /// The lecture part alone (`LECTURE_SOURCE`).
    pub lecture: String,
    /// The sections, to print other selections.
    pub sections: Sections,
}

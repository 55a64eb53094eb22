//! Stack for very large networks. Parsing and lowering recurse once per level of nesting,
//! in syn's expression parser as well as here, and a proc-macro runs on the compiler's
//! thread: a network of thousands of nested calls or terms would overflow it. Large inputs
//! therefore run on a stack of their own, sized from the input (the `stacker` crate).

use proc_macro2::{TokenStream, TokenTree};

/// Inputs of at most this many tokens run on the caller's stack.
const SMALL: usize = 2_000;

/// Stack per token of the input, with room for syn's and the stages' frames in a debug build.
const PER_TOKEN: usize = 16 * 1024;

/// Runs `f` with a stack large enough for an expansion of `item` (on a new one only when
/// the current one has less left).
pub fn grown<R>(item: &TokenStream, f: impl FnOnce() -> R) -> R {
    let tokens = count(item);
    if tokens <= SMALL {
        return f();
    }
    let needed = tokens.saturating_mul(PER_TOKEN);
    stacker::maybe_grow(needed, needed, f)
}

/// Runs `f` with a stack large enough for a network typed as text of `chars` characters
/// (the teaching tools: `explain`, and a server that runs it on threads of a small stack),
/// on a new one when the current one has less left. Unlike [`grown`], small inputs are not
/// assumed to fit: a few hundred nested parentheses overflow a 2 MB thread in a debug build.
pub fn grown_for_text<R>(chars: usize, f: impl FnOnce() -> R) -> R {
    let needed = chars.max(SMALL).saturating_mul(PER_TOKEN);
    stacker::maybe_grow(needed, needed, f)
}

/// The number of tokens in a stream, groups' contents included.
fn count(tokens: &TokenStream) -> usize {
    let mut n = 0;
    let mut stack = vec![tokens.clone()];
    while let Some(stream) = stack.pop() {
        for tree in stream {
            n += 1;
            if let TokenTree::Group(g) = tree {
                stack.push(g.stream());
            }
        }
    }
    n
}

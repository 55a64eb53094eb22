//! Random and mutated token streams: the fuzz inputs of the engine's tests (`no_panic.rs`)
//! and of the teaching page's server (`teach/tests/fuzz.rs`).

use proc_macro2::{Delimiter, Group, Ident, Literal, Punct, Spacing, Span, TokenStream, TokenTree};

/// A small deterministic generator (xorshift64*), so that a failure reproduces.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

pub fn random_token(rng: &mut Rng, depth: usize) -> TokenTree {
    const IDENTS: [&str; 22] = [
        "x",
        "w",
        "b",
        "y",
        "f1",
        "sigmoid",
        "relu",
        "leaky_relu",
        "powi",
        "step",
        "custom",
        "let",
        "if",
        "for",
        "fn",
        "f32",
        "T",
        "w·x",
        "w·",
        "a·b·c",
        "params",
        "inputs",
    ];
    const PUNCTS: [char; 12] = ['+', '-', '*', '/', '%', '=', ';', ',', ':', '<', '>', '.'];
    match rng.below(10) {
        0..=3 => TokenTree::Ident(Ident::new_raw_or_plain(IDENTS[rng.below(IDENTS.len())])),
        4..=5 => TokenTree::Punct(Punct::new(PUNCTS[rng.below(PUNCTS.len())], Spacing::Alone)),
        6 => TokenTree::Literal(match rng.below(4) {
            0 => Literal::f64_unsuffixed(rng.below(1000) as f64 / 7.0),
            1 => Literal::i64_unsuffixed(rng.below(100) as i64 - 50),
            2 => Literal::string("s"),
            _ => Literal::f64_unsuffixed(1e300),
        }),
        _ if depth < 3 => {
            let inner: TokenStream = (0..rng.below(5))
                .map(|_| random_token(rng, depth + 1))
                .collect();
            let delimiter =
                [Delimiter::Parenthesis, Delimiter::Brace, Delimiter::Bracket][rng.below(3)];
            TokenTree::Group(Group::new(delimiter, inner))
        }
        _ => TokenTree::Ident(Ident::new("z", Span::call_site())),
    }
}

trait PlainIdent {
    fn new_raw_or_plain(s: &str) -> Ident;
}
impl PlainIdent for Ident {
    fn new_raw_or_plain(s: &str) -> Ident {
        Ident::new(s, Span::call_site())
    }
}

/// Deletes, duplicates, replaces or inserts tokens, recursing into groups.
pub fn mutate(stream: TokenStream, rng: &mut Rng) -> TokenStream {
    let mut tokens: Vec<TokenTree> = stream.into_iter().collect();
    for _ in 0..=rng.below(3) {
        if tokens.is_empty() {
            tokens.push(random_token(rng, 0));
            continue;
        }
        let i = rng.below(tokens.len());
        match rng.below(5) {
            0 => {
                tokens.remove(i);
            }
            1 => {
                let t = tokens[i].clone();
                tokens.insert(i, t);
            }
            2 => tokens[i] = random_token(rng, 0),
            3 => tokens.insert(i, random_token(rng, 0)),
            _ => {
                if let TokenTree::Group(g) = &tokens[i] {
                    let inner = mutate(g.stream(), rng);
                    tokens[i] = TokenTree::Group(Group::new(g.delimiter(), inner));
                }
            }
        }
    }
    tokens.into_iter().collect()
}

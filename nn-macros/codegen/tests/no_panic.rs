//! The macro never panics: thousands of random and mutated token streams each give either
//! code or an error.

mod common;

use common::fuzz::{mutate, random_token, Rng};
use proc_macro2::{Delimiter, Group, TokenStream, TokenTree};

fn expand_without_panic(attr: TokenStream, item: TokenStream) {
    let (a, i) = (attr.to_string(), item.to_string());
    let result = std::panic::catch_unwind(|| nn_codegen::expand(attr, item));
    match result {
        Ok(tokens) => assert!(!tokens.is_empty(), "no output for #[network({a})] {i}"),
        Err(_) => panic!("the macro panicked on #[network({a})] {i}"),
    }
}

#[test]
fn mutated_networks_give_code_or_an_error() {
    let corpus = common::corpus();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for case in 0..4000 {
        let (attr, item) = corpus[case % corpus.len()].clone();
        let (attr, item) = match rng.below(3) {
            0 => (mutate(attr, &mut rng), item),
            _ => (attr, mutate(item, &mut rng)),
        };
        expand_without_panic(attr, item);
    }
}

#[test]
fn random_token_streams_give_an_error() {
    let mut rng = Rng(42);
    for _ in 0..2000 {
        let attr: TokenStream = (0..rng.below(4))
            .map(|_| random_token(&mut rng, 0))
            .collect();
        let mut item: TokenStream = "fn net(x: f32, w: f32) -> f32".parse().unwrap();
        let body: TokenStream = (0..rng.below(12))
            .map(|_| random_token(&mut rng, 0))
            .collect();
        item.extend([TokenTree::Group(Group::new(Delimiter::Brace, body))]);
        expand_without_panic(attr.clone(), item);
        let anything: TokenStream = (0..rng.below(12))
            .map(|_| random_token(&mut rng, 0))
            .collect();
        expand_without_panic(attr, anything);
    }
}

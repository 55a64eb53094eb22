//! The `#[network]` attribute. All the work happens in the `nn-codegen` library; this crate
//! only hands it the tokens, so that tools and tests can call the same engine directly.

use proc_macro::TokenStream;

/// *The `#[network]` attribute: a function whose body is a network expression becomes a
/// forward function, a chain-rule backward function and the types that go with them. This
/// crate only hands the tokens to the engine, `nn-codegen`; the language is described where
/// the attribute is re-exported, `nn::network`.*
#[proc_macro_attribute]
pub fn network(attr: TokenStream, item: TokenStream) -> TokenStream {
    nn_codegen::expand(attr.into(), item.into()).into()
}

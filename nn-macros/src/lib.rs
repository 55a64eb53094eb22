//! The `#[network]` attribute. All the work happens in the `nn-codegen` library; this crate
//! only hands it the tokens, so that tools and tests can call the same engine directly.

use proc_macro::TokenStream;

/// Turns a function whose body is a network expression into a forward function, a chain-rule
/// backward function and the types that go with them. See the `nn` crate's documentation.
#[proc_macro_attribute]
pub fn network(attr: TokenStream, item: TokenStream) -> TokenStream {
    nn_codegen::expand(attr.into(), item.into()).into()
}

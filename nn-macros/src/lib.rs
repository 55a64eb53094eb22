//! The `#[network]` attribute. All the work happens in the `nn-codegen` library; this crate
//! only hands it the tokens, so that tools and tests can call the same engine directly.

use proc_macro::TokenStream;

/// *Implemented in the `nn-macros` crate, which hands the tokens to the engine, `nn-codegen`.*
#[proc_macro_attribute]
pub fn network(attr: TokenStream, item: TokenStream) -> TokenStream {
    nn_codegen::expand(attr.into(), item.into()).into()
}

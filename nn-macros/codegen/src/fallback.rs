//! What the macro emits for a network with mistakes: the errors, and beside them a stub of
//! the function and of the module it would have generated, so that one mistake gives one
//! error (thiserror's `fallback.rs`).

use proc_macro2::TokenStream;
use quote::quote;

/// The errors as `compile_error!`, with stubs that raise nothing more.
pub fn expand(error: syn::Error, item: TokenStream) -> TokenStream {
    let errors = error.to_compile_error();
    let Ok(f) = syn::parse2::<syn::ItemFn>(item) else {
        return errors;
    };
    let attrs = &f.attrs;
    let vis = &f.vis;
    let sig = &f.sig;
    let name = &sig.ident;
    quote! {
        #errors
        #(#attrs)*
        #[allow(unused_variables, unused_mut, dead_code, non_snake_case, clippy::all)]
        #vis #sig {
            ::core::unimplemented!("the network has compile errors")
        }
        #[allow(dead_code)]
        #vis mod #name {}
    }
}

//! The engine behind `#[network]`: a plain library, so that the proc-macro, the explain tool,
//! build scripts and tests all use the same code. `ARCHITECTURE.md` describes the stages.
//! ```
//! let source = nn_codegen::expand_source(
//!     quote::quote!(),
//!     quote::quote!(fn line(x: f64, w: f64, b: f64) -> f64 { y = w·x + b }),
//! )
//! .unwrap();
//! assert!(source.contains("grads.w += dl_dy * x;"));
//! ```

// The modules in pipeline order: each imports only modules above it.
pub mod errors; // one channel for every mistake, checked between stages
mod stack; // room on the stack for very large networks
pub mod func; // the table of the language's functions
pub mod layer; // the layers of convolutional networks
pub mod reserved; // the names generated code uses itself
pub mod ast; // the network as read: arguments, lets, expressions, with spans
pub mod graph; // the network as an SSA graph with shapes
pub mod simplify; // rewrite rules: stable forms, negations moved out
pub mod attr; // reads #[network(...)]
pub mod parse; // reads the function → ast
pub mod lower; // ast → graph: names resolved, shapes checked, constants folded
pub mod diff; // graph → backward program: the derivative rules and the chain rule
pub mod eval; // runs a graph and its backward program on numbers
pub mod names; // every name of generated code, decided once
pub mod limits; // what rustc can compile
pub mod compiled; // what the stages produce
pub mod text; // the lecture's notation of values and derivatives
pub mod emit; // tokens and readable source of the generated items
pub mod fallback; // what a network with mistakes expands to
pub mod explain; // the teaching view of any network

use proc_macro2::TokenStream;

pub use compiled::Compiled;

/// Runs the stages on the attribute's and the function's tokens: every mistake is reported,
/// with the span of the user's tokens, before differentiation starts.
pub fn compile(attr: TokenStream, item: TokenStream) -> syn::Result<Compiled> {
    compile_with(attr, item, true)
}

/// [`compile`], with the simplifier (`simplify`, `diff::normal`) on or off.
pub fn compile_with(attr: TokenStream, item: TokenStream, simplify: bool) -> syn::Result<Compiled> {
    stack::grown(&item, || {
        let item: syn::ItemFn = syn::parse2(item.clone())?;
        let cx = errors::Ctxt::new();
        let attr = attr::parse(&cx, attr); // #[network(f1 = relu, inputs(x, t))]
        let network = parse::network(&cx, &attr, item); // the function → AST
        let graph = lower::lower(&cx, &network, simplify); // AST → graph: names, shapes
        cx.check()?;
        let network = network.into_header(); // the body is in the graph now
        let unreadable = || syn::Error::new_spanned(&network.item.sig, "could not be read");
        let mut graph = graph.ok_or_else(unreadable)?;
        let scalar = network.scalar.clone().ok_or_else(unreadable)?;
        let backward = diff::differentiate(&mut graph, simplify); // the chain rule
        let names = names::decide(&graph, &backward, &network.item.sig.generics);
        limits::check(&network.item.sig, &graph, &backward, &names)?;
        #[rustfmt::skip]
        let compiled = Compiled { network, scalar, graph, backward, names };
        Ok(compiled)
    })
}

/// What `#[network]` expands to: the generated items, or the errors beside stubs.
pub fn expand(attr: TokenStream, item: TokenStream) -> TokenStream {
    stack::grown(&item, || match compile(attr, item.clone()) {
        Ok(compiled) => emit::emit(&compiled).tokens,
        Err(error) => fallback::expand(error, item.clone()),
    })
}

/// The readable generated source (`SOURCE`), for tools and tests.
pub fn expand_source(attr: TokenStream, item: TokenStream) -> syn::Result<String> {
    stack::grown(&item, || {
        compile(attr, item.clone()).map(|c| emit::emit(&c).source)
    })
}

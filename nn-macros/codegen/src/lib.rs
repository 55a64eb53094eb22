//! The engine behind `#[network]`: a plain library, so that the proc-macro, the explain tool,
//! build scripts and property tests all use the same code.
//!
//! The path of data, one module per stage:
//!
//! 1. [`attr`] and [`parse`]: the attribute and the function → [`ast::Network`];
//! 2. [`ir`]: the AST → an SSA graph, with constants folded and common subexpressions shared;
//! 3. [`diff`]: reverse-mode differentiation → one backward statement per chain-rule step;
//! 4. [`emit`]: tokens of the generated items and their readable source ([`text`] writes the
//!    math in comments and docs).
//!
//! [`eval`] evaluates the graph and its backward pass numerically, as a reference.
//!
//! ```
//! let source = nn_codegen::expand_source(
//!     quote::quote!(),
//!     quote::quote!(fn line(x: f64, w: f64, b: f64) -> f64 { y = w·x + b }),
//! )
//! .unwrap();
//! assert!(source.contains("grads.w += dl_dy * x;"));
//! ```

pub mod ast;
pub mod attr;
pub mod diff;
pub mod emit;
pub mod errors;
pub mod eval;
pub mod explain;
pub mod ir;
pub mod parse;
pub mod text;

use proc_macro2::TokenStream;
use quote::quote;

/// A network after every stage but emission.
pub struct Compiled {
    /// The parsed function.
    pub network: ast::Network,
    /// Its graph, with every node that generated code names already named.
    pub graph: ir::Graph,
    /// The backward pass.
    pub backward: diff::Backward,
}

/// Runs parse → ir → diff on the attribute's and the function's tokens.
pub fn compile(attr: TokenStream, item: TokenStream) -> syn::Result<Compiled> {
    let mut errors = errors::Errors::default();
    let attr = attr::parse(attr, &mut errors);
    let item: syn::ItemFn = match syn::parse2(item) {
        Ok(item) => item,
        Err(e) => {
            errors.push(e);
            return errors.finish(()).and_then(|_| unreachable_error());
        }
    };
    let network = parse::network(attr, item, &mut errors);
    let graph = network.as_ref().and_then(|n| ir::lower(n, &mut errors));
    let (network, mut graph) = match (network, graph) {
        (Some(n), Some(g)) if errors.is_empty() => (n, g),
        _ => {
            if errors.is_empty() {
                errors.push(syn::Error::new(
                    proc_macro2::Span::call_site(),
                    "this network could not be read",
                ));
            }
            return errors.finish(()).and_then(|_| unreachable_error());
        }
    };
    let backward = diff::differentiate(&graph);
    // Name what generated code must refer to: values the backward reads, adjoint variables,
    // and values used more than once (computed once, then reused).
    let read = backward.values_read(&graph);
    let own = backward.adjoint_variables(&graph);
    let uses = graph.use_counts();
    let live = graph.reachable();
    let whole = whole_values(&graph);
    let needs: Vec<bool> = (0..graph.nodes.len())
        .map(|id| {
            live[id]
                && !graph.nodes[id].op.is_leaf()
                && (read[id] || own[id] || uses[id] > 1 || whole[id])
        })
        .collect();
    ir::name_temporaries(&mut graph, &needs);
    Ok(Compiled {
        network,
        graph,
        backward,
    })
}

/// Values that must be computed whole, into a variable of their own, before their use:
/// vector operands of dot and matrix-vector products and of whole-vector functions, vectors
/// that only a whole-vector function makes (`softmax`), and scalars used inside a vector
/// loop (computed once, not once per element).
fn whole_values(graph: &ir::Graph) -> Vec<bool> {
    use ast::Shape;
    use ir::Op;
    let mut whole = vec![false; graph.nodes.len()];
    for (id, node) in graph.nodes.iter().enumerate() {
        if let Op::Call(f, _) = node.op {
            if f.is_vector_function() && node.shape != Shape::Scalar {
                whole[id] = true;
            }
        }
        for (slot, c) in node.op.children().into_iter().enumerate() {
            let child = &graph.nodes[c];
            let operand_of_whole = !node.op.is_elementwise()
                && child.shape != Shape::Scalar
                && !(matches!(node.op, Op::MatVec(..)) && slot == 0);
            let scalar_in_loop = node.shape != Shape::Scalar
                && node.op.is_elementwise()
                && child.shape == Shape::Scalar
                && !matches!(child.op, Op::Const(_));
            if operand_of_whole || scalar_in_loop {
                whole[c] = true;
            }
        }
    }
    whole
}

fn unreachable_error<T>() -> syn::Result<T> {
    Err(syn::Error::new(
        proc_macro2::Span::call_site(),
        "this network could not be read",
    ))
}

/// What `#[network]` expands to: the generated items, or the errors as `compile_error!` next
/// to a stub of the function (so that one mistake gives one error, not a cascade).
pub fn expand(attr: TokenStream, item: TokenStream) -> TokenStream {
    match compile(attr, item.clone()) {
        Ok(compiled) => emit::emit(&compiled).tokens,
        Err(error) => fallback(error, item),
    }
}

/// The readable generated source (`SOURCE`), for tools and tests.
pub fn expand_source(attr: TokenStream, item: TokenStream) -> syn::Result<String> {
    compile(attr, item).map(|c| emit::emit(&c).source)
}

fn fallback(error: syn::Error, item: TokenStream) -> TokenStream {
    let errors = error.to_compile_error();
    match syn::parse2::<syn::ItemFn>(item) {
        Ok(f) => {
            let attrs = &f.attrs;
            let vis = &f.vis;
            let sig = &f.sig;
            let name = &sig.ident;
            quote! {
                #errors
                #(#attrs)*
                #[allow(unused_variables, dead_code, non_snake_case)]
                #vis #sig { ::core::unimplemented!() }
                #[allow(dead_code)]
                #vis mod #name {}
            }
        }
        Err(_) => errors,
    }
}

//! The teaching page: a local web server that shows, for a network typed in the lecture's
//! notation, the generated code with its chain-rule comments, the derivation, the
//! computational graph with the values, local factors and gradients, a step-by-step walk
//! through the forward and the backward pass, and a training run streamed live.
//!
//! `cargo run --release -p nn-teach` starts it on 127.0.0.1 and prints the address. The
//! engine does the work ([`nn_codegen::explain`]); this crate reads the page's requests,
//! lays the graph out, trains with the engine's reference evaluator and serves the page.
//!
//! Modules, in the order they are imported: [`limits`] (what one request may ask),
//! [`layout`] (where the graph's nodes go), [`train`] (losses, optimizers, the loop),
//! [`presets`] (the data sets offered), [`api`] (the explanation as JSON), [`session`] (a
//! training run as events), [`server`] (the routes).

pub mod limits;
pub mod layout;
pub mod train;
pub mod presets;
pub mod api;
pub mod session;
pub mod server;

pub use server::app;

/// Serves the page on `listener` until the process ends.
pub async fn serve(listener: tokio::net::TcpListener) -> std::io::Result<()> {
    axum::serve(listener, app()).await
}

//! The web server: the page and its files, the explanation of a network, the stream of a
//! training run (server-sent events). Compiling and training run on blocking threads, at
//! most [`limits::WORKERS`] at once, each within its time limit.

use std::convert::Infallible;
use std::sync::Arc;

use axum::extract::{DefaultBodyLimit, State};
use axum::http::{header, StatusCode};
use axum::response::sse::{Event as SseEvent, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use tokio::sync::{mpsc, Semaphore};
use tokio_stream::wrappers::ReceiverStream;
use tokio_stream::StreamExt as _;

use crate::api::{self, ExplainReply, ExplainRequest};
use crate::limits;
use crate::presets::PRESETS;
use crate::session::{self, Event, TrainRequest};

/// The page: HTML, script and style, served as they are (no build step, nothing fetched
/// from elsewhere).
const INDEX: &str = include_str!("../page/index.html");
const SCRIPT: &str = include_str!("../page/page.js");
const STYLE: &str = include_str!("../page/page.css");
/// The browser asks for an icon: ∂, in SVG.
const ICON: &str = "<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 16 16'><text x='2' y='13' font-size='14'>∂</text></svg>";

/// What every request shares: the permits of the blocking workers, one pool for
/// explanations and one for training runs.
#[derive(Clone)]
struct Shared {
    explaining: Arc<Semaphore>,
    training: Arc<Semaphore>,
}

/// The application: every route of the page.
pub fn app() -> Router {
    let shared = Shared {
        explaining: Arc::new(Semaphore::new(limits::EXPLAINING)),
        training: Arc::new(Semaphore::new(limits::TRAINING)),
    };
    Router::new()
        .route("/", get(|| file(INDEX, "text/html; charset=utf-8")))
        .route("/favicon.ico", get(|| file(ICON, "image/svg+xml")))
        .route(
            "/page.js",
            get(|| file(SCRIPT, "text/javascript; charset=utf-8")),
        )
        .route("/page.css", get(|| file(STYLE, "text/css; charset=utf-8")))
        .route("/api/presets", get(|| async { Json(PRESETS) }))
        .route("/api/explain", post(explain))
        .route("/api/train", post(train))
        .layer(DefaultBodyLimit::max(limits::BODY_BYTES))
        .with_state(shared)
}

async fn file(text: &'static str, kind: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, kind),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        text,
    )
        .into_response()
}

/// An error reply in the shape of the explanation's.
fn refused(message: String) -> Json<ExplainReply> {
    Json(ExplainReply::Error(message.into()))
}

async fn explain(State(shared): State<Shared>, Json(request): Json<ExplainRequest>) -> Response {
    let work = async {
        let permit = shared.explaining.clone().acquire_owned().await;
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            api::explain(&request)
        })
        .await
    };
    match tokio::time::timeout(limits::EXPLAIN_TIME, work).await {
        Ok(Ok(reply)) => Json(reply).into_response(),
        Ok(Err(_)) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            refused("the engine failed on this network; please report it".into()),
        )
            .into_response(),
        Err(_) => refused(format!(
            "explaining this network took longer than {} s; try a smaller one",
            limits::EXPLAIN_TIME.as_secs()
        ))
        .into_response(),
    }
}

async fn train(
    State(shared): State<Shared>,
    Json(request): Json<TrainRequest>,
) -> Sse<impl tokio_stream::Stream<Item = Result<SseEvent, Infallible>>> {
    let (tx, rx) = mpsc::channel::<Event>(16);
    tokio::spawn(async move {
        let permit =
            tokio::time::timeout(limits::EXPLAIN_TIME, shared.training.acquire_owned()).await;
        let Ok(Ok(permit)) = permit else {
            let busy = "the server is busy with other runs; try again in a moment".to_string();
            let _ = tx
                .send(Event::Error {
                    errors: busy.into(),
                    params: None,
                })
                .await;
            return;
        };
        let _ = tokio::task::spawn_blocking(move || {
            let _permit = permit;
            // The page has gone when the stream's receiver is dropped: then the run stops.
            session::train(&request, |event| tx.blocking_send(event).is_ok());
        })
        .await;
    });
    let stream = ReceiverStream::new(rx).map(|event| {
        let name = match &event {
            Event::Start { .. } => "start",
            Event::Epoch { .. } => "epoch",
            Event::Done { .. } => "done",
            Event::Error { .. } => "error",
        };
        let data = serde_json::to_string(&event).unwrap_or_else(|e| {
            format!("{{\"event\":\"error\",\"message\":\"{e}\",\"marks\":[]}}")
        });
        Ok(SseEvent::default().event(name).data(data))
    });
    Sse::new(stream)
}

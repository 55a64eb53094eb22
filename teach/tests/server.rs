//! The server over HTTP: the page and its files, explanations and their errors, a training
//! stream, and 1,000 random and mutated networks (the engine's fuzz inputs) each answered,
//! in time, without the server failing.

#[path = "../../nn-macros/codegen/tests/common/mod.rs"]
mod common;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use common::fuzz::{mutate, random_token, Rng};
use proc_macro2::TokenStream;
use serde_json::{json, Value};

/// The server, started once for every test of this file, on a free port.
fn server() -> SocketAddr {
    static ADDRESS: OnceLock<SocketAddr> = OnceLock::new();
    *ADDRESS.get_or_init(|| {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Runtime::new().unwrap();
            runtime.block_on(async {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                tx.send(listener.local_addr().unwrap()).unwrap();
                nn_teach::serve(listener).await.unwrap();
            });
        });
        rx.recv().unwrap()
    })
}

/// One HTTP/1.1 request, the connection closed after it: the status and the body.
fn http(method: &str, path: &str, body: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(server()).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).unwrap();
    let mut reply = Vec::new();
    stream.read_to_end(&mut reply).unwrap();
    let reply = String::from_utf8_lossy(&reply).into_owned();
    let (head, rest) = reply.split_once("\r\n\r\n").unwrap();
    let status = head[9..12].parse().unwrap();
    let body = if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        unchunk(rest)
    } else {
        rest.to_string()
    };
    (status, body)
}

/// The body of a chunked reply.
fn unchunk(mut rest: &str) -> String {
    let mut body = String::new();
    while let Some((size, tail)) = rest.split_once("\r\n") {
        let size = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if size == 0 {
            break;
        }
        body.push_str(&tail[..size]);
        rest = &tail[size + 2..];
    }
    body
}

fn explain(request: Value) -> Value {
    let (status, body) = http("POST", "/api/explain", &request.to_string());
    assert_eq!(status, 200, "{body}");
    serde_json::from_str(&body).unwrap()
}

#[test]
fn the_page_and_its_files_are_served() {
    let (status, page) = http("GET", "/", "");
    assert_eq!(status, 200);
    assert!(page.contains("<textarea id=\"network\""), "{page}");
    assert!(page.contains("<script src=\"/page.js\">"));
    // Nothing from elsewhere: every address the page loads is the server's.
    assert!(
        !page.contains("http://") && !page.contains("https://"),
        "{page}"
    );
    let (status, script) = http("GET", "/page.js", "");
    assert_eq!(status, 200);
    assert!(script.contains("/api/explain"));
    // SVG's namespace is a name, never fetched.
    let script = script.replace("\"http://www.w3.org/2000/svg\"", "");
    assert!(!script.contains("http://") && !script.contains("https://"));
    let (status, presets) = http("GET", "/api/presets", "");
    assert_eq!(status, 200);
    let presets: Value = serde_json::from_str(&presets).unwrap();
    let keys: Vec<&str> = presets
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["key"].as_str().unwrap())
        .collect();
    assert_eq!(keys, ["xor", "four-points", "circuit"]);
}

/// The chain's ∂L/∂w1 on the page is the engine's number.
#[test]
fn the_chain_is_explained() {
    let e = explain(json!({
        "network": "y = f3(w3·f2(w2·f1(w1·x + b1)))",
        "with": "f1 = sigmoid, f2 = sigmoid, f3 = sigmoid",
        "at": "x = 1, w1 = 0.5, b1 = 0.1, w2 = -0.3, w3 = 0.8",
    }));
    assert_eq!(e["status"], "ok", "{e}");
    let numbers: Vec<&str> = e["numbers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_str().unwrap())
        .collect();
    assert!(
        numbers.contains(&"∂L/∂w1 = -0.00329115 (parameter)"),
        "{numbers:?}"
    );
    let w1 = e["picture"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["label"] == "w1")
        .unwrap();
    assert_eq!(w1["gradient"], json!(["∂L/∂w1", "-0.00329115"]));
    assert_eq!(w1["kind"], "param");
    // Seven forward steps (w1·x, a1, f1, a2, f2, a3, y), each with its line; eleven backward
    // ones (a3, w3, f2, a2, w2, f1, a1, w1·x, b1, w1, x), all but w1·x's with its line.
    let walk = e["walk"].as_array().unwrap();
    assert_eq!(walk.iter().filter(|s| s["pass"] == "forward").count(), 7);
    assert_eq!(walk.iter().filter(|s| s["pass"] == "backward").count(), 11);
    assert_eq!(walk.iter().filter(|s| s["line"].is_u64()).count(), 17);
}

#[test]
fn mistakes_come_back_with_their_places() {
    let e = explain(json!({ "network": "let h = w·x;\ny = sigmod(h)" }));
    assert_eq!(e["status"], "error");
    assert_eq!(
        e["marks"],
        json!([{
            "message": "unknown function `sigmod`; did you mean `sigmoid`?",
            "field": "network",
            "start": 17,
            "end": 23
        }])
    );
    assert!(e["message"]
        .as_str()
        .unwrap()
        .starts_with("error: unknown function `sigmod`"));
    // A misspelt binding is marked in the bindings.
    let e = explain(json!({ "network": "y = f1(w·x)", "with": "f1 = sigmoud" }));
    assert_eq!(e["marks"][0]["field"], "bindings");
    assert_eq!(e["marks"][0]["start"], 5);
    // Values of names the network does not have are left out, not refused: the network
    // changes under them as it is typed.
    let e = explain(json!({ "network": "y = w·x", "at": "v = 1" }));
    assert_eq!(e["status"], "ok");
    // A seed of the wrong shape, and text that is too long, are messages.
    let e = explain(json!({ "network": "y = w·x", "seed": "[1, 0]" }));
    assert_eq!(e["status"], "error");
    let e = explain(json!({ "network": "y = w·x + ".repeat(5_000) }));
    assert_eq!(
        e["message"],
        "the network is 50000 characters long; the page takes at most 20000"
    );
}

/// Deep nesting, far inside the size limit, gets an answer: the engine grows its stack on the
/// server's worker threads (2 MB each), which a few hundred parentheses used to overflow,
/// taking the server down.
#[test]
fn deep_nesting_is_answered() {
    let parens = format!("y = {}w·x{}", "(".repeat(400), ")".repeat(400));
    assert_eq!(explain(json!({ "network": parens }))["status"], "ok");
    let mut tanh = "x".to_string();
    for k in 0..300 {
        tanh = format!("tanh(w{k}·{tanh})");
    }
    let network = format!("y = {tanh}");
    assert_eq!(explain(json!({ "network": network }))["status"], "ok");
    let request = json!({ "network": network, "data": "1 0.5", "epochs": 2 });
    let (status, body) = http("POST", "/api/train", &request.to_string());
    assert_eq!(status, 200);
    assert!(body.contains("\"event\":\"done\""), "{body}");
}

/// A training run streamed as server-sent events, to its end.
#[test]
fn training_is_streamed() {
    let request = json!({
        "network": "y = w·x",
        "at": "w = 0",
        "data": "x, t\n10, 10.1\n2, 1.9\n3.5, 3.4\n1, 1.1",
        "loss": "squared",
        "optimizer": "sgd",
        "rate": 0.005,
        "epochs": 100,
    });
    let (status, body) = http("POST", "/api/train", &request.to_string());
    assert_eq!(status, 200);
    let events: Vec<Value> = body
        .split("\n\n")
        .filter_map(|block| block.lines().find_map(|l| l.strip_prefix("data: ")))
        .map(|data| serde_json::from_str(data).unwrap())
        .collect();
    assert_eq!(events.first().unwrap()["event"], "start");
    let done = events.last().unwrap();
    assert_eq!(done["event"], "done", "{events:?}");
    assert_eq!(done["epoch"], 100);
    let epoch = events.iter().rev().find(|e| e["event"] == "epoch").unwrap();
    let w = epoch["params"][0][0].as_f64().unwrap();
    assert!((w - 117.8 / 117.25).abs() < 1e-6, "{w}");
}

/// A convolutional network typed as a whole `fn`: explained with its kernel bank's shape, and
/// trained on rows of numbers (the signal's six samples, then the target), its loss going down.
#[test]
fn a_convolutional_network_is_explained_and_trained() {
    let network =
        "fn cnn(x: [[f64; 6]; 1], K: [[[f64; 3]; 1]; 2], c: [f64; 2], w: [f64; 6]) -> f64 {\n    \
                   w·flatten(max_pool(relu(conv1d(K, x, padding = same) + c), 2))\n}";
    let e = explain(json!({ "network": network }));
    assert_eq!(e["status"], "ok", "{e}");
    assert!(
        e["equations"]
            .to_string()
            .contains("conv1d(K, x, padding = 1)"),
        "{e}"
    );
    let data = "0 0 1 0 1 0 1\n1 0 1 0 1 0 0\n2 0 1 0 1 0 1\n3 0 1 0 1 0 0";
    let request = json!({ "network": network, "data": data, "epochs": 20 });
    let (status, body) = http("POST", "/api/train", &request.to_string());
    assert_eq!(status, 200);
    let events: Vec<Value> = body
        .split("\n\n")
        .filter_map(|block| block.lines().find_map(|l| l.strip_prefix("data: ")))
        .map(|data| serde_json::from_str(data).unwrap())
        .collect();
    let start = &events[0];
    assert_eq!(start["dims"][0], json!([2, 1, 3]), "{start}");
    let done = events.last().unwrap();
    assert_eq!(done["event"], "done", "{events:?}");
    let first = start["loss"].as_f64().unwrap();
    let epoch = events.iter().rev().find(|e| e["event"] == "epoch").unwrap();
    let last = epoch["losses"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .as_f64()
        .unwrap();
    assert!(last < first, "the loss went from {first} to {last}");
}

/// The engine's fuzz inputs, as text typed into the page: every one gets an answer (an
/// explanation or an error, never a server error), each within the time limit, and the
/// server still answers afterwards.
#[test]
fn random_and_mutated_networks_are_answered() {
    let corpus = common::corpus();
    let mut rng = Rng(0x5EED_0F7E_AC00);
    let started = Instant::now();
    let mut slowest = Duration::ZERO;
    for case in 0..1000 {
        let (attr, item) = corpus[case % corpus.len()].clone();
        let (with, network) = match case % 4 {
            // Random tokens as a body.
            0 => {
                let body: TokenStream = (0..rng.below(12))
                    .map(|_| random_token(&mut rng, 0))
                    .collect();
                (String::new(), body.to_string())
            }
            1 => (mutate(attr, &mut rng).to_string(), item.to_string()),
            _ => (attr.to_string(), mutate(item, &mut rng).to_string()),
        };
        let request = json!({ "network": network, "with": with, "at": "" });
        let asked = Instant::now();
        let reply = explain(request);
        let took = asked.elapsed();
        slowest = slowest.max(took);
        assert!(
            reply["status"] == "ok" || reply["status"] == "error",
            "{network}: {reply}"
        );
        assert!(
            took < nn_teach::limits::EXPLAIN_TIME + Duration::from_secs(1),
            "{network} took {took:?}"
        );
    }
    eprintln!(
        "1000 networks in {:?}, the slowest {slowest:?}",
        started.elapsed()
    );
    let e = explain(json!({ "network": "y = sigmoid(w·x + b)" }));
    assert_eq!(e["status"], "ok");
}

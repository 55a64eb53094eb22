//! The teaching page in headless Chromium: the lecture's chain typed in (the `·` by its
//! button), its ∂L/∂w1 read from the page and compared with the number of the code
//! `#[network]` generates; a step through the passes; a misspelt function underlined; XOR
//! trained to a loss below 0.01. The screenshots in `docs/teach/` are taken here.
//!
//! Run by `.ci/browser`, which installs Chromium and builds the server first:
//! `NN_TEACH_BIN=target/debug/nn-teach cargo test --manifest-path teach/browser/Cargo.toml`.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use nn::prelude::*;
use serde_json::json;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

#[network(f1 = sigmoid, f2 = sigmoid, f3 = sigmoid)]
fn chain(x: f64, w1: f64, b1: f64, w2: f64, w3: f64) -> f64 {
    y = f3(w3·f2(w2·f1(w1·x + b1)))
}

/// The lecture's values of the chain.
const X: f64 = 1.0;
const PARAMS: chain::Params = chain::Params {
    w1: 0.5,
    b1: 0.1,
    w2: -0.3,
    w3: 0.8,
};

/// The project's root.
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The server, started on a free port: the process and the page's address.
async fn server() -> (Child, String) {
    let bin = std::env::var("NN_TEACH_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|_| root().join("target/debug/nn-teach"));
    let mut child = Command::new(&bin)
        .args(["--port", "0"])
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap_or_else(|e| {
            panic!(
                "cannot start {}: {e}; build it with `cargo build -p nn-teach`",
                bin.display()
            )
        });
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let line = lines.next_line().await.unwrap().unwrap();
    let url = line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap_or_else(|| panic!("no address in `{line}`"))
        .to_string();
    (child, url)
}

/// chromedriver on a free port, and a headless Chromium session through it.
async fn browser() -> (Child, Client) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let driver = Command::new(std::env::var("CHROMEDRIVER").unwrap_or("chromedriver".into()))
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("chromedriver (Debian's chromium-driver; .ci/browser installs it)");
    let profile = std::env::temp_dir().join(format!("nn-teach-chromium-{port}"));
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        json!({
            "binary": std::env::var("CHROMIUM").unwrap_or("/usr/bin/chromium".into()),
            // As root, in a sandbox of its own, on a machine with no network but loopback.
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--window-size=1500,1700",
                format!("--user-data-dir={}", profile.display())],
        }),
    );
    let started = Instant::now();
    loop {
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        match ClientBuilder::new(connector)
            .capabilities(caps.clone())
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
        {
            Ok(client) => return (driver, client),
            Err(e) if started.elapsed() > Duration::from_secs(30) => {
                panic!("no WebDriver session: {e}")
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
        }
    }
}

/// Waits until `script` (the body of a function) returns something other than null, and
/// returns it.
async fn until(c: &Client, what: &str, script: &str) -> serde_json::Value {
    let started = Instant::now();
    loop {
        let v = c.execute(script, vec![]).await.unwrap();
        if !v.is_null() {
            return v;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "waited 30 s for {what}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Replaces the text of the field `id` by `text`, typed.
async fn type_into(c: &Client, id: &str, text: &str) {
    let field = c.find(Locator::Id(id)).await.unwrap();
    field.clear().await.unwrap();
    field.send_keys(text).await.unwrap();
}

/// The text of the element `css` selects.
async fn text_of(c: &Client, css: &str) -> String {
    let element = c.find(Locator::Css(css)).await;
    let element = element.unwrap_or_else(|e| panic!("no `{css}` on the page: {e}"));
    element.text().await.unwrap()
}

async fn screenshot(c: &Client, name: &str) {
    let png = c.screenshot().await.unwrap();
    let path = root().join("docs/teach").join(name);
    std::fs::write(&path, png).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
}

/// The value of the line `∂L/∂w1 = … (parameter)` of the page's numbers.
const DL_DW1: &str = "const line = [...document.querySelectorAll('#numbers div')]
    .map(d => d.textContent).find(t => t.startsWith('∂L/∂w1 = '));
  return line ? line : null;";

#[tokio::test(flavor = "multi_thread")]
async fn the_page_explains_trains_and_underlines() {
    let (_server, url) = server().await;
    let (_driver, c) = browser().await;
    c.goto(&url).await.unwrap();
    until(
        &c,
        "the page's first explanation",
        "return document.querySelector('#graph svg');",
    )
    .await;

    // The lecture's chain, typed: the middle dots from the page's button.
    let network = c.find(Locator::Id("network")).await.unwrap();
    network.clear().await.unwrap();
    let dot = c.find(Locator::Id("insert-dot")).await.unwrap();
    for (k, part) in ["y = f3(w3", "f2(w2", "f1(w1", "x + b1)))"]
        .iter()
        .enumerate()
    {
        if k > 0 {
            dot.click().await.unwrap();
        }
        network.send_keys(part).await.unwrap();
    }
    type_into(&c, "with", "f1 = sigmoid, f2 = sigmoid, f3 = sigmoid").await;
    type_into(&c, "at", "x = 1, w1 = 0.5, b1 = 0.1, w2 = -0.3, w3 = 0.8").await;
    let typed = network.prop("value").await.unwrap().unwrap();
    assert_eq!(typed, "y = f3(w3·f2(w2·f1(w1·x + b1)))");
    // The explanation of what was typed last: the numbers at w3 = 0.8.
    until(
        &c,
        "the numbers at the lecture's values",
        "const t = document.getElementById('numbers').textContent;
         const done = document.body.dataset.busy === undefined;
         return done && t.includes('w3 = 0.8') && t.includes('∂L/∂w1') ? t : null;",
    )
    .await;
    let line = until(&c, "∂L/∂w1", DL_DW1).await;
    let line = line.as_str().unwrap();
    let page: f64 = line["∂L/∂w1 = ".len()..]
        .split(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    // The generated code's number: forward with the tape, backward from ∂L/∂y = 1.
    let (_, tape) = chain::forward_tape(&PARAMS, X);
    let mut grads = chain::Params::zeros();
    chain::backward(&PARAMS, &tape, 1.0, &mut grads);
    assert!(
        (page - grads.w1).abs() <= 1e-5 * grads.w1.abs(),
        "the page says {line}; the generated code {}",
        grads.w1
    );

    // The network as the user's own crate writes it: the chain of this file, by another name.
    let rust = c
        .execute(
            "return document.getElementById('rust-fn').textContent;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        rust.as_str().unwrap(),
        "use nn::prelude::*;\n\n#[network(f1 = sigmoid, f2 = sigmoid, f3 = sigmoid)]\nfn network(x: f64, w1: f64, b1: f64, w2: f64, w3: f64) -> f64 {\n    y = f3(w3·f2(w2·f1(w1·x + b1)))\n}\n"
    );

    // Stepping: seven forward steps (w1·x, a1, f1, a2, f2, a3, y), then the first backward
    // step, highlighted in the code and in the graph.
    let next = c.find(Locator::Id("step-next")).await.unwrap();
    for _ in 0..8 {
        next.click().await.unwrap();
    }
    let step = text_of(&c, "#step-text").await;
    assert!(step.starts_with("Backward 1/11: ∂L/∂a3 = "), "{step}");
    let code = text_of(&c, "#code li.active").await;
    assert!(
        code.contains("let dl_da3 = dl_dy * y * (1.0 - y);"),
        "{code}"
    );
    let node = text_of(&c, "#graph .node.active").await;
    assert!(node.contains("a3 = ·"), "{node}");
    // The whole graph in its box.
    c.find(Locator::Id("zoom-fit"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let fits = c
        .execute(
            "const svg = document.getElementById('graph-svg');
             return svg.getBoundingClientRect().width <= document.getElementById('graph').clientWidth;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(fits, serde_json::Value::Bool(true));
    screenshot(&c, "chain.png").await;

    // A misspelt function: the message, and the name underlined in the text typed.
    type_into(&c, "network", "let h = w·x;\ny = sigmod(h)").await;
    let marked = until(
        &c,
        "the error's mark",
        "const m = document.querySelector('mark.error-mark'); return m ? m.textContent : null;",
    )
    .await;
    assert_eq!(marked, "sigmod");
    let errors = text_of(&c, "#errors").await;
    assert!(
        errors.starts_with("error: unknown function `sigmod`; did you mean `sigmoid`?"),
        "{errors}"
    );
    screenshot(&c, "error.png").await;

    // XOR from its preset, trained live to a loss below 0.01.
    c.execute(
        "const s = document.getElementById('preset'); s.value = 'xor';
         s.dispatchEvent(new Event('change'));",
        vec![],
    )
    .await
    .unwrap();
    until(
        &c,
        "the XOR network",
        "return document.getElementById('numbers').textContent.includes('h2') ? true : null;",
    )
    .await;
    c.find(Locator::Id("train"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let loss = until(
        &c,
        "the end of the XOR run",
        "const s = document.getElementById('train-status');
         return s.dataset.loss !== undefined ? Number(s.dataset.loss) : null;",
    )
    .await;
    let loss = loss.as_f64().unwrap();
    assert!(loss < 0.01, "XOR ended at loss {loss}");
    let params = text_of(&c, "#params tbody").await;
    assert!(params.contains("w11"), "{params}");
    c.execute(
        "document.getElementById('train-section').scrollIntoView();",
        vec![],
    )
    .await
    .unwrap();
    screenshot(&c, "train.png").await;
    c.close().await.unwrap();
}

//! `explain`: the generated code, the derivation, the numbers and the computational graph of
//! a network typed on the command line.
//!
//! ```text
//! cargo run -p nn-codegen --bin explain -- 'y = f3(w3·f2(w2·f1(w1·x + b1)))' \
//!     --with 'f1 = sigmoid, f2 = sigmoid, f3 = sigmoid' --at x=1,w1=0.5 --dot chain.dot
//! dot -Tsvg chain.dot > chain.svg
//! ```

use std::process::ExitCode;

use nn_codegen::explain::{explain, Request};

const USAGE: &str = "usage: explain [OPTIONS] NETWORK

NETWORK is the body of a network, like 'y = sigmoid(w·x + b)' or
'let a1 = w1·x + b1; y = f1(a1)', or a whole 'fn' item, or one of the
curriculum's networks: --example chain | circuit | h | logistic.

Options:
  --with 'f1 = relu, f2 = sigmoid'   placeholder bindings, as in #[network(...)]
  --inputs x,t                       the data arguments (default: x, else the first name)
  --at x=1.5,w1=0.5                  values of the arguments (others are 0.5)
  --seed 1.0                         ∂L/∂output to start the backward pass from
  --dot FILE                         write the computational graph as Graphviz DOT
  --example NAME                     a network of the lecture notes, docs/lectures.md";

fn main() -> ExitCode {
    match run(std::env::args().skip(1).collect()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("{message}");
            ExitCode::FAILURE
        }
    }
}

/// The curriculum's networks: (body, bindings, inputs, values).
fn example(name: &str) -> Result<Request, String> {
    let (body, with, inputs, at): (&str, &str, &[&str], &[(&str, f64)]) = match name {
        "chain" => (
            "y = f3(w3·f2(w2·f1(w1·x + b1)))",
            "f1 = sigmoid, f2 = sigmoid, f3 = sigmoid",
            &["x"],
            &[
                ("x", 1.0),
                ("w1", 0.5),
                ("b1", 0.1),
                ("w2", -0.3),
                ("w3", 0.8),
            ],
        ),
        "circuit" => (
            "let net2 = w3·x3 + w4·x4; f = (x3 + x5) - sigmoid(net2)",
            "",
            &["x3", "x4", "x5"],
            &[
                ("x3", 1.0),
                ("x4", 2.0),
                ("x5", -1.0),
                ("w3", 0.5),
                ("w4", -0.25),
            ],
        ),
        "h" => (
            "let f = x + 1; let g = 2(f); h = powi(g, 2)",
            "",
            &["x"],
            &[("x", 2.0)],
        ),
        "logistic" => (
            "let z = w1·x1 + w2·x2 + b; let a = sigmoid(z); l = -(y * ln(a) + (1 - y) * ln(1 - a))",
            "",
            &["x1", "x2", "y"],
            &[
                ("x1", 1.0),
                ("x2", 2.0),
                ("y", 1.0),
                ("w1", 0.1),
                ("w2", -0.2),
                ("b", 0.0),
            ],
        ),
        other => {
            return Err(format!(
                "unknown example `{other}`; the examples are chain, circuit, h, logistic"
            ))
        }
    };
    Ok(Request {
        body: body.into(),
        with: with.into(),
        inputs: inputs.iter().map(|s| s.to_string()).collect(),
        at: at.iter().map(|(n, v)| (n.to_string(), *v)).collect(),
        seed: None,
        name: Some(name.to_string()),
    })
}

fn parse_values(text: &str) -> Result<Vec<(String, f64)>, String> {
    text.split(',')
        .filter(|s| !s.trim().is_empty())
        .map(|pair| {
            let (name, value) = pair
                .split_once('=')
                .ok_or_else(|| format!("`{pair}` is not `name=value`"))?;
            let value: f64 = value
                .trim()
                .parse()
                .map_err(|_| format!("`{value}` in `{pair}` is not a number"))?;
            Ok((name.trim().to_string(), value))
        })
        .collect()
}

fn run(args: Vec<String>) -> Result<(), String> {
    let mut request = Request::default();
    let mut dot_path = None;
    let mut body = None;
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let mut value = |what: &str| {
            args.next()
                .ok_or_else(|| format!("{arg} needs {what}\n\n{USAGE}"))
        };
        match arg.as_str() {
            "--with" => request.with = value("bindings")?,
            "--inputs" => {
                request.inputs = value("names")?
                    .split(',')
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty())
                    .collect();
            }
            "--at" => request.at = parse_values(&value("values")?)?,
            "--seed" => {
                let v = value("a number")?;
                request.seed = Some(v.parse().map_err(|_| format!("`{v}` is not a number"))?);
            }
            "--dot" => dot_path = Some(value("a file name")?),
            "--example" => {
                let name = value("a name")?;
                let at = std::mem::take(&mut request.at);
                request = example(&name)?;
                if !at.is_empty() {
                    request.at = at;
                }
                body = Some(request.body.clone());
            }
            "-h" | "--help" => {
                println!("{USAGE}");
                return Ok(());
            }
            other if other.starts_with("--") => {
                return Err(format!("unknown option `{other}`\n\n{USAGE}"))
            }
            _ => body = Some(arg),
        }
    }
    request.body = body.ok_or_else(|| format!("no network given\n\n{USAGE}"))?;
    let e = explain(&request)?;
    println!("// The network\n{}\n", e.function);
    println!("// Forward\n{}\n", e.equations.join("\n"));
    println!(
        "// Backward: the chain rule, one step per line\n{}\n",
        e.derivation.join("\n")
    );
    if !e.numbers.is_empty() {
        println!("// The numbers\n{}\n", e.numbers.join("\n"));
    }
    println!("// The generated code\n{}", e.source);
    if let Some(path) = dot_path {
        std::fs::write(&path, &e.dot).map_err(|err| format!("cannot write {path}: {err}"))?;
        println!(
            "\nWrote the computational graph to {path} (render it: dot -Tsvg {path} > graph.svg)"
        );
    }
    Ok(())
}

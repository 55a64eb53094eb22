//! `explain`: the generated code, the derivation, the numbers and the computational graph of
//! a network typed on the command line.
//!
//! ```text
//! cargo run -p nn-codegen --bin explain -- 'y = f3(w3·f2(w2·f1(w1·x + b1)))' \
//!     --with 'f1 = sigmoid, f2 = sigmoid, f3 = sigmoid' --at x=1,w1=0.5 --dot chain.dot
//! dot -Tsvg chain.dot > chain.svg      # Graphviz; both files in the current directory
//! ```

use std::process::ExitCode;

use nn_codegen::explain::{explain, merge_bindings, parse_values, Request, Value};

const USAGE: &str = "usage: explain [OPTIONS] NETWORK
       explain [OPTIONS] --example chain | circuit | h | logistic

NETWORK is the body of a network, like 'y = sigmoid(w·x + b)' or
'let a1 = w1·x + b1; y = f1(a1)' (every argument a number), or a whole 'fn'
item with its types (for vectors and matrices), pasted with or without its
'#[network(...)]' attribute, whose arguments are taken as bindings.

Options:
  --with 'f1 = relu, f2 = sigmoid'   bindings, as in #[network(...)]; they replace those of
                                     the same name of a pasted attribute or an example
  --inputs x,t                       the data arguments (default: inputs(...) of the
                                     bindings, else x or the first name; for a whole fn,
                                     its first argument)
  --at x=1.5,w1=0.5                  values of the arguments; each one not given is 0.5
                                     (every element), and the numbers say so
  --at 'x=[1,2,3],W=[[1,2],[3,4]]'   a vector in brackets, a matrix row by row; one number
                                     fills a whole vector or matrix (quote the brackets
                                     for the shell)
  --seed 1.0 | --seed '[1,0,0]'      ∂L/∂output to start the backward pass from: a number
                                     for every element of a vector output, or a list of
                                     the output's shape
  --dot FILE                         write the computational graph as Graphviz DOT to FILE,
                                     a path from the current directory; Graphviz turns it
                                     into a picture: dot -Tsvg FILE > graph.svg
  --example NAME                     a network of the lecture notes, docs/lectures.md, at
                                     its values (--at replaces some of them)";

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
        at: at
            .iter()
            .map(|(n, v)| (n.to_string(), Value::Number(*v)))
            .collect(),
        seed: None,
        skip_other_values: false,
        name: Some(name.to_string()),
    })
}

/// The command line, read.
#[derive(Default)]
struct Cli {
    body: Option<String>,
    example: Option<String>,
    with: Option<String>,
    inputs: Option<Vec<String>>,
    at: Vec<(String, Value)>,
    seed: Option<Value>,
    dot: Option<String>,
}

impl Cli {
    /// Reads the arguments; `None` for `--help`.
    fn read(args: Vec<String>) -> Result<Option<Cli>, String> {
        let mut cli = Cli::default();
        let mut args = args.into_iter();
        while let Some(arg) = args.next() {
            let mut value = |what: &str| {
                args.next()
                    .ok_or_else(|| format!("{arg} needs {what}\n\n{USAGE}"))
            };
            match arg.as_str() {
                "--with" => cli.with = Some(value("bindings")?),
                "--inputs" => {
                    let names = value("names")?
                        .split(',')
                        .map(|s| s.trim().to_string())
                        .filter(|s| !s.is_empty())
                        .collect();
                    cli.inputs = Some(names);
                }
                "--at" => cli.at.extend(parse_values(&value("values")?)?),
                "--seed" => {
                    let v = value("a number or a list")?;
                    let parsed = parse_values(&format!("seed={v}"))
                        .map_err(|_| format!("`{v}` is not a number or a list of numbers"))?;
                    cli.seed = parsed.into_iter().next().map(|(_, value)| value);
                }
                "--dot" => cli.dot = Some(value("a file name")?),
                "--example" => cli.example = Some(value("a name")?),
                "-h" | "--help" => return Ok(None),
                other if other.starts_with("--") => {
                    return Err(format!("unknown option `{other}`\n\n{USAGE}"))
                }
                _ if cli.body.is_some() => {
                    return Err(format!(
                        "two networks given: `{}` and `{arg}`; quote the network as one argument\n\n{USAGE}",
                        cli.body.as_deref().unwrap_or_default()
                    ))
                }
                _ => cli.body = Some(arg),
            }
        }
        Ok(Some(cli))
    }

    /// The request: the example's or the network's, with the options over it.
    fn request(self) -> Result<Request, String> {
        let mut request = match (self.example, self.body) {
            (Some(name), None) => example(&name)?,
            (None, Some(body)) => Request {
                body,
                ..Request::default()
            },
            (Some(name), Some(body)) => {
                return Err(format!(
                    "give a network or --example, not both (`{body}` and --example {name})"
                ))
            }
            (None, None) => return Err(format!("no network given\n\n{USAGE}")),
        };
        if let Some(with) = self.with {
            request.with = merge_bindings(&request.with, &with)?;
        }
        if let Some(inputs) = self.inputs {
            request.inputs = inputs;
        }
        // The values given replace the example's of the same name.
        request
            .at
            .retain(|(name, _)| !self.at.iter().any(|(given, _)| given == name));
        request.at.extend(self.at);
        request.seed = self.seed.or(request.seed);
        Ok(request)
    }
}

fn run(args: Vec<String>) -> Result<(), String> {
    let Some(cli) = Cli::read(args)? else {
        println!("{USAGE}");
        return Ok(());
    };
    let dot_path = cli.dot.clone();
    let e = explain(&cli.request()?)?;
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
        let svg = std::path::Path::new(&path).with_extension("svg");
        println!(
            "\nWrote the computational graph to {path}; turn it into a picture with Graphviz: dot -Tsvg {path} > {}",
            svg.display()
        );
    }
    Ok(())
}

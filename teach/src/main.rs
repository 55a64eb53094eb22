//! `nn-teach`: the teaching page on 127.0.0.1.
//!
//! ```text
//! cargo run --release -p nn-teach             # http://127.0.0.1:8787/
//! cargo run --release -p nn-teach -- --port 0 # any free port, printed
//! ```

use std::process::ExitCode;

const USAGE: &str = "usage: nn-teach [--port N]

Serves the teaching page on http://127.0.0.1:N/ (default 8787; 0 takes any free port).
Only this machine can reach it. Ctrl+C stops it.";

/// The port asked for on the command line.
fn port(args: &[String]) -> Result<Option<u16>, String> {
    match args {
        [] => Ok(Some(8787)),
        [flag] if flag == "-h" || flag == "--help" => Ok(None),
        [flag, n] if flag == "--port" => n
            .parse()
            .map(Some)
            .map_err(|_| format!("`{n}` is not a port (0 to 65535)\n\n{USAGE}")),
        _ => Err(format!("unknown arguments `{}`\n\n{USAGE}", args.join(" "))),
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let port = match port(&args) {
        Ok(Some(port)) => port,
        Ok(None) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::FAILURE;
        }
    };
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("nn-teach: cannot start: {e}");
            return ExitCode::FAILURE;
        }
    };
    let served = runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
            .await
            .map_err(|e| format!("cannot listen on 127.0.0.1:{port}: {e}; try --port 0"))?;
        let address = listener.local_addr().map_err(|e| e.to_string())?;
        println!("nn-teach: the teaching page is at http://{address}/ (Ctrl+C stops it)");
        nn_teach::serve(listener).await.map_err(|e| e.to_string())
    });
    match served {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("nn-teach: {message}");
            ExitCode::FAILURE
        }
    }
}

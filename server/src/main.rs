//! The `specialist-server` command: parses flags, opens the database, binds, serves until SIGINT or SIGTERM.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use specialist_server::{AppState, Database, app};

const USAGE: &str = "usage: specialist-server [--bundle DIR] [--db PATH] [--host ADDR] [--port N] [--base-path PATH]
  --bundle     the built bundle to serve (default: target/bundle)
  --db         the SQLite database, created on first run (default: data/specialist.db)
  --host       the address to listen on (default: 127.0.0.1)
  --port       the port; 0 picks a free one (default: 8080)
  --base-path  serve the bundle and API under this path, e.g. /lms/pkg/123/ (default: /)";

struct Options {
    bundle: PathBuf,
    database: PathBuf,
    host: String,
    port: u16,
    base_path: String,
}

fn parse_options() -> Result<Options, String> {
    let mut options = Options {
        bundle: PathBuf::from("target/bundle"),
        database: PathBuf::from("data/specialist.db"),
        host: "127.0.0.1".into(),
        port: 8080,
        base_path: "/".into(),
    };
    let mut arguments = std::env::args().skip(1);
    while let Some(flag) = arguments.next() {
        if flag == "--help" || flag == "-h" {
            return Err(String::new());
        }
        let value = arguments
            .next()
            .ok_or_else(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--bundle" => options.bundle = value.into(),
            "--db" => options.database = value.into(),
            "--host" => options.host = value,
            "--port" => {
                options.port = value
                    .parse()
                    .map_err(|_| format!("--port {value:?} is not a port number"))?;
            }
            "--base-path" => options.base_path = value,
            _ => return Err(format!("unknown flag {flag}")),
        }
    }
    Ok(options)
}

#[tokio::main]
async fn main() -> ExitCode {
    let options = match parse_options() {
        Ok(options) => options,
        Err(problem) => {
            if !problem.is_empty() {
                eprintln!("specialist-server: {problem}");
            }
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    if !options.bundle.join("index.html").is_file() {
        eprintln!(
            "specialist-server: {} has no index.html; build the bundle first (cargo xtask serve does)",
            options.bundle.display()
        );
        return ExitCode::FAILURE;
    }
    let database = match Database::open(&options.database) {
        Ok(database) => database,
        Err(error) => {
            eprintln!("specialist-server: {error}");
            return ExitCode::FAILURE;
        }
    };
    let address = format!("{}:{}", options.host, options.port);
    let listener = match tokio::net::TcpListener::bind(&address).await {
        Ok(listener) => listener,
        Err(error) => {
            eprintln!("specialist-server: cannot listen on {address}: {error}");
            return ExitCode::FAILURE;
        }
    };
    let state = AppState::new(options.bundle, database, &options.base_path);
    let local: SocketAddr = listener
        .local_addr()
        .expect("a bound listener has an address");
    // xtask reads this line to learn the port when it asked for port 0.
    println!(
        "specialist-server listening on http://{local}{}",
        state.base_path
    );
    if let Err(error) = axum::serve(listener, app(state))
        .with_graceful_shutdown(shutdown_signal())
        .await
    {
        eprintln!("specialist-server: {error}");
        return ExitCode::FAILURE;
    }
    eprintln!("specialist-server: stopped");
    ExitCode::SUCCESS
}

/// Resolves on Ctrl-C or SIGTERM, so in-flight requests finish and SQLite closes cleanly.
async fn shutdown_signal() {
    let interrupt = async {
        tokio::signal::ctrl_c().await.ok();
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {},
        () = terminate => {},
    }
}

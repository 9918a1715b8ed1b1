//! The `specialist-server` command: parses flags, compiles the course, loads the issuer keys,
//! opens the database, binds, serves until SIGINT or SIGTERM; or rotates the issuer key.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use specialist_server::issuer::DEFAULT_ISSUER_NAME;
use specialist_server::rate_limit::DEFAULT_REQUESTS_PER_MINUTE;
use specialist_server::{AppState, Database, Issuer, RateLimit, app, load_course, valid_origin};

const USAGE: &str = "usage: specialist-server [options]
       specialist-server rotate-issuer-key [--issuer-keys DIR | --db PATH]

options:
  --bundle DIR           the built bundle to serve (default: target/bundle)
  --course DIR           the course source the bundle was built from; certificates are
                         re-graded against it (default: course)
  --db PATH              the SQLite database, created on first run (default: data/specialist.db)
  --issuer-keys DIR      the issuer's private keys, created on first run
                         (default: issuer-keys beside the database file)
  --issuer-name NAME     the issuer name in credentials and the profile (default: Specialist)
  --host ADDR            the address to listen on (default: 127.0.0.1)
  --port N               the port; 0 picks a free one (default: 8080)
  --base-path PATH       serve the bundle and API under this path, e.g. /lms/pkg/123/ (default: /)
  --public-url URL       the public URL of the base path, used in credential ids and links
                         (default: http://HOST:PORT followed by the base path)
  --cors-origin ORIGIN   allow this origin to call the API from a browser; repeatable
                         (default: none, the app served here is same-origin)
  --rate-limit N         certificate posts per minute per client IP; 0 turns it off (default: 30)
  --trust-forwarded-for  take the client IP from X-Forwarded-For (only behind a proxy that sets it)

rotate-issuer-key adds a new issuer key that signs from the next start on; older keys stay
published so the credentials they signed still verify.

Logs go to stderr; RUST_LOG sets the level (default: info).";

struct Options {
    rotate_issuer_key: bool,
    bundle: PathBuf,
    course: PathBuf,
    database: PathBuf,
    issuer_keys: Option<PathBuf>,
    issuer_name: String,
    host: String,
    port: u16,
    base_path: String,
    public_url: Option<String>,
    cors_origins: Vec<String>,
    rate_limit: RateLimit,
}

impl Options {
    /// True when the default public URL would name `0.0.0.0` or `::`, which no client can reach.
    fn public_url_missing_for_wildcard_host(&self) -> bool {
        self.public_url.is_none() && matches!(self.host.as_str(), "0.0.0.0" | "::" | "[::]")
    }

    /// The issuer key folder: as given, or `issuer-keys` beside the database file.
    fn issuer_keys(&self) -> PathBuf {
        self.issuer_keys.clone().unwrap_or_else(|| {
            self.database
                .parent()
                .unwrap_or_else(|| Path::new(""))
                .join("issuer-keys")
        })
    }
}

fn parse_options() -> Result<Options, String> {
    let mut options = Options {
        rotate_issuer_key: false,
        bundle: PathBuf::from("target/bundle"),
        course: PathBuf::from("course"),
        database: PathBuf::from("data/specialist.db"),
        issuer_keys: None,
        issuer_name: DEFAULT_ISSUER_NAME.into(),
        host: "127.0.0.1".into(),
        port: 8080,
        base_path: "/".into(),
        public_url: None,
        cors_origins: Vec::new(),
        rate_limit: RateLimit {
            requests_per_minute: DEFAULT_REQUESTS_PER_MINUTE,
            trust_forwarded_for: false,
        },
    };
    let mut arguments = std::env::args().skip(1).peekable();
    if arguments.peek().map(String::as_str) == Some("rotate-issuer-key") {
        arguments.next();
        options.rotate_issuer_key = true;
    }
    while let Some(flag) = arguments.next() {
        match flag.as_str() {
            "--help" | "-h" => return Err(String::new()),
            "--trust-forwarded-for" => {
                options.rate_limit.trust_forwarded_for = true;
                continue;
            }
            _ => {}
        }
        const FLAGS_WITH_VALUES: [&str; 11] = [
            "--bundle",
            "--course",
            "--db",
            "--issuer-keys",
            "--issuer-name",
            "--host",
            "--port",
            "--base-path",
            "--public-url",
            "--cors-origin",
            "--rate-limit",
        ];
        if !FLAGS_WITH_VALUES.contains(&flag.as_str()) {
            return Err(format!("unknown flag {flag}"));
        }
        let value = arguments
            .next()
            .ok_or_else(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--bundle" => options.bundle = value.into(),
            "--course" => options.course = value.into(),
            "--db" => options.database = value.into(),
            "--issuer-keys" => options.issuer_keys = Some(value.into()),
            "--issuer-name" => {
                if value.trim().is_empty() {
                    return Err("--issuer-name must not be empty".into());
                }
                options.issuer_name = value;
            }
            "--host" => options.host = value,
            "--port" => {
                options.port = value
                    .parse()
                    .map_err(|_| format!("--port {value:?} is not a port number"))?;
            }
            "--base-path" => options.base_path = value,
            "--public-url" => {
                if !(value.starts_with("http://") || value.starts_with("https://")) {
                    return Err(format!(
                        "--public-url {value:?} must start with http:// or https://"
                    ));
                }
                options.public_url = Some(value);
            }
            "--cors-origin" => {
                let origin = value.trim_end_matches('/').to_string();
                if !valid_origin(&origin) {
                    return Err(format!(
                        "--cors-origin {value:?} is not an origin like https://lms.example.com (scheme, host and port only)"
                    ));
                }
                options.cors_origins.push(origin);
            }
            "--rate-limit" => {
                options.rate_limit.requests_per_minute = value.parse().map_err(|_| {
                    format!("--rate-limit {value:?} is not a whole number of requests per minute")
                })?;
            }
            _ => return Err(format!("unknown flag {flag}")),
        }
    }
    Ok(options)
}

/// Logs to stderr at the level RUST_LOG asks for, `info` when unset; stdout stays for the
/// one line xtask reads.
fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
}

/// `host:port` as a socket address or URL authority; IPv6 addresses need brackets.
fn authority(host: &str, port: u16) -> String {
    if host.contains(':') && !host.starts_with('[') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
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
    init_logging();
    let issuer_keys = options.issuer_keys();
    if options.rotate_issuer_key {
        return match Issuer::rotate(&issuer_keys) {
            Ok(key) => {
                println!(
                    "added issuer key {} (created {}) in {}; it signs new credentials after the next start",
                    key.id,
                    key.created,
                    issuer_keys.display()
                );
                ExitCode::SUCCESS
            }
            Err(error) => {
                tracing::error!(%error, "cannot rotate the issuer key");
                ExitCode::FAILURE
            }
        };
    }
    if !options.bundle.join("index.html").is_file() {
        tracing::error!(
            bundle = %options.bundle.display(),
            "the bundle has no index.html; build the bundle first (cargo xtask serve does)"
        );
        return ExitCode::FAILURE;
    }
    let course = match load_course(&options.course) {
        Ok(course) => course,
        Err(errors) => {
            for error in &errors {
                tracing::error!("{error}");
            }
            tracing::error!(
                course = %options.course.display(),
                count = errors.len(),
                "the course does not compile; --course must name the course source the bundle was built from"
            );
            return ExitCode::FAILURE;
        }
    };
    tracing::info!(
        course = %course.manifest.id,
        version = %course.manifest.version,
        content_hash = %course.manifest.content_hash,
        "course loaded"
    );
    let database = match Database::open(&options.database) {
        Ok(database) => database,
        Err(error) => {
            tracing::error!(%error, "cannot open the database");
            return ExitCode::FAILURE;
        }
    };
    let issuer = match Issuer::load_or_create(&issuer_keys, &options.issuer_name) {
        Ok(issuer) => issuer,
        Err(error) => {
            tracing::error!(%error, "cannot load the issuer keys");
            return ExitCode::FAILURE;
        }
    };
    tracing::info!(
        signing_key = %issuer.current().id,
        keys = issuer.keys().len(),
        "issuer keys loaded"
    );
    let address = authority(&options.host, options.port);
    let listener = match tokio::net::TcpListener::bind(&address).await {
        Ok(listener) => listener,
        Err(error) => {
            tracing::error!(%address, %error, "cannot listen");
            return ExitCode::FAILURE;
        }
    };
    let local: SocketAddr = listener
        .local_addr()
        .expect("a bound listener has an address");
    let wildcard_without_public_url = options.public_url_missing_for_wildcard_host();
    let mut state = AppState::new(options.bundle, database, &options.base_path, course, issuer)
        .with_cors_origins(options.cors_origins)
        .with_rate_limit(options.rate_limit);
    let public_url = options.public_url.clone().unwrap_or_else(|| {
        format!(
            "http://{}{}",
            authority(&options.host, local.port()),
            state.base_path
        )
    });
    state = state.with_public_url(&public_url);
    if wildcard_without_public_url {
        tracing::warn!(
            host = %options.host,
            "listening on every address without --public-url: credential ids will name this unroutable address; set --public-url"
        );
    }
    tracing::info!(public_url = %state.public_url, "credential ids and links use this public URL");
    // xtask reads this line to learn the port when it asked for port 0.
    println!(
        "specialist-server listening on http://{local}{}",
        state.base_path
    );
    let service = app(state).into_make_service_with_connect_info::<SocketAddr>();
    if let Err(error) = axum::serve(listener, service)
        .with_graceful_shutdown(shutdown_signal())
        .await
    {
        tracing::error!(%error, "the server stopped with an error");
        return ExitCode::FAILURE;
    }
    tracing::info!("stopped");
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

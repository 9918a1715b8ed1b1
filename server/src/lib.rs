//! specialist-server: the axum application that serves the built bundle and Specialist's API.
//!
//! `app(state)` builds the whole router without a socket, so tests drive it with
//! `tower::ServiceExt::oneshot`; `main.rs` only parses arguments, binds and waits for a signal.

mod database;
mod error;
mod static_files;

use axum::Json;
use axum::Router;
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Serialize;
use std::path::PathBuf;
use tower::Layer;

pub use database::{Database, DatabaseError};
pub use error::AppError;

/// Everything a request handler may need, cheap to clone.
#[derive(Clone)]
pub struct AppState {
    /// The directory of the built bundle (index.html, wasm, course files).
    pub bundle_directory: PathBuf,
    /// The SQLite store.
    pub database: Database,
    /// Where the bundle and API are mounted, e.g. `/` or `/lms/pkg/123/`.
    /// Always starts and ends with `/`.
    pub base_path: String,
}

impl AppState {
    /// Builds the state, normalising `base_path` so that it starts and ends with `/`.
    pub fn new(bundle_directory: PathBuf, database: Database, base_path: &str) -> Self {
        let trimmed = base_path.trim_matches('/');
        let base_path = if trimmed.is_empty() {
            "/".to_string()
        } else {
            format!("/{trimmed}/")
        };
        Self {
            bundle_directory,
            database,
            base_path,
        }
    }
}

/// The whole HTTP application: `/healthz` at the root, and the API and bundle under the base path.
pub fn app(state: AppState) -> Router {
    let mounted = Router::new()
        .route("/api", get(api_not_found))
        .route("/api/{*rest}", get(api_not_found))
        .fallback_service(static_files::service(&state.bundle_directory))
        .layer(middleware::from_fn(static_files::cache_headers));
    let base_path = state.base_path.clone();
    let health = Router::new()
        .route("/healthz", get(healthz))
        .with_state(state);
    if base_path == "/" {
        health.merge(mounted)
    } else {
        // The prefix is stripped before the mounted router routes, so it sees the same
        // paths as at the root. (A layer on the router itself would run after routing.)
        health.fallback_service(
            middleware::from_fn_with_state(base_path, strip_base_path).layer(mounted),
        )
    }
}

/// Passes requests under the base path on with the prefix removed; anything else is 404.
/// Relative URLs in index.html only resolve under the base path when it ends with `/`,
/// so `/lms/pkg/123` is redirected to `/lms/pkg/123/`.
async fn strip_base_path(
    State(base_path): State<String>,
    mut request: Request,
    next: Next,
) -> Response {
    let prefix = base_path.trim_end_matches('/');
    let path = request.uri().path();
    if path == prefix {
        let location = match request.uri().query() {
            Some(query) => format!("{base_path}?{query}"),
            None => base_path.clone(),
        };
        return (
            StatusCode::PERMANENT_REDIRECT,
            [(header::LOCATION, location)],
        )
            .into_response();
    }
    let Some(rest) = path
        .strip_prefix(prefix)
        .filter(|rest| rest.starts_with('/'))
    else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let path_and_query = match request.uri().query() {
        Some(query) => format!("{rest}?{query}"),
        None => rest.to_string(),
    };
    match path_and_query.parse() {
        Ok(uri) => {
            *request.uri_mut() = uri;
            next.run(request).await
        }
        Err(_) => StatusCode::BAD_REQUEST.into_response(),
    }
}

/// What `/healthz` answers when the server and its database are usable.
#[derive(Serialize)]
struct Health {
    status: &'static str,
    version: &'static str,
}

async fn healthz(State(state): State<AppState>) -> Result<Json<Health>, AppError> {
    state.database.ping().await?;
    Ok(Json(Health {
        status: "ok",
        version: env!("CARGO_PKG_VERSION"),
    }))
}

async fn api_not_found() -> AppError {
    AppError::NotFound("no such API endpoint".into())
}

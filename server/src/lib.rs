//! specialist-server: the axum application that serves the built bundle and Specialist's API.
//!
//! The API receives device-signed certificates, re-grades them against the course the
//! server holds, stores each once and answers with an issuer-signed Open Badges 3.0
//! credential; docs/api.md describes every route, problem code and flag.
//!
//! `app(state)` builds the whole router without a socket, so tests drive it with
//! `tower::ServiceExt::oneshot`; `main.rs` only parses arguments, binds and waits for a signal.

pub mod certificates;
pub mod credential;
mod database;
mod error;
pub mod issuer;
pub mod rate_limit;
mod static_files;
pub mod verify_page;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::Json;
use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use serde::Serialize;
use specialist_core::certificate::CourseAuthority;
use tower::Layer;
use tower_http::cors::{AllowOrigin, CorsLayer};

pub use database::{Database, DatabaseError, Stored, StoredCertificate};
pub use error::{AppError, PROBLEM_JSON, PROBLEM_TYPE_PREFIX, Problem};
pub use issuer::{Issuer, IssuerError, IssuerKey};
pub use rate_limit::{RateLimit, RateLimiter};

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
    /// The course certificates are checked against: the same source the bundle was built from.
    pub course: Arc<CourseAuthority>,
    /// The issuer and its keys.
    pub issuer: Arc<Issuer>,
    /// The public URL of the base path, ending with `/`: the base of credential ids,
    /// the issuer id and verification links.
    pub public_url: String,
    /// The origins allowed to call the API from a browser (CORS); none by default, since
    /// the app served by this server is same-origin.
    pub cors_origins: Vec<String>,
    /// The per-client limit on certificate posts, shared by every clone of the state.
    pub rate_limiter: Arc<RateLimiter>,
}

/// Normalises a base path so that it starts and ends with `/`.
fn normalise_base_path(base_path: &str) -> String {
    let trimmed = base_path.trim_matches('/');
    if trimmed.is_empty() {
        "/".to_string()
    } else {
        format!("/{trimmed}/")
    }
}

impl AppState {
    /// Builds the state, normalising `base_path` so that it starts and ends with `/`. The public
    /// URL starts as `http://127.0.0.1:8080` plus the base path, no CORS origin is allowed and
    /// posts are limited to [`rate_limit::DEFAULT_REQUESTS_PER_MINUTE`] per client; the `with_`
    /// methods change that.
    pub fn new(
        bundle_directory: PathBuf,
        database: Database,
        base_path: &str,
        course: CourseAuthority,
        issuer: Issuer,
    ) -> Self {
        let base_path = normalise_base_path(base_path);
        let public_url = format!("http://127.0.0.1:8080{base_path}");
        Self {
            bundle_directory,
            database,
            base_path,
            course: Arc::new(course),
            issuer: Arc::new(issuer),
            public_url,
            cors_origins: Vec::new(),
            rate_limiter: Arc::new(RateLimiter::new(RateLimit::default())),
        }
    }

    /// Sets the public URL (scheme, host, port and the base path); a missing final `/` is added.
    #[must_use]
    pub fn with_public_url(mut self, public_url: &str) -> Self {
        self.public_url = if public_url.ends_with('/') {
            public_url.to_string()
        } else {
            format!("{public_url}/")
        };
        self
    }

    /// Sets the origins allowed to call the API from a browser.
    #[must_use]
    pub fn with_cors_origins(mut self, origins: Vec<String>) -> Self {
        self.cors_origins = origins;
        self
    }

    /// Sets the per-client limit on certificate posts.
    #[must_use]
    pub fn with_rate_limit(mut self, limit: RateLimit) -> Self {
        self.rate_limiter = Arc::new(RateLimiter::new(limit));
        self
    }
}

/// Compiles the course in `course_directory` into what the server re-grades against.
/// The errors name file and line, as the publisher reports them.
pub fn load_course(
    course_directory: &Path,
) -> Result<CourseAuthority, Vec<specialist_publish::PublishError>> {
    let published = specialist_publish::compile(course_directory)?;
    Ok(CourseAuthority {
        manifest: published.manifest,
        exams: published.exams,
    })
}

/// Checks that an origin is `scheme://host[:port]` with nothing after it, as browsers send it.
pub fn valid_origin(origin: &str) -> bool {
    let Some((scheme, rest)) = origin.split_once("://") else {
        return false;
    };
    matches!(scheme, "http" | "https")
        && !rest.is_empty()
        && !rest.contains(['/', '?', '#', ' '])
        && HeaderValue::from_str(origin).is_ok()
}

/// CORS for the API: exactly the configured origins, GET/POST/OPTIONS, the Content-Type
/// request header, and Location readable by the page.
fn cors_layer(origins: &[String]) -> CorsLayer {
    let allowed: Vec<HeaderValue> = origins
        .iter()
        .filter_map(|origin| HeaderValue::from_str(origin.trim_end_matches('/')).ok())
        .collect();
    CorsLayer::new()
        .allow_origin(AllowOrigin::list(allowed))
        .allow_methods([Method::GET, Method::POST, Method::OPTIONS])
        .allow_headers([header::CONTENT_TYPE])
        .expose_headers([header::LOCATION])
}

/// The whole HTTP application: `/healthz` at the root, and the API, the verification pages
/// and the bundle under the base path.
pub fn app(state: AppState) -> Router {
    let rate_limit =
        middleware::from_fn_with_state(Arc::clone(&state.rate_limiter), rate_limit::limit_requests);
    let api = Router::new()
        .route(
            "/api/v1/certificates",
            post(certificates::create_certificate).route_layer(rate_limit),
        )
        .route(
            "/api/v1/certificates/{id}",
            get(certificates::get_certificate),
        )
        .route("/api/v1/issuer", get(issuer_profile))
        .route("/api/v1/issuer/keys/{key_id}", get(issuer_key))
        .route("/api", any(api_not_found))
        .route("/api/{*rest}", any(api_not_found))
        .method_not_allowed_fallback(method_not_allowed)
        .layer(cors_layer(&state.cors_origins));
    let mounted = Router::new()
        .route("/verify/{id}", get(verify_page::verify_page))
        .merge(api)
        .with_state(state.clone())
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
    AppError::not_found("no such API endpoint")
}

async fn method_not_allowed() -> AppError {
    AppError::problem(
        StatusCode::METHOD_NOT_ALLOWED,
        "method-not-allowed",
        "Method not allowed",
        "this API endpoint does not answer that method",
    )
}

/// A JSON answer from a `serde_json::Value`.
fn json_response(value: &serde_json::Value) -> Response {
    Json(value).into_response()
}

/// `GET /api/v1/issuer`: the issuer's Open Badges 3.0 Profile with every key.
async fn issuer_profile(State(state): State<AppState>) -> Response {
    json_response(&state.issuer.profile(&state.public_url))
}

/// `GET /api/v1/issuer/keys/{key_id}`: one key as a Multikey document.
async fn issuer_key(
    State(state): State<AppState>,
    axum::extract::Path(key_id): axum::extract::Path<String>,
) -> Result<Response, AppError> {
    let key = state
        .issuer
        .key(&key_id)
        .ok_or_else(|| AppError::not_found(format!("the issuer has no key {key_id:?}")))?;
    let mut document = key.multikey(&Issuer::id(&state.public_url));
    if let Some(object) = document.as_object_mut() {
        object.insert(
            "@context".into(),
            serde_json::Value::from("https://w3id.org/security/multikey/v1"),
        );
    }
    Ok(json_response(&document))
}

//! The server's HTTP behaviour, driven through `app(state)` without a socket: health, MIME types,
//! compression, cache headers, 404s, path traversal and sub-path mounting.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use specialist_server::{AppState, Database, Issuer, app, load_course};

mod common;
use common::{Answer, send};

const WASM_NAME: &str = "specialist-0123456789abcdef_bg.wasm";
const SECRET: &str = "secret outside the bundle";

/// A temporary folder holding `bundle/` (what the server may serve) and, beside it,
/// `Cargo.toml` with a secret that no request may ever read.
struct Fixture {
    root: tempfile::TempDir,
}

impl Fixture {
    fn new() -> Self {
        let root = tempfile::tempdir().unwrap();
        let bundle = root.path().join("bundle");
        std::fs::create_dir_all(bundle.join("course")).unwrap();
        std::fs::create_dir_all(bundle.join("empty")).unwrap();
        std::fs::write(
            bundle.join("index.html"),
            "<!doctype html><title>Specialist</title>",
        )
        .unwrap();
        std::fs::write(bundle.join("config.json"), "{}").unwrap();
        std::fs::write(bundle.join("course/manifest.json"), "{\"format\":1}").unwrap();
        std::fs::write(bundle.join(WASM_NAME), b"\0asm plain").unwrap();
        std::fs::write(bundle.join(format!("{WASM_NAME}.br")), b"brotli bytes").unwrap();
        std::fs::write(bundle.join(format!("{WASM_NAME}.gz")), b"gzip bytes").unwrap();
        std::fs::write(root.path().join("Cargo.toml"), SECRET).unwrap();
        Self { root }
    }

    fn app(&self, base_path: &str) -> axum::Router {
        let database = Database::open(&self.root.path().join("data/test.db")).unwrap();
        let course = load_course(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/tiny-course"),
        )
        .unwrap();
        let issuer =
            Issuer::load_or_create(&self.root.path().join("data/issuer-keys"), "Test").unwrap();
        app(AppState::new(
            self.root.path().join("bundle"),
            database,
            base_path,
            course,
            issuer,
        ))
    }
}

async fn get(router: &axum::Router, path: &str, accept_encoding: Option<&str>) -> Answer {
    let mut request = Request::get(path);
    if let Some(encoding) = accept_encoding {
        request = request.header(header::ACCEPT_ENCODING, encoding);
    }
    send(router, request.body(Body::empty()).unwrap()).await
}

#[tokio::test]
async fn healthz_answers_ok_with_the_version() {
    let fixture = Fixture::new();
    let answer = get(&fixture.app("/"), "/healthz", None).await;
    assert_eq!(answer.status, StatusCode::OK);
    let json: serde_json::Value = serde_json::from_slice(&answer.body).unwrap();
    assert_eq!(json["status"], "ok");
    assert_eq!(json["version"], env!("CARGO_PKG_VERSION"));
}

#[tokio::test]
async fn index_and_config_are_html_and_json_and_always_revalidated() {
    let fixture = Fixture::new();
    let router = fixture.app("/");
    let index = get(&router, "/", None).await;
    assert_eq!(index.status, StatusCode::OK);
    assert!(index.header(header::CONTENT_TYPE).starts_with("text/html"));
    assert_eq!(index.header(header::CACHE_CONTROL), "no-cache");
    assert!(String::from_utf8_lossy(&index.body).contains("<title>Specialist</title>"));

    let config = get(&router, "/config.json", None).await;
    assert_eq!(config.header(header::CONTENT_TYPE), "application/json");
    assert_eq!(config.header(header::CACHE_CONTROL), "no-cache");
    let explicit_index = get(&router, "/index.html", None).await;
    assert_eq!(explicit_index.header(header::CACHE_CONTROL), "no-cache");
}

#[tokio::test]
async fn hashed_wasm_is_application_wasm_immutable_and_precompressed_when_accepted() {
    let fixture = Fixture::new();
    let router = fixture.app("/");
    let path = format!("/{WASM_NAME}");

    let brotli = get(&router, &path, Some("gzip, deflate, br")).await;
    assert_eq!(brotli.status, StatusCode::OK);
    assert_eq!(brotli.header(header::CONTENT_TYPE), "application/wasm");
    assert_eq!(brotli.header(header::CONTENT_ENCODING), "br");
    assert_eq!(brotli.body, b"brotli bytes");
    assert_eq!(
        brotli.header(header::CACHE_CONTROL),
        "public, max-age=31536000, immutable"
    );
    assert!(brotli.header(header::VARY).contains("accept-encoding"));

    let gzip = get(&router, &path, Some("gzip")).await;
    assert_eq!(gzip.header(header::CONTENT_ENCODING), "gzip");
    assert_eq!(gzip.header(header::CONTENT_TYPE), "application/wasm");
    assert_eq!(gzip.body, b"gzip bytes");

    let plain = get(&router, &path, None).await;
    assert_eq!(plain.header(header::CONTENT_ENCODING), "");
    assert_eq!(plain.body, b"\0asm plain");
}

#[tokio::test]
async fn traversal_in_every_encoding_is_404_and_never_reads_outside_the_bundle() {
    let fixture = Fixture::new();
    let router = fixture.app("/");
    for path in [
        "/../Cargo.toml",
        "/%2e%2e/Cargo.toml",
        "/%2E%2E/Cargo.toml",
        "/..%2fCargo.toml",
        "/..%2FCargo.toml",
        "/%2e%2e%2fCargo.toml",
        "/course/..%2f..%2fCargo.toml",
        "/course/%2e%2e/%2e%2e/Cargo.toml",
        "/..%5cCargo.toml",
        "/%252e%252e%252fCargo.toml",
        "/.%2e/Cargo.toml",
    ] {
        let answer = get(&router, path, None).await;
        assert_eq!(answer.status, StatusCode::NOT_FOUND, "{path}");
        assert!(
            !String::from_utf8_lossy(&answer.body).contains(SECRET),
            "{path} leaked the secret"
        );
    }
}

#[tokio::test]
async fn unknown_files_directories_without_index_and_unknown_api_paths_are_404() {
    let fixture = Fixture::new();
    let router = fixture.app("/");
    assert_eq!(
        get(&router, "/no-such-file.js", None).await.status,
        StatusCode::NOT_FOUND
    );
    let empty_directory = get(&router, "/empty/", None).await;
    assert_eq!(
        empty_directory.status,
        StatusCode::NOT_FOUND,
        "no directory listing"
    );
    let api = get(&router, "/api/nothing", None).await;
    assert_eq!(api.status, StatusCode::NOT_FOUND);
    assert_eq!(api.header(header::CONTENT_TYPE), "application/problem+json");
    let json: serde_json::Value = serde_json::from_slice(&api.body).unwrap();
    assert_eq!(json["type"], "urn:specialist:problem:not-found");
    assert_eq!(json["status"], 404);
    assert_eq!(json["detail"], "no such API endpoint");
}

#[tokio::test]
async fn under_a_sub_path_the_bundle_is_served_there_and_only_there() {
    let fixture = Fixture::new();
    let router = fixture.app("/lms/pkg/123/");
    let index = get(&router, "/lms/pkg/123/", None).await;
    assert_eq!(index.status, StatusCode::OK);
    assert!(String::from_utf8_lossy(&index.body).contains("<title>Specialist</title>"));
    let manifest = get(&router, "/lms/pkg/123/course/manifest.json", None).await;
    assert_eq!(manifest.status, StatusCode::OK);
    assert_eq!(manifest.header(header::CACHE_CONTROL), "no-cache");

    let without_slash = get(&router, "/lms/pkg/123?lang=en", None).await;
    assert_eq!(without_slash.status, StatusCode::PERMANENT_REDIRECT);
    assert_eq!(
        without_slash.header(header::LOCATION),
        "/lms/pkg/123/?lang=en"
    );

    assert_eq!(
        get(&router, "/index.html", None).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        get(&router, "/lms/pkg/123/../../../Cargo.toml", None)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(get(&router, "/healthz", None).await.status, StatusCode::OK);
}

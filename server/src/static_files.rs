//! Serving the built bundle: precompressed variants, MIME types, cache headers, and nothing outside the bundle.

use std::path::Path;

use axum::extract::Request;
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;
use tower_http::services::ServeDir;

/// Files whose name carries a content hash never change, so browsers may keep them for a year.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// Everything else (index.html, config.json, the course manifest) must be revalidated on each load,
/// so a new release or a changed configuration is seen at once.
const REVALIDATE: &str = "no-cache";

/// The static file service for the bundle. tower-http's `ServeDir` refuses any path
/// with a `..` component after percent-decoding, never lists directories, and serves
/// `name.br` / `name.gz` beside `name` when the client accepts that encoding.
pub fn service(bundle_directory: &Path) -> ServeDir {
    ServeDir::new(bundle_directory)
        .precompressed_br()
        .precompressed_gzip()
        .append_index_html_on_directories(true)
}

/// True when a file name carries a content hash as Trunk writes it: a `-` followed by
/// 16 hexadecimal digits right before the first `.` or `_` that follows it
/// (`specialist-0123456789abcdef_bg.wasm`, `style-0123456789abcdef.css`).
pub fn is_content_hashed(file_name: &str) -> bool {
    file_name.match_indices('-').any(|(position, _)| {
        let rest = &file_name[position + 1..];
        let digits = rest.bytes().take_while(u8::is_ascii_hexdigit).count();
        digits == 16 && matches!(rest.as_bytes().get(16), Some(b'.' | b'_'))
    })
}

/// Sets Cache-Control on successful static responses, by file name, and marks every
/// static response as varying by Accept-Encoding (the same URL may be sent br, gzip or plain).
pub async fn cache_headers(request: Request, next: Next) -> Response {
    let file_name = request
        .uri()
        .path()
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .to_string();
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    if response.status().is_success() || response.status() == axum::http::StatusCode::NOT_MODIFIED {
        let policy = if is_content_hashed(&file_name) {
            IMMUTABLE
        } else {
            REVALIDATE
        };
        let headers = response.headers_mut();
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(policy));
        headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    }
    response
}

#[cfg(test)]
mod tests {
    use super::is_content_hashed;

    #[test]
    fn trunk_hashed_names_are_recognised() {
        assert!(is_content_hashed("specialist-0123456789abcdef_bg.wasm"));
        assert!(is_content_hashed("specialist-0123456789abcdef.js"));
        assert!(is_content_hashed("main-style-fedcba9876543210.css"));
    }

    #[test]
    fn plain_names_and_near_misses_are_not() {
        for name in [
            "index.html",
            "config.json",
            "manifest.json",
            "",
            "a-0123456789abcde.js",
            "a-0123456789abcdef0.js",
            "a-0123456789abcdeg.js",
            "a-0123456789abcdef",
        ] {
            assert!(!is_content_hashed(name), "{name}");
        }
    }
}

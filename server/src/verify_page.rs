//! `GET /verify/{id}`: a small, self-contained, accessible HTML page that says whether a
//! stored credential is genuine, re-checking the issuer's signature on every request.

use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use specialist_core::canonical::Canonical;
use specialist_core::certificate::Certificate;
use specialist_core::exam::display::escape_html;
use specialist_core::exam::seal::sha256_hex;
use specialist_core::proof;

use crate::AppState;
use crate::certificates::certificate_id_from_path;
use crate::credential::CERTIFICATES_PATH;
use crate::database::StoredCertificate;

/// Inline styles: the page must work without any other file, printed or on a phone.
const STYLE: &str = "
body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;line-height:1.5;margin:0;color:#1a1a1a;background:#f6f6f4}
main{max-width:42rem;margin:0 auto;padding:1.5rem 1rem 3rem}
h1{font-size:1.6rem;margin:0 0 1rem}
.verdict{border-radius:.5rem;padding:1rem 1.25rem;margin:0 0 1.5rem;border:2px solid}
.genuine{background:#e8f5e9;border-color:#1b5e20;color:#0d3b12}
.not-genuine{background:#fdecea;border-color:#b71c1c;color:#5f0b0b}
.verdict strong{display:block;font-size:1.25rem}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.35rem 1rem;margin:0 0 1.5rem}
dt{font-weight:600}
dd{margin:0;overflow-wrap:anywhere}
table{border-collapse:collapse;width:100%;margin:0 0 1.5rem;background:#fff}
caption{text-align:left;font-weight:600;padding:0 0 .5rem}
th,td{text-align:left;padding:.5rem;border-bottom:1px solid #ccc}
a{color:#0b57d0}
a:focus-visible{outline:3px solid #0b57d0;outline-offset:2px}
@media print{body{background:#fff}a{color:#000}}
";

/// A whole page around `content`.
fn page(title: &str, content: &str) -> String {
    format!(
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"robots\" content=\"noindex\">\n\
         <title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>\n{content}</main>\n</body>\n</html>\n",
        escape_html(title)
    )
}

fn html_response(status: StatusCode, body: String) -> Response {
    let mut response = (status, body).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    // Inline styles only: no script, no other origin, nothing to frame this page.
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    response
}

fn not_found_page(segment: &str) -> Response {
    let content = format!(
        "<h1>No such certificate</h1>\n<p class=\"verdict not-genuine\" role=\"status\">\
         <strong>Not found.</strong> This server holds no certificate with the id {}. \
         Check the address; a certificate that is not here cannot be confirmed by this issuer.</p>\n",
        escape_html(segment)
    );
    html_response(StatusCode::NOT_FOUND, page("No such certificate", &content))
}

/// One exam result as the credential states it.
struct ShownResult {
    exam: String,
    score: String,
    pass_mark: String,
}

/// What the page shows, read from the signed credential.
struct Shown {
    learner: String,
    course: String,
    version: String,
    issued: String,
    issuer: String,
    results: Vec<ShownResult>,
}

fn text_at<'a>(value: &'a Canonical, path: &[&str]) -> Option<&'a str> {
    let mut current = value;
    for key in path {
        current = current.get(key)?;
    }
    current.as_text()
}

/// Reads the displayed facts out of the credential, so the page shows what the issuer signed.
fn shown(credential: &Canonical) -> Option<Shown> {
    let subject = credential.get("credentialSubject")?;
    let achievement = subject.get("achievement")?;
    let learner = subject
        .get("identifier")?
        .as_list()?
        .iter()
        .find(|identity| text_at(identity, &["identityType"]) == Some("name"))
        .and_then(|identity| text_at(identity, &["identityHash"]))?
        .to_string();
    let descriptions = achievement
        .get("resultDescription")
        .and_then(Canonical::as_list)
        .unwrap_or_default();
    let results = subject
        .get("result")
        .and_then(Canonical::as_list)
        .unwrap_or_default()
        .iter()
        .filter_map(|result| {
            let description_id = text_at(result, &["resultDescription"])?;
            let description = descriptions
                .iter()
                .find(|description| text_at(description, &["id"]) == Some(description_id))?;
            Some(ShownResult {
                exam: text_at(description, &["name"])?.to_string(),
                score: text_at(result, &["value"])?.to_string(),
                pass_mark: text_at(description, &["requiredValue"])
                    .unwrap_or("—")
                    .to_string(),
            })
        })
        .collect();
    Some(Shown {
        learner,
        course: text_at(achievement, &["name"])?.to_string(),
        version: text_at(achievement, &["version"]).unwrap_or("").to_string(),
        issued: text_at(credential, &["validFrom"])?.get(..10)?.to_string(),
        issuer: text_at(credential, &["issuer", "name"])
            .unwrap_or("")
            .to_string(),
        results,
    })
}

/// Whether the stored credential is genuine now, and the sentence that says why or why not.
fn verdict(state: &AppState, stored: &StoredCertificate, credential: &Canonical) -> (bool, String) {
    let document_intact = sha256_hex(&stored.document) == stored.document_sha256;
    if !document_intact {
        return (
            false,
            "the stored certificate no longer matches the fingerprint recorded when it was accepted"
                .into(),
        );
    }
    let method = match proof::proof_to_verify(credential) {
        Ok(parts) => parts.verification_method,
        Err(error) => {
            return (
                false,
                format!("the credential's proof is unusable: {error}"),
            );
        }
    };
    let Some(key) = state
        .issuer
        .key_for_verification_method(&state.public_url, &method)
    else {
        return (
            false,
            "the credential was signed with a key this issuer does not publish".into(),
        );
    };
    match proof::verify(credential, &key.public_key()) {
        Ok(_) => (
            true,
            format!(
                "the issuer's signature verifies with its published key {}, and nothing in the credential has changed since it was issued",
                key.id
            ),
        ),
        Err(error) => (
            false,
            format!("the issuer's signature does not verify: {error}"),
        ),
    }
}

/// `GET /verify/{id}`: the verification page.
pub async fn verify_page(State(state): State<AppState>, Path(segment): Path<String>) -> Response {
    let Some(id) = certificate_id_from_path(&segment) else {
        return not_found_page(&segment);
    };
    let stored = match state.database.find_certificate(&id).await {
        Ok(Some(stored)) => stored,
        Ok(None) => return not_found_page(&segment),
        Err(error) => {
            tracing::error!(%error, "verification page cannot read the database");
            let content = "<h1>Verification unavailable</h1>\n<p role=\"status\">The server cannot check certificates right now. Please try again later.</p>\n";
            return html_response(
                StatusCode::SERVICE_UNAVAILABLE,
                page("Verification unavailable", content),
            );
        }
    };
    let credential: Option<Canonical> = serde_json::from_slice(&stored.credential).ok();
    let (genuine, reason, facts) = match credential.as_ref() {
        Some(credential) => {
            let (genuine, reason) = verdict(&state, &stored, credential);
            (genuine, reason, shown(credential))
        }
        None => (
            false,
            "the stored credential cannot be read".to_string(),
            None,
        ),
    };
    let organisation = serde_json::from_slice::<Certificate>(&stored.document)
        .map(|certificate| certificate.learner.organisation)
        .unwrap_or_default();
    let uuid = id.trim_start_matches("urn:uuid:");

    let mut content = String::from("<h1>Certificate verification</h1>\n");
    if genuine {
        content.push_str(&format!(
            "<p class=\"verdict genuine\" role=\"status\"><strong>Genuine.</strong> This certificate was issued by this server: {}.</p>\n",
            escape_html(&reason)
        ));
    } else {
        content.push_str(&format!(
            "<p class=\"verdict not-genuine\" role=\"status\"><strong>Not genuine.</strong> This certificate cannot be confirmed: {}.</p>\n",
            escape_html(&reason)
        ));
    }
    if let Some(facts) = facts {
        let mut rows = vec![("Learner", facts.learner)];
        if !organisation.trim().is_empty() {
            rows.push(("Organisation", organisation));
        }
        rows.push(("Course", facts.course));
        if !facts.version.is_empty() {
            rows.push(("Version", facts.version));
        }
        rows.push(("Issued", facts.issued));
        if !facts.issuer.is_empty() {
            rows.push(("Issuer", facts.issuer));
        }
        rows.push(("Certificate id", id.clone()));
        content.push_str("<dl>\n");
        for (term, value) in rows {
            content.push_str(&format!(
                "<dt>{term}</dt><dd>{}</dd>\n",
                escape_html(&value)
            ));
        }
        content.push_str("</dl>\n");
        if !facts.results.is_empty() {
            content.push_str(
                "<table>\n<caption>Exam results</caption>\n<thead><tr><th scope=\"col\">Exam</th><th scope=\"col\">Score</th><th scope=\"col\">Pass mark</th></tr></thead>\n<tbody>\n",
            );
            for result in facts.results {
                content.push_str(&format!(
                    "<tr><th scope=\"row\">{}</th><td>{} %</td><td>{} %</td></tr>\n",
                    escape_html(&result.exam),
                    escape_html(&result.score),
                    escape_html(&result.pass_mark)
                ));
            }
            content.push_str("</tbody>\n</table>\n");
        }
    } else {
        content.push_str(&format!(
            "<dl>\n<dt>Certificate id</dt><dd>{}</dd>\n</dl>\n",
            escape_html(&id)
        ));
    }
    // Relative, so the link works under any base path: this page is {base}verify/{uuid}.
    content.push_str(&format!(
        "<p><a href=\"../{CERTIFICATES_PATH}{}\">The credential as JSON (Open Badges 3.0)</a></p>\n",
        escape_html(uuid)
    ));
    let title = if genuine {
        "Certificate verified: genuine"
    } else {
        "Certificate verification: not genuine"
    };
    html_response(StatusCode::OK, page(title, &content))
}

#[cfg(test)]
mod tests {
    use super::escape_html;

    #[test]
    fn markup_characters_are_escaped() {
        assert_eq!(
            escape_html("<script>alert(\"x\")</script> & 'y'"),
            "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39;"
        );
    }
}

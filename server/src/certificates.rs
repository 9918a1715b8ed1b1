//! `POST /api/v1/certificates` and `GET /api/v1/certificates/{id}`: receiving a signed
//! certificate, deciding on it (signature, then re-grading), storing it exactly once and
//! answering with the issuer-signed credential.

use std::time::Instant;

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use specialist_core::canonical::Canonical;
use specialist_core::certificate::{self, Certificate};
use specialist_core::exam::seal::{sha256_hex, to_hex};
use specialist_core::proof;
use specialist_core::timestamp::utc_timestamp;

use crate::credential::{self, CredentialInput};
use crate::database::{CertifiedAttempt, Stored, StoredCertificate};
use crate::issuer::now_milliseconds;
use crate::{AppError, AppState};

/// The largest request body accepted: 256 KiB, far above any real certificate.
pub const BODY_LIMIT_BYTES: usize = 262_144;

/// The title of every problem that refuses a certificate on its content.
const REJECTED: &str = "Certificate rejected";

fn rejected(code: &str, detail: impl Into<String>) -> AppError {
    AppError::problem(StatusCode::UNPROCESSABLE_ENTITY, code, REJECTED, detail)
}

/// Accepts `application/json` and `text/plain` (what a keepalive fetch sends to avoid a CORS
/// preflight), each in UTF-8 only.
fn check_content_type(headers: &HeaderMap) -> Result<(), AppError> {
    let unsupported = |detail: String| {
        AppError::problem(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported-media-type",
            "Unsupported media type",
            detail,
        )
    };
    let Some(value) = headers.get(header::CONTENT_TYPE) else {
        return Err(unsupported(
            "the request has no Content-Type; send application/json or text/plain;charset=UTF-8"
                .into(),
        ));
    };
    let text = value.to_str().unwrap_or_default();
    let mut parts = text.split(';');
    let essence = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
    if essence != "application/json" && essence != "text/plain" {
        return Err(unsupported(format!(
            "Content-Type {text:?} is not accepted; send application/json or text/plain;charset=UTF-8"
        )));
    }
    for parameter in parts {
        if let Some((name, charset)) = parameter.split_once('=')
            && name.trim().eq_ignore_ascii_case("charset")
        {
            let charset = charset.trim().trim_matches('"');
            if !charset.eq_ignore_ascii_case("utf-8") {
                return Err(unsupported(format!(
                    "charset {charset:?} is not accepted; certificates are UTF-8"
                )));
            }
        }
    }
    Ok(())
}

fn too_large() -> AppError {
    AppError::problem(
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload-too-large",
        "Payload too large",
        format!("the body is larger than the {BODY_LIMIT_BYTES} bytes a certificate may have"),
    )
}

/// Reads the body, refusing it past [`BODY_LIMIT_BYTES`] without reading further.
async fn read_body(headers: &HeaderMap, body: Body) -> Result<axum::body::Bytes, AppError> {
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok());
    if declared.is_some_and(|length| length > BODY_LIMIT_BYTES as u64) {
        return Err(too_large());
    }
    axum::body::to_bytes(body, BODY_LIMIT_BYTES)
        .await
        .map_err(|error| {
            let over_limit = std::error::Error::source(&error)
                .is_some_and(|source| source.is::<http_body_util::LengthLimitError>());
            if over_limit {
                too_large()
            } else {
                AppError::problem(
                    StatusCode::BAD_REQUEST,
                    "unreadable-body",
                    "Unreadable body",
                    "the request body could not be read to its end",
                )
            }
        })
}

/// A certificate read from the body, with what identifies it.
struct Received {
    certificate: Certificate,
    /// The received document as an integer-only JSON value, proof included.
    document: Canonical,
    /// SHA-256 (hex) of the document's canonical bytes: equal for documents that differ
    /// only in whitespace or key order.
    document_sha256: String,
}

/// Parses the body as JSON, then as a certificate, and checks its id.
fn parse(bytes: &[u8]) -> Result<Received, AppError> {
    let document: Canonical = serde_json::from_slice(bytes).map_err(|error| {
        if error.is_data() {
            rejected(
                "malformed-certificate",
                format!("the document cannot be signed JSON: {error}"),
            )
        } else {
            AppError::problem(
                StatusCode::BAD_REQUEST,
                "malformed-json",
                "Malformed JSON",
                format!("the body is not JSON: {error}"),
            )
        }
    })?;
    let certificate: Certificate = serde_json::from_slice(bytes).map_err(|error| {
        rejected(
            "malformed-certificate",
            format!("the document is not a certificate: {error}"),
        )
    })?;
    // The proof is checked over `document` and the rules over `certificate`: they must be
    // the same data, or a value the reader normalises could pass one check and not the other.
    let mut unsigned = document.clone();
    unsigned.remove("proof");
    let same = certificate
        .unsigned_document()
        .is_ok_and(|read| read.to_bytes() == unsigned.to_bytes());
    if !same {
        return Err(rejected(
            "malformed-certificate",
            "the document holds values that change when read as a certificate",
        ));
    }
    if credential::uuid_of(&certificate.id).is_none() {
        return Err(rejected(
            "malformed-certificate",
            format!(
                "id {:?} is not \"urn:uuid:\" followed by a lowercase UUID",
                certificate.id
            ),
        ));
    }
    let document_sha256 = sha256_hex(&document.to_bytes());
    Ok(Received {
        certificate,
        document,
        document_sha256,
    })
}

/// Checks the device's proof: present, made by the key the certificate names, and valid.
fn check_device_proof(received: &Received) -> Result<(), AppError> {
    let invalid = |detail: String| rejected("invalid-signature", detail);
    let certificate = &received.certificate;
    let Some(device_proof) = &certificate.proof else {
        return Err(invalid("the certificate carries no proof".into()));
    };
    let device_key = proof::public_key_from_multibase(&certificate.device_key.public_key_multibase)
        .map_err(|error| invalid(format!("device_key.public_key_multibase: {error}")))?;
    if device_proof.verification_method != proof::did_key_verification_method(&device_key) {
        return Err(invalid(
            "the proof's verificationMethod is not the did:key of the certificate's device_key"
                .into(),
        ));
    }
    proof::verify(&received.document, &device_key).map_err(|error| invalid(error.to_string()))?;
    Ok(())
}

/// The answer carrying a stored credential.
fn credential_response(
    state: &AppState,
    status: StatusCode,
    stored: &StoredCertificate,
) -> Response {
    let mut response = (status, stored.credential.clone()).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    let location = credential::uuid_of(&stored.id)
        .map(|uuid| credential::credential_url(&state.public_url, uuid))
        .and_then(|url| HeaderValue::from_str(&url).ok());
    if let Some(location) = location {
        headers.insert(header::LOCATION, location);
    }
    response
}

fn conflict(id: &str) -> AppError {
    AppError::problem(
        StatusCode::CONFLICT,
        "conflict",
        "Conflict",
        format!(
            "a different certificate with the id {id} was already accepted; a certificate id may be used for one document only"
        ),
    )
}

/// What happened to an accepted post.
struct Accepted {
    id: String,
    status: StatusCode,
    stored: StoredCertificate,
}

/// Everything the POST decides, from the raw request to the stored row.
async fn accept(
    state: &AppState,
    headers: &HeaderMap,
    body: Body,
    id_seen: &mut Option<String>,
) -> Result<Accepted, AppError> {
    check_content_type(headers)?;
    let bytes = read_body(headers, body).await?;
    let received = parse(&bytes)?;
    let id = received.certificate.id.clone();
    *id_seen = Some(id.clone());

    // A retry of a stored document is answered from storage, even if the server's course
    // changed since: the learner was told it was accepted.
    if let Some(stored) = state.database.find_certificate(&id).await? {
        return if stored.document_sha256 == received.document_sha256 {
            Ok(Accepted {
                id,
                status: StatusCode::OK,
                stored,
            })
        } else {
            Err(conflict(&id))
        };
    }

    check_device_proof(&received)?;
    let regraded = certificate::check(&received.certificate, &state.course)
        .map_err(|rejection| rejected(rejection.code(), rejection.to_string()))?;

    let valid_from = utc_timestamp(now_milliseconds());
    let mut salt_bytes = [0u8; 16];
    getrandom::getrandom(&mut salt_bytes)
        .map_err(|error| AppError::Internal(format!("cannot draw a salt: {error}")))?;
    let salt = to_hex(&salt_bytes);
    let issued = credential::issue(&CredentialInput {
        certificate: &received.certificate,
        regraded: &regraded,
        course: &state.course,
        issuer: &state.issuer,
        key: state.issuer.current(),
        public_url: &state.public_url,
        valid_from: &valid_from,
        salt: &salt,
    })
    .map_err(|error| AppError::Internal(format!("cannot build the credential: {error}")))?;
    let credential_bytes = serde_json::to_vec(&issued)
        .map_err(|error| AppError::Internal(format!("cannot write the credential: {error}")))?;

    let outcome = state
        .database
        .store_certificate(
            StoredCertificate {
                id: id.clone(),
                document_sha256: received.document_sha256.clone(),
                document: received.document.to_bytes(),
                credential: credential_bytes,
                course_id: received.certificate.course.id.clone(),
                course_version: received.certificate.course.version.clone(),
                learner_name: received.certificate.learner.name.clone(),
                received_at: valid_from,
            },
            learner_key(&received.certificate),
            received
                .certificate
                .exams
                .iter()
                .map(|evidence| CertifiedAttempt {
                    exam: evidence.exam.clone(),
                    seed: evidence.seed,
                })
                .collect(),
        )
        .await?;
    match outcome {
        Stored::Inserted(stored) => Ok(Accepted {
            id,
            status: StatusCode::CREATED,
            stored,
        }),
        // Another request stored this id between the look-up and the insert.
        Stored::AlreadyThere(stored) if stored.document_sha256 == received.document_sha256 => {
            Ok(Accepted {
                id,
                status: StatusCode::OK,
                stored,
            })
        }
        Stored::AlreadyThere(_) => Err(conflict(&id)),
        Stored::AttemptTaken { exam } => Err(rejected(
            "attempt-already-certified",
            format!(
                "exam {exam:?}: this attempt is already certified for another learner; each attempt certifies one learner"
            ),
        )),
    }
}

/// Who an attempt belongs to: the learner id and email (case-insensitive), which a copied
/// certificate must change to name someone else.
fn learner_key(certificate: &Certificate) -> String {
    format!(
        "{}\n{}",
        certificate.learner.id,
        certificate.learner.email.trim().to_lowercase()
    )
}

/// `POST /api/v1/certificates`: see docs/api.md.
pub async fn create_certificate(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let started = Instant::now();
    let mut id_seen = None;
    let outcome = accept(&state, &headers, body, &mut id_seen).await;
    let latency_milliseconds = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    let id = id_seen.unwrap_or_default();
    match outcome {
        Ok(accepted) => {
            let code = if accepted.status == StatusCode::CREATED {
                "created"
            } else {
                "already-accepted"
            };
            tracing::info!(
                certificate = %accepted.id,
                code,
                status = accepted.status.as_u16(),
                latency_milliseconds,
                "certificate accepted"
            );
            credential_response(&state, accepted.status, &accepted.stored)
        }
        Err(error) => {
            let problem = error.to_problem();
            tracing::info!(
                certificate = %id,
                code = %problem.code,
                status = problem.status.as_u16(),
                latency_milliseconds,
                detail = %problem.detail,
                "certificate rejected"
            );
            error.into_response()
        }
    }
}

/// The stored id for a path segment: the bare uuid, or the whole `urn:uuid:…` (percent-decoded
/// by the router). Anything else cannot name a certificate.
pub fn certificate_id_from_path(segment: &str) -> Option<String> {
    let lowercase = segment.trim().to_ascii_lowercase();
    let uuid = lowercase.strip_prefix("urn:uuid:").unwrap_or(&lowercase);
    credential::is_uuid(uuid).then(|| format!("urn:uuid:{uuid}"))
}

/// `GET /api/v1/certificates/{id}`: the stored credential, byte for byte.
pub async fn get_certificate(
    State(state): State<AppState>,
    Path(segment): Path<String>,
) -> Result<Response, AppError> {
    let not_found = || AppError::not_found(format!("no certificate has the id {segment:?}"));
    let Some(id) = certificate_id_from_path(&segment) else {
        return Err(not_found());
    };
    let stored = state
        .database
        .find_certificate(&id)
        .await?
        .ok_or_else(not_found)?;
    Ok(credential_response(&state, StatusCode::OK, &stored))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn content_type(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_str(value).unwrap());
        headers
    }

    #[test]
    fn json_and_utf8_text_are_accepted_and_nothing_else() {
        for accepted in [
            "application/json",
            "application/json; charset=utf-8",
            "text/plain;charset=UTF-8",
            "Text/Plain; charset=\"utf-8\"",
            "text/plain",
        ] {
            assert!(
                check_content_type(&content_type(accepted)).is_ok(),
                "{accepted}"
            );
        }
        for refused in [
            "application/xml",
            "text/plain;charset=ISO-8859-1",
            "multipart/form-data; boundary=x",
            "",
        ] {
            assert!(
                check_content_type(&content_type(refused)).is_err(),
                "{refused}"
            );
        }
        assert!(check_content_type(&HeaderMap::new()).is_err());
    }

    #[test]
    fn path_segments_name_certificates_by_uuid_or_urn() {
        let urn = "urn:uuid:00000000-0000-4000-8000-000000000001";
        assert_eq!(certificate_id_from_path(urn).as_deref(), Some(urn));
        assert_eq!(
            certificate_id_from_path("00000000-0000-4000-8000-000000000001").as_deref(),
            Some(urn)
        );
        assert_eq!(
            certificate_id_from_path("00000000-0000-4000-8000-00000000000A").as_deref(),
            Some("urn:uuid:00000000-0000-4000-8000-00000000000a")
        );
        assert_eq!(certificate_id_from_path("../etc/passwd"), None);
    }
}

//! The one error type handlers return: it turns into an RFC 9457 `application/problem+json`
//! answer whose detail names the reason but never paths, SQL or other internals.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::DatabaseError;

/// The media type of every error answer from the API (RFC 9457).
pub const PROBLEM_JSON: &str = "application/problem+json";

/// The prefix of every problem type; the code that follows is stable and documented in docs/api.md.
pub const PROBLEM_TYPE_PREFIX: &str = "urn:specialist:problem:";

/// A client-facing problem: a stable code, an HTTP status and a sentence saying what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The HTTP status.
    pub status: StatusCode,
    /// The stable kebab-case code, the last part of the problem type.
    pub code: String,
    /// A short summary that is the same for every occurrence of this code.
    pub title: String,
    /// What is wrong with this request, in a sentence meant for the client.
    pub detail: String,
}

impl Problem {
    /// Builds a problem from its parts.
    pub fn new(
        status: StatusCode,
        code: impl Into<String>,
        title: impl Into<String>,
        detail: impl Into<String>,
    ) -> Self {
        Self {
            status,
            code: code.into(),
            title: title.into(),
            detail: detail.into(),
        }
    }
}

/// An error a handler returns. Client errors carry a problem meant for the client;
/// server errors are logged in full and answered with a generic sentence.
#[derive(Debug)]
pub enum AppError {
    /// The request cannot be served as sent; the problem says why.
    Problem(Problem),
    /// The client sent too many requests; it may try again after this many seconds.
    RateLimited {
        /// Whole seconds until the next request would be admitted.
        retry_after_seconds: u64,
    },
    /// A dependency (the database) cannot serve right now. The text is for the log only.
    Unavailable(String),
    /// Something that should not happen did. The text is for the log only.
    Internal(String),
}

impl AppError {
    /// 404 `not-found`: the thing asked for does not exist.
    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::Problem(Problem::new(
            StatusCode::NOT_FOUND,
            "not-found",
            "Not found",
            detail,
        ))
    }

    /// A problem with any status, code and title.
    pub fn problem(
        status: StatusCode,
        code: impl Into<String>,
        title: impl Into<String>,
        detail: impl Into<String>,
    ) -> Self {
        Self::Problem(Problem::new(status, code, title, detail))
    }

    /// The problem this error is answered with, after logging what the client must not see.
    pub fn to_problem(&self) -> Problem {
        match self {
            Self::Problem(problem) => problem.clone(),
            Self::RateLimited {
                retry_after_seconds,
            } => Problem::new(
                StatusCode::TOO_MANY_REQUESTS,
                "rate-limited",
                "Too many requests",
                format!(
                    "this client sent more certificates than the server accepts per minute; try again in {retry_after_seconds} s"
                ),
            ),
            Self::Unavailable(_) => Problem::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
                "Service unavailable",
                "the service is temporarily unavailable; try again later",
            ),
            Self::Internal(_) => Problem::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal-error",
                "Internal server error",
                "the server could not complete the request; the problem has been logged",
            ),
        }
    }
}

/// The JSON body of a problem answer.
#[derive(Serialize)]
struct ProblemBody<'a> {
    #[serde(rename = "type")]
    kind: String,
    title: &'a str,
    status: u16,
    detail: &'a str,
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        match &self {
            // The detail may name files or SQL: it goes to the log, not to the client.
            Self::Unavailable(detail) => tracing::error!(%detail, "service unavailable"),
            Self::Internal(detail) => tracing::error!(%detail, "internal error"),
            Self::Problem(_) | Self::RateLimited { .. } => {}
        }
        let problem = self.to_problem();
        let body = ProblemBody {
            kind: format!("{PROBLEM_TYPE_PREFIX}{}", problem.code),
            title: &problem.title,
            status: problem.status.as_u16(),
            detail: &problem.detail,
        };
        // Serializing four strings and a number cannot fail; an empty object keeps the answer valid JSON.
        let bytes = serde_json::to_vec(&body).unwrap_or_else(|_| b"{}".to_vec());
        let mut response = (problem.status, bytes).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        if let Self::RateLimited {
            retry_after_seconds,
        } = self
        {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(retry_after_seconds));
        }
        response
    }
}

impl From<DatabaseError> for AppError {
    fn from(error: DatabaseError) -> Self {
        Self::Unavailable(error.to_string())
    }
}

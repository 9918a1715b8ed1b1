//! The one error type handlers return; it turns into a JSON answer that never leaks internals.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::DatabaseError;

/// An error a handler returns. Client errors carry a message meant for the client;
/// server errors are logged in full and answered with a generic message.
#[derive(Debug)]
pub enum AppError {
    /// The thing asked for does not exist.
    NotFound(String),
    /// A dependency (the database) cannot serve right now.
    Unavailable(String),
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    error: &'a str,
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let (status, public_message) = match &self {
            Self::NotFound(message) => (StatusCode::NOT_FOUND, message.as_str()),
            Self::Unavailable(detail) => {
                // The detail may name files or SQL; it goes to the log, not to the client.
                eprintln!("specialist-server: service unavailable: {detail}");
                (
                    StatusCode::SERVICE_UNAVAILABLE,
                    "the service is temporarily unavailable",
                )
            }
        };
        (
            status,
            Json(ErrorBody {
                error: public_message,
            }),
        )
            .into_response()
    }
}

impl From<DatabaseError> for AppError {
    fn from(error: DatabaseError) -> Self {
        Self::Unavailable(error.to_string())
    }
}

//! The one error type every handler returns, and its mapping to the API's
//! error envelope `{ "error": { code, message, details, request_id } }`.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};
use shared_types::api::{ErrorBody, ErrorCode, ErrorEnvelope};

use crate::http::request_id;

/// An error that becomes an HTTP response.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// A failure the client can act on; `message` is for a person.
    #[error("{code}: {message}")]
    Client {
        status: StatusCode,
        code: ErrorCode,
        message: String,
        details: Value,
        retry_after_secs: Option<u64>,
    },
    /// A server-side failure. The cause is logged once (in `into_response`) and never
    /// sent to the client.
    #[error("internal error: {0:#}")]
    Internal(#[from] anyhow::Error),
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn new(status: StatusCode, code: ErrorCode, message: impl Into<String>) -> Self {
        Self::Client {
            status,
            code,
            message: message.into(),
            details: json!({}),
            retry_after_secs: None,
        }
    }

    /// Adds structured context (must be a JSON object).
    pub fn with_details(mut self, value: Value) -> Self {
        if let Self::Client { details, .. } = &mut self {
            *details = value;
        }
        self
    }

    pub fn with_retry_after(mut self, secs: u64) -> Self {
        if let Self::Client {
            retry_after_secs, ..
        } = &mut self
        {
            *retry_after_secs = Some(secs);
        }
        self
    }

    pub fn not_found(what: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            ErrorCode::NotFound,
            format!("{what} not found"),
        )
    }

    pub fn validation(field: &str, message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::ValidationFailed,
            message,
        )
        .with_details(json!({ "field": field }))
    }

    pub fn conflict(field: &str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, ErrorCode::Conflict, message)
            .with_details(json!({ "field": field }))
    }

    pub fn unauthenticated(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            ErrorCode::Unauthenticated,
            message,
        )
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, ErrorCode::Forbidden, message)
    }

    pub fn code(&self) -> ErrorCode {
        match self {
            Self::Client { code, .. } => *code,
            Self::Internal(_) => ErrorCode::Internal,
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            Self::Client { status, .. } => *status,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The field a client error names in its details (`details.field`), if any.
    pub fn field(&self) -> Option<&str> {
        match self {
            Self::Client { details, .. } => details.get("field").and_then(|f| f.as_str()),
            Self::Internal(_) => None,
        }
    }
}

/// Builds the envelope response for a status/code/message, with the current request id.
pub fn error_response(
    status: StatusCode,
    code: ErrorCode,
    message: String,
    details: Value,
) -> Response {
    let body = ErrorEnvelope {
        error: ErrorBody {
            code,
            message,
            details,
            request_id: request_id::current().unwrap_or_default(),
        },
    };
    (status, axum::Json(body)).into_response()
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match self {
            Self::Client {
                status,
                code,
                message,
                details,
                retry_after_secs,
            } => {
                let mut resp = error_response(status, code, message, details);
                if let Some(secs) = retry_after_secs {
                    resp.headers_mut()
                        .insert(header::RETRY_AFTER, HeaderValue::from(secs));
                }
                resp
            }
            Self::Internal(err) => {
                // The one place a 500's cause is logged; the client gets the request id only.
                tracing::error!(error = format!("{err:#}"), "internal error");
                error_response(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    ErrorCode::Internal,
                    "Something went wrong on our side. Quote the request id if you contact support."
                        .into(),
                    json!({}),
                )
            }
        }
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(err: sqlx::Error) -> Self {
        if let sqlx::Error::Database(db) = &err {
            // Constraint names are mapped by the caller where a precise message matters;
            // these are the generic fallbacks.
            if db.is_unique_violation() {
                return Self::conflict(
                    db.constraint().unwrap_or("unknown"),
                    "A record with this value already exists.",
                );
            }
            if db.is_check_violation() {
                return Self::validation(
                    db.constraint().unwrap_or("unknown"),
                    "A value breaks a rule of this record.",
                );
            }
            if db.code().as_deref() == Some("40001") || db.code().as_deref() == Some("40P01") {
                return Self::new(
                    StatusCode::CONFLICT,
                    ErrorCode::Conflict,
                    "The record changed while you were writing it; retry the request.",
                )
                .with_details(json!({ "retryable": true }));
            }
        }
        if matches!(err, sqlx::Error::PoolTimedOut | sqlx::Error::Io(_)) {
            tracing::error!(error = %err, "database unavailable");
            return Self::new(
                StatusCode::SERVICE_UNAVAILABLE,
                ErrorCode::ServiceUnavailable,
                "The database is unavailable; retry shortly.",
            );
        }
        Self::Internal(err.into())
    }
}

impl From<crate::domain::identity::InvalidValue> for ApiError {
    fn from(v: crate::domain::identity::InvalidValue) -> Self {
        Self::validation(v.field, format!("`{}` {}.", v.field, v.message))
    }
}

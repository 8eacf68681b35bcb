//! Error policy.
//!
//! - `anyhow` outside requests (CLI, start-up, jobs); `AppError` at the HTTP boundary.
//! - `AppError` → honest status (400/401/403/404/409/413/422/429/500/503) and a
//!   stable machine code. The body is produced later by `web::finish_errors`,
//!   which knows the request: a translated HTML page, or JSON under `/api/`.
//! - Internal details are logged with the request id, never shown.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not found")]
    NotFound,
    #[error("authentication required")]
    Unauthorized,
    #[error("forbidden")]
    Forbidden,
    #[error("invalid or missing CSRF token")]
    Csrf,
    #[error("bad request: {code}")]
    BadRequest {
        code: &'static str,
        message_key: &'static str,
    },
    #[error("conflict: {code}")]
    Conflict {
        code: &'static str,
        message_key: &'static str,
    },
    /// Validation failure with one message key per field (API only; HTML forms
    /// re-render themselves instead).
    #[error("validation failed")]
    Invalid { fields: Vec<(String, String)> },
    #[error("payload too large")]
    TooLarge,
    #[error("too many requests")]
    TooManyRequests { retry_after: i64 },
    #[error("service unavailable")]
    Unavailable,
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

/// What `finish_errors` needs to render an error; carried in the response
/// extensions of an otherwise empty response.
#[derive(Debug, Clone)]
pub struct ErrorInfo {
    pub code: &'static str,
    pub message_key: &'static str,
    pub fields: Vec<(String, String)>,
    pub retry_after: Option<i64>,
    /// Logged, never shown.
    pub internal: Option<String>,
}

impl AppError {
    pub fn status(&self) -> StatusCode {
        match self {
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Unauthorized => StatusCode::UNAUTHORIZED,
            AppError::Forbidden | AppError::Csrf => StatusCode::FORBIDDEN,
            AppError::BadRequest { .. } => StatusCode::BAD_REQUEST,
            AppError::Conflict { .. } => StatusCode::CONFLICT,
            AppError::Invalid { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn info(&self) -> ErrorInfo {
        let (code, message_key) = match self {
            AppError::NotFound => ("not_found", "error-404-text"),
            AppError::Unauthorized => ("unauthorized", "error-401-text"),
            AppError::Forbidden => ("forbidden", "error-403-text"),
            AppError::Csrf => ("csrf", "error-csrf-text"),
            AppError::BadRequest { code, message_key } => (*code, *message_key),
            AppError::Conflict { code, message_key } => (*code, *message_key),
            AppError::Invalid { .. } => ("invalid", "error-invalid-text"),
            AppError::TooLarge => ("payload_too_large", "error-413-text"),
            AppError::TooManyRequests { .. } => ("rate_limited", "error-429-text"),
            AppError::Unavailable => ("unavailable", "error-503-text"),
            AppError::Internal(_) => ("internal", "error-500-text"),
        };
        ErrorInfo {
            code,
            message_key,
            fields: match self {
                AppError::Invalid { fields } => fields.clone(),
                _ => Vec::new(),
            },
            retry_after: match self {
                AppError::TooManyRequests { retry_after } => Some(*retry_after),
                AppError::Unavailable => Some(5),
                _ => None,
            },
            internal: match self {
                AppError::Internal(e) => Some(format!("{e:#}")),
                _ => None,
            },
        }
    }
}

impl From<sqlx::Error> for AppError {
    fn from(e: sqlx::Error) -> Self {
        if crate::db::is_unavailable(&e) {
            tracing::warn!(error = %e, "database unavailable");
            AppError::Unavailable
        } else {
            AppError::Internal(anyhow::Error::new(e))
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let mut res = self.status().into_response();
        res.extensions_mut().insert(self.info());
        res
    }
}

pub type AppResult<T> = Result<T, AppError>;

//! Errors as the core's JSON shape: `{"code": "E_…", "message": "…"}`, never SQL or a stack trace.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use windeep_core::CoreError;

/// Codes the server itself answers with, for refusals that are not the domain's: who may call,
/// what exists and what the storage refused. They share the core's error shape.
pub mod codes {
    /// 401: no token, or a token that is not known.
    pub const UNAUTHENTICATED: &str = "E_UNAUTHENTICATED";
    /// 403: the token's role may not do this (or a member token reads another member's data).
    pub const FORBIDDEN: &str = "E_FORBIDDEN";
    /// 404: no such member, loan, product, application, account or route.
    pub const NOT_FOUND: &str = "E_NOT_FOUND";
    /// 409: the thing to create exists already (or was recorded already).
    pub const ALREADY_EXISTS: &str = "E_ALREADY_EXISTS";
    /// 401: a payment-gateway webhook whose signature does not verify.
    pub const BAD_SIGNATURE: &str = "E_BAD_SIGNATURE";
    /// 503: the store could not complete the request (the detail is in the server's log only,
    /// never in the answer).
    pub const STORAGE: &str = "E_STORAGE";
    /// 503: concurrent writers kept winning; the request may be retried.
    pub const BUSY: &str = "E_BUSY";

    /// Every code the server answers with besides the core's, in the order of
    /// `docs/errors.md`'s server section.
    pub const ALL: &[&str] = &[
        UNAUTHENTICATED,
        FORBIDDEN,
        NOT_FOUND,
        ALREADY_EXISTS,
        BAD_SIGNATURE,
        STORAGE,
        BUSY,
    ];
}

/// An error answer: HTTP status, stable code and a message without internals.
#[derive(Debug)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// Stable `E_…` code.
    pub code: String,
    /// Human-readable message.
    pub message: String,
    /// The input field the error is about, when the core's error names one
    /// ([`CoreError::field`]).
    pub field: Option<String>,
}

impl ApiError {
    /// An error with a status, a code and a message.
    pub fn new(status: StatusCode, code: &str, message: impl Into<String>) -> Self {
        Self {
            status,
            code: code.to_owned(),
            message: message.into(),
            field: None,
        }
    }
    /// 404 `E_NOT_FOUND`.
    pub fn not_found(what: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            codes::NOT_FOUND,
            format!("{what} not found"),
        )
    }
    /// 403 `E_FORBIDDEN`.
    pub fn forbidden() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            codes::FORBIDDEN,
            "this token's role may not do this",
        )
    }
    /// 400 `E_INVALID_INPUT` with a reason.
    pub fn invalid(reason: impl Into<String>) -> Self {
        Self::from(CoreError::InvalidInput {
            reason: reason.into(),
        })
    }
    /// The JSON body: `code`, `message`, and `field` when the error names one.
    pub fn body(&self) -> serde_json::Value {
        let mut b = serde_json::json!({"code": self.code, "message": self.message});
        if let Some(f) = &self.field {
            b["field"] = serde_json::json!(f);
        }
        b
    }
}

impl From<CoreError> for ApiError {
    fn from(e: CoreError) -> Self {
        let code = e.code();
        let status = match code {
            "E_IDEMPOTENCY_CONFLICT" => StatusCode::CONFLICT,
            "E_INPUT_TOO_LARGE" | "E_STATEMENT_TOO_LARGE" => StatusCode::PAYLOAD_TOO_LARGE,
            "E_INTERNAL" => StatusCode::INTERNAL_SERVER_ERROR,
            c if c.starts_with("E_INVALID") || c == "E_BLANK_IDENTIFIER" => StatusCode::BAD_REQUEST,
            _ => StatusCode::UNPROCESSABLE_ENTITY,
        };
        Self {
            status,
            code: code.to_owned(),
            message: e.to_string(),
            field: e.field().map(str::to_owned),
        }
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(e: sqlx::Error) -> Self {
        // The detail goes to the log only: an answer never carries SQL.
        tracing::error!(error = %e, "storage error");
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            codes::STORAGE,
            "the store could not complete the request",
        )
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, axum::Json(self.body())).into_response()
    }
}

/// Result with [`ApiError`].
pub type ApiResult<T> = Result<T, ApiError>;

//! # windeep-server
//!
//! The reference server: windeep over HTTP. It stores events, authorises and serves; every
//! rule (schedules, allocation, fines, approval, books, bank import) is an operation of
//! [`windeep_ops`], called by name through the registry. See `examples/server/README.md`.
#![forbid(unsafe_code)]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

pub mod auth;
pub mod crypto;
pub mod db;
pub mod demo;
pub mod eod;
pub mod error;
pub mod history;
pub mod openapi;
pub mod pages;
pub mod pdf;
pub mod portal;
pub mod routes;
pub mod store;
pub mod worker;

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use axum::Router;
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use tracing::Instrument as _;

use crate::error::{ApiError, codes};

/// The largest request body accepted, bytes (bank statements included).
pub const BODY_LIMIT: usize = 4 * 1024 * 1024;

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    /// The store.
    pub db: db::Db,
    /// Identity-data keys.
    pub keys: Arc<crypto::Keys>,
    /// The payment gateway's webhook secret.
    pub webhook_secret: Arc<Vec<u8>>,
    /// Known tokens.
    pub tokens: Arc<auth::TokenCache>,
    /// One committing writer at a time in this process.
    pub write_lock: Arc<tokio::sync::Mutex<()>>,
    /// SQLite: the group-commit writer.
    pub writer: Arc<store::Writer>,
    /// One end-of-day job at a time.
    pub job_lock: Arc<tokio::sync::Mutex<()>>,
    /// Per-account locks: requests of this process that append to one account wait for each
    /// other instead of racing (other processes are still kept apart by the store's keys).
    pub account_locks: Arc<std::sync::Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>>,
    /// Each loan's parsed events, checked against the store on every use.
    pub histories: Arc<history::Cache>,
    /// The society's name and date pattern, for printed papers.
    pub society: Arc<pdf::Society>,
}

impl AppState {
    /// State over an open store.
    pub fn new(db: db::Db, keys: crypto::Keys, webhook_secret: Vec<u8>) -> Self {
        Self {
            db,
            keys: Arc::new(keys),
            webhook_secret: Arc::new(webhook_secret),
            tokens: Arc::new(auth::TokenCache::default()),
            write_lock: Arc::new(tokio::sync::Mutex::new(())),
            writer: Arc::default(),
            job_lock: Arc::new(tokio::sync::Mutex::new(())),
            account_locks: Arc::default(),
            histories: Arc::default(),
            society: Arc::default(),
        }
    }

    /// The same state with the society's name and date pattern for printed papers.
    #[must_use]
    pub fn with_society(mut self, society: pdf::Society) -> Self {
        self.society = Arc::new(society);
        self
    }

    /// Waits for this process's turn to append to `account`.
    pub async fn account_lock(&self, account: &str) -> tokio::sync::OwnedMutexGuard<()> {
        let lock = {
            let mut map = self
                .account_locks
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            map.entry(account.to_owned()).or_default().clone()
        };
        lock.lock_owned().await
    }
}

static REQUEST_IDS: AtomicU64 = AtomicU64::new(1);

/// Gives every request an id (`x-request-id`, taken from the request when it has a short
/// one), a log span carrying it and one log line when it ends.
async fn request_span(req: Request, next: Next) -> Response {
    let id = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty() && v.len() <= 64 && v.chars().all(|c| c.is_ascii_graphic()))
        .map_or_else(
            || {
                format!(
                    "r{:x}-{}",
                    std::process::id(),
                    REQUEST_IDS.fetch_add(1, Ordering::Relaxed)
                )
            },
            str::to_owned,
        );
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let span = tracing::info_span!("request", request_id = %id, %method, %path);
    let start = Instant::now();
    let mut res = next.run(req).instrument(span.clone()).await;
    span.in_scope(|| {
        tracing::info!(
            status = res.status().as_u16(),
            micros = start.elapsed().as_micros() as u64,
            "done"
        );
    });
    if let Ok(v) = HeaderValue::from_str(&id) {
        res.headers_mut().insert("x-request-id", v);
    }
    res
}

/// Answers every error in the JSON error shape, including the framework's own refusals
/// (unknown route, wrong method, body too large, unreadable path or query).
async fn json_errors(req: Request, next: Next) -> Response {
    let res = next.run(req).await;
    let status = res.status();
    let is_json = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if (status.is_client_error() || status.is_server_error()) && !is_json {
        let (code, message) = match status {
            StatusCode::NOT_FOUND => (codes::NOT_FOUND, "no such route"),
            StatusCode::PAYLOAD_TOO_LARGE => ("E_INPUT_TOO_LARGE", "the request body is too large"),
            StatusCode::METHOD_NOT_ALLOWED => ("E_INVALID_INPUT", "method not allowed"),
            s if s.is_server_error() => (codes::STORAGE, "the request could not be completed"),
            _ => ("E_INVALID_INPUT", "the request could not be read"),
        };
        return ApiError::new(status, code, message).into_response();
    }
    res
}

async fn openapi_json() -> Response {
    axum::Json(openapi::document()).into_response()
}

/// The application.
pub fn router(state: AppState) -> Router {
    use routes as r;
    Router::new()
        .route("/healthz", get(r::healthz))
        .route("/openapi.json", get(openapi_json))
        .route("/tokens", post(r::post_token))
        .route("/members", post(r::post_member).get(r::search_members))
        .route("/members/{id}", get(r::get_member))
        .route("/members/{id}/ledger", get(r::get_member_ledger))
        .route("/members/{id}/accounts", get(pages::member_accounts))
        .route("/products", post(r::post_product).get(r::get_products))
        .route("/applications", post(r::post_application))
        .route("/applications/{id}", get(r::get_application))
        .route("/applications/{id}/approve", post(r::approve_application))
        .route("/applications/{id}/disburse", post(r::disburse_application))
        .route("/loans", post(r::post_loan))
        .route("/loans/{id}", get(r::get_loan))
        .route(
            "/loans/{id}/events",
            get(r::get_loan_events).post(r::post_loan_event),
        )
        .route("/loans/{id}/schedule", get(r::get_loan_schedule))
        .route("/loans/{id}/verify", get(r::get_loan_verify))
        .route(
            "/loans/{id}/foreclosure-quote",
            get(r::get_foreclosure_quote),
        )
        .route("/loans/{id}/topup-quote", get(r::get_topup_quote))
        .route("/loans/{id}/topup", post(r::post_topup))
        .route("/loans/{id}/payments", post(r::post_payment))
        .route("/jobs/end-of-day", post(r::end_of_day))
        .route("/savings", post(r::post_savings))
        .route("/savings/{id}", get(r::get_savings))
        .route("/savings/{id}/events", post(r::post_savings_event))
        .route("/bank/statements", post(r::post_statement))
        .route("/bank/transactions", get(r::get_bank_transactions))
        .route("/bank/match", post(r::post_bank_match))
        .route("/bank/mappings", post(r::post_mapping))
        .route("/reports/{name}", get(r::get_report))
        .route("/webhooks/payment-gateway", post(r::gateway_webhook))
        .route("/outbox", get(r::get_outbox))
        .route("/audit", get(r::audit_list))
        .route("/audit/verify", get(r::audit_verify))
        .route("/loans/{id}/statement.pdf", get(pdf::loan_statement_pdf))
        .route("/savings/{id}/passbook.pdf", get(pdf::passbook_pdf))
        .route("/portal/sign-in-code", post(portal::post_sign_in_code))
        .route("/portal/session", post(portal::post_session))
        .route(
            "/loans/{id}/waiver-requests",
            post(portal::post_waiver_request),
        )
        .route("/waiver-requests", get(portal::list_waivers))
        .route(
            "/waiver-requests/{id}/approve",
            post(portal::approve_waiver),
        )
        .route("/waiver-requests/{id}/reject", post(portal::reject_waiver))
        .route(
            "/applications/{id}/guarantor-consents",
            post(portal::post_consent),
        )
        .fallback(pages::fallback)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(middleware::from_fn(json_errors))
        .layer(middleware::from_fn(request_span))
        .with_state(state)
}

/// Creates a token directly in the store (bootstrap of the first Super Admin, tests).
///
/// # Errors
/// Storage errors.
pub async fn bootstrap_token(
    db: &db::Db,
    role: auth::Role,
    member_id: Option<&str>,
    name: &str,
) -> Result<String, ApiError> {
    auth::create_token(db, role, member_id, name).await
}

/// A request body from bytes (for in-process calls).
pub fn body(bytes: impl Into<Vec<u8>>) -> Body {
    Body::from(bytes.into())
}

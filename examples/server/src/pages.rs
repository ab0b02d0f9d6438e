//! The pages people look at: the manager's dashboard (`/dashboard/`) and the member portal
//! (`/portal/`), built from `examples/server/web/` by Vite and served as static files, and
//! the dashboard's data, `GET /reports/dashboard?as_of=` (the core's `dashboard` operation).
//!
//! Every figure of the pages comes from the core; the pages format and draw them.

use std::path::PathBuf;

use serde_json::{Value, json};
use tower_http::services::ServeDir;

use crate::AppState;
use crate::error::{ApiError, ApiResult};

/// The directory of the built pages: `WINDEEP_WEB_DIR`, or `examples/server/web/dist` of the
/// source tree.
///
/// # Example
/// ```
/// let d = windeep_server::pages::web_dir();
/// assert!(d.ends_with("dist") || std::env::var_os("WINDEEP_WEB_DIR").is_some());
/// ```
pub fn web_dir() -> PathBuf {
    std::env::var_os("WINDEEP_WEB_DIR").map_or_else(
        || PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/web/dist")),
        PathBuf::from,
    )
}

/// The static files of the built pages (`/dashboard/`, `/portal/`, `/assets/…`). A missing
/// build answers 404 like any unknown path.
pub fn static_files() -> ServeDir {
    ServeDir::new(web_dir()).append_index_html_on_directories(true)
}

/// The router's fallback: `GET`/`HEAD` of a path no route has are the built pages' files; any
/// other method on such a path is 404, as without the pages.
pub async fn fallback(req: axum::extract::Request) -> axum::response::Response {
    use axum::response::IntoResponse as _;
    use tower::ServiceExt as _;
    if req.method() != axum::http::Method::GET && req.method() != axum::http::Method::HEAD {
        return axum::http::StatusCode::NOT_FOUND.into_response();
    }
    match static_files().oneshot(req).await {
        Ok(res) => res.map(axum::body::Body::new),
        Err(never) => match never {},
    }
}

/// The stored bank lines as the books read them: each line's transaction with the status and
/// mapped amount of its latest mapping (`unmapped` while it has none).
///
/// # Errors
/// Storage errors; a stored mapping the core cannot read.
pub async fn book_bank_lines(state: &AppState) -> ApiResult<Vec<Value>> {
    let rows: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT bank_account, utr, body FROM bank_transactions ORDER BY bank_account, utr",
    )
    .fetch_all(&state.db.pool)
    .await?;
    let maps: Vec<(String, String, i64, String)> = sqlx::query_as(
        "SELECT bank_account, utr, seq, mapping FROM bank_mappings ORDER BY bank_account, utr, seq",
    )
    .fetch_all(&state.db.pool)
    .await?;
    let mut latest = std::collections::HashMap::new();
    for (a, u, _, m) in maps {
        latest.insert((a, u), m);
    }
    let mut out = Vec::new();
    for (account, key, body) in rows {
        let row: Value =
            serde_json::from_str(&body).map_err(|e| ApiError::invalid(e.to_string()))?;
        let t = &row["transaction"];
        let (status, mapped) = match latest.get(&(account.clone(), key.clone())) {
            Some(m) => {
                let m: windeep_core::bank::Mapping =
                    serde_json::from_str(m).map_err(|e| ApiError::invalid(e.to_string()))?;
                (json!(m.derived_status()?), m.mapped_amount()?.to_string())
            }
            None => (json!("unmapped"), "0".to_owned()),
        };
        let mut line = json!({
            "id": key,
            "bank_account": account,
            "date": t["date"],
            "direction": t["direction"],
            "amount": t["amount"],
            "status": status,
            "mapped_amount": mapped,
        });
        if let Some(u) = t["utr"].as_str() {
            line["utr"] = json!(u);
        }
        out.push(line);
    }
    Ok(out)
}

/// `GET /reports/dashboard?as_of=`: the core's `dashboard` over the books snapshot (`books`,
/// as [`crate::routes::books_json`] builds it) with the stored bank lines.
///
/// # Errors
/// Storage errors and the operation's refusals.
pub async fn dashboard(state: &AppState, books: &str) -> ApiResult<Value> {
    let mut books: Value =
        serde_json::from_str(books).map_err(|e| ApiError::invalid(e.to_string()))?;
    books["bank_transactions"] = Value::Array(book_bank_lines(state).await?);
    crate::routes::op("dashboard", &json!({"books": books}).to_string())
}

/// `GET /members/{id}/accounts`: the member's loan and savings account ids (the portal's list;
/// staff, or the member themself).
///
/// # Errors
/// `E_FORBIDDEN` for another member; `E_NOT_FOUND`; storage errors.
pub async fn member_accounts(
    axum::extract::State(state): axum::extract::State<AppState>,
    who: crate::auth::Principal,
    axum::extract::Path(id): axum::extract::Path<String>,
) -> Result<axum::response::Response, ApiError> {
    use axum::response::IntoResponse as _;
    who.require(crate::auth::Action::ReadMembers)?;
    who.require_own(&id)?;
    let known: Option<(String,)> = sqlx::query_as("SELECT id FROM members WHERE id = $1")
        .bind(&id)
        .fetch_optional(&state.db.pool)
        .await?;
    if known.is_none() {
        return Err(ApiError::not_found("member"));
    }
    let rows: Vec<(String, String)> =
        sqlx::query_as("SELECT id, kind FROM accounts WHERE member_id = $1 ORDER BY id")
            .bind(&id)
            .fetch_all(&state.db.pool)
            .await?;
    let pick = |k: &str| -> Vec<&str> {
        rows.iter()
            .filter(|r| r.1 == k)
            .map(|r| r.0.as_str())
            .collect()
    };
    Ok(
        axum::Json(json!({"member_id": id, "loans": pick("loan"), "savings": pick("savings")}))
            .into_response(),
    )
}

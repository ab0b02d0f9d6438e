//! The member portal's server side: one-time sign-in codes sent through the outbox, member
//! sessions, fine-waiver requests decided by a manager, and guarantor consents that the approval
//! of an application reads.
//!
//! * `POST /portal/sign-in-code` `{"member_id"}` → 202 `{}` whether or not the member exists
//!   (no enumeration); for a member, a 6-digit code goes to the outbox (`sign_in_code`) and only
//!   its keyed hash is stored. It expires after 10 minutes and allows 5 attempts; at most 30
//!   codes an hour are sent to one member.
//! * `POST /portal/session` `{"member_id", "code"}` → 200 `{"token", "expires_at"}`: a member
//!   token (the token table) that expires after 12 hours; anything else → 401.
//! * Expired sessions (their token with them) and sign-in codes that are spent or expired and
//!   older than the hourly limit's window are deleted on each new session and by the
//!   end-of-day job ([`purge_expired`]).
//! * `POST /loans/{id}/waiver-requests` (the borrower's member token) `{"amount", "reason",
//!   "fine"?}` → 201 `{"id", "status": "pending", …}`; `POST /waiver-requests/{id}/approve` and
//!   `/reject` (Manager, Super Admin); `GET /waiver-requests?status=` (staff). Approval appends
//!   the core's `fine_waived` event through the loan's event path, with the request's decision
//!   in the same transaction.
//! * `POST /applications/{id}/guarantor-consents` (the member token of a guarantor named on the
//!   application) `{"consent": true}` → 201. The approval passes every guarantor's recorded
//!   consent to the core (`accepted`, `rejected`, or `pending` when none is recorded); the core
//!   refuses unless every named guarantor has accepted (a pending consent may be overridden
//!   with a recorded reason, a rejected one may not).

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};
use windeep_core::CoreError;
use windeep_core::money::{Currency, Money};

use crate::AppState;
use crate::auth::{Action, Principal, Role};
use crate::crypto::{random_token, sha256_hex};
use crate::db::now;
use crate::error::{ApiError, ApiResult, codes};
use crate::routes::{
    answer, id_ok, idem, load_account, op, parse, parse_or_default, plan_loan_event, today,
};
use crate::stmt;
use crate::store::{Plan, Stmt, write};

type Answer = ApiResult<Response>;

/// How long a sign-in code is valid, minutes.
pub const CODE_MINUTES: i64 = 10;
/// Wrong codes allowed before a code is spent.
pub const CODE_ATTEMPTS: i64 = 5;
/// Codes sent to one member in an hour, at most.
pub const CODES_PER_HOUR: i64 = 30;
/// How long a portal session lasts, hours.
pub const SESSION_HOURS: i64 = 12;

/// The portal's tables (created with the others).
pub const TABLES: &[&str] = &[
    "CREATE TABLE IF NOT EXISTS sign_in_codes (id TEXT PRIMARY KEY, member_id TEXT NOT NULL, code_hash TEXT NOT NULL, expires_at TEXT NOT NULL, attempts BIGINT NOT NULL, used BIGINT NOT NULL, created_at TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS sign_in_codes_member ON sign_in_codes (member_id, created_at)",
    "CREATE TABLE IF NOT EXISTS portal_sessions (hash TEXT PRIMARY KEY, member_id TEXT NOT NULL, expires_at TEXT NOT NULL, created_at TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS portal_sessions_expiry ON portal_sessions (expires_at)",
    "CREATE INDEX IF NOT EXISTS sign_in_codes_created ON sign_in_codes (created_at)",
    "CREATE TABLE IF NOT EXISTS waiver_requests (id TEXT PRIMARY KEY, loan_id TEXT NOT NULL, member_id TEXT NOT NULL, body TEXT NOT NULL, created_at TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS waiver_decisions (request_id TEXT PRIMARY KEY, decision TEXT NOT NULL, actor TEXT NOT NULL, body TEXT NOT NULL, created_at TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS guarantor_consents (application_id TEXT NOT NULL, member_id TEXT NOT NULL, consent BIGINT NOT NULL, created_at TEXT NOT NULL, PRIMARY KEY (application_id, member_id))",
];

/// The portal's append-only tables.
pub const APPEND_ONLY: &[&str] = &["waiver_requests", "waiver_decisions", "guarantor_consents"];

fn unauthenticated() -> ApiError {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        codes::UNAUTHENTICATED,
        "the code is wrong, spent or expired",
    )
}

fn rfc3339(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

fn storage(e: impl std::fmt::Display) -> ApiError {
    tracing::error!(error = %e, "portal");
    ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        codes::STORAGE,
        "the request could not be completed",
    )
}

/// A uniformly drawn 6-digit code.
fn six_digits() -> ApiResult<String> {
    loop {
        let mut b = [0u8; 4];
        getrandom::fill(&mut b).map_err(storage)?;
        let n = u32::from_le_bytes(b);
        // Below the largest multiple of 10^6 that fits: no digit is likelier than another.
        if n < 4_294_000_000 {
            return Ok(format!("{:06}", n % 1_000_000));
        }
    }
}

fn code_hash(state: &AppState, member: &str, code: &str) -> String {
    state
        .keys
        .search_hash("sign_in_code", &format!("{member}:{code}"))
}

async fn member_name(state: &AppState, id: &str) -> ApiResult<Option<String>> {
    let row: Option<(String,)> = sqlx::query_as("SELECT name FROM members WHERE id = $1")
        .bind(id)
        .fetch_optional(&state.db.pool)
        .await?;
    Ok(row.map(|r| r.0))
}

/// The member's name, for papers.
///
/// # Errors
/// `E_NOT_FOUND`.
pub async fn member_name_of(state: &AppState, id: &str) -> ApiResult<String> {
    member_name(state, id)
        .await?
        .ok_or_else(|| ApiError::not_found("member"))
}

// ---------------------------------------------------------------------------------------------
// Sign-in

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CodeRequest {
    member_id: String,
}

/// `POST /portal/sign-in-code`.
pub async fn post_sign_in_code(State(state): State<AppState>, body: Bytes) -> Answer {
    let req: CodeRequest = parse(&body)?;
    id_ok("member_id", &req.member_id)?;
    let m = req.member_id;
    if member_name(&state, &m).await?.is_none() {
        return Ok(answer((StatusCode::ACCEPTED, json!({}))));
    }
    let now_t = chrono::Utc::now();
    let hour_ago = rfc3339(now_t - chrono::Duration::hours(1));
    let (sent,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM sign_in_codes WHERE member_id = $1 AND created_at > $2",
    )
    .bind(&m)
    .bind(&hour_ago)
    .fetch_one(&state.db.pool)
    .await?;
    if sent >= CODES_PER_HOUR {
        tracing::warn!(member = %m, "sign-in codes: hourly limit reached; none sent");
        return Ok(answer((StatusCode::ACCEPTED, json!({}))));
    }
    let code = six_digits()?;
    let id = format!(
        "code-{}",
        &sha256_hex(random_token().map_err(storage)?.as_bytes())[..20]
    );
    let expires = rfc3339(now_t + chrono::Duration::minutes(CODE_MINUTES));
    let who = Principal {
        role: Role::Member,
        member_id: Some(m.clone()),
        name: "portal".to_owned(),
    };
    let hash = code_hash(&state, &m, &code);
    let note = json!({"member_id": m, "code": code, "expires_at": expires});
    write(&state, &who, None, || async {
        Ok(Plan {
            stmts: vec![
                stmt!("INSERT INTO sign_in_codes (id, member_id, code_hash, expires_at, attempts, used, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                    id.clone(), m.clone(), hash.clone(), expires.clone(), 0i64, 0i64, rfc3339(now_t)),
                stmt!("INSERT INTO outbox (id, kind, member_id, account_id, body, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
                    format!("signin-{id}"), "sign_in_code", m.clone(), None::<String>, note.to_string(), now()),
            ],
            status: StatusCode::ACCEPTED,
            response: json!({}),
            action: "portal.sign_in_code".to_owned(),
            target: m.clone(),
        })
    })
    .await?;
    Ok(answer((StatusCode::ACCEPTED, json!({}))))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SessionRequest {
    member_id: String,
    code: String,
}

/// `POST /portal/session`.
pub async fn post_session(State(state): State<AppState>, body: Bytes) -> Answer {
    let req: SessionRequest = parse(&body)?;
    id_ok("member_id", &req.member_id)?;
    let m = req.member_id;
    let row: Option<(String, String, String, i64, i64)> = sqlx::query_as(
        "SELECT id, code_hash, expires_at, attempts, used FROM sign_in_codes WHERE member_id = $1 ORDER BY created_at DESC, id DESC LIMIT 1",
    )
    .bind(&m)
    .fetch_optional(&state.db.pool)
    .await?;
    let (id, hash, expires, attempts, used) = row.ok_or_else(unauthenticated)?;
    let now_t = chrono::Utc::now();
    let expired = chrono::DateTime::parse_from_rfc3339(&expires)
        .map_or(true, |e| e.with_timezone(&chrono::Utc) <= now_t);
    if used != 0 || expired || attempts >= CODE_ATTEMPTS {
        return Err(unauthenticated());
    }
    let given = req.code.trim();
    let well_formed = given.len() == 6 && given.chars().all(|c| c.is_ascii_digit());
    if !well_formed || code_hash(&state, &m, given) != hash {
        let _w = state.write_lock.lock().await;
        sqlx::query("UPDATE sign_in_codes SET attempts = attempts + 1 WHERE id = $1")
            .bind(&id)
            .execute(&state.db.pool)
            .await?;
        return Err(unauthenticated());
    }
    let token = random_token().map_err(storage)?;
    let token_hash = sha256_hex(token.as_bytes());
    let expires_at = rfc3339(now_t + chrono::Duration::hours(SESSION_HOURS));
    {
        let _w = state.write_lock.lock().await;
        let mut tx = state.db.pool.begin().await?;
        // Spent once: a second use of the same code finds nothing to update.
        let spent = sqlx::query(
            "UPDATE sign_in_codes SET used = 1 WHERE id = $1 AND used = 0 AND attempts < $2",
        )
        .bind(&id)
        .bind(CODE_ATTEMPTS)
        .execute(&mut *tx)
        .await?;
        if spent.rows_affected() != 1 {
            return Err(unauthenticated());
        }
        sqlx::query("INSERT INTO tokens (hash, role, member_id, name, created_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(&token_hash)
            .bind(Role::Member.name())
            .bind(&m)
            .bind("portal-session")
            .bind(now())
            .execute(&mut *tx)
            .await?;
        sqlx::query("INSERT INTO portal_sessions (hash, member_id, expires_at, created_at) VALUES ($1, $2, $3, $4)")
            .bind(&token_hash)
            .bind(&m)
            .bind(&expires_at)
            .bind(now())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
    }
    crate::store::audit(&state, &format!("member:{m}"), "portal.session", &m).await?;
    // Housekeeping: a failure here does not undo the session just opened.
    if let Err(e) = purge_expired(&state).await {
        tracing::warn!(code = %e.code, "portal: expired sessions not purged");
    }
    Ok(answer((
        StatusCode::OK,
        json!({"token": token, "expires_at": expires_at}),
    )))
}

// ---------------------------------------------------------------------------------------------
// Fine waivers

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WaiverRequest {
    amount: String,
    reason: String,
    #[serde(default)]
    fine: Option<String>,
}

/// `POST /loans/{id}/waiver-requests`: the borrower asks for part or all of a fine to be
/// waived. The fine is the one named by its key (`fine`, as the loan's statement lists it), or
/// the loan's only fine with a balance. The core checks the waiver now (a dry run of the event)
/// and again when it is approved.
pub async fn post_waiver_request(
    State(state): State<AppState>,
    who: Principal,
    Path(loan_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Answer {
    if who.role != Role::Member {
        return Err(ApiError::forbidden());
    }
    let account = load_account(&state, &loan_id, "loan").await?;
    who.require_own(&account.member_id)?;
    let req: WaiverRequest = parse(&body)?;
    let amount: Money = req.amount.parse().map_err(ApiError::from)?;
    let amount = Currency::inr().amount(amount).map_err(ApiError::from)?;
    if amount <= Money::ZERO {
        return Err(ApiError::from(CoreError::InvalidAmount {
            reason: "a waiver is a positive amount".to_owned(),
        }));
    }
    let reason = req.reason.trim().to_owned();
    if reason.is_empty() || reason.chars().count() > 500 {
        return Err(ApiError::invalid("reason must have 1 to 500 characters"));
    }
    let rows = crate::routes::load_events(&state, &loan_id).await?;
    let events: Vec<String> = rows.iter().map(|r| r.2.clone()).collect();
    let st = op(
        "loan_statement",
        &format!(
            r#"{{"events":[{}],"as_of":"{}"}}"#,
            events.join(","),
            today()
        ),
    )?;
    let open: Vec<&Value> = st["state"]["fines"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|f| {
            f["balance"]
                .as_str()
                .is_some_and(|b| b != "0.00" && b != "0")
        })
        .collect();
    let fine = match &req.fine {
        Some(k) => open
            .iter()
            .find(|f| f["key"] == k.as_str())
            .copied()
            .ok_or_else(|| {
                ApiError::from(CoreError::NotEligible {
                    reason: format!("the loan has no open fine {k:?}"),
                })
            })?,
        None if open.len() == 1 => open[0],
        None => {
            let keys: Vec<&str> = open.iter().filter_map(|f| f["key"].as_str()).collect();
            return Err(ApiError::from(CoreError::NotEligible {
                reason: if keys.is_empty() {
                    "the loan has no fine with a balance".to_owned()
                } else {
                    format!("name the fine to waive: one of {}", keys.join(", "))
                },
            }));
        }
    };
    let event = json!({"type": "fine_waived", "installment": fine["installment"], "rule_id": fine["rule_id"],
        "occurrence": fine["occurrence"], "amount": amount.to_string(), "reason": reason});
    // The core's check, now: the plan is computed and not stored.
    plan_loan_event(&state, &loan_id, today(), &event, "waiver-dry-run", vec![]).await?;
    let idem = idem(
        &headers,
        "POST",
        &format!("/loans/{loan_id}/waiver-requests"),
        &body,
    )?;
    let id = format!(
        "WR-{}",
        &sha256_hex(random_token().map_err(storage)?.as_bytes())[..12]
    );
    let stored = json!({"amount": amount.to_string(), "reason": reason, "fine": fine["key"], "event": event});
    let response = json!({"id": id, "status": "pending", "loan_id": loan_id, "member_id": account.member_id,
        "amount": amount.to_string(), "reason": reason, "fine": fine["key"]});
    let (status, out) = write(&state, &who, idem, || async {
        Ok(Plan {
            stmts: vec![stmt!(
                "INSERT INTO waiver_requests (id, loan_id, member_id, body, created_at) VALUES ($1, $2, $3, $4, $5)",
                id.clone(),
                loan_id.clone(),
                account.member_id.clone(),
                stored.to_string(),
                now()
            )],
            status: StatusCode::CREATED,
            response: response.clone(),
            action: "waiver.request".to_owned(),
            target: id.clone(),
        })
    })
    .await?;
    Ok(answer((status, out)))
}

type WaiverRow = (String, String, String, String, String);

async fn load_waiver(state: &AppState, id: &str) -> ApiResult<WaiverRow> {
    let row: Option<WaiverRow> = sqlx::query_as(
        "SELECT id, loan_id, member_id, body, created_at FROM waiver_requests WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(&state.db.pool)
    .await?;
    row.ok_or_else(|| ApiError::not_found("waiver request"))
}

async fn decision_of(state: &AppState, id: &str) -> ApiResult<Option<(String, String, String)>> {
    Ok(
        sqlx::query_as("SELECT decision, actor, body FROM waiver_decisions WHERE request_id = $1")
            .bind(id)
            .fetch_optional(&state.db.pool)
            .await?,
    )
}

fn waiver_json(row: &WaiverRow, decision: Option<&(String, String, String)>) -> Value {
    let body: Value = serde_json::from_str(&row.3).unwrap_or(Value::Null);
    let mut v = json!({"id": row.0, "loan_id": row.1, "member_id": row.2, "amount": body["amount"],
        "reason": body["reason"], "fine": body["fine"], "created_at": row.4,
        "status": decision.map_or("pending", |d| d.0.as_str())});
    if let Some((_, actor, b)) = decision {
        let b: Value = serde_json::from_str(b).unwrap_or(Value::Null);
        v["decided_by"] = json!(actor);
        v["decision"] = b;
    }
    v
}

fn decided() -> ApiError {
    ApiError::new(
        StatusCode::CONFLICT,
        codes::ALREADY_EXISTS,
        "the waiver request has been decided",
    )
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct DecisionRequest {
    #[serde(default)]
    note: Option<String>,
}

/// The row recording `decision` (`approved`, `rejected`) on waiver request `id` by `who`, with
/// the request's note; refused (409) when the request has been decided. Called inside the
/// write, so the check and the row are one transaction's.
async fn record_decision(
    state: &AppState,
    id: &str,
    decision: &'static str,
    who: &Principal,
    req: &DecisionRequest,
) -> ApiResult<Stmt> {
    if decision_of(state, id).await?.is_some() {
        return Err(decided());
    }
    let record = json!({"note": req.note, "at": now()});
    Ok(stmt!(
        "INSERT INTO waiver_decisions (request_id, decision, actor, body, created_at) VALUES ($1, $2, $3, $4, $5)",
        id.to_owned(),
        decision,
        who.actor(),
        record.to_string(),
        now()
    ))
}

/// `POST /waiver-requests/{id}/approve`: appends the request's `fine_waived` event to the loan
/// (the core admits it against the fine's balance now) and records who approved it.
pub async fn approve_waiver(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Answer {
    who.require(Action::DecideWaivers)?;
    let req: DecisionRequest = parse_or_default(&body)?;
    let row = load_waiver(&state, &id).await?;
    let stored: Value =
        serde_json::from_str(&row.3).map_err(|e| ApiError::invalid(e.to_string()))?;
    let idem = idem(
        &headers,
        "POST",
        &format!("/waiver-requests/{id}/approve"),
        &body,
    )?;
    let loan_id = row.1.clone();
    let _turn = state.account_lock(&loan_id).await;
    let (status, out) = write(&state, &who, idem, || async {
        let decision = record_decision(&state, &id, "approved", &who, &req).await?;
        let mut plan = plan_loan_event(
            &state,
            &loan_id,
            today(),
            &stored["event"],
            &format!("waiver-{id}"),
            vec![decision],
        )
        .await?;
        plan.response = json!({"id": id, "status": "approved", "approved_by": who.actor(),
            "loan_id": loan_id, "event": plan.response["event"], "state": plan.response["state"]});
        plan.action = "waiver.approve".to_owned();
        plan.target = id.clone();
        Ok(plan)
    })
    .await?;
    Ok(answer((status, out)))
}

/// `POST /waiver-requests/{id}/reject`: records the refusal and who made it; the loan is not
/// touched.
pub async fn reject_waiver(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Answer {
    who.require(Action::DecideWaivers)?;
    let req: DecisionRequest = parse_or_default(&body)?;
    load_waiver(&state, &id).await?;
    let idem = idem(
        &headers,
        "POST",
        &format!("/waiver-requests/{id}/reject"),
        &body,
    )?;
    let (status, out) = write(&state, &who, idem, || async {
        Ok(Plan {
            stmts: vec![record_decision(&state, &id, "rejected", &who, &req).await?],
            status: StatusCode::OK,
            response: json!({"id": id, "status": "rejected", "rejected_by": who.actor()}),
            action: "waiver.reject".to_owned(),
            target: id.clone(),
        })
    })
    .await?;
    Ok(answer((status, out)))
}

#[derive(Deserialize)]
pub struct WaiverFilter {
    #[serde(default)]
    status: Option<String>,
}

/// `GET /waiver-requests?status=pending|approved|rejected` (staff).
pub async fn list_waivers(
    State(state): State<AppState>,
    who: Principal,
    Query(q): Query<WaiverFilter>,
) -> Answer {
    who.require(Action::ReadWaivers)?;
    if let Some(s) = &q.status
        && !matches!(s.as_str(), "pending" | "approved" | "rejected")
    {
        return Err(ApiError::invalid("status is pending, approved or rejected"));
    }
    type Listed = (
        String,
        String,
        String,
        String,
        String,
        Option<String>,
        Option<String>,
        Option<String>,
    );
    let rows: Vec<Listed> =
        sqlx::query_as(
            "SELECT r.id, r.loan_id, r.member_id, r.body, r.created_at, d.decision, d.actor, d.body FROM waiver_requests r \
             LEFT JOIN waiver_decisions d ON d.request_id = r.id ORDER BY r.created_at, r.id LIMIT 1000",
        )
        .fetch_all(&state.db.pool)
        .await?;
    let out: Vec<Value> = rows
        .into_iter()
        .filter_map(|(id, loan, member, body, at, d, actor, db)| {
            let decision = match (d, actor, db) {
                (Some(d), Some(a), Some(b)) => Some((d, a, b)),
                _ => None,
            };
            let v = waiver_json(&(id, loan, member, body, at), decision.as_ref());
            let keep = q.status.as_deref().is_none_or(|s| v["status"] == s);
            keep.then_some(v)
        })
        .collect();
    Ok(Json(json!({"waiver_requests": out})).into_response())
}

// ---------------------------------------------------------------------------------------------
// Guarantor consents

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ConsentRequest {
    consent: bool,
}

async fn application_guarantors(state: &AppState, id: &str) -> ApiResult<Vec<String>> {
    let row: Option<(String,)> = sqlx::query_as("SELECT body FROM applications WHERE id = $1")
        .bind(id)
        .fetch_optional(&state.db.pool)
        .await?;
    let (b,) = row.ok_or_else(|| ApiError::not_found("application"))?;
    let body: Value = serde_json::from_str(&b).map_err(|e| ApiError::invalid(e.to_string()))?;
    Ok(body["guarantors"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|g| g["member_id"].as_str().map(str::to_owned))
        .collect())
}

/// `POST /applications/{id}/guarantor-consents`: a guarantor named on the application gives
/// or refuses consent, once.
pub async fn post_consent(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Answer {
    if who.role != Role::Member {
        return Err(ApiError::forbidden());
    }
    let member = who.member_id.clone().ok_or_else(ApiError::forbidden)?;
    let guarantors = application_guarantors(&state, &id).await?;
    if !guarantors.contains(&member) {
        return Err(ApiError::forbidden());
    }
    let req: ConsentRequest = parse(&body)?;
    let idem = idem(
        &headers,
        "POST",
        &format!("/applications/{id}/guarantor-consents"),
        &body,
    )?;
    let (status, out) = write(&state, &who, idem, || async {
        let done: Option<(i64,)> = sqlx::query_as(
            "SELECT consent FROM guarantor_consents WHERE application_id = $1 AND member_id = $2",
        )
        .bind(&id)
        .bind(&member)
        .fetch_optional(&state.db.pool)
        .await?;
        if done.is_some() {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                codes::ALREADY_EXISTS,
                "this guarantor has answered",
            ));
        }
        Ok(Plan {
            stmts: vec![stmt!(
                "INSERT INTO guarantor_consents (application_id, member_id, consent, created_at) VALUES ($1, $2, $3, $4)",
                id.clone(),
                member.clone(),
                i64::from(req.consent),
                now()
            )],
            status: StatusCode::CREATED,
            response: json!({"application_id": id, "member_id": member, "consent": req.consent}),
            action: if req.consent { "guarantor.consent" } else { "guarantor.refuse" }.to_owned(),
            target: id.clone(),
        })
    })
    .await?;
    Ok(answer((status, out)))
}

/// Sets every guarantor's `consent` in an approval request from the recorded answers:
/// `accepted`, `rejected`, or `pending` when the guarantor has not answered.
///
/// # Errors
/// Storage errors.
pub async fn apply_consents(
    state: &AppState,
    application_id: &str,
    request: &mut Value,
) -> ApiResult<()> {
    let rows: Vec<(String, i64)> = sqlx::query_as(
        "SELECT member_id, consent FROM guarantor_consents WHERE application_id = $1",
    )
    .bind(application_id)
    .fetch_all(&state.db.pool)
    .await?;
    if let Some(gs) = request["guarantors"].as_array_mut() {
        for g in gs {
            let answer = rows
                .iter()
                .find(|(m, _)| g["member_id"] == m.as_str())
                .map(|(_, c)| *c);
            g["consent"] = json!(match answer {
                Some(1) => "accepted",
                Some(_) => "rejected",
                None => "pending",
            });
        }
    }
    Ok(())
}

/// What [`purge_expired`] deleted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Purged {
    /// Portal sessions whose expiry had passed (each with its token).
    pub sessions: u64,
    /// Sign-in codes that were spent or expired and older than the hourly limit's window.
    pub codes: u64,
}

/// Deletes every portal session whose expiry has passed, with its token (in one
/// transaction, so a session's token never outlives its expiry row), and every sign-in code
/// that is spent (used, or out of attempts) or expired and was created more than an hour ago
/// (younger codes still count towards [`CODES_PER_HOUR`]). Purged and expired sessions are also
/// dropped from the token cache. Called on each new session and by the end-of-day job.
///
/// # Errors
/// Storage errors.
pub async fn purge_expired(state: &AppState) -> ApiResult<Purged> {
    let now_t = chrono::Utc::now();
    let now_s = rfc3339(now_t);
    let hour_ago = rfc3339(now_t - chrono::Duration::hours(1));
    let purged = {
        let _w = state.write_lock.lock().await;
        let mut tx = state.db.pool.begin().await?;
        let expired: Vec<(String,)> =
            sqlx::query_as("SELECT hash FROM portal_sessions WHERE expires_at <= $1")
                .bind(&now_s)
                .fetch_all(&mut *tx)
                .await?;
        for (hash,) in &expired {
            sqlx::query("DELETE FROM tokens WHERE hash = $1")
                .bind(hash)
                .execute(&mut *tx)
                .await?;
            sqlx::query("DELETE FROM portal_sessions WHERE hash = $1")
                .bind(hash)
                .execute(&mut *tx)
                .await?;
        }
        let codes = sqlx::query(
            "DELETE FROM sign_in_codes WHERE created_at <= $1 AND (used <> 0 OR attempts >= $2 OR expires_at <= $3)",
        )
        .bind(&hour_ago)
        .bind(CODE_ATTEMPTS)
        .bind(&now_s)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        tx.commit().await?;
        let hashes: Vec<String> = expired.into_iter().map(|(h,)| h).collect();
        state.tokens.forget(&hashes, now_t);
        Purged {
            sessions: hashes.len() as u64,
            codes,
        }
    };
    if purged != Purged::default() {
        tracing::info!(
            sessions = purged.sessions,
            codes = purged.codes,
            "portal: expired sessions and sign-in codes deleted"
        );
    }
    Ok(purged)
}

/// Is `token_hash` a portal session, and until when?
///
/// # Errors
/// Storage errors.
pub async fn session_expiry(
    db: &crate::db::Db,
    token_hash: &str,
) -> Result<Option<chrono::DateTime<chrono::Utc>>, sqlx::Error> {
    let row: Option<(String,)> =
        sqlx::query_as("SELECT expires_at FROM portal_sessions WHERE hash = $1")
            .bind(token_hash)
            .fetch_optional(&db.pool)
            .await?;
    Ok(row.map(|(e,)| {
        chrono::DateTime::parse_from_rfc3339(&e)
            .map_or(chrono::DateTime::<chrono::Utc>::MIN_UTC, |d| {
                d.with_timezone(&chrono::Utc)
            })
    }))
}

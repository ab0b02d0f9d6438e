//! The HTTP API. Handlers read and store; every rule is an operation of `windeep-ops`.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use windeep_core::{CoreError, account::LoanEvent};

use crate::AppState;
use crate::auth::{Action, Principal, Role, create_token};
use crate::crypto::mask;
use crate::db::now;
use crate::error::{ApiError, ApiResult, codes};
use crate::stmt;
use crate::store::{Idem, Plan, Stmt, audit, verify_audit, write, write_on};

type Answer = ApiResult<Response>;

pub(crate) fn answer((status, body): (StatusCode, Value)) -> Response {
    (status, Json(body)).into_response()
}

/// Reads a JSON body the way the operations do: strict JSON, unknown fields refused.
///
/// # Errors
/// The core's input errors.
pub fn parse<T: DeserializeOwned>(body: &[u8]) -> ApiResult<T> {
    let text = std::str::from_utf8(body).map_err(|_| ApiError::invalid("body is not UTF-8"))?;
    windeep_core::strict_json::check(text)?;
    serde_json::from_str(text).map_err(|e| ApiError::from(windeep_core::wire::error_from_serde(&e)))
}

/// Reads an optional JSON body like [`parse`]; an empty body is `T::default()`.
///
/// # Errors
/// The core's input errors.
pub fn parse_or_default<T: DeserializeOwned + Default>(body: &[u8]) -> ApiResult<T> {
    if body.is_empty() {
        Ok(T::default())
    } else {
        parse(body)
    }
}

/// Runs a registry operation.
///
/// # Errors
/// The operation's errors.
pub fn op(name: &str, input: &str) -> ApiResult<Value> {
    windeep_ops::call(name, input).map_err(ApiError::from)
}

pub(crate) fn today() -> NaiveDate {
    chrono::Utc::now().date_naive()
}

fn date(s: &str) -> ApiResult<NaiveDate> {
    windeep_core::parse_date(s).map_err(ApiError::from)
}

pub(crate) fn id_ok(field: &'static str, id: &str) -> ApiResult<()> {
    if id.trim().is_empty() || id.len() > 64 || id.chars().any(char::is_control) {
        return Err(ApiError::from(CoreError::BlankIdentifier { field }));
    }
    Ok(())
}

pub(crate) fn idem(
    headers: &HeaderMap,
    method: &str,
    path: &str,
    body: &[u8],
) -> ApiResult<Option<Idem>> {
    Idem::from_headers(headers, method, path, body)
}

// ---------------------------------------------------------------------------------------------
// Accounts and events

/// A stored account.
#[derive(Debug, Clone)]
pub struct Account {
    /// `loan` or `savings`.
    pub kind: String,
    /// The member.
    pub member_id: String,
    /// The product (loans).
    pub product_id: Option<String>,
    /// The savings header (account without events).
    pub header: Option<String>,
}

/// Loads an account of `kind`.
///
/// # Errors
/// `E_NOT_FOUND`.
pub async fn load_account(state: &AppState, id: &str, kind: &str) -> ApiResult<Account> {
    let row: Option<(String, String, Option<String>, Option<String>)> =
        sqlx::query_as("SELECT kind, member_id, product_id, header FROM accounts WHERE id = $1")
            .bind(id)
            .fetch_optional(&state.db.pool)
            .await?;
    match row {
        Some((k, member_id, product_id, header)) if k == kind => Ok(Account {
            kind: k,
            member_id,
            product_id,
            header,
        }),
        _ => Err(ApiError::not_found(kind)),
    }
}

/// An account's stored events: `(sequence, hash, body)` in order.
///
/// # Errors
/// Storage errors.
pub async fn load_events(state: &AppState, id: &str) -> ApiResult<Vec<(i64, String, String)>> {
    Ok(sqlx::query_as(
        "SELECT sequence, hash, body FROM events WHERE account_id = $1 ORDER BY sequence",
    )
    .bind(id)
    .fetch_all(&state.db.pool)
    .await?)
}

fn json_array(rows: &[(i64, String, String)]) -> String {
    let mut s = String::with_capacity(rows.iter().map(|r| r.2.len() + 1).sum::<usize>() + 2);
    s.push('[');
    for (i, r) in rows.iter().enumerate() {
        if i > 0 {
            s.push(',');
        }
        s.push_str(&r.2);
    }
    s.push(']');
    s
}

/// An operation's input: the stored events as `events` (their text as stored), then the
/// fields of `input` (a JSON object).
fn with_events(rows: &[(i64, String, String)], input: &Value) -> String {
    let text = input.to_string();
    match text.strip_prefix('{') {
        Some(rest) if rest != "}" => format!(r#"{{"events":{},{rest}"#, json_array(rows)),
        _ => format!(r#"{{"events":{}}}"#, json_array(rows)),
    }
}

const INSERT_EVENT: &str =
    "INSERT INTO events (account_id, sequence, hash, body, created_at) VALUES ($1, $2, $3, $4, $5)";
const INSERT_OUTBOX: &str = "INSERT INTO outbox (id, kind, member_id, account_id, body, created_at) VALUES ($1, $2, $3, $4, $5, $6)";

fn is_payment(kind: &str) -> bool {
    matches!(
        kind,
        "payment_received" | "interest_only_payment" | "part_payment" | "foreclosed"
    )
}

/// The action a loan event needs.
fn loan_event_action(kind: &str) -> Action {
    match kind {
        "payment_received"
        | "interest_only_payment"
        | "part_payment"
        | "foreclosed"
        | "payment_reversed"
        | "credit_applied" => Action::Collect,
        "disbursed" => Action::Approve,
        _ => Action::Restructure,
    }
}

/// Plans one more event on a loan: seals it after the last stored event, admits it through the
/// `loan_apply` operation, and inserts it unless the core found it a duplicate.
///
/// # Errors
/// The operation's refusals; `E_NOT_FOUND`.
pub async fn plan_loan_event(
    state: &AppState,
    loan_id: &str,
    value_date: NaiveDate,
    body: &Value,
    event_key: &str,
    mut extra: Vec<Stmt>,
) -> ApiResult<Plan> {
    let crate::history::Loan {
        account,
        events,
        last,
    } = crate::history::loan(state, loan_id).await?;
    let (seq, prev) = last.map_or((1, None), |(s, h)| (s + 1, Some(h)));
    let id = format!("{loan_id}-{seq}");
    let mut event: LoanEvent = serde_json::from_value(json!({
        "id": id, "sequence": seq, "value_date": value_date.to_string(),
        "idempotency_key": event_key, "prev_hash": prev, "body": body,
    }))
    .map_err(|e| ApiError::from(windeep_core::wire::error_from_serde(&e)))?;
    event.hash = Some(event.hash());
    let text = serde_json::to_string(&event).map_err(|e| ApiError::invalid(e.to_string()))?;
    let as_of = today().max(value_date);
    // The `loan_apply` operation, typed: the events are parsed already.
    let applied = windeep_core::account::apply_event(&events, event.clone(), as_of)?;
    let applied = serde_json::to_value(&applied).map_err(|e| ApiError::invalid(e.to_string()))?;
    let outcome = applied["replay"]["outcomes"]
        .as_array()
        .and_then(|o| o.iter().find(|o| o["event_id"] == id.as_str()))
        .cloned()
        .unwrap_or(Value::Null);
    let kind = body["type"].as_str().unwrap_or_default().to_owned();
    let duplicate = outcome["result"] == "duplicate";
    let mut stmts = Vec::new();
    if !duplicate {
        stmts.push(stmt!(
            INSERT_EVENT,
            loan_id,
            seq,
            event.hash.clone().unwrap_or_default(),
            text,
            now()
        ));
        if is_payment(&kind) {
            let note = json!({"loan_id": loan_id, "type": kind, "amount": body["amount"], "value_date": value_date.to_string()});
            stmts.push(stmt!(
                INSERT_OUTBOX,
                format!("payment-{loan_id}-{seq}"),
                "payment_received",
                account.member_id.clone(),
                loan_id,
                note.to_string(),
                now()
            ));
        }
        stmts.append(&mut extra);
    }
    Ok(Plan {
        stmts,
        status: if duplicate {
            StatusCode::OK
        } else {
            StatusCode::CREATED
        },
        response: json!({
            "loan_id": loan_id,
            "event": serde_json::to_value(&event).unwrap_or(Value::Null),
            "stored": !duplicate,
            "outcome": outcome,
            "changed": applied["changed"],
            "state": applied["replay"]["state"],
        }),
        action: format!("loan.{kind}"),
        target: loan_id.to_owned(),
    })
}

/// Appends one event to a loan in its turn: the write every loan route shares. The caller has
/// authorised the request; the event is admitted by the core (`plan_loan_event`), then stored
/// with the idempotency record and the audit entry, and the answer is what was stored.
///
/// # Errors
/// As [`plan_loan_event`] and [`write_on`].
pub async fn append_loan_event(
    state: &AppState,
    who: &Principal,
    idem: Option<Idem>,
    loan_id: &str,
    value_date: NaiveDate,
    body: &Value,
    key: &str,
) -> ApiResult<(StatusCode, Value)> {
    let _turn = state.account_lock(loan_id).await;
    write_on(state, who, idem, loan_id, || {
        plan_loan_event(state, loan_id, value_date, body, key, vec![])
    })
    .await
}

/// [`append_loan_event`] for a savings account (`plan_savings_event`).
///
/// # Errors
/// As [`plan_savings_event`] and [`write_on`].
pub async fn append_savings_event(
    state: &AppState,
    who: &Principal,
    idem: Option<Idem>,
    account_id: &str,
    value_date: NaiveDate,
    body: &Value,
    key: &str,
) -> ApiResult<(StatusCode, Value)> {
    let _turn = state.account_lock(account_id).await;
    write_on(state, who, idem, account_id, || {
        plan_savings_event(state, account_id, value_date, body, key)
    })
    .await
}

// ---------------------------------------------------------------------------------------------
// Health, tokens, audit

/// `GET /healthz`.
pub async fn healthz(State(state): State<AppState>) -> Answer {
    sqlx::query("SELECT 1").execute(&state.db.pool).await?;
    Ok(
        Json(json!({"status": "ok", "database": format!("{:?}", state.db.backend).to_lowercase()}))
            .into_response(),
    )
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TokenRequest {
    role: String,
    name: String,
    #[serde(default)]
    member_id: Option<String>,
}

/// `POST /tokens`.
pub async fn post_token(State(state): State<AppState>, who: Principal, body: Bytes) -> Answer {
    who.require(Action::ManageTokens)?;
    let req: TokenRequest = parse(&body)?;
    let role = Role::parse(&req.role).ok_or_else(|| ApiError::invalid("unknown role"))?;
    id_ok("name", &req.name)?;
    if role == Role::Member {
        let m = req
            .member_id
            .as_deref()
            .ok_or_else(|| ApiError::invalid("a member token names its member_id"))?;
        member_exists(&state, m).await?;
    }
    let token = create_token(&state.db, role, req.member_id.as_deref(), &req.name).await?;
    audit(
        &state,
        &who.actor(),
        "token.create",
        &format!("{}:{}", role.name(), req.name),
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({"token": token, "role": role.name(), "name": req.name})),
    )
        .into_response())
}

/// `GET /audit/verify`.
pub async fn audit_verify(State(state): State<AppState>, who: Principal) -> Answer {
    who.require(Action::ReadAudit)?;
    let (entries, broken) = verify_audit(&state).await?;
    Ok(
        Json(json!({"entries": entries, "valid": broken.is_none(), "first_broken": broken}))
            .into_response(),
    )
}

#[derive(Deserialize)]
pub struct Page {
    #[serde(default)]
    after: Option<i64>,
    #[serde(default)]
    limit: Option<i64>,
}

/// `GET /audit`.
pub async fn audit_list(
    State(state): State<AppState>,
    who: Principal,
    Query(p): Query<Page>,
) -> Answer {
    who.require(Action::ReadAudit)?;
    let rows: Vec<(i64, String, String, String, String, String, String)> = sqlx::query_as(
        "SELECT seq, at, actor, action, target, prev_hash, hash FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2",
    )
    .bind(p.after.unwrap_or(0))
    .bind(p.limit.unwrap_or(100).clamp(1, 1000))
    .fetch_all(&state.db.pool)
    .await?;
    let entries: Vec<Value> = rows
        .into_iter()
        .map(|(seq, at, actor, action, target, prev_hash, hash)| json!({"seq": seq, "at": at, "actor": actor, "action": action, "target": target, "prev_hash": prev_hash, "hash": hash}))
        .collect();
    Ok(Json(json!({"entries": entries})).into_response())
}

// ---------------------------------------------------------------------------------------------
// Members

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MemberRequest {
    id: String,
    name: String,
    #[serde(default)]
    aadhaar: Option<String>,
    #[serde(default)]
    pan: Option<String>,
}

fn member_json(
    state: &AppState,
    row: &(String, String, Option<String>, Option<String>),
) -> ApiResult<Value> {
    let dec = |c: &Option<String>| -> ApiResult<Option<String>> {
        c.as_deref()
            .map(|c| {
                state.keys.decrypt(c).map(|p| mask(&p)).map_err(|e| {
                    // The catalogue's E_STORAGE (503): the stored data cannot be read with
                    // the configured keys. Which key or why goes to the log only.
                    tracing::error!(error = %e, "identity data does not decrypt");
                    ApiError::new(
                        StatusCode::SERVICE_UNAVAILABLE,
                        codes::STORAGE,
                        "the store could not complete the request",
                    )
                })
            })
            .transpose()
    };
    Ok(json!({"id": row.0, "name": row.1, "aadhaar": dec(&row.2)?, "pan": dec(&row.3)?}))
}

async fn member_exists(state: &AppState, id: &str) -> ApiResult<()> {
    let n: Option<(String,)> = sqlx::query_as("SELECT id FROM members WHERE id = $1")
        .bind(id)
        .fetch_optional(&state.db.pool)
        .await?;
    n.map(|_| ()).ok_or_else(|| ApiError::not_found("member"))
}

fn check_identity(kind: &str, v: &str) -> ApiResult<()> {
    let ok = match kind {
        "aadhaar" => {
            let d: String = v
                .chars()
                .filter(|c| !c.is_whitespace() && *c != '-')
                .collect();
            d.len() == 12 && d.chars().all(|c| c.is_ascii_digit())
        }
        _ => v.len() == 10 && v.chars().all(|c| c.is_ascii_alphanumeric()),
    };
    if ok {
        Ok(())
    } else {
        Err(ApiError::invalid(format!("{kind} is not well formed")))
    }
}

/// `POST /members`.
pub async fn post_member(
    State(state): State<AppState>,
    who: Principal,
    headers: HeaderMap,
    body: Bytes,
) -> Answer {
    who.require(Action::WriteMembers)?;
    let req: MemberRequest = parse(&body)?;
    id_ok("id", &req.id)?;
    id_ok("name", &req.name)?;
    if req.name.len() > 200 {
        return Err(ApiError::invalid("name is longer than 200 bytes"));
    }
    let enc = |kind: &str, v: &Option<String>| -> ApiResult<(Option<String>, Option<String>)> {
        match v {
            None => Ok((None, None)),
            Some(v) => {
                check_identity(kind, v)?;
                let c = state.keys.encrypt(v.trim()).map_err(|e| {
                    tracing::error!(error = %e, "identity data does not encrypt");
                    ApiError::new(
                        StatusCode::SERVICE_UNAVAILABLE,
                        codes::STORAGE,
                        "the store could not complete the request",
                    )
                })?;
                Ok((Some(c), Some(state.keys.search_hash(kind, v))))
            }
        }
    };
    let (a_enc, a_hash) = enc("aadhaar", &req.aadhaar)?;
    let (p_enc, p_hash) = enc("pan", &req.pan)?;
    let idem = idem(&headers, "POST", "/members", &body)?;
    let shown = json!({"id": req.id, "name": req.name,
        "aadhaar": req.aadhaar.as_deref().map(|v| mask(v.trim())), "pan": req.pan.as_deref().map(|v| mask(v.trim()))});
    let r = write(&state, &who, idem, || async {
        let exists: Option<(String,)> = sqlx::query_as("SELECT id FROM members WHERE id = $1").bind(&req.id).fetch_optional(&state.db.pool).await?;
        if exists.is_some() {
            return Err(ApiError::new(StatusCode::CONFLICT, codes::ALREADY_EXISTS, "member exists"));
        }
        Ok(Plan {
            stmts: vec![stmt!("INSERT INTO members (id, name, aadhaar_enc, aadhaar_hash, pan_enc, pan_hash, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                req.id.clone(), req.name.clone(), a_enc.clone(), a_hash.clone(), p_enc.clone(), p_hash.clone(), now())],
            status: StatusCode::CREATED,
            response: shown.clone(),
            action: "member.create".to_owned(),
            target: req.id.clone(),
        })
    })
    .await?;
    Ok(answer(r))
}

/// `GET /members/{id}`.
pub async fn get_member(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<String>,
) -> Answer {
    who.require(Action::ReadMembers)?;
    who.require_own(&id)?;
    let row: Option<(String, String, Option<String>, Option<String>)> =
        sqlx::query_as("SELECT id, name, aadhaar_enc, pan_enc FROM members WHERE id = $1")
            .bind(&id)
            .fetch_optional(&state.db.pool)
            .await?;
    let row = row.ok_or_else(|| ApiError::not_found("member"))?;
    let out = member_json(&state, &row)?;
    audit(&state, &who.actor(), "member.read", &id).await?;
    Ok(Json(out).into_response())
}

#[derive(Deserialize)]
pub struct MemberSearch {
    #[serde(default)]
    aadhaar: Option<String>,
    #[serde(default)]
    pan: Option<String>,
}

/// `GET /members?aadhaar=…` or `?pan=…`: search by keyed hash.
pub async fn search_members(
    State(state): State<AppState>,
    who: Principal,
    Query(q): Query<MemberSearch>,
) -> Answer {
    let rows: Vec<(String, String, Option<String>, Option<String>)> = match (&q.aadhaar, &q.pan) {
        (Some(a), None) => {
            who.require(Action::SearchIdentity)?;
            sqlx::query_as("SELECT id, name, aadhaar_enc, pan_enc FROM members WHERE aadhaar_hash = $1 ORDER BY id")
                .bind(state.keys.search_hash("aadhaar", a))
                .fetch_all(&state.db.pool)
                .await?
        }
        (None, Some(p)) => {
            who.require(Action::SearchIdentity)?;
            sqlx::query_as("SELECT id, name, aadhaar_enc, pan_enc FROM members WHERE pan_hash = $1 ORDER BY id")
                .bind(state.keys.search_hash("pan", p))
                .fetch_all(&state.db.pool)
                .await?
        }
        (None, None) => {
            who.require(Action::ReadMembers)?;
            if who.role == Role::Member {
                return Err(ApiError::forbidden());
            }
            sqlx::query_as("SELECT id, name, NULL AS aadhaar_enc, NULL AS pan_enc FROM members ORDER BY id LIMIT 1000")
                .fetch_all(&state.db.pool)
                .await?
        }
        _ => return Err(ApiError::invalid("search by aadhaar or by pan, not both")),
    };
    let members = rows
        .iter()
        .map(|r| member_json(&state, r))
        .collect::<ApiResult<Vec<_>>>()?;
    if q.aadhaar.is_some() || q.pan.is_some() {
        audit(
            &state,
            &who.actor(),
            "member.search",
            &format!("{} found", members.len()),
        )
        .await?;
    }
    Ok(Json(json!({"members": members})).into_response())
}

// ---------------------------------------------------------------------------------------------
// Products and applications

// Read to check the shape with the core's types; stored as received.
#[allow(dead_code)]
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ProductRequest {
    id: String,
    name: String,
    bounds: windeep_core::approval::ProductBounds,
    #[serde(default)]
    guarantor_policy: Option<Value>,
    #[serde(default)]
    fine_rules: Vec<windeep_core::fines::FineRule>,
}

/// `POST /products`.
pub async fn post_product(
    State(state): State<AppState>,
    who: Principal,
    headers: HeaderMap,
    body: Bytes,
) -> Answer {
    who.require(Action::WriteProducts)?;
    let req: ProductRequest = parse(&body)?;
    id_ok("id", &req.id)?;
    // The fine rules are checked by the core now, not at the first end of day.
    let check = json!({"as_of": "2026-01-01", "snapshot": {"loan_id": "check", "installments": []}, "rules": req.fine_rules});
    op("assess_fines", &check.to_string())?;
    let stored: Value =
        serde_json::from_slice(&body).map_err(|e| ApiError::invalid(e.to_string()))?;
    let idem = idem(&headers, "POST", "/products", &body)?;
    let r = write(&state, &who, idem, || async {
        let exists: Option<(String,)> = sqlx::query_as("SELECT id FROM products WHERE id = $1")
            .bind(&req.id)
            .fetch_optional(&state.db.pool)
            .await?;
        if exists.is_some() {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                codes::ALREADY_EXISTS,
                "product exists",
            ));
        }
        Ok(Plan {
            stmts: vec![stmt!(
                "INSERT INTO products (id, body, created_at) VALUES ($1, $2, $3)",
                req.id.clone(),
                stored.to_string(),
                now()
            )],
            status: StatusCode::CREATED,
            response: stored.clone(),
            action: "product.create".to_owned(),
            target: req.id.clone(),
        })
    })
    .await?;
    Ok(answer(r))
}

async fn load_product(state: &AppState, id: &str) -> ApiResult<Value> {
    let row: Option<(String,)> = sqlx::query_as("SELECT body FROM products WHERE id = $1")
        .bind(id)
        .fetch_optional(&state.db.pool)
        .await?;
    let (b,) = row.ok_or_else(|| ApiError::not_found("product"))?;
    serde_json::from_str(&b).map_err(|e| ApiError::invalid(e.to_string()))
}

/// `GET /products`.
pub async fn get_products(State(state): State<AppState>, who: Principal) -> Answer {
    who.require(Action::ReadProducts)?;
    let rows: Vec<(String,)> = sqlx::query_as("SELECT body FROM products ORDER BY id")
        .fetch_all(&state.db.pool)
        .await?;
    let products: Vec<Value> = rows
        .iter()
        .filter_map(|(b,)| serde_json::from_str(b).ok())
        .collect();
    Ok(Json(json!({"products": products})).into_response())
}

// Read to check the shape with the core's types; stored as received.
#[allow(dead_code)]
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ApplicationRequest {
    id: String,
    member_id: String,
    product_id: String,
    application: windeep_core::approval::LoanApplication,
    #[serde(default)]
    guarantors: Vec<GuaranteeRequest>,
}

/// A guarantee as applied for: who and how much, with the guarantor's own limits. The facts
/// the approval reads about the guarantor (savings, standing guarantees, liability) are the
/// server's, not the request's.
#[allow(dead_code)]
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GuaranteeRequest {
    member_id: String,
    guarantee_amount: windeep_core::Money,
    #[serde(default)]
    consent: Option<windeep_core::approval::Consent>,
    #[serde(default)]
    max_guarantee_count: Option<u32>,
    #[serde(default)]
    max_guarantee_amount: Option<windeep_core::Money>,
}

/// The member facts `approve_loan` reads, from the server's own data on `as_of`: the
/// applicant's savings (`member_savings`) and each guarantor's savings and standing guarantees
/// (`member_savings`, `guarantor_exposure`). Members have no inactive state here, so every
/// guarantor is `active`.
async fn approval_facts(
    state: &AppState,
    member: &str,
    guarantors: &Value,
    as_of: NaiveDate,
) -> ApiResult<(Value, Value)> {
    let books: Value = serde_json::from_str(&books_json(state, as_of).await?)
        .map_err(|e| ApiError::invalid(e.to_string()))?;
    let savings = |m: &str| {
        op(
            "member_savings",
            &json!({"accounts": books["savings"], "member": m, "as_of": as_of.to_string()})
                .to_string(),
        )
    };
    let own = savings(member)?;
    let facts =
        json!({"savings_balance": own["savings_balance"], "savings_months": own["savings_months"]});
    let mut out = Vec::new();
    for g in guarantors.as_array().into_iter().flatten() {
        let id = g["member_id"].as_str().unwrap_or_default();
        let s = savings(id)?;
        let x = op(
            "guarantor_exposure",
            &json!({"loans": books["loans"], "member": id, "as_of": as_of.to_string()}).to_string(),
        )?;
        let mut g = g.clone();
        g["savings_balance"] = s["savings_balance"].clone();
        g["active_guarantees"] = x["active_guarantees"].clone();
        g["current_liability"] = x["current_liability"].clone();
        g["active"] = json!(true);
        out.push(g);
    }
    Ok((facts, Value::Array(out)))
}

/// `POST /applications`.
pub async fn post_application(
    State(state): State<AppState>,
    who: Principal,
    headers: HeaderMap,
    body: Bytes,
) -> Answer {
    who.require(Action::Approve)?;
    let req: ApplicationRequest = parse(&body)?;
    id_ok("id", &req.id)?;
    member_exists(&state, &req.member_id).await?;
    for g in &req.guarantors {
        member_exists(&state, &g.member_id).await?;
    }
    load_product(&state, &req.product_id).await?;
    let stored: Value =
        serde_json::from_slice(&body).map_err(|e| ApiError::invalid(e.to_string()))?;
    let idem = idem(&headers, "POST", "/applications", &body)?;
    let r = write(&state, &who, idem, || async {
        let exists: Option<(String,)> = sqlx::query_as("SELECT id FROM applications WHERE id = $1").bind(&req.id).fetch_optional(&state.db.pool).await?;
        if exists.is_some() {
            return Err(ApiError::new(StatusCode::CONFLICT, codes::ALREADY_EXISTS, "application exists"));
        }
        Ok(Plan {
            stmts: vec![stmt!("INSERT INTO applications (id, member_id, product_id, body, created_at) VALUES ($1, $2, $3, $4, $5)",
                req.id.clone(), req.member_id.clone(), req.product_id.clone(), stored.to_string(), now())],
            status: StatusCode::CREATED,
            response: json!({"application": stored, "status": "applied"}),
            action: "application.create".to_owned(),
            target: req.id.clone(),
        })
    })
    .await?;
    Ok(answer(r))
}

async fn load_application(
    state: &AppState,
    id: &str,
) -> ApiResult<(String, String, Value, Option<Value>, i64)> {
    let row: Option<(String, String, String)> =
        sqlx::query_as("SELECT member_id, product_id, body FROM applications WHERE id = $1")
            .bind(id)
            .fetch_optional(&state.db.pool)
            .await?;
    let (m, p, b) = row.ok_or_else(|| ApiError::not_found("application"))?;
    let last: Option<(i64, String)> = sqlx::query_as("SELECT seq, decision FROM application_decisions WHERE application_id = $1 ORDER BY seq DESC LIMIT 1")
        .bind(id)
        .fetch_optional(&state.db.pool)
        .await?;
    let body = serde_json::from_str(&b).map_err(|e| ApiError::invalid(e.to_string()))?;
    let (seq, decision) = match last {
        Some((s, d)) => (s, serde_json::from_str(&d).ok()),
        None => (0, None),
    };
    Ok((m, p, body, decision, seq))
}

/// `GET /applications/{id}`.
pub async fn get_application(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<String>,
) -> Answer {
    who.require(Action::ReadLoans)?;
    let (m, _, body, decision, _) = load_application(&state, &id).await?;
    who.require_own(&m)?;
    Ok(Json(json!({"application": body, "decision": decision})).into_response())
}

fn already_disbursed() -> ApiError {
    ApiError::new(
        StatusCode::CONFLICT,
        codes::ALREADY_EXISTS,
        "application already disbursed",
    )
}

/// The row recording an application's next decision (`seq` is the last one's number).
fn decision_row(id: &str, seq: i64, recorded: &Value, who: &Principal) -> Stmt {
    stmt!(
        "INSERT INTO application_decisions (application_id, seq, decision, actor, created_at) VALUES ($1, $2, $3, $4, $5)",
        id.to_owned(),
        seq + 1,
        recorded.to_string(),
        who.actor(),
        now()
    )
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct ApproveRequest {
    #[serde(default)]
    overrides: Vec<Value>,
}

/// `POST /applications/{id}/approve`: the `approve_loan` operation with the stored product and
/// the recorded overrides; the decision is stored either way.
pub async fn approve_application(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Answer {
    who.require(Action::Approve)?;
    let req: ApproveRequest = parse_or_default(&body)?;
    let path = format!("/applications/{id}/approve");
    let idem = idem(&headers, "POST", &path, &body)?;
    let r = write(&state, &who, idem, || async {
        let (member, product_id, app, decision, seq) = load_application(&state, &id).await?;
        if decision.as_ref().is_some_and(|d| d["disbursed_loan"].is_string()) {
            return Err(already_disbursed());
        }
        let product = load_product(&state, &product_id).await?;
        // The facts are the society's own on the planned disbursement date (today at the
        // latest), never the applicant's word; departures are overrides, recorded below.
        let planned = date(app["application"]["disbursed_on"].as_str().unwrap_or_default())?;
        let as_of = planned.min(today());
        let (facts, guarantors) = approval_facts(&state, &member, &app["guarantors"], as_of).await?;
        let mut request = json!({
            "application": app["application"], "member": facts, "guarantors": guarantors,
            "product": product["bounds"], "overrides": req.overrides,
        });
        if !product["guarantor_policy"].is_null() {
            request["guarantor_policy"] = product["guarantor_policy"].clone();
        }
        // Each guarantor's consent is what the guarantor recorded through the portal (none yet:
        // pending), never the application's word.
        crate::portal::apply_consents(&state, &id, &mut request).await?;
        let decision = op("approve_loan", &request.to_string())?;
        let recorded = json!({"decision": decision, "facts": {"as_of": as_of.to_string(), "member": request["member"], "guarantors": request["guarantors"]},
            "by": who.actor(), "at": now()});
        Ok(Plan {
            stmts: vec![decision_row(&id, seq, &recorded, &who)],
            status: StatusCode::OK,
            response: json!({"application_id": id, "decision": decision, "facts": recorded["facts"]}),
            action: "application.decide".to_owned(),
            target: id.clone(),
        })
    })
    .await?;
    Ok(answer(r))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DisburseRequest {
    loan_id: String,
    #[serde(default)]
    terms: Option<Value>,
    #[serde(default)]
    policy: Option<Value>,
}

/// `POST /applications/{id}/disburse`: opens the loan with a `disbursed` event on the approved
/// application's terms.
pub async fn disburse_application(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Answer {
    who.require(Action::Approve)?;
    let req: DisburseRequest = parse(&body)?;
    id_ok("loan_id", &req.loan_id)?;
    let path = format!("/applications/{id}/disburse");
    let idem = idem(&headers, "POST", &path, &body)?;
    let r = write(&state, &who, idem, || async {
        let (member, product_id, app, decision, seq) = load_application(&state, &id).await?;
        let Some(decision) = decision else {
            return Err(ApiError::from(CoreError::NotEligible { reason: "the application has not been approved".to_owned() }));
        };
        if decision["disbursed_loan"].is_string() {
            return Err(already_disbursed());
        }
        if decision["decision"]["approved"] != true {
            return Err(ApiError::from(CoreError::NotEligible { reason: "the application was refused".to_owned() }));
        }
        let a = &app["application"];
        let terms = req.terms.clone().unwrap_or_else(|| {
            let mut t = json!({"principal": a["amount"], "annual_rate": a["annual_rate"], "tenure": a["tenure"],
                "disbursed_on": a["disbursed_on"], "first_due_on": a["first_due_on"]});
            if !a["fixed_due_day"].is_null() { t["fixed_due_day"] = a["fixed_due_day"].clone(); }
            t
        });
        let guarantors: Vec<Value> = app["guarantors"].as_array().map(|g| g.iter().map(|g| g["member_id"].clone()).collect()).unwrap_or_default();
        let mut disbursed = json!({"type": "disbursed", "loan_id": req.loan_id, "terms": terms, "guarantors": guarantors});
        if let Some(p) = &req.policy { disbursed["policy"] = p.clone(); }
        let recorded = json!({"decision": decision["decision"], "disbursed_loan": req.loan_id, "by": who.actor(), "at": now()});
        let row = decision_row(&id, seq, &recorded, &who);
        plan_new_loan(&state, &req.loan_id, &member, Some(&product_id), &disbursed, vec![row]).await
    })
    .await?;
    Ok(answer(r))
}

async fn plan_new_loan(
    state: &AppState,
    loan_id: &str,
    member: &str,
    product: Option<&str>,
    disbursed: &Value,
    extra: Vec<Stmt>,
) -> ApiResult<Plan> {
    let exists: Option<(String,)> = sqlx::query_as("SELECT id FROM accounts WHERE id = $1")
        .bind(loan_id)
        .fetch_optional(&state.db.pool)
        .await?;
    if exists.is_some() {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            codes::ALREADY_EXISTS,
            "account exists",
        ));
    }
    if disbursed["loan_id"] != loan_id {
        return Err(ApiError::invalid(
            "the disbursed event's loan_id is the loan's id",
        ));
    }
    let value_date = date(
        disbursed["terms"]["disbursed_on"]
            .as_str()
            .unwrap_or_default(),
    )?;
    let mut event: LoanEvent = serde_json::from_value(json!({
        "id": format!("{loan_id}-1"), "sequence": 1, "value_date": value_date.to_string(),
        "idempotency_key": format!("disburse-{loan_id}"), "body": disbursed,
    }))
    .map_err(|e| ApiError::from(windeep_core::wire::error_from_serde(&e)))?;
    event.hash = Some(event.hash());
    let text = serde_json::to_string(&event).map_err(|e| ApiError::invalid(e.to_string()))?;
    // The first event: the account is its replay.
    let input = format!(
        r#"{{"events":[{}],"as_of":"{}"}}"#,
        text,
        today().max(value_date)
    );
    let replay = op("loan_statement", &input)?;
    let mut stmts = vec![
        stmt!(
            "INSERT INTO accounts (id, kind, member_id, product_id, header, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
            loan_id,
            "loan",
            member,
            product.map(str::to_owned),
            None::<String>,
            now()
        ),
        stmt!(
            INSERT_EVENT,
            loan_id,
            1i64,
            event.hash.clone().unwrap_or_default(),
            text,
            now()
        ),
    ];
    stmts.extend(extra);
    Ok(Plan {
        stmts,
        status: StatusCode::CREATED,
        response: json!({"loan_id": loan_id, "member_id": member, "event": serde_json::to_value(&event).unwrap_or(Value::Null), "state": replay["state"]}),
        action: "loan.disbursed".to_owned(),
        target: loan_id.to_owned(),
    })
}

// ---------------------------------------------------------------------------------------------
// Loans

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LoanRequest {
    member_id: String,
    #[serde(default)]
    product_id: Option<String>,
    disbursed: Value,
}

/// `POST /loans`: opens a loan directly with its `disbursed` event body (a migrated loan, or a
/// loan approved elsewhere).
pub async fn post_loan(
    State(state): State<AppState>,
    who: Principal,
    headers: HeaderMap,
    body: Bytes,
) -> Answer {
    who.require(Action::Approve)?;
    let req: LoanRequest = parse(&body)?;
    member_exists(&state, &req.member_id).await?;
    if let Some(p) = &req.product_id {
        load_product(&state, p).await?;
    }
    let loan_id = req.disbursed["loan_id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    id_ok("loan_id", &loan_id)?;
    let idem = idem(&headers, "POST", "/loans", &body)?;
    let r = write(&state, &who, idem, || async {
        plan_new_loan(
            &state,
            &loan_id,
            &req.member_id,
            req.product_id.as_deref(),
            &req.disbursed,
            vec![],
        )
        .await
    })
    .await?;
    Ok(answer(r))
}

#[derive(Deserialize)]
pub struct AsOf {
    #[serde(default)]
    as_of: Option<String>,
    #[serde(default)]
    on: Option<String>,
    #[serde(default)]
    amount: Option<String>,
    #[serde(default)]
    restructure: Option<String>,
}

async fn readable_loan(
    state: &AppState,
    who: &Principal,
    id: &str,
) -> ApiResult<(Account, Vec<(i64, String, String)>)> {
    who.require(Action::ReadLoans)?;
    let a = load_account(state, id, "loan").await?;
    who.require_own(&a.member_id)?;
    let rows = load_events(state, id).await?;
    Ok((a, rows))
}

/// `GET /loans/{id}`: state and statement replayed by the core (`loan_statement`).
pub async fn get_loan(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<String>,
    Query(q): Query<AsOf>,
) -> Answer {
    let (a, rows) = readable_loan(&state, &who, &id).await?;
    let as_of = q
        .as_of
        .as_deref()
        .map(date)
        .transpose()?
        .unwrap_or_else(today);
    let out = op(
        "loan_statement",
        &format!(r#"{{"events":{},"as_of":"{}"}}"#, json_array(&rows), as_of),
    )?;
    Ok(Json(json!({"loan_id": id, "member_id": a.member_id, "product_id": a.product_id, "statement": out})).into_response())
}

/// `GET /loans/{id}/events`: the stored events as received.
pub async fn get_loan_events(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<String>,
) -> Answer {
    let (_, rows) = readable_loan(&state, &who, &id).await?;
    let events: Value = serde_json::from_str(&json_array(&rows)).unwrap_or(Value::Null);
    Ok(Json(json!({"loan_id": id, "events": events})).into_response())
}

/// `GET /loans/{id}/schedule`: the schedule of the loan's disbursed terms (`schedule`).
pub async fn get_loan_schedule(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<String>,
) -> Answer {
    let (_, rows) = readable_loan(&state, &who, &id).await?;
    let first: Value = rows
        .first()
        .and_then(|r| serde_json::from_str(&r.2).ok())
        .unwrap_or(Value::Null);
    let out = op("schedule", &first["body"]["terms"].to_string())?;
    Ok(Json(out).into_response())
}

/// `GET /loans/{id}/verify`: the event chain check (`verify_chain`).
pub async fn get_loan_verify(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<String>,
) -> Answer {
    let (_, rows) = readable_loan(&state, &who, &id).await?;
    let out = op(
        "verify_chain",
        &format!(r#"{{"events":{}}}"#, json_array(&rows)),
    )?;
    Ok(Json(out).into_response())
}

/// `GET /loans/{id}/foreclosure-quote?on=`.
pub async fn get_foreclosure_quote(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<String>,
    Query(q): Query<AsOf>,
) -> Answer {
    let (_, rows) = readable_loan(&state, &who, &id).await?;
    let on = q.on.as_deref().map(date).transpose()?.unwrap_or_else(today);
    let out = op(
        "foreclosure_quote",
        &format!(
            r#"{{"events":{},"settlement_on":"{}"}}"#,
            json_array(&rows),
            on
        ),
    )?;
    Ok(Json(out).into_response())
}

/// `GET /loans/{id}/topup-quote?on=&amount=`.
pub async fn get_topup_quote(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<String>,
    Query(q): Query<AsOf>,
) -> Answer {
    let (_, rows) = readable_loan(&state, &who, &id).await?;
    let on = q.on.as_deref().map(date).transpose()?.unwrap_or_else(today);
    let amount = q
        .amount
        .clone()
        .ok_or_else(|| ApiError::invalid("amount is required"))?;
    let mut input = json!({"on": on.to_string(), "amount": amount});
    if let Some(r) = &q.restructure {
        input["restructure"] = json!(r);
    }
    let out = op("topup_quote", &with_events(&rows, &input))?;
    Ok(Json(out).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TopUpRequest {
    new_loan_id: String,
    on: String,
    amount: Value,
    terms: Value,
    #[serde(default)]
    policy: Option<Value>,
    #[serde(default)]
    guarantors: Option<Value>,
    #[serde(default)]
    restructure: Option<String>,
}

/// `POST /loans/{id}/topup`: a top-up in one request and one transaction. The `loan_topup`
/// operation checks the parent and builds both events; the parent's `topped_up` event, the
/// new loan (same member and product) and its `disbursed` event are stored together or not
/// at all.
pub async fn post_topup(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Answer {
    who.require(Action::Restructure)?;
    who.require(Action::Approve)?;
    let req: TopUpRequest = parse(&body)?;
    id_ok("new_loan_id", &req.new_loan_id)?;
    let on = date(&req.on)?;
    let path = format!("/loans/{id}/topup");
    let idem = idem(&headers, "POST", &path, &body)?;
    let key = format!("topup-{}", req.new_loan_id);
    let _turn = state.account_lock(&id).await;
    let r = write(&state, &who, idem, || async {
        let parent = load_account(&state, &id, "loan").await?;
        let rows = load_events(&state, &id).await?;
        let mut input = json!({"on": on.to_string(), "amount": req.amount, "new_loan_id": req.new_loan_id, "terms": req.terms});
        for (k, v) in [("policy", &req.policy), ("guarantors", &req.guarantors)] {
            if let Some(v) = v {
                input[k] = v.clone();
            }
        }
        if let Some(r) = &req.restructure {
            input["restructure"] = json!(r);
        }
        let topup = op("loan_topup", &with_events(&rows, &input))?;
        let opened = plan_new_loan(&state, &req.new_loan_id, &parent.member_id, parent.product_id.as_deref(), &topup["disbursed"], vec![]).await?;
        let mut plan = plan_loan_event(&state, &id, on, &topup["topped_up"], &key, opened.stmts).await?;
        if plan.response["stored"] != true {
            // The parent already holds this top-up's closing event: nothing new to open.
            return Err(ApiError::new(StatusCode::CONFLICT, codes::ALREADY_EXISTS, "this top-up was recorded"));
        }
        plan.response = json!({"loan_id": id, "quote": topup["quote"], "parent": plan.response, "new_loan": opened.response});
        plan.action = "loan.topped_up".to_owned();
        Ok(plan)
    })
    .await?;
    Ok(answer(r))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EventRequest {
    value_date: String,
    body: Value,
}

/// `POST /loans/{id}/events`: any loan event body the core knows (reversal, skip,
/// interest-only, part payment, foreclosure, top-up, write-off, recovery, waivers …), with the
/// role its kind needs.
pub async fn post_loan_event(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Answer {
    let req: EventRequest = parse(&body)?;
    let kind = req.body["type"]
        .as_str()
        .ok_or_else(|| ApiError::invalid("body.type is required"))?;
    who.require(loan_event_action(kind))?;
    if kind == "disbursed" {
        return Err(ApiError::invalid(
            "a loan is disbursed once, by POST /loans or an application",
        ));
    }
    let value_date = date(&req.value_date)?;
    let path = format!("/loans/{id}/events");
    let idem = idem(&headers, "POST", &path, &body)?;
    let key = idem.as_ref().map_or_else(
        || format!("{kind}-{}", crate::crypto::sha256_hex(&body)),
        |i| i.key.clone(),
    );
    let r = append_loan_event(&state, &who, idem, &id, value_date, &req.body, &key).await?;
    Ok(answer(r))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PaymentRequest {
    amount: String,
    value_date: String,
    #[serde(default)]
    payment_mode: Option<String>,
    #[serde(default)]
    bank_transaction: Option<String>,
    #[serde(default)]
    installment: Option<u32>,
    #[serde(default)]
    utr: Option<String>,
}

/// `POST /loans/{id}/payments`: a `payment_received` event. Its idempotency key is the
/// `Idempotency-Key` header, else `UTR-<utr>`; one of them is required.
pub async fn post_payment(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Answer {
    who.require(Action::Collect)?;
    let req: PaymentRequest = parse(&body)?;
    let value_date = date(&req.value_date)?;
    let path = format!("/loans/{id}/payments");
    let idem = idem(&headers, "POST", &path, &body)?;
    let key = match (&idem, &req.utr) {
        (_, Some(u)) => {
            id_ok("utr", u)?;
            format!("UTR-{u}")
        }
        (Some(i), None) => i.key.clone(),
        (None, None) => {
            return Err(ApiError::from(CoreError::BlankIdentifier {
                field: "idempotency_key",
            }));
        }
    };
    let mut ev = json!({"type": "payment_received", "amount": req.amount});
    if let Some(m) = &req.payment_mode {
        ev["payment_mode"] = json!(m);
    }
    if let Some(b) = &req.bank_transaction {
        ev["bank_transaction"] = json!(b);
    }
    if let Some(n) = req.installment {
        ev["installment"] = json!(n);
    }
    let r = append_loan_event(&state, &who, idem, &id, value_date, &ev, &key).await?;
    Ok(answer(r))
}

// ---------------------------------------------------------------------------------------------
// Payment gateway webhook

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GatewayPayment {
    payment_id: String,
    loan_id: String,
    amount: String,
    paid_on: String,
    #[serde(default)]
    method: Option<String>,
}

/// `POST /webhooks/payment-gateway`: HMAC-SHA-256 of the raw body in `X-Signature` (hex);
/// idempotent on the gateway's `payment_id`.
pub async fn gateway_webhook(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Answer {
    let sig = headers
        .get("x-signature")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if !crate::crypto::hmac_verify(&state.webhook_secret, &body, sig) {
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            codes::BAD_SIGNATURE,
            "the signature does not verify",
        ));
    }
    let p: GatewayPayment = parse(&body)?;
    id_ok("payment_id", &p.payment_id)?;
    let value_date = date(&p.paid_on)?;
    let who = Principal {
        role: Role::Accountant,
        member_id: None,
        name: "payment-gateway".to_owned(),
    };
    let mode = match p.method.as_deref() {
        Some("upi") => "upi",
        Some("netbanking" | "bank") => "bank",
        _ => "bank",
    };
    let ev = json!({"type": "payment_received", "amount": p.amount, "payment_mode": mode, "bank_transaction": format!("gw:{}", p.payment_id)});
    let key = format!("GW-{}", p.payment_id);
    let _turn = state.account_lock(&p.loan_id).await;
    let received = || async {
        let done: Option<(String,)> =
            sqlx::query_as("SELECT response FROM gateway_payments WHERE payment_id = $1")
                .bind(&p.payment_id)
                .fetch_optional(&state.db.pool)
                .await?;
        Ok::<_, ApiError>(done.map(|(r,)| serde_json::from_str::<Value>(&r).unwrap_or(Value::Null)))
    };
    for _ in 0..50 {
        if let Some(v) = received().await? {
            return Ok(answer((
                StatusCode::OK,
                json!({"payment_id": p.payment_id, "already_received": true, "result": v}),
            )));
        }
        let r = write_on(&state, &who, None, &p.loan_id, || async {
            // Another process may have taken it since: stop retrying and answer with its result.
            if received().await?.is_some() {
                return Err(ApiError::new(StatusCode::OK, codes::ALREADY_EXISTS, "received"));
            }
            let mut plan = plan_loan_event(&state, &p.loan_id, value_date, &ev, &key, vec![]).await?;
            plan.stmts.push(stmt!("INSERT INTO gateway_payments (payment_id, loan_id, response, created_at) VALUES ($1, $2, $3, $4)",
                p.payment_id.clone(), p.loan_id.clone(), plan.response.to_string(), now()));
            plan.action = "gateway.payment".to_owned();
            Ok(plan)
        })
        .await;
        match r {
            Ok(r) => {
                return Ok(answer((
                    r.0,
                    json!({"payment_id": p.payment_id, "already_received": false, "result": r.1}),
                )));
            }
            Err(e) if e.code == codes::BUSY || e.code == codes::ALREADY_EXISTS => continue,
            Err(e) => return Err(e),
        }
    }
    Err(ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        codes::BUSY,
        "retry",
    ))
}

// ---------------------------------------------------------------------------------------------
// Savings

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SavingsRequest {
    account_id: String,
    member: String,
    opened_on: String,
    scheme: Value,
    #[serde(default)]
    currency: Option<Value>,
}

fn savings_account_json(header: &str, rows: &[(i64, String, String)]) -> String {
    // header is a JSON object without events: splice the events in.
    let h = header.trim_end();
    let h = h.strip_suffix('}').unwrap_or(h);
    let sep = if h.trim_end().ends_with('{') { "" } else { "," };
    format!(r#"{h}{sep}"events":{}}}"#, json_array(rows))
}

/// `POST /savings`.
pub async fn post_savings(
    State(state): State<AppState>,
    who: Principal,
    headers: HeaderMap,
    body: Bytes,
) -> Answer {
    who.require(Action::WriteSavings)?;
    let req: SavingsRequest = parse(&body)?;
    id_ok("account_id", &req.account_id)?;
    member_exists(&state, &req.member).await?;
    let mut header = json!({"account_id": req.account_id, "member": req.member, "opened_on": req.opened_on, "scheme": req.scheme});
    if let Some(c) = &req.currency {
        header["currency"] = c.clone();
    }
    let header = header.to_string();
    let as_of = today();
    let check = op(
        "savings_schedule",
        &format!(
            r#"{{"account":{},"as_of":"{}"}}"#,
            savings_account_json(&header, &[]),
            as_of
        ),
    )?;
    let idem = idem(&headers, "POST", "/savings", &body)?;
    let r = write(&state, &who, idem, || async {
        let exists: Option<(String,)> = sqlx::query_as("SELECT id FROM accounts WHERE id = $1").bind(&req.account_id).fetch_optional(&state.db.pool).await?;
        if exists.is_some() {
            return Err(ApiError::new(StatusCode::CONFLICT, codes::ALREADY_EXISTS, "account exists"));
        }
        Ok(Plan {
            stmts: vec![stmt!("INSERT INTO accounts (id, kind, member_id, product_id, header, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
                req.account_id.clone(), "savings", req.member.clone(), None::<String>, Some(header.clone()), now())],
            status: StatusCode::CREATED,
            response: json!({"account_id": req.account_id, "statement": check}),
            action: "savings.open".to_owned(),
            target: req.account_id.clone(),
        })
    })
    .await?;
    Ok(answer(r))
}

/// `GET /savings/{id}?as_of=`.
pub async fn get_savings(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<String>,
    Query(q): Query<AsOf>,
) -> Answer {
    who.require(Action::ReadSavings)?;
    let a = load_account(&state, &id, "savings").await?;
    who.require_own(&a.member_id)?;
    let rows = load_events(&state, &id).await?;
    let as_of = q
        .as_of
        .as_deref()
        .map(date)
        .transpose()?
        .unwrap_or_else(today);
    let out = op(
        "savings_schedule",
        &format!(
            r#"{{"account":{},"as_of":"{}"}}"#,
            savings_account_json(a.header.as_deref().unwrap_or("{}"), &rows),
            as_of
        ),
    )?;
    Ok(Json(out).into_response())
}

/// `POST /savings/{id}/events`: a savings event body (deposit, withdrawal …) admitted by
/// `savings_apply`.
pub async fn post_savings_event(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Answer {
    who.require(Action::WriteSavings)?;
    let req: EventRequest = parse(&body)?;
    let value_date = date(&req.value_date)?;
    let path = format!("/savings/{id}/events");
    let idem = idem(&headers, "POST", &path, &body)?;
    let key = idem.as_ref().map_or_else(
        || format!("sv-{}", crate::crypto::sha256_hex(&body)),
        |i| i.key.clone(),
    );
    let r = append_savings_event(&state, &who, idem, &id, value_date, &req.body, &key).await?;
    Ok(answer(r))
}

// ---------------------------------------------------------------------------------------------
// Books, reports, jobs

/// Stored event rows `(account, sequence, hash, body)` grouped by account, in their order.
fn events_by_account(
    all: &[(String, i64, String, String)],
) -> std::collections::HashMap<&str, Vec<(i64, String, String)>> {
    let mut by: std::collections::HashMap<&str, Vec<(i64, String, String)>> =
        std::collections::HashMap::new();
    for (a, s, h, b) in all {
        by.entry(a.as_str())
            .or_default()
            .push((*s, h.clone(), b.clone()));
    }
    by
}

/// The books snapshot on `as_of` from every stored account, with the fine rules of every
/// product.
///
/// # Errors
/// Storage errors.
pub async fn books_json(state: &AppState, as_of: NaiveDate) -> ApiResult<String> {
    let accounts: Vec<(String, String, String, Option<String>)> =
        sqlx::query_as("SELECT id, kind, member_id, header FROM accounts ORDER BY id")
            .fetch_all(&state.db.pool)
            .await?;
    let members: Vec<(String,)> = sqlx::query_as("SELECT id FROM members ORDER BY id")
        .fetch_all(&state.db.pool)
        .await?;
    let all: Vec<(String, i64, String, String)> = sqlx::query_as(
        "SELECT account_id, sequence, hash, body FROM events ORDER BY account_id, sequence",
    )
    .fetch_all(&state.db.pool)
    .await?;
    let by = events_by_account(&all);
    let mut loans = Vec::new();
    let mut savings = Vec::new();
    for (id, kind, member, header) in &accounts {
        let rows = by.get(id.as_str()).map_or(&[][..], Vec::as_slice);
        if kind == "loan" {
            loans.push(format!(
                r#"{{"member":{},"events":{}}}"#,
                json!(member),
                json_array(rows)
            ));
        } else {
            savings.push(savings_account_json(
                header.as_deref().unwrap_or("{}"),
                rows,
            ));
        }
    }
    let products: Vec<(String,)> = sqlx::query_as("SELECT body FROM products ORDER BY id")
        .fetch_all(&state.db.pool)
        .await?;
    let mut rules = Vec::new();
    for (b,) in &products {
        if let Ok(v) = serde_json::from_str::<Value>(b)
            && let Some(r) = v["fine_rules"].as_array()
        {
            rules.extend(r.iter().cloned());
        }
    }
    let member_ids: Vec<&str> = members.iter().map(|m| m.0.as_str()).collect();
    Ok(format!(
        r#"{{"as_of":"{}","members":{},"loans":[{}],"savings":[{}],"fine_rules":{}}}"#,
        as_of,
        json!(member_ids),
        loans.join(","),
        savings.join(","),
        Value::Array(rules)
    ))
}

/// The books of `as_of` without their loans, in the core's type: members, savings accounts
/// and fine rules as [`books_json`] reads them (the caller adds the loans it has folded).
///
/// # Errors
/// Storage errors; the outer result is the store's, the inner one the reading of the books.
pub async fn books_without_loans(
    state: &AppState,
    as_of: NaiveDate,
) -> ApiResult<Result<windeep_core::books::Books, serde_json::Error>> {
    let accounts: Vec<(String, Option<String>)> =
        sqlx::query_as("SELECT id, header FROM accounts WHERE kind <> 'loan' ORDER BY id")
            .fetch_all(&state.db.pool)
            .await?;
    let members: Vec<(String,)> = sqlx::query_as("SELECT id FROM members ORDER BY id")
        .fetch_all(&state.db.pool)
        .await?;
    let all: Vec<(String, i64, String, String)> = sqlx::query_as(
        "SELECT e.account_id, e.sequence, e.hash, e.body FROM events e JOIN accounts a ON a.id = e.account_id WHERE a.kind <> 'loan' ORDER BY e.account_id, e.sequence",
    )
    .fetch_all(&state.db.pool)
    .await?;
    let by = events_by_account(&all);
    let savings: Vec<String> = accounts
        .iter()
        .map(|(id, header)| {
            let rows = by.get(id.as_str()).map_or(&[][..], Vec::as_slice);
            savings_account_json(header.as_deref().unwrap_or("{}"), rows)
        })
        .collect();
    let products: Vec<(String,)> = sqlx::query_as("SELECT body FROM products ORDER BY id")
        .fetch_all(&state.db.pool)
        .await?;
    let mut rules = Vec::new();
    for (b,) in &products {
        if let Ok(v) = serde_json::from_str::<Value>(b)
            && let Some(r) = v["fine_rules"].as_array()
        {
            rules.extend(r.iter().cloned());
        }
    }
    let member_ids: Vec<&str> = members.iter().map(|m| m.0.as_str()).collect();
    Ok(serde_json::from_str(&format!(
        r#"{{"as_of":"{}","members":{},"loans":[],"savings":[{}],"fine_rules":{}}}"#,
        as_of,
        json!(member_ids),
        savings.join(","),
        Value::Array(rules)
    )))
}

fn book_loans(books: &str) -> ApiResult<String> {
    let v: Value = serde_json::from_str(books).map_err(|e| ApiError::invalid(e.to_string()))?;
    Ok(v["loans"].to_string())
}

/// `GET /reports/{name}?as_of=`: `trial-balance`, `profit-and-loss`, `balance-sheet`,
/// `classification`, `portfolio`, `checks`, `postings`, `dashboard`.
pub async fn get_report(
    State(state): State<AppState>,
    who: Principal,
    Path(name): Path<String>,
    Query(q): Query<AsOf>,
) -> Answer {
    who.require(Action::Reports)?;
    let as_of = q
        .as_of
        .as_deref()
        .map(date)
        .transpose()?
        .unwrap_or_else(today);
    let books = books_json(&state, as_of).await?;
    let out = match name.as_str() {
        "trial-balance" => op("trial_balance", &format!(r#"{{"books":{books}}}"#))?,
        "balance-sheet" => op("balance_sheet", &format!(r#"{{"books":{books}}}"#))?,
        "profit-and-loss" => {
            let from = NaiveDate::from_ymd_opt(
                if as_of.month0() >= 3 {
                    as_of.year()
                } else {
                    as_of.year() - 1
                },
                4,
                1,
            )
            .unwrap_or(as_of);
            op(
                "profit_and_loss",
                &format!(r#"{{"books":{books},"from":"{from}"}}"#),
            )?
        }
        "postings" => op("postings", &format!(r#"{{"books":{books}}}"#))?,
        "dashboard" => crate::pages::dashboard(&state, &books).await?,
        "checks" => op("check_books", &format!(r#"{{"books":{books}}}"#))?,
        "classification" => op(
            "classify",
            &format!(r#"{{"loans":{},"as_of":"{as_of}"}}"#, book_loans(&books)?),
        )?,
        "portfolio" => op(
            "portfolio_report",
            &format!(r#"{{"loans":{},"as_of":"{as_of}"}}"#, book_loans(&books)?),
        )?,
        _ => return Err(ApiError::not_found("report")),
    };
    Ok(Json(out).into_response())
}

use chrono::Datelike as _;

/// `GET /members/{id}/ledger`: the member's ledger (`member_ledger`).
pub async fn get_member_ledger(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<String>,
    Query(q): Query<AsOf>,
) -> Answer {
    who.require(Action::ReadLoans)?;
    who.require_own(&id)?;
    member_exists(&state, &id).await?;
    let as_of = q
        .as_of
        .as_deref()
        .map(date)
        .transpose()?
        .unwrap_or_else(today);
    let books = books_json(&state, as_of).await?;
    let out = op(
        "member_ledger",
        &format!(r#"{{"books":{books},"member":{}}}"#, json!(id)),
    )?;
    Ok(Json(out).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EndOfDay {
    as_of: String,
}

/// `POST /jobs/end-of-day`: fines on every loan (`loan_fines`, events appended), notifications
/// (EMI due in 3 days, overdue), classification and the reconciliation checks. Once per date:
/// a second run returns the first run's result.
pub async fn end_of_day(State(state): State<AppState>, who: Principal, body: Bytes) -> Answer {
    who.require(Action::RunJobs)?;
    let req: EndOfDay = parse(&body)?;
    let as_of = date(&req.as_of)?;
    Ok(answer(crate::eod::run(&state, &who, as_of).await?))
}

// ---------------------------------------------------------------------------------------------
// Bank

/// `POST /bank/statements`: the `bank_import` operation with the keys of earlier imports of the
/// same account; new rows are stored unique per (bank account, UTR key).
pub async fn post_statement(
    State(state): State<AppState>,
    who: Principal,
    headers: HeaderMap,
    body: Bytes,
) -> Answer {
    who.require(Action::BankImport)?;
    let mut req: Value = parse(&body)?;
    if !req["prior"].is_null() {
        return Err(ApiError::invalid("prior is filled by the server"));
    }
    let account = req["account_id"].as_str().unwrap_or_default().to_owned();
    id_ok("account_id", &account)?;
    let import_id = match req["import_id"].as_str() {
        Some(i) => i.to_owned(),
        None => format!("imp-{}", &crate::crypto::sha256_hex(&body)[..16]),
    };
    req["import_id"] = json!(import_id);
    let idem = idem(&headers, "POST", "/bank/statements", &body)?;
    let r = write(&state, &who, idem, || {
        let mut req = req.clone();
        let account = account.clone();
        let import_id = import_id.clone();
        let state = &state;
        async move {
            let done: Option<(String,)> = sqlx::query_as("SELECT report FROM bank_imports WHERE import_id = $1").bind(&import_id).fetch_optional(&state.db.pool).await?;
            if done.is_some() {
                return Err(ApiError::new(StatusCode::CONFLICT, codes::ALREADY_EXISTS, "this import id was imported"));
            }
            let prior: Vec<(String, Option<String>, String)> = sqlx::query_as("SELECT utr, import_id, body FROM bank_transactions WHERE bank_account = $1")
                .bind(&account)
                .fetch_all(&state.db.pool)
                .await?;
            req["prior"] = Value::Array(prior.iter().map(|(k, imp, b)| {
                let b: Value = serde_json::from_str(b).unwrap_or(Value::Null);
                json!({"key": k, "import_id": imp, "row": b["row"], "amount": b["transaction"]["amount"], "date": b["transaction"]["date"]})
            }).collect());
            let report = op("bank_import", &req.to_string())?;
            let mut stmts = vec![stmt!("INSERT INTO bank_imports (import_id, bank_account, report, created_at) VALUES ($1, $2, $3, $4)",
                import_id.clone(), account.clone(), json!({"summary": report["summary"]}).to_string(), now())];
            for row in report["rows"].as_array().into_iter().flatten() {
                if row["status"] == "new" {
                    let key = row["transaction"]["key"].as_str().unwrap_or_default().to_owned();
                    stmts.push(stmt!("INSERT INTO bank_transactions (bank_account, utr, import_id, body, created_at) VALUES ($1, $2, $3, $4, $5)",
                        account.clone(), key, Some(import_id.clone()), row.to_string(), now()));
                }
            }
            Ok(Plan { stmts, status: StatusCode::CREATED, response: report, action: "bank.import".to_owned(), target: import_id.clone() })
        }
    })
    .await?;
    Ok(answer(r))
}

/// `GET /bank/transactions?account=`.
pub async fn get_bank_transactions(
    State(state): State<AppState>,
    who: Principal,
    Query(q): Query<std::collections::HashMap<String, String>>,
) -> Answer {
    who.require(Action::ReadBank)?;
    let account = q.get("account").cloned().unwrap_or_default();
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT utr, body FROM bank_transactions WHERE bank_account = $1 ORDER BY created_at, utr",
    )
    .bind(&account)
    .fetch_all(&state.db.pool)
    .await?;
    let tx: Vec<Value> = rows
        .iter()
        .map(|(_, b)| serde_json::from_str(b).unwrap_or(Value::Null))
        .collect();
    Ok(Json(json!({"account": account, "transactions": tx})).into_response())
}

/// `POST /bank/match`: the `bank_match` operation (suggestions; nothing stored).
pub async fn post_bank_match(who: Principal, body: Bytes) -> Answer {
    who.require(Action::BankImport)?;
    let text = std::str::from_utf8(&body).map_err(|_| ApiError::invalid("body is not UTF-8"))?;
    Ok(Json(op("bank_match", text)?).into_response())
}

// ---------------------------------------------------------------------------------------------
// Outbox

/// `GET /outbox`: notifications not yet delivered.
pub async fn get_outbox(State(state): State<AppState>, who: Principal) -> Answer {
    who.require(Action::ReadAudit)?;
    let rows = crate::worker::pending(&state.db, 1000).await?;
    Ok(Json(json!({"pending": rows})).into_response())
}

// ---------------------------------------------------------------------------------------------
// Bank mappings

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MappingRequest {
    account_id: String,
    key: String,
    action: String,
    #[serde(default)]
    parts: Option<Value>,
    #[serde(default)]
    reason: Option<String>,
}

/// `POST /bank/mappings`: splits a stored bank transaction into parts (`bank_split`), unmaps
/// parts (`bank_unmap`) or ignores it (`bank_ignore`). Each new state is stored (append-only);
/// then the loan payments and savings deposits it applies are posted to their accounts with
/// the core's part keys (`<account>/<key>/<part>`), so posting twice changes nothing.
pub async fn post_mapping(
    State(state): State<AppState>,
    who: Principal,
    headers: HeaderMap,
    body: Bytes,
) -> Answer {
    who.require(Action::BankImport)?;
    let req: MappingRequest = parse(&body)?;
    let idem = idem(&headers, "POST", "/bank/mappings", &body)?;
    let _turn = state
        .account_lock(&format!("bank:{}/{}", req.account_id, req.key))
        .await;
    let (status, out) = write(&state, &who, idem, || async {
        let row: Option<(String,)> =
            sqlx::query_as("SELECT body FROM bank_transactions WHERE bank_account = $1 AND utr = $2")
                .bind(&req.account_id)
                .bind(&req.key)
                .fetch_optional(&state.db.pool)
                .await?;
        let (row,) = row.ok_or_else(|| ApiError::not_found("bank transaction"))?;
        let row: Value = serde_json::from_str(&row).map_err(|e| ApiError::invalid(e.to_string()))?;
        let last: Option<(i64, String)> = sqlx::query_as(
            "SELECT seq, mapping FROM bank_mappings WHERE bank_account = $1 AND utr = $2 ORDER BY seq DESC LIMIT 1",
        )
        .bind(&req.account_id)
        .bind(&req.key)
        .fetch_optional(&state.db.pool)
        .await?;
        let (seq, mapping) = match last {
            Some((s, m)) => (s, serde_json::from_str(&m).map_err(|e| ApiError::invalid(e.to_string()))?),
            None => (0, json!({"account_id": req.account_id, "transaction": row["transaction"]})),
        };
        let outcome = match req.action.as_str() {
            "split" => op("bank_split", &json!({"mapping": mapping, "parts": req.parts.clone().unwrap_or(json!([]))}).to_string())?,
            "unmap" => {
                let mut input = json!({"mapping": mapping});
                if let Some(p) = &req.parts {
                    input["parts"] = p.clone();
                }
                op("bank_unmap", &input.to_string())?
            }
            "ignore" => op("bank_ignore", &json!({"mapping": mapping, "reason": req.reason.clone().unwrap_or_default()}).to_string())?,
            _ => return Err(ApiError::invalid("action is split, unmap or ignore")),
        };
        Ok(Plan {
            stmts: vec![stmt!(
                "INSERT INTO bank_mappings (bank_account, utr, seq, mapping, events, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
                req.account_id.clone(), req.key.clone(), seq + 1, outcome["mapping"].to_string(), outcome["events"].to_string(), now()
            )],
            status: StatusCode::CREATED,
            response: json!({"mapping": outcome["mapping"], "events": outcome["events"], "posted": []}),
            action: format!("bank.{}", req.action),
            target: format!("{}/{}", req.account_id, req.key),
        })
    })
    .await?;
    let mut out = out;
    let posted = post_mapping_events(&state, &who, &out["events"]).await?;
    out["posted"] = Value::Array(posted);
    Ok(answer((status, out)))
}

/// The id of the stored event that applied `key` (what a `…/reverse` event undoes).
fn event_with_key(rows: &[(i64, String, String)], key: &str) -> Option<Value> {
    rows.iter().find_map(|(_, _, b)| {
        let v: Value = serde_json::from_str(b).ok()?;
        (v["idempotency_key"] == key).then(|| v["id"].clone())
    })
}

/// The account a mapping event posts to: the loan, the savings account, or for a fine the
/// account its key names (`<account>/<installment>/<rule>/<occurrence>`, the fine key of the
/// core's statements), with the account's kind.
async fn mapping_account(state: &AppState, e: &Value) -> ApiResult<Option<(String, String)>> {
    let id = match e["kind"].as_str() {
        Some("loan_payment") => e["loan_id"].as_str().map(str::to_owned),
        Some("savings_deposit") => e["account_no"].as_str().map(str::to_owned),
        Some("fine_payment") => e["fine_id"]
            .as_str()
            .and_then(|f| f.rsplitn(4, '/').nth(3))
            .map(str::to_owned),
        _ => None,
    };
    let Some(id) = id else { return Ok(None) };
    let kind: Option<(String,)> = sqlx::query_as("SELECT kind FROM accounts WHERE id = $1")
        .bind(&id)
        .fetch_optional(&state.db.pool)
        .await?;
    let (kind,) = kind.ok_or_else(|| ApiError::not_found("account of the mapped part"))?;
    let expected = match e["kind"].as_str() {
        Some("loan_payment") => Some("loan"),
        Some("savings_deposit") => Some("savings"),
        _ => None,
    };
    if expected.is_some_and(|k| k != kind) {
        return Err(ApiError::not_found(expected.unwrap_or_default()));
    }
    Ok(Some((id, kind)))
}

/// Posts what a mapping's events say, as the account's own events with the core's part keys
/// (idempotent): a loan payment is a `payment_received`; a savings deposit a `deposit`; a fine
/// payment on a savings account a `fine_paid` (the savings fines, oldest first), on a loan a
/// `payment_received` that the loan's allocation order applies (fines after the installments
/// due, decisions §2); a reversal undoes the event that applied the part
/// (`payment_reversed` / `reversed`).
async fn post_mapping_events(
    state: &AppState,
    who: &Principal,
    events: &Value,
) -> ApiResult<Vec<Value>> {
    let mut posted = Vec::new();
    for e in events.as_array().into_iter().flatten() {
        let Some((acct, kind)) = mapping_account(state, e).await? else {
            continue;
        };
        let key = e["idempotency_key"].as_str().unwrap_or_default().to_owned();
        let on = date(
            e["value_date"]
                .as_str()
                .or(e["date"].as_str())
                .unwrap_or_default(),
        )?;
        let fine = e["kind"] == "fine_payment";
        let body = if e["action"] == "apply" {
            match (kind.as_str(), fine) {
                ("loan", _) => {
                    let mut b = json!({"type": "payment_received", "amount": e["amount"], "payment_mode": "bank",
                        "bank_transaction": e["transaction_key"]});
                    if e["installment"].is_u64() {
                        b["installment"] = e["installment"].clone();
                    }
                    b
                }
                (_, true) => json!({"type": "fine_paid", "amount": e["amount"], "mode": "bank"}),
                _ => json!({"type": "deposit", "amount": e["amount"], "mode": "bank"}),
            }
        } else {
            let rows = load_events(state, &acct).await?;
            let Some(id) = event_with_key(&rows, key.trim_end_matches("/reverse")) else {
                continue;
            };
            if kind == "loan" {
                json!({"type": "payment_reversed", "event_id": id, "reason": "bank mapping reversed"})
            } else {
                json!({"type": "reversed", "event_id": id, "reason": "bank mapping reversed"})
            }
        };
        let (status, r) = if kind == "loan" {
            append_loan_event(state, who, None, &acct, on, &body, &key).await?
        } else {
            append_savings_event(state, who, None, &acct, on, &body, &key).await?
        };
        posted.push(json!({"account_id": acct, "kind": kind, "type": body["type"], "status": status.as_u16(),
            "event": r["event"]["id"], "stored": r["stored"]}));
    }
    Ok(posted)
}

/// Plans one more event on a savings account, admitted by `savings_apply`; a duplicate by
/// idempotency key is answered and not stored.
///
/// # Errors
/// The operation's refusals; `E_NOT_FOUND`.
pub async fn plan_savings_event(
    state: &AppState,
    id: &str,
    value_date: NaiveDate,
    body: &Value,
    key: &str,
) -> ApiResult<Plan> {
    let a = load_account(state, id, "savings").await?;
    let rows = load_events(state, id).await?;
    let seq = rows.last().map_or(1, |r| r.0 + 1);
    let ev = json!({"id": format!("{id}-{seq}"), "sequence": seq, "value_date": value_date.to_string(), "idempotency_key": key, "body": body});
    let text = ev.to_string();
    let input = format!(
        r#"{{"account":{},"event":{},"as_of":"{}"}}"#,
        savings_account_json(a.header.as_deref().unwrap_or("{}"), &rows),
        text,
        today().max(value_date)
    );
    let applied = op("savings_apply", &input)?;
    let duplicate = applied["outcome"]["result"] == "duplicate";
    let stmts = if duplicate {
        vec![]
    } else {
        vec![stmt!(
            INSERT_EVENT,
            id,
            seq,
            crate::crypto::sha256_hex(text.as_bytes()),
            text.clone(),
            now()
        )]
    };
    Ok(Plan {
        stmts,
        status: if duplicate {
            StatusCode::OK
        } else {
            StatusCode::CREATED
        },
        response: json!({"account_id": id, "event": ev, "stored": !duplicate, "applied": applied}),
        action: "savings.event".to_owned(),
        target: id.to_owned(),
    })
}

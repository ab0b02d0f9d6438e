//! Writes: one transaction per request holding its rows, its idempotency record and its
//! hash-chained audit entry; a conflict with another writer (a sequence or key taken first)
//! is retried from the reads.

use std::future::Future;
use std::time::Duration;

use axum::http::StatusCode;
use serde_json::Value;

use crate::AppState;
use crate::auth::Principal;
use crate::crypto::sha256_hex;
use crate::db::{Backend, is_retryable, now};
use crate::error::{ApiError, ApiResult, codes};

/// A value bound to a statement.
#[derive(Debug, Clone)]
pub enum Arg {
    /// Text.
    Text(String),
    /// Optional text.
    OptText(Option<String>),
    /// Integer.
    Int(i64),
}

impl From<&str> for Arg {
    fn from(s: &str) -> Self {
        Arg::Text(s.to_owned())
    }
}
impl From<String> for Arg {
    fn from(s: String) -> Self {
        Arg::Text(s)
    }
}
impl From<Option<String>> for Arg {
    fn from(s: Option<String>) -> Self {
        Arg::OptText(s)
    }
}
impl From<i64> for Arg {
    fn from(i: i64) -> Self {
        Arg::Int(i)
    }
}

/// One statement of a write.
#[derive(Debug, Clone)]
pub struct Stmt {
    /// SQL with `$1…` placeholders in order.
    pub sql: &'static str,
    /// Its arguments.
    pub args: Vec<Arg>,
}

/// `Stmt { sql, args }` from a list of values.
#[macro_export]
macro_rules! stmt {
    ($sql:expr $(, $a:expr)* $(,)?) => {
        $crate::store::Stmt { sql: $sql, args: vec![$($crate::store::Arg::from($a)),*] }
    };
}

/// What a request writes and answers.
#[derive(Debug)]
pub struct Plan {
    /// Rows to insert.
    pub stmts: Vec<Stmt>,
    /// The answer's status.
    pub status: StatusCode,
    /// The answer's body.
    pub response: Value,
    /// The audit action (`loan.payment`, …).
    pub action: String,
    /// The audit target (an id).
    pub target: String,
}

/// An `Idempotency-Key` and the hash of the request it came with.
#[derive(Debug, Clone)]
pub struct Idem {
    /// The key.
    pub key: String,
    /// SHA-256 of method, path and body.
    pub request_hash: String,
}

impl Idem {
    /// From the header, if any.
    ///
    /// # Errors
    /// A blank or overlong key.
    pub fn from_headers(
        headers: &axum::http::HeaderMap,
        method: &str,
        path: &str,
        body: &[u8],
    ) -> ApiResult<Option<Idem>> {
        let Some(v) = headers.get("idempotency-key") else {
            return Ok(None);
        };
        let key = v
            .to_str()
            .map_err(|_| ApiError::invalid("Idempotency-Key is not ASCII"))?
            .trim()
            .to_owned();
        if key.is_empty() || key.len() > 200 {
            return Err(ApiError::from(windeep_core::CoreError::BlankIdentifier {
                field: "Idempotency-Key",
            }));
        }
        let mut h = Vec::with_capacity(body.len() + path.len() + 8);
        h.extend_from_slice(method.as_bytes());
        h.push(b' ');
        h.extend_from_slice(path.as_bytes());
        h.push(b'\n');
        h.extend_from_slice(body);
        Ok(Some(Idem {
            key,
            request_hash: sha256_hex(&h),
        }))
    }
}

const MAX_ATTEMPTS: u32 = 400;

/// Runs a write: looks up the idempotency key, computes the plan (reads and core operations),
/// commits it with its idempotency record and audit entry, and retries from the reads when
/// another writer won a race.
///
/// # Errors
/// The plan's own errors; `E_IDEMPOTENCY_CONFLICT` for a key reused with another request;
/// `E_BUSY` after too many lost races.
pub async fn write<F, Fut>(
    state: &AppState,
    who: &Principal,
    idem: Option<Idem>,
    plan: F,
) -> ApiResult<(StatusCode, Value)>
where
    F: Fn() -> Fut,
    Fut: Future<Output = ApiResult<Plan>>,
{
    write_inner(state, who, idem, None, plan).await
}

/// [`write()`] of a request that appends to one account. On PostgreSQL the account's row is
/// locked (`SELECT … FOR UPDATE`) before the plan reads, so writers of one account — in this
/// process or another — wait for each other instead of racing for the next sequence and
/// retrying.
///
/// # Errors
/// As [`write()`].
pub async fn write_on<F, Fut>(
    state: &AppState,
    who: &Principal,
    idem: Option<Idem>,
    account: &str,
    plan: F,
) -> ApiResult<(StatusCode, Value)>
where
    F: Fn() -> Fut,
    Fut: Future<Output = ApiResult<Plan>>,
{
    write_inner(state, who, idem, Some(account), plan).await
}

async fn write_inner<F, Fut>(
    state: &AppState,
    who: &Principal,
    idem: Option<Idem>,
    account: Option<&str>,
    plan: F,
) -> ApiResult<(StatusCode, Value)>
where
    F: Fn() -> Fut,
    Fut: Future<Output = ApiResult<Plan>>,
{
    for attempt in 0..MAX_ATTEMPTS {
        if let Some(i) = &idem
            && let Some(done) = replay_idempotent(state, i).await?
        {
            return Ok(done);
        }
        let r = match (account, &state.db.lock_slots) {
            (Some(account), Some(slots)) => {
                locked(state, who, idem.as_ref(), account, slots, &plan).await?
            }
            _ => {
                let p = plan().await?;
                commit(state, who, idem.as_ref(), &p)
                    .await
                    .map(|()| (p.status, p.response))
            }
        };
        match r {
            Ok(done) => return Ok(done),
            Err(e) if is_retryable(&e) => {
                state
                    .db
                    .lost_races
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                tracing::debug!(attempt, error = %e, "write lost a race; retrying");
                let jitter = u64::from(attempt.min(20)) * 200 + u64::from(attempt % 7) * 50;
                tokio::time::sleep(Duration::from_micros(jitter)).await;
            }
            Err(e) => return Err(e.into()),
        }
    }
    Err(ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        codes::BUSY,
        "too many concurrent writers; retry the request",
    ))
}

/// One attempt under the account's row lock (PostgreSQL): the outer result is the plan's
/// refusal, the inner one the store's.
async fn locked<F, Fut>(
    state: &AppState,
    who: &Principal,
    idem: Option<&Idem>,
    account: &str,
    slots: &tokio::sync::Semaphore,
    plan: &F,
) -> ApiResult<Result<(StatusCode, Value), sqlx::Error>>
where
    F: Fn() -> Fut,
    Fut: Future<Output = ApiResult<Plan>>,
{
    let _slot = slots.acquire().await.map_err(|_| {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            codes::BUSY,
            "shutting down",
        )
    })?;
    let run = async {
        let mut tx = state.db.pool.begin().await?;
        sqlx::query("SELECT id FROM accounts WHERE id = $1 FOR UPDATE")
            .bind(account)
            .fetch_optional(&mut *tx)
            .await?;
        Ok::<_, sqlx::Error>(tx)
    };
    let mut tx = match run.await {
        Ok(tx) => tx,
        Err(e) => return Ok(Err(e)),
    };
    // The plan reads through the pool: committed rows, and no other writer of this account
    // can commit until this transaction ends.
    let p = plan().await?;
    let r = async {
        insert_plan(&mut tx, who, idem, &p).await?;
        tx.commit().await
    }
    .await;
    Ok(r.map(|()| (p.status, p.response)))
}

async fn replay_idempotent(state: &AppState, i: &Idem) -> ApiResult<Option<(StatusCode, Value)>> {
    let row: Option<(String, i64, String)> =
        sqlx::query_as("SELECT request_hash, status, response FROM idempotency WHERE key = $1")
            .bind(&i.key)
            .fetch_optional(&state.db.pool)
            .await?;
    let Some((hash, status, response)) = row else {
        return Ok(None);
    };
    if hash != i.request_hash {
        return Err(ApiError::from(
            windeep_core::CoreError::IdempotencyConflict {
                key: i.key.clone(),
                field: "request body".to_owned(),
            },
        ));
    }
    let status = u16::try_from(status)
        .ok()
        .and_then(|s| StatusCode::from_u16(s).ok())
        .unwrap_or(StatusCode::OK);
    let value = serde_json::from_str(&response).unwrap_or(Value::Null);
    Ok(Some((status, value)))
}

fn bind<'q>(
    mut q: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    args: &'q [Arg],
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
    for a in args {
        q = match a {
            Arg::Text(s) => q.bind(s.as_str()),
            Arg::OptText(s) => q.bind(s.as_deref()),
            Arg::Int(i) => q.bind(*i),
        };
    }
    q
}

/// SQLite: this process's one committing writer (SQLite has one writer anyway, and waiting
/// here is cheaper than its busy handler). PostgreSQL commits in parallel; the audit chain
/// serialises its appends with a transaction-scoped advisory lock.
async fn writer_turn(state: &AppState) -> Option<tokio::sync::MutexGuard<'_, ()>> {
    match state.db.backend {
        Backend::Sqlite => Some(state.write_lock.lock().await),
        Backend::Postgres => None,
    }
}

async fn commit(
    state: &AppState,
    who: &Principal,
    idem: Option<&Idem>,
    p: &Plan,
) -> Result<(), sqlx::Error> {
    let _guard = writer_turn(state).await;
    let mut tx = state.db.pool.begin().await?;
    insert_plan(&mut tx, who, idem, p).await?;
    tx.commit().await
}

async fn insert_plan(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    who: &Principal,
    idem: Option<&Idem>,
    p: &Plan,
) -> Result<(), sqlx::Error> {
    for s in &p.stmts {
        bind(sqlx::query(s.sql), &s.args).execute(&mut **tx).await?;
    }
    if let Some(i) = idem {
        sqlx::query("INSERT INTO idempotency (key, request_hash, status, response, created_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(&i.key)
            .bind(&i.request_hash)
            .bind(i64::from(p.status.as_u16()))
            .bind(p.response.to_string())
            .bind(now())
            .execute(&mut **tx)
            .await?;
    }
    audit_in(tx, &who.actor(), &[(p.action.as_str(), p.target.as_str())]).await
}

/// Commits many rows and their audit entries (`(action, target)`, in order) in one
/// transaction — the end-of-day job's batch. Returns how many rows each statement wrote (a
/// statement with `ON CONFLICT DO NOTHING` writes none the second time).
///
/// # Errors
/// Storage errors; the transaction is rolled back.
pub async fn commit_batch(
    state: &AppState,
    who: &Principal,
    stmts: &[Stmt],
    audits: &[(String, String)],
) -> Result<Vec<u64>, sqlx::Error> {
    let _guard = writer_turn(state).await;
    let mut tx = state.db.pool.begin().await?;
    let mut affected = Vec::with_capacity(stmts.len());
    for s in stmts {
        affected.push(
            bind(sqlx::query(s.sql), &s.args)
                .execute(&mut *tx)
                .await?
                .rows_affected(),
        );
    }
    let entries: Vec<(&str, &str)> = audits
        .iter()
        .map(|(a, t)| (a.as_str(), t.as_str()))
        .collect();
    audit_in(&mut tx, &who.actor(), &entries).await?;
    tx.commit().await?;
    Ok(affected)
}

/// Appends an audit entry in its own transaction (reads of identity data).
///
/// # Errors
/// Storage errors after retries.
pub async fn audit(state: &AppState, actor: &str, action: &str, target: &str) -> ApiResult<()> {
    for attempt in 0..MAX_ATTEMPTS {
        let _guard = writer_turn(state).await;
        let r = async {
            let mut tx = state.db.pool.begin().await?;
            audit_in(&mut tx, actor, &[(action, target)]).await?;
            tx.commit().await
        }
        .await;
        match r {
            Ok(()) => return Ok(()),
            Err(e) if is_retryable(&e) => {
                tokio::time::sleep(Duration::from_micros(u64::from(attempt) * 100)).await;
            }
            Err(e) => return Err(e.into()),
        }
    }
    Err(ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        codes::BUSY,
        "audit log busy",
    ))
}

/// The hash of one audit entry: SHA-256 over the previous hash and the entry's fields.
pub fn audit_hash(
    prev: &str,
    seq: i64,
    at: &str,
    actor: &str,
    action: &str,
    target: &str,
) -> String {
    let text = serde_json::json!([prev, seq, at, actor, action, target]).to_string();
    sha256_hex(text.as_bytes())
}

/// The audit chain's advisory lock key on PostgreSQL (any constant the application owns).
const AUDIT_LOCK: i64 = 0x0077_696e_6465_6570;

/// Appends audit entries `(action, target)` by `actor`, chained after the last one.
async fn audit_in(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    actor: &str,
    entries: &[(&str, &str)],
) -> Result<(), sqlx::Error> {
    if entries.is_empty() {
        return Ok(());
    }
    if tx.backend_name() == "PostgreSQL" {
        // Appends to the chain one transaction at a time, until this one ends.
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(AUDIT_LOCK)
            .execute(&mut **tx)
            .await?;
    }
    let last: Option<(i64, String)> =
        sqlx::query_as("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")
            .fetch_optional(&mut **tx)
            .await?;
    let (mut seq, mut prev) = last.map_or((1, String::new()), |(s, h)| (s + 1, h));
    let at = now();
    for (action, target) in entries {
        let hash = audit_hash(&prev, seq, &at, actor, action, target);
        sqlx::query("INSERT INTO audit_log (seq, at, actor, action, target, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7)")
            .bind(seq)
            .bind(&at)
            .bind(actor)
            .bind(*action)
            .bind(*target)
            .bind(&prev)
            .bind(&hash)
            .execute(&mut **tx)
            .await?;
        prev = hash;
        seq += 1;
    }
    Ok(())
}

/// Checks the whole audit chain; returns `(entries, first broken seq)`.
///
/// # Errors
/// Storage errors.
pub async fn verify_audit(state: &AppState) -> ApiResult<(usize, Option<i64>)> {
    let rows: Vec<(i64, String, String, String, String, String, String)> = sqlx::query_as(
        "SELECT seq, at, actor, action, target, prev_hash, hash FROM audit_log ORDER BY seq",
    )
    .fetch_all(&state.db.pool)
    .await?;
    let mut prev = String::new();
    for (expected_seq, (seq, at, actor, action, target, prev_hash, hash)) in (1..).zip(rows.iter())
    {
        if *seq != expected_seq
            || *prev_hash != prev
            || audit_hash(&prev, *seq, at, actor, action, target) != *hash
        {
            return Ok((rows.len(), Some(*seq)));
        }
        prev.clone_from(hash);
    }
    Ok((rows.len(), None))
}

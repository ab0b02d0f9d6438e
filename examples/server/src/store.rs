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
        let r = match account {
            Some(account) if state.db.row_locks => {
                grouped_on(state, who, idem.as_ref(), account, &plan).await?
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

/// One attempt under the account's row lock (PostgreSQL), in the group writer's transaction:
/// the writer locks the account (`SELECT … FOR UPDATE`) and hands this request its turn; the
/// plan then reads committed rows while no other writer of the account, in this process or
/// another, can commit; the writer inserts the plan and commits it with the rest of its group.
/// The outer result is the plan's refusal, the inner one the store's.
async fn grouped_on<F, Fut>(
    state: &AppState,
    who: &Principal,
    idem: Option<&Idem>,
    account: &str,
    plan: &F,
) -> ApiResult<Result<(StatusCode, Value), sqlx::Error>>
where
    F: Fn() -> Fut,
    Fut: Future<Output = ApiResult<Plan>>,
{
    let turn = match state.writer.lock_turn(state, account).await {
        Ok(t) => t,
        Err(e) => return Ok(Err(e)),
    };
    // A refused plan drops `turn.plan`: the writer goes on with the next request.
    let p = plan().await?;
    if turn.plan.send(Job::new(who, idem, &p)).is_err() {
        return Ok(Err(group_failed()));
    }
    let r = turn.done.await.unwrap_or_else(|_| Err(group_failed()));
    Ok(r.map(|()| (p.status, p.response)))
}

/// The error a write gets when the group holding it failed for another write's reason (or the
/// writer stopped): a retryable one, so the request plans again.
fn group_failed() -> sqlx::Error {
    sqlx::Error::PoolTimedOut
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

/// Runs `stmts` in `tx`, the inserts of one statement text as multi-row inserts (in the
/// order each text first appears; the tables have no foreign keys and their triggers fire on
/// updates and deletes only, so the order across tables does not matter). Returns the rows
/// written per statement text, in that order.
async fn execute_grouped<'s>(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    stmts: impl IntoIterator<Item = &'s Stmt>,
) -> Result<Vec<(&'static str, u64)>, sqlx::Error> {
    let mut groups: Vec<(&'static str, Vec<&'s [Arg]>)> = Vec::new();
    for s in stmts {
        match groups
            .iter_mut()
            .find(|g| std::ptr::eq(g.0, s.sql) || g.0 == s.sql)
        {
            Some(g) => g.1.push(&s.args),
            None => groups.push((s.sql, vec![&s.args])),
        }
    }
    let mut out = Vec::with_capacity(groups.len());
    for (sql, rows) in groups {
        let mut n = 0;
        match multi_row(sql, rows.first().map_or(0, |r| r.len())) {
            Some((head, tail, width)) if rows.len() > 1 => {
                // Not too many parameters per statement: SQLite binds `$n` by name.
                let per = (500 / width.max(1)).clamp(1, 64);
                for chunk in rows.chunks(per) {
                    let mut text =
                        String::with_capacity(head.len() + tail.len() + chunk.len() * width * 5);
                    text.push_str(head);
                    for (r, _) in chunk.iter().enumerate() {
                        text.push_str(if r == 0 { "(" } else { ", (" });
                        for c in 0..width {
                            if c > 0 {
                                text.push_str(", ");
                            }
                            text.push('$');
                            text.push_str(&(r * width + c + 1).to_string());
                        }
                        text.push(')');
                    }
                    text.push_str(tail);
                    let mut q = sqlx::query(&text);
                    for a in chunk.iter().flat_map(|r| r.iter()) {
                        q = match a {
                            Arg::Text(s) => q.bind(s.as_str()),
                            Arg::OptText(s) => q.bind(s.as_deref()),
                            Arg::Int(i) => q.bind(*i),
                        };
                    }
                    n += q.execute(&mut **tx).await?.rows_affected();
                }
            }
            _ => {
                for args in rows {
                    n += bind(sqlx::query(sql), args)
                        .execute(&mut **tx)
                        .await?
                        .rows_affected();
                }
            }
        }
        out.push((sql, n));
    }
    Ok(out)
}

/// An `INSERT … VALUES ($1, …, $width) [tail]` split before its tuple: `(head, tail, width)`;
/// none for any other statement.
fn multi_row(sql: &'static str, width: usize) -> Option<(&'static str, &'static str, usize)> {
    if !sql.starts_with("INSERT INTO ") || width == 0 {
        return None;
    }
    let at = sql.find(" VALUES (")? + " VALUES ".len();
    let tuple: String = std::iter::once("(".to_owned())
        .chain((1..=width).map(|i| {
            if i == 1 {
                "$1".to_owned()
            } else {
                format!(", ${i}")
            }
        }))
        .chain(std::iter::once(")".to_owned()))
        .collect();
    let rest = sql[at..].strip_prefix(tuple.as_str())?;
    if rest.contains('$') || rest.to_ascii_uppercase().contains("RETURNING") {
        return None;
    }
    Some((&sql[..at], rest, width))
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

/// SQLite: commits go through this process's group-commit writer (one transaction for the
/// payments queued meanwhile, each acknowledged after that commit). PostgreSQL commits in
/// parallel.
async fn commit(
    state: &AppState,
    who: &Principal,
    idem: Option<&Idem>,
    p: &Plan,
) -> Result<(), sqlx::Error> {
    if state.db.backend == Backend::Sqlite {
        return state.writer.submit(state, Job::new(who, idem, p)).await;
    }
    let mut tx = state.db.pool.begin().await?;
    insert_plan(&mut tx, who, idem, p).await?;
    tx.commit().await
}

/// Most writes committed in one transaction by the group-commit writer.
const GROUP_MAX: usize = 256;

/// One write queued for the group-commit writer: its rows, idempotency record and audit
/// entries, and where to send the outcome once its transaction has committed (or failed).
pub struct Job {
    stmts: Vec<Stmt>,
    idem: Option<(String, String, i64, String)>,
    actor: String,
    audits: Vec<(String, String)>,
    done: Option<tokio::sync::oneshot::Sender<Result<(), sqlx::Error>>>,
}

impl Job {
    fn new(who: &Principal, idem: Option<&Idem>, p: &Plan) -> Self {
        Self {
            stmts: p.stmts.clone(),
            idem: idem.map(|i| {
                (
                    i.key.clone(),
                    i.request_hash.clone(),
                    i64::from(p.status.as_u16()),
                    p.response.to_string(),
                )
            }),
            actor: who.actor(),
            audits: vec![(p.action.clone(), p.target.clone())],
            done: None,
        }
    }
}

/// The group-commit writer of a SQLite store: one task, one connection at a time, that takes
/// every write queued while the previous transaction committed and commits them together.
/// Each write is acknowledged only after the transaction holding it has committed, so an
/// acknowledged write is as durable as one committed alone. When a group fails (a key another
/// process took first), each of its writes is committed again alone, so only the one at fault
/// sees the error (and its request retries from the reads).
#[derive(Default)]
pub struct Writer {
    queue: std::sync::OnceLock<tokio::sync::mpsc::UnboundedSender<Job>>,
    locking: std::sync::OnceLock<tokio::sync::mpsc::UnboundedSender<LockRequest>>,
}

/// A write on PostgreSQL waiting for the group writer to lock its account.
struct LockRequest {
    account: String,
    turn: tokio::sync::oneshot::Sender<Turn>,
}

/// A request's turn in the PostgreSQL group writer: its account is locked; it sends its plan
/// (or drops the sender when refused) and waits for the group's commit.
struct Turn {
    plan: tokio::sync::oneshot::Sender<Job>,
    done: tokio::sync::oneshot::Receiver<Result<(), sqlx::Error>>,
}

impl std::fmt::Debug for Writer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Writer").finish_non_exhaustive()
    }
}

impl Writer {
    /// PostgreSQL: queues a write on `account` and waits until the group writer holds the
    /// account's row lock for it.
    async fn lock_turn(&self, state: &AppState, account: &str) -> Result<Turn, sqlx::Error> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let queue = self.locking.get_or_init(|| {
            let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
            tokio::spawn(locking_writer(state.db.clone(), rx));
            tx
        });
        let request = LockRequest {
            account: account.to_owned(),
            turn: tx,
        };
        if queue.send(request).is_err() {
            return Err(group_failed());
        }
        rx.await.map_err(|_| group_failed())
    }

    /// Queues `job` and waits for its transaction.
    async fn submit(&self, state: &AppState, mut job: Job) -> Result<(), sqlx::Error> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        job.done = Some(tx);
        let queue = self.queue.get_or_init(|| {
            let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
            tokio::spawn(group_writer(state.db.clone(), state.write_lock.clone(), rx));
            tx
        });
        if queue.send(job).is_err() {
            return Err(sqlx::Error::PoolClosed);
        }
        rx.await.unwrap_or(Err(sqlx::Error::PoolClosed))
    }
}

async fn group_writer(
    db: crate::db::Db,
    write_lock: std::sync::Arc<tokio::sync::Mutex<()>>,
    mut rx: tokio::sync::mpsc::UnboundedReceiver<Job>,
) {
    let mut jobs = Vec::with_capacity(GROUP_MAX);
    while rx.recv_many(&mut jobs, GROUP_MAX).await > 0 {
        let _turn = write_lock.lock().await;
        match commit_jobs(&db, &jobs).await {
            Ok(()) => {
                for j in &mut jobs {
                    if let Some(d) = j.done.take() {
                        let _ = d.send(Ok(()));
                    }
                }
            }
            Err(_) if jobs.len() > 1 => {
                for j in &mut jobs {
                    let r = commit_jobs(&db, std::slice::from_ref(j)).await;
                    if let Some(d) = j.done.take() {
                        let _ = d.send(r);
                    }
                }
            }
            Err(e) => {
                if let Some(d) = jobs.first_mut().and_then(|j| j.done.take()) {
                    let _ = d.send(Err(e));
                }
            }
        }
        jobs.clear();
    }
}

/// The PostgreSQL group writer: for each group of queued writes, one transaction that locks
/// each write's account in turn, takes its plan, inserts it (under a savepoint, so a write at
/// fault fails alone) and finally appends the group's audit entries and commits once — one WAL
/// flush for the group. Each write is acknowledged after that commit.
async fn locking_writer(
    db: crate::db::Db,
    mut rx: tokio::sync::mpsc::UnboundedReceiver<LockRequest>,
) {
    let mut requests = Vec::with_capacity(GROUP_MAX);
    while rx.recv_many(&mut requests, GROUP_MAX).await > 0 {
        locked_group(&db, &mut requests).await;
        requests.clear();
    }
}

async fn locked_group(db: &crate::db::Db, requests: &mut Vec<LockRequest>) {
    // Requests dropped unanswered see `group_failed` and retry.
    let Ok(mut tx) = db.pool.begin().await else {
        return;
    };
    // Every account of the group locked by one statement, in id order: two processes' groups
    // then never wait for each other in a cycle.
    let mut ids: Vec<&str> = requests.iter().map(|r| r.account.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    let list: Vec<String> = (1..=ids.len()).map(|i| format!("${i}")).collect();
    let sql = format!(
        "SELECT id FROM accounts WHERE id IN ({}) ORDER BY id FOR UPDATE",
        list.join(", ")
    );
    let mut q = sqlx::query(&sql);
    for id in &ids {
        q = q.bind(*id);
    }
    if q.fetch_all(&mut *tx).await.is_err() {
        return;
    }
    // Every write of the group plans now, side by side, and hands its plan back.
    let mut waiting = Vec::with_capacity(requests.len());
    for r in requests.drain(..) {
        let (plan_tx, plan_rx) = tokio::sync::oneshot::channel();
        let (done_tx, done_rx) = tokio::sync::oneshot::channel();
        let turn = Turn {
            plan: plan_tx,
            done: done_rx,
        };
        if r.turn.send(turn).is_ok() {
            waiting.push((plan_rx, done_tx));
        }
    }
    let mut jobs: Vec<(Job, tokio::sync::oneshot::Sender<Result<(), sqlx::Error>>)> =
        Vec::with_capacity(waiting.len());
    for (plan_rx, done_tx) in waiting {
        // A refused plan drops its sender.
        if let Ok(job) = plan_rx.await {
            jobs.push((job, done_tx));
        }
    }
    // The group's rows in one go; when that fails, each write alone under its savepoint, so
    // only the one at fault fails.
    let together = async {
        sqlx::query("SAVEPOINT g").execute(&mut *tx).await?;
        let idem = idempotency_rows(jobs.iter().map(|(j, _)| j));
        let stmts = jobs.iter().flat_map(|(j, _)| &j.stmts).chain(&idem);
        match execute_grouped(&mut tx, stmts).await {
            Ok(_) => {
                sqlx::query("RELEASE SAVEPOINT g").execute(&mut *tx).await?;
                Ok(true)
            }
            Err(_) => {
                sqlx::query("ROLLBACK TO SAVEPOINT g")
                    .execute(&mut *tx)
                    .await?;
                Ok::<_, sqlx::Error>(false)
            }
        }
    }
    .await;
    let written = match together {
        Ok(true) => jobs,
        Ok(false) => {
            let mut written = Vec::with_capacity(jobs.len());
            for (job, done) in jobs {
                let alone = async {
                    sqlx::query("SAVEPOINT w").execute(&mut *tx).await?;
                    match insert_job(&mut tx, &job).await {
                        Ok(()) => {
                            sqlx::query("RELEASE SAVEPOINT w").execute(&mut *tx).await?;
                            Ok(Ok(()))
                        }
                        Err(e) => {
                            sqlx::query("ROLLBACK TO SAVEPOINT w")
                                .execute(&mut *tx)
                                .await?;
                            Ok::<_, sqlx::Error>(Err(e))
                        }
                    }
                }
                .await;
                match alone {
                    Ok(Ok(())) => written.push((job, done)),
                    Ok(Err(e)) => {
                        let _ = done.send(Err(e));
                    }
                    // The transaction is gone: every write of the group plans again.
                    Err(_) => return,
                }
            }
            written
        }
        Err(_) => return,
    };
    let entries: Vec<(&str, &str, &str)> = written
        .iter()
        .flat_map(|(j, _)| {
            j.audits
                .iter()
                .map(|(a, t)| (j.actor.as_str(), a.as_str(), t.as_str()))
        })
        .collect();
    let r = async {
        audit_entries(&mut tx, &entries).await?;
        tx.commit().await
    }
    .await;
    let ok = r.is_ok();
    for (_, done) in written {
        let _ = done.send(if ok { Ok(()) } else { Err(group_failed()) });
    }
}

/// The idempotency records of `jobs`.
fn idempotency_rows<'j>(jobs: impl Iterator<Item = &'j Job>) -> Vec<Stmt> {
    let at = now();
    jobs.filter_map(|j| j.idem.as_ref())
        .map(|(key, hash, status, response)| {
            crate::stmt!(
                INSERT_IDEMPOTENCY,
                key.clone(),
                hash.clone(),
                *status,
                response.clone(),
                at.clone()
            )
        })
        .collect()
}

/// Inserts one write's rows and idempotency record.
async fn insert_job(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    job: &Job,
) -> Result<(), sqlx::Error> {
    let idem = idempotency_rows(std::iter::once(job));
    execute_grouped(tx, job.stmts.iter().chain(&idem))
        .await
        .map(drop)
}

/// Commits `jobs` in one transaction, their audit entries chained in order.
async fn commit_jobs(db: &crate::db::Db, jobs: &[Job]) -> Result<(), sqlx::Error> {
    let mut tx = db.pool.begin().await?;
    let idem = idempotency_rows(jobs.iter());
    execute_grouped(&mut tx, jobs.iter().flat_map(|j| &j.stmts).chain(&idem)).await?;
    let entries: Vec<(&str, &str, &str)> = jobs
        .iter()
        .flat_map(|j| {
            j.audits
                .iter()
                .map(|(a, t)| (j.actor.as_str(), a.as_str(), t.as_str()))
        })
        .collect();
    audit_entries(&mut tx, &entries).await?;
    tx.commit().await
}

const INSERT_IDEMPOTENCY: &str = "INSERT INTO idempotency (key, request_hash, status, response, created_at) VALUES ($1, $2, $3, $4, $5)";

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
/// transaction — the end-of-day job's batch — as multi-row inserts. Returns how many rows
/// were written per statement text (a statement with `ON CONFLICT DO NOTHING` writes none
/// the second time).
///
/// # Errors
/// Storage errors; the transaction is rolled back.
pub async fn commit_batch(
    state: &AppState,
    who: &Principal,
    stmts: &[Stmt],
    audits: &[(String, String)],
) -> Result<Vec<(&'static str, u64)>, sqlx::Error> {
    let _guard = writer_turn(state).await;
    let mut tx = state.db.pool.begin().await?;
    let affected = execute_grouped(&mut tx, stmts).await?;
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
    let entries: Vec<(&str, &str, &str)> = entries.iter().map(|(a, t)| (actor, *a, *t)).collect();
    audit_entries(tx, &entries).await
}

/// Appends audit entries `(actor, action, target)`, chained after the last one.
async fn audit_entries(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    entries: &[(&str, &str, &str)],
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
    let mut rows = Vec::with_capacity(entries.len());
    for (actor, action, target) in entries {
        let hash = audit_hash(&prev, seq, &at, actor, action, target);
        rows.push(crate::stmt!(
            "INSERT INTO audit_log (seq, at, actor, action, target, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            seq,
            at.clone(),
            *actor,
            *action,
            *target,
            prev,
            hash.clone()
        ));
        prev = hash;
        seq += 1;
    }
    execute_grouped(tx, &rows).await.map(drop)
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

//! The end-of-day job: fines on every loan, reminders, classification and the reconciliation
//! checks, once per date.
//!
//! The loans' events are read in one query and folded through the core's typed API (no JSON
//! round trip per loan); the fines and reminders of a chunk of loans are written in one
//! transaction, with one audit entry per fine as a single request would write. While a chunk is
//! computed and written its loans' account locks are held, and each loan's last stored sequence
//! is checked against the events read, so a payment that arrived in between is folded too.

use std::collections::HashMap;

use axum::http::StatusCode;
use chrono::NaiveDate;
use serde::Deserialize as _;
use serde_json::{Value, json};
use windeep_core::account::{LoanAccount, StoredEvent, loan_fines, replay};
use windeep_core::books::BookLoan;
use windeep_core::classification::{ClassificationPolicy, classify};
use windeep_core::fines::FineRule;
use windeep_core::money::Money;
use windeep_core::prelude::{AlertConfig, Books, CoreError, Currency, LoanEvent, check_books};

use crate::AppState;
use crate::auth::Principal;
use crate::db::{is_retryable, now};
use crate::error::{ApiError, ApiResult};
use crate::stmt;
use crate::store::{Plan, Stmt, commit_batch, write};

/// Loans written per transaction.
const CHUNK: usize = 1000;

/// Attempts of one chunk against other processes' writers.
const CHUNK_ATTEMPTS: u32 = 20;

const INSERT_EVENT: &str =
    "INSERT INTO events (account_id, sequence, hash, body, created_at) VALUES ($1, $2, $3, $4, $5)";
const INSERT_OUTBOX_ONCE: &str = "INSERT INTO outbox (id, kind, member_id, account_id, body, created_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO NOTHING";

/// A stored event row: `(sequence, hash, body)`.
type Row = (i64, String, String);

/// One loan to process.
#[derive(Clone)]
struct Loan {
    id: String,
    member: String,
    product: Option<String>,
}

/// What one loan's day produced.
#[derive(Default)]
struct Day {
    /// Inserts of fine events, in order.
    events: Vec<Stmt>,
    /// Inserts of reminders (each once).
    notes: Vec<Stmt>,
    /// Audit targets, one per fine stored.
    audits: usize,
    /// Refusals, as `{"loan_id", "code"}`.
    errors: Vec<Value>,
    /// The loan as stored once the day's rows are written (its events parsed and in their
    /// stored form), for the books; none when its stored events do not read.
    book: Option<BookLoan>,
}

/// Runs (or replays) the end of day of `as_of`.
///
/// # Errors
/// Storage errors.
pub async fn run(
    state: &AppState,
    who: &Principal,
    as_of: NaiveDate,
) -> ApiResult<(StatusCode, Value)> {
    let _job = state.job_lock.lock().await;
    // Housekeeping by the wall clock, whatever the date run: expired portal sessions and
    // sign-in codes go.
    crate::portal::purge_expired(state).await?;
    let done: Option<(String,)> =
        sqlx::query_as("SELECT result FROM jobs WHERE name = 'end_of_day' AND as_of = $1")
            .bind(as_of.to_string())
            .fetch_optional(&state.db.pool)
            .await?;
    if let Some((r,)) = done {
        let v: Value = serde_json::from_str(&r).unwrap_or(Value::Null);
        return Ok((
            StatusCode::OK,
            json!({"as_of": as_of.to_string(), "already_run": true, "result": v}),
        ));
    }
    let loans: Vec<(String, String, Option<String>)> = sqlx::query_as(
        "SELECT id, member_id, product_id FROM accounts WHERE kind = 'loan' ORDER BY id",
    )
    .fetch_all(&state.db.pool)
    .await?;
    let loans: Vec<Loan> = loans
        .into_iter()
        .map(|(id, member, product)| Loan {
            id,
            member,
            product,
        })
        .collect();
    let started = std::time::Instant::now();
    let rules = std::sync::Arc::new(product_rules(state).await?);
    let mut rows = loan_events(state).await?;
    let read = started.elapsed();

    let mut levied = 0u64;
    let mut notes = 0u64;
    let mut errors = Vec::new();
    // Every loan as the job leaves it, in the books' order; none once one does not read.
    let mut book_loans = Some(Vec::with_capacity(loans.len()));
    for chunk in loans.chunks(CHUNK) {
        let mut attempt = 0;
        loop {
            let mut guards = Vec::with_capacity(chunk.len());
            for l in chunk {
                guards.push(state.account_lock(&l.id).await);
            }
            // A loan written since the events were read (a payment of this or another
            // process) is read again.
            let last = last_sequences(state).await?;
            for l in chunk {
                let have = rows.get(&l.id).and_then(|r| r.last()).map(|r| r.0);
                if have != last.get(&l.id).copied() {
                    let fresh: Vec<Row> = sqlx::query_as(
                        "SELECT sequence, hash, body FROM events WHERE account_id = $1 ORDER BY sequence",
                    )
                    .bind(&l.id)
                    .fetch_all(&state.db.pool)
                    .await?;
                    rows.insert(l.id.clone(), fresh);
                }
            }
            // The chunk's events leave the map: after this attempt they are written or, on a
            // retry, read again.
            let work: Vec<(Loan, Vec<Row>)> = chunk
                .iter()
                .map(|l| (l.clone(), rows.remove(&l.id).unwrap_or_default()))
                .collect();
            let rules = rules.clone();
            let mut days = tokio::task::spawn_blocking(move || fold_chunk(&work, &rules, as_of))
                .await
                .map_err(|e| ApiError::invalid(format!("end of day: {e}")))?;
            let mut stmts = Vec::new();
            let mut audits = Vec::new();
            for (l, d) in chunk.iter().zip(&mut days) {
                stmts.append(&mut d.events);
                for _ in 0..d.audits {
                    audits.push(("loan.fine_levied".to_owned(), l.id.clone()));
                }
                stmts.append(&mut d.notes);
            }
            match commit_batch(state, who, &stmts, &audits).await {
                Ok(affected) => {
                    levied += audits.len() as u64;
                    notes += affected
                        .iter()
                        .filter(|(sql, _)| *sql == INSERT_OUTBOX_ONCE)
                        .map(|(_, n)| n)
                        .sum::<u64>();
                    for d in &mut days {
                        errors.append(&mut d.errors);
                        match (d.book.take(), &mut book_loans) {
                            (Some(b), Some(all)) => all.push(b),
                            _ => book_loans = None,
                        }
                    }
                    // The chunk's loans now end with the rows just written; they are not read
                    // again by this job.
                    drop(guards);
                    break;
                }
                Err(e) if is_retryable(&e) && attempt < CHUNK_ATTEMPTS => {
                    drop(guards);
                    tracing::debug!(attempt, error = %e, "end of day lost a race; retrying the chunk");
                    attempt += 1;
                    for l in chunk {
                        rows.remove(&l.id);
                    }
                }
                Err(e) => return Err(e.into()),
            }
        }
    }
    drop(rows);
    let loans_done = started.elapsed();

    // The books once, in the core's type, for both the classification and the checks (the
    // `classify` and `check_books` operations, typed): the loans as this job folded them,
    // the rest (members, savings, fine rules) read from the store. A loan whose events do not
    // read makes the books unreadable, as the stored document would be.
    let books = match book_loans {
        Some(loans) => crate::routes::books_without_loans(state, as_of)
            .await?
            .map(|mut b| {
                b.loans = loans;
                b
            }),
        None => serde_json::from_str::<Books>(&crate::routes::books_json(state, as_of).await?),
    };
    let (classification, checks) = match books {
        Ok(books) => tokio::task::spawn_blocking(move || {
            let code = |e: CoreError| json!({"code": e.code()});
            // The two reports are independent: one thread each.
            std::thread::scope(|s| {
                let classification = s.spawn(|| {
                    classify(
                        &books.loans,
                        as_of,
                        &ClassificationPolicy::default(),
                        &[],
                        &[],
                        &Currency::default(),
                    )
                    .map_or_else(code, |c| serde_json::to_value(c).unwrap_or(Value::Null))
                });
                let checks = check_books(&books, &AlertConfig::default())
                    .map_or_else(code, |c| serde_json::to_value(c).unwrap_or(Value::Null));
                let classification = classification
                    .join()
                    .unwrap_or_else(|e| std::panic::resume_unwind(e));
                (classification, checks)
            })
        })
        .await
        .map_err(|e| ApiError::invalid(format!("end of day: {e}")))?,
        Err(e) => {
            let code =
                json!({"code": ApiError::from(windeep_core::wire::error_from_serde(&e)).code});
            (code.clone(), code)
        }
    };
    tracing::info!(
        loans = loans.len(),
        read_ms = read.as_millis() as u64,
        loans_ms = loans_done.as_millis() as u64,
        books_ms = (started.elapsed() - loans_done).as_millis() as u64,
        "end of day"
    );
    let result = json!({
        "loans": loans.len(), "fines_levied": levied, "notifications": notes, "errors": errors,
        "classification": classification["totals"].clone(), "checks": checks["summary"].clone(),
    });
    write(state, who, None, || async {
        Ok(Plan {
            stmts: vec![stmt!(
                "INSERT INTO jobs (name, as_of, result, created_at) VALUES ($1, $2, $3, $4)",
                "end_of_day",
                as_of.to_string(),
                result.to_string(),
                now()
            )],
            status: StatusCode::OK,
            response: json!({"as_of": as_of.to_string(), "already_run": false, "result": result}),
            action: "job.end_of_day".to_owned(),
            target: as_of.to_string(),
        })
    })
    .await
}

/// The days of a chunk of loans, in order, folded on a few threads (folding is CPU work; it
/// runs off the request threads).
fn fold_chunk(
    work: &[(Loan, Vec<Row>)],
    rules: &HashMap<String, Result<Vec<FineRule>, String>>,
    as_of: NaiveDate,
) -> Vec<Day> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get().clamp(1, 4));
    let per = work.len().div_ceil(threads).max(1);
    std::thread::scope(|s| {
        let parts: Vec<_> = work
            .chunks(per)
            .map(|part| {
                s.spawn(move || {
                    part.iter()
                        .map(|(l, r)| {
                            let product_rules = l.product.as_ref().and_then(|p| rules.get(p));
                            loan_day(l, r, product_rules, as_of)
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        parts
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    })
}

/// Every product's fine rules, read once; a product whose rules do not read gives the reading
/// error's code for each of its loans.
async fn product_rules(
    state: &AppState,
) -> ApiResult<HashMap<String, Result<Vec<FineRule>, String>>> {
    let products: Vec<(String, String)> = sqlx::query_as("SELECT id, body FROM products")
        .fetch_all(&state.db.pool)
        .await?;
    Ok(products
        .into_iter()
        .map(|(id, body)| {
            let rules = serde_json::from_str::<Value>(&body)
                .and_then(|v| match v.get("fine_rules") {
                    None | Some(Value::Null) => Ok(Vec::new()),
                    Some(r) => serde_json::from_value::<Vec<FineRule>>(r.clone()),
                })
                .map_err(|e| ApiError::from(windeep_core::wire::error_from_serde(&e)).code);
            (id, rules)
        })
        .collect())
}

/// Every loan's events, in one query.
async fn loan_events(state: &AppState) -> ApiResult<HashMap<String, Vec<Row>>> {
    let all: Vec<(String, i64, String, String)> = sqlx::query_as(
        "SELECT e.account_id, e.sequence, e.hash, e.body FROM events e JOIN accounts a ON a.id = e.account_id WHERE a.kind = 'loan' ORDER BY e.account_id, e.sequence",
    )
    .fetch_all(&state.db.pool)
    .await?;
    let mut by: HashMap<String, Vec<Row>> = HashMap::new();
    for (a, s, h, b) in all {
        by.entry(a).or_default().push((s, h, b));
    }
    Ok(by)
}

/// Every account's last stored sequence.
async fn last_sequences(state: &AppState) -> ApiResult<HashMap<String, i64>> {
    let rows: Vec<(String, i64)> =
        sqlx::query_as("SELECT account_id, MAX(sequence) FROM events GROUP BY account_id")
            .fetch_all(&state.db.pool)
            .await?;
    Ok(rows.into_iter().collect())
}

/// One loan's day: the fines the core levies (sealed after the last stored event and
/// admitted by the core, a duplicate skipped), then the reminders its state after them asks
/// for.
fn loan_day(
    loan: &Loan,
    rows: &[Row],
    rules: Option<&Result<Vec<FineRule>, String>>,
    as_of: NaiveDate,
) -> Day {
    let mut day = Day::default();
    let refuse = |day: &mut Day, code: &str| {
        day.errors.push(json!({"loan_id": loan.id, "code": code}));
    };
    let events: Result<Vec<(LoanEvent, StoredEvent)>, _> = rows
        .iter()
        .map(|r| {
            let v: Value = serde_json::from_str(&r.2)?;
            Ok::<_, serde_json::Error>((LoanEvent::deserialize(&v)?, StoredEvent::from_json(&v)))
        })
        .collect();
    let (events, mut stored): (Vec<LoanEvent>, Vec<StoredEvent>) = match events {
        Ok(e) => e.into_iter().unzip(),
        Err(e) => {
            let code = ApiError::from(windeep_core::wire::error_from_serde(&e)).code;
            refuse(&mut day, &code);
            return day;
        }
    };
    let book = |events: Vec<LoanEvent>, stored: Vec<StoredEvent>| BookLoan {
        member: loan.member.clone(),
        events,
        stored,
        npa: Vec::new(),
        cached: None,
        security_value: None,
    };
    let rules: &[FineRule] = match rules {
        Some(Ok(r)) => r,
        Some(Err(code)) => {
            refuse(&mut day, code);
            day.book = Some(book(events, stored));
            return day;
        }
        None => &[],
    };
    let fines = match loan_fines(&events, as_of, rules, None) {
        Ok(f) => f.events,
        Err(e) => {
            refuse(&mut day, e.code());
            day.book = Some(book(events, stored));
            return day;
        }
    };
    // The events as stored once this day's fines are written.
    let mut kept = events.clone();
    let mut last = rows.last().map(|r| (r.0, r.1.clone()));
    let mut events = events;
    if !fines.is_empty() {
        let mut account = match LoanAccount::new(events) {
            Ok(a) => a,
            Err(e) => {
                refuse(&mut day, e.code());
                day.book = Some(book(kept, stored));
                return day;
            }
        };
        for f in fines {
            let seq = last.as_ref().map_or(1, |l| l.0 + 1);
            let mut event = LoanEvent {
                id: format!("{}-{seq}", loan.id),
                sequence: u64::try_from(seq).unwrap_or_default(),
                value_date: f.value_date,
                idempotency_key: f.idempotency_key,
                prev_hash: last.as_ref().map(|l| l.1.clone()),
                hash: None,
                body: f.body,
            };
            event.hash = Some(event.hash());
            let outcome = match account.push(event.clone()) {
                Ok(o) => o,
                Err(e) => {
                    refuse(&mut day, e.code());
                    break;
                }
            };
            if outcome.result == "duplicate" {
                continue;
            }
            let text = match serde_json::to_string(&event) {
                Ok(t) => t,
                Err(e) => {
                    refuse(&mut day, &ApiError::invalid(e.to_string()).code);
                    break;
                }
            };
            let hash = event.hash.clone().unwrap_or_default();
            stored.push(StoredEvent::of(&event));
            kept.push(event);
            day.events.push(stmt!(
                INSERT_EVENT,
                loan.id.clone(),
                seq,
                hash.clone(),
                text,
                now()
            ));
            day.audits += 1;
            last = Some((seq, hash));
        }
        events = account.events().to_vec();
    }
    // Reminders from the core's state of the loan after its fines.
    let replayed = replay(&events, as_of);
    day.book = Some(book(kept, stored));
    let Ok(st) = replayed else {
        return day;
    };
    let s = &st.state;
    if !matches!(s.status.as_str(), "active" | "npa" | "overdue") {
        return day;
    }
    let remind_on = as_of + chrono::Days::new(3);
    for i in &s.installments {
        if i.due_on == remind_on && i.unpaid != Money::ZERO {
            let n = i.number;
            day.notes.push(stmt!(
                INSERT_OUTBOX_ONCE,
                format!("due-{}-{n}", loan.id),
                "emi_due_in_3_days",
                loan.member.clone(),
                loan.id.clone(),
                json!({"loan_id": loan.id, "installment": n, "due_on": i.due_on.to_string(), "amount": i.unpaid}).to_string(),
                now()
            ));
        }
    }
    if s.days_past_due > 0 {
        day.notes.push(stmt!(
            INSERT_OUTBOX_ONCE,
            format!("overdue-{}-{as_of}", loan.id),
            "overdue",
            loan.member.clone(),
            loan.id.clone(),
            json!({"loan_id": loan.id, "days_past_due": s.days_past_due, "as_of": as_of.to_string()}).to_string(),
            now()
        ));
    }
    day
}

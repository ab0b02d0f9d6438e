//! Each loan's events, parsed once and kept, checked against the store on every use.
//!
//! A write to a loan needs all its events (the core folds them). Reading and parsing them all
//! for every payment costs more than the payment; so the parsed events are kept, and each use
//! reads only the rows from the last one kept onwards. That row must still be there with the
//! same hash (events are append-only, so it always is unless the store was replaced); if it is
//! not, the loan is read again in full. The store stays the only truth: a row written by
//! another process is read like any other.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use windeep_core::prelude::LoanEvent;

use crate::AppState;
use crate::error::{ApiError, ApiResult};
use crate::routes::{Account, load_account, load_events};

/// Loans kept at most; beyond it an arbitrary one is dropped (and read in full when next
/// used).
const CAPACITY: usize = 20_000;

/// A loan as the last use left it.
#[derive(Clone)]
struct Entry {
    account: Account,
    events: Arc<Vec<LoanEvent>>,
    last: (i64, String),
}

/// The kept loans, by id.
#[derive(Default)]
pub struct Cache {
    loans: Mutex<HashMap<String, Entry>>,
}

impl std::fmt::Debug for Cache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cache").finish_non_exhaustive()
    }
}

impl Cache {
    fn get(&self, id: &str) -> Option<Entry> {
        self.loans
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(id)
            .cloned()
    }

    fn put(&self, id: &str, entry: Entry) {
        let mut map = self.loans.lock().unwrap_or_else(PoisonError::into_inner);
        if map.len() >= CAPACITY
            && !map.contains_key(id)
            && let Some(k) = map.keys().next().cloned()
        {
            map.remove(&k);
        }
        map.insert(id.to_owned(), entry);
    }
}

/// A loan's account and all its stored events in order, with the last one's `(sequence,
/// hash)`.
pub struct Loan {
    /// The account row.
    pub account: Account,
    /// Every stored event, parsed, in sequence order.
    pub events: Arc<Vec<LoanEvent>>,
    /// The last event's sequence and hash (none before the first).
    pub last: Option<(i64, String)>,
}

fn parse(body: &str) -> ApiResult<LoanEvent> {
    serde_json::from_str(body).map_err(|e| ApiError::from(windeep_core::wire::error_from_serde(&e)))
}

/// The loan `id` as stored now.
///
/// # Errors
/// `E_NOT_FOUND`; storage errors; a stored event that does not read.
pub async fn loan(state: &AppState, id: &str) -> ApiResult<Loan> {
    if let Some(e) = state.histories.get(id) {
        let rows: Vec<(i64, String, String)> = sqlx::query_as(
            "SELECT sequence, hash, body FROM events WHERE account_id = $1 AND sequence >= $2 ORDER BY sequence",
        )
        .bind(id)
        .bind(e.last.0)
        .fetch_all(&state.db.pool)
        .await?;
        if rows
            .first()
            .is_some_and(|(s, h, _)| *s == e.last.0 && *h == e.last.1)
        {
            let mut entry = e;
            if rows.len() > 1 {
                let mut events = Vec::with_capacity(entry.events.len() + rows.len() - 1);
                events.extend(entry.events.iter().cloned());
                for (_, _, b) in &rows[1..] {
                    events.push(parse(b)?);
                }
                if let Some((s, h, _)) = rows.last() {
                    entry.last = (*s, h.clone());
                }
                entry.events = Arc::new(events);
                state.histories.put(id, entry.clone());
            }
            return Ok(Loan {
                account: entry.account,
                events: entry.events,
                last: Some(entry.last),
            });
        }
    }
    let account = load_account(state, id, "loan").await?;
    let rows = load_events(state, id).await?;
    let events = rows
        .iter()
        .map(|(_, _, b)| parse(b))
        .collect::<ApiResult<Vec<_>>>()?;
    let events = Arc::new(events);
    let last = rows.last().map(|(s, h, _)| (*s, h.clone()));
    if let Some(last) = &last {
        state.histories.put(
            id,
            Entry {
                account: account.clone(),
                events: events.clone(),
                last: last.clone(),
            },
        );
    }
    Ok(Loan {
        account,
        events,
        last,
    })
}

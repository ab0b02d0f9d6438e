//! Event-envelope admission: the one place that decides whether an event's id, sequence and
//! idempotency key let it into an account's history (loan accounts, savings accounts and the
//! books that post from both).
//!
//! Rules, in arrival (sequence) order:
//! * `id` and `idempotency_key` must not be blank (`E_BLANK_IDENTIFIER`);
//! * a sequence and an id are used once per account (`E_INVALID_EVENT`);
//! * an idempotency key seen before with an identical body makes the event a duplicate of the
//!   first one (it changes nothing); with a different body it is a conflict
//!   (`E_IDEMPOTENCY_CONFLICT`, naming the first field that differs).

use std::collections::{HashMap, HashSet};

use serde::Serialize;
use serde_json::Value;

use crate::error::{CoreError, Result};

/// What admission reads of an event.
pub(crate) trait Envelope {
    /// The body the idempotency rule compares.
    type Body: PartialEq + Serialize;
    /// Unique id of the event within its account.
    fn id(&self) -> &str;
    /// Place in the account's append order.
    fn sequence(&self) -> u64;
    /// Caller's idempotency key.
    fn idempotency_key(&self) -> &str;
    /// What happened.
    fn body(&self) -> &Self::Body;
}

/// Refuses a blank id or idempotency key.
///
/// # Errors
/// `E_BLANK_IDENTIFIER`.
pub(crate) fn require_identifiers<E: Envelope + ?Sized>(e: &E) -> Result<()> {
    if e.id().trim().is_empty() {
        return Err(CoreError::BlankIdentifier { field: "id" });
    }
    if e.idempotency_key().trim().is_empty() {
        return Err(CoreError::BlankIdentifier {
            field: "idempotency_key",
        });
    }
    Ok(())
}

/// The verdict on one admitted event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Admitted<'a> {
    /// A new key: the event takes effect.
    New,
    /// The key was applied before with the same body, by the event with this id.
    Duplicate(&'a str),
}

/// The ids, sequences and keys of an account seen so far.
pub(crate) struct Admission<'a, E: Envelope> {
    ids: HashSet<&'a str>,
    sequences: HashSet<u64>,
    keys: HashMap<&'a str, &'a E>,
}

impl<'a, E: Envelope> Admission<'a, E> {
    /// An empty admission, sized for `capacity` events.
    pub(crate) fn with_capacity(capacity: usize) -> Self {
        Self {
            ids: HashSet::with_capacity(capacity),
            sequences: HashSet::with_capacity(capacity),
            keys: HashMap::with_capacity(capacity),
        }
    }

    /// Admits `e`, which must arrive after every event admitted so far (sequence order).
    ///
    /// # Errors
    /// `E_BLANK_IDENTIFIER`, `E_INVALID_EVENT` (id or sequence used twice),
    /// `E_IDEMPOTENCY_CONFLICT`. On error nothing is recorded.
    pub(crate) fn admit(&mut self, e: &'a E) -> Result<Admitted<'a>> {
        require_identifiers(e)?;
        if self.sequences.contains(&e.sequence()) {
            return Err(CoreError::InvalidEvent {
                reason: format!("sequence {} is used twice", e.sequence()),
            });
        }
        if self.ids.contains(e.id()) {
            return Err(CoreError::InvalidEvent {
                reason: format!("event id {:?} is used twice", e.id()),
            });
        }
        let verdict = match self.keys.get(e.idempotency_key()) {
            Some(first) if first.body() == e.body() => Admitted::Duplicate(first.id()),
            Some(first) => {
                return Err(CoreError::IdempotencyConflict {
                    key: e.idempotency_key().to_owned(),
                    field: differing_field(first.body(), e.body()),
                });
            }
            None => {
                self.keys.insert(e.idempotency_key(), e);
                Admitted::New
            }
        };
        self.sequences.insert(e.sequence());
        self.ids.insert(e.id());
        Ok(verdict)
    }
}

/// Admits `events` in sequence order and returns, for each duplicate, the id of the event
/// that applied its key first.
///
/// # Errors
/// As [`Admission::admit`].
pub(crate) fn admit_all<'a, E: Envelope>(
    by_sequence: &[&'a E],
) -> Result<HashMap<&'a str, &'a str>> {
    let mut admission = Admission::with_capacity(by_sequence.len());
    let mut duplicates = HashMap::new();
    for e in by_sequence {
        if let Admitted::Duplicate(first) = admission.admit(*e)? {
            duplicates.insert(e.id(), first);
        }
    }
    Ok(duplicates)
}

/// The dotted path (from `body`) of the first field whose value differs between two bodies,
/// fields compared in name order.
fn differing_field<B: Serialize>(a: &B, b: &B) -> String {
    match (serde_json::to_value(a), serde_json::to_value(b)) {
        (Ok(a), Ok(b)) => first_difference(&a, &b, "body"),
        _ => "body".to_owned(),
    }
}

fn first_difference(a: &Value, b: &Value, path: &str) -> String {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let mut names: Vec<&String> = x.keys().chain(y.keys()).collect();
            names.sort();
            names.dedup();
            for name in names {
                let (u, v) = (x.get(name), y.get(name));
                if u != v {
                    let inner = format!("{path}.{name}");
                    return match (u, v) {
                        (Some(u), Some(v)) => first_difference(u, v, &inner),
                        _ => inner,
                    };
                }
            }
            path.to_owned()
        }
        _ => path.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn names_the_innermost_differing_field() {
        let a = json!({"type": "payment_received", "amount": "10.00", "x": {"y": 1, "z": 2}});
        let b = json!({"type": "payment_received", "amount": "10.00", "x": {"y": 1, "z": 3}});
        assert_eq!(first_difference(&a, &b, "body"), "body.x.z");
        let c = json!({"type": "payment_received", "amount": "11.00", "x": {"y": 1, "z": 2}});
        assert_eq!(first_difference(&a, &c, "body"), "body.amount");
        let d = json!({"type": "fine_levied"});
        assert_eq!(first_difference(&a, &d, "body"), "body.amount");
        assert_eq!(first_difference(&json!(1), &json!(2), "body"), "body");
    }
}

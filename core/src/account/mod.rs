//! The loan account: a fold over ordered events.
//!
//! State is never stored: [`replay`] derives it from the disbursement terms and the events
//! with a value date on or before `as_of`, in (value date, sequence) order. Repeating an
//! idempotency key changes nothing; a reversal makes the reversed payment disappear from the
//! fold, so the account is exactly as if it had never been received. The rules are written out
//! in `docs/account.md`.

mod canonical;
mod events;
mod quotes;
mod restructure;
mod state;
mod topup;
mod views;

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

pub use canonical::StoredEvent;
pub use events::{
    AccountPolicy, EventBody, ForeclosureRule, InterestOnlyMode, LoanEvent, PartPaymentMode,
    PaymentMode, RateChangeMode, SkipMode,
};
pub(crate) use state::{Account, Figures, RowFigures};
pub use topup::{TopUp, TopUpRequest, TopUpTerms, topup};
pub use views::{
    Closure, ClosureType, FineView, ForeclosureQuote, InstallmentStatus, InstallmentView,
    LoanState, LoanSummary, PastDueInstallment, RestructureView, TopUpQuote, WriteOffView,
};

use crate::allocation::Allocation;
use crate::envelope::{Admission, Admitted, admit_all};
use crate::error::{CoreError, Result};
use crate::fines::{FineAssessment, FineSnapshot};
use crate::money::{Money, format_date};
use crate::schedule::Schedule;

/// Watches a fold event by event: the books post from what each event moved.
pub(crate) trait Observer {
    /// Before an event is applied, with the account as it stands (not called for the
    /// disbursement, which opens the account).
    fn before(&mut self, event: &LoanEvent, account: &Account) -> Result<()>;
    /// After an event was applied (for the disbursement: right after the account opened).
    fn after(&mut self, event: &LoanEvent, account: &Account, outcome: &EventOutcome)
    -> Result<()>;
}

/// Folds the events dated on or before `as_of`, reporting each applied event to `observer`.
///
/// # Errors
/// As [`replay`].
pub(crate) fn fold_observed(
    events: &[LoanEvent],
    as_of: NaiveDate,
    observer: &mut dyn Observer,
) -> Result<Account> {
    fold_with(events, as_of, false, None, Some(observer)).map(|(a, _)| a)
}

/// What applying one event did.
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventOutcome {
    /// The event's id.
    pub event_id: String,
    /// `applied`, `duplicate` (its idempotency key was applied before), `reversed` (a payment
    /// later reversed, so it has no effect) or `not_yet_effective` (value date after `as_of`).
    pub result: String,
    /// For a duplicate: the id of the event that applied the key first.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duplicate_of: Option<String>,
    /// For a payment: how it was allocated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allocation: Option<Allocation>,
    /// For a payment with excess: where the excess went (the excess policy's name).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub excess_to: Option<String>,
    /// Interest collected outside the schedule (part-payment accrual, foreclosure interest).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interest_collected: Option<Money>,
    /// Charges collected (foreclosure prepayment charge).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub charge_collected: Option<Money>,
    /// For a top-up of an NPA parent: the interest collected from the new loan's proceeds,
    /// which stays in interest suspense (not income).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interest_to_suspense: Option<Money>,
}

impl EventOutcome {
    /// The outcome of an event applied with nothing further to report (yet).
    fn applied(event_id: &str) -> Self {
        Self {
            event_id: event_id.to_owned(),
            result: "applied".to_owned(),
            duplicate_of: None,
            allocation: None,
            excess_to: None,
            interest_collected: None,
            charge_collected: None,
            interest_to_suspense: None,
        }
    }
}

/// The account as of a date, and what each event did.
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Replay {
    /// Derived state.
    pub state: LoanState,
    /// One outcome per input event, in (value date, sequence) order.
    pub outcomes: Vec<EventOutcome>,
}

fn invalid(reason: impl Into<String>) -> CoreError {
    CoreError::InvalidEvent {
        reason: reason.into(),
    }
}

/// Replays a loan's events and derives its state as of `as_of`.
///
/// # Errors
/// `E_INVALID_EVENT` (no or repeated disbursement, repeated sequence, event before the
/// disbursement), `E_IDEMPOTENCY_CONFLICT`, `E_UNKNOWN_EVENT`, `E_LOAN_CLOSED`, and every
/// refusal of an individual event (see `docs/account.md`).
///
/// # Example
/// ```
/// use windeep_core::{account::replay, parse_date, account::LoanEvent};
/// let events: Vec<LoanEvent> = serde_json::from_str(r#"[
///   {"id": "d", "sequence": 1, "value_date": "2026-01-05", "idempotency_key": "d",
///    "body": {"type": "disbursed", "loan_id": "LN1", "terms": {"principal": "100000",
///      "annual_rate": "12", "tenure": 12, "disbursed_on": "2026-01-05",
///      "first_due_on": "2026-02-05"}}},
///   {"id": "p1", "sequence": 2, "value_date": "2026-02-05", "idempotency_key": "utr-1",
///    "body": {"type": "payment_received", "amount": "8884.88"}}]"#).unwrap();
/// let r = replay(&events, parse_date("2026-02-28").unwrap()).unwrap();
/// assert_eq!(r.state.outstanding_principal.to_string(), "92115.12");
/// ```
pub fn replay(events: &[LoanEvent], as_of: NaiveDate) -> Result<Replay> {
    let (account, outcomes) = fold(events, as_of, true)?;
    Ok(Replay {
        state: account.view(as_of)?,
        outcomes,
    })
}

/// The state as of a date, without the per-event outcomes of [`replay`] (the audit's
/// replay of legacy payments). `schedule` is the schedule of the disbursement's terms, already
/// generated by the caller.
pub(crate) fn state_as_of(
    events: &[LoanEvent],
    as_of: NaiveDate,
    schedule: &Schedule,
) -> Result<LoanState> {
    let (account, _) = fold_with(events, as_of, false, Some(schedule), None)?;
    account.view(as_of)
}

/// The foreclosure quote of a loan for a settlement date (events up to that date applied).
///
/// # Errors
/// As [`replay`]; `E_LOAN_CLOSED` for a closed loan.
pub fn foreclosure_quote(
    events: &[LoanEvent],
    settlement_on: NaiveDate,
) -> Result<ForeclosureQuote> {
    let (account, _) = fold(events, settlement_on, false)?;
    account.open_quote(settlement_on)
}

/// What a top-up of `amount` on `on` settles on the parent and where the new loan starts.
///
/// # Errors
/// As [`replay`]; `E_LOAN_CLOSED` for a closed loan; `E_INVALID_AMOUNT` for a non-positive
/// amount.
pub fn topup_quote(events: &[LoanEvent], on: NaiveDate, amount: Money) -> Result<TopUpQuote> {
    topup_quote_restructured(events, on, amount, None)
}

/// [`topup_quote`] with the reason of an explicit restructure, which an NPA parent needs and
/// which lifts the `topup_max_overdue` limit.
///
/// # Errors
/// As [`topup_quote`]; `E_TOPUP_NOT_ELIGIBLE` when the parent is not eligible (fewer than
/// `topup_min_emis_paid` installments paid, more than `topup_max_overdue` installments past
/// due, fines unpaid, or NPA without a restructure).
pub fn topup_quote_restructured(
    events: &[LoanEvent],
    on: NaiveDate,
    amount: Money,
    restructure: Option<&str>,
) -> Result<TopUpQuote> {
    let (account, _) = fold(events, on, false)?;
    account.topup_quote(on, amount, restructure)
}

/// The end-of-day figures of one loan: what a daily job needs, without the full statement.
///
/// # Errors
/// As [`replay`].
///
/// # Example
/// ```
/// use windeep_core::{account::end_of_day, parse_date, account::LoanEvent};
/// let events: Vec<LoanEvent> = serde_json::from_str(r#"[
///   {"id": "d", "sequence": 1, "value_date": "2026-01-05", "idempotency_key": "d",
///    "body": {"type": "disbursed", "loan_id": "LN1", "terms": {"principal": "100000",
///      "annual_rate": "12", "tenure": 12, "disbursed_on": "2026-01-05",
///      "first_due_on": "2026-02-05"}}}]"#).unwrap();
/// let s = end_of_day(&events, parse_date("2026-03-07").unwrap()).unwrap();
/// assert_eq!(s.days_past_due, 30);
/// assert_eq!(s.overdue.len(), 2);
/// ```
pub fn end_of_day(events: &[LoanEvent], as_of: NaiveDate) -> Result<LoanSummary> {
    let (account, _) = fold(events, as_of, false)?;
    account.summary(as_of)
}

/// Folds the events; `record` keeps a per-event outcome (statements) or not (end of day).
fn fold(
    events: &[LoanEvent],
    as_of: NaiveDate,
    record: bool,
) -> Result<(Account, Vec<EventOutcome>)> {
    fold_with(events, as_of, record, None, None)
}

/// [`fold`], with the schedule of the disbursement's terms when the caller has it already,
/// and an observer that watches every applied event (the books).
fn fold_with(
    events: &[LoanEvent],
    as_of: NaiveDate,
    record: bool,
    schedule: Option<&Schedule>,
    mut observer: Option<&mut dyn Observer>,
) -> Result<(Account, Vec<EventOutcome>)> {
    // Arrival (sequence) order decides idempotency; value-date order decides the fold.
    let mut by_sequence: Vec<&LoanEvent> = events.iter().collect();
    by_sequence.sort_by_key(|e| e.sequence);
    let duplicate_of = admit_all(&by_sequence)?;
    let Some(first) = by_sequence.first() else {
        return Err(invalid("an account needs a disbursed event"));
    };
    let EventBody::Disbursed {
        loan_id,
        terms,
        policy,
        guarantors,
        ..
    } = &first.body
    else {
        return Err(invalid(
            "the first event (lowest sequence) must be disbursed",
        ));
    };
    if first.value_date != terms.disbursed_on {
        return Err(invalid(format!(
            "the disbursement {} is dated {} but its terms say disbursed_on {}",
            first.id,
            format_date(first.value_date),
            format_date(terms.disbursed_on)
        )));
    }
    let reversed = reversals(events, &by_sequence, &duplicate_of, as_of)?;

    let mut account = match schedule {
        Some(schedule) => {
            Account::from_schedule(loan_id, terms, schedule, policy, guarantors, record)?
        }
        None => Account::open(loan_id, terms, policy, guarantors, record)?,
    };
    let mut order: Vec<&LoanEvent> = events.iter().collect();
    order.sort_by_key(|e| (e.value_date, e.sequence));
    let mut outcomes = Vec::with_capacity(order.len());
    for e in order {
        let mut outcome = EventOutcome::applied(&e.id);
        if let Some(first_id) = duplicate_of.get(e.id.as_str()) {
            outcome.result = "duplicate".to_owned();
            outcome.duplicate_of = Some((*first_id).to_owned());
        } else if e.value_date > as_of {
            outcome.result = "not_yet_effective".to_owned();
        } else if reversed.contains(e.id.as_str()) {
            outcome.result = "reversed".to_owned();
        } else if e.sequence == first.sequence {
            // The disbursement opened the account.
            if let Some(o) = observer.as_deref_mut() {
                o.after(e, &account, &outcome)?;
            }
        } else {
            if e.value_date < first.value_date {
                return Err(invalid(format!(
                    "{} is dated {} before the disbursement",
                    e.id,
                    format_date(e.value_date)
                )));
            }
            if let Some(o) = observer.as_deref_mut() {
                o.before(e, &account)?;
            }
            account.apply(e, &mut outcome)?;
            if let Some(o) = observer.as_deref_mut() {
                o.after(e, &account, &outcome)?;
            }
        }
        if record {
            outcomes.push(outcome);
        }
    }
    Ok((account, outcomes))
}

/// The payments undone by the reversals in effect as of `as_of`.
///
/// One rule, which the books follow too since they post from this fold: a reversal (that is
/// not itself an idempotency duplicate) names an earlier payment (`payment_received`,
/// `interest_only_payment`, `part_payment`) that applied — not a duplicate — and no other
/// reversal names the same payment. Every reversal is checked, whatever its value date; only
/// those dated on or before `as_of` take effect.
///
/// # Errors
/// `E_NOT_ELIGIBLE` (no reason), `E_UNKNOWN_EVENT` (no such event), `E_INVALID_EVENT` (not an
/// earlier payment), `E_INVALID_REVERSAL` (a duplicate, or reversed already).
fn reversals<'a>(
    events: &'a [LoanEvent],
    by_sequence: &[&'a LoanEvent],
    duplicate_of: &HashMap<&str, &str>,
    as_of: NaiveDate,
) -> Result<HashSet<&'a str>> {
    let mut by_id: HashMap<&str, &LoanEvent> = HashMap::new();
    if by_sequence
        .iter()
        .any(|e| matches!(e.body, EventBody::PaymentReversed { .. }))
    {
        by_id.extend(events.iter().map(|e| (e.id.as_str(), e)));
    }
    let mut targeted: HashSet<&str> = HashSet::new();
    let mut reversed = HashSet::new();
    for e in by_sequence {
        let EventBody::PaymentReversed { event_id, reason } = &e.body else {
            continue;
        };
        if duplicate_of.contains_key(e.id.as_str()) {
            continue;
        }
        if reason.trim().is_empty() {
            return Err(CoreError::NotEligible {
                reason: "a reversal needs a reason".to_owned(),
            });
        }
        let target = by_id
            .get(event_id.as_str())
            .ok_or_else(|| CoreError::UnknownEvent {
                id: event_id.clone(),
            })?;
        let is_payment = matches!(
            target.body,
            EventBody::PaymentReceived { .. }
                | EventBody::InterestOnlyPayment { .. }
                | EventBody::PartPayment { .. }
        );
        if !is_payment || target.sequence > e.sequence || target.value_date > e.value_date {
            return Err(invalid(format!(
                "{} can only reverse an earlier payment, not {event_id:?}",
                e.id
            )));
        }
        if let Some(first) = duplicate_of.get(event_id.as_str()) {
            return Err(CoreError::InvalidReversal {
                reason: format!(
                    "{} reverses {event_id:?}, a duplicate of {first:?} that never applied",
                    e.id
                ),
            });
        }
        if !targeted.insert(target.id.as_str()) {
            return Err(CoreError::InvalidReversal {
                reason: format!("{} reverses {event_id:?}, which is reversed already", e.id),
            });
        }
        if e.value_date <= as_of {
            reversed.insert(target.id.as_str());
        }
    }
    Ok(reversed)
}

/// A loan account held in memory: its events and their fold, kept current as events arrive.
///
/// [`LoanAccount::push`] applies an event in place when it comes after every event already
/// applied (the usual case: today's payment) and replays everything otherwise (a back-dated
/// event or a reversal), so a server or a daily job does not re-fold a loan's whole history for
/// each new event. The result is always identical to [`replay`] over the same events.
///
/// # Example
/// ```
/// use windeep_core::{account::LoanAccount, account::LoanEvent, parse_date};
/// let events: Vec<LoanEvent> = serde_json::from_str(r#"[
///   {"id": "d", "sequence": 1, "value_date": "2026-01-05", "idempotency_key": "d",
///    "body": {"type": "disbursed", "loan_id": "LN1", "terms": {"principal": "100000",
///      "annual_rate": "12", "tenure": 12, "disbursed_on": "2026-01-05",
///      "first_due_on": "2026-02-05"}}}]"#).unwrap();
/// let mut account = LoanAccount::new(events).unwrap();
/// let pay: LoanEvent = serde_json::from_str(r#"{"id": "p1", "sequence": 2,
///   "value_date": "2026-02-05", "idempotency_key": "utr-1",
///   "body": {"type": "payment_received", "amount": "8884.88"}}"#).unwrap();
/// account.push(pay.clone()).unwrap();
/// let again = account.push(LoanEvent { id: "p1-again".into(), sequence: 3, ..pay }).unwrap();
/// assert_eq!(again.result, "duplicate");
/// let s = account.summary(parse_date("2026-03-06").unwrap()).unwrap();
/// assert_eq!(s.days_past_due, 1);
/// ```
pub struct LoanAccount {
    events: Vec<LoanEvent>,
    account: Account,
    last: (NaiveDate, u64),
}

impl LoanAccount {
    /// Folds `events` (all of them, whatever their value dates).
    ///
    /// # Errors
    /// As [`replay`].
    pub fn new(mut events: Vec<LoanEvent>) -> Result<Self> {
        events.shrink_to_fit();
        let last = events
            .iter()
            .map(|e| (e.value_date, e.sequence))
            .max()
            .unwrap_or_default();
        let (account, _) = fold(&events, last.0, false)?;
        Ok(Self {
            events,
            account,
            last,
        })
    }

    /// Applies one more event and says what it did.
    ///
    /// # Errors
    /// As [`replay`]; on error the account is unchanged.
    pub fn push(&mut self, event: LoanEvent) -> Result<EventOutcome> {
        let mut outcome = EventOutcome::applied(&event.id);
        // Admission in arrival order: the events held so far, then this one, which must come
        // after all of them.
        let mut by_sequence: Vec<&LoanEvent> = self.events.iter().collect();
        by_sequence.sort_by_key(|e| e.sequence);
        let mut admission = Admission::with_capacity(by_sequence.len() + 1);
        for e in &by_sequence {
            admission.admit(*e)?;
        }
        let verdict = admission.admit(&event)?;
        if let Some(last) = by_sequence.last()
            && event.sequence < last.sequence
        {
            return Err(invalid(format!(
                "sequence {} arrives after sequence {}",
                event.sequence, last.sequence
            )));
        }
        if let Admitted::Duplicate(first) = verdict {
            outcome.result = "duplicate".to_owned();
            outcome.duplicate_of = Some(first.to_owned());
            drop(admission);
            self.events.push(event);
            return Ok(outcome);
        }
        drop(admission);
        let in_order = (event.value_date, event.sequence) > self.last
            && !matches!(
                event.body,
                EventBody::PaymentReversed { .. } | EventBody::Disbursed { .. }
            );
        if in_order {
            // Apply to a copy so that a refused event leaves the account unchanged.
            let mut next = self.account.clone();
            next.apply(&event, &mut outcome)?;
            self.account = next;
            self.last = (event.value_date, event.sequence);
        } else {
            let mut all = self.events.clone();
            all.push(event.clone());
            let date = all
                .iter()
                .map(|e| e.value_date)
                .max()
                .unwrap_or(event.value_date);
            let (account, outcomes) = fold(&all, date, true)?;
            if let Some(o) = outcomes.into_iter().find(|o| o.event_id == event.id) {
                outcome = o;
            }
            self.account = account;
            self.last = self.last.max((event.value_date, event.sequence));
        }
        self.events.push(event);
        Ok(outcome)
    }

    /// End-of-day figures as of `as_of` (re-folds only if some event is dated after it).
    ///
    /// # Errors
    /// As [`replay`].
    pub fn summary(&self, as_of: NaiveDate) -> Result<LoanSummary> {
        if as_of >= self.last.0 {
            self.account.summary(as_of)
        } else {
            end_of_day(&self.events, as_of)
        }
    }

    /// The full statement as of `as_of`.
    ///
    /// # Errors
    /// As [`replay`].
    pub fn statement(&self, as_of: NaiveDate) -> Result<Replay> {
        replay(&self.events, as_of)
    }

    /// What the fine assessment reads as of `as_of` (re-folds only if some event is dated after
    /// it).
    ///
    /// # Errors
    /// As [`replay`].
    pub fn fine_snapshot(&self, as_of: NaiveDate, product: Option<String>) -> Result<FineSnapshot> {
        if as_of >= self.last.0 {
            self.account.fine_snapshot(as_of, product)
        } else {
            fine_snapshot(&self.events, as_of, product)
        }
    }

    /// The events received so far, in arrival order.
    #[must_use]
    pub fn events(&self) -> &[LoanEvent] {
        &self.events
    }
}

/// What the fine assessment reads about a loan as of a date (see [`crate::fines::assess_fines`]).
///
/// # Errors
/// As [`replay`].
pub fn fine_snapshot(
    events: &[LoanEvent],
    as_of: NaiveDate,
    product: Option<String>,
) -> Result<FineSnapshot> {
    let (account, _) = fold(events, as_of, false)?;
    account.fine_snapshot(as_of, product)
}

/// The `fine_levied` events that carry out fine assessments on a loan whose events are
/// `events`, value-dated `on`.
///
/// Each event is one **revision** of its fine: its id and idempotency key are
/// `fine:<loan>/<installment>/<rule>/<occurrence>:r<revision>`, where the revision is one more
/// than the number of `fine_levied` events of that fine already in `events` (counted whatever
/// their value date; the first levy is `r1`). So an event never collides with an earlier levy of
/// the same fine (even one of the same amount, as after a back-dated payment), and running the
/// job twice on the same events gives the same events, which fold as duplicates of each other.
/// If some id is already taken by an unrelated event, the revision is raised until it is free.
/// Sequences continue after the highest sequence in `events`.
///
/// # Example
/// ```
/// use windeep_core::{account::fine_events, parse_date};
/// assert!(fine_events(&[], &[], parse_date("2026-03-01").unwrap()).is_empty());
/// ```
#[must_use]
pub fn fine_events(
    events: &[LoanEvent],
    assessments: &[FineAssessment],
    on: NaiveDate,
) -> Vec<LoanEvent> {
    let next_sequence = events.iter().map(|e| e.sequence).max().unwrap_or(0) + 1;
    let taken: HashSet<&str> = events
        .iter()
        .flat_map(|e| [e.id.as_str(), e.idempotency_key.as_str()])
        .collect();
    let mut levies: HashMap<(u32, &str, u32), u32> = HashMap::new();
    for e in events {
        if let EventBody::FineLevied {
            installment,
            rule_id,
            occurrence,
            ..
        } = &e.body
        {
            *levies
                .entry((*installment, rule_id.as_str(), *occurrence))
                .or_default() += 1;
        }
    }
    assessments
        .iter()
        .zip(next_sequence..)
        .map(|(a, sequence)| {
            let rule_id = a.key.rule_id.to_string();
            let mut revision = levies
                .get(&(a.key.installment, rule_id.as_str(), a.key.occurrence))
                .copied()
                .unwrap_or(0)
                + 1;
            let mut key = format!("fine:{}:r{revision}", a.key);
            while taken.contains(key.as_str()) {
                revision += 1;
                key = format!("fine:{}:r{revision}", a.key);
            }
            LoanEvent {
                id: key.clone(),
                sequence,
                value_date: on,
                idempotency_key: key,
                prev_hash: None,
                hash: None,
                body: EventBody::FineLevied {
                    installment: a.key.installment,
                    rule_id,
                    occurrence: a.key.occurrence,
                    amount: a.amount,
                },
            }
        })
        .collect()
}

/// The `credit_applied` event that applies a loan's member credit to the dues fallen due on
/// or before `on` (none when there is no credit or nothing is due). A daily job appends it, so
/// no credit is held while an installment is past due. Its id and idempotency key are
/// `credit:<loan>:<date>:<amount>`: running the job twice the same day gives a duplicate.
///
/// # Errors
/// As [`replay`].
///
/// # Example
/// ```
/// use windeep_core::{account::credit_events, parse_date, account::LoanEvent};
/// let events: Vec<LoanEvent> = serde_json::from_str(r#"[
///   {"id": "d", "sequence": 1, "value_date": "2026-01-05", "idempotency_key": "d",
///    "body": {"type": "disbursed", "loan_id": "LN1", "terms": {"principal": "100000",
///      "annual_rate": "12", "tenure": 12, "disbursed_on": "2026-01-05",
///      "first_due_on": "2026-02-05"}}}]"#).unwrap();
/// assert!(credit_events(&events, parse_date("2026-03-01").unwrap(), 2).unwrap().is_empty());
/// ```
pub fn credit_events(
    events: &[LoanEvent],
    on: NaiveDate,
    next_sequence: u64,
) -> Result<Vec<LoanEvent>> {
    let (account, _) = fold(events, on, false)?;
    let amount = account.credit_applicable(on);
    if amount == 0 {
        return Ok(Vec::new());
    }
    let amount = account.money_of(amount)?;
    let key = format!("credit:{}:{}:{amount}", account.loan_id(), format_date(on));
    Ok(vec![LoanEvent {
        id: key.clone(),
        sequence: next_sequence,
        value_date: on,
        idempotency_key: key,
        prev_hash: None,
        hash: None,
        body: EventBody::CreditApplied { amount },
    }])
}

/// What the daily fine job does to one loan: the assessments and the events that carry them
/// out (the output of the `loan_fines` operation).
///
/// # Example
/// ```
/// use windeep_core::account::LoanFinesReport;
/// let r = LoanFinesReport { assessments: vec![], events: vec![] };
/// assert_eq!(serde_json::to_string(&r).unwrap(), r#"{"assessments":[],"events":[]}"#);
/// ```
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LoanFinesReport {
    /// The assessments (levy or re-amount), as [`crate::fines::assess_fines`] returns them.
    pub assessments: Vec<FineAssessment>,
    /// The `fine_levied` events that carry them out, to append to the loan's events as
    /// returned (see [`fine_events`]: one revision of the fine each). Appending them and running
    /// the job again on the same day gives nothing; running it twice on the same events gives
    /// the same events, which fold as duplicates.
    pub events: Vec<LoanEvent>,
}

/// The daily fine job on one loan: folds the loan's own events to `as_of`, takes its fine
/// snapshot, assesses the rules and returns the `fine_levied` events to append, value-dated
/// `as_of`. See `docs/fines.md`, "The daily fine job".
///
/// # Errors
/// As [`replay`] and [`crate::fines::assess_fines`].
///
/// # Example
/// ```
/// use windeep_core::{account::loan_fines, parse_date, fines::FineRule, account::LoanEvent};
/// let events: Vec<LoanEvent> = serde_json::from_str(r#"[{"id": "d", "sequence": 1,
///     "value_date": "2026-01-05", "idempotency_key": "d", "body": {"type": "disbursed",
///     "loan_id": "LN1", "terms": {"principal": "100000", "annual_rate": "12", "tenure": 12,
///     "disbursed_on": "2026-01-05", "first_due_on": "2026-02-05"}}}]"#).unwrap();
/// let rules: Vec<FineRule> = serde_json::from_str(r#"[{"id": 1, "applies_to": "loan",
///     "grace_days": 5, "formula": {"kind": "per_day", "initial": "100", "per_day": "10"}}]"#).unwrap();
/// let out = loan_fines(&events, parse_date("2026-02-20").unwrap(), &rules, None).unwrap();
/// assert_eq!(out.events[0].id, "fine:LN1/1/1/1:r1");
/// assert_eq!(out.assessments[0].amount.to_string(), "200.00"); // 100 + 10 × (15 − 5)
/// ```
pub fn loan_fines(
    events: &[LoanEvent],
    as_of: NaiveDate,
    rules: &[crate::fines::FineRule],
    product: Option<String>,
) -> Result<LoanFinesReport> {
    let snapshot = fine_snapshot(events, as_of, product)?;
    let assessments = crate::fines::assess_fines(&snapshot, rules, as_of)?;
    let events = fine_events(events, &assessments, as_of);
    Ok(LoanFinesReport {
        assessments,
        events,
    })
}

/// A payment whose allocation changed because an event was inserted before it.
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangedAllocation {
    /// The payment event.
    pub event_id: String,
    /// Its allocation before: to be reversed.
    pub reversal: Allocation,
    /// Its allocation now, to be posted instead; null when the payment no longer applies
    /// (it was reversed).
    pub replacement: Option<Allocation>,
}

/// The result of appending an event.
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Applied {
    /// State and outcomes after the event.
    pub replay: Replay,
    /// Earlier payments whose allocation a back-dated event changed (reversal + replacement).
    pub changed: Vec<ChangedAllocation>,
}

/// Appends `event` to `events` and replays; reports earlier allocations that changed.
///
/// # Errors
/// As [`replay`].
pub fn apply_event(events: &[LoanEvent], event: LoanEvent, as_of: NaiveDate) -> Result<Applied> {
    let before = replay(events, as_of)?;
    let mut all = events.to_vec();
    all.push(event);
    let after = replay(&all, as_of)?;
    let mut changed = Vec::new();
    // Outcomes by event id (ids are unique): one look-up per earlier payment.
    let now: HashMap<&str, &EventOutcome> = after
        .outcomes
        .iter()
        .map(|o| (o.event_id.as_str(), o))
        .collect();
    for old in &before.outcomes {
        let Some(old_alloc) = &old.allocation else {
            continue;
        };
        let new = now.get(old.event_id.as_str());
        let new_alloc = new.and_then(|o| o.allocation.clone());
        match new_alloc {
            Some(a) if &a == old_alloc => {}
            Some(a) => changed.push(ChangedAllocation {
                event_id: old.event_id.clone(),
                reversal: old_alloc.clone(),
                replacement: Some(a),
            }),
            None => changed.push(ChangedAllocation {
                event_id: old.event_id.clone(),
                reversal: old_alloc.clone(),
                replacement: None,
            }),
        }
    }
    Ok(Applied {
        replay: after,
        changed,
    })
}

/// The result of checking an account's hash chain.
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainReport {
    /// `ok`, `broken` (an event's own `hash` or its `prev_hash` does not match) or `reordered`
    /// (sequence not increasing).
    pub status: String,
    /// Number of events checked.
    pub events: usize,
    /// For a problem: the position (0-based) of the first bad event.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at: Option<usize>,
    /// For a problem: the id of the first bad event (absent when it has no string id).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event_id: Option<String>,
    /// For a problem: `hash_missing`, `hash_mismatch` (the event was changed after it was
    /// sealed), `prev_hash_mismatch` (the link to the event before does not match),
    /// `malformed` (no integer `sequence`, or a `hash`/`prev_hash` that is not a string) or
    /// `sequence_not_increasing`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// For `broken`: the hash the field named by `reason` should carry.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected: Option<String>,
    /// The hash of the last event (to anchor the next one), when `ok`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub head: Option<String>,
}

/// Verifies the tamper-evidence chain of events in stored (append) order.
///
/// Each event is hashed as received (RFC 8785 canonical JSON without its `hash` member, see
/// [`StoredEvent`]); the first event whose own `hash` differs from that, whose `prev_hash`
/// differs from the previous event's hash, or whose sequence does not increase is reported —
/// the last event included.
///
/// # Example
/// ```
/// use windeep_core::{account::verify_chain, account::LoanEvent, account::StoredEvent};
/// let mut a: LoanEvent = serde_json::from_str(r#"{"id": "a", "sequence": 1,
///   "value_date": "2026-01-05", "idempotency_key": "a",
///   "body": {"type": "written_off", "reason": "test"}}"#).unwrap();
/// a.seal(None);
/// let mut b = a.clone();
/// b.id = "b".into(); b.sequence = 2; b.seal(Some(&a));
/// let stored = |es: &[LoanEvent]| es.iter().map(StoredEvent::of).collect::<Vec<_>>();
/// assert_eq!(verify_chain(&stored(&[a.clone(), b.clone()])).status, "ok");
/// b.idempotency_key = "tampered".into();
/// let report = verify_chain(&stored(&[a, b]));
/// assert_eq!((report.status.as_str(), report.at), ("broken", Some(1)));
/// ```
#[must_use]
pub fn verify_chain(events: &[StoredEvent]) -> ChainReport {
    let mut report = ChainReport {
        status: "ok".to_owned(),
        events: events.len(),
        at: None,
        event_id: None,
        reason: None,
        expected: None,
        head: None,
    };
    let mut prev: Option<(u64, String)> = None;
    for (i, e) in events.iter().enumerate() {
        let actual = e.hash();
        let problem: Option<(&str, &str, Option<String>)> =
            match (e.sequence(), e.text("hash"), e.text("prev_hash")) {
                (None, _, _) | (_, Err(()), _) | (_, _, Err(())) => {
                    Some(("broken", "malformed", None))
                }
                (Some(sequence), Ok(hash), Ok(prev_hash)) => {
                    if prev.as_ref().is_some_and(|(s, _)| sequence <= *s) {
                        Some(("reordered", "sequence_not_increasing", None))
                    } else if prev_hash != prev.as_ref().map(|(_, h)| h.as_str()) {
                        Some((
                            "broken",
                            "prev_hash_mismatch",
                            prev.as_ref().map(|(_, h)| h.clone()),
                        ))
                    } else if hash.is_none() {
                        Some(("broken", "hash_missing", Some(actual.clone())))
                    } else if hash != Some(actual.as_str()) {
                        Some(("broken", "hash_mismatch", Some(actual.clone())))
                    } else {
                        prev = Some((sequence, actual));
                        None
                    }
                }
            };
        if let Some((status, reason, expected)) = problem {
            report.status = status.to_owned();
            report.reason = Some(reason.to_owned());
            report.expected = expected;
            report.at = Some(i);
            report.event_id = e.id().map(str::to_owned);
            return report;
        }
    }
    report.head = prev.map(|(_, h)| h);
    report
}

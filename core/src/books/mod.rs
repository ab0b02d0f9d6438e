//! The society's books: every loan and savings event turned into double-entry postings, the
//! member ledger, and the reports built on them.
//!
//! A [`Books`] snapshot holds the accounts (loans with their events, savings accounts with
//! theirs), manual journal entries and the financial years. [`journal`] derives the journal:
//! each account's events are posted in arrival (sequence) order; an event that arrives in
//! order adds its entries, a back-dated event or a reversal changes history, and then every
//! earlier entry whose content changed is reversed by a mirrored entry and replaced. Entry ids
//! derive from the account, the event and the purpose of the entry, so a replay produces the
//! same journal. The exact rules are in `docs/books.md`.

mod guarantees;
mod keeper;
mod loan;
mod provision;
mod savings;
mod snapshot;

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use chrono::NaiveDate;
use serde::Serialize;

pub use guarantees::{GuaranteedLoan, GuarantorExposure, guarantor_exposure};
pub use loan::NpaPeriod;
pub use provision::ProvisionRecord;
pub(crate) use provision::{held_in, provision_entry};
pub use snapshot::{
    AuditRecord, BankStatement, BookLoan, Books, CachedLoan, StoredEntry, StoredLedgerRow,
    StoredLine,
};

use crate::account::{EventBody, EventOutcome, LoanEvent, Observer, fold_observed};
use crate::envelope::{Admission, Admitted};
use crate::error::{CoreError, Result};
pub(crate) use crate::fxhash::{FxMap, FxSet};
use crate::ledger::{
    Basis, Chart, FinancialYear, JournalEntry, PostingRole, check_years, closing_entries,
};
use crate::money::{Currency, Money};
use crate::savings::{SavingsAccount, SavingsLedger, fold as savings_fold};
use keeper::Keeper;
use loan::LoanPoster;
use savings::SavingsPoster;

/// What the posting rules need besides the events.
pub(crate) struct Ctx {
    pub(crate) chart: Chart,
    /// The NPA threshold, days past due.
    pub(crate) npa_after_days: u32,
    pub(crate) basis: Basis,
    pub(crate) funds: PostingRole,
    pub(crate) currency: Currency,
    pub(crate) scale: u32,
}

/// The journal of the books, with the place of each entry in its account's journal (the
/// member ledger's order).
pub(crate) struct Derived {
    pub(crate) ctx: Ctx,
    pub(crate) entries: Vec<JournalEntry>,
    /// Parallel to `entries`: (source account, position in that account's journal).
    pub(crate) order: Vec<(Arc<str>, usize)>,
    /// Parallel to the books' loans: the NPA periods the books derived (accrual basis).
    pub(crate) npa_periods: Vec<Vec<NpaPeriod>>,
}

/// An event that is being appended: postings it causes into a closed year are refused.
pub(crate) struct Guard<'a> {
    pub(crate) account: &'a str,
    pub(crate) sequence: u64,
}

fn ctx(books: &Books) -> Result<Ctx> {
    books.currency.validate()?;
    check_years(&books.periods)?;
    let npa_after_days = books
        .config
        .npa_after_days
        .unwrap_or(crate::ledger::DEFAULT_NPA_AFTER_DAYS);
    if npa_after_days == 0 {
        return Err(CoreError::InvalidPolicy {
            reason: "npa_after_days must be > 0".to_owned(),
        });
    }
    Ok(Ctx {
        npa_after_days,
        chart: books.config.chart()?,
        basis: books.config.basis,
        funds: books.config.loan_funds.role(),
        currency: books.currency.clone(),
        scale: books.currency.minor_units(),
    })
}

/// Loans in an order where a top-up's parent comes before the top-up loan.
fn topup_order(books: &Books) -> Result<(Vec<usize>, HashMap<String, usize>)> {
    let mut ids = HashMap::new();
    for (i, l) in books.loans.iter().enumerate() {
        if ids.insert(l.loan_id()?.to_owned(), i).is_some() {
            return Err(CoreError::InvalidInput {
                reason: format!("loan {} appears twice in the books", l.loan_id()?),
            });
        }
    }
    let mut parent: HashMap<usize, usize> = HashMap::new();
    for (i, l) in books.loans.iter().enumerate() {
        for e in &l.events {
            if let EventBody::ToppedUp { new_loan_id, .. } = &e.body
                && let Some(&child) = ids.get(new_loan_id)
            {
                parent.insert(child, i);
            }
        }
    }
    let mut order = Vec::with_capacity(books.loans.len());
    let mut done = BTreeSet::new();
    for start in 0..books.loans.len() {
        let mut chain = vec![start];
        let mut at = start;
        while let Some(&p) = parent.get(&at) {
            if chain.contains(&p) {
                return Err(CoreError::InvalidInput {
                    reason: "top-up loans form a cycle".to_owned(),
                });
            }
            chain.push(p);
            at = p;
        }
        for &i in chain.iter().rev() {
            if done.insert(i) {
                order.push(i);
            }
        }
    }
    Ok((order, ids))
}

/// One loan's posting run.
struct LoanRun<'a, 'c> {
    ctx: &'c Ctx,
    loan: &'a BookLoan,
    loan_id: String,
    carried: i128,
    /// The loan's provision records, minor units by date.
    provisions: Option<&'a std::collections::BTreeMap<NaiveDate, i128>>,
}

/// How a run ends.
#[derive(Clone, Copy)]
enum End {
    /// The ideal journal of the events: accruals through the horizon (its day still open), or
    /// through a books day-end `t` that was posted before the last events arrived.
    Ideal(Option<NaiveDate>),
    /// The books as of a date: accruals and NPA moves through its day-end.
    Books(NaiveDate),
}

impl<'c> LoanRun<'_, 'c> {
    fn poster(&self) -> LoanPoster<'c> {
        let mut p = LoanPoster::new(self.ctx, &self.loan_id, &self.loan.member, self.carried);
        if let Some(r) = self.provisions {
            p.provisions.clone_from(r);
        }
        p
    }

    /// The journal of the events dated by value: every event posted on its value date as if it
    /// had arrived then; a reversal (the only event that changes the past) reverses and
    /// replaces what it changed on its own date. This is what the journal would be had every
    /// event arrived on its value date, and what a later-arriving event is reconciled to.
    fn ideal(
        &self,
        events: &[&LoanEvent],
        years: &[FinancialYear],
        tick: Option<NaiveDate>,
    ) -> Result<Vec<JournalEntry>> {
        // Idempotency is decided in arrival (sequence) order; duplicates have no effect.
        let mut by_seq: Vec<&LoanEvent> = events.to_vec();
        by_seq.sort_by_key(|e| e.sequence);
        let mut admission = Admission::with_capacity(by_seq.len());
        let mut keep: Vec<&LoanEvent> = Vec::with_capacity(by_seq.len());
        for e in by_seq {
            if admission.admit(e)? == Admitted::New {
                keep.push(e);
            }
        }
        keep.sort_by_key(|e| (e.value_date, e.sequence));
        let (keeper, _, _) = self.run(&keep, years, None, End::Ideal(tick), None, true)?;
        Ok(keeper.out)
    }

    /// Posts `events` in the order given. In arrival order (`by_value` false) a back-dated
    /// event is reconciled to the ideal journal; in value order only a reversal changes the
    /// past, and it is reconciled to the fold without the reversed payment.
    fn run<'y>(
        &self,
        events: &[&LoanEvent],
        years: &'y [FinancialYear],
        guard: Option<&Guard<'_>>,
        end: End,
        as_of_tick: Option<NaiveDate>,
        by_value: bool,
    ) -> Result<(Keeper<'y>, LoanPoster<'c>, NaiveDate)> {
        let guarded =
            |seq: u64| guard.is_some_and(|g| g.account == self.loan_id && seq >= g.sequence);
        let mut keeper = Keeper::new(years);
        let mut poster = self.poster();
        let Some((first, rest)) = events.split_first() else {
            return Err(CoreError::InvalidEvent {
                reason: "a loan needs a disbursed event".to_owned(),
            });
        };
        keeper.guard = guarded(first.sequence);
        let mut account =
            fold_observed(std::slice::from_ref(*first), first.value_date, &mut poster)?;
        keeper.append(&mut poster.entries)?;
        let mut horizon = first.value_date;
        let mut last = (first.value_date, first.sequence);
        // One admission with the account fold: ids, sequences, idempotency.
        let mut admission = Admission::with_capacity(events.len());
        admission.admit(*first)?;
        // When an event is appended to stored books, the books' own day-end (accruals and NPA
        // moves up to `as_of`) was posted before it arrived.
        let mut tick: Option<NaiveDate> = None;
        let mut seen: Vec<&LoanEvent> = vec![*first];
        for e in rest {
            if guarded(e.sequence)
                && tick.is_none()
                && let Some(t) = as_of_tick
            {
                keeper.guard = false;
                let t = t.max(horizon);
                poster.advance(&account, t, true)?;
                keeper.append(&mut poster.entries)?;
                tick = Some(t);
            }
            keeper.guard = guarded(e.sequence);
            let verdict = admission.admit(*e)?;
            seen.push(e);
            // An idempotency duplicate changes nothing, not even the books' clock.
            if verdict != Admitted::New {
                continue;
            }
            if e.value_date >= horizon {
                // Time passes up to the event's day before it takes effect, even when the event
                // then changes the past (a reversal).
                poster.advance(&account, e.value_date, false)?;
                keeper.append(&mut poster.entries)?;
            }
            horizon = horizon.max(e.value_date);
            let in_order = (e.value_date, e.sequence) > last
                && !matches!(
                    e.body,
                    EventBody::PaymentReversed { .. } | EventBody::Disbursed { .. }
                );
            last = last.max((e.value_date, e.sequence));
            let stale = tick.is_some_and(|t| e.value_date <= t);
            if in_order && !stale {
                let mut outcome = EventOutcome {
                    event_id: String::new(),
                    result: String::new(),
                    duplicate_of: None,
                    allocation: None,
                    excess_to: None,
                    interest_collected: None,
                    charge_collected: None,
                    interest_to_suspense: None,
                };
                poster.before(e, &account)?;
                account.apply(e, &mut outcome)?;
                poster.after(e, &account, &outcome)?;
                keeper.append(&mut poster.entries)?;
                continue;
            }
            let owned: Vec<LoanEvent> = seen.iter().map(|x| (*x).clone()).collect();
            let mut fresh = self.poster();
            account = fold_observed(&owned, horizon, &mut fresh)?;
            if by_value {
                fresh.advance(&account, horizon, false)?;
                keeper.reconcile(fresh.drain(), &e.id, e.value_date)?;
            } else {
                let ideal = self.ideal(&seen, years, tick)?;
                keeper.reconcile(ideal, &e.id, e.value_date)?;
                // Continue from the state the ideal run ends in.
                match tick {
                    Some(t) if t >= horizon => fresh.advance(&account, t, true)?,
                    _ => fresh.advance(&account, horizon, false)?,
                }
                fresh.drain();
            }
            poster = fresh;
        }
        keeper.guard = false;
        let (upto, day_end) = match end {
            End::Books(as_of) => (as_of.max(horizon), true),
            End::Ideal(Some(t)) if t >= horizon => (t, true),
            End::Ideal(_) => (horizon, false),
        };
        poster.advance(&account, upto, day_end)?;
        keeper.append(&mut poster.entries)?;
        Ok((keeper, poster, horizon))
    }
}

/// A loan's journal, the top-up it closed into (new loan id, amount settled) and its derived
/// NPA periods.
type PostedLoan<'y> = (Keeper<'y>, Option<(String, i128)>, Vec<NpaPeriod>);

fn post_loan<'y>(
    ctx: &Ctx,
    loan: &BookLoan,
    carried: i128,
    provisions: Option<&std::collections::BTreeMap<NaiveDate, i128>>,
    years: &'y [FinancialYear],
    as_of: NaiveDate,
    guard: Option<&Guard<'_>>,
) -> Result<PostedLoan<'y>> {
    let loan_id = loan.loan_id()?.to_owned();
    if let Some(EventBody::Disbursed { terms, .. }) = loan
        .events
        .iter()
        .min_by_key(|e| e.sequence)
        .map(|e| &e.body)
        && terms.currency != ctx.currency
    {
        return Err(CoreError::InvalidCurrency {
            reason: format!("loan {loan_id} is not in the books' currency"),
        });
    }
    let run = LoanRun {
        ctx,
        loan,
        loan_id,
        carried,
        provisions,
    };
    let mut events: Vec<&LoanEvent> = loan.events.iter().collect();
    events.sort_by_key(|e| e.sequence);
    let tick = guard.map(|_| as_of);
    let (keeper, mut poster, _) = run.run(&events, years, guard, End::Books(as_of), tick, false)?;
    Ok((
        keeper,
        poster.topped_up.take(),
        std::mem::take(&mut poster.npa_periods),
    ))
}

fn post_savings<'y>(
    ctx: &Ctx,
    account: &SavingsAccount,
    years: &'y [FinancialYear],
    guard: Option<&Guard<'_>>,
) -> Result<Keeper<'y>> {
    if account.currency != ctx.currency {
        return Err(CoreError::InvalidCurrency {
            reason: format!(
                "savings account {} is not in the books' currency",
                account.account_id
            ),
        });
    }
    let guarded =
        |seq: u64| guard.is_some_and(|g| g.account == account.account_id && seq >= g.sequence);
    let mut events: Vec<_> = account.events.iter().collect();
    events.sort_by_key(|e| e.sequence);
    let mut keeper = Keeper::new(years);
    let mut poster = SavingsPoster::new(ctx, &account.account_id, &account.member);
    let mut ledger = SavingsLedger::new(account)?;
    let mut horizon = account.opened_on;
    for e in events {
        keeper.guard = guarded(e.sequence);
        horizon = horizon.max(e.value_date);
        match ledger.push(e, &mut poster)? {
            crate::savings::Pushed::Applied => keeper.append(&mut poster.entries)?,
            crate::savings::Pushed::Duplicate => {}
            crate::savings::Pushed::Refolded => {
                let mut fresh = SavingsPoster::new(ctx, &account.account_id, &account.member);
                savings_fold(account, ledger.events(), horizon, Some(&mut fresh))?;
                keeper.reconcile(fresh.drain(), &e.id, e.value_date)?;
            }
        }
    }
    Ok(keeper)
}

pub(crate) fn derive(books: &Books, guard: Option<&Guard<'_>>) -> Result<Derived> {
    let ctx = ctx(books)?;
    let (order, ids) = topup_order(books)?;
    let provisions = provision::records_by_loan(&ctx, &books.provisions, &ids, books.as_of)?;
    let mut per_loan: Vec<Option<Vec<JournalEntry>>> = vec![None; books.loans.len()];
    let mut npa_periods: Vec<Vec<NpaPeriod>> = vec![Vec::new(); books.loans.len()];
    let mut carried: HashMap<String, i128> = HashMap::new();
    for i in order {
        let Some(loan) = books.loans.get(i) else {
            continue;
        };
        let c = carried.get(loan.loan_id()?).copied().unwrap_or(0);
        let (keeper, topped, npa) = post_loan(
            &ctx,
            loan,
            c,
            provisions.get(loan.loan_id()?),
            &books.periods,
            books.as_of,
            guard,
        )?;
        if let Some((next, amount)) = topped {
            carried.insert(next, amount);
        }
        if let Some(slot) = npa_periods.get_mut(i) {
            *slot = npa;
        }
        if let Some(slot) = per_loan.get_mut(i) {
            *slot = Some(keeper.out);
        }
    }
    let count = books.loans.iter().map(|l| l.events.len()).sum::<usize>()
        + books.savings.iter().map(|a| a.events.len()).sum::<usize>()
        + books.journal.len();
    let mut entries = Vec::with_capacity(count + count / 2);
    let mut order = Vec::with_capacity(count + count / 2);
    // Per loan with provision records: its entries' moves of the provision account (the use
    // by a write-off), by date.
    let mut used: HashMap<&str, Vec<(NaiveDate, i128)>> = HashMap::new();
    for (loan, out) in books.loans.iter().zip(per_loan) {
        let id: Arc<str> = Arc::from(loan.loan_id()?);
        if provisions.contains_key(&*id) {
            let moves = used.entry(loan.loan_id()?).or_default();
            for e in out.iter().flatten() {
                let v = held_in(std::slice::from_ref(e), &id, e.date());
                if v != 0 {
                    moves.push((e.date(), v));
                }
            }
        }
        for (pos, e) in out.unwrap_or_default().into_iter().enumerate() {
            entries.push(e);
            order.push((Arc::clone(&id), pos));
        }
    }
    let mut savings_ids = BTreeSet::new();
    for a in &books.savings {
        if !savings_ids.insert(a.account_id.as_str()) {
            return Err(CoreError::InvalidInput {
                reason: format!("savings account {} appears twice", a.account_id),
            });
        }
        let keeper = post_savings(&ctx, a, &books.periods, guard)?;
        let id: Arc<str> = Arc::from(a.account_id.as_str());
        for (pos, e) in keeper.out.into_iter().enumerate() {
            entries.push(e);
            order.push((Arc::clone(&id), pos));
        }
    }
    let manual: Arc<str> = Arc::from("");
    for (pos, m) in books.journal.iter().enumerate() {
        entries.push(m.into_entry(&ctx.currency, &ctx.chart)?);
        order.push((Arc::clone(&manual), pos));
    }
    // Provision runs, loan by loan in snapshot order and by date: each record moves the
    // provision the loan's entries hold through its day-end (after a write-off's use of it)
    // to the recorded amount.
    let prov: Arc<str> = Arc::from("~provision");
    let mut pos = 0;
    for loan in &books.loans {
        let id = loan.loan_id()?;
        let Some(records) = provisions.get(id) else {
            continue;
        };
        let moves = used.get(id).map_or(&[][..], Vec::as_slice);
        let mut posted = 0_i128;
        for (&date, &held) in records {
            let before = posted
                + moves
                    .iter()
                    .filter(|(d, _)| *d <= date)
                    .map(|(_, v)| v)
                    .sum::<i128>();
            let change = held - before;
            if let Some(e) = provision_entry(&ctx, id, &loan.member, date, change)? {
                entries.push(e);
                order.push((Arc::clone(&prov), pos));
                pos += 1;
                posted += change;
            }
        }
    }
    let closing = closing_entries(&entries, &books.periods, &ctx.chart, ctx.scale)?;
    let close: Arc<str> = Arc::from("~close");
    for (pos, e) in closing.into_iter().enumerate() {
        entries.push(e);
        order.push((Arc::clone(&close), pos));
    }
    // Entry ids are unique by construction (`<account>/<event>`, `<account>/accrual/<k>`,
    // corrections with `/rev/` and `/re/` segments, `close/<year>`) unless an account id, an
    // event id, a manual entry id or a year code contains a slash, or an account is called
    // `close`: then they are checked one by one.
    let slash = |s: &str| s.contains('/');
    let risky = books.loans.iter().any(|l| {
        l.loan_id().is_ok_and(|id| slash(id) || id == "close")
            || l.events.iter().any(|e| slash(&e.id))
    }) || books.savings.iter().any(|a| {
        slash(&a.account_id) || a.account_id == "close" || a.events.iter().any(|e| slash(&e.id))
    }) || books.journal.iter().any(|m| slash(&m.id))
        || books.periods.iter().any(|y| slash(&y.code));
    if risky {
        let mut ids: FxSet<&str> = FxSet::default();
        for e in &entries {
            if !ids.insert(e.id()) {
                return Err(CoreError::InvalidInput {
                    reason: format!("journal entry id {:?} is used twice", e.id()),
                });
            }
        }
    } else {
        let mut manual: FxSet<&str> = FxSet::default();
        for m in &books.journal {
            if !manual.insert(m.id.as_str()) {
                return Err(CoreError::InvalidInput {
                    reason: format!("journal entry id {:?} is used twice", m.id),
                });
            }
        }
    }
    Ok(Derived {
        ctx,
        entries,
        order,
        npa_periods,
    })
}

/// The journal of the books: every entry the loan and savings events, the manual entries and
/// the closing of closed years produce (the `postings` operation).
///
/// # Errors
/// Every error of the loan and savings folds; `E_UNKNOWN_ACCOUNT`, `E_INVALID_POLICY` for the
/// chart; `E_UNBALANCED_ENTRY` for a manual entry; `E_INVALID_INPUT` for repeated ids;
/// `E_INVALID_CURRENCY` for an account in another currency.
pub fn journal(books: &Books) -> Result<Vec<JournalEntry>> {
    Ok(derive(books, None)?.entries)
}

/// The entries that appending `event` to account `account` (a loan id or a savings account
/// id) causes: its own and the corrections of earlier entries (the `post_event` operation).
///
/// # Errors
/// `E_PERIOD_CLOSED` when one of them would be dated in a closed financial year;
/// `E_UNKNOWN_EVENT` for an account the books do not have; as [`journal`].
pub fn post_event(
    books: &Books,
    account: &str,
    event: &serde_json::Value,
) -> Result<Vec<JournalEntry>> {
    let before = derive(books, None)?;
    let mut next = books.clone();
    let sequence;
    if let Some(loan) = next
        .loans
        .iter_mut()
        .find(|l| l.loan_id().is_ok_and(|id| id == account))
    {
        let e: LoanEvent = serde_json::from_value(event.clone())
            .map_err(|e| crate::money::error_from_serde(&e))?;
        sequence = e.sequence;
        loan.events.push(e);
    } else if let Some(a) = next.savings.iter_mut().find(|a| a.account_id == account) {
        let e: crate::savings::SavingsEvent = serde_json::from_value(event.clone())
            .map_err(|e| crate::money::error_from_serde(&e))?;
        sequence = e.sequence;
        a.events.push(e);
    } else {
        return Err(CoreError::UnknownEvent {
            id: account.to_owned(),
        });
    }
    let guard = Guard { account, sequence };
    let after = derive(&next, Some(&guard))?;
    let had: BTreeSet<&str> = before.entries.iter().map(JournalEntry::id).collect();
    Ok(after
        .entries
        .into_iter()
        .filter(|e| !had.contains(e.id()) && e.header().kind != "year_closing")
        .collect())
}

/// One row of a member's ledger.
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MemberLedgerRow {
    /// Posting date.
    #[serde(with = "crate::money::iso_date")]
    pub date: NaiveDate,
    /// The loan or savings account (empty for a manual entry).
    pub account: String,
    /// The journal entry.
    pub entry_id: String,
    /// What happened.
    pub kind: &'static str,
    /// What the member came to owe (loan principal, receivables) or the society ceased to
    /// owe (savings withdrawn).
    pub debit: Money,
    /// The opposite.
    pub credit: Money,
    /// Running balance: positive when the member owes the society net.
    pub balance: Money,
}

/// A member's ledger over a period.
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MemberLedger {
    /// The member.
    pub member: String,
    /// First day (none: from the beginning).
    #[serde(with = "crate::money::iso_date_opt")]
    pub from: Option<NaiveDate>,
    /// Last day.
    #[serde(with = "crate::money::iso_date")]
    pub to: NaiveDate,
    /// Balance before `from`.
    pub opening: Money,
    /// The rows, by (date, account, place in the account's journal).
    pub rows: Vec<MemberLedgerRow>,
    /// Σ debits of the rows.
    pub total_debit: Money,
    /// Σ credits of the rows.
    pub total_credit: Money,
    /// Balance at the end.
    pub closing: Money,
}

/// The member-linked account codes (loans, receivables, savings, member credit, clearing).
pub(crate) fn member_codes(chart: &Chart) -> BTreeSet<String> {
    PostingRole::ALL
        .iter()
        .filter(|r| r.member_linked())
        .map(|r| chart.code(*r).to_owned())
        .collect()
}

/// One member-ledger row before its running balance: (member, sort key (date, account,
/// place in the account's journal), debit, credit, index of the entry).
pub(crate) type MemberRow = (Arc<str>, (NaiveDate, Arc<str>, usize), i128, i128, usize);

/// Every member's rows, sorted by member then sort key.
pub(crate) fn member_rows(d: &Derived) -> Vec<MemberRow> {
    let codes = member_codes(&d.ctx.chart);
    let mut rows = Vec::new();
    for (i, (e, (source, pos))) in d.entries.iter().zip(&d.order).enumerate() {
        let Some(member) = &e.header().member else {
            continue;
        };
        let (mut debit, mut credit) = (0, 0);
        for l in e.lines().iter().filter(|l| codes.contains(l.account())) {
            debit += l.debit();
            credit += l.credit();
        }
        if debit == 0 && credit == 0 {
            continue;
        }
        rows.push((
            Arc::clone(member),
            (e.date(), Arc::clone(source), *pos),
            debit,
            credit,
            i,
        ));
    }
    rows.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
    rows
}

pub(crate) fn member_ledger_of(
    d: &Derived,
    member: &str,
    from: Option<NaiveDate>,
    to: NaiveDate,
) -> Result<MemberLedger> {
    let m = |v: i128| d.ctx.currency.money(v);
    let (mut opening, mut balance, mut td, mut tc) = (0_i128, 0_i128, 0_i128, 0_i128);
    let mut rows = Vec::new();
    for (who, (date, source, _), debit, credit, i) in member_rows(d) {
        if &*who != member || date > to {
            continue;
        }
        balance += debit - credit;
        if from.is_some_and(|f| date < f) {
            opening = balance;
            continue;
        }
        td += debit;
        tc += credit;
        let Some(e) = d.entries.get(i) else {
            continue;
        };
        rows.push(MemberLedgerRow {
            date,
            account: source.to_string(),
            entry_id: e.id().to_owned(),
            kind: e.header().kind,
            debit: m(debit)?,
            credit: m(credit)?,
            balance: m(balance)?,
        });
    }
    Ok(MemberLedger {
        member: member.to_owned(),
        from,
        to,
        opening: m(opening)?,
        rows,
        total_debit: m(td)?,
        total_credit: m(tc)?,
        closing: m(balance)?,
    })
}

/// A member's ledger: one row per entry that moves the member's own accounts (loan principal,
/// receivables, savings, member credit), with a running balance that is a fold over
/// (date, account, place in the account's journal) — never read from a previous row — so the
/// order in which accounts' events arrive does not change it (legacy bug #13). Positive means
/// the member owes the society net (the `member_ledger` operation).
///
/// # Errors
/// As [`journal`].
pub fn member_ledger(
    books: &Books,
    member: &str,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
) -> Result<MemberLedger> {
    let d = derive(books, None)?;
    member_ledger_of(&d, member, from, to.unwrap_or(books.as_of))
}

//! The checks of [`super::check_books`], one function each, run in the order of
//! `docs/books.md`. Each adds its findings to a [`Checker`]; the figures the summary panel and
//! the alerts need are gathered on the way in a [`Tally`], so the report is computed in one
//! pass over the snapshot.

mod bank;

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

use chrono::{Days, NaiveDate};

use super::{
    Alert, AlertConfig, CheckReport, CheckSummary, CreditScore, Rating, RiskBand, Severity,
    UnmappedDay, Violation,
};
use crate::account::{
    EventBody, InstallmentStatus, LoanEvent, Replay, StoredEvent, fine_snapshot, replay,
    verify_chain,
};
use crate::bank_line::{Direction, MappingStatus};
use crate::books::{BookLoan, Books, Derived, NpaPeriod, derive, member_codes, member_rows};
use crate::dpd::{DPD_BANDS, DpdBands, OverdueBand};
use crate::error::{CoreError, Result};
use crate::fines::{assess_fines, fine_keys};
use crate::ledger::{Basis, PostingRole, trial_balance};
use crate::money::{Currency, Money};
use crate::savings::{
    SavingsAccount, SavingsBody, SavingsMode, SavingsStatement, savings_statement,
};

/// The checks, in report order. A check that needs data the snapshot lacks is left out of the
/// report's `checks` (see [`ran`]).
const CHECKS: &[&str] = &[
    "schedule_principal",
    "cached_loan_figures",
    "allocation_complete",
    "credit_while_overdue",
    "fine_per_rule",
    "fine_above_cap",
    "duplicate_fines",
    "fine_balance",
    "member_ledger_chain",
    "member_ledger_total",
    "duplicate_utr",
    "entry_balance",
    "trial_balance",
    "negative_amounts",
    "orphans",
    "skip_consistency",
    "npa_periods",
    "account_refused",
    "event_chain",
    "audit_trail",
    "subledger_loans",
    "subledger_savings",
    "subledger_interest_receivable",
    "subledger_fine_receivable",
    "subledger_member_credit",
    "subledger_savings_clearing",
    "cached_savings_balance",
    "bank_over_mapped",
    "bank_reconciliation",
    "stored_journal",
];

/// The findings so far, in minor units of the books' currency.
struct Checker<'a> {
    currency: &'a Currency,
    violations: Vec<Violation>,
    /// What was negative, for the `negative_balance` alert.
    negatives: Vec<String>,
}

impl Checker<'_> {
    /// Records a violation; `amounts` are minor units.
    fn add(
        &mut self,
        check: &str,
        severity: Severity,
        message: String,
        ids: Vec<String>,
        amounts: &[(&str, i128)],
    ) -> Result<()> {
        let amounts = amounts
            .iter()
            .map(|(k, v)| Ok(((*k).to_owned(), self.currency.money(*v)?)))
            .collect::<Result<_>>()?;
        self.violations.push(Violation {
            check: check.to_owned(),
            severity,
            message,
            ids,
            amounts,
        });
        Ok(())
    }

    fn minor(&self, m: Money) -> Result<i128> {
        self.currency.minor(m)
    }

    /// `negative_amounts`: a figure (minor units) below zero is a critical violation and
    /// counts for the `negative_balance` alert.
    fn negative(&mut self, what: String, v: i128) -> Result<()> {
        if v < 0 {
            self.add(
                "negative_amounts",
                Severity::Critical,
                format!("{what} is negative"),
                vec![what.clone()],
                &[("amount", v)],
            )?;
            self.negatives.push(what);
        }
        Ok(())
    }
}

/// The figures of the summary panel, the risk bands and the sub-ledgers, gathered by the
/// checks as they go (minor units).
#[derive(Default)]
struct Tally<'b> {
    outstanding: i128,
    interest_due: i128,
    fines_due: i128,
    member_credit: i128,
    active_loans: usize,
    overdue_loans: usize,
    overdue_amount: i128,
    pending_fines: usize,
    pending_fine_amount: i128,
    active_members: BTreeSet<&'b str>,
    bands: BTreeMap<OverdueBand, (usize, i128, Vec<String>)>,
    late_by_member: BTreeMap<&'b str, usize>,
    savings: i128,
    savings_fines: i128,
    /// Transfers to savings: what loans credited to savings, less what reached the accounts.
    clearing: i128,
}

/// A loan as of the books date: its replay and its figures in minor units.
struct LoanAsOf<'b> {
    id: String,
    member: &'b str,
    loan: &'b BookLoan,
    replay: Replay,
    outstanding: i128,
    interest_due: i128,
    fines_due: i128,
    member_credit: i128,
}

impl LoanAsOf<'_> {
    fn active(&self) -> bool {
        self.replay.state.status == "active"
    }
}

/// The bank lines' figures for the summary, the ageing and the alert.
#[derive(Default)]
struct BankTally {
    unmapped: usize,
    unmapped_amount: i128,
    old_unmapped: Vec<String>,
    ageing: BTreeMap<NaiveDate, (usize, i128, i128)>,
}

/// Runs every check and builds the report (the body of [`super::check_books`]).
pub(super) fn run(books: &Books, alerts: &AlertConfig) -> Result<CheckReport> {
    let (books, d, refused) = readable(books)?;
    let books: &Books = &books;
    let as_of = books.as_of;
    let mut c = Checker {
        currency: &books.currency,
        violations: Vec::new(),
        negatives: Vec::new(),
    };
    account_refused(&mut c, refused)?;
    event_chain(&mut c, books)?;
    let members = known_members(books);
    let bands = DpdBands {
        npa_after_days: alerts.npa_after_days,
        ..DPD_BANDS
    };
    let mut t = Tally::default();
    let loans = loans_as_of(&c, books)?;
    let npa = npa_by_loan(books, &d);
    for l in &loans {
        loan_checks(&mut c, books, &npa, l, members.as_ref(), &bands, &mut t)?;
    }
    for l in &loans {
        t.clearing += c.minor(l.replay.state.credited_to_savings)?;
    }
    for a in books.savings.iter().filter(|a| a.opened_on <= as_of) {
        savings_checks(&mut c, a, as_of, members.as_ref(), &mut t)?;
    }
    journal_orphans(&mut c, books, members.as_ref())?;
    // More moved into savings accounts than loans credited to savings.
    c.negative("transfers to savings".to_owned(), t.clearing)?;
    subledgers(&mut c, &d, as_of, &t)?;
    member_ledger_total(&mut c, &d)?;
    member_ledger_chain(&mut c, books, &d)?;
    let mut imbalances = vec![(
        "derived journal".to_owned(),
        derived_trial_balance(&mut c, &d, as_of)?,
    )];
    if let Some(stored) = stored_journal(&mut c, books, &d)? {
        imbalances.push(("stored journal".to_owned(), stored));
    }
    let bank = bank_lines(&mut c, books, alerts)?;
    duplicate_utr(&mut c, books)?;
    let reconciliations = bank::bank_reconciliation(&mut c, books, &d)?;
    audit_trail(&mut c, books, &loans)?;
    let fired = fired_alerts(&c, alerts, &bank.old_unmapped, imbalances)?;
    let mut r = report(books, &d, c, fired, t, bank)?;
    r.bank_reconciliations = reconciliations;
    Ok(r)
}

/// The accounts refused by their folds: id and error.
type Refused = Vec<(String, CoreError)>;

/// The books to check: as given when every account can be read, else without the accounts
/// whose events are refused, with those accounts and their errors.
fn readable(books: &Books) -> Result<(Cow<'_, Books>, Derived, Refused)> {
    match derive(books, None) {
        Ok(d) => Ok((Cow::Borrowed(books), d, Vec::new())),
        Err(_) => {
            let (kept, refused) = without_refused(books)?;
            let d = derive(&kept, None)?;
            Ok((Cow::Owned(kept), d, refused))
        }
    }
}

/// The books without the accounts (loans, savings accounts, manual entries) whose own events
/// or lines are refused, each with its error: bad data is a finding of `check_books`, not an
/// abort. An account is tried alone in books of the same configuration.
fn without_refused(books: &Books) -> Result<(Books, Refused)> {
    let empty = Books {
        loans: Vec::new(),
        savings: Vec::new(),
        journal: Vec::new(),
        stored_journal: None,
        stored_member_ledger: None,
        audit_log: None,
        bank_transactions: Vec::new(),
        ..books.clone()
    };
    // The configuration itself (chart, currency, years) is not an account's data.
    derive(&empty, None)?;
    let mut kept = books.clone();
    let mut refused = Vec::new();
    kept.loans.clear();
    for (i, l) in books.loans.iter().enumerate() {
        let alone = Books {
            loans: vec![l.clone()],
            ..empty.clone()
        };
        match derive(&alone, None) {
            Ok(_) => kept.loans.push(l.clone()),
            Err(e) => refused.push((
                l.loan_id()
                    .map_or_else(|_| format!("loans[{i}]"), str::to_owned),
                e,
            )),
        }
    }
    kept.savings.clear();
    for a in &books.savings {
        let alone = Books {
            savings: vec![a.clone()],
            ..empty.clone()
        };
        match derive(&alone, None) {
            Ok(_) => kept.savings.push(a.clone()),
            Err(e) => refused.push((a.account_id.clone(), e)),
        }
    }
    kept.journal.clear();
    for m in &books.journal {
        let alone = Books {
            journal: vec![m.clone()],
            ..empty.clone()
        };
        match derive(&alone, None) {
            Ok(_) => kept.journal.push(m.clone()),
            Err(e) => refused.push((m.id.clone(), e)),
        }
    }
    Ok((kept, refused))
}

/// `account_refused`: each account whose events the folds refuse, with its error code; it is
/// left out of every other check.
fn account_refused(c: &mut Checker<'_>, refused: Refused) -> Result<()> {
    for (id, e) in refused {
        c.add(
            "account_refused",
            Severity::Critical,
            format!("{id}: {e}"),
            vec![id, e.code().to_owned()],
            &[],
        )?;
    }
    Ok(())
}

/// Whether a loan's events carry a hash chain (`prev_hash` or `hash`).
fn chained(l: &BookLoan) -> bool {
    l.events
        .iter()
        .any(|e| e.prev_hash.is_some() || e.hash.is_some())
}

/// `event_chain`: every loan whose events carry hashes is verified in stored order.
fn event_chain(c: &mut Checker<'_>, books: &Books) -> Result<()> {
    for l in books.loans.iter().filter(|l| chained(l)) {
        let stored: Cow<'_, [StoredEvent]> = if l.stored.is_empty() {
            Cow::Owned(l.events.iter().map(StoredEvent::of).collect())
        } else {
            Cow::Borrowed(&l.stored)
        };
        let r = verify_chain(&stored);
        if r.status != "ok" {
            let id = l.loan_id().map_or_else(|_| String::new(), str::to_owned);
            c.add(
                "event_chain",
                Severity::Critical,
                format!("loan {id}: event chain {}", r.status),
                vec![id, r.event_id.unwrap_or_default(), r.status],
                &[],
            )?;
        }
    }
    Ok(())
}

/// The members, when the snapshot lists them.
fn known_members(books: &Books) -> Option<BTreeSet<&str>> {
    books
        .members
        .as_ref()
        .map(|m| m.iter().map(String::as_str).collect())
}

/// Every loan disbursed by the books date, replayed to it.
fn loans_as_of<'b>(c: &Checker<'_>, books: &'b Books) -> Result<Vec<LoanAsOf<'b>>> {
    let mut out = Vec::new();
    for loan in &books.loans {
        let disbursed_later = loan
            .events
            .iter()
            .min_by_key(|e| e.sequence)
            .is_some_and(|e| e.value_date > books.as_of);
        if disbursed_later {
            continue;
        }
        let replay = replay(&loan.events, books.as_of)?;
        let s = &replay.state;
        out.push(LoanAsOf {
            id: s.loan_id.clone(),
            member: loan.member.as_str(),
            outstanding: c.minor(s.outstanding_principal)?,
            interest_due: c.minor(s.interest_due)?,
            fines_due: c.minor(s.fines_due)?,
            member_credit: c.minor(s.member_credit)?,
            loan,
            replay,
        });
    }
    Ok(out)
}

/// Every check of one loan, in report order, and its part of the tally.
fn loan_checks<'b>(
    c: &mut Checker<'_>,
    books: &Books,
    npa: &NpaByLoan<'_>,
    l: &LoanAsOf<'b>,
    members: Option<&BTreeSet<&str>>,
    bands: &DpdBands,
    t: &mut Tally<'b>,
) -> Result<()> {
    t.outstanding += l.outstanding;
    t.interest_due += l.interest_due;
    t.fines_due += l.fines_due;
    t.member_credit += l.member_credit;
    if l.active() {
        t.active_loans += 1;
        t.active_members.insert(l.member);
    }
    credit_while_overdue(c, l)?;
    schedule_principal(c, l)?;
    cached_loan_figures(c, l)?;
    allocation_complete(c, l)?;
    loan_fines(c, books, l, t)?;
    loan_negatives(c, l)?;
    let overdue = installments(c, l)?;
    npa_periods(c, books, npa, l)?;
    *t.late_by_member.entry(l.member).or_insert(0) += late_installments(c, l, books.as_of)?;
    if l.active()
        && let Some(band) = bands.overdue_band(l.replay.state.days_past_due)
    {
        t.overdue_loans += 1;
        t.overdue_amount += overdue;
        let b = t.bands.entry(band).or_default();
        b.0 += 1;
        b.1 += overdue;
        b.2.push(l.id.clone());
    }
    loan_orphans(c, l, members)
}

/// `credit_while_overdue`: member credit held while an installment is past due should have
/// been applied to it.
fn credit_while_overdue(c: &mut Checker<'_>, l: &LoanAsOf<'_>) -> Result<()> {
    let dpd = l.replay.state.days_past_due;
    if l.member_credit > 0 && dpd > 0 {
        c.add(
            "credit_while_overdue",
            Severity::Warning,
            format!("{} holds member credit while {dpd} days past due", l.id),
            vec![l.id.clone()],
            &[("member_credit", l.member_credit)],
        )?;
    }
    Ok(())
}

/// `schedule_principal` (#1): the installments' principal adds up to the principal disbursed
/// and capitalised, less what was prepaid.
fn schedule_principal(c: &mut Checker<'_>, l: &LoanAsOf<'_>) -> Result<()> {
    let s = &l.replay.state;
    let rows: i128 = s
        .installments
        .iter()
        .map(|i| c.minor(i.principal))
        .sum::<Result<i128>>()?;
    let expected = c.minor(s.principal_disbursed)? + c.minor(s.principal_capitalised)?
        - c.minor(s.principal_prepaid)?;
    if rows != expected {
        c.add(
            "schedule_principal",
            Severity::Critical,
            format!(
                "loan {}: installment principal does not add up to the loan",
                l.id
            ),
            vec![l.id.clone()],
            &[("installments", rows), ("expected", expected)],
        )?;
    }
    Ok(())
}

/// `cached_loan_figures` (#2): the figures stored elsewhere equal the events'; a difference
/// above 1.00 (100 minor units) is critical. A negative stored figure is `negative_amounts`.
fn cached_loan_figures(c: &mut Checker<'_>, l: &LoanAsOf<'_>) -> Result<()> {
    let Some(cached) = &l.loan.cached else {
        return Ok(());
    };
    let id = &l.id;
    let pairs = [
        (
            "outstanding_principal",
            cached.outstanding_principal,
            l.outstanding,
        ),
        ("interest_due", cached.interest_due, l.interest_due),
        ("fines_due", cached.fines_due, l.fines_due),
    ];
    for (name, stored, derived) in pairs {
        let Some(stored) = stored else {
            continue;
        };
        let v = c.minor(stored)?;
        c.negative(format!("{id} cached {name}"), v)?;
        if v != derived {
            c.add(
                "cached_loan_figures",
                Severity::by_difference(v, derived, 100),
                format!("loan {id}: stored {name} differs from the events"),
                vec![id.clone()],
                &[("stored", v), ("derived", derived)],
            )?;
        }
    }
    let status = &l.replay.state.status;
    if let Some(st) = &cached.status
        && st != status
    {
        c.add(
            "cached_loan_figures",
            Severity::Critical,
            format!("loan {id}: stored status {st} differs from {status}"),
            vec![id.clone()],
            &[],
        )?;
    }
    Ok(())
}

/// The amount a paying event brings, if it is one.
fn body_amount(e: &LoanEvent) -> Option<Money> {
    match &e.body {
        EventBody::PaymentReceived { amount, .. }
        | EventBody::InterestOnlyPayment { amount, .. }
        | EventBody::PartPayment { amount, .. }
        | EventBody::Foreclosed { amount, .. }
        | EventBody::CreditApplied { amount } => Some(*amount),
        _ => None,
    }
}

/// `allocation_complete` (#3): each payment's allocation lines and excess add up to its
/// amount; a negative line is `negative_amounts`.
fn allocation_complete(c: &mut Checker<'_>, l: &LoanAsOf<'_>) -> Result<()> {
    for o in &l.replay.outcomes {
        let Some(a) = &o.allocation else {
            continue;
        };
        let lines: i128 = a
            .lines
            .iter()
            .map(|x| c.minor(x.amount))
            .sum::<Result<i128>>()?;
        for x in &a.lines {
            c.negative(
                format!("{}/{} allocation line", l.id, o.event_id),
                c.minor(x.amount)?,
            )?;
        }
        let paid = l
            .loan
            .events
            .iter()
            .find(|e| e.id == o.event_id)
            .and_then(body_amount)
            .map_or(Ok(0), |m| c.minor(m))?;
        let total = lines + c.minor(a.excess)?;
        if total != paid {
            c.add(
                "allocation_complete",
                Severity::Critical,
                format!(
                    "payment {} of {}: lines + excess differ from the amount",
                    o.event_id, l.id
                ),
                vec![l.id.clone(), o.event_id.clone()],
                &[("amount", paid), ("allocated", total)],
            )?;
        }
    }
    Ok(())
}

/// The fine checks of a loan (#4a, #4b, #5): `fine_balance` and `fine_above_cap` per fine,
/// then `duplicate_fines` per installment occurrence, then `fine_per_rule`.
fn loan_fines(
    c: &mut Checker<'_>,
    books: &Books,
    l: &LoanAsOf<'_>,
    t: &mut Tally<'_>,
) -> Result<()> {
    let mut by_slot: BTreeMap<(u32, u32), BTreeSet<&str>> = BTreeMap::new();
    for f in &l.replay.state.fines {
        let (a, p, w, b) = (
            c.minor(f.amount)?,
            c.minor(f.paid)?,
            // Written off with the loan: no longer a balance, still a claim.
            c.minor(f.waived)? + c.minor(f.written_off)?,
            c.minor(f.balance)?,
        );
        if b != a - p - w || b < 0 {
            c.add(
                "fine_balance",
                Severity::Critical,
                format!("fine {}: balance is not amount − paid − waived", f.key),
                vec![f.key.clone()],
                &[("amount", a), ("paid", p), ("waived", w), ("balance", b)],
            )?;
        }
        c.negative(format!("fine {} balance", f.key), b)?;
        if b > 0 {
            t.pending_fines += 1;
            t.pending_fine_amount += b;
        }
        by_slot
            .entry((f.installment, f.occurrence))
            .or_default()
            .insert(f.rule_id.as_str());
        let cap = books
            .fine_rules
            .iter()
            .find(|r| r.id.to_string() == f.rule_id)
            .and_then(|r| r.cap);
        if let Some(cap) = cap
            && a > c.minor(cap)?
        {
            c.add(
                "fine_above_cap",
                Severity::Critical,
                format!("fine {} is above its rule's cap", f.key),
                vec![f.key.clone()],
                &[("amount", a), ("cap", c.minor(cap)?)],
            )?;
        }
    }
    duplicate_fines(c, books, l, by_slot)?;
    fine_per_rule(c, books, l)
}

/// `duplicate_fines`: more than one rule fined the same occurrence of an installment. With
/// the book's fine rules, fines of successive windows or rule changes are each derived by the
/// fine engine (each late day charged once) and are no duplicates; on a loan that is not
/// active no late day is assessed, so nothing is judged.
fn duplicate_fines(
    c: &mut Checker<'_>,
    books: &Books,
    l: &LoanAsOf<'_>,
    by_slot: BTreeMap<(u32, u32), BTreeSet<&str>>,
) -> Result<()> {
    let active = l.active();
    let derived = if !books.fine_rules.is_empty() && active && by_slot.values().any(|r| r.len() > 1)
    {
        let snap = fine_snapshot(&l.loan.events, books.as_of, None)?;
        Some(fine_keys(&snap, &books.fine_rules, books.as_of)?)
    } else {
        None
    };
    let judged = books.fine_rules.is_empty() || active;
    for ((inst, occ), rules) in by_slot {
        let engine = derived.as_ref().is_some_and(|keys| {
            rules.iter().all(|r| {
                r.parse::<u32>().is_ok_and(|rule_id| {
                    keys.iter().any(|k| {
                        k.installment == inst && k.occurrence == occ && k.rule_id == rule_id
                    })
                })
            })
        });
        if rules.len() > 1 && judged && !engine {
            c.add(
                "duplicate_fines",
                Severity::Critical,
                format!(
                    "loan {} installment {inst}: {} rules fined occurrence {occ}",
                    l.id,
                    rules.len()
                ),
                std::iter::once(l.id.clone())
                    .chain(rules.iter().map(|r| (*r).to_owned()))
                    .collect(),
                &[],
            )?;
        }
    }
    Ok(())
}

/// `fine_per_rule`: on an active loan, each fine the book's rules call for that was not
/// levied as called (a warning with the levied and the rule's amounts).
fn fine_per_rule(c: &mut Checker<'_>, books: &Books, l: &LoanAsOf<'_>) -> Result<()> {
    if books.fine_rules.is_empty() || !l.active() {
        return Ok(());
    }
    let snap = fine_snapshot(&l.loan.events, books.as_of, None)?;
    for a in assess_fines(&snap, &books.fine_rules, books.as_of)? {
        let levied = snap
            .installments
            .iter()
            .flat_map(|i| &i.fines)
            .find(|f| f.key == a.key)
            .map_or(Ok(0), |f| c.minor(f.amount))?;
        c.add(
            "fine_per_rule",
            Severity::Warning,
            format!("fine {}: the rule calls for {}", a.key, a.amount),
            vec![a.key.to_string()],
            &[("levied", levied), ("rule", c.minor(a.amount)?)],
        )?;
    }
    Ok(())
}

/// `negative_amounts` (#10a) of a loan's own figures.
fn loan_negatives(c: &mut Checker<'_>, l: &LoanAsOf<'_>) -> Result<()> {
    let id = &l.id;
    c.negative(format!("{id} outstanding principal"), l.outstanding)?;
    c.negative(format!("{id} interest due"), l.interest_due)?;
    c.negative(format!("{id} fines due"), l.fines_due)?;
    c.negative(format!("{id} member credit"), l.member_credit)
}

/// Per installment: `negative_amounts` of the unpaid amount and `skip_consistency` (a skipped
/// installment has no payments). Returns Σ unpaid of the overdue installments (minor units).
fn installments(c: &mut Checker<'_>, l: &LoanAsOf<'_>) -> Result<i128> {
    let mut overdue = 0;
    for i in &l.replay.state.installments {
        let unpaid = c.minor(i.unpaid)?;
        c.negative(format!("{} installment {} unpaid", l.id, i.number), unpaid)?;
        let (principal_paid, interest_paid) =
            (c.minor(i.principal_paid)?, c.minor(i.interest_paid)?);
        if i.status == InstallmentStatus::Skipped && (principal_paid != 0 || interest_paid != 0) {
            c.add(
                "skip_consistency",
                Severity::Critical,
                format!(
                    "loan {}: skipped installment {} has payments",
                    l.id, i.number
                ),
                vec![l.id.clone()],
                &[
                    ("principal_paid", principal_paid),
                    ("interest_paid", interest_paid),
                ],
            )?;
        }
        if i.status == InstallmentStatus::Overdue {
            overdue += unpaid;
        }
    }
    Ok(overdue)
}

/// `npa_periods`: on the accrual basis the books derive a loan's NPA periods; a table
/// supplied with the loan must agree.
fn npa_periods(
    c: &mut Checker<'_>,
    books: &Books,
    derived: &NpaByLoan<'_>,
    l: &LoanAsOf<'_>,
) -> Result<()> {
    if books.config.basis != Basis::Accrual || l.loan.npa.is_empty() {
        return Ok(());
    }
    if derived
        .get(l.id.as_str())
        .is_some_and(|p| **p != l.loan.npa)
    {
        c.add(
            "npa_periods",
            Severity::Critical,
            format!(
                "loan {}: the NPA periods supplied differ from the policy's",
                l.id
            ),
            vec![l.id.clone()],
            &[],
        )?;
    }
    Ok(())
}

/// The NPA periods the books derived, by loan id.
type NpaByLoan<'b> = BTreeMap<&'b str, &'b Vec<NpaPeriod>>;

/// The NPA periods the books derived for each loan (parallel to the books' loans).
fn npa_by_loan<'b>(books: &'b Books, d: &'b Derived) -> NpaByLoan<'b> {
    books
        .loans
        .iter()
        .zip(&d.npa_periods)
        .filter_map(|(l, p)| l.loan_id().ok().map(|id| (id, p)))
        .collect()
}

/// Installments due by the books date that were settled after their due date or are still
/// unpaid (the credit score's count, #14).
fn late_installments(c: &Checker<'_>, l: &LoanAsOf<'_>, as_of: NaiveDate) -> Result<usize> {
    let snap = fine_snapshot(&l.loan.events, as_of, None)?;
    let mut late = 0;
    for i in &snap.installments {
        let unpaid = c.minor(i.unpaid_principal)? + c.minor(i.unpaid_interest)?;
        if unpaid > 0 || i.settled_on.is_some_and(|d| d > i.due_on) {
            late += 1;
        }
    }
    Ok(late)
}

/// `orphans` (#10b) of a loan: its member and its guarantors are members.
fn loan_orphans(
    c: &mut Checker<'_>,
    l: &LoanAsOf<'_>,
    members: Option<&BTreeSet<&str>>,
) -> Result<()> {
    let Some(ms) = members else {
        return Ok(());
    };
    if !ms.contains(l.member) {
        c.add(
            "orphans",
            Severity::Critical,
            format!("loan {} belongs to an unknown member {}", l.id, l.member),
            vec![l.id.clone(), l.member.to_owned()],
            &[],
        )?;
    }
    for e in &l.loan.events {
        if let EventBody::Disbursed { guarantors, .. } = &e.body {
            for g in guarantors.iter().filter(|g| !ms.contains(g.as_str())) {
                c.add(
                    "orphans",
                    Severity::Critical,
                    format!("loan {}: guarantor {g} is not a member", l.id),
                    vec![l.id.clone(), g.clone()],
                    &[],
                )?;
            }
        }
    }
    Ok(())
}

/// The checks of one savings account opened by the books date: `negative_amounts` of its
/// balance, `cached_savings_balance`, its `fine_per_rule` warnings and `orphans`; its part of
/// the tally (balance, fines, transfers received).
fn savings_checks<'b>(
    c: &mut Checker<'_>,
    a: &'b SavingsAccount,
    as_of: NaiveDate,
    members: Option<&BTreeSet<&str>>,
    t: &mut Tally<'b>,
) -> Result<()> {
    let st = savings_statement(a, as_of)?;
    t.clearing -= transfers_received(c, a, &st)?;
    let bal = c.minor(st.balance)?;
    t.savings += bal;
    t.savings_fines += c.minor(st.fines_due)?;
    t.active_members.insert(a.member.as_str());
    c.negative(format!("{} savings balance", a.account_id), bal)?;
    for f in &st.fines {
        let b = c.minor(f.balance)?;
        if b > 0 {
            t.pending_fines += 1;
            t.pending_fine_amount += b;
        }
    }
    cached_savings_balance(c, a, bal)?;
    for x in &st.fine_assessments {
        c.add(
            "fine_per_rule",
            Severity::Warning,
            format!("savings fine {}: the rule calls for {}", x.key, x.amount),
            vec![x.key.to_string()],
            &[("rule", c.minor(x.amount)?)],
        )?;
    }
    if let Some(ms) = members
        && !ms.contains(a.member.as_str())
    {
        c.add(
            "orphans",
            Severity::Critical,
            format!(
                "savings account {} belongs to an unknown member {}",
                a.account_id, a.member
            ),
            vec![a.account_id.clone(), a.member.clone()],
            &[],
        )?;
    }
    Ok(())
}

/// Σ of the passbook amounts of a savings account's deposits and withdrawals by transfer
/// (minor units).
fn transfers_received(c: &Checker<'_>, a: &SavingsAccount, st: &SavingsStatement) -> Result<i128> {
    let transfers: BTreeSet<&str> = a
        .events
        .iter()
        .filter(|e| {
            matches!(
                e.body,
                SavingsBody::Deposit {
                    mode: SavingsMode::Transfer,
                    ..
                } | SavingsBody::Withdrawal {
                    mode: SavingsMode::Transfer,
                    ..
                }
            )
        })
        .map(|e| e.id.as_str())
        .collect();
    st.passbook
        .iter()
        .filter(|p| transfers.contains(p.event_id.as_str()))
        .map(|p| c.minor(p.amount))
        .sum()
}

/// `cached_savings_balance`: a savings account's stored balance equals the fold's.
fn cached_savings_balance(c: &mut Checker<'_>, a: &SavingsAccount, bal: i128) -> Result<()> {
    let Some(cached) = a.cached_balance else {
        return Ok(());
    };
    let v = c.minor(cached)?;
    c.negative(format!("{} cached savings balance", a.account_id), v)?;
    if v != bal {
        c.add(
            "cached_savings_balance",
            Severity::Critical,
            format!(
                "savings {}: stored balance differs from the events",
                a.account_id
            ),
            vec![a.account_id.clone()],
            &[("stored", v), ("derived", bal)],
        )?;
    }
    Ok(())
}

/// `orphans` of the manual journal: an entry names a member who is not one.
fn journal_orphans(
    c: &mut Checker<'_>,
    books: &Books,
    members: Option<&BTreeSet<&str>>,
) -> Result<()> {
    let Some(ms) = members else {
        return Ok(());
    };
    for m in &books.journal {
        if let Some(who) = &m.member
            && !ms.contains(who.as_str())
        {
            c.add(
                "orphans",
                Severity::Critical,
                format!("journal entry {} names an unknown member {who}", m.id),
                vec![m.id.clone(), who.clone()],
                &[],
            )?;
        }
    }
    Ok(())
}

/// The general-ledger balance of an account by the books date (debit − credit, minor units).
fn gl_balance(d: &Derived, code: &str, as_of: NaiveDate) -> i128 {
    d.entries
        .iter()
        .filter(|e| e.date() <= as_of)
        .flat_map(|e| e.lines())
        .filter(|l| l.account() == code)
        .map(|l| l.signed())
        .sum()
}

/// The sub-ledger checks: each control account of the general ledger equals the sum of its
/// sub-ledger (loans, savings, member credit, transfers to savings; on the accrual basis also
/// interest and fines receivable).
fn subledgers(c: &mut Checker<'_>, d: &Derived, as_of: NaiveDate, t: &Tally<'_>) -> Result<()> {
    let accrual = d.ctx.basis == Basis::Accrual;
    let mut list = vec![
        (
            "subledger_loans",
            PostingRole::LoanPortfolio,
            t.outstanding,
            true,
        ),
        (
            "subledger_savings",
            PostingRole::SavingsDeposits,
            t.savings,
            false,
        ),
        (
            "subledger_member_credit",
            PostingRole::MemberCredit,
            t.member_credit,
            false,
        ),
        (
            "subledger_savings_clearing",
            PostingRole::SavingsClearing,
            t.clearing,
            false,
        ),
    ];
    if accrual {
        list.push((
            "subledger_interest_receivable",
            PostingRole::InterestReceivable,
            t.interest_due,
            true,
        ));
        list.push((
            "subledger_fine_receivable",
            PostingRole::FineReceivable,
            t.fines_due + t.savings_fines,
            true,
        ));
    }
    for (check, role, expected, debit_normal) in list {
        let code = d.ctx.chart.code(role).to_owned();
        let gl = gl_balance(d, &code, as_of) * if debit_normal { 1 } else { -1 };
        if gl != expected {
            c.add(
                check,
                Severity::Critical,
                format!("account {code} does not agree with its sub-ledger"),
                vec![code],
                &[("general_ledger", gl), ("sub_ledger", expected)],
            )?;
        }
    }
    Ok(())
}

/// Σ of each member's ledger rows (debit − credit, minor units).
fn member_balances(d: &Derived) -> BTreeMap<String, i128> {
    let mut out = BTreeMap::new();
    for (member, _, debit, credit, _) in member_rows(d) {
        *out.entry(member.to_string()).or_insert(0) += debit - credit;
    }
    out
}

/// `member_ledger_total` (#6): the members' ledgers add up to the member-linked lines of their
/// accounts in the general ledger.
fn member_ledger_total(c: &mut Checker<'_>, d: &Derived) -> Result<()> {
    let codes = member_codes(&d.ctx.chart);
    let linked: i128 = d
        .entries
        .iter()
        .filter(|e| e.header().member.is_some())
        .flat_map(|e| e.lines())
        .filter(|l| codes.contains(l.account()))
        .map(|l| l.signed())
        .sum();
    let ledgers: i128 = member_balances(d).values().sum();
    if linked != ledgers {
        c.add(
            "member_ledger_total",
            Severity::Critical,
            "the members' ledgers do not add up to their accounts in the general ledger".to_owned(),
            vec![],
            &[("general_ledger", linked), ("member_ledgers", ledgers)],
        )?;
    }
    Ok(())
}

/// `member_ledger_chain`: a stored member ledger's running balances follow its rows (a break
/// above 1.00 is critical), and each member's stored balance equals the books'.
fn member_ledger_chain(c: &mut Checker<'_>, books: &Books, d: &Derived) -> Result<()> {
    let Some(rows) = &books.stored_member_ledger else {
        return Ok(());
    };
    let mut running: BTreeMap<&str, i128> = BTreeMap::new();
    for r in rows {
        let bal = running.entry(r.member.as_str()).or_insert(0);
        *bal += c.minor(r.debit)? - c.minor(r.credit)?;
        let expected = *bal;
        let stored = c.minor(r.balance)?;
        if stored != expected {
            c.add(
                "member_ledger_chain",
                Severity::by_difference(stored, expected, 100),
                format!("member ledger row {}: the running balance is broken", r.id),
                vec![r.member.clone(), r.id.clone()],
                &[("stored", stored), ("expected", expected)],
            )?;
        }
    }
    let derived_members = member_balances(d);
    for (member, bal) in running {
        let derived = derived_members.get(member).copied().unwrap_or(0);
        if bal != derived {
            c.add(
                "member_ledger_chain",
                Severity::Critical,
                format!("member {member}: the stored ledger differs from the books"),
                vec![member.to_owned()],
                &[("stored", bal), ("derived", derived)],
            )?;
        }
    }
    Ok(())
}

/// `trial_balance` (#9) of the derived journal; returns its imbalance (debit − credit, minor
/// units) for the alert.
fn derived_trial_balance(c: &mut Checker<'_>, d: &Derived, as_of: NaiveDate) -> Result<i128> {
    let tb = trial_balance(&d.entries, &d.ctx.chart, &d.ctx.currency, as_of)?;
    let (debit, credit) = (c.minor(tb.total_debit)?, c.minor(tb.total_credit)?);
    if debit != credit {
        c.add(
            "trial_balance",
            Severity::Critical,
            "the trial balance does not balance".to_owned(),
            vec![],
            &[("debit", debit), ("credit", credit)],
        )?;
    }
    Ok(debit - credit)
}

/// The stored journal's checks: `entry_balance` (#8) and `stored_journal` per stored entry,
/// `stored_journal` for each derived entry missing from it, and its `trial_balance`. Returns
/// its imbalance (minor units) for the alert; `None` without a stored journal.
fn stored_journal(c: &mut Checker<'_>, books: &Books, d: &Derived) -> Result<Option<i128>> {
    let Some(stored) = &books.stored_journal else {
        return Ok(None);
    };
    let (mut sd, mut sc) = (0_i128, 0_i128);
    let mut stored_ids = BTreeSet::new();
    for e in stored {
        stored_ids.insert(e.id.as_str());
        let (mut ed, mut ec) = (0, 0);
        for l in &e.lines {
            ed += c.minor(l.debit)?;
            ec += c.minor(l.credit)?;
        }
        sd += ed;
        sc += ec;
        if ed != ec {
            c.add(
                "entry_balance",
                Severity::by_difference(ed, ec, 1),
                format!("stored entry {} does not balance", e.id),
                vec![e.id.clone()],
                &[("debit", ed), ("credit", ec)],
            )?;
        }
        match d.entries.iter().find(|x| x.id() == e.id) {
            None => c.add(
                "stored_journal",
                Severity::Critical,
                format!("stored entry {} is not in the books", e.id),
                vec![e.id.clone()],
                &[("debit", ed)],
            )?,
            Some(x) => {
                let mut a: Vec<(String, i128, i128)> = x
                    .lines()
                    .iter()
                    .map(|l| (l.account().to_owned(), l.debit(), l.credit()))
                    .collect();
                let mut b: Vec<(String, i128, i128)> = e
                    .lines
                    .iter()
                    .map(|l| Ok((l.account.clone(), c.minor(l.debit)?, c.minor(l.credit)?)))
                    .collect::<Result<_>>()?;
                a.sort();
                b.sort();
                if a != b || x.date() != e.date {
                    c.add(
                        "stored_journal",
                        Severity::Critical,
                        format!("stored entry {} differs from the books", e.id),
                        vec![e.id.clone()],
                        &[("stored", ed), ("derived", x.total())],
                    )?;
                }
            }
        }
    }
    for x in d.entries.iter().filter(|x| x.date() <= books.as_of) {
        if !stored_ids.contains(x.id()) {
            c.add(
                "stored_journal",
                Severity::Critical,
                format!("entry {} is missing from the stored journal", x.id()),
                vec![x.id().to_owned()],
                &[("derived", x.total())],
            )?;
        }
    }
    if sd != sc {
        c.add(
            "trial_balance",
            Severity::by_difference(sd, sc, 100),
            "the stored journal does not balance".to_owned(),
            vec![],
            &[("debit", sd), ("credit", sc)],
        )?;
    }
    Ok(Some(sd - sc))
}

/// The bank lines (#7): `negative_amounts` of a line's amount (zero counts) and mapped amount,
/// `bank_over_mapped`; the unmapped lines' count, amount, age and ageing per day.
fn bank_lines(c: &mut Checker<'_>, books: &Books, alerts: &AlertConfig) -> Result<BankTally> {
    let as_of = books.as_of;
    let cutoff = as_of
        .checked_sub_days(Days::new(u64::from(alerts.unmapped_older_than_days)))
        .unwrap_or(as_of);
    let window = as_of.checked_sub_days(Days::new(30)).unwrap_or(as_of);
    let mut bank = BankTally::default();
    for b in &books.bank_transactions {
        let t = &b.transaction;
        let id = &t.key;
        let amount = c.minor(t.amount)?;
        let mapped = c.minor(b.mapped_amount)?;
        if amount <= 0 {
            c.negative(
                format!("bank transaction {id} amount"),
                if amount == 0 { -1 } else { amount },
            )?;
        }
        c.negative(format!("bank transaction {id} mapped amount"), mapped)?;
        if mapped > amount {
            c.add(
                "bank_over_mapped",
                Severity::Critical,
                format!("bank transaction {id} is mapped beyond its amount"),
                vec![id.clone()],
                &[("amount", amount), ("mapped", mapped)],
            )?;
        }
        if b.status == MappingStatus::Unmapped {
            bank.unmapped += 1;
            bank.unmapped_amount += amount;
            if t.date < cutoff {
                bank.old_unmapped.push(id.clone());
            }
            if t.date > window && t.date <= as_of {
                let day = bank.ageing.entry(t.date).or_default();
                day.0 += 1;
                if t.direction == Direction::Debit {
                    day.2 += amount;
                } else {
                    day.1 += amount;
                }
            }
        }
    }
    Ok(bank)
}

/// `duplicate_utr`: a UTR (normalised as the statement import normalises it) repeats on one
/// bank account in one direction (a UPI reversal shares its payment's RRN).
fn duplicate_utr(c: &mut Checker<'_>, books: &Books) -> Result<()> {
    let mut by_utr: BTreeMap<(&str, String, Direction), Vec<String>> = BTreeMap::new();
    for b in &books.bank_transactions {
        let t = &b.transaction;
        if let Some(u) = t
            .utr
            .as_deref()
            .map(crate::reference::normalise_utr)
            .filter(|u| !u.is_empty())
        {
            by_utr
                .entry((b.bank_account.as_str(), u, t.direction))
                .or_default()
                .push(t.key.clone());
        }
    }
    for ((account, utr, _), ids) in by_utr {
        if ids.len() > 1 {
            c.add(
                "duplicate_utr",
                Severity::Critical,
                format!(
                    "UTR {utr} appears {} times on bank account {account:?}",
                    ids.len()
                ),
                ids,
                &[],
            )?;
        }
    }
    Ok(())
}

/// `audit_trail` (#15): every loan and savings event of the last 30 days has an audit record
/// (a disbursement is recorded as its loan).
fn audit_trail(c: &mut Checker<'_>, books: &Books, loans: &[LoanAsOf<'_>]) -> Result<()> {
    let Some(log) = &books.audit_log else {
        return Ok(());
    };
    let as_of = books.as_of;
    let seen: BTreeSet<(&str, &str)> = log
        .iter()
        .map(|r| (r.entity.as_str(), r.id.as_str()))
        .collect();
    let recent = as_of.checked_sub_days(Days::new(30)).unwrap_or(as_of);
    let in_window = |d: NaiveDate| d > recent && d <= as_of;
    for l in loans {
        for e in l.loan.events.iter().filter(|e| in_window(e.value_date)) {
            let (entity, id) = if matches!(e.body, EventBody::Disbursed { .. }) {
                ("loan", l.id.as_str())
            } else {
                ("event", e.id.as_str())
            };
            if !seen.contains(&(entity, id)) {
                c.add(
                    "audit_trail",
                    Severity::Warning,
                    format!("{entity} {id} has no audit record"),
                    vec![l.id.clone(), e.id.clone()],
                    &[],
                )?;
            }
        }
    }
    for a in &books.savings {
        for e in a.events.iter().filter(|e| in_window(e.value_date)) {
            if !seen.contains(&("event", e.id.as_str())) {
                c.add(
                    "audit_trail",
                    Severity::Warning,
                    format!("event {} has no audit record", e.id),
                    vec![a.account_id.clone(), e.id.clone()],
                    &[],
                )?;
            }
        }
    }
    Ok(())
}

/// The alert rules that fire: too many negative balances, too many old unmapped bank lines,
/// a journal off by more than the tolerance.
fn fired_alerts(
    c: &Checker<'_>,
    alerts: &AlertConfig,
    old_unmapped: &[String],
    imbalances: Vec<(String, i128)>,
) -> Result<Vec<Alert>> {
    let mut fired = Vec::new();
    let neg = c.negatives.len();
    if neg > alerts.negative_balance_max_count as usize {
        fired.push(Alert {
            rule: "negative_balance".to_owned(),
            threshold: alerts.negative_balance_max_count.to_string(),
            value: neg.to_string(),
            message: format!("{neg} negative balances"),
            items: c.negatives.clone(),
        });
    }
    if old_unmapped.len() > alerts.unmapped_max_count as usize {
        fired.push(Alert {
            rule: "unmapped_transactions".to_owned(),
            threshold: alerts.unmapped_max_count.to_string(),
            value: old_unmapped.len().to_string(),
            message: format!(
                "{} bank transactions unmapped for more than {} days",
                old_unmapped.len(),
                alerts.unmapped_older_than_days
            ),
            items: old_unmapped.to_vec(),
        });
    }
    let tolerance = c.minor(alerts.trial_balance_tolerance)?;
    for (what, diff) in imbalances {
        if diff.abs() > tolerance {
            let off = c.currency.money(diff.abs())?;
            fired.push(Alert {
                rule: "trial_balance_imbalance".to_owned(),
                threshold: alerts.trial_balance_tolerance.to_string(),
                value: off.to_string(),
                message: format!("the {what} is off by {off}"),
                items: vec![what],
            });
        }
    }
    Ok(fired)
}

/// Whether a check ran: those that need data the snapshot lacks are left out.
fn ran(check: &str, books: &Books, accrual: bool) -> bool {
    match check {
        "subledger_interest_receivable" | "subledger_fine_receivable" => accrual,
        "npa_periods" => accrual && books.loans.iter().any(|l| !l.npa.is_empty()),
        "event_chain" => books.loans.iter().any(chained),
        "entry_balance" | "stored_journal" => books.stored_journal.is_some(),
        "member_ledger_chain" => books.stored_member_ledger.is_some(),
        "audit_trail" => books.audit_log.is_some(),
        "orphans" => books.members.is_some(),
        "bank_reconciliation" => !books.bank_statements.is_empty(),
        _ => true,
    }
}

/// The report: the findings, the summary panel, the risk bands, the credit scores and the
/// unmapped ageing.
fn report(
    books: &Books,
    d: &Derived,
    c: Checker<'_>,
    fired: Vec<Alert>,
    mut t: Tally<'_>,
    bank: BankTally,
) -> Result<CheckReport> {
    let currency = c.currency;
    let m = |v: i128| currency.money(v);
    let summary = CheckSummary {
        active_loans: t.active_loans,
        outstanding_principal: m(t.outstanding)?,
        overdue_loans: t.overdue_loans,
        overdue_amount: m(t.overdue_amount)?,
        pending_fines: t.pending_fines,
        pending_fine_amount: m(t.pending_fine_amount)?,
        unmapped_transactions: bank.unmapped,
        unmapped_amount: m(bank.unmapped_amount)?,
        active_members: t.active_members.len(),
        savings_balance: m(t.savings)?,
        journal_entries: d.entries.len(),
    };
    let risk_bands = OverdueBand::ALL
        .iter()
        .filter_map(|b| t.bands.remove(b).map(|v| (*b, v)))
        .map(|(band, (loans, overdue, loan_ids))| {
            Ok(RiskBand {
                band,
                loans,
                overdue: m(overdue)?,
                loan_ids,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let credit_scores = t
        .late_by_member
        .into_iter()
        .map(|(member, late)| {
            let (rating, stars) = Rating::of(late);
            CreditScore {
                member: member.to_owned(),
                late_installments: late,
                stars,
                rating,
            }
        })
        .collect();
    let unmapped_ageing = bank
        .ageing
        .into_iter()
        .map(|(date, (count, cr, dr))| {
            Ok(UnmappedDay {
                date,
                count,
                credits: m(cr)?,
                debits: m(dr)?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let accrual = d.ctx.basis == Basis::Accrual;
    let violations = c.violations;
    Ok(CheckReport {
        as_of: books.as_of,
        ok: violations.is_empty() && fired.is_empty(),
        checks: CHECKS
            .iter()
            .filter(|check| ran(check, books, accrual))
            .map(|s| (*s).to_owned())
            .collect(),
        skipped: CHECKS
            .iter()
            .filter(|check| !ran(check, books, accrual))
            .map(|s| (*s).to_owned())
            .collect(),
        violations,
        alerts: fired,
        summary,
        risk_bands,
        credit_scores,
        unmapped_ageing,
        bank_reconciliations: Vec::new(),
    })
}

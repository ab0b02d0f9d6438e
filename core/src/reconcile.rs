//! Reconciliation checks and alerts over a books snapshot.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Days, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::account::{EventBody, InstallmentStatus, LoanEvent, Replay, fine_snapshot, replay};
use crate::bank_line::{Direction, MappingStatus};
use crate::books::{Books, Derived, derive, member_codes, member_rows};
use crate::classification::ClassificationPolicy;
use crate::error::{CoreError, Result};
use crate::fines::assess_fines;
use crate::ledger::{PostingRole, trial_balance};
use crate::money::{Currency, Money};
use crate::savings::{SavingsBody, SavingsMode, savings_statement};

/// A stored journal line. A line of the `postings` output is accepted as it is (its `role` is
/// information; only the account, debit and credit are compared).
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoredLine {
    /// Account code.
    pub account: String,
    /// The posting role, as `postings` writes it (not compared).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// Debit.
    #[serde(default)]
    pub debit: Money,
    /// Credit.
    #[serde(default)]
    pub credit: Money,
}

/// A journal entry as stored elsewhere (it may not balance). An entry of the `postings` output
/// is accepted as it is: its header fields (`kind`, `account`, `event_id`, `member`,
/// `reverses`, `replaces`, `narration`) are information; the `stored_journal` check compares
/// ids, dates and lines.
///
/// # Example
/// ```
/// let e: windeep_core::StoredEntry = serde_json::from_str(r#"{"id": "LN1/p1",
///     "date": "2026-02-05", "kind": "payment_received", "account": "LN1", "event_id": "p1",
///     "member": "M1", "lines": [{"account": "1102", "role": "bank", "debit": "10.00",
///     "credit": "0.00"}, {"account": "1201", "role": "loan_portfolio", "debit": "0.00",
///     "credit": "10.00"}]}"#).unwrap();
/// assert_eq!(e.lines.len(), 2);
/// ```
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoredEntry {
    /// Id.
    pub id: String,
    /// Date.
    #[serde(with = "crate::money::iso_date")]
    pub date: NaiveDate,
    /// What the entry records (`postings` output; not compared).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// The loan or savings account (`postings` output; not compared).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    /// The event (`postings` output; not compared).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_id: Option<String>,
    /// The member (`postings` output; not compared).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub member: Option<String>,
    /// The entry a mirror reverses (`postings` output; not compared).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reverses: Option<String>,
    /// The entry a correction replaces (`postings` output; not compared).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replaces: Option<String>,
    /// A manual entry's narration (`postings` output; not compared).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub narration: Option<String>,
    /// Lines.
    pub lines: Vec<StoredLine>,
}

/// A member-ledger row as stored elsewhere, with its running balance.
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoredLedgerRow {
    /// Row id.
    pub id: String,
    /// Member.
    pub member: String,
    /// Date.
    #[serde(with = "crate::money::iso_date")]
    pub date: NaiveDate,
    /// Debit.
    #[serde(default)]
    pub debit: Money,
    /// Credit.
    #[serde(default)]
    pub credit: Money,
    /// The stored running balance after the row.
    pub balance: Money,
}

/// An audit-log record.
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditRecord {
    /// `loan`, `event` or `savings`.
    pub entity: String,
    /// The id.
    pub id: String,
    /// The action recorded.
    #[serde(default)]
    pub action: Option<String>,
}

/// Thresholds of the alert rules (the daily reconciliation job's configuration).
///
/// # Example
/// ```
/// let a: windeep_core::AlertConfig = serde_json::from_str(r#"{"unmapped_older_than_days": 5}"#).unwrap();
/// assert_eq!(a.unmapped_max_count, 10);
/// ```
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AlertConfig {
    /// Alert when more balances than this are negative (default 0).
    pub negative_balance_max_count: u32,
    /// A bank transaction still unmapped this many days after its date is old (default 3).
    pub unmapped_older_than_days: u32,
    /// Alert when more old unmapped transactions than this exist (default 10).
    pub unmapped_max_count: u32,
    /// Alert when a trial balance is off by more than this (default 1.00).
    pub trial_balance_tolerance: Money,
    /// The NPA threshold of the risk bands (default 90 days).
    pub npa_after_days: u32,
}

impl Default for AlertConfig {
    fn default() -> Self {
        Self {
            negative_balance_max_count: 0,
            unmapped_older_than_days: 3,
            unmapped_max_count: 10,
            trial_balance_tolerance: Money::from_decimal(rust_decimal::Decimal::new(100, 2)),
            npa_after_days: ClassificationPolicy::default().npa_after_days,
        }
    }
}

/// A discrepancy found by a check.
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Violation {
    /// The check's name.
    pub check: String,
    /// `critical` or `warning`.
    pub severity: String,
    /// What is wrong, in words (for people: the command line prints it; not serialised).
    #[serde(skip)]
    pub message: String,
    /// The ids concerned (loan, event, account, entry, member …).
    pub ids: Vec<String>,
    /// The figures concerned, by name.
    pub amounts: BTreeMap<String, Money>,
}

/// An alert rule that fired.
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Alert {
    /// The rule.
    pub rule: String,
    /// Its threshold.
    pub threshold: String,
    /// The value found.
    pub value: String,
    /// What it means, in words (for people; not serialised).
    #[serde(skip)]
    pub message: String,
    /// The items concerned.
    pub items: Vec<String>,
}

/// The summary panel of the legacy validation report.
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckSummary {
    /// Active loans.
    pub active_loans: usize,
    /// Their outstanding principal.
    pub outstanding_principal: Money,
    /// Loans with something past due.
    pub overdue_loans: usize,
    /// Σ unpaid principal and interest past due.
    pub overdue_amount: Money,
    /// Fines with a balance.
    pub pending_fines: usize,
    /// Σ fine balances.
    pub pending_fine_amount: Money,
    /// Bank transactions not mapped.
    pub unmapped_transactions: usize,
    /// Their amount.
    pub unmapped_amount: Money,
    /// Members with an active loan or a savings account.
    pub active_members: usize,
    /// Σ savings balances.
    pub savings_balance: Money,
    /// Entries in the journal.
    pub journal_entries: usize,
}

/// Overdue loans in one risk band (validation query #12).
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RiskBand {
    /// `npa` (> threshold), `high` (31 to threshold), `moderate` (8–30), `early` (1–7).
    pub band: String,
    /// Loans.
    pub loans: usize,
    /// Σ overdue.
    pub overdue: Money,
    /// The loans.
    pub loan_ids: Vec<String>,
}

/// A member's repayment record (validation query #14).
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CreditScore {
    /// The member.
    pub member: String,
    /// Installments paid late or still past due.
    pub late_installments: usize,
    /// 5 (none late), 4 (≤ 2), 3 (≤ 5), 2 (≤ 10), 1.
    pub stars: u8,
    /// `excellent`, `good`, `average`, `poor`, `bad`.
    pub rating: String,
}

/// Unmapped bank transactions of one day (validation query #7a).
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnmappedDay {
    /// The date.
    #[serde(with = "crate::money::iso_date")]
    pub date: NaiveDate,
    /// Transactions.
    pub count: usize,
    /// Σ credits.
    pub credits: Money,
    /// Σ debits.
    pub debits: Money,
}

/// The result of the daily checks.
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckReport {
    /// The books date.
    #[serde(with = "crate::money::iso_date")]
    pub as_of: NaiveDate,
    /// No violation and no alert.
    pub ok: bool,
    /// The checks run (those that need data the snapshot lacks are left out).
    pub checks: Vec<String>,
    /// Every discrepancy.
    pub violations: Vec<Violation>,
    /// The alert rules that fired.
    pub alerts: Vec<Alert>,
    /// The summary panel.
    pub summary: CheckSummary,
    /// Overdue loans by risk band.
    pub risk_bands: Vec<RiskBand>,
    /// Members' repayment records.
    pub credit_scores: Vec<CreditScore>,
    /// Unmapped transactions per day over the last 30 days.
    pub unmapped_ageing: Vec<UnmappedDay>,
}

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
    "stored_journal",
];

struct Checker<'a> {
    currency: &'a Currency,
    violations: Vec<Violation>,
    negatives: Vec<String>,
}

impl Checker<'_> {
    fn add(
        &mut self,
        check: &str,
        severity: &str,
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
            severity: severity.to_owned(),
            message,
            ids,
            amounts,
        });
        Ok(())
    }

    fn minor(&self, m: Money) -> Result<i128> {
        self.currency.minor(m)
    }

    fn negative(&mut self, what: String, v: i128) -> Result<()> {
        if v < 0 {
            self.add(
                "negative_amounts",
                "critical",
                format!("{what} is negative"),
                vec![what.clone()],
                &[("amount", v)],
            )?;
            self.negatives.push(what);
        }
        Ok(())
    }
}

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

/// Σ of each member's ledger rows (debit − credit).
fn member_balances(d: &Derived) -> BTreeMap<String, i128> {
    let mut out = BTreeMap::new();
    for (member, _, debit, credit, _) in member_rows(d) {
        *out.entry(member.to_string()).or_insert(0) += debit - credit;
    }
    out
}

/// The books without the accounts (loans, savings accounts, manual entries) whose own events
/// or lines are refused, each with its error: bad data is a finding of `check_books`, not an
/// abort. An account is tried alone in books of the same configuration.
fn without_refused(books: &Books) -> Result<(Books, Vec<(String, CoreError)>)> {
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

fn gl_balance(d: &Derived, code: &str, as_of: NaiveDate) -> i128 {
    d.entries
        .iter()
        .filter(|e| e.date() <= as_of)
        .flat_map(|e| e.lines())
        .filter(|l| l.account() == code)
        .map(|l| l.signed())
        .sum()
}

/// Every reconciliation check of the legacy validation queries (legacy-spec §10.6) and the
/// sub-ledger ↔ general-ledger agreements, over a books snapshot, plus the alert rules (the
/// `check_books` operation). The report lists every violation with its ids and amounts;
/// `ok` is false when any violation or alert is found.
///
/// # Errors
/// Only when the books themselves cannot be read (an event refused by its fold, a bad chart):
/// those are errors of [`crate::journal`], not violations.
#[allow(clippy::too_many_lines)]
pub fn check_books(books: &Books, alerts: &AlertConfig) -> Result<CheckReport> {
    let as_of = books.as_of;
    let reduced;
    let (books, d, refused) = match derive(books, None) {
        Ok(d) => (books, d, Vec::new()),
        Err(_) => {
            let (r, refused) = without_refused(books)?;
            reduced = r;
            (&reduced, derive(&reduced, None)?, refused)
        }
    };
    let currency = &books.currency;
    let mut c = Checker {
        currency,
        violations: Vec::new(),
        negatives: Vec::new(),
    };
    // Accounts whose events the folds refuse are findings, left out of every other check.
    for (id, e) in refused {
        c.add(
            "account_refused",
            "critical",
            format!("{id}: {e}"),
            vec![id, e.code().to_owned()],
            &[],
        )?;
    }
    // Hash chains: every loan whose events carry `prev_hash` is verified in stored order.
    for l in &books.loans {
        if l.events
            .iter()
            .any(|e| e.prev_hash.is_some() || e.hash.is_some())
        {
            let stored: Vec<crate::account::StoredEvent> = if l.stored.is_empty() {
                l.events
                    .iter()
                    .map(crate::account::StoredEvent::of)
                    .collect()
            } else {
                l.stored.clone()
            };
            let r = crate::account::verify_chain(&stored);
            if r.status != "ok" {
                let id = l.loan_id().map_or_else(|_| String::new(), str::to_owned);
                c.add(
                    "event_chain",
                    "critical",
                    format!("loan {id}: event chain {}", r.status),
                    vec![id, r.event_id.unwrap_or_default(), r.status],
                    &[],
                )?;
            }
        }
    }
    let chart = &d.ctx.chart;
    let derived_npa: BTreeMap<&str, &Vec<crate::books::NpaPeriod>> = books
        .loans
        .iter()
        .zip(&d.npa_periods)
        .filter_map(|(l, p)| l.loan_id().ok().map(|id| (id, p)))
        .collect();
    let members: Option<BTreeSet<&str>> = books
        .members
        .as_ref()
        .map(|m| m.iter().map(String::as_str).collect());

    // Loans as of the books date.
    let mut replays: Vec<(String, &str, Replay, &crate::books::BookLoan)> = Vec::new();
    for l in &books.loans {
        let disbursed_later = l
            .events
            .iter()
            .min_by_key(|e| e.sequence)
            .is_some_and(|e| e.value_date > as_of);
        if disbursed_later {
            continue;
        }
        let r = replay(&l.events, as_of)?;
        replays.push((r.state.loan_id.clone(), l.member.as_str(), r, l));
    }
    let (mut total_outstanding, mut total_interest_due, mut total_fines, mut total_credit) =
        (0_i128, 0_i128, 0_i128, 0_i128);
    let (mut active, mut overdue_loans, mut overdue_amount) = (0_usize, 0_usize, 0_i128);
    let (mut pending_fines, mut pending_fine_amount) = (0_usize, 0_i128);
    let mut active_members: BTreeSet<&str> = BTreeSet::new();
    let mut bands: BTreeMap<&str, (usize, i128, Vec<String>)> = BTreeMap::new();
    let mut scores: BTreeMap<&str, usize> = BTreeMap::new();
    for (loan_id, member, r, loan) in &replays {
        let s = &r.state;
        let op = c.minor(s.outstanding_principal)?;
        let idue = c.minor(s.interest_due)?;
        let fdue = c.minor(s.fines_due)?;
        let credit = c.minor(s.member_credit)?;
        total_outstanding += op;
        total_interest_due += idue;
        total_fines += fdue;
        total_credit += credit;
        if s.status == "active" {
            active += 1;
            active_members.insert(member);
        }
        // Member credit held while an installment is past due should have been applied.
        if credit > 0 && s.days_past_due > 0 {
            c.add(
                "credit_while_overdue",
                "warning",
                format!(
                    "{loan_id} holds member credit while {} days past due",
                    s.days_past_due
                ),
                vec![loan_id.clone()],
                &[("member_credit", credit)],
            )?;
        }
        // #1 schedule principal.
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
                "critical",
                format!("loan {loan_id}: installment principal does not add up to the loan"),
                vec![loan_id.clone()],
                &[("installments", rows), ("expected", expected)],
            )?;
        }
        // #2 cached figures.
        if let Some(cached) = &loan.cached {
            let pairs = [
                ("outstanding_principal", cached.outstanding_principal, op),
                ("interest_due", cached.interest_due, idue),
                ("fines_due", cached.fines_due, fdue),
            ];
            for (name, stored, derived) in pairs {
                if let Some(stored) = stored {
                    let v = c.minor(stored)?;
                    c.negative(format!("{loan_id} cached {name}"), v)?;
                    if v != derived {
                        c.add(
                            "cached_loan_figures",
                            if (v - derived).abs() > 100 {
                                "critical"
                            } else {
                                "warning"
                            },
                            format!("loan {loan_id}: stored {name} differs from the events"),
                            vec![loan_id.clone()],
                            &[("stored", v), ("derived", derived)],
                        )?;
                    }
                }
            }
            if let Some(st) = &cached.status
                && st != &s.status
            {
                c.add(
                    "cached_loan_figures",
                    "critical",
                    format!(
                        "loan {loan_id}: stored status {st} differs from {}",
                        s.status
                    ),
                    vec![loan_id.clone()],
                    &[],
                )?;
            }
        }
        // #3 allocation completeness.
        for o in &r.outcomes {
            let Some(a) = &o.allocation else {
                continue;
            };
            let lines: i128 = a
                .lines
                .iter()
                .map(|l| c.minor(l.amount))
                .sum::<Result<i128>>()?;
            for l in &a.lines {
                c.negative(
                    format!("{loan_id}/{} allocation line", o.event_id),
                    c.minor(l.amount)?,
                )?;
            }
            let paid = loan
                .events
                .iter()
                .find(|e| e.id == o.event_id)
                .and_then(body_amount)
                .map_or(Ok(0), |m| c.minor(m))?;
            let total = lines + c.minor(a.excess)?;
            if total != paid {
                c.add(
                    "allocation_complete",
                    "critical",
                    format!(
                        "payment {} of {loan_id}: lines + excess differ from the amount",
                        o.event_id
                    ),
                    vec![loan_id.clone(), o.event_id.clone()],
                    &[("amount", paid), ("allocated", total)],
                )?;
            }
        }
        // #4a, #4b, #5 fines.
        let mut by_slot: BTreeMap<(u32, u32), BTreeSet<&str>> = BTreeMap::new();
        for f in &s.fines {
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
                    "critical",
                    format!("fine {}: balance is not amount − paid − waived", f.key),
                    vec![f.key.clone()],
                    &[("amount", a), ("paid", p), ("waived", w), ("balance", b)],
                )?;
            }
            c.negative(format!("fine {} balance", f.key), b)?;
            if b > 0 {
                pending_fines += 1;
                pending_fine_amount += b;
            }
            by_slot
                .entry((f.installment, f.occurrence))
                .or_default()
                .insert(f.rule_id.as_str());
            let rule = books
                .fine_rules
                .iter()
                .find(|r| r.id.to_string() == f.rule_id);
            if let Some(cap) = rule.and_then(|r| r.cap)
                && a > c.minor(cap)?
            {
                c.add(
                    "fine_above_cap",
                    "critical",
                    format!("fine {} is above its rule's cap", f.key),
                    vec![f.key.clone()],
                    &[("amount", a), ("cap", c.minor(cap)?)],
                )?;
            }
        }
        // With the book's fine rules, fines of successive windows or rule changes are each
        // derived by the fine engine (each late day charged once) and are no duplicates; on a
        // loan that is not active no late day is assessed, so nothing is judged.
        let active = s.status == "active";
        let derived =
            if !books.fine_rules.is_empty() && active && by_slot.values().any(|r| r.len() > 1) {
                let snap = fine_snapshot(&loan.events, as_of, None)?;
                Some(crate::fines::fine_keys(&snap, &books.fine_rules, as_of)?)
            } else {
                None
            };
        for ((inst, occ), rules) in by_slot {
            let judged = books.fine_rules.is_empty() || active;
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
                    "critical",
                    format!(
                        "loan {loan_id} installment {inst}: {} rules fined occurrence {occ}",
                        rules.len()
                    ),
                    std::iter::once(loan_id.clone())
                        .chain(rules.iter().map(|r| (*r).to_owned()))
                        .collect(),
                    &[],
                )?;
            }
        }
        if !books.fine_rules.is_empty() && s.status == "active" {
            let snap = fine_snapshot(&loan.events, as_of, None)?;
            for a in assess_fines(&snap, &books.fine_rules, as_of)? {
                let levied = snap
                    .installments
                    .iter()
                    .flat_map(|i| &i.fines)
                    .find(|f| f.key == a.key)
                    .map_or(Ok(0), |f| c.minor(f.amount))?;
                c.add(
                    "fine_per_rule",
                    "warning",
                    format!("fine {}: the rule calls for {}", a.key, a.amount),
                    vec![a.key.to_string()],
                    &[("levied", levied), ("rule", c.minor(a.amount)?)],
                )?;
            }
        }
        // #10a, #11, #12, #14.
        c.negative(format!("{loan_id} outstanding principal"), op)?;
        c.negative(format!("{loan_id} interest due"), idue)?;
        c.negative(format!("{loan_id} fines due"), fdue)?;
        c.negative(format!("{loan_id} member credit"), credit)?;
        let mut late = 0;
        let mut loan_overdue = 0;
        for i in &s.installments {
            let unpaid = c.minor(i.unpaid)?;
            c.negative(format!("{loan_id} installment {} unpaid", i.number), unpaid)?;
            if i.status == InstallmentStatus::Skipped
                && (c.minor(i.principal_paid)? != 0 || c.minor(i.interest_paid)? != 0)
            {
                c.add(
                    "skip_consistency",
                    "critical",
                    format!(
                        "loan {loan_id}: skipped installment {} has payments",
                        i.number
                    ),
                    vec![loan_id.clone()],
                    &[
                        ("principal_paid", c.minor(i.principal_paid)?),
                        ("interest_paid", c.minor(i.interest_paid)?),
                    ],
                )?;
            }
            if i.status == InstallmentStatus::Overdue {
                loan_overdue += unpaid;
            }
        }
        // NPA periods: the books derive them; a table supplied with the loan must agree.
        if books.config.basis == crate::ledger::Basis::Accrual
            && !loan.npa.is_empty()
            && derived_npa
                .get(loan_id.as_str())
                .is_some_and(|p| **p != loan.npa)
        {
            c.add(
                "npa_periods",
                "critical",
                format!("loan {loan_id}: the NPA periods supplied differ from the policy's"),
                vec![loan_id.clone()],
                &[],
            )?;
        }
        let snap = fine_snapshot(&loan.events, as_of, None)?;
        for i in &snap.installments {
            let unpaid = c.minor(i.unpaid_principal)? + c.minor(i.unpaid_interest)?;
            if unpaid > 0 || i.settled_on.is_some_and(|d| d > i.due_on) {
                late += 1;
            }
        }
        *scores.entry(member).or_insert(0) += late;
        if s.status == "active" && s.days_past_due > 0 {
            overdue_loans += 1;
            overdue_amount += loan_overdue;
            let dpd = s.days_past_due;
            let band = if dpd > i64::from(alerts.npa_after_days) {
                "npa"
            } else if dpd > 30 {
                "high"
            } else if dpd > 7 {
                "moderate"
            } else {
                "early"
            };
            let b = bands.entry(band).or_default();
            b.0 += 1;
            b.1 += loan_overdue;
            b.2.push(loan_id.clone());
        }
        // #10b orphans.
        if let Some(ms) = &members {
            if !ms.contains(member) {
                c.add(
                    "orphans",
                    "critical",
                    format!("loan {loan_id} belongs to an unknown member {member}"),
                    vec![loan_id.clone(), (*member).to_owned()],
                    &[],
                )?;
            }
            for e in &loan.events {
                if let EventBody::Disbursed { guarantors, .. } = &e.body {
                    for g in guarantors.iter().filter(|g| !ms.contains(g.as_str())) {
                        c.add(
                            "orphans",
                            "critical",
                            format!("loan {loan_id}: guarantor {g} is not a member"),
                            vec![loan_id.clone(), g.clone()],
                            &[],
                        )?;
                    }
                }
            }
        }
    }

    // Savings.
    let mut total_savings = 0_i128;
    let mut savings_fines = 0_i128;
    // Transfers to savings: what loans credited to savings, less what reached the accounts.
    let mut clearing = 0_i128;
    for (_, _, r, _) in &replays {
        clearing += c.minor(r.state.credited_to_savings)?;
    }
    for a in &books.savings {
        if a.opened_on > as_of {
            continue;
        }
        let st = savings_statement(a, as_of)?;
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
        for p in &st.passbook {
            if transfers.contains(p.event_id.as_str()) {
                clearing -= c.minor(p.amount)?;
            }
        }
        let bal = c.minor(st.balance)?;
        total_savings += bal;
        savings_fines += c.minor(st.fines_due)?;
        active_members.insert(a.member.as_str());
        c.negative(format!("{} savings balance", a.account_id), bal)?;
        for f in &st.fines {
            let b = c.minor(f.balance)?;
            if b > 0 {
                pending_fines += 1;
                pending_fine_amount += b;
            }
        }
        if let Some(cached) = a.cached_balance {
            let v = c.minor(cached)?;
            c.negative(format!("{} cached savings balance", a.account_id), v)?;
            if v != bal {
                c.add(
                    "cached_savings_balance",
                    "critical",
                    format!(
                        "savings {}: stored balance differs from the events",
                        a.account_id
                    ),
                    vec![a.account_id.clone()],
                    &[("stored", v), ("derived", bal)],
                )?;
            }
        }
        for x in &st.fine_assessments {
            c.add(
                "fine_per_rule",
                "warning",
                format!("savings fine {}: the rule calls for {}", x.key, x.amount),
                vec![x.key.to_string()],
                &[("rule", c.minor(x.amount)?)],
            )?;
        }
        if let Some(ms) = &members
            && !ms.contains(a.member.as_str())
        {
            c.add(
                "orphans",
                "critical",
                format!(
                    "savings account {} belongs to an unknown member {}",
                    a.account_id, a.member
                ),
                vec![a.account_id.clone(), a.member.clone()],
                &[],
            )?;
        }
    }
    if let Some(ms) = &members {
        for m in &books.journal {
            if let Some(who) = &m.member
                && !ms.contains(who.as_str())
            {
                c.add(
                    "orphans",
                    "critical",
                    format!("journal entry {} names an unknown member {who}", m.id),
                    vec![m.id.clone(), who.clone()],
                    &[],
                )?;
            }
        }
    }

    // More moved into savings accounts than loans credited to savings.
    c.negative("transfers to savings".to_owned(), clearing)?;

    // Sub-ledgers against the general ledger.
    let basis_accrual = d.ctx.basis == crate::ledger::Basis::Accrual;
    let mut sub =
        |check: &str, role: PostingRole, expected: i128, debit_normal: bool| -> Result<()> {
            let code = chart.code(role).to_owned();
            let gl = gl_balance(&d, &code, as_of) * if debit_normal { 1 } else { -1 };
            if gl != expected {
                c.add(
                    check,
                    "critical",
                    format!("account {code} does not agree with its sub-ledger"),
                    vec![code],
                    &[("general_ledger", gl), ("sub_ledger", expected)],
                )?;
            }
            Ok(())
        };
    sub(
        "subledger_loans",
        PostingRole::LoanPortfolio,
        total_outstanding,
        true,
    )?;
    sub(
        "subledger_savings",
        PostingRole::SavingsDeposits,
        total_savings,
        false,
    )?;
    sub(
        "subledger_member_credit",
        PostingRole::MemberCredit,
        total_credit,
        false,
    )?;
    sub(
        "subledger_savings_clearing",
        PostingRole::SavingsClearing,
        clearing,
        false,
    )?;
    if basis_accrual {
        sub(
            "subledger_interest_receivable",
            PostingRole::InterestReceivable,
            total_interest_due,
            true,
        )?;
        sub(
            "subledger_fine_receivable",
            PostingRole::FineReceivable,
            total_fines + savings_fines,
            true,
        )?;
    }

    // #6 member ledger.
    let derived_members = member_balances(&d);
    let codes = member_codes(chart);
    let linked: i128 = d
        .entries
        .iter()
        .filter(|e| e.header().member.is_some())
        .flat_map(|e| e.lines())
        .filter(|l| codes.contains(l.account()))
        .map(|l| l.signed())
        .sum();
    let ledgers: i128 = derived_members.values().sum();
    if linked != ledgers {
        c.add(
            "member_ledger_total",
            "critical",
            "the members' ledgers do not add up to their accounts in the general ledger".to_owned(),
            vec![],
            &[("general_ledger", linked), ("member_ledgers", ledgers)],
        )?;
    }
    if let Some(rows) = &books.stored_member_ledger {
        let mut running: BTreeMap<&str, i128> = BTreeMap::new();
        for r in rows {
            let bal = running.entry(r.member.as_str()).or_insert(0);
            *bal += c.minor(r.debit)? - c.minor(r.credit)?;
            let stored = c.minor(r.balance)?;
            if stored != *bal {
                let expected = *bal;
                c.add(
                    "member_ledger_chain",
                    if (stored - expected).abs() > 100 {
                        "critical"
                    } else {
                        "warning"
                    },
                    format!("member ledger row {}: the running balance is broken", r.id),
                    vec![r.member.clone(), r.id.clone()],
                    &[("stored", stored), ("expected", expected)],
                )?;
            }
        }
        for (member, bal) in running {
            let derived = derived_members.get(member).copied().unwrap_or(0);
            if bal != derived {
                c.add(
                    "member_ledger_chain",
                    "critical",
                    format!("member {member}: the stored ledger differs from the books"),
                    vec![member.to_owned()],
                    &[("stored", bal), ("derived", derived)],
                )?;
            }
        }
    }

    // #8, #9 journal balance; stored journal against the derived one.
    let tb = trial_balance(&d.entries, chart, currency, as_of)?;
    let tb_diff = c.minor(tb.total_debit)? - c.minor(tb.total_credit)?;
    let mut imbalances = vec![("derived journal".to_owned(), tb_diff)];
    if tb_diff != 0 {
        c.add(
            "trial_balance",
            "critical",
            "the trial balance does not balance".to_owned(),
            vec![],
            &[
                ("debit", c.minor(tb.total_debit)?),
                ("credit", c.minor(tb.total_credit)?),
            ],
        )?;
    }
    if let Some(stored) = &books.stored_journal {
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
                    if (ed - ec).abs() > 1 {
                        "critical"
                    } else {
                        "warning"
                    },
                    format!("stored entry {} does not balance", e.id),
                    vec![e.id.clone()],
                    &[("debit", ed), ("credit", ec)],
                )?;
            }
            let mine = d.entries.iter().find(|x| x.id() == e.id);
            match mine {
                None => c.add(
                    "stored_journal",
                    "critical",
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
                            "critical",
                            format!("stored entry {} differs from the books", e.id),
                            vec![e.id.clone()],
                            &[("stored", ed), ("derived", x.total())],
                        )?;
                    }
                }
            }
        }
        for x in d.entries.iter().filter(|x| x.date() <= as_of) {
            if !stored_ids.contains(x.id()) {
                c.add(
                    "stored_journal",
                    "critical",
                    format!("entry {} is missing from the stored journal", x.id()),
                    vec![x.id().to_owned()],
                    &[("derived", x.total())],
                )?;
            }
        }
        if sd != sc {
            c.add(
                "trial_balance",
                if (sd - sc).abs() > 100 {
                    "critical"
                } else {
                    "warning"
                },
                "the stored journal does not balance".to_owned(),
                vec![],
                &[("debit", sd), ("credit", sc)],
            )?;
        }
        imbalances.push(("stored journal".to_owned(), sd - sc));
    }

    // #7 bank transactions.
    // a UTR repeats only in one direction: a UPI reversal shares its payment's RRN
    let mut by_utr: BTreeMap<(String, String, Direction), Vec<String>> = BTreeMap::new();
    let (mut unmapped, mut unmapped_amount) = (0_usize, 0_i128);
    let cutoff = as_of
        .checked_sub_days(Days::new(u64::from(alerts.unmapped_older_than_days)))
        .unwrap_or(as_of);
    let mut old_unmapped = Vec::new();
    let mut ageing: BTreeMap<NaiveDate, (usize, i128, i128)> = BTreeMap::new();
    let window = as_of.checked_sub_days(Days::new(30)).unwrap_or(as_of);
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
                "critical",
                format!("bank transaction {id} is mapped beyond its amount"),
                vec![id.clone()],
                &[("amount", amount), ("mapped", mapped)],
            )?;
        }
        if let Some(u) = t
            .utr
            .as_deref()
            .map(crate::reference::normalise_utr)
            .filter(|u| !u.is_empty())
        {
            by_utr
                .entry((b.bank_account.clone(), u, t.direction))
                .or_default()
                .push(id.clone());
        }
        if b.status == MappingStatus::Unmapped {
            unmapped += 1;
            unmapped_amount += amount;
            if t.date < cutoff {
                old_unmapped.push(id.clone());
            }
            if t.date > window && t.date <= as_of {
                let day = ageing.entry(t.date).or_default();
                day.0 += 1;
                if t.direction == Direction::Debit {
                    day.2 += amount;
                } else {
                    day.1 += amount;
                }
            }
        }
    }
    for ((account, utr, _), ids) in by_utr {
        if ids.len() > 1 {
            c.add(
                "duplicate_utr",
                "critical",
                format!(
                    "UTR {utr} appears {} times on bank account {account:?}",
                    ids.len()
                ),
                ids,
                &[],
            )?;
        }
    }

    // #15 audit trail.
    if let Some(log) = &books.audit_log {
        let seen: BTreeSet<(&str, &str)> = log
            .iter()
            .map(|r| (r.entity.as_str(), r.id.as_str()))
            .collect();
        let recent = as_of.checked_sub_days(Days::new(30)).unwrap_or(as_of);
        for (loan_id, _, _, loan) in &replays {
            for e in loan
                .events
                .iter()
                .filter(|e| e.value_date > recent && e.value_date <= as_of)
            {
                let (entity, id) = if matches!(e.body, EventBody::Disbursed { .. }) {
                    ("loan", loan_id.as_str())
                } else {
                    ("event", e.id.as_str())
                };
                if !seen.contains(&(entity, id)) {
                    c.add(
                        "audit_trail",
                        "warning",
                        format!("{entity} {id} has no audit record"),
                        vec![loan_id.clone(), e.id.clone()],
                        &[],
                    )?;
                }
            }
        }
        for a in &books.savings {
            for e in a
                .events
                .iter()
                .filter(|e| e.value_date > recent && e.value_date <= as_of)
            {
                if !seen.contains(&("event", e.id.as_str())) {
                    c.add(
                        "audit_trail",
                        "warning",
                        format!("event {} has no audit record", e.id),
                        vec![a.account_id.clone(), e.id.clone()],
                        &[],
                    )?;
                }
            }
        }
    }

    // Alerts.
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
            items: old_unmapped,
        });
    }
    let tolerance = c.minor(alerts.trial_balance_tolerance)?;
    for (what, diff) in imbalances {
        if diff.abs() > tolerance {
            fired.push(Alert {
                rule: "trial_balance_imbalance".to_owned(),
                threshold: alerts.trial_balance_tolerance.to_string(),
                value: currency.money(diff.abs())?.to_string(),
                message: format!("the {what} is off by {}", currency.money(diff.abs())?),
                items: vec![what],
            });
        }
    }

    let m = |v: i128| currency.money(v);
    let summary = CheckSummary {
        active_loans: active,
        outstanding_principal: m(total_outstanding)?,
        overdue_loans,
        overdue_amount: m(overdue_amount)?,
        pending_fines,
        pending_fine_amount: m(pending_fine_amount)?,
        unmapped_transactions: unmapped,
        unmapped_amount: m(unmapped_amount)?,
        active_members: active_members.len(),
        savings_balance: m(total_savings)?,
        journal_entries: d.entries.len(),
    };
    let risk_bands = ["npa", "high", "moderate", "early"]
        .iter()
        .filter_map(|b| bands.remove(b).map(|v| (*b, v)))
        .map(|(band, (loans, overdue, loan_ids))| {
            Ok(RiskBand {
                band: band.to_owned(),
                loans,
                overdue: m(overdue)?,
                loan_ids,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let credit_scores = scores
        .into_iter()
        .map(|(member, late)| {
            let (stars, rating) = match late {
                0 => (5, "excellent"),
                1..=2 => (4, "good"),
                3..=5 => (3, "average"),
                6..=10 => (2, "poor"),
                _ => (1, "bad"),
            };
            CreditScore {
                member: member.to_owned(),
                late_installments: late,
                stars,
                rating: rating.to_owned(),
            }
        })
        .collect();
    let unmapped_ageing = ageing
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
    let violations = c.violations;
    Ok(CheckReport {
        as_of,
        ok: violations.is_empty() && fired.is_empty(),
        checks: CHECKS
            .iter()
            .filter(|c| match **c {
                "subledger_interest_receivable" | "subledger_fine_receivable" => basis_accrual,
                "npa_periods" => basis_accrual && books.loans.iter().any(|l| !l.npa.is_empty()),
                "event_chain" => books.loans.iter().any(|l| {
                    l.events
                        .iter()
                        .any(|e| e.prev_hash.is_some() || e.hash.is_some())
                }),
                "entry_balance" | "stored_journal" => books.stored_journal.is_some(),
                "member_ledger_chain" => books.stored_member_ledger.is_some(),
                "audit_trail" => books.audit_log.is_some(),
                "orphans" => books.members.is_some(),
                _ => true,
            })
            .map(|s| (*s).to_owned())
            .collect(),
        violations,
        alerts: fired,
        summary,
        risk_bands,
        credit_scores,
        unmapped_ageing,
    })
}

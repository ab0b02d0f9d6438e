//! Reconciliation checks and alerts over a books snapshot.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

mod checks;

use crate::books::Books;
use crate::dpd::{DPD_BANDS, OverdueBand};
use crate::error::Result;
use crate::money::Money;

/// Thresholds of the alert rules (the daily reconciliation job's configuration).
///
/// # Example
/// ```
/// let a: windeep_core::reconcile::AlertConfig = serde_json::from_str(r#"{"unmapped_older_than_days": 5}"#).unwrap();
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
            npa_after_days: DPD_BANDS.npa_after_days,
        }
    }
}

/// How grave a violation is.
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// The books are wrong: the figures disagree beyond rounding.
    Critical,
    /// To be looked at: a rounding-sized difference, or what a rule would have done.
    Warning,
}

impl Severity {
    /// The word of the JSON form (`critical`, `warning`).
    ///
    /// # Example
    /// ```
    /// assert_eq!(windeep_core::reconcile::Severity::Warning.as_str(), "warning");
    /// ```
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Critical => "critical",
            Self::Warning => "warning",
        }
    }

    /// `critical` when two figures (minor units) differ by more than `limit`, else `warning`.
    fn by_difference(a: i128, b: i128, limit: i128) -> Self {
        if (a - b).abs() > limit {
            Self::Critical
        } else {
            Self::Warning
        }
    }
}

impl std::fmt::Display for Severity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.as_str())
    }
}

/// A member's repayment rating (validation query #14), from the installments paid late or
/// still past due.
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rating {
    /// None late: 5 stars.
    Excellent,
    /// 1–2 late: 4 stars.
    Good,
    /// 3–5 late: 3 stars.
    Average,
    /// 6–10 late: 2 stars.
    Poor,
    /// More than 10 late: 1 star.
    Bad,
}

impl Rating {
    /// The rating and its stars for a number of late installments.
    ///
    /// # Example
    /// ```
    /// use windeep_core::reconcile::Rating;
    /// assert_eq!(Rating::of(0), (Rating::Excellent, 5));
    /// assert_eq!(Rating::of(2), (Rating::Good, 4));
    /// assert_eq!(Rating::of(11), (Rating::Bad, 1));
    /// ```
    #[must_use]
    pub const fn of(late_installments: usize) -> (Self, u8) {
        match late_installments {
            0 => (Self::Excellent, 5),
            1..=2 => (Self::Good, 4),
            3..=5 => (Self::Average, 3),
            6..=10 => (Self::Poor, 2),
            _ => (Self::Bad, 1),
        }
    }
}

/// A discrepancy found by a check.
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Violation {
    /// The check's name.
    pub check: String,
    /// How grave it is.
    pub severity: Severity,
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
    /// `npa` (> threshold), `high` (31 to threshold), `moderate` (8–30), `early` (1–7): the
    /// band table of [`crate::dpd`].
    pub band: OverdueBand,
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
    pub rating: Rating,
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
    /// The checks run.
    pub checks: Vec<String>,
    /// The checks not run because the snapshot lacks the data they need (e.g.
    /// `bank_reconciliation` without `bank_statements`, `orphans` without `members`).
    pub skipped: Vec<String>,
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
    /// The bank reconciliation statement of each of the books' `bank_statements`, in their
    /// order (empty without statements): balances, unreconciled items on each side, the
    /// adjusted balances and the difference (docs/books.md, "Bank reconciliation").
    pub bank_reconciliations: Vec<crate::bank_reconciliation::Reconciliation>,
}

/// Every reconciliation check of the legacy validation queries (legacy-spec §10.6) and the
/// sub-ledger ↔ general-ledger agreements, over a books snapshot, plus the alert rules (the
/// `check_books` operation). The report lists every violation with its ids and amounts;
/// `ok` is false when any violation or alert is found. The checks and their order are in
/// `docs/books.md`; each is one function of this module's `checks` part.
///
/// # Errors
/// Only when the books themselves cannot be read (a bad chart, currency or financial years):
/// an account whose events are refused is the finding `account_refused`, and the other
/// checks run without it.
///
/// # Example
/// ```
/// let books: windeep_core::books::Books = serde_json::from_str(r#"{"as_of": "2026-03-31"}"#).unwrap();
/// let report = windeep_core::reconcile::check_books(&books, &Default::default()).unwrap();
/// assert!(report.ok);
/// assert!(report.checks.iter().any(|c| c == "trial_balance"));
/// ```
pub fn check_books(books: &Books, alerts: &AlertConfig) -> Result<CheckReport> {
    checks::run(books, alerts)
}

//! The books snapshot: the types a [`Books`] value is made of (its loans, the figures and
//! records stored elsewhere that the checks compare with the events, the bank lines and their
//! mapping state). They live here, with the books, so that every module that reads a snapshot
//! (the journal, the checks, classification, the portfolio) depends on the books and never
//! the other way round.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::loan::NpaPeriod;
use super::provision::ProvisionRecord;
use crate::account::{EventBody, LoanEvent};
use crate::bank_line::BookBankTransaction;
use crate::error::{CoreError, Result};
use crate::fines::FineRule;
use crate::ledger::{FinancialYear, ManualEntry, PostingConfig};
use crate::money::{Currency, Money};
use crate::savings::SavingsAccount;

/// Loan figures stored elsewhere (a server's cache), to be checked against the events.
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CachedLoan {
    /// Outstanding principal.
    #[serde(default)]
    pub outstanding_principal: Option<Money>,
    /// Interest due.
    #[serde(default)]
    pub interest_due: Option<Money>,
    /// Fines due.
    #[serde(default)]
    pub fines_due: Option<Money>,
    /// Status word.
    #[serde(default)]
    pub status: Option<String>,
}

/// A loan in the books: its member, its events and its NPA periods.
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, try_from = "BookLoanWire")]
pub struct BookLoan {
    /// The borrower.
    pub member: String,
    /// The loan's events (the first by sequence is the disbursement).
    pub events: Vec<LoanEvent>,
    /// The same events exactly as received, for the hash-chain check (`event_chain`); empty
    /// for a loan built in memory, whose events are then checked in their serialised form.
    #[serde(skip)]
    pub stored: Vec<crate::account::StoredEvent>,
    /// Periods of non-performance as known elsewhere. The books derive them from the loan's
    /// days past due and `config.npa_after_days` and never read these; `check_books` reports a
    /// table that disagrees (`npa_periods`).
    #[serde(default)]
    pub npa: Vec<NpaPeriod>,
    /// Figures stored elsewhere, checked by `check_books`.
    #[serde(default)]
    pub cached: Option<CachedLoan>,
    /// The realisable value of the loan's security (collateral), currency units; none: the loan
    /// is unsecured. Provisioning splits the outstanding principal into a secured and an
    /// unsecured portion with it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub security_value: Option<Money>,
}

/// The JSON form of a [`BookLoan`]: its events are kept as received as well as parsed.
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BookLoanWire {
    member: String,
    #[cfg_attr(feature = "schemars", schemars(with = "Vec<LoanEvent>"))]
    events: Vec<serde_json::Value>,
    #[serde(default)]
    npa: Vec<NpaPeriod>,
    #[serde(default)]
    cached: Option<CachedLoan>,
    #[serde(default)]
    security_value: Option<Money>,
}

impl TryFrom<BookLoanWire> for BookLoan {
    type Error = String;

    fn try_from(w: BookLoanWire) -> std::result::Result<Self, String> {
        let mut events = Vec::with_capacity(w.events.len());
        for (i, v) in w.events.iter().enumerate() {
            let e = LoanEvent::deserialize(v).map_err(|e| format!("events[{i}]: {e}"))?;
            events.push(e);
        }
        let stored = w
            .events
            .iter()
            .map(crate::account::StoredEvent::from_json)
            .collect();
        Ok(Self {
            member: w.member,
            events,
            stored,
            npa: w.npa,
            cached: w.cached,
            security_value: w.security_value,
        })
    }
}

impl BookLoan {
    /// The loan id, from the disbursement (the event with the lowest sequence).
    ///
    /// # Errors
    /// `E_INVALID_EVENT` when that event is not a disbursement.
    pub fn loan_id(&self) -> Result<&str> {
        match self
            .events
            .iter()
            .min_by_key(|e| e.sequence)
            .map(|e| &e.body)
        {
            Some(EventBody::Disbursed { loan_id, .. }) => Ok(loan_id),
            _ => Err(CoreError::InvalidEvent {
                reason: "the first event (lowest sequence) of a loan must be disbursed".to_owned(),
            }),
        }
    }
}

/// A snapshot of the society's books.
///
/// # Example
/// ```
/// let b: windeep_core::books::Books = serde_json::from_str(r#"{"as_of": "2026-03-31"}"#).unwrap();
/// assert!(b.loans.is_empty());
/// ```
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Books {
    /// The books date: accruals run to its day-end; checks are as of it.
    #[serde(with = "crate::money::iso_date")]
    pub as_of: NaiveDate,
    /// The currency (default INR).
    #[serde(default)]
    pub currency: Currency,
    /// Basis, chart and role mapping.
    #[serde(default)]
    pub config: PostingConfig,
    /// Financial years (closed ones take no postings and are closed to retained earnings).
    #[serde(default)]
    pub periods: Vec<FinancialYear>,
    /// The members, when known (an account of anyone else is an orphan).
    #[serde(default)]
    pub members: Option<Vec<String>>,
    /// The loans.
    #[serde(default)]
    pub loans: Vec<BookLoan>,
    /// The savings accounts.
    #[serde(default)]
    pub savings: Vec<SavingsAccount>,
    /// Journal entries written by hand (capital, expenses …).
    #[serde(default)]
    pub journal: Vec<ManualEntry>,
    /// Bank statement lines and their mapping state.
    #[serde(default)]
    pub bank_transactions: Vec<BookBankTransaction>,
    /// Bank statements' closing balances: with them `check_books` reconciles each bank
    /// account's book balance against its statement (`bank_reconciliation`); without them the
    /// check is skipped.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub bank_statements: Vec<BankStatement>,
    /// Fine rules in force (checked against the fines levied).
    #[serde(default)]
    pub fine_rules: Vec<FineRule>,
    /// A journal stored elsewhere, checked against the derived one.
    #[serde(default)]
    pub stored_journal: Option<Vec<StoredEntry>>,
    /// A member ledger stored elsewhere with its running balances, checked row by row.
    #[serde(default)]
    pub stored_member_ledger: Option<Vec<StoredLedgerRow>>,
    /// The audit log, when it is to be checked for completeness.
    #[serde(default)]
    pub audit_log: Option<Vec<AuditRecord>>,
    /// The provision held against each loan from a date: the records of `provisions` runs,
    /// posted as provision entries and used by write-offs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub provisions: Vec<ProvisionRecord>,
}

/// A bank statement's closing balance: what the bank says one of the society's bank accounts
/// held at the end of a day (`check_books` reconciles the books against it).
///
/// # Example
/// ```
/// let s: windeep_core::books::BankStatement = serde_json::from_str(r#"{"bank_account": "SBI-1",
///     "as_of": "2026-06-30", "closing_balance": "105000.00"}"#).unwrap();
/// assert_eq!(s.closing_balance.to_string(), "105000.00");
/// ```
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BankStatement {
    /// The society's bank account, as the bank lines' `bank_account` names it.
    pub bank_account: String,
    /// The statement's date: its closing balance is the balance at the end of this day (on or
    /// before the books date).
    #[serde(with = "crate::money::iso_date")]
    pub as_of: NaiveDate,
    /// The closing balance, currency units (negative: overdrawn).
    pub closing_balance: Money,
}

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
/// let e: windeep_core::books::StoredEntry = serde_json::from_str(r#"{"id": "LN1/p1",
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

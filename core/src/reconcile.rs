//! What the books snapshot carries for reconciliation: bank statement lines, a stored journal
//! and member ledger, the audit log.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::money::Money;

/// A bank statement line and its mapping state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BankTransaction {
    /// Id.
    pub id: String,
    /// The society's bank account.
    #[serde(default)]
    pub bank_account: String,
    /// Transaction date.
    #[serde(with = "crate::money::iso_date")]
    pub date: NaiveDate,
    /// `credit` or `debit`.
    pub direction: String,
    /// Amount, > 0.
    pub amount: Money,
    /// UTR / reference, if any.
    #[serde(default)]
    pub utr: Option<String>,
    /// `unmapped`, `partial`, `mapped` or `ignored`.
    pub status: String,
    /// Σ non-reversed mappings.
    #[serde(default)]
    pub mapped_amount: Money,
}

/// A stored journal line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoredLine {
    /// Account code.
    pub account: String,
    /// Debit.
    #[serde(default)]
    pub debit: Money,
    /// Credit.
    #[serde(default)]
    pub credit: Money,
}

/// A journal entry as stored elsewhere (it may not balance).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoredEntry {
    /// Id.
    pub id: String,
    /// Date.
    #[serde(with = "crate::money::iso_date")]
    pub date: NaiveDate,
    /// Lines.
    pub lines: Vec<StoredLine>,
}

/// A member-ledger row as stored elsewhere, with its running balance.
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

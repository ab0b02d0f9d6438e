//! Double-entry accounting: the chart of accounts, posting roles, journal entries that cannot
//! be unbalanced, and the general ledger, trial balance, profit and loss and balance sheet.
//!
//! The posting rules that turn loan and savings events into entries live in [`crate::books`];
//! this module knows nothing about loans. The exact contract is `docs/books.md`.

mod chart;
mod entry;
mod reports;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub use chart::{AccountKind, Chart, LedgerAccount, PostingRole};
pub(crate) use entry::Legs;
pub use entry::{EntryHeader, JournalEntry, ManualEntry, ManualLine, PostingLine};
pub use reports::{
    BalanceSheet, FinancialYear, LedgerAccountReport, LedgerLine, ProfitAndLoss, StatementLine,
    TrialBalance, TrialBalanceRow, balance_sheet, general_ledger, profit_and_loss, trial_balance,
};
pub(crate) use reports::{check_years, closed_year, closing_entries};

use crate::error::Result;

/// When income is recognised (decisions §19).
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    /// Interest and fines are income when received. The default.
    #[default]
    Cash,
    /// Interest is receivable when it falls due and fines when levied; a non-performing loan's
    /// unrealised interest is held in suspense.
    Accrual,
}

/// Which account loan money moves through (loan events carry no payment mode).
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Funds {
    /// The bank account. The default.
    #[default]
    Bank,
    /// Cash in hand.
    Cash,
}

impl Funds {
    pub(crate) fn role(self) -> PostingRole {
        match self {
            Self::Bank => PostingRole::Bank,
            Self::Cash => PostingRole::Cash,
        }
    }
}

/// The posting configuration of a set of books.
///
/// # Example
/// ```
/// use windeep_core::{ledger::PostingConfig, ledger::PostingRole};
/// let c: PostingConfig = serde_json::from_str(r#"{"basis": "accrual",
///     "accounts": {"bank": "1101"}}"#).unwrap();
/// assert_eq!(c.chart().unwrap().code(PostingRole::Bank), "1101");
/// ```
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PostingConfig {
    /// Cash (default) or accrual.
    pub basis: Basis,
    /// A chart of accounts replacing the default one.
    pub chart: Option<Vec<LedgerAccount>>,
    /// Role → account code overrides.
    pub accounts: BTreeMap<PostingRole, String>,
    /// The account loan disbursements and collections go through.
    pub loan_funds: Funds,
    /// The classification policy's NPA threshold, days past due (default 90): on the accrual
    /// basis a loan is NPA from the day its DPD first exceeds it until nothing of it is past
    /// due (docs/books.md). Must be > 0.
    pub npa_after_days: Option<u32>,
}

/// The NPA threshold of the classification policy's default, days past due.
pub(crate) const DEFAULT_NPA_AFTER_DAYS: u32 = crate::dpd::DPD_BANDS.npa_after_days;

impl PostingConfig {
    /// The chart with the role mapping resolved.
    ///
    /// # Errors
    /// As [`Chart::build`].
    pub fn chart(&self) -> Result<Chart> {
        let accounts = match &self.chart {
            Some(a) => a.clone(),
            None => Chart::default().accounts().to_vec(),
        };
        Chart::build(accounts, &self.accounts)
    }
}

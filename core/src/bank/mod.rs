//! Bank statements: import, UTR de-duplication, matching suggestions, split mapping and
//! reconciliation.
//!
//! Members pay by NEFT, RTGS, IMPS and UPI; the society downloads its bank's statement and maps
//! each credit to an EMI, a savings deposit or a fine. This module turns statement bytes into
//! [`BankTransaction`]s, gives each a stable key (its normalised UTR, or a content fingerprint
//! plus an ordinal) so that the same transfer is never counted twice, suggests what a credit
//! pays, turns a mapping into plain loan / savings / fine instructions carrying idempotency
//! keys, and reconciles the bank balance with the books.
//!
//! Everything is pure: statements arrive as bytes or any [`std::io::Read`], earlier imports'
//! keys are an explicit input, and nothing reads a clock. The rules are written down in
//! `docs/bank.md`.

mod columns;
mod dedup;
mod fields;
mod index;
mod mapping;
mod matching;
mod reconcile;
mod statement;
mod utr;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::error::{CoreError, Result};
use crate::money::{Currency, Money};

pub use columns::{AmountColumns, ColumnSpec, Columns, LayoutReport, PRESETS, Preset};
pub use dedup::{
    DuplicateOf, ImportReport, ImportSummary, ImportedRow, Importer, PriorKey, Tally, fingerprint,
    import_statement, stream_statement,
};
pub use fields::{
    AmountCell, AmountProblem, normalise_narration, parse_statement_amount, parse_statement_date,
};
pub use mapping::{
    EventAction, Mapping, MappingEvent, MappingOutcome, MappingPart, MappingStatus, PartInput,
    Target, ignore, split, unmap,
};
pub use matching::{
    DueInstallment, Fine, Loan, MatchInput, MatchPolicy, MatchResult, Member, SavingsAccount,
    Suggestion, suggest,
};
pub use reconcile::{
    BankItem, BookEntry, BookItem, BookSide, Items, Mismatch, ReconcileInput, Reconciliation,
    reconcile,
};
pub use statement::{
    Format, HEADER_SEARCH_ROWS, LayoutChoice, ParsedRow, Problem, StatementLine, StatementOptions,
    StatementReader, csv_reader, xlsx_reader,
};
pub use utr::extract_utr;

/// Which way money moved on the society's bank account.
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Money came in (a deposit, a member's transfer).
    Credit,
    /// Money went out (a withdrawal, a charge, a disbursement).
    Debit,
}

impl Direction {
    /// `"credit"` or `"debit"`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Credit => "credit",
            Self::Debit => "debit",
        }
    }
}

/// The payment system a transfer came through, as recognised from its UTR or narration.
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// National Electronic Funds Transfer (16-character UTR).
    Neft,
    /// Real Time Gross Settlement (22-character UTR).
    Rtgs,
    /// Immediate Payment Service (12-digit RRN).
    Imps,
    /// Unified Payments Interface (12-digit RRN).
    Upi,
}

/// One transaction of a bank statement, as imported.
///
/// `key` identifies it for de-duplication and mapping: `utr:<UTR>` when the transfer carries a
/// UTR, else `fp:<fingerprint>:<ordinal>` (see `docs/bank.md`). Amounts are positive; the
/// direction says which way the money moved.
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BankTransaction {
    /// The de-duplication key, unique per bank account.
    pub key: String,
    /// Transaction (posting) date.
    #[serde(with = "crate::money::iso_date")]
    pub date: NaiveDate,
    /// Value date, when the statement has one.
    #[serde(default, with = "opt_date")]
    #[cfg_attr(feature = "schemars", schemars(with = "crate::wire::schema::OptDate"))]
    pub value_date: Option<NaiveDate>,
    /// Credit (money in) or debit (money out).
    pub direction: Direction,
    /// The amount, positive, at the currency's scale.
    pub amount: Money,
    /// The narration as printed by the bank (several narration columns joined by a space).
    #[serde(default)]
    pub narration: String,
    /// The statement's own reference / cheque number column, when present and not empty.
    #[serde(default)]
    pub reference: Option<String>,
    /// The running balance after the transaction, when the statement has one.
    #[serde(default)]
    pub balance: Option<Money>,
    /// The normalised UTR (or RRN), when one was recognised.
    #[serde(default)]
    pub utr: Option<String>,
    /// The payment system, when recognised.
    #[serde(default)]
    pub channel: Option<Channel>,
}

impl BankTransaction {
    /// Checks a transaction given as input: a non-empty key and a positive amount at the
    /// currency's scale; returns it with its amounts padded.
    ///
    /// # Errors
    /// `E_INVALID_INPUT` for an empty key, `E_INVALID_AMOUNT` for an amount that is not
    /// positive, `E_AMOUNT_SCALE` / `E_AMOUNT_OUT_OF_RANGE` as [`Currency::amount`].
    pub fn checked(mut self, currency: &Currency) -> Result<Self> {
        if self.key.is_empty() {
            return Err(CoreError::InvalidInput {
                reason: "a bank transaction needs a key".to_owned(),
            });
        }
        self.amount = positive_amount(self.amount, currency, "transaction amount")?;
        if let Some(b) = self.balance {
            self.balance = Some(currency.amount(b)?);
        }
        Ok(self)
    }

    /// The amount with the direction's sign: credits positive, debits negative.
    #[must_use]
    pub fn signed_amount(&self) -> rust_decimal::Decimal {
        match self.direction {
            Direction::Credit => self.amount.value(),
            Direction::Debit => -self.amount.value(),
        }
    }
}

/// Checks an input amount against the currency and requires it to be above zero.
pub(crate) fn positive_amount(value: Money, currency: &Currency, what: &str) -> Result<Money> {
    let m = currency.amount(value)?;
    if m.value() <= rust_decimal::Decimal::ZERO {
        return Err(CoreError::InvalidAmount {
            reason: format!("{what} must be greater than zero, got {m}"),
        });
    }
    Ok(m)
}

/// Refuses identifiers that are empty or contain control characters (they end up inside keys).
pub(crate) fn check_id(value: &str, what: &str) -> Result<()> {
    if value.trim().is_empty() || value.chars().any(char::is_control) {
        return Err(CoreError::InvalidInput {
            reason: format!("{what} {value:?} must be non-empty text without control characters"),
        });
    }
    Ok(())
}

/// Serde helpers for an optional ISO date (`null` or `YYYY-MM-DD`).
pub(crate) mod opt_date {
    use chrono::NaiveDate;
    use serde::{Deserialize, Deserializer, Serializer};

    pub(crate) fn serialize<S: Serializer>(v: &Option<NaiveDate>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(d) => crate::money::iso_date::serialize(d, s),
            None => s.serialize_none(),
        }
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<NaiveDate>, D::Error> {
        #[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
        #[derive(Deserialize)]
        struct Wrap(#[serde(with = "crate::money::iso_date")] NaiveDate);
        Ok(Option::<Wrap>::deserialize(d)?.map(|w| w.0))
    }
}

//! The bank statement line: one type for a transaction as a statement gives it
//! ([`BankTransaction`], what the `bank` module imports, matches and maps) and as the books
//! hold it with its mapping state ([`BookBankTransaction`], checked by `check_books`).
//!
//! It lives below the books and outside the `bank` feature, so a build without the statement
//! reader still checks the books' bank lines with the same type.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::error::{CoreError, Result};
use crate::money::{Currency, Money};

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

/// Refuses identifiers that are empty or contain control characters (they end up inside keys).
pub(crate) fn check_id(value: &str, what: &str) -> Result<()> {
    if value.trim().is_empty() || value.chars().any(char::is_control) {
        return Err(CoreError::InvalidInput {
            reason: format!("{what} {value:?} must be non-empty text without control characters"),
        });
    }
    Ok(())
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

/// The mapping status of a bank transaction.
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MappingStatus {
    /// No active part.
    Unmapped,
    /// Active parts cover less than the amount (after a part was unmapped).
    Partial,
    /// One active part covers the whole amount.
    Mapped,
    /// Set aside on purpose, with a reason; nothing is posted.
    Ignored,
    /// Two or more active parts cover the whole amount.
    Split,
}

/// A bank transaction as the books hold it: the statement line, the society's bank account it
/// is on and its mapping state. `check_books` reads it (duplicate UTRs per account and
/// direction, over-mapping, unmapped lines and their age).
///
/// On the wire it is one flat object: `id` (the line's key), `bank_account` (default `""`),
/// `date`, `direction`, `amount`, `utr` (optional, as printed: it is normalised when
/// compared), `status` and `mapped_amount` (Σ of the non-reversed mapped parts, default 0).
/// The statement-only fields of [`BankTransaction`] (value date, narration, reference,
/// balance, channel) are not part of it and are empty after reading.
///
/// # Example
/// ```
/// use windeep_core::{bank_line::BookBankTransaction, bank_line::Direction, bank_line::MappingStatus};
/// let t: BookBankTransaction = serde_json::from_str(r#"{"id": "BT-1", "bank_account": "SBI-1",
///     "date": "2026-09-28", "direction": "credit", "amount": "5000",
///     "utr": "UPI/123456789", "status": "mapped", "mapped_amount": "5000"}"#).unwrap();
/// assert_eq!(t.transaction.key, "BT-1");
/// assert_eq!(t.transaction.direction, Direction::Credit);
/// assert_eq!(t.status, MappingStatus::Mapped);
/// ```
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "BookBankLineWire", into = "BookBankLineWire")]
pub struct BookBankTransaction {
    /// The society's bank account (`""` when the books keep one account).
    pub bank_account: String,
    /// The statement line; its `key` is the books' line id.
    pub transaction: BankTransaction,
    /// The mapping status.
    pub status: MappingStatus,
    /// Σ of the non-reversed mapped parts, in the currency (may be wrong in stored books:
    /// `check_books` compares it with the amount).
    pub mapped_amount: Money,
}

/// The flat wire shape of [`BookBankTransaction`].
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schemars", schemars(rename = "BookBankTransaction"))]
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct BookBankLineWire {
    /// The line's id (its key in the books).
    id: String,
    /// The society's bank account.
    #[serde(default)]
    bank_account: String,
    /// Transaction date.
    #[serde(with = "crate::money::iso_date")]
    date: NaiveDate,
    /// `credit` or `debit`.
    direction: Direction,
    /// Amount, > 0.
    amount: Money,
    /// UTR / reference, if any (normalised when compared).
    #[serde(default)]
    utr: Option<String>,
    /// `unmapped`, `partial`, `mapped`, `split` or `ignored`.
    status: MappingStatus,
    /// Σ non-reversed mappings.
    #[serde(default)]
    mapped_amount: Money,
}

impl From<BookBankLineWire> for BookBankTransaction {
    fn from(w: BookBankLineWire) -> Self {
        Self {
            bank_account: w.bank_account,
            transaction: BankTransaction {
                key: w.id,
                date: w.date,
                value_date: None,
                direction: w.direction,
                amount: w.amount,
                narration: String::new(),
                reference: None,
                balance: None,
                utr: w.utr,
                channel: None,
            },
            status: w.status,
            mapped_amount: w.mapped_amount,
        }
    }
}

impl From<BookBankTransaction> for BookBankLineWire {
    fn from(b: BookBankTransaction) -> Self {
        Self {
            id: b.transaction.key,
            bank_account: b.bank_account,
            date: b.transaction.date,
            direction: b.transaction.direction,
            amount: b.transaction.amount,
            utr: b.transaction.utr,
            status: b.status,
            mapped_amount: b.mapped_amount,
        }
    }
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

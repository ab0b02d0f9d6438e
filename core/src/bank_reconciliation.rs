//! Bank reconciliation: the statement's balance against the books' balance of the same
//! account, with the items that explain the difference on each side.
//!
//! The rule is read by the `bank_reconcile` operation (through the `bank` module, which
//! re-exports it) and by `check_books`, which reconciles each bank account of the books
//! against its statements (`books.bank_statements`). It lives outside the `bank` feature so
//! that a build without the statement reader reconciles the books the same way.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::bank_line::{BankTransaction, Direction, check_id, positive_amount};
use crate::decimal::{add, pad, sub};
use crate::error::{CoreError, Result};
use crate::money::{Currency, Money};

/// Which way a book entry moves the bank account in the society's books.
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BookSide {
    /// Money recorded as received into the bank account.
    Receipt,
    /// Money recorded as paid out of the bank account.
    Payment,
}

/// An entry of the bank account's ledger in the society's books.
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BookEntry {
    /// The entry's id (voucher, payment or event id).
    pub id: String,
    /// Its date.
    #[serde(with = "crate::money::iso_date")]
    pub date: NaiveDate,
    /// Receipt or payment.
    pub side: BookSide,
    /// The amount, positive.
    pub amount: Money,
    /// The key of the bank transaction it was posted from (a mapping event's
    /// `transaction_key`), or null for an entry made without the statement.
    #[serde(default)]
    pub bank_key: Option<String>,
}

impl BookEntry {
    fn signed(&self) -> Decimal {
        match self.side {
            BookSide::Receipt => self.amount.value(),
            BookSide::Payment => -self.amount.value(),
        }
    }
}

/// The input of the `bank_reconcile` operation.
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReconcileInput {
    /// The bank account.
    pub account_id: String,
    /// The date of the reconciliation: items dated later are left out.
    #[serde(with = "crate::money::iso_date")]
    pub as_of: NaiveDate,
    /// The statement's balance at the end of `as_of`.
    pub bank_balance: Money,
    /// The books' balance of the bank account at the end of `as_of`.
    pub book_balance: Money,
    /// The statement's transactions.
    #[serde(default)]
    pub bank_transactions: Vec<BankTransaction>,
    /// The books' entries on the bank account.
    #[serde(default)]
    pub book_entries: Vec<BookEntry>,
    /// The currency (INR by default).
    #[serde(default)]
    pub currency: Currency,
}

/// An unmatched statement line.
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BankItem {
    /// The transaction key.
    pub key: String,
    /// Its date.
    #[serde(with = "crate::money::iso_date")]
    pub date: NaiveDate,
    /// The amount.
    pub amount: Money,
    /// The narration.
    pub narration: String,
}

/// An unmatched book entry.
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BookItem {
    /// The entry id.
    pub id: String,
    /// Its date.
    #[serde(with = "crate::money::iso_date")]
    pub date: NaiveDate,
    /// The amount.
    pub amount: Money,
    /// The bank key it names, if any (one that is not on the statement up to `as_of`).
    pub bank_key: Option<String>,
}

/// A statement line whose book entries add up to a different amount.
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Mismatch {
    /// The transaction key.
    pub key: String,
    /// The statement's amount, signed (credits positive).
    pub bank_amount: Money,
    /// The books' total for it, signed (receipts positive).
    pub book_amount: Money,
    /// The entry ids.
    pub entries: Vec<String>,
}

/// Items of one side with their total.
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Items<T> {
    /// The items, by date then key or id.
    pub items: Vec<T>,
    /// Their total.
    pub total: Money,
}

/// A bank reconciliation statement.
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reconciliation {
    /// The bank account.
    pub account_id: String,
    /// The date.
    #[serde(with = "crate::money::iso_date")]
    pub as_of: NaiveDate,
    /// The statement's balance.
    pub bank_balance: Money,
    /// The books' balance.
    pub book_balance: Money,
    /// Statement lines that match their book entries exactly.
    pub matched: u64,
    /// Credits on the statement not in the books (e.g. transfers not yet mapped).
    pub bank_credits_not_in_books: Items<BankItem>,
    /// Debits on the statement not in the books (e.g. bank charges).
    pub bank_debits_not_in_books: Items<BankItem>,
    /// Receipts in the books not on the statement (e.g. deposits in transit).
    pub book_receipts_not_in_bank: Items<BookItem>,
    /// Payments in the books not on the statement (e.g. cheques not yet presented).
    pub book_payments_not_in_bank: Items<BookItem>,
    /// Statement lines whose book entries add up to another amount.
    pub mismatches: Vec<Mismatch>,
    /// bank balance + book receipts not in bank − book payments not in bank.
    pub adjusted_bank_balance: Money,
    /// book balance + bank credits not in books − bank debits not in books + (bank − book)
    /// of each mismatch.
    pub adjusted_book_balance: Money,
    /// adjusted bank balance − adjusted book balance: what nothing listed explains.
    pub difference: Money,
    /// True when the difference is zero.
    pub reconciled: bool,
}

const CTX: &str = "reconciliation";

/// Reconciles the statement with the books as of a date. A book entry belongs to the statement
/// line whose key it names; a line matches when its entries add up to its signed amount.
///
/// # Errors
/// `E_INVALID_INPUT` for an empty account id, a duplicate transaction key or entry id;
/// amount errors of the balances, transactions and entries; `E_OVERFLOW`.
pub fn reconcile(input: &ReconcileInput) -> Result<Reconciliation> {
    let cur = &input.currency;
    cur.validate()?;
    check_id(&input.account_id, "account_id")?;
    let bank_balance = cur.amount(input.bank_balance)?;
    let book_balance = cur.amount(input.book_balance)?;
    let scale = cur.minor_units();
    let money = |v: Decimal| Money::from_decimal(pad(v, scale));

    let mut lines: BTreeMap<String, BankTransaction> = BTreeMap::new();
    for t in &input.bank_transactions {
        let t = t.clone().checked(cur)?;
        if t.date > input.as_of {
            continue;
        }
        if lines.contains_key(&t.key) {
            return Err(CoreError::InvalidInput {
                reason: format!("bank transaction {:?} is listed twice", t.key),
            });
        }
        lines.insert(t.key.clone(), t);
    }
    let mut ids = std::collections::HashSet::new();
    let mut linked: BTreeMap<&str, Vec<&BookEntry>> = BTreeMap::new();
    let mut book_only: Vec<&BookEntry> = Vec::new();
    for e in &input.book_entries {
        check_id(&e.id, "book entry id")?;
        positive_amount(e.amount, cur, "book entry amount")?;
        if !ids.insert(e.id.as_str()) {
            return Err(CoreError::InvalidInput {
                reason: format!("book entry {:?} is listed twice", e.id),
            });
        }
        if e.date > input.as_of {
            continue;
        }
        match e.bank_key.as_deref() {
            Some(k) if lines.contains_key(k) => linked.entry(k).or_default().push(e),
            _ => book_only.push(e),
        }
    }

    let mut matched = 0u64;
    let mut credits = Vec::new();
    let mut debits = Vec::new();
    let mut mismatches = Vec::new();
    let mut mismatch_total = Decimal::ZERO;
    for (key, t) in &lines {
        let Some(entries) = linked.get(key.as_str()) else {
            let item = BankItem {
                key: key.clone(),
                date: t.date,
                amount: t.amount,
                narration: t.narration.clone(),
            };
            match t.direction {
                Direction::Credit => credits.push(item),
                Direction::Debit => debits.push(item),
            }
            continue;
        };
        let book = entries
            .iter()
            .try_fold(Decimal::ZERO, |acc, e| add(acc, e.signed(), CTX))?;
        let bank = t.signed_amount();
        if book == bank {
            matched = matched.saturating_add(1);
        } else {
            mismatch_total = add(mismatch_total, sub(bank, book, CTX)?, CTX)?;
            mismatches.push(Mismatch {
                key: key.clone(),
                bank_amount: money(bank),
                book_amount: money(book),
                entries: entries.iter().map(|e| e.id.clone()).collect(),
            });
        }
    }
    let mut receipts = Vec::new();
    let mut payments = Vec::new();
    for e in book_only {
        let item = BookItem {
            id: e.id.clone(),
            date: e.date,
            amount: e.amount,
            bank_key: e.bank_key.clone(),
        };
        match e.side {
            BookSide::Receipt => receipts.push(item),
            BookSide::Payment => payments.push(item),
        }
    }
    credits.sort_by(|a, b| (a.date, &a.key).cmp(&(b.date, &b.key)));
    debits.sort_by(|a, b| (a.date, &a.key).cmp(&(b.date, &b.key)));
    receipts.sort_by(|a, b| (a.date, &a.id).cmp(&(b.date, &b.id)));
    payments.sort_by(|a, b| (a.date, &a.id).cmp(&(b.date, &b.id)));
    let sum_bank = |v: &[BankItem]| {
        v.iter()
            .try_fold(Decimal::ZERO, |acc, i| add(acc, i.amount.value(), CTX))
    };
    let sum_book = |v: &[BookItem]| {
        v.iter()
            .try_fold(Decimal::ZERO, |acc, i| add(acc, i.amount.value(), CTX))
    };
    let (c, d) = (sum_bank(&credits)?, sum_bank(&debits)?);
    let (r, p) = (sum_book(&receipts)?, sum_book(&payments)?);
    let adjusted_bank = sub(add(bank_balance.value(), r, CTX)?, p, CTX)?;
    let adjusted_book = add(
        sub(add(book_balance.value(), c, CTX)?, d, CTX)?,
        mismatch_total,
        CTX,
    )?;
    let difference = sub(adjusted_bank, adjusted_book, CTX)?;
    Ok(Reconciliation {
        account_id: input.account_id.clone(),
        as_of: input.as_of,
        bank_balance,
        book_balance,
        matched,
        bank_credits_not_in_books: Items {
            items: credits,
            total: money(c),
        },
        bank_debits_not_in_books: Items {
            items: debits,
            total: money(d),
        },
        book_receipts_not_in_bank: Items {
            items: receipts,
            total: money(r),
        },
        book_payments_not_in_bank: Items {
            items: payments,
            total: money(p),
        },
        mismatches,
        adjusted_bank_balance: money(adjusted_bank),
        adjusted_book_balance: money(adjusted_book),
        difference: money(difference),
        reconciled: difference.is_zero(),
    })
}

//! `bank_reconciliation`: each bank account of the books against its statements' closing
//! balances (`books.bank_statements`), by the reconciliation rule of
//! [`crate::bank_reconciliation`] (docs/books.md, "Bank reconciliation").

use std::collections::{BTreeMap, BTreeSet};

use super::{Checker, Severity};
use crate::bank_reconciliation::{BookEntry, BookSide, ReconcileInput, Reconciliation, reconcile};
use crate::books::{Books, Derived};
use crate::error::{CoreError, Result};
use crate::ledger::PostingRole;

const CHECK: &str = "bank_reconciliation";

/// An entry of the derived journal that moves the bank account: its net on the bank role's
/// account (debit − credit, minor units), the bank line it records and the bank account it
/// is attributed to.
struct BankEntry<'a> {
    id: &'a str,
    date: chrono::NaiveDate,
    net: i128,
    key: Option<&'a str>,
    account: Option<&'a str>,
}

/// The bank line a journal entry records: its loan event's `bank_transaction` (a
/// disbursement's or a payment's; corrections and mirrors keep their event), or a manual
/// entry's.
/// The bank line each loan event (loan id, event id) and each manual entry (id) names.
type Keys<'a> = (
    BTreeMap<(&'a str, &'a str), &'a str>,
    BTreeMap<&'a str, &'a str>,
);

fn keys(books: &Books) -> Keys<'_> {
    use crate::account::EventBody as B;
    let mut by_event = BTreeMap::new();
    for l in &books.loans {
        let Ok(loan) = l.loan_id() else { continue };
        for e in &l.events {
            let key = match &e.body {
                B::Disbursed {
                    bank_transaction, ..
                }
                | B::PaymentReceived {
                    bank_transaction, ..
                }
                | B::InterestOnlyPayment {
                    bank_transaction, ..
                }
                | B::PartPayment {
                    bank_transaction, ..
                }
                | B::Foreclosed {
                    bank_transaction, ..
                } => bank_transaction.as_deref(),
                _ => None,
            };
            if let Some(k) = key {
                by_event.insert((loan, e.id.as_str()), k);
            }
        }
    }
    let manual = books
        .journal
        .iter()
        .filter_map(|m| m.bank_transaction.as_deref().map(|k| (m.id.as_str(), k)))
        .collect();
    (by_event, manual)
}

/// Checks the statements: a bank account named, dated on or before the books date, one
/// statement per account and date.
fn check_statements(books: &Books) -> Result<()> {
    let mut seen = BTreeSet::new();
    for s in &books.bank_statements {
        crate::bank_line::check_id(&s.bank_account, "bank statement's bank_account")?;
        if s.as_of > books.as_of {
            return Err(CoreError::InvalidInput {
                reason: format!(
                    "the statement of bank account {:?} is dated {}, after the books date {}",
                    s.bank_account, s.as_of, books.as_of
                ),
            });
        }
        if !seen.insert((s.bank_account.as_str(), s.as_of)) {
            return Err(CoreError::InvalidInput {
                reason: format!(
                    "bank account {:?} has two statements dated {}",
                    s.bank_account, s.as_of
                ),
            });
        }
    }
    Ok(())
}

/// `bank_reconciliation`: every statement of `books.bank_statements` reconciled against the
/// bank-account entries attributed to its account. Each statement's unexplained difference
/// is a critical finding, each unreconciled item a warning; book entries on the bank account
/// that belong to no bank account (several accounts, no bank line named) are warnings too.
/// Returns the reconciliation statements, in the order of the statements.
///
/// # Errors
/// `E_INVALID_INPUT` for a statement without a bank account, dated after the books date or
/// repeated (account and date), a bank line id repeated on one bank account; the amount
/// errors of a closing balance.
pub(super) fn bank_reconciliation(
    c: &mut Checker<'_>,
    books: &Books,
    d: &Derived,
) -> Result<Vec<Reconciliation>> {
    if books.bank_statements.is_empty() {
        return Ok(Vec::new());
    }
    check_statements(books)?;
    let code = d.ctx.chart.code(PostingRole::Bank);
    let line_account: BTreeMap<&str, &str> = books
        .bank_transactions
        .iter()
        .map(|b| (b.transaction.key.as_str(), b.bank_account.as_str()))
        .rev()
        .collect();
    let accounts: BTreeSet<&str> = books
        .bank_statements
        .iter()
        .map(|s| s.bank_account.as_str())
        .chain(
            books
                .bank_transactions
                .iter()
                .map(|b| b.bank_account.as_str()),
        )
        .collect();
    let sole = if accounts.len() == 1 {
        accounts.first().copied()
    } else {
        None
    };
    let (by_event, manual) = keys(books);
    let mut entries = Vec::new();
    for e in &d.entries {
        let net: i128 = e
            .lines()
            .iter()
            .filter(|l| l.account() == code)
            .map(|l| l.signed())
            .sum();
        if net == 0 {
            continue;
        }
        let h = e.header();
        let key = if h.kind == "manual" {
            manual.get(h.id.as_str()).copied()
        } else {
            match (&h.account, &h.event_id) {
                (Some(a), Some(ev)) => by_event.get(&(&**a, ev.as_str())).copied(),
                _ => None,
            }
        };
        let account = key.and_then(|k| line_account.get(k).copied()).or(sole);
        entries.push(BankEntry {
            id: e.id(),
            date: e.date(),
            net,
            key,
            account,
        });
    }
    let mut out = Vec::with_capacity(books.bank_statements.len());
    for (i, s) in books.bank_statements.iter().enumerate() {
        let account = s.bank_account.as_str();
        let mut book_balance = 0_i128;
        let mut book_entries = Vec::new();
        for e in entries.iter().filter(|e| e.account == Some(account)) {
            if e.date <= s.as_of {
                book_balance += e.net;
            }
            book_entries.push(BookEntry {
                id: e.id.to_owned(),
                date: e.date,
                side: if e.net > 0 {
                    BookSide::Receipt
                } else {
                    BookSide::Payment
                },
                amount: c.currency.money(e.net.abs())?,
                bank_key: e.key.map(str::to_owned),
            });
        }
        // A line whose amount is not positive is a `negative_amounts` finding; it is left out.
        let bank_transactions = books
            .bank_transactions
            .iter()
            .filter(|b| b.bank_account == account)
            .filter(|b| b.transaction.amount.value() > rust_decimal::Decimal::ZERO)
            .map(|b| b.transaction.clone())
            .collect();
        let r = reconcile(&ReconcileInput {
            account_id: account.to_owned(),
            as_of: s.as_of,
            bank_balance: s.closing_balance,
            book_balance: c.currency.money(book_balance)?,
            bank_transactions,
            book_entries,
            currency: c.currency.clone(),
        })?;
        findings(c, &r, &format!("bank_statements[{i}]"))?;
        out.push(r);
    }
    for e in entries
        .iter()
        .filter(|e| e.account.is_none() && e.date <= books.as_of)
    {
        c.add(
            CHECK,
            Severity::Warning,
            format!(
                "entry {} moves the bank account but names no bank line of a known bank account",
                e.id
            ),
            vec![
                String::new(),
                String::new(),
                "book_entry_unattributed".to_owned(),
                e.id.to_owned(),
            ],
            &[("amount", e.net)],
        )?;
    }
    Ok(out)
}

/// The findings of one reconciliation: its difference (critical), then each unreconciled
/// item (warning): ids `[bank account, statement, kind, line key or entry id]`, the statement
/// named `bank_statements[<index>]`.
fn findings(c: &mut Checker<'_>, r: &Reconciliation, statement: &str) -> Result<()> {
    let account = r.account_id.as_str();
    let on = r.as_of.to_string();
    let ids = |kind: &str, id: &str| {
        vec![
            account.to_owned(),
            statement.to_owned(),
            kind.to_owned(),
            id.to_owned(),
        ]
    };
    let minor = |c: &Checker<'_>, m| c.minor(m);
    if !r.reconciled {
        let (bank, book, diff) = (
            minor(c, r.bank_balance)?,
            minor(c, r.book_balance)?,
            minor(c, r.difference)?,
        );
        c.add(
            CHECK,
            Severity::Critical,
            format!(
                "bank account {account} on {on}: the statement and the books differ by {} \
                 that no listed item explains",
                r.difference
            ),
            vec![account.to_owned(), statement.to_owned()],
            &[
                ("statement_balance", bank),
                ("book_balance", book),
                ("difference", diff),
            ],
        )?;
    }
    let bank_items = [
        (
            "bank_credit_not_in_books",
            &r.bank_credits_not_in_books.items,
        ),
        ("bank_debit_not_in_books", &r.bank_debits_not_in_books.items),
    ];
    for (kind, items) in bank_items {
        for i in items {
            let amount = minor(c, i.amount)?;
            c.add(
                CHECK,
                Severity::Warning,
                format!(
                    "bank account {account}: line {} ({}) is not in the books",
                    i.key, i.amount
                ),
                ids(kind, &i.key),
                &[("amount", amount)],
            )?;
        }
    }
    let book_items = [
        (
            "book_receipt_not_in_bank",
            &r.book_receipts_not_in_bank.items,
        ),
        (
            "book_payment_not_in_bank",
            &r.book_payments_not_in_bank.items,
        ),
    ];
    for (kind, items) in book_items {
        for i in items {
            let amount = minor(c, i.amount)?;
            c.add(
                CHECK,
                Severity::Warning,
                format!(
                    "bank account {account}: entry {} ({}) is not on the statement",
                    i.id, i.amount
                ),
                ids(kind, &i.id),
                &[("amount", amount)],
            )?;
        }
    }
    for m in &r.mismatches {
        let (bank, book) = (minor(c, m.bank_amount)?, minor(c, m.book_amount)?);
        c.add(
            CHECK,
            Severity::Warning,
            format!(
                "bank account {account}: line {} is {} on the statement and {} in the books",
                m.key, m.bank_amount, m.book_amount
            ),
            ids("mismatch", &m.key),
            &[("bank", bank), ("book", book)],
        )?;
    }
    Ok(())
}

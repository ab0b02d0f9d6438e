//! Provisions in the books: the records of `provisions` runs (the provision held against each
//! loan from a date) and the entries that post them.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::Ctx;
use crate::error::{CoreError, Result};
use crate::ledger::{EntryHeader, JournalEntry, Legs, PostingRole as R};
use crate::money::Money;

/// The provision held against one loan from the day-end of `as_of`: what a `provisions` run
/// returns and the books keep (`Books::provisions`). The books post the difference to the
/// provision the loan held before as an entry `<loan>/provision/<as_of>`.
///
/// # Example
/// ```
/// let r: windeep_core::books::ProvisionRecord = serde_json::from_str(
///     r#"{"loan_id": "LN1", "as_of": "2026-06-30", "held": "1500.00"}"#).unwrap();
/// assert_eq!(r.held.to_string(), "1500.00");
/// ```
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProvisionRecord {
    /// The loan.
    pub loan_id: String,
    /// The date of the run (its day-end).
    #[serde(with = "crate::money::iso_date")]
    pub as_of: NaiveDate,
    /// The provision held against the loan from then on, currency units (≥ 0).
    pub held: Money,
}

/// A loan's provision records, by date, in minor units; refused: a negative amount, a date
/// after the books date, a loan the books do not have, two different records for one
/// (loan, date). An exact repeat is one record.
pub(crate) fn records_by_loan(
    ctx: &Ctx,
    records: &[ProvisionRecord],
    loans: &HashMap<String, usize>,
    as_of: NaiveDate,
) -> Result<BTreeMap<String, BTreeMap<NaiveDate, i128>>> {
    let mut out: BTreeMap<String, BTreeMap<NaiveDate, i128>> = BTreeMap::new();
    for r in records {
        let bad = |why: &str| CoreError::InvalidInput {
            reason: format!("provision of loan {} on {}: {why}", r.loan_id, r.as_of),
        };
        if !loans.contains_key(&r.loan_id) {
            return Err(bad("the books have no such loan"));
        }
        if r.as_of > as_of {
            return Err(bad("dated after the books date"));
        }
        let held = ctx.currency.minor(r.held)?;
        if held < 0 {
            return Err(CoreError::InvalidAmount {
                reason: format!("the provision held against loan {} is negative", r.loan_id),
            });
        }
        let by_date = out.entry(r.loan_id.clone()).or_default();
        match by_date.get(&r.as_of) {
            Some(&h) if h != held => return Err(bad("recorded twice with different amounts")),
            _ => {
                by_date.insert(r.as_of, held);
            }
        }
    }
    Ok(out)
}

/// The provision held at the start of day `t`: the last record dated before it (none: 0).
pub(crate) fn held_before(records: &BTreeMap<NaiveDate, i128>, t: NaiveDate) -> i128 {
    records.range(..t).next_back().map_or(0, |(_, h)| *h)
}

/// The entry that moves a loan's provision by `change` minor units on `date`: a provision
/// (Dr provision expense / Cr provision for NPA) or, when negative, a release (the reverse).
/// `None` when `change` is 0.
pub(crate) fn provision_entry(
    ctx: &Ctx,
    loan_id: &str,
    member: &str,
    date: NaiveDate,
    change: i128,
) -> Result<Option<JournalEntry>> {
    if change == 0 {
        return Ok(None);
    }
    let mut legs = Legs::default();
    legs.debit(R::ProvisionExpense, change)
        .credit(R::ProvisionForNpa, change);
    let lines = legs.lines(&ctx.chart)?;
    if lines.is_empty() {
        return Ok(None);
    }
    let kind = if change > 0 {
        "provision"
    } else {
        "provision_release"
    };
    JournalEntry::new(
        EntryHeader {
            id: format!("{loan_id}/provision/{date}"),
            date,
            kind,
            account: Some(Arc::from(loan_id)),
            member: Some(Arc::from(member)),
            ..EntryHeader::default()
        },
        lines,
        ctx.scale,
    )
    .map(Some)
}

/// The provision a loan's entries hold through `on`: Σ credits − Σ debits of the provision
/// account posted for the loan (provisions, releases, the use by a write-off).
pub(crate) fn held_in<'a>(
    entries: impl IntoIterator<Item = &'a JournalEntry>,
    loan_id: &str,
    on: NaiveDate,
) -> i128 {
    entries
        .into_iter()
        .filter(|e| e.date() <= on && e.header().account.as_deref() == Some(loan_id))
        .flat_map(JournalEntry::lines)
        .filter(|l| l.role() == Some(R::ProvisionForNpa))
        .map(|l| -l.signed())
        .sum()
}

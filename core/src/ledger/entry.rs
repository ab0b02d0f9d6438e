//! Journal entries: balanced by construction.

use std::sync::Arc;

use chrono::NaiveDate;
use serde::ser::SerializeStruct;
use serde::{Deserialize, Serialize, Serializer};

use super::chart::{Chart, PostingRole};
use crate::error::{CoreError, Result};
use crate::money::{Currency, Money};

/// One leg of a journal entry: an account and either a debit or a credit (minor units).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostingLine {
    account: Arc<str>,
    /// Debit (> 0) or credit (< 0), never 0 in an entry.
    amount: i64,
    role: Option<PostingRole>,
}

impl PostingLine {
    /// The account code.
    #[must_use]
    pub fn account(&self) -> &str {
        &self.account
    }

    /// The role the rules posted it for (none for a manual entry).
    #[must_use]
    pub fn role(&self) -> Option<PostingRole> {
        self.role
    }

    /// Debit, minor units (0 on a credit line).
    #[must_use]
    pub fn debit(&self) -> i128 {
        i128::from(self.amount.max(0))
    }

    /// Credit, minor units (0 on a debit line).
    #[must_use]
    pub fn credit(&self) -> i128 {
        -i128::from(self.amount.min(0))
    }

    /// Debit − credit.
    #[must_use]
    pub fn signed(&self) -> i128 {
        i128::from(self.amount)
    }

    /// A line of `signed` minor units (a debit when positive); `E_OVERFLOW` beyond ±2⁶³.
    fn new(account: Arc<str>, role: Option<PostingRole>, signed: i128) -> Result<Self> {
        let amount = i64::try_from(signed).map_err(|_| CoreError::Overflow {
            context: "posting line",
        })?;
        Ok(Self {
            account,
            amount,
            role,
        })
    }
}

/// Where an entry comes from and what it is, apart from its lines.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EntryHeader {
    /// Deterministic id (derived from the account, the event and the leg roles' purpose).
    pub id: String,
    /// Posting date.
    pub date: NaiveDate,
    /// What happened, e.g. `payment_received`, `interest_accrual`, `year_closing`, `manual`.
    pub kind: &'static str,
    /// The loan or savings account, if any.
    pub account: Option<Arc<str>>,
    /// The event, if any.
    pub event_id: Option<String>,
    /// The member, if any.
    pub member: Option<Arc<str>>,
    /// For a reversing entry: the entry it mirrors.
    pub reverses: Option<Box<str>>,
    /// For a correction: the entry (by its first id) it replaces.
    pub replaces: Option<Box<str>>,
    /// Free text (manual entries).
    pub narration: Option<Box<str>>,
}

/// A journal entry. It cannot be constructed unless its debits equal its credits.
///
/// # Example
/// ```
/// use windeep_core::{Currency, ledger::JournalEntry};
/// let ok: Result<JournalEntry, _> = serde_json::from_str::<windeep_core::ledger::ManualEntry>(
///     r#"{"id": "J1", "date": "2026-04-01", "lines": [
///         {"account": "1102", "debit": "1000"}, {"account": "5100", "credit": "1000"}]}"#)
///     .unwrap().into_entry(&Currency::inr(), &Default::default());
/// assert!(ok.is_ok());
/// let bad = serde_json::from_str::<windeep_core::ledger::ManualEntry>(
///     r#"{"id": "J2", "date": "2026-04-01", "lines": [
///         {"account": "1102", "debit": "1000"}, {"account": "5100", "credit": "999.99"}]}"#)
///     .unwrap().into_entry(&Currency::inr(), &Default::default());
/// assert_eq!(bad.unwrap_err().code(), "E_UNBALANCED_ENTRY");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JournalEntry {
    header: EntryHeader,
    lines: Vec<PostingLine>,
    scale: u32,
}

impl JournalEntry {
    /// An entry from its header and lines.
    ///
    /// # Errors
    /// `E_UNBALANCED_ENTRY` when there are no lines, a line is not exactly one positive debit
    /// or credit, or Σ debits ≠ Σ credits.
    pub fn new(header: EntryHeader, lines: Vec<PostingLine>, scale: u32) -> Result<Self> {
        let unbalanced = |d: i128, c: i128, why: &str| CoreError::UnbalancedEntry {
            id: header.id.clone(),
            debit: Money::from_minor(d, scale).map_or_else(|_| d.to_string(), |m| m.to_string()),
            credit: Money::from_minor(c, scale).map_or_else(|_| c.to_string(), |m| m.to_string()),
            reason: why.to_owned(),
        };
        if lines.is_empty() {
            return Err(unbalanced(0, 0, "an entry needs lines"));
        }
        let (mut d, mut c) = (0_i128, 0_i128);
        for l in &lines {
            if l.amount == 0 {
                return Err(unbalanced(0, 0, "a line is one positive debit or credit"));
            }
            d += l.debit();
            c += l.credit();
        }
        if d != c {
            return Err(unbalanced(d, c, "debits and credits differ"));
        }
        Ok(Self {
            header,
            lines,
            scale,
        })
    }

    /// The header.
    #[must_use]
    pub fn header(&self) -> &EntryHeader {
        &self.header
    }

    /// The id.
    #[must_use]
    pub fn id(&self) -> &str {
        &self.header.id
    }

    /// The posting date.
    #[must_use]
    pub fn date(&self) -> NaiveDate {
        self.header.date
    }

    /// The lines.
    #[must_use]
    pub fn lines(&self) -> &[PostingLine] {
        &self.lines
    }

    /// Σ debits (= Σ credits), minor units.
    #[must_use]
    pub fn total(&self) -> i128 {
        self.lines.iter().map(|l| l.debit()).sum()
    }

    /// Decimal places of the amounts.
    #[must_use]
    pub fn scale(&self) -> u32 {
        self.scale
    }

    /// The mirror of this entry: every debit a credit and every credit a debit.
    pub(crate) fn mirrored(&self, header: EntryHeader) -> Self {
        let mut lines: Vec<PostingLine> = self
            .lines
            .iter()
            .map(|l| PostingLine {
                account: l.account.clone(),
                amount: -l.amount,
                role: l.role,
            })
            .collect();
        lines.sort_by_key(|l| l.amount < 0);
        Self {
            header,
            lines,
            scale: self.scale,
        }
    }

    /// The move from `from` to `self` as one entry under `header`: per account, the line of
    /// `self` less the line of `from`, accounts that do not move left out; debits first, each
    /// side in role order (an account's role is the first of its lines' in role order). `None`
    /// when nothing moves.
    pub(crate) fn moved_from(&self, from: &Self, header: EntryHeader) -> Result<Option<Self>> {
        let rank = |r: Option<PostingRole>| r.map_or(usize::MAX, PostingRole::index);
        let mut net: Vec<(Arc<str>, Option<PostingRole>, i128)> = Vec::new();
        let signed = from
            .lines
            .iter()
            .map(|l| (l, -i128::from(l.amount)))
            .chain(self.lines.iter().map(|l| (l, i128::from(l.amount))));
        for (l, v) in signed {
            match net.iter_mut().find(|(a, _, _)| *a == l.account) {
                Some((_, r, t)) => {
                    *t += v;
                    if rank(l.role) < rank(*r) {
                        *r = l.role;
                    }
                }
                None => net.push((l.account.clone(), l.role, v)),
            }
        }
        net.retain(|(_, _, v)| *v != 0);
        if net.is_empty() {
            return Ok(None);
        }
        net.sort_by_key(|(_, r, v)| (*v < 0, rank(*r)));
        let lines = net
            .into_iter()
            .map(|(a, r, v)| PostingLine::new(a, r, v))
            .collect::<Result<Vec<_>>>()?;
        Self::new(header, lines, self.scale).map(Some)
    }

    /// The same lines under another header.
    pub(crate) fn with_header(&self, header: EntryHeader) -> Self {
        Self {
            header,
            lines: self.lines.clone(),
            scale: self.scale,
        }
    }

    pub(crate) fn same_lines(&self, other: &Self) -> bool {
        self.lines == other.lines && self.header.kind == other.header.kind
    }
}

#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Serialize)]
struct LineOut<'a> {
    account: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    role: Option<PostingRole>,
    debit: Money,
    credit: Money,
}

impl Serialize for JournalEntry {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let h = &self.header;
        let m = |v: i128| Money::from_minor(v, self.scale).map_err(serde::ser::Error::custom);
        let lines = self
            .lines
            .iter()
            .map(|l| {
                Ok(LineOut {
                    account: &l.account,
                    role: l.role,
                    debit: m(l.debit())?,
                    credit: m(l.credit())?,
                })
            })
            .collect::<std::result::Result<Vec<_>, S::Error>>()?;
        let mut st = s.serialize_struct("JournalEntry", 10)?;
        st.serialize_field("id", &h.id)?;
        st.serialize_field("date", &crate::money::IsoDate(h.date))?;
        st.serialize_field("kind", h.kind)?;
        if let Some(v) = &h.account {
            st.serialize_field("account", &**v)?;
        }
        if let Some(v) = &h.event_id {
            st.serialize_field("event_id", v)?;
        }
        if let Some(v) = &h.member {
            st.serialize_field("member", &**v)?;
        }
        if let Some(v) = &h.reverses {
            st.serialize_field("reverses", &**v)?;
        }
        if let Some(v) = &h.replaces {
            st.serialize_field("replaces", &**v)?;
        }
        if let Some(v) = &h.narration {
            st.serialize_field("narration", &**v)?;
        }
        st.serialize_field("lines", &lines)?;
        st.end()
    }
}

/// Signed legs by role, turned into the canonical lines of one entry: one line per account
/// (roles mapped to the same account are netted), debits first, each side in role order.
#[derive(Debug, Default, Clone)]
pub(crate) struct Legs {
    /// Net debit − credit per role, indexed by the role's place in [`PostingRole::ALL`].
    net: [i128; PostingRole::ALL.len()],
}

impl Legs {
    pub(crate) fn debit(&mut self, role: PostingRole, amount: i128) -> &mut Self {
        if let Some(v) = self.net.get_mut(role.index()) {
            *v += amount;
        }
        self
    }

    pub(crate) fn credit(&mut self, role: PostingRole, amount: i128) -> &mut Self {
        self.debit(role, -amount)
    }

    /// The lines, or none when everything nets to zero.
    ///
    /// # Errors
    /// `E_OVERFLOW` for a line beyond ±2⁶³ minor units.
    pub(crate) fn lines(&self, chart: &Chart) -> Result<Vec<PostingLine>> {
        // (account index in the chart, first role, net) in role order.
        let mut by_account: [(usize, usize, i128); PostingRole::ALL.len()] =
            [(usize::MAX, 0, 0); PostingRole::ALL.len()];
        let mut n = 0;
        for (r, &v) in self.net.iter().enumerate() {
            if v == 0 {
                continue;
            }
            let account = chart.role_account(r);
            match by_account
                .iter_mut()
                .take(n)
                .find(|(a, _, _)| *a == account)
            {
                Some((_, _, t)) => *t += v,
                None => {
                    if let Some(slot) = by_account.get_mut(n) {
                        *slot = (account, r, v);
                        n += 1;
                    }
                }
            }
        }
        let mut lines = Vec::with_capacity(n);
        for debit_side in [true, false] {
            for &(account, r, v) in by_account.iter().take(n) {
                if v == 0 || (v > 0) != debit_side {
                    continue;
                }
                lines.push(PostingLine::new(
                    chart.shared_code(account),
                    PostingRole::ALL.get(r).copied(),
                    v,
                )?);
            }
        }
        Ok(lines)
    }
}

/// A line of a manual entry as given in JSON: an account and a debit or a credit.
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManualLine {
    /// Account code.
    pub account: String,
    /// Debit amount.
    #[serde(default)]
    pub debit: Option<Money>,
    /// Credit amount.
    #[serde(default)]
    pub credit: Option<Money>,
}

/// A journal entry written by hand (opening capital, expenses, bank charges …).
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManualEntry {
    /// Unique id.
    pub id: String,
    /// Posting date.
    #[serde(with = "crate::money::iso_date")]
    pub date: NaiveDate,
    /// Free text.
    #[serde(default)]
    pub narration: Option<String>,
    /// The member concerned, if any.
    #[serde(default)]
    pub member: Option<String>,
    /// The bank statement line (a `bank_transactions` id) the entry records, if any: ties the
    /// entry to that line's bank account for the bank reconciliation of `check_books`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bank_transaction: Option<String>,
    /// The lines.
    pub lines: Vec<ManualLine>,
}

impl ManualEntry {
    /// Checks the entry against the chart and the currency and builds it.
    ///
    /// # Errors
    /// `E_UNKNOWN_ACCOUNT` for an account that is not postable; `E_AMOUNT_SCALE`,
    /// `E_AMOUNT_OUT_OF_RANGE`, `E_INVALID_AMOUNT` for a bad amount; `E_UNBALANCED_ENTRY`.
    pub fn into_entry(&self, currency: &Currency, chart: &Chart) -> Result<JournalEntry> {
        let mut lines = Vec::with_capacity(self.lines.len());
        for l in &self.lines {
            chart.postable(&l.account)?;
            let amount = |m: Option<Money>| -> Result<i128> {
                let v = m.map_or(Ok(0), |m| currency.minor(m))?;
                if v < 0 {
                    return Err(CoreError::InvalidAmount {
                        reason: format!("a debit or credit cannot be negative: {v}"),
                    });
                }
                Ok(v)
            };
            let (debit, credit) = (amount(l.debit)?, amount(l.credit)?);
            if (debit > 0) == (credit > 0) {
                return Err(CoreError::UnbalancedEntry {
                    id: self.id.clone(),
                    debit: currency.money(debit)?.to_string(),
                    credit: currency.money(credit)?.to_string(),
                    reason: "a line is one positive debit or credit".to_owned(),
                });
            }
            lines.push(PostingLine::new(
                Arc::from(l.account.as_str()),
                None,
                debit - credit,
            )?);
        }
        JournalEntry::new(
            EntryHeader {
                id: self.id.clone(),
                date: self.date,
                kind: "manual",
                member: self.member.as_deref().map(Arc::from),
                narration: self.narration.as_deref().map(Box::from),
                ..EntryHeader::default()
            },
            lines,
            currency.minor_units(),
        )
    }
}

/// A line built by the core from an account and a signed amount (debit > 0).
pub(crate) fn line(account: &str, role: Option<PostingRole>, signed: i128) -> Result<PostingLine> {
    PostingLine::new(Arc::from(account), role, signed)
}

/// The schema of a journal entry as it is written (the lines flattened, debit lines first).
#[cfg(feature = "schemars")]
mod entry_schema {
    use std::borrow::Cow;

    use schemars::{JsonSchema, Schema, SchemaGenerator};

    use crate::money::Money;
    use crate::wire::schema::Date;

    /// One line of a journal entry as it is written.
    #[derive(JsonSchema)]
    #[allow(dead_code)]
    struct JournalLine {
        /// The ledger account's code.
        account: String,
        /// The posting role the line comes from, if any.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        role: Option<crate::ledger::PostingRole>,
        /// Debit amount (zero on a credit line).
        debit: Money,
        /// Credit amount (zero on a debit line).
        credit: Money,
    }

    /// A journal entry as it is written.
    #[derive(JsonSchema)]
    #[allow(dead_code)]
    struct JournalEntry {
        /// Deterministic id.
        id: String,
        /// Posting date.
        date: Date,
        /// What happened, e.g. `payment_received`, `interest_accrual`, `manual`.
        kind: String,
        /// The loan or savings account, if any.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        account: Option<String>,
        /// The event, if any.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        event_id: Option<String>,
        /// The member, if any.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        member: Option<String>,
        /// For a reversing entry: the entry it mirrors.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reverses: Option<String>,
        /// For a correction: the entry it replaces.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        replaces: Option<String>,
        /// Free text (manual entries).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        narration: Option<String>,
        /// Debit lines first, then credit lines.
        lines: Vec<JournalLine>,
    }

    impl JsonSchema for super::JournalEntry {
        fn schema_name() -> Cow<'static, str> {
            "JournalEntry".into()
        }
        fn json_schema(g: &mut SchemaGenerator) -> Schema {
            JournalEntry::json_schema(g)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date() -> NaiveDate {
        crate::money::parse_date("2026-04-01").unwrap()
    }

    #[test]
    fn an_unbalanced_entry_cannot_be_built() {
        let header = EntryHeader {
            id: "x".into(),
            date: date(),
            ..EntryHeader::default()
        };
        let err = JournalEntry::new(
            header.clone(),
            vec![
                line("1102", None, 100).unwrap(),
                line("3100", None, -99).unwrap(),
            ],
            2,
        )
        .unwrap_err();
        assert_eq!(err.code(), "E_UNBALANCED_ENTRY");
        assert!(JournalEntry::new(header.clone(), vec![], 2).is_err());
        assert!(
            JournalEntry::new(
                header.clone(),
                vec![
                    line("1102", None, 0).unwrap(),
                    line("3100", None, 0).unwrap()
                ],
                2
            )
            .is_err()
        );
        let ok = JournalEntry::new(
            header,
            vec![
                line("1102", None, 100).unwrap(),
                line("3100", None, -100).unwrap(),
            ],
            2,
        )
        .unwrap();
        assert_eq!(ok.total(), 100);
        let m = ok.mirrored(EntryHeader::default());
        assert_eq!(m.lines()[0].account(), "3100");
        assert_eq!(m.lines()[0].debit(), 100);
    }

    #[test]
    fn legs_net_by_account_and_list_debits_first() {
        let chart = Chart::default();
        let mut legs = Legs::default();
        legs.credit(PostingRole::InterestIncome, 300)
            .debit(PostingRole::Bank, 1000)
            .credit(PostingRole::LoanPortfolio, 700)
            .debit(PostingRole::CapitalisedInterest, 0);
        let lines = legs.lines(&chart).unwrap();
        let shape: Vec<_> = lines
            .iter()
            .map(|l| (l.account(), l.debit(), l.credit()))
            .collect();
        assert_eq!(
            shape,
            vec![("1102", 1000, 0), ("1201", 0, 700), ("3100", 0, 300)]
        );
        // Two roles mapped to one account net to nothing.
        let mut net = Legs::default();
        net.credit(PostingRole::InterestIncome, 5)
            .debit(PostingRole::InterestIncome, 5);
        assert!(net.lines(&chart).unwrap().is_empty());
        let mut twice = Legs::default();
        twice
            .credit(PostingRole::InterestIncome, 5)
            .credit(PostingRole::InterestIncome, 7);
        assert_eq!(twice.lines(&chart).unwrap()[0].credit(), 12);
    }
}

//! Journal entries: balanced by construction.

use chrono::NaiveDate;
use serde::ser::SerializeStruct;
use serde::{Deserialize, Serialize, Serializer};

use super::chart::{Chart, PostingRole};
use crate::error::{CoreError, Result};
use crate::money::{Currency, Money};

/// One leg of a journal entry: an account and either a debit or a credit (minor units).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostingLine {
    account: String,
    role: Option<PostingRole>,
    debit: i128,
    credit: i128,
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
        self.debit
    }

    /// Credit, minor units (0 on a debit line).
    #[must_use]
    pub fn credit(&self) -> i128 {
        self.credit
    }

    /// Debit − credit.
    #[must_use]
    pub fn signed(&self) -> i128 {
        self.debit - self.credit
    }
}

/// Where an entry comes from and what it is, apart from its lines.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EntryHeader {
    /// Deterministic id (derived from the account, the event and the leg roles' purpose).
    pub id: String,
    /// Posting date.
    pub date: NaiveDate,
    /// What happened, e.g. `payment_received`, `accrual`, `year_closing`, `manual`.
    pub kind: String,
    /// The loan or savings account, if any.
    pub account: Option<String>,
    /// The event, if any.
    pub event_id: Option<String>,
    /// The member, if any.
    pub member: Option<String>,
    /// For a reversing entry: the entry it mirrors.
    pub reverses: Option<String>,
    /// For a correction: the entry (by its first id) it replaces.
    pub replaces: Option<String>,
    /// Free text (manual entries).
    pub narration: Option<String>,
}

/// A journal entry. It cannot be constructed unless its debits equal its credits.
///
/// # Example
/// ```
/// use windeep_core::{Currency, JournalEntry};
/// let ok: Result<JournalEntry, _> = serde_json::from_str::<windeep_core::ManualEntry>(
///     r#"{"id": "J1", "date": "2026-04-01", "lines": [
///         {"account": "1102", "debit": "1000"}, {"account": "5100", "credit": "1000"}]}"#)
///     .unwrap().into_entry(&Currency::inr(), &Default::default());
/// assert!(ok.is_ok());
/// let bad = serde_json::from_str::<windeep_core::ManualEntry>(
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
            let one_side = (l.debit > 0 && l.credit == 0) || (l.credit > 0 && l.debit == 0);
            if !one_side {
                return Err(unbalanced(
                    l.debit,
                    l.credit,
                    "a line is one positive debit or credit",
                ));
            }
            d = d.checked_add(l.debit).ok_or(CoreError::Overflow {
                context: "journal entry",
            })?;
            c = c.checked_add(l.credit).ok_or(CoreError::Overflow {
                context: "journal entry",
            })?;
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
        self.lines.iter().map(|l| l.debit).sum()
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
                role: l.role,
                debit: l.credit,
                credit: l.debit,
            })
            .collect();
        lines.sort_by_key(|l| l.debit == 0);
        Self {
            header,
            lines,
            scale: self.scale,
        }
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
                    debit: m(l.debit)?,
                    credit: m(l.credit)?,
                })
            })
            .collect::<std::result::Result<Vec<_>, S::Error>>()?;
        let mut st = s.serialize_struct("JournalEntry", 10)?;
        st.serialize_field("id", &h.id)?;
        st.serialize_field("date", &h.date.format("%Y-%m-%d").to_string())?;
        st.serialize_field("kind", &h.kind)?;
        if let Some(v) = &h.account {
            st.serialize_field("account", v)?;
        }
        if let Some(v) = &h.event_id {
            st.serialize_field("event_id", v)?;
        }
        if let Some(v) = &h.member {
            st.serialize_field("member", v)?;
        }
        if let Some(v) = &h.reverses {
            st.serialize_field("reverses", v)?;
        }
        if let Some(v) = &h.replaces {
            st.serialize_field("replaces", v)?;
        }
        if let Some(v) = &h.narration {
            st.serialize_field("narration", v)?;
        }
        st.serialize_field("lines", &lines)?;
        st.end()
    }
}

/// Signed legs by role, turned into the canonical lines of one entry: one line per account
/// (roles mapped to the same account are netted), debits first, each side in role order.
#[derive(Debug, Default, Clone)]
pub(crate) struct Legs {
    legs: Vec<(PostingRole, i128)>,
}

impl Legs {
    pub(crate) fn debit(&mut self, role: PostingRole, amount: i128) -> &mut Self {
        if amount != 0 {
            self.legs.push((role, amount));
        }
        self
    }

    pub(crate) fn credit(&mut self, role: PostingRole, amount: i128) -> &mut Self {
        if amount != 0 {
            self.legs.push((role, -amount));
        }
        self
    }

    fn lines_net(&self) -> Vec<(PostingRole, i128)> {
        let mut by_role: Vec<(PostingRole, i128)> = Vec::new();
        for &(role, v) in &self.legs {
            match by_role.iter_mut().find(|(r, _)| *r == role) {
                Some((_, t)) => *t += v,
                None => by_role.push((role, v)),
            }
        }
        by_role.retain(|(_, v)| *v != 0);
        by_role
    }

    /// The lines, or none when everything nets to zero.
    pub(crate) fn lines(&self, chart: &Chart) -> Vec<PostingLine> {
        let mut by_account: Vec<(String, PostingRole, i128)> = Vec::new();
        let mut net = self.lines_net();
        net.sort_by_key(|(r, _)| *r);
        for (role, v) in net {
            let code = chart.code(role);
            match by_account.iter_mut().find(|(c, _, _)| c == code) {
                Some((_, _, t)) => *t += v,
                None => by_account.push((code.to_owned(), role, v)),
            }
        }
        let mut lines: Vec<PostingLine> = by_account
            .into_iter()
            .filter(|(_, _, v)| *v != 0)
            .map(|(account, role, v)| PostingLine {
                account,
                role: Some(role),
                debit: v.max(0),
                credit: (-v).max(0),
            })
            .collect();
        lines.sort_by_key(|l| l.debit == 0);
        lines
    }
}

/// A line of a manual entry as given in JSON: an account and a debit or a credit.
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
            lines.push(PostingLine {
                account: l.account.clone(),
                role: None,
                debit: amount(l.debit)?,
                credit: amount(l.credit)?,
            });
        }
        JournalEntry::new(
            EntryHeader {
                id: self.id.clone(),
                date: self.date,
                kind: "manual".to_owned(),
                member: self.member.clone(),
                narration: self.narration.clone(),
                ..EntryHeader::default()
            },
            lines,
            currency.minor_units(),
        )
    }
}

/// A line built by the core from an account and a signed amount (debit > 0).
pub(crate) fn line(account: &str, role: Option<PostingRole>, signed: i128) -> PostingLine {
    PostingLine {
        account: account.to_owned(),
        role,
        debit: signed.max(0),
        credit: (-signed).max(0),
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
            vec![line("1102", None, 100), line("3100", None, -99)],
            2,
        )
        .unwrap_err();
        assert_eq!(err.code(), "E_UNBALANCED_ENTRY");
        assert!(JournalEntry::new(header.clone(), vec![], 2).is_err());
        assert!(
            JournalEntry::new(
                header.clone(),
                vec![line("1102", None, 0), line("3100", None, 0)],
                2
            )
            .is_err()
        );
        let ok = JournalEntry::new(
            header,
            vec![line("1102", None, 100), line("3100", None, -100)],
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
        let lines = legs.lines(&chart);
        let shape: Vec<_> = lines
            .iter()
            .map(|l| (l.account(), l.debit(), l.credit()))
            .collect();
        assert_eq!(
            shape,
            vec![("1102", 1000, 0), ("1201", 0, 700), ("3100", 0, 300)]
        );
        let mut net = Legs::default();
        net.credit(PostingRole::InterestIncome, 5)
            .debit(PostingRole::CapitalisedInterest, 5);
        assert!(net.lines(&chart).is_empty());
    }
}

//! General ledger, trial balance, profit and loss, balance sheet; financial years and their
//! closing.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::chart::{AccountKind, Chart, PostingRole};
use super::entry::{EntryHeader, JournalEntry, line};
use crate::error::{CoreError, Result};
use crate::money::{Currency, Money, format_date};

/// A financial year (legacy-spec §8.6): April–March by default.
///
/// # Example
/// ```
/// let y: windeep_core::ledger::FinancialYear = serde_json::from_str(r#"{"code": "2025-26",
///     "start": "2025-04-01", "end": "2026-03-31", "closed": true}"#).unwrap();
/// assert!(y.closed);
/// ```
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FinancialYear {
    /// E.g. `"2025-26"`.
    pub code: String,
    /// First day.
    #[serde(with = "crate::money::iso_date")]
    pub start: NaiveDate,
    /// Last day.
    #[serde(with = "crate::money::iso_date")]
    pub end: NaiveDate,
    /// A closed year takes no more postings; its profit is moved to retained earnings.
    #[serde(default)]
    pub closed: bool,
}

/// Checks that years are well formed and do not overlap.
///
/// # Errors
/// `E_INVALID_POLICY`.
pub(crate) fn check_years(years: &[FinancialYear]) -> Result<()> {
    let mut sorted: Vec<&FinancialYear> = years.iter().collect();
    sorted.sort_by_key(|y| y.start);
    for y in &sorted {
        if y.end < y.start || y.code.trim().is_empty() {
            return Err(CoreError::InvalidPolicy {
                reason: format!(
                    "financial year {:?} is empty or ends before it starts",
                    y.code
                ),
            });
        }
    }
    for w in sorted.windows(2) {
        if let [a, b] = w
            && b.start <= a.end
        {
            return Err(CoreError::InvalidPolicy {
                reason: format!("financial years {} and {} overlap", a.code, b.code),
            });
        }
    }
    Ok(())
}

/// The closed year that contains `date`, if any.
pub(crate) fn closed_year(years: &[FinancialYear], date: NaiveDate) -> Option<&FinancialYear> {
    years
        .iter()
        .find(|y| y.closed && y.start <= date && date <= y.end)
}

/// The year-end closing entries of the closed years: every income and expense account's net
/// for the year is moved to retained earnings on the year's last day.
pub(crate) fn closing_entries(
    entries: &[JournalEntry],
    years: &[FinancialYear],
    chart: &Chart,
    scale: u32,
) -> Result<Vec<JournalEntry>> {
    let mut sorted: Vec<&FinancialYear> = years.iter().filter(|y| y.closed).collect();
    sorted.sort_by_key(|y| y.start);
    let mut out = Vec::new();
    for y in sorted {
        let mut net: BTreeMap<usize, (String, i128)> = BTreeMap::new();
        for e in entries
            .iter()
            .filter(|e| y.start <= e.date() && e.date() <= y.end)
        {
            for l in e.lines() {
                let Some(a) = chart.account(l.account()) else {
                    continue;
                };
                if matches!(a.kind, AccountKind::Income | AccountKind::Expense) {
                    let pos = chart.position(l.account()).unwrap_or(usize::MAX);
                    net.entry(pos)
                        .or_insert_with(|| (l.account().to_owned(), 0))
                        .1 += l.signed();
                }
            }
        }
        let mut lines = Vec::new();
        let mut total = 0_i128;
        for (_, (code, v)) in net {
            if v != 0 {
                lines.push(line(&code, None, -v)?);
                total += v;
            }
        }
        if lines.is_empty() {
            continue;
        }
        lines.push(line(
            chart.code(PostingRole::RetainedEarnings),
            Some(PostingRole::RetainedEarnings),
            total,
        )?);
        lines.sort_by_key(|l| l.debit() == 0);
        out.push(JournalEntry::new(
            EntryHeader {
                id: format!("close/{}", y.code),
                date: y.end,
                kind: "year_closing",
                ..EntryHeader::default()
            },
            lines,
            scale,
        )?);
    }
    Ok(out)
}

/// One account's totals in a trial balance.
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TrialBalanceRow {
    /// Account code.
    pub code: String,
    /// Account name.
    pub name: String,
    /// Kind.
    pub kind: AccountKind,
    /// Σ debits up to the date.
    pub debit: Money,
    /// Σ credits up to the date.
    pub credit: Money,
    /// Net debit balance (0 when the balance is a credit).
    pub debit_balance: Money,
    /// Net credit balance (0 when the balance is a debit).
    pub credit_balance: Money,
}

/// A trial balance as of a date.
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TrialBalance {
    /// The date.
    #[serde(with = "crate::money::iso_date")]
    pub as_of: NaiveDate,
    /// Accounts with postings, in chart order.
    pub accounts: Vec<TrialBalanceRow>,
    /// Σ debits.
    pub total_debit: Money,
    /// Σ credits.
    pub total_credit: Money,
    /// Σ net debit balances.
    pub total_debit_balance: Money,
    /// Σ net credit balances.
    pub total_credit_balance: Money,
    /// |Σ debits − Σ credits|: zero for books built by windeep.
    pub difference: Money,
}

/// Per-account (debit, credit) totals over the entries accepted by `keep`, in chart order.
pub(crate) fn account_totals(
    entries: &[JournalEntry],
    chart: &Chart,
    mut keep: impl FnMut(&JournalEntry) -> bool,
) -> Vec<(String, i128, i128)> {
    // Accounts of the chart by position; anything else (never produced by the core) by code.
    let mut known: Vec<(i128, i128, bool)> = vec![(0, 0, false); chart.accounts().len()];
    let mut other: BTreeMap<String, (i128, i128)> = BTreeMap::new();
    let mut last: Option<(&str, usize)> = None;
    for e in entries.iter().filter(|e| keep(e)) {
        for l in e.lines() {
            let code = l.account();
            let pos = match last {
                Some((c, p)) if std::ptr::eq(c, code) || c == code => Some(p),
                _ => chart.position(code),
            };
            match pos.and_then(|p| known.get_mut(p).map(|t| (p, t))) {
                Some((p, t)) => {
                    t.0 += l.debit();
                    t.1 += l.credit();
                    t.2 = true;
                    last = Some((code, p));
                }
                None => {
                    let t = other.entry(code.to_owned()).or_insert((0, 0));
                    t.0 += l.debit();
                    t.1 += l.credit();
                }
            }
        }
    }
    let mut out: Vec<(String, i128, i128)> = known
        .iter()
        .zip(chart.accounts())
        .filter(|((_, _, used), _)| *used)
        .map(|((d, c, _), a)| (a.code.clone(), *d, *c))
        .collect();
    out.extend(other.into_iter().map(|(code, (d, c))| (code, d, c)));
    out
}

fn name_kind(chart: &Chart, code: &str) -> (String, AccountKind) {
    chart.account(code).map_or_else(
        || (code.to_owned(), AccountKind::Asset),
        |a| (a.name.clone(), a.kind),
    )
}

/// The trial balance of `entries` as of a date.
///
/// # Errors
/// `E_OVERFLOW`.
pub fn trial_balance(
    entries: &[JournalEntry],
    chart: &Chart,
    currency: &Currency,
    as_of: NaiveDate,
) -> Result<TrialBalance> {
    let m = |v: i128| currency.money(v);
    let mut rows = Vec::new();
    let (mut td, mut tc, mut tdb, mut tcb) = (0_i128, 0_i128, 0_i128, 0_i128);
    for (code, d, c) in account_totals(entries, chart, |e| e.date() <= as_of) {
        let (name, kind) = name_kind(chart, &code);
        let net = d - c;
        td += d;
        tc += c;
        tdb += net.max(0);
        tcb += (-net).max(0);
        rows.push(TrialBalanceRow {
            code,
            name,
            kind,
            debit: m(d)?,
            credit: m(c)?,
            debit_balance: m(net.max(0))?,
            credit_balance: m((-net).max(0))?,
        });
    }
    Ok(TrialBalance {
        as_of,
        accounts: rows,
        total_debit: m(td)?,
        total_credit: m(tc)?,
        total_debit_balance: m(tdb)?,
        total_credit_balance: m(tcb)?,
        difference: m((td - tc).abs())?,
    })
}

/// One posting in a general-ledger account.
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LedgerLine {
    /// Posting date.
    #[serde(with = "crate::money::iso_date")]
    pub date: NaiveDate,
    /// The entry.
    pub entry_id: String,
    /// What happened.
    pub kind: &'static str,
    /// Member, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub member: Option<String>,
    /// Debit.
    pub debit: Money,
    /// Credit.
    pub credit: Money,
    /// Running balance on the account's normal side, after this line.
    pub balance: Money,
}

/// One account of the general ledger over a period.
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LedgerAccountReport {
    /// Account code.
    pub code: String,
    /// Account name.
    pub name: String,
    /// Kind.
    pub kind: AccountKind,
    /// Balance (normal side) before the period.
    pub opening: Money,
    /// Postings in the period, by date then journal order.
    pub lines: Vec<LedgerLine>,
    /// Σ debits in the period.
    pub debit: Money,
    /// Σ credits in the period.
    pub credit: Money,
    /// Balance (normal side) at the end of the period.
    pub closing: Money,
}

/// The general ledger of one account (or every account with postings) from `from` to `to`.
///
/// # Errors
/// `E_UNKNOWN_ACCOUNT` for an account not in the chart; `E_OVERFLOW`.
pub fn general_ledger(
    entries: &[JournalEntry],
    chart: &Chart,
    currency: &Currency,
    account: Option<&str>,
    from: Option<NaiveDate>,
    to: NaiveDate,
) -> Result<Vec<LedgerAccountReport>> {
    let codes: Vec<String> = match account {
        Some(code) => {
            chart.postable(code)?;
            vec![code.to_owned()]
        }
        None => account_totals(entries, chart, |e| e.date() <= to)
            .into_iter()
            .map(|(c, _, _)| c)
            .collect(),
    };
    let mut sorted: Vec<&JournalEntry> = entries.iter().filter(|e| e.date() <= to).collect();
    sorted.sort_by_key(|e| e.date());
    let m = |v: i128| currency.money(v);
    let mut out = Vec::new();
    for code in codes {
        let (name, kind) = name_kind(chart, &code);
        let sign = if kind.debit_normal() { 1 } else { -1 };
        let (mut opening, mut balance, mut d, mut c) = (0_i128, 0_i128, 0_i128, 0_i128);
        let mut lines = Vec::new();
        for e in &sorted {
            for l in e.lines().iter().filter(|l| l.account() == code) {
                balance += sign * l.signed();
                if from.is_some_and(|f| e.date() < f) {
                    opening = balance;
                    continue;
                }
                d += l.debit();
                c += l.credit();
                lines.push(LedgerLine {
                    date: e.date(),
                    entry_id: e.id().to_owned(),
                    kind: e.header().kind,
                    member: e.header().member.as_deref().map(str::to_owned),
                    debit: m(l.debit())?,
                    credit: m(l.credit())?,
                    balance: m(balance)?,
                });
            }
        }
        out.push(LedgerAccountReport {
            code,
            name,
            kind,
            opening: m(opening)?,
            lines,
            debit: m(d)?,
            credit: m(c)?,
            closing: m(balance)?,
        });
    }
    Ok(out)
}

/// An account and its amount in a statement.
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StatementLine {
    /// Account code.
    pub code: String,
    /// Account name.
    pub name: String,
    /// Amount on the account's normal side.
    pub amount: Money,
}

/// Profit and loss over a period.
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProfitAndLoss {
    /// First day.
    #[serde(with = "crate::money::iso_date")]
    pub from: NaiveDate,
    /// Last day.
    #[serde(with = "crate::money::iso_date")]
    pub to: NaiveDate,
    /// Income accounts: Σ credits − Σ debits.
    pub income: Vec<StatementLine>,
    /// Σ income.
    pub total_income: Money,
    /// Expense accounts: Σ debits − Σ credits.
    pub expenses: Vec<StatementLine>,
    /// Σ expenses.
    pub total_expenses: Money,
    /// Income − expenses.
    pub net_profit: Money,
}

fn statement_lines(
    entries: &[JournalEntry],
    chart: &Chart,
    currency: &Currency,
    kind: AccountKind,
    keep: impl FnMut(&JournalEntry) -> bool,
) -> Result<(Vec<StatementLine>, i128)> {
    let sign = if kind.debit_normal() { 1 } else { -1 };
    let mut lines = Vec::new();
    let mut total = 0;
    for (code, d, c) in account_totals(entries, chart, keep) {
        let (name, k) = name_kind(chart, &code);
        if k != kind {
            continue;
        }
        let v = sign * (d - c);
        total += v;
        lines.push(StatementLine {
            code,
            name,
            amount: currency.money(v)?,
        });
    }
    Ok((lines, total))
}

/// Profit and loss from `from` to `to` (year-closing entries excluded).
///
/// # Errors
/// `E_INVALID_DATE` when `to` is before `from`; `E_OVERFLOW`.
pub fn profit_and_loss(
    entries: &[JournalEntry],
    chart: &Chart,
    currency: &Currency,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<ProfitAndLoss> {
    if to < from {
        return Err(CoreError::InvalidDate {
            reason: format!(
                "the period ends ({}) before it starts ({})",
                format_date(to),
                format_date(from)
            ),
        });
    }
    let keep =
        |e: &JournalEntry| from <= e.date() && e.date() <= to && e.header().kind != "year_closing";
    let (income, ti) = statement_lines(entries, chart, currency, AccountKind::Income, keep)?;
    let (expenses, te) = statement_lines(entries, chart, currency, AccountKind::Expense, keep)?;
    Ok(ProfitAndLoss {
        from,
        to,
        income,
        total_income: currency.money(ti)?,
        expenses,
        total_expenses: currency.money(te)?,
        net_profit: currency.money(ti - te)?,
    })
}

/// A balance sheet as of a date.
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BalanceSheet {
    /// The date.
    #[serde(with = "crate::money::iso_date")]
    pub as_of: NaiveDate,
    /// Assets: debit − credit.
    pub assets: Vec<StatementLine>,
    /// Σ assets.
    pub total_assets: Money,
    /// Liabilities: credit − debit.
    pub liabilities: Vec<StatementLine>,
    /// Σ liabilities.
    pub total_liabilities: Money,
    /// Equity accounts: credit − debit (retained earnings include closed years' profit).
    pub equity: Vec<StatementLine>,
    /// Profit of the periods not yet closed (income − expenses still on the income and
    /// expense accounts).
    pub unclosed_profit: Money,
    /// Σ equity + unclosed profit.
    pub total_equity: Money,
    /// Liabilities + equity.
    pub total_liabilities_and_equity: Money,
    /// Whether assets = liabilities + equity (always, for books built by windeep).
    pub balanced: bool,
}

/// The balance sheet as of a date.
///
/// # Errors
/// `E_OVERFLOW`.
pub fn balance_sheet(
    entries: &[JournalEntry],
    chart: &Chart,
    currency: &Currency,
    as_of: NaiveDate,
) -> Result<BalanceSheet> {
    let keep = |e: &JournalEntry| e.date() <= as_of;
    let (assets, ta) = statement_lines(entries, chart, currency, AccountKind::Asset, keep)?;
    let (liabilities, tl) =
        statement_lines(entries, chart, currency, AccountKind::Liability, keep)?;
    let (equity, tq) = statement_lines(entries, chart, currency, AccountKind::Equity, keep)?;
    let (_, ti) = statement_lines(entries, chart, currency, AccountKind::Income, keep)?;
    let (_, te) = statement_lines(entries, chart, currency, AccountKind::Expense, keep)?;
    let profit = ti - te;
    Ok(BalanceSheet {
        as_of,
        assets,
        total_assets: currency.money(ta)?,
        liabilities,
        total_liabilities: currency.money(tl)?,
        equity,
        unclosed_profit: currency.money(profit)?,
        total_equity: currency.money(tq + profit)?,
        total_liabilities_and_equity: currency.money(tl + tq + profit)?,
        balanced: ta == tl + tq + profit,
    })
}

//! Portfolio figures: ageing buckets, portfolio at risk, NPA ratios, collection efficiency
//! (current-period and overall, decisions §17) and the dashboard series.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::account::{Account, EventOutcome, LoanEvent, Observer, end_of_day, fold_observed};
use crate::books::BookLoan;
use crate::classification::{AssetClass, ClassificationPolicy, PreviousClass, classify, percent};
use crate::dpd::DPD_BANDS;
use crate::error::{CoreError, Result};
use crate::money::{Currency, Money};
use crate::month::Month;

/// The parameters of a portfolio report.
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PortfolioOptions {
    /// Months of the dashboard series, ending with the report month (default 6).
    pub months: u32,
    /// Upper bounds of the DPD buckets after "current" (default the band table's SMA-0, SMA-1
    /// and NPA bounds: 30, 60, 90).
    pub buckets: Vec<u32>,
    /// The classification policy.
    pub policy: ClassificationPolicy,
    /// The members' previous classification.
    pub previous: Vec<PreviousClass>,
    /// Members or loans identified as loss.
    pub loss: Vec<String>,
}

impl Default for PortfolioOptions {
    fn default() -> Self {
        Self {
            months: 6,
            buckets: DPD_BANDS.par_bounds(),
            policy: ClassificationPolicy::default(),
            previous: Vec::new(),
            loss: Vec::new(),
        }
    }
}

/// One DPD bucket.
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Bucket {
    /// `0`, `1-30`, …, `91+`.
    pub bucket: String,
    /// Loans in it.
    pub loans: usize,
    /// Their outstanding principal.
    pub outstanding_principal: Money,
    /// Their unpaid principal and interest past due.
    pub overdue: Money,
}

/// Portfolio at risk over a number of days.
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Par {
    /// Loans more than this many days past due.
    pub days: u32,
    /// Their outstanding principal.
    pub outstanding_principal: Money,
    /// As a percentage of the whole portfolio (2 decimals, half-up); null for no portfolio.
    #[serde(serialize_with = "crate::money::serialize_decimal_text_opt")]
    #[cfg_attr(
        feature = "schemars",
        schemars(with = "crate::wire::schema::OptDecimalText")
    )]
    pub ratio: Option<String>,
}

/// NPA figures.
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NpaFigures {
    /// NPA loans.
    pub loans: usize,
    /// Their outstanding principal.
    pub outstanding_principal: Money,
    /// Provision held against them.
    pub provision: Money,
    /// NPA outstanding ÷ portfolio × 100.
    #[serde(serialize_with = "crate::money::serialize_decimal_text_opt")]
    #[cfg_attr(
        feature = "schemars",
        schemars(with = "crate::wire::schema::OptDecimalText")
    )]
    pub gross_npa_ratio: Option<String>,
    /// (NPA outstanding − provision) ÷ (portfolio − provision) × 100.
    #[serde(serialize_with = "crate::money::serialize_decimal_text_opt")]
    #[cfg_attr(
        feature = "schemars",
        schemars(with = "crate::wire::schema::OptDecimalText")
    )]
    pub net_npa_ratio: Option<String>,
}

/// Collection efficiency of one month.
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Efficiency {
    /// The month.
    pub month: Month,
    /// Collections counted up to this day (the month's end, or the report date).
    #[serde(with = "crate::money::iso_date")]
    pub through: NaiveDate,
    /// Principal and interest falling due in the month (less what was cancelled or waived
    /// before its due date).
    pub demand: Money,
    /// Collected against that demand (including in advance).
    pub collected_current: Money,
    /// Unpaid principal and interest due before the month, at its start.
    pub arrears_opening: Money,
    /// Collected in the month against those arrears.
    pub collected_arrears: Money,
    /// Collected in the month against installments due after it.
    pub collected_advance: Money,
    /// collected_current ÷ demand × 100.
    #[serde(serialize_with = "crate::money::serialize_decimal_text_opt")]
    #[cfg_attr(
        feature = "schemars",
        schemars(with = "crate::wire::schema::OptDecimalText")
    )]
    pub current_efficiency: Option<String>,
    /// (collected_current + collected_arrears) ÷ (demand + arrears_opening) × 100.
    #[serde(serialize_with = "crate::money::serialize_decimal_text_opt")]
    #[cfg_attr(
        feature = "schemars",
        schemars(with = "crate::wire::schema::OptDecimalText")
    )]
    pub overall_efficiency: Option<String>,
}

/// Overdue amounts by bucket at one month's end.
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MonthBuckets {
    /// The month.
    pub month: Month,
    /// The day the figures are taken (the month's end, or the report date).
    #[serde(with = "crate::money::iso_date")]
    pub on: NaiveDate,
    /// The buckets with overdue loans.
    pub buckets: Vec<Bucket>,
}

/// One asset class in the NPA distribution.
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClassShare {
    /// The class.
    pub asset_class: AssetClass,
    /// Loans.
    pub loans: usize,
    /// Outstanding principal.
    pub outstanding_principal: Money,
    /// Share of the portfolio, percent.
    #[serde(serialize_with = "crate::money::serialize_decimal_text_opt")]
    #[cfg_attr(
        feature = "schemars",
        schemars(with = "crate::wire::schema::OptDecimalText")
    )]
    pub share: Option<String>,
}

/// The portfolio report and dashboard data.
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PortfolioReport {
    /// The date.
    #[serde(with = "crate::money::iso_date")]
    pub as_of: NaiveDate,
    /// Active loans.
    pub loans: usize,
    /// Their outstanding principal.
    pub outstanding_principal: Money,
    /// Ageing by the loan's DPD.
    pub ageing: Vec<Bucket>,
    /// PAR at each bucket bound.
    pub par: Vec<Par>,
    /// NPA figures.
    pub npa: NpaFigures,
    /// NPA distribution by asset class.
    pub asset_classes: Vec<ClassShare>,
    /// Collection efficiency month by month.
    pub collection_efficiency: Vec<Efficiency>,
    /// Overdue amounts by bucket × month.
    pub overdue_by_bucket: Vec<MonthBuckets>,
}

/// Whether day-count bounds are non-empty, above 0 and strictly increasing (DPD buckets, the
/// dashboard's age bands).
pub(crate) fn bounds_increasing(bounds: &[u32]) -> bool {
    !bounds.is_empty()
        && bounds.first() != Some(&0)
        && bounds.windows(2).all(|w| w.first() < w.last())
}

/// The day bands above 0 cut by `bounds`: `(name, first day, last day)` for `1-b1`,
/// `b1+1-b2`, …, and the open band `bn+1+` (last day `i64::MAX`).
pub(crate) fn day_bands(bounds: &[u32]) -> Vec<(String, i64, i64)> {
    let mut out = Vec::new();
    let mut lo = 1_i64;
    for &b in bounds {
        out.push((format!("{lo}-{b}"), lo, i64::from(b)));
        lo = i64::from(b) + 1;
    }
    out.push((format!("{lo}+"), lo, i64::MAX));
    out
}

/// The DPD buckets of the ageing: `0` (current), then the [`day_bands`] of `bounds`.
fn bucket_names(bounds: &[u32]) -> Vec<(String, i64, i64)> {
    let mut out = vec![("0".to_owned(), 0, 0)];
    out.extend(day_bands(bounds));
    out
}

/// The index of the band of `day_bands` (or `bucket_names`) holding `days` (0 if none does).
pub(crate) fn band_of(bands: &[(String, i64, i64)], days: i64) -> usize {
    bands
        .iter()
        .position(|(_, lo, hi)| *lo <= days && days <= *hi)
        .unwrap_or(0)
}

/// Loans and their outstanding principal (minor units) in the ageing buckets after
/// `ageing[first]`: with `first` the index of the bucket ending at `n` days, the loans more
/// than `n` days past due (the portfolio at risk over `n` days).
pub(crate) fn at_risk(
    ageing: &[Bucket],
    first: usize,
    currency: &Currency,
) -> Result<(usize, i128)> {
    let (mut loans, mut outstanding) = (0_usize, 0_i128);
    for b in ageing.iter().skip(first + 1) {
        loans += b.loans;
        outstanding += currency.minor(b.outstanding_principal)?;
    }
    Ok((loans, outstanding))
}

/// Per-installment payments and waivers with their dates, recorded during a fold.
#[derive(Default)]
struct Collections {
    before: BTreeMap<u32, (i128, i128)>,
    /// (value date, installment, paid, waived)
    moves: Vec<(NaiveDate, u32, i128, i128)>,
}

impl Observer for Collections {
    fn before(&mut self, _: &LoanEvent, account: &Account) -> Result<()> {
        self.before = account
            .row_figures()
            .into_iter()
            .map(|r| (r.number, (r.paid, r.waived)))
            .collect();
        Ok(())
    }

    fn after(&mut self, e: &LoanEvent, account: &Account, _: &EventOutcome) -> Result<()> {
        for r in account.row_figures() {
            let (p, w) = self.before.get(&r.number).copied().unwrap_or((0, 0));
            if r.paid != p || r.waived != w {
                self.moves
                    .push((e.value_date, r.number, r.paid - p, r.waived - w));
            }
        }
        Ok(())
    }
}

/// The portfolio report as of a date (the `portfolio_report` operation).
///
/// # Errors
/// `E_INVALID_POLICY` for buckets not strictly increasing or a policy out of order; every
/// error of the loans' folds.
pub fn portfolio_report(
    loans: &[BookLoan],
    as_of: NaiveDate,
    options: &PortfolioOptions,
    currency: &Currency,
) -> Result<PortfolioReport> {
    if !bounds_increasing(&options.buckets) || options.months == 0 || options.months > 120 {
        return Err(CoreError::InvalidPolicy {
            reason: "buckets are increasing day counts above 0; months is 1–120".to_owned(),
        });
    }
    let m = |v: i128| currency.money(v);
    let names = bucket_names(&options.buckets);
    let class = classify(
        loans,
        as_of,
        &options.policy,
        &options.previous,
        &options.loss,
        currency,
    )?;
    let total: i128 = class
        .loans
        .iter()
        .map(|l| currency.minor(l.outstanding_principal))
        .sum::<Result<i128>>()?;
    let mut ageing = Vec::new();
    for (name, lo, hi) in &names {
        let inb: Vec<_> = class
            .loans
            .iter()
            .filter(|l| *lo <= l.days_past_due && l.days_past_due <= *hi)
            .collect();
        ageing.push(Bucket {
            bucket: name.clone(),
            loans: inb.len(),
            outstanding_principal: m(inb
                .iter()
                .map(|l| currency.minor(l.outstanding_principal))
                .sum::<Result<i128>>()?)?,
            overdue: m(inb
                .iter()
                .map(|l| currency.minor(l.overdue))
                .sum::<Result<i128>>()?)?,
        });
    }
    let mut par = Vec::new();
    // Bucket i + 1 ends at the i-th bound: the buckets after it are more than that past due.
    for (i, &days) in options.buckets.iter().enumerate() {
        let (_, o) = at_risk(&ageing, i + 1, currency)?;
        par.push(Par {
            days,
            outstanding_principal: m(o)?,
            ratio: percent(o, total)?,
        });
    }
    let (mut npa_n, mut npa_o, mut npa_p) = (0, 0, 0);
    for l in class.loans.iter().filter(|l| l.npa) {
        npa_n += 1;
        npa_o += currency.minor(l.outstanding_principal)?;
        npa_p += currency.minor(l.provision)?;
    }
    let npa = NpaFigures {
        loans: npa_n,
        outstanding_principal: m(npa_o)?,
        provision: m(npa_p)?,
        gross_npa_ratio: percent(npa_o, total)?,
        net_npa_ratio: percent(npa_o - npa_p, total - npa_p)?,
    };
    let asset_classes = class
        .totals
        .iter()
        .map(|t| {
            let o = currency.minor(t.outstanding_principal)?;
            Ok(ClassShare {
                asset_class: t.asset_class,
                loans: t.loans,
                outstanding_principal: t.outstanding_principal,
                share: percent(o, total)?,
            })
        })
        .collect::<Result<Vec<_>>>()?;

    // Collections per installment, from one fold of each loan.
    let last = Month::of(as_of);
    let mut first = last;
    for _ in 1..options.months {
        first = first.prev();
    }
    struct LoanRows {
        rows: Vec<crate::account::RowFigures>,
        moves: Vec<(NaiveDate, u32, i128, i128)>,
    }
    let mut folded = Vec::new();
    for l in loans {
        let mut c = Collections::default();
        let account = fold_observed(&l.events, as_of, &mut c)?;
        folded.push(LoanRows {
            rows: account.row_figures(),
            moves: c.moves,
        });
    }
    let mut collection_efficiency = Vec::new();
    let mut overdue_by_bucket = Vec::new();
    let mut month = first;
    while month <= last {
        let start = month.first_day();
        let through = month.last_day().min(as_of);
        let (mut demand, mut current, mut arrears, mut col_arrears, mut advance) =
            (0_i128, 0_i128, 0_i128, 0_i128, 0_i128);
        for f in &folded {
            let due_of: BTreeMap<u32, NaiveDate> =
                f.rows.iter().map(|r| (r.number, r.due_on)).collect();
            for r in &f.rows {
                let waived_early: i128 = f
                    .moves
                    .iter()
                    .filter(|(d, k, _, _)| *k == r.number && *d < r.due_on)
                    .map(|(_, _, _, w)| w)
                    .sum();
                if Month::of(r.due_on) == month {
                    demand += r.principal + r.interest - waived_early;
                } else if r.due_on < start {
                    let settled_before: i128 = f
                        .moves
                        .iter()
                        .filter(|(d, k, _, _)| *k == r.number && *d < start)
                        .map(|(_, _, p, w)| p + w)
                        .sum();
                    arrears += r.principal + r.interest - settled_before;
                }
            }
            for (d, k, paid, _) in &f.moves {
                let Some(due) = due_of.get(k) else {
                    continue;
                };
                if *d > through {
                    continue;
                }
                if Month::of(*due) == month {
                    current += paid;
                } else if *d >= start && *due < start {
                    col_arrears += paid;
                } else if *d >= start && Month::of(*due) > month {
                    advance += paid;
                }
            }
        }
        collection_efficiency.push(Efficiency {
            month,
            through,
            demand: m(demand)?,
            collected_current: m(current)?,
            arrears_opening: m(arrears)?,
            collected_arrears: m(col_arrears)?,
            collected_advance: m(advance)?,
            current_efficiency: percent(current, demand)?,
            overall_efficiency: percent(current + col_arrears, demand + arrears)?,
        });
        let mut by: Vec<(usize, i128, i128)> = vec![(0, 0, 0); names.len()];
        for l in loans {
            if l.events
                .iter()
                .min_by_key(|e| e.sequence)
                .is_some_and(|e| e.value_date > through)
            {
                continue;
            }
            let s = end_of_day(&l.events, through)?;
            if s.status != "active" || s.days_past_due == 0 {
                continue;
            }
            if let Some(slot) = by.get_mut(band_of(&names, s.days_past_due)) {
                slot.0 += 1;
                slot.1 += currency.minor(s.outstanding_principal)?;
                slot.2 += s
                    .overdue
                    .iter()
                    .map(|o| currency.minor(o.unpaid))
                    .sum::<Result<i128>>()?;
            }
        }
        overdue_by_bucket.push(MonthBuckets {
            month,
            on: through,
            buckets: names
                .iter()
                .zip(by)
                .filter(|(_, (n, _, _))| *n > 0)
                .map(|((name, _, _), (n, o, od))| {
                    Ok(Bucket {
                        bucket: name.clone(),
                        loans: n,
                        outstanding_principal: m(o)?,
                        overdue: m(od)?,
                    })
                })
                .collect::<Result<_>>()?,
        });
        month = month.next();
    }
    Ok(PortfolioReport {
        as_of,
        loans: class.loans.len(),
        outstanding_principal: m(total)?,
        ageing,
        par,
        npa,
        asset_classes,
        collection_efficiency,
        overdue_by_bucket,
    })
}

//! The manager's dashboard: every figure of the dashboard page, from one books snapshot.
//!
//! It gathers the portfolio report (collection efficiency by month, NPA ratios, PAR) and the
//! daily checks (findings, credit scores, unmapped bank lines) and adds the figures those two
//! do not give: PAR 1, the provision coverage of NPA loans, overdue installments by DPD band ×
//! month of due date and by member group, the credit-score distribution and the unmapped bank
//! lines by age. See `docs/books.md` ("Dashboard").

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::account::end_of_day;
use crate::bank_line::MappingStatus;
use crate::books::Books;
use crate::classification::percent;
use crate::error::{CoreError, Result};
use crate::money::Money;
use crate::month::Month;
use crate::portfolio::{PortfolioOptions, PortfolioReport, portfolio_report};
use crate::reconcile::{AlertConfig, CheckReport, Rating, check_books};

/// A member's group (a village, a self-help group, a branch: whatever the society groups its
/// members by).
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MemberGroup {
    /// The member.
    pub member: String,
    /// The group's name (not empty).
    pub group: String,
}

/// The group of members not named in [`DashboardOptions::groups`].
pub const UNGROUPED: &str = "ungrouped";

/// The parameters of the dashboard.
///
/// # Example
/// ```
/// let o: windeep_core::dashboard::DashboardOptions = serde_json::from_str(
///     r#"{"unmapped_ages": [3, 30], "groups": [{"member": "MEMB000001", "group": "Ward 4"}]}"#,
/// ).unwrap();
/// assert_eq!(o.portfolio.months, 6);
/// ```
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DashboardOptions {
    /// The portfolio report's parameters (months of the series, DPD buckets, policy).
    pub portfolio: PortfolioOptions,
    /// The daily checks' alert thresholds.
    pub alerts: AlertConfig,
    /// Members' groups; a member not listed is in the group `ungrouped`.
    pub groups: Vec<MemberGroup>,
    /// Upper bounds of the age bands of unmapped bank lines, days, strictly increasing
    /// (default 7, 30, 90: bands `0-7`, `8-30`, `31-90`, `91+`).
    pub unmapped_ages: Vec<u32>,
}

impl Default for DashboardOptions {
    fn default() -> Self {
        Self {
            portfolio: PortfolioOptions::default(),
            alerts: AlertConfig::default(),
            groups: Vec::new(),
            unmapped_ages: vec![7, 30, 90],
        }
    }
}

/// Portfolio at risk: loans more than `more_than_days` past due.
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ParLine {
    /// `PAR 1`, `PAR 30`, …: PAR 1 counts loans with any day past due (more than 0 days),
    /// PAR n for every other bucket bound n counts loans more than n days past due.
    pub name: String,
    /// The loans counted are more than this many days past due.
    pub more_than_days: u32,
    /// Loans counted.
    pub loans: usize,
    /// Their outstanding principal.
    pub outstanding_principal: Money,
    /// As a percentage of the portfolio (2 decimals, half-up); null for no portfolio.
    #[serde(serialize_with = "crate::money::serialize_decimal_text_opt")]
    #[cfg_attr(
        feature = "schemars",
        schemars(with = "crate::wire::schema::OptDecimalText")
    )]
    pub ratio: Option<String>,
}

/// The NPA meter.
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NpaMeter {
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
    /// Provision held against NPA loans ÷ their outstanding principal × 100 (2 decimals,
    /// half-up); null when no loan is NPA.
    #[serde(serialize_with = "crate::money::serialize_decimal_text_opt")]
    #[cfg_attr(
        feature = "schemars",
        schemars(with = "crate::wire::schema::OptDecimalText")
    )]
    pub provision_coverage: Option<String>,
    /// NPA loans.
    pub loans: usize,
    /// Their outstanding principal.
    pub outstanding_principal: Money,
    /// Provision held against them.
    pub provision: Money,
}

/// Overdue installments of one DPD band and one month of due date.
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HeatCell {
    /// The month the installments fell due.
    pub due_month: Month,
    /// The loan's DPD bucket (`1-30`, `31-60`, …: the portfolio report's bucket names).
    pub band: String,
    /// Installments past due with something unpaid.
    pub installments: usize,
    /// Their unpaid principal and interest.
    pub unpaid: Money,
}

/// Overdue installments of one member group and one DPD band.
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GroupCell {
    /// The group (`ungrouped` for members without one).
    pub group: String,
    /// The loan's DPD bucket.
    pub band: String,
    /// Overdue loans.
    pub loans: usize,
    /// Installments past due with something unpaid.
    pub installments: usize,
    /// Their unpaid principal and interest.
    pub unpaid: Money,
}

/// Members with one credit score.
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScoreShare {
    /// Stars, 5 (best) to 1.
    pub stars: u8,
    /// The rating of those stars.
    pub rating: Rating,
    /// Members with it.
    pub members: usize,
}

/// Unmapped bank lines of one age band.
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AgeBand {
    /// `0-7`, `8-30`, …, `91+`: days from the line's date to the books date.
    pub age: String,
    /// Unmapped lines.
    pub lines: usize,
    /// Σ their amounts (credits and debits alike).
    pub amount: Money,
}

/// Every figure of the dashboard page.
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Dashboard {
    /// The books date.
    #[serde(with = "crate::money::iso_date")]
    pub as_of: NaiveDate,
    /// The portfolio report (collection efficiency by month, ageing, NPA classes).
    pub portfolio: PortfolioReport,
    /// PAR 1 and PAR at each bucket bound.
    pub par: Vec<ParLine>,
    /// The NPA meter.
    pub npa: NpaMeter,
    /// Overdue installments by DPD band × month of due date (cells with none left out),
    /// by month then band.
    pub overdue_heat_map: Vec<HeatCell>,
    /// Overdue installments by member group × DPD band (cells with none left out), by group
    /// then band.
    pub overdue_by_group: Vec<GroupCell>,
    /// Members per credit score, 5 stars first (every score listed).
    pub credit_scores: Vec<ScoreShare>,
    /// Unmapped bank lines by age, youngest first (every band listed).
    pub unmapped_by_age: Vec<AgeBand>,
    /// The daily checks' report (findings, alerts, summary).
    pub checks: CheckReport,
}

fn increasing(bounds: &[u32]) -> bool {
    !bounds.is_empty()
        && bounds.first() != Some(&0)
        && bounds.windows(2).all(|w| w.first() < w.last())
}

fn bands(bounds: &[u32]) -> Vec<(String, i64, i64)> {
    let mut out = Vec::new();
    let mut lo = 1_i64;
    for &b in bounds {
        out.push((format!("{lo}-{b}"), lo, i64::from(b)));
        lo = i64::from(b) + 1;
    }
    out.push((format!("{lo}+"), lo, i64::MAX));
    out
}

/// The dashboard of a books snapshot (the `dashboard` operation).
///
/// # Errors
/// `E_INVALID_POLICY` for age bands or buckets not strictly increasing above 0;
/// `E_INVALID_INPUT` for an empty group name or a member given two groups; every error of
/// [`portfolio_report`] and [`check_books`].
///
/// # Example
/// ```
/// let books: windeep_core::books::Books = serde_json::from_str(r#"{"as_of": "2026-03-31"}"#).unwrap();
/// let d = windeep_core::dashboard::dashboard(&books, &Default::default()).unwrap();
/// assert_eq!(d.par[0].name, "PAR 1");
/// assert_eq!(d.credit_scores.len(), 5);
/// assert_eq!(d.unmapped_by_age[0].age, "0-7");
/// ```
pub fn dashboard(books: &Books, options: &DashboardOptions) -> Result<Dashboard> {
    if !increasing(&options.unmapped_ages) {
        return Err(CoreError::InvalidPolicy {
            reason: "unmapped_ages are increasing day counts above 0".to_owned(),
        });
    }
    let mut group_of: BTreeMap<&str, &str> = BTreeMap::new();
    for g in &options.groups {
        if g.group.trim().is_empty() {
            return Err(CoreError::InvalidInput {
                reason: format!("member {}: the group name is empty", g.member),
            });
        }
        if let Some(was) = group_of.insert(g.member.as_str(), g.group.as_str())
            && was != g.group
        {
            return Err(CoreError::InvalidInput {
                reason: format!("member {} is given two groups", g.member),
            });
        }
    }
    let currency = &books.currency;
    let as_of = books.as_of;
    let m = |v: i128| currency.money(v);
    let portfolio = portfolio_report(&books.loans, as_of, &options.portfolio, currency)?;
    let checks = check_books(books, &options.alerts)?;

    // PAR 1 and PAR at each bound, from the ageing buckets: the first bucket is `0`.
    let total = currency.minor(portfolio.outstanding_principal)?;
    let mut par = Vec::new();
    let mut more_than = vec![0_u32];
    more_than.extend(options.portfolio.buckets.iter().copied());
    for (i, &days) in more_than.iter().enumerate() {
        let (mut n, mut o) = (0_usize, 0_i128);
        // Bucket i + 1 starts at `days + 1`: every later bucket is more than `days` past due.
        for b in portfolio.ageing.iter().skip(i + 1) {
            n += b.loans;
            o += currency.minor(b.outstanding_principal)?;
        }
        par.push(ParLine {
            name: format!("PAR {}", days.max(1)),
            more_than_days: days,
            loans: n,
            outstanding_principal: m(o)?,
            ratio: percent(o, total)?,
        });
    }
    let f = &portfolio.npa;
    let npa_o = currency.minor(f.outstanding_principal)?;
    let npa = NpaMeter {
        gross_npa_ratio: f.gross_npa_ratio.clone(),
        net_npa_ratio: f.net_npa_ratio.clone(),
        provision_coverage: percent(currency.minor(f.provision)?, npa_o)?,
        loans: f.loans,
        outstanding_principal: f.outstanding_principal,
        provision: f.provision,
    };

    // Overdue installments of the active loans on the books date.
    let names = bands(&options.portfolio.buckets);
    let mut heat: BTreeMap<(Month, usize), (usize, i128)> = BTreeMap::new();
    let mut by_group: BTreeMap<(&str, usize), (BTreeSet<usize>, usize, i128)> = BTreeMap::new();
    for (k, l) in books.loans.iter().enumerate() {
        if l.events
            .iter()
            .min_by_key(|e| e.sequence)
            .is_none_or(|e| e.value_date > as_of)
        {
            continue;
        }
        let s = end_of_day(&l.events, as_of)?;
        if s.status != "active" || s.days_past_due <= 0 || s.overdue.is_empty() {
            continue;
        }
        let band = names
            .iter()
            .position(|(_, lo, hi)| *lo <= s.days_past_due && s.days_past_due <= *hi)
            .unwrap_or(0);
        let group = group_of
            .get(l.member.as_str())
            .copied()
            .unwrap_or(UNGROUPED);
        for o in &s.overdue {
            let unpaid = currency.minor(o.unpaid)?;
            let cell = heat.entry((Month::of(o.due_on), band)).or_default();
            cell.0 += 1;
            cell.1 += unpaid;
            let g = by_group.entry((group, band)).or_default();
            g.0.insert(k);
            g.1 += 1;
            g.2 += unpaid;
        }
    }
    let band_name = |i: usize| names.get(i).map(|n| n.0.clone()).unwrap_or_default();
    let overdue_heat_map = heat
        .into_iter()
        .map(|((month, band), (n, u))| {
            Ok(HeatCell {
                due_month: month,
                band: band_name(band),
                installments: n,
                unpaid: m(u)?,
            })
        })
        .collect::<Result<_>>()?;
    let overdue_by_group = by_group
        .into_iter()
        .map(|((group, band), (loans, n, u))| {
            Ok(GroupCell {
                group: group.to_owned(),
                band: band_name(band),
                loans: loans.len(),
                installments: n,
                unpaid: m(u)?,
            })
        })
        .collect::<Result<_>>()?;

    let credit_scores = (1..=5_u8)
        .rev()
        .map(|stars| {
            let rating = match stars {
                5 => Rating::Excellent,
                4 => Rating::Good,
                3 => Rating::Average,
                2 => Rating::Poor,
                _ => Rating::Bad,
            };
            ScoreShare {
                stars,
                rating,
                members: checks
                    .credit_scores
                    .iter()
                    .filter(|c| c.stars == stars)
                    .count(),
            }
        })
        .collect();

    // Age bands: the first starts at 0 days (a line dated on the books date).
    let mut ages = bands(&options.unmapped_ages);
    if let Some(first) = ages.first_mut() {
        first.1 = 0;
        first.0 = format!("0-{}", first.2);
    }
    let mut aged: Vec<(String, usize, i128)> =
        ages.iter().map(|(n, _, _)| (n.clone(), 0, 0)).collect();
    for t in &books.bank_transactions {
        if t.status != MappingStatus::Unmapped || t.transaction.date > as_of {
            continue;
        }
        let age = (as_of - t.transaction.date).num_days();
        let i = ages
            .iter()
            .position(|(_, lo, hi)| *lo <= age && age <= *hi)
            .unwrap_or(0);
        if let Some(slot) = aged.get_mut(i) {
            slot.1 += 1;
            slot.2 += currency.minor(t.transaction.amount)?;
        }
    }
    let unmapped_by_age = aged
        .into_iter()
        .map(|(age, lines, amount)| {
            Ok(AgeBand {
                age,
                lines,
                amount: m(amount)?,
            })
        })
        .collect::<Result<_>>()?;

    Ok(Dashboard {
        as_of,
        portfolio,
        par,
        npa,
        overdue_heat_map,
        overdue_by_group,
        credit_scores,
        unmapped_by_age,
        checks,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn age_bands_and_buckets_must_increase() {
        let books: Books = serde_json::from_str(r#"{"as_of": "2026-03-31"}"#).unwrap();
        for bad in [vec![], vec![0, 7], vec![30, 7], vec![7, 7]] {
            let o = DashboardOptions {
                unmapped_ages: bad,
                ..DashboardOptions::default()
            };
            assert_eq!(
                dashboard(&books, &o).unwrap_err().code(),
                "E_INVALID_POLICY"
            );
        }
    }

    #[test]
    fn a_member_in_two_groups_is_refused() {
        let books: Books = serde_json::from_str(r#"{"as_of": "2026-03-31"}"#).unwrap();
        let g = |group: &str| MemberGroup {
            member: "MEMB000001".to_owned(),
            group: group.to_owned(),
        };
        let o = DashboardOptions {
            groups: vec![g("A"), g("B")],
            ..DashboardOptions::default()
        };
        assert_eq!(dashboard(&books, &o).unwrap_err().code(), "E_INVALID_INPUT");
        let o = DashboardOptions {
            groups: vec![g(" ")],
            ..DashboardOptions::default()
        };
        assert_eq!(dashboard(&books, &o).unwrap_err().code(), "E_INVALID_INPUT");
        let o = DashboardOptions {
            groups: vec![g("A"), g("A")],
            ..DashboardOptions::default()
        };
        assert!(dashboard(&books, &o).is_ok());
    }

    #[test]
    fn age_band_names() {
        let books: Books = serde_json::from_str(r#"{"as_of": "2026-03-31"}"#).unwrap();
        let d = dashboard(&books, &DashboardOptions::default()).unwrap();
        let names: Vec<_> = d.unmapped_by_age.iter().map(|a| a.age.as_str()).collect();
        assert_eq!(names, ["0-7", "8-30", "31-90", "91+"]);
        let pars: Vec<_> = d.par.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(pars, ["PAR 1", "PAR 30", "PAR 60", "PAR 90"]);
    }
}

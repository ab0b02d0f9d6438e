//! Asset classification (RBI IRACP style, decisions §14): day-end DPD, SMA-0/1/2, NPA with
//! sub-standard / doubtful D1–D3 / loss by time in NPA from a policy table, borrower-level
//! contagion, the upgrade rule and provisioning.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Days, NaiveDate};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::account::end_of_day;
use crate::books::BookLoan;
pub use crate::dpd::Sma;
use crate::dpd::{DPD_BANDS, DpdBands};
use crate::error::{CoreError, Result};
use crate::money::{Currency, Money};
use crate::month::whole_months;
use crate::rounding::RoundingMode;

/// The asset class of a loan.
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AssetClass {
    /// Performing (including SMA).
    Standard,
    /// NPA for up to the first doubtful threshold.
    SubStandard,
    /// Doubtful, first band.
    #[serde(rename = "doubtful_1")]
    Doubtful1,
    /// Doubtful, second band.
    #[serde(rename = "doubtful_2")]
    Doubtful2,
    /// Doubtful, third band.
    #[serde(rename = "doubtful_3")]
    Doubtful3,
    /// Identified as loss.
    Loss,
}

/// One row of the NPA table: the class from a number of whole months in NPA, and its
/// provision.
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NpaBand {
    /// The class.
    pub class: AssetClass,
    /// Whole months in NPA from which the class applies.
    pub from_months: u32,
    /// Provision, percent of outstanding principal.
    #[serde(with = "crate::money::decimal_str")]
    pub provision_pct: Decimal,
}

/// The classification policy (every threshold is policy; the defaults are the RBI bank
/// norms for unsecured loans).
///
/// # Example
/// ```
/// let p: windeep_core::classification::ClassificationPolicy =
///     serde_json::from_str(r#"{"npa_after_days": 365}"#).unwrap();
/// assert_eq!(p.sma_0_max, 30);
/// ```
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ClassificationPolicy {
    /// NPA when days past due exceed this (90; 365 for Nidhi-style societies).
    pub npa_after_days: u32,
    /// SMA-0 up to this many days past due.
    pub sma_0_max: u32,
    /// SMA-1 up to this many days past due (SMA-2 above, up to the NPA threshold).
    pub sma_1_max: u32,
    /// The NPA classes by time in NPA.
    pub npa_bands: Vec<NpaBand>,
    /// Provision on standard loans, percent.
    #[serde(with = "crate::money::decimal_str")]
    pub standard_provision_pct: Decimal,
    /// Provision on loss loans, percent.
    #[serde(with = "crate::money::decimal_str")]
    pub loss_provision_pct: Decimal,
    /// Provision on the unsecured portion of a doubtful loan, percent (100; the band's
    /// percentage applies to the secured portion).
    #[serde(with = "crate::money::decimal_str")]
    pub unsecured_doubtful_provision_pct: Decimal,
}

impl Default for ClassificationPolicy {
    fn default() -> Self {
        let band = |class, from_months, pct: i64| NpaBand {
            class,
            from_months,
            provision_pct: Decimal::new(pct, 0),
        };
        Self {
            npa_after_days: DPD_BANDS.npa_after_days,
            sma_0_max: DPD_BANDS.sma_0_max,
            sma_1_max: DPD_BANDS.sma_1_max,
            npa_bands: vec![
                band(AssetClass::SubStandard, 0, 15),
                band(AssetClass::Doubtful1, 12, 25),
                band(AssetClass::Doubtful2, 24, 40),
                band(AssetClass::Doubtful3, 48, 100),
            ],
            standard_provision_pct: Decimal::new(40, 2),
            loss_provision_pct: Decimal::new(100, 0),
            unsecured_doubtful_provision_pct: Decimal::new(100, 0),
        }
    }
}

impl ClassificationPolicy {
    fn validate(&self) -> Result<()> {
        let bad = |reason: &str| {
            Err(CoreError::InvalidPolicy {
                reason: reason.to_owned(),
            })
        };
        self.bands().validate()?;
        if self.npa_bands.first().is_none_or(|b| b.from_months != 0) {
            return bad("the NPA bands start at 0 months");
        }
        for w in self.npa_bands.windows(2) {
            if let [a, b] = w
                && b.from_months <= a.from_months
            {
                return bad("the NPA bands are in increasing order of months");
            }
        }
        let pcts = self.npa_bands.iter().map(|b| b.provision_pct).chain([
            self.standard_provision_pct,
            self.loss_provision_pct,
            self.unsecured_doubtful_provision_pct,
        ]);
        for p in pcts {
            if p < Decimal::ZERO || p > Decimal::ONE_HUNDRED {
                return bad("a provision percentage is outside 0–100");
            }
        }
        if self
            .npa_bands
            .iter()
            .any(|b| matches!(b.class, AssetClass::Standard | AssetClass::Loss))
        {
            return bad("an NPA band is sub-standard or doubtful");
        }
        Ok(())
    }

    /// The policy's days-past-due band table (SMA-0/1/2 and the NPA threshold).
    ///
    /// # Example
    /// ```
    /// let p = windeep_core::classification::ClassificationPolicy::default();
    /// assert_eq!(p.bands(), windeep_core::dpd::DPD_BANDS);
    /// ```
    #[must_use]
    pub fn bands(&self) -> DpdBands {
        DpdBands {
            sma_0_max: self.sma_0_max,
            sma_1_max: self.sma_1_max,
            npa_after_days: self.npa_after_days,
        }
    }

    fn sma(&self, dpd: i64) -> Sma {
        self.bands().sma(dpd)
    }
}

/// A member's previous classification: the state the daily job carries from one day to the
/// next.
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PreviousClass {
    /// The member.
    pub member: String,
    /// When the member became NPA (none: standard).
    #[serde(default, with = "crate::money::iso_date_opt")]
    pub npa_since: Option<NaiveDate>,
}

/// One loan's classification.
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LoanClass {
    /// The loan.
    pub loan_id: String,
    /// The borrower.
    pub member: String,
    /// Days past due at day-end.
    pub days_past_due: i64,
    /// The loan's own special-mention category.
    pub sma: Sma,
    /// The borrower-level class.
    pub asset_class: AssetClass,
    /// Whether the loan is non-performing.
    pub npa: bool,
    /// NPA only because another of the member's loans is (or the member is not upgraded yet).
    pub contagion: bool,
    /// When the member became NPA.
    #[serde(with = "crate::money::iso_date_opt")]
    pub npa_since: Option<NaiveDate>,
    /// Whole months in NPA.
    pub months_in_npa: u32,
    /// Outstanding principal.
    pub outstanding_principal: Money,
    /// Unpaid principal and interest past due.
    pub overdue: Money,
    /// Provision percentage.
    #[serde(serialize_with = "crate::money::serialize_decimal_text")]
    #[cfg_attr(
        feature = "schemars",
        schemars(with = "crate::wire::schema::DecimalText")
    )]
    pub provision_pct: String,
    /// The outstanding principal covered by the loan's security value.
    pub secured: Money,
    /// The rest of the outstanding principal.
    pub unsecured: Money,
    /// Provision: `R(outstanding × pct / 100)`; for a doubtful class `R(secured × pct / 100) +
    /// R(unsecured × unsecured_doubtful_provision_pct / 100)`.
    pub provision: Money,
}

/// One member's classification.
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MemberClass {
    /// The member.
    pub member: String,
    /// Whether the member is NPA.
    pub npa: bool,
    /// When the member became NPA.
    #[serde(with = "crate::money::iso_date_opt")]
    pub npa_since: Option<NaiveDate>,
    /// The member's class (all loans share it).
    pub asset_class: AssetClass,
    /// Whether any loan has principal or interest past due.
    pub arrears: bool,
    /// Previously NPA and upgraded today (every arrear of every loan cleared).
    pub upgraded: bool,
}

/// Loans, outstanding and provision of one class.
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClassTotal {
    /// The class.
    pub asset_class: AssetClass,
    /// Number of loans.
    pub loans: usize,
    /// Σ outstanding principal.
    pub outstanding_principal: Money,
    /// Σ provision.
    pub provision: Money,
}

/// The classification of a portfolio as of a date.
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Classification {
    /// The date.
    #[serde(with = "crate::money::iso_date")]
    pub as_of: NaiveDate,
    /// The policy applied.
    pub policy: ClassificationPolicy,
    /// Active loans, in input order.
    pub loans: Vec<LoanClass>,
    /// Members, by id.
    pub members: Vec<MemberClass>,
    /// Per class, in class order.
    pub totals: Vec<ClassTotal>,
    /// The NPA periods to give the books (per NPA loan: `{"from": npa_since}`).
    #[serde(serialize_with = "crate::money::serialize_date_map")]
    #[cfg_attr(feature = "schemars", schemars(with = "crate::wire::schema::DateMap"))]
    pub npa_periods: BTreeMap<String, NaiveDate>,
}

/// `R(n / d)` as a percentage with two decimals (half-up), or `None` when `d` is 0.
pub(crate) fn percent(n: i128, d: i128) -> Result<Option<String>> {
    if d == 0 {
        return Ok(None);
    }
    let hundredths = RoundingMode::HalfUp.div_round(n.saturating_mul(10_000), d)?;
    Ok(Some(
        Decimal::from_i128_with_scale(hundredths, 2).to_string(),
    ))
}

pub(crate) fn provision(outstanding: i128, pct: Decimal) -> Result<i128> {
    let p = pct.normalize();
    let den = 10_i128
        .checked_pow(p.scale())
        .and_then(|x| x.checked_mul(100))
        .ok_or(CoreError::Overflow {
            context: "provision",
        })?;
    RoundingMode::HalfUp.div_round(outstanding.saturating_mul(p.mantissa()), den)
}

/// Classifies every active loan as of `as_of` (the `classify` operation).
///
/// A loan's own status comes from its days past due at day-end; a member is NPA from the day
/// one of their loans' DPD first exceeded the threshold (or from `previous`), and then every
/// loan of the member is NPA (contagion). A member previously NPA stays NPA until no loan of
/// theirs has principal or interest past due and no written-off loan of theirs still has dues
/// owed (the upgrade rule). The class follows from whole
/// months in NPA and the policy's bands; `loss` lists members (or loans) identified as loss.
///
/// # Errors
/// `E_INVALID_POLICY`; every error of the loans' folds.
pub fn classify(
    loans: &[BookLoan],
    as_of: NaiveDate,
    policy: &ClassificationPolicy,
    previous: &[PreviousClass],
    loss: &[String],
    currency: &Currency,
) -> Result<Classification> {
    policy.validate()?;
    let threshold = u64::from(policy.npa_after_days);
    struct Row {
        loan_id: String,
        member: String,
        dpd: i64,
        own_since: Option<NaiveDate>,
        outstanding: i128,
        overdue: i128,
        security: i128,
    }
    let mut rows = Vec::new();
    let mut claims: BTreeSet<String> = BTreeSet::new();
    for l in loans {
        let disbursed_later = l
            .events
            .iter()
            .min_by_key(|e| e.sequence)
            .is_some_and(|e| e.value_date > as_of);
        if disbursed_later {
            continue;
        }
        let s = end_of_day(&l.events, as_of)?;
        // Written-off dues are arrears for contagion until recovered or settled; a
        // restructured loan keeps its class until its period of satisfactory performance
        // (from the first payment under the new terms) has run.
        let in_observation = s
            .restructured
            .as_ref()
            .is_some_and(|r| r.upgrade_from.is_none_or(|u| as_of < u));
        if s.written_off_owed.is_some() || in_observation {
            claims.insert(l.member.clone());
        }
        if s.status != "active" {
            continue;
        }
        let own_since = if policy.bands().is_npa(s.days_past_due) {
            s.overdue
                .first()
                .and_then(|o| o.due_on.checked_add_days(Days::new(threshold + 1)))
        } else {
            None
        };
        rows.push(Row {
            loan_id: s.loan_id.clone(),
            member: l.member.clone(),
            dpd: s.days_past_due,
            own_since,
            outstanding: currency.minor(s.outstanding_principal)?,
            security: l.security_value.map_or(Ok(0), |v| currency.minor(v))?,
            overdue: s
                .overdue
                .iter()
                .map(|o| currency.minor(o.unpaid))
                .sum::<Result<i128>>()?,
        });
    }
    let prev: BTreeMap<&str, NaiveDate> = previous
        .iter()
        .filter_map(|p| p.npa_since.map(|d| (p.member.as_str(), d)))
        .collect();
    let loss: BTreeSet<&str> = loss.iter().map(String::as_str).collect();
    let mut members: BTreeMap<String, MemberClass> = BTreeMap::new();
    for r in &rows {
        let m = members.entry(r.member.clone()).or_insert(MemberClass {
            member: r.member.clone(),
            npa: false,
            npa_since: None,
            asset_class: AssetClass::Standard,
            arrears: false,
            upgraded: false,
        });
        m.arrears |= r.dpd > 0 || claims.contains(&r.member);
        if let Some(d) = r.own_since {
            m.npa_since = Some(m.npa_since.map_or(d, |x| x.min(d)));
        }
    }
    for m in members.values_mut() {
        if let Some(&p) = prev.get(m.member.as_str()) {
            if m.arrears {
                m.npa_since = Some(m.npa_since.map_or(p, |x| x.min(p)));
            } else {
                m.upgraded = true;
            }
        }
        m.npa = m.npa_since.is_some();
        let months = m.npa_since.map_or(0, |d| whole_months(d, as_of));
        m.asset_class = if loss.contains(m.member.as_str()) {
            AssetClass::Loss
        } else if m.npa {
            policy
                .npa_bands
                .iter()
                .rev()
                .find(|b| b.from_months <= months)
                .map_or(AssetClass::SubStandard, |b| b.class)
        } else {
            AssetClass::Standard
        };
    }
    let pct_of = |class: AssetClass| match class {
        AssetClass::Standard => policy.standard_provision_pct,
        AssetClass::Loss => policy.loss_provision_pct,
        c => policy
            .npa_bands
            .iter()
            .find(|b| b.class == c)
            .map_or(Decimal::ZERO, |b| b.provision_pct),
    };
    let mut out = Vec::new();
    let mut totals: BTreeMap<AssetClass, (usize, i128, i128)> = BTreeMap::new();
    let mut npa_periods = BTreeMap::new();
    for r in rows {
        let m = members.get(&r.member);
        let mut class = m.map_or(AssetClass::Standard, |m| m.asset_class);
        if loss.contains(r.loan_id.as_str()) {
            class = AssetClass::Loss;
        }
        let npa = class != AssetClass::Standard;
        let since = m.and_then(|m| m.npa_since);
        let pct = pct_of(class);
        // The secured portion is the outstanding principal up to the security's value.
        let secured = r.security.clamp(0, r.outstanding.max(0));
        let unsecured = r.outstanding - secured;
        let prov = if matches!(
            class,
            AssetClass::Doubtful1 | AssetClass::Doubtful2 | AssetClass::Doubtful3
        ) {
            provision(secured, pct)?
                + provision(unsecured, policy.unsecured_doubtful_provision_pct)?
        } else {
            provision(r.outstanding, pct)?
        };
        let t = totals.entry(class).or_insert((0, 0, 0));
        t.0 += 1;
        t.1 += r.outstanding;
        t.2 += prov;
        if npa && let Some(d) = since {
            npa_periods.insert(r.loan_id.clone(), d);
        }
        out.push(LoanClass {
            sma: policy.sma(r.dpd),
            contagion: npa && r.own_since.is_none(),
            months_in_npa: since.map_or(0, |d| whole_months(d, as_of)),
            npa_since: if npa { since } else { None },
            loan_id: r.loan_id,
            member: r.member,
            days_past_due: r.dpd,
            asset_class: class,
            npa,
            outstanding_principal: currency.money(r.outstanding)?,
            overdue: currency.money(r.overdue)?,
            provision_pct: pct.normalize().to_string(),
            secured: currency.money(secured)?,
            unsecured: currency.money(unsecured)?,
            provision: currency.money(prov)?,
        });
    }
    Ok(Classification {
        as_of,
        policy: policy.clone(),
        loans: out,
        members: members.into_values().collect(),
        totals: totals
            .into_iter()
            .map(|(asset_class, (loans, o, p))| {
                Ok(ClassTotal {
                    asset_class,
                    loans,
                    outstanding_principal: currency.money(o)?,
                    provision: currency.money(p)?,
                })
            })
            .collect::<Result<_>>()?,
        npa_periods,
    })
}

//! Loan terms: everything a schedule is generated from, with defaults and validation.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::calendar::{Frequency, InterestBasis};
use crate::money::{Currency, Money, Rate};
use crate::rounding::RoundingPolicy;

/// How principal and interest are spread over the installments.
///
/// # Example
/// ```
/// use windeep_core::schedule::Method;
/// assert_eq!(serde_json::from_str::<Method>("\"equal_principal\"").unwrap(), Method::EqualPrincipal);
/// assert_eq!(serde_json::from_str::<Method>("\"reducing_monthly\"").unwrap(), Method::Reducing);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// Equal installments (EMI) on a reducing balance. The default. The legacy system's name
    /// `reducing_monthly` (monthly rests, legacy-spec §1.1) is read as this method too.
    #[default]
    #[serde(alias = "reducing_monthly")]
    Reducing,
    /// Interest on the original principal for the whole tenure, spread evenly.
    Flat,
    /// Equal principal parts; interest on the reducing balance.
    EqualPrincipal,
    /// Interest only; all principal in the last installment.
    Bullet,
}

/// Written by hand because schemars ignores serde aliases: the schema lists the legacy name
/// `reducing_monthly`, which is read as `reducing` (and never written).
#[cfg(feature = "schemars")]
impl schemars::JsonSchema for Method {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Method".into()
    }

    fn schema_id() -> std::borrow::Cow<'static, str> {
        "windeep_core::schedule::Method".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "How principal and interest are spread over the installments.",
            "oneOf": [
                {"const": "reducing", "type": "string",
                 "description": "Equal installments (EMI) on a reducing balance. The default."},
                {"const": "reducing_monthly", "type": "string",
                 "description": "The legacy system's name of `reducing` (monthly rests): read as `reducing`, never written."},
                {"const": "flat", "type": "string",
                 "description": "Interest on the original principal for the whole tenure, spread evenly."},
                {"const": "equal_principal", "type": "string",
                 "description": "Equal principal parts; interest on the reducing balance."},
                {"const": "bullet", "type": "string",
                 "description": "Interest only; all principal in the last installment."}
            ]
        })
    }
}

/// What happens to the interest of a first period longer or shorter than a regular one.
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BrokenPeriod {
    /// Not charged: the first installment is a regular period (legacy). The default.
    #[default]
    None,
    /// Added to (or, for a short period, taken from) the first installment's interest.
    AddToFirst,
    /// Spread over all installments.
    Amortize,
    /// Deducted from the disbursement when positive; a short period is applied as `AddToFirst`.
    DeductUpfront,
    /// The first row's interest is the full first period's interest pro-rated by days:
    /// `R(interest of period 1 on P × days(disbursement, due₁) / days(due₀, due₁))`.
    ProRata,
}

/// How the level EMI of a reducing loan is solved on an actual-day basis (`actual_365`,
/// `actual_actual`). Under `30_360` every period is one nominal period and both give the
/// ordinary annuity.
///
/// # Example
/// ```
/// use windeep_core::schedule::LevelEmi;
/// let e: LevelEmi = serde_json::from_str("\"nominal_rate\"").unwrap();
/// assert_eq!(e, LevelEmi::NominalRate);
/// ```
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LevelEmi {
    /// The generalised annuity: the EMI that brings the balance to exactly zero when each
    /// period carries its own actual-day interest. The default.
    #[default]
    ActualPeriods,
    /// The ordinary annuity at the nominal periodic rate `a / (100 × ppy)`, whatever the
    /// period lengths (the earlier rule).
    NominalRate,
}

/// A processing fee charged at disbursement.
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(
    tag = "kind",
    content = "value",
    rename_all = "snake_case",
    deny_unknown_fields
)]
pub enum ProcessingFee {
    /// Percent of the principal (0–100), rounded with the row policy.
    Percentage(#[serde(with = "crate::money::decimal_str")] Decimal),
    /// A fixed amount in currency units.
    Fixed(Money),
}

/// Limits a product or society sets on schedules.
///
/// # Example
/// ```
/// let p = windeep_core::schedule::SchedulePolicy::default();
/// assert_eq!(p.max_tenure, 600);
/// assert_eq!((p.min_first_due_gap_days, p.max_first_due_gap_days), (7, 60));
/// ```
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SchedulePolicy {
    /// Most installments a schedule may have (default 600).
    pub max_tenure: u32,
    /// Highest nominal rate accepted, percent per annum (default 100).
    pub max_annual_rate: Rate,
    /// Fewest days from disbursement to the (snapped) first due date (default 7).
    pub min_first_due_gap_days: u32,
    /// Most days from disbursement to the (snapped) first due date (default 60).
    pub max_first_due_gap_days: u32,
    /// How a reducing loan's EMI is solved on actual-day bases (default `actual_periods`;
    /// written out only when not the default, so stored terms keep their bytes).
    #[serde(skip_serializing_if = "LevelEmi::is_default")]
    pub level_emi: LevelEmi,
}

/// The largest `max_annual_rate` a policy may set, percent per annum.
pub const MAX_RATE_CAP: Decimal = Decimal::from_parts(1000, 0, 0, false, 0);

/// The largest `max_first_due_gap_days` a policy may set (about ten years).
pub const MAX_FIRST_DUE_GAP_LIMIT: u32 = 3660;

impl LevelEmi {
    #[expect(
        clippy::trivially_copy_pass_by_ref,
        reason = "serde's skip_serializing_if passes a reference"
    )]
    fn is_default(&self) -> bool {
        *self == Self::default()
    }
}

impl Default for SchedulePolicy {
    fn default() -> Self {
        Self {
            max_tenure: 600,
            max_annual_rate: Rate::default_cap(),
            min_first_due_gap_days: 7,
            max_first_due_gap_days: 60,
            level_emi: LevelEmi::default(),
        }
    }
}

impl Rate {
    fn default_cap() -> Self {
        // 100 % p.a.; a literal, so the conversion cannot fail.
        Self::from_percent(Decimal::ONE_HUNDRED).unwrap_or_default()
    }
}

/// The terms of a loan, as the `schedule` operation reads them (see `docs/schedule.md`).
///
/// Only `principal`, `annual_rate`, `tenure`, `disbursed_on` and `first_due_on` are required;
/// the rest default to the legacy society's rules (monthly, reducing, 30/360, half-up to 0.01).
///
/// # Example
/// ```
/// use windeep_core::LoanTerms;
/// let terms: LoanTerms = serde_json::from_str(r#"{"principal": "100000", "annual_rate": "12",
///     "tenure": 12, "disbursed_on": "2026-01-05", "first_due_on": "2026-02-05"}"#).unwrap();
/// assert_eq!(terms.tenure, 12);
/// ```
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoanTerms {
    /// Amount lent, currency units.
    pub principal: Money,
    /// Nominal rate, percent per annum.
    pub annual_rate: Rate,
    /// Number of installments.
    pub tenure: u32,
    /// Disbursement date.
    #[serde(with = "crate::money::iso_date")]
    pub disbursed_on: NaiveDate,
    /// Chosen first due date (snapped forward when `fixed_due_day` is set).
    #[serde(with = "crate::money::iso_date")]
    pub first_due_on: NaiveDate,
    /// How principal and interest are spread.
    #[serde(default)]
    pub method: Method,
    /// How often installments fall due.
    #[serde(default)]
    pub frequency: Frequency,
    /// Day-count rule for a period's interest.
    #[serde(default)]
    pub interest_basis: InterestBasis,
    /// Treatment of a first period longer or shorter than a regular one.
    #[serde(default)]
    pub broken_period: BrokenPeriod,
    /// Day of month (1–28, or [`crate::calendar::FIXED_DUE_DAY_LAST`], `"last"` in JSON) every due date
    /// is snapped to; monthly and quarterly only.
    #[serde(default, with = "crate::calendar::fixed_due_day")]
    #[cfg_attr(
        feature = "schemars",
        schemars(with = "Option<crate::calendar::fixed_due_day::Day>")
    )]
    pub fixed_due_day: Option<u32>,
    /// Leading installments that repay no principal.
    #[serde(default)]
    pub principal_grace: u32,
    /// Leading installments whose interest is deferred to the first one after them.
    #[serde(default)]
    pub interest_grace: u32,
    /// Rounding of every row amount; defaults to half-up to the currency's minor unit.
    #[serde(default)]
    pub rounding: Option<RoundingPolicy>,
    /// Rounding of the EMI (reducing only); defaults to `rounding`.
    #[serde(default)]
    pub emi_rounding: Option<RoundingPolicy>,
    /// Processing fee charged at disbursement.
    #[serde(default)]
    pub processing_fee: Option<ProcessingFee>,
    /// Currency (default INR, 2 places).
    #[serde(default)]
    pub currency: Currency,
    /// Limits (tenure, rate cap, first-due gap).
    #[serde(default)]
    pub policy: SchedulePolicy,
    /// Decimal places of the reported APR (0–6, default 2).
    #[serde(default = "default_apr_decimals")]
    pub apr_decimals: u32,
    /// Whether the `schedule` operation computes the APR (default true; `false` skips it and
    /// reports `"apr": null`). Not part of the loan: written out only when false.
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub apr: bool,
}

fn default_apr_decimals() -> u32 {
    2
}

fn yes() -> bool {
    true
}

#[expect(
    clippy::trivially_copy_pass_by_ref,
    reason = "serde's skip_serializing_if passes a reference"
)]
fn is_true(v: &bool) -> bool {
    *v
}

impl LoanTerms {
    /// Terms with every optional field at its default.
    ///
    /// # Example
    /// ```
    /// use windeep_core::{LoanTerms, parse_date};
    /// let t = LoanTerms::new("100000".parse().unwrap(), "12".parse().unwrap(), 12,
    ///     parse_date("2026-01-05").unwrap(), parse_date("2026-02-05").unwrap());
    /// assert_eq!(windeep_core::generate_schedule(&t).unwrap().emi.unwrap().to_string(), "8884.88");
    /// ```
    #[must_use]
    pub fn new(
        principal: Money,
        annual_rate: Rate,
        tenure: u32,
        disbursed_on: NaiveDate,
        first_due_on: NaiveDate,
    ) -> Self {
        Self {
            principal,
            annual_rate,
            tenure,
            disbursed_on,
            first_due_on,
            method: Method::default(),
            frequency: Frequency::default(),
            interest_basis: InterestBasis::default(),
            broken_period: BrokenPeriod::default(),
            fixed_due_day: None,
            principal_grace: 0,
            interest_grace: 0,
            rounding: None,
            emi_rounding: None,
            processing_fee: None,
            currency: Currency::default(),
            policy: SchedulePolicy::default(),
            apr_decimals: default_apr_decimals(),
            apr: true,
        }
    }
}

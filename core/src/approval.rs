//! Approval checks of a loan application against its product's bounds and the member's facts.
//!
//! The rules are written out in `docs/approval.md`. [`approve_loan`] runs every check and
//! returns every refusal, not just the first, each with a stable code
//! ([`ApprovalCode`], `E_APPROVAL_…`). A refusal can be overridden by naming its code with a
//! non-empty reason; the decision records which refusals were overridden and every override
//! given. The application is approved when every refusal is overridden.
//!
//! ```
//! use windeep_core::{approval::approve_loan, approval::ApprovalRequest};
//! // Legacy §12.18: savings 30,000 × ratio 3.00 allows at most 90,000.
//! let request: ApprovalRequest = serde_json::from_str(r#"{
//!     "application": {"amount": "95000", "tenure": 12, "annual_rate": "12",
//!                     "disbursed_on": "2026-01-05", "first_due_on": "2026-02-05"},
//!     "member": {"savings_balance": "30000", "savings_months": 12},
//!     "product": {"loan_to_savings_ratio": "3.00"}}"#).unwrap();
//! let decision = approve_loan(&request).unwrap();
//! assert!(!decision.approved);
//! assert_eq!(decision.refusals[0].code.code(), "E_APPROVAL_SAVINGS_RATIO_EXCEEDED");
//! assert_eq!(decision.refusals[0].limit, "90000.00");
//! ```

use std::collections::BTreeSet;
use std::fmt;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize, Serializer};

use crate::calendar::Frequency;
use crate::decimal::{div, mul, sub};
use crate::error::{CoreError, Result};
use crate::money::{Currency, Money, Rate, format_date};
use crate::rounding::{RoundingMode, RoundingPolicy};
use crate::schedule::{SchedulePolicy, first_due_date};

/// The stable code of an approval refusal.
///
/// Serialised as its code text (`"E_APPROVAL_AMOUNT_ABOVE_MAX"`).
///
/// # Example
/// ```
/// use windeep_core::approval::ApprovalCode;
/// let c: ApprovalCode = "E_APPROVAL_TOO_FEW_GUARANTORS".parse().unwrap();
/// assert_eq!(c, ApprovalCode::TooFewGuarantors);
/// assert!(c.overridable());
/// assert!(!ApprovalCode::FirstDueGapOutOfPolicy.overridable());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum ApprovalCode {
    /// The amount is below the product's `min_amount`.
    AmountBelowMin,
    /// The amount is above the product's `max_amount`.
    AmountAboveMax,
    /// The tenure is below the product's `min_tenure`.
    TenureBelowMin,
    /// The tenure is above the product's `max_tenure`.
    TenureAboveMax,
    /// The rate is below the product's `min_annual_rate`.
    RateBelowMin,
    /// The rate is above the product's `max_annual_rate`.
    RateAboveMax,
    /// The first due date is on or before the disbursement date (not overridable).
    FirstDueNotAfterDisbursement,
    /// The (snapped) first due date is outside the product's gap (not overridable).
    FirstDueGapOutOfPolicy,
    /// The amount is above savings × the product's loan-to-savings ratio.
    SavingsRatioExceeded,
    /// The member has fewer months of savings than the product requires.
    SavingsHistoryTooShort,
    /// Fewer guarantors have accepted than the product requires.
    TooFewGuarantors,
    /// More guarantors (accepted or pending) than the product allows.
    TooManyGuarantors,
    /// A guarantor named on the application has rejected or withdrawn consent (not
    /// overridable: the guarantor is removed from the application, or the application stays
    /// refused).
    GuarantorConsentRefused,
    /// A guarantor named on the application has not consented yet (every named guarantor must
    /// accept, whatever the product's minimum).
    GuarantorConsentPending,
    /// A guarantor is not an active member.
    GuarantorInactive,
    /// A guarantor already has the most guarantees allowed.
    GuarantorCountLimit,
    /// A guarantor's guarantee is above their remaining capacity.
    GuarantorAmountLimit,
}

impl ApprovalCode {
    /// Every approval code, in the order the checks run.
    ///
    /// # Example
    /// ```
    /// use windeep_core::approval::ApprovalCode;
    /// assert_eq!(ApprovalCode::ALL.len(), 17);
    /// assert_eq!(ApprovalCode::ALL[0], ApprovalCode::AmountBelowMin);
    /// ```
    pub const ALL: &'static [Self] = &[
        Self::AmountBelowMin,
        Self::AmountAboveMax,
        Self::TenureBelowMin,
        Self::TenureAboveMax,
        Self::RateBelowMin,
        Self::RateAboveMax,
        Self::FirstDueNotAfterDisbursement,
        Self::FirstDueGapOutOfPolicy,
        Self::SavingsRatioExceeded,
        Self::SavingsHistoryTooShort,
        Self::TooFewGuarantors,
        Self::TooManyGuarantors,
        Self::GuarantorConsentRefused,
        Self::GuarantorConsentPending,
        Self::GuarantorInactive,
        Self::GuarantorCountLimit,
        Self::GuarantorAmountLimit,
    ];

    /// Every approval code's text, in the order of [`Self::ALL`].
    ///
    /// # Example
    /// ```
    /// use windeep_core::approval::ApprovalCode;
    /// assert!(ApprovalCode::CODES.iter().all(|c| c.starts_with("E_APPROVAL_")));
    /// ```
    pub const CODES: &'static [&'static str] = &[
        "E_APPROVAL_AMOUNT_BELOW_MIN",
        "E_APPROVAL_AMOUNT_ABOVE_MAX",
        "E_APPROVAL_TENURE_BELOW_MIN",
        "E_APPROVAL_TENURE_ABOVE_MAX",
        "E_APPROVAL_RATE_BELOW_MIN",
        "E_APPROVAL_RATE_ABOVE_MAX",
        "E_APPROVAL_FIRST_DUE_NOT_AFTER_DISBURSEMENT",
        "E_APPROVAL_FIRST_DUE_GAP_OUT_OF_POLICY",
        "E_APPROVAL_SAVINGS_RATIO_EXCEEDED",
        "E_APPROVAL_SAVINGS_HISTORY_TOO_SHORT",
        "E_APPROVAL_TOO_FEW_GUARANTORS",
        "E_APPROVAL_TOO_MANY_GUARANTORS",
        "E_APPROVAL_GUARANTOR_CONSENT_REFUSED",
        "E_APPROVAL_GUARANTOR_CONSENT_PENDING",
        "E_APPROVAL_GUARANTOR_INACTIVE",
        "E_APPROVAL_GUARANTOR_COUNT_LIMIT",
        "E_APPROVAL_GUARANTOR_AMOUNT_LIMIT",
    ];

    /// The stable code text, e.g. `"E_APPROVAL_AMOUNT_ABOVE_MAX"`.
    ///
    /// # Example
    /// ```
    /// use windeep_core::approval::ApprovalCode;
    /// assert_eq!(ApprovalCode::SavingsRatioExceeded.code(), "E_APPROVAL_SAVINGS_RATIO_EXCEEDED");
    /// ```
    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            Self::AmountBelowMin => "E_APPROVAL_AMOUNT_BELOW_MIN",
            Self::AmountAboveMax => "E_APPROVAL_AMOUNT_ABOVE_MAX",
            Self::TenureBelowMin => "E_APPROVAL_TENURE_BELOW_MIN",
            Self::TenureAboveMax => "E_APPROVAL_TENURE_ABOVE_MAX",
            Self::RateBelowMin => "E_APPROVAL_RATE_BELOW_MIN",
            Self::RateAboveMax => "E_APPROVAL_RATE_ABOVE_MAX",
            Self::FirstDueNotAfterDisbursement => "E_APPROVAL_FIRST_DUE_NOT_AFTER_DISBURSEMENT",
            Self::FirstDueGapOutOfPolicy => "E_APPROVAL_FIRST_DUE_GAP_OUT_OF_POLICY",
            Self::SavingsRatioExceeded => "E_APPROVAL_SAVINGS_RATIO_EXCEEDED",
            Self::SavingsHistoryTooShort => "E_APPROVAL_SAVINGS_HISTORY_TOO_SHORT",
            Self::TooFewGuarantors => "E_APPROVAL_TOO_FEW_GUARANTORS",
            Self::TooManyGuarantors => "E_APPROVAL_TOO_MANY_GUARANTORS",
            Self::GuarantorConsentRefused => "E_APPROVAL_GUARANTOR_CONSENT_REFUSED",
            Self::GuarantorConsentPending => "E_APPROVAL_GUARANTOR_CONSENT_PENDING",
            Self::GuarantorInactive => "E_APPROVAL_GUARANTOR_INACTIVE",
            Self::GuarantorCountLimit => "E_APPROVAL_GUARANTOR_COUNT_LIMIT",
            Self::GuarantorAmountLimit => "E_APPROVAL_GUARANTOR_AMOUNT_LIMIT",
        }
    }

    /// Whether an override may lift this refusal. The first-due checks may not: a schedule
    /// with that first due date would be refused anyway. Nor may a guarantor's rejected or
    /// withdrawn consent: that guarantor is removed from the application first.
    ///
    /// # Example
    /// ```
    /// use windeep_core::approval::ApprovalCode;
    /// assert!(ApprovalCode::AmountAboveMax.overridable());
    /// ```
    #[must_use]
    pub fn overridable(self) -> bool {
        !matches!(
            self,
            Self::FirstDueNotAfterDisbursement
                | Self::FirstDueGapOutOfPolicy
                | Self::GuarantorConsentRefused
        )
    }
}

impl fmt::Display for ApprovalCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl std::str::FromStr for ApprovalCode {
    type Err = CoreError;

    /// Parses a code text.
    ///
    /// # Errors
    /// `E_INVALID_OVERRIDE` for a text that is not an approval code.
    fn from_str(s: &str) -> Result<Self> {
        Self::ALL
            .iter()
            .copied()
            .find(|c| c.code() == s)
            .ok_or_else(|| CoreError::InvalidOverride {
                code: s.to_owned(),
                reason: "not an approval refusal code".to_owned(),
            })
    }
}

impl Serialize for ApprovalCode {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(self.code())
    }
}

/// The loan as applied for (and as the approver proposes to approve it).
///
/// # Example
/// ```
/// use windeep_core::approval::LoanApplication;
/// let a: LoanApplication = serde_json::from_str(r#"{"amount": "90000", "tenure": 12,
///     "annual_rate": "12", "disbursed_on": "2026-01-05", "first_due_on": "2026-02-05"}"#).unwrap();
/// assert_eq!(a.fixed_due_day, None);
/// ```
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoanApplication {
    /// Amount to lend, currency units, > 0.
    pub amount: Money,
    /// Number of installments, ≥ 1.
    pub tenure: u32,
    /// Nominal rate, percent per annum, ≥ 0.
    pub annual_rate: Rate,
    /// Planned disbursement date.
    #[serde(with = "crate::money::iso_date")]
    pub disbursed_on: NaiveDate,
    /// Chosen first due date (snapped forward when `fixed_due_day` is set).
    #[serde(with = "crate::money::iso_date")]
    pub first_due_on: NaiveDate,
    /// Day of month (1–28) due dates are snapped to; monthly and quarterly only.
    #[serde(default)]
    pub fixed_due_day: Option<u32>,
    /// How often installments fall due (default monthly).
    #[serde(default)]
    pub frequency: Frequency,
}

/// The applicant's savings facts, as of the approval.
///
/// # Example
/// ```
/// use windeep_core::approval::MemberFacts;
/// let m: MemberFacts = serde_json::from_str(r#"{"savings_balance": "30000", "savings_months": 6}"#).unwrap();
/// assert_eq!(m.savings_months, 6);
/// ```
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MemberFacts {
    /// Sum of the current balances of the member's active savings accounts, currency units, ≥ 0.
    pub savings_balance: Money,
    /// Whole months of savings history, as the society counts them.
    pub savings_months: u32,
}

/// A guarantor's consent to the guarantee.
///
/// # Example
/// ```
/// use windeep_core::approval::Consent;
/// assert_eq!(serde_json::from_str::<Consent>("\"pending\"").unwrap(), Consent::Pending);
/// ```
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Consent {
    /// Accepted: counts towards the minimum number of guarantors. The default.
    #[default]
    Accepted,
    /// Not answered yet: counts towards the maximum, not the minimum, and refuses the
    /// approval (`E_APPROVAL_GUARANTOR_CONSENT_PENDING`, overridable) until accepted.
    Pending,
    /// Rejected: refuses the approval (`E_APPROVAL_GUARANTOR_CONSENT_REFUSED`, not
    /// overridable) until the guarantor is removed; ignored by every other check.
    Rejected,
    /// Accepted and then withdrawn: as [`Consent::Rejected`].
    Withdrawn,
}

impl Consent {
    /// Whether the guarantor said no (rejected, or withdrew an acceptance).
    ///
    /// # Example
    /// ```
    /// use windeep_core::approval::Consent;
    /// assert!(Consent::Withdrawn.refused());
    /// assert!(!Consent::Pending.refused());
    /// ```
    #[must_use]
    pub fn refused(self) -> bool {
        matches!(self, Self::Rejected | Self::Withdrawn)
    }
}

fn yes() -> bool {
    true
}

/// A guarantor of the application, with their own exposure facts.
///
/// # Example
/// ```
/// use windeep_core::approval::Guarantor;
/// let g: Guarantor = serde_json::from_str(r#"{"member_id": "MEMB000002",
///     "guarantee_amount": "20000", "savings_balance": "40000"}"#).unwrap();
/// assert!(g.active);
/// assert_eq!(g.active_guarantees, 0);
/// ```
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Guarantor {
    /// The guarantor's member id; non-empty and unique in the application.
    pub member_id: String,
    /// Consent to this guarantee (default accepted).
    #[serde(default)]
    pub consent: Consent,
    /// Whether the guarantor is an active member (default true).
    #[serde(default = "yes")]
    pub active: bool,
    /// The amount this guarantor guarantees for this loan, currency units, > 0.
    pub guarantee_amount: Money,
    /// The guarantor's savings balance, currency units, ≥ 0.
    pub savings_balance: Money,
    /// Accepted, unreleased guarantees the guarantor already gives (default 0).
    #[serde(default)]
    pub active_guarantees: u32,
    /// Outstanding principal + interest of the loans already guaranteed, currency units, ≥ 0
    /// (default 0).
    #[serde(default)]
    pub current_liability: Money,
    /// The member's own limit on guarantees, or `None` for the policy's.
    #[serde(default)]
    pub max_guarantee_count: Option<u32>,
    /// The member's own limit on the guaranteed amount, or `None` for the policy's.
    #[serde(default)]
    pub max_guarantee_amount: Option<Money>,
}

/// A product's approval bounds. Every bound is optional: `None` is not checked.
///
/// # Example
/// ```
/// use windeep_core::approval::ProductBounds;
/// // Seed product LOAN-001 "Personal Loan".
/// let p: ProductBounds = serde_json::from_str(r#"{"min_amount": "10000", "max_amount": "500000",
///     "min_tenure": 6, "max_tenure": 36, "loan_to_savings_ratio": "3.00",
///     "required_savings_months": 6, "min_guarantors": 2}"#).unwrap();
/// assert_eq!((p.min_first_due_gap_days, p.max_first_due_gap_days), (7, 60));
/// ```
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ProductBounds {
    /// Smallest amount, currency units.
    pub min_amount: Option<Money>,
    /// Largest amount, currency units.
    pub max_amount: Option<Money>,
    /// Fewest installments.
    pub min_tenure: Option<u32>,
    /// Most installments.
    pub max_tenure: Option<u32>,
    /// Lowest rate, percent per annum.
    pub min_annual_rate: Option<Rate>,
    /// Highest rate, percent per annum.
    pub max_annual_rate: Option<Rate>,
    /// Amount ≤ savings × ratio; `None` or 0 is not checked (legacy).
    #[serde(with = "crate::money::decimal_str_opt")]
    pub loan_to_savings_ratio: Option<Decimal>,
    /// Months of savings history required (default 0).
    pub required_savings_months: u32,
    /// Fewest accepted guarantors.
    pub min_guarantors: Option<u32>,
    /// Most accepted or pending guarantors.
    pub max_guarantors: Option<u32>,
    /// Fewest days from disbursement to the (snapped) first due date (default 7).
    pub min_first_due_gap_days: u32,
    /// Most days from disbursement to the (snapped) first due date (default 60).
    pub max_first_due_gap_days: u32,
}

impl Default for ProductBounds {
    fn default() -> Self {
        let schedule = SchedulePolicy::default();
        Self {
            min_amount: None,
            max_amount: None,
            min_tenure: None,
            max_tenure: None,
            min_annual_rate: None,
            max_annual_rate: None,
            loan_to_savings_ratio: None,
            required_savings_months: 0,
            min_guarantors: None,
            max_guarantors: None,
            min_first_due_gap_days: schedule.min_first_due_gap_days,
            max_first_due_gap_days: schedule.max_first_due_gap_days,
        }
    }
}

/// The society's limits on what one member may guarantee (legacy defaults: 3 guarantees,
/// ₹1,00,000, 50 % of savings).
///
/// # Example
/// ```
/// let p = windeep_core::approval::GuarantorPolicy::default();
/// assert_eq!(p.max_guarantee_count, 3);
/// assert_eq!(p.max_guarantee_amount.to_string(), "100000");
/// assert_eq!(p.max_guarantee_percent_of_savings.to_string(), "50");
/// ```
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct GuarantorPolicy {
    /// A guarantor may be given a new guarantee while they have fewer than this many.
    pub max_guarantee_count: u32,
    /// The most a member may guarantee in total, currency units.
    pub max_guarantee_amount: Money,
    /// The most a member may guarantee in total, percent of their savings (0–100).
    #[serde(with = "crate::money::decimal_str")]
    pub max_guarantee_percent_of_savings: Decimal,
}

impl Default for GuarantorPolicy {
    fn default() -> Self {
        Self {
            max_guarantee_count: 3,
            max_guarantee_amount: Money::from_decimal(Decimal::from(100_000)),
            max_guarantee_percent_of_savings: Decimal::from(50),
        }
    }
}

/// An override of a refusal: the refusal's code and the reason it is lifted.
///
/// # Example
/// ```
/// use windeep_core::approval::Override;
/// let o: Override = serde_json::from_str(r#"{"code": "E_APPROVAL_SAVINGS_RATIO_EXCEEDED",
///     "reason": "fixed deposit pledged as collateral"}"#).unwrap();
/// assert!(!o.reason.is_empty());
/// ```
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Override {
    /// The `E_APPROVAL_…` code to lift; it lifts every refusal with that code.
    pub code: String,
    /// Why; must not be empty or blank.
    #[serde(default)]
    pub reason: String,
}

/// Everything [`approve_loan`] reads.
///
/// # Example
/// ```
/// use windeep_core::approval::ApprovalRequest;
/// let r: ApprovalRequest = serde_json::from_str(r#"{
///     "application": {"amount": "50000", "tenure": 12, "annual_rate": "12",
///                     "disbursed_on": "2026-01-05", "first_due_on": "2026-02-05"},
///     "member": {"savings_balance": "30000", "savings_months": 12},
///     "product": {}}"#).unwrap();
/// assert!(r.guarantors.is_empty() && r.overrides.is_empty());
/// ```
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApprovalRequest {
    /// The loan applied for.
    pub application: LoanApplication,
    /// The applicant's savings facts.
    pub member: MemberFacts,
    /// The guarantors, in the order refusals about them are reported.
    #[serde(default)]
    pub guarantors: Vec<Guarantor>,
    /// The product's bounds.
    pub product: ProductBounds,
    /// The society's guarantor limits (default: the legacy values).
    #[serde(default)]
    pub guarantor_policy: GuarantorPolicy,
    /// Overrides of refusals.
    #[serde(default)]
    pub overrides: Vec<Override>,
    /// Currency (default INR, 2 places).
    #[serde(default)]
    pub currency: Currency,
}

/// One reason the application cannot be approved as it stands.
///
/// `limit` and `actual` are text: amounts at the currency's scale, counts and days as whole
/// numbers, rates without trailing zeros, dates as `YYYY-MM-DD`, and `"active"`/`"inactive"`
/// for [`ApprovalCode::GuarantorInactive`].
///
/// # Example
/// ```
/// use windeep_core::{approval::ApprovalCode, approval::Refusal};
/// let r = Refusal { code: ApprovalCode::TenureAboveMax, guarantor: None, limit: "36".into(),
///     actual: "48".into(), overridable: true, overridden: false };
/// assert_eq!(serde_json::to_value(&r).unwrap()["code"], "E_APPROVAL_TENURE_ABOVE_MAX");
/// ```
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Refusal {
    /// The stable code.
    pub code: ApprovalCode,
    /// The guarantor's member id, for the per-guarantor checks; else `None`.
    pub guarantor: Option<String>,
    /// The bound that was crossed.
    pub limit: String,
    /// The value that crossed it.
    pub actual: String,
    /// Whether an override may lift it.
    pub overridable: bool,
    /// Whether an override lifted it.
    pub overridden: bool,
}

/// An override as recorded in the decision.
///
/// # Example
/// ```
/// use windeep_core::{approval::ApprovalCode, approval::RecordedOverride};
/// let o = RecordedOverride { code: ApprovalCode::TooFewGuarantors, reason: "founder".into(), used: true };
/// assert!(o.used);
/// ```
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RecordedOverride {
    /// The code overridden.
    pub code: ApprovalCode,
    /// The reason, as given.
    pub reason: String,
    /// Whether any refusal had this code (an unused override changes nothing).
    pub used: bool,
}

/// The outcome of [`approve_loan`].
///
/// # Example
/// ```
/// use windeep_core::approval::ApprovalDecision;
/// let d = ApprovalDecision { approved: true, refusals: vec![], overrides: vec![] };
/// assert_eq!(serde_json::to_string(&d).unwrap(), r#"{"approved":true,"refusals":[],"overrides":[]}"#);
/// ```
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApprovalDecision {
    /// True when every refusal is overridden (or there is none).
    pub approved: bool,
    /// Every refusal, in check order (guarantor checks in guarantor order).
    pub refusals: Vec<Refusal>,
    /// Every override given, in input order.
    pub overrides: Vec<RecordedOverride>,
}

// --- validation ------------------------------------------------------------------------------

fn checked_amount(cur: &Currency, value: Money) -> Result<Decimal> {
    cur.amount(value).map(Money::value)
}

fn policy_error(reason: String) -> CoreError {
    CoreError::InvalidPolicy { reason }
}

fn application_error(reason: String) -> CoreError {
    CoreError::InvalidApplication { reason }
}

fn check_bounds<T: PartialOrd + fmt::Display>(
    name: &str,
    min: Option<T>,
    max: Option<T>,
) -> Result<()> {
    if let (Some(lo), Some(hi)) = (min, max)
        && lo > hi
    {
        return Err(policy_error(format!(
            "min_{name} {lo} is above max_{name} {hi}"
        )));
    }
    Ok(())
}

fn check_product(p: &ProductBounds, cur: &Currency) -> Result<()> {
    let amounts = [p.min_amount, p.max_amount]
        .into_iter()
        .map(|a| a.map(|a| checked_amount(cur, a)).transpose())
        .collect::<Result<Vec<_>>>()?;
    for a in amounts.iter().flatten() {
        if *a < Decimal::ZERO {
            return Err(policy_error(format!("amount bound {a} is negative")));
        }
    }
    check_bounds(
        "amount",
        amounts.first().copied().flatten(),
        amounts.get(1).copied().flatten(),
    )?;
    check_bounds("tenure", p.min_tenure, p.max_tenure)?;
    for r in [p.min_annual_rate, p.max_annual_rate].iter().flatten() {
        if r.percent() < Decimal::ZERO {
            return Err(policy_error(format!("rate bound {r}% is negative")));
        }
    }
    check_bounds("annual_rate", p.min_annual_rate, p.max_annual_rate)?;
    if p.loan_to_savings_ratio.is_some_and(|r| r < Decimal::ZERO) {
        return Err(policy_error(
            "loan_to_savings_ratio must not be negative".to_owned(),
        ));
    }
    check_bounds("guarantors", p.min_guarantors, p.max_guarantors)?;
    if p.min_first_due_gap_days > p.max_first_due_gap_days {
        return Err(policy_error(format!(
            "min_first_due_gap_days {} is above max_first_due_gap_days {}",
            p.min_first_due_gap_days, p.max_first_due_gap_days
        )));
    }
    Ok(())
}

fn check_guarantor_policy(g: &GuarantorPolicy, cur: &Currency) -> Result<()> {
    if checked_amount(cur, g.max_guarantee_amount)? < Decimal::ZERO {
        return Err(policy_error(
            "max_guarantee_amount must not be negative".to_owned(),
        ));
    }
    let pct = g.max_guarantee_percent_of_savings;
    if pct < Decimal::ZERO || pct > Decimal::ONE_HUNDRED {
        return Err(policy_error(format!(
            "max_guarantee_percent_of_savings {pct} must be between 0 and 100"
        )));
    }
    Ok(())
}

fn check_application(a: &LoanApplication, cur: &Currency) -> Result<Decimal> {
    let amount = a.amount.value();
    let used = crate::decimal::used_scale(amount);
    if used > cur.minor_units() {
        return Err(CoreError::AmountScale {
            value: amount.to_string(),
            minor_units: cur.minor_units(),
        });
    }
    if amount <= Decimal::ZERO {
        return Err(CoreError::NonPositivePrincipal {
            value: amount.to_string(),
        });
    }
    let amount = checked_amount(cur, a.amount)?;
    if a.tenure == 0 {
        return Err(CoreError::InvalidTenure);
    }
    if a.annual_rate.percent() < Decimal::ZERO {
        return Err(CoreError::NegativeRate {
            value: a.annual_rate.to_string(),
        });
    }
    Ok(amount)
}

fn non_negative(cur: &Currency, what: &str, value: Money) -> Result<Decimal> {
    let v = checked_amount(cur, value)?;
    if v < Decimal::ZERO {
        return Err(application_error(format!("{what} {v} is negative")));
    }
    Ok(v)
}

fn check_overrides(overrides: &[Override]) -> Result<Vec<ApprovalCode>> {
    let mut seen = BTreeSet::new();
    let mut out = Vec::with_capacity(overrides.len());
    for o in overrides {
        let code: ApprovalCode = o.code.parse()?;
        if o.reason.trim().is_empty() {
            return Err(CoreError::OverrideWithoutReason {
                code: o.code.clone(),
            });
        }
        if !code.overridable() {
            return Err(CoreError::InvalidOverride {
                code: o.code.clone(),
                reason: "this refusal cannot be overridden".to_owned(),
            });
        }
        if !seen.insert(code) {
            return Err(CoreError::InvalidOverride {
                code: o.code.clone(),
                reason: "overridden more than once".to_owned(),
            });
        }
        out.push(code);
    }
    Ok(out)
}

// --- the checks ------------------------------------------------------------------------------

/// Refusals in the making: code, guarantor, limit, actual.
struct Found(Vec<(ApprovalCode, Option<String>, String, String)>);

impl Found {
    fn push(&mut self, code: ApprovalCode, limit: impl ToString, actual: impl ToString) {
        self.0
            .push((code, None, limit.to_string(), actual.to_string()));
    }

    fn push_guarantor(
        &mut self,
        code: ApprovalCode,
        who: &str,
        limit: impl ToString,
        actual: impl ToString,
    ) {
        self.0.push((
            code,
            Some(who.to_owned()),
            limit.to_string(),
            actual.to_string(),
        ));
    }
}

/// Checks a loan application against its product's bounds, the member's savings, the
/// guarantors' exposure and the first-due gap; returns every refusal and the overrides.
///
/// The checks, in order (see `docs/approval.md`): amount, tenure and rate bounds; the first due
/// date (the schedule's own rule: after disbursement, then the gap to the snapped date within
/// the product's bounds); amount ≤ savings × `loan_to_savings_ratio`; savings months; the number
/// of accepted (≥ min) and of accepted or pending (≤ max) guarantors; then per guarantor, in
/// input order, skipping rejected ones: active member, `active_guarantees < max count`,
/// `guarantee_amount ≤ min(max amount, percent × savings / 100) − current liability`.
///
/// # Errors
/// `E_INVALID_CURRENCY`; the product (`E_AMOUNT_SCALE`, `E_AMOUNT_OUT_OF_RANGE`,
/// `E_INVALID_POLICY`) and guarantor policy (`E_INVALID_POLICY`); the application
/// (`E_AMOUNT_SCALE`, `E_NON_POSITIVE_PRINCIPAL`, `E_AMOUNT_OUT_OF_RANGE`, `E_INVALID_TENURE`,
/// `E_NEGATIVE_RATE`); the member and guarantors (`E_INVALID_APPLICATION`, `E_AMOUNT_SCALE`,
/// `E_AMOUNT_OUT_OF_RANGE`); the overrides (`E_INVALID_OVERRIDE`, `E_OVERRIDE_WITHOUT_REASON`);
/// `E_INVALID_FIXED_DUE_DAY` and `E_DATE_OUT_OF_RANGE` from the first-due rule.
///
/// # Example
/// ```
/// use windeep_core::{approval::approve_loan, approval::ApprovalRequest};
/// let request: ApprovalRequest = serde_json::from_str(r#"{
///     "application": {"amount": "600000", "tenure": 48, "annual_rate": "12",
///                     "disbursed_on": "2026-01-05", "first_due_on": "2026-02-05"},
///     "member": {"savings_balance": "300000", "savings_months": 24},
///     "product": {"max_amount": "500000", "max_tenure": 36},
///     "overrides": [{"code": "E_APPROVAL_TENURE_ABOVE_MAX", "reason": "board resolution 12/2026"}]}"#).unwrap();
/// let d = approve_loan(&request).unwrap();
/// let codes: Vec<_> = d.refusals.iter().map(|r| (r.code.code(), r.overridden)).collect();
/// assert_eq!(codes, [("E_APPROVAL_AMOUNT_ABOVE_MAX", false), ("E_APPROVAL_TENURE_ABOVE_MAX", true)]);
/// assert!(!d.approved);
/// ```
pub fn approve_loan(request: &ApprovalRequest) -> Result<ApprovalDecision> {
    let cur = &request.currency;
    cur.validate()?;
    let p = &request.product;
    check_product(p, cur)?;
    check_guarantor_policy(&request.guarantor_policy, cur)?;
    let a = &request.application;
    let amount = check_application(a, cur)?;
    let savings = non_negative(cur, "savings_balance", request.member.savings_balance)?;
    let mut ids = BTreeSet::new();
    for g in &request.guarantors {
        if g.member_id.is_empty() {
            return Err(application_error(
                "a guarantor's member_id is empty".to_owned(),
            ));
        }
        if !ids.insert(g.member_id.as_str()) {
            return Err(application_error(format!(
                "guarantor {} is listed twice",
                g.member_id
            )));
        }
        let ga = checked_amount(cur, g.guarantee_amount)?;
        if ga <= Decimal::ZERO {
            return Err(application_error(format!(
                "guarantor {}: guarantee_amount {ga} must be above zero",
                g.member_id
            )));
        }
        non_negative(cur, "savings_balance", g.savings_balance)?;
        non_negative(cur, "current_liability", g.current_liability)?;
        if let Some(m) = g.max_guarantee_amount {
            non_negative(cur, "max_guarantee_amount", m)?;
        }
    }
    let overrides = check_overrides(&request.overrides)?;

    let pad = |v: Decimal| crate::decimal::pad(v, cur.minor_units());
    let floor = RoundingPolicy::new(cur.minor_unit(), RoundingMode::Down);
    let mut found = Found(Vec::new());

    // Amount, tenure and rate bounds.
    let min_amount = p.min_amount.map(|m| pad(m.value()));
    let max_amount = p.max_amount.map(|m| pad(m.value()));
    if let Some(min) = min_amount.filter(|m| amount < *m) {
        found.push(ApprovalCode::AmountBelowMin, min, amount);
    }
    if let Some(max) = max_amount.filter(|m| amount > *m) {
        found.push(ApprovalCode::AmountAboveMax, max, amount);
    }
    if let Some(min) = p.min_tenure.filter(|m| a.tenure < *m) {
        found.push(ApprovalCode::TenureBelowMin, min, a.tenure);
    }
    if let Some(max) = p.max_tenure.filter(|m| a.tenure > *m) {
        found.push(ApprovalCode::TenureAboveMax, max, a.tenure);
    }
    if let Some(min) = p.min_annual_rate.filter(|m| a.annual_rate < *m) {
        found.push(ApprovalCode::RateBelowMin, min, a.annual_rate);
    }
    if let Some(max) = p.max_annual_rate.filter(|m| a.annual_rate > *m) {
        found.push(ApprovalCode::RateAboveMax, max, a.annual_rate);
    }

    // The first due date: the schedule's own rule.
    let gap_policy = SchedulePolicy {
        min_first_due_gap_days: p.min_first_due_gap_days,
        max_first_due_gap_days: p.max_first_due_gap_days,
        ..SchedulePolicy::default()
    };
    match first_due_date(
        a.disbursed_on,
        a.first_due_on,
        a.fixed_due_day,
        a.frequency,
        &gap_policy,
    ) {
        Ok(_) => {}
        Err(CoreError::FirstDueNotAfterDisbursement { .. }) => found.push(
            ApprovalCode::FirstDueNotAfterDisbursement,
            format_date(a.disbursed_on),
            format_date(a.first_due_on),
        ),
        Err(CoreError::FirstDueGapOutOfPolicy { gap, min, max, .. }) => {
            let limit = if gap < i64::from(min) { min } else { max };
            found.push(ApprovalCode::FirstDueGapOutOfPolicy, limit, gap);
        }
        Err(other) => return Err(other),
    }

    // Savings.
    if let Some(ratio) = p.loan_to_savings_ratio.filter(|r| !r.is_zero()) {
        let allowed = mul(savings, ratio, "loan-to-savings limit")?;
        if amount > allowed {
            let limit = floor.round_value(allowed, cur)?;
            found.push(ApprovalCode::SavingsRatioExceeded, limit, amount);
        }
    }
    if request.member.savings_months < p.required_savings_months {
        found.push(
            ApprovalCode::SavingsHistoryTooShort,
            p.required_savings_months,
            request.member.savings_months,
        );
    }

    // Guarantor count.
    let counted =
        |f: fn(Consent) -> bool| request.guarantors.iter().filter(|g| f(g.consent)).count();
    let accepted = counted(|c| c == Consent::Accepted);
    let standing = counted(|c| !c.refused());
    if let Some(min) = p
        .min_guarantors
        .filter(|m| accepted < usize::try_from(*m).unwrap_or(usize::MAX))
    {
        found.push(ApprovalCode::TooFewGuarantors, min, accepted);
    }
    if let Some(max) = p
        .max_guarantors
        .filter(|m| standing > usize::try_from(*m).unwrap_or(usize::MAX))
    {
        found.push(ApprovalCode::TooManyGuarantors, max, standing);
    }

    // Each guarantor's consent: every guarantor the application names must have accepted
    // (the product's minimum above is checked as well).
    let policy = &request.guarantor_policy;
    for g in &request.guarantors {
        let who = g.member_id.as_str();
        let consent = match g.consent {
            Consent::Accepted => continue,
            Consent::Pending => "pending",
            Consent::Rejected => "rejected",
            Consent::Withdrawn => "withdrawn",
        };
        let code = if g.consent.refused() {
            ApprovalCode::GuarantorConsentRefused
        } else {
            ApprovalCode::GuarantorConsentPending
        };
        found.push_guarantor(code, who, "accepted", consent);
    }

    // Each guarantor's exposure.
    for g in request.guarantors.iter().filter(|g| !g.consent.refused()) {
        let who = g.member_id.as_str();
        if !g.active {
            found.push_guarantor(ApprovalCode::GuarantorInactive, who, "active", "inactive");
        }
        let max_count = g.max_guarantee_count.unwrap_or(policy.max_guarantee_count);
        if g.active_guarantees >= max_count {
            found.push_guarantor(
                ApprovalCode::GuarantorCountLimit,
                who,
                max_count,
                g.active_guarantees,
            );
        }
        let max_amount = pad(g
            .max_guarantee_amount
            .unwrap_or(policy.max_guarantee_amount)
            .value());
        let by_savings = div(
            mul(
                pad(g.savings_balance.value()),
                policy.max_guarantee_percent_of_savings,
                "guarantee capacity",
            )?,
            Decimal::ONE_HUNDRED,
            "guarantee capacity",
        )?;
        let ceiling = floor.round_value(max_amount.min(by_savings), cur)?;
        let capacity = sub(
            ceiling,
            pad(g.current_liability.value()),
            "guarantee capacity",
        )?;
        let guaranteed = pad(g.guarantee_amount.value());
        if guaranteed > capacity {
            found.push_guarantor(
                ApprovalCode::GuarantorAmountLimit,
                who,
                pad(capacity),
                guaranteed,
            );
        }
    }

    let refusals: Vec<Refusal> = found
        .0
        .into_iter()
        .map(|(code, guarantor, limit, actual)| Refusal {
            code,
            guarantor,
            limit,
            actual,
            overridable: code.overridable(),
            overridden: overrides.contains(&code),
        })
        .collect();
    let recorded = request
        .overrides
        .iter()
        .zip(&overrides)
        .map(|(o, code)| RecordedOverride {
            code: *code,
            reason: o.reason.clone(),
            used: refusals.iter().any(|r| r.code == *code),
        })
        .collect();
    Ok(ApprovalDecision {
        approved: refusals.iter().all(|r| r.overridden),
        refusals,
        overrides: recorded,
    })
}

/// The schema of an approval code: one of [`ApprovalCode::ALL`]'s codes.
#[cfg(feature = "schemars")]
mod code_schema {
    use std::borrow::Cow;

    use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};

    impl JsonSchema for super::ApprovalCode {
        fn schema_name() -> Cow<'static, str> {
            "ApprovalCode".into()
        }
        fn json_schema(_: &mut SchemaGenerator) -> Schema {
            let codes: Vec<&str> = Self::ALL.iter().map(|c| c.code()).collect();
            json_schema!({
                "type": "string",
                "enum": codes,
                "description": "A refusal code of the loan approval checks.",
            })
        }
    }
}

#[cfg(test)]
mod tests;

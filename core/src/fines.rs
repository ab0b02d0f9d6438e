//! Late-payment fines (penal charges): rules, deterministic matching and idempotent assessment.
//!
//! The rules are written out in `docs/fines.md`; this module implements them and nothing else.
//! A fine is a separate receivable of an installment (RBI, penal charges, 2023): nothing here
//! reads or changes principal or interest, a fine never bears interest and is never
//! capitalised. The only input taken from the installment is its unpaid principal + interest,
//! as the base of a percentage fine.
//!
//! [`assess_fines`] is a pure function of a [`FineSnapshot`] (the loan's overdue installments
//! and the fines already levied on them), the [`FineRule`]s and an explicit `as_of` date. It
//! returns what to change: a [`FineAction::Levy`] for a key that does not exist yet, a
//! [`FineAction::ReAmount`] for one whose amount must change. Applying the result and assessing
//! again on the same date returns nothing.
//!
//! ```
//! use windeep_core::{fines::assess_fines, parse_date, fines::FineRule, fines::FineSnapshot};
//! let rules: Vec<FineRule> = serde_json::from_str(r#"[{"id": 1, "applies_to": "loan",
//!     "grace_days": 5, "formula": {"kind": "per_day", "initial": "100", "per_day": "10"}}]"#).unwrap();
//! let snapshot: FineSnapshot = serde_json::from_str(r#"{"loan_id": "LN2026000001",
//!     "installments": [{"number": 1, "due_on": "2026-01-05",
//!                       "unpaid_principal": "7884.88", "unpaid_interest": "1000.00"}]}"#).unwrap();
//! let out = assess_fines(&snapshot, &rules, parse_date("2026-01-20").unwrap()).unwrap();
//! assert_eq!(out[0].amount.to_string(), "200.00"); // 100 + 10 × (15 − 5)
//! ```

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::calendar::days_between;
use crate::decimal::{add, div, mul, sub, used_scale};
use crate::error::{CoreError, Result};
use crate::money::{Currency, MAX_AMOUNT, Money, format_date};
use crate::rounding::RoundingPolicy;

/// Most fines (all rules and occurrences together) one installment may have in one
/// assessment; more is `E_FINE_LIMIT_EXCEEDED`, refused before any amount is computed.
///
/// # Example
/// ```
/// // A 1 % fine recurring every day reaches the bound after 10,000 late days (27 years).
/// assert_eq!(windeep_core::fines::MAX_FINE_OCCURRENCES, 10_000);
/// ```
pub const MAX_FINE_OCCURRENCES: usize = 10_000;

/// Most fines one assessment may derive, all installments together (each is one entry of the
/// output at most); more is `E_FINE_LIMIT_EXCEEDED`, refused before any amount is computed.
///
/// # Example
/// ```
/// assert_eq!(windeep_core::fines::MAX_FINES_PER_ASSESSMENT, 100_000);
/// ```
pub const MAX_FINES_PER_ASSESSMENT: usize = 100_000;

/// Most days late an installment may reach at the assessment (100 years of 365.25 days), and
/// the largest `grace_days`, `min_days`, `max_days`, `recur_every_days` and slab day of a rule.
/// An installment later than this is `E_FINE_LIMIT_EXCEEDED`; a rule field above it is
/// `E_INVALID_FINE_RULE`.
///
/// # Example
/// ```
/// assert_eq!(windeep_core::fines::MAX_FINE_DAYS, 36_525);
/// ```
pub const MAX_FINE_DAYS: u32 = 36_525;

/// Most fine rules one assessment reads; more is `E_FINE_LIMIT_EXCEEDED`.
///
/// # Example
/// ```
/// assert_eq!(windeep_core::fines::MAX_FINE_RULES, 100);
/// ```
pub const MAX_FINE_RULES: usize = 100;

/// Most slabs of one slab rule; more is `E_INVALID_FINE_RULE`.
///
/// # Example
/// ```
/// assert_eq!(windeep_core::fines::MAX_FINE_SLABS, 100);
/// ```
pub const MAX_FINE_SLABS: usize = 100;

/// Most installments of a fine snapshot; more is `E_FINE_LIMIT_EXCEEDED`.
///
/// # Example
/// ```
/// assert_eq!(windeep_core::fines::MAX_FINE_INSTALLMENTS, 10_000);
/// ```
pub const MAX_FINE_INSTALLMENTS: usize = 10_000;

fn limit(what: &'static str, value: usize, max: usize) -> CoreError {
    CoreError::FineLimitExceeded {
        what,
        value: u64::try_from(value).unwrap_or(u64::MAX),
        max: u64::try_from(max).unwrap_or(u64::MAX),
    }
}

/// Most decimal places of a fine percentage.
const MAX_PERCENT_DECIMALS: u32 = 8;

/// What kind of account a rule or a snapshot is about.
///
/// # Example
/// ```
/// use windeep_core::fines::AccountType;
/// assert_eq!(serde_json::from_str::<AccountType>("\"savings\"").unwrap(), AccountType::Savings);
/// assert_eq!(AccountType::default(), AccountType::Loan);
/// ```
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountType {
    /// A loan: the installments are repayment installments. The default.
    #[default]
    Loan,
    /// A savings account: the installments are the rows of its deposit schedule.
    Savings,
}

/// One slab of a [`FineFormula::Slab`]: days late `from_days..=to_days` cost `amount`.
///
/// # Example
/// ```
/// use windeep_core::fines::Slab;
/// let s: Slab = serde_json::from_str(r#"{"from_days": 1, "to_days": 30, "amount": "100"}"#).unwrap();
/// assert_eq!(s.to_days, Some(30));
/// ```
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Slab {
    /// First day late (≥ 1) of the slab, inclusive.
    pub from_days: u32,
    /// Last day late of the slab, inclusive; `None` (only on the last slab) is open-ended.
    #[serde(default)]
    pub to_days: Option<u32>,
    /// The fine for a day late in this slab, currency units, > 0.
    pub amount: Money,
}

/// How a fine's amount is computed from the effective late days `e = days_late − grace_days`.
///
/// # Example
/// ```
/// use windeep_core::fines::FineFormula;
/// let f: FineFormula = serde_json::from_str(
///     r#"{"kind": "percentage", "percent": "2", "recur_every_days": 30}"#).unwrap();
/// assert_eq!(f.kind_name(), "percentage");
/// ```
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum FineFormula {
    /// `amount`, once.
    Fixed {
        /// The fine, currency units, > 0.
        amount: Money,
    },
    /// `initial + per_day × e`, re-derived as days pass.
    PerDay {
        /// The amount charged from the first effective late day, currency units, ≥ 0 (default 0).
        #[serde(default)]
        initial: Money,
        /// The amount added per effective late day, currency units, > 0.
        per_day: Money,
    },
    /// `percent / 100 ×` the installment's unpaid principal + interest at the assessment that
    /// levies it; with `recur_every_days = N`, once more every N effective late days.
    Percentage {
        /// Percent of the unpaid overdue amount, 0 < percent ≤ 100, at most 8 decimal places.
        #[serde(with = "crate::money::decimal_str")]
        percent: Decimal,
        /// Days between occurrences (≥ 1), or `None` for a single occurrence.
        #[serde(default)]
        recur_every_days: Option<u32>,
    },
    /// The amount of the slab whose day range contains `days_late`, re-derived as days pass.
    Slab {
        /// Slabs in ascending, non-overlapping order of days late.
        slabs: Vec<Slab>,
    },
}

impl FineFormula {
    /// The formula's kind as spelled in JSON: `fixed`, `per_day`, `percentage` or `slab`.
    ///
    /// # Example
    /// ```
    /// use windeep_core::{fines::FineFormula, Money};
    /// assert_eq!(FineFormula::Fixed { amount: Money::ZERO }.kind_name(), "fixed");
    /// ```
    #[must_use]
    pub fn kind_name(&self) -> &'static str {
        match self {
            Self::Fixed { .. } => "fixed",
            Self::PerDay { .. } => "per_day",
            Self::Percentage { .. } => "percentage",
            Self::Slab { .. } => "slab",
        }
    }
}

fn default_min_days() -> u32 {
    1
}

/// A fine rule: which installments it applies to and how much it charges.
///
/// Rule terms are immutable: to change a rule, end it (`effective_to`) and add a new rule with a
/// new id. A rule matches an installment on a day when `applies_to` equals the account type,
/// `product` is the account's product (or `None`, any product), the day lies within
/// `effective_from..=effective_to` and `min_days ≤ days_late ≤ max_days`.
///
/// # Example
/// ```
/// use windeep_core::fines::FineRule;
/// let r: FineRule = serde_json::from_str(r#"{"id": 7, "applies_to": "loan", "product": "LOAN-001",
///     "grace_days": 3, "cap": "1000", "min_days": 1, "max_days": null,
///     "effective_from": "2026-01-01", "effective_to": null,
///     "formula": {"kind": "per_day", "initial": "200", "per_day": "20"}}"#).unwrap();
/// assert_eq!((r.id, r.grace_days, r.min_days), (7, 3, 1));
/// ```
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FineRule {
    /// Unique id; the last tie-breaker of precedence (lowest wins).
    pub id: u32,
    /// The account type the rule applies to.
    pub applies_to: AccountType,
    /// The product the rule is specific to, or `None` for every product.
    #[serde(default)]
    pub product: Option<String>,
    /// How the amount is computed.
    pub formula: FineFormula,
    /// Days late that are free of charge (default 0): nothing while `days_late ≤ grace_days`.
    #[serde(default)]
    pub grace_days: u32,
    /// Largest amount of one fine, currency units, > 0; `None` for no cap.
    #[serde(default)]
    pub cap: Option<Money>,
    /// Fewest days late the rule matches, ≥ 1 (default 1).
    #[serde(default = "default_min_days")]
    pub min_days: u32,
    /// Most days late the rule matches, ≥ `min_days`; `None` for no limit.
    #[serde(default)]
    pub max_days: Option<u32>,
    /// First calendar day the rule is in force, or `None` (always was).
    #[serde(default, with = "crate::money::iso_date_opt")]
    pub effective_from: Option<NaiveDate>,
    /// Last calendar day the rule is in force, or `None` (open-ended).
    #[serde(default, with = "crate::money::iso_date_opt")]
    pub effective_to: Option<NaiveDate>,
}

/// The unique key of a fine: one fine per loan, installment, rule and occurrence.
///
/// Its text form (`Display`) is `loan_id/installment/rule_id/occurrence`.
///
/// # Example
/// ```
/// use windeep_core::fines::FineKey;
/// let k = FineKey { loan_id: "LN2026000001".into(), installment: 3, rule_id: 7, occurrence: 1 };
/// assert_eq!(k.to_string(), "LN2026000001/3/7/1");
/// ```
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FineKey {
    /// The loan (or savings account) id.
    pub loan_id: String,
    /// The installment number (1-based).
    pub installment: u32,
    /// The rule that levied the fine.
    pub rule_id: u32,
    /// The occurrence (1-based; above 1 only for recurring percentage fines).
    pub occurrence: u32,
}

impl fmt::Display for FineKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}/{}/{}/{}",
            self.loan_id, self.installment, self.rule_id, self.occurrence
        )
    }
}

/// A fine already levied on an installment, with what has been paid and waived on it.
///
/// # Example
/// ```
/// use windeep_core::fines::LeviedFine;
/// let f: LeviedFine = serde_json::from_str(r#"{"key": {"loan_id": "LN1", "installment": 1,
///     "rule_id": 1, "occurrence": 1}, "amount": "200.00", "paid": "50.00"}"#).unwrap();
/// assert_eq!(f.waived.to_string(), "0");
/// ```
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LeviedFine {
    /// The fine's key; its loan and installment must be those it is filed under.
    pub key: FineKey,
    /// The fine's amount, currency units, ≥ 0.
    pub amount: Money,
    /// Paid so far, currency units, ≥ 0 (default 0).
    #[serde(default)]
    pub paid: Money,
    /// Waived so far, currency units, ≥ 0 (default 0). `paid + waived ≤ amount`.
    #[serde(default)]
    pub waived: Money,
}

/// An installment of the snapshot: its due date, what is unpaid, and its fines.
///
/// # Example
/// ```
/// use windeep_core::fines::OverdueInstallment;
/// let i: OverdueInstallment = serde_json::from_str(r#"{"number": 2, "due_on": "2026-02-05",
///     "unpaid_principal": "0", "unpaid_interest": "0", "settled_on": "2026-02-12"}"#).unwrap();
/// assert!(i.settled_on.is_some() && i.fines.is_empty());
/// ```
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OverdueInstallment {
    /// Installment number (1-based), unique in the snapshot.
    pub number: u32,
    /// Due date.
    #[serde(with = "crate::money::iso_date")]
    pub due_on: NaiveDate,
    /// Principal of this installment not yet paid, currency units, ≥ 0. For a savings deposit
    /// row: the deposit not yet paid.
    pub unpaid_principal: Money,
    /// Interest of this installment not yet paid, currency units, ≥ 0 (0 for savings).
    pub unpaid_interest: Money,
    /// The date principal and interest were fully paid, or `None` while anything is unpaid.
    /// Required when both unpaid amounts are 0; never after `as_of`.
    #[serde(default, with = "crate::money::iso_date_opt")]
    pub settled_on: Option<NaiveDate>,
    /// The fines already levied on this installment.
    #[serde(default)]
    pub fines: Vec<LeviedFine>,
}

impl OverdueInstallment {
    /// Whether a fine snapshot holds an installment due before its date: something of it is
    /// unpaid (`settled` false), it was settled after its due date, or it carries fines.
    pub(crate) fn belongs_in_snapshot(
        settled: bool,
        due_on: NaiveDate,
        settled_on: Option<NaiveDate>,
        has_fines: bool,
    ) -> bool {
        !settled || settled_on.is_some_and(|d| d > due_on) || has_fines
    }

    /// The snapshot's `settled_on` of such an installment as of `as_of`: `None` while anything
    /// is unpaid; otherwise its settlement date (its due date when none was recorded), never
    /// after `as_of`.
    pub(crate) fn settled_on_as_of(
        settled: bool,
        due_on: NaiveDate,
        settled_on: Option<NaiveDate>,
        as_of: NaiveDate,
    ) -> Option<NaiveDate> {
        settled.then(|| settled_on.unwrap_or(due_on).min(as_of))
    }
}

/// Everything [`assess_fines`] reads about one loan (or savings account): plain data.
///
/// # Example
/// ```
/// use windeep_core::{fines::AccountType, fines::FineSnapshot};
/// let s: FineSnapshot = serde_json::from_str(r#"{"loan_id": "LN2026000001",
///     "product": "LOAN-001", "installments": []}"#).unwrap();
/// assert_eq!(s.account_type, AccountType::Loan);
/// assert_eq!(s.currency.code(), "INR");
/// ```
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FineSnapshot {
    /// The loan (or savings account) id; non-empty.
    pub loan_id: String,
    /// Loan or savings (default loan).
    #[serde(default)]
    pub account_type: AccountType,
    /// The account's product, or `None` (then only rules for every product match).
    #[serde(default)]
    pub product: Option<String>,
    /// The account's currency (default INR, 2 places).
    #[serde(default)]
    pub currency: Currency,
    /// Rounding of each fine; defaults to half-up to the currency's minor unit.
    #[serde(default)]
    pub rounding: Option<RoundingPolicy>,
    /// The installments that are, or were, overdue, each with its fines.
    pub installments: Vec<OverdueInstallment>,
}

/// What an assessment asks the caller to do with a fine.
///
/// # Example
/// ```
/// use windeep_core::fines::FineAction;
/// assert_eq!(serde_json::to_string(&FineAction::ReAmount).unwrap(), "\"re_amount\"");
/// ```
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FineAction {
    /// Create the fine: its key does not exist in the snapshot.
    Levy,
    /// Set the existing fine's amount to the new amount (paid and waived stay as they are).
    ReAmount,
}

/// One change to the fines of a loan, as decided by [`assess_fines`].
///
/// # Example
/// ```
/// use windeep_core::{fines::assess_fines, parse_date, fines::FineAction, fines::FineRule, fines::FineSnapshot};
/// let rules: Vec<FineRule> = serde_json::from_str(r#"[{"id": 1, "applies_to": "loan",
///     "formula": {"kind": "percentage", "percent": "2"}}]"#).unwrap();
/// let snapshot: FineSnapshot = serde_json::from_str(r#"{"loan_id": "LN1", "installments": [
///     {"number": 1, "due_on": "2026-01-05", "unpaid_principal": "9000", "unpaid_interest": "1000"}]}"#).unwrap();
/// let a = &assess_fines(&snapshot, &rules, parse_date("2026-01-06").unwrap()).unwrap()[0];
/// assert_eq!(a.action, FineAction::Levy);
/// assert_eq!(a.base.unwrap().to_string(), "10000.00");
/// assert_eq!(a.amount.to_string(), "200.00");
/// ```
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FineAssessment {
    /// Levy a new fine or re-amount an existing one.
    pub action: FineAction,
    /// The fine's key.
    pub key: FineKey,
    /// The rule's formula kind (`fixed`, `per_day`, `percentage`, `slab`).
    pub kind: &'static str,
    /// The late day the amount reflects: the last charging day of the rule for `per_day` and
    /// `slab` (frozen at the settlement date, or where the rule stopped applying), the first
    /// charging day of the occurrence for `fixed` and `percentage`.
    #[serde(with = "crate::money::iso_date")]
    pub accrued_to: NaiveDate,
    /// Whole calendar days from the due date to `accrued_to`.
    pub days_late: u32,
    /// For `per_day`: the number of days this rule has charged the installment through
    /// `accrued_to` (the per-day count, which starts at the rule's first charging day); for the
    /// other kinds `days_late − grace_days`. Always ≥ 1.
    pub effective_days: u32,
    /// The percentage base (unpaid principal + interest), `None` for other kinds.
    pub base: Option<Money>,
    /// The formula's value, rounded once by the rounding policy, before the cap.
    pub calculated: Money,
    /// Whether the cap lowered `calculated`.
    pub capped: bool,
    /// Whether the amount was raised to `paid + waived` so that the balance is not negative.
    pub floored: bool,
    /// The fine's new amount, currency units.
    pub amount: Money,
    /// The amount before this assessment (`None` for a levy).
    pub previous_amount: Option<Money>,
    /// Paid so far (unchanged by the assessment).
    pub paid: Money,
    /// Waived so far (unchanged by the assessment).
    pub waived: Money,
    /// `amount − paid − waived`, ≥ 0.
    pub balance: Money,
}

impl FineSnapshot {
    /// Applies assessments to the snapshot: a levy adds the fine (paid and waived 0) under its
    /// installment, a re-amount sets the existing fine's amount.
    ///
    /// # Errors
    /// `E_INVALID_FINE_SNAPSHOT` for a levy of a key that exists, a re-amount of one that does
    /// not, or a key of another loan or of an installment the snapshot does not hold.
    ///
    /// # Example
    /// ```
    /// use windeep_core::{fines::assess_fines, parse_date, fines::FineRule, fines::FineSnapshot};
    /// let rules: Vec<FineRule> = serde_json::from_str(r#"[{"id": 1, "applies_to": "loan",
    ///     "formula": {"kind": "fixed", "amount": "500"}}]"#).unwrap();
    /// let mut s: FineSnapshot = serde_json::from_str(r#"{"loan_id": "LN1", "installments": [
    ///     {"number": 1, "due_on": "2026-01-05", "unpaid_principal": "100", "unpaid_interest": "0"}]}"#).unwrap();
    /// let day = parse_date("2026-01-09").unwrap();
    /// let out = assess_fines(&s, &rules, day).unwrap();
    /// s.apply(&out).unwrap();
    /// assert!(assess_fines(&s, &rules, day).unwrap().is_empty());
    /// ```
    pub fn apply(&mut self, assessments: &[FineAssessment]) -> Result<()> {
        for a in assessments {
            let bad = |reason: String| CoreError::InvalidFineSnapshot { reason };
            if a.key.loan_id != self.loan_id {
                return Err(bad(format!(
                    "fine {} is not of loan {}",
                    a.key, self.loan_id
                )));
            }
            let Some(inst) = self
                .installments
                .iter_mut()
                .find(|i| i.number == a.key.installment)
            else {
                return Err(bad(format!(
                    "fine {}: the snapshot has no installment {}",
                    a.key, a.key.installment
                )));
            };
            let existing = inst.fines.iter_mut().find(|f| f.key == a.key);
            match (a.action, existing) {
                (FineAction::Levy, None) => inst.fines.push(LeviedFine {
                    key: a.key.clone(),
                    amount: a.amount,
                    paid: Money::ZERO,
                    waived: Money::ZERO,
                }),
                (FineAction::ReAmount, Some(f)) => f.amount = a.amount,
                (FineAction::Levy, Some(_)) => {
                    return Err(bad(format!("fine {} is levied already", a.key)));
                }
                (FineAction::ReAmount, None) => {
                    return Err(bad(format!("fine {} does not exist", a.key)));
                }
            }
        }
        Ok(())
    }
}

// --- validation ------------------------------------------------------------------------------

/// An amount of the input, checked against the currency (scale and range) and padded.
fn money(currency: &Currency, value: Money) -> Result<Decimal> {
    currency.amount(value).map(Money::value)
}

/// A fine amount the caller supplied, after validation: padded to the currency's scale.
struct Existing {
    amount: Decimal,
    paid: Decimal,
    waived: Decimal,
}

/// An installment after validation.
struct Installment {
    number: u32,
    due_on: NaiveDate,
    unpaid: Decimal,
    /// The last calendar day the installment can be late: the settlement date or `as_of`.
    end: NaiveDate,
    fines: BTreeMap<(u32, u32), Existing>,
}

fn check_snapshot(s: &FineSnapshot, as_of: NaiveDate) -> Result<Vec<Installment>> {
    let bad = |reason: String| Err(CoreError::InvalidFineSnapshot { reason });
    let cur = &s.currency;
    if s.loan_id.is_empty() {
        return bad("loan_id is empty".to_owned());
    }
    if s.product.as_deref() == Some("") {
        return bad("product is empty (use null for none)".to_owned());
    }
    if s.installments.len() > MAX_FINE_INSTALLMENTS {
        return Err(limit(
            "installments in the snapshot",
            s.installments.len(),
            MAX_FINE_INSTALLMENTS,
        ));
    }
    let mut numbers = BTreeSet::new();
    let mut keys = BTreeSet::new();
    let mut out = Vec::with_capacity(s.installments.len());
    for inst in &s.installments {
        let n = inst.number;
        if n == 0 {
            return bad("installment numbers start at 1".to_owned());
        }
        if !numbers.insert(n) {
            return bad(format!("installment {n} is listed twice"));
        }
        let principal = money(cur, inst.unpaid_principal)?;
        let interest = money(cur, inst.unpaid_interest)?;
        if principal < Decimal::ZERO || interest < Decimal::ZERO {
            return bad(format!("installment {n}: an unpaid amount is negative"));
        }
        let unpaid = add(principal, interest, "unpaid amount")?;
        let end = match inst.settled_on {
            Some(settled) if !unpaid.is_zero() => {
                return bad(format!(
                    "installment {n} is settled on {} but {unpaid} is unpaid",
                    format_date(settled)
                ));
            }
            Some(settled) if settled > as_of => {
                return bad(format!(
                    "installment {n} is settled on {}, after as_of {}",
                    format_date(settled),
                    format_date(as_of)
                ));
            }
            Some(settled) => settled,
            None if unpaid.is_zero() => {
                return bad(format!(
                    "installment {n} has nothing unpaid: settled_on is required"
                ));
            }
            None => as_of,
        };
        let late = days_between(inst.due_on, end);
        if late > i64::from(MAX_FINE_DAYS) {
            return Err(CoreError::FineLimitExceeded {
                what: "days late of an installment",
                value: u64::try_from(late).unwrap_or(u64::MAX),
                max: u64::from(MAX_FINE_DAYS),
            });
        }
        let mut fines = BTreeMap::new();
        for f in &inst.fines {
            let k = &f.key;
            if k.loan_id != s.loan_id || k.installment != n {
                return bad(format!(
                    "fine {k} is filed under installment {n} of loan {}",
                    s.loan_id
                ));
            }
            if k.occurrence == 0 {
                return bad(format!("fine {k}: occurrences start at 1"));
            }
            if !keys.insert(k.clone()) {
                return bad(format!("fine {k} is listed twice"));
            }
            let (amount, paid, waived) = (
                money(cur, f.amount)?,
                money(cur, f.paid)?,
                money(cur, f.waived)?,
            );
            if amount < Decimal::ZERO || paid < Decimal::ZERO || waived < Decimal::ZERO {
                return bad(format!(
                    "fine {k}: amount, paid and waived must not be negative"
                ));
            }
            if add(paid, waived, "fine balance")? > amount {
                return Err(CoreError::FineBalanceNegative {
                    key: k.to_string(),
                    amount: amount.to_string(),
                    paid: paid.to_string(),
                    waived: waived.to_string(),
                });
            }
            fines.insert(
                (k.rule_id, k.occurrence),
                Existing {
                    amount,
                    paid,
                    waived,
                },
            );
        }
        out.push(Installment {
            number: n,
            due_on: inst.due_on,
            unpaid,
            end,
            fines,
        });
    }
    out.sort_by_key(|i| i.number);
    Ok(out)
}

/// A rule after validation, with its amounts padded to the currency's scale.
struct Rule<'a> {
    rule: &'a FineRule,
    cap: Option<Decimal>,
    formula: Formula,
}

enum Formula {
    Fixed(Decimal),
    PerDay(Decimal, Decimal),
    Percentage(Decimal, Option<u32>),
    /// `(from, to, amount)` in ascending order; `to = None` is open-ended.
    Slab(Vec<(i64, Option<i64>, Decimal)>),
}

fn check_rule<'a>(r: &'a FineRule, cur: &Currency) -> Result<Rule<'a>> {
    let bad = |reason: String| {
        Err(CoreError::InvalidFineRule {
            rule_id: r.id,
            reason,
        })
    };
    if r.product.as_deref() == Some("") {
        return bad("product is empty (use null for every product)".to_owned());
    }
    if r.min_days == 0 {
        return bad("min_days must be at least 1".to_owned());
    }
    let days = [
        ("grace_days", Some(r.grace_days)),
        ("min_days", Some(r.min_days)),
        ("max_days", r.max_days),
    ];
    for (name, v) in days {
        if let Some(v) = v
            && v > MAX_FINE_DAYS
        {
            return bad(format!("{name} {v} is above {MAX_FINE_DAYS}"));
        }
    }
    if let Some(max) = r.max_days
        && max < r.min_days
    {
        return bad(format!("max_days {max} is below min_days {}", r.min_days));
    }
    if let (Some(from), Some(to)) = (r.effective_from, r.effective_to)
        && to < from
    {
        return bad(format!(
            "effective_to {} is before effective_from {}",
            format_date(to),
            format_date(from)
        ));
    }
    let cap = match r.cap {
        Some(c) => {
            let c = money(cur, c)?;
            if c <= Decimal::ZERO {
                return bad(format!("cap {c} must be above zero (use null for no cap)"));
            }
            Some(c)
        }
        None => None,
    };
    let formula = match &r.formula {
        FineFormula::Fixed { amount } => {
            let a = money(cur, *amount)?;
            if a <= Decimal::ZERO {
                return bad(format!("fixed amount {a} must be above zero"));
            }
            Formula::Fixed(a)
        }
        FineFormula::PerDay { initial, per_day } => {
            let (f, p) = (money(cur, *initial)?, money(cur, *per_day)?);
            if f < Decimal::ZERO {
                return bad(format!("initial amount {f} must not be negative"));
            }
            if p <= Decimal::ZERO {
                return bad(format!(
                    "per_day amount {p} must be above zero (a fixed fine is kind fixed)"
                ));
            }
            Formula::PerDay(f, p)
        }
        FineFormula::Percentage {
            percent,
            recur_every_days,
        } => {
            if *percent <= Decimal::ZERO || *percent > Decimal::ONE_HUNDRED {
                return bad(format!("percent {percent} must be above 0 and at most 100"));
            }
            if used_scale(*percent) > MAX_PERCENT_DECIMALS {
                return bad(format!(
                    "percent {percent} has more than {MAX_PERCENT_DECIMALS} decimal places"
                ));
            }
            if *recur_every_days == Some(0) {
                return bad("recur_every_days must be at least 1".to_owned());
            }
            if let Some(n) = recur_every_days
                && *n > MAX_FINE_DAYS
            {
                return bad(format!("recur_every_days {n} is above {MAX_FINE_DAYS}"));
            }
            Formula::Percentage(*percent, *recur_every_days)
        }
        FineFormula::Slab { slabs } => {
            if slabs.is_empty() {
                return bad("a slab table needs at least one slab".to_owned());
            }
            if slabs.len() > MAX_FINE_SLABS {
                return bad(format!(
                    "{} slabs: a slab table has at most {MAX_FINE_SLABS}",
                    slabs.len()
                ));
            }
            let mut out = Vec::with_capacity(slabs.len());
            let mut previous_end: Option<i64> = Some(0);
            for (i, s) in slabs.iter().enumerate() {
                let amount = money(cur, s.amount)?;
                if amount <= Decimal::ZERO {
                    return bad(format!("slab {} amount {amount} must be above zero", i + 1));
                }
                let from = i64::from(s.from_days);
                let to = s.to_days.map(i64::from);
                let Some(prev) = previous_end else {
                    return bad(format!(
                        "slab {} follows an open-ended slab: only the last may be open",
                        i + 1
                    ));
                };
                if from <= prev {
                    return bad(format!(
                        "slab {} starts at day {from}: slabs start at day 1 or later, in \
                         ascending order, without overlapping",
                        i + 1
                    ));
                }
                if to.is_some_and(|t| t < from) {
                    return bad(format!("slab {} ends before it starts", i + 1));
                }
                if from > i64::from(MAX_FINE_DAYS)
                    || to.is_some_and(|t| t > i64::from(MAX_FINE_DAYS))
                {
                    return bad(format!("slab {} goes beyond day {MAX_FINE_DAYS}", i + 1));
                }
                previous_end = to;
                out.push((from, to, amount));
            }
            Formula::Slab(out)
        }
    };
    Ok(Rule {
        rule: r,
        cap,
        formula,
    })
}

// --- matching --------------------------------------------------------------------------------

/// Precedence of a rule (decisions §6): product-specific before global, then the narrowest
/// days-late window (an open-ended window is the widest), then the highest `min_days`, then the
/// lowest id. Smaller sorts first; ids are unique, so the order is total.
fn precedence(r: &FineRule) -> (bool, bool, u32, std::cmp::Reverse<u32>, u32) {
    let width = r.max_days.map_or(0, |max| max - r.min_days);
    (
        r.product.is_none(),
        r.max_days.is_none(),
        width,
        std::cmp::Reverse(r.min_days),
        r.id,
    )
}

/// Days late `[lo, hi]` (both inclusive) on which the rule matches an installment due on `due`
/// that can be late through day `dmax`, or `None`.
fn eligible_days(r: &FineRule, due: NaiveDate, dmax: i64) -> Option<(i64, i64)> {
    let mut lo = i64::from(r.min_days).max(1);
    let mut hi = r.max_days.map_or(dmax, |m| i64::from(m).min(dmax));
    if let Some(from) = r.effective_from {
        lo = lo.max(days_between(due, from));
    }
    if let Some(to) = r.effective_to {
        hi = hi.min(days_between(due, to));
    }
    (lo <= hi).then_some((lo, hi))
}

/// The charging days of each rule for one installment: the days late on which it is the
/// matching rule, `days_late > grace_days` and its formula is defined (for a slab table, the day
/// lies in a slab). Returned per rule index, as ascending disjoint intervals.
fn charging_days(rules: &[Rule<'_>], due: NaiveDate, dmax: i64) -> ChargingDays {
    let windows: Vec<Option<(i64, i64)>> = rules
        .iter()
        .map(|r| eligible_days(r.rule, due, dmax))
        .collect();
    let mut cuts = BTreeSet::from([1_i64]);
    for (lo, hi) in windows.iter().flatten() {
        cuts.insert(*lo);
        cuts.insert(hi + 1);
    }
    let cuts: Vec<i64> = cuts
        .into_iter()
        .filter(|c| (1..=dmax).contains(c))
        .collect();
    let mut out: BTreeMap<usize, Vec<(i64, i64)>> = BTreeMap::new();
    for (i, a) in cuts.iter().enumerate() {
        let b = cuts.get(i + 1).map_or(dmax, |next| next - 1);
        // Rules are in precedence order: the first whose window holds day `a` wins the segment.
        let winner = windows
            .iter()
            .position(|w| w.is_some_and(|(lo, hi)| lo <= *a && *a <= hi));
        let Some(w) = winner else { continue };
        let Some(rule) = rules.get(w) else { continue };
        let start = (*a).max(i64::from(rule.rule.grace_days) + 1);
        if start > b {
            continue;
        }
        let spans = out.entry(w).or_default();
        match &rule.formula {
            Formula::Slab(slabs) => {
                for (from, to, _) in slabs {
                    let x = start.max(*from);
                    let y = to.map_or(b, |t| t.min(b));
                    if x <= y {
                        spans.push((x, y));
                    }
                }
            }
            _ => spans.push((start, b)),
        }
    }
    out
}

// --- assessment ------------------------------------------------------------------------------

/// What one (rule, occurrence) should amount to.
struct Target {
    occurrence: u32,
    days_late: i64,
    /// The `effective_days` of the output.
    effective: i64,
    raw: Decimal,
    base: Option<Decimal>,
}

fn ceil_div(a: i64, b: i64) -> i64 {
    // a ≥ 1 and b ≥ 1 here.
    (a + b - 1) / b
}

/// How many fines (occurrences) a rule derives from its charging days: one, or for a recurring
/// percentage the number of distinct occurrences the spans touch. Cheap: no amount is computed.
fn occurrences(rule: &Rule<'_>, spans: &[(i64, i64)]) -> usize {
    if spans.is_empty() {
        return 0;
    }
    let Formula::Percentage(_, Some(n)) = &rule.formula else {
        return 1;
    };
    let (n, grace) = (i64::from(*n), i64::from(rule.rule.grace_days));
    let mut count = 0_i64;
    let mut previous: Option<i64> = None;
    for (x, y) in spans {
        let (mut k0, k1) = (ceil_div(x - grace, n), ceil_div(y - grace, n));
        if previous == Some(k0) {
            k0 += 1;
        }
        count += (k1 - k0 + 1).max(0);
        previous = Some(k1);
    }
    usize::try_from(count).unwrap_or(usize::MAX)
}

fn targets(rule: &Rule<'_>, spans: &[(i64, i64)], unpaid: Decimal) -> Result<Vec<Target>> {
    let (Some(first), Some(last)) = (spans.first(), spans.last()) else {
        return Ok(Vec::new());
    };
    let grace = i64::from(rule.rule.grace_days);
    let one = |days_late: i64, raw: Decimal, base: Option<Decimal>| Target {
        occurrence: 1,
        days_late,
        effective: days_late - grace,
        raw,
        base,
    };
    Ok(match &rule.formula {
        Formula::Fixed(amount) => vec![one(first.0, *amount, None)],
        Formula::PerDay(initial, per_day) => {
            // Each charging day of this rule once: the count starts at its first charging day
            // (decisions, revised §5/§6), not at the installment's first late day.
            let count: i64 = spans.iter().map(|(x, y)| y - x + 1).sum();
            let raw = add(
                *initial,
                mul(*per_day, Decimal::from(count), "fine")?,
                "fine",
            )?;
            vec![Target {
                effective: count,
                ..one(last.1, raw, None)
            }]
        }
        Formula::Slab(slabs) => {
            let d = last.1;
            let amount = slabs
                .iter()
                .find(|(from, to, _)| *from <= d && to.is_none_or(|t| d <= t))
                .map_or(Decimal::ZERO, |s| s.2);
            vec![one(d, amount, None)]
        }
        Formula::Percentage(percent, every) => {
            let raw = div(mul(unpaid, *percent, "fine")?, Decimal::ONE_HUNDRED, "fine")?;
            match every {
                None => vec![one(first.0, raw, Some(unpaid))],
                Some(n) => {
                    let n = i64::from(*n);
                    // Bounded by `occurrences`, checked before any target is built.
                    let mut out: BTreeMap<i64, i64> = BTreeMap::new();
                    for (x, y) in spans {
                        let (k0, k1) = (ceil_div(x - grace, n), ceil_div(y - grace, n));
                        for k in k0..=k1 {
                            let starts = (grace + (k - 1) * n + 1).max(*x);
                            out.entry(k).or_insert(starts);
                        }
                    }
                    out.into_iter()
                        .map(|(k, d)| Target {
                            occurrence: u32::try_from(k).unwrap_or(u32::MAX),
                            days_late: d,
                            effective: d - grace,
                            raw,
                            base: Some(unpaid),
                        })
                        .collect()
                }
            }
        }
    })
}

/// Assesses the fines of one loan (or savings account) as of a date: what to levy and what to
/// re-amount. See `docs/fines.md` for the exact rules.
///
/// For every overdue installment, each late day `t` (days late `d = t − due_on`, from 1 through
/// the settlement date or `as_of`) is matched to at most one rule by precedence. A rule's fine
/// exists once the rule has charged on some day (`d > grace_days`); each late day is charged by
/// one rule only, so a per-day fine is `initial + per_day × n` with `n` its own charging days
/// (a later tier's count starts at its first day), and per-day and slab fines stop growing at
/// settlement and when another rule takes over. Amounts are rounded once by the snapshot's
/// rounding policy, then capped; a fine is never set below what has been paid and waived on it,
/// nor above 10¹². Percentage fines keep the amount they were levied with. A fine of a given
/// rule that no longer charges (a back-dated payment) goes back to what is paid and waived on
/// it; fines under a rule that is not given are left alone. The limits of `docs/fines.md`
/// ("Limits") are enforced before any amount is computed.
///
/// The result is sorted by installment, rule id and occurrence.
///
/// # Errors
/// `E_INVALID_CURRENCY`, `E_INVALID_ROUNDING`, then the snapshot's (`E_INVALID_FINE_SNAPSHOT`,
/// `E_AMOUNT_SCALE`, `E_AMOUNT_OUT_OF_RANGE`, `E_FINE_BALANCE_NEGATIVE`), then the rules', in
/// input order (`E_DUPLICATE_FINE_RULE`, `E_AMOUNT_SCALE`, `E_AMOUNT_OUT_OF_RANGE`,
/// `E_INVALID_FINE_RULE`); `E_FINE_LIMIT_EXCEEDED` beyond [`MAX_FINE_INSTALLMENTS`],
/// [`MAX_FINE_DAYS`] days late, [`MAX_FINE_RULES`], [`MAX_FINE_OCCURRENCES`] or
/// [`MAX_FINES_PER_ASSESSMENT`]; `E_AMOUNT_OUT_OF_RANGE` for a fine above 10¹².
///
/// # Example
/// ```
/// use windeep_core::{fines::assess_fines, parse_date, fines::FineRule, fines::FineSnapshot};
/// // Legacy §12.11, seeded "Standard": 100 + 10/day, cap 500, 45 days late → 500.
/// let rules: Vec<FineRule> = serde_json::from_str(r#"[{"id": 1, "applies_to": "loan", "cap": "500",
///     "formula": {"kind": "per_day", "initial": "100", "per_day": "10"}}]"#).unwrap();
/// let snapshot: FineSnapshot = serde_json::from_str(r#"{"loan_id": "LN1", "installments": [
///     {"number": 1, "due_on": "2026-01-05", "unpaid_principal": "8000", "unpaid_interest": "884.88"}]}"#).unwrap();
/// let a = &assess_fines(&snapshot, &rules, parse_date("2026-02-19").unwrap()).unwrap()[0];
/// assert_eq!((a.days_late, a.calculated.to_string(), a.amount.to_string()), (45, "550.00".into(), "500.00".into()));
/// assert!(a.capped);
/// ```
pub fn assess_fines(
    snapshot: &FineSnapshot,
    rules: &[FineRule],
    as_of: NaiveDate,
) -> Result<Vec<FineAssessment>> {
    let plan = plan(snapshot, rules, as_of)?;
    let Plan {
        rounding,
        installments,
        candidates,
        days,
    } = &plan;
    let cur = &snapshot.currency;
    let scale = cur.minor_units();
    let pad = |v: Decimal| crate::decimal::pad(v, scale);
    let mut out = Vec::new();
    for (i, days) in days {
        let Some(inst) = installments.get(*i) else {
            continue;
        };
        let mut produced = BTreeSet::new();
        for (index, spans) in days {
            let Some(rule) = candidates.get(*index) else {
                continue;
            };
            let percentage = matches!(rule.formula, Formula::Percentage(..));
            for t in targets(rule, spans, inst.unpaid)? {
                produced.insert((rule.rule.id, t.occurrence));
                let calculated = rounding.round_value(t.raw, cur)?;
                let capped = rule.cap.is_some_and(|c| calculated > c);
                let target = match rule.cap {
                    Some(c) if capped => c,
                    _ => calculated,
                };
                if target > MAX_AMOUNT {
                    return Err(CoreError::AmountOutOfRange {
                        value: target.to_string(),
                    });
                }
                let key = FineKey {
                    loan_id: snapshot.loan_id.clone(),
                    installment: inst.number,
                    rule_id: rule.rule.id,
                    occurrence: t.occurrence,
                };
                let existing = inst.fines.get(&(rule.rule.id, t.occurrence));
                let (action, amount, floored, previous, paid, waived) = match existing {
                    None if target > Decimal::ZERO => (
                        FineAction::Levy,
                        target,
                        false,
                        None,
                        Decimal::ZERO,
                        Decimal::ZERO,
                    ),
                    None => continue,
                    Some(_) if percentage => continue,
                    Some(f) => {
                        let settled = add(f.paid, f.waived, "fine balance")?;
                        let floored = target < settled;
                        let amount = if floored { settled } else { target };
                        if amount == f.amount {
                            continue;
                        }
                        (
                            FineAction::ReAmount,
                            amount,
                            floored,
                            Some(f.amount),
                            f.paid,
                            f.waived,
                        )
                    }
                };
                let balance = sub(sub(amount, paid, "fine balance")?, waived, "fine balance")?;
                let days_late = u32::try_from(t.days_late).unwrap_or(u32::MAX);
                let accrued_to = inst
                    .due_on
                    .checked_add_days(chrono::Days::new(u64::from(days_late)))
                    .ok_or(CoreError::DateOutOfRange)?;
                out.push(FineAssessment {
                    action,
                    key,
                    kind: rule.rule.formula.kind_name(),
                    accrued_to,
                    days_late,
                    effective_days: u32::try_from(t.effective).unwrap_or(u32::MAX),
                    base: t.base.map(|b| Money::from_decimal(pad(b))),
                    calculated: Money::from_decimal(calculated),
                    capped,
                    floored,
                    amount: Money::from_decimal(pad(amount)),
                    previous_amount: previous.map(|p| Money::from_decimal(pad(p))),
                    paid: Money::from_decimal(pad(paid)),
                    waived: Money::from_decimal(pad(waived)),
                    balance: Money::from_decimal(pad(balance)),
                });
            }
        }
        // A fine of a rule given here that no longer has a charging day (a back-dated payment
        // settled the installment earlier) is re-amounted to 0, or to what is paid and waived
        // on it. Percentage fines keep the amount they were levied with.
        for (&(rule_id, occurrence), f) in &inst.fines {
            if produced.contains(&(rule_id, occurrence)) {
                continue;
            }
            let Some(rule) = candidates.iter().find(|r| r.rule.id == rule_id) else {
                continue;
            };
            if matches!(rule.formula, Formula::Percentage(..)) {
                continue;
            }
            let floor = add(f.paid, f.waived, "fine balance")?;
            if floor == f.amount {
                continue;
            }
            let balance = Decimal::ZERO;
            out.push(FineAssessment {
                action: FineAction::ReAmount,
                key: FineKey {
                    loan_id: snapshot.loan_id.clone(),
                    installment: inst.number,
                    rule_id,
                    occurrence,
                },
                kind: rule.rule.formula.kind_name(),
                accrued_to: inst.due_on,
                days_late: 0,
                effective_days: 0,
                base: None,
                calculated: Money::from_decimal(pad(Decimal::ZERO)),
                capped: false,
                floored: floor > Decimal::ZERO,
                amount: Money::from_decimal(pad(floor)),
                previous_amount: Some(Money::from_decimal(pad(f.amount))),
                paid: Money::from_decimal(pad(f.paid)),
                waived: Money::from_decimal(pad(f.waived)),
                balance: Money::from_decimal(pad(balance)),
            });
        }
    }
    out.sort_by(|a, b| a.key.cmp(&b.key));
    Ok(out)
}

/// The keys of every fine the rules derive for the snapshot as of `as_of` (every fine that
/// exists by `docs/fines.md`, "Fines and their keys", whether or not the snapshot holds it or an
/// assessment would change it), sorted. Each late day of an installment is charged by at most
/// one rule, so two keys of one installment and occurrence under different rules always cover
/// different days.
///
/// # Errors
/// As [`assess_fines`].
///
/// # Example
/// ```
/// use windeep_core::{fines::fine_keys, parse_date, fines::FineRule, fines::FineSnapshot};
/// // ₹10/day to day 5, then ₹20/day from day 6: two fines, one per window.
/// let rules: Vec<FineRule> = serde_json::from_str(r#"[
///     {"id": 1, "applies_to": "loan", "max_days": 5, "formula": {"kind": "per_day", "per_day": "10"}},
///     {"id": 2, "applies_to": "loan", "min_days": 6, "formula": {"kind": "per_day", "per_day": "20"}}]"#).unwrap();
/// let s: FineSnapshot = serde_json::from_str(r#"{"loan_id": "LN1", "installments": [
///     {"number": 1, "due_on": "2026-01-05", "unpaid_principal": "100", "unpaid_interest": "0"}]}"#).unwrap();
/// let keys = fine_keys(&s, &rules, parse_date("2026-01-15").unwrap()).unwrap();
/// assert_eq!(keys.iter().map(|k| k.rule_id).collect::<Vec<_>>(), [1, 2]);
/// ```
pub fn fine_keys(
    snapshot: &FineSnapshot,
    rules: &[FineRule],
    as_of: NaiveDate,
) -> Result<Vec<FineKey>> {
    let plan = plan(snapshot, rules, as_of)?;
    let mut out = Vec::new();
    for (i, days) in &plan.days {
        let Some(inst) = plan.installments.get(*i) else {
            continue;
        };
        for (index, spans) in days {
            let Some(rule) = plan.candidates.get(*index) else {
                continue;
            };
            for t in targets(rule, spans, inst.unpaid)? {
                out.push(FineKey {
                    loan_id: snapshot.loan_id.clone(),
                    installment: inst.number,
                    rule_id: rule.rule.id,
                    occurrence: t.occurrence,
                });
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Per rule index, its charging days as ascending disjoint `(first, last)` days-late intervals.
type ChargingDays = BTreeMap<usize, Vec<(i64, i64)>>;

/// What an assessment works on, validated and within the limits.
struct Plan<'a> {
    rounding: RoundingPolicy,
    installments: Vec<Installment>,
    candidates: Vec<Rule<'a>>,
    /// Per installment index: each rule index's charging days.
    days: Vec<(usize, ChargingDays)>,
}

/// Validates the input in the documented order, then finds the charging days and counts the
/// fines they derive, enforcing the limits before any amount is computed.
fn plan<'a>(snapshot: &FineSnapshot, rules: &'a [FineRule], as_of: NaiveDate) -> Result<Plan<'a>> {
    let cur = &snapshot.currency;
    cur.validate()?;
    let rounding = snapshot
        .rounding
        .unwrap_or_else(|| RoundingPolicy::minor_unit(cur));
    rounding.validate(cur)?;
    let installments = check_snapshot(snapshot, as_of)?;

    if rules.len() > MAX_FINE_RULES {
        return Err(limit("fine rules", rules.len(), MAX_FINE_RULES));
    }
    let mut ids = BTreeSet::new();
    let mut checked = Vec::with_capacity(rules.len());
    for r in rules {
        if !ids.insert(r.id) {
            return Err(CoreError::DuplicateFineRule { rule_id: r.id });
        }
        checked.push(check_rule(r, cur)?);
    }
    let mut candidates: Vec<Rule<'_>> = checked
        .into_iter()
        .filter(|r| {
            r.rule.applies_to == snapshot.account_type
                && r.rule
                    .product
                    .as_ref()
                    .is_none_or(|p| snapshot.product.as_ref() == Some(p))
        })
        .collect();
    candidates.sort_by_key(|r| precedence(r.rule));

    // First the charging days and how many fines they derive, so that the limits are enforced
    // before any amount is computed or any output is built.
    let mut plan = Vec::with_capacity(installments.len());
    let mut total = 0_usize;
    for (i, inst) in installments.iter().enumerate() {
        let dmax = days_between(inst.due_on, inst.end);
        if dmax < 1 {
            // Never late: no fine exists, but those it holds may have to be re-amounted.
            plan.push((i, BTreeMap::new()));
            continue;
        }
        let days = charging_days(&candidates, inst.due_on, dmax);
        let count = days
            .iter()
            .filter_map(|(i, spans)| Some(occurrences(candidates.get(*i)?, spans)))
            .fold(0_usize, usize::saturating_add);
        if count > MAX_FINE_OCCURRENCES {
            return Err(limit(
                "fines of one installment",
                count,
                MAX_FINE_OCCURRENCES,
            ));
        }
        total = total.saturating_add(count);
        if total > MAX_FINES_PER_ASSESSMENT {
            return Err(limit(
                "fines of the assessment (at least)",
                total,
                MAX_FINES_PER_ASSESSMENT,
            ));
        }
        plan.push((i, days));
    }

    Ok(Plan {
        rounding,
        installments,
        candidates,
        days: plan,
    })
}

#[cfg(test)]
mod tests;

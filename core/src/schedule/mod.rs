//! Repayment schedules: EMI, rows, broken periods, grace, fees and totals.
//!
//! The rules are written out in `docs/schedule.md`; this module implements them and nothing
//! else. Every amount is rounded once, at a named point, by a [`RoundingPolicy`].

mod apr;
mod terms;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

pub use apr::{annual_percentage_rate, annual_percentage_rate_by_bisection};
pub use terms::{
    BrokenPeriod, LevelEmi, LoanTerms, MAX_FIRST_DUE_GAP_LIMIT, MAX_RATE_CAP, Method,
    ProcessingFee, SchedulePolicy,
};

use crate::calendar::{
    ACTUAL_ACTUAL_DENOMINATOR, DueDates, Frequency, InterestBasis, actual_actual_numerator,
    days_30e_360, days_between, snap_to_fixed_day,
};
use crate::decimal::{add, div, mul, pad, powu, sub, used_scale};
use crate::error::{CoreError, Result};
use crate::money::{Currency, MAX_AMOUNT, Money, Rate, format_date};
use crate::rounding::RoundingPolicy;

/// One row of a schedule. Every amount is at the currency's scale.
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Installment {
    /// 1-based installment number.
    pub number: u32,
    /// Due date.
    #[serde(with = "crate::money::iso_date")]
    pub due_on: NaiveDate,
    /// Calendar days from the previous due date (for row 1, from the regular period start).
    pub days: i64,
    /// Principal outstanding before this installment.
    pub opening_balance: Money,
    /// Principal repaid by this installment.
    pub principal: Money,
    /// Interest charged in this installment.
    pub interest: Money,
    /// Amount due: principal + interest.
    pub installment: Money,
    /// Principal outstanding after this installment.
    pub closing_balance: Money,
}

/// Sums over the rows of a schedule.
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Totals {
    /// Σ principal: always exactly the loan's principal.
    pub principal: Money,
    /// Σ interest.
    pub interest: Money,
    /// Σ installment.
    pub payable: Money,
}

/// A generated repayment schedule (the `schedule` operation's output without the APR).
///
/// It deserializes from its own JSON form (to restore a stored or pickled schedule); the
/// rows are then taken as written, not recomputed or checked.
///
/// # Example
/// ```
/// use windeep_core::{LoanTerms, generate_schedule, parse_date};
/// let terms = LoanTerms::new("100000".parse().unwrap(), "12".parse().unwrap(), 12,
///     parse_date("2026-01-05").unwrap(), parse_date("2026-02-05").unwrap());
/// let s = generate_schedule(&terms).unwrap();
/// assert_eq!(s.installments[11].installment.to_string(), "8884.85");
/// assert_eq!(s.totals.interest.to_string(), "6618.53");
/// ```
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Schedule {
    /// Currency code, e.g. `"INR"`.
    pub currency: String,
    /// Method used.
    pub method: Method,
    /// Installment frequency.
    pub frequency: Frequency,
    /// Day-count rule.
    pub interest_basis: InterestBasis,
    /// Amount lent.
    pub principal: Money,
    /// Nominal rate, percent per annum.
    pub annual_rate: Rate,
    /// Number of installments.
    pub tenure: u32,
    /// Disbursement date.
    #[serde(with = "crate::money::iso_date")]
    pub disbursed_on: NaiveDate,
    /// First due date after snapping to any fixed due day.
    #[serde(with = "crate::money::iso_date")]
    pub first_due_on: NaiveDate,
    /// Last due date.
    #[serde(with = "crate::money::iso_date")]
    pub maturity_on: NaiveDate,
    /// The level installment (reducing; flat under 30/360), else `None`.
    pub emi: Option<Money>,
    /// Processing fee charged at disbursement.
    pub processing_fee: Money,
    /// Days from disbursement to the regular start of the first period (negative: shorter).
    pub broken_period_days: i64,
    /// Broken-period interest charged (0 under [`BrokenPeriod::None`]).
    pub broken_period_interest: Money,
    /// Broken-period interest deducted from the disbursement.
    pub upfront_interest: Money,
    /// Principal − fee − upfront interest: what the borrower receives.
    pub net_disbursement: Money,
    /// The rows.
    pub installments: Vec<Installment>,
    /// Row sums.
    pub totals: Totals,
}

/// Terms after validation, with every default resolved.
struct Resolved {
    currency: Currency,
    row: RoundingPolicy,
    emi: RoundingPolicy,
    principal: Decimal,
    rate: Decimal,
    first_due: NaiveDate,
    fee: Decimal,
}

/// Validates terms in the documented order and resolves defaults.
fn resolve(t: &LoanTerms) -> Result<Resolved> {
    let currency = t.currency.clone();
    currency.validate()?;
    let row = t
        .rounding
        .unwrap_or_else(|| RoundingPolicy::minor_unit(&currency));
    row.validate(&currency)?;
    if t.emi_rounding.is_some() && t.method != Method::Reducing {
        return Err(CoreError::InvalidRounding {
            reason: "emi_rounding applies to the reducing method only".to_owned(),
        });
    }
    let emi = t.emi_rounding.unwrap_or(row);
    emi.validate(&currency)?;

    let p = &t.policy;
    let policy_error = |reason: String| Err(CoreError::InvalidPolicy { reason });
    if p.max_tenure == 0 || p.max_tenure > MAX_TENURE_LIMIT {
        return policy_error(format!(
            "max_tenure must be between 1 and {MAX_TENURE_LIMIT}"
        ));
    }
    if p.max_annual_rate.percent() < Decimal::ZERO || p.max_annual_rate.percent() > MAX_RATE_CAP {
        return policy_error(format!(
            "max_annual_rate must be between 0 and {MAX_RATE_CAP}"
        ));
    }
    if p.max_first_due_gap_days > MAX_FIRST_DUE_GAP_LIMIT {
        return policy_error(format!(
            "max_first_due_gap_days must be at most {MAX_FIRST_DUE_GAP_LIMIT}"
        ));
    }
    if p.min_first_due_gap_days > p.max_first_due_gap_days {
        return policy_error(format!(
            "min_first_due_gap_days {} is above max_first_due_gap_days {}",
            p.min_first_due_gap_days, p.max_first_due_gap_days
        ));
    }
    if t.apr_decimals > 6 {
        return policy_error(format!(
            "apr_decimals {} must be between 0 and 6",
            t.apr_decimals
        ));
    }

    let principal = t.principal.value();
    if used_scale(principal) > currency.minor_units() {
        return Err(CoreError::AmountScale {
            value: principal.to_string(),
            minor_units: currency.minor_units(),
        });
    }
    if principal <= Decimal::ZERO {
        return Err(CoreError::NonPositivePrincipal {
            value: principal.to_string(),
        });
    }
    if principal > MAX_AMOUNT {
        return Err(CoreError::AmountOutOfRange {
            value: principal.to_string(),
        });
    }

    let rate = t.annual_rate.percent();
    if rate < Decimal::ZERO {
        return Err(CoreError::NegativeRate {
            value: t.annual_rate.to_string(),
        });
    }
    if rate > p.max_annual_rate.percent() {
        return Err(CoreError::RateExceedsCap {
            value: t.annual_rate.to_string(),
            cap: p.max_annual_rate.to_string(),
        });
    }

    if t.tenure == 0 {
        return Err(CoreError::InvalidTenure);
    }
    if t.tenure > p.max_tenure {
        return Err(CoreError::TenureExceedsPolicy {
            tenure: t.tenure,
            max: p.max_tenure,
        });
    }
    for (kind, grace) in [
        ("principal", t.principal_grace),
        ("interest", t.interest_grace),
    ] {
        if grace >= t.tenure {
            return Err(CoreError::InvalidGrace {
                kind,
                grace,
                tenure: t.tenure,
            });
        }
    }

    let first_due = first_due_date(
        t.disbursed_on,
        t.first_due_on,
        t.fixed_due_day,
        t.frequency,
        p,
    )?;

    let fee = match t.processing_fee {
        None => Decimal::ZERO,
        Some(ProcessingFee::Percentage(pct)) => {
            if pct < Decimal::ZERO || pct > Decimal::ONE_HUNDRED {
                return Err(CoreError::InvalidFee {
                    reason: format!("percentage {pct} must be between 0 and 100"),
                });
            }
            let raw = div(
                mul(principal, pct, "processing fee")?,
                Decimal::ONE_HUNDRED,
                "processing fee",
            )?;
            row.round_value(raw, &currency)?
        }
        Some(ProcessingFee::Fixed(amount)) => {
            let v = amount.value();
            if v < Decimal::ZERO {
                return Err(CoreError::InvalidFee {
                    reason: format!("fixed fee {v} is negative"),
                });
            }
            if used_scale(v) > currency.minor_units() || v > MAX_AMOUNT {
                return Err(CoreError::InvalidFee {
                    reason: format!(
                        "fixed fee {v} must have at most {} decimal places and be within range",
                        currency.minor_units()
                    ),
                });
            }
            v
        }
    };

    // The whole date range is checked before any row is computed.
    let dues = DueDates::new(first_due, t.frequency);
    dues.due(0)?;
    dues.due(t.tenure)?;

    let principal = pad(principal, currency.minor_units());
    let fee = pad(fee, currency.minor_units());
    Ok(Resolved {
        currency,
        row,
        emi,
        principal,
        rate,
        first_due,
        fee,
    })
}

/// Checks a loan's first due date and returns it snapped to any fixed due day: steps 9 and 10
/// of the validation in `docs/schedule.md`, shared by schedules and loan approval.
///
/// `fixed_due_day` must be 1–28 or [`crate::calendar::FIXED_DUE_DAY_LAST`] (the month's last day) and is
/// allowed with monthly and quarterly frequencies only; the chosen first due date must be after
/// the disbursement date; the gap in calendar days from disbursement to the **snapped** date
/// must lie within the policy's `[min_first_due_gap_days, max_first_due_gap_days]`, the
/// maximum multiplied by the months in a period for quarterly loans (default 7–180 days), so a
/// default quarterly loan falling due one quarter after disbursement is accepted.
///
/// # Errors
/// `E_INVALID_FIXED_DUE_DAY`, `E_FIRST_DUE_NOT_AFTER_DISBURSEMENT`, `E_DATE_OUT_OF_RANGE`
/// (snapping past 9999-12), `E_FIRST_DUE_GAP_OUT_OF_POLICY`, in this order.
pub(crate) fn first_due_date(
    disbursed_on: NaiveDate,
    first_due_on: NaiveDate,
    fixed_due_day: Option<u32>,
    frequency: Frequency,
    policy: &SchedulePolicy,
) -> Result<NaiveDate> {
    if let Some(day) = fixed_due_day {
        if !(1..=28).contains(&day) && day != crate::calendar::FIXED_DUE_DAY_LAST {
            return Err(CoreError::InvalidFixedDueDay {
                reason: format!("{day} must be between 1 and 28, or \"last\""),
            });
        }
        if !frequency.is_calendar_month_based() {
            return Err(CoreError::InvalidFixedDueDay {
                reason: "a fixed due day applies to monthly and quarterly schedules only"
                    .to_owned(),
            });
        }
    }

    if first_due_on <= disbursed_on {
        return Err(CoreError::FirstDueNotAfterDisbursement {
            first_due: format_date(first_due_on),
            disbursed: format_date(disbursed_on),
        });
    }
    let first_due = match fixed_due_day {
        Some(day) => snap_to_fixed_day(first_due_on, day)?,
        None => first_due_on,
    };
    let gap = days_between(disbursed_on, first_due);
    let months = if frequency == Frequency::Quarterly {
        3
    } else {
        1
    };
    let (min, max) = (
        policy.min_first_due_gap_days,
        policy.max_first_due_gap_days.saturating_mul(months),
    );
    if gap < i64::from(min) || gap > i64::from(max) {
        return Err(CoreError::FirstDueGapOutOfPolicy {
            first_due: format_date(first_due),
            gap,
            min,
            max,
        });
    }
    Ok(first_due)
}

/// Interest of a period as an exact fraction of minor units, under a basis.
///
/// The rate `a` percent is `rate_num / rate_den` exactly, so every period's interest is an
/// exact fraction `numerator / denominator` that is rounded once, ties included.
#[derive(Clone, Copy)]
struct InterestRule {
    basis: InterestBasis,
    rate_num: i128,
    rate_den: i128,
    ppy: i128,
}

const OVERFLOW_INTEREST: CoreError = CoreError::Overflow {
    context: "interest",
};

fn checked(a: i128, b: i128) -> Result<i128> {
    a.checked_mul(b).ok_or(OVERFLOW_INTEREST)
}

/// Amounts beyond 10^30 minor units are refused, so that sums over at most
/// [`MAX_TENURE_LIMIT`] rows stay far inside `i128`.
fn bounded(v: i128) -> Result<i128> {
    const LIMIT: i128 = 1_000_000_000_000_000_000_000_000_000_000;
    if v.abs() > LIMIT {
        Err(OVERFLOW_INTEREST)
    } else {
        Ok(v)
    }
}

/// The largest `policy.max_tenure` accepted (an upper bound on rows, whatever the policy says).
pub const MAX_TENURE_LIMIT: u32 = 10_000;

impl InterestRule {
    /// Interest on `balance` minor units for the period `[from, to)`.
    fn period(&self, balance: i128, from: NaiveDate, to: NaiveDate) -> Result<(i128, i128)> {
        let ba = checked(balance, self.rate_num)?;
        Ok(match self.basis {
            InterestBasis::Thirty360 => (ba, checked(self.rate_den, 100 * self.ppy)?),
            InterestBasis::Actual365 => (
                checked(ba, i128::from(days_between(from, to)))?,
                checked(self.rate_den, 36_500)?,
            ),
            InterestBasis::ActualActual => (
                checked(ba, i128::from(actual_actual_numerator(from, to)))?,
                checked(self.rate_den, 100 * i128::from(ACTUAL_ACTUAL_DENOMINATOR))?,
            ),
        })
    }

    /// Broken-period interest on `principal` minor units from disbursement to `start`.
    fn broken(
        &self,
        principal: i128,
        disbursed: NaiveDate,
        start: NaiveDate,
    ) -> Result<(i128, i128)> {
        let pa = checked(principal, self.rate_num)?;
        let (days, den) = match self.basis {
            InterestBasis::Thirty360 => (days_30e_360(disbursed, start), 36_000),
            InterestBasis::Actual365 => (days_between(disbursed, start), 36_500),
            InterestBasis::ActualActual => (
                actual_actual_numerator(disbursed, start),
                100 * ACTUAL_ACTUAL_DENOMINATOR,
            ),
        };
        Ok((
            checked(pa, i128::from(days))?,
            checked(self.rate_den, i128::from(den))?,
        ))
    }
}

/// The level payment of a reducing loan: `P·r / (1 − (1 + r)^−m)`, or `P / m` when r = 0.
fn pmt(principal: Decimal, periodic: Decimal, m: u32) -> Result<Decimal> {
    const CTX: &str = "EMI";
    if periodic.is_zero() {
        return div(principal, Decimal::from(m), CTX);
    }
    // A growth factor beyond the decimal range makes (1 + r)^−m smaller than 10^−28: the
    // discount is 1 at 28 digits and the payment is the interest-only P·r.
    let discount = match powu(add(Decimal::ONE, periodic, CTX)?, m, CTX) {
        Ok(growth) => sub(Decimal::ONE, div(Decimal::ONE, growth, CTX)?, CTX)?,
        Err(_) => Decimal::ONE,
    };
    div(mul(principal, periodic, CTX)?, discount, CTX)
}

/// The generalised annuity: the level payment that brings `principal` to exactly zero when
/// period j carries the rate `r_j` (its actual-day interest): `P / Σ_k Π_{j≤k} 1/(1 + r_j)`.
fn level_payment_actual(principal: Decimal, rates: &[(Decimal, Decimal)]) -> Result<Decimal> {
    const CTX: &str = "EMI";
    let mut discount = Decimal::ONE;
    let mut sum = Decimal::ZERO;
    for &(num, den) in rates {
        // 1 / (1 + num/den) = den / (den + num), one division per period.
        discount = mul(discount, div(den, add(den, num, CTX)?, CTX)?, CTX)?;
        sum = add(sum, discount, CTX)?;
    }
    if sum.is_zero() {
        return div(principal, Decimal::from(rates.len().max(1)), CTX);
    }
    div(principal, sum, CTX)
}

/// Row `k`'s part of `total` (minor units) split over `n` rows by cumulative rounding:
/// `R(total·k/n) − R(total·(k−1)/n)`. The parts add up to `total` and each has its sign.
fn cumulative_share(
    round: &impl Fn(i128, i128) -> Result<i128>,
    total: i128,
    k: i128,
    n: i128,
) -> Result<i128> {
    Ok(round(checked(total, k)?, n)? - round(checked(total, k - 1)?, n)?)
}

/// Generates the repayment schedule of a loan, exactly as `docs/schedule.md` specifies.
///
/// # Errors
/// Every refusal listed in `docs/schedule.md` ("Validation, in this order"), each with its
/// stable code; the first failing check is reported.
///
/// # Example
/// ```
/// use windeep_core::{LoanTerms, schedule::Method, generate_schedule, parse_date};
/// let mut terms = LoanTerms::new("100000".parse().unwrap(), "12".parse().unwrap(), 12,
///     parse_date("2026-01-05").unwrap(), parse_date("2026-02-05").unwrap());
/// terms.method = Method::Flat;
/// let s = generate_schedule(&terms).unwrap();
/// assert_eq!(s.emi.unwrap().to_string(), "9333.33");
/// assert_eq!(s.installments[11].principal.to_string(), "8333.37");
/// ```
pub fn generate_schedule(t: &LoanTerms) -> Result<Schedule> {
    let v = resolve(t)?;
    let cur = &v.currency;
    let scale = cur.minor_units();
    let step = v.row.step(cur)?;
    let round = |n: i128, d: i128| v.row.round_ratio(n, d, step).and_then(bounded);
    let money = |minor: i128| {
        Decimal::try_from_i128_with_scale(minor, scale)
            .map(Money::from_rounded)
            .map_err(|_| CoreError::Overflow { context: "amount" })
    };
    let decimal = |v: i128| {
        Decimal::try_from_i128_with_scale(v, 0).map_err(|_| CoreError::Overflow { context: "EMI" })
    };
    let n = t.tenure;
    let gp = t.principal_grace;
    let gi = t.interest_grace;
    let m = n - gp;
    let (n_i, m_i) = (i128::from(n), i128::from(m));
    let ppy = t.frequency.periods_per_year();
    let rule = InterestRule {
        basis: t.interest_basis,
        rate_num: v.rate.mantissa(),
        rate_den: 10_i128.pow(v.rate.scale()),
        ppy: i128::from(ppy),
    };
    let dues = DueDates::new(v.first_due, t.frequency);
    let start = dues.due(0)?;
    let p = v.principal.mantissa();

    // Broken period: what is charged, and where.
    let bp_days = days_between(t.disbursed_on, start);
    let bi = match t.broken_period {
        BrokenPeriod::None => 0,
        BrokenPeriod::ProRata => {
            // The first period's full interest on P, pro-rated by days, less its regular part.
            let due1 = dues.due(1)?;
            let (num, den) = rule.period(p, start, due1)?;
            let actual = i128::from(days_between(t.disbursed_on, due1));
            let full = i128::from(days_between(start, due1));
            round(checked(num, actual)?, checked(den, full)?)? - round(num, den)?
        }
        _ => {
            let (num, den) = rule.broken(p, t.disbursed_on, start)?;
            round(num, den)?
        }
    };
    let mut first_row_bi = 0;
    let mut upfront = 0;
    let amortized = match t.broken_period {
        BrokenPeriod::None => 0,
        BrokenPeriod::AddToFirst | BrokenPeriod::ProRata => {
            first_row_bi = bi;
            0
        }
        BrokenPeriod::DeductUpfront => {
            if bi > 0 {
                upfront = bi;
            } else {
                first_row_bi = bi;
            }
            0
        }
        BrokenPeriod::Amortize => bi,
    };

    // The generalised annuity applies to reducing loans on actual-day bases.
    let actual_emi = t.method == Method::Reducing
        && t.interest_basis != InterestBasis::Thirty360
        && t.policy.level_emi == LevelEmi::ActualPeriods;

    // Method constants, in minor units.
    let (emi, pp, flat_total) = match t.method {
        Method::Reducing => {
            let mut raw = if actual_emi {
                let mut rates = Vec::with_capacity(usize::try_from(m).unwrap_or(0));
                let mut from = dues.due(gp)?;
                for k in gp + 1..=n {
                    let to = dues.due(k)?;
                    let (num, den) = rule.period(1, from, to)?;
                    rates.push((decimal(num)?, decimal(den)?));
                    from = to;
                }
                level_payment_actual(v.principal, &rates)?
            } else {
                let periodic = div(
                    v.rate,
                    mul(Decimal::ONE_HUNDRED, Decimal::from(ppy), "EMI")?,
                    "EMI",
                )?;
                pmt(v.principal, periodic, m)?
            };
            if t.broken_period == BrokenPeriod::Amortize {
                let bi_dec = money(bi)?.value();
                raw = add(raw, div(bi_dec, Decimal::from(n), "EMI")?, "EMI")?;
            }
            let e = v.emi.round_value(raw, cur)?.mantissa();
            if e <= 0 && m > 1 {
                return Err(CoreError::EmiRoundsToZero {
                    what: "EMI",
                    value: raw.normalize().to_string(),
                    tenure: n,
                });
            }
            (Some(e), 0, 0)
        }
        Method::Flat | Method::EqualPrincipal => {
            let pp = round(p, m_i)?;
            if pp == 0 && m > 1 {
                return Err(CoreError::EmiRoundsToZero {
                    what: "principal part",
                    value: div(v.principal, Decimal::from(m), "principal part")?
                        .normalize()
                        .to_string(),
                    tenure: n,
                });
            }
            let total = if t.method == Method::Flat && t.interest_basis == InterestBasis::Thirty360
            {
                let num = checked(checked(p, rule.rate_num)?, n_i)?;
                round(num, checked(rule.rate_den, 100 * rule.ppy)?)?
            } else {
                0
            };
            (None, pp, total)
        }
        Method::Bullet => (None, 0, 0),
    };
    let flat_360 = t.method == Method::Flat && t.interest_basis == InterestBasis::Thirty360;
    // The reported level installment of a flat 30/360 loan: pp + R(I / n).
    let emi = if flat_360 {
        Some(pp + round(flat_total, n_i)?)
    } else {
        emi
    };

    let mut rows = Vec::with_capacity(usize::try_from(n).unwrap_or(0));
    let mut balance = p;
    let mut deferred = 0_i128;
    let mut carry = 0_i128;
    let mut prev = start;
    let (mut sum_p, mut sum_i, mut sum_inst) = (0_i128, 0_i128, 0_i128);
    for k in 1..=n {
        let due = dues.due(k)?;
        let k_i = i128::from(k);
        let regular = match t.method {
            Method::Flat if flat_360 => cumulative_share(&round, flat_total, k_i, n_i)?,
            Method::Flat => {
                let (num, den) = rule.period(p, prev, due)?;
                round(num, den)?
            }
            _ => {
                let (num, den) = rule.period(balance, prev, due)?;
                round(num, den)?
            }
        };
        let share_k = if amortized == 0 {
            0
        } else {
            cumulative_share(&round, amortized, k_i, n_i)?
        };
        let carry_in = carry;
        carry = 0;
        let principal = if k <= gp {
            0
        } else if k == n {
            balance
        } else {
            match (t.method, emi) {
                (Method::Reducing, Some(e)) => {
                    let pr = e - regular - share_k - carry_in;
                    if actual_emi && pr <= 0 {
                        // A long period's interest above the EMI: the row repays no principal
                        // and the rest of its interest moves to the next row.
                        carry = -pr;
                        0
                    } else if pr < 0 || (pr == 0 && regular > 0) {
                        return Err(CoreError::EmiBelowInterest {
                            emi: money(e)?.to_string(),
                            interest: money(regular + share_k)?.to_string(),
                            installment: k,
                        });
                    } else {
                        pr
                    }
                }
                (Method::Flat | Method::EqualPrincipal, _) => pp,
                _ => 0,
            }
        };
        if k < n && principal != 0 && principal >= balance {
            return Err(CoreError::EmiRoundingOverpays { installment: k });
        }
        let adj = if k == 1 {
            share_k + first_row_bi
        } else {
            share_k
        };
        let computed = regular + adj + carry_in - carry;
        if computed < 0 {
            return Err(CoreError::NegativeInterest { installment: k });
        }
        let charged = if k <= gi {
            deferred += computed;
            0
        } else if k == gi + 1 {
            computed + deferred
        } else {
            computed
        };
        let closing = balance - principal;
        let installment = principal + charged;
        sum_p += principal;
        sum_i += charged;
        sum_inst += installment;
        rows.push(Installment {
            number: k,
            due_on: due,
            days: days_between(prev, due),
            opening_balance: money(balance)?,
            principal: money(principal)?,
            interest: money(charged)?,
            installment: money(installment)?,
            closing_balance: money(closing)?,
        });
        balance = closing;
        prev = due;
    }

    let fee = v.fee.mantissa();
    let net = p - fee - upfront;
    if net <= 0 {
        return Err(CoreError::NetDisbursementNotPositive {
            value: money(net)?.to_string(),
        });
    }
    Ok(Schedule {
        currency: cur.code().to_owned(),
        method: t.method,
        frequency: t.frequency,
        interest_basis: t.interest_basis,
        principal: money(p)?,
        annual_rate: t.annual_rate,
        tenure: n,
        disbursed_on: t.disbursed_on,
        first_due_on: v.first_due,
        maturity_on: prev,
        emi: emi.map(money).transpose()?,
        processing_fee: money(fee)?,
        broken_period_days: bp_days,
        broken_period_interest: money(bi)?,
        upfront_interest: money(upfront)?,
        net_disbursement: money(net)?,
        installments: rows,
        totals: Totals {
            principal: money(sum_p)?,
            interest: money(sum_i)?,
            payable: money(sum_inst)?,
        },
    })
}

/// The schedule's own rules, reused to re-amortise a reducing balance after a restructure
/// (skip, interest-only month, part payment, rate reset): the same due-date anchor, interest
/// basis, exact-fraction interest and rounding policies as the original schedule.
#[derive(Clone)]
pub(crate) struct Amortizer {
    rule: InterestRule,
    row: RoundingPolicy,
    emi: RoundingPolicy,
    step: i128,
    currency: Currency,
    dues: DueDates,
    rate: Decimal,
    ppy: u32,
}

impl Amortizer {
    /// Rules of `terms` (already validated by a successful [`generate_schedule`]) at `rate`.
    pub(crate) fn new(terms: &LoanTerms, rate: Rate) -> Result<Self> {
        let v = resolve(terms)?;
        let step = v.row.step(&v.currency)?;
        let r = rate.percent();
        let ppy = terms.frequency.periods_per_year();
        Ok(Self {
            rule: InterestRule {
                basis: terms.interest_basis,
                rate_num: r.mantissa(),
                rate_den: 10_i128.pow(r.scale()),
                ppy: i128::from(ppy),
            },
            row: v.row,
            emi: v.emi,
            step,
            dues: DueDates::new(v.first_due, terms.frequency),
            currency: v.currency,
            rate: r,
            ppy,
        })
    }

    /// Due date of installment `k` (1-based; 0 is the regular start of period 1).
    pub(crate) fn due(&self, k: u32) -> Result<NaiveDate> {
        self.dues.due(k)
    }

    /// Rounded interest on `balance` minor units for `[from, to)` under the schedule's basis.
    pub(crate) fn interest(&self, balance: i128, from: NaiveDate, to: NaiveDate) -> Result<i128> {
        let (n, d) = self.rule.period(balance, from, to)?;
        self.round(n, d)
    }

    /// Exact (unrounded) interest on `balance` minor units for `[from, to)` under the
    /// schedule's basis, as the fraction `(numerator, denominator)` of minor units.
    pub(crate) fn exact_interest(
        &self,
        balance: i128,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<(i128, i128)> {
        self.rule.period(balance, from, to)
    }

    /// Rounds the exact fraction `n / d` minor units with the row policy.
    pub(crate) fn round(&self, n: i128, d: i128) -> Result<i128> {
        self.row.round_ratio(n, d, self.step).and_then(bounded)
    }

    /// Rounded interest on `balance` for `days` days at actual/365 (accrual and foreclosure).
    pub(crate) fn actual_365(&self, balance: i128, days: i64) -> Result<i128> {
        let n = checked(checked(balance, self.rule.rate_num)?, i128::from(days))?;
        self.round(n, checked(self.rule.rate_den, 36_500)?)
    }

    /// One period's nominal interest on `balance` (`balance × a / (100 × ppy)`), rounded.
    pub(crate) fn one_period(&self, balance: i128) -> Result<i128> {
        let n = checked(balance, self.rule.rate_num)?;
        self.round(n, checked(self.rule.rate_den, 100 * self.rule.ppy)?)
    }

    /// The EMI that amortises `balance` minor units over `count` periods, rounded by the EMI
    /// policy.
    pub(crate) fn emi(&self, balance: i128, count: u32) -> Result<i128> {
        let scale = self.currency.minor_units();
        let b = Decimal::try_from_i128_with_scale(balance, scale)
            .map_err(|_| CoreError::Overflow { context: "EMI" })?;
        let periodic = div(
            self.rate,
            mul(Decimal::ONE_HUNDRED, Decimal::from(self.ppy), "EMI")?,
            "EMI",
        )?;
        Ok(self
            .emi
            .round_value(pmt(b, periodic, count.max(1))?, &self.currency)?
            .mantissa())
    }

    /// Decimal places of the currency.
    pub(crate) fn scale(&self) -> u32 {
        self.currency.minor_units()
    }
}

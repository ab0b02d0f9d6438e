//! The annual percentage rate of the RBI Key Fact Statement, in exact decimal.
//!
//! The rate is found by Newton's method from zero and then **confirmed** at the reported
//! precision: the net present value is evaluated at the two edges of the rounding interval of
//! the candidate, and its sign there proves which reported value the root rounds to. The result
//! is therefore the rounded root itself, the value the bisection of earlier versions converged
//! to, in a handful of evaluations instead of about forty.

use rust_decimal::{Decimal, RoundingStrategy};

use super::Schedule;
use crate::decimal::{add, div, mul, pad, sub};
use crate::error::{CoreError, Result};

const CTX: &str = "APR";

/// Present value of the installments at periodic rate `i`, minus the net disbursement.
fn npv(installments: &[Decimal], net: Decimal, i: Decimal) -> Result<Decimal> {
    let v = div(Decimal::ONE, add(Decimal::ONE, i, CTX)?, CTX)?;
    let mut acc = Decimal::ZERO;
    for amount in installments.iter().rev() {
        acc = mul(add(acc, *amount, CTX)?, v, CTX)?;
    }
    sub(acc, net, CTX)
}

/// The net present value at `i` and its derivative with respect to `i`, in one pass.
///
/// With `v = 1/(1+i)` and `Q(v) = Σ a_k v^(k−1)`: `NPV = v·Q − net` and
/// `dNPV/di = −v²·(Q + v·Q')`.
fn npv_and_slope(installments: &[Decimal], net: Decimal, i: Decimal) -> Result<(Decimal, Decimal)> {
    let v = div(Decimal::ONE, add(Decimal::ONE, i, CTX)?, CTX)?;
    let (mut q, mut dq) = (Decimal::ZERO, Decimal::ZERO);
    for amount in installments.iter().rev() {
        dq = add(mul(dq, v, CTX)?, q, CTX)?;
        q = add(mul(q, v, CTX)?, *amount, CTX)?;
    }
    let value = sub(mul(v, q, CTX)?, net, CTX)?;
    let slope = mul(mul(v, v, CTX)?, add(q, mul(v, dq, CTX)?, CTX)?, CTX)?;
    Ok((value, -slope))
}

/// The APR of a schedule, percent per annum rounded half-up to `decimals` places.
///
/// `APR = 100 × periods-per-year × i`, where the periodic rate i ≥ 0 solves
/// `net_disbursement = Σ installment_k / (1 + i)^k`: the annualised internal rate of return of
/// what the borrower receives against what they repay, as the RBI Key Fact Statement defines
/// it. Newton's method from the nominal periodic rate converges to the root (the present value
/// is convex and decreasing in i); the candidate is then confirmed by the sign of the present
/// value at both edges of its half-up rounding interval, so the reported value is the root's
/// own.
///
/// # Errors
/// `E_INVALID_POLICY` for `decimals` above 6; `E_OVERFLOW` if no rate below 2^30 per period
/// balances the flows.
///
/// # Example
/// ```
/// use windeep_core::{LoanTerms, generate_schedule, annual_percentage_rate, parse_date};
/// let terms = LoanTerms::new("100000".parse().unwrap(), "12".parse().unwrap(), 12,
///     parse_date("2026-01-05").unwrap(), parse_date("2026-02-05").unwrap());
/// let s = generate_schedule(&terms).unwrap();
/// assert_eq!(annual_percentage_rate(&s, 2).unwrap().to_string(), "12.00");
/// ```
pub fn annual_percentage_rate(schedule: &Schedule, decimals: u32) -> Result<Decimal> {
    if decimals > 6 {
        return Err(CoreError::InvalidPolicy {
            reason: format!("apr_decimals {decimals} must be between 0 and 6"),
        });
    }
    let flows: Vec<Decimal> = schedule
        .installments
        .iter()
        .map(|r| r.installment.value())
        .collect();
    let net = schedule.net_disbursement.value();
    let scale = mul(
        Decimal::from(schedule.frequency.periods_per_year()),
        Decimal::ONE_HUNDRED,
        CTX,
    )?;
    let (f0, _) = npv_and_slope(&flows, net, Decimal::ZERO)?;
    if f0 <= Decimal::ZERO {
        return Ok(pad(Decimal::ZERO, decimals));
    }

    // Newton from the nominal periodic rate (the APR itself when there is no fee). The present
    // value is convex and decreasing, so an iterate above the root is followed by one below
    // it, and from there they rise to the root.
    let half_step = Decimal::new(5, decimals + 1); // half a unit of the reported precision
    let stop = div(Decimal::new(1, decimals + 6), scale, CTX)?;
    let limit = Decimal::from(1_u64 << 30);
    let mut i = div(schedule.annual_rate.percent(), scale, CTX)?;
    for _ in 0..200 {
        let (f, slope) = npv_and_slope(&flows, net, i)?;
        if f.is_zero() || slope >= Decimal::ZERO {
            break;
        }
        let step = div(f, slope, CTX)?;
        // Never below zero: the root is positive here (the flows exceed the disbursement).
        i = sub(i, step, CTX)?.max(Decimal::ZERO);
        if i > limit {
            return Err(CoreError::Overflow { context: CTX });
        }
        if step.abs() < stop {
            break;
        }
    }

    // Confirm: the root r rounds half-up to c exactly when c − h ≤ 100·ppy·r < c + h,
    // i.e. NPV((c − h)/scale) ≥ 0 and NPV((c + h)/scale) < 0 (NPV decreases in i).
    let mut c = mul(i, scale, CTX)?
        .round_dp_with_strategy(decimals, RoundingStrategy::MidpointAwayFromZero)
        .max(Decimal::ZERO);
    let unit = Decimal::new(1, decimals);
    for _ in 0..64 {
        let below_ok = c.is_zero()
            || npv(&flows, net, div(sub(c, half_step, CTX)?, scale, CTX)?)? >= Decimal::ZERO;
        if !below_ok {
            c = sub(c, unit, CTX)?;
            continue;
        }
        let upper = div(add(c, half_step, CTX)?, scale, CTX)?;
        if upper > limit {
            return Err(CoreError::Overflow { context: CTX });
        }
        if npv(&flows, net, upper)? >= Decimal::ZERO {
            c = add(c, unit, CTX)?;
            continue;
        }
        return Ok(pad(c, decimals));
    }
    // Not reached for any schedule the core produces; kept as the exact fallback.
    bisection_apr(&flows, net, scale, decimals)
}

/// The APR by the earlier exact bisection, kept as the oracle of the fast method (tests and
/// the before/after benchmark). Same result as [`annual_percentage_rate`], about ten times
/// slower.
///
/// # Errors
/// As [`annual_percentage_rate`].
///
/// # Example
/// ```
/// use windeep_core::{LoanTerms, generate_schedule, parse_date};
/// use windeep_core::annual_percentage_rate_by_bisection;
/// let terms = LoanTerms::new("100000".parse().unwrap(), "12".parse().unwrap(), 12,
///     parse_date("2026-01-05").unwrap(), parse_date("2026-02-05").unwrap());
/// let s = generate_schedule(&terms).unwrap();
/// assert_eq!(annual_percentage_rate_by_bisection(&s, 2).unwrap().to_string(), "12.00");
/// ```
#[doc(hidden)]
pub fn annual_percentage_rate_by_bisection(schedule: &Schedule, decimals: u32) -> Result<Decimal> {
    if decimals > 6 {
        return Err(CoreError::InvalidPolicy {
            reason: format!("apr_decimals {decimals} must be between 0 and 6"),
        });
    }
    let flows: Vec<Decimal> = schedule
        .installments
        .iter()
        .map(|r| r.installment.value())
        .collect();
    let scale = mul(
        Decimal::from(schedule.frequency.periods_per_year()),
        Decimal::ONE_HUNDRED,
        CTX,
    )?;
    bisection_apr(&flows, schedule.net_disbursement.value(), scale, decimals)
}

/// The earlier exact bisection: the bracket is halved until it is narrower than
/// 10^−(decimals + 8) per period, then its midpoint is scaled and rounded half-up.
pub(crate) fn bisection_apr(
    flows: &[Decimal],
    net: Decimal,
    scale: Decimal,
    decimals: u32,
) -> Result<Decimal> {
    let mut lo = Decimal::ZERO;
    if npv(flows, net, lo)? <= Decimal::ZERO {
        return Ok(pad(Decimal::ZERO, decimals));
    }
    let mut hi = Decimal::ONE;
    let mut doublings = 0;
    while npv(flows, net, hi)? > Decimal::ZERO {
        doublings += 1;
        if doublings > 30 {
            return Err(CoreError::Overflow { context: CTX });
        }
        hi = mul(hi, Decimal::TWO, CTX)?;
    }
    let tolerance = Decimal::new(1, decimals + 8);
    while sub(hi, lo, CTX)? > tolerance {
        let mid = div(add(lo, hi, CTX)?, Decimal::TWO, CTX)?;
        if npv(flows, net, mid)? > Decimal::ZERO {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    let i = div(add(lo, hi, CTX)?, Decimal::TWO, CTX)?;
    let apr = mul(i, scale, CTX)?;
    Ok(pad(
        apr.round_dp_with_strategy(decimals, RoundingStrategy::MidpointAwayFromZero),
        decimals,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Money;
    use crate::schedule::{BrokenPeriod, LoanTerms, Method, ProcessingFee, generate_schedule};
    use crate::{Frequency, InterestBasis};
    use chrono::{Days, NaiveDate};
    use proptest::prelude::*;

    fn oracle(s: &Schedule, decimals: u32) -> Decimal {
        let flows: Vec<Decimal> = s
            .installments
            .iter()
            .map(|r| r.installment.value())
            .collect();
        let scale = Decimal::from(s.frequency.periods_per_year() * 100);
        bisection_apr(&flows, s.net_disbursement.value(), scale, decimals).unwrap()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]
        /// The fast APR equals the exact bisection on random schedules, fees and precisions.
        #[test]
        fn newton_equals_bisection(
            paise in 100_000_i64..=10_000_000_000,
            bp_rate in 0_i64..=4_800,
            tenure in 1_u32..=120,
            method in 0_usize..4,
            freq in 0_usize..4,
            basis in 0_usize..3,
            fee_bp in 0_i64..=1_500,
            decimals in 0_u32..=6,
            start in 0_u64..=2_000,
            gap in 7_u64..=13,
        ) {
            let disbursed = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap() + Days::new(start);
            let mut t = LoanTerms::new(
                Money::from_decimal(Decimal::new(paise, 2)),
                crate::Rate::from_percent(Decimal::new(bp_rate, 2)).unwrap(),
                tenure,
                disbursed,
                disbursed + Days::new(gap),
            );
            t.method = [Method::Reducing, Method::Flat, Method::EqualPrincipal, Method::Bullet][method];
            t.frequency = [Frequency::Monthly, Frequency::Quarterly, Frequency::Fortnightly, Frequency::Weekly][freq];
            t.interest_basis = [InterestBasis::Thirty360, InterestBasis::Actual365, InterestBasis::ActualActual][basis];
            t.broken_period = BrokenPeriod::AddToFirst;
            t.processing_fee = Some(ProcessingFee::Percentage(Decimal::new(fee_bp, 2)));
            let Ok(s) = generate_schedule(&t) else { return Ok(()) };
            prop_assert_eq!(annual_percentage_rate(&s, decimals).unwrap(), oracle(&s, decimals));
        }
    }

    #[test]
    fn zero_rate_without_fee_is_zero() {
        let d = |s: &str| crate::parse_date(s).unwrap();
        let mut t = LoanTerms::new(
            "1200".parse().unwrap(),
            "0".parse().unwrap(),
            12,
            d("2026-01-05"),
            d("2026-02-05"),
        );
        let s = generate_schedule(&t).unwrap();
        assert_eq!(annual_percentage_rate(&s, 2).unwrap().to_string(), "0.00");
        t.processing_fee = Some(ProcessingFee::Percentage(Decimal::ONE));
        let s = generate_schedule(&t).unwrap();
        assert_eq!(
            annual_percentage_rate(&s, 4).unwrap(),
            oracle(&s, 4),
            "a fee on a zero-rate loan"
        );
    }
}

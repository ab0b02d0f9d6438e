//! The annual percentage rate of the RBI Key Fact Statement, in exact decimal.

use rust_decimal::{Decimal, RoundingStrategy};

use super::Schedule;
use crate::decimal::{add, div, mul, pad, sub};
use crate::error::{CoreError, Result};

/// Present value of the installments at periodic rate `i`, minus the net disbursement.
fn npv(installments: &[Decimal], net: Decimal, i: Decimal) -> Result<Decimal> {
    const CTX: &str = "APR";
    let v = div(Decimal::ONE, add(Decimal::ONE, i, CTX)?, CTX)?;
    let mut acc = Decimal::ZERO;
    for amount in installments.iter().rev() {
        acc = mul(add(acc, *amount, CTX)?, v, CTX)?;
    }
    sub(acc, net, CTX)
}

/// The APR of a schedule, percent per annum rounded half-up to `decimals` places.
///
/// `APR = 100 × periods-per-year × i`, where the periodic rate i ≥ 0 solves
/// `net_disbursement = Σ installment_k / (1 + i)^k`: the annualised internal rate of return of
/// what the borrower receives against what they repay, as the RBI Key Fact Statement defines
/// it. Found by bisection in decimal until the bracket is narrower than 10^−(decimals + 8).
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
    const CTX: &str = "APR";
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
    let ppy = Decimal::from(schedule.frequency.periods_per_year());
    let mut lo = Decimal::ZERO;
    if npv(&flows, net, lo)? <= Decimal::ZERO {
        return Ok(pad(Decimal::ZERO, decimals));
    }
    let mut hi = Decimal::ONE;
    let mut doublings = 0;
    while npv(&flows, net, hi)? > Decimal::ZERO {
        doublings += 1;
        if doublings > 30 {
            return Err(CoreError::Overflow { context: CTX });
        }
        hi = mul(hi, Decimal::TWO, CTX)?;
    }
    let tolerance = Decimal::new(1, decimals + 8);
    while sub(hi, lo, CTX)? > tolerance {
        let mid = div(add(lo, hi, CTX)?, Decimal::TWO, CTX)?;
        if npv(&flows, net, mid)? > Decimal::ZERO {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    let i = div(add(lo, hi, CTX)?, Decimal::TWO, CTX)?;
    let apr = mul(mul(i, ppy, CTX)?, Decimal::ONE_HUNDRED, CTX)?;
    Ok(pad(
        apr.round_dp_with_strategy(decimals, RoundingStrategy::MidpointAwayFromZero),
        decimals,
    ))
}

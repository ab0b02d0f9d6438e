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
/// use windeep_core::{LoanTerms, generate_schedule, schedule::annual_percentage_rate, parse_date};
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
    let ppy = schedule.frequency.periods_per_year();
    let scale = mul(Decimal::from(ppy), Decimal::ONE_HUNDRED, CTX)?;
    let fixed = Fixed::new(&flows, net);
    let fast = match &fixed {
        Some(fx) if fx.total <= fx.net => return Ok(pad(Decimal::ZERO, decimals)),
        Some(fx) => fx.candidate(schedule.annual_rate.percent(), scale, ppy, decimals),
        None => None,
    };
    let c = match fast {
        Some(c) => c,
        None => {
            match decimal_candidate(&flows, net, schedule.annual_rate.percent(), scale, decimals)? {
                Some(c) => c,
                None => return Ok(pad(Decimal::ZERO, decimals)),
            }
        }
    };
    confirm(c, &flows, net, scale, decimals, fixed.as_ref())
}

/// The candidate APR by Newton's method in 28-digit decimal, or `None` when the flows do not
/// exceed the net disbursement (the APR is then zero).
fn decimal_candidate(
    flows: &[Decimal],
    net: Decimal,
    nominal: Decimal,
    scale: Decimal,
    decimals: u32,
) -> Result<Option<Decimal>> {
    let (f0, _) = npv_and_slope(flows, net, Decimal::ZERO)?;
    if f0 <= Decimal::ZERO {
        return Ok(None);
    }

    // Newton from the nominal periodic rate (the APR itself when there is no fee). The present
    // value is convex and decreasing, so an iterate above the root is followed by one below
    // it, and from there they rise to the root.
    let stop = div(Decimal::new(1, decimals + 6), scale, CTX)?;
    let limit = Decimal::from(1_u64 << 30);
    let mut i = div(nominal, scale, CTX)?;
    for _ in 0..200 {
        let (f, slope) = npv_and_slope(flows, net, i)?;
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
    Ok(Some(
        mul(i, scale, CTX)?
            .round_dp_with_strategy(decimals, RoundingStrategy::MidpointAwayFromZero)
            .max(Decimal::ZERO),
    ))
}

/// Confirms a candidate at the reported precision and returns the rounded root.
///
/// The root r rounds half-up to c exactly when c − h ≤ 100·ppy·r < c + h, i.e.
/// `NPV((c − h)/scale) ≥ 0` and `NPV((c + h)/scale) < 0` (NPV decreases in i). Each sign is
/// the sign of the 28-digit decimal present value [`npv`]; the fixed-point evaluation only
/// answers when its error bound proves the same sign.
fn confirm(
    mut c: Decimal,
    flows: &[Decimal],
    net: Decimal,
    scale: Decimal,
    decimals: u32,
    fixed: Option<&Fixed>,
) -> Result<Decimal> {
    let half_step = Decimal::new(5, decimals + 1); // half a unit of the reported precision
    let limit = Decimal::from(1_u64 << 30);
    let unit = Decimal::new(1, decimals);
    for _ in 0..64 {
        let below_ok = c.is_zero()
            || npv_not_negative(flows, net, div(sub(c, half_step, CTX)?, scale, CTX)?, fixed)?;
        if !below_ok {
            c = sub(c, unit, CTX)?;
            continue;
        }
        let upper = div(add(c, half_step, CTX)?, scale, CTX)?;
        if upper > limit {
            return Err(CoreError::Overflow { context: CTX });
        }
        if npv_not_negative(flows, net, upper, fixed)? {
            c = add(c, unit, CTX)?;
            continue;
        }
        return Ok(pad(c, decimals));
    }
    // Not reached for any schedule the core produces; kept as the exact fallback.
    bisection_apr(flows, net, scale, decimals)
}

/// Whether `npv(flows, net, i) ≥ 0`: decided by the fixed-point evaluation when its error
/// bound allows, else by the decimal evaluation itself. Both give the same answer whenever the
/// fixed-point one answers (see [`Fixed::sign`]).
fn npv_not_negative(
    flows: &[Decimal],
    net: Decimal,
    i: Decimal,
    fixed: Option<&Fixed>,
) -> Result<bool> {
    if let Some(fx) = fixed {
        // The discount factor exactly as `npv` computes it.
        let v = div(Decimal::ONE, add(Decimal::ONE, i, CTX)?, CTX)?;
        if let Some(sign) = to_fixed(v).and_then(|vf| fx.sign(vf)) {
            return Ok(sign);
        }
    }
    Ok(npv(flows, net, i)? >= Decimal::ZERO)
}

/// Fractional bits of the fixed-point discount factor and sums.
const FRAC: u32 = 64;
/// 1.0 in fixed point.
const ONE_F: u128 = 1 << FRAC;
/// Flows summing to 2^48 minor units or more (or more than 2^14 of them) use the decimal
/// evaluation only, so every fixed-point sum below stays inside `u128`.
const FAST_TOTAL_LIMIT: u128 = 1 << 48;
const FAST_ROWS_LIMIT: usize = 1 << 14;
/// `|NPV|` below `total × 2^-40` is left to the decimal evaluation.
const UNDECIDED_SHIFT: u32 = FRAC - 40;

/// The flows and the net disbursement as non-negative integers of one decimal scale, for a
/// fast search and a fast, error-bounded sign of the present value.
///
/// With `v` in fixed point (64 fractional bits), the present value `Σ a_k v^k − net` is
/// computed by Horner's rule with one truncation per step, `v` itself truncated from the
/// decimal discount factor. Its error against the exact value at that decimal factor is at
/// most `n·(total + 1)` units of 2^-64, below `(total + 1) × 2^-50` for fewer than 2^14 rows;
/// the 28-digit decimal evaluation [`npv`] errs by less than `total × 10^-22`. So whenever the
/// fixed-point value is farther than `(total + 1) × 2^-40` from zero, both have the sign of the
/// exact value, and the decimal evaluation need not run.
struct Fixed {
    flows: Vec<u128>,
    net: u128,
    total: u128,
}

/// `x · y / 2^64`, truncated, for `x < 2^127` and `y ≤ 2^64`.
fn mul_shr(x: u128, y: u128) -> u128 {
    let (hi, lo) = (x >> FRAC, x & (ONE_F - 1));
    hi * y + ((lo * y) >> FRAC)
}

/// About `p · 2^64 / d` (`None` for a zero or vanishing divisor).
fn ratio(p: i128, d: u128) -> Option<i128> {
    let pa = p.unsigned_abs();
    let s = pa.leading_zeros().saturating_sub(1).min(FRAC);
    let den = d >> (FRAC - s);
    if den == 0 {
        return None;
    }
    let q = i128::try_from((pa << s) / den).ok()?;
    Some(if p < 0 { -q } else { q })
}

/// A decimal in `(0, 1]` as a fixed-point value, truncated (`None` outside that range).
fn to_fixed(v: Decimal) -> Option<u128> {
    if v <= Decimal::ZERO || v > Decimal::ONE {
        return None;
    }
    let m = u128::try_from(v.mantissa()).ok()?;
    let p = 10_u128.checked_pow(v.scale())?;
    let (whole, r) = (m / p, m % p);
    // r < 10^28 < 2^94: two steps of 32 bits keep every product below 2^127.
    let (q1, r1) = ((r << 32) / p, (r << 32) % p);
    let q2 = (r1 << 32) / p;
    Some((whole << FRAC) + ((q1 << 32) | q2))
}

impl Fixed {
    fn new(flows: &[Decimal], net: Decimal) -> Option<Self> {
        if flows.len() >= FAST_ROWS_LIMIT {
            return None;
        }
        let scale = flows.iter().map(Decimal::scale).max()?.max(net.scale());
        let units = |d: &Decimal| -> Option<u128> {
            if d.is_sign_negative() && !d.is_zero() {
                return None;
            }
            let m = d.mantissa().unsigned_abs();
            m.checked_mul(10_u128.checked_pow(scale - d.scale())?)
        };
        let flows = flows.iter().map(units).collect::<Option<Vec<_>>>()?;
        let net = units(&net)?;
        let total = flows.iter().try_fold(0_u128, |a, f| a.checked_add(*f))?;
        (total < FAST_TOTAL_LIMIT && net < FAST_TOTAL_LIMIT).then_some(Self { flows, net, total })
    }

    /// `Σ a_k v^(k−1)` and its derivative in `v`, in fixed point.
    fn horner(&self, v: u128) -> (u128, u128) {
        let (mut q, mut dq) = (0_u128, 0_u128);
        for a in self.flows.iter().rev() {
            dq = mul_shr(dq, v) + q;
            q = mul_shr(q, v) + (a << FRAC);
        }
        (q, dq)
    }

    /// `Σ a_k v^k − net` in fixed point (signed).
    fn npv(&self, v: u128) -> i128 {
        let mut acc = 0_u128;
        for a in self.flows.iter().rev() {
            acc = mul_shr(acc + (a << FRAC), v);
        }
        // Both terms are below 2^112.
        acc.cast_signed() - (self.net << FRAC).cast_signed()
    }

    /// The sign of the present value at the discount factor `v` (`true`: ≥ 0), when the
    /// error bound proves it; `None` when it is too close to zero to tell.
    fn sign(&self, v: u128) -> Option<bool> {
        let value = self.npv(v);
        let margin = ((self.total + 1) << UNDECIDED_SHIFT).cast_signed();
        if value > margin {
            Some(true)
        } else if value < -margin {
            Some(false)
        } else {
            None
        }
    }

    /// A candidate APR (rounded half-up at `decimals`) by Newton's method on the discount
    /// factor in fixed point, from the nominal rate. `None` when the search leaves the range
    /// the fixed point covers; the decimal search then runs. The candidate need not be exact:
    /// [`confirm`] proves or corrects it.
    fn candidate(
        &self,
        nominal: Decimal,
        scale: Decimal,
        ppy: u32,
        decimals: u32,
    ) -> Option<Decimal> {
        let i0 = nominal.checked_div(scale)?;
        let mut v = to_fixed(Decimal::ONE.checked_div(Decimal::ONE.checked_add(i0)?)?)?;
        let net = (self.net << FRAC).cast_signed();
        // A discount factor below 2^-30 is a periodic rate above 2^30: leave it to the
        // decimal search, which reports the overflow.
        let floor = ONE_F >> 30;
        for _ in 0..100 {
            let (q, dq) = self.horner(v);
            let value = mul_shr(q, v).cast_signed() - net;
            let slope = q + mul_shr(dq, v);
            let step = ratio(value, slope)?;
            let next = v.cast_signed() - step;
            v = u128::try_from(next.clamp(floor.cast_signed(), ONE_F.cast_signed())).ok()?;
            if step.abs() < 1 << 20 {
                break;
            }
        }
        if v <= floor {
            return None;
        }
        // APR = 100·ppy·(1/v − 1), in units of 10^-decimals, rounded half-up.
        let k = u128::from(ppy) * 100 * 10_u128.pow(decimals);
        let num = (ONE_F - v) * k;
        let units = (num + v / 2) / v;
        Some(Decimal::from_i128_with_scale(
            i128::try_from(units).ok()?,
            decimals,
        ))
    }
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
/// use windeep_core::schedule::annual_percentage_rate_by_bisection;
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
    use crate::{calendar::Frequency, calendar::InterestBasis};
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
        /// Whenever the fixed-point sign answers, it is the sign of the decimal present value.
        #[test]
        fn fixed_sign_agrees_with_decimal(
            amounts in proptest::collection::vec(0_i64..=5_000_000_000, 1..400),
            net_share in 1_i64..=1_000,
            rate in 0_i64..=100_000_000,
            scale in 0_u32..=4,
        ) {
            let flows: Vec<Decimal> = amounts.iter().map(|a| Decimal::new(*a, scale)).collect();
            let total: i64 = amounts.iter().sum();
            let net = Decimal::new(total / 1_000 * net_share, scale);
            let i = Decimal::new(rate, 10);
            let fx = Fixed::new(&flows, net).unwrap();
            let v = div(Decimal::ONE, add(Decimal::ONE, i, CTX).unwrap(), CTX).unwrap();
            let exact = npv(&flows, net, i).unwrap() >= Decimal::ZERO;
            if let Some(sign) = to_fixed(v).and_then(|vf| fx.sign(vf)) {
                prop_assert_eq!(sign, exact);
            }
        }

        /// Large amounts leave the fixed point and still give the bisection's APR.
        #[test]
        fn large_amounts_use_the_decimal_search(
            crores in 1_000_000_i64..=1_000_000_000_000,
            bp_rate in 1_i64..=3_600,
            tenure in 1_u32..=60,
            fee_bp in 0_i64..=500,
        ) {
            let d = |s: &str| crate::parse_date(s).unwrap();
            let mut t = LoanTerms::new(
                Money::from_decimal(Decimal::new(crores, 0) * Decimal::from(10_000_000)),
                crate::Rate::from_percent(Decimal::new(bp_rate, 2)).unwrap(),
                tenure, d("2026-01-05"), d("2026-02-05"),
            );
            t.processing_fee = Some(ProcessingFee::Percentage(Decimal::new(fee_bp, 2)));
            let Ok(s) = generate_schedule(&t) else { return Ok(()) };
            let flows: Vec<Decimal> = s.installments.iter().map(|r| r.installment.value()).collect();
            prop_assert!(Fixed::new(&flows, s.net_disbursement.value()).is_none());
            prop_assert_eq!(annual_percentage_rate(&s, 2).unwrap(), oracle(&s, 2));
        }
    }

    #[test]
    fn to_fixed_truncates_exactly() {
        assert_eq!(to_fixed(Decimal::ONE), Some(ONE_F));
        assert_eq!(to_fixed(Decimal::new(5, 1)), Some(ONE_F / 2));
        assert_eq!(to_fixed(Decimal::new(25, 2)), Some(ONE_F / 4));
        // 1/3 to 28 digits, truncated: just below 2^64/3.
        let third = Decimal::ONE / Decimal::from(3);
        assert_eq!(to_fixed(third), Some(ONE_F / 3));
        assert_eq!(to_fixed(Decimal::ZERO), None);
        assert_eq!(to_fixed(Decimal::TWO), None);
    }

    #[test]
    fn a_value_near_zero_is_left_to_the_decimal_evaluation() {
        // Flows 100 and 100 against a net of 200 at i = 0: the present value is exactly zero.
        let flows = [Decimal::from(100), Decimal::from(100)];
        let fx = Fixed::new(&flows, Decimal::from(200)).unwrap();
        assert_eq!(fx.sign(ONE_F), None);
        assert_eq!(fx.sign(ONE_F / 2), Some(false));
        assert_eq!(
            Fixed::new(&flows, Decimal::from(100)).unwrap().sign(ONE_F),
            Some(true)
        );
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
            // These amounts take the fixed-point search, not the decimal fallback.
            let flows: Vec<Decimal> = s.installments.iter().map(|r| r.installment.value()).collect();
            let fx = Fixed::new(&flows, s.net_disbursement.value()).unwrap();
            if fx.total > fx.net {
                let scale = Decimal::from(s.frequency.periods_per_year() * 100);
                let ppy = s.frequency.periods_per_year();
                prop_assert!(fx.candidate(s.annual_rate.percent(), scale, ppy, decimals).is_some());
            }
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

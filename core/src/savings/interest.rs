//! Savings interest: a month's interest on its daily product, closing or minimum balance,
//! credited monthly or quarterly, idempotent per (account, period).

use chrono::NaiveDate;
use serde::Serialize;

use super::{
    CreditFrequency, InterestBalanceBasis, Month, SavingsAccount, SavingsBody, SavingsEvent, fold,
};
use crate::error::{CoreError, Result};
use crate::money::{Money, Rate};

/// One month's interest.
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InterestMonth {
    /// The month.
    pub month: Month,
    /// The balance the interest is computed on; on the `daily_product` basis the product: Σ of
    /// the end-of-day balances of the month's days (currency units × days).
    pub basis_balance: Money,
    /// `R(basis × rate / 1200)`, or `R(product × rate / 36500)` on the `daily_product` basis.
    pub interest: Money,
}

/// The interest of one credit period.
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InterestCredit {
    /// The period's last month.
    pub period: Month,
    /// The credit's value date: the period's last day.
    #[serde(with = "crate::money::iso_date")]
    pub value_date: NaiveDate,
    /// The months of the period.
    pub months: Vec<InterestMonth>,
    /// Σ of the months' interest.
    pub amount: Money,
}

/// The interest credits due on a savings account (the `savings_interest` operation).
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InterestReport {
    /// The account.
    pub account_id: String,
    /// Periods ending on or before this date are credited.
    #[serde(with = "crate::money::iso_date")]
    pub through: NaiveDate,
    /// The scheme's rate.
    pub annual_rate: Rate,
    /// The balance basis.
    pub interest_basis: InterestBalanceBasis,
    /// Monthly or quarterly.
    pub credit_frequency: CreditFrequency,
    /// Every period not credited yet, oldest first.
    pub credits: Vec<InterestCredit>,
    /// The `interest_credited` events that carry out the non-zero credits (ids and
    /// idempotency keys `interest:<account>:<period>`).
    pub events: Vec<SavingsEvent>,
}

/// The end-of-day balance on `day` for the interest basis: interest credits count from the day
/// after their value date.
fn basis_on(timeline: &[(NaiveDate, i128, bool)], day: NaiveDate) -> i128 {
    timeline
        .iter()
        .filter(|(d, _, interest)| if *interest { *d < day } else { *d <= day })
        .map(|(_, v, _)| v)
        .sum()
}

fn month_basis(
    account: &SavingsAccount,
    timeline: &[(NaiveDate, i128, bool)],
    month: Month,
) -> i128 {
    match account.scheme.interest_basis {
        InterestBalanceBasis::DailyProduct => {
            let mut day = month.first_day().max(account.opened_on);
            let mut product = 0;
            while day <= month.last_day() {
                product += basis_on(timeline, day);
                match day.succ_opt() {
                    Some(next) => day = next,
                    None => break,
                }
            }
            product
        }
        InterestBalanceBasis::ClosingBalance => basis_on(timeline, month.last_day()),
        InterestBalanceBasis::MinimumBalance => {
            let mut day = month.first_day().max(account.opened_on);
            let mut low = basis_on(timeline, day);
            while day < month.last_day() {
                day = day.succ_opt().unwrap_or(day);
                low = low.min(basis_on(timeline, day));
            }
            low
        }
    }
}

/// The interest due on a savings account for every period that ends on or before `through`
/// and has not been credited: each month's interest is `R(product × rate / 36500)` on the
/// default `daily_product` basis (product = Σ end-of-day balances of the month's days),
/// `R(balance × rate / 1200)` on the closing or minimum balance (decisions §15, revised); a
/// credit is the sum of its months'. Later periods see the earlier credits.
///
/// # Errors
/// As [`super::savings_statement`].
///
/// # Example
/// ```
/// use windeep_core::{savings::SavingsAccount, parse_date, savings::savings_interest};
/// let a: SavingsAccount = serde_json::from_str(r#"{"account_id": "SAV1",
///     "member": "MEMB000001", "opened_on": "2026-01-01",
///     "scheme": {"monthly_amount": "2000", "annual_rate": "6"},
///     "events": [{"id": "d1", "sequence": 1, "value_date": "2026-01-05",
///       "idempotency_key": "d1", "body": {"type": "deposit", "amount": "10000"}}]}"#).unwrap();
/// let r = savings_interest(&a, parse_date("2026-01-31").unwrap()).unwrap();
/// // Daily product: 10,000 × 27 days (5–31 January) × 6 / 36500 = 44.38.
/// assert_eq!(r.credits[0].amount.to_string(), "44.38");
/// ```
pub fn savings_interest(account: &SavingsAccount, through: NaiveDate) -> Result<InterestReport> {
    account.validate()?;
    let rate = account.scheme.annual_rate.percent();
    let rounding = account.rounding();
    let step = rounding.step(&account.currency)?;
    // A month's interest is basis × rate / 1200 on a balance, product × rate / 36500 on a
    // daily product.
    let per = match account.scheme.interest_basis {
        InterestBalanceBasis::DailyProduct => 36_500,
        InterestBalanceBasis::ClosingBalance | InterestBalanceBasis::MinimumBalance => 1_200,
    };
    let (num, den) = (
        rate.mantissa(),
        10_i128
            .checked_pow(rate.scale())
            .and_then(|p| p.checked_mul(per))
            .ok_or(CoreError::Overflow {
                context: "interest",
            })?,
    );
    let opening = Month::of(account.opened_on);
    let period_of = |m: Month| match account.scheme.credit_frequency {
        CreditFrequency::Monthly => m,
        CreditFrequency::Quarterly => m.quarter_end(),
    };
    let mut events = account.events.clone();
    let overflow = || CoreError::Overflow {
        context: "event sequence",
    };
    let mut next_sequence = events
        .iter()
        .map(|e| e.sequence)
        .max()
        .unwrap_or(0)
        .checked_add(1)
        .ok_or_else(overflow)?;
    let credited = |events: &[SavingsEvent], p: Month| {
        events.iter().any(
            |e| matches!(&e.body, SavingsBody::InterestCredited { period, .. } if *period == p),
        )
    };
    let mut credits = Vec::new();
    let mut new_events = Vec::new();
    let mut period = period_of(opening);
    if opening.until(Month::of(through)) as usize > super::MAX_SCHEDULE_MONTHS {
        return Err(CoreError::InvalidInput {
            reason: format!(
                "interest is computed over at most {} months",
                super::MAX_SCHEDULE_MONTHS
            ),
        });
    }
    while period.last_day() <= through {
        if !credited(&events, period) {
            let (state, _) = fold(account, &events, through, None)?;
            let first = match account.scheme.credit_frequency {
                CreditFrequency::Monthly => period,
                CreditFrequency::Quarterly => period.prev().prev().max(opening),
            };
            let mut months = Vec::new();
            let mut total = 0;
            let mut m = first;
            while m <= period {
                let basis = month_basis(account, &state.timeline, m);
                let n = basis.checked_mul(num).ok_or(CoreError::Overflow {
                    context: "interest",
                })?;
                let interest = rounding.round_ratio(n, den, step)?;
                total += interest;
                months.push(InterestMonth {
                    month: m,
                    basis_balance: account.currency.money(basis)?,
                    interest: account.currency.money(interest)?,
                });
                m = m.next();
            }
            let amount = account.currency.money(total)?;
            if total > 0 {
                let key = format!("interest:{}:{period}", account.account_id);
                let event = SavingsEvent {
                    id: key.clone(),
                    sequence: next_sequence,
                    value_date: period.last_day(),
                    idempotency_key: key,
                    body: SavingsBody::InterestCredited { period, amount },
                };
                next_sequence = next_sequence.checked_add(1).ok_or_else(overflow)?;
                events.push(event.clone());
                new_events.push(event);
            }
            credits.push(InterestCredit {
                period,
                value_date: period.last_day(),
                months,
                amount,
            });
        }
        period = period_of(period.next());
    }
    Ok(InterestReport {
        account_id: account.account_id.clone(),
        through,
        annual_rate: account.scheme.annual_rate,
        interest_basis: account.scheme.interest_basis,
        credit_frequency: account.scheme.credit_frequency,
        credits,
        events: new_events,
    })
}

//! Bonus pools: a pool split flat or pro rata to savings, exactly (largest remainder).

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use super::SavingsBody;
use crate::error::{CoreError, Result};
use crate::money::{Currency, Money};

/// How a bonus pool is shared (decisions §16).
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BonusMethod {
    /// The same share for every recipient. The default.
    #[default]
    Flat,
    /// Shares proportional to each recipient's `basis` (its savings balance).
    ProRata,
}

/// A member receiving a share of a bonus pool.
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BonusRecipient {
    /// The member.
    pub member: String,
    /// The savings account credited.
    pub account: String,
    /// The weight of a pro-rata share (the savings balance), ≥ 0; ignored for flat shares.
    #[serde(default)]
    pub basis: Money,
}

/// One recipient's share.
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BonusPart {
    /// The member.
    pub member: String,
    /// The savings account credited.
    pub account: String,
    /// The share.
    pub amount: Money,
    /// Whether the share received one minor unit of the remainder.
    pub remainder_unit: bool,
    /// The savings event body that credits it (none for a zero share).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<SavingsBody>,
}

/// A distributed bonus pool: the parts always sum to the pool.
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BonusReport {
    /// The pool's id.
    pub bonus_id: String,
    /// The pool.
    pub pool: Money,
    /// Flat or pro rata.
    pub method: BonusMethod,
    /// One part per recipient, in the recipients' order.
    pub parts: Vec<BonusPart>,
    /// Σ parts (= the pool).
    pub total: Money,
}

/// Splits `pool` among `recipients`: each share is the exact share rounded down to the minor
/// unit, and the minor units left over go one each to the largest remainders (ties: the larger
/// basis, then the member id, then the account id). The parts sum to the pool exactly.
///
/// # Errors
/// `E_INVALID_AMOUNT` for a pool not above zero, a negative basis or pro-rata bases that are
/// all zero; `E_INVALID_INPUT` for no recipients, a blank id or a repeated (member, account);
/// the currency's amount errors.
///
/// # Example
/// ```
/// use windeep_core::{savings::BonusMethod, savings::BonusRecipient, Currency, savings::distribute_bonus};
/// let r = |m: &str| BonusRecipient { member: m.into(), account: format!("S{m}"),
///     basis: Default::default() };
/// let out = distribute_bonus("B1", "100".parse().unwrap(), BonusMethod::Flat,
///     &[r("M1"), r("M2"), r("M3")], &Currency::inr()).unwrap();
/// let parts: Vec<String> = out.parts.iter().map(|p| p.amount.to_string()).collect();
/// assert_eq!(parts, ["33.34", "33.33", "33.33"]);
/// ```
pub fn distribute_bonus(
    bonus_id: &str,
    pool: Money,
    method: BonusMethod,
    recipients: &[BonusRecipient],
    currency: &Currency,
) -> Result<BonusReport> {
    currency.validate()?;
    let p = currency.minor(pool)?;
    if p <= 0 {
        return Err(CoreError::InvalidAmount {
            reason: "a bonus pool must be greater than zero".to_owned(),
        });
    }
    if recipients.is_empty() || bonus_id.trim().is_empty() {
        return Err(CoreError::InvalidInput {
            reason: "a bonus needs an id and at least one recipient".to_owned(),
        });
    }
    let mut seen = BTreeSet::new();
    let mut weights = Vec::with_capacity(recipients.len());
    for r in recipients {
        if r.member.trim().is_empty()
            || r.account.trim().is_empty()
            || !seen.insert((r.member.as_str(), r.account.as_str()))
        {
            return Err(CoreError::InvalidInput {
                reason: format!(
                    "recipient {:?}/{:?} is blank or repeated",
                    r.member, r.account
                ),
            });
        }
        let w = match method {
            BonusMethod::Flat => 1,
            BonusMethod::ProRata => currency.minor(r.basis)?,
        };
        if w < 0 {
            return Err(CoreError::InvalidAmount {
                reason: format!("the basis of {} is negative", r.member),
            });
        }
        weights.push(w);
    }
    let total_weight: i128 = weights.iter().sum();
    if total_weight <= 0 {
        return Err(CoreError::InvalidAmount {
            reason: "every pro-rata basis is zero".to_owned(),
        });
    }
    let overflow = || CoreError::Overflow { context: "bonus" };
    let mut shares = Vec::with_capacity(weights.len());
    for &w in &weights {
        let n = p.checked_mul(w).ok_or_else(overflow)?;
        shares.push((n / total_weight, n % total_weight));
    }
    let given: i128 = shares.iter().map(|(s, _)| s).sum();
    let left = usize::try_from(p - given).map_err(|_| overflow())?;
    let mut order: Vec<usize> = (0..recipients.len()).collect();
    order.sort_by(|&a, &b| {
        let key = |i: usize| {
            (
                shares.get(i).map_or(0, |s| s.1),
                weights.get(i).copied().unwrap_or(0),
            )
        };
        key(b).cmp(&key(a)).then_with(|| {
            let (ra, rb) = (recipients.get(a), recipients.get(b));
            ra.map(|r| (&r.member, &r.account))
                .cmp(&rb.map(|r| (&r.member, &r.account)))
        })
    });
    let mut bump = vec![false; recipients.len()];
    for &i in order.iter().take(left) {
        if let Some(b) = bump.get_mut(i) {
            *b = true;
        }
    }
    let mut parts = Vec::with_capacity(recipients.len());
    let mut total = 0;
    for ((r, (share, _)), extra) in recipients.iter().zip(&shares).zip(bump) {
        let v = share + i128::from(extra);
        total += v;
        let amount = currency.money(v)?;
        parts.push(BonusPart {
            member: r.member.clone(),
            account: r.account.clone(),
            amount,
            remainder_unit: extra,
            body: (v > 0).then(|| SavingsBody::BonusCredited {
                bonus_id: bonus_id.to_owned(),
                amount,
            }),
        });
    }
    Ok(BonusReport {
        bonus_id: bonus_id.to_owned(),
        pool: currency.money(p)?,
        method,
        parts,
        total: currency.money(total)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pro_rata_parts_sum_to_the_pool() {
        let r = |m: &str, b: &str| BonusRecipient {
            member: m.into(),
            account: format!("S{m}"),
            basis: b.parse().unwrap(),
        };
        let out = distribute_bonus(
            "B",
            "1000".parse().unwrap(),
            BonusMethod::ProRata,
            &[
                r("A", "10000"),
                r("B", "20000"),
                r("C", "0.01"),
                r("D", "0"),
            ],
            &Currency::inr(),
        )
        .unwrap();
        let v: Vec<String> = out.parts.iter().map(|p| p.amount.to_string()).collect();
        // 1000 × 10000/30000.01 = 333.3332222… ; × 20000/… = 666.6664444… ; × 0.01/… = 0.000333…
        assert_eq!(v, ["333.33", "666.67", "0.00", "0.00"]);
        assert_eq!(out.total.to_string(), "1000.00");
        assert!(out.parts[3].body.is_none());
    }
}

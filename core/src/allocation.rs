//! Payment allocation: which dues a payment settles, in which order, and what is left over.
//!
//! The default waterfall (decisions §2, revised 2026-12-03) for a payment on date T is
//! horizontal: the oldest installment due on or before T first, its interest then its
//! principal, then the next due installment; then the fines of the due installments, oldest
//! first; then the not-yet-due installments (interest then principal, oldest first); then the
//! excess policy. A member who paid three EMIs in full is three EMIs current. Fines are never
//! paid before interest and principal in the default. Other orders (the vertical order among
//! them) are named presets. Money is conserved exactly: the lines plus the excess always equal
//! the payment.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::decimal::pad;
use crate::error::{CoreError, Result};
use crate::money::Money;

/// A component of what an installment owes.
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Component {
    /// Scheduled interest.
    Interest,
    /// Scheduled principal.
    Principal,
    /// Fine (penal charge) balance levied on the installment.
    Fine,
}

/// How dues across installments are walked.
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Style {
    /// Component by component across all due installments (all interest, then all principal …).
    Vertical,
    /// Installment by installment, each one's components in order, oldest first.
    Horizontal,
    /// Installment by installment (interest and principal in order), oldest first; the fines
    /// of all due installments after them, oldest first.
    HorizontalFinesLast,
}

/// A named allocation order.
///
/// # Example
/// ```
/// use windeep_core::allocation::AllocationPreset;
/// let p: AllocationPreset = serde_json::from_str("\"legacy_fine_first\"").unwrap();
/// assert_eq!(p, AllocationPreset::LegacyFineFirst);
/// let v: AllocationPreset = serde_json::from_str("\"vertical\"").unwrap();
/// assert_eq!(v, AllocationPreset::Vertical);
/// ```
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AllocationPreset {
    /// Horizontal with fines last (the default): per due installment oldest first, interest
    /// then principal; then the due installments' fines, oldest first.
    #[default]
    Default,
    /// Vertical: all due interest, then all due principal, then fines (the default before
    /// 2026-12-03).
    Vertical,
    /// Horizontal: per installment oldest first, interest, principal, fine.
    Horizontal,
    /// The legacy January 2026 order, fine before interest and principal (vertical). Kept only
    /// to show its effect side by side; it pays fines first, which the default never does.
    LegacyFineFirst,
    /// Fineract "mifos standard": horizontal, fine, interest, principal.
    FineractMifos,
    /// Fineract "principal, interest, penalties": horizontal.
    FineractPrincipalFirst,
}

impl AllocationPreset {
    /// The walking style and component order of the preset.
    #[must_use]
    pub fn order(self) -> (Style, [Component; 3]) {
        use Component::{Fine, Interest, Principal};
        match self {
            Self::Default => (Style::HorizontalFinesLast, [Interest, Principal, Fine]),
            Self::Vertical => (Style::Vertical, [Interest, Principal, Fine]),
            Self::Horizontal => (Style::Horizontal, [Interest, Principal, Fine]),
            Self::LegacyFineFirst => (Style::Vertical, [Fine, Interest, Principal]),
            Self::FineractMifos => (Style::Horizontal, [Fine, Interest, Principal]),
            Self::FineractPrincipalFirst => (Style::Horizontal, [Principal, Interest, Fine]),
        }
    }
}

/// What happens to money left after every due amount is settled (decisions §4).
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExcessPolicy {
    /// Pay the not-yet-due installments, oldest first, interest then principal; anything left
    /// after the last installment is held as member credit. The default.
    #[default]
    AdvanceNextInstallments,
    /// Prepay principal and re-amortise with a lower EMI.
    PrepayPrincipalReduceEmi,
    /// Prepay principal and re-amortise with fewer installments.
    PrepayPrincipalReduceTenure,
    /// Deposit the excess into the member's savings.
    CreditToSavings,
    /// Hold the excess as a credit of the member.
    HoldAsMemberCredit,
}

/// An allocation policy: the order and the excess rule.
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AllocationPolicy {
    /// The named order.
    pub preset: AllocationPreset,
    /// What happens to the excess.
    pub excess: ExcessPolicy,
}

/// What one installment still owes, per component.
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InstallmentDues {
    /// Installment number (1-based).
    pub installment: u32,
    /// Due date.
    #[serde(with = "crate::money::iso_date")]
    pub due_on: NaiveDate,
    /// Unpaid interest.
    pub interest: Money,
    /// Unpaid principal.
    pub principal: Money,
    /// Unpaid fine balance.
    #[serde(default)]
    pub fine: Money,
}

/// One amount applied to one component of one installment.
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct AllocationLine {
    /// Installment number.
    pub installment: u32,
    /// Component settled.
    pub component: Component,
    /// Amount applied (currency units).
    pub amount: Money,
}

/// The result of allocating a payment.
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Allocation {
    /// The policy that produced it.
    pub policy: AllocationPolicy,
    /// The installment the payment targeted, if any.
    pub target: Option<u32>,
    /// Amounts applied, in the order they were applied.
    pub lines: Vec<AllocationLine>,
    /// What was left after the dues the policy pays (its handling is `policy.excess`).
    pub excess: Money,
}

impl Allocation {
    /// Σ lines for one component.
    #[must_use]
    pub fn total(&self, component: Component) -> Money {
        Money::from_decimal(
            self.lines
                .iter()
                .filter(|l| l.component == component)
                .map(|l| l.amount.value())
                .sum(),
        )
    }
}

/// Dues of one installment in minor units, indexed by [`Component`] (interest, principal,
/// fine).
#[derive(Debug, Clone, Copy)]
pub(crate) struct MinorDue {
    pub(crate) installment: u32,
    pub(crate) due_on: NaiveDate,
    pub(crate) owed: [i128; 3],
}

impl MinorDue {
    fn owed(&self, c: Component) -> i128 {
        let [interest, principal, fine] = self.owed;
        match c {
            Component::Interest => interest,
            Component::Principal => principal,
            Component::Fine => fine,
        }
    }
}

/// Allocation lines in minor units: (installment, component, amount).
pub(crate) type MinorLines = Vec<(u32, Component, i128)>;

/// The waterfall in minor units over dues sorted by (due date, installment): the lines
/// `(installment, component, amount)` in order, and the excess. Stops as soon as the money is
/// used up.
pub(crate) fn allocate_minor(
    amount: i128,
    paid_on: NaiveDate,
    target: Option<u32>,
    dues: &[MinorDue],
    policy: AllocationPolicy,
) -> Result<(MinorLines, i128)> {
    let Some(k) = target else {
        return Ok(waterfall(amount, paid_on, dues, policy, Vec::new()));
    };
    let (style, order) = policy.preset.order();
    let i = dues
        .iter()
        .position(|d| d.installment == k)
        .ok_or(CoreError::UnknownInstallment { installment: k })?;
    // The targeted installment first (its fine too, unless the order pays fines last) …
    let mut left = amount;
    let mut lines = Vec::new();
    let mut rest = dues.to_vec();
    if let Some(d) = rest.get_mut(i) {
        for c in order {
            if c == Component::Fine && style == Style::HorizontalFinesLast {
                continue;
            }
            let slot = match c {
                Component::Interest => &mut d.owed[0],
                Component::Principal => &mut d.owed[1],
                Component::Fine => &mut d.owed[2],
            };
            let take = (*slot).min(left);
            if take > 0 {
                *slot -= take;
                left -= take;
                lines.push((k, c, take));
            }
        }
    }
    // … then the remainder as an untargeted payment: overdue dues before anything else, so
    // no money is held as credit while an installment is overdue (decisions §2, revised).
    if left == 0 {
        return Ok((lines, 0));
    }
    Ok(waterfall(left, paid_on, &rest, policy, lines))
}

/// The untargeted waterfall: `lines` so far, extended by what `amount` pays.
fn waterfall(
    amount: i128,
    paid_on: NaiveDate,
    dues: &[MinorDue],
    policy: AllocationPolicy,
    mut lines: MinorLines,
) -> (MinorLines, i128) {
    let (style, order) = policy.preset.order();
    let mut left = amount;
    let mut pay = |d: &MinorDue, c: Component, left: &mut i128| {
        let take = d.owed(c).min(*left);
        if take > 0 {
            *left -= take;
            lines.push((d.installment, c, take));
        }
    };
    let split = dues.partition_point(|d| d.due_on <= paid_on);
    let (due, future) = dues.split_at(split);
    match style {
        Style::Vertical => {
            for c in order {
                for d in due {
                    if left == 0 {
                        break;
                    }
                    pay(d, c, &mut left);
                }
            }
        }
        Style::Horizontal => {
            for d in due {
                for c in order {
                    pay(d, c, &mut left);
                }
            }
        }
        Style::HorizontalFinesLast => {
            for d in due {
                if left == 0 {
                    break;
                }
                for c in order.into_iter().filter(|&c| c != Component::Fine) {
                    pay(d, c, &mut left);
                }
            }
            for d in due {
                if left == 0 {
                    break;
                }
                pay(d, Component::Fine, &mut left);
            }
        }
    }
    if policy.excess == ExcessPolicy::AdvanceNextInstallments {
        for d in future {
            if left == 0 {
                break;
            }
            for c in [Component::Interest, Component::Principal, Component::Fine] {
                pay(d, c, &mut left);
            }
        }
    }
    (lines, left)
}

/// Allocates `amount` paid on `paid_on` over `dues` (any order; sorted by due date here).
///
/// Dues on or before `paid_on` are walked in the policy's order, then — under
/// [`ExcessPolicy::AdvanceNextInstallments`] — the later installments, oldest first, interest
/// then principal. A `target` installment is paid first (its components in the policy's order;
/// under the default its fine stays after the due installments), and whatever is left is
/// allocated as an untargeted payment, so a payment aimed at a paid or future installment
/// still pays what is overdue before anything becomes excess.
///
/// # Errors
/// `E_INVALID_AMOUNT` for a non-positive amount or a negative due; `E_UNKNOWN_INSTALLMENT` for
/// a target that is not in `dues`.
///
/// # Example
/// ```
/// use windeep_core::{allocation::allocate, allocation::AllocationPolicy, allocation::Component, allocation::InstallmentDues, parse_date};
/// let dues = [InstallmentDues { installment: 1, due_on: parse_date("2026-02-05").unwrap(),
///     interest: "3000".parse().unwrap(), principal: "5000".parse().unwrap(),
///     fine: "500".parse().unwrap() }];
/// let a = allocate("4000".parse().unwrap(), parse_date("2026-03-01").unwrap(), None, &dues,
///     AllocationPolicy::default()).unwrap();
/// assert_eq!(a.total(Component::Interest).to_string(), "3000");
/// assert_eq!(a.total(Component::Principal).to_string(), "1000");
/// assert_eq!(a.total(Component::Fine).to_string(), "0");
/// ```
pub fn allocate(
    amount: Money,
    paid_on: NaiveDate,
    target: Option<u32>,
    dues: &[InstallmentDues],
    policy: AllocationPolicy,
) -> Result<Allocation> {
    for d in dues {
        for (what, m) in [
            ("interest", d.interest),
            ("principal", d.principal),
            ("fine", d.fine),
        ] {
            if m.value() < rust_decimal::Decimal::ZERO {
                return Err(CoreError::InvalidAmount {
                    reason: format!(
                        "a due amount cannot be negative: installment {} {what} {m}",
                        d.installment
                    ),
                });
            }
        }
    }
    if amount.value() <= rust_decimal::Decimal::ZERO {
        return Err(CoreError::InvalidAmount {
            reason: format!("a payment must be greater than zero, got {amount}"),
        });
    }
    let scale = dues
        .iter()
        .flat_map(|d| [d.interest, d.principal, d.fine])
        .chain(std::iter::once(amount))
        .map(|m| m.value().scale())
        .max()
        .unwrap_or(0);
    let minor = |m: Money| -> Result<i128> { Ok(pad(m.value(), scale).mantissa()) };
    let mut sorted = dues
        .iter()
        .map(|d| {
            Ok(MinorDue {
                installment: d.installment,
                due_on: d.due_on,
                owed: [minor(d.interest)?, minor(d.principal)?, minor(d.fine)?],
            })
        })
        .collect::<Result<Vec<_>>>()?;
    sorted.sort_by_key(|d| (d.due_on, d.installment));
    let (lines, left) = allocate_minor(minor(amount)?, paid_on, target, &sorted, policy)?;
    let money = |v: i128| {
        rust_decimal::Decimal::try_from_i128_with_scale(v, scale)
            .map(Money::from_decimal)
            .map_err(|_| CoreError::Overflow {
                context: "allocation",
            })
    };
    Ok(Allocation {
        policy,
        target,
        lines: lines
            .into_iter()
            .map(|(installment, component, v)| {
                Ok(AllocationLine {
                    installment,
                    component,
                    amount: money(v)?,
                })
            })
            .collect::<Result<Vec<_>>>()?,
        excess: money(left)?,
    })
}

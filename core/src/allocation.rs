//! Payment allocation: which dues a payment settles, in which order, and what is left over.
//!
//! The default waterfall (decisions §2) for a payment on date T: the interest of every
//! installment due on or before T, oldest first; then their principal, oldest first; then
//! fines, oldest first; then the not-yet-due installments (interest then principal, oldest
//! first); then the excess policy. Fines are never paid before interest and principal in the
//! default. Other orders are named presets. Money is conserved exactly: the lines plus the
//! excess always equal the payment.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::error::{CoreError, Result};
use crate::money::Money;

/// A component of what an installment owes.
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Style {
    /// Component by component across all due installments (all interest, then all principal …).
    Vertical,
    /// Installment by installment, each one's components in order, oldest first.
    Horizontal,
}

/// A named allocation order.
///
/// # Example
/// ```
/// use windeep_core::AllocationPreset;
/// let p: AllocationPreset = serde_json::from_str("\"legacy_fine_first\"").unwrap();
/// assert_eq!(p, AllocationPreset::LegacyFineFirst);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AllocationPreset {
    /// Vertical: interest, principal, fines (RBI-style; the default).
    #[default]
    Default,
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
            Self::Default => (Style::Vertical, [Interest, Principal, Fine]),
            Self::Horizontal => (Style::Horizontal, [Interest, Principal, Fine]),
            Self::LegacyFineFirst => (Style::Vertical, [Fine, Interest, Principal]),
            Self::FineractMifos => (Style::Horizontal, [Fine, Interest, Principal]),
            Self::FineractPrincipalFirst => (Style::Horizontal, [Principal, Interest, Fine]),
        }
    }
}

/// What happens to money left after every due amount is settled (decisions §4).
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AllocationPolicy {
    /// The named order.
    pub preset: AllocationPreset,
    /// What happens to the excess.
    pub excess: ExcessPolicy,
}

/// What one installment still owes, per component.
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

impl InstallmentDues {
    fn get(&self, c: Component) -> Money {
        match c {
            Component::Interest => self.interest,
            Component::Principal => self.principal,
            Component::Fine => self.fine,
        }
    }
}

/// One amount applied to one component of one installment.
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

/// Allocates `amount` paid on `paid_on` over `dues` (any order; sorted by due date here).
///
/// A `target` installment receives the whole payment (its components in the policy's order)
/// and the rest is excess. Otherwise dues on or before `paid_on` are walked in the policy's
/// order, then — under [`ExcessPolicy::AdvanceNextInstallments`] — the later installments,
/// oldest first, interest then principal.
///
/// # Errors
/// `E_INVALID_AMOUNT` for a non-positive amount; `E_UNKNOWN_INSTALLMENT` for a target that is
/// not in `dues`.
///
/// # Example
/// ```
/// use windeep_core::{allocate, AllocationPolicy, Component, InstallmentDues, parse_date};
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
    if amount.value() <= rust_decimal::Decimal::ZERO {
        return Err(CoreError::InvalidAmount {
            reason: format!("a payment must be greater than zero, got {amount}"),
        });
    }
    let mut sorted: Vec<InstallmentDues> = dues.to_vec();
    sorted.sort_by_key(|d| (d.due_on, d.installment));
    let (style, order) = policy.preset.order();
    let mut left = amount.value();
    let mut lines = Vec::new();
    let mut pay = |d: &InstallmentDues, c: Component, left: &mut rust_decimal::Decimal| {
        let owed = d.get(c).value();
        let take = owed.min(*left);
        if take > rust_decimal::Decimal::ZERO {
            *left -= take;
            lines.push(AllocationLine {
                installment: d.installment,
                component: c,
                amount: Money::from_decimal(take),
            });
        }
    };
    if let Some(k) = target {
        let d = sorted
            .iter()
            .find(|d| d.installment == k)
            .ok_or(CoreError::UnknownInstallment { installment: k })?;
        for c in order {
            pay(d, c, &mut left);
        }
    } else {
        let (due, future): (Vec<_>, Vec<_>) = sorted.iter().partition(|d| d.due_on <= paid_on);
        match style {
            Style::Vertical => {
                for c in order {
                    for d in &due {
                        pay(d, c, &mut left);
                    }
                }
            }
            Style::Horizontal => {
                for d in &due {
                    for c in order {
                        pay(d, c, &mut left);
                    }
                }
            }
        }
        if policy.excess == ExcessPolicy::AdvanceNextInstallments {
            for d in &future {
                for c in [Component::Interest, Component::Principal, Component::Fine] {
                    pay(d, c, &mut left);
                }
            }
        }
    }
    Ok(Allocation {
        policy,
        target,
        lines,
        excess: Money::from_decimal(left),
    })
}

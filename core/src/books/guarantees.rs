//! A member's standing guarantees: what the loan approval reads about a guarantor's exposure
//! (`Guarantor::active_guarantees`, `Guarantor::current_liability`), from the loans themselves.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Serialize;

use super::snapshot::BookLoan;
use crate::account::{EventBody, replay};
use crate::decimal::add;
use crate::error::Result;
use crate::money::Money;

/// One loan a member guarantees and has not been released from.
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GuaranteedLoan {
    /// The loan.
    pub loan_id: String,
    /// The borrower.
    pub borrower: String,
    /// What the guarantee stands behind: outstanding principal + interest due, or for a
    /// written-off loan the claim still owed.
    pub liability: Money,
}

/// A member's guarantees as of a date.
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GuarantorExposure {
    /// The guarantor.
    pub member: String,
    /// The date.
    #[serde(with = "crate::money::iso_date")]
    pub as_of: NaiveDate,
    /// Guarantees not released: loans disbursed on or before the date that name the member as
    /// a guarantor and whose closure (if any) has not released them.
    pub active_guarantees: u32,
    /// Σ liability of those loans.
    pub current_liability: Money,
    /// The loans, in the order given.
    pub loans: Vec<GuaranteedLoan>,
}

/// The guarantees `member` stands in on `as_of`: every loan disbursed by then whose
/// disbursement names the member as a guarantor and that has not released them (a repaid,
/// foreclosed, topped-up or settled loan releases its guarantors; a write-off keeps them bound
/// to the claim still owed). A loan's liability is its outstanding principal + interest due,
/// or for a written-off loan the claim still owed (decisions §20).
///
/// # Example
/// ```
/// use windeep_core::books::guarantor_exposure;
/// let e = guarantor_exposure(&[], "M-0007", windeep_core::parse_date("2026-05-01").unwrap())
///     .unwrap();
/// assert_eq!((e.active_guarantees, e.current_liability.to_string().as_str()), (0, "0.00"));
/// ```
///
/// # Errors
/// As [`replay`] for any loan's events.
pub fn guarantor_exposure(
    loans: &[BookLoan],
    member: &str,
    as_of: NaiveDate,
) -> Result<GuarantorExposure> {
    let mut out = Vec::new();
    let mut total = Decimal::new(0, 2);
    for loan in loans {
        let Some((loan_id, on)) = loan.events.iter().find_map(|e| match &e.body {
            EventBody::Disbursed {
                loan_id,
                guarantors,
                ..
            } if guarantors.iter().any(|g| g == member) => Some((loan_id, e.value_date)),
            _ => None,
        }) else {
            continue;
        };
        if on > as_of {
            continue;
        }
        let state = replay(&loan.events, as_of)?.state;
        if state
            .closure
            .as_ref()
            .is_some_and(|c| c.guarantors_released.iter().any(|g| g == member))
        {
            continue;
        }
        let liability = match &state.write_off {
            Some(w) => w.still_owed.value(),
            None => add(
                state.outstanding_principal.value(),
                state.interest_due.value(),
                "a guaranteed loan's liability",
            )?,
        };
        total = add(total, liability, "a guarantor's liability")?;
        out.push(GuaranteedLoan {
            loan_id: loan_id.clone(),
            borrower: loan.member.clone(),
            liability: Money::from_decimal(liability),
        });
    }
    Ok(GuarantorExposure {
        member: member.to_owned(),
        as_of,
        active_guarantees: u32::try_from(out.len()).unwrap_or(u32::MAX),
        current_liability: Money::from_decimal(total),
        loans: out,
    })
}

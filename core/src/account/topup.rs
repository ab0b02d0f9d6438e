//! A top-up in one step: the parent's closing `topped_up` event and the new loan's
//! `disbursed` event, from the parent's events and the new loan's own terms (decisions §11).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::events::{AccountPolicy, EventBody, LoanEvent};
use super::views::TopUpQuote;
use super::{fold, replay, topup_quote_restructured};
use crate::calendar::fixed_due_day;
use crate::error::{CoreError, Result};
use crate::money::{Money, Rate};
use crate::schedule::{LoanTerms, ProcessingFee};

/// What the new loan of a top-up chooses for itself; everything else of its terms (method,
/// frequency, day count, broken period, rounding, currency, schedule limits, APR places) is
/// the parent's, its principal is the quote's `new_principal` and it is disbursed on the
/// top-up date.
///
/// # Example
/// ```
/// let t: windeep_core::account::TopUpTerms = serde_json::from_str(r#"{"annual_rate": "12",
///     "tenure": 24, "first_due_on": "2026-09-05"}"#).unwrap();
/// assert_eq!(t.tenure, 24);
/// ```
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TopUpTerms {
    /// Nominal rate of the new loan, percent per annum.
    pub annual_rate: Rate,
    /// Number of installments of the new loan.
    pub tenure: u32,
    /// The new loan's first due date.
    #[serde(with = "crate::money::iso_date")]
    pub first_due_on: NaiveDate,
    /// Day of month every due date is snapped to (none by default).
    #[serde(default, with = "fixed_due_day")]
    #[cfg_attr(
        feature = "schemars",
        schemars(with = "Option<crate::calendar::fixed_due_day::Day>")
    )]
    pub fixed_due_day: Option<u32>,
    /// The new loan's processing fee, if any.
    #[serde(default)]
    pub processing_fee: Option<ProcessingFee>,
}

/// The `loan_topup` operation's input: the parent's events and the new loan.
///
/// # Example
/// ```
/// let r: windeep_core::account::TopUpRequest = serde_json::from_str(r#"{"events": [],
///     "on": "2026-08-05", "amount": "40000", "new_loan_id": "LN2",
///     "terms": {"annual_rate": "12", "tenure": 24, "first_due_on": "2026-09-05"}}"#).unwrap();
/// assert!(r.policy.is_none() && r.guarantors.is_none());
/// ```
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TopUpRequest {
    /// The parent loan's events, in stored order.
    pub events: Vec<LoanEvent>,
    /// The top-up date: the parent closes and the new loan is disbursed on it.
    #[serde(with = "crate::money::iso_date")]
    pub on: NaiveDate,
    /// The new money lent, currency units, > 0.
    pub amount: Money,
    /// The new loan's id (not the parent's).
    pub new_loan_id: String,
    /// The new loan's own terms.
    pub terms: TopUpTerms,
    /// The new loan's account rules; none: the parent's.
    #[serde(default)]
    pub policy: Option<AccountPolicy>,
    /// The new loan's guarantors; none: the parent's.
    #[serde(default)]
    pub guarantors: Option<Vec<String>>,
    /// The reason of an explicit restructure (an NPA parent needs one).
    #[serde(default)]
    pub restructure: Option<String>,
}

/// A top-up: the quote, the parent's closing event body and the new loan's disbursement.
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TopUp {
    /// What the top-up settles and where the new loan starts.
    pub quote: TopUpQuote,
    /// The body to append to the parent (`topped_up`), dated `on`.
    pub topped_up: EventBody,
    /// The first event body of the new loan (`disbursed`), dated `on`.
    pub disbursed: EventBody,
}

/// A top-up in one step: checks the parent's eligibility (as [`topup_quote_restructured`]),
/// builds the parent's `topped_up` event and the new loan's `disbursed` event (principal =
/// the parent's outstanding principal + `amount`, disbursed on `on`, the parent's conventions
/// with the new rate, tenure and first due date), and checks that both are admitted: the
/// parent closes as `topup` and the new loan's schedule is valid. Appending both in one
/// transaction is the caller's part.
///
/// # Example
/// ```
/// use windeep_core::account::{TopUpRequest, topup};
/// let r: TopUpRequest = serde_json::from_str(r#"{"events": [], "on": "2026-08-05",
///     "amount": "40000", "new_loan_id": "LN2",
///     "terms": {"annual_rate": "12", "tenure": 24, "first_due_on": "2026-09-05"}}"#).unwrap();
/// assert_eq!(topup(&r).unwrap_err().code(), "E_INVALID_EVENT"); // no disbursement
/// ```
///
/// # Errors
/// As [`topup_quote_restructured`]; `E_BLANK_IDENTIFIER` for a blank `new_loan_id`;
/// `E_INVALID_INPUT` when it is the parent's id; the schedule's errors for the new terms.
pub fn topup(request: &TopUpRequest) -> Result<TopUp> {
    let on = request.on;
    let (parent, _) = fold(&request.events, on, false)?;
    let parent_id = parent.loan_id.clone();
    let new_id = request.new_loan_id.trim();
    if new_id.is_empty() {
        return Err(CoreError::BlankIdentifier {
            field: "new_loan_id",
        });
    }
    if new_id != request.new_loan_id || new_id == parent_id {
        return Err(CoreError::InvalidInput {
            reason: "new_loan_id must be a new loan's id, without surrounding spaces, not the \
                     parent's"
                .to_owned(),
        });
    }
    let quote = topup_quote_restructured(
        &request.events,
        on,
        request.amount,
        request.restructure.as_deref(),
    )?;
    let Some((old_terms, old_policy, old_guarantors)) =
        request.events.iter().find_map(|e| match &e.body {
            EventBody::Disbursed {
                terms,
                policy,
                guarantors,
                ..
            } => Some((terms, policy, guarantors)),
            _ => None,
        })
    else {
        return Err(CoreError::InvalidEvent {
            reason: "the parent has no disbursement".to_owned(),
        });
    };
    let t = &request.terms;
    let terms = LoanTerms {
        principal: quote.new_principal,
        annual_rate: t.annual_rate,
        tenure: t.tenure,
        disbursed_on: on,
        first_due_on: t.first_due_on,
        fixed_due_day: t.fixed_due_day,
        principal_grace: 0,
        interest_grace: 0,
        processing_fee: t.processing_fee,
        apr: true,
        ..(**old_terms).clone()
    };
    let topped_up = EventBody::ToppedUp {
        new_loan_id: new_id.to_owned(),
        restructure: request.restructure.clone(),
    };
    let disbursed = EventBody::Disbursed {
        loan_id: new_id.to_owned(),
        terms: Box::new(terms),
        policy: request.policy.clone().unwrap_or_else(|| old_policy.clone()),
        guarantors: request
            .guarantors
            .clone()
            .unwrap_or_else(|| old_guarantors.clone()),
        // The request names no bank line for the net proceeds.
        bank_transaction: None,
    };
    // Both events must be admitted: the parent closes into the new loan, and the new loan
    // opens on valid terms.
    let last = request.events.iter().map(|e| e.sequence).max().unwrap_or(0);
    let mut parent_events = request.events.clone();
    parent_events.push(LoanEvent {
        id: format!("{parent_id}/topup"),
        sequence: last.saturating_add(1),
        value_date: on,
        idempotency_key: format!("topup:{parent_id}:{new_id}"),
        prev_hash: None,
        hash: None,
        body: topped_up.clone(),
    });
    let closed = replay(&parent_events, on)?;
    if closed.state.status != "topped_up" {
        return Err(CoreError::InvalidEvent {
            reason: "the parent did not close into the top-up".to_owned(),
        });
    }
    let opened = LoanEvent {
        id: format!("{new_id}/disbursed"),
        sequence: 1,
        value_date: on,
        idempotency_key: format!("disburse:{new_id}"),
        prev_hash: None,
        hash: None,
        body: disbursed.clone(),
    };
    replay(std::slice::from_ref(&opened), on)?;
    Ok(TopUp {
        quote,
        topped_up,
        disbursed,
    })
}

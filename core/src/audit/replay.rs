//! What the audit derives from a loan's payments: the figures of the account as of the audit
//! date, by one of two routes that give the same figures.
//!
//! * [`fold`] turns the payments into loan events (`docs/account.md`) and runs the account's
//!   fold: every rule of the account applies, and every refusal is its own.
//! * [`direct`] covers the common case — plain payments on an untouched schedule, all accepted
//!   — without building events: it walks the payments in the fold's order and allocates each
//!   one with the account's own allocation ([`allocate_minor`] under the default
//!   [`AccountPolicy`]), as the fold does. Whenever the fold would refuse something (a payment
//!   before the disbursement, an amount the currency refuses, an unknown target, a payment
//!   after the loan closed, an audit date before the disbursement) it gives up and returns
//!   `None`, so that the fold is run and its refusal reported.
//!
//! The audit tries [`direct`] first; `audit/equivalence_tests.rs` checks on random legacy loans
//! that both routes give identical audits.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::account::{AccountPolicy, EventBody, InstallmentStatus, LoanEvent, LoanState};
use crate::allocation::{Component, MinorDue, allocate_minor};
use crate::error::CoreError;
use crate::money::Money;
use crate::schedule::{LoanTerms, Schedule};

/// A payment as the replay applies it: principal + interest of a legacy payment row.
#[derive(Debug, Clone, Copy)]
pub(super) struct Payment {
    /// The payment's place in (date, id) order, from 1: the event's sequence and id.
    pub(super) sequence: u64,
    /// Value date.
    pub(super) on: NaiveDate,
    /// Principal + interest components.
    pub(super) amount: Money,
    /// The targeted installment number (0 for an id that is not one of the loan's rows).
    pub(super) target: Option<u32>,
}

/// What the audit compares for one installment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct RowFigures {
    /// Installment number.
    pub(super) number: u32,
    /// Principal paid.
    pub(super) principal_paid: Money,
    /// Interest paid.
    pub(super) interest_paid: Money,
    /// Status as of the audit date.
    pub(super) status: InstallmentStatus,
}

/// What the audit compares for the loan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Replayed {
    /// Principal not yet repaid.
    pub(super) outstanding_principal: Money,
    /// Unpaid interest of every installment, due and future (`None` if the sum overflows).
    pub(super) unpaid_interest: Option<Money>,
    /// The installments in schedule order.
    pub(super) installments: Vec<RowFigures>,
}

impl Replayed {
    fn from_state(state: &LoanState) -> Self {
        Self {
            outstanding_principal: state.outstanding_principal,
            unpaid_interest: state
                .interest_due
                .value()
                .checked_add(state.future_interest.value())
                .map(Money::from_decimal),
            installments: state
                .installments
                .iter()
                .map(|v| RowFigures {
                    number: v.number,
                    principal_paid: v.principal_paid,
                    interest_paid: v.interest_paid,
                    status: v.status,
                })
                .collect(),
        }
    }
}

/// The payments as loan events after the disbursement on `terms`, folded by the account as of
/// `as_of`.
pub(super) fn fold(
    loan_id: &str,
    terms: LoanTerms,
    schedule: &Schedule,
    payments: &[Payment],
    as_of: NaiveDate,
) -> Result<Replayed, CoreError> {
    let mut events = Vec::with_capacity(payments.len() + 1);
    events.push(LoanEvent {
        id: "disbursed".to_owned(),
        sequence: 0,
        value_date: terms.disbursed_on,
        idempotency_key: "disbursed".to_owned(),
        prev_hash: None,
        hash: None,
        body: EventBody::Disbursed {
            loan_id: loan_id.to_owned(),
            terms: Box::new(terms),
            policy: AccountPolicy::default(),
            guarantors: Vec::new(),
            bank_transaction: None,
        },
    });
    for p in payments {
        // Ids and keys only need to be unique within the loan: the sequence is.
        let id = p.sequence.to_string();
        events.push(LoanEvent {
            id: id.clone(),
            sequence: p.sequence,
            value_date: p.on,
            idempotency_key: id,
            prev_hash: None,
            hash: None,
            body: EventBody::PaymentReceived {
                amount: p.amount,
                installment: p.target,
                payment_mode: None,
                bank_transaction: None,
            },
        });
    }
    crate::account::state_as_of(&events, as_of, schedule).map(|s| Replayed::from_state(&s))
}

/// One installment of the direct replay, in minor units.
#[derive(Debug, Clone, Copy)]
struct Row {
    number: u32,
    due_on: NaiveDate,
    principal: i128,
    interest: i128,
    principal_paid: i128,
    interest_paid: i128,
}

impl Row {
    fn unpaid_interest(&self) -> i128 {
        self.interest - self.interest_paid
    }

    fn unpaid_principal(&self) -> i128 {
        self.principal - self.principal_paid
    }

    fn settled(&self) -> bool {
        self.unpaid_interest() == 0 && self.unpaid_principal() == 0
    }

    /// The account's status of the installment (`docs/account.md`, "State as of a date").
    fn status(&self, as_of: NaiveDate) -> InstallmentStatus {
        InstallmentStatus::of_regular(
            self.unpaid_interest() + self.unpaid_principal(),
            self.interest_paid + self.principal_paid,
            self.due_on,
            as_of,
        )
    }
}

/// The figures of [`fold`] for `payments` (in (date, sequence) order) without building events,
/// or `None` where the fold would refuse something (the caller then runs [`fold`]).
pub(super) fn direct(
    terms: &LoanTerms,
    schedule: &Schedule,
    payments: &[Payment],
    as_of: NaiveDate,
) -> Option<Replayed> {
    if as_of < terms.disbursed_on {
        return None;
    }
    let scale = terms.currency.minor_units();
    let mut rows: Vec<Row> = schedule
        .installments
        .iter()
        .map(|r| Row {
            number: r.number,
            due_on: r.due_on,
            principal: r.principal.value().mantissa(),
            interest: r.interest.value().mantissa(),
            principal_paid: 0,
            interest_paid: 0,
        })
        .collect();
    let policy = AccountPolicy::default().allocation;
    let mut dues = Vec::with_capacity(rows.len() + 1);
    let mut closed = false;
    let mut credit: i128 = 0;
    for p in payments.iter().take_while(|p| p.on <= as_of) {
        if p.on < terms.disbursed_on || closed {
            return None;
        }
        let amount = terms.currency.amount(p.amount).ok()?.value();
        if amount <= Decimal::ZERO {
            return None;
        }
        open_dues(&rows, p.target, &mut dues)?;
        let (lines, excess) =
            allocate_minor(amount.mantissa(), p.on, p.target, &dues, policy).ok()?;
        for (installment, component, v) in lines {
            let row = rows.iter_mut().find(|r| r.number == installment)?;
            match component {
                Component::Interest => row.interest_paid += v,
                Component::Principal => row.principal_paid += v,
                // No fine is levied in the replay, so none can be paid.
                Component::Fine => return None,
            }
        }
        // The default excess policy holds what is left as member credit.
        credit = credit.checked_add(excess)?;
        closed = rows.iter().all(Row::settled);
    }
    figures(&rows, scale, credit, as_of)
}

/// The dues of the installments that still owe something, in schedule order, as the account
/// builds them for an allocation; a target that owes nothing is added with nothing owed.
/// `None` for a target that is not an installment.
fn open_dues(rows: &[Row], target: Option<u32>, dues: &mut Vec<MinorDue>) -> Option<()> {
    dues.clear();
    dues.extend(rows.iter().filter(|r| !r.settled()).map(|r| MinorDue {
        installment: r.number,
        due_on: r.due_on,
        owed: [r.unpaid_interest(), r.unpaid_principal(), 0],
    }));
    if let Some(k) = target
        && !dues.iter().any(|d| d.installment == k)
    {
        let row = rows.iter().find(|r| r.number == k)?;
        dues.push(MinorDue {
            installment: k,
            due_on: row.due_on,
            owed: [0, 0, 0],
        });
    }
    Some(())
}

/// The figures of the replayed rows as of `as_of`; `None` where the account's view would
/// refuse an amount it cannot represent.
fn figures(rows: &[Row], scale: u32, credit: i128, as_of: NaiveDate) -> Option<Replayed> {
    let m = |minor: i128| {
        Decimal::try_from_i128_with_scale(minor, scale)
            .ok()
            .map(Money::from_decimal)
    };
    m(credit)?;
    let mut installments = Vec::with_capacity(rows.len());
    let (mut principal, mut interest) = (0_i128, 0_i128);
    for r in rows {
        principal = principal.checked_add(r.unpaid_principal())?;
        interest = interest.checked_add(r.unpaid_interest())?;
        installments.push(RowFigures {
            number: r.number,
            principal_paid: m(r.principal_paid)?,
            interest_paid: m(r.interest_paid)?,
            status: r.status(as_of),
        });
    }
    Some(Replayed {
        outstanding_principal: m(principal)?,
        unpaid_interest: Some(m(interest)?),
        installments,
    })
}

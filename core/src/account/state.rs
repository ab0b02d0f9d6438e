//! The state a loan account folds its events into (the fold: each event's admission,
//! payments, allocation, closure); restructures, quotes and views have their own modules.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::EventOutcome;
use super::events::{AccountPolicy, EventBody, LoanEvent, PartPaymentMode};
use super::views::{Closure, ClosureType};
use crate::allocation::{
    Allocation, AllocationLine, Component, ExcessPolicy, MinorDue, allocate_minor,
};
use crate::error::{CoreError, Result};
use crate::money::{Money, Rate};
use crate::schedule::{Amortizer, LoanTerms, Method, Schedule, generate_schedule};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum RowKind {
    Regular,
    Skipped,
    InterestOnly,
}

/// One installment, amounts in minor units.
#[derive(Debug, Clone)]
pub(super) struct Row {
    pub(super) number: u32,
    pub(super) due_on: NaiveDate,
    pub(super) principal: i128,
    pub(super) interest: i128,
    pub(super) kind: RowKind,
    pub(super) principal_paid: i128,
    pub(super) interest_paid: i128,
    pub(super) principal_waived: i128,
    pub(super) interest_waived: i128,
    /// Future interest cancelled by a foreclosure, top-up or write-off (not a waiver).
    pub(super) interest_cancelled: i128,
    /// Dues written off (still a claim on the member, recovered at the loan level).
    pub(super) principal_written_off: i128,
    pub(super) interest_written_off: i128,
    pub(super) deferred_principal: i128,
    /// The value date of the event that left nothing unpaid (per-day fines stop there).
    pub(super) settled_on: Option<NaiveDate>,
}

impl Row {
    /// A regular installment of `principal` and `interest` (minor units) with nothing paid,
    /// waived, cancelled or written off yet.
    pub(super) fn regular(number: u32, due_on: NaiveDate, principal: i128, interest: i128) -> Self {
        Self {
            number,
            due_on,
            principal,
            interest,
            kind: RowKind::Regular,
            principal_paid: 0,
            interest_paid: 0,
            principal_waived: 0,
            interest_waived: 0,
            interest_cancelled: 0,
            principal_written_off: 0,
            interest_written_off: 0,
            deferred_principal: 0,
            settled_on: None,
        }
    }

    pub(super) fn unpaid_interest(&self) -> i128 {
        self.interest
            - self.interest_paid
            - self.interest_waived
            - self.interest_cancelled
            - self.interest_written_off
    }
    pub(super) fn unpaid_principal(&self) -> i128 {
        self.principal - self.principal_paid - self.principal_waived - self.principal_written_off
    }
    pub(super) fn untouched(&self) -> bool {
        self.principal_paid == 0
            && self.interest_paid == 0
            && self.principal_waived == 0
            && self.interest_waived == 0
            && self.interest_cancelled == 0
            && self.principal_written_off == 0
            && self.interest_written_off == 0
    }
}

#[derive(Debug, Clone)]
pub(super) struct Fine {
    pub(super) installment: u32,
    pub(super) rule_id: String,
    pub(super) occurrence: u32,
    pub(super) amount: i128,
    pub(super) paid: i128,
    pub(super) waived: i128,
    /// Written off with the loan (still a claim).
    pub(super) written_off: i128,
}

impl Fine {
    pub(super) fn balance(&self) -> i128 {
        self.amount - self.paid - self.waived - self.written_off
    }
}

pub(super) const LIMIT_ROWS: usize = 10_000;

/// Cumulative amounts of one loan at a date, in minor units: what the books post from (the
/// difference across an event is what the event moved). "Due" means installments due on or
/// before the date, "ahead" the later ones.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Figures {
    pub(crate) principal_paid: i128,
    pub(crate) principal_waived: i128,
    pub(crate) prepaid: i128,
    pub(crate) capitalised: i128,
    pub(crate) interest_paid_due: i128,
    pub(crate) interest_paid_ahead: i128,
    pub(crate) interest_waived_due: i128,
    pub(crate) interest_waived_ahead: i128,
    pub(crate) interest_due_unpaid: i128,
    pub(crate) fines_levied: i128,
    pub(crate) fines_paid: i128,
    pub(crate) fines_waived: i128,
    pub(crate) member_credit: i128,
    pub(crate) savings_credit: i128,
    pub(crate) outstanding: i128,
    /// Payments received on the loan after its write-off (bad debts recovered).
    pub(crate) recovered: i128,
}

/// One installment's amounts (minor units), for portfolio reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RowFigures {
    pub(crate) number: u32,
    pub(crate) due_on: NaiveDate,
    pub(crate) principal: i128,
    pub(crate) interest: i128,
    pub(crate) paid: i128,
    pub(crate) waived: i128,
}

/// The mutable fold state of one loan.
#[derive(Clone)]
pub(crate) struct Account {
    pub(super) loan_id: String,
    pub(super) terms: LoanTerms,
    pub(super) rate: Rate,
    pub(super) amort: Amortizer,
    pub(super) policy: AccountPolicy,
    pub(super) guarantors: Vec<String>,
    pub(super) rows: Vec<Row>,
    pub(super) fines: Vec<Fine>,
    pub(super) principal: i128,
    /// The level EMI in force, minor units: the schedule's, or the last re-amortisation's.
    pub(super) emi: i128,
    pub(super) capitalised: i128,
    pub(super) prepaid: i128,
    pub(super) member_credit: i128,
    pub(super) savings_credit: i128,
    pub(super) skips: u32,
    pub(super) interest_only: u32,
    pub(super) closure: Option<Closure>,
    /// Received after a write-off (minor units).
    pub(super) recovered: i128,
    /// Waived by a `settled` compromise.
    pub(super) settlement_waived: i128,
    /// The write-off's value date.
    pub(super) written_off_on: Option<NaiveDate>,
    /// Floating rate (the product's term, or set by the first rate reset): no foreclosure or
    /// prepayment charge.
    pub(super) floating: bool,
    /// Flagged restructured: (date, reason) of the first explicit restructure.
    pub(super) restructured: Option<(NaiveDate, String)>,
    /// The first payment received on or after the restructure (its performance period runs
    /// from there).
    pub(super) first_payment_after_restructure: Option<NaiveDate>,
    /// Whether outcomes (allocations) are recorded.
    pub(super) record: bool,
    /// Processing fee, upfront interest and net disbursement of the schedule.
    pub(super) fee: i128,
    pub(super) upfront: i128,
    pub(super) net: i128,
}

pub(super) fn money(minor: i128, scale: u32) -> Result<Money> {
    Decimal::try_from_i128_with_scale(minor, scale)
        .map(Money::from_decimal)
        .map_err(|_| CoreError::Overflow { context: "amount" })
}

impl Account {
    pub(super) fn open(
        loan_id: &str,
        terms: &LoanTerms,
        policy: &AccountPolicy,
        guarantors: &[String],
        record: bool,
    ) -> Result<Self> {
        let schedule = generate_schedule(terms)?;
        Self::from_schedule(loan_id, terms, &schedule, policy, guarantors, record)
    }

    /// Opens the account on `schedule`, which must be the schedule of `terms`.
    pub(super) fn from_schedule(
        loan_id: &str,
        terms: &LoanTerms,
        schedule: &Schedule,
        policy: &AccountPolicy,
        guarantors: &[String],
        record: bool,
    ) -> Result<Self> {
        policy.validate()?;
        let amort = Amortizer::new(terms, terms.annual_rate)?;
        let rows = schedule
            .installments
            .iter()
            .map(|r| {
                Row::regular(
                    r.number,
                    r.due_on,
                    r.principal.value().mantissa(),
                    r.interest.value().mantissa(),
                )
            })
            .collect();
        Ok(Self {
            loan_id: loan_id.to_owned(),
            terms: terms.clone(),
            rate: terms.annual_rate,
            amort,
            policy: policy.clone(),
            guarantors: guarantors.to_vec(),
            rows,
            fines: Vec::new(),
            principal: schedule.principal.value().mantissa(),
            emi: schedule
                .emi
                .or_else(|| schedule.installments.first().map(|r| r.installment))
                .map_or(0, |e| e.value().mantissa()),
            capitalised: 0,
            prepaid: 0,
            member_credit: 0,
            savings_credit: 0,
            skips: 0,
            interest_only: 0,
            closure: None,
            recovered: 0,
            settlement_waived: 0,
            written_off_on: None,
            floating: policy.floating,
            restructured: None,
            first_payment_after_restructure: None,
            record,
            fee: schedule.processing_fee.value().mantissa(),
            upfront: schedule.upfront_interest.value().mantissa(),
            net: schedule.net_disbursement.value().mantissa(),
        })
    }

    /// (principal disbursed, processing fee, upfront interest, net disbursement).
    pub(crate) fn disbursement(&self) -> (i128, i128, i128, i128) {
        (self.principal, self.fee, self.upfront, self.net)
    }

    /// The loan's id.
    pub(crate) fn loan_id(&self) -> &str {
        &self.loan_id
    }

    /// An amount in minor units as money of the loan's currency.
    pub(crate) fn money_of(&self, minor: i128) -> Result<Money> {
        self.m(minor)
    }

    /// The closure, once closed.
    pub(crate) fn closure(&self) -> Option<&Closure> {
        self.closure.as_ref()
    }

    /// The due date of installment `k`.
    pub(crate) fn due_on(&self, k: u32) -> Option<NaiveDate> {
        self.rows.iter().find(|r| r.number == k).map(|r| r.due_on)
    }

    /// Installments due after `after` and on or before `upto` with unpaid interest:
    /// (number, due date, unpaid interest).
    pub(crate) fn unpaid_interest_due(
        &self,
        after: Option<NaiveDate>,
        upto: NaiveDate,
    ) -> Vec<(u32, NaiveDate, i128)> {
        self.rows
            .iter()
            .filter(|r| after.is_none_or(|a| r.due_on > a) && r.due_on <= upto)
            .map(|r| (r.number, r.due_on, r.unpaid_interest()))
            .collect()
    }

    /// The due date of the oldest installment with principal or interest unpaid, whatever its
    /// due date (the loan's DPD at the day-end of `d` is `d` − that date when it is before `d`).
    pub(crate) fn oldest_unpaid_due(&self) -> Option<NaiveDate> {
        self.rows
            .iter()
            .filter(|r| r.unpaid_interest() + r.unpaid_principal() > 0)
            .map(|r| r.due_on)
            .min()
    }

    /// Every installment's amounts.
    pub(crate) fn row_figures(&self) -> Vec<RowFigures> {
        self.rows
            .iter()
            .map(|r| RowFigures {
                number: r.number,
                due_on: r.due_on,
                principal: r.principal,
                interest: r.interest,
                paid: r.principal_paid + r.interest_paid,
                waived: r.principal_waived
                    + r.interest_waived
                    + r.interest_cancelled
                    + r.principal_written_off
                    + r.interest_written_off,
            })
            .collect()
    }

    /// The cumulative figures as of `date`.
    pub(crate) fn figures(&self, date: NaiveDate) -> Figures {
        let mut f = Figures {
            prepaid: self.prepaid,
            capitalised: self.capitalised,
            member_credit: self.member_credit,
            savings_credit: self.savings_credit,
            recovered: self.recovered,
            ..Figures::default()
        };
        // The books see cancelled and written-off amounts as no longer receivable, like
        // waived ones; recoveries post separately.
        for r in &self.rows {
            f.principal_paid += r.principal_paid;
            f.principal_waived += r.principal_waived + r.principal_written_off;
            f.outstanding += r.unpaid_principal();
            let gone = r.interest_waived + r.interest_cancelled + r.interest_written_off;
            if r.due_on <= date {
                f.interest_paid_due += r.interest_paid;
                f.interest_waived_due += gone;
                f.interest_due_unpaid += r.unpaid_interest();
            } else {
                f.interest_paid_ahead += r.interest_paid;
                f.interest_waived_ahead += gone;
            }
        }
        for x in &self.fines {
            f.fines_levied += x.amount;
            f.fines_paid += x.paid;
            f.fines_waived += x.waived + x.written_off;
        }
        f
    }

    pub(super) fn scale(&self) -> u32 {
        self.amort.scale()
    }

    pub(super) fn m(&self, minor: i128) -> Result<Money> {
        money(minor, self.scale())
    }

    /// A money input at the currency's scale, positive, in minor units.
    pub(super) fn amount(&self, value: Money, what: &str) -> Result<i128> {
        let v = self.terms.currency.amount(value)?.value();
        if v <= Decimal::ZERO {
            return Err(CoreError::InvalidAmount {
                reason: format!("{what} must be greater than zero"),
            });
        }
        Ok(v.mantissa())
    }

    pub(super) fn outstanding_principal(&self) -> i128 {
        self.rows.iter().map(Row::unpaid_principal).sum()
    }

    pub(super) fn row_index(&self, k: u32) -> Result<usize> {
        self.rows
            .iter()
            .position(|r| r.number == k)
            .ok_or(CoreError::UnknownInstallment { installment: k })
    }

    pub(super) fn at(&self, i: usize) -> Result<&Row> {
        self.rows.get(i).ok_or_else(|| CoreError::InvalidEvent {
            reason: "installment index".to_owned(),
        })
    }

    pub(super) fn at_mut(&mut self, i: usize) -> Result<&mut Row> {
        self.rows.get_mut(i).ok_or_else(|| CoreError::InvalidEvent {
            reason: "installment index".to_owned(),
        })
    }

    pub(super) fn fines_on(&self, k: u32) -> i128 {
        self.fines
            .iter()
            .filter(|f| f.installment == k)
            .map(Fine::balance)
            .sum()
    }

    /// Dues of the open installments in minor units, in due-date order.
    pub(super) fn dues(&self) -> Vec<MinorDue> {
        let mut fines_by = vec![0_i128; self.rows.len() + 1];
        for f in &self.fines {
            if let Some(i) = self.rows.iter().position(|r| r.number == f.installment)
                && let Some(slot) = fines_by.get_mut(i)
            {
                *slot += f.balance();
            }
        }
        self.rows
            .iter()
            .zip(fines_by)
            .filter_map(|(r, fine)| {
                let owed = [r.unpaid_interest(), r.unpaid_principal(), fine];
                // Element by element: comparing the arrays whole goes through memcmp, which
                // showed in profiles of long replays.
                owed.iter().any(|&v| v != 0).then_some(MinorDue {
                    installment: r.number,
                    due_on: r.due_on,
                    owed,
                })
            })
            .collect()
    }

    pub(super) fn require_reducing(&self, what: &str) -> Result<()> {
        if self.terms.method == Method::Reducing {
            Ok(())
        } else {
            Err(CoreError::NotEligible {
                reason: format!("{what} is available for reducing-balance loans"),
            })
        }
    }

    pub(crate) fn apply(&mut self, e: &LoanEvent, out: &mut EventOutcome) -> Result<()> {
        // A written-off loan still takes recoveries and a compromise settlement while its
        // claim is owed.
        let claim_open = self.claim_owed() > 0;
        if let Some(c) = &self.closure
            && !matches!(e.body, EventBody::PaymentReversed { .. })
            && !(claim_open
                && matches!(
                    e.body,
                    EventBody::PaymentReceived { .. } | EventBody::Settled { .. }
                ))
        {
            return Err(CoreError::LoanClosed {
                loan_id: self.loan_id.clone(),
                closure: format!("{:?}", c.closure_type),
            });
        }
        let date = e.value_date;
        match &e.body {
            EventBody::Disbursed { .. } => {
                return Err(super::invalid("a loan is disbursed only once"));
            }
            EventBody::PaymentReceived {
                amount,
                installment,
                ..
            } => {
                let amount = self.amount(*amount, "a payment")?;
                if self.restructured.is_some() && self.first_payment_after_restructure.is_none() {
                    self.first_payment_after_restructure = Some(date);
                }
                if self.closure.is_some() {
                    self.recover(amount, 0, date)?;
                } else {
                    self.pay(amount, date, *installment, out)?;
                }
            }
            EventBody::CreditApplied { amount } => {
                let amount = self.amount(*amount, "a credit application")?;
                self.apply_credit(amount, date, out)?;
            }
            EventBody::CreditRefunded { amount, reason } => {
                require_reason(reason)?;
                let amount = self.amount(*amount, "a credit refund")?;
                if amount > self.member_credit {
                    return Err(CoreError::NotEligible {
                        reason: format!(
                            "a refund cannot exceed the member credit {}",
                            self.m(self.member_credit)?
                        ),
                    });
                }
                self.member_credit -= amount;
            }
            EventBody::Settled { amount, reason } => {
                require_reason(reason)?;
                if self.closure.is_none() {
                    return Err(CoreError::NotEligible {
                        reason: "a compromise settlement is for a written-off loan".to_owned(),
                    });
                }
                let amount = self.amount(*amount, "a settlement")?;
                let owed = self.claim_owed();
                if amount > owed {
                    return Err(CoreError::NotEligible {
                        reason: format!(
                            "a settlement cannot exceed the claim still owed {}",
                            self.m(owed)?
                        ),
                    });
                }
                self.recover(amount, owed - amount, date)?;
            }
            EventBody::FineLevied {
                installment,
                rule_id,
                occurrence,
                amount,
            } => {
                self.row_index(*installment)?;
                // A re-amount may bring an existing fine to 0 (its days are no longer late);
                // a new fine must be above 0.
                let amount = self.terms.currency.amount(*amount)?.value();
                if amount < Decimal::ZERO {
                    return Err(CoreError::InvalidAmount {
                        reason: "a fine must not be negative".to_owned(),
                    });
                }
                let amount = amount.mantissa();
                match self.fines.iter_mut().find(|f| {
                    f.installment == *installment
                        && &f.rule_id == rule_id
                        && f.occurrence == *occurrence
                }) {
                    Some(f) => {
                        if amount < f.paid + f.waived {
                            return Err(CoreError::NotEligible {
                                reason:
                                    "a fine cannot be re-amounted below what is paid and waived"
                                        .to_owned(),
                            });
                        }
                        f.amount = amount;
                    }
                    None if amount == 0 => {
                        return Err(CoreError::InvalidAmount {
                            reason: "a fine must be greater than zero".to_owned(),
                        });
                    }
                    None => self.fines.push(Fine {
                        installment: *installment,
                        rule_id: rule_id.clone(),
                        occurrence: *occurrence,
                        amount,
                        paid: 0,
                        waived: 0,
                        written_off: 0,
                    }),
                }
            }
            EventBody::FineWaived {
                installment,
                rule_id,
                occurrence,
                amount,
                reason,
            } => {
                require_reason(reason)?;
                let amount = self.amount(*amount, "a waiver")?;
                let f = self
                    .fines
                    .iter_mut()
                    .find(|f| {
                        f.installment == *installment
                            && &f.rule_id == rule_id
                            && f.occurrence == *occurrence
                    })
                    .ok_or_else(|| CoreError::NotEligible {
                        reason: "no such fine".to_owned(),
                    })?;
                if amount > f.balance() {
                    return Err(CoreError::NotEligible {
                        reason: "a waiver cannot exceed the fine's balance".to_owned(),
                    });
                }
                f.waived += amount;
            }
            EventBody::Waiver {
                installment,
                component,
                amount,
                reason,
            } => {
                require_reason(reason)?;
                let amount = self.amount(*amount, "a waiver")?;
                let i = self.row_index(*installment)?;
                let row = self.at_mut(i)?;
                let unpaid = match component {
                    Component::Interest => row.unpaid_interest(),
                    Component::Principal => row.unpaid_principal(),
                    Component::Fine => {
                        return Err(CoreError::NotEligible {
                            reason: "fines are waived with fine_waived".to_owned(),
                        });
                    }
                };
                if amount > unpaid {
                    return Err(CoreError::NotEligible {
                        reason: "a waiver cannot exceed what is unpaid".to_owned(),
                    });
                }
                match component {
                    Component::Interest => row.interest_waived += amount,
                    _ => row.principal_waived += amount,
                }
            }
            EventBody::InstallmentSkipped {
                installment,
                mode,
                restructure,
            } => {
                self.restructure_gate(*installment, date, restructure.as_deref())?;
                self.skip(*installment, mode.unwrap_or(self.policy.skip_mode))?;
            }
            EventBody::InterestOnlyPayment {
                installment,
                amount,
                restructure,
                ..
            } => {
                self.restructure_gate(*installment, date, restructure.as_deref())?;
                let amount = self.amount(*amount, "an interest-only payment")?;
                self.interest_only(*installment, amount)?;
            }
            EventBody::PartPayment { amount, mode, .. } => {
                let amount = self.amount(*amount, "a part payment")?;
                let accrued = self.part_payment(amount, date, *mode)?;
                out.interest_collected = Some(self.m(accrued)?);
            }
            EventBody::PaymentReversed { .. } => {}
            EventBody::RateChanged { annual_rate, mode } => {
                self.rate_change(*annual_rate, date, *mode)?;
                self.floating = true;
            }
            EventBody::Rescheduled {
                tenure,
                emi,
                restructure,
            } => {
                let emi = emi
                    .map(|e| self.amount(e, "a rescheduled EMI"))
                    .transpose()?;
                self.reschedule(date, *tenure, emi, restructure.as_deref())?;
            }
            EventBody::Foreclosed { amount, .. } => {
                let amount = self.amount(*amount, "a foreclosure payment")?;
                let q = self.quote(date)?;
                if amount != q.total.value().mantissa() {
                    return Err(CoreError::ForeclosureAmount {
                        paid: self.m(amount)?.to_string(),
                        quote: q.total.to_string(),
                    });
                }
                out.interest_collected = Some(q.foreclosure_interest);
                out.charge_collected = Some(q.prepayment_charge);
                self.settle_all(date, true)?;
                self.close(ClosureType::Foreclosure, date, None);
            }
            EventBody::ToppedUp {
                new_loan_id,
                restructure,
            } => {
                if self.topup_eligible(date, restructure.as_deref())? {
                    out.interest_to_suspense = Some(self.m(self.interest_due_on(date))?);
                }
                self.settle_all(date, true)?;
                self.close(ClosureType::Topup, date, Some(new_loan_id.clone()));
            }
            EventBody::WrittenOff { reason } => {
                require_reason(reason)?;
                self.settle_all(date, false)?;
                self.close(ClosureType::WriteOff, date, None);
                self.written_off_on = Some(date);
                // A technical write-off keeps the claim: guarantors stay bound.
                if let Some(c) = &mut self.closure {
                    c.guarantors_released.clear();
                }
            }
        }
        for r in &mut self.rows {
            let open = r.unpaid_interest() > 0 || r.unpaid_principal() > 0;
            if open {
                r.settled_on = None;
            } else if r.settled_on.is_none() {
                r.settled_on = Some(date);
            }
        }
        if self.closure.is_none()
            && self
                .rows
                .iter()
                .all(|r| r.unpaid_interest() == 0 && r.unpaid_principal() == 0)
            && self.fines.iter().all(|f| f.balance() == 0)
        {
            self.close(ClosureType::Regular, date, None);
        }
        Ok(())
    }

    /// What a written-off loan's claim still amounts to (0 for any other loan).
    pub(super) fn claim_owed(&self) -> i128 {
        if self
            .closure
            .as_ref()
            .is_none_or(|c| c.closure_type != ClosureType::WriteOff)
        {
            return 0;
        }
        let written_off: i128 = self
            .rows
            .iter()
            .map(|r| r.principal_written_off + r.interest_written_off)
            .sum::<i128>()
            + self.fines.iter().map(|f| f.written_off).sum::<i128>();
        written_off - self.recovered - self.settlement_waived
    }

    /// A recovery of `amount` on a written-off loan, and the part of the claim a settlement
    /// waives. A recovery above the claim is refused; the claim fully met (or settled)
    /// releases the guarantors.
    pub(super) fn recover(&mut self, amount: i128, waive: i128, date: NaiveDate) -> Result<()> {
        let owed = self.claim_owed();
        if amount > owed {
            return Err(CoreError::NotEligible {
                reason: format!(
                    "a recovery cannot exceed the written-off claim still owed {}",
                    self.m(owed)?
                ),
            });
        }
        self.recovered += amount;
        self.settlement_waived += waive;
        let guarantors = self.guarantors.clone();
        if let Some(c) = &mut self.closure {
            if waive > 0 {
                c.closure_type = ClosureType::Settled;
                c.closed_on = date;
            }
            if amount + waive == owed {
                c.guarantors_released = guarantors;
            }
        }
        Ok(())
    }

    pub(super) fn close(
        &mut self,
        closure_type: ClosureType,
        on: NaiveDate,
        successor: Option<String>,
    ) {
        self.closure = Some(Closure {
            closure_type,
            closed_on: on,
            guarantors_released: self.guarantors.clone(),
            successor_loan_id: successor,
        });
    }

    /// Member credit due to be applied on `date`: the least of the credit and the dues (with
    /// fines) of installments due on or before `date`.
    pub(crate) fn credit_applicable(&self, date: NaiveDate) -> i128 {
        if self.closure.is_some() {
            return 0;
        }
        let due: i128 = self
            .dues()
            .iter()
            .filter(|d| d.due_on <= date)
            .map(|d| d.owed.iter().sum::<i128>())
            .sum();
        due.min(self.member_credit)
    }

    /// Applies `amount` of member credit to the dues due on or before `date`, in the loan's
    /// allocation order (never to later installments).
    pub(super) fn apply_credit(
        &mut self,
        amount: i128,
        date: NaiveDate,
        out: &mut EventOutcome,
    ) -> Result<()> {
        if amount > self.credit_applicable(date) {
            return Err(CoreError::NotEligible {
                reason: format!(
                    "a credit application cannot exceed the member credit {} or the dues due",
                    self.m(self.member_credit)?
                ),
            });
        }
        let policy = crate::allocation::AllocationPolicy {
            preset: self.policy.allocation.preset,
            excess: ExcessPolicy::HoldAsMemberCredit,
        };
        let dues = self.dues();
        let (lines, _) = allocate_minor(amount, date, None, &dues, policy)?;
        self.member_credit -= amount;
        self.apply_lines(&lines)?;
        if self.record {
            out.allocation = Some(self.allocation_of(&lines, None, 0, policy)?);
        }
        Ok(())
    }

    pub(super) fn apply_lines(&mut self, lines: &[(u32, Component, i128)]) -> Result<()> {
        for &(installment, component, v) in lines {
            match component {
                Component::Interest | Component::Principal => {
                    let i = self.row_index(installment)?;
                    let row = self.at_mut(i)?;
                    if component == Component::Interest {
                        row.interest_paid += v;
                    } else {
                        row.principal_paid += v;
                    }
                }
                Component::Fine => {
                    let mut left = v;
                    for f in self
                        .fines
                        .iter_mut()
                        .filter(|f| f.installment == installment)
                    {
                        let take = f.balance().min(left);
                        f.paid += take;
                        left -= take;
                    }
                }
            }
        }
        Ok(())
    }

    pub(super) fn allocation_of(
        &self,
        lines: &[(u32, Component, i128)],
        target: Option<u32>,
        excess: i128,
        policy: crate::allocation::AllocationPolicy,
    ) -> Result<Allocation> {
        Ok(Allocation {
            policy,
            target,
            lines: lines
                .iter()
                .map(|&(installment, component, v)| {
                    Ok(AllocationLine {
                        installment,
                        component,
                        amount: self.m(v)?,
                    })
                })
                .collect::<Result<Vec<_>>>()?,
            excess: self.m(excess)?,
        })
    }

    pub(super) fn pay(
        &mut self,
        amount: i128,
        date: NaiveDate,
        target: Option<u32>,
        out: &mut EventOutcome,
    ) -> Result<()> {
        let mut dues = self.dues();
        if let Some(k) = target
            && !dues.iter().any(|d| d.installment == k)
        {
            // A settled installment owes nothing: the whole payment goes to the waterfall.
            let row = self.at(self.row_index(k)?)?;
            let at = dues.partition_point(|d| (d.due_on, d.installment) < (row.due_on, k));
            dues.insert(
                at,
                MinorDue {
                    installment: k,
                    due_on: row.due_on,
                    owed: [0, 0, 0],
                },
            );
        }
        let (lines, excess) = allocate_minor(amount, date, target, &dues, self.policy.allocation)?;
        for &(installment, component, v) in &lines {
            match component {
                Component::Interest | Component::Principal => {
                    let i = self.row_index(installment)?;
                    let row = self.at_mut(i)?;
                    if component == Component::Interest {
                        row.interest_paid += v;
                    } else {
                        row.principal_paid += v;
                    }
                }
                Component::Fine => {
                    let mut left = v;
                    for f in self
                        .fines
                        .iter_mut()
                        .filter(|f| f.installment == installment)
                    {
                        let take = f.balance().min(left);
                        f.paid += take;
                        left -= take;
                    }
                }
            }
        }
        let allocation = if !self.record {
            None
        } else {
            Some(Allocation {
                policy: self.policy.allocation,
                target,
                lines: lines
                    .iter()
                    .map(|&(installment, component, v)| {
                        Ok(AllocationLine {
                            installment,
                            component,
                            amount: self.m(v)?,
                        })
                    })
                    .collect::<Result<Vec<_>>>()?,
                excess: self.m(excess)?,
            })
        };
        if excess > 0 {
            let policy = self.policy.allocation.excess;
            let to = match policy {
                ExcessPolicy::AdvanceNextInstallments | ExcessPolicy::HoldAsMemberCredit => {
                    self.member_credit += excess;
                    "member_credit"
                }
                ExcessPolicy::CreditToSavings => {
                    self.savings_credit += excess;
                    "savings"
                }
                ExcessPolicy::PrepayPrincipalReduceEmi
                | ExcessPolicy::PrepayPrincipalReduceTenure => {
                    let mode = if policy == ExcessPolicy::PrepayPrincipalReduceEmi {
                        PartPaymentMode::ReduceEmi
                    } else {
                        PartPaymentMode::ReduceTenure
                    };
                    // A prepayment the loan cannot take (a flat loan, an amount that would
                    // repay everything or not exceed the accrued interest, the minimum …)
                    // is held as member credit: the payment itself never fails for it.
                    let mut next = self.clone();
                    match next.part_payment(excess, date, mode) {
                        Ok(accrued) => {
                            *self = next;
                            out.interest_collected = Some(self.m(accrued)?);
                            "principal_prepayment"
                        }
                        Err(_) => {
                            self.member_credit += excess;
                            "member_credit"
                        }
                    }
                }
            };
            out.excess_to = Some(to.to_owned());
        }
        out.allocation = allocation;
        Ok(())
    }

    /// Settles everything: `collected` marks dues paid (foreclosure, top-up), otherwise they
    /// are written off (still a claim). Interest of installments due after `date` is cancelled
    /// either way (shown as `cancelled`, never as waived).
    pub(super) fn settle_all(&mut self, date: NaiveDate, collected: bool) -> Result<()> {
        for r in &mut self.rows {
            let ui = r.unpaid_interest();
            let up = r.unpaid_principal();
            if r.due_on > date {
                r.interest_cancelled += ui;
            } else if collected {
                r.interest_paid += ui;
            } else {
                r.interest_written_off += ui;
            }
            if collected {
                r.principal_paid += up;
            } else {
                r.principal_written_off += up;
            }
        }
        for f in &mut self.fines {
            let b = f.balance();
            if collected {
                f.paid += b;
            } else {
                f.written_off += b;
            }
        }
        Ok(())
    }

    pub(super) fn closed_error(&self) -> Result<()> {
        match &self.closure {
            Some(c) => Err(CoreError::LoanClosed {
                loan_id: self.loan_id.clone(),
                closure: format!("{:?}", c.closure_type),
            }),
            None => Ok(()),
        }
    }

    pub(crate) fn before_disbursement(&self, date: NaiveDate) -> Result<()> {
        if date < self.terms.disbursed_on {
            return Err(CoreError::NotEligible {
                reason: "the date is before the disbursement".to_owned(),
            });
        }
        Ok(())
    }
}

pub(super) fn require_reason(reason: &str) -> Result<()> {
    if reason.trim().is_empty() {
        Err(CoreError::NotEligible {
            reason: "a reason is required".to_owned(),
        })
    } else {
        Ok(())
    }
}

//! Posting rules for loan events, read from what the account fold computed: each event's
//! entry is the difference of the loan's cumulative figures across it.

use std::sync::Arc;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::Ctx;
use crate::account::{
    Account, ClosureType, EventBody, EventOutcome, Figures, LoanEvent, Observer, PaymentMode,
};
use crate::error::Result;
use crate::ledger::{Basis, EntryHeader, JournalEntry, Legs, PostingRole as R};

/// A period during which a loan is non-performing (from the classification): NPA from the
/// day-end of `from` until the day-end of `to` (still NPA when `to` is null).
///
/// # Example
/// ```
/// let p: windeep_core::books::NpaPeriod = serde_json::from_str(r#"{"from": "2026-06-06"}"#).unwrap();
/// assert!(p.to.is_none());
/// ```
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NpaPeriod {
    /// The day the loan became NPA.
    #[serde(with = "crate::money::iso_date")]
    pub from: NaiveDate,
    /// The day it was upgraded, if it was.
    #[serde(default, with = "crate::money::iso_date_opt")]
    pub to: Option<NaiveDate>,
}

/// Turns a loan's fold into its ideal journal: every entry as if every event had been known
/// from the start, with interest accruals and NPA moves interleaved by date.
pub(crate) struct LoanPoster<'c> {
    ctx: &'c Ctx,
    loan_id: Arc<str>,
    member: Arc<str>,
    /// For a top-up loan: what its proceeds settled on the parent.
    carried: i128,
    /// The upgrade: the day-end at which nothing of an NPA loan was past due any more.
    upgrade_on: Option<NaiveDate>,
    /// No NPA move before this day (the day after the last upgrade).
    npa_floor: Option<NaiveDate>,
    /// The NPA periods derived so far.
    pub(crate) npa_periods: Vec<NpaPeriod>,
    accrued_through: Option<NaiveDate>,
    in_npa: bool,
    receivable: i128,
    suspense: i128,
    /// Capitalised interest not yet collected (deferred income), minor units, never negative.
    deferred: i128,
    /// Fines levied and not paid or waived (accrual basis).
    fines_receivable: i128,
    /// Of the suspense, the fines of the NPA (equal to `fines_receivable` while NPA).
    fine_suspense: i128,
    before: Figures,
    skip_due: Option<NaiveDate>,
    pub(crate) entries: Vec<JournalEntry>,
    /// Set when the loan closed into a top-up: (new loan id, amount settled).
    pub(crate) topped_up: Option<(String, i128)>,
    /// The loan's provision records (`Books::provisions`): the provision held from the
    /// day-end of each date, minor units.
    pub(crate) provisions: std::collections::BTreeMap<NaiveDate, i128>,
}

fn diff(a: &Figures, b: &Figures) -> Figures {
    Figures {
        principal_paid: a.principal_paid - b.principal_paid,
        principal_waived: a.principal_waived - b.principal_waived,
        prepaid: a.prepaid - b.prepaid,
        capitalised: a.capitalised - b.capitalised,
        interest_paid_due: a.interest_paid_due - b.interest_paid_due,
        interest_paid_ahead: a.interest_paid_ahead - b.interest_paid_ahead,
        interest_waived_due: a.interest_waived_due - b.interest_waived_due,
        interest_waived_ahead: a.interest_waived_ahead - b.interest_waived_ahead,
        interest_due_unpaid: a.interest_due_unpaid - b.interest_due_unpaid,
        fines_levied: a.fines_levied - b.fines_levied,
        fines_paid: a.fines_paid - b.fines_paid,
        fines_waived: a.fines_waived - b.fines_waived,
        member_credit: a.member_credit - b.member_credit,
        savings_credit: a.savings_credit - b.savings_credit,
        outstanding: a.outstanding - b.outstanding,
        recovered: a.recovered - b.recovered,
    }
}

/// The funds account a payment's mode posts to: the cash book, the bank book, or the clearing
/// account of book adjustments.
fn funds_role(mode: PaymentMode) -> R {
    match mode {
        PaymentMode::Cash => R::Cash,
        PaymentMode::Bank | PaymentMode::Upi | PaymentMode::Cheque | PaymentMode::Nach => R::Bank,
        PaymentMode::Adjustment => R::AdjustmentClearing,
    }
}

/// `<account>/<event>`, without the formatting machinery (it is on the hot path).
pub(crate) fn join(account: &str, event: &str) -> String {
    let mut id = String::with_capacity(account.len() + 1 + event.len());
    id.push_str(account);
    id.push('/');
    id.push_str(event);
    id
}

pub(crate) fn event_kind(body: &EventBody) -> &'static str {
    match body {
        EventBody::Disbursed { .. } => "disbursed",
        EventBody::PaymentReceived { .. } => "payment_received",
        EventBody::FineLevied { .. } => "fine_levied",
        EventBody::FineWaived { .. } => "fine_waived",
        EventBody::InstallmentSkipped { .. } => "installment_skipped",
        EventBody::InterestOnlyPayment { .. } => "interest_only_payment",
        EventBody::PartPayment { .. } => "part_payment",
        EventBody::PaymentReversed { .. } => "payment_reversed",
        EventBody::RateChanged { .. } => "rate_changed",
        EventBody::Rescheduled { .. } => "rescheduled",
        EventBody::Foreclosed { .. } => "foreclosed",
        EventBody::ToppedUp { .. } => "topped_up",
        EventBody::WrittenOff { .. } => "written_off",
        EventBody::Settled { .. } => "settled",
        EventBody::CreditApplied { .. } => "credit_applied",
        EventBody::CreditRefunded { .. } => "credit_refunded",
        EventBody::Waiver { .. } => "waiver",
    }
}

impl<'c> LoanPoster<'c> {
    pub(crate) fn new(ctx: &'c Ctx, loan_id: &str, member: &str, carried: i128) -> Self {
        Self {
            ctx,
            loan_id: Arc::from(loan_id),
            member: Arc::from(member),
            carried,
            upgrade_on: None,
            npa_floor: None,
            npa_periods: Vec::new(),
            accrued_through: None,
            in_npa: false,
            receivable: 0,
            suspense: 0,
            deferred: 0,
            fines_receivable: 0,
            fine_suspense: 0,
            before: Figures::default(),
            skip_due: None,
            entries: Vec::new(),
            topped_up: None,
            provisions: std::collections::BTreeMap::new(),
        }
    }

    pub(crate) fn drain(&mut self) -> Vec<JournalEntry> {
        std::mem::take(&mut self.entries)
    }

    fn accrual(&self) -> bool {
        self.ctx.basis == Basis::Accrual
    }

    fn push(
        &mut self,
        id: String,
        date: NaiveDate,
        kind: &'static str,
        event_id: Option<&str>,
        legs: &Legs,
    ) -> Result<()> {
        let lines = legs.lines(&self.ctx.chart)?;
        if lines.is_empty() {
            return Ok(());
        }
        let entry = JournalEntry::new(
            EntryHeader {
                id,
                date,
                kind,
                account: Some(Arc::clone(&self.loan_id)),
                event_id: event_id.map(str::to_owned),
                member: Some(Arc::clone(&self.member)),
                ..EntryHeader::default()
            },
            lines,
            self.ctx.scale,
        )?;
        self.entries.push(entry);
        Ok(())
    }

    /// Interest accruals (start of each due date) and NPA moves (day-end) up to `upto`; the
    /// moves of `upto` itself only when `day_end`.
    pub(crate) fn advance(
        &mut self,
        account: &Account,
        upto: NaiveDate,
        day_end: bool,
    ) -> Result<()> {
        if !self.accrual() {
            return Ok(());
        }
        let mut accruals = account
            .unpaid_interest_due(self.accrued_through, upto)
            .into_iter()
            .peekable();
        loop {
            let next_move = self.next_move(account, upto, day_end);
            let take_accrual = match (accruals.peek(), next_move) {
                (Some((_, due, _)), Some((d, _))) => *due <= d,
                (Some(_), None) => true,
                (None, Some(_)) => false,
                (None, None) => break,
            };
            if take_accrual {
                if let Some((k, due, amount)) = accruals.next() {
                    self.accrue(k, due, amount)?;
                }
            } else if let Some((d, npa)) = next_move {
                self.npa_move(d, npa)?;
            }
        }
        self.accrued_through = Some(self.accrued_through.map_or(upto, |a| a.max(upto)));
        Ok(())
    }

    /// The next NPA move before `upto` (or on it, with `day_end`), from the classification
    /// rule: a performing loan becomes NPA at the day-end of its oldest unpaid due date +
    /// threshold + 1 (its DPD then first exceeds the threshold); an NPA loan is upgraded at the
    /// day-end of the day after which nothing of it is past due.
    fn next_move(
        &self,
        account: &Account,
        upto: NaiveDate,
        day_end: bool,
    ) -> Option<(NaiveDate, bool)> {
        let within = |d: NaiveDate| d < upto || (day_end && d == upto);
        if self.in_npa {
            return self.upgrade_on.filter(|d| within(*d)).map(|d| (d, false));
        }
        let oldest = account.oldest_unpaid_due()?;
        let start =
            oldest.checked_add_days(chrono::Days::new(u64::from(self.ctx.npa_after_days) + 1))?;
        // The state is the same since the last advance: a start before it was already passed
        // by a state that did not call for it (a re-amortisation can make an older row unpaid).
        let start = [Some(start), self.accrued_through, self.npa_floor]
            .into_iter()
            .flatten()
            .max()
            .unwrap_or(start);
        within(start).then_some((start, true))
    }

    /// After an event of day `t`: an NPA loan with nothing past due at `t`'s day-end is
    /// upgraded then (unless a later event of the day makes something past due again).
    fn watch_upgrade(&mut self, account: &Account, t: NaiveDate) {
        if !self.accrual() || !self.in_npa {
            return;
        }
        let clear =
            account.closure().is_some() || account.oldest_unpaid_due().is_none_or(|d| d >= t);
        self.upgrade_on = clear.then_some(t);
    }

    fn accrue(&mut self, k: u32, due: NaiveDate, amount: i128) -> Result<()> {
        if amount <= 0 {
            return Ok(());
        }
        let mut legs = Legs::default();
        legs.debit(R::InterestReceivable, amount);
        if self.in_npa {
            legs.credit(R::InterestSuspense, amount);
            self.suspense += amount;
        } else {
            legs.credit(R::InterestIncome, amount);
        }
        self.receivable += amount;
        let id = format!("{}/accrual/{k}", self.loan_id);
        self.push(id, due, "interest_accrual", None, &legs)
    }

    fn npa_move(&mut self, date: NaiveDate, npa: bool) -> Result<()> {
        let mut legs = Legs::default();
        if npa && !self.in_npa {
            self.in_npa = true;
            self.upgrade_on = None;
            self.npa_periods.push(NpaPeriod {
                from: date,
                to: None,
            });
            let amount = self.receivable - self.suspense;
            legs.debit(R::InterestIncome, amount)
                .credit(R::InterestSuspense, amount);
            self.suspense += amount;
            // Fines on an NPA are income only when realised (decisions §19, revised).
            let fines = self.fines_receivable - self.fine_suspense;
            legs.debit(R::FineIncome, fines)
                .credit(R::InterestSuspense, fines);
            self.fine_suspense += fines;
            let id = format!("{}/npa/{date}", self.loan_id);
            return self.push(id, date, "npa_suspense", None, &legs);
        }
        if !npa && self.in_npa {
            self.in_npa = false;
            self.upgrade_on = None;
            self.npa_floor = date.succ_opt();
            if let Some(p) = self.npa_periods.last_mut() {
                p.to = Some(date);
            }
            legs.debit(R::InterestSuspense, self.suspense)
                .credit(R::InterestIncome, self.suspense);
            self.suspense = 0;
            legs.debit(R::InterestSuspense, self.fine_suspense)
                .credit(R::FineIncome, self.fine_suspense);
            self.fine_suspense = 0;
            let id = format!("{}/npa-release/{date}", self.loan_id);
            return self.push(id, date, "npa_release", None, &legs);
        }
        Ok(())
    }

    /// Accrued interest that is no longer receivable (waived, written off, re-amortised):
    /// out of suspense first, then out of income.
    fn reverse_accrued(&mut self, legs: &mut Legs, amount: i128) {
        let from_suspense = amount.min(self.suspense).max(0);
        self.suspense -= from_suspense;
        legs.debit(R::InterestSuspense, from_suspense)
            .debit(R::InterestIncome, amount - from_suspense)
            .credit(R::InterestReceivable, amount);
    }

    fn disbursed(&mut self, e: &LoanEvent, account: &Account) -> Result<()> {
        let (principal, fee, upfront, net) = account.disbursement();
        let mut legs = Legs::default();
        legs.debit(R::LoanPortfolio, principal)
            .credit(R::FeeIncome, fee)
            .credit(R::InterestIncome, upfront)
            .credit(R::TopupClearing, self.carried)
            .credit(self.ctx.funds, net - self.carried);
        let id = join(&self.loan_id, &e.id);
        self.push(id, e.value_date, "disbursed", Some(&e.id), &legs)
    }

    fn event(&mut self, e: &LoanEvent, account: &Account, outcome: &EventOutcome) -> Result<()> {
        let t = e.value_date;
        let after = account.figures(t);
        let d = diff(&after, &self.before);
        let minor = |m: Option<crate::money::Money>| -> Result<i128> {
            m.map_or(Ok(0), |m| self.ctx.currency.minor(m))
        };
        let collected = minor(outcome.interest_collected)?;
        let charge = minor(outcome.charge_collected)?;
        // A top-up of an NPA parent: the interest paid from the new loan's proceeds is not
        // realised; it stays in (accrual) or goes to (cash) interest suspense.
        let held = minor(outcome.interest_to_suspense)?;
        let cap_due = match (&e.body, self.skip_due) {
            (EventBody::InstallmentSkipped { .. }, Some(due)) if due <= t => d.capitalised,
            _ => 0,
        };
        let accrual = self.accrual();
        let mut legs = Legs::default();
        // Money in.
        let principal_in = d.principal_paid + d.prepaid;
        let interest_cash = d.interest_paid_due + d.interest_paid_ahead + collected;
        let cash_in = principal_in
            + interest_cash
            + charge
            + d.fines_paid
            + d.member_credit
            + d.savings_credit;
        match &e.body {
            EventBody::PaymentReceived {
                amount,
                payment_mode,
                ..
            }
            | EventBody::InterestOnlyPayment {
                amount,
                payment_mode,
                ..
            }
            | EventBody::PartPayment {
                amount,
                payment_mode,
                ..
            }
            | EventBody::Foreclosed {
                amount,
                payment_mode,
                ..
            } => {
                let funds = payment_mode.map_or(self.ctx.funds, funds_role);
                legs.debit(funds, self.ctx.currency.minor(*amount)?);
            }
            EventBody::Settled { amount, .. } => {
                legs.debit(self.ctx.funds, self.ctx.currency.minor(*amount)?);
            }
            EventBody::ToppedUp { .. } => {
                legs.debit(R::TopupClearing, cash_in);
            }
            // Member credit paid back: Dr member credit (the Δ below) / Cr funds.
            EventBody::CreditRefunded { amount, .. } => {
                legs.credit(self.ctx.funds, self.ctx.currency.minor(*amount)?);
            }
            _ => {}
        }
        legs.credit(R::LoanPortfolio, principal_in)
            .credit(R::PrepaymentChargeIncome, charge)
            .credit(R::BadDebtsRecovered, d.recovered)
            .credit(R::MemberCredit, d.member_credit)
            .credit(R::SavingsClearing, d.savings_credit);
        if accrual {
            legs.credit(R::InterestReceivable, d.interest_paid_due)
                .credit(R::InterestIncome, d.interest_paid_ahead + collected);
            let realised = (d.interest_paid_due - held).min(self.suspense).max(0);
            self.suspense -= realised;
            legs.debit(R::InterestSuspense, realised)
                .credit(R::InterestIncome, realised);
            legs.credit(R::FineReceivable, d.fines_paid)
                .debit(R::FineReceivable, d.fines_levied)
                .credit(R::FineReceivable, d.fines_waived);
            self.fines_receivable += d.fines_levied - d.fines_paid - d.fines_waived;
            if self.in_npa {
                // While NPA every fine is in suspense: a levy (or re-amount) and a waiver move
                // the suspense; a payment realises its part as income.
                legs.credit(R::InterestSuspense, d.fines_levied)
                    .debit(R::InterestSuspense, d.fines_waived + d.fines_paid)
                    .credit(R::FineIncome, d.fines_paid);
                self.fine_suspense += d.fines_levied - d.fines_waived - d.fines_paid;
            } else {
                legs.credit(R::FineIncome, d.fines_levied)
                    .debit(R::FineIncome, d.fines_waived);
            }
        } else {
            legs.credit(R::InterestIncome, interest_cash - held)
                .credit(R::InterestSuspense, held)
                .credit(R::FineIncome, d.fines_paid);
            self.suspense += held;
        }
        // Capitalised interest is income as the principal it became is collected: the first
        // principal collected after a capitalisation releases it from deferred income.
        let released = principal_in.clamp(0, self.deferred);
        self.deferred -= released;
        legs.debit(R::CapitalisedInterest, released)
            .credit(R::InterestIncome, released);
        // Principal waived or written off: capitalised interest still deferred was never
        // income, so it is reversed out of deferred income; only the rest is a loss.
        let unearned = d.principal_waived.clamp(0, self.deferred);
        self.deferred -= unearned;
        let lost = d.principal_waived - unearned;
        legs.debit(R::CapitalisedInterest, unearned)
            .credit(R::LoanPortfolio, d.principal_waived);
        if matches!(e.body, EventBody::WrittenOff { .. }) {
            // A write-off uses the provision held against the loan first (the last provision
            // record before the day); only the rest is written-off expense.
            let used = super::provision::held_before(&self.provisions, t).clamp(0, lost.max(0));
            legs.debit(R::ProvisionForNpa, used)
                .debit(R::WriteOffExpense, lost - used);
        } else {
            legs.debit(R::WaiverExpense, lost);
        }
        // Interest capitalised by a skip becomes principal and deferred income, on either basis
        // (never income at capitalisation). On the accrual basis interest already accrued (the
        // installment was due) leaves the receivable, and the income it was recognised as (or
        // the suspense) is reversed.
        legs.debit(R::LoanPortfolio, d.capitalised)
            .credit(R::CapitalisedInterest, d.capitalised);
        self.deferred += d.capitalised;
        if accrual {
            if cap_due > 0 {
                self.reverse_accrued(&mut legs, cap_due);
            }
            if d.interest_waived_due > 0 {
                self.reverse_accrued(&mut legs, d.interest_waived_due);
            }
            // Accrued interest changed by a re-amortisation of installments already due.
            let residual =
                -d.interest_due_unpaid - d.interest_paid_due - d.interest_waived_due - cap_due;
            if residual > 0 {
                self.reverse_accrued(&mut legs, residual);
            } else if residual < 0 {
                legs.debit(R::InterestReceivable, -residual);
                if self.in_npa {
                    legs.credit(R::InterestSuspense, -residual);
                    self.suspense -= residual;
                } else {
                    legs.credit(R::InterestIncome, -residual);
                }
            }
            self.receivable += d.interest_due_unpaid;
        }
        if let Some(c) = account.closure()
            && c.closure_type == ClosureType::Topup
            && self.topped_up.is_none()
            && let Some(next) = &c.successor_loan_id
        {
            self.topped_up = Some((next.clone(), cash_in));
        }
        let id = join(&self.loan_id, &e.id);
        self.push(id, t, event_kind(&e.body), Some(&e.id), &legs)
    }
}

impl Observer for LoanPoster<'_> {
    fn before(&mut self, event: &LoanEvent, account: &Account) -> Result<()> {
        self.advance(account, event.value_date, false)?;
        self.before = account.figures(event.value_date);
        self.skip_due = match &event.body {
            EventBody::InstallmentSkipped { installment, .. } => account.due_on(*installment),
            _ => None,
        };
        Ok(())
    }

    fn after(
        &mut self,
        event: &LoanEvent,
        account: &Account,
        outcome: &EventOutcome,
    ) -> Result<()> {
        if matches!(event.body, EventBody::Disbursed { .. }) {
            self.disbursed(event, account)?;
        } else {
            self.event(event, account, outcome)?;
        }
        self.watch_upgrade(account, event.value_date);
        Ok(())
    }
}

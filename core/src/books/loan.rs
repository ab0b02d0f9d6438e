//! Posting rules for loan events, read from what the account fold computed: each event's
//! entry is the difference of the loan's cumulative figures across it.

use std::sync::Arc;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::Ctx;
use crate::account::{Account, ClosureType, EventBody, EventOutcome, Figures, LoanEvent, Observer};
use crate::error::Result;
use crate::ledger::{Basis, EntryHeader, JournalEntry, Legs, PostingRole as R};

/// A period during which a loan is non-performing (from the classification): NPA from the
/// day-end of `from` until the day-end of `to` (still NPA when `to` is null).
///
/// # Example
/// ```
/// let p: windeep_core::NpaPeriod = serde_json::from_str(r#"{"from": "2026-06-06"}"#).unwrap();
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
    transitions: Vec<(NaiveDate, bool)>,
    next_transition: usize,
    accrued_through: Option<NaiveDate>,
    in_npa: bool,
    receivable: i128,
    suspense: i128,
    before: Figures,
    skip_due: Option<NaiveDate>,
    pub(crate) entries: Vec<JournalEntry>,
    /// Set when the loan closed into a top-up: (new loan id, amount settled).
    pub(crate) topped_up: Option<(String, i128)>,
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
        EventBody::Foreclosed { .. } => "foreclosed",
        EventBody::ToppedUp { .. } => "topped_up",
        EventBody::WrittenOff { .. } => "written_off",
        EventBody::Waiver { .. } => "waiver",
    }
}

impl<'c> LoanPoster<'c> {
    pub(crate) fn new(
        ctx: &'c Ctx,
        loan_id: &str,
        member: &str,
        npa: &[NpaPeriod],
        carried: i128,
    ) -> Self {
        let mut transitions: Vec<(NaiveDate, bool)> = Vec::new();
        for p in npa {
            transitions.push((p.from, true));
            if let Some(to) = p.to {
                transitions.push((to, false));
            }
        }
        transitions.sort();
        Self {
            ctx,
            loan_id: Arc::from(loan_id),
            member: Arc::from(member),
            carried,
            transitions,
            next_transition: 0,
            accrued_through: None,
            in_npa: false,
            receivable: 0,
            suspense: 0,
            before: Figures::default(),
            skip_due: None,
            entries: Vec::new(),
            topped_up: None,
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
            let next_move = self
                .transitions
                .get(self.next_transition)
                .copied()
                .filter(|(d, _)| *d < upto || (day_end && *d == upto));
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
                self.next_transition += 1;
                self.npa_move(d, npa)?;
            }
        }
        self.accrued_through = Some(self.accrued_through.map_or(upto, |a| a.max(upto)));
        Ok(())
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
            let amount = self.receivable - self.suspense;
            legs.debit(R::InterestIncome, amount)
                .credit(R::InterestSuspense, amount);
            self.suspense += amount;
            let id = format!("{}/npa/{date}", self.loan_id);
            return self.push(id, date, "npa_suspense", None, &legs);
        }
        if !npa && self.in_npa {
            self.in_npa = false;
            legs.debit(R::InterestSuspense, self.suspense)
                .credit(R::InterestIncome, self.suspense);
            self.suspense = 0;
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
            EventBody::PaymentReceived { amount, .. }
            | EventBody::InterestOnlyPayment { amount, .. }
            | EventBody::PartPayment { amount, .. }
            | EventBody::Foreclosed { amount } => {
                legs.debit(self.ctx.funds, self.ctx.currency.minor(*amount)?);
            }
            EventBody::ToppedUp { .. } => {
                legs.debit(R::TopupClearing, cash_in);
            }
            _ => {}
        }
        legs.credit(R::LoanPortfolio, principal_in)
            .credit(R::PrepaymentChargeIncome, charge)
            .credit(R::MemberCredit, d.member_credit)
            .credit(R::SavingsClearing, d.savings_credit);
        if accrual {
            legs.credit(R::InterestReceivable, d.interest_paid_due)
                .credit(R::InterestIncome, d.interest_paid_ahead + collected);
            let realised = d.interest_paid_due.min(self.suspense).max(0);
            self.suspense -= realised;
            legs.debit(R::InterestSuspense, realised)
                .credit(R::InterestIncome, realised);
            legs.credit(R::FineReceivable, d.fines_paid)
                .debit(R::FineReceivable, d.fines_levied)
                .credit(R::FineIncome, d.fines_levied)
                .debit(R::FineIncome, d.fines_waived)
                .credit(R::FineReceivable, d.fines_waived);
        } else {
            legs.credit(R::InterestIncome, interest_cash)
                .credit(R::FineIncome, d.fines_paid);
        }
        // Principal waived or written off.
        let loss = if matches!(e.body, EventBody::WrittenOff { .. }) {
            R::WriteOffExpense
        } else {
            R::WaiverExpense
        };
        legs.debit(loss, d.principal_waived)
            .credit(R::LoanPortfolio, d.principal_waived);
        // Interest capitalised by a skip: accrued interest becomes principal; interest not yet
        // accrued is recognised through the capitalised-interest role.
        legs.debit(R::LoanPortfolio, d.capitalised);
        if accrual {
            legs.credit(R::InterestReceivable, cap_due)
                .credit(R::CapitalisedInterest, d.capitalised - cap_due);
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
        } else {
            legs.credit(R::CapitalisedInterest, d.capitalised);
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
            self.disbursed(event, account)
        } else {
            self.event(event, account, outcome)
        }
    }
}

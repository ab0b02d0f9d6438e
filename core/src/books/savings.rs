//! Posting rules for savings events.

use std::sync::Arc;

use super::Ctx;
use crate::error::Result;
use crate::ledger::{Basis, EntryHeader, JournalEntry, Legs, PostingRole as R};
use crate::savings::{SavingsBody, SavingsEvent, SavingsMode, SavingsObserver, Step};

pub(crate) struct SavingsPoster<'c> {
    ctx: &'c Ctx,
    account: Arc<str>,
    member: Arc<str>,
    pub(crate) entries: Vec<JournalEntry>,
}

fn mode_role(mode: SavingsMode) -> R {
    match mode {
        SavingsMode::Bank => R::Bank,
        SavingsMode::Cash => R::Cash,
        SavingsMode::Transfer => R::SavingsClearing,
    }
}

pub(crate) fn savings_kind(body: &SavingsBody) -> &'static str {
    match body {
        SavingsBody::Deposit { .. } => "deposit",
        SavingsBody::Withdrawal { .. } => "withdrawal",
        SavingsBody::InterestCredited { .. } => "interest_credited",
        SavingsBody::BonusCredited { .. } => "bonus_credited",
        SavingsBody::FineLevied { .. } => "savings_fine_levied",
        SavingsBody::FinePaid { .. } => "savings_fine_paid",
        SavingsBody::FineWaived { .. } => "savings_fine_waived",
        SavingsBody::Reversed { .. } => "reversed",
    }
}

impl<'c> SavingsPoster<'c> {
    pub(crate) fn new(ctx: &'c Ctx, account: &str, member: &str) -> Self {
        Self {
            ctx,
            account: Arc::from(account),
            member: Arc::from(member),
            entries: Vec::new(),
        }
    }

    pub(crate) fn drain(&mut self) -> Vec<JournalEntry> {
        std::mem::take(&mut self.entries)
    }
}

impl SavingsObserver for SavingsPoster<'_> {
    fn applied(&mut self, e: &SavingsEvent, step: &Step) -> Result<()> {
        let accrual = self.ctx.basis == Basis::Accrual;
        let mut legs = Legs::default();
        match &e.body {
            SavingsBody::Deposit { mode, .. } => {
                legs.debit(mode_role(*mode), step.balance)
                    .credit(R::SavingsDeposits, step.balance);
            }
            SavingsBody::Withdrawal { mode, .. } => {
                legs.debit(R::SavingsDeposits, -step.balance)
                    .credit(mode_role(*mode), -step.balance);
            }
            SavingsBody::InterestCredited { .. } => {
                legs.debit(R::SavingsInterestExpense, step.balance)
                    .credit(R::SavingsDeposits, step.balance);
            }
            SavingsBody::BonusCredited { .. } => {
                legs.debit(R::BonusExpense, step.balance)
                    .credit(R::SavingsDeposits, step.balance);
            }
            SavingsBody::FineLevied { .. } if accrual => {
                legs.debit(R::FineReceivable, step.fines_levied)
                    .credit(R::FineIncome, step.fines_levied);
            }
            SavingsBody::FinePaid { mode, .. } => {
                let to = if accrual {
                    R::FineReceivable
                } else {
                    R::FineIncome
                };
                legs.debit(mode_role(*mode), step.fines_paid)
                    .credit(to, step.fines_paid);
            }
            SavingsBody::FineWaived { .. } if accrual => {
                legs.debit(R::FineIncome, step.fines_waived)
                    .credit(R::FineReceivable, step.fines_waived);
            }
            _ => {}
        }
        let lines = legs.lines(&self.ctx.chart)?;
        if lines.is_empty() {
            return Ok(());
        }
        self.entries.push(JournalEntry::new(
            EntryHeader {
                id: super::loan::join(&self.account, &e.id),
                date: e.value_date,
                kind: savings_kind(&e.body),
                account: Some(Arc::clone(&self.account)),
                event_id: Some(e.id.clone()),
                member: Some(Arc::clone(&self.member)),
                ..EntryHeader::default()
            },
            lines,
            self.ctx.scale,
        )?);
        Ok(())
    }
}

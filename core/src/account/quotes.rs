//! Quotes of a loan account: foreclosure and top-up, with top-up eligibility.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::events::ForeclosureRule;
use super::state::{Account, Fine, Row, RowKind, require_reason};
use super::views::{ForeclosureQuote, TopUpQuote};
use crate::calendar::days_between;
use crate::error::{CoreError, Result};
use crate::money::Money;

impl Account {
    pub(super) fn open_quote(&self, date: NaiveDate) -> Result<ForeclosureQuote> {
        self.closed_error()?;
        self.before_disbursement(date)?;
        self.quote(date)
    }

    pub(super) fn topup_quote(
        &self,
        date: NaiveDate,
        amount: Money,
        restructure: Option<&str>,
    ) -> Result<TopUpQuote> {
        self.closed_error()?;
        self.before_disbursement(date)?;
        let amount = self.amount(amount, "a top-up")?;
        let npa = self.topup_eligible(date, restructure)?;
        let principal = self.outstanding_principal();
        let interest_due = self.interest_due_on(date);
        Ok(TopUpQuote {
            topup_amount: self.m(amount)?,
            new_principal: self.m(principal + amount)?,
            collected_from_proceeds: self.m(interest_due)?,
            cash_before_fee: self.m(amount - interest_due)?,
            parent_principal: self.m(principal)?,
            parent_interest_due: self.m(interest_due)?,
            parent_fines: self.m(0)?,
            interest_to_suspense: if npa {
                Some(self.m(interest_due)?)
            } else {
                None
            },
            restructured: restructure.is_some(),
        })
    }

    pub(super) fn interest_due_on(&self, date: NaiveDate) -> i128 {
        self.rows
            .iter()
            .filter(|r| r.due_on <= date)
            .map(Row::unpaid_interest)
            .sum()
    }

    /// Top-up eligibility (decisions §11, revised 2026-12-03); returns whether the parent is
    /// NPA. Fines are never financed from the proceeds, so none may be unpaid; at least
    /// `topup_min_emis_paid` installments must be fully paid; at most `topup_max_overdue` may
    /// be past due unless the top-up is an explicit restructure; an NPA parent (days past due
    /// above `npa_after_days`) needs the restructure.
    pub(super) fn topup_eligible(
        &self,
        date: NaiveDate,
        restructure: Option<&str>,
    ) -> Result<bool> {
        let refuse = |reason: String| Err(CoreError::TopupNotEligible { reason });
        if let Some(reason) = restructure {
            require_reason(reason)?;
        }
        let fines: i128 = self.fines.iter().map(Fine::balance).sum();
        if fines > 0 {
            return refuse(format!(
                "fines of {} are unpaid; they are never paid from a new loan's proceeds",
                self.m(fines)?
            ));
        }
        let paid = self
            .rows
            .iter()
            .filter(|r| {
                r.kind == RowKind::Regular
                    && r.unpaid_interest() == 0
                    && r.unpaid_principal() == 0
                    && r.interest_paid + r.principal_paid > 0
            })
            .count();
        let min = self.policy.topup_min_emis_paid;
        if u32::try_from(paid).unwrap_or(u32::MAX) < min {
            return refuse(format!("{paid} installments paid, at least {min} needed"));
        }
        let past_due: Vec<&Row> = self
            .rows
            .iter()
            .filter(|r| r.due_on < date && (r.unpaid_interest() > 0 || r.unpaid_principal() > 0))
            .collect();
        let dpd = past_due.first().map_or(0, |r| days_between(r.due_on, date));
        let npa = dpd > i64::from(self.policy.npa_after_days);
        if restructure.is_none() {
            if npa {
                return refuse(format!(
                    "the parent is NPA ({dpd} days past due): a top-up needs an explicit \
                     restructure with a reason"
                ));
            }
            let max = self.policy.topup_max_overdue;
            if u32::try_from(past_due.len()).unwrap_or(u32::MAX) > max {
                return refuse(format!(
                    "{} installments are past due, at most {max} allowed",
                    past_due.len()
                ));
            }
        }
        Ok(npa)
    }

    pub(super) fn quote(&self, date: NaiveDate) -> Result<ForeclosureQuote> {
        let principal = self.outstanding_principal();
        let interest_due: i128 = self
            .rows
            .iter()
            .filter(|r| r.due_on <= date)
            .map(Row::unpaid_interest)
            .sum();
        let future: i128 = self
            .rows
            .iter()
            .filter(|r| r.due_on > date)
            .map(Row::unpaid_interest)
            .sum();
        let last_due = self
            .rows
            .iter()
            .filter(|r| r.due_on <= date)
            .map(|r| r.due_on)
            .max()
            .unwrap_or(self.terms.disbursed_on);
        // A floating-rate loan to an individual carries no foreclosure charge: only the
        // interest accrued to the date, whatever the policy's rule.
        let rule = if self.floating {
            ForeclosureRule::AccruedToDate
        } else {
            self.policy.foreclosure
        };
        let foreclosure_interest = match rule {
            ForeclosureRule::AccruedToDate => self
                .amort
                .actual_365(principal, days_between(last_due, date))?,
            ForeclosureRule::PctOfRemainingScheduled { pct } => {
                let p = pct.normalize();
                self.amort
                    .round(future * p.mantissa(), 100 * 10_i128.pow(p.scale()))?
            }
            ForeclosureRule::OneMonthInterest => self.amort.one_period(principal)?,
        };
        let pc = if self.floating {
            Decimal::ZERO
        } else {
            self.policy.prepayment_charge_pct.normalize()
        };
        let prepayment_charge = self
            .amort
            .round(principal * pc.mantissa(), 100 * 10_i128.pow(pc.scale()))?;
        let fines: i128 = self.fines.iter().map(Fine::balance).sum();
        let total = principal + interest_due + foreclosure_interest + prepayment_charge + fines;
        Ok(ForeclosureQuote {
            settlement_on: date,
            rule,
            principal: self.m(principal)?,
            interest_due: self.m(interest_due)?,
            foreclosure_interest: self.m(foreclosure_interest)?,
            prepayment_charge: self.m(prepayment_charge)?,
            fines: self.m(fines)?,
            total: self.m(total)?,
            floating: self.floating,
        })
    }
}

//! Restructures of a loan account: the restructure gate, skips, interest-only months,
//! part payments (reducing and flat), reschedules and rate resets, and the re-amortisation
//! they share.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::events::{InterestOnlyMode, PartPaymentMode, RateChangeMode, SkipMode};
use super::state::{Account, LIMIT_ROWS, Row, RowKind, require_reason};
use crate::calendar::days_between;
use crate::error::{CoreError, Result};
use crate::money::Rate;
use crate::schedule::{Amortizer, Method};

impl Account {
    /// A skip or interest-only month on an installment already past due, or on a loan with
    /// anything past due (SMA/NPA), is a restructure: refused without an explicit reason
    /// (`E_RESTRUCTURE_REQUIRED`); with one, the loan is flagged restructured.
    pub(super) fn restructure_gate(
        &mut self,
        k: u32,
        date: NaiveDate,
        reason: Option<&str>,
    ) -> Result<()> {
        let due = self.at(self.row_index(k)?)?.due_on;
        let sma = self
            .rows
            .iter()
            .any(|r| r.due_on < date && (r.unpaid_interest() > 0 || r.unpaid_principal() > 0));
        match reason {
            Some(reason) => {
                require_reason(reason)?;
                if self.restructured.is_none() {
                    self.restructured = Some((date, reason.to_owned()));
                }
                Ok(())
            }
            None if due < date || sma => Err(CoreError::RestructureRequired {
                reason: format!(
                    "installment {k} (due {due}) on a loan {}: say restructure with a reason",
                    if sma {
                        "with dues past due"
                    } else {
                        "already past due"
                    }
                ),
            }),
            None => Ok(()),
        }
    }

    /// Rows from index `from` on are replaced by a reducing amortisation of `balance`.
    /// `emi` fixed (rows run until repaid, at most `max_rows`) or `count` rows at a new EMI.
    pub(super) fn reamortise(
        &mut self,
        from: usize,
        balance: i128,
        emi: Option<i128>,
        count: u32,
        first_interest_credit: i128,
    ) -> Result<()> {
        let first_number = self.rows.get(from).map_or_else(
            || self.rows.last().map_or(1, |r| r.number + 1),
            |r| r.number,
        );
        self.rows.truncate(from);
        let emi = match emi {
            Some(e) => e,
            None => self.amort.emi(balance, count)?,
        };
        self.emi = emi;
        let mut b = balance;
        let mut k = first_number;
        let mut made = 0_u32;
        while b > 0 {
            if self.rows.len() >= LIMIT_ROWS {
                return Err(CoreError::NegativeAmortisation {
                    emi: self.m(emi)?.to_string(),
                });
            }
            let due = self.amort.due(k)?;
            let prev = self.amort.due(k - 1)?;
            let mut interest = self.amort.interest(b, prev, due)?;
            if made == 0 {
                if first_interest_credit > interest {
                    return Err(CoreError::NotEligible {
                        reason: "the part payment's interest credit exceeds the next installment's interest".to_owned(),
                    });
                }
                interest -= first_interest_credit;
            }
            made += 1;
            let last = made >= count;
            let mut principal = if last { b } else { (emi - interest).min(b) };
            if principal <= 0 {
                return Err(CoreError::NegativeAmortisation {
                    emi: self.m(emi)?.to_string(),
                });
            }
            if principal > b {
                principal = b;
            }
            self.rows.push(Row::regular(k, due, principal, interest));
            b -= principal;
            k += 1;
        }
        Ok(())
    }

    pub(super) fn later_untouched(&self, from: usize) -> Result<()> {
        if self.rows.iter().skip(from).all(Row::untouched) {
            Ok(())
        } else {
            Err(CoreError::NotEligible {
                reason: "later installments already have payments".to_owned(),
            })
        }
    }

    pub(super) fn skip(&mut self, k: u32, mode: SkipMode) -> Result<()> {
        let flat = self.terms.method == Method::Flat && mode == SkipMode::ExtendTenure;
        if !flat {
            self.require_reducing("a skip")?;
        }
        if self.skips >= self.policy.max_skips {
            return Err(CoreError::RestructureLimit {
                what: "skips",
                max: self.policy.max_skips,
            });
        }
        let i = self.row_index(k)?;
        if self.at(i)?.kind != RowKind::Regular {
            return Err(CoreError::NotEligible {
                reason: format!("installment {k} is already restructured"),
            });
        }
        self.later_untouched(i)?;
        let remaining_after = u32::try_from(self.rows.len() - i - 1).unwrap_or(0);
        if remaining_after == 0 {
            return Err(CoreError::NotEligible {
                reason: "the last installment cannot be skipped".to_owned(),
            });
        }
        let emi = self.emi;
        let balance: i128 = self.rows.iter().skip(i).map(|r| r.principal).sum();
        let capitalised = self.at(i)?.interest;
        let skipped_principal = self.at(i)?.principal;
        let row = self.at_mut(i)?;
        row.kind = RowKind::Skipped;
        row.principal = 0;
        row.interest = 0;
        if flat {
            // A flat loan's interest is fixed on the original principal: the skipped
            // installment (its principal and its interest, capitalised) moves to one row after
            // the last, at the installment it was, with no interest of its own.
            let number = self.rows.last().map_or(k, |r| r.number) + 1;
            let due_on = self.amort.due(number)?;
            self.rows.push(Row::regular(
                number,
                due_on,
                skipped_principal + capitalised,
                0,
            ));
            self.capitalised += capitalised;
            self.skips += 1;
            return Ok(());
        }
        let b = balance + capitalised;
        match mode {
            // The EMI is kept: as many rows as repay the balance, the last one smaller.
            SkipMode::ExtendTenure => self.reamortise(i + 1, b, Some(emi), u32::MAX, 0)?,
            SkipMode::CapitaliseReamortise => {
                self.reamortise(i + 1, b, None, remaining_after, 0)?
            }
        }
        self.capitalised += capitalised;
        self.skips += 1;
        Ok(())
    }

    pub(super) fn interest_only(&mut self, k: u32, amount: i128) -> Result<()> {
        self.require_reducing("an interest-only month")?;
        if self.interest_only >= self.policy.max_interest_only {
            return Err(CoreError::RestructureLimit {
                what: "interest-only months",
                max: self.policy.max_interest_only,
            });
        }
        let i = self.row_index(k)?;
        let row = self.at(i)?;
        if row.kind != RowKind::Regular || row.principal_paid != 0 || row.unpaid_interest() == 0 {
            return Err(CoreError::NotEligible {
                reason: format!("installment {k} cannot become interest-only"),
            });
        }
        if amount != row.unpaid_interest() {
            return Err(CoreError::NotEligible {
                reason: format!(
                    "an interest-only payment must be exactly the unpaid interest {}",
                    self.m(row.unpaid_interest())?
                ),
            });
        }
        self.later_untouched(i + 1)?;
        let emi = self.emi;
        let remaining_after = u32::try_from(self.rows.len() - i - 1).unwrap_or(0);
        let balance: i128 = self.rows.iter().skip(i).map(|r| r.principal).sum();
        let row = self.at_mut(i)?;
        row.interest_paid += amount;
        row.deferred_principal = row.principal;
        row.principal = 0;
        row.kind = RowKind::InterestOnly;
        match self.policy.interest_only_mode {
            InterestOnlyMode::AppendInstallment => {
                self.reamortise(i + 1, balance, Some(emi), remaining_after + 1, 0)?
            }
            InterestOnlyMode::Reamortise => {
                if remaining_after == 0 {
                    return Err(CoreError::NotEligible {
                        reason: "the last installment cannot be re-amortised".to_owned(),
                    });
                }
                self.reamortise(i + 1, balance, None, remaining_after, 0)?;
            }
        }
        self.interest_only += 1;
        Ok(())
    }

    /// Returns the accrued interest collected.
    pub(super) fn part_payment(
        &mut self,
        amount: i128,
        date: NaiveDate,
        mode: PartPaymentMode,
    ) -> Result<i128> {
        if self.terms.method != Method::Flat {
            self.require_reducing("a part payment")?;
        }
        let arrears = self
            .rows
            .iter()
            .any(|r| r.due_on <= date && (r.unpaid_interest() > 0 || r.unpaid_principal() > 0))
            || self.fines.iter().any(|f| f.balance() > 0);
        if arrears {
            return Err(CoreError::ArrearsOutstanding);
        }
        let from = self
            .rows
            .iter()
            .position(|r| r.due_on > date)
            .ok_or_else(|| CoreError::NotEligible {
                reason: "no installment is left to re-amortise".to_owned(),
            })?;
        self.later_untouched(from)?;
        let outstanding = self.outstanding_principal();
        if self.terms.method == Method::Flat {
            return self.flat_part_payment(amount, from, outstanding, mode);
        }
        let last_due = if from == 0 {
            self.terms.disbursed_on
        } else {
            self.at(from - 1)?.due_on
        };
        let days = days_between(last_due, date);
        let accrued = self.amort.actual_365(outstanding, days)?;
        let principal_part = amount - accrued;
        let minimum = self
            .terms
            .currency
            .amount(self.policy.min_part_payment)?
            .value()
            .mantissa();
        if principal_part <= 0 || principal_part >= outstanding || amount < minimum {
            return Err(CoreError::PartPaymentAmount {
                amount: self.m(amount)?.to_string(),
                outstanding: self.m(outstanding)?.to_string(),
            });
        }
        let count = u32::try_from(self.rows.len() - from).unwrap_or(1);
        let emi = self.emi;
        // The new balance's interest for the days already elapsed was collected as `accrued`
        // on the old balance, so the next installment charges only the rest of its period.
        let new_balance = outstanding - principal_part;
        let period_start = self.amort.due(self.at(from)?.number.saturating_sub(1))?;
        let credit_days = days_between(last_due.max(period_start), date).max(0);
        let credit = self.amort.actual_365(new_balance, credit_days)?;
        self.prepaid += principal_part;
        match mode {
            PartPaymentMode::ReduceEmi => {
                self.reamortise(from, new_balance, None, count, credit)?
            }
            PartPaymentMode::ReduceTenure => {
                self.reamortise(from, new_balance, Some(emi), u32::MAX, credit)?
            }
        }
        Ok(accrued)
    }

    /// Rows due after `date` re-amortised from their scheduled principal: over `tenure` rows
    /// at a new EMI, or at `emi` until repaid. A restructure (gate) when anything is past due.
    pub(super) fn reschedule(
        &mut self,
        date: NaiveDate,
        tenure: Option<u32>,
        emi: Option<i128>,
        reason: Option<&str>,
    ) -> Result<()> {
        if tenure.is_some() == emi.is_some() || tenure == Some(0) {
            return Err(CoreError::InvalidEvent {
                reason: "a reschedule names exactly one of tenure (> 0) and emi".to_owned(),
            });
        }
        let from = self
            .rows
            .iter()
            .position(|r| r.due_on > date)
            .ok_or_else(|| CoreError::NotEligible {
                reason: "no installment is left to reschedule".to_owned(),
            })?;
        let first = self.at(from)?.number;
        self.restructure_gate(first, date, reason)?;
        self.require_reducing("a reschedule")?;
        self.later_untouched(from)?;
        let balance: i128 = self.rows.iter().skip(from).map(|r| r.principal).sum();
        match (tenure, emi) {
            (Some(n), _) => self.reamortise(from, balance, None, n, 0),
            (_, Some(e)) => self.reamortise(from, balance, Some(e), u32::MAX, 0),
            _ => Ok(()),
        }
    }

    /// A flat loan's part payment: the whole amount reduces the principal (no accrued interest
    /// is collected: the current period's flat interest is in its row), and the rows from
    /// `from` on are re-computed with flat interest on the remaining principal `B`: every row's
    /// interest is the period's interest on `B`; its principal is `R(B / n)` over the same `n`
    /// rows (`reduce_emi`) or the principal part of the first remaining row over as many rows
    /// as repay `B` (`reduce_tenure`), the last row taking what is left. Returns 0.
    pub(super) fn flat_part_payment(
        &mut self,
        amount: i128,
        from: usize,
        outstanding: i128,
        mode: PartPaymentMode,
    ) -> Result<i128> {
        let minimum = self
            .terms
            .currency
            .amount(self.policy.min_part_payment)?
            .value()
            .mantissa();
        if amount <= 0 || amount >= outstanding || amount < minimum {
            return Err(CoreError::PartPaymentAmount {
                amount: self.m(amount)?.to_string(),
                outstanding: self.m(outstanding)?.to_string(),
            });
        }
        let balance = outstanding - amount;
        let n = i128::try_from(self.rows.len() - from).unwrap_or(1).max(1);
        let first = self.at(from)?.number;
        let part = match mode {
            PartPaymentMode::ReduceEmi => self.amort.round(balance, n)?,
            PartPaymentMode::ReduceTenure => self.at(from)?.principal,
        };
        if part <= 0 {
            return Err(CoreError::NotEligible {
                reason: "the principal part of an installment would be zero".to_owned(),
            });
        }
        self.rows.truncate(from);
        let mut left = balance;
        let mut k = first;
        let mut made = 0_i128;
        while left > 0 {
            made += 1;
            let last = mode == PartPaymentMode::ReduceEmi && made >= n;
            let principal = if last { left } else { part.min(left) };
            let due_on = self.amort.due(k)?;
            let interest = self
                .amort
                .interest(balance, self.amort.due(k - 1)?, due_on)?;
            self.rows.push(Row::regular(k, due_on, principal, interest));
            left -= principal;
            k += 1;
        }
        self.prepaid += amount;
        Ok(0)
    }

    pub(super) fn rate_change(
        &mut self,
        rate: Rate,
        date: NaiveDate,
        mode: RateChangeMode,
    ) -> Result<()> {
        self.require_reducing("a rate reset")?;
        if rate.percent() < Decimal::ZERO {
            return Err(CoreError::NegativeRate {
                value: rate.to_string(),
            });
        }
        if rate.percent() > self.terms.policy.max_annual_rate.percent() {
            return Err(CoreError::RateExceedsCap {
                value: rate.to_string(),
                cap: self.terms.policy.max_annual_rate.to_string(),
            });
        }
        let from = self
            .rows
            .iter()
            .position(|r| r.due_on > date && r.untouched())
            .ok_or_else(|| CoreError::NotEligible {
                reason: "no untouched installment after the reset date".to_owned(),
            })?;
        self.later_untouched(from)?;
        let emi = self.emi;
        let count = u32::try_from(self.rows.len() - from).unwrap_or(1);
        let balance: i128 = self.rows.iter().skip(from).map(|r| r.principal).sum();
        let old = std::mem::replace(&mut self.amort, Amortizer::new(&self.terms, rate)?);
        self.rate = rate;
        let credit = self.split_period_credit(&old, self.at(from)?.number, balance, date)?;
        match mode {
            RateChangeMode::KeepTenure => self.reamortise(from, balance, None, count, credit),
            RateChangeMode::KeepEmi => self.reamortise(from, balance, Some(emi), u32::MAX, credit),
        }
    }

    /// A reset dated strictly inside the period of installment `k` splits that period's
    /// interest: the old rate to the reset date, the new rate after it, each the period's
    /// interest under the loan's basis apportioned by actual days, rounded once. Returns what
    /// to take off the new rate's full-period interest (negative when the rate rises; 0 when
    /// the reset falls on or before the period's start).
    pub(super) fn split_period_credit(
        &self,
        old: &Amortizer,
        k: u32,
        balance: i128,
        date: NaiveDate,
    ) -> Result<i128> {
        let start = self.amort.due(k.saturating_sub(1))?;
        let end = self.amort.due(k)?;
        if date <= start || date >= end {
            return Ok(0);
        }
        let overflow = || CoreError::Overflow {
            context: "interest",
        };
        let (n_old, d_old) = old.exact_interest(balance, start, end)?;
        let (n_new, d_new) = self.amort.exact_interest(balance, start, end)?;
        let before = i128::from(days_between(start, date));
        let after = i128::from(days_between(date, end));
        let mul = |a: i128, b: i128| a.checked_mul(b).ok_or_else(overflow);
        let numerator = mul(mul(n_old, d_new)?, before)?
            .checked_add(mul(mul(n_new, d_old)?, after)?)
            .ok_or_else(overflow)?;
        let denominator = mul(mul(d_old, d_new)?, before + after)?;
        let split = self.amort.round(numerator, denominator)?;
        Ok(self.amort.interest(balance, start, end)? - split)
    }
}

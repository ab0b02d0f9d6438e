//! The views of a loan account: its state, summary, fines and write-off as the operations
//! return them, and the types they are made of.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::events::ForeclosureRule;
use super::state::{Account, Fine, Row, RowKind};
use crate::calendar::days_between;
use crate::error::Result;
use crate::fines::{
    AccountType, FineKey, FineSnapshot, LeviedFine, OverdueInstallment as FineInstallment,
};
use crate::money::{Money, Rate};

/// How a loan was closed.
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClosureType {
    /// Everything repaid on schedule (or in advance).
    Regular,
    /// Settled early for the foreclosure quote.
    Foreclosure,
    /// Written off.
    WriteOff,
    /// Closed into a top-up loan.
    Topup,
    /// A written-off loan's claim closed by a compromise settlement (`settled`).
    Settled,
}

/// A closure: its type, date and the guarantors it releases.
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Closure {
    /// How the loan closed.
    #[serde(rename = "type")]
    pub closure_type: ClosureType,
    /// The value date of the closing event.
    #[serde(with = "crate::money::iso_date")]
    pub closed_on: NaiveDate,
    /// Guarantors released: all of them on repayment, foreclosure, top-up or settlement;
    /// none on a write-off until its claim is recovered in full (decisions §20, revised).
    pub guarantors_released: Vec<String>,
    /// For a top-up: the new loan.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub successor_loan_id: Option<String>,
}

/// Status of an installment as of a date.
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InstallmentStatus {
    /// Not yet due, nothing paid.
    Upcoming,
    /// Due today, nothing paid.
    Due,
    /// Something paid, not all, not past due.
    Partial,
    /// Fully settled by payments.
    Paid,
    /// Past its due date and not fully settled.
    Overdue,
    /// Skipped (payment holiday).
    Skipped,
    /// Interest paid, principal deferred.
    InterestOnly,
    /// Settled by an explicit waiver without payment.
    Waived,
    /// Its interest was cancelled by a foreclosure, top-up or write-off (not yet due then).
    Cancelled,
    /// Written off: still owed by the member as part of the write-off claim.
    WrittenOff,
}

impl InstallmentStatus {
    /// The status of a regular installment (neither skipped, interest-only nor settled by
    /// waiver) as of `as_of`, from what is unpaid and what was paid on it, in minor units.
    pub(crate) fn of_regular(
        unpaid: i128,
        paid: i128,
        due_on: NaiveDate,
        as_of: NaiveDate,
    ) -> Self {
        if unpaid == 0 {
            Self::Paid
        } else if due_on < as_of {
            Self::Overdue
        } else if paid > 0 {
            Self::Partial
        } else if due_on == as_of {
            Self::Due
        } else {
            Self::Upcoming
        }
    }
}

/// One installment in a loan statement.
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstallmentView {
    /// Installment number.
    pub number: u32,
    /// Due date.
    #[serde(with = "crate::money::iso_date")]
    pub due_on: NaiveDate,
    /// Status as of the statement date.
    pub status: InstallmentStatus,
    /// Scheduled principal.
    pub principal: Money,
    /// Scheduled interest.
    pub interest: Money,
    /// Principal paid.
    pub principal_paid: Money,
    /// Interest paid.
    pub interest_paid: Money,
    /// Principal and interest waived by explicit waivers.
    pub waived: Money,
    /// Interest cancelled by a foreclosure, top-up or write-off (it was not yet due).
    pub cancelled: Money,
    /// Principal and interest written off (still a claim; see the loan's `write_off`).
    pub written_off: Money,
    /// Principal + interest still unpaid.
    pub unpaid: Money,
    /// Principal moved to later rows by an interest-only month.
    pub deferred_principal: Money,
    /// Σ fine balances on this installment.
    pub fines_due: Money,
    /// Days past due at day-end (0 when settled or not yet past due).
    pub days_past_due: i64,
}

/// One fine in a loan statement.
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FineView {
    /// Deterministic key: `loan/installment/rule/occurrence`.
    pub key: String,
    /// Installment fined.
    pub installment: u32,
    /// Rule id.
    pub rule_id: String,
    /// Occurrence.
    pub occurrence: u32,
    /// Amount levied.
    pub amount: Money,
    /// Paid.
    pub paid: Money,
    /// Waived.
    pub waived: Money,
    /// Written off with the loan (still owed as part of the write-off claim).
    pub written_off: Money,
    /// amount − paid − waived − written off.
    pub balance: Money,
}

/// Everything derived about a loan as of a date.
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoanState {
    /// Loan id.
    pub loan_id: String,
    /// The statement date.
    #[serde(with = "crate::money::iso_date")]
    pub as_of: NaiveDate,
    /// `active`, `closed`, `foreclosed`, `written_off` or `topped_up`.
    pub status: String,
    /// Closure details once closed.
    pub closure: Option<Closure>,
    /// Current nominal rate.
    pub annual_rate: Rate,
    /// Current EMI (the first remaining regular installment's amount).
    pub emi: Option<Money>,
    /// Principal disbursed.
    pub principal_disbursed: Money,
    /// Interest capitalised by skips.
    pub principal_capitalised: Money,
    /// Principal prepaid by part payments (outside the installments).
    pub principal_prepaid: Money,
    /// Principal disbursed + capitalised − paid − prepaid − waived.
    pub outstanding_principal: Money,
    /// Unpaid interest of installments due on or before the date.
    pub interest_due: Money,
    /// Unpaid interest of installments due after the date.
    pub future_interest: Money,
    /// Σ fine balances.
    pub fines_due: Money,
    /// Excess held for the member.
    pub member_credit: Money,
    /// Excess sent to the member's savings.
    pub credited_to_savings: Money,
    /// Days past due of the oldest unpaid installment at day-end.
    pub days_past_due: i64,
    /// Next due date with something unpaid.
    #[serde(with = "opt_date")]
    #[cfg_attr(feature = "schemars", schemars(with = "crate::wire::schema::OptDate"))]
    pub next_due_on: Option<NaiveDate>,
    /// Skips used.
    pub skips_used: u32,
    /// Interest-only months used.
    pub interest_only_used: u32,
    /// The installments.
    pub installments: Vec<InstallmentView>,
    /// The fines.
    pub fines: Vec<FineView>,
    /// For a written-off loan: what was written off, recovered and is still owed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub write_off: Option<WriteOffView>,
    /// For a restructured loan: the flag and its performance period.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restructured: Option<RestructureView>,
}

/// A loan flagged restructured (a skip or interest-only month granted on dues past due or on
/// an SMA/NPA loan, or a restructured top-up). It keeps its asset class and can be upgraded
/// only after `performance_months` of satisfactory performance from the first payment under
/// the new terms.
///
/// # Example
/// ```
/// let r: windeep_core::account::RestructureView = serde_json::from_str(r#"{"on": "2026-04-10",
///   "reason": "flood relief", "first_payment_on": "2026-05-05",
///   "performance_months": 12, "upgrade_from": "2027-05-05"}"#).unwrap();
/// assert_eq!(r.performance_months, 12);
/// ```
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RestructureView {
    /// The date of the first explicit restructure.
    #[serde(with = "crate::money::iso_date")]
    pub on: NaiveDate,
    /// Its reason.
    pub reason: String,
    /// The first payment received under the new terms, if any yet.
    #[serde(default, with = "crate::money::iso_date_opt")]
    pub first_payment_on: Option<NaiveDate>,
    /// The policy's period of satisfactory performance, months.
    pub performance_months: u32,
    /// The first date the loan may be upgraded: `first_payment_on` + `performance_months`
    /// (null until the first payment).
    #[serde(default, with = "crate::money::iso_date_opt")]
    pub upgrade_from: Option<NaiveDate>,
}

/// A written-off loan's claim (decisions, revised 2026-12-03: a write-off is technical; the
/// member still owes the dues and later payments are recoveries). Currency units.
///
/// # Example
/// ```
/// let w: windeep_core::account::WriteOffView = serde_json::from_str(r#"{"written_off_on": "2026-09-05",
///   "principal": "90000.00", "interest": "2000.00", "fines": "0.00", "total": "92000.00",
///   "recovered": "5000.00", "settlement_waived": "0.00", "still_owed": "87000.00"}"#).unwrap();
/// assert_eq!(w.still_owed.to_string(), "87000.00");
/// ```
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WriteOffView {
    /// The write-off's value date.
    #[serde(with = "crate::money::iso_date")]
    pub written_off_on: NaiveDate,
    /// Principal written off (all outstanding principal).
    pub principal: Money,
    /// Interest written off (unpaid interest of installments due by then).
    pub interest: Money,
    /// Fine balances written off.
    pub fines: Money,
    /// principal + interest + fines.
    pub total: Money,
    /// Payments received since (bad debts recovered).
    pub recovered: Money,
    /// The part of the claim a `settled` compromise waived.
    pub settlement_waived: Money,
    /// total − recovered − settlement_waived.
    pub still_owed: Money,
}

mod opt_date {
    use chrono::NaiveDate;
    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(v: &Option<NaiveDate>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(d) => crate::money::iso_date::serialize(d, s),
            None => s.serialize_none(),
        }
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<NaiveDate>, D::Error> {
        let v: Option<String> = Option::deserialize(d)?;
        v.map(|t| crate::money::parse_date(&t).map_err(serde::de::Error::custom))
            .transpose()
    }
}

/// An installment past its due date with something unpaid.
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PastDueInstallment {
    /// Installment number.
    pub installment: u32,
    /// Due date.
    #[serde(with = "crate::money::iso_date")]
    pub due_on: NaiveDate,
    /// Unpaid principal + interest.
    pub unpaid: Money,
    /// Days past due at day-end.
    pub days_past_due: i64,
}

/// End-of-day figures of one loan.
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoanSummary {
    /// Loan id.
    pub loan_id: String,
    /// `active`, `closed`, `foreclosed`, `written_off` or `topped_up`.
    pub status: String,
    /// Days past due of the oldest unpaid installment.
    pub days_past_due: i64,
    /// Outstanding principal.
    pub outstanding_principal: Money,
    /// Unpaid interest due on or before the date.
    pub interest_due: Money,
    /// Σ fine balances.
    pub fines_due: Money,
    /// Installments past due with something unpaid, oldest first.
    pub overdue: Vec<PastDueInstallment>,
    /// For a restructured loan: the flag and its performance period.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restructured: Option<RestructureView>,
    /// For a written-off loan: the written-off dues still owed (arrears for contagion until
    /// recovered or settled).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub written_off_owed: Option<Money>,
}

/// A foreclosure quote for a settlement date; the components sum exactly to `total`.
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ForeclosureQuote {
    /// The settlement date.
    #[serde(with = "crate::money::iso_date")]
    pub settlement_on: NaiveDate,
    /// The rule that produced `foreclosure_interest`.
    pub rule: ForeclosureRule,
    /// Outstanding principal.
    pub principal: Money,
    /// Unpaid interest of installments due on or before the settlement date.
    pub interest_due: Money,
    /// Interest by the foreclosure rule.
    pub foreclosure_interest: Money,
    /// Prepayment charge on the outstanding principal.
    pub prepayment_charge: Money,
    /// Σ fine balances.
    pub fines: Money,
    /// The sum.
    pub total: Money,
    /// A floating-rate loan: no prepayment charge, interest accrued to date only.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub floating: bool,
}

/// What a top-up settles on the parent loan and what the new loan starts from (decisions §11).
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TopUpQuote {
    /// The new money lent.
    pub topup_amount: Money,
    /// The new loan's principal: parent principal + top-up amount.
    pub new_principal: Money,
    /// Parent interest due + fines, collected from the top-up proceeds.
    pub collected_from_proceeds: Money,
    /// Top-up amount − collected: cash to the member before the new loan's fee.
    pub cash_before_fee: Money,
    /// The parent's outstanding principal, carried into the new loan.
    pub parent_principal: Money,
    /// The parent's unpaid interest due on or before the date, collected from the proceeds.
    pub parent_interest_due: Money,
    /// The parent's fine balances: always 0, since fines are never financed from a new
    /// loan's proceeds (a parent with fines unpaid is not eligible).
    pub parent_fines: Money,
    /// For an NPA parent (explicit restructure): the interest collected from the proceeds,
    /// held in interest suspense rather than recognised as income.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interest_to_suspense: Option<Money>,
    /// Whether the top-up is an explicit restructure.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub restructured: bool,
}

impl Account {
    pub(super) fn status_word(&self) -> &'static str {
        match self.closure.as_ref().map(|c| c.closure_type) {
            None => "active",
            Some(ClosureType::Regular) => "closed",
            Some(ClosureType::Foreclosure) => "foreclosed",
            Some(ClosureType::WriteOff) => "written_off",
            Some(ClosureType::Topup) => "topped_up",
            Some(ClosureType::Settled) => "settled",
        }
    }

    pub(super) fn summary(&self, as_of: NaiveDate) -> Result<LoanSummary> {
        self.before_disbursement(as_of)?;
        let mut overdue = Vec::new();
        let (mut principal, mut interest_due) = (0, 0);
        for r in &self.rows {
            let unpaid = r.unpaid_interest() + r.unpaid_principal();
            principal += r.unpaid_principal();
            if r.due_on <= as_of {
                interest_due += r.unpaid_interest();
            }
            if unpaid > 0 && r.due_on < as_of {
                overdue.push(PastDueInstallment {
                    installment: r.number,
                    due_on: r.due_on,
                    unpaid: self.m(unpaid)?,
                    days_past_due: days_between(r.due_on, as_of),
                });
            }
        }
        Ok(LoanSummary {
            loan_id: self.loan_id.clone(),
            status: self.status_word().to_owned(),
            days_past_due: overdue.first().map_or(0, |o| o.days_past_due),
            outstanding_principal: self.m(principal)?,
            interest_due: self.m(interest_due)?,
            fines_due: self.m(self.fines.iter().map(Fine::balance).sum())?,
            overdue,
            restructured: self.restructure_view()?,
            written_off_owed: self
                .write_off_view()?
                .map(|w| w.still_owed)
                .filter(|m| m.value() != Decimal::ZERO),
        })
    }

    /// What the fine assessment reads: every installment due before `as_of` that is unpaid,
    /// was settled late, or carries fines (none once the loan is closed). Fines whose rule id is not a number (manual fines)
    /// are not assessed and are left out.
    pub(super) fn fine_snapshot(
        &self,
        as_of: NaiveDate,
        product: Option<String>,
    ) -> Result<FineSnapshot> {
        self.before_disbursement(as_of)?;
        let mut installments = Vec::new();
        // A closed loan is not fined: nothing is overdue and a levy would be refused.
        let open = self.closure.is_none();
        for r in self.rows.iter().filter(|r| open && r.due_on < as_of) {
            let unpaid = r.unpaid_interest() + r.unpaid_principal();
            let fines: Vec<LeviedFine> = self
                .fines
                .iter()
                .filter(|f| f.installment == r.number)
                .filter_map(|f| {
                    let rule_id = f.rule_id.parse::<u32>().ok()?;
                    Some((f, rule_id))
                })
                .map(|(f, rule_id)| {
                    Ok(LeviedFine {
                        key: FineKey {
                            loan_id: self.loan_id.clone(),
                            installment: f.installment,
                            rule_id,
                            occurrence: f.occurrence,
                        },
                        amount: self.m(f.amount)?,
                        paid: self.m(f.paid)?,
                        waived: self.m(f.waived)?,
                    })
                })
                .collect::<Result<_>>()?;
            let settled = unpaid == 0;
            if !FineInstallment::belongs_in_snapshot(
                settled,
                r.due_on,
                r.settled_on,
                !fines.is_empty(),
            ) {
                continue;
            }
            installments.push(FineInstallment {
                number: r.number,
                due_on: r.due_on,
                unpaid_principal: self.m(r.unpaid_principal())?,
                unpaid_interest: self.m(r.unpaid_interest())?,
                settled_on: FineInstallment::settled_on_as_of(
                    settled,
                    r.due_on,
                    r.settled_on,
                    as_of,
                ),
                fines,
            });
        }
        Ok(FineSnapshot {
            loan_id: self.loan_id.clone(),
            account_type: AccountType::Loan,
            product,
            currency: self.terms.currency.clone(),
            rounding: self.terms.rounding,
            installments,
        })
    }

    pub(super) fn view(&self, as_of: NaiveDate) -> Result<LoanState> {
        self.before_disbursement(as_of)?;
        let mut installments = Vec::with_capacity(self.rows.len());
        let mut dpd = 0;
        for r in &self.rows {
            let unpaid = r.unpaid_interest() + r.unpaid_principal();
            let paid = r.interest_paid + r.principal_paid;
            let waived = r.interest_waived + r.principal_waived;
            let written_off = r.principal_written_off + r.interest_written_off;
            let status = match r.kind {
                RowKind::Skipped => InstallmentStatus::Skipped,
                RowKind::InterestOnly if unpaid == 0 => InstallmentStatus::InterestOnly,
                _ if written_off > 0 => InstallmentStatus::WrittenOff,
                _ if unpaid == 0 && paid == 0 && waived > 0 => InstallmentStatus::Waived,
                _ if unpaid == 0 && paid == 0 && r.interest_cancelled > 0 => {
                    InstallmentStatus::Cancelled
                }
                _ => InstallmentStatus::of_regular(unpaid, paid, r.due_on, as_of),
            };
            let row_dpd = if status == InstallmentStatus::Overdue {
                days_between(r.due_on, as_of)
            } else {
                0
            };
            dpd = dpd.max(row_dpd);
            installments.push(InstallmentView {
                number: r.number,
                due_on: r.due_on,
                status,
                principal: self.m(r.principal)?,
                interest: self.m(r.interest)?,
                principal_paid: self.m(r.principal_paid)?,
                interest_paid: self.m(r.interest_paid)?,
                waived: self.m(waived)?,
                cancelled: self.m(r.interest_cancelled)?,
                written_off: self.m(written_off)?,
                unpaid: self.m(unpaid)?,
                deferred_principal: self.m(r.deferred_principal)?,
                fines_due: self.m(self.fines_on(r.number))?,
                days_past_due: row_dpd,
            });
        }
        let fines = self
            .fines
            .iter()
            .map(|f| {
                Ok(FineView {
                    key: format!(
                        "{}/{}/{}/{}",
                        self.loan_id, f.installment, f.rule_id, f.occurrence
                    ),
                    installment: f.installment,
                    rule_id: f.rule_id.clone(),
                    occurrence: f.occurrence,
                    amount: self.m(f.amount)?,
                    paid: self.m(f.paid)?,
                    waived: self.m(f.waived)?,
                    written_off: self.m(f.written_off)?,
                    balance: self.m(f.balance())?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let status = self.status_word();
        let open = |r: &&Row| r.unpaid_interest() > 0 || r.unpaid_principal() > 0;
        Ok(LoanState {
            loan_id: self.loan_id.clone(),
            as_of,
            status: status.to_owned(),
            closure: self.closure.clone(),
            annual_rate: self.rate,
            emi: self
                .rows
                .iter()
                .filter(open)
                .find(|r| r.kind == RowKind::Regular)
                .map(|r| self.m(r.principal + r.interest))
                .transpose()?,
            principal_disbursed: self.m(self.principal)?,
            principal_capitalised: self.m(self.capitalised)?,
            principal_prepaid: self.m(self.prepaid)?,
            outstanding_principal: self.m(self.outstanding_principal())?,
            interest_due: self.m(self
                .rows
                .iter()
                .filter(|r| r.due_on <= as_of)
                .map(Row::unpaid_interest)
                .sum())?,
            future_interest: self.m(self
                .rows
                .iter()
                .filter(|r| r.due_on > as_of)
                .map(Row::unpaid_interest)
                .sum())?,
            fines_due: self.m(self.fines.iter().map(Fine::balance).sum())?,
            member_credit: self.m(self.member_credit)?,
            credited_to_savings: self.m(self.savings_credit)?,
            days_past_due: dpd,
            next_due_on: self.rows.iter().filter(open).map(|r| r.due_on).min(),
            skips_used: self.skips,
            interest_only_used: self.interest_only,
            installments,
            fines,
            write_off: self.write_off_view()?,
            restructured: self.restructure_view()?,
        })
    }

    pub(super) fn restructure_view(&self) -> Result<Option<RestructureView>> {
        let Some((on, reason)) = &self.restructured else {
            return Ok(None);
        };
        let months = self.policy.restructure_observation_months;
        Ok(Some(RestructureView {
            on: *on,
            reason: reason.clone(),
            first_payment_on: self.first_payment_after_restructure,
            performance_months: months,
            upgrade_from: self
                .first_payment_after_restructure
                .and_then(|d| d.checked_add_months(chrono::Months::new(months))),
        }))
    }

    /// The claim of a written-off (or settled) loan.
    pub(super) fn write_off_view(&self) -> Result<Option<WriteOffView>> {
        let Some(c) = self
            .closure
            .as_ref()
            .filter(|c| matches!(c.closure_type, ClosureType::WriteOff | ClosureType::Settled))
        else {
            return Ok(None);
        };
        let principal: i128 = self.rows.iter().map(|r| r.principal_written_off).sum();
        let interest: i128 = self.rows.iter().map(|r| r.interest_written_off).sum();
        let fines: i128 = self.fines.iter().map(|f| f.written_off).sum();
        let total = principal + interest + fines;
        Ok(Some(WriteOffView {
            written_off_on: self.written_off_on.unwrap_or(c.closed_on),
            principal: self.m(principal)?,
            interest: self.m(interest)?,
            fines: self.m(fines)?,
            total: self.m(total)?,
            recovered: self.m(self.recovered)?,
            settlement_waived: self.m(self.settlement_waived)?,
            still_owed: self.m(total - self.recovered - self.settlement_waived)?,
        }))
    }
}

//! The state a loan account folds its events into, and the views derived from it.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::EventOutcome;
use super::events::{
    AccountPolicy, EventBody, ForeclosureRule, InterestOnlyMode, LoanEvent, PartPaymentMode,
    RateChangeMode, SkipMode,
};
use crate::allocation::{
    Allocation, AllocationLine, Component, ExcessPolicy, MinorDue, allocate_minor,
};
use crate::calendar::days_between;
use crate::error::{CoreError, Result};
use crate::fines::{
    AccountType, FineKey, FineSnapshot, LeviedFine, OverdueInstallment as FineInstallment,
};
use crate::money::{Money, Rate};
use crate::schedule::{Amortizer, LoanTerms, Method, Schedule, generate_schedule};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RowKind {
    Regular,
    Skipped,
    InterestOnly,
}

/// One installment, amounts in minor units.
#[derive(Debug, Clone)]
struct Row {
    number: u32,
    due_on: NaiveDate,
    principal: i128,
    interest: i128,
    kind: RowKind,
    principal_paid: i128,
    interest_paid: i128,
    principal_waived: i128,
    interest_waived: i128,
    deferred_principal: i128,
    /// The value date of the event that left nothing unpaid (per-day fines stop there).
    settled_on: Option<NaiveDate>,
}

impl Row {
    fn unpaid_interest(&self) -> i128 {
        self.interest - self.interest_paid - self.interest_waived
    }
    fn unpaid_principal(&self) -> i128 {
        self.principal - self.principal_paid - self.principal_waived
    }
    fn untouched(&self) -> bool {
        self.principal_paid == 0
            && self.interest_paid == 0
            && self.principal_waived == 0
            && self.interest_waived == 0
    }
}

#[derive(Debug, Clone)]
struct Fine {
    installment: u32,
    rule_id: String,
    occurrence: u32,
    amount: i128,
    paid: i128,
    waived: i128,
}

impl Fine {
    fn balance(&self) -> i128 {
        self.amount - self.paid - self.waived
    }
}

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
    /// Guarantors to release (all of them, on every closure type).
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
    /// Settled by waiver (or write-off / closure) without payment.
    Waived,
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
    /// Principal and interest waived (or written off).
    pub waived: Money,
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
    /// amount − paid − waived.
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
    /// The parent's fine balances, collected from the proceeds.
    pub parent_fines: Money,
}

const LIMIT_ROWS: usize = 10_000;

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
    loan_id: String,
    terms: LoanTerms,
    rate: Rate,
    amort: Amortizer,
    policy: AccountPolicy,
    guarantors: Vec<String>,
    rows: Vec<Row>,
    fines: Vec<Fine>,
    principal: i128,
    /// The level EMI in force, minor units: the schedule's, or the last re-amortisation's.
    emi: i128,
    capitalised: i128,
    prepaid: i128,
    member_credit: i128,
    savings_credit: i128,
    skips: u32,
    interest_only: u32,
    closure: Option<Closure>,
    /// Whether outcomes (allocations) are recorded.
    record: bool,
    /// Processing fee, upfront interest and net disbursement of the schedule.
    fee: i128,
    upfront: i128,
    net: i128,
}

fn money(minor: i128, scale: u32) -> Result<Money> {
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
        let amort = Amortizer::new(terms, terms.annual_rate)?;
        let rows = schedule
            .installments
            .iter()
            .map(|r| Row {
                number: r.number,
                due_on: r.due_on,
                principal: r.principal.value().mantissa(),
                interest: r.interest.value().mantissa(),
                kind: RowKind::Regular,
                principal_paid: 0,
                interest_paid: 0,
                principal_waived: 0,
                interest_waived: 0,
                deferred_principal: 0,
                settled_on: None,
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
                waived: r.principal_waived + r.interest_waived,
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
            ..Figures::default()
        };
        for r in &self.rows {
            f.principal_paid += r.principal_paid;
            f.principal_waived += r.principal_waived;
            f.outstanding += r.unpaid_principal();
            if r.due_on <= date {
                f.interest_paid_due += r.interest_paid;
                f.interest_waived_due += r.interest_waived;
                f.interest_due_unpaid += r.unpaid_interest();
            } else {
                f.interest_paid_ahead += r.interest_paid;
                f.interest_waived_ahead += r.interest_waived;
            }
        }
        for x in &self.fines {
            f.fines_levied += x.amount;
            f.fines_paid += x.paid;
            f.fines_waived += x.waived;
        }
        f
    }

    fn scale(&self) -> u32 {
        self.amort.scale()
    }

    fn m(&self, minor: i128) -> Result<Money> {
        money(minor, self.scale())
    }

    /// A money input at the currency's scale, positive, in minor units.
    fn amount(&self, value: Money, what: &str) -> Result<i128> {
        let v = self.terms.currency.amount(value)?.value();
        if v <= Decimal::ZERO {
            return Err(CoreError::InvalidAmount {
                reason: format!("{what} must be greater than zero"),
            });
        }
        Ok(v.mantissa())
    }

    fn outstanding_principal(&self) -> i128 {
        self.rows.iter().map(Row::unpaid_principal).sum()
    }

    fn row_index(&self, k: u32) -> Result<usize> {
        self.rows
            .iter()
            .position(|r| r.number == k)
            .ok_or(CoreError::UnknownInstallment { installment: k })
    }

    fn at(&self, i: usize) -> Result<&Row> {
        self.rows.get(i).ok_or_else(|| CoreError::InvalidEvent {
            reason: "installment index".to_owned(),
        })
    }

    fn at_mut(&mut self, i: usize) -> Result<&mut Row> {
        self.rows.get_mut(i).ok_or_else(|| CoreError::InvalidEvent {
            reason: "installment index".to_owned(),
        })
    }

    fn fines_on(&self, k: u32) -> i128 {
        self.fines
            .iter()
            .filter(|f| f.installment == k)
            .map(Fine::balance)
            .sum()
    }

    /// Dues of the open installments in minor units, in due-date order.
    fn dues(&self) -> Vec<MinorDue> {
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

    fn require_reducing(&self, what: &str) -> Result<()> {
        if self.terms.method == Method::Reducing {
            Ok(())
        } else {
            Err(CoreError::NotEligible {
                reason: format!("{what} is available for reducing-balance loans"),
            })
        }
    }

    pub(crate) fn apply(&mut self, e: &LoanEvent, out: &mut EventOutcome) -> Result<()> {
        if let Some(c) = &self.closure
            && !matches!(e.body, EventBody::PaymentReversed { .. })
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
            } => {
                let amount = self.amount(*amount, "a payment")?;
                self.pay(amount, date, *installment, out)?;
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
            EventBody::InstallmentSkipped { installment, mode } => {
                self.skip(*installment, mode.unwrap_or(self.policy.skip_mode))?;
            }
            EventBody::InterestOnlyPayment {
                installment,
                amount,
            } => {
                let amount = self.amount(*amount, "an interest-only payment")?;
                self.interest_only(*installment, amount)?;
            }
            EventBody::PartPayment { amount, mode } => {
                let amount = self.amount(*amount, "a part payment")?;
                let accrued = self.part_payment(amount, date, *mode)?;
                out.interest_collected = Some(self.m(accrued)?);
            }
            EventBody::PaymentReversed { .. } => {}
            EventBody::RateChanged { annual_rate, mode } => {
                self.rate_change(*annual_rate, date, *mode)?
            }
            EventBody::Foreclosed { amount } => {
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
            EventBody::ToppedUp { new_loan_id } => {
                self.settle_all(date, true)?;
                self.close(ClosureType::Topup, date, Some(new_loan_id.clone()));
            }
            EventBody::WrittenOff { reason } => {
                require_reason(reason)?;
                self.settle_all(date, false)?;
                self.close(ClosureType::WriteOff, date, None);
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

    fn close(&mut self, closure_type: ClosureType, on: NaiveDate, successor: Option<String>) {
        self.closure = Some(Closure {
            closure_type,
            closed_on: on,
            guarantors_released: self.guarantors.clone(),
            successor_loan_id: successor,
        });
    }

    fn pay(
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
            // A settled installment owes nothing: the whole payment is excess.
            let row = self.at(self.row_index(k)?)?;
            dues.push(MinorDue {
                installment: k,
                due_on: row.due_on,
                owed: [0, 0, 0],
            });
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

    /// Rows from index `from` on are replaced by a reducing amortisation of `balance`.
    /// `emi` fixed (rows run until repaid, at most `max_rows`) or `count` rows at a new EMI.
    fn reamortise(
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
            self.rows.push(Row {
                number: k,
                due_on: due,
                principal,
                interest,
                kind: RowKind::Regular,
                principal_paid: 0,
                interest_paid: 0,
                principal_waived: 0,
                interest_waived: 0,
                deferred_principal: 0,
                settled_on: None,
            });
            b -= principal;
            k += 1;
        }
        Ok(())
    }

    fn later_untouched(&self, from: usize) -> Result<()> {
        if self.rows.iter().skip(from).all(Row::untouched) {
            Ok(())
        } else {
            Err(CoreError::NotEligible {
                reason: "later installments already have payments".to_owned(),
            })
        }
    }

    fn skip(&mut self, k: u32, mode: SkipMode) -> Result<()> {
        self.require_reducing("a skip")?;
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
        let row = self.at_mut(i)?;
        row.kind = RowKind::Skipped;
        row.principal = 0;
        row.interest = 0;
        let b = balance + capitalised;
        match mode {
            SkipMode::ExtendTenure => {
                self.reamortise(i + 1, b, Some(emi), remaining_after + 1, 0)?
            }
            SkipMode::CapitaliseReamortise => {
                self.reamortise(i + 1, b, None, remaining_after, 0)?
            }
        }
        self.capitalised += capitalised;
        self.skips += 1;
        Ok(())
    }

    fn interest_only(&mut self, k: u32, amount: i128) -> Result<()> {
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
    fn part_payment(
        &mut self,
        amount: i128,
        date: NaiveDate,
        mode: PartPaymentMode,
    ) -> Result<i128> {
        self.require_reducing("a part payment")?;
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

    fn rate_change(&mut self, rate: Rate, date: NaiveDate, mode: RateChangeMode) -> Result<()> {
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
        self.amort = Amortizer::new(&self.terms, rate)?;
        self.rate = rate;
        match mode {
            RateChangeMode::KeepTenure => self.reamortise(from, balance, None, count, 0),
            RateChangeMode::KeepEmi => self.reamortise(from, balance, Some(emi), u32::MAX, 0),
        }
    }

    /// Settles everything: `collected` marks dues paid (foreclosure, top-up), otherwise they
    /// are written off. Interest of installments due after `date` is cancelled either way.
    fn settle_all(&mut self, date: NaiveDate, collected: bool) -> Result<()> {
        for r in &mut self.rows {
            let ui = r.unpaid_interest();
            let up = r.unpaid_principal();
            if r.due_on <= date && collected {
                r.interest_paid += ui;
            } else {
                r.interest_waived += ui;
            }
            if collected {
                r.principal_paid += up;
            } else {
                r.principal_waived += up;
            }
        }
        for f in &mut self.fines {
            let b = f.balance();
            if collected {
                f.paid += b;
            } else {
                f.waived += b;
            }
        }
        Ok(())
    }

    fn closed_error(&self) -> Result<()> {
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

    pub(super) fn open_quote(&self, date: NaiveDate) -> Result<ForeclosureQuote> {
        self.closed_error()?;
        self.before_disbursement(date)?;
        self.quote(date)
    }

    pub(super) fn topup_quote(&self, date: NaiveDate, amount: Money) -> Result<TopUpQuote> {
        self.closed_error()?;
        self.before_disbursement(date)?;
        let amount = self.amount(amount, "a top-up")?;
        let principal = self.outstanding_principal();
        let interest_due: i128 = self
            .rows
            .iter()
            .filter(|r| r.due_on <= date)
            .map(Row::unpaid_interest)
            .sum();
        let fines: i128 = self.fines.iter().map(Fine::balance).sum();
        let collected = interest_due + fines;
        Ok(TopUpQuote {
            topup_amount: self.m(amount)?,
            new_principal: self.m(principal + amount)?,
            collected_from_proceeds: self.m(collected)?,
            cash_before_fee: self.m(amount - collected)?,
            parent_principal: self.m(principal)?,
            parent_interest_due: self.m(interest_due)?,
            parent_fines: self.m(fines)?,
        })
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
        let rule = self.policy.foreclosure;
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
        let pc = self.policy.prepayment_charge_pct.normalize();
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
        })
    }

    fn status_word(&self) -> &'static str {
        match self.closure.as_ref().map(|c| c.closure_type) {
            None => "active",
            Some(ClosureType::Regular) => "closed",
            Some(ClosureType::Foreclosure) => "foreclosed",
            Some(ClosureType::WriteOff) => "written_off",
            Some(ClosureType::Topup) => "topped_up",
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
            let status = match r.kind {
                RowKind::Skipped => InstallmentStatus::Skipped,
                RowKind::InterestOnly if unpaid == 0 => InstallmentStatus::InterestOnly,
                _ if unpaid == 0 && paid == 0 && waived > 0 => InstallmentStatus::Waived,
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
        })
    }
}

fn require_reason(reason: &str) -> Result<()> {
    if reason.trim().is_empty() {
        Err(CoreError::NotEligible {
            reason: "a reason is required".to_owned(),
        })
    } else {
        Ok(())
    }
}

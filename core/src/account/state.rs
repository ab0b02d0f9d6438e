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
    /// Future interest cancelled by a foreclosure, top-up or write-off (not a waiver).
    interest_cancelled: i128,
    /// Dues written off (still a claim on the member, recovered at the loan level).
    principal_written_off: i128,
    interest_written_off: i128,
    deferred_principal: i128,
    /// The value date of the event that left nothing unpaid (per-day fines stop there).
    settled_on: Option<NaiveDate>,
}

impl Row {
    fn unpaid_interest(&self) -> i128 {
        self.interest
            - self.interest_paid
            - self.interest_waived
            - self.interest_cancelled
            - self.interest_written_off
    }
    fn unpaid_principal(&self) -> i128 {
        self.principal - self.principal_paid - self.principal_waived - self.principal_written_off
    }
    fn untouched(&self) -> bool {
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
struct Fine {
    installment: u32,
    rule_id: String,
    occurrence: u32,
    amount: i128,
    paid: i128,
    waived: i128,
    /// Written off with the loan (still a claim).
    written_off: i128,
}

impl Fine {
    fn balance(&self) -> i128 {
        self.amount - self.paid - self.waived - self.written_off
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
/// let r: windeep_core::RestructureView = serde_json::from_str(r#"{"on": "2026-04-10",
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
/// let w: windeep_core::WriteOffView = serde_json::from_str(r#"{"written_off_on": "2026-09-05",
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
    /// Received after a write-off (minor units).
    recovered: i128,
    /// Waived by a `settled` compromise.
    settlement_waived: i128,
    /// The write-off's value date.
    written_off_on: Option<NaiveDate>,
    /// Floating rate (the product's term, or set by the first rate reset): no foreclosure or
    /// prepayment charge.
    floating: bool,
    /// Flagged restructured: (date, reason) of the first explicit restructure.
    restructured: Option<(NaiveDate, String)>,
    /// The first payment received on or after the restructure (its performance period runs
    /// from there).
    first_payment_after_restructure: Option<NaiveDate>,
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
        policy.validate()?;
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
                interest_cancelled: 0,
                principal_written_off: 0,
                interest_written_off: 0,
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

    /// A skip or interest-only month on an installment already past due, or on a loan with
    /// anything past due (SMA/NPA), is a restructure: refused without an explicit reason
    /// (`E_RESTRUCTURE_REQUIRED`); with one, the loan is flagged restructured.
    fn restructure_gate(&mut self, k: u32, date: NaiveDate, reason: Option<&str>) -> Result<()> {
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

    /// What a written-off loan's claim still amounts to (0 for any other loan).
    fn claim_owed(&self) -> i128 {
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
    fn recover(&mut self, amount: i128, waive: i128, date: NaiveDate) -> Result<()> {
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

    fn close(&mut self, closure_type: ClosureType, on: NaiveDate, successor: Option<String>) {
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
    fn apply_credit(
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

    fn apply_lines(&mut self, lines: &[(u32, Component, i128)]) -> Result<()> {
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

    fn allocation_of(
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
                interest_cancelled: 0,
                principal_written_off: 0,
                interest_written_off: 0,
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
            self.rows.push(Row {
                number,
                due_on,
                principal: skipped_principal + capitalised,
                interest: 0,
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
            });
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
    fn reschedule(
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
    fn flat_part_payment(
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
            self.rows.push(Row {
                number: k,
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
            });
            left -= principal;
            k += 1;
        }
        self.prepaid += amount;
        Ok(0)
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
    fn split_period_credit(
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

    /// Settles everything: `collected` marks dues paid (foreclosure, top-up), otherwise they
    /// are written off (still a claim). Interest of installments due after `date` is cancelled
    /// either way (shown as `cancelled`, never as waived).
    fn settle_all(&mut self, date: NaiveDate, collected: bool) -> Result<()> {
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

    fn interest_due_on(&self, date: NaiveDate) -> i128 {
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
    fn topup_eligible(&self, date: NaiveDate, restructure: Option<&str>) -> Result<bool> {
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

    fn status_word(&self) -> &'static str {
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

    fn restructure_view(&self) -> Result<Option<RestructureView>> {
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
    fn write_off_view(&self) -> Result<Option<WriteOffView>> {
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

fn require_reason(reason: &str) -> Result<()> {
    if reason.trim().is_empty() {
        Err(CoreError::NotEligible {
            reason: "a reason is required".to_owned(),
        })
    } else {
        Ok(())
    }
}

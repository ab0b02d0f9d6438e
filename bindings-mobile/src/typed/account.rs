//! The typed `allocate`, `loan_statement` and `loan_fines`.
//!
//! Inputs the phone fills in are records ([`AllocateRequest`]); a loan's event log and the
//! fine rules, which a phone receives from the server and does not edit, cross as the JSON
//! text the server stores (`events_json`, `rules_json`). Enum values are their wire names
//! (`docs/account.md`, `docs/fines.md`).

use windeep_core::account::LoanEvent;
use windeep_core::fines::FineRule;

use super::{Amount, IsoDate, date, json_or_refused, money, opt_date, parse_date, wire_name};
use crate::{WindeepException, guarded};

/// A currency: an ISO 4217 code and its number of decimal places (0–4). `None` wherever a
/// currency is optional means INR with 2 places.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct CurrencySpec {
    /// Three-letter code, e.g. `INR`, `JPY`.
    pub code: String,
    /// Decimal places of the minor unit, e.g. 2.
    pub minor_units: u32,
}

pub(super) fn currency_json(c: &CurrencySpec) -> serde_json::Value {
    serde_json::json!({ "code": c.code, "minor_units": c.minor_units })
}

/// What one installment still owes (an input of [`allocate`]).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct InstallmentDues {
    /// Installment number (1-based).
    pub installment: u32,
    /// Due date.
    pub due_on: IsoDate,
    /// Unpaid interest, currency units.
    pub interest: Amount,
    /// Unpaid principal, currency units.
    pub principal: Amount,
    /// Unpaid fine balance, currency units (`None`: 0).
    #[uniffi(default = None)]
    pub fine: Option<Amount>,
}

/// One payment to allocate over a loan's dues (the `allocate` operation's input).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct AllocateRequest {
    /// The amount paid, currency units.
    pub amount: Amount,
    /// The payment date.
    pub paid_on: IsoDate,
    /// What each installment still owes.
    pub dues: Vec<InstallmentDues>,
    /// The installment the payment targets, if any.
    #[uniffi(default = None)]
    pub installment: Option<u32>,
    /// The order's preset wire name (`"default"`, `"vertical"`, `"horizontal"`, …); `None`:
    /// the default.
    #[uniffi(default = None)]
    pub preset: Option<String>,
    /// The excess rule's wire name (`"advance_next_installments"`, …); `None`: the default.
    #[uniffi(default = None)]
    pub excess: Option<String>,
    /// The currency (`None`: INR).
    #[uniffi(default = None)]
    pub currency: Option<CurrencySpec>,
}

/// One amount applied to one component of one installment.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct AllocationLine {
    /// Installment number.
    pub installment: u32,
    /// `"interest"`, `"principal"` or `"fine"`.
    pub component: String,
    /// Amount applied, currency units.
    pub amount: Amount,
}

/// How one payment is allocated (the `allocate` operation's output).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct AllocationResult {
    /// The preset that ordered the lines (wire name).
    pub preset: String,
    /// The excess rule (wire name).
    pub excess_policy: String,
    /// The installment the payment targeted, if any.
    pub target: Option<u32>,
    /// Amounts applied, in the order they were applied.
    pub lines: Vec<AllocationLine>,
    /// What was left after the dues the policy pays, currency units.
    pub excess: Amount,
}

fn allocation(a: &windeep_core::allocation::Allocation) -> AllocationResult {
    AllocationResult {
        preset: wire_name(&a.policy.preset),
        excess_policy: wire_name(&a.policy.excess),
        target: a.target,
        lines: a
            .lines
            .iter()
            .map(|l| AllocationLine {
                installment: l.installment,
                component: wire_name(&l.component),
                amount: money(l.amount),
            })
            .collect(),
        excess: money(a.excess),
    }
}

/// How the payment of `request` is allocated over its dues (operation `allocate`).
///
/// # Errors
/// The core's refusals (`E_INVALID_AMOUNT`, `E_UNKNOWN_INSTALLMENT`, …) as
/// [`WindeepException::Refused`].
///
/// # Example
/// ```
/// use windeep_mobile::typed::{Amount, IsoDate, AllocateRequest, InstallmentDues, allocate};
/// let a = allocate(AllocateRequest {
///     amount: Amount("1500".into()), paid_on: IsoDate("2026-02-05".into()),
///     dues: vec![InstallmentDues { installment: 1, due_on: IsoDate("2026-02-05".into()),
///         interest: Amount("1000.00".into()), principal: Amount("7884.88".into()), fine: None }],
///     installment: None, preset: None, excess: None, currency: None }).unwrap();
/// assert_eq!(a.lines[0].component, "interest");
/// assert_eq!(a.lines[1].amount, Amount("500.00".into()));
/// ```
#[uniffi::export]
pub fn allocate(request: AllocateRequest) -> Result<AllocationResult, WindeepException> {
    guarded(|| {
        // The input document of the `allocate` operation, read by the operation itself (its
        // defaults and its checks).
        let dues = request
            .dues
            .iter()
            .map(|d| {
                let mut row = serde_json::json!({
                    "installment": d.installment,
                    "due_on": parse_date("dues.due_on", &d.due_on)?.to_string(),
                    "interest": d.interest.0,
                    "principal": d.principal.0,
                });
                if let Some(f) = &d.fine {
                    row["fine"] = f.0.clone().into();
                }
                Ok(row)
            })
            .collect::<Result<Vec<_>, WindeepException>>()?;
        let mut doc = serde_json::json!({
            "amount": request.amount.0,
            "paid_on": parse_date("paid_on", &request.paid_on)?.to_string(),
            "dues": dues,
        });
        if let Some(n) = request.installment {
            doc["installment"] = n.into();
        }
        let mut policy = serde_json::Map::new();
        if let Some(p) = &request.preset {
            policy.insert("preset".into(), p.clone().into());
        }
        if let Some(e) = &request.excess {
            policy.insert("excess".into(), e.clone().into());
        }
        if !policy.is_empty() {
            doc["policy"] = policy.into();
        }
        if let Some(c) = &request.currency {
            doc["currency"] = currency_json(c);
        }
        let out = windeep_ops::call("allocate", &doc.to_string())?;
        let out: windeep_core::allocation::Allocation = json_or_refused(out)?;
        Ok(allocation(&out))
    })
}

/// One installment of a [`LoanStatement`].
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct StatementInstallment {
    /// 1-based number.
    pub number: u32,
    /// Due date.
    pub due_on: IsoDate,
    /// `"paid"`, `"partially_paid"`, `"overdue"`, … (wire name).
    pub status: String,
    /// Principal scheduled, currency units.
    pub principal: Amount,
    /// Interest scheduled, currency units.
    pub interest: Amount,
    /// Principal paid.
    pub principal_paid: Amount,
    /// Interest paid.
    pub interest_paid: Amount,
    /// Waived.
    pub waived: Amount,
    /// Cancelled (by a foreclosure or a top-up).
    pub cancelled: Amount,
    /// Written off.
    pub written_off: Amount,
    /// Still unpaid.
    pub unpaid: Amount,
    /// Principal deferred to later installments.
    pub deferred_principal: Amount,
    /// Fines due on this installment.
    pub fines_due: Amount,
    /// Days past due at day-end of the statement date.
    pub days_past_due: i64,
}

/// One fine of a [`LoanStatement`].
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct StatementFine {
    /// The fine's key (`loan/installment/rule/occurrence`).
    pub key: String,
    /// Installment number.
    pub installment: u32,
    /// The rule that levied it.
    pub rule_id: String,
    /// Occurrence (1-based).
    pub occurrence: u32,
    /// Amount levied, currency units.
    pub amount: Amount,
    /// Paid.
    pub paid: Amount,
    /// Waived.
    pub waived: Amount,
    /// Written off.
    pub written_off: Amount,
    /// Still due.
    pub balance: Amount,
}

/// How a closed loan was closed.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct StatementClosure {
    /// `"repaid"`, `"foreclosed"`, … (wire name).
    pub closure_type: String,
    /// The closing date.
    pub closed_on: IsoDate,
    /// Guarantors released by the closure.
    pub guarantors_released: Vec<String>,
    /// For a top-up: the new loan's id.
    pub successor_loan_id: Option<String>,
}

/// What was written off on a written-off loan, recovered and is still owed.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct StatementWriteOff {
    /// The write-off date.
    pub written_off_on: IsoDate,
    /// Principal written off, currency units.
    pub principal: Amount,
    /// Interest written off.
    pub interest: Amount,
    /// Fines written off.
    pub fines: Amount,
    /// Total written off.
    pub total: Amount,
    /// Recovered since.
    pub recovered: Amount,
    /// Waived in a settlement.
    pub settlement_waived: Amount,
    /// Still owed.
    pub still_owed: Amount,
}

/// A restructured loan's flag and performance period.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct StatementRestructure {
    /// The date of the first explicit restructure.
    pub on: IsoDate,
    /// Its reason.
    pub reason: String,
    /// The first payment under the new terms, if any yet.
    pub first_payment_on: Option<IsoDate>,
    /// Months of satisfactory performance required.
    pub performance_months: u32,
    /// The first date the loan may be upgraded (none until the first payment).
    pub upgrade_from: Option<IsoDate>,
}

/// A loan's state and statement on a date (the `loan_statement` operation's output).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct LoanStatement {
    /// Loan id.
    pub loan_id: String,
    /// The statement date.
    pub as_of: IsoDate,
    /// `"active"`, `"closed"`, `"foreclosed"`, `"written_off"` or `"topped_up"`.
    pub status: String,
    /// Closure details once closed.
    pub closure: Option<StatementClosure>,
    /// Current nominal rate, percent per annum.
    pub annual_rate: Amount,
    /// Current EMI, currency units.
    pub emi: Option<Amount>,
    /// Principal disbursed.
    pub principal_disbursed: Amount,
    /// Interest capitalised by skips.
    pub principal_capitalised: Amount,
    /// Principal prepaid by part payments.
    pub principal_prepaid: Amount,
    /// Principal outstanding.
    pub outstanding_principal: Amount,
    /// Unpaid interest of installments due on or before the date.
    pub interest_due: Amount,
    /// Unpaid interest of installments due after the date.
    pub future_interest: Amount,
    /// Σ fine balances.
    pub fines_due: Amount,
    /// Excess held for the member.
    pub member_credit: Amount,
    /// Excess sent to the member's savings.
    pub credited_to_savings: Amount,
    /// Days past due of the oldest unpaid installment at day-end.
    pub days_past_due: i64,
    /// Next due date with something unpaid.
    pub next_due_on: Option<IsoDate>,
    /// Skips used.
    pub skips_used: u32,
    /// Interest-only months used.
    pub interest_only_used: u32,
    /// The installments.
    pub installments: Vec<StatementInstallment>,
    /// The fines.
    pub fines: Vec<StatementFine>,
    /// For a written-off loan.
    pub write_off: Option<StatementWriteOff>,
    /// For a restructured loan.
    pub restructured: Option<StatementRestructure>,
    /// What each event did, as the JSON array `outcomes` of the `loan_statement` operation
    /// (`docs/account.md`), in (value date, sequence) order.
    pub outcomes_json: String,
}

pub(super) fn events_of(events_json: &str) -> Result<Vec<LoanEvent>, WindeepException> {
    windeep_core::strict_json::check(events_json)?;
    serde_json::from_str(events_json)
        .map_err(|e| WindeepException::from(windeep_core::wire::error_from_serde(&e)))
}

/// A loan's state and statement on `as_of`, replayed from its event log `events_json` (a JSON
/// array of the loan's events, exactly as stored by the server and as in `fixtures/account/`;
/// operation `loan_statement`).
///
/// # Errors
/// The core's refusals (`E_INVALID_EVENT`, `E_LOAN_CLOSED`, …) as
/// [`WindeepException::Refused`].
#[uniffi::export]
pub fn loan_statement(
    events_json: String,
    as_of: IsoDate,
) -> Result<LoanStatement, WindeepException> {
    guarded(|| {
        let as_of = parse_date("as_of", &as_of)?;
        let events = events_of(&events_json)?;
        let r = windeep_core::account::replay(&events, as_of)?;
        let s = r.state;
        let outcomes_json = serde_json::to_string(&r.outcomes)
            .map_err(|e| WindeepException::from(windeep_core::wire::error_from_serde(&e)))?;
        Ok(LoanStatement {
            loan_id: s.loan_id,
            as_of: date(s.as_of),
            status: s.status,
            closure: s.closure.map(|c| StatementClosure {
                closure_type: wire_name(&c.closure_type),
                closed_on: date(c.closed_on),
                guarantors_released: c.guarantors_released,
                successor_loan_id: c.successor_loan_id,
            }),
            annual_rate: Amount(s.annual_rate.to_string()),
            emi: s.emi.map(money),
            principal_disbursed: money(s.principal_disbursed),
            principal_capitalised: money(s.principal_capitalised),
            principal_prepaid: money(s.principal_prepaid),
            outstanding_principal: money(s.outstanding_principal),
            interest_due: money(s.interest_due),
            future_interest: money(s.future_interest),
            fines_due: money(s.fines_due),
            member_credit: money(s.member_credit),
            credited_to_savings: money(s.credited_to_savings),
            days_past_due: s.days_past_due,
            next_due_on: opt_date(s.next_due_on),
            skips_used: s.skips_used,
            interest_only_used: s.interest_only_used,
            installments: s
                .installments
                .iter()
                .map(|i| StatementInstallment {
                    number: i.number,
                    due_on: date(i.due_on),
                    status: wire_name(&i.status),
                    principal: money(i.principal),
                    interest: money(i.interest),
                    principal_paid: money(i.principal_paid),
                    interest_paid: money(i.interest_paid),
                    waived: money(i.waived),
                    cancelled: money(i.cancelled),
                    written_off: money(i.written_off),
                    unpaid: money(i.unpaid),
                    deferred_principal: money(i.deferred_principal),
                    fines_due: money(i.fines_due),
                    days_past_due: i.days_past_due,
                })
                .collect(),
            fines: s
                .fines
                .iter()
                .map(|f| StatementFine {
                    key: f.key.clone(),
                    installment: f.installment,
                    rule_id: f.rule_id.clone(),
                    occurrence: f.occurrence,
                    amount: money(f.amount),
                    paid: money(f.paid),
                    waived: money(f.waived),
                    written_off: money(f.written_off),
                    balance: money(f.balance),
                })
                .collect(),
            write_off: s.write_off.map(|w| StatementWriteOff {
                written_off_on: date(w.written_off_on),
                principal: money(w.principal),
                interest: money(w.interest),
                fines: money(w.fines),
                total: money(w.total),
                recovered: money(w.recovered),
                settlement_waived: money(w.settlement_waived),
                still_owed: money(w.still_owed),
            }),
            restructured: s.restructured.map(|r| StatementRestructure {
                on: date(r.on),
                reason: r.reason,
                first_payment_on: opt_date(r.first_payment_on),
                performance_months: r.performance_months,
                upgrade_from: opt_date(r.upgrade_from),
            }),
            outcomes_json,
        })
    })
}

/// One fine the daily job levies or re-amounts (an assessment of [`LoanFinesResult`]).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct FineAssessment {
    /// `"levy"` or `"re_amount"`.
    pub action: String,
    /// The fine key's loan id.
    pub loan_id: String,
    /// The fine key's installment number.
    pub installment: u32,
    /// The fine key's rule id.
    pub rule_id: u32,
    /// The fine key's occurrence (1-based).
    pub occurrence: u32,
    /// The rule's formula kind (`"fixed"`, `"per_day"`, `"percentage"`, `"slab"`).
    pub kind: String,
    /// The late day the amount reflects.
    pub accrued_to: IsoDate,
    /// Whole calendar days from the due date to `accrued_to`.
    pub days_late: u32,
    /// Days the rule charges (see `docs/fines.md`).
    pub effective_days: u32,
    /// The percentage base, currency units (percentage rules only).
    pub base: Option<Amount>,
    /// The formula's value before the cap.
    pub calculated: Amount,
    /// Whether the cap lowered `calculated`.
    pub capped: bool,
    /// Whether the amount was raised to `paid + waived`.
    pub floored: bool,
    /// The fine's new amount, currency units.
    pub amount: Amount,
    /// The amount before (none for a levy).
    pub previous_amount: Option<Amount>,
    /// Paid so far.
    pub paid: Amount,
    /// Waived so far.
    pub waived: Amount,
    /// `amount − paid − waived`.
    pub balance: Amount,
}

/// The daily fine job on one loan (the `loan_fines` operation's output).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct LoanFinesResult {
    /// The assessments, in the core's order.
    pub assessments: Vec<FineAssessment>,
    /// The `fine_levied` events to append to the loan's log, as a JSON array in the stored
    /// form of `events_json`.
    pub events_json: String,
}

/// The daily fine job on the loan whose event log is `events_json`, with the fine rules
/// `rules_json` (a JSON array of rules as in `docs/fines.md`), on `as_of`; `product` selects
/// the rules of one product (operation `loan_fines`).
///
/// # Errors
/// The core's refusals (`E_INVALID_FINE_RULE`, `E_INVALID_EVENT`, …) as
/// [`WindeepException::Refused`].
#[uniffi::export]
pub fn loan_fines(
    events_json: String,
    as_of: IsoDate,
    rules_json: String,
    product: Option<String>,
) -> Result<LoanFinesResult, WindeepException> {
    guarded(|| {
        let as_of = parse_date("as_of", &as_of)?;
        let events = events_of(&events_json)?;
        windeep_core::strict_json::check(&rules_json)?;
        let rules: Vec<FineRule> = serde_json::from_str(&rules_json)
            .map_err(|e| WindeepException::from(windeep_core::wire::error_from_serde(&e)))?;
        let r = windeep_ops::loan_fines(&events, as_of, &rules, product)?;
        let events_json = serde_json::to_string(&r.events)
            .map_err(|e| WindeepException::from(windeep_core::wire::error_from_serde(&e)))?;
        Ok(LoanFinesResult {
            assessments: r
                .assessments
                .iter()
                .map(|a| FineAssessment {
                    action: wire_name(&a.action),
                    loan_id: a.key.loan_id.clone(),
                    installment: a.key.installment,
                    rule_id: a.key.rule_id,
                    occurrence: a.key.occurrence,
                    kind: a.kind.to_owned(),
                    accrued_to: date(a.accrued_to),
                    days_late: a.days_late,
                    effective_days: a.effective_days,
                    base: a.base.map(money),
                    calculated: money(a.calculated),
                    capped: a.capped,
                    floored: a.floored,
                    amount: money(a.amount),
                    previous_amount: a.previous_amount.map(money),
                    paid: money(a.paid),
                    waived: money(a.waived),
                    balance: money(a.balance),
                })
                .collect(),
            events_json,
        })
    })
}

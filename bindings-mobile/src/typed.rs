//! The typed API of the mobile set: uniffi records converted to and from the core's types.
//!
//! Money and rates cross as their exact decimal text ([`Amount`]: `java.math.BigDecimal` in
//! Kotlin, `Decimal` in Swift); dates cross as ISO `YYYY-MM-DD` text ([`IsoDate`]:
//! `java.time.LocalDate` in Kotlin, a `String` in Swift). The mappings are in `uniffi.toml`.

use windeep_core::{CoreError, LoanTerms, Money};

use crate::{WindeepException, guarded};

mod account;
mod approval;

pub use account::{
    AllocateRequest, AllocationLine, AllocationResult, CurrencySpec, FineAssessment,
    InstallmentDues, LoanFinesResult, LoanStatement, StatementClosure, StatementFine,
    StatementInstallment, StatementRestructure, StatementWriteOff, allocate, loan_fines,
    loan_statement,
};
pub use approval::{
    ApprovalDecision, ApprovalOverride, ApprovalRequest, Guarantor, GuarantorPolicy,
    LoanApplication, MemberFacts, ProductBounds, RecordedOverride, Refusal, approve_loan,
};

/// An exact decimal (money in currency units, or a rate in percent) as its plain text,
/// e.g. `"8884.88"`. Kotlin: `java.math.BigDecimal`; Swift: `Decimal`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Amount(pub String);

uniffi::custom_type!(Amount, String, {
    lower: |a| a.0,
    try_lift: |s| Ok(Amount(s)),
});

/// A calendar date as ISO text `YYYY-MM-DD`. Kotlin: `java.time.LocalDate`; Swift: `String`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IsoDate(pub String);

uniffi::custom_type!(IsoDate, String, {
    lower: |d| d.0,
    try_lift: |s| Ok(IsoDate(s)),
});

fn money(value: Money) -> Amount {
    Amount(value.to_string())
}

fn date(value: chrono::NaiveDate) -> IsoDate {
    IsoDate(value.format("%Y-%m-%d").to_string())
}

fn opt_date(value: Option<chrono::NaiveDate>) -> Option<IsoDate> {
    value.map(date)
}

/// An operation's JSON output read back as the core's type.
fn json_or_refused<T: serde::de::DeserializeOwned>(
    value: serde_json::Value,
) -> Result<T, WindeepException> {
    serde_json::from_value(value)
        .map_err(|e| WindeepException::from(windeep_core::wire::error_from_serde(&e)))
}

fn parse_date(field: &str, value: &IsoDate) -> Result<chrono::NaiveDate, WindeepException> {
    chrono::NaiveDate::parse_from_str(&value.0, "%Y-%m-%d").map_err(|e| {
        let err = CoreError::InvalidInput {
            reason: format!("{field}: {e}"),
        };
        WindeepException::Refused {
            code: err.code().to_owned(),
            detail: err.to_string(),
            field: Some(field.to_owned()),
        }
    })
}

/// The wire name of a core enum value (`"reducing"`, `"monthly"`, …).
fn wire_name<T: serde::Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        Ok(other) => other.to_string(),
        Err(e) => e.to_string(),
    }
}

/// The terms of a schedule that a phone sets; every other term takes the core's default
/// (method `reducing`, frequency `monthly`, …, INR). Methods and the like are the wire names
/// of `docs/schedule.md` (`"reducing"`, `"flat"`; `"monthly"`, …); `None` is the default.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ScheduleRequest {
    /// Amount lent, currency units.
    pub principal: Amount,
    /// Nominal rate, percent per annum.
    pub annual_rate: Amount,
    /// Number of installments.
    pub tenure: u32,
    /// Disbursement date.
    pub disbursed_on: IsoDate,
    /// First due date.
    pub first_due_on: IsoDate,
    /// `"reducing"` (default) or `"flat"`.
    #[uniffi(default = None)]
    pub method: Option<String>,
    /// `"monthly"` (default), `"weekly"`, … .
    #[uniffi(default = None)]
    pub frequency: Option<String>,
}

/// One installment of a [`ScheduleResult`].
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ScheduleRow {
    /// 1-based number.
    pub number: u32,
    /// Due date.
    pub due_on: IsoDate,
    /// Days in the period.
    pub days: i64,
    /// Principal outstanding before the installment.
    pub opening_balance: Amount,
    /// Principal repaid.
    pub principal: Amount,
    /// Interest charged.
    pub interest: Amount,
    /// Principal + interest.
    pub installment: Amount,
    /// Principal outstanding after the installment.
    pub closing_balance: Amount,
}

/// A repayment schedule and its APR (the `schedule` operation's output).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ScheduleResult {
    /// Currency code, e.g. `INR`.
    pub currency: String,
    /// Method wire name.
    pub method: String,
    /// Frequency wire name.
    pub frequency: String,
    /// EMI (reducing method), currency units.
    pub emi: Option<Amount>,
    /// Last due date.
    pub maturity_on: IsoDate,
    /// Processing fee, currency units.
    pub processing_fee: Amount,
    /// Amount paid out, currency units.
    pub net_disbursement: Amount,
    /// Annual percentage rate, percent; none when the terms ask for no APR.
    pub apr: Option<Amount>,
    /// The installments in order.
    pub installments: Vec<ScheduleRow>,
    /// Sum of principal repaid.
    pub total_principal: Amount,
    /// Sum of interest.
    pub total_interest: Amount,
    /// Sum of installments.
    pub total_payable: Amount,
}

fn terms_of(request: &ScheduleRequest) -> Result<LoanTerms, WindeepException> {
    // The enum fields are read by the core's own deserializer from their wire names.
    let mut doc = serde_json::json!({
        "principal": request.principal.0,
        "annual_rate": request.annual_rate.0,
        "tenure": request.tenure,
        "disbursed_on": parse_date("disbursed_on", &request.disbursed_on)?.to_string(),
        "first_due_on": parse_date("first_due_on", &request.first_due_on)?.to_string(),
    });
    if let Some(m) = &request.method {
        doc["method"] = m.clone().into();
    }
    if let Some(f) = &request.frequency {
        doc["frequency"] = f.clone().into();
    }
    serde_json::from_value(doc).map_err(|e| windeep_core::wire::error_from_serde(&e).into())
}

/// A repayment schedule and its APR from `request` (operation `schedule`).
///
/// # Errors
/// The core's refusals (`E_INVALID_TENURE`, `E_INVALID_AMOUNT`, …) as
/// [`WindeepException::Refused`].
///
/// # Example
/// ```
/// use windeep_mobile::typed::{Amount, IsoDate, ScheduleRequest, schedule};
/// let s = schedule(ScheduleRequest {
///     principal: Amount("100000".into()), annual_rate: Amount("12".into()), tenure: 12,
///     disbursed_on: IsoDate("2026-01-05".into()), first_due_on: IsoDate("2026-02-05".into()),
///     method: None, frequency: None }).unwrap();
/// assert_eq!(s.emi, Some(Amount("8884.88".into())));
/// ```
#[uniffi::export]
pub fn schedule(request: ScheduleRequest) -> Result<ScheduleResult, WindeepException> {
    guarded(|| {
        let terms = terms_of(&request)?;
        let report = windeep_ops::schedule(&terms)?;
        let s = report.schedule;
        Ok(ScheduleResult {
            currency: s.currency.clone(),
            method: wire_name(&s.method),
            frequency: wire_name(&s.frequency),
            emi: s.emi.map(money),
            maturity_on: date(s.maturity_on),
            processing_fee: money(s.processing_fee),
            net_disbursement: money(s.net_disbursement),
            apr: report.apr.map(Amount),
            installments: s
                .installments
                .iter()
                .map(|r| ScheduleRow {
                    number: r.number,
                    due_on: date(r.due_on),
                    days: r.days,
                    opening_balance: money(r.opening_balance),
                    principal: money(r.principal),
                    interest: money(r.interest),
                    installment: money(r.installment),
                    closing_balance: money(r.closing_balance),
                })
                .collect(),
            total_principal: money(s.totals.principal),
            total_interest: money(s.totals.interest),
            total_payable: money(s.totals.payable),
        })
    })
}

/// What closes a loan on a settlement date (the `foreclosure_quote` operation's output).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ForeclosureQuote {
    /// The settlement date.
    pub settlement_on: IsoDate,
    /// The foreclosure rule's wire name (`"accrued_to_date"`, …).
    pub rule: String,
    /// Principal outstanding.
    pub principal: Amount,
    /// Interest due and unpaid.
    pub interest_due: Amount,
    /// Interest of the foreclosure rule.
    pub foreclosure_interest: Amount,
    /// Prepayment charge.
    pub prepayment_charge: Amount,
    /// Fines due.
    pub fines: Amount,
    /// What closes the loan, currency units.
    pub total: Amount,
}

/// What closes a loan on `settlement_on`, from its event log `events_json` (a JSON array of
/// the loan's events, exactly as stored by the server and as in `fixtures/account/`).
///
/// # Errors
/// The core's refusals as [`WindeepException::Refused`].
#[uniffi::export]
pub fn foreclosure_quote(
    events_json: String,
    settlement_on: IsoDate,
) -> Result<ForeclosureQuote, WindeepException> {
    guarded(|| {
        let on = parse_date("settlement_on", &settlement_on)?;
        let events: Vec<windeep_core::account::LoanEvent> = serde_json::from_str(&events_json)
            .map_err(|e| WindeepException::from(windeep_core::wire::error_from_serde(&e)))?;
        let q = windeep_core::account::foreclosure_quote(&events, on)?;
        let rule = match serde_json::to_value(q.rule) {
            Ok(serde_json::Value::Object(m)) => m
                .get("rule")
                .and_then(|r| r.as_str())
                .unwrap_or_default()
                .to_owned(),
            _ => String::new(),
        };
        Ok(ForeclosureQuote {
            settlement_on: date(q.settlement_on),
            rule,
            principal: money(q.principal),
            interest_due: money(q.interest_due),
            foreclosure_interest: money(q.foreclosure_interest),
            prepayment_charge: money(q.prepayment_charge),
            fines: money(q.fines),
            total: money(q.total),
        })
    })
}

/// What a top-up of a loan would look like (the `topup_quote` operation's output).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct TopUpQuote {
    /// The top-up asked for.
    pub topup_amount: Amount,
    /// Principal of the new loan.
    pub new_principal: Amount,
    /// Collected from the proceeds to close the parent loan.
    pub collected_from_proceeds: Amount,
    /// Cash to the member before the processing fee.
    pub cash_before_fee: Amount,
    /// The parent loan's outstanding principal.
    pub parent_principal: Amount,
    /// The parent loan's interest due.
    pub parent_interest_due: Amount,
    /// The parent loan's fines due.
    pub parent_fines: Amount,
}

/// What a top-up of `amount` on `on` would look like for the loan whose event log is
/// `events_json` (a JSON array of the loan's events, as in `fixtures/account/`).
///
/// # Errors
/// The core's refusals as [`WindeepException::Refused`].
#[uniffi::export]
pub fn topup_quote(
    events_json: String,
    on: IsoDate,
    amount: Amount,
    restructure: Option<String>,
) -> Result<TopUpQuote, WindeepException> {
    guarded(|| {
        let on = parse_date("on", &on)?;
        let amount: Money = amount.0.parse()?;
        let events: Vec<windeep_core::account::LoanEvent> = serde_json::from_str(&events_json)
            .map_err(|e| WindeepException::from(windeep_core::wire::error_from_serde(&e)))?;
        let q = windeep_core::account::topup_quote_restructured(
            &events,
            on,
            amount,
            restructure.as_deref(),
        )?;
        Ok(TopUpQuote {
            topup_amount: money(q.topup_amount),
            new_principal: money(q.new_principal),
            collected_from_proceeds: money(q.collected_from_proceeds),
            cash_before_fee: money(q.cash_before_fee),
            parent_principal: money(q.parent_principal),
            parent_interest_due: money(q.parent_interest_due),
            parent_fines: money(q.parent_fines),
        })
    })
}

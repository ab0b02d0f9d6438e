//! The typed `approve_loan`: the application, the member, the guarantors and the product's
//! bounds as records; every optional field left `None` takes the core's default
//! (`docs/approval.md`).

use super::account::{CurrencySpec, currency_json};
use super::{Amount, IsoDate, parse_date, wire_name};
use crate::{WindeepException, guarded};

/// The loan applied for.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct LoanApplication {
    /// Amount applied for, currency units.
    pub amount: Amount,
    /// Number of installments.
    pub tenure: u32,
    /// Nominal rate, percent per annum.
    pub annual_rate: Amount,
    /// Planned disbursement date.
    pub disbursed_on: IsoDate,
    /// Planned first due date.
    pub first_due_on: IsoDate,
    /// Fixed day of the month installments fall due on, if any.
    #[uniffi(default = None)]
    pub fixed_due_day: Option<u32>,
    /// Frequency wire name (`"monthly"` by default).
    #[uniffi(default = None)]
    pub frequency: Option<String>,
}

/// The applicant's savings facts.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct MemberFacts {
    /// Savings balance, currency units.
    pub savings_balance: Amount,
    /// Months of saving.
    pub savings_months: u32,
}

/// One guarantor offered.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Guarantor {
    /// The guarantor's member id.
    pub member_id: String,
    /// The amount guaranteed, currency units.
    pub guarantee_amount: Amount,
    /// The guarantor's savings balance, currency units.
    pub savings_balance: Amount,
    /// `"accepted"` (default), `"pending"` or `"rejected"`.
    #[uniffi(default = None)]
    pub consent: Option<String>,
    /// Whether the guarantor is an active member (default true).
    #[uniffi(default = None)]
    pub active: Option<bool>,
    /// Guarantees the guarantor already gives (default 0).
    #[uniffi(default = None)]
    pub active_guarantees: Option<u32>,
    /// What those guarantees still cover, currency units (default 0).
    #[uniffi(default = None)]
    pub current_liability: Option<Amount>,
    /// This guarantor's own count limit, if any.
    #[uniffi(default = None)]
    pub max_guarantee_count: Option<u32>,
    /// This guarantor's own amount limit, if any.
    #[uniffi(default = None)]
    pub max_guarantee_amount: Option<Amount>,
}

/// The product's bounds; `None` means the core's default for each (no bound, or the
/// documented value).
#[derive(Debug, Clone, PartialEq, Eq, Default, uniffi::Record)]
pub struct ProductBounds {
    /// Smallest amount, currency units.
    #[uniffi(default = None)]
    pub min_amount: Option<Amount>,
    /// Largest amount, currency units.
    #[uniffi(default = None)]
    pub max_amount: Option<Amount>,
    /// Fewest installments.
    #[uniffi(default = None)]
    pub min_tenure: Option<u32>,
    /// Most installments.
    #[uniffi(default = None)]
    pub max_tenure: Option<u32>,
    /// Lowest rate, percent.
    #[uniffi(default = None)]
    pub min_annual_rate: Option<Amount>,
    /// Highest rate, percent.
    #[uniffi(default = None)]
    pub max_annual_rate: Option<Amount>,
    /// Largest amount as a multiple of the savings balance.
    #[uniffi(default = None)]
    pub loan_to_savings_ratio: Option<Amount>,
    /// Months of saving required.
    #[uniffi(default = None)]
    pub required_savings_months: Option<u32>,
    /// Fewest guarantors.
    #[uniffi(default = None)]
    pub min_guarantors: Option<u32>,
    /// Most guarantors.
    #[uniffi(default = None)]
    pub max_guarantors: Option<u32>,
    /// Fewest days from disbursement to the first due date.
    #[uniffi(default = None)]
    pub min_first_due_gap_days: Option<u32>,
    /// Most days from disbursement to the first due date.
    #[uniffi(default = None)]
    pub max_first_due_gap_days: Option<u32>,
}

/// The society's guarantor limits; `None` takes the core's default (the legacy values).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct GuarantorPolicy {
    /// New guarantees only below this many.
    #[uniffi(default = None)]
    pub max_guarantee_count: Option<u32>,
    /// Largest total guaranteed, currency units.
    #[uniffi(default = None)]
    pub max_guarantee_amount: Option<Amount>,
    /// Largest guarantee as a percent of the guarantor's savings.
    #[uniffi(default = None)]
    pub max_guarantee_percent_of_savings: Option<Amount>,
}

/// An override of a refusal, with its reason.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ApprovalOverride {
    /// The refusal's code, e.g. `E_APPROVAL_TENURE_ABOVE_MAX`.
    pub code: String,
    /// Why it is overridden (required for an override that is used).
    #[uniffi(default = "")]
    pub reason: String,
}

/// Everything [`approve_loan`] reads.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ApprovalRequest {
    /// The loan applied for.
    pub application: LoanApplication,
    /// The applicant's savings facts.
    pub member: MemberFacts,
    /// The product's bounds.
    pub product: ProductBounds,
    /// The guarantors, in the order refusals about them are reported.
    #[uniffi(default = [])]
    pub guarantors: Vec<Guarantor>,
    /// The society's guarantor limits (`None`: the legacy values).
    #[uniffi(default = None)]
    pub guarantor_policy: Option<GuarantorPolicy>,
    /// Overrides of refusals.
    #[uniffi(default = [])]
    pub overrides: Vec<ApprovalOverride>,
    /// The currency (`None`: INR).
    #[uniffi(default = None)]
    pub currency: Option<CurrencySpec>,
}

/// One reason the application cannot be approved as it stands.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Refusal {
    /// The stable code, e.g. `E_APPROVAL_TENURE_ABOVE_MAX`.
    pub code: String,
    /// The guarantor's member id, for the per-guarantor checks.
    pub guarantor: Option<String>,
    /// The bound that was crossed, as text for people (an amount, a count, a rate, a date).
    pub limit: String,
    /// The value that crossed it, as text for people.
    pub actual: String,
    /// Whether an override may lift it.
    pub overridable: bool,
    /// Whether an override lifted it.
    pub overridden: bool,
}

/// An override as recorded in the decision.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct RecordedOverride {
    /// The code overridden.
    pub code: String,
    /// The reason, as given.
    pub reason: String,
    /// Whether any refusal had this code.
    pub used: bool,
}

/// The outcome of [`approve_loan`].
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ApprovalDecision {
    /// True when every refusal is overridden (or there is none).
    pub approved: bool,
    /// Every refusal, in check order.
    pub refusals: Vec<Refusal>,
    /// Every override given, in input order.
    pub overrides: Vec<RecordedOverride>,
}

/// Puts `value` under `key` when it is given.
fn put<T: Into<serde_json::Value>>(doc: &mut serde_json::Value, key: &str, value: Option<T>) {
    if let Some(v) = value {
        doc[key] = v.into();
    }
}

fn text(a: Option<&Amount>) -> Option<String> {
    a.map(|a| a.0.clone())
}

/// The input document of the `approve_loan` operation: only the fields given, so that the
/// core's defaults apply to the rest.
fn document(r: &ApprovalRequest) -> Result<serde_json::Value, WindeepException> {
    let a = &r.application;
    let mut application = serde_json::json!({
        "amount": a.amount.0,
        "tenure": a.tenure,
        "annual_rate": a.annual_rate.0,
        "disbursed_on": parse_date("application.disbursed_on", &a.disbursed_on)?.to_string(),
        "first_due_on": parse_date("application.first_due_on", &a.first_due_on)?.to_string(),
    });
    put(&mut application, "fixed_due_day", a.fixed_due_day);
    put(&mut application, "frequency", a.frequency.clone());
    let guarantors: Vec<serde_json::Value> = r
        .guarantors
        .iter()
        .map(|g| {
            let mut v = serde_json::json!({
                "member_id": g.member_id,
                "guarantee_amount": g.guarantee_amount.0,
                "savings_balance": g.savings_balance.0,
            });
            put(&mut v, "consent", g.consent.clone());
            put(&mut v, "active", g.active);
            put(&mut v, "active_guarantees", g.active_guarantees);
            put(
                &mut v,
                "current_liability",
                text(g.current_liability.as_ref()),
            );
            put(&mut v, "max_guarantee_count", g.max_guarantee_count);
            put(
                &mut v,
                "max_guarantee_amount",
                text(g.max_guarantee_amount.as_ref()),
            );
            v
        })
        .collect();
    let p = &r.product;
    let mut product = serde_json::json!({});
    put(&mut product, "min_amount", text(p.min_amount.as_ref()));
    put(&mut product, "max_amount", text(p.max_amount.as_ref()));
    put(&mut product, "min_tenure", p.min_tenure);
    put(&mut product, "max_tenure", p.max_tenure);
    put(
        &mut product,
        "min_annual_rate",
        text(p.min_annual_rate.as_ref()),
    );
    put(
        &mut product,
        "max_annual_rate",
        text(p.max_annual_rate.as_ref()),
    );
    put(
        &mut product,
        "loan_to_savings_ratio",
        text(p.loan_to_savings_ratio.as_ref()),
    );
    put(
        &mut product,
        "required_savings_months",
        p.required_savings_months,
    );
    put(&mut product, "min_guarantors", p.min_guarantors);
    put(&mut product, "max_guarantors", p.max_guarantors);
    put(
        &mut product,
        "min_first_due_gap_days",
        p.min_first_due_gap_days,
    );
    put(
        &mut product,
        "max_first_due_gap_days",
        p.max_first_due_gap_days,
    );
    let mut doc = serde_json::json!({
        "application": application,
        "member": {
            "savings_balance": r.member.savings_balance.0,
            "savings_months": r.member.savings_months,
        },
        "guarantors": guarantors,
        "product": product,
        "overrides": r.overrides.iter()
            .map(|o| serde_json::json!({ "code": o.code, "reason": o.reason }))
            .collect::<Vec<_>>(),
    });
    if let Some(gp) = &r.guarantor_policy {
        let mut v = serde_json::json!({});
        put(&mut v, "max_guarantee_count", gp.max_guarantee_count);
        put(
            &mut v,
            "max_guarantee_amount",
            text(gp.max_guarantee_amount.as_ref()),
        );
        put(
            &mut v,
            "max_guarantee_percent_of_savings",
            text(gp.max_guarantee_percent_of_savings.as_ref()),
        );
        doc["guarantor_policy"] = v;
    }
    if let Some(c) = &r.currency {
        doc["currency"] = currency_json(c);
    }
    Ok(doc)
}

/// Checks a loan application against the product, the member and the guarantors (operation
/// `approve_loan`).
///
/// # Errors
/// The core's refusals of the input itself (`E_INVALID_APPLICATION`, `E_INVALID_OVERRIDE`,
/// `E_OVERRIDE_WITHOUT_REASON`, …) as [`WindeepException::Refused`]; reasons not to approve
/// are not errors but the decision's `refusals`.
///
/// # Example
/// ```
/// use windeep_mobile::typed::{Amount, IsoDate, approve_loan, ApprovalRequest, LoanApplication,
///     MemberFacts, ProductBounds};
/// let d = approve_loan(ApprovalRequest {
///     application: LoanApplication { amount: Amount("50000".into()), tenure: 48,
///         annual_rate: Amount("12".into()), disbursed_on: IsoDate("2026-01-05".into()),
///         first_due_on: IsoDate("2026-02-05".into()), fixed_due_day: None, frequency: None },
///     member: MemberFacts { savings_balance: Amount("30000".into()), savings_months: 12 },
///     product: ProductBounds { max_tenure: Some(36), ..ProductBounds::default() },
///     guarantors: vec![], guarantor_policy: None, overrides: vec![], currency: None }).unwrap();
/// assert!(!d.approved);
/// assert!(d.refusals.iter().any(|r| r.code == "E_APPROVAL_TENURE_ABOVE_MAX"));
/// ```
#[uniffi::export]
pub fn approve_loan(request: ApprovalRequest) -> Result<ApprovalDecision, WindeepException> {
    guarded(|| {
        let doc = document(&request)?;
        let request: windeep_core::approval::ApprovalRequest = serde_json::from_value(doc)
            .map_err(|e| WindeepException::from(windeep_core::wire::error_from_serde(&e)))?;
        let d = windeep_core::approval::approve_loan(&request)?;
        Ok(ApprovalDecision {
            approved: d.approved,
            refusals: d
                .refusals
                .iter()
                .map(|r| Refusal {
                    code: wire_name(&r.code),
                    guarantor: r.guarantor.clone(),
                    limit: r.limit.clone(),
                    actual: r.actual.clone(),
                    overridable: r.overridable,
                    overridden: r.overridden,
                })
                .collect(),
            overrides: d
                .overrides
                .iter()
                .map(|o| RecordedOverride {
                    code: wire_name(&o.code),
                    reason: o.reason.clone(),
                    used: o.used,
                })
                .collect(),
        })
    })
}

//! Audit of a loan kept by the legacy system: recompute it with the core and list every stored
//! figure that differs from what the rules give.
//!
//! The input is one loan as the legacy tables hold it (legacy-spec §0–§4, §10.6): its
//! `loans` row, its `loan_installments` rows, its `loan_payments` rows and its `fines` rows,
//! with the legacy column names. [`audit_loan`] recomputes the schedule from the loan's terms
//! (`docs/schedule.md`), replays the payments as loan events (`docs/account.md`) up to an
//! explicit audit date, and compares. Each difference is a [`Discrepancy`] naming its rule
//! ([`AUDIT_RULES`]): a short stable id and the sentence it enforces. The rules are written out
//! in `docs/audit.md`.
//!
//! Nothing here fails on a bad loan: a loan the core cannot recompute is itself a discrepancy
//! (`R_TERMS_INVALID`, `R_REPLAY_REFUSED`), so a whole book can be audited in one pass.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::account::InstallmentStatus;
use crate::decimal::{pad, used_scale};
use crate::error::CoreError;
use crate::money::{Money, Rate, format_date};
use crate::schedule::{LoanTerms, Method, Schedule, generate_schedule};

/// One audit rule: a stable id and the sentence it enforces, with its source.
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct AuditRule {
    /// Stable id, e.g. `R_HEADER_TOTAL_INTEREST`.
    pub id: &'static str,
    /// What the rule requires, in one sentence, with the section it comes from.
    pub message: &'static str,
}

macro_rules! rules {
    ($($name:ident = $id:literal : $message:literal;)*) => {
        $(
            #[doc = $message]
            const $name: AuditRule = AuditRule { id: $id, message: $message };
        )*
        /// Every audit rule, in the order discrepancies are reported.
        pub const AUDIT_RULES: &[AuditRule] = &[$($name),*];
    };
}

rules! {
    TERMS_INVALID = "R_TERMS_INVALID":
        "the loan's terms must give a schedule under docs/schedule.md (legacy-spec §1.3, §2.1)";
    EMI = "R_EMI":
        "loans.emi_amount must be the EMI of the terms: R2 of the exact formula (legacy-spec §2.1, §2.7)";
    HEADER_TOTAL_INTEREST = "R_HEADER_TOTAL_INTEREST":
        "loans.total_interest must equal the sum of the schedule's row interest (legacy-spec §2.1)";
    HEADER_TOTAL_PAYABLE = "R_HEADER_TOTAL_PAYABLE":
        "loans.total_payable must equal the sum of the schedule's row installments (legacy-spec §2.1)";
    FIRST_EMI_DATE = "R_FIRST_EMI_DATE":
        "loans.first_emi_date must be the first installment's due date (legacy-spec §2.6)";
    LAST_EMI_DATE = "R_LAST_EMI_DATE":
        "loans.last_emi_date must be the last installment's due date (legacy-spec §1.3, §2.6)";
    ROW_MISSING = "R_ROW_MISSING":
        "every installment of the schedule must have exactly one row (legacy-spec §2.7, §10.6 check 1)";
    ROW_EXTRA = "R_ROW_EXTRA":
        "no row may exist beyond the schedule's installments, nor twice for one (legacy-spec §2.7)";
    ROW_DUE_DATE = "R_ROW_DUE_DATE":
        "due dates keep the first due date's day of month, clamped to short months, and never drift (legacy-spec §2.6)";
    ROW_PRINCIPAL = "R_ROW_PRINCIPAL":
        "row principal must be the EMI minus the rounded interest, the last row the remaining balance (legacy-spec §2.7)";
    ROW_INTEREST = "R_ROW_INTEREST":
        "row interest must be R2(balance × rate / 1200) on a reducing loan, or on a flat loan row k's cumulative-rounding share R2(I × k / n) − R2(I × (k − 1) / n) (legacy-spec §2.3, §2.7; docs/schedule.md)";
    FLAT_REMAINDER = "R_FLAT_REMAINDER":
        "a flat loan's last row closes the interest by cumulative rounding: R2(I) − R2(I × (n − 1) / n), so the rows sum to the total interest (legacy-spec §2.3, §2.7; docs/schedule.md)";
    ROW_EMI = "R_ROW_EMI":
        "a row's emi_amount must be its principal plus its interest (legacy-spec §2.7)";
    HISTORY_NOT_REPLAYED = "R_HISTORY_NOT_REPLAYED":
        "the loan has a part payment, interest-only month, foreclosure, skip or unknown payment type, which the audit does not replay: its paid amounts, statuses and outstanding figures are not checked";
    REPLAY_REFUSED = "R_REPLAY_REFUSED":
        "the loan's payments must replay on its schedule (docs/account.md)";
    ROW_PRINCIPAL_PAID = "R_ROW_PRINCIPAL_PAID":
        "principal_paid must equal what the loan's payments, allocated by the rules, put on the row (legacy-spec §3.2, §3.3)";
    ROW_INTEREST_PAID = "R_ROW_INTEREST_PAID":
        "interest_paid must equal what the loan's payments, allocated by the rules, put on the row (legacy-spec §3.2, §3.3)";
    ROW_STATUS = "R_ROW_STATUS":
        "status must follow from the due date, the audit date and what is paid, whatever label a job last wrote (legacy-spec §0.5, §2.6)";
    OUTSTANDING_PRINCIPAL = "R_OUTSTANDING_PRINCIPAL":
        "loans.outstanding_principal must equal the principal not yet repaid, derived from the payments (legacy-spec §3.6, §10.6 check 2)";
    OUTSTANDING_INTEREST = "R_OUTSTANDING_INTEREST":
        "loans.outstanding_interest must equal the schedule's unpaid interest, due and future (legacy-spec §3.6, §10.6 check 2)";
    OUTSTANDING_FINE = "R_OUTSTANDING_FINE":
        "loans.outstanding_fine must equal the sum of the loan's fine balances (legacy-spec §3.2, §3.6)";
    PAYMENT_COMPONENTS = "R_PAYMENT_COMPONENTS":
        "a payment's total_amount must equal its principal, interest, fine and excess components (legacy-spec §10.6 check 3)";
    FINE_ORPHAN = "R_FINE_ORPHAN":
        "a fine must belong to an installment of its loan (legacy-spec §10.6 check 10b)";
    FINE_BALANCE = "R_FINE_BALANCE":
        "a fine's balance_amount must be max(0, fine_amount − paid_amount − waived_amount), and 0 once cancelled (legacy-spec §4.4, §4.5, §10.6 check 5)";
    FINE_DUPLICATE = "R_FINE_DUPLICATE":
        "an installment carries at most one fine per rule; a later one is a duplicate (decisions §5; legacy-spec §4.4 bug #7, §10.6 check 4b)";
    NEGATIVE_AMOUNT = "R_NEGATIVE_AMOUNT":
        "amounts received, levied, paid or waived are never negative (legacy-spec §10.6 check 10a)";
    MALFORMED_CELL = "R_MALFORMED_CELL":
        "every cell the audit reads must hold a value of its column's type (docs/audit.md, reading an export): the loan is not audited until it does";
    ROW_UNMATCHED = "R_ROW_UNMATCHED":
        "every installment and payment row must belong to a loan of the export, and every loan fine to an installment of one (legacy-spec §10.6 check 10b)";
    FINE_RELATED_TYPE = "R_FINE_RELATED_TYPE":
        "a fine's related_type must be loan_installment, savings_schedule or other (docs/audit.md; legacy-schema.md fines.related_type)";
}

/// A `loans` row of the legacy system (legacy-spec §1.3, §2.1, §3.6).
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LegacyLoanRow {
    /// `loans.id`, which the other tables reference as `loan_id`.
    pub id: i64,
    /// `loans.loan_number`, e.g. `LN2026000001`; names the loan in every discrepancy.
    pub loan_number: String,
    /// Amount lent.
    pub principal_amount: Money,
    /// Nominal rate, percent per annum (`DECIMAL(5,2)`).
    pub interest_rate: Rate,
    /// `reducing`, `reducing_monthly` (computed as `reducing`) or `flat`.
    pub interest_type: String,
    /// Number of monthly installments.
    pub tenure_months: u32,
    /// Disbursement date.
    #[serde(with = "crate::money::iso_date")]
    pub disbursement_date: NaiveDate,
    /// First EMI date as stored on the header.
    #[serde(with = "crate::money::iso_date")]
    pub first_emi_date: NaiveDate,
    /// Last EMI date as stored on the header (may be null).
    #[serde(default, with = "crate::money::iso_date_opt")]
    pub last_emi_date: Option<NaiveDate>,
    /// Stored EMI.
    pub emi_amount: Money,
    /// Stored total interest.
    pub total_interest: Money,
    /// Stored total payable.
    pub total_payable: Money,
    /// Stored outstanding principal.
    pub outstanding_principal: Money,
    /// Stored outstanding interest (the legacy meaning: all unpaid scheduled interest).
    pub outstanding_interest: Money,
    /// Stored outstanding fine.
    pub outstanding_fine: Money,
}

/// A `loan_installments` row of the legacy system (legacy-spec §2.2, §3.3).
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LegacyInstallmentRow {
    /// `loan_installments.id`, which payments (`installment_id`) and fines (`related_id`)
    /// reference.
    pub id: i64,
    /// 1-based installment number.
    pub installment_number: u32,
    /// Due date.
    #[serde(with = "crate::money::iso_date")]
    pub due_date: NaiveDate,
    /// Scheduled principal.
    pub principal_amount: Money,
    /// Scheduled interest.
    pub interest_amount: Money,
    /// Scheduled installment.
    pub emi_amount: Money,
    /// Principal paid so far.
    pub principal_paid: Money,
    /// Interest paid so far.
    pub interest_paid: Money,
    /// `upcoming`, `pending`, `partial`, `paid`, `overdue`, `skipped`, `interest_only` or
    /// `waived`.
    pub status: String,
}

/// A `loan_payments` row of the legacy system (legacy-spec §3.1–§3.3, §3.7).
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LegacyPaymentRow {
    /// `loan_payments.id`.
    pub id: i64,
    /// The installment the payment targeted (`loan_installments.id`), or null for a loan-level
    /// payment.
    #[serde(default)]
    pub installment_id: Option<i64>,
    /// Payment (value) date.
    #[serde(with = "crate::money::iso_date")]
    pub payment_date: NaiveDate,
    /// `emi`, `advance_payment`, `adjustment`, `regular`, `fine_payment`, `reversal`,
    /// `part_payment`, `interest_only` or `foreclosure`.
    pub payment_type: String,
    /// Cash received.
    pub total_amount: Money,
    /// Part applied to principal.
    pub principal_component: Money,
    /// Part applied to interest.
    pub interest_component: Money,
    /// Part applied to fines.
    pub fine_component: Money,
    /// Part left over.
    pub excess_amount: Money,
    /// Whether the payment was reversed (it then takes no part in the replay).
    pub is_reversed: bool,
}

/// A `fines` row of the legacy system that belongs to a loan installment (legacy-spec §4).
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LegacyFineRow {
    /// `fines.id`.
    pub id: i64,
    /// The fined installment (`loan_installments.id`).
    pub related_id: i64,
    /// The fine rule that levied it (null for a manual fine).
    #[serde(default)]
    pub fine_rule_id: Option<i64>,
    /// Date of the fine (last recomputed).
    #[serde(with = "crate::money::iso_date")]
    pub fine_date: NaiveDate,
    /// Amount levied.
    pub fine_amount: Money,
    /// Amount paid.
    pub paid_amount: Money,
    /// Amount waived.
    pub waived_amount: Money,
    /// Stored balance.
    pub balance_amount: Money,
    /// `pending`, `partial`, `paid`, `waived` or `cancelled`.
    pub status: String,
}

/// One legacy loan: its header and every row the other tables hold for it.
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LegacyLoan {
    /// The `loans` row.
    pub loan: LegacyLoanRow,
    /// Its `loan_installments` rows, in any order.
    #[serde(default)]
    pub installments: Vec<LegacyInstallmentRow>,
    /// Its `loan_payments` rows, in any order.
    #[serde(default)]
    pub payments: Vec<LegacyPaymentRow>,
    /// Its `fines` rows, in any order.
    #[serde(default)]
    pub fines: Vec<LegacyFineRow>,
}

/// A stored figure that differs from what the rules give.
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Discrepancy {
    /// The loan (`loans.loan_number`).
    pub loan: String,
    /// The installment number the figure belongs to, if any.
    pub installment: Option<u32>,
    /// The stored figure: `table.column`, with the row id for payments and fines
    /// (`loan_payments[17].total_amount`).
    pub field: String,
    /// The stored value as text (money at 2 places, dates `YYYY-MM-DD`), null when absent.
    pub stored: Option<String>,
    /// The value the rules give, null when there is none (a row that should not exist, a
    /// negative amount, a loan that cannot be recomputed).
    pub correct: Option<String>,
    /// The rule's stable id.
    pub rule: String,
    /// The rule's sentence (and, for a refusal, the core's explanation).
    pub message: String,
}

/// The audit of one loan.
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoanAudit {
    /// The loan (`loans.loan_number`).
    pub loan: String,
    /// The audit date.
    #[serde(with = "crate::money::iso_date")]
    pub as_of: NaiveDate,
    /// Every discrepancy, header first, then by installment, payment and fine.
    pub discrepancies: Vec<Discrepancy>,
}

/// Counts over the audits of a book.
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditSummary {
    /// Loans audited.
    pub loans_audited: usize,
    /// Loans with at least one discrepancy.
    pub loans_with_discrepancies: usize,
    /// Discrepancies in all.
    pub discrepancies: usize,
    /// Discrepancies per rule id (rules with none are left out).
    pub by_rule: BTreeMap<String, usize>,
}

impl AuditSummary {
    /// Adds one loan's audit to the counts.
    pub fn add(&mut self, audit: &LoanAudit) {
        self.loans_audited += 1;
        if !audit.discrepancies.is_empty() {
            self.loans_with_discrepancies += 1;
        }
        self.discrepancies += audit.discrepancies.len();
        for d in &audit.discrepancies {
            *self.by_rule.entry(d.rule.clone()).or_default() += 1;
        }
    }

    /// Adds the counts of other audits (of other loans) to these.
    pub fn merge(&mut self, other: &Self) {
        self.loans_audited += other.loans_audited;
        self.loans_with_discrepancies += other.loans_with_discrepancies;
        self.discrepancies += other.discrepancies;
        for (rule, n) in &other.by_rule {
            *self.by_rule.entry(rule.clone()).or_default() += n;
        }
    }
}

/// Money as text: padded to 2 places when it has at most 2, else exactly as stored.
fn money_text(m: Money) -> String {
    let v = m.value();
    if used_scale(v) <= 2 {
        pad(v, 2).to_string()
    } else {
        v.normalize().to_string()
    }
}

fn status_word(s: InstallmentStatus) -> &'static str {
    match s {
        InstallmentStatus::Upcoming => "upcoming",
        InstallmentStatus::Due => "pending",
        InstallmentStatus::Partial => "partial",
        InstallmentStatus::Paid => "paid",
        InstallmentStatus::Overdue => "overdue",
        InstallmentStatus::Skipped => "skipped",
        InstallmentStatus::InterestOnly => "interest_only",
        // The legacy schema has one word for every settlement without payment.
        InstallmentStatus::Waived
        | InstallmentStatus::Cancelled
        | InstallmentStatus::WrittenOff => "waived",
    }
}

/// The installment number of each `loan_installments.id` of a loan. Where rows repeat an id,
/// the last of them in (installment number, id) order is the one named.
struct NumberOf(Vec<(i64, u32)>);

impl NumberOf {
    fn new(rows: &[&LegacyInstallmentRow]) -> Self {
        let mut ids: Vec<(i64, u32)> = rows.iter().map(|i| (i.id, i.installment_number)).collect();
        ids.sort_unstable();
        Self(ids)
    }

    /// The number of the installment with `id`, if the loan has one.
    fn get(&self, id: i64) -> Option<u32> {
        let after = self.0.partition_point(|&(i, _)| i <= id);
        after
            .checked_sub(1)
            .and_then(|last| self.0.get(last))
            .filter(|&&(i, _)| i == id)
            .map(|&(_, number)| number)
    }
}

/// Payment types replayed as `payment_received` events of principal + interest.
const REPLAYED: &[&str] = &[
    "emi",
    "advance_payment",
    "adjustment",
    "regular",
    "fine_payment",
];
/// Payment types that record a reversal of another payment (which carries `is_reversed`).
const IGNORED: &[&str] = &["reversal"];

/// Collects the discrepancies of one loan.
struct Report {
    loan: String,
    out: Vec<Discrepancy>,
}

impl Report {
    fn push(
        &mut self,
        rule: AuditRule,
        installment: Option<u32>,
        field: impl Into<String>,
        stored: Option<String>,
        correct: Option<String>,
    ) {
        self.out.push(Discrepancy {
            loan: self.loan.clone(),
            installment,
            field: field.into(),
            stored,
            correct,
            rule: rule.id.to_owned(),
            message: rule.message.to_owned(),
        });
    }

    fn refused(&mut self, rule: AuditRule, field: &str, err: &CoreError) {
        self.out.push(Discrepancy {
            loan: self.loan.clone(),
            installment: None,
            field: field.to_owned(),
            stored: Some(err.code().to_owned()),
            correct: None,
            rule: rule.id.to_owned(),
            message: format!("{}: {err}", rule.message),
        });
    }

    /// Reports the replay's refusal of the payment `loan_payments.id` = `id`.
    fn refused_payment(&mut self, id: i64, err: &CoreError) {
        self.out.push(Discrepancy {
            loan: self.loan.clone(),
            installment: None,
            field: format!("loan_payments[{id}]"),
            stored: Some(err.code().to_owned()),
            correct: None,
            rule: REPLAY_REFUSED.id.to_owned(),
            message: format!(
                "{}: the replay refused loan_payments.id {id}: {err}",
                REPLAY_REFUSED.message
            ),
        });
    }

    /// Reports `stored` when it is not `correct` (compared as numbers).
    fn money(
        &mut self,
        rule: AuditRule,
        installment: Option<u32>,
        field: &str,
        stored: Money,
        correct: Money,
    ) {
        if stored.value() != correct.value() {
            self.push(
                rule,
                installment,
                field,
                Some(money_text(stored)),
                Some(money_text(correct)),
            );
        }
    }

    fn date(
        &mut self,
        rule: AuditRule,
        installment: Option<u32>,
        field: &str,
        stored: Option<NaiveDate>,
        correct: NaiveDate,
    ) {
        if stored != Some(correct) {
            self.push(
                rule,
                installment,
                field,
                stored.map(format_date),
                Some(format_date(correct)),
            );
        }
    }

    /// Reports a negative `stored` amount; `field` is only named when it is reported.
    fn not_negative(
        &mut self,
        installment: Option<u32>,
        field: impl FnOnce() -> String,
        stored: Money,
    ) {
        if stored.value() < Decimal::ZERO {
            self.push(
                NEGATIVE_AMOUNT,
                installment,
                field(),
                Some(money_text(stored)),
                None,
            );
        }
    }
}

/// The terms the legacy loan was generated from: monthly, 30/360, half-up to the paisa, no
/// broken period (legacy-spec §0, §2). The first due date is the first installment's, which is
/// the snapped date when a fixed due day was in force (§2.6). Gap limits are an approval rule,
/// not an audit one, so any gap after the disbursement is accepted.
fn legacy_terms(loan: &LegacyLoan, first_due: NaiveDate) -> Result<LoanTerms, CoreError> {
    let h = &loan.loan;
    let method = match h.interest_type.as_str() {
        "reducing" | "reducing_monthly" => Method::Reducing,
        "flat" => Method::Flat,
        other => {
            return Err(CoreError::InvalidInput {
                reason: format!(
                    "interest_type {other:?} is not reducing, reducing_monthly or flat"
                ),
            });
        }
    };
    let mut terms = LoanTerms::new(
        h.principal_amount,
        h.interest_rate,
        h.tenure_months,
        h.disbursement_date,
        first_due,
    );
    terms.method = method;
    terms.policy.min_first_due_gap_days = 0;
    terms.policy.max_first_due_gap_days = crate::schedule::MAX_FIRST_DUE_GAP_LIMIT;
    Ok(terms)
}

/// Audits one legacy loan as of `as_of` (see the module documentation and `docs/audit.md`).
///
/// # Example
/// ```
/// use windeep_core::{audit::audit_loan, parse_date, audit::LegacyLoan};
/// let loan: LegacyLoan = serde_json::from_str(r#"{"loan": {"id": 1,
///     "loan_number": "LN2026000001", "principal_amount": "100000", "interest_rate": "12",
///     "interest_type": "reducing", "tenure_months": 12, "disbursement_date": "2026-01-05",
///     "first_emi_date": "2026-02-05", "last_emi_date": "2027-01-05", "emi_amount": "8884.88",
///     "total_interest": "6618.55", "total_payable": "106618.55",
///     "outstanding_principal": "100000", "outstanding_interest": "6618.53",
///     "outstanding_fine": "0"}}"#).unwrap();
/// let audit = audit_loan(&loan, parse_date("2026-01-20").unwrap());
/// let rules: Vec<&str> = audit.discrepancies.iter().map(|d| d.rule.as_str()).collect();
/// // No installment rows were given: all twelve are missing, and the header totals are wrong.
/// assert_eq!(&rules[..2], ["R_HEADER_TOTAL_INTEREST", "R_HEADER_TOTAL_PAYABLE"]);
/// assert_eq!(audit.discrepancies[0].correct.as_deref(), Some("6618.53"));
/// ```
#[must_use]
pub fn audit_loan(loan: &LegacyLoan, as_of: NaiveDate) -> LoanAudit {
    audit_loan_by(loan, as_of, Route::Direct).0
}

/// A loan's rows in (installment number, id) order, the number of each installment id, and
/// the schedule of its terms (or the core's refusal of them).
struct Prepared<'a> {
    rows: Vec<&'a LegacyInstallmentRow>,
    number_of: NumberOf,
    schedule: Result<(Schedule, LoanTerms), CoreError>,
}

/// Sorts the rows and recomputes the schedule: the first due date is installment 1's
/// `due_date`, or `first_emi_date` when there is no installment 1 (`docs/audit.md`).
fn prepare(loan: &LegacyLoan) -> Prepared<'_> {
    let mut rows: Vec<&LegacyInstallmentRow> = loan.installments.iter().collect();
    rows.sort_by_key(|i| (i.installment_number, i.id));
    let first_due = rows
        .first()
        .filter(|i| i.installment_number == 1)
        .map_or(loan.loan.first_emi_date, |i| i.due_date);
    let number_of = NumberOf::new(&rows);
    let schedule = legacy_terms(loan, first_due).and_then(|t| Ok((generate_schedule(&t)?, t)));
    Prepared {
        rows,
        number_of,
        schedule,
    }
}

/// How the audit derives what the payments paid (see [`replay`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Route {
    /// The direct replay where it covers the loan, else the account's fold.
    Direct,
    /// The account's fold (the reference the direct replay is tested against).
    Fold,
}

/// [`audit_loan`], trying the payments' replay by `route` first; also says which route gave
/// the paid and outstanding figures (`None` when the payments were not replayed).
fn audit_loan_by(loan: &LegacyLoan, as_of: NaiveDate, route: Route) -> (LoanAudit, Option<Route>) {
    let h = &loan.loan;
    let mut r = Report {
        loan: h.loan_number.clone(),
        out: Vec::new(),
    };
    let Prepared {
        rows,
        number_of,
        schedule,
    } = prepare(loan);
    let mut replayed_by = None;
    match schedule {
        Err(e) => r.refused(TERMS_INVALID, "loans", &e),
        Ok((schedule, terms)) => {
            check_schedule(&mut r, loan, &rows, &schedule);
            replayed_by = check_payments_replay(
                &mut r,
                loan,
                &rows,
                &number_of,
                (terms, &schedule),
                as_of,
                route,
            );
        }
    }
    check_payment_rows(&mut r, loan, &number_of);
    check_fines(&mut r, loan, &number_of);
    // Header first, then installments by number, then payments and fines (each by id, the
    // order they were checked in).
    r.out.sort_by_key(|d| {
        let table = d.field.split(['.', '[']).next().unwrap_or_default();
        match table {
            "loans" => (0, 0),
            "loan_installments" => (1, d.installment.unwrap_or(0)),
            "loan_payments" => (2, 0),
            _ => (3, 0),
        }
    });
    let audit = LoanAudit {
        loan: h.loan_number.clone(),
        as_of,
        discrepancies: r.out,
    };
    (audit, replayed_by)
}

fn check_schedule(
    r: &mut Report,
    loan: &LegacyLoan,
    rows: &[&LegacyInstallmentRow],
    schedule: &Schedule,
) {
    let h = &loan.loan;
    if let Some(emi) = schedule.emi {
        r.money(EMI, None, "loans.emi_amount", h.emi_amount, emi);
    }
    r.money(
        HEADER_TOTAL_INTEREST,
        None,
        "loans.total_interest",
        h.total_interest,
        schedule.totals.interest,
    );
    r.money(
        HEADER_TOTAL_PAYABLE,
        None,
        "loans.total_payable",
        h.total_payable,
        schedule.totals.payable,
    );
    r.date(
        FIRST_EMI_DATE,
        None,
        "loans.first_emi_date",
        Some(h.first_emi_date),
        schedule.first_due_on,
    );
    r.date(
        LAST_EMI_DATE,
        None,
        "loans.last_emi_date",
        h.last_emi_date,
        schedule.maturity_on,
    );

    let n = schedule.installments.len();
    let wanted = schedule.installments.iter().enumerate();
    for pair in detail::pair_rows(wanted.map(|(k, want)| (want.number, (k, want))), rows) {
        let (row, (k, want)) = match pair {
            Paired::Extra(row) => {
                extra_row(r, row);
                continue;
            }
            Paired::Missing(number, _) => {
                r.push(
                    ROW_MISSING,
                    Some(number),
                    "loan_installments.installment_number",
                    None,
                    Some(number.to_string()),
                );
                continue;
            }
            Paired::Matched(row, wanted) => (row, wanted),
        };
        let i = Some(want.number);
        r.date(
            ROW_DUE_DATE,
            i,
            "loan_installments.due_date",
            Some(row.due_date),
            want.due_on,
        );
        r.money(
            ROW_PRINCIPAL,
            i,
            "loan_installments.principal_amount",
            row.principal_amount,
            want.principal,
        );
        let interest_rule = if schedule.method == Method::Flat && k + 1 == n {
            FLAT_REMAINDER
        } else {
            ROW_INTEREST
        };
        r.money(
            interest_rule,
            i,
            "loan_installments.interest_amount",
            row.interest_amount,
            want.interest,
        );
        r.money(
            ROW_EMI,
            i,
            "loan_installments.emi_amount",
            row.emi_amount,
            want.installment,
        );
    }
}

fn extra_row(r: &mut Report, row: &LegacyInstallmentRow) {
    r.push(
        ROW_EXTRA,
        Some(row.installment_number),
        format!("loan_installments[{}].installment_number", row.id),
        Some(row.installment_number.to_string()),
        None,
    );
}

/// Replays the payments on the recomputed schedule and compares what the rows and the header
/// say is paid and outstanding. Returns the route that replayed them, if they were.
fn check_payments_replay(
    r: &mut Report,
    loan: &LegacyLoan,
    rows: &[&LegacyInstallmentRow],
    number_of: &NumberOf,
    (terms, schedule): (LoanTerms, &Schedule),
    as_of: NaiveDate,
    route: Route,
) -> Option<Route> {
    match replay_payments(loan, rows, number_of, (terms, schedule), as_of, route) {
        Replay::NotReplayed => {
            r.push(HISTORY_NOT_REPLAYED, None, "loan_payments", None, None);
            None
        }
        Replay::Refused {
            payment: Some(id),
            error,
        } => {
            r.refused_payment(id, &error);
            Some(Route::Fold)
        }
        Replay::Refused {
            payment: None,
            error,
        } => {
            r.refused(REPLAY_REFUSED, "loan_payments", &error);
            Some(Route::Fold)
        }
        Replay::Done(figures, by) => {
            compare_replayed(r, loan, rows, &figures);
            Some(by)
        }
    }
}

/// What replaying a loan's payments gave.
enum Replay {
    /// The history has something the audit does not replay (`R_HISTORY_NOT_REPLAYED`).
    NotReplayed,
    /// The account refused the replay; `payment` is the `loan_payments.id` it refused, when
    /// one payment is to blame.
    Refused {
        payment: Option<i64>,
        error: CoreError,
    },
    /// The figures as of the audit date, and the route that gave them.
    Done(replay::Replayed, Route),
}

/// Replays the loan's payments on its recomputed schedule (`docs/audit.md`, "What is
/// recomputed").
fn replay_payments(
    loan: &LegacyLoan,
    rows: &[&LegacyInstallmentRow],
    number_of: &NumberOf,
    (terms, schedule): (LoanTerms, &Schedule),
    as_of: NaiveDate,
    route: Route,
) -> Replay {
    let h = &loan.loan;
    let mut payments = Vec::with_capacity(loan.payments.len());
    let mut restructured = rows
        .iter()
        .any(|i| matches!(i.status.as_str(), "skipped" | "interest_only"));
    for p in loan.payments.iter().filter(|p| !p.is_reversed) {
        let kind = p.payment_type.as_str();
        if REPLAYED.contains(&kind) {
            payments.push(p);
        } else if !IGNORED.contains(&kind) {
            restructured = true;
        }
    }
    if restructured {
        return Replay::NotReplayed;
    }
    payments.sort_by_key(|p| (p.payment_date, p.id));
    let mut replayed = Vec::with_capacity(payments.len());
    // The `loan_payments.id` of each replayed payment, beside it.
    let mut replayed_ids = Vec::with_capacity(payments.len());
    for (sequence, p) in (1..).zip(&payments) {
        let Some(amount) = p
            .principal_component
            .value()
            .checked_add(p.interest_component.value())
        else {
            continue;
        };
        if amount <= Decimal::ZERO {
            // Fine-only payments settle fines, which the fines table records; a negative
            // component is reported by R_NEGATIVE_AMOUNT.
            continue;
        }
        replayed.push(replay::Payment {
            sequence,
            on: p.payment_date,
            amount: Money::from_decimal(amount),
            // A target that is not an installment of this loan is refused by the replay.
            target: p.installment_id.map(|id| number_of.get(id).unwrap_or(0)),
        });
        replayed_ids.push(p.id);
    }
    let direct = match route {
        Route::Direct => replay::direct(&terms, schedule, &replayed, as_of),
        Route::Fold => None,
    };
    match direct {
        Some(figures) => Replay::Done(figures, Route::Direct),
        None => match replay::fold(&h.loan_number, terms.clone(), schedule, &replayed, as_of) {
            Ok(figures) => Replay::Done(figures, Route::Fold),
            Err(error) => {
                // Name the payment the replay refused by its own id: the first one whose
                // replay, with the payments before it, is refused.
                let culprit = (1..=replayed.len())
                    .find(|&n| {
                        replayed.get(..n).is_some_and(|some| {
                            replay::fold(&h.loan_number, terms.clone(), schedule, some, as_of)
                                .is_err()
                        })
                    })
                    .and_then(|n| replayed_ids.get(n.saturating_sub(1)));
                Replay::Refused {
                    payment: culprit.copied(),
                    error,
                }
            }
        },
    }
}

fn compare_replayed(
    r: &mut Report,
    loan: &LegacyLoan,
    rows: &[&LegacyInstallmentRow],
    figures: &replay::Replayed,
) {
    let h = &loan.loan;
    r.money(
        OUTSTANDING_PRINCIPAL,
        None,
        "loans.outstanding_principal",
        h.outstanding_principal,
        figures.outstanding_principal,
    );
    if let Some(unpaid_interest) = figures.unpaid_interest {
        r.money(
            OUTSTANDING_INTEREST,
            None,
            "loans.outstanding_interest",
            h.outstanding_interest,
            unpaid_interest,
        );
    }
    let wanted = figures.installments.iter().map(|view| (view.number, view));
    for pair in detail::pair_rows(wanted, rows) {
        let Paired::Matched(row, view) = pair else {
            continue;
        };
        let i = Some(view.number);
        r.money(
            ROW_PRINCIPAL_PAID,
            i,
            "loan_installments.principal_paid",
            row.principal_paid,
            view.principal_paid,
        );
        r.money(
            ROW_INTEREST_PAID,
            i,
            "loan_installments.interest_paid",
            row.interest_paid,
            view.interest_paid,
        );
        let want = status_word(view.status);
        if row.status != want {
            r.push(
                ROW_STATUS,
                i,
                "loan_installments.status",
                Some(row.status.clone()),
                Some(want.to_owned()),
            );
        }
    }
}

fn check_payment_rows(r: &mut Report, loan: &LegacyLoan, number_of: &NumberOf) {
    let mut payments: Vec<&LegacyPaymentRow> = loan.payments.iter().collect();
    payments.sort_by_key(|p| p.id);
    for p in payments {
        let i = p.installment_id.and_then(|id| number_of.get(id));
        let field = |column: &str| format!("loan_payments[{}].{column}", p.id);
        for (column, value) in [
            ("total_amount", p.total_amount),
            ("principal_component", p.principal_component),
            ("interest_component", p.interest_component),
            ("fine_component", p.fine_component),
            ("excess_amount", p.excess_amount),
        ] {
            r.not_negative(i, || field(column), value);
        }
        if p.is_reversed {
            continue;
        }
        let parts = [
            p.principal_component,
            p.interest_component,
            p.fine_component,
            p.excess_amount,
        ]
        .iter()
        .try_fold(Decimal::ZERO, |sum, m| sum.checked_add(m.value()));
        if let Some(parts) = parts.filter(|&v| v != p.total_amount.value()) {
            r.money(
                PAYMENT_COMPONENTS,
                i,
                &field("total_amount"),
                p.total_amount,
                Money::from_decimal(parts),
            );
        }
    }
}

/// A fine's correct balance: max(0, fine − paid − waived), 0 once cancelled (`None` if the
/// arithmetic overflows).
fn fine_balance(f: &LegacyFineRow) -> Option<Decimal> {
    if f.status == "cancelled" {
        return Some(Decimal::ZERO);
    }
    f.fine_amount
        .value()
        .checked_sub(f.paid_amount.value())
        .and_then(|b| b.checked_sub(f.waived_amount.value()))
        .map(|b| b.max(Decimal::ZERO))
}

fn check_fines(r: &mut Report, loan: &LegacyLoan, number_of: &NumberOf) {
    let mut fines: Vec<&LegacyFineRow> = loan.fines.iter().collect();
    fines.sort_by_key(|f| (f.fine_date, f.id));
    let mut first_of: HashMap<(u32, Option<i64>), i64> = HashMap::new();
    let mut total = Some(Decimal::ZERO);
    let mut found = Vec::with_capacity(fines.len());
    for f in fines {
        let field = |column: &str| format!("fines[{}].{column}", f.id);
        let Some(number) = number_of.get(f.related_id) else {
            found.push((
                f.id,
                Discrepancy {
                    loan: r.loan.clone(),
                    installment: None,
                    field: field("related_id"),
                    stored: Some(f.related_id.to_string()),
                    correct: None,
                    rule: FINE_ORPHAN.id.to_owned(),
                    message: FINE_ORPHAN.message.to_owned(),
                },
            ));
            continue;
        };
        let i = Some(number);
        let mut mine = Report {
            loan: r.loan.clone(),
            out: Vec::new(),
        };
        for (column, value) in [
            ("fine_amount", f.fine_amount),
            ("paid_amount", f.paid_amount),
            ("waived_amount", f.waived_amount),
        ] {
            mine.not_negative(i, || field(column), value);
        }
        let cancelled = f.status == "cancelled";
        let balance = fine_balance(f);
        if let Some(balance) = balance.filter(|&v| v != f.balance_amount.value()) {
            mine.money(
                FINE_BALANCE,
                i,
                &field("balance_amount"),
                f.balance_amount,
                Money::from_decimal(balance),
            );
        }
        total = total.zip(balance).and_then(|(t, b)| t.checked_add(b));
        if !cancelled {
            let key = (number, f.fine_rule_id);
            if let Some(first) = first_of.get(&key) {
                mine.push(
                    FINE_DUPLICATE,
                    i,
                    field("fine_rule_id"),
                    Some(f.fine_rule_id.map_or_else(String::new, |id| id.to_string())),
                    None,
                );
                if let Some(d) = mine.out.last_mut() {
                    d.message = format!("{} (duplicate of fines[{first}])", d.message);
                }
            } else {
                first_of.insert(key, f.id);
            }
        }
        found.extend(mine.out.into_iter().map(|d| (f.id, d)));
    }
    if let Some(total) = total {
        r.money(
            OUTSTANDING_FINE,
            None,
            "loans.outstanding_fine",
            loan.loan.outstanding_fine,
            Money::from_decimal(total),
        );
    }
    // Fine discrepancies are listed by fine id, whatever their dates.
    found.sort_by_key(|(id, _)| *id);
    r.out.extend(found.into_iter().map(|(_, d)| d));
}

mod book;
mod columns;
mod detail;
mod read;
mod replay;

pub use read::read_csv_table;
#[cfg(feature = "dump")]
pub use read::read_mysql_dump;

use detail::Paired;
pub use detail::{
    CorrectInstallment, HeaderPair, InstallmentPair, LoanDetail, Pairing, StatementState,
    loan_detail, loan_detail_in_export,
};

pub use book::{
    AuditCause, AuditFinding, AuditedLoan, BOOK_COLUMNS, BookAudit, BookAuditSummary, LegacyExport,
    LoanBookAudit, RawTable, ValueKind, audit_book, audit_book_columns, audit_loan_book_columns,
};
pub use columns::{Column, ColumnTable, ColumnValues, ExportColumns};

#[cfg(test)]
mod detail_tests;
#[cfg(test)]
mod equivalence_tests;
#[cfg(test)]
mod tests;

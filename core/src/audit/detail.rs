//! One audited loan in detail: its correct schedule and statement side by side with the rows
//! the legacy system stored.
//!
//! [`loan_detail`] pairs every installment of the schedule recomputed from the loan's terms
//! with the stored `loan_installments` row of the same number, by the rule the audit itself
//! uses ([`pair_rows`], `docs/audit.md`, "One loan side by side"): the rows are taken in
//! (installment number, id) order, the first row of a number goes with that installment, a
//! schedule installment with no row is *missing*, and a row of a number the schedule does not
//! have (0, beyond the tenure) or a second row of one number is *extra*. Each pair carries the
//! stored figures, the correct ones (schedule row, and the replayed statement: paid amounts and
//! status as of the audit date) and the names of the columns that differ. The header's stored
//! figures are paired with the correct ones the same way.
//!
//! [`loan_detail_in_export`] does it for one loan of a whole export, read and attached exactly
//! as [`super::audit_book`] reads and attaches it.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::book::loan_of_export;
use super::{
    LegacyExport, LegacyInstallmentRow, LegacyLoan, Prepared, Replay, Route, ValueKind,
    fine_balance, money_text, prepare, replay_payments, status_word,
};
use crate::error::CoreError;
use crate::money::{Money, format_date};
use crate::schedule::Schedule;

/// How a stored row and a correct installment were paired.
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Pairing {
    /// A stored row and the schedule's installment of its number.
    Matched,
    /// A schedule installment with no stored row (`R_ROW_MISSING`).
    Missing,
    /// A stored row with no installment: a number the schedule does not have, a second row
    /// for one number, or any row of a loan whose terms give no schedule (`R_ROW_EXTRA`).
    Extra,
}

/// Whether the correct statement (paid amounts, statuses, outstanding figures) could be
/// derived from the loan's payments.
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StatementState {
    /// The payments were replayed: the correct paid amounts and statuses are given.
    Replayed,
    /// The history has something the audit does not replay (`R_HISTORY_NOT_REPLAYED`).
    NotReplayed,
    /// The account refused the replay (`R_REPLAY_REFUSED`).
    Refused,
    /// The terms give no schedule (`R_TERMS_INVALID`), so there is nothing to replay on.
    NoSchedule,
}

/// The correct installment: the schedule's row and, when the payments were replayed, what
/// they paid on it and its status as of the audit date.
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CorrectInstallment {
    /// Due date.
    #[serde(with = "crate::money::iso_date")]
    pub due_date: NaiveDate,
    /// Principal owed before the installment.
    pub opening_balance: Money,
    /// Principal part.
    pub principal_amount: Money,
    /// Interest part.
    pub interest_amount: Money,
    /// Installment (principal + interest).
    pub emi_amount: Money,
    /// Principal owed after the installment.
    pub closing_balance: Money,
    /// Principal the replayed payments put on the row (null when not replayed).
    pub principal_paid: Option<Money>,
    /// Interest the replayed payments put on the row (null when not replayed).
    pub interest_paid: Option<Money>,
    /// Status as of the audit date in the legacy words (null when not replayed).
    pub status: Option<String>,
}

/// One installment side by side: the stored row, the correct installment, and the columns
/// in which they differ.
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstallmentPair {
    /// The installment number (the stored row's, for an extra row).
    pub installment: u32,
    /// How the two sides were paired.
    pub pairing: Pairing,
    /// The stored row, when there is one.
    pub stored: Option<LegacyInstallmentRow>,
    /// The correct installment, when there is one.
    pub correct: Option<CorrectInstallment>,
    /// The stored columns that differ from the correct ones (money compared as numbers), in
    /// column order: `due_date`, `principal_amount`, `interest_amount`, `emi_amount`,
    /// `principal_paid`, `interest_paid`, `status`. Only for matched rows; a column without a
    /// correct value (paid amounts and status when the payments were not replayed) is never
    /// listed.
    pub differences: Vec<String>,
}

/// One header figure side by side.
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeaderPair {
    /// The `loans` column.
    pub field: String,
    /// What the values are (`money` or `date`).
    pub kind: ValueKind,
    /// The stored value as text (money at 2 places, dates `YYYY-MM-DD`), null when absent.
    pub stored: Option<String>,
    /// The correct value, null when there is none (no schedule, payments not replayed).
    pub correct: Option<String>,
    /// Whether both are present and differ (money compared as numbers).
    pub differs: bool,
}

/// One loan's correct schedule and statement side by side with its stored rows.
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoanDetail {
    /// `loans.id`.
    pub loan_id: i64,
    /// `loans.loan_number`.
    pub loan_number: String,
    /// The audit date.
    #[serde(with = "crate::money::iso_date")]
    pub as_of: NaiveDate,
    /// Whether the correct statement could be derived from the payments.
    pub statement: StatementState,
    /// Why there is no schedule or statement: the core's error code and explanation.
    pub refusal: Option<String>,
    /// The header figures: `emi_amount`, `total_interest`, `total_payable`,
    /// `first_emi_date`, `last_emi_date`, `outstanding_principal`, `outstanding_interest`,
    /// `outstanding_fine`.
    pub header: Vec<HeaderPair>,
    /// Every installment, in (installment number, stored row id) order, extra rows where
    /// their number puts them.
    pub installments: Vec<InstallmentPair>,
}

/// A wanted installment paired with the stored rows: see the module documentation.
#[derive(Debug)]
pub(super) enum Paired<'a, T> {
    /// The first stored row of the wanted number.
    Matched(&'a LegacyInstallmentRow, T),
    /// A wanted installment (its number) with no stored row.
    Missing(u32, T),
    /// A stored row no wanted installment takes.
    Extra(&'a LegacyInstallmentRow),
}

/// Pairs `wanted` installments (number, item), in increasing number order, with `rows`
/// sorted by (installment number, id): the audit's pairing rule. The result is in order:
/// rows numbered below a wanted installment that nothing took come before it as extra, rows
/// after the last wanted one come last.
pub(super) fn pair_rows<'a, T>(
    wanted: impl IntoIterator<Item = (u32, T)>,
    rows: &[&'a LegacyInstallmentRow],
) -> Vec<Paired<'a, T>> {
    let mut out = Vec::with_capacity(rows.len());
    let mut stored = rows.iter().copied().peekable();
    for (number, item) in wanted {
        while let Some(row) = stored.next_if(|row| row.installment_number < number) {
            out.push(Paired::Extra(row));
        }
        match stored.next_if(|row| row.installment_number == number) {
            Some(row) => out.push(Paired::Matched(row, item)),
            None => out.push(Paired::Missing(number, item)),
        }
    }
    out.extend(stored.map(Paired::Extra));
    out
}

fn money_pair(field: &str, stored: Money, correct: Option<Money>) -> HeaderPair {
    HeaderPair {
        field: field.to_owned(),
        kind: ValueKind::Money,
        stored: Some(money_text(stored)),
        correct: correct.map(money_text),
        differs: correct.is_some_and(|c| c.value() != stored.value()),
    }
}

fn date_pair(field: &str, stored: Option<NaiveDate>, correct: Option<NaiveDate>) -> HeaderPair {
    HeaderPair {
        field: field.to_owned(),
        kind: ValueKind::Date,
        stored: stored.map(format_date),
        correct: correct.map(format_date),
        differs: correct.is_some() && stored != correct,
    }
}

/// The columns of a matched row that differ from the correct installment.
fn differences(row: &LegacyInstallmentRow, want: &CorrectInstallment) -> Vec<String> {
    let money = |stored: Money, correct: Option<Money>| {
        correct.is_some_and(|c| c.value() != stored.value())
    };
    [
        ("due_date", row.due_date != want.due_date),
        (
            "principal_amount",
            money(row.principal_amount, Some(want.principal_amount)),
        ),
        (
            "interest_amount",
            money(row.interest_amount, Some(want.interest_amount)),
        ),
        ("emi_amount", money(row.emi_amount, Some(want.emi_amount))),
        (
            "principal_paid",
            money(row.principal_paid, want.principal_paid),
        ),
        (
            "interest_paid",
            money(row.interest_paid, want.interest_paid),
        ),
        (
            "status",
            want.status.as_ref().is_some_and(|s| *s != row.status),
        ),
    ]
    .into_iter()
    .filter(|&(_, differs)| differs)
    .map(|(column, _)| column.to_owned())
    .collect()
}

/// The correct header figures of the schedule and the replay (each `None` where unknown).
struct CorrectHeader {
    emi: Option<Money>,
    total_interest: Option<Money>,
    total_payable: Option<Money>,
    first_emi_date: Option<NaiveDate>,
    last_emi_date: Option<NaiveDate>,
    outstanding_principal: Option<Money>,
    outstanding_interest: Option<Money>,
}

/// The loan's correct schedule and statement side by side with its stored rows, as of
/// `as_of` (see the module documentation and `docs/audit.md`, "One loan side by side").
/// Every difference it shows is one the audit ([`super::audit_loan`]) reports, by the same
/// pairing and the same recomputation.
///
/// # Example
/// ```
/// use windeep_core::audit::{LegacyLoan, Pairing, loan_detail};
/// use windeep_core::money::parse_date;
/// let loan: LegacyLoan = serde_json::from_str(r#"{"loan": {"id": 1,
///     "loan_number": "LN2026000001", "principal_amount": "100000", "interest_rate": "12",
///     "interest_type": "reducing", "tenure_months": 12, "disbursement_date": "2026-01-05",
///     "first_emi_date": "2026-02-05", "last_emi_date": "2027-01-05", "emi_amount": "8884.88",
///     "total_interest": "6618.55", "total_payable": "106618.55",
///     "outstanding_principal": "100000", "outstanding_interest": "6618.53",
///     "outstanding_fine": "0"},
///   "installments": [{"id": 101, "installment_number": 1, "due_date": "2026-02-05",
///     "principal_amount": "7884.88", "interest_amount": "1000.00", "emi_amount": "8884.88",
///     "principal_paid": "0", "interest_paid": "0", "status": "paid"}]}"#).unwrap();
/// let detail = loan_detail(&loan, parse_date("2026-01-20").unwrap());
/// let first = &detail.installments[0];
/// assert_eq!(first.pairing, Pairing::Matched);
/// // Not yet due on 20 January: the stored `paid` is wrong, the amounts are right.
/// assert_eq!(first.differences, ["status"]);
/// assert_eq!(first.correct.as_ref().unwrap().status.as_deref(), Some("upcoming"));
/// // Installments 2 to 12 have no stored row.
/// assert_eq!(detail.installments[1].pairing, Pairing::Missing);
/// assert_eq!(detail.installments.len(), 12);
/// ```
#[must_use]
pub fn loan_detail(loan: &LegacyLoan, as_of: NaiveDate) -> LoanDetail {
    let h = &loan.loan;
    let Prepared {
        rows,
        number_of,
        schedule,
    } = prepare(loan);
    let mut refusal = None;
    let mut correct = CorrectHeader {
        emi: None,
        total_interest: None,
        total_payable: None,
        first_emi_date: None,
        last_emi_date: None,
        outstanding_principal: None,
        outstanding_interest: None,
    };
    let (statement, installments) = match schedule {
        Err(e) => {
            refusal = Some(format!("{}: {e}", e.code()));
            let extra = rows.iter().map(|row| InstallmentPair {
                installment: row.installment_number,
                pairing: Pairing::Extra,
                stored: Some((*row).clone()),
                correct: None,
                differences: Vec::new(),
            });
            (StatementState::NoSchedule, extra.collect())
        }
        Ok((schedule, terms)) => {
            correct.emi = schedule.emi;
            correct.total_interest = Some(schedule.totals.interest);
            correct.total_payable = Some(schedule.totals.payable);
            correct.first_emi_date = Some(schedule.first_due_on);
            correct.last_emi_date = Some(schedule.maturity_on);
            let replay = replay_payments(
                loan,
                &rows,
                &number_of,
                (terms, &schedule),
                as_of,
                Route::Direct,
            );
            let (statement, figures) = match replay {
                Replay::NotReplayed => (StatementState::NotReplayed, None),
                Replay::Refused { error, .. } => {
                    refusal = Some(format!("{}: {error}", error.code()));
                    (StatementState::Refused, None)
                }
                Replay::Done(figures, _) => {
                    correct.outstanding_principal = Some(figures.outstanding_principal);
                    correct.outstanding_interest = figures.unpaid_interest;
                    (StatementState::Replayed, Some(figures))
                }
            };
            (statement, side_by_side(&schedule, figures.as_ref(), &rows))
        }
    };
    // The header's fine total: the correct balances of the fines of the loan's installments.
    let outstanding_fine = loan
        .fines
        .iter()
        .filter(|f| number_of.get(f.related_id).is_some())
        .try_fold(Decimal::ZERO, |sum, f| sum.checked_add(fine_balance(f)?))
        .map(Money::from_decimal);
    let header = vec![
        money_pair("emi_amount", h.emi_amount, correct.emi),
        money_pair("total_interest", h.total_interest, correct.total_interest),
        money_pair("total_payable", h.total_payable, correct.total_payable),
        date_pair(
            "first_emi_date",
            Some(h.first_emi_date),
            correct.first_emi_date,
        ),
        date_pair("last_emi_date", h.last_emi_date, correct.last_emi_date),
        money_pair(
            "outstanding_principal",
            h.outstanding_principal,
            correct.outstanding_principal,
        ),
        money_pair(
            "outstanding_interest",
            h.outstanding_interest,
            correct.outstanding_interest,
        ),
        money_pair("outstanding_fine", h.outstanding_fine, outstanding_fine),
    ];
    LoanDetail {
        loan_id: h.id,
        loan_number: h.loan_number.clone(),
        as_of,
        statement,
        refusal,
        header,
        installments,
    }
}

/// The schedule's installments (with the replayed figures, when there are) paired with the
/// stored rows.
fn side_by_side(
    schedule: &Schedule,
    figures: Option<&super::replay::Replayed>,
    rows: &[&LegacyInstallmentRow],
) -> Vec<InstallmentPair> {
    let wanted = schedule.installments.iter().map(|want| {
        let replayed =
            figures.and_then(|f| f.installments.iter().find(|v| v.number == want.number));
        let correct = CorrectInstallment {
            due_date: want.due_on,
            opening_balance: want.opening_balance,
            principal_amount: want.principal,
            interest_amount: want.interest,
            emi_amount: want.installment,
            closing_balance: want.closing_balance,
            principal_paid: replayed.map(|v| v.principal_paid),
            interest_paid: replayed.map(|v| v.interest_paid),
            status: replayed.map(|v| status_word(v.status).to_owned()),
        };
        (want.number, correct)
    });
    pair_rows(wanted, rows)
        .into_iter()
        .map(|pair| match pair {
            Paired::Matched(row, correct) => InstallmentPair {
                installment: row.installment_number,
                pairing: Pairing::Matched,
                differences: differences(row, &correct),
                stored: Some(row.clone()),
                correct: Some(correct),
            },
            Paired::Missing(number, correct) => InstallmentPair {
                installment: number,
                pairing: Pairing::Missing,
                stored: None,
                correct: Some(correct),
                differences: Vec::new(),
            },
            Paired::Extra(row) => InstallmentPair {
                installment: row.installment_number,
                pairing: Pairing::Extra,
                stored: Some(row.clone()),
                correct: None,
                differences: Vec::new(),
            },
        })
        .collect()
}

/// [`loan_detail`] of the loan `loans.id` = `loan_id` of a whole export, its rows read and
/// attached as [`super::audit_book`] reads and attaches them.
///
/// # Errors
/// `E_INVALID_INPUT` when a table lacks a column the audit reads, when no loan of the export
/// has the id, or when the loan has a malformed cell (its rows cannot be trusted to be put
/// side by side; the message lists the cells, as the audit's `R_MALFORMED_CELL` findings do).
///
/// # Example
/// ```
/// use windeep_core::audit::{LegacyExport, loan_detail_in_export};
/// use windeep_core::money::parse_date;
/// let export: LegacyExport = serde_json::from_str(r#"{
///   "loans": {"columns": ["id","loan_number","principal_amount","interest_rate",
///     "interest_type","tenure_months","disbursement_date","first_emi_date","last_emi_date",
///     "emi_amount","total_interest","total_payable","outstanding_principal",
///     "outstanding_interest","outstanding_fine"],
///    "rows": [["7","LN7","100000.00","12.00","reducing","12","2026-01-05","2026-02-05",
///      "2027-01-05","8884.88","6618.55","106618.55","100000.00","6618.53","\\N"]]},
///   "loan_installments": {"columns": ["id","loan_id","installment_number","due_date",
///     "principal_amount","interest_amount","emi_amount","principal_paid","interest_paid",
///     "status"]},
///   "loan_payments": {"columns": ["id","loan_id","installment_id","payment_date",
///     "payment_type","total_amount","principal_component","interest_component",
///     "fine_component","excess_amount","is_reversed"]},
///   "fines": {"columns": ["id","related_type","related_id","fine_rule_id","fine_date",
///     "fine_amount","paid_amount","waived_amount","balance_amount","status"]}}"#).unwrap();
/// let detail = loan_detail_in_export(&export, parse_date("2026-01-20").unwrap(), 7).unwrap();
/// assert_eq!(detail.loan_number, "LN7");
/// assert!(detail.header.iter().any(|h| h.field == "total_interest" && h.differs));
/// assert!(loan_detail_in_export(&export, parse_date("2026-01-20").unwrap(), 8).is_err());
/// ```
pub fn loan_detail_in_export(
    export: &LegacyExport,
    as_of: NaiveDate,
    loan_id: i64,
) -> Result<LoanDetail, CoreError> {
    let Some((loan, malformed)) = loan_of_export(export, loan_id)? else {
        return Err(CoreError::InvalidInput {
            reason: format!("no loan of the export has the id {loan_id}"),
        });
    };
    if !malformed.is_empty() {
        return Err(CoreError::InvalidInput {
            reason: format!(
                "loan {loan_id} has malformed cells, so its rows cannot be put side by side: {}",
                malformed.join("; ")
            ),
        });
    }
    Ok(loan_detail(&loan, as_of))
}

//! The audit of a whole legacy export: the four tables as raw cells in, findings out.
//!
//! [`audit_book`] reads the `loans`, `loan_installments`, `loan_payments` and `fines` tables
//! of a legacy export as rows of raw cells (text or null, exactly as a CSV file, a MySQL dump
//! or a DataFrame holds them), gives every kind of cell its documented treatment
//! (`docs/audit.md`, "Reading an export"), attaches each row to its loan, audits every loan
//! with [`audit_loan`] and returns the findings with structured fields and three roll-ups: by
//! root cause, by loan and by row.
//!
//! One bad cell never refuses the book: the loan it belongs to is reported as malformed
//! (`R_MALFORMED_CELL`: the loan id, the table, the row's own id, the column and the bad
//! value) and is not audited; every other loan is. Rows that belong to no loan
//! (`R_ROW_UNMATCHED`), loan fines of no installment (`R_FINE_ORPHAN`) and fines whose
//! `related_type` is no known word (`R_FINE_RELATED_TYPE`) are findings too.

use std::collections::{BTreeMap, HashMap};
use std::thread;

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::{
    AuditRule, Discrepancy, FINE_ORPHAN, FINE_RELATED_TYPE, LegacyFineRow, LegacyInstallmentRow,
    LegacyLoan, LegacyLoanRow, LegacyPaymentRow, MALFORMED_CELL, ROW_UNMATCHED, audit_loan,
};
use crate::decimal::{pad, used_scale};
use crate::error::CoreError;
use crate::money::{Money, Rate, parse_date};

/// One table of a legacy export as raw cells: its column names and its rows, each row one
/// cell per column (text, or null for SQL `NULL`).
///
/// Columns the audit does not read are ignored (the legacy tables have 29–44 columns). A row
/// shorter than `columns` has nulls in its missing cells.
///
/// # Example
/// ```
/// use windeep_core::audit::RawTable;
/// let t: RawTable = serde_json::from_str(
///     r#"{"columns": ["id", "loan_id"], "rows": [["7", "1"], ["8", null]]}"#).unwrap();
/// assert_eq!(t.rows.len(), 2);
/// ```
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTable {
    /// Column names, as in the legacy schema (`legacy-schema.md`).
    pub columns: Vec<String>,
    /// Rows of cells: text exactly as exported, null for `NULL`.
    #[serde(default)]
    pub rows: Vec<Vec<Option<String>>>,
}

impl RawTable {
    /// A table with these column names and no rows.
    #[must_use]
    pub fn new(columns: &[&str]) -> Self {
        Self {
            columns: columns.iter().map(|c| (*c).to_owned()).collect(),
            rows: Vec::new(),
        }
    }
}

/// The four tables of a legacy export, as raw cells.
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LegacyExport {
    /// The `loans` table.
    pub loans: RawTable,
    /// The `loan_installments` table.
    pub loan_installments: RawTable,
    /// The `loan_payments` table.
    pub loan_payments: RawTable,
    /// The `fines` table.
    pub fines: RawTable,
}

/// What a finding's `stored` and `correct` values are.
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ValueKind {
    /// Amounts at the currency's places (`difference` is set when both are present).
    Money,
    /// Dates `YYYY-MM-DD`.
    Date,
    /// Counts and ids.
    Number,
    /// Words (statuses) and error codes.
    Text,
    /// A cell as exported, that could not be read.
    Raw,
}

/// One finding of a book audit: a stored figure that differs from what the rules give, a
/// malformed cell, or a row that belongs nowhere.
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditFinding {
    /// The loan's `loans.id`, when the row belongs to one.
    pub loan_id: Option<i64>,
    /// The loan's `loans.loan_number`, when it is known.
    pub loan_number: Option<String>,
    /// The table of the stored figure: `loans`, `loan_installments`, `loan_payments` or
    /// `fines`.
    pub table: String,
    /// The row's own `id` in that table (for `loans`, the loan id), when it has one.
    pub row_id: Option<i64>,
    /// The installment number the figure belongs to, if any.
    pub installment: Option<u32>,
    /// The column (empty when the finding is about a whole row or table).
    pub field: String,
    /// The rule's stable id (`AUDIT_RULES`).
    pub rule: String,
    /// The root cause the finding is rolled up under (one short phrase per cause).
    pub cause: String,
    /// What `stored` and `correct` hold.
    pub kind: ValueKind,
    /// The stored value as text (money at 2 places), null when absent.
    pub stored: Option<String>,
    /// The value the rules give, null when there is none.
    pub correct: Option<String>,
    /// `stored − correct` for money (null otherwise).
    pub difference: Option<Money>,
    /// The rule's sentence (with the core's explanation for a refusal or a bad cell).
    pub message: String,
}

/// One line of the roll-up by root cause.
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditCause {
    /// The rule.
    pub rule: String,
    /// The root cause.
    pub cause: String,
    /// Loans with at least one such finding (findings of no loan count none).
    pub loans: usize,
    /// Distinct rows (table, row id) with such a finding.
    pub rows: usize,
    /// Findings.
    pub findings: usize,
    /// Σ |difference| over the findings that have one.
    pub amount: Money,
}

/// One line of the roll-up by loan.
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditedLoan {
    /// `loans.id`.
    pub loan_id: i64,
    /// `loans.loan_number`.
    pub loan_number: String,
    /// Whether the loan has a malformed cell (and so was not audited).
    pub malformed: bool,
    /// Findings.
    pub findings: usize,
    /// Distinct rows with a finding.
    pub rows: usize,
    /// Σ |difference|.
    pub amount: Money,
    /// The rules broken, each once, in rule order.
    pub rules: Vec<String>,
}

/// Counts over a book audit.
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BookAuditSummary {
    /// Rows of `loans`.
    pub loans: usize,
    /// Loans audited (every loan without a malformed cell).
    pub loans_audited: usize,
    /// Loans not audited because a cell of theirs is malformed.
    pub loans_malformed: usize,
    /// Loans with at least one finding (malformed ones included).
    pub loans_with_findings: usize,
    /// Findings in all (after the tolerance).
    pub findings: usize,
    /// Findings that belong to no loan (unmatched rows, orphan fines of no loan).
    pub findings_without_loan: usize,
    /// Fines of savings or other things (`related_type` `savings_schedule` or `other`): not
    /// part of a loan audit, not findings.
    pub fines_not_of_loans: usize,
    /// Findings left out because |difference| ≤ the tolerance.
    pub below_tolerance: usize,
    /// Σ |difference| over the findings.
    pub amount: Money,
    /// Findings per rule.
    pub by_rule: BTreeMap<String, usize>,
}

/// The audit of a legacy export: counts, the roll-up by cause, by loan, and every finding.
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BookAudit {
    /// The audit date.
    #[serde(with = "crate::money::iso_date")]
    pub as_of: NaiveDate,
    /// The materiality tolerance: money findings with |difference| ≤ it are left out.
    pub tolerance: Money,
    /// Counts.
    pub summary: BookAuditSummary,
    /// One line per (rule, cause), largest loan count first.
    pub causes: Vec<AuditCause>,
    /// One line per loan with findings, in the export's order.
    pub loans: Vec<AuditedLoan>,
    /// Every finding: loan by loan in the export's order (header, installments, payments,
    /// fines), then the findings of no loan by table and row id.
    pub findings: Vec<AuditFinding>,
}

// --- reading cells ---------------------------------------------------------------------------

/// The positions of the columns a table's reader needs.
struct Columns<'a> {
    table: &'static str,
    names: &'a [String],
}

impl<'a> Columns<'a> {
    fn new(table: &'static str, raw: &'a RawTable, required: &[&str]) -> Result<Self, CoreError> {
        let missing: Vec<&str> = required
            .iter()
            .filter(|c| !raw.columns.iter().any(|n| n == *c))
            .copied()
            .collect();
        if !missing.is_empty() {
            return Err(CoreError::InvalidInput {
                reason: format!("{table} lacks the columns {}", missing.join(", ")),
            });
        }
        Ok(Self {
            table,
            names: &raw.columns,
        })
    }

    fn index(&self, name: &str) -> Option<usize> {
        self.names.iter().position(|n| n == name)
    }
}

/// A cell the audit could not read.
#[derive(Debug, Clone)]
struct BadCell {
    table: &'static str,
    row_id: Option<i64>,
    column: &'static str,
    value: Option<String>,
    why: &'static str,
}

/// Reads the cells of one row, recording the bad ones.
struct Cells<'a> {
    table: &'static str,
    at: Vec<(&'a str, Option<&'a str>)>,
    bad: Vec<BadCell>,
}

/// Whether a cell means SQL `NULL`: a null, MySQL's `\N`, or the text `NULL`.
fn is_null(cell: Option<&str>) -> bool {
    cell.is_none_or(|c| c == "\\N" || c.trim().eq_ignore_ascii_case("null"))
}

/// An id or count: digits, optionally a float rendering of a whole number (`12.0`).
fn parse_whole(text: &str) -> Option<i64> {
    let t = text.trim();
    let t = t.strip_prefix('+').unwrap_or(t);
    let whole = match t.split_once('.') {
        Some((w, frac)) if frac.bytes().all(|b| b == b'0') => w,
        Some(_) => return None,
        None => t,
    };
    if whole.is_empty() || !whole.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    whole.parse().ok()
}

/// A date `YYYY-MM-DD`, or a datetime at midnight (`YYYY-MM-DD 00:00:00`); `Err(true)` for
/// MySQL's zero date `0000-00-00`.
fn parse_day(text: &str) -> Result<NaiveDate, bool> {
    let t = text.trim();
    let (day, time) = match t.get(..10) {
        Some(day) => (day, t.get(10..).unwrap_or_default()),
        None => (t, ""),
    };
    let midnight = time.is_empty()
        || matches!(
            time.trim_start_matches([' ', 'T']),
            "00:00:00" | "00:00" | "00:00:00.000" | "00:00:00.000000"
        );
    if day == "0000-00-00" {
        return Err(true);
    }
    if !midnight {
        return Err(false);
    }
    parse_date(day).map_err(|_| false)
}

impl<'a> Cells<'a> {
    fn new(cols: &'a Columns<'_>, row: &'a [Option<String>], wanted: &[&'a str]) -> Self {
        let at = wanted
            .iter()
            .map(|&name| {
                let cell = cols
                    .index(name)
                    .and_then(|i| row.get(i))
                    .and_then(|c| c.as_deref());
                (name, cell)
            })
            .collect();
        Self {
            table: cols.table,
            at,
            bad: Vec::new(),
        }
    }

    fn raw(&self, name: &str) -> Option<&'a str> {
        self.at
            .iter()
            .find(|(n, _)| *n == name)
            .and_then(|(_, c)| *c)
    }

    fn fail(&mut self, column: &'static str, why: &'static str) {
        let value = self.raw(column).map(str::to_owned);
        self.bad.push(BadCell {
            table: self.table,
            row_id: None,
            column,
            value,
            why,
        });
    }

    fn id(&mut self, name: &'static str) -> Option<i64> {
        let cell = self.raw(name);
        if is_null(cell) {
            self.fail(name, "a required id is NULL");
            return None;
        }
        let id = cell.and_then(parse_whole);
        if id.is_none() {
            self.fail(name, "not a whole number");
        }
        id
    }

    fn opt_id(&mut self, name: &'static str) -> Option<i64> {
        let cell = self.raw(name);
        if is_null(cell) || cell.is_some_and(|c| c.trim().is_empty()) {
            return None;
        }
        let id = cell.and_then(parse_whole);
        if id.is_none() {
            self.fail(name, "not a whole number");
        }
        id
    }

    fn count(&mut self, name: &'static str) -> u32 {
        let n = self.id(name);
        match n.map(u32::try_from) {
            Some(Ok(n)) => n,
            Some(Err(_)) => {
                self.fail(name, "out of range");
                0
            }
            None => 0,
        }
    }

    fn money_or(&mut self, name: &'static str, default: Option<Money>) -> Money {
        let cell = self.raw(name);
        let empty = cell.is_some_and(|c| c.trim().is_empty());
        if is_null(cell) || (empty && default.is_some()) {
            if let Some(zero) = default {
                return zero;
            }
            self.fail(name, "a NOT NULL amount is NULL");
            return Money::ZERO;
        }
        match cell.map(|c| c.trim().parse::<Money>()) {
            Some(Ok(m)) if used_scale(m.value()) <= 2 => m,
            Some(Ok(_)) => {
                self.fail(name, "more than 2 decimal places");
                Money::ZERO
            }
            _ => {
                self.fail(name, "not a plain decimal amount");
                Money::ZERO
            }
        }
    }

    /// A `NOT NULL` amount.
    fn money(&mut self, name: &'static str) -> Money {
        self.money_or(name, None)
    }

    /// A nullable amount with `DEFAULT 0.00`: `NULL` is `0.00`.
    fn money0(&mut self, name: &'static str) -> Money {
        self.money_or(name, Some(Money::ZERO))
    }

    fn rate(&mut self, name: &'static str) -> Rate {
        let cell = self.raw(name);
        match cell
            .filter(|c| !is_null(Some(c)))
            .map(|c| c.trim().parse::<Rate>())
        {
            Some(Ok(r)) => r,
            _ => {
                self.fail(name, "not a plain decimal rate");
                Rate::default()
            }
        }
    }

    fn opt_date(&mut self, name: &'static str) -> Option<NaiveDate> {
        let cell = self.raw(name);
        if is_null(cell) || cell.is_some_and(|c| c.trim().is_empty()) {
            return None;
        }
        match cell.map(parse_day) {
            Some(Ok(d)) => Some(d),
            Some(Err(true)) => None,
            _ => {
                self.fail(name, "not a YYYY-MM-DD date");
                None
            }
        }
    }

    fn date(&mut self, name: &'static str) -> NaiveDate {
        let cell = self.raw(name);
        match cell.filter(|c| !is_null(Some(c))).map(parse_day) {
            Some(Ok(d)) => d,
            Some(Err(true)) => {
                self.fail(name, "the zero date 0000-00-00 is no date");
                NaiveDate::MIN
            }
            _ => {
                self.fail(name, "not a YYYY-MM-DD date");
                NaiveDate::MIN
            }
        }
    }

    /// `tinyint(1) DEFAULT 0`: `NULL` is false.
    fn flag(&mut self, name: &'static str) -> bool {
        let cell = self.raw(name);
        if is_null(cell) {
            return false;
        }
        match cell.map(|c| c.trim().to_ascii_lowercase()).as_deref() {
            Some("0" | "0.0" | "false" | "f" | "") => false,
            Some("1" | "1.0" | "true" | "t") => true,
            _ => {
                self.fail(name, "not 0 or 1");
                false
            }
        }
    }

    fn text(&mut self, name: &'static str) -> String {
        let cell = self.raw(name);
        if is_null(cell) {
            self.fail(name, "a NOT NULL text is NULL");
            return String::new();
        }
        cell.map(|c| c.trim().to_owned()).unwrap_or_default()
    }

    /// An enum word: trimmed, lower case, `-` and spaces read as `_` (`LOAN_INSTALLMENT`,
    /// `Loan Installment` → `loan_installment`); `NULL` and MySQL's invalid-value marker `''`
    /// are kept as the empty word, which the rule reading the column reports.
    fn word(&mut self, name: &'static str) -> String {
        let cell = self.raw(name);
        if is_null(cell) {
            return String::new();
        }
        cell.map(normalise_word).unwrap_or_default()
    }

    fn done(mut self, row_id: Option<i64>) -> Vec<BadCell> {
        for b in &mut self.bad {
            b.row_id = row_id;
        }
        self.bad
    }
}

/// An enum word as the audit compares it (see [`Cells::word`]).
fn normalise_word(text: &str) -> String {
    text.trim()
        .chars()
        .map(|c| match c {
            '-' | ' ' => '_',
            c => c.to_ascii_lowercase(),
        })
        .collect()
}

// --- the tables --------------------------------------------------------------------------------

const LOAN_COLUMNS: &[&str] = &[
    "id",
    "loan_number",
    "principal_amount",
    "interest_rate",
    "interest_type",
    "tenure_months",
    "disbursement_date",
    "first_emi_date",
    "last_emi_date",
    "emi_amount",
    "total_interest",
    "total_payable",
    "outstanding_principal",
    "outstanding_interest",
    "outstanding_fine",
];
const INSTALLMENT_COLUMNS: &[&str] = &[
    "id",
    "loan_id",
    "installment_number",
    "due_date",
    "principal_amount",
    "interest_amount",
    "emi_amount",
    "principal_paid",
    "interest_paid",
    "status",
];
const PAYMENT_COLUMNS: &[&str] = &[
    "id",
    "loan_id",
    "installment_id",
    "payment_date",
    "payment_type",
    "total_amount",
    "principal_component",
    "interest_component",
    "fine_component",
    "excess_amount",
    "is_reversed",
];
const FINE_COLUMNS: &[&str] = &[
    "id",
    "related_type",
    "related_id",
    "fine_rule_id",
    "fine_date",
    "fine_amount",
    "paid_amount",
    "waived_amount",
    "balance_amount",
    "status",
];

fn read_loan(
    cols: &Columns<'_>,
    row: &[Option<String>],
) -> (Option<i64>, LegacyLoanRow, Vec<BadCell>) {
    let mut c = Cells::new(cols, row, LOAN_COLUMNS);
    let id = c.id("id");
    let loan = LegacyLoanRow {
        id: id.unwrap_or(0),
        loan_number: c.text("loan_number"),
        principal_amount: c.money("principal_amount"),
        interest_rate: c.rate("interest_rate"),
        interest_type: c.word("interest_type"),
        tenure_months: c.count("tenure_months"),
        disbursement_date: c.date("disbursement_date"),
        first_emi_date: c.date("first_emi_date"),
        last_emi_date: c.opt_date("last_emi_date"),
        emi_amount: c.money("emi_amount"),
        total_interest: c.money("total_interest"),
        total_payable: c.money("total_payable"),
        outstanding_principal: c.money("outstanding_principal"),
        outstanding_interest: c.money("outstanding_interest"),
        outstanding_fine: c.money0("outstanding_fine"),
    };
    (id, loan, c.done(id))
}

fn read_installment(
    cols: &Columns<'_>,
    row: &[Option<String>],
) -> (Option<i64>, Option<i64>, LegacyInstallmentRow, Vec<BadCell>) {
    let mut c = Cells::new(cols, row, INSTALLMENT_COLUMNS);
    let id = c.id("id");
    let loan_id = c.id("loan_id");
    let r = LegacyInstallmentRow {
        id: id.unwrap_or(0),
        installment_number: c.count("installment_number"),
        due_date: c.date("due_date"),
        principal_amount: c.money("principal_amount"),
        interest_amount: c.money("interest_amount"),
        emi_amount: c.money("emi_amount"),
        principal_paid: c.money0("principal_paid"),
        interest_paid: c.money0("interest_paid"),
        status: c.word("status"),
    };
    (id, loan_id, r, c.done(id))
}

fn read_payment(
    cols: &Columns<'_>,
    row: &[Option<String>],
) -> (Option<i64>, Option<i64>, LegacyPaymentRow, Vec<BadCell>) {
    let mut c = Cells::new(cols, row, PAYMENT_COLUMNS);
    let id = c.id("id");
    let loan_id = c.id("loan_id");
    let r = LegacyPaymentRow {
        id: id.unwrap_or(0),
        installment_id: c.opt_id("installment_id"),
        payment_date: c.date("payment_date"),
        payment_type: c.word("payment_type"),
        total_amount: c.money("total_amount"),
        principal_component: c.money0("principal_component"),
        interest_component: c.money0("interest_component"),
        fine_component: c.money0("fine_component"),
        excess_amount: c.money0("excess_amount"),
        is_reversed: c.flag("is_reversed"),
    };
    (id, loan_id, r, c.done(id))
}

/// A fine row with what attaches it: its `related_type` word and its optional `loan_id`.
struct FineRead {
    id: Option<i64>,
    related_type: String,
    loan_id: Option<i64>,
    related_id: Option<i64>,
    row: LegacyFineRow,
    bad: Vec<BadCell>,
}

fn read_fine(cols: &Columns<'_>, row: &[Option<String>], has_loan_id: bool) -> FineRead {
    let mut wanted: Vec<&str> = FINE_COLUMNS.to_vec();
    wanted.push("loan_id");
    let mut c = Cells::new(cols, row, &wanted);
    let id = c.id("id");
    let related_type = c.word("related_type");
    let loan_id = if has_loan_id {
        c.opt_id("loan_id")
    } else {
        None
    };
    let related_id = c.id("related_id");
    let r = LegacyFineRow {
        id: id.unwrap_or(0),
        related_id: related_id.unwrap_or(0),
        fine_rule_id: c.opt_id("fine_rule_id"),
        fine_date: c.date("fine_date"),
        fine_amount: c.money0("fine_amount"),
        paid_amount: c.money0("paid_amount"),
        waived_amount: c.money0("waived_amount"),
        balance_amount: c.money("balance_amount"),
        status: c.word("status"),
    };
    FineRead {
        id,
        related_type,
        loan_id,
        related_id,
        row: r,
        bad: c.done(id),
    }
}

/// `fines.related_type` words of a loan installment's fine (`loan` is an older spelling).
const LOAN_FINE_TYPES: &[&str] = &["loan_installment", "loan"];
/// `fines.related_type` words of fines that are not part of a loan audit.
const OTHER_FINE_TYPES: &[&str] = &["savings_schedule", "other"];

// --- the audit ---------------------------------------------------------------------------------

/// One loan of the export with its rows and its bad cells.
pub(super) struct Slot {
    /// The loan and the rows attached to it.
    pub(super) loan: LegacyLoan,
    bad: Vec<BadCell>,
}

impl Slot {
    /// The bad cells of the loan's rows, as `table[row id].column = value: why`.
    pub(super) fn malformed(&self) -> Vec<String> {
        self.bad
            .iter()
            .map(|b| {
                let row = b.row_id.map_or_else(String::new, |id| format!("[{id}]"));
                let value = b.value.as_deref().unwrap_or("NULL");
                format!("{}{row}.{} = {value:?}: {}", b.table, b.column, b.why)
            })
            .collect()
    }
}

/// The export's rows attached to their loans, and what attaches to none.
pub(super) struct Grouped {
    /// One slot per `loans` row that has an id, in the export's order.
    pub(super) slots: Vec<Slot>,
    /// Findings of no loan.
    loose: Found,
    /// Findings of a known loan (by slot) that are not its audit's.
    attached: Vec<(usize, AuditFinding)>,
    /// Fines of savings or other things.
    fines_not_of_loans: usize,
}

/// Findings of one loan, before the tolerance.
type Found = Vec<AuditFinding>;

fn bad_finding(loan: Option<(i64, &str)>, b: BadCell) -> AuditFinding {
    AuditFinding {
        loan_id: loan.map(|(id, _)| id),
        loan_number: loan.map(|(_, n)| n.to_owned()),
        table: b.table.to_owned(),
        row_id: b.row_id,
        installment: None,
        field: b.column.to_owned(),
        rule: MALFORMED_CELL.id.to_owned(),
        cause: format!("malformed {}.{}", b.table, b.column),
        kind: ValueKind::Raw,
        stored: b.value,
        correct: None,
        difference: None,
        message: format!("{}: {}", MALFORMED_CELL.message, b.why),
    }
}

fn row_finding(
    rule: AuditRule,
    cause: &str,
    loan: Option<(i64, &str)>,
    (table, row_id, field): (&str, Option<i64>, &str),
    stored: Option<String>,
) -> AuditFinding {
    AuditFinding {
        loan_id: loan.map(|(id, _)| id),
        loan_number: loan.map(|(_, n)| n.to_owned()),
        table: table.to_owned(),
        row_id,
        installment: None,
        field: field.to_owned(),
        rule: rule.id.to_owned(),
        cause: cause.to_owned(),
        kind: ValueKind::Number,
        stored,
        correct: None,
        difference: None,
        message: rule.message.to_owned(),
    }
}

/// Columns whose values are money.
const MONEY_COLUMNS: &[&str] = &[
    "principal_amount",
    "emi_amount",
    "total_interest",
    "total_payable",
    "outstanding_principal",
    "outstanding_interest",
    "outstanding_fine",
    "interest_amount",
    "principal_paid",
    "interest_paid",
    "total_amount",
    "principal_component",
    "interest_component",
    "fine_component",
    "excess_amount",
    "fine_amount",
    "paid_amount",
    "waived_amount",
    "balance_amount",
];

/// The root cause a loan audit's discrepancy is rolled up under.
fn cause_of(d: &Discrepancy, loan: &LegacyLoan) -> String {
    let flat = loan.loan.interest_type == "flat";
    let cause = match d.rule.as_str() {
        "R_TERMS_INVALID" => "terms that give no schedule",
        "R_EMI" => "header EMI not the formula's",
        "R_HEADER_TOTAL_INTEREST" | "R_HEADER_TOTAL_PAYABLE" => {
            "header totals from the unrounded EMI (bug #4)"
        }
        "R_FIRST_EMI_DATE" | "R_LAST_EMI_DATE" => "header EMI dates not the schedule's",
        "R_ROW_MISSING" => "installment row missing",
        "R_ROW_EXTRA" => "installment row extra or repeated",
        "R_ROW_DUE_DATE" => {
            let anchor_day = loan
                .installments
                .iter()
                .find(|i| i.installment_number == 1)
                .map_or(loan.loan.first_emi_date, |i| i.due_date)
                .day();
            if anchor_day >= 29 {
                "month-end due date drift"
            } else {
                "due date off its anchored day"
            }
        }
        "R_ROW_PRINCIPAL" | "R_ROW_INTEREST" | "R_FLAT_REMAINDER" | "R_ROW_EMI" if flat => {
            "flat interest not split by cumulative rounding"
        }
        "R_ROW_PRINCIPAL" | "R_ROW_INTEREST" | "R_ROW_EMI" => "row amounts not the schedule's",
        "R_HISTORY_NOT_REPLAYED" => "restructured history the audit does not replay",
        "R_REPLAY_REFUSED" => "payments that cannot be replayed",
        "R_ROW_PRINCIPAL_PAID" | "R_ROW_INTEREST_PAID" => "paid amounts not those of the payments",
        "R_ROW_STATUS" => "status label stale or wrong",
        "R_OUTSTANDING_PRINCIPAL" | "R_OUTSTANDING_INTEREST" => {
            "outstanding figures not those of the payments"
        }
        "R_OUTSTANDING_FINE" => "outstanding fine not the sum of fine balances",
        "R_PAYMENT_COMPONENTS" => "payment total not its components (savings top-up)",
        "R_FINE_ORPHAN" => "fine of no installment of its loan",
        "R_FINE_BALANCE" => "fine balance not fine − paid − waived",
        "R_FINE_DUPLICATE" => "duplicate fine (job run twice)",
        "R_NEGATIVE_AMOUNT" => "negative amount",
        _ => d.rule.as_str(),
    };
    cause.to_owned()
}

/// A loan audit's discrepancy as a finding with its row's own id.
fn finding_of(d: Discrepancy, loan: &LegacyLoan, rows: &[&LegacyInstallmentRow]) -> AuditFinding {
    let h = &loan.loan;
    let cause = cause_of(&d, loan);
    let (table, rest) = match d.field.find(['.', '[']) {
        Some(at) => (
            d.field.get(..at).unwrap_or_default(),
            d.field.get(at..).unwrap_or_default(),
        ),
        None => (d.field.as_str(), ""),
    };
    let (row_id, column) = if let Some(inner) = rest.strip_prefix('[') {
        let (id, after) = inner.split_once(']').unwrap_or((inner, ""));
        (id.parse().ok(), after.trim_start_matches('.'))
    } else {
        let column = rest.trim_start_matches('.');
        let row_id = match (table, d.installment) {
            ("loans", _) => Some(h.id),
            ("loan_installments", Some(n)) if d.rule != "R_ROW_MISSING" => rows
                .iter()
                .find(|r| r.installment_number == n)
                .map(|r| r.id),
            _ => None,
        };
        (row_id, column)
    };
    let money = MONEY_COLUMNS.contains(&column)
        && !matches!(d.rule.as_str(), "R_TERMS_INVALID" | "R_REPLAY_REFUSED");
    let kind = if money {
        ValueKind::Money
    } else if column.ends_with("date") {
        ValueKind::Date
    } else if matches!(
        column,
        "installment_number" | "related_id" | "fine_rule_id" | "id"
    ) {
        ValueKind::Number
    } else {
        ValueKind::Text
    };
    let difference = if money {
        let num = |t: &Option<String>| t.as_deref().and_then(|t| t.parse::<Decimal>().ok());
        num(&d.stored)
            .zip(num(&d.correct))
            .and_then(|(s, c)| s.checked_sub(c))
            .map(Money::from_decimal)
    } else {
        None
    };
    AuditFinding {
        loan_id: Some(h.id),
        loan_number: Some(h.loan_number.clone()),
        table: table.to_owned(),
        row_id,
        installment: d.installment,
        field: column.to_owned(),
        rule: d.rule,
        cause,
        kind,
        stored: d.stored,
        correct: d.correct,
        difference,
        message: d.message,
    }
}

fn audit_slot(slot: &Slot, as_of: NaiveDate) -> Found {
    let h = &slot.loan.loan;
    if !slot.bad.is_empty() {
        return slot
            .bad
            .iter()
            .cloned()
            .map(|b| bad_finding(Some((h.id, &h.loan_number)), b))
            .collect();
    }
    let mut rows: Vec<&LegacyInstallmentRow> = slot.loan.installments.iter().collect();
    rows.sort_by_key(|i| (i.installment_number, i.id));
    audit_loan(&slot.loan, as_of)
        .discrepancies
        .into_iter()
        .map(|d| finding_of(d, &slot.loan, &rows))
        .collect()
}

/// Audits every slot, on every available core for a large book.
fn audit_slots(slots: &[Slot], as_of: NaiveDate) -> Vec<Found> {
    let threads = thread::available_parallelism().map_or(1, std::num::NonZero::get);
    if threads <= 1 || slots.len() < 256 {
        return slots.iter().map(|s| audit_slot(s, as_of)).collect();
    }
    let per = slots.len().div_ceil(threads);
    thread::scope(|scope| {
        let handles: Vec<_> = slots
            .chunks(per)
            .map(|chunk| {
                scope.spawn(move || {
                    chunk
                        .iter()
                        .map(|s| audit_slot(s, as_of))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| {
                h.join()
                    .unwrap_or_else(|payload| std::panic::resume_unwind(payload))
            })
            .collect()
    })
}

/// Audits a whole legacy export as of `as_of` (see the module documentation and
/// `docs/audit.md`). Money findings with |difference| ≤ `tolerance` are left out (zero: every
/// difference counts).
///
/// # Errors
/// `E_INVALID_INPUT` when a table lacks a column the audit reads, and `E_INVALID_AMOUNT` for a
/// negative tolerance. A bad cell is never an error: it is a finding.
///
/// # Example
/// ```
/// use windeep_core::{audit::LegacyExport, Money, audit::audit_book, parse_date};
/// let export: LegacyExport = serde_json::from_str(r#"{
///   "loans": {"columns": ["id","loan_number","principal_amount","interest_rate",
///     "interest_type","tenure_months","disbursement_date","first_emi_date","last_emi_date",
///     "emi_amount","total_interest","total_payable","outstanding_principal",
///     "outstanding_interest","outstanding_fine"],
///    "rows": [["1","LN1","100000.00","12.00","REDUCING","12","2026-01-05","2026-02-05",
///      "2027-01-05","8884.88","6618.55","106618.55","100000.00","6618.53","\\N"]]},
///   "loan_installments": {"columns": ["id","loan_id","installment_number","due_date",
///     "principal_amount","interest_amount","emi_amount","principal_paid","interest_paid",
///     "status"]},
///   "loan_payments": {"columns": ["id","loan_id","installment_id","payment_date",
///     "payment_type","total_amount","principal_component","interest_component",
///     "fine_component","excess_amount","is_reversed"]},
///   "fines": {"columns": ["id","related_type","related_id","fine_rule_id","fine_date",
///     "fine_amount","paid_amount","waived_amount","balance_amount","status"]}}"#).unwrap();
/// let audit = audit_book(&export, parse_date("2026-01-20").unwrap(), Money::ZERO).unwrap();
/// let first = &audit.findings[0];
/// assert_eq!((first.rule.as_str(), first.field.as_str()), ("R_HEADER_TOTAL_INTEREST", "total_interest"));
/// assert_eq!(first.difference.unwrap().to_string(), "0.02");
/// ```
pub fn audit_book(
    export: &LegacyExport,
    as_of: NaiveDate,
    tolerance: Money,
) -> Result<BookAudit, CoreError> {
    if tolerance.value() < Decimal::ZERO {
        return Err(CoreError::InvalidAmount {
            reason: format!("the tolerance {tolerance} is negative"),
        });
    }
    let Grouped {
        slots,
        mut loose,
        attached,
        fines_not_of_loans,
    } = group(export)?;
    let mut per_loan = audit_slots(&slots, as_of);
    for (k, finding) in attached {
        if let Some(found) = per_loan.get_mut(k) {
            found.push(finding);
        }
    }
    loose.sort_by(|a, b| (&a.table, a.row_id).cmp(&(&b.table, b.row_id)));

    // The tolerance, then the roll-ups.
    let material = |f: &AuditFinding| {
        f.difference
            .is_none_or(|d| d.value().abs() > tolerance.value())
    };
    let mut summary = BookAuditSummary {
        loans: export.loans.rows.len(),
        loans_audited: slots.iter().filter(|s| s.bad.is_empty()).count(),
        loans_malformed: slots.iter().filter(|s| !s.bad.is_empty()).count(),
        fines_not_of_loans,
        amount: Money::ZERO,
        ..BookAuditSummary::default()
    };
    let mut findings = Vec::new();
    let mut loans = Vec::new();
    for (slot, found) in slots.iter().zip(per_loan) {
        let before = found.len();
        let kept: Vec<AuditFinding> = found.into_iter().filter(|f| material(f)).collect();
        summary.below_tolerance += before - kept.len();
        if kept.is_empty() {
            continue;
        }
        let h = &slot.loan.loan;
        let mut rules: Vec<String> = Vec::new();
        for f in &kept {
            if !rules.contains(&f.rule) {
                rules.push(f.rule.clone());
            }
        }
        rules.sort_by_key(|r| {
            super::AUDIT_RULES
                .iter()
                .position(|a| a.id == r)
                .unwrap_or(usize::MAX)
        });
        loans.push(AuditedLoan {
            loan_id: h.id,
            loan_number: h.loan_number.clone(),
            malformed: !slot.bad.is_empty(),
            findings: kept.len(),
            rows: distinct_rows(&kept),
            amount: total(&kept),
            rules,
        });
        findings.extend(kept);
    }
    let before = loose.len();
    loose.retain(|f| material(f));
    summary.below_tolerance += before - loose.len();
    summary.findings_without_loan = loose.iter().filter(|f| f.loan_id.is_none()).count();
    findings.extend(loose);

    summary.loans_with_findings = loans.len();
    summary.findings = findings.len();
    summary.amount = total(&findings);
    for f in &findings {
        *summary.by_rule.entry(f.rule.clone()).or_default() += 1;
    }
    let causes = roll_up(&findings);
    Ok(BookAudit {
        as_of,
        tolerance,
        summary,
        causes,
        loans,
        findings,
    })
}

/// Reads the four tables and attaches every row to its loan (`docs/audit.md`, "How rows
/// attach to loans").
pub(super) fn group(export: &LegacyExport) -> Result<Grouped, CoreError> {
    let loan_cols = Columns::new("loans", &export.loans, LOAN_COLUMNS)?;
    let inst_cols = Columns::new(
        "loan_installments",
        &export.loan_installments,
        INSTALLMENT_COLUMNS,
    )?;
    let pay_cols = Columns::new("loan_payments", &export.loan_payments, PAYMENT_COLUMNS)?;
    let fine_cols = Columns::new("fines", &export.fines, FINE_COLUMNS)?;

    // Loans, by id. A loan whose id repeats is malformed (every copy of it).
    let mut slots: Vec<Slot> = Vec::with_capacity(export.loans.rows.len());
    let mut by_id: HashMap<i64, usize> = HashMap::with_capacity(export.loans.rows.len());
    let mut loose: Found = Vec::new();
    for row in &export.loans.rows {
        let (id, loan, bad) = read_loan(&loan_cols, row);
        let Some(id) = id else {
            // No id: nothing can be attached to it; it is reported on its own.
            loose.extend(bad.into_iter().map(|b| {
                let mut f = bad_finding(None, b);
                f.loan_number = Some(loan.loan_number.clone()).filter(|n| !n.is_empty());
                f
            }));
            continue;
        };
        let k = slots.len();
        slots.push(Slot {
            loan: LegacyLoan {
                loan,
                installments: Vec::new(),
                payments: Vec::new(),
                fines: Vec::new(),
            },
            bad,
        });
        if let Some(&first) = by_id.get(&id) {
            for at in [first, k] {
                if let Some(s) = slots.get_mut(at) {
                    s.bad.push(BadCell {
                        table: "loans",
                        row_id: Some(id),
                        column: "id",
                        value: Some(id.to_string()),
                        why: "the loan id appears twice in loans",
                    });
                }
            }
        } else {
            by_id.insert(id, k);
        }
    }
    let unmatched = |table: &'static str, row_id: Option<i64>, loan_id: i64| {
        row_finding(
            ROW_UNMATCHED,
            "row of no loan of the export",
            None,
            (table, row_id, "loan_id"),
            Some(loan_id.to_string()),
        )
    };

    // Installments, attached by loan_id; the loan of each installment id, for the fines.
    let mut loan_of_installment: HashMap<i64, usize> =
        HashMap::with_capacity(export.loan_installments.rows.len());
    for row in &export.loan_installments.rows {
        let (id, loan_id, r, mut bad) = read_installment(&inst_cols, row);
        let Some(k) = loan_id.and_then(|l| by_id.get(&l).copied()) else {
            match loan_id {
                Some(l) => loose.push(unmatched("loan_installments", id, l)),
                None => loose.extend(bad.into_iter().map(|b| bad_finding(None, b))),
            }
            continue;
        };
        if let Some(id) = id
            && loan_of_installment.insert(id, k).is_some()
        {
            bad.push(BadCell {
                table: "loan_installments",
                row_id: Some(id),
                column: "id",
                value: Some(id.to_string()),
                why: "the installment id appears twice in loan_installments",
            });
        }
        if let Some(s) = slots.get_mut(k) {
            s.loan.installments.push(r);
            s.bad.extend(bad);
        }
    }
    for row in &export.loan_payments.rows {
        let (id, loan_id, r, bad) = read_payment(&pay_cols, row);
        let Some(k) = loan_id.and_then(|l| by_id.get(&l).copied()) else {
            match loan_id {
                Some(l) => loose.push(unmatched("loan_payments", id, l)),
                None => loose.extend(bad.into_iter().map(|b| bad_finding(None, b))),
            }
            continue;
        };
        if let Some(s) = slots.get_mut(k) {
            s.loan.payments.push(r);
            s.bad.extend(bad);
        }
    }
    let has_loan_id = fine_cols.index("loan_id").is_some();
    let mut fines_not_of_loans = 0;
    // Findings of a known loan that are not the loan audit's (unknown related_type).
    let mut attached: Vec<(usize, AuditFinding)> = Vec::new();
    for row in &export.fines.rows {
        let f = read_fine(&fine_cols, row, has_loan_id);
        let word = f.related_type.as_str();
        if OTHER_FINE_TYPES.contains(&word) {
            fines_not_of_loans += 1;
            continue;
        }
        let by_installment = f
            .related_id
            .and_then(|r| loan_of_installment.get(&r).copied());
        let by_loan_id = f.loan_id.and_then(|l| by_id.get(&l).copied());
        let owner = by_installment.or(by_loan_id);
        let named = |k: usize| {
            slots
                .get(k)
                .map(|s| (s.loan.loan.id, s.loan.loan.loan_number.clone()))
        };
        if !LOAN_FINE_TYPES.contains(&word) {
            let loan = owner.and_then(named);
            let mut finding = row_finding(
                FINE_RELATED_TYPE,
                "fine with an unknown related_type",
                loan.as_ref().map(|(id, n)| (*id, n.as_str())),
                ("fines", f.id, "related_type"),
                row.get(fine_cols.index("related_type").unwrap_or(usize::MAX))
                    .cloned()
                    .flatten(),
            );
            finding.kind = ValueKind::Raw;
            match owner {
                Some(k) => attached.push((k, finding)),
                None => loose.push(finding),
            }
            continue;
        }
        match owner {
            Some(k) => {
                if let Some(s) = slots.get_mut(k) {
                    s.loan.fines.push(f.row);
                    s.bad.extend(f.bad);
                }
            }
            None if f.bad.is_empty() => loose.push(row_finding(
                FINE_ORPHAN,
                "fine of no installment of its loan",
                None,
                ("fines", f.id, "related_id"),
                f.related_id.map(|r| r.to_string()),
            )),
            None => loose.extend(f.bad.into_iter().map(|b| bad_finding(None, b))),
        }
    }
    Ok(Grouped {
        slots,
        loose,
        attached,
        fines_not_of_loans,
    })
}

/// A row: table, loan, row id, and a missing installment row's number.
type RowKey<'a> = (&'a str, Option<i64>, Option<i64>, Option<u32>);

/// Distinct rows among `found`: (table, loan, row id), a missing installment row by its
/// number.
fn distinct_rows(found: &[AuditFinding]) -> usize {
    let mut rows: Vec<RowKey<'_>> = found
        .iter()
        .map(|f| {
            (
                f.table.as_str(),
                f.loan_id,
                f.row_id,
                f.row_id.map_or(f.installment, |_| None),
            )
        })
        .collect();
    rows.sort_unstable();
    rows.dedup();
    rows.len()
}

/// Σ |difference|, saturating at the decimal's range.
fn total(found: &[AuditFinding]) -> Money {
    let sum = found
        .iter()
        .filter_map(|f| f.difference)
        .fold(Decimal::ZERO, |s, d| s.saturating_add(d.value().abs()));
    Money::from_decimal(if used_scale(sum) <= 2 {
        pad(sum, 2)
    } else {
        sum
    })
}

/// One line per (rule, cause): most loans first, then most rows, then rule order.
fn roll_up(findings: &[AuditFinding]) -> Vec<AuditCause> {
    let mut groups: BTreeMap<(&str, &str), Vec<&AuditFinding>> = BTreeMap::new();
    for f in findings {
        groups
            .entry((f.rule.as_str(), f.cause.as_str()))
            .or_default()
            .push(f);
    }
    let mut lines: Vec<AuditCause> = groups
        .into_iter()
        .map(|((rule, cause), found)| {
            let mut loans: Vec<i64> = found.iter().filter_map(|f| f.loan_id).collect();
            loans.sort_unstable();
            loans.dedup();
            let owned: Vec<AuditFinding> = found.iter().map(|f| (*f).clone()).collect();
            AuditCause {
                rule: rule.to_owned(),
                cause: cause.to_owned(),
                loans: loans.len(),
                rows: distinct_rows(&owned),
                findings: found.len(),
                amount: total(&owned),
            }
        })
        .collect();
    let order = |rule: &str| {
        super::AUDIT_RULES
            .iter()
            .position(|a| a.id == rule)
            .unwrap_or(usize::MAX)
    };
    lines.sort_by(|a, b| {
        (
            std::cmp::Reverse(a.loans),
            std::cmp::Reverse(a.rows),
            order(&a.rule),
            &a.cause,
        )
            .cmp(&(
                std::cmp::Reverse(b.loans),
                std::cmp::Reverse(b.rows),
                order(&b.rule),
                &b.cause,
            ))
    });
    lines
}

#[cfg(test)]
#[path = "book_tests.rs"]
mod tests;

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
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::columns::{Cell, ExportColumns, Source, date_of_days};
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

/// How cells are read: an export (a bad cell is a finding, `NULL` takes the schema's
/// default) or a strict typed book (`audit_loan_book_columns`: a bad cell or a `NULL` in a
/// column that must have a value refuses the book).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Export,
    Strict,
}

/// What a column holds, for the error a strict read gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Money,
    Rate,
    Date,
    Other,
}

/// The positions of the columns a table's reader needs, in the order of its list.
struct Layout<'s, S> {
    table: &'static str,
    src: &'s S,
    names: &'static [&'static str],
    at: Vec<Option<usize>>,
    mode: Mode,
}

impl<'s, S: Source> Layout<'s, S> {
    fn new(
        table: &'static str,
        src: &'s S,
        names: &'static [&'static str],
        required: &[&str],
        mode: Mode,
    ) -> Result<Self, CoreError> {
        let missing: Vec<&str> = required
            .iter()
            .filter(|c| src.index(c).is_none())
            .copied()
            .collect();
        if !missing.is_empty() {
            return Err(CoreError::InvalidInput {
                reason: format!("{table} lacks the columns {}", missing.join(", ")),
            });
        }
        Ok(Self {
            table,
            src,
            names,
            at: names.iter().map(|n| src.index(n)).collect(),
            mode,
        })
    }

    fn has(&self, name: &str) -> bool {
        self.names
            .iter()
            .position(|n| *n == name)
            .and_then(|p| self.at.get(p).copied().flatten())
            .is_some()
    }

    fn cells(&self, row: usize) -> Cells<'_, 's, S> {
        Cells {
            layout: self,
            row,
            bad: Vec::new(),
        }
    }
}

/// A cell the audit could not read.
#[derive(Debug, Clone)]
struct BadCell {
    table: &'static str,
    /// The row's position in its table (from 0).
    row: usize,
    row_id: Option<i64>,
    column: &'static str,
    value: Option<String>,
    why: &'static str,
    kind: Kind,
}

impl BadCell {
    /// The refusal of a strict read.
    fn error(&self) -> CoreError {
        let why = if self.why.contains("NULL") {
            "null in a column that must have a value"
        } else {
            self.why
        };
        let value = self
            .value
            .as_deref()
            .map_or_else(String::new, |v| format!(" ({v:?})"));
        let reason = format!(
            "{}.{}, row {}: {why}{value}",
            self.table, self.column, self.row
        );
        match self.kind {
            Kind::Money => CoreError::InvalidAmount { reason },
            Kind::Rate => CoreError::InvalidRate { reason },
            Kind::Date => CoreError::InvalidDate { reason },
            Kind::Other => CoreError::InvalidInput { reason },
        }
    }
}

/// Reads the cells of one row, recording the bad ones.
struct Cells<'l, 's, S> {
    layout: &'l Layout<'s, S>,
    row: usize,
    bad: Vec<BadCell>,
}

/// Whether a cell means SQL `NULL`: a null, MySQL's `\N`, or the text `NULL`.
fn is_null(cell: Cell<'_>) -> bool {
    match cell {
        Cell::Null => true,
        Cell::Text(c) => c == "\\N" || c.trim().eq_ignore_ascii_case("null"),
        Cell::Float(x) => x.is_nan(),
        _ => false,
    }
}

/// Whether a cell is empty text.
fn is_blank(cell: Cell<'_>) -> bool {
    matches!(cell, Cell::Text(c) if c.trim().is_empty())
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

/// Why a date cell is no date.
enum NoDate {
    /// MySQL's zero date `0000-00-00`.
    Zero,
    /// A datetime with a time of day.
    TimeOfDay,
    /// Anything else.
    Malformed,
}

/// A date `YYYY-MM-DD`, or a datetime at midnight (`YYYY-MM-DD 00:00:00`).
fn parse_day(text: &str) -> Result<NaiveDate, NoDate> {
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
        return Err(NoDate::Zero);
    }
    let date = parse_date(day).map_err(|_| NoDate::Malformed)?;
    if !midnight {
        return Err(NoDate::TimeOfDay);
    }
    Ok(date)
}

const NOT_A_DATE: &str = "not a YYYY-MM-DD date";
const TIME_OF_DAY: &str = "a date with a time of day (date columns hold no times of day)";

/// Below this many units a decimal has fewer than 28 digits and reads as its text would.
const PLAIN_UNITS: u128 = 10_u128.pow(27);

impl<'s, S: Source> Cells<'_, 's, S> {
    /// The cell of the layout's column `p` (a position in its list of names, resolved at
    /// compile time by [`at!`]).
    fn cell(&self, p: usize) -> Cell<'s> {
        let l = self.layout;
        l.at.get(p)
            .copied()
            .flatten()
            .map_or(Cell::Null, |c| l.src.cell(self.row, c))
    }

    /// The p of the layout's column `p`.
    fn name(&self, p: usize) -> &'static str {
        self.layout.names.get(p).copied().unwrap_or_default()
    }

    fn strict(&self) -> bool {
        self.layout.mode == Mode::Strict
    }

    fn fail_as(&mut self, p: usize, why: &'static str, kind: Kind) {
        let value = self.cell(p).text().map(std::borrow::Cow::into_owned);
        self.bad.push(BadCell {
            table: self.layout.table,
            row: self.row,
            row_id: None,
            column: self.name(p),
            value,
            why,
            kind,
        });
    }

    fn fail(&mut self, p: usize, why: &'static str) {
        self.fail_as(p, why, Kind::Other);
    }

    fn id(&mut self, p: usize) -> Option<i64> {
        let cell = self.cell(p);
        if is_null(cell) {
            self.fail(p, "a required id is NULL");
            return None;
        }
        if let Cell::Int(v) = cell
            && v >= 0
        {
            return Some(v);
        }
        let id = cell.text().and_then(|t| parse_whole(&t));
        if id.is_none() {
            self.fail(p, "not a whole number");
        }
        id
    }

    fn opt_id(&mut self, p: usize) -> Option<i64> {
        let cell = self.cell(p);
        if is_null(cell) || is_blank(cell) {
            return None;
        }
        self.id(p)
    }

    fn count(&mut self, p: usize) -> u32 {
        let n = self.id(p);
        match n.map(u32::try_from) {
            Some(Ok(n)) => n,
            Some(Err(_)) => {
                self.fail(p, "out of range");
                0
            }
            None => 0,
        }
    }

    fn money_or(&mut self, p: usize, default: Option<Money>) -> Money {
        let default = default.filter(|_| !self.strict());
        let cell = self.cell(p);
        if let Cell::Float(x) = cell
            && x.is_nan()
            && self.strict()
        {
            // A strict read takes a float column's NaN for what it is: no amount.
            self.fail_as(p, "NaN is not an amount", Kind::Money);
            return Money::ZERO;
        }
        if is_null(cell) || (is_blank(cell) && default.is_some()) {
            if let Some(zero) = default {
                return zero;
            }
            self.fail(p, "a NOT NULL amount is NULL");
            return Money::ZERO;
        }
        let read = match cell {
            Cell::Decimal(units, scale) if units.unsigned_abs() < PLAIN_UNITS => {
                Decimal::try_from_i128_with_scale(units, scale)
                    .map(Money::from_decimal)
                    .map_err(|_| "not a plain decimal amount")
            }
            Cell::Int(v) => Ok(Money::from_decimal(Decimal::from(v))),
            Cell::Float(x) => Money::from_f64_shortest(x, 2).map_err(|e| match e {
                CoreError::InvalidAmount { .. } if x.is_finite() => "more than 2 decimal places",
                _ => "not a plain decimal amount",
            }),
            _ => match cell.text().map(|c| c.trim().parse::<Money>()) {
                Some(Ok(m)) => Ok(m),
                _ => Err("not a plain decimal amount"),
            },
        };
        match read {
            // Places up to the value's scale: only a longer scale can hide more used places.
            Ok(m) if m.value().scale() <= 2 || used_scale(m.value()) <= 2 => m,
            Ok(_) => {
                self.fail_as(p, "more than 2 decimal places", Kind::Money);
                Money::ZERO
            }
            Err(why) => {
                self.fail_as(p, why, Kind::Money);
                Money::ZERO
            }
        }
    }

    /// A `NOT NULL` amount.
    fn money(&mut self, p: usize) -> Money {
        self.money_or(p, None)
    }

    /// A nullable amount with `DEFAULT 0.00`: `NULL` is `0.00`.
    fn money0(&mut self, p: usize) -> Money {
        self.money_or(p, Some(Money::ZERO))
    }

    fn rate(&mut self, p: usize) -> Rate {
        let cell = self.cell(p);
        if let Cell::Decimal(units, scale) = cell
            && units.unsigned_abs() < PLAIN_UNITS
            && let Some(r) = Decimal::try_from_i128_with_scale(units, scale)
                .ok()
                .and_then(|d| Rate::from_percent(d).ok())
        {
            return r;
        }
        let read = if is_null(cell) {
            None
        } else {
            cell.text().map(|c| c.trim().parse::<Rate>())
        };
        match read {
            Some(Ok(r)) => r,
            _ => {
                self.fail_as(p, "not a plain decimal rate", Kind::Rate);
                Rate::default()
            }
        }
    }

    fn day(cell: Cell<'_>) -> Result<NaiveDate, NoDate> {
        if let Cell::Days(d) = cell
            && let Some(date) = date_of_days(d)
        {
            return Ok(date);
        }
        cell.text()
            .map_or(Err(NoDate::Malformed), |t| parse_day(&t))
    }

    fn opt_date(&mut self, p: usize) -> Option<NaiveDate> {
        let cell = self.cell(p);
        if is_null(cell) || is_blank(cell) {
            return None;
        }
        match Self::day(cell) {
            Ok(d) => Some(d),
            Err(NoDate::Zero) => None,
            Err(NoDate::TimeOfDay) => {
                self.fail_as(p, TIME_OF_DAY, Kind::Date);
                None
            }
            Err(NoDate::Malformed) => {
                self.fail_as(p, NOT_A_DATE, Kind::Date);
                None
            }
        }
    }

    fn date(&mut self, p: usize) -> NaiveDate {
        let cell = self.cell(p);
        let why = if is_null(cell) {
            NOT_A_DATE
        } else {
            match Self::day(cell) {
                Ok(d) => return d,
                Err(NoDate::Zero) => "the zero date 0000-00-00 is no date",
                Err(NoDate::TimeOfDay) => TIME_OF_DAY,
                Err(NoDate::Malformed) => NOT_A_DATE,
            }
        };
        self.fail_as(p, why, Kind::Date);
        NaiveDate::MIN
    }

    /// `tinyint(1) DEFAULT 0`: `NULL` is false.
    fn flag(&mut self, p: usize) -> bool {
        let cell = self.cell(p);
        if is_null(cell) {
            if self.strict() {
                self.fail(p, "a flag is NULL");
            }
            return false;
        }
        match cell {
            Cell::Bool(b) => return b,
            Cell::Int(0) => return false,
            Cell::Int(1) => return true,
            _ => {}
        }
        match cell
            .text()
            .map(|c| c.trim().to_ascii_lowercase())
            .as_deref()
        {
            Some("0" | "0.0" | "false" | "f" | "") => false,
            Some("1" | "1.0" | "true" | "t") => true,
            _ => {
                self.fail(p, "a flag is 0 or 1");
                false
            }
        }
    }

    fn text(&mut self, p: usize) -> String {
        let cell = self.cell(p);
        if is_null(cell) {
            self.fail(p, "a NOT NULL text is NULL");
            return String::new();
        }
        cell.text().map(|c| c.trim().to_owned()).unwrap_or_default()
    }

    /// An enum word: trimmed, lower case, `-` and spaces read as `_` (`LOAN_INSTALLMENT`,
    /// `Loan Installment` → `loan_installment`); `NULL` and MySQL's invalid-value marker `''`
    /// are kept as the empty word, which the rule reading the column reports. (A strict read
    /// refuses a `NULL`.)
    fn word(&mut self, p: usize) -> String {
        self.word_in(p, String::new())
    }

    /// [`Cells::word`] written into `out` (cleared first), so that a reader can reuse a
    /// buffer instead of allocating a string per row.
    fn word_in(&mut self, p: usize, mut out: String) -> String {
        out.clear();
        let cell = self.cell(p);
        if is_null(cell) {
            if self.strict() {
                self.fail(p, "a NOT NULL text is NULL");
            }
            return out;
        }
        if let Some(c) = cell.text() {
            normalise_word_in(&c, &mut out);
        }
        out
    }

    fn done(mut self, row_id: Option<i64>) -> Vec<BadCell> {
        for b in &mut self.bad {
            b.row_id = row_id;
        }
        self.bad
    }
}

/// An enum word as the audit compares it (see [`Cells::word`]), appended to `out`.
fn normalise_word_in(text: &str, out: &mut String) {
    let t = text.trim();
    if t.bytes()
        .all(|b| !b.is_ascii_uppercase() && b != b'-' && b != b' ')
    {
        out.push_str(t);
        return;
    }
    out.extend(t.chars().map(|c| match c {
        '-' | ' ' => '_',
        c => c.to_ascii_lowercase(),
    }));
}

// --- the tables --------------------------------------------------------------------------------

/// Whether two names are the same (in a `const` context).
const fn same(a: &[u8], b: &[u8]) -> bool {
    match (a, b) {
        ([x, a @ ..], [y, b @ ..]) => *x == *y && same(a, b),
        ([], []) => true,
        _ => false,
    }
}

/// The position of `name` in `names`; `names.len()` when it is not there.
const fn position(names: &[&str], name: &str) -> usize {
    match names {
        [first, rest @ ..] => {
            if same(first.as_bytes(), name.as_bytes()) {
                0
            } else {
                position(rest, name).saturating_add(1)
            }
        }
        [] => 0,
    }
}

/// A column's position in a reader's list of names, resolved at compile time (a name not in
/// the list fails the build), so that no cell read looks a column up by its name.
macro_rules! at {
    ($names:expr, $name:literal) => {
        const {
            let p = position($names, $name);
            assert!(
                p < $names.len(),
                "a column the table's reader does not list"
            );
            p
        }
    };
}

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
/// The fines' columns read, with the optional `loan_id`.
const FINE_READ: &[&str] = &[
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
    "loan_id",
];

/// The columns `audit_book` reads, per table (`fines.loan_id` is optional and also read).
///
/// # Example
/// ```
/// use windeep_core::audit::BOOK_COLUMNS;
/// assert_eq!(BOOK_COLUMNS[0].0, "loans");
/// assert!(BOOK_COLUMNS[3].1.contains(&"loan_id"));
/// ```
pub const BOOK_COLUMNS: [(&str, &[&str]); 4] = [
    ("loans", LOAN_COLUMNS),
    ("loan_installments", INSTALLMENT_COLUMNS),
    ("loan_payments", PAYMENT_COLUMNS),
    ("fines", FINE_READ),
];

fn read_loan<S: Source>(
    l: &Layout<'_, S>,
    row: usize,
) -> (Option<i64>, LegacyLoanRow, Vec<BadCell>) {
    let mut c = l.cells(row);
    let id = c.id(at!(LOAN_COLUMNS, "id"));
    let loan = LegacyLoanRow {
        id: id.unwrap_or(0),
        loan_number: c.text(at!(LOAN_COLUMNS, "loan_number")),
        principal_amount: c.money(at!(LOAN_COLUMNS, "principal_amount")),
        interest_rate: c.rate(at!(LOAN_COLUMNS, "interest_rate")),
        interest_type: c.word(at!(LOAN_COLUMNS, "interest_type")),
        tenure_months: c.count(at!(LOAN_COLUMNS, "tenure_months")),
        disbursement_date: c.date(at!(LOAN_COLUMNS, "disbursement_date")),
        first_emi_date: c.date(at!(LOAN_COLUMNS, "first_emi_date")),
        last_emi_date: c.opt_date(at!(LOAN_COLUMNS, "last_emi_date")),
        emi_amount: c.money(at!(LOAN_COLUMNS, "emi_amount")),
        total_interest: c.money(at!(LOAN_COLUMNS, "total_interest")),
        total_payable: c.money(at!(LOAN_COLUMNS, "total_payable")),
        outstanding_principal: c.money(at!(LOAN_COLUMNS, "outstanding_principal")),
        outstanding_interest: c.money(at!(LOAN_COLUMNS, "outstanding_interest")),
        outstanding_fine: c.money0(at!(LOAN_COLUMNS, "outstanding_fine")),
    };
    (id, loan, c.done(id))
}

/// The position of `id` and of `loan_id` in the installments' and the payments' lists.
const KEY_ID: usize = at!(INSTALLMENT_COLUMNS, "id");
/// See [`KEY_ID`].
const KEY_LOAN_ID: usize = at!(INSTALLMENT_COLUMNS, "loan_id");
const _: () =
    assert!(KEY_ID == at!(PAYMENT_COLUMNS, "id") && KEY_LOAN_ID == at!(PAYMENT_COLUMNS, "loan_id"));

/// A row's own id and its `loan_id`, with the bad cells of the two.
fn read_keys<S: Source>(l: &Layout<'_, S>, row: usize) -> (Option<i64>, Option<i64>, bool) {
    let mut c = l.cells(row);
    let id = c.id(KEY_ID);
    let loan_id = c.id(KEY_LOAN_ID);
    (id, loan_id, c.bad.is_empty())
}

/// Reads installment row `row`; its status word is written into `word` (a buffer to reuse,
/// or an empty string).
fn read_installment<S: Source>(
    l: &Layout<'_, S>,
    row: usize,
    word: String,
) -> (Option<i64>, LegacyInstallmentRow, Vec<BadCell>) {
    let mut c = l.cells(row);
    let id = c.id(at!(INSTALLMENT_COLUMNS, "id"));
    c.id(at!(INSTALLMENT_COLUMNS, "loan_id"));
    let r = LegacyInstallmentRow {
        id: id.unwrap_or(0),
        installment_number: c.count(at!(INSTALLMENT_COLUMNS, "installment_number")),
        due_date: c.date(at!(INSTALLMENT_COLUMNS, "due_date")),
        principal_amount: c.money(at!(INSTALLMENT_COLUMNS, "principal_amount")),
        interest_amount: c.money(at!(INSTALLMENT_COLUMNS, "interest_amount")),
        emi_amount: c.money(at!(INSTALLMENT_COLUMNS, "emi_amount")),
        principal_paid: c.money0(at!(INSTALLMENT_COLUMNS, "principal_paid")),
        interest_paid: c.money0(at!(INSTALLMENT_COLUMNS, "interest_paid")),
        status: c.word_in(at!(INSTALLMENT_COLUMNS, "status"), word),
    };
    (id, r, c.done(id))
}

/// Reads payment row `row`; its type word is written into `word` (see [`read_installment`]).
fn read_payment<S: Source>(
    l: &Layout<'_, S>,
    row: usize,
    word: String,
) -> (Option<i64>, LegacyPaymentRow, Vec<BadCell>) {
    let mut c = l.cells(row);
    let id = c.id(at!(PAYMENT_COLUMNS, "id"));
    c.id(at!(PAYMENT_COLUMNS, "loan_id"));
    let r = LegacyPaymentRow {
        id: id.unwrap_or(0),
        installment_id: c.opt_id(at!(PAYMENT_COLUMNS, "installment_id")),
        payment_date: c.date(at!(PAYMENT_COLUMNS, "payment_date")),
        payment_type: c.word_in(at!(PAYMENT_COLUMNS, "payment_type"), word),
        total_amount: c.money(at!(PAYMENT_COLUMNS, "total_amount")),
        principal_component: c.money0(at!(PAYMENT_COLUMNS, "principal_component")),
        interest_component: c.money0(at!(PAYMENT_COLUMNS, "interest_component")),
        fine_component: c.money0(at!(PAYMENT_COLUMNS, "fine_component")),
        excess_amount: c.money0(at!(PAYMENT_COLUMNS, "excess_amount")),
        is_reversed: c.flag(at!(PAYMENT_COLUMNS, "is_reversed")),
    };
    (id, r, c.done(id))
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

fn read_fine<S: Source>(l: &Layout<'_, S>, row: usize, use_loan_id: bool) -> FineRead {
    let mut c = l.cells(row);
    let id = c.id(at!(FINE_READ, "id"));
    let related_type = c.word(at!(FINE_READ, "related_type"));
    let loan_id = if use_loan_id {
        c.opt_id(at!(FINE_READ, "loan_id"))
    } else {
        None
    };
    let related_id = c.id(at!(FINE_READ, "related_id"));
    let r = LegacyFineRow {
        id: id.unwrap_or(0),
        related_id: related_id.unwrap_or(0),
        fine_rule_id: c.opt_id(at!(FINE_READ, "fine_rule_id")),
        fine_date: c.date(at!(FINE_READ, "fine_date")),
        fine_amount: c.money0(at!(FINE_READ, "fine_amount")),
        paid_amount: c.money0(at!(FINE_READ, "paid_amount")),
        waived_amount: c.money0(at!(FINE_READ, "waived_amount")),
        balance_amount: c.money(at!(FINE_READ, "balance_amount")),
        status: c.word(at!(FINE_READ, "status")),
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

/// Row positions by id: a table when the ids are dense (the usual database ids), a map
/// otherwise. A repeated id keeps its last row.
enum IdMap {
    Dense { min: i64, slots: Vec<u32> },
    Sparse(HashMap<i64, u32>),
}

/// "No row" in an [`IdMap`] or an owner column.
const NONE: u32 = u32::MAX;

impl IdMap {
    fn new(ids: impl Iterator<Item = i64> + Clone, count: usize) -> Self {
        let (min, max) =
            ids.clone()
                .fold((None, None), |(lo, hi): (Option<i64>, Option<i64>), id| {
                    (
                        Some(lo.map_or(id, |l| l.min(id))),
                        Some(hi.map_or(id, |h| h.max(id))),
                    )
                });
        let span = min
            .zip(max)
            .and_then(|(a, b)| usize::try_from(b.checked_sub(a)?).ok());
        match (min, span) {
            (Some(min), Some(span)) if span < count.saturating_mul(4).max(1024) => Self::Dense {
                min,
                slots: vec![NONE; span + 1],
            },
            _ => Self::Sparse(HashMap::with_capacity(count)),
        }
    }

    /// Sets `id` to `at`; whether `id` was already there.
    fn insert(&mut self, id: i64, at: u32) -> bool {
        match self {
            Self::Dense { min, slots } => id
                .checked_sub(*min)
                .and_then(|d| usize::try_from(d).ok())
                .and_then(|d| slots.get_mut(d))
                .is_some_and(|slot| std::mem::replace(slot, at) != NONE),
            Self::Sparse(map) => map.insert(id, at).is_some(),
        }
    }

    fn get(&self, id: i64) -> Option<usize> {
        let at = match self {
            Self::Dense { min, slots } => id
                .checked_sub(*min)
                .and_then(|d| usize::try_from(d).ok())
                .and_then(|d| slots.get(d).copied())
                .unwrap_or(NONE),
            Self::Sparse(map) => map.get(&id).copied().unwrap_or(NONE),
        };
        (at != NONE).then(|| usize::try_from(at).ok()).flatten()
    }
}

/// Row positions grouped by loan: `rows[starts[k]..starts[k + 1]]` belong to loan `k`.
struct Groups {
    starts: Vec<usize>,
    rows: Vec<usize>,
}

impl Groups {
    /// Groups rows by the loan each maps to ([`NONE`]: no loan), keeping the rows' order.
    fn new(loans: usize, owner: &[u32]) -> Self {
        let mut starts = vec![0_usize; loans + 1];
        for &k in owner.iter().filter(|&&k| k != NONE) {
            if let Some(s) = usize::try_from(k).ok().and_then(|k| starts.get_mut(k + 1)) {
                *s += 1;
            }
        }
        for k in 0..loans {
            let before = starts.get(k).copied().unwrap_or(0);
            if let Some(s) = starts.get_mut(k + 1) {
                *s += before;
            }
        }
        let mut next = starts.clone();
        let mut rows = vec![0_usize; starts.last().copied().unwrap_or(0)];
        for (i, &k) in owner.iter().enumerate().filter(|&(_, &k)| k != NONE) {
            if let Some(at) = usize::try_from(k).ok().and_then(|k| next.get_mut(k)) {
                if let Some(slot) = rows.get_mut(*at) {
                    *slot = i;
                }
                *at += 1;
            }
        }
        Self { starts, rows }
    }

    fn of(&self, k: usize) -> &[usize] {
        let from = self.starts.get(k).copied().unwrap_or(0);
        let to = self.starts.get(k + 1).copied().unwrap_or(from);
        self.rows.get(from..to).unwrap_or_default()
    }
}

/// A slot index as an owner value.
fn owner_of(k: usize) -> u32 {
    u32::try_from(k).unwrap_or(NONE)
}

/// The export read and its rows attached to their loans. Installment and payment rows are
/// read in full only when their loan is built ([`Grouped::build`]), so a large book is never
/// held as rows.
struct Grouped<'s, S> {
    installments: Layout<'s, S>,
    payments: Layout<'s, S>,
    /// Per loan: its header, and the bad cells of the header (a repeated id included).
    heads: Vec<(LegacyLoanRow, Vec<BadCell>)>,
    inst: Groups,
    pay: Groups,
    fine: Groups,
    /// Installment rows whose id an earlier installment row of a loan already has, in order.
    repeated_installments: Vec<usize>,
    fines: Vec<FineRead>,
    /// Findings of no loan (export mode).
    loose: Found,
    /// Bad cells of no loan (strict mode).
    loose_bad: Vec<BadCell>,
    /// Findings of a known loan that are not the loan audit's (an unknown `related_type`).
    attached: Vec<(usize, AuditFinding)>,
    fines_not_of_loans: usize,
    /// Rows of no loan: installments, payments, loan fines.
    unmatched: [usize; 3],
}

fn unmatched_finding(table: &'static str, row_id: Option<i64>, loan_id: i64) -> AuditFinding {
    row_finding(
        ROW_UNMATCHED,
        "row of no loan of the export",
        None,
        (table, row_id, "loan_id"),
        Some(loan_id.to_string()),
    )
}

/// The key columns of a table's rows (its id, its `loan_id`), read on every core.
fn keys_of<S: Source>(l: &Layout<'_, S>) -> Vec<(Option<i64>, Option<i64>, bool)> {
    let rows = l.src.rows();
    let threads = thread::available_parallelism().map_or(1, std::num::NonZero::get);
    if threads <= 1 || rows < 4096 {
        return (0..rows).map(|i| read_keys(l, i)).collect();
    }
    let per = rows.div_ceil(threads);
    thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                scope.spawn(move || {
                    (t * per..rows.min((t + 1) * per))
                        .map(|i| read_keys(l, i))
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

/// Reads the loans, attaches every row to its loan and sets aside what belongs to none.
fn group<'s, S: Source>(tables: [&'s S; 4], mode: Mode) -> Result<Grouped<'s, S>, CoreError> {
    let [loans_src, inst_src, pay_src, fine_src] = tables;
    let strict = mode == Mode::Strict;
    let loans = Layout::new("loans", loans_src, LOAN_COLUMNS, LOAN_COLUMNS, mode)?;
    let installments = Layout::new(
        "loan_installments",
        inst_src,
        INSTALLMENT_COLUMNS,
        INSTALLMENT_COLUMNS,
        mode,
    )?;
    let payments = Layout::new(
        "loan_payments",
        pay_src,
        PAYMENT_COLUMNS,
        PAYMENT_COLUMNS,
        mode,
    )?;
    let fines_layout = Layout::new("fines", fine_src, FINE_READ, FINE_COLUMNS, mode)?;

    // Loans, by id. A loan whose id repeats is malformed (every copy of it).
    let n = loans_src.rows();
    let mut heads: Vec<(LegacyLoanRow, Vec<BadCell>)> = Vec::with_capacity(n);
    let mut ids: Vec<i64> = Vec::with_capacity(n);
    let mut loose: Found = Vec::new();
    let mut loose_bad: Vec<BadCell> = Vec::new();
    for row in 0..n {
        let (id, loan, bad) = read_loan(&loans, row);
        let Some(id) = id else {
            // No id: nothing can be attached to it; it is reported on its own.
            if strict {
                loose_bad.extend(bad);
            } else {
                loose.extend(bad.into_iter().map(|b| {
                    let mut f = bad_finding(None, b);
                    f.loan_number = Some(loan.loan_number.clone()).filter(|n| !n.is_empty());
                    f
                }));
            }
            continue;
        };
        heads.push((loan, bad));
        ids.push(id);
    }
    let mut by_id = IdMap::new(ids.iter().copied(), ids.len());
    let mut first_of: HashMap<i64, usize> = HashMap::new();
    for (k, &id) in ids.iter().enumerate() {
        if by_id.insert(id, owner_of(k)) {
            if strict {
                return Err(CoreError::InvalidInput {
                    reason: format!("loans.id {id} appears twice"),
                });
            }
            // The first copy keeps the map's slot.
            let first = first_of.get(&id).copied().unwrap_or(k);
            by_id.insert(id, owner_of(first));
            for at in [first, k] {
                if let Some((_, bad)) = heads.get_mut(at) {
                    bad.push(BadCell {
                        table: "loans",
                        row: at,
                        row_id: Some(id),
                        column: "id",
                        value: Some(id.to_string()),
                        why: "the loan id appears twice in loans",
                        kind: Kind::Other,
                    });
                }
            }
        } else {
            first_of.insert(id, k);
        }
    }
    drop(first_of);
    let mut unmatched = [0_usize; 3];

    // Installments, attached by loan_id; the loan of each installment id, for the fines.
    let keys = keys_of(&installments);
    let mut inst_owner: Vec<u32> = vec![NONE; keys.len()];
    let matched_ids = keys
        .iter()
        .filter(|(_, l, _)| l.and_then(|l| by_id.get(l)).is_some())
        .filter_map(|(id, _, _)| *id);
    let mut loan_of_installment = IdMap::new(matched_ids, keys.len());
    let mut repeated_installments = Vec::new();
    for (i, &(id, loan_id, clean)) in keys.iter().enumerate() {
        let Some(k) = loan_id.and_then(|l| by_id.get(l)) else {
            match loan_id {
                Some(_) if strict && clean => unmatched[0] += 1,
                Some(l) if clean || !strict => {
                    loose.push(unmatched_finding("loan_installments", id, l));
                }
                _ => {
                    let (_, _, bad) = read_installment(&installments, i, String::new());
                    if strict {
                        loose_bad.extend(bad);
                    } else {
                        loose.extend(bad.into_iter().map(|b| bad_finding(None, b)));
                    }
                }
            }
            continue;
        };
        if let (Some(slot), Some(id)) = (inst_owner.get_mut(i), id) {
            *slot = owner_of(k);
            if loan_of_installment.insert(id, owner_of(k)) {
                repeated_installments.push(i);
            }
        } else if let Some(slot) = inst_owner.get_mut(i) {
            *slot = owner_of(k);
        }
    }
    drop(keys);

    let keys = keys_of(&payments);
    let mut pay_owner: Vec<u32> = vec![NONE; keys.len()];
    for (i, &(id, loan_id, clean)) in keys.iter().enumerate() {
        match loan_id.map(|l| (l, by_id.get(l))) {
            Some((_, Some(k))) => {
                if let Some(slot) = pay_owner.get_mut(i) {
                    *slot = owner_of(k);
                }
            }
            Some((_, None)) if strict && clean => unmatched[1] += 1,
            Some((l, None)) if clean || !strict => {
                loose.push(unmatched_finding("loan_payments", id, l));
            }
            _ => {
                let (_, _, bad) = read_payment(&payments, i, String::new());
                if strict {
                    loose_bad.extend(bad);
                } else {
                    loose.extend(bad.into_iter().map(|b| bad_finding(None, b)));
                }
            }
        }
    }
    drop(keys);

    // Fines: a loan fine attaches to the loan of its installment (else of its loan_id).
    let use_loan_id = !strict && fines_layout.has("loan_id");
    let mut fines_not_of_loans = 0;
    let mut attached: Vec<(usize, AuditFinding)> = Vec::new();
    let mut fines = Vec::with_capacity(fine_src.rows());
    let mut fine_owner: Vec<u32> = vec![NONE; fine_src.rows()];
    for row in 0..fine_src.rows() {
        let f = read_fine(&fines_layout, row, use_loan_id);
        let word = f.related_type.as_str();
        let by_installment = f.related_id.and_then(|r| loan_of_installment.get(r));
        let by_loan_id = f.loan_id.and_then(|l| by_id.get(l));
        let owner = by_installment.or(by_loan_id);
        if OTHER_FINE_TYPES.contains(&word) {
            fines_not_of_loans += 1;
        } else if !LOAN_FINE_TYPES.contains(&word) {
            if strict {
                // A strict read audits the fines of loan installments only.
                loose_bad.extend(f.bad.iter().cloned());
            } else {
                let loan = owner
                    .and_then(|k| heads.get(k))
                    .map(|(h, _)| (h.id, h.loan_number.as_str()));
                let mut finding = row_finding(
                    FINE_RELATED_TYPE,
                    "fine with an unknown related_type",
                    loan,
                    ("fines", f.id, "related_type"),
                    fines_layout
                        .cells(row)
                        .cell(at!(FINE_READ, "related_type"))
                        .text()
                        .map(std::borrow::Cow::into_owned),
                );
                finding.kind = ValueKind::Raw;
                match owner {
                    Some(k) => attached.push((k, finding)),
                    None => loose.push(finding),
                }
            }
        } else {
            match owner {
                Some(k) => {
                    if let Some(slot) = fine_owner.get_mut(row) {
                        *slot = owner_of(k);
                    }
                }
                None if strict && f.bad.is_empty() => unmatched[2] += 1,
                None if f.bad.is_empty() => loose.push(row_finding(
                    FINE_ORPHAN,
                    "fine of no installment of its loan",
                    None,
                    ("fines", f.id, "related_id"),
                    f.related_id.map(|r| r.to_string()),
                )),
                None if strict => loose_bad.extend(f.bad.iter().cloned()),
                None => loose.extend(f.bad.iter().cloned().map(|b| bad_finding(None, b))),
            }
        }
        fines.push(f);
    }
    let loans_n = heads.len();
    Ok(Grouped {
        inst: Groups::new(loans_n, &inst_owner),
        pay: Groups::new(loans_n, &pay_owner),
        fine: Groups::new(loans_n, &fine_owner),
        installments,
        payments,
        heads,
        repeated_installments,
        fines,
        loose,
        loose_bad,
        attached,
        fines_not_of_loans,
        unmatched,
    })
}

/// What a worker reuses from one loan to the next: the vectors of a loan's rows and the
/// strings of their enum words, so that building a loan allocates only when it is larger
/// than any before it.
#[derive(Default)]
struct Scratch {
    installments: Vec<LegacyInstallmentRow>,
    payments: Vec<LegacyPaymentRow>,
    fines: Vec<LegacyFineRow>,
    words: Vec<String>,
}

impl Scratch {
    /// Takes back the vectors and word strings of a loan that has been audited.
    fn recycle(&mut self, loan: LegacyLoan) {
        let LegacyLoan {
            mut installments,
            mut payments,
            mut fines,
            ..
        } = loan;
        self.words.extend(installments.drain(..).map(|r| r.status));
        self.words
            .extend(payments.drain(..).map(|r| r.payment_type));
        fines.clear();
        self.installments = installments;
        self.payments = payments;
        self.fines = fines;
    }
}

/// Loans handed to a worker at a time.
const BLOCK: usize = 256;

impl<S: Source> Grouped<'_, S> {
    /// Loan `k` with its rows, and every bad cell of it (header, installments, payments,
    /// fines, in the tables' order).
    /// The rows' vectors and word buffers come from `scratch` (see [`Scratch::recycle`]).
    fn build(&self, k: usize, scratch: &mut Scratch) -> Option<(LegacyLoan, Vec<BadCell>)> {
        let (head, bad) = self.heads.get(k)?;
        let mut bad = bad.clone();
        let mut loan = LegacyLoan {
            loan: head.clone(),
            installments: std::mem::take(&mut scratch.installments),
            payments: std::mem::take(&mut scratch.payments),
            fines: std::mem::take(&mut scratch.fines),
        };
        for &i in self.inst.of(k) {
            let word = scratch.words.pop().unwrap_or_default();
            let (id, r, b) = read_installment(&self.installments, i, word);
            bad.extend(b);
            if let Some(id) = id
                && self.repeated_installments.binary_search(&i).is_ok()
            {
                bad.push(BadCell {
                    table: "loan_installments",
                    row: i,
                    row_id: Some(id),
                    column: "id",
                    value: Some(id.to_string()),
                    why: "the installment id appears twice in loan_installments",
                    kind: Kind::Other,
                });
            }
            loan.installments.push(r);
        }
        for &i in self.pay.of(k) {
            let word = scratch.words.pop().unwrap_or_default();
            let (_, r, b) = read_payment(&self.payments, i, word);
            bad.extend(b);
            loan.payments.push(r);
        }
        for &i in self.fine.of(k) {
            if let Some(f) = self.fines.get(i) {
                loan.fines.push(f.row.clone());
                bad.extend(f.bad.iter().cloned());
            }
        }
        Some((loan, bad))
    }

    /// `each(loan, its bad cells)` for every loan, on every available core; in the loans'
    /// order.
    fn each<T: Send>(&self, each: impl Fn(&LegacyLoan, Vec<BadCell>) -> T + Sync) -> Vec<T> {
        let n = self.heads.len();
        let threads = thread::available_parallelism().map_or(1, std::num::NonZero::get);
        let work = |next: &AtomicUsize| {
            let mut blocks = Vec::new();
            let mut scratch = Scratch::default();
            loop {
                let block = next.fetch_add(1, Ordering::Relaxed);
                let from = block.saturating_mul(BLOCK);
                if from >= n {
                    break;
                }
                let out: Vec<T> = (from..n.min(from + BLOCK))
                    .filter_map(|k| {
                        let (loan, bad) = self.build(k, &mut scratch)?;
                        let out = each(&loan, bad);
                        scratch.recycle(loan);
                        Some(out)
                    })
                    .collect();
                blocks.push((block, out));
            }
            blocks
        };
        let next = AtomicUsize::new(0);
        let mut blocks = if threads <= 1 || n <= BLOCK {
            work(&next)
        } else {
            thread::scope(|scope| {
                let handles: Vec<_> = (0..threads).map(|_| scope.spawn(|| work(&next))).collect();
                handles
                    .into_iter()
                    .flat_map(|h| {
                        h.join()
                            .unwrap_or_else(|payload| std::panic::resume_unwind(payload))
                    })
                    .collect()
            })
        };
        blocks.sort_unstable_by_key(|(block, _)| *block);
        blocks.into_iter().flat_map(|(_, out)| out).collect()
    }
}

/// The first loan of `loan_id` in an export, with its rows, and its bad cells as
/// `table[row id].column = value: why` (none when it is not malformed); `None` when no loan
/// of the export has that id.
pub(super) fn loan_of_export(
    export: &LegacyExport,
    loan_id: i64,
) -> Result<Option<(LegacyLoan, Vec<String>)>, CoreError> {
    let g = group(
        [
            &export.loans,
            &export.loan_installments,
            &export.loan_payments,
            &export.fines,
        ],
        Mode::Export,
    )?;
    let Some(k) = g.heads.iter().position(|(h, _)| h.id == loan_id) else {
        return Ok(None);
    };
    Ok(g.build(k, &mut Scratch::default()).map(|(loan, bad)| {
        let bad = bad
            .iter()
            .map(|b| {
                let row = b.row_id.map_or_else(String::new, |id| format!("[{id}]"));
                let value = b.value.as_deref().unwrap_or("NULL");
                format!("{}{row}.{} = {value:?}: {}", b.table, b.column, b.why)
            })
            .collect();
        (loan, bad)
    }))
}

/// One loan's findings: its bad cells when it has any, else its audit's discrepancies.
fn audit_slot(loan: &LegacyLoan, bad: Vec<BadCell>, as_of: NaiveDate) -> (bool, Found) {
    let h = &loan.loan;
    if !bad.is_empty() {
        return (
            true,
            bad.into_iter()
                .map(|b| bad_finding(Some((h.id, &h.loan_number)), b))
                .collect(),
        );
    }
    let discrepancies = audit_loan(loan, as_of).discrepancies;
    if discrepancies.is_empty() {
        return (false, Vec::new());
    }
    let mut rows: Vec<&LegacyInstallmentRow> = loan.installments.iter().collect();
    rows.sort_by_key(|i| (i.installment_number, i.id));
    let found = discrepancies
        .into_iter()
        .map(|d| finding_of(d, loan, &rows))
        .collect();
    (false, found)
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
/// use windeep_core::audit::{LegacyExport, audit_book};
/// use windeep_core::money::{Money, parse_date};
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
    audit_export(
        [
            &export.loans,
            &export.loan_installments,
            &export.loan_payments,
            &export.fines,
        ],
        as_of,
        tolerance,
    )
}

/// [`audit_book`] over typed columns: the same reading of every cell (a typed cell that is
/// not what its column needs is reported with the text its source would have exported), the
/// same grouping and the same findings, without a string per cell.
///
/// # Errors
/// As [`audit_book`].
///
/// # Example
/// ```
/// use windeep_core::audit::{BOOK_COLUMNS, Column, ColumnTable, ColumnValues, ExportColumns,
///     audit_book_columns};
/// use windeep_core::money::{Money, parse_date};
/// // Every column of every table, empty: a book of no loans.
/// let empty = |t: usize| {
///     let mut table = ColumnTable::new(0);
///     for name in BOOK_COLUMNS[t].1 {
///         table.push(name, Column::new(ColumnValues::Cells(vec![]), None)).unwrap();
///     }
///     table
/// };
/// let export = ExportColumns { loans: empty(0), loan_installments: empty(1),
///     loan_payments: empty(2), fines: empty(3) };
/// let audit = audit_book_columns(&export, parse_date("2026-01-20").unwrap(), Money::ZERO)
///     .unwrap();
/// assert_eq!(audit.summary.loans, 0);
/// ```
pub fn audit_book_columns(
    export: &ExportColumns,
    as_of: NaiveDate,
    tolerance: Money,
) -> Result<BookAudit, CoreError> {
    audit_export(
        [
            &export.loans,
            &export.loan_installments,
            &export.loan_payments,
            &export.fines,
        ],
        as_of,
        tolerance,
    )
}

/// The strict audit of a typed loan book: every loan's [`audit_loan`] discrepancies, with
/// the counts and the rows that belong to no loan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoanBookAudit {
    /// Every discrepancy, loan by loan in the order of `loans`.
    pub discrepancies: Vec<Discrepancy>,
    /// Counts.
    pub summary: super::AuditSummary,
    /// Rows of no loan, not audited: installments and payments whose `loan_id` is no loan's,
    /// loan fines whose `related_id` is no installment of a loan.
    pub unmatched_installments: usize,
    /// See `unmatched_installments`.
    pub unmatched_payments: usize,
    /// See `unmatched_installments`.
    pub unmatched_fines: usize,
}

/// The audit of a loan book given as typed columns, strictly: the grouping of
/// [`audit_book_columns`] (rows attached by `loan_id`, loan fines by the installment they
/// fine), but a cell that cannot be read, a `NULL` in a column that must have a value or a
/// repeated loan id refuses the book, and the result is every loan's [`audit_loan`]
/// discrepancies. Fines of other things than loan installments are left out; rows of no
/// loan are counted.
///
/// # Errors
/// `E_INVALID_INPUT` for a missing column, a repeated `loans.id`, or a bad id, count, flag or
/// word cell; `E_INVALID_AMOUNT`, `E_INVALID_RATE`, `E_INVALID_DATE` for a bad amount, rate or
/// date cell. The message names the table, the column and the row (from 0):
/// `loan_payments.is_reversed, row 1: null in a column that must have a value`.
///
/// # Example
/// ```
/// use windeep_core::audit::{BOOK_COLUMNS, Column, ColumnTable, ColumnValues, ExportColumns,
///     audit_loan_book_columns};
/// use windeep_core::money::parse_date;
/// let empty = |t: usize| {
///     let mut table = ColumnTable::new(0);
///     for name in BOOK_COLUMNS[t].1 {
///         table.push(name, Column::new(ColumnValues::Int(vec![]), None)).unwrap();
///     }
///     table
/// };
/// let export = ExportColumns { loans: empty(0), loan_installments: empty(1),
///     loan_payments: empty(2), fines: empty(3) };
/// let audit = audit_loan_book_columns(&export, parse_date("2026-01-20").unwrap()).unwrap();
/// assert!(audit.discrepancies.is_empty());
/// ```
pub fn audit_loan_book_columns(
    export: &ExportColumns,
    as_of: NaiveDate,
) -> Result<LoanBookAudit, CoreError> {
    let g = group(
        [
            &export.loans,
            &export.loan_installments,
            &export.loan_payments,
            &export.fines,
        ],
        Mode::Strict,
    )?;
    let per_loan = g.each(|loan, bad| {
        if bad.is_empty() {
            Ok(audit_loan(loan, as_of))
        } else {
            Err(bad)
        }
    });
    let table_rank = |t: &str| {
        BOOK_COLUMNS
            .iter()
            .position(|(name, _)| *name == t)
            .unwrap_or(usize::MAX)
    };
    let mut first: Option<BadCell> = None;
    let mut consider = |b: BadCell| {
        let key = |b: &BadCell| (table_rank(b.table), b.row);
        if first.as_ref().is_none_or(|f| key(&b) < key(f)) {
            first = Some(b);
        }
    };
    g.loose_bad.iter().cloned().for_each(&mut consider);
    let mut out = LoanBookAudit {
        discrepancies: Vec::new(),
        summary: super::AuditSummary::default(),
        unmatched_installments: g.unmatched[0],
        unmatched_payments: g.unmatched[1],
        unmatched_fines: g.unmatched[2],
    };
    for audit in per_loan {
        match audit {
            Ok(audit) => {
                out.summary.add(&audit);
                out.discrepancies.extend(audit.discrepancies);
            }
            Err(bad) => bad.into_iter().for_each(&mut consider),
        }
    }
    match first {
        Some(b) => Err(b.error()),
        None => Ok(out),
    }
}

fn audit_export<S: Source>(
    tables: [&S; 4],
    as_of: NaiveDate,
    tolerance: Money,
) -> Result<BookAudit, CoreError> {
    if tolerance.value() < Decimal::ZERO {
        return Err(CoreError::InvalidAmount {
            reason: format!("the tolerance {tolerance} is negative"),
        });
    }
    let loans_rows = tables[0].rows();
    let g = group(tables, Mode::Export)?;
    let mut per_loan = g.each(|loan, bad| {
        let (malformed, found) = audit_slot(loan, bad, as_of);
        // The number is kept only for a loan with findings (most loans have none).
        let number = if found.is_empty() {
            String::new()
        } else {
            loan.loan.loan_number.clone()
        };
        (loan.loan.id, number, malformed, found)
    });
    let Grouped {
        mut loose,
        attached,
        fines_not_of_loans,
        heads,
        ..
    } = g;
    for (k, finding) in attached {
        if let Some((_, number, _, found)) = per_loan.get_mut(k) {
            if found.is_empty()
                && let Some((head, _)) = heads.get(k)
            {
                number.clone_from(&head.loan_number);
            }
            found.push(finding);
        }
    }
    drop(heads);
    loose.sort_by(|a, b| (&a.table, a.row_id).cmp(&(&b.table, b.row_id)));

    // The tolerance, then the roll-ups.
    let material = |f: &AuditFinding| {
        f.difference
            .is_none_or(|d| d.value().abs() > tolerance.value())
    };
    let malformed = per_loan.iter().filter(|(_, _, m, _)| *m).count();
    let mut summary = BookAuditSummary {
        loans: loans_rows,
        loans_audited: per_loan.len() - malformed,
        loans_malformed: malformed,
        fines_not_of_loans,
        amount: Money::ZERO,
        ..BookAuditSummary::default()
    };
    let mut findings = Vec::new();
    let mut loans = Vec::new();
    for (loan_id, loan_number, malformed, found) in per_loan {
        let before = found.len();
        let kept: Vec<AuditFinding> = found.into_iter().filter(|f| material(f)).collect();
        summary.below_tolerance += before - kept.len();
        if kept.is_empty() {
            continue;
        }
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
            loan_id,
            loan_number,
            malformed,
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

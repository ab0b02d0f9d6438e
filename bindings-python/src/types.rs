//! Immutable Python views of the core's results: `Schedule`, `Installment`, `Totals`, and the
//! `RoundingPolicy` argument type.
//!
//! Each object holds the core's value; its getters build `decimal.Decimal` and `datetime.date`
//! objects on access, so returning a schedule costs almost nothing until it is read. A row's
//! amounts are built once, on first access, and the same `Decimal` objects are returned
//! afterwards (by the getters and by `to_dict`, `to_pandas` and `to_arrow`).

use std::fmt::Write as _;

use chrono::{Datelike, NaiveDate};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyList, PyTuple, PyType};
use rust_decimal::Decimal;
use windeep_core::{Money, Rate};
use windeep_ops::ScheduleReport;

use crate::convert::{enum_name, rounding_policy};
use crate::errors::{core_err, error, guarded};

fn money<'py>(py: Python<'py>, m: Money) -> PyResult<Bound<'py, PyAny>> {
    m.value().into_pyobject(py)
}

fn percent<'py>(py: Python<'py>, r: Rate) -> PyResult<Bound<'py, PyAny>> {
    r.percent().into_pyobject(py)
}

fn date_repr(d: NaiveDate) -> String {
    format!("datetime.date({}, {}, {})", d.year(), d.month(), d.day())
}

fn dec_repr(d: impl std::fmt::Display) -> String {
    format!("Decimal('{d}')")
}

/// Escapes text for HTML (currency codes and names are plain ASCII already; this is defence).
fn html_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// A value's JSON text (the operation's wire form: amounts and dates as strings).
fn json_text<T: serde::Serialize>(py: Python<'_>, value: &T) -> PyResult<String> {
    serde_json::to_string(value).map_err(|e| {
        error(
            py,
            crate::errors::INTERNAL,
            &format!("cannot write JSON: {e}"),
        )
    })
}

/// The pickle form of a result object: `_restore(kind, json, minor_units)`.
fn reduce<'py>(
    py: Python<'py>,
    kind: &str,
    json: String,
    minor_units: u32,
) -> PyResult<(Bound<'py, PyAny>, (String, String, u32))> {
    let restore = py.import("windeep._windeep")?.getattr("_restore")?;
    Ok((restore, (kind.to_owned(), json, minor_units)))
}

/// Rebuilds a `Schedule`, `Installment` or `Totals` from its JSON text (`to_json()`): the
/// inverse used by pickle and `copy`. The values are taken as written, not recomputed.
#[pyfunction]
#[pyo3(signature = (kind, text, minor_units))]
pub(crate) fn _restore(
    py: Python<'_>,
    kind: &str,
    text: &str,
    minor_units: u32,
) -> PyResult<Py<PyAny>> {
    guarded(py, || {
        let bad = |e: &dyn std::fmt::Display| {
            core_err(
                py,
                &windeep_core::CoreError::InvalidInput {
                    reason: format!("cannot restore a {kind} from its JSON: {e}"),
                },
            )
        };
        match kind {
            "schedule" => {
                let mut value: serde_json::Value =
                    serde_json::from_str(text).map_err(|e| bad(&e))?;
                let apr = match value.as_object_mut().and_then(|o| o.remove("apr")) {
                    Some(serde_json::Value::String(apr)) => Some(apr),
                    Some(serde_json::Value::Null) | None => None,
                    Some(other) => return Err(bad(&format!("apr {other}"))),
                };
                let schedule: windeep_core::Schedule =
                    serde_json::from_value(value).map_err(|e| bad(&e))?;
                let report = ScheduleReport { schedule, apr };
                Ok(Py::new(py, Schedule::new(report, minor_units))?.into_any())
            }
            "installment" => {
                let row = serde_json::from_str(text).map_err(|e| bad(&e))?;
                Ok(Py::new(py, Installment::new(row))?.into_any())
            }
            "totals" => {
                let totals = serde_json::from_str(text).map_err(|e| bad(&e))?;
                Ok(Py::new(py, Totals { totals })?.into_any())
            }
            other => Err(bad(&format!("unknown kind {other:?}"))),
        }
    })
}

/// Rows shown in full by the HTML view; a longer schedule shows its first and last
/// [`HTML_EDGE_ROWS`] and the row count, as pandas does (`display.max_rows` 60,
/// `display.min_rows` 10).
const HTML_MAX_ROWS: usize = 60;
/// Rows shown at each end of a truncated HTML view.
const HTML_EDGE_ROWS: usize = 5;

/// Runs a text-building method under [`guarded`].
fn guarded_text(py: Python<'_>, f: impl FnOnce() -> String) -> PyResult<String> {
    guarded(py, || Ok(f()))
}

const NUM: &str = " style=\"text-align:right\"";

/// One row of a schedule. Every amount is at the currency's scale.
#[pyclass(frozen, module = "windeep", name = "Installment")]
pub(crate) struct Installment {
    row: windeep_core::schedule::Installment,
    /// The five amounts as `decimal.Decimal` objects, each built once, on first access.
    amounts: [PyOnceLock<Py<PyAny>>; 5],
}

/// The money fields of a row, in the order of [`Installment::amounts`].
const OPENING: usize = 0;
const PRINCIPAL: usize = 1;
const INTEREST: usize = 2;
const INSTALLMENT: usize = 3;
const CLOSING: usize = 4;

impl Installment {
    pub(crate) fn new(row: windeep_core::schedule::Installment) -> Self {
        Self {
            row,
            amounts: std::array::from_fn(|_| PyOnceLock::new()),
        }
    }

    /// One amount as a `decimal.Decimal`, built on first access and shared afterwards (a
    /// `Decimal` is immutable).
    fn amount<'py>(&self, py: Python<'py>, field: usize) -> PyResult<Bound<'py, PyAny>> {
        let r = &self.row;
        let value = match field {
            OPENING => r.opening_balance,
            PRINCIPAL => r.principal,
            INTEREST => r.interest,
            INSTALLMENT => r.installment,
            _ => r.closing_balance,
        };
        let cell = &self.amounts[field.min(CLOSING)];
        let obj = cell.get_or_try_init(py, || money(py, value).map(Bound::unbind))?;
        Ok(obj.bind(py).clone())
    }

    fn dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let r = &self.row;
        let d = PyDict::new(py);
        d.set_item("number", r.number)?;
        d.set_item("due_on", r.due_on)?;
        d.set_item("days", r.days)?;
        d.set_item("opening_balance", self.amount(py, OPENING)?)?;
        d.set_item("principal", self.amount(py, PRINCIPAL)?)?;
        d.set_item("interest", self.amount(py, INTEREST)?)?;
        d.set_item("installment", self.amount(py, INSTALLMENT)?)?;
        d.set_item("closing_balance", self.amount(py, CLOSING)?)?;
        Ok(d)
    }

    fn html_row(&self, out: &mut String) {
        html_row(&self.row, out);
    }
}

/// One schedule row as an HTML table row.
fn html_row(r: &windeep_core::schedule::Installment, out: &mut String) {
    let _ = write!(
        out,
        "<tr><td{NUM}>{}</td><td>{}</td><td{NUM}>{}</td><td{NUM}>{}</td><td{NUM}>{}</td>\
        <td{NUM}>{}</td><td{NUM}>{}</td><td{NUM}>{}</td></tr>",
        r.number,
        r.due_on.format("%Y-%m-%d"),
        r.days,
        r.opening_balance,
        r.principal,
        r.interest,
        r.installment,
        r.closing_balance
    );
}

const ROW_HEADER: &str = "<thead><tr><th>#</th><th>due on</th><th>days</th>\
<th>opening balance</th><th>principal</th><th>interest</th><th>installment</th>\
<th>closing balance</th></tr></thead>";

#[pymethods]
impl Installment {
    /// 1-based installment number.
    #[getter]
    fn number(&self) -> u32 {
        self.row.number
    }

    /// Due date.
    #[getter]
    fn due_on(&self) -> NaiveDate {
        self.row.due_on
    }

    /// Calendar days from the previous due date (for row 1, from the regular period start).
    #[getter]
    fn days(&self) -> i64 {
        self.row.days
    }

    /// Principal outstanding before this installment.
    #[getter]
    fn opening_balance<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.amount(py, OPENING)
    }

    /// Principal repaid by this installment.
    #[getter]
    fn principal<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.amount(py, PRINCIPAL)
    }

    /// Interest charged in this installment.
    #[getter]
    fn interest<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.amount(py, INTEREST)
    }

    /// Amount due: principal + interest.
    #[getter]
    fn installment<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.amount(py, INSTALLMENT)
    }

    /// Principal outstanding after this installment.
    #[getter]
    fn closing_balance<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.amount(py, CLOSING)
    }

    /// The row as a dict of `int`, `datetime.date` and `decimal.Decimal` values.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        guarded(py, || self.dict(py))
    }

    /// The row as JSON text, as in the `schedule` operation's output (amounts and the date
    /// as strings).
    fn to_json(&self, py: Python<'_>) -> PyResult<String> {
        json_text(py, &self.row)
    }

    fn __reduce__<'py>(
        &self,
        py: Python<'py>,
    ) -> PyResult<(Bound<'py, PyAny>, (String, String, u32))> {
        reduce(py, "installment", json_text(py, &self.row)?, 0)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        guarded_text(py, || {
            let r = &self.row;
            format!(
                "Installment(number={}, due_on={}, days={}, opening_balance={}, principal={}, \
                interest={}, installment={}, closing_balance={})",
                r.number,
                date_repr(r.due_on),
                r.days,
                dec_repr(r.opening_balance),
                dec_repr(r.principal),
                dec_repr(r.interest),
                dec_repr(r.installment),
                dec_repr(r.closing_balance)
            )
        })
    }

    fn _repr_html_(&self, py: Python<'_>) -> PyResult<String> {
        guarded_text(py, || {
            let mut out = format!("<table class=\"windeep-installment\">{ROW_HEADER}<tbody>");
            self.html_row(&mut out);
            out.push_str("</tbody></table>");
            out
        })
    }

    fn __eq__(&self, other: &Self) -> bool {
        self.row == other.row
    }
}

/// Sums over the rows of a schedule.
#[pyclass(frozen, module = "windeep", name = "Totals")]
pub(crate) struct Totals {
    totals: windeep_core::schedule::Totals,
}

impl Totals {
    fn dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let t = &self.totals;
        let d = PyDict::new(py);
        d.set_item("principal", money(py, t.principal)?)?;
        d.set_item("interest", money(py, t.interest)?)?;
        d.set_item("payable", money(py, t.payable)?)?;
        Ok(d)
    }
}

#[pymethods]
impl Totals {
    /// Σ principal: always exactly the loan's principal.
    #[getter]
    fn principal(&self) -> Decimal {
        self.totals.principal.value()
    }

    /// Σ interest.
    #[getter]
    fn interest(&self) -> Decimal {
        self.totals.interest.value()
    }

    /// Σ installment.
    #[getter]
    fn payable(&self) -> Decimal {
        self.totals.payable.value()
    }

    /// The totals as a dict of `decimal.Decimal` values.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        guarded(py, || self.dict(py))
    }

    /// The totals as JSON text (amounts as strings).
    fn to_json(&self, py: Python<'_>) -> PyResult<String> {
        json_text(py, &self.totals)
    }

    fn __reduce__<'py>(
        &self,
        py: Python<'py>,
    ) -> PyResult<(Bound<'py, PyAny>, (String, String, u32))> {
        reduce(py, "totals", json_text(py, &self.totals)?, 0)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        guarded_text(py, || {
            let t = &self.totals;
            format!(
                "Totals(principal={}, interest={}, payable={})",
                dec_repr(t.principal),
                dec_repr(t.interest),
                dec_repr(t.payable)
            )
        })
    }

    fn _repr_html_(&self, py: Python<'_>) -> PyResult<String> {
        guarded_text(py, || {
            let t = &self.totals;
            format!(
                "<table class=\"windeep-totals\"><thead><tr><th>principal</th><th>interest</th>\
                <th>payable</th></tr></thead><tbody><tr><td{NUM}>{}</td><td{NUM}>{}</td>\
                <td{NUM}>{}</td></tr></tbody></table>",
                t.principal, t.interest, t.payable
            )
        })
    }

    fn __eq__(&self, other: &Self) -> bool {
        self.totals == other.totals
    }
}

/// A generated repayment schedule with its APR (the `schedule` operation's output).
#[pyclass(frozen, module = "windeep", name = "Schedule")]
pub(crate) struct Schedule {
    report: ScheduleReport,
    minor_units: u32,
    installments: PyOnceLock<Py<PyTuple>>,
    totals: PyOnceLock<Py<Totals>>,
}

impl Schedule {
    pub(crate) fn new(report: ScheduleReport, minor_units: u32) -> Self {
        Self {
            report,
            minor_units,
            installments: PyOnceLock::new(),
            totals: PyOnceLock::new(),
        }
    }

    fn apr_value(&self, py: Python<'_>) -> PyResult<Option<Decimal>> {
        let Some(apr) = &self.report.apr else {
            return Ok(None);
        };
        apr.parse::<Decimal>().map(Some).map_err(|e| {
            error(
                py,
                crate::errors::INTERNAL,
                &format!("the core returned an unreadable APR {apr:?}: {e}"),
            )
        })
    }

    fn dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let s = &self.report.schedule;
        let d = PyDict::new(py);
        d.set_item("currency", &s.currency)?;
        d.set_item("method", enum_name(&s.method))?;
        d.set_item("frequency", enum_name(&s.frequency))?;
        d.set_item("interest_basis", enum_name(&s.interest_basis))?;
        d.set_item("principal", money(py, s.principal)?)?;
        d.set_item("annual_rate", percent(py, s.annual_rate)?)?;
        d.set_item("tenure", s.tenure)?;
        d.set_item("disbursed_on", s.disbursed_on)?;
        d.set_item("first_due_on", s.first_due_on)?;
        d.set_item("maturity_on", s.maturity_on)?;
        match s.emi {
            Some(emi) => d.set_item("emi", money(py, emi)?)?,
            None => d.set_item("emi", py.None())?,
        }
        d.set_item("processing_fee", money(py, s.processing_fee)?)?;
        d.set_item("broken_period_days", s.broken_period_days)?;
        d.set_item(
            "broken_period_interest",
            money(py, s.broken_period_interest)?,
        )?;
        d.set_item("upfront_interest", money(py, s.upfront_interest)?)?;
        d.set_item("net_disbursement", money(py, s.net_disbursement)?)?;
        d.set_item("apr", self.apr_value(py)?)?;
        let rows = PyList::empty(py);
        for row in self.rows(py)?.iter() {
            rows.append(row.cast::<Installment>()?.get().dict(py)?)?;
        }
        d.set_item("installments", rows)?;
        d.set_item("totals", Totals { totals: s.totals }.dict(py)?)?;
        Ok(d)
    }

    fn rows<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        let tuple = self.installments.get_or_try_init(py, || {
            let rows = self
                .report
                .schedule
                .installments
                .iter()
                .map(|row| Py::new(py, Installment::new(row.clone())))
                .collect::<PyResult<Vec<_>>>()?;
            PyTuple::new(py, rows).map(Bound::unbind)
        })?;
        Ok(tuple.bind(py).clone())
    }

    fn sums(&self, py: Python<'_>) -> PyResult<Py<Totals>> {
        let totals = self.totals.get_or_try_init(py, || {
            Py::new(
                py,
                Totals {
                    totals: self.report.schedule.totals,
                },
            )
        })?;
        Ok(totals.clone_ref(py))
    }

    fn summary(&self) -> String {
        let s = &self.report.schedule;
        let emi = s.emi.map_or_else(String::new, |e| format!(", EMI {e}"));
        format!(
            "{} {} at {}% p.a., {}, {}, {} installments{emi}, APR {}%, total interest {}",
            s.currency,
            s.principal,
            s.annual_rate,
            enum_name(&s.method),
            enum_name(&s.frequency),
            s.tenure,
            self.report.apr.as_deref().unwrap_or("not computed"),
            s.totals.interest
        )
    }
}

#[pymethods]
impl Schedule {
    /// Currency code, e.g. `"INR"`.
    #[getter]
    fn currency(&self) -> &str {
        &self.report.schedule.currency
    }

    /// Decimal places of the currency: the scale of every amount in the schedule.
    #[getter]
    fn minor_units(&self) -> u32 {
        self.minor_units
    }

    /// Method: `"reducing"`, `"flat"`, `"equal_principal"` or `"bullet"`.
    #[getter]
    fn method(&self) -> String {
        enum_name(&self.report.schedule.method)
    }

    /// Installment frequency: `"monthly"`, `"quarterly"`, `"fortnightly"` or `"weekly"`.
    #[getter]
    fn frequency(&self) -> String {
        enum_name(&self.report.schedule.frequency)
    }

    /// Day-count rule: `"30_360"`, `"actual_365"` or `"actual_actual"`.
    #[getter]
    fn interest_basis(&self) -> String {
        enum_name(&self.report.schedule.interest_basis)
    }

    /// Amount lent, at the currency's scale.
    #[getter]
    fn principal(&self) -> Decimal {
        self.report.schedule.principal.value()
    }

    /// Nominal rate, percent per annum, without trailing zeros.
    #[getter]
    fn annual_rate(&self) -> Decimal {
        self.report.schedule.annual_rate.percent()
    }

    /// Number of installments.
    #[getter]
    fn tenure(&self) -> u32 {
        self.report.schedule.tenure
    }

    /// Disbursement date.
    #[getter]
    fn disbursed_on(&self) -> NaiveDate {
        self.report.schedule.disbursed_on
    }

    /// First due date, after snapping to any fixed due day.
    #[getter]
    fn first_due_on(&self) -> NaiveDate {
        self.report.schedule.first_due_on
    }

    /// Last due date.
    #[getter]
    fn maturity_on(&self) -> NaiveDate {
        self.report.schedule.maturity_on
    }

    /// The level installment (reducing; flat under 30/360), else `None`.
    #[getter]
    fn emi(&self) -> Option<Decimal> {
        self.report.schedule.emi.map(Money::value)
    }

    /// Processing fee charged at disbursement.
    #[getter]
    fn processing_fee(&self) -> Decimal {
        self.report.schedule.processing_fee.value()
    }

    /// Days from disbursement to the regular start of the first period (negative: shorter).
    #[getter]
    fn broken_period_days(&self) -> i64 {
        self.report.schedule.broken_period_days
    }

    /// Broken-period interest charged (0 under `broken_period="none"`).
    #[getter]
    fn broken_period_interest(&self) -> Decimal {
        self.report.schedule.broken_period_interest.value()
    }

    /// Broken-period interest deducted from the disbursement.
    #[getter]
    fn upfront_interest(&self) -> Decimal {
        self.report.schedule.upfront_interest.value()
    }

    /// Principal − fee − upfront interest: what the borrower receives.
    #[getter]
    fn net_disbursement(&self) -> Decimal {
        self.report.schedule.net_disbursement.value()
    }

    /// Annual percentage rate (RBI KFS), percent, at the requested decimals.
    #[getter]
    fn apr(&self, py: Python<'_>) -> PyResult<Option<Decimal>> {
        self.apr_value(py)
    }

    /// The rows, as a tuple of `Installment`.
    #[getter]
    fn installments<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        guarded(py, || self.rows(py))
    }

    /// Row sums.
    #[getter]
    fn totals(&self, py: Python<'_>) -> PyResult<Py<Totals>> {
        guarded(py, || self.sums(py))
    }

    /// The whole schedule as a dict shaped like the `schedule` operation's JSON output, with
    /// `decimal.Decimal` amounts and `datetime.date` dates.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        guarded(py, || self.dict(py))
    }

    /// The schedule as JSON text: exactly the `schedule` operation's output (`call("schedule",
    /// …)` returns the same document), amounts, rates and dates as strings.
    fn to_json(&self, py: Python<'_>) -> PyResult<String> {
        json_text(py, &self.report)
    }

    fn __reduce__<'py>(
        &self,
        py: Python<'py>,
    ) -> PyResult<(Bound<'py, PyAny>, (String, String, u32))> {
        reduce(
            py,
            "schedule",
            json_text(py, &self.report)?,
            self.minor_units,
        )
    }

    /// The rows as a pandas DataFrame with `decimal.Decimal` object columns
    /// (needs the `windeep[pandas]` extra).
    fn to_pandas<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        slf.py()
            .import("windeep._frames")?
            .call_method1("to_pandas", (slf,))
    }

    /// The rows as a pyarrow Table with `decimal128` money columns at the currency's scale
    /// (needs the `windeep[arrow]` extra).
    fn to_arrow<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        slf.py()
            .import("windeep._frames")?
            .call_method1("to_arrow", (slf,))
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        guarded_text(py, || {
            let s = &self.report.schedule;
            let emi = s.emi.map_or_else(|| "None".to_owned(), dec_repr);
            format!(
                "Schedule(currency='{}', principal={}, annual_rate={}, tenure={}, method='{}', \
                frequency='{}', interest_basis='{}', emi={}, apr={}, disbursed_on={}, \
                first_due_on={}, maturity_on={}, totals=Totals(principal={}, interest={}, \
                payable={}))",
                s.currency,
                dec_repr(s.principal),
                dec_repr(s.annual_rate),
                s.tenure,
                enum_name(&s.method),
                enum_name(&s.frequency),
                enum_name(&s.interest_basis),
                emi,
                self.report
                    .apr
                    .as_deref()
                    .map_or_else(|| "None".to_owned(), dec_repr),
                date_repr(s.disbursed_on),
                date_repr(s.first_due_on),
                date_repr(s.maturity_on),
                dec_repr(s.totals.principal),
                dec_repr(s.totals.interest),
                dec_repr(s.totals.payable)
            )
        })
    }

    fn _repr_html_(&self, py: Python<'_>) -> PyResult<String> {
        guarded_text(py, || {
            let s = &self.report.schedule;
            let mut out = String::with_capacity(512 + 256 * s.installments.len());
            let _ = write!(
                out,
                "<div class=\"windeep-schedule\"><p><strong>Schedule</strong>: {}</p>\
                <p>disbursed {}, first due {}, maturity {}; processing fee {}, \
                net disbursement {}</p><table>{ROW_HEADER}<tbody>",
                html_escape(&self.summary()),
                s.disbursed_on.format("%Y-%m-%d"),
                s.first_due_on.format("%Y-%m-%d"),
                s.maturity_on.format("%Y-%m-%d"),
                s.processing_fee,
                s.net_disbursement
            );
            let rows = &s.installments;
            let truncated = rows.len() > HTML_MAX_ROWS;
            if truncated {
                for row in &rows[..HTML_EDGE_ROWS] {
                    html_row(row, &mut out);
                }
                out.push_str("<tr class=\"windeep-ellipsis\">");
                for _ in 0..8 {
                    out.push_str("<td>…</td>");
                }
                out.push_str("</tr>");
                for row in &rows[rows.len() - HTML_EDGE_ROWS..] {
                    html_row(row, &mut out);
                }
            } else {
                for row in rows {
                    html_row(row, &mut out);
                }
            }
            let t = &s.totals;
            let _ = write!(
                out,
                "</tbody><tfoot><tr><th colspan=\"4\">total</th><th{NUM}>{}</th><th{NUM}>{}</th>\
                <th{NUM}>{}</th><th></th></tr></tfoot></table>",
                t.principal, t.interest, t.payable
            );
            if truncated {
                let _ = write!(out, "<p>{} rows × 8 columns</p>", rows.len());
            }
            out.push_str("</div>");
            out
        })
    }

    fn __eq__(&self, other: &Self) -> bool {
        self.report == other.report && self.minor_units == other.minor_units
    }
}

/// A rounding rule: round to a multiple of `increment` (currency units) with `mode`
/// (`"half_up"`, `"half_even"`, `"up"` or `"down"`).
#[pyclass(frozen, module = "windeep", name = "RoundingPolicy")]
pub(crate) struct RoundingPolicy {
    pub(crate) inner: windeep_core::RoundingPolicy,
}

#[pymethods]
impl RoundingPolicy {
    #[new]
    #[pyo3(signature = (increment, mode))]
    fn new(
        py: Python<'_>,
        increment: &Bound<'_, PyAny>,
        mode: &Bound<'_, PyAny>,
    ) -> PyResult<Self> {
        guarded(py, || {
            rounding_policy(py, "RoundingPolicy", increment, mode)
                .map(|inner| Self { inner })
                .map_err(|e| core_err(py, &e))
        })
    }

    /// The step results are multiples of, in currency units.
    #[getter]
    fn increment(&self) -> Decimal {
        self.inner.increment
    }

    /// How ties and remainders are resolved.
    #[getter]
    fn mode(&self) -> String {
        enum_name(&self.inner.mode)
    }

    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> (Bound<'py, PyType>, (Decimal, String)) {
        let inner = slf.get().inner;
        (slf.get_type(), (inner.increment, enum_name(&inner.mode)))
    }

    /// `{"increment": Decimal, "mode": str}`, the dict form `schedule()` also accepts.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        d.set_item("increment", self.inner.increment)?;
        d.set_item("mode", enum_name(&self.inner.mode))?;
        Ok(d)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        guarded_text(py, || {
            format!(
                "RoundingPolicy(increment={}, mode='{}')",
                dec_repr(self.inner.increment),
                enum_name(&self.inner.mode)
            )
        })
    }

    fn __eq__(&self, other: &Self) -> bool {
        self.inner == other.inner
    }
}

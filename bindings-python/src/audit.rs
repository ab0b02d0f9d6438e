//! The batch audit: the legacy tables as typed columns in, the core's audit out.
//!
//! `windeep.audit_loan_book` and `windeep.audit.audit_export` (Python,
//! `python/windeep/audit.py`) hand each table over as a dict of column name to pyarrow arrays
//! (a column's chunks as they are, in one of a few physical types: int64, bool, date32,
//! decimal128 of any scale, double, utf8) or to a list of raw `str`/`None` cells. While the
//! GIL is held, only the Arrow buffers are taken (read-only views, see [`columns`]); with the
//! GIL released they are decoded into the core's typed columns
//! (`windeep_core::audit::ExportColumns`), and the core reads every cell, groups the rows by
//! loan and audits every loan (`audit_book_columns`, `audit_loan_book_columns`). The binding
//! decides nothing: the rules are the core's (`docs/audit.md`).

mod columns;

use std::thread;

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString};
use windeep_core::CoreError;
use windeep_core::audit::{
    AuditSummary, BOOK_COLUMNS, Discrepancy, ExportColumns, LoanBookAudit, RawTable,
    audit_book_columns, audit_loan_book_columns, read_csv_table, read_mysql_dump,
};
use windeep_core::money::Money;

use crate::errors::{core_err, guarded};
use columns::{Arena, Table};

/// The four tables decoded, the installments on a thread of their own; the first error in
/// table order is reported.
fn decode_tables(
    [loans, installments, payments, fines]: [Table<'_>; 4],
) -> Result<ExportColumns, CoreError> {
    let (i, (l, p, f)) = thread::scope(|s| {
        let i = s.spawn(|| installments.decode());
        let rest = (loans.decode(), payments.decode(), fines.decode());
        let i = i
            .join()
            .unwrap_or_else(|payload| std::panic::resume_unwind(payload));
        (i, rest)
    });
    Ok(ExportColumns {
        loans: l?,
        loan_installments: i?,
        loan_payments: p?,
        fines: f?,
    })
}

/// The columns `audit_book` reads, per table: `{"loans": [...], ...}`.
#[pyfunction]
pub(crate) fn _audit_columns(py: Python<'_>) -> PyResult<Bound<'_, PyDict>> {
    let out = PyDict::new(py);
    for (table, columns) in BOOK_COLUMNS {
        out.set_item(table, PyList::new(py, columns)?)?;
    }
    Ok(out)
}

/// Audits a legacy book given as columns (see the module docs).
///
/// `strict=True` (`audit_loan_book`): the core's `audit_loan_book_columns`; returns the
/// discrepancies as columns (`loan`, `installment`, `field`, `stored`, `correct`, `rule`,
/// `message`) and the summary as a dict. `strict=False` (`audit_export`): the core's
/// `audit_book_columns`; returns the report as JSON text (the `audit_book` operation's
/// output).
#[pyfunction]
#[pyo3(signature = (loans, installments, payments, fines, as_of, tolerance, strict))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn _audit_book_columns<'py>(
    py: Python<'py>,
    loans: &Bound<'py, PyDict>,
    installments: &Bound<'py, PyDict>,
    payments: &Bound<'py, PyDict>,
    fines: &Bound<'py, PyDict>,
    as_of: &Bound<'py, PyAny>,
    tolerance: &str,
    strict: bool,
) -> PyResult<Bound<'py, PyAny>> {
    guarded(py, || {
        let mut arena = Arena::new(py);
        let refs = [
            arena.table("loans", loans),
            arena.table("loan_installments", installments),
            arena.table("loan_payments", payments),
            arena.table("fines", fines),
        ];
        let as_of = crate::convert::date("as_of", as_of).map_err(|e| core_err(py, &e))?;
        let tables = refs.map(|r| r.view(&arena));
        enum Out {
            Strict(LoanBookAudit),
            Export(String),
        }
        let out = py
            .detach(|| -> Result<Out, CoreError> {
                let export = decode_tables(tables)?;
                if strict {
                    return audit_loan_book_columns(&export, as_of).map(Out::Strict);
                }
                let tolerance: Money = tolerance.parse()?;
                let report = audit_book_columns(&export, as_of, tolerance)?;
                serde_json::to_string(&report)
                    .map(Out::Export)
                    .map_err(|e| CoreError::InvalidInput {
                        reason: e.to_string(),
                    })
            })
            .map_err(|e| core_err(py, &e))?;
        match out {
            Out::Export(text) => Ok(PyString::new(py, &text).into_any()),
            Out::Strict(audit) => {
                let unmatched = [
                    audit.unmatched_installments,
                    audit.unmatched_payments,
                    audit.unmatched_fines,
                ];
                Ok((
                    discrepancy_columns(py, &audit.discrepancies)?,
                    summary_dict(py, &audit.summary, unmatched)?,
                )
                    .into_pyobject(py)?
                    .into_any())
            }
        }
    })
}

fn discrepancy_columns<'py>(
    py: Python<'py>,
    found: &[Discrepancy],
) -> PyResult<Bound<'py, PyDict>> {
    let all = || found.iter();
    let text = |f: fn(&Discrepancy) -> &str| {
        PyList::new(
            py,
            all().map(|d| PyString::new(py, f(d))).collect::<Vec<_>>(),
        )
    };
    let opt = |f: fn(&Discrepancy) -> Option<&str>| {
        PyList::new(
            py,
            all()
                .map(|d| f(d).map(|t| PyString::new(py, t)))
                .collect::<Vec<_>>(),
        )
    };
    let out = PyDict::new(py);
    out.set_item("loan", text(|d| &d.loan)?)?;
    out.set_item(
        "installment",
        PyList::new(py, all().map(|d| d.installment).collect::<Vec<_>>())?,
    )?;
    out.set_item("field", text(|d| &d.field)?)?;
    out.set_item("stored", opt(|d| d.stored.as_deref())?)?;
    out.set_item("correct", opt(|d| d.correct.as_deref())?)?;
    out.set_item("rule", text(|d| &d.rule)?)?;
    out.set_item("message", text(|d| &d.message)?)?;
    Ok(out)
}

fn summary_dict<'py>(
    py: Python<'py>,
    s: &AuditSummary,
    unmatched: [usize; 3],
) -> PyResult<Bound<'py, PyDict>> {
    let out = PyDict::new(py);
    out.set_item("loans_audited", s.loans_audited)?;
    out.set_item("loans_with_discrepancies", s.loans_with_discrepancies)?;
    out.set_item("discrepancies", s.discrepancies)?;
    let by_rule = PyDict::new(py);
    for (rule, count) in &s.by_rule {
        by_rule.set_item(rule, count)?;
    }
    out.set_item("by_rule", by_rule)?;
    let um = PyDict::new(py);
    for (table, count) in ["loan_installments", "loan_payments", "fines"]
        .into_iter()
        .zip(unmatched)
    {
        um.set_item(table, count)?;
    }
    out.set_item("unmatched_rows", um)?;
    Ok(out)
}

/// A table as raw cells: column names and, per column, its cells (text or `None`).
pub(crate) type RawColumns = (Vec<String>, Vec<Vec<Option<String>>>);

/// A table given as raw cells column by column, transposed into the core's rows.
pub(crate) fn raw_table(
    table: &str,
    columns: Vec<String>,
    cells: Vec<Vec<Option<String>>>,
) -> Result<RawTable, CoreError> {
    if columns.len() != cells.len() {
        return Err(CoreError::InvalidInput {
            reason: format!(
                "{table}: {} column names but {} columns",
                columns.len(),
                cells.len()
            ),
        });
    }
    let n = cells.first().map_or(0, Vec::len);
    if let Some((name, c)) = columns.iter().zip(&cells).find(|(_, c)| c.len() != n) {
        return Err(CoreError::InvalidInput {
            reason: format!("{table}.{name} has {} rows, not {n}", c.len()),
        });
    }
    let mut iters: Vec<_> = cells.into_iter().map(Vec::into_iter).collect();
    let rows = (0..n)
        .map(|_| iters.iter_mut().map(|c| c.next().flatten()).collect())
        .collect();
    Ok(RawTable { columns, rows })
}

fn columns_of(t: RawTable) -> RawColumns {
    let n = t.columns.len();
    let mut cells: Vec<Vec<Option<String>>> =
        (0..n).map(|_| Vec::with_capacity(t.rows.len())).collect();
    for row in t.rows {
        let mut row = row.into_iter();
        for c in &mut cells {
            c.push(row.next().flatten());
        }
    }
    (t.columns, cells)
}

/// The four legacy tables of a MySQL/MariaDB dump (the core's `read_mysql_dump`), each as
/// column names and cells column by column.
#[pyfunction]
pub(crate) fn _read_mysql_dump(py: Python<'_>, dump: &[u8]) -> PyResult<Vec<(String, RawColumns)>> {
    guarded(py, || {
        let export = py
            .detach(|| read_mysql_dump(dump))
            .map_err(|e| core_err(py, &e))?;
        Ok(vec![
            ("loans".to_owned(), columns_of(export.loans)),
            (
                "loan_installments".to_owned(),
                columns_of(export.loan_installments),
            ),
            ("loan_payments".to_owned(), columns_of(export.loan_payments)),
            ("fines".to_owned(), columns_of(export.fines)),
        ])
    })
}

/// One table from CSV bytes (the core's `read_csv_table`), as column names and cells column by
/// column.
#[pyfunction]
pub(crate) fn _read_csv_table(py: Python<'_>, data: &[u8]) -> PyResult<RawColumns> {
    guarded(py, || {
        py.detach(|| read_csv_table(data))
            .map(columns_of)
            .map_err(|e| core_err(py, &e))
    })
}

//! The batch audit: Arrow columns of the legacy tables in, the core's discrepancies out.
//!
//! `windeep.audit_loan_book` (Python, `python/windeep/audit.py`) normalises each table to
//! pyarrow arrays of a few physical types (int64, int8 or bool, decimal128(38, 2) money,
//! decimal128(38, 8) rates, date32, utf8), passing a column's chunks as they are when they
//! already have the right type, and calls [`_audit_loan_book`]. While the GIL is held, only
//! the Arrow buffers are taken (read-only views, see [`columns`]); with the GIL released, the
//! columns are decoded, the rows grouped by loan and every loan built and audited by
//! `windeep_core::audit::audit_loan` on every available core ([`book`]). The binding decides nothing:
//! the rules are the core's (`docs/audit.md`).

mod book;
mod columns;

use std::thread;

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString};
use windeep_core::{
    CoreError, Money, audit::AuditSummary, audit::Discrepancy, audit::LegacyExport,
    audit::RawTable, audit::audit_book, audit::read_csv_table, audit::read_mysql_dump,
};

use crate::errors::{core_err, guarded};
use book::{Book, Fines, Installments, Loans, Payments};
use columns::{Arena, Table};

/// Audits a legacy loan book given as normalised pyarrow arrays (see the module docs).
///
/// Returns the discrepancies as columns (`loan`, `installment`, `field`, `stored`, `correct`,
/// `rule`, `message`) and the summary as a dict.
#[pyfunction]
#[pyo3(signature = (loans, installments, payments, fines, as_of))]
pub(crate) fn _audit_loan_book<'py>(
    py: Python<'py>,
    loans: &Bound<'py, PyDict>,
    installments: &Bound<'py, PyDict>,
    payments: &Bound<'py, PyDict>,
    fines: &Bound<'py, PyDict>,
    as_of: &Bound<'py, PyAny>,
) -> PyResult<(Bound<'py, PyDict>, Bound<'py, PyDict>)> {
    guarded(py, || {
        let mut arena = Arena::new(py);
        let refs = [
            arena.table("loans", loans, Loans::COLUMNS),
            arena.table("loan_installments", installments, Installments::COLUMNS),
            arena.table("loan_payments", payments, Payments::COLUMNS),
            arena.table("fines", fines, Fines::COLUMNS),
        ];
        let as_of = crate::convert::date("as_of", as_of);
        let tables = refs.map(|r| r.view(&arena));
        let (found, unmatched) = py
            .detach(|| -> Result<_, CoreError> {
                let (l, i, p, f) = read_tables(&tables)?;
                let as_of = as_of?;
                let book = Book::group(l, i, p, f)?;
                Ok((book.audit(as_of), book.unmatched))
            })
            .map_err(|e| core_err(py, &e))?;
        Ok((
            discrepancy_columns(py, &found.discrepancies)?,
            summary_dict(py, &found.summary, unmatched)?,
        ))
    })
}

/// Decodes the four tables, the installments on a thread of their own; the first error in
/// table order is reported.
fn read_tables(
    [loans, installments, payments, fines]: &[Table<'_>; 4],
) -> Result<(Loans, Installments, Payments, Fines), CoreError> {
    let (i, (l, p, f)) = thread::scope(|s| {
        let i = s.spawn(|| Installments::read(installments));
        let rest = (
            Loans::read(loans),
            Payments::read(payments),
            Fines::read(fines),
        );
        let i = i
            .join()
            .unwrap_or_else(|payload| std::panic::resume_unwind(payload));
        (i, rest)
    });
    Ok((l?, i?, p?, f?))
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

/// A table as the extension receives it for `audit_book`: column names and, per column, its
/// cells (text or `None`), transposed into the core's rows.
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

pub(crate) type RawColumns = (Vec<String>, Vec<Vec<Option<String>>>);

/// Audits a legacy export given as raw cells, column by column (`windeep.audit.audit_export`
/// builds them): the core's `audit_book`, with the GIL released. Returns the report as JSON
/// text (the `audit_book` operation's output).
#[pyfunction]
#[pyo3(signature = (loans, installments, payments, fines, as_of, tolerance))]
pub(crate) fn _audit_book(
    py: Python<'_>,
    loans: RawColumns,
    installments: RawColumns,
    payments: RawColumns,
    fines: RawColumns,
    as_of: &Bound<'_, PyAny>,
    tolerance: &str,
) -> PyResult<String> {
    guarded(py, || {
        let as_of = crate::convert::date("as_of", as_of).map_err(|e| core_err(py, &e))?;
        py.detach(|| -> Result<String, CoreError> {
            let tolerance: Money = tolerance.parse()?;
            let export = LegacyExport {
                loans: raw_table("loans", loans.0, loans.1)?,
                loan_installments: raw_table("loan_installments", installments.0, installments.1)?,
                loan_payments: raw_table("loan_payments", payments.0, payments.1)?,
                fines: raw_table("fines", fines.0, fines.1)?,
            };
            let report = audit_book(&export, as_of, tolerance)?;
            serde_json::to_string(&report).map_err(|e| CoreError::InvalidInput {
                reason: e.to_string(),
            })
        })
        .map_err(|e| core_err(py, &e))
    })
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

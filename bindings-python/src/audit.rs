//! The batch audit: Arrow columns of the legacy tables in, the core's discrepancies out.
//!
//! `windeep.audit_loan_book` (Python, `python/windeep/audit.py`) normalises each table to
//! pyarrow arrays of a few physical types (int64, int8 or bool, decimal128(38, 2) money,
//! decimal128(38, 8) rates, date32, utf8), passing a column's chunks as they are when they
//! already have the right type, and calls [`_audit_loan_book`]. While the GIL is held, only
//! the Arrow buffers are taken (read-only views, see [`columns`]); with the GIL released, the
//! columns are decoded, the rows grouped by loan and every loan built and audited by
//! `windeep_core::audit_loan` on every available core ([`book`]). The binding decides nothing:
//! the rules are the core's (`docs/audit.md`).

mod book;
mod columns;

use std::thread;

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString};
use windeep_core::{AuditSummary, CoreError, Discrepancy};

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

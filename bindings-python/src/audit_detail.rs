//! One loan of a legacy export side by side: the core's `loan_detail_in_export` (the
//! `audit_loan_detail` operation) over the raw cells `windeep.audit.audit_export` read.
//! `ExportAudit.loan(loan_id)` in `python/windeep/audit.py` calls it; the pairing of stored rows
//! with the correct schedule and statement is the core's (`docs/audit.md`, "One loan side by
//! side").

use pyo3::prelude::*;
use windeep_core::CoreError;
use windeep_core::audit::{LegacyExport, loan_detail_in_export};

use crate::audit::{RawColumns, raw_table};
use crate::errors::{core_err, guarded};

/// The side-by-side view of the loan `loans.id` = `loan_id` of an export given as raw cells,
/// column by column, as for `_audit_book`. Returns the `audit_loan_detail` operation's output
/// as JSON text.
#[pyfunction]
#[pyo3(signature = (loans, installments, payments, fines, as_of, loan_id))]
pub(crate) fn _audit_loan_detail(
    py: Python<'_>,
    loans: RawColumns,
    installments: RawColumns,
    payments: RawColumns,
    fines: RawColumns,
    as_of: &Bound<'_, PyAny>,
    loan_id: i64,
) -> PyResult<String> {
    guarded(py, || {
        let as_of = crate::convert::date("as_of", as_of).map_err(|e| core_err(py, &e))?;
        py.detach(|| -> Result<String, CoreError> {
            let export = LegacyExport {
                loans: raw_table("loans", loans.0, loans.1)?,
                loan_installments: raw_table("loan_installments", installments.0, installments.1)?,
                loan_payments: raw_table("loan_payments", payments.0, payments.1)?,
                fines: raw_table("fines", fines.0, fines.1)?,
            };
            let detail = loan_detail_in_export(&export, as_of, loan_id)?;
            serde_json::to_string(&detail).map_err(|e| CoreError::InvalidInput {
                reason: e.to_string(),
            })
        })
        .map_err(|e| core_err(py, &e))
    })
}

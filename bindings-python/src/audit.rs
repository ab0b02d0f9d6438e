//! The batch audit: Arrow columns of the legacy tables in, the core's discrepancies out.
//!
//! `windeep.audit_loan_book` (Python, `python/windeep/audit.py`) normalises each table to
//! pyarrow arrays of a few physical types (int64, int8, decimal128(38, 2) money,
//! decimal128(38, 8) rates, date32, utf8) and calls [`audit_loan_book`]. Here the columns are
//! read from their Arrow buffers into plain vectors while the GIL is held; then, with the GIL
//! released, the rows are grouped by loan and every loan is built and audited by
//! `windeep_core::audit_loan`, in parallel over contiguous chunks of loans
//! (`std::thread::scope`, one thread per available core). The binding decides nothing: the rules
//! are the core's (`docs/audit.md`).

use std::collections::HashMap;
use std::thread;

use chrono::NaiveDate;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList, PyString};
use rust_decimal::Decimal;
use windeep_core::{
    AuditSummary, CoreError, Discrepancy, LegacyFineRow, LegacyInstallmentRow, LegacyLoan,
    LegacyLoanRow, LegacyPaymentRow, LoanAudit, Money, Rate, audit_loan,
};

use crate::errors::{core_err, guarded};

fn invalid(reason: String) -> CoreError {
    CoreError::InvalidInput { reason }
}

fn read_err(table: &str, column: &str, err: &PyErr) -> CoreError {
    invalid(format!("{table}.{column}: cannot read the column: {err}"))
}

/// One Arrow array's buffers, copied out of pyarrow.
struct Buffers {
    len: usize,
    offset: usize,
    validity: Option<Vec<u8>>,
    values: Vec<u8>,
    /// The character data of a utf8 array.
    data: Vec<u8>,
}

impl Buffers {
    fn valid(&self, i: usize) -> bool {
        self.validity.as_ref().is_none_or(|bits| {
            let bit = self.offset + i;
            bits.get(bit / 8).is_some_and(|b| b & (1 << (bit % 8)) != 0)
        })
    }

    /// The `width` bytes of value `i`.
    fn slot(&self, i: usize, width: usize) -> Option<&[u8]> {
        let at = (self.offset + i).checked_mul(width)?;
        self.values.get(at..at.checked_add(width)?)
    }
}

/// Reads `table[column]` (a pyarrow Array of type `expected`) into its buffers.
fn buffers(
    table: &str,
    arrays: &Bound<'_, PyDict>,
    column: &str,
    expected: &str,
) -> Result<Buffers, CoreError> {
    let err = |e: PyErr| read_err(table, column, &e);
    let array = arrays
        .get_item(column)
        .map_err(err)?
        .ok_or_else(|| invalid(format!("{table} has no column {column:?}")))?;
    let kind = array
        .getattr("type")
        .and_then(|t| t.str())
        .map_err(err)?
        .to_string();
    if kind != expected {
        return Err(invalid(format!(
            "{table}.{column} is {kind}, expected {expected}"
        )));
    }
    let len = array.len().map_err(err)?;
    let offset: usize = array
        .getattr("offset")
        .and_then(|o| o.extract())
        .map_err(err)?;
    let list = array.call_method0("buffers").map_err(err)?;
    let bytes = |i: usize| -> Result<Option<Vec<u8>>, CoreError> {
        let buf = list.get_item(i).map_err(err)?;
        if buf.is_none() {
            return Ok(None);
        }
        let b = buf.call_method0("to_pybytes").map_err(err)?;
        let b = b.cast::<PyBytes>().map_err(|e| err(e.into()))?;
        Ok(Some(b.as_bytes().to_vec()))
    };
    let validity = bytes(0)?;
    let values = bytes(1)?.unwrap_or_default();
    let data = if expected == "string" {
        bytes(2)?.unwrap_or_default()
    } else {
        Vec::new()
    };
    Ok(Buffers {
        len,
        offset,
        validity,
        values,
        data,
    })
}

/// A column read into values, with the table and column names for messages.
struct Reader<'a, 'py> {
    table: &'static str,
    arrays: &'a Bound<'py, PyDict>,
}

impl Reader<'_, '_> {
    /// Walks the values of fixed `width` bytes: `f(row, rows, None)` for a null,
    /// `f(row, rows, Some(bytes))` otherwise, where `rows` is the column's length.
    fn walk(
        &self,
        column: &str,
        expected: &str,
        width: usize,
        mut f: impl FnMut(usize, usize, Option<&[u8]>) -> Result<(), String>,
    ) -> Result<usize, CoreError> {
        let b = buffers(self.table, self.arrays, column, expected)?;
        let values = b
            .offset
            .checked_mul(width)
            .and_then(|from| Some((from, from.checked_add(b.len.checked_mul(width)?)?)))
            .and_then(|(from, to)| b.values.get(from..to))
            .ok_or_else(|| invalid(format!("{}.{column}: truncated buffer", self.table)))?;
        for (i, slot) in values.chunks_exact(width).enumerate() {
            let slot = (b.validity.is_none() || b.valid(i)).then_some(slot);
            f(i, b.len, slot)
                .map_err(|e| invalid(format!("{}.{column}, row {i}: {e}", self.table)))?;
        }
        Ok(b.len)
    }

    /// A nullable column.
    fn optional<T>(
        &self,
        column: &str,
        expected: &str,
        width: usize,
        decode: impl Fn(&[u8]) -> Result<T, String>,
    ) -> Result<Vec<Option<T>>, CoreError> {
        let mut out = Vec::new();
        self.walk(column, expected, width, |_, rows, slot| {
            if out.capacity() == 0 {
                out.reserve_exact(rows);
            }
            out.push(slot.map(&decode).transpose()?);
            Ok(())
        })?;
        Ok(out)
    }

    /// A column without nulls.
    fn values<T>(
        &self,
        column: &str,
        expected: &str,
        width: usize,
        decode: impl Fn(&[u8]) -> Result<T, String>,
    ) -> Result<Vec<T>, CoreError> {
        let mut out = Vec::new();
        self.walk(column, expected, width, |_, rows, slot| {
            if out.capacity() == 0 {
                out.reserve_exact(rows);
            }
            out.push(decode(
                slot.ok_or("null in a column that must have a value")?,
            )?);
            Ok(())
        })?;
        Ok(out)
    }

    fn opt_int(&self, column: &str) -> Result<Vec<Option<i64>>, CoreError> {
        self.optional(column, "int64", 8, int64)
    }

    fn int(&self, column: &str) -> Result<Vec<i64>, CoreError> {
        self.values(column, "int64", 8, int64)
    }

    fn count(&self, column: &str) -> Result<Vec<u32>, CoreError> {
        self.int(column)?
            .into_iter()
            .map(|v| {
                u32::try_from(v).map_err(|_| {
                    invalid(format!(
                        "{}.{column}: {v} is not a count (0 to 4294967295)",
                        self.table
                    ))
                })
            })
            .collect()
    }

    fn flag(&self, column: &str) -> Result<Vec<bool>, CoreError> {
        self.values(column, "int8", 1, |s| match s {
            [0] => Ok(false),
            [1] => Ok(true),
            _ => Err("a flag is 0 or 1".to_owned()),
        })
    }

    fn decimal(&self, column: &str, expected: &str, scale: u32) -> Result<Vec<Decimal>, CoreError> {
        self.values(column, expected, 16, |s| {
            let raw = i128::from_le_bytes(s.try_into().map_err(|_| "width")?);
            Decimal::try_from_i128_with_scale(raw, scale)
                .map_err(|_| format!("{raw}e-{scale} is outside the supported range"))
        })
    }

    fn money(&self, column: &str) -> Result<Vec<Money>, CoreError> {
        Ok(self
            .decimal(column, "decimal128(38, 2)", 2)?
            .into_iter()
            .map(Money::from_decimal)
            .collect())
    }

    fn rate(&self, column: &str) -> Result<Vec<Rate>, CoreError> {
        self.decimal(column, "decimal128(38, 8)", 8)?
            .into_iter()
            .map(Rate::from_percent)
            .collect()
    }

    fn opt_date(&self, column: &str) -> Result<Vec<Option<NaiveDate>>, CoreError> {
        self.optional(column, "date32[day]", 4, date32)
    }

    fn date(&self, column: &str) -> Result<Vec<NaiveDate>, CoreError> {
        self.values(column, "date32[day]", 4, date32)
    }

    fn text(&self, column: &str) -> Result<Vec<String>, CoreError> {
        let b = buffers(self.table, self.arrays, column, "string")?;
        let mut out = Vec::with_capacity(b.len);
        for i in 0..b.len {
            if !b.valid(i) {
                return Err(invalid(format!(
                    "{}.{column} is null in row {i}",
                    self.table
                )));
            }
            let at = |k: usize| {
                b.slot(k, 4)
                    .and_then(|s| s.try_into().ok())
                    .map(i32::from_le_bytes)
                    .and_then(|o| usize::try_from(o).ok())
            };
            let text = at(i)
                .zip(at(i + 1))
                .and_then(|(from, to)| b.data.get(from..to))
                .and_then(|bytes| std::str::from_utf8(bytes).ok())
                .ok_or_else(|| invalid(format!("{}.{column}: bad text in row {i}", self.table)))?;
            out.push(text.to_owned());
        }
        Ok(out)
    }
}

fn int64(s: &[u8]) -> Result<i64, String> {
    Ok(i64::from_le_bytes(s.try_into().map_err(|_| "width")?))
}

/// A date32 value: days since 1970-01-01, within the years 0001–9999.
fn date32(s: &[u8]) -> Result<NaiveDate, String> {
    let days = i32::from_le_bytes(s.try_into().map_err(|_| "width")?);
    // 719,163 days from 0001-01-01 (day 1) to 1970-01-01.
    days.checked_add(719_163)
        .and_then(NaiveDate::from_num_days_from_ce_opt)
        .filter(|d| (1..=9999).contains(&chrono::Datelike::year(d)))
        .ok_or_else(|| format!("day {days} is outside the years 0001-9999"))
}

/// The `loans` table, column by column.
struct Loans {
    id: Vec<i64>,
    loan_number: Vec<String>,
    principal_amount: Vec<Money>,
    interest_rate: Vec<Rate>,
    interest_type: Vec<String>,
    tenure_months: Vec<u32>,
    disbursement_date: Vec<NaiveDate>,
    first_emi_date: Vec<NaiveDate>,
    last_emi_date: Vec<Option<NaiveDate>>,
    emi_amount: Vec<Money>,
    total_interest: Vec<Money>,
    total_payable: Vec<Money>,
    outstanding_principal: Vec<Money>,
    outstanding_interest: Vec<Money>,
    outstanding_fine: Vec<Money>,
}

struct Installments {
    id: Vec<i64>,
    loan_id: Vec<i64>,
    installment_number: Vec<u32>,
    due_date: Vec<NaiveDate>,
    principal_amount: Vec<Money>,
    interest_amount: Vec<Money>,
    emi_amount: Vec<Money>,
    principal_paid: Vec<Money>,
    interest_paid: Vec<Money>,
    status: Vec<String>,
}

struct Payments {
    id: Vec<i64>,
    loan_id: Vec<i64>,
    installment_id: Vec<Option<i64>>,
    payment_date: Vec<NaiveDate>,
    payment_type: Vec<String>,
    total_amount: Vec<Money>,
    principal_component: Vec<Money>,
    interest_component: Vec<Money>,
    fine_component: Vec<Money>,
    excess_amount: Vec<Money>,
    is_reversed: Vec<bool>,
}

struct Fines {
    id: Vec<i64>,
    related_type: Vec<String>,
    related_id: Vec<i64>,
    fine_rule_id: Vec<Option<i64>>,
    fine_date: Vec<NaiveDate>,
    fine_amount: Vec<Money>,
    paid_amount: Vec<Money>,
    waived_amount: Vec<Money>,
    balance_amount: Vec<Money>,
    status: Vec<String>,
}

/// Every column must have as many rows as the table's first one.
fn same_length(table: &str, lens: &[(&str, usize)]) -> Result<(), CoreError> {
    if let Some(&(_, n)) = lens.first()
        && let Some((column, len)) = lens.iter().find(|(_, len)| *len != n)
    {
        return Err(invalid(format!(
            "{table}.{column} has {len} rows, not {n} like the table's other columns"
        )));
    }
    Ok(())
}

impl Loans {
    fn read(arrays: &Bound<'_, PyDict>) -> Result<Self, CoreError> {
        let r = Reader {
            table: "loans",
            arrays,
        };
        let t = Self {
            id: r.int("id")?,
            loan_number: r.text("loan_number")?,
            principal_amount: r.money("principal_amount")?,
            interest_rate: r.rate("interest_rate")?,
            interest_type: r.text("interest_type")?,
            tenure_months: r.count("tenure_months")?,
            disbursement_date: r.date("disbursement_date")?,
            first_emi_date: r.date("first_emi_date")?,
            last_emi_date: r.opt_date("last_emi_date")?,
            emi_amount: r.money("emi_amount")?,
            total_interest: r.money("total_interest")?,
            total_payable: r.money("total_payable")?,
            outstanding_principal: r.money("outstanding_principal")?,
            outstanding_interest: r.money("outstanding_interest")?,
            outstanding_fine: r.money("outstanding_fine")?,
        };
        same_length(
            "loans",
            &[
                ("id", t.id.len()),
                ("loan_number", t.loan_number.len()),
                ("principal_amount", t.principal_amount.len()),
                ("interest_rate", t.interest_rate.len()),
                ("interest_type", t.interest_type.len()),
                ("tenure_months", t.tenure_months.len()),
                ("disbursement_date", t.disbursement_date.len()),
                ("first_emi_date", t.first_emi_date.len()),
                ("last_emi_date", t.last_emi_date.len()),
                ("emi_amount", t.emi_amount.len()),
                ("total_interest", t.total_interest.len()),
                ("total_payable", t.total_payable.len()),
                ("outstanding_principal", t.outstanding_principal.len()),
                ("outstanding_interest", t.outstanding_interest.len()),
                ("outstanding_fine", t.outstanding_fine.len()),
            ],
        )?;
        Ok(t)
    }

    fn row(&self, i: usize) -> Option<LegacyLoanRow> {
        Some(LegacyLoanRow {
            id: *self.id.get(i)?,
            loan_number: self.loan_number.get(i)?.clone(),
            principal_amount: *self.principal_amount.get(i)?,
            interest_rate: *self.interest_rate.get(i)?,
            interest_type: self.interest_type.get(i)?.clone(),
            tenure_months: *self.tenure_months.get(i)?,
            disbursement_date: *self.disbursement_date.get(i)?,
            first_emi_date: *self.first_emi_date.get(i)?,
            last_emi_date: *self.last_emi_date.get(i)?,
            emi_amount: *self.emi_amount.get(i)?,
            total_interest: *self.total_interest.get(i)?,
            total_payable: *self.total_payable.get(i)?,
            outstanding_principal: *self.outstanding_principal.get(i)?,
            outstanding_interest: *self.outstanding_interest.get(i)?,
            outstanding_fine: *self.outstanding_fine.get(i)?,
        })
    }
}

impl Installments {
    fn read(arrays: &Bound<'_, PyDict>) -> Result<Self, CoreError> {
        let r = Reader {
            table: "loan_installments",
            arrays,
        };
        let t = Self {
            id: r.int("id")?,
            loan_id: r.int("loan_id")?,
            installment_number: r.count("installment_number")?,
            due_date: r.date("due_date")?,
            principal_amount: r.money("principal_amount")?,
            interest_amount: r.money("interest_amount")?,
            emi_amount: r.money("emi_amount")?,
            principal_paid: r.money("principal_paid")?,
            interest_paid: r.money("interest_paid")?,
            status: r.text("status")?,
        };
        same_length(
            "loan_installments",
            &[
                ("id", t.id.len()),
                ("loan_id", t.loan_id.len()),
                ("installment_number", t.installment_number.len()),
                ("due_date", t.due_date.len()),
                ("principal_amount", t.principal_amount.len()),
                ("interest_amount", t.interest_amount.len()),
                ("emi_amount", t.emi_amount.len()),
                ("principal_paid", t.principal_paid.len()),
                ("interest_paid", t.interest_paid.len()),
                ("status", t.status.len()),
            ],
        )?;
        Ok(t)
    }

    fn row(&self, i: usize) -> Option<LegacyInstallmentRow> {
        Some(LegacyInstallmentRow {
            id: *self.id.get(i)?,
            installment_number: *self.installment_number.get(i)?,
            due_date: *self.due_date.get(i)?,
            principal_amount: *self.principal_amount.get(i)?,
            interest_amount: *self.interest_amount.get(i)?,
            emi_amount: *self.emi_amount.get(i)?,
            principal_paid: *self.principal_paid.get(i)?,
            interest_paid: *self.interest_paid.get(i)?,
            status: self.status.get(i)?.clone(),
        })
    }
}

impl Payments {
    fn read(arrays: &Bound<'_, PyDict>) -> Result<Self, CoreError> {
        let r = Reader {
            table: "loan_payments",
            arrays,
        };
        let t = Self {
            id: r.int("id")?,
            loan_id: r.int("loan_id")?,
            installment_id: r.opt_int("installment_id")?,
            payment_date: r.date("payment_date")?,
            payment_type: r.text("payment_type")?,
            total_amount: r.money("total_amount")?,
            principal_component: r.money("principal_component")?,
            interest_component: r.money("interest_component")?,
            fine_component: r.money("fine_component")?,
            excess_amount: r.money("excess_amount")?,
            is_reversed: r.flag("is_reversed")?,
        };
        same_length(
            "loan_payments",
            &[
                ("id", t.id.len()),
                ("loan_id", t.loan_id.len()),
                ("installment_id", t.installment_id.len()),
                ("payment_date", t.payment_date.len()),
                ("payment_type", t.payment_type.len()),
                ("total_amount", t.total_amount.len()),
                ("principal_component", t.principal_component.len()),
                ("interest_component", t.interest_component.len()),
                ("fine_component", t.fine_component.len()),
                ("excess_amount", t.excess_amount.len()),
                ("is_reversed", t.is_reversed.len()),
            ],
        )?;
        Ok(t)
    }

    fn row(&self, i: usize) -> Option<LegacyPaymentRow> {
        Some(LegacyPaymentRow {
            id: *self.id.get(i)?,
            installment_id: *self.installment_id.get(i)?,
            payment_date: *self.payment_date.get(i)?,
            payment_type: self.payment_type.get(i)?.clone(),
            total_amount: *self.total_amount.get(i)?,
            principal_component: *self.principal_component.get(i)?,
            interest_component: *self.interest_component.get(i)?,
            fine_component: *self.fine_component.get(i)?,
            excess_amount: *self.excess_amount.get(i)?,
            is_reversed: *self.is_reversed.get(i)?,
        })
    }
}

impl Fines {
    fn read(arrays: &Bound<'_, PyDict>) -> Result<Self, CoreError> {
        let r = Reader {
            table: "fines",
            arrays,
        };
        let t = Self {
            id: r.int("id")?,
            related_type: r.text("related_type")?,
            related_id: r.int("related_id")?,
            fine_rule_id: r.opt_int("fine_rule_id")?,
            fine_date: r.date("fine_date")?,
            fine_amount: r.money("fine_amount")?,
            paid_amount: r.money("paid_amount")?,
            waived_amount: r.money("waived_amount")?,
            balance_amount: r.money("balance_amount")?,
            status: r.text("status")?,
        };
        same_length(
            "fines",
            &[
                ("id", t.id.len()),
                ("related_type", t.related_type.len()),
                ("related_id", t.related_id.len()),
                ("fine_rule_id", t.fine_rule_id.len()),
                ("fine_date", t.fine_date.len()),
                ("fine_amount", t.fine_amount.len()),
                ("paid_amount", t.paid_amount.len()),
                ("waived_amount", t.waived_amount.len()),
                ("balance_amount", t.balance_amount.len()),
                ("status", t.status.len()),
            ],
        )?;
        Ok(t)
    }

    fn row(&self, i: usize) -> Option<LegacyFineRow> {
        Some(LegacyFineRow {
            id: *self.id.get(i)?,
            related_id: *self.related_id.get(i)?,
            fine_rule_id: *self.fine_rule_id.get(i)?,
            fine_date: *self.fine_date.get(i)?,
            fine_amount: *self.fine_amount.get(i)?,
            paid_amount: *self.paid_amount.get(i)?,
            waived_amount: *self.waived_amount.get(i)?,
            balance_amount: *self.balance_amount.get(i)?,
            status: self.status.get(i)?.clone(),
        })
    }
}

/// The words of `fines.related_type` that mean a loan installment (other fines, on savings,
/// are not part of a loan audit).
const LOAN_FINE_TYPES: &[&str] = &["loan", "loan_installment"];

/// Row indices grouped by loan index: `rows[starts[k]..starts[k + 1]]` belong to loan `k`.
struct Groups {
    starts: Vec<usize>,
    rows: Vec<usize>,
}

impl Groups {
    /// Groups rows by the loan each maps to (`None`: no loan), keeping the rows' order.
    fn new(loans: usize, owner: &[Option<usize>]) -> Self {
        let mut starts = vec![0_usize; loans + 1];
        for &k in owner.iter().flatten() {
            if let Some(s) = starts.get_mut(k + 1) {
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
        let mut rows = vec![0_usize; owner.iter().flatten().count()];
        for (i, &k) in owner.iter().enumerate() {
            if let Some(k) = k
                && let Some(at) = next.get_mut(k)
            {
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

/// The whole book, read and grouped.
struct Book {
    loans: Loans,
    installments: Installments,
    payments: Payments,
    fines: Fines,
    by_loan: [Groups; 3],
    unmatched: [usize; 3],
}

impl Book {
    fn group(
        loans: Loans,
        installments: Installments,
        payments: Payments,
        fines: Fines,
    ) -> Result<Self, CoreError> {
        let mut index = HashMap::with_capacity(loans.id.len());
        for (k, &id) in loans.id.iter().enumerate() {
            if index.insert(id, k).is_some() {
                return Err(invalid(format!("loans.id {id} appears twice")));
            }
        }
        let owner = |ids: &[i64]| -> Vec<Option<usize>> {
            ids.iter().map(|id| index.get(id).copied()).collect()
        };
        let inst_owner = owner(&installments.loan_id);
        let pay_owner = owner(&payments.loan_id);
        let loan_fines: Vec<bool> = fines
            .related_type
            .iter()
            .map(|t| LOAN_FINE_TYPES.contains(&t.as_str()))
            .collect();
        // The loan of each installment a loan fine refers to (a few ids, not every
        // installment's).
        let mut loan_of_installment: HashMap<i64, Option<usize>> = fines
            .related_id
            .iter()
            .zip(&loan_fines)
            .filter(|(_, is_loan)| **is_loan)
            .map(|(&id, _)| (id, None))
            .collect();
        for (&id, &k) in installments.id.iter().zip(&inst_owner) {
            if let (Some(k), Some(slot)) = (k, loan_of_installment.get_mut(&id)) {
                if slot.is_some() {
                    return Err(invalid(format!(
                        "loan_installments.id {id}, which a fine refers to, appears twice"
                    )));
                }
                *slot = Some(k);
            }
        }
        let fine_owner: Vec<Option<usize>> = fines
            .related_id
            .iter()
            .zip(&loan_fines)
            .map(|(id, &is_loan)| {
                is_loan
                    .then(|| loan_of_installment.get(id).copied().flatten())
                    .flatten()
            })
            .collect();
        let unmatched = [
            inst_owner.iter().filter(|k| k.is_none()).count(),
            pay_owner.iter().filter(|k| k.is_none()).count(),
            fine_owner
                .iter()
                .zip(&loan_fines)
                .filter(|(k, is_loan)| k.is_none() && **is_loan)
                .count(),
        ];
        let n = loans.id.len();
        Ok(Self {
            by_loan: [
                Groups::new(n, &inst_owner),
                Groups::new(n, &pay_owner),
                Groups::new(n, &fine_owner),
            ],
            loans,
            installments,
            payments,
            fines,
            unmatched,
        })
    }

    fn loan(&self, k: usize) -> Option<LegacyLoan> {
        let [inst, pay, fine] = &self.by_loan;
        Some(LegacyLoan {
            loan: self.loans.row(k)?,
            installments: inst
                .of(k)
                .iter()
                .map(|&i| self.installments.row(i))
                .collect::<Option<_>>()?,
            payments: pay
                .of(k)
                .iter()
                .map(|&i| self.payments.row(i))
                .collect::<Option<_>>()?,
            fines: fine
                .of(k)
                .iter()
                .map(|&i| self.fines.row(i))
                .collect::<Option<_>>()?,
        })
    }

    /// Audits every loan, in parallel over contiguous chunks, in the loans' order.
    fn audit(&self, as_of: NaiveDate) -> Vec<LoanAudit> {
        let n = self.loans.id.len();
        let threads = thread::available_parallelism().map_or(1, |t| t.get());
        let chunk = n.div_ceil(threads).max(1);
        let ks: Vec<usize> = (0..n).collect();
        thread::scope(|s| {
            let handles: Vec<_> = ks
                .chunks(chunk)
                .map(|part| {
                    s.spawn(move || {
                        part.iter()
                            .filter_map(|&k| self.loan(k))
                            .map(|loan| audit_loan(&loan, as_of))
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
}

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
        let read = || -> Result<_, CoreError> {
            Ok((
                Loans::read(loans)?,
                Installments::read(installments)?,
                Payments::read(payments)?,
                Fines::read(fines)?,
                crate::convert::date("as_of", as_of)?,
            ))
        };
        let (l, i, p, f, as_of) = read().map_err(|e| core_err(py, &e))?;
        let (audits, summary, unmatched) = py
            .detach(|| -> Result<_, CoreError> {
                let book = Book::group(l, i, p, f)?;
                let audits = book.audit(as_of);
                let mut summary = AuditSummary::default();
                for a in &audits {
                    summary.add(a);
                }
                Ok((audits, summary, book.unmatched))
            })
            .map_err(|e| core_err(py, &e))?;
        Ok((
            columns(py, &audits)?,
            summary_dict(py, &summary, unmatched)?,
        ))
    })
}

fn columns<'py>(py: Python<'py>, audits: &[LoanAudit]) -> PyResult<Bound<'py, PyDict>> {
    let all = || audits.iter().flat_map(|a| &a.discrepancies);
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

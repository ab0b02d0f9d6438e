//! The book: the four tables column by column, their rows grouped by loan, and the audit of
//! every loan in parallel.
//!
//! Rows are grouped with a counting pass over the owners' indices (no per-row structs, no map
//! per row when loan ids are dense). Each worker thread refills one [`LegacyLoan`] in place for
//! every loan it audits, so that a loan's rows cost no allocation once the first loan has
//! sized the buffers. Work is handed out in blocks of loans from a shared counter, so a thread
//! slowed by other load on the machine does not hold the others up.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;

use chrono::NaiveDate;
use windeep_core::{
    CoreError, Money, Rate, audit::AuditSummary, audit::Discrepancy, audit::LegacyFineRow,
    audit::LegacyInstallmentRow, audit::LegacyLoan, audit::LegacyLoanRow, audit::LegacyPaymentRow,
    audit::audit_loan,
};

use super::columns::{Table, Texts, invalid};

/// Loans handed to a worker at a time.
const BLOCK: usize = 512;

/// Overwrites `to` with `from`, keeping `to`'s allocation.
fn set_text(to: &mut String, from: &str) {
    to.clear();
    to.push_str(from);
}

const INT: &[&str] = &["int64"];
const MONEY: &[&str] = &["decimal128(38, 2)"];
const RATE: &[&str] = &["decimal128(38, 8)"];
const DATE: &[&str] = &["date32[day]"];
const TEXT: &[&str] = &["string"];
const FLAG: &[&str] = &["bool", "int8"];

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

/// The `loans` table, column by column.
pub(super) struct Loans {
    id: Vec<i64>,
    loan_number: Texts,
    principal_amount: Vec<Money>,
    interest_rate: Vec<Rate>,
    interest_type: Texts,
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

impl Loans {
    /// The columns read, with the Arrow type of each.
    pub(super) const COLUMNS: &[(&str, &[&str])] = &[
        ("id", INT),
        ("loan_number", TEXT),
        ("principal_amount", MONEY),
        ("interest_rate", RATE),
        ("interest_type", TEXT),
        ("tenure_months", INT),
        ("disbursement_date", DATE),
        ("first_emi_date", DATE),
        ("last_emi_date", DATE),
        ("emi_amount", MONEY),
        ("total_interest", MONEY),
        ("total_payable", MONEY),
        ("outstanding_principal", MONEY),
        ("outstanding_interest", MONEY),
        ("outstanding_fine", MONEY),
    ];

    pub(super) fn read(table: &Table<'_>) -> Result<Self, CoreError> {
        let r = table.reader();
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
        let mut row = LegacyLoanRow {
            id: 0,
            loan_number: String::new(),
            principal_amount: Money::ZERO,
            interest_rate: Rate::default(),
            interest_type: String::new(),
            tenure_months: 0,
            disbursement_date: NaiveDate::MIN,
            first_emi_date: NaiveDate::MIN,
            last_emi_date: None,
            emi_amount: Money::ZERO,
            total_interest: Money::ZERO,
            total_payable: Money::ZERO,
            outstanding_principal: Money::ZERO,
            outstanding_interest: Money::ZERO,
            outstanding_fine: Money::ZERO,
        };
        self.fill(&mut row, i)?;
        Some(row)
    }

    /// Overwrites `row` with row `i`.
    fn fill(&self, row: &mut LegacyLoanRow, i: usize) -> Option<()> {
        row.id = *self.id.get(i)?;
        set_text(&mut row.loan_number, self.loan_number.get(i)?);
        row.principal_amount = *self.principal_amount.get(i)?;
        row.interest_rate = *self.interest_rate.get(i)?;
        set_text(&mut row.interest_type, self.interest_type.get(i)?);
        row.tenure_months = *self.tenure_months.get(i)?;
        row.disbursement_date = *self.disbursement_date.get(i)?;
        row.first_emi_date = *self.first_emi_date.get(i)?;
        row.last_emi_date = *self.last_emi_date.get(i)?;
        row.emi_amount = *self.emi_amount.get(i)?;
        row.total_interest = *self.total_interest.get(i)?;
        row.total_payable = *self.total_payable.get(i)?;
        row.outstanding_principal = *self.outstanding_principal.get(i)?;
        row.outstanding_interest = *self.outstanding_interest.get(i)?;
        row.outstanding_fine = *self.outstanding_fine.get(i)?;
        Some(())
    }
}

/// The `loan_installments` table, column by column.
pub(super) struct Installments {
    id: Vec<i64>,
    loan_id: Vec<i64>,
    installment_number: Vec<u32>,
    due_date: Vec<NaiveDate>,
    principal_amount: Vec<Money>,
    interest_amount: Vec<Money>,
    emi_amount: Vec<Money>,
    principal_paid: Vec<Money>,
    interest_paid: Vec<Money>,
    status: Texts,
}

impl Installments {
    /// The columns read, with the Arrow type of each.
    pub(super) const COLUMNS: &[(&str, &[&str])] = &[
        ("id", INT),
        ("loan_id", INT),
        ("installment_number", INT),
        ("due_date", DATE),
        ("principal_amount", MONEY),
        ("interest_amount", MONEY),
        ("emi_amount", MONEY),
        ("principal_paid", MONEY),
        ("interest_paid", MONEY),
        ("status", TEXT),
    ];

    /// Decodes the table. The five money columns, most of the work of the largest table, are
    /// decoded on a thread of their own while this one decodes the rest; the first error in
    /// column order is reported.
    pub(super) fn read(table: &Table<'_>) -> Result<Self, CoreError> {
        let (money, head, status) = thread::scope(|s| {
            let money = s.spawn(|| {
                let r = table.reader();
                [
                    "principal_amount",
                    "interest_amount",
                    "emi_amount",
                    "principal_paid",
                    "interest_paid",
                ]
                .map(|column| r.money(column))
            });
            let r = table.reader();
            let head = (|| {
                Ok::<_, CoreError>((
                    r.int("id")?,
                    r.int("loan_id")?,
                    r.count("installment_number")?,
                    r.date("due_date")?,
                ))
            })();
            let status = r.text("status");
            let money = money
                .join()
                .unwrap_or_else(|payload| std::panic::resume_unwind(payload));
            (money, head, status)
        });
        let (id, loan_id, installment_number, due_date) = head?;
        let [
            principal_amount,
            interest_amount,
            emi_amount,
            principal_paid,
            interest_paid,
        ] = money;
        let t = Self {
            id,
            loan_id,
            installment_number,
            due_date,
            principal_amount: principal_amount?,
            interest_amount: interest_amount?,
            emi_amount: emi_amount?,
            principal_paid: principal_paid?,
            interest_paid: interest_paid?,
            status: status?,
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
        let mut row = LegacyInstallmentRow {
            id: 0,
            installment_number: 0,
            due_date: NaiveDate::MIN,
            principal_amount: Money::ZERO,
            interest_amount: Money::ZERO,
            emi_amount: Money::ZERO,
            principal_paid: Money::ZERO,
            interest_paid: Money::ZERO,
            status: String::new(),
        };
        self.fill(&mut row, i)?;
        Some(row)
    }

    fn fill(&self, row: &mut LegacyInstallmentRow, i: usize) -> Option<()> {
        row.id = *self.id.get(i)?;
        row.installment_number = *self.installment_number.get(i)?;
        row.due_date = *self.due_date.get(i)?;
        row.principal_amount = *self.principal_amount.get(i)?;
        row.interest_amount = *self.interest_amount.get(i)?;
        row.emi_amount = *self.emi_amount.get(i)?;
        row.principal_paid = *self.principal_paid.get(i)?;
        row.interest_paid = *self.interest_paid.get(i)?;
        set_text(&mut row.status, self.status.get(i)?);
        Some(())
    }
}

/// The `loan_payments` table, column by column.
pub(super) struct Payments {
    id: Vec<i64>,
    loan_id: Vec<i64>,
    installment_id: Vec<Option<i64>>,
    payment_date: Vec<NaiveDate>,
    payment_type: Texts,
    total_amount: Vec<Money>,
    principal_component: Vec<Money>,
    interest_component: Vec<Money>,
    fine_component: Vec<Money>,
    excess_amount: Vec<Money>,
    is_reversed: Vec<bool>,
}

impl Payments {
    /// The columns read, with the Arrow type of each.
    pub(super) const COLUMNS: &[(&str, &[&str])] = &[
        ("id", INT),
        ("loan_id", INT),
        ("installment_id", INT),
        ("payment_date", DATE),
        ("payment_type", TEXT),
        ("total_amount", MONEY),
        ("principal_component", MONEY),
        ("interest_component", MONEY),
        ("fine_component", MONEY),
        ("excess_amount", MONEY),
        ("is_reversed", FLAG),
    ];

    pub(super) fn read(table: &Table<'_>) -> Result<Self, CoreError> {
        let r = table.reader();
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
        let mut row = LegacyPaymentRow {
            id: 0,
            installment_id: None,
            payment_date: NaiveDate::MIN,
            payment_type: String::new(),
            total_amount: Money::ZERO,
            principal_component: Money::ZERO,
            interest_component: Money::ZERO,
            fine_component: Money::ZERO,
            excess_amount: Money::ZERO,
            is_reversed: false,
        };
        self.fill(&mut row, i)?;
        Some(row)
    }

    fn fill(&self, row: &mut LegacyPaymentRow, i: usize) -> Option<()> {
        row.id = *self.id.get(i)?;
        row.installment_id = *self.installment_id.get(i)?;
        row.payment_date = *self.payment_date.get(i)?;
        set_text(&mut row.payment_type, self.payment_type.get(i)?);
        row.total_amount = *self.total_amount.get(i)?;
        row.principal_component = *self.principal_component.get(i)?;
        row.interest_component = *self.interest_component.get(i)?;
        row.fine_component = *self.fine_component.get(i)?;
        row.excess_amount = *self.excess_amount.get(i)?;
        row.is_reversed = *self.is_reversed.get(i)?;
        Some(())
    }
}

/// The `fines` table, column by column.
pub(super) struct Fines {
    id: Vec<i64>,
    related_type: Texts,
    related_id: Vec<i64>,
    fine_rule_id: Vec<Option<i64>>,
    fine_date: Vec<NaiveDate>,
    fine_amount: Vec<Money>,
    paid_amount: Vec<Money>,
    waived_amount: Vec<Money>,
    balance_amount: Vec<Money>,
    status: Texts,
}

impl Fines {
    /// The columns read, with the Arrow type of each.
    pub(super) const COLUMNS: &[(&str, &[&str])] = &[
        ("id", INT),
        ("related_type", TEXT),
        ("related_id", INT),
        ("fine_rule_id", INT),
        ("fine_date", DATE),
        ("fine_amount", MONEY),
        ("paid_amount", MONEY),
        ("waived_amount", MONEY),
        ("balance_amount", MONEY),
        ("status", TEXT),
    ];

    pub(super) fn read(table: &Table<'_>) -> Result<Self, CoreError> {
        let r = table.reader();
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
        let mut row = LegacyFineRow {
            id: 0,
            related_id: 0,
            fine_rule_id: None,
            fine_date: NaiveDate::MIN,
            fine_amount: Money::ZERO,
            paid_amount: Money::ZERO,
            waived_amount: Money::ZERO,
            balance_amount: Money::ZERO,
            status: String::new(),
        };
        self.fill(&mut row, i)?;
        Some(row)
    }

    fn fill(&self, row: &mut LegacyFineRow, i: usize) -> Option<()> {
        row.id = *self.id.get(i)?;
        row.related_id = *self.related_id.get(i)?;
        row.fine_rule_id = *self.fine_rule_id.get(i)?;
        row.fine_date = *self.fine_date.get(i)?;
        row.fine_amount = *self.fine_amount.get(i)?;
        row.paid_amount = *self.paid_amount.get(i)?;
        row.waived_amount = *self.waived_amount.get(i)?;
        row.balance_amount = *self.balance_amount.get(i)?;
        set_text(&mut row.status, self.status.get(i)?);
        Some(())
    }
}

/// Refills `rows` with the rows `at` of a table: rows already there are overwritten in place,
/// missing ones are built.
fn refill<T>(
    rows: &mut Vec<T>,
    at: &[usize],
    fill: impl Fn(&mut T, usize) -> Option<()>,
    build: impl Fn(usize) -> Option<T>,
) -> Option<()> {
    rows.truncate(at.len());
    for (slot, &i) in rows.iter_mut().zip(at) {
        fill(slot, i)?;
    }
    for &i in at.get(rows.len()..).unwrap_or_default() {
        rows.push(build(i)?);
    }
    Some(())
}

/// The words of `fines.related_type` that mean a loan installment (other fines, on savings,
/// are not part of a loan audit).
const LOAN_FINE_TYPES: &[&str] = &["loan", "loan_installment"];

/// "No loan" in an owner column.
const NONE: u32 = u32::MAX;

/// Row indices grouped by loan index: `rows[starts[k]..starts[k + 1]]` belong to loan `k`.
struct Groups {
    starts: Vec<usize>,
    rows: Vec<usize>,
}

impl Groups {
    /// Groups rows by the loan each maps to ([`NONE`]: no loan), keeping the rows' order.
    fn new(loans: usize, owner: &[u32]) -> Self {
        let mut starts = vec![0_usize; loans + 1];
        for &k in owner.iter().filter(|&&k| k != NONE) {
            if let Some(s) = starts.get_mut(k as usize + 1) {
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
            if let Some(at) = next.get_mut(k as usize) {
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

/// Loan index by loan id: a table when the ids are dense (the usual database ids), a map
/// otherwise.
enum LoanIndex {
    Dense { min: i64, slots: Vec<u32> },
    Sparse(HashMap<i64, u32>),
}

impl LoanIndex {
    fn new(ids: &[i64]) -> Result<Self, CoreError> {
        let twice = |id: i64| invalid(format!("loans.id {id} appears twice"));
        let (min, max) = (ids.iter().min().copied(), ids.iter().max().copied());
        let span = min
            .zip(max)
            .and_then(|(a, b)| usize::try_from(b.checked_sub(a)?).ok());
        let mut index = match (min, span) {
            (Some(min), Some(span)) if span < ids.len().saturating_mul(4).max(1024) => {
                Self::Dense {
                    min,
                    slots: vec![NONE; span + 1],
                }
            }
            _ => Self::Sparse(HashMap::with_capacity(ids.len())),
        };
        for (k, &id) in ids.iter().enumerate() {
            let k = u32::try_from(k).map_err(|_| invalid("more than 2^32 - 1 loans".to_owned()))?;
            let fresh = match &mut index {
                Self::Dense { min, slots } => id
                    .checked_sub(*min)
                    .and_then(|d| usize::try_from(d).ok())
                    .and_then(|d| slots.get_mut(d))
                    .is_some_and(|slot| std::mem::replace(slot, k) == NONE),
                Self::Sparse(map) => map.insert(id, k).is_none(),
            };
            if !fresh {
                return Err(twice(id));
            }
        }
        Ok(index)
    }

    /// The loan of `id`, or [`NONE`].
    fn get(&self, id: i64) -> u32 {
        match self {
            Self::Dense { min, slots } => id
                .checked_sub(*min)
                .and_then(|d| usize::try_from(d).ok())
                .and_then(|d| slots.get(d).copied())
                .unwrap_or(NONE),
            Self::Sparse(map) => map.get(&id).copied().unwrap_or(NONE),
        }
    }
}

/// The whole book, read and grouped.
pub(super) struct Book {
    loans: Loans,
    installments: Installments,
    payments: Payments,
    fines: Fines,
    by_loan: [Groups; 3],
    /// Rows of no loan: installments, payments, loan fines.
    pub(super) unmatched: [usize; 3],
}

/// What the workers found: the discrepancies in the loans' order and the counts.
pub(super) struct Found {
    pub(super) discrepancies: Vec<Discrepancy>,
    pub(super) summary: AuditSummary,
}

impl Book {
    pub(super) fn group(
        loans: Loans,
        installments: Installments,
        payments: Payments,
        fines: Fines,
    ) -> Result<Self, CoreError> {
        let index = LoanIndex::new(&loans.id)?;
        let owner = |ids: &[i64]| -> Vec<u32> { ids.iter().map(|&id| index.get(id)).collect() };
        let inst_owner = owner(&installments.loan_id);
        let pay_owner = owner(&payments.loan_id);
        let loan_fines: Vec<bool> = fines
            .related_type
            .iter()
            .map(|t| LOAN_FINE_TYPES.contains(&t))
            .collect();
        // The loan of each installment a loan fine refers to (a few ids, not every
        // installment's).
        let mut loan_of_installment: HashMap<i64, u32> = fines
            .related_id
            .iter()
            .zip(&loan_fines)
            .filter(|(_, is_loan)| **is_loan)
            .map(|(&id, _)| (id, NONE))
            .collect();
        if !loan_of_installment.is_empty() {
            for (&id, &k) in installments.id.iter().zip(&inst_owner) {
                if let (true, Some(slot)) = (k != NONE, loan_of_installment.get_mut(&id)) {
                    if *slot != NONE {
                        return Err(invalid(format!(
                            "loan_installments.id {id}, which a fine refers to, appears twice"
                        )));
                    }
                    *slot = k;
                }
            }
        }
        let fine_owner: Vec<u32> = fines
            .related_id
            .iter()
            .zip(&loan_fines)
            .map(|(id, &is_loan)| match is_loan {
                true => loan_of_installment.get(id).copied().unwrap_or(NONE),
                false => NONE,
            })
            .collect();
        let unmatched = [
            inst_owner.iter().filter(|&&k| k == NONE).count(),
            pay_owner.iter().filter(|&&k| k == NONE).count(),
            fine_owner
                .iter()
                .zip(&loan_fines)
                .filter(|(k, is_loan)| **k == NONE && **is_loan)
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

    /// Overwrites `scratch` with loan `k` (building it the first time).
    fn fill(&self, k: usize, scratch: &mut Option<LegacyLoan>) -> Option<()> {
        let [inst, pay, fine] = &self.by_loan;
        let loan = match scratch {
            Some(loan) => {
                self.loans.fill(&mut loan.loan, k)?;
                loan
            }
            None => scratch.insert(LegacyLoan {
                loan: self.loans.row(k)?,
                installments: Vec::new(),
                payments: Vec::new(),
                fines: Vec::new(),
            }),
        };
        let t = &self.installments;
        refill(
            &mut loan.installments,
            inst.of(k),
            |r, i| t.fill(r, i),
            |i| t.row(i),
        )?;
        let t = &self.payments;
        refill(
            &mut loan.payments,
            pay.of(k),
            |r, i| t.fill(r, i),
            |i| t.row(i),
        )?;
        let t = &self.fines;
        refill(
            &mut loan.fines,
            fine.of(k),
            |r, i| t.fill(r, i),
            |i| t.row(i),
        )
    }

    /// Audits the loans of the blocks it takes from `next` until none is left: the
    /// discrepancies of each block, and the counts.
    fn work(
        &self,
        as_of: NaiveDate,
        next: &AtomicUsize,
    ) -> (Vec<(usize, Vec<Discrepancy>)>, AuditSummary) {
        let n = self.loans.id.len();
        let mut scratch = None;
        let mut summary = AuditSummary::default();
        let mut blocks = Vec::new();
        loop {
            let block = next.fetch_add(1, Ordering::Relaxed);
            let from = block.saturating_mul(BLOCK);
            if from >= n {
                break;
            }
            let mut found = Vec::new();
            for k in from..n.min(from + BLOCK) {
                if self.fill(k, &mut scratch).is_none() {
                    continue;
                }
                let Some(loan) = &scratch else { continue };
                let audit = audit_loan(loan, as_of);
                summary.add(&audit);
                found.extend(audit.discrepancies);
            }
            if !found.is_empty() {
                blocks.push((block, found));
            }
        }
        (blocks, summary)
    }

    /// Audits every loan on every available core; discrepancies come in the loans' order.
    pub(super) fn audit(&self, as_of: NaiveDate) -> Found {
        let threads = thread::available_parallelism().map_or(1, |t| t.get());
        let next = AtomicUsize::new(0);
        let parts: Vec<_> = thread::scope(|s| {
            let handles: Vec<_> = (0..threads)
                .map(|_| s.spawn(|| self.work(as_of, &next)))
                .collect();
            handles
                .into_iter()
                .map(|h| {
                    h.join()
                        .unwrap_or_else(|payload| std::panic::resume_unwind(payload))
                })
                .collect()
        });
        let mut summary = AuditSummary::default();
        let mut blocks = Vec::new();
        for (found, counts) in parts {
            summary.merge(&counts);
            blocks.extend(found);
        }
        blocks.sort_unstable_by_key(|(block, _)| *block);
        Found {
            discrepancies: blocks.into_iter().flat_map(|(_, d)| d).collect(),
            summary,
        }
    }
}

//! The direct replay against the account's fold: on random legacy loans — random terms, rows
//! with planted errors, payments of every type, on and off schedule, some refused by the
//! account — both routes must give the identical audit.

use std::cell::Cell;

use chrono::Days;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

use super::*;
use crate::money::parse_date;
use crate::schedule::Installment;

/// One payment row to build: which row it pays, when, how much, of which type.
#[derive(Debug, Clone)]
struct PaymentPlan {
    /// Index of the row it targets; past the rows: an unknown id, or no target.
    row: usize,
    /// Days from that row's due date (negative: early, possibly before the disbursement).
    shift: i64,
    /// How the amount is made (see `components`).
    amount: u8,
    /// Percent of the row's installment for a part of it.
    percent: i64,
    /// Payment type (see `payment_type`).
    kind: u8,
    /// Reversed, when 0.
    reversed: u8,
    /// Loan-level (no target), when 0.
    untargeted: u8,
}

/// A random legacy loan: terms, row edits, payments, fines, audit date.
#[derive(Debug, Clone)]
pub(super) struct Plan {
    principal_paise: i64,
    rate_bp: i64,
    tenure: u32,
    method: u8,
    disbursed: u64,
    first_gap: u64,
    as_of_shift: i64,
    paid_rows: usize,
    edits: Vec<(usize, u8, i64)>,
    payments: Vec<PaymentPlan>,
    fines: Vec<(usize, i64, i64)>,
}

fn payment_plan() -> impl Strategy<Value = PaymentPlan> {
    (
        0_usize..40,
        -12_i64..45,
        0_u8..40,
        1_i64..100,
        0_u8..96,
        0_u8..8,
        0_u8..6,
    )
        .prop_map(
            |(row, shift, amount, percent, kind, reversed, untargeted)| PaymentPlan {
                row,
                shift,
                amount,
                percent,
                kind,
                reversed,
                untargeted,
            },
        )
}

pub(super) fn plan() -> impl Strategy<Value = Plan> {
    (
        (
            100_000_i64..60_000_000,
            0_i64..4_000,
            1_u32..40,
            0_u8..24,
            0_u64..1_500,
            1_u64..75,
            -40_i64..1_400,
            0_usize..40,
        ),
        proptest::collection::vec((0_usize..40, 0_u8..10, -500_i64..500), 0..4),
        proptest::collection::vec(payment_plan(), 0..30),
        proptest::collection::vec((0_usize..45, -100_i64..20_000, 0_i64..20_000), 0..3),
    )
        .prop_map(
            |(
                (
                    principal_paise,
                    rate_bp,
                    tenure,
                    method,
                    disbursed,
                    first_gap,
                    as_of_shift,
                    paid_rows,
                ),
                edits,
                payments,
                fines,
            )| Plan {
                principal_paise,
                rate_bp,
                tenure,
                method,
                disbursed,
                first_gap,
                as_of_shift,
                paid_rows,
                edits,
                payments,
                fines,
            },
        )
}

fn paise(v: i64) -> Money {
    Money::from_decimal(Decimal::new(v, 2))
}

fn shifted(date: NaiveDate, days: i64) -> NaiveDate {
    let n = Days::new(days.unsigned_abs());
    if days < 0 {
        date.checked_sub_days(n).unwrap_or(date)
    } else {
        date.checked_add_days(n).unwrap_or(date)
    }
}

fn interest_type(method: u8) -> &'static str {
    match method {
        0..=13 => "reducing",
        14..=17 => "reducing_monthly",
        18..=22 => "flat",
        _ => "compound",
    }
}

fn payment_type(kind: u8) -> &'static str {
    match kind {
        0..=74 => "emi",
        75..=79 => "advance_payment",
        80..=84 => "adjustment",
        85..=89 => "regular",
        90..=92 => "fine_payment",
        93..=94 => "reversal",
        _ => "part_payment",
    }
}

const STATUSES: &[&str] = &[
    "upcoming", "pending", "partial", "paid", "overdue", "waived", "skipped",
];

/// The (principal, interest) components of a payment: exact installments mostly, then parts,
/// overpayments, the whole loan, nothing, negative, sub-paisa and out-of-range amounts.
fn components(p: &PaymentPlan, row: Option<&Installment>, payable: Money) -> (Money, Money) {
    let (principal, interest) =
        row.map_or((Money::ZERO, Money::ZERO), |r| (r.principal, r.interest));
    let emi = principal.value() + interest.value();
    let part = |percent: i64| {
        Money::from_decimal(
            (emi * Decimal::new(percent, 2))
                .round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero),
        )
    };
    match p.amount {
        0..=24 => (principal, interest),
        25..=30 => (part(p.percent), Money::ZERO),
        31..=33 => (part(300), interest),
        34 => (payable, Money::ZERO),
        35 => (Money::ZERO, Money::ZERO),
        36 => (paise(-100), interest),
        37 => (principal, Money::from_decimal(Decimal::new(5, 3))),
        38 => (paise(100_000_000_000_000), Money::ZERO),
        _ => (paise(1), Money::ZERO),
    }
}

pub(super) fn build(plan: &Plan) -> (LegacyLoan, NaiveDate) {
    let base = parse_date("2023-01-01").unwrap_or_default();
    let disbursed = shifted(base, i64::try_from(plan.disbursed).unwrap_or(0));
    let first_due = shifted(disbursed, i64::try_from(plan.first_gap).unwrap_or(1));
    let as_of = shifted(disbursed, plan.as_of_shift);
    let kind = interest_type(plan.method);
    let mut terms = LoanTerms::new(
        paise(plan.principal_paise),
        Rate::from_percent(Decimal::new(plan.rate_bp, 2)).unwrap_or_default(),
        plan.tenure,
        disbursed,
        first_due,
    );
    terms.method = if kind == "flat" {
        Method::Flat
    } else {
        Method::Reducing
    };
    terms.policy.min_first_due_gap_days = 0;
    terms.policy.max_first_due_gap_days = crate::schedule::MAX_FIRST_DUE_GAP_LIMIT;
    let schedule = generate_schedule(&terms).ok();
    let rows: &[Installment] = schedule.as_ref().map_or(&[], |s| &s.installments);
    let payable = schedule.as_ref().map_or(Money::ZERO, |s| s.totals.payable);

    let mut installments: Vec<LegacyInstallmentRow> = rows
        .iter()
        .map(|r| {
            let paid = (r.number as usize) <= plan.paid_rows;
            LegacyInstallmentRow {
                id: 1000 + i64::from(r.number),
                installment_number: r.number,
                due_date: r.due_on,
                principal_amount: r.principal,
                interest_amount: r.interest,
                emi_amount: r.installment,
                principal_paid: if paid { r.principal } else { Money::ZERO },
                interest_paid: if paid { r.interest } else { Money::ZERO },
                status: if paid { "paid" } else { "upcoming" }.to_owned(),
            }
        })
        .collect();
    for &(at, what, delta) in &plan.edits {
        let Some(row) = installments.get(at % installments.len().max(1)).cloned() else {
            continue;
        };
        let at = at % installments.len();
        match what {
            0 => {
                installments.remove(at);
            }
            1 => installments.push(LegacyInstallmentRow {
                id: 5000 + delta,
                ..row
            }),
            2 | 3 => {
                installments[at].status = STATUSES[at % STATUSES.len()].to_owned();
            }
            4 => {
                installments[at].principal_paid =
                    Money::from_decimal(row.principal_paid.value() + Decimal::new(delta, 2));
            }
            5 => installments.push(LegacyInstallmentRow {
                id: 6000 + delta,
                installment_number: plan.tenure + 1,
                ..row
            }),
            _ => installments[at].interest_paid = Money::ZERO,
        }
    }

    let payments = plan
        .payments
        .iter()
        .zip(1_i64..)
        .map(|(p, id)| {
            let row = rows.get(p.row);
            let due = row.map_or(disbursed, |r| r.due_on);
            let (principal, interest) = components(p, row, payable);
            let installment_id = match (row, p.untargeted, p.row) {
                (Some(r), 1.., _) => Some(1000 + i64::from(r.number)),
                (None, _, 39) => Some(999_999),
                _ => None,
            };
            LegacyPaymentRow {
                id: 100 - id,
                installment_id,
                payment_date: shifted(due, p.shift),
                payment_type: payment_type(p.kind).to_owned(),
                total_amount: Money::from_decimal(principal.value() + interest.value()),
                principal_component: principal,
                interest_component: interest,
                fine_component: Money::ZERO,
                excess_amount: Money::ZERO,
                is_reversed: p.reversed == 0,
            }
        })
        .collect();

    let fines = plan
        .fines
        .iter()
        .zip(1_i64..)
        .map(|(&(row, amount, paid), id)| LegacyFineRow {
            id,
            related_id: 1000 + i64::try_from(row).unwrap_or(0),
            fine_rule_id: Some(1),
            fine_date: shifted(first_due, i64::try_from(row).unwrap_or(0) * 30),
            fine_amount: paise(amount),
            paid_amount: paise(paid.min(amount.max(0))),
            waived_amount: Money::ZERO,
            balance_amount: paise(amount - paid.min(amount.max(0))),
            status: "pending".to_owned(),
        })
        .collect();

    let schedule_emi = schedule.as_ref().and_then(|s| s.emi).unwrap_or_default();
    let totals = schedule.as_ref().map(|s| s.totals);
    let loan = LegacyLoan {
        loan: LegacyLoanRow {
            id: 1,
            loan_number: "LN2023000001".to_owned(),
            principal_amount: terms.principal,
            interest_rate: terms.annual_rate,
            interest_type: kind.to_owned(),
            tenure_months: plan.tenure,
            disbursement_date: disbursed,
            first_emi_date: first_due,
            last_emi_date: schedule.as_ref().map(|s| s.maturity_on),
            emi_amount: schedule_emi,
            total_interest: totals.map_or(Money::ZERO, |t| t.interest),
            total_payable: payable,
            outstanding_principal: terms.principal,
            outstanding_interest: totals.map_or(Money::ZERO, |t| t.interest),
            outstanding_fine: Money::ZERO,
        },
        installments,
        payments,
        fines,
    };
    (loan, as_of)
}

#[test]
fn the_direct_replay_gives_the_audit_of_the_fold() {
    let direct = Cell::new(0_u32);
    let fold = Cell::new(0_u32);
    let mut runner = TestRunner::new(Config {
        cases: 3_000,
        failure_persistence: None,
        ..Config::default()
    });
    let outcome = runner.run(&plan(), |plan| {
        let (loan, as_of) = build(&plan);
        let (by_direct, route) = audit_loan_by(&loan, as_of, Route::Direct);
        let (by_fold, reference) = audit_loan_by(&loan, as_of, Route::Fold);
        prop_assert_eq!(&by_direct, &by_fold);
        prop_assert_eq!(route.is_some(), reference == Some(Route::Fold));
        match route {
            Some(Route::Direct) => direct.set(direct.get() + 1),
            Some(Route::Fold) => fold.set(fold.get() + 1),
            None => {}
        }
        Ok(())
    });
    if let Err(e) = outcome {
        panic!("{e}");
    }
    // Both routes were exercised: the direct replay on most loans, the fold on the loans the
    // account refuses.
    let (direct, fold) = (direct.get(), fold.get());
    assert!(direct > 1_000, "direct replay on {direct} loans only");
    assert!(fold > 150, "fold on {fold} loans only");
}

#[test]
fn plain_emi_payments_take_the_direct_replay() {
    let plan = Plan {
        principal_paise: 10_000_000,
        rate_bp: 1_200,
        tenure: 12,
        method: 0,
        disbursed: 4,
        first_gap: 31,
        as_of_shift: 200,
        paid_rows: 6,
        edits: Vec::new(),
        payments: (0..6)
            .map(|row| PaymentPlan {
                row,
                shift: 0,
                amount: 0,
                percent: 100,
                kind: 0,
                reversed: 1,
                untargeted: 1,
            })
            .collect(),
        fines: Vec::new(),
    };
    let (loan, as_of) = build(&plan);
    let (audit, route) = audit_loan_by(&loan, as_of, Route::Direct);
    assert_eq!(route, Some(Route::Direct));
    assert_eq!(audit, audit_loan_by(&loan, as_of, Route::Fold).0);
    // Six rows paid on time, the stored header never updated.
    let rules: Vec<&str> = audit
        .discrepancies
        .iter()
        .map(|d| d.rule.as_str())
        .collect();
    assert_eq!(rules, ["R_OUTSTANDING_PRINCIPAL", "R_OUTSTANDING_INTEREST"]);
}

#[test]
fn refused_replays_take_the_fold() {
    let mut plan = Plan {
        principal_paise: 10_000_000,
        rate_bp: 1_200,
        tenure: 12,
        method: 0,
        disbursed: 4,
        first_gap: 31,
        as_of_shift: 200,
        paid_rows: 0,
        edits: Vec::new(),
        payments: vec![PaymentPlan {
            row: 0,
            shift: -40,
            amount: 0,
            percent: 100,
            kind: 0,
            reversed: 1,
            untargeted: 1,
        }],
        fines: Vec::new(),
    };
    let (loan, as_of) = build(&plan);
    let (audit, route) = audit_loan_by(&loan, as_of, Route::Direct);
    assert_eq!(route, Some(Route::Fold));
    assert_eq!(
        audit.discrepancies[0].stored.as_deref(),
        Some("E_INVALID_EVENT")
    );
    // A payment after the one that settled everything: the loan is closed.
    plan.payments[0].shift = 0;
    plan.payments[0].amount = 34;
    plan.payments[0].untargeted = 0;
    plan.payments.push(plan.payments[0].clone());
    let (loan, as_of) = build(&plan);
    let (audit, route) = audit_loan_by(&loan, as_of, Route::Direct);
    assert_eq!(route, Some(Route::Fold));
    assert_eq!(
        audit.discrepancies[0].stored.as_deref(),
        Some("E_LOAN_CLOSED")
    );
}

//! Shared generators for the benchmarks (see BENCHMARKS.md).

use chrono::NaiveDate;
use windeep_core::{
    LoanTerms, Money, account::EventBody, account::LoanAccount, account::LoanEvent,
    account::LoanSummary, account::end_of_day, account::fine_snapshot, fines::FineAssessment,
    fines::FineRule, fines::assess_fines, parse_date,
};

/// A reducing loan of ₹2,50,000 at 13.5 % over `tenure` months, disbursed 2026-01-05, with its
/// first `payments` installments paid, the first `fines` of them late with a fine.
///
/// # Panics
/// Never for the sizes the benchmarks use.
#[must_use]
pub fn loan_events(loan_id: &str, tenure: u32, payments: u32, fines: u32) -> Vec<LoanEvent> {
    let disbursed = parse_date("2026-01-05").unwrap();
    let mut terms = LoanTerms::new(
        "250000".parse().unwrap(),
        "13.5".parse().unwrap(),
        tenure,
        disbursed,
        parse_date("2026-02-05").unwrap(),
    );
    terms.policy.max_tenure = 600;
    let schedule = windeep_core::generate_schedule(&terms).unwrap();
    let mut events = vec![LoanEvent {
        id: format!("{loan_id}-d"),
        sequence: 1,
        value_date: disbursed,
        idempotency_key: format!("{loan_id}-d"),
        prev_hash: None,
        hash: None,
        body: EventBody::Disbursed {
            loan_id: loan_id.to_owned(),
            terms: Box::new(terms),
            policy: Default::default(),
            guarantors: vec!["MEMB000001".into()],
            bank_transaction: None,
        },
    }];
    // The first `fines` installments are paid six days late with the fine the daily job
    // levied for them (rule 1: 100 + 10 a day after 5 days' grace → 110); the rest on time.
    let mut seq = 1;
    for row in schedule.installments.iter().take(payments as usize) {
        let late = row.number <= fines;
        let mut amount = row.installment.value();
        let mut paid_on = row.due_on;
        if late {
            seq += 1;
            paid_on = row.due_on + chrono::Days::new(6);
            events.push(event(
                loan_id,
                seq,
                paid_on,
                EventBody::FineLevied {
                    installment: row.number,
                    rule_id: "1".into(),
                    occurrence: 1,
                    amount: "110".parse().unwrap(),
                },
            ));
            amount += rust_decimal::Decimal::from(110);
        }
        seq += 1;
        events.push(event(
            loan_id,
            seq,
            paid_on,
            EventBody::PaymentReceived {
                amount: Money::from_decimal(amount),
                installment: None,
                payment_mode: None,
                bank_transaction: None,
            },
        ));
    }
    events
}

fn event(loan_id: &str, seq: u64, date: NaiveDate, body: EventBody) -> LoanEvent {
    LoanEvent {
        id: format!("{loan_id}-{seq}"),
        sequence: seq,
        value_date: date,
        idempotency_key: format!("{loan_id}-{seq}"),
        prev_hash: None,
        hash: None,
        body,
    }
}

/// The fine rules the end-of-day benchmarks assess: 100 + 10 a day after 5 days' grace,
/// capped at 500.
///
/// # Panics
/// Never: the rules are literals.
#[must_use]
pub fn fine_rules() -> Vec<FineRule> {
    serde_json::from_str(
        r#"[{"id": 1, "applies_to": "loan", "grace_days": 5, "cap": "500",
             "formula": {"kind": "per_day", "initial": "100", "per_day": "10"}}]"#,
    )
    .unwrap()
}

/// One loan's end of day: its summary (status, DPD, dues) and the fines to levy or re-amount.
pub type DayResult = (LoanSummary, Vec<FineAssessment>);

/// End of day over a portfolio, re-folding every loan's events.
#[must_use]
pub fn portfolio_day(
    loans: &[Vec<LoanEvent>],
    day: NaiveDate,
    rules: &[FineRule],
) -> Vec<DayResult> {
    loans
        .iter()
        .map(|events| {
            let summary = end_of_day(events, day).unwrap();
            let snapshot = fine_snapshot(events, day, None).unwrap();
            (summary, assess_fines(&snapshot, rules, day).unwrap())
        })
        .collect()
}

/// End of day over accounts held in memory (folded once when loaded, kept current by
/// [`LoanAccount::push`]).
#[must_use]
pub fn accounts_day(
    accounts: &[LoanAccount],
    day: NaiveDate,
    rules: &[FineRule],
) -> Vec<DayResult> {
    accounts
        .iter()
        .map(|a| {
            let snapshot = a.fine_snapshot(day, None).unwrap();
            (
                a.summary(day).unwrap(),
                assess_fines(&snapshot, rules, day).unwrap(),
            )
        })
        .collect()
}

/// A legacy loan of ₹2,50,000 at 13.5 % over `tenure` months as the legacy tables would hold it
/// when every figure is right, with its first `paid` installments paid on their due dates.
///
/// # Panics
/// Never for the sizes the benchmarks use.
#[must_use]
pub fn legacy_loan(id: i64, tenure: u32, paid: u32) -> windeep_core::audit::LegacyLoan {
    use windeep_core::{
        audit::LegacyInstallmentRow, audit::LegacyLoan, audit::LegacyLoanRow,
        audit::LegacyPaymentRow,
    };
    let disbursed = parse_date("2026-01-05").unwrap();
    let terms = LoanTerms::new(
        "250000".parse().unwrap(),
        "13.5".parse().unwrap(),
        tenure,
        disbursed,
        parse_date("2026-02-05").unwrap(),
    );
    let s = windeep_core::generate_schedule(&terms).unwrap();
    let zero = Money::ZERO;
    let mut installments = Vec::new();
    let mut payments = Vec::new();
    let (mut out_p, mut out_i) = (s.totals.principal.value(), s.totals.interest.value());
    for row in &s.installments {
        let is_paid = row.number <= paid;
        let row_id = id * 1000 + i64::from(row.number);
        installments.push(LegacyInstallmentRow {
            id: row_id,
            installment_number: row.number,
            due_date: row.due_on,
            principal_amount: row.principal,
            interest_amount: row.interest,
            emi_amount: row.installment,
            principal_paid: if is_paid { row.principal } else { zero },
            interest_paid: if is_paid { row.interest } else { zero },
            status: if is_paid { "paid" } else { "upcoming" }.to_owned(),
        });
        if is_paid {
            out_p -= row.principal.value();
            out_i -= row.interest.value();
            payments.push(LegacyPaymentRow {
                id: row_id,
                installment_id: Some(row_id),
                payment_date: row.due_on,
                payment_type: "emi".to_owned(),
                total_amount: row.installment,
                principal_component: row.principal,
                interest_component: row.interest,
                fine_component: zero,
                excess_amount: zero,
                is_reversed: false,
            });
        }
    }
    LegacyLoan {
        loan: LegacyLoanRow {
            id,
            loan_number: format!("LN2026{id:06}"),
            principal_amount: terms.principal,
            interest_rate: terms.annual_rate,
            interest_type: "reducing".to_owned(),
            tenure_months: tenure,
            disbursement_date: disbursed,
            first_emi_date: s.first_due_on,
            last_emi_date: Some(s.maturity_on),
            emi_amount: s.emi.unwrap(),
            total_interest: s.totals.interest,
            total_payable: s.totals.payable,
            outstanding_principal: Money::from_decimal(out_p),
            outstanding_interest: Money::from_decimal(out_i),
            outstanding_fine: zero,
        },
        installments,
        payments,
        fines: Vec::new(),
    }
}

/// A savings account opened on 1 January 2026 with `months` monthly deposits of 2,000 (every
/// third in cash), a withdrawal of 1,500 every sixth month and a quarterly interest credit.
///
/// # Panics
/// Never for the sizes the benchmarks use.
#[must_use]
pub fn savings_account(
    account_id: &str,
    member: &str,
    months: u32,
) -> windeep_core::savings::SavingsAccount {
    use windeep_core::{
        savings::Month, savings::SavingsBody, savings::SavingsEvent, savings::SavingsMode,
    };
    let mut events = Vec::new();
    let mut seq = 0;
    let mut push = |date: NaiveDate, body: SavingsBody| {
        seq += 1;
        events.push(SavingsEvent {
            id: format!("{account_id}-{seq}"),
            sequence: seq,
            value_date: date,
            idempotency_key: format!("{account_id}-{seq}"),
            body,
        });
    };
    let mut month: Month = "2026-01".parse().unwrap();
    for k in 1..=months {
        let mode = if k % 3 == 0 {
            SavingsMode::Cash
        } else {
            SavingsMode::Bank
        };
        push(
            month.day(10),
            SavingsBody::Deposit {
                amount: "2000".parse().unwrap(),
                mode,
                month: None,
            },
        );
        if k % 6 == 0 {
            push(
                month.day(20),
                SavingsBody::Withdrawal {
                    amount: "1500".parse().unwrap(),
                    mode: SavingsMode::Cash,
                },
            );
        }
        if month.quarter_end() == month {
            push(
                month.last_day(),
                SavingsBody::InterestCredited {
                    period: month,
                    amount: "55.25".parse().unwrap(),
                },
            );
        }
        month = month.next();
    }
    serde_json::from_value(serde_json::json!({
        "account_id": account_id, "member": member, "opened_on": "2026-01-01",
        "scheme": {"monthly_amount": "2000", "due_day": 10, "annual_rate": "4"},
        "events": events,
    }))
    .unwrap()
}

/// A books snapshot of `loans` 24-month loans (23 installments paid, 2 of them late with a
/// fine: 26 events each) and `savings` accounts of 24 months (34 events each), on the given
/// basis.
///
/// # Panics
/// Never for the sizes the benchmarks use.
#[must_use]
pub fn books(loans: usize, savings: usize, basis: &str) -> windeep_core::books::Books {
    let mut b: windeep_core::books::Books = serde_json::from_value(serde_json::json!({
        "as_of": "2028-01-31", "config": {"basis": basis}
    }))
    .unwrap();
    b.loans = (0..loans)
        .map(|i| windeep_core::books::BookLoan {
            member: format!("MEMB{i:06}"),
            events: loan_events(&format!("LN{i:08}"), 24, 23, 2),
            stored: Vec::new(),
            npa: Vec::new(),
            cached: None,
            security_value: None,
        })
        .collect();
    b.savings = (0..savings)
        .map(|i| savings_account(&format!("SAV{i:08}"), &format!("MEMB{i:06}"), 24))
        .collect();
    b
}

/// A loan with `count` events: the disbursement of 250,000 at 13.5 % over 60 months and
/// `count - 1` payments of 1.00, spread over the 300 days after the first due date (the
/// shape of a loan fed by many small collections).
///
/// # Panics
/// Never: the terms are literals.
#[must_use]
pub fn many_small_payments(count: u64) -> Vec<LoanEvent> {
    let mut events = loan_events("LN1", 60, 0, 0);
    let first_due = parse_date("2026-02-05").unwrap();
    for seq in 2..=count {
        events.push(event(
            "LN1",
            seq,
            first_due + chrono::Days::new(seq % 300),
            EventBody::PaymentReceived {
                amount: "1.00".parse().unwrap(),
                installment: None,
                payment_mode: None,
                bank_transaction: None,
            },
        ));
    }
    events
}

/// A payment dated before every event of [`many_small_payments`] but the disbursement,
/// appended after them (sequence `count + 1`).
///
/// # Panics
/// Never: the amount is a literal.
#[must_use]
pub fn back_dated_payment(count: u64) -> LoanEvent {
    event(
        "LN1",
        count + 1,
        parse_date("2026-01-20").unwrap(),
        EventBody::PaymentReceived {
            amount: "1000.00".parse().unwrap(),
            installment: None,
            payment_mode: None,
            bank_transaction: None,
        },
    )
}

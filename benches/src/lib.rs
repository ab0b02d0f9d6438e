//! Shared generators for the benchmarks (see BENCHMARKS.md).

use chrono::NaiveDate;
use windeep_core::{
    EventBody, LoanAccount, LoanEvent, LoanSummary, LoanTerms, Money, end_of_day, parse_date,
};

/// A reducing loan of `tenure` months disbursed 2026-01-05 with `payments` on-time EMIs and
/// `fines` fines levied on the first installments.
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
        body: EventBody::Disbursed {
            loan_id: loan_id.to_owned(),
            terms: Box::new(terms),
            policy: Default::default(),
            guarantors: vec!["MEMB000001".into()],
        },
    }];
    let mut seq = 1;
    for row in schedule.installments.iter().take(payments as usize) {
        seq += 1;
        if seq <= u64::from(fines) + 1 {
            events.push(event(
                loan_id,
                seq,
                row.due_on + chrono::Days::new(5),
                EventBody::FineLevied {
                    installment: row.number,
                    rule_id: "FR1".into(),
                    occurrence: 1,
                    amount: "150".parse().unwrap(),
                },
            ));
            seq += 1;
        }
        let amount = row.installment.value()
            + if seq <= 2 * u64::from(fines) + 2 {
                rust_decimal::Decimal::from(150)
            } else {
                rust_decimal::Decimal::ZERO
            };
        events.push(event(
            loan_id,
            seq,
            row.due_on + chrono::Days::new(6),
            EventBody::PaymentReceived {
                amount: Money::from_decimal(amount),
                installment: None,
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
        body,
    }
}

/// End of day over a portfolio: every loan's summary (status, DPD, dues) as of `day`.
#[must_use]
pub fn portfolio_day(loans: &[Vec<LoanEvent>], day: NaiveDate) -> Vec<LoanSummary> {
    loans
        .iter()
        .map(|events| end_of_day(events, day).unwrap())
        .collect()
}

/// End of day over accounts held in memory (folded once when loaded, kept current by
/// [`LoanAccount::push`]).
#[must_use]
pub fn accounts_day(accounts: &[LoanAccount], day: NaiveDate) -> Vec<LoanSummary> {
    accounts.iter().map(|a| a.summary(day).unwrap()).collect()
}

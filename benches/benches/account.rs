//! Loan account replay: a 60-installment loan with 60 payments and 10 fines.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use windeep_benches::{accounts_day, fine_rules, loan_events, portfolio_day};
use windeep_core::account::LoanAccount;
use windeep_core::{account::replay, parse_date};

fn account(c: &mut Criterion) {
    let events = loan_events("LN1", 60, 60, 10);
    let as_of = parse_date("2031-12-31").unwrap();
    c.bench_function("replay/60_installments_60_payments_10_fines", |b| {
        b.iter(|| replay(black_box(&events), as_of).unwrap());
    });
    let loans: Vec<_> = (0..1_000_u32)
        .map(|i| {
            loan_events(
                &format!("LN{i}"),
                24,
                if i.is_multiple_of(5) { 10 } else { 13 },
                2,
            )
        })
        .collect();
    let day = parse_date("2027-02-20").unwrap();
    let rules = fine_rules();
    c.bench_function("end_of_day_refold/1000_loans_24_installments", |b| {
        b.iter(|| portfolio_day(black_box(&loans), day, &rules));
    });
    let accounts: Vec<LoanAccount> = loans
        .iter()
        .map(|e| LoanAccount::new(e.clone()).unwrap())
        .collect();
    c.bench_function("end_of_day_accounts/1000_loans_24_installments", |b| {
        b.iter(|| accounts_day(black_box(&accounts), day, &rules));
    });
}

criterion_group!(benches, account);
criterion_main!(benches);

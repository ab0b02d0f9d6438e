//! Loan account replay: a 60-installment loan with 60 payments and 10 fines.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use windeep_benches::{loan_events, portfolio_day};
use windeep_core::{parse_date, replay};

fn account(c: &mut Criterion) {
    let events = loan_events("LN1", 60, 60, 10);
    let as_of = parse_date("2031-12-31").unwrap();
    c.bench_function("replay/60_installments_60_payments_10_fines", |b| {
        b.iter(|| replay(black_box(&events), as_of).unwrap());
    });
    let loans: Vec<_> = (0..1_000)
        .map(|i| loan_events(&format!("LN{i}"), 24, 12, 2))
        .collect();
    let day = parse_date("2027-02-20").unwrap();
    c.bench_function("end_of_day/1000_loans_24_installments", |b| {
        b.iter(|| portfolio_day(black_box(&loans), day));
    });
}

criterion_group!(benches, account);
criterion_main!(benches);

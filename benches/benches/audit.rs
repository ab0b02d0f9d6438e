//! Audit of one legacy loan: 24 installments, 12 of them paid, every figure right.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use windeep_benches::legacy_loan;
use windeep_core::{audit::audit_loan, parse_date};

fn audit(c: &mut Criterion) {
    let loan = legacy_loan(1, 24, 12);
    let as_of = parse_date("2027-01-20").unwrap();
    assert!(audit_loan(&loan, as_of).discrepancies.is_empty());
    c.bench_function("audit_loan/24_installments_12_payments", |b| {
        b.iter(|| audit_loan(black_box(&loan), as_of));
    });
}

criterion_group!(benches, audit);
criterion_main!(benches);

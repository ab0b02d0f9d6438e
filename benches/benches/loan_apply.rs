//! `loan_apply` (`apply_event`) of a back-dated payment on a loan with 100,000 events: the
//! replay before and after it and the comparison of every earlier allocation.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use windeep_benches::{back_dated_payment, many_small_payments};
use windeep_core::{account::apply_event, parse_date};

const EVENTS: u64 = 100_000;

fn loan_apply(c: &mut Criterion) {
    let events = many_small_payments(EVENTS);
    let event = back_dated_payment(EVENTS);
    let as_of = parse_date("2027-12-31").unwrap();
    let mut group = c.benchmark_group("loan_apply");
    group.sample_size(10);
    group.bench_function("back_dated_payment/100000_events", |b| {
        b.iter(|| apply_event(black_box(&events), black_box(event.clone()), as_of).unwrap());
    });
    group.finish();
}

criterion_group!(benches, loan_apply);
criterion_main!(benches);

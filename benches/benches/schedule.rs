//! Schedule generation: 12, 60 and 360 installments per method, plus the APR.
//!
//! Run with `cargo bench -p windeep-benches --bench schedule`; BENCHMARKS.md records results
//! as nanoseconds per installment.

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use windeep_core::{
    LoanTerms, generate_schedule, parse_date, schedule::Method, schedule::annual_percentage_rate,
};

fn terms(method: Method, tenure: u32) -> LoanTerms {
    let mut t = LoanTerms::new(
        "100000".parse().unwrap(),
        "12".parse().unwrap(),
        tenure,
        parse_date("2026-01-05").unwrap(),
        parse_date("2026-02-05").unwrap(),
    );
    t.method = method;
    t.policy.max_tenure = 600;
    t
}

fn schedules(c: &mut Criterion) {
    let methods = [
        ("reducing", Method::Reducing),
        ("flat", Method::Flat),
        ("equal_principal", Method::EqualPrincipal),
        ("bullet", Method::Bullet),
    ];
    let mut group = c.benchmark_group("schedule");
    for (name, method) in methods {
        for tenure in [12_u32, 60, 360] {
            let t = terms(method, tenure);
            group.throughput(Throughput::Elements(u64::from(tenure)));
            group.bench_with_input(BenchmarkId::new(name, tenure), &t, |b, t| {
                b.iter(|| generate_schedule(black_box(t)).unwrap());
            });
        }
    }
    group.finish();

    // The `schedule` operation as every binding calls it: rows plus the KFS APR.
    let mut group = c.benchmark_group("schedule_with_apr");
    for (name, method) in methods {
        for tenure in [12_u32, 60, 360] {
            let t = terms(method, tenure);
            group.throughput(Throughput::Elements(u64::from(tenure)));
            group.bench_with_input(BenchmarkId::new(name, tenure), &t, |b, t| {
                b.iter(|| windeep_ops::schedule(black_box(t)).unwrap());
            });
        }
    }
    group.finish();

    let mut group = c.benchmark_group("apr");
    for tenure in [12_u32, 60, 360] {
        let s = generate_schedule(&terms(Method::Reducing, tenure)).unwrap();
        group.throughput(Throughput::Elements(u64::from(tenure)));
        group.bench_with_input(BenchmarkId::new("reducing", tenure), &s, |b, s| {
            b.iter(|| annual_percentage_rate(black_box(s), 2).unwrap());
        });
    }
    group.finish();

    // The earlier bisection, measured in the same run as the fast APR above.
    let mut group = c.benchmark_group("apr_bisection");
    for tenure in [12_u32, 60, 360] {
        let s = generate_schedule(&terms(Method::Reducing, tenure)).unwrap();
        group.throughput(Throughput::Elements(u64::from(tenure)));
        group.bench_with_input(BenchmarkId::new("reducing", tenure), &s, |b, s| {
            b.iter(|| {
                windeep_core::schedule::annual_percentage_rate_by_bisection(black_box(s), 2)
                    .unwrap()
            });
        });
    }
    group.finish();

    let mut group = c.benchmark_group("call_json");
    let input = r#"{"principal": "100000", "annual_rate": "12", "tenure": 12,
        "disbursed_on": "2026-01-05", "first_due_on": "2026-02-05"}"#;
    group.bench_function("schedule_12_with_apr", |b| {
        b.iter(|| windeep_ops::call_json("schedule", black_box(input)).unwrap());
    });
    group.finish();
}

criterion_group!(benches, schedules);
criterion_main!(benches);

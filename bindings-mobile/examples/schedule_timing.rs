//! Times a 12-row schedule through the binding's Rust functions (`call` and the typed
//! `schedule`), the counterpart of `tests/kotlin/Timing.kt` for BENCHMARKS.md.
//! `cargo run --release -p windeep-mobile --example schedule_timing`
#![allow(clippy::print_stdout)]

use std::time::Instant;

use windeep_mobile::typed::{Amount, IsoDate, ScheduleRequest, schedule};

const INPUT: &str = r#"{"principal": "100000", "annual_rate": "12", "tenure": 12,
    "disbursed_on": "2026-01-05", "first_due_on": "2026-02-05"}"#;

fn request() -> ScheduleRequest {
    ScheduleRequest {
        principal: Amount("100000".into()),
        annual_rate: Amount("12".into()),
        tenure: 12,
        disbursed_on: IsoDate("2026-01-05".into()),
        first_due_on: IsoDate("2026-02-05".into()),
        method: None,
        frequency: None,
    }
}

/// Nanoseconds per call of `f`, over `n` calls after `n / 10` warm-up calls.
fn per_call(n: u32, mut f: impl FnMut()) -> u128 {
    for _ in 0..n / 10 {
        f();
    }
    let start = Instant::now();
    for _ in 0..n {
        f();
    }
    start.elapsed().as_nanos() / u128::from(n)
}

fn main() -> Result<(), windeep_mobile::WindeepException> {
    assert_eq!(schedule(request())?.installments.len(), 12);
    let n = 20_000;
    let json = per_call(n, || {
        let _ = windeep_mobile::call("schedule".into(), INPUT.into());
    });
    let typed = per_call(n, || {
        let _ = schedule(request());
    });
    println!("rust call(\"schedule\") 12 rows: {json} ns/call ({n} calls)");
    println!("rust typed schedule     12 rows: {typed} ns/call ({n} calls)");
    Ok(())
}

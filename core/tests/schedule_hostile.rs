//! Hostile schedule terms: every one is refused (or computed) with its code, quickly.

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use windeep_ops as ops;

fn base() -> Value {
    json!({"principal": "100000", "annual_rate": "12", "tenure": 12,
           "disbursed_on": "2026-01-05", "first_due_on": "2026-02-05"})
}

fn with(edits: &[(&str, Value)]) -> String {
    let mut v = base();
    for (k, val) in edits {
        v[*k] = val.clone();
    }
    v.to_string()
}

/// Runs the `schedule` operation and returns its code (`"OK"` on success) and how long it took.
fn run(input: &str) -> (String, Duration) {
    let start = Instant::now();
    let code = match ops::call("schedule", input) {
        Ok(_) => "OK".to_owned(),
        Err(e) => e.code().to_owned(),
    };
    (code, start.elapsed())
}

fn assert_code(input: &str, want: &str) {
    let (got, took) = run(input);
    assert_eq!(got, want, "{input}");
    // Generous for a shared machine: each of these is microseconds to milliseconds of work.
    assert!(took < Duration::from_secs(2), "{input} took {took:?}");
}

#[test]
fn sizes_and_ranges_are_bounded_before_work() {
    let big_policy = json!({"max_tenure": 10000});
    assert_code(
        &with(&[
            ("tenure", json!(10001)),
            ("policy", json!({"max_tenure": 10001})),
        ]),
        "E_INVALID_POLICY",
    );
    assert_code(
        &with(&[("tenure", json!(u64::from(u32::MAX) + 1))]),
        "E_INVALID_INPUT",
    );
    assert_code(&with(&[("tenure", json!(601))]), "E_TENURE_EXCEEDS_POLICY");
    // 10,000 weekly rows from 9900 end past 9999: refused before any row.
    assert_code(
        &with(&[
            ("tenure", json!(10000)),
            ("policy", big_policy.clone()),
            ("frequency", json!("weekly")),
            ("disbursed_on", json!("9900-01-01")),
            ("first_due_on", json!("9900-01-08")),
        ]),
        "E_DATE_OUT_OF_RANGE",
    );
    // The largest schedule allowed is computed, APR included, well within the bound.
    assert_code(
        &with(&[
            ("tenure", json!(10000)),
            ("policy", big_policy),
            ("frequency", json!("weekly")),
            ("annual_rate", json!("1")),
        ]),
        "OK",
    );
    assert_code(
        &with(&[("policy", json!({"max_first_due_gap_days": 3661}))]),
        "E_INVALID_POLICY",
    );
}

#[test]
fn rates_and_increments_have_ranges() {
    assert_code(
        &with(&[("policy", json!({"max_annual_rate": "1000.00000001"}))]),
        "E_INVALID_POLICY",
    );
    assert_code(
        &with(&[("policy", json!({"max_annual_rate": "-1"}))]),
        "E_INVALID_POLICY",
    );
    assert_code(
        &with(&[
            ("policy", json!({"max_annual_rate": "1000"})),
            ("annual_rate", json!("1000")),
        ]),
        "OK",
    );
    assert_code(
        &with(&[("annual_rate", json!("100.01"))]),
        "E_RATE_EXCEEDS_CAP",
    );
    assert_code(&with(&[("annual_rate", json!("-0.01"))]), "E_NEGATIVE_RATE");
    for inc in ["1000000000000", "1000.01", "1000000000000000000000000000"] {
        assert_code(
            &with(&[("rounding", json!({"increment": inc, "mode": "half_up"}))]),
            "E_INVALID_ROUNDING",
        );
    }
    assert_code(
        &with(&[(
            "emi_rounding",
            json!({"increment": "1000000000000", "mode": "up"}),
        )]),
        "E_INVALID_ROUNDING",
    );
    for pct in ["-0.01", "100.01"] {
        assert_code(
            &with(&[(
                "processing_fee",
                json!({"kind": "percentage", "value": pct}),
            )]),
            "E_INVALID_FEE",
        );
    }
}

#[test]
fn amounts_too_long_and_too_small() {
    assert_code(
        &with(&[("principal", json!(format!("1{}", "0".repeat(40))))]),
        "E_AMOUNT_OUT_OF_RANGE",
    );
    assert_code(
        &with(&[("principal", json!("9".repeat(100_000)))]),
        "E_AMOUNT_OUT_OF_RANGE",
    );
    assert_code(
        &with(&[("principal", json!("0.05"))]),
        "E_EMI_ROUNDS_TO_ZERO",
    );
    assert_code(
        &with(&[("principal", json!("0.05")), ("method", json!("flat"))]),
        "E_EMI_ROUNDS_TO_ZERO",
    );
    // One installment: the single row repays the principal whatever its size.
    assert_code(
        &with(&[("principal", json!("0.01")), ("tenure", json!(1))]),
        "OK",
    );
}

#[test]
fn long_tenure_reports_the_emi_not_an_overflow() {
    assert_code(
        &with(&[
            ("tenure", json!(5000)),
            ("policy", json!({"max_tenure": 10000})),
            ("frequency", json!("weekly")),
            ("annual_rate", json!("100")),
            ("first_due_on", json!("2026-01-12")),
        ]),
        "E_EMI_BELOW_INTEREST",
    );
    assert_code(
        &with(&[
            ("tenure", json!(10000)),
            (
                "policy",
                json!({"max_tenure": 10000, "max_annual_rate": "1000"}),
            ),
            ("annual_rate", json!("1000")),
            ("frequency", json!("weekly")),
            ("first_due_on", json!("2026-01-12")),
            ("principal", json!("1000000000000")),
        ]),
        "E_EMI_BELOW_INTEREST",
    );
}

#[test]
fn apr_can_be_skipped() {
    let out: Value = ops::call("schedule", &with(&[("apr", json!(false))])).unwrap();
    assert_eq!(out["apr"], Value::Null);
    assert_eq!(out["emi"], "8884.88");
    assert_code(&with(&[("apr", json!("no"))]), "E_INVALID_INPUT");
}

//! Whole schedules as reviewed snapshots (`core/tests/snapshots/`).

use windeep_ops as ops;

fn schedule(input: &str) -> serde_json::Value {
    ops::call("schedule", input).unwrap()
}

#[test]
fn reducing_100k_12pct_12m() {
    insta::assert_json_snapshot!(schedule(
        r#"{"principal": "100000", "annual_rate": "12", "tenure": 12,
            "disbursed_on": "2026-01-05", "first_due_on": "2026-02-05"}"#
    ));
}

#[test]
fn flat_10k_10pct_7m_remainders_in_last_row() {
    insta::assert_json_snapshot!(schedule(
        r#"{"principal": "10000", "annual_rate": "10", "tenure": 7, "method": "flat",
            "disbursed_on": "2026-01-05", "first_due_on": "2026-02-05"}"#
    ));
}

#[test]
fn equal_principal_weekly_actual_365_broken_period_added_to_first() {
    insta::assert_json_snapshot!(schedule(
        r#"{"principal": "25000", "annual_rate": "18.5", "tenure": 10, "method": "equal_principal",
            "frequency": "weekly", "interest_basis": "actual_365", "broken_period": "add_to_first",
            "disbursed_on": "2026-03-02", "first_due_on": "2026-03-12"}"#
    ));
}

#[test]
fn reducing_rupee_emi_fee_grace_month_end_anchor() {
    insta::assert_json_snapshot!(schedule(
        r#"{"principal": "250000", "annual_rate": "13.25", "tenure": 8, "principal_grace": 2,
            "interest_grace": 1, "emi_rounding": {"increment": "1", "mode": "half_up"},
            "processing_fee": {"kind": "percentage", "value": "1.5"},
            "interest_basis": "actual_actual", "broken_period": "deduct_upfront",
            "disbursed_on": "2027-12-10", "first_due_on": "2028-01-31"}"#
    ));
}

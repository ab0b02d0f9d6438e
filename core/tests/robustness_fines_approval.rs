//! `assess_fines` and `approve_loan` never panic: every golden input, with any of its values
//! replaced by an extreme or ill-typed one, is answered or refused with a known code.

mod common;

use std::sync::OnceLock;

use proptest::prelude::*;
use serde_json::{Value, json};
use windeep_core::CoreError;
use windeep_ops as ops;

/// The inputs of every fixture of the two operations, read once.
fn inputs() -> &'static [(String, Value)] {
    static INPUTS: OnceLock<Vec<(String, Value)>> = OnceLock::new();
    INPUTS.get_or_init(|| common::fixture_inputs(&["fines", "approval"]))
}

fn extreme() -> Vec<Value> {
    vec![
        json!("0"),
        json!("-1"),
        json!("0.001"),
        json!("1000000000000"),
        json!("79228162514264337593543950335"),
        json!("0.0000000000000000000000000001"),
        json!("1e5"),
        json!(""),
        json!("9999-12-31"),
        json!("0001-01-01"),
        json!("2026-02-29"),
        json!(0),
        json!(1),
        json!(u32::MAX),
        json!(u64::MAX),
        json!(-1),
        json!(1.5),
        json!(null),
        json!(true),
        json!([]),
        json!({}),
        json!("E_APPROVAL_TENURE_ABOVE_MAX"),
        json!("savings"),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn mutated_inputs_never_panic(
        case in any::<prop::sample::Index>(),
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<prop::sample::Index>()), 1..4),
    ) {
        let all = inputs();
        let (op, mut input) = all[case.index(all.len())].clone();
        common::mutate(&mut input, &edits, &extreme());
        match ops::call(&op, &input.to_string()) {
            Ok(out) => prop_assert!(out.is_object()),
            Err(e) => prop_assert!(CoreError::CODES.contains(&e.code()), "unknown code {}", e.code()),
        }
    }
}

#[test]
fn far_dates_and_huge_windows_are_refused_with_a_code() {
    let rules = [
        json!({"id": 1, "applies_to": "loan", "max_days": u32::MAX,
               "formula": {"kind": "per_day", "initial": "1000000000000",
                           "per_day": "1000000000000"}}),
        json!({"id": 2, "applies_to": "loan", "cap": "0.01",
               "formula": {"kind": "percentage", "percent": "100",
                           "recur_every_days": u32::MAX}}),
        json!({"id": 3, "applies_to": "loan", "grace_days": u32::MAX,
               "formula": {"kind": "slab", "slabs": [{"from_days": u32::MAX, "amount": "1"}]}}),
    ];
    let code = |due: &str, as_of: &str, rule: &Value| {
        let input = json!({
            "as_of": as_of,
            "snapshot": {"loan_id": "L", "installments": [
                {"number": 1, "due_on": due, "unpaid_principal": "1000000000000",
                 "unpaid_interest": "1000000000000"}]},
            "rules": [rule]
        });
        let start = std::time::Instant::now();
        let out = ops::call("assess_fines", &input.to_string());
        assert!(start.elapsed() < std::time::Duration::from_secs(2));
        out.map_or_else(|e| e.code().to_owned(), |o| o.to_string())
    };
    // 3,652,058 days late (year 0001 to 9999) is beyond the 36,525-day limit, whatever the rule.
    for rule in &rules {
        assert_eq!(
            code("0001-01-01", "9999-12-31", rule),
            "E_FINE_LIMIT_EXCEEDED"
        );
    }
    // Within the limit, each rule's out-of-range day field is refused.
    for rule in &rules {
        assert_eq!(
            code("2026-01-05", "2026-03-01", rule),
            "E_INVALID_FINE_RULE"
        );
    }
    // A per-day fine of 10^12 + 10^12 × 54 days is above the 10^12 ceiling: refused, never
    // stored (it reached 3.65e18 before the limits).
    let per_day = json!({"id": 1, "applies_to": "loan",
        "formula": {"kind": "per_day", "initial": "1000000000000", "per_day": "1000000000000"}});
    assert_eq!(
        code("2026-01-05", "2026-03-01", &per_day),
        "E_AMOUNT_OUT_OF_RANGE"
    );
}

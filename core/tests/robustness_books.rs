//! The books operations never panic: every golden input of `fixtures/books/`, with any of its
//! values replaced by an extreme or ill-typed one, is answered or refused with a known code.

mod common;

use std::sync::OnceLock;

use proptest::prelude::*;
use serde_json::{Value, json};
use windeep_core::CoreError;
use windeep_ops as ops;

fn inputs() -> &'static [(String, Value)] {
    static INPUTS: OnceLock<Vec<(String, Value)>> = OnceLock::new();
    INPUTS.get_or_init(|| {
        let mut all = common::fixture_inputs(&["books"]);
        // The largest snapshots make a slow debug build slower still; the rest cover every
        // operation.
        all.retain(|(_, input)| input.to_string().len() < 400_000);
        all
    })
}

fn extreme() -> Vec<Value> {
    vec![
        json!("0"),
        json!("-1"),
        json!("0.001"),
        json!("1000000000000"),
        json!("-1000000000000"),
        json!("79228162514264337593543950335"),
        json!(""),
        json!("/"),
        json!("close"),
        json!("9999-12-31"),
        json!("0001-01-01"),
        json!("9999-12"),
        json!("0001-01"),
        json!(0),
        json!(u32::MAX),
        json!(u64::MAX),
        json!(-1),
        json!(null),
        json!(true),
        json!([]),
        json!({}),
        json!("accrual"),
        json!("2101"),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

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
fn a_century_of_savings_is_the_limit() {
    let account = json!({"account_id": "S1", "member": "M1", "opened_on": "0001-01-01",
        "scheme": {"monthly_amount": "1", "annual_rate": "4"},
        "events": [{"id": "d", "sequence": 1, "value_date": "0001-01-01",
                    "idempotency_key": "d", "body": {"type": "deposit", "amount": "1"}}]});
    let input = json!({"account": account.clone(), "through": "9999-12-31"});
    let err = ops::call("savings_interest", &input.to_string()).unwrap_err();
    assert_eq!(err.code(), "E_INVALID_INPUT");
    let input = json!({"account": account, "as_of": "9999-12-31"});
    let err = ops::call("savings_schedule", &input.to_string()).unwrap_err();
    assert_eq!(err.code(), "E_INVALID_INPUT");
}

//! The books operations never panic: every golden input of `fixtures/books/`, with any of its
//! values replaced by an extreme or ill-typed one, is answered or refused with a known code.

use std::path::Path;
use std::sync::OnceLock;

use proptest::prelude::*;
use serde_json::{Value, json};
use windeep_core::{CoreError, ops};

fn inputs() -> &'static [(String, Value)] {
    static INPUTS: OnceLock<Vec<(String, Value)>> = OnceLock::new();
    INPUTS.get_or_init(|| {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/books");
        let mut files: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        files.sort();
        files
            .into_iter()
            .map(|f| {
                let case: Value =
                    serde_json::from_str(&std::fs::read_to_string(f).unwrap()).unwrap();
                (
                    case["operation"].as_str().unwrap().to_owned(),
                    case["input"].clone(),
                )
            })
            // The largest snapshots make a slow debug build slower still; the rest cover
            // every operation.
            .filter(|(_, input)| input.to_string().len() < 400_000)
            .collect()
    })
}

fn paths(v: &Value, at: String, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                let p = format!("{at}/{k}");
                out.push(p.clone());
                paths(x, p, out);
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                let p = format!("{at}/{i}");
                out.push(p.clone());
                paths(x, p, out);
            }
        }
        _ => {}
    }
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
        let pool = extreme();
        for (where_, what) in edits {
            let mut ps = Vec::new();
            paths(&input, String::new(), &mut ps);
            if ps.is_empty() {
                break;
            }
            let p = &ps[where_.index(ps.len())];
            if let Some(slot) = input.pointer_mut(p) {
                *slot = pool[what.index(pool.len())].clone();
            }
        }
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

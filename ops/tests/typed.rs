//! The typed output of every golden case: the same JSON as `ops::call`, with every date and
//! every decimal marked.

#[path = "../../core/tests/common/mod.rs"]
mod common;

use std::collections::BTreeSet;

use serde_json::Value;
use windeep_ops as ops;
use windeep_ops::typed::Typed;

/// Every golden case as (name, operation, input text).
fn cases() -> Vec<(String, String, String)> {
    let root = common::fixtures_root();
    let files = common::all_fixture_files();
    assert!(
        files.len() > 100,
        "fixtures not found under {}",
        root.display()
    );
    files
        .iter()
        .map(|path| {
            let case: Value =
                serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
            (
                path.strip_prefix(&root).unwrap().display().to_string(),
                case["operation"].as_str().unwrap().to_owned(),
                case["input"].to_string(),
            )
        })
        .collect()
}

#[test]
fn typed_output_is_the_json_output_of_every_fixture() {
    let mut ops_seen = BTreeSet::new();
    for (name, op, input) in cases() {
        if !cfg!(feature = "bank") && op.starts_with("bank_") {
            continue; // not in a build without the bank feature
        }
        ops_seen.insert(op.clone());
        match (ops::call(&op, &input), ops::call_typed(&op, &input)) {
            (Ok(json), Ok(typed)) => assert_eq!(typed.to_json(), json, "{name}"),
            (Err(a), Err(b)) => {
                assert_eq!(a.code(), b.code(), "{name}");
                assert_eq!(a.to_string(), b.to_string(), "{name}");
            }
            (a, b) => panic!("{name}: call gave {a:?}, call_typed gave {b:?}"),
        }
    }
    let all: BTreeSet<String> = ops::OPERATIONS.iter().map(|s| (*s).to_owned()).collect();
    assert_eq!(ops_seen, all, "every operation has a fixture");
}

#[test]
fn an_unknown_operation_is_the_same_error() {
    let a = ops::call("nope", "{}").unwrap_err();
    let b = ops::call_typed("nope", "{}").unwrap_err();
    assert_eq!((a.code(), a.to_string()), (b.code(), b.to_string()));
}

/// Every plain string in `t` with the path to it.
fn plain_strings<'a>(t: &'a Typed, path: &str, out: &mut Vec<(String, &'a str)>) {
    match t {
        Typed::Str(s) => out.push((path.to_owned(), s)),
        Typed::List(items) => items
            .iter()
            .for_each(|i| plain_strings(i, &format!("{path}[]"), out)),
        Typed::Map(entries) => entries
            .iter()
            .for_each(|(k, v)| plain_strings(v, &format!("{path}.{k}"), out)),
        _ => {}
    }
}

/// Field paths whose strings may look like a decimal or a date but are text on purpose.
const TEXT_FIELDS: &[&str] = &[
    // A refusal's bound and value, written for people: an amount, a count, a rate, a day gap
    // or a word such as "active", depending on the refusal's code.
    "approve_loan.refusals[].limit",
    "approve_loan.refusals[].actual",
    // A discrepancy's stored and correct values, as the legacy tables spell them: amounts,
    // dates and statuses alike.
    "audit_loan.discrepancies[].stored",
    "audit_loan.discrepancies[].correct",
    // Money or a date by the pair's `kind`, written as text like a discrepancy's values.
    "audit_loan_detail.header[].stored",
    "audit_loan_detail.header[].correct",
];

#[test]
fn no_date_or_decimal_is_left_a_plain_string() {
    let mut found = BTreeSet::new();
    for (_, op, input) in cases() {
        let Ok(out) = ops::call_typed(&op, &input) else {
            continue;
        };
        let mut strings = Vec::new();
        plain_strings(&out, &op, &mut strings);
        for (path, s) in strings {
            let date = windeep_core::parse_date(s).is_ok();
            let decimal = s.contains('.') && s.parse::<windeep_core::Money>().is_ok();
            if (date || decimal) && !TEXT_FIELDS.contains(&path.as_str()) {
                found.insert(format!("{path} = {s:?}"));
            }
        }
    }
    assert!(
        found.is_empty(),
        "unmarked values:\n{}",
        found.into_iter().collect::<Vec<_>>().join("\n")
    );
}

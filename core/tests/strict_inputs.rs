//! Every operation refuses an unknown field at every depth of its input and a key given twice,
//! walked over the inputs of the golden fixtures: at each distinct object position (array
//! indices folded) of each operation, one unknown field is injected, or the object's first key
//! is repeated with another value.

mod common;

use std::collections::BTreeSet;

use serde_json::Value;
use windeep_ops as ops;

/// The JSON paths of every object in `v`, with the path folded for de-duplication.
fn objects(v: &Value, path: &mut Vec<String>, out: &mut Vec<(Vec<String>, String)>) {
    match v {
        Value::Object(map) => {
            let folded = path
                .iter()
                .map(|p| if p.parse::<usize>().is_ok() { "*" } else { p })
                .collect::<Vec<_>>()
                .join("/");
            out.push((path.clone(), folded));
            for (k, child) in map {
                path.push(k.clone());
                objects(child, path, out);
                path.pop();
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                path.push(i.to_string());
                objects(child, path, out);
                path.pop();
            }
        }
        _ => {}
    }
}

fn at<'a>(v: &'a mut Value, path: &[String]) -> &'a mut Value {
    path.iter().fold(v, |v, p| match v {
        Value::Array(items) => &mut items[p.parse::<usize>().unwrap()],
        other => &mut other[p.as_str()],
    })
}

/// The cases: (operation, input, every object position once per operation).
fn positions() -> Vec<(String, String, Value, Vec<String>, bool)> {
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for path in common::all_fixture_files() {
        let case: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let op = case["operation"].as_str().unwrap().to_owned();
        let mut found = Vec::new();
        objects(&case["input"], &mut Vec::new(), &mut found);
        for (p, folded) in found {
            if seen.insert((op.clone(), folded.clone())) {
                out.push((
                    op.clone(),
                    path.display().to_string(),
                    case["input"].clone(),
                    p,
                    case.get("expected_error").is_some(),
                ));
            }
        }
    }
    out
}

#[test]
fn an_unknown_field_is_refused_at_every_depth_of_every_operation() {
    let mut accepted = Vec::new();
    let cases = positions();
    let ops_seen: BTreeSet<&str> = cases.iter().map(|c| c.0.as_str()).collect();
    for (op, file, input, path, refused) in &cases {
        let original = input;
        let mut input = input.clone();
        at(&mut input, path)
            .as_object_mut()
            .unwrap()
            .insert("zz_unknown_field".to_owned(), Value::from("1"));
        if op == "verify_chain" && path.first().is_some_and(|p| p == "events") {
            // A stored event is hashed as received: an added member is not refused but must
            // change the report (the tampered event is found).
            let before = ops::call(op, &original.to_string()).map_err(|e| e.code());
            let after = ops::call(op, &input.to_string()).map_err(|e| e.code());
            if before.is_err() || before == after {
                accepted.push(format!(
                    "{op} /{} ({file}): tamper not detected",
                    path.join("/")
                ));
            }
            continue;
        }
        match ops::call(op, &input.to_string()) {
            Err(e) if e.code() == "E_INVALID_INPUT" => {}
            // a case refused anyway may be refused first for its own reason
            Err(_) if *refused => {}
            other => accepted.push(format!(
                "{op} /{} ({file}): {:?}",
                path.join("/"),
                other.map(|_| "accepted").map_err(|e| e.code())
            )),
        }
    }
    assert!(
        accepted.is_empty(),
        "{} of {} positions did not refuse an unknown field:\n{}",
        accepted.len(),
        cases.len(),
        accepted.join("\n")
    );
    assert!(
        ops_seen.len() >= 25,
        "only {} operations walked",
        ops_seen.len()
    );
}

/// The object at `path` written with its first key twice: first a different value, then the
/// real one (serde_json's maps would keep the last).
fn with_repeated_key(v: &Value, path: &[String], here: &mut Vec<String>) -> String {
    match v {
        Value::Object(map) => {
            let mut parts = Vec::new();
            if here == path
                && let Some((k, _)) = map.iter().next()
            {
                parts.push(format!("{}:\"9000.00\"", Value::from(k.clone())));
            }
            for (k, child) in map {
                here.push(k.clone());
                parts.push(format!(
                    "{}:{}",
                    Value::from(k.clone()),
                    with_repeated_key(child, path, here)
                ));
                here.pop();
            }
            format!("{{{}}}", parts.join(","))
        }
        Value::Array(items) => {
            let mut parts = Vec::new();
            for (i, child) in items.iter().enumerate() {
                here.push(i.to_string());
                parts.push(with_repeated_key(child, path, here));
                here.pop();
            }
            format!("[{}]", parts.join(","))
        }
        other => other.to_string(),
    }
}

#[test]
fn a_repeated_key_is_refused_at_every_depth_of_every_operation() {
    let mut accepted = Vec::new();
    let cases = positions();
    for (op, file, input, path, refused) in &cases {
        if at(&mut input.clone(), path)
            .as_object()
            .is_none_or(|m| m.is_empty())
        {
            continue;
        }
        let text = with_repeated_key(input, path, &mut Vec::new());
        match ops::call(op, &text) {
            Err(e) if e.code() == "E_INVALID_INPUT" => {}
            Err(_) if *refused => {}
            other => accepted.push(format!(
                "{op} /{} ({file}): {:?}",
                path.join("/"),
                other.map(|_| "accepted").map_err(|e| e.code())
            )),
        }
    }
    assert!(
        accepted.is_empty(),
        "{} positions did not refuse a repeated key:\n{}",
        accepted.len(),
        accepted.join("\n")
    );
}

#[test]
fn post_event_refuses_a_repeated_amount() {
    let err = ops::call(
        "post_event",
        r#"{"books": {}, "event": {"amount":"9000.00","amount":"1.00"}}"#,
    )
    .unwrap_err();
    assert_eq!(err.code(), "E_INVALID_INPUT");
    assert!(err.to_string().contains("twice"), "{err}");
}

#[test]
fn deep_nesting_is_refused_with_the_core_code() {
    for op in ops::OPERATIONS {
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        let err = ops::call(op, &deep).unwrap_err();
        assert_eq!(err.code(), "E_INVALID_INPUT", "{op}");
        let deep = format!("{}1{}", "{\"a\":".repeat(10_000), "}".repeat(10_000));
        let err = ops::call(op, &deep).unwrap_err();
        assert_eq!(err.code(), "E_INVALID_INPUT", "{op}");
    }
}

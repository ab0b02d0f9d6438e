//! The registry is the one list of operations: names unique, every declared error code a real
//! one, every golden case's error code declared by its operation.

#[path = "../../core/tests/common/mod.rs"]
mod common;

use std::collections::BTreeSet;

use serde_json::Value;
use windeep_core::CoreError;
use windeep_ops::{OPERATIONS, REGISTRY, operation};

#[test]
fn the_registry_and_the_operation_list_agree() {
    let names: Vec<&str> = REGISTRY.iter().map(|o| o.name).collect();
    assert_eq!(names, OPERATIONS);
    let unique: BTreeSet<&str> = names.iter().copied().collect();
    assert_eq!(unique.len(), names.len(), "an operation is declared twice");
    for op in REGISTRY {
        assert!(
            !op.doc.is_empty() && op.doc.ends_with('.'),
            "{}: doc",
            op.name
        );
        assert!(!op.area.is_empty(), "{}: area", op.name);
        assert!(!op.errors().is_empty(), "{}: no error codes", op.name);
    }
}

#[test]
fn every_declared_code_is_a_code_of_the_core() {
    for op in REGISTRY {
        for group in op.error_groups {
            for code in *group {
                assert!(
                    CoreError::CODES.contains(code),
                    "{}: {code} is not a code",
                    op.name
                );
            }
        }
    }
}

#[test]
fn every_golden_error_is_declared_by_its_operation() {
    let mut undeclared = Vec::new();
    for path in common::all_fixture_files() {
        let case: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let Some(code) = case["expected_error"]["code"].as_str() else {
            continue;
        };
        let op = operation(case["operation"].as_str().unwrap()).unwrap();
        if !op.errors().contains(&code) {
            undeclared.push(format!("{}: {} returns {code}", path.display(), op.name));
        }
    }
    assert!(undeclared.is_empty(), "{}", undeclared.join("\n"));
}

#[test]
fn an_unknown_name_is_refused_with_its_code() {
    let err = windeep_ops::call("no_such_operation", "{}").unwrap_err();
    assert_eq!(err.code(), "E_UNKNOWN_OPERATION");
}

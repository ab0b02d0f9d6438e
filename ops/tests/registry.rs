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
        let name = case["operation"].as_str().unwrap();
        if !cfg!(feature = "bank") && name.starts_with("bank_") {
            continue; // not in a build without the bank feature
        }
        let op = operation(name).unwrap();
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

/// The operations of the `bank` feature (the core's `bank` module).
const BANK_OPERATIONS: &[&str] = &[
    "bank_import",
    "bank_match",
    "bank_split",
    "bank_unmap",
    "bank_ignore",
    "bank_reconcile",
];

#[test]
fn the_bank_operations_are_in_the_registry_exactly_with_the_bank_feature() {
    let in_area: Vec<&str> = REGISTRY
        .iter()
        .filter(|o| o.area == "bank")
        .map(|o| o.name)
        .collect();
    if cfg!(feature = "bank") {
        assert_eq!(in_area, BANK_OPERATIONS);
    } else {
        assert!(in_area.is_empty(), "{in_area:?}");
        for name in BANK_OPERATIONS {
            assert!(operation(name).is_none(), "{name}");
            let err = windeep_ops::call(name, "{}").unwrap_err();
            assert_eq!(err.code(), "E_UNKNOWN_OPERATION", "{name}");
            assert!(err.to_string().contains(name), "{err}");
        }
    }
    // Every other operation is there either way.
    assert_eq!(
        OPERATIONS.len(),
        REGISTRY.iter().filter(|o| o.area != "bank").count()
            + if cfg!(feature = "bank") {
                BANK_OPERATIONS.len()
            } else {
                0
            }
    );
    assert!(operation("schedule").is_some() && operation("loan_statement").is_some());
}

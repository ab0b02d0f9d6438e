//! Replays every golden case in `fixtures/` through the JSON operation interface.

#[path = "../../core/tests/common/mod.rs"]
mod common;

use serde_json::Value;
use windeep_ops as ops;

#[test]
fn every_fixture_replays_exactly() {
    let root = common::fixtures_root();
    let files = common::all_fixture_files();
    let mut failures = Vec::new();
    let mut left_out = 0;
    for path in &files {
        let case: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap())
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let op = case["operation"].as_str().unwrap();
        if !cfg!(feature = "bank") && op.starts_with("bank_") {
            // Built without the bank feature: the operation is not in the registry and its
            // name is refused like any unknown one.
            assert!(
                !ops::OPERATIONS.contains(&op),
                "{op} without the bank feature"
            );
            let err = ops::call(op, &case["input"].to_string()).unwrap_err();
            assert_eq!(err.code(), "E_UNKNOWN_OPERATION", "{}", path.display());
            left_out += 1;
            continue;
        }
        assert!(
            ops::OPERATIONS.contains(&op),
            "{}: unknown operation {op}",
            path.display()
        );
        let result = ops::call(op, &case["input"].to_string());
        let name = path.strip_prefix(&root).unwrap().display().to_string();
        match (result, case.get("expected"), case.get("expected_error")) {
            (Ok(got), Some(want), None) if &got == want => {}
            (Err(e), None, Some(want)) if want["code"] == e.code() => {}
            (Ok(got), Some(want), None) => failures.push(format!(
                "{name}: output differs\n  got  {got}\n  want {want}"
            )),
            (Ok(got), None, Some(want)) => {
                failures.push(format!("{name}: expected {} but got {got}", want["code"]))
            }
            (Err(e), Some(_), None) => {
                failures.push(format!("{name}: unexpected error {}: {e}", e.code()))
            }
            (Err(e), None, Some(want)) => failures.push(format!(
                "{name}: expected {} but got {}: {e}",
                want["code"],
                e.code()
            )),
            _ => failures.push(format!(
                "{name}: needs exactly one of expected / expected_error"
            )),
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} fixtures failed:\n{}",
        failures.len(),
        files.len(),
        failures.join("\n")
    );
    println!(
        "replayed {} fixtures ({left_out} bank fixtures refused: built without bank)",
        files.len() - left_out
    );
}

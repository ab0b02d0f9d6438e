//! Helpers shared by the integration tests: the golden cases in `fixtures/` and the mutation of
//! their inputs by the robustness tests.
// Each test crate uses the part it needs.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use proptest::sample::Index;
use serde_json::Value;

/// The `fixtures/` folder of the repository.
pub fn fixtures_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures")
}

/// Every golden case under `fixtures/` (the generators' `tools/` folder left out), in path
/// order.
pub fn all_fixture_files() -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        entries.sort();
        for path in entries {
            if path.is_dir() {
                if path.file_name().is_some_and(|n| n != "tools") {
                    walk(&path, out);
                }
            } else if path.extension().is_some_and(|e| e == "json") {
                out.push(path);
            }
        }
    }
    let root = fixtures_root();
    let mut files = Vec::new();
    walk(&root, &mut files);
    assert!(
        !files.is_empty(),
        "no fixtures found under {}",
        root.display()
    );
    files
}

/// The (operation, input) of every golden case in the given folders of `fixtures/`, in path
/// order.
pub fn fixture_inputs(dirs: &[&str]) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    for dir in dirs {
        let mut files: Vec<_> = std::fs::read_dir(fixtures_root().join(dir))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        files.sort();
        for f in files {
            let case: Value = serde_json::from_str(&std::fs::read_to_string(f).unwrap()).unwrap();
            out.push((
                case["operation"].as_str().unwrap().to_owned(),
                case["input"].clone(),
            ));
        }
    }
    out
}

/// JSON pointers to every value inside `v`.
fn paths(v: &Value, at: &str, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                let p = format!("{at}/{k}");
                out.push(p.clone());
                paths(x, &p, out);
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                let p = format!("{at}/{i}");
                out.push(p.clone());
                paths(x, &p, out);
            }
        }
        _ => {}
    }
}

/// Replaces, for each `(where, what)` edit in turn, one value anywhere inside `input` by one
/// of `pool`.
pub fn mutate(input: &mut Value, edits: &[(Index, Index)], pool: &[Value]) {
    for (where_, what) in edits {
        let mut ps = Vec::new();
        paths(input, "", &mut ps);
        if ps.is_empty() {
            break;
        }
        let p = &ps[where_.index(ps.len())];
        if let Some(slot) = input.pointer_mut(p) {
            *slot = pool[what.index(pool.len())].clone();
        }
    }
}

//! The core's modules form layers — primitives → calculators → accounts → books → analyses —
//! and a module may use only its own layer and the ones below. This test reads every
//! `crate::<module>` path in `core/src` and fails on a use that points upwards, so a new cycle
//! cannot come in unnoticed. (The crate root's few re-exports, `crate::Money` and the like, and
//! `crate::{…}` groups are not seen: inside the core, name items by their module path.)

use std::collections::BTreeSet;
use std::path::Path;

/// Each module of the core and its layer (0 = primitives … 4 = analyses).
const LAYERS: &[(&str, u8)] = &[
    ("error", 0),
    ("money", 0),
    ("decimal", 0),
    ("rounding", 0),
    ("calendar", 0),
    ("wire", 0),
    ("strict_json", 0),
    ("export", 0),
    ("reference", 0),
    ("fxhash", 0),
    ("month", 0),
    ("dpd", 0),
    ("bank_line", 0),
    ("present", 0),
    ("envelope", 1),
    ("schedule", 1),
    ("allocation", 1),
    ("fines", 1),
    ("approval", 1),
    ("bank_reconciliation", 1),
    ("account", 2),
    ("savings", 2),
    ("books", 3),
    ("ledger", 3),
    ("bank", 3),
    ("classification", 4),
    ("portfolio", 4),
    ("dashboard", 4),
    ("provisioning", 4),
    ("reconcile", 4),
    ("audit", 4),
];

/// Known upward uses, each to be removed (and then deleted here, so the test tightens).
/// None today: the types a `Books` snapshot is made of live in `books::snapshot`.
const KNOWN_EXCEPTIONS: &[(&str, &str)] = &[];

fn layer(module: &str) -> Option<u8> {
    LAYERS.iter().find(|(m, _)| *m == module).map(|(_, l)| *l)
}

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn module_layers_are_acyclic() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut seen_modules = BTreeSet::new();
    let mut violations = Vec::new();
    let mut used_exceptions = BTreeSet::new();
    for file in &files {
        let rel = file.strip_prefix(&src).unwrap();
        let first = rel
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy();
        let from = first.trim_end_matches(".rs").to_owned();
        if from == "lib" {
            continue;
        }
        seen_modules.insert(from.clone());
        let from_layer = layer(&from)
            .unwrap_or_else(|| panic!("module `{from}` has no layer: add it to LAYERS"));
        let text = std::fs::read_to_string(file).unwrap();
        for (i, _) in text.match_indices("crate::") {
            let to: String = text[i + 7..]
                .chars()
                .take_while(|c| c.is_ascii_lowercase() || *c == '_' || c.is_ascii_digit())
                .collect();
            let Some(to_layer) = layer(&to) else {
                continue; // a re-exported item at the crate root, or `crate::{…}`
            };
            if to == from || to_layer <= from_layer {
                continue;
            }
            if KNOWN_EXCEPTIONS.contains(&(from.as_str(), to.as_str())) {
                used_exceptions.insert((from.clone(), to.clone()));
                continue;
            }
            violations.push(format!(
                "{}: `{from}` uses `{to}` (a layer above)",
                rel.display()
            ));
        }
    }
    for (m, _) in LAYERS {
        assert!(
            seen_modules.contains(*m),
            "LAYERS names `{m}`, which is not a module"
        );
    }
    violations.sort();
    violations.dedup();
    assert!(violations.is_empty(), "{}", violations.join("\n"));
    for (from, to) in KNOWN_EXCEPTIONS {
        assert!(
            used_exceptions.contains(&((*from).to_owned(), (*to).to_owned())),
            "the exception {from} → {to} is gone: delete it from KNOWN_EXCEPTIONS"
        );
    }
}

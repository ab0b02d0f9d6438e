//! No two public modules of the core export the same name: a type is found by its name alone
//! in the docs, the schema's `$defs` and every binding, so two `BankTransaction`s are two
//! meanings behind one word. This test reads every `pub struct|enum|fn|type|trait|const` of
//! `core/src` (outside tests) and fails on a name declared in two top-level modules.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Collisions that exist today, each to be removed by renaming or merging (and then deleted
/// here, so the test tightens). None is left.
const KNOWN: &[&str] = &[];

/// The only names the crate root re-exports; everything else is reached through its domain
/// module or `windeep_core::prelude`.
const ROOT_NAMES: &[&str] = &[
    "CoreError",
    "Currency",
    "LoanTerms",
    "Money",
    "Rate",
    "Result",
    "RoundingMode",
    "RoundingPolicy",
    "Schedule",
    "format_date",
    "generate_schedule",
    "iso_date",
    "parse_date",
];

#[test]
fn the_crate_root_re_exports_a_small_set() {
    let lib =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("src/lib.rs")).unwrap();
    // Top-level `pub use` items only (the prelude's are indented).
    let mut names = BTreeSet::new();
    let mut statement = String::new();
    for line in lib.lines() {
        if line.starts_with("pub use ") || !statement.is_empty() {
            statement.push_str(line);
            if line.trim_end().ends_with(';') {
                let list = statement
                    .split_once('{')
                    .map_or_else(
                        || statement.rsplit("::").next().unwrap_or("").to_owned(),
                        |(_, rest)| rest.to_owned(),
                    )
                    .replace(['}', ';'], "");
                for name in list.split(',') {
                    let name = name.trim();
                    if !name.is_empty() {
                        names.insert(name.to_owned());
                    }
                }
                statement.clear();
            }
        }
    }
    let expected: BTreeSet<String> = ROOT_NAMES.iter().map(|s| (*s).to_owned()).collect();
    assert_eq!(names, expected, "the crate root's re-exports changed");
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The names a file declares `pub` at the start of a line (items of `#[cfg(test)]` modules,
/// which come last in a file, are left out).
fn public_names(text: &str) -> Vec<String> {
    let text = text.split("#[cfg(test)]").next().unwrap_or("");
    let mut out = Vec::new();
    for line in text.lines() {
        let Some(rest) = line.strip_prefix("pub ") else {
            continue;
        };
        let rest = rest
            .strip_prefix("const fn ")
            .map_or_else(|| rest.to_owned(), |r| format!("fn {r}"));
        let mut words = rest.split_whitespace();
        let (Some(kind), Some(name)) = (words.next(), words.next()) else {
            continue;
        };
        if matches!(
            kind,
            "struct" | "enum" | "fn" | "type" | "trait" | "const" | "static"
        ) {
            let name: String = name
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            out.push(name);
        }
    }
    out
}

#[test]
fn no_two_modules_export_the_same_name() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut owners: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in &files {
        let rel = file.strip_prefix(&src).unwrap();
        let module = rel
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy()
            .trim_end_matches(".rs")
            .to_owned();
        if module == "lib" {
            continue;
        }
        for name in public_names(&std::fs::read_to_string(file).unwrap()) {
            owners.entry(name).or_default().insert(module.clone());
        }
    }
    let mut collisions = Vec::new();
    for (name, modules) in &owners {
        if modules.len() > 1 && !KNOWN.contains(&name.as_str()) {
            collisions.push(format!("`{name}` is exported by {modules:?}"));
        }
    }
    assert!(collisions.is_empty(), "{}", collisions.join("\n"));
    for name in KNOWN {
        assert!(
            owners.get(*name).is_some_and(|m| m.len() > 1),
            "`{name}` no longer collides: delete it from KNOWN"
        );
    }
}

#[test]
fn the_scan_sees_a_collision() {
    let a = public_names("pub struct Money {\n}\npub fn check_books() {}\n");
    let b = public_names("pub(crate) struct Hidden;\npub const fn Money() {}\n");
    assert_eq!(a, ["Money", "check_books"]);
    assert_eq!(b, ["Money"]);
}

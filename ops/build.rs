//! Reads the meaning of every error code from the doc comment of its `CoreError` variant, so
//! the catalogue has one source: `core/src/error.rs`.

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../core/src/error.rs");
    println!("cargo::rerun-if-changed={}", src.display());
    let text = std::fs::read_to_string(&src).expect("core/src/error.rs is readable");
    let start = text
        .find("pub enum CoreError {")
        .expect("the CoreError enum");
    let body = &text[start..];
    let end = body.find("\n}\n").expect("the end of the enum");
    let body = &body[..end];
    // Variant name → the first sentence block of its doc comment.
    let mut docs: Vec<(String, String)> = Vec::new();
    let mut pending = String::new();
    for line in body.lines() {
        if let Some(doc) = line.strip_prefix("    /// ") {
            if !pending.is_empty() {
                pending.push(' ');
            }
            pending.push_str(doc.trim());
        } else if line.starts_with("    #[") || line.starts_with("        ") {
            continue;
        } else if let Some(rest) = line.strip_prefix("    ") {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() {
                docs.push((name, std::mem::take(&mut pending)));
            }
        }
    }
    // Variant name → code, from `Self::Variant … => "E_…",` in `fn code`.
    let code_fn = text.find("pub fn code(&self)").expect("CoreError::code");
    let mut out = String::from(
        "/// Each error code and its meaning, from the doc comments of `CoreError`.\n",
    );
    out.push_str("pub(crate) const MEANINGS: &[(&str, &str)] = &[\n");
    for line in text[code_fn..].lines() {
        let line = line.trim();
        let Some(rest) = line.strip_prefix("Self::") else {
            if line.starts_with('}') && !out.ends_with("&[\n") {
                break;
            }
            continue;
        };
        let name: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        let Some(code) = line.split('"').nth(1) else {
            continue;
        };
        let meaning = docs
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, d)| d.as_str())
            .unwrap_or("");
        writeln!(out, "    ({code:?}, {meaning:?}),").unwrap();
    }
    out.push_str("];\n");
    let dest = Path::new(&std::env::var("OUT_DIR").unwrap()).join("error_meanings.rs");
    std::fs::write(dest, out).unwrap();
}

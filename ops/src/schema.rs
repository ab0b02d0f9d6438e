//! The JSON Schema (draft 2020-12) of every operation's input and output, as one document.
//!
//! ```text
//! {
//!   "$schema": "https://json-schema.org/draft/2020-12/schema",
//!   "title": "windeep operations",
//!   "version": "<crate version>",
//!   "$defs": { "<Type>": <schema>, … },            // shared by inputs and outputs
//!   "operations": {
//!     "<name>": {"area": …, "doc": …, "input": <schema>, "output": <schema>, "errors": [codes]}
//!   },
//!   "errors": { "E_…": {"meaning": …, "operations": [names]} }
//! }
//! ```
//!
//! Money, rates, other exact decimals and dates are strings with a `pattern` and an
//! `x-windeep-type` keyword (`money`, `rate`, `decimal`, `date`). Every `$ref` points into the
//! document's own `$defs`. Where a type reads differently from how it is written (a field with
//! a default is optional on input, always present on output), the output form is its own
//! definition, named `<Type>Output`.
//!
//! # Example
//! ```
//! let doc = windeep_ops::schema::document();
//! let terms = &doc["operations"]["schedule"]["input"];
//! assert_eq!(terms["$ref"], "#/$defs/LoanTerms");
//! assert_eq!(doc["$defs"]["Money"]["x-windeep-type"], "money");
//! ```

use std::collections::{BTreeMap, BTreeSet};

use schemars::generate::{Contract, SchemaSettings};
use serde_json::{Map, Value, json};
use windeep_core::CoreError;

use crate::REGISTRY;
use crate::errors::meaning;

const DEFS: &str = "#/$defs/";

/// The version of the operation contract this library implements: the `version` of
/// [`document`] and of the committed `schema/windeep.schema.json`. Every artifact of a release
/// (crates, wheel, npm package, Composer package, JVM jar, C library, command line) carries
/// the one workspace version, so this equals the library version of the same release; a
/// binding reports both so that a client can check the schema file it validates against.
///
/// # Example
/// ```
/// assert_eq!(windeep_ops::schema::document()["version"], windeep_ops::schema::SCHEMA_VERSION);
/// ```
pub const SCHEMA_VERSION: &str = env!("CARGO_PKG_VERSION");

/// The whole schema document (see the module docs for its shape).
#[must_use]
pub fn document() -> Value {
    let settings = |contract| {
        let mut s = SchemaSettings::draft2020_12();
        s.contract = contract;
        s
    };
    let mut reads = settings(Contract::Deserialize).into_generator();
    let mut writes = settings(Contract::Serialize).into_generator();
    let mut ops = Vec::new();
    for op in REGISTRY {
        let input = (op.input_schema)(&mut reads).to_value();
        let output = (op.output_schema)(&mut writes).to_value();
        ops.push((op, input, output));
    }
    let mut defs: BTreeMap<String, Value> = reads.take_definitions(true).into_iter().collect();
    let out_defs: BTreeMap<String, Value> = writes.take_definitions(true).into_iter().collect();
    // An output definition that differs from the input one of the same name is renamed, and
    // so is every output definition that refers to a renamed one (until nothing changes).
    let mut renamed: BTreeSet<String> = BTreeSet::new();
    loop {
        let more: Vec<String> = out_defs
            .iter()
            .filter(|(k, _)| !renamed.contains(*k))
            .filter(|(k, v)| {
                let mut v = (*v).clone();
                rename_refs(&mut v, &renamed);
                defs.get(*k).is_some_and(|d| *d != v)
            })
            .map(|(k, _)| k.clone())
            .collect();
        if more.is_empty() {
            break;
        }
        renamed.extend(more);
    }
    for (name, mut schema) in out_defs {
        rename_refs(&mut schema, &renamed);
        let key = if renamed.contains(&name) {
            format!("{name}Output")
        } else {
            name
        };
        defs.insert(key, schema);
    }
    let mut operations = Map::new();
    for (op, input, mut output) in ops {
        rename_refs(&mut output, &renamed);
        operations.insert(
            op.name.to_owned(),
            json!({
                "area": op.area,
                "doc": op.doc,
                "input": input,
                "output": output,
                "errors": op.errors(),
            }),
        );
    }
    let mut errors = Map::new();
    for code in CoreError::CODES {
        let users: Vec<&str> = REGISTRY
            .iter()
            .filter(|o| o.errors().contains(code))
            .map(|o| o.name)
            .collect();
        errors.insert(
            (*code).to_owned(),
            json!({"meaning": meaning(code), "operations": users}),
        );
    }
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "windeep operations",
        "description": "The input and output of every windeep operation, the shared types they \
            are made of and the error codes each can return. Money, rates, decimals and dates \
            are strings marked with x-windeep-type.",
        "version": SCHEMA_VERSION,
        "$defs": defs,
        "operations": operations,
        "errors": errors,
    })
}

/// The document of one operation: its entry under `operations` with the `$defs` it needs
/// (all of them, so references resolve), or `None` for an unknown name.
///
/// # Example
/// ```
/// let one = windeep_ops::schema::operation_document("allocate").unwrap();
/// assert!(one["operations"]["allocate"]["input"].is_object());
/// assert!(one["operations"].get("schedule").is_none());
/// ```
#[must_use]
pub fn operation_document(name: &str) -> Option<Value> {
    let mut doc = document();
    let entry = doc["operations"].get(name)?.clone();
    let mut only = Map::new();
    only.insert(name.to_owned(), entry);
    doc["operations"] = Value::Object(only);
    Some(doc)
}

/// The document as the committed `schema/windeep.schema.json` holds it: pretty JSON with a
/// final newline.
#[must_use]
pub fn document_text() -> String {
    let mut text = serde_json::to_string_pretty(&document()).unwrap_or_default();
    text.push('\n');
    text
}

fn rename_refs(v: &mut Value, renamed: &BTreeSet<String>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m.iter_mut() {
                if k == "$ref" {
                    if let Value::String(r) = x
                        && let Some(name) = r.strip_prefix(DEFS)
                        && renamed.contains(name)
                    {
                        *r = format!("{DEFS}{name}Output");
                    }
                } else {
                    rename_refs(x, renamed);
                }
            }
        }
        Value::Array(a) => a.iter_mut().for_each(|x| rename_refs(x, renamed)),
        _ => {}
    }
}

//! The committed schema document is the one the registry makes; regenerate it with
//! `cargo run -p windeep-cli -- schema > schema/windeep.schema.json`.

/// The committed document is the one of the default build (the bank operations included).
#[cfg(feature = "bank")]
#[test]
fn the_committed_schema_is_current() {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../schema/windeep.schema.json");
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    let current = windeep_ops::schema::document_text();
    assert!(
        committed == current,
        "schema/windeep.schema.json is stale: run \
         `cargo run -p windeep-cli -- schema > schema/windeep.schema.json`"
    );
}

#[test]
fn every_operation_has_an_input_an_output_and_its_errors() {
    let doc = windeep_ops::schema::document();
    for op in windeep_ops::REGISTRY {
        let entry = &doc["operations"][op.name];
        assert!(entry["input"].is_object(), "{}", op.name);
        assert!(entry["output"].is_object(), "{}", op.name);
        assert_eq!(
            entry["errors"],
            serde_json::json!(op.errors()),
            "{}",
            op.name
        );
    }
    for code in windeep_core::CoreError::CODES {
        assert!(
            !doc["errors"][code]["meaning"].as_str().unwrap().is_empty(),
            "{code} has no meaning"
        );
    }
}

#[test]
fn every_ref_points_into_the_document() {
    fn walk(v: &serde_json::Value, defs: &serde_json::Value, bad: &mut Vec<String>) {
        match v {
            serde_json::Value::Object(m) => {
                for (k, x) in m {
                    if k == "$ref" {
                        let r = x.as_str().unwrap();
                        let name = r.strip_prefix("#/$defs/").unwrap_or(r);
                        if defs.get(name).is_none() {
                            bad.push(r.to_owned());
                        }
                    } else {
                        walk(x, defs, bad);
                    }
                }
            }
            serde_json::Value::Array(a) => a.iter().for_each(|x| walk(x, defs, bad)),
            _ => {}
        }
    }
    let doc = windeep_ops::schema::document();
    let mut bad = Vec::new();
    walk(&doc, &doc["$defs"], &mut bad);
    assert!(bad.is_empty(), "dangling references: {bad:?}");
}

//! `windeep audit` on the generated legacy export (`fixtures/legacy_export/`): the findings its
//! generator planted, read from the CSV folder and from the mysqldump file, and the workbook.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::Command;

use calamine::{Data, Reader, Xlsx, open_workbook};
use serde_json::Value;

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fixtures/legacy_export")
}

fn run(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_windeep"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

/// The planted findings: `loan_id,table,row_id,field,rule,stored,correct` records.
fn planted() -> BTreeSet<String> {
    let bytes = std::fs::read(dir().join("expected_findings.csv")).unwrap();
    let table = windeep_core::audit::read_csv_table(&bytes).unwrap();
    table
        .rows
        .into_iter()
        .map(|r| {
            r.into_iter()
                .map(Option::unwrap_or_default)
                .collect::<Vec<_>>()
                .join("\u{1f}")
        })
        .collect()
}

fn found(json: &str) -> BTreeSet<String> {
    let v: Value = serde_json::from_str(json).unwrap();
    let text = |v: &Value| match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            [
                "loan_id", "table", "row_id", "field", "rule", "stored", "correct",
            ]
            .iter()
            .map(|k| text(&f[*k]))
            .collect::<Vec<_>>()
            .join("\u{1f}")
        })
        .collect()
}

#[test]
fn audit_of_the_csv_folder_and_of_the_dump_finds_what_was_planted() {
    let d = dir();
    let folder = d.to_str().unwrap();
    let (code, csv_out, err) = run(&[
        "audit",
        "--as-of",
        "2026-06-15",
        "--dir",
        folder,
        "--format",
        "json",
    ]);
    assert_eq!(code, 1, "{err}");
    let dump = d.join("export.sql");
    let (code, dump_out, err) = run(&[
        "audit",
        "--as-of",
        "2026-06-15",
        "--dump",
        dump.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(code, 1, "{err}");
    let (got, want) = (found(&csv_out), planted());
    let missing: Vec<_> = want.difference(&got).collect();
    let extra: Vec<_> = got.difference(&want).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "missing {missing:?}, extra {extra:?}"
    );
    assert_eq!(csv_out, dump_out);
}

#[test]
fn the_text_report_puts_the_causes_first_and_the_workbook_has_one_sheet_per_level() {
    let d = dir();
    let xlsx = std::env::temp_dir().join(format!("windeep-audit-{}.xlsx", std::process::id()));
    let (code, text, err) = run(&[
        "audit",
        "--as-of",
        "2026-06-15",
        "--dir",
        d.to_str().unwrap(),
        "--xlsx",
        xlsx.to_str().unwrap(),
    ]);
    assert_eq!(code, 1, "{err}");
    let causes = text.find("By cause").unwrap();
    assert!(causes < text.find("By loan").unwrap() && text.find("By loan") < text.find("By row"));
    assert!(text.contains("month-end due date drift"));
    let mut wb: Xlsx<_> = open_workbook(&xlsx).unwrap();
    assert_eq!(wb.sheet_names(), ["summary", "causes", "loans", "rows"]);
    let rows = wb.worksheet_range("rows").unwrap();
    let header: Vec<String> = rows
        .rows()
        .next()
        .unwrap()
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(&header[..4], ["loan_id", "loan_number", "table", "row_id"]);
    // Money cells are numbers: the difference column of a money finding.
    let at = header.iter().position(|h| h == "difference").unwrap();
    assert!(rows.rows().skip(1).any(|r| matches!(r[at], Data::Float(_))));
    let _ = std::fs::remove_file(&xlsx);
}

#[test]
fn a_missing_file_is_a_usage_error() {
    let (code, _, err) = run(&["audit", "--as-of", "2026-06-15", "--dir", "/nonexistent"]);
    assert_eq!(code, 2);
    assert!(err.contains("E_USAGE"), "{err}");
}

/// The same four tables as typed Parquet files (written by `fixtures/tools/legacy_parquet.py`
/// with pyarrow: integers, DECIMAL(18, 2), DATE, timestamps, strings, nulls; Snappy): the
/// audit gives exactly what the CSV folder gives, and the tables can be named one by one.
#[cfg(feature = "parquet")]
#[test]
fn audit_of_the_parquet_tables_finds_what_the_csv_route_finds() {
    let d = dir();
    let json = |args: &[&str]| {
        let mut all = vec!["audit", "--as-of", "2026-06-15", "--format", "json"];
        all.extend_from_slice(args);
        let (code, out, err) = run(&all);
        assert_eq!(code, 1, "{err}");
        out
    };
    let csv_out = json(&["--dir", d.to_str().unwrap()]);
    let pq = d.join("parquet");
    let parquet_out = json(&["--dir", pq.to_str().unwrap()]);
    assert!(!found(&parquet_out).is_empty());
    assert_eq!(csv_out, parquet_out);
    let file = |t: &str| pq.join(format!("{t}.parquet")).to_str().unwrap().to_owned();
    let (l, i, p, f) = (
        file("loans"),
        file("loan_installments"),
        file("loan_payments"),
        file("fines"),
    );
    let one_by_one = json(&[
        "--loans",
        &l,
        "--installments",
        &i,
        "--payments",
        &p,
        "--fines",
        &f,
    ]);
    assert_eq!(csv_out, one_by_one);
}

#[cfg(feature = "parquet")]
#[test]
fn a_file_that_is_not_parquet_is_refused_with_its_name() {
    let d = dir();
    let not_parquet = std::env::temp_dir().join(format!("windeep-{}.parquet", std::process::id()));
    std::fs::write(&not_parquet, "id,loan_id\n1,2\n").unwrap();
    let (code, _, err) = run(&[
        "audit",
        "--as-of",
        "2026-06-15",
        "--loans",
        not_parquet.to_str().unwrap(),
        "--installments",
        d.join("loan_installments.csv").to_str().unwrap(),
        "--payments",
        d.join("loan_payments.csv").to_str().unwrap(),
        "--fines",
        d.join("fines.csv").to_str().unwrap(),
    ]);
    let _ = std::fs::remove_file(&not_parquet);
    assert_eq!(code, 2);
    assert!(
        err.contains("E_INVALID_INPUT") && err.contains("not a readable Parquet file"),
        "{err}"
    );
}

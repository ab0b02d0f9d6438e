//! The generated legacy export (`fixtures/legacy_export/`, written by
//! `fixtures/tools/generate_legacy_export.py`): every finding its generator planted is found,
//! and nothing else, read from the CSV files and from the mysqldump file.

use std::collections::BTreeSet;
use std::path::PathBuf;

use windeep_core::{
    Money, audit::BookAudit, audit::LegacyExport, audit::audit_book, audit::read_csv_table,
    parse_date,
};

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fixtures/legacy_export")
}

fn csv(name: &str) -> windeep_core::audit::RawTable {
    let bytes = std::fs::read(dir().join(name)).unwrap();
    read_csv_table(&bytes).unwrap()
}

type Key = (String, String, String, String, String, String, String);

fn expected() -> (BTreeSet<Key>, Vec<(String, String)>) {
    let findings = csv("expected_findings.csv");
    let text = |c: &Option<String>| c.clone().unwrap_or_default();
    let keys = findings
        .rows
        .iter()
        .map(|r| {
            (
                text(&r[0]),
                text(&r[1]),
                text(&r[2]),
                text(&r[3]),
                text(&r[4]),
                text(&r[5]),
                text(&r[6]),
            )
        })
        .collect();
    let counts = csv("expected_counts.csv")
        .rows
        .iter()
        .map(|r| (text(&r[0]), text(&r[1])))
        .collect();
    (keys, counts)
}

fn keys(audit: &BookAudit) -> BTreeSet<Key> {
    let opt = |v: Option<i64>| v.map(|v| v.to_string()).unwrap_or_default();
    let found: Vec<Key> = audit
        .findings
        .iter()
        .map(|f| {
            (
                opt(f.loan_id),
                f.table.clone(),
                opt(f.row_id),
                f.field.clone(),
                f.rule.clone(),
                f.stored.clone().unwrap_or_default(),
                f.correct.clone().unwrap_or_default(),
            )
        })
        .collect();
    let set: BTreeSet<Key> = found.iter().cloned().collect();
    assert_eq!(set.len(), found.len(), "a finding is reported twice");
    set
}

fn check(export: &LegacyExport) -> BookAudit {
    let (want, counts) = expected();
    let count = |k: &str| counts.iter().find(|(key, _)| key == k).unwrap().1.clone();
    let as_of = parse_date(&count("as_of")).unwrap();
    let audit = audit_book(export, as_of, Money::ZERO).unwrap();
    let got = keys(&audit);
    let missing: Vec<_> = want.difference(&got).collect();
    let extra: Vec<_> = got.difference(&want).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "planted but not found: {missing:#?}\nfound but not planted: {extra:#?}"
    );
    let s = &audit.summary;
    assert_eq!(s.loans.to_string(), count("loans"));
    assert_eq!(s.loans_malformed.to_string(), count("loans_malformed"));
    assert_eq!(s.loans_audited.to_string(), count("loans_audited"));
    assert_eq!(
        s.loans_with_findings.to_string(),
        count("loans_with_findings")
    );
    assert_eq!(s.findings.to_string(), count("findings"));
    assert_eq!(
        s.fines_not_of_loans.to_string(),
        count("fines_not_of_loans")
    );
    // The roll-ups add up to the findings.
    assert_eq!(
        audit.causes.iter().map(|c| c.findings).sum::<usize>(),
        s.findings
    );
    let per_loan: usize = audit.loans.iter().map(|l| l.findings).sum();
    assert_eq!(per_loan + s.findings_without_loan, s.findings);
    audit
}

fn from_csv() -> LegacyExport {
    LegacyExport {
        loans: csv("loans.csv"),
        loan_installments: csv("loan_installments.csv"),
        loan_payments: csv("loan_payments.csv"),
        fines: csv("fines.csv"),
    }
}

#[test]
fn every_planted_finding_is_found_and_nothing_else_from_csv() {
    let audit = check(&from_csv());
    // The month-end drift is one cause line over its loans.
    let drift = audit
        .causes
        .iter()
        .find(|c| c.cause == "month-end due date drift")
        .unwrap();
    assert!(drift.loans > 1 && drift.rows > drift.loans);
}

#[test]
fn a_tolerance_leaves_out_the_paisa_differences_only() {
    let export = from_csv();
    let as_of = parse_date("2026-06-15").unwrap();
    let exact = audit_book(&export, as_of, Money::ZERO).unwrap();
    let tolerant = audit_book(&export, as_of, "0.05".parse().unwrap()).unwrap();
    let small = exact
        .findings
        .iter()
        .filter(|f| {
            f.difference
                .is_some_and(|d| d.value().abs() <= "0.05".parse().unwrap())
        })
        .count();
    assert!(small > 0);
    assert_eq!(tolerant.summary.findings + small, exact.summary.findings);
    assert_eq!(tolerant.summary.below_tolerance, small);
    assert!(tolerant.findings.iter().all(|f| {
        f.difference
            .is_none_or(|d| d.value().abs() > "0.05".parse().unwrap())
    }));
}

#[cfg(feature = "dump")]
#[test]
fn the_dump_reads_as_the_csv_files_do() {
    let bytes = std::fs::read(dir().join("export.sql")).unwrap();
    let export = windeep_core::audit::read_mysql_dump(&bytes).unwrap();
    let a = check(&export);
    let b = check(&from_csv());
    assert_eq!(a, b);
}

//! `windeep call` replays every golden fixture through the binary; `windeep schedule` prints.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;

fn fixtures(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() && p.file_name().is_some_and(|n| n != "tools") {
            fixtures(&p, out);
        } else if p.extension().is_some_and(|e| e == "json") {
            out.push(p);
        }
    }
}

fn run(args: &[&str], stdin: &str) -> (i32, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_windeep"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn call_prints_every_fixtures_expected_output() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures");
    let mut files = Vec::new();
    fixtures(&root, &mut files);
    assert!(files.len() > 100);
    for path in files {
        let case: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let (code, stdout, stderr) = run(
            &["call", case["operation"].as_str().unwrap()],
            &case["input"].to_string(),
        );
        if let Some(want) = case.get("expected") {
            assert_eq!(code, 0, "{}: {stderr}", path.display());
            let got: Value = serde_json::from_str(&stdout).unwrap();
            assert_eq!(&got, want, "{}", path.display());
        } else {
            assert_eq!(code, 2, "{}", path.display());
            let err: Value = serde_json::from_str(stderr.trim()).unwrap();
            assert_eq!(
                err["code"],
                case["expected_error"]["code"],
                "{}",
                path.display()
            );
        }
    }
}

#[test]
fn schedule_prints_a_table_json_and_csv() {
    let base = [
        "schedule",
        "--principal",
        "100000",
        "--rate",
        "12",
        "--tenure",
        "12",
        "--disbursed",
        "2026-01-05",
        "--first-due",
        "2026-02-05",
    ];
    let (code, table, _) = run(&base, "");
    assert_eq!(code, 0);
    assert!(table.contains("EMI 8884.88"), "{table}");
    assert!(
        table
            .lines()
            .any(|l| l.contains("8884.85") && l.trim_start().starts_with("12 "))
    );
    assert!(table.lines().last().unwrap().contains("6618.53"));

    let (_, json, _) = run(&[&base[..], &["--format", "json"]].concat(), "");
    let v: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["totals"]["payable"], "106618.53");

    let (_, csv, _) = run(
        &[&base[..], &["--format", "csv", "--method", "flat"]].concat(),
        "",
    );
    assert_eq!(csv.lines().count(), 13);
    assert!(
        csv.lines().last().unwrap().ends_with(",9333.37,0.00"),
        "{csv}"
    );

    let (code, _, err) = run(
        &[
            "schedule",
            "--principal",
            "0",
            "--rate",
            "12",
            "--tenure",
            "12",
            "--disbursed",
            "2026-01-05",
            "--first-due",
            "2026-02-05",
        ],
        "",
    );
    assert_eq!(code, 2);
    assert!(err.contains("E_NON_POSITIVE_PRINCIPAL"));
    let (code, _, err) = run(&["schedule", "--bogus", "1"], "");
    assert_eq!(code, 2);
    assert!(err.contains("E_USAGE"));
}

#[test]
fn loan_prints_a_statement() {
    let events = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/loans/LN2026000001.json");
    let events = events.to_str().unwrap();
    let (code, text, err) = run(&["loan", "--events", events, "--as-of", "2026-06-30"], "");
    assert_eq!(code, 0, "{err}");
    assert!(text.contains("Outstanding principal 76108.02"), "{text}");
    assert!(text.contains("DPD 56"), "{text}");
    let row4 = text
        .lines()
        .find(|l| l.trim_start().starts_with("4 "))
        .unwrap();
    assert!(
        row4.contains("overdue") && row4.contains("8884.88"),
        "{row4}"
    );
    assert!(text.contains("FR-2026-0001"), "fines are listed: {text}");

    let (_, json, _) = run(
        &[
            "loan",
            "--events",
            events,
            "--as-of",
            "2026-06-30",
            "--format",
            "json",
        ],
        "",
    );
    let v: Value = serde_json::from_str(&json).unwrap();
    let outcomes = v["outcomes"].as_array().unwrap();
    assert!(
        outcomes
            .iter()
            .any(|o| o["event_id"] == "p1-again" && o["result"] == "duplicate")
    );
    assert!(
        outcomes
            .iter()
            .any(|o| o["event_id"] == "p3" && o["result"] == "reversed")
    );

    let (code, _, err) = run(&["loan", "--events", events], "");
    assert_eq!(code, 2);
    assert!(err.contains("E_USAGE"));
}

#[test]
fn import_prints_a_summary_and_finds_a_reimport_duplicate() {
    let dir = std::env::temp_dir().join(format!("windeep-import-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let statement = dir.join("statement.csv");
    std::fs::write(
        &statement,
        "Bank statement\n\nTxn Date,Description,Debit,Credit\n\
         05/01/2026,UPI/CR/601512345678/RAMESH,,500.00\n\
         06/01/2026,CASH DEPOSIT,,200.00\n\
         07/01/2026,BANK CHARGES,abc,\n",
    )
    .unwrap();
    let file = statement.to_str().unwrap();
    let (code, text, err) = run(&["import", file, "--account", "SBI-1"], "");
    assert_eq!(code, 0, "{err}");
    assert!(
        text.contains("3 rows: 2 new, 0 duplicate, 1 rejected"),
        "{text}"
    );
    assert!(text.contains("row       6  invalid_amount"), "{text}");

    let (code, json, _) = run(
        &[
            "import",
            file,
            "--account",
            "SBI-1",
            "--import-id",
            "IMP-1",
            "--format",
            "json",
        ],
        "",
    );
    assert_eq!(code, 0);
    let first: Value = serde_json::from_str(&json).unwrap();
    let content = std::fs::read_to_string(&statement).unwrap();
    let (_, via_call, _) = run(
        &["call", "bank_import"],
        &serde_json::json!({"account_id": "SBI-1", "import_id": "IMP-1", "content": content})
            .to_string(),
    );
    assert_eq!(first, serde_json::from_str::<Value>(&via_call).unwrap());
    let prior = dir.join("imp1.json");
    std::fs::write(&prior, &json).unwrap();
    let (code, text, _) = run(
        &[
            "import",
            file,
            "--account",
            "SBI-1",
            "--prior",
            prior.to_str().unwrap(),
        ],
        "",
    );
    assert_eq!(code, 0);
    assert!(text.contains("0 new, 2 duplicate"), "{text}");
    assert!(
        text.contains("duplicate of row 4 of import IMP-1"),
        "{text}"
    );

    let (code, _, err) = run(&["import", file], "");
    assert_eq!(code, 2);
    assert!(err.contains("E_USAGE"));
    let (code, _, err) = run(&["import", file, "--account", "A", "--preset", "nope"], "");
    assert_eq!(code, 2);
    assert!(err.contains("E_UNKNOWN_PRESET"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn check_reports_clean_books_and_exits_zero() {
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/books/snapshot.json");
    let (code, stdout, stderr) = run(&["check", sample.to_str().unwrap()], "");
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.starts_with("Books as of 2026-06-30: OK"), "{stdout}");
    assert!(stdout.contains("subledger_loans"), "{stdout}");
    let (code, stdout, _) = run(&["check", sample.to_str().unwrap(), "--format", "json"], "");
    assert_eq!(code, 0);
    let report: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(report["ok"], true);
}

#[test]
fn check_exits_one_on_a_violation_or_an_alert() {
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/books/snapshot.json");
    let mut input: Value = serde_json::from_str(&std::fs::read_to_string(sample).unwrap()).unwrap();
    // A stored balance that the events do not give, and a stricter alert threshold.
    input["books"]["savings"][0]["cached_balance"] = Value::String("6400.00".into());
    input["alerts"]["unmapped_older_than_days"] = Value::from(0);
    input["alerts"]["unmapped_max_count"] = Value::from(0);
    let path = std::env::temp_dir().join(format!("windeep-check-{}.json", std::process::id()));
    std::fs::write(&path, input.to_string()).unwrap();
    let (code, stdout, _) = run(&["check", path.to_str().unwrap()], "");
    std::fs::remove_file(&path).unwrap();
    assert_eq!(code, 1, "{stdout}");
    assert!(
        stdout.contains("NOT OK — 1 violation(s), 1 alert(s)"),
        "{stdout}"
    );
    assert!(stdout.contains("cached_savings_balance"), "{stdout}");
    assert!(stdout.contains("unmapped_transactions"), "{stdout}");
    let (code, _, stderr) = run(&["check"], "");
    assert_eq!(code, 2, "{stderr}");
}

#[test]
fn every_subcommand_has_help_and_the_binary_a_version() {
    for sub in [
        "schedule",
        "loan",
        "import",
        "check",
        "call",
        "operations",
        "schema",
        "completions",
    ] {
        let (code, out, err) = run(&[sub, "--help"], "");
        assert_eq!(code, 0, "{sub} --help: {err}");
        assert!(out.contains("Usage: windeep"), "{sub} --help: {out}");
    }
    let (code, out, _) = run(&["--version"], "");
    assert_eq!(code, 0);
    assert!(out.starts_with("windeep "), "{out}");
}

#[test]
fn repeated_and_exclusive_flags_are_usage_errors() {
    let base = [
        "schedule",
        "--principal",
        "100000",
        "--rate",
        "12",
        "--tenure",
        "12",
        "--disbursed",
        "2026-01-05",
        "--first-due",
        "2026-02-05",
    ];
    for extra in [
        &["--rate", "13"][..],
        &["--fee-percent", "1", "--fee-fixed", "100"][..],
        &["--method", "sideways"][..],
        &["--format", "xml"][..],
    ] {
        let (code, _, err) = run(&[&base[..], extra].concat(), "");
        assert_eq!(code, 2, "{extra:?}");
        let e: Value = serde_json::from_str(err.trim()).unwrap();
        assert_eq!(e["code"], "E_USAGE", "{extra:?}: {err}");
    }
    let (code, out, _) = run(&[&base[..], &["--method", "equal_principal"]].concat(), "");
    assert_eq!(code, 0);
    assert!(!out.is_empty());
}

#[test]
fn schema_and_completions_print() {
    let (code, out, _) = run(&["schema", "allocate"], "");
    assert_eq!(code, 0);
    let doc: Value = serde_json::from_str(&out).unwrap();
    assert!(doc["operations"]["allocate"]["input"].is_object());
    let (code, _, err) = run(&["schema", "nope"], "");
    assert_eq!(code, 2);
    assert!(err.contains("E_UNKNOWN_OPERATION"));
    let (code, out, _) = run(&["completions", "bash"], "");
    assert_eq!(code, 0);
    assert!(out.contains("windeep"));
}

/// A reader that stops early (`windeep schema | head -c 10`) ends the command quietly: exit 0,
/// no panic message, nothing on stderr.
#[test]
fn a_closed_stdout_is_not_a_panic() {
    use std::io::Read;
    for args in [
        &["schema"][..],
        &[
            "schedule",
            "--principal",
            "100000",
            "--rate",
            "12",
            "--tenure",
            "360",
            "--disbursed",
            "2026-01-01",
            "--first-due",
            "2026-02-01",
        ][..],
    ] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_windeep"))
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut first = [0_u8; 10];
        child.stdout.take().unwrap().read_exact(&mut first).unwrap();
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{args:?}: {:?} {stderr}", out.status);
        assert!(stderr.is_empty(), "{args:?}: {stderr}");
    }
}

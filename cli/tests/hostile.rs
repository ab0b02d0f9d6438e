//! The hostile-input corpus (`tests/hostile/make_corpus.py`) through the binary: each statement
//! with `windeep import`, each operation input with `windeep call`, every process limited to
//! 512 MiB of address space (`ulimit -v 524288`) and killed after 5 s (`timeout 5`). Every case
//! exits 2 with its code on stderr and nothing on stdout (or, refused after some rows, a
//! complete document ending with the error), or imports (the valid ones).

use std::path::Path;
use std::process::Command;

use serde_json::Value;

fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

#[test]
fn every_hostile_input_is_refused_by_the_binary_within_512_mib_and_5_s() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("hostile-cli");
    let status = Command::new("python3")
        .arg(root.join("tests/hostile/make_corpus.py"))
        .arg(&dir)
        .status()
        .expect("python3 runs the corpus generator");
    assert!(status.success());
    let manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("manifest.json")).unwrap()).unwrap();
    let bin = env!("CARGO_BIN_EXE_windeep");
    let mut failures = Vec::new();
    for case in manifest["cases"].as_array().unwrap() {
        let file = case["file"].as_str().unwrap();
        let path = if file.starts_with('/') {
            file.to_owned()
        } else {
            dir.join(file).display().to_string()
        };
        let command = match case["kind"].as_str().unwrap() {
            "statement" => format!(
                "{} import {} --account SBI-1 --statement-format {} --format json",
                shell_quote(bin),
                shell_quote(&path),
                case["format"].as_str().unwrap()
            ),
            _ => format!(
                "{} call {} < {}",
                shell_quote(bin),
                case["operation"].as_str().unwrap(),
                shell_quote(&path)
            ),
        };
        // an unoptimised build is several times slower than the 5 s the corpus promises
        let seconds = if cfg!(debug_assertions) { 30 } else { 5 };
        let out = Command::new("sh")
            .arg("-c")
            .arg(format!(
                "ulimit -v 524288; exec timeout {seconds} {command}"
            ))
            .output()
            .unwrap();
        let code = out.status.code();
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        let want = case["code"].as_str().unwrap();
        let ok = if want == "ok" {
            code == Some(0)
                && serde_json::from_str::<Value>(&stdout)
                    .is_ok_and(|v| v["summary"]["new"].as_u64() >= Some(1))
        } else {
            // nothing on stdout, or (refused after some rows) a complete document ending
            // with the error
            let document = stdout.is_empty()
                || serde_json::from_str::<Value>(&stdout).is_ok_and(|v| v["error"]["code"] == want);
            code == Some(2)
                && document
                && serde_json::from_str::<Value>(stderr.trim()).is_ok_and(|v| v["code"] == want)
        };
        if !ok {
            failures.push(format!(
                "{file}: want {want}, got exit {code:?}, stdout {:.200}, stderr {:.300}",
                stdout, stderr
            ));
        }
    }
    // the corpus holds a 200 MB file: do not leave it behind
    let _ = std::fs::remove_dir_all(&dir);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn a_statement_refused_mid_way_ends_its_json_document_with_the_error() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("hostile-cli-midway");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("late.csv");
    let mut text = String::from("Txn Date,Description,Debit,Credit\n");
    text += "05/01/2026,NEFT HDFCN26005123456 A,,500.00\n";
    text += &format!("06/01/2026,\"{}\",,1.00\n", "x".repeat(100_000));
    std::fs::write(&path, text).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_windeep"))
        .args([
            "import",
            path.to_str().unwrap(),
            "--account",
            "A",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let doc: Value = serde_json::from_slice(&out.stdout).expect("a complete JSON document");
    assert_eq!(doc["error"]["code"], "E_STATEMENT_CELL_TOO_LONG");
    assert_eq!(doc["rows"].as_array().map(Vec::len), Some(1));
}

#[test]
fn check_reports_an_unreadable_snapshot_with_the_codes_of_call() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("hostile-cli-check");
    std::fs::create_dir_all(&dir).unwrap();
    let cases: [(&str, &[u8]); 4] = [
        ("not_json.json", b"{not json"),
        ("latin1.json", b"{\"books\": \"caf\xe9\"}"),
        ("repeated.json", b"{\"books\": {}, \"books\": {}}"),
        ("deep.json", &[b'['; 10_000]),
    ];
    for (name, bytes) in cases {
        let path = dir.join(name);
        std::fs::write(&path, bytes).unwrap();
        let code_of = |out: std::process::Output| {
            let v: Value = serde_json::from_slice(&out.stderr).unwrap_or_default();
            (
                out.status.code(),
                v["code"].as_str().unwrap_or_default().to_owned(),
            )
        };
        let check = Command::new(env!("CARGO_BIN_EXE_windeep"))
            .args(["check", path.to_str().unwrap()])
            .output()
            .unwrap();
        let call = Command::new("sh")
            .arg("-c")
            .arg(format!(
                "exec '{}' call check_books < '{}'",
                env!("CARGO_BIN_EXE_windeep"),
                path.display()
            ))
            .output()
            .unwrap();
        let (check, call) = (code_of(check), code_of(call));
        assert_eq!(check, (Some(2), "E_INVALID_INPUT".to_owned()), "{name}");
        assert_eq!(check, call, "{name}");
    }
}

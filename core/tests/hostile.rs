//! The hostile-input corpus (`tests/hostile/make_corpus.py`) run through the core: every
//! statement file and operation input is refused with its code (or read, for the hostile-looking
//! valid ones), each within 5 s, and the whole run stays under 512 MiB of resident memory.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::Value;
use windeep_core::bank::{self, Format, StatementOptions};
use windeep_ops as ops;

fn corpus() -> (PathBuf, Vec<Value>) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("hostile-core");
    let status = Command::new("python3")
        .arg(root.join("tests/hostile/make_corpus.py"))
        .arg(&out)
        .status()
        .expect("python3 runs the corpus generator");
    assert!(status.success(), "the corpus generator failed");
    let manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap();
    (out, manifest["cases"].as_array().unwrap().clone())
}

/// The peak resident memory of this process, in KiB (Linux), if known.
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn run(dir: &Path, case: &Value) -> Result<(), String> {
    let file = case["file"].as_str().unwrap();
    let path = if file.starts_with('/') {
        PathBuf::from(file)
    } else {
        dir.join(file)
    };
    match case["kind"].as_str().unwrap() {
        "statement" => {
            let format = match case["format"].as_str().unwrap() {
                "xlsx" => Format::Xlsx,
                _ => Format::Csv,
            };
            let reader = std::io::BufReader::new(std::fs::File::open(&path).unwrap());
            let mut new = 0;
            bank::stream_statement(
                reader,
                format,
                &StatementOptions::default(),
                "SBI-1",
                [],
                |row| {
                    if matches!(row, bank::ImportedRow::New { .. }) {
                        new += 1;
                    }
                    Ok(())
                },
            )
            .map_err(|e| e.code().to_owned())?;
            if new == 0 {
                return Err("read, but no transaction".to_owned());
            }
            Ok(())
        }
        _ => {
            let input = std::fs::read_to_string(&path).unwrap();
            ops::call(case["operation"].as_str().unwrap(), &input)
                .map(|_| ())
                .map_err(|e| e.code().to_owned())
        }
    }
}

#[test]
fn every_hostile_input_is_refused_with_its_code_in_bounded_time_and_memory() {
    let (dir, cases) = corpus();
    let mut failures = Vec::new();
    for case in &cases {
        let want = case["code"].as_str().unwrap();
        let started = Instant::now();
        let got = match run(&dir, case) {
            Ok(()) => "ok".to_owned(),
            Err(code) => code,
        };
        let took = started.elapsed();
        let name = case["file"].as_str().unwrap();
        if got != want {
            failures.push(format!("{name}: want {want}, got {got} ({})", case["why"]));
        }
        // an unoptimised build is several times slower than the 5 s the corpus promises
        let limit = if cfg!(debug_assertions) { 30 } else { 5 };
        if took > Duration::from_secs(limit) {
            failures.push(format!("{name}: took {took:?}"));
        }
        println!("{name}: {got} in {took:?}");
    }
    if let Some(kib) = peak_rss_kib() {
        println!("peak resident memory {} MiB", kib / 1024);
        assert!(kib < 512 * 1024, "peak resident memory {kib} KiB");
    }
    // the corpus holds a 200 MB file: do not leave it behind
    let _ = std::fs::remove_dir_all(&dir);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

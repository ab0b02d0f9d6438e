//! Imports and de-duplicates a generated bank statement of N rows (default 1,000,000), streamed
//! from a file, once without prior keys and once more with the first import's keys (every row
//! then a duplicate). The statement is written to the temporary directory first and removed at
//! the end; it is never committed.
//!
//! ```sh
//! cargo build --release -p windeep-benches --bin bank_import
//! /usr/bin/time -v target/release/bank_import 1000000
//! ```
//!
//! A second argument keeps the statement at that path, e.g. to time the command line on it:
//! `/usr/bin/time -v target/release/windeep import PATH --account SBI-1`.
//!
//! BENCHMARKS.md records the timings printed here and the peak memory reported by `time -v`.

use std::fs::File;
use std::io::{BufReader, BufWriter, Write};
use std::time::Instant;

use windeep_core::bank::{Format, ImportedRow, PriorKey, StatementOptions, stream_statement};

/// Writes an SBI-style statement: 70 % transfers with a UTR (UPI, IMPS, NEFT, RTGS), 30 % cash
/// and charges without one, among them runs of identical rows.
fn generate(path: &std::path::Path, rows: u64) -> std::io::Result<u64> {
    let mut out = BufWriter::with_capacity(1 << 20, File::create(path)?);
    writeln!(out, "Account Name :,WINDEEP MUTUAL BENEFIT SOCIETY")?;
    writeln!(out, "Account Number :,00000012345678901")?;
    writeln!(out)?;
    writeln!(
        out,
        "Txn Date,Value Date,Description,Ref No./Cheque No.,Branch Code,Debit,Credit,Balance"
    )?;
    let mut balance: u64 = 100_000_000; // paise
    for i in 0..rows {
        let day = 1 + (i / 3000) % 28;
        let month = 1 + (i / (3000 * 28)) % 12;
        let date = format!("{day:02}/{month:02}/2026");
        let paise = 10_000 + (i * 7919) % 5_000_000;
        let amount = format!("{}.{:02}", paise / 100, paise % 100);
        let (narration, credit) = match i % 10 {
            0..=3 => (
                format!(
                    "BY TRANSFER-UPI/CR/6{i:011}/MEMBER {}/SBIN/m{}@oksbi/UPI--",
                    i % 977,
                    i % 977
                ),
                true,
            ),
            4 | 5 => (
                format!("BY TRANSFER-IMPS/P2A/7{i:011}/MEMBER {}--", i % 977),
                true,
            ),
            6 => (
                format!("BY TRANSFER-NEFT*HDFC0000001*HDFCN26{i:09}*MEMBER--"),
                true,
            ),
            7 => ("CASH DEPOSIT SELF".to_owned(), true),
            8 => (format!("TO TRANSFER-RTGS UTIBR5202601{i:09}--"), false),
            _ => ("SMS CHARGES".to_owned(), false),
        };
        // identical cash rows within a day carry no balance, so they are true repeats
        let shown_balance = if i % 10 == 7 {
            String::new()
        } else {
            if credit {
                balance += paise;
            } else {
                balance = balance.saturating_sub(paise);
            }
            format!("{}.{:02}", balance / 100, balance % 100)
        };
        let (debit, credit) = if credit {
            ("", amount.as_str())
        } else {
            (amount.as_str(), "")
        };
        writeln!(
            out,
            "{date},{date},{narration},,0001,{debit},{credit},{shown_balance}"
        )?;
    }
    writeln!(out, "**Closing Balance,,,,,,,")?;
    out.flush()?;
    Ok(std::fs::metadata(path)?.len())
}

fn run(path: &std::path::Path, prior: Vec<PriorKey>, keep: bool) -> (Vec<PriorKey>, String) {
    let options = StatementOptions::default();
    let mut keys = Vec::new();
    let start = Instant::now();
    let reader = BufReader::with_capacity(1 << 16, File::open(path).expect("statement"));
    let (_, summary) = stream_statement(reader, Format::Csv, &options, "SBI-1", prior, |row| {
        if keep
            && let ImportedRow::New {
                row, transaction, ..
            } = row
        {
            keys.push(PriorKey {
                key: transaction.key,
                import_id: "IMP-1".to_owned(),
                row,
                date: Some(transaction.date),
                amount: Some(transaction.amount),
            });
        }
        Ok(())
    })
    .expect("import");
    let secs = start.elapsed().as_secs_f64();
    let line = format!(
        "{:.3} s: {} rows, {} new, {} duplicates, {} conflicts, {} rejected, {} skipped",
        secs,
        summary.rows,
        summary.new,
        summary.duplicates,
        summary.conflicts,
        summary.rejected,
        summary.skipped
    );
    (keys, line)
}

fn main() {
    let rows: u64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    // a second argument keeps the statement at that path (to time `windeep import` on it)
    let keep = std::env::args().nth(2).map(std::path::PathBuf::from);
    let path = keep.clone().unwrap_or_else(|| {
        std::env::temp_dir().join(format!("windeep-bank-{}-{rows}.csv", std::process::id()))
    });
    let bytes = generate(&path, rows).expect("write the statement");
    println!(
        "statement: {rows} rows, {}.{} MB",
        bytes / 1_000_000,
        bytes / 100_000 % 10
    );
    let (keys, first) = run(&path, Vec::new(), true);
    println!("first import:  {first}");
    let (_, second) = run(&path, keys, false);
    println!("re-import:     {second}");
    if keep.is_none() {
        std::fs::remove_file(&path).ok();
    }
}

//! `windeep`: the command line over windeep-core.
//!
//! * `windeep schedule --principal 100000 --rate 12 --tenure 12 --disbursed 2026-01-05
//!   --first-due 2026-02-05 [--format table|json|csv] …` prints a schedule.
//! * `windeep call <operation>` reads an operation's JSON input on stdin and prints its JSON
//!   output (the machine interface the golden fixtures describe).
//!
//! * `windeep import FILE --account ID [--format csv|xlsx] [--format text|json] …` imports a
//!   bank statement (streamed, so a file of any length) and prints its summary.
//!
//! The command line decides nothing: it turns flags into the operation's JSON input and formats
//! the JSON output.

use std::io::{Read, Write};
use std::process::ExitCode;

use serde_json::{Map, Value, json};
use windeep_core::bank::{self, Format, ImportedRow, LayoutChoice, PriorKey, StatementOptions};
use windeep_core::{AlertConfig, Books, CheckReport};
use windeep_ops as ops;

const USAGE: &str = "\
windeep — exact lending calculations

USAGE:
  windeep schedule --principal AMOUNT --rate PERCENT --tenure N --disbursed DATE --first-due DATE
                   [--method reducing|flat|equal_principal|bullet]
                   [--frequency monthly|quarterly|fortnightly|weekly]
                   [--basis 30_360|actual_365|actual_actual]
                   [--broken-period none|add_to_first|amortize|deduct_upfront]
                   [--fixed-due-day D] [--principal-grace N] [--interest-grace N]
                   [--rounding INCREMENT:MODE] [--emi-rounding INCREMENT:MODE]
                   [--fee-percent PERCENT | --fee-fixed AMOUNT] [--apr-decimals N]
                   [--format table|json|csv]
  windeep loan --events EVENTS.json --as-of DATE [--format table|json]
                   prints the loan statement: every installment with what is due and paid,
                   the fines and the totals (EVENTS.json: a JSON array of loan events)
  windeep import FILE --account ID [--format csv|xlsx] [--format text|json]
                 [--preset sbi|hdfc|icici|axis|kotak|windeep] [--import-id ID]
                 [--prior KEYS.json ...] [--delimiter C] [--sheet NAME]
  windeep check SNAPSHOT.json [--format text|json]
                   runs every reconciliation check and alert rule over a books snapshot
                   (docs/books.md; the file is a snapshot, or {\"books\": …, \"alerts\": …});
                   prints the report and exits 1 when anything is wrong — one line of cron
  windeep call OPERATION < input.json      (operations: see `windeep operations`)
  windeep operations
  windeep schema [OPERATION]  prints the JSON Schema of every operation (or of one)
  windeep help

Amounts and rates are plain decimals (12.5), dates YYYY-MM-DD, MODE one of
half_up, half_even, up, down. `import` reads CSV or XLSX by the file's extension unless
--format says; --format json prints the bank_import operation's output; --prior takes a JSON
list of {key, import_id, row} or an earlier `import --format json` output. Errors print {\"code\", \"message\"} JSON on stderr and exit 2.
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("schedule") => schedule(args.get(1..).unwrap_or_default()),
        Some("call") => call(args.get(1).map(String::as_str)),
        Some("import") => import(args.get(1..).unwrap_or_default()),
        Some("loan") => loan(args.get(1..).unwrap_or_default()),
        Some("check") => match check(args.get(1..).unwrap_or_default()) {
            Ok(true) => Ok(()),
            Ok(false) => return ExitCode::from(1),
            Err(e) => Err(e),
        },
        Some("schema") => schema(args.get(1).map(String::as_str)),
        Some("operations") => {
            println!("{}", ops::OPERATIONS.join("\n"));
            Ok(())
        }
        Some("help" | "--help" | "-h") => {
            print!("{USAGE}");
            Ok(())
        }
        _ => Err(usage_error("expected a command")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("{err}");
            ExitCode::from(2)
        }
    }
}

/// A usage problem, reported in the same JSON shape as the core's errors.
fn usage_error(message: &str) -> String {
    json!({ "code": "E_USAGE", "message": format!("{message}; see `windeep help`") }).to_string()
}

fn schema(operation: Option<&str>) -> Result<(), String> {
    let doc = match operation {
        None => ops::schema::document(),
        Some(name) => ops::schema::operation_document(name).ok_or_else(|| {
            ops::error_json(&windeep_core::CoreError::UnknownOperation {
                name: name.to_owned(),
            })
        })?,
    };
    println!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
    Ok(())
}

fn call(operation: Option<&str>) -> Result<(), String> {
    let operation = operation.ok_or_else(|| usage_error("`call` needs an operation name"))?;
    let mut input = String::new();
    std::io::stdin()
        .read_to_string(&mut input)
        .map_err(|e| usage_error(&format!("cannot read stdin: {e}")))?;
    let out = ops::call_json(operation, &input)?;
    println!("{out}");
    Ok(())
}

/// Flags of `windeep schedule` and the input field each fills.
const FLAGS: &[(&str, &str)] = &[
    ("--principal", "principal"),
    ("--rate", "annual_rate"),
    ("--tenure", "tenure"),
    ("--disbursed", "disbursed_on"),
    ("--first-due", "first_due_on"),
    ("--method", "method"),
    ("--frequency", "frequency"),
    ("--basis", "interest_basis"),
    ("--broken-period", "broken_period"),
    ("--fixed-due-day", "fixed_due_day"),
    ("--principal-grace", "principal_grace"),
    ("--interest-grace", "interest_grace"),
    ("--rounding", "rounding"),
    ("--emi-rounding", "emi_rounding"),
    ("--fee-percent", "processing_fee"),
    ("--fee-fixed", "processing_fee"),
    ("--apr-decimals", "apr_decimals"),
];

const INTEGER_FIELDS: &[&str] = &[
    "tenure",
    "fixed_due_day",
    "principal_grace",
    "interest_grace",
    "apr_decimals",
];

fn schedule(args: &[String]) -> Result<(), String> {
    let mut input = Map::new();
    let mut format = "table".to_owned();
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let value = it
            .next()
            .ok_or_else(|| usage_error(&format!("{flag} needs a value")))?;
        if flag == "--format" {
            format.clone_from(value);
            continue;
        }
        let field = FLAGS
            .iter()
            .find(|(f, _)| f == flag)
            .map(|(_, field)| *field)
            .ok_or_else(|| usage_error(&format!("unknown flag {flag}")))?;
        let v = match (flag.as_str(), field) {
            ("--fee-percent", _) => json!({ "kind": "percentage", "value": value }),
            ("--fee-fixed", _) => json!({ "kind": "fixed", "value": value }),
            (_, "rounding" | "emi_rounding") => {
                let (increment, mode) = value
                    .split_once(':')
                    .ok_or_else(|| usage_error(&format!("{flag} takes INCREMENT:MODE")))?;
                json!({ "increment": increment, "mode": mode })
            }
            (_, f) if INTEGER_FIELDS.contains(&f) => {
                let n: u32 = value
                    .parse()
                    .map_err(|_| usage_error(&format!("{flag} takes a whole number")))?;
                json!(n)
            }
            _ => json!(value),
        };
        input.insert(field.to_owned(), v);
    }
    let out = ops::call("schedule", &Value::Object(input).to_string())
        .map_err(|e| ops::error_json(&e))?;
    let text = match format.as_str() {
        "json" => serde_json::to_string_pretty(&out).unwrap_or_default() + "\n",
        "csv" => csv(&out),
        "table" => table(&out),
        other => return Err(usage_error(&format!("unknown format {other}"))),
    };
    std::io::stdout()
        .write_all(text.as_bytes())
        .map_err(|e| e.to_string())
}

fn s(v: &Value, key: &str) -> String {
    match v.get(key) {
        Some(Value::String(t)) => t.clone(),
        Some(Value::Null) | None => "-".to_owned(),
        Some(other) => other.to_string(),
    }
}

const COLUMNS: [&str; 8] = [
    "number",
    "due_on",
    "days",
    "opening_balance",
    "principal",
    "interest",
    "installment",
    "closing_balance",
];

fn rows(out: &Value) -> &[Value] {
    out.get("installments")
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

fn csv(out: &Value) -> String {
    let mut text = COLUMNS.join(",") + "\n";
    for row in rows(out) {
        text += &COLUMNS
            .iter()
            .map(|c| s(row, c))
            .collect::<Vec<_>>()
            .join(",");
        text.push('\n');
    }
    text
}

fn table(out: &Value) -> String {
    let totals = out.get("totals").cloned().unwrap_or(Value::Null);
    let mut text = format!(
        "Loan {} {} at {}% p.a., {} {} installments ({}, {}, {})\n",
        s(out, "currency"),
        s(out, "principal"),
        s(out, "annual_rate"),
        s(out, "tenure"),
        s(out, "frequency"),
        s(out, "method"),
        s(out, "interest_basis"),
        s(out, "disbursed_on"),
    );
    text += &format!(
        "EMI {}   fee {}   net disbursement {}   APR {}%   first due {}   maturity {}\n\n",
        s(out, "emi"),
        s(out, "processing_fee"),
        s(out, "net_disbursement"),
        s(out, "apr"),
        s(out, "first_due_on"),
        s(out, "maturity_on"),
    );
    let header = [
        "#",
        "Due date",
        "Days",
        "Opening",
        "Principal",
        "Interest",
        "Installment",
        "Closing",
    ];
    let mut lines: Vec<[String; 8]> = vec![header.map(str::to_owned)];
    for row in rows(out) {
        lines.push(COLUMNS.map(|c| s(row, c)));
    }
    let total_line = [
        "Total".to_owned(),
        String::new(),
        String::new(),
        String::new(),
        s(&totals, "principal"),
        s(&totals, "interest"),
        s(&totals, "payable"),
        String::new(),
    ];
    let mut widths = [0usize; 8];
    for line in lines.iter().chain(std::iter::once(&total_line)) {
        for (w, cell) in widths.iter_mut().zip(line) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let render = |line: &[String; 8]| {
        let cells: Vec<String> = line
            .iter()
            .zip(widths)
            .enumerate()
            .map(|(i, (cell, w))| {
                if i == 1 {
                    format!("{cell:<w$}")
                } else {
                    format!("{cell:>w$}")
                }
            })
            .collect();
        cells.join("  ").trim_end().to_owned() + "\n"
    };
    let rule = widths
        .iter()
        .map(|w| "-".repeat(*w))
        .collect::<Vec<_>>()
        .join("  ")
        + "\n";
    for (i, line) in lines.iter().enumerate() {
        text += &render(line);
        if i == 0 {
            text += &rule;
        }
    }
    text += &rule;
    text += &render(&total_line);
    text
}

fn loan(args: &[String]) -> Result<(), String> {
    let (mut events_path, mut as_of, mut format) = (None, None, "table".to_owned());
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let value = it
            .next()
            .ok_or_else(|| usage_error(&format!("{flag} needs a value")))?;
        match flag.as_str() {
            "--events" => events_path = Some(value.clone()),
            "--as-of" => as_of = Some(value.clone()),
            "--format" => format.clone_from(value),
            _ => return Err(usage_error(&format!("unknown flag {flag}"))),
        }
    }
    let path = events_path.ok_or_else(|| usage_error("`loan` needs --events FILE"))?;
    let as_of = as_of.ok_or_else(|| usage_error("`loan` needs --as-of YYYY-MM-DD"))?;
    let text = std::fs::read_to_string(&path)
        .map_err(|e| usage_error(&format!("cannot read {path}: {e}")))?;
    let events: Value = serde_json::from_str(&text)
        .map_err(|e| usage_error(&format!("{path} is not JSON: {e}")))?;
    let input = json!({ "events": events, "as_of": as_of });
    let out = ops::call("loan_statement", &input.to_string()).map_err(|e| ops::error_json(&e))?;
    let text = match format.as_str() {
        "json" => serde_json::to_string_pretty(&out).unwrap_or_default() + "\n",
        "table" => statement(&out),
        other => return Err(usage_error(&format!("unknown format {other}"))),
    };
    std::io::stdout()
        .write_all(text.as_bytes())
        .map_err(|e| e.to_string())
}

/// Renders a table with right-aligned columns (the second column left-aligned).
fn grid(lines: &[Vec<String>]) -> String {
    let cols = lines.iter().map(Vec::len).max().unwrap_or(0);
    let mut widths = vec![0usize; cols];
    for line in lines {
        for (w, cell) in widths.iter_mut().zip(line) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut text = String::new();
    for (n, line) in lines.iter().enumerate() {
        let cells: Vec<String> = line
            .iter()
            .zip(&widths)
            .enumerate()
            .map(|(i, (c, w))| {
                if i == 1 {
                    format!("{c:<w$}")
                } else {
                    format!("{c:>w$}")
                }
            })
            .collect();
        text += cells.join("  ").trim_end();
        text.push('\n');
        if n == 0 {
            text += &widths
                .iter()
                .map(|w| "-".repeat(*w))
                .collect::<Vec<_>>()
                .join("  ");
            text.push('\n');
        }
    }
    text
}

fn statement(out: &Value) -> String {
    let st = out.get("state").cloned().unwrap_or(Value::Null);
    let mut text = format!(
        "Loan {}  status {}  as of {}  rate {}% p.a.  EMI {}\n",
        s(&st, "loan_id"),
        s(&st, "status"),
        s(&st, "as_of"),
        s(&st, "annual_rate"),
        s(&st, "emi"),
    );
    text += &format!(
        "Outstanding principal {}   interest due {}   future interest {}   fines due {}   DPD {}   next due {}\n",
        s(&st, "outstanding_principal"),
        s(&st, "interest_due"),
        s(&st, "future_interest"),
        s(&st, "fines_due"),
        s(&st, "days_past_due"),
        s(&st, "next_due_on"),
    );
    if let Some(c) = st.get("closure").filter(|c| !c.is_null()) {
        text += &format!(
            "Closed ({}) on {}; guarantors released: {}\n",
            s(c, "type"),
            s(c, "closed_on"),
            c.get("guarantors_released")
                .map_or_else(String::new, Value::to_string),
        );
    }
    text.push('\n');
    let cols = [
        "number",
        "due_on",
        "status",
        "principal",
        "interest",
        "principal_paid",
        "interest_paid",
        "waived",
        "unpaid",
        "fines_due",
        "days_past_due",
    ];
    let mut lines = vec![
        [
            "#",
            "Due date",
            "Status",
            "Principal",
            "Interest",
            "Principal paid",
            "Interest paid",
            "Waived",
            "Unpaid",
            "Fines due",
            "DPD",
        ]
        .iter()
        .map(|h| (*h).to_owned())
        .collect::<Vec<_>>(),
    ];
    let rows = st
        .get("installments")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    for row in &rows {
        lines.push(cols.iter().map(|c| s(row, c)).collect());
    }
    let total = |key: &str| -> String {
        let sum: Vec<&str> = rows
            .iter()
            .filter_map(|r| r.get(key).and_then(Value::as_str))
            .collect();
        ops::sum_amounts(&sum).unwrap_or_else(|_| "-".to_owned())
    };
    lines.push(
        [
            "Total".to_owned(),
            String::new(),
            String::new(),
            total("principal"),
            total("interest"),
            total("principal_paid"),
            total("interest_paid"),
            total("waived"),
            total("unpaid"),
            total("fines_due"),
            String::new(),
        ]
        .to_vec(),
    );
    text += &grid(&lines);
    let fines = st
        .get("fines")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if !fines.is_empty() {
        text += "\nFines\n";
        let mut f = vec![
            ["Key", "Installment", "Amount", "Paid", "Waived", "Balance"]
                .iter()
                .map(|h| (*h).to_owned())
                .collect::<Vec<_>>(),
        ];
        for fine in &fines {
            f.push(
                ["key", "installment", "amount", "paid", "waived", "balance"]
                    .iter()
                    .map(|c| s(fine, c))
                    .collect(),
            );
        }
        text += &grid(&f);
    }
    text
}

/// The options of `windeep import`.
struct ImportArgs {
    file: String,
    account: String,
    import_id: Option<String>,
    format: Option<Format>,
    json: bool,
    options: StatementOptions,
    prior: Vec<PriorKey>,
}

fn import_args(args: &[String]) -> Result<ImportArgs, String> {
    let mut file = None;
    let mut account = None;
    let mut import_id = None;
    let mut format = None;
    let mut json = false;
    let mut options = StatementOptions::default();
    let mut prior = Vec::new();
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        if !arg.starts_with("--") {
            if file.replace(arg.clone()).is_some() {
                return Err(usage_error("`import` takes one file"));
            }
            continue;
        }
        let value = it
            .next()
            .ok_or_else(|| usage_error(&format!("{arg} needs a value")))?;
        match arg.as_str() {
            "--account" => account = Some(value.clone()),
            "--import-id" => import_id = Some(value.clone()),
            "--format" => match value.as_str() {
                "csv" => format = Some(Format::Csv),
                "xlsx" => format = Some(Format::Xlsx),
                "json" => json = true,
                "text" => json = false,
                other => return Err(usage_error(&format!("unknown format {other}"))),
            },
            "--preset" => options.layout = LayoutChoice::Preset(value.clone()),
            "--sheet" => options.sheet = Some(value.clone()),
            "--delimiter" => match value.as_bytes() {
                [b] if b.is_ascii() => options.delimiter = *b,
                _ => return Err(usage_error("--delimiter takes one ASCII character")),
            },
            "--prior" => {
                use std::io::BufRead;
                let file = std::fs::File::open(value)
                    .map_err(|e| usage_error(&format!("cannot read {value}: {e}")))?;
                let mut reader = std::io::BufReader::with_capacity(1 << 16, file);
                let head = reader
                    .fill_buf()
                    .map_err(|e| usage_error(&format!("cannot read {value}: {e}")))?;
                let list = head
                    .iter()
                    .find(|b| !b.is_ascii_whitespace())
                    .is_some_and(|b| *b == b'[');
                let keys = if list {
                    serde_json::from_reader::<_, Vec<PriorKey>>(reader).map_err(|e| {
                        usage_error(&format!(
                            "{value}: not a list of {{key, import_id, row}}: {e}"
                        ))
                    })?
                } else {
                    PriorKey::from_report_json(reader).map_err(|e| ops::error_json(&e))?
                };
                prior.extend(keys);
            }
            other => return Err(usage_error(&format!("unknown flag {other}"))),
        }
    }
    Ok(ImportArgs {
        file: file.ok_or_else(|| usage_error("`import` needs a statement file"))?,
        account: account.ok_or_else(|| usage_error("`import` needs --account"))?,
        import_id,
        format,
        json,
        options,
        prior,
    })
}

fn import(args: &[String]) -> Result<(), String> {
    let mut a = import_args(args)?;
    let prior = std::mem::take(&mut a.prior);
    let format = a.format.unwrap_or_else(|| {
        if a.file.to_ascii_lowercase().ends_with(".xlsx") {
            Format::Xlsx
        } else {
            Format::Csv
        }
    });
    let file = std::fs::File::open(&a.file)
        .map_err(|e| usage_error(&format!("cannot open {}: {e}", a.file)))?;
    let reader = std::io::BufReader::with_capacity(1 << 16, file);
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let io = |e: std::io::Error| windeep_core::CoreError::InvalidInput {
        reason: format!("cannot write the output: {e}"),
    };
    let mut rejected = Vec::new();
    let mut duplicates = Vec::new();
    let mut first = true;
    if a.json {
        write!(
            out,
            "{{\"account_id\":{},\"import_id\":{},\"rows\":[",
            json!(a.account),
            json!(a.import_id)
        )
        .map_err(|e| e.to_string())?;
    }
    let result = bank::stream_statement(reader, format, &a.options, &a.account, prior, |row| {
        if a.json {
            if !first {
                out.write_all(b",").map_err(io)?;
            }
            first = false;
            serde_json::to_writer(&mut out, &row).map_err(|e| {
                windeep_core::CoreError::InvalidInput {
                    reason: e.to_string(),
                }
            })?;
            return Ok(());
        }
        match row {
            ImportedRow::Rejected {
                row,
                problem,
                reason,
            } => rejected.push(format!(
                "  row {row:>7}  {:<20}  {reason}",
                json!(problem).as_str().unwrap_or_default()
            )),
            ImportedRow::Duplicate {
                row,
                transaction,
                duplicate_of,
            } => duplicates.push(format!(
                "  row {row:>7}  {}  duplicate of row {}{}",
                transaction.key,
                duplicate_of.row,
                duplicate_of
                    .import_id
                    .map(|i| format!(" of import {i}"))
                    .unwrap_or_default()
            )),
            _ => {}
        }
        Ok(())
    });
    let (layout, summary) = result.map_err(|e| ops::error_json(&e))?;
    if a.json {
        write!(
            out,
            "],\"layout\":{},\"summary\":{}}}",
            json!(layout),
            json!(summary)
        )
        .map_err(|e| e.to_string())?;
        writeln!(out).map_err(|e| e.to_string())?;
        return out.flush().map_err(|e| e.to_string());
    }
    let columns = serde_json::to_value(&layout.columns).unwrap_or_default();
    let named: Vec<String> = columns
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(_, v)| !v.is_null() && *v != &json!([]))
        .map(|(k, v)| format!("{k} {v}"))
        .collect();
    let mut text = format!(
        "Statement {} for account {}{}\nHeader on row {}: {}\n\n",
        a.file,
        a.account,
        a.import_id
            .as_ref()
            .map(|i| format!(" (import {i})"))
            .unwrap_or_default(),
        layout.header_row,
        named.join(", ")
    );
    text += &format!(
        "{} rows: {} new, {} duplicate, {} rejected, {} skipped, {} blank\n",
        summary.rows,
        summary.new,
        summary.duplicates,
        summary.rejected,
        summary.skipped,
        summary.blank
    );
    text += &format!(
        "new credits: {} totalling {}\nnew debits:  {} totalling {}\n",
        summary.new_credits.count,
        summary.new_credits.total,
        summary.new_debits.count,
        summary.new_debits.total
    );
    if !rejected.is_empty() {
        text += &format!("\nRejected rows ({}):\n", rejected.len());
        text += &(rejected.join("\n") + "\n");
    }
    if !duplicates.is_empty() {
        text += &format!("\nDuplicates ({}):\n", duplicates.len());
        text += &(duplicates.join("\n") + "\n");
    }
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(|e| e.to_string())
}

/// `windeep check SNAPSHOT.json`: the daily reconciliation. Returns whether the books are
/// clean.
fn check(args: &[String]) -> Result<bool, String> {
    let (mut path, mut format) = (None, "text".to_owned());
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        if arg == "--format" {
            format.clone_from(
                it.next()
                    .ok_or_else(|| usage_error("--format needs a value"))?,
            );
        } else if path.is_none() {
            path = Some(arg.clone());
        } else {
            return Err(usage_error(&format!("unexpected argument {arg}")));
        }
    }
    let path = path.ok_or_else(|| usage_error("`check` needs a snapshot file"))?;
    let text = std::fs::read_to_string(&path)
        .map_err(|e| usage_error(&format!("cannot read {path}: {e}")))?;
    let value: Value = serde_json::from_str(&text)
        .map_err(|e| usage_error(&format!("{path} is not JSON: {e}")))?;
    let input = if value.get("books").is_some() {
        value
    } else {
        json!({ "books": value })
    };
    // The operation validates the input and gives the exact error code; the typed call then
    // gives the sentences for people.
    let out = ops::call("check_books", &input.to_string()).map_err(|e| ops::error_json(&e))?;
    let books: Books =
        serde_json::from_value(input["books"].clone()).map_err(|e| usage_error(&e.to_string()))?;
    let alerts: AlertConfig = match input.get("alerts") {
        Some(a) => serde_json::from_value(a.clone()).map_err(|e| usage_error(&e.to_string()))?,
        None => AlertConfig::default(),
    };
    let report = windeep_core::check_books(&books, &alerts).map_err(|e| ops::error_json(&e))?;
    let text = match format.as_str() {
        "json" => serde_json::to_string_pretty(&out).unwrap_or_default() + "\n",
        "text" => render_check(&report),
        other => return Err(usage_error(&format!("unknown format {other}"))),
    };
    std::io::stdout()
        .write_all(text.as_bytes())
        .map_err(|e| e.to_string())?;
    Ok(report.ok)
}

fn render_check(r: &CheckReport) -> String {
    let s = &r.summary;
    let mut t = format!(
        "Books as of {}: {} — {} violation(s), {} alert(s)\n\n",
        r.as_of,
        if r.ok { "OK" } else { "NOT OK" },
        r.violations.len(),
        r.alerts.len()
    );
    t += &format!(
        "Active loans {} (outstanding {}), overdue {} ({}), pending fines {} ({}),\n\
         savings {}, unmapped bank transactions {} ({}), active members {}, journal entries {}\n",
        s.active_loans,
        s.outstanding_principal,
        s.overdue_loans,
        s.overdue_amount,
        s.pending_fines,
        s.pending_fine_amount,
        s.savings_balance,
        s.unmapped_transactions,
        s.unmapped_amount,
        s.active_members,
        s.journal_entries,
    );
    t += &format!("Checks run: {}\n", r.checks.join(", "));
    if !r.violations.is_empty() {
        t += "\nViolations\n";
        for v in &r.violations {
            let amounts: Vec<String> = v.amounts.iter().map(|(k, a)| format!("{k} {a}")).collect();
            t += &format!("  {:<8}  {:<28}  {}", v.severity, v.check, v.message);
            if !amounts.is_empty() {
                t += &format!("  ({})", amounts.join(", "));
            }
            t.push('\n');
        }
    }
    if !r.alerts.is_empty() {
        t += "\nAlerts\n";
        for a in &r.alerts {
            t += &format!(
                "  {}: {} (threshold {}, found {}): {}\n",
                a.rule,
                a.message,
                a.threshold,
                a.value,
                a.items.join(", ")
            );
        }
    }
    if !r.risk_bands.is_empty() {
        t += "\nOverdue loans by risk band\n";
        for b in &r.risk_bands {
            t += &format!(
                "  {:<9} {} loan(s), overdue {}: {}\n",
                b.band,
                b.loans,
                b.overdue,
                b.loan_ids.join(", ")
            );
        }
    }
    t
}

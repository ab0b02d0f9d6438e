//! `windeep`: the command line over windeep.
//!
//! * `windeep schedule --principal 100000 --rate 12 --tenure 12 --disbursed 2026-01-05
//!   --first-due 2026-02-05 [--format table|json|csv] …` prints a schedule.
//! * `windeep call <operation>` reads an operation's JSON input on stdin and prints its JSON
//!   output (the machine interface the golden fixtures describe).
//! * `windeep import FILE --account ID [--statement-format csv|xlsx] [--format text|json] …`
//!   imports a bank statement (streamed, so a file of any length) and prints its summary.
//! * `windeep schema [OPERATION]` prints the JSON Schema of the operations.
//!
//! The command line decides nothing: it turns flags into the operation's JSON input and formats
//! the JSON output. Every error prints `{"code", "message"}` JSON on stderr and exits 2 (a
//! command line it cannot parse is `E_USAGE`).

use std::io::{Read, Write};
use std::process::ExitCode;

mod audit;
#[cfg(feature = "parquet")]
mod parquet;

use clap::{Args, CommandFactory, Parser, Subcommand, ValueEnum};
use serde_json::{Value, json};
use windeep_core::bank::{self, Format, ImportedRow, LayoutChoice, PriorKey, StatementOptions};
use windeep_core::export::csv_row;
use windeep_core::{books::Books, reconcile::AlertConfig, reconcile::CheckReport};
use windeep_ops as ops;

/// windeep — exact lending calculations.
///
/// Amounts and rates are plain decimals (12.5), dates YYYY-MM-DD. Errors print
/// {"code", "message"} JSON on stderr and exit 2.
#[derive(Debug, Parser)]
#[command(name = "windeep", version, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Prints a repayment schedule from a loan's terms.
    Schedule(ScheduleArgs),
    /// Prints a loan's statement: every installment with what is due and paid, the fines and
    /// the totals.
    Loan(LoanArgs),
    /// Imports a bank statement (CSV or XLSX, streamed) and prints its summary.
    Import(ImportCli),
    /// Runs every reconciliation check and alert rule over a books snapshot; exits 1 when
    /// anything is wrong.
    Check(CheckArgs),
    /// Audits a legacy export (the loans, loan_installments, loan_payments and fines tables as
    /// CSV files or a mysqldump file): findings by cause, loan and row; exits 1 when anything
    /// is found.
    Audit(audit::AuditArgs),
    /// Runs an operation on the JSON input read from stdin and prints its JSON output.
    Call {
        /// The operation (see `windeep operations`).
        operation: String,
    },
    /// Lists every operation, one per line.
    Operations,
    /// Prints the JSON Schema of every operation (or of one).
    Schema {
        /// Only this operation.
        operation: Option<String>,
    },
    /// Prints a shell completion script.
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
}

/// Schedule methods.
#[derive(Debug, Clone, Copy, ValueEnum)]
enum MethodArg {
    Reducing,
    Flat,
    #[value(name = "equal_principal")]
    EqualPrincipal,
    Bullet,
}

/// Installment frequencies.
#[derive(Debug, Clone, Copy, ValueEnum)]
enum FrequencyArg {
    Monthly,
    Quarterly,
    Fortnightly,
    Weekly,
}

/// Day-count bases.
#[derive(Debug, Clone, Copy, ValueEnum)]
enum BasisArg {
    #[value(name = "30_360")]
    Days30_360,
    #[value(name = "actual_365")]
    Actual365,
    #[value(name = "actual_actual")]
    ActualActual,
}

/// Broken-period treatments.
#[derive(Debug, Clone, Copy, ValueEnum)]
enum BrokenPeriodArg {
    None,
    #[value(name = "add_to_first")]
    AddToFirst,
    Amortize,
    #[value(name = "deduct_upfront")]
    DeductUpfront,
}

/// Output of `schedule`.
#[derive(Debug, Clone, Copy, ValueEnum)]
enum ScheduleFormat {
    Table,
    Json,
    Csv,
}

/// Output of `loan`.
#[derive(Debug, Clone, Copy, ValueEnum)]
enum TableFormat {
    Table,
    Json,
}

/// Output of `import` and `check`.
#[derive(Debug, Clone, Copy, ValueEnum)]
enum TextFormat {
    Text,
    Json,
}

/// A statement's file format.
#[derive(Debug, Clone, Copy, ValueEnum)]
enum StatementFormat {
    Csv,
    Xlsx,
}

fn name_of<T: ValueEnum>(v: &T) -> String {
    v.to_possible_value()
        .map(|p| p.get_name().to_owned())
        .unwrap_or_default()
}

#[derive(Debug, Args)]
struct ScheduleArgs {
    /// The principal, currency units.
    #[arg(long)]
    principal: String,
    /// The nominal rate, percent per annum.
    #[arg(long)]
    rate: String,
    /// The number of installments.
    #[arg(long)]
    tenure: u32,
    /// The disbursement date.
    #[arg(long)]
    disbursed: String,
    /// The first due date.
    #[arg(long = "first-due")]
    first_due: String,
    /// The schedule method.
    #[arg(long, value_enum)]
    method: Option<MethodArg>,
    /// The installment frequency.
    #[arg(long, value_enum)]
    frequency: Option<FrequencyArg>,
    /// The day-count basis.
    #[arg(long, value_enum)]
    basis: Option<BasisArg>,
    /// The broken-period treatment.
    #[arg(long = "broken-period", value_enum)]
    broken_period: Option<BrokenPeriodArg>,
    /// A fixed due day of the month, 1–28.
    #[arg(long = "fixed-due-day")]
    fixed_due_day: Option<u32>,
    /// Installments of principal grace.
    #[arg(long = "principal-grace")]
    principal_grace: Option<u32>,
    /// Installments of interest grace.
    #[arg(long = "interest-grace")]
    interest_grace: Option<u32>,
    /// Rounding of amounts, INCREMENT:MODE (MODE: half_up, half_even, up, down).
    #[arg(long)]
    rounding: Option<String>,
    /// Rounding of the EMI, INCREMENT:MODE.
    #[arg(long = "emi-rounding")]
    emi_rounding: Option<String>,
    /// A processing fee as a percentage of the principal.
    #[arg(long = "fee-percent", conflicts_with = "fee_fixed")]
    fee_percent: Option<String>,
    /// A fixed processing fee, currency units.
    #[arg(long = "fee-fixed")]
    fee_fixed: Option<String>,
    /// Decimals of the APR.
    #[arg(long = "apr-decimals")]
    apr_decimals: Option<u32>,
    /// The output.
    #[arg(long, value_enum, default_value = "table")]
    format: ScheduleFormat,
}

#[derive(Debug, Args)]
struct LoanArgs {
    /// A JSON array of the loan's events.
    #[arg(long)]
    events: String,
    /// The statement date.
    #[arg(long = "as-of")]
    as_of: String,
    /// The output.
    #[arg(long, value_enum, default_value = "table")]
    format: TableFormat,
}

#[derive(Debug, Args)]
struct ImportCli {
    /// The statement file.
    file: String,
    /// The society's bank account the statement belongs to.
    #[arg(long)]
    account: String,
    /// This import's id, used by later imports to name the rows they repeat.
    #[arg(long = "import-id")]
    import_id: Option<String>,
    /// The statement's format (by the file's extension when not given).
    #[arg(long = "statement-format", value_enum)]
    statement_format: Option<StatementFormat>,
    /// The output: a summary, or the bank_import operation's JSON output.
    #[arg(long, value_enum, default_value = "text")]
    format: TextFormat,
    /// A column preset (sbi, hdfc, icici, axis, kotak, windeep).
    #[arg(long)]
    preset: Option<String>,
    /// Keys of earlier imports: a JSON list of {key, import_id, row} or an earlier
    /// `import --format json` output (repeatable).
    #[arg(long, action = clap::ArgAction::Append)]
    prior: Vec<String>,
    /// The CSV delimiter: one ASCII character.
    #[arg(long)]
    delimiter: Option<String>,
    /// The XLSX sheet.
    #[arg(long)]
    sheet: Option<String>,
}

#[derive(Debug, Args)]
struct CheckArgs {
    /// A books snapshot, or {"books": …, "alerts": …} (docs/books.md).
    snapshot: String,
    /// The output.
    #[arg(long, value_enum, default_value = "text")]
    format: TextFormat,
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            use clap::error::ErrorKind;
            if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
                print!("{e}");
                return ExitCode::SUCCESS;
            }
            let text = e.render().to_string();
            let first = text.lines().next().unwrap_or_default();
            eprintln!("{}", usage_error(first.trim_start_matches("error: ")));
            return ExitCode::from(2);
        }
    };
    let result = match cli.command {
        Command::Schedule(a) => schedule(&a),
        Command::Call { operation } => call(&operation),
        Command::Import(a) => import(a),
        Command::Loan(a) => loan(&a),
        Command::Check(a) => match check(&a) {
            Ok(true) => Ok(()),
            Ok(false) => return ExitCode::from(1),
            Err(e) => Err(e),
        },
        Command::Audit(a) => match audit::audit(&a) {
            Ok(true) => Ok(()),
            Ok(false) => return ExitCode::from(1),
            Err(e) => Err(e),
        },
        Command::Schema { operation } => schema(operation.as_deref()),
        Command::Operations => emit(&(ops::OPERATIONS.join("\n") + "\n")),
        Command::Completions { shell } => {
            clap_complete::generate(
                shell,
                &mut Cli::command(),
                "windeep",
                &mut std::io::stdout(),
            );
            Ok(())
        }
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
    let message = message.trim_end();
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
    emit(&(serde_json::to_string_pretty(&doc).unwrap_or_default() + "\n"))
}

fn call(operation: &str) -> Result<(), String> {
    let input = read_input(std::io::stdin().lock(), "stdin")?;
    let out = ops::call_json(operation, &input)?;
    emit(&(out + "\n"))
}

/// Writes a command's whole output to stdout. A reader that has gone away (`windeep schema |
/// head`) ends the command quietly, as it does for other command-line tools; any other write
/// failure is reported in the core's error shape.
pub(crate) fn emit(text: &str) -> Result<(), String> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(ops::error_json(&windeep_core::CoreError::InvalidInput {
            reason: format!("cannot write the output: {e}"),
        })),
    }
}

/// Reads an operation's JSON input, at most the core's input limit, as UTF-8; refused with the
/// codes `call` gives (`E_INPUT_TOO_LARGE`, `E_INVALID_INPUT`).
fn read_input(input: impl Read, what: &str) -> Result<String, String> {
    let limit = windeep_core::strict_json::MAX_INPUT_BYTES as u64;
    let mut bytes = Vec::new();
    input
        .take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| usage_error(&format!("cannot read {what}: {e}")))?;
    if bytes.len() as u64 > limit {
        return Err(ops::error_json(&windeep_core::CoreError::InputTooLarge {
            reason: format!("{what} is longer than {limit} bytes"),
        }));
    }
    String::from_utf8(bytes).map_err(|e| {
        ops::error_json(&windeep_core::CoreError::InvalidInput {
            reason: format!("{what} is not UTF-8 text: {e}"),
        })
    })
}

fn schedule(a: &ScheduleArgs) -> Result<(), String> {
    let mut input = serde_json::Map::new();
    let mut put = |k: &str, v: Value| {
        input.insert(k.to_owned(), v);
    };
    put("principal", json!(a.principal));
    put("annual_rate", json!(a.rate));
    put("tenure", json!(a.tenure));
    put("disbursed_on", json!(a.disbursed));
    put("first_due_on", json!(a.first_due));
    if let Some(v) = &a.method {
        put("method", json!(name_of(v)));
    }
    if let Some(v) = &a.frequency {
        put("frequency", json!(name_of(v)));
    }
    if let Some(v) = &a.basis {
        put("interest_basis", json!(name_of(v)));
    }
    if let Some(v) = &a.broken_period {
        put("broken_period", json!(name_of(v)));
    }
    for (k, v) in [
        ("fixed_due_day", a.fixed_due_day),
        ("principal_grace", a.principal_grace),
        ("interest_grace", a.interest_grace),
        ("apr_decimals", a.apr_decimals),
    ] {
        if let Some(n) = v {
            put(k, json!(n));
        }
    }
    for (flag, k, v) in [
        ("--rounding", "rounding", &a.rounding),
        ("--emi-rounding", "emi_rounding", &a.emi_rounding),
    ] {
        if let Some(text) = v {
            let (increment, mode) = text
                .split_once(':')
                .ok_or_else(|| usage_error(&format!("{flag} takes INCREMENT:MODE")))?;
            put(k, json!({ "increment": increment, "mode": mode }));
        }
    }
    if let Some(v) = &a.fee_percent {
        put(
            "processing_fee",
            json!({ "kind": "percentage", "value": v }),
        );
    }
    if let Some(v) = &a.fee_fixed {
        put("processing_fee", json!({ "kind": "fixed", "value": v }));
    }
    let out = ops::call("schedule", &Value::Object(input).to_string())
        .map_err(|e| ops::error_json(&e))?;
    let text = match a.format {
        ScheduleFormat::Json => serde_json::to_string_pretty(&out).unwrap_or_default() + "\n",
        ScheduleFormat::Csv => csv(&out),
        ScheduleFormat::Table => table(&out),
    };
    emit(&text)
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

/// The schedule as CSV, every cell through the core's spreadsheet-safe writer.
fn csv(out: &Value) -> String {
    let mut text = csv_row(COLUMNS.iter().copied());
    for row in rows(out) {
        let cells: Vec<String> = COLUMNS.iter().map(|c| s(row, c)).collect();
        text += &csv_row(cells.iter().map(String::as_str));
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

fn loan(a: &LoanArgs) -> Result<(), String> {
    let (path, as_of) = (&a.events, &a.as_of);
    let text = std::fs::read_to_string(path)
        .map_err(|e| usage_error(&format!("cannot read {path}: {e}")))?;
    let events: Value = serde_json::from_str(&text)
        .map_err(|e| usage_error(&format!("{path} is not JSON: {e}")))?;
    let input = json!({ "events": events, "as_of": as_of });
    let out = ops::call("loan_statement", &input.to_string()).map_err(|e| ops::error_json(&e))?;
    let text = match a.format {
        TableFormat::Json => serde_json::to_string_pretty(&out).unwrap_or_default() + "\n",
        TableFormat::Table => statement(&out),
    };
    emit(&text)
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

fn import_args(c: ImportCli) -> Result<ImportArgs, String> {
    let mut options = StatementOptions::default();
    if let Some(p) = c.preset {
        options.layout = LayoutChoice::Preset(p);
    }
    options.sheet = c.sheet;
    if let Some(d) = &c.delimiter {
        match d.as_bytes() {
            [b] if b.is_ascii() => options.delimiter = *b,
            _ => return Err(usage_error("--delimiter takes one ASCII character")),
        }
    }
    let mut prior = Vec::new();
    for value in &c.prior {
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
    Ok(ImportArgs {
        file: c.file,
        account: c.account,
        import_id: c.import_id,
        format: c.statement_format.map(|f| match f {
            StatementFormat::Csv => Format::Csv,
            StatementFormat::Xlsx => Format::Xlsx,
        }),
        json: matches!(c.format, TextFormat::Json),
        options,
        prior,
    })
}

fn import(args: ImportCli) -> Result<(), String> {
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
    // JSON is started with the first row, so that a statement refused before any row (the
    // common case) writes nothing on stdout; one refused later ends the document with its error.
    let prefix = format!(
        "{{\"account_id\":{},\"import_id\":{},\"rows\":[",
        json!(a.account),
        json!(a.import_id)
    );
    let mut first = true;
    let result = bank::stream_statement(reader, format, &a.options, &a.account, prior, |row| {
        if a.json {
            if first {
                out.write_all(prefix.as_bytes()).map_err(io)?;
            } else {
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
    let (layout, summary) = match result {
        Ok(v) => v,
        Err(e) => {
            if a.json && !first {
                let error: Value = serde_json::from_str(&ops::error_json(&e)).unwrap_or_default();
                writeln!(out, "],\"error\":{error}}}")
                    .and_then(|()| out.flush())
                    .map_err(|e| e.to_string())?;
            }
            return Err(ops::error_json(&e));
        }
    };
    if a.json {
        if first {
            out.write_all(prefix.as_bytes())
                .map_err(|e| e.to_string())?;
        }
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
/// The input of `check`: a books snapshot and the alert thresholds.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct CheckInput {
    books: Books,
    #[serde(default)]
    alerts: AlertConfig,
}

fn check(a: &CheckArgs) -> Result<bool, String> {
    let path = &a.snapshot;
    let file =
        std::fs::File::open(path).map_err(|e| usage_error(&format!("cannot read {path}: {e}")))?;
    // an unreadable snapshot gets the codes `call check_books` gives it
    let text = read_input(file, path)?;
    windeep_core::strict_json::check(&text).map_err(|e| ops::error_json(&e))?;
    let value: Value = serde_json::from_str(&text).map_err(|e| {
        ops::error_json(&windeep_core::CoreError::InvalidInput {
            reason: format!("{path} is not JSON: {e}"),
        })
    })?;
    let input = if value.get("books").is_some() {
        value
    } else {
        json!({ "books": value })
    };
    // Read as the check_books operation reads it (the same error codes), and computed once.
    let input: CheckInput = serde_json::from_value(input)
        .map_err(|e| ops::error_json(&windeep_core::wire::error_from_serde(&e)))?;
    let report = windeep_core::reconcile::check_books(&input.books, &input.alerts)
        .map_err(|e| ops::error_json(&e))?;
    let text = match a.format {
        TextFormat::Json => serde_json::to_string_pretty(&report).unwrap_or_default() + "\n",
        TextFormat::Text => render_check(&report),
    };
    emit(&text)?;
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
    if !r.skipped.is_empty() {
        t += &format!("Skipped (no data): {}\n", r.skipped.join(", "));
    }
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
    if !r.bank_reconciliations.is_empty() {
        t += "\nBank reconciliation\n";
        for b in &r.bank_reconciliations {
            t += &format!(
                "  {} on {}: statement {}, books {}, adjusted {} / {}, difference {}{}\n",
                b.account_id,
                b.as_of,
                b.bank_balance,
                b.book_balance,
                b.adjusted_bank_balance,
                b.adjusted_book_balance,
                b.difference,
                if b.reconciled { " (reconciled)" } else { "" }
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

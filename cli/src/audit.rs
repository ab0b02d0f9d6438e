//! `windeep audit`: a legacy export's four tables (CSV or Parquet files, or a mysqldump file)
//! through the
//! core's `audit_book`, written as text, JSON or an Excel workbook.

use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};
use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};
use windeep_core::{
    Money, audit::AuditFinding, audit::BookAudit, audit::LegacyExport, audit::RawTable,
    audit::audit_book, audit::read_csv_table, audit::read_mysql_dump, parse_date,
};
use windeep_ops as ops;

use crate::usage_error;

/// Output of `audit`.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum AuditFormat {
    Text,
    Json,
}

/// Audits a legacy export: the `loans`, `loan_installments`, `loan_payments` and `fines`
/// tables, from CSV or Parquet files or a MySQL/MariaDB dump (docs/audit.md).
#[derive(Debug, Args)]
pub(crate) struct AuditArgs {
    /// The audit date (YYYY-MM-DD): statuses and outstanding figures are as of its end.
    #[arg(long)]
    as_of: String,
    /// A folder holding loans, loan_installments, loan_payments and fines, each as .csv or
    /// (when there is no CSV file of it) .parquet.
    #[arg(long, conflicts_with_all = ["dump", "loans"])]
    dir: Option<PathBuf>,
    /// A mysqldump file with the INSERT statements of the four tables.
    #[arg(long, conflicts_with = "loans")]
    dump: Option<PathBuf>,
    /// The loans file (with --installments, --payments and --fines): CSV, or Parquet when its
    /// name ends in .parquet (as for each of the four).
    #[arg(long, requires_all = ["installments", "payments", "fines"])]
    loans: Option<PathBuf>,
    /// The loan_installments file.
    #[arg(long)]
    installments: Option<PathBuf>,
    /// The loan_payments file.
    #[arg(long)]
    payments: Option<PathBuf>,
    /// The fines file.
    #[arg(long)]
    fines: Option<PathBuf>,
    /// Materiality: money findings with |difference| at most this are left out (default 0).
    #[arg(long, default_value = "0")]
    tolerance: String,
    /// The output on stdout.
    #[arg(long, value_enum, default_value = "text")]
    format: AuditFormat,
    /// Also writes the report as an Excel workbook: sheets summary, causes, loans and rows.
    #[arg(long)]
    xlsx: Option<PathBuf>,
    /// Rows of findings shown in the text output (0: all).
    #[arg(long, default_value = "40")]
    limit: usize,
}

fn read_file(path: &Path) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| usage_error(&format!("cannot read {}: {e}", path.display())))
}

/// One table from its file: Parquet when the name ends in `.parquet`, else CSV.
fn table(path: &Path) -> Result<RawTable, String> {
    let parquet = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("parquet"));
    let bytes = read_file(path)?;
    let read = if parquet {
        parquet_table(bytes)?
    } else {
        read_csv_table(&bytes)
    };
    read.map_err(|e| {
        let mut e = e;
        if let windeep_core::CoreError::InvalidInput { reason } = &mut e {
            *reason = format!("{}: {reason}", path.display());
        }
        ops::error_json(&e)
    })
}

#[cfg(feature = "parquet")]
fn parquet_table(bytes: Vec<u8>) -> Result<Result<RawTable, windeep_core::CoreError>, String> {
    Ok(crate::parquet::read_parquet_table(bytes))
}

#[cfg(not(feature = "parquet"))]
fn parquet_table(_: Vec<u8>) -> Result<Result<RawTable, windeep_core::CoreError>, String> {
    Err(usage_error(
        "this windeep was built without Parquet support (the cli's `parquet` feature)",
    ))
}

/// A table of the folder: `<name>.csv`, or `<name>.parquet` when there is no CSV file of it.
fn in_dir(dir: &Path, name: &str) -> PathBuf {
    let csv = dir.join(format!("{name}.csv"));
    let parquet = dir.join(format!("{name}.parquet"));
    if !csv.exists() && parquet.exists() {
        parquet
    } else {
        csv
    }
}

fn export(a: &AuditArgs) -> Result<LegacyExport, String> {
    if let Some(dump) = &a.dump {
        return read_mysql_dump(&read_file(dump)?).map_err(|e| ops::error_json(&e));
    }
    let paths: [PathBuf; 4] = match (&a.dir, &a.loans, &a.installments, &a.payments, &a.fines) {
        (Some(dir), ..) => [
            in_dir(dir, "loans"),
            in_dir(dir, "loan_installments"),
            in_dir(dir, "loan_payments"),
            in_dir(dir, "fines"),
        ],
        (None, Some(l), Some(i), Some(p), Some(f)) => [l.clone(), i.clone(), p.clone(), f.clone()],
        _ => {
            return Err(usage_error(
                "give --dir, --dump, or --loans with --installments, --payments and --fines",
            ));
        }
    };
    let [loans, installments, payments, fines] = paths;
    Ok(LegacyExport {
        loans: table(&loans)?,
        loan_installments: table(&installments)?,
        loan_payments: table(&payments)?,
        fines: table(&fines)?,
    })
}

/// Runs `windeep audit`: exit 0 when nothing was found, 1 when something was.
pub(crate) fn audit(a: &AuditArgs) -> Result<bool, String> {
    let as_of = parse_date(&a.as_of).map_err(|e| ops::error_json(&e))?;
    let tolerance: Money = a.tolerance.parse().map_err(|e| ops::error_json(&e))?;
    let export = export(a)?;
    let report = audit_book(&export, as_of, tolerance).map_err(|e| ops::error_json(&e))?;
    if let Some(path) = &a.xlsx {
        write_xlsx(&report, path)
            .map_err(|e| usage_error(&format!("cannot write {}: {e}", path.display())))?;
    }
    let text = match a.format {
        AuditFormat::Json => serde_json::to_string_pretty(&report).unwrap_or_default() + "\n",
        AuditFormat::Text => render(&report, a.limit),
    };
    crate::emit(&text)?;
    Ok(report.findings.is_empty())
}

fn opt<T: ToString>(v: Option<T>) -> String {
    v.map(|v| v.to_string()).unwrap_or_default()
}

/// The text report: the summary, the roll-up by cause, the loans, then the rows.
fn render(r: &BookAudit, limit: usize) -> String {
    let s = &r.summary;
    let mut t = format!(
        "Legacy export audited as of {} (tolerance {}): {} loans, {} audited, {} malformed; \
         {} with findings; {} findings, {} in all\n",
        r.as_of,
        r.tolerance,
        s.loans,
        s.loans_audited,
        s.loans_malformed,
        s.loans_with_findings,
        s.findings,
        s.amount
    );
    if s.below_tolerance > 0 {
        t += &format!(
            "{} findings within the tolerance left out\n",
            s.below_tolerance
        );
    }
    t += "\nBy cause\n";
    t += &format!(
        "{:<24} {:<58} {:>6} {:>6} {:>14}\n",
        "rule", "cause", "loans", "rows", "amount"
    );
    for c in &r.causes {
        t += &format!(
            "{:<24} {:<58} {:>6} {:>6} {:>14}\n",
            c.rule, c.cause, c.loans, c.rows, c.amount
        );
    }
    t += "\nBy loan\n";
    t += &format!(
        "{:>8} {:<16} {:>9} {:>6} {:>14}  rules\n",
        "loan_id", "loan_number", "findings", "rows", "amount"
    );
    let shown = |n: usize| if limit == 0 { n } else { n.min(limit) };
    for l in r.loans.iter().take(shown(r.loans.len())) {
        t += &format!(
            "{:>8} {:<16} {:>9} {:>6} {:>14}  {}{}\n",
            l.loan_id,
            l.loan_number,
            l.findings,
            l.rows,
            l.amount,
            if l.malformed { "(malformed) " } else { "" },
            l.rules.join(", ")
        );
    }
    if shown(r.loans.len()) < r.loans.len() {
        t += &format!(
            "… {} more loans (--limit 0 shows all)\n",
            r.loans.len() - limit
        );
    }
    t += "\nBy row\n";
    t += &format!(
        "{:>8} {:<18} {:>8} {:<22} {:<24} {:>14} {:>14} {:>12}\n",
        "loan_id", "table", "row_id", "field", "rule", "stored", "correct", "difference"
    );
    for f in r.findings.iter().take(shown(r.findings.len())) {
        t += &format!(
            "{:>8} {:<18} {:>8} {:<22} {:<24} {:>14} {:>14} {:>12}\n",
            opt(f.loan_id),
            f.table,
            opt(f.row_id),
            f.field,
            f.rule,
            opt(f.stored.as_deref()),
            opt(f.correct.as_deref()),
            opt(f.difference)
        );
    }
    if shown(r.findings.len()) < r.findings.len() {
        t += &format!(
            "… {} more findings (--limit 0 shows all, --format json or --xlsx gives every one)\n",
            r.findings.len() - limit
        );
    }
    t
}

/// A money amount as an Excel number (a spreadsheet cell holds a binary float; the text of
/// the decimal is converted once, without arithmetic).
fn number(m: Money) -> f64 {
    m.value().to_string().parse().unwrap_or_default()
}

/// A sheet with a bold, frozen header row and an autofilter over `rows` data rows.
fn sheet<'a>(
    wb: &'a mut Workbook,
    name: &str,
    header: &[&str],
    rows: usize,
) -> Result<&'a mut Worksheet, XlsxError> {
    let bold = Format::new().set_bold();
    let ws = wb.add_worksheet();
    ws.set_name(name)?;
    for (c, h) in (0_u16..).zip(header) {
        ws.write_string_with_format(0, c, *h, &bold)?;
        ws.set_column_width(c, 14)?;
    }
    ws.set_freeze_panes(1, 0)?;
    let last_col = u16::try_from(header.len().saturating_sub(1)).unwrap_or(0);
    let last_row = u32::try_from(rows).unwrap_or(u32::MAX);
    ws.autofilter(0, 0, last_row, last_col)?;
    Ok(ws)
}

/// The workbook: one sheet per level (summary, causes, loans, rows), money as numbers.
fn write_xlsx(r: &BookAudit, path: &Path) -> Result<(), XlsxError> {
    let money = Format::new().set_num_format("#,##0.00");
    let mut wb = Workbook::new();
    let s = &r.summary;
    {
        let ws = sheet(&mut wb, "summary", &["measure", "value"], 9)?;
        let lines: [(&str, usize); 8] = [
            ("loans", s.loans),
            ("loans audited", s.loans_audited),
            ("loans malformed", s.loans_malformed),
            ("loans with findings", s.loans_with_findings),
            ("findings", s.findings),
            ("findings of no loan", s.findings_without_loan),
            ("findings within the tolerance", s.below_tolerance),
            ("fines not of loans", s.fines_not_of_loans),
        ];
        let mut row = 1;
        ws.write_string(row, 0, "as of")?;
        ws.write_string(row, 1, r.as_of.to_string())?;
        row += 1;
        for (label, n) in lines {
            ws.write_string(row, 0, label)?;
            ws.write_number(row, 1, u32::try_from(n).unwrap_or(u32::MAX))?;
            row += 1;
        }
        ws.write_string(row, 0, "amount")?;
        ws.write_number_with_format(row, 1, number(s.amount), &money)?;
        ws.set_column_width(0, 30)?;
    }
    {
        let ws = sheet(
            &mut wb,
            "causes",
            &["rule", "cause", "loans", "rows", "findings", "amount"],
            r.causes.len(),
        )?;
        for (row, c) in (1_u32..).zip(&r.causes) {
            ws.write_string(row, 0, &c.rule)?;
            ws.write_string(row, 1, &c.cause)?;
            ws.write_number(row, 2, u32::try_from(c.loans).unwrap_or(u32::MAX))?;
            ws.write_number(row, 3, u32::try_from(c.rows).unwrap_or(u32::MAX))?;
            ws.write_number(row, 4, u32::try_from(c.findings).unwrap_or(u32::MAX))?;
            ws.write_number_with_format(row, 5, number(c.amount), &money)?;
        }
        ws.set_column_width(1, 60)?;
    }
    {
        let ws = sheet(
            &mut wb,
            "loans",
            &[
                "loan_id",
                "loan_number",
                "malformed",
                "findings",
                "rows",
                "amount",
                "rules",
            ],
            r.loans.len(),
        )?;
        for (row, l) in (1_u32..).zip(&r.loans) {
            ws.write_number(row, 0, u32::try_from(l.loan_id).unwrap_or(u32::MAX))?;
            ws.write_string(row, 1, &l.loan_number)?;
            ws.write_boolean(row, 2, l.malformed)?;
            ws.write_number(row, 3, u32::try_from(l.findings).unwrap_or(u32::MAX))?;
            ws.write_number(row, 4, u32::try_from(l.rows).unwrap_or(u32::MAX))?;
            ws.write_number_with_format(row, 5, number(l.amount), &money)?;
            ws.write_string(row, 6, l.rules.join(", "))?;
        }
    }
    {
        let header = [
            "loan_id",
            "loan_number",
            "table",
            "row_id",
            "installment",
            "field",
            "rule",
            "cause",
            "stored",
            "correct",
            "difference",
            "message",
        ];
        let ws = sheet(&mut wb, "rows", &header, r.findings.len())?;
        for (row, f) in (1_u32..).zip(&r.findings) {
            write_finding(ws, row, f, &money)?;
        }
    }
    wb.save(path)
}

fn write_finding(
    ws: &mut Worksheet,
    row: u32,
    f: &AuditFinding,
    money: &Format,
) -> Result<(), XlsxError> {
    if let Some(id) = f.loan_id {
        ws.write_number(row, 0, u32::try_from(id).unwrap_or(u32::MAX))?;
    }
    if let Some(n) = &f.loan_number {
        ws.write_string(row, 1, n)?;
    }
    ws.write_string(row, 2, &f.table)?;
    if let Some(id) = f.row_id {
        ws.write_number(row, 3, u32::try_from(id).unwrap_or(u32::MAX))?;
    }
    if let Some(i) = f.installment {
        ws.write_number(row, 4, i)?;
    }
    ws.write_string(row, 5, &f.field)?;
    ws.write_string(row, 6, &f.rule)?;
    ws.write_string(row, 7, &f.cause)?;
    let is_money = f.kind == windeep_core::audit::ValueKind::Money;
    for (col, value) in [(8_u16, &f.stored), (9, &f.correct)] {
        match value {
            Some(v) if is_money => match v.parse::<Money>() {
                Ok(m) => ws.write_number_with_format(row, col, number(m), money)?,
                Err(_) => ws.write_string(row, col, v)?,
            },
            Some(v) => ws.write_string(row, col, v)?,
            None => ws,
        };
    }
    if let Some(d) = f.difference {
        ws.write_number_with_format(row, 10, number(d), money)?;
    }
    ws.write_string(row, 11, &f.message)?;
    Ok(())
}

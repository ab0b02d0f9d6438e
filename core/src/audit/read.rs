//! Reading the legacy tables from the files an auditor is given: CSV (one file per table)
//! and, with the `dump` feature, a MySQL/MariaDB dump. Pure over bytes: the caller reads the
//! files.
//!
//! Both give [`RawTable`]s of raw cells; every cell's meaning is decided by [`super::audit_book`]
//! (`docs/audit.md`, "Reading an export"), never here.

#[cfg(feature = "dump")]
use super::book::LegacyExport;
use super::book::RawTable;
use crate::error::CoreError;

/// Largest CSV field the reader takes, in bytes.
const MAX_FIELD: usize = 1 << 20;

/// Reads one table from CSV bytes (RFC 4180: `,`, `"` quoting; a UTF-8 byte-order mark is
/// skipped). The first record names the columns. Every cell is text: `\N`, `NULL` and empty
/// cells are kept as written (their meaning is the audit's).
///
/// # Errors
/// `E_INVALID_INPUT` for text that is not UTF-8, no header record, or a field over 1 MiB.
///
/// # Example
/// ```
/// let t = windeep_core::audit::read_csv_table(b"id,loan_id\n7,\"1\"\n8,\\N\n").unwrap();
/// assert_eq!(t.columns, ["id", "loan_id"]);
/// assert_eq!(t.rows[1][1].as_deref(), Some("\\N"));
/// ```
pub fn read_csv_table(bytes: &[u8]) -> Result<RawTable, CoreError> {
    use csv_core::ReadFieldResult as R;
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut reader = csv_core::Reader::new();
    let mut records: Vec<Vec<Option<String>>> = Vec::new();
    let mut record: Vec<Option<String>> = Vec::new();
    let mut field: Vec<u8> = Vec::with_capacity(64);
    let mut out = [0_u8; 4096];
    let mut pos = 0;
    let bad = |reason: String| CoreError::InvalidInput { reason };
    loop {
        let input = bytes.get(pos..).unwrap_or_default();
        let (res, nin, nout) = reader.read_field(input, &mut out);
        pos += nin;
        field.extend_from_slice(out.get(..nout).unwrap_or_default());
        if field.len() > MAX_FIELD {
            return Err(bad(format!(
                "a CSV field of record {} is longer than {MAX_FIELD} bytes",
                records.len() + 1
            )));
        }
        match res {
            R::InputEmpty | R::OutputFull => {}
            R::Field { record_end } => {
                let text = String::from_utf8(std::mem::take(&mut field)).map_err(|_| {
                    bad(format!(
                        "record {} of the CSV is not UTF-8",
                        records.len() + 1
                    ))
                })?;
                record.push(Some(text));
                if record_end {
                    // A blank line gives one empty field: no record.
                    let blank = record.len() == 1
                        && record.first().is_some_and(|f| f.as_deref() == Some(""));
                    if !blank {
                        records.push(std::mem::take(&mut record));
                    }
                    record.clear();
                }
            }
            R::End => break,
        }
    }
    let mut rows = records.into_iter();
    let columns = rows
        .next()
        .ok_or_else(|| bad("the CSV has no header record".to_owned()))?
        .into_iter()
        .map(|c| c.unwrap_or_default().trim().to_owned())
        .collect();
    Ok(RawTable {
        columns,
        rows: rows.collect(),
    })
}

/// Reads the four legacy tables from a MySQL/MariaDB dump (`mysqldump` output): the `INSERT`
/// statements of `loans`, `loan_installments`, `loan_payments` and `fines`, parsed by the
/// `sqlparser` crate's MySQL dialect. Column names come from the `INSERT`'s column list, or
/// else from the table's `CREATE TABLE` earlier in the dump. Every other statement (`SET`,
/// `LOCK TABLES`, other tables) is skipped. Numbers are kept as written, strings unescaped,
/// `NULL` as null. A table with no `CREATE TABLE` and no row is returned with no columns.
///
/// # Errors
/// `E_INVALID_INPUT` for text that is not UTF-8, an `INSERT` or `CREATE TABLE` of one of the
/// four tables that does not parse, an `INSERT` without column names and no `CREATE TABLE`
/// before it, or a value that is not a literal.
///
/// # Example
/// ```
/// let dump = b"CREATE TABLE `fines` (`id` int NOT NULL, `related_type` \
///     enum('loan_installment','other') NOT NULL);\n\
///     INSERT INTO `fines` VALUES (1,'loan_installment'),(2,NULL);";
/// let export = windeep_core::audit::read_mysql_dump(dump).unwrap();
/// assert_eq!(export.fines.rows[1], [Some("2".to_owned()), None]);
/// ```
#[cfg(feature = "dump")]
pub fn read_mysql_dump(bytes: &[u8]) -> Result<LegacyExport, CoreError> {
    use sqlparser::ast::{Expr, SetExpr, Statement, TableObject, UnaryOperator, Value};
    use sqlparser::dialect::MySqlDialect;
    use sqlparser::keywords::Keyword;
    use sqlparser::parser::Parser;
    use sqlparser::tokenizer::Token;

    let bad = |reason: String| CoreError::InvalidInput { reason };
    let sql = std::str::from_utf8(bytes).map_err(|e| bad(format!("the dump is not UTF-8: {e}")))?;
    let dialect = MySqlDialect {};
    let mut parser = Parser::new(&dialect)
        .try_with_sql(sql)
        .map_err(|e| bad(format!("the dump does not tokenize: {e}")))?;
    let mut export = LegacyExport::default();
    let last_name = |name: &sqlparser::ast::ObjectName| -> String {
        name.0
            .last()
            .and_then(|p| p.as_ident())
            .map(|i| i.value.clone())
            .unwrap_or_default()
    };
    loop {
        let next = parser.peek_token();
        match &next.token {
            Token::EOF => break,
            Token::SemiColon => {
                parser.next_token();
                continue;
            }
            Token::Word(w) if matches!(w.keyword, Keyword::INSERT | Keyword::CREATE) => {
                let statement = parser
                    .parse_statement()
                    .map_err(|e| bad(format!("a statement of the dump does not parse: {e}")))?;
                match statement {
                    Statement::CreateTable(create) => {
                        let name = last_name(&create.name);
                        if let Some(table) = table_mut(&mut export, &name) {
                            table.columns = create
                                .columns
                                .iter()
                                .map(|c| c.name.value.clone())
                                .collect();
                        }
                    }
                    Statement::Insert(insert) => {
                        let TableObject::TableName(name) = &insert.table else {
                            continue;
                        };
                        let name = last_name(name);
                        let Some(table) = table_mut(&mut export, &name) else {
                            continue;
                        };
                        if !insert.columns.is_empty() {
                            let columns: Vec<String> =
                                insert.columns.iter().map(last_name).collect();
                            if table.columns.is_empty() || table.rows.is_empty() {
                                table.columns = columns;
                            } else if table.columns != columns {
                                return Err(bad(format!(
                                    "the INSERTs into {name} name different columns"
                                )));
                            }
                        }
                        if table.columns.is_empty() {
                            return Err(bad(format!(
                                "an INSERT into {name} names no columns and the dump has no \
                                 CREATE TABLE {name} before it"
                            )));
                        }
                        let Some(query) = insert.source else { continue };
                        let SetExpr::Values(values) = *query.body else {
                            return Err(bad(format!("an INSERT into {name} is not VALUES")));
                        };
                        for row in values.rows {
                            let cells = row
                                .content
                                .into_iter()
                                .map(|e| cell(e, &name))
                                .collect::<Result<Vec<_>, _>>()?;
                            table.rows.push(cells);
                        }
                    }
                    _ => {}
                }
            }
            _ => {
                // Any other statement: skip its tokens to the next `;`.
                loop {
                    let t = parser.next_token();
                    if matches!(t.token, Token::SemiColon | Token::EOF) {
                        break;
                    }
                }
            }
        }
    }
    return Ok(export);

    fn table_mut<'a>(export: &'a mut LegacyExport, name: &str) -> Option<&'a mut RawTable> {
        match name {
            "loans" => Some(&mut export.loans),
            "loan_installments" => Some(&mut export.loan_installments),
            "loan_payments" => Some(&mut export.loan_payments),
            "fines" => Some(&mut export.fines),
            _ => None,
        }
    }

    fn cell(e: Expr, table: &str) -> Result<Option<String>, CoreError> {
        let bad = |what: String| CoreError::InvalidInput {
            reason: format!("a value in an INSERT into {table} is not a literal: {what}"),
        };
        match e {
            Expr::Value(v) => match v.value {
                Value::Null => Ok(None),
                Value::Number(n, _) => Ok(Some(n)),
                Value::SingleQuotedString(s) | Value::DoubleQuotedString(s) => Ok(Some(s)),
                Value::Boolean(b) => Ok(Some(if b { "1" } else { "0" }.to_owned())),
                other => Err(bad(other.to_string())),
            },
            Expr::UnaryOp {
                op: UnaryOperator::Minus,
                expr,
            } => match *expr {
                Expr::Value(v) => match v.value {
                    Value::Number(n, _) => Ok(Some(format!("-{n}"))),
                    other => Err(bad(format!("-{other}"))),
                },
                other => Err(bad(format!("-{other}"))),
            },
            other => Err(bad(other.to_string())),
        }
    }
}

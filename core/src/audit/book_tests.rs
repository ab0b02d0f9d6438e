use super::*;
use crate::audit::{Column, ColumnTable, ColumnValues};
use crate::money::parse_date;

fn table(columns: &[&str], rows: &[&[Option<&str>]]) -> RawTable {
    RawTable {
        columns: columns.iter().map(|c| (*c).to_owned()).collect(),
        rows: rows
            .iter()
            .map(|r| r.iter().map(|c| c.map(str::to_owned)).collect())
            .collect(),
    }
}

const LOAN: &[Option<&str>] = &[
    Some("1"),
    Some("LN1"),
    Some("100000.00"),
    Some("12.00"),
    Some("Reducing"),
    Some("12"),
    Some("2026-01-05 00:00:00"),
    Some("2026-02-05"),
    Some("0000-00-00"),
    Some("8884.88"),
    Some("6618.53"),
    Some("106618.53"),
    Some("100000.00"),
    Some("6618.53"),
    Some("\\N"),
];

fn export(loans: &[&[Option<&str>]]) -> LegacyExport {
    LegacyExport {
        loans: table(LOAN_COLUMNS, loans),
        loan_installments: table(INSTALLMENT_COLUMNS, &[]),
        loan_payments: table(PAYMENT_COLUMNS, &[]),
        fines: table(FINE_COLUMNS, &[]),
    }
}

fn findings(e: &LegacyExport) -> Vec<(String, String, Option<String>)> {
    audit_book(e, parse_date("2026-01-20").unwrap(), Money::ZERO)
        .unwrap()
        .findings
        .into_iter()
        .map(|f| (f.rule, f.field, f.stored))
        .collect()
}

#[test]
fn each_kind_of_cell_has_its_treatment() {
    // Spelling variants, a datetime at midnight, \\N in a DEFAULT 0.00 column and the zero
    // date in the nullable last_emi_date are read; only the missing rows and the absent last
    // date are findings.
    let found = findings(&export(&[LOAN]));
    assert!(
        found
            .iter()
            .all(|(rule, ..)| rule == "R_ROW_MISSING" || rule == "R_LAST_EMI_DATE")
    );
    assert!(found.contains(&(
        "R_LAST_EMI_DATE".to_owned(),
        "last_emi_date".to_owned(),
        None
    )));
}

#[test]
fn one_bad_cell_makes_its_loan_malformed_and_the_rest_is_audited() {
    let mut bad = LOAN.to_vec();
    bad[0] = Some("2");
    bad[6] = Some("0000-00-00");
    bad[2] = Some("1e5");
    let e = export(&[LOAN, &bad]);
    let audit = audit_book(&e, parse_date("2026-01-20").unwrap(), Money::ZERO).unwrap();
    assert_eq!(audit.summary.loans_audited, 1);
    assert_eq!(audit.summary.loans_malformed, 1);
    let malformed: Vec<_> = audit
        .findings
        .iter()
        .filter(|f| f.loan_id == Some(2))
        .map(|f| {
            (
                f.rule.as_str(),
                f.table.as_str(),
                f.row_id,
                f.field.as_str(),
                f.stored.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        malformed,
        [
            (
                "R_MALFORMED_CELL",
                "loans",
                Some(2),
                "principal_amount",
                Some("1e5")
            ),
            (
                "R_MALFORMED_CELL",
                "loans",
                Some(2),
                "disbursement_date",
                Some("0000-00-00")
            ),
        ]
    );
}

#[test]
fn a_missing_column_or_a_negative_tolerance_refuses_the_book() {
    let mut e = export(&[LOAN]);
    e.fines.columns.retain(|c| c != "status");
    let err = audit_book(&e, parse_date("2026-01-20").unwrap(), Money::ZERO).unwrap_err();
    assert_eq!(err.code(), "E_INVALID_INPUT");
    let e = export(&[LOAN]);
    let err = audit_book(&e, parse_date("2026-01-20").unwrap(), "-1".parse().unwrap()).unwrap_err();
    assert_eq!(err.code(), "E_INVALID_AMOUNT");
}

#[test]
fn a_repeated_loan_id_makes_both_copies_malformed() {
    let audit = audit_book(
        &export(&[LOAN, LOAN]),
        parse_date("2026-01-20").unwrap(),
        Money::ZERO,
    )
    .unwrap();
    assert_eq!(audit.summary.loans_malformed, 2);
    assert_eq!(audit.summary.loans_audited, 0);
}

// --- typed columns -----------------------------------------------------------------------------

/// The generated legacy export (`fixtures/legacy_export/`), as raw cells.
fn fixture_export() -> LegacyExport {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/legacy_export");
    let read = |t: &str| {
        crate::audit::read_csv_table(&std::fs::read(dir.join(format!("{t}.csv"))).unwrap()).unwrap()
    };
    LegacyExport {
        loans: read("loans"),
        loan_installments: read("loan_installments"),
        loan_payments: read("loan_payments"),
        fines: read("fines"),
    }
}

/// How a column of text is typed, as a DataFrame or an Arrow reader would hold it.
#[derive(Clone, Copy, PartialEq)]
enum Typing {
    /// Every cell as text.
    Text,
    /// Whole numbers as `Int`, amounts of 2 places as `Decimal` at scale 2, dates as `Days`,
    /// a column with any other cell as text (nulls: `NULL`, `\N`, empty).
    Typed,
    /// As `Typed`, but every decimal column as floats (NaN for null), as pandas holds money
    /// read from a spreadsheet.
    Floats,
    /// As `Typed`, but every decimal column as `Decimal64` (as a `decimal128` Arrow column
    /// whose values fit 64 bits is read).
    Narrow,
}

fn null_text(c: Option<&str>) -> bool {
    c.is_none_or(|c| c == "\\N" || c.eq_ignore_ascii_case("null"))
}

fn typed_column(cells: &[Option<&str>], typing: Typing) -> Column {
    let raw = || {
        Column::new(
            ColumnValues::Cells(cells.iter().map(|c| c.map(str::to_owned)).collect()),
            None,
        )
    };
    if typing == Typing::Text || cells.iter().all(|c| null_text(*c)) {
        return raw();
    }
    let valid: Vec<bool> = cells.iter().map(|c| !null_text(*c)).collect();
    let present = || {
        cells
            .iter()
            .filter(|c| !null_text(**c))
            .map(|c| c.unwrap_or(""))
    };
    if present().all(|c| !c.is_empty() && c.bytes().all(|b| b.is_ascii_digit()) && c.len() < 18) {
        let v = cells
            .iter()
            .map(|c| {
                c.filter(|c| !null_text(Some(c)))
                    .map_or(0, |c| c.parse().unwrap())
            })
            .collect();
        return Column::new(ColumnValues::Int(v), Some(valid));
    }
    let money = |c: &str| {
        let (i, f) = c.strip_prefix('-').unwrap_or(c).split_once('.')?;
        (!i.is_empty()
            && i.bytes().all(|b| b.is_ascii_digit())
            && f.len() == 2
            && f.bytes().all(|b| b.is_ascii_digit()))
        .then_some(())
    };
    if present().all(|c| money(c).is_some()) {
        let units: Vec<i128> = cells
            .iter()
            .map(|c| {
                c.filter(|c| !null_text(Some(c)))
                    .map_or(0, |c| c.replace('.', "").parse().unwrap())
            })
            .collect();
        if typing == Typing::Floats {
            let floats = cells
                .iter()
                .map(|c| {
                    c.filter(|c| !null_text(Some(c)))
                        .map_or(f64::NAN, |c| c.parse().unwrap())
                })
                .collect();
            return Column::new(ColumnValues::Float(floats), None);
        }
        if typing == Typing::Narrow {
            let units = units.iter().map(|&u| i64::try_from(u).unwrap()).collect();
            return Column::new(ColumnValues::Decimal64 { units, scale: 2 }, Some(valid));
        }
        return Column::new(ColumnValues::Decimal { units, scale: 2 }, Some(valid));
    }
    let day = |c: &str| {
        let d = parse_date(c).ok()?;
        i32::try_from((d - NaiveDate::from_ymd_opt(1970, 1, 1)?).num_days()).ok()
    };
    if present().all(|c| c.len() == 10 && day(c).is_some()) {
        let v = cells
            .iter()
            .map(|c| c.filter(|c| !null_text(Some(c))).and_then(day).unwrap_or(0))
            .collect();
        return Column::new(ColumnValues::Days(v), Some(valid));
    }
    // A text column: laid end to end, or as codes when it has few words.
    let mut words: Vec<&str> = present().collect();
    words.sort_unstable();
    words.dedup();
    if words.len() <= 8 {
        let codes = cells
            .iter()
            .map(|c| {
                let c = c.filter(|c| !null_text(Some(c))).unwrap_or("");
                u32::try_from(words.iter().position(|w| *w == c).unwrap_or(0)).unwrap()
            })
            .collect();
        let words = words.iter().map(|w| (*w).to_owned()).collect();
        return Column::new(ColumnValues::Codes { codes, words }, Some(valid));
    }
    let mut data = String::new();
    let mut ends = Vec::new();
    for c in cells {
        data.push_str(c.filter(|c| !null_text(Some(c))).unwrap_or(""));
        ends.push(data.len());
    }
    Column::new(ColumnValues::Text { data, ends }, Some(valid))
}

fn typed_table(raw: &RawTable, typing: Typing) -> ColumnTable {
    let mut t = ColumnTable::new(raw.rows.len());
    for (i, name) in raw.columns.iter().enumerate() {
        let cells: Vec<Option<&str>> = raw
            .rows
            .iter()
            .map(|r| r.get(i).and_then(|c| c.as_deref()))
            .collect();
        t.push(name, typed_column(&cells, typing)).unwrap();
    }
    t
}

fn typed_export(e: &LegacyExport, typing: Typing) -> ExportColumns {
    ExportColumns {
        loans: typed_table(&e.loans, typing),
        loan_installments: typed_table(&e.loan_installments, typing),
        loan_payments: typed_table(&e.loan_payments, typing),
        fines: typed_table(&e.fines, typing),
    }
}

#[test]
fn typed_columns_give_the_findings_of_raw_cells() {
    let raw = fixture_export();
    let as_of = parse_date("2026-06-15").unwrap();
    let want = audit_book(&raw, as_of, Money::ZERO).unwrap();
    assert!(want.summary.loans_malformed > 0 && want.summary.findings > 100);
    for typing in [Typing::Text, Typing::Typed, Typing::Floats, Typing::Narrow] {
        let typed = typed_export(&raw, typing);
        let got = audit_book_columns(&typed, as_of, Money::ZERO).unwrap();
        assert_eq!(got, want);
    }
    // Some columns were typed, not only text.
    let typed = typed_export(&raw, Typing::Typed);
    let i = typed
        .loan_installments
        .names()
        .iter()
        .position(|n| n == "due_date");
    assert!(i.is_some());
}

#[test]
fn a_typed_cell_that_is_no_value_of_its_column_is_reported_as_exported() {
    let mut e = export(&[LOAN]);
    let mut typed = typed_export(&e, Typing::Typed);
    // principal_amount as a float with a third place, tenure as a negative whole number.
    let mut loans = ColumnTable::new(1);
    for (i, name) in e.loans.columns.iter().enumerate() {
        let column = match name.as_str() {
            "principal_amount" => Column::new(ColumnValues::Float(vec![100_000.005]), None),
            "tenure_months" => Column::new(ColumnValues::Int(vec![-12]), None),
            "emi_amount" => Column::new(
                ColumnValues::Decimal {
                    units: vec![8_884_885],
                    scale: 3,
                },
                None,
            ),
            _ => typed_column(&[LOAN[i]], Typing::Typed),
        };
        loans.push(name, column).unwrap();
    }
    typed.loans = loans;
    let audit = audit_book_columns(&typed, parse_date("2026-01-20").unwrap(), Money::ZERO).unwrap();
    let bad: Vec<_> = audit
        .findings
        .iter()
        .map(|f| (f.field.as_str(), f.stored.as_deref()))
        .collect();
    assert_eq!(
        bad,
        [
            ("principal_amount", Some("100000.005")),
            ("tenure_months", Some("-12")),
            ("emi_amount", Some("8884.885")),
        ]
    );
    // The same cells as text give the same findings.
    e.loans.rows[0][2] = Some("100000.005".to_owned());
    e.loans.rows[0][5] = Some("-12".to_owned());
    e.loans.rows[0][9] = Some("8884.885".to_owned());
    let raw = audit_book(&e, parse_date("2026-01-20").unwrap(), Money::ZERO).unwrap();
    assert_eq!(raw, audit);
}

#[test]
fn a_strict_read_refuses_what_an_export_read_reports() {
    let raw = fixture_export();
    let as_of = parse_date("2026-06-15").unwrap();
    let err = audit_loan_book_columns(&typed_export(&raw, Typing::Typed), as_of).unwrap_err();
    assert!(err.to_string().contains(", row "), "{err}");
    // A clean book: the loan audits of every loan, in the loans' order.
    let clean = export(&[LOAN]);
    let typed = typed_export(&clean, Typing::Typed);
    let strict = audit_loan_book_columns(&typed, parse_date("2026-01-20").unwrap());
    // `\N` in outstanding_fine is a NULL, which a strict read refuses.
    let err = strict.unwrap_err();
    assert_eq!(err.code(), "E_INVALID_INPUT");
    assert!(
        err.to_string()
            .contains("loans.outstanding_fine, row 0: null in a column that must have a value"),
        "{err}"
    );
    let mut loan = LOAN.to_vec();
    loan[14] = Some("0.00");
    loan[8] = None;
    let typed = typed_export(&export(&[&loan]), Typing::Typed);
    let strict = audit_loan_book_columns(&typed, parse_date("2026-01-20").unwrap()).unwrap();
    let mut one = LegacyLoan {
        loan: read_loan(
            &Layout::new(
                "loans",
                &typed.loans,
                LOAN_COLUMNS,
                LOAN_COLUMNS,
                Mode::Strict,
            )
            .unwrap(),
            0,
        )
        .1,
        installments: Vec::new(),
        payments: Vec::new(),
        fines: Vec::new(),
    };
    one.loan.interest_type = "reducing".to_owned();
    let want = audit_loan(&one, parse_date("2026-01-20").unwrap());
    assert_eq!(strict.discrepancies, want.discrepancies);
    assert_eq!(strict.summary.loans_audited, 1);
}

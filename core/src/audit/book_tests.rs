use super::*;
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

//! The side-by-side view against the audit: on random legacy loans (the generator of
//! `equivalence_tests.rs`: random terms, planted row errors, payments of every type, fines),
//! the view shows exactly the row and header differences the audit reports.

use std::collections::BTreeSet;

use proptest::prop_assert_eq;
use proptest::test_runner::{Config, TestRunner};

use super::equivalence_tests::{build, plan};
use super::*;

/// (installment, column) of every row finding, `(0, column)` for a header finding.
fn audit_cells(audit: &LoanAudit) -> (BTreeSet<(u32, String)>, Vec<u32>, usize) {
    let mut cells = BTreeSet::new();
    let mut missing = Vec::new();
    let mut extra = 0;
    for d in &audit.discrepancies {
        match d.rule.as_str() {
            "R_ROW_MISSING" => missing.push(d.installment.unwrap_or(0)),
            "R_ROW_EXTRA" => extra += 1,
            _ => {
                if let Some(column) = d.field.strip_prefix("loan_installments.") {
                    cells.insert((d.installment.unwrap_or(0), column.to_owned()));
                } else if let Some(column) = d.field.strip_prefix("loans.") {
                    cells.insert((0, column.to_owned()));
                }
            }
        }
    }
    (cells, missing, extra)
}

fn detail_cells(detail: &LoanDetail) -> (BTreeSet<(u32, String)>, Vec<u32>, usize) {
    let mut cells: BTreeSet<(u32, String)> = detail
        .header
        .iter()
        .filter(|h| h.differs)
        .map(|h| (0, h.field.clone()))
        .collect();
    for p in &detail.installments {
        cells.extend(p.differences.iter().map(|c| (p.installment, c.clone())));
    }
    let missing = detail
        .installments
        .iter()
        .filter(|p| p.pairing == Pairing::Missing)
        .map(|p| p.installment)
        .collect();
    let extra = detail
        .installments
        .iter()
        .filter(|p| p.pairing == Pairing::Extra)
        .count();
    (cells, missing, extra)
}

#[test]
fn the_side_by_side_shows_exactly_what_the_audit_reports() {
    let mut runner = TestRunner::new(Config {
        cases: 1_000,
        failure_persistence: None,
        ..Config::default()
    });
    let outcome = runner.run(&plan(), |plan| {
        let (loan, as_of) = build(&plan);
        let audit = audit_loan(&loan, as_of);
        let detail = loan_detail(&loan, as_of);
        let terms_invalid = audit
            .discrepancies
            .iter()
            .any(|d| d.rule == "R_TERMS_INVALID");
        let (want_cells, want_missing, want_extra) = audit_cells(&audit);
        let (cells, missing, extra) = detail_cells(&detail);
        prop_assert_eq!(cells, want_cells);
        prop_assert_eq!(missing, want_missing);
        if terms_invalid {
            // No schedule: every stored row is shown, none is checked.
            prop_assert_eq!(detail.statement, StatementState::NoSchedule);
            prop_assert_eq!(extra, loan.installments.len());
        } else {
            prop_assert_eq!(extra, want_extra);
            // Every stored row appears once, every installment of the schedule once.
            let stored = detail
                .installments
                .iter()
                .filter(|p| p.stored.is_some())
                .count();
            prop_assert_eq!(stored, loan.installments.len());
        }
        let replayed = detail.statement == StatementState::Replayed;
        let not_replayed = audit
            .discrepancies
            .iter()
            .any(|d| d.rule == "R_HISTORY_NOT_REPLAYED" || d.rule == "R_REPLAY_REFUSED");
        prop_assert_eq!(replayed, !terms_invalid && !not_replayed);
        Ok(())
    });
    if let Err(e) = outcome {
        panic!("{e}");
    }
}

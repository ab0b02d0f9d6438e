use super::*;
use crate::money::parse_date;

fn d(s: &str) -> NaiveDate {
    parse_date(s).unwrap()
}

fn m(s: &str) -> Money {
    s.parse().unwrap()
}

/// 100,000 @ 12% × 12 (legacy-spec §12.1) with a correct header and correct rows built from the
/// core's own schedule: the audit of a clean loan finds nothing.
fn clean_loan() -> LegacyLoan {
    let terms = LoanTerms::new(
        m("100000"),
        "12".parse().unwrap(),
        12,
        d("2026-01-05"),
        d("2026-02-05"),
    );
    let s = generate_schedule(&terms).unwrap();
    let installments = s
        .installments
        .iter()
        .map(|row| LegacyInstallmentRow {
            id: i64::from(row.number) + 100,
            installment_number: row.number,
            due_date: row.due_on,
            principal_amount: row.principal,
            interest_amount: row.interest,
            emi_amount: row.installment,
            principal_paid: Money::ZERO,
            interest_paid: Money::ZERO,
            status: "upcoming".to_owned(),
        })
        .collect();
    LegacyLoan {
        loan: LegacyLoanRow {
            id: 1,
            loan_number: "LN2026000001".to_owned(),
            principal_amount: m("100000"),
            interest_rate: "12".parse().unwrap(),
            interest_type: "reducing".to_owned(),
            tenure_months: 12,
            disbursement_date: d("2026-01-05"),
            first_emi_date: d("2026-02-05"),
            last_emi_date: Some(d("2027-01-05")),
            emi_amount: m("8884.88"),
            total_interest: m("6618.53"),
            total_payable: m("106618.53"),
            outstanding_principal: m("100000.00"),
            outstanding_interest: m("6618.53"),
            outstanding_fine: m("0.00"),
        },
        installments,
        payments: Vec::new(),
        fines: Vec::new(),
    }
}

fn rules(loan: &LegacyLoan, as_of: &str) -> Vec<(Option<u32>, String, String)> {
    audit_loan(loan, d(as_of))
        .discrepancies
        .into_iter()
        .map(|x| (x.installment, x.field, x.rule))
        .collect()
}

fn pay(id: i64, installment_id: i64, date: &str, p: &str, i: &str) -> LegacyPaymentRow {
    let total = (m(p).value() + m(i).value()).to_string();
    LegacyPaymentRow {
        id,
        installment_id: Some(installment_id),
        payment_date: d(date),
        payment_type: "emi".to_owned(),
        total_amount: m(&total),
        principal_component: m(p),
        interest_component: m(i),
        fine_component: Money::ZERO,
        excess_amount: Money::ZERO,
        is_reversed: false,
    }
}

#[test]
fn a_clean_loan_has_no_discrepancy() {
    assert_eq!(rules(&clean_loan(), "2026-01-20"), vec![]);
}

#[test]
fn every_rule_id_is_unique_and_named_r() {
    let mut seen = std::collections::BTreeSet::new();
    for rule in AUDIT_RULES {
        assert!(rule.id.starts_with("R_"), "{}", rule.id);
        assert!(seen.insert(rule.id), "{} twice", rule.id);
        assert!(
            rule.message.contains('§')
                || rule.id == "R_HISTORY_NOT_REPLAYED"
                || rule.message.contains("docs/")
        );
    }
}

#[test]
fn paid_installments_and_statuses_follow_the_payments() {
    let mut loan = clean_loan();
    loan.payments = vec![
        pay(1, 101, "2026-02-05", "7884.88", "1000.00"),
        pay(2, 102, "2026-03-05", "7963.73", "921.15"),
    ];
    // The stored rows still say nothing is paid and the header was never updated.
    let got = rules(&loan, "2026-03-20");
    let want: Vec<(Option<u32>, String, String)> = [
        (
            None,
            "loans.outstanding_principal",
            "R_OUTSTANDING_PRINCIPAL",
        ),
        (None, "loans.outstanding_interest", "R_OUTSTANDING_INTEREST"),
        (
            Some(1),
            "loan_installments.principal_paid",
            "R_ROW_PRINCIPAL_PAID",
        ),
        (
            Some(1),
            "loan_installments.interest_paid",
            "R_ROW_INTEREST_PAID",
        ),
        (Some(1), "loan_installments.status", "R_ROW_STATUS"),
        (
            Some(2),
            "loan_installments.principal_paid",
            "R_ROW_PRINCIPAL_PAID",
        ),
        (
            Some(2),
            "loan_installments.interest_paid",
            "R_ROW_INTEREST_PAID",
        ),
        (Some(2), "loan_installments.status", "R_ROW_STATUS"),
    ]
    .into_iter()
    .map(|(i, f, r)| (i, f.to_owned(), r.to_owned()))
    .collect();
    assert_eq!(got, want);
    let audit = audit_loan(&loan, d("2026-03-20"));
    assert_eq!(audit.discrepancies[0].correct.as_deref(), Some("84151.39"));
    assert_eq!(audit.discrepancies[1].correct.as_deref(), Some("4697.38"));
    assert_eq!(audit.discrepancies[4].correct.as_deref(), Some("paid"));
}

#[test]
fn an_unknown_interest_type_is_reported_not_refused() {
    let mut loan = clean_loan();
    loan.loan.interest_type = "compound".to_owned();
    let audit = audit_loan(&loan, d("2026-01-20"));
    assert_eq!(audit.discrepancies.len(), 1);
    assert_eq!(audit.discrepancies[0].rule, "R_TERMS_INVALID");
    assert_eq!(
        audit.discrepancies[0].stored.as_deref(),
        Some("E_INVALID_INPUT")
    );
}

#[test]
fn restructured_loans_are_flagged_not_replayed() {
    let mut loan = clean_loan();
    let mut p = pay(1, 101, "2026-02-05", "0", "1000.00");
    p.payment_type = "interest_only".to_owned();
    loan.payments = vec![p];
    assert_eq!(
        rules(&loan, "2026-03-20"),
        vec![(
            None,
            "loan_payments".to_owned(),
            "R_HISTORY_NOT_REPLAYED".to_owned()
        )]
    );
}

#[test]
fn a_payment_on_an_unknown_installment_is_a_refused_replay() {
    let mut loan = clean_loan();
    loan.payments = vec![pay(1, 999, "2026-02-05", "7884.88", "1000.00")];
    let audit = audit_loan(&loan, d("2026-02-06"));
    assert_eq!(audit.discrepancies.len(), 1);
    assert_eq!(audit.discrepancies[0].rule, "R_REPLAY_REFUSED");
    assert_eq!(
        audit.discrepancies[0].stored.as_deref(),
        Some("E_UNKNOWN_INSTALLMENT")
    );
}

#[test]
fn a_refused_replay_names_the_payment_by_its_own_id() {
    let mut loan = clean_loan();
    // Two good payments, then one on an installment the loan does not have: the refusal
    // names loan_payments.id 77, not the replay's event number (3).
    loan.payments = vec![
        pay(40, 101, "2026-02-05", "7884.88", "1000.00"),
        pay(41, 102, "2026-03-05", "7963.73", "921.15"),
        pay(77, 999, "2026-03-20", "100.00", "0.00"),
    ];
    let audit = audit_loan(&loan, d("2026-03-25"));
    let refused: Vec<_> = audit
        .discrepancies
        .iter()
        .filter(|x| x.rule == "R_REPLAY_REFUSED")
        .collect();
    assert_eq!(refused.len(), 1);
    assert_eq!(refused[0].field, "loan_payments[77]");
    assert!(
        refused[0].message.contains("loan_payments.id 77"),
        "{}",
        refused[0].message
    );
}

#[test]
fn missing_extra_and_repeated_rows() {
    let mut loan = clean_loan();
    let mut repeat = loan.installments[3].clone();
    repeat.id = 500;
    loan.installments.remove(5);
    loan.installments.push(repeat);
    let mut thirteenth = loan.installments[0].clone();
    thirteenth.id = 501;
    thirteenth.installment_number = 13;
    loan.installments.push(thirteenth);
    assert_eq!(
        rules(&loan, "2026-01-20"),
        vec![
            (
                Some(4),
                "loan_installments[500].installment_number".to_owned(),
                "R_ROW_EXTRA".to_owned()
            ),
            (
                Some(6),
                "loan_installments.installment_number".to_owned(),
                "R_ROW_MISSING".to_owned()
            ),
            (
                Some(13),
                "loan_installments[501].installment_number".to_owned(),
                "R_ROW_EXTRA".to_owned()
            ),
        ]
    );
}

#[test]
fn fines_balances_duplicates_orphans_and_negatives() {
    let mut loan = clean_loan();
    let fine = |id: i64,
                related_id: i64,
                rule: i64,
                date: &str,
                amount: &str,
                paid: &str,
                balance: &str| LegacyFineRow {
        id,
        related_id,
        fine_rule_id: Some(rule),
        fine_date: d(date),
        fine_amount: m(amount),
        paid_amount: m(paid),
        waived_amount: Money::ZERO,
        balance_amount: m(balance),
        status: "pending".to_owned(),
    };
    let mut cancelled = fine(5, 102, 1, "2026-03-20", "40", "0", "40");
    cancelled.status = "cancelled".to_owned();
    loan.fines = vec![
        fine(1, 101, 1, "2026-02-10", "100", "100", "0"),
        fine(2, 101, 1, "2026-02-11", "110", "0", "110"),
        fine(3, 102, 1, "2026-03-10", "50", "80", "-30"),
        fine(4, 999, 1, "2026-03-10", "50", "0", "50"),
        cancelled,
        fine(6, 103, 2, "2026-04-10", "-20", "0", "0"),
    ];
    loan.loan.outstanding_fine = m("110.00");
    let got = rules(&loan, "2026-01-20");
    assert_eq!(
        got,
        vec![
            (
                Some(1),
                "fines[2].fine_rule_id".to_owned(),
                "R_FINE_DUPLICATE".to_owned()
            ),
            (
                Some(2),
                "fines[3].balance_amount".to_owned(),
                "R_FINE_BALANCE".to_owned()
            ),
            (
                None,
                "fines[4].related_id".to_owned(),
                "R_FINE_ORPHAN".to_owned()
            ),
            (
                Some(2),
                "fines[5].balance_amount".to_owned(),
                "R_FINE_BALANCE".to_owned()
            ),
            (
                Some(3),
                "fines[6].fine_amount".to_owned(),
                "R_NEGATIVE_AMOUNT".to_owned()
            ),
        ]
    );
}

#[test]
fn payment_components_and_negative_payments() {
    let mut loan = clean_loan();
    let mut p = pay(7, 101, "2026-02-05", "7884.88", "1000.00");
    p.total_amount = m("5000.00");
    let mut q = pay(8, 102, "2026-02-06", "0", "0");
    q.payment_type = "adjustment".to_owned();
    q.total_amount = m("-10.00");
    q.excess_amount = m("-10.00");
    loan.payments = vec![p, q];
    loan.installments[0].principal_paid = m("7884.88");
    loan.installments[0].interest_paid = m("1000.00");
    loan.installments[0].status = "paid".to_owned();
    loan.loan.outstanding_principal = m("92115.12");
    loan.loan.outstanding_interest = m("5618.53");
    let got = rules(&loan, "2026-02-06");
    assert_eq!(
        got,
        vec![
            (
                Some(1),
                "loan_payments[7].total_amount".to_owned(),
                "R_PAYMENT_COMPONENTS".to_owned()
            ),
            (
                Some(2),
                "loan_payments[8].total_amount".to_owned(),
                "R_NEGATIVE_AMOUNT".to_owned()
            ),
            (
                Some(2),
                "loan_payments[8].excess_amount".to_owned(),
                "R_NEGATIVE_AMOUNT".to_owned()
            ),
        ]
    );
}

#[test]
fn summaries_of_parts_of_a_book_merge_into_the_summary_of_the_book() {
    let clean = audit_loan(&clean_loan(), d("2026-01-20"));
    let mut wrong = clean_loan();
    wrong.loan.total_interest = m("6618.55");
    wrong.loan.emi_amount = m("8884.89");
    let wrong = audit_loan(&wrong, d("2026-01-20"));
    let mut whole = AuditSummary::default();
    let (mut first, mut second) = (AuditSummary::default(), AuditSummary::default());
    for (audit, in_first) in [(&clean, true), (&wrong, false), (&wrong, false)] {
        whole.add(audit);
        if in_first {
            first.add(audit);
        } else {
            second.add(audit);
        }
    }
    first.merge(&second);
    assert_eq!(first, whole);
    assert_eq!(whole.loans_audited, 3);
    assert_eq!(whole.loans_with_discrepancies, 2);
    assert_eq!(whole.by_rule.get("R_EMI"), Some(&2));
}

#[test]
fn a_repeated_installment_id_names_the_last_row_in_number_order() {
    let mut loan = clean_loan();
    loan.installments[4].id = 103;
    loan.installments[7].id = 103;
    let mut rows: Vec<&LegacyInstallmentRow> = loan.installments.iter().collect();
    rows.sort_by_key(|i| (i.installment_number, i.id));
    let numbers = NumberOf::new(&rows);
    // What collecting the rows in that order into a map keeps.
    let map: HashMap<i64, u32> = rows.iter().map(|i| (i.id, i.installment_number)).collect();
    for id in 95..120 {
        assert_eq!(numbers.get(id), map.get(&id).copied(), "id {id}");
    }
    assert_eq!(numbers.get(103), Some(8));
    assert_eq!(numbers.get(99), None);
}

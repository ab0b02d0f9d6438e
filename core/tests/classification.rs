//! Asset classification at its boundaries (DPD 30/31, 60/61, 90/91), contagion and the upgrade
//! rule, worked by hand from docs/books.md.

use serde_json::{Value, json};
use windeep_core::{
    Currency, books::BookLoan, classification::AssetClass, classification::ClassificationPolicy,
    classification::PreviousClass, classification::Sma, classification::classify, parse_date,
};

fn loan(id: &str, member: &str, payments: &[(&str, &str)]) -> BookLoan {
    let mut events = vec![json!({"id": format!("{id}-d"), "sequence": 1,
        "value_date": "2026-01-05", "idempotency_key": format!("{id}-d"),
        "body": {"type": "disbursed", "loan_id": id, "terms": {"principal": "100000",
            "annual_rate": "12", "tenure": 12, "disbursed_on": "2026-01-05",
            "first_due_on": "2026-02-05"}}})];
    for (i, (date, amount)) in payments.iter().enumerate() {
        events.push(
            json!({"id": format!("{id}-p{i}"), "sequence": i + 2, "value_date": date,
            "idempotency_key": format!("{id}-p{i}"),
            "body": {"type": "payment_received", "amount": amount}}),
        );
    }
    serde_json::from_value(json!({"member": member, "events": Value::Array(events)})).unwrap()
}

fn class_on(
    loans: &[BookLoan],
    on: &str,
    previous: &[PreviousClass],
) -> windeep_core::classification::Classification {
    classify(
        loans,
        parse_date(on).unwrap(),
        &ClassificationPolicy::default(),
        previous,
        &[],
        &Currency::inr(),
    )
    .unwrap()
}

#[test]
fn dpd_boundaries() {
    // Installment 1 is due 2026-02-05 and never paid: DPD = as_of − 5 February.
    let l = [loan("LN1", "M1", &[])];
    let cases = [
        ("2026-02-05", 0, Sma::Current),
        ("2026-02-06", 1, Sma::Sma0),
        ("2026-03-07", 30, Sma::Sma0),
        ("2026-03-08", 31, Sma::Sma1),
        ("2026-04-06", 60, Sma::Sma1),
        ("2026-04-07", 61, Sma::Sma2),
        ("2026-05-06", 90, Sma::Sma2),
        ("2026-05-07", 91, Sma::Npa),
    ];
    for (on, dpd, sma) in cases {
        let c = class_on(&l, on, &[]);
        let x = &c.loans[0];
        assert_eq!((x.days_past_due, x.sma), (dpd, sma), "{on}");
        assert_eq!(x.npa, dpd > 90, "{on}");
    }
    let c = class_on(&l, "2026-05-07", &[]);
    let x = &c.loans[0];
    assert_eq!(x.asset_class, AssetClass::SubStandard);
    assert_eq!(x.npa_since.unwrap().to_string(), "2026-05-07");
    // 15 % of the outstanding principal 100,000.00.
    assert_eq!(x.provision.to_string(), "15000.00");
    assert_eq!(c.npa_periods["LN1"].to_string(), "2026-05-07");
    let standard = class_on(&l, "2026-05-06", &[]);
    assert_eq!(standard.loans[0].provision.to_string(), "400.00");
    // Twelve whole months in NPA: doubtful D1.
    let d1 = class_on(&l, "2027-05-07", &[]);
    assert_eq!(d1.loans[0].asset_class, AssetClass::Doubtful1);
    assert_eq!(d1.loans[0].months_in_npa, 12);
}

#[test]
fn one_npa_loan_makes_every_loan_of_the_member_npa() {
    let loans = [
        loan("LN1", "M1", &[]),
        loan(
            "LN2",
            "M1",
            &[
                ("2026-02-05", "8884.88"),
                ("2026-03-05", "8884.88"),
                ("2026-04-05", "8884.88"),
                ("2026-05-05", "8884.88"),
            ],
        ),
        loan("LN3", "M2", &[]),
    ];
    let c = class_on(&loans, "2026-05-07", &[]);
    let by = |id: &str| c.loans.iter().find(|l| l.loan_id == id).unwrap();
    assert!(by("LN1").npa && !by("LN1").contagion);
    assert!(
        by("LN2").npa && by("LN2").contagion,
        "current, but the member is NPA"
    );
    assert_eq!(by("LN2").days_past_due, 0);
    assert!(by("LN3").npa, "M2's own loan is 91 days past due too");
    assert_eq!(c.members.len(), 2);
}

#[test]
fn upgrade_only_when_every_arrear_is_cleared() {
    let previous = [PreviousClass {
        member: "M1".into(),
        npa_since: Some(parse_date("2026-05-07").unwrap()),
    }];
    // Installments 1–4 (4 × 8,884.88) paid on 15 May; installment 5 is due 5 June.
    let paid_up = [loan("LN1", "M1", &[("2026-05-15", "35539.52")])];
    let c = class_on(&paid_up, "2026-05-20", &previous);
    assert!(!c.loans[0].npa);
    assert!(c.members[0].upgraded);
    assert_eq!(c.loans[0].asset_class, AssetClass::Standard);
    // Installments 1–3 paid on 20 April: installment 4 (due 5 May) is 15 days past due.
    let behind = [loan("LN1", "M1", &[("2026-04-20", "26654.64")])];
    let c = class_on(&behind, "2026-05-20", &previous);
    assert_eq!(c.loans[0].days_past_due, 15);
    assert_eq!(c.loans[0].sma, Sma::Sma0);
    assert!(c.loans[0].npa, "still NPA: arrears remain");
    assert_eq!(c.loans[0].npa_since.unwrap().to_string(), "2026-05-07");
}

#[test]
fn portfolio_ageing_par_and_collection_efficiency() {
    let loans = [loan(
        "LN1",
        "M1",
        &[
            ("2026-02-05", "8884.88"),
            ("2026-03-05", "8884.88"),
            ("2026-04-20", "5000"),
        ],
    )];
    let options: windeep_core::portfolio::PortfolioOptions =
        serde_json::from_value(json!({"months": 3})).unwrap();
    let r = windeep_core::portfolio::portfolio_report(
        &loans,
        parse_date("2026-04-30").unwrap(),
        &options,
        &Currency::inr(),
    )
    .unwrap();
    // 5,000 on 20 April pays installment 3's interest 841.51 and 4,158.49 of principal.
    assert_eq!(r.outstanding_principal.to_string(), "79992.90");
    let b = &r.ageing[1];
    assert_eq!((b.bucket.as_str(), b.loans), ("1-30", 1));
    assert_eq!(b.overdue.to_string(), "3884.88");
    assert_eq!(r.par[0].ratio.as_deref(), Some("0.00"));
    let ce: Vec<(String, Option<String>)> = r
        .collection_efficiency
        .iter()
        .map(|e| (e.month.to_string(), e.current_efficiency.clone()))
        .collect();
    assert_eq!(
        ce,
        [
            ("2026-02".to_owned(), Some("100.00".to_owned())),
            ("2026-03".to_owned(), Some("100.00".to_owned())),
            ("2026-04".to_owned(), Some("56.28".to_owned())),
        ]
    );
    assert!(r.overdue_by_bucket[0].buckets.is_empty());
    assert_eq!(
        r.overdue_by_bucket[2].buckets[0].overdue.to_string(),
        "3884.88"
    );
}

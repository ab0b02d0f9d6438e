use serde_json::json;

use super::*;
use crate::money::parse_date;

fn date(s: &str) -> NaiveDate {
    parse_date(s).unwrap()
}

fn rules(v: serde_json::Value) -> Vec<FineRule> {
    serde_json::from_value(v).unwrap()
}

fn snapshot(v: serde_json::Value) -> FineSnapshot {
    serde_json::from_value(v).unwrap()
}

/// One installment due 2026-01-05 with 10,000 unpaid, no fines.
fn one_installment() -> FineSnapshot {
    snapshot(
        json!({"loan_id": "LN1", "product": "LOAN-001", "installments": [
            {"number": 1, "due_on": "2026-01-05", "unpaid_principal": "9000", "unpaid_interest": "1000"}
        ]}),
    )
}

fn per_day(id: u32, f: &str, p: &str, grace: u32) -> serde_json::Value {
    json!({"id": id, "applies_to": "loan", "grace_days": grace,
           "formula": {"kind": "per_day", "initial": f, "per_day": p}})
}

/// The single assessment's amount for `days_late` days after 2026-01-05, or None.
fn amount_on(rules: &[FineRule], days_late: u64) -> Option<String> {
    let as_of = date("2026-01-05")
        .checked_add_days(chrono::Days::new(days_late))
        .unwrap();
    let out = assess_fines(&one_installment(), rules, as_of).unwrap();
    assert!(out.len() <= 1, "{out:?}");
    out.first().map(|a| a.amount.to_string())
}

#[test]
fn legacy_12_11_intended_column() {
    let cases = [
        ("100", "20", 3, 8, "200.00"),
        ("100", "10", 0, 1, "110.00"),
        ("100", "10", 5, 7, "120.00"),
        ("0", "5", 0, 10, "50.00"),
        ("100", "10", 5, 15, "200.00"),
        ("0", "50", 0, 10, "500.00"),
        ("200", "25", 0, 10, "450.00"),
    ];
    for (f, p, g, d, want) in cases {
        let r = rules(json!([per_day(1, f, p, g)]));
        assert_eq!(
            amount_on(&r, d).as_deref(),
            Some(want),
            "{f}+{p}/day g={g} d={d}"
        );
    }
    let mut standard = per_day(1, "100", "10", 0);
    standard["cap"] = json!("500");
    assert_eq!(
        amount_on(&rules(json!([standard])), 45).as_deref(),
        Some("500.00")
    );
    let pct = rules(json!([{"id": 1, "applies_to": "loan",
        "formula": {"kind": "percentage", "percent": "2"}}]));
    assert_eq!(amount_on(&pct, 1).as_deref(), Some("200.00"));
    let fixed = rules(json!([{"id": 1, "applies_to": "loan", "grace_days": 5,
        "formula": {"kind": "fixed", "amount": "500"}}]));
    assert_eq!(amount_on(&fixed, 5), None);
    assert_eq!(amount_on(&fixed, 6).as_deref(), Some("500.00"));
}

#[test]
fn nothing_on_or_before_the_due_date() {
    let r = rules(json!([per_day(1, "100", "10", 0)]));
    assert_eq!(amount_on(&r, 0), None);
    let out = assess_fines(&one_installment(), &r, date("2025-12-01")).unwrap();
    assert!(out.is_empty());
}

#[test]
fn slab_amount_follows_days_late_and_gaps_keep_the_last_amount() {
    let r = rules(
        json!([{"id": 1, "applies_to": "loan", "formula": {"kind": "slab", "slabs": [
            {"from_days": 1, "to_days": 10, "amount": "100"},
            {"from_days": 11, "to_days": 30, "amount": "250"},
            {"from_days": 61, "amount": "600"}
        ]}}]),
    );
    assert_eq!(amount_on(&r, 1).as_deref(), Some("100.00"));
    assert_eq!(amount_on(&r, 10).as_deref(), Some("100.00"));
    assert_eq!(amount_on(&r, 11).as_deref(), Some("250.00"));
    assert_eq!(amount_on(&r, 45).as_deref(), Some("250.00"));
    assert_eq!(amount_on(&r, 61).as_deref(), Some("600.00"));
}

#[test]
fn precedence_product_then_narrowest_then_min_days_then_id() {
    let base = |id: u32, product: Option<&str>, min: u32, max: Option<u32>, amount: &str| {
        json!({"id": id, "applies_to": "loan", "product": product, "min_days": min,
               "max_days": max, "formula": {"kind": "fixed", "amount": amount}})
    };
    let pick = |rs: serde_json::Value, d: u64| {
        let rs = rules(rs);
        let as_of = date("2026-01-05")
            .checked_add_days(chrono::Days::new(d))
            .unwrap();
        let out = assess_fines(&one_installment(), &rs, as_of).unwrap();
        out.iter().map(|a| a.key.rule_id).collect::<Vec<_>>()
    };
    // Product-specific beats a narrower global rule.
    assert_eq!(
        pick(
            json!([
                base(1, None, 1, Some(5), "1"),
                base(2, Some("LOAN-001"), 1, None, "2")
            ]),
            3
        ),
        vec![2]
    );
    // A rule for another product never matches.
    assert_eq!(
        pick(
            json!([
                base(1, None, 1, None, "1"),
                base(2, Some("LOAN-002"), 1, None, "2")
            ]),
            3
        ),
        vec![1]
    );
    // Narrowest window.
    assert_eq!(
        pick(
            json!([
                base(1, None, 1, Some(30), "1"),
                base(2, None, 1, Some(10), "2")
            ]),
            3
        ),
        vec![2]
    );
    // Same width: the highest min_days. Day 1 only rule 1 matches (and levies its fine);
    // from day 2 both match and rule 2 wins.
    assert_eq!(
        pick(
            json!([
                base(1, None, 1, Some(10), "1"),
                base(2, None, 2, Some(11), "2")
            ]),
            1
        ),
        vec![1]
    );
    assert_eq!(
        pick(
            json!([
                base(1, None, 1, Some(10), "1"),
                base(2, None, 2, Some(11), "2")
            ]),
            3
        ),
        vec![1, 2]
    );
    // Both in force only from 2026-01-09 (4 days late), when both windows hold: rule 2 alone.
    let mut r1 = base(1, None, 1, Some(10), "1");
    let mut r2 = base(2, None, 2, Some(11), "2");
    r1["effective_from"] = json!("2026-01-09");
    r2["effective_from"] = json!("2026-01-09");
    assert_eq!(pick(json!([r1, r2]), 6), vec![2]);
    // Identical: the lowest id, whatever the input order.
    assert_eq!(
        pick(
            json!([base(9, None, 1, None, "1"), base(4, None, 1, None, "2")]),
            3
        ),
        vec![4]
    );
}

#[test]
fn a_rule_that_stops_matching_freezes_its_fine_and_the_next_rule_takes_over() {
    let r = rules(json!([
        {"id": 1, "applies_to": "loan", "min_days": 1, "max_days": 30,
         "formula": {"kind": "per_day", "per_day": "10"}},
        {"id": 2, "applies_to": "loan", "min_days": 31,
         "formula": {"kind": "fixed", "amount": "1000"}}
    ]));
    let out = assess_fines(&one_installment(), &r, date("2026-03-01")).unwrap();
    let got: Vec<_> = out
        .iter()
        .map(|a| (a.key.rule_id, a.days_late, a.amount.to_string()))
        .collect();
    assert_eq!(
        got,
        vec![(1, 30, "300.00".to_owned()), (2, 31, "1000.00".to_owned())]
    );
}

#[test]
fn effective_dates_are_calendar_days_of_lateness() {
    // Rule 1 until 2026-01-10, rule 2 from 2026-01-11: a late installment changes rule mid-way.
    let r = rules(json!([
        {"id": 1, "applies_to": "loan", "effective_to": "2026-01-10",
         "formula": {"kind": "per_day", "per_day": "10"}},
        {"id": 2, "applies_to": "loan", "effective_from": "2026-01-11",
         "formula": {"kind": "per_day", "per_day": "20"}}
    ]));
    let out = assess_fines(&one_installment(), &r, date("2026-01-15")).unwrap();
    let got: Vec<_> = out
        .iter()
        .map(|a| (a.key.rule_id, a.days_late, a.amount.to_string()))
        .collect();
    assert_eq!(
        got,
        // Rule 2 charges days 6–10 only: its per-day count starts at its first day.
        vec![(1, 5, "50.00".to_owned()), (2, 10, "100.00".to_owned())]
    );
}

#[test]
fn recurring_percentage_levies_one_fine_per_period() {
    let r = rules(json!([{"id": 3, "applies_to": "loan", "grace_days": 5,
        "formula": {"kind": "percentage", "percent": "2", "recur_every_days": 30}}]));
    // d = 66, e = 61: occurrences 1 (e 1–30), 2 (31–60), 3 (61–90).
    let out = assess_fines(&one_installment(), &r, date("2026-03-12")).unwrap();
    let got: Vec<_> = out
        .iter()
        .map(|a| (a.key.occurrence, a.days_late, a.amount.to_string()))
        .collect();
    assert_eq!(
        got,
        vec![
            (1, 6, "200.00".to_owned()),
            (2, 36, "200.00".to_owned()),
            (3, 66, "200.00".to_owned())
        ]
    );
}

#[test]
fn percentage_fines_keep_their_levied_amount() {
    let r = rules(json!([{"id": 1, "applies_to": "loan",
        "formula": {"kind": "percentage", "percent": "2.5"}}]));
    let mut s = one_installment();
    let day = date("2026-01-06");
    let out = assess_fines(&s, &r, day).unwrap();
    assert_eq!(out[0].amount.to_string(), "250.00");
    s.apply(&out).unwrap();
    // Half the installment is paid afterwards: the fine stays.
    s.installments[0].unpaid_principal = "4000".parse().unwrap();
    assert!(assess_fines(&s, &r, date("2026-01-20")).unwrap().is_empty());
}

#[test]
fn percentage_is_rounded_once_half_up() {
    let r = rules(json!([{"id": 1, "applies_to": "loan",
        "formula": {"kind": "percentage", "percent": "1.5"}}]));
    let s = snapshot(json!({"loan_id": "LN1", "installments": [
        {"number": 1, "due_on": "2026-01-05", "unpaid_principal": "8796.88", "unpaid_interest": "87.97"}
    ]}));
    // 8,884.85 × 1.5 % = 133.27275 → 133.27
    let out = assess_fines(&s, &r, date("2026-01-06")).unwrap();
    assert_eq!(out[0].calculated.to_string(), "133.27");
    let s = snapshot(json!({"loan_id": "LN1", "installments": [
        {"number": 1, "due_on": "2026-01-05", "unpaid_principal": "1", "unpaid_interest": "0.30"}
    ]}));
    // 1.30 × 1.5 % = 0.0195 → 0.02 (a tie at 0.015 would go up too)
    let out = assess_fines(&s, &r, date("2026-01-06")).unwrap();
    assert_eq!(out[0].amount.to_string(), "0.02");
}

#[test]
fn rounding_policy_and_cap_after_rounding() {
    let r = rules(json!([{"id": 1, "applies_to": "loan", "cap": "133.50",
        "formula": {"kind": "percentage", "percent": "1.5"}}]));
    let mut s = snapshot(json!({"loan_id": "LN1", "installments": [
        {"number": 1, "due_on": "2026-01-05", "unpaid_principal": "8884.85", "unpaid_interest": "0"}
    ]}));
    s.rounding = Some(RoundingPolicy::new(Decimal::ONE, crate::RoundingMode::Up));
    let out = assess_fines(&s, &r, date("2026-01-06")).unwrap();
    // 133.27275 rounded up to a rupee = 134.00, above the cap 133.50.
    assert_eq!(out[0].calculated.to_string(), "134.00");
    assert!(out[0].capped);
    assert_eq!(out[0].amount.to_string(), "133.50");
}

#[test]
fn per_day_is_re_amounted_never_duplicated_and_freezes_at_settlement() {
    let r = rules(json!([per_day(1, "100", "10", 0)]));
    let mut s = one_installment();
    let out = assess_fines(&s, &r, date("2026-01-08")).unwrap();
    assert_eq!(out[0].action, FineAction::Levy);
    assert_eq!(out[0].amount.to_string(), "130.00");
    s.apply(&out).unwrap();
    let out = assess_fines(&s, &r, date("2026-01-10")).unwrap();
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].action, FineAction::ReAmount);
    assert_eq!(out[0].previous_amount.unwrap().to_string(), "130.00");
    assert_eq!(out[0].amount.to_string(), "150.00");
    s.apply(&out).unwrap();
    // Settled on 2026-01-12 (7 days late): the fine is 170 from then on.
    s.installments[0].unpaid_principal = Money::ZERO;
    s.installments[0].unpaid_interest = Money::ZERO;
    s.installments[0].settled_on = Some(date("2026-01-12"));
    let out = assess_fines(&s, &r, date("2026-02-28")).unwrap();
    assert_eq!(out[0].amount.to_string(), "170.00");
    assert_eq!(out[0].accrued_to, date("2026-01-12"));
    s.apply(&out).unwrap();
    assert!(assess_fines(&s, &r, date("2027-01-01")).unwrap().is_empty());
}

#[test]
fn a_fine_never_drops_below_paid_plus_waived() {
    let r = rules(json!([per_day(1, "0", "10", 0)]));
    let mut s = one_installment();
    s.installments[0].fines.push(LeviedFine {
        key: FineKey {
            loan_id: "LN1".into(),
            installment: 1,
            rule_id: 1,
            occurrence: 1,
        },
        amount: "300".parse().unwrap(),
        paid: "200".parse().unwrap(),
        waived: "50".parse().unwrap(),
    });
    // The rule says 100 (10 days), but 250 is already paid or waived.
    let out = assess_fines(&s, &r, date("2026-01-15")).unwrap();
    assert_eq!(out[0].amount.to_string(), "250.00");
    assert!(out[0].floored);
    assert_eq!(out[0].balance.to_string(), "0.00");
}

#[test]
fn savings_rules_do_not_apply_to_loans() {
    let r = rules(json!([{"id": 1, "applies_to": "savings", "grace_days": 7,
        "formula": {"kind": "fixed", "amount": "50"}}]));
    assert_eq!(amount_on(&r, 30), None);
    let mut s = one_installment();
    s.account_type = AccountType::Savings;
    let out = assess_fines(&s, &r, date("2026-01-13")).unwrap();
    assert_eq!(out[0].amount.to_string(), "50.00");
}

#[test]
fn refusals() {
    let r = rules(json!([per_day(1, "100", "10", 0)]));
    let code = |s: &FineSnapshot, r: &[FineRule]| {
        assess_fines(s, r, date("2026-02-01")).unwrap_err().code()
    };
    let dup = rules(json!([per_day(1, "1", "1", 0), per_day(1, "2", "2", 0)]));
    assert_eq!(code(&one_installment(), &dup), "E_DUPLICATE_FINE_RULE");
    let zero = rules(json!([per_day(1, "1", "0", 0)]));
    assert_eq!(code(&one_installment(), &zero), "E_INVALID_FINE_RULE");
    let scale = rules(json!([per_day(1, "1.005", "1", 0)]));
    assert_eq!(code(&one_installment(), &scale), "E_AMOUNT_SCALE");

    let mut s = one_installment();
    s.installments[0].settled_on = Some(date("2026-01-10"));
    assert_eq!(code(&s, &r), "E_INVALID_FINE_SNAPSHOT");
    let mut s = one_installment();
    s.installments[0].fines.push(LeviedFine {
        key: FineKey {
            loan_id: "LN1".into(),
            installment: 1,
            rule_id: 1,
            occurrence: 1,
        },
        amount: "100".parse().unwrap(),
        paid: "60".parse().unwrap(),
        waived: "40.01".parse().unwrap(),
    });
    assert_eq!(code(&s, &r), "E_FINE_BALANCE_NEGATIVE");
}

#[test]
fn unknown_formula_fields_are_refused() {
    let bad = serde_json::from_value::<FineRule>(json!({"id": 1, "applies_to": "loan",
        "formula": {"kind": "fixed", "amount": "1", "per_day": "2"}}));
    assert!(bad.is_err());
    let bad = serde_json::from_value::<FineRule>(json!({"id": 1, "applies_to": "both",
        "formula": {"kind": "fixed", "amount": "1"}}));
    assert!(bad.is_err());
}

#[test]
fn recurrence_is_bounded() {
    let r = rules(json!([{"id": 1, "applies_to": "loan",
        "formula": {"kind": "percentage", "percent": "1", "recur_every_days": 1}}]));
    let err = assess_fines(&one_installment(), &r, date("2060-01-01")).unwrap_err();
    assert_eq!(err.code(), "E_FINE_LIMIT_EXCEEDED");
}

/// Σ of the amounts of the assessment for one installment due 2026-01-05, `days_late` later.
fn total_on(rules: &[FineRule], days_late: u64) -> Decimal {
    let as_of = date("2026-01-05")
        .checked_add_days(chrono::Days::new(days_late))
        .unwrap();
    assess_fines(&one_installment(), rules, as_of)
        .unwrap()
        .iter()
        .map(|a| a.amount.value())
        .sum()
}

#[test]
fn tiered_windows_charge_each_day_once() {
    // Issue example: ₹10/day to day 5, then ₹20/day from day 6 → 10 × 5 + 20 × 5 = 150 at day 10.
    let r = rules(json!([
        {"id": 1, "applies_to": "loan", "max_days": 5,
         "formula": {"kind": "per_day", "per_day": "10"}},
        {"id": 2, "applies_to": "loan", "min_days": 6,
         "formula": {"kind": "per_day", "per_day": "20"}}
    ]));
    assert_eq!(total_on(&r, 10), Decimal::from(150));
    // ₹10/day days 1–30, ₹20/day from day 31 → 10 × 30 + 20 × 30 = 900 at day 60.
    let r = rules(json!([
        {"id": 1, "applies_to": "loan", "min_days": 1, "max_days": 30,
         "formula": {"kind": "per_day", "per_day": "10"}},
        {"id": 2, "applies_to": "loan", "min_days": 31,
         "formula": {"kind": "per_day", "per_day": "20"}}
    ]));
    assert_eq!(total_on(&r, 60), Decimal::from(900));
    let out = assess_fines(&one_installment(), &r, date("2026-03-06")).unwrap();
    let eff: Vec<u32> = out.iter().map(|a| a.effective_days).collect();
    assert_eq!(eff, [30, 30]);
}

#[test]
fn rule_change_by_effective_date_charges_each_day_once() {
    // ₹10/day until 2026-01-10 (days 1–5), ₹20/day from 2026-01-11: 50 + 20 × 5 = 150 at day 10.
    let r = rules(json!([
        {"id": 1, "applies_to": "loan", "effective_to": "2026-01-10",
         "formula": {"kind": "per_day", "per_day": "10"}},
        {"id": 2, "applies_to": "loan", "effective_from": "2026-01-11",
         "formula": {"kind": "per_day", "per_day": "20"}}
    ]));
    assert_eq!(total_on(&r, 10), Decimal::from(150));
}

proptest::proptest! {
    /// Whatever the split of the late days between two per-day rules (a window boundary), the
    /// total is the sum over the late days of the rate in force that day.
    #[test]
    fn per_day_total_is_the_sum_over_days(boundary in 1_u32..60, late in 1_u64..90,
                                          a in 1_u32..50, b in 1_u32..50) {
        let r = rules(json!([
            {"id": 1, "applies_to": "loan", "max_days": boundary,
             "formula": {"kind": "per_day", "per_day": a.to_string()}},
            {"id": 2, "applies_to": "loan", "min_days": boundary + 1,
             "formula": {"kind": "per_day", "per_day": b.to_string()}}
        ]));
        let expected: u64 = (1..=late)
            .map(|d| if d <= u64::from(boundary) { u64::from(a) } else { u64::from(b) })
            .sum();
        proptest::prop_assert_eq!(total_on(&r, late), Decimal::from(expected));
    }
}

// --- hostile input: every case must be refused (or answered) fast and small -----------------

fn timed<T>(f: impl FnOnce() -> T) -> T {
    let start = std::time::Instant::now();
    let out = f();
    assert!(
        start.elapsed() < std::time::Duration::from_secs(2),
        "took {:?}",
        start.elapsed()
    );
    out
}

#[test]
fn hostile_recurring_percentage_from_year_1_to_9999_is_refused_fast() {
    let r = rules(json!([{"id": 1, "applies_to": "loan",
        "formula": {"kind": "percentage", "percent": "1", "recur_every_days": 1}}]));
    let s = snapshot(json!({"loan_id": "LN1", "installments": [
        {"number": 1, "due_on": "0001-01-01", "unpaid_principal": "1000", "unpaid_interest": "0"}]}));
    let err = timed(|| assess_fines(&s, &r, date("9999-12-31")).unwrap_err());
    assert_eq!(err.code(), "E_FINE_LIMIT_EXCEEDED");
}

#[test]
fn hostile_many_installments_with_recurring_rules_are_bounded() {
    // 420 installments, 2 % every day: 420 × 400 fines would be 168,000 → refused before work.
    let many = |n: u32| {
        let inst: Vec<_> = (1..=n)
            .map(|k| {
                json!({"number": k, "due_on": "2026-01-05",
                            "unpaid_principal": "1000", "unpaid_interest": "0"})
            })
            .collect();
        snapshot(json!({"loan_id": "LN1", "installments": inst}))
    };
    let daily = rules(json!([{"id": 1, "applies_to": "loan",
        "formula": {"kind": "percentage", "percent": "2", "recur_every_days": 1}}]));
    let err = timed(|| assess_fines(&many(420), &daily, date("2027-02-09")).unwrap_err());
    assert_eq!(err.code(), "E_FINE_LIMIT_EXCEEDED");
    // The same 420 installments with a monthly recurrence: 420 × 14 fines, answered.
    let monthly = rules(json!([{"id": 1, "applies_to": "loan",
        "formula": {"kind": "percentage", "percent": "2", "recur_every_days": 30}}]));
    let out = timed(|| assess_fines(&many(420), &monthly, date("2027-02-09")).unwrap());
    assert_eq!(out.len(), 420 * 14);
}

#[test]
fn hostile_per_day_fine_never_exceeds_the_amount_ceiling() {
    // 10^12 a day for 36,500 days would be 3.65e16: refused, never stored.
    let r = rules(json!([{"id": 1, "applies_to": "loan",
        "formula": {"kind": "per_day", "per_day": "1000000000000"}}]));
    let s = snapshot(json!({"loan_id": "LN1", "installments": [
        {"number": 1, "due_on": "2000-01-01", "unpaid_principal": "1", "unpaid_interest": "0"}]}));
    let err = timed(|| assess_fines(&s, &r, date("2099-01-01")).unwrap_err());
    assert_eq!(err.code(), "E_AMOUNT_OUT_OF_RANGE");
    // With a cap the fine is the cap.
    let r = rules(json!([{"id": 1, "applies_to": "loan", "cap": "5000",
        "formula": {"kind": "per_day", "per_day": "1000000000000"}}]));
    let out = assess_fines(&s, &r, date("2099-01-01")).unwrap();
    assert_eq!(out[0].amount.to_string(), "5000.00");
}

#[test]
fn hostile_rule_fields_out_of_range_are_refused() {
    let s = one_installment();
    for (rule, code_) in [
        (
            json!({"id": 1, "applies_to": "loan", "grace_days": 36_526,
                "formula": {"kind": "fixed", "amount": "1"}}),
            "E_INVALID_FINE_RULE",
        ),
        (
            json!({"id": 1, "applies_to": "loan", "min_days": 36_526,
                "formula": {"kind": "fixed", "amount": "1"}}),
            "E_INVALID_FINE_RULE",
        ),
        (
            json!({"id": 1, "applies_to": "loan", "max_days": 4_000_000_000_u32,
                "formula": {"kind": "fixed", "amount": "1"}}),
            "E_INVALID_FINE_RULE",
        ),
        (
            json!({"id": 1, "applies_to": "loan",
                "formula": {"kind": "percentage", "percent": "1", "recur_every_days": 36_526}}),
            "E_INVALID_FINE_RULE",
        ),
        (
            json!({"id": 1, "applies_to": "loan", "formula": {"kind": "slab", "slabs": [
                {"from_days": 1, "to_days": 40_000, "amount": "1"}]}}),
            "E_INVALID_FINE_RULE",
        ),
        (
            json!({"id": 1, "applies_to": "loan", "cap": "1000000000001",
                "formula": {"kind": "fixed", "amount": "1"}}),
            "E_AMOUNT_OUT_OF_RANGE",
        ),
        (
            json!({"id": 1, "applies_to": "loan",
                "formula": {"kind": "per_day", "per_day": "1000000000001"}}),
            "E_AMOUNT_OUT_OF_RANGE",
        ),
        (
            json!({"id": 1, "applies_to": "loan",
                "formula": {"kind": "percentage", "percent": "100.000000001"}}),
            "E_INVALID_FINE_RULE",
        ),
    ] {
        assert_eq!(code(&s, &rules(json!([rule]))), code_, "{rule}");
    }
    let slabs: Vec<_> = (1..=101)
        .map(|k| json!({"from_days": k, "to_days": k, "amount": "1"}))
        .collect();
    let r = rules(json!([{"id": 1, "applies_to": "loan",
        "formula": {"kind": "slab", "slabs": slabs}}]));
    assert_eq!(code(&s, &r), "E_INVALID_FINE_RULE");
    let many: Vec<_> = (1..=101)
        .map(
            |k| json!({"id": k, "applies_to": "loan", "formula": {"kind": "fixed", "amount": "1"}}),
        )
        .collect();
    assert_eq!(code(&s, &rules(json!(many))), "E_FINE_LIMIT_EXCEEDED");
}

#[test]
fn hostile_snapshot_sizes_are_refused() {
    let inst: Vec<_> = (1..=10_001)
        .map(|k| {
            json!({"number": k, "due_on": "2026-01-05",
                        "unpaid_principal": "1", "unpaid_interest": "0"})
        })
        .collect();
    let s = snapshot(json!({"loan_id": "LN1", "installments": inst}));
    let r = rules(json!([per_day(1, "0", "1", 0)]));
    assert_eq!(code(&s, &r), "E_FINE_LIMIT_EXCEEDED");
    let old = snapshot(json!({"loan_id": "LN1", "installments": [
        {"number": 1, "due_on": "1900-01-01", "unpaid_principal": "1", "unpaid_interest": "0"}]}));
    assert_eq!(code(&old, &r), "E_FINE_LIMIT_EXCEEDED");
}

fn code(s: &FineSnapshot, r: &[FineRule]) -> &'static str {
    assess_fines(s, r, date("2026-02-01")).unwrap_err().code()
}

use serde_json::{Value, json};

use super::*;

fn base() -> Value {
    json!({
        "application": {"amount": "90000", "tenure": 12, "annual_rate": "12",
                        "disbursed_on": "2026-01-05", "first_due_on": "2026-02-05"},
        "member": {"savings_balance": "30000", "savings_months": 6},
        "product": {"min_amount": "10000", "max_amount": "500000", "min_tenure": 6,
                    "max_tenure": 36, "min_annual_rate": "10", "max_annual_rate": "14",
                    "loan_to_savings_ratio": "3.00", "required_savings_months": 6,
                    "min_guarantors": 1, "max_guarantors": 3},
        "guarantors": [{"member_id": "MEMB000002", "guarantee_amount": "20000",
                        "savings_balance": "40000"}]
    })
}

fn decide(v: &Value) -> Result<ApprovalDecision> {
    approve_loan(&serde_json::from_value(v.clone()).unwrap())
}

fn codes(d: &ApprovalDecision) -> Vec<&'static str> {
    d.refusals.iter().map(|r| r.code.code()).collect()
}

#[test]
fn the_base_case_passes() {
    let d = decide(&base()).unwrap();
    assert!(d.approved, "{d:?}");
    assert!(d.refusals.is_empty());
}

#[test]
fn legacy_12_18_loan_to_savings() {
    let mut v = base();
    v["application"]["amount"] = json!("90000.01");
    let d = decide(&v).unwrap();
    assert_eq!(codes(&d), ["E_APPROVAL_SAVINGS_RATIO_EXCEEDED"]);
    assert_eq!(d.refusals[0].limit, "90000.00");
    assert_eq!(d.refusals[0].actual, "90000.01");
    // A ratio of 0 (or none) is not checked.
    v["product"]["loan_to_savings_ratio"] = json!("0");
    assert!(decide(&v).unwrap().approved);
}

#[test]
fn ratio_limit_is_floored_to_the_paisa() {
    let mut v = base();
    v["member"]["savings_balance"] = json!("1000.01");
    v["product"]["loan_to_savings_ratio"] = json!("2.555");
    v["product"]["min_amount"] = Value::Null;
    v["application"]["amount"] = json!("2555.03");
    // 1000.01 × 2.555 = 2555.02555 → at most 2555.02
    let d = decide(&v).unwrap();
    assert_eq!(d.refusals[0].limit, "2555.02");
    v["application"]["amount"] = json!("2555.02");
    assert!(decide(&v).unwrap().approved);
}

#[test]
fn legacy_12_18_guarantor_capacity() {
    // savings 40,000, limit 100,000 → min(100,000, 20,000) = 20,000 minus the liability.
    let mut v = base();
    v["guarantors"][0]["guarantee_amount"] = json!("20000.01");
    let d = decide(&v).unwrap();
    assert_eq!(codes(&d), ["E_APPROVAL_GUARANTOR_AMOUNT_LIMIT"]);
    assert_eq!(d.refusals[0].limit, "20000.00");
    assert_eq!(d.refusals[0].guarantor.as_deref(), Some("MEMB000002"));
    v["guarantors"][0]["guarantee_amount"] = json!("15000");
    v["guarantors"][0]["current_liability"] = json!("5000.01");
    let d = decide(&v).unwrap();
    assert_eq!(d.refusals[0].limit, "14999.99");
    // At most 3 active guarantees: a fourth is refused.
    v["guarantors"][0]["current_liability"] = json!("0");
    v["guarantors"][0]["active_guarantees"] = json!(3);
    let d = decide(&v).unwrap();
    assert_eq!(codes(&d), ["E_APPROVAL_GUARANTOR_COUNT_LIMIT"]);
    assert_eq!(
        (d.refusals[0].limit.as_str(), d.refusals[0].actual.as_str()),
        ("3", "3")
    );
    v["guarantors"][0]["active_guarantees"] = json!(2);
    assert!(decide(&v).unwrap().approved);
}

#[test]
fn every_refusal_is_reported_in_check_order() {
    let v = json!({
        "application": {"amount": "600000", "tenure": 48, "annual_rate": "15",
                        "disbursed_on": "2026-01-05", "first_due_on": "2026-01-06"},
        "member": {"savings_balance": "100000", "savings_months": 2},
        "product": {"max_amount": "500000", "max_tenure": 36, "max_annual_rate": "14",
                    "loan_to_savings_ratio": "3", "required_savings_months": 6,
                    "min_guarantors": 2, "max_guarantors": 2},
        "guarantors": [
            {"member_id": "G1", "active": false, "guarantee_amount": "1", "savings_balance": "0"},
            {"member_id": "G2", "consent": "pending", "guarantee_amount": "1",
             "savings_balance": "100", "active_guarantees": 5},
            {"member_id": "G3", "consent": "rejected", "active": false,
             "guarantee_amount": "999999", "savings_balance": "0"},
            {"member_id": "G4", "consent": "pending", "guarantee_amount": "1",
             "savings_balance": "100"}
        ]
    });
    let d = decide(&v).unwrap();
    assert_eq!(
        codes(&d),
        [
            "E_APPROVAL_AMOUNT_ABOVE_MAX",
            "E_APPROVAL_TENURE_ABOVE_MAX",
            "E_APPROVAL_RATE_ABOVE_MAX",
            "E_APPROVAL_FIRST_DUE_GAP_OUT_OF_POLICY",
            "E_APPROVAL_SAVINGS_RATIO_EXCEEDED",
            "E_APPROVAL_SAVINGS_HISTORY_TOO_SHORT",
            "E_APPROVAL_TOO_FEW_GUARANTORS",
            "E_APPROVAL_TOO_MANY_GUARANTORS",
            "E_APPROVAL_GUARANTOR_CONSENT_PENDING",
            "E_APPROVAL_GUARANTOR_CONSENT_REFUSED",
            "E_APPROVAL_GUARANTOR_CONSENT_PENDING",
            "E_APPROVAL_GUARANTOR_INACTIVE",
            "E_APPROVAL_GUARANTOR_AMOUNT_LIMIT",
            "E_APPROVAL_GUARANTOR_COUNT_LIMIT",
        ]
    );
    let gap = &d.refusals[3];
    assert_eq!((gap.limit.as_str(), gap.actual.as_str()), ("7", "1"));
    assert!(!gap.overridable);
    assert!(!d.approved);
}

#[test]
fn every_named_guarantor_must_accept_beyond_the_product_minimum() {
    // The product needs one guarantor; the application names three.
    let mut v = base();
    let g = |id: &str, consent: &str| {
        json!({"member_id": id, "consent": consent, "guarantee_amount": "20000",
               "savings_balance": "40000"})
    };
    v["guarantors"] = json!([g("G1", "accepted"), g("G2", "pending"), g("G3", "accepted")]);
    let d = decide(&v).unwrap();
    assert!(!d.approved, "the minimum has accepted, not every guarantor");
    assert_eq!(codes(&d), ["E_APPROVAL_GUARANTOR_CONSENT_PENDING"]);
    let r = &d.refusals[0];
    assert_eq!(
        (r.guarantor.as_deref(), r.limit.as_str(), r.actual.as_str()),
        (Some("G2"), "accepted", "pending")
    );
    assert!(r.overridable);
    // A pending consent may be overridden with a recorded reason (the legacy force approve).
    v["overrides"] = json!([{"code": "E_APPROVAL_GUARANTOR_CONSENT_PENDING",
                             "reason": "consent given on paper at the meeting"}]);
    assert!(decide(&v).unwrap().approved);
    // A rejected or withdrawn consent blocks, override or not, until the guarantor is removed.
    for refused in ["rejected", "withdrawn"] {
        v["guarantors"][1]["consent"] = json!(refused);
        v["overrides"] = json!([]);
        let d = decide(&v).unwrap();
        assert!(!d.approved, "{refused}");
        assert_eq!(codes(&d), ["E_APPROVAL_GUARANTOR_CONSENT_REFUSED"]);
        assert_eq!(d.refusals[0].actual, refused);
        assert!(!d.refusals[0].overridable && !d.refusals[0].overridden);
        v["overrides"] = json!([{"code": "E_APPROVAL_GUARANTOR_CONSENT_REFUSED",
                                 "reason": "the board insists"}]);
        assert_eq!(
            decide(&v).unwrap_err().code(),
            "E_INVALID_OVERRIDE",
            "{refused}: not overridable"
        );
    }
    v["overrides"] = json!([]);
    v["guarantors"] = json!([g("G1", "accepted"), g("G3", "accepted")]);
    assert!(
        decide(&v).unwrap().approved,
        "removed: every named guarantor accepted"
    );
    // The product minimum is still checked on its own.
    v["product"]["min_guarantors"] = json!(3);
    assert_eq!(
        codes(&decide(&v).unwrap()),
        ["E_APPROVAL_TOO_FEW_GUARANTORS"]
    );
}

#[test]
fn overrides_lift_refusals_and_are_recorded() {
    let mut v = base();
    v["application"]["tenure"] = json!(48);
    v["overrides"] = json!([
        {"code": "E_APPROVAL_TENURE_ABOVE_MAX", "reason": "board resolution 12/2026"},
        {"code": "E_APPROVAL_RATE_BELOW_MIN", "reason": "staff loan"}
    ]);
    let d = decide(&v).unwrap();
    assert!(d.approved);
    assert!(d.refusals[0].overridden);
    assert_eq!(
        d.overrides
            .iter()
            .map(|o| (o.code.code(), o.used))
            .collect::<Vec<_>>(),
        [
            ("E_APPROVAL_TENURE_ABOVE_MAX", true),
            ("E_APPROVAL_RATE_BELOW_MIN", false)
        ]
    );
}

#[test]
fn override_errors() {
    let with = |o: Value| {
        let mut v = base();
        v["overrides"] = json!([o]);
        decide(&v).unwrap_err().code()
    };
    assert_eq!(
        with(json!({"code": "E_APPROVAL_TENURE_ABOVE_MAX"})),
        "E_OVERRIDE_WITHOUT_REASON"
    );
    assert_eq!(
        with(json!({"code": "E_APPROVAL_TENURE_ABOVE_MAX", "reason": "  "})),
        "E_OVERRIDE_WITHOUT_REASON"
    );
    assert_eq!(
        with(json!({"code": "E_RATE_EXCEEDS_CAP", "reason": "x"})),
        "E_INVALID_OVERRIDE"
    );
    assert_eq!(
        with(json!({"code": "E_APPROVAL_FIRST_DUE_GAP_OUT_OF_POLICY", "reason": "x"})),
        "E_INVALID_OVERRIDE"
    );
    let mut v = base();
    v["overrides"] = json!([
        {"code": "E_APPROVAL_TENURE_ABOVE_MAX", "reason": "a"},
        {"code": "E_APPROVAL_TENURE_ABOVE_MAX", "reason": "b"}
    ]);
    assert_eq!(decide(&v).unwrap_err().code(), "E_INVALID_OVERRIDE");
}

#[test]
fn input_errors() {
    let with = |path: &[&str], value: Value| {
        let mut v = base();
        let mut at = &mut v;
        for p in &path[..path.len() - 1] {
            at = &mut at[*p];
        }
        at[path[path.len() - 1]] = value;
        decide(&v).unwrap_err().code()
    };
    assert_eq!(
        with(&["product", "min_tenure"], json!(40)),
        "E_INVALID_POLICY"
    );
    assert_eq!(
        with(&["application", "amount"], json!("0")),
        "E_NON_POSITIVE_PRINCIPAL"
    );
    assert_eq!(
        with(&["application", "amount"], json!("1.001")),
        "E_AMOUNT_SCALE"
    );
    assert_eq!(
        with(&["application", "tenure"], json!(0)),
        "E_INVALID_TENURE"
    );
    assert_eq!(
        with(&["application", "annual_rate"], json!("-1")),
        "E_NEGATIVE_RATE"
    );
    assert_eq!(
        with(&["member", "savings_balance"], json!("-1")),
        "E_INVALID_APPLICATION"
    );
    assert_eq!(
        with(&["application", "fixed_due_day"], json!(29)),
        "E_INVALID_FIXED_DUE_DAY"
    );
}

#[test]
fn the_first_due_rule_is_the_schedules() {
    // Fixed due day 5: chosen 2026-01-06 snaps to 2026-02-05, 31 days after disbursement.
    let mut v = base();
    v["application"]["first_due_on"] = json!("2026-01-06");
    v["application"]["fixed_due_day"] = json!(5);
    assert!(decide(&v).unwrap().approved);
    v["application"]["first_due_on"] = json!("2026-01-05");
    let d = decide(&v).unwrap();
    assert_eq!(codes(&d), ["E_APPROVAL_FIRST_DUE_NOT_AFTER_DISBURSEMENT"]);
    assert_eq!(d.refusals[0].limit, "2026-01-05");
}

#[test]
fn approval_codes_are_unique_and_listed() {
    let mut seen = BTreeSet::new();
    for (c, text) in ApprovalCode::ALL.iter().zip(ApprovalCode::CODES) {
        assert_eq!(c.code(), *text);
        assert!(seen.insert(*text));
        assert!(text.starts_with("E_APPROVAL_"));
        assert!(!CoreError::CODES.contains(text));
        assert_eq!(text.parse::<ApprovalCode>().unwrap(), *c);
    }
    assert_eq!(ApprovalCode::ALL.len(), ApprovalCode::CODES.len());
}

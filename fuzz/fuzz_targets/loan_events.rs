//! Arbitrary event sequences for a loan account: any answer but a panic is fine.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use serde_json::json;

#[derive(Debug, Arbitrary)]
enum Kind {
    Pay { paise: u32, target: Option<u8> },
    Fine { installment: u8, occurrence: u8, paise: u32 },
    FineWaive { installment: u8, paise: u32 },
    Waive { installment: u8, principal: bool, paise: u32 },
    Skip { installment: u8, capitalise: bool },
    InterestOnly { installment: u8, paise: u32 },
    Part { paise: u32, reduce_emi: bool },
    Reverse { target: u8 },
    Rate { bp: u16, keep_emi: bool },
    Foreclose { paise: u32 },
    TopUp,
    WriteOff,
}

#[derive(Debug, Arbitrary)]
struct Step {
    days: u8,
    sequence_jump: u8,
    reuse_key: bool,
    kind: Kind,
}

#[derive(Debug, Arbitrary)]
struct Loan {
    principal_rupees: u32,
    rate_bp: u16,
    tenure: u8,
    method: u8,
    steps: Vec<Step>,
    as_of_days: u16,
}

fn money(paise: u32) -> String {
    format!("{}.{:02}", paise / 100, paise % 100)
}

fuzz_target!(|loan: Loan| {
    let method = ["reducing", "flat", "equal_principal", "bullet"][usize::from(loan.method % 4)];
    let mut events = vec![json!({
        "id": "d", "sequence": 1, "value_date": "2026-01-05", "idempotency_key": "d",
        "body": {"type": "disbursed", "loan_id": "LN1", "terms": {
            "principal": loan.principal_rupees.to_string(),
            "annual_rate": format!("{}.{:02}", loan.rate_bp / 100, loan.rate_bp % 100),
            "tenure": loan.tenure, "disbursed_on": "2026-01-05", "first_due_on": "2026-02-05",
            "method": method}}
    })];
    let mut sequence = 1_u64;
    let mut day = 0_i64;
    for (i, step) in loan.steps.iter().take(64).enumerate() {
        sequence += 1 + u64::from(step.sequence_jump % 3);
        day += i64::from(step.days);
        let date = chrono::NaiveDate::from_ymd_opt(2026, 1, 5).unwrap() + chrono::Days::new(day as u64);
        let body = match &step.kind {
            Kind::Pay { paise, target } => json!({"type": "payment_received", "amount": money(*paise), "installment": target}),
            Kind::Fine { installment, occurrence, paise } => json!({"type": "fine_levied", "installment": installment, "rule_id": "FR", "occurrence": occurrence, "amount": money(*paise)}),
            Kind::FineWaive { installment, paise } => json!({"type": "fine_waived", "installment": installment, "rule_id": "FR", "amount": money(*paise), "reason": "r"}),
            Kind::Waive { installment, principal, paise } => json!({"type": "waiver", "installment": installment, "component": if *principal {"principal"} else {"interest"}, "amount": money(*paise), "reason": "r"}),
            Kind::Skip { installment, capitalise } => json!({"type": "installment_skipped", "installment": installment, "mode": if *capitalise {"capitalise_reamortise"} else {"extend_tenure"}}),
            Kind::InterestOnly { installment, paise } => json!({"type": "interest_only_payment", "installment": installment, "amount": money(*paise)}),
            Kind::Part { paise, reduce_emi } => json!({"type": "part_payment", "amount": money(*paise), "mode": if *reduce_emi {"reduce_emi"} else {"reduce_tenure"}}),
            Kind::Reverse { target } => json!({"type": "payment_reversed", "event_id": format!("e{target}"), "reason": "r"}),
            Kind::Rate { bp, keep_emi } => json!({"type": "rate_changed", "annual_rate": format!("{}.{:02}", bp / 100, bp % 100), "mode": if *keep_emi {"keep_emi"} else {"keep_tenure"}}),
            Kind::Foreclose { paise } => json!({"type": "foreclosed", "amount": money(*paise)}),
            Kind::TopUp => json!({"type": "topped_up", "new_loan_id": "LN2"}),
            Kind::WriteOff => json!({"type": "written_off", "reason": "r"}),
        };
        let key = if step.reuse_key { "k".to_owned() } else { format!("k{i}") };
        events.push(json!({"id": format!("e{i}"), "sequence": sequence, "value_date": date.format("%Y-%m-%d").to_string(), "idempotency_key": key, "body": body}));
    }
    let as_of = chrono::NaiveDate::from_ymd_opt(2026, 1, 5).unwrap() + chrono::Days::new(u64::from(loan.as_of_days));
    let as_of = as_of.format("%Y-%m-%d").to_string();
    let events = serde_json::Value::Array(events);
    let _ = windeep_ops::call("loan_statement", &json!({"events": events, "as_of": as_of}).to_string());
    let _ = windeep_ops::call("foreclosure_quote", &json!({"events": events, "settlement_on": as_of}).to_string());
    let _ = windeep_ops::call("verify_chain", &json!({"events": events}).to_string());
});

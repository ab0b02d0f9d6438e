//! `--demo`: a small society seeded through the API itself: members, a product with a fine
//! rule, an application approved and disbursed, loans that are paid, overdue, foreclosed and
//! written off then recovered, a savings account and a bank statement.

use axum::http::{Method, Request, StatusCode};
use serde_json::{Value, json};
use tower::ServiceExt as _;

use crate::auth::Role;
use crate::{AppState, bootstrap_token, router};

/// Sends one request to the application in process; returns status and JSON body.
///
/// # Errors
/// The request could not be built or answered.
pub async fn call(
    state: &AppState,
    token: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> Result<(StatusCode, Value), String> {
    let mut b = Request::builder()
        .method(method)
        .uri(path)
        .header("authorization", format!("Bearer {token}"));
    if body.is_some() {
        b = b.header("content-type", "application/json");
    }
    let req = b
        .body(crate::body(body.map(|v| v.to_string()).unwrap_or_default()))
        .map_err(|e| e.to_string())?;
    let res = router(state.clone())
        .oneshot(req)
        .await
        .map_err(|e| e.to_string())?;
    let status = res.status();
    let bytes = axum::body::to_bytes(res.into_body(), usize::MAX)
        .await
        .map_err(|e| e.to_string())?;
    let v = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    Ok((status, v))
}

fn terms(principal: &str, disbursed_on: &str, first_due_on: &str) -> Value {
    json!({"principal": principal, "annual_rate": "12", "tenure": 12,
           "disbursed_on": disbursed_on, "first_due_on": first_due_on})
}

/// The demo product.
pub fn product() -> Value {
    json!({
        "id": "LOAN-001", "name": "Personal Loan",
        "bounds": {"min_amount": "10000", "max_amount": "500000", "min_tenure": 6, "max_tenure": 36,
                   "min_annual_rate": "10", "max_annual_rate": "14", "loan_to_savings_ratio": "3.00",
                   "required_savings_months": 6, "min_guarantors": 2, "max_guarantors": 3},
        "fine_rules": [{"id": 1, "applies_to": "loan", "grace_days": 5,
                        "formula": {"kind": "per_day", "initial": "100", "per_day": "10"}, "cap": "500"}]
    })
}

/// Seeds the demo society. Returns the Super Admin token it used.
///
/// # Errors
/// Any step the API refused (with its answer).
pub async fn seed(state: &AppState) -> Result<String, String> {
    let t = bootstrap_token(&state.db, Role::SuperAdmin, None, "demo")
        .await
        .map_err(|e| e.message)?;
    let step = |what: &'static str, r: (StatusCode, Value)| -> Result<Value, String> {
        if r.0.is_success() {
            Ok(r.1)
        } else {
            Err(format!("demo step {what}: {} {}", r.0, r.1))
        }
    };
    let members = [
        ("MEMB000001", "Asha Patil", "234567890123", "ABCPP1234F"),
        (
            "MEMB000002",
            "Ramesh Kulkarni",
            "345678901234",
            "BCDPK2345G",
        ),
        (
            "MEMB000003",
            "Sunita Deshmukh",
            "456789012345",
            "CDEPD3456H",
        ),
        ("MEMB000004", "Imran Shaikh", "567890123456", "DEFPS4567J"),
        ("MEMB000005", "Lata Joshi", "678901234567", "EFGPJ5678K"),
    ];
    for (id, name, a, p) in members {
        let body = json!({"id": id, "name": name, "aadhaar": a, "pan": p});
        step(
            "member",
            call(state, &t, Method::POST, "/members", Some(body)).await?,
        )?;
    }
    step(
        "product",
        call(state, &t, Method::POST, "/products", Some(product())).await?,
    )?;
    // A year of savings for the applicant and the guarantors: what the approval reads.
    for (n, member, saved) in [
        (1, "MEMB000001", "60000"),
        (2, "MEMB000002", "40000"),
        (3, "MEMB000003", "50000"),
    ] {
        let account = format!("SAV202500000{n}");
        let sv = json!({"account_id": account, "member": member, "opened_on": "2025-01-01",
            "scheme": {"monthly_amount": "5000", "due_day": 10}});
        step(
            "savings",
            call(state, &t, Method::POST, "/savings", Some(sv)).await?,
        )?;
        let deposit =
            json!({"value_date": "2025-12-31", "body": {"type": "deposit", "amount": saved}});
        step(
            "deposit",
            call(
                state,
                &t,
                Method::POST,
                &format!("/savings/{account}/events"),
                Some(deposit),
            )
            .await?,
        )?;
    }
    // An application, approved and disbursed; the member facts are the society's own.
    let app = json!({"id": "APP-0001", "member_id": "MEMB000001", "product_id": "LOAN-001",
        "application": {"amount": "100000", "tenure": 12, "annual_rate": "12",
                        "disbursed_on": "2026-01-05", "first_due_on": "2026-02-05"},
        "guarantors": [{"member_id": "MEMB000002", "guarantee_amount": "20000"},
                       {"member_id": "MEMB000003", "guarantee_amount": "20000"}]});
    step(
        "application",
        call(state, &t, Method::POST, "/applications", Some(app)).await?,
    )?;
    // Both guarantors consent through the portal.
    for g in ["MEMB000002", "MEMB000003"] {
        let gt = bootstrap_token(&state.db, Role::Member, Some(g), "demo-guarantor")
            .await
            .map_err(|e| e.message)?;
        step(
            "consent",
            call(
                state,
                &gt,
                Method::POST,
                "/applications/APP-0001/guarantor-consents",
                Some(json!({"consent": true})),
            )
            .await?,
        )?;
    }
    step(
        "approve",
        call(
            state,
            &t,
            Method::POST,
            "/applications/APP-0001/approve",
            Some(json!({})),
        )
        .await?,
    )?;
    step(
        "disburse",
        call(
            state,
            &t,
            Method::POST,
            "/applications/APP-0001/disburse",
            Some(json!({"loan_id": "LN2026000001"})),
        )
        .await?,
    )?;
    for (i, (d, utr)) in [
        ("2026-02-05", "SBIN0001"),
        ("2026-03-05", "SBIN0002"),
        ("2026-04-06", "SBIN0003"),
    ]
    .iter()
    .enumerate()
    {
        let body = json!({"amount": "8884.88", "value_date": d, "payment_mode": if i == 1 { "cash" } else { "upi" }, "utr": utr});
        step(
            "payment",
            call(
                state,
                &t,
                Method::POST,
                "/loans/LN2026000001/payments",
                Some(body),
            )
            .await?,
        )?;
    }
    // Loans opened directly: overdue, foreclosed, written off and recovered.
    for (loan, member, principal) in [
        ("LN2026000002", "MEMB000002", "50000"),
        ("LN2026000003", "MEMB000003", "30000"),
        ("LN2026000004", "MEMB000004", "20000"),
    ] {
        let body = json!({"member_id": member, "product_id": "LOAN-001",
            "disbursed": {"type": "disbursed", "loan_id": loan, "terms": terms(principal, "2026-01-10", "2026-02-10")}});
        step(
            "loan",
            call(state, &t, Method::POST, "/loans", Some(body)).await?,
        )?;
    }
    let q = step(
        "quote",
        call(
            state,
            &t,
            Method::GET,
            "/loans/LN2026000003/foreclosure-quote?on=2026-03-01",
            None,
        )
        .await?,
    )?;
    let amount = q["total"].clone();
    step("foreclose", call(state, &t, Method::POST, "/loans/LN2026000003/events",
        Some(json!({"value_date": "2026-03-01", "body": {"type": "foreclosed", "amount": amount, "payment_mode": "bank"}}))).await?)?;
    step("write-off", call(state, &t, Method::POST, "/loans/LN2026000004/events",
        Some(json!({"value_date": "2026-09-30", "body": {"type": "written_off", "reason": "member left the district"}}))).await?)?;
    step("recovery", call(state, &t, Method::POST, "/loans/LN2026000004/payments",
        Some(json!({"amount": "5000", "value_date": "2026-10-15", "payment_mode": "cash", "utr": "RECOVERY-0001"}))).await?)?;
    // Savings.
    let sv = json!({"account_id": "SAV2026000001", "member": "MEMB000005", "opened_on": "2026-01-15",
        "scheme": {"monthly_amount": "1000", "due_day": 10, "annual_rate": "6"}});
    step(
        "savings",
        call(state, &t, Method::POST, "/savings", Some(sv)).await?,
    )?;
    for d in ["2026-02-10", "2026-03-10"] {
        step(
            "deposit",
            call(
                state,
                &t,
                Method::POST,
                "/savings/SAV2026000001/events",
                Some(json!({"value_date": d, "body": {"type": "deposit", "amount": "1000"}})),
            )
            .await?,
        )?;
    }
    // A bank statement.
    let csv = "Sl. No.;Transaction Date;Value Date;Description;Chq / Ref No.;Amount;Dr / Cr;Balance;Dr / Cr\n1;12-01-2026 10:15:00;12-01-2026;UPI/RAMESH/601812345678/EMI LN2026000001;;8,884.88;CR;20,000.00;CR\n2;13-01-2026 00:00:00;13-01-2026;NEFT-KKBKN26013000001-RENT;KKBKN26013000001;15,000.00;DR;5,000.00;CR\n";
    step("statement", call(state, &t, Method::POST, "/bank/statements",
        Some(json!({"account_id": "KOTAK-1", "import_id": "demo-1", "preset": "kotak", "delimiter": ";", "content": csv}))).await?)?;
    Ok(t)
}

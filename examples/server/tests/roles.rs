//! The role matrix: every endpoint × every role, allowed or refused as the roles of the
//! reference server say (decisions: Super Admin everything; Manager approves loans, reports,
//! members; Accountant bank import, payments, reconciliation, no approvals; Viewer reads;
//! a member reads their own data only).

mod common;

use common::start;
use serde_json::{Value, json};
use windeep_server::auth::Role;

/// `S` Super Admin, `M` Manager, `A` Accountant, `V` Viewer, `B` the member MEMB000001,
/// `C` the member MEMB000005.
fn matrix() -> Vec<(&'static str, &'static str, Option<Value>, &'static str)> {
    let skip = json!({"value_date": "2026-03-05", "body": {"type": "installment_skipped", "installment": 3}});
    let reverse = json!({"value_date": "2026-04-07", "body": {"type": "payment_reversed", "event_id": "LN2026000001-4", "reason": "returned"}});
    let app = json!({"id": "APP-X", "member_id": "MEMB000001", "product_id": "LOAN-001",
        "application": {"amount": "10000", "tenure": 12, "annual_rate": "12", "disbursed_on": "2026-01-05", "first_due_on": "2026-02-05"}});
    vec![
        ("GET", "/products", None, "SMAV"),
        (
            "POST",
            "/products",
            Some(json!({"id": "P-{role}", "name": "p", "bounds": {}})),
            "SM",
        ),
        (
            "POST",
            "/members",
            Some(json!({"id": "N-{role}", "name": "n"})),
            "SM",
        ),
        ("GET", "/members", None, "SMAV"),
        ("GET", "/members?aadhaar=234567890123", None, "SM"),
        ("GET", "/members/MEMB000001", None, "SMAVB"),
        ("GET", "/members/MEMB000002", None, "SMAV"),
        ("GET", "/members/MEMB000001/ledger", None, "SMAVB"),
        ("GET", "/members/MEMB000002/ledger", None, "SMAV"),
        ("GET", "/members/MEMB000001/accounts", None, "SMAVB"),
        ("GET", "/members/MEMB000002/accounts", None, "SMAV"),
        ("POST", "/applications", Some(app), "SM"),
        ("GET", "/applications/APP-0001", None, "SMAVB"),
        (
            "POST",
            "/applications/APP-0001/approve",
            Some(json!({})),
            "SM",
        ),
        (
            "POST",
            "/applications/APP-0001/disburse",
            Some(json!({"loan_id": "LX-{role}"})),
            "SM",
        ),
        (
            "POST",
            "/loans",
            Some(
                json!({"member_id": "MEMB000002", "disbursed": {"type": "disbursed", "loan_id": "LY-{role}",
            "terms": {"principal": "1000", "annual_rate": "12", "tenure": 6, "disbursed_on": "2026-01-05", "first_due_on": "2026-02-05"}}}),
            ),
            "SM",
        ),
        ("GET", "/loans/LN2026000001", None, "SMAVB"),
        ("GET", "/loans/LN2026000002", None, "SMAV"),
        ("GET", "/loans/LN2026000001/events", None, "SMAVB"),
        ("GET", "/loans/LN2026000002/events", None, "SMAV"),
        ("GET", "/loans/LN2026000001/schedule", None, "SMAVB"),
        ("GET", "/loans/LN2026000001/verify", None, "SMAVB"),
        (
            "GET",
            "/loans/LN2026000001/foreclosure-quote?on=2026-05-01",
            None,
            "SMAVB",
        ),
        (
            "GET",
            "/loans/LN2026000002/foreclosure-quote?on=2026-05-01",
            None,
            "SMAV",
        ),
        (
            "GET",
            "/loans/LN2026000001/topup-quote?on=2026-05-01&amount=10000",
            None,
            "SMAVB",
        ),
        (
            "POST",
            "/loans/LN2026000002/payments",
            Some(json!({"amount": "10", "value_date": "2026-02-10", "utr": "R-{role}"})),
            "SA",
        ),
        ("POST", "/loans/LN2026000002/events", Some(skip), "SM"),
        (
            "POST",
            "/loans/LN2026000002/topup",
            Some(
                json!({"new_loan_id": "LT-{role}", "on": "2026-05-05", "amount": "10000",
                "terms": {"annual_rate": "12", "tenure": 12, "first_due_on": "2026-06-05"}}),
            ),
            "SM",
        ),
        ("POST", "/loans/LN2026000001/events", Some(reverse), "SA"),
        (
            "POST",
            "/jobs/end-of-day",
            Some(json!({"as_of": "2026-02-20"})),
            "SA",
        ),
        (
            "POST",
            "/savings",
            Some(
                json!({"account_id": "SV-{role}", "member": "MEMB000003", "opened_on": "2026-01-01", "scheme": {"monthly_amount": "100"}}),
            ),
            "SMA",
        ),
        ("GET", "/savings/SAV2026000001", None, "SMAVC"),
        (
            "POST",
            "/savings/SAV2026000001/events",
            Some(json!({"value_date": "2026-04-10", "body": {"type": "deposit", "amount": "1"}})),
            "SMA",
        ),
        (
            "POST",
            "/bank/statements",
            Some(
                json!({"account_id": "B-{role}", "content": "Date,Narration,UTR,Debit,Credit,Balance\n05/02/2026,X,U1,,1.00,1.00\n"}),
            ),
            "SA",
        ),
        ("GET", "/bank/transactions?account=KOTAK-1", None, "SMAV"),
        ("POST", "/bank/match", Some(json!({"lines": []})), "SA"),
        // Papers and the portal: a member reads and acts on their own loans and accounts only.
        ("GET", "/loans/LN2026000001/statement.pdf", None, "SMAVB"),
        ("GET", "/loans/LN2026000002/statement.pdf", None, "SMAV"),
        ("GET", "/savings/SAV2026000001/passbook.pdf", None, "SMAVC"),
        (
            "POST",
            "/loans/LN2026000001/waiver-requests",
            Some(json!({"amount": "50.00", "reason": "hardship"})),
            "B",
        ),
        (
            "POST",
            "/loans/LN2026000002/waiver-requests",
            Some(json!({"amount": "50.00", "reason": "hardship"})),
            "",
        ),
        ("GET", "/waiver-requests?status=pending", None, "SMAV"),
        (
            "POST",
            "/waiver-requests/WR-none/approve",
            Some(json!({})),
            "SM",
        ),
        (
            "POST",
            "/waiver-requests/WR-none/reject",
            Some(json!({})),
            "SM",
        ),
        (
            "POST",
            "/applications/APP-0001/guarantor-consents",
            Some(json!({"consent": true})),
            "",
        ),
        ("GET", "/reports/trial-balance", None, "SMAV"),
        ("GET", "/reports/portfolio", None, "SMAV"),
        ("GET", "/reports/dashboard?as_of=2026-09-30", None, "SMAV"),
        ("GET", "/outbox", None, "SM"),
        ("GET", "/audit", None, "SM"),
        ("GET", "/audit/verify", None, "SM"),
        (
            "POST",
            "/tokens",
            Some(json!({"role": "viewer", "name": "t-{role}"})),
            "S",
        ),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_endpoint_for_every_role() {
    let s = start("roles").await;
    windeep_server::demo::seed(&s.state).await.unwrap();
    let roles = [
        ('S', s.token(Role::SuperAdmin, None).await),
        ('M', s.token(Role::Manager, None).await),
        ('A', s.token(Role::Accountant, None).await),
        ('V', s.token(Role::Viewer, None).await),
        ('B', s.token(Role::Member, Some("MEMB000001")).await),
        ('C', s.token(Role::Member, Some("MEMB000005")).await),
    ];
    let mut failures = Vec::new();
    let mut checked = 0;
    for (method, path, body, allowed) in matrix() {
        for (letter, token) in &roles {
            let body = body
                .as_ref()
                .map(|b| b.to_string().replace("{role}", &letter.to_string()));
            let r = common::request(
                s.addr,
                method,
                path,
                Some(token),
                &[],
                body.as_deref().map(str::as_bytes),
            )
            .await;
            let expect_allowed = allowed.contains(*letter);
            let refused = r.status == 403 && r.body["code"] == "E_FORBIDDEN";
            checked += 1;
            if expect_allowed && (r.status == 403 || r.status == 401 || r.status >= 500) {
                failures.push(format!(
                    "{letter} {method} {path}: refused {} {}",
                    r.status, r.raw
                ));
            }
            if !expect_allowed && !refused {
                failures.push(format!(
                    "{letter} {method} {path}: allowed {} {}",
                    r.status, r.raw
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(checked > 200);
    // A member token cannot be made for a member that does not exist; an unknown role is refused.
    let r = s
        .post(
            &s.admin,
            "/tokens",
            &json!({"role": "member", "name": "x", "member_id": "NOPE"}),
        )
        .await;
    assert_eq!(r.status, 404);
    let r = s
        .post(&s.admin, "/tokens", &json!({"role": "root", "name": "x"}))
        .await;
    assert_eq!(r.body["code"], "E_INVALID_INPUT");
    // Tokens are stored hashed: no token appears in the store in clear.
    let rows: Vec<(String,)> = sqlx::query_as("SELECT hash FROM tokens")
        .fetch_all(&s.state.db.pool)
        .await
        .unwrap();
    for (_, t) in &roles {
        assert!(rows.iter().all(|(h,)| h != t));
        assert!(
            rows.iter()
                .any(|(h,)| *h == windeep_server::crypto::sha256_hex(t.as_bytes()))
        );
    }
}

//! The API end to end over loopback HTTP on SQLite (or PostgreSQL, see `common`).

mod common;

use common::{WEBHOOK_SECRET, request, start};
use serde_json::{Value, json};
use windeep_server::auth::Role;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_society_seeds_and_its_books_balance() {
    let s = start("demo").await;
    windeep_server::demo::seed(&s.state).await.unwrap();
    let tb = s
        .get(&s.admin, "/reports/trial-balance?as_of=2026-11-30")
        .await;
    assert_eq!(tb.status, 200, "{}", tb.raw);
    let bs = s
        .get(&s.admin, "/reports/balance-sheet?as_of=2026-11-30")
        .await;
    assert_eq!(bs.body["balanced"], true, "{}", bs.raw);
    // Foreclosed and written-off loans are in those states, derived by the core.
    let l3 = s
        .get(&s.admin, "/loans/LN2026000003?as_of=2026-11-30")
        .await;
    assert_eq!(
        l3.body["statement"]["state"]["status"], "foreclosed",
        "{}",
        l3.raw
    );
    let l4 = s
        .get(&s.admin, "/loans/LN2026000004?as_of=2026-11-30")
        .await;
    assert_eq!(
        l4.body["statement"]["state"]["status"], "written_off",
        "{}",
        l4.raw
    );
    for id in [
        "LN2026000001",
        "LN2026000002",
        "LN2026000003",
        "LN2026000004",
    ] {
        let v = s.get(&s.admin, &format!("/loans/{id}/verify")).await;
        assert_eq!(v.status, 200, "{}", v.raw);
        assert_eq!(v.body["status"], "ok", "{id}: {}", v.raw);
    }
    let bank = s.get(&s.admin, "/bank/transactions?account=KOTAK-1").await;
    assert_eq!(
        bank.body["transactions"].as_array().unwrap().len(),
        2,
        "{}",
        bank.raw
    );
    let sv = s
        .get(&s.admin, "/savings/SAV2026000001?as_of=2026-03-31")
        .await;
    assert_eq!(sv.status, 200, "{}", sv.raw);
    let audit = s.get(&s.admin, "/audit/verify").await;
    assert_eq!(audit.body["valid"], true);
    assert!(audit.body["entries"].as_u64().unwrap() > 20);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn payments_are_idempotent_by_utr_and_by_key() {
    let s = start("idem").await;
    s.loan("M1", "L1").await;
    let pay = json!({"amount": "8884.88", "value_date": "2026-02-05", "payment_mode": "upi", "utr": "UTR0001"});
    let first = s.post(&s.admin, "/loans/L1/payments", &pay).await;
    assert_eq!(first.status, 201, "{}", first.raw);
    assert_eq!(first.body["stored"], true);
    // The same UTR again: the core finds the duplicate; nothing is stored.
    let again = s.post(&s.admin, "/loans/L1/payments", &pay).await;
    assert_eq!(again.status, 200, "{}", again.raw);
    assert_eq!(again.body["stored"], false);
    assert_eq!(again.body["outcome"]["result"], "duplicate");
    // The same UTR with another amount is the core's idempotency conflict.
    let other = s
        .post(
            &s.admin,
            "/loans/L1/payments",
            &json!({"amount": "1", "value_date": "2026-02-05", "utr": "UTR0001"}),
        )
        .await;
    assert_eq!(other.status, 409, "{}", other.raw);
    assert_eq!(other.body["code"], "E_IDEMPOTENCY_CONFLICT");
    // Idempotency-Key: a retry returns the original answer byte for byte.
    let p2 = json!({"amount": "100", "value_date": "2026-02-10", "payment_mode": "cash"});
    let a = s
        .post_idem(&s.admin, "/loans/L1/payments", "key-1", &p2)
        .await;
    let b = s
        .post_idem(&s.admin, "/loans/L1/payments", "key-1", &p2)
        .await;
    assert_eq!(a.status, 201, "{}", a.raw);
    assert_eq!((b.status, &b.body), (201, &a.body));
    let c = s
        .post_idem(
            &s.admin,
            "/loans/L1/payments",
            "key-1",
            &json!({"amount": "101", "value_date": "2026-02-10"}),
        )
        .await;
    assert_eq!(c.status, 409);
    assert_eq!(c.body["code"], "E_IDEMPOTENCY_CONFLICT");
    // A payment needs a key.
    let none = s
        .post(
            &s.admin,
            "/loans/L1/payments",
            &json!({"amount": "1", "value_date": "2026-02-10"}),
        )
        .await;
    assert_eq!(none.body["code"], "E_BLANK_IDENTIFIER", "{}", none.raw);
    let events = s.get(&s.admin, "/loans/L1/events").await;
    assert_eq!(
        events.body["events"].as_array().unwrap().len(),
        3,
        "{}",
        events.raw
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn loan_life_cycle_events_go_through_the_core() {
    let s = start("life").await;
    s.loan("M1", "L1").await;
    let p = s.post(&s.admin, "/loans/L1/payments", &json!({"amount": "8884.88", "value_date": "2026-02-05", "utr": "U1", "payment_mode": "bank"})).await;
    let paid_id = p.body["event"]["id"].as_str().unwrap().to_owned();
    // Reversal.
    let r = s.post(&s.admin, "/loans/L1/events", &json!({"value_date": "2026-02-08", "body": {"type": "payment_reversed", "event_id": paid_id, "reason": "cheque returned"}})).await;
    assert_eq!(r.status, 201, "{}", r.raw);
    // A reversal of an unknown event is the core's refusal, in its shape.
    let bad = s.post(&s.admin, "/loans/L1/events", &json!({"value_date": "2026-02-09", "body": {"type": "payment_reversed", "event_id": "nope", "reason": "x"}})).await;
    assert_eq!(bad.status / 100, 4, "{}", bad.raw);
    assert!(
        bad.body["code"].as_str().unwrap().starts_with("E_"),
        "{}",
        bad.raw
    );
    assert_eq!(bad.body.as_object().unwrap().len(), 2);
    // Interest-only, part payment, skip, foreclosure quote and settlement.
    let io = s.post(&s.admin, "/loans/L1/events", &json!({"value_date": "2026-02-10", "body": {"type": "interest_only_payment", "installment": 1, "amount": "1000.00"}})).await;
    assert!(
        io.status == 201 || io.body["code"].as_str().unwrap().starts_with("E_"),
        "{}",
        io.raw
    );
    let q = s
        .get(&s.admin, "/loans/L1/foreclosure-quote?on=2026-03-01")
        .await;
    assert_eq!(q.status, 200, "{}", q.raw);
    let total = q.body["total"].clone();
    let f = s.post(&s.admin, "/loans/L1/events", &json!({"value_date": "2026-03-01", "body": {"type": "foreclosed", "amount": total, "payment_mode": "bank"}})).await;
    assert_eq!(f.status, 201, "{}", f.raw);
    assert_eq!(f.body["state"]["status"], "foreclosed", "{}", f.raw);
    let after = s
        .post(
            &s.admin,
            "/loans/L1/payments",
            &json!({"amount": "10", "value_date": "2026-03-02", "utr": "U9"}),
        )
        .await;
    assert_eq!(after.body["code"], "E_LOAN_CLOSED", "{}", after.raw);
    let sched = s.get(&s.admin, "/loans/L1/schedule").await;
    assert_eq!(sched.body["emi"], "8884.88", "{}", sched.raw);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn application_is_approved_by_the_core_and_disbursed() {
    let s = start("apply").await;
    // The applicant's and the guarantors' savings are the server's own data.
    for (m, saved) in [("A1", "60000"), ("G1", "40000"), ("G2", "50000")] {
        s.post(&s.admin, "/members", &json!({"id": m, "name": m}))
            .await;
        let sv = s.post(&s.admin, "/savings", &json!({"account_id": format!("S-{m}"), "member": m, "opened_on": "2025-01-01", "scheme": {"monthly_amount": "5000", "due_day": 10}})).await;
        assert_eq!(sv.status, 201, "{}", sv.raw);
        let d = s
            .post(
                &s.admin,
                &format!("/savings/S-{m}/events"),
                &json!({"value_date": "2025-12-31", "body": {"type": "deposit", "amount": saved}}),
            )
            .await;
        assert_eq!(d.status, 201, "{}", d.raw);
    }
    assert_eq!(
        s.post(&s.admin, "/products", &windeep_server::demo::product())
            .await
            .status,
        201
    );
    let app = |id: &str, amount: &str| {
        json!({"id": id, "member_id": "A1", "product_id": "LOAN-001",
        "application": {"amount": amount, "tenure": 12, "annual_rate": "12", "disbursed_on": "2026-01-05", "first_due_on": "2026-02-05"},
        "guarantors": [{"member_id": "G1", "guarantee_amount": "20000"},
                       {"member_id": "G2", "guarantee_amount": "20000"}]})
    };
    assert_eq!(
        s.post(&s.admin, "/applications", &app("AP1", "100000"))
            .await
            .status,
        201
    );
    // Both guarantors consent through the portal (an approval reads their recorded consents).
    let consent = |app: &'static str| {
        let s = &s;
        async move {
            for g in ["G1", "G2"] {
                let t = s.token(Role::Member, Some(g)).await;
                let path = format!("/applications/{app}/guarantor-consents");
                let r = s.post(&t, &path, &json!({"consent": true})).await;
                assert_eq!(r.status, 201, "{}", r.raw);
            }
        }
    };
    consent("AP1").await;
    // Disbursing before approval is refused.
    let early = s
        .post(
            &s.admin,
            "/applications/AP1/disburse",
            &json!({"loan_id": "LA1"}),
        )
        .await;
    assert_eq!(early.body["code"], "E_NOT_ELIGIBLE", "{}", early.raw);
    let ok = s
        .post(&s.admin, "/applications/AP1/approve", &json!({}))
        .await;
    assert_eq!(ok.body["decision"]["approved"], true, "{}", ok.raw);
    let d = s
        .post(
            &s.admin,
            "/applications/AP1/disburse",
            &json!({"loan_id": "LA1"}),
        )
        .await;
    assert_eq!(d.status, 201, "{}", d.raw);
    assert_eq!(
        d.body["state"]["principal_disbursed"], "100000.00",
        "{}",
        d.raw
    );
    let twice = s
        .post(
            &s.admin,
            "/applications/AP1/disburse",
            &json!({"loan_id": "LA2"}),
        )
        .await;
    assert_eq!(twice.status, 409, "{}", twice.raw);
    // Above the loan-to-savings ratio (3 × 60,000): refused by the core, with an override it passes.
    assert_eq!(
        s.post(&s.admin, "/applications", &app("AP2", "200000"))
            .await
            .status,
        201
    );
    consent("AP2").await;
    let refused = s
        .post(&s.admin, "/applications/AP2/approve", &json!({}))
        .await;
    assert_eq!(
        refused.body["decision"]["approved"], false,
        "{}",
        refused.raw
    );
    // The guarantors' exposure is the server's: each now stands behind LA1.
    assert_eq!(
        refused.body["facts"]["guarantors"][0]["active_guarantees"], 1,
        "{}",
        refused.raw
    );
    let codes = common::refusal_codes(&refused.body);
    let overridden = s
        .post(
            &s.admin,
            "/applications/AP2/approve",
            &common::override_all(&codes, "long-standing member"),
        )
        .await;
    assert_eq!(overridden.status, 200, "{}", overridden.raw);
    assert_eq!(
        overridden.body["decision"]["approved"], true,
        "{}",
        overridden.raw
    );
    let stored = s.get(&s.admin, "/applications/AP2").await;
    assert_eq!(
        stored.body["decision"]["decision"]["approved"], true,
        "{}",
        stored.raw
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn identity_data_is_encrypted_masked_and_searchable() {
    let s = start("ident").await;
    let r = s
        .post(
            &s.admin,
            "/members",
            &json!({"id": "M1", "name": "Asha", "aadhaar": "2345 6789 0123", "pan": "ABCPP1234F"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.raw);
    assert_eq!(
        r.body["aadhaar"],
        "XXXXXXXXXXX0123"
            .get(..)
            .map(|_| windeep_server::crypto::mask("2345 6789 0123"))
            .unwrap()
    );
    // At rest: neither number appears in the store.
    let (a, p): (String, String) =
        sqlx::query_as("SELECT aadhaar_enc, pan_enc FROM members WHERE id = 'M1'")
            .fetch_one(&s.state.db.pool)
            .await
            .unwrap();
    assert!(!a.contains("0123") && !p.contains("ABCPP"));
    assert!(a.starts_with("dev1:"));
    let g = s.get(&s.admin, "/members/M1").await;
    assert_eq!(g.body["pan"], "XXXXXX234F");
    assert!(!g.raw.contains("ABCPP1234F") && !g.raw.contains("234567890123"));
    let found = s.get(&s.admin, "/members?aadhaar=234567890123").await;
    assert_eq!(found.body["members"][0]["id"], "M1", "{}", found.raw);
    let none = s.get(&s.admin, "/members?pan=ZZZZZ9999Z").await;
    assert_eq!(none.body["members"].as_array().unwrap().len(), 0);
    let bad = s
        .post(
            &s.admin,
            "/members",
            &json!({"id": "M2", "name": "x", "aadhaar": "12"}),
        )
        .await;
    assert_eq!(bad.body["code"], "E_INVALID_INPUT");
    // Reads of identity data are audited.
    let log = s.get(&s.admin, "/audit?limit=1000").await;
    let actions: Vec<&str> = log.body["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert!(
        actions.contains(&"member.read") && actions.contains(&"member.search"),
        "{actions:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_are_json_and_never_leak_internals() {
    let s = start("errors").await;
    let unknown = s.get(&s.admin, "/nope").await;
    assert_eq!(
        (unknown.status, unknown.body["code"].as_str()),
        (404, Some("E_NOT_FOUND"))
    );
    let noauth = request(s.addr, "GET", "/products", None, &[], None).await;
    assert_eq!(
        (noauth.status, noauth.body["code"].as_str()),
        (401, Some("E_UNAUTHENTICATED"))
    );
    let badtoken = s.get("not-a-token", "/products").await;
    assert_eq!(badtoken.status, 401);
    let badjson = request(
        s.addr,
        "POST",
        "/members",
        Some(&s.admin),
        &[],
        Some(b"{\"id\": \"x\","),
    )
    .await;
    assert_eq!(badjson.status, 400);
    assert!(
        badjson.body["code"]
            .as_str()
            .unwrap()
            .starts_with("E_INVALID"),
        "{}",
        badjson.raw
    );
    let dupkeys = request(
        s.addr,
        "POST",
        "/members",
        Some(&s.admin),
        &[],
        Some(b"{\"id\": \"x\", \"id\": \"y\", \"name\": \"n\"}"),
    )
    .await;
    assert_eq!(dupkeys.status, 400, "{}", dupkeys.raw);
    let big = vec![b' '; windeep_server::BODY_LIMIT + 10];
    let large = request(s.addr, "POST", "/members", Some(&s.admin), &[], Some(&big)).await;
    assert_eq!(large.status, 413, "{}", large.raw);
    assert_eq!(large.body["code"], "E_INPUT_TOO_LARGE");
    let badquery = s.get(&s.admin, "/loans/x?as_of=2026-13-45").await;
    assert_eq!(badquery.status / 100, 4);
    // SQL and script text is data: stored and returned as given.
    let evil = "Robert'); DROP TABLE members;-- <script>alert(1)</script>";
    let m = s
        .post(&s.admin, "/members", &json!({"id": "EVIL1", "name": evil}))
        .await;
    assert_eq!(m.status, 201, "{}", m.raw);
    assert_eq!(s.get(&s.admin, "/members/EVIL1").await.body["name"], evil);
    for r in [&unknown, &noauth, &badjson, &large, &badquery] {
        let t = r.raw.to_lowercase();
        assert!(
            !t.contains("sqlite") && !t.contains("select ") && !t.contains("panicked"),
            "{}",
            r.raw
        );
        assert!(
            r.headers.to_lowercase().contains("x-request-id"),
            "{}",
            r.headers
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_and_audit_are_append_only_and_the_chain_detects_tampering() {
    let s = start("audit").await;
    s.loan("M1", "L1").await;
    let pool = &s.state.db.pool;
    assert!(
        sqlx::query("UPDATE events SET body = '{}'")
            .execute(pool)
            .await
            .is_err()
    );
    assert!(
        sqlx::query("DELETE FROM events")
            .execute(pool)
            .await
            .is_err()
    );
    assert!(
        sqlx::query("UPDATE audit_log SET actor = 'x'")
            .execute(pool)
            .await
            .is_err()
    );
    assert_eq!(s.get(&s.admin, "/audit/verify").await.body["valid"], true);
    if s.state.db.backend == windeep_server::db::Backend::Sqlite {
        // Someone with the file and the trigger dropped edits history: the chain shows it.
        sqlx::query("DROP TRIGGER audit_log_no_update")
            .execute(pool)
            .await
            .unwrap();
        sqlx::query("UPDATE audit_log SET actor = 'someone else' WHERE seq = 2")
            .execute(pool)
            .await
            .unwrap();
        let v = s.get(&s.admin, "/audit/verify").await;
        assert_eq!(v.body["valid"], false);
        assert_eq!(v.body["first_broken"], 2);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gateway_webhook_is_signed_and_idempotent_on_payment_id() {
    let s = start("hook").await;
    s.loan("M1", "L1").await;
    let body = json!({"payment_id": "pay_Abc123", "loan_id": "L1", "amount": "8884.88", "paid_on": "2026-02-05", "method": "upi"}).to_string();
    let sig = windeep_server::crypto::hmac_hex(WEBHOOK_SECRET, body.as_bytes());
    let unsigned = request(
        s.addr,
        "POST",
        "/webhooks/payment-gateway",
        None,
        &[],
        Some(body.as_bytes()),
    )
    .await;
    assert_eq!(
        (unsigned.status, unsigned.body["code"].as_str()),
        (401, Some("E_BAD_SIGNATURE"))
    );
    let wrong = request(
        s.addr,
        "POST",
        "/webhooks/payment-gateway",
        None,
        &[("X-Signature", &"0".repeat(64))],
        Some(body.as_bytes()),
    )
    .await;
    assert_eq!(wrong.status, 401);
    let mut replies = Vec::new();
    let mut tasks = Vec::new();
    for _ in 0..5 {
        let addr = s.addr;
        let (b, g) = (body.clone(), sig.clone());
        tasks.push(tokio::spawn(async move {
            request(
                addr,
                "POST",
                "/webhooks/payment-gateway",
                None,
                &[("X-Signature", &g)],
                Some(b.as_bytes()),
            )
            .await
        }));
    }
    for t in tasks {
        replies.push(t.await.unwrap());
    }
    assert!(
        replies.iter().all(|r| r.status == 200 || r.status == 201),
        "{:?}",
        replies.iter().map(|r| &r.raw).collect::<Vec<_>>()
    );
    assert_eq!(
        replies
            .iter()
            .filter(|r| r.body["already_received"] == false)
            .count(),
        1
    );
    let events = s.get(&s.admin, "/loans/L1/events").await;
    assert_eq!(events.body["events"].as_array().unwrap().len(), 2);
    assert_eq!(events.body["events"][1]["body"]["payment_mode"], "upi");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn end_of_day_levies_fines_once_per_date_and_the_worker_delivers_notifications() {
    let s = start("eod").await;
    assert_eq!(
        s.post(&s.admin, "/products", &windeep_server::demo::product())
            .await
            .status,
        201
    );
    s.post(&s.admin, "/members", &json!({"id": "M1", "name": "m"}))
        .await;
    let r = s.post(&s.admin, "/loans", &json!({"member_id": "M1", "product_id": "LOAN-001", "disbursed": {"type": "disbursed", "loan_id": "L1",
        "terms": {"principal": "100000", "annual_rate": "12", "tenure": 12, "disbursed_on": "2026-01-05", "first_due_on": "2026-02-05"}}})).await;
    assert_eq!(r.status, 201, "{}", r.raw);
    s.post(
        &s.admin,
        "/loans/L1/payments",
        &json!({"amount": "100", "value_date": "2026-02-01", "utr": "U1"}),
    )
    .await;
    let acct = s.token(Role::Accountant, None).await;
    // 2026-02-20: installment 1 (due 2026-02-05) is 15 days late, past the 5-day grace.
    let first = s
        .post(&acct, "/jobs/end-of-day", &json!({"as_of": "2026-02-20"}))
        .await;
    assert_eq!(first.status, 200, "{}", first.raw);
    assert_eq!(first.body["already_run"], false);
    assert!(
        first.body["result"]["fines_levied"].as_u64().unwrap() >= 1,
        "{}",
        first.raw
    );
    let again = s
        .post(&acct, "/jobs/end-of-day", &json!({"as_of": "2026-02-20"}))
        .await;
    assert_eq!(again.body["already_run"], true);
    assert_eq!(again.body["result"], first.body["result"]);
    // The job's books (the loans as it folded them) give the reports' figures (the books read
    // back from the store).
    let checks = s.get(&acct, "/reports/checks?as_of=2026-02-20").await;
    assert_eq!(checks.status, 200, "{}", checks.raw);
    assert_eq!(
        first.body["result"]["checks"], checks.body["summary"],
        "{}",
        checks.raw
    );
    let class = s
        .get(&acct, "/reports/classification?as_of=2026-02-20")
        .await;
    assert_eq!(class.status, 200, "{}", class.raw);
    assert_eq!(
        first.body["result"]["classification"], class.body["totals"],
        "{}",
        class.raw
    );
    assert!(first.body["result"]["checks"].is_object(), "{}", first.raw);
    assert!(
        first.body["result"]["classification"].is_array(),
        "{}",
        first.raw
    );
    let events = s.get(&s.admin, "/loans/L1/events").await;
    let fines = events.body["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["body"]["type"] == "fine_levied")
        .count();
    assert_eq!(
        fines as u64,
        first.body["result"]["fines_levied"].as_u64().unwrap()
    );
    // Due in three days: 2026-03-02 reminds of installment 2 (due 2026-03-05).
    s.post(&acct, "/jobs/end-of-day", &json!({"as_of": "2026-03-02"}))
        .await;
    let pending = s.get(&s.admin, "/outbox").await;
    let kinds: Vec<&str> = pending.body["pending"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["kind"].as_str().unwrap())
        .collect();
    assert!(
        kinds.contains(&"payment_received")
            && kinds.contains(&"overdue")
            && kinds.contains(&"emi_due_in_3_days"),
        "{kinds:?}"
    );
    let out = s.dir.join("notifications.jsonl");
    let n = windeep_server::worker::deliver_to_file(&s.state.db, &out)
        .await
        .unwrap();
    assert_eq!(n, kinds.len());
    let lines = std::fs::read_to_string(&out).unwrap();
    assert_eq!(lines.lines().count(), n);
    let first_line: Value = serde_json::from_str(lines.lines().next().unwrap()).unwrap();
    assert_eq!(first_line["member_id"], "M1");
    assert_eq!(
        windeep_server::worker::deliver_to_file(&s.state.db, &out)
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        s.get(&s.admin, "/outbox").await.body["pending"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bank_statement_rows_are_unique_per_account_and_utr() {
    let s = start("bank").await;
    let acct = s.token(Role::Accountant, None).await;
    let csv = "Date,Narration,UTR,Debit,Credit,Balance\n05/02/2026,UPI EMI LN1,UTR1111,,8884.88,8884.88\n06/02/2026,NEFT RENT,UTR2222,1000.00,,7884.88\n";
    let up = |id: &str| json!({"account_id": "SBI-1", "import_id": id, "content": csv});
    let first = s.post(&acct, "/bank/statements", &up("i1")).await;
    assert_eq!(first.status, 201, "{}", first.raw);
    assert_eq!(first.body["summary"]["new"], 2, "{}", first.raw);
    let overlap = s.post(&acct, "/bank/statements", &up("i2")).await;
    assert_eq!(overlap.status, 201, "{}", overlap.raw);
    assert_eq!(overlap.body["summary"]["new"], 0, "{}", overlap.raw);
    let again = s.post(&acct, "/bank/statements", &up("i1")).await;
    assert_eq!(again.status, 409, "{}", again.raw);
    let tx = s.get(&acct, "/bank/transactions?account=SBI-1").await;
    assert_eq!(tx.body["transactions"].as_array().unwrap().len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openapi_is_3_1_and_every_reference_resolves() {
    let s = start("openapi").await;
    let doc = request(s.addr, "GET", "/openapi.json", None, &[], None).await;
    assert_eq!(doc.status, 200);
    assert_eq!(doc.body["openapi"], "3.1.0");
    let schemas = doc.body["components"]["schemas"].as_object().unwrap();
    assert!(schemas.contains_key("LoanEvent") && schemas.contains_key("ImportRequest"));
    fn refs(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::Object(m) => {
                if let Some(Value::String(r)) = m.get("$ref") {
                    out.push(r.clone());
                }
                m.values().for_each(|x| refs(x, out));
            }
            Value::Array(a) => a.iter().for_each(|x| refs(x, out)),
            _ => {}
        }
    }
    let mut all = Vec::new();
    refs(&doc.body, &mut all);
    assert!(all.len() > 100);
    for r in all {
        let name = r
            .strip_prefix("#/components/schemas/")
            .unwrap_or_else(|| panic!("{r}"));
        assert!(schemas.contains_key(name), "{r}");
    }
    // Every route the router answers is in the document and the other way round.
    let paths = doc.body["paths"].as_object().unwrap();
    for (p, ops) in paths {
        for m in ops.as_object().unwrap().keys() {
            let concrete = p.replace("{id}", "X").replace("{name}", "trial-balance");
            let r = request(s.addr, &m.to_uppercase(), &concrete, None, &[], None).await;
            assert_ne!(r.status, 405, "{m} {p}");
            assert!(
                !(r.status == 404 && r.body["message"] == "no such route"),
                "{m} {p}"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_backup_restores_to_the_same_store() {
    let s = start("backup").await;
    if s.state.db.backend != windeep_server::db::Backend::Sqlite {
        return;
    }
    windeep_server::demo::seed(&s.state).await.unwrap();
    let before = s.get(&s.admin, "/loans/LN2026000001/events").await.body;
    let file = s.dir.join("backup.db");
    windeep_server::db::backup(&s.state.db, &file)
        .await
        .unwrap();
    assert!(
        windeep_server::db::backup(&s.state.db, &file)
            .await
            .is_err(),
        "an existing file is not overwritten"
    );
    let target = s.dir.join("restored.db");
    windeep_server::db::restore(&file, &target, false)
        .await
        .unwrap();
    assert!(
        windeep_server::db::restore(&file, &target, false)
            .await
            .is_err()
    );
    let d = windeep_server::db::open(&format!("sqlite://{}", target.display()), 2)
        .await
        .unwrap();
    let state = windeep_server::AppState::new(
        d,
        windeep_server::crypto::Keys::development().unwrap(),
        vec![],
    );
    let (status, after) = windeep_server::demo::call(
        &state,
        &s.admin,
        axum::http::Method::GET,
        "/loans/LN2026000001/events",
        None,
    )
    .await
    .unwrap();
    assert_eq!(status, 200);
    assert_eq!(after, before);
    let (_, audit) = windeep_server::demo::call(
        &state,
        &s.admin,
        axum::http::Method::GET,
        "/audit/verify",
        None,
    )
    .await
    .unwrap();
    assert_eq!(audit["valid"], true);
    // A file that is not a store is refused.
    let junk = s.dir.join("junk.db");
    std::fs::write(&junk, b"not a database").unwrap();
    assert!(
        windeep_server::db::restore(&junk, &s.dir.join("x.db"), false)
            .await
            .is_err()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn key_rotation_re_encrypts_under_the_new_key() {
    use base64::Engine as _;
    let s = start("rekey").await;
    let b64 = |b: u8| base64::engine::general_purpose::STANDARD.encode([b; 32]);
    s.post(
        &s.admin,
        "/members",
        &json!({"id": "M1", "name": "a", "aadhaar": "234567890123", "pan": "ABCPP1234F"}),
    )
    .await;
    s.post(&s.admin, "/members", &json!({"id": "M2", "name": "b"}))
        .await;
    // The store was written under the development key "dev1"; the new key "k2" comes first.
    let rotated = windeep_server::crypto::Keys::new(
        &format!("k2:{},dev1:{}", b64(2), b64(7)),
        b"development search key",
    )
    .unwrap();
    assert_eq!(
        windeep_server::crypto::rekey(&s.state.db, &rotated)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        windeep_server::crypto::rekey(&s.state.db, &rotated)
            .await
            .unwrap(),
        0
    );
    let only_new =
        windeep_server::crypto::Keys::new(&format!("k2:{}", b64(2)), b"development search key")
            .unwrap();
    let (a,): (String,) = sqlx::query_as("SELECT aadhaar_enc FROM members WHERE id = 'M1'")
        .fetch_one(&s.state.db.pool)
        .await
        .unwrap();
    assert!(a.starts_with("k2:"));
    assert_eq!(only_new.decrypt(&a).unwrap(), "234567890123");
    // Search by keyed hash still finds the member.
    let state = windeep_server::AppState::new(s.state.db.clone(), only_new, vec![]);
    let (status, m) = windeep_server::demo::call(
        &state,
        &s.admin,
        axum::http::Method::GET,
        "/members?pan=ABCPP1234F",
        None,
    )
    .await
    .unwrap();
    assert_eq!(status, 200);
    assert_eq!(m["members"][0]["pan"], "XXXXXX234F");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn identity_data_under_an_unconfigured_key_answers_the_catalogues_503() {
    use base64::Engine as _;
    let s = start("unknown_key").await;
    let r = s
        .post(
            &s.admin,
            "/members",
            &json!({"id": "M1", "name": "a", "aadhaar": "234567890123", "pan": "ABCPP1234F"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.raw);
    // Stored under the development key "dev1"; a server configured with "k2" only cannot read it.
    let b64 = base64::engine::general_purpose::STANDARD.encode([2u8; 32]);
    let other =
        windeep_server::crypto::Keys::new(&format!("k2:{b64}"), b"development search key").unwrap();
    let state = windeep_server::AppState::new(s.state.db.clone(), other, vec![]);
    for path in ["/members/M1", "/members?pan=ABCPP1234F"] {
        let (status, body) =
            windeep_server::demo::call(&state, &s.admin, axum::http::Method::GET, path, None)
                .await
                .unwrap();
        assert_eq!(status, 503, "{path}: {body}");
        assert_eq!(body["code"], "E_STORAGE", "{path}");
        // The catalogue lists the code with that status.
        let catalogue = std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/errors.md"),
        )
        .unwrap();
        assert!(catalogue.contains("| `E_STORAGE` | 503 |"));
        // Only the code and a message: no key id, key, ciphertext or stack.
        assert_eq!(
            body.as_object().unwrap().keys().collect::<Vec<_>>(),
            ["code", "message"]
        );
        let text = body.to_string();
        for leak in ["dev1", "k2", "key", "cipher", "panicked", ".rs:"] {
            assert!(!text.contains(leak), "{path}: {text} mentions {leak}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bank_line_mapped_to_a_loan_pays_it_once_and_unmapping_reverses_it() {
    let s = start("mapping").await;
    s.loan("M1", "L1").await;
    let sv = s.post(&s.admin, "/savings", &json!({"account_id": "S1", "member": "M1", "opened_on": "2026-01-01", "scheme": {"monthly_amount": "1000", "due_day": 10}})).await;
    assert_eq!(sv.status, 201, "{}", sv.raw);
    let acct = s.token(Role::Accountant, None).await;
    let csv =
        "Date,Narration,UTR,Debit,Credit,Balance\n05/02/2026,UPI EMI L1,UTR1111,,9884.88,9884.88\n";
    let key = s.upload_statement(&acct, csv).await;
    let split = json!({"account_id": "SBI-1", "key": key, "action": "split", "parts": [
        {"target": {"kind": "loan_payment", "loan_id": "L1"}, "amount": "8884.88"},
        {"target": {"kind": "savings_deposit", "account_no": "S1"}, "amount": "1000.00"}]});
    let r = s.post(&acct, "/bank/mappings", &split).await;
    assert_eq!(r.status, 201, "{}", r.raw);
    assert_eq!(r.body["mapping"]["status"], "split", "{}", r.raw);
    assert_eq!(r.body["posted"].as_array().unwrap().len(), 2, "{}", r.raw);
    let events = s.get(&acct, "/loans/L1/events").await.body["events"].clone();
    let pay = events.as_array().unwrap().last().unwrap().clone();
    assert_eq!(pay["body"]["type"], "payment_received");
    assert_eq!(pay["body"]["amount"], "8884.88");
    assert_eq!(pay["body"]["bank_transaction"], key.as_str());
    // Splitting again is the core's refusal (nothing left to map); nothing is posted twice.
    let again = s.post(&acct, "/bank/mappings", &split).await;
    assert_eq!(again.status / 100, 4, "{}", again.raw);
    // Unmapping the loan part reverses the loan payment.
    let un = s
        .post(
            &acct,
            "/bank/mappings",
            &json!({"account_id": "SBI-1", "key": key, "action": "unmap", "parts": [1]}),
        )
        .await;
    assert_eq!(un.status, 201, "{}", un.raw);
    let events = s.get(&acct, "/loans/L1/events").await.body["events"].clone();
    let last = events.as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["body"]["type"], "payment_reversed", "{last}");
    assert_eq!(last["body"]["event_id"], pay["id"]);
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM events WHERE account_id = 'S1'")
        .fetch_one(&s.state.db.pool)
        .await
        .unwrap();
    assert_eq!(n, 1);
    let missing = s
        .post(
            &acct,
            "/bank/mappings",
            &json!({"account_id": "SBI-1", "key": "nope", "action": "ignore", "reason": "x"}),
        )
        .await;
    assert_eq!(missing.status, 404);
}

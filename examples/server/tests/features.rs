//! Top-up in one request, bank mappings that post fines and savings reversals, XLSX upload,
//! approval facts from the server's own data, and the server's error catalogue.

mod common;

use common::start;
use serde_json::{Value, json};
use windeep_server::auth::Role;

/// Six EMIs of 8,884.88 on the due dates 5 February … 5 July 2026.
async fn pay_six(s: &common::Server, loan: &str) {
    for (k, month) in (1..=6).zip(2..=7) {
        let r = s
            .post(
                &s.admin,
                &format!("/loans/{loan}/payments"),
                &json!({"amount": "8884.88", "value_date": format!("2026-{month:02}-05"), "utr": format!("{loan}-EMI{k}")}),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.raw);
    }
}

async fn count_events(s: &common::Server, account: &str) -> i64 {
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM events WHERE account_id = $1")
        .bind(account)
        .fetch_one(&s.state.db.pool)
        .await
        .unwrap();
    n
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_top_up_closes_the_parent_and_opens_the_new_loan_in_one_request() {
    let s = start("topup").await;
    s.loan("M1", "L1").await;
    let body = |new: &str| {
        json!({"new_loan_id": new, "on": "2026-08-05", "amount": "40000",
            "terms": {"annual_rate": "11.5", "tenure": 24, "first_due_on": "2026-09-05"}})
    };
    // Not eligible yet (no EMI paid): the core's refusal, and nothing is stored.
    let early = s.post(&s.admin, "/loans/L1/topup", &body("L2")).await;
    assert_eq!(early.body["code"], "E_TOPUP_NOT_ELIGIBLE", "{}", early.raw);
    assert_eq!(count_events(&s, "L2").await, 0);
    assert_eq!(count_events(&s, "L1").await, 1);
    pay_six(&s, "L1").await;
    // An accountant may collect but not lend.
    let acct = s.token(Role::Accountant, None).await;
    let denied = s.post(&acct, "/loans/L1/topup", &body("L2")).await;
    assert_eq!(denied.status, 403, "{}", denied.raw);
    // New terms the core refuses (first due two days after the top-up): neither loan changes.
    let mut bad = body("L2");
    bad["terms"]["first_due_on"] = json!("2026-08-07");
    let refused = s.post(&s.admin, "/loans/L1/topup", &bad).await;
    assert_eq!(
        refused.body["code"], "E_FIRST_DUE_GAP_OUT_OF_POLICY",
        "{}",
        refused.raw
    );
    assert_eq!(count_events(&s, "L1").await, 7);
    assert_eq!(count_events(&s, "L2").await, 0);
    let ok = s
        .post_idem(&s.admin, "/loans/L1/topup", "tu-1", &body("L2"))
        .await;
    assert_eq!(ok.status, 201, "{}", ok.raw);
    // 51,492.09 outstanding after six EMIs + 40,000 (the golden case's figures).
    assert_eq!(ok.body["quote"]["new_principal"], "91492.09", "{}", ok.raw);
    assert_eq!(
        ok.body["parent"]["state"]["status"], "topped_up",
        "{}",
        ok.raw
    );
    assert_eq!(
        ok.body["new_loan"]["state"]["principal_disbursed"], "91492.09",
        "{}",
        ok.raw
    );
    // A retry with the same key is the same answer; nothing is stored twice.
    let retry = s
        .post_idem(&s.admin, "/loans/L1/topup", "tu-1", &body("L2"))
        .await;
    assert_eq!(retry.status, 201);
    assert_eq!(retry.body, ok.body);
    // Without the key, the same top-up again is refused: the parent is closed.
    let again = s.post(&s.admin, "/loans/L1/topup", &body("L3")).await;
    assert_eq!(again.body["code"], "E_LOAN_CLOSED", "{}", again.raw);
    assert_eq!(count_events(&s, "L1").await, 8);
    assert_eq!(count_events(&s, "L2").await, 1);
    // Both chains verify, the new loan belongs to the parent's member, and the books balance
    // with the top-up clearing between the two loans.
    for id in ["L1", "L2"] {
        let v = s.get(&s.admin, &format!("/loans/{id}/verify")).await;
        assert_eq!(v.body["status"], "ok", "{id}: {}", v.raw);
    }
    let l2 = s.get(&s.admin, "/loans/L2?as_of=2026-08-31").await;
    assert_eq!(l2.body["member_id"], "M1", "{}", l2.raw);
    let l1 = s.get(&s.admin, "/loans/L1?as_of=2026-08-31").await;
    assert_eq!(
        l1.body["statement"]["state"]["closure"]["successor_loan_id"], "L2",
        "{}",
        l1.raw
    );
    let bs = s
        .get(&s.admin, "/reports/balance-sheet?as_of=2026-08-31")
        .await;
    assert_eq!(bs.body["balanced"], true, "{}", bs.raw);
    let checks = s.get(&s.admin, "/reports/checks?as_of=2026-08-31").await;
    assert_eq!(checks.status, 200, "{}", checks.raw);
}

/// A member M1 with loan L1 (installment 1 paid late on 15 February and fined 100.00 under
/// rule LATE) and savings account S1 (1,000 a month, due on the 10th; January's deposit fined
/// 50.00 under rule 1), and one bank credit of `amount` on 20 February 2026 uploaded to SBI-1.
/// Returns the accountant's token and the bank line's key.
async fn fined_member(s: &common::Server, amount: &str) -> (String, String) {
    s.loan("M1", "L1").await;
    let sv = s.post(&s.admin, "/savings", &json!({"account_id": "S1", "member": "M1", "opened_on": "2026-01-01", "scheme": {"monthly_amount": "1000", "due_day": 10}})).await;
    assert_eq!(sv.status, 201, "{}", sv.raw);
    let late = s
        .post(
            &s.admin,
            "/loans/L1/payments",
            &json!({"amount": "8884.88", "value_date": "2026-02-15", "utr": "LATE1"}),
        )
        .await;
    assert_eq!(late.status, 201, "{}", late.raw);
    let fine = s.post(&s.admin, "/loans/L1/events", &json!({"value_date": "2026-02-15", "body": {"type": "fine_levied", "installment": 1, "rule_id": "LATE", "amount": "100.00"}})).await;
    assert_eq!(fine.status, 201, "{}", fine.raw);
    let sfine = s.post(&s.admin, "/savings/S1/events", &json!({"value_date": "2026-01-20", "body": {"type": "fine_levied", "month": "2026-01", "rule_id": 1, "amount": "50.00"}})).await;
    assert_eq!(sfine.status, 201, "{}", sfine.raw);
    let acct = s.token(Role::Accountant, None).await;
    let csv = format!(
        "Date,Narration,UTR,Debit,Credit,Balance\n20/02/2026,NEFT M1 DUES,UTR7777,,{amount},{amount}\n"
    );
    let key = s.upload_statement(&acct, &csv).await;
    (acct, key)
}

fn split(key: &str, parts: Value) -> Value {
    json!({"account_id": "SBI-1", "key": key, "action": "split", "parts": parts})
}

async fn books_balance(s: &common::Server, as_of: &str) {
    let bs = s
        .get(&s.admin, &format!("/reports/balance-sheet?as_of={as_of}"))
        .await;
    assert_eq!(bs.body["balanced"], true, "{}", bs.raw);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bank_line_mapped_to_a_loan_fine_pays_the_fine() {
    let s = start("map-loan-fine").await;
    let (acct, key) = fined_member(&s, "100.00").await;
    let r = s
        .post(
            &acct,
            "/bank/mappings",
            &split(
                &key,
                json!([{"target": {"kind": "fine_payment", "fine_id": "L1/1/LATE/1"}, "amount": "100.00"}]),
            ),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.raw);
    let posted = &r.body["posted"][0];
    assert_eq!(posted["account_id"], "L1", "{}", r.raw);
    assert_eq!(posted["type"], "payment_received", "{}", r.raw);
    assert_eq!(posted["stored"], true, "{}", r.raw);
    // Installment 1 is paid and installment 2 not yet due: the loan's order puts the money on
    // the fine.
    let l = s.get(&acct, "/loans/L1?as_of=2026-02-28").await;
    let fines = &l.body["statement"]["state"]["fines"];
    assert_eq!(fines[0]["key"], "L1/1/LATE/1", "{}", l.raw);
    assert_eq!(fines[0]["paid"], "100.00", "{}", l.raw);
    assert_eq!(fines[0]["balance"], "0.00", "{}", l.raw);
    // Unmapping reverses that payment, and the fine is due again.
    let un = s
        .post(
            &acct,
            "/bank/mappings",
            &json!({"account_id": "SBI-1", "key": key, "action": "unmap"}),
        )
        .await;
    assert_eq!(un.status, 201, "{}", un.raw);
    assert_eq!(
        un.body["posted"][0]["type"], "payment_reversed",
        "{}",
        un.raw
    );
    let l = s.get(&acct, "/loans/L1?as_of=2026-02-28").await;
    assert_eq!(
        l.body["statement"]["state"]["fines"][0]["balance"], "100.00",
        "{}",
        l.raw
    );
    books_balance(&s, "2026-02-28").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bank_line_mapped_to_a_savings_fine_posts_fine_paid() {
    let s = start("map-savings-fine").await;
    let (acct, key) = fined_member(&s, "1050.00").await;
    let r = s
        .post(
            &acct,
            "/bank/mappings",
            &split(
                &key,
                json!([{"target": {"kind": "fine_payment", "fine_id": "S1/1/1/1"}, "amount": "50.00"},
                       {"target": {"kind": "savings_deposit", "account_no": "S1"}, "amount": "1000.00"}]),
            ),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.raw);
    let types: Vec<&str> = r.body["posted"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["type"].as_str().unwrap())
        .collect();
    assert_eq!(types, ["fine_paid", "deposit"], "{}", r.raw);
    let st = s.get(&acct, "/savings/S1?as_of=2026-02-28").await;
    assert_eq!(st.status, 200, "{}", st.raw);
    assert_eq!(st.body["fines"][0]["paid"], "50.00", "{}", st.raw);
    assert_eq!(st.body["fines"][0]["balance"], "0.00", "{}", st.raw);
    // Posting is idempotent: the stored events carry the core's part keys.
    let (n,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM events WHERE account_id = 'S1' AND body LIKE '%SBI-1/%'",
    )
    .fetch_one(&s.state.db.pool)
    .await
    .unwrap();
    assert_eq!(n, 2);
    books_balance(&s, "2026-02-28").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unmapping_a_savings_deposit_reverses_it() {
    let s = start("map-savings-reverse").await;
    let (acct, key) = fined_member(&s, "1000.00").await;
    let r = s
        .post(
            &acct,
            "/bank/mappings",
            &split(
                &key,
                json!([{"target": {"kind": "savings_deposit", "account_no": "S1"}, "amount": "1000.00"}]),
            ),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.raw);
    let deposit = r.body["posted"][0]["event"].clone();
    assert_eq!(r.body["posted"][0]["type"], "deposit", "{}", r.raw);
    let before = s.get(&acct, "/savings/S1?as_of=2026-02-28").await;
    let un = s
        .post(
            &acct,
            "/bank/mappings",
            &json!({"account_id": "SBI-1", "key": key, "action": "unmap", "parts": [1]}),
        )
        .await;
    assert_eq!(un.status, 201, "{}", un.raw);
    assert_eq!(un.body["posted"][0]["type"], "reversed", "{}", un.raw);
    let (body,): (String,) = sqlx::query_as(
        "SELECT body FROM events WHERE account_id = 'S1' ORDER BY sequence DESC LIMIT 1",
    )
    .fetch_one(&s.state.db.pool)
    .await
    .unwrap();
    let last: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(last["body"]["type"], "reversed", "{last}");
    assert_eq!(last["body"]["event_id"], deposit, "{last}");
    // The deposit is gone from the balance, as if it had never been received.
    let after = s.get(&acct, "/savings/S1?as_of=2026-02-28").await;
    assert_ne!(
        after.body["balance"], before.body["balance"],
        "{}",
        after.raw
    );
    assert_eq!(after.body["balance"], "0.00", "{}", after.raw);
    // Unmapping again is the core's refusal; nothing more is posted.
    let again = s
        .post(
            &acct,
            "/bank/mappings",
            &json!({"account_id": "SBI-1", "key": key, "action": "unmap", "parts": [1]}),
        )
        .await;
    assert_eq!(again.body["code"], "E_MAPPING_CONFLICT", "{}", again.raw);
    books_balance(&s, "2026-02-28").await;
}

/// A bank statement workbook: a title row, the header on row 3, two credits and a debit.
fn statement_xlsx() -> Vec<u8> {
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("Statement").unwrap();
    let date = Format::new().set_num_format("dd/mm/yyyy");
    ws.write_string(0, 0, "Statement of account SBI-1").unwrap();
    for (c, h) in ["Txn Date", "Description", "Debit", "Credit", "Balance"]
        .iter()
        .enumerate()
    {
        ws.write_string(2, u16::try_from(c).unwrap(), *h).unwrap();
    }
    let rows = [
        (5, "UPI/CR/601512345678/M1 EMI", "", "8,884.88", "8,884.88"),
        (
            6,
            "NEFT/N123456789012/M1 SAVINGS",
            "",
            "1,000.00",
            "9,884.88",
        ),
        (7, "CHARGES", "250.00", "", "9,634.88"),
    ];
    for (i, (day, text, debit, credit, balance)) in rows.iter().enumerate() {
        let r = u32::try_from(i).unwrap() + 3;
        ws.write_datetime_with_format(r, 0, ExcelDateTime::from_ymd(2026, 2, *day).unwrap(), &date)
            .unwrap();
        ws.write_string(r, 1, *text).unwrap();
        for (c, v) in [(2, debit), (3, credit), (4, balance)] {
            if !v.is_empty() {
                ws.write_string(r, c, *v).unwrap();
            }
        }
    }
    wb.save_to_buffer().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_xlsx_statement_uploads_through_the_server() {
    use base64::Engine as _;
    let s = start("xlsx").await;
    let acct = s.token(Role::Accountant, None).await;
    let b64 = base64::engine::general_purpose::STANDARD.encode(statement_xlsx());
    let up = |id: &str| json!({"account_id": "SBI-1", "import_id": id, "format": "xlsx", "content_base64": b64, "sheet": "Statement"});
    let first = s.post(&acct, "/bank/statements", &up("x1")).await;
    assert_eq!(first.status, 201, "{}", first.raw);
    assert_eq!(first.body["summary"]["new"], 3, "{}", first.raw);
    let rows = first.body["rows"].as_array().unwrap();
    assert_eq!(rows[0]["transaction"]["amount"], "8884.88", "{}", first.raw);
    assert_eq!(rows[0]["transaction"]["direction"], "credit");
    assert_eq!(rows[0]["transaction"]["date"], "2026-02-05");
    assert_eq!(rows[2]["transaction"]["direction"], "debit");
    // The same workbook again under another import id: every row is a duplicate of the stored
    // ones, and nothing new is stored.
    let again = s.post(&acct, "/bank/statements", &up("x2")).await;
    assert_eq!(again.status, 201, "{}", again.raw);
    assert_eq!(again.body["summary"]["new"], 0, "{}", again.raw);
    let tx = s.get(&acct, "/bank/transactions?account=SBI-1").await;
    assert_eq!(tx.body["transactions"].as_array().unwrap().len(), 3);
    // Bytes that are not a workbook: the core's refusal in the error shape.
    let bad = s
        .post(
            &acct,
            "/bank/statements",
            &json!({"account_id": "SBI-1", "format": "xlsx",
        "content_base64": base64::engine::general_purpose::STANDARD.encode(b"not a workbook")}),
        )
        .await;
    assert_eq!(bad.status / 100, 4, "{}", bad.raw);
    assert_eq!(bad.body["code"], "E_STATEMENT_UNREADABLE", "{}", bad.raw);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn approval_reads_the_member_facts_from_the_servers_own_data() {
    let s = start("facts").await;
    for m in ["A1", "G1", "G2", "B1"] {
        let r = s
            .post(&s.admin, "/members", &json!({"id": m, "name": m}))
            .await;
        assert_eq!(r.status, 201, "{}", r.raw);
    }
    assert_eq!(
        s.post(&s.admin, "/products", &windeep_server::demo::product())
            .await
            .status,
        201
    );
    // A1 has saved 10,000 since January 2025; G1 already guarantees B1's loan of 100,000.
    let sv = s.post(&s.admin, "/savings", &json!({"account_id": "S-A1", "member": "A1", "opened_on": "2025-01-01", "scheme": {"monthly_amount": "1000", "due_day": 10}})).await;
    assert_eq!(sv.status, 201, "{}", sv.raw);
    let d = s
        .post(
            &s.admin,
            "/savings/S-A1/events",
            &json!({"value_date": "2025-12-31", "body": {"type": "deposit", "amount": "10000"}}),
        )
        .await;
    assert_eq!(d.status, 201, "{}", d.raw);
    let other = s.post(&s.admin, "/loans", &json!({"member_id": "B1", "disbursed": {"type": "disbursed", "loan_id": "LB1", "guarantors": ["G1"],
        "terms": {"principal": "100000", "annual_rate": "12", "tenure": 12, "disbursed_on": "2025-12-05", "first_due_on": "2026-01-05"}}})).await;
    assert_eq!(other.status, 201, "{}", other.raw);
    let app = json!({"id": "AP1", "member_id": "A1", "product_id": "LOAN-001",
        "application": {"amount": "100000", "tenure": 12, "annual_rate": "12", "disbursed_on": "2026-01-05", "first_due_on": "2026-02-05"},
        "guarantors": [{"member_id": "G1", "guarantee_amount": "20000"}, {"member_id": "G2", "guarantee_amount": "20000"}]});
    // The request may not bring its own facts, for the member or a guarantor.
    let mut claimed = app.clone();
    claimed["member"] = json!({"savings_balance": "60000", "savings_months": 12});
    let r = s.post(&s.admin, "/applications", &claimed).await;
    assert_eq!(r.body["code"], "E_INVALID_INPUT", "{}", r.raw);
    let mut claimed = app.clone();
    claimed["guarantors"][0]["savings_balance"] = json!("90000");
    let r = s.post(&s.admin, "/applications", &claimed).await;
    assert_eq!(r.body["code"], "E_INVALID_INPUT", "{}", r.raw);
    let mut stranger = app.clone();
    stranger["guarantors"][1]["member_id"] = json!("NOBODY");
    let r = s.post(&s.admin, "/applications", &stranger).await;
    assert_eq!(r.status, 404, "{}", r.raw);
    let r = s.post(&s.admin, "/applications", &app).await;
    assert_eq!(r.status, 201, "{}", r.raw);
    // The core decides on the stored facts: 10,000 saved (3 × 10,000 < 100,000).
    let refused = s
        .post(&s.admin, "/applications/AP1/approve", &json!({}))
        .await;
    assert_eq!(refused.status, 200, "{}", refused.raw);
    assert_eq!(
        refused.body["decision"]["approved"], false,
        "{}",
        refused.raw
    );
    let facts = &refused.body["facts"];
    assert_eq!(facts["as_of"], "2026-01-05", "{}", refused.raw);
    assert_eq!(
        facts["member"],
        json!({"savings_balance": "10000.00", "savings_months": 12}),
        "{}",
        refused.raw
    );
    let g1 = &facts["guarantors"][0];
    assert_eq!(g1["active_guarantees"], 1, "{}", refused.raw);
    assert_eq!(g1["current_liability"], "101000.00", "{}", refused.raw);
    assert_eq!(g1["savings_balance"], "0.00", "{}", refused.raw);
    let codes = common::refusal_codes(&refused.body);
    assert!(!codes.is_empty(), "{}", refused.raw);
    // Departures from the facts are explicit overrides, recorded with who made them.
    let ok = s
        .post(
            &s.admin,
            "/applications/AP1/approve",
            &common::override_all(&codes, "savings held with the federation"),
        )
        .await;
    assert_eq!(ok.status, 200, "{}", ok.raw);
    let stored = s.get(&s.admin, "/applications/AP1").await;
    let decision = &stored.body["decision"];
    assert_eq!(decision["by"], "super_admin:admin", "{}", stored.raw);
    assert_eq!(
        decision["facts"]["member"]["savings_balance"], "10000.00",
        "{}",
        stored.raw
    );
    assert_eq!(
        decision["decision"]["approved"],
        ok.body["decision"]["approved"]
    );
    assert!(
        !decision["decision"]["overrides"]
            .as_array()
            .unwrap()
            .is_empty(),
        "{}",
        stored.raw
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_core_error_naming_a_field_carries_it() {
    let s = start("field").await;
    s.loan("M1", "L1").await;
    // A payment with neither an Idempotency-Key nor a UTR.
    let r = s
        .post(
            &s.admin,
            "/loans/L1/payments",
            &json!({"amount": "10", "value_date": "2026-02-05"}),
        )
        .await;
    assert_eq!(r.body["code"], "E_BLANK_IDENTIFIER", "{}", r.raw);
    assert_eq!(r.body["field"], "idempotency_key", "{}", r.raw);
    // The same key with another body: the core's conflict, naming what differs.
    let a = s
        .post_idem(
            &s.admin,
            "/loans/L1/events",
            "k-1",
            &json!({"value_date": "2026-02-05", "body": {"type": "payment_received", "amount": "10"}}),
        )
        .await;
    assert_eq!(a.status, 201, "{}", a.raw);
    let b = s
        .post_idem(
            &s.admin,
            "/loans/L1/events",
            "k-1",
            &json!({"value_date": "2026-02-05", "body": {"type": "payment_received", "amount": "11"}}),
        )
        .await;
    assert_eq!(b.body["code"], "E_IDEMPOTENCY_CONFLICT", "{}", b.raw);
    assert!(b.body["field"].is_string(), "{}", b.raw);
    // An error without a field has exactly code and message.
    let nf = s.get(&s.admin, "/loans/NOPE").await;
    assert_eq!(nf.body.as_object().unwrap().len(), 2, "{}", nf.raw);
}

#[test]
fn the_server_codes_are_the_error_catalogues_server_section() {
    let doc = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/errors.md"),
    )
    .unwrap();
    let section = doc
        .split("## Reference server")
        .nth(1)
        .expect("docs/errors.md has a server section");
    let listed: Vec<&str> = section
        .lines()
        .filter_map(|l| l.strip_prefix("| `"))
        .filter_map(|l| l.split('`').next())
        .collect();
    assert_eq!(listed, windeep_server::error::codes::ALL);
    // None of them is a core code.
    let core = doc.split("## Reference server").next().unwrap();
    for c in windeep_server::error::codes::ALL {
        assert!(!core.contains(&format!("| `{c}`")), "{c}");
    }
}

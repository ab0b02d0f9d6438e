//! The dashboard's data and the portal's account list: `GET /reports/dashboard` is the core's
//! `dashboard` over the stored books and bank lines; `GET /members/{id}/accounts` lists a
//! member's accounts. (The pages themselves are tested in Chromium: `web/test-browser.sh`.)

mod common;

use common::start;
use serde_json::json;

#[tokio::test]
async fn the_dashboard_is_the_core_report_of_the_stored_books_and_bank_lines() {
    let s = start("pages-dashboard").await;
    windeep_server::demo::seed(&s.state).await.unwrap();
    let d = s.get(&s.admin, "/reports/dashboard?as_of=2026-09-30").await;
    assert_eq!(d.status, 200, "{}", d.raw);
    // The portfolio part is the portfolio report of the same date.
    let p = s.get(&s.admin, "/reports/portfolio?as_of=2026-09-30").await;
    assert_eq!(d.body["portfolio"], p.body);
    assert_eq!(d.body["as_of"], "2026-09-30");
    let par: Vec<_> = d.body["par"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(par, ["PAR 1", "PAR 30", "PAR 60", "PAR 90"]);
    assert_eq!(d.body["credit_scores"].as_array().unwrap().len(), 5);
    // The demo's Kotak statement: a credit of 8,884.88 and a debit of 15,000.00 on 12 and 13
    // January, both unmapped, 260 and 261 days old on 30 September.
    let age = &d.body["unmapped_by_age"];
    assert_eq!(
        age[3],
        json!({"age": "91+", "lines": 2, "amount": "23884.88"}),
        "{age}"
    );
    assert_eq!(d.body["checks"]["summary"]["unmapped_transactions"], 2);
    // Ignoring one line (a mapping) takes it out of the unmapped lines.
    let tx = s.get(&s.admin, "/bank/transactions?account=KOTAK-1").await;
    let key = tx.body["transactions"][1]["transaction"]["key"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = s
        .post(
            &s.admin,
            "/bank/mappings",
            &json!({"account_id": "KOTAK-1", "key": key, "action": "ignore", "reason": "rent"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.raw);
    let d = s.get(&s.admin, "/reports/dashboard?as_of=2026-09-30").await;
    assert_eq!(d.body["unmapped_by_age"][3]["lines"], 1, "{}", d.raw);
    assert_eq!(d.body["checks"]["summary"]["unmapped_transactions"], 1);
    // A bad date is the core's refusal, not a server error.
    let bad = s.get(&s.admin, "/reports/dashboard?as_of=2026-02-30").await;
    assert_eq!(bad.status, 400, "{}", bad.raw);
}

#[tokio::test]
async fn a_member_lists_only_their_own_accounts() {
    let s = start("pages-accounts").await;
    windeep_server::demo::seed(&s.state).await.unwrap();
    let r = s
        .post(
            &s.admin,
            "/tokens",
            &json!({"role": "member", "name": "m5", "member_id": "MEMB000005"}),
        )
        .await;
    let member = r.body["token"].as_str().unwrap().to_owned();
    let own = s.get(&member, "/members/MEMB000005/accounts").await;
    assert_eq!(own.status, 200, "{}", own.raw);
    assert_eq!(
        own.body,
        json!({"member_id": "MEMB000005", "loans": [], "savings": ["SAV2026000001"]})
    );
    let other = s.get(&member, "/members/MEMB000001/accounts").await;
    assert_eq!(other.status, 403, "{}", other.raw);
    let staff = s.get(&s.admin, "/members/MEMB000001/accounts").await;
    assert_eq!(staff.body["loans"], json!(["LN2026000001"]));
    let none = s.get(&s.admin, "/members/NOPE/accounts").await;
    assert_eq!(none.status, 404, "{}", none.raw);
}

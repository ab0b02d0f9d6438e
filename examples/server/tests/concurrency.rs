//! 100 concurrent payments on one loan (and deposits to the same member's savings), each on its
//! own HTTP connection, with the server's pool of separate database connections: every payment
//! is applied exactly once and the balances are right.

mod common;

use common::{request, start};
use rust_decimal::Decimal;
use serde_json::{Value, json};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn hundred_concurrent_payments_are_each_applied_exactly_once() {
    let s = start("conc").await;
    s.loan("M1", "L1").await;
    let sv = s
        .post(
            &s.admin,
            "/savings",
            &json!({"account_id": "S1", "member": "M1", "opened_on": "2026-01-01",
        "scheme": {"monthly_amount": "100", "due_day": 10}}),
        )
        .await;
    assert_eq!(sv.status, 201, "{}", sv.raw);
    let mut tasks = Vec::new();
    for i in 0..100 {
        let (addr, t) = (s.addr, s.admin.clone());
        tasks.push(tokio::spawn(async move {
            let body = json!({"amount": "150.00", "value_date": "2026-02-05", "payment_mode": "upi", "utr": format!("UTR{i:04}")});
            request(addr, "POST", "/loans/L1/payments", Some(&t), &[], Some(body.to_string().as_bytes())).await
        }));
        // Every other payment is sent twice (a client retrying after a lost answer).
        if i % 2 == 0 {
            let (addr, t) = (s.addr, s.admin.clone());
            tasks.push(tokio::spawn(async move {
                let body = json!({"amount": "150.00", "value_date": "2026-02-05", "payment_mode": "upi", "utr": format!("UTR{i:04}")});
                request(addr, "POST", "/loans/L1/payments", Some(&t), &[], Some(body.to_string().as_bytes())).await
            }));
        }
        if i < 30 {
            let (addr, t) = (s.addr, s.admin.clone());
            tasks.push(tokio::spawn(async move {
                let body = json!({"value_date": "2026-02-10", "body": {"type": "deposit", "amount": "100"}});
                request(addr, "POST", "/savings/S1/events", Some(&t), &[("Idempotency-Key", &format!("dep-{i}"))], Some(body.to_string().as_bytes())).await
            }));
        }
    }
    let mut created = 0;
    let mut duplicates = 0;
    for t in tasks {
        let r = t.await.unwrap();
        match r.status {
            201 => created += 1,
            200 => {
                assert_eq!(r.body["stored"], false, "{}", r.raw);
                duplicates += 1;
            }
            _ => panic!("{} {}", r.status, r.raw),
        }
    }
    assert_eq!(created, 100 + 30);
    assert_eq!(duplicates, 50);

    let events = s.get(&s.admin, "/loans/L1/events").await;
    let events = events.body["events"].as_array().unwrap().clone();
    let payments: Vec<&Value> = events
        .iter()
        .filter(|e| e["body"]["type"] == "payment_received")
        .collect();
    assert_eq!(payments.len(), 100);
    let mut keys: Vec<&str> = payments
        .iter()
        .map(|e| e["idempotency_key"].as_str().unwrap())
        .collect();
    keys.sort_unstable();
    keys.dedup();
    assert_eq!(keys.len(), 100);
    let seqs: Vec<u64> = events
        .iter()
        .map(|e| e["sequence"].as_u64().unwrap())
        .collect();
    assert_eq!(seqs, (1..=101).collect::<Vec<_>>());
    assert_eq!(
        s.get(&s.admin, "/loans/L1/verify").await.body["status"],
        "ok"
    );

    // The balances: 100 × 150.00 = 15,000.00 collected, all of it allocated.
    let st = s.get(&s.admin, "/loans/L1?as_of=2026-02-05").await;
    let outcomes = st.body["statement"]["outcomes"].as_array().unwrap();
    let mut allocated = Decimal::ZERO;
    let mut applied = 0;
    for o in outcomes {
        if let Some(a) = o.get("allocation").filter(|a| a.is_object()) {
            applied += 1;
            for l in a["lines"].as_array().unwrap() {
                allocated += l["amount"].as_str().unwrap().parse::<Decimal>().unwrap();
            }
            allocated += a["excess"].as_str().unwrap().parse::<Decimal>().unwrap();
        }
    }
    assert_eq!(applied, 100);
    assert_eq!(allocated, "15000.00".parse::<Decimal>().unwrap());
    // Installment 1 (interest 1,000.00, EMI 8,884.88) is paid; the rest went on to installment 2.
    let state = &st.body["statement"]["state"];
    let inst = state["installments"].as_array().unwrap();
    assert_eq!(inst[0]["status"], "paid", "{}", inst[0]);
    let paid: Decimal = inst
        .iter()
        .map(|i| {
            i["principal_paid"]
                .as_str()
                .unwrap()
                .parse::<Decimal>()
                .unwrap()
                + i["interest_paid"]
                    .as_str()
                    .unwrap()
                    .parse::<Decimal>()
                    .unwrap()
        })
        .sum();
    let credit: Decimal = state["member_credit"]
        .as_str()
        .unwrap_or("0")
        .parse()
        .unwrap();
    assert_eq!(
        paid + credit,
        "15000.00".parse::<Decimal>().unwrap(),
        "{state}"
    );

    // The member's savings: 30 deposits of 100 each once.
    let sv = s.get(&s.admin, "/savings/S1?as_of=2026-02-28").await;
    assert_eq!(sv.status, 200, "{}", sv.raw);
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM events WHERE account_id = 'S1'")
        .fetch_one(&s.state.db.pool)
        .await
        .unwrap();
    assert_eq!(n, 30);
    // One payment notification per payment; the audit chain holds.
    let (notes,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM outbox WHERE kind = 'payment_received' AND member_id = 'M1'",
    )
    .fetch_one(&s.state.db.pool)
    .await
    .unwrap();
    assert_eq!(notes, 100);
    assert_eq!(s.get(&s.admin, "/audit/verify").await.body["valid"], true);
}

/// Two servers (two processes' worth of state: separate pools and locks) on one store: the
/// store's keys alone keep the sequence, so payments from both are applied once each.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_servers_on_one_store_lose_no_payment() {
    let s = start("two").await;
    s.loan("M1", "L1").await;
    let d2 = windeep_server::db::open(&s.url, 8).await.unwrap();
    let races = (s.state.db.lost_races.clone(), d2.lost_races.clone());
    let postgres = d2.backend == windeep_server::db::Backend::Postgres;
    let state2 = windeep_server::AppState::new(
        d2,
        windeep_server::crypto::Keys::development().unwrap(),
        vec![],
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr2 = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(listener, windeep_server::router(state2))
            .await
            .unwrap()
    });
    let mut tasks = Vec::new();
    for i in 0..40 {
        let addr = if i % 2 == 0 { s.addr } else { addr2 };
        let t = s.admin.clone();
        tasks.push(tokio::spawn(async move {
            let body =
                json!({"amount": "10.00", "value_date": "2026-02-05", "utr": format!("T{i}")});
            request(
                addr,
                "POST",
                "/loans/L1/payments",
                Some(&t),
                &[],
                Some(body.to_string().as_bytes()),
            )
            .await
        }));
    }
    for t in tasks {
        let r = t.await.unwrap();
        assert_eq!(r.status, 201, "{}", r.raw);
    }
    let events = s.get(&s.admin, "/loans/L1/events").await;
    assert_eq!(events.body["events"].as_array().unwrap().len(), 41);
    assert_eq!(
        s.get(&s.admin, "/loans/L1/verify").await.body["status"],
        "ok"
    );
    assert_eq!(s.get(&s.admin, "/audit/verify").await.body["valid"], true);
    // On PostgreSQL the account's row lock makes the writers of both servers wait for each
    // other: no attempt is lost and retried. (SQLite's servers race on the keys and retry.)
    let lost = races.0.load(std::sync::atomic::Ordering::Relaxed)
        + races.1.load(std::sync::atomic::Ordering::Relaxed);
    if postgres {
        assert_eq!(lost, 0, "writes retried on PostgreSQL");
    }
    println!("lost races: {lost}");
}

/// Concurrent writes that land in one commit group, one of them at fault: ten creations of the
/// same product among twenty of distinct ones. The group's failure costs no other write: each
/// distinct product is created, the same one exactly once (the others are refused as existing,
/// never a server error), and the audit chain holds one entry per creation.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_write_at_fault_in_a_commit_group_fails_alone() {
    let s = start("group").await;
    let mut tasks = Vec::new();
    for i in 0..30 {
        let id = if i % 3 == 0 {
            "DUP".to_owned()
        } else {
            format!("P{i}")
        };
        let mut body = windeep_server::demo::product();
        body["id"] = json!(id);
        let (addr, t) = (s.addr, s.admin.clone());
        tasks.push(tokio::spawn(async move {
            let r = request(
                addr,
                "POST",
                "/products",
                Some(&t),
                &[],
                Some(body.to_string().as_bytes()),
            )
            .await;
            (id, r.status, r.raw)
        }));
    }
    let mut dup_created = 0;
    for t in tasks {
        let (id, status, raw) = t.await.unwrap();
        if id == "DUP" {
            assert!(status == 201 || status == 409, "{status} {raw}");
            dup_created += usize::from(status == 201);
        } else {
            assert_eq!(status, 201, "{raw}");
        }
    }
    assert_eq!(dup_created, 1);
    let audit = s.get(&s.admin, "/audit/verify").await;
    assert_eq!(audit.body["valid"], true, "{}", audit.raw);
    let (creations,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM audit_log WHERE action = 'product.create'")
            .fetch_one(&s.state.db.pool)
            .await
            .unwrap();
    assert_eq!(creations, 21);
}

/// One `Idempotency-Key` sent with payments to ten loans at once: the writes land in one
/// commit group (on PostgreSQL: planned side by side under the group's row locks) and collide
/// on the key. Exactly one payment is stored; every other request is refused with the core's
/// idempotency conflict, none fails with a server error, and the audit chain holds.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_idempotency_key_on_ten_loans_at_once_stores_one_payment() {
    let s = start("idemgroup").await;
    for l in 0..10 {
        s.loan("M1", &format!("L{l}")).await;
    }
    let mut tasks = Vec::new();
    for l in 0..10 {
        let (addr, t) = (s.addr, s.admin.clone());
        tasks.push(tokio::spawn(async move {
            let body = json!({"amount": "10.00", "value_date": "2026-02-05"});
            request(
                addr,
                "POST",
                &format!("/loans/L{l}/payments"),
                Some(&t),
                &[("idempotency-key", "SAME-KEY")],
                Some(body.to_string().as_bytes()),
            )
            .await
        }));
    }
    let mut created = 0;
    for t in tasks {
        let r = t.await.unwrap();
        assert!(r.status < 500, "{} {}", r.status, r.raw);
        if r.status == 201 {
            created += 1;
        } else {
            assert_eq!(r.body["code"], "E_IDEMPOTENCY_CONFLICT", "{}", r.raw);
        }
    }
    assert_eq!(created, 1);
    let mut stored = 0;
    for l in 0..10 {
        let events = s.get(&s.admin, &format!("/loans/L{l}/events")).await;
        stored += events.body["events"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["body"]["type"] == "payment_received")
            .count();
    }
    assert_eq!(stored, 1);
    assert_eq!(s.get(&s.admin, "/audit/verify").await.body["valid"], true);
}

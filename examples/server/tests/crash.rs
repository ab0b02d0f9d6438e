//! SIGKILL during a payment storm: the server process is killed while payments are in flight,
//! restarted on the same SQLite file, and every acknowledged payment is there exactly once;
//! clients that resend every payment (acknowledged or not) create no duplicates.

mod common;

use std::collections::{HashMap, HashSet};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{temp_dir, try_request};
use serde_json::json;

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn spawn(db: &str, port: u16, token_file: &std::path::Path) -> Child {
    let mut child = Command::new(env!("CARGO_BIN_EXE_windeep-server"))
        .args([
            "--database-url",
            db,
            "--listen",
            &format!("127.0.0.1:{port}"),
        ])
        .arg("--admin-token-file")
        .arg(token_file)
        .env("WINDEEP_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let addr = format!("127.0.0.1:{port}").parse().unwrap();
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(30) {
        if let Some(r) = try_request(addr, "GET", "/healthz", None, &[], None).await
            && r.status == 200
        {
            return child;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("the server did not start");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sigkill_during_a_payment_storm_loses_no_acknowledged_payment() {
    let dir = temp_dir("crash");
    let db = format!("sqlite://{}", dir.join("w.db").display());
    let tok = dir.join("token");
    let port = free_port();
    let mut child = spawn(&db, port, &tok).await;
    let admin = std::fs::read_to_string(&tok).unwrap();
    let addr: std::net::SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let loans = ["C1", "C2", "C3", "C4"];
    let r = try_request(
        addr,
        "POST",
        "/members",
        Some(&admin),
        &[],
        Some(json!({"id": "M1", "name": "m"}).to_string().as_bytes()),
    )
    .await
    .unwrap();
    assert_eq!(r.status, 201);
    for l in loans {
        let body = json!({"member_id": "M1", "disbursed": {"type": "disbursed", "loan_id": l,
            "terms": {"principal": "100000", "annual_rate": "12", "tenure": 12, "disbursed_on": "2026-01-05", "first_due_on": "2026-02-05"}}});
        let r = try_request(
            addr,
            "POST",
            "/loans",
            Some(&admin),
            &[],
            Some(body.to_string().as_bytes()),
        )
        .await
        .unwrap();
        assert_eq!(r.status, 201, "{}", r.raw);
    }
    let acked: Arc<Mutex<HashSet<String>>> = Arc::default();
    let sent: Arc<Mutex<Vec<(String, String)>>> = Arc::default();
    let mut clients = Vec::new();
    for c in 0..8 {
        let (acked, sent, admin) = (acked.clone(), sent.clone(), admin.clone());
        clients.push(tokio::spawn(async move {
            for i in 0..10_000 {
                let loan = ["C1", "C2", "C3", "C4"][(c + i) % 4];
                let utr = format!("K{c}-{i}");
                sent.lock().unwrap().push((loan.to_owned(), utr.clone()));
                let body = json!({"amount": "1.00", "value_date": "2026-02-05", "utr": utr});
                match try_request(
                    addr,
                    "POST",
                    &format!("/loans/{loan}/payments"),
                    Some(&admin),
                    &[],
                    Some(body.to_string().as_bytes()),
                )
                .await
                {
                    Some(r) if r.status == 201 => {
                        acked.lock().unwrap().insert(utr);
                    }
                    Some(r) if r.status < 500 => panic!("{} {}", r.status, r.raw),
                    _ => return,
                }
            }
        }));
    }
    // Kill once a good number of payments are acknowledged, with requests in flight.
    let t0 = Instant::now();
    while acked.lock().unwrap().len() < 150 && t0.elapsed() < Duration::from_secs(60) {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    for c in clients {
        c.await.unwrap();
    }
    let acked = acked.lock().unwrap().clone();
    let sent = sent.lock().unwrap().clone();
    assert!(acked.len() >= 150, "{} acknowledged", acked.len());

    let port = free_port();
    let mut child = spawn(&db, port, &tok).await;
    let admin = std::fs::read_to_string(&tok).unwrap();
    let addr: std::net::SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let count = |events: &serde_json::Value| {
        let mut by: HashMap<String, usize> = HashMap::new();
        for e in events.as_array().unwrap() {
            if e["body"]["type"] == "payment_received" {
                *by.entry(
                    e["idempotency_key"]
                        .as_str()
                        .unwrap()
                        .trim_start_matches("UTR-")
                        .to_owned(),
                )
                .or_default() += 1;
            }
        }
        by
    };
    let mut stored: HashMap<String, usize> = HashMap::new();
    for l in loans {
        let r = try_request(
            addr,
            "GET",
            &format!("/loans/{l}/events"),
            Some(&admin),
            &[],
            None,
        )
        .await
        .unwrap();
        stored.extend(count(&r.body["events"]));
        let v = try_request(
            addr,
            "GET",
            &format!("/loans/{l}/verify"),
            Some(&admin),
            &[],
            None,
        )
        .await
        .unwrap();
        assert_eq!(v.body["status"], "ok", "{}", v.raw);
    }
    for u in &acked {
        assert_eq!(stored.get(u), Some(&1), "acknowledged payment {u}");
    }
    assert!(stored.values().all(|n| *n == 1));
    // Clients resend everything they sent: nothing is doubled, everything is there once.
    for (loan, utr) in &sent {
        let body = json!({"amount": "1.00", "value_date": "2026-02-05", "utr": utr});
        let r = try_request(
            addr,
            "POST",
            &format!("/loans/{loan}/payments"),
            Some(&admin),
            &[],
            Some(body.to_string().as_bytes()),
        )
        .await
        .unwrap();
        assert!(r.status == 200 || r.status == 201, "{} {}", r.status, r.raw);
    }
    let mut total = 0;
    for l in loans {
        let r = try_request(
            addr,
            "GET",
            &format!("/loans/{l}/events"),
            Some(&admin),
            &[],
            None,
        )
        .await
        .unwrap();
        let by = count(&r.body["events"]);
        assert!(by.values().all(|n| *n == 1));
        total += by.len();
    }
    assert_eq!(
        total,
        sent.iter().map(|s| &s.1).collect::<HashSet<_>>().len()
    );
    let a = try_request(addr, "GET", "/audit/verify", Some(&admin), &[], None)
        .await
        .unwrap();
    assert_eq!(a.body["valid"], true, "{}", a.raw);
    child.kill().unwrap();
    child.wait().unwrap();
}

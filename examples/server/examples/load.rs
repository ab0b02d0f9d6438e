//! A bounded load test on loopback: payments per second and p50/p99 latency with concurrent
//! clients, each request on its own connection; then end of day over every loan.
//!
//! ```text
//! cargo run --release -p windeep-server --example load -- [loans] [clients] [payments] [database-url]
//! ```
//! Defaults: 1,000 loans, 100 clients, 20,000 payments, a fresh SQLite file. Afterwards it checks
//! that every acknowledged payment is stored exactly once and none is stored that was not
//! acknowledged.

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::json;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use windeep_server::auth::Role;
use windeep_server::{AppState, crypto, db};

/// One request on its own connection: the status and the body.
async fn request(
    addr: std::net::SocketAddr,
    token: &str,
    method: &str,
    path: &str,
    body: &str,
) -> Option<(u16, Vec<u8>)> {
    let mut s = tokio::net::TcpStream::connect(addr).await.ok()?;
    s.set_nodelay(true).ok()?;
    let req = format!(
        "{method} {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\nAuthorization: Bearer {token}\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes()).await.ok()?;
    let mut buf = Vec::with_capacity(4096);
    s.read_to_end(&mut buf).await.ok()?;
    let text = String::from_utf8_lossy(&buf);
    let status = text.split_whitespace().nth(1)?.parse().ok()?;
    let at = buf.windows(4).position(|w| w == b"\r\n\r\n")? + 4;
    Some((status, buf[at..].to_vec()))
}

async fn post(addr: std::net::SocketAddr, token: &str, path: &str, body: &str) -> Option<u16> {
    request(addr, token, "POST", path, body).await.map(|r| r.0)
}

/// The `per_mille`-th latency (nearest rank), milliseconds with one decimal.
fn pct(sorted: &[Duration], per_mille: usize) -> String {
    if sorted.is_empty() {
        return "-".to_owned();
    }
    let i = ((sorted.len() - 1) * per_mille + 500) / 1000;
    let us = sorted[i].as_micros();
    format!("{}.{}", us / 1000, (us % 1000) / 100)
}

fn secs(d: Duration) -> String {
    let ms = d.as_millis();
    format!("{}.{:02}", ms / 1000, (ms % 1000) / 10)
}

#[tokio::main]
async fn main() {
    if std::env::var_os("RUST_LOG").is_some() {
        tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
            .init();
    }
    let args: Vec<String> = std::env::args().collect();
    let loans: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(1000);
    let clients: usize = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(100);
    let payments: usize = args.get(3).and_then(|a| a.parse().ok()).unwrap_or(20_000);
    let dir = std::env::temp_dir().join(format!("windeep-load-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let url = args
        .get(4)
        .cloned()
        .unwrap_or_else(|| format!("sqlite://{}", dir.join("w.db").display()));
    let d = db::open(&url, 16).await.unwrap();
    let backend = d.backend;
    let state = AppState::new(d, crypto::Keys::development().unwrap(), vec![]);
    let token = windeep_server::bootstrap_token(&state.db, Role::SuperAdmin, None, "load")
        .await
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = windeep_server::router(state.clone());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let t = Instant::now();
    assert_eq!(
        post(
            addr,
            &token,
            "/products",
            &windeep_server::demo::product().to_string()
        )
        .await,
        Some(201)
    );
    assert_eq!(
        post(
            addr,
            &token,
            "/members",
            &json!({"id": "M1", "name": "m"}).to_string()
        )
        .await,
        Some(201)
    );
    for l in 0..loans {
        let body = json!({"member_id": "M1", "product_id": "LOAN-001", "disbursed": {"type": "disbursed", "loan_id": format!("L{l}"),
            "terms": {"principal": "100000", "annual_rate": "12", "tenure": 12, "disbursed_on": "2026-01-05", "first_due_on": "2026-02-05"}}});
        assert_eq!(
            post(addr, &token, "/loans", &body.to_string()).await,
            Some(201)
        );
    }
    println!(
        "backend {backend:?}: {loans} loans opened in {} s",
        secs(t.elapsed())
    );

    let next = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let (next, token) = (next.clone(), token.clone());
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            let mut acked = Vec::new();
            let mut failed = 0usize;
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= payments {
                    return (lat, acked, failed);
                }
                let loan = i % loans;
                let body = json!({"amount": "10.00", "value_date": "2026-02-05", "payment_mode": "upi", "utr": format!("P{i}")}).to_string();
                let t = Instant::now();
                match post(addr, &token, &format!("/loans/L{loan}/payments"), &body).await {
                    Some(201) => {
                        lat.push(t.elapsed());
                        acked.push(format!("UTR-P{i}"));
                    }
                    _ => failed += 1,
                }
            }
        }));
    }
    let mut lat = Vec::new();
    let mut acked = HashSet::new();
    let mut failed = 0;
    for t in tasks {
        let (l, a, f) = t.await.unwrap();
        lat.extend(l);
        acked.extend(a);
        failed += f;
    }
    let elapsed = start.elapsed();
    lat.sort_unstable();
    println!(
        "{payments} payments, {clients} clients: {} payments/s over {} s, p50 {} ms, p99 {} ms, failed {failed}",
        (acked.len() as u128 * 1_000_000) / elapsed.as_micros().max(1),
        secs(elapsed),
        pct(&lat, 500),
        pct(&lat, 990)
    );
    // Every loan read back over HTTP: each acknowledged payment stored once, no other.
    let t = Instant::now();
    let mut stored = HashSet::new();
    let mut duplicated = 0;
    for l in 0..loans {
        let (status, body) = request(addr, &token, "GET", &format!("/loans/L{l}/events"), "")
            .await
            .expect("the loan reads back");
        assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
        let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
        for e in v["events"].as_array().unwrap() {
            if e["body"]["type"] == "payment_received"
                && !stored.insert(e["idempotency_key"].as_str().unwrap().to_owned())
            {
                duplicated += 1;
            }
        }
    }
    println!("{loans} loans read back in {} s", secs(t.elapsed()));
    let lost = acked.difference(&stored).count();
    let unacked_stored = stored.difference(&acked).count();
    println!(
        "check: {} stored, lost {lost}, duplicated {duplicated}, stored but not acknowledged {unacked_stored}",
        stored.len()
    );

    let t = Instant::now();
    let eod = post(
        addr,
        &token,
        "/jobs/end-of-day",
        &json!({"as_of": "2026-03-20"}).to_string(),
    )
    .await;
    println!(
        "end of day over {loans} loans: {eod:?} in {} s",
        secs(t.elapsed())
    );
    let t = Instant::now();
    let again = request(
        addr,
        &token,
        "POST",
        "/jobs/end-of-day",
        &json!({"as_of": "2026-03-20"}).to_string(),
    )
    .await
    .expect("end of day answers");
    let again: serde_json::Value = serde_json::from_slice(&again.1).unwrap();
    let r = &again["result"];
    println!(
        "end of day again (same date): already_run {} in {} s; first run: {} fines levied, {} notifications, {} errors, checks {}",
        again["already_run"],
        secs(t.elapsed()),
        r["fines_levied"],
        r["notifications"],
        r["errors"].as_array().map_or(0, Vec::len),
        r["checks"]
    );
    assert_eq!(eod, Some(200));
    assert_eq!(again["already_run"], true);
    let _ = std::fs::remove_dir_all(&dir);
    assert!(lost == 0 && duplicated == 0 && failed == 0);
}

//! A server on a loopback port over a fresh SQLite file (or PostgreSQL when
//! `WINDEEP_TEST_POSTGRES_URL` is set), and a small HTTP/1.1 client.
#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

use serde_json::Value;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use windeep_server::auth::Role;
use windeep_server::{AppState, crypto, db};

pub const WEBHOOK_SECRET: &[u8] = b"test webhook secret";

pub struct Server {
    pub addr: std::net::SocketAddr,
    pub state: AppState,
    pub admin: String,
    pub dir: PathBuf,
    pub url: String,
}

static N: AtomicU64 = AtomicU64::new(0);

pub fn temp_dir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!(
        "windeep-server-{tag}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// The store URL for a test: PostgreSQL (a fresh schema) when `WINDEEP_TEST_POSTGRES_URL` is set,
/// else a SQLite file in `dir`.
pub async fn store_url(dir: &std::path::Path, tag: &str) -> String {
    if let Ok(base) = std::env::var("WINDEEP_TEST_POSTGRES_URL") {
        let dbname = format!(
            "t_{}_{}_{}",
            tag,
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        );
        sqlx::any::install_default_drivers();
        let pool = sqlx::AnyPool::connect(&base).await.unwrap();
        sqlx::query(&format!("CREATE DATABASE {dbname}"))
            .execute(&pool)
            .await
            .unwrap();
        pool.close().await;
        let (head, _) = base.rsplit_once('/').unwrap();
        format!("{head}/{dbname}")
    } else {
        format!("sqlite://{}", dir.join("w.db").display())
    }
}

pub async fn start(tag: &str) -> Server {
    start_with(tag, |state| state).await
}

/// A server like [`start`]'s whose state `configure` sets up first (a society, …).
pub async fn start_with(tag: &str, configure: impl FnOnce(AppState) -> AppState) -> Server {
    let dir = temp_dir(tag);
    let url = store_url(&dir, tag).await;
    let d = db::open(&url, 8).await.unwrap();
    let state = configure(AppState::new(
        d,
        crypto::Keys::development().unwrap(),
        WEBHOOK_SECRET.to_vec(),
    ));
    let admin = windeep_server::bootstrap_token(&state.db, Role::SuperAdmin, None, "admin")
        .await
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = windeep_server::router(state.clone());
    tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    Server {
        addr,
        state,
        admin,
        dir,
        url,
    }
}

pub struct Reply {
    pub status: u16,
    pub headers: String,
    pub body: Value,
    pub raw: String,
}

/// One request on its own connection.
pub async fn request(
    addr: std::net::SocketAddr,
    method: &str,
    path: &str,
    token: Option<&str>,
    extra_headers: &[(&str, &str)],
    body: Option<&[u8]>,
) -> Reply {
    try_request(addr, method, path, token, extra_headers, body)
        .await
        .expect("the server answers")
}

/// One request on its own connection; `None` when the connection fails or closes without an
/// answer.
pub async fn try_request(
    addr: std::net::SocketAddr,
    method: &str,
    path: &str,
    token: Option<&str>,
    extra_headers: &[(&str, &str)],
    body: Option<&[u8]>,
) -> Option<Reply> {
    let mut s = tokio::net::TcpStream::connect(addr).await.ok()?;
    let body = body.unwrap_or_default();
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    if !body.is_empty() {
        head.push_str("Content-Type: application/json\r\n");
    }
    if let Some(t) = token {
        head.push_str(&format!("Authorization: Bearer {t}\r\n"));
    }
    for (k, v) in extra_headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    s.write_all(head.as_bytes()).await.ok()?;
    // A refused oversized body may close the connection early.
    let _ = s.write_all(body).await;
    let mut buf = Vec::new();
    let _ = s.read_to_end(&mut buf).await;
    let text = String::from_utf8_lossy(&buf).into_owned();
    let (headers, raw) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = headers
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())?;
    let body = serde_json::from_str(raw).unwrap_or(Value::Null);
    Some(Reply {
        status,
        headers: headers.to_owned(),
        body,
        raw: raw.to_owned(),
    })
}

/// The distinct refusal codes of an approval answer, sorted.
pub fn refusal_codes(answer: &Value) -> Vec<String> {
    let mut codes: Vec<String> = answer["decision"]["refusals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["code"].as_str().unwrap().to_owned())
        .collect();
    codes.sort();
    codes.dedup();
    codes
}

/// An approval body overriding every code of `codes` with one recorded reason.
pub fn override_all(codes: &[String], reason: &str) -> Value {
    let overrides: Vec<Value> = codes
        .iter()
        .map(|c| serde_json::json!({"code": c, "reason": reason}))
        .collect();
    serde_json::json!({"overrides": overrides})
}

impl Server {
    /// Uploads a CSV statement of bank account `SBI-1` (201 expected) and answers its first
    /// line's key.
    pub async fn upload_statement(&self, token: &str, csv: &str) -> String {
        let up = self
            .post(
                token,
                "/bank/statements",
                &serde_json::json!({"account_id": "SBI-1", "content": csv}),
            )
            .await;
        assert_eq!(up.status, 201, "{}", up.raw);
        up.body["rows"][0]["transaction"]["key"]
            .as_str()
            .unwrap()
            .to_owned()
    }
    pub async fn get(&self, token: &str, path: &str) -> Reply {
        request(self.addr, "GET", path, Some(token), &[], None).await
    }
    pub async fn post(&self, token: &str, path: &str, body: &Value) -> Reply {
        request(
            self.addr,
            "POST",
            path,
            Some(token),
            &[],
            Some(body.to_string().as_bytes()),
        )
        .await
    }
    pub async fn post_idem(&self, token: &str, path: &str, key: &str, body: &Value) -> Reply {
        request(
            self.addr,
            "POST",
            path,
            Some(token),
            &[("Idempotency-Key", key)],
            Some(body.to_string().as_bytes()),
        )
        .await
    }
    pub async fn token(&self, role: Role, member: Option<&str>) -> String {
        windeep_server::bootstrap_token(&self.state.db, role, member, role.name())
            .await
            .unwrap()
    }
    /// A member and a 12-month loan of 100,000 at 12% disbursed on 2026-01-05.
    pub async fn loan(&self, member: &str, loan: &str) {
        let r = self
            .post(
                &self.admin,
                "/members",
                &serde_json::json!({"id": member, "name": format!("Member {member}")}),
            )
            .await;
        assert!(r.status == 201 || r.status == 409, "{} {}", r.status, r.raw);
        let r = self
            .post(&self.admin, "/loans", &serde_json::json!({"member_id": member, "disbursed": {"type": "disbursed", "loan_id": loan,
                "terms": {"principal": "100000", "annual_rate": "12", "tenure": 12, "disbursed_on": "2026-01-05", "first_due_on": "2026-02-05"}}}))
            .await;
        assert_eq!(r.status, 201, "{}", r.raw);
    }
}

//! The member portal's server side and the PDF papers: sign-in codes through the outbox,
//! member sessions, fine-waiver requests and their decisions, guarantor consents read by the
//! approval, and the loan statement and passbook as PDF, read back with poppler's `pdftotext`
//! and rendered with `pdftoppm` (Debian package poppler-utils).

mod common;

use std::process::Command;

use common::{Server, start};
use serde_json::{Value, json};
use windeep_server::auth::Role;

async fn seeded(tag: &str) -> Server {
    let s = start(tag).await;
    windeep_server::demo::seed(&s.state).await.unwrap();
    s
}

/// The raw bytes of an answer's body (the test client keeps the body as text; a PDF is read
/// again as bytes here).
async fn get_bytes(s: &Server, token: &str, path: &str) -> (u16, String, Vec<u8>) {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let mut c = tokio::net::TcpStream::connect(s.addr).await.unwrap();
    let head = format!(
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nAuthorization: Bearer {token}\r\n\r\n"
    );
    c.write_all(head.as_bytes()).await.unwrap();
    let mut buf = Vec::new();
    c.read_to_end(&mut buf).await.unwrap();
    let split = buf.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let headers = String::from_utf8_lossy(&buf[..split]).into_owned();
    let status = headers.split_whitespace().nth(1).unwrap().parse().unwrap();
    let mut body = buf[split + 4..].to_vec();
    if headers
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        body = dechunk(&body);
    }
    (status, headers, body)
}

fn dechunk(mut b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let line_end = b.windows(2).position(|w| w == b"\r\n").unwrap();
        let size = usize::from_str_radix(
            std::str::from_utf8(&b[..line_end])
                .unwrap()
                .split(';')
                .next()
                .unwrap()
                .trim(),
            16,
        )
        .unwrap();
        b = &b[line_end + 2..];
        if size == 0 {
            return out;
        }
        out.extend_from_slice(&b[..size]);
        b = &b[size + 2..];
    }
}

fn tool(name: &str) -> String {
    let ok = Command::new(name).arg("-v").output().is_ok();
    assert!(
        ok,
        "{name} is needed by the PDF tests: install Debian's poppler-utils"
    );
    name.to_owned()
}

/// `pdftotext -raw` of a PDF (lines in the order they are drawn), and the number of PNG pages `pdftoppm` renders.
fn read_pdf(dir: &std::path::Path, name: &str, pdf: &[u8]) -> (String, usize) {
    let file = dir.join(format!("{name}.pdf"));
    std::fs::write(&file, pdf).unwrap();
    let out = Command::new(tool("pdftotext"))
        .args(["-raw", "-enc", "UTF-8"])
        .arg(&file)
        .arg("-")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let prefix = dir.join(format!("{name}-page"));
    let r = Command::new(tool("pdftoppm"))
        .args(["-png", "-r", "40"])
        .arg(&file)
        .arg(&prefix)
        .output()
        .unwrap();
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let mut pages = 0;
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        let n = p.file_name().unwrap().to_string_lossy().into_owned();
        if n.starts_with(&format!("{name}-page")) && n.ends_with(".png") {
            let png = std::fs::read(&p).unwrap();
            assert!(png.starts_with(b"\x89PNG"), "{n}");
            // A page with text on it compresses to more than a blank page does.
            assert!(png.len() > 2_000, "{n} looks blank ({} bytes)", png.len());
            pages += 1;
        }
    }
    (text, pages)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn loan_statement_pdf_has_the_society_the_kfs_figures_and_every_row() {
    let s = seeded("pdf_loan").await;
    let (status, headers, pdf) = get_bytes(
        &s,
        &s.admin,
        "/loans/LN2026000001/statement.pdf?as_of=2026-05-01",
    )
    .await;
    assert_eq!(status, 200, "{headers}");
    assert!(
        headers
            .to_ascii_lowercase()
            .contains("content-type: application/pdf"),
        "{headers}"
    );
    assert!(pdf.starts_with(b"%PDF-"));
    let (text, pages) = read_pdf(&s.dir, "loan", &pdf);
    // The figures come from the same operations the JSON API answers with.
    let sched = s.get(&s.admin, "/loans/LN2026000001/schedule").await;
    assert_eq!(sched.status, 200);
    for want in [
        "Windeep Co-operative Credit Society",
        "Loan statement",
        "Loan LN2026000001",
        "Member MEMB000001 — Asha Patil",
        "Key Fact Statement",
        "₹1,00,000.00",
        "₹8,884.88",
        "Annual percentage rate",
        "12.00%",
        "Position as of 01-05-2026",
        "05-01-2026",
        "Installments",
        "Transactions",
        "payment received ₹8,884.88 upi",
        "payment received ₹8,884.88 cash",
        "disbursed ₹1,00,000.00",
    ] {
        assert!(text.contains(want), "{want:?} missing from:\n{text}");
    }
    assert_eq!(sched.body["apr"], "12.00");
    for figure in [
        &sched.body["totals"]["interest"],
        &sched.body["totals"]["payable"],
    ] {
        let m: windeep_core::money::Money = figure.as_str().unwrap().parse().unwrap();
        let shown = m.to_indian().unwrap();
        assert!(text.contains(&shown), "{shown} missing");
    }
    // Every installment row: its due date in the society's pattern and its principal.
    let rows = sched.body["installments"].as_array().unwrap();
    assert_eq!(rows.len(), 12);
    for r in rows {
        let iso = r["due_on"].as_str().unwrap();
        let (y, rest) = iso.split_once('-').unwrap();
        let (m, d) = rest.split_once('-').unwrap();
        let shown = format!("{d}-{m}-{y}");
        let line = text
            .lines()
            .find(|l| l.contains(&shown) && l.trim_start().starts_with(&r["number"].to_string()))
            .unwrap_or_else(|| panic!("no row for installment {} in:\n{text}", r["number"]));
        let principal: windeep_core::money::Money =
            r["principal"].as_str().unwrap().parse().unwrap();
        assert!(line.contains(&principal.to_indian().unwrap()), "{line}");
    }
    assert!(text.contains(&format!("page 1 of {pages}")), "{text}");
    // The disbursement and the three payments.
    assert_eq!(text.matches("payment received").count(), 3, "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_long_statement_runs_over_pages_with_every_row_and_the_configured_society() {
    // A server whose society writes dates as DD/MM/YYYY.
    let society =
        windeep_server::pdf::Society::new("Gram Vikas Sahakari Pat Sanstha", "DD/MM/YYYY").unwrap();
    let s = common::start_with("pdf_long", |state| state.with_society(society)).await;
    s.post(
        &s.admin,
        "/members",
        &json!({"id": "M1", "name": "Meera Pawar"}),
    )
    .await;
    let r = s
        .post(&s.admin, "/loans", &json!({"member_id": "M1", "disbursed": {"type": "disbursed", "loan_id": "L60",
            "terms": {"principal": "1500000", "annual_rate": "11.5", "tenure": 60, "disbursed_on": "2026-01-05", "first_due_on": "2026-02-05"}}}))
        .await;
    assert_eq!(r.status, 201, "{}", r.raw);
    let (status, _, pdf) =
        get_bytes(&s, &s.admin, "/loans/L60/statement.pdf?as_of=2026-03-01").await;
    assert_eq!(status, 200);
    let (text, pages) = read_pdf(&s.dir, "long", &pdf);
    assert!(pages >= 2, "{pages} pages");
    assert!(text.contains("Gram Vikas Sahakari Pat Sanstha"));
    assert!(text.contains("₹15,00,000.00"), "{text}");
    assert!(text.contains(&format!("page {pages} of {pages}")));
    let sched = s.get(&s.admin, "/loans/L60/schedule").await;
    for r in sched.body["installments"].as_array().unwrap() {
        let iso = r["due_on"].as_str().unwrap();
        let shown = format!("{}/{}/{}", &iso[8..10], &iso[5..7], &iso[0..4]);
        assert!(text.contains(&shown), "{shown} missing");
    }
    // The installments' header is repeated on the next page.
    assert!(text.matches("Principal paid").count() >= 2, "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn passbook_pdf_for_the_member_only() {
    let s = seeded("pdf_savings").await;
    let own = s.token(Role::Member, Some("MEMB000005")).await;
    let other = s.token(Role::Member, Some("MEMB000001")).await;
    let (status, _, pdf) = get_bytes(
        &s,
        &own,
        "/savings/SAV2026000001/passbook.pdf?as_of=2026-04-20",
    )
    .await;
    assert_eq!(status, 200);
    let (text, pages) = read_pdf(&s.dir, "passbook", &pdf);
    assert_eq!(pages, 1);
    let json = s.get(&own, "/savings/SAV2026000001?as_of=2026-04-20").await;
    for want in [
        "Savings passbook",
        "Account SAV2026000001",
        "Lata Joshi",
        "10-02-2026",
        "10-03-2026",
        "deposit",
        "₹1,000.00",
        "₹2,000.00",
    ] {
        assert!(text.contains(want), "{want:?} missing from:\n{text}");
    }
    assert_eq!(json.body["balance"], "2000.00");
    assert_eq!(
        text.matches(" deposit ₹1,000.00").count(),
        json.body["passbook"].as_array().unwrap().len()
    );
    let (status, _, body) = get_bytes(&s, &other, "/savings/SAV2026000001/passbook.pdf").await;
    assert_eq!(status, 403, "{}", String::from_utf8_lossy(&body));
    let (status, _, _) = get_bytes(&s, &other, "/loans/LN2026000002/statement.pdf").await;
    assert_eq!(status, 403);
    let (status, _, _) = get_bytes(&s, &s.admin, "/loans/NOPE/statement.pdf").await;
    assert_eq!(status, 404);
}

async fn outbox_code(s: &Server, member: &str) -> Option<String> {
    let r = s.get(&s.admin, "/outbox").await;
    r.body["pending"]
        .as_array()
        .unwrap()
        .iter()
        .rev()
        .find(|n| n["kind"] == "sign_in_code" && n["member_id"] == member)
        .map(|n| n["body"]["code"].as_str().unwrap().to_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_codes_go_through_the_outbox_and_open_an_expiring_member_session() {
    let s = seeded("portal_signin").await;
    let public = |path: &'static str, body: Value| {
        let addr = s.addr;
        async move {
            common::request(
                addr,
                "POST",
                path,
                None,
                &[],
                Some(body.to_string().as_bytes()),
            )
            .await
        }
    };
    // An unknown member gets the same answer and nothing is queued.
    let r = public("/portal/sign-in-code", json!({"member_id": "NOBODY"})).await;
    assert_eq!((r.status, r.body.clone()), (202, json!({})));
    assert_eq!(outbox_code(&s, "NOBODY").await, None);
    let r = public("/portal/sign-in-code", json!({"member_id": "MEMB000001"})).await;
    assert_eq!((r.status, r.body.clone()), (202, json!({})));
    let code = outbox_code(&s, "MEMB000001").await.unwrap();
    assert_eq!(code.len(), 6);
    assert!(code.chars().all(|c| c.is_ascii_digit()));
    // Stored hashed only.
    let rows: Vec<(String, String)> = sqlx::query_as("SELECT id, code_hash FROM sign_in_codes")
        .fetch_all(&s.state.db.pool)
        .await
        .unwrap();
    assert_eq!(rows.len(), 1);
    assert!(!rows[0].1.contains(&code));
    // A wrong code: 401; the right one opens a session bound to the member.
    let wrong = if code == "000000" { "000001" } else { "000000" };
    let r = public(
        "/portal/session",
        json!({"member_id": "MEMB000001", "code": wrong}),
    )
    .await;
    assert_eq!(
        (r.status, r.body["code"].clone()),
        (401, json!("E_UNAUTHENTICATED"))
    );
    let r = public(
        "/portal/session",
        json!({"member_id": "MEMB000002", "code": code}),
    )
    .await;
    assert_eq!(
        r.status, 401,
        "another member's code does not open a session"
    );
    let r = public(
        "/portal/session",
        json!({"member_id": "MEMB000001", "code": code}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.raw);
    let token = r.body["token"].as_str().unwrap().to_owned();
    let expires =
        chrono::DateTime::parse_from_rfc3339(r.body["expires_at"].as_str().unwrap()).unwrap();
    let hours = (expires.with_timezone(&chrono::Utc) - chrono::Utc::now()).num_minutes();
    assert!((11 * 60..=12 * 60).contains(&hours), "{hours} minutes");
    assert_eq!(s.get(&token, "/members/MEMB000001").await.status, 200);
    assert_eq!(s.get(&token, "/loans/LN2026000001").await.status, 200);
    assert_eq!(s.get(&token, "/loans/LN2026000002").await.status, 403);
    assert_eq!(s.get(&token, "/members/MEMB000002").await.status, 403);
    assert_eq!(s.get(&token, "/waiver-requests").await.status, 403);
    // A code is spent once.
    let r = public(
        "/portal/session",
        json!({"member_id": "MEMB000001", "code": code}),
    )
    .await;
    assert_eq!(r.status, 401);
    // Five wrong attempts spend a code: the right one is refused after them.
    public("/portal/sign-in-code", json!({"member_id": "MEMB000001"})).await;
    let code = outbox_code(&s, "MEMB000001").await.unwrap();
    let wrong = if code == "123456" { "654321" } else { "123456" };
    for _ in 0..5 {
        let r = public(
            "/portal/session",
            json!({"member_id": "MEMB000001", "code": wrong}),
        )
        .await;
        assert_eq!(r.status, 401);
    }
    let r = public(
        "/portal/session",
        json!({"member_id": "MEMB000001", "code": code}),
    )
    .await;
    assert_eq!(r.status, 401, "a code is spent after five wrong attempts");
    // An expired code is refused.
    public("/portal/sign-in-code", json!({"member_id": "MEMB000001"})).await;
    let code = outbox_code(&s, "MEMB000001").await.unwrap();
    sqlx::query(
        "UPDATE sign_in_codes SET expires_at = '2000-01-01T00:00:00.000000Z' WHERE used = 0",
    )
    .execute(&s.state.db.pool)
    .await
    .unwrap();
    let r = public(
        "/portal/session",
        json!({"member_id": "MEMB000001", "code": code}),
    )
    .await;
    assert_eq!(r.status, 401, "an expired code");
    // An expired session is refused.
    public("/portal/sign-in-code", json!({"member_id": "MEMB000005"})).await;
    let code = outbox_code(&s, "MEMB000005").await.unwrap();
    let r = public(
        "/portal/session",
        json!({"member_id": "MEMB000005", "code": code}),
    )
    .await;
    let t5 = r.body["token"].as_str().unwrap().to_owned();
    sqlx::query("UPDATE portal_sessions SET expires_at = '2000-01-01T00:00:00.000000Z' WHERE member_id = 'MEMB000005'")
        .execute(&s.state.db.pool)
        .await
        .unwrap();
    let r = s.get(&t5, "/members/MEMB000005").await;
    assert_eq!(
        (r.status, r.body["code"].clone()),
        (401, json!("E_UNAUTHENTICATED"))
    );
    // Malformed bodies are the core's input errors.
    let r = public("/portal/session", json!({"member_id": "MEMB000001"})).await;
    assert_eq!(r.status, 400);
}

async fn count(s: &Server, sql: &str, bind: &str) -> i64 {
    let (n,): (i64,) = sqlx::query_as(sql)
        .bind(bind)
        .fetch_one(&s.state.db.pool)
        .await
        .unwrap();
    n
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_sessions_and_spent_codes_are_purged_on_sign_in_and_at_end_of_day() {
    let s = seeded("portal_purge").await;
    let sign_in = |member: &'static str| {
        let s = &s;
        async move {
            let post = |path: &'static str, body: Value| async move {
                common::request(
                    s.addr,
                    "POST",
                    path,
                    None,
                    &[],
                    Some(body.to_string().as_bytes()),
                )
                .await
            };
            post("/portal/sign-in-code", json!({"member_id": member})).await;
            let code = outbox_code(s, member).await.unwrap();
            let r = post(
                "/portal/session",
                json!({"member_id": member, "code": code}),
            )
            .await;
            assert_eq!(r.status, 200, "{}", r.raw);
            r.body["token"].as_str().unwrap().to_owned()
        }
    };
    let hash = |t: &str| windeep_server::crypto::sha256_hex(t.as_bytes());
    let sessions = "SELECT COUNT(*) FROM portal_sessions WHERE member_id = $1";
    let codes = "SELECT COUNT(*) FROM sign_in_codes WHERE member_id = $1";
    let tokens = "SELECT COUNT(*) FROM tokens WHERE hash = $1";

    // MEMB000005's session and its (spent) code age past their expiry and the hourly window.
    let t5 = sign_in("MEMB000005").await;
    sqlx::query("UPDATE portal_sessions SET expires_at = '2000-01-01T00:00:00.000000Z' WHERE member_id = 'MEMB000005'")
        .execute(&s.state.db.pool)
        .await
        .unwrap();
    sqlx::query("UPDATE sign_in_codes SET created_at = '2000-01-01T00:00:00.000000Z', expires_at = '2000-01-01T00:10:00.000000Z' WHERE member_id = 'MEMB000005'")
        .execute(&s.state.db.pool)
        .await
        .unwrap();
    let r = s.get(&t5, "/members/MEMB000005").await;
    assert_eq!(
        (r.status, r.body["code"].clone()),
        (401, json!("E_UNAUTHENTICATED"))
    );
    assert_eq!(count(&s, sessions, "MEMB000005").await, 1);

    // A new sign-in (another member) deletes them; its own session and code stay.
    let t1 = sign_in("MEMB000001").await;
    assert_eq!(
        count(&s, sessions, "MEMB000005").await,
        0,
        "expired session purged"
    );
    assert_eq!(count(&s, tokens, &hash(&t5)).await, 0, "its token purged");
    assert_eq!(
        count(&s, codes, "MEMB000005").await,
        0,
        "old spent code purged"
    );
    assert_eq!(count(&s, sessions, "MEMB000001").await, 1);
    assert_eq!(count(&s, tokens, &hash(&t1)).await, 1);
    assert_eq!(
        count(&s, codes, "MEMB000001").await,
        1,
        "a spent code inside the hour still counts towards the hourly limit"
    );
    let r = s.get(&t5, "/members/MEMB000005").await;
    assert_eq!(r.status, 401, "a purged session stays refused");
    assert_eq!(s.get(&t1, "/members/MEMB000001").await.status, 200);

    // The end-of-day job purges too: MEMB000001's session (cached by the read above) expires.
    sqlx::query("UPDATE portal_sessions SET expires_at = '2000-01-01T00:00:00.000000Z' WHERE member_id = 'MEMB000001'")
        .execute(&s.state.db.pool)
        .await
        .unwrap();
    sqlx::query("UPDATE sign_in_codes SET created_at = '2000-01-01T00:00:00.000000Z' WHERE member_id = 'MEMB000001'")
        .execute(&s.state.db.pool)
        .await
        .unwrap();
    let eod = s
        .post(
            &s.admin,
            "/jobs/end-of-day",
            &json!({"as_of": "2026-02-20"}),
        )
        .await;
    assert_eq!(eod.status, 200, "{}", eod.raw);
    assert_eq!(count(&s, sessions, "MEMB000001").await, 0);
    assert_eq!(count(&s, tokens, &hash(&t1)).await, 0);
    assert_eq!(count(&s, codes, "MEMB000001").await, 0);
    let r = s.get(&t1, "/members/MEMB000001").await;
    assert_eq!(
        (r.status, r.body["code"].clone()),
        (401, json!("E_UNAUTHENTICATED"))
    );
    // Staff tokens are untouched.
    assert_eq!(s.get(&s.admin, "/members/MEMB000001").await.status, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fine_waiver_requests_are_decided_by_a_manager_and_land_as_events() {
    let s = seeded("portal_waiver").await;
    // The overdue loan of MEMB000002 is fined by the daily job.
    let eod = s
        .post(
            &s.admin,
            "/jobs/end-of-day",
            &json!({"as_of": "2026-02-20"}),
        )
        .await;
    assert_eq!(eod.status, 200, "{}", eod.raw);
    let loan = s.get(&s.admin, "/loans/LN2026000002").await;
    let fines = loan.body["statement"]["state"]["fines"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(fines.len(), 1, "{}", loan.raw);
    let balance = fines[0]["balance"].as_str().unwrap().to_owned();
    let borrower = s.token(Role::Member, Some("MEMB000002")).await;
    let other = s.token(Role::Member, Some("MEMB000001")).await;
    let manager = s.token(Role::Manager, None).await;
    let accountant = s.token(Role::Accountant, None).await;
    let viewer = s.token(Role::Viewer, None).await;
    let ask = json!({"amount": "50.00", "reason": "hospital stay"});
    // Only the borrower asks.
    for t in [&other, &manager, &s.admin] {
        let r = s.post(t, "/loans/LN2026000002/waiver-requests", &ask).await;
        assert_eq!(
            (r.status, r.body["code"].clone()),
            (403, json!("E_FORBIDDEN")),
            "{}",
            r.raw
        );
    }
    // More than the fine's balance: refused by the core now.
    let r = s
        .post(
            &borrower,
            "/loans/LN2026000002/waiver-requests",
            &json!({"amount": "100000", "reason": "x"}),
        )
        .await;
    assert_eq!(r.body["code"], "E_NOT_ELIGIBLE", "{}", r.raw);
    let r = s
        .post(
            &borrower,
            "/loans/LN2026000002/waiver-requests",
            &json!({"amount": "-5", "reason": "x"}),
        )
        .await;
    assert_eq!(r.status, 400, "{}", r.raw);
    let r = s
        .post(&borrower, "/loans/LN2026000002/waiver-requests", &ask)
        .await;
    assert_eq!(r.status, 201, "{}", r.raw);
    assert_eq!(r.body["status"], "pending");
    let first = r.body["id"].as_str().unwrap().to_owned();
    // Staff list the pending requests; a member may not.
    for t in [&viewer, &accountant, &manager] {
        let l = s.get(t, "/waiver-requests?status=pending").await;
        assert_eq!(l.status, 200, "{}", l.raw);
        assert_eq!(l.body["waiver_requests"][0]["id"], first.as_str());
    }
    assert_eq!(s.get(&borrower, "/waiver-requests").await.status, 403);
    // An accountant may not approve; a manager does, once.
    let path = format!("/waiver-requests/{first}/approve");
    assert_eq!(s.post(&accountant, &path, &json!({})).await.status, 403);
    let events_before = s.get(&s.admin, "/loans/LN2026000002/events").await.body["events"]
        .as_array()
        .unwrap()
        .len();
    let a = s.post(&manager, &path, &json!({"note": "verified"})).await;
    assert!(a.status == 201 || a.status == 200, "{}", a.raw);
    assert_eq!(a.body["status"], "approved");
    assert_eq!(a.body["approved_by"], "manager:manager");
    let again = s.post(&s.admin, &path, &json!({})).await;
    assert_eq!(again.status, 409, "{}", again.raw);
    let events = s.get(&s.admin, "/loans/LN2026000002/events").await.body["events"].clone();
    let events = events.as_array().unwrap();
    assert_eq!(events.len(), events_before + 1);
    let last = events.last().unwrap();
    assert_eq!(last["body"]["type"], "fine_waived");
    assert_eq!(last["body"]["amount"], "50.00");
    assert_eq!(last["body"]["reason"], "hospital stay");
    let after = s.get(&s.admin, "/loans/LN2026000002").await;
    let f = &after.body["statement"]["state"]["fines"][0];
    assert_eq!(f["waived"], "50.00");
    let expect: windeep_core::money::Money = balance.parse().unwrap();
    let now: windeep_core::money::Money = f["balance"].as_str().unwrap().parse().unwrap();
    assert_eq!(
        expect.value() - now.value(),
        rust_decimal::Decimal::new(5000, 2)
    );
    // A second request, rejected: the loan is not touched.
    let r = s
        .post(
            &borrower,
            "/loans/LN2026000002/waiver-requests",
            &json!({"amount": "10", "reason": "again", "fine": f["key"]}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.raw);
    let second = r.body["id"].as_str().unwrap().to_owned();
    let rj = s
        .post(
            &manager,
            &format!("/waiver-requests/{second}/reject"),
            &json!({}),
        )
        .await;
    assert_eq!(
        (rj.status, rj.body["status"].clone()),
        (200, json!("rejected")),
        "{}",
        rj.raw
    );
    assert_eq!(
        s.post(
            &manager,
            &format!("/waiver-requests/{second}/approve"),
            &json!({})
        )
        .await
        .status,
        409
    );
    let n = s.get(&s.admin, "/loans/LN2026000002/events").await.body["events"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(n, events_before + 1);
    let l = s.get(&viewer, "/waiver-requests").await;
    let statuses: Vec<&str> = l.body["waiver_requests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["approved", "rejected"]);
    assert_eq!(
        s.get(&viewer, "/waiver-requests?status=pending").await.body["waiver_requests"],
        json!([])
    );
    assert_eq!(
        s.get(&viewer, "/waiver-requests?status=maybe").await.status,
        400
    );
    // The audit log records who asked, approved and rejected.
    let audit = s.get(&s.admin, "/audit?limit=1000").await;
    let actions: Vec<String> = audit.body["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            format!(
                "{} {}",
                e["actor"].as_str().unwrap(),
                e["action"].as_str().unwrap()
            )
        })
        .collect();
    for want in [
        "member:member waiver.request",
        "manager:manager waiver.approve",
        "manager:manager waiver.reject",
    ] {
        assert!(
            actions.iter().any(|a| a == want),
            "{want} not in {actions:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_approval_needs_every_guarantors_consent_unless_overridden() {
    let s = seeded("portal_consent").await;
    // The approval reads the facts from the server's own data: the demo gives the applicant and
    // both guarantors a year of savings; planned the day before the demo's loan, whose
    // guarantees would otherwise use up the guarantors' capacity.
    let app = |id: &str| {
        json!({"id": id, "member_id": "MEMB000001", "product_id": "LOAN-001",
        "application": {"amount": "20000", "tenure": 12, "annual_rate": "12", "disbursed_on": "2026-01-04", "first_due_on": "2026-02-04"},
        "guarantors": [{"member_id": "MEMB000002", "guarantee_amount": "10000"},
                       {"member_id": "MEMB000003", "guarantee_amount": "10000"}]})
    };
    for id in ["APC-1", "APC-2"] {
        assert_eq!(
            s.post(&s.admin, "/applications", &app(id)).await.status,
            201
        );
    }
    let g2 = s.token(Role::Member, Some("MEMB000002")).await;
    let g3 = s.token(Role::Member, Some("MEMB000003")).await;
    let applicant = s.token(Role::Member, Some("MEMB000001")).await;
    let manager = s.token(Role::Manager, None).await;
    let refusals = |r: &common::Reply| -> Vec<String> {
        r.body["decision"]["refusals"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["code"].as_str().unwrap().to_owned())
            .collect()
    };
    // No consent yet: the core refuses for too few guarantors.
    let r = s
        .post(&manager, "/applications/APC-1/approve", &json!({}))
        .await;
    assert_eq!(r.body["decision"]["approved"], false, "{}", r.raw);
    assert_eq!(
        refusals(&r),
        [
            "E_APPROVAL_TOO_FEW_GUARANTORS",
            "E_APPROVAL_GUARANTOR_CONSENT_PENDING",
            "E_APPROVAL_GUARANTOR_CONSENT_PENDING"
        ]
    );
    // Only a guarantor named on the application answers, once.
    let yes = json!({"consent": true});
    for t in [&applicant, &manager, &s.admin] {
        let r = s
            .post(t, "/applications/APC-1/guarantor-consents", &yes)
            .await;
        assert_eq!(r.status, 403, "{}", r.raw);
    }
    let r = s
        .post(&g2, "/applications/APC-1/guarantor-consents", &yes)
        .await;
    assert_eq!(r.status, 201, "{}", r.raw);
    assert_eq!(
        r.body,
        json!({"application_id": "APC-1", "member_id": "MEMB000002", "consent": true})
    );
    assert_eq!(
        s.post(&g2, "/applications/APC-1/guarantor-consents", &yes)
            .await
            .status,
        409
    );
    // One of two: still refused.
    let r = s
        .post(&manager, "/applications/APC-1/approve", &json!({}))
        .await;
    assert_eq!(
        refusals(&r),
        [
            "E_APPROVAL_TOO_FEW_GUARANTORS",
            "E_APPROVAL_GUARANTOR_CONSENT_PENDING"
        ]
    );
    // A refusal counts as no consent.
    let r = s
        .post(
            &g3,
            "/applications/APC-1/guarantor-consents",
            &json!({"consent": false}),
        )
        .await;
    assert_eq!(r.status, 201);
    let r = s
        .post(&manager, "/applications/APC-1/approve", &json!({}))
        .await;
    assert_eq!(
        refusals(&r),
        [
            "E_APPROVAL_TOO_FEW_GUARANTORS",
            "E_APPROVAL_GUARANTOR_CONSENT_REFUSED"
        ]
    );
    // Both consent on the second application: approved.
    for t in [&g2, &g3] {
        assert_eq!(
            s.post(t, "/applications/APC-2/guarantor-consents", &yes)
                .await
                .status,
            201
        );
    }
    let r = s
        .post(&manager, "/applications/APC-2/approve", &json!({}))
        .await;
    assert_eq!(r.body["decision"]["approved"], true, "{}", r.raw);
    // The first, with a recorded override: approved, and the override is in the decision.
    let r = s
        .post(&manager, "/applications/APC-1/approve",
            &json!({"overrides": [{"code": "E_APPROVAL_TOO_FEW_GUARANTORS", "reason": "second guarantor travelling; society's surety"}]}))
        .await;
    // A rejected consent blocks until the guarantor is removed, whatever is overridden.
    assert_eq!(r.body["decision"]["approved"], false, "{}", r.raw);
    let d = s
        .post(
            &s.admin,
            "/applications/APC-1/disburse",
            &json!({"loan_id": "LC1"}),
        )
        .await;
    assert_eq!(d.body["code"], "E_NOT_ELIGIBLE", "{}", d.raw);
    assert!(r.raw.contains("second guarantor travelling"), "{}", r.raw);
    assert_eq!(
        s.post(&g2, "/applications/NOPE/guarantor-consents", &yes)
            .await
            .status,
        404
    );
}

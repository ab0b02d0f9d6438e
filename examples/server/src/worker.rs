//! The notification outbox and an example worker that delivers to a file (one JSON line per
//! notification). A real worker would send SMS, WhatsApp or e-mail the same way: read the
//! pending notifications, deliver, record the delivery.

use std::io::Write as _;

use serde_json::{Value, json};

use crate::db::{Db, is_unique, now};

/// Notifications not yet delivered, oldest first.
///
/// # Errors
/// Storage errors.
pub async fn pending(db: &Db, limit: i64) -> Result<Vec<Value>, sqlx::Error> {
    let rows: Vec<(String, String, String, Option<String>, String, String)> = sqlx::query_as(
        "SELECT o.id, o.kind, o.member_id, o.account_id, o.body, o.created_at FROM outbox o \
         LEFT JOIN outbox_delivered d ON d.id = o.id WHERE d.id IS NULL ORDER BY o.created_at, o.id LIMIT $1",
    )
    .bind(limit)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, kind, member, account, body, at)| {
            json!({"id": id, "kind": kind, "member_id": member, "account_id": account,
                   "body": serde_json::from_str::<Value>(&body).unwrap_or(Value::Null), "created_at": at})
        })
        .collect())
}

/// Delivers every pending notification to `out` (appended, flushed and synced before the
/// delivery is recorded: a crash in between delivers a notification twice, never zero times).
/// Returns how many were delivered.
///
/// # Errors
/// Storage or file errors.
pub async fn deliver_to_file(db: &Db, out: &std::path::Path) -> Result<usize, String> {
    let mut total = 0;
    loop {
        let batch = pending(db, 500).await.map_err(|e| e.to_string())?;
        if batch.is_empty() {
            return Ok(total);
        }
        {
            let mut f = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(out)
                .map_err(|e| e.to_string())?;
            for n in &batch {
                writeln!(f, "{n}").map_err(|e| e.to_string())?;
            }
            f.sync_all().map_err(|e| e.to_string())?;
        }
        for n in &batch {
            let id = n["id"].as_str().unwrap_or_default();
            match sqlx::query("INSERT INTO outbox_delivered (id, delivered_at) VALUES ($1, $2)")
                .bind(id)
                .bind(now())
                .execute(&db.pool)
                .await
            {
                Ok(_) => total += 1,
                Err(e) if is_unique(&e) => {}
                Err(e) => return Err(e.to_string()),
            }
        }
    }
}

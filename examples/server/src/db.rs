//! The store: one `sqlx` Any pool over SQLite (WAL, the embedded default) or PostgreSQL, the
//! migrations, and the classification of errors a writer retries.

use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::{AnyPool, Executor as _};

/// Which database is behind the pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// SQLite (embedded).
    Sqlite,
    /// PostgreSQL.
    Postgres,
}

/// The pool and its backend.
#[derive(Debug, Clone)]
pub struct Db {
    /// The pool.
    pub pool: AnyPool,
    /// The backend.
    pub backend: Backend,
    /// PostgreSQL: writes to an account are committed by the group writer under the account's
    /// row lock (one connection holds the locks; the plans read through the rest of the pool).
    /// False on SQLite (the group writer with optimistic sequence checks) and on a pool of one
    /// connection (no connection left for the plans' reads: optimistic checks only).
    pub row_locks: bool,
    /// How many write attempts lost a race with another writer and were retried.
    pub lost_races: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

/// Opens `url` (`sqlite://file.db`, `sqlite::memory:` or `postgres://…`) and migrates it.
///
/// # Errors
/// The database cannot be opened or migrated.
pub async fn open(url: &str, max_connections: u32) -> Result<Db, sqlx::Error> {
    install_default_drivers();
    let backend = if url.starts_with("postgres") {
        Backend::Postgres
    } else {
        Backend::Sqlite
    };
    let url = if backend == Backend::Sqlite && !url.contains("mode=") && !url.contains(":memory:") {
        let sep = if url.contains('?') { '&' } else { '?' };
        format!("{url}{sep}mode=rwc")
    } else {
        url.to_owned()
    };
    let pool = AnyPoolOptions::new()
        .max_connections(max_connections)
        .after_connect(move |conn, _| {
            Box::pin(async move {
                if backend == Backend::Sqlite {
                    conn.execute("PRAGMA journal_mode = WAL").await?;
                    conn.execute("PRAGMA synchronous = NORMAL").await?;
                    conn.execute("PRAGMA busy_timeout = 10000").await?;
                    conn.execute("PRAGMA foreign_keys = ON").await?;
                }
                Ok(())
            })
        })
        .connect(&url)
        .await?;
    let row_locks = backend == Backend::Postgres && max_connections >= 2;
    let db = Db {
        pool,
        backend,
        row_locks,
        lost_races: std::sync::Arc::default(),
    };
    migrate(&db).await?;
    Ok(db)
}

/// Is this error one a writer retries: a unique key another writer took first, a lock or a
/// serialisation failure?
pub fn is_retryable(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Database(d) => {
            let code = d.code().map(|c| c.to_string()).unwrap_or_default();
            let msg = d.message().to_ascii_lowercase();
            // PostgreSQL: 23505 unique, 40001 serialisation, 40P01 deadlock.
            // SQLite: 5 busy, 6 locked, 1555/2067 unique/primary key.
            matches!(
                code.as_str(),
                "23505" | "40001" | "40P01" | "5" | "6" | "517" | "1555" | "2067"
            ) || msg.contains("unique")
                || msg.contains("locked")
                || msg.contains("busy")
        }
        sqlx::Error::PoolTimedOut => true,
        _ => false,
    }
}

/// Is this error a unique-key violation?
pub fn is_unique(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Database(d) => {
            let code = d.code().map(|c| c.to_string()).unwrap_or_default();
            matches!(code.as_str(), "23505" | "1555" | "2067")
                || d.message().to_ascii_lowercase().contains("unique")
        }
        _ => false,
    }
}

const COMMON: &[&str] = &[
    "CREATE TABLE IF NOT EXISTS tokens (hash TEXT PRIMARY KEY, role TEXT NOT NULL, member_id TEXT, name TEXT NOT NULL, created_at TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS members (id TEXT PRIMARY KEY, name TEXT NOT NULL, aadhaar_enc TEXT, aadhaar_hash TEXT, pan_enc TEXT, pan_hash TEXT, created_at TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS members_aadhaar ON members (aadhaar_hash)",
    "CREATE INDEX IF NOT EXISTS members_pan ON members (pan_hash)",
    "CREATE TABLE IF NOT EXISTS products (id TEXT PRIMARY KEY, body TEXT NOT NULL, created_at TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS applications (id TEXT PRIMARY KEY, member_id TEXT NOT NULL, product_id TEXT NOT NULL, body TEXT NOT NULL, created_at TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS application_decisions (application_id TEXT NOT NULL, seq BIGINT NOT NULL, decision TEXT NOT NULL, actor TEXT NOT NULL, created_at TEXT NOT NULL, PRIMARY KEY (application_id, seq))",
    "CREATE TABLE IF NOT EXISTS accounts (id TEXT PRIMARY KEY, kind TEXT NOT NULL, member_id TEXT NOT NULL, product_id TEXT, header TEXT, created_at TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS accounts_member ON accounts (member_id)",
    "CREATE TABLE IF NOT EXISTS events (account_id TEXT NOT NULL, sequence BIGINT NOT NULL, hash TEXT NOT NULL, body TEXT NOT NULL, created_at TEXT NOT NULL, PRIMARY KEY (account_id, sequence))",
    "CREATE TABLE IF NOT EXISTS bank_transactions (bank_account TEXT NOT NULL, utr TEXT NOT NULL, import_id TEXT, body TEXT NOT NULL, created_at TEXT NOT NULL, PRIMARY KEY (bank_account, utr))",
    "CREATE TABLE IF NOT EXISTS bank_imports (import_id TEXT PRIMARY KEY, bank_account TEXT NOT NULL, report TEXT NOT NULL, created_at TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS bank_mappings (bank_account TEXT NOT NULL, utr TEXT NOT NULL, seq BIGINT NOT NULL, mapping TEXT NOT NULL, events TEXT NOT NULL, created_at TEXT NOT NULL, PRIMARY KEY (bank_account, utr, seq))",
    "CREATE TABLE IF NOT EXISTS idempotency (key TEXT PRIMARY KEY, request_hash TEXT NOT NULL, status BIGINT NOT NULL, response TEXT NOT NULL, created_at TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS audit_log (seq BIGINT PRIMARY KEY, at TEXT NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL, target TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS outbox (id TEXT PRIMARY KEY, kind TEXT NOT NULL, member_id TEXT NOT NULL, account_id TEXT, body TEXT NOT NULL, created_at TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS outbox_delivered (id TEXT PRIMARY KEY, delivered_at TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS jobs (name TEXT NOT NULL, as_of TEXT NOT NULL, result TEXT NOT NULL, created_at TEXT NOT NULL, PRIMARY KEY (name, as_of))",
    "CREATE TABLE IF NOT EXISTS gateway_payments (payment_id TEXT PRIMARY KEY, loan_id TEXT NOT NULL, response TEXT NOT NULL, created_at TEXT NOT NULL)",
];

/// Tables that are append-only: the store refuses UPDATE and DELETE on them.
const APPEND_ONLY: &[&str] = &[
    "events",
    "bank_mappings",
    "audit_log",
    "application_decisions",
    "bank_transactions",
    "outbox",
];

async fn migrate(db: &Db) -> Result<(), sqlx::Error> {
    for s in COMMON.iter().chain(crate::portal::TABLES) {
        sqlx::query(s).execute(&db.pool).await?;
    }
    for t in APPEND_ONLY.iter().chain(crate::portal::APPEND_ONLY) {
        match db.backend {
            Backend::Sqlite => {
                for op in ["UPDATE", "DELETE"] {
                    let sql = format!(
                        "CREATE TRIGGER IF NOT EXISTS {t}_no_{op} BEFORE {op} ON {t} BEGIN SELECT RAISE(ABORT, 'append-only'); END",
                        op = op.to_ascii_lowercase()
                    );
                    sqlx::query(
                        &sql.replace("BEFORE update", "BEFORE UPDATE")
                            .replace("BEFORE delete", "BEFORE DELETE"),
                    )
                    .execute(&db.pool)
                    .await?;
                }
            }
            Backend::Postgres => {
                sqlx::query(
                    "CREATE OR REPLACE FUNCTION windeep_append_only() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'append-only'; END $$ LANGUAGE plpgsql",
                )
                .execute(&db.pool)
                .await?;
                let sql = format!(
                    "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgname = '{t}_append_only') THEN CREATE TRIGGER {t}_append_only BEFORE UPDATE OR DELETE ON {t} FOR EACH ROW EXECUTE FUNCTION windeep_append_only(); END IF; END $$"
                );
                sqlx::query(&sql).execute(&db.pool).await?;
            }
        }
    }
    Ok(())
}

/// The time now, RFC 3339 UTC.
pub fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

/// Writes a consistent copy of a live SQLite store to `to` (`VACUUM INTO`).
///
/// # Errors
/// Storage errors.
pub async fn backup(db: &Db, to: &std::path::Path) -> Result<(), sqlx::Error> {
    let path = to.to_string_lossy().replace('\'', "''");
    sqlx::query(&format!("VACUUM INTO '{path}'"))
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// Restores a backup to `target` after checking it (`PRAGMA integrity_check` and the schema);
/// an existing store is replaced only with `force`. The server must be stopped.
///
/// # Errors
/// A backup that does not check, or a target that exists.
pub async fn restore(
    from: &std::path::Path,
    target: &std::path::Path,
    force: bool,
) -> Result<(), String> {
    if target.exists() && !force {
        return Err(format!("{} exists (use --force)", target.display()));
    }
    install_default_drivers();
    let pool = AnyPoolOptions::new()
        .max_connections(1)
        .connect(&format!("sqlite://{}?mode=ro", from.display()))
        .await
        .map_err(|e| e.to_string())?;
    let (ok,): (String,) = sqlx::query_as("PRAGMA integrity_check")
        .fetch_one(&pool)
        .await
        .map_err(|e| e.to_string())?;
    if ok != "ok" {
        return Err(format!("backup fails its integrity check: {ok}"));
    }
    let _: (i64,) = sqlx::query_as("SELECT COUNT(*) FROM events")
        .fetch_one(&pool)
        .await
        .map_err(|_| "the file is not a windeep store".to_owned())?;
    pool.close().await;
    let tmp = target.with_extension("restoring");
    std::fs::copy(from, &tmp).map_err(|e| e.to_string())?;
    for ext in ["db-wal", "db-shm"] {
        let _ = std::fs::remove_file(target.with_extension(ext));
    }
    let wal = PathBuf::from(format!("{}-wal", target.display()));
    let shm = PathBuf::from(format!("{}-shm", target.display()));
    let _ = std::fs::remove_file(wal);
    let _ = std::fs::remove_file(shm);
    std::fs::rename(&tmp, target).map_err(|e| e.to_string())?;
    Ok(())
}

use std::path::PathBuf;

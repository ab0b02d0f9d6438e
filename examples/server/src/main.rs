//! `windeep-server`: serve, seed a demo, back up and restore SQLite, run the example
//! notification worker, create tokens.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use windeep_server::auth::Role;
use windeep_server::{AppState, crypto::Keys, db, demo, router, worker};

#[derive(Parser)]
#[command(name = "windeep-server", version, about = "windeep reference server")]
struct Cli {
    /// `sqlite://windeep.db` (default, WAL), `sqlite::memory:` or `postgres://…`.
    #[arg(long, global = true, default_value = "sqlite://windeep.db")]
    database_url: String,
    #[command(subcommand)]
    command: Option<Command>,
    /// Address to listen on (loopback by default).
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// Seed a demo society first (on an empty store).
    #[arg(long)]
    demo: bool,
    /// Write a new Super Admin token to this file at start.
    #[arg(long)]
    admin_token_file: Option<PathBuf>,
    /// Database connections.
    #[arg(long, default_value_t = 8)]
    connections: u32,
    /// The society's name, printed on statements and passbooks.
    #[arg(long, default_value = "Windeep Co-operative Credit Society")]
    society_name: String,
    /// How dates are written on statements and passbooks: DD, MM, MMM, YYYY, YY and separators.
    #[arg(long, default_value = "DD-MM-YYYY")]
    date_pattern: String,
}

#[derive(Subcommand)]
enum Command {
    /// Copy a live SQLite store to a file (`VACUUM INTO`: consistent while serving).
    Backup {
        /// The backup file to write (must not exist).
        #[arg(long)]
        to: PathBuf,
    },
    /// Restore a SQLite backup into the store path (the server stopped).
    Restore {
        /// The backup file.
        #[arg(long)]
        from: PathBuf,
        /// Replace an existing store.
        #[arg(long)]
        force: bool,
    },
    /// Deliver pending notifications to a file, one JSON line each.
    Worker {
        /// The file to append to.
        #[arg(long)]
        out: PathBuf,
        /// Deliver once and stop (otherwise poll every `interval_ms`).
        #[arg(long)]
        once: bool,
        /// Poll interval.
        #[arg(long, default_value_t = 1000)]
        interval_ms: u64,
    },
    /// Re-encrypt identity data under the current key of `WINDEEP_DATA_KEYS` (key rotation).
    Rekey,
    /// Create an API token and print it.
    Token {
        /// super_admin, manager, accountant, viewer or member.
        #[arg(long)]
        role: String,
        /// The token's name (the actor in the audit log).
        #[arg(long)]
        name: String,
        /// The member a member token belongs to.
        #[arg(long)]
        member_id: Option<String>,
    },
}

fn sqlite_path(url: &str) -> Option<PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next()?;
    (!path.is_empty() && !path.contains(":memory:")).then(|| PathBuf::from(path))
}

async fn run(cli: Cli) -> Result<(), String> {
    match cli.command {
        Some(Command::Backup { to }) => {
            if to.exists() {
                return Err(format!("{} exists", to.display()));
            }
            let d = db::open(&cli.database_url, 1)
                .await
                .map_err(|e| e.to_string())?;
            if d.backend != db::Backend::Sqlite {
                return Err("backup is for SQLite; use pg_dump for PostgreSQL".into());
            }
            db::backup(&d, &to).await.map_err(|e| e.to_string())?;
            eprintln!("backed up to {}", to.display());
            Ok(())
        }
        Some(Command::Restore { from, force }) => {
            let target =
                sqlite_path(&cli.database_url).ok_or("restore needs a sqlite:// file URL")?;
            db::restore(&from, &target, force).await
        }
        Some(Command::Worker {
            out,
            once,
            interval_ms,
        }) => {
            let d = db::open(&cli.database_url, 2)
                .await
                .map_err(|e| e.to_string())?;
            loop {
                let n = worker::deliver_to_file(&d, &out).await?;
                if n > 0 {
                    tracing::info!(delivered = n, "notifications delivered");
                }
                if once {
                    return Ok(());
                }
                tokio::time::sleep(std::time::Duration::from_millis(interval_ms)).await;
            }
        }
        Some(Command::Rekey) => {
            let d = db::open(&cli.database_url, 1)
                .await
                .map_err(|e| e.to_string())?;
            let keys = Keys::from_env()?;
            let n = windeep_server::crypto::rekey(&d, &keys).await?;
            eprintln!("{n} members re-encrypted under key {}", keys.current_id());
            Ok(())
        }
        Some(Command::Token {
            role,
            name,
            member_id,
        }) => {
            let d = db::open(&cli.database_url, 1)
                .await
                .map_err(|e| e.to_string())?;
            let role = Role::parse(&role).ok_or("unknown role")?;
            let t = windeep_server::bootstrap_token(&d, role, member_id.as_deref(), &name)
                .await
                .map_err(|e| e.message)?;
            println!("{t}");
            Ok(())
        }
        None => {
            let d = db::open(&cli.database_url, cli.connections)
                .await
                .map_err(|e| e.to_string())?;
            let keys = Keys::from_env()?;
            let secret = std::env::var("WINDEEP_WEBHOOK_SECRET").unwrap_or_else(|_| {
                tracing::warn!("WINDEEP_WEBHOOK_SECRET not set: development secret in use");
                "development webhook secret".to_owned()
            });
            let society = windeep_server::pdf::Society::new(&cli.society_name, &cli.date_pattern)?;
            let state = AppState::new(d.clone(), keys, secret.into_bytes()).with_society(society);
            if cli.demo {
                demo::seed(&state).await?;
                tracing::info!("demo society seeded");
            }
            if let Some(f) = cli.admin_token_file {
                let t = windeep_server::bootstrap_token(&d, Role::SuperAdmin, None, "admin")
                    .await
                    .map_err(|e| e.message)?;
                std::fs::write(&f, t).map_err(|e| e.to_string())?;
            }
            let listener = tokio::net::TcpListener::bind(cli.listen)
                .await
                .map_err(|e| e.to_string())?;
            tracing::info!(addr = %cli.listen, backend = ?d.backend, "listening");
            axum::serve(listener, router(state))
                .with_graceful_shutdown(async {
                    let _ = tokio::signal::ctrl_c().await;
                })
                .await
                .map_err(|e| e.to_string())
        }
    }
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .json()
        .with_current_span(true)
        .with_span_list(false)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("WINDEEP_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    match rt.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = %e, "stopped");
            ExitCode::FAILURE
        }
    }
}

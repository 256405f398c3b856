//! `qhub`: serve, migrate, openapi.

use anyhow::Context;
use clap::{Parser, Subcommand};
use sqlx::postgres::PgPoolOptions;

use qhub_core::config::{redact_url, Config};
use qhub_core::state::AppState;
use qhub_core::{app, openapi, telemetry, tenancy};

#[derive(Parser)]
#[command(
    name = "qhub",
    about = "QHub: multi-tenant quantum application platform"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the HTTP server (BIND_ADDR, default 127.0.0.1:8080).
    Serve,
    /// Apply Postgres migrations as the owner role (DATABASE_URL), then the
    /// ClickHouse schema (CLICKHOUSE_URL, CLICKHOUSE_DATABASE).
    Migrate,
    /// Print the OpenAPI document as YAML.
    Openapi,
}

/// glibc's malloc raises its mmap threshold each time a large block is
/// freed, so after a few argon2 hashes (19 MiB each, on blocking threads
/// with arenas of their own) those blocks come from the arenas and stay
/// there: the process grew to ~380 MiB. A fixed threshold keeps large
/// blocks mmapped (returned on free), and fewer arenas fragment less.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn tune_malloc() {
    // SAFETY: mallopt only changes allocator parameters; called once at
    // start, before any other thread exists.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 256 * 1024);
        libc::mallopt(libc::M_ARENA_MAX, 4);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn tune_malloc() {}

fn main() -> anyhow::Result<()> {
    tune_malloc();
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(run())
}

async fn run() -> anyhow::Result<()> {
    let cli = Cli::parse();
    telemetry::init(qhub_core::config::log_json());
    match cli.command {
        Command::Openapi => {
            print!("{}", openapi::to_yaml()?);
            Ok(())
        }
        Command::Migrate => {
            let config = Config::from_env()?;
            let pool = PgPoolOptions::new()
                .max_connections(2)
                .connect(&config.database_url)
                .await
                .with_context(|| format!("connect to {}", redact_url(&config.database_url)))?;
            tenancy::MIGRATOR
                .run(&pool)
                .await
                .context("postgres migrations")?;
            tracing::info!("postgres migrations applied");
            let applied = qhub_core::metering::ch::migrate(&config.clickhouse)
                .await
                .context("clickhouse migrations")?;
            tracing::info!(applied, "clickhouse migrations applied");
            Ok(())
        }
        Command::Serve => {
            let config = Config::from_env()?;
            tracing::info!(config = ?config, "starting qhub");
            let listener = tokio::net::TcpListener::bind(config.bind_addr)
                .await
                .with_context(|| format!("bind {}", config.bind_addr))?;
            let state = AppState::connect(config).await?;
            tracing::info!(addr = %listener.local_addr()?, "listening");
            app::serve(listener, state).await
        }
    }
}

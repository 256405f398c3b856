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
    /// Run job workers only, no HTTP server (JOB_WORKER_SLOTS jobs at once,
    /// default 2). Any number of these and of `serve` may run.
    Worker,
    /// Write every organization's bills for a month (`YYYY-MM`, UTC) now.
    /// The month must have ended, unless `--early` (demos and tests: usage
    /// after the close is then not billed). Safe to rerun or run on several
    /// machines: organizations already billed are skipped.
    ClosePeriod {
        month: String,
        #[arg(long)]
        early: bool,
        /// Pause between organizations, in milliseconds.
        #[arg(long, default_value_t = 0)]
        pace_ms: u64,
    },
}

/// The subscription scheduler and the billing close, unless SCHEDULERS=false.
fn start_schedulers(state: &AppState) {
    if state.config.schedulers {
        qhub_core::marketplace::scheduler::start(state.clone(), state.config.subscription_poll);
        qhub_core::billing::close::start(state.clone(), state.config.billing_close_grace);
    }
}

/// mimalloc rather than glibc's malloc: glibc raised its mmap threshold
/// after argon2's 19 MiB blocks were freed and then kept them in per-thread
/// arenas (~380 MiB resident after a few logins), and its lock-free paths
/// are slower for the request path's many small allocations (~17% of the
/// profile in malloc/free, see bench/README.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> anyhow::Result<()> {
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
            // Workers run inside the server too, unless JOB_WORKER_SLOTS=0.
            qhub_core::jobs::worker::start(state.clone())?;
            start_schedulers(&state);
            tracing::info!(addr = %listener.local_addr()?, "listening");
            app::serve(listener, state).await
        }
        Command::ClosePeriod {
            month,
            early,
            pace_ms,
        } => {
            use qhub_core::billing::close::{close_month, Month};
            let month = Month::parse(&month)
                .ok_or_else(|| anyhow::anyhow!("month must be YYYY-MM (2000-9999)"))?;
            if !early && month.end > chrono::Utc::now() {
                anyhow::bail!(
                    "{} has not ended (use --early to close it now)",
                    month.label()
                );
            }
            let config = Config::from_env()?;
            let state = AppState::connect(config).await?;
            let report = close_month(&state, month, std::time::Duration::from_millis(pace_ms))
                .await
                .map_err(|e| anyhow::anyhow!("close failed: {e}"))?;
            println!(
                "{}: {} organizations, {} bills written, {} already billed, {} unknown, {} failed",
                month.label(),
                report.organizations,
                report.bills_written,
                report.already_billed,
                report.unknown,
                report.failed.len()
            );
            // Bill-issued notifications are published off the main task.
            tokio::time::sleep(std::time::Duration::from_millis(300)).await;
            if !report.failed.is_empty() {
                for (tenant, error) in &report.failed {
                    eprintln!("{tenant}: {error}");
                }
                anyhow::bail!(
                    "{} organizations were not closed; run it again",
                    report.failed.len()
                );
            }
            Ok(())
        }
        Command::Worker => {
            let config = Config::from_env()?;
            if config.jobs.slots == 0 {
                anyhow::bail!("qhub worker needs JOB_WORKER_SLOTS > 0");
            }
            tracing::info!(config = ?config, "starting qhub worker");
            let state = AppState::connect(config).await?;
            let Some(worker) = qhub_core::jobs::worker::start(state.clone())? else {
                anyhow::bail!("no worker started");
            };
            start_schedulers(&state);
            tokio::select! {
                r = worker => r.context("worker stopped"),
                r = tokio::signal::ctrl_c() => {
                    r.context("signal")?;
                    state.usage.shutdown(std::time::Duration::from_secs(5)).await;
                    Ok(())
                }
            }
        }
    }
}

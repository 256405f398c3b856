//! Shared application state handed to every handler.

use std::sync::Arc;

use crate::apps::storage::Packages;
use std::time::Duration;

use anyhow::Context;
use sqlx::postgres::PgPoolOptions;
use sqlx::PgPool;

use crate::identity::password::Passwords;
use crate::identity::sessions::SessionStore;
use crate::identity::tokens::Tokens;
use crate::metering::{ch, Usage};
use crate::platform::cache::Cache;
use crate::platform::config::Config;
use crate::platform::mail::Mailer;
use crate::platform::ratelimit::RateLimiter;

/// Cloned for every request by every layer that holds it, so it is one
/// `Arc`: a clone is a reference count, not a copy of the pools, the
/// ClickHouse client and the configuration.
#[derive(Clone)]
pub struct AppState(Arc<Services>);

impl std::ops::Deref for AppState {
    type Target = Services;

    fn deref(&self) -> &Services {
        &self.0
    }
}

/// What the state holds.
pub struct Services {
    pub config: Arc<Config>,
    /// Pool of the server's restricted role: every tenant query goes through
    /// a transaction from `platform::tenancy`.
    pub db: PgPool,
    pub redis: deadpool_redis::Pool,
    pub sessions: SessionStore,
    pub tokens: Tokens,
    pub passwords: Passwords,
    pub cache: Cache,
    pub limiter: RateLimiter,
    pub mailer: Mailer,
    /// Usage analytics (reads) in ClickHouse.
    pub clickhouse: clickhouse::Client,
    /// The usage pipeline (writes).
    pub usage: Usage,
    /// App packages in object storage.
    pub packages: Packages,
    /// Live notifications from every replica (Redis pub/sub).
    pub notifications: crate::notifications::hub::Hub,
}

impl AppState {
    pub async fn connect(config: Config) -> anyhow::Result<AppState> {
        let db = PgPoolOptions::new()
            .max_connections(config.db_max_connections)
            // Fail fast with 503 rather than hang when Postgres is gone.
            .acquire_timeout(Duration::from_secs(3))
            .connect_lazy(&config.app_database_url)
            .context("APP_DATABASE_URL")?;
        let redis = redis_pool(&config.redis_url)?;
        let tokens = Tokens::new(&config.jwt_secret, config.access_token_ttl);
        let sessions = SessionStore::new(
            redis.clone(),
            config.refresh_token_ttl,
            config.refresh_reuse_grace,
        );
        let passwords = Passwords::new().await?;
        let cache = Cache::new(redis.clone(), config.cache_ttl);
        let limiter = RateLimiter::new(redis.clone());
        let mailer = Mailer::new(&config.smtp_url, &config.mail_from, config.outbox_poll)?;
        let clickhouse = ch::client(&config.clickhouse);
        let usage =
            Usage::start(clickhouse.clone(), config.usage.clone()).context("USAGE_SPILL_DIR")?;
        let packages = Packages::open(&config.packages)?;
        crate::apps::garbage::start(db.clone(), packages.clone(), Duration::from_secs(300));
        let notifications = crate::notifications::hub::Hub::start(&config.redis_url)?;
        Ok(AppState(Arc::new(Services {
            config: Arc::new(config),
            db,
            redis,
            sessions,
            tokens,
            passwords,
            cache,
            limiter,
            mailer,
            clickhouse,
            usage,
            packages,
            notifications,
        })))
    }
}

pub fn redis_pool(url: &str) -> anyhow::Result<deadpool_redis::Pool> {
    let mut cfg = deadpool_redis::Config::from_url(url);
    let mut pool_cfg = deadpool_redis::PoolConfig::new(64);
    // Short timeouts: with Redis down a request must fail fast (503), not hang.
    pool_cfg.timeouts = deadpool_redis::Timeouts {
        wait: Some(Duration::from_secs(2)),
        create: Some(Duration::from_secs(1)),
        recycle: Some(Duration::from_secs(1)),
    };
    cfg.pool = Some(pool_cfg);
    let pool = cfg
        .builder()
        .context("REDIS_URL")?
        .runtime(deadpool_redis::Runtime::Tokio1)
        // The pool's timeouts cover getting a connection, not a reply: a
        // Redis that hangs (paused, packets dropped) must fail the command
        // fast too, not stall the request until TCP gives up.
        .post_create(deadpool_redis::Hook::sync_fn(|conn, _| {
            conn.set_response_timeout(Duration::from_secs(1));
            Ok(())
        }))
        .build()
        .context("REDIS_URL")?;
    Ok(pool)
}

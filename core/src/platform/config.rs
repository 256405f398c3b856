//! Configuration from environment variables. Every variable has a default
//! that works with `make dev` unchanged, except `JWT_SECRET` in production.

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::{bail, Context};
use rand::RngCore;

use crate::apps::storage::{PackageConfig, StoreConfig};
use crate::metering::ch::ChConfig;
use crate::metering::UsageConfig;
use crate::platform::ratelimit::Limit;

#[derive(Clone)]
pub struct Config {
    /// `QHUB_ENV=production` makes missing secrets fatal instead of generated.
    pub production: bool,
    pub bind_addr: SocketAddr,
    /// Owner role: used by `qhub migrate` only.
    pub database_url: String,
    /// The server's restricted role (no superuser, no BYPASSRLS, owns nothing).
    pub app_database_url: String,
    pub db_max_connections: u32,
    pub redis_url: String,
    pub jwt_secret: Vec<u8>,
    pub access_token_ttl: Duration,
    pub refresh_token_ttl: Duration,
    /// How long a just-rotated refresh token still yields the same
    /// successor (a retry after a lost response) instead of counting as
    /// reuse. Zero turns it off.
    pub refresh_reuse_grace: Duration,
    pub body_limit_bytes: usize,
    pub request_timeout: Duration,
    /// Time allowed to receive a request body (408 after).
    pub body_read_timeout: Duration,
    pub log_json: bool,
    /// Per API key or user, on every `/v1` request.
    pub rate_limit_api: Limit,
    /// Per client IP on signup, login, refresh, password reset and the
    /// other unauthenticated auth endpoints.
    pub rate_limit_auth_ip: Limit,
    /// Per account (tenant + email) on login and password reset.
    pub rate_limit_account: Limit,
    /// How many proxies in front of QHub append to `X-Forwarded-For`. The
    /// client IP is the entry that many places from the right (the address
    /// the outermost trusted proxy saw); entries further left are whatever
    /// the client claimed and are ignored. 0: use the TCP peer address.
    pub trusted_proxy_hops: usize,
    /// Lifetime of Redis cache entries (role, API key, tenant slug).
    pub cache_ttl: Duration,
    pub smtp_url: String,
    pub mail_from: String,
    /// Base URL of the web console, for links in mail.
    pub web_url: String,
    /// Origins whose browser code may call the API with credentials (CORS).
    /// Exact `scheme://host[:port]` values; never `*`, since the refresh
    /// cookie rides on these requests.
    pub cors_origins: Vec<String>,
    /// Mark the refresh cookie `Secure` (HTTPS only). On in production.
    pub cookie_secure: bool,
    /// Where app packages are stored, and how large they may be.
    pub packages: PackageConfig,
    pub invitation_ttl: Duration,
    /// How often the mail sender looks for due mail when not woken.
    pub outbox_poll: Duration,
    pub clickhouse: ChConfig,
    pub usage: UsageConfig,
    /// Job workers: how many run in this process, and their limits.
    pub jobs: crate::jobs::worker::JobsConfig,
    /// Run the subscription scheduler and the billing close in `serve` and
    /// `worker` (`SCHEDULERS`, default true; every replica may run them).
    pub schedulers: bool,
    /// How often the subscription scheduler looks for due subscriptions.
    pub subscription_poll: Duration,
    /// How long after a month ends its close waits for late usage events.
    pub billing_close_grace: Duration,
}

pub const DEFAULT_DATABASE_URL: &str = "postgres://qhub_owner:qhub_owner@127.0.0.1:5432/qhub";
pub const DEFAULT_APP_DATABASE_URL: &str = "postgres://qhub_app:qhub_app@127.0.0.1:5432/qhub";
pub const DEFAULT_CLICKHOUSE_URL: &str = "http://127.0.0.1:8123";
pub const DEFAULT_SMTP_URL: &str = "smtp://127.0.0.1:1025";
pub const DEFAULT_REDIS_URL: &str = "redis://127.0.0.1:6379/0";

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

fn parse_var<T: std::str::FromStr>(name: &str, default: T) -> anyhow::Result<T>
where
    T::Err: std::fmt::Display,
{
    match var(name) {
        None => Ok(default),
        Some(v) => v
            .parse()
            .map_err(|e| anyhow::anyhow!("{name}={v:?} is invalid: {e}")),
    }
}

impl Config {
    pub fn from_env() -> anyhow::Result<Config> {
        let production = var("QHUB_ENV").as_deref() == Some("production");
        let jwt_secret = match var("JWT_SECRET") {
            Some(s) if s.len() >= 32 => s.into_bytes(),
            Some(_) => bail!("JWT_SECRET must be at least 32 characters"),
            None if production => bail!("JWT_SECRET is required when QHUB_ENV=production"),
            None => {
                // Dev only: tokens die with the process, which is fine locally.
                let mut key = vec![0u8; 48];
                rand::thread_rng().fill_bytes(&mut key);
                tracing::warn!("JWT_SECRET not set: generated a random one for this process");
                key
            }
        };
        Ok(Config {
            production,
            bind_addr: parse_var("BIND_ADDR", SocketAddr::from(([127, 0, 0, 1], 8080)))?,
            database_url: var("DATABASE_URL").unwrap_or_else(|| DEFAULT_DATABASE_URL.into()),
            app_database_url: var("APP_DATABASE_URL")
                .unwrap_or_else(|| DEFAULT_APP_DATABASE_URL.into()),
            db_max_connections: parse_var("DB_MAX_CONNECTIONS", 32)?,
            redis_url: var("REDIS_URL").unwrap_or_else(|| DEFAULT_REDIS_URL.into()),
            jwt_secret,
            access_token_ttl: Duration::from_secs(parse_var("ACCESS_TOKEN_TTL_SECS", 900)?),
            refresh_token_ttl: Duration::from_secs(parse_var(
                "REFRESH_TOKEN_TTL_SECS",
                30 * 24 * 3600,
            )?),
            refresh_reuse_grace: Duration::from_secs(parse_var("REFRESH_REUSE_GRACE_SECS", 10)?),
            body_limit_bytes: parse_var("BODY_LIMIT_BYTES", 1024 * 1024)?,
            request_timeout: Duration::from_secs(parse_var("REQUEST_TIMEOUT_SECS", 30)?),
            body_read_timeout: Duration::from_secs(parse_var("BODY_READ_TIMEOUT_SECS", 10)?),
            log_json: log_json(),
            rate_limit_api: parse_var("RATE_LIMIT_API", Limit::per(1200, 60))?,
            rate_limit_auth_ip: parse_var("RATE_LIMIT_AUTH_IP", Limit::per(30, 60))?,
            rate_limit_account: parse_var("RATE_LIMIT_ACCOUNT", Limit::per(10, 900))?,
            trusted_proxy_hops: parse_var("TRUSTED_PROXY_HOPS", 0)?,
            cache_ttl: Duration::from_secs(parse_var("CACHE_TTL_SECS", 60)?),
            smtp_url: match var("SMTP_URL") {
                Some(url) => url,
                // The dev default is the local sink; production mail must be
                // configured, not silently sent nowhere.
                None if production => bail!("SMTP_URL is required when QHUB_ENV=production"),
                None => DEFAULT_SMTP_URL.into(),
            },
            mail_from: var("MAIL_FROM").unwrap_or_else(|| "QHub <no-reply@qhub.local>".into()),
            web_url: var("WEB_URL")
                .unwrap_or_else(|| "http://127.0.0.1:5173".into())
                .trim_end_matches('/')
                .to_owned(),
            cors_origins: Vec::new(),
            cookie_secure: parse_var("COOKIE_SECURE", production)?,
            invitation_ttl: Duration::from_secs(parse_var("INVITATION_TTL_SECS", 7 * 24 * 3600)?),
            outbox_poll: Duration::from_millis(parse_var("OUTBOX_POLL_MS", 1000)?),
            clickhouse: ChConfig {
                url: var("CLICKHOUSE_URL").unwrap_or_else(|| DEFAULT_CLICKHOUSE_URL.into()),
                database: var("CLICKHOUSE_DATABASE").unwrap_or_else(|| "qhub".into()),
                user: var("CLICKHOUSE_USER").unwrap_or_else(|| "default".into()),
                password: std::env::var("CLICKHOUSE_PASSWORD").unwrap_or_default(),
            },
            packages: PackageConfig {
                store: store_config()?,
                max_bytes: parse_var("PACKAGE_MAX_BYTES", 50 * 1024 * 1024)?,
                upload_timeout: Duration::from_secs(parse_var("PACKAGE_UPLOAD_TIMEOUT_SECS", 25)?),
            },
            usage: UsageConfig {
                batch_rows: parse_var("USAGE_BATCH_ROWS", 10_000)?,
                flush_interval: Duration::from_millis(parse_var("USAGE_FLUSH_MS", 1000)?),
                queue_capacity: parse_var("USAGE_QUEUE_CAPACITY", 100_000)?,
                spill_dir: var("USAGE_SPILL_DIR")
                    .unwrap_or_else(|| ".dev/usage-spill".into())
                    .into(),
                attempts: parse_var("USAGE_INSERT_ATTEMPTS", 3)?,
                retry_backoff: Duration::from_millis(parse_var("USAGE_RETRY_BACKOFF_MS", 200)?),
                probe_interval: Duration::from_millis(parse_var("USAGE_PROBE_MS", 1000)?),
            },
            jobs: crate::jobs::worker::JobsConfig {
                slots: parse_var("JOB_WORKER_SLOTS", 2)?,
                memory_bytes: parse_var("JOB_WORKER_MEMORY_BYTES", 2 * 1024 * 1024 * 1024)?,
                threads: parse_var(
                    "JOB_SIM_THREADS",
                    std::thread::available_parallelism().map_or(1, usize::from),
                )?,
                lease: Duration::from_millis(parse_var("JOB_LEASE_MS", 15_000)?),
                max_attempts: parse_var("JOB_MAX_ATTEMPTS", 3)?,
                poll: Duration::from_millis(parse_var("JOB_POLL_MS", 1000)?),
                max_gates: parse_var("JOB_MAX_GATES", 1_000_000)?,
            },
            schedulers: parse_var("SCHEDULERS", true)?,
            subscription_poll: Duration::from_millis(parse_var("SUBSCRIPTION_POLL_MS", 30_000)?),
            billing_close_grace: Duration::from_secs(parse_var("BILLING_CLOSE_GRACE_SECS", 3600)?),
        })
        .and_then(|mut c: Config| -> anyhow::Result<Config> {
            // The console's own origin is allowed unless a list is given.
            let origins = var("CORS_ORIGINS").unwrap_or_else(|| origin_of(&c.web_url));
            c.cors_origins = parse_origins(&origins)?;
            c.validate()?;
            Ok(c)
        })
        .context("configuration")
    }

    /// The rules a configuration must meet, whether read from the
    /// environment or built in code (tests build theirs).
    pub fn validate(&self) -> anyhow::Result<()> {
        if self.access_token_ttl.is_zero() || self.refresh_token_ttl < self.access_token_ttl {
            bail!("REFRESH_TOKEN_TTL_SECS must be at least ACCESS_TOKEN_TTL_SECS (> 0)");
        }
        if self.usage.batch_rows == 0 || self.usage.queue_capacity == 0 || self.usage.attempts == 0
        {
            bail!("USAGE_BATCH_ROWS, USAGE_QUEUE_CAPACITY and USAGE_INSERT_ATTEMPTS must be > 0");
        }
        if self.usage.flush_interval.is_zero() || self.usage.probe_interval.is_zero() {
            bail!("USAGE_FLUSH_MS and USAGE_PROBE_MS must be > 0");
        }
        if self.cache_ttl.is_zero() || self.invitation_ttl.is_zero() || self.outbox_poll.is_zero() {
            bail!("CACHE_TTL_SECS, INVITATION_TTL_SECS and OUTBOX_POLL_MS must be > 0");
        }
        if self.packages.upload_timeout.is_zero()
            || self.packages.upload_timeout >= self.request_timeout
        {
            bail!("PACKAGE_UPLOAD_TIMEOUT_SECS must be > 0 and below REQUEST_TIMEOUT_SECS");
        }
        self.jobs.validate()?;
        if self.body_read_timeout.is_zero() || self.body_read_timeout >= self.request_timeout {
            bail!("BODY_READ_TIMEOUT_SECS must be > 0 and below REQUEST_TIMEOUT_SECS");
        }
        Ok(())
    }
}

/// `OBJECT_STORE`: `file:<dir>` (default `file:.dev/objects`) or
/// `s3://<bucket>` with `S3_ENDPOINT` (an S3-compatible server; AWS when
/// unset), `S3_REGION` (default `us-east-1`) and the usual
/// `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY`.
fn store_config() -> anyhow::Result<StoreConfig> {
    let spec = var("OBJECT_STORE").unwrap_or_else(|| "file:.dev/objects".into());
    if let Some(dir) = spec.strip_prefix("file:") {
        if dir.is_empty() {
            bail!("OBJECT_STORE=file:<dir> needs a directory");
        }
        return Ok(StoreConfig::Local(dir.into()));
    }
    if let Some(bucket) = spec.strip_prefix("s3://") {
        if bucket.is_empty() || bucket.contains('/') {
            bail!("OBJECT_STORE=s3://<bucket> needs a bucket name");
        }
        return Ok(StoreConfig::S3 {
            bucket: bucket.to_owned(),
            endpoint: var("S3_ENDPOINT"),
            region: var("S3_REGION").unwrap_or_else(|| "us-east-1".into()),
            access_key_id: var("AWS_ACCESS_KEY_ID"),
            secret_access_key: var("AWS_SECRET_ACCESS_KEY"),
        });
    }
    bail!("OBJECT_STORE must be file:<dir> or s3://<bucket>")
}

/// `scheme://host[:port]` of a URL (the console's origin for CORS).
fn origin_of(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) => {
            let host = rest.split('/').next().unwrap_or_default();
            format!("{scheme}://{host}")
        }
        None => url.to_owned(),
    }
}

/// A comma-separated list of exact origins. Paths, wildcards and anything
/// but http(s) are refused at startup rather than silently never matching.
pub fn parse_origins(list: &str) -> anyhow::Result<Vec<String>> {
    let mut out = Vec::new();
    for o in list.split(',').map(str::trim).filter(|o| !o.is_empty()) {
        // As browsers send `Origin`: lowercase, no default port.
        let lower = o.trim_end_matches('/').to_ascii_lowercase();
        let o = lower
            .strip_suffix(":443")
            .filter(|o| o.starts_with("https://"))
            .or_else(|| {
                lower
                    .strip_suffix(":80")
                    .filter(|o| o.starts_with("http://"))
            })
            .unwrap_or(&lower);
        let rest = o
            .strip_prefix("https://")
            .or_else(|| o.strip_prefix("http://"));
        match rest {
            Some(host)
                if !host.is_empty()
                    && !host.contains(['/', '*', '?', '#', ' '])
                    && axum::http::HeaderValue::from_str(o).is_ok() =>
            {
                out.push(o.to_owned())
            }
            _ => bail!(
                "CORS_ORIGINS: {o:?} is not an origin like https://console.example.com (no path, no wildcard)"
            ),
        }
    }
    Ok(out)
}

/// `LOG_FORMAT=json`: read on its own so logging can start before the rest
/// of the configuration (whose warnings would otherwise be lost).
pub fn log_json() -> bool {
    var("LOG_FORMAT").as_deref() == Some("json")
}

/// Hides the password of a connection URL, for logs.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let creds = &url[scheme + 3..at];
            let user = creds.split(':').next().unwrap_or("");
            format!("{}{}:***{}", &url[..scheme + 3], user, &url[at..])
        }
        _ => url.to_owned(),
    }
}

// Secrets never reach a log line, even through `{:?}`.
impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("production", &self.production)
            .field("bind_addr", &self.bind_addr)
            .field("database_url", &redact_url(&self.database_url))
            .field("app_database_url", &redact_url(&self.app_database_url))
            .field("db_max_connections", &self.db_max_connections)
            .field("redis_url", &redact_url(&self.redis_url))
            .field("jwt_secret", &"***")
            .field("access_token_ttl", &self.access_token_ttl)
            .field("refresh_token_ttl", &self.refresh_token_ttl)
            .field("refresh_reuse_grace", &self.refresh_reuse_grace)
            .field("body_limit_bytes", &self.body_limit_bytes)
            .field("request_timeout", &self.request_timeout)
            .field("body_read_timeout", &self.body_read_timeout)
            .field("log_json", &self.log_json)
            .field("rate_limit_api", &self.rate_limit_api)
            .field("rate_limit_auth_ip", &self.rate_limit_auth_ip)
            .field("rate_limit_account", &self.rate_limit_account)
            .field("trusted_proxy_hops", &self.trusted_proxy_hops)
            .field("cache_ttl", &self.cache_ttl)
            .field("smtp_url", &redact_url(&self.smtp_url))
            .field("mail_from", &self.mail_from)
            .field("web_url", &self.web_url)
            .field("cors_origins", &self.cors_origins)
            .field("cookie_secure", &self.cookie_secure)
            .field("packages", &self.packages)
            .field("invitation_ttl", &self.invitation_ttl)
            .field("outbox_poll", &self.outbox_poll)
            .field("clickhouse_url", &redact_url(&self.clickhouse.url))
            .field("clickhouse_database", &self.clickhouse.database)
            .field("clickhouse_user", &self.clickhouse.user)
            .field("usage", &self.usage)
            .field("jobs", &self.jobs)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_passwords() {
        assert_eq!(
            redact_url("postgres://qhub_app:s3cret@db:5432/qhub"),
            "postgres://qhub_app:***@db:5432/qhub"
        );
        assert_eq!(
            redact_url("redis://127.0.0.1:6379/0"),
            "redis://127.0.0.1:6379/0"
        );
    }

    #[test]
    fn origins_are_exact() -> anyhow::Result<()> {
        assert_eq!(
            parse_origins("http://127.0.0.1:5173, https://console.example.com/")?,
            vec!["http://127.0.0.1:5173", "https://console.example.com"]
        );
        // Written as a browser would send it.
        assert_eq!(
            parse_origins(
                "HTTPS://Console.Example.com:443, http://a.test:80, https://b.test:8443"
            )?,
            vec![
                "https://console.example.com",
                "http://a.test",
                "https://b.test:8443"
            ]
        );
        for bad in [
            "*",
            "https://*.example.com",
            "console.example.com",
            "https://a.com/app",
            "ftp://a.com",
        ] {
            assert!(parse_origins(bad).is_err(), "{bad} accepted");
        }
        assert_eq!(
            origin_of("http://127.0.0.1:5173/console/"),
            "http://127.0.0.1:5173"
        );
        Ok(())
    }
}

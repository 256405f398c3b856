//! Test harness: a real QHub server on an ephemeral port, talking to the real
//! Postgres (`qhub_test`, as the restricted app role) and Redis.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::time::Duration;

use qhub_core::apps::storage::{PackageConfig, StoreConfig};
use qhub_core::config::Config;
use qhub_core::metering::ch::ChConfig;
use qhub_core::metering::UsageConfig;
use qhub_core::ratelimit::Limit;
use qhub_core::state::AppState;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use sqlx::PgPool;
use uuid::Uuid;

pub fn env_or(name: &str, default: &str) -> String {
    std::env::var(name)
        .ok()
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| default.to_owned())
}

pub fn app_db_url() -> String {
    env_or(
        "TEST_APP_DATABASE_URL",
        "postgres://qhub_app:qhub_app@127.0.0.1:5432/qhub_test",
    )
}

pub fn owner_db_url() -> String {
    env_or(
        "TEST_DATABASE_URL",
        "postgres://qhub_owner:qhub_owner@127.0.0.1:5432/qhub_test",
    )
}

pub fn test_config() -> Config {
    Config {
        production: false,
        bind_addr: SocketAddr::from(([127, 0, 0, 1], 0)),
        database_url: owner_db_url(),
        app_database_url: app_db_url(),
        db_max_connections: 8,
        redis_url: env_or("TEST_REDIS_URL", "redis://127.0.0.1:6379/1"),
        jwt_secret: b"test-secret-test-secret-test-secret-0123".to_vec(),
        access_token_ttl: Duration::from_secs(900),
        refresh_token_ttl: Duration::from_secs(3600),
        refresh_reuse_grace: Duration::from_secs(10),
        body_limit_bytes: 64 * 1024,
        request_timeout: Duration::from_secs(30),
        body_read_timeout: Duration::from_secs(10),
        log_json: false,
        // Generous: tests share one client IP and one Redis. The rate-limit
        // tests set their own small limits on their own identities.
        rate_limit_api: Limit::per(100_000, 60),
        rate_limit_auth_ip: Limit::per(100_000, 60),
        rate_limit_account: Limit::per(100_000, 60),
        trusted_proxy_hops: 0,
        cache_ttl: Duration::from_secs(60),
        smtp_url: format!("smtp://127.0.0.1:{}", smtp_port()),
        mail_from: "QHub Test <no-reply@qhub.test>".into(),
        web_url: "http://console.test".into(),
        cors_origins: vec!["http://console.test".into()],
        cookie_secure: false,
        // Each server its own directory (tests that need S3 set theirs).
        packages: PackageConfig {
            store: StoreConfig::Local(
                std::env::temp_dir().join(format!("qhub-objects-{}", Uuid::new_v4().simple())),
            ),
            max_bytes: 50 * 1024 * 1024,
            upload_timeout: Duration::from_secs(25),
        },
        invitation_ttl: Duration::from_secs(7 * 24 * 3600),
        outbox_poll: Duration::from_millis(200),
        clickhouse: clickhouse_config(),
        usage: UsageConfig {
            batch_rows: 1000,
            flush_interval: Duration::from_millis(100),
            queue_capacity: 10_000,
            // Each server its own spill: replicas never share one.
            spill_dir: std::env::temp_dir().join(format!("qhub-spill-{}", Uuid::new_v4().simple())),
            attempts: 3,
            retry_backoff: Duration::from_millis(50),
            probe_interval: Duration::from_millis(200),
        },
        // No job workers unless a test starts them (tests/jobs.rs).
        jobs: qhub_core::jobs::worker::JobsConfig {
            slots: 0,
            memory_bytes: 2 * 1024 * 1024 * 1024,
            threads: 2,
            lease: Duration::from_millis(3000),
            max_attempts: 3,
            poll: Duration::from_millis(200),
            max_gates: 1_000_000,
        },
        // Tests drive the subscription scheduler and the close themselves.
        schedulers: false,
        subscription_poll: Duration::from_secs(30),
        billing_close_grace: Duration::from_secs(3600),
    }
}

pub fn clickhouse_config() -> ChConfig {
    ChConfig {
        url: env_or("TEST_CLICKHOUSE_URL", "http://127.0.0.1:8123"),
        database: env_or("TEST_CLICKHOUSE_DATABASE", "qhub_test"),
        user: "default".into(),
        password: String::new(),
    }
}

pub fn smtp_port() -> u16 {
    env_or("TEST_SMTP_PORT", "2526")
        .parse()
        .expect("TEST_SMTP_PORT")
}

pub fn mail_dir() -> std::path::PathBuf {
    env_or("TEST_MAIL_DIR", "/tmp/qhub-test-mail").into()
}

/// Starts the SMTP sink (a real SMTP server process) unless it runs already.
pub fn ensure_mail_sink() {
    static STARTED: std::sync::Once = std::sync::Once::new();
    STARTED.call_once(|| {
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
        let status = std::process::Command::new("bash")
            .arg(format!("{root}/scripts/smtp_sink.sh"))
            .arg(smtp_port().to_string())
            .arg(mail_dir())
            .status()
            .expect("run smtp_sink.sh");
        assert!(status.success(), "SMTP sink did not start");
    });
}

/// Waits for a delivered message to `to` whose subject contains
/// `subject`; returns it as {from, to, subject, body}.
pub async fn wait_for_mail(to: &str, subject: &str) -> Value {
    ensure_mail_sink();
    for _ in 0..150 {
        if let Some(m) = mails_to(to)
            .into_iter()
            .rfind(|m| m["subject"].as_str().is_some_and(|s| s.contains(subject)))
        {
            return m;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("no mail to {to} with subject containing {subject:?} within 15 s");
}

/// All messages delivered to `to` so far, oldest first.
pub fn mails_to(to: &str) -> Vec<Value> {
    let to = to.to_lowercase();
    let mut paths: Vec<_> = std::fs::read_dir(mail_dir())
        .map(|entries| {
            entries
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "json"))
                .collect()
        })
        .unwrap_or_default();
    paths.sort();
    paths
        .into_iter()
        .filter_map(|p| std::fs::read(p).ok())
        .filter_map(|b| serde_json::from_slice::<Value>(&b).ok())
        .filter(|m| {
            m["to"]
                .as_array()
                .is_some_and(|t| t.iter().any(|a| a == &to))
        })
        .collect()
}

/// The `qhub` binary set up against the test services, with generous
/// limits and the test SMTP sink (its mail sender shares the test outbox,
/// so it must deliver where every other test server does).
pub fn qhub_command(port: u16) -> std::process::Command {
    let mut cmd = qhub_binary("serve");
    cmd.env("BIND_ADDR", format!("127.0.0.1:{port}"));
    cmd
}

/// `qhub <subcommand>` with the test services' settings.
pub fn qhub_binary(subcommand: &str) -> std::process::Command {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_qhub"));
    cmd.arg(subcommand)
        .env("APP_DATABASE_URL", app_db_url())
        .env("DATABASE_URL", owner_db_url())
        .env(
            "REDIS_URL",
            env_or("TEST_REDIS_URL", "redis://127.0.0.1:6379/1"),
        )
        // The harness's secret: tokens it issues work in the binary too.
        .env("JWT_SECRET", "test-secret-test-secret-test-secret-0123")
        .env("SMTP_URL", format!("smtp://127.0.0.1:{}", smtp_port()))
        .env("RATE_LIMIT_AUTH_IP", "100000/60")
        .env("RATE_LIMIT_ACCOUNT", "100000/60")
        .env("CLICKHOUSE_URL", clickhouse_config().url)
        .env("CLICKHOUSE_DATABASE", clickhouse_config().database)
        // No job workers: the job tests start their own (tests/jobs.rs).
        .env("JOB_WORKER_SLOTS", "0")
        .env(
            "USAGE_SPILL_DIR",
            std::env::temp_dir().join(format!("qhub-spill-{}", Uuid::new_v4().simple())),
        );
    cmd
}

/// A spec path with a fresh UUID for every `{parameter}`.
pub fn concrete_path(path: &str) -> String {
    let mut out = String::new();
    let mut rest = path;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let end = rest[start..]
            .find('}')
            .map_or(rest.len(), |e| start + e + 1);
        out.push_str(&Uuid::now_v7().to_string());
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

/// The token a QHub mail carries (its `Token: …` line).
pub fn token_in(mail: &Value) -> String {
    let body = mail["body"].as_str().expect("mail body");
    body.lines()
        .find_map(|l| l.trim().strip_prefix("Token: "))
        .expect("a Token: line")
        .trim()
        .to_owned()
}

/// A pool of the owner role (bypasses nothing: RLS is forced; used for
/// checks that need to see rows directly, with a tenant set).
pub async fn owner_pool() -> PgPool {
    sqlx::postgres::PgPoolOptions::new()
        .max_connections(2)
        .connect(&owner_db_url())
        .await
        .expect("owner pool")
}

/// A transaction inside one organization: RLS is forced even for the
/// owner role, so fixtures that write or read tenant rows directly name the
/// tenant they act as (the setting ends with the transaction).
pub async fn as_tenant(pool: &PgPool, tenant: Uuid) -> sqlx::Transaction<'static, sqlx::Postgres> {
    let mut tx = pool.begin().await.expect("begin");
    sqlx::query("SELECT set_config('app.tenant_id', $1, true)")
        .bind(tenant.to_string())
        .execute(&mut *tx)
        .await
        .expect("set tenant");
    tx
}

/// Waits (up to 10 s) for the caller's one notification of `kind` whose
/// `data.<field>` is `value`: some are written just after what they tell
/// of (a job's end, with its usage). Fails on a second one.
pub async fn wait_for_notification(
    app: &TestApp,
    token: &str,
    kind: &str,
    field: &str,
    value: &str,
) -> Value {
    let start = std::time::Instant::now();
    loop {
        let notes = app.get("/v1/notifications?limit=200", token).await;
        let found: Vec<Value> = notes.ok(200)["items"]
            .as_array()
            .expect("items")
            .iter()
            .filter(|n| n["type"] == kind && n["data"][field] == value)
            .cloned()
            .collect();
        assert!(found.len() <= 1, "{kind} twice: {found:?}");
        if let Some(n) = found.into_iter().next() {
            return n;
        }
        assert!(
            start.elapsed() < std::time::Duration::from_secs(10),
            "no {kind} for {field} {value}: {}",
            notes.body
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

pub struct TestApp {
    pub base: String,
    pub http: reqwest::Client,
    pub state: AppState,
}

/// A signed-up tenant and its owner's credentials.
#[derive(Debug, Clone)]
pub struct Tenant {
    pub id: Uuid,
    pub slug: String,
    pub owner_id: Uuid,
    pub owner_email: String,
    pub password: String,
    pub access: String,
    pub refresh: String,
}

pub struct Resp {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

impl Resp {
    /// Asserts a problem+json error with the given status and code.
    pub fn problem(&self, status: u16, code: &str) -> &Self {
        assert_eq!(self.status.as_u16(), status, "body: {}", self.body);
        let ct = self
            .headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        assert_eq!(ct, "application/problem+json", "body: {}", self.body);
        assert_eq!(self.body["code"], code, "body: {}", self.body);
        assert_eq!(self.body["status"], status);
        assert!(self.body["title"].is_string() && self.body["detail"].is_string());
        self
    }

    pub fn ok(&self, status: u16) -> &Value {
        assert_eq!(self.status.as_u16(), status, "body: {}", self.body);
        &self.body
    }
}

pub fn unique(prefix: &str) -> String {
    format!("{prefix}-{}", &Uuid::new_v4().simple().to_string()[..12])
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        Self::spawn_with(test_config()).await
    }

    pub async fn spawn_with(config: Config) -> TestApp {
        // Tests run only configurations the server would start with.
        config
            .validate()
            .expect("a configuration the server accepts");
        qhub_core::telemetry::init(false);
        let state = AppState::connect(config).await.expect("state");
        // Job workers in this server when the config asks for them.
        qhub_core::jobs::worker::start(state.clone()).expect("job workers");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let st = state.clone();
        tokio::spawn(async move {
            let _ = qhub_core::app::serve(listener, st).await;
        });
        TestApp {
            base: format!("http://{addr}"),
            http: reqwest::Client::new(),
            state,
        }
    }

    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Resp {
        let mut req = self.http.request(method, format!("{}{}", self.base, path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req.send().await.expect("request");
        Self::read(res).await
    }

    pub async fn read(res: reqwest::Response) -> Resp {
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = res.bytes().await.expect("body");
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into()))
        };
        Resp {
            status,
            headers,
            body,
        }
    }

    pub async fn get(&self, path: &str, token: &str) -> Resp {
        self.call(Method::GET, path, Some(token), None).await
    }
    pub async fn post(&self, path: &str, token: Option<&str>, body: Value) -> Resp {
        self.call(Method::POST, path, token, Some(body)).await
    }
    pub async fn patch(&self, path: &str, token: &str, body: Value) -> Resp {
        self.call(Method::PATCH, path, Some(token), Some(body))
            .await
    }
    pub async fn delete(&self, path: &str, token: &str) -> Resp {
        self.call(Method::DELETE, path, Some(token), None).await
    }

    /// The same POST `n` times at once, each on its own task: (status, body) of each.
    pub async fn many(&self, n: usize, path: &str, token: Option<&str>, body: Value) -> Vec<Resp> {
        let mut set = tokio::task::JoinSet::new();
        for _ in 0..n {
            let mut req = self.http.post(format!("{}{}", self.base, path)).json(&body);
            if let Some(t) = token {
                req = req.bearer_auth(t);
            }
            set.spawn(async move { Self::read(req.send().await.expect("request")).await });
        }
        set.join_all().await
    }

    /// Sends a raw body with an explicit content type.
    pub async fn raw(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        content_type: Option<&str>,
        body: impl Into<reqwest::Body>,
    ) -> Resp {
        let mut req = self
            .http
            .request(method, format!("{}{}", self.base, path))
            .body(body);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(ct) = content_type {
            req = req.header("content-type", ct);
        }
        Self::read(req.send().await.expect("request")).await
    }

    pub async fn signup(&self) -> Tenant {
        let slug = unique("t");
        let email = format!("owner@{slug}.test");
        let password = "correct horse battery".to_owned();
        let r = self
            .post(
                "/v1/tenants",
                None,
                json!({
                    "name": format!("Org {slug}"),
                    "slug": slug,
                    "owner_email": email,
                    "owner_password": password,
                    "owner_name": "Owner",
                }),
            )
            .await;
        let b = r.ok(201);
        Tenant {
            id: b["tenant"]["id"].as_str().unwrap().parse().unwrap(),
            slug,
            owner_id: b["user"]["id"].as_str().unwrap().parse().unwrap(),
            owner_email: email,
            password,
            access: b["access_token"].as_str().unwrap().to_owned(),
            refresh: b["refresh_token"].as_str().unwrap().to_owned(),
        }
    }

    /// Creates a user with `role` in `t` and logs them in: (user id, access token).
    pub async fn user_with_role(&self, t: &Tenant, role: &str) -> (Uuid, String, String) {
        let email = format!("{}@{}.test", unique(role), t.slug);
        let r = self
            .post(
                "/v1/users",
                Some(&t.access),
                json!({"email": email, "name": role, "password": "plum orchard lantern", "role": role}),
            )
            .await;
        let id: Uuid = r.ok(201)["id"].as_str().unwrap().parse().unwrap();
        let tokens = self.login(&t.slug, &email, "plum orchard lantern").await;
        (id, tokens.0, email)
    }

    pub async fn try_login(&self, slug: &str, email: &str, password: &str) -> Resp {
        self.post(
            "/v1/auth/login",
            None,
            json!({"tenant": slug, "email": email, "password": password}),
        )
        .await
    }

    pub async fn try_refresh(&self, refresh_token: &str) -> Resp {
        self.post(
            "/v1/auth/refresh",
            None,
            json!({"refresh_token": refresh_token}),
        )
        .await
    }

    /// (access, refresh)
    pub async fn login(&self, slug: &str, email: &str, password: &str) -> (String, String) {
        let r = self.try_login(slug, email, password).await;
        let b = r.ok(200);
        (
            b["access_token"].as_str().unwrap().to_owned(),
            b["refresh_token"].as_str().unwrap().to_owned(),
        )
    }

    /// Creates an API key with `scopes` as the holder of `token`: (id, key).
    pub async fn api_key(&self, token: &str, scopes: &[&str]) -> (Uuid, String) {
        let r = self
            .post(
                "/v1/api-keys",
                Some(token),
                json!({"name": unique("key"), "scopes": scopes}),
            )
            .await;
        let b = r.ok(201);
        (
            b["id"].as_str().unwrap().parse().unwrap(),
            b["key"].as_str().unwrap().to_owned(),
        )
    }

    /// A request authenticated with `X-API-Key`.
    pub async fn with_key(
        &self,
        method: Method,
        path: &str,
        key: &str,
        body: Option<Value>,
    ) -> Resp {
        let mut req = self
            .http
            .request(method, format!("{}{}", self.base, path))
            .header("x-api-key", key);
        if let Some(b) = body {
            req = req.json(&b);
        }
        Self::read(req.send().await.expect("request")).await
    }

    /// The tenant's audit events with `action` (newest first), as its owner sees them.
    pub async fn audit(&self, t: &Tenant, action: &str) -> Vec<Value> {
        let r = self
            .get(
                &format!("/v1/audit-events?limit=200&action={action}"),
                &t.access,
            )
            .await;
        r.ok(200)["items"].as_array().unwrap().clone()
    }

    pub async fn user_count(&self, token: &str) -> usize {
        let r = self.get("/v1/users?limit=200", token).await;
        r.ok(200)["items"].as_array().unwrap().len()
    }
}

/// A pool of the server's restricted role, for SQL-level checks.
pub async fn app_pool(max: u32) -> PgPool {
    sqlx::postgres::PgPoolOptions::new()
        .max_connections(max)
        .connect(&app_db_url())
        .await
        .expect("app pool")
}

/// Invites a fresh address to `t` as `role` with `token`: (invitation id, email).
pub async fn invite(app: &TestApp, t: &Tenant, token: &str, role: &str) -> (Uuid, String) {
    let email = format!("{}@{}.test", unique("inv"), t.slug);
    let r = app
        .post(
            "/v1/invitations",
            Some(token),
            json!({"email": email, "role": role}),
        )
        .await;
    let b = r.ok(201);
    assert_eq!(b["status"], "pending");
    assert_eq!(b["role"], role);
    (b["id"].as_str().unwrap().parse().unwrap(), email)
}

/// Accepts an invitation with `token` as a new person.
pub async fn accept_invitation(app: &TestApp, token: &str) -> Resp {
    app.post(
        "/v1/invitations/accept",
        None,
        json!({"token": token, "name": "Invited Person", "password": "invited-pass-1"}),
    )
    .await
}

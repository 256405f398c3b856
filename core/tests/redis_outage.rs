//! Redis stopped mid-test: the server answers 503 problem+json fast, reports
//! it in /health/ready, and recovers by itself once Redis is back.
//!
//! Uses its own redis-server process on a free port (the shared one must
//! keep running for the other tests), with an append-only file so the
//! restarted server has the same sessions.

mod common;

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{test_config, Resp, TestApp};
use reqwest::Method;
use serde_json::json;

struct OwnRedis {
    port: u16,
    dir: std::path::PathBuf,
    child: Option<Child>,
}

impl OwnRedis {
    fn start() -> OwnRedis {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let dir = std::env::temp_dir().join(format!("qhub-redis-{port}"));
        std::fs::create_dir_all(&dir).unwrap();
        let mut r = OwnRedis {
            port,
            dir,
            child: None,
        };
        r.spawn();
        r
    }

    fn spawn(&mut self) {
        let child = Command::new("redis-server")
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1"])
            .args([
                "--save",
                "",
                "--appendonly",
                "yes",
                "--appendfsync",
                "always",
            ])
            .arg("--dir")
            .arg(&self.dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server (installed by scripts/services.sh)");
        self.child = Some(child);
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("redis-server did not start on {}", self.port);
    }

    fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

impl Drop for OwnRedis {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Counts a tenant's users straight from Postgres (no Redis involved).
async fn users_in(tenant: uuid::Uuid) -> i64 {
    let pool = common::owner_pool().await;
    let mut tx = qhub_core::tenancy::as_tenant(&pool, tenant, None)
        .await
        .unwrap();
    sqlx::query_scalar("SELECT count(*) FROM users")
        .fetch_one(&mut *tx)
        .await
        .unwrap()
}

/// Runs a request and checks it came back quickly (no hang).
async fn timed<F: std::future::Future<Output = Resp>>(f: F) -> Resp {
    let started = Instant::now();
    let r = f.await;
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "took {:?}",
        started.elapsed()
    );
    r
}

#[tokio::test]
async fn redis_down_is_503_fast_and_recovers_without_restart() {
    let mut redis = OwnRedis::start();
    let mut config = test_config();
    config.redis_url = format!("redis://127.0.0.1:{}/0", redis.port);
    let app = TestApp::spawn_with(config).await;
    let t = app.signup().await;
    let (_, key) = app.api_key(&t.access, &["users:read"]).await;
    app.get("/v1/users", &t.access).await.ok(200);
    app.get("/v1/users", &key).await.ok(200);

    redis.stop();

    // Sessions, API keys (decided: no Postgres fallback, see docs/api.md),
    // login and signup all need Redis: 503 problem+json, quickly.
    let r = timed(app.get("/v1/users", &t.access)).await;
    r.problem(503, "service_unavailable");
    assert!(r.body["detail"].as_str().unwrap().contains("redis"));
    timed(app.get("/v1/users", &key))
        .await
        .problem(503, "service_unavailable");
    timed(app.with_key(Method::GET, "/v1/users", &key, None))
        .await
        .problem(503, "service_unavailable");
    timed(app.try_login(&t.slug, &t.owner_email, &t.password))
        .await
        .problem(503, "service_unavailable");
    let before = users_in(t.id).await;
    timed(app.post(
        "/v1/users",
        Some(&t.access),
        json!({"email": "new@x.test", "name": "N", "password": "plum orchard lantern", "role": "viewer"}),
    ))
    .await
    .problem(503, "service_unavailable");
    let r = timed(app.call(Method::GET, "/health/ready", None, None)).await;
    assert_eq!(r.status.as_u16(), 503);
    assert_eq!(r.body["checks"]["redis"], "down");
    assert_eq!(r.body["checks"]["postgres"], "ok");
    // Liveness is unaffected: the process is fine, a dependency is not.
    let r = app.call(Method::GET, "/health/live", None, None).await;
    r.ok(200);

    redis.spawn();

    // Recovers by itself: no restart of QHub.
    let mut ready = false;
    for _ in 0..50 {
        let r = app.call(Method::GET, "/health/ready", None, None).await;
        if r.status.as_u16() == 200 {
            ready = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(ready, "/health/ready never recovered");
    let mut ok = false;
    for _ in 0..30 {
        if app.get("/v1/users", &t.access).await.status.as_u16() == 200 {
            ok = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(ok, "authenticated requests never recovered");
    app.get("/v1/users", &key).await.ok(200);
    app.login(&t.slug, &t.owner_email, &t.password).await;
    // Nothing was created while Redis was down.
    assert_eq!(users_in(t.id).await, before);
}

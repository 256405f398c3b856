//! HTTP conventions: request ids, problem+json for every error, health.

mod common;

use common::TestApp;
use reqwest::Method;

#[tokio::test]
async fn request_id_is_generated_or_kept_if_sane() {
    let app = TestApp::spawn().await;
    let r = app
        .http
        .get(format!("{}/health/live", app.base))
        .send()
        .await
        .unwrap();
    let generated = r.headers()["x-request-id"].to_str().unwrap().to_owned();
    assert!(uuid::Uuid::try_parse(&generated).is_ok());

    let r = app
        .http
        .get(format!("{}/health/live", app.base))
        .header("x-request-id", "client-req-42")
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["x-request-id"], "client-req-42");

    // An insane one (too long, odd characters) is replaced.
    let r = app
        .http
        .get(format!("{}/v1/nowhere", app.base))
        .header("x-request-id", "a b<script>")
        .send()
        .await
        .unwrap();
    let id = r.headers()["x-request-id"].to_str().unwrap().to_owned();
    assert!(uuid::Uuid::try_parse(&id).is_ok(), "{id}");
    let long = "x".repeat(300);
    let r = app
        .http
        .get(format!("{}/health/live", app.base))
        .header("x-request-id", &long)
        .send()
        .await
        .unwrap();
    assert_ne!(r.headers()["x-request-id"], long.as_str());
}

#[tokio::test]
async fn unknown_routes_and_methods_are_problem_json() {
    let app = TestApp::spawn().await;
    app.call(Method::GET, "/v1/nowhere", None, None)
        .await
        .problem(404, "not_found");
    let r = app.call(Method::PUT, "/v1/tenant", None, None).await;
    r.problem(405, "method_not_allowed");
    assert!(r.headers.contains_key("allow"));
}

#[tokio::test]
async fn health_reports_dependencies() {
    let app = TestApp::spawn().await;
    let r = app.call(Method::GET, "/health/ready", None, None).await;
    let b = r.ok(200);
    assert_eq!(b["status"], "ok");
    assert_eq!(b["checks"]["postgres"], "ok");
    assert_eq!(b["checks"]["redis"], "ok");

    // A server whose Redis is unreachable is not ready, and says which.
    let mut config = common::test_config();
    config.redis_url = "redis://127.0.0.1:1/0".into();
    let broken = TestApp::spawn_with(config).await;
    let r = broken.call(Method::GET, "/health/ready", None, None).await;
    assert_eq!(r.status.as_u16(), 503);
    assert_eq!(r.body["status"], "unavailable");
    assert_eq!(r.body["checks"]["postgres"], "ok");
    assert!(r.body["checks"]["redis"]
        .as_str()
        .unwrap()
        .starts_with("down"));
    // Requests that need Redis fail fast with 503 problem+json, not 500,
    // naming the dependency but not its address or error text.
    let r = broken
        .post(
            "/v1/auth/refresh",
            None,
            serde_json::json!({"refresh_token": format!("{}.{}", uuid::Uuid::now_v7().simple(), "a".repeat(43))}),
        )
        .await;
    r.problem(503, "service_unavailable");
    let detail = r.body["detail"].as_str().unwrap();
    assert!(detail.contains("redis"), "{detail}");
    assert!(
        !detail.contains("127.0.0.1") && !detail.to_lowercase().contains("refused"),
        "{detail}"
    );
}

#[tokio::test]
async fn slow_request_bodies_get_408_without_holding_a_connection() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut config = common::test_config();
    config.body_read_timeout = std::time::Duration::from_millis(500);
    // A one-connection pool: if a trickling body held it, the second
    // request below would wait for the pool and fail.
    config.db_max_connections = 1;
    let app = TestApp::spawn_with(config).await;
    let t = app.signup().await;

    let addr = app.base.trim_start_matches("http://").to_owned();
    let mut slow = tokio::net::TcpStream::connect(&addr).await.unwrap();
    // PATCH /v1/users/{id} takes TenantCtx (a pooled connection) and a body.
    let head = format!(
        "PATCH /v1/users/{} HTTP/1.1\r\nhost: x\r\nauthorization: Bearer {}\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{{\"name\":",
        t.owner_id, t.access
    );
    slow.write_all(head.as_bytes()).await.unwrap();

    // Meanwhile the pool's only connection is free for others.
    let me = app.get("/v1/auth/me", &t.access).await;
    assert_eq!(me.ok(200)["user"]["id"], t.owner_id.to_string());

    let mut buf = Vec::new();
    slow.read_to_end(&mut buf).await.unwrap();
    let text = String::from_utf8_lossy(&buf);
    assert!(text.starts_with("HTTP/1.1 408"), "{text}");
    assert!(
        text.contains("application/problem+json") && text.contains("request_timeout"),
        "{text}"
    );
    let me = app.get("/v1/auth/me", &t.access).await;
    assert_eq!(me.ok(200)["user"]["name"], "Owner");
}

#[tokio::test]
async fn handler_timeout_is_503_problem_json() {
    // A configuration the server accepts (the body read ends before the
    // request deadline), with a short deadline.
    let mut config = common::test_config();
    config.request_timeout = std::time::Duration::from_secs(2);
    config.body_read_timeout = std::time::Duration::from_secs(1);
    config.packages.upload_timeout = std::time::Duration::from_secs(1);
    config
        .validate()
        .expect("the server accepts this configuration");
    let app = TestApp::spawn_with(config).await;
    let t = app.signup().await;
    // A slow handler: the tenant's row is locked by another transaction,
    // so the settings update waits inside the handler, past the deadline.
    let pool = common::owner_pool().await;
    let mut blocker = pool.begin().await.unwrap();
    sqlx::query("SELECT set_config('app.tenant_id', $1, true)")
        .bind(t.id.to_string())
        .execute(&mut *blocker)
        .await
        .unwrap();
    let locked = sqlx::query("SELECT id FROM tenants FOR UPDATE")
        .fetch_all(&mut *blocker)
        .await
        .unwrap();
    assert_eq!(locked.len(), 1);
    let started = std::time::Instant::now();
    let r = app
        .patch(
            "/v1/tenant",
            &t.access,
            serde_json::json!({"name": "Renamed"}),
        )
        .await;
    r.problem(503, "timeout");
    assert!(started.elapsed() >= std::time::Duration::from_secs(2));
    blocker.rollback().await.unwrap();
    // Abandoned means rolled back: the name did not change.
    let tenant = app.get("/v1/tenant", &t.access).await;
    assert_ne!(tenant.ok(200)["name"], "Renamed");
}

#[tokio::test]
async fn oversized_declared_length_is_refused_up_front() {
    use tokio::io::AsyncWriteExt;
    let app = TestApp::spawn().await;
    let addr = app.base.trim_start_matches("http://").to_owned();
    let mut s = tokio::net::TcpStream::connect(&addr).await.unwrap();
    // Claims 10 MiB but sends nothing: answered at once, not after a read.
    s.write_all(
        b"POST /v1/tenants HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 10485760\r\n\r\n",
    )
    .await
    .unwrap();
    let mut buf = vec![0u8; 4096];
    let n = slow_read(&mut s, &mut buf).await;
    let text = String::from_utf8_lossy(&buf[..n]);
    assert!(text.starts_with("HTTP/1.1 413"), "{text}");
    assert!(text.contains("payload_too_large"), "{text}");
}

async fn slow_read(s: &mut tokio::net::TcpStream, buf: &mut [u8]) -> usize {
    use tokio::io::AsyncReadExt;
    tokio::time::timeout(std::time::Duration::from_secs(5), s.read(buf))
        .await
        .expect("no answer within 5 s (the default body read timeout is 10 s)")
        .unwrap()
}

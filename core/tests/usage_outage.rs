//! ClickHouse outages lose no usage: events spill to disk and replay
//! exactly once, in a running server and across a SIGTERM restart.
//!
//! Each test runs its own ClickHouse server (scripts/clickhouse.sh on free
//! ports, data in a temporary directory) so it can stop it without
//! touching the shared one.

mod common;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use clickhouse::Row;
use common::{test_config, TestApp};
use qhub_core::metering::ch::{self, ChConfig};
use serde::Deserialize;
use uuid::Uuid;

struct PrivateClickHouse {
    http: u16,
    tcp: u16,
    dir: PathBuf,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl PrivateClickHouse {
    fn new() -> Self {
        let dir = std::env::temp_dir().join(format!("qhub-ch-{}", Uuid::new_v4().simple()));
        let ch = PrivateClickHouse {
            http: free_port(),
            tcp: free_port(),
            dir,
        };
        ch.run("start");
        ch
    }

    fn run(&self, action: &str) {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../scripts/clickhouse.sh");
        let ok = Command::new("bash")
            .arg(script)
            .arg(action)
            .env("CLICKHOUSE_HTTP_PORT", self.http.to_string())
            .env("CLICKHOUSE_TCP_PORT", self.tcp.to_string())
            .env("CLICKHOUSE_DIR", &self.dir)
            .status()
            .unwrap()
            .success();
        assert!(ok, "clickhouse.sh {action} failed");
    }

    fn config(&self) -> ChConfig {
        ChConfig {
            url: format!("http://127.0.0.1:{}", self.http),
            database: "qhub_outage".into(),
            user: "default".into(),
            password: String::new(),
        }
    }
}

impl Drop for PrivateClickHouse {
    fn drop(&mut self) {
        self.run("stop");
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[derive(Row, Deserialize)]
struct Counts {
    rows: u64,
    distinct: u64,
}

/// Raw rows and distinct events of a tenant (no FINAL: duplicates would show).
async fn stored(config: &ChConfig, tenant: Uuid) -> (u64, u64) {
    let c = ch::client(config)
        .query("SELECT count() AS rows, uniqExact(event_id) AS distinct FROM usage_events WHERE tenant_id = toUUID(?)")
        .bind(tenant.to_string())
        .fetch_one::<Counts>()
        .await
        .unwrap();
    (c.rows, c.distinct)
}

async fn wait_stored(config: &ChConfig, tenant: Uuid, want: u64) -> (u64, u64) {
    let mut last = (0, 0);
    for _ in 0..150 {
        last = stored(config, tenant).await;
        if last.1 >= want {
            // A little longer: a duplicate would arrive with the replay.
            tokio::time::sleep(Duration::from_millis(300)).await;
            return stored(config, tenant).await;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("only {last:?} of {want} events arrived");
}

fn segments(dir: &Path) -> usize {
    std::fs::read_dir(dir)
        .map(|d| {
            d.filter_map(Result::ok)
                .filter(|e| e.file_name().to_string_lossy().starts_with("seg-"))
                .count()
        })
        .unwrap_or(0)
}

#[tokio::test]
async fn a_clickhouse_outage_loses_and_duplicates_nothing() {
    let ch = PrivateClickHouse::new();
    ch::migrate(&ch.config()).await.unwrap();
    let mut config = test_config();
    config.clickhouse = ch.config();
    let spill_dir = config.usage.spill_dir.clone();
    let app = TestApp::spawn_with(config).await;
    let t = app.signup().await;

    for _ in 0..5 {
        app.get("/v1/tenant", &t.access).await.ok(200);
    }
    assert_eq!(wait_stored(&ch.config(), t.id, 5).await, (5, 5));

    ch.run("stop");
    // The API keeps serving while ClickHouse is down; readiness says so.
    // Job-style events of another kind go the same way.
    for _ in 0..20 {
        app.get("/v1/tenant", &t.access).await.ok(200);
    }
    for _ in 0..10 {
        app.state.usage.record(job(&t));
    }
    let r = app
        .call(reqwest::Method::GET, "/health/ready", None, None)
        .await;
    assert_eq!(r.status.as_u16(), 200);
    assert_eq!(r.body["status"], "degraded");
    assert_eq!(r.body["checks"]["clickhouse"], "down");
    // The batches go to disk.
    let mut spilled = false;
    for _ in 0..50 {
        if segments(&spill_dir) > 0 {
            spilled = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(spilled, "nothing was spilled");

    ch.run("start");
    // Every event arrives exactly once, and the spill empties.
    assert_eq!(wait_stored(&ch.config(), t.id, 35).await, (35, 35));
    for _ in 0..50 {
        if segments(&spill_dir) == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(segments(&spill_dir), 0);
    let m = &app.state.usage.metrics;
    let load = |c: &std::sync::atomic::AtomicU64| c.load(std::sync::atomic::Ordering::Relaxed);
    assert_eq!(load(&m.dropped), 0);
    assert!(load(&m.spilled) >= 20);
    assert!(load(&m.replayed) >= 1);
    // The analytics API sees the same number.
    let r = app.get("/v1/usage/summary", &t.access).await;
    let tenant_route = r.ok(200)["top_routes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["route"] == "/v1/tenant")
        .unwrap()["requests"]
        .clone();
    assert_eq!(tenant_route, 25);
    let jobs = app.get("/v1/usage/summary?kind=job.run", &t.access).await;
    assert_eq!(jobs.ok(200)["events"], 10);
    assert_eq!(jobs.ok(200)["quantities"]["shots"], 10.0 * 1024.0);
}

fn job(t: &common::Tenant) -> qhub_lib::usage::UsageEvent {
    use qhub_lib::usage::{PrincipalKind, UsageEvent, UsageKind};
    UsageEvent {
        event_id: Uuid::now_v7(),
        tenant_id: t.id,
        principal_kind: PrincipalKind::User,
        principal_id: t.owner_id,
        at: chrono::Utc::now(),
        kind: UsageKind::Metered {
            kind: "job.run".into(),
            quantities: [("shots".to_owned(), 1024.0)].into(),
            dimensions: Default::default(),
        },
    }
}

/// Runs the real binary against the private ClickHouse and a fixed spill
/// directory; returns it with its base URL.
fn spawn_binary(ch: &PrivateClickHouse, spill: &Path) -> (std::process::Child, String) {
    let port = free_port();
    let mut child = common::qhub_command(port)
        .env("CLICKHOUSE_URL", ch.config().url)
        .env("CLICKHOUSE_DATABASE", ch.config().database)
        .env("USAGE_SPILL_DIR", spill)
        .env("USAGE_FLUSH_MS", "100")
        .env("USAGE_PROBE_MS", "200")
        .env("USAGE_RETRY_BACKOFF_MS", "50")
        .env("RUST_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn qhub");
    // Drain its log so it never blocks on a full pipe.
    let out = child.stdout.take().unwrap();
    std::thread::spawn(move || for _ in BufReader::new(out).lines() {});
    (child, format!("http://127.0.0.1:{port}"))
}

async fn wait_live(http: &reqwest::Client, base: &str) {
    for _ in 0..200 {
        if http.get(format!("{base}/health/live")).send().await.is_ok() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("server did not start");
}

#[tokio::test]
async fn events_spilled_at_sigterm_arrive_after_a_restart() {
    let ch = PrivateClickHouse::new();
    ch::migrate(&ch.config()).await.unwrap();
    ch.run("stop");
    let spill = std::env::temp_dir().join(format!("qhub-spill-{}", Uuid::new_v4().simple()));
    let http = reqwest::Client::new();

    let (mut first, base) = spawn_binary(&ch, &spill);
    wait_live(&http, &base).await;
    // A tenant, through the in-process harness against the same databases.
    let app = TestApp::spawn().await;
    let t = app.signup().await;
    for _ in 0..12 {
        let r = http
            .get(format!("{base}/v1/tenant"))
            .bearer_auth(&t.access)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 200);
    }
    // SIGTERM with ClickHouse down: the writer spills what it holds.
    let pid = first.id().to_string();
    assert!(Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap()
        .success());
    let status = first.wait().unwrap();
    assert!(status.success(), "{status:?}");
    assert!(segments(&spill) > 0, "nothing spilled at shutdown");

    // ClickHouse back, server restarted on the same spill: all 12 arrive, once.
    ch.run("start");
    let (mut second, base2) = spawn_binary(&ch, &spill);
    wait_live(&http, &base2).await;
    assert_eq!(wait_stored(&ch.config(), t.id, 12).await, (12, 12));
    let _ = second.kill();
    let _ = second.wait();
    let _ = std::fs::remove_dir_all(&spill);
}

#[tokio::test]
async fn events_that_overflow_the_queue_arrive_exactly_once() {
    let mut config = test_config();
    // A queue of one: a burst of requests overflows to the spill thread.
    config.usage.queue_capacity = 1;
    config.usage.flush_interval = Duration::from_millis(500);
    let spill_dir = config.usage.spill_dir.clone();
    let app = TestApp::spawn_with(config).await;
    let t = app.signup().await;
    let mut burst = tokio::task::JoinSet::new();
    for _ in 0..40 {
        let (http, url, token) = (
            app.http.clone(),
            format!("{}/v1/tenant", app.base),
            t.access.clone(),
        );
        burst.spawn(async move { http.get(url).bearer_auth(token).send().await });
    }
    while let Some(r) = burst.join_next().await {
        assert_eq!(r.unwrap().unwrap().status().as_u16(), 200);
    }
    let ch = common::clickhouse_config();
    assert_eq!(wait_stored(&ch, t.id, 40).await, (40, 40));
    let m = &app.state.usage.metrics;
    let load = |c: &std::sync::atomic::AtomicU64| c.load(std::sync::atomic::Ordering::Relaxed);
    assert!(load(&m.spilled) > 0, "the burst never overflowed");
    assert_eq!(load(&m.dropped), 0);
    assert_eq!(
        segments(&spill_dir),
        0,
        "overflow segments were not replayed"
    );
}

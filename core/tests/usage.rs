//! Usage events in ClickHouse and the analytics API: exact per-tenant
//! counts, route templates, error classes, validation, scopes, /metrics.

mod common;

use std::time::Duration;

use common::{Resp, Tenant, TestApp};
use reqwest::Method;
use serde_json::Value;

/// The tenant's summary for the last and next hour.
async fn summary(app: &TestApp, token: &str) -> Value {
    let from = (chrono::Utc::now() - chrono::Duration::hours(1)).to_rfc3339();
    let to = (chrono::Utc::now() + chrono::Duration::hours(1)).to_rfc3339();
    let url = format!(
        "/v1/usage/summary?from={}&to={}",
        urlencode(&from),
        urlencode(&to)
    );
    app.get(&url, token).await.ok(200).clone()
}

fn urlencode(s: &str) -> String {
    s.replace('+', "%2B").replace(':', "%3A")
}

fn route_count(summary: &Value, route: &str) -> Option<u64> {
    summary["top_routes"]
        .as_array()?
        .iter()
        .find(|r| r["route"] == route)
        .and_then(|r| r["requests"].as_u64())
}

/// Polls the tenant's summary until every `(route, count)` has reached
/// its count (events are written asynchronously); returns that summary.
async fn wait_for(app: &TestApp, t: &Tenant, want: &[(&str, u64)]) -> Value {
    let mut last = Value::Null;
    for _ in 0..100 {
        last = summary(app, &t.access).await;
        // The totals and the routes are two queries: both must have seen
        // every event (a flush can land between them).
        let total: u64 = want.iter().map(|(_, n)| n).sum();
        if want
            .iter()
            .all(|(route, n)| route_count(&last, route) >= Some(*n))
            && last["requests"].as_u64() >= Some(total)
        {
            return last;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{want:?} never reached: {last}");
}

#[tokio::test]
async fn each_tenant_counts_exactly_its_own_requests() {
    let app = TestApp::spawn().await;
    let a = app.signup().await;
    let b = app.signup().await;
    let (n, m) = (7, 4);
    for _ in 0..n {
        app.get("/v1/tenant", &a.access).await.ok(200);
    }
    for _ in 0..m {
        app.get("/v1/tenant", &b.access).await.ok(200);
        app.get("/v1/users", &b.access).await.ok(200);
    }
    // Route templates, never raw paths; 4xx counted as errors.
    app.get(&format!("/v1/users/{}", a.owner_id), &a.access)
        .await
        .ok(200);
    app.get(&format!("/v1/users/{}", uuid::Uuid::now_v7()), &a.access)
        .await
        .problem(404, "not_found");

    let sa = wait_for(&app, &a, &[("/v1/users/{id}", 2), ("/v1/tenant", n)]).await;
    assert_eq!(route_count(&sa, "/v1/tenant"), Some(n), "{sa}");
    // B's routes and requests never show up in A's analytics.
    assert_eq!(route_count(&sa, "/v1/users"), None, "{sa}");
    let by_id = sa["top_routes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["route"] == "/v1/users/{id}")
        .unwrap()
        .clone();
    assert_eq!(by_id["requests"], 2);
    assert_eq!(by_id["errors_4xx"], 1);
    assert_eq!(by_id["errors_5xx"], 0);
    assert!(
        !sa.to_string().contains(&a.owner_id.to_string()),
        "raw path leaked"
    );
    assert!(sa["p50_us"].as_f64().unwrap() > 0.0);
    assert!(sa["response_bytes"].as_u64().unwrap() > 0);

    let sb = wait_for(&app, &b, &[("/v1/users", m), ("/v1/tenant", m)]).await;
    assert_eq!(route_count(&sb, "/v1/tenant"), Some(m));
    assert_eq!(route_count(&sb, "/v1/users/{id}"), None);

    // The timeseries agrees, bucket by bucket, and filters by route.
    let from = (chrono::Utc::now() - chrono::Duration::hours(2)).to_rfc3339();
    let r = app
        .get(
            &format!(
                "/v1/usage/timeseries?from={}&interval=hour&route=/v1/tenant",
                urlencode(&from)
            ),
            &a.access,
        )
        .await;
    let ts = r.ok(200);
    let buckets = ts["buckets"].as_array().unwrap();
    assert!(buckets.len() >= 2, "{ts}");
    let total: u64 = buckets
        .iter()
        .map(|b| b["requests"].as_u64().unwrap())
        .sum();
    assert_eq!(total, n);
    let day = app
        .get("/v1/usage/timeseries?interval=day", &a.access)
        .await;
    let day = day.ok(200);
    assert!(day["buckets"][0]["start"]
        .as_str()
        .unwrap()
        .ends_with("T00:00:00Z"));
}

#[tokio::test]
async fn analytics_reject_bad_ranges_and_need_usage_read() {
    let app = TestApp::spawn().await;
    let t = app.signup().await;
    for (q, field) in [
        (
            "summary?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z",
            "from",
        ),
        (
            "summary?from=2025-01-01T00:00:00Z&to=2026-01-01T00:00:00Z",
            "to",
        ),
        (
            "timeseries?from=2026-01-01T00:00:00Z&to=2026-03-01T00:00:00Z&interval=hour",
            "to",
        ),
        ("timeseries?route=users", "route"),
        ("summary?from=yesterday", "from"),
        ("timeseries?interval=week", "interval"),
    ] {
        let r: Resp = app.get(&format!("/v1/usage/{q}"), &t.access).await;
        r.problem(422, "validation_failed");
        assert_eq!(r.body["errors"][0]["field"], field, "{q}: {}", r.body);
    }
    // A 61-day daily series is fine.
    let r = app
        .get(
            "/v1/usage/timeseries?from=2026-01-01T00:00:00Z&to=2026-03-03T00:00:00Z&interval=day",
            &t.access,
        )
        .await;
    assert_eq!(r.ok(200)["buckets"].as_array().unwrap().len(), 61);

    // Scope: a key without usage:read is refused; with it, allowed.
    let (_, users_key) = app.api_key(&t.access, &["users:read"]).await;
    app.with_key(Method::GET, "/v1/usage/summary", &users_key, None)
        .await
        .problem(403, "forbidden");
    let (_, usage_key) = app.api_key(&t.access, &["usage:read"]).await;
    let r = app
        .with_key(Method::GET, "/v1/usage/summary", &usage_key, None)
        .await;
    assert!(r.ok(200)["requests"].is_u64());
    // Every role may read its tenant's usage.
    let (_, viewer, _) = app.user_with_role(&t, "viewer").await;
    app.get("/v1/usage/summary", &viewer).await.ok(200);
}

#[tokio::test]
async fn metrics_expose_the_pipeline_counters() {
    let app = TestApp::spawn().await;
    let t = app.signup().await;
    app.get("/v1/tenant", &t.access).await.ok(200);
    wait_for(&app, &t, &[("/v1/tenant", 1)]).await;
    let res = app
        .http
        .get(format!("{}/metrics", app.base))
        .send()
        .await
        .unwrap();
    assert!(res
        .headers()
        .get("content-type")
        .unwrap()
        .to_str()
        .unwrap()
        .starts_with("text/plain"));
    let text = res.text().await.unwrap();
    let value = |outcome: &str| -> u64 {
        text.lines()
            .find(|l| l.starts_with(&format!("qhub_usage_events_total{{outcome=\"{outcome}\"}}")))
            .and_then(|l| l.rsplit(' ').next())
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("no {outcome} in {text}"))
    };
    assert!(value("queued") >= 2);
    assert!(value("written") >= 1);
    assert_eq!(value("dropped"), 0);
    assert!(value("unattributed") >= 1, "signup has no tenant yet");
    assert!(text.contains("qhub_usage_queue_depth "));
}

#[tokio::test]
async fn the_duplicate_check_handles_full_batches() {
    use qhub_core::metering::ch;
    use qhub_lib::usage::{PrincipalKind, UsageEvent, UsageKind};
    let client = ch::client(&common::clickhouse_config());
    let tenant = uuid::Uuid::now_v7();
    let make = |i: u32| UsageEvent {
        event_id: uuid::Uuid::now_v7(),
        tenant_id: tenant,
        principal_kind: PrincipalKind::User,
        principal_id: tenant,
        at: chrono::Utc::now(),
        kind: UsageKind::ApiRequest {
            method: "GET".into(),
            route: "/v1/users".into(),
            status: 200,
            latency_us: i,
            request_bytes: 0,
            response_bytes: 10,
        },
    };
    // A default-size batch (10 000) stored, plus 100 that are not.
    let stored: Vec<UsageEvent> = (0..10_000).map(make).collect();
    ch::insert(&client, &stored, &uuid::Uuid::now_v7().to_string())
        .await
        .unwrap();
    let mut all = stored.clone();
    all.extend((0..100).map(make));
    let present = ch::existing_ids(&client, &all).await.unwrap();
    assert_eq!(present.len(), 10_000);
    assert!(stored.iter().all(|e| present.contains(&e.event_id)));
}

/// A metered event of `kind` for tenant `t`, as the job runner and the
/// other areas emit them.
fn metered(t: &Tenant, kind: &str, quantities: &[(&str, f64)]) -> qhub_lib::usage::UsageEvent {
    use qhub_lib::usage::{PrincipalKind, UsageEvent, UsageKind};
    UsageEvent {
        event_id: uuid::Uuid::now_v7(),
        tenant_id: t.id,
        principal_kind: PrincipalKind::User,
        principal_id: t.owner_id,
        at: chrono::Utc::now(),
        kind: UsageKind::Metered {
            kind: kind.into(),
            quantities: quantities
                .iter()
                .map(|(k, v)| ((*k).to_owned(), *v))
                .collect(),
            dimensions: [("backend".to_owned(), "simulator".to_owned())].into(),
        },
    }
}

/// The tenant's summary of `kind` over the last and next hour.
async fn kind_summary(app: &TestApp, token: &str, kind: &str) -> Value {
    let from = (chrono::Utc::now() - chrono::Duration::hours(1)).to_rfc3339();
    let to = (chrono::Utc::now() + chrono::Duration::hours(1)).to_rfc3339();
    let url = format!(
        "/v1/usage/summary?kind={kind}&from={}&to={}",
        urlencode(&from),
        urlencode(&to)
    );
    app.get(&url, token).await.ok(200).clone()
}

#[tokio::test]
async fn job_style_events_are_counted_exactly_per_kind_and_tenant() {
    let app = TestApp::spawn().await;
    let a = app.signup().await;
    let b = app.signup().await;
    // 300 jobs of a, 120 of b, and another kind of a's.
    for i in 0..300 {
        let seconds = if i % 2 == 0 { 0.25 } else { 0.5 };
        app.state.usage.record(metered(
            &a,
            "job.run",
            &[("shots", 1024.0), ("seconds", seconds)],
        ));
    }
    for _ in 0..120 {
        app.state.usage.record(metered(
            &b,
            "job.run",
            &[("shots", 100.0), ("seconds", 1.0)],
        ));
    }
    for _ in 0..7 {
        app.state
            .usage
            .record(metered(&a, "package.download", &[("bytes", 4096.0)]));
    }
    let mut last = Value::Null;
    for _ in 0..100 {
        last = kind_summary(&app, &a.access, "job.run").await;
        if last["events"].as_u64() >= Some(300) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(last["kind"], "job.run");
    assert_eq!(last["events"], 300, "{last}");
    assert_eq!(last["quantities"]["shots"], 300.0 * 1024.0);
    assert_eq!(last["quantities"]["seconds"], 150.0 * 0.25 + 150.0 * 0.5);
    assert!(last["quantities"].get("events").is_none(), "{last}");
    assert_eq!(last["requests"], 0, "jobs are not requests: {last}");

    let downloads = kind_summary(&app, &a.access, "package.download").await;
    assert_eq!(downloads["events"], 7);
    assert_eq!(downloads["quantities"]["bytes"], 7.0 * 4096.0);

    // Each tenant sees its own.
    let theirs = kind_summary(&app, &b.access, "job.run").await;
    assert_eq!(theirs["events"], 120);
    assert_eq!(theirs["quantities"]["shots"], 12_000.0);
    let none = kind_summary(&app, &b.access, "package.download").await;
    assert_eq!(none["events"], 0);

    // The same numbers per hour bucket, and requests stay requests.
    let from = (chrono::Utc::now() - chrono::Duration::hours(1)).to_rfc3339();
    let to = (chrono::Utc::now() + chrono::Duration::hours(1)).to_rfc3339();
    let series = app
        .get(
            &format!(
                "/v1/usage/timeseries?kind=job.run&from={}&to={}",
                urlencode(&from),
                urlencode(&to)
            ),
            &a.access,
        )
        .await;
    let buckets = series.ok(200)["buckets"].as_array().unwrap().clone();
    let events: u64 = buckets.iter().map(|b| b["events"].as_u64().unwrap()).sum();
    assert_eq!(events, 300);
    let requests = summary(&app, &a.access).await;
    assert_eq!(requests["kind"], "api.request");
    assert_eq!(requests["events"], requests["requests"]);

    // A malformed kind is refused.
    app.get("/v1/usage/summary?kind=Job", &a.access)
        .await
        .problem(422, "validation_failed");
}

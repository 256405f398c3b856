//! Benchmark: sustained usage events per second through the real pipeline
//! (`Usage::record` → queue → batching writer → ClickHouse), against a
//! baseline measured in the same run: the same number of rows inserted by
//! one raw `INSERT` loop in batches of the same size.
//!
//!   cargo run --release --example usage_ingest -- [events] [batch_rows]
//!
//! Needs ClickHouse (CLICKHOUSE_URL, default http://127.0.0.1:8123); writes
//! to the `qhub_bench` database. Prints events/s and the ratio.

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use qhub_core::metering::ch::{self, ChConfig};
use qhub_core::metering::{Usage, UsageConfig};
use qhub_lib::usage::{PrincipalKind, UsageEvent, UsageKind};
use uuid::Uuid;

fn event(tenant: Uuid, i: u64) -> UsageEvent {
    UsageEvent {
        event_id: Uuid::now_v7(),
        tenant_id: tenant,
        principal_kind: PrincipalKind::User,
        principal_id: tenant,
        at: chrono::Utc::now(),
        kind: UsageKind::ApiRequest {
            method: "GET".into(),
            route: if i.is_multiple_of(3) {
                "/v1/users/{id}"
            } else {
                "/v1/users"
            }
            .into(),
            status: if i.is_multiple_of(50) { 404 } else { 200 },
            latency_us: 500 + u32::try_from(i % 5000).unwrap_or(0),
            request_bytes: 0,
            response_bytes: 1200,
        },
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let n: u64 = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(500_000);
    let batch: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(10_000);
    let config = ChConfig {
        url: std::env::var("CLICKHOUSE_URL").unwrap_or_else(|_| "http://127.0.0.1:8123".into()),
        database: "qhub_bench".into(),
        user: "default".into(),
        password: String::new(),
    };
    ch::migrate(&config).await?;
    let client = ch::client(&config);

    // Baseline: raw inserts of prepared batches, no queue, no pipeline.
    let tenant = Uuid::now_v7();
    let events: Vec<UsageEvent> = (0..n).map(|i| event(tenant, i)).collect();
    let started = Instant::now();
    for chunk in events.chunks(batch) {
        ch::insert(&client, chunk, &Uuid::now_v7().to_string()).await?;
    }
    let raw = started.elapsed();

    // The pipeline, fed as fast as one producer can record.
    let spill = std::env::temp_dir().join(format!("qhub-bench-spill-{}", Uuid::new_v4().simple()));
    let usage = Usage::start(
        client.clone(),
        UsageConfig {
            batch_rows: batch,
            flush_interval: Duration::from_secs(1),
            queue_capacity: 100_000,
            spill_dir: spill.clone(),
            attempts: 3,
            retry_backoff: Duration::from_millis(200),
            probe_interval: Duration::from_secs(1),
        },
    )?;
    let tenant = Uuid::now_v7();
    let started = Instant::now();
    for i in 0..n {
        usage.record(event(tenant, i));
        // A sustained rate, not an overflow test: the producer waits while
        // the queue is nearly full instead of pushing events into the spill.
        while usage.queue_depth() > 90_000 {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    }
    while usage.metrics.written.load(Ordering::Relaxed)
        + usage.metrics.spilled.load(Ordering::Relaxed)
        < n
    {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let piped = started.elapsed();
    usage.shutdown(Duration::from_secs(10)).await;
    let spilled = usage.metrics.spilled.load(Ordering::Relaxed);
    let _ = std::fs::remove_dir_all(&spill);

    let rate = |d: Duration| n as f64 / d.as_secs_f64();
    println!("events: {n}, batch_rows: {batch}, flush_interval: 1s, queue_capacity: 100000");
    println!(
        "raw INSERT baseline: {:>10.0} events/s ({raw:.2?})",
        rate(raw)
    );
    println!(
        "QHub pipeline:       {:>10.0} events/s ({piped:.2?})",
        rate(piped)
    );
    println!(
        "ratio pipeline / raw: {:.2}",
        raw.as_secs_f64() / piped.as_secs_f64()
    );
    println!("spilled (should be 0 with ClickHouse up): {spilled}");
    Ok(())
}

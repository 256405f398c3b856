//! ClickHouse access for usage: the client, schema migrations from
//! `clickhouse/`, the row type, inserts and the duplicate check.

use std::collections::HashSet;
use std::time::Duration;

use anyhow::Context;
use clickhouse::{Client, Row};
use qhub_lib::usage::{UsageEvent, UsageKind};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// How to reach ClickHouse.
#[derive(Clone)]
pub struct ChConfig {
    pub url: String,
    pub database: String,
    pub user: String,
    pub password: String,
}

/// A client for the QHub database. Schema validation is off: the crate's
/// validation asks the server for metadata that ClickHouse 18.16 (Debian)
/// cannot give, so row types must match the tables exactly (they do, and
/// the tests insert and read them back).
pub fn client(config: &ChConfig) -> Client {
    Client::default()
        .with_url(&config.url)
        .with_user(&config.user)
        .with_password(&config.password)
        .with_database(&config.database)
        .with_validation(false)
}

/// The quantity every metered event carries once (= 1), so the rollup
/// counts events by summing it.
pub const EVENTS: &str = "events";

/// The ClickHouse row of an event. Events of kinds other than API requests
/// leave the request columns at zero.
#[derive(Debug, Clone, Row, Serialize, Deserialize)]
pub struct EventRow {
    #[serde(with = "clickhouse::serde::uuid")]
    pub event_id: Uuid,
    #[serde(with = "clickhouse::serde::uuid")]
    pub tenant_id: Uuid,
    /// Seconds since the epoch (DateTime).
    pub ts: u32,
    pub event_type: String,
    pub principal_kind: String,
    #[serde(with = "clickhouse::serde::uuid")]
    pub principal_id: Uuid,
    pub method: String,
    pub route: String,
    pub status: u16,
    pub latency_us: u32,
    pub request_bytes: u64,
    pub response_bytes: u64,
    pub quantity_names: Vec<String>,
    pub quantity_values: Vec<f64>,
    pub dimension_names: Vec<String>,
    pub dimension_values: Vec<String>,
}

impl From<&UsageEvent> for EventRow {
    fn from(ev: &UsageEvent) -> Self {
        let ts = u32::try_from(ev.at.timestamp()).unwrap_or(0);
        let mut row = EventRow {
            event_id: ev.event_id,
            tenant_id: ev.tenant_id,
            ts,
            event_type: ev.kind.name().to_owned(),
            principal_kind: ev.principal_kind.as_str().to_owned(),
            principal_id: ev.principal_id,
            method: String::new(),
            route: String::new(),
            status: 0,
            latency_us: 0,
            request_bytes: 0,
            response_bytes: 0,
            quantity_names: Vec::new(),
            quantity_values: Vec::new(),
            dimension_names: Vec::new(),
            dimension_values: Vec::new(),
        };
        match &ev.kind {
            UsageKind::ApiRequest {
                method,
                route,
                status,
                latency_us,
                request_bytes,
                response_bytes,
            } => {
                row.method.clone_from(method);
                row.route.clone_from(route);
                row.status = *status;
                row.latency_us = *latency_us;
                row.request_bytes = *request_bytes;
                row.response_bytes = *response_bytes;
            }
            UsageKind::Metered {
                quantities,
                dimensions,
                ..
            } => {
                // `events` = 1 first: the rollup counts events as a sum.
                row.quantity_names.push(EVENTS.to_owned());
                row.quantity_values.push(1.0);
                for (name, value) in quantities.iter().filter(|(n, _)| n.as_str() != EVENTS) {
                    row.quantity_names.push(name.clone());
                    row.quantity_values.push(*value);
                }
                row.dimension_names = dimensions.keys().cloned().collect();
                row.dimension_values = dimensions.values().cloned().collect();
            }
        }
        row
    }
}

/// Longest any single ClickHouse call may take before the writer treats
/// ClickHouse as unavailable (the crate has no timeout of its own).
pub const OP_TIMEOUT: Duration = Duration::from_secs(10);
/// Ids per duplicate-check query: keeps the query far below ClickHouse's
/// default `max_query_size` (256 KiB).
const IDS_PER_CHECK: usize = 1000;

/// ClickHouse error codes that mean "this data cannot be inserted" (parse
/// and type errors). Everything else (unreachable, timeouts, too many
/// parts, memory limits, too many queries, read-only tables, a proxy's
/// 503, a missing table before `migrate`) is temporary: wait and retry.
const DATA_ERROR_CODES: &[u32] = &[6, 26, 27, 33, 38, 41, 53, 69, 70, 72, 117, 130, 131];

/// Whether an insert error means ClickHouse refused the data itself, so
/// retrying the same rows cannot help.
pub fn is_refusal(e: &clickhouse::error::Error) -> bool {
    use clickhouse::error::Error;
    match e {
        Error::BadResponse(msg) => error_code(msg).is_some_and(|c| DATA_ERROR_CODES.contains(&c)),
        Error::DataFormat(_) | Error::Custom(_) | Error::InvalidUtf8Encoding(_) => true,
        _ => false,
    }
}

/// The `Code: N` of a ClickHouse error message.
fn error_code(msg: &str) -> Option<u32> {
    let rest = &msg[msg.find("Code: ")? + 6..];
    rest.split(|c: char| !c.is_ascii_digit())
        .next()?
        .parse()
        .ok()
}

async fn bounded<T>(
    f: impl std::future::Future<Output = clickhouse::error::Result<T>>,
) -> clickhouse::error::Result<T> {
    tokio::time::timeout(OP_TIMEOUT, f)
        .await
        .unwrap_or(Err(clickhouse::error::Error::TimedOut))
}

/// Inserts events in one INSERT (one block, so it lands or fails whole),
/// tagged with `query_id` so that, if the client sees an error, the writer
/// can wait until the server is done with it before checking what landed.
pub async fn insert(
    client: &Client,
    events: &[UsageEvent],
    query_id: &str,
) -> clickhouse::error::Result<()> {
    if events.is_empty() {
        return Ok(());
    }
    bounded(async {
        let mut insert = client
            .insert::<EventRow>("usage_events")
            .await?
            .with_setting("query_id", query_id);
        for ev in events {
            insert.write(&EventRow::from(ev)).await?;
        }
        insert.end().await
    })
    .await
}

#[derive(Row, Deserialize)]
struct Count {
    n: u64,
}

/// Whether the server is still executing `query_id`.
pub async fn still_running(client: &Client, query_id: &str) -> clickhouse::error::Result<bool> {
    let c = bounded(
        client
            .query("SELECT count() AS n FROM system.processes WHERE query_id = ?")
            .bind(query_id)
            .fetch_one::<Count>(),
    )
    .await?;
    Ok(c.n > 0)
}

#[derive(Row, Deserialize)]
struct IdRow {
    id: String,
}

/// The ids among `events` already stored: checked before re-sending a
/// batch whose earlier attempt may have landed, so retries and replays add
/// no duplicates. Uses the primary key (tenant, time) and checks at most
/// `IDS_PER_CHECK` ids per query.
pub async fn existing_ids(
    client: &Client,
    events: &[UsageEvent],
) -> clickhouse::error::Result<HashSet<Uuid>> {
    let mut found = HashSet::new();
    for chunk in events.chunks(IDS_PER_CHECK) {
        let (Some(min), Some(max)) = (
            chunk.iter().map(|e| e.at.timestamp()).min(),
            chunk.iter().map(|e| e.at.timestamp()).max(),
        ) else {
            continue;
        };
        // Ids and tenants are UUIDs we generated: hex and dashes only.
        let tenants: HashSet<String> = chunk
            .iter()
            .map(|e| format!("toUUID('{}')", e.tenant_id))
            .collect();
        let ids: Vec<String> = chunk.iter().map(|e| format!("'{}'", e.event_id)).collect();
        let sql = format!(
            "SELECT toString(event_id) AS id FROM usage_events \
             WHERE tenant_id IN ({}) \
               AND ts >= toDateTime(?) AND ts <= toDateTime(?) AND toString(event_id) IN ({})",
            tenants.into_iter().collect::<Vec<_>>().join(","),
            ids.join(",")
        );
        let rows = bounded(
            client
                .query(&sql)
                .bind(u32::try_from(min).unwrap_or(0))
                .bind(u32::try_from(max).unwrap_or(u32::MAX))
                .fetch_all::<IdRow>(),
        )
        .await?;
        found.extend(rows.into_iter().filter_map(|r| Uuid::try_parse(&r.id).ok()));
    }
    Ok(found)
}

pub async fn ping(client: &Client) -> clickhouse::error::Result<()> {
    bounded(client.query("SELECT 1").execute()).await
}

/// Applies `clickhouse/*.sql` in order, recording each in
/// `schema_migrations`; files already recorded are skipped, so running it
/// twice is a no-op.
pub async fn migrate(config: &ChConfig) -> anyhow::Result<usize> {
    // The database itself, through a client not bound to it.
    let root = client(&ChConfig {
        database: "default".into(),
        ..config.clone()
    });
    root.query(&format!(
        "CREATE DATABASE IF NOT EXISTS `{}`",
        config.database.replace('`', "")
    ))
    .execute()
    .await
    .context("create ClickHouse database")?;
    let db = client(config);
    db.query(
        "CREATE TABLE IF NOT EXISTS schema_migrations \
         (version UInt32, name String, applied_at DateTime) ENGINE = TinyLog",
    )
    .execute()
    .await
    .context("create schema_migrations")?;
    #[derive(Row, Deserialize)]
    struct Version {
        version: u32,
    }
    let applied: HashSet<u32> = db
        .query("SELECT version FROM schema_migrations")
        .fetch_all::<Version>()
        .await?
        .into_iter()
        .map(|v| v.version)
        .collect();
    let mut count = 0;
    for (version, name, sql) in MIGRATIONS {
        if applied.contains(version) {
            continue;
        }
        for statement in statements(sql) {
            db.query(&statement)
                .execute()
                .await
                .with_context(|| format!("ClickHouse migration {name}"))?;
        }
        db.query("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, now())")
            .bind(*version)
            .bind(*name)
            .execute()
            .await?;
        tracing::info!(version, name, "clickhouse migration applied");
        count += 1;
    }
    Ok(count)
}

/// The statements of a schema file, without `--` comment lines
/// (ClickHouse 18.16 rejects a statement that starts with a comment).
fn statements(sql: &str) -> Vec<String> {
    // Comments go first: they may contain `;`.
    let code: Vec<&str> = sql
        .lines()
        .filter(|l| !l.trim_start().starts_with("--"))
        .collect();
    code.join("\n")
        .split(';')
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .collect()
}

/// The schema files, compiled in (like the Postgres migrations).
const MIGRATIONS: &[(u32, &str, &str)] = &[
    (
        1,
        "0001_usage_events",
        include_str!("../../../clickhouse/0001_usage_events.sql"),
    ),
    (
        2,
        "0002_usage_hourly",
        include_str!("../../../clickhouse/0002_usage_hourly.sql"),
    ),
    (
        3,
        "0003_metered_events",
        include_str!("../../../clickhouse/0003_metered_events.sql"),
    ),
    (
        4,
        "0004_usage_key_hourly",
        include_str!("../../../clickhouse/0004_usage_key_hourly.sql"),
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_schema_file_is_listed_in_order() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../clickhouse");
        let mut files: Vec<String> = std::fs::read_dir(dir)
            .map(|d| {
                d.filter_map(Result::ok)
                    .filter_map(|e| e.file_name().into_string().ok())
                    .filter(|n| n.ends_with(".sql"))
                    .collect()
            })
            .unwrap_or_default();
        files.sort();
        let listed: Vec<String> = MIGRATIONS
            .iter()
            .map(|(_, name, _)| format!("{name}.sql"))
            .collect();
        assert_eq!(files, listed);
        for (i, (version, _, _)) in MIGRATIONS.iter().enumerate() {
            assert_eq!(*version as usize, i + 1);
        }
    }

    #[test]
    fn error_codes_classify_refusals() {
        assert_eq!(
            error_code("Code: 252, e.displayText() = DB::Exception: Too many parts"),
            Some(252)
        );
        assert_eq!(error_code("no code"), None);
        let e = |m: &str| clickhouse::error::Error::BadResponse(m.into());
        assert!(!is_refusal(&e(
            "Code: 252, e.displayText() = Too many parts"
        )));
        assert!(!is_refusal(&e("Code: 241, Memory limit exceeded")));
        assert!(is_refusal(&e("Code: 27, Cannot parse input")));
        assert!(!is_refusal(&clickhouse::error::Error::TimedOut));
    }

    #[test]
    fn statements_drop_comments() {
        let s =
            statements("-- c; d\nCREATE TABLE a (x UInt8) ENGINE = TinyLog;\n-- only\n;\nSELECT 1");
        assert_eq!(
            s,
            vec!["CREATE TABLE a (x UInt8) ENGINE = TinyLog", "SELECT 1"]
        );
    }
}

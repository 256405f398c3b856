-- Raw usage events, one row per event. Applied by `qhub migrate` (which
-- records versions in schema_migrations). Only what both ClickHouse 18.16
-- (Debian) and current ClickHouse accept: MergeTree family, UUID, DateTime,
-- String, numbers.
--
-- Ordered tenant first, then time: every query is one tenant's time range.
-- ReplacingMergeTree keyed on (tenant_id, ts, event_id) folds duplicate
-- rows of one event (a retried or replayed insert) when parts merge; the
-- writer also skips events already present before retrying, so duplicates
-- do not reach the rollups.
CREATE TABLE IF NOT EXISTS usage_events (
    event_id        UUID,
    tenant_id       UUID,
    ts              DateTime,
    event_type      String,
    principal_kind  String,
    principal_id    UUID,
    method          String,
    route           String,
    status          UInt16,
    latency_us      UInt32,
    request_bytes   UInt64,
    response_bytes  UInt64
) ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(ts)
ORDER BY (tenant_id, ts, event_id);

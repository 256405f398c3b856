-- Raw usage events, one row per event. Applied by `qhub migrate` (which
-- records versions in schema_migrations). Only what both ClickHouse 18.16
-- (Debian) and current ClickHouse accept: MergeTree family, UUID, DateTime,
-- String, numbers.
--
-- Ordered tenant first, then time: every query is one tenant's time range.
-- The writer never inserts an event twice (before a retry or replay it
-- waits for the earlier insert to finish on the server and skips what
-- landed). As a second line of defence, ReplacingMergeTree keyed on
-- (tenant_id, ts, event_id) folds duplicate rows of one event on merge.
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

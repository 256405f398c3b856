-- Hourly per-tenant, per-route aggregates of API requests, kept up to date
-- by a materialized view, so analytics read a few small rows per hour
-- instead of every event. The view sees every inserted row, so it relies on
-- the writer never inserting an event twice (it checks what landed before
-- any retry or replay; see docs/usage.md). Hours are UTC (computed from the
-- epoch, not the server's time zone).
CREATE TABLE IF NOT EXISTS usage_hourly (
    tenant_id       UUID,
    hour            DateTime,
    route           String,
    requests        AggregateFunction(count),
    errors_4xx      AggregateFunction(countIf, UInt8),
    errors_5xx      AggregateFunction(countIf, UInt8),
    latency_us      AggregateFunction(quantilesTDigest(0.5, 0.95, 0.99), UInt32),
    request_bytes   AggregateFunction(sum, UInt64),
    response_bytes  AggregateFunction(sum, UInt64)
) ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(hour)
ORDER BY (tenant_id, hour, route);

CREATE MATERIALIZED VIEW IF NOT EXISTS usage_hourly_mv TO usage_hourly AS
SELECT
    tenant_id,
    toDateTime(intDiv(toUInt32(ts), 3600) * 3600) AS hour,
    route,
    countState() AS requests,
    countIfState(toUInt8(status >= 400 AND status < 500)) AS errors_4xx,
    countIfState(toUInt8(status >= 500)) AS errors_5xx,
    quantilesTDigestState(0.5, 0.95, 0.99)(latency_us) AS latency_us,
    sumState(request_bytes) AS request_bytes,
    sumState(response_bytes) AS response_bytes
FROM usage_events
WHERE event_type = 'api.request'
GROUP BY tenant_id, hour, route;

-- Hourly per-tenant, per-route aggregates of API requests, kept up to date
-- by a materialized view, so analytics read a few rows per hour instead of
-- every event. Counts are uniqExact over event ids, so a duplicate event
-- that slipped into the raw table is still counted once. Hours are UTC
-- (computed from the epoch, not the server's time zone).
CREATE TABLE IF NOT EXISTS usage_hourly (
    tenant_id       UUID,
    hour            DateTime,
    route           String,
    requests        AggregateFunction(uniqExact, UUID),
    errors_4xx      AggregateFunction(uniqExactIf, UUID, UInt8),
    errors_5xx      AggregateFunction(uniqExactIf, UUID, UInt8),
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
    uniqExactState(event_id) AS requests,
    uniqExactIfState(event_id, toUInt8(status >= 400 AND status < 500)) AS errors_4xx,
    uniqExactIfState(event_id, toUInt8(status >= 500)) AS errors_5xx,
    quantilesTDigestState(0.5, 0.95, 0.99)(latency_us) AS latency_us,
    sumState(request_bytes) AS request_bytes,
    sumState(response_bytes) AS response_bytes
FROM usage_events
WHERE event_type = 'api.request'
GROUP BY tenant_id, hour, route;

-- Hourly per-tenant, per-API-key, per-route aggregates of API requests made
-- with API keys, so the console can show each key's usage and the usage of
-- the busiest keys. The same measures as usage_hourly; like it, it relies
-- on the writer never inserting an event twice. Only requests from this
-- migration on are counted (no backfill: a backfill racing the view would
-- count some events twice).
CREATE TABLE IF NOT EXISTS usage_key_hourly (
    tenant_id       UUID,
    hour            DateTime,
    api_key_id      UUID,
    route           String,
    requests        AggregateFunction(count),
    errors_4xx      AggregateFunction(countIf, UInt8),
    errors_5xx      AggregateFunction(countIf, UInt8),
    latency_us      AggregateFunction(quantilesTDigest(0.5, 0.95, 0.99), UInt32),
    request_bytes   AggregateFunction(sum, UInt64),
    response_bytes  AggregateFunction(sum, UInt64)
) ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(hour)
ORDER BY (tenant_id, api_key_id, hour, route);

CREATE MATERIALIZED VIEW IF NOT EXISTS usage_key_hourly_mv TO usage_key_hourly AS
SELECT
    tenant_id,
    toDateTime(intDiv(toUInt32(ts), 3600) * 3600) AS hour,
    principal_id AS api_key_id,
    route,
    countState() AS requests,
    countIfState(toUInt8(status >= 400 AND status < 500)) AS errors_4xx,
    countIfState(toUInt8(status >= 500)) AS errors_5xx,
    quantilesTDigestState(0.5, 0.95, 0.99)(latency_us) AS latency_us,
    sumState(request_bytes) AS request_bytes,
    sumState(response_bytes) AS response_bytes
FROM usage_events
WHERE event_type = 'api.request' AND principal_kind = 'api_key'
GROUP BY tenant_id, hour, api_key_id, route;

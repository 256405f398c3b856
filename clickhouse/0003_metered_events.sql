-- Usage of any kind, not only API requests: each event carries its
-- quantities (shots, seconds, bytes, …) and dimensions (backend, app, …) as
-- parallel arrays. Existing rows keep their columns and get empty arrays.
-- Only what ClickHouse 18.16 and current ClickHouse both accept.
ALTER TABLE usage_events ADD COLUMN quantity_names Array(String);
ALTER TABLE usage_events ADD COLUMN quantity_values Array(Float64);
ALTER TABLE usage_events ADD COLUMN dimension_names Array(String);
ALTER TABLE usage_events ADD COLUMN dimension_values Array(String);

-- Hourly per-tenant, per-kind sums of every quantity of the metered kinds
-- (every event also carries the quantity `events` = 1, so the count of
-- events is a sum like the others). Like usage_hourly, it relies on the
-- writer never inserting an event twice.
CREATE TABLE IF NOT EXISTS usage_kind_hourly (
    tenant_id   UUID,
    hour        DateTime,
    event_type  String,
    quantity    String,
    total       AggregateFunction(sum, Float64)
) ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(hour)
ORDER BY (tenant_id, hour, event_type, quantity);

CREATE MATERIALIZED VIEW IF NOT EXISTS usage_kind_hourly_mv TO usage_kind_hourly AS
SELECT
    tenant_id,
    toDateTime(intDiv(toUInt32(ts), 3600) * 3600) AS hour,
    event_type,
    quantity,
    sumState(value) AS total
FROM usage_events
ARRAY JOIN quantity_names AS quantity, quantity_values AS value
WHERE event_type != 'api.request'
GROUP BY tenant_id, hour, event_type, quantity;

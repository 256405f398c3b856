//! Usage analytics of the caller's tenant, from the hourly rollups in
//! ClickHouse. The tenant comes from the principal and is bound into every
//! query server-side; no parameter can name another tenant.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Duration, Utc};
use clickhouse::Row;
use qhub_lib::time::from_epoch as ts;
use qhub_lib::usage::{valid_kind, API_REQUEST};
use qhub_lib::{ApiError, Scope};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::identity::extract::TenantCtx;
use crate::metering::ch::EVENTS;
use crate::platform::extract::Query;
use crate::platform::state::AppState;
use crate::platform::validate::Checks;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(usage_summary))
        .routes(routes!(usage_timeseries))
}

/// Longest range one query may cover.
const MAX_SPAN_DAYS: i64 = 92;
/// Longest range at hourly resolution (at most 744 buckets).
const MAX_HOURLY_SPAN_DAYS: i64 = 31;
const TOP_ROUTES: u64 = 10;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RangeQuery {
    /// Start (RFC 3339, year 1970–9999), rounded down to the hour. Default:
    /// `to` minus 24 h. Must be before `to`, at most 92 days (31 at
    /// `interval=hour`) earlier.
    #[serde(default, deserialize_with = "qhub_lib::time::optional_timestamp")]
    #[param(value_type = Option<crate::platform::validate::schema::Timestamp>)]
    pub from: Option<DateTime<Utc>>,
    /// End (RFC 3339, exclusive, year 1970–9999), rounded up to the hour.
    /// Default: now. Usage is kept from 1970 to 2106: the effective range
    /// is clipped to that.
    #[serde(default, deserialize_with = "qhub_lib::time::optional_timestamp")]
    #[param(value_type = Option<crate::platform::validate::schema::Timestamp>)]
    pub to: Option<DateTime<Utc>>,
    /// The kind of usage: `api.request` (the default: requests, errors,
    /// latency, routes) or a metered kind such as `job.run`, whose events
    /// and summed quantities are in `events` and `quantities`.
    #[param(value_type = Option<crate::platform::validate::schema::UsageKindName>)]
    pub kind: Option<String>,
    /// Only requests made with this API key (kind `api.request` only;
    /// counted from the release that added per-key usage on).
    pub api_key_id: Option<Uuid>,
}

impl RangeQuery {
    fn kind(&self, checks: &mut Checks) -> String {
        let kind = self.kind.as_deref().unwrap_or(API_REQUEST);
        checks.check(
            "kind",
            (!valid_kind(kind)).then_some("must be a usage kind such as api.request or job.run"),
        );
        checks.check(
            "api_key_id",
            (self.api_key_id.is_some() && kind != API_REQUEST)
                .then_some("applies to kind api.request only"),
        );
        kind.to_owned()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Interval {
    Hour,
    Day,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SeriesQuery {
    /// Bucket size (default `hour`; `hour` allows at most 31 days).
    pub interval: Option<Interval>,
    /// Only this route template, e.g. `/v1/users/{id}`: `/` and up to 199
    /// printable ASCII characters.
    #[param(pattern = "^/[!-~]{0,199}$")]
    pub route: Option<String>,
}

/// Request counts and latency of a range or bucket.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct Measures {
    pub requests: u64,
    /// Responses 400–499.
    pub errors_4xx: u64,
    /// Responses 500–599.
    pub errors_5xx: u64,
    /// Latency percentiles in microseconds (approximate, t-digest); 0 without requests.
    pub p50_us: f64,
    pub p95_us: f64,
    pub p99_us: f64,
    pub request_bytes: u64,
    pub response_bytes: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RouteUsage {
    #[schema(example = "/v1/users/{id}")]
    pub route: String,
    #[serde(flatten)]
    pub measures: Measures,
}

/// Events of the chosen kind and their summed quantities.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct KindTotals {
    /// Events of the kind (for `api.request`, the requests).
    pub events: u64,
    /// Each quantity summed, e.g. `{"shots": 4096, "seconds": 1.5}` (for
    /// `api.request`: `request_bytes`, `response_bytes`).
    pub quantities: BTreeMap<String, f64>,
}

impl KindTotals {
    fn of_requests(m: &Measures) -> KindTotals {
        KindTotals {
            events: m.requests,
            quantities: [
                ("request_bytes".to_owned(), m.request_bytes as f64),
                ("response_bytes".to_owned(), m.response_bytes as f64),
            ]
            .into(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct KeyUsage {
    pub api_key_id: Uuid,
    #[serde(flatten)]
    pub measures: Measures,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct UsageSummary {
    /// The effective range, aligned to whole hours.
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    /// The kind summarised.
    pub kind: String,
    #[serde(flatten)]
    pub kind_totals: KindTotals,
    /// Request measures (zero for kinds other than `api.request`).
    #[serde(flatten)]
    pub totals: Measures,
    /// Busiest routes first (at most 10).
    pub top_routes: Vec<RouteUsage>,
    /// The API keys that made the most requests first (at most 10). Empty
    /// for kinds other than `api.request`.
    pub top_keys: Vec<KeyUsage>,
    /// The key filtered on, if any.
    pub api_key_id: Option<Uuid>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct UsageBucket {
    /// Start of the bucket (UTC).
    pub start: DateTime<Utc>,
    #[serde(flatten)]
    pub kind_totals: KindTotals,
    #[serde(flatten)]
    pub measures: Measures,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct UsageTimeseries {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub interval: Interval,
    pub kind: String,
    pub route: Option<String>,
    pub api_key_id: Option<Uuid>,
    /// Every bucket of the range in order, empty ones included.
    pub buckets: Vec<UsageBucket>,
}

/// Validated, hour-aligned range in epoch seconds.
struct Range {
    from: i64,
    to: i64,
}

fn range(q: &RangeQuery, max_days: i64, checks: &mut Checks) -> Range {
    let to = q.to.unwrap_or_else(Utc::now);
    let from = q.from.unwrap_or(to - Duration::hours(24));
    if from >= to {
        checks.check("from", Some("must be before to"));
    } else if to - from > Duration::days(max_days) {
        checks.check(
            "to",
            Some(match max_days {
                MAX_HOURLY_SPAN_DAYS => "the range may span at most 31 days at interval=hour",
                _ => "the range may span at most 92 days",
            }),
        );
    }
    // Usage is stored with ClickHouse `DateTime` (1970 to 2106): a range
    // reaching outside it is clipped, not refused (nothing was used there).
    let hour = 3600;
    let last_hour = i64::from(u32::MAX).div_euclid(hour) * hour;
    let from = (from.timestamp().div_euclid(hour) * hour).clamp(0, last_hour);
    let to = ((to.timestamp() + hour - 1).div_euclid(hour) * hour).clamp(from, last_hour);
    Range { from, to }
}

fn unavailable(e: clickhouse::error::Error) -> ApiError {
    ApiError::Unavailable {
        service: "clickhouse",
        cause: e.to_string(),
    }
}

/// One aggregated row as ClickHouse returns it.
#[derive(Debug, Row, Deserialize)]
struct AggRow {
    key: String,
    requests: u64,
    errors_4xx: u64,
    errors_5xx: u64,
    latency: Vec<f64>,
    request_bytes: u64,
    response_bytes: u64,
}

impl From<&AggRow> for Measures {
    fn from(r: &AggRow) -> Self {
        let q = |i: usize| {
            if r.requests == 0 {
                0.0
            } else {
                r.latency.get(i).copied().unwrap_or(0.0)
            }
        };
        Measures {
            requests: r.requests,
            errors_4xx: r.errors_4xx,
            errors_5xx: r.errors_5xx,
            p50_us: q(0),
            p95_us: q(1),
            p99_us: q(2),
            request_bytes: r.request_bytes,
            response_bytes: r.response_bytes,
        }
    }
}

/// The measures, merged from the hourly rollups. `{key}` is the grouping
/// expression; the tenant and range are bound, never formatted in.
const AGG_SQL: &str = "SELECT {key} AS key,
        countMerge(requests) AS requests,
        countIfMerge(errors_4xx) AS errors_4xx,
        countIfMerge(errors_5xx) AS errors_5xx,
        arrayMap(x -> toFloat64(x), quantilesTDigestMerge(0.5, 0.95, 0.99)(latency_us)) AS latency,
        sumMerge(request_bytes) AS request_bytes,
        sumMerge(response_bytes) AS response_bytes
    FROM {table}
    WHERE tenant_id = toUUID(?) AND hour >= toDateTime(?) AND hour < toDateTime(?)
      {filters}
    GROUP BY key";

/// Which requests an aggregate covers. Per-key questions read the per-key
/// rollup (`usage_key_hourly`), the rest the per-route one.
#[derive(Default, Clone, Copy)]
struct Only<'a> {
    route: Option<&'a str>,
    api_key: Option<Uuid>,
    /// Group or filter by key: read the per-key rollup even without a key.
    by_key: bool,
}

async fn aggregate(
    state: &AppState,
    tenant: Uuid,
    range: &Range,
    key: &str,
    only: Only<'_>,
    tail: &str,
) -> Result<Vec<AggRow>, ApiError> {
    let per_key = only.by_key || only.api_key.is_some();
    let mut filters = String::new();
    if only.route.is_some() {
        filters.push_str(" AND route = ?");
    }
    if only.api_key.is_some() {
        filters.push_str(" AND api_key_id = toUUID(?)");
    }
    let sql = AGG_SQL
        .replace("{key}", key)
        .replace(
            "{table}",
            if per_key {
                "usage_key_hourly"
            } else {
                "usage_hourly"
            },
        )
        .replace("{filters}", &filters)
        + tail;
    let mut q = state
        .clickhouse
        .query(&sql)
        .bind(tenant.to_string())
        .bind(u32::try_from(range.from).unwrap_or(0))
        .bind(u32::try_from(range.to).unwrap_or(u32::MAX));
    if let Some(r) = only.route {
        q = q.bind(r);
    }
    if let Some(k) = only.api_key {
        q = q.bind(k.to_string());
    }
    q.fetch_all::<AggRow>().await.map_err(unavailable)
}

/// One kind's quantity totals per key, from the hourly rollup of metered
/// kinds. `{key}` as in `AGG_SQL`.
const KIND_SQL: &str = "SELECT {key} AS key, quantity, sumMerge(total) AS total
    FROM usage_kind_hourly
    WHERE tenant_id = toUUID(?) AND hour >= toDateTime(?) AND hour < toDateTime(?)
      AND event_type = ?
    GROUP BY key, quantity";

#[derive(Debug, Row, Deserialize)]
struct KindRow {
    key: String,
    quantity: String,
    total: f64,
}

/// A metered kind's totals per key.
async fn kind_totals(
    state: &AppState,
    tenant: Uuid,
    range: &Range,
    key: &str,
    kind: &str,
) -> Result<HashMap<String, KindTotals>, ApiError> {
    let rows = state
        .clickhouse
        .query(&KIND_SQL.replace("{key}", key))
        .bind(tenant.to_string())
        .bind(u32::try_from(range.from).unwrap_or(0))
        .bind(u32::try_from(range.to).unwrap_or(u32::MAX))
        .bind(kind)
        .fetch_all::<KindRow>()
        .await
        .map_err(unavailable)?;
    let mut out: HashMap<String, KindTotals> = HashMap::new();
    for r in rows {
        let t = out.entry(r.key).or_default();
        if r.quantity == EVENTS {
            // Sums of ones: exact.
            t.events = r.total as u64;
        } else {
            t.quantities.insert(r.quantity, r.total);
        }
    }
    Ok(out)
}

/// Totals for a time range: requests, errors, latency percentiles, bytes, top routes.
#[utoipa::path(
    get, path = "/v1/usage/summary", tag = "usage", operation_id = "getUsageSummary",
    params(RangeQuery),
    responses((status = 200, description = "The organization's usage in the range", body = UsageSummary)),
    security(("bearerAuth" = ["usage:read"]))
)]
async fn usage_summary(
    ctx: TenantCtx,
    axum::extract::State(state): axum::extract::State<AppState>,
    Query(q): Query<RangeQuery>,
) -> Result<axum::Json<UsageSummary>, ApiError> {
    ctx.principal.require(Scope::UsageRead)?;
    let mut checks = Checks::default();
    let range = range(&q, MAX_SPAN_DAYS, &mut checks);
    let kind = q.kind(&mut checks);
    checks.finish()?;
    let tenant = ctx.principal.tenant_id;
    // No tenant data in Postgres is needed: release the connection now.
    drop(ctx);
    if kind != API_REQUEST {
        let totals = kind_totals(&state, tenant, &range, "''", &kind).await?;
        return Ok(axum::Json(UsageSummary {
            from: ts(range.from),
            to: ts(range.to),
            kind,
            kind_totals: totals.into_values().next().unwrap_or_default(),
            totals: Measures::default(),
            top_routes: Vec::new(),
            top_keys: Vec::new(),
            api_key_id: None,
        }));
    }
    let only = Only {
        api_key: q.api_key_id,
        ..Only::default()
    };
    let top = format!(" ORDER BY requests DESC, key LIMIT {TOP_ROUTES}");
    let totals = aggregate(&state, tenant, &range, "''", only, "").await?;
    let routes = aggregate(&state, tenant, &range, "route", only, &top).await?;
    let totals = totals.first().map(Measures::from).unwrap_or_default();
    // Narrowed to one key, the busiest keys are that key: its totals, no
    // third query.
    let top_keys = match q.api_key_id {
        Some(id) if totals.requests > 0 => vec![KeyUsage {
            api_key_id: id,
            measures: totals.clone(),
        }],
        Some(_) => Vec::new(),
        None => aggregate(
            &state,
            tenant,
            &range,
            "toString(api_key_id)",
            Only {
                by_key: true,
                ..only
            },
            &top,
        )
        .await?
        .iter()
        .filter_map(|r| {
            Some(KeyUsage {
                api_key_id: Uuid::try_parse(&r.key).ok()?,
                measures: r.into(),
            })
        })
        .collect(),
    };
    Ok(axum::Json(UsageSummary {
        from: ts(range.from),
        to: ts(range.to),
        kind,
        kind_totals: KindTotals::of_requests(&totals),
        totals,
        top_routes: routes
            .iter()
            .map(|r| RouteUsage {
                route: r.key.clone(),
                measures: r.into(),
            })
            .collect(),
        top_keys,
        api_key_id: q.api_key_id,
    }))
}

/// The same measures per hour or day, every bucket of the range included.
#[utoipa::path(
    get, path = "/v1/usage/timeseries", tag = "usage", operation_id = "getUsageTimeseries",
    params(RangeQuery, SeriesQuery),
    responses((status = 200, description = "The organization's usage per bucket", body = UsageTimeseries)),
    security(("bearerAuth" = ["usage:read"]))
)]
async fn usage_timeseries(
    ctx: TenantCtx,
    axum::extract::State(state): axum::extract::State<AppState>,
    Query(q): Query<RangeQuery>,
    Query(s): Query<SeriesQuery>,
) -> Result<axum::Json<UsageTimeseries>, ApiError> {
    ctx.principal.require(Scope::UsageRead)?;
    let interval = s.interval.unwrap_or(Interval::Hour);
    let mut checks = Checks::default();
    let max = match interval {
        Interval::Hour => MAX_HOURLY_SPAN_DAYS,
        Interval::Day => MAX_SPAN_DAYS,
    };
    let mut range = range(&q, max, &mut checks);
    let kind = q.kind(&mut checks);
    if let Some(r) = &s.route {
        checks.check(
            "route",
            (!r.starts_with('/') || r.len() > 200 || !r.bytes().all(|b| b.is_ascii_graphic()))
                .then_some("must be a route template such as /v1/users/{id}"),
        );
    }
    checks.finish()?;
    let tenant = ctx.principal.tenant_id;
    drop(ctx);
    let step: i64 = match interval {
        Interval::Hour => 3600,
        Interval::Day => 86_400,
    };
    // Day buckets are whole UTC days.
    range.from = range.from.div_euclid(step) * step;
    range.to = (range.to + step - 1).div_euclid(step) * step;
    let key = format!("toString(intDiv(toUInt32(hour), {step}) * {step})");
    let starts = (range.from..range.to).step_by(usize::try_from(step).unwrap_or(3600));
    let buckets = if kind == API_REQUEST {
        let only = Only {
            route: s.route.as_deref(),
            api_key: q.api_key_id,
            by_key: false,
        };
        let rows = aggregate(&state, tenant, &range, &key, only, "").await?;
        let by_start: HashMap<i64, &AggRow> = rows
            .iter()
            .filter_map(|r| r.key.parse::<i64>().ok().map(|k| (k, r)))
            .collect();
        starts
            .map(|start| {
                let measures = by_start
                    .get(&start)
                    .map(|r| Measures::from(*r))
                    .unwrap_or_default();
                UsageBucket {
                    start: ts(start),
                    kind_totals: KindTotals::of_requests(&measures),
                    measures,
                }
            })
            .collect()
    } else {
        let mut by_start = kind_totals(&state, tenant, &range, &key, &kind).await?;
        starts
            .map(|start| UsageBucket {
                start: ts(start),
                kind_totals: by_start.remove(&start.to_string()).unwrap_or_default(),
                measures: Measures::default(),
            })
            .collect()
    };
    Ok(axum::Json(UsageTimeseries {
        from: ts(range.from),
        to: ts(range.to),
        interval,
        kind,
        route: s.route,
        api_key_id: q.api_key_id,
        buckets,
    }))
}

//! `/v1/bills` (the organization's own) and `/v1/statements` (a
//! provider's revenue per listing and month, numbers only).

use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use qhub_lib::page::{Page, PageQuery};
use qhub_lib::{ApiError, Role};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::audit::Event;
use crate::billing::invoice::{self, InvoiceDoc, InvoiceLine};
use crate::identity::extract::{needs, Scoped, SessionCtx, TenantCtx};
use crate::marketplace::model::Currency;
use crate::platform::extract::{Path, Query};
use crate::platform::state::AppState;
use crate::platform::validate::Checks;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_bills))
        .routes(routes!(get_bill))
        .routes(routes!(get_invoice_pdf))
        .routes(routes!(mark_bill_paid))
        .routes(routes!(list_statements))
}

fn not_found() -> ApiError {
    ApiError::NotFound("no such bill".into())
}

qhub_lib::text_enum! {
    /// Collecting payment is out of scope: an owner marks a bill paid.
    pub enum PaymentStatus { Unpaid = "unpaid", Paid = "paid" }
}

qhub_lib::text_enum! {
    /// `subscription` (a plan's share of the month), `overage` (shots
    /// beyond a plan's allowance), `compute` (jobs at the backend's rates).
    pub enum ItemKind { Subscription = "subscription", Overage = "overage", Compute = "compute" }
}

/// A line of a bill. `amount` is in minor units of the bill's currency,
/// computed exactly and rounded once, half up.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct BillItemView {
    pub position: i32,
    pub kind: ItemKind,
    pub description: String,
    pub quantity: i64,
    /// `seconds` (subscription), `shots` (overage, compute).
    pub unit: String,
    pub amount: i64,
    pub subscription_id: Option<Uuid>,
    pub listing_id: Option<Uuid>,
    pub backend: Option<String>,
}

/// A bill: one organization, calendar month (UTC) and currency.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct BillView {
    pub id: Uuid,
    pub number: String,
    pub period_start: DateTime<Utc>,
    pub period_end: DateTime<Utc>,
    pub currency: Currency,
    /// The sum of the items' amounts (minor units).
    pub total: i64,
    pub payment_status: PaymentStatus,
    pub paid_at: Option<DateTime<Utc>>,
    pub issued_at: DateTime<Utc>,
    /// The line items (in `GET /v1/bills/{id}`; empty in lists).
    pub items: Vec<BillItemView>,
}

qhub_lib::page_of!(BillPage, BillView);

struct BillRow {
    id: Uuid,
    number: String,
    period_start: DateTime<Utc>,
    period_end: DateTime<Utc>,
    currency: Currency,
    total: i64,
    payment_status: PaymentStatus,
    paid_at: Option<DateTime<Utc>>,
    issued_at: DateTime<Utc>,
}

impl BillRow {
    fn view(self, items: Vec<BillItemView>) -> BillView {
        BillView {
            id: self.id,
            number: self.number,
            period_start: self.period_start,
            period_end: self.period_end,
            currency: self.currency,
            total: self.total,
            payment_status: self.payment_status,
            paid_at: self.paid_at,
            issued_at: self.issued_at,
            items,
        }
    }
}

async fn bill(ctx: &mut TenantCtx, id: Uuid) -> Result<BillView, ApiError> {
    let tenant = ctx.principal.tenant_id;
    let row = sqlx::query_as!(
        BillRow,
        r#"SELECT id, number, period_start, period_end, currency AS "currency: Currency", total,
                  payment_status AS "payment_status: PaymentStatus", paid_at, issued_at
           FROM bills WHERE id = $1 AND tenant_id = $2"#,
        id,
        tenant
    )
    .fetch_optional(&mut *ctx.tx)
    .await?
    .ok_or_else(not_found)?;
    let items = sqlx::query_as!(
        BillItemView,
        r#"SELECT position, kind AS "kind: ItemKind", description, quantity, unit, amount,
                  subscription_id, listing_id, backend
           FROM bill_items WHERE bill_id = $1 AND tenant_id = $2 ORDER BY position"#,
        id,
        tenant
    )
    .fetch_all(&mut *ctx.tx)
    .await?;
    Ok(row.view(items))
}

/// The organization's bills, newest month first.
#[utoipa::path(
    get, path = "/v1/bills", tag = "billing", operation_id = "listBills",
    params(PageQuery),
    responses((status = 200, description = "A page of bills (without items)", body = BillPage)),
    security(("bearerAuth" = ["billing:read"]))
)]
async fn list_bills(
    Scoped(mut ctx, _): Scoped<needs::BillingRead>,
    Query(q): Query<PageQuery>,
) -> Result<axum::Json<BillPage>, ApiError> {
    let page = q.validate()?;
    // Bill ids are UUIDv7 written by the close, month by month: newest
    // first by id is newest month first.
    let rows = sqlx::query_as!(
        BillRow,
        r#"SELECT id, number, period_start, period_end, currency AS "currency: Currency", total,
                  payment_status AS "payment_status: PaymentStatus", paid_at, issued_at
           FROM bills WHERE tenant_id = $1 AND ($2::uuid IS NULL OR id < $2)
           ORDER BY id DESC LIMIT $3"#,
        ctx.principal.tenant_id,
        page.after,
        page.limit + 1
    )
    .fetch_all(&mut *ctx.tx)
    .await?;
    let items = rows.into_iter().map(|r| r.view(Vec::new())).collect();
    Ok(axum::Json(Page::from_rows(items, page, |b| b.id).into()))
}

/// A bill with its line items.
#[utoipa::path(
    get, path = "/v1/bills/{id}", tag = "billing", operation_id = "getBill",
    params(("id" = Uuid, Path, description = "Bill id")),
    responses((status = 200, description = "The bill", body = BillView)),
    security(("bearerAuth" = ["billing:read"]))
)]
async fn get_bill(
    Scoped(mut ctx, _): Scoped<needs::BillingRead>,
    Path(id): Path<Uuid>,
) -> Result<axum::Json<BillView>, ApiError> {
    Ok(axum::Json(bill(&mut ctx, id).await?))
}

/// The bill as a PDF invoice.
#[utoipa::path(
    get, path = "/v1/bills/{id}/invoice.pdf", tag = "billing", operation_id = "getInvoicePdf",
    params(("id" = Uuid, Path, description = "Bill id")),
    responses((status = 200, description = "The invoice", content_type = "application/pdf", body = crate::apps::rules::PackageBytes)),
    security(("bearerAuth" = ["billing:read"]))
)]
async fn get_invoice_pdf(
    Scoped(mut ctx, _): Scoped<needs::BillingRead>,
    Path(id): Path<Uuid>,
) -> Result<Response, ApiError> {
    let b = bill(&mut ctx, id).await?;
    let organization = sqlx::query_scalar!(
        "SELECT name FROM tenants WHERE id = $1",
        ctx.principal.tenant_id
    )
    .fetch_one(&mut *ctx.tx)
    .await?;
    ctx.commit().await?;
    let currency = b.currency.as_str();
    let doc = InvoiceDoc {
        number: b.number.clone(),
        organization,
        period: b.period_start.format("%Y-%m").to_string(),
        issued: b.issued_at.format("%Y-%m-%d").to_string(),
        currency: currency.to_owned(),
        lines: b
            .items
            .iter()
            .map(|i| InvoiceLine {
                description: i.description.clone(),
                quantity: format!("{} {}", i.quantity, i.unit),
                amount: i.amount,
            })
            .collect(),
        total: b.total,
        payment_status: b.payment_status.as_str().to_owned(),
    };
    let pdf = tokio::task::spawn_blocking(move || invoice::render(&doc))
        .await
        .map_err(ApiError::internal)?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{}.pdf\"", b.number),
            ),
        ],
        pdf,
    )
        .into_response())
}

/// Mark a bill paid (owners only; collecting payment is out of scope).
/// Idempotent.
#[utoipa::path(
    post, path = "/v1/bills/{id}/mark-paid", tag = "billing", operation_id = "markBillPaid",
    params(("id" = Uuid, Path, description = "Bill id")),
    responses((status = 200, description = "The bill, paid", body = BillView)),
    security(("bearerAuth" = []))
)]
async fn mark_bill_paid(
    SessionCtx(mut ctx): SessionCtx,
    Path(id): Path<Uuid>,
) -> Result<axum::Json<BillView>, ApiError> {
    if ctx.principal.role != Role::Owner {
        return Err(ApiError::Forbidden(
            "only an owner may mark a bill paid".into(),
        ));
    }
    let tenant = ctx.principal.tenant_id;
    let changed = sqlx::query!(
        r#"UPDATE bills SET payment_status = 'paid', paid_at = now(), paid_by = $3
           WHERE id = $1 AND tenant_id = $2 AND payment_status = 'unpaid'"#,
        id,
        tenant,
        ctx.principal.user_id
    )
    .execute(&mut *ctx.tx)
    .await?;
    if changed.rows_affected() > 0 {
        ctx.audit(Event::new("bill.paid", "bill", id)).await?;
    }
    let view = bill(&mut ctx, id).await?;
    ctx.commit().await?;
    Ok(axum::Json(view))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StatementQuery {
    /// First month (`YYYY-MM`, not after `to`), default eleven months before this one.
    #[param(pattern = "^[2-9][0-9]{3}-(0[1-9]|1[0-2])$")]
    pub from: Option<String>,
    /// Last month (`YYYY-MM`, inclusive), default this month.
    #[param(pattern = "^[2-9][0-9]{3}-(0[1-9]|1[0-2])$")]
    pub to: Option<String>,
}

/// A provider's revenue from one listing in one month and currency.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct StatementLine {
    pub listing_id: Uuid,
    pub app_name: String,
    pub period_start: DateTime<Utc>,
    pub currency: Currency,
    /// Subscriptions billed.
    pub subscriptions: i64,
    pub subscription_amount: i64,
    pub overage_amount: i64,
    pub total: i64,
}

/// The whole statement (it is short: listings × months).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Statement {
    pub items: Vec<StatementLine>,
    /// Always null: the statement is one page.
    pub next_cursor: Option<String>,
}

/// Revenue per listing and month from subscribers' bills: how many
/// subscriptions were billed and what they paid for plans and overage.
/// Nothing of the subscribers.
#[utoipa::path(
    get, path = "/v1/statements", tag = "billing", operation_id = "listStatements",
    params(StatementQuery),
    responses((status = 200, description = "Revenue per listing and month, newest first", body = Statement)),
    security(("bearerAuth" = ["registry:publish"]))
)]
async fn list_statements(
    Scoped(mut ctx, _): Scoped<needs::RegistryPublish>,
    Query(q): Query<StatementQuery>,
) -> Result<axum::Json<Statement>, ApiError> {
    use crate::billing::close::Month;
    let mut checks = Checks::default();
    let now = Month::of(Utc::now()).ok_or_else(|| ApiError::internal("no current month"))?;
    let parse = |v: &Option<String>, field: &str, checks: &mut Checks| match v {
        None => None,
        Some(s) => {
            let m = Month::parse(s);
            checks.check(
                field,
                m.is_none()
                    .then_some("must be a month, YYYY-MM (2000–9999)"),
            );
            m
        }
    };
    let from = parse(&q.from, "from", &mut checks);
    let to = parse(&q.to, "to", &mut checks);
    checks.finish()?;
    let from = from.map_or_else(
        || {
            now.start
                .checked_sub_months(chrono::Months::new(11))
                .unwrap_or(now.start)
        },
        |m| m.start,
    );
    let to = to.unwrap_or(now).end;
    if from >= to {
        return Err(ApiError::field("from", "must not be after to"));
    }
    let rows = sqlx::query!(
        r#"SELECT st.listing_id AS "listing_id!", st.period_start AS "period_start!",
                  st.currency AS "currency!: Currency", st.subscriptions AS "subscriptions!",
                  st.subscription_amount AS "subscription_amount!",
                  st.overage_amount AS "overage_amount!", a.name AS "app_name?"
           FROM app.provider_statement($1, $2) st
           LEFT JOIN marketplace_listings l ON l.id = st.listing_id
           LEFT JOIN apps a ON a.id = l.app_id"#,
        from,
        to
    )
    .fetch_all(&mut *ctx.tx)
    .await?;
    let items = rows
        .into_iter()
        .map(|r| StatementLine {
            listing_id: r.listing_id,
            app_name: r.app_name.unwrap_or_default(),
            period_start: r.period_start,
            currency: r.currency,
            subscriptions: r.subscriptions,
            subscription_amount: r.subscription_amount,
            overage_amount: r.overage_amount,
            total: r.subscription_amount.saturating_add(r.overage_amount),
        })
        .collect();
    Ok(axum::Json(Statement {
        items,
        next_cursor: None,
    }))
}

//! What the marketplace API takes and answers with.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::platform::validate;

qhub_lib::text_enum! {
    /// ISO 4217 code; each has two decimal places (amounts are in cents).
    pub enum Currency { Usd = "USD", Eur = "EUR", Gbp = "GBP", Chf = "CHF" }
}

qhub_lib::text_enum! {
    /// How often a plan's price is due.
    pub enum PlanPeriod { Month = "month", Year = "year" }
}

qhub_lib::text_enum! {
    /// `listed`: on the marketplace; `unlisted`: off it (subscriptions run
    /// to the end of their period).
    pub enum ListingStatus { Listed = "listed", Unlisted = "unlisted" }
}

qhub_lib::text_enum! {
    /// `trialing` → `active` → `canceled` | `expired`.
    pub enum SubscriptionState {
        Trialing = "trialing",
        Active = "active",
        /// Canceled by the subscriber (at the end of a period).
        Canceled = "canceled",
        /// The listing was unlisted and the period ended.
        Expired = "expired",
    }
}

qhub_lib::text_enum! {
    /// Marketplace order.
    pub enum MarketplaceSort {
        Newest = "newest",
        /// Cheapest plan first.
        Price = "price",
        /// Best rated first.
        Rating = "rating",
        /// Most live subscriptions first.
        Subscribers = "subscribers",
    }
}

/// A plan as a provider offers it.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanInput {
    /// A display name, unique in the listing (ignoring case).
    #[schema(value_type = crate::platform::validate::schema::DisplayName)]
    pub name: String,
    /// In minor units (cents) of `currency`, per `period`: 0 to 100,000,000,000.
    #[serde(deserialize_with = "validate::integer")]
    #[schema(minimum = 0, maximum = 100000000000_i64)]
    pub price: i64,
    pub currency: Currency,
    pub period: PlanPeriod,
    /// Job shots included per period (0 to 10^12).
    #[serde(deserialize_with = "validate::integer")]
    #[schema(minimum = 0, maximum = 1000000000000_i64)]
    pub included_shots: i64,
    /// Price of 1000 shots beyond those included, in minor units (0 to 100,000,000,000).
    #[serde(deserialize_with = "validate::integer")]
    #[schema(minimum = 0, maximum = 100000000000_i64)]
    pub overage_price_per_1000_shots: i64,
}

/// A plan with its id.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PlanView {
    pub id: Uuid,
    pub name: String,
    pub price: i64,
    pub currency: Currency,
    pub period: PlanPeriod,
    pub included_shots: i64,
    pub overage_price_per_1000_shots: i64,
    /// False once a provider replaced it (subscriptions on it keep it).
    pub active: bool,
}

/// `POST /v1/apps/{id}/publish-marketplace`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PublishListingRequest {
    /// 1 to 10 plans with distinct names.
    #[schema(min_items = 1, max_items = 10)]
    pub plans: Vec<PlanInput>,
    /// Days of free trial (0: no trial), 0 to 90.
    #[serde(deserialize_with = "validate::integer")]
    #[schema(minimum = 0, maximum = 90)]
    pub trial_days: i32,
    #[schema(value_type = crate::platform::validate::schema::EmailAddress)]
    pub support_email: String,
}

/// `PATCH /v1/marketplace/{listing_id}`: what is given changes.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateListingRequest {
    /// Replaces the offered plans: a plan whose name is kept keeps its id;
    /// the others are retired (subscriptions on them keep them).
    #[serde(default)]
    #[schema(min_items = 1, max_items = 10)]
    pub plans: Option<Vec<PlanInput>>,
    #[serde(default, deserialize_with = "validate::present_integer")]
    #[schema(value_type = i32, minimum = 0, maximum = 90)]
    pub trial_days: Option<i32>,
    #[serde(default)]
    #[schema(value_type = Option<crate::platform::validate::schema::EmailAddress>)]
    pub support_email: Option<String>,
    #[serde(default)]
    pub status: Option<ListingStatus>,
}

/// A listing on the marketplace.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ListingView {
    pub id: Uuid,
    pub app_id: Uuid,
    pub app_name: String,
    pub app_slug: String,
    pub description: String,
    pub tags: Vec<String>,
    pub publisher_name: String,
    pub status: ListingStatus,
    pub trial_days: i32,
    pub support_email: String,
    /// The offered (active) plans.
    pub plans: Vec<PlanView>,
    /// The cheapest plan's price (minor units of its currency).
    pub min_price: i64,
    /// Live (trialing or active) subscriptions.
    pub subscriber_count: i64,
    /// Mean review rating (1–5), null without reviews.
    pub rating: Option<f64>,
    pub rating_count: i64,
    /// The caller's organization is the provider.
    pub own: bool,
    /// The caller's live subscription to this listing, if any.
    pub subscription_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

qhub_lib::page_of!(ListingPage, ListingView);

/// `POST /v1/marketplace/{listing_id}/subscribe` and `/trial`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubscribeRequest {
    /// The id of one of the listing's plans.
    pub plan: Uuid,
}

/// `PATCH /v1/subscriptions/{id}`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateSubscriptionRequest {
    /// Change to this plan of the listing now (billing pro-rates both).
    #[serde(default)]
    pub plan: Option<Uuid>,
    /// `true`: end at the end of the current period; `false`: keep going.
    #[serde(default, deserialize_with = "validate::present")]
    #[schema(value_type = bool)]
    pub cancel_at_period_end: Option<bool>,
}

/// A subscription, as its owner (the consumer) sees it.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct SubscriptionView {
    pub id: Uuid,
    pub listing_id: Uuid,
    pub app_id: Uuid,
    pub app_name: String,
    pub provider_name: String,
    pub plan: PlanView,
    pub state: SubscriptionState,
    pub trial_ends_at: Option<DateTime<Utc>>,
    pub current_period_start: DateTime<Utc>,
    pub current_period_end: DateTime<Utc>,
    pub cancel_at_period_end: bool,
    pub created_at: DateTime<Utc>,
    pub ended_at: Option<DateTime<Utc>>,
}

qhub_lib::page_of!(SubscriptionPage, SubscriptionView);

/// A plan's id and name.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct PlanRef {
    pub id: Uuid,
    pub name: String,
}

/// A subscriber, as the provider sees it: nothing more of the consumer.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct SubscriberView {
    /// The subscription's id.
    pub id: Uuid,
    /// The consumer organization's name when it subscribed.
    pub name: String,
    pub plan: PlanRef,
    pub state: SubscriptionState,
    pub since: DateTime<Utc>,
}

qhub_lib::page_of!(SubscriberPage, SubscriberView);

/// `POST /v1/subscriptions/{id}/keys`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateKeyRequest {
    #[schema(value_type = crate::platform::validate::schema::DisplayName)]
    pub name: String,
    /// Uses the key has (each authenticated request is one), 1 to 10^12.
    #[serde(deserialize_with = "validate::integer")]
    #[schema(minimum = 1, maximum = 1000000000000_i64)]
    pub remaining_usage_count: i64,
    /// When the key stops working (in the future; at most 10 years ahead).
    #[serde(default, deserialize_with = "qhub_lib::time::optional_timestamp")]
    #[schema(value_type = Option<crate::platform::validate::schema::Timestamp>)]
    pub expires_at: Option<DateTime<Utc>>,
    /// Requests per minute (1 to 100,000; default 600).
    #[serde(default, deserialize_with = "validate::present_integer")]
    #[schema(value_type = i32, minimum = 1, maximum = 100000)]
    pub rate_limit_per_minute: Option<i32>,
}

/// A subscription key (never its secret after creation).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct SubscriptionKeyView {
    pub id: Uuid,
    pub subscription_id: Uuid,
    pub name: String,
    /// The key's first characters, to recognise it.
    pub prefix: String,
    pub remaining_usage_count: i64,
    pub rate_limit_per_minute: i32,
    pub expires_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

qhub_lib::page_of!(SubscriptionKeyPage, SubscriptionKeyView);

/// A new subscription key: `key` is shown here only.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct NewSubscriptionKey {
    /// The secret (`qh_sub_…`): send it as `X-API-Key`. Not shown again.
    pub key: String,
    #[serde(flatten)]
    pub view: SubscriptionKeyView,
}

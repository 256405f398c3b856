//! The marketplace, subscriptions, subscription keys, billing and
//! notifications, against real Postgres, Redis and ClickHouse.

mod common;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use common::{owner_pool, qhub_binary, Tenant, TestApp};
use qhub_core::billing::close::{self, Month};
use qhub_lib::usage::{PrincipalKind, UsageEvent, UsageKind};
use reqwest::Method;
use serde_json::{json, Value};
use uuid::Uuid;

const BELL: &str = "OPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[2];\ncreg c[2];\nh q[0];\ncx q[0],q[1];\nmeasure q -> c;\n";

async fn app_with_workers(slots: usize) -> TestApp {
    let mut config = common::test_config();
    config.jobs.slots = slots;
    TestApp::spawn_with(config).await
}

/// A provider's circuit app with one published version, listed with the
/// given plans: (app id, version id, listing).
async fn listed_app(
    app: &TestApp,
    a: &Tenant,
    plans: Value,
    trial_days: i64,
) -> (String, String, Value) {
    let created = app
        .post(
            "/v1/apps",
            Some(&a.access),
            json!({"name": common::unique("Bell Pair"), "slug": common::unique("bell"), "type": "circuit",
                   "description": "Entangles two qubits", "tags": ["bell"]}),
        )
        .await;
    let app_id = created.ok(201)["id"].as_str().unwrap().to_owned();
    let v = app
        .post(
            &format!("/v1/apps/{app_id}/versions"),
            Some(&a.access),
            json!({"version": "1.0.0", "sdk": "openqasm2", "qubits": 2}),
        )
        .await;
    let vid = v.ok(201)["id"].as_str().unwrap().to_owned();
    app.raw(
        Method::PUT,
        &format!("/v1/apps/{app_id}/versions/{vid}/package"),
        Some(&a.access),
        Some("application/octet-stream"),
        BELL.as_bytes().to_vec(),
    )
    .await
    .ok(200);
    app.post(
        &format!("/v1/apps/{app_id}/versions/{vid}/publish"),
        Some(&a.access),
        json!({}),
    )
    .await
    .ok(200);
    let listing = app
        .post(
            &format!("/v1/apps/{app_id}/publish-marketplace"),
            Some(&a.access),
            json!({"plans": plans, "trial_days": trial_days, "support_email": "help@provider.example"}),
        )
        .await;
    (app_id, vid, listing.ok(201).clone())
}

fn starter() -> Value {
    json!([{"name": "Starter", "price": 4900, "currency": "USD", "period": "month",
            "included_shots": 1000, "overage_price_per_1000_shots": 25}])
}

/// Starts a trial or a subscription (`how`: "trial" or "subscribe") on
/// the listing's plan; the subscription's id.
async fn begin(
    app: &TestApp,
    token: &str,
    lid: &str,
    plan: &impl std::fmt::Display,
    how: &str,
) -> String {
    let r = app
        .post(
            &format!("/v1/marketplace/{lid}/{how}"),
            Some(token),
            json!({"plan": plan.to_string()}),
        )
        .await;
    r.ok(201)["id"].as_str().unwrap().to_owned()
}

async fn key_call(
    app: &TestApp,
    method: Method,
    path: &str,
    key: &str,
    body: Option<Value>,
) -> common::Resp {
    let mut req = app
        .http
        .request(method, format!("{}{}", app.base, path))
        .header("x-api-key", key);
    if let Some(b) = body {
        req = req.json(&b);
    }
    TestApp::read(req.send().await.unwrap()).await
}

async fn new_key(app: &TestApp, token: &str, sub: &str, uses: i64) -> (String, String) {
    let r = app
        .post(
            &format!("/v1/subscriptions/{sub}/keys"),
            Some(token),
            json!({"name": "ci", "remaining_usage_count": uses, "rate_limit_per_minute": 100000}),
        )
        .await;
    let k = r.ok(201);
    (
        k["id"].as_str().unwrap().to_owned(),
        k["key"].as_str().unwrap().to_owned(),
    )
}

async fn remaining(app: &TestApp, token: &str, sub: &str, key_id: &str) -> i64 {
    let r = app
        .get(&format!("/v1/subscriptions/{sub}/keys"), token)
        .await;
    r.ok(200)["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["id"] == key_id)
        .unwrap()["remaining_usage_count"]
        .as_i64()
        .unwrap()
}

#[tokio::test]
async fn a_provider_sells_an_app_and_a_consumer_trials_it_and_runs_it_with_a_key() {
    let app = app_with_workers(1).await;
    let a = app.signup().await;
    let b = app.signup().await;
    let (app_id, vid, listing) = listed_app(&app, &a, starter(), 14).await;
    let lid = listing["id"].as_str().unwrap().to_owned();
    let plan = listing["plans"][0]["id"].as_str().unwrap().to_owned();
    assert_eq!(listing["plans"][0]["price"], 4900);
    assert_eq!(listing["status"], "listed");
    assert_eq!(listing["own"], true);
    // Listing the same app twice is a conflict.
    app.post(
        &format!("/v1/apps/{app_id}/publish-marketplace"),
        Some(&a.access),
        json!({"plans": starter(), "trial_days": 0, "support_email": "x@y.example"}),
    )
    .await
    .problem(409, "conflict");

    // The consumer finds it and sees it is not its own.
    let name = listing["app_name"].as_str().unwrap();
    let found = app
        .get(
            &format!(
                "/v1/marketplace?q={}",
                name.to_lowercase().replace(' ', "%20")
            ),
            &b.access,
        )
        .await;
    let items = found.ok(200)["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), 1, "{items:?}");
    assert_eq!(items[0]["id"], lid.as_str());
    assert_eq!(items[0]["own"], false);
    assert_eq!(items[0]["subscription_id"], Value::Null);
    // Not subscribed yet: no versions.
    app.get(&format!("/v1/marketplace/{lid}/versions"), &b.access)
        .await
        .problem(403, "forbidden");
    // The provider cannot subscribe to its own listing.
    app.post(
        &format!("/v1/marketplace/{lid}/subscribe"),
        Some(&a.access),
        json!({"plan": plan}),
    )
    .await
    .problem(409, "conflict");
    // A plan of another listing is a 422.
    app.post(
        &format!("/v1/marketplace/{lid}/trial"),
        Some(&b.access),
        json!({"plan": Uuid::now_v7()}),
    )
    .await
    .problem(422, "validation_failed");

    let t = app
        .post(
            &format!("/v1/marketplace/{lid}/trial"),
            Some(&b.access),
            json!({"plan": plan}),
        )
        .await;
    let sub = t.ok(201).clone();
    let sid = sub["id"].as_str().unwrap().to_owned();
    assert_eq!(sub["state"], "trialing");
    assert_eq!(sub["plan"]["id"], plan.as_str());
    let ends: DateTime<Utc> = sub["trial_ends_at"].as_str().unwrap().parse().unwrap();
    let left = ends - Utc::now();
    assert!(left > chrono::Duration::days(13) && left <= chrono::Duration::days(14));
    // A second live subscription, trial or paid, is a conflict.
    app.post(
        &format!("/v1/marketplace/{lid}/subscribe"),
        Some(&b.access),
        json!({"plan": plan}),
    )
    .await
    .problem(409, "conflict");
    app.post(
        &format!("/v1/marketplace/{lid}/trial"),
        Some(&b.access),
        json!({"plan": plan}),
    )
    .await
    .problem(409, "conflict");
    let seen = app.get(&format!("/v1/marketplace/{lid}"), &b.access).await;
    assert_eq!(seen.ok(200)["subscription_id"], sid.as_str());
    assert_eq!(seen.body["subscriber_count"], 1);

    // The provider sees the subscriber: its name, plan, state, since, and nothing else.
    let subs = app
        .get(&format!("/v1/apps/{app_id}/subscribers"), &a.access)
        .await;
    let s0 = subs.ok(200)["items"][0].clone();
    let keys: Vec<&str> = s0.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys, ["id", "name", "plan", "since", "state"]);
    let b_name = app.get("/v1/tenant", &b.access).await.ok(200)["name"].clone();
    assert_eq!(s0["name"], b_name);
    assert_eq!(s0["plan"]["name"], "Starter");
    assert_eq!(s0["state"], "trialing");
    // The provider's admins were told.
    let n = app.get("/v1/notifications", &a.access).await;
    let n0 = n.ok(200)["items"][0].clone();
    assert_eq!(n0["type"], "subscription.new_subscriber");
    assert_eq!(n0["data"]["subscription_id"], sid.as_str());
    assert!(n0["body"]
        .as_str()
        .unwrap()
        .contains(b_name.as_str().unwrap()));
    assert_eq!(n.body["unread_count"], 1);

    // A subscription key, shown once.
    let (key_id, key) = new_key(&app, &b.access, &sid, 20).await;
    assert!(key.starts_with("qh_sub_"));
    let listed = app
        .get(&format!("/v1/subscriptions/{sid}/keys"), &b.access)
        .await;
    assert!(listed.ok(200)["items"][0].get("key").is_none());

    // The key runs the app as a job and reads the result.
    let job = key_call(
        &app,
        Method::POST,
        "/v1/jobs",
        &key,
        Some(
            json!({"backend": "qhub-statevector", "app_version_id": vid, "shots": 200, "seed": 7}),
        ),
    )
    .await;
    let jid = job.ok(201)["id"].as_str().unwrap().to_owned();
    let started = Instant::now();
    let mut uses = 1;
    loop {
        let j = key_call(&app, Method::GET, &format!("/v1/jobs/{jid}"), &key, None).await;
        uses += 1;
        if j.ok(200)["status"] == "completed" {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "job still {}",
            j.body["status"]
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let result = key_call(
        &app,
        Method::GET,
        &format!("/v1/jobs/{jid}/result"),
        &key,
        None,
    )
    .await;
    uses += 1;
    let counts = result.ok(200)["counts"].as_object().unwrap().clone();
    assert!(counts.keys().all(|k| k == "00" || k == "11"), "{counts:?}");
    assert_eq!(
        counts.values().map(|v| v.as_i64().unwrap()).sum::<i64>(),
        200
    );
    // It reads the listing's versions, docs and package.
    let vs = key_call(
        &app,
        Method::GET,
        &format!("/v1/marketplace/{lid}/versions"),
        &key,
        None,
    )
    .await;
    assert_eq!(vs.ok(200)["items"][0]["id"], vid.as_str());
    let pkg = key_call(
        &app,
        Method::GET,
        &format!("/v1/marketplace/{lid}/versions/{vid}/package"),
        &key,
        None,
    )
    .await;
    assert_eq!(pkg.status, 200);
    uses += 2;
    assert_eq!(remaining(&app, &b.access, &sid, &key_id).await, 20 - uses);

    // Nothing else: not a program, not the organization's other data.
    key_call(
        &app,
        Method::POST,
        "/v1/jobs",
        &key,
        Some(json!({"backend": "qhub-statevector", "program": BELL})),
    )
    .await
    .problem(403, "forbidden");
    uses += 1;
    for path in [
        "/v1/users",
        "/v1/jobs",
        "/v1/tenant",
        "/v1/subscriptions",
        "/v1/bills",
    ] {
        key_call(&app, Method::GET, path, &key, None)
            .await
            .problem(403, "forbidden");
    }
    // A job of the organization's own is not the key's to read.
    let own = app
        .post(
            "/v1/jobs",
            Some(&b.access),
            json!({"backend": "qhub-statevector", "program": BELL, "shots": 10}),
        )
        .await;
    let own_id = own.ok(201)["id"].as_str().unwrap().to_owned();
    key_call(&app, Method::GET, &format!("/v1/jobs/{own_id}"), &key, None)
        .await
        .problem(404, "not_found");
    uses += 1;
    // Another listing is not the key's either.
    let (_, _, other) = listed_app(&app, &a, starter(), 0).await;
    key_call(
        &app,
        Method::GET,
        &format!("/v1/marketplace/{}", other["id"].as_str().unwrap()),
        &key,
        None,
    )
    .await
    .problem(404, "not_found");
    uses += 1;
    assert_eq!(remaining(&app, &b.access, &sid, &key_id).await, 20 - uses);

    // The key's job ran under the subscription, by the key.
    let pool = owner_pool().await;
    let row: (Option<Uuid>, Option<Uuid>, String) = sqlx::query_as(
        "SELECT subscription_id, subscription_key_id, created_by_kind FROM jobs WHERE id = $1",
    )
    .bind(Uuid::parse_str(&jid).unwrap())
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(row.0, Some(Uuid::parse_str(&sid).unwrap()));
    assert_eq!(row.1, Some(Uuid::parse_str(&key_id).unwrap()));
    assert_eq!(row.2, "subscription_key");
    // Who made the key heard that the job completed.
    common::wait_for_notification(&app, &b.access, "job.finished", "job_id", &jid).await;

    // Revoked: the next request is refused.
    app.delete(&format!("/v1/subscriptions/{sid}/keys/{key_id}"), &b.access)
        .await;
    key_call(
        &app,
        Method::GET,
        &format!("/v1/marketplace/{lid}"),
        &key,
        None,
    )
    .await
    .problem(403, "subscription_key_revoked");
    // A made-up key is not a credential.
    key_call(
        &app,
        Method::GET,
        &format!("/v1/marketplace/{lid}"),
        "qh_sub_madeup",
        None,
    )
    .await
    .problem(401, "unauthenticated");
}

#[tokio::test]
async fn twenty_concurrent_subscribes_make_exactly_one_live_subscription() {
    let app = TestApp::spawn().await;
    let a = app.signup().await;
    let b = app.signup().await;
    let (_, _, listing) = listed_app(&app, &a, starter(), 0).await;
    let lid = listing["id"].as_str().unwrap();
    let plan = listing["plans"][0]["id"].as_str().unwrap();
    let answers = app
        .many(
            20,
            &format!("/v1/marketplace/{lid}/subscribe"),
            Some(&b.access),
            json!({"plan": plan}),
        )
        .await;
    let created = answers.iter().filter(|r| r.status == 201).count();
    let conflicts = answers
        .iter()
        .filter(|r| r.status == 409 && r.body["code"] == "conflict")
        .count();
    assert_eq!(
        (created, conflicts),
        (1, 19),
        "{:?}",
        answers.iter().map(|r| r.status).collect::<Vec<_>>()
    );
    let live: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM subscriptions WHERE tenant_id = $1 AND state IN ('trialing', 'active')",
    )
    .bind(b.id)
    .fetch_one(&owner_pool().await)
    .await
    .unwrap();
    assert_eq!(live, 1);
    let listing = app.get(&format!("/v1/marketplace/{lid}"), &a.access).await;
    assert_eq!(listing.ok(200)["subscriber_count"], 1);
}

#[tokio::test]
async fn a_key_with_50_uses_answers_exactly_50_of_100_concurrent_requests() {
    let app = TestApp::spawn().await;
    let a = app.signup().await;
    let b = app.signup().await;
    let (_, _, listing) = listed_app(&app, &a, starter(), 0).await;
    let lid = listing["id"].as_str().unwrap().to_owned();
    let plan = listing["plans"][0]["id"].as_str().unwrap();
    let sid = begin(&app, &b.access, &lid, &plan, "subscribe").await;
    let (key_id, key) = new_key(&app, &b.access, &sid, 50).await;
    let mut set = tokio::task::JoinSet::new();
    for _ in 0..100 {
        let req = app
            .http
            .get(format!("{}/v1/marketplace/{lid}/docs", app.base))
            .header("x-api-key", key.clone());
        set.spawn(async move { TestApp::read(req.send().await.unwrap()).await });
    }
    let answers = set.join_all().await;
    let ok = answers.iter().filter(|r| r.status == 200).count();
    let exhausted = answers
        .iter()
        .filter(|r| r.status == 403 && r.body["code"] == "subscription_key_exhausted")
        .count();
    assert_eq!(
        (ok, exhausted),
        (50, 50),
        "{:?}",
        answers.iter().map(|r| r.status).collect::<Vec<_>>()
    );
    assert_eq!(remaining(&app, &b.access, &sid, &key_id).await, 0);

    // Past its expiry a key is refused with its own code.
    let (key2_id, key2) = new_key(&app, &b.access, &sid, 5).await;
    sqlx::query(
        "UPDATE subscription_keys SET expires_at = now() - interval '1 second' WHERE id = $1",
    )
    .bind(Uuid::parse_str(&key2_id).unwrap())
    .execute(&owner_pool().await)
    .await
    .unwrap();
    key_call(
        &app,
        Method::GET,
        &format!("/v1/marketplace/{lid}"),
        &key2,
        None,
    )
    .await
    .problem(403, "subscription_key_expired");
    assert_eq!(remaining(&app, &b.access, &sid, &key2_id).await, 5);
    // Expiry must lie ahead; counts must be positive.
    app.post(
        &format!("/v1/subscriptions/{sid}/keys"),
        Some(&b.access),
        json!({"name": "old", "remaining_usage_count": 1, "expires_at": "2020-01-01T00:00:00Z"}),
    )
    .await
    .problem(422, "validation_failed");
    app.post(
        &format!("/v1/subscriptions/{sid}/keys"),
        Some(&b.access),
        json!({"name": "none", "remaining_usage_count": 0}),
    )
    .await
    .problem(422, "validation_failed");
}

/// Every id-bearing endpoint answers 404 to another organization and
/// changes nothing; the cross-tenant policies only read.
#[tokio::test]
async fn another_organization_gets_404_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let a = app.signup().await;
    let b = app.signup().await;
    let c = app.signup().await;
    let (app_id, vid, listing) = listed_app(&app, &a, starter(), 7).await;
    let lid = listing["id"].as_str().unwrap().to_owned();
    let plan = listing["plans"][0]["id"].as_str().unwrap().to_owned();
    let sid = begin(&app, &b.access, &lid, &plan, "subscribe").await;
    let (key_id, _) = new_key(&app, &b.access, &sid, 10).await;
    let note = app.get("/v1/notifications", &a.access).await.ok(200)["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // B's bill for a closed month.
    let month = Month::parse("2026-08").unwrap();
    let bill_id = Uuid::now_v7();
    let owner = owner_pool().await;
    let mut tx = common::as_tenant(&owner, b.id).await;
    sqlx::query(
        "INSERT INTO bills (id, tenant_id, number, period_start, period_end, currency, total)
         VALUES ($1, $2, $3, $4, $5, 'USD', 100)",
    )
    .bind(bill_id)
    .bind(b.id)
    .bind(format!("QH-TEST-{}", Uuid::now_v7().simple()))
    .bind(month.start)
    .bind(month.end)
    .execute(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();

    let before_sub = app
        .get(&format!("/v1/subscriptions/{sid}"), &b.access)
        .await
        .ok(200)
        .clone();
    let before_listing = app
        .get(&format!("/v1/marketplace/{lid}"), &a.access)
        .await
        .ok(200)
        .clone();
    let calls: Vec<(Method, String, Option<Value>)> = vec![
        (Method::GET, format!("/v1/subscriptions/{sid}"), None),
        (
            Method::PATCH,
            format!("/v1/subscriptions/{sid}"),
            Some(json!({"cancel_at_period_end": true})),
        ),
        (Method::DELETE, format!("/v1/subscriptions/{sid}"), None),
        (Method::GET, format!("/v1/subscriptions/{sid}/keys"), None),
        (
            Method::POST,
            format!("/v1/subscriptions/{sid}/keys"),
            Some(json!({"name": "x", "remaining_usage_count": 5})),
        ),
        (
            Method::DELETE,
            format!("/v1/subscriptions/{sid}/keys/{key_id}"),
            None,
        ),
        (Method::GET, format!("/v1/bills/{bill_id}"), None),
        (
            Method::GET,
            format!("/v1/bills/{bill_id}/invoice.pdf"),
            None,
        ),
        (
            Method::POST,
            format!("/v1/bills/{bill_id}/mark-paid"),
            Some(json!({})),
        ),
        (
            Method::PATCH,
            format!("/v1/marketplace/{lid}"),
            Some(json!({"trial_days": 1})),
        ),
        (
            Method::POST,
            format!("/v1/marketplace/{lid}/unlist"),
            Some(json!({})),
        ),
        (Method::GET, format!("/v1/apps/{app_id}/subscribers"), None),
        (
            Method::POST,
            format!("/v1/apps/{app_id}/publish-marketplace"),
            Some(json!({"plans": starter(), "trial_days": 0, "support_email": "a@b.example"})),
        ),
        (
            Method::POST,
            format!("/v1/notifications/{note}/read"),
            Some(json!({})),
        ),
    ];
    for (method, path, body) in &calls {
        let r = app
            .call(method.clone(), path, Some(&c.access), body.clone())
            .await;
        assert_eq!(r.status, 404, "{method} {path}: {}", r.body);
        assert_eq!(r.body["code"], "not_found", "{method} {path}");
    }
    // The consumer is not the provider either.
    for (method, path, body) in &calls[9..13] {
        let r = app
            .call(method.clone(), path, Some(&b.access), body.clone())
            .await;
        assert_eq!(r.status, 404, "{method} {path} as the consumer: {}", r.body);
    }
    // A non-subscriber reads the listing (it is public) but not the app's versions.
    app.get(&format!("/v1/marketplace/{lid}"), &c.access)
        .await
        .ok(200);
    app.get(
        &format!("/v1/marketplace/{lid}/versions/{vid}/package"),
        &c.access,
    )
    .await
    .problem(403, "forbidden");
    // Nothing changed.
    assert_eq!(
        app.get(&format!("/v1/subscriptions/{sid}"), &b.access)
            .await
            .ok(200),
        &before_sub
    );
    let after_listing = app.get(&format!("/v1/marketplace/{lid}"), &a.access).await;
    assert_eq!(
        after_listing.ok(200)["trial_days"],
        before_listing["trial_days"]
    );
    assert_eq!(after_listing.body["status"], "listed");
    assert_eq!(remaining(&app, &b.access, &sid, &key_id).await, 10);
    let bill = app.get(&format!("/v1/bills/{bill_id}"), &b.access).await;
    assert_eq!(bill.ok(200)["payment_status"], "unpaid");
    let n = app.get("/v1/notifications", &a.access).await;
    assert_eq!(n.ok(200)["items"][0]["read_at"], Value::Null);
    // Unlisted, the listing is gone for others, kept for its subscriber.
    app.post(
        &format!("/v1/marketplace/{lid}/unlist"),
        Some(&a.access),
        json!({}),
    )
    .await
    .ok(200);
    app.get(&format!("/v1/marketplace/{lid}"), &c.access)
        .await
        .problem(404, "not_found");
    app.get(&format!("/v1/marketplace/{lid}"), &b.access)
        .await
        .ok(200);
    app.post(
        &format!("/v1/marketplace/{lid}/subscribe"),
        Some(&c.access),
        json!({"plan": plan}),
    )
    .await
    .problem(404, "not_found");

    // In SQL: the provider reads its subscriber's row but cannot change
    // it; a third organization sees none of it.
    let pool = common::app_pool(2).await;
    let sid_u = Uuid::parse_str(&sid).unwrap();
    for (tenant, sees_sub) in [(a.id, true), (c.id, false)] {
        let mut tx = pool.begin().await.unwrap();
        sqlx::query("SELECT set_config('app.tenant_id', $1, true)")
            .bind(tenant.to_string())
            .execute(&mut *tx)
            .await
            .unwrap();
        let seen: i64 = sqlx::query_scalar("SELECT count(*) FROM subscriptions WHERE id = $1")
            .bind(sid_u)
            .fetch_one(&mut *tx)
            .await
            .unwrap();
        assert_eq!(seen, i64::from(sees_sub));
        for sql in [
            "UPDATE subscriptions SET state = 'canceled' WHERE id = $1",
            "UPDATE subscription_keys SET remaining_usage_count = 999 WHERE subscription_id = $1",
            // The provider's own "new subscriber" notice is its to delete;
            // the consumer's are not.
            "DELETE FROM notifications WHERE data->>'subscription_id' = $1::text
               AND tenant_id <> current_setting('app.tenant_id')::uuid",
        ] {
            let done = sqlx::query(sql)
                .bind(sid_u)
                .execute(&mut *tx)
                .await
                .unwrap();
            assert_eq!(done.rows_affected(), 0, "{sql} as {tenant}");
        }
        for table in [
            "subscription_keys",
            "bills",
            "bill_items",
            "subscription_segments",
        ] {
            let n: i64 = sqlx::query_scalar(&format!(
                "SELECT count(*) FROM {table} WHERE tenant_id = $1"
            ))
            .bind(b.id)
            .fetch_one(&mut *tx)
            .await
            .unwrap();
            assert_eq!(n, 0, "{table} of the consumer seen by {tenant}");
        }
        tx.rollback().await.unwrap();
    }
}

/// A `job.run` event at `at`, as the worker meters it.
fn run_event(
    tenant: Uuid,
    at: DateTime<Utc>,
    backend: &str,
    shots: i64,
    run_ms: i64,
    sub: Option<Uuid>,
) -> UsageEvent {
    let mut dimensions = BTreeMap::from([
        ("backend".to_owned(), backend.to_owned()),
        ("status".to_owned(), "completed".to_owned()),
        ("job_id".to_owned(), Uuid::now_v7().to_string()),
    ]);
    if let Some(s) = sub {
        dimensions.insert("subscription_id".to_owned(), s.to_string());
    }
    UsageEvent {
        event_id: Uuid::now_v7(),
        tenant_id: tenant,
        principal_kind: PrincipalKind::User,
        principal_id: Uuid::now_v7(),
        at,
        kind: UsageKind::Metered {
            kind: "job.run".to_owned(),
            quantities: BTreeMap::from([
                ("shots".to_owned(), shots as f64),
                ("run_ms".to_owned(), run_ms as f64),
                ("qubits".to_owned(), 2.0),
            ]),
            dimensions,
        },
    }
}

fn at(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

/// The reference pricing, written out again: micros per shot and per
/// second, rounded half up once to cents.
fn priced(shots: i64, run_ms: i64, per_shot: i64, per_sec: i64) -> i64 {
    let micros_x1000 =
        i128::from(shots) * i128::from(per_shot) * 1000 + i128::from(run_ms) * i128::from(per_sec);
    ((micros_x1000 + 5_000_000) / 10_000_000) as i64
}

async fn bills_of(tenant: Uuid, month: Month) -> Vec<(String, i64, Vec<(String, i64, i64)>)> {
    let pool = owner_pool().await;
    let mut tx = common::as_tenant(&pool, tenant).await;
    let bills: Vec<(Uuid, String, i64)> = sqlx::query_as(
        "SELECT id, currency, total FROM bills WHERE tenant_id = $1 AND period_start = $2 ORDER BY currency",
    )
    .bind(tenant)
    .bind(month.start)
    .fetch_all(&mut *tx)
    .await
    .unwrap();
    let mut out = Vec::new();
    for (id, currency, total) in bills {
        let items: Vec<(String, i64, i64)> = sqlx::query_as(
            "SELECT description, quantity, amount FROM bill_items WHERE bill_id = $1 ORDER BY position",
        )
        .bind(id)
        .fetch_all(&mut *tx)
        .await
        .unwrap();
        out.push((currency, total, items));
    }
    out
}

/// Usage generated for October, read back from ClickHouse and priced
/// independently, equals the bill to the cent; plan segments are
/// pro-rated; a second close changes nothing.
#[tokio::test]
async fn a_bill_reconciles_with_clickhouse_usage_and_a_second_close_changes_nothing() {
    let app = TestApp::spawn().await;
    let a = app.signup().await;
    let b = app.signup().await;
    let plans = json!([
        {"name": "Monthly", "price": 4900, "currency": "USD", "period": "month",
         "included_shots": 1000, "overage_price_per_1000_shots": 25},
        {"name": "Yearly", "price": 120000, "currency": "USD", "period": "year",
         "included_shots": 50000, "overage_price_per_1000_shots": 10}
    ]);
    let (_, _, listing) = listed_app(&app, &a, plans, 0).await;
    let lid = listing["id"].as_str().unwrap().to_owned();
    let (p1, p2) = (
        Uuid::parse_str(listing["plans"][0]["id"].as_str().unwrap()).unwrap(),
        Uuid::parse_str(listing["plans"][1]["id"].as_str().unwrap()).unwrap(),
    );
    let sid = Uuid::parse_str(&begin(&app, &b.access, &lid, &p1, "subscribe").await).unwrap();
    // History: Monthly from Oct 1, Yearly from Oct 16 on.
    let pool = owner_pool().await;
    let mut tx = common::as_tenant(&pool, b.id).await;
    let gone = sqlx::query("DELETE FROM subscription_segments WHERE subscription_id = $1")
        .bind(sid)
        .execute(&mut *tx)
        .await
        .unwrap();
    assert_eq!(gone.rows_affected(), 1);
    for (plan, from, to) in [
        (
            p1,
            at("2026-10-01T00:00:00Z"),
            Some(at("2026-10-16T00:00:00Z")),
        ),
        (p2, at("2026-10-16T00:00:00Z"), None),
    ] {
        sqlx::query(
            "INSERT INTO subscription_segments (id, tenant_id, subscription_id, plan_id, trial, started_at, ended_at)
             VALUES ($1, $2, $3, $4, false, $5, $6)",
        )
        .bind(Uuid::now_v7())
        .bind(b.id)
        .bind(sid)
        .bind(plan)
        .bind(from)
        .bind(to)
        .execute(&mut *tx)
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
    // Usage: under the subscription in both segments, plain jobs on three
    // backends, and events just outside the month that must not count.
    let mut events = vec![
        run_event(
            b.id,
            at("2026-10-03T10:00:00Z"),
            "qhub-statevector",
            900,
            1_234,
            Some(sid),
        ),
        run_event(
            b.id,
            at("2026-10-15T23:59:59Z"),
            "qhub-statevector",
            600,
            800,
            Some(sid),
        ),
        run_event(
            b.id,
            at("2026-10-16T00:00:00Z"),
            "qhub-statevector",
            3000,
            4_567,
            Some(sid),
        ),
        run_event(
            b.id,
            at("2026-10-20T12:00:00Z"),
            "ibm-eagle-127",
            100,
            2_501,
            None,
        ),
        run_event(
            b.id,
            at("2026-10-21T12:00:00Z"),
            "ionq-aria-25",
            333,
            10,
            None,
        ),
        run_event(
            b.id,
            at("2026-10-31T23:59:59Z"),
            "qhub-statevector",
            17,
            99_999,
            None,
        ),
        run_event(
            b.id,
            at("2026-09-30T23:59:59Z"),
            "qhub-statevector",
            100_000,
            100_000,
            Some(sid),
        ),
        run_event(
            b.id,
            at("2026-11-01T00:00:00Z"),
            "ionq-aria-25",
            100_000,
            100_000,
            None,
        ),
    ];
    // Usage of an organization Postgres does not know (removed since):
    // skipped, and it does not stop the others' close.
    events.push(run_event(
        Uuid::now_v7(),
        at("2026-10-10T00:00:00Z"),
        "qhub-statevector",
        10,
        10,
        None,
    ));
    // A duplicate of an event (a retried insert) counts once.
    let dup = UsageEvent {
        ..run_event(
            b.id,
            at("2026-10-20T12:00:00Z"),
            "ibm-eagle-127",
            0,
            0,
            None,
        )
    };
    let mut dup = dup;
    dup.event_id = events[3].event_id;
    dup.at = events[3].at;
    dup.kind = events[3].kind.clone();
    events.push(dup);
    qhub_core::metering::ch::insert(&app.state.clickhouse, &events, &Uuid::now_v7().to_string())
        .await
        .unwrap();

    // What ClickHouse holds for October, read back with a query of our own.
    #[derive(clickhouse::Row, serde::Deserialize)]
    struct Back {
        backend: String,
        shots: f64,
        run_ms: f64,
    }
    let back = app
        .state
        .clickhouse
        .query(
            "SELECT dimension_values[indexOf(dimension_names, 'backend')] AS backend,
                    sum(quantity_values[indexOf(quantity_names, 'shots')]) AS shots,
                    sum(quantity_values[indexOf(quantity_names, 'run_ms')]) AS run_ms
             FROM usage_events FINAL
             WHERE tenant_id = toUUID(?) AND event_type = 'job.run'
               AND ts >= toDateTime('2026-10-01 00:00:00', 'UTC') AND ts < toDateTime('2026-11-01 00:00:00', 'UTC')
             GROUP BY backend ORDER BY backend",
        )
        .bind(b.id.to_string())
        .fetch_all::<Back>()
        .await
        .unwrap();
    let back: Vec<(String, i64, i64)> = back
        .into_iter()
        .map(|r| (r.backend, r.shots as i64, r.run_ms as i64))
        .collect();
    assert_eq!(
        back,
        vec![
            ("ibm-eagle-127".to_owned(), 100, 2_501),
            ("ionq-aria-25".to_owned(), 333, 10),
            ("qhub-statevector".to_owned(), 4_517, 106_600),
        ]
    );
    let rates: BTreeMap<String, (i64, i64)> = sqlx::query_as::<_, (String, i64, i64)>(
        "SELECT name, price_per_shot_micros, price_per_second_micros FROM backends",
    )
    .fetch_all(&pool)
    .await
    .unwrap()
    .into_iter()
    .map(|(n, s, p)| (n, (s, p)))
    .collect();

    let month = Month::parse("2026-10").unwrap();
    let report = close::close_month(&app.state, month, Duration::ZERO)
        .await
        .unwrap();
    assert!(report.bills_written >= 1);
    assert!(
        report.unknown >= 1 && report.failed.is_empty(),
        "{report:?}"
    );
    let closed: bool = sqlx::query_scalar("SELECT app.billing_closed($1)")
        .bind(month.start)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(closed);
    let bills = bills_of(b.id, month).await;
    assert_eq!(bills.len(), 1, "{bills:?}");
    let (currency, total, items) = &bills[0];
    assert_eq!(currency, "USD");
    // Subscription: 15 of 31 days of Monthly, 16 of 31 days of Yearly/12.
    let fee1 = (4900 * 15 * 2 + 31) / (31 * 2); // half up
    let fee2 = (120000 * 16 * 2 + 12 * 31) / (12 * 31 * 2);
    assert_eq!((fee1, fee2), (2371, 5161));
    // Overage: 1500 shots in the first segment against floor(1000·15/31) = 483.
    let allow1 = 1000 * 15 / 31;
    let over1 = 1500 - allow1;
    let ov1 = (over1 * 25 * 2 + 1000) / 2000;
    // 3000 shots in the second against floor(50000/12·16/31) = 2150.
    let allow2 = 50000 * 16 / (12 * 31);
    let over2 = 3000 - allow2;
    let ov2 = (over2 * 10 * 2 + 1000) / 2000;
    let mut expected: Vec<i64> = vec![fee1, ov1, fee2, ov2];
    for (backend, shots, run_ms) in &back {
        let (s, p) = rates[backend];
        expected.push(priced(*shots, *run_ms, s, p));
    }
    let amounts: Vec<i64> = items.iter().map(|i| i.2).collect();
    assert_eq!(amounts, expected, "{items:#?}");
    assert_eq!(*total, expected.iter().sum::<i64>());
    assert_eq!(items[1].1, over1);
    assert_eq!(items[3].1, over2);
    assert!(items[4].0.contains("ibm-eagle-127") && items[4].1 == 100);

    // A second close writes nothing and changes nothing.
    let again = close::close_month(&app.state, month, Duration::ZERO)
        .await
        .unwrap();
    assert!(again.already_billed >= 1);
    assert_eq!(bills_of(b.id, month).await, bills);

    // The API shows it; the PDF has the lines and the total.
    let list = app.get("/v1/bills", &b.access).await;
    let bill = list.ok(200)["items"][0].clone();
    assert_eq!(bill["total"], *total);
    let bid = bill["id"].as_str().unwrap().to_owned();
    let full = app.get(&format!("/v1/bills/{bid}"), &b.access).await;
    assert_eq!(full.ok(200)["items"].as_array().unwrap().len(), items.len());
    let pdf = app
        .http
        .get(format!("{}/v1/bills/{bid}/invoice.pdf", app.base))
        .bearer_auth(&b.access)
        .send()
        .await
        .unwrap();
    assert_eq!(pdf.headers()["content-type"], "application/pdf");
    let bytes = pdf.bytes().await.unwrap();
    assert!(bytes.starts_with(b"%PDF-"));
    let path = std::env::temp_dir().join(format!("qhub-invoice-{bid}.pdf"));
    std::fs::write(&path, &bytes).unwrap();
    let out = std::process::Command::new("pdftotext")
        .args(["-layout", path.to_str().unwrap(), "-"])
        .output()
        .expect("pdftotext (poppler-utils; make test installs it)");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("ibm-eagle-127"), "{text}");
    assert!(text.contains("Yearly plan"), "{text}");
    let shown_total = qhub_core::billing::invoice::format_minor(*total, "USD");
    assert!(text.contains(&shown_total), "{shown_total} in {text}");

    // Only an owner marks it paid.
    let (_, admin, _) = app.user_with_role(&b, "admin").await;
    app.post(
        &format!("/v1/bills/{bid}/mark-paid"),
        Some(&admin),
        json!({}),
    )
    .await
    .problem(403, "forbidden");
    // Nor an API key, even the owner's with every scope: the owner in person.
    let (_, key) = app.api_key(&b.access, &["billing:read", "admin"]).await;
    let r = app
        .with_key(
            reqwest::Method::POST,
            &format!("/v1/bills/{bid}/mark-paid"),
            &key,
            Some(json!({})),
        )
        .await;
    r.problem(403, "forbidden");
    assert!(r.body["detail"].as_str().unwrap().contains("session"));
    let paid = app
        .post(
            &format!("/v1/bills/{bid}/mark-paid"),
            Some(&b.access),
            json!({}),
        )
        .await;
    assert_eq!(paid.ok(200)["payment_status"], "paid");
    // The bill's issue was notified to the owner.
    let n = app.get("/v1/notifications", &b.access).await;
    assert!(n.ok(200)["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|n| n["type"] == "bill.issued" && n["data"]["bill_id"] == bid.as_str()));

    // The provider's statement: the plan and overage revenue, nothing else.
    let st = app
        .get("/v1/statements?from=2026-10&to=2026-10", &a.access)
        .await;
    let line = st.ok(200)["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["listing_id"] == lid.as_str())
        .unwrap()
        .clone();
    assert_eq!(line["subscriptions"], 1);
    assert_eq!(line["subscription_amount"], fee1 + fee2);
    assert_eq!(line["overage_amount"], ov1 + ov2);
    assert_eq!(line["total"], fee1 + fee2 + ov1 + ov2);
    // The consumer has no statement from it.
    let none = app
        .get("/v1/statements?from=2026-10&to=2026-10", &b.access)
        .await;
    assert_eq!(none.ok(200)["items"].as_array().unwrap().len(), 0);
}

/// `qhub close-period` killed after its first bill, then run again, ends
/// with exactly the bills a single run computes, and never a partial one.
#[tokio::test]
async fn a_close_killed_midway_and_rerun_yields_the_same_bills() {
    let app = TestApp::spawn().await;
    let month = Month::parse("2026-09").unwrap();
    let mut tenants = Vec::new();
    for i in 0..4i64 {
        let t = app.signup().await;
        let events: Vec<UsageEvent> = (0..3)
            .map(|j| {
                let when = month.start + chrono::Duration::hours(5 + 24 * j + i);
                run_event(
                    t.id,
                    when,
                    "ionq-aria-25",
                    100 + 7 * i + j,
                    1000 * (i + 1) + j,
                    None,
                )
            })
            .collect();
        qhub_core::metering::ch::insert(
            &app.state.clickhouse,
            &events,
            &Uuid::now_v7().to_string(),
        )
        .await
        .unwrap();
        tenants.push(t.id);
    }
    // What one uninterrupted close computes for each.
    let mut expected = BTreeMap::new();
    for t in &tenants {
        let mut tx = qhub_core::tenancy::as_tenant(&app.state.db, *t, None)
            .await
            .unwrap();
        let lines = close::lines(&app.state, &mut tx, *t, month).await.unwrap();
        tx.rollback().await.unwrap();
        assert_eq!(lines.len(), 1);
        let amounts: Vec<(String, i64, i64)> = lines
            .iter()
            .map(|l| (l.description.clone(), l.quantity, l.amount))
            .collect();
        expected.insert(
            *t,
            vec![(
                "USD".to_owned(),
                amounts.iter().map(|a| a.2).sum::<i64>(),
                amounts,
            )],
        );
    }
    let pool = owner_pool().await;
    let billed = || async {
        sqlx::query_scalar::<_, i64>(
            "SELECT count(*) FROM bills WHERE tenant_id = ANY($1) AND period_start = $2",
        )
        .bind(&tenants)
        .bind(month.start)
        .fetch_one(&pool)
        .await
        .unwrap()
    };
    let mut child = qhub_binary("close-period")
        .args(["2026-09", "--pace-ms", "3000"])
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while billed().await == 0 {
        assert!(start.elapsed() < Duration::from_secs(30), "no bill written");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let midway = billed().await;
    assert!((1..4).contains(&midway), "killed after {midway} bills");
    // What is there is whole.
    for t in &tenants {
        let got = bills_of(*t, month).await;
        assert!(
            got.is_empty() || got == expected[t],
            "partial bill for {t}: {got:?}"
        );
    }
    let status = qhub_binary("close-period").arg("2026-09").status().unwrap();
    assert!(status.success());
    for t in &tenants {
        assert_eq!(bills_of(*t, month).await, expected[t], "bills of {t}");
    }
    // And once more: nothing changes.
    let status = qhub_binary("close-period").arg("2026-09").status().unwrap();
    assert!(status.success());
    for t in &tenants {
        assert_eq!(bills_of(*t, month).await, expected[t]);
    }
    // A month that has not ended is refused without --early.
    let now = Month::of(Utc::now()).unwrap().label();
    let out = qhub_binary("close-period").arg(&now).output().unwrap();
    assert!(!out.status.success());
}

/// A trial gets its three-day notice, becomes paid at its end, and a
/// canceled subscription ends at the end of its period; each once, with
/// two schedulers running at the same time.
#[tokio::test]
async fn the_scheduler_moves_subscriptions_once_even_when_run_twice_at_once() {
    let app = TestApp::spawn().await;
    let a = app.signup().await;
    let b = app.signup().await;
    let (_, _, listing) = listed_app(&app, &a, starter(), 5).await;
    let lid = listing["id"].as_str().unwrap().to_owned();
    let plan = listing["plans"][0]["id"].as_str().unwrap().to_owned();
    let sid = Uuid::parse_str(&begin(&app, &b.access, &lid, &plan, "trial").await).unwrap();
    let pool = owner_pool().await;
    let tick_twice = || async {
        let (x, y) = tokio::join!(
            qhub_core::marketplace::scheduler::tick(&app.state),
            qhub_core::marketplace::scheduler::tick(&app.state)
        );
        x.unwrap();
        y.unwrap();
    };
    let count_notes = |tenant: Uuid, kind: &'static str| {
        let pool = pool.clone();
        async move {
            sqlx::query_scalar::<_, i64>(
                "SELECT count(*) FROM notifications WHERE tenant_id = $1 AND type = $2 AND data->>'subscription_id' = $3",
            )
            .bind(tenant)
            .bind(kind)
            .bind(sid.to_string())
            .fetch_one(&pool)
            .await
            .unwrap()
        }
    };
    // Five days left: nothing yet.
    tick_twice().await;
    assert_eq!(count_notes(b.id, "subscription.trial_ending").await, 0);
    // Two days left: the notice, once.
    sqlx::query("UPDATE subscriptions SET trial_ends_at = now() + interval '2 days', current_period_end = now() + interval '2 days' WHERE id = $1")
        .bind(sid)
        .execute(&pool)
        .await
        .unwrap();
    tick_twice().await;
    tick_twice().await;
    assert_eq!(count_notes(b.id, "subscription.trial_ending").await, 1);
    // The trial ends: active on its plan, a paid segment from the trial's end.
    sqlx::query("UPDATE subscriptions SET current_period_start = now() - interval '5 days', trial_ends_at = now() - interval '1 minute', current_period_end = now() - interval '1 minute' WHERE id = $1")
        .bind(sid)
        .execute(&pool)
        .await
        .unwrap();
    tick_twice().await;
    let s = app
        .get(&format!("/v1/subscriptions/{sid}"), &b.access)
        .await;
    assert_eq!(s.ok(200)["state"], "active");
    let end: DateTime<Utc> = s.body["current_period_end"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(end > Utc::now() + chrono::Duration::days(27));
    let segs: Vec<(bool, Option<DateTime<Utc>>)> = sqlx::query_as(
        "SELECT trial, ended_at FROM subscription_segments WHERE subscription_id = $1 ORDER BY id",
    )
    .bind(sid)
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(segs.len(), 2, "{segs:?}");
    assert!(segs[0].0 && segs[0].1.is_some() && !segs[1].0 && segs[1].1.is_none());
    // Canceled: it runs to its period's end, then ends, once.
    let c = app
        .delete(&format!("/v1/subscriptions/{sid}"), &b.access)
        .await;
    assert_eq!(c.ok(200)["cancel_at_period_end"], true);
    assert_eq!(c.body["state"], "active");
    // Both sides hear of it at once; a second cancel says nothing new.
    app.delete(&format!("/v1/subscriptions/{sid}"), &b.access)
        .await
        .ok(200);
    assert_eq!(count_notes(b.id, "subscription.canceled").await, 1);
    assert_eq!(count_notes(a.id, "subscription.canceled").await, 1);
    sqlx::query("UPDATE subscriptions SET current_period_start = now() - interval '40 days', current_period_end = now() - interval '1 second' WHERE id = $1")
        .bind(sid)
        .execute(&pool)
        .await
        .unwrap();
    tick_twice().await;
    tick_twice().await;
    let s = app
        .get(&format!("/v1/subscriptions/{sid}"), &b.access)
        .await;
    assert_eq!(s.ok(200)["state"], "canceled");
    assert_eq!(count_notes(b.id, "subscription.canceled").await, 1);
    assert_eq!(count_notes(a.id, "subscription.canceled").await, 1);
    let listing = app.get(&format!("/v1/marketplace/{lid}"), &a.access).await;
    assert_eq!(listing.ok(200)["subscriber_count"], 0);
    // An ended subscription changes no more.
    app.patch(
        &format!("/v1/subscriptions/{sid}"),
        &b.access,
        json!({"cancel_at_period_end": false}),
    )
    .await
    .problem(409, "conflict");
    // And may subscribe again (a paid one; the trial is used up).
    app.post(
        &format!("/v1/marketplace/{lid}/trial"),
        Some(&b.access),
        json!({"plan": plan}),
    )
    .await
    .problem(409, "conflict");
    app.post(
        &format!("/v1/marketplace/{lid}/subscribe"),
        Some(&b.access),
        json!({"plan": plan}),
    )
    .await
    .ok(201);
}

/// A notification written through one server reaches an SSE client of a
/// second server process (they share only Redis) within a second.
#[tokio::test]
async fn a_notification_reaches_a_stream_on_another_server_within_a_second() {
    let app = TestApp::spawn().await;
    let a = app.signup().await;
    let b = app.signup().await;
    let (_, _, listing) = listed_app(&app, &a, starter(), 0).await;
    let lid = listing["id"].as_str().unwrap().to_owned();
    let plan = listing["plans"][0]["id"].as_str().unwrap().to_owned();
    // A second server, in its own process.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let mut other = common::qhub_command(port)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let other_base = format!("http://127.0.0.1:{port}");
    let start = Instant::now();
    while reqwest::get(format!("{other_base}/health/live"))
        .await
        .is_err()
    {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "second server did not start"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let mut stream = app
        .http
        .get(format!("{other_base}/v1/notifications/stream"))
        .bearer_auth(&a.access)
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), 200);
    assert!(stream.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/event-stream"));
    let mut buf = String::new();
    let next_event = |buf: &mut String| -> Option<(String, String)> {
        let end = buf.find("\n\n")?;
        let block: String = buf.drain(..end + 2).collect();
        let mut event = String::new();
        let mut data = String::new();
        for line in block.lines() {
            if let Some(v) = line.strip_prefix("event:") {
                event = v.trim().to_owned();
            } else if let Some(v) = line.strip_prefix("data:") {
                data.push_str(v.trim());
            }
        }
        Some((event, data))
    };
    // Subscribed on the other server.
    loop {
        if let Some((event, _)) = next_event(&mut buf) {
            if event == "ready" {
                break;
            }
            continue;
        }
        let chunk = tokio::time::timeout(Duration::from_secs(10), stream.chunk())
            .await
            .expect("ready in time")
            .unwrap()
            .unwrap();
        buf.push_str(&String::from_utf8_lossy(&chunk));
    }
    // B subscribes through this server: A's owner hears it over there.
    let sent = Instant::now();
    let sid = begin(&app, &b.access, &lid, &plan, "subscribe").await;
    let note = loop {
        if let Some((event, data)) = next_event(&mut buf) {
            if event == "notification" {
                break serde_json::from_str::<Value>(&data).unwrap();
            }
            continue;
        }
        let left = Duration::from_secs(1).saturating_sub(sent.elapsed());
        let chunk = tokio::time::timeout(left, stream.chunk())
            .await
            .expect("the notification within a second")
            .unwrap()
            .unwrap();
        buf.push_str(&String::from_utf8_lossy(&chunk));
    };
    assert!(sent.elapsed() < Duration::from_secs(1));
    assert_eq!(note["type"], "subscription.new_subscriber");
    assert_eq!(note["data"]["subscription_id"], sid.as_str());
    other.kill().unwrap();
    let _ = other.wait();
}

/// Notifications are each person's own; read, read-all and mail
/// preferences work on one's own only.
#[tokio::test]
async fn notifications_are_per_person_and_mail_follows_preferences() {
    common::ensure_mail_sink();
    let app = TestApp::spawn().await;
    let a = app.signup().await;
    let b = app.signup().await;
    let (_, admin, admin_email) = app.user_with_role(&a, "admin").await;
    // The admin wants mail about new subscribers; the owner does not.
    let prefs = app
        .call(
            Method::PUT,
            "/v1/notifications/preferences",
            Some(&admin),
            Some(json!({"items": [{"type": "subscription.new_subscriber", "email": true}]})),
        )
        .await;
    let items = prefs.ok(200)["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), 7);
    assert!(items
        .iter()
        .any(|p| p["type"] == "subscription.new_subscriber" && p["email"] == true));
    app.call(
        Method::PUT,
        "/v1/notifications/preferences",
        Some(&admin),
        Some(json!({"items": [{"type": "bill.issued", "email": true}, {"type": "bill.issued", "email": false}]})),
    )
    .await
    .problem(422, "validation_failed");
    let (_, _, listing) = listed_app(&app, &a, starter(), 0).await;
    let lid = listing["id"].as_str().unwrap().to_owned();
    let plan = listing["plans"][0]["id"].as_str().unwrap().to_owned();
    app.post(
        &format!("/v1/marketplace/{lid}/subscribe"),
        Some(&b.access),
        json!({"plan": plan}),
    )
    .await
    .ok(201);
    // Both admins have their own notification.
    let mine = app
        .get("/v1/notifications", &a.access)
        .await
        .ok(200)
        .clone();
    let theirs = app.get("/v1/notifications", &admin).await.ok(200).clone();
    assert_eq!(mine["items"].as_array().unwrap().len(), 1);
    assert_eq!(theirs["items"].as_array().unwrap().len(), 1);
    assert_ne!(mine["items"][0]["id"], theirs["items"][0]["id"]);
    // Mail went to the admin only.
    let mail = common::wait_for_mail(&admin_email, "New subscriber").await;
    assert!(
        mail["body"]
            .as_str()
            .unwrap_or_default()
            .contains("subscribed"),
        "{mail}"
    );
    assert!(common::mails_to(&a.owner_email)
        .iter()
        .all(|m| !m["subject"]
            .as_str()
            .unwrap_or_default()
            .contains("New subscriber")));
    // One's own only: the owner cannot mark the admin's read.
    let theirs_id = theirs["items"][0]["id"].as_str().unwrap();
    app.post(
        &format!("/v1/notifications/{theirs_id}/read"),
        Some(&a.access),
        json!({}),
    )
    .await
    .problem(404, "not_found");
    let r = app
        .post(
            &format!("/v1/notifications/{theirs_id}/read"),
            Some(&admin),
            json!({}),
        )
        .await;
    assert!(r.ok(200)["read_at"].is_string());
    let all = app
        .post("/v1/notifications/read-all", Some(&a.access), json!({}))
        .await;
    assert_eq!(all.ok(200)["updated"], 1);
    let after = app.get("/v1/notifications?unread=true", &a.access).await;
    assert_eq!(after.ok(200)["items"].as_array().unwrap().len(), 0);
    assert_eq!(after.body["unread_count"], 0);
    // API keys do not read a person's notifications.
    let (_, key) = app.api_key(&a.access, &["apps:read"]).await;
    app.with_key(Method::GET, "/v1/notifications", &key, None)
        .await
        .problem(403, "forbidden");

    // Newest first, and paging by cursor walks the same order: ids made by
    // the database are time-ordered too.
    for _ in 0..4 {
        let c = app.signup().await;
        app.post(
            &format!("/v1/marketplace/{lid}/subscribe"),
            Some(&c.access),
            json!({"plan": plan}),
        )
        .await
        .ok(201);
    }
    let full = app.get("/v1/notifications?limit=200", &a.access).await;
    let full: Vec<(String, DateTime<Utc>)> = full.ok(200)["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            (
                n["id"].as_str().unwrap().to_owned(),
                n["created_at"].as_str().unwrap().parse().unwrap(),
            )
        })
        .collect();
    assert_eq!(full.len(), 5);
    assert!(
        full.windows(2).all(|w| w[0].1 >= w[1].1 && w[0].0 > w[1].0),
        "{full:?}"
    );
    let mut paged = Vec::new();
    let mut cursor = String::new();
    loop {
        let page = app
            .get(
                &format!("/v1/notifications?limit=2&cursor={cursor}"),
                &a.access,
            )
            .await;
        let body = page.ok(200).clone();
        for n in body["items"].as_array().unwrap() {
            paged.push(n["id"].as_str().unwrap().to_owned());
        }
        match body["next_cursor"].as_str() {
            Some(c) => cursor = c.to_owned(),
            None => break,
        }
    }
    assert_eq!(paged, full.iter().map(|f| f.0.clone()).collect::<Vec<_>>());
}

/// A month closed while subscriptions are still open (early, or before the
/// scheduler moved them) bills them as they will run: a trial is free only
/// until it ends and paid after; a canceled subscription is paid until its
/// period ends, not to the month's end.
#[tokio::test]
async fn an_early_close_projects_open_trials_and_cancellations() {
    use qhub_core::billing::price::{self, PlanPeriod};
    let app = TestApp::spawn().await;
    let a = app.signup().await;
    let b = app.signup().await;
    let c = app.signup().await;
    let (_, _, listing) = listed_app(&app, &a, starter(), 14).await;
    let lid = listing["id"].as_str().unwrap().to_owned();
    let plan = listing["plans"][0]["id"].as_str().unwrap().to_owned();
    let sb = Uuid::parse_str(&begin(&app, &b.access, &lid, &plan, "trial").await).unwrap();
    let sc = Uuid::parse_str(&begin(&app, &c.access, &lid, &plan, "subscribe").await).unwrap();
    app.delete(&format!("/v1/subscriptions/{sc}"), &c.access)
        .await
        .ok(200);
    // Move both into June 2026: B's trial ends on the 11th, C's canceled
    // period on the 21st; neither has been moved on by the scheduler.
    let pool = owner_pool().await;
    for (tenant, sid, period_end, trial_end) in [
        (
            b.id,
            sb,
            "2026-06-11T00:00:00Z",
            Some("2026-06-11T00:00:00Z"),
        ),
        (c.id, sc, "2026-06-21T00:00:00Z", None),
    ] {
        let mut tx = common::as_tenant(&pool, tenant).await;
        sqlx::query(
            "UPDATE subscription_segments SET started_at = '2026-06-01T00:00:00Z' WHERE subscription_id = $1",
        )
        .bind(sid)
        .execute(&mut *tx)
        .await
        .unwrap();
        sqlx::query(
            "UPDATE subscriptions SET created_at = '2026-06-01T00:00:00Z',
                    current_period_start = '2026-06-01T00:00:00Z', current_period_end = $2,
                    trial_ends_at = $3 WHERE id = $1",
        )
        .bind(sid)
        .bind(at(period_end))
        .bind(trial_end.map(at))
        .execute(&mut *tx)
        .await
        .unwrap();
        tx.commit().await.unwrap();
    }
    let month = Month::parse("2026-06").unwrap();
    let june = 30 * 86_400;
    for t in [b.id, c.id] {
        close::close_tenant(&app.state, t, month).await.unwrap();
    }
    let day = 86_400;
    let (_, total, items) = &bills_of(b.id, month).await[0];
    assert_eq!(
        items.iter().map(|i| (i.1, i.2)).collect::<Vec<_>>(),
        [
            (10 * day, 0),
            (
                20 * day,
                price::prorated_fee(4900, PlanPeriod::Month, 20 * day, june)
            )
        ],
        "{items:#?}"
    );
    assert!(items[0].0.contains("free trial") && *total == items[1].2 && *total > 0);
    let (_, total, items) = &bills_of(c.id, month).await[0];
    assert_eq!(
        items.iter().map(|i| (i.1, i.2)).collect::<Vec<_>>(),
        [(
            20 * day,
            price::prorated_fee(4900, PlanPeriod::Month, 20 * day, june)
        )],
        "{items:#?}"
    );
    assert_eq!(*total, items[0].2);
}

/// A key's own per-minute limit: its answers report that budget, and a
/// request over it is 429 and costs no use.
#[tokio::test]
async fn a_key_over_its_rate_limit_gets_429_and_keeps_the_use() {
    let app = TestApp::spawn().await;
    let a = app.signup().await;
    let b = app.signup().await;
    let (_, _, listing) = listed_app(&app, &a, starter(), 0).await;
    let lid = listing["id"].as_str().unwrap().to_owned();
    let plan = listing["plans"][0]["id"].as_str().unwrap().to_owned();
    let sid = begin(&app, &b.access, &lid, &plan, "subscribe").await;
    let k = app
        .post(
            &format!("/v1/subscriptions/{sid}/keys"),
            Some(&b.access),
            json!({"name": "slow", "remaining_usage_count": 10, "rate_limit_per_minute": 3}),
        )
        .await;
    let (key_id, key) = (
        k.ok(201)["id"].as_str().unwrap().to_owned(),
        k.body["key"].as_str().unwrap().to_owned(),
    );
    let header = |r: &common::Resp, name: &str| {
        r.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    for left in ["2", "1", "0"] {
        let r = key_call(
            &app,
            Method::GET,
            &format!("/v1/marketplace/{lid}"),
            &key,
            None,
        )
        .await;
        assert_eq!(r.ok(200)["id"], lid.as_str());
        assert_eq!(
            (
                header(&r, "ratelimit-limit"),
                header(&r, "ratelimit-remaining")
            ),
            ("3".to_owned(), left.to_owned())
        );
    }
    let r = key_call(
        &app,
        Method::GET,
        &format!("/v1/marketplace/{lid}"),
        &key,
        None,
    )
    .await;
    r.problem(429, "rate_limited");
    assert!(!header(&r, "retry-after").is_empty());
    assert_eq!(remaining(&app, &b.access, &sid, &key_id).await, 7);
}

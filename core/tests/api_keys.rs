//! API keys: scopes bounded by the creator's role, enforcement per scope,
//! revocation and expiry effective on the very next request, isolation.

mod common;

use common::{owner_pool, TestApp};
use reqwest::Method;
use serde_json::json;
use sha2::{Digest, Sha256};

#[tokio::test]
async fn a_key_never_exceeds_its_creators_role() {
    let app = TestApp::spawn().await;
    let t = app.signup().await;
    let (_, dev, _) = app.user_with_role(&t, "developer").await;

    for scope in ["admin", "users:read", "users:write"] {
        let r = app
            .post(
                "/v1/api-keys",
                Some(&dev),
                json!({"name": "ci", "scopes": ["apps:read", scope]}),
            )
            .await;
        r.problem(403, "forbidden");
        assert!(
            r.body["detail"].as_str().unwrap().contains(scope),
            "{}",
            r.body
        );
    }
    // Nothing was created by the refused attempts.
    let list = app.get("/v1/api-keys", &dev).await;
    assert_eq!(list.ok(200)["items"].as_array().unwrap().len(), 0);

    // Within the role: fine, and the key is shown exactly once.
    let r = app
        .post(
            "/v1/api-keys",
            Some(&dev),
            json!({"name": "ci", "scopes": ["jobs:write", "apps:write", "jobs:write"]}),
        )
        .await;
    let b = r.ok(201).clone();
    let key = b["key"].as_str().unwrap();
    assert!(key.starts_with("qh_live_") && key.len() >= 8 + 43, "{key}");
    assert!(key.starts_with(b["prefix"].as_str().unwrap()));
    assert_eq!(b["scopes"], json!(["apps:write", "jobs:write"]));
    let id = b["id"].as_str().unwrap();
    let got = app.get(&format!("/v1/api-keys/{id}"), &dev).await;
    assert!(got.ok(200).get("key").is_none(), "{}", got.body);
    let listed = app.get("/v1/api-keys", &dev).await;
    let listed = listed.ok(200).to_string();
    assert!(listed.contains(id) && !listed.contains(key));

    // Only the SHA-256 of the key is stored.
    let pool = owner_pool().await;
    let mut tx = qhub_core::tenancy::as_tenant(&pool, t.id, None)
        .await
        .unwrap();
    let (hash, row): (Vec<u8>, String) = sqlx::query_as(
        "SELECT secret_hash, row_to_json(k)::text FROM api_keys k WHERE id = $1::uuid",
    )
    .bind(id)
    .fetch_one(&mut *tx)
    .await
    .unwrap();
    assert_eq!(hash, Sha256::digest(key.as_bytes()).to_vec());
    assert!(
        !row.contains(&key["qh_live_".len()..]),
        "secret stored: {row}"
    );
}

#[tokio::test]
async fn scopes_are_enforced_and_both_headers_work() {
    let app = TestApp::spawn().await;
    let t = app.signup().await;
    let (_, read_key) = app.api_key(&t.access, &["users:read"]).await;
    // Creating a viewer needs the viewer's scopes too (a key grants no
    // role beyond its own scopes).
    let (_, write_key) = app
        .api_key(
            &t.access,
            &[
                "users:read",
                "users:write",
                "apps:read",
                "jobs:read",
                "usage:read",
                "subscriptions:read",
            ],
        )
        .await;

    // users:read lists users, by X-API-Key and by Bearer alike.
    let r = app
        .with_key(Method::GET, "/v1/users", &read_key, None)
        .await;
    assert_eq!(r.ok(200)["items"][0]["id"], t.owner_id.to_string());
    let r = app.get("/v1/users", &read_key).await;
    assert_eq!(r.ok(200)["items"][0]["email"], t.owner_email);

    // Without users:write every user write is 403 and changes nothing.
    let body = json!({"email": "k@x.test", "name": "K", "password": "plum orchard lantern", "role": "viewer"});
    let r = app
        .with_key(Method::POST, "/v1/users", &read_key, Some(body.clone()))
        .await;
    r.problem(403, "forbidden");
    assert!(r.body["detail"].as_str().unwrap().contains("users:write"));
    let path = format!("/v1/users/{}", t.owner_id);
    app.with_key(Method::PATCH, &path, &read_key, Some(json!({"name": "x"})))
        .await
        .problem(403, "forbidden");
    app.with_key(Method::DELETE, &path, &read_key, None)
        .await
        .problem(403, "forbidden");
    assert_eq!(app.user_count(&t.access).await, 1);
    // Nor the audit log (admin scope) or tenant settings.
    app.with_key(Method::GET, "/v1/audit-events", &read_key, None)
        .await
        .problem(403, "forbidden");

    // With users:write the same request succeeds, and the audit log names the key.
    let r = app
        .with_key(Method::POST, "/v1/users", &write_key, Some(body))
        .await;
    let new_user = r.ok(201)["id"].as_str().unwrap().to_owned();
    let events = app.audit(&t, "user.created").await;
    let ev = events
        .iter()
        .find(|e| e["target_id"] == new_user.as_str())
        .unwrap();
    assert_eq!(ev["actor_type"], "api_key");

    // users:write alone cannot mint an admin (who would hold every scope),
    // by creation, invitation or promotion.
    let (_, narrow) = app.api_key(&t.access, &["users:write"]).await;
    let r = app
        .with_key(
            Method::POST,
            "/v1/users",
            &narrow,
            Some(json!({"email": "a2@x.test", "name": "A", "password": "plum orchard lantern", "role": "admin"})),
        )
        .await;
    r.problem(403, "forbidden");
    assert!(
        r.body["detail"].as_str().unwrap().contains("admin role"),
        "{}",
        r.body
    );
    app.with_key(
        Method::POST,
        "/v1/invitations",
        &narrow,
        Some(json!({"email": "a3@x.test", "role": "admin"})),
    )
    .await
    .problem(403, "forbidden");
    app.with_key(
        Method::PATCH,
        &format!("/v1/users/{new_user}"),
        &narrow,
        Some(json!({"role": "admin"})),
    )
    .await
    .problem(403, "forbidden");
    let still = app.get(&format!("/v1/users/{new_user}"), &t.access).await;
    assert_eq!(still.ok(200)["role"], "viewer");

    // Keys cannot manage keys or act as a person.
    app.with_key(
        Method::POST,
        "/v1/api-keys",
        &write_key,
        Some(json!({"name": "x", "scopes": ["users:read"]})),
    )
    .await
    .problem(403, "forbidden");
    app.with_key(Method::GET, "/v1/auth/me", &write_key, None)
        .await
        .problem(403, "forbidden");
}

#[tokio::test]
async fn revoked_and_expired_keys_fail_on_the_next_request() {
    let app = TestApp::spawn().await;
    let t = app.signup().await;
    let (id, key) = app.api_key(&t.access, &["users:read"]).await;
    // Used once, so the principal is in the Redis cache.
    app.get("/v1/users", &key).await.ok(200);
    app.get("/v1/users", &key).await.ok(200);
    let r = app.delete(&format!("/v1/api-keys/{id}"), &t.access).await;
    r.ok(204);
    let r = app.get("/v1/users", &key).await;
    r.problem(401, "unauthenticated");
    assert!(r.headers.get("www-authenticate").is_some());
    // A second revoke finds no active key.
    app.delete(&format!("/v1/api-keys/{id}"), &t.access)
        .await
        .problem(404, "not_found");
    let got = app.get(&format!("/v1/api-keys/{id}"), &t.access).await;
    assert!(got.ok(200)["revoked_at"].is_string());

    // Expiry: valid until expires_at, 401 from then on (cached or not).
    let expires = chrono::Utc::now() + chrono::Duration::seconds(2);
    let r = app
        .post(
            "/v1/api-keys",
            Some(&t.access),
            json!({"name": "short", "scopes": ["users:read"], "expires_at": expires}),
        )
        .await;
    let short = r.ok(201)["key"].as_str().unwrap().to_owned();
    app.get("/v1/users", &short).await.ok(200);
    tokio::time::sleep(std::time::Duration::from_millis(2300)).await;
    let r = app.get("/v1/users", &short).await;
    r.problem(401, "unauthenticated");
    assert!(r.body["detail"].as_str().unwrap().contains("expired"));

    // Garbage keys are 401 as well.
    app.get("/v1/users", "qh_live_not-a-real-key")
        .await
        .problem(401, "unauthenticated");
}

#[tokio::test]
async fn a_key_follows_its_creators_current_role() {
    let app = TestApp::spawn().await;
    let t = app.signup().await;
    let (admin_id, admin, _) = app.user_with_role(&t, "admin").await;
    let (_, key) = app.api_key(&admin, &["users:read"]).await;
    app.get("/v1/users", &key).await.ok(200);

    // Demoting the creator narrows the key at once (the role is re-read
    // through the cache, which the demotion overwrote).
    app.patch(
        &format!("/v1/users/{admin_id}"),
        &t.access,
        json!({"role": "developer"}),
    )
    .await
    .ok(200);
    app.get("/v1/users", &key).await.problem(403, "forbidden");
    // Deactivating the creator stops the key.
    app.patch(
        &format!("/v1/users/{admin_id}"),
        &t.access,
        json!({"is_active": false}),
    )
    .await
    .ok(200);
    app.get("/v1/users", &key)
        .await
        .problem(401, "unauthenticated");
}

#[tokio::test]
async fn last_used_at_is_recorded() {
    let app = TestApp::spawn().await;
    let t = app.signup().await;
    let (id, key) = app.api_key(&t.access, &["users:read"]).await;
    let before = app.get(&format!("/v1/api-keys/{id}"), &t.access).await;
    assert!(before.ok(200)["last_used_at"].is_null());
    app.get("/v1/users", &key).await.ok(200);
    for _ in 0..50 {
        let r = app.get(&format!("/v1/api-keys/{id}"), &t.access).await;
        if r.ok(200)["last_used_at"].is_string() {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("last_used_at was never set");
}

#[tokio::test]
async fn keys_are_isolated_between_tenants_and_users() {
    let app = TestApp::spawn().await;
    let a = app.signup().await;
    let b = app.signup().await;
    let (a_key_id, a_key) = app.api_key(&a.access, &["users:read"]).await;

    // B's owner can neither see nor revoke A's key.
    let path = format!("/v1/api-keys/{a_key_id}");
    app.get(&path, &b.access).await.problem(404, "not_found");
    app.delete(&path, &b.access).await.problem(404, "not_found");
    let listed = app.get("/v1/api-keys", &b.access).await;
    assert!(!listed.ok(200).to_string().contains(&a_key_id.to_string()));
    app.get("/v1/users", &a_key).await.ok(200); // still alive

    // A's key sees A's users only, and B's user is not found through it.
    let users = app.get("/v1/users", &a_key).await;
    let users = users.ok(200)["items"].as_array().unwrap().clone();
    assert_eq!(users.len(), 1);
    assert_eq!(users[0]["id"], a.owner_id.to_string());
    app.get(&format!("/v1/users/{}", b.owner_id), &a_key)
        .await
        .problem(404, "not_found");

    // Inside a tenant, a developer sees and revokes only their own keys.
    let (_, dev, _) = app.user_with_role(&a, "developer").await;
    let (dev_key_id, _) = app.api_key(&dev, &["apps:read"]).await;
    let mine = app.get("/v1/api-keys", &dev).await;
    let mine = mine.ok(200)["items"].as_array().unwrap().clone();
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0]["id"], dev_key_id.to_string());
    app.get(&path, &dev).await.problem(404, "not_found");
    app.delete(&path, &dev).await.problem(404, "not_found");
    // The owner sees both.
    let all = app.get("/v1/api-keys", &a.access).await;
    assert_eq!(all.ok(200)["items"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn bad_key_requests_are_422_and_create_nothing() {
    let app = TestApp::spawn().await;
    let t = app.signup().await;
    let past = chrono::Utc::now() - chrono::Duration::hours(1);
    for (body, field) in [
        (json!({"name": "x", "scopes": []}), "scopes"),
        (json!({"name": "", "scopes": ["users:read"]}), "name"),
        (
            json!({"name": "x", "scopes": ["users:read"], "expires_at": past}),
            "expires_at",
        ),
    ] {
        let r = app.post("/v1/api-keys", Some(&t.access), body).await;
        r.problem(422, "validation_failed");
        assert_eq!(r.body["errors"][0]["field"], field, "{}", r.body);
    }
    let r = app
        .post(
            "/v1/api-keys",
            Some(&t.access),
            json!({"name": "x", "scopes": ["root"]}),
        )
        .await;
    r.problem(422, "validation_failed");
    let list = app
        .get("/v1/api-keys?include_revoked=true", &t.access)
        .await;
    assert_eq!(list.ok(200)["items"].as_array().unwrap().len(), 0);
}

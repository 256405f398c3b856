//! The Redis cache of hot lookups: it is really consulted, and every write
//! that changes a cached fact overwrites it.

mod common;

use common::TestApp;
use redis::AsyncCommands;
use serde_json::json;
use sha2::{Digest, Sha256};

async fn cached(app: &TestApp, key: &str) -> Option<String> {
    let mut conn = app.state.redis.get().await.unwrap();
    conn.get(key).await.unwrap()
}

#[tokio::test]
async fn roles_are_cached_and_rewritten_by_every_change() {
    let app = TestApp::spawn().await;
    let t = app.signup().await;
    let (uid, token, _) = app.user_with_role(&t, "admin").await;
    app.get("/v1/users", &token).await.ok(200);
    let key = format!("qhub:cache:user:{uid}");
    assert_eq!(role_in(&app, &key).await, ("admin".into(), 0));

    // Requests trust the cache: a (test-only) forged entry takes effect.
    {
        let mut conn = app.state.redis.get().await.unwrap();
        let _: () = conn.set_ex(&key, "viewer:0", 60).await.unwrap();
    }
    app.get("/v1/users", &token).await.problem(403, "forbidden");

    // Every change overwrites the entry: role, deactivation, removal.
    let path = format!("/v1/users/{uid}");
    app.patch(&path, &t.access, json!({"role": "developer"}))
        .await
        .ok(200);
    assert_eq!(role_in(&app, &key).await, ("developer".into(), 1));
    app.patch(&path, &t.access, json!({"role": "admin"}))
        .await
        .ok(200);
    assert_eq!(role_in(&app, &key).await, ("admin".into(), 2));
    app.get("/v1/users", &token).await.ok(200);
    app.patch(&path, &t.access, json!({"is_active": false}))
        .await
        .ok(200);
    assert_eq!(role_in(&app, &key).await, ("inactive".into(), 3));
    app.patch(&path, &t.access, json!({"is_active": true}))
        .await
        .ok(200);
    assert_eq!(role_in(&app, &key).await, ("admin".into(), 4));

    // A late write of an older version (a slow request's post-commit
    // update) cannot put an outdated role back.
    app.state
        .cache
        .set_versioned(&key, "owner", 3)
        .await
        .unwrap();
    assert_eq!(role_in(&app, &key).await, ("admin".into(), 4));

    app.delete(&path, &t.access).await.ok(204);
    assert_eq!(role_in(&app, &key).await, ("inactive".into(), 5));
}

async fn role_in(app: &TestApp, key: &str) -> (String, i64) {
    let entry = cached(app, key).await.expect("cached role");
    let (role, version) = entry.rsplit_once(':').expect("role:version");
    (role.to_owned(), version.parse().unwrap())
}

#[tokio::test]
async fn api_keys_and_slugs_are_cached() {
    let app = TestApp::spawn().await;
    let t = app.signup().await;
    app.login(&t.slug, &t.owner_email, &t.password).await;
    assert_eq!(
        cached(&app, &format!("qhub:cache:slug:{}", t.slug))
            .await
            .as_deref(),
        Some(t.id.to_string().as_str())
    );

    let (id, key) = app.api_key(&t.access, &["users:read"]).await;
    app.get("/v1/users", &key).await.ok(200);
    let cache_key = format!(
        "qhub:cache:apikey:{}",
        hex::encode(Sha256::digest(key.as_bytes()))
    );
    let entry = cached(&app, &cache_key).await.unwrap();
    let entry: serde_json::Value = serde_json::from_str(&entry).unwrap();
    assert_eq!(entry["key_id"], id.to_string());
    assert_eq!(entry["tenant_id"], t.id.to_string());
    assert_eq!(entry["scopes"], json!(["users:read"]));
    // The key itself is nowhere in the entry.
    assert!(!entry.to_string().contains(&key));

    app.delete(&format!("/v1/api-keys/{id}"), &t.access)
        .await
        .ok(204);
    assert_eq!(cached(&app, &cache_key).await.as_deref(), Some("revoked"));
}

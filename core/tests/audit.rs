//! The audit log: one event per admin action, with actor, target, client
//! and diff; filters; isolation; append-only for the server's role.

mod common;

use common::{app_pool, unique, TestApp};
use reqwest::Method;
use serde_json::{json, Value};

#[tokio::test]
async fn every_admin_action_writes_exactly_one_event() {
    common::ensure_mail_sink();
    let app = TestApp::spawn().await;
    let t = app.signup().await;
    let tok = t.access.as_str();

    // user.created (with our own request id, which the event must carry)
    let email = format!("{}@{}.test", unique("u"), t.slug);
    let res = app
        .http
        .post(format!("{}/v1/users", app.base))
        .bearer_auth(tok)
        .header("x-request-id", "audit-req-1")
        .header("user-agent", "audit-test/1.0")
        .json(&json!({"email": email, "name": "U", "password": "plum orchard lantern", "role": "viewer"}))
        .send()
        .await
        .unwrap();
    let user = TestApp::read(res).await.ok(201)["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let upath = format!("/v1/users/{user}");
    app.patch(&upath, tok, json!({"role": "developer"}))
        .await
        .ok(200); // user.role_changed
    app.patch(&upath, tok, json!({"name": "Renamed"}))
        .await
        .ok(200); // user.updated
    app.patch(&upath, tok, json!({"is_active": false}))
        .await
        .ok(200); // user.deactivated
    app.patch(&upath, tok, json!({"is_active": true}))
        .await
        .ok(200); // user.reactivated
    let (key_id, _) = app.api_key(tok, &["users:read"]).await; // api_key.created
    app.delete(&format!("/v1/api-keys/{key_id}"), tok)
        .await
        .ok(204); // api_key.revoked
    let r = app
        .post(
            "/v1/invitations",
            Some(tok),
            json!({"email": format!("i@{}.test", t.slug), "role": "viewer"}),
        )
        .await; // invitation.sent
    let inv = r.ok(201)["id"].as_str().unwrap().to_owned();
    app.delete(&format!("/v1/invitations/{inv}"), tok)
        .await
        .ok(204); // invitation.revoked
    app.patch("/v1/tenant", tok, json!({"name": "Renamed Org"}))
        .await
        .ok(200); // tenant.updated
    let (_, refresh) = app.login(&t.slug, &t.owner_email, &t.password).await;
    let sid = app.get("/v1/auth/sessions", tok).await.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["current"] == false)
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.delete(&format!("/v1/auth/sessions/{sid}"), tok)
        .await
        .ok(204); // session.revoked
    app.delete(&upath, tok).await.ok(204); // user.deleted
    let _ = refresh;

    let all = app.get("/v1/audit-events?limit=200", tok).await;
    let all = all.ok(200)["items"].as_array().unwrap().clone();
    let mut actions: Vec<&str> = all.iter().map(|e| e["action"].as_str().unwrap()).collect();
    actions.sort();
    assert_eq!(
        actions,
        vec![
            "api_key.created",
            "api_key.revoked",
            "invitation.revoked",
            "invitation.sent",
            "session.revoked",
            "tenant.updated",
            "user.created",
            "user.deactivated",
            "user.deleted",
            "user.reactivated",
            "user.role_changed",
            "user.updated",
        ]
    );
    // Newest first.
    assert_eq!(all[0]["action"], "user.deleted");
    let owner = t.owner_id.to_string();
    for e in &all {
        assert_eq!(e["actor_type"], "user", "{e}");
        assert_eq!(e["actor_id"], owner.as_str(), "{e}");
        assert!(e["ip"].as_str().is_some_and(|ip| ip == "127.0.0.1"), "{e}");
        assert!(e["request_id"].is_string(), "{e}");
    }
    let find =
        |action: &str| -> Value { all.iter().find(|e| e["action"] == action).cloned().unwrap() };
    let created = find("user.created");
    assert_eq!(created["request_id"], "audit-req-1");
    assert_eq!(created["user_agent"], "audit-test/1.0");
    assert_eq!(created["target_type"], "user");
    assert_eq!(created["target_id"], user.as_str());
    assert_eq!(
        find("user.role_changed")["diff"],
        json!({"role": {"from": "viewer", "to": "developer"}})
    );
    assert_eq!(
        find("user.deactivated")["diff"],
        json!({"is_active": {"from": true, "to": false}})
    );
    assert_eq!(
        find("tenant.updated")["diff"]["name"]["to"],
        json!("Renamed Org")
    );
    assert_eq!(find("session.revoked")["target_id"], sid.as_str());

    // Filters: exact action, family, actor, time range.
    let r = app
        .get("/v1/audit-events?action=user.role_changed", tok)
        .await;
    assert_eq!(r.ok(200)["items"].as_array().unwrap().len(), 1);
    let r = app.get("/v1/audit-events?action=user.*", tok).await;
    assert_eq!(r.ok(200)["items"].as_array().unwrap().len(), 6);
    let r = app
        .get(&format!("/v1/audit-events?actor_id={owner}&limit=5"), tok)
        .await;
    let page = r.ok(200);
    assert_eq!(page["items"].as_array().unwrap().len(), 5);
    let cursor = page["next_cursor"].as_str().unwrap().to_owned();
    let r = app
        .get(
            &format!("/v1/audit-events?actor_id={owner}&limit=200&cursor={cursor}"),
            tok,
        )
        .await;
    assert_eq!(r.ok(200)["items"].as_array().unwrap().len(), all.len() - 5);
    let r = app
        .get("/v1/audit-events?to=2000-01-01T00:00:00Z", tok)
        .await;
    assert_eq!(r.ok(200)["items"], json!([]));
}

#[tokio::test]
async fn audit_filters_reject_bad_input() {
    let app = TestApp::spawn().await;
    let t = app.signup().await;
    for q in [
        "action=user.exploded",
        "action=nothing.*",
        "from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z",
    ] {
        app.get(&format!("/v1/audit-events?{q}"), &t.access)
            .await
            .problem(422, "validation_failed");
    }
    let r = app.get("/v1/audit-events?from=yesterday", &t.access).await;
    r.problem(422, "validation_failed");
    assert_eq!(r.body["errors"][0]["field"], "from");
}

#[tokio::test]
async fn audit_events_are_isolated_and_for_admins_only() {
    let app = TestApp::spawn().await;
    let a = app.signup().await;
    let b = app.signup().await;
    app.patch("/v1/tenant", &a.access, json!({"name": "A renamed"}))
        .await
        .ok(200);
    let a_events = app.get("/v1/audit-events", &a.access).await;
    let a_ids: Vec<Value> = a_events.ok(200)["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].clone())
        .collect();
    assert!(!a_ids.is_empty());
    let b_events = app.get("/v1/audit-events?limit=200", &b.access).await;
    for e in b_events.ok(200)["items"].as_array().unwrap() {
        assert!(!a_ids.contains(&e["id"]), "B sees A's event {e}");
    }
    // Filtering by A's owner from B finds nothing.
    let r = app
        .get(
            &format!("/v1/audit-events?actor_id={}", a.owner_id),
            &b.access,
        )
        .await;
    assert_eq!(r.ok(200)["items"], json!([]));

    let (_, dev, _) = app.user_with_role(&a, "developer").await;
    app.get("/v1/audit-events", &dev)
        .await
        .problem(403, "forbidden");
    let (_, no_admin) = app.api_key(&a.access, &["users:read"]).await;
    app.with_key(Method::GET, "/v1/audit-events", &no_admin, None)
        .await
        .problem(403, "forbidden");
    let (_, admin_key) = app.api_key(&a.access, &["admin"]).await;
    let r = app
        .with_key(Method::GET, "/v1/audit-events", &admin_key, None)
        .await;
    assert!(!r.ok(200)["items"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn the_server_role_cannot_rewrite_history() {
    let app = TestApp::spawn().await;
    let t = app.signup().await;
    app.patch("/v1/tenant", &t.access, json!({"name": "Changed"}))
        .await
        .ok(200);
    let pool = app_pool(1).await;
    let mut tx = qhub_core::tenancy::as_tenant(&pool, t.id, None)
        .await
        .unwrap();
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_events")
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    assert_eq!(n, 1);
    let err = sqlx::query("UPDATE audit_events SET action = 'user.created'")
        .execute(&mut *tx)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("permission denied"), "{err}");
    drop(tx);
    let mut tx = qhub_core::tenancy::as_tenant(&pool, t.id, None)
        .await
        .unwrap();
    let err = sqlx::query("DELETE FROM audit_events")
        .execute(&mut *tx)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("permission denied"), "{err}");
    drop(tx);
    let mut tx = qhub_core::tenancy::as_tenant(&pool, t.id, None)
        .await
        .unwrap();
    let err = sqlx::query("TRUNCATE audit_events")
        .execute(&mut *tx)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("permission denied"), "{err}");
    drop(tx);
    let r = app.get("/v1/audit-events", &t.access).await;
    assert_eq!(r.ok(200)["items"][0]["action"], "tenant.updated");
}

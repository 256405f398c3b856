//! The spec's security requirements are a contract the server keeps: for
//! every operation that names a scope, an API key without that scope gets
//! 403 and changes nothing, and a key with it is not refused for its scope.
//! Driven by the served document, so a new operation is covered as soon as
//! it is in the spec.

mod common;

use common::TestApp;
use reqwest::Method;
use serde_json::{json, Value};

/// Everything a refused request could have changed, as the owner sees it.
async fn snapshot(app: &TestApp, owner: &str) -> Value {
    let mut out = serde_json::Map::new();
    for path in [
        "/v1/tenant",
        "/v1/users?limit=200",
        "/v1/invitations?limit=200",
        "/v1/api-keys?limit=200&include_revoked=true",
        "/v1/audit-events?limit=200",
        "/v1/projects?limit=200",
        "/v1/apps?limit=200",
    ] {
        let r = app.get(path, owner).await;
        let mut page = r.ok(200).clone();
        // A key's use may touch its last_used_at, and nothing else.
        if let Some(items) = page["items"].as_array_mut() {
            for item in items {
                if let Some(o) = item.as_object_mut() {
                    o.remove("last_used_at");
                }
            }
        }
        out.insert(path.to_owned(), page);
    }
    Value::Object(out)
}

#[tokio::test]
async fn every_scoped_operation_refuses_a_key_without_its_scope() {
    let app = TestApp::spawn().await;
    let t = app.signup().await;
    let spec = serde_json::to_value(qhub_core::openapi::spec()).unwrap();
    let all: Vec<String> = qhub_lib::Scope::ALL
        .iter()
        .map(|s| s.as_str().to_owned())
        .collect();
    let mut checked = 0;
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let Some(needed) = op["security"].as_array().and_then(|reqs| {
                reqs.iter()
                    .find_map(|r| r["apiKeyAuth"].as_array().cloned())
            }) else {
                continue;
            };
            let needed: Vec<&str> = needed.iter().filter_map(Value::as_str).collect();
            assert!(
                !needed.is_empty(),
                "{method} {path}: apiKeyAuth without scopes"
            );
            let method: Method = method.to_uppercase().parse().unwrap();
            let url = common::concrete_path(path);
            let body =
                matches!(method, Method::POST | Method::PATCH | Method::PUT).then(|| json!({}));

            // Every scope but the ones the operation names.
            let without: Vec<&str> = all
                .iter()
                .map(String::as_str)
                .filter(|s| !needed.contains(s))
                .collect();
            let (weak_id, weak) = app.api_key(&t.access, &without).await;
            let before = snapshot(&app, &t.access).await;
            let r = app
                .with_key(method.clone(), &url, &weak, body.clone())
                .await;
            r.problem(403, "forbidden");
            assert!(
                r.body["detail"].as_str().unwrap().contains(needed[0]),
                "{method} {path}: {}",
                r.body
            );
            let after = snapshot(&app, &t.access).await;
            assert_eq!(
                before, after,
                "{method} {path}: a refused call changed something"
            );

            // Exactly the named scopes: not refused for a scope.
            let (strong_id, strong) = app.api_key(&t.access, &needed).await;
            let r = app.with_key(method.clone(), &url, &strong, body).await;
            assert_ne!(r.status.as_u16(), 403, "{method} {path}: {}", r.body);
            assert!(r.status.as_u16() < 500, "{method} {path}: {}", r.body);
            // A user holds at most 50 active keys.
            for id in [weak_id, strong_id] {
                app.delete(&format!("/v1/api-keys/{id}"), &t.access)
                    .await
                    .ok(204);
            }
            checked += 1;
        }
    }
    assert!(checked >= 10, "only {checked} scoped operations");
}

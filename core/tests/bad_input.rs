//! Bad input on every write endpoint gets problem+json 400/413/415/422 and
//! changes nothing.

mod common;

use common::{unique, TestApp};
use reqwest::Method;
use serde_json::{json, Value};

/// Sends the generic malformed bodies to one endpoint.
async fn malformed_bodies(app: &TestApp, method: Method, path: &str, token: Option<&str>) {
    let ct = Some("application/json");
    app.raw(method.clone(), path, token, ct, "{bad json")
        .await
        .problem(400, "bad_request");
    app.raw(method.clone(), path, token, ct, "\"unterminated")
        .await
        .problem(400, "bad_request");
    app.raw(method.clone(), path, token, None, "{}")
        .await
        .problem(415, "unsupported_media_type");
    app.raw(method.clone(), path, token, Some("text/plain"), "{}")
        .await
        .problem(415, "unsupported_media_type");
    let huge = format!("{{\"name\": \"{}\"}}", "x".repeat(100 * 1024));
    app.raw(method.clone(), path, token, ct, huge)
        .await
        .problem(413, "payload_too_large");
    app.raw(method.clone(), path, token, ct, "{\"surprise\": 1}")
        .await
        .problem(422, "validation_failed");
    app.raw(method, path, token, ct, "42")
        .await
        .problem(422, "validation_failed");
}

fn has_field_error(body: &Value, field: &str) -> bool {
    body["errors"]
        .as_array()
        .is_some_and(|e| e.iter().any(|x| x["field"] == field))
}

#[tokio::test]
async fn signup_rejects_bad_input_and_creates_nothing() {
    let app = TestApp::spawn().await;
    malformed_bodies(&app, Method::POST, "/v1/tenants", None).await;

    let slug = unique("bad");
    let good = json!({
        "name": "Org", "slug": slug, "owner_email": "o@x.test",
        "owner_password": "correct horse battery", "owner_name": "O"
    });
    let cases: Vec<(&str, Value)> = vec![
        ("slug", json!("UPPER")),
        ("slug", json!("ab")),
        ("slug", json!("-lead")),
        ("slug", json!("has space")),
        ("owner_email", json!("not-an-email")),
        ("owner_password", json!("short")),
        ("name", json!("   ")),
        ("owner_name", json!("")),
    ];
    for (field, value) in cases {
        let mut body = good.clone();
        body[field] = value;
        if field == "slug" {
            body["slug"] = body["slug"].clone();
        }
        let r = app.post("/v1/tenants", None, body).await;
        r.problem(422, "validation_failed");
        assert!(has_field_error(&r.body, field), "{field}: {}", r.body);
    }
    // Wrong types and missing fields.
    let mut wrong = good.clone();
    wrong["name"] = json!(5);
    let r = app.post("/v1/tenants", None, wrong).await;
    r.problem(422, "validation_failed");
    assert!(has_field_error(&r.body, "name"), "{}", r.body);
    let r = app.post("/v1/tenants", None, json!({"name": "x"})).await;
    r.problem(422, "validation_failed");

    // Several bad fields are reported together.
    let r = app
        .post(
            "/v1/tenants",
            None,
            json!({"name": "", "slug": "A", "owner_email": "x", "owner_password": "x", "owner_name": ""}),
        )
        .await;
    r.problem(422, "validation_failed");
    assert_eq!(r.body["errors"].as_array().unwrap().len(), 5);

    // None of that created the tenant: the slug is still free.
    let r = app.post("/v1/tenants", None, good.clone()).await;
    assert_eq!(r.ok(201)["tenant"]["slug"], slug);
    // And now it is taken.
    app.post("/v1/tenants", None, good)
        .await
        .problem(409, "conflict");
}

#[tokio::test]
async fn tenant_update_rejects_bad_input_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let t = app.signup().await;
    let before = app.get("/v1/tenant", &t.access).await.ok(200).clone();
    malformed_bodies(&app, Method::PATCH, "/v1/tenant", Some(&t.access)).await;
    for body in [
        json!({}),
        json!({"name": ""}),
        json!({"name": "x".repeat(201)}),
        json!({"settings": [1, 2]}),
        json!({"settings": "text"}),
        json!({"settings": {"blob": "x".repeat(17 * 1024)}}),
        json!({"slug": "renamed"}),
        json!({"id": "00000000-0000-0000-0000-000000000000"}),
    ] {
        app.patch("/v1/tenant", &t.access, body)
            .await
            .problem(422, "validation_failed");
    }
    let after = app.get("/v1/tenant", &t.access).await;
    assert_eq!(after.ok(200), &before);

    let r = app
        .patch(
            "/v1/tenant",
            &t.access,
            json!({"settings": {"theme": "dark"}}),
        )
        .await;
    assert_eq!(r.ok(200)["settings"]["theme"], "dark");
    assert_eq!(r.body["name"], before["name"]);
}

#[tokio::test]
async fn user_writes_reject_bad_input_and_change_nothing() {
    let app = TestApp::spawn().await;
    let t = app.signup().await;
    let (dev, _, _) = app.user_with_role(&t, "developer").await;
    let dev_path = format!("/v1/users/{dev}");
    let before_count = app.user_count(&t.access).await;
    let before_dev = app.get(&dev_path, &t.access).await.ok(200).clone();

    malformed_bodies(&app, Method::POST, "/v1/users", Some(&t.access)).await;
    malformed_bodies(&app, Method::PATCH, &dev_path, Some(&t.access)).await;

    let good = json!({"email": "n@x.test", "name": "N", "password": "plum orchard lantern", "role": "viewer"});
    for (field, value) in [
        ("email", json!("nope")),
        ("password", json!("short")),
        ("name", json!("")),
        ("role", json!("root")),
    ] {
        let mut body = good.clone();
        body[field] = value;
        let r = app.post("/v1/users", Some(&t.access), body).await;
        r.problem(422, "validation_failed");
        assert!(has_field_error(&r.body, field), "{field}: {}", r.body);
    }
    // serde_json reports a number where an enum belongs as a syntax error.
    let mut numeric_role = good.clone();
    numeric_role["role"] = json!(1);
    app.post("/v1/users", Some(&t.access), numeric_role)
        .await
        .problem(400, "bad_request");
    for body in [
        json!({}),
        json!({"role": "superuser"}),
        json!({"is_active": "no"}),
        json!({"name": ""}),
        json!({"email": "new@x.test"}),
    ] {
        app.patch(&dev_path, &t.access, body)
            .await
            .problem(422, "validation_failed");
    }
    // Bad ids in the path.
    app.get("/v1/users/not-a-uuid", &t.access)
        .await
        .problem(400, "bad_request");
    app.patch("/v1/users/not-a-uuid", &t.access, json!({"name": "x"}))
        .await
        .problem(400, "bad_request");
    app.delete("/v1/users/not-a-uuid", &t.access)
        .await
        .problem(400, "bad_request");
    app.delete("/v1/auth/sessions/not-a-uuid", &t.access)
        .await
        .problem(400, "bad_request");

    assert_eq!(app.user_count(&t.access).await, before_count);
    assert_eq!(app.get(&dev_path, &t.access).await.ok(200), &before_dev);
}

#[tokio::test]
async fn auth_endpoints_reject_bad_input() {
    let app = TestApp::spawn().await;
    let t = app.signup().await;
    malformed_bodies(&app, Method::POST, "/v1/auth/login", None).await;
    malformed_bodies(&app, Method::POST, "/v1/auth/refresh", None).await;
    let r = app
        .post(
            "/v1/auth/login",
            None,
            json!({"tenant": "", "email": "", "password": ""}),
        )
        .await;
    r.problem(422, "validation_failed");
    assert_eq!(r.body["errors"].as_array().unwrap().len(), 3);
    app.post("/v1/auth/refresh", None, json!({"refresh_token": 5}))
        .await
        .problem(422, "validation_failed");
    // The session is still alive after all of that.
    app.get("/v1/auth/me", &t.access).await.ok(200);
    app.try_refresh(&t.refresh).await.ok(200);
}

/// Every operation in the spec that takes a JSON body, present and future,
/// rejects malformed bodies with problem+json before touching anything.
#[tokio::test]
async fn every_write_endpoint_in_the_spec_rejects_malformed_bodies() {
    let app = TestApp::spawn().await;
    let t = app.signup().await;
    let spec = serde_json::to_value(qhub_core::openapi::spec()).unwrap();
    let mut checked = 0;
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            // JSON bodies only: a package upload takes any bytes.
            if op["requestBody"]["content"]
                .get("application/json")
                .is_none()
            {
                continue;
            }
            let method: Method = method.to_uppercase().parse().unwrap();
            let concrete = common::concrete_path(path);
            malformed_bodies(&app, method, &concrete, Some(&t.access)).await;
            checked += 1;
        }
    }
    assert!(checked >= 12, "only {checked} operations with bodies");
    // Nothing was created or changed anywhere in the tenant.
    assert_eq!(app.user_count(&t.access).await, 1);
    for list in [
        "/v1/api-keys?include_revoked=true",
        "/v1/invitations",
        "/v1/audit-events",
    ] {
        let r = app.get(list, &t.access).await;
        assert_eq!(r.ok(200)["items"], json!([]), "{list}");
    }
    let tenant = app.get("/v1/tenant", &t.access).await;
    assert_eq!(tenant.ok(200)["name"], format!("Org {}", t.slug));
}

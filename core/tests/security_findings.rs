//! Regression tests for the findings of the outside security test (issue
//! 11). Each failed on the code before its fix.

mod common;

use common::{owner_pool, test_config, token_in, unique, wait_for_mail, Resp, Tenant, TestApp};
use qhub_core::ratelimit::Limit;
use reqwest::Method;
use serde_json::{json, Value};

/// A fresh documentation-range IP per test, so tests never share buckets.
fn fresh_ip() -> String {
    let n = uuid::Uuid::new_v4().as_u128();
    format!("2001:db8::{:x}:{:x}", (n >> 16) & 0xffff, n & 0xffff)
}

/// A request from `ip` (through one trusted proxy) with extra headers.
async fn from_ip(
    app: &TestApp,
    ip: &str,
    method: Method,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<Value>,
) -> Resp {
    let mut req = app
        .http
        .request(method, format!("{}{path}", app.base))
        .header("x-forwarded-for", ip);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    if let Some(b) = body {
        req = req.json(&b);
    }
    TestApp::read(req.send().await.unwrap()).await
}

fn made_up_key() -> String {
    format!("qh_live_{}", uuid::Uuid::new_v4().simple())
}

fn bad_login() -> Value {
    json!({"tenant": "nope", "email": "x@x.test", "password": "wrong password"})
}

// --- Rate limits: only a verified principal leaves the IP bucket ---------

#[tokio::test]
async fn made_up_api_keys_count_against_the_ip_on_public_routes() {
    let mut config = test_config();
    config.trusted_proxy_hops = 1;
    config.rate_limit_auth_ip = Limit::per(3, 60);
    let app = TestApp::spawn_with(config).await;
    for header in ["x-api-key", "authorization"] {
        let ip = fresh_ip();
        for _ in 0..3 {
            let key = made_up_key();
            let value = if header == "authorization" {
                format!("Bearer {key}")
            } else {
                key
            };
            from_ip(
                &app,
                &ip,
                Method::POST,
                "/v1/auth/login",
                &[(header, &value)],
                Some(bad_login()),
            )
            .await
            .problem(401, "unauthenticated");
        }
        // A fourth made-up key is not a fresh budget: the IP's is spent.
        let value = format!("Bearer {}", made_up_key());
        let h = if header == "authorization" {
            ("authorization", value.as_str())
        } else {
            ("x-api-key", &value[7..])
        };
        from_ip(
            &app,
            &ip,
            Method::POST,
            "/v1/auth/login",
            &[h],
            Some(bad_login()),
        )
        .await
        .problem(429, "rate_limited");
    }
}

#[tokio::test]
async fn made_up_api_keys_count_against_the_ip_on_authenticated_routes() {
    let mut config = test_config();
    config.trusted_proxy_hops = 1;
    config.rate_limit_auth_ip = Limit::per(3, 60);
    let app = TestApp::spawn_with(config).await;
    let ip = fresh_ip();
    for _ in 0..3 {
        from_ip(
            &app,
            &ip,
            Method::GET,
            "/v1/users",
            &[("x-api-key", &made_up_key())],
            None,
        )
        .await
        .problem(401, "unauthenticated");
    }
    from_ip(
        &app,
        &ip,
        Method::GET,
        "/v1/users",
        &[("x-api-key", &made_up_key())],
        None,
    )
    .await
    .problem(429, "rate_limited");
}

#[tokio::test]
async fn a_valid_key_does_not_lift_the_ip_limit_of_token_issuing_routes() {
    let mut config = test_config();
    config.trusted_proxy_hops = 1;
    config.rate_limit_auth_ip = Limit::per(3, 60);
    let app = TestApp::spawn_with(config).await;
    // Set up from other addresses (signup itself is limited per IP).
    let slug = unique("t");
    let email = format!("owner@{slug}.test");
    let r = from_ip(
        &app,
        &fresh_ip(),
        Method::POST,
        "/v1/tenants",
        &[],
        Some(json!({"name": "Org", "slug": slug, "owner_email": email,
                    "owner_password": "correct horse battery", "owner_name": "Owner"})),
    )
    .await;
    let access = r.ok(201)["access_token"].as_str().unwrap().to_owned();
    let (_, key) = app.api_key(&access, &["users:read"]).await;

    let ip = fresh_ip();
    for _ in 0..3 {
        from_ip(
            &app,
            &ip,
            Method::POST,
            "/v1/auth/login",
            &[("x-api-key", &key)],
            Some(bad_login()),
        )
        .await
        .problem(401, "unauthenticated");
    }
    from_ip(
        &app,
        &ip,
        Method::POST,
        "/v1/auth/login",
        &[("x-api-key", &key)],
        Some(bad_login()),
    )
    .await
    .problem(429, "rate_limited");
    // The key itself still works where a key belongs: its own budget.
    let r = from_ip(
        &app,
        &ip,
        Method::GET,
        "/v1/users",
        &[("x-api-key", &key)],
        None,
    )
    .await;
    assert_eq!(r.ok(200)["items"][0]["email"], email);
}

// --- Invitations die with the inviter's authority ------------------------

async fn invite(app: &TestApp, token: &str, slug: &str, role: &str) -> String {
    let email = format!("{}@{slug}.test", unique("inv"));
    app.post(
        "/v1/invitations",
        Some(token),
        json!({"email": email, "role": role}),
    )
    .await
    .ok(201);
    token_in(&wait_for_mail(&email, "Join").await)
}

use common::accept_invitation as accept;

#[tokio::test]
async fn an_invitation_dies_when_its_inviter_is_removed() {
    common::ensure_mail_sink();
    let app = TestApp::spawn().await;
    let t = app.signup().await;
    let (admin_id, admin, _) = app.user_with_role(&t, "admin").await;
    let token = invite(&app, &admin, &t.slug, "admin").await;
    app.delete(&format!("/v1/users/{admin_id}"), &t.access)
        .await
        .ok(204);
    let before = app.user_count(&t.access).await;
    accept(&app, &token).await.problem(404, "not_found");
    assert_eq!(
        app.user_count(&t.access).await,
        before,
        "no user was created"
    );
}

#[tokio::test]
async fn an_owner_invitation_dies_when_its_inviter_is_demoted() {
    common::ensure_mail_sink();
    let app = TestApp::spawn().await;
    let t = app.signup().await;
    // (inviter's role, invited role, what happens to the inviter)
    let cases = [
        ("owner", "owner", json!({"role": "viewer"})),
        // An admin demoted to developer can no longer invite anyone.
        ("admin", "viewer", json!({"role": "developer"})),
        ("admin", "viewer", json!({"is_active": false})),
    ];
    for (inviter_role, role, change) in cases {
        let (inviter_id, inviter, _) = app.user_with_role(&t, inviter_role).await;
        let token = invite(&app, &inviter, &t.slug, role).await;
        app.patch(
            &format!("/v1/users/{inviter_id}"),
            &t.access,
            change.clone(),
        )
        .await
        .ok(200);
        accept(&app, &token).await.problem(404, "not_found");
        assert!(
            !app.audit(&t, "invitation.accepted")
                .await
                .iter()
                .any(|e| e["diff"]["invited_by"] == inviter_id.to_string()),
            "{inviter_role} after {change}: accepted"
        );
    }
}

#[tokio::test]
async fn an_invitation_of_a_still_entitled_inviter_works_and_the_audit_keeps_who_invited() {
    common::ensure_mail_sink();
    let app = TestApp::spawn().await;
    let t = app.signup().await;
    let (admin_id, admin, _) = app.user_with_role(&t, "admin").await;
    let token = invite(&app, &admin, &t.slug, "developer").await;
    let b = accept(&app, &token).await.ok(201).clone();
    assert_eq!(b["user"]["role"], "developer");
    let events = app.audit(&t, "invitation.accepted").await;
    assert_eq!(events[0]["diff"]["invited_by"], admin_id.to_string());
}

// --- Extreme dates are 422, never a dropped connection or a 500 ----------

#[tokio::test]
async fn out_of_range_dates_are_422_everywhere() {
    let app = TestApp::spawn().await;
    let t = app.signup().await;
    for path in [
        "/v1/usage/summary?to=-262143-01-01T00:00:00Z",
        "/v1/usage/summary?from=-262143-01-01T00:00:00Z",
        "/v1/usage/timeseries?to=%2B262142-12-31T23:59:59Z",
        "/v1/usage/timeseries?from=1969-12-31T00:00:00Z",
        "/v1/audit-events?from=%2B262142-12-31T23:59:59Z",
        "/v1/audit-events?to=-262143-01-01T00:00:00Z",
        "/v1/audit-events?from=10000-01-01T00:00:00Z",
    ] {
        let r = app.get(path, &t.access).await;
        r.problem(422, "validation_failed");
        let field = r.body["errors"][0]["field"].as_str().unwrap_or_default();
        assert!(field == "from" || field == "to", "{path}: {}", r.body);
    }
    // Far but valid dates: usage beyond ClickHouse's range is clipped, not an error.
    let r = app
        .get(
            "/v1/usage/summary?from=9999-12-01T00:00:00Z&to=9999-12-31T00:00:00Z",
            &t.access,
        )
        .await;
    let b = r.ok(200);
    assert_eq!(b["requests"], 0);
    assert!(b["to"].as_str().unwrap().starts_with("2106-"), "{b}");
    let r = app
        .get("/v1/audit-events?from=9999-01-01T00:00:00Z", &t.access)
        .await;
    assert_eq!(r.ok(200)["items"], json!([]));
    // An API key's expiry is bounded the same way.
    let r = app
        .post(
            "/v1/api-keys",
            Some(&t.access),
            json!({"name": "k", "scopes": ["users:read"], "expires_at": "+262142-01-01T00:00:00Z"}),
        )
        .await;
    r.problem(422, "validation_failed");
}

// --- NUL and control characters are 422 at the edge -----------------------

#[tokio::test]
async fn nul_and_control_characters_are_422_and_change_nothing() {
    let app = TestApp::spawn().await;
    let t = app.signup().await;
    for body in [
        json!({"tenant": "a\u{0}b", "email": "x@x.test", "password": "p"}),
        json!({"tenant": t.slug, "email": "x\u{0}@x.test", "password": "p"}),
        json!({"tenant": t.slug, "email": t.owner_email, "password": "p\u{0}"}),
    ] {
        app.post("/v1/auth/login", None, body)
            .await
            .problem(422, "validation_failed");
    }
    let before = app.get("/v1/tenant", &t.access).await.ok(200).clone();
    for settings in [
        json!({"motd": "hi\u{0}there"}),
        json!({"nested": [{"deep": "\u{0}"}]}),
        json!({"key\u{0}": 1}),
        json!({"bell": "ding\u{7}"}),
    ] {
        app.patch("/v1/tenant", &t.access, json!({"settings": settings}))
            .await
            .problem(422, "validation_failed");
    }
    app.patch("/v1/tenant", &t.access, json!({"name": "Evil\u{0}Corp"}))
        .await
        .problem(422, "validation_failed");
    let after = app.get("/v1/tenant", &t.access).await.ok(200).clone();
    assert_eq!(before, after);
    // Multi-line text stays allowed in settings.
    let r = app
        .patch(
            "/v1/tenant",
            &t.access,
            json!({"settings": {"notes": "line 1\nline 2\ttab"}}),
        )
        .await;
    assert_eq!(r.ok(200)["settings"]["notes"], "line 1\nline 2\ttab");
}

// --- Emails: bare, normalised, nothing invisible --------------------------

#[tokio::test]
async fn display_name_emails_are_refused_everywhere() {
    common::ensure_mail_sink();
    let app = TestApp::spawn().await;
    let t = app.signup().await;
    let evil = "ceo.corp.test<victim@evil.test>";
    let slug = unique("t");
    app.post(
        "/v1/tenants",
        None,
        json!({"name": "Org", "slug": slug, "owner_email": evil,
               "owner_password": "correct horse battery", "owner_name": "Owner"}),
    )
    .await
    .problem(422, "validation_failed");
    app.post(
        "/v1/users",
        Some(&t.access),
        json!({"email": evil, "name": "x", "password": "plum orchard lantern", "role": "viewer"}),
    )
    .await
    .problem(422, "validation_failed");
    app.post(
        "/v1/invitations",
        Some(&t.access),
        json!({"email": evil, "role": "viewer"}),
    )
    .await
    .problem(422, "validation_failed");
    app.post(
        "/v1/invitations",
        Some(&t.access),
        json!({"email": "Name <victim@evil.test>", "role": "viewer"}),
    )
    .await
    .problem(422, "validation_failed");
    // Nothing was queued for the victim.
    let pool = owner_pool().await;
    let queued: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM email_outbox WHERE to_addr LIKE '%victim@evil.test%'",
    )
    .fetch_one(&pool)
    .await
    .unwrap_or(0);
    assert_eq!(queued, 0);
}

#[tokio::test]
async fn look_alike_emails_names_and_slugs_cannot_coexist() {
    let app = TestApp::spawn().await;
    let t = app.signup().await;
    let create = |email: String, name: &'static str| {
        let app = &app;
        let token = t.access.clone();
        async move {
            app.post(
                "/v1/users",
                Some(&token),
                json!({"email": email, "name": name, "password": "plum orchard lantern", "role": "viewer"}),
            )
            .await
        }
    };
    // Composed and decomposed "é" are one address.
    let local = unique("jos");
    let composed = format!("{local}\u{e9}@{}.test", t.slug);
    let decomposed = format!("{local}e\u{301}@{}.test", t.slug);
    let b = create(composed.clone(), "A").await.ok(201).clone();
    assert_eq!(b["email"], composed);
    create(decomposed, "B").await.problem(409, "conflict");
    // Invisible and bidirectional-control characters.
    create(format!("a\u{200b}b@{}.test", t.slug), "C")
        .await
        .problem(422, "validation_failed");
    create(format!("ab@{}\u{202e}.test", t.slug), "D")
        .await
        .problem(422, "validation_failed");
    let r = create(format!("{}@{}.test", unique("n"), t.slug), "Ad\u{200d}min").await;
    r.problem(422, "validation_failed");
    assert_eq!(r.body["errors"][0]["field"], "name");
    let r = create(format!("{}@{}.test", unique("n"), t.slug), "\u{202e}nimda").await;
    r.problem(422, "validation_failed");
    app.post(
        "/v1/tenants",
        None,
        json!({"name": "Org", "slug": format!("{}\u{200b}", unique("t")), "owner_email": "a@b.test",
               "owner_password": "correct horse battery", "owner_name": "Owner"}),
    )
    .await
    .problem(422, "validation_failed");
}

// --- A password reset revokes the user's API keys -------------------------

#[tokio::test]
async fn a_password_reset_revokes_the_users_api_keys_and_a_change_keeps_them() {
    common::ensure_mail_sink();
    let app = TestApp::spawn().await;
    let t = app.signup().await;
    let (key_id, key) = app.api_key(&t.access, &["users:read"]).await;
    // A change (the user proved the old password) keeps them.
    let r = app
        .post(
            "/v1/auth/password",
            Some(&t.access),
            json!({"current_password": t.password, "new_password": "another horse battery"}),
        )
        .await;
    assert!(r.status.is_success(), "{}", r.body);
    app.with_key(Method::GET, "/v1/users", &key, None)
        .await
        .ok(200);

    app.post(
        "/v1/auth/password-reset",
        None,
        json!({"tenant": t.slug, "email": t.owner_email}),
    )
    .await
    .ok(202);
    let token = token_in(&wait_for_mail(&t.owner_email, "Reset").await);
    app.post(
        "/v1/auth/password-reset/confirm",
        None,
        json!({"token": token, "new_password": "a brand new password"}),
    )
    .await
    .ok(204);
    app.with_key(Method::GET, "/v1/users", &key, None)
        .await
        .problem(401, "unauthenticated");
    let (access, _) = app
        .login(&t.slug, &t.owner_email, "a brand new password")
        .await;
    let k = app.get(&format!("/v1/api-keys/{key_id}"), &access).await;
    assert!(k.ok(200)["revoked_at"].is_string());
    let t2 = Tenant {
        access,
        ..t.clone()
    };
    let events = app.audit(&t2, "user.password_reset").await;
    assert_eq!(
        events[0]["diff"]["revoked_api_keys"],
        json!([key_id.to_string()])
    );
}

// --- Mail quotes and bounds what tenants wrote ----------------------------

#[tokio::test]
async fn an_organization_name_in_mail_is_quoted_and_bounded() {
    common::ensure_mail_sink();
    let app = TestApp::spawn().await;
    let t = app.signup().await;
    let warning = "QHub Security Alert: your account is locked, verify now at https://evil.test/login or lose access today";
    app.patch("/v1/tenant", &t.access, json!({"name": warning}))
        .await
        .ok(200);
    let email = format!("{}@{}.test", unique("inv"), t.slug);
    app.post(
        "/v1/invitations",
        Some(&t.access),
        json!({"email": email, "role": "viewer"}),
    )
    .await
    .ok(201);
    let mail = wait_for_mail(&email, "Join").await;
    let quoted = format!("\"{}…\"", warning.chars().take(60).collect::<String>());
    assert_eq!(
        mail["subject"],
        format!("Join the organization {quoted} on QHub")
    );
    let body = mail["body"].as_str().unwrap();
    // The mail names the organization (quoted), its slug, the inviter and
    // the role.
    let lines: Vec<&str> = body.lines().collect();
    for line in [
        format!("Organization: {quoted}"),
        format!("Organization slug: {}", t.slug),
        "Role: viewer".to_owned(),
        format!("Email: {email}"),
    ] {
        assert!(lines.contains(&line.as_str()), "{line} in {body}");
    }
    assert!(
        body.starts_with("\"Owner\" invites you to join the organization"),
        "{body}"
    );
    assert!(!body.contains("evil.test/login or lose"), "{body}");
    assert!(
        body.contains("chosen by that organization and its members, not by QHub"),
        "{body}"
    );
    // The only link is the console's.
    let links: Vec<&str> = body
        .split_whitespace()
        .filter(|w| w.contains("://"))
        .collect();
    assert_eq!(links.len(), 1, "{body}");
    assert!(links[0].starts_with("http://console.test/accept-invitation?token="));
}

// --- Status codes ---------------------------------------------------------

#[tokio::test]
async fn too_many_headers_get_a_problem_json_431() {
    let app = TestApp::spawn().await;
    for n in [101, 300] {
        let mut req = app.http.get(format!("{}/v1/tenant", app.base));
        for i in 0..n {
            req = req.header(format!("x-filler-{i}"), "1");
        }
        let r = TestApp::read(req.send().await.unwrap()).await;
        r.problem(431, "headers_too_large");
        assert!(r.headers.contains_key("x-request-id"));
    }
    let mut req = app.http.get(format!("{}/v1/tenant", app.base));
    req = req.header("x-big", "a".repeat(17 * 1024));
    TestApp::read(req.send().await.unwrap())
        .await
        .problem(431, "headers_too_large");
}

#[tokio::test]
async fn authorization_is_decided_before_validation() {
    let app = TestApp::spawn().await;
    let t = app.signup().await;
    let (viewer_id, viewer, _) = app.user_with_role(&t, "viewer").await;
    let (_, developer, _) = app.user_with_role(&t, "developer").await;
    let invalid = json!({"email": "not an email", "name": "", "password": "x", "role": "root"});
    app.post("/v1/users", Some(&viewer), invalid.clone())
        .await
        .problem(403, "forbidden");
    app.post("/v1/users", Some(&viewer), json!({"unknown": true}))
        .await
        .problem(403, "forbidden");
    app.patch(
        &format!("/v1/users/{viewer_id}"),
        &developer,
        json!({"name": 5}),
    )
    .await
    .problem(403, "forbidden");
    app.post("/v1/invitations", Some(&developer), json!({"email": 1}))
        .await
        .problem(403, "forbidden");
    app.patch("/v1/tenant", &viewer, json!({"settings": []}))
        .await
        .problem(403, "forbidden");
    // With the right, the same body is a 422.
    app.post("/v1/users", Some(&t.access), invalid)
        .await
        .problem(422, "validation_failed");
}

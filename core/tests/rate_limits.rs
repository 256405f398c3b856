//! Rate limits in Redis: trigger at the configured count with the right
//! headers, reset after the window, and are shared by server replicas.

mod common;

use std::time::Duration;

use common::{test_config, unique, Resp, TestApp};
use qhub_core::ratelimit::Limit;
use reqwest::Method;
use serde_json::json;

fn header(r: &Resp, name: &str) -> u64 {
    r.headers
        .get(name)
        .unwrap_or_else(|| panic!("no {name} header"))
        .to_str()
        .unwrap()
        .parse()
        .unwrap()
}

async fn login_from(app: &TestApp, ip: &str, tenant: &str, email: &str) -> Resp {
    let res = app
        .http
        .post(format!("{}/v1/auth/login", app.base))
        // One trusted proxy appended `ip`; the first entry is the client's
        // own (spoofable) claim and must not matter.
        .header("x-forwarded-for", format!("{}, {ip}", fresh_ip()))
        .json(&json!({"tenant": tenant, "email": email, "password": "wrong password"}))
        .send()
        .await
        .unwrap();
    TestApp::read(res).await
}

/// A fresh documentation-range IP per test run, so runs never share buckets.
fn fresh_ip() -> String {
    let n = uuid::Uuid::new_v4().as_u128();
    format!("2001:db8::{:x}:{:x}", (n >> 16) & 0xffff, n & 0xffff)
}

#[tokio::test]
async fn login_is_limited_per_ip_with_headers_and_resets() {
    let mut config = test_config();
    config.trusted_proxy_hops = 1;
    config.rate_limit_auth_ip = Limit::per(3, 2);
    let app = TestApp::spawn_with(config).await;
    let ip = fresh_ip();
    // Distinct accounts: only the IP budget is at stake. Answers under the
    // limit carry the budget too.
    for left in [2, 1, 0] {
        let r = login_from(&app, &ip, "nope", &format!("{}@x.test", unique("e"))).await;
        r.problem(401, "unauthenticated");
        assert_eq!(header(&r, "ratelimit-limit"), 3);
        assert_eq!(header(&r, "ratelimit-remaining"), left);
    }
    let r = login_from(&app, &ip, "nope", "z@x.test").await;
    r.problem(429, "rate_limited");
    assert_eq!(header(&r, "ratelimit-limit"), 3);
    assert_eq!(header(&r, "ratelimit-remaining"), 0);
    let reset = header(&r, "ratelimit-reset");
    assert!((1..=2).contains(&reset), "reset {reset}");
    assert_eq!(header(&r, "retry-after"), reset);
    // Another client is unaffected.
    login_from(&app, &fresh_ip(), "nope", "z@x.test")
        .await
        .problem(401, "unauthenticated");
    // After the window the budget is back.
    tokio::time::sleep(Duration::from_millis(reset * 1000 + 200)).await;
    login_from(&app, &ip, "nope", "z@x.test")
        .await
        .problem(401, "unauthenticated");
}

#[tokio::test]
async fn login_and_reset_are_limited_per_account_across_ips() {
    let mut config = test_config();
    config.trusted_proxy_hops = 1;
    config.rate_limit_account = Limit::per(2, 60);
    let app = TestApp::spawn_with(config).await;
    let t = app.signup().await;
    for _ in 0..2 {
        login_from(&app, &fresh_ip(), &t.slug, &t.owner_email)
            .await
            .problem(401, "unauthenticated");
    }
    // A third attempt from yet another IP: the account is what is limited,
    // even with the right password.
    let r = app.try_login(&t.slug, &t.owner_email, &t.password).await;
    r.problem(429, "rate_limited");
    assert_eq!(header(&r, "ratelimit-limit"), 2);
    // Another account of the same tenant is unaffected.
    let (_, _, email) = app.user_with_role(&t, "viewer").await;
    app.try_login(&t.slug, &email, "plum orchard lantern")
        .await
        .ok(200);

    // Password reset counts per account as well, known or unknown alike.
    for email in [format!("ghost@{}.test", t.slug), email] {
        for _ in 0..2 {
            let r = app
                .post(
                    "/v1/auth/password-reset",
                    None,
                    json!({"tenant": t.slug, "email": email}),
                )
                .await;
            assert_eq!(r.status.as_u16(), 202);
        }
        app.post(
            "/v1/auth/password-reset",
            None,
            json!({"tenant": t.slug, "email": email}),
        )
        .await
        .problem(429, "rate_limited");
    }
}

#[tokio::test]
async fn two_replicas_enforce_one_api_limit() {
    let mut config = test_config();
    config.rate_limit_api = Limit::per(6, 60);
    let one = TestApp::spawn_with(config.clone()).await;
    let two = TestApp::spawn_with(config).await;
    // Signup is not counted by the API limit (it has no credential).
    let t = one.signup().await;
    let mut remaining = Vec::new();
    for i in 0..6 {
        let app = if i % 2 == 0 { &one } else { &two };
        let r = app.get("/v1/tenant", &t.access).await;
        r.ok(200);
        assert_eq!(header(&r, "ratelimit-limit"), 6);
        remaining.push(header(&r, "ratelimit-remaining"));
    }
    assert_eq!(remaining, vec![5, 4, 3, 2, 1, 0]);
    for app in [&one, &two] {
        let r = app.get("/v1/tenant", &t.access).await;
        r.problem(429, "rate_limited");
        assert!(header(&r, "retry-after") >= 1);
    }
    // API keys have their own budget, also shared.
    let owner2 = one.signup().await;
    let (_, key) = one.api_key(&owner2.access, &["users:read"]).await;
    for i in 0..6 {
        let app = if i % 2 == 0 { &two } else { &one };
        app.with_key(Method::GET, "/v1/users", &key, None)
            .await
            .ok(200);
    }
    two.with_key(Method::GET, "/v1/users", &key, None)
        .await
        .problem(429, "rate_limited");
    // Health and the spec are not rate limited.
    let r = one
        .http
        .get(format!("{}/health/live", one.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
}

#[tokio::test]
async fn made_up_api_keys_are_limited_per_ip() {
    let mut config = test_config();
    config.trusted_proxy_hops = 1;
    config.rate_limit_auth_ip = Limit::per(3, 60);
    let app = TestApp::spawn_with(config).await;
    // Set up through a replica with the generous test limits: the strict one
    // would count other tests' signups from 127.0.0.1.
    let setup = TestApp::spawn().await;
    let t = setup.signup().await;
    let (_, key) = setup.api_key(&t.access, &["users:read"]).await;
    let ip = fresh_ip();
    let with_ip = |k: String, ip: String| {
        let app = &app;
        async move {
            let res = app
                .http
                .get(format!("{}/v1/users", app.base))
                .header("x-api-key", k)
                .header("x-forwarded-for", ip)
                .send()
                .await
                .unwrap();
            TestApp::read(res).await
        }
    };
    for i in 0..3 {
        with_ip(format!("qh_live_guess{i}"), ip.clone())
            .await
            .problem(401, "unauthenticated");
    }
    // The address is now refused before any database lookup, even with a
    // real key that is not in the cache yet.
    let r = with_ip("qh_live_guess9".into(), ip.clone()).await;
    r.problem(429, "rate_limited");
    with_ip(key.clone(), ip.clone())
        .await
        .problem(429, "rate_limited");
    // Other addresses are unaffected.
    with_ip(key.clone(), fresh_ip()).await.ok(200);
}

//! Login, refresh rotation, reuse detection, logout, sessions, and that each
//! way of ending a session kills its access token on the next request.

mod common;

use common::{test_config, TestApp};
use serde_json::json;

#[tokio::test]
async fn login_failures_are_indistinguishable() {
    let app = TestApp::spawn().await;
    let t = app.signup().await;
    let before = app.state.passwords.verifications();
    let wrong_password = app
        .try_login(&t.slug, &t.owner_email, "not the password")
        .await;
    let unknown_email = app
        .try_login(&t.slug, "nobody@nowhere.test", "not the password")
        .await;
    let unknown_tenant = app
        .try_login("no-such-tenant-xyz", &t.owner_email, &t.password)
        .await;
    // Every path ran exactly one argon2 verification (the unknown ones
    // against a dummy hash), so timing does not tell them apart.
    assert_eq!(app.state.passwords.verifications() - before, 3);
    wrong_password.problem(401, "unauthenticated");
    assert_eq!(wrong_password.headers["www-authenticate"], "Bearer");
    assert_eq!(wrong_password.body, unknown_email.body);
    assert_eq!(wrong_password.body, unknown_tenant.body);
    assert_eq!(unknown_email.status, unknown_tenant.status);

    // Email is case-insensitive; a good login works and records last_login_at.
    let (access, _) = app
        .login(&t.slug, &t.owner_email.to_uppercase(), &t.password)
        .await;
    let me = app.get("/v1/auth/me", &access).await;
    assert_eq!(me.ok(200)["user"]["email"], t.owner_email);
    assert_eq!(me.body["role"], "owner");
    assert_eq!(me.body["tenant"]["slug"], t.slug);
    assert!(me.body["user"]["last_login_at"].is_string());
}

#[tokio::test]
async fn refresh_rotates_and_reuse_revokes_the_session() {
    let app = TestApp::spawn().await;
    let t = app.signup().await;

    let r1 = app.try_refresh(&t.refresh).await;
    let b1 = r1.ok(200).clone();
    assert_eq!(b1["token_type"], "Bearer");
    let refresh2 = b1["refresh_token"].as_str().unwrap();
    let access2 = b1["access_token"].as_str().unwrap();
    assert_ne!(refresh2, t.refresh);
    app.get("/v1/auth/me", access2).await.ok(200);

    // The new refresh token works once more...
    let r2 = app.try_refresh(refresh2).await;
    let access3 = r2.ok(200)["access_token"].as_str().unwrap().to_owned();
    let refresh3 = r2.body["refresh_token"].as_str().unwrap().to_owned();

    // ...but replaying the first (already rotated) one revokes the session.
    app.try_refresh(&t.refresh)
        .await
        .problem(401, "unauthenticated");
    app.get("/v1/auth/me", &access3)
        .await
        .problem(401, "unauthenticated");
    app.get("/v1/auth/me", &t.access)
        .await
        .problem(401, "unauthenticated");
    app.try_refresh(&refresh3)
        .await
        .problem(401, "unauthenticated");

    // Garbage tokens are plain 401s.
    app.try_refresh("nope")
        .await
        .problem(401, "unauthenticated");
}

#[tokio::test]
async fn a_refresh_retried_at_once_gets_the_same_successor() {
    // The answer to a refresh can be lost (a dropped connection, a closed
    // tab): presenting the same token again at once is a retry, not theft.
    let app = TestApp::spawn().await;
    let t = app.signup().await;
    let first = app.try_refresh(&t.refresh).await;
    let next = first.ok(200)["refresh_token"].as_str().unwrap().to_owned();
    let retry = app.try_refresh(&t.refresh).await;
    let again = retry.ok(200);
    assert_eq!(again["refresh_token"], next.as_str());
    app.get("/v1/auth/me", again["access_token"].as_str().unwrap())
        .await
        .ok(200);
    // The successor goes on as usual...
    let r = app.try_refresh(&next).await;
    let third = r.ok(200)["refresh_token"].as_str().unwrap().to_owned();
    // ...and once it has been used, the first token is plain reuse.
    app.try_refresh(&t.refresh)
        .await
        .problem(401, "unauthenticated");
    app.try_refresh(&third)
        .await
        .problem(401, "unauthenticated");

    // Past the grace period a retry is reuse.
    let mut config = test_config();
    config.refresh_reuse_grace = std::time::Duration::from_secs(1);
    let brief = TestApp::spawn_with(config).await;
    let t = brief.signup().await;
    brief.try_refresh(&t.refresh).await.ok(200);
    tokio::time::sleep(std::time::Duration::from_millis(2200)).await;
    brief
        .try_refresh(&t.refresh)
        .await
        .problem(401, "unauthenticated");
    brief
        .get("/v1/auth/me", &t.access)
        .await
        .problem(401, "unauthenticated");

    // With no grace period, at once too.
    let mut config = test_config();
    config.refresh_reuse_grace = std::time::Duration::ZERO;
    let strict = TestApp::spawn_with(config).await;
    let t = strict.signup().await;
    let r = strict.try_refresh(&t.refresh).await;
    let next = r.ok(200)["refresh_token"].as_str().unwrap().to_owned();
    strict
        .try_refresh(&t.refresh)
        .await
        .problem(401, "unauthenticated");
    strict
        .try_refresh(&next)
        .await
        .problem(401, "unauthenticated");
}

#[tokio::test]
async fn logout_kills_the_access_token_at_once() {
    let app = TestApp::spawn().await;
    let t = app.signup().await;
    let (other, _) = app.login(&t.slug, &t.owner_email, &t.password).await;
    app.get("/v1/auth/me", &t.access).await.ok(200);
    let r = app
        .post("/v1/auth/logout", Some(&t.access), json!({}))
        .await;
    assert_eq!(r.status.as_u16(), 204);
    app.get("/v1/auth/me", &t.access)
        .await
        .problem(401, "unauthenticated");
    app.try_refresh(&t.refresh)
        .await
        .problem(401, "unauthenticated");
    // Only that session ended.
    app.get("/v1/auth/me", &other).await.ok(200);
}

#[tokio::test]
async fn sessions_are_listed_and_revocable_only_by_their_owner() {
    let app = TestApp::spawn().await;
    let t = app.signup().await;
    let (second, _) = app.login(&t.slug, &t.owner_email, &t.password).await;

    let list = app.get("/v1/auth/sessions", &t.access).await;
    let items = list.ok(200)["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), 2);
    let current: Vec<_> = items.iter().filter(|s| s["current"] == true).collect();
    assert_eq!(current.len(), 1);
    assert_eq!(current[0]["ip"], "127.0.0.1");
    let second_id = items.iter().find(|s| s["current"] == false).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();

    // Another user (same tenant or not) cannot revoke it: 404.
    let (_, dev_token, _) = app.user_with_role(&t, "developer").await;
    app.delete(&format!("/v1/auth/sessions/{second_id}"), &dev_token)
        .await
        .problem(404, "not_found");
    let u = app.signup().await;
    app.delete(&format!("/v1/auth/sessions/{second_id}"), &u.access)
        .await
        .problem(404, "not_found");
    app.get("/v1/auth/me", &second).await.ok(200);

    // Its owner can; the revoked token fails on the next request.
    let r = app
        .delete(&format!("/v1/auth/sessions/{second_id}"), &t.access)
        .await;
    assert_eq!(r.status.as_u16(), 204);
    app.get("/v1/auth/me", &second)
        .await
        .problem(401, "unauthenticated");
    app.get("/v1/auth/me", &t.access).await.ok(200);
    let list = app.get("/v1/auth/sessions", &t.access).await;
    assert_eq!(list.ok(200)["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn deactivation_and_removal_end_sessions_at_once() {
    let app = TestApp::spawn().await;
    let t = app.signup().await;
    let (dev, dev_token, dev_email) = app.user_with_role(&t, "developer").await;
    app.get("/v1/auth/me", &dev_token).await.ok(200);

    let r = app
        .patch(
            &format!("/v1/users/{dev}"),
            &t.access,
            json!({"is_active": false}),
        )
        .await;
    assert_eq!(r.ok(200)["is_active"], false);
    app.get("/v1/auth/me", &dev_token)
        .await
        .problem(401, "unauthenticated");
    // A deactivated user cannot log back in.
    app.try_login(&t.slug, &dev_email, "plum orchard lantern")
        .await
        .problem(401, "unauthenticated");

    let (viewer, viewer_token, _) = app.user_with_role(&t, "viewer").await;
    app.get("/v1/auth/me", &viewer_token).await.ok(200);
    let r = app.delete(&format!("/v1/users/{viewer}"), &t.access).await;
    assert_eq!(r.status.as_u16(), 204);
    app.get("/v1/auth/me", &viewer_token)
        .await
        .problem(401, "unauthenticated");
}

#[tokio::test]
async fn tampered_or_missing_tokens_are_401() {
    let app = TestApp::spawn().await;
    let t = app.signup().await;
    let r = app
        .call(reqwest::Method::GET, "/v1/auth/me", None, None)
        .await;
    r.problem(401, "unauthenticated");
    let mut forged = t.access.clone();
    forged.pop();
    forged.push('x');
    app.get("/v1/auth/me", &forged)
        .await
        .problem(401, "unauthenticated");
    app.get("/v1/auth/me", "not-a-jwt")
        .await
        .problem(401, "unauthenticated");
}

#[tokio::test]
async fn refresh_renews_the_session_index_ttl() {
    use redis::AsyncCommands;
    let app = TestApp::spawn().await;
    let t = app.signup().await;
    let key = format!("qhub:usess:{}", t.owner_id);
    let mut conn = app.state.redis.get().await.unwrap();
    // Age the index as if the session were near the end of its life.
    let _: () = conn.expire(&key, 5).await.unwrap();
    app.try_refresh(&t.refresh).await.ok(200);
    let ttl: i64 = conn.ttl(&key).await.unwrap();
    assert!(ttl > 3000, "index TTL not renewed: {ttl}");
    // So revoke_all still finds the session after the original lifetime.
    assert_eq!(app.state.sessions.list(t.owner_id).await.unwrap().len(), 1);
}

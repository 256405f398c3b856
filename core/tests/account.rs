//! Mailed account flows: email verification at signup, password reset.

mod common;

use common::{mails_to, token_in, wait_for_mail, TestApp};
use serde_json::json;

#[tokio::test]
async fn signup_mails_a_verification_token_that_works_once() {
    common::ensure_mail_sink();
    let app = TestApp::spawn().await;
    let t = app.signup().await;
    let me = app.get("/v1/auth/me", &t.access).await;
    assert!(me.ok(200)["user"]["email_verified_at"].is_null());

    let mail = wait_for_mail(&t.owner_email, "Verify").await;
    assert!(mail["body"]
        .as_str()
        .unwrap()
        .contains("http://console.test/verify-email?token="));
    let token = token_in(&mail);
    app.post("/v1/auth/verify-email", None, json!({"token": token}))
        .await
        .ok(204);
    let me = app.get("/v1/auth/me", &t.access).await;
    assert!(me.ok(200)["user"]["email_verified_at"].is_string());
    app.post("/v1/auth/verify-email", None, json!({"token": token}))
        .await
        .problem(404, "not_found");
    assert_eq!(app.audit(&t, "user.email_verified").await.len(), 1);
}

#[tokio::test]
async fn password_reset_answers_alike_and_ends_every_session() {
    common::ensure_mail_sink();
    let app = TestApp::spawn().await;
    let t = app.signup().await;
    let (other_access, other_refresh) = app.login(&t.slug, &t.owner_email, &t.password).await;

    // Known and unknown accounts (and unknown tenants) get the same answer.
    let ask = |tenant: String, email: String| {
        let app = &app;
        async move {
            app.post(
                "/v1/auth/password-reset",
                None,
                json!({"tenant": tenant, "email": email}),
            )
            .await
        }
    };
    let known = ask(t.slug.clone(), t.owner_email.to_uppercase()).await;
    let unknown_email = format!("nobody@{}.test", t.slug);
    let unknown = ask(t.slug.clone(), unknown_email.clone()).await;
    let unknown_tenant = ask("no-such-tenant-xyz".into(), t.owner_email.clone()).await;
    for r in [&known, &unknown, &unknown_tenant] {
        assert_eq!(r.status.as_u16(), 202);
        assert!(r.body.is_null(), "{}", r.body);
        let mut names: Vec<_> = r
            .headers
            .keys()
            .map(|k| k.as_str().to_owned())
            .filter(|k| k != "date" && k != "x-request-id")
            .collect();
        names.sort();
        let mut expected: Vec<_> = known
            .headers
            .keys()
            .map(|k| k.as_str().to_owned())
            .filter(|k| k != "date" && k != "x-request-id")
            .collect();
        expected.sort();
        assert_eq!(names, expected);
        assert_eq!(
            r.headers.get("content-length"),
            known.headers.get("content-length")
        );
    }

    let mail = wait_for_mail(&t.owner_email, "Reset").await;
    let token = token_in(&mail);
    assert!(mails_to(&unknown_email).is_empty());

    // A weak new password is refused and changes nothing.
    app.post(
        "/v1/auth/password-reset/confirm",
        None,
        json!({"token": token, "new_password": "short"}),
    )
    .await
    .problem(422, "validation_failed");
    app.get("/v1/auth/me", &t.access).await.ok(200);

    app.post(
        "/v1/auth/password-reset/confirm",
        None,
        json!({"token": token, "new_password": "a brand new password"}),
    )
    .await
    .ok(204);
    // Every existing session ended: access tokens and refresh tokens alike.
    for access in [&t.access, &other_access] {
        app.get("/v1/auth/me", access)
            .await
            .problem(401, "unauthenticated");
    }
    app.try_refresh(&other_refresh)
        .await
        .problem(401, "unauthenticated");
    // Old password out, new one in; the token is spent.
    app.try_login(&t.slug, &t.owner_email, &t.password)
        .await
        .problem(401, "unauthenticated");
    let (access, _) = app
        .login(&t.slug, &t.owner_email, "a brand new password")
        .await;
    app.post(
        "/v1/auth/password-reset/confirm",
        None,
        json!({"token": token, "new_password": "another new password"}),
    )
    .await
    .problem(404, "not_found");
    let events = app
        .get("/v1/audit-events?action=user.password_reset", &access)
        .await;
    assert_eq!(events.ok(200)["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn a_reset_token_cannot_be_moved_to_another_tenant() {
    common::ensure_mail_sink();
    let app = TestApp::spawn().await;
    let a = app.signup().await;
    let b = app.signup().await;
    app.post(
        "/v1/auth/password-reset",
        None,
        json!({"tenant": a.slug, "email": a.owner_email}),
    )
    .await;
    let token = token_in(&wait_for_mail(&a.owner_email, "Reset").await);
    let (_, secret) = token.split_once('.').unwrap();
    app.post(
        "/v1/auth/password-reset/confirm",
        None,
        json!({"token": format!("{}.{}", b.id.simple(), secret), "new_password": "hijacked password"}),
    )
    .await
    .problem(404, "not_found");
    // Both owners keep their sessions and passwords.
    app.get("/v1/auth/me", &a.access).await.ok(200);
    app.get("/v1/auth/me", &b.access).await.ok(200);
    app.login(&b.slug, &b.owner_email, &b.password).await;
}

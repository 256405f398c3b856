//! Invitations end to end through a real SMTP server: invite, read the
//! token from the delivered mail, accept once; expiry, revocation, other
//! tenants; retries when the relay refuses.

mod common;

use common::{owner_pool, token_in, unique, wait_for_mail, TestApp};
use serde_json::{json, Value};

use common::accept_invitation as accept;
use common::invite;

#[tokio::test]
async fn an_invitation_is_mailed_and_accepted_exactly_once() {
    common::ensure_mail_sink();
    let app = TestApp::spawn().await;
    let t = app.signup().await;
    let (inv_id, email) = invite(&app, &t, &t.access, "developer").await;

    let mail = wait_for_mail(&email, "Join").await;
    let body = mail["body"].as_str().unwrap();
    assert!(
        body.contains("http://console.test/accept-invitation?token="),
        "{body}"
    );
    assert!(body.contains("as developer"), "{body}");
    let token = token_in(&mail);

    let r = accept(&app, &token).await;
    let b = r.ok(201).clone();
    assert_eq!(b["user"]["email"], email);
    assert_eq!(b["user"]["role"], "developer");
    assert!(b["user"]["email_verified_at"].is_string());
    // The returned session works and belongs to the inviting tenant.
    let me = app
        .get("/v1/auth/me", b["access_token"].as_str().unwrap())
        .await;
    assert_eq!(me.ok(200)["tenant"]["id"], t.id.to_string());
    // And the password works for login.
    app.login(&t.slug, &email, "invited-pass-1").await;

    // Second accept: the token is spent.
    accept(&app, &token).await.problem(404, "not_found");
    let list = app.get("/v1/invitations", &t.access).await;
    let inv = list.ok(200)["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == inv_id.to_string())
        .cloned()
        .unwrap();
    assert_eq!(inv["status"], "accepted");
    assert_eq!(app.user_count(&t.access).await, 2);

    let accepted = app.audit(&t, "invitation.accepted").await;
    assert_eq!(accepted.len(), 1);
    assert_eq!(accepted[0]["actor_id"], b["user"]["id"]);

    // The inviter is notified, once.
    let notes = app.get("/v1/notifications", &t.access).await;
    let notes: Vec<&serde_json::Value> = notes.ok(200)["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["type"] == "invitation.accepted")
        .collect();
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert!(
        notes[0]["body"].as_str().unwrap().contains(&email),
        "{}",
        notes[0]
    );
}

#[tokio::test]
async fn expired_revoked_forged_and_foreign_tokens_fail() {
    common::ensure_mail_sink();
    let app = TestApp::spawn().await;
    let a = app.signup().await;
    let b = app.signup().await;

    // Expired: moved into the past directly in the database.
    let (expired_id, expired_email) = invite(&app, &a, &a.access, "viewer").await;
    let expired_token = token_in(&wait_for_mail(&expired_email, "Join").await);
    let pool = owner_pool().await;
    let mut tx = qhub_core::tenancy::as_tenant(&pool, a.id, None)
        .await
        .unwrap();
    sqlx::query("UPDATE invitations SET expires_at = now() - interval '1 minute' WHERE id = $1")
        .bind(expired_id)
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    accept(&app, &expired_token).await.problem(404, "not_found");

    // Another tenant's token: pointing A's secret at tenant B finds nothing,
    // and B cannot see or revoke A's invitation.
    let (inv_id, email) = invite(&app, &a, &a.access, "viewer").await;
    let token = token_in(&wait_for_mail(&email, "Join").await);
    let (_, secret) = token.split_once('.').unwrap();
    let foreign = format!("{}.{}", b.id.simple(), secret);
    accept(&app, &foreign).await.problem(404, "not_found");
    app.delete(&format!("/v1/invitations/{inv_id}"), &b.access)
        .await
        .problem(404, "not_found");
    let b_list = app.get("/v1/invitations", &b.access).await;
    assert_eq!(b_list.ok(200)["items"], json!([]));
    // B's users are untouched, A's token still works in A.
    assert_eq!(app.user_count(&b.access).await, 1);

    // Revoked: the token stops working.
    app.delete(&format!("/v1/invitations/{inv_id}"), &a.access)
        .await
        .ok(204);
    accept(&app, &token).await.problem(404, "not_found");
    assert_eq!(app.user_count(&a.access).await, 1);

    // Garbage.
    accept(&app, "not-a-token").await.problem(404, "not_found");
}

#[tokio::test]
async fn invitation_rules() {
    common::ensure_mail_sink();
    let app = TestApp::spawn().await;
    let t = app.signup().await;
    let (_, admin, _) = app.user_with_role(&t, "admin").await;
    let (_, dev, _) = app.user_with_role(&t, "developer").await;

    // An admin cannot invite an owner; a developer cannot invite at all.
    let r = app
        .post(
            "/v1/invitations",
            Some(&admin),
            json!({"email": "boss@x.test", "role": "owner"}),
        )
        .await;
    r.problem(403, "forbidden");
    app.post(
        "/v1/invitations",
        Some(&dev),
        json!({"email": "y@x.test", "role": "viewer"}),
    )
    .await
    .problem(403, "forbidden");
    app.get("/v1/invitations", &dev)
        .await
        .problem(403, "forbidden");
    // An owner can invite an owner.
    invite(&app, &t, &t.access, "owner").await;

    // Existing user, and a second open invitation, conflict.
    app.post(
        "/v1/invitations",
        Some(&admin),
        json!({"email": t.owner_email, "role": "viewer"}),
    )
    .await
    .problem(409, "conflict");
    let (_, email) = invite(&app, &t, &admin, "viewer").await;
    app.post(
        "/v1/invitations",
        Some(&admin),
        json!({"email": email, "role": "viewer"}),
    )
    .await
    .problem(409, "conflict");

    // Bad input: 422, nothing created.
    let before = app.get("/v1/invitations", &admin).await.body["items"]
        .as_array()
        .unwrap()
        .len();
    app.post(
        "/v1/invitations",
        Some(&admin),
        json!({"email": "not an email", "role": "viewer"}),
    )
    .await
    .problem(422, "validation_failed");
    app.post(
        "/v1/invitations",
        Some(&admin),
        json!({"email": "z@x.test", "role": "emperor"}),
    )
    .await
    .problem(422, "validation_failed");
    let r = app
        .post(
            "/v1/invitations/accept",
            None,
            json!({"token": "x", "name": "N", "password": "short"}),
        )
        .await;
    r.problem(422, "validation_failed");
    let after = app.get("/v1/invitations", &admin).await.body["items"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(before, after);
}

#[tokio::test]
async fn a_refused_send_is_retried_and_the_invitation_survives() {
    common::ensure_mail_sink();
    let app = TestApp::spawn().await;
    let t = app.signup().await;
    // The sink refuses mail for +fail1 addresses once (451), like a flaky relay.
    let email = format!("{}+fail1@{}.test", unique("flaky"), t.slug);
    let r = app
        .post(
            "/v1/invitations",
            Some(&t.access),
            json!({"email": email, "role": "viewer"}),
        )
        .await;
    r.ok(201);
    let mail: Value = wait_for_mail(&email, "Join").await;
    // The mail arrived on the second attempt (recorded once the sender
    // commits, just after delivery), and its token still works.
    let pool = owner_pool().await;
    let mut outcome = None;
    for _ in 0..50 {
        let row: (i32, bool, String) = sqlx::query_as(
            "SELECT attempts, sent_at IS NOT NULL, body FROM email_outbox WHERE to_addr = $1",
        )
        .bind(&email)
        .fetch_one(&pool)
        .await
        .unwrap();
        if row.1 {
            outcome = Some(row);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let (attempts, _, body) = outcome.expect("the outbox never recorded the delivery");
    assert_eq!(attempts, 2);
    assert_eq!(
        body, "",
        "the token must not stay in the outbox after sending"
    );
    accept(&app, &token_in(&mail)).await.ok(201);
}

#[tokio::test]
async fn a_permanent_refusal_stops_retries_and_wipes_the_token() {
    common::ensure_mail_sink();
    let app = TestApp::spawn().await;
    let t = app.signup().await;
    let email = format!("{}+reject@{}.test", unique("gone"), t.slug);
    app.post(
        "/v1/invitations",
        Some(&t.access),
        json!({"email": email, "role": "viewer"}),
    )
    .await
    .ok(201);
    let pool = owner_pool().await;
    for _ in 0..100 {
        let row: Option<(i32, bool, String, Option<String>)> = sqlx::query_as(
            "SELECT attempts, failed_at IS NOT NULL, body, last_error FROM email_outbox WHERE to_addr = $1",
        )
        .bind(&email)
        .fetch_optional(&pool)
        .await
        .unwrap();
        if let Some((attempts, true, body, error)) = row {
            assert_eq!(attempts, 1, "a permanent failure is not retried");
            assert_eq!(body, "");
            assert!(error.unwrap().contains("550"));
            // The invitation itself is kept: an admin can revoke and re-send.
            let list = app.get("/v1/invitations", &t.access).await;
            assert_eq!(list.ok(200)["items"][0]["email"], email.as_str());
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("the refused mail was never marked failed");
}

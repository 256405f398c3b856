//! The caller's own profile: any role renames itself and changes its
//! password (proving the current one); API keys cannot.

mod common;

use common::{owner_pool, TestApp};
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn a_viewer_renames_itself_and_nobody_else() {
    let app = TestApp::spawn().await;
    let t = app.signup().await;
    let (viewer, access, _) = app.user_with_role(&t, "viewer").await;

    let r = app
        .patch("/v1/auth/me", &access, json!({"name": "  Vera Viewer "}))
        .await;
    let b = r.ok(200);
    assert_eq!(b["user"]["name"], "Vera Viewer");
    assert_eq!(b["role"], "viewer");
    assert_eq!(b["tenant"]["slug"], t.slug);
    let owner_view = app.get(&format!("/v1/users/{viewer}"), &t.access).await;
    assert_eq!(owner_view.ok(200)["name"], "Vera Viewer");
    // The owner is untouched, and the change is audited with its diff.
    let owner = app
        .get(&format!("/v1/users/{}", t.owner_id), &t.access)
        .await;
    assert_eq!(owner.ok(200)["name"], "Owner");
    let events = app.audit(&t, "user.updated").await;
    let e = events
        .iter()
        .find(|e| e["target_id"] == viewer.to_string())
        .expect("audited");
    assert_eq!(e["actor_id"], viewer.to_string());
    assert_eq!(e["diff"]["name"]["to"], "Vera Viewer");

    // Bad names change nothing.
    app.patch("/v1/auth/me", &access, json!({"name": "   "}))
        .await
        .problem(422, "validation_failed");
    app.patch("/v1/auth/me", &access, json!({"role": "owner"}))
        .await
        .problem(422, "validation_failed");
    let me = app.get("/v1/auth/me", &access).await;
    assert_eq!(me.ok(200)["user"]["name"], "Vera Viewer");
    assert_eq!(me.body["role"], "viewer");
}

#[tokio::test]
async fn changing_the_password_needs_the_current_one_and_ends_other_sessions() {
    let app = TestApp::spawn().await;
    let t = app.signup().await;
    let (other_session, _) = app.login(&t.slug, &t.owner_email, &t.password).await;

    // Wrong current password: 422 on that field, nothing changes.
    let wrong = app
        .post(
            "/v1/auth/password",
            Some(&t.access),
            json!({"current_password": "not it at all", "new_password": "a brand new secret"}),
        )
        .await;
    wrong.problem(422, "validation_failed");
    assert_eq!(wrong.body["errors"][0]["field"], "current_password");
    app.get("/v1/auth/me", &other_session).await.ok(200);
    app.try_login(&t.slug, &t.owner_email, "a brand new secret")
        .await
        .problem(401, "unauthenticated");

    // Too short a new password is refused before any hashing.
    app.post(
        "/v1/auth/password",
        Some(&t.access),
        json!({"current_password": t.password, "new_password": "short"}),
    )
    .await
    .problem(422, "validation_failed");

    let ok = app
        .post(
            "/v1/auth/password",
            Some(&t.access),
            json!({"current_password": t.password, "new_password": "a brand new secret"}),
        )
        .await;
    assert_eq!(ok.status, 204, "{}", ok.body);
    // This session lives on; the other one is over.
    app.get("/v1/auth/me", &t.access).await.ok(200);
    app.get("/v1/auth/me", &other_session)
        .await
        .problem(401, "unauthenticated");
    app.try_login(&t.slug, &t.owner_email, &t.password)
        .await
        .problem(401, "unauthenticated");
    app.login(&t.slug, &t.owner_email, "a brand new secret")
        .await;
    let events = app.audit(&t, "user.password_changed").await;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["actor_id"], t.owner_id.to_string());
}

#[tokio::test]
async fn concurrent_password_changes_cannot_both_win() {
    let app = TestApp::spawn().await;
    let t = app.signup().await;
    let (second, _) = app.login(&t.slug, &t.owner_email, &t.password).await;

    // Hold the user's row: both requests prove the current password (the
    // hashing runs outside any transaction, so nothing blocks it) and then
    // queue on their update. Only the update's own check can now tell the
    // second that the password it proved is gone.
    let pool = owner_pool().await;
    let mut lock = pool.begin().await.unwrap();
    sqlx::query("SELECT set_config('app.tenant_id', $1, true)")
        .bind(t.id.to_string())
        .execute(&mut *lock)
        .await
        .unwrap();
    sqlx::query("SELECT id FROM users WHERE id = $1 FOR UPDATE")
        .bind(t.owner_id)
        .fetch_one(&mut *lock)
        .await
        .unwrap();
    let holder: i32 = sqlx::query_scalar("SELECT pg_backend_pid()")
        .fetch_one(&mut *lock)
        .await
        .unwrap();
    let release = async {
        // Both waiting behind this transaction: one on it directly, the
        // other on the row, behind the first (other tests' locks aside).
        for _ in 0..200 {
            let waiting: i64 = sqlx::query_scalar(
                "WITH direct AS (
                   SELECT pid FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid)))
                 SELECT count(*) FROM pg_stat_activity a
                 WHERE a.pid IN (SELECT pid FROM direct)
                    OR pg_blocking_pids(a.pid) && ARRAY(SELECT pid FROM direct)",
            )
            .bind(holder)
            .fetch_one(&pool)
            .await
            .unwrap();
            if waiting >= 2 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        lock.commit().await.unwrap();
    };
    let change = |token: String, new_password: &'static str| {
        let app = &app;
        let current = t.password.clone();
        async move {
            app.post(
                "/v1/auth/password",
                Some(&token),
                json!({"current_password": current, "new_password": new_password}),
            )
            .await
        }
    };
    let (a, b, ()) = tokio::join!(
        change(t.access.clone(), "first new secret"),
        change(second, "second new secret"),
        release
    );
    let mut statuses = [a.status.as_u16(), b.status.as_u16()];
    statuses.sort_unstable();
    assert_eq!(
        statuses,
        [204, 409],
        "{} {} / {} {}",
        a.status,
        a.body,
        b.status,
        b.body
    );
    let loser = if a.status == 204 { &b } else { &a };
    loser.problem(409, "conflict");
    let (won, lost) = if a.status == 204 {
        ("first new secret", "second new secret")
    } else {
        ("second new secret", "first new secret")
    };
    let (access, _) = app.login(&t.slug, &t.owner_email, won).await;
    app.try_login(&t.slug, &t.owner_email, lost)
        .await
        .problem(401, "unauthenticated");
    let t = common::Tenant { access, ..t };
    assert_eq!(app.audit(&t, "user.password_changed").await.len(), 1);
}

#[tokio::test]
async fn api_keys_have_no_profile() {
    let app = TestApp::spawn().await;
    let t = app.signup().await;
    let (_, key) = app.api_key(&t.access, &["admin", "users:write"]).await;
    app.with_key(
        Method::PATCH,
        "/v1/auth/me",
        &key,
        Some(json!({"name": "Key"})),
    )
    .await
    .problem(403, "forbidden");
    app.with_key(
        Method::POST,
        "/v1/auth/password",
        &key,
        Some(json!({"current_password": t.password, "new_password": "taken over now"})),
    )
    .await
    .problem(403, "forbidden");
    // The owner's password still works.
    app.login(&t.slug, &t.owner_email, &t.password).await;
}

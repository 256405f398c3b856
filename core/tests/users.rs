//! User management rules: who may do what, the last-owner rule, pagination.

mod common;

use common::TestApp;
use serde_json::json;

#[tokio::test]
async fn developers_and_viewers_get_403_on_user_management() {
    let app = TestApp::spawn().await;
    let t = app.signup().await;
    let (_, dev, _) = app.user_with_role(&t, "developer").await;
    let (_, viewer, _) = app.user_with_role(&t, "viewer").await;
    let before = app.user_count(&t.access).await;
    for token in [&dev, &viewer] {
        app.get("/v1/users", token).await.problem(403, "forbidden");
        app.get(&format!("/v1/users/{}", t.owner_id), token)
            .await
            .problem(403, "forbidden");
        app.post(
            "/v1/users",
            Some(token),
            json!({"email": "x@x.test", "name": "x", "password": "plum orchard lantern", "role": "viewer"}),
        )
        .await
        .problem(403, "forbidden");
        app.patch(
            &format!("/v1/users/{}", t.owner_id),
            token,
            json!({"name": "x"}),
        )
        .await
        .problem(403, "forbidden");
        app.delete(&format!("/v1/users/{}", t.owner_id), token)
            .await
            .problem(403, "forbidden");
        app.patch("/v1/tenant", token, json!({"name": "x"}))
            .await
            .problem(403, "forbidden");
    }
    assert_eq!(app.user_count(&t.access).await, before);
    let tenant = app.get("/v1/tenant", &dev).await;
    assert_eq!(tenant.ok(200)["name"], format!("Org {}", t.slug));
}

#[tokio::test]
async fn admins_cannot_touch_owners() {
    let app = TestApp::spawn().await;
    let t = app.signup().await;
    let (_, admin, _) = app.user_with_role(&t, "admin").await;
    let (dev, _, _) = app.user_with_role(&t, "developer").await;

    // Cannot create an owner, promote to owner, change or remove an owner.
    app.post(
        "/v1/users",
        Some(&admin),
        json!({"email": "o2@x.test", "name": "o2", "password": "plum orchard lantern", "role": "owner"}),
    )
    .await
    .problem(403, "forbidden");
    app.patch(
        &format!("/v1/users/{dev}"),
        &admin,
        json!({"role": "owner"}),
    )
    .await
    .problem(403, "forbidden");
    app.patch(
        &format!("/v1/users/{}", t.owner_id),
        &admin,
        json!({"name": "x"}),
    )
    .await
    .problem(403, "forbidden");
    app.patch(
        &format!("/v1/users/{}", t.owner_id),
        &admin,
        json!({"is_active": false}),
    )
    .await
    .problem(403, "forbidden");
    app.delete(&format!("/v1/users/{}", t.owner_id), &admin)
        .await
        .problem(403, "forbidden");
    let owner = app.get(&format!("/v1/users/{}", t.owner_id), &admin).await;
    assert_eq!(owner.ok(200)["role"], "owner");
    assert_eq!(owner.body["is_active"], true);

    // But an admin manages non-owners.
    let r = app
        .patch(
            &format!("/v1/users/{dev}"),
            &admin,
            json!({"role": "viewer", "name": "Dev Renamed"}),
        )
        .await;
    assert_eq!(r.ok(200)["role"], "viewer");
    assert_eq!(r.body["name"], "Dev Renamed");
    let r = app
        .post(
            "/v1/users",
            Some(&admin),
            json!({"email": "a2@x.test", "name": "a2", "password": "plum orchard lantern", "role": "admin"}),
        )
        .await;
    assert_eq!(r.ok(201)["role"], "admin");
}

#[tokio::test]
async fn role_change_takes_effect_on_the_next_request() {
    let app = TestApp::spawn().await;
    let t = app.signup().await;
    let (admin_id, admin, _) = app.user_with_role(&t, "admin").await;
    app.get("/v1/users", &admin).await.ok(200);
    app.patch(
        &format!("/v1/users/{admin_id}"),
        &t.access,
        json!({"role": "viewer"}),
    )
    .await
    .ok(200);
    app.get("/v1/users", &admin).await.problem(403, "forbidden");
    let me = app.get("/v1/auth/me", &admin).await;
    assert_eq!(me.ok(200)["role"], "viewer");
}

#[tokio::test]
async fn last_owner_cannot_be_demoted_deactivated_or_removed() {
    let app = TestApp::spawn().await;
    let t = app.signup().await;
    let path = format!("/v1/users/{}", t.owner_id);
    app.patch(&path, &t.access, json!({"role": "admin"}))
        .await
        .problem(409, "conflict");
    app.patch(&path, &t.access, json!({"is_active": false}))
        .await
        .problem(409, "conflict");
    app.delete(&path, &t.access).await.problem(409, "conflict");
    let me = app.get("/v1/auth/me", &t.access).await;
    assert_eq!(me.ok(200)["role"], "owner");

    // With a second owner, the first may step down.
    let (o2, o2_token, _) = app.user_with_role(&t, "owner").await;
    let r = app.patch(&path, &t.access, json!({"role": "admin"})).await;
    assert_eq!(r.ok(200)["role"], "admin");
    // Now o2 is the last owner.
    app.delete(&format!("/v1/users/{o2}"), &o2_token)
        .await
        .problem(409, "conflict");
    // Renaming the last owner is fine.
    let r = app
        .patch(
            &format!("/v1/users/{o2}"),
            &o2_token,
            json!({"name": "Still Owner"}),
        )
        .await;
    assert_eq!(r.ok(200)["name"], "Still Owner");
}

#[tokio::test]
async fn create_user_conflicts_on_duplicate_email() {
    let app = TestApp::spawn().await;
    let t = app.signup().await;
    let body = json!({"email": "dup@x.test", "name": "d", "password": "plum orchard lantern", "role": "viewer"});
    app.post("/v1/users", Some(&t.access), body.clone())
        .await
        .ok(201);
    let mut upper = body.clone();
    upper["email"] = json!("DUP@x.test");
    app.post("/v1/users", Some(&t.access), upper)
        .await
        .problem(409, "conflict");
    // The same email in another tenant is a different user.
    let u = app.signup().await;
    app.post("/v1/users", Some(&u.access), body).await.ok(201);
}

#[tokio::test]
async fn users_list_paginates_with_a_cursor() {
    let app = TestApp::spawn().await;
    let t = app.signup().await;
    for i in 0..4 {
        app.post(
            "/v1/users",
            Some(&t.access),
            json!({"email": format!("u{i}@x.test"), "name": format!("u{i}"), "password": "plum orchard lantern", "role": "viewer"}),
        )
        .await
        .ok(201);
    }
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let path = match &cursor {
            Some(c) => format!("/v1/users?limit=2&cursor={c}"),
            None => "/v1/users?limit=2".to_owned(),
        };
        let r = app.get(&path, &t.access).await;
        let body = r.ok(200);
        for u in body["items"].as_array().unwrap() {
            seen.push(u["email"].as_str().unwrap().to_owned());
        }
        pages += 1;
        match body["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(seen.len(), 5);
    let mut dedup = seen.clone();
    dedup.sort();
    dedup.dedup();
    assert_eq!(dedup.len(), 5);
    assert_eq!(seen[0], t.owner_email);

    app.get("/v1/users?limit=0", &t.access)
        .await
        .problem(422, "validation_failed");
    app.get("/v1/users?limit=201", &t.access)
        .await
        .problem(422, "validation_failed");
    app.get("/v1/users?limit=abc", &t.access)
        .await
        .problem(422, "validation_failed");
    app.get("/v1/users?cursor=bogus", &t.access)
        .await
        .problem(422, "validation_failed");
}

#[tokio::test]
async fn concurrent_owner_demotions_leave_one_owner() {
    let app = TestApp::spawn().await;
    for _ in 0..5 {
        let t = app.signup().await;
        let (o2, o2_token, _) = app.user_with_role(&t, "owner").await;
        // Each owner demotes the other at the same moment.
        let (path_a, path_b) = (
            format!("/v1/users/{o2}"),
            format!("/v1/users/{}", t.owner_id),
        );
        let a = app.patch(&path_a, &t.access, json!({"role": "admin"}));
        let b = app.patch(&path_b, &o2_token, json!({"role": "admin"}));
        let (a, b) = tokio::join!(a, b);
        // One wins. The other is refused: 409 if it got past the role
        // check before the winner committed (last-owner rule under the owner
        // lock), 403 if it started after and is no longer an owner. Never
        // both 200, never a deadlock 500.
        let (winner, loser) = if a.status.as_u16() == 200 {
            (&a, &b)
        } else {
            (&b, &a)
        };
        winner.ok(200);
        match loser.status.as_u16() {
            409 => loser.problem(409, "conflict"),
            403 => loser.problem(403, "forbidden"),
            other => panic!("loser got {other}: {}", loser.body),
        };
        // Exactly one active owner remains.
        let survivor = if a.status.as_u16() == 200 {
            &t.access
        } else {
            &o2_token
        };
        let list = app.get("/v1/users", survivor).await;
        let owners = list.ok(200)["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|u| u["role"] == "owner" && u["is_active"] == true)
            .count();
        assert_eq!(owners, 1);
    }
}

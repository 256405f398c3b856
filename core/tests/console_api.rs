//! What the console's list tools, onboarding and account pages rely on:
//! conflicts that name their field, the password floor, search and filters,
//! invitation preview/resend/link, verification resend, "log out all other
//! sessions", readable devices, the audit log's actor names and CSV export,
//! the getting-started checklist and per-key usage. Each with another
//! organization trying to see or change it.

mod common;

use std::time::Duration;

use common::{mails_to, token_in, unique, wait_for_mail, Tenant, TestApp};
use reqwest::Method;
use serde_json::{json, Value};
use uuid::Uuid;

fn ids(v: &Value) -> Vec<String> {
    v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_owned())
        .collect()
}

fn field_error<'a>(body: &'a Value, field: &str) -> Option<&'a str> {
    body["errors"]
        .as_array()?
        .iter()
        .find(|e| e["field"] == field)
        .and_then(|e| e["message"].as_str())
}

/// An invitation by `token`, its id as the lists show it.
async fn invite(app: &TestApp, t: &Tenant, token: &str, role: &str) -> (String, String) {
    let (id, email) = common::invite(app, t, token, role).await;
    (id.to_string(), email)
}

#[tokio::test]
async fn conflicts_name_the_field_that_is_taken() {
    common::ensure_mail_sink();
    let app = TestApp::spawn().await;
    let t = app.signup().await;
    let r = app
        .post(
            "/v1/tenants",
            None,
            json!({"name": "Other", "slug": t.slug, "owner_email": "x@y.test",
                   "owner_password": "correct horse battery", "owner_name": "X"}),
        )
        .await;
    r.problem(409, "conflict");
    let msg = field_error(&r.body, "slug").expect("slug named");
    assert!(msg.contains("taken by another organization"), "{msg}");

    let r = app
        .post(
            "/v1/users",
            Some(&t.access),
            json!({"email": t.owner_email, "name": "Dup", "password": "plum orchard lantern", "role": "viewer"}),
        )
        .await;
    r.problem(409, "conflict");
    assert!(field_error(&r.body, "email").is_some_and(|m| m.contains("this organization")));

    let (_, email) = invite(&app, &t, &t.access, "viewer").await;
    let r = app
        .post(
            "/v1/invitations",
            Some(&t.access),
            json!({"email": email, "role": "viewer"}),
        )
        .await;
    r.problem(409, "conflict");
    assert!(field_error(&r.body, "email").is_some_and(|m| m.contains("open invitation")));
    // Organization, never tenant, in what people read.
    let r = app
        .try_login(&t.slug, &t.owner_email, "wrong password")
        .await;
    assert_eq!(r.body["detail"], "invalid organization, email or password");
}

#[tokio::test]
async fn the_weakest_passwords_are_refused_on_the_field_and_nothing_is_created() {
    let app = TestApp::spawn().await;
    let slug = unique("weak");
    let r = app
        .post(
            "/v1/tenants",
            None,
            json!({"name": "Weak Org", "slug": slug, "owner_email": format!("o@{slug}.test"),
                   "owner_password": "password123", "owner_name": "O"}),
        )
        .await;
    r.problem(422, "validation_failed");
    assert!(field_error(&r.body, "owner_password")
        .is_some_and(|m| m.starts_with("is too easy to guess")));
    // The organization's own slug counts as guessed.
    let r = app
        .post(
            "/v1/tenants",
            None,
            json!({"name": "Weak Org", "slug": slug, "owner_email": format!("o@{slug}.test"),
                   "owner_password": format!("{slug}"), "owner_name": "O"}),
        )
        .await;
    r.problem(422, "validation_failed");
    assert!(field_error(&r.body, "owner_password").is_some());
    app.try_login(&slug, &format!("o@{slug}.test"), "password123")
        .await
        .problem(401, "unauthenticated");

    let t = app.signup().await;
    let before = app.user_count(&t.access).await;
    let r = app
        .post(
            "/v1/users",
            Some(&t.access),
            json!({"email": format!("w@{}.test", t.slug), "name": "W", "password": "qwertyuiop1", "role": "viewer"}),
        )
        .await;
    r.problem(422, "validation_failed");
    assert!(field_error(&r.body, "password").is_some());
    assert_eq!(app.user_count(&t.access).await, before);
    let r = app
        .post(
            "/v1/auth/password",
            Some(&t.access),
            json!({"current_password": t.password, "new_password": "1234567890"}),
        )
        .await;
    r.problem(422, "validation_failed");
    assert!(field_error(&r.body, "new_password").is_some());
    // The organization's slug counts as known here too (and the person's
    // email and name).
    let r = app
        .post(
            "/v1/auth/password",
            Some(&t.access),
            json!({"current_password": t.password, "new_password": t.slug}),
        )
        .await;
    r.problem(422, "validation_failed");
    assert!(field_error(&r.body, "new_password").is_some());
    // And at acceptance, the invitation's own words.
    common::ensure_mail_sink();
    let (_, email) = common::invite(&app, &t, &t.access, "viewer").await;
    let token = token_in(&wait_for_mail(&email, "Join").await);
    let r = app
        .post(
            "/v1/invitations/accept",
            None,
            json!({"token": token, "name": "New Person", "password": t.slug}),
        )
        .await;
    r.problem(422, "validation_failed");
    assert!(field_error(&r.body, "password").is_some());
    // Nothing was used up: a strong password still joins.
    common::accept_invitation(&app, &token).await.ok(201);
    // The old password still works.
    app.try_login(&t.slug, &t.owner_email, &t.password)
        .await
        .ok(200);
}

#[tokio::test]
async fn users_are_searched_and_filtered_within_the_organization() {
    let app = TestApp::spawn().await;
    let a = app.signup().await;
    let b = app.signup().await;
    let (dev, _, dev_email) = app.user_with_role(&a, "developer").await;
    let (viewer, _, _) = app.user_with_role(&a, "viewer").await;
    let (_, _, b_dev_email) = app.user_with_role(&b, "developer").await;
    app.patch(
        &format!("/v1/users/{viewer}"),
        &a.access,
        json!({"is_active": false}),
    )
    .await
    .ok(200);

    let list = |q: String| {
        let app = &app;
        let token = a.access.clone();
        async move {
            app.get(&format!("/v1/users?{q}"), &token)
                .await
                .ok(200)
                .clone()
        }
    };
    assert_eq!(ids(&list("role=developer".into()).await), [dev.to_string()]);
    assert_eq!(
        ids(&list("status=inactive".into()).await),
        [viewer.to_string()]
    );
    // Case-insensitive substring of the email or the name.
    let part = dev_email[..10].to_uppercase();
    assert_eq!(ids(&list(format!("q={part}")).await), [dev.to_string()]);
    assert_eq!(ids(&list("q=OWNER".into()).await), [a.owner_id.to_string()]);
    // `%` and `_` are plain characters, not wildcards.
    assert!(ids(&list("q=%25".into()).await).is_empty());
    // Another organization's people are never found.
    assert!(ids(&list(format!("q={}", &b_dev_email[..16])).await).is_empty());
    // Bad filters are 422 and name the parameter.
    let r = app.get("/v1/users?role=superuser", &a.access).await;
    r.problem(422, "validation_failed");
    assert!(field_error(&r.body, "role").is_some());
    let r = app
        .get(&format!("/v1/users?q={}", "x".repeat(101)), &a.access)
        .await;
    r.problem(422, "validation_failed");
    assert!(field_error(&r.body, "q").is_some());
    let r = app.get("/v1/users?q=a%01b", &a.access).await;
    r.problem(422, "validation_failed");
}

#[tokio::test]
async fn invitations_preview_resend_link_and_filters() {
    common::ensure_mail_sink();
    let app = TestApp::spawn().await;
    let a = app.signup().await;
    let b = app.signup().await;
    let (_, admin, _) = app.user_with_role(&a, "admin").await;
    let (first, first_email) = invite(&app, &a, &a.access, "developer").await;
    let (second, _) = invite(&app, &a, &a.access, "viewer").await;

    // Newest first; filters by status and email text.
    let page = app.get("/v1/invitations", &a.access).await.ok(200).clone();
    assert_eq!(ids(&page), [second.clone(), first.clone()]);
    let page = app
        .get(
            &format!("/v1/invitations?q={}", &first_email[..12]),
            &a.access,
        )
        .await
        .ok(200)
        .clone();
    assert_eq!(ids(&page), [first.as_str()]);
    let page = app
        .get("/v1/invitations?status=accepted", &a.access)
        .await
        .ok(200)
        .clone();
    assert!(ids(&page).is_empty());

    // The mail names who invites, the organization, its slug and the role.
    let mail = wait_for_mail(&first_email, "Join").await;
    let body = mail["body"].as_str().unwrap();
    assert!(body.contains("\"Owner\" invites you"), "{body}");
    assert!(
        body.contains(&format!("Organization slug: {}", a.slug)),
        "{body}"
    );
    assert!(body.contains("Role: developer"), "{body}");
    let token = token_in(&mail);

    // The preview says the same, without an account.
    let r = app
        .post("/v1/invitations/preview", None, json!({"token": token}))
        .await;
    let p = r.ok(200);
    assert_eq!(p["organization"]["slug"], a.slug.as_str());
    assert_eq!(p["organization"]["name"], format!("Org {}", a.slug));
    assert_eq!(p["email"], first_email.as_str());
    assert_eq!(p["role"], "developer");
    assert_eq!(p["invited_by"], "Owner");
    let forged = format!("{}.{}", b.id.simple(), token.split_once('.').unwrap().1);
    app.post("/v1/invitations/preview", None, json!({"token": forged}))
        .await
        .problem(404, "not_found");

    // Copy link: the very link that was mailed.
    let link = app
        .post(
            &format!("/v1/invitations/{first}/link"),
            Some(&a.access),
            json!({}),
        )
        .await;
    let url = link.ok(200)["url"].as_str().unwrap().to_owned();
    assert!(
        url.ends_with(&format!("/accept-invitation?token={token}")),
        "{url}"
    );
    assert_eq!(app.audit(&a, "invitation.link_created").await.len(), 1);

    // Resend by an admin: a second mail with the same link, a later
    // expiry, and the admin is now the inviter.
    let before = p["expires_at"].as_str().unwrap().to_owned();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let r = app
        .post(
            &format!("/v1/invitations/{first}/resend"),
            Some(&admin),
            json!({}),
        )
        .await;
    let resent = r.ok(200).clone();
    assert!(resent["expires_at"].as_str().unwrap() > before.as_str());
    for _ in 0..100 {
        if mails_to(&first_email).len() >= 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let mails = mails_to(&first_email);
    assert_eq!(mails.len(), 2);
    assert_eq!(token_in(&mails[1]), token);
    assert!(mails[1]["body"]
        .as_str()
        .unwrap()
        .contains("\"admin\" invites you"));
    assert_eq!(app.audit(&a, "invitation.resent").await.len(), 1);
    // At most five resends of one invitation an hour.
    for _ in 0..4 {
        app.post(
            &format!("/v1/invitations/{first}/resend"),
            Some(&a.access),
            json!({}),
        )
        .await
        .ok(200);
    }
    app.post(
        &format!("/v1/invitations/{first}/resend"),
        Some(&a.access),
        json!({}),
    )
    .await
    .problem(429, "rate_limited");
    assert_eq!(app.audit(&a, "invitation.resent").await.len(), 5);

    // Another organization can neither resend, link nor see them.
    for path in ["resend", "link"] {
        app.post(
            &format!("/v1/invitations/{first}/{path}"),
            Some(&b.access),
            json!({}),
        )
        .await
        .problem(404, "not_found");
    }
    assert!(ids(&app.get("/v1/invitations", &b.access).await.ok(200).clone()).is_empty());
    // A viewer may not; nor an admin for an owner invitation.
    let (_, viewer, _) = app.user_with_role(&a, "viewer").await;
    app.post(
        &format!("/v1/invitations/{second}/resend"),
        Some(&viewer),
        json!({}),
    )
    .await
    .problem(403, "forbidden");
    let (owner_inv, _) = invite(&app, &a, &a.access, "owner").await;
    app.post(
        &format!("/v1/invitations/{owner_inv}/link"),
        Some(&admin),
        json!({}),
    )
    .await
    .problem(403, "forbidden");

    // Accepted: no resend, no link; the status filter finds it.
    common::accept_invitation(&app, &token).await.ok(201);
    for path in ["resend", "link"] {
        app.post(
            &format!("/v1/invitations/{first}/{path}"),
            Some(&a.access),
            json!({}),
        )
        .await
        .problem(409, "conflict");
    }
    let page = app
        .get("/v1/invitations?status=accepted", &a.access)
        .await
        .ok(200)
        .clone();
    assert_eq!(ids(&page), [first.as_str()]);
    app.post("/v1/invitations/preview", None, json!({"token": token}))
        .await
        .problem(404, "not_found");
}

#[tokio::test]
async fn api_keys_are_newest_first_and_filtered() {
    let app = TestApp::spawn().await;
    let a = app.signup().await;
    let b = app.signup().await;
    let (k1, _) = app.api_key(&a.access, &["users:read"]).await;
    let (k2, _) = app.api_key(&a.access, &["users:read"]).await;
    let (k3, _) = app.api_key(&a.access, &["users:read"]).await;
    app.delete(&format!("/v1/api-keys/{k2}"), &a.access)
        .await
        .ok(204);
    let list = |q: &str| {
        let url = format!("/v1/api-keys?{q}");
        let token = a.access.clone();
        let app = &app;
        async move { ids(&app.get(&url, &token).await.ok(200).clone()) }
    };
    assert_eq!(list("").await, [k3.to_string(), k1.to_string()]);
    assert_eq!(
        list("include_revoked=true").await,
        [k3.to_string(), k2.to_string(), k1.to_string()]
    );
    assert_eq!(list("status=revoked").await, [k2.to_string()]);
    assert_eq!(
        list("status=active").await,
        [k3.to_string(), k1.to_string()]
    );
    assert!(list("status=expired").await.is_empty());
    let name = app
        .get(&format!("/v1/api-keys/{k1}"), &a.access)
        .await
        .ok(200)["name"]
        .as_str()
        .unwrap()
        .to_uppercase();
    assert_eq!(list(&format!("q={name}")).await, [k1.to_string()]);
    // Pages walk newest to oldest without repeats.
    let first = app
        .get("/v1/api-keys?limit=1", &a.access)
        .await
        .ok(200)
        .clone();
    let cursor = first["next_cursor"].as_str().unwrap();
    let second = app
        .get(&format!("/v1/api-keys?limit=1&cursor={cursor}"), &a.access)
        .await
        .ok(200)
        .clone();
    assert_eq!(ids(&second), [k1.to_string()]);
    // Another organization sees none of them, whatever the filter.
    let other = ids(&app
        .get("/v1/api-keys?include_revoked=true", &b.access)
        .await
        .ok(200)
        .clone());
    assert!(other.is_empty());
}

#[tokio::test]
async fn audit_events_name_their_actors_filter_by_them_and_export_as_csv() {
    let app = TestApp::spawn().await;
    let a = app.signup().await;
    let b = app.signup().await;
    let (dev, dev_token, dev_email) = app.user_with_role(&a, "developer").await;
    app.patch(
        &format!("/v1/users/{dev}"),
        &a.access,
        json!({"name": "=HYPERLINK(\"x\")"}),
    )
    .await
    .ok(200);
    app.user_with_role(&b, "developer").await;

    let page = app.get("/v1/audit-events", &a.access).await.ok(200).clone();
    let created = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "user.created")
        .unwrap()
        .clone();
    assert_eq!(created["actor_name"], "Owner");
    assert_eq!(created["actor_email"], a.owner_email.as_str());

    // The actor filter finds people by a part of their email or name.
    let by_owner = app
        .get(
            &format!("/v1/audit-events?actor={}", &a.owner_email[..8]),
            &a.access,
        )
        .await
        .ok(200)
        .clone();
    assert!(!by_owner["items"].as_array().unwrap().is_empty());
    assert!(by_owner["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["actor_id"] == a.owner_id.to_string()));
    let by_dev = app
        .get(
            &format!("/v1/audit-events?actor={}", &dev_email[..12]),
            &a.access,
        )
        .await
        .ok(200)
        .clone();
    assert!(by_dev["items"].as_array().unwrap().is_empty());

    // The export: the same events, newest first, formulas neutralised.
    let res = app
        .http
        .get(format!("{}/v1/audit-events/export?action=user.*", app.base))
        .bearer_auth(&a.access)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.headers()["content-type"].to_str().unwrap(),
        "text/csv; charset=utf-8"
    );
    assert_eq!(res.headers()["x-truncated"], "false");
    let csv = res.text().await.unwrap();
    let lines: Vec<&str> = csv.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert!(lines[0].starts_with("id,created_at,action,actor_type,actor_id,actor_name,actor_email"));
    let listed = app.audit(&a, "user.*").await;
    assert_eq!(lines.len() - 1, listed.len());
    assert!(lines[1].starts_with(listed[0]["id"].as_str().unwrap()));
    // Another organization's events are not in it.
    assert!(!csv.contains(&b.owner_id.to_string()));
    // A name that a spreadsheet would run is neutralised.
    app.api_key(&dev_token, &["jobs:write"]).await;
    let res = app
        .http
        .get(format!(
            "{}/v1/audit-events/export?actor={}",
            app.base,
            &dev_email[..12]
        ))
        .bearer_auth(&a.access)
        .send()
        .await
        .unwrap();
    let csv = res.text().await.unwrap();
    assert!(csv.contains(",\"'=HYPERLINK(\"\"x\"\")\","), "{csv}");
    // Admins only, like the log.
    app.get("/v1/audit-events/export", &dev_token)
        .await
        .problem(403, "forbidden");
    app.get("/v1/audit-events/export?action=nope", &a.access)
        .await
        .problem(422, "validation_failed");
}

#[tokio::test]
async fn log_out_all_other_sessions_keeps_this_one_and_devices_are_readable() {
    let app = TestApp::spawn().await;
    let t = app.signup().await;
    let chrome = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
    let login = app
        .http
        .post(format!("{}/v1/auth/login", app.base))
        .header("user-agent", chrome)
        .json(&json!({"tenant": t.slug, "email": t.owner_email, "password": t.password}))
        .send()
        .await
        .unwrap();
    let other: Value = login.json().await.unwrap();
    let other_access = other["access_token"].as_str().unwrap().to_owned();
    let third = app.login(&t.slug, &t.owner_email, &t.password).await;

    let sessions = app
        .get("/v1/auth/sessions", &t.access)
        .await
        .ok(200)
        .clone();
    let devices: Vec<&str> = sessions["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["device"].as_str())
        .collect();
    assert!(devices.contains(&"Chrome 131.0.0.0 on Linux"), "{sessions}");

    let r = app
        .post(
            "/v1/auth/sessions/revoke-others",
            Some(&t.access),
            json!({}),
        )
        .await;
    assert_eq!(r.ok(200)["revoked"], 2);
    app.get("/v1/tenant", &t.access).await.ok(200);
    app.get("/v1/tenant", &other_access)
        .await
        .problem(401, "unauthenticated");
    app.get("/v1/tenant", &third.0)
        .await
        .problem(401, "unauthenticated");
    app.try_refresh(&third.1)
        .await
        .problem(401, "unauthenticated");
    let left = app
        .get("/v1/auth/sessions", &t.access)
        .await
        .ok(200)
        .clone();
    assert_eq!(left["items"].as_array().unwrap().len(), 1);
    assert_eq!(left["items"][0]["current"], true);
    assert_eq!(app.audit(&t, "session.revoked_others").await.len(), 1);
    // An API key is not a session: it cannot do this.
    let (_, key) = app.api_key(&t.access, &["users:read"]).await;
    app.with_key(
        Method::POST,
        "/v1/auth/sessions/revoke-others",
        &key,
        Some(json!({})),
    )
    .await
    .problem(403, "forbidden");
}

#[tokio::test]
async fn verification_mail_can_be_resent_until_verified_and_is_limited() {
    common::ensure_mail_sink();
    let app = TestApp::spawn().await;
    let t = app.signup().await;
    let first = wait_for_mail(&t.owner_email, "Verify").await;
    let r = app
        .post("/v1/auth/verify-email/resend", Some(&t.access), json!({}))
        .await;
    assert_eq!(r.status, 202);
    for _ in 0..100 {
        if mails_to(&t.owner_email)
            .iter()
            .filter(|m| m["subject"].as_str().unwrap_or("").contains("Verify"))
            .count()
            >= 2
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let verify: Vec<Value> = mails_to(&t.owner_email)
        .into_iter()
        .filter(|m| m["subject"].as_str().unwrap_or("").contains("Verify"))
        .collect();
    assert_eq!(verify.len(), 2);
    let second = token_in(&verify[1]);
    assert_ne!(second, token_in(&first));
    // The resent token verifies.
    let r = app
        .post("/v1/auth/verify-email", None, json!({"token": second}))
        .await;
    assert_eq!(r.status, 204);
    let onboarding = app
        .get("/v1/tenant/onboarding", &t.access)
        .await
        .ok(200)
        .clone();
    assert_eq!(onboarding["email_verified"], true);
    app.post("/v1/auth/verify-email/resend", Some(&t.access), json!({}))
        .await
        .problem(409, "conflict");

    // At most three per hour per user.
    let u = app.signup().await;
    for _ in 0..3 {
        let r = app
            .post("/v1/auth/verify-email/resend", Some(&u.access), json!({}))
            .await;
        assert_eq!(r.status, 202);
    }
    app.post("/v1/auth/verify-email/resend", Some(&u.access), json!({}))
        .await
        .problem(429, "rate_limited");
}

#[tokio::test]
async fn the_onboarding_checklist_ticks_from_real_state_per_organization() {
    common::ensure_mail_sink();
    let app = TestApp::spawn().await;
    let a = app.signup().await;
    let b = app.signup().await;
    let get = |token: String| {
        let app = &app;
        async move {
            app.get("/v1/tenant/onboarding", &token)
                .await
                .ok(200)
                .clone()
        }
    };
    let start = get(a.access.clone()).await;
    assert_eq!(
        start,
        json!({"email_verified": false, "teammate_invited": false, "api_key_created": false,
               "first_call_made": false, "complete": false})
    );
    let token = token_in(&wait_for_mail(&a.owner_email, "Verify").await);
    app.post("/v1/auth/verify-email", None, json!({"token": token}))
        .await;
    invite(&app, &a, &a.access, "viewer").await;
    let (_, key) = app.api_key(&a.access, &["users:read"]).await;
    let mid = get(a.access.clone()).await;
    assert_eq!(mid["email_verified"], true);
    assert_eq!(mid["teammate_invited"], true);
    assert_eq!(mid["api_key_created"], true);
    assert_eq!(mid["first_call_made"], false);
    app.with_key(Method::GET, "/v1/users", &key, None)
        .await
        .ok(200);
    // last_used_at is written off the request path: poll.
    let mut done = Value::Null;
    for _ in 0..50 {
        done = get(a.access.clone()).await;
        if done["complete"] == true {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(done["first_call_made"], true, "{done}");
    assert_eq!(done["complete"], true);
    // Nothing of A ticks B's list.
    let other = get(b.access.clone()).await;
    assert_eq!(other["teammate_invited"], false);
    assert_eq!(other["api_key_created"], false);
    assert_eq!(other["first_call_made"], false);
}

#[tokio::test]
async fn usage_is_broken_down_by_api_key() {
    let app = TestApp::spawn().await;
    let a = app.signup().await;
    let b = app.signup().await;
    let (k1, key1) = app.api_key(&a.access, &["users:read", "usage:read"]).await;
    let (k2, key2) = app.api_key(&a.access, &["users:read"]).await;
    let (_, key_b) = app.api_key(&b.access, &["users:read"]).await;
    for _ in 0..3 {
        app.with_key(Method::GET, "/v1/users", &key1, None)
            .await
            .ok(200);
    }
    app.with_key(Method::GET, "/v1/users", &key2, None)
        .await
        .ok(200);
    app.with_key(Method::GET, "/v1/users/not-a-uuid", &key2, None)
        .await;
    app.with_key(Method::GET, "/v1/users", &key_b, None)
        .await
        .ok(200);
    let from = (chrono::Utc::now() - chrono::Duration::hours(1))
        .to_rfc3339()
        .replace('+', "%2B");
    let range = format!("from={from}");
    let key_count = |s: &Value, id: Uuid| {
        s["top_keys"]
            .as_array()
            .unwrap()
            .iter()
            .find(|k| k["api_key_id"] == id.to_string())
            .and_then(|k| k["requests"].as_u64())
    };
    let mut summary = Value::Null;
    for _ in 0..100 {
        summary = app
            .get(&format!("/v1/usage/summary?{range}"), &a.access)
            .await
            .ok(200)
            .clone();
        if key_count(&summary, k1) == Some(3) && key_count(&summary, k2) == Some(2) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(key_count(&summary, k1), Some(3), "{summary}");
    assert_eq!(key_count(&summary, k2), Some(2), "{summary}");
    // Only A's keys.
    assert_eq!(
        summary["top_keys"].as_array().unwrap().len(),
        2,
        "{summary}"
    );

    // One key's own summary and series.
    let one = app
        .get(
            &format!("/v1/usage/summary?{range}&api_key_id={k2}"),
            &a.access,
        )
        .await
        .ok(200)
        .clone();
    assert_eq!(one["requests"], 2);
    assert_eq!(one["errors_4xx"], 1);
    assert_eq!(one["api_key_id"], k2.to_string());
    assert_eq!(one["top_keys"].as_array().unwrap().len(), 1);
    assert_eq!(one["top_keys"][0]["api_key_id"], k2.to_string());
    assert_eq!(one["top_keys"][0]["requests"], 2);
    let series = app
        .get(
            &format!("/v1/usage/timeseries?{range}&api_key_id={k1}"),
            &a.access,
        )
        .await
        .ok(200)
        .clone();
    let total: u64 = series["buckets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["requests"].as_u64().unwrap())
        .sum();
    assert_eq!(total, 3);
    // Another organization asking about A's key sees nothing.
    let other = app
        .get(
            &format!("/v1/usage/summary?{range}&api_key_id={k1}"),
            &b.access,
        )
        .await
        .ok(200)
        .clone();
    assert_eq!(other["requests"], 0);
    // Per key is for API requests only.
    app.get(
        &format!("/v1/usage/summary?kind=job.run&api_key_id={k1}"),
        &a.access,
    )
    .await
    .problem(422, "validation_failed");
}

#[tokio::test]
async fn new_endpoints_hold_under_concurrent_duplicates_and_bad_input() {
    common::ensure_mail_sink();
    let app = TestApp::spawn().await;
    let t = app.signup().await;
    let (id, email) = invite(&app, &t, &t.access, "viewer").await;
    let token = token_in(&wait_for_mail(&email, "Join").await);

    // Twenty resends at once: exactly five mails' worth pass the limit,
    // the rest are 429, none fails otherwise, one audit event per success.
    let path = format!("/v1/invitations/{id}/resend");
    let results = app.many(20, &path, Some(&t.access), json!({})).await;
    let mut ok = 0;
    for r in &results {
        match r.status.as_u16() {
            200 => ok += 1,
            429 => assert_eq!(r.body["code"], "rate_limited"),
            other => panic!("unexpected {other}: {}", r.body),
        }
    }
    assert_eq!(ok, 5);
    assert_eq!(app.audit(&t, "invitation.resent").await.len(), 5);

    // Twenty previews and links at once all agree.
    let previews = app
        .many(20, "/v1/invitations/preview", None, json!({"token": token}))
        .await;
    assert!(previews
        .iter()
        .all(|r| r.status == 200 && r.body["email"] == email.as_str()));
    let link = format!("/v1/invitations/{id}/link");
    let links = app.many(20, &link, Some(&t.access), json!({})).await;
    assert!(links
        .iter()
        .all(|r| r.status == 200 && r.body["url"].as_str().is_some_and(|u| u.ends_with(&token))));

    // Twenty "log out everywhere else" at once: all answer, one session left.
    for _ in 0..3 {
        app.login(&t.slug, &t.owner_email, &t.password).await;
    }
    let revokes = app
        .many(
            20,
            "/v1/auth/sessions/revoke-others",
            Some(&t.access),
            json!({}),
        )
        .await;
    assert!(
        revokes.iter().all(|r| r.status == 200),
        "{:?}",
        revokes.iter().map(|r| r.status).collect::<Vec<_>>()
    );
    let left = app
        .get("/v1/auth/sessions", &t.access)
        .await
        .ok(200)
        .clone();
    assert_eq!(left["items"].as_array().unwrap().len(), 1);

    // Bad bodies and credentials change nothing.
    for body in [
        json!({"token": format!("{token}\u{0}")}),
        json!({"token": token, "extra": 1}),
        json!({"token": {"a": {"b": {"c": [[[[1]]]]}}}}),
        json!({"token": "x".repeat(100_000)}),
    ] {
        let r = app.post("/v1/invitations/preview", None, body).await;
        assert!(
            matches!(r.status.as_u16(), 404 | 413 | 422),
            "{}: {}",
            r.status,
            r.body
        );
        assert_eq!(r.headers["content-type"], "application/problem+json");
    }
    let forged = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl";
    for path in [
        path.as_str(),
        link.as_str(),
        "/v1/auth/sessions/revoke-others",
        "/v1/auth/verify-email/resend",
    ] {
        app.post(path, Some(forged), json!({}))
            .await
            .problem(401, "unauthenticated");
    }
    for path in [
        "/v1/tenant/onboarding",
        "/v1/audit-events/export",
        "/v1/invitations?q=x",
    ] {
        app.get(path, forged).await.problem(401, "unauthenticated");
    }
    // Extreme dates on the export are refused like on the list.
    app.get(
        "/v1/audit-events/export?from=0001-01-01T00:00:00Z",
        &t.access,
    )
    .await
    .problem(422, "validation_failed");
    // The invitation still works after all of it.
    common::accept_invitation(&app, &token).await.ok(201);
}

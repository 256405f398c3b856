//! What the browser console relies on: CORS for its origin only, and the
//! refresh token as an HttpOnly cookie that restores a session on reload.

mod common;

use common::{test_config, unique, TestApp};
use reqwest::Method;
use serde_json::json;

const CONSOLE: &str = "http://console.test";

fn header<'a>(res: &'a reqwest::Response, name: &str) -> Option<&'a str> {
    res.headers().get(name).and_then(|v| v.to_str().ok())
}

/// The `qhub_refresh` Set-Cookie of a response, if any.
fn refresh_cookie(headers: &reqwest::header::HeaderMap) -> Option<String> {
    headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("qhub_refresh="))
        .map(str::to_owned)
}

fn cookie_value(set_cookie: &str) -> &str {
    set_cookie
        .trim_start_matches("qhub_refresh=")
        .split(';')
        .next()
        .unwrap_or_default()
}

#[tokio::test]
async fn cors_admits_the_console_origin_only() {
    let app = TestApp::spawn().await;
    let t = app.signup().await;
    let preflight = |origin: &'static str| {
        app.http
            .request(Method::OPTIONS, format!("{}/v1/users/x", app.base))
            .header("origin", origin)
            .header("access-control-request-method", "PATCH")
            .header(
                "access-control-request-headers",
                "authorization,content-type",
            )
            .send()
    };

    let ok = preflight(CONSOLE).await.unwrap();
    assert!(ok.status().is_success(), "{}", ok.status());
    assert_eq!(header(&ok, "access-control-allow-origin"), Some(CONSOLE));
    assert_eq!(
        header(&ok, "access-control-allow-credentials"),
        Some("true")
    );
    let methods = header(&ok, "access-control-allow-methods").unwrap_or_default();
    // PUT: the console uploads packages.
    assert!(
        methods.contains("PATCH") && methods.contains("DELETE") && methods.contains("PUT"),
        "{methods}"
    );
    let allowed = header(&ok, "access-control-allow-headers")
        .unwrap_or_default()
        .to_lowercase();
    assert!(allowed.contains("authorization") && allowed.contains("content-type"));
    // Job submissions carry an Idempotency-Key from the console too.
    assert!(allowed.contains("idempotency-key"), "{allowed}");
    // Answered before the rate limiter: a preflight spends no budget.
    assert_eq!(header(&ok, "ratelimit-limit"), None);

    let evil = preflight("http://evil.test").await.unwrap();
    assert_eq!(header(&evil, "access-control-allow-origin"), None);

    // Real requests: the console can read the body and the budget headers,
    // errors included; another origin gets no CORS headers at all.
    let list = app
        .http
        .get(format!("{}/v1/users", app.base))
        .header("origin", CONSOLE)
        .bearer_auth(&t.access)
        .send()
        .await
        .unwrap();
    assert_eq!(list.status(), 200);
    assert_eq!(header(&list, "access-control-allow-origin"), Some(CONSOLE));
    let exposed = header(&list, "access-control-expose-headers")
        .unwrap_or_default()
        .to_lowercase();
    assert!(exposed.contains("ratelimit-remaining") && exposed.contains("x-request-id"));
    // The console reads whether an audit export was cut short.
    assert!(exposed.contains("x-truncated"), "{exposed}");
    // …and a package download's digests and file name.
    for h in ["etag", "repr-digest", "digest", "content-disposition"] {
        assert!(exposed.contains(h), "{h} not exposed: {exposed}");
    }
    let denied = app
        .http
        .get(format!("{}/v1/users", app.base))
        .header("origin", CONSOLE)
        .send()
        .await
        .unwrap();
    assert_eq!(denied.status(), 401);
    assert_eq!(
        header(&denied, "access-control-allow-origin"),
        Some(CONSOLE)
    );
    let other = app
        .http
        .get(format!("{}/v1/users", app.base))
        .header("origin", "http://evil.test")
        .bearer_auth(&t.access)
        .send()
        .await
        .unwrap();
    assert_eq!(header(&other, "access-control-allow-origin"), None);
}

/// POST `path` with a JSON body and optional extra headers, keeping the
/// raw response for its Set-Cookie headers.
async fn post_raw(
    app: &TestApp,
    path: &str,
    headers: &[(&str, String)],
    body: serde_json::Value,
) -> reqwest::Response {
    let mut req = app.http.post(format!("{}{path}", app.base)).json(&body);
    for (name, value) in headers {
        req = req.header(*name, value);
    }
    req.send().await.unwrap()
}

fn with_cookie(token: &str) -> Vec<(&'static str, String)> {
    vec![("cookie", format!("theme=dark; qhub_refresh={token}"))]
}

/// A reload: `POST /v1/auth/refresh {}` presenting `token` as the cookie.
async fn cookie_refresh(app: &TestApp, token: &str) -> reqwest::Response {
    post_raw(app, "/v1/auth/refresh", &with_cookie(token), json!({})).await
}

#[tokio::test]
async fn the_refresh_cookie_restores_rotates_and_clears() {
    let app = TestApp::spawn().await;
    let slug = unique("ck");
    let email = format!("owner@{slug}.test");
    let signup = post_raw(
        &app,
        "/v1/tenants",
        &[],
        json!({"name": "Cookie Co", "slug": slug, "owner_email": email,
               "owner_password": "correct horse battery", "owner_name": "Ada",
               "refresh_delivery": "cookie"}),
    )
    .await;
    let set = refresh_cookie(signup.headers()).expect("signup sets the refresh cookie");
    let signup = TestApp::read(signup).await;
    let body = signup.ok(201);
    // The refresh token is only in the cookie, out of scripts' reach and
    // off every request but /v1/auth/*: never in a body a script can read.
    assert!(body["access_token"].is_string());
    assert!(body.get("refresh_token").is_none(), "{body}");
    assert!(cookie_value(&set).contains('.'), "{set}");
    for attr in [
        "HttpOnly",
        "SameSite=Strict",
        "Path=/v1/auth",
        "Max-Age=3600",
    ] {
        assert!(set.contains(attr), "{attr} missing: {set}");
    }
    assert!(!set.contains("Secure"), "test config is plain http: {set}");

    // A reload: an empty body and the cookie give a new access token and a
    // new cookie, and again no refresh token in the body.
    let first = cookie_value(&set).to_owned();
    let r1 = cookie_refresh(&app, &first).await;
    let set2 = refresh_cookie(r1.headers()).expect("refresh sets the cookie");
    let r1 = TestApp::read(r1).await;
    let b1 = r1.ok(200).clone();
    assert!(b1.get("refresh_token").is_none(), "{b1}");
    assert_ne!(cookie_value(&set2), first);
    let access = b1["access_token"].as_str().unwrap().to_owned();
    assert_eq!(
        app.get("/v1/auth/me", &access).await.ok(200)["user"]["email"],
        email
    );

    // Presented again at once, the rotated-out cookie is taken for a retry
    // whose answer was lost: the same successor comes back.
    let retry = cookie_refresh(&app, &first).await;
    let set2b = refresh_cookie(retry.headers()).expect("a retry sets the cookie");
    assert_eq!(cookie_value(&set2b), cookie_value(&set2));
    // Once the successor has been used, the first cookie is reuse: the
    // session dies and the cookie is cleared.
    let r2 = cookie_refresh(&app, cookie_value(&set2)).await;
    assert_eq!(r2.status(), 200);
    let reused = cookie_refresh(&app, &first).await;
    let cleared = refresh_cookie(reused.headers()).expect("a refused cookie is cleared");
    assert!(cleared.starts_with("qhub_refresh=;") && cleared.contains("Max-Age=0"));
    TestApp::read(reused).await.problem(401, "unauthenticated");
    app.get("/v1/auth/me", &access)
        .await
        .problem(401, "unauthenticated");

    // No body token and no cookie: 401, and nothing to clear.
    let none = app.post("/v1/auth/refresh", None, json!({})).await;
    none.problem(401, "unauthenticated");
    assert_eq!(refresh_cookie(&none.headers), None);

    // Login asks for the cookie too; logout clears it.
    let login = post_raw(
        &app,
        "/v1/auth/login",
        &[],
        json!({"tenant": slug, "email": email, "password": "correct horse battery",
               "refresh_delivery": "cookie"}),
    )
    .await;
    let set3 = refresh_cookie(login.headers()).expect("login sets the cookie");
    let login = TestApp::read(login).await;
    assert!(login.ok(200).get("refresh_token").is_none());
    let access = login.body["access_token"].as_str().unwrap();
    let out = app.post("/v1/auth/logout", Some(access), json!(null)).await;
    assert_eq!(out.status, 204);
    let gone = refresh_cookie(&out.headers).expect("logout clears the cookie");
    assert!(gone.contains("Max-Age=0"), "{gone}");
    // ...and the logged-out cookie no longer refreshes.
    let after = cookie_refresh(&app, cookie_value(&set3)).await;
    assert_eq!(after.status(), 401);
}

#[tokio::test]
async fn api_clients_get_the_refresh_token_in_the_body_and_no_cookie() {
    let app = TestApp::spawn().await;
    let t = app.signup().await; // no refresh_delivery: the body default
    let login = post_raw(
        &app,
        "/v1/auth/login",
        &[],
        json!({"tenant": t.slug, "email": t.owner_email, "password": t.password}),
    )
    .await;
    assert_eq!(refresh_cookie(login.headers()), None);
    let login = TestApp::read(login).await;
    let token = login.ok(200)["refresh_token"].as_str().unwrap().to_owned();
    // A body refresh answers in the body and sets no cookie.
    let r = post_raw(
        &app,
        "/v1/auth/refresh",
        &[],
        json!({"refresh_token": token}),
    )
    .await;
    assert_eq!(refresh_cookie(r.headers()), None);
    let r = TestApp::read(r).await;
    let next = r.ok(200)["refresh_token"].as_str().unwrap();
    assert_ne!(next, token);
    // An unknown delivery is refused like any bad field.
    app.post(
        "/v1/auth/login",
        None,
        json!({"tenant": t.slug, "email": t.owner_email, "password": t.password,
               "refresh_delivery": "header"}),
    )
    .await
    .problem(422, "validation_failed");
}

/// A cookie login: (access token, refresh cookie value).
async fn cookie_login(app: &TestApp, t: &common::Tenant) -> (String, String) {
    let login = post_raw(
        app,
        "/v1/auth/login",
        &[],
        json!({"tenant": t.slug, "email": t.owner_email, "password": t.password,
               "refresh_delivery": "cookie"}),
    )
    .await;
    let set = refresh_cookie(login.headers()).expect("cookie");
    let login = TestApp::read(login).await;
    let access = login.ok(200)["access_token"].as_str().unwrap().to_owned();
    (access, cookie_value(&set).to_owned())
}

#[tokio::test]
async fn logout_works_from_the_cookie_when_the_access_token_is_gone() {
    let app = TestApp::spawn().await;
    let t = app.signup().await;
    let (access, cookie) = cookie_login(&app, &t).await;

    // An expired or lost access token: the cookie alone ends the session.
    let out = post_raw(&app, "/v1/auth/logout", &with_cookie(&cookie), json!(null)).await;
    assert_eq!(out.status(), 204);
    let gone = refresh_cookie(out.headers()).expect("logout clears the cookie");
    assert!(gone.contains("Max-Age=0"), "{gone}");
    app.get("/v1/auth/me", &access)
        .await
        .problem(401, "unauthenticated");
    let again = cookie_refresh(&app, &cookie).await;
    assert_eq!(again.status(), 401);

    // Without either credential logout is refused (and still clears).
    let bare = post_raw(&app, "/v1/auth/logout", &[], json!(null)).await;
    assert!(refresh_cookie(bare.headers()).is_some());
    TestApp::read(bare).await.problem(401, "unauthenticated");
    // A cookie whose secret is wrong ends nothing.
    let (access2, cookie2) = cookie_login(&app, &t).await;
    let (sid, _) = cookie2.split_once('.').unwrap();
    let forged = format!("{sid}.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
    let out = post_raw(&app, "/v1/auth/logout", &with_cookie(&forged), json!(null)).await;
    assert_eq!(out.status(), 204);
    app.get("/v1/auth/me", &access2).await.ok(200);

    // Bearer of one session and cookie of another (another tab logged in):
    // both end.
    let (access3, cookie3) = cookie_login(&app, &t).await;
    let mut headers = with_cookie(&cookie3);
    headers.push(("authorization", format!("Bearer {access2}")));
    let out = post_raw(&app, "/v1/auth/logout", &headers, json!(null)).await;
    assert_eq!(out.status(), 204);
    app.get("/v1/auth/me", &access2)
        .await
        .problem(401, "unauthenticated");
    app.get("/v1/auth/me", &access3)
        .await
        .problem(401, "unauthenticated");
}

#[tokio::test]
async fn cookie_refreshes_have_their_own_ip_budget_refunded_on_success() {
    let mut config = test_config();
    config.rate_limit_auth_ip = qhub_core::ratelimit::Limit::per(3, 60);
    config.trusted_proxy_hops = 1;
    let app = TestApp::spawn_with(config).await;
    // Sessions are made through an unlimited replica (same Postgres and
    // Redis): the loopback address's auth budget is shared with every
    // other test.
    let plain = TestApp::spawn().await;
    let fresh_ip = || {
        let n = uuid::Uuid::new_v4().as_u128();
        format!("2001:db8::{:x}:{:x}", (n >> 16) & 0xffff, n & 0xffff)
    };
    let office = fresh_ip();
    let t = plain.signup().await;
    let limited = &app;
    let refresh_from = |ip: String, cookie: String, extra: Option<(&'static str, String)>| {
        let mut h = with_cookie(&cookie);
        h.push(("x-forwarded-for", ip));
        h.extend(extra);
        async move {
            let r = post_raw(limited, "/v1/auth/refresh", &h, json!({})).await;
            let next = refresh_cookie(r.headers()).map(|c| cookie_value(&c).to_owned());
            (r.status().as_u16(), next)
        }
    };

    // The office has spent its login budget...
    for _ in 0..4 {
        post_raw(
            &app,
            "/v1/auth/login",
            &[("x-forwarded-for", office.clone())],
            json!({"tenant": t.slug, "email": t.owner_email, "password": "not the password"}),
        )
        .await;
    }
    let spent = post_raw(
        &app,
        "/v1/auth/login",
        &[("x-forwarded-for", office.clone())],
        json!({"tenant": t.slug, "email": t.owner_email, "password": t.password}),
    )
    .await;
    assert_eq!(spent.status(), 429);
    // ...yet two people there reload three times each: six cookie
    // refreshes against a budget of three, all served (each is refunded),
    // one of them with the expired bearer the console still holds.
    for _ in 0..2 {
        let (_, mut cookie) = cookie_login(&plain, &t).await;
        for i in 0..3 {
            let stale = (i == 0).then(|| ("authorization", "Bearer expired.jwt.here".to_owned()));
            let (status, next) = refresh_from(office.clone(), cookie.clone(), stale).await;
            assert_eq!(status, 200);
            cookie = next.unwrap();
        }
    }

    // Made-up cookies from another address stay charged, even ones naming
    // a real session (its id is no secret)...
    let (_, victim) = cookie_login(&plain, &t).await;
    let (victim_sid, _) = victim.split_once('.').unwrap();
    let attacker = fresh_ip();
    let secret = "A".repeat(43); // well-formed, wrong
    for _ in 0..2 {
        let fake = format!("{victim_sid}.{secret}");
        assert_eq!(refresh_from(attacker.clone(), fake, None).await.0, 401);
    }
    let garbage = "not-even-a-token".to_owned();
    assert_eq!(refresh_from(attacker.clone(), garbage, None).await.0, 401);
    let fake = format!("{}.{secret}", uuid::Uuid::new_v4().simple());
    assert_eq!(refresh_from(attacker.clone(), fake, None).await.0, 429);
    // ...so that address waits even with a good cookie, while the victim,
    // elsewhere, is not locked out.
    let (_, good) = cookie_login(&plain, &t).await;
    assert_eq!(refresh_from(attacker, good, None).await.0, 429);
    let (status, _) = refresh_from(office, victim, None).await;
    assert_eq!(status, 200);

    // A body-token refresh sent along with some cookie is charged like any
    // other and never refunded: valid tokens buy no extra budget.
    let elsewhere = fresh_ip();
    let mut token = plain.signup().await.refresh;
    for _ in 0..3 {
        let h = [
            ("cookie", "qhub_refresh=junk".to_owned()),
            ("x-forwarded-for", elsewhere.clone()),
        ];
        let r = TestApp::read(
            post_raw(
                &app,
                "/v1/auth/refresh",
                &h,
                json!({"refresh_token": token}),
            )
            .await,
        )
        .await;
        token = r.ok(200)["refresh_token"].as_str().unwrap().to_owned();
    }
    let h = [
        ("cookie", "qhub_refresh=junk".to_owned()),
        ("x-forwarded-for", elsewhere),
    ];
    let r = post_raw(
        &app,
        "/v1/auth/refresh",
        &h,
        json!({"refresh_token": token}),
    )
    .await;
    assert_eq!(r.status(), 429);
}

#[tokio::test]
async fn pages_of_other_origins_cannot_use_the_cookie() {
    let app = TestApp::spawn().await;
    let t = app.signup().await;
    let (access, cookie) = cookie_login(&app, &t).await;
    // A sibling page (same site, other origin) posting a plain form:
    // SameSite=Strict still sends the cookie, Origin gives it away.
    let mut sibling = with_cookie(&cookie);
    sibling.push(("origin", "http://blog.console.test".into()));
    // Refused outright: not even a clearing Set-Cookie, which would log
    // the user out just the same.
    let out = post_raw(&app, "/v1/auth/logout", &sibling, json!(null)).await;
    assert_eq!(refresh_cookie(out.headers()), None);
    TestApp::read(out).await.problem(403, "forbidden");
    let r = post_raw(&app, "/v1/auth/refresh", &sibling, json!({})).await;
    assert_eq!(refresh_cookie(r.headers()), None);
    TestApp::read(r).await.problem(403, "forbidden");
    // The session is untouched, and the console's own origin may use it.
    app.get("/v1/auth/me", &access).await.ok(200);
    let mut console = with_cookie(&cookie);
    console.push(("origin", CONSOLE.into()));
    let r = post_raw(&app, "/v1/auth/refresh", &console, json!({})).await;
    assert_eq!(r.status(), 200);
    let next = cookie_value(&refresh_cookie(r.headers()).unwrap()).to_owned();
    let mut console = with_cookie(&next);
    console.push(("origin", CONSOLE.into()));
    let out = post_raw(&app, "/v1/auth/logout", &console, json!(null)).await;
    assert_eq!(out.status(), 204);
    app.get("/v1/auth/me", &access)
        .await
        .problem(401, "unauthenticated");
}

#[tokio::test]
async fn the_cookie_is_secure_when_configured() {
    let mut config = test_config();
    config.cookie_secure = true;
    let app = TestApp::spawn_with(config).await;
    let t = app.signup().await;
    let login = post_raw(
        &app,
        "/v1/auth/login",
        &[],
        json!({"tenant": t.slug, "email": t.owner_email, "password": t.password,
               "refresh_delivery": "cookie"}),
    )
    .await;
    let set = refresh_cookie(login.headers()).expect("cookie");
    assert!(set.ends_with("; Secure"), "{set}");
}

#[tokio::test]
async fn the_yaml_spec_is_served_as_text_on_request() {
    let app = TestApp::spawn().await;
    let get = |accept: Option<&'static str>| {
        let mut req = app.http.get(format!("{}/openapi.yaml", app.base));
        if let Some(a) = accept {
            req = req.header("accept", a);
        }
        req.send()
    };
    let default = get(None).await.unwrap();
    assert_eq!(header(&default, "content-type"), Some("application/yaml"));
    let text = get(Some("text/yaml")).await.unwrap();
    assert_eq!(
        header(&text, "content-type"),
        Some("text/yaml; charset=utf-8")
    );
    let body = text.text().await.unwrap();
    assert_eq!(body, qhub_core::openapi::to_yaml().unwrap());
    assert!(body.starts_with("openapi: 3.1"), "{}", &body[..40]);
}

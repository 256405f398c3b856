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
    assert!(
        methods.contains("PATCH") && methods.contains("DELETE"),
        "{methods}"
    );
    let allowed = header(&ok, "access-control-allow-headers")
        .unwrap_or_default()
        .to_lowercase();
    assert!(allowed.contains("authorization") && allowed.contains("content-type"));
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

#[tokio::test]
async fn the_refresh_cookie_restores_rotates_and_clears() {
    let app = TestApp::spawn().await;
    let slug = unique("ck");
    let email = format!("owner@{slug}.test");
    let signup = app
        .http
        .post(format!("{}/v1/tenants", app.base))
        .json(
            &json!({"name": "Cookie Co", "slug": slug, "owner_email": email,
                      "owner_password": "correct horse battery", "owner_name": "Ada"}),
        )
        .send()
        .await
        .unwrap();
    let set = refresh_cookie(signup.headers()).expect("signup sets the refresh cookie");
    let signup = TestApp::read(signup).await;
    let body = signup.ok(201);
    // The cookie holds exactly the body's refresh token, out of scripts' reach
    // and off every request but /v1/auth/*.
    assert_eq!(cookie_value(&set), body["refresh_token"].as_str().unwrap());
    for attr in [
        "HttpOnly",
        "SameSite=Strict",
        "Path=/v1/auth",
        "Max-Age=3600",
    ] {
        assert!(set.contains(attr), "{attr} missing: {set}");
    }
    assert!(!set.contains("Secure"), "test config is plain http: {set}");

    let refresh_with = |cookie: String| {
        app.http
            .post(format!("{}/v1/auth/refresh", app.base))
            .header("cookie", format!("theme=dark; qhub_refresh={cookie}"))
            .json(&json!({}))
            .send()
    };

    // A reload: an empty body and the cookie give a new pair and a new cookie.
    let first = cookie_value(&set).to_owned();
    let r1 = refresh_with(first.clone()).await.unwrap();
    let set2 = refresh_cookie(r1.headers()).expect("refresh sets the cookie");
    let r1 = TestApp::read(r1).await;
    let b1 = r1.ok(200).clone();
    assert_eq!(cookie_value(&set2), b1["refresh_token"].as_str().unwrap());
    assert_ne!(cookie_value(&set2), first);
    let access = b1["access_token"].as_str().unwrap().to_owned();
    assert_eq!(
        app.get("/v1/auth/me", &access).await.ok(200)["user"]["email"],
        email
    );

    // The rotated-out cookie is reuse: the session dies and the cookie is cleared.
    let reused = refresh_with(first).await.unwrap();
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

    // Login sets it too; logout clears it.
    let login = app
        .http
        .post(format!("{}/v1/auth/login", app.base))
        .json(&json!({"tenant": slug, "email": email, "password": "correct horse battery"}))
        .send()
        .await
        .unwrap();
    let set3 = refresh_cookie(login.headers()).expect("login sets the cookie");
    let login = TestApp::read(login).await;
    assert_eq!(
        cookie_value(&set3),
        login.ok(200)["refresh_token"].as_str().unwrap()
    );
    let access = login.body["access_token"].as_str().unwrap();
    let out = app.post("/v1/auth/logout", Some(access), json!(null)).await;
    assert_eq!(out.status, 204);
    let gone = refresh_cookie(&out.headers).expect("logout clears the cookie");
    assert!(gone.contains("Max-Age=0"), "{gone}");
    // ...and the logged-out cookie no longer refreshes.
    let after = refresh_with(cookie_value(&set3).to_owned()).await.unwrap();
    assert_eq!(after.status(), 401);
}

#[tokio::test]
async fn the_cookie_is_secure_when_configured() {
    let mut config = test_config();
    config.cookie_secure = true;
    let app = TestApp::spawn_with(config).await;
    let t = app.signup().await;
    let login = app
        .http
        .post(format!("{}/v1/auth/login", app.base))
        .json(&json!({"tenant": t.slug, "email": t.owner_email, "password": t.password}))
        .send()
        .await
        .unwrap();
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

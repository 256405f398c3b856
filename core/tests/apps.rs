//! Quantum apps (docs/apps.md): projects, apps, versions, packages in
//! object storage on both backends, docs, the registry with its search,
//! downloads, reviews and metrics, and what another organization can
//! neither see nor change. Against real Postgres, Redis, ClickHouse and an
//! S3-compatible server (moto, started by scripts/s3.sh).

mod common;

use common::{test_config, unique, Resp, Tenant, TestApp};
use qhub_core::apps::storage::{PackageConfig, StoreConfig};
use reqwest::Method;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use uuid::Uuid;

fn id(v: &Value) -> String {
    v["id"].as_str().expect("id").to_owned()
}

fn field_error<'a>(body: &'a Value, field: &str) -> Option<&'a str> {
    body["errors"]
        .as_array()?
        .iter()
        .find(|e| e["field"] == field)
        .and_then(|e| e["message"].as_str())
}

/// Deterministic bytes (xorshift) of `n` bytes.
fn bytes(n: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        out.extend_from_slice(&x.to_le_bytes());
    }
    out.truncate(n);
    out
}

fn sha256_hex(b: &[u8]) -> String {
    hex::encode(Sha256::digest(b))
}

async fn put_package(app: &TestApp, token: &str, app_id: &str, vid: &str, body: Vec<u8>) -> Resp {
    app.raw(
        Method::PUT,
        &format!("/v1/apps/{app_id}/versions/{vid}/package"),
        Some(token),
        Some("application/octet-stream"),
        body,
    )
    .await
}

/// GET with the raw body kept: (status, headers, bytes).
async fn get_bytes(
    app: &TestApp,
    method: Method,
    path: &str,
    token: &str,
    body: Option<Value>,
) -> (u16, reqwest::header::HeaderMap, Vec<u8>) {
    let mut req = app
        .http
        .request(method, format!("{}{}", app.base, path))
        .bearer_auth(token);
    if let Some(b) = body {
        req = req.json(&b);
    }
    let res = req.send().await.expect("request");
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    (status, headers, res.bytes().await.expect("body").to_vec())
}

async fn create_app(app: &TestApp, token: &str, body: Value) -> Value {
    app.post("/v1/apps", Some(token), body)
        .await
        .ok(201)
        .clone()
}

async fn create_version(app: &TestApp, token: &str, app_id: &str, version: &str) -> Value {
    app.post(
        &format!("/v1/apps/{app_id}/versions"),
        Some(token),
        json!({"version": version, "sdk": "openqasm2", "qubits": 5}),
    )
    .await
    .ok(201)
    .clone()
}

/// A version with a package, published: its id.
async fn released_version(
    app: &TestApp,
    token: &str,
    app_id: &str,
    version: &str,
    package: Vec<u8>,
) -> String {
    let v = create_version(app, token, app_id, version).await;
    let vid = id(&v);
    put_package(app, token, app_id, &vid, package).await.ok(200);
    app.post(
        &format!("/v1/apps/{app_id}/versions/{vid}/publish"),
        Some(token),
        json!({}),
    )
    .await
    .ok(200);
    vid
}

/// A public MIT app in the registry with version 1.0.0: (app id, version id, package).
async fn registry_app(
    app: &TestApp,
    t: &Tenant,
    name: &str,
    tags: &[&str],
    description: &str,
) -> (String, String, Vec<u8>) {
    let a = create_app(
        app,
        &t.access,
        json!({"name": name, "slug": unique("app"), "type": "algorithm", "visibility": "public",
               "license": "MIT", "tags": tags, "description": description,
               "readme": format!("# {name}\n\nHow to use it.")}),
    )
    .await;
    let app_id = id(&a);
    let package = bytes(4096, name.len() as u64 + 7);
    let vid = released_version(app, &t.access, &app_id, "1.0.0", package.clone()).await;
    app.post(
        &format!("/v1/apps/{app_id}/publish-registry"),
        Some(&t.access),
        json!({}),
    )
    .await
    .ok(200);
    (app_id, vid, package)
}

#[tokio::test]
async fn projects_release_apps_with_their_lifecycle_and_audit() {
    let app = TestApp::spawn().await;
    let t = app.signup().await;
    let (_, dev, _) = app.user_with_role(&t, "developer").await;
    let (_, viewer, _) = app.user_with_role(&t, "viewer").await;

    let p = app
        .post(
            "/v1/projects",
            Some(&dev),
            json!({"name": "Grover Lab", "description": "Search experiments",
                   "repository_url": "https://git.example/grover"}),
        )
        .await;
    let project = p.ok(201).clone();
    assert_eq!(project["name"], "Grover Lab");
    let pid = id(&project);
    // A viewer reads, never writes.
    assert_eq!(
        app.get(&format!("/v1/projects/{pid}"), &viewer)
            .await
            .ok(200)["id"],
        pid
    );
    app.post("/v1/projects", Some(&viewer), json!({"name": "x"}))
        .await
        .problem(403, "forbidden");
    let found = app.get("/v1/projects?q=grover", &viewer).await;
    assert_eq!(found.ok(200)["items"][0]["id"], pid);

    // Release carries name and description over; a slug is made from the name.
    let r = app
        .post(
            &format!("/v1/projects/{pid}/release"),
            Some(&dev),
            json!({}),
        )
        .await;
    let released = r.ok(201).clone();
    assert_eq!(released["name"], "Grover Lab");
    assert_eq!(released["description"], "Search experiments");
    assert_eq!(released["slug"], "grover-lab");
    assert_eq!(released["project_id"], pid);
    assert_eq!(released["status"], "draft");
    assert_eq!(released["type"], "application");
    // The same slug again is a conflict on the slug field.
    let again = app
        .post(
            &format!("/v1/projects/{pid}/release"),
            Some(&dev),
            json!({}),
        )
        .await;
    again.problem(409, "conflict");
    assert!(field_error(&again.body, "slug").is_some(), "{}", again.body);

    // Filters: status, visibility, tag, text.
    let a2 = create_app(
        &app,
        &dev,
        json!({"name": "Shor Factoring", "slug": "shor", "type": "algorithm",
               "visibility": "public", "license": "Apache-2.0", "tags": ["factoring", "crypto"]}),
    )
    .await;
    let list = |q: &'static str| {
        let app = &app;
        let dev = dev.clone();
        async move {
            let r = app.get(&format!("/v1/apps?{q}"), &dev).await;
            r.ok(200)["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i["slug"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(list("tag=crypto").await, vec!["shor"]);
    assert_eq!(list("visibility=private").await, vec!["grover-lab"]);
    assert_eq!(list("q=FACTOR").await, vec!["shor"]);
    assert_eq!(list("status=draft").await.len(), 2);
    assert!(list("status=published").await.is_empty());

    // PATCH, with a clear of a URL and a license check.
    let r = app
        .patch(
            &format!("/v1/apps/{}", id(&a2)),
            &dev,
            json!({"license": "Not-A-License"}),
        )
        .await;
    r.problem(422, "validation_failed");
    assert!(field_error(&r.body, "license").is_some());
    let r = app
        .patch(
            &format!("/v1/apps/{}", id(&a2)),
            &dev,
            json!({"description": "Integer factoring", "tags": ["crypto", "crypto", "shor"]}),
        )
        .await;
    assert_eq!(r.ok(200)["tags"], json!(["crypto", "shor"]));

    // A draft app can be deleted; one with a published version cannot.
    app.delete(&format!("/v1/apps/{}", id(&released)), &dev)
        .await
        .ok(204);
    released_version(&app, &dev, &id(&a2), "0.1.0", bytes(100, 1)).await;
    let a2v = app.get(&format!("/v1/apps/{}", id(&a2)), &dev).await;
    assert_eq!(a2v.ok(200)["status"], "published");
    assert_eq!(a2v.body["latest_version"], "0.1.0");
    app.delete(&format!("/v1/apps/{}", id(&a2)), &dev)
        .await
        .problem(409, "conflict");
    // Deprecating is for admins and owners (registry:publish).
    app.post(
        &format!("/v1/apps/{}/deprecate", id(&a2)),
        Some(&dev),
        json!({}),
    )
    .await
    .problem(403, "forbidden");
    let dep = app
        .post(
            &format!("/v1/apps/{}/deprecate", id(&a2)),
            Some(&t.access),
            json!({}),
        )
        .await;
    assert_eq!(dep.ok(200)["status"], "deprecated");
    // A deprecated app takes no new versions.
    app.post(
        &format!("/v1/apps/{}/versions", id(&a2)),
        Some(&dev),
        json!({"version": "0.2.0", "sdk": "qiskit", "qubits": 3}),
    )
    .await
    .problem(409, "conflict");

    for action in [
        "project.created",
        "project.released",
        "app.created",
        "app.updated",
        "app.deleted",
        "app_version.created",
        "app_version.package_uploaded",
        "app_version.published",
        "app.deprecated",
    ] {
        assert!(!app.audit(&t, action).await.is_empty(), "no {action} event");
    }
    app.delete(&format!("/v1/projects/{pid}"), &dev)
        .await
        .ok(204);
    app.get(&format!("/v1/projects/{pid}"), &dev)
        .await
        .problem(404, "not_found");
}

/// The version marked latest, and every version in list order.
async fn latest(app: &TestApp, tok: &str, aid: &str) -> (Option<String>, Vec<String>) {
    let r = app
        .get(&format!("/v1/apps/{aid}/versions?limit=200"), tok)
        .await;
    let items = r.ok(200)["items"].as_array().unwrap().clone();
    let l: Vec<String> = items
        .iter()
        .filter(|v| v["is_latest"] == true)
        .map(|v| v["version"].as_str().unwrap().to_owned())
        .collect();
    assert!(l.len() <= 1, "more than one latest: {l:?}");
    (
        l.into_iter().next(),
        items
            .iter()
            .map(|v| v["version"].as_str().unwrap().to_owned())
            .collect(),
    )
}

#[tokio::test]
async fn semver_decides_latest_with_prereleases_and_yanks_and_published_is_immutable() {
    let app = TestApp::spawn().await;
    let t = app.signup().await;
    let tok = &t.access;
    let a = create_app(
        &app,
        tok,
        json!({"name": "Versions", "slug": "versions", "type": "library"}),
    )
    .await;
    let aid = id(&a);

    // Only a prerelease: it is the latest while no release exists.
    released_version(&app, tok, &aid, "2.0.0-rc.1", bytes(10, 2)).await;
    assert_eq!(
        latest(&app, tok, &aid).await.0.as_deref(),
        Some("2.0.0-rc.1")
    );
    let v19 = released_version(&app, tok, &aid, "1.9.0", bytes(10, 3)).await;
    assert_eq!(latest(&app, tok, &aid).await.0.as_deref(), Some("1.9.0"));
    let v110 = released_version(&app, tok, &aid, "1.10.0", bytes(10, 4)).await;
    let (l, order) = latest(&app, tok, &aid).await;
    assert_eq!(l.as_deref(), Some("1.10.0"), "1.10.0 > 1.9.0 by semver");
    assert_eq!(order, vec!["2.0.0-rc.1", "1.10.0", "1.9.0"]);
    // A draft never counts.
    create_version(&app, tok, &aid, "9.0.0").await;
    assert_eq!(latest(&app, tok, &aid).await.0.as_deref(), Some("1.10.0"));
    // Yanking the latest hands it to the next release.
    let y = app
        .post(
            &format!("/v1/apps/{aid}/versions/{v110}/yank"),
            Some(tok),
            json!({}),
        )
        .await;
    assert_eq!(y.ok(200)["status"], "yanked");
    assert_eq!(y.body["is_latest"], false);
    assert_eq!(latest(&app, tok, &aid).await.0.as_deref(), Some("1.9.0"));
    let got = app.get(&format!("/v1/apps/{aid}"), tok).await;
    assert_eq!(got.ok(200)["latest_version"], "1.9.0");
    // With every release yanked the prerelease is latest again.
    app.post(
        &format!("/v1/apps/{aid}/versions/{v19}/yank"),
        Some(tok),
        json!({}),
    )
    .await
    .ok(200);
    assert_eq!(
        latest(&app, tok, &aid).await.0.as_deref(),
        Some("2.0.0-rc.1")
    );

    // Invalid or duplicate version numbers.
    for bad in ["1.2", "v1.2.3", "01.2.3", "1.2.3-", "", "1.9.0+build.7"] {
        let r = app
            .post(
                &format!("/v1/apps/{aid}/versions"),
                Some(tok),
                json!({"version": bad, "sdk": "qiskit", "qubits": 2}),
            )
            .await;
        r.problem(422, "validation_failed");
        assert!(
            field_error(&r.body, "version").is_some(),
            "{bad}: {}",
            r.body
        );
    }
    let dup = app
        .post(
            &format!("/v1/apps/{aid}/versions"),
            Some(tok),
            json!({"version": "1.9.0", "sdk": "qiskit", "qubits": 2}),
        )
        .await;
    dup.problem(409, "conflict");
    assert!(field_error(&dup.body, "version").is_some());

    // Published versions are immutable: number, package, deletion.
    app.patch(
        &format!("/v1/apps/{aid}/versions/{v19}"),
        tok,
        json!({"version": "1.9.1"}),
    )
    .await
    .problem(409, "conflict");
    put_package(&app, tok, &aid, &v19, bytes(5, 5))
        .await
        .problem(409, "conflict");
    app.delete(&format!("/v1/apps/{aid}/versions/{v19}"), tok)
        .await
        .problem(409, "conflict");
    // Release notes may still change.
    let r = app
        .patch(
            &format!("/v1/apps/{aid}/versions/{v19}"),
            tok,
            json!({"release_notes": "Fixed a typo."}),
        )
        .await;
    assert_eq!(r.ok(200)["release_notes"], "Fixed a typo.");
    // Publishing without a package is refused.
    let draft = create_version(&app, tok, &aid, "3.0.0").await;
    app.post(
        &format!("/v1/apps/{aid}/versions/{}/publish", id(&draft)),
        Some(tok),
        json!({}),
    )
    .await
    .problem(409, "conflict");
    // JSON Schemas are validated.
    let r = app
        .post(
            &format!("/v1/apps/{aid}/versions"),
            Some(tok),
            json!({"version": "4.0.0", "sdk": "qiskit", "qubits": 2,
                   "input_schema": {"type": "frobnicate"}}),
        )
        .await;
    r.problem(422, "validation_failed");
    assert!(field_error(&r.body, "input_schema").is_some());
    let ok = app
        .post(
            &format!("/v1/apps/{aid}/versions"),
            Some(tok),
            json!({"version": "4.0.0", "sdk": "qiskit", "qubits": 2,
                   "input_schema": {"type": "object", "properties": {"n": {"type": "integer"}}}}),
        )
        .await;
    assert_eq!(
        ok.ok(201)["input_schema"]["properties"]["n"]["type"],
        "integer"
    );
    // On a draft, `null` removes a schema; leaving the field out keeps it.
    let vid4 = id(&ok.body);
    let r = app
        .patch(
            &format!("/v1/apps/{aid}/versions/{vid4}"),
            tok,
            json!({"release_notes": "x"}),
        )
        .await;
    assert_eq!(r.ok(200)["input_schema"]["type"], "object");
    let r = app
        .patch(
            &format!("/v1/apps/{aid}/versions/{vid4}"),
            tok,
            json!({"input_schema": null}),
        )
        .await;
    assert!(r.ok(200)["input_schema"].is_null());
}

/// Upload and download round trip byte for byte (> 8 MiB), digests,
/// conditional GET, replacement cleans the old object, an oversized upload
/// stores nothing.
async fn packages_round_trip(app: &TestApp) {
    let t = app.signup().await;
    let tok = &t.access;
    let a = create_app(
        app,
        tok,
        json!({"name": "Big", "slug": "big", "type": "circuit"}),
    )
    .await;
    let aid = id(&a);
    let v = create_version(app, tok, &aid, "1.0.0").await;
    let vid = id(&v);
    let prefix = format!("packages/{}/{aid}/{vid}", t.id);

    let first = bytes(1000, 9);
    put_package(app, tok, &aid, &vid, first).await.ok(200);
    assert_eq!(app.state.packages.count(&prefix).await.unwrap(), 1);

    let big = bytes(9 * 1024 * 1024 + 123, 11);
    let digest = sha256_hex(&big);
    let r = put_package(app, tok, &aid, &vid, big.clone()).await;
    let pkg = &r.ok(200)["package"];
    assert_eq!(pkg["size"], big.len() as i64);
    assert_eq!(pkg["sha256"], digest);
    // The replaced package's object is collected.
    let mut left = usize::MAX;
    for _ in 0..50 {
        left = app.state.packages.count(&prefix).await.unwrap();
        if left == 1 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(left, 1, "the replaced package's object was not deleted");

    let path = format!("/v1/apps/{aid}/versions/{vid}/package");
    let (status, headers, body) = get_bytes(app, Method::GET, &path, tok, None).await;
    assert_eq!(status, 200);
    assert_eq!(body.len(), big.len());
    assert!(body == big, "downloaded bytes differ");
    assert_eq!(sha256_hex(&body), digest);
    let etag = headers["etag"].to_str().unwrap().to_owned();
    assert_eq!(etag, format!("\"{digest}\""));
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(&big));
    assert_eq!(headers["repr-digest"], format!("sha-256=:{b64}:").as_str());
    assert_eq!(headers["digest"], format!("sha-256={b64}").as_str());
    let res = app
        .http
        .get(format!("{}{}", app.base, path))
        .bearer_auth(tok)
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 304);

    // Over the limit: 413, the version keeps its package, no new object.
    let limit = app.state.packages.max_bytes as usize;
    let huge = bytes(limit + 1, 13);
    let r = put_package(app, tok, &aid, &vid, huge).await;
    r.problem(413, "payload_too_large");
    // The same, streamed without a declared length (chunked).
    let stream = futures_util::stream::iter(
        (0..(limit / (1024 * 1024) + 2))
            .map(|i| Ok::<_, std::io::Error>(bytes(1024 * 1024, i as u64 + 20))),
    );
    let res = app
        .http
        .put(format!("{}{}", app.base, path))
        .bearer_auth(tok)
        .body(reqwest::Body::wrap_stream(stream))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 413);
    let after = app
        .get(&format!("/v1/apps/{aid}/versions/{vid}"), tok)
        .await;
    assert_eq!(after.ok(200)["package"]["sha256"], digest);
    assert_eq!(app.state.packages.count(&prefix).await.unwrap(), 1);

    // A new version whose only upload was too large: no row change, no object.
    let v2 = create_version(app, tok, &aid, "2.0.0").await;
    let v2id = id(&v2);
    put_package(app, tok, &aid, &v2id, bytes(limit + 10, 14))
        .await
        .problem(413, "payload_too_large");
    let v2now = app
        .get(&format!("/v1/apps/{aid}/versions/{v2id}"), tok)
        .await;
    assert!(v2now.ok(200)["package"].is_null());
    let p2 = format!("packages/{}/{aid}/{v2id}", t.id);
    assert_eq!(app.state.packages.count(&p2).await.unwrap(), 0);

    // Deleting a draft version deletes its package.
    app.delete(&format!("/v1/apps/{aid}/versions/{vid}"), tok)
        .await
        .ok(204);
    let mut left = usize::MAX;
    for _ in 0..50 {
        left = app.state.packages.count(&prefix).await.unwrap();
        if left == 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(left, 0, "a deleted version's package was left behind");
}

fn small_limit(
    mut config: qhub_core::config::Config,
    store: StoreConfig,
) -> qhub_core::config::Config {
    config.packages = PackageConfig {
        store,
        max_bytes: 12 * 1024 * 1024,
        upload_timeout: std::time::Duration::from_secs(25),
    };
    config
}

#[tokio::test]
async fn packages_round_trip_on_the_local_filesystem() {
    let dir = std::env::temp_dir().join(format!("qhub-objects-{}", Uuid::new_v4().simple()));
    let app = TestApp::spawn_with(small_limit(test_config(), StoreConfig::Local(dir))).await;
    packages_round_trip(&app).await;
}

#[tokio::test]
async fn packages_round_trip_on_s3() {
    let endpoint = common::env_or("TEST_S3_ENDPOINT", "http://127.0.0.1:9100");
    let store = StoreConfig::S3 {
        bucket: "qhub-test".into(),
        endpoint: Some(endpoint.clone()),
        region: "us-east-1".into(),
        access_key_id: Some("testing".into()),
        secret_access_key: Some("testing".into()),
    };
    let app = TestApp::spawn_with(small_limit(test_config(), store)).await;
    assert!(
        app.state.packages.count("packages").await.is_ok(),
        "no S3-compatible server at {endpoint}: run `bash scripts/s3.sh` (make test does)"
    );
    packages_round_trip(&app).await;
}

#[tokio::test]
async fn another_organization_sees_only_the_registry_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let a = app.signup().await;
    let b = app.signup().await;
    let (pub_id, pub_v, package) =
        registry_app(&app, &a, "Isolation Public", &["demo"], "Published for all").await;
    // A's other things: a draft version of the public app, a private app
    // with a published version and docs, a project.
    let draft = create_version(&app, &a.access, &pub_id, "2.0.0").await;
    let draft_id = id(&draft);
    let private = create_app(
        &app,
        &a.access,
        json!({"name": "Isolation Private", "slug": "private-one", "type": "algorithm", "license": "MIT"}),
    )
    .await;
    let priv_id = id(&private);
    let priv_v = released_version(&app, &a.access, &priv_id, "1.0.0", bytes(64, 3)).await;
    let priv_doc = app
        .post(
            &format!("/v1/apps/{priv_id}/docs"),
            Some(&a.access),
            json!({"title": "Secret", "markdown": "internal"}),
        )
        .await
        .ok(201)
        .clone();
    let pub_doc = app
        .post(
            &format!("/v1/apps/{pub_id}/docs"),
            Some(&a.access),
            json!({"title": "Guide", "markdown": "# Use it", "order": 1}),
        )
        .await
        .ok(201)
        .clone();
    let project = app
        .post(
            "/v1/projects",
            Some(&a.access),
            json!({"name": "Secret project"}),
        )
        .await
        .ok(201)
        .clone();
    let proj_id = id(&project);

    // B sees the published app and version in the registry…
    let r = app.get("/v1/registry?limit=200", &b.access).await;
    let ids: Vec<&str> = r.ok(200)["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&pub_id.as_str()));
    assert!(
        !ids.contains(&priv_id.as_str()),
        "a private app is in the registry"
    );
    let page = app.get(&format!("/v1/registry/{pub_id}"), &b.access).await;
    let page = page.ok(200);
    let versions: Vec<&str> = page["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["version"].as_str().unwrap())
        .collect();
    assert_eq!(versions, vec!["1.0.0"], "an unpublished version is visible");
    assert_eq!(page["publisher"], format!("Org {}", a.slug));
    assert_eq!(page["docs"][0]["title"], "Guide");
    assert!(page["downloads"].is_i64() && page["rating_count"] == 0);
    // …its docs through the app's docs endpoint too (visible where the app is).
    let docs = app.get(&format!("/v1/apps/{pub_id}/docs"), &b.access).await;
    assert_eq!(docs.ok(200)["items"][0]["id"], id(&pub_doc));
    // …and downloads it byte for byte.
    let (status, headers, body) = get_bytes(
        &app,
        Method::POST,
        &format!("/v1/registry/{pub_id}/download"),
        &b.access,
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert!(body == package);
    assert_eq!(
        headers["etag"].to_str().unwrap(),
        format!("\"{}\"", sha256_hex(&package))
    );

    // Everything else of A is 404 to B, for reads…
    for path in [
        format!("/v1/apps/{priv_id}"),
        format!("/v1/apps/{pub_id}"),
        format!("/v1/apps/{pub_id}/versions"),
        format!("/v1/apps/{pub_id}/versions/{draft_id}"),
        format!("/v1/apps/{pub_id}/versions/{pub_v}"),
        format!("/v1/apps/{pub_id}/versions/{pub_v}/package"),
        format!("/v1/apps/{priv_id}/versions/{priv_v}/package"),
        format!("/v1/apps/{pub_id}/metrics"),
        format!("/v1/apps/{priv_id}/metrics"),
        format!("/v1/apps/{priv_id}/docs"),
        format!("/v1/apps/{priv_id}/docs/{}", id(&priv_doc)),
        format!("/v1/projects/{proj_id}"),
        format!("/v1/registry/{priv_id}"),
        format!("/v1/registry/{priv_id}/reviews"),
    ] {
        app.get(&path, &b.access).await.problem(404, "not_found");
    }
    let projects = app.get("/v1/projects", &b.access).await;
    assert!(projects.ok(200)["items"].as_array().unwrap().is_empty());
    let apps = app.get("/v1/apps", &b.access).await;
    assert!(apps.ok(200)["items"].as_array().unwrap().is_empty());
    let (status, _, _) = get_bytes(
        &app,
        Method::POST,
        &format!("/v1/registry/{priv_id}/download"),
        &b.access,
        None,
    )
    .await;
    assert_eq!(status, 404);

    // …and for every write.
    let writes: Vec<(Method, String, Option<Value>)> = vec![
        (
            Method::PATCH,
            format!("/v1/apps/{pub_id}"),
            Some(json!({"name": "Hijacked"})),
        ),
        (Method::DELETE, format!("/v1/apps/{priv_id}"), None),
        (
            Method::POST,
            format!("/v1/apps/{pub_id}/deprecate"),
            Some(json!({})),
        ),
        (
            Method::POST,
            format!("/v1/apps/{priv_id}/publish-registry"),
            Some(json!({})),
        ),
        (
            Method::POST,
            format!("/v1/apps/{pub_id}/versions"),
            Some(json!({"version": "9.9.9", "sdk": "qiskit", "qubits": 1})),
        ),
        (
            Method::PATCH,
            format!("/v1/apps/{pub_id}/versions/{draft_id}"),
            Some(json!({"release_notes": "x"})),
        ),
        (
            Method::DELETE,
            format!("/v1/apps/{pub_id}/versions/{draft_id}"),
            None,
        ),
        (
            Method::POST,
            format!("/v1/apps/{pub_id}/versions/{pub_v}/yank"),
            Some(json!({})),
        ),
        (
            Method::POST,
            format!("/v1/apps/{pub_id}/versions/{draft_id}/publish"),
            Some(json!({})),
        ),
        (
            Method::POST,
            format!("/v1/apps/{pub_id}/docs"),
            Some(json!({"title": "Spam"})),
        ),
        (
            Method::PATCH,
            format!("/v1/apps/{pub_id}/docs/{}", id(&pub_doc)),
            Some(json!({"title": "Spam"})),
        ),
        (
            Method::DELETE,
            format!("/v1/apps/{pub_id}/docs/{}", id(&pub_doc)),
            None,
        ),
        (
            Method::PATCH,
            format!("/v1/projects/{proj_id}"),
            Some(json!({"name": "x"})),
        ),
        (Method::DELETE, format!("/v1/projects/{proj_id}"), None),
        (
            Method::POST,
            format!("/v1/projects/{proj_id}/release"),
            Some(json!({})),
        ),
    ];
    for (method, path, body) in writes {
        let r = app.call(method.clone(), &path, Some(&b.access), body).await;
        r.problem(404, "not_found");
    }
    put_package(&app, &b.access, &pub_id, &draft_id, bytes(10, 1))
        .await
        .problem(404, "not_found");

    // A's rows are as they were.
    let still = app.get(&format!("/v1/apps/{pub_id}"), &a.access).await;
    assert_eq!(still.ok(200)["name"], "Isolation Public");
    assert_eq!(still.body["status"], "published");
    let v = app
        .get(&format!("/v1/apps/{pub_id}/versions/{pub_v}"), &a.access)
        .await;
    assert_eq!(v.ok(200)["status"], "published");
    let d = app
        .get(&format!("/v1/apps/{pub_id}/versions/{draft_id}"), &a.access)
        .await;
    assert_eq!(d.ok(200)["release_notes"], "");
    assert!(d.body["package"].is_null());
    let doc = app
        .get(
            &format!("/v1/apps/{pub_id}/docs/{}", id(&pub_doc)),
            &a.access,
        )
        .await;
    assert_eq!(doc.ok(200)["title"], "Guide");
    assert_eq!(
        app.get(&format!("/v1/projects/{proj_id}"), &a.access)
            .await
            .ok(200)["name"],
        "Secret project"
    );
    assert!(
        app.get(&format!("/v1/apps/{priv_id}"), &a.access)
            .await
            .ok(200)["in_registry"]
            == false
    );
    // The counted download is A's to see; B's identity is not in it.
    let m = app
        .get(&format!("/v1/apps/{pub_id}/metrics"), &a.access)
        .await;
    assert_eq!(m.ok(200)["downloads"], 1);
    assert_eq!(m.body["views"], 1);
}

#[tokio::test]
async fn registry_policies_are_select_only() {
    let app = TestApp::spawn().await;
    let a = app.signup().await;
    let b = app.signup().await;
    let (pub_id, pub_v, _) = registry_app(&app, &a, "Policy Probe", &["probe"], "rows").await;
    let doc = app
        .post(
            &format!("/v1/apps/{pub_id}/docs"),
            Some(&a.access),
            json!({"title": "Doc"}),
        )
        .await
        .ok(201)
        .clone();
    let pub_uuid: Uuid = pub_id.parse().unwrap();
    let v_uuid: Uuid = pub_v.parse().unwrap();
    let doc_uuid: Uuid = id(&doc).parse().unwrap();

    // As the server's role, in B's context.
    let pool = common::app_pool(1).await;
    let mut tx = pool.begin().await.unwrap();
    sqlx::query("SELECT set_config('app.tenant_id', $1, true)")
        .bind(b.id.to_string())
        .execute(&mut *tx)
        .await
        .unwrap();
    let seen: i64 = sqlx::query_scalar("SELECT count(*) FROM apps WHERE id = $1")
        .bind(pub_uuid)
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    assert_eq!(seen, 1, "the registry_read policy shows the published app");
    for (sql, id) in [
        (
            "UPDATE apps SET name = 'x', downloads = 999 WHERE id = $1",
            pub_uuid,
        ),
        ("DELETE FROM apps WHERE id = $1", pub_uuid),
        (
            "UPDATE app_versions SET version = '9.9.9', package_key = 'x' WHERE id = $1",
            v_uuid,
        ),
        ("DELETE FROM app_versions WHERE id = $1", v_uuid),
        ("UPDATE app_docs SET title = 'x' WHERE id = $1", doc_uuid),
        ("DELETE FROM app_docs WHERE id = $1", doc_uuid),
    ] {
        let n = sqlx::query(sql)
            .bind(id)
            .execute(&mut *tx)
            .await
            .unwrap()
            .rows_affected();
        assert_eq!(n, 0, "{sql} affected {n} rows of another tenant");
    }
    // Inserting a row for A (a version of A's app) is refused by WITH CHECK.
    let r = sqlx::query(
        "INSERT INTO app_versions (id, tenant_id, app_id, version, sdk, qubits, created_by)
         VALUES ($1, $2, $3, '7.0.0', 'qiskit', 1, $4)",
    )
    .bind(Uuid::now_v7())
    .bind(a.id)
    .bind(pub_uuid)
    .bind(a.owner_id)
    .execute(&mut *tx)
    .await;
    assert!(r.is_err(), "a row for another tenant was inserted");
    tx.rollback().await.unwrap();

    // And nothing of A's changed.
    let got = app.get(&format!("/v1/apps/{pub_id}"), &a.access).await;
    assert_eq!(got.ok(200)["name"], "Policy Probe");
    assert_eq!(got.body["downloads"], 0);
}

#[tokio::test]
async fn two_hundred_concurrent_downloads_count_exactly() {
    let app = TestApp::spawn().await;
    let a = app.signup().await;
    let b = app.signup().await;
    let (pub_id, pub_v, package) =
        registry_app(&app, &a, "Popular Download", &["popular"], "many").await;
    let digest = sha256_hex(&package);
    let mut set = tokio::task::JoinSet::new();
    for i in 0..200 {
        let req = app
            .http
            .post(format!("{}/v1/registry/{pub_id}/download", app.base))
            .bearer_auth(&b.access);
        // Half name the version, half take the latest.
        let req = if i % 2 == 0 {
            req.json(&json!({"version": "1.0.0"}))
        } else {
            req
        };
        set.spawn(async move {
            let res = req.send().await.unwrap();
            let status = res.status().as_u16();
            let body = res.bytes().await.unwrap();
            (status, sha256_hex(&body))
        });
    }
    let results = set.join_all().await;
    assert!(results.iter().all(|(s, d)| *s == 200 && *d == digest));
    let page = app.get(&format!("/v1/registry/{pub_id}"), &b.access).await;
    assert_eq!(page.ok(200)["downloads"], 200);
    assert_eq!(page.body["versions"][0]["downloads"], 200);
    let m = app
        .get(&format!("/v1/apps/{pub_id}/metrics"), &a.access)
        .await;
    let days = m.ok(200)["days"].as_array().unwrap();
    let total: i64 = days.iter().map(|d| d["downloads"].as_i64().unwrap()).sum();
    assert_eq!(total, 200);
    assert_eq!(m.body["downloads"], 200);
    let v = app
        .get(&format!("/v1/apps/{pub_id}/versions/{pub_v}"), &a.access)
        .await;
    assert_eq!(v.ok(200)["downloads"], 200);
    // The same downloads reach ClickHouse as the publisher's usage (a time
    // series for its owner), and nothing of them is B's usage.
    let from = (chrono::Utc::now() - chrono::Duration::hours(1)).to_rfc3339();
    let to = (chrono::Utc::now() + chrono::Duration::hours(1)).to_rfc3339();
    let enc = |s: &str| s.replace('+', "%2B").replace(':', "%3A");
    let url = format!(
        "/v1/usage/summary?kind=app.download&from={}&to={}",
        enc(&from),
        enc(&to)
    );
    let mut events = 0;
    for _ in 0..100 {
        events = app.get(&url, &a.access).await.ok(200)["events"]
            .as_u64()
            .unwrap();
        if events >= 200 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(events, 200, "downloads in ClickHouse");
    assert_eq!(app.get(&url, &b.access).await.ok(200)["events"], 0);
    // A yanked version is not downloadable; an unknown one is 404.
    app.post(
        &format!("/v1/apps/{pub_id}/versions/{pub_v}/yank"),
        Some(&a.access),
        json!({}),
    )
    .await
    .ok(200);
    let r = app
        .post(
            &format!("/v1/registry/{pub_id}/download"),
            Some(&b.access),
            json!({"version": "1.0.0"}),
        )
        .await;
    r.problem(404, "not_found");
    assert!(r.body["detail"].as_str().unwrap().contains("yanked"));
    app.post(
        &format!("/v1/registry/{pub_id}/download"),
        Some(&b.access),
        json!({"version": "3.1.4"}),
    )
    .await
    .problem(404, "not_found");
    app.post(
        &format!("/v1/registry/{pub_id}/download"),
        Some(&b.access),
        json!({"version": "not semver"}),
    )
    .await
    .problem(422, "validation_failed");
}

#[tokio::test]
async fn fifty_concurrent_reviews_keep_average_and_count_exact() {
    let app = TestApp::spawn().await;
    let a = app.signup().await;
    let b = app.signup().await;
    let c = app.signup().await;
    let (pub_id, _, _) = registry_app(&app, &a, "Reviewed App", &["reviews"], "rate me").await;
    let path = format!("/v1/registry/{pub_id}/reviews");
    let review = |r: i64| json!({"rating": r, "title": "Works", "content": "Ran it on 5 qubits."});

    // Before downloading: refused. The publisher: refused.
    app.post(&path, Some(&b.access), review(5))
        .await
        .problem(403, "forbidden");
    let own = app.post(&path, Some(&a.access), review(5)).await;
    own.problem(403, "forbidden");
    app.post(
        &format!("/v1/registry/{pub_id}/download"),
        Some(&b.access),
        json!({}),
    )
    .await;

    // Fifty users of B review at once.
    let mut tokens = Vec::new();
    for _ in 0..50 {
        tokens.push(app.user_with_role(&b, "developer").await.1);
    }
    let mut set = tokio::task::JoinSet::new();
    let mut expected_sum = 0;
    for (i, tok) in tokens.iter().enumerate() {
        let rating = (i % 5) as i64 + 1;
        expected_sum += rating;
        let req = app
            .http
            .post(format!("{}{}", app.base, path))
            .bearer_auth(tok)
            .json(&review(rating));
        set.spawn(async move { req.send().await.unwrap().status().as_u16() });
    }
    let statuses = set.join_all().await;
    assert!(statuses.iter().all(|s| *s == 201), "{statuses:?}");
    let page = app.get(&format!("/v1/registry/{pub_id}"), &c.access).await;
    assert_eq!(page.ok(200)["rating_count"], 50);
    let avg = page.body["rating_average"].as_f64().unwrap();
    assert!((avg - expected_sum as f64 / 50.0).abs() < 1e-9, "{avg}");

    // A second review by the same user is 409, even concurrently.
    let dup = app.many(5, &path, Some(&tokens[0]), review(1)).await;
    assert!(dup.iter().all(|r| r.status.as_u16() == 409));
    // C (never downloaded) reads the reviews but cannot write one.
    let list = app.get(&format!("{path}?limit=200"), &c.access).await;
    assert_eq!(list.ok(200)["items"].as_array().unwrap().len(), 50);
    assert!(list.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["mine"] == false));
    app.post(&path, Some(&c.access), review(1))
        .await
        .problem(403, "forbidden");

    // Change and delete one's own review; the aggregate follows exactly.
    let mine = app.get(&format!("{path}?limit=200"), &tokens[0]).await;
    let my = mine.ok(200)["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["mine"] == true)
        .unwrap()
        .clone();
    let my_id = id(&my);
    let before = my["rating"].as_i64().unwrap();
    app.patch(&format!("{path}/{my_id}"), &tokens[0], json!({"rating": 5}))
        .await
        .ok(200);
    // Someone else's review: not theirs to change.
    app.patch(&format!("{path}/{my_id}"), &tokens[1], json!({"rating": 1}))
        .await
        .problem(404, "not_found");
    app.delete(&format!("{path}/{my_id}"), &c.access)
        .await
        .problem(404, "not_found");
    let page = app.get(&format!("/v1/registry/{pub_id}"), &c.access).await;
    let sum = expected_sum - before + 5;
    assert!(
        (page.ok(200)["rating_average"].as_f64().unwrap()
            - ((sum as f64 / 50.0 * 100.0).round() / 100.0))
            .abs()
            < 1e-9
    );
    app.delete(&format!("{path}/{my_id}"), &tokens[0])
        .await
        .ok(204);
    let page = app.get(&format!("/v1/registry/{pub_id}"), &c.access).await;
    assert_eq!(page.ok(200)["rating_count"], 49);
    assert!(!app.audit(&b, "review.created").await.is_empty());
}

#[tokio::test]
async fn registry_search_ranks_relevant_apps_first_and_forgives_typos() {
    let app = TestApp::spawn().await;
    let a = app.signup().await;
    let b = app.signup().await;
    let marker = unique("zq").replace('-', "");
    // The one that names it, one tagged with it, one that only mentions it.
    let (by_name, _, _) = registry_app(
        &app,
        &a,
        &format!("Teleportation {marker}"),
        &["networking"],
        "Moves a qubit's state.",
    )
    .await;
    let (by_tag, _, _) = registry_app(
        &app,
        &a,
        &format!("Entanglement Swapper {marker}"),
        &["teleportation"],
        "Swaps entanglement between pairs.",
    )
    .await;
    let (by_text, _, _) = registry_app(
        &app,
        &a,
        &format!("Repeater Toolkit {marker}"),
        &["networking"],
        "Uses teleportation internally for relaying.",
    )
    .await;
    // A few dozen others.
    let topics = [
        "grover",
        "shor",
        "qaoa",
        "vqe",
        "hhl",
        "qft",
        "bernstein",
        "deutsch",
    ];
    for i in 0..28 {
        let topic = topics[i % topics.len()];
        registry_app(
            &app,
            &a,
            &format!("{topic} variant {i} {marker}"),
            &[topic],
            &format!("An implementation of {topic}."),
        )
        .await;
    }
    let search = |q: String| {
        let app = &app;
        let tok = b.access.clone();
        async move {
            let r = app
                .get(&format!("/v1/registry?limit=200&q={}", q), &tok)
                .await;
            r.ok(200)["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i["id"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        }
    };
    let hits = search(format!("teleportation%20{marker}")).await;
    assert_eq!(hits.len(), 3, "{hits:?}");
    assert_eq!(hits, vec![by_name.clone(), by_tag.clone(), by_text.clone()]);
    // Misspelled: trigram similarity finds it by name and tag.
    let hits = search("teleportaton".into()).await;
    assert!(hits.contains(&by_name), "typo missed: {hits:?}");
    // Filters and sorts.
    let r = app
        .get(
            &format!("/v1/registry?q={marker}&tag=grover&limit=200"),
            &b.access,
        )
        .await;
    assert_eq!(r.ok(200)["items"].as_array().unwrap().len(), 4);
    let r = app
        .get(&format!("/v1/registry?q={marker}&type=library"), &b.access)
        .await;
    assert!(r.ok(200)["items"].as_array().unwrap().is_empty());
    let r = app
        .get(
            &format!("/v1/registry?q={marker}&sdk=openqasm2&license=MIT&limit=10"),
            &b.access,
        )
        .await;
    assert_eq!(r.ok(200)["items"].as_array().unwrap().len(), 10);
    let cursor = r.body["next_cursor"].as_str().unwrap().to_owned();
    let next = app
        .get(
            &format!("/v1/registry?q={marker}&sdk=openqasm2&license=MIT&limit=10&cursor={cursor}"),
            &b.access,
        )
        .await;
    let first: Vec<&str> = r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap())
        .collect();
    assert!(next.ok(200)["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|i| !first.contains(&i["id"].as_str().unwrap())));
    // Sort by downloads: the downloaded one first.
    app.post(
        &format!("/v1/registry/{by_text}/download"),
        Some(&b.access),
        json!({}),
    )
    .await;
    let r = app
        .get(
            &format!("/v1/registry?q={marker}&sort=downloads&limit=1"),
            &b.access,
        )
        .await;
    assert_eq!(r.ok(200)["items"][0]["id"], by_text);
    // Bad input is 422.
    for q in [
        "sort=best",
        "cursor=c1abc",
        "tag=Bad%20Tag",
        "license=nope",
        "limit=0",
        "q=%00",
    ] {
        app.get(&format!("/v1/registry?{q}"), &b.access)
            .await
            .problem(422, "validation_failed");
    }
}

#[tokio::test]
async fn bad_input_is_refused_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let t = app.signup().await;
    let tok = &t.access;
    let cases = [
        (
            json!({"name": "a\u{0}b", "slug": "nul-app", "type": "algorithm"}),
            "body",
        ),
        (
            json!({"name": "x", "slug": "Bad Slug", "type": "algorithm"}),
            "slug",
        ),
        (
            json!({"name": "x", "slug": "tags-app", "type": "algorithm", "tags": (0..11).map(|i| format!("t{i}")).collect::<Vec<_>>()}),
            "tags",
        ),
        (
            json!({"name": "x", "slug": "lic-app", "type": "algorithm", "license": "GPL-9"}),
            "license",
        ),
        (
            json!({"name": "x", "slug": "url-app", "type": "algorithm", "repository_url": "javascript:alert(1)"}),
            "repository_url",
        ),
        (
            json!({"name": "x", "slug": "ctl-app", "type": "algorithm", "description": "a\u{7}b"}),
            "description",
        ),
        (
            json!({"name": "x", "slug": "rtl-app", "type": "algorithm", "readme": "x\u{202E}y"}),
            "readme",
        ),
        (
            json!({"name": "\u{200B}", "slug": "inv-app", "type": "algorithm"}),
            "name",
        ),
    ];
    for (body, field) in cases {
        let r = app.post("/v1/apps", Some(tok), body.clone()).await;
        r.problem(422, "validation_failed");
        assert!(field_error(&r.body, field).is_some(), "{body}: {}", r.body);
    }
    app.post(
        "/v1/apps",
        Some(tok),
        json!({"name": "x", "slug": "ty", "type": "quantum"}),
    )
    .await
    .problem(422, "validation_failed");
    let r = app.get("/v1/apps", tok).await;
    assert!(
        r.ok(200)["items"].as_array().unwrap().is_empty(),
        "a bad create left a row"
    );

    let a = create_app(
        &app,
        tok,
        json!({"name": "Ok", "slug": "ok-app", "type": "algorithm"}),
    )
    .await;
    let aid = id(&a);
    for body in [
        json!({"version": "1.0.0", "sdk": "qiskit", "qubits": 0}),
        json!({"version": "1.0.0", "sdk": "qiskit", "qubits": 2_147_483_647i64}),
        json!({"version": "1.0.0", "sdk": "qiskit", "qubits": 99999999999i64}),
        json!({"version": "1.0.0", "sdk": "fortran", "qubits": 1}),
        json!({"version": "1.0.0", "sdk": "qiskit", "qubits": 1, "output_schema": 42}),
        json!({"version": "1.0.0", "sdk": "qiskit", "qubits": 1, "release_notes": "x".repeat(20_001)}),
    ] {
        let r = app
            .post(&format!("/v1/apps/{aid}/versions"), Some(tok), body.clone())
            .await;
        assert_eq!(r.status.as_u16(), 422, "{body}: {}", r.body);
    }
    // Deeply nested schema: refused as JSON, not a crash.
    let deep = format!(
        "{{\"version\":\"1.0.0\",\"sdk\":\"qiskit\",\"qubits\":1,\"input_schema\":{}{}}}",
        "{\"not\":".repeat(200),
        "{}".to_owned() + &"}".repeat(200)
    );
    let r = app
        .raw(
            Method::POST,
            &format!("/v1/apps/{aid}/versions"),
            Some(tok),
            Some("application/json"),
            deep,
        )
        .await;
    assert!(matches!(r.status.as_u16(), 400 | 422), "{}", r.status);
    let vs = app.get(&format!("/v1/apps/{aid}/versions"), tok).await;
    assert!(vs.ok(200)["items"].as_array().unwrap().is_empty());

    // PATCH with null or nothing.
    app.patch(&format!("/v1/apps/{aid}"), tok, json!({"name": null}))
        .await
        .problem(422, "validation_failed");
    app.patch(&format!("/v1/apps/{aid}"), tok, json!({}))
        .await
        .problem(422, "validation_failed");
    // Made-up ids and a malformed one.
    app.get(&format!("/v1/apps/{}", Uuid::now_v7()), tok)
        .await
        .problem(404, "not_found");
    app.get("/v1/apps/not-a-uuid", tok)
        .await
        .problem(400, "bad_request");
    // Review text rules and ratings out of range.
    let r = app
        .post(
            &format!("/v1/registry/{aid}/reviews"),
            Some(tok),
            json!({"rating": 6, "title": "x"}),
        )
        .await;
    r.problem(422, "validation_failed");
    // Metrics ranges.
    app.get(
        &format!("/v1/apps/{aid}/metrics?from=2026-01-10&to=2026-01-01"),
        tok,
    )
    .await
    .problem(422, "validation_failed");
    app.get(
        &format!("/v1/apps/{aid}/metrics?from=2020-01-01&to=2026-01-01"),
        tok,
    )
    .await
    .problem(422, "validation_failed");
    for q in [
        "to=-262143-01-01",
        "from=-5000-01-01&to=-5000-01-02",
        "from=2999-01-01",
    ] {
        app.get(&format!("/v1/apps/{aid}/metrics?{q}"), tok)
            .await
            .problem(422, "validation_failed");
    }
    app.get(&format!("/v1/apps/{aid}/metrics?from=99999-01-01"), tok)
        .await
        .problem(422, "validation_failed");
    let ok = app
        .get(
            &format!("/v1/apps/{aid}/metrics?from=2026-01-01&to=2026-01-07"),
            tok,
        )
        .await;
    assert_eq!(ok.ok(200)["days"].as_array().unwrap().len(), 7);
}

#[tokio::test]
async fn publishing_to_the_registry_needs_public_license_and_a_published_version() {
    let app = TestApp::spawn().await;
    let t = app.signup().await;
    let (_, dev, _) = app.user_with_role(&t, "developer").await;
    let a = create_app(
        &app,
        &dev,
        json!({"name": "Gate", "slug": "gate", "type": "circuit"}),
    )
    .await;
    let aid = id(&a);
    let r = app
        .post(
            &format!("/v1/apps/{aid}/publish-registry"),
            Some(&t.access),
            json!({}),
        )
        .await;
    r.problem(409, "conflict");
    let detail = r.body["detail"].as_str().unwrap();
    assert!(
        detail.contains("public") && detail.contains("license") && detail.contains("version"),
        "{detail}"
    );
    app.patch(
        &format!("/v1/apps/{aid}"),
        &dev,
        json!({"visibility": "public", "license": "Apache-2.0"}),
    )
    .await
    .ok(200);
    released_version(&app, &dev, &aid, "0.1.0", bytes(1, 1)).await;
    // Developers cannot publish to the registry; admins and owners can.
    app.post(
        &format!("/v1/apps/{aid}/publish-registry"),
        Some(&dev),
        json!({}),
    )
    .await
    .problem(403, "forbidden");
    let (_, key) = app.api_key(&t.access, &["apps:read", "apps:write"]).await;
    app.with_key(
        Method::POST,
        &format!("/v1/apps/{aid}/publish-registry"),
        &key,
        Some(json!({})),
    )
    .await
    .problem(403, "forbidden");
    let (_, key) = app.api_key(&t.access, &["registry:publish"]).await;
    let r = app
        .with_key(
            Method::POST,
            &format!("/v1/apps/{aid}/publish-registry"),
            &key,
            Some(json!({})),
        )
        .await;
    assert_eq!(r.ok(200)["in_registry"], true);
    assert!(!app.audit(&t, "app.registry_published").await.is_empty());
    // Clearing the license of a registry app is refused; going private
    // takes it out of the registry.
    app.patch(&format!("/v1/apps/{aid}"), &dev, json!({"license": ""}))
        .await
        .problem(409, "conflict");
    let other = app.signup().await;
    app.get(&format!("/v1/registry/{aid}"), &other.access)
        .await
        .ok(200);
    let r = app
        .patch(
            &format!("/v1/apps/{aid}"),
            &dev,
            json!({"visibility": "private"}),
        )
        .await;
    assert_eq!(r.ok(200)["in_registry"], false);
    app.get(&format!("/v1/registry/{aid}"), &other.access)
        .await
        .problem(404, "not_found");
    // Public again is not back in the registry: that takes publish-registry
    // (and its scope) again, whatever a developer patches.
    let r = app
        .patch(
            &format!("/v1/apps/{aid}"),
            &dev,
            json!({"visibility": "public", "license": ""}),
        )
        .await;
    assert_eq!(r.ok(200)["in_registry"], false);
    assert!(r.body["license"].is_null());
    app.get(&format!("/v1/registry/{aid}"), &other.access)
        .await
        .problem(404, "not_found");
}

/// Peak resident memory (VmHWM) of a process, in KiB.
fn peak_rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

/// Uploads and downloads stream: the server's peak memory grows by far
/// less than the package when a 160 MiB package goes in and out (measured
/// on the real binary, with its own allocator).
#[tokio::test]
async fn server_memory_does_not_grow_with_package_size() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let dir = std::env::temp_dir().join(format!("qhub-objects-{}", Uuid::new_v4().simple()));
    let mut child = common::qhub_command(port)
        .env("OBJECT_STORE", format!("file:{}", dir.display()))
        .env("PACKAGE_MAX_BYTES", (256u64 * 1024 * 1024).to_string())
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("spawn qhub");
    let pid = child.id();
    let app = TestApp {
        base: format!("http://127.0.0.1:{port}"),
        http: reqwest::Client::new(),
        state: TestApp::spawn().await.state,
    };
    for _ in 0..200 {
        if app
            .http
            .get(format!("{}/health/live", app.base))
            .send()
            .await
            .is_ok()
        {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let t = app.signup().await;
    let a = create_app(
        &app,
        &t.access,
        json!({"name": "Mem", "slug": "mem", "type": "circuit"}),
    )
    .await;
    let aid = id(&a);
    let small = create_version(&app, &t.access, &aid, "1.0.0").await;
    let large = create_version(&app, &t.access, &aid, "2.0.0").await;

    // Warm up every path with a small package first.
    put_package(&app, &t.access, &aid, &id(&small), bytes(1024 * 1024, 1))
        .await
        .ok(200);
    let path = format!("/v1/apps/{aid}/versions/{}/package", id(&small));
    let (status, _, _) = get_bytes(&app, Method::GET, &path, &t.access, None).await;
    assert_eq!(status, 200);
    let before = peak_rss_kib(pid);

    // 160 MiB in, generated as it is sent (the test holds no copy either).
    const MIB: usize = 1024 * 1024;
    let chunks = 160;
    let mut hasher = Sha256::new();
    for i in 0..chunks {
        hasher.update(bytes(MIB, 1000 + i as u64));
    }
    let digest = hex::encode(hasher.finalize());
    let stream = futures_util::stream::iter(
        (0..chunks).map(|i| Ok::<_, std::io::Error>(bytes(MIB, 1000 + i as u64))),
    );
    let res = app
        .http
        .put(format!(
            "{}/v1/apps/{aid}/versions/{}/package",
            app.base,
            id(&large)
        ))
        .bearer_auth(&t.access)
        .body(reqwest::Body::wrap_stream(stream))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let v: Value = res.json().await.unwrap();
    assert_eq!(v["package"]["sha256"], digest);
    assert_eq!(v["package"]["size"], (chunks * MIB) as i64);

    // And 160 MiB out, hashed as it arrives.
    let mut res = app
        .http
        .get(format!(
            "{}/v1/apps/{aid}/versions/{}/package",
            app.base,
            id(&large)
        ))
        .bearer_auth(&t.access)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let mut hasher = Sha256::new();
    while let Some(chunk) = res.chunk().await.unwrap() {
        hasher.update(&chunk);
    }
    assert_eq!(hex::encode(hasher.finalize()), digest);

    let after = peak_rss_kib(pid);
    let _ = child.kill();
    let _ = child.wait();
    let grown_mib = after.saturating_sub(before) / 1024;
    println!(
        "peak RSS before {before} KiB, after {after} KiB: +{grown_mib} MiB for a 160 MiB package"
    );
    assert!(
        grown_mib < 40,
        "the server's peak memory grew by {grown_mib} MiB for a 160 MiB package"
    );
}

/// An organization's apps and projects and an app's versions are capped;
/// at the cap a create is a 409 and adds nothing.
#[tokio::test]
async fn creates_stop_at_the_limits() {
    let app = TestApp::spawn().await;
    let t = app.signup().await;
    let a = create_app(
        &app,
        &t.access,
        json!({"name": "Cap", "slug": "cap", "type": "library"}),
    )
    .await;
    let aid: Uuid = id(&a).parse().unwrap();
    // Fill up to the caps directly (as the owner role, in the tenant's context).
    let pool = common::owner_pool().await;
    let mut tx = pool.begin().await.unwrap();
    sqlx::query("SELECT set_config('app.tenant_id', $1, true)")
        .bind(t.id.to_string())
        .execute(&mut *tx)
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO app_versions (id, tenant_id, app_id, version, sdk, qubits, created_by)
         SELECT gen_random_uuid(), $1, $2, '0.0.' || i, 'qiskit', 1, $3 FROM generate_series(1, 1000) i",
    )
    .bind(t.id)
    .bind(aid)
    .bind(t.owner_id)
    .execute(&mut *tx)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO apps (id, tenant_id, name, slug, app_type, created_by)
         SELECT gen_random_uuid(), $1, 'Filler ' || i, 'filler-' || i, 'library', $2
         FROM generate_series(1, 999) i",
    )
    .bind(t.id)
    .bind(t.owner_id)
    .execute(&mut *tx)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO projects (id, tenant_id, name, created_by)
         SELECT gen_random_uuid(), $1, 'Filler ' || i, $2 FROM generate_series(1, 1000) i",
    )
    .bind(t.id)
    .bind(t.owner_id)
    .execute(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();

    let r = app
        .post(
            &format!("/v1/apps/{aid}/versions"),
            Some(&t.access),
            json!({"version": "9.0.0", "sdk": "qiskit", "qubits": 1}),
        )
        .await;
    r.problem(409, "conflict");
    assert!(r.body["detail"].as_str().unwrap().contains("1000 versions"));
    let r = app
        .post(
            "/v1/apps",
            Some(&t.access),
            json!({"name": "One more", "slug": "one-more", "type": "library"}),
        )
        .await;
    r.problem(409, "conflict");
    assert!(r.body["detail"].as_str().unwrap().contains("1000 apps"));
    let r = app
        .post("/v1/projects", Some(&t.access), json!({"name": "One more"}))
        .await;
    r.problem(409, "conflict");
    assert!(r.body["detail"].as_str().unwrap().contains("1000 projects"));
    // Nothing was added.
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM apps WHERE slug = 'one-more'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(n, 0);
}

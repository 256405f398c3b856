//! The committed `openapi.yaml` is the generated document, and the document
//! is complete: every operation has an operationId, a tag, security and its
//! error responses.

mod common;

use std::collections::HashSet;

use serde_json::{json, Value};

fn spec_json() -> Value {
    serde_json::to_value(qhub_core::openapi::spec()).unwrap()
}

#[test]
fn committed_openapi_yaml_matches_the_code() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../openapi.yaml");
    let committed = std::fs::read_to_string(path).expect("openapi.yaml at the repository root");
    let generated = qhub_core::openapi::to_yaml().unwrap();
    assert!(
        committed == generated,
        "openapi.yaml is stale: run `make openapi` and commit the result"
    );
}

#[test]
fn every_operation_is_fully_described() {
    let spec = spec_json();
    assert_eq!(spec["openapi"], "3.1.0");
    assert!(spec["components"]["securitySchemes"]["bearerAuth"].is_object());
    assert!(spec["components"]["schemas"]["Problem"].is_object());
    let mut ids = HashSet::new();
    let mut count = 0;
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            count += 1;
            let id = op["operationId"].as_str().unwrap_or_default();
            assert!(!id.is_empty(), "{method} {path}: no operationId");
            assert!(ids.insert(id.to_owned()), "duplicate operationId {id}");
            assert!(
                op["tags"].as_array().is_some_and(|t| !t.is_empty()),
                "{method} {path}: no tag"
            );
            let security = op["security"].as_array().unwrap_or_else(|| {
                panic!("{method} {path}: no security requirement (use security(()) for public)")
            });
            let responses = op["responses"].as_object().unwrap();
            assert!(responses.contains_key("500"), "{method} {path}: no 500");
            // Public operations say `security: []`, not `[{}]`, which client
            // generators read as "needs credentials".
            let public = security.is_empty();
            assert!(
                public
                    || security
                        .iter()
                        .all(|s| s.as_object().is_some_and(|o| !o.is_empty())),
                "{method} {path}: mixes public and secured requirements"
            );
            if !public {
                assert!(responses.contains_key("401"), "{method} {path}: no 401");
                assert!(responses.contains_key("403"), "{method} {path}: no 403");
            }
            if path.contains('{') {
                assert!(responses.contains_key("404"), "{method} {path}: no 404");
            }
            if op.get("requestBody").is_some() {
                assert!(responses.contains_key("422"), "{method} {path}: no 422");
                assert!(responses.contains_key("400"), "{method} {path}: no 400");
            }
            let success = responses.keys().any(|k| k.starts_with('2'));
            assert!(success, "{method} {path}: no success response");
        }
    }
    assert!(count >= 15, "only {count} operations");

    // Statuses specific to one operation, beyond what the rules above imply.
    let expected: &[(&str, &str, &[&str])] = &[
        ("/v1/tenants", "post", &["201", "409", "422"]),
        ("/v1/auth/login", "post", &["200", "401", "422"]),
        ("/v1/auth/refresh", "post", &["200", "401", "422"]),
        ("/v1/auth/logout", "post", &["204", "401"]),
        ("/v1/users", "post", &["201", "403", "409", "422"]),
        (
            "/v1/users/{id}",
            "patch",
            &["200", "403", "404", "409", "422"],
        ),
        ("/v1/users/{id}", "delete", &["204", "403", "404", "409"]),
        ("/v1/auth/sessions/{id}", "delete", &["204", "404"]),
        ("/health/ready", "get", &["200", "503"]),
        ("/v1/api-keys", "post", &["201", "403", "409", "422", "429"]),
        ("/v1/invitations", "post", &["201", "403", "409", "422"]),
        (
            "/v1/invitations/accept",
            "post",
            &["201", "404", "409", "422", "429"],
        ),
        ("/v1/auth/password-reset", "post", &["202", "422", "429"]),
        (
            "/v1/auth/password-reset/confirm",
            "post",
            &["204", "404", "422"],
        ),
        ("/v1/auth/verify-email", "post", &["204", "404"]),
        ("/v1/audit-events", "get", &["200", "403", "422"]),
    ];
    for (path, method, statuses) in expected {
        let responses = spec["paths"][path][method]["responses"]
            .as_object()
            .unwrap_or_else(|| panic!("{method} {path} missing"));
        for s in *statuses {
            assert!(responses.contains_key(*s), "{method} {path}: no {s}");
        }
    }
}

#[tokio::test]
async fn served_documents_match() {
    let app = common::TestApp::spawn().await;
    let json: Value = app
        .http
        .get(format!("{}/openapi.json", app.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(json, spec_json());
    let yaml = app
        .http
        .get(format!("{}/openapi.yaml", app.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(yaml, qhub_core::openapi::to_yaml().unwrap());
    let parsed: Value = serde_yaml::from_str(&yaml).unwrap();
    assert_eq!(parsed["info"]["title"], "QHub API");
}

/// Operations that accept API keys name the scope a key needs, the same for
/// `Authorization: Bearer` and `X-API-Key`; the others need a user session.
#[test]
fn api_key_scopes_are_documented_per_operation() {
    let spec = spec_json();
    assert_eq!(
        spec["components"]["securitySchemes"]["apiKeyAuth"]["name"],
        "x-api-key"
    );
    let scope_names: Vec<&str> = spec["components"]["schemas"]["Scope"]["enum"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    assert_eq!(
        scope_names,
        [
            "users:read",
            "users:write",
            "apps:read",
            "apps:write",
            "registry:publish",
            "jobs:read",
            "jobs:write",
            "usage:read",
            "admin",
            "subscriptions:read",
            "subscriptions:write",
            "billing:read"
        ]
    );
    let scopes_of = |path: &str, method: &str| -> Option<Vec<String>> {
        let sec = spec["paths"][path][method]["security"].as_array().unwrap();
        let bearer = sec.iter().find_map(|s| s.get("bearerAuth"))?;
        let key = sec.iter().find_map(|s| s.get("apiKeyAuth"));
        let bearer: Vec<String> = serde_json::from_value(bearer.clone()).unwrap();
        match key {
            Some(k) => assert_eq!(k, &json!(bearer), "{method} {path}"),
            None => assert!(
                bearer.is_empty(),
                "{method} {path}: scopes but no apiKeyAuth"
            ),
        }
        for s in &bearer {
            assert!(
                scope_names.contains(&s.as_str()),
                "{method} {path}: unknown scope {s}"
            );
        }
        Some(bearer)
    };
    for (path, item) in spec["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            scopes_of(path, method);
        }
    }
    let expect = |path: &str, method: &str, scopes: &[&str]| {
        assert_eq!(
            scopes_of(path, method),
            Some(scopes.iter().map(|s| s.to_string()).collect::<Vec<_>>()),
            "{method} {path}"
        );
    };
    expect("/v1/users", "get", &["users:read"]);
    expect("/v1/users", "post", &["users:write"]);
    expect("/v1/users/{id}", "delete", &["users:write"]);
    expect("/v1/invitations", "post", &["users:write"]);
    expect("/v1/audit-events", "get", &["admin"]);
    expect("/v1/tenant", "patch", &["admin"]);
    // Session only.
    expect("/v1/api-keys", "post", &[]);
    expect("/v1/auth/me", "get", &[]);
}

/// The spec's `AuditAction` enum is exactly the list the server writes.
#[test]
fn every_audit_action_is_documented() {
    let spec = spec_json();
    let listed: Vec<&str> = spec["components"]["schemas"]["AuditAction"]["enum"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(listed, qhub_core::audit::ACTIONS);
    // Independently of that list: every action the code records, read off
    // the source (each is the literal first argument of `Event::new`).
    let mut recorded = std::collections::BTreeSet::new();
    let mut dirs = vec![std::path::PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/src"
    ))];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                for call in text.split("Event::new(").skip(1) {
                    let arg = call.trim_start();
                    if let Some(rest) = arg.strip_prefix('"') {
                        recorded.insert(rest.split('"').next().unwrap().to_owned());
                    } else {
                        panic!(
                            "{}: Event::new with a non-literal action; keep actions literal so this test sees them",
                            path.display()
                        );
                    }
                }
            }
        }
    }
    let listed: std::collections::BTreeSet<String> =
        listed.iter().map(|s| (*s).to_owned()).collect();
    assert_eq!(
        recorded, listed,
        "actions recorded in the code vs the documented list"
    );
}

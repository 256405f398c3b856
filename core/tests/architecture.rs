//! The layout rules of `docs/architecture.md`, checked on the source:
//! - an HTTP module (`<area>/http.rs`, `<area>/http/*.rs`) never imports
//!   another HTTP module, of its own area or another's;
//! - nothing but the composition root (`api.rs`) names an area's HTTP
//!   module; the platform and the areas' other modules never do;
//! - transactions begin only in `platform/tenancy.rs`, and only the
//!   `TenantCtx` extractor begins one as a principal.

use std::path::{Path, PathBuf};

fn sources() -> Vec<(String, String)> {
    let root = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/src"));
    let mut out = Vec::new();
    let mut dirs = vec![root.clone()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let rel = path
                    .strip_prefix(&root)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/");
                out.push((rel, std::fs::read_to_string(&path).unwrap()));
            }
        }
    }
    out.sort();
    out
}

fn is_http(rel: &str) -> bool {
    rel.ends_with("/http.rs") || rel.contains("/http/")
}

/// The code, without comments (rules are about imports, not prose).
fn code(text: &str) -> String {
    text.lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Names an area's HTTP module: `crate::<area>::http` (or `qhub_core::…`).
fn names_http_module(text: &str) -> Option<String> {
    let re_hits: Vec<String> = text
        .match_indices("::http")
        .filter_map(|(i, _)| {
            let before = &text[..i];
            let start = before.rfind(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))?;
            let path = &text[start + 1..i + "::http".len()];
            let after = text[i + "::http".len()..].chars().next();
            (after.is_none_or(|c| !(c.is_alphanumeric() || c == '_'))
                && (path.starts_with("crate::") || path.starts_with("super::")))
            .then(|| path.to_owned())
        })
        .collect();
    re_hits.into_iter().next()
}

#[test]
fn http_modules_never_import_one_another() {
    let files = sources();
    let http: Vec<&(String, String)> = files.iter().filter(|(r, _)| is_http(r)).collect();
    assert!(http.len() >= 10, "only {} HTTP modules found", http.len());
    for (rel, text) in http {
        let code = code(text);
        if rel.ends_with("/http/mod.rs") {
            // An area's route list names its own handler modules.
            continue;
        }
        if let Some(path) = names_http_module(&code) {
            panic!(
                "{rel} imports the HTTP module {path}; share code through the area's own modules"
            );
        }
        for line in code.lines().filter(|l| l.contains("super::")) {
            let t = line.trim();
            assert!(
                t == "use super::*;",
                "{rel}: `{t}` reaches a sibling HTTP module through super::"
            );
        }
    }
}

#[test]
fn only_the_composition_root_names_http_modules() {
    for (rel, text) in sources() {
        if rel == "api.rs" || is_http(&rel) {
            continue;
        }
        if let Some(path) = names_http_module(&code(&text)) {
            panic!("{rel} names the HTTP module {path}: only api.rs composes routes");
        }
    }
}

#[test]
fn transactions_begin_only_in_tenancy() {
    for (rel, text) in sources() {
        let code = code(&text);
        if rel != "platform/tenancy.rs" {
            for needle in [".begin()", ".begin_with(", "begin_tenant_tx"] {
                assert!(
                    !code.contains(needle),
                    "{rel} begins a transaction itself ({needle}); use platform::tenancy or TenantCtx"
                );
            }
        }
        if rel != "identity/extract.rs" && rel != "platform/tenancy.rs" {
            assert!(
                !code.contains("as_principal("),
                "{rel}: only the TenantCtx extractor opens a transaction as a principal"
            );
        }
    }
}

#[test]
fn the_checks_can_fail() {
    // The scanner sees a cross import and a sibling import for what they are.
    assert_eq!(
        names_http_module("use crate::identity::http::users::may_grant;").as_deref(),
        Some("crate::identity::http")
    );
    assert_eq!(names_http_module("use crate::platform::http_client;"), None);
    assert!(Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/src/api.rs")).exists());
}

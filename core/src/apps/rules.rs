//! The apps area's input rules, each with the named schema that states it
//! in the OpenAPI document, and `refresh_latest`, which keeps `is_latest`.

use qhub_lib::ApiError;
use sqlx::PgConnection;
use uuid::Uuid;

use crate::platform::validate::{self, schema::named, schema::string, Checks};

pub const TAG_PATTERN: &str = "^[a-z0-9][a-z0-9-]{0,31}$";
pub const MAX_TAGS: usize = 10;
/// An absolute http(s) URL in RFC 3986's ASCII characters (non-ASCII
/// percent-encoded or punycode), without IPv6 literals (`[` `]`).
pub const URL_PATTERN: &str = "^https?://[A-Za-z0-9._~:/?#@!$&'()*+,;=%-]+$";
pub const MAX_URL_LEN: usize = 2048;
pub const MAX_DESCRIPTION: usize = 2000;
pub const MAX_MARKDOWN: usize = 100_000;
pub const MAX_RELEASE_NOTES: usize = 20_000;
pub const MAX_REVIEW: usize = 5000;
/// Largest JSON Schema a version may carry, serialized.
pub const MAX_SCHEMA_BYTES: usize = 64 * 1024;
/// `x.y.z`, optional `-prerelease` and `+build`, as semver.org's regex.
pub const SEMVER_PATTERN: &str = r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?$";
pub const LICENSE_PATTERN: &str = "^[A-Za-z0-9][A-Za-z0-9.+-]{0,63}$";

named!(
    AppSlug,
    string(
        "An app's slug, unique in the organization: 3–40 characters of a-z, 0-9 and '-', \
         starting and ending with a letter or digit."
    )
    .min_length(Some(3))
    .max_length(Some(40))
    .pattern(Some(validate::SLUG_PATTERN))
    .examples([serde_json::json!("grover-search")])
);
named!(
    Tag,
    string("A tag: 1–32 characters of a-z, 0-9 and '-', starting with a letter or digit.")
        .min_length(Some(1))
        .max_length(Some(32))
        .pattern(Some(TAG_PATTERN))
        .examples([serde_json::json!("optimization")])
);
named!(
    SpdxLicense,
    string(
        "An SPDX license identifier from the SPDX license list (`MIT`, `Apache-2.0`, \
         `GPL-3.0-only`, …); other ids are refused with 422."
    )
    .max_length(Some(64))
    .pattern(Some(LICENSE_PATTERN))
    .examples([serde_json::json!("Apache-2.0")])
);
named!(
    HttpUrl,
    string(
        "An absolute http(s) URL, at most 2048 characters, in RFC 3986's ASCII characters \
         (percent-encode the rest); no IPv6 literal hosts."
    )
    .max_length(Some(MAX_URL_LEN))
    .pattern(Some(URL_PATTERN))
    .examples([serde_json::json!("https://github.com/acme/grover")])
);
named!(
    OptionalHttpUrl,
    string("An absolute http(s) URL, at most 2048 characters; `\"\"` clears it.")
        .max_length(Some(MAX_URL_LEN))
        .pattern(Some("^(https?://[A-Za-z0-9._~:/?#@!$&'()*+,;=%-]+)?$"))
);
named!(
    SemVer,
    string(
        "A semantic version (semver.org 2.0.0) without build metadata: `1.2.0`, \
         `2.0.0-rc.1`. Ordered by semver precedence (1.10.0 > 1.9.0; a prerelease sorts \
         before its release)."
    )
    .max_length(Some(100))
    .pattern(Some(SEMVER_PATTERN))
    .examples([serde_json::json!("1.2.0")])
);
named!(
    Description,
    string(
        "Plain text, at most 2000 characters; no control characters but tab and line breaks, \
         nothing invisible."
    )
    .max_length(Some(MAX_DESCRIPTION))
    .pattern(Some(validate::TEXT_PATTERN))
);
named!(
    Markdown,
    string(
        "Markdown, at most 100,000 characters; no control characters but tab and line \
         breaks, nothing invisible. Rendered without raw HTML."
    )
    .max_length(Some(MAX_MARKDOWN))
    .pattern(Some(validate::TEXT_PATTERN))
);
named!(
    ReleaseNotes,
    string("Markdown, at most 20,000 characters; no control characters but tab and line breaks.")
        .max_length(Some(MAX_RELEASE_NOTES))
        .pattern(Some(validate::TEXT_PATTERN))
);
named!(
    ReviewText,
    string(
        "A review's text, at most 5000 characters; no control characters but tab and line breaks."
    )
    .max_length(Some(MAX_REVIEW))
    .pattern(Some(validate::TEXT_PATTERN))
);

named!(
    PackageBytes,
    string("A package's bytes, as stored (any format).").format(Some(
        utoipa::openapi::schema::SchemaFormat::KnownFormat(
            utoipa::openapi::schema::KnownFormat::Binary
        )
    ))
);

/// Apps and projects one organization may have.
pub const MAX_APPS_PER_TENANT: i64 = 1000;
pub const MAX_PROJECTS_PER_TENANT: i64 = 1000;

/// 409 once the organization has `MAX_APPS_PER_TENANT` apps.
pub async fn room_for_an_app(conn: &mut PgConnection, tenant: Uuid) -> Result<(), ApiError> {
    let n = sqlx::query_scalar!(
        r#"SELECT count(*) AS "n!" FROM apps WHERE tenant_id = $1"#,
        tenant
    )
    .fetch_one(conn)
    .await?;
    if n >= MAX_APPS_PER_TENANT {
        return Err(ApiError::Conflict(format!(
            "an organization has at most {MAX_APPS_PER_TENANT} apps"
        )));
    }
    Ok(())
}

/// Free text of at most `max` characters (multi-line).
pub fn long_text(s: &str, max: usize) -> Option<&'static str> {
    if s.chars().count() > max {
        Some(match max {
            MAX_DESCRIPTION => "must be at most 2000 characters",
            MAX_MARKDOWN => "must be at most 100000 characters",
            MAX_RELEASE_NOTES => "must be at most 20000 characters",
            _ => "must be at most 5000 characters",
        })
    } else {
        validate::text(s)
    }
}

pub fn tag(t: &str) -> bool {
    let b = t.as_bytes();
    (1..=32).contains(&b.len())
        && (b[0].is_ascii_lowercase() || b[0].is_ascii_digit())
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
}

/// Tags: sorted, duplicates dropped.
pub fn tags(input: &[String], checks: &mut Checks) -> Vec<String> {
    if input.len() > MAX_TAGS {
        checks.check("tags", Some("at most 10 tags"));
    } else if !input.iter().all(|t| tag(t)) {
        checks.check(
            "tags",
            Some(
                "each tag is 1–32 characters of a-z, 0-9 and '-', starting with a letter or digit",
            ),
        );
    }
    let mut out = input.to_vec();
    out.sort();
    out.dedup();
    out
}

/// An SPDX license id, in its canonical spelling.
pub fn license(s: &str) -> Result<String, &'static str> {
    match spdx::license_id(s) {
        Some(id) if id.name == s && !s.ends_with('+') => Ok(id.name.to_owned()),
        _ => Err("must be an SPDX license identifier such as MIT or Apache-2.0"),
    }
}

pub fn url(s: &str) -> Option<&'static str> {
    let scheme_ok = s.starts_with("https://") || s.starts_with("http://");
    if s.len() > MAX_URL_LEN {
        Some("must be at most 2048 characters")
    } else if !scheme_ok || s.len() <= "https://".len() - usize::from(s.starts_with("http://")) {
        Some("must be an absolute http:// or https:// URL")
    } else if !s.bytes().all(url_byte) {
        Some("may contain only RFC 3986 characters (percent-encode spaces and non-ASCII); no [ ]")
    } else {
        None
    }
}

fn url_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"._~:/?#@!$&'()*+,;=%-".contains(&b)
}

/// A version number, in its canonical form.
pub fn semver(s: &str) -> Result<semver::Version, &'static str> {
    if s.len() > 100 {
        return Err("must be at most 100 characters");
    }
    let v = semver::Version::parse(s)
        .map_err(|_| "must be a semantic version such as 1.2.0 or 2.0.0-rc.1 (semver.org)")?;
    // Build metadata does not order versions (1.0.0+a and 1.0.0+b are the
    // same version to semver), so it cannot tell two versions apart here.
    if !v.build.is_empty() {
        return Err("must not carry build metadata (+…): versions differ by number or prerelease");
    }
    Ok(v)
}

/// A JSON Schema a version declares for its input or output: valid against
/// its meta-schema (2020-12 unless it names another draft), compilable (no
/// remote `$ref`, valid patterns), at most 64 KiB.
pub fn json_schema(v: &serde_json::Value) -> Option<String> {
    if !(v.is_object() || v.is_boolean()) {
        return Some("must be a JSON Schema (an object or a boolean)".into());
    }
    if serde_json::to_vec(v).map_or(true, |b| b.len() > MAX_SCHEMA_BYTES) {
        return Some("must be at most 64 KiB".into());
    }
    if let Some(problem) = validate::json_text(v) {
        return Some(problem.into());
    }
    if let Err(e) = jsonschema::meta::validate(v) {
        return Some(format!("is not a valid JSON Schema: {e}"));
    }
    if let Err(e) = jsonschema::validator_for(v) {
        return Some(format!("is not a usable JSON Schema: {e}"));
    }
    None
}

/// Of published, unyanked versions: the highest release, or, while no
/// release exists, the highest prerelease.
pub fn pick_latest<'a>(versions: impl IntoIterator<Item = &'a str>) -> Option<semver::Version> {
    let parsed: Vec<semver::Version> = versions
        .into_iter()
        .filter_map(|v| semver::Version::parse(v).ok())
        .collect();
    let release = parsed.iter().filter(|v| v.pre.is_empty()).max().cloned();
    release.or_else(|| parsed.into_iter().max())
}

/// Recomputes `is_latest`, the app's `latest_version`, `sdks` and status
/// after a version was published, yanked or deleted. Locks the app row
/// first, so concurrent publishes of one app take turns and the partial
/// unique index (one latest per app) always holds.
pub async fn refresh_latest(conn: &mut PgConnection, app: Uuid) -> Result<(), ApiError> {
    sqlx::query!("SELECT id FROM apps WHERE id = $1 FOR UPDATE", app)
        .fetch_optional(&mut *conn)
        .await?;
    let rows = sqlx::query!(
        "SELECT id, version, sdk FROM app_versions WHERE app_id = $1 AND status = 'published'",
        app
    )
    .fetch_all(&mut *conn)
    .await?;
    let latest = pick_latest(rows.iter().map(|r| r.version.as_str()));
    let latest_id = latest.as_ref().and_then(|l| {
        rows.iter()
            .find(|r| semver::Version::parse(&r.version).ok().as_ref() == Some(l))
            .map(|r| r.id)
    });
    let mut sdks: Vec<String> = rows.iter().map(|r| r.sdk.clone()).collect();
    sdks.sort();
    sdks.dedup();
    sqlx::query!(
        "UPDATE app_versions SET is_latest = false WHERE app_id = $1 AND is_latest AND id IS DISTINCT FROM $2",
        app,
        latest_id
    )
    .execute(&mut *conn)
    .await?;
    if let Some(id) = latest_id {
        sqlx::query!(
            "UPDATE app_versions SET is_latest = true WHERE id = $1 AND NOT is_latest",
            id
        )
        .execute(&mut *conn)
        .await?;
    }
    let ever_published = sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM app_versions WHERE app_id = $1 AND status <> 'draft') AS "e!""#,
        app
    )
    .fetch_one(&mut *conn)
    .await?;
    sqlx::query!(
        "UPDATE apps SET latest_version = $2, sdks = $3, updated_at = now(),
                status = CASE WHEN status = 'draft' AND $4 THEN 'published' ELSE status END
         WHERE id = $1",
        app,
        latest.map(|l| l.to_string()),
        &sdks,
        ever_published,
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latest_is_the_highest_release_by_semver() {
        let v = |s: &str| semver::Version::parse(s).ok();
        assert_eq!(pick_latest(["1.9.0", "1.10.0", "1.2.0"]), v("1.10.0"));
        assert_eq!(pick_latest(["1.0.0", "2.0.0-rc.1"]), v("1.0.0"));
        assert_eq!(pick_latest(["2.0.0-rc.1", "2.0.0-beta.2"]), v("2.0.0-rc.1"));
        assert_eq!(pick_latest(["2.0.0-rc.1", "2.0.0"]), v("2.0.0"));
        assert_eq!(pick_latest(Vec::<&str>::new()), None);
    }

    #[test]
    fn licenses_are_spdx_ids() {
        assert_eq!(license("MIT").ok().as_deref(), Some("MIT"));
        assert_eq!(license("Apache-2.0").ok().as_deref(), Some("Apache-2.0"));
        assert!(license("mit").is_err());
        assert!(license("Apache").is_err());
        assert!(license("MIT+").is_err());
        assert!(license("").is_err());
    }

    #[test]
    fn urls_tags_semver() {
        assert!(url("https://example.com/x").is_none());
        assert!(url("http://a.b").is_none());
        assert!(url("javascript:alert(1)").is_some());
        assert!(url("https://").is_some());
        assert!(url("https://a b").is_some());
        assert!(url("http://[::1").is_some());
        assert!(url("https://exämple.test").is_some());
        assert!(url("https://example.test/a%20b?x=1&y=(2)#top").is_none());
        assert!(tag("qaoa-2"));
        assert!(!tag("-x") && !tag("Big") && !tag("") && !tag(&"a".repeat(33)));
        assert!(semver("1.2.3").is_ok());
        assert!(semver("1.2").is_err());
        assert!(semver("01.2.3").is_err());
        assert!(semver("1.0.0+build.1").is_err());
    }

    #[test]
    fn json_schemas_are_checked() {
        assert!(json_schema(&serde_json::json!({"type": "object"})).is_none());
        assert!(json_schema(&serde_json::json!(true)).is_none());
        assert!(json_schema(&serde_json::json!({"type": "nonsense"})).is_some());
        assert!(json_schema(&serde_json::json!({"pattern": "("})).is_some());
        assert!(json_schema(&serde_json::json!(3)).is_some());
        assert!(json_schema(&serde_json::json!({"$ref": "https://evil.test/s.json"})).is_some());
    }
}

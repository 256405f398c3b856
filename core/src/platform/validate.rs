//! Input rules shared by several endpoints. Each check returns the message
//! for a `FieldError`, so handlers can report every bad field at once.
//!
//! The `*_PATTERN` constants are the same rules written as the JSON Schema
//! patterns the OpenAPI document states, so generated clients refuse what
//! the server refuses; `core/tests/spec_rules.rs` checks both agree.

use std::str::FromStr;

use qhub_lib::{ApiError, FieldError};
use unicode_normalization::UnicodeNormalization;

/// Collects field errors; `finish` turns them into one 422.
#[derive(Default)]
pub struct Checks(Vec<FieldError>);

impl Checks {
    pub fn check(&mut self, field: &str, problem: Option<&str>) -> &mut Self {
        if let Some(msg) = problem {
            self.0.push(FieldError::new(field, msg));
        }
        self
    }

    pub fn finish(&mut self) -> Result<(), ApiError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(ApiError::validation(std::mem::take(&mut self.0)))
        }
    }
}

/// Tenant slugs: 3–40 characters of `a-z`, `0-9` and `-`, starting and
/// ending with a letter or digit (so they are safe in URLs and hostnames).
pub const SLUG_PATTERN: &str = "^[a-z0-9][a-z0-9-]{1,38}[a-z0-9]$";

pub fn slug(s: &str) -> Option<&'static str> {
    let ok_chars = s
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if !(3..=40).contains(&s.len()) {
        Some("must be 3 to 40 characters long")
    } else if !ok_chars {
        Some("may contain only lowercase letters a-z, digits and '-'")
    } else if s.starts_with('-') || s.ends_with('-') {
        Some("must start and end with a letter or digit")
    } else {
        None
    }
}

/// Characters that render as nothing or reorder text: format characters
/// (zero-width spaces and joiners, the bidirectional controls, the BOM,
/// soft hyphen), variation selectors and Hangul fillers. In a name or an
/// address they make look-alikes of other names and addresses.
const INVISIBLE: &[(char, char)] = &[
    ('\u{00AD}', '\u{00AD}'),
    ('\u{034F}', '\u{034F}'),
    ('\u{061C}', '\u{061C}'),
    ('\u{115F}', '\u{1160}'),
    ('\u{17B4}', '\u{17B5}'),
    ('\u{180B}', '\u{180F}'),
    ('\u{200B}', '\u{200F}'),
    ('\u{202A}', '\u{202E}'),
    ('\u{2060}', '\u{206F}'),
    ('\u{3164}', '\u{3164}'),
    ('\u{FE00}', '\u{FE0F}'),
    ('\u{FEFF}', '\u{FEFF}'),
    ('\u{FFA0}', '\u{FFA0}'),
    ('\u{FFF0}', '\u{FFF8}'),
    ('\u{1D173}', '\u{1D17A}'),
    ('\u{E0000}', '\u{E0FFF}'),
];

/// The character class (for a JSON Schema pattern) of what a single-line
/// text may not contain: C0 and C1 controls, DEL, and `INVISIBLE`.
macro_rules! forbidden_class {
    () => {
        r"\u0000-\u001F\u007F-\u009F\u00AD\u034F\u061C\u115F\u1160\u17B4\u17B5\u180B-\u180F\u200B-\u200F\u202A-\u202E\u2060-\u206F\u3164\uFE00-\uFE0F\uFEFF\uFFA0\uFFF0-\uFFF8"
    };
}

/// A display name: some visible character, no control or invisible one.
/// (The pattern leaves out the astral-plane invisibles, which ECMA and
/// Python regexes spell differently; the server refuses them as well.)
pub const NAME_PATTERN: &str = concat!(
    "^[^",
    forbidden_class!(),
    "]*[^\\s",
    forbidden_class!(),
    "][^",
    forbidden_class!(),
    "]*$"
);

pub fn is_invisible(c: char) -> bool {
    INVISIBLE.iter().any(|&(lo, hi)| (lo..=hi).contains(&c))
}

/// Control (including NUL) or invisible: never in a single-line text.
pub fn is_forbidden(c: char) -> bool {
    c.is_control() || is_invisible(c)
}

/// Display names: 1–200 characters, at least one of them visible (not
/// whitespace), no control or invisible characters. Stored trimmed.
pub fn name(s: &str) -> Option<&'static str> {
    if s.chars().count() > 200 {
        Some("must be at most 200 characters")
    } else if s.chars().any(char::is_control) {
        Some("must not contain control characters")
    } else if s.chars().any(is_invisible) {
        Some("must not contain invisible or bidirectional-control characters")
    } else if s.trim().is_empty() {
        Some("must not be empty")
    } else {
        None
    }
}

/// Longest search text a list accepts.
pub const MAX_SEARCH_LEN: usize = 100;

/// `search_text` as a JSON Schema pattern: no control or invisible character.
pub const SEARCH_PATTERN: &str = concat!("^[^", forbidden_class!(), "]*$");

/// A list's `q`: trimmed and lower-cased for a case-insensitive substring
/// match (`strpos(lower(column), q)`, so `%` and `_` are plain
/// characters); `None` when absent or blank. At most 100 characters, none
/// of them control or invisible.
pub fn search_text(q: Option<&str>, checks: &mut Checks) -> Option<String> {
    let q = q?.trim();
    let problem = if q.chars().count() > MAX_SEARCH_LEN {
        Some("must be at most 100 characters")
    } else if q.chars().any(is_forbidden) {
        Some("must not contain control or invisible characters")
    } else {
        None
    };
    checks.check("q", problem);
    (problem.is_none() && !q.is_empty()).then(|| q.to_lowercase())
}

/// `text` as a JSON Schema pattern.
pub const TEXT_PATTERN: &str = concat!(
    r"^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F",
    r"\u00AD\u034F\u061C\u115F\u1160\u17B4\u17B5\u180B-\u180F\u200B-\u200F\u202A-\u202E",
    r"\u2060-\u206F\u3164\uFE00-\uFE0F\uFEFF\uFFA0\uFFF0-\uFFF8]*$"
);

/// Free text that may span lines (a description): no NUL, no control
/// character but tab, newline and carriage return, nothing invisible.
pub fn text(s: &str) -> Option<&'static str> {
    if s.chars()
        .any(|c| (c.is_control() && !matches!(c, '\t' | '\n' | '\r')) || is_invisible(c))
    {
        Some("must not contain control or invisible characters")
    } else {
        None
    }
}

/// Email addresses are checked by the parser that later sends the mail
/// (`lettre::Address`), so an address accepted here is exactly the one mail
/// goes to: a bare `local@domain`, never `Name <addr>` display syntax. The
/// domain must be dotted; at most 254 characters; nothing invisible.
pub fn email(s: &str) -> Option<&'static str> {
    let bad = Some("must be a bare email address like name@example.com");
    if s.chars().count() > 254 {
        return Some("must be at most 254 characters");
    }
    if s.chars().any(is_forbidden) {
        return Some("must not contain control or invisible characters");
    }
    match lettre::Address::from_str(s) {
        Ok(a)
            if AsRef::<str>::as_ref(&a) == s
                && a.domain().contains('.')
                && !a.domain().ends_with('.') =>
        {
            None
        }
        _ => bad,
    }
}

/// The form an address is compared and stored in: Unicode NFC (so
/// composed and decomposed spellings are one address), lower case.
pub fn normalize_email(s: &str) -> String {
    s.nfc().collect::<String>().to_lowercase()
}

/// Walks a JSON value: no string or key in it may hold a NUL or another
/// control character but tab, newline and carriage return. (Postgres
/// cannot store NUL in `jsonb`; the rest would only ever be an attack.)
pub fn json_text(v: &serde_json::Value) -> Option<&'static str> {
    use serde_json::Value;
    match v {
        Value::String(s) => text(s),
        Value::Array(items) => items.iter().find_map(json_text),
        Value::Object(map) => map
            .iter()
            .find_map(|(k, v)| text(k).or_else(|| json_text(v))),
        _ => None,
    }
}

/// A password as login and the current-password check take it: anything
/// but NUL, 1–1024 characters (what hashing will look at).
pub const SECRET_PATTERN: &str = r"^[^\u0000]*$";

/// A password as typed at login: 1–1024 characters (NUL is refused for
/// every body at the edge).
pub fn secret(s: &str) -> Option<&'static str> {
    match s.chars().count() {
        0 => Some("must not be empty"),
        1..=1024 => None,
        _ => Some("must be at most 1024 characters"),
    }
}

/// `#[serde(default, deserialize_with = "validate::present")]` for the
/// optional fields of a PATCH body: absent is `None`, an explicit `null`
/// is refused (the schema says the field is a string, not a nullable one).
pub fn present<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    use serde::Deserialize;
    match Option::<T>::deserialize(d)? {
        Some(v) => Ok(Some(v)),
        None => Err(serde::de::Error::custom(
            "must not be null; leave the field out instead",
        )),
    }
}

/// `#[serde(default, deserialize_with = "validate::nullable")]` for a
/// PATCH field where `null` means "remove": absent is `None`, `null` is
/// `Some(None)`, a value `Some(Some(v))`.
pub fn nullable<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    use serde::Deserialize;
    Option::<T>::deserialize(d).map(Some)
}

/// `#[serde(deserialize_with = "validate::integer")]` for integer body
/// fields: JSON has one number type, and `3.0` is the integer 3 (JSON
/// Schema's `type: integer` admits it, so generated clients may send it).
/// A fraction, or a value outside the field's type, is refused.
pub fn integer<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: TryFrom<i64>,
{
    use serde::Deserialize;
    let n = serde_json::Number::deserialize(d)?;
    let whole = n.as_i64().or_else(|| {
        n.as_f64()
            .filter(|f| f.fract() == 0.0 && f.abs() < 9.0e15)
            .map(|f| f as i64)
    });
    whole
        .and_then(|i| T::try_from(i).ok())
        .ok_or_else(|| serde::de::Error::custom(format!("expected an integer in range, got {n}")))
}

/// `integer` for an optional field that, when present, must not be null.
pub fn present_integer<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: TryFrom<i64>,
{
    integer(d).map(Some)
}

/// Named string schemas for the OpenAPI document, built from the same
/// constants the checks above use, so the spec states exactly the rules
/// the server enforces. Fields point at them with `#[schema(value_type = …)]`.
pub mod schema {
    use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};

    pub(crate) fn string(description: &str) -> ObjectBuilder {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .description(Some(description))
    }

    macro_rules! named {
        ($name:ident, $build:expr) => {
            pub struct $name;
            impl utoipa::PartialSchema for $name {
                fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::Schema> {
                    let built: utoipa::openapi::schema::ObjectBuilder = $build;
                    built.into()
                }
            }
            impl utoipa::ToSchema for $name {
                fn name() -> std::borrow::Cow<'static, str> {
                    std::borrow::Cow::Borrowed(stringify!($name))
                }
            }
        };
    }
    /// Areas declare their own named schemas with this (`apps::rules`).
    pub(crate) use named;

    named!(
        DisplayName,
        string(
            "A name shown to people: 1–200 characters, at least one visible; no control, \
             invisible or bidirectional-control characters. Stored without surrounding spaces."
        )
        .min_length(Some(1))
        .max_length(Some(200))
        .pattern(Some(super::NAME_PATTERN))
        .examples([serde_json::json!("Ada Lovelace")])
    );
    named!(
        EmailAddress,
        string(
            "A bare email address (`name@example.com`, never `Name <addr>`), at most 254 \
             characters, dotted domain, no invisible characters. Compared and stored in Unicode \
             NFC, lower case."
        )
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Email)))
        .max_length(Some(254))
        .examples([serde_json::json!("ada@acme.test")])
    );
    named!(
        Slug,
        string(
            "An organization's slug: 3–40 characters of a-z, 0-9 and '-', starting and ending \
             with a letter or digit."
        )
        .min_length(Some(3))
        .max_length(Some(40))
        .pattern(Some(super::SLUG_PATTERN))
        .examples([serde_json::json!("acme")])
    );
    named!(
        NewPassword,
        string(
            "A new password: 10–256 characters, no NUL, and not too easy to guess: the \
             server estimates its strength with zxcvbn (the person's email and name and the \
             organization's slug and name count as known) and refuses scores below 2 with \
             422 on this field."
        )
        .min_length(Some(crate::identity::password::MIN_PASSWORD_LEN))
        .max_length(Some(crate::identity::password::MAX_PASSWORD_LEN))
        .pattern(Some(super::SECRET_PATTERN))
    );
    named!(
        Secret,
        string("A password as typed: 1–1024 characters, no NUL.")
            .min_length(Some(1))
            .max_length(Some(1024))
            .pattern(Some(super::SECRET_PATTERN))
    );
    named!(
        MailToken,
        string("A single-use token from a QHub mail: `<uuid>.<43 characters of base64url>`.")
            .pattern(Some(crate::identity::onetime::TOKEN_PATTERN))
    );
    // Free-form settings. The rule for strings holds at every depth, but a
    // schema can say that only recursively, which generated clients
    // (openapi-python-client) cannot read: the keys of the top level carry
    // the pattern, the description states the rest.
    named!(
        Settings,
        ObjectBuilder::new()
            .schema_type(Type::Object)
            .description(Some(
                "Free-form settings: a JSON object whose keys and strings, at any depth, hold \
                 no control character but tab, newline and carriage return (NUL never), and \
                 nothing invisible; at most 16 KiB of JSON.",
            ))
            .property_names(Some(
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .pattern(Some(super::TEXT_PATTERN)),
            ))
    );

    named!(
        SearchText,
        string(
            "Text to search for (case-insensitive substring): at most 100 characters, no \
             control or invisible characters; surrounding spaces are ignored."
        )
        .max_length(Some(super::MAX_SEARCH_LEN))
        .pattern(Some(super::SEARCH_PATTERN))
    );
    named!(
        RefreshToken,
        string("A refresh token as QHub issues it: `<session id, 32 hex>.<secret, base64url>`.")
            .pattern(Some(r"^[0-9a-f]{32}\.[A-Za-z0-9_-]{32,64}$"))
    );
    named!(
        UsageKindName,
        string("A kind of usage: `area.verb`, two to four dot-separated lower-case words.")
            .pattern(Some(qhub_lib::usage::KIND_PATTERN))
            .examples([serde_json::json!("job.run")])
    );
    named!(
        Timestamp,
        string("An RFC 3339 date-time whose year, as written, is 1970–9999.")
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::DateTime)))
            .pattern(Some(qhub_lib::time::TIMESTAMP_PATTERN))
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs() {
        assert!(slug("acme").is_none());
        assert!(slug("acme-labs-2").is_none());
        assert!(slug("ab").is_some());
        assert!(slug("Acme").is_some());
        assert!(slug("-acme").is_some());
        assert!(slug("acme_labs").is_some());
        assert!(slug(&"a".repeat(41)).is_some());
    }

    #[test]
    fn emails() {
        assert!(email("a@b.co").is_none());
        assert!(email("a.b+tag@sub.example.com").is_none());
        assert!(email("a@b").is_some());
        assert!(email("a b@c.de").is_some());
        assert!(email("@c.de").is_some());
        assert!(email("a@@c.de").is_some());
        // Display-name syntax: stored one address, mailed another.
        assert!(email("ceo.corp.test<victim@evil.test>").is_some());
        assert!(email("Ceo <victim@evil.test>").is_some());
        assert!(email("a\u{0}@b.co").is_some());
        assert!(email("a\u{200B}b@c.de").is_some());
        assert!(email("a@b\u{202E}c.de").is_some());
    }

    #[test]
    fn emails_normalise_to_one_spelling() {
        // "é" composed and decomposed are one address.
        assert_eq!(
            normalize_email("Jos\u{0065}\u{0301}@X.Test"),
            normalize_email("jos\u{00E9}@x.test")
        );
    }

    #[test]
    fn names() {
        assert!(name("Ada").is_none());
        assert!(name(" Ada ").is_none());
        assert!(name("   ").is_some());
        assert!(name("").is_some());
        assert!(name("a\u{0007}b").is_some());
        assert!(name("a\u{0}b").is_some());
        assert!(name("Ad\u{200D}a").is_some());
        assert!(name("\u{202E}evil").is_some());
        assert!(name(&"a".repeat(201)).is_some());
        assert!(name(&"é".repeat(200)).is_none());
    }

    #[test]
    fn json_text_finds_nul_anywhere() {
        let v = serde_json::json!({"a": [1, {"b": "x\u{0}y"}]});
        assert!(json_text(&v).is_some());
        let v = serde_json::json!({"k\u{0}": 1});
        assert!(json_text(&v).is_some());
        let v = serde_json::json!({"a": ["line\nbreak", 2, null]});
        assert!(json_text(&v).is_none());
    }
}

//! Input rules shared by several endpoints. Each check returns the message
//! for a `FieldError`, so handlers can report every bad field at once.

use qhub_lib::{ApiError, FieldError};

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

/// Display names: 1–200 characters after trimming, no control characters.
pub fn name(s: &str) -> Option<&'static str> {
    let t = s.trim();
    if t.is_empty() {
        Some("must not be empty")
    } else if t.chars().count() > 200 {
        Some("must be at most 200 characters")
    } else if t.chars().any(char::is_control) {
        Some("must not contain control characters")
    } else {
        None
    }
}

/// A deliberately simple email check: one `@`, a non-empty local part, a
/// dotted domain, no spaces, at most 254 characters. Real proof of an
/// address is the verification mail.
pub fn email(s: &str) -> Option<&'static str> {
    let bad = || Some("must be an email address like name@example.com");
    if s.len() > 254 {
        return Some("must be at most 254 characters");
    }
    if s.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return bad();
    }
    match s.split_once('@') {
        Some((local, domain))
            if !local.is_empty()
                && !domain.contains('@')
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.') =>
        {
            None
        }
        _ => bad(),
    }
}

pub fn normalize_email(s: &str) -> String {
    s.trim().to_lowercase()
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
        assert!(email("a@b").is_some());
        assert!(email("a b@c.de").is_some());
        assert!(email("@c.de").is_some());
        assert!(email("a@@c.de").is_some());
    }

    #[test]
    fn names() {
        assert!(name("Ada").is_none());
        assert!(name("   ").is_some());
        assert!(name("a\u{0007}b").is_some());
    }
}

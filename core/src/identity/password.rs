//! Password hashing with argon2id (the crate's defaults: m=19 MiB, t=2, p=1).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use qhub_lib::ApiError;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

pub const MIN_PASSWORD_LEN: usize = 10;
pub const MAX_PASSWORD_LEN: usize = 256;

#[derive(Clone)]
pub struct Passwords {
    /// A real hash of a random password. Logins for unknown emails verify
    /// against it so they take as long as logins for known ones.
    dummy_hash: Arc<str>,
    /// Each argon2 run holds ~19 MiB and a CPU for tens of milliseconds; a
    /// flood of logins must queue here rather than exhaust memory.
    permits: Arc<Semaphore>,
    /// How many verifications ran: lets tests prove that logins for unknown
    /// tenants and emails do the same hashing work as real ones.
    verifications: Arc<AtomicU64>,
}

/// Concurrent hashes per process: enough to keep the cores busy.
fn max_concurrent_hashes() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get() * 2)
}

impl Passwords {
    pub async fn new() -> anyhow::Result<Passwords> {
        let random = uuid::Uuid::new_v4().to_string();
        let dummy = tokio::task::spawn_blocking(move || hash_blocking(&random)).await??;
        Ok(Passwords {
            dummy_hash: dummy.into(),
            permits: Arc::new(Semaphore::new(max_concurrent_hashes())),
            verifications: Arc::new(AtomicU64::new(0)),
        })
    }

    /// The permit moves into the blocking task: if the request is dropped
    /// (client gone, timeout) the hash still runs, and still counts.
    async fn permit(&self) -> Result<OwnedSemaphorePermit, ApiError> {
        self.permits
            .clone()
            .acquire_owned()
            .await
            .map_err(ApiError::internal)
    }

    pub fn verifications(&self) -> u64 {
        self.verifications.load(Ordering::Relaxed)
    }

    /// Hashes off the async runtime: argon2 is CPU-bound by design.
    pub async fn hash(&self, password: &str) -> Result<String, ApiError> {
        let password = password.to_owned();
        let permit = self.permit().await?;
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            hash_blocking(&password)
        })
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::internal)
    }

    /// Verifies against `hash`, or against the dummy hash when there is no
    /// user, so both paths cost the same. Returns false for the dummy.
    pub async fn verify(&self, password: &str, hash: Option<&str>) -> Result<bool, ApiError> {
        let is_real = hash.is_some();
        let hash = hash
            .map(str::to_owned)
            .unwrap_or_else(|| self.dummy_hash.to_string());
        let password = password.to_owned();
        let permit = self.permit().await?;
        self.verifications.fetch_add(1, Ordering::Relaxed);
        let ok = tokio::task::spawn_blocking(move || {
            let _permit = permit;
            verify_blocking(&password, &hash)
        })
        .await
        .map_err(ApiError::internal)?;
        Ok(ok && is_real)
    }
}

fn hash_blocking(password: &str) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("argon2: {e}"))
}

fn verify_blocking(password: &str, hash: &str) -> bool {
    match PasswordHash::new(hash) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// Password policy, shared by signup, user creation and (later) resets.
/// The lowest zxcvbn score accepted. Scores 0 and 1 ("too guessable",
/// "very guessable": under about 10^6 guesses, e.g. `password123` or
/// `qwertyuiop1`) are refused; 2 and up pass. The console's strength meter
/// runs the same estimator (zxcvbn-ts) and says the same before submitting.
pub const MIN_PASSWORD_SCORE: u8 = 2;

/// Only the first this many characters are scored: zxcvbn's matching grows
/// faster than linearly, and a 64-character prefix that is still weak means
/// a weak password.
const SCORED_PREFIX: usize = 64;

/// Only the length bounds: for a first look before the words the strength
/// check needs are known (the handler then calls `check_password` once).
pub fn check_password_length(password: &str) -> Option<&'static str> {
    let n = password.chars().count();
    if n < MIN_PASSWORD_LEN {
        Some("must be at least 10 characters")
    } else if n > MAX_PASSWORD_LEN {
        Some("must be at most 256 characters")
    } else {
        None
    }
}

/// Length bounds, then strength. `context` holds words the password must
/// not lean on (the person's email and name, the organization's slug and
/// name): zxcvbn counts them as already guessed.
pub fn check_password(password: &str, context: &[&str]) -> Option<String> {
    if let Some(why) = check_password_length(password) {
        return Some(why.to_owned());
    }
    let scored: String = password.chars().take(SCORED_PREFIX).collect();
    let mut words: Vec<&str> = vec!["qhub"];
    words.extend(context.iter().copied().filter(|w| !w.is_empty()));
    let estimate = zxcvbn::zxcvbn(&scored, &words);
    if u8::from(estimate.score()) >= MIN_PASSWORD_SCORE {
        return None;
    }
    let why = estimate
        .feedback()
        .and_then(|f| f.warning())
        .map(|w| format!(" ({})", w.to_string().trim_end_matches('.').to_lowercase()))
        .unwrap_or_default();
    Some(format!(
        "is too easy to guess{why}; use a few uncommon words or a longer passphrase"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hash_verifies_and_dummy_never_matches() -> anyhow::Result<()> {
        let p = Passwords::new().await?;
        let h = p.hash("correct horse battery").await?;
        assert!(h.starts_with("$argon2id$"));
        assert!(p.verify("correct horse battery", Some(&h)).await?);
        assert!(!p.verify("wrong horse battery", Some(&h)).await?);
        assert!(!p.verify("anything at all", None).await?);
        Ok(())
    }

    #[test]
    fn policy() {
        assert!(check_password("short", &[]).is_some());
        assert_eq!(
            check_password_length("short"),
            Some("must be at least 10 characters")
        );
        assert_eq!(check_password_length("password123"), None);
        assert!(check_password(&"x".repeat(257), &[]).is_some());
        // The weakest passwords are refused however long they are.
        for weak in ["password123", "qwertyuiop1", "1234567890", &"a".repeat(80)] {
            let why = check_password(weak, &[]);
            assert!(
                why.as_deref()
                    .is_some_and(|m| m.starts_with("is too easy to guess")),
                "{weak}: {why:?}"
            );
        }
        // The person's own details count as guessed.
        assert!(check_password("zqxjvbwkptr", &[]).is_none());
        assert!(check_password("zqxjvbwkptr", &["z@example.com", "Zqxjvbwkptr"]).is_some());
        for strong in [
            "correct horse battery",
            "a brand new secret",
            "velvet-otter-42-quiz",
        ] {
            assert_eq!(check_password(strong, &[]), None, "{strong}");
        }
    }
}

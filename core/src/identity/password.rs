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
pub fn check_password(password: &str) -> Option<&'static str> {
    let n = password.chars().count();
    if n < MIN_PASSWORD_LEN {
        Some("must be at least 10 characters")
    } else if n > MAX_PASSWORD_LEN {
        Some("must be at most 256 characters")
    } else {
        None
    }
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
        assert!(check_password("short").is_some());
        assert!(check_password("exactly10!").is_none());
        assert!(check_password(&"x".repeat(257)).is_some());
    }
}

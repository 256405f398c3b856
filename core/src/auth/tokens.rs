//! Access JWTs (HS256, short-lived) and opaque refresh tokens.
//!
//! The access token names a session; the session is checked in Redis on
//! every request, so logout and revocation take effect before expiry.

use std::time::Duration;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256, Sha512};
use uuid::Uuid;

const ISSUER: &str = "qhub";

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    /// User id.
    pub sub: Uuid,
    /// Tenant id.
    pub tid: Uuid,
    /// Session id.
    pub sid: Uuid,
    pub iat: i64,
    pub exp: i64,
    pub iss: String,
}

#[derive(Clone)]
pub struct Tokens {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    pub access_ttl: Duration,
}

impl Tokens {
    pub fn new(secret: &[u8], access_ttl: Duration) -> Tokens {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[ISSUER]);
        validation.leeway = 5;
        Tokens {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            access_ttl,
        }
    }

    pub fn issue_access(&self, user: Uuid, tenant: Uuid, session: Uuid) -> anyhow::Result<String> {
        let now = chrono::Utc::now().timestamp();
        let ttl = i64::try_from(self.access_ttl.as_secs()).unwrap_or(900);
        let claims = Claims {
            sub: user,
            tid: tenant,
            sid: session,
            iat: now,
            exp: now + ttl,
            iss: ISSUER.to_owned(),
        };
        Ok(jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &self.encoding,
        )?)
    }

    pub fn verify_access(&self, token: &str) -> Option<Claims> {
        jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .ok()
            .map(|d| d.claims)
    }
}

/// A refresh token is `<session id>.<32 random bytes, base64url>`. Only the
/// SHA-256 of the secret part is stored; the session id lets the server find
/// the session without a scan.
pub fn new_refresh_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

pub fn format_refresh(session: Uuid, secret: &str) -> String {
    format!("{}.{}", session.simple(), secret)
}

pub fn parse_refresh(token: &str) -> Option<(Uuid, &str)> {
    let (sid, secret) = token.split_once('.')?;
    if secret.len() < 32 || secret.len() > 64 {
        return None;
    }
    Some((Uuid::try_parse(sid).ok()?, secret))
}

/// The pad sealing the successor of refresh secret `presented`: only a
/// holder of `presented` can derive it (the server keeps just its SHA-256,
/// a different hash). Each pad seals one value: secrets are random and
/// rotated once.
fn grace_pad(presented: &str) -> [u8; 64] {
    Sha512::digest(format!("qhub-refresh-grace:{presented}").as_bytes()).into()
}

/// `successor` sealed under `presented`, hex (kept in Redis for the
/// reuse grace period instead of the successor itself).
pub fn seal_successor(presented: &str, successor: &str) -> String {
    let pad = grace_pad(presented);
    let sealed: Vec<u8> = successor.bytes().zip(pad).map(|(a, b)| a ^ b).collect();
    hex::encode(sealed)
}

/// Opens what `seal_successor(presented, …)` sealed.
pub fn open_successor(presented: &str, sealed: &str) -> Option<String> {
    let bytes = hex::decode(sealed).ok()?;
    if bytes.len() > 64 {
        return None;
    }
    let pad = grace_pad(presented);
    String::from_utf8(bytes.into_iter().zip(pad).map(|(a, b)| a ^ b).collect()).ok()
}

pub fn sha256_hex(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_successor_opens_only_with_the_token_it_replaced() {
        let (old, next) = (new_refresh_secret(), new_refresh_secret());
        let sealed = seal_successor(&old, &next);
        assert!(!sealed.contains(&hex::encode(next.as_bytes())));
        assert_eq!(
            open_successor(&old, &sealed).as_deref(),
            Some(next.as_str())
        );
        let other = open_successor(&new_refresh_secret(), &sealed);
        assert_ne!(other.as_deref(), Some(next.as_str()));
    }

    #[test]
    fn access_round_trip_and_tamper() -> anyhow::Result<()> {
        let t = Tokens::new(b"0123456789abcdef0123456789abcdef", Duration::from_secs(60));
        let (u, ten, s) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        let jwt = t.issue_access(u, ten, s)?;
        let c = t
            .verify_access(&jwt)
            .ok_or_else(|| anyhow::anyhow!("rejected"))?;
        assert_eq!((c.sub, c.tid, c.sid), (u, ten, s));
        let other = Tokens::new(b"another-secret-another-secret-xx", Duration::from_secs(60));
        assert!(other.verify_access(&jwt).is_none());
        Ok(())
    }

    #[test]
    fn refresh_parse() {
        let sid = Uuid::now_v7();
        let secret = new_refresh_secret();
        let tok = format_refresh(sid, &secret);
        assert_eq!(parse_refresh(&tok), Some((sid, secret.as_str())));
        assert_eq!(parse_refresh("garbage"), None);
        assert_eq!(parse_refresh(&format!("{}.short", sid.simple())), None);
    }
}

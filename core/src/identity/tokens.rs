//! Access JWTs (HS256, short-lived) and opaque refresh tokens.
//!
//! The access token names a session; the session is checked in Redis on
//! every request, so logout and revocation take effect before expiry.

use std::time::Duration;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
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

/// The key sealing the successor of refresh secret `presented`: only a
/// holder of `presented` can derive it (the server keeps just its SHA-256
/// without this domain prefix, a different hash).
fn grace_key(presented: &str) -> Key {
    let digest: [u8; 32] =
        Sha256::digest(format!("qhub-refresh-grace:{presented}").as_bytes()).into();
    Key::from(digest)
}

/// What the sealed value is bound to, so it cannot be replayed as another
/// kind of sealed value.
const GRACE_AAD: &[u8] = b"qhub refresh successor v1";

/// `successor` sealed under `presented` with ChaCha20-Poly1305 (random
/// nonce), hex of nonce ‖ ciphertext ‖ tag: kept in Redis for the reuse
/// grace period instead of the successor itself. Opening checks the tag, so
/// a value altered in Redis is refused, not turned into another token.
pub fn seal_successor(presented: &str, successor: &str) -> String {
    let mut nonce = [0u8; 12];
    rand::thread_rng().fill_bytes(&mut nonce);
    let cipher = ChaCha20Poly1305::new(&grace_key(presented));
    let payload = Payload {
        msg: successor.as_bytes(),
        aad: GRACE_AAD,
    };
    // Encryption fails only for messages beyond 256 GiB.
    let sealed = cipher
        .encrypt(Nonce::from_slice(&nonce), payload)
        .unwrap_or_default();
    let mut out = nonce.to_vec();
    out.extend_from_slice(&sealed);
    hex::encode(out)
}

/// Opens what `seal_successor(presented, …)` sealed; `None` for another
/// token or a tampered value.
pub fn open_successor(presented: &str, sealed: &str) -> Option<String> {
    let bytes = hex::decode(sealed).ok()?;
    if bytes.len() < 12 + 16 || bytes.len() > 12 + 16 + 64 {
        return None;
    }
    let (nonce, ciphertext) = bytes.split_at(12);
    let cipher = ChaCha20Poly1305::new(&grace_key(presented));
    let plain = cipher
        .decrypt(
            Nonce::from_slice(nonce),
            Payload {
                msg: ciphertext,
                aad: GRACE_AAD,
            },
        )
        .ok()?;
    String::from_utf8(plain).ok()
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
        assert_eq!(open_successor(&new_refresh_secret(), &sealed), None);
    }

    #[test]
    fn a_tampered_sealed_successor_is_refused() {
        let (old, next) = (new_refresh_secret(), new_refresh_secret());
        let sealed = seal_successor(&old, &next);
        let mut bytes = hex::decode(&sealed).unwrap_or_default();
        // Flip one bit of the nonce, of the ciphertext, of the tag: each
        // must make the value unopenable (a pad would open to another token).
        for i in [0, 12, bytes.len() - 1] {
            bytes[i] ^= 0x01;
            assert_eq!(open_successor(&old, &hex::encode(&bytes)), None, "byte {i}");
            bytes[i] ^= 0x01;
        }
        assert_eq!(
            open_successor(&old, &hex::encode(&bytes)).as_deref(),
            Some(next.as_str())
        );
        // Truncated or padded values are refused too.
        assert_eq!(open_successor(&old, &sealed[..sealed.len() - 2]), None);
        assert_eq!(open_successor(&old, &format!("{sealed}00")), None);
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

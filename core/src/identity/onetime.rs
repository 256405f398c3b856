//! One-time tokens mailed to people: invitations, email verification and
//! password reset. A token is `<tenant id>.<32 random bytes, base64url>`.
//! The tenant part only routes the lookup to the right tenant's rows (under
//! RLS); the secret must match a stored SHA-256 in that tenant, so editing
//! the tenant part finds nothing.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};
use uuid::Uuid;

pub struct OneTime {
    pub token: String,
    pub hash: [u8; 32],
}

pub fn issue(tenant: Uuid) -> OneTime {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    let token = format!("{}.{}", tenant.simple(), URL_SAFE_NO_PAD.encode(bytes));
    OneTime {
        hash: Sha256::digest(token.as_bytes()).into(),
        token,
    }
}

/// A token the server can make again: the same form as `issue`'s, with a
/// secret that is HMAC-SHA256(`key`, `label`:`id`) instead of random bytes.
/// Invitations use it so that an admin can copy the very link that was
/// mailed (the database still holds only its hash). `key` is a server
/// secret; the label keeps each purpose's tokens apart.
pub fn derive(tenant: Uuid, key: &[u8], label: &str, id: Uuid) -> OneTime {
    use hmac::{Hmac, Mac};
    let mut mac = match Hmac::<Sha256>::new_from_slice(key) {
        Ok(mac) => mac,
        // HMAC takes keys of any length; this arm is unreachable.
        Err(_) => return issue(tenant),
    };
    mac.update(label.as_bytes());
    mac.update(b":");
    mac.update(id.as_bytes());
    let secret = mac.finalize().into_bytes();
    let token = format!("{}.{}", tenant.simple(), URL_SAFE_NO_PAD.encode(secret));
    OneTime {
        hash: Sha256::digest(token.as_bytes()).into(),
        token,
    }
}

/// What `issue` makes, as a JSON Schema pattern (the API states it).
pub const TOKEN_PATTERN: &str = "^[0-9a-f]{32}\\.[A-Za-z0-9_-]{43}$";

/// The tenant a token claims and the hash to look up there; `None` unless
/// the token has exactly the form `issue` gives it (`TOKEN_PATTERN`).
pub fn parse(token: &str) -> Option<(Uuid, [u8; 32])> {
    let (tenant, secret) = token.split_once('.')?;
    let hex = |s: &str| s.len() == 32 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
    let b64 = |s: &str| {
        s.len() == 43
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    };
    if !hex(tenant) || !b64(secret) {
        return None;
    }
    let tenant = Uuid::try_parse(tenant).ok()?;
    Some((tenant, Sha256::digest(token.as_bytes()).into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_garbage() {
        let t = Uuid::now_v7();
        let one = issue(t);
        assert_eq!(parse(&one.token), Some((t, one.hash)));
        assert_eq!(parse("nope"), None);
        assert_eq!(parse(&format!("{}.short", t.simple())), None);
        let id = Uuid::now_v7();
        let a = derive(t, b"key", "invitation", id);
        assert_eq!(parse(&a.token), Some((t, a.hash)));
        assert_eq!(derive(t, b"key", "invitation", id).token, a.token);
        assert_ne!(derive(t, b"other key", "invitation", id).token, a.token);
        assert_ne!(derive(t, b"key", "other", id).token, a.token);
        assert_ne!(
            derive(t, b"key", "invitation", Uuid::now_v7()).token,
            a.token
        );
    }
}

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

/// The tenant a token claims and the hash to look up there.
pub fn parse(token: &str) -> Option<(Uuid, [u8; 32])> {
    let token = token.trim();
    let (tenant, secret) = token.split_once('.')?;
    if secret.len() != 43 {
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
    }
}

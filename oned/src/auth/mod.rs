//! Authentication: password hashing, login tokens and the session cache.
//!
//! - Passwords are stored as argon2id PHC strings (salted, memory-hard). Clients send the plain
//!   secret in `user:secret`, as with OpenNebula's core driver.
//! - `one.user.login` tokens are 256 random bits from the OS CSPRNG, hex encoded; only their
//!   SHA-256 is stored.
//! - Verifying argon2 costs milliseconds, so successful sessions are cached: the cache maps the
//!   SHA-256 of the whole session string to the user and the user's `auth_epoch`. Any change of
//!   credentials, groups or the enabled flag bumps the epoch, which invalidates cached sessions.
//! - [`verifier`]: the password checks run on a fixed pool of threads whose argon2 memory is
//!   reused, and an unknown user costs the same check as a known one.
//! - [`throttle`]: failed password checks block the user name and the client address for a
//!   growing delay.
//! - [`scheduler`]: the scheduler's own session (one live scheduler at a time).

pub mod caller;
pub mod scheduler;
pub mod throttle;
pub mod verifier;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use parking_lot::Mutex;
use rand::TryRngCore;
use rand::rngs::OsRng;
use sha2::{Digest, Sha256};
use std::collections::HashMap;

pub use caller::Caller;

/// Argon2id with OWASP's second recommended setting (19 MiB, 2 passes).
fn hasher() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("the system random number generator failed: {0}")]
    Random(String),
    #[error("cannot hash the password: {0}")]
    Hash(String),
}

/// Fills `buf` from the OS CSPRNG.
pub fn random_bytes(buf: &mut [u8]) -> Result<(), AuthError> {
    OsRng.try_fill_bytes(buf).map_err(|e| AuthError::Random(e.to_string()))
}

/// Hashes a password into a PHC string with a fresh random salt.
pub fn hash_password(password: &str) -> Result<String, AuthError> {
    let mut salt = [0u8; 16];
    random_bytes(&mut salt)?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| AuthError::Hash(e.to_string()))?;
    hasher()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AuthError::Hash(e.to_string()))
}

/// Checks a password against a stored PHC string; a malformed stored hash never matches.
pub fn verify_password(password: &str, phc: &str) -> bool {
    match PasswordHash::new(phc) {
        Ok(parsed) => hasher().verify_password(password.as_bytes(), &parsed).is_ok(),
        Err(_) => false,
    }
}

/// A new login token: 32 random bytes as 64 hex characters.
pub fn new_token() -> Result<String, AuthError> {
    let mut b = [0u8; 32];
    random_bytes(&mut b)?;
    Ok(hex::encode(b))
}

/// A new random password for bootstrap accounts.
pub fn new_password() -> Result<String, AuthError> {
    let mut b = [0u8; 16];
    random_bytes(&mut b)?;
    Ok(hex::encode(b))
}

/// Hex SHA-256, for stored token digests.
pub fn sha256_hex(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

/// Splits `user:secret` at the first colon.
pub fn split_session(session: &str) -> Option<(&str, &str)> {
    session.split_once(':')
}

#[derive(Clone, Copy, Debug)]
struct CachedSession {
    uid: i32,
    epoch: u64,
    /// The token's expiry for token sessions (-1: a password session or a token without expiry).
    expires: i64,
    /// The token's effective group, or -1.
    egid: i32,
}

/// Successful sessions, keyed by the SHA-256 of the session string.
#[derive(Default)]
pub struct SessionCache {
    map: Mutex<HashMap<[u8; 32], CachedSession>>,
}

/// The most sessions kept; past it the cache is emptied (sessions then re-verify once).
const SESSION_CACHE_MAX: usize = 16_384;

/// What a cache hit says about a session.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SessionHit {
    pub uid: i32,
    pub epoch: u64,
    pub expires: i64,
    pub egid: i32,
}

impl SessionCache {
    fn key(session: &str) -> [u8; 32] {
        Sha256::digest(session.as_bytes()).into()
    }

    pub fn get(&self, session: &str) -> Option<SessionHit> {
        self.map.lock().get(&Self::key(session)).map(|c| SessionHit {
            uid: c.uid,
            epoch: c.epoch,
            expires: c.expires,
            egid: c.egid,
        })
    }

    pub fn insert(&self, session: &str, hit: SessionHit) {
        let mut m = self.map.lock();
        if m.len() >= SESSION_CACHE_MAX {
            m.clear();
        }
        m.insert(
            Self::key(session),
            CachedSession { uid: hit.uid, epoch: hit.epoch, expires: hit.expires, egid: hit.egid },
        );
    }

    pub fn remove(&self, session: &str) {
        self.map.lock().remove(&Self::key(session));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_hash_is_salted_and_verifies() {
        let a = hash_password("s3cret").unwrap();
        let b = hash_password("s3cret").unwrap();
        assert_ne!(a, b, "two hashes of one password must differ (salt)");
        assert!(a.starts_with("$argon2id$"));
        assert!(verify_password("s3cret", &a));
        assert!(!verify_password("s3cret!", &a));
        assert!(!verify_password("s3cret", "not a phc string"));
    }

    #[test]
    fn tokens_are_long_and_distinct() {
        let a = new_token().unwrap();
        let b = new_token().unwrap();
        assert_eq!(a.len(), 64);
        assert_ne!(a, b);
        assert!(a.bytes().all(|c| c.is_ascii_hexdigit()));
    }

    #[test]
    fn session_split_at_first_colon() {
        assert_eq!(split_session("u:p:q"), Some(("u", "p:q")));
        assert_eq!(split_session("nocolon"), None);
    }

    #[test]
    fn cache_round_trip() {
        let c = SessionCache::default();
        assert!(c.get("a:b").is_none());
        c.insert("a:b", SessionHit { uid: 3, epoch: 1, expires: -1, egid: -1 });
        assert_eq!(c.get("a:b").map(|h| h.uid), Some(3));
        c.remove("a:b");
        assert!(c.get("a:b").is_none());
    }
}

//! Password verification off the request path, in bounded memory.
//!
//! An argon2 verification needs its cost in memory (19 MiB with Nephele's parameters). Run on
//! an unbounded set of threads, concurrent wrong passwords made oned allocate that much per
//! attempt and never give it back to the system. Here a fixed number of worker threads do all
//! the verifications, each into a memory buffer of its own that is allocated once and reused,
//! so peak memory is `workers × 19 MiB` however many logins arrive. Requests wait in a bounded
//! queue; when it is full, a login is refused at once ([`Busy`]) instead of queueing memory.
//!
//! An unknown user, a disabled one or one that does not use passwords is checked against a
//! dummy hash with the same parameters, so every slow login costs the same work and time
//! whether the user exists or not.

use argon2::password_hash::{Output, PasswordHash};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use std::sync::Arc;
use std::sync::mpsc::{SyncSender, TrySendError, sync_channel};

/// The most argon2 memory (KiB) a stored hash may ask for; hashes asking more never match.
const MAX_M_COST: u32 = 256 * 1024;

/// The queue of verifications is full: the login is refused at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("too many logins are being verified; try again")]
pub struct Busy;

struct Job {
    secret: String,
    /// The stored hash; `None` checks against the dummy hash (and never matches).
    phc: Option<String>,
    reply: tokio::sync::oneshot::Sender<bool>,
}

/// The verification pool.
pub struct Verifier {
    tx: SyncSender<Job>,
    workers: usize,
}

/// Checks `secret` against the PHC string `phc`, using (and growing once) `memory`.
fn verify_with(secret: &str, phc: &str, memory: &mut Vec<Block>) -> bool {
    let Ok(hash) = PasswordHash::new(phc) else { return false };
    let (Some(expected), Some(salt)) = (hash.hash, hash.salt) else { return false };
    let Ok(algorithm) = Algorithm::try_from(hash.algorithm) else { return false };
    let version = match hash.version {
        Some(v) => match Version::try_from(v) {
            Ok(v) => v,
            Err(_) => return false,
        },
        None => Version::V0x13,
    };
    let Ok(params) = Params::try_from(&hash) else { return false };
    if params.m_cost() > MAX_M_COST {
        return false;
    }
    let mut salt_buf = [0u8; 64];
    let Ok(salt) = salt.decode_b64(&mut salt_buf) else { return false };
    let blocks = params.block_count();
    if memory.len() < blocks {
        // Grows to the largest cost seen and stays there: reused, never freed.
        memory.resize(blocks, Block::default());
    }
    let argon = Argon2::new(algorithm, version, params);
    let computed = Output::init_with(expected.len(), |out| {
        argon
            .hash_password_into_with_memory(secret.as_bytes(), salt, out, &mut memory[..blocks])
            .map_err(|_| argon2::password_hash::Error::Crypto)
    });
    // `Output` compares in constant time.
    computed.is_ok_and(|c| c == expected)
}

impl Verifier {
    /// Starts `workers` threads and a queue of `queue` verifications. `dummy` is a PHC string
    /// made with the same parameters as real passwords (its secret is thrown away).
    pub fn start(workers: usize, queue: usize, dummy: String) -> std::io::Result<Verifier> {
        let workers = workers.max(1);
        let (tx, rx) = sync_channel::<Job>(queue.max(1));
        let rx = Arc::new(parking_lot::Mutex::new(rx));
        let dummy: Arc<str> = dummy.into();
        for n in 0..workers {
            let (rx, dummy) = (rx.clone(), dummy.clone());
            std::thread::Builder::new().name(format!("auth-{n}")).spawn(move || {
                let mut memory: Vec<Block> = Vec::new();
                loop {
                    let job = match rx.lock().recv() {
                        Ok(job) => job,
                        Err(_) => break,
                    };
                    let ok = match &job.phc {
                        Some(phc) => verify_with(&job.secret, phc, &mut memory),
                        None => {
                            // Same work as a real check; the answer is always no.
                            let _ = verify_with(&job.secret, &dummy, &mut memory);
                            false
                        }
                    };
                    let _ = job.reply.send(ok);
                }
            })?;
        }
        Ok(Verifier { tx, workers })
    }

    /// How many verifications run at once.
    pub fn workers(&self) -> usize {
        self.workers
    }

    /// Verifies `secret` against `phc` (or the dummy hash when `None`, which never matches).
    pub async fn verify(&self, secret: &str, phc: Option<String>) -> Result<bool, Busy> {
        let (reply, answer) = tokio::sync::oneshot::channel();
        match self.tx.try_send(Job { secret: secret.to_string(), phc, reply }) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) => return Err(Busy),
            // The workers are gone (oned is stopping): nothing verifies.
            Err(TrySendError::Disconnected(_)) => return Ok(false),
        }
        Ok(answer.await.unwrap_or(false))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verifies_like_the_argon2_crate() {
        let phc = crate::auth::hash_password("s3cret").unwrap();
        let mut memory = Vec::new();
        assert!(verify_with("s3cret", &phc, &mut memory));
        let grown = memory.len();
        assert_eq!(grown, 19 * 1024, "one block per KiB of the cost");
        assert!(!verify_with("s3cret!", &phc, &mut memory));
        assert!(!verify_with("", &phc, &mut memory));
        assert!(!verify_with("s3cret", "not a phc string", &mut memory));
        assert!(!verify_with("s3cret", "$argon2id$v=19$m=999999999,t=2,p=1$c2FsdHNhbHQ$aGFzaA", &mut memory));
        assert_eq!(memory.len(), grown, "the buffer is reused, never grown again");
        // Hashes made elsewhere (other parameters, argon2i) verify too.
        use argon2::password_hash::{PasswordHasher, SaltString};
        let other = Argon2::new(Algorithm::Argon2i, Version::V0x13, Params::new(1024, 1, 1, None).unwrap())
            .hash_password(b"pw", &SaltString::encode_b64(b"0123456789abcdef").unwrap())
            .unwrap()
            .to_string();
        assert!(verify_with("pw", &other, &mut memory));
        assert!(!verify_with("px", &other, &mut memory));
    }

    #[tokio::test]
    async fn the_pool_answers_and_refuses_when_full() {
        let phc = crate::auth::hash_password("pw").unwrap();
        let v = Verifier::start(2, 4, phc.clone()).unwrap();
        assert_eq!(v.verify("pw", Some(phc.clone())).await, Ok(true));
        assert_eq!(v.verify("no", Some(phc.clone())).await, Ok(false));
        assert_eq!(v.verify("pw", None).await, Ok(false), "the dummy never matches, even its own secret");
        // Many at once: some are refused at once, the rest answer; none hangs.
        let v = Arc::new(v);
        let tasks: Vec<_> = (0..64)
            .map(|_| {
                let (v, phc) = (v.clone(), phc.clone());
                tokio::spawn(async move { v.verify("no", Some(phc)).await })
            })
            .collect();
        let mut results = Vec::new();
        for t in tasks {
            results.push(t.await.unwrap());
        }
        assert!(results.contains(&Err(Busy)), "a full queue refuses");
        assert!(results.contains(&Ok(false)));
    }
}

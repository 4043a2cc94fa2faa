//! The scheduler session: at most one live scheduler at a time, known by a token of its own.
//!
//! A scheduler (`mm_sched`) opens its session with `one.sched.open(session, pid)` as an admin
//! and from then on authenticates with `<user>:<token>`: oned then knows that the call comes
//! from the scheduler, and holds it to what a scheduler may do (`one.vm.deploy` always checks
//! the host's capacity and only acts on PENDING VMs; `one.vm.migrate` only on VMs still flagged
//! for rescheduling).
//!
//! While a session is live, a second `one.sched.open` is refused. A session is live while any
//! call of it is in progress (the long-poll `one.sched.wait` included, which oned keeps short
//! for schedulers) or for [`LEASE`] after its last call. A stale session is replaced by the
//! next open; the session of a scheduler oned supervises ends as soon as that process exits
//! ([`SchedulerSessions::end_pid`]). Sessions live in memory only, so a restarted oned knows
//! none: an orphaned scheduler's token stops working and that scheduler exits.

use parking_lot::Mutex;
use sha2::{Digest, Sha256};
use std::time::{Duration, Instant};

/// How long a session stays live after its last call ended.
pub const LEASE: Duration = Duration::from_secs(60);
/// The longest `one.sched.wait` a scheduler session may block in: it bounds how long a dead
/// scheduler's session can look live.
pub const MAX_WAIT: Duration = Duration::from_secs(30);
/// Scheduler tokens start with this, so they are told from passwords without a slow check.
pub const TOKEN_PREFIX: &str = "nephele-scheduler-session-";

struct Lease {
    uid: i32,
    digest: [u8; 32],
    pid: u32,
    opened: Instant,
    last_seen: Instant,
    in_progress: u32,
}

impl Lease {
    fn live(&self, now: Instant) -> bool {
        self.in_progress > 0 || now.duration_since(self.last_seen) < LEASE
    }
}

/// Why `one.sched.open` was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "a scheduler is already active (pid {pid}, opened {opened_secs} s ago, last call {idle_secs} s ago); only one runs at a time"
)]
pub struct Busy {
    pub pid: u32,
    pub opened_secs: u64,
    pub idle_secs: u64,
}

/// The live scheduler session, if any.
#[derive(Default)]
pub struct SchedulerSessions {
    lease: Mutex<Option<Lease>>,
}

fn digest(secret: &str) -> [u8; 32] {
    Sha256::digest(secret.as_bytes()).into()
}

/// A call made with the scheduler token; the session counts as busy until it is dropped.
pub struct InProgress<'a> {
    sessions: &'a SchedulerSessions,
}

impl Drop for InProgress<'_> {
    fn drop(&mut self) {
        if let Some(l) = self.sessions.lease.lock().as_mut() {
            l.in_progress = l.in_progress.saturating_sub(1);
            l.last_seen = Instant::now();
        }
    }
}

impl SchedulerSessions {
    /// Opens a session for user `uid` (scheduler process `pid`) with `token`, unless another
    /// one is live. A stale session is replaced (and logged).
    pub fn open(&self, uid: i32, pid: u32, token: &str) -> Result<(), Busy> {
        let now = Instant::now();
        let mut lease = self.lease.lock();
        if let Some(l) = lease.as_ref() {
            if l.live(now) {
                return Err(Busy {
                    pid: l.pid,
                    opened_secs: now.duration_since(l.opened).as_secs(),
                    idle_secs: now.duration_since(l.last_seen).as_secs(),
                });
            }
            tracing::warn!(
                pid = l.pid,
                "removed the stale scheduler session of pid {} (no call for {} s)",
                l.pid,
                now.duration_since(l.last_seen).as_secs()
            );
        }
        *lease = Some(Lease { uid, digest: digest(token), pid, opened: now, last_seen: now, in_progress: 0 });
        tracing::info!(pid, "scheduler session opened (pid {pid})");
        Ok(())
    }

    /// Whether `secret` looks like a scheduler token (whatever its validity).
    pub fn is_token(secret: &str) -> bool {
        secret.starts_with(TOKEN_PREFIX)
    }

    /// The user of the live session whose token is `secret`, with a guard that keeps the
    /// session busy for the call; `None` if `secret` is not the live session's token.
    pub fn enter(&self, secret: &str) -> Option<(i32, InProgress<'_>)> {
        let d = digest(secret);
        let mut lease = self.lease.lock();
        let l = lease.as_mut()?;
        // The digests are compared whole; their equality says nothing about the secret.
        if l.digest != d || !l.live(Instant::now()) {
            return None;
        }
        l.in_progress += 1;
        l.last_seen = Instant::now();
        Some((l.uid, InProgress { sessions: self }))
    }

    /// Ends the session of scheduler process `pid` (oned saw it exit).
    pub fn end_pid(&self, pid: u32) {
        let mut lease = self.lease.lock();
        if lease.as_ref().is_some_and(|l| l.pid == pid) {
            *lease = None;
            tracing::info!(pid, "scheduler session of pid {pid} ended: the process exited");
        }
    }

    /// Ends the session whose token is `secret` (`one.sched.close`).
    pub fn close(&self, secret: &str) -> bool {
        let d = digest(secret);
        let mut lease = self.lease.lock();
        if lease.as_ref().is_some_and(|l| l.digest == d) {
            *lease = None;
            return true;
        }
        false
    }
}

/// A new scheduler token: the prefix and 256 random bits in hex.
pub fn new_token() -> Result<String, super::AuthError> {
    Ok(format!("{TOKEN_PREFIX}{}", super::new_token()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_live_session_at_a_time() {
        let s = SchedulerSessions::default();
        let a = new_token().unwrap();
        let b = new_token().unwrap();
        assert!(SchedulerSessions::is_token(&a) && !SchedulerSessions::is_token("password"));
        s.open(0, 100, &a).unwrap();
        let busy = s.open(0, 200, &b).unwrap_err();
        assert_eq!(busy.pid, 100);
        assert!(s.enter(&b).is_none(), "the refused token is not a session");
        let (uid, guard) = s.enter(&a).expect("the live token");
        assert_eq!(uid, 0);
        drop(guard);
        s.end_pid(999);
        assert!(s.enter(&a).is_some(), "another pid's exit changes nothing");
        s.end_pid(100);
        assert!(s.enter(&a).is_none(), "the session ended with its process");
        s.open(0, 200, &b).unwrap();
        assert!(s.close(&b));
        assert!(s.enter(&b).is_none());
    }

    #[test]
    fn a_stale_session_is_replaced() {
        let s = SchedulerSessions::default();
        let a = new_token().unwrap();
        s.open(0, 1, &a).unwrap();
        if let Some(l) = s.lease.lock().as_mut() {
            l.last_seen = Instant::now() - LEASE - Duration::from_secs(1);
        }
        assert!(s.enter(&a).is_none(), "a stale token no longer authenticates");
        let b = new_token().unwrap();
        s.open(0, 2, &b).unwrap();
        assert!(s.enter(&b).is_some());
    }

    #[test]
    fn a_call_in_progress_keeps_the_session_live() {
        let s = SchedulerSessions::default();
        let a = new_token().unwrap();
        s.open(0, 1, &a).unwrap();
        let guard = s.enter(&a).unwrap();
        if let Some(l) = s.lease.lock().as_mut() {
            l.last_seen = Instant::now() - LEASE - Duration::from_secs(1);
        }
        assert!(s.open(0, 2, &new_token().unwrap()).is_err(), "busy while a call runs");
        drop(guard);
        assert!(s.enter(&a).is_some(), "the call's end renewed the lease");
    }
}

//! Throttling of failed logins, per user name and per client address.
//!
//! Each key (a user name, whether it exists or not, so the throttle tells nothing about which
//! users exist; and a client IP address) counts its failed password checks. Past a number of
//! free failures, every further failure blocks the key for a delay that doubles, from 1 s up to
//! a maximum. While a key is blocked, logins that need a password check are refused at once,
//! without checking (so a blocked attacker costs nothing and learns nothing); sessions already
//! verified (the session cache) and login tokens keep working. A key forgets its failures after
//! a quiet period; a successful login clears its user's count.
//!
//! Memory is bounded: each table keeps at most [`MAX_KEYS`] keys, dropping the one whose last
//! failure is oldest when a new one arrives.

use parking_lot::Mutex;
use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;
use std::time::{Duration, Instant};

/// Keys kept per table.
pub const MAX_KEYS: usize = 65_536;

pub use crate::config::ThrottleConfig;

#[derive(Clone, Copy, Debug)]
struct Count {
    failures: u32,
    last: Instant,
    blocked_until: Instant,
}

struct Table<K> {
    map: HashMap<K, Count>,
}

impl<K: Hash + Eq + Clone> Table<K> {
    fn new() -> Self {
        Table { map: HashMap::new() }
    }

    /// Seconds `key` stays blocked, if it is.
    fn blocked(&mut self, key: &K, now: Instant, reset_after: Duration) -> Option<Duration> {
        let c = self.map.get(key)?;
        if now.duration_since(c.last) >= reset_after {
            self.map.remove(key);
            return None;
        }
        (c.blocked_until > now).then(|| c.blocked_until - now)
    }

    fn fail(&mut self, key: &K, now: Instant, free: u32, cfg: &ThrottleConfig) {
        if !self.map.contains_key(key) && self.map.len() >= MAX_KEYS {
            // Drop the stalest key (a scan, but only when the table is full of fresh keys).
            if let Some(old) = self.map.iter().min_by_key(|(_, c)| c.last).map(|(k, _)| k.clone()) {
                self.map.remove(&old);
            }
        }
        let c = self.map.entry(key.clone()).or_insert(Count { failures: 0, last: now, blocked_until: now });
        if now.duration_since(c.last) >= cfg.reset_after {
            c.failures = 0;
        }
        c.failures = c.failures.saturating_add(1);
        c.last = now;
        if c.failures > free {
            let doublings = (c.failures - free - 1).min(30);
            let delay = Duration::from_secs(1u64 << doublings).min(cfg.max_delay);
            c.blocked_until = now + delay;
        }
    }

    fn clear(&mut self, key: &K) {
        self.map.remove(key);
    }
}

/// Why a login was not checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("too many failed logins for this user or from this address; try again in {retry_secs} s")]
pub struct Blocked {
    pub retry_secs: u64,
}

/// The throttle of failed logins.
pub struct Throttle {
    cfg: ThrottleConfig,
    users: Mutex<Table<String>>,
    addresses: Mutex<Table<IpAddr>>,
}

impl Throttle {
    pub fn new(cfg: ThrottleConfig) -> Throttle {
        Throttle { cfg, users: Mutex::new(Table::new()), addresses: Mutex::new(Table::new()) }
    }

    /// `Err` if the user name or the address is blocked now.
    pub fn check(&self, user: &str, addr: IpAddr) -> Result<(), Blocked> {
        self.check_at(user, addr, Instant::now())
    }

    fn check_at(&self, user: &str, addr: IpAddr, now: Instant) -> Result<(), Blocked> {
        let reset = self.cfg.reset_after;
        let by_user = self.users.lock().blocked(&user.to_string(), now, reset);
        let by_addr = self.addresses.lock().blocked(&addr, now, reset);
        match by_user.max(by_addr) {
            Some(d) => Err(Blocked { retry_secs: d.as_secs_f64().ceil() as u64 }),
            None => Ok(()),
        }
    }

    /// Records a failed password check.
    pub fn failed(&self, user: &str, addr: IpAddr) {
        self.failed_at(user, addr, Instant::now());
    }

    fn failed_at(&self, user: &str, addr: IpAddr, now: Instant) {
        self.users.lock().fail(&user.to_string(), now, self.cfg.user_free, &self.cfg);
        self.addresses.lock().fail(&addr, now, self.cfg.address_free, &self.cfg);
    }

    /// Records a successful password check: the user's failures are forgotten.
    pub fn succeeded(&self, user: &str) {
        self.users.lock().clear(&user.to_string());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg() -> ThrottleConfig {
        ThrottleConfig {
            user_free: 3,
            address_free: 5,
            max_delay: Duration::from_secs(8),
            reset_after: Duration::from_secs(100),
        }
    }

    const A: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(10, 0, 0, 1));
    const B: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(10, 0, 0, 2));

    #[test]
    fn a_user_is_blocked_with_doubling_delays() {
        let t = Throttle::new(cfg());
        let t0 = Instant::now();
        for n in 0..3 {
            assert_eq!(t.check_at("alice", A, t0), Ok(()), "free failure {n}");
            t.failed_at("alice", A, t0);
        }
        assert_eq!(t.check_at("alice", B, t0), Ok(()), "three failures are free");
        t.failed_at("alice", B, t0);
        assert_eq!(t.check_at("alice", B, t0), Err(Blocked { retry_secs: 1 }), "from any address");
        assert_eq!(t.check_at("bob", B, t0), Ok(()), "other users are not blocked by alice's count");
        t.failed_at("alice", B, t0 + Duration::from_secs(1));
        assert_eq!(t.check_at("alice", A, t0 + Duration::from_secs(1)), Err(Blocked { retry_secs: 2 }));
        for s in 2..8 {
            t.failed_at("alice", B, t0 + Duration::from_secs(s));
        }
        assert_eq!(
            t.check_at("alice", A, t0 + Duration::from_secs(7)),
            Err(Blocked { retry_secs: 8 }),
            "capped at max_delay"
        );
        assert_eq!(t.check_at("alice", A, t0 + Duration::from_secs(15)), Ok(()), "the block ends");
        t.succeeded("alice");
        t.failed_at("alice", A, t0 + Duration::from_secs(16));
        assert_eq!(t.check_at("alice", A, t0 + Duration::from_secs(16)), Ok(()), "a success clears the user's count");
    }

    #[test]
    fn an_address_is_blocked_whatever_names_it_tries() {
        let t = Throttle::new(cfg());
        let t0 = Instant::now();
        for n in 0..6 {
            t.failed_at(&format!("user{n}"), A, t0);
        }
        assert!(t.check_at("anyone", A, t0).is_err(), "the address is blocked");
        assert_eq!(t.check_at("anyone", B, t0), Ok(()), "other addresses are not");
        assert_eq!(
            t.check_at("anyone", A, t0 + Duration::from_secs(200)),
            Ok(()),
            "failures are forgotten after a quiet period"
        );
    }

    #[test]
    fn unknown_and_known_names_are_counted_alike_and_memory_is_bounded() {
        let t = Throttle::new(cfg());
        let t0 = Instant::now();
        for n in 0..(MAX_KEYS + 10) {
            t.failed_at(&format!("u{n}"), B, t0 + Duration::from_micros(n as u64));
        }
        assert_eq!(t.users.lock().map.len(), MAX_KEYS);
        assert!(!t.users.lock().map.contains_key("u0"), "the stalest key went first");
    }
}

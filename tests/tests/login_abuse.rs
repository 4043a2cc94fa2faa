//! Finding 2 of the hardening issue: failed logins cannot exhaust oned's memory, are throttled
//! per user name and per client address, and look the same for unknown and known users.
//! Real oned, real XML-RPC clients on 127.0.0.1.

use e2e::{Location, as_int, s};
use libone::client::{Client, ClientError};
use libone::xmlrpc::Value;
use std::time::Duration;

const AUTHENTICATION: i32 = 0x0100;

/// oned's resident memory in KiB.
fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("oned's /proc status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .expect("VmRSS")
}

fn login(loc: &Location, session: &str) -> Result<Value, ClientError> {
    Client::new(&loc.endpoint(), session)
        .expect("client")
        .with_timeout(Duration::from_secs(60))
        .call("one.user.info", vec![Value::Integer(-1)])
}

fn refusal(r: Result<Value, ClientError>) -> (i32, String) {
    match r {
        Err(ClientError::One { code, message }) => (code, message),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[test]
fn concurrent_bad_logins_use_bounded_memory() {
    // No throttling here: every attempt reaches a password check.
    let loc = Location::new("AUTH_THROTTLE = [ USER_FREE = 1000000, ADDRESS_FREE = 1000000 ]\n");
    let oned = loc.start();
    login(&loc, &loc.session()).expect("oneadmin logs in");
    let before = rss_kib(oned.pid());
    let mut peak = before;
    // Six waves of 48 concurrent wrong passwords (what grew oned to 5.47 GB).
    for _ in 0..6 {
        let threads: Vec<_> = (0..48)
            .map(|n| {
                let endpoint = loc.endpoint();
                std::thread::spawn(move || {
                    let c = Client::new(&endpoint, format!("oneadmin:wrong-{n}"))
                        .unwrap()
                        .with_timeout(Duration::from_secs(120));
                    c.call("one.user.info", vec![Value::Integer(-1)])
                })
            })
            .collect();
        for t in threads {
            let r = t.join().expect("client thread");
            let (code, _) = refusal(r);
            assert_eq!(code, AUTHENTICATION);
        }
        peak = peak.max(rss_kib(oned.pid()));
    }
    // A few verification threads with 19 MiB each, reused: far below one wave's 48 × 19 MiB.
    let grown_mib = (peak.saturating_sub(before)) / 1024;
    assert!(grown_mib < 300, "oned grew by {grown_mib} MiB under bad logins ({before} KiB before, {peak} KiB peak)");
    login(&loc, &loc.session()).expect("oneadmin still logs in");
}

#[test]
fn failed_logins_are_throttled_per_user_and_address() {
    let loc = Location::new("AUTH_THROTTLE = [ USER_FREE = 3, ADDRESS_FREE = 8, MAX_DELAY = 2, RESET = 600 ]\n");
    let _oned = loc.start();
    let c = loc.client();
    for name in ["alice", "bob", "carol"] {
        as_int(&c.call("one.user.allocate", vec![s(name), s("right"), s(""), Value::Array(vec![])]).unwrap());
    }
    // A session verified before the attack keeps working through it.
    let alice = Client::new(&loc.endpoint(), "alice:right").unwrap();
    alice.call("one.user.info", vec![Value::Integer(-1)]).expect("alice logs in");

    for _ in 0..3 {
        let (code, msg) = refusal(login(&loc, "bob:wrong"));
        assert_eq!(
            (code, msg.as_str()),
            (AUTHENTICATION, "[one.user.info] User couldn't be authenticated, aborting call.")
        );
    }
    // The fourth failure blocks the name: even the right password is refused, unchecked.
    let _ = login(&loc, "bob:wrong");
    let (code, msg) = refusal(login(&loc, "bob:right"));
    assert_eq!(code, AUTHENTICATION);
    assert!(msg.contains("too many failed logins"), "{msg}");
    alice.call("one.user.info", vec![Value::Integer(-1)]).expect("a verified session is not throttled");
    c.call("one.user.info", vec![Value::Integer(-1)]).expect("nor oneadmin's");

    // Names that do not exist get the same answer as names that do.
    let unknown = refusal(login(&loc, "nobody:x"));
    let known = refusal(login(&loc, "carol:x"));
    assert_eq!(unknown, known, "nothing tells an unknown user from a known one");
    // Past ADDRESS_FREE failures from this address, every name is blocked from here.
    for n in 0..4 {
        let _ = login(&loc, &format!("ghost{n}:x"));
    }
    let (_, msg) = refusal(login(&loc, "carol:right"));
    assert!(msg.contains("too many failed logins"), "{msg}");

    // Blocks end (MAX_DELAY is 2 s here).
    std::thread::sleep(Duration::from_secs(3));
    login(&loc, "bob:right").expect("bob logs in once the block ended");
}

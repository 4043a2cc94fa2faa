//! mm_sched's place among oned's clients: one live scheduler per oned, never one without its
//! oned.
//!
//! - [`watch_parent`]: when oned started this process (`NEPHELE_SCHED_WATCH_STDIN=1`), stdin is
//!   a pipe only oned holds; end-of-file there means oned is gone, however it ended, and the
//!   scheduler exits at once instead of dispatching for a dead (or restarted) front-end.
//! - [`open`]: `one.sched.open` gives this process a session of its own (`<user>:<token>`), or
//!   is refused while another scheduler's session is live — then this one exits. oned holds a
//!   scheduler session to what a scheduler may do (capacity always checked, only PENDING VMs
//!   deployed). Against an oned without `one.sched.open` the credentials are used as they are.

use libone::client::{Client, ClientError};
use libone::xmlrpc::Value;
use std::io::Read;
use std::time::Duration;

/// Exit code when another scheduler is active.
pub const EXIT_BUSY: i32 = 4;
/// OpenNebula's ACTION error code (what `one.sched.open` answers when another is live).
const ACTION: i32 = 0x0800;

/// Exits the process when oned's end of the stdin pipe closes (only when oned asked for it).
pub fn watch_parent() {
    if std::env::var_os("NEPHELE_SCHED_WATCH_STDIN").is_none_or(|v| v != "1") {
        return;
    }
    let spawned = std::thread::Builder::new().name("parent-watch".into()).spawn(|| {
        let mut stdin = std::io::stdin().lock();
        let mut buf = [0u8; 64];
        // Nothing is ever written: a read returns only at end-of-file (or an error).
        while matches!(stdin.read(&mut buf), Ok(n) if n > 0) {}
        tracing::warn!("oned is gone (its pipe closed); exiting");
        eprintln!("mm_sched: oned is gone (its pipe closed); exiting");
        std::process::exit(0);
    });
    if let Err(e) = spawned {
        tracing::error!("cannot watch oned's pipe: {e}");
    }
}

/// What `one.sched.open` gave.
pub enum Opened {
    /// A client on the scheduler's own session.
    Session(Client),
    /// oned has no scheduler sessions: the client with the plain credentials.
    Plain(Client),
}

/// Why no session could be opened.
#[derive(Debug)]
pub enum OpenError {
    /// Another scheduler's session is live.
    Busy(String),
    /// oned did not answer or refused otherwise.
    Other(String),
}

/// Opens the scheduler session with `client`'s credentials (a few tries while oned is not
/// reachable yet).
pub fn open(client: &Client) -> Result<Opened, OpenError> {
    let user = client.session().split(':').next().unwrap_or("oneadmin").to_string();
    let mut last = String::new();
    for attempt in 0..10 {
        if attempt > 0 {
            std::thread::sleep(Duration::from_secs(1));
        }
        match client.call("one.sched.open", vec![Value::Integer(std::process::id() as i32)]) {
            Ok(Value::String(token)) => {
                let c = Client::new(client.endpoint(), format!("{user}:{token}"))
                    .map_err(|e| OpenError::Other(e.to_string()))?;
                tracing::info!("scheduler session opened");
                return Ok(Opened::Session(c.with_timeout(Duration::from_secs(600))));
            }
            Ok(other) => return Err(OpenError::Other(format!("one.sched.open answered {other:?}"))),
            Err(ClientError::Fault { .. }) => {
                tracing::warn!("oned has no scheduler sessions (one.sched.open); using the credentials as they are");
                let c = Client::new(client.endpoint(), client.session().to_string())
                    .map_err(|e| OpenError::Other(e.to_string()))?;
                return Ok(Opened::Plain(c.with_timeout(Duration::from_secs(600))));
            }
            Err(ClientError::One { code, message }) if code == ACTION => return Err(OpenError::Busy(message)),
            Err(ClientError::One { message, .. }) => return Err(OpenError::Other(message)),
            Err(e) => last = e.to_string(),
        }
    }
    Err(OpenError::Other(last))
}

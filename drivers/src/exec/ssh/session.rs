//! Opening one authenticated SSH session to a host: TCP connect within the deadline, handshake,
//! host key check against the front-end's known_hosts (accept-and-remember, refuse a changed
//! key), public key authentication.

use super::known_hosts::{self, Check};
use super::target::Target;
use crate::proto::b64_encode;
use ssh2::{MethodType, Session};
use std::net::{TcpStream, ToSocketAddrs};
use std::os::fd::{AsRawFd, RawFd};
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Who connects and how.
#[derive(Debug, Clone)]
pub struct Credentials {
    pub user: String,
    /// The private key (OpenSSH or PEM format, no passphrase).
    pub key: PathBuf,
    /// The known_hosts file of the front-end.
    pub known_hosts: PathBuf,
    /// Upper bound for connecting and authenticating, whatever the action's deadline.
    pub connect_timeout: Duration,
}

/// An authenticated session and the socket under it (for poll(2)).
pub struct Connection {
    pub session: Session,
    pub fd: RawFd,
}

/// Serialises the check-and-append of known_hosts within the process.
static KNOWN_HOSTS_LOCK: Mutex<()> = Mutex::new(());

/// Connects to `target` and authenticates; `deadline` bounds the whole thing.
pub fn connect(target: &Target, creds: &Credentials, deadline: Option<Instant>) -> Result<Connection, String> {
    let limit = Instant::now() + creds.connect_timeout;
    let deadline = deadline.map_or(limit, |d| d.min(limit));
    let remaining = || deadline.saturating_duration_since(Instant::now());

    let addrs: Vec<_> = (target.host.as_str(), target.port)
        .to_socket_addrs()
        .map_err(|e| format!("cannot resolve {}: {e}", target.host))?
        .collect();
    let mut last_error = format!("no address for {}", target.host);
    let mut stream = None;
    for addr in addrs {
        let left = remaining();
        if left.is_zero() {
            last_error = "timed out".into();
            break;
        }
        match TcpStream::connect_timeout(&addr, left) {
            Ok(s) => {
                stream = Some(s);
                break;
            }
            Err(e) => last_error = e.to_string(),
        }
    }
    let stream = stream.ok_or_else(|| format!("cannot connect to {target}: {last_error}"))?;
    let _ = stream.set_nodelay(true);
    let fd = stream.as_raw_fd();

    let mut session = Session::new().map_err(|e| format!("cannot start an SSH session: {e}"))?;
    session.set_tcp_stream(stream);
    session.set_blocking(true);
    session.set_timeout(timeout_ms(remaining()));

    let host_name = target.known_hosts_name();
    let known = known_hosts::read(&creds.known_hosts)
        .map_err(|e| format!("cannot read {}: {e}", creds.known_hosts.display()))?;
    // ask for a key type already known for this host first, so that a host with both an RSA
    // and an Ed25519 key is not taken for a changed one
    let mut preferred: Vec<String> = Vec::new();
    for known_type in known_hosts::known_types(&known, &host_name) {
        // an RSA key is written ssh-rsa; its signatures are rsa-sha2-* nowadays
        if known_type == "ssh-rsa" {
            preferred.extend(["rsa-sha2-512".to_string(), "rsa-sha2-256".to_string()]);
        }
        preferred.push(known_type);
    }
    if !preferred.is_empty() {
        for default in [
            "ssh-ed25519",
            "ecdsa-sha2-nistp256",
            "ecdsa-sha2-nistp384",
            "ecdsa-sha2-nistp521",
            "rsa-sha2-512",
            "rsa-sha2-256",
            "ssh-rsa",
        ] {
            if !preferred.iter().any(|p| p == default) {
                preferred.push(default.to_string());
            }
        }
        // unknown names make libssh2 refuse the list: then its defaults apply
        let _ = session.method_pref(MethodType::HostKey, &preferred.join(","));
    }

    session.handshake().map_err(|e| format!("SSH handshake with {target} failed: {e}"))?;
    check_host_key(&session, &host_name, creds)?;

    session.set_timeout(timeout_ms(remaining()));
    session.userauth_pubkey_file(&creds.user, None, &creds.key, None).map_err(|e| {
        format!("SSH authentication as {} on {target} with {} failed: {e}", creds.user, creds.key.display())
    })?;
    if !session.authenticated() {
        return Err(format!("SSH authentication as {} on {target} failed", creds.user));
    }
    Ok(Connection { session, fd })
}

/// Accept-and-remember, refuse a changed key.
fn check_host_key(session: &Session, host_name: &str, creds: &Credentials) -> Result<(), String> {
    let (blob, _) = session.host_key().ok_or_else(|| format!("{host_name} sent no host key"))?;
    let key_type =
        known_hosts::blob_key_type(blob).ok_or_else(|| format!("{host_name} sent an unreadable host key"))?;
    let key = b64_encode(blob);
    let _guard = KNOWN_HOSTS_LOCK.lock().unwrap_or_else(|p| p.into_inner());
    // read again under the lock: another thread may have just remembered this host
    let known = known_hosts::read(&creds.known_hosts)
        .map_err(|e| format!("cannot read {}: {e}", creds.known_hosts.display()))?;
    match known_hosts::check(&known, host_name, &key_type, &key) {
        Check::Match => Ok(()),
        Check::NotFound => {
            known_hosts::append(&creds.known_hosts, &known_hosts::entry_line(host_name, &key_type, &key)).map_err(|e| {
                format!("cannot remember the host key of {host_name} in {}: {e}", creds.known_hosts.display())
            })
        }
        Check::Mismatch { known_types } => Err(format!(
            "HOST KEY CHANGED for {host_name}: it shows a {key_type} key that {} does not have (known: {}); \
             refusing to connect (remove the old entry if the change is expected)",
            creds.known_hosts.display(),
            known_types.join(", ")
        )),
    }
}

/// A libssh2 timeout: at least 1 ms (0 would mean none).
pub fn timeout_ms(d: Duration) -> u32 {
    u32::try_from(d.as_millis()).unwrap_or(u32::MAX).max(1)
}

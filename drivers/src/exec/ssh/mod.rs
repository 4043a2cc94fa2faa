//! The SSH backend: ONE authenticated session per host, kept and reused across actions (so
//! actions on one host run one at a time, as OpenNebula's exec drivers serialise them), opened
//! again once when it turns out broken; the remotes copied to the host on first use, on `SYNC`,
//! and when a script is missing there (exit 42).
//!
//! Configuration (environment of the driver):
//! - `NEPHELE_SSH_USER` (default: the user running the driver),
//! - `NEPHELE_SSH_PORT` (default 22; a host named `host:port` overrides it),
//! - `NEPHELE_SSH_KEY` (default `~/.ssh/id_ed25519`, else `~/.ssh/id_rsa`),
//! - `NEPHELE_SSH_KNOWN_HOSTS` (default `<var>/.ssh/known_hosts`, see [`super::config`]),
//! - `SCRIPTS_REMOTE_DIR` (default `/var/tmp/one`),
//! - `NEPHELE_REMOTE_ENV`: names of variables handed to remote scripts.
//!
//! Copying the remotes: `tar -c -h` of the front-end's remotes directory (symbolic links
//! followed) is streamed through the session into `mkdir -p DIR && tar -x -o -f - -C DIR` on
//! the host. Files are replaced, not deleted first, so a script running there keeps its
//! inode; files removed on the front-end stay on the host.

pub mod exec;
pub mod known_hosts;
pub mod session;
pub mod target;

use super::config;
use super::local::run_local;
use super::outcome::{Limits, RunError};
use super::outcome::{Output, Status};
use super::quote::{sh_join, sh_quote};
use exec::ExecError;
use session::{Connection, Credentials};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};
use target::Target;

/// Exit code of the guard in front of every script: "the script is not on the host".
pub const MISSING_SCRIPT: i32 = 42;
/// Upper bound for connecting and authenticating.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(30);
/// How often a waiting action looks at its deadline and cancel flag.
const TICK: Duration = Duration::from_millis(50);

/// Everything the pool needs to reach hosts.
#[derive(Debug, Clone)]
pub struct SshConfig {
    pub credentials: Credentials,
    pub default_port: u16,
    /// Where the remotes live on the hosts.
    pub remote_dir: String,
    /// Where they live on the front-end.
    pub remotes: PathBuf,
    /// Variables exported to every remote script.
    pub env: Vec<(String, String)>,
}

impl SshConfig {
    /// From the driver's environment (see the module documentation).
    pub fn from_env(remotes: PathBuf) -> Result<SshConfig, String> {
        let user = match std::env::var("NEPHELE_SSH_USER") {
            Ok(user) if !user.is_empty() => user,
            _ => current_user().ok_or("cannot tell the current user; set NEPHELE_SSH_USER")?,
        };
        let default_port = match std::env::var("NEPHELE_SSH_PORT") {
            Ok(port) if !port.is_empty() => match port.parse::<u16>() {
                Ok(p) if p > 0 => p,
                _ => return Err(format!("NEPHELE_SSH_PORT: invalid port '{port}'")),
            },
            _ => 22,
        };
        let key = match std::env::var("NEPHELE_SSH_KEY") {
            Ok(key) if !key.is_empty() => PathBuf::from(key),
            _ => default_key().ok_or("no SSH key: set NEPHELE_SSH_KEY or create ~/.ssh/id_ed25519")?,
        };
        Ok(SshConfig {
            credentials: Credentials {
                user,
                key,
                known_hosts: config::known_hosts_file_from_env(),
                connect_timeout: CONNECT_TIMEOUT,
            },
            default_port,
            remote_dir: config::scripts_remote_dir_from_env()?,
            remotes,
            env: config::forwarded_env_from_env()?,
        })
    }
}

/// The command line that runs `<remote_dir>/<script> args…` on a host: exit 42 when the script
/// is not there, the forwarded variables exported, every value quoted.
pub fn script_command(remote_dir: &str, script: &str, args: &[String], env: &[(String, String)]) -> String {
    let path = format!("{remote_dir}/{script}");
    let mut line = format!("test -x {} || exit {MISSING_SCRIPT};", sh_quote(&path));
    for (name, value) in env {
        // names are shell identifiers (checked by config::forwarded_env)
        line.push_str(&format!(" export {name}={};", sh_quote(value)));
    }
    line.push_str(" exec ");
    line.push_str(&sh_join(std::iter::once(path.as_str()).chain(args.iter().map(String::as_str))));
    line
}

/// The command line that unpacks the remotes (a tar on stdin) into `remote_dir`.
pub fn unpack_command(remote_dir: &str) -> String {
    let dir = sh_quote(remote_dir);
    format!("mkdir -p {dir} && exec tar -x -o -f - -C {dir}")
}

/// One host's session and whether the remotes are there.
#[derive(Default)]
struct SlotState {
    busy: bool,
    conn: Option<Connection>,
    synced: bool,
}

#[derive(Default)]
struct Slot {
    state: Mutex<SlotState>,
    freed: Condvar,
}

impl Slot {
    fn lock(&self) -> MutexGuard<'_, SlotState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Exclusive use of a host's session; gives it back on drop.
struct Lease {
    slot: Arc<Slot>,
    conn: Option<Connection>,
    synced: bool,
}

impl Drop for Lease {
    fn drop(&mut self) {
        let mut state = self.slot.lock();
        state.conn = self.conn.take();
        state.synced = self.synced;
        state.busy = false;
        drop(state);
        self.slot.freed.notify_one();
    }
}

/// The sessions, one per host.
pub struct SshPool {
    config: SshConfig,
    slots: Mutex<HashMap<Target, Arc<Slot>>>,
}

impl SshPool {
    pub fn new(config: SshConfig) -> SshPool {
        SshPool { config, slots: Mutex::new(HashMap::new()) }
    }

    pub fn config(&self) -> &SshConfig {
        &self.config
    }

    /// Runs remotes script `script` (e.g. `vmm/kvm/deploy`) on `host`.
    pub fn run(
        &self,
        host: &str,
        script: &str,
        args: &[String],
        stdin: &[u8],
        limits: &Limits<'_>,
    ) -> Result<Output, RunError> {
        if args.iter().any(|a| a.contains('\0')) {
            return Err(RunError::Nul { script: script.to_string() });
        }
        let target = Target::parse(host, self.config.default_port).map_err(RunError::Ssh)?;
        let mut lease = match self.acquire(&target, limits) {
            Ok(lease) => lease,
            Err(status) => return Ok(Output { status, stdout: Vec::new(), stderr: Vec::new() }),
        };
        let fresh = self.ensure_connected(&mut lease, &target, limits)?;
        if !lease.synced {
            self.copy_remotes(&mut lease, &target, limits)?;
        }
        let line = script_command(&self.config.remote_dir, script, args, &self.config.env);
        let output = match self.exec(&mut lease, &target, &line, stdin, limits) {
            Err(ExecError::NotStarted(_)) if !fresh => {
                // the kept session died since its last use: one new one
                self.ensure_connected(&mut lease, &target, limits)?;
                self.exec(&mut lease, &target, &line, stdin, limits).map_err(|e| exec_error(&target, e))?
            }
            other => other.map_err(|e| exec_error(&target, e))?,
        };
        if output.exited_with(MISSING_SCRIPT) {
            self.copy_remotes(&mut lease, &target, limits)?;
            let output = self.exec(&mut lease, &target, &line, stdin, limits).map_err(|e| exec_error(&target, e))?;
            if output.exited_with(MISSING_SCRIPT) {
                return Err(RunError::Missing { script: script.to_string(), host: target.to_string() });
            }
            return Ok(output);
        }
        Ok(output)
    }

    /// Copies the remotes to `host` now (`SYNC`).
    pub fn sync(&self, host: &str, limits: &Limits<'_>) -> Result<(), RunError> {
        let target = Target::parse(host, self.config.default_port).map_err(RunError::Ssh)?;
        let mut lease = match self.acquire(&target, limits) {
            Ok(lease) => lease,
            Err(status) => return Err(RunError::Ssh(format!("{target}: {}", waiting(&status)))),
        };
        self.ensure_connected(&mut lease, &target, limits)?;
        self.copy_remotes(&mut lease, &target, limits)
    }

    /// Waits for the host's session to be free (bounded by the deadline and the cancel flag).
    fn acquire(&self, target: &Target, limits: &Limits<'_>) -> Result<Lease, Status> {
        let slot = {
            let mut slots = self.slots.lock().unwrap_or_else(|p| p.into_inner());
            Arc::clone(slots.entry(target.clone()).or_default())
        };
        let mut state = slot.lock();
        while state.busy {
            if (limits.cancelled)() {
                return Err(Status::Cancelled);
            }
            let wait = match limits.deadline {
                Some(deadline) => {
                    let left = deadline.saturating_duration_since(Instant::now());
                    if left.is_zero() {
                        return Err(Status::TimedOut);
                    }
                    left.min(TICK)
                }
                None => TICK,
            };
            state = slot.freed.wait_timeout(state, wait).unwrap_or_else(|p| p.into_inner()).0;
        }
        state.busy = true;
        let conn = state.conn.take();
        let synced = state.synced;
        drop(state);
        Ok(Lease { slot, conn, synced })
    }

    /// Opens the session if there is none. Returns whether it is new.
    fn ensure_connected(&self, lease: &mut Lease, target: &Target, limits: &Limits<'_>) -> Result<bool, RunError> {
        if lease.conn.is_some() {
            return Ok(false);
        }
        let conn = session::connect(target, &self.config.credentials, limits.deadline).map_err(RunError::Ssh)?;
        lease.conn = Some(conn);
        Ok(true)
    }

    /// One command on the leased session; the session is dropped after any trouble.
    fn exec(
        &self,
        lease: &mut Lease,
        target: &Target,
        line: &str,
        stdin: &[u8],
        limits: &Limits<'_>,
    ) -> Result<Output, ExecError> {
        let conn = match lease.conn.as_ref() {
            Some(conn) => conn,
            None => {
                let conn = session::connect(target, &self.config.credentials, limits.deadline)
                    .map_err(ExecError::NotStarted)?;
                lease.conn.insert(conn)
            }
        };
        let result = exec::exec(conn, line, stdin, limits);
        match &result {
            Ok(output) if matches!(output.status, Status::Exited(_) | Status::Signaled(_)) => {}
            // after an error, a timeout or a cancel the session may be mid-way: start afresh
            _ => lease.conn = None,
        }
        result
    }

    /// Streams a tar of the front-end's remotes into the host's remote directory.
    fn copy_remotes(&self, lease: &mut Lease, target: &Target, limits: &Limits<'_>) -> Result<(), RunError> {
        let copy_error = |reason: String| RunError::Copy { host: target.to_string(), reason };
        let tar = pack_remotes(&self.config.remotes, limits).map_err(copy_error)?;
        let output = self
            .exec(lease, target, &unpack_command(&self.config.remote_dir), &tar, limits)
            .map_err(|e| copy_error(exec_error_text(e)))?;
        match output.status {
            Status::Exited(0) => {
                lease.synced = true;
                Ok(())
            }
            Status::TimedOut | Status::Cancelled => Err(copy_error(waiting(&output.status))),
            _ => {
                let (_, stderr) = exec::split_marker(&output.stderr);
                Err(copy_error(super::outcome::one_line(&String::from_utf8_lossy(&stderr))))
            }
        }
    }
}

/// A tar of the remotes directory (links followed).
pub fn pack_remotes(remotes: &Path, limits: &Limits<'_>) -> Result<Vec<u8>, String> {
    if !remotes.is_dir() {
        return Err(format!("the remotes directory {} does not exist", remotes.display()));
    }
    let args: Vec<String> = ["-c", "-h", "-f", "-", "-C"]
        .iter()
        .map(|s| s.to_string())
        .chain([remotes.to_string_lossy().into_owned(), ".".to_string()])
        .collect();
    let output = run_local(Path::new("tar"), &args, &[], b"", limits).map_err(|e| format!("cannot run tar: {e}"))?;
    match output.status {
        Status::Exited(0) => Ok(output.stdout),
        Status::TimedOut | Status::Cancelled => Err(waiting(&output.status)),
        _ => Err(format!(
            "tar of {} failed: {}",
            remotes.display(),
            super::outcome::one_line(&String::from_utf8_lossy(&output.stderr))
        )),
    }
}

fn waiting(status: &Status) -> String {
    match status {
        Status::Cancelled => "cancelled".into(),
        _ => "timed out".into(),
    }
}

fn exec_error_text(e: ExecError) -> String {
    match e {
        ExecError::NotStarted(text) | ExecError::Broken(text) => text,
    }
}

fn exec_error(target: &Target, e: ExecError) -> RunError {
    RunError::Ssh(format!("{target}: {}", exec_error_text(e)))
}

/// The user running the driver (from the password database).
pub fn current_user() -> Option<String> {
    nix::unistd::User::from_uid(nix::unistd::geteuid()).ok().flatten().map(|u| u.name)
}

/// `~/.ssh/id_ed25519`, else `~/.ssh/id_rsa` (the first that exists).
fn default_key() -> Option<PathBuf> {
    let home = std::env::var("HOME").ok().filter(|h| !h.is_empty())?;
    ["id_ed25519", "id_rsa"].iter().map(|name| Path::new(&home).join(".ssh").join(name)).find(|p| p.is_file())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;
    use std::process::Command;

    #[test]
    fn script_command_runs_the_script_with_the_exact_argv() {
        let dir = tempfile::tempdir().unwrap();
        let remote = dir.path().join("remote dir'x");
        std::fs::create_dir_all(remote.join("vmm/dummy")).unwrap();
        let script = remote.join("vmm/dummy/poll");
        std::fs::write(&script, "#!/bin/sh\nprintf '%s|' \"$NEPHELE_X\" \"$@\"\n").unwrap();
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
        let args: Vec<String> = ["a b", "it's", "$(id)", "`id`", "x\ny", ""].iter().map(|s| s.to_string()).collect();
        let env = vec![("NEPHELE_X".to_string(), "v'$HOME".to_string())];
        let line = script_command(&remote.to_string_lossy(), "vmm/dummy/poll", &args, &env);
        let out = Command::new("sh").arg("-c").arg(&line).output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        assert_eq!(String::from_utf8_lossy(&out.stdout), "v'$HOME|a b|it's|$(id)|`id`|x\ny||");

        let line = script_command(&remote.to_string_lossy(), "vmm/dummy/missing", &args, &[]);
        let out = Command::new("sh").arg("-c").arg(&line).output().unwrap();
        assert_eq!(out.status.code(), Some(MISSING_SCRIPT));
    }

    #[test]
    fn pack_and_unpack_round_trip() {
        let src = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(src.path().join("im/kvm.d")).unwrap();
        std::fs::write(src.path().join("im/kvm.d/cpu.sh"), "echo x\n").unwrap();
        std::fs::set_permissions(src.path().join("im/kvm.d/cpu.sh"), std::fs::Permissions::from_mode(0o755)).unwrap();
        std::os::unix::fs::symlink("kvm.d", src.path().join("im/dummy.d")).unwrap();
        let never = || false;
        let limits = Limits { deadline: None, cancelled: &never };
        let tar = pack_remotes(src.path(), &limits).unwrap();
        let dst = tempfile::tempdir().unwrap();
        let remote_dir = dst.path().join("one remotes");
        let out = run_local(
            Path::new("sh"),
            &["-c".to_string(), unpack_command(&remote_dir.to_string_lossy())],
            &[],
            &tar,
            &limits,
        )
        .unwrap();
        assert_eq!(out.status, Status::Exited(0), "{}", String::from_utf8_lossy(&out.stderr));
        let copied = remote_dir.join("im/dummy.d/cpu.sh");
        assert_eq!(std::fs::read_to_string(&copied).unwrap(), "echo x\n");
        assert!(!std::fs::symlink_metadata(remote_dir.join("im/dummy.d")).unwrap().file_type().is_symlink());
        assert_eq!(std::fs::metadata(&copied).unwrap().permissions().mode() & 0o111, 0o111);
        assert!(pack_remotes(&dst.path().join("nope"), &limits).is_err());
    }
}

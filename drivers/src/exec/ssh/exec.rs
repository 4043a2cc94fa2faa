//! One command on an open session: a channel, the command line, stdin written while stdout and
//! stderr are drained (non-blocking, so a script filling stderr never deadlocks), the deadline
//! and the cancel flag watched, the exit status read at the close.
//!
//! Remote process group: sshd starts the command's shell in a session of its own, so the
//! shell's pid (printed first on stderr as `NEPHELE_PGID=<pid>`, then stripped) is the group of
//! the script and everything it starts. On a timeout or a cancel, `kill -TERM`/`-KILL` of that
//! group is sent over a second channel.
#![allow(unsafe_code)] // poll(2) on the session's socket

use super::session::{Connection, timeout_ms};
use crate::exec::outcome::Limits;
use crate::exec::outcome::{Output, Status};
use ssh2::{BlockDirections, Channel};
use std::io::{self, Read, Write};
use std::time::{Duration, Instant};

/// libssh2's "would block" code.
const LIBSSH2_ERROR_EAGAIN: i32 = -37;
/// The first line every command prints on stderr.
const PGID_MARKER: &str = "NEPHELE_PGID=";
/// Longest wait in poll(2) before the cancel flag is looked at again.
const TICK: Duration = Duration::from_millis(50);
/// Bound on opening a channel and starting the command (a half-dead connection).
const START_TIMEOUT: Duration = Duration::from_secs(30);
/// Bound on closing the channel and on the remote kill.
const CLOSE_GRACE: Duration = Duration::from_secs(5);

/// Why a command did not give an [`Output`].
#[derive(Debug)]
pub enum ExecError {
    /// The channel could not be opened or the command not started: nothing ran, the session is
    /// probably dead (reconnecting and trying again is safe).
    NotStarted(String),
    /// The session broke while the command ran.
    Broken(String),
}

/// The shell prologue that prints the group id; `command` follows it.
pub fn with_pgid_marker(command: &str) -> String {
    format!("printf '%s\\n' \"{PGID_MARKER}$$\" >&2; {command}")
}

/// Runs `command_line` (already quoted, see [`crate::exec::quote`]) with `stdin`.
pub fn exec(conn: &Connection, command_line: &str, stdin: &[u8], limits: &Limits<'_>) -> Result<Output, ExecError> {
    let session = &conn.session;
    session.set_blocking(true);
    let start_budget = limits.deadline.map_or(START_TIMEOUT, |d| d.saturating_duration_since(Instant::now()));
    session.set_timeout(timeout_ms(start_budget.min(START_TIMEOUT)));
    let mut channel =
        session.channel_session().map_err(|e| ExecError::NotStarted(format!("cannot open an SSH channel: {e}")))?;
    channel
        .exec(&with_pgid_marker(command_line))
        .map_err(|e| ExecError::NotStarted(format!("cannot start the command: {e}")))?;

    session.set_blocking(false);
    let result = pump(conn, &mut channel, stdin, limits);
    session.set_blocking(true);
    let (stdout, raw_stderr, ended_early) =
        result.map_err(|e| ExecError::Broken(format!("SSH connection lost: {e}")))?;
    let (pgid, stderr) = split_marker(&raw_stderr);

    if let Some(status) = ended_early {
        if let Some(pgid) = pgid {
            kill_remote_group(conn, pgid);
        }
        session.set_timeout(timeout_ms(CLOSE_GRACE));
        let _ = channel.close();
        return Ok(Output { status, stdout, stderr });
    }

    session.set_timeout(timeout_ms(CLOSE_GRACE));
    channel.wait_close().map_err(|e| ExecError::Broken(format!("SSH channel did not close: {e}")))?;
    let signal = channel.exit_signal().ok().and_then(|s| s.exit_signal);
    let status = match signal {
        Some(signal) => Status::Signaled(signal),
        None => Status::Exited(channel.exit_status().map_err(|e| ExecError::Broken(format!("no exit status: {e}")))?),
    };
    Ok(Output { status, stdout, stderr })
}

type Pumped = (Vec<u8>, Vec<u8>, Option<Status>);

/// The non-blocking loop: until the remote end closed its output (or the deadline / cancel).
fn pump(conn: &Connection, channel: &mut Channel, stdin: &[u8], limits: &Limits<'_>) -> io::Result<Pumped> {
    let mut stdout = Vec::new();
    let mut stderr = Vec::new();
    let mut written = 0;
    let mut eof_sent = false;
    let mut chunk = vec![0u8; 32 * 1024];
    loop {
        let mut progress = false;
        // stdin, then EOF
        if written < stdin.len() {
            match channel.write(&stdin[written..]) {
                Ok(n) => {
                    written += n;
                    progress |= n > 0;
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                // the command does not read its stdin (any more): not an error
                Err(_) => written = stdin.len(),
            }
        }
        if written >= stdin.len() && !eof_sent {
            match channel.send_eof() {
                Ok(()) => {
                    eof_sent = true;
                    progress = true;
                }
                Err(e) if e.code() == ssh2::ErrorCode::Session(LIBSSH2_ERROR_EAGAIN) => {}
                Err(_) => eof_sent = true,
            }
        }
        progress |= drain(channel, 0, &mut chunk, &mut stdout)?;
        progress |= drain(channel, 1, &mut chunk, &mut stderr)?;
        if channel.eof() {
            return Ok((stdout, stderr, None));
        }
        if (limits.cancelled)() {
            return Ok((stdout, stderr, Some(Status::Cancelled)));
        }
        if limits.deadline.is_some_and(|d| Instant::now() >= d) {
            return Ok((stdout, stderr, Some(Status::TimedOut)));
        }
        if !progress {
            let wait = limits.deadline.map_or(TICK, |d| d.saturating_duration_since(Instant::now()).min(TICK));
            wait_socket(conn, wait)?;
        }
    }
}

/// Reads one stream of the channel until it would block. Returns whether anything came.
fn drain(channel: &mut Channel, stream: i32, chunk: &mut [u8], into: &mut Vec<u8>) -> io::Result<bool> {
    let mut got = false;
    let mut reader = channel.stream(stream);
    loop {
        match reader.read(chunk) {
            Ok(0) => return Ok(got),
            Ok(n) => {
                into.extend_from_slice(&chunk[..n]);
                got = true;
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(got),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
}

/// poll(2) on the session's socket in the directions libssh2 waits for.
fn wait_socket(conn: &Connection, wait: Duration) -> io::Result<()> {
    let events = match conn.session.block_directions() {
        BlockDirections::Outbound => libc::POLLOUT,
        BlockDirections::Both => libc::POLLIN | libc::POLLOUT,
        BlockDirections::Inbound | BlockDirections::None => libc::POLLIN,
    };
    let mut fds = libc::pollfd { fd: conn.fd, events, revents: 0 };
    let ms = libc::c_int::try_from(wait.as_millis()).unwrap_or(libc::c_int::MAX);
    // SAFETY: one valid pollfd, on the stack, for the duration of the call.
    let rc = unsafe { libc::poll(&mut fds, 1, ms) };
    if rc < 0 {
        let e = io::Error::last_os_error();
        if e.kind() != io::ErrorKind::Interrupted {
            return Err(e);
        }
    }
    Ok(())
}

/// The group id from the first stderr line, and stderr without it.
pub fn split_marker(stderr: &[u8]) -> (Option<u32>, Vec<u8>) {
    let Some(rest) = stderr.strip_prefix(PGID_MARKER.as_bytes()) else { return (None, stderr.to_vec()) };
    let Some(end) = rest.iter().position(|b| *b == b'\n') else { return (None, stderr.to_vec()) };
    let pgid = std::str::from_utf8(&rest[..end]).ok().and_then(|s| s.parse::<u32>().ok()).filter(|p| *p > 1);
    match pgid {
        Some(pgid) => (Some(pgid), rest[end + 1..].to_vec()),
        None => (None, stderr.to_vec()),
    }
}

/// TERM, then KILL, to the remote group, over a second channel (best effort, bounded).
fn kill_remote_group(conn: &Connection, pgid: u32) {
    let session = &conn.session;
    session.set_blocking(true);
    session.set_timeout(timeout_ms(CLOSE_GRACE));
    let Ok(mut channel) = session.channel_session() else { return };
    // TERM now; KILL a second later from a detached helper, so the answer is not held up
    let command =
        format!("kill -TERM -{pgid} 2>/dev/null; (sleep 1; kill -KILL -{pgid}) </dev/null >/dev/null 2>&1 & exit 0");
    if channel.exec(&command).is_ok() {
        let mut sink = Vec::new();
        let _ = channel.read_to_end(&mut sink);
        let _ = channel.wait_close();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marker_is_split_off() {
        assert_eq!(split_marker(b"NEPHELE_PGID=1234\nERROR: x\n"), (Some(1234), b"ERROR: x\n".to_vec()));
        assert_eq!(split_marker(b"NEPHELE_PGID=1234\n"), (Some(1234), Vec::new()));
        assert_eq!(split_marker(b"other\n"), (None, b"other\n".to_vec()));
        assert_eq!(split_marker(b"NEPHELE_PGID=1"), (None, b"NEPHELE_PGID=1".to_vec()));
        assert_eq!(split_marker(b"NEPHELE_PGID=1\n"), (None, b"NEPHELE_PGID=1\n".to_vec()));
        assert_eq!(split_marker(b"NEPHELE_PGID=x\n"), (None, b"NEPHELE_PGID=x\n".to_vec()));
    }

    /// The prologue prints the shell's pid, which is its process group when started by sshd
    /// (setsid): checked here with `setsid sh -c`, the way sshd starts it.
    #[test]
    fn marker_prints_the_group() {
        let line = with_pgid_marker("ps -o pgid= -p $$ >&2");
        let out = std::process::Command::new("setsid").args(["sh", "-c", &line]).output().expect("setsid runs");
        let (pgid, rest) = split_marker(&out.stderr);
        let pgid = pgid.expect("marker printed");
        assert_eq!(String::from_utf8_lossy(&rest).trim(), pgid.to_string());
    }
}

//! Running a script on the front-end: argv (no shell), stdin data, stdout and stderr drained
//! concurrently, and the whole process group killed at the deadline or on cancel.
#![allow(unsafe_code)] // pre_exec (a process group per script) and signals to it

use super::outcome::Limits;
use super::outcome::{Output, Status};
use std::io::{self, Read, Write};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::Path;
use std::process::{Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

/// How long to wait for the output pipes to close once the script exited: a background
/// process that kept them open is not waited for longer (it is left alone).
const EOF_GRACE: Duration = Duration::from_secs(2);
/// Between SIGTERM and SIGKILL to the process group.
const KILL_GRACE: Duration = Duration::from_millis(500);
/// How often the deadline and the cancel flag are looked at.
const TICK: Duration = Duration::from_millis(20);

/// Runs `program args…` with `stdin` as its standard input and `env` added to the driver's
/// environment, in a process group of its own. An `Err` means it could not be started.
pub fn run_local(
    program: &Path,
    args: &[String],
    env: &[(String, String)],
    stdin: &[u8],
    limits: &Limits<'_>,
) -> io::Result<Output> {
    run_local_streaming(program, args, env, stdin, limits, None)
}

/// Called with each complete stderr line (without its newline) as the script writes it.
pub type LineSink = Arc<dyn Fn(&str) + Send + Sync>;

/// [`run_local`], also handing every stderr line to `on_stderr` as it comes (progress lines of
/// long copies); the returned [`Output`] still holds the whole stderr.
pub fn run_local_streaming(
    program: &Path,
    args: &[String],
    env: &[(String, String)],
    stdin: &[u8],
    limits: &Limits<'_>,
    on_stderr: Option<LineSink>,
) -> io::Result<Output> {
    let mut command = Command::new(program);
    command
        .args(args)
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .stdin(if stdin.is_empty() { Stdio::null() } else { Stdio::piped() })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    let mut child = command.spawn()?;
    let pid = child.id();

    if let Some(mut pipe) = child.stdin.take() {
        let data = stdin.to_vec();
        // a script that does not read its stdin closes the pipe: not an error
        thread::spawn(move || {
            let _ = pipe.write_all(&data);
        });
    }
    let (done_tx, done_rx) = mpsc::channel::<()>();
    let stdout = Arc::new(Mutex::new(Vec::new()));
    let stderr = Arc::new(Mutex::new(Vec::new()));
    let mut readers = 0;
    if let Some(pipe) = child.stdout.take() {
        drain(pipe, Arc::clone(&stdout), done_tx.clone(), None);
        readers += 1;
    }
    if let Some(pipe) = child.stderr.take() {
        drain(pipe, Arc::clone(&stderr), done_tx.clone(), on_stderr);
        readers += 1;
    }
    drop(done_tx);

    let (exit_tx, exit_rx) = mpsc::channel::<io::Result<ExitStatus>>();
    thread::spawn(move || {
        let _ = exit_tx.send(child.wait());
    });

    let mut ended_early: Option<Status> = None;
    let mut kill_at: Option<Instant> = None;
    let exit = loop {
        if ended_early.is_none() {
            if (limits.cancelled)() {
                ended_early = Some(Status::Cancelled);
            } else if limits.deadline.is_some_and(|d| Instant::now() >= d) {
                ended_early = Some(Status::TimedOut);
            }
            if ended_early.is_some() {
                signal_group(pid, libc::SIGTERM);
                kill_at = Some(Instant::now() + KILL_GRACE);
            }
        }
        if kill_at.is_some_and(|at| Instant::now() >= at) {
            signal_group(pid, libc::SIGKILL);
            kill_at = None;
        }
        match exit_rx.recv_timeout(TICK) {
            Ok(result) => break result?,
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => return Err(io::Error::other("lost the script's exit status")),
        }
    };
    if ended_early.is_some() {
        // what is left of the group after the leader went
        signal_group(pid, libc::SIGKILL);
    }

    // the output pipes close when the last process holding them ends
    let eof_by = Instant::now() + EOF_GRACE;
    let mut open = readers;
    while open > 0 {
        let left = eof_by.saturating_duration_since(Instant::now());
        match done_rx.recv_timeout(left) {
            Ok(()) => open -= 1,
            Err(_) => break,
        }
    }
    let take = |buffer: &Arc<Mutex<Vec<u8>>>| std::mem::take(&mut *buffer.lock().unwrap_or_else(|p| p.into_inner()));
    let status = ended_early.unwrap_or_else(|| status_of(exit));
    Ok(Output { status, stdout: take(&stdout), stderr: take(&stderr) })
}

/// Sends `signal` to the process group the script leads.
fn signal_group(pid: u32, signal: libc::c_int) {
    let Ok(pgid) = libc::pid_t::try_from(pid) else { return };
    // SAFETY: kill(2) with a negative pid signals a process group; it touches no memory of ours.
    unsafe {
        libc::kill(-pgid, signal);
    }
}

/// Copies a pipe into `buffer` as it comes (each complete line also to `sink`), then signals
/// `done`.
fn drain(
    mut pipe: impl Read + Send + 'static,
    buffer: Arc<Mutex<Vec<u8>>>,
    done: mpsc::Sender<()>,
    sink: Option<LineSink>,
) {
    thread::spawn(move || {
        let mut chunk = [0u8; 8192];
        let mut partial: Vec<u8> = Vec::new();
        loop {
            match pipe.read(&mut chunk) {
                Ok(0) => break,
                Ok(n) => {
                    buffer.lock().unwrap_or_else(|p| p.into_inner()).extend_from_slice(&chunk[..n]);
                    if let Some(sink) = &sink {
                        partial.extend_from_slice(&chunk[..n]);
                        while let Some(end) = partial.iter().position(|&b| b == b'\n') {
                            let line: Vec<u8> = partial.drain(..=end).collect();
                            sink(String::from_utf8_lossy(&line[..end]).as_ref());
                        }
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(_) => break,
            }
        }
        let _ = done.send(());
    });
}

fn status_of(exit: ExitStatus) -> Status {
    match (exit.code(), exit.signal()) {
        (Some(code), _) => Status::Exited(code),
        (None, Some(signal)) => Status::Signaled(signal_name(signal)),
        (None, None) => Status::Signaled("unknown".into()),
    }
}

/// `KILL`, `TERM`… for the usual signals, the number otherwise.
pub fn signal_name(signal: i32) -> String {
    match signal {
        libc::SIGHUP => "HUP".into(),
        libc::SIGINT => "INT".into(),
        libc::SIGQUIT => "QUIT".into(),
        libc::SIGABRT => "ABRT".into(),
        libc::SIGKILL => "KILL".into(),
        libc::SIGSEGV => "SEGV".into(),
        libc::SIGPIPE => "PIPE".into(),
        libc::SIGTERM => "TERM".into(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn never() -> bool {
        false
    }

    fn sh(script: &str, stdin: &[u8], limits: &Limits<'_>) -> Output {
        let args = vec!["-c".to_string(), script.to_string(), "sh".to_string()];
        run_local(&PathBuf::from("/bin/sh"), &args, &[], stdin, limits).expect("sh starts")
    }

    #[test]
    fn exit_code_stdout_stderr_stdin() {
        let limits = Limits { deadline: None, cancelled: &never };
        let out = sh("cat; echo oops >&2; exit 3", b"from stdin", &limits);
        assert_eq!(out.status, Status::Exited(3));
        assert_eq!(out.stdout, b"from stdin");
        assert_eq!(out.stderr, b"oops\n");
    }

    #[test]
    fn env_is_passed() {
        let limits = Limits { deadline: None, cancelled: &never };
        let args = vec!["-c".to_string(), "printf %s \"$NEPHELE_T\"".to_string()];
        let out =
            run_local(Path::new("/bin/sh"), &args, &[("NEPHELE_T".into(), "a b'c".into())], b"", &limits).unwrap();
        assert_eq!(out.stdout, b"a b'c");
    }

    /// 4 MiB on each of stdout and stderr: no deadlock, nothing lost.
    #[test]
    fn big_outputs_do_not_deadlock() {
        let limits = Limits { deadline: Some(Instant::now() + Duration::from_secs(60)), cancelled: &never };
        let out =
            sh("head -c 4194304 /dev/zero >&2; head -c 4194304 /dev/zero; head -c 1000 /dev/zero >&2", b"", &limits);
        assert_eq!(out.status, Status::Exited(0));
        assert_eq!(out.stdout.len(), 4 << 20);
        assert_eq!(out.stderr.len(), (4 << 20) + 1000);
    }

    /// The deadline kills the whole group: the grandchild `sleep` too (its pipes close).
    #[test]
    fn deadline_kills_the_group() {
        let dir = tempfile::tempdir().unwrap();
        let marker = dir.path().join("survived");
        let script = format!("(sleep 3; touch '{}') & sleep 30", marker.display());
        let limits = Limits { deadline: Some(Instant::now() + Duration::from_millis(300)), cancelled: &never };
        let started = Instant::now();
        let out = sh(&script, b"", &limits);
        assert_eq!(out.status, Status::TimedOut);
        assert!(started.elapsed() < Duration::from_secs(10));
        thread::sleep(Duration::from_millis(3500));
        assert!(!marker.exists(), "the grandchild survived the kill");
    }

    #[test]
    fn cancel_kills() {
        let flag = std::sync::atomic::AtomicBool::new(false);
        let cancelled = || flag.load(std::sync::atomic::Ordering::SeqCst);
        let limits = Limits { deadline: None, cancelled: &cancelled };
        thread::scope(|s| {
            s.spawn(|| {
                thread::sleep(Duration::from_millis(200));
                flag.store(true, std::sync::atomic::Ordering::SeqCst);
            });
            let out = sh("sleep 30", b"", &limits);
            assert_eq!(out.status, Status::Cancelled);
        });
    }

    /// A cancelled script gets SIGTERM before SIGKILL: its TERM trap runs (the `fs` scripts
    /// remove their temporary files there), with the foreground child it waited for killed too.
    #[test]
    fn cancel_terminates_first_so_traps_run() {
        let dir = tempfile::tempdir().unwrap();
        let partial = dir.path().join("partial");
        std::fs::write(&partial, b"half").unwrap();
        let script = format!("trap 'rm -f \"{}\"; echo tidied >&2; exit 143' TERM; sleep 30", partial.display());
        let flag = std::sync::atomic::AtomicBool::new(false);
        let cancelled = || flag.load(std::sync::atomic::Ordering::SeqCst);
        let limits = Limits { deadline: None, cancelled: &cancelled };
        thread::scope(|s| {
            s.spawn(|| {
                thread::sleep(Duration::from_millis(200));
                flag.store(true, std::sync::atomic::Ordering::SeqCst);
            });
            let out = sh(&script, b"", &limits);
            assert_eq!(out.status, Status::Cancelled);
            // (dash also reports the `sleep` it waited for: "Terminated")
            let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
            assert!(stderr.lines().any(|l| l == "tidied"), "{stderr:?}");
        });
        assert!(!partial.exists(), "the TERM trap did not run");
    }

    #[test]
    fn missing_program_is_an_error() {
        let limits = Limits { deadline: None, cancelled: &never };
        assert!(run_local(Path::new("/nonexistent/script"), &[], &[], b"", &limits).is_err());
    }

    #[test]
    fn signals_are_reported() {
        let limits = Limits { deadline: None, cancelled: &never };
        let out = sh("kill -9 $$", b"", &limits);
        assert_eq!(out.status, Status::Signaled("KILL".into()));
    }
}

//! The scheduler process: oned starts the program named by oned.conf's
//! `SCHEDULER = [ EXECUTABLE = "mm_sched", ARGUMENTS = "..." ]` (looked up like a driver), gives
//! it the endpoint (`ONE_XMLRPC`) and the oneadmin credentials file (`ONE_AUTH`), copies its
//! output into the log, restarts it with a growing delay if it exits, and stops it (SIGTERM)
//! when oned stops. The scheduler is otherwise an ordinary XML-RPC client.
//!
//! The scheduler never outlives its oned:
//! - its stdin is a pipe whose other end only oned holds (`NEPHELE_SCHED_WATCH_STDIN=1` tells
//!   mm_sched to exit when it reads end-of-file there, which the kernel delivers however oned
//!   ends, `kill -9` included), and the kernel sends it SIGTERM when oned dies
//!   (`PR_SET_PDEATHSIG`);
//! - its pid is kept in `var/sched.pid`; a starting oned stops a scheduler still running under
//!   that pid (one a previous oned left), before it starts its own;
//! - when the process exits, its scheduler session ends at once (`auth::scheduler`), so the
//!   restarted one can open a new session without waiting for the old one to go stale.
#![allow(unsafe_code)] // pre_exec (PR_SET_PDEATHSIG) and signals to the scheduler process

use crate::config::{Locations, OnedConfig};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;

/// Handle to stop the scheduler.
pub struct SchedulerProcess {
    stopping: Arc<AtomicBool>,
    task: tokio::task::JoinHandle<()>,
}

/// The command line of process `pid`, if it runs.
fn cmdline(pid: i32) -> Option<String> {
    let raw = std::fs::read(format!("/proc/{pid}/cmdline")).ok()?;
    Some(String::from_utf8_lossy(&raw).replace('\0', " "))
}

/// Stops the scheduler a previous oned left running (its pid in `pid_file`), if that pid still
/// runs the scheduler's executable. Bounded: SIGTERM, up to 5 s, then SIGKILL.
pub fn stop_stale(pid_file: &Path, exe: &Path) {
    let Some(pid) = std::fs::read_to_string(pid_file).ok().and_then(|s| s.trim().parse::<i32>().ok()) else { return };
    let name = exe.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let ours = |pid: i32| cmdline(pid).is_some_and(|c| !name.is_empty() && c.contains(&name));
    if pid > 1 && ours(pid) {
        tracing::warn!(pid, "stopping the scheduler (pid {pid}) a previous oned left running");
        // SAFETY: signalling a process whose command line names the scheduler.
        unsafe { libc::kill(pid, libc::SIGTERM) };
        let until = Instant::now() + Duration::from_secs(5);
        while ours(pid) && Instant::now() < until {
            std::thread::sleep(Duration::from_millis(50));
        }
        if ours(pid) {
            // SAFETY: as above.
            unsafe { libc::kill(pid, libc::SIGKILL) };
        }
    }
    let _ = std::fs::remove_file(pid_file);
}

impl SchedulerProcess {
    /// Starts the supervisor if oned.conf names a scheduler; the process's scheduler session
    /// (in `core`) ends when it exits.
    pub fn start(
        cfg: &OnedConfig,
        loc: &Locations,
        endpoint: String,
        core: Arc<crate::core::Core>,
    ) -> Option<SchedulerProcess> {
        let (exe, args) = cfg.scheduler.clone()?;
        let exe = crate::mad::resolve_executable(&exe, &loc.mads);
        let pid_file: PathBuf = loc.var.join("sched.pid");
        let mut env = vec![
            ("ONE_XMLRPC".to_string(), endpoint),
            ("ONE_AUTH".to_string(), loc.one_auth.display().to_string()),
            ("NEPHELE_SCHED_WATCH_STDIN".to_string(), "1".to_string()),
        ];
        if let Some(root) = &loc.root {
            env.push(("ONE_LOCATION".into(), root.display().to_string()));
        }
        let stopping = Arc::new(AtomicBool::new(false));
        let stop = stopping.clone();
        let task = tokio::spawn(async move {
            // Off the runtime's threads: stopping a stale scheduler may wait a few seconds.
            let (stale_file, stale_exe) = (pid_file.clone(), exe.clone());
            let _ = tokio::task::spawn_blocking(move || stop_stale(&stale_file, &stale_exe)).await;
            let mut backoff = Duration::from_secs(1);
            while !stop.load(Ordering::SeqCst) {
                let started = Instant::now();
                let mut command = Command::new(&exe);
                command
                    .args(args.split_whitespace())
                    .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
                    .stdin(Stdio::piped())
                    .stdout(Stdio::piped())
                    .stderr(Stdio::piped())
                    .kill_on_drop(true);
                // SAFETY: only async-signal-safe calls between fork and exec.
                unsafe {
                    command.pre_exec(|| {
                        libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM as libc::c_ulong);
                        Ok(())
                    });
                }
                let mut child = match command.spawn() {
                    Ok(c) => c,
                    Err(e) => {
                        tracing::error!(
                            "cannot start the scheduler {}: {e}; retrying in {} s",
                            exe.display(),
                            backoff.as_secs()
                        );
                        tokio::time::sleep(backoff).await;
                        backoff = (backoff * 2).min(Duration::from_secs(60));
                        continue;
                    }
                };
                let pid = child.id().unwrap_or(0);
                // Held while the child runs: dropping it (or oned dying) closes the pipe.
                let _watch = child.stdin.take();
                let _ = std::fs::write(&pid_file, format!("{pid}\n"));
                tracing::info!(pid, "scheduler {} started (pid {pid})", exe.display());
                for pipe in [
                    child.stdout.take().map(|p| Box::new(p) as Box<dyn tokio::io::AsyncRead + Unpin + Send>),
                    child.stderr.take().map(|p| Box::new(p) as Box<dyn tokio::io::AsyncRead + Unpin + Send>),
                ]
                .into_iter()
                .flatten()
                {
                    tokio::spawn(async move {
                        let mut lines = BufReader::new(pipe).lines();
                        while let Ok(Some(l)) = lines.next_line().await {
                            tracing::info!("[mm_sched] {l}");
                        }
                    });
                }
                let stopped = loop {
                    tokio::select! {
                        status = child.wait() => break Some(status),
                        _ = tokio::time::sleep(Duration::from_millis(200)) => {
                            if stop.load(Ordering::SeqCst) {
                                break None;
                            }
                        }
                    }
                };
                match stopped {
                    None => {
                        // SAFETY: signalling our own child.
                        unsafe { libc::kill(pid as i32, libc::SIGTERM) };
                        let _ = tokio::time::timeout(Duration::from_secs(5), child.wait()).await;
                        let _ = child.kill().await;
                        core.scheduler.end_pid(pid);
                        let _ = std::fs::remove_file(&pid_file);
                        break;
                    }
                    Some(status) => {
                        core.scheduler.end_pid(pid);
                        if started.elapsed() > Duration::from_secs(60) {
                            backoff = Duration::from_secs(1);
                        }
                        tracing::error!("the scheduler exited ({status:?}); restarting in {} s", backoff.as_secs());
                        tokio::time::sleep(backoff).await;
                        backoff = (backoff * 2).min(Duration::from_secs(60));
                    }
                }
            }
        });
        Some(SchedulerProcess { stopping, task })
    }

    /// SIGTERM to the scheduler; waits for it (bounded).
    pub async fn stop(self) {
        self.stopping.store(true, Ordering::SeqCst);
        let _ = tokio::time::timeout(Duration::from_secs(8), self.task).await;
    }
}

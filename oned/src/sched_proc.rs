//! The scheduler process: oned starts the program named by oned.conf's
//! `SCHEDULER = [ EXECUTABLE = "mm_sched", ARGUMENTS = "..." ]` (looked up like a driver), gives
//! it the endpoint (`ONE_XMLRPC`) and the oneadmin credentials file (`ONE_AUTH`), copies its
//! output into the log, restarts it with a growing delay if it exits, and stops it (SIGTERM)
//! when oned stops. The scheduler is otherwise an ordinary XML-RPC client.

use crate::config::{Locations, OnedConfig};
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

impl SchedulerProcess {
    /// Starts the supervisor if oned.conf names a scheduler.
    pub fn start(cfg: &OnedConfig, loc: &Locations, endpoint: String) -> Option<SchedulerProcess> {
        let (exe, args) = cfg.scheduler.clone()?;
        let exe = crate::mad::resolve_executable(&exe, &loc.mads);
        let mut env = vec![("ONE_XMLRPC".to_string(), endpoint), ("ONE_AUTH".to_string(), loc.one_auth.display().to_string())];
        if let Some(root) = &loc.root {
            env.push(("ONE_LOCATION".into(), root.display().to_string()));
        }
        let stopping = Arc::new(AtomicBool::new(false));
        let stop = stopping.clone();
        let task = tokio::spawn(async move {
            let mut backoff = Duration::from_secs(1);
            while !stop.load(Ordering::SeqCst) {
                let started = Instant::now();
                let child = Command::new(&exe)
                    .args(args.split_whitespace())
                    .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
                    .stdin(Stdio::null())
                    .stdout(Stdio::piped())
                    .stderr(Stdio::piped())
                    .kill_on_drop(true)
                    .spawn();
                let mut child = match child {
                    Ok(c) => c,
                    Err(e) => {
                        tracing::error!("cannot start the scheduler {}: {e}; retrying in {} s", exe.display(), backoff.as_secs());
                        tokio::time::sleep(backoff).await;
                        backoff = (backoff * 2).min(Duration::from_secs(60));
                        continue;
                    }
                };
                tracing::info!("scheduler {} started (pid {})", exe.display(), child.id().unwrap_or(0));
                for pipe in [child.stdout.take().map(|p| Box::new(p) as Box<dyn tokio::io::AsyncRead + Unpin + Send>), child.stderr.take().map(|p| Box::new(p) as Box<dyn tokio::io::AsyncRead + Unpin + Send>)].into_iter().flatten() {
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
                        if let Some(pid) = child.id() {
                            // SAFETY: signalling our own child.
                            unsafe { libc::kill(pid as i32, libc::SIGTERM) };
                        }
                        let _ = tokio::time::timeout(Duration::from_secs(5), child.wait()).await;
                        let _ = child.kill().await;
                        break;
                    }
                    Some(status) => {
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

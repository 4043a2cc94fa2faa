//! Driver managers: one supervised process per driver named in oned.conf (IM_MAD, VM_MAD,
//! TM_MAD), speaking the line protocol of `driver_proto::proto` on its stdin/stdout.
//!
//! Each driver has a supervisor task that starts the process (executable resolved in
//! `$ONE_LOCATION/lib/mads`, next to oned, or `/usr/lib/one/mads`; environment from
//! `etc/mad/defaultrc` and `etc/mad/<name>rc`), performs the INIT handshake (10 s), forwards
//! every reply line as a [`DriverEvent`], copies stderr into the log with the driver's name, and
//! restarts the process with a growing delay when it exits. [`MadManager::finalize`] sends
//! FINALIZE to every driver at shutdown and waits, bounded, for them to exit.

mod rc;

use crate::config::{Locations, MadConfig, MadKind, OnedConfig};
use driver_proto::proto::{self, Reply, Request};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, ChildStdin, Command};
use tokio::sync::{Mutex, mpsc};

/// How long a driver has to answer INIT.
const INIT_TIMEOUT: Duration = Duration::from_secs(10);
/// Restart delays grow from 1 s to this.
const MAX_BACKOFF: Duration = Duration::from_secs(60);
/// How long oned waits at shutdown for its drivers to exit after FINALIZE (a driver gives its
/// running actions 8 s to end, then stops them); drivers still running then are killed.
const EXIT_GRACE: Duration = Duration::from_secs(10);

/// What the drivers tell oned.
#[derive(Debug)]
pub enum DriverEvent {
    /// The driver answered INIT (first start or restart).
    Started { kind: MadKind, name: String },
    /// A protocol line from the driver.
    Reply { kind: MadKind, name: String, reply: Reply },
    /// The process is gone (exited, closed stdout, never answered INIT); it will be restarted.
    Lost { kind: MadKind, name: String, reason: String },
}

/// Why a request could not be written.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    #[error("no {kind} driver named {name:?} is configured in oned.conf")]
    Unknown { kind: &'static str, name: String },
    #[error("the {name} driver is not running (it is being restarted)")]
    NotRunning { name: String },
    #[error("writing to the {name} driver failed: {reason}")]
    Write { name: String, reason: String },
}

fn kind_name(k: MadKind) -> &'static str {
    match k {
        MadKind::Im => "IM",
        MadKind::Vm => "VMM",
        MadKind::Tm => "TM",
        MadKind::Ds => "DS",
    }
}

struct Slot {
    cfg: MadConfig,
    stdin: Mutex<Option<ChildStdin>>,
}

/// All configured drivers.
pub struct MadManager {
    slots: HashMap<(MadKind, String), Arc<Slot>>,
    /// The first TM_MAD: the transfer driver when a datastore names none that exists.
    default_tm: Option<String>,
    stopping: Arc<AtomicBool>,
    /// The supervisor tasks: each ends when its driver has exited for good.
    supervisors: std::sync::Mutex<Vec<tokio::task::JoinHandle<()>>>,
}

impl MadManager {
    /// Starts a supervisor for every configured driver. Must run inside the tokio runtime.
    pub fn start(cfg: &OnedConfig, loc: &Locations, events: mpsc::UnboundedSender<DriverEvent>) -> Arc<MadManager> {
        let mut slots = HashMap::new();
        let mut supervisors = Vec::new();
        let stopping = Arc::new(AtomicBool::new(false));
        let env = rc::load(&loc.etc.join("mad/defaultrc"));
        for m in cfg.im_mads.iter().chain(&cfg.vm_mads).chain(&cfg.tm_mads).chain(cfg.ds_mad.as_ref()) {
            let slot = Arc::new(Slot { cfg: m.clone(), stdin: Mutex::new(None) });
            slots.insert((m.kind, m.name.clone()), slot.clone());
            let mut env = env.clone();
            env.extend(rc::load(&loc.etc.join(format!("mad/{}rc", m.name))));
            env.push(("ONE_LOCATION_MADS".into(), loc.mads.display().to_string()));
            if let Some(root) = &loc.root {
                env.push(("ONE_LOCATION".into(), root.display().to_string()));
            }
            let exe = resolve_executable(&m.executable, &loc.mads);
            supervisors.push(tokio::spawn(supervise(slot, exe, env, events.clone(), stopping.clone())));
        }
        Arc::new(MadManager {
            slots,
            default_tm: cfg.tm_mads.first().map(|m| m.name.clone()),
            stopping,
            supervisors: std::sync::Mutex::new(supervisors),
        })
    }

    /// The transfer driver for a datastore's TM_MAD: that name if configured, else the first.
    pub fn tm_driver(&self, tm_mad: &str) -> Option<String> {
        if self.slots.contains_key(&(MadKind::Tm, tm_mad.to_string())) {
            Some(tm_mad.to_string())
        } else {
            self.default_tm.clone()
        }
    }

    pub fn is_configured(&self, kind: MadKind, name: &str) -> bool {
        self.slots.contains_key(&(kind, name.to_string()))
    }

    /// Writes one request line to a driver.
    pub async fn send(&self, kind: MadKind, name: &str, req: &Request) -> Result<(), SendError> {
        let slot = self
            .slots
            .get(&(kind, name.to_string()))
            .ok_or_else(|| SendError::Unknown { kind: kind_name(kind), name: name.to_string() })?;
        let mut guard = slot.stdin.lock().await;
        let stdin = guard.as_mut().ok_or_else(|| SendError::NotRunning { name: name.to_string() })?;
        let line = proto::encode_request(req);
        let r = async {
            stdin.write_all(line.as_bytes()).await?;
            stdin.flush().await
        }
        .await;
        if let Err(e) = r {
            *guard = None;
            return Err(SendError::Write { name: name.to_string(), reason: e.to_string() });
        }
        Ok(())
    }

    /// Sends FINALIZE to every driver, stops restarting them, and waits (at most
    /// [`EXIT_GRACE`]) until they have exited, so that their running actions end or are stopped
    /// by the drivers themselves rather than killed with oned's runtime.
    pub async fn finalize(&self) {
        self.stopping.store(true, Ordering::SeqCst);
        for slot in self.slots.values() {
            let mut guard = slot.stdin.lock().await;
            if let Some(stdin) = guard.as_mut() {
                let _ = stdin.write_all(proto::encode_request(&Request::Finalize).as_bytes()).await;
                let _ = stdin.flush().await;
            }
            *guard = None;
        }
        let tasks = std::mem::take(&mut *self.supervisors.lock().unwrap_or_else(std::sync::PoisonError::into_inner));
        let all = async {
            for t in tasks {
                let _ = t.await;
            }
        };
        if tokio::time::timeout(EXIT_GRACE, all).await.is_err() {
            tracing::warn!("drivers still running {} s after FINALIZE are killed", EXIT_GRACE.as_secs());
        }
    }
}

/// Where a driver executable is: absolute as given, else the driver directory, next to the
/// oned executable, or /usr/lib/one/mads (the first that exists; the driver directory otherwise).
pub fn resolve_executable(exe: &str, mads: &Path) -> PathBuf {
    let p = Path::new(exe);
    if p.is_absolute() {
        return p.to_path_buf();
    }
    let mut candidates = vec![mads.join(exe)];
    if let Some(dir) = std::env::current_exe().ok().and_then(|e| e.parent().map(Path::to_path_buf)) {
        candidates.push(dir.join(exe));
    }
    candidates.push(Path::new("/usr/lib/one/mads").join(exe));
    candidates.iter().find(|c| c.exists()).cloned().unwrap_or_else(|| candidates[0].clone())
}

/// Keeps one driver running until oned stops.
async fn supervise(
    slot: Arc<Slot>,
    exe: PathBuf,
    env: Vec<(String, String)>,
    events: mpsc::UnboundedSender<DriverEvent>,
    stopping: Arc<AtomicBool>,
) {
    let (kind, name) = (slot.cfg.kind, slot.cfg.name.clone());
    let mut backoff = Duration::from_secs(1);
    while !stopping.load(Ordering::SeqCst) {
        let started = Instant::now();
        let reason = match run_once(&slot, &exe, &env, &events).await {
            Ok(reason) | Err(reason) => reason,
        };
        *slot.stdin.lock().await = None;
        if stopping.load(Ordering::SeqCst) {
            break;
        }
        if started.elapsed() > MAX_BACKOFF {
            backoff = Duration::from_secs(1);
        }
        tracing::error!(driver = %name, "{} driver {name}: {reason}; restarting in {} s", kind_name(kind), backoff.as_secs());
        let _ = events.send(DriverEvent::Lost { kind, name: name.clone(), reason });
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(MAX_BACKOFF);
    }
}

/// Starts the process, handshakes, and forwards replies until it ends. Returns why it ended.
async fn run_once(
    slot: &Slot,
    exe: &Path,
    env: &[(String, String)],
    events: &mpsc::UnboundedSender<DriverEvent>,
) -> Result<String, String> {
    let (kind, name) = (slot.cfg.kind, slot.cfg.name.clone());
    let mut child: Child = Command::new(exe)
        .args(slot.cfg.arguments.split_whitespace())
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", exe.display()))?;
    let (Some(mut stdin), Some(stdout), Some(stderr)) = (child.stdin.take(), child.stdout.take(), child.stderr.take())
    else {
        return Err("the process has no pipes".into());
    };
    // stderr goes to the log, line by line, with the driver's name.
    let err_name = name.clone();
    tokio::spawn(async move {
        let mut lines = BufReader::new(stderr).lines();
        while let Ok(Some(line)) = lines.next_line().await {
            tracing::info!(driver = %err_name, "[{err_name}] {line}");
        }
    });
    let mut lines = BufReader::new(stdout).lines();
    stdin
        .write_all(proto::encode_request(&Request::Init).as_bytes())
        .await
        .map_err(|e| format!("cannot send INIT: {e}"))?;
    let _ = stdin.flush().await;
    let first = tokio::time::timeout(INIT_TIMEOUT, lines.next_line()).await;
    match first {
        Err(_) => return Err(format!("did not answer INIT within {} s", INIT_TIMEOUT.as_secs())),
        Ok(Err(e)) => return Err(format!("reading its INIT answer failed: {e}")),
        Ok(Ok(None)) => return Err(exit_reason(&mut child, "exited before answering INIT").await),
        Ok(Ok(Some(line))) => match proto::parse_reply(&line) {
            Ok(Reply::Init { ok: true, .. }) => {}
            Ok(Reply::Init { ok: false, info }) => return Err(format!("INIT failed: {info}")),
            _ => return Err(format!("expected \"INIT SUCCESS\", got {:?}", truncate(&line))),
        },
    }
    *slot.stdin.lock().await = Some(stdin);
    tracing::info!(driver = %name, "{} driver {name} started ({})", kind_name(kind), slot.cfg.executable);
    let _ = events.send(DriverEvent::Started { kind, name: name.clone() });
    loop {
        match lines.next_line().await {
            Ok(Some(line)) if line.trim().is_empty() => {}
            Ok(Some(line)) => match proto::parse_reply(&line) {
                Ok(reply) => {
                    let _ = events.send(DriverEvent::Reply { kind, name: name.clone(), reply });
                }
                Err(e) => {
                    tracing::warn!(driver = %name, "driver {name} wrote a line that is not the protocol ({e}): {:?}", truncate(&line))
                }
            },
            Ok(None) => return Ok(exit_reason(&mut child, "closed its output").await),
            Err(e) => return Ok(format!("reading its output failed: {e}")),
        }
    }
}

async fn exit_reason(child: &mut Child, what: &str) -> String {
    match tokio::time::timeout(Duration::from_secs(2), child.wait()).await {
        Ok(Ok(status)) => format!("{what} ({status})"),
        _ => {
            let _ = child.kill().await;
            what.to_string()
        }
    }
}

fn truncate(s: &str) -> String {
    s.chars().take(200).collect()
}

//! The `oned` process: command line, files, daemonizing, bootstrap, serving, shutdown.
//!
//! Start contract (scripts rely on it):
//! - `oned -f` stays in the foreground; `oned` daemonizes and returns once the API is listening
//!   (exit 0) or start-up failed (exit 1, reason on stderr).
//! - With `ONE_LOCATION=DIR` everything lives under `DIR`; `DIR/etc/oned.conf` is written from
//!   the shipped default when absent.
//! - On a new database the oneadmin credentials come from `$ONE_AUTH` (else
//!   `DIR/.one/one_auth`); if that file is absent it is created with a random password, and its
//!   path is printed.
//! - SIGTERM or SIGINT: stop accepting, finish the requests in flight, commit, exit 0.
//! - The daemon's pid is in `one.pid` next to the database (removed at a clean exit); the
//!   lock `one.lock` there keeps a second oned off the same database.
#![allow(unsafe_code)] // the process contract: fork, dup2 and flock through libc

use crate::auth;
use crate::cloud::{Cloud, Settings};
use crate::config::{Locations, OnedConfig, SHIPPED_ONED_CONF};
use crate::core::Core;
use crate::store::{Store, StoreOptions};
use anyhow::{Context, Result, anyhow, bail};
use clap::Parser;
use std::fs::{self, File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::os::fd::AsRawFd;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::Path;
use std::sync::Arc;

/// Nephele's core daemon (OpenNebula-compatible `oned`).
#[derive(Parser, Debug)]
#[command(name = "oned", version, about)]
pub struct Flags {
    /// Stay in the foreground instead of daemonizing.
    #[arg(short = 'f', long = "foreground")]
    pub foreground: bool,
    /// Create (or migrate) the database, bootstrap it, and exit.
    #[arg(short = 'i', long = "init-db")]
    pub init_db: bool,
}

/// Where start-up messages go: the terminal, or the parent of a daemonized oned.
enum Reporter {
    Terminal,
    Parent(File),
}

impl Reporter {
    fn say(&mut self, msg: &str) {
        tracing::info!("{msg}");
        match self {
            Reporter::Terminal => println!("{msg}"),
            Reporter::Parent(f) => {
                let _ = writeln!(f, "MSG {msg}");
            }
        }
    }

    fn ready(&mut self) {
        if let Reporter::Parent(f) = self {
            let _ = writeln!(f, "OK");
        }
    }

    fn fail(&mut self, msg: &str) {
        if let Reporter::Parent(f) = self {
            let _ = writeln!(f, "ERR {msg}");
        }
    }
}

/// The process entry point; returns the exit code.
pub fn main() -> i32 {
    let flags = Flags::parse();
    let loc = Locations::from_env();
    let (cfg, lock) = match prepare(&loc) {
        Ok(x) => x,
        Err(e) => {
            eprintln!("oned: {e:#}");
            return 1;
        }
    };
    let mut reporter = if flags.foreground || flags.init_db {
        Reporter::Terminal
    } else {
        match daemonize() {
            Ok(Some(r)) => r,
            Ok(None) => unreachable_parent(),
            Err(e) => {
                eprintln!("oned: cannot daemonize: {e:#}");
                return 1;
            }
        }
    };
    if let Err(e) = crate::log::init(&cfg.log) {
        let msg = format!("cannot open the log {}: {e}", cfg.log.file.display());
        eprintln!("oned: {msg}");
        reporter.fail(&msg);
        return 1;
    }
    let code = match run(cfg, &loc, &flags, &mut reporter) {
        Ok(code) => code,
        Err(e) => {
            let msg = format!("{e:#}");
            tracing::error!("start-up failed: {msg}");
            eprintln!("oned: {msg}");
            reporter.fail(&msg);
            1
        }
    };
    drop(lock);
    crate::log::flush();
    code
}

/// The parent of a daemonized oned never gets here: it exits inside [`daemonize`].
fn unreachable_parent() -> ! {
    std::process::exit(1)
}

/// Directories, configuration and the instance lock: everything that must be right before
/// daemonizing, so errors reach the terminal.
fn prepare(loc: &Locations) -> Result<(OnedConfig, File)> {
    if loc.root.is_some() {
        for d in loc.dirs_to_create() {
            fs::create_dir_all(d).with_context(|| format!("cannot create {}", d.display()))?;
        }
        let conf = loc.oned_conf();
        if !conf.exists() {
            fs::write(&conf, SHIPPED_ONED_CONF).with_context(|| format!("cannot write {}", conf.display()))?;
        }
        let sched = loc.etc.join("sched.conf");
        if !sched.exists() {
            fs::write(&sched, crate::config::SHIPPED_SCHED_CONF)
                .with_context(|| format!("cannot write {}", sched.display()))?;
        }
        let rc = loc.etc.join("mad/defaultrc");
        if !rc.exists() {
            fs::create_dir_all(loc.etc.join("mad")).with_context(|| format!("cannot create {}", loc.etc.display()))?;
            fs::write(&rc, crate::config::SHIPPED_DEFAULTRC)
                .with_context(|| format!("cannot write {}", rc.display()))?;
        }
    }
    let cfg = OnedConfig::load(&loc.oned_conf(), loc).map_err(|e| anyhow!("{e}"))?;
    if let Some(dir) = cfg.db.path.parent() {
        fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    let lock_path = cfg.db.path.with_extension("lock");
    let lock = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .with_context(|| format!("cannot open {}", lock_path.display()))?;
    // SAFETY: flock on a valid descriptor we own; no memory is shared with the kernel.
    let rc = unsafe { libc::flock(lock.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
    if rc != 0 {
        bail!("another oned is already running on {} (lock {} is held)", cfg.db.path.display(), lock_path.display());
    }
    Ok((cfg, lock))
}

/// Forks: the parent waits for the child's report and exits; the child continues, detached.
fn daemonize() -> Result<Option<Reporter>> {
    use nix::unistd::{ForkResult, fork, pipe, setsid};
    let (rd, wr) = pipe().context("pipe")?;
    // SAFETY: no other thread exists yet (nothing has started a runtime or a logger).
    match unsafe { fork() }.context("fork")? {
        ForkResult::Parent { .. } => {
            drop(wr);
            let reader = BufReader::new(File::from(rd));
            for line in reader.lines() {
                let Ok(line) = line else { break };
                if let Some(m) = line.strip_prefix("MSG ") {
                    println!("{m}");
                } else if line == "OK" {
                    std::process::exit(0);
                } else if let Some(e) = line.strip_prefix("ERR ") {
                    eprintln!("oned: {e}");
                    std::process::exit(1);
                }
            }
            eprintln!("oned: the daemon exited during start-up; see its log");
            std::process::exit(1);
        }
        ForkResult::Child => {
            drop(rd);
            setsid().context("setsid")?;
            let null = OpenOptions::new().read(true).write(true).open("/dev/null").context("/dev/null")?;
            for fd in 0..=2 {
                // SAFETY: dup2 onto the standard descriptors of this process.
                unsafe { libc::dup2(null.as_raw_fd(), fd) };
            }
            Ok(Some(Reporter::Parent(File::from(wr))))
        }
    }
}

/// Reads `user:password` from the credentials file, creating it with a random password when
/// absent. Returns (user, password, created).
fn credentials(path: &Path) -> Result<(String, String, bool)> {
    if path.exists() {
        let text = fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
        let line = text.lines().next().unwrap_or("").trim();
        let (user, pw) = line
            .split_once(':')
            .filter(|(u, p)| !u.is_empty() && !p.is_empty())
            .ok_or_else(|| anyhow!("{}: expected one line \"user:password\"", path.display()))?;
        return Ok((user.to_string(), pw.to_string(), false));
    }
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        let _ = fs::set_permissions(dir, fs::Permissions::from_mode(0o700));
    }
    let pw = auth::new_password()?;
    let mut f = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("cannot create {}", path.display()))?;
    writeln!(f, "oneadmin:{pw}").with_context(|| format!("cannot write {}", path.display()))?;
    Ok(("oneadmin".to_string(), pw, true))
}

fn settings(cfg: &OnedConfig) -> Settings {
    Settings {
        default_umask: cfg.default_umask,
        mac_prefix: cfg.mac_prefix,
        network_size: cfg.network_size,
        vm_restricted_attr: cfg.vm_restricted_attr.clone(),
        image_restricted_attr: cfg.image_restricted_attr.clone(),
        vnet_restricted_attr: cfg.vnet_restricted_attr.clone(),
        datastore_location: cfg.datastore_location.clone(),
        list_desc: cfg.api_list_order_desc,
        host_monitoring_expiration: cfg.host_monitoring_expiration as i64,
        vm_monitoring_expiration: cfg.vm_monitoring_expiration as i64,
        storage: std::sync::Arc::new(cfg.storage.clone()),
        context_safe_dirs: dirs(cfg, "CONTEXT_SAFE_DIRS", ""),
        context_restricted_dirs: dirs(cfg, "CONTEXT_RESTRICTED_DIRS", "/etc"),
    }
}

/// A space-separated list of directories of oned.conf (`default` when the key is absent).
fn dirs(cfg: &OnedConfig, key: &str, default: &str) -> Vec<String> {
    cfg.raw.get(key).unwrap_or(default).split_whitespace().map(str::to_string).collect()
}

/// Opens the store, bootstraps a new database, and returns the loaded cloud.
fn open_cloud(cfg: &OnedConfig, loc: &Locations, reporter: &mut Reporter) -> Result<(Cloud, Store)> {
    let opts = StoreOptions {
        path: cfg.db.path.clone(),
        timeout_ms: cfg.db.timeout_ms,
        sync_full: cfg.db.sync_full,
        max_batch_ops: cfg.db.max_batch,
    };
    let (store, snapshot) = Store::open(&opts)?;
    let mut cloud = Cloud::load(snapshot, settings(cfg))?;
    if cloud.is_new() {
        let (user, pw, created) = credentials(&loc.one_auth)?;
        if created {
            reporter.say(&format!("created the oneadmin credentials file {}", loc.one_auth.display()));
        }
        cloud
            .bootstrap(auth::hash_password(&pw)?, auth::hash_password(&auth::new_password()?)?)
            .map_err(anyhow::Error::msg)?;
        if user != "oneadmin"
            && let Some(u) = cloud.users.get_mut(0)
        {
            u.name = user;
        }
        store.submit(cloud.take_changes()).wait_blocking().context("cannot store the bootstrap objects")?;
        tracing::info!("bootstrapped a new database at {}", cfg.db.path.display());
    }
    Ok((cloud, store))
}

/// Where the helper programs shipped with the remotes (`one_qmp`) are looked for, in the order
/// driver executables are: the mads directory, next to oned, `/usr/lib/one/mads`.
fn helper_dirs(mads: &Path) -> Vec<std::path::PathBuf> {
    let mut dirs = vec![mads.to_path_buf()];
    if let Some(dir) = std::env::current_exe().ok().and_then(|e| e.parent().map(Path::to_path_buf)) {
        dirs.push(dir);
    }
    dirs.push(std::path::PathBuf::from("/usr/lib/one/mads"));
    dirs
}

fn run(cfg: OnedConfig, loc: &Locations, flags: &Flags, reporter: &mut Reporter) -> Result<i32> {
    tracing::info!(
        "starting Nephele oned {} (OpenNebula API {}), configuration {}",
        env!("CARGO_PKG_VERSION"),
        crate::rm::API_VERSION,
        cfg.file.display()
    );
    cfg.log_warnings();
    let (cloud, store) = open_cloud(&cfg, loc, reporter)?;
    let pid_file = cfg.db.path.with_extension("pid");
    if !flags.init_db {
        fs::write(&pid_file, format!("{}\n", std::process::id()))
            .with_context(|| format!("cannot write {}", pid_file.display()))?;
    }
    if flags.init_db {
        reporter.say(&format!("database ready: {}", cfg.db.path.display()));
        return Ok(0);
    }
    let runtime =
        tokio::runtime::Builder::new_multi_thread().enable_all().build().context("cannot start the runtime")?;
    let cfg = Arc::new(cfg);
    let addr = format!("{}:{}", cfg.listen_address, cfg.port);
    let core = Arc::new(Core::new(cloud, store, cfg.clone())?);
    let stop_warmer = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let warmer = {
        let (core, stop) = (core.clone(), stop_warmer.clone());
        std::thread::Builder::new()
            .name("xml-warmer".into())
            .spawn(move || core.warm_caches_forever(&stop))
            .context("cannot start the cache warmer")?
    };
    let lcm_settings = crate::lcm::LcmSettings {
        action_timeout: std::time::Duration::from_secs(cfg.driver_action_timeout),
        vms_dir: cfg.vms_dir.clone(),
        monitor_interval: cfg.monitoring_interval_host as i64,
        ds_monitor_interval: cfg.monitoring_interval_datastore,
        qemu_mads: cfg
            .vm_mads
            .iter()
            .filter(|m| {
                m.mad_type.as_deref().is_some_and(|t| matches!(t.trim().to_ascii_lowercase().as_str(), "kvm" | "qemu"))
            })
            .map(|m| m.name.clone())
            .collect(),
    };
    let result = runtime.block_on(async {
        // Drivers and the life-cycle manager: driver events and committed actions meet there.
        let (lcm_tx, lcm_rx) = tokio::sync::mpsc::unbounded_channel();
        let (drv_tx, mut drv_rx) = tokio::sync::mpsc::unbounded_channel();
        let fwd = lcm_tx.clone();
        tokio::spawn(async move {
            while let Some(ev) = drv_rx.recv().await {
                if fwd.send(crate::lcm::LcmEvent::Driver(ev)).is_err() {
                    break;
                }
            }
        });
        crate::remotes::install(&loc.remotes, &helper_dirs(&loc.mads));
        let mads = crate::mad::MadManager::start(&cfg, loc, drv_tx);
        // Committed outboxes (VMs whose driver action is durable) go to the manager too.
        let (out_tx, mut out_rx) = tokio::sync::mpsc::unbounded_channel::<crate::cloud::Outbox>();
        core.set_outbox(out_tx);
        let calls_fwd = lcm_tx.clone();
        tokio::spawn(async move {
            while let Some(ids) = out_rx.recv().await {
                if lcm_tx.send(crate::lcm::LcmEvent::Outbox(ids)).is_err() {
                    break;
                }
            }
        });
        // Requests that wait for a datastore-driver answer (one.image.prefetch).
        let (call_tx, mut call_rx) = tokio::sync::mpsc::unbounded_channel::<crate::core::DsCall>();
        core.set_ds_calls(call_tx);
        tokio::spawn(async move {
            while let Some(call) = call_rx.recv().await {
                if calls_fwd.send(crate::lcm::LcmEvent::DsCall(call)).is_err() {
                    break;
                }
            }
        });
        tokio::spawn(crate::lcm::manager::run(core.clone(), mads.clone(), lcm_settings, lcm_rx));
        let sock: std::net::SocketAddr = addr.parse().with_context(|| format!("bad listen address {addr}"))?;
        let listener =
            crate::rm::http::bind(sock, cfg.http.backlog).with_context(|| format!("cannot listen on {addr}"))?;
        // The signal handlers are in place before anyone is told oned is up: a SIGTERM right
        // after "listening" is a clean shutdown, never the default action (exit by signal).
        let signals = install_signal_handlers();
        let local = listener.local_addr().context("listener address")?;
        let host = if local.ip().is_unspecified() { "localhost".to_string() } else { local.ip().to_string() };
        reporter.say(&format!("oned listening on {local}; endpoint http://{host}:{}/RPC2", local.port()));
        reporter.say(&format!("oneadmin credentials: {}", loc.one_auth.display()));
        reporter.ready();
        let sched_host = if local.ip().is_unspecified() { "127.0.0.1".to_string() } else { local.ip().to_string() };
        let scheduler = crate::sched_proc::SchedulerProcess::start(
            &cfg,
            loc,
            format!("http://{sched_host}:{}/RPC2", local.port()),
            core.clone(),
        );
        tokio::spawn(async move {
            wait_for_signal(signals).await;
            crate::shutdown::request();
        });
        crate::rm::http::serve(core.clone(), listener, (&cfg.http).into(), crate::shutdown::requested())
            .await
            .context("the API server failed")?;
        if let Some(s) = scheduler {
            s.stop().await;
        }
        mads.finalize().await;
        Ok::<(), anyhow::Error>(())
    });
    runtime.shutdown_timeout(std::time::Duration::from_secs(5));
    stop_warmer.store(true, std::sync::atomic::Ordering::Relaxed);
    let _ = warmer.join();
    match Arc::try_unwrap(core) {
        Ok(core) => drop(core),
        Err(core) => {
            tracing::warn!("requests still hold the core at shutdown; closing the store anyway");
            drop(core);
        }
    }
    let _ = fs::remove_file(&pid_file);
    result?;
    tracing::info!("oned stopped");
    Ok(crate::shutdown::exit_code())
}

type Signals = Option<(tokio::signal::unix::Signal, tokio::signal::unix::Signal)>;

/// SIGTERM and SIGINT handlers (must run inside the runtime).
fn install_signal_handlers() -> Signals {
    use tokio::signal::unix::{SignalKind, signal};
    match (signal(SignalKind::terminate()), signal(SignalKind::interrupt())) {
        (Ok(term), Ok(int)) => Some((term, int)),
        _ => {
            tracing::error!("cannot install signal handlers");
            None
        }
    }
}

async fn wait_for_signal(signals: Signals) {
    let Some((mut term, mut int)) = signals else {
        return std::future::pending().await;
    };
    tokio::select! {
        _ = term.recv() => tracing::info!("SIGTERM received, shutting down"),
        _ = int.recv() => tracing::info!("SIGINT received, shutting down"),
    }
}

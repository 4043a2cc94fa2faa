//! `sched`: the home of `mm_sched`, Nephele's separate scheduler process.
//!
//! The scheduler is a plain XML-RPC client of `oned` (through [`libone::client`]): it reads the
//! pending VMs and the hosts, matches them with REQUIREMENTS / RANK expressions and dispatches them
//! with `one.vm.deploy`. It never opens oned's database.
//!
//! - [`expr`]: the REQUIREMENTS / RANK expression language (pure).
//! - [`model`]: hosts and VMs read from oned's pool XML, indexed for name resolution.
//! - [`placement`]: one cycle's decisions (pure): matching, capacity, ranking, limits.
//! - [`cycle`]: a cycle against oned: read, plan, deploy in parallel, SCHED_MESSAGE.
//! - [`config`]: `sched.conf`; [`log`]: its LOG setting; [`plugin`]: placement policies from
//!   shared libraries.
//! - [`session`]: one live scheduler per oned (`one.sched.open`), and none without its oned
//!   (the stdin pipe oned holds).
//!
//! Latency without polling: between cycles mm_sched long-polls `one.sched.wait`, which oned
//! answers as soon as new work appears (a VM becomes PENDING, capacity frees, a host comes up,
//! a VM is flagged for rescheduling) or after SCHED_INTERVAL. An idle scheduler sleeps in that
//! call; a busy one runs cycles back to back while limits leave VMs unplaced.

pub mod config;
pub mod cycle;
pub mod expr;
pub mod log;
pub mod model;
pub mod placement;
pub mod plugin;
pub mod session;

use libone::client::{Client, ClientError};
use libone::xmlrpc::Value;
use std::path::PathBuf;

/// Seconds since the epoch as OpenNebula's scheduler prints them in SCHED_MESSAGE.
pub fn now_string() -> String {
    let t = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    format!("{t}")
}

/// `user:password` from `$ONE_AUTH`, else `~/.one/one_auth` (shared with the `one*` tools).
fn session() -> Result<String, String> {
    libone::client::auth::session_from_env().map_err(|e| e.to_string())
}

/// The process: `mm_sched [-c sched.conf]`. Returns the exit code.
pub fn main() -> i32 {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let conf = match args.iter().position(|a| a == "-c") {
        Some(i) => args.get(i + 1).map(PathBuf::from),
        None => std::env::var_os("ONE_LOCATION")
            .map(|l| PathBuf::from(l).join("etc/sched.conf"))
            .or(Some(PathBuf::from("/etc/one/sched.conf"))),
    };
    let cfg = match config::SchedConfig::load(conf.as_deref()) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("mm_sched: {e}");
            return 1;
        }
    };
    log::init(&cfg);
    session::watch_parent();
    let session = match session() {
        Ok(s) => s,
        Err(e) => {
            tracing::error!("cannot read the credentials: {e}");
            return 1;
        }
    };
    let login = match Client::new(&cfg.endpoint, session) {
        Ok(c) => c.with_timeout(std::time::Duration::from_secs(600)),
        Err(e) => {
            tracing::error!("{e}");
            eprintln!("mm_sched: {e}");
            return 1;
        }
    };
    let open = || match session::open(&login) {
        Ok(session::Opened::Session(c)) | Ok(session::Opened::Plain(c)) => Ok(c),
        Err(session::OpenError::Busy(m)) => {
            tracing::error!("{m}; exiting");
            eprintln!("mm_sched: {m}");
            Err(session::EXIT_BUSY)
        }
        Err(session::OpenError::Other(m)) => {
            tracing::error!("cannot open the scheduler session: {m}");
            eprintln!("mm_sched: cannot open the scheduler session: {m}");
            Err(1)
        }
    };
    let mut client = match open() {
        Ok(c) => c,
        Err(code) => return code,
    };
    let plugin = match &cfg.library {
        Some(p) => match plugin::PolicyPlugin::load(p) {
            Ok(pl) => {
                tracing::info!("loaded placement policy {} from {}", pl.name(), p.display());
                Some(pl)
            }
            Err(e) => {
                tracing::error!("{e}; using striping instead");
                None
            }
        },
        None => None,
    };
    let rank_with = |vm: &model::Vm, hosts: &[&model::Host]| -> Option<Vec<f64>> {
        let pl = plugin.as_ref()?;
        let pvm = plugin::PolicyVm {
            id: vm.id,
            cpu: vm.cpu as f64 / 100.0,
            memory_kib: vm.mem,
            user_priority: vm.user_priority as i32,
        };
        let phosts: Vec<plugin::PolicyHost> = hosts
            .iter()
            .map(|h| plugin::PolicyHost {
                id: h.id,
                cluster_id: h.cluster_id,
                total_cpu: h.total_cpu,
                max_cpu: h.max_cpu,
                cpu_usage: h.cpu_usage,
                total_mem: h.total_mem,
                max_mem: h.max_mem,
                mem_usage: h.mem_usage,
                running_vms: h.running_vms as i32,
                free_cpu: h.free_cpu,
                free_mem: h.free_mem,
                priority: h.priority,
            })
            .collect();
        match pl.rank(&pvm, &phosts) {
            Ok(scores) => Some(scores),
            Err(e) => {
                tracing::warn!(vm = vm.id, "{e}; VM {} is ranked by striping this time", vm.id);
                None
            }
        }
    };
    let ranker: Option<placement::Ranker> = if plugin.is_some() { Some(&rank_with) } else { None };
    let mut cfg = cfg;
    if plugin.is_none() && matches!(cfg.policy, placement::Policy::Library) {
        cfg.policy = placement::Policy::Striping;
    }
    tracing::info!("scheduling for {} every {} s at most", cfg.endpoint, cfg.interval.as_secs());
    let mut state = cycle::State::default();
    let mut epoch: i32 = -1;
    let mut long_poll = true;
    loop {
        let started = std::time::Instant::now();
        let more = match cycle::run(&client, &cfg, &mut state, ranker) {
            Ok(o) => {
                if o.pending > 0 {
                    tracing::info!(
                        "{} waiting, {} dispatched, {} failed, {} left waiting",
                        o.pending,
                        o.placed,
                        o.failed,
                        o.waiting
                    );
                }
                o.more && o.placed > 0
            }
            Err(e) => {
                tracing::error!("cycle failed: {e}");
                std::thread::sleep(std::time::Duration::from_secs(1));
                false
            }
        };
        if more {
            continue;
        }
        if !long_poll {
            std::thread::sleep(cfg.interval);
            continue;
        }
        // Wait for new work, or for SCHED_INTERVAL; oned keeps each wait short (it is also how
        // the scheduler session stays live), so waits repeat until one of the two happens.
        loop {
            let left = cfg.interval.saturating_sub(started.elapsed());
            if left.is_zero() {
                break;
            }
            let ms = left.as_millis().min(600_000) as i32;
            match client.call("one.sched.wait", vec![Value::Integer(epoch), Value::Integer(ms)]) {
                Ok(Value::Integer(e)) if e != epoch => {
                    epoch = e;
                    break;
                }
                Ok(Value::Integer(_)) => {}
                Err(ClientError::Fault { .. }) => {
                    tracing::warn!("oned has no one.sched.wait; polling every {} s", cfg.interval.as_secs());
                    long_poll = false;
                    break;
                }
                Err(ClientError::One { code: 0x0100, message }) => {
                    // The session is gone (oned restarted, or another scheduler replaced a
                    // stale one): open a new one, or leave if another scheduler is live.
                    tracing::warn!("{message}");
                    client = match open() {
                        Ok(c) => c,
                        Err(code) => return code,
                    };
                    break;
                }
                Ok(_) | Err(_) => {
                    std::thread::sleep(std::time::Duration::from_secs(1));
                    break;
                }
            }
        }
    }
}

//! One scheduling cycle against oned: read hosts and waiting VMs, plan, deploy (or migrate
//! rescheduled VMs) in parallel, and record why the others wait (`SCHED_MESSAGE`).

use crate::config::SchedConfig;
use crate::model::{self, Host, Vm};
use crate::placement::{self, Decision, Policy};
use libone::client::{Client, ClientError};
use libone::xmlrpc::Value;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

/// What a cycle did.
#[derive(Debug, Default)]
pub struct Outcome {
    pub pending: usize,
    pub placed: usize,
    pub failed: usize,
    pub waiting: usize,
    /// True if a limit stopped the cycle while VMs could still be placed.
    pub more: bool,
}

/// State kept between cycles.
#[derive(Default)]
pub struct State {
    /// The message last written to each waiting VM.
    messages: HashMap<i32, String>,
    last_resched_scan: Option<Instant>,
}

fn text(v: Value) -> Result<String, String> {
    match v {
        Value::String(s) => Ok(s),
        other => Err(format!("unexpected reply {other:?}")),
    }
}

fn vm_pool(c: &Client, state_filter: i32) -> Result<Vec<Vm>, String> {
    let xml = c
        .call("one.vmpool.info", vec![Value::Integer(-2), Value::Integer(-1), Value::Integer(-1), Value::Integer(state_filter)])
        .map_err(|e| e.to_string())
        .and_then(text)?;
    model::parse_vms(&xml)
}

/// Runs one cycle. `ranker` scores hosts for policy 5.
pub fn run(c: &Client, cfg: &SchedConfig, st: &mut State, ranker: Option<placement::Ranker>) -> Result<Outcome, String> {
    let hosts: Vec<Host> = model::parse_hosts(&c.call("one.hostpool.info", vec![]).map_err(|e| e.to_string()).and_then(text)?)?;
    let mut vms = vm_pool(c, 1)?;
    vms.sort_by_key(|v| v.id);
    if cfg.max_vm > 0 {
        vms.truncate(cfg.max_vm);
    }
    // VMs flagged for rescheduling: read at most once per interval (the active pool is large).
    if st.last_resched_scan.is_none_or(|t| t.elapsed() >= cfg.interval) {
        st.last_resched_scan = Some(Instant::now());
        for s in [3, 8] {
            vms.extend(vm_pool(c, s)?.into_iter().filter(|v| v.resched && (v.state == 8 || matches!(v.lcm_state, 3 | 16))));
        }
    }
    let mut out = Outcome { pending: vms.len(), ..Outcome::default() };
    if vms.is_empty() {
        return Ok(out);
    }
    let decisions = placement::plan(&vms, &hosts, &cfg.policy, &cfg.limits, ranker);
    let places: Vec<(i32, i32, bool)> = decisions
        .iter()
        .filter_map(|d| match d {
            Decision::Place { vm, host, migrate } => Some((*vm, *host, *migrate)),
            Decision::Wait { .. } => None,
        })
        .collect();
    out.more = cfg.limits.max_dispatch > 0 && places.len() >= cfg.limits.max_dispatch
        || decisions.iter().any(|d| matches!(d, Decision::Wait { message, .. } if message.contains("dispatch limit reached")));
    // Deploy in parallel: each call waits for its commit in oned.
    let failures = Mutex::new(0usize);
    let next = Mutex::new(places.iter());
    std::thread::scope(|s| {
        for _ in 0..cfg.dispatch_threads.min(places.len()).max(1) {
            s.spawn(|| {
                let Ok(c) = Client::new(c.endpoint(), c.session()) else { return };
                loop {
                    let item = next.lock().ok().and_then(|mut n| n.next().copied());
                    let Some((vm, host, migrate)) = item else { break };
                    let r = if migrate {
                        c.call("one.vm.migrate", vec![Value::Integer(vm), Value::Integer(host), Value::Boolean(cfg.live_rescheds), Value::Boolean(true), Value::Integer(-1)])
                    } else {
                        // Capacity checked by oned, and only if the VM is still PENDING (what this
                        // plan was made for): a hold acknowledged meanwhile wins.
                        c.call(
                            "one.vm.deploy",
                            vec![Value::Integer(vm), Value::Integer(host), Value::Boolean(true), Value::Integer(-1), Value::String(String::new()), Value::Integer(1)],
                        )
                    };
                    match r {
                        Ok(_) => tracing::info!(vm, "Dispatching virtual machine {vm} to HID: {host}"),
                        Err(e) => {
                            tracing::error!(vm, "Error deploying virtual machine {vm} to HID: {host}. Reason: {e}");
                            if let Ok(mut f) = failures.lock() {
                                *f += 1;
                            }
                        }
                    }
                }
            });
        }
    });
    out.failed = failures.into_inner().unwrap_or(0);
    out.placed = places.len() - out.failed;
    for d in &decisions {
        if let Decision::Wait { vm, message } = d {
            out.waiting += 1;
            if st.messages.get(vm) == Some(message) {
                continue;
            }
            let when = crate::now_string();
            let t = format!("SCHED_MESSAGE = \"{when} : {}\"", message.replace('"', "'"));
            match c.call("one.vm.update", vec![Value::Integer(*vm), Value::String(t), Value::Integer(1)]) {
                Ok(_) | Err(ClientError::One { .. }) => {
                    st.messages.insert(*vm, message.clone());
                }
                Err(e) => return Err(e.to_string()),
            }
        }
    }
    for (vm, _, _) in &places {
        st.messages.remove(vm);
    }
    let _ = matches!(cfg.policy, Policy::Library);
    Ok(out)
}

//! One scheduling cycle against oned: read hosts, datastores and waiting VMs, plan, deploy to the
//! chosen host and system datastore (or migrate rescheduled VMs) in parallel, and record why the
//! others wait (`SCHED_MESSAGE`).
//!
//! Waiting VMs are read in full (`one.vmpool.infoextended` for the PENDING ones,
//! `one.vmpool.infoset` for those flagged for rescheduling): the short body of `one.vmpool.info`
//! has no `AUTOMATIC_REQUIREMENTS`.

use crate::config::SchedConfig;
use crate::model::{self, Host, Vm};
use crate::placement::{self, Decision, Policy};
use libone::client::{Client, ClientError};
use libone::states::{LcmState, VmState};
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

/// VMs read in full per `one.vmpool.infoset` call when rescheduling (bounds the request size).
const RESCHED_CHUNK: usize = 1000;

/// The VMs of a `VM_POOL` reply.
fn read_vms(c: &Client, method: &str, args: Vec<Value>) -> Result<Vec<Vm>, String> {
    let xml = c.call(method, args).map_err(|e| e.to_string()).and_then(text)?;
    model::parse_vms(&xml)
}

/// `one.vmpool.info*(-2, -1, -1, state)`: every VM in `state`.
fn all_in(state: VmState) -> Vec<Value> {
    vec![Value::Integer(-2), Value::Integer(-1), Value::Integer(-1), Value::Integer(state.number())]
}

/// The PENDING VMs, full bodies: `AUTOMATIC_REQUIREMENTS` is not in the short body of
/// `one.vmpool.info` (OpenNebula's 6.x mm_sched reads `one.vmpool.infoextended` too).
fn pending(c: &Client) -> Result<Vec<Vm>, String> {
    read_vms(c, "one.vmpool.infoextended", all_in(VmState::Pending))
}

/// A VM flagged for rescheduling that may move: RUNNING or UNKNOWN, or POWEROFF.
fn movable(v: &Vm) -> bool {
    v.resched
        && (v.state == Some(VmState::Poweroff)
            || (v.state == Some(VmState::Active) && matches!(v.lcm_state, Some(LcmState::Running | LcmState::Unknown))))
}

/// The VMs flagged for rescheduling: found in the short (cached) listing of the ACTIVE and
/// POWEROFF VMs, then only those read in full with `one.vmpool.infoset`, and checked again (a
/// VM may have moved on in between).
fn flagged(c: &Client) -> Result<Vec<Vm>, String> {
    let mut ids: Vec<i32> = Vec::new();
    for s in [VmState::Active, VmState::Poweroff] {
        ids.extend(read_vms(c, "one.vmpool.info", all_in(s))?.iter().filter(|v| movable(v)).map(|v| v.id));
    }
    let mut out = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(RESCHED_CHUNK) {
        let list = chunk.iter().map(i32::to_string).collect::<Vec<_>>().join(",");
        out.extend(
            read_vms(c, "one.vmpool.infoset", vec![Value::String(list), Value::Boolean(true)])?
                .into_iter()
                .filter(movable),
        );
    }
    Ok(out)
}

/// Runs one cycle. `ranker` scores hosts for policy 5.
pub fn run(
    c: &Client,
    cfg: &SchedConfig,
    st: &mut State,
    ranker: Option<placement::Ranker>,
) -> Result<Outcome, String> {
    let hosts: Vec<Host> =
        model::parse_hosts(&c.call("one.hostpool.info", vec![]).map_err(|e| e.to_string()).and_then(text)?)?;
    let datastores =
        model::parse_datastores(&c.call("one.datastorepool.info", vec![]).map_err(|e| e.to_string()).and_then(text)?)?;
    let mut vms = pending(c)?;
    vms.sort_by_key(|v| v.id);
    if cfg.max_vm > 0 {
        vms.truncate(cfg.max_vm);
    }
    // VMs flagged for rescheduling: looked for at most once per interval (the active pool is large).
    if st.last_resched_scan.is_none_or(|t| t.elapsed() >= cfg.interval) {
        st.last_resched_scan = Some(Instant::now());
        vms.extend(flagged(c)?);
    }
    let mut out = Outcome { pending: vms.len(), ..Outcome::default() };
    if vms.is_empty() {
        return Ok(out);
    }
    let decisions = placement::plan(&vms, &hosts, &datastores, &cfg.policy, &cfg.ds_policy, &cfg.limits, ranker);
    let places: Vec<(i32, i32, i32, bool)> = decisions
        .iter()
        .filter_map(|d| match d {
            Decision::Place { vm, host, ds, migrate } => Some((*vm, *host, *ds, *migrate)),
            Decision::Wait { .. } => None,
        })
        .collect();
    out.more = cfg.limits.max_dispatch > 0 && places.len() >= cfg.limits.max_dispatch
        || decisions
            .iter()
            .any(|d| matches!(d, Decision::Wait { message, .. } if message.contains("dispatch limit reached")));
    // Deploy in parallel: each call waits for its commit in oned.
    let failures = Mutex::new(0usize);
    let next = Mutex::new(places.iter());
    std::thread::scope(|s| {
        for _ in 0..cfg.dispatch_threads.min(places.len()).max(1) {
            s.spawn(|| {
                let Ok(c) = Client::new(c.endpoint(), c.session()) else { return };
                loop {
                    let item = next.lock().ok().and_then(|mut n| n.next().copied());
                    let Some((vm, host, ds, migrate)) = item else { break };
                    let r = if migrate {
                        c.call(
                            "one.vm.migrate",
                            vec![
                                Value::Integer(vm),
                                Value::Integer(host),
                                Value::Boolean(cfg.live_rescheds),
                                Value::Boolean(true),
                                Value::Integer(-1),
                            ],
                        )
                    } else {
                        // Capacity checked by oned, and only if the VM is still PENDING (what this
                        // plan was made for): a hold acknowledged meanwhile wins.
                        c.call(
                            "one.vm.deploy",
                            vec![
                                Value::Integer(vm),
                                Value::Integer(host),
                                Value::Boolean(true),
                                Value::Integer(ds),
                                Value::String(String::new()),
                                Value::Integer(1),
                            ],
                        )
                    };
                    match r {
                        Ok(_) if migrate => tracing::info!(vm, "Dispatching virtual machine {vm} to HID: {host}"),
                        Ok(_) => tracing::info!(vm, "Dispatching virtual machine {vm} to HID: {host} DSID: {ds}"),
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
    for (vm, _, _, _) in &places {
        st.messages.remove(vm);
    }
    let _ = matches!(cfg.policy, Policy::Library);
    Ok(out)
}

//! Placement, pure: which host each waiting VM goes to in one cycle.
//!
//! For each VM, highest `USER_PRIORITY` first (then lowest id): the candidate hosts are the
//! MONITORED ones whose free capacity (`MAX_CPU - CPU_USAGE`, `MAX_MEM - MEM_USAGE`, minus what
//! this cycle already placed there) fits the VM and that satisfy
//! `AUTOMATIC_REQUIREMENTS & (SCHED_REQUIREMENTS)`; they are ranked by the VM's `SCHED_RANK`,
//! or the default policy (0 packing: `RUNNING_VMS`; 1 striping: `-RUNNING_VMS`; 2 load-aware:
//! `FREE_CPU`; 3 custom `RANK`; 4 fixed `PRIORITY`; 5 a policy library), and the best one that
//! has not reached `MAX_HOST` dispatches this cycle is chosen. At most `MAX_DISPATCH` VMs are
//! placed per cycle. A VM that fits nowhere gets OpenNebula's `SCHED_MESSAGE` text.
//!
//! A host is taken only with a system datastore for the VM ([`storage`]): one of the host's
//! cluster, enabled, meeting `AUTOMATIC_DS_REQUIREMENTS & (SCHED_DS_REQUIREMENTS)`, with room for
//! the VM's system disks (the datastore's FREE_MB when it is shared, the host's report of it
//! otherwise), ranked by `SCHED_DS_RANK` or the default datastore policy. Hosts are tried best
//! first until one has such a datastore.

mod storage;

pub use storage::DsPolicy;

use crate::expr::{Lookup, Rank, Requirements};
use crate::model::{Datastore, Host, Vm};
use libone::states::HostState;
use std::collections::HashMap;

/// The default host policy (`DEFAULT_SCHED/POLICY`).
#[derive(Clone, Debug)]
pub enum Policy {
    Packing,
    Striping,
    LoadAware,
    Custom(String),
    Fixed,
    /// A loaded policy library (`plugin::PolicyPlugin`), called through the `Ranker` hook.
    Library,
}

/// Cycle limits.
#[derive(Clone, Debug)]
pub struct Limits {
    /// VMs placed per cycle (0: no limit).
    pub max_dispatch: usize,
    /// VMs placed on one host per cycle (0: no limit).
    pub max_host: usize,
}

/// One decision of the cycle.
#[derive(Clone, Debug, PartialEq)]
pub enum Decision {
    /// Deploy (or migrate, for a resched) VM `vm` to host `host`, in system datastore `ds`
    /// (-1 for a migration: the VM keeps its datastore).
    Place { vm: i32, host: i32, ds: i32, migrate: bool },
    /// The VM stays where it is; `message` is its new SCHED_MESSAGE.
    Wait { vm: i32, message: String },
}

/// Scores hosts with an external policy; `None` falls back to the built-in rank.
pub type Ranker<'a> = &'a dyn Fn(&Vm, &[&Host]) -> Option<Vec<f64>>;

/// A host plus what this cycle has placed on it, seen through expressions.
struct View<'a> {
    host: &'a Host,
    placed: &'a Placed,
}

#[derive(Default, Clone)]
struct Placed {
    cpu: i64,
    mem: i64,
    count: usize,
    vms: Vec<i32>,
}

impl Lookup for View<'_> {
    fn values(&self, name: &str) -> Vec<String> {
        match name {
            // What this cycle placed counts already.
            "RUNNING_VMS" => vec![(self.host.running_vms + self.placed.count as i64).to_string()],
            "CPU_USAGE" => vec![(self.host.cpu_usage + self.placed.cpu).to_string()],
            "MEM_USAGE" => vec![(self.host.mem_usage + self.placed.mem).to_string()],
            "CURRENT_VMS" => self.host.vms.iter().chain(&self.placed.vms).map(|v| v.to_string()).collect(),
            _ => self.host.index.get(name).cloned().unwrap_or_default(),
        }
    }
}

/// Why no host took a VM, in OpenNebula's words.
fn no_host_message(enabled: usize, fit: usize, reqs: &str) -> String {
    if enabled == 0 {
        "Cannot dispatch VM: No hosts enabled to run VMs".to_string()
    } else if fit == 0 {
        "Cannot dispatch VM: No host with enough capacity to deploy the VM".to_string()
    } else {
        format!("Cannot dispatch VM: No host meets capacity and SCHED_REQUIREMENTS: {reqs}")
    }
}

/// The requirements a VM must meet: `AUTOMATIC_REQUIREMENTS & ( SCHED_REQUIREMENTS )`.
fn combined(vm: &Vm) -> String {
    conjunction(&vm.automatic_requirements, &vm.requirements)
}

/// `automatic & ( user )`, or whichever of the two is not blank (OpenNebula's way of adding the
/// user's requirements to oned's, for hosts and datastores alike).
fn conjunction(automatic: &str, user: &str) -> String {
    match (automatic.trim(), user.trim()) {
        ("", "") => String::new(),
        (a, "") => a.to_string(),
        ("", u) => u.to_string(),
        (a, u) => format!("{a} & ( {u} )"),
    }
}

/// Names whose values change while a cycle places VMs: requirements that use them are evaluated
/// for every VM; all others are evaluated once per distinct text and host.
const DYNAMIC: [&str; 4] = ["RUNNING_VMS", "CPU_USAGE", "MEM_USAGE", "CURRENT_VMS"];

/// The score of a built-in policy, computed directly (no expression evaluation).
fn builtin_score(policy: &Policy, h: &Host, p: &Placed) -> Option<f64> {
    let running = (h.running_vms + p.count as i64) as f64;
    match policy {
        Policy::Packing => Some(running),
        Policy::Striping => Some(-running),
        Policy::LoadAware => Some(h.free_cpu.max(0) as f64),
        Policy::Fixed => Some(h.priority),
        Policy::Custom(_) | Policy::Library => None,
    }
}

/// Places `vms` on `hosts`, in system datastores of `datastores`, for one cycle.
pub fn plan(
    vms: &[Vm],
    hosts: &[Host],
    datastores: &[Datastore],
    policy: &Policy,
    ds_policy: &DsPolicy,
    limits: &Limits,
    ranker: Option<Ranker>,
) -> Vec<Decision> {
    let mut storage = storage::Storage::new(datastores, ds_policy);
    let mut order: Vec<&Vm> = vms.iter().collect();
    order.sort_by(|a, b| b.user_priority.cmp(&a.user_priority).then(a.id.cmp(&b.id)));
    let enabled: Vec<&Host> = hosts.iter().filter(|h| h.state == Some(HostState::Monitored)).collect();
    let mut placed: HashMap<i32, Placed> = HashMap::new();
    let empty = Placed::default();
    let default_rank = match policy {
        Policy::Packing => Rank::parse("RUNNING_VMS").ok(),
        Policy::Striping => Rank::parse("- RUNNING_VMS").ok(),
        Policy::LoadAware => Rank::parse("FREE_CPU").ok(),
        Policy::Custom(r) => Rank::parse(r).ok(),
        Policy::Fixed => Rank::parse("PRIORITY").ok(),
        Policy::Library => None,
    };
    let mut dispatched = 0usize;
    let mut out = Vec::new();
    // requirements text → result per enabled host (static requirements only).
    let mut req_cache: HashMap<String, Vec<bool>> = HashMap::new();
    for vm in order {
        if limits.max_dispatch > 0 && dispatched >= limits.max_dispatch {
            break;
        }
        let reqs_text = combined(vm);
        let reqs = match Requirements::parse(&reqs_text) {
            Ok(r) => r,
            Err(e) => {
                out.push(Decision::Wait {
                    vm: vm.id,
                    message: format!("Error in SCHED_REQUIREMENTS: '{reqs_text}', error: {e}"),
                });
                continue;
            }
        };
        let rank = if vm.rank.trim().is_empty() { default_rank.clone() } else { Rank::parse(&vm.rank).ok() };
        let dynamic = DYNAMIC.iter().any(|n| reqs_text.contains(n));
        if !dynamic && !req_cache.contains_key(&reqs_text) {
            let results = enabled.iter().map(|h| reqs.eval(&View { host: h, placed: &empty })).collect();
            req_cache.insert(reqs_text.clone(), results);
        }
        let cached = if dynamic { None } else { req_cache.get(&reqs_text) };
        let mut fit = 0usize;
        // Hosts that fit and meet the requirements but already took MAX_HOST VMs this cycle.
        let mut limited = 0usize;
        let mut candidates: Vec<&Host> = Vec::new();
        for (hi, h) in enabled.iter().enumerate() {
            if vm.resched && h.id == vm.current_host {
                continue;
            }
            let p = placed.get(&h.id).unwrap_or(&empty);
            let free_cpu = h.max_cpu - h.cpu_usage - p.cpu;
            let free_mem = h.max_mem - h.mem_usage - p.mem;
            if vm.cpu > free_cpu || vm.mem > free_mem {
                continue;
            }
            fit += 1;
            let meets = match cached {
                Some(c) => c[hi],
                None => reqs.eval(&View { host: h, placed: p }),
            };
            if !meets {
                continue;
            }
            if limits.max_host > 0 && p.count >= limits.max_host {
                limited += 1;
                continue;
            }
            candidates.push(h);
        }
        if candidates.is_empty() {
            let message = if limited > 0 {
                "Cannot dispatch VM to any Host. Possible reasons: Not enough capacity in Host or System DS, dispatch limit reached, or limit of free leases reached.".to_string()
            } else {
                no_host_message(enabled.len(), fit, &reqs_text)
            };
            out.push(Decision::Wait { vm: vm.id, message });
            continue;
        }
        let scores: Vec<f64> = match (policy, ranker, vm.rank.trim().is_empty()) {
            (Policy::Library, Some(r), true) => r(vm, &candidates).unwrap_or_else(|| {
                // The library failed for this VM: rank by the built-in striping policy.
                let striping = Rank::parse("- RUNNING_VMS").ok();
                candidates
                    .iter()
                    .map(|h| {
                        striping
                            .as_ref()
                            .map(|r| r.eval(&View { host: h, placed: placed.get(&h.id).unwrap_or(&empty) }))
                            .unwrap_or(0.0)
                    })
                    .collect()
            }),
            (_, _, true) if builtin_score(policy, candidates[0], &empty).is_some() => candidates
                .iter()
                .map(|h| builtin_score(policy, h, placed.get(&h.id).unwrap_or(&empty)).unwrap_or(0.0))
                .collect(),
            _ => candidates
                .iter()
                .map(|h| {
                    rank.as_ref()
                        .map(|r| r.eval(&View { host: h, placed: placed.get(&h.id).unwrap_or(&empty) }))
                        .unwrap_or(0.0)
                })
                .collect(),
        };
        // Best host first (highest score, ties to the lowest id) among those not yet refused for
        // want of a system datastore.
        let mut refused = vec![false; candidates.len()];
        let mut choice = None;
        let mut ds_miss = storage::Miss::default();
        loop {
            let best = candidates.iter().zip(&scores).enumerate().filter(|(i, _)| !refused[*i]).fold(
                None::<(usize, &Host, f64)>,
                |acc, (i, (h, s))| {
                    let s = if s.is_nan() { f64::NEG_INFINITY } else { *s };
                    match acc {
                        Some((bi, bh, bs)) if bs > s || (bs == s && bh.id < h.id) => Some((bi, bh, bs)),
                        _ => Some((i, h, s)),
                    }
                },
            );
            let Some((i, h, _)) = best else { break };
            if vm.resched {
                // A migration keeps the VM's system datastore (oned moves the disks).
                choice = Some((h, -1));
                break;
            }
            match storage.choose(vm, h) {
                Ok(ds) => {
                    choice = Some((h, ds));
                    break;
                }
                Err(miss) => {
                    ds_miss = ds_miss.worst(miss);
                    refused[i] = true;
                }
            }
        }
        let Some((h, ds)) = choice else {
            out.push(Decision::Wait { vm: vm.id, message: ds_miss.message(vm) });
            continue;
        };
        storage.take(vm, h, ds);
        let p = placed.entry(h.id).or_default();
        p.cpu += vm.cpu;
        p.mem += vm.mem;
        p.count += 1;
        p.vms.push(vm.id);
        dispatched += 1;
        out.push(Decision::Place { vm: vm.id, host: h.id, ds, migrate: vm.resched });
    }
    out
}

#[cfg(test)]
mod tests;

//! The system datastore a placed VM goes to, as OpenNebula's scheduler chooses it.
//!
//! For a VM and a host: the system datastores of the host's cluster that are enabled, meet
//! `AUTOMATIC_DS_REQUIREMENTS & ( SCHED_DS_REQUIREMENTS )` and have room for the VM's system
//! disks ([`Vm::system_ds_mb`]). Room is the datastore's own `FREE_MB` for a shared datastore
//! (`SHARED = YES`: every host sees the same storage) and the host's monitoring of it
//! (`HOST_SHARE/DATASTORES/DS`) otherwise; what this cycle already placed there counts. Free
//! space nobody has measured yet (a datastore never monitored, a host that does not report it)
//! refuses nothing. The best datastore by `SCHED_DS_RANK`, or the default datastore policy, wins;
//! ties go to the lowest id.

use crate::expr::{ExprError, Lookup, Rank, Requirements};
use crate::model::{Datastore, Host, SYSTEM_DS, Vm};
use std::collections::HashMap;

/// The default datastore policy (`DEFAULT_DS_SCHED/POLICY`).
#[derive(Clone, Debug, PartialEq)]
pub enum DsPolicy {
    /// 0: fill the fullest datastore first (`- FREE_MB`).
    Packing,
    /// 1: spread over the emptiest (`FREE_MB`).
    Striping,
    /// 2: the `RANK` expression.
    Custom(String),
}

impl DsPolicy {
    fn rank(&self) -> Option<Rank> {
        match self {
            DsPolicy::Packing => Rank::parse("- FREE_MB").ok(),
            DsPolicy::Striping => Rank::parse("FREE_MB").ok(),
            DsPolicy::Custom(r) => Rank::parse(r).ok(),
        }
    }
}

/// Why no system datastore took a VM on one host; the later variants got further.
#[derive(Clone, Debug, Default, PartialEq)]
pub(super) enum Miss {
    /// No enabled system datastore in the host's cluster.
    #[default]
    NoDatastore,
    /// Some, but none meets the requirements.
    Requirements,
    /// Some meet the requirements, none has room.
    Capacity,
    /// The requirements do not parse.
    Syntax(String),
}

impl Miss {
    /// The one that got furthest: its message says the most.
    pub(super) fn worst(self, other: Miss) -> Miss {
        let order = |m: &Miss| match m {
            Miss::NoDatastore => 0,
            Miss::Requirements => 1,
            Miss::Capacity => 2,
            Miss::Syntax(_) => 3,
        };
        if order(&other) > order(&self) { other } else { self }
    }

    /// The VM's `SCHED_MESSAGE`.
    pub(super) fn message(&self, vm: &Vm) -> String {
        let reqs = combined(vm);
        match self {
            Miss::NoDatastore => "Cannot dispatch VM: No system datastores found to run VMs".to_string(),
            Miss::Requirements => {
                format!("Cannot dispatch VM: No system datastore meets SCHED_DS_REQUIREMENTS: {reqs}")
            }
            Miss::Capacity => {
                format!("Cannot dispatch VM: No system datastore meets capacity and SCHED_DS_REQUIREMENTS: {reqs}")
            }
            Miss::Syntax(e) => format!("Error in SCHED_DS_REQUIREMENTS: '{reqs}', error: {e}"),
        }
    }
}

/// `AUTOMATIC_DS_REQUIREMENTS & ( SCHED_DS_REQUIREMENTS )`.
fn combined(vm: &Vm) -> String {
    super::conjunction(&vm.automatic_ds_requirements, &vm.ds_requirements)
}

/// The system datastores and what this cycle has put in them.
pub(super) struct Storage<'a> {
    system: Vec<&'a Datastore>,
    default_rank: Option<Rank>,
    /// MB placed this cycle per (datastore, host); host -1 for a shared datastore.
    used: HashMap<(i32, i32), i64>,
    /// Parsed requirements and ranks by text.
    reqs: HashMap<String, Result<Requirements, ExprError>>,
    ranks: HashMap<String, Option<Rank>>,
}

/// A datastore seen from one host, with FREE_MB as that host has it this cycle.
struct View<'a> {
    ds: &'a Datastore,
    free: Option<i64>,
}

impl Lookup for View<'_> {
    fn values(&self, name: &str) -> Vec<String> {
        match (name, self.free) {
            ("FREE_MB", Some(f)) => vec![f.to_string()],
            _ => self.ds.index.get(name).cloned().unwrap_or_default(),
        }
    }
}

impl<'a> Storage<'a> {
    pub(super) fn new(datastores: &'a [Datastore], policy: &DsPolicy) -> Storage<'a> {
        Storage {
            system: datastores.iter().filter(|d| d.ds_type == SYSTEM_DS).collect(),
            default_rank: policy.rank(),
            used: HashMap::new(),
            reqs: HashMap::new(),
            ranks: HashMap::new(),
        }
    }

    fn key(ds: &Datastore, host: &Host) -> (i32, i32) {
        (ds.id, if ds.shared { -1 } else { host.id })
    }

    /// Free MB of `ds` for a VM on `host`, after this cycle's placements; `None` if unmeasured.
    fn free(&self, ds: &Datastore, host: &Host) -> Option<i64> {
        let measured = (ds.total_mb > 0).then_some(ds.free_mb);
        let base = if ds.shared { measured } else { host.ds_free.get(&ds.id).copied().or(measured) };
        base.map(|f| f - self.used.get(&Self::key(ds, host)).copied().unwrap_or(0))
    }

    /// The system datastore for `vm` on `host`, or why there is none.
    pub(super) fn choose(&mut self, vm: &Vm, host: &Host) -> Result<i32, Miss> {
        let text = combined(vm);
        let reqs = match self.reqs.entry(text).or_insert_with_key(|t| Requirements::parse(t)) {
            Ok(r) => r.clone(),
            Err(e) => return Err(Miss::Syntax(e.to_string())),
        };
        let rank = if vm.ds_rank.trim().is_empty() {
            self.default_rank.clone()
        } else {
            self.ranks.entry(vm.ds_rank.clone()).or_insert_with_key(|r| Rank::parse(r).ok()).clone()
        };
        let mut miss = Miss::NoDatastore;
        let mut best: Option<(i32, f64)> = None;
        for ds in self.system.iter().filter(|d| d.state == 0 && d.clusters.contains(&host.cluster_id)) {
            let view = View { ds, free: self.free(ds, host) };
            if !reqs.eval(&view) {
                miss = miss.worst(Miss::Requirements);
                continue;
            }
            if vm.system_ds_mb > 0 && view.free.is_some_and(|f| vm.system_ds_mb > f) {
                miss = miss.worst(Miss::Capacity);
                continue;
            }
            let score = rank.as_ref().map(|r| r.eval(&view)).filter(|s| !s.is_nan()).unwrap_or(f64::NEG_INFINITY);
            match best {
                Some((id, s)) if s > score || (s == score && id < ds.id) => {}
                _ => best = Some((ds.id, score)),
            }
        }
        best.map(|(id, _)| id).ok_or(miss)
    }

    /// Records that `vm` went to datastore `ds` on `host` (-1: no datastore chosen).
    pub(super) fn take(&mut self, vm: &Vm, host: &Host, ds: i32) {
        if let Some(d) = self.system.iter().find(|d| d.id == ds) {
            *self.used.entry(Self::key(d, host)).or_default() += vm.system_ds_mb;
        }
    }
}

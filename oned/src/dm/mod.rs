//! The dispatch manager: what the VM actions do to a VM and the objects it uses.
//!
//! It checks an action against the VM and its host, records what the action takes (history
//! records, host capacity), and hands the state change to the life-cycle state machine
//! (`lcm::machine`, which holds the one diagram of the VM's states), which journals the driver
//! step. Creating VMs is in [`create`] (with [`attrs`], the checks of the values that reach
//! drivers, [`nic`], the leases NICs take, [`osfile`], kernel files from the files datastore,
//! and [`context`], the CONTEXT vector); freeing what a VM holds is `lcm::release`.
//! [`VmAction`] is `one.vm.action`'s vocabulary, read by the request manager.

pub mod attrs;
pub mod context;
pub mod create;
pub mod disk;
pub mod nic;
pub mod osfile;

use crate::cloud::Cloud;
use crate::error::{ApiError, ErrorCode};
use crate::objects::host::HostState;
use crate::objects::vm::{History, LcmState, VirtualMachine, VmState};
use crate::objects::{PoolObject, now};

/// The actions of `one.vm.action`: the state machine's, and the rescheduling flag.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VmAction {
    Machine(crate::lcm::machine::Action),
    Resched,
    Unresched,
}

impl VmAction {
    /// The action named `name` (`terminate-hard`, `resched` ...), read where the request comes in.
    pub fn parse(name: &str) -> Option<VmAction> {
        match name {
            "resched" => Some(VmAction::Resched),
            "unresched" => Some(VmAction::Unresched),
            other => crate::lcm::machine::Action::parse(other).map(VmAction::Machine),
        }
    }

    /// The name, as in `one.vm.action` and its messages.
    pub fn name(self) -> &'static str {
        use crate::lcm::machine::Action::*;
        match self {
            VmAction::Resched => "resched",
            VmAction::Unresched => "unresched",
            VmAction::Machine(a) => match a {
                Terminate { hard: false } => "terminate",
                Terminate { hard: true } => "terminate-hard",
                Poweroff { hard: false } => "poweroff",
                Poweroff { hard: true } => "poweroff-hard",
                Undeploy { hard: false } => "undeploy",
                Undeploy { hard: true } => "undeploy-hard",
                Reboot { hard: false } => "reboot",
                Reboot { hard: true } => "reboot-hard",
                Suspend => "suspend",
                Stop => "stop",
                Resume => "resume",
                Hold => "hold",
                Release => "release",
                Migrate { live: false } => "migrate",
                Migrate { live: true } => "live-migrate",
            },
        }
    }

    /// The permission it needs (`VM_*_OPERATIONS` defaults).
    pub fn op(self) -> crate::perms::AuthOp {
        match self {
            VmAction::Resched | VmAction::Unresched => crate::perms::AuthOp::Admin,
            VmAction::Machine(_) => crate::perms::AuthOp::Manage,
        }
    }

    /// OpenNebula's `VMActions` number, recorded in the VM's current history record (`ACTION`)
    /// when the action is accepted.
    pub fn code(self) -> i32 {
        use crate::lcm::machine::Action::*;
        match self {
            VmAction::Resched => 17,
            VmAction::Unresched => 18,
            VmAction::Machine(a) => match a {
                Undeploy { hard: false } => 5,
                Undeploy { hard: true } => 6,
                Hold => 7,
                Release => 8,
                Stop => 9,
                Suspend => 10,
                Resume => 11,
                Reboot { hard: false } => 15,
                Reboot { hard: true } => 16,
                Poweroff { hard: false } => 19,
                Poweroff { hard: true } => 20,
                Terminate { hard: false } => 27,
                Terminate { hard: true } => 28,
                Migrate { live: false } => 1,
                Migrate { live: true } => 2,
            },
        }
    }
}

fn not_available(action: VmAction, vm: &VirtualMachine) -> ApiError {
    ApiError::with_id(
        ErrorCode::Action,
        format!(
            "Error performing action \"{}\": This action is not available for state {}",
            action.name(),
            vm.state_for_message()
        ),
        vm.oid,
    )
}

/// The `VMActions` number of a `one.vm.recover` operation.
pub fn recover_code(op: i32) -> i32 {
    match op {
        2 => 43,     // retry
        3 | 5 => 13, // delete, delete-db
        4 => 14,     // delete-recreate
        _ => 42,     // recover (success / failure)
    }
}

/// Who asked for what, in the VM's current history record (OpenNebula's `set_action`):
/// `ACTION`, `UID`, `GID` and `REQUEST_ID`. A VM that never left PENDING has no record.
pub fn stamp_history(cloud: &mut Cloud, id: i32, action: i32, uid: i32, gid: i32, request_id: i32) {
    if let Some(h) = cloud.vms.get_mut(id).and_then(|v| v.history.last_mut()) {
        h.action = action;
        h.uid = uid;
        h.gid = gid;
        h.request_id = request_id;
    }
}

/// Runs `one.vm.action` on VM `id` (already authorized): the state machine decides the
/// transition; driver steps are journaled and sent after the commit.
pub fn action(cloud: &mut Cloud, id: i32, action: VmAction) -> Result<(), ApiError> {
    use crate::lcm::machine::{self, Action, Refusal};
    let vm = cloud.vms.get(id).ok_or_else(|| ApiError::no_exists(crate::objects::ObjectKind::Vm.object_name(), id))?;
    let (st, l) = (vm.state, vm.lcm_state);
    let a = match action {
        VmAction::Machine(a) => a,
        VmAction::Resched | VmAction::Unresched => {
            let running_or_unknown = st == VmState::Active && matches!(l, LcmState::Running | LcmState::Unknown);
            if st == VmState::Poweroff || running_or_unknown {
                let flag = i32::from(action == VmAction::Resched);
                if let Some(vm) = cloud.vms.get_mut(id) {
                    vm.resched = flag;
                }
                cloud.sched_kick |= flag == 1;
                return Ok(());
            }
            return Err(not_available(action, vm));
        }
    };
    match machine::on_action(st, l, a) {
        Ok(None) => Ok(()),
        Ok(Some(t)) => {
            if let Some(vm) = cloud.vms.get_mut(id) {
                // Every user action except reboot clears the resched flag.
                if !matches!(a, Action::Reboot { .. }) {
                    vm.resched = 0;
                }
            }
            crate::lcm::apply::enter(cloud, id, t, None);
            Ok(())
        }
        Err(Refusal::WrongState) => Err(not_available(action, vm)),
        Err(Refusal::CannotTerminate) => Err(ApiError::with_id(
            ErrorCode::Action,
            format!(
                "Error performing action \"{}\": Could not terminate VM {id}, wrong state {}.",
                action.name(),
                vm.state_for_message()
            ),
            id,
        )),
    }
}

/// `one.vm.deploy` after authorization: checks and records the deploy (history, host share,
/// PROLOG). `ds_id` is the system datastore, or -1 for the first one in the host's cluster.
pub fn deploy(
    cloud: &mut Cloud,
    id: i32,
    host_id: i32,
    ds_id: i32,
    enforce: bool,
    uid: i32,
    gid: i32,
) -> Result<(), ApiError> {
    let vm = cloud.vms.get(id).ok_or_else(|| ApiError::no_exists(crate::objects::ObjectKind::Vm.object_name(), id))?;
    let host = cloud
        .hosts
        .get(host_id)
        .ok_or_else(|| ApiError::no_exists(crate::objects::ObjectKind::Host.object_name(), host_id))?;
    if !matches!(vm.state, VmState::Pending | VmState::Hold | VmState::Stopped | VmState::Undeployed) {
        return Err(ApiError::with_id(
            ErrorCode::Action,
            format!("Deploy action is not available for state {}", vm.state_for_message()),
            id,
        ));
    }
    if host.state == HostState::Offline {
        return Err(ApiError::with_id(ErrorCode::Action, "Host is offline, cannot use it to deploy VM", id));
    }
    let cid = host.cluster_id;
    let ds = if ds_id < 0 {
        cloud
            .datastores
            .iter()
            .find(|d| {
                d.ds_type == crate::objects::datastore::DsType::System && d.clusters.contains(&cid) && d.state == 0
            })
            .ok_or_else(|| {
                ApiError::with_id(
                    ErrorCode::Action,
                    format!("cluster [{cid}] does not have any datastore of type SYSTEM_DS."),
                    id,
                )
            })?
    } else {
        let d = cloud
            .datastores
            .get(ds_id)
            .ok_or_else(|| ApiError::no_exists(crate::objects::ObjectKind::Datastore.object_name(), ds_id))?;
        if d.ds_type != crate::objects::datastore::DsType::System {
            return Err(ApiError::with_id(
                ErrorCode::Internal,
                format!("Trying to use datastore [{ds_id}] to deploy the VM, but it is not of type system datastore."),
                id,
            ));
        }
        if !d.clusters.contains(&cid) {
            return Err(ApiError::with_id(
                ErrorCode::Action,
                format!("datastore [{ds_id}] and host [{host_id}] are not in the same cluster [{cid}]."),
                id,
            ));
        }
        d
    };
    let (cpu, mem) = vm.host_request();
    if enforce {
        let free_cpu = host.share.max_cpu - host.share.cpu_usage;
        let free_mem = host.share.max_mem - host.share.mem_usage;
        if cpu > free_cpu || mem > free_mem {
            return Err(ApiError::with_id(
                ErrorCode::Action,
                format!(
                    "virtual machine [{id}] does not fit in host [{host_id}]. CPU: {cpu}/{free_cpu} MEMORY: {mem}/{free_mem}"
                ),
                id,
            ));
        }
    }
    let t = now();
    let record = History {
        seq: vm.history.len() as i32,
        hostname: host.name.clone(),
        hid: host_id,
        cid,
        stime: t,
        vm_mad: host.vm_mad.clone(),
        tm_mad: ds.tm_mad.clone(),
        ds_id: ds.oid,
        pstime: t,
        uid,
        gid,
        ..History::default()
    };
    let tm_mad = ds.tm_mad.clone();
    let vm_dir = format!("{}/{id}", ds.base_path);
    let Some(t) = crate::lcm::machine::on_deploy(vm.state) else {
        return Err(ApiError::with_id(
            ErrorCode::Action,
            format!("Deploy action is not available for state {}", vm.state_for_message()),
            id,
        ));
    };
    if let Some(v) = cloud.vms.get_mut(id) {
        if let Some(prev) = v.history.last_mut()
            && prev.etime == 0
        {
            prev.etime = now();
        }
        v.history.push(record);
        v.resched = 0;
        v.template.set("TM_MAD_SYSTEM", tm_mad);
        // Kernel and initrd from the files datastore: the prolog copies them into the VM's
        // directory of this system datastore.
        if let Some(os) = v.template.vector_mut("OS") {
            for (base, file) in crate::objects::vm::OS_FILES {
                if os.get(&format!("{base}_DS_SOURCE")).is_some() {
                    os.set(base, format!("{vm_dir}/{file}"));
                }
            }
        }
        v.user_template.remove("SCHED_MESSAGE");
        v.user_template.remove("ERROR");
    }
    crate::lcm::release::take_host(cloud, id, host_id, cpu, mem);
    crate::lcm::apply::enter(cloud, id, t, None);
    tracing::info!(vm_id = id, host_id, "deploying");
    Ok(())
}

/// `one.vm.recover(id, op)`: 0 failure, 1 success, 2 retry, 3 delete, 4 delete-recreate,
/// 5 delete-db.
pub fn recover(cloud: &mut Cloud, id: i32, op: i32) -> Result<(), ApiError> {
    use crate::lcm::machine::{self, Transition};
    let vm = cloud.vms.get(id).ok_or_else(|| ApiError::no_exists(crate::objects::ObjectKind::Vm.object_name(), id))?;
    let (st, l, oid) = (vm.state, vm.lcm_state, vm.oid());
    let wrong = |what: &str, vm: &VirtualMachine| {
        ApiError::with_id(
            ErrorCode::Action,
            format!("Could not perform {what} on VM {oid}, wrong state {}.", vm.state_for_message()),
            id,
        )
    };
    match op {
        0 | 1 => {
            if st != VmState::Active {
                return Err(wrong("a recover operation", vm));
            }
            let step = vm.pending.as_ref().map(|p| machine::Step { verb: p.verb, stage: p.stage });
            let t = machine::on_recover(l, step, op == 1).ok_or_else(|| wrong("a recover operation", vm))?;
            if op == 1
                && l == LcmState::Boot
                && vm.deploy_id.is_empty()
                && let Some(v) = cloud.vms.get_mut(id)
            {
                v.deploy_id = format!("one-{id}");
            }
            let err = (op == 0).then_some("recovered as failed by an administrator");
            crate::lcm::apply::enter(cloud, id, t, err);
            Ok(())
        }
        2 => {
            if st != VmState::Active {
                return Err(wrong("a retry", vm));
            }
            let t = machine::on_retry(l).ok_or_else(|| wrong("a retry", vm))?;
            crate::lcm::apply::enter(cloud, id, t, None);
            Ok(())
        }
        3 => match st {
            VmState::Done => Ok(()),
            VmState::Active | VmState::Poweroff | VmState::Suspended => {
                let t = Transition { state: VmState::Active, lcm: LcmState::CleanupDelete, step: Some(cleanup_step()) };
                crate::lcm::apply::enter(cloud, id, t, None);
                Ok(())
            }
            _ => crate::lcm::release::finish(cloud, id),
        },
        4 => match st {
            VmState::Done => {
                Err(ApiError::with_id(ErrorCode::Action, "Cannot delete-recreate a VM already in DONE state", id))
            }
            VmState::Active | VmState::Poweroff | VmState::Suspended => {
                let t =
                    Transition { state: VmState::Active, lcm: LcmState::CleanupResubmit, step: Some(cleanup_step()) };
                crate::lcm::apply::enter(cloud, id, t, None);
                Ok(())
            }
            _ => {
                let t = machine::rest(VmState::Pending);
                crate::lcm::apply::enter(cloud, id, t, None);
                Ok(())
            }
        },
        5 => {
            if st != VmState::Done {
                crate::lcm::release::finish(cloud, id)?;
            }
            cloud.vms.remove(id);
            Ok(())
        }
        _ => Err(ApiError::with_id(ErrorCode::Action, "Wrong recovery operation code", id)),
    }
}

fn cleanup_step() -> crate::lcm::machine::Step {
    crate::lcm::machine::vmm(crate::objects::vm::Verb::Cleanup)
}

/// `one.vm.migrate`: a new history record on `host_id` (its share taken now), then the state
/// machine's migrate transition.
/// `one.vm.migrate`: `mode` is the cold-migration type (0 save, 1 poweroff, 2 poweroff-hard;
/// ignored for live migrations and for VMs that are not running).
#[allow(clippy::too_many_arguments)]
pub fn migrate(
    cloud: &mut Cloud,
    id: i32,
    host_id: i32,
    live: bool,
    mode: i32,
    ds_id: i32,
    uid: i32,
    gid: i32,
) -> Result<(), ApiError> {
    use crate::lcm::machine::{self, Action};
    let vm = cloud.vms.get(id).ok_or_else(|| ApiError::no_exists(crate::objects::ObjectKind::Vm.object_name(), id))?;
    let host = cloud
        .hosts
        .get(host_id)
        .ok_or_else(|| ApiError::no_exists(crate::objects::ObjectKind::Host.object_name(), host_id))?;
    let t = match machine::on_action(vm.state, vm.lcm_state, Action::Migrate { live }) {
        Ok(Some(t)) => t,
        _ => {
            return Err(ApiError::with_id(
                ErrorCode::Action,
                format!("Migrate action is not available for state {}", vm.state_for_message()),
                id,
            ));
        }
    };
    let running = vm.state == VmState::Active && vm.lcm_state == LcmState::Running;
    let cur = vm.history.last().cloned().unwrap_or_default();
    let ds = if ds_id >= 0 { ds_id } else { cur.ds_id };
    if cur.hid == host_id && cur.ds_id == ds {
        return Err(ApiError::with_id(
            ErrorCode::Action,
            format!("VM is already running on host [{host_id}] and datastore [{ds}]"),
            id,
        ));
    }
    if host.state == HostState::Offline {
        return Err(ApiError::with_id(ErrorCode::Action, "Host is offline, cannot use it to migrate VM", id));
    }
    let (cpu, mem) = vm.host_request();
    let tm_mad = cloud.datastores.get(ds).map(|d| d.tm_mad.clone()).unwrap_or(cur.tm_mad.clone());
    let record = History {
        seq: vm.history.len() as i32,
        hostname: host.name.clone(),
        hid: host_id,
        cid: host.cluster_id,
        stime: now(),
        vm_mad: host.vm_mad.clone(),
        tm_mad,
        ds_id: ds,
        pstime: now(),
        uid,
        gid,
        ..History::default()
    };
    if let Some(v) = cloud.vms.get_mut(id) {
        // The record being left says why it ended.
        if let Some(prev) = v.history.last_mut() {
            prev.action = match (live, mode) {
                (true, _) => 2,
                (false, 1) if running => 48,
                (false, 2) if running => 49,
                _ => 1,
            };
            prev.uid = uid;
            prev.gid = gid;
        }
        v.history.push(record);
        v.resched = 0;
    }
    crate::lcm::release::take_host(cloud, id, host_id, cpu, mem);
    crate::lcm::apply::enter(cloud, id, t, None);
    Ok(())
}

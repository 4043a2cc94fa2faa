//! The dispatch manager: what the VM actions do to a VM and the objects it uses.
//!
//! It checks an action against the VM and its host, records what the action takes (history
//! records, host capacity), and hands the state change to the life-cycle state machine
//! ([`crate::lcm`]), which journals the driver step. Creating VMs is in [`create`]; freeing what
//! a VM holds when it reaches DONE is [`finish`].
//!
//! ```text
//!   allocate ──► PENDING ◄──release── HOLD
//!                  │  └──────hold──────►│
//!   deploy (recorded) ▼                 │
//!          ACTIVE/PROLOG ...            │
//!   terminate / recover delete ──► DONE ◄┘ (also from PENDING)
//! ```

pub mod attrs;
pub mod create;
pub mod nic;

use crate::cloud::Cloud;
use crate::error::{ApiError, ErrorCode};
use crate::objects::host::HostState;
use crate::objects::vm::{History, VirtualMachine, state};
use crate::objects::{PoolObject, now};

/// LCM state numbers (the state machine's).
pub use crate::lcm::machine::lcm;

/// The `one.vm.action` names and the permission each needs (`VM_*_OPERATIONS` defaults).
pub fn action_op(action: &str) -> Option<crate::perms::AuthOp> {
    use crate::perms::AuthOp::*;
    Some(match action {
        "resched" | "unresched" => Admin,
        "terminate" | "terminate-hard" | "undeploy" | "undeploy-hard" | "poweroff" | "poweroff-hard" | "reboot"
        | "reboot-hard" | "hold" | "release" | "stop" | "suspend" | "resume" => Manage,
        _ => return None,
    })
}

fn not_available(action: &str, vm: &VirtualMachine) -> ApiError {
    ApiError::with_id(
        ErrorCode::Action,
        format!("Error performing action \"{action}\": This action is not available for state {}", vm.state_for_message()),
        vm.oid,
    )
}


/// Runs `one.vm.action` on VM `id` (already authorized): the state machine decides the
/// transition; driver steps are journaled and sent after the commit.
/// OpenNebula's `VMActions` number of a `one.vm.action` name, recorded in the VM's current
/// history record (`ACTION`) when the action is accepted.
pub fn action_code(action: &str) -> Option<i32> {
    Some(match action {
        "undeploy" => 5,
        "undeploy-hard" => 6,
        "hold" => 7,
        "release" => 8,
        "stop" => 9,
        "suspend" => 10,
        "resume" => 11,
        "reboot" => 15,
        "reboot-hard" => 16,
        "resched" => 17,
        "unresched" => 18,
        "poweroff" => 19,
        "poweroff-hard" => 20,
        "terminate" => 27,
        "terminate-hard" => 28,
        _ => return None,
    })
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

pub fn action(cloud: &mut Cloud, id: i32, action: &str) -> Result<(), ApiError> {
    use crate::lcm::machine::{self, Action, Refusal};
    let vm = cloud.vms.get(id).ok_or_else(|| ApiError::no_exists(crate::objects::ObjectKind::Vm.object_name(), id))?;
    let (st, l) = (vm.state, vm.lcm_state);
    if matches!(action, "resched" | "unresched") {
        let running_or_unknown = st == state::ACTIVE && matches!(l, lcm::RUNNING | lcm::UNKNOWN);
        if st == state::POWEROFF || running_or_unknown {
            let flag = if action == "resched" { 1 } else { 0 };
            if let Some(vm) = cloud.vms.get_mut(id) {
                vm.resched = flag;
            }
            cloud.sched_kick |= flag == 1;
            return Ok(());
        }
        return Err(not_available(action, vm));
    }
    let Some(a) = Action::parse(action) else {
        return Err(ApiError::with_id(ErrorCode::Action, format!("Action \"{action}\" is not supported"), id));
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
            format!("Error performing action \"{action}\": Could not terminate VM {id}, wrong state {}.", vm.state_for_message()),
            id,
        )),
    }
}


/// `one.vm.deploy` after authorization: checks and records the deploy (history, host share,
/// PROLOG). `ds_id` is the system datastore, or -1 for the first one in the host's cluster.
pub fn deploy(cloud: &mut Cloud, id: i32, host_id: i32, ds_id: i32, enforce: bool, uid: i32, gid: i32) -> Result<(), ApiError> {
    let vm = cloud.vms.get(id).ok_or_else(|| ApiError::no_exists(crate::objects::ObjectKind::Vm.object_name(), id))?;
    let host = cloud.hosts.get(host_id).ok_or_else(|| ApiError::no_exists(crate::objects::ObjectKind::Host.object_name(), host_id))?;
    if !matches!(vm.state, state::PENDING | state::HOLD | state::STOPPED | state::UNDEPLOYED) {
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
            .find(|d| d.ds_type == crate::objects::datastore::DsType::System && d.clusters.contains(&cid) && d.state == 0)
            .ok_or_else(|| ApiError::with_id(ErrorCode::Action, format!("cluster [{cid}] does not have any datastore of type SYSTEM_DS."), id))?
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
    let Some(t) = crate::lcm::machine::on_deploy(vm.state) else {
        return Err(ApiError::with_id(ErrorCode::Action, format!("Deploy action is not available for state {}", vm.state_for_message()), id));
    };
    if let Some(v) = cloud.vms.get_mut(id) {
        if let Some(prev) = v.history.last_mut() {
            if prev.etime == 0 {
                prev.etime = now();
            }
        }
        v.history.push(record);
        v.resched = 0;
        v.template.set("TM_MAD_SYSTEM", tm_mad);
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
        ApiError::with_id(ErrorCode::Action, format!("Could not perform {what} on VM {oid}, wrong state {}.", vm.state_for_message()), id)
    };
    match op {
        0 | 1 => {
            if st != state::ACTIVE {
                return Err(wrong("a recover operation", vm));
            }
            let t = machine::on_recover(l, op == 1).ok_or_else(|| wrong("a recover operation", vm))?;
            if op == 1 && l == lcm::BOOT && vm.deploy_id.is_empty() {
                if let Some(v) = cloud.vms.get_mut(id) {
                    v.deploy_id = format!("one-{id}");
                }
            }
            let err = (op == 0).then_some("recovered as failed by an administrator");
            crate::lcm::apply::enter(cloud, id, t, err);
            Ok(())
        }
        2 => {
            if st != state::ACTIVE {
                return Err(wrong("a retry", vm));
            }
            let t = machine::on_retry(l).ok_or_else(|| wrong("a retry", vm))?;
            crate::lcm::apply::enter(cloud, id, t, None);
            Ok(())
        }
        3 => match st {
            state::DONE => Ok(()),
            state::ACTIVE | state::POWEROFF | state::SUSPENDED => {
                let t = Transition { state: state::ACTIVE, lcm: lcm::CLEANUP_DELETE, step: Some(cleanup_step()) };
                crate::lcm::apply::enter(cloud, id, t, None);
                Ok(())
            }
            _ => crate::lcm::release::finish(cloud, id),
        },
        4 => match st {
            state::DONE => Err(ApiError::with_id(ErrorCode::Action, "Cannot delete-recreate a VM already in DONE state", id)),
            state::ACTIVE | state::POWEROFF | state::SUSPENDED => {
                let t = Transition { state: state::ACTIVE, lcm: lcm::CLEANUP_RESUBMIT, step: Some(cleanup_step()) };
                crate::lcm::apply::enter(cloud, id, t, None);
                Ok(())
            }
            _ => {
                let t = Transition { state: state::PENDING, lcm: 0, step: None };
                crate::lcm::apply::enter(cloud, id, t, None);
                Ok(())
            }
        },
        5 => {
            if st != state::DONE {
                crate::lcm::release::finish(cloud, id)?;
            }
            cloud.vms.remove(id);
            Ok(())
        }
        _ => Err(ApiError::with_id(ErrorCode::Action, "Wrong recovery operation code", id)),
    }
}

fn cleanup_step() -> crate::lcm::machine::Step {
    crate::lcm::machine::Step { driver: crate::objects::vm::DriverKind::Vmm, verb: "CLEANUP", stage: "" }
}

/// `one.vm.migrate`: a new history record on `host_id` (its share taken now), then the state
/// machine's migrate transition.
/// `one.vm.migrate`: `mode` is the cold-migration type (0 save, 1 poweroff, 2 poweroff-hard;
/// ignored for live migrations and for VMs that are not running).
#[allow(clippy::too_many_arguments)]
pub fn migrate(cloud: &mut Cloud, id: i32, host_id: i32, live: bool, mode: i32, ds_id: i32, uid: i32, gid: i32) -> Result<(), ApiError> {
    use crate::lcm::machine::{self, Action};
    let vm = cloud.vms.get(id).ok_or_else(|| ApiError::no_exists(crate::objects::ObjectKind::Vm.object_name(), id))?;
    let host = cloud.hosts.get(host_id).ok_or_else(|| ApiError::no_exists(crate::objects::ObjectKind::Host.object_name(), host_id))?;
    let t = match machine::on_action(vm.state, vm.lcm_state, Action::Migrate { live }) {
        Ok(Some(t)) => t,
        _ => {
            return Err(ApiError::with_id(ErrorCode::Action, format!("Migrate action is not available for state {}", vm.state_for_message()), id));
        }
    };
    let running = vm.state == state::ACTIVE && vm.lcm_state == lcm::RUNNING;
    let cur = vm.history.last().cloned().unwrap_or_default();
    let ds = if ds_id >= 0 { ds_id } else { cur.ds_id };
    if cur.hid == host_id && cur.ds_id == ds {
        return Err(ApiError::with_id(ErrorCode::Action, format!("VM is already running on host [{host_id}] and datastore [{ds}]"), id));
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

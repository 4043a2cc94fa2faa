//! The dispatch manager: what the VM actions do to a VM and the objects it uses.
//!
//! This part needs no driver: creating VMs ([`create`]), hold / release, terminating VMs that
//! never ran, recording a deploy (history record, host capacity), and freeing what a VM holds
//! when it reaches DONE. The transitions that need a virtualization or transfer driver (boot,
//! shutdown, save, migrate ...) are refused with an ACTION error naming the missing driver until
//! the driver managers exist.
//!
//! ```text
//!   allocate ──► PENDING ◄──release── HOLD
//!                  │  └──────hold──────►│
//!   deploy (recorded) ▼                 │
//!          ACTIVE/PROLOG ...            │
//!   terminate / recover delete ──► DONE ◄┘ (also from PENDING)
//! ```

pub mod create;

use crate::cloud::Cloud;
use crate::error::{ApiError, ErrorCode};
use crate::objects::host::HostState;
use crate::objects::vm::{History, LCM_STATE_NAMES, VirtualMachine, state};
use crate::objects::{PoolObject, now};

/// LCM states used here.
pub mod lcm {
    pub const LCM_INIT: i32 = 0;
    pub const PROLOG: i32 = 1;
    pub const RUNNING: i32 = 3;
    pub const PROLOG_RESUME: i32 = 9;
    pub const UNKNOWN: i32 = 16;
    pub const PROLOG_UNDEPLOY: i32 = 31;
}

/// The state name OpenNebula prints in action errors: the LCM state for ACTIVE VMs.
pub fn state_for_message(vm: &VirtualMachine) -> &'static str {
    if vm.state == state::ACTIVE {
        LCM_STATE_NAMES.get(vm.lcm_state as usize).copied().unwrap_or("UNKNOWN")
    } else {
        state::name(vm.state)
    }
}

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
        format!("Error performing action \"{action}\": This action is not available for state {}", state_for_message(vm)),
        vm.oid,
    )
}

fn needs_driver(action: &str, vm: &VirtualMachine) -> ApiError {
    ApiError::with_id(
        ErrorCode::Action,
        format!(
            "Error performing action \"{action}\": VM {} needs a virtualization driver for this action and none is running",
            vm.oid
        ),
        vm.oid,
    )
}

/// Runs `one.vm.action` on VM `id` (already authorized).
pub fn action(cloud: &mut Cloud, id: i32, action: &str) -> Result<(), ApiError> {
    let vm = cloud.vms.get(id).ok_or_else(|| ApiError::no_exists(crate::objects::ObjectKind::Vm.object_name(), id))?;
    let (st, lcm) = (vm.state, vm.lcm_state);
    let running_or_unknown = st == state::ACTIVE && matches!(lcm, lcm::RUNNING | lcm::UNKNOWN);
    match action {
        "hold" if st == state::PENDING => set_state(cloud, id, state::HOLD),
        "release" if st == state::HOLD => set_state(cloud, id, state::PENDING),
        "hold" | "release" => Err(not_available(action, vm)),
        "terminate" | "terminate-hard" => match st {
            state::DONE => Ok(()),
            state::INIT | state::PENDING | state::HOLD | state::CLONING | state::CLONING_FAILURE => finish(cloud, id),
            _ if running_or_unknown || st != state::ACTIVE => Err(needs_driver(action, vm)),
            _ => Err(ApiError::with_id(
                ErrorCode::Action,
                format!("Error performing action \"{action}\": Could not terminate VM {id}, wrong state {}.", state_for_message(vm)),
                id,
            )),
        },
        "resched" | "unresched" => {
            if st == state::POWEROFF || running_or_unknown {
                let flag = if action == "resched" { 1 } else { 0 };
                if let Some(vm) = cloud.vms.get_mut(id) {
                    vm.resched = flag;
                }
                Ok(())
            } else {
                Err(not_available(action, vm))
            }
        }
        "resume" if matches!(st, state::STOPPED | state::UNDEPLOYED) => set_state(cloud, id, state::PENDING),
        "resume" if matches!(st, state::SUSPENDED | state::POWEROFF) || (st == state::ACTIVE && lcm == lcm::UNKNOWN) => {
            Err(needs_driver(action, vm))
        }
        "stop" if st == state::SUSPENDED || (st == state::ACTIVE && lcm == lcm::RUNNING) => Err(needs_driver(action, vm)),
        "suspend" | "reboot" | "reboot-hard" if st == state::ACTIVE && lcm == lcm::RUNNING => Err(needs_driver(action, vm)),
        "poweroff" | "poweroff-hard" if running_or_unknown => Err(needs_driver(action, vm)),
        "undeploy" | "undeploy-hard" if running_or_unknown || st == state::POWEROFF => Err(needs_driver(action, vm)),
        "resume" | "stop" | "suspend" | "reboot" | "reboot-hard" | "poweroff" | "poweroff-hard" | "undeploy"
        | "undeploy-hard" => Err(not_available(action, vm)),
        other => Err(ApiError::with_id(ErrorCode::Action, format!("Action \"{other}\" is not supported"), id)),
    }
}

fn set_state(cloud: &mut Cloud, id: i32, new: i32) -> Result<(), ApiError> {
    if let Some(vm) = cloud.vms.get_mut(id) {
        vm.prev_state = vm.state;
        vm.prev_lcm_state = vm.lcm_state;
        vm.state = new;
        vm.lcm_state = lcm::LCM_INIT;
    }
    tracing::info!(vm_id = id, "New state is {}", state::name(new));
    Ok(())
}

/// Moves a VM to DONE and frees what it holds: leases, images and host capacity.
pub fn finish(cloud: &mut Cloud, id: i32) -> Result<(), ApiError> {
    let Some(vm) = cloud.vms.get(id).cloned() else {
        return Err(ApiError::no_exists(crate::objects::ObjectKind::Vm.object_name(), id));
    };
    create::release_vm_resources(cloud, &vm);
    if vm.state == state::ACTIVE {
        release_host(cloud, &vm);
    }
    if let Some(v) = cloud.vms.get_mut(id) {
        v.prev_state = v.state;
        v.prev_lcm_state = v.lcm_state;
        v.state = state::DONE;
        v.lcm_state = lcm::LCM_INIT;
        v.etime = now();
        v.resched = 0;
        if let Some(h) = v.history.last_mut()
            && h.etime == 0 {
                h.etime = v.etime;
            }
    }
    tracing::info!(vm_id = id, "New state is DONE");
    Ok(())
}

/// The CPU (percent of a core) and memory (KiB) a VM asks of its host.
pub fn host_request(vm: &VirtualMachine) -> (i64, i64) {
    let cpu = vm.template.get("CPU").and_then(|c| c.trim().parse::<f64>().ok()).unwrap_or(0.0);
    let mem = vm.template.get("MEMORY").and_then(|m| m.trim().parse::<i64>().ok()).unwrap_or(0);
    ((cpu * 100.0).round() as i64, mem * 1024)
}

/// Removes a VM's share from its current host.
fn release_host(cloud: &mut Cloud, vm: &VirtualMachine) {
    let Some(h) = vm.history.last() else { return };
    let (cpu, mem) = host_request(vm);
    if let Some(host) = cloud.hosts.get_mut(h.hid)
        && host.vms.remove(&vm.oid) {
            host.share.running_vms = (host.share.running_vms - 1).max(0);
            host.share.cpu_usage = (host.share.cpu_usage - cpu).max(0);
            host.share.mem_usage = (host.share.mem_usage - mem).max(0);
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
            format!("Deploy action is not available for state {}", state_for_message(vm)),
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
    let (cpu, mem) = host_request(vm);
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
    let lcm_state = match vm.state {
        state::STOPPED => lcm::PROLOG_RESUME,
        state::UNDEPLOYED => lcm::PROLOG_UNDEPLOY,
        _ => lcm::PROLOG,
    };
    if let Some(v) = cloud.vms.get_mut(id) {
        if let Some(prev) = v.history.last_mut()
            && prev.etime == 0 {
                prev.etime = t;
            }
        v.history.push(record);
        v.prev_state = v.state;
        v.prev_lcm_state = v.lcm_state;
        v.state = state::ACTIVE;
        v.lcm_state = lcm_state;
        v.resched = 0;
        v.template.set("TM_MAD_SYSTEM", tm_mad);
        v.user_template.remove("SCHED_MESSAGE");
    }
    if let Some(h) = cloud.hosts.get_mut(host_id) {
        h.vms.insert(id);
        h.share.running_vms += 1;
        h.share.cpu_usage += cpu;
        h.share.mem_usage += mem;
    }
    tracing::info!(vm_id = id, host_id, "deploy recorded, New LCM state is {}", LCM_STATE_NAMES[lcm_state as usize]);
    Ok(())
}

/// `one.vm.recover` operations that need no driver: 3 delete, 4 delete-recreate, 5 delete-db.
pub fn recover(cloud: &mut Cloud, id: i32, op: i32) -> Result<(), ApiError> {
    let vm = cloud.vms.get(id).ok_or_else(|| ApiError::no_exists(crate::objects::ObjectKind::Vm.object_name(), id))?;
    let (st, oid) = (vm.state, vm.oid());
    match op {
        0..=2 => {
            if !matches!(st, state::ACTIVE | state::CLONING_FAILURE) || (op == 2 && st != state::ACTIVE) {
                let what = if op == 2 { "a retry" } else { "a recover operation" };
                return Err(ApiError::with_id(
                    ErrorCode::Action,
                    format!("Could not perform {what} on VM {oid}, wrong state {}.", state_for_message(vm)),
                    id,
                ));
            }
            Err(needs_driver("recover", vm))
        }
        3 => {
            if st == state::DONE {
                return Ok(());
            }
            finish(cloud, id)
        }
        4 => {
            if st == state::DONE {
                return Err(ApiError::with_id(ErrorCode::Action, "Cannot delete-recreate a VM already in DONE state", id));
            }
            let vm = vm.clone();
            if vm.state == state::ACTIVE {
                release_host(cloud, &vm);
            }
            if let Some(v) = cloud.vms.get_mut(id) {
                if let Some(h) = v.history.last_mut()
                    && h.etime == 0 {
                        h.etime = now();
                    }
                v.prev_state = v.state;
                v.prev_lcm_state = v.lcm_state;
                v.state = state::PENDING;
                v.lcm_state = lcm::LCM_INIT;
                v.deploy_id.clear();
            }
            Ok(())
        }
        5 => {
            if st != state::DONE {
                finish(cloud, id)?;
            }
            cloud.vms.remove(id);
            Ok(())
        }
        _ => Err(ApiError::with_id(ErrorCode::Action, "Wrong recovery operation code", id)),
    }
}

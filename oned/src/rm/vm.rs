//! `one.vm.*`, `one.vmpool.*` and `one.template.instantiate`.

use super::generic::{self, PoolFilter, get, get_for};
use super::{Core, Handler, Mutate, Reply, Request};
use crate::cloud::Cloud;
use crate::dm;
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::objects::PoolObject;
use crate::objects::host::Host;
use crate::objects::vm::{VirtualMachine, VmState};
use crate::objects::vmtemplate::VmTemplate;
use crate::perms::AuthOp;
use libone::template::Template;
use std::collections::HashMap;
use std::sync::Arc;

pub fn register(m: &mut HashMap<&'static str, Handler>) {
    m.insert("one.vm.allocate", allocate);
    m.insert("one.vm.info", generic::info::<VirtualMachine>);
    m.insert("one.vm.update", update);
    m.insert("one.vm.rename", generic::rename::<VirtualMachine>);
    m.insert("one.vm.chown", chown);
    m.insert("one.vm.chmod", generic::chmod::<VirtualMachine>);
    m.insert("one.vm.lock", generic::lock::<VirtualMachine>);
    m.insert("one.vm.unlock", generic::unlock::<VirtualMachine>);
    m.insert("one.vm.action", action);
    m.insert("one.vm.deploy", deploy);
    m.insert("one.vm.recover", recover);
    m.insert("one.vm.migrate", migrate);
    m.insert("one.vm.monitoring", monitoring);
    m.insert("one.vm.disksnapshotcreate", disk_snapshot_create);
    m.insert("one.vm.disksnapshotrevert", disk_snapshot_revert);
    m.insert("one.vm.disksnapshotdelete", disk_snapshot_delete);
    m.insert("one.vm.disksnapshotrename", disk_snapshot_rename);
    m.insert("one.vm.diskresize", disk_resize);
    m.insert("one.vm.disksaveas", disk_saveas);
    m.insert("one.vmpool.monitoring", pool_monitoring);
    m.insert("one.vmpool.info", pool_info);
    m.insert("one.vmpool.infoextended", pool_info_extended);
    m.insert("one.vmpool.infoset", pool_infoset);
}

/// Creates a VM from `t` for `caller` (shared by allocate and instantiate). The id is taken only
/// when everything succeeded.
fn create_vm(cloud: &mut Cloud, caller: &crate::auth::Caller, t: Template, hold: bool) -> ApiResult<i32> {
    let vmid = cloud.vms.last_oid() + 1;
    let prepared = dm::create::prepare(cloud, caller, vmid, t)?;
    let owner = generic::new_ownership(caller);
    let oid = cloud.vms.allocate(|oid| dm::create::new_vm(oid, prepared, owner, hold));
    if !hold {
        cloud.sched_kick = true;
    }
    debug_assert_eq!(oid, vmid);
    tracing::info!(vm_id = oid, uid = caller.uid, "New state is {}", if hold { "HOLD" } else { "PENDING" });
    Ok(oid)
}

fn allocate(core: &Core, req: &mut Request) -> ApiResult<Reply> {
    let text = req.args.string(1)?;
    let hold = req.args.opt_bool(2, false)?;
    let t = generic::parse_template(text).map_err(ApiError::internal)?;
    core.mutate(req, |cloud, caller| {
        generic::authorize_create::<VirtualMachine>(cloud, caller)?;
        generic::check_restricted(caller, &t, &cloud.settings.vm_restricted_attr, "VM Template")?;
        let oid = create_vm(cloud, caller, t.clone(), hold)?;
        Ok(Reply::Id(oid))
    })
}

/// `one.template.instantiate(id, name, hold, extra_template, persistent)`.
pub fn instantiate(core: &Core, req: &mut Request) -> ApiResult<Reply> {
    let id = req.args.int(1)?;
    let name = req.args.opt_string(2, "")?.to_string();
    let hold = req.args.opt_bool(3, false)?;
    let extra = req.args.opt_string(4, "")?.to_string();
    let persistent = req.args.opt_bool(5, false)?;
    let fail = |e: ApiError| match e {
        ApiError::One { code: ErrorCode::Internal, message, .. } => ApiError::with_id(
            ErrorCode::Allocate,
            format!("Error allocating a new virtual machine template. {message}"),
            id,
        ),
        other => other,
    };
    let extra_t = if extra.trim().is_empty() {
        None
    } else {
        Some(generic::parse_template(&extra).map_err(|m| ApiError::with_id(ErrorCode::Internal, m, id))?)
    };
    core.mutate(req, |cloud, caller| {
        let tmpl = get_for::<VmTemplate>(cloud, caller, id, AuthOp::Use)?;
        if persistent {
            return Err(ApiError::with_id(
                ErrorCode::Action,
                "Persistent instantiation copies the template's images, which needs the storage drivers; none is running",
                id,
            ));
        }
        let mut t = tmpl.template.clone();
        let tname = tmpl.name.clone();
        if let Some(x) = &extra_t {
            generic::authorize_create::<VmTemplate>(cloud, caller)?;
            generic::check_restricted(caller, x, &cloud.settings.vm_restricted_attr, "User Template")?;
            t.merge(x.clone());
        }
        t.set("TEMPLATE_ID", id.to_string());
        t.set("TEMPLATE_NAME", tname);
        if !name.trim().is_empty() {
            t.set("NAME", name.trim());
        } else {
            t.remove("NAME");
        }
        let oid = create_vm(cloud, caller, t, hold).map_err(fail)?;
        Ok(Reply::Id(oid))
    })
}

/// `one.vm.update` edits USER_TEMPLATE; parse errors are ACTION without a prefix.
fn update(core: &Core, req: &mut Request) -> ApiResult<Reply> {
    generic::update_with::<VirtualMachine>(core, req, ErrorCode::Action, "")
}

fn chown(core: &Core, req: &mut Request) -> ApiResult<Reply> {
    let id = req.args.int(1)?;
    let uid = req.args.int(2)?;
    let gid = req.args.int(3)?;
    core.mutate(req, |cloud, caller| {
        if get::<VirtualMachine>(cloud, id)?.state == VmState::Done {
            return Err(ApiError::with_id(ErrorCode::Action, "Could not change VM ownership, wrong state", id));
        }
        generic::chown_in::<VirtualMachine>(cloud, caller, id, uid, gid)?;
        Ok(Reply::Id(id))
    })
}

fn action(core: &Core, req: &mut Request) -> ApiResult<Reply> {
    let name = req.args.string(1)?.to_string();
    let id = req.args.int(2)?;
    let rid = request_id(req);
    // The name is read here; an unknown one is refused after the VM is authorized, as in
    // OpenNebula (so the error does not tell an unauthorized caller anything).
    let action = dm::VmAction::parse(&name);
    core.mutate(req, |cloud, caller| {
        get_for::<VirtualMachine>(cloud, caller, id, action.map_or(AuthOp::Manage, |a| a.op()))?;
        let action = action
            .ok_or_else(|| ApiError::with_id(ErrorCode::Action, format!("Action \"{name}\" is not supported"), id))?;
        dm::action(cloud, id, action)?;
        dm::stamp_history(cloud, id, action.code(), caller.uid, caller.gid, rid);
        Ok(Reply::Id(id))
    })
}

/// `one.vm.disksnapshotcreate(id, disk_id, name)` → the snapshot's id.
fn disk_snapshot_create(core: &Core, req: &mut Request) -> ApiResult<Reply> {
    let (id, disk) = (req.args.int(1)?, req.args.int(2)?);
    let name = req.args.string(3)?.to_string();
    core.mutate(req, |cloud, caller| {
        get_for::<VirtualMachine>(cloud, caller, id, AuthOp::Manage)?;
        Ok(Reply::Id(dm::disk::snapshot_create(cloud, id, disk, &name)?))
    })
}

/// `one.vm.disksnapshotrevert(id, disk_id, snap_id)`.
fn disk_snapshot_revert(core: &Core, req: &mut Request) -> ApiResult<Reply> {
    let (id, disk, snap) = (req.args.int(1)?, req.args.int(2)?, req.args.int(3)?);
    core.mutate(req, |cloud, caller| {
        get_for::<VirtualMachine>(cloud, caller, id, AuthOp::Manage)?;
        dm::disk::snapshot_change(cloud, id, disk, snap, false)?;
        Ok(Reply::Id(id))
    })
}

/// `one.vm.disksnapshotdelete(id, disk_id, snap_id)`.
fn disk_snapshot_delete(core: &Core, req: &mut Request) -> ApiResult<Reply> {
    let (id, disk, snap) = (req.args.int(1)?, req.args.int(2)?, req.args.int(3)?);
    core.mutate(req, |cloud, caller| {
        get_for::<VirtualMachine>(cloud, caller, id, AuthOp::Manage)?;
        dm::disk::snapshot_change(cloud, id, disk, snap, true)?;
        Ok(Reply::Id(id))
    })
}

/// `one.vm.disksnapshotrename(id, disk_id, snap_id, name)`.
fn disk_snapshot_rename(core: &Core, req: &mut Request) -> ApiResult<Reply> {
    let (id, disk, snap) = (req.args.int(1)?, req.args.int(2)?, req.args.int(3)?);
    let name = req.args.string(4)?.to_string();
    core.mutate(req, |cloud, caller| {
        get_for::<VirtualMachine>(cloud, caller, id, AuthOp::Manage)?;
        dm::disk::snapshot_rename(cloud, id, disk, snap, &name)?;
        Ok(Reply::Id(id))
    })
}

/// `one.vm.diskresize(id, disk_id, size)` (size in MiB, a string as in OpenNebula).
fn disk_resize(core: &Core, req: &mut Request) -> ApiResult<Reply> {
    let (id, disk) = (req.args.int(1)?, req.args.int(2)?);
    let size = req.args.string(3)?.to_string();
    core.mutate(req, |cloud, caller| {
        get_for::<VirtualMachine>(cloud, caller, id, AuthOp::Manage)?;
        dm::disk::resize(cloud, id, disk, &size)?;
        Ok(Reply::Id(id))
    })
}

/// `one.vm.disksaveas(id, disk_id, name, type, snap_id)` → the new image's id.
fn disk_saveas(core: &Core, req: &mut Request) -> ApiResult<Reply> {
    let (id, disk) = (req.args.int(1)?, req.args.int(2)?);
    let name = req.args.string(3)?.to_string();
    let type_name = req.args.opt_string(4, "")?.to_string();
    let snap = req.args.opt_int(5, -1)?;
    core.mutate(req, |cloud, caller| {
        get_for::<VirtualMachine>(cloud, caller, id, AuthOp::Manage)?;
        Ok(Reply::Id(dm::disk::saveas(cloud, caller, id, disk, &name, &type_name, snap)?))
    })
}

/// The request's number as the history records keep it (`REQUEST_ID`, an `int`).
fn request_id(req: &Request) -> i32 {
    i32::try_from(req.id % (i32::MAX as u64)).unwrap_or(0)
}

/// `one.vm.deploy(id, host, enforce, ds, extra_template[, planned_state])`. The sixth argument
/// is Nephele's: the state the caller saw when it decided (`-1`: any deployable state, as in
/// OpenNebula); a VM that has left it since is not deployed. The scheduler's session always
/// deploys with the capacity check and only PENDING VMs: a hold acknowledged after the
/// scheduler read the pool wins.
fn deploy(core: &Core, req: &mut Request) -> ApiResult<Reply> {
    let id = req.args.int(1)?;
    let host_id = req.args.int(2)?;
    let scheduler = req.caller.scheduler;
    let enforce = req.args.opt_bool(3, false)? || scheduler;
    let ds_id = req.args.opt_int(4, -1)?;
    let extra = req.args.opt_string(5, "")?.to_string();
    let planned = match req.args.opt_int(6, -1)? {
        _ if scheduler => Some(VmState::Pending),
        -1 => None,
        n => Some(
            VmState::try_from(n)
                .map_err(|e| ApiError::with_id(ErrorCode::Action, format!("Wrong planned state: {e}"), id))?,
        ),
    };
    if !extra.trim().is_empty() {
        generic::parse_template(&extra).map_err(|m| ApiError::with_id(ErrorCode::Internal, m, id))?;
    }
    core.mutate(req, |cloud, caller| {
        let vm = get::<VirtualMachine>(cloud, id)?;
        if let Some(p) = planned
            && vm.state != p
        {
            return Err(ApiError::with_id(
                ErrorCode::Action,
                format!("Deploy was planned for state {p}, but VM {id} is now in state {}", vm.state_for_message()),
                id,
            ));
        }
        let host = generic::get::<Host>(cloud, host_id)?;
        let host_auth = host.auth();
        get_for::<VirtualMachine>(cloud, caller, id, AuthOp::Admin)?;
        generic::authorize(cloud, caller, &host_auth, AuthOp::Manage)?;
        if ds_id >= 0 {
            let ds = generic::get::<crate::objects::datastore::Datastore>(cloud, ds_id)?;
            generic::authorize(cloud, caller, &ds.auth(), AuthOp::Use)?;
        }
        dm::deploy(cloud, id, host_id, ds_id, enforce, caller.uid, caller.gid)?;
        Ok(Reply::Id(id))
    })
}

fn recover(core: &Core, req: &mut Request) -> ApiResult<Reply> {
    let id = req.args.int(1)?;
    let op = req.args.int(2)?;
    if !(0..=5).contains(&op) {
        return Err(ApiError::with_id(ErrorCode::Action, "Wrong recovery operation code", id));
    }
    let rid = request_id(req);
    core.mutate(req, |cloud, caller| {
        get_for::<VirtualMachine>(cloud, caller, id, AuthOp::Admin)?;
        dm::recover(cloud, id, op)?;
        dm::stamp_history(cloud, id, dm::recover_code(op), caller.uid, caller.gid, rid);
        Ok(Reply::Id(id))
    })
}

/// Reads `filter, start, end, state` of `one.vmpool.info*`.
fn vm_filter(req: &Request) -> ApiResult<(PoolFilter, i32)> {
    let f =
        PoolFilter { filter: req.args.opt_int(1, -2)?, start: req.args.opt_int(2, -1)?, end: req.args.opt_int(3, -1)? };
    let st = req.args.opt_int(4, -1)?;
    if !(-2..=11).contains(&st) {
        return Err(ApiError::api(format!("Incorrect state filter {st}")));
    }
    f.check()?;
    Ok((f, st))
}

fn state_matches(vm: &VirtualMachine, st: i32) -> bool {
    match st {
        -2 => true,
        -1 => vm.state != VmState::Done,
        s => vm.state.number() == s,
    }
}

fn pool_info(core: &Core, req: &mut Request) -> ApiResult<Reply> {
    let (f, st) = vm_filter(req)?;
    let cloud = core.cloud.read();
    let parts = generic::list::<VirtualMachine>(&cloud, &req.caller, f, |vm| state_matches(vm, st));
    drop(cloud);
    Ok(Reply::pool("<VM_POOL>", parts, "</VM_POOL>"))
}

/// Full bodies, escaped for the response (not cached: the short body is the hot one).
fn full_bodies(cloud: &Cloud, ids: impl Iterator<Item = i32>) -> Vec<Arc<str>> {
    ids.filter_map(|id| cloud.vms.get(id))
        .map(|vm| {
            let xml = vm.to_xml();
            let mut esc = String::with_capacity(xml.len() + xml.len() / 4);
            libone::xmlrpc::escape_string(&xml, &mut esc);
            Arc::from(esc)
        })
        .collect()
}

fn pool_info_extended(core: &Core, req: &mut Request) -> ApiResult<Reply> {
    let (f, st) = vm_filter(req)?;
    let cloud = core.cloud.read();
    // Select with the same rules as the short listing, then render full bodies.
    let ids: Vec<i32> = generic::list_ids::<VirtualMachine>(&cloud, &req.caller, f, |vm| state_matches(vm, st));
    let parts = full_bodies(&cloud, ids.into_iter());
    drop(cloud);
    Ok(Reply::pool("<VM_POOL>", parts, "</VM_POOL>"))
}

/// `one.vmpool.infoset("1,2,3", extended)`: visible VMs among the ids, DONE included; tokens that
/// are not numbers are skipped.
fn pool_infoset(core: &Core, req: &mut Request) -> ApiResult<Reply> {
    let ids = req.args.string(1)?;
    let extended = req.args.opt_bool(2, false)?;
    let mut wanted: Vec<i32> = ids.split(',').filter_map(|s| s.trim().parse().ok()).collect();
    wanted.sort_unstable();
    wanted.dedup();
    let cloud = core.cloud.read();
    let visible: Vec<i32> = wanted
        .into_iter()
        .filter(|id| cloud.vms.get(*id).is_some_and(|vm| generic::visible(&cloud, &req.caller, &vm.auth())))
        .collect();
    let parts = if extended {
        full_bodies(&cloud, visible.into_iter())
    } else {
        visible.into_iter().filter_map(|id| cloud.vms.pool_xml_escaped(id)).collect()
    };
    drop(cloud);
    Ok(Reply::pool("<VM_POOL>", parts, "</VM_POOL>"))
}

fn migrate(core: &Core, req: &mut Request) -> ApiResult<Reply> {
    let id = req.args.int(1)?;
    let host_id = req.args.int(2)?;
    let live = req.args.bool(3)?;
    // The scheduler's session always checks capacity, and only moves VMs still flagged.
    let scheduler = req.caller.scheduler;
    let enforce = req.args.opt_bool(4, false)? || scheduler;
    let ds_id = req.args.opt_int(5, -1)?;
    let mode = req.args.opt_int(6, 0)?;
    if !(0..=2).contains(&mode) {
        return Err(ApiError::with_id(
            ErrorCode::Action,
            format!("Unknown migration type {mode}: 0 save, 1 poweroff, 2 poweroff-hard"),
            id,
        ));
    }
    core.mutate(req, |cloud, caller| {
        if scheduler && get::<VirtualMachine>(cloud, id)?.resched == 0 {
            return Err(ApiError::with_id(
                ErrorCode::Action,
                format!("VM {id} is no longer flagged for rescheduling"),
                id,
            ));
        }
        get::<VirtualMachine>(cloud, id)?;
        let host = generic::get::<Host>(cloud, host_id)?;
        let host_auth = host.auth();
        get_for::<VirtualMachine>(cloud, caller, id, AuthOp::Admin)?;
        generic::authorize(cloud, caller, &host_auth, AuthOp::Manage)?;
        if ds_id >= 0 {
            let ds = generic::get::<crate::objects::datastore::Datastore>(cloud, ds_id)?;
            generic::authorize(cloud, caller, &ds.auth(), AuthOp::Use)?;
        }
        if enforce {
            let vm = get::<VirtualMachine>(cloud, id)?;
            let (cpu, mem) = vm.host_request();
            let h = generic::get::<Host>(cloud, host_id)?;
            if cpu > h.share.max_cpu - h.share.cpu_usage || mem > h.share.max_mem - h.share.mem_usage {
                return Err(ApiError::with_id(
                    ErrorCode::Action,
                    format!("virtual machine [{id}] does not fit in host [{host_id}]."),
                    id,
                ));
            }
        }
        dm::migrate(cloud, id, host_id, live, mode, ds_id, caller.uid, caller.gid)?;
        Ok(Reply::Id(id))
    })
}

/// `<MONITORING_DATA>` from recent records, those newer than `since` (seconds since the epoch).
pub fn monitoring_xml<'a>(records: impl Iterator<Item = &'a (i64, Template)>, since: i64) -> String {
    let mut out = String::from("<MONITORING_DATA>");
    for (t, rec) in records {
        if *t >= since {
            rec.write_xml("MONITORING", &mut out);
        }
    }
    out.push_str("</MONITORING_DATA>");
    out
}

fn monitoring(core: &Core, req: &mut Request) -> ApiResult<Reply> {
    let id = req.args.int(1)?;
    let cloud = core.cloud.read();
    generic::get_for_nolock::<VirtualMachine>(&cloud, &req.caller, id, AuthOp::Use)?;
    let recs = cloud.monitoring.vms.get(&id);
    Ok(Reply::Str(monitoring_xml(recs.into_iter().flatten(), 0)))
}

/// `one.vmpool.monitoring(filter, seconds)`: the last record of each visible VM (seconds = 0),
/// every record newer than `seconds` ago, or all (-1).
fn pool_monitoring(core: &Core, req: &mut Request) -> ApiResult<Reply> {
    let f = PoolFilter { filter: req.args.opt_int(1, -2)?, start: -1, end: -1 };
    f.check()?;
    let seconds = req.args.opt_int(2, -1)?;
    let cloud = core.cloud.read();
    let ids = generic::list_ids::<VirtualMachine>(&cloud, &req.caller, f, |_| true);
    Ok(Reply::Str(pool_monitoring_xml(&cloud.monitoring.vms, ids, seconds)))
}

/// Shared by the VM and host pools.
pub fn pool_monitoring_xml(
    map: &std::collections::HashMap<i32, std::collections::VecDeque<(i64, Template)>>,
    ids: Vec<i32>,
    seconds: i32,
) -> String {
    let now = crate::objects::now();
    let mut out = String::from("<MONITORING_DATA>");
    for id in ids {
        let Some(q) = map.get(&id) else { continue };
        match seconds {
            0 => {
                if let Some((_, rec)) = q.back() {
                    rec.write_xml("MONITORING", &mut out);
                }
            }
            s if s > 0 => {
                q.iter().filter(|(t, _)| *t >= now - s as i64).for_each(|(_, r)| r.write_xml("MONITORING", &mut out))
            }
            _ => q.iter().for_each(|(_, r)| r.write_xml("MONITORING", &mut out)),
        }
    }
    out.push_str("</MONITORING_DATA>");
    out
}

//! `one.host.*` and `one.hostpool.info`.

use super::generic::{self, get, get_for, get_mut};
use super::{Core, Handler, Mutate, Reply, Request};
use crate::cloud::Cloud;
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::objects::cluster::{Cluster, DEFAULT_CLUSTER_ID};
use crate::objects::host::{Host, HostState};
use crate::objects::{ObjectKind, PoolObject};
use crate::perms::AuthOp;
use libone::template::Template;
use std::collections::HashMap;

pub fn register(m: &mut HashMap<&'static str, Handler>) {
    m.insert("one.host.allocate", allocate);
    m.insert("one.host.delete", delete);
    m.insert("one.host.info", generic::info::<Host>);
    m.insert("one.host.update", generic::update::<Host>);
    m.insert("one.host.rename", generic::rename::<Host>);
    m.insert("one.host.status", status);
    m.insert("one.hostpool.info", generic::pool_info::<Host>);
    m.insert("one.host.monitoring", monitoring);
    m.insert("one.hostpool.monitoring", pool_monitoring);
    m.insert("one.host.sync", sync);
}

/// OpenNebula's host-name rules (`Host::validate_hostname`): 2–63 characters, letters, digits,
/// `-`, `.` and `_`, not starting with `-`, `.` or `_`.
pub fn hostname_problem(name: &str) -> Option<String> {
    let n = name.chars().count();
    if !(2..64).contains(&n) {
        return Some(
            "Invalid HOSTNAME, HOSTNAME length should be greater than 1, but smaller than 64 characters".into(),
        );
    }
    let first = name.chars().next()?;
    if matches!(first, '-' | '.' | '_') {
        return Some(format!("Invalid HOSTNAME, first character can't be '{first}'"));
    }
    if let Some(c) = name.chars().find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_'))) {
        return Some(format!("Invalid HOSTNAME, '{c}' is invalid character for a HOSTNAME"));
    }
    None
}

/// Cluster -1 means the default cluster; a missing cluster is NO_EXISTS.
pub fn resolve_cluster(cloud: &Cloud, cluster_id: i32) -> ApiResult<i32> {
    let cid = if cluster_id < 0 { DEFAULT_CLUSTER_ID } else { cluster_id };
    get::<Cluster>(cloud, cid)?;
    Ok(cid)
}

fn allocate(core: &Core, req: &mut Request) -> ApiResult<Reply> {
    let name = req.args.string(1)?.to_string();
    let im = req.args.string(2)?.to_string();
    let vmm = req.args.string(3)?.to_string();
    let cluster_id = req.args.opt_int(4, -1)?;
    core.mutate(req, |cloud, caller| {
        let cid = resolve_cluster(cloud, cluster_id)?;
        generic::authorize_create::<Host>(cloud, caller)?;
        let cluster = get::<Cluster>(cloud, cid)?;
        generic::authorize(cloud, caller, &cluster.auth(), AuthOp::Admin)?;
        let fail = |m: String| ApiError::allocate(ObjectKind::Host.object_name(), m);
        if let Some(m) = hostname_problem(&name) {
            return Err(fail(m));
        }
        if let Err(m) = crate::objects::check_name(&name) {
            return Err(fail(m));
        }
        if im.trim().is_empty() {
            return Err(fail("IM_MAD_NAME cannot be empty.".into()));
        }
        if vmm.trim().is_empty() {
            return Err(fail("VMM_MAD_NAME cannot be empty.".into()));
        }
        if let Some(other) = cloud.hosts.lookup_name(-1, &name) {
            return Err(fail(format!("NAME is already taken by HOST {other}.")));
        }
        let cluster_name = cluster.name.clone();
        let mut template = Template::new();
        template.add("IM_MAD", im.clone());
        template.add("RESERVED_CPU", "");
        template.add("RESERVED_MEM", "");
        template.add("VM_MAD", vmm.clone());
        let oid = cloud.hosts.allocate(|oid| Host::new(oid, &name, &im, &vmm, cid, &cluster_name, template));
        get_mut::<Cluster>(cloud, cid)?.hosts.insert(oid);
        tracing::info!(host_id = oid, "host {name} created in cluster {cid}");
        Ok(Reply::Id(oid))
    })
}

fn delete(core: &Core, req: &mut Request) -> ApiResult<Reply> {
    let id = req.args.int(1)?;
    core.mutate(req, |cloud, caller| {
        let host = get_for::<Host>(cloud, caller, id, AuthOp::Admin)?;
        if host.share.running_vms > 0 {
            return Err(ApiError::with_id(
                ErrorCode::Action,
                "Cannot delete host. Can not remove a host with running VMs",
                id,
            ));
        }
        let cid = host.cluster_id;
        if let Some(c) = cloud.clusters.get_mut(cid) {
            c.hosts.remove(&id);
        }
        cloud.hosts.remove(id);
        generic::remove_object_rules(cloud, crate::objects::ObjectKind::Host, id);
        tracing::info!(host_id = id, "host deleted");
        Ok(Reply::Id(id))
    })
}

fn status(core: &Core, req: &mut Request) -> ApiResult<Reply> {
    let id = req.args.int(1)?;
    let code = req.args.int(2)?;
    core.mutate(req, |cloud, caller| {
        get_for::<Host>(cloud, caller, id, AuthOp::Admin)?;
        if !(0..=2).contains(&code) {
            return Err(ApiError::with_id(ErrorCode::Internal, "Wrong status code", id));
        }
        let host = get_mut::<Host>(cloud, id)?;
        let new = match code {
            0 if host.state == HostState::Disabled && host.share.total_cpu > 0 => HostState::Monitored,
            0 => HostState::Init,
            1 => HostState::Disabled,
            _ => {
                // Offline hosts lose their monitored capacity until they are enabled again.
                host.share.total_cpu = 0;
                host.share.total_mem = 0;
                host.share.max_cpu = 0;
                host.share.max_mem = 0;
                for a in ["TOTALCPU", "TOTALMEMORY", "FREECPU", "FREEMEMORY", "USEDCPU", "USEDMEMORY"] {
                    host.template.remove(a);
                }
                HostState::Offline
            }
        };
        if host.state != new {
            host.prev_state = host.state;
            host.state = new;
        }
        tracing::info!(host_id = id, "host state is now {}", new.name());
        Ok(Reply::Id(id))
    })
}

fn monitoring(core: &Core, req: &mut Request) -> ApiResult<Reply> {
    let id = req.args.int(1)?;
    let cloud = core.cloud.read();
    generic::get_for_nolock::<Host>(&cloud, &req.caller, id, AuthOp::Use)?;
    let recs = cloud.monitoring.hosts.get(&id);
    Ok(Reply::Str(super::vm::monitoring_xml(recs.into_iter().flatten(), 0)))
}

fn pool_monitoring(core: &Core, req: &mut Request) -> ApiResult<Reply> {
    let seconds = req.args.opt_int(1, -1)?;
    let cloud = core.cloud.read();
    let ids = generic::list_ids::<Host>(&cloud, &req.caller, generic::PoolFilter::ALL, |_| true);
    Ok(Reply::Str(super::vm::pool_monitoring_xml(&cloud.monitoring.hosts, ids, seconds)))
}

/// `onehost sync`: the next probe of the host copies the driver scripts again (the exec IM
/// driver re-copies remotes on `SYNC`); here it makes the host due for monitoring now.
fn sync(core: &Core, req: &mut Request) -> ApiResult<Reply> {
    let id = req.args.int(1)?;
    core.mutate(req, |cloud, caller| {
        get_for::<Host>(cloud, caller, id, AuthOp::Admin)?;
        let h = get_mut::<Host>(cloud, id)?;
        h.last_mon_time = 0;
        h.template.set("SYNC_REQUESTED", "YES");
        Ok(Reply::Id(id))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostnames() {
        assert!(hostname_problem("node-01.example.com").is_none());
        assert!(hostname_problem("a").unwrap().contains("length"));
        assert!(hostname_problem(&"a".repeat(64)).unwrap().contains("length"));
        assert_eq!(hostname_problem("-ab").unwrap(), "Invalid HOSTNAME, first character can't be '-'");
        assert_eq!(hostname_problem("a b").unwrap(), "Invalid HOSTNAME, ' ' is invalid character for a HOSTNAME");
    }
}

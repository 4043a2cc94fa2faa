//! `one.cluster.*` and `one.clusterpool.info`.

use super::generic::{self, ApiObject, get, get_for, get_mut};
use super::{Core, Handler, Mutate, Reply, Request};
use crate::cloud::Cloud;
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::objects::ObjectKind;
use crate::objects::cluster::{Cluster, DEFAULT_CLUSTER_ID};
use crate::objects::datastore::Datastore;
use crate::objects::host::Host;
use crate::objects::vnet::VirtualNetwork;
use crate::perms::AuthOp;
use libone::template::Template;
use std::collections::{BTreeSet, HashMap};

pub fn register(m: &mut HashMap<&'static str, Handler>) {
    m.insert("one.cluster.allocate", allocate);
    m.insert("one.cluster.delete", delete);
    m.insert("one.cluster.info", generic::info::<Cluster>);
    m.insert("one.cluster.update", generic::update::<Cluster>);
    m.insert("one.cluster.rename", generic::rename::<Cluster>);
    m.insert("one.cluster.addhost", add_host);
    m.insert("one.cluster.delhost", del_host);
    m.insert("one.cluster.adddatastore", add_datastore);
    m.insert("one.cluster.deldatastore", del_datastore);
    m.insert("one.cluster.addvnet", add_vnet);
    m.insert("one.cluster.delvnet", del_vnet);
    m.insert("one.clusterpool.info", generic::pool_info::<Cluster>);
}

fn allocate(core: &Core, req: &mut Request) -> ApiResult<Reply> {
    let name = req.args.string(1)?.to_string();
    core.mutate(req, |cloud, caller| {
        generic::authorize_create::<Cluster>(cloud, caller)?;
        if let Some(m) = generic::new_name_problem::<Cluster>(cloud, -1, &name) {
            return Err(ApiError::allocate(ObjectKind::Cluster.object_name(), m));
        }
        let mut template = Template::new();
        template.add("RESERVED_CPU", "");
        template.add("RESERVED_MEM", "");
        let oid = cloud.clusters.allocate(|oid| Cluster {
            oid,
            name: name.clone(),
            hosts: BTreeSet::new(),
            datastores: BTreeSet::new(),
            vnets: BTreeSet::new(),
            template,
        });
        tracing::info!(cluster_id = oid, "cluster {name} created");
        Ok(Reply::Id(oid))
    })
}

fn delete(core: &Core, req: &mut Request) -> ApiResult<Reply> {
    let id = req.args.int(1)?;
    core.mutate(req, |cloud, caller| {
        let c = get_for::<Cluster>(cloud, caller, id, AuthOp::Admin)?;
        let refuse = |m: String| ApiError::with_id(ErrorCode::Action, format!("Cannot delete cluster. {m}"), id);
        if id < 100 {
            return Err(refuse("System Clusters (ID < 100) cannot be deleted.".into()));
        }
        for (n, what) in [(c.hosts.len(), "hosts"), (c.datastores.len(), "datastores"), (c.vnets.len(), "vnets")] {
            if n > 0 {
                return Err(refuse(format!("Cluster {id} is not empty, it contains {n} {what}.")));
            }
        }
        let cbit = crate::acl::CLUSTER_ID | id as u64;
        let rules: Vec<i32> =
            cloud.acls.iter().filter(|r| r.resource & 0x0000_000F_FFFF_FFFF == cbit).map(|r| r.oid).collect();
        for r in rules {
            cloud.acls.remove(r);
        }
        cloud.clusters.remove(id);
        generic::remove_object_rules(cloud, ObjectKind::Cluster, id);
        Ok(Reply::Id(id))
    })
}

/// ADMIN on the cluster and on the object being moved.
fn authorize_pair<T: ApiObject>(cloud: &Cloud, caller: &crate::auth::Caller, cid: i32, oid: i32) -> ApiResult<()> {
    get_for::<Cluster>(cloud, caller, cid, AuthOp::Admin)?;
    get_for::<T>(cloud, caller, oid, AuthOp::Admin)?;
    Ok(())
}

fn move_host(cloud: &mut Cloud, hid: i32, cid: i32) -> ApiResult<()> {
    let old = get::<Host>(cloud, hid)?.cluster_id;
    if old == cid {
        return Ok(());
    }
    let name = get::<Cluster>(cloud, cid)?.name.clone();
    if let Some(c) = cloud.clusters.get_mut(old) {
        c.hosts.remove(&hid);
    }
    get_mut::<Cluster>(cloud, cid)?.hosts.insert(hid);
    let h = get_mut::<Host>(cloud, hid)?;
    h.cluster_id = cid;
    h.cluster = name;
    Ok(())
}

fn add_host(core: &Core, req: &mut Request) -> ApiResult<Reply> {
    let cid = req.args.int(1)?;
    let hid = req.args.int(2)?;
    core.mutate(req, |cloud, caller| {
        authorize_pair::<Host>(cloud, caller, cid, hid)?;
        move_host(cloud, hid, cid)?;
        Ok(Reply::Id(cid))
    })
}

/// Removing a host from a cluster puts it back in the default cluster.
fn del_host(core: &Core, req: &mut Request) -> ApiResult<Reply> {
    let cid = req.args.int(1)?;
    let hid = req.args.int(2)?;
    core.mutate(req, |cloud, caller| {
        authorize_pair::<Host>(cloud, caller, cid, hid)?;
        get_for::<Cluster>(cloud, caller, DEFAULT_CLUSTER_ID, AuthOp::Admin)?;
        if get::<Host>(cloud, hid)?.cluster_id != cid {
            return Err(ApiError::with_id(ErrorCode::Action, format!("Host {hid} is not in cluster {cid}."), cid));
        }
        move_host(cloud, hid, DEFAULT_CLUSTER_ID)?;
        Ok(Reply::Id(cid))
    })
}

fn add_datastore(core: &Core, req: &mut Request) -> ApiResult<Reply> {
    let cid = req.args.int(1)?;
    let did = req.args.int(2)?;
    core.mutate(req, |cloud, caller| {
        authorize_pair::<Datastore>(cloud, caller, cid, did)?;
        get_mut::<Cluster>(cloud, cid)?.datastores.insert(did);
        get_mut::<Datastore>(cloud, did)?.clusters.insert(cid);
        Ok(Reply::Id(cid))
    })
}

fn del_datastore(core: &Core, req: &mut Request) -> ApiResult<Reply> {
    let cid = req.args.int(1)?;
    let did = req.args.int(2)?;
    core.mutate(req, |cloud, caller| {
        authorize_pair::<Datastore>(cloud, caller, cid, did)?;
        get_mut::<Cluster>(cloud, cid)?.datastores.remove(&did);
        get_mut::<Datastore>(cloud, did)?.clusters.remove(&cid);
        Ok(Reply::Id(cid))
    })
}

fn add_vnet(core: &Core, req: &mut Request) -> ApiResult<Reply> {
    let cid = req.args.int(1)?;
    let vid = req.args.int(2)?;
    core.mutate(req, |cloud, caller| {
        authorize_pair::<VirtualNetwork>(cloud, caller, cid, vid)?;
        get_mut::<Cluster>(cloud, cid)?.vnets.insert(vid);
        get_mut::<VirtualNetwork>(cloud, vid)?.clusters.insert(cid);
        Ok(Reply::Id(cid))
    })
}

fn del_vnet(core: &Core, req: &mut Request) -> ApiResult<Reply> {
    let cid = req.args.int(1)?;
    let vid = req.args.int(2)?;
    core.mutate(req, |cloud, caller| {
        authorize_pair::<VirtualNetwork>(cloud, caller, cid, vid)?;
        get_mut::<Cluster>(cloud, cid)?.vnets.remove(&vid);
        get_mut::<VirtualNetwork>(cloud, vid)?.clusters.remove(&cid);
        Ok(Reply::Id(cid))
    })
}

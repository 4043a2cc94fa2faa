//! `one.datastore.*` and `one.datastorepool.info`.

use super::generic::{self, get, get_for, get_mut};
use super::host::resolve_cluster;
use super::{Core, Handler, Mutate, Reply, Request};
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::objects::PoolObject;
use crate::objects::cluster::Cluster;
use crate::objects::datastore::{self, Datastore, NewDatastore};
use crate::perms::AuthOp;
use std::collections::{BTreeSet, HashMap};

pub fn register(m: &mut HashMap<&'static str, Handler>) {
    m.insert("one.datastore.allocate", allocate);
    m.insert("one.datastore.delete", delete);
    m.insert("one.datastore.info", generic::info::<Datastore>);
    m.insert("one.datastore.update", generic::update::<Datastore>);
    m.insert("one.datastore.rename", generic::rename::<Datastore>);
    m.insert("one.datastore.chown", generic::chown::<Datastore>);
    m.insert("one.datastore.chmod", generic::chmod::<Datastore>);
    m.insert("one.datastore.enable", enable);
    m.insert("one.datastorepool.info", generic::pool_info::<Datastore>);
}

fn allocate(core: &Core, req: &mut Request) -> ApiResult<Reply> {
    let text = req.args.string(1)?;
    let cluster_id = req.args.opt_int(2, -1)?;
    let mut t = generic::parse_template(text).map_err(ApiError::internal)?;
    core.mutate(req, |cloud, caller| {
        let cid = resolve_cluster(cloud, cluster_id)?;
        generic::authorize_create::<Datastore>(cloud, caller)?;
        generic::authorize(cloud, caller, &get::<Cluster>(cloud, cid)?.auth(), AuthOp::Admin)?;
        let name = t.get("NAME").unwrap_or("").to_string();
        if let Some(m) = generic::new_name_problem::<Datastore>(cloud, -1, &name) {
            return Err(ApiError::internal(m));
        }
        t.remove("NAME");
        let NewDatastore { ds_type, ds_mad, tm_mad, disk_type } =
            datastore::prepare(&mut t, &cloud.settings.storage).map_err(ApiError::internal)?;
        let mut owner = generic::new_ownership(caller);
        owner.perms.group.u = true;
        let base = cloud.settings.datastore_location.clone();
        let oid = cloud.datastores.allocate(|oid| Datastore {
            oid,
            name: name.clone(),
            owner,
            ds_mad,
            tm_mad,
            base_path: base.join(oid.to_string()).to_string_lossy().into_owned(),
            ds_type,
            disk_type,
            state: 0,
            clusters: BTreeSet::from([cid]),
            total_mb: 0,
            free_mb: 0,
            used_mb: 0,
            images: BTreeSet::new(),
            template: t.clone(),
        });
        get_mut::<Cluster>(cloud, cid)?.datastores.insert(oid);
        tracing::info!(ds_id = oid, "datastore {name} created");
        Ok(Reply::Id(oid))
    })
}

fn delete(core: &Core, req: &mut Request) -> ApiResult<Reply> {
    let id = req.args.int(1)?;
    core.mutate(req, |cloud, caller| {
        let ds = get_for::<Datastore>(cloud, caller, id, AuthOp::Manage)?;
        if !ds.images.is_empty() {
            return Err(ApiError::with_id(
                ErrorCode::Action,
                format!("Cannot delete datastore. Datastore {id} is not empty."),
                id,
            ));
        }
        let clusters: Vec<i32> = ds.clusters.iter().copied().collect();
        for c in clusters {
            if let Some(cl) = cloud.clusters.get_mut(c) {
                cl.datastores.remove(&id);
            }
        }
        cloud.datastores.remove(id);
        generic::remove_object_rules(cloud, crate::objects::ObjectKind::Datastore, id);
        Ok(Reply::Id(id))
    })
}

fn enable(core: &Core, req: &mut Request) -> ApiResult<Reply> {
    let id = req.args.int(1)?;
    let on = req.args.bool(2)?;
    core.mutate(req, |cloud, caller| {
        get_for::<Datastore>(cloud, caller, id, AuthOp::Manage)?;
        get_mut::<Datastore>(cloud, id)?.state = if on { 0 } else { 1 };
        Ok(Reply::Id(id))
    })
}

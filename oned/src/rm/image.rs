//! `one.image.*` and `one.imagepool.info`.
//!
//! An image with files is LOCKED from its registration until the datastore driver has copied
//! (CP, from PATH) or created (MKFS, a datablock) them; it is then READY with the SOURCE the
//! driver gave, or in ERROR with the driver's message. A delete puts it in DELETE until the
//! driver has removed its files (RM). The driver actions are journaled with the image and sent
//! by `lcm::images` once committed. A local PATH must be inside the datastore's SAFE_DIRS or
//! outside its RESTRICTED_DIRS, as OpenNebula's datastore drivers check (the `fs` scripts check
//! again), so a copy can never read arbitrary front-end files.

use super::generic::{self, get, get_for, get_mut};
use super::{Core, Handler, Mutate, Reply, Request};
use crate::auth;
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::lcm::images::has_ds_driver;
use crate::objects::datastore::{Datastore, DsType};
use crate::objects::image::{DsAction, IMAGE_TYPES, Image, image_type_from_str, state};
use crate::objects::{ObjectKind, PoolObject};
use crate::perms::AuthOp;
use libone::template::Template;
use std::collections::HashMap;
use std::path::{Component, Path};

pub fn register(m: &mut HashMap<&'static str, Handler>) {
    m.insert("one.image.allocate", allocate);
    m.insert("one.image.delete", delete);
    m.insert("one.image.info", generic::info::<Image>);
    m.insert("one.image.update", generic::update::<Image>);
    m.insert("one.image.rename", generic::rename::<Image>);
    m.insert("one.image.enable", enable);
    m.insert("one.image.clone", clone);
    m.insert("one.image.snapshotdelete", snapshot_delete);
    m.insert("one.image.snapshotrevert", snapshot_revert);
    m.insert("one.image.snapshotflatten", snapshot_flatten);
    m.insert("one.image.persistent", persistent);
    m.insert("one.image.chtype", chtype);
    m.insert("one.image.chown", generic::chown::<Image>);
    m.insert("one.image.chmod", generic::chmod::<Image>);
    m.insert("one.image.lock", generic::lock::<Image>);
    m.insert("one.image.unlock", generic::unlock::<Image>);
    m.insert("one.imagepool.info", generic::pool_info::<Image>);
}

const OS: i32 = 0;
const CDROM: i32 = 1;
const DATABLOCK: i32 = 2;
const KERNEL: i32 = 3;
const RAMDISK: i32 = 4;
const CONTEXT: i32 = 5;
const BACKUP: i32 = 6;
const FILESYSTEM: i32 = 7;

/// The types that live in a FILE_DS.
fn is_file_type(t: i32) -> bool {
    matches!(t, KERNEL | RAMDISK | CONTEXT)
}

/// True for a PATH that names a remote location rather than a front-end file.
fn is_url(path: &str) -> bool {
    path.split_once("://")
        .is_some_and(|(scheme, _)| !scheme.is_empty() && scheme.chars().all(|c| c.is_ascii_alphanumeric() || c == '+'))
}

/// Checks a local PATH against the datastore's allow-list: refused if it has `..`, is relative,
/// or lies under a RESTRICTED_DIRS entry without lying under a SAFE_DIRS entry.
pub fn path_problem(path: &str, ds_template: &Template) -> Option<String> {
    if is_url(path) {
        return None;
    }
    let p = Path::new(path);
    if !p.is_absolute() || p.components().any(|c| matches!(c, Component::ParentDir)) {
        return Some(format!("PATH {path} must be an absolute path without '..'"));
    }
    let dirs = |key: &str| -> Vec<String> {
        ds_template.get(key).unwrap_or("").split_whitespace().map(str::to_string).collect()
    };
    let under = |d: &str| p.starts_with(Path::new(d));
    let restricted = dirs("RESTRICTED_DIRS");
    let safe = dirs("SAFE_DIRS");
    if restricted.iter().any(|d| under(d)) && !safe.iter().any(|d| under(d)) {
        return Some(format!("Not allowed to copy images from {}", restricted.join(" ")));
    }
    None
}

/// Takes a single attribute out of the template.
fn take(t: &mut Template, name: &str) -> Option<String> {
    t.remove(name).into_iter().find_map(|a| a.as_single().map(|s| s.trim().to_string()))
}

fn allocate(core: &Core, req: &mut Request) -> ApiResult<Reply> {
    let text = req.args.string(1)?;
    let ds_id = req.args.int(2)?;
    let skip_capacity = req.args.opt_bool(3, false)?;
    let mut t = generic::parse_template(text).map_err(ApiError::internal)?;
    let mut rnd = [0u8; 16];
    auth::random_bytes(&mut rnd).map_err(|e| ApiError::internal(e.to_string()))?;
    core.mutate(req, |cloud, caller| {
        let ds = get::<Datastore>(cloud, ds_id)?;
        generic::authorize_create::<Image>(cloud, caller)?;
        generic::authorize(cloud, caller, &ds.auth(), AuthOp::Use)?;
        generic::check_restricted(caller, &t, &cloud.settings.image_restricted_attr, "Template")?;
        let fail = |m: String| ApiError::allocate(ObjectKind::Image.object_name(), m);
        let name = take(&mut t, "NAME").unwrap_or_default();
        let type_name = take(&mut t, "TYPE").unwrap_or_default();
        let image_type = if type_name.is_empty() {
            OS
        } else {
            image_type_from_str(&type_name).ok_or_else(|| fail(format!("Unknown type {type_name}")))?
        };
        match ds.ds_type {
            DsType::System => {
                return Err(fail("New images can only be allocated in a files or image datastore.".into()));
            }
            DsType::File if !is_file_type(image_type) => {
                return Err(fail(
                    "Only IMAGES of type KERNEL, RAMDISK and CONTEXT can be registered in a FILE_DS datastore".into(),
                ));
            }
            DsType::Image if is_file_type(image_type) => {
                return Err(fail(
                    "IMAGES of type KERNEL, RAMDISK and CONTEXT cannot be registered in an IMAGE_DS datastore".into(),
                ));
            }
            _ => {}
        }
        let persistent_attr = take(&mut t, "PERSISTENT");
        let persistent = match image_type {
            OS | DATABLOCK | FILESYSTEM => persistent_attr.as_deref().is_some_and(|p| p.eq_ignore_ascii_case("YES")),
            BACKUP => true,
            _ => false,
        };
        let path = take(&mut t, "PATH").unwrap_or_default();
        let source = take(&mut t, "SOURCE").unwrap_or_default();
        let size_attr = take(&mut t, "SIZE");
        let format = take(&mut t, "FORMAT").unwrap_or_default();
        let fs = take(&mut t, "FS").unwrap_or_default();
        take(&mut t, "TM_MAD");
        take(&mut t, "DRIVER");
        let size_err = |m: &str| ApiError::internal(format!("Cannot parse image SIZE: {m}"));
        let parse_size = || size_attr.as_deref().and_then(|s| s.parse::<i64>().ok()).filter(|s| *s >= 0);
        let size = match image_type {
            OS | DATABLOCK if !source.is_empty() || path.is_empty() => {
                parse_size().ok_or_else(|| size_err("Wrong number or missing SIZE attribute."))?
            }
            CDROM | KERNEL | RAMDISK | CONTEXT if source.is_empty() && path.is_empty() => {
                return Err(size_err(&format!(
                    "Either PATH or SOURCE are required for {}",
                    IMAGE_TYPES[image_type as usize]
                )));
            }
            FILESYSTEM if path.is_empty() => return Err(size_err("Missing PATH attribute.")),
            _ => parse_size().unwrap_or(0),
        };
        // DS_MAD_CONF's PERSISTENT_ONLY, against the template's PERSISTENT (whatever the type),
        // as OpenNebula checks it.
        let asked_persistent = persistent_attr.as_deref().is_some_and(|p| p.eq_ignore_ascii_case("YES"));
        if ds.is_persistent_only(&cloud.settings.storage) && !asked_persistent {
            return Err(fail("This Datastore only accepts persistent images.".into()));
        }
        if !path.is_empty() && !source.is_empty() {
            return Err(fail("PATH and SOURCE cannot be both set.".into()));
        }
        if !source.is_empty() && format.is_empty() && !caller.is_admin() {
            return Err(fail("SOURCE needs FORMAT to be set.".into()));
        }
        // FORMAT travels to drivers with every disk made from this image.
        if !format.is_empty() && !crate::dm::attrs::is_format(&format) {
            return Err(fail(format!(
                "FORMAT must be a lower-case word of letters, digits, '_' and '-', not {format:?}"
            )));
        }
        if !path.is_empty()
            && let Some(m) = path_problem(&path, &ds.template)
        {
            return Err(fail(m));
        }
        if let Some(m) = generic::new_name_problem::<Image>(cloud, caller.uid, &name) {
            return Err(fail(m));
        }
        if matches!(image_type, OS | DATABLOCK) {
            if !t.contains("DEV_PREFIX") {
                t.add("DEV_PREFIX", "sd");
            }
        } else {
            t.remove("DEV_PREFIX");
        }
        if persistent_attr.is_some() {
            t.set("PERSISTENT", if persistent { "YES" } else { "NO" });
        }
        // Files come from the datastore driver: CP from PATH, MKFS for an empty image. An image
        // registered with a SOURCE (admins) names files that already exist.
        let job = if !source.is_empty() || !has_ds_driver(ds) {
            None
        } else if !path.is_empty() {
            Some(DsAction::Cp)
        } else {
            Some(DsAction::Mkfs)
        };
        if job == Some(DsAction::Mkfs) && ds.total_mb > 0 && size > ds.free_mb && !skip_capacity {
            return Err(fail(format!("Not enough space in datastore: {size} MB needed, {} MB free", ds.free_mb)));
        }
        let source =
            if source.is_empty() && job.is_none() { format!("{}/{}", ds.base_path, hex::encode(rnd)) } else { source };
        let ds_name = ds.name.clone();
        let owner = generic::new_ownership(caller);
        let format = if format.is_empty() { "raw".to_string() } else { format };
        let oid = cloud.images.allocate(|oid| Image {
            image_type,
            persistent,
            source,
            path,
            format,
            fs,
            size,
            state: if job.is_some() { state::LOCKED } else { state::READY },
            ..Image::new(oid, name.clone(), owner, (ds_id, ds_name), t.clone())
        });
        if let Some(job) = job {
            get_mut::<Image>(cloud, oid)?.start_job(job);
            cloud.outbox.images.push(oid);
        }
        get_mut::<Datastore>(cloud, ds_id)?.images.insert(oid);
        tracing::info!(image_id = oid, "image {name} registered in datastore {ds_id}");
        Ok(Reply::Id(oid))
    })
}

fn delete(core: &Core, req: &mut Request) -> ApiResult<Reply> {
    let id = req.args.int(1)?;
    let force = req.args.opt_bool(2, false)?;
    core.mutate(req, |cloud, caller| {
        let img = get::<Image>(cloud, id)?;
        let op = if img.state == state::LOCKED { AuthOp::Admin } else { AuthOp::Manage };
        get_for::<Image>(cloud, caller, id, op)?;
        if img.state == state::LOCKED && !force {
            return Err(ApiError::with_id(
                ErrorCode::Internal,
                "Image locked, use --force flag to remove the image. Force delete may leave some files on Datastore",
                id,
            ));
        }
        if img.running_vms > 0 {
            return Err(ApiError::with_id(
                ErrorCode::Action,
                format!("Cannot delete image. There are {} VMs using it.", img.running_vms),
                id,
            ));
        }
        if img.state == state::DELETE && img.pending.is_some() {
            return Err(ApiError::with_id(ErrorCode::Action, "Image is already being deleted", id));
        }
        if img.state == state::CLONE || img.cloning_ops > 0 {
            return Err(ApiError::with_id(
                ErrorCode::Action,
                format!("Cannot delete image. There are {} clone operations in progress.", img.cloning_ops),
                id,
            ));
        }
        let ds = img.datastore_id;
        let driver = cloud.datastores.get(ds).is_some_and(has_ds_driver);
        if driver && !img.source.is_empty() {
            // The files go first; the image stays, in DELETE, until the driver says so.
            let img = get_mut::<Image>(cloud, id)?;
            if force {
                img.template.set("FORCE_DELETE", "YES");
            }
            img.prev_state = img.state;
            img.state = state::DELETE;
            img.start_job(DsAction::Rm);
            cloud.outbox.images.push(id);
            return Ok(Reply::Id(id));
        }
        if img.cloning_id >= 0 && img.pending.is_some() {
            // A clone being copied: its source image gets its hold back.
            let src = img.cloning_id;
            crate::lcm::images::release_cloning(cloud, src);
        }
        if let Some(d) = cloud.datastores.get_mut(ds) {
            d.images.remove(&id);
        }
        cloud.images.remove(id);
        generic::remove_object_rules(cloud, ObjectKind::Image, id);
        Ok(Reply::Id(id))
    })
}

fn enable(core: &Core, req: &mut Request) -> ApiResult<Reply> {
    let id = req.args.int(1)?;
    let on = req.args.bool(2)?;
    core.mutate(req, |cloud, caller| {
        let img = get_for::<Image>(cloud, caller, id, AuthOp::Manage)?;
        let (from, to) = if on { (state::DISABLED, state::READY) } else { (state::READY, state::DISABLED) };
        if img.state == to {
            return Ok(Reply::Id(id));
        }
        if img.state != from {
            return Err(ApiError::with_id(
                ErrorCode::Internal,
                format!(
                    "Could not {} image: Image is in state {}",
                    if on { "enable" } else { "disable" },
                    state::name(img.state)
                ),
                id,
            ));
        }
        let img = get_mut::<Image>(cloud, id)?;
        img.prev_state = img.state;
        img.state = to;
        Ok(Reply::Id(id))
    })
}

fn persistent(core: &Core, req: &mut Request) -> ApiResult<Reply> {
    let id = req.args.int(1)?;
    let on = req.args.bool(2)?;
    core.mutate(req, |cloud, caller| {
        let img = get_for::<Image>(cloud, caller, id, AuthOp::Manage)?;
        if is_file_type(img.image_type) || img.image_type == CDROM {
            if on {
                return Err(ApiError::with_id(
                    ErrorCode::Internal,
                    "KERNEL, RAMDISK and CONTEXT must be non-persistent",
                    id,
                ));
            }
        } else if img.image_type == BACKUP && !on {
            return Err(ApiError::with_id(ErrorCode::Internal, "BACKUP images must be persistent", id));
        }
        if !on
            && img.persistent
            && cloud.datastores.get(img.datastore_id).is_some_and(|ds| ds.is_persistent_only(&cloud.settings.storage))
        {
            return Err(ApiError::with_id(ErrorCode::Internal, "This Datastore only accepts persistent images.", id));
        }
        if img.running_vms > 0 && img.persistent != on {
            return Err(ApiError::with_id(
                ErrorCode::Internal,
                format!("Cannot change persistent state of an image in use by {} VMs", img.running_vms),
                id,
            ));
        }
        let img = get_mut::<Image>(cloud, id)?;
        img.persistent = on;
        img.template.set("PERSISTENT", if on { "YES" } else { "NO" });
        Ok(Reply::Id(id))
    })
}

fn chtype(core: &Core, req: &mut Request) -> ApiResult<Reply> {
    let id = req.args.int(1)?;
    let type_name = req.args.string(2)?.to_string();
    core.mutate(req, |cloud, caller| {
        let img = get_for::<Image>(cloud, caller, id, AuthOp::Manage)?;
        let new = image_type_from_str(&type_name)
            .ok_or_else(|| ApiError::with_id(ErrorCode::Internal, format!("Unknown image type {type_name}"), id))?;
        if is_file_type(new) != is_file_type(img.image_type) || new == BACKUP {
            return Err(ApiError::with_id(
                ErrorCode::Action,
                "Cannot change image type to an incompatible type for the current datastore.",
                id,
            ));
        }
        let img = get_mut::<Image>(cloud, id)?;
        img.image_type = new;
        if !matches!(new, OS | DATABLOCK | FILESYSTEM) && img.persistent {
            img.persistent = false;
        }
        Ok(Reply::Id(id))
    })
}

/// `one.image.clone(id, name, ds_id = -1)`: a copy of a READY image (or a non-persistent one in
/// use) in the same or another datastore of the same driver kind. The source is in CLONE while
/// copies are made; the new image is LOCKED until the driver's CLONE answer.
fn clone(core: &Core, req: &mut Request) -> ApiResult<Reply> {
    let id = req.args.int(1)?;
    let name = req.args.string(2)?.to_string();
    let ds_arg = req.args.opt_int(3, -1)?;
    core.mutate(req, |cloud, caller| {
        let src = get_for::<Image>(cloud, caller, id, AuthOp::Use)?.clone();
        let fail = |m: String| ApiError::with_id(ErrorCode::Action, m, id);
        generic::authorize_create::<Image>(cloud, caller)?;
        let ds_id = if ds_arg < 0 { src.datastore_id } else { ds_arg };
        let ds = get::<Datastore>(cloud, ds_id)?;
        generic::authorize(cloud, caller, &ds.auth(), AuthOp::Use)?;
        let from = get::<Datastore>(cloud, src.datastore_id)?;
        if ds.ds_type != from.ds_type || (ds_id != src.datastore_id && ds.ds_mad != from.ds_mad) {
            return Err(fail("Clone only supported between datastores of the same type and driver".into()));
        }
        if !has_ds_driver(ds) {
            return Err(fail(format!("Datastore {ds_id} has no datastore driver to copy files")));
        }
        let usable = match src.state {
            state::READY | state::CLONE => true,
            state::USED => !src.persistent,
            _ => false,
        };
        if !usable {
            return Err(fail(format!("Cannot clone image in state {}", state::name(src.state))));
        }
        if let Some(m) = generic::new_name_problem::<Image>(cloud, caller.uid, &name) {
            return Err(ApiError::allocate(ObjectKind::Image.object_name(), m));
        }
        let ds_name = ds.name.clone();
        let owner = generic::new_ownership(caller);
        let mut t = src.template.clone();
        for k in ["ERROR", "TRANSFER_PROGRESS", "FORCE_DELETE", "SAVED_VM_ID", "SAVED_DISK_ID", "SAVED_SNAPSHOT_ID"] {
            t.remove(k);
        }
        t.set("PERSISTENT", "NO");
        let oid = cloud.images.allocate(|oid| Image {
            image_type: src.image_type,
            disk_type: src.disk_type,
            format: src.format.clone(),
            fs: src.fs.clone(),
            size: src.size,
            state: state::LOCKED,
            cloning_id: id,
            ..Image::new(oid, name.clone(), owner, (ds_id, ds_name), t)
        });
        get_mut::<Image>(cloud, oid)?.start_job(DsAction::Clone);
        cloud.outbox.images.push(oid);
        get_mut::<Datastore>(cloud, ds_id)?.images.insert(oid);
        let s = get_mut::<Image>(cloud, id)?;
        s.cloning_ops += 1;
        s.clones.insert(oid);
        if s.state == state::READY {
            s.prev_state = s.state;
            s.state = state::CLONE;
        }
        tracing::info!(image_id = oid, "cloning image {id} into {name} (datastore {ds_id})");
        Ok(Reply::Id(oid))
    })
}

/// The image snapshot operations: the image must be READY (not in use) and have the snapshot.
fn snapshot_op(core: &Core, req: &mut Request, action: DsAction) -> ApiResult<Reply> {
    let id = req.args.int(1)?;
    let snap = req.args.int(2)?;
    core.mutate(req, |cloud, caller| {
        let img = get_for::<Image>(cloud, caller, id, AuthOp::Manage)?;
        let what = match action {
            DsAction::SnapDelete => "delete",
            DsAction::SnapRevert => "revert to",
            _ => "flatten",
        };
        if img.state != state::READY {
            return Err(ApiError::with_id(
                ErrorCode::Action,
                format!("Cannot {what} snapshot in state {}", state::name(img.state)),
                id,
            ));
        }
        let Some(s) = img.snapshots.iter().find(|s| s.id == snap) else {
            return Err(ApiError::with_id(ErrorCode::Action, format!("Snapshot {snap} does not exist"), id));
        };
        if action == DsAction::SnapDelete && s.active {
            return Err(ApiError::with_id(ErrorCode::Action, "Cannot delete the active snapshot", id));
        }
        if !cloud.datastores.get(img.datastore_id).is_some_and(has_ds_driver) {
            return Err(ApiError::with_id(ErrorCode::Action, "The image's datastore has no driver", id));
        }
        let img = get_mut::<Image>(cloud, id)?;
        img.prev_state = img.state;
        img.state = state::LOCKED;
        img.target_snapshot = snap;
        img.start_job(action);
        cloud.outbox.images.push(id);
        Ok(Reply::Id(id))
    })
}

fn snapshot_delete(core: &Core, req: &mut Request) -> ApiResult<Reply> {
    snapshot_op(core, req, DsAction::SnapDelete)
}

fn snapshot_revert(core: &Core, req: &mut Request) -> ApiResult<Reply> {
    snapshot_op(core, req, DsAction::SnapRevert)
}

fn snapshot_flatten(core: &Core, req: &mut Request) -> ApiResult<Reply> {
    snapshot_op(core, req, DsAction::SnapFlatten)
}

/// How long `one.image.prefetch` waits for the driver.
const PREFETCH_LIMIT: std::time::Duration = std::time::Duration::from_secs(3600);

/// `one.image.prefetch(session, image_id, hosts, system_ds_id)` (Nephele): puts a READY image in
/// the cache of every named host (comma- or blank-separated names or ids) through the
/// datastore driver's fan-out, and answers once they all have it. Awaited, like
/// `one.sched.wait`, so no lock is held while the copy runs.
pub async fn prefetch(
    core: &Core,
    caller: &crate::auth::Caller,
    params: &[libone::xmlrpc::Value],
) -> Result<String, ApiError> {
    let args = super::Args(params);
    let id = args.int(1)?;
    let hosts_arg = args.string(2)?.to_string();
    let sys_id = args.opt_int(3, crate::objects::datastore::SYSTEM_DS_ID)?;
    let payload = {
        let cloud = core.cloud.read();
        let img = get_for::<Image>(&cloud, caller, id, AuthOp::Use)?;
        if !matches!(img.state, state::READY | state::USED | state::USED_PERS | state::CLONE) || img.source.is_empty() {
            return Err(ApiError::with_id(
                ErrorCode::Action,
                format!("Cannot prefetch image in state {}", state::name(img.state)),
                id,
            ));
        }
        let ds = get::<Datastore>(&cloud, img.datastore_id)?;
        let sys = get::<Datastore>(&cloud, sys_id)?;
        if sys.ds_type != DsType::System {
            return Err(ApiError::with_id(
                ErrorCode::Action,
                format!("Datastore {sys_id} is not a system datastore"),
                id,
            ));
        }
        let mut hosts = Vec::new();
        for h in hosts_arg.split(|c: char| c == ',' || c.is_whitespace()).filter(|h| !h.is_empty()) {
            let found = match h.parse::<i32>() {
                Ok(hid) => cloud.hosts.get(hid).map(|x| x.name.clone()),
                Err(_) => cloud.hosts.iter().find(|x| x.name == h).map(|x| x.name.clone()),
            };
            match found {
                Some(n) => hosts.push(n),
                None => return Err(ApiError::with_id(ErrorCode::NoExists, format!("Host {h} does not exist"), id)),
            }
        }
        if hosts.is_empty() {
            return Err(ApiError::with_id(ErrorCode::Action, "No host to prefetch the image to", id));
        }
        crate::lcm::images::drv_message(Some(img), ds, &crate::lcm::images::prefetch_extra(sys, &hosts))
    };
    tracing::info!(image_id = id, "prefetching image to hosts {hosts_arg}");
    match core.ds_call("PREFETCH", id, payload, PREFETCH_LIMIT).await {
        Ok(_) => Ok(libone::xmlrpc::ok_int(id)),
        Err(e) => Err(ApiError::with_id(ErrorCode::Action, format!("Error prefetching image: {e}"), id)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ds_t() -> Template {
        Template::parse_text("RESTRICTED_DIRS = \"/\"\nSAFE_DIRS = \"/var/tmp\"").unwrap()
    }

    #[test]
    fn paths_are_allow_listed() {
        assert!(path_problem("/var/tmp/disk.qcow2", &ds_t()).is_none());
        assert!(path_problem("/etc/shadow", &ds_t()).unwrap().contains("Not allowed"));
        assert!(path_problem("/var/tmp/../../etc/shadow", &ds_t()).unwrap().contains(".."));
        assert!(path_problem("relative.img", &ds_t()).is_some());
        assert!(path_problem("http://example.org/a.qcow2", &ds_t()).is_none());
        assert!(path_problem("/etc/x", &Template::new()).is_none(), "no restriction configured");
    }
}

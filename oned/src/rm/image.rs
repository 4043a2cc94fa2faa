//! `one.image.*` and `one.imagepool.info`.
//!
//! Images are metadata until the storage drivers arrive: an image is READY as soon as it is
//! registered, with the SOURCE a file-system datastore would give it. A local PATH must be inside
//! the datastore's SAFE_DIRS or outside its RESTRICTED_DIRS, as OpenNebula's datastore drivers
//! check, so the later copy can never read arbitrary front-end files.

use super::generic::{self, get, get_for, get_mut};
use super::{Core, Handler, Mutate, Reply, Request};
use crate::auth;
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::objects::datastore::{Datastore, DsType};
use crate::objects::image::{IMAGE_TYPES, Image, image_type_from_str, state};
use crate::objects::{ObjectKind, PoolObject, now};
use crate::perms::AuthOp;
use libone::template::Template;
use std::collections::{BTreeSet, HashMap};
use std::path::{Component, Path};

pub fn register(m: &mut HashMap<&'static str, Handler>) {
    m.insert("one.image.allocate", allocate);
    m.insert("one.image.delete", delete);
    m.insert("one.image.info", generic::info::<Image>);
    m.insert("one.image.update", generic::update::<Image>);
    m.insert("one.image.rename", generic::rename::<Image>);
    m.insert("one.image.enable", enable);
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
        let source = if source.is_empty() { format!("{}/{}", ds.base_path, hex::encode(rnd)) } else { source };
        let ds_name = ds.name.clone();
        let owner = generic::new_ownership(caller);
        let format = if format.is_empty() { "raw".to_string() } else { format };
        let oid = cloud.images.allocate(|oid| Image {
            oid,
            name: name.clone(),
            owner,
            lock: None,
            image_type,
            disk_type: 0,
            persistent,
            regtime: now(),
            modtime: 0,
            source,
            path,
            format,
            fs,
            size,
            state: state::READY,
            prev_state: state::READY,
            running_vms: 0,
            cloning_ops: 0,
            cloning_id: -1,
            target_snapshot: -1,
            datastore_id: ds_id,
            datastore: ds_name,
            vms: BTreeSet::new(),
            clones: BTreeSet::new(),
            app_clones: BTreeSet::new(),
            template: t.clone(),
        });
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
        let ds = img.datastore_id;
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

//! `one.template.*` and `one.templatepool.info`.

use super::generic::{self, get_for};
use super::{Core, Handler, Mutate, Reply, Request};
use crate::cloud::Cloud;
use crate::error::{ApiError, ApiResult};
use crate::objects::now;
use crate::objects::vmtemplate::VmTemplate;
use crate::perms::AuthOp;
use libone::template::Template;
use std::collections::HashMap;

pub fn register(m: &mut HashMap<&'static str, Handler>) {
    m.insert("one.template.allocate", allocate);
    m.insert("one.template.delete", delete);
    m.insert("one.template.info", generic::info::<VmTemplate>);
    m.insert("one.template.update", generic::update::<VmTemplate>);
    m.insert("one.template.rename", generic::rename::<VmTemplate>);
    m.insert("one.template.clone", clone);
    m.insert("one.template.instantiate", super::vm::instantiate);
    m.insert("one.template.chown", generic::chown::<VmTemplate>);
    m.insert("one.template.chmod", generic::chmod::<VmTemplate>);
    m.insert("one.template.lock", generic::lock::<VmTemplate>);
    m.insert("one.template.unlock", generic::unlock::<VmTemplate>);
    m.insert("one.templatepool.info", generic::pool_info::<VmTemplate>);
}

/// Stores a new template owned by the caller (shared by allocate and clone).
fn insert(cloud: &mut Cloud, caller: &crate::auth::Caller, name: String, template: Template) -> ApiResult<i32> {
    if let Some(m) = generic::new_name_problem::<VmTemplate>(cloud, caller.uid, &name) {
        return Err(ApiError::internal(m));
    }
    let owner = generic::new_ownership(caller);
    let oid = cloud.templates.allocate(|oid| VmTemplate { oid, name, owner, lock: None, regtime: now(), template });
    Ok(oid)
}

fn allocate(core: &Core, req: &mut Request) -> ApiResult<Reply> {
    let text = req.args.string(1)?;
    let mut t = generic::parse_template(text).map_err(ApiError::internal)?;
    core.mutate(req, |cloud, caller| {
        generic::authorize_create::<VmTemplate>(cloud, caller)?;
        generic::check_restricted(caller, &t, &cloud.settings.vm_restricted_attr, "VM Template")?;
        let name = t.remove("NAME").into_iter().find_map(|a| a.as_single().map(str::to_string)).unwrap_or_default();
        let oid = insert(cloud, caller, name, std::mem::take(&mut t))?;
        Ok(Reply::Id(oid))
    })
}

fn delete(core: &Core, req: &mut Request) -> ApiResult<Reply> {
    let id = req.args.int(1)?;
    core.mutate(req, |cloud, caller| {
        get_for::<VmTemplate>(cloud, caller, id, AuthOp::Manage)?;
        cloud.templates.remove(id);
        generic::remove_object_rules(cloud, crate::objects::ObjectKind::Template, id);
        Ok(Reply::Id(id))
    })
}

fn clone(core: &Core, req: &mut Request) -> ApiResult<Reply> {
    let id = req.args.int(1)?;
    let name = req.args.string(2)?.to_string();
    core.mutate(req, |cloud, caller| {
        let src = get_for::<VmTemplate>(cloud, caller, id, AuthOp::Use)?;
        let template = src.template.clone();
        generic::authorize_create::<VmTemplate>(cloud, caller).map_err(|e| e.for_id(id))?;
        let oid = insert(cloud, caller, name.clone(), template)?;
        Ok(Reply::Id(oid))
    })
}

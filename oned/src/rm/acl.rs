//! `one.acl.*`: ACL rules (oneadmin group only, as the ACL objects belong to oneadmin).

use super::generic;
use super::{Core, Handler, Mutate, Reply, Request};
use crate::acl::{self, AclRule};
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::objects::{ObjectAuth, ObjectKind, PoolObject};
use crate::perms::{AuthOp, Permissions};
use std::collections::HashMap;

pub fn register(m: &mut HashMap<&'static str, Handler>) {
    m.insert("one.acl.addrule", add_rule);
    m.insert("one.acl.delrule", del_rule);
    m.insert("one.acl.info", info);
}

fn acl_auth() -> ObjectAuth {
    ObjectAuth {
        kind: ObjectKind::Acl,
        oid: -1,
        uid: 0,
        gid: 0,
        perms: Permissions::from_mode(0o600),
        clusters: vec![],
    }
}

fn add_rule(core: &Core, req: &mut Request) -> ApiResult<Reply> {
    // OpenNebula reads each value with `istringstream >> hex`: an unreadable one becomes 0 and
    // then fails the malformed check with a precise reason.
    let parse = |i: usize| -> ApiResult<u64> { Ok(acl::parse_hex(req.args.string(i)?).unwrap_or(0)) };
    let user = parse(1)?;
    let resource = parse(2)?;
    let rights = parse(3)?;
    let zone = match req.args.opt_string(4, "")? {
        "" => acl::INDIVIDUAL_ID | acl::LOCAL_ZONE,
        _ => parse(4)?,
    };
    core.mutate(req, |cloud, caller| {
        generic::authorize(cloud, caller, &acl_auth(), AuthOp::Manage)?;
        let mut rule = AclRule { oid: -1, user, resource, rights, zone };
        let text = rule.to_rule_string();
        if acl::is_duplicate(cloud.acls.iter(), &rule) {
            return Err(ApiError::internal(format!("Rule {text} already exists")));
        }
        rule.validate().map_err(|e| ApiError::internal(format!("Rule {text} is malformed: {e}")))?;
        let oid = cloud.acls.allocate(|oid| {
            rule.oid = oid;
            rule
        });
        Ok(Reply::Id(oid))
    })
}

fn del_rule(core: &Core, req: &mut Request) -> ApiResult<Reply> {
    let id = req.args.int(1)?;
    core.mutate(req, |cloud, caller| {
        generic::authorize(cloud, caller, &acl_auth(), AuthOp::Manage)?;
        if cloud.acls.remove(id).is_none() {
            return Err(ApiError::with_id(ErrorCode::Internal, format!("Rule {id} does not exist"), id));
        }
        Ok(Reply::Id(id))
    })
}

fn info(core: &Core, req: &mut Request) -> ApiResult<Reply> {
    let cloud = core.cloud.read();
    generic::authorize(&cloud, &req.caller, &acl_auth(), AuthOp::Manage)?;
    let mut out = String::from("<ACL_POOL>");
    for r in acl::dump_order(cloud.acls.iter()) {
        r.write_xml(&mut out);
    }
    out.push_str("</ACL_POOL>");
    Ok(Reply::Str(out))
}

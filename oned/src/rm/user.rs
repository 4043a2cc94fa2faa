//! `one.user.*`, `one.userpool.info`, `one.group.*`, `one.grouppool.info`.

use super::generic::{self, get, get_for, get_for_nolock, get_mut};
use super::{Core, Handler, Mutate, Reply, Request};
use crate::acl::{self, AclRule};
use crate::auth;
use crate::cloud::Cloud;
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::objects::group::{Group, ONEADMIN_GID, USERS_GID};
use crate::objects::user::{LoginToken, User};
use crate::objects::{PoolObject, now};
use crate::perms::AuthOp;
use libone::template::Template;
use libone::xmlrpc::Value;
use std::collections::{BTreeSet, HashMap};

/// Most login tokens a user may hold at once.
const MAX_TOKENS: usize = 10;
/// Longest password accepted for the core driver, in bytes.
const MAX_PASSWORD: usize = 256;

pub fn register(m: &mut HashMap<&'static str, Handler>) {
    m.insert("one.user.allocate", user_allocate);
    m.insert("one.user.delete", user_delete);
    m.insert("one.user.info", user_info);
    m.insert("one.user.passwd", user_passwd);
    m.insert("one.user.login", user_login);
    m.insert("one.user.chgrp", user_chgrp);
    m.insert("one.user.addgroup", user_addgroup);
    m.insert("one.user.delgroup", user_delgroup);
    m.insert("one.user.enable", user_enable);
    m.insert("one.user.chauth", user_chauth);
    m.insert("one.user.update", generic::update::<User>);
    m.insert("one.userpool.info", generic::pool_info::<User>);
    m.insert("one.group.allocate", group_allocate);
    m.insert("one.group.delete", group_delete);
    m.insert("one.group.info", group_info);
    m.insert("one.group.update", generic::update::<Group>);
    m.insert("one.group.addadmin", group_addadmin);
    m.insert("one.group.deladmin", group_deladmin);
    m.insert("one.grouppool.info", generic::pool_info::<Group>);
}

/// OpenNebula's password rules for the core driver.
pub fn password_problem(pw: &str) -> Option<String> {
    if pw.is_empty() {
        return Some("Invalid password, it cannot be empty".into());
    }
    if let Some(c) = pw.chars().find(|c| matches!(c, ' ' | '\t' | '\n' | '\u{0B}' | '\u{0C}' | '\r')) {
        return Some(format!("Invalid password, character '{c}' is not allowed"));
    }
    if pw.len() > MAX_PASSWORD {
        return Some(format!(
            "Password is longer than max allowed length. Max allowed length for the driver core : {MAX_PASSWORD} bytes"
        ));
    }
    None
}

fn hash(pw: &str) -> ApiResult<String> {
    auth::hash_password(pw).map_err(|e| ApiError::internal(e.to_string()))
}

fn user_allocate(core: &Core, req: &mut Request) -> ApiResult<Reply> {
    let name = req.args.string(1)?.to_string();
    let password = req.args.string(2)?.to_string();
    let driver = match req.args.opt_string(3, "")? {
        "" => "core".to_string(),
        d => d.to_string(),
    };
    let mut gids = Vec::new();
    if req.args.has(4) {
        for v in req.args.array(4)? {
            match v {
                Value::Integer(g) => gids.push(*g),
                _ => return Err(ApiError::fault_type("Parameter that is supposed to be integer is not")),
            }
        }
    }
    // Hash before taking the lock: argon2 takes milliseconds on purpose.
    let problem = password_problem(&password);
    let phc = if problem.is_none() { Some(hash(&password)?) } else { None };
    let mut token_pw = [0u8; 16];
    auth::random_bytes(&mut token_pw).map_err(|e| ApiError::internal(e.to_string()))?;
    core.mutate(req, |cloud, caller| {
        if gids.is_empty() {
            gids.push(if caller.gid == ONEADMIN_GID { USERS_GID } else { caller.gid });
        }
        for g in &gids {
            get::<Group>(cloud, *g)?;
        }
        generic::authorize_create::<User>(cloud, caller)?;
        for g in &gids {
            let group = get::<Group>(cloud, *g)?;
            if *g != caller.gid {
                generic::authorize(cloud, caller, &group.auth(), AuthOp::Manage)?;
            }
        }
        if let Some(p) = &problem {
            return Err(ApiError::internal(format!("{p}.")));
        }
        if let Some(m) = generic::new_name_problem::<User>(cloud, -1, &name) {
            return Err(ApiError::internal(if m.ends_with('.') { m } else { format!("{m}.") }));
        }
        let primary = gids[0];
        let gname = cloud.groups.get(primary).map(|g| g.name.clone()).unwrap_or_default();
        let mut template = Template::new();
        template.add("TOKEN_PASSWORD", hex::encode(token_pw));
        let groups: BTreeSet<i32> = gids.iter().copied().collect();
        let phc = phc.clone().unwrap_or_default();
        let oid = cloud.users.allocate(|oid| User {
            oid,
            name: name.clone(),
            gid: primary,
            gname,
            groups: groups.clone(),
            password: phc,
            auth_driver: driver.clone(),
            enabled: true,
            login_tokens: Vec::new(),
            template,
            auth_epoch: 0,
        });
        for g in groups {
            if let Some(group) = cloud.groups.get_mut(g) {
                group.users.insert(oid);
            }
        }
        tracing::info!(uid = oid, "user {name} created");
        Ok(Reply::Id(oid))
    })
}

fn user_delete(core: &Core, req: &mut Request) -> ApiResult<Reply> {
    let id = req.args.int(1)?;
    core.mutate(req, |cloud, caller| {
        let user = get_for::<User>(cloud, caller, id, AuthOp::Admin)?;
        if id == 0 {
            return Err(ApiError::with_id(ErrorCode::Action, "Cannot delete user. oneadmin cannot be deleted.", id));
        }
        let groups: Vec<i32> = user.groups.iter().copied().collect();
        for g in groups {
            if let Some(group) = cloud.groups.get_mut(g) {
                group.users.remove(&id);
                group.admins.remove(&id);
            }
        }
        remove_rules(cloud, |r| r.user == acl::INDIVIDUAL_ID | id as u64);
        cloud.users.remove(id);
        tracing::info!(uid = id, "user deleted");
        Ok(Reply::Id(id))
    })
}

fn user_info(core: &Core, req: &mut Request) -> ApiResult<Reply> {
    let mut id = req.args.int(1)?;
    if id == -1 {
        id = req.caller.uid;
    }
    let cloud = core.cloud.read();
    let u = get_for_nolock::<User>(&cloud, &req.caller, id, AuthOp::Use)?;
    Ok(Reply::Str(u.to_xml()))
}

/// Whether a driver lets users change their own password (`PASSWORD_CHANGE`).
fn password_change_allowed(driver: &str) -> bool {
    matches!(driver, "core" | "ssh")
}

fn user_passwd(core: &Core, req: &mut Request) -> ApiResult<Reply> {
    let id = req.args.int(1)?;
    let password = req.args.string(2)?;
    let problem = password_problem(password);
    let phc = if problem.is_none() { Some(hash(password)?) } else { None };
    core.mutate(req, |cloud, caller| {
        let user = get_for::<User>(cloud, caller, id, AuthOp::Manage)?;
        if !password_change_allowed(&user.auth_driver) && !caller.is_admin() {
            return Err(ApiError::with_id(
                ErrorCode::Action,
                format!("Password for driver {} cannot be changed.", user.auth_driver),
                id,
            ));
        }
        if let Some(p) = problem {
            return Err(ApiError::with_id(ErrorCode::Action, p, id));
        }
        let user = get_mut::<User>(cloud, id)?;
        user.password = phc.unwrap_or_default();
        user.login_tokens.clear();
        user.auth_epoch += 1;
        Ok(Reply::Id(id))
    })
}

fn user_chauth(core: &Core, req: &mut Request) -> ApiResult<Reply> {
    let id = req.args.int(1)?;
    let driver = match req.args.string(2)? {
        "" => "core",
        d => d,
    }
    .to_string();
    let password = req.args.opt_string(3, "")?;
    let phc = if password.is_empty() {
        None
    } else {
        if let Some(p) = password_problem(password) {
            return Err(ApiError::with_id(ErrorCode::Action, p, id));
        }
        Some(hash(password)?)
    };
    core.mutate(req, |cloud, caller| {
        get_for::<User>(cloud, caller, id, AuthOp::Admin)?;
        let user = get_mut::<User>(cloud, id)?;
        user.auth_driver = driver;
        if let Some(p) = phc {
            user.password = p;
            user.login_tokens.clear();
        }
        user.auth_epoch += 1;
        Ok(Reply::Id(id))
    })
}

fn user_login(core: &Core, req: &mut Request) -> ApiResult<Reply> {
    let username = req.args.string(1)?.to_string();
    let token = req.args.string(2)?.to_string();
    let valid = req.args.int(3)?;
    let egid = req.args.opt_int(4, -1)?;
    let fresh = auth::new_token().map_err(|e| ApiError::internal(e.to_string()))?;
    core.mutate(req, |cloud, caller| {
        let uid = cloud
            .users
            .lookup_name(-1, &username)
            .ok_or_else(|| ApiError::new(ErrorCode::NoExists, "Error getting user Pool."))?;
        let user = get_for::<User>(cloud, caller, uid, AuthOp::Manage)?;
        let t = now();
        if valid == 0 {
            let user = get_mut::<User>(cloud, uid)?;
            if token.is_empty() {
                user.login_tokens.clear();
                user.auth_epoch += 1;
                return Ok(Reply::Str(String::new()));
            }
            let digest = auth::sha256_hex(&token);
            let before = user.login_tokens.len();
            user.login_tokens.retain(|tk| tk.hash != digest);
            if user.login_tokens.len() == before {
                return Err(ApiError::api(format!("Could not find token: {token}")));
            }
            user.auth_epoch += 1;
            return Ok(Reply::Str(token.clone()));
        }
        if valid < -1 {
            return Err(ApiError::api("Wrong valid period for token"));
        }
        if egid != -1 {
            if !caller.is_admin() && (!user.groups.contains(&egid) || !caller.in_group(egid)) {
                return Err(ApiError::api("EGID is not in user group list"));
            }
        } else if caller.uid == uid && caller.groups.iter().copied().collect::<BTreeSet<_>>() != user.groups {
            return Err(ApiError::api("Cannot create a full token with a specific group token"));
        }
        let user = get_mut::<User>(cloud, uid)?;
        user.login_tokens.retain(|tk| tk.is_valid_at(t));
        if user.login_tokens.len() >= MAX_TOKENS {
            return Err(ApiError::api("Max number of tokens limit reached."));
        }
        let value = if token.is_empty() { fresh.clone() } else { token.clone() };
        let digest = auth::sha256_hex(&value);
        user.login_tokens.retain(|tk| tk.hash != digest);
        user.login_tokens.push(LoginToken {
            hash: digest,
            expiration: if valid == -1 { -1 } else { t + valid as i64 },
            egid,
        });
        user.login_tokens.sort_by(|a, b| a.hash.cmp(&b.hash));
        Ok(Reply::Str(value))
    })
}

fn user_chgrp(core: &Core, req: &mut Request) -> ApiResult<Reply> {
    let id = req.args.int(1)?;
    let gid = req.args.int(2)?;
    core.mutate(req, |cloud, caller| {
        if gid < 0 {
            return Err(ApiError::with_id(ErrorCode::XmlRpcApi, "Wrong group ID", id));
        }
        let user = get::<User>(cloud, id)?;
        let group = get::<Group>(cloud, gid)?;
        get_for::<User>(cloud, caller, id, AuthOp::Manage)?;
        generic::authorize(cloud, caller, &group.auth(), AuthOp::Use)?;
        if id == 0 {
            return Err(ApiError::with_id(
                ErrorCode::Internal,
                "user [0] oneadmin cannot be moved outside of the group [0] oneadmin",
                id,
            ));
        }
        if user.gid == gid {
            return Ok(Reply::Id(id));
        }
        let old = user.gid;
        let was_secondary = user.groups.contains(&gid);
        let gname = group.name.clone();
        let user = get_mut::<User>(cloud, id)?;
        user.gid = gid;
        user.gname = gname;
        user.groups.insert(gid);
        if !was_secondary {
            user.groups.remove(&old);
        }
        user.auth_epoch += 1;
        if !was_secondary && let Some(g) = cloud.groups.get_mut(old) {
            g.users.remove(&id);
        }
        if let Some(g) = cloud.groups.get_mut(gid) {
            g.users.insert(id);
        }
        Ok(Reply::Id(id))
    })
}

fn user_addgroup(core: &Core, req: &mut Request) -> ApiResult<Reply> {
    let id = req.args.int(1)?;
    let gid = req.args.int(2)?;
    core.mutate(req, |cloud, caller| {
        let group = get::<Group>(cloud, gid)?;
        get_for::<User>(cloud, caller, id, AuthOp::Manage)?;
        generic::authorize(cloud, caller, &group.auth(), AuthOp::Manage)?;
        let user = get_mut::<User>(cloud, id)?;
        if !user.groups.insert(gid) {
            return Err(ApiError::with_id(ErrorCode::Action, "User is already in this group", id));
        }
        user.auth_epoch += 1;
        if let Some(g) = cloud.groups.get_mut(gid) {
            g.users.insert(id);
        }
        Ok(Reply::Id(id))
    })
}

fn user_delgroup(core: &Core, req: &mut Request) -> ApiResult<Reply> {
    let id = req.args.int(1)?;
    let gid = req.args.int(2)?;
    core.mutate(req, |cloud, caller| {
        let group = get::<Group>(cloud, gid)?;
        let user = get_for::<User>(cloud, caller, id, AuthOp::Manage)?;
        generic::authorize(cloud, caller, &group.auth(), AuthOp::Manage)?;
        if user.gid == gid {
            return Err(ApiError::with_id(ErrorCode::Action, "Cannot remove user from the primary group", id));
        }
        if !user.groups.contains(&gid) {
            return Err(ApiError::with_id(ErrorCode::Action, "User is not part of this group", id));
        }
        let user = get_mut::<User>(cloud, id)?;
        user.groups.remove(&gid);
        user.auth_epoch += 1;
        if let Some(g) = cloud.groups.get_mut(gid) {
            g.users.remove(&id);
            g.admins.remove(&id);
        }
        Ok(Reply::Id(id))
    })
}

fn user_enable(core: &Core, req: &mut Request) -> ApiResult<Reply> {
    let id = req.args.int(1)?;
    let enable = req.args.bool(2)?;
    core.mutate(req, |cloud, caller| {
        get_for::<User>(cloud, caller, id, AuthOp::Admin)?;
        if id == 0 {
            return Err(ApiError::with_id(ErrorCode::Action, "Cannot enable/disable oneadmin user", id));
        }
        let user = get_mut::<User>(cloud, id)?;
        user.enabled = enable;
        user.auth_epoch += 1;
        Ok(Reply::Id(id))
    })
}

/// Deletes the ACL rules `matches` selects.
fn remove_rules(cloud: &mut Cloud, matches: impl Fn(&AclRule) -> bool) {
    let ids: Vec<i32> = cloud.acls.iter().filter(|r| matches(r)).map(|r| r.oid).collect();
    for id in ids {
        cloud.acls.remove(id);
    }
}

/// Adds a rule unless an identical grant exists.
fn add_rule(cloud: &mut Cloud, mut rule: AclRule) {
    if !acl::is_duplicate(cloud.acls.iter(), &rule) {
        cloud.acls.allocate(|oid| {
            rule.oid = oid;
            rule
        });
    }
}

fn group_allocate(core: &Core, req: &mut Request) -> ApiResult<Reply> {
    let name = req.args.string(1)?.to_string();
    core.mutate(req, |cloud, caller| {
        generic::authorize_create::<Group>(cloud, caller)?;
        if let Some(m) = generic::new_name_problem::<Group>(cloud, -1, &name) {
            return Err(ApiError::internal(m));
        }
        let oid = cloud.groups.allocate(|oid| Group {
            oid,
            name: name.clone(),
            users: BTreeSet::new(),
            admins: BTreeSet::new(),
            template: Template::new(),
        });
        // The default VDC grants every group the use of its hosts, networks and datastores.
        for rule in acl::vdc_group_rules(oid) {
            add_rule(cloud, rule);
        }
        tracing::info!(gid = oid, "group {name} created");
        Ok(Reply::Id(oid))
    })
}

fn group_delete(core: &Core, req: &mut Request) -> ApiResult<Reply> {
    let id = req.args.int(1)?;
    core.mutate(req, |cloud, caller| {
        let group = get_for::<Group>(cloud, caller, id, AuthOp::Admin)?;
        if id < 100 {
            return Err(ApiError::with_id(
                ErrorCode::Action,
                "Cannot delete group. System Groups (ID < 100) cannot be deleted.",
                id,
            ));
        }
        if !group.users.is_empty() {
            return Err(ApiError::with_id(
                ErrorCode::Action,
                format!("Cannot delete group. Group {id} is not empty."),
                id,
            ));
        }
        let gbit = acl::GROUP_ID | id as u64;
        remove_rules(cloud, |r| r.user == gbit || (r.resource & 0x0000_000F_FFFF_FFFF) == gbit);
        cloud.groups.remove(id);
        tracing::info!(gid = id, "group deleted");
        Ok(Reply::Id(id))
    })
}

fn group_info(core: &Core, req: &mut Request) -> ApiResult<Reply> {
    let mut id = req.args.int(1)?;
    if id == -1 {
        id = req.caller.gid;
    }
    let cloud = core.cloud.read();
    let g = get_for_nolock::<Group>(&cloud, &req.caller, id, AuthOp::Use)?;
    Ok(Reply::Str(g.to_xml()))
}

/// The four rules that make a user an administrator of a group.
fn group_admin_rules(gid: i32, uid: i32) -> Vec<AclRule> {
    let types = |names: &[&str]| {
        names.iter().fold(0u64, |acc, n| acc | acl::TYPES.iter().find(|(t, _)| t == n).map(|(_, b)| *b).unwrap_or(0))
    };
    let user = acl::INDIVIDUAL_ID | uid as u64;
    vec![
        AclRule {
            oid: -1,
            user,
            resource: types(&["USER"]) | acl::GROUP_ID | gid as u64,
            rights: 0xF,
            zone: acl::ALL_ID,
        },
        AclRule {
            oid: -1,
            user,
            resource: types(&[
                "VM",
                "NET",
                "IMAGE",
                "TEMPLATE",
                "DOCUMENT",
                "SECGROUP",
                "VROUTER",
                "VMGROUP",
                "BACKUPJOB",
            ]) | acl::GROUP_ID
                | gid as u64,
            rights: 0x3,
            zone: acl::ALL_ID,
        },
        AclRule { oid: -1, user, resource: types(&["VROUTER"]) | acl::ALL_ID, rights: 0x8, zone: acl::ALL_ID },
        AclRule {
            oid: -1,
            user,
            resource: types(&["GROUP"]) | acl::INDIVIDUAL_ID | gid as u64,
            rights: 0x2,
            zone: acl::ALL_ID,
        },
    ]
}

fn group_addadmin(core: &Core, req: &mut Request) -> ApiResult<Reply> {
    let gid = req.args.int(1)?;
    let uid = req.args.int(2)?;
    core.mutate(req, |cloud, caller| {
        let group = get_for::<Group>(cloud, caller, gid, AuthOp::Admin)?;
        let user = get_for::<User>(cloud, caller, uid, AuthOp::Admin)?;
        if !user.groups.contains(&gid) {
            return Err(ApiError::with_id(
                ErrorCode::Internal,
                format!("Cannot edit group. User {uid} is not part of Group {gid}."),
                gid,
            ));
        }
        if group.admins.contains(&uid) {
            return Err(ApiError::with_id(
                ErrorCode::Internal,
                format!("Cannot edit group. User {uid} is already an administrator of Group {gid}."),
                gid,
            ));
        }
        get_mut::<Group>(cloud, gid)?.admins.insert(uid);
        for rule in group_admin_rules(gid, uid) {
            add_rule(cloud, rule);
        }
        Ok(Reply::Id(gid))
    })
}

fn group_deladmin(core: &Core, req: &mut Request) -> ApiResult<Reply> {
    let gid = req.args.int(1)?;
    let uid = req.args.int(2)?;
    core.mutate(req, |cloud, caller| {
        let group = get_for::<Group>(cloud, caller, gid, AuthOp::Admin)?;
        get_for::<User>(cloud, caller, uid, AuthOp::Admin)?;
        if !group.admins.contains(&uid) {
            return Err(ApiError::with_id(
                ErrorCode::Internal,
                format!("Cannot edit group. User {uid} is not an administrator of Group {gid}."),
                gid,
            ));
        }
        get_mut::<Group>(cloud, gid)?.admins.remove(&uid);
        let rules = group_admin_rules(gid, uid);
        remove_rules(cloud, |r| {
            rules
                .iter()
                .any(|x| x.user == r.user && x.resource == r.resource && x.rights == r.rights && x.zone == r.zone)
        });
        Ok(Reply::Id(gid))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_rules() {
        assert!(password_problem("good").is_none());
        assert_eq!(password_problem("").as_deref(), Some("Invalid password, it cannot be empty"));
        assert_eq!(password_problem("a b").as_deref(), Some("Invalid password, character ' ' is not allowed"));
        assert!(password_problem(&"x".repeat(257)).unwrap().contains("256 bytes"));
    }

    #[test]
    fn admin_rules_match_opennebula_strings() {
        let r = group_admin_rules(100, 7);
        assert_eq!(r[0].to_rule_string(), "#7 USER/@100 USE+MANAGE+ADMIN+CREATE *");
        assert_eq!(r[3].to_rule_string(), "#7 GROUP/#100 MANAGE *");
    }
}

//! Operations every object kind shares: info, pool listings, rename, update, chown, chmod, lock,
//! unlock. Each kind implements [`ApiObject`] to say where its pool is and which parts of it these
//! operations touch. Messages and codes follow OpenNebula 7.4's `SharedAPI`.

use super::{Mutate, Reply, Request};
pub use crate::access::{
    ApiObject, authorize, authorize_create, check_lock, get, get_for, get_for_nolock, get_mut, new_name_problem,
    new_ownership, visible,
};
use crate::auth::Caller;
use crate::authz;
use crate::cloud::Cloud;
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::objects::{Lock, PoolObject, check_name_with, now};
use crate::perms::AuthOp;
use libone::template::{Attribute, Template};
use std::sync::Arc;

/// `one.<obj>.info(id)`.
pub fn info<T: ApiObject>(core: &super::Core, req: &mut Request) -> ApiResult<Reply> {
    let id = req.args.int(1)?;
    let cloud = core.cloud.read();
    let obj = get_for_nolock::<T>(&cloud, &req.caller, id, AuthOp::Use)?;
    Ok(Reply::Str(obj.to_xml()))
}

/// `filter, start, end` of a pool listing (`PoolSharedAPI`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PoolFilter {
    pub filter: i32,
    pub start: i32,
    pub end: i32,
}

impl PoolFilter {
    pub const ALL: PoolFilter = PoolFilter { filter: -2, start: -1, end: -1 };

    /// Reads the three arguments at positions 1..=3, each optional (-2, -1, -1).
    pub fn from_args(req: &Request) -> ApiResult<PoolFilter> {
        let f = PoolFilter {
            filter: req.args.opt_int(1, -2)?,
            start: req.args.opt_int(2, -1)?,
            end: req.args.opt_int(3, -1)?,
        };
        f.check()?;
        Ok(f)
    }

    pub fn check(&self) -> ApiResult<()> {
        if self.filter < -4 {
            return Err(ApiError::api("Incorrect filter_flag"));
        }
        Ok(())
    }

    /// True if the owner filter keeps an object owned by `uid`/`gid`, for `caller`.
    pub fn owner_matches(&self, caller: &Caller, uid: i32, gid: i32) -> bool {
        match self.filter {
            -4 => gid == caller.gid,
            -3 => uid == caller.uid,
            -2 => true,
            -1 => uid == caller.uid || caller.in_group(gid),
            n => uid == n,
        }
    }
}

/// The ids a pool listing returns: owner filter, visibility, id range and paging, in the
/// configured order. `keep` adds kind-specific conditions (the VM state filter).
pub fn list_ids<T: ApiObject>(cloud: &Cloud, caller: &Caller, f: PoolFilter, keep: impl Fn(&T) -> bool) -> Vec<i32> {
    let pool = T::pool(cloud);
    let wanted = |o: &&T| -> bool {
        if !keep(o) {
            return false;
        }
        let a = o.auth();
        (!T::FILTERED_LIST || f.owner_matches(caller, a.uid, a.gid)) && visible(cloud, caller, &a)
    };
    // end < -1 pages (offset = start, limit = -end); otherwise a start id bounds the ids,
    // and an end id counts only together with a start id (`PoolSQL::oid_filter`).
    let (lo, hi, offset, limit) = if f.end < -1 {
        (i32::MIN, i32::MAX, f.start.max(0) as usize, (-(f.end as i64)) as usize)
    } else if f.start >= 0 {
        (f.start, if f.end >= 0 { f.end } else { i32::MAX }, 0, usize::MAX)
    } else {
        (i32::MIN, i32::MAX, 0, usize::MAX)
    };
    if lo > hi {
        return Vec::new();
    }
    let in_range = pool.range(lo, hi);
    if list_desc(cloud, caller) {
        in_range.rev().filter(wanted).skip(offset).take(limit).map(|o| o.oid()).collect()
    } else {
        in_range.filter(wanted).skip(offset).take(limit).map(|o| o.oid()).collect()
    }
}

/// The listing order for `caller`: `OPENNEBULA = [ API_LIST_ORDER = ... ]` in the user's
/// template, else in the primary group's, else oned.conf's `API_LIST_ORDER`.
pub fn list_desc(cloud: &Cloud, caller: &Caller) -> bool {
    let from = |t: Option<&Template>| {
        t.and_then(|t| t.vector("OPENNEBULA"))
            .and_then(|v| v.get("API_LIST_ORDER"))
            .map(|o| !o.trim().eq_ignore_ascii_case("ASC"))
    };
    from(cloud.users.get(caller.uid).map(|u| &u.template))
        .or_else(|| from(cloud.groups.get(caller.gid).map(|g| &g.template)))
        .unwrap_or(cloud.settings.list_desc)
}

/// Deletes the ACL rules that name exactly this object (`<TYPE>/#<oid>`), as OpenNebula does
/// when the object is deleted.
pub fn remove_object_rules(cloud: &mut Cloud, kind: crate::objects::ObjectKind, oid: i32) {
    cloud.remove_object_rules(kind, oid);
}

/// [`list_ids`] as cached, escaped pool-listing bodies.
pub fn list<T: ApiObject>(cloud: &Cloud, caller: &Caller, f: PoolFilter, keep: impl Fn(&T) -> bool) -> Vec<Arc<str>> {
    let pool = T::pool(cloud);
    list_ids(cloud, caller, f, keep).into_iter().filter_map(|id| pool.pool_xml_escaped(id)).collect()
}

/// `one.<obj>pool.info(filter, start, end)`.
pub fn pool_info<T: ApiObject>(core: &super::Core, req: &mut Request) -> ApiResult<Reply> {
    let f = if T::FILTERED_LIST { PoolFilter::from_args(req)? } else { PoolFilter::ALL };
    let cloud = core.cloud.read();
    let parts = list::<T>(&cloud, &req.caller, f, |_| true);
    drop(cloud);
    Ok(Reply::pool(&format!("<{}>", T::POOL_ROOT), parts, &format!("{}</{}>", T::POOL_TAIL, T::POOL_ROOT)))
}

/// `one.<obj>.rename(id, name)`.
pub fn rename<T: ApiObject>(core: &super::Core, req: &mut Request) -> ApiResult<Reply> {
    let id = req.args.int(1)?;
    let name = req.args.string(2)?.to_string();
    core.mutate(req, |cloud, caller| {
        let obj = get_for::<T>(cloud, caller, id, T::EDIT_OP)?;
        if obj.name() == name {
            return Ok(Reply::Id(id));
        }
        check_name_with(&name, T::NAME_RULES).map_err(|m| ApiError::with_id(ErrorCode::Action, m, id))?;
        if let Some((scope, _)) = obj.name_key()
            && let Some(other) = T::pool(cloud).lookup_name(scope, &name)
        {
            let what = T::KIND.object_name().0;
            return Err(ApiError::with_id(
                ErrorCode::Action,
                format!("{what} cannot be renamed to {name} because it collides with {what} {other}"),
                id,
            ));
        }
        get_mut::<T>(cloud, id)?.set_name(name);
        T::after_rename(cloud, id);
        Ok(Reply::Id(id))
    })
}

/// Parses a template argument; `Parse error: …` on failure.
pub fn parse_template(text: &str) -> Result<Template, String> {
    Template::parse_str_or_xml(text).map_err(|e| {
        if text.starts_with('<') {
            format!("Parse error: XML Template malformed. ({e})")
        } else {
            format!("Parse error: {e}")
        }
    })
}

/// Does `t` hold the restricted name `r` (`NAME` or `VECTOR/SUB`)?
fn holds(t: &Template, r: &str) -> bool {
    match r.split_once('/') {
        None => t.contains(r),
        Some((vec, sub)) => t.vectors(vec).any(|v| v.get(sub).is_some()),
    }
}

/// The first restricted attribute `t` holds, named as OpenNebula names it (the sub-attribute for
/// vector entries).
pub fn restricted_attr<'a>(t: &Template, restricted: &'a [String]) -> Option<&'a str> {
    restricted.iter().find(|r| holds(t, r)).map(|r| r.split_once('/').map(|(_, sub)| sub).unwrap_or(r.as_str()))
}

/// AUTHORIZATION `<what> includes a restricted attribute <A>` for non-admins.
pub fn check_restricted(caller: &Caller, t: &Template, restricted: &[String], what: &str) -> ApiResult<()> {
    if caller.is_admin() {
        return Ok(());
    }
    match restricted_attr(t, restricted) {
        Some(a) => Err(ApiError::new(
            ErrorCode::Authorization,
            format!("User [{}] : {what} includes a restricted attribute {a}.", caller.uid),
        )),
        None => Ok(()),
    }
}

/// The values of restricted name `r` in `t`, for comparing old and new templates.
fn restricted_values(t: &Template, r: &str) -> Vec<Attribute> {
    match r.split_once('/') {
        None => t.get_all(r).cloned().collect(),
        Some((vec, sub)) => t
            .vectors(vec)
            .filter_map(|v| v.get(sub).map(|x| Attribute::Single { name: r.to_string(), value: x.to_string() }))
            .collect(),
    }
}

/// Applies an update by a user outside the oneadmin group: restricted attributes may not change;
/// a restricted single attribute left out of a replace is copied back from the old template.
pub fn restricted_update(
    old: &Template,
    new: &mut Template,
    restricted: &[String],
    append: bool,
) -> Result<(), String> {
    for r in restricted {
        let name = r.split_once('/').map(|(v, _)| v).unwrap_or(r);
        if append && !new.contains(name) {
            continue;
        }
        let before = restricted_values(old, r);
        let after = restricted_values(new, r);
        if !r.contains('/') && after.is_empty() && !before.is_empty() && !append {
            for a in old.get_all(r) {
                new.push(a.clone());
            }
            continue;
        }
        if before != after {
            return Err(if append {
                format!("User Template includes a restricted attribute {name}")
            } else {
                format!("Tried to change restricted attribute: {name}")
            });
        }
    }
    Ok(())
}

/// `one.<obj>.update(id, template, append)`: 0 replaces the template, 1 merges into it.
pub fn update<T: ApiObject>(core: &super::Core, req: &mut Request) -> ApiResult<Reply> {
    update_with::<T>(core, req, ErrorCode::Internal, "Cannot update template. ")
}

/// [`update`] with the code and prefix of parse errors (VMs answer ACTION without a prefix).
pub fn update_with<T: ApiObject>(
    core: &super::Core,
    req: &mut Request,
    parse_code: ErrorCode,
    prefix: &str,
) -> ApiResult<Reply> {
    let id = req.args.int(1)?;
    let text = req.args.string(2)?;
    let append = req.args.opt_int(3, 0)?;
    core.mutate(req, |cloud, caller| {
        get_for::<T>(cloud, caller, id, T::EDIT_OP)?;
        if append != 0 && append != 1 {
            return Err(ApiError::with_id(ErrorCode::XmlRpcApi, "Wrong update type", id));
        }
        let mut new = parse_template(text).map_err(|m| ApiError::with_id(parse_code, format!("{prefix}{m}"), id))?;
        if !caller.is_admin() {
            let old = get::<T>(cloud, id)?.editable_template();
            restricted_update(old, &mut new, T::restricted(cloud), append == 1)
                .map_err(|m| ApiError::with_id(ErrorCode::Internal, format!("Cannot update template. {m}"), id))?;
        }
        let obj = get_mut::<T>(cloud, id)?;
        let t = obj.editable_template_mut();
        let old = if append == 1 {
            let old = t.clone();
            // An empty vector `X = [ ]` in merge mode deletes X.
            let drop: Vec<String> = new
                .iter()
                .filter(|a| a.as_vector().is_some_and(|v| v.is_empty()))
                .map(|a| a.name().to_string())
                .collect();
            new.retain(|a| !drop.iter().any(|d| d == a.name()));
            for d in &drop {
                t.remove(d);
            }
            t.merge(new);
            old
        } else {
            std::mem::replace(t, new)
        };
        T::after_update_in(cloud, id, old)
            .map_err(|m| ApiError::with_id(ErrorCode::Internal, format!("Cannot update template. {m}"), id))?;
        Ok(Reply::Id(id))
    })
}

/// `one.<obj>.chown(id, uid, gid)`: -1 (or the current value) leaves either unchanged.
pub fn chown<T: ApiObject>(core: &super::Core, req: &mut Request) -> ApiResult<Reply> {
    let id = req.args.int(1)?;
    let new_uid = req.args.int(2)?;
    let new_gid = req.args.int(3)?;
    core.mutate(req, |cloud, caller| {
        chown_in::<T>(cloud, caller, id, new_uid, new_gid)?;
        Ok(Reply::Id(id))
    })
}

/// The body of chown, for the kinds that have an owner.
pub fn chown_in<T: ApiObject>(
    cloud: &mut Cloud,
    caller: &Caller,
    id: i32,
    new_uid: i32,
    new_gid: i32,
) -> ApiResult<()> {
    let obj = get::<T>(cloud, id)?;
    let auth = obj.auth();
    let new_uid = if new_uid == auth.uid { -1 } else { new_uid };
    let new_gid = if new_gid == auth.gid { -1 } else { new_gid };
    if new_uid < 0 && new_gid < 0 {
        return Ok(());
    }
    let new_user = if new_uid >= 0 {
        Some(
            cloud
                .users
                .get(new_uid)
                .ok_or_else(|| ApiError::no_exists(crate::objects::ObjectKind::User.object_name(), new_uid))?,
        )
    } else {
        None
    };
    let new_group = if new_gid >= 0 {
        Some(
            cloud
                .groups
                .get(new_gid)
                .ok_or_else(|| ApiError::no_exists(crate::objects::ObjectKind::Group.object_name(), new_gid))?,
        )
    } else {
        None
    };
    check_lock(caller, obj, AuthOp::Manage)?;
    authorize(cloud, caller, &auth, AuthOp::Manage)?;
    if let Some(u) = new_user {
        authorize(cloud, caller, &u.auth(), AuthOp::Manage)?;
    }
    if let Some(g) = new_group {
        authorize(cloud, caller, &g.auth(), AuthOp::Use)?;
    }
    // Names stay unique per owner.
    if let (Some(u), Some((scope, name))) = (new_user, obj.name_key())
        && scope >= 0
        && T::pool(cloud).lookup_name(u.oid, &name).is_some()
    {
        return Err(ApiError::with_id(
            ErrorCode::Internal,
            format!("user [{}] already owns {} [{id}] with NAME {name}", u.oid, T::KIND.object_name().0),
            id,
        ));
    }
    let uname = new_user.map(|u| u.name.clone());
    let gname = new_group.map(|g| g.name.clone());
    if let Some(o) = get_mut::<T>(cloud, id)?.ownership_mut() {
        if let Some(n) = uname {
            o.uid = new_uid;
            o.uname = n;
        }
        if let Some(n) = gname {
            o.gid = new_gid;
            o.gname = n;
        }
    }
    Ok(())
}

/// `one.<obj>.chmod(id, 9 × bit)`: -1 leaves a bit unchanged; changing an ADMIN bit needs ADMIN.
pub fn chmod<T: ApiObject>(core: &super::Core, req: &mut Request) -> ApiResult<Reply> {
    let id = req.args.int(1)?;
    let mut bits = [0i32; 9];
    for (i, b) in bits.iter_mut().enumerate() {
        *b = req.args.int(2 + i)?;
    }
    core.mutate(req, |cloud, caller| {
        let obj = get::<T>(cloud, id)?;
        let current = obj.auth().perms;
        let cur_admin = [current.owner.a, current.group.a, current.other.a];
        let changes_admin = [bits[2], bits[5], bits[8]].iter().zip(cur_admin).any(|(b, c)| *b != -1 && (*b != 0) != c);
        let op = if changes_admin { AuthOp::Admin } else { AuthOp::Manage };
        get_for::<T>(cloud, caller, id, op)?;
        if bits.iter().any(|b| !(-1..=1).contains(b)) {
            return Err(ApiError::with_id(ErrorCode::Internal, "New permission values must be -1, 0 or 1", id));
        }
        if let Some(o) = get_mut::<T>(cloud, id)?.ownership_mut() {
            o.perms.apply_chmod(bits);
        }
        Ok(Reply::Id(id))
    })
}

/// `one.<obj>.lock(id, level, test)`: levels 1 USE, 2 MANAGE, 3 ADMIN, 4 ALL.
pub fn lock<T: ApiObject>(core: &super::Core, req: &mut Request) -> ApiResult<Reply> {
    let id = req.args.int(1)?;
    let level = req.args.opt_int(2, 4)?;
    let test = req.args.opt_bool(3, false)?;
    let rid = (req.id % 10_000) as i32;
    core.mutate(req, |cloud, caller| {
        let obj = get_for_nolock::<T>(cloud, caller, id, AuthOp::Manage)?;
        if !(1..=4).contains(&level) {
            return Err(ApiError::with_id(ErrorCode::Action, "Wrong lock level specified", id));
        }
        if let Some(l) = obj.lock() {
            if test {
                return Err(ApiError::with_id(ErrorCode::Action, l.time.to_string(), id));
            }
            if l.owner != caller.uid && !caller.is_admin() {
                return Err(ApiError::with_id(ErrorCode::Action, "Error trying to lock the resource.", id));
            }
        }
        let lock = Lock { level: authz::stored_lock_level(level), owner: caller.uid, time: now(), req_id: rid };
        match get_mut::<T>(cloud, id)?.lock_mut() {
            Some(slot) => {
                *slot = Some(lock);
                Ok(Reply::Id(id))
            }
            None => Err(ApiError::with_id(
                ErrorCode::Authorization,
                format!("User [{}] : Object cannot be locked.", caller.uid),
                id,
            )),
        }
    })
}

/// `one.<obj>.unlock(id)`: administrators unlock anything, others only their own locks.
pub fn unlock<T: ApiObject>(core: &super::Core, req: &mut Request) -> ApiResult<Reply> {
    let id = req.args.int(1)?;
    core.mutate(req, |cloud, caller| {
        let obj = get_for_nolock::<T>(cloud, caller, id, AuthOp::Manage)?;
        let owner = obj.lock().map(|l| l.owner).unwrap_or(-1);
        if !caller.is_admin() && owner != caller.uid {
            return Err(ApiError::with_id(ErrorCode::Action, "Cannot unlock: Lock is owned by another user", id));
        }
        if let Some(slot) = get_mut::<T>(cloud, id)?.lock_mut() {
            *slot = None;
        }
        Ok(Reply::Id(id))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Template {
        Template::parse_text(s).unwrap()
    }

    #[test]
    fn restricted_names() {
        let r = vec!["NIC/MAC".to_string(), "RAW".to_string()];
        assert_eq!(restricted_attr(&t("NIC = [ MAC = \"02:00:00:00:00:01\" ]"), &r), Some("MAC"));
        assert_eq!(restricted_attr(&t("RAW = \"x\""), &r), Some("RAW"));
        assert_eq!(restricted_attr(&t("NIC = [ NETWORK = \"n\" ]\nCPU = 1"), &r), None);
    }

    #[test]
    fn restricted_update_rules() {
        let r = vec!["RAW".to_string(), "NIC/MAC".to_string()];
        let old = t("RAW = \"a\"\nNIC = [ MAC = \"m\" ]\nX = 1");
        // Replace without RAW: copied back.
        let mut new = t("NIC = [ MAC = \"m\" ]\nX = 2");
        restricted_update(&old, &mut new, &r, false).unwrap();
        assert_eq!(new.get("RAW"), Some("a"));
        // Changing a restricted value is refused, naming the vector.
        let mut new = t("RAW = \"a\"\nNIC = [ MAC = \"other\" ]");
        assert_eq!(
            restricted_update(&old, &mut new, &r, false).unwrap_err(),
            "Tried to change restricted attribute: NIC"
        );
        let mut new = t("RAW = \"b\"");
        assert_eq!(
            restricted_update(&old, &mut new, &r, true).unwrap_err(),
            "User Template includes a restricted attribute RAW"
        );
        // Merging unrelated attributes is fine.
        let mut new = t("X = 3");
        assert!(restricted_update(&old, &mut new, &r, true).is_ok());
    }

    #[test]
    fn pool_filter_owner_rules() {
        let c = Caller {
            uid: 5,
            gid: 1,
            groups: vec![1, 100],
            uname: "u".into(),
            gname: "users".into(),
            umask: 0o177,
            scheduler: false,
        };
        let f = |filter| PoolFilter { filter, start: -1, end: -1 };
        assert!(f(-3).owner_matches(&c, 5, 0));
        assert!(!f(-3).owner_matches(&c, 6, 1));
        assert!(f(-1).owner_matches(&c, 6, 100));
        assert!(!f(-4).owner_matches(&c, 6, 100));
        assert!(f(-4).owner_matches(&c, 6, 1));
        assert!(f(6).owner_matches(&c, 6, 0));
        assert!(f(-5).check().is_err());
    }
}

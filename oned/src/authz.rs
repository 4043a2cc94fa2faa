//! Authorization: may this caller perform this operation on this object?
//!
//! OpenNebula's rule (`AuthRequest`, `AclManager::authorize`): members of the oneadmin group may
//! do anything; otherwise the object's permission bits are checked for the owner, then the group,
//! then others, and if none grants the operation an ACL rule must. Creation is granted by ACL
//! rules only.

use crate::acl::AclRule;
use crate::auth::Caller;
use crate::error::{ApiError, ErrorCode};
use crate::objects::{Lock, ObjectAuth, ObjectKind};
use crate::perms::AuthOp;

/// True if `caller` may perform `op` on the object.
pub fn allowed<'a>(caller: &Caller, obj: &ObjectAuth, op: AuthOp, acls: impl IntoIterator<Item = &'a AclRule>) -> bool {
    if caller.is_admin() {
        return true;
    }
    if op != AuthOp::Create {
        let p = obj.perms;
        if (obj.uid == caller.uid && p.owner.allows(op))
            || (caller.in_group(obj.gid) && p.group.allows(op))
            || p.other.allows(op)
        {
            return true;
        }
    }
    acls.into_iter().any(|r| r.grants(caller.uid, &caller.groups, obj, op))
}

/// The AUTHORIZATION error OpenNebula returns, naming the operation and object.
pub fn denied(caller: &Caller, obj: &ObjectAuth, op: AuthOp) -> ApiError {
    let what = if op == AuthOp::Create || obj.oid < 0 {
        obj.kind.auth_name().to_string()
    } else {
        format!("{} [{}]", obj.kind.auth_name(), obj.oid)
    };
    ApiError::with_id(
        ErrorCode::Authorization,
        format!("User [{}] : Not authorized to perform {} {}.", caller.uid, op.name(), what),
        obj.oid,
    )
}

/// Authorization facts for creating an object of `kind` (no id yet).
pub fn creation(kind: ObjectKind, caller: &Caller, clusters: Vec<i32>) -> ObjectAuth {
    ObjectAuth { kind, oid: -1, uid: caller.uid, gid: caller.gid, perms: Default::default(), clusters }
}

/// Lock levels as the API names them: 1 USE, 2 MANAGE, 3 ADMIN, 4 ALL (stored as USE).
pub fn lock_level_name(level: i32) -> &'static str {
    match level {
        1 => "USE",
        2 => "MANAGE",
        3 => "ADMIN",
        4 => "ALL",
        _ => "NONE",
    }
}

/// The level stored for an API lock level (ALL is stored as USE, which blocks everything).
pub fn stored_lock_level(api_level: i32) -> i32 {
    if api_level == 4 { 1 } else { api_level }
}

/// True if a lock forbids an operation needing `op` (OpenNebula: `LOCKED <= op` with USE 1,
/// MANAGE 2, ADMIN 4, CREATE 8). So USE locks block every operation, MANAGE locks block MANAGE
/// and ADMIN, ADMIN locks block ADMIN. Info, lock and unlock never check locks.
pub fn lock_blocks(lock: &Lock, op: AuthOp) -> bool {
    let op_value = match op {
        AuthOp::Use => 1,
        AuthOp::Manage => 2,
        AuthOp::Admin => 4,
        AuthOp::Create => 8,
    };
    lock.level > 0 && lock.level <= op_value
}

/// The error for an operation refused by a lock: administrators are told the object is locked,
/// others get the ordinary authorization text (OpenNebula 7.4 answers AUTHORIZATION, not LOCKED).
pub fn denied_locked(caller: &Caller, obj: &ObjectAuth, op: AuthOp) -> ApiError {
    if caller.is_admin() {
        ApiError::with_id(
            ErrorCode::Authorization,
            format!("User [{}] : {} is locked. [{}].", caller.uid, obj.kind.auth_name(), obj.oid),
            obj.oid,
        )
    } else {
        denied(caller, obj, op)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::acl::default_rules;
    use crate::perms::Permissions;

    fn caller(uid: i32, groups: &[i32]) -> Caller {
        Caller {
            uid,
            gid: groups[0],
            groups: groups.to_vec(),
            uname: "u".into(),
            gname: "g".into(),
            umask: 0o177,
            scheduler: false,
        }
    }

    fn vm(uid: i32, gid: i32, mode: u32) -> ObjectAuth {
        ObjectAuth { kind: ObjectKind::Vm, oid: 4, uid, gid, perms: Permissions::from_mode(mode), clusters: vec![] }
    }

    #[test]
    fn owner_group_other_bits() {
        let none: Vec<AclRule> = vec![];
        let me = caller(5, &[1]);
        assert!(allowed(&me, &vm(5, 1, 0o600), AuthOp::Manage, &none));
        assert!(!allowed(&me, &vm(5, 1, 0o600), AuthOp::Admin, &none));
        assert!(!allowed(&me, &vm(6, 1, 0o600), AuthOp::Use, &none));
        assert!(allowed(&me, &vm(6, 1, 0o640), AuthOp::Use, &none));
        assert!(!allowed(&me, &vm(6, 1, 0o640), AuthOp::Manage, &none));
        assert!(allowed(&me, &vm(6, 100, 0o604), AuthOp::Use, &none));
        assert!(!allowed(&me, &vm(6, 100, 0o640), AuthOp::Use, &none));
    }

    #[test]
    fn oneadmin_group_bypasses() {
        let none: Vec<AclRule> = vec![];
        assert!(allowed(&caller(9, &[0]), &vm(6, 100, 0o000), AuthOp::Admin, &none));
        assert!(allowed(&caller(0, &[100]), &vm(6, 100, 0o000), AuthOp::Admin, &none));
    }

    #[test]
    fn create_needs_acl() {
        let rules = default_rules();
        let c = creation(ObjectKind::Vm, &caller(5, &[1]), vec![]);
        assert!(allowed(&caller(5, &[1]), &c, AuthOp::Create, &rules));
        assert!(!allowed(&caller(5, &[100]), &c, AuthOp::Create, &rules));
        let h = creation(ObjectKind::Host, &caller(5, &[1]), vec![]);
        assert!(!allowed(&caller(5, &[1]), &h, AuthOp::Create, &rules));
    }

    #[test]
    fn denied_message_names_op_and_object() {
        let e = denied(&caller(5, &[1]), &vm(6, 1, 0o600), AuthOp::Manage);
        match e {
            ApiError::One { code, message, object_id } => {
                assert_eq!(code, ErrorCode::Authorization);
                assert_eq!(message, "User [5] : Not authorized to perform MANAGE VM [4].");
                assert_eq!(object_id, 4);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn lock_levels() {
        let l = |level| Lock { level: stored_lock_level(level), owner: 0, time: 0, req_id: 0 };
        assert!(lock_blocks(&l(1), AuthOp::Use));
        assert!(lock_blocks(&l(1), AuthOp::Admin));
        assert!(!lock_blocks(&l(2), AuthOp::Use));
        assert!(lock_blocks(&l(2), AuthOp::Manage));
        assert!(lock_blocks(&l(2), AuthOp::Admin));
        assert!(!lock_blocks(&l(3), AuthOp::Manage));
        assert!(lock_blocks(&l(3), AuthOp::Admin));
        assert!(lock_blocks(&l(4), AuthOp::Use), "ALL is stored as USE");
    }
}

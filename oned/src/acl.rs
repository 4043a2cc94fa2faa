//! ACL rules: OpenNebula's `user resource rights zone` grants, their 64-bit encoding, their
//! string form (`@1 VM+NET+IMAGE+TEMPLATE/* CREATE #0`) and how a request is matched.
//!
//! Encoding (`include/AclRule.h`, `include/PoolObjectSQL.h`): the low 32 bits hold an id, bits
//! 32–35 say what the id means (`#` individual, `@` group, `*` all, `%` cluster), and in the
//! resource field the bits from 36 up are the object types the rule covers.

use crate::objects::NameKey;
use crate::objects::{ObjectAuth, ObjectKind, PoolObject};
use crate::perms::AuthOp;
use crate::xml;
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;

pub const INDIVIDUAL_ID: u64 = 0x0000_0001_0000_0000;
pub const GROUP_ID: u64 = 0x0000_0002_0000_0000;
pub const ALL_ID: u64 = 0x0000_0004_0000_0000;
pub const CLUSTER_ID: u64 = 0x0000_0008_0000_0000;
const ID_TYPE_MASK: u64 = 0x0000_000F_0000_0000;
const ID_MASK: u64 = 0x0000_0000_FFFF_FFFF;

/// Object type bits, in the order OpenNebula prints them.
pub const TYPES: [(&str, u64); 22] = [
    ("VM", 0x0000_0010_0000_0000),
    ("HOST", 0x0000_0020_0000_0000),
    ("NET", 0x0000_0040_0000_0000),
    ("IMAGE", 0x0000_0080_0000_0000),
    ("USER", 0x0000_0100_0000_0000),
    ("TEMPLATE", 0x0000_0200_0000_0000),
    ("GROUP", 0x0000_0400_0000_0000),
    ("ACL", 0x0000_0800_0000_0000),
    ("DATASTORE", 0x0000_1000_0000_0000),
    ("CLUSTER", 0x0000_2000_0000_0000),
    ("DOCUMENT", 0x0000_4000_0000_0000),
    ("ZONE", 0x0000_8000_0000_0000),
    ("SECGROUP", 0x0001_0000_0000_0000),
    ("VDC", 0x0002_0000_0000_0000),
    ("VROUTER", 0x0004_0000_0000_0000),
    ("MARKETPLACE", 0x0008_0000_0000_0000),
    ("MARKETPLACEAPP", 0x0010_0000_0000_0000),
    ("VMGROUP", 0x0020_0000_0000_0000),
    ("VNTEMPLATE", 0x0040_0000_0000_0000),
    ("HOOK", 0x0080_0000_0000_0000),
    ("BACKUPJOB", 0x0100_0000_0000_0000),
    ("SCHEDULEDACTION", 0x0200_0000_0000_0000),
];
const TYPE_MASK: u64 = 0x03FF_FFF0_0000_0000;

const RIGHTS: [(&str, u64); 4] = [("USE", 0x1), ("MANAGE", 0x2), ("ADMIN", 0x4), ("CREATE", 0x8)];
const RIGHTS_MASK: u64 = 0xF;

/// The local zone's id.
pub const LOCAL_ZONE: u64 = 0;

/// The type bit of one of our object kinds.
pub fn type_bit(kind: ObjectKind) -> u64 {
    let name = kind.auth_name();
    TYPES.iter().find(|(n, _)| *n == name).map(|(_, b)| *b).unwrap_or(0)
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AclRule {
    pub oid: i32,
    pub user: u64,
    pub resource: u64,
    pub rights: u64,
    pub zone: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AclError {
    #[error("Error parsing rule: {0}")]
    Parse(String),
    #[error("{0}")]
    Invalid(String),
}

/// Parses an ACL component sent by `one.acl.addrule`: a hex string with or without `0x`.
pub fn parse_hex(s: &str) -> Result<u64, AclError> {
    let t = s.trim();
    let t = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")).unwrap_or(t);
    u64::from_str_radix(t, 16).map_err(|_| AclError::Parse(format!("{s:?} is not a hexadecimal number")))
}

fn id_str(v: u64) -> String {
    match v & ID_TYPE_MASK {
        INDIVIDUAL_ID => format!("#{}", v & ID_MASK),
        GROUP_ID => format!("@{}", v & ID_MASK),
        ALL_ID => "*".to_string(),
        CLUSTER_ID => format!("%{}", v & ID_MASK),
        _ => "??".to_string(),
    }
}

impl AclRule {
    /// Validates the four fields like OpenNebula's `AclRule::malformed`: every reason, in its
    /// order and words.
    pub fn validate(&self) -> Result<(), AclError> {
        let mut errs: Vec<&str> = Vec::new();
        let neg = |v: u64| ((v & ID_MASK) as u32 as i32) < 0;
        // user
        let u = self.user;
        if u & INDIVIDUAL_ID != 0 && u & GROUP_ID != 0 {
            errs.push("[user] INDIVIDUAL (#) and GROUP (@) bits are exclusive");
        }
        if u & INDIVIDUAL_ID != 0 && u & ALL_ID != 0 {
            errs.push("[user] INDIVIDUAL (#) and ALL (*) bits are exclusive");
        }
        if u & GROUP_ID != 0 && u & ALL_ID != 0 {
            errs.push("[user] GROUP (@) and ALL (*) bits are exclusive");
        }
        if u & (INDIVIDUAL_ID | GROUP_ID | ALL_ID) == 0 {
            errs.push("[user] is missing one of the INDIVIDUAL, GROUP or ALL bits");
        }
        if neg(u) {
            errs.push("[user] ID cannot be negative");
        }
        if u & ALL_ID != 0 && u & ID_MASK != 0 {
            errs.push("when using the ALL bit, [user] ID must be 0");
        }
        // resource
        let r = self.resource;
        let selectors = [INDIVIDUAL_ID, GROUP_ID, CLUSTER_ID, ALL_ID].iter().filter(|b| r & **b != 0).count();
        if selectors > 1 {
            errs.push("[resource] INDIVIDUAL (#), GROUP (@), CLUSTER (%) and ALL (*) bits are exclusive");
        }
        if r & CLUSTER_ID != 0 && r & TYPE_MASK & !(bit("DATASTORE") | bit("HOST") | bit("NET")) != 0 {
            errs.push("[resource] CLUSTER(%) selector can be applied only to DATASTORE, HOST and NET types");
        }
        if r & GROUP_ID != 0 && r & (bit("HOST") | bit("GROUP") | bit("CLUSTER") | bit("ZONE") | bit("VDC")) != 0 {
            errs.push("[resource] GROUP(@) selector cannot be applied to HOST, GROUP, CLUSTER, ZONE or VDC types");
        }
        if selectors == 0 {
            errs.push("[resource] is missing one of the INDIVIDUAL, GROUP, CLUSTER or ALL bits");
        }
        if neg(r) {
            errs.push("[resource] ID cannot be negative");
        }
        if r & ALL_ID != 0 && r & ID_MASK != 0 {
            errs.push("when using the ALL bit, [resource] ID must be 0");
        }
        if r & TYPE_MASK == 0 {
            errs.push("[resource] type is missing");
        }
        if r & 0xFE80_0000_0000_0000 != 0 {
            errs.push("wrong [resource] type");
        }
        // rights
        if self.rights == 0 {
            errs.push("wrong [rights], it cannot be 0");
        }
        if self.rights > RIGHTS_MASK {
            errs.push("wrong [rights], it cannot be bigger than 0xF");
        }
        // zone
        let z = self.zone;
        if z & GROUP_ID != 0 {
            errs.push("[zone] GROUP (@) bit is not supported");
        }
        if z & INDIVIDUAL_ID != 0 && z & ALL_ID != 0 {
            errs.push("[zone] INDIVIDUAL (#) and ALL (*) bits are exclusive");
        }
        if z & (INDIVIDUAL_ID | ALL_ID) == 0 {
            errs.push("[zone] is missing one of the INDIVIDUAL or ALL bits");
        }
        if neg(z) {
            errs.push("[zone] ID cannot be negative");
        }
        if z & ALL_ID != 0 && z & ID_MASK != 0 {
            errs.push("when using the ALL bit, [zone] ID must be 0");
        }
        if r & INDIVIDUAL_ID != 0 && z & ALL_ID != 0 && r & TYPE_MASK & !(bit("USER") | bit("GROUP") | bit("ZONE")) != 0
        {
            errs.push("[resource] INDIVIDUAL(#) selector cannot be applied to ALL zones, except for USER, GROUP and ZONE types");
        }
        if errs.is_empty() { Ok(()) } else { Err(AclError::Invalid(errs.join("; "))) }
    }

    /// The string form, e.g. `@1 VM+NET+IMAGE+TEMPLATE/* CREATE #0`.
    pub fn to_rule_string(&self) -> String {
        let types: Vec<&str> = TYPES.iter().filter(|(_, b)| self.resource & b != 0).map(|(n, _)| *n).collect();
        let rights: Vec<&str> = RIGHTS.iter().filter(|(_, b)| self.rights & b != 0).map(|(n, _)| *n).collect();
        format!(
            "{} {}/{} {} {}",
            id_str(self.user),
            types.join("+"),
            id_str(self.resource),
            rights.join("+"),
            id_str(self.zone)
        )
    }

    fn same_grant(&self, other: &AclRule) -> bool {
        self.user == other.user
            && self.resource == other.resource
            && self.rights == other.rights
            && self.zone == other.zone
    }

    /// True if this rule grants `op` on `obj` to a user `uid` in `groups`.
    pub fn grants(&self, uid: i32, groups: &[i32], obj: &ObjectAuth, op: AuthOp) -> bool {
        if self.rights & op.acl_bit() == 0 {
            return false;
        }
        if !(self.zone & ALL_ID != 0 || self.zone == INDIVIDUAL_ID | LOCAL_ZONE) {
            return false;
        }
        let user_ok = match self.user & ID_TYPE_MASK {
            ALL_ID => true,
            INDIVIDUAL_ID => (self.user & ID_MASK) as i64 == uid as i64,
            GROUP_ID => groups.iter().any(|g| (self.user & ID_MASK) as i64 == *g as i64),
            _ => false,
        };
        if !user_ok || self.resource & type_bit(obj.kind) == 0 {
            return false;
        }
        let id = (self.resource & ID_MASK) as i64;
        match self.resource & ID_TYPE_MASK {
            ALL_ID => true,
            // Creation has no object id yet: only `*` rules grant it by id.
            INDIVIDUAL_ID => op != AuthOp::Create && id == obj.oid as i64,
            GROUP_ID => id == obj.gid as i64,
            CLUSTER_ID => obj.clusters.iter().any(|c| *c as i64 == id),
            _ => false,
        }
    }
}

impl PoolObject for AclRule {
    const KIND: ObjectKind = ObjectKind::Acl;

    fn oid(&self) -> i32 {
        self.oid
    }

    fn name(&self) -> &str {
        ""
    }

    fn name_key(&self) -> Option<NameKey> {
        None
    }

    fn write_xml(&self, out: &mut String) {
        xml::open(out, "ACL");
        xml::num(out, "ID", self.oid);
        let _ = write!(
            out,
            "<USER>{:x}</USER><RESOURCE>{:x}</RESOURCE><RIGHTS>{:x}</RIGHTS><ZONE>{:x}</ZONE>",
            self.user, self.resource, self.rights, self.zone
        );
        xml::text(out, "STRING", &self.to_rule_string());
        xml::close(out, "ACL");
    }
}

/// True if an identical grant already exists.
pub fn is_duplicate<'a>(rules: impl IntoIterator<Item = &'a AclRule>, rule: &AclRule) -> bool {
    rules.into_iter().any(|r| r.same_grant(rule))
}

fn bit(n: &str) -> u64 {
    TYPES.iter().find(|(t, _)| *t == n).map(|(_, b)| *b).unwrap_or(0)
}

/// The three rules the default VDC grants a group: MANAGE hosts, USE networks, USE datastores
/// in the local zone (`@gid HOST/* MANAGE #0`, `@gid NET/* USE #0`, `@gid DATASTORE/* USE #0`).
pub fn vdc_group_rules(gid: i32) -> [AclRule; 3] {
    let user = GROUP_ID | gid as u64;
    let zone = INDIVIDUAL_ID | LOCAL_ZONE;
    [
        AclRule { oid: -1, user, resource: ALL_ID | bit("HOST"), rights: 0x2, zone },
        AclRule { oid: -1, user, resource: ALL_ID | bit("NET"), rights: 0x1, zone },
        AclRule { oid: -1, user, resource: ALL_ID | bit("DATASTORE"), rights: 0x1, zone },
    ]
}

/// The rules OpenNebula 7.4 creates on a new database (ids 0..=5).
pub fn default_rules() -> Vec<AclRule> {
    let create_types = ["VM", "IMAGE", "TEMPLATE", "DOCUMENT", "SECGROUP", "VMGROUP", "BACKUPJOB"]
        .iter()
        .fold(0, |acc, n| acc | bit(n));
    let mut rules = vec![
        // Users in group users can create the standard resources.
        AclRule { oid: 0, user: GROUP_ID | 1, resource: ALL_ID | create_types, rights: 0x8, zone: ALL_ID },
        // Every user can use every zone.
        AclRule { oid: 1, user: ALL_ID, resource: ALL_ID | bit("ZONE"), rights: 0x1, zone: ALL_ID },
        // Every user can use the marketplaces and their apps.
        AclRule {
            oid: 2,
            user: ALL_ID,
            resource: ALL_ID | bit("MARKETPLACE") | bit("MARKETPLACEAPP"),
            rights: 0x1,
            zone: ALL_ID,
        },
    ];
    // The default VDC's grants to group users.
    for (i, mut r) in vdc_group_rules(1).into_iter().enumerate() {
        r.oid = 3 + i as i32;
        rules.push(r);
    }
    rules
}

/// Rules in `acl.info` order: by the signed user value, then by id (insertion order).
pub fn dump_order<'a>(rules: impl IntoIterator<Item = &'a AclRule>) -> Vec<&'a AclRule> {
    let mut v: Vec<&AclRule> = rules.into_iter().collect();
    v.sort_by_key(|r| (r.user as i64, r.oid));
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::perms::Permissions;

    fn vm_auth(oid: i32, gid: i32) -> ObjectAuth {
        ObjectAuth { kind: ObjectKind::Vm, oid, uid: 5, gid, perms: Permissions::default(), clusters: vec![0] }
    }

    #[test]
    fn default_rule_strings() {
        let r = default_rules();
        assert_eq!(r[0].to_rule_string(), "@1 VM+IMAGE+TEMPLATE+DOCUMENT+SECGROUP+VMGROUP+BACKUPJOB/* CREATE *");
        assert_eq!(format!("{:x}", r[0].resource), "121429400000000");
        assert_eq!(r[1].to_rule_string(), "* ZONE/* USE *");
        assert_eq!(r[2].to_rule_string(), "* MARKETPLACE+MARKETPLACEAPP/* USE *");
        assert_eq!(r[3].to_rule_string(), "@1 HOST/* MANAGE #0");
        assert_eq!(r[4].to_rule_string(), "@1 NET/* USE #0");
        assert_eq!(r[5].to_rule_string(), "@1 DATASTORE/* USE #0");
        let order: Vec<i32> = dump_order(r.iter()).iter().map(|r| r.oid).collect();
        assert_eq!(order, [0, 3, 4, 5, 1, 2]);
        for rule in &r {
            assert_eq!(rule.validate(), Ok(()));
        }
    }

    #[test]
    fn grants_by_group_and_type() {
        let r = &default_rules()[0];
        assert!(r.grants(7, &[1], &vm_auth(-1, -1), AuthOp::Create));
        assert!(!r.grants(7, &[100], &vm_auth(-1, -1), AuthOp::Create));
        assert!(!r.grants(7, &[1], &vm_auth(3, 1), AuthOp::Use));
        let host = ObjectAuth { kind: ObjectKind::Host, ..vm_auth(-1, -1) };
        assert!(!r.grants(7, &[1], &host, AuthOp::Create));
    }

    #[test]
    fn individual_and_cluster_resources() {
        let bit_vm = type_bit(ObjectKind::Vm);
        let r = AclRule {
            oid: 9,
            user: INDIVIDUAL_ID | 7,
            resource: bit_vm | INDIVIDUAL_ID | 3,
            rights: 0x2,
            zone: ALL_ID,
        };
        assert!(r.grants(7, &[], &vm_auth(3, 1), AuthOp::Manage));
        assert!(!r.grants(7, &[], &vm_auth(4, 1), AuthOp::Manage));
        assert!(!r.grants(8, &[], &vm_auth(3, 1), AuthOp::Manage));
        assert!(!r.grants(7, &[], &vm_auth(3, 1), AuthOp::Admin));
        let c = AclRule { resource: bit_vm | CLUSTER_ID, ..r.clone() };
        assert!(c.grants(7, &[], &vm_auth(4, 1), AuthOp::Manage));
    }

    #[test]
    fn malformed_rules_are_refused() {
        let bad = AclRule { oid: 0, user: 0, resource: ALL_ID, rights: 0, zone: 0 };
        let err = bad.validate().unwrap_err().to_string();
        assert!(err.contains("[user] is missing one of the INDIVIDUAL, GROUP or ALL bits"), "{err}");
        assert!(err.contains("type is missing"), "{err}");
        assert!(err.contains("wrong [rights], it cannot be 0"), "{err}");
        assert!(err.contains("[zone] is missing one of the INDIVIDUAL or ALL bits"), "{err}");
        assert_eq!(parse_hex("0x10").unwrap(), 16);
        assert_eq!(parse_hex("1F").unwrap(), 31);
        assert!(parse_hex("zz").is_err());
    }
}

//! Groups: members, administrators, template.

use super::NameKey;
use super::user::EMPTY_QUOTAS;
use super::{ObjectAuth, ObjectKind, PoolObject};
use crate::perms::Permissions;
use crate::xml;
use libone::template::Template;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// Group 0: its members bypass authorization.
pub const ONEADMIN_GID: i32 = 0;
/// Group 1: where new users go by default.
pub const USERS_GID: i32 = 1;

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Group {
    pub oid: i32,
    pub name: String,
    pub users: BTreeSet<i32>,
    pub admins: BTreeSet<i32>,
    pub template: Template,
}

impl Group {
    fn write_body(&self, out: &mut String, quotas: bool) {
        xml::open(out, "GROUP");
        xml::num(out, "ID", self.oid);
        xml::text(out, "NAME", &self.name);
        self.template.write_xml("TEMPLATE", out);
        xml::ids(out, "USERS", &self.users);
        xml::ids(out, "ADMINS", &self.admins);
        if quotas {
            out.push_str(EMPTY_QUOTAS);
            out.push_str("<VLAN_RULES></VLAN_RULES>");
            out.push_str("<DEFAULT_GROUP_QUOTAS>");
            out.push_str(EMPTY_QUOTAS);
            out.push_str("</DEFAULT_GROUP_QUOTAS>");
        }
        xml::close(out, "GROUP");
    }
}

impl PoolObject for Group {
    const KIND: ObjectKind = ObjectKind::Group;

    fn oid(&self) -> i32 {
        self.oid
    }

    fn name(&self) -> &str {
        &self.name
    }

    fn name_key(&self) -> Option<NameKey> {
        Some((-1, self.name.clone()))
    }

    /// Groups belong to oneadmin with the group itself as group and GROUP_U set, so members may
    /// read their groups.
    fn auth(&self) -> ObjectAuth {
        ObjectAuth {
            kind: ObjectKind::Group,
            oid: self.oid,
            uid: 0,
            gid: self.oid,
            perms: Permissions::from_mode(0o640),
            clusters: Vec::new(),
        }
    }

    fn write_xml(&self, out: &mut String) {
        self.write_body(out, true);
    }

    /// The pool lists each body followed by its (empty) quota row.
    fn write_pool_xml(&self, out: &mut String) {
        self.write_body(out, false);
        out.push_str("<QUOTAS>");
        xml::num(out, "ID", self.oid);
        out.push_str(EMPTY_QUOTAS);
        out.push_str("</QUOTAS>");
    }
}

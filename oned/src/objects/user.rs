//! Users: credentials (salted slow hash, login tokens), groups, template.

use super::NameKey;
use super::{ObjectAuth, ObjectKind, PoolObject};
use crate::perms::Permissions;
use crate::xml;
use libone::template::Template;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// A login token from `one.user.login`. Only its SHA-256 is kept.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginToken {
    /// Hex SHA-256 of the token.
    pub hash: String,
    /// Seconds since the epoch; -1 = never expires.
    pub expiration: i64,
    /// Effective group for sessions using the token (-1 = all the user's groups).
    pub egid: i32,
}

impl LoginToken {
    pub fn is_valid_at(&self, now: i64) -> bool {
        self.expiration < 0 || self.expiration > now
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct User {
    pub oid: i32,
    pub name: String,
    /// Primary group.
    pub gid: i32,
    pub gname: String,
    /// Every group the user belongs to (primary included).
    pub groups: BTreeSet<i32>,
    /// PHC string of the password hash (argon2id).
    pub password: String,
    pub auth_driver: String,
    pub enabled: bool,
    pub login_tokens: Vec<LoginToken>,
    pub template: Template,
    /// Bumped on every credential or membership change, so cached sessions are re-checked.
    #[serde(default)]
    pub auth_epoch: u64,
}

impl User {
    fn write_body(&self, out: &mut String, quotas: bool) {
        xml::open(out, "USER");
        xml::num(out, "ID", self.oid);
        xml::num(out, "GID", self.gid);
        xml::ids(out, "GROUPS", &self.groups);
        xml::text(out, "GNAME", &self.gname);
        xml::text(out, "NAME", &self.name);
        xml::text(out, "PASSWORD", &self.password);
        xml::text(out, "AUTH_DRIVER", &self.auth_driver);
        xml::num(out, "ENABLED", self.enabled as i32);
        for t in &self.login_tokens {
            out.push_str("<LOGIN_TOKEN>");
            xml::text(out, "TOKEN", &t.hash);
            xml::num(out, "EXPIRATION_TIME", t.expiration);
            xml::num(out, "EGID", t.egid);
            out.push_str("</LOGIN_TOKEN>");
        }
        self.template.write_xml("TEMPLATE", out);
        if quotas {
            out.push_str(EMPTY_QUOTAS);
            out.push_str("<DEFAULT_USER_QUOTAS>");
            out.push_str(EMPTY_QUOTAS);
            out.push_str("</DEFAULT_USER_QUOTAS>");
        }
        xml::close(out, "USER");
    }
}

/// The four quota blocks with no limits set.
pub const EMPTY_QUOTAS: &str = "<DATASTORE_QUOTA></DATASTORE_QUOTA><NETWORK_QUOTA></NETWORK_QUOTA><VM_QUOTA></VM_QUOTA><IMAGE_QUOTA></IMAGE_QUOTA>";

impl PoolObject for User {
    const KIND: ObjectKind = ObjectKind::User;

    fn oid(&self) -> i32 {
        self.oid
    }

    fn name(&self) -> &str {
        &self.name
    }

    fn name_key(&self) -> Option<NameKey> {
        Some((-1, self.name.clone()))
    }

    /// A user owns itself (owner use+manage), so it may read and change itself but not enable or
    /// delete itself.
    fn auth(&self) -> ObjectAuth {
        ObjectAuth {
            kind: ObjectKind::User,
            oid: self.oid,
            uid: self.oid,
            gid: self.gid,
            perms: Permissions::from_mode(0o600),
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

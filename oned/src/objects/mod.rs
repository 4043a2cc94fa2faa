//! The cloud's objects: what each one holds and how it is written as OpenNebula XML.
//!
//! Every kind implements [`PoolObject`]: its id and name, its name-uniqueness scope, its
//! ownership for authorization, and its XML bodies (full for `info`, short for pool listings
//! where OpenNebula uses one). The objects do no I/O and take no locks.

pub mod cluster;
pub mod datastore;
pub mod group;
pub mod host;
pub mod image;
pub mod monitoring;
pub mod user;
pub mod vm;
pub mod vmtemplate;
pub mod vnet;

pub use crate::kind::{ObjectKind, now};

/// The uniqueness scope of a name: `-1` for names unique in the whole pool, else the owner uid.
pub type NameKey = (i32, String);

use crate::perms::Permissions;
use crate::xml;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;

/// Owner, group and permission bits of an object that has them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ownership {
    pub uid: i32,
    pub gid: i32,
    pub uname: String,
    pub gname: String,
    pub perms: Permissions,
}

impl Ownership {
    /// Appends `<UID>…<GNAME>…` (the four elements that follow ID in most documents).
    pub fn write_ids(&self, out: &mut String) {
        xml::num(out, "UID", self.uid);
        xml::num(out, "GID", self.gid);
        xml::text(out, "UNAME", &self.uname);
        xml::text(out, "GNAME", &self.gname);
    }
}

/// Lock levels of `one.*.lock` (1 USE, 2 MANAGE, 3 ADMIN, 4 ALL).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lock {
    pub level: i32,
    pub owner: i32,
    pub time: i64,
    pub req_id: i32,
}

impl Lock {
    pub fn write_xml(&self, out: &mut String) {
        let _ = write!(
            out,
            "<LOCK><LOCKED>{}</LOCKED><OWNER>{}</OWNER><TIME>{}</TIME><REQ_ID>{}</REQ_ID></LOCK>",
            self.level, self.owner, self.time, self.req_id
        );
    }
}

/// What authorization needs to know about an object.
#[derive(Clone, Debug)]
pub struct ObjectAuth {
    pub kind: ObjectKind,
    pub oid: i32,
    pub uid: i32,
    pub gid: i32,
    pub perms: Permissions,
    /// Clusters the object belongs to (for `%cid` ACL rules).
    pub clusters: Vec<i32>,
}

/// An object kept in a pool (`pool::Pool`).
pub trait PoolObject: Serialize + DeserializeOwned + Send + Sync + 'static {
    const KIND: ObjectKind;

    fn oid(&self) -> i32;
    fn name(&self) -> &str;

    /// The uniqueness key of the name: `Some((-1, name))` for names unique in the pool,
    /// `Some((uid, name))` for names unique per owner, `None` if names may repeat.
    fn name_key(&self) -> Option<NameKey>;

    fn ownership(&self) -> Option<&Ownership> {
        None
    }

    fn lock(&self) -> Option<&Lock> {
        None
    }

    /// Authorization facts about this object.
    fn auth(&self) -> ObjectAuth {
        match self.ownership() {
            Some(o) => ObjectAuth {
                kind: Self::KIND,
                oid: self.oid(),
                uid: o.uid,
                gid: o.gid,
                perms: o.perms,
                clusters: self.clusters(),
            },
            // Objects without an owner (hosts, clusters, users, groups) belong to oneadmin.
            None => ObjectAuth {
                kind: Self::KIND,
                oid: self.oid(),
                uid: 0,
                gid: 0,
                perms: Permissions::from_mode(0o600),
                clusters: self.clusters(),
            },
        }
    }

    /// Clusters the object belongs to.
    fn clusters(&self) -> Vec<i32> {
        Vec::new()
    }

    /// The full XML document (`one.<obj>.info`).
    fn write_xml(&self, out: &mut String);

    /// The element listed by `one.<obj>pool.info` (the full body unless the kind has a short one).
    fn write_pool_xml(&self, out: &mut String) {
        self.write_xml(out)
    }

    fn to_xml(&self) -> String {
        let mut s = String::with_capacity(2048);
        self.write_xml(&mut s);
        s
    }
}

/// Which characters a kind of object may not have in its name (besides those XML 1.0 cannot
/// carry, which no name may hold).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NameRules {
    /// Most objects: none of `& | : \ " ; / ' # { } $ < >` nor tab/newline/vertical tab/form
    /// feed/carriage return.
    Standard,
    /// Groups: the standard set plus space.
    Group,
    /// Users: space, `:` and the whitespace characters only.
    User,
}

/// Checks an object name the way OpenNebula does (`PoolObjectSQL::name_is_valid`).
pub fn check_name_with(name: &str, rules: NameRules) -> Result<(), String> {
    if name.is_empty() {
        return Err("Invalid NAME, it cannot be empty".to_string());
    }
    // Names are written into every listing: a character XML 1.0 cannot carry is refused first,
    // by its code point (the message must not hold it either).
    if let Some((_, c)) = libone::xmlchar::find_forbidden(name) {
        return Err(format!(
            "Invalid NAME, it holds the character {}, which XML 1.0 does not allow",
            libone::xmlchar::code_point(c)
        ));
    }
    let ws = |c: char| matches!(c, '\t' | '\n' | '\u{0B}' | '\u{0C}' | '\r');
    let bad = name.chars().find(|&c| match rules {
        NameRules::Standard => ws(c) || "&|:\\\";/'#{}$<>".contains(c),
        NameRules::Group => ws(c) || c == ' ' || "&|:\\\";/'#{}$<>".contains(c),
        NameRules::User => ws(c) || c == ' ' || c == ':',
    });
    if let Some(c) = bad {
        return Err(format!("Invalid NAME, char '{c}' is not allowed"));
    }
    if name.chars().count() > 128 {
        return Err("Invalid NAME, max length is 128 chars".to_string());
    }
    Ok(())
}

/// [`check_name_with`] for most objects.
pub fn check_name(name: &str) -> Result<(), String> {
    check_name_with(name, NameRules::Standard)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_rules() {
        assert!(check_name("web-01.example").is_ok());
        assert!(check_name("with space").is_ok());
        assert_eq!(check_name(""), Err("Invalid NAME, it cannot be empty".into()));
        assert_eq!(check_name("a/b"), Err("Invalid NAME, char '/' is not allowed".into()));
        assert_eq!(check_name("a\tb"), Err("Invalid NAME, char '\t' is not allowed".into()));
        assert!(check_name(&"x".repeat(129)).unwrap_err().contains("max length"));
        assert!(check_name_with("a b", NameRules::Group).is_err());
        assert!(check_name_with("a b", NameRules::User).is_err());
        assert!(check_name_with("a/b", NameRules::User).is_ok());
        for rules in [NameRules::Standard, NameRules::Group, NameRules::User] {
            for c in ['\u{0}', '\u{1}', '\u{B}', '\u{1F}', '\u{FFFE}', '\u{FFFF}'] {
                let message = check_name_with(&format!("a{c}b"), rules).unwrap_err();
                assert!(message.contains("which XML 1.0 does not allow") && !message.contains(c), "{message:?}");
            }
            assert!(check_name_with("ñ€😀\u{FFFD}", rules).is_ok());
        }
    }
}

//! The authenticated identity of a request.

use crate::objects::group::ONEADMIN_GID;

/// Who is calling: resolved once per request from the session string.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Caller {
    pub uid: i32,
    /// Effective primary group (the token's group for a group-scoped token).
    pub gid: i32,
    /// Groups the caller acts with.
    pub groups: Vec<i32>,
    pub uname: String,
    pub gname: String,
    /// The umask for new objects (the user's `UMASK` or oned.conf's `DEFAULT_UMASK`).
    pub umask: u32,
    /// The call comes from the live scheduler session (`auth::scheduler`).
    pub scheduler: bool,
}

impl Caller {
    /// oneadmin and members of the oneadmin group skip authorization, as in OpenNebula.
    pub fn is_admin(&self) -> bool {
        self.uid == 0 || self.groups.contains(&ONEADMIN_GID)
    }

    pub fn in_group(&self, gid: i32) -> bool {
        self.groups.contains(&gid)
    }

    /// oneadmin, as unit tests call as it.
    #[cfg(test)]
    pub fn oneadmin() -> Caller {
        Caller {
            uid: 0,
            gid: ONEADMIN_GID,
            groups: vec![ONEADMIN_GID],
            uname: "oneadmin".into(),
            gname: "oneadmin".into(),
            umask: 0o177,
            scheduler: false,
        }
    }
}

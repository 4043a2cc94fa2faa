//! What kinds of objects oned keeps ([`ObjectKind`]: their names in messages, ACLs and the
//! store's tables) and the clock objects are stamped with ([`now`]). A leaf: every layer may
//! use it.

use crate::error::ObjectName;

/// The kinds of objects oned keeps.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ObjectKind {
    User,
    Group,
    Host,
    Cluster,
    Datastore,
    Vnet,
    Template,
    Vm,
    Image,
    Acl,
}

impl ObjectKind {
    pub const ALL: [ObjectKind; 10] = [
        ObjectKind::User,
        ObjectKind::Group,
        ObjectKind::Host,
        ObjectKind::Cluster,
        ObjectKind::Datastore,
        ObjectKind::Vnet,
        ObjectKind::Template,
        ObjectKind::Vm,
        ObjectKind::Image,
        ObjectKind::Acl,
    ];

    /// The name OpenNebula uses in error messages (`Request::object_name`).
    pub fn object_name(self) -> ObjectName {
        ObjectName(match self {
            ObjectKind::User => "user",
            ObjectKind::Group => "group",
            ObjectKind::Host => "host",
            ObjectKind::Cluster => "cluster",
            ObjectKind::Datastore => "datastore",
            ObjectKind::Vnet => "virtual network",
            ObjectKind::Template => "virtual machine template",
            ObjectKind::Vm => "virtual machine",
            ObjectKind::Image => "image",
            ObjectKind::Acl => "ACL",
        })
    }

    /// The upper-case type name used in authorization messages and ACL strings.
    pub fn auth_name(self) -> &'static str {
        match self {
            ObjectKind::User => "USER",
            ObjectKind::Group => "GROUP",
            ObjectKind::Host => "HOST",
            ObjectKind::Cluster => "CLUSTER",
            ObjectKind::Datastore => "DATASTORE",
            ObjectKind::Vnet => "NET",
            ObjectKind::Template => "TEMPLATE",
            ObjectKind::Vm => "VM",
            ObjectKind::Image => "IMAGE",
            ObjectKind::Acl => "ACL",
        }
    }

    /// The store table holding this kind.
    pub fn table(self) -> &'static str {
        match self {
            ObjectKind::User => "user_pool",
            ObjectKind::Group => "group_pool",
            ObjectKind::Host => "host_pool",
            ObjectKind::Cluster => "cluster_pool",
            ObjectKind::Datastore => "datastore_pool",
            ObjectKind::Vnet => "network_pool",
            ObjectKind::Template => "template_pool",
            ObjectKind::Vm => "vm_pool",
            ObjectKind::Image => "image_pool",
            ObjectKind::Acl => "acl_pool",
        }
    }

    pub fn from_table(table: &str) -> Option<ObjectKind> {
        ObjectKind::ALL.into_iter().find(|k| k.table() == table)
    }
}

/// Seconds since the epoch.
pub fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

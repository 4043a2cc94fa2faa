//! Access to the objects of the cloud: where each kind's pool is ([`ApiObject`]), looking
//! objects up (NO_EXISTS), authorizing operations on them (locks, permission bits, ACL rules),
//! and what a new object gets (ownership, a valid and free name).
//!
//! Layer: below the life cycle (`lcm`), the dispatch manager (`dm`) and the request manager
//! (`rm`), which all look objects up and authorize through here; above `cloud`, `authz` and the
//! objects themselves.

use crate::auth::Caller;
use crate::authz;
use crate::cloud::Cloud;
use crate::error::{ApiError, ApiResult};
use crate::objects::cluster::Cluster;
use crate::objects::datastore::Datastore;
use crate::objects::group::Group;
use crate::objects::host::Host;
use crate::objects::image::Image;
use crate::objects::user::User;
use crate::objects::vm::VirtualMachine;
use crate::objects::vmtemplate::VmTemplate;
use crate::objects::vnet::VirtualNetwork;
use crate::objects::{Lock, NameRules, ObjectAuth, Ownership, PoolObject, check_name_with};
use crate::perms::{AuthOp, Permissions};
use crate::pool::Pool;
use libone::template::Template;

/// What the shared operations need to know about a kind.
pub trait ApiObject: PoolObject + Sized {
    /// The pool listing's root element (`VM_POOL`).
    const POOL_ROOT: &'static str;
    /// What follows the objects in a pool listing (the pool's default quotas for users and
    /// groups, which OpenNebula's schema requires there).
    const POOL_TAIL: &'static str = "";
    /// Whether pool listings take the `filter, start, end` arguments.
    const FILTERED_LIST: bool = true;
    /// Which characters names may hold.
    const NAME_RULES: NameRules = NameRules::Standard;
    /// The operation `update` and `rename` need (ADMIN for hosts and groups).
    const EDIT_OP: AuthOp = AuthOp::Manage;

    fn pool(c: &Cloud) -> &Pool<Self>;
    fn pool_mut(c: &mut Cloud) -> &mut Pool<Self>;
    fn set_name(&mut self, name: String);
    /// The template `update` edits.
    fn editable_template(&self) -> &Template;
    fn editable_template_mut(&mut self) -> &mut Template;
    fn ownership_mut(&mut self) -> Option<&mut Ownership> {
        None
    }
    fn lock_mut(&mut self) -> Option<&mut Option<Lock>> {
        None
    }
    /// Restricted attributes for `update` by users outside the oneadmin group.
    fn restricted(_c: &Cloud) -> &[String] {
        &[]
    }
    /// Called after a rename, for copies of the name kept in other objects.
    fn after_rename(_cloud: &mut Cloud, _id: i32) {}
    /// Called after `update` changed the template, to re-read attributes the object keeps in
    /// fields. An error undoes nothing; it is reported (the template is already stored).
    fn after_update(&mut self) -> Result<(), String> {
        Ok(())
    }
    /// What `update` calls once the template changed, with the cloud at hand (its settings) and
    /// the template as it was: [`ApiObject::after_update`] of the object, unless a kind needs
    /// more (datastores apply oned.conf's driver settings and undo a refused update).
    fn after_update_in(cloud: &mut Cloud, id: i32, _old: Template) -> Result<(), String> {
        Self::pool_mut(cloud).get_mut(id).map_or(Ok(()), |o| o.after_update())
    }
}

/// The accessors every kind writes the same way: its pool in the cloud, its name, the
/// template `update` edits, and (when it has them) its ownership, its lock and its list of
/// restricted attributes. Kind-specific constants and hooks follow the `;`.
macro_rules! api_object {
    ($ty:ty, pool: $pool:ident, root: $root:literal, template: $tmpl:ident
        $(, owner: $owner:ident)? $(, lock: $lock:ident)? $(, restricted: $r:ident)?; $($extra:item)*) => {
        impl ApiObject for $ty {
            const POOL_ROOT: &'static str = $root;

            fn pool(c: &Cloud) -> &Pool<Self> {
                &c.$pool
            }
            fn pool_mut(c: &mut Cloud) -> &mut Pool<Self> {
                &mut c.$pool
            }
            fn set_name(&mut self, name: String) {
                self.name = name;
            }
            fn editable_template(&self) -> &Template {
                &self.$tmpl
            }
            fn editable_template_mut(&mut self) -> &mut Template {
                &mut self.$tmpl
            }
            $(fn ownership_mut(&mut self) -> Option<&mut Ownership> {
                Some(&mut self.$owner)
            })?
            $(fn lock_mut(&mut self) -> Option<&mut Option<Lock>> {
                Some(&mut self.$lock)
            })?
            $(fn restricted(c: &Cloud) -> &[String] {
                &c.settings.$r
            })?
            $($extra)*
        }
    };
}

/// Attributes of a user or group template only administrators may set.
pub const USER_RESTRICTED: [&str; 3] = ["VM_USE_OPERATIONS", "VM_MANAGE_OPERATIONS", "VM_ADMIN_OPERATIONS"];

api_object!(VirtualMachine, pool: vms, root: "VM_POOL", template: user_template, owner: owner, lock: lock, restricted: vm_restricted_attr;);
api_object!(VmTemplate, pool: templates, root: "VMTEMPLATE_POOL", template: template, owner: owner, lock: lock, restricted: vm_restricted_attr;);
api_object!(Image, pool: images, root: "IMAGE_POOL", template: template, owner: owner, lock: lock, restricted: image_restricted_attr;);
api_object!(VirtualNetwork, pool: vnets, root: "VNET_POOL", template: template, owner: owner, lock: lock, restricted: vnet_restricted_attr;
    fn after_update(&mut self) -> Result<(), String> {
        self.settings_from_template()
    }
);
api_object!(Datastore, pool: datastores, root: "DATASTORE_POOL", template: template, owner: owner;
    const FILTERED_LIST: bool = false;
    /// OpenNebula's `post_update_template`: TM_MAD_CONF / DS_MAD_CONF applied again; a refused
    /// update leaves the datastore as it was.
    fn after_update_in(cloud: &mut Cloud, id: i32, old: Template) -> Result<(), String> {
        let conf = std::sync::Arc::clone(&cloud.settings.storage);
        cloud.datastores.get_mut(id).map_or(Ok(()), |ds| ds.update_template(&conf, old))
    }
);
api_object!(Host, pool: hosts, root: "HOST_POOL", template: template;
    const FILTERED_LIST: bool = false;
    const EDIT_OP: AuthOp = AuthOp::Admin;
);
api_object!(Cluster, pool: clusters, root: "CLUSTER_POOL", template: template;
    const FILTERED_LIST: bool = false;
    /// Hosts repeat their cluster's name in their CLUSTER element.
    fn after_rename(cloud: &mut Cloud, id: i32) {
        let Some(name) = cloud.clusters.get(id).map(|c| c.name.clone()) else { return };
        let hosts: Vec<i32> = cloud.hosts.iter().filter(|h| h.cluster_id == id).map(|h| h.oid).collect();
        for h in hosts {
            if let Some(host) = cloud.hosts.get_mut(h) {
                host.cluster = name.clone();
            }
        }
    }
);
api_object!(User, pool: users, root: "USER_POOL", template: template;
    const POOL_TAIL: &'static str = "<DEFAULT_USER_QUOTAS><DATASTORE_QUOTA></DATASTORE_QUOTA><NETWORK_QUOTA></NETWORK_QUOTA>\
        <VM_QUOTA></VM_QUOTA><IMAGE_QUOTA></IMAGE_QUOTA></DEFAULT_USER_QUOTAS>";
    const FILTERED_LIST: bool = false;
    const NAME_RULES: NameRules = NameRules::User;
    fn restricted(_c: &Cloud) -> &[String] {
        user_restricted()
    }
    /// Any change of a user's template may change what its sessions may do.
    fn after_update(&mut self) -> Result<(), String> {
        self.auth_epoch += 1;
        Ok(())
    }
);
api_object!(Group, pool: groups, root: "GROUP_POOL", template: template;
    const POOL_TAIL: &'static str = "<DEFAULT_GROUP_QUOTAS><DATASTORE_QUOTA></DATASTORE_QUOTA><NETWORK_QUOTA></NETWORK_QUOTA>\
        <VM_QUOTA></VM_QUOTA><IMAGE_QUOTA></IMAGE_QUOTA></DEFAULT_GROUP_QUOTAS>";
    const FILTERED_LIST: bool = false;
    const NAME_RULES: NameRules = NameRules::Group;
    const EDIT_OP: AuthOp = AuthOp::Admin;
    fn restricted(_c: &Cloud) -> &[String] {
        user_restricted()
    }
);

/// [`USER_RESTRICTED`] as the owned list `restricted` returns.
fn user_restricted() -> &'static [String] {
    static R: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    R.get_or_init(|| USER_RESTRICTED.iter().map(|s| s.to_string()).collect())
}

/// The object, or NO_EXISTS.
pub fn get<T: ApiObject>(cloud: &Cloud, id: i32) -> ApiResult<&T> {
    T::pool(cloud).get(id).ok_or_else(|| ApiError::no_exists(T::KIND.object_name(), id))
}

/// A pool object that exists, for changing.
pub fn get_mut<T: ApiObject>(cloud: &mut Cloud, id: i32) -> ApiResult<&mut T> {
    T::pool_mut(cloud).get_mut(id).ok_or_else(|| ApiError::no_exists(T::KIND.object_name(), id))
}

/// Checks `op` on `auth` for `caller` (permission bits, then ACL rules).
pub fn authorize(cloud: &Cloud, caller: &Caller, auth: &ObjectAuth, op: AuthOp) -> ApiResult<()> {
    if authz::allowed(caller, auth, op, cloud.acls.iter()) { Ok(()) } else { Err(authz::denied(caller, auth, op)) }
}

/// Refuses `op` if the object's lock forbids it (administrators included).
pub fn check_lock<T: ApiObject>(caller: &Caller, obj: &T, op: AuthOp) -> ApiResult<()> {
    match obj.lock() {
        Some(l) if authz::lock_blocks(l, op) => Err(authz::denied_locked(caller, &obj.auth(), op)),
        _ => Ok(()),
    }
}

/// The object after checking its lock and authorizing `op` (NO_EXISTS comes first, as in
/// OpenNebula: a missing id is reported even to users who could not see it).
pub fn get_for<'c, T: ApiObject>(cloud: &'c Cloud, caller: &Caller, id: i32, op: AuthOp) -> ApiResult<&'c T> {
    let obj = get::<T>(cloud, id)?;
    check_lock(caller, obj, op)?;
    authorize(cloud, caller, &obj.auth(), op)?;
    Ok(obj)
}

/// Like [`get_for`] for operations that ignore locks (info, lock, unlock, monitoring).
pub fn get_for_nolock<'c, T: ApiObject>(cloud: &'c Cloud, caller: &Caller, id: i32, op: AuthOp) -> ApiResult<&'c T> {
    let obj = get::<T>(cloud, id)?;
    authorize(cloud, caller, &obj.auth(), op)?;
    Ok(obj)
}

/// May `caller` see `auth` in a pool listing? Owners always see their objects; otherwise the
/// USE bit for group or others, or an ACL rule granting USE (`PoolSQL::acl_filter`).
pub fn visible(cloud: &Cloud, caller: &Caller, a: &ObjectAuth) -> bool {
    caller.is_admin()
        || a.uid == caller.uid
        || a.perms.other.u
        || (a.perms.group.u && caller.in_group(a.gid))
        || cloud.acls.iter().any(|r| r.grants(caller.uid, &caller.groups, a, AuthOp::Use))
}

/// Ownership of a new object created by `caller` (`0777` or `0666` base, minus the umask).
pub fn new_ownership(caller: &Caller) -> Ownership {
    let base = if caller.uid == 0 || caller.gid == 0 { 0o777 } else { 0o666 };
    Ownership {
        uid: caller.uid,
        gid: caller.gid,
        uname: caller.uname.clone(),
        gname: caller.gname.clone(),
        perms: Permissions::from_mode(base & !caller.umask & 0o777),
    }
}

/// Checks that `caller` may create objects of `T`'s kind (an ACL CREATE rule).
pub fn authorize_create<T: ApiObject>(cloud: &Cloud, caller: &Caller) -> ApiResult<()> {
    let a = authz::creation(T::KIND, caller, Vec::new());
    authorize(cloud, caller, &a, AuthOp::Create)
}

/// The name check of an allocation: `Err(message)` if invalid or taken in `scope`.
pub fn new_name_problem<T: ApiObject>(cloud: &Cloud, scope: i32, name: &str) -> Option<String> {
    if let Err(m) = check_name_with(name, T::NAME_RULES) {
        return Some(m);
    }
    T::pool(cloud)
        .lookup_name(scope, name)
        .map(|other| format!("NAME is already taken by {} {other}.", T::KIND.auth_name()))
}

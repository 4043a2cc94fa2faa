//! `Cloud`: every pool of the front-end together, the unit that the request manager locks.
//!
//! One `RwLock<Cloud>` guards all pools, so an operation that touches several objects (a VM
//! allocation takes leases and changes image counters) is atomic without lock ordering. Writers
//! hold the lock for microseconds: validation and in-memory changes only; durability happens
//! after the lock is released (see [`crate::store`]).
//!
//! Also here: the objects a new database starts with (groups 0 `oneadmin` and 1 `users`, user 0
//! `oneadmin`, cluster 0 `default`, datastores 0 `system`, 1 `default`, 2 `files`, the default
//! ACL rules), and rebuilding the pools from the store's rows.

use crate::acl::{self, AclRule};
use crate::config::StorageConf;
use crate::objects::cluster::{Cluster, DEFAULT_CLUSTER_ID};
use crate::objects::datastore::{self, Datastore, NewDatastore};
use crate::objects::group::{Group, ONEADMIN_GID, USERS_GID};
use crate::objects::host::Host;
use crate::objects::image::Image;
use crate::objects::user::User;
use crate::objects::vm::VirtualMachine;
use crate::objects::vmtemplate::VmTemplate;
use crate::objects::vnet::VirtualNetwork;
use crate::objects::{ObjectKind, Ownership};
use crate::perms::Permissions;
use crate::pool::Pool;
use crate::store::{DbOp, Snapshot};
use libone::template::{Template, Vector};
use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::Arc;

/// Settings from oned.conf that object operations need.
#[derive(Clone, Debug)]
pub struct Settings {
    pub default_umask: u32,
    pub mac_prefix: u16,
    pub network_size: u32,
    pub vm_restricted_attr: Vec<String>,
    pub image_restricted_attr: Vec<String>,
    pub vnet_restricted_attr: Vec<String>,
    pub datastore_location: PathBuf,
    pub list_desc: bool,
    /// Seconds of monitoring history kept for hosts and VMs.
    pub host_monitoring_expiration: i64,
    pub vm_monitoring_expiration: i64,
    /// `TM_MAD_CONF` / `DS_MAD_CONF`: what the storage drivers put in datastores' templates.
    pub storage: Arc<StorageConf>,
    /// `CONTEXT_SAFE_DIRS`: the only directories `CONTEXT/FILES` may name files of.
    pub context_safe_dirs: Vec<String>,
    /// `CONTEXT_RESTRICTED_DIRS` (OpenNebula's message for a path under one).
    pub context_restricted_dirs: Vec<String>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            default_umask: 0o177,
            mac_prefix: 0x0200,
            network_size: 254,
            vm_restricted_attr: Vec::new(),
            image_restricted_attr: Vec::new(),
            vnet_restricted_attr: Vec::new(),
            datastore_location: PathBuf::from("/var/lib/one/datastores"),
            list_desc: false,
            host_monitoring_expiration: 43200,
            vm_monitoring_expiration: 14400,
            storage: Arc::new(StorageConf::builtin()),
            context_safe_dirs: Vec::new(),
            context_restricted_dirs: vec!["/etc".to_string()],
        }
    }
}

/// The lease changes of the current request, in the order they happened (leases are rows of
/// their own; these operations are committed with the request's other changes).
#[derive(Default)]
pub struct LeaseLog(Vec<DbOp>);

impl LeaseLog {
    /// Lease `index` of range `ar` of network `vnet` was taken by `owner`.
    pub fn taken(&mut self, vnet: i32, ar: u32, index: u32, owner: crate::vnet::ar::LeaseOwner) {
        self.0.push(DbOp::PutLease { vnet, ar: ar as i32, index: index as i64, owner: owner.to_packed().to_string() });
    }

    /// Lease `index` of range `ar` of network `vnet` is free again.
    pub fn freed(&mut self, vnet: i32, ar: u32, index: u32) {
        self.0.push(DbOp::DeleteLease { vnet, ar: ar as i32, index: index as i64 });
    }

    /// Every lease of network `vnet` (or of its range `ar`) is gone.
    pub fn all_freed(&mut self, vnet: i32, ar: Option<i32>) {
        self.0.push(DbOp::DeleteLeases { vnet, ar });
    }
}

/// All pools.
pub struct Cloud {
    pub users: Pool<User>,
    pub groups: Pool<Group>,
    pub hosts: Pool<Host>,
    pub clusters: Pool<Cluster>,
    pub datastores: Pool<Datastore>,
    pub vnets: Pool<VirtualNetwork>,
    pub templates: Pool<VmTemplate>,
    pub vms: Pool<VirtualMachine>,
    pub images: Pool<Image>,
    pub acls: Pool<AclRule>,
    /// Lease changes recorded by network operations since the last [`Cloud::take_changes`].
    pub lease_ops: LeaseLog,
    /// VMs and images whose new pending driver action must be sent once this change is committed.
    pub outbox: Outbox,
    /// Set when pending work appears or capacity frees: the scheduler is woken after the change.
    pub sched_kick: bool,
    /// Recent monitoring records of hosts and VMs (memory only; see `lcm::monitor`).
    pub monitoring: crate::objects::monitoring::History,
    pub settings: Settings,
}

/// Objects whose journaled driver action is to be sent once the change is committed.
#[derive(Debug, Default)]
pub struct Outbox {
    /// VMs (VMM and TM actions).
    pub vms: Vec<i32>,
    /// Images (datastore-driver actions).
    pub images: Vec<i32>,
}

impl Outbox {
    pub fn is_empty(&self) -> bool {
        self.vms.is_empty() && self.images.is_empty()
    }

    pub fn append(&mut self, other: &mut Outbox) {
        self.vms.append(&mut other.vms);
        self.images.append(&mut other.images);
    }
}

/// A row of the store that cannot be turned back into an object.
#[derive(Debug, thiserror::Error)]
#[error("the database row {table}/{oid} cannot be read: {reason}")]
pub struct LoadError {
    pub table: &'static str,
    pub oid: i32,
    pub reason: String,
}

/// Ids below 100 are reserved in these pools, as in OpenNebula.
const RESERVED_LAST_OID: i32 = 99;

impl Cloud {
    /// Empty pools with OpenNebula's first ids.
    pub fn empty(settings: Settings) -> Cloud {
        Cloud {
            users: Pool::new(-1),
            groups: Pool::new(RESERVED_LAST_OID),
            hosts: Pool::new(-1),
            clusters: Pool::new(RESERVED_LAST_OID),
            datastores: Pool::new(RESERVED_LAST_OID),
            vnets: Pool::new(-1),
            templates: Pool::new(-1),
            vms: Pool::new(-1),
            images: Pool::new(-1),
            acls: Pool::new(-1),
            lease_ops: LeaseLog::default(),
            outbox: Outbox::default(),
            monitoring: Default::default(),
            sched_kick: false,
            settings,
        }
    }

    /// Rebuilds the pools from the store.
    pub fn load(snapshot: Snapshot, settings: Settings) -> Result<Cloud, LoadError> {
        let mut c = Cloud::empty(settings);
        for (kind, oid, body) in snapshot.objects {
            let bad = |e: serde_json::Error| LoadError { table: kind.table(), oid, reason: e.to_string() };
            match kind {
                ObjectKind::User => c.users.load(serde_json::from_str(&body).map_err(bad)?),
                ObjectKind::Group => c.groups.load(serde_json::from_str(&body).map_err(bad)?),
                ObjectKind::Host => c.hosts.load(serde_json::from_str(&body).map_err(bad)?),
                ObjectKind::Cluster => c.clusters.load(serde_json::from_str(&body).map_err(bad)?),
                ObjectKind::Datastore => c.datastores.load(serde_json::from_str(&body).map_err(bad)?),
                ObjectKind::Vnet => c.vnets.load(serde_json::from_str(&body).map_err(bad)?),
                ObjectKind::Template => c.templates.load(serde_json::from_str(&body).map_err(bad)?),
                ObjectKind::Vm => c.vms.load(serde_json::from_str(&body).map_err(bad)?),
                ObjectKind::Image => c.images.load(serde_json::from_str(&body).map_err(bad)?),
                ObjectKind::Acl => c.acls.load(serde_json::from_str(&body).map_err(bad)?),
            }
        }
        for (kind, last) in snapshot.counters {
            match kind {
                ObjectKind::User => c.users.load_counter(last),
                ObjectKind::Group => c.groups.load_counter(last),
                ObjectKind::Host => c.hosts.load_counter(last),
                ObjectKind::Cluster => c.clusters.load_counter(last),
                ObjectKind::Datastore => c.datastores.load_counter(last),
                ObjectKind::Vnet => c.vnets.load_counter(last),
                ObjectKind::Template => c.templates.load_counter(last),
                ObjectKind::Vm => c.vms.load_counter(last),
                ObjectKind::Image => c.images.load_counter(last),
                ObjectKind::Acl => c.acls.load_counter(last),
            }
        }
        for (vnet, ar, index, owner) in snapshot.leases {
            let restored = c
                .vnets
                .get_mut(vnet)
                .map(|v| v.restore_lease(ar, index, &owner))
                .unwrap_or(Err(format!("virtual network {vnet} does not exist")));
            if let Err(reason) = restored {
                return Err(LoadError { table: "leases", oid: vnet, reason });
            }
        }
        c.mark_clean();
        Ok(c)
    }

    fn mark_clean(&mut self) {
        self.users.mark_clean();
        self.groups.mark_clean();
        self.hosts.mark_clean();
        self.clusters.mark_clean();
        self.datastores.mark_clean();
        self.vnets.mark_clean();
        self.templates.mark_clean();
        self.vms.mark_clean();
        self.images.mark_clean();
        self.acls.mark_clean();
        self.lease_ops.0.clear();
    }

    /// True when the pools hold nothing (a new database).
    pub fn is_new(&self) -> bool {
        self.users.is_empty() && self.groups.is_empty()
    }

    /// Creates the objects a new database starts with, as OpenNebula 7.4 does. The password
    /// arguments are PHC hashes. Fails only when oned.conf's `TM_MAD_CONF` for `local` or
    /// `DS_MAD_CONF` for `fs` cannot make the built-in datastores (OpenNebula's message).
    pub fn bootstrap(&mut self, oneadmin_password: String, serveradmin_password: String) -> Result<(), String> {
        let mut users_tmpl = Template::new();
        users_tmpl.add_vector(
            "SUNSTONE",
            Vector::from_pairs([
                ("DEFAULT_VIEW", "cloud"),
                ("GROUP_ADMIN_DEFAULT_VIEW", "groupadmin"),
                ("GROUP_ADMIN_VIEWS", "groupadmin,cloud"),
                ("VIEWS", "cloud"),
            ]),
        );
        for (oid, name, template) in [(ONEADMIN_GID, "oneadmin", Template::new()), (USERS_GID, "users", users_tmpl)] {
            self.groups.insert(Group {
                oid,
                name: name.to_string(),
                users: BTreeSet::new(),
                admins: BTreeSet::new(),
                template,
            });
        }
        // User 1 is serveradmin (the web services' account); it cannot log in with a password.
        for (oid, name, driver, password) in
            [(0, "oneadmin", "core", oneadmin_password), (1, "serveradmin", "server_cipher", serveradmin_password)]
        {
            self.users.insert(User {
                oid,
                name: name.into(),
                gid: ONEADMIN_GID,
                gname: "oneadmin".into(),
                groups: BTreeSet::from([ONEADMIN_GID]),
                password,
                auth_driver: driver.into(),
                enabled: true,
                login_tokens: Vec::new(),
                template: Template::new(),
                auth_epoch: 0,
            });
            if let Some(g) = self.groups.get_mut(ONEADMIN_GID) {
                g.users.insert(oid);
            }
        }
        self.clusters.insert(Cluster {
            oid: DEFAULT_CLUSTER_ID,
            name: "default".into(),
            hosts: BTreeSet::new(),
            datastores: BTreeSet::from([0, 1, 2]),
            vnets: BTreeSet::new(),
            template: {
                let mut t = Template::new();
                t.add("RESERVED_CPU", "");
                t.add("RESERVED_MEM", "");
                t
            },
        });
        let base = self.settings.datastore_location.clone();
        let owner = Ownership {
            uid: 0,
            gid: ONEADMIN_GID,
            uname: "oneadmin".into(),
            gname: "oneadmin".into(),
            perms: Permissions::from_mode(0o640),
        };
        // As OpenNebula's DatastorePool: each made from a small template, through the same
        // checks and TM_MAD_CONF / DS_MAD_CONF values as `one.datastore.allocate`.
        for (oid, name, ds_type, ds_mad) in [
            (0, "system", "SYSTEM_DS", None),
            (1, "default", "IMAGE_DS", Some("fs")),
            (2, "files", "FILE_DS", Some("fs")),
        ] {
            let mut t = Template::new();
            t.add("TYPE", ds_type);
            if let Some(d) = ds_mad {
                t.add("DS_MAD", d);
            }
            t.add("TM_MAD", "local");
            let NewDatastore { ds_type, ds_mad, tm_mad, disk_type } =
                datastore::prepare(&mut t, &self.settings.storage)
                    .map_err(|e| format!("Error trying to create default datastore: {e}"))?;
            self.datastores.insert(Datastore {
                oid,
                name: name.into(),
                owner: owner.clone(),
                ds_mad,
                tm_mad,
                base_path: base.join(oid.to_string()).to_string_lossy().into_owned(),
                ds_type,
                disk_type,
                state: 0,
                clusters: BTreeSet::from([DEFAULT_CLUSTER_ID]),
                total_mb: 0,
                free_mb: 0,
                used_mb: 0,
                images: BTreeSet::new(),
                template: t,
            });
        }
        for rule in acl::default_rules() {
            self.acls.insert(rule);
        }
        Ok(())
    }

    /// Renders missing cached listing XML of up to `budget` objects, continuing from `cursor`
    /// (pool index, next id). Returns true when every pool is warm.
    pub fn warm_caches(&self, cursor: &mut (usize, i32), budget: usize) -> bool {
        loop {
            let next = match cursor.0 {
                0 => self.vms.warm(cursor.1, budget),
                1 => self.hosts.warm(cursor.1, budget),
                2 => self.vnets.warm(cursor.1, budget),
                3 => self.images.warm(cursor.1, budget),
                4 => self.templates.warm(cursor.1, budget),
                5 => self.users.warm(cursor.1, budget),
                6 => self.groups.warm(cursor.1, budget),
                7 => self.datastores.warm(cursor.1, budget),
                8 => self.clusters.warm(cursor.1, budget),
                _ => {
                    *cursor = (0, i32::MIN);
                    return true;
                }
            };
            match next {
                Some(id) => {
                    cursor.1 = id;
                    return false;
                }
                None => *cursor = (cursor.0 + 1, i32::MIN),
            }
        }
    }

    /// Every change since the last call, in the order to commit.
    /// Deletes the ACL rules that name exactly this object (`<TYPE>/#<oid>`), as OpenNebula
    /// does when the object is deleted.
    pub fn remove_object_rules(&mut self, kind: crate::objects::ObjectKind, oid: i32) {
        let resource = acl::INDIVIDUAL_ID | oid as u32 as u64;
        let bit = acl::type_bit(kind);
        let ids: Vec<i32> = self
            .acls
            .iter()
            .filter(|r| r.resource & 0x0000_000F_FFFF_FFFF == resource && r.resource & bit != 0)
            .map(|r| r.oid)
            .collect();
        for id in ids {
            self.acls.remove(id);
        }
    }

    pub fn take_changes(&mut self) -> Vec<DbOp> {
        let mut ops = Vec::new();
        self.groups.take_changes(&mut ops);
        self.users.take_changes(&mut ops);
        self.clusters.take_changes(&mut ops);
        self.datastores.take_changes(&mut ops);
        self.hosts.take_changes(&mut ops);
        self.vnets.take_changes(&mut ops);
        ops.append(&mut self.lease_ops.0);
        self.images.take_changes(&mut ops);
        self.templates.take_changes(&mut ops);
        self.vms.take_changes(&mut ops);
        self.acls.take_changes(&mut ops);
        ops
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{Store, StoreOptions};

    #[test]
    fn bootstrap_round_trips_through_the_store() {
        let dir = tempfile::tempdir().unwrap();
        let opts =
            StoreOptions { path: dir.path().join("one.db"), timeout_ms: 1000, sync_full: false, max_batch_ops: 1000 };
        let (store, snap) = Store::open(&opts).unwrap();
        let mut c = Cloud::load(snap, Settings::default()).unwrap();
        assert!(c.is_new());
        c.bootstrap("h0".into(), "h1".into()).unwrap();
        store.submit(c.take_changes()).wait_blocking().unwrap();
        assert!(c.take_changes().is_empty(), "changes are taken once");
        drop(store);

        let (_store, snap) = Store::open(&opts).unwrap();
        let c = Cloud::load(snap, Settings::default()).unwrap();
        assert!(!c.is_new());
        assert_eq!(c.users.get(0).map(|u| u.name.as_str()), Some("oneadmin"));
        assert_eq!(c.users.get(1).map(|u| u.auth_driver.as_str()), Some("server_cipher"));
        assert_eq!(c.groups.get(1).map(|g| g.name.as_str()), Some("users"));
        assert_eq!(c.clusters.get(0).map(|g| g.datastores.len()), Some(3));
        assert_eq!(c.datastores.ids().collect::<Vec<_>>(), vec![0, 1, 2]);
        assert_eq!(c.acls.len(), 6);
        // Reserved ids: the next group, cluster and datastore are 100; the next user 2.
        assert_eq!(c.groups.last_oid(), 99);
        assert_eq!(c.clusters.last_oid(), 99);
        assert_eq!(c.datastores.last_oid(), 99);
        assert_eq!(c.users.last_oid(), 1);
        assert_eq!(c.acls.last_oid(), 5);
        assert_eq!(c.users.lookup_name(-1, "oneadmin"), Some(0));
    }

    /// Versions before the XML 1.0 character checks stored `&#1;` from XML templates as U+0001.
    /// Such rows load unchanged, and every document written from them stays readable, with
    /// U+FFFD in place of each such character.
    #[test]
    fn characters_xml_cannot_carry_from_an_older_database_are_never_written() {
        use crate::objects::PoolObject as _;
        use libone::xmlchar::find_forbidden;
        use libone::xmlrpc::{Response, Value, ok_escaped_parts, ok_string, parse_response};
        let dir = tempfile::tempdir().unwrap();
        let opts =
            StoreOptions { path: dir.path().join("one.db"), timeout_ms: 1000, sync_full: false, max_batch_ops: 1000 };
        let (store, snap) = Store::open(&opts).unwrap();
        let mut c = Cloud::load(snap, Settings::default()).unwrap();
        c.bootstrap("h0".into(), "h1".into()).unwrap();
        let user = c.users.get_mut(1).unwrap();
        user.name = "server\u{1}admin".into();
        user.template.add("NOTE", "a\u{1}b\u{FFFF}\u{B}");
        store.submit(c.take_changes()).wait_blocking().unwrap();
        drop(store);

        let (_store, snap) = Store::open(&opts).unwrap();
        let c = Cloud::load(snap, Settings::default()).unwrap();
        let user = c.users.get(1).unwrap();
        assert_eq!(user.template.get("NOTE"), Some("a\u{1}b\u{FFFF}\u{B}"), "loading changes nothing");
        let info = ok_string(&user.to_xml());
        let listed = c.users.pool_xml_escaped(1).unwrap();
        let pool = ok_escaped_parts(["&lt;USER_POOL&gt;", &*listed, "&lt;/USER_POOL&gt;"], listed.len() + 32);
        for reply in [info, pool] {
            assert_eq!(find_forbidden(&reply), None, "{reply}");
            let Ok(Response::Value(Value::Array(items))) = parse_response(&reply) else { panic!("{reply}") };
            let Some(Value::String(document)) = items.get(1) else { panic!("{reply}") };
            assert_eq!(find_forbidden(document), None, "{document}");
            let mut reader = quick_xml::Reader::from_str(document);
            loop {
                match reader.read_event() {
                    Ok(quick_xml::events::Event::Eof) => break,
                    Ok(_) => {}
                    Err(e) => panic!("{e}: {document}"),
                }
            }
            assert!(document.contains("<NAME>server\u{FFFD}admin</NAME>"), "{document}");
            assert!(document.contains("<NOTE><![CDATA[a\u{FFFD}b\u{FFFD}\u{FFFD}]]></NOTE>"), "{document}");
        }
    }

    /// The built-in datastores are made through `one.datastore.allocate`'s checks and the
    /// shipped TM_MAD_CONF (`local`) and DS_MAD_CONF (`fs`): what OpenNebula 7.4 bootstraps,
    /// and what earlier versions of Nephele wrote as fixed values.
    #[test]
    fn bootstrap_datastores_are_opennebulas() {
        use crate::objects::PoolObject as _;
        let mut c = Cloud::empty(Settings::default());
        c.bootstrap("h0".into(), "h1".into()).unwrap();
        let common = "<ALLOW_ORPHANS><![CDATA[FORMAT]]></ALLOW_ORPHANS>";
        let dirs = "<RESTRICTED_DIRS><![CDATA[/]]></RESTRICTED_DIRS><SAFE_DIRS><![CDATA[/var/tmp]]></SAFE_DIRS>";
        let expected = [
            format!(
                "<DS_MAD>-</DS_MAD><TM_MAD>local</TM_MAD><BASE_PATH>/var/lib/one/datastores/0</BASE_PATH><TYPE>1</TYPE>\
                 <DISK_TYPE>0</DISK_TYPE><STATE>0</STATE><CLUSTERS><ID>0</ID></CLUSTERS><TOTAL_MB>0</TOTAL_MB>\
                 <FREE_MB>0</FREE_MB><USED_MB>0</USED_MB><IMAGES></IMAGES><TEMPLATE>{common}\
                 <DISK_TYPE><![CDATA[FILE]]></DISK_TYPE><DS_LIVE_MIGRATE><![CDATA[YES]]></DS_LIVE_MIGRATE>\
                 <DS_MIGRATE><![CDATA[YES]]></DS_MIGRATE><DS_MIGRATE_SNAP><![CDATA[YES]]></DS_MIGRATE_SNAP>\
                 <PERSISTENT_SNAPSHOTS><![CDATA[YES]]></PERSISTENT_SNAPSHOTS>{dirs}<SHARED><![CDATA[NO]]></SHARED>\
                 <TM_MAD><![CDATA[local]]></TM_MAD><TYPE><![CDATA[SYSTEM_DS]]></TYPE></TEMPLATE></DATASTORE>"
            ),
            format!(
                "<DS_MAD>fs</DS_MAD><TM_MAD>local</TM_MAD><BASE_PATH>/var/lib/one/datastores/1</BASE_PATH><TYPE>0</TYPE>\
                 <DISK_TYPE>0</DISK_TYPE><STATE>0</STATE><CLUSTERS><ID>0</ID></CLUSTERS><TOTAL_MB>0</TOTAL_MB>\
                 <FREE_MB>0</FREE_MB><USED_MB>0</USED_MB><IMAGES></IMAGES><TEMPLATE>{common}\
                 <CLONE_TARGET><![CDATA[SYSTEM]]></CLONE_TARGET><DISK_TYPE><![CDATA[FILE]]></DISK_TYPE>\
                 <DS_MAD><![CDATA[fs]]></DS_MAD><LN_TARGET><![CDATA[SYSTEM]]></LN_TARGET>\
                 <PERSISTENT_SNAPSHOTS><![CDATA[YES]]></PERSISTENT_SNAPSHOTS>{dirs}<TM_MAD><![CDATA[local]]></TM_MAD>\
                 <TYPE><![CDATA[IMAGE_DS]]></TYPE></TEMPLATE></DATASTORE>"
            ),
            format!(
                "<DS_MAD>fs</DS_MAD><TM_MAD>local</TM_MAD><BASE_PATH>/var/lib/one/datastores/2</BASE_PATH><TYPE>2</TYPE>\
                 <DISK_TYPE>0</DISK_TYPE><STATE>0</STATE><CLUSTERS><ID>0</ID></CLUSTERS><TOTAL_MB>0</TOTAL_MB>\
                 <FREE_MB>0</FREE_MB><USED_MB>0</USED_MB><IMAGES></IMAGES><TEMPLATE>{common}\
                 <CLONE_TARGET><![CDATA[SYSTEM]]></CLONE_TARGET><DS_MAD><![CDATA[fs]]></DS_MAD>\
                 <LN_TARGET><![CDATA[SYSTEM]]></LN_TARGET><PERSISTENT_SNAPSHOTS><![CDATA[YES]]></PERSISTENT_SNAPSHOTS>\
                 {dirs}<TM_MAD><![CDATA[local]]></TM_MAD><TYPE><![CDATA[FILE_DS]]></TYPE></TEMPLATE></DATASTORE>"
            ),
        ];
        for (id, tail) in expected.iter().enumerate() {
            let xml = c.datastores.get(id as i32).unwrap().to_xml();
            assert!(xml.ends_with(tail.as_str()), "datastore {id}:\n{xml}\nexpected to end with\n{tail}");
        }
    }

    /// A oned.conf whose `local` entry cannot make a system datastore stops the bootstrap.
    #[test]
    fn bootstrap_fails_with_a_local_tm_that_cannot_make_the_system_datastore() {
        let mut storage = StorageConf::builtin();
        storage.tm.retain(|t| t.name != "local");
        let mut c = Cloud::empty(Settings { storage: Arc::new(storage), ..Settings::default() });
        assert_eq!(
            c.bootstrap("h0".into(), "h1".into()).unwrap_err(),
            "Error trying to create default datastore: TM_MAD named \"local\" is not defined in oned.conf"
        );
    }

    #[test]
    fn a_corrupt_row_stops_loading_with_its_location() {
        let snap = Snapshot { objects: vec![(ObjectKind::Host, 4, "not json".into())], ..Snapshot::default() };
        let err = Cloud::load(snap, Settings::default()).err().unwrap().to_string();
        assert!(err.starts_with("the database row host_pool/4 cannot be read"), "{err}");
    }
}

//! Images: disk images registered in an image datastore (metadata; transfers come with the
//! storage drivers).

use super::NameKey;
use super::{Lock, ObjectKind, Ownership, PoolObject};
use crate::xml;
use libone::template::Template;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// Image types (`TYPE`): the numbers in the XML and the names in templates.
pub const IMAGE_TYPES: [&str; 8] = ["OS", "CDROM", "DATABLOCK", "KERNEL", "RAMDISK", "CONTEXT", "BACKUP", "FILESYSTEM"];

/// Image states (`STATE`).
pub mod state {
    pub const INIT: i32 = 0;
    pub const READY: i32 = 1;
    pub const USED: i32 = 2;
    pub const DISABLED: i32 = 3;
    pub const LOCKED: i32 = 4;
    pub const ERROR: i32 = 5;
    pub const CLONE: i32 = 6;
    pub const DELETE: i32 = 7;
    pub const USED_PERS: i32 = 8;

    pub fn name(s: i32) -> &'static str {
        match s {
            INIT => "INIT",
            READY => "READY",
            USED => "USED",
            DISABLED => "DISABLED",
            LOCKED => "LOCKED",
            ERROR => "ERROR",
            CLONE => "CLONE",
            DELETE => "DELETE",
            USED_PERS => "USED_PERS",
            9 => "LOCKED_USED",
            10 => "LOCKED_USED_PERS",
            _ => "UNKNOWN",
        }
    }
}

/// The number of an image type name, case-insensitive (`OS` → 0).
pub fn image_type_from_str(s: &str) -> Option<i32> {
    let up = s.trim().to_ascii_uppercase();
    IMAGE_TYPES.iter().position(|t| *t == up).map(|i| i as i32)
}

/// A datastore-driver action an image waits for (the image's journal entry, stored with it so
/// that a restart sends it again: no image stays LOCKED or in DELETE for ever).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum DsAction {
    Cp,
    Mkfs,
    Rm,
    Clone,
    SnapDelete,
    SnapRevert,
    SnapFlatten,
}

impl DsAction {
    /// The verb on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            DsAction::Cp => "CP",
            DsAction::Mkfs => "MKFS",
            DsAction::Rm => "RM",
            DsAction::Clone => "CLONE",
            DsAction::SnapDelete => "SNAP_DELETE",
            DsAction::SnapRevert => "SNAP_REVERT",
            DsAction::SnapFlatten => "SNAP_FLATTEN",
        }
    }

    pub fn parse(s: &str) -> Option<DsAction> {
        [
            DsAction::Cp,
            DsAction::Mkfs,
            DsAction::Rm,
            DsAction::Clone,
            DsAction::SnapDelete,
            DsAction::SnapRevert,
            DsAction::SnapFlatten,
        ]
        .into_iter()
        .find(|a| a.as_str() == s)
    }
}

/// The pending datastore action of an image.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImageJob {
    pub seq: u64,
    pub action: DsAction,
    /// Times it was sent again after being lost (a restart, a driver crash, a timeout).
    pub attempts: u32,
}

/// One snapshot of an image (a persistent image's disk snapshots, kept with it).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImageSnapshot {
    pub id: i32,
    pub name: String,
    pub date: i64,
    pub parent: i32,
    /// MiB.
    pub size: i64,
    pub active: bool,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Image {
    pub oid: i32,
    pub name: String,
    pub owner: Ownership,
    pub lock: Option<Lock>,
    pub image_type: i32,
    pub disk_type: i32,
    pub persistent: bool,
    pub regtime: i64,
    pub modtime: i64,
    pub source: String,
    pub path: String,
    pub format: String,
    pub fs: String,
    /// Size in MiB.
    pub size: i64,
    pub state: i32,
    pub prev_state: i32,
    pub running_vms: i32,
    pub cloning_ops: i32,
    pub cloning_id: i32,
    pub target_snapshot: i32,
    pub datastore_id: i32,
    pub datastore: String,
    pub vms: BTreeSet<i32>,
    pub clones: BTreeSet<i32>,
    pub app_clones: BTreeSet<i32>,
    pub template: Template,
    /// The datastore action under way (see [`ImageJob`]).
    #[serde(default)]
    pub pending: Option<ImageJob>,
    #[serde(default)]
    pub snapshots: Vec<ImageSnapshot>,
    #[serde(default)]
    pub next_snapshot: i32,
}

impl Image {
    /// A new image of datastore `datastore` (id, name): READY, not persistent, type OS, no file
    /// yet, registered now. Callers change what differs with struct update syntax.
    pub fn new(oid: i32, name: String, owner: Ownership, datastore: (i32, String), template: Template) -> Image {
        Image {
            oid,
            name,
            owner,
            lock: None,
            image_type: 0,
            disk_type: 0,
            persistent: false,
            regtime: crate::objects::now(),
            modtime: 0,
            source: String::new(),
            path: String::new(),
            format: "raw".to_string(),
            fs: String::new(),
            size: 0,
            state: state::READY,
            prev_state: state::READY,
            running_vms: 0,
            cloning_ops: 0,
            cloning_id: -1,
            target_snapshot: -1,
            datastore_id: datastore.0,
            datastore: datastore.1,
            vms: BTreeSet::new(),
            clones: BTreeSet::new(),
            app_clones: BTreeSet::new(),
            template,
            pending: None,
            snapshots: Vec::new(),
            next_snapshot: 0,
        }
    }

    /// Starts datastore action `action`: the journal entry is committed with the image, and
    /// the caller puts the image in the outbox.
    pub fn start_job(&mut self, action: DsAction) {
        let seq = self.pending.map_or(0, |p| p.seq) + 1;
        self.pending = Some(ImageJob { seq, action, attempts: 0 });
    }

    /// Puts the image in ERROR with `message` in `TEMPLATE/ERROR` (OpenNebula's place for it).
    pub fn set_error(&mut self, message: &str) {
        self.prev_state = self.state;
        self.state = state::ERROR;
        self.template.set("ERROR", message);
    }

    fn write_snapshots(&self, out: &mut String) {
        write_snapshots_xml(out, -1, None, self.next_snapshot, &self.snapshots);
    }
}

/// OpenNebula's `SNAPSHOTS` element, shared by images and VM disks (which add `DISK_ID`).
pub fn write_snapshots_xml(
    out: &mut String,
    current_base: i32,
    disk_id: Option<i32>,
    next: i32,
    list: &[ImageSnapshot],
) {
    xml::open(out, "SNAPSHOTS");
    xml::cdata_elem(out, "ALLOW_ORPHANS", "NO");
    xml::num(out, "CURRENT_BASE", current_base);
    if let Some(d) = disk_id {
        xml::num(out, "DISK_ID", d);
    }
    xml::num(out, "NEXT_SNAPSHOT", next);
    for s in list {
        xml::open(out, "SNAPSHOT");
        if s.active {
            xml::cdata_elem(out, "ACTIVE", "YES");
        }
        xml::num(out, "DATE", s.date);
        xml::num(out, "ID", s.id);
        xml::cdata_elem(out, "NAME", &s.name);
        xml::num(out, "PARENT", s.parent);
        xml::num(out, "SIZE", s.size);
        xml::close(out, "SNAPSHOT");
    }
    xml::close(out, "SNAPSHOTS");
}

impl PoolObject for Image {
    const KIND: ObjectKind = ObjectKind::Image;

    fn oid(&self) -> i32 {
        self.oid
    }

    fn name(&self) -> &str {
        &self.name
    }

    fn name_key(&self) -> Option<NameKey> {
        Some((self.owner.uid, self.name.clone()))
    }

    fn ownership(&self) -> Option<&Ownership> {
        Some(&self.owner)
    }

    fn lock(&self) -> Option<&Lock> {
        self.lock.as_ref()
    }

    fn write_xml(&self, out: &mut String) {
        xml::open(out, "IMAGE");
        xml::num(out, "ID", self.oid);
        self.owner.write_ids(out);
        xml::text(out, "NAME", &self.name);
        if let Some(l) = &self.lock {
            l.write_xml(out);
        }
        self.owner.perms.write_xml(out);
        xml::num(out, "TYPE", self.image_type);
        xml::num(out, "DISK_TYPE", self.disk_type);
        xml::num(out, "PERSISTENT", self.persistent as i32);
        xml::num(out, "REGTIME", self.regtime);
        xml::num(out, "MODTIME", self.modtime);
        xml::cdata_elem(out, "SOURCE", &self.source);
        xml::cdata_elem(out, "PATH", &self.path);
        xml::cdata_elem(out, "FORMAT", &self.format);
        xml::cdata_elem(out, "FS", &self.fs);
        xml::num(out, "SIZE", self.size);
        xml::num(out, "STATE", self.state);
        xml::num(out, "PREV_STATE", self.prev_state);
        xml::num(out, "RUNNING_VMS", self.running_vms);
        xml::num(out, "CLONING_OPS", self.cloning_ops);
        xml::num(out, "CLONING_ID", self.cloning_id);
        xml::num(out, "TARGET_SNAPSHOT", self.target_snapshot);
        xml::num(out, "DATASTORE_ID", self.datastore_id);
        xml::text(out, "DATASTORE", &self.datastore);
        xml::ids(out, "VMS", &self.vms);
        xml::ids(out, "CLONES", &self.clones);
        xml::ids(out, "APP_CLONES", &self.app_clones);
        self.template.write_xml("TEMPLATE", out);
        self.write_snapshots(out);
        out.push_str("<BACKUP_INCREMENTS></BACKUP_INCREMENTS>");
        xml::close(out, "IMAGE");
    }
}

//! Virtual machines: states, templates, history records, and their two XML bodies (full for
//! `one.vm.info` and `one.vmpool.infoextended`, short for `one.vmpool.info`).
//!
//! The short body's `TEMPLATE` is OpenNebula 7.4's (`VirtualMachine::to_xml_short`,
//! `src/vm/VirtualMachine.cc`): `CPU`, `MEMORY` and `VCPU` (always, empty when unset), each DISK
//! and NIC cut down to a few sub-elements ([`SHORT_DISK`], [`SHORT_NIC_IF_SET`],
//! [`SHORT_NIC_ALWAYS`]) in ID order, and the `GRAPHICS` vector; nothing else. What the scheduler
//! needs beyond that (`AUTOMATIC_REQUIREMENTS` ...) it reads from the full body.

use super::NameKey;
use super::{Lock, ObjectKind, Ownership, PoolObject};
use crate::xml;
use libone::template::{Attribute, Template, Vector};
use serde::{Deserialize, Serialize};

pub use libone::states::{LcmState, VmState};

/// Reads an LCM_STATE from the store: its number, or one of the two internal numbers earlier
/// versions kept for the second half of a clean-up (1023: CLEANUP_DELETE's, 1015:
/// CLEANUP_RESUBMIT's; the pending action says which half). Any other number is an error.
fn stored_lcm<'de, D: serde::Deserializer<'de>>(d: D) -> Result<LcmState, D::Error> {
    let n = i32::deserialize(d)?;
    let n = match n {
        1023 => LcmState::CleanupDelete.number(),
        1015 => LcmState::CleanupResubmit.number(),
        n => n,
    };
    LcmState::try_from(n).map_err(serde::de::Error::custom)
}

/// One stay of a VM on a host (`HISTORY`).
/// `OS` attributes whose file comes from the files datastore (`<BASE>_DS`), and the name the
/// prolog gives it in the VM's directory.
pub const OS_FILES: [(&str, &str); 2] = [("KERNEL", "kernel"), ("INITRD", "initrd")];

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct History {
    pub seq: i32,
    pub hostname: String,
    pub hid: i32,
    pub cid: i32,
    pub stime: i64,
    pub etime: i64,
    pub vm_mad: String,
    pub tm_mad: String,
    pub ds_id: i32,
    pub plan_id: i32,
    pub action_id: i32,
    pub pstime: i64,
    pub petime: i64,
    pub rstime: i64,
    pub retime: i64,
    pub estime: i64,
    pub eetime: i64,
    /// The action that ended this record (`History::VMAction` number).
    pub action: i32,
    pub uid: i32,
    pub gid: i32,
    pub request_id: i32,
}

impl History {
    fn write_xml(&self, oid: i32, out: &mut String) {
        xml::open(out, "HISTORY");
        xml::num(out, "OID", oid);
        xml::num(out, "SEQ", self.seq);
        xml::text(out, "HOSTNAME", &self.hostname);
        xml::num(out, "HID", self.hid);
        xml::num(out, "CID", self.cid);
        xml::num(out, "STIME", self.stime);
        xml::num(out, "ETIME", self.etime);
        xml::text(out, "VM_MAD", &self.vm_mad);
        xml::text(out, "TM_MAD", &self.tm_mad);
        xml::num(out, "DS_ID", self.ds_id);
        xml::num(out, "PLAN_ID", self.plan_id);
        xml::num(out, "ACTION_ID", self.action_id);
        xml::num(out, "PSTIME", self.pstime);
        xml::num(out, "PETIME", self.petime);
        xml::num(out, "RSTIME", self.rstime);
        xml::num(out, "RETIME", self.retime);
        xml::num(out, "ESTIME", self.estime);
        xml::num(out, "EETIME", self.eetime);
        xml::num(out, "ACTION", self.action);
        xml::num(out, "UID", self.uid);
        xml::num(out, "GID", self.gid);
        xml::num(out, "REQUEST_ID", self.request_id);
        xml::close(out, "HISTORY");
    }

    fn write_short_xml(&self, oid: i32, out: &mut String) {
        xml::open(out, "HISTORY");
        xml::num(out, "OID", oid);
        xml::num(out, "SEQ", self.seq);
        xml::text(out, "HOSTNAME", &self.hostname);
        xml::num(out, "HID", self.hid);
        xml::num(out, "CID", self.cid);
        xml::num(out, "DS_ID", self.ds_id);
        xml::text(out, "VM_MAD", &self.vm_mad);
        xml::text(out, "TM_MAD", &self.tm_mad);
        xml::num(out, "ACTION", self.action);
        xml::close(out, "HISTORY");
    }
}

/// Which driver an in-flight action went to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum DriverKind {
    Vmm,
    Tm,
}

/// The driver verbs oned sends for a VM (the protocol's words, `share/doc/drivers.md`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Verb {
    Deploy,
    Shutdown,
    Cancel,
    Save,
    Restore,
    Reboot,
    Reset,
    Migrate,
    Poll,
    Cleanup,
    /// A TM transfer file (the stage says which).
    Transfer,
}

impl Verb {
    pub const ALL: [Verb; 11] = [
        Verb::Deploy,
        Verb::Shutdown,
        Verb::Cancel,
        Verb::Save,
        Verb::Restore,
        Verb::Reboot,
        Verb::Reset,
        Verb::Migrate,
        Verb::Poll,
        Verb::Cleanup,
        Verb::Transfer,
    ];

    /// The word on the wire.
    pub const fn as_str(self) -> &'static str {
        match self {
            Verb::Deploy => "DEPLOY",
            Verb::Shutdown => "SHUTDOWN",
            Verb::Cancel => "CANCEL",
            Verb::Save => "SAVE",
            Verb::Restore => "RESTORE",
            Verb::Reboot => "REBOOT",
            Verb::Reset => "RESET",
            Verb::Migrate => "MIGRATE",
            Verb::Poll => "POLL",
            Verb::Cleanup => "CLEANUP",
            Verb::Transfer => "TRANSFER",
        }
    }

    /// The verb a driver's reply names, if oned sends it.
    pub fn parse(word: &str) -> Option<Verb> {
        Verb::ALL.into_iter().find(|v| v.as_str() == word)
    }

    /// The driver that runs it.
    pub const fn driver(self) -> DriverKind {
        match self {
            Verb::Transfer => DriverKind::Tm,
            _ => DriverKind::Vmm,
        }
    }
}

impl std::fmt::Display for Verb {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which transfer file a TRANSFER runs (none for VMM verbs).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Stage {
    #[serde(rename = "")]
    None,
    #[serde(rename = "prolog")]
    Prolog,
    #[serde(rename = "prolog_resume")]
    PrologResume,
    #[serde(rename = "prolog_undeploy")]
    PrologUndeploy,
    #[serde(rename = "epilog")]
    Epilog,
    #[serde(rename = "epilog_local")]
    EpilogLocal,
    #[serde(rename = "epilog_stop")]
    EpilogStop,
    #[serde(rename = "migrate")]
    Migrate,
    #[serde(rename = "delete")]
    Delete,
    #[serde(rename = "snap_create")]
    SnapCreate,
    #[serde(rename = "snap_revert")]
    SnapRevert,
    #[serde(rename = "snap_delete")]
    SnapDelete,
    #[serde(rename = "disk_resize")]
    Resize,
    #[serde(rename = "disk_saveas")]
    Saveas,
}

impl Stage {
    /// The name in transfer file names (`transfer.<seq>.<stage>`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Stage::None => "",
            Stage::Prolog => "prolog",
            Stage::PrologResume => "prolog_resume",
            Stage::PrologUndeploy => "prolog_undeploy",
            Stage::Epilog => "epilog",
            Stage::EpilogLocal => "epilog_local",
            Stage::EpilogStop => "epilog_stop",
            Stage::Migrate => "migrate",
            Stage::Delete => "delete",
            Stage::SnapCreate => "snap_create",
            Stage::SnapRevert => "snap_revert",
            Stage::SnapDelete => "snap_delete",
            Stage::Resize => "disk_resize",
            Stage::Saveas => "disk_saveas",
        }
    }
}

impl std::fmt::Display for Stage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The driver action a VM is waiting for: the journal entry that makes crash recovery possible.
/// It is stored in the VM's row, so it is committed together with the state that expects it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingAction {
    pub driver: DriverKind,
    /// The protocol verb (`DEPLOY`, `TRANSFER`, ...).
    pub verb: Verb,
    /// For TRANSFER: the stage (`prolog`, `epilog`, ...).
    pub stage: Stage,
    /// A number unique per VM, so a late reply to an older action is recognised.
    pub seq: u64,
    /// When it was sent (seconds since the epoch; 0 = not sent yet).
    pub sent_at: i64,
    /// How many times it was sent again after a driver or oned failure.
    pub attempts: u32,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct VirtualMachine {
    pub oid: i32,
    pub name: String,
    pub owner: Ownership,
    pub lock: Option<Lock>,
    pub last_poll: i64,
    pub state: VmState,
    #[serde(deserialize_with = "stored_lcm")]
    pub lcm_state: LcmState,
    pub prev_state: VmState,
    #[serde(deserialize_with = "stored_lcm")]
    pub prev_lcm_state: LcmState,
    pub resched: i32,
    pub stime: i64,
    pub etime: i64,
    pub deploy_id: String,
    pub monitoring: Template,
    /// The system template (CPU, MEMORY, DISK, NIC, ..., VMID).
    pub template: Template,
    /// Everything else the user wrote, editable with `one.vm.update`.
    pub user_template: Template,
    pub history: Vec<History>,
    /// The driver action in flight, if any.
    #[serde(default)]
    pub pending: Option<PendingAction>,
    /// Sequence counter for [`PendingAction::seq`].
    #[serde(default)]
    pub action_seq: u64,
    /// When the state last changed (monitoring leaves a VM alone for a while after that).
    #[serde(default)]
    pub state_changed_at: i64,
    /// Disk snapshots, per DISK_ID.
    #[serde(default)]
    pub disk_snapshots: std::collections::BTreeMap<i32, DiskSnapshots>,
    /// The disk operation under way (snapshot, resize, save-as), read by the transfer that
    /// carries it out and settled by its answer.
    #[serde(default)]
    pub disk_op: Option<DiskOp>,
}

/// The snapshots of one disk (OpenNebula's `SNAPSHOTS` element of the VM).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiskSnapshots {
    pub next: i32,
    pub list: Vec<crate::objects::image::ImageSnapshot>,
}

/// A disk operation waiting for its transfer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum DiskOp {
    SnapCreate {
        disk: i32,
        snap: i32,
    },
    SnapRevert {
        disk: i32,
        snap: i32,
    },
    SnapDelete {
        disk: i32,
        snap: i32,
    },
    /// New and previous size, MiB.
    Resize {
        disk: i32,
        size: i64,
        old: i64,
    },
    /// Save-as into image `image` (its SOURCE once the datastore driver has named it), from the
    /// disk itself (`snap` = -1) or one of its snapshots.
    Saveas {
        disk: i32,
        snap: i32,
        image: i32,
        source: String,
    },
}

impl DiskOp {
    pub fn disk(&self) -> i32 {
        match self {
            DiskOp::SnapCreate { disk, .. }
            | DiskOp::SnapRevert { disk, .. }
            | DiskOp::SnapDelete { disk, .. }
            | DiskOp::Resize { disk, .. }
            | DiskOp::Saveas { disk, .. } => *disk,
        }
    }
}

/// The sub-elements of a DISK in the short body, in order, always written (empty when unset):
/// `VirtualMachineDisk::to_xml_short` (`src/vm/VirtualMachineDisk.cc`).
pub const SHORT_DISK: [&str; 11] = [
    "DISK_ID",
    "DATASTORE",
    "DATASTORE_ID",
    "IMAGE",
    "IMAGE_ID",
    "SIZE",
    "TYPE",
    "CLONE",
    "CLONE_TARGET",
    "LN_TARGET",
    "DISK_SNAPSHOT_TOTAL_SIZE",
];

/// The sub-elements a NIC of the short body starts with, in order, each only when set and not
/// empty: `VirtualMachineNic::to_xml_short` (`src/vm/VirtualMachineNic.cc`).
pub const SHORT_NIC_IF_SET: [&str; 9] = [
    "IP",
    "EXTERNAL_IP",
    "IP6",
    "IP6_ULA",
    "IP6_LINK",
    "IP6_GLOBAL",
    "NETWORK_MODE",
    "SCHED_REQUIREMENTS",
    "SCHED_RANK",
];

/// The sub-elements that follow in a NIC of the short body, always written (empty when unset).
pub const SHORT_NIC_ALWAYS: [&str; 5] = ["MAC", "NETWORK", "NETWORK_ID", "NIC_ID", "SECURITY_GROUPS"];

/// The vectors OpenNebula keeps in a VM's disk or NIC set (a map by ID): in ID order, the first of
/// a repeated ID only, none without a numeric ID.
fn by_id<'a>(vectors: impl Iterator<Item = &'a Vector>, id: &str) -> Vec<&'a Vector> {
    let mut set: Vec<(i32, &Vector)> = vectors.filter_map(|v| Some((v.get(id)?.trim().parse().ok()?, v))).collect();
    set.sort_by_key(|(id, _)| *id); // stable: the first of a repeated ID stays first
    set.dedup_by_key(|(id, _)| *id);
    set.into_iter().map(|(_, v)| v).collect()
}

impl VirtualMachine {
    /// The mode of the cold migration in progress (see `lcm::machine::with_migration_mode`):
    /// 1 or 2 when the record being left says `POFF_MIGRATE` / `POFF_HARD_MIGRATE`, else 0.
    pub fn migration_mode(&self) -> i32 {
        match self.history.len().checked_sub(2).and_then(|i| self.history.get(i)).map(|h| h.action) {
            Some(48) => 1,
            Some(49) => 2,
            _ => 0,
        }
    }

    /// The state name OpenNebula prints in action errors: the LCM state for ACTIVE VMs.
    pub fn state_for_message(&self) -> &'static str {
        if self.state == VmState::Active { self.lcm_state.name() } else { self.state.name() }
    }

    /// The CPU (percent of a core) and memory (KiB) the VM asks of its host.
    pub fn host_request(&self) -> (i64, i64) {
        let cpu = self.template.get("CPU").and_then(|c| c.trim().parse::<f64>().ok()).unwrap_or(0.0);
        let mem = self.template.get("MEMORY").and_then(|m| m.trim().parse::<i64>().ok()).unwrap_or(0);
        ((cpu * 100.0).round() as i64, mem * 1024)
    }

    /// The integer value of a template attribute, if any.
    pub fn template_i64(&self, name: &str) -> Option<i64> {
        self.template.get(name).and_then(|v| v.trim().parse().ok())
    }

    fn write_head(&self, out: &mut String) {
        xml::num(out, "ID", self.oid);
        self.owner.write_ids(out);
        xml::text(out, "NAME", &self.name);
    }

    /// The short body's `TEMPLATE`, element for element as OpenNebula writes it (see the module
    /// documentation). Rendered once per change: the pool caches the short body.
    fn write_short_template(&self, out: &mut String) {
        xml::open(out, "TEMPLATE");
        for name in ["CPU", "MEMORY", "VCPU"] {
            xml::text(out, name, self.template.get(name).unwrap_or(""));
        }
        for disk in by_id(self.template.vectors("DISK"), "DISK_ID") {
            xml::open(out, "DISK");
            for key in SHORT_DISK {
                xml::text(out, key, disk.get(key).unwrap_or(""));
            }
            xml::close(out, "DISK");
        }
        // OpenNebula's NIC set holds the NICs, the PCI devices of TYPE NIC and the NIC_ALIASes;
        // each is written as a NIC.
        let nics = self.template.iter().filter_map(|a| match a.name() {
            "NIC" | "NIC_ALIAS" => a.as_vector(),
            "PCI" => a.as_vector().filter(|v| v.get("TYPE") == Some("NIC")),
            _ => None,
        });
        for nic in by_id(nics, "NIC_ID") {
            xml::open(out, "NIC");
            for key in SHORT_NIC_IF_SET {
                if let Some(v) = nic.get(key).filter(|v| !v.is_empty()) {
                    xml::text(out, key, v);
                }
            }
            for key in SHORT_NIC_ALWAYS {
                xml::text(out, key, nic.get(key).unwrap_or(""));
            }
            xml::close(out, "NIC");
        }
        if let Some(graphics) = self.template.vector("GRAPHICS") {
            // A vector is written as a template of its pairs would be: sub-elements sorted by
            // name, values in CDATA (OpenNebula's `VectorAttribute::to_xml`, as in the full body).
            let pairs = graphics.iter().map(|(k, v)| Attribute::Single { name: k.to_string(), value: v.to_string() });
            Template::from_attributes(pairs.collect()).write_xml("GRAPHICS", out);
        }
        xml::close(out, "TEMPLATE");
    }
}

#[cfg(test)]
impl VirtualMachine {
    /// A VM for tests: owned by oneadmin, in `state` / `lcm`, with `template`, on no host.
    pub fn for_tests(oid: i32, state: VmState, lcm: LcmState, template: Template) -> VirtualMachine {
        VirtualMachine {
            oid,
            name: format!("vm{oid}"),
            owner: Ownership {
                uid: 0,
                gid: 0,
                uname: "oneadmin".into(),
                gname: "oneadmin".into(),
                perms: Default::default(),
            },
            lock: None,
            last_poll: 0,
            state,
            lcm_state: lcm,
            prev_state: state,
            prev_lcm_state: lcm,
            resched: 0,
            stime: 1,
            etime: 0,
            deploy_id: String::new(),
            monitoring: Template::new(),
            template,
            user_template: Template::new(),
            history: vec![],
            pending: None,
            action_seq: 0,
            state_changed_at: 0,
            disk_snapshots: Default::default(),
            disk_op: None,
        }
    }
}

impl PoolObject for VirtualMachine {
    const KIND: ObjectKind = ObjectKind::Vm;

    fn oid(&self) -> i32 {
        self.oid
    }

    fn name(&self) -> &str {
        &self.name
    }

    fn name_key(&self) -> Option<NameKey> {
        None
    }

    fn ownership(&self) -> Option<&Ownership> {
        Some(&self.owner)
    }

    fn lock(&self) -> Option<&Lock> {
        self.lock.as_ref()
    }

    fn write_xml(&self, out: &mut String) {
        xml::open(out, "VM");
        self.write_head(out);
        self.owner.perms.write_xml(out);
        xml::num(out, "LAST_POLL", self.last_poll);
        xml::num(out, "STATE", self.state.number());
        xml::num(out, "LCM_STATE", self.lcm_state.number());
        xml::num(out, "PREV_STATE", self.prev_state.number());
        xml::num(out, "PREV_LCM_STATE", self.prev_lcm_state.number());
        xml::num(out, "RESCHED", self.resched);
        xml::num(out, "STIME", self.stime);
        xml::num(out, "ETIME", self.etime);
        xml::text(out, "DEPLOY_ID", &self.deploy_id);
        if let Some(l) = &self.lock {
            l.write_xml(out);
        }
        if self.monitoring.is_empty() {
            out.push_str("<MONITORING></MONITORING>");
        } else {
            self.monitoring.write_xml("MONITORING", out);
        }
        out.push_str("<SCHED_ACTIONS></SCHED_ACTIONS>");
        self.template.write_xml("TEMPLATE", out);
        self.user_template.write_xml("USER_TEMPLATE", out);
        xml::open(out, "HISTORY_RECORDS");
        for h in &self.history {
            h.write_xml(self.oid, out);
        }
        xml::close(out, "HISTORY_RECORDS");
        for (disk, snaps) in &self.disk_snapshots {
            let base = snaps.list.iter().find(|s| s.active).map_or(-1, |s| s.id);
            super::image::write_snapshots_xml(out, base, Some(*disk), snaps.next, &snaps.list);
        }
        out.push_str("<BACKUPS><BACKUP_CONFIG></BACKUP_CONFIG><BACKUP_IDS></BACKUP_IDS></BACKUPS>");
        xml::close(out, "VM");
    }

    fn write_pool_xml(&self, out: &mut String) {
        xml::open(out, "VM");
        self.write_head(out);
        xml::num(out, "LAST_POLL", self.last_poll);
        xml::num(out, "STATE", self.state.number());
        xml::num(out, "LCM_STATE", self.lcm_state.number());
        xml::num(out, "RESCHED", self.resched);
        xml::num(out, "STIME", self.stime);
        xml::num(out, "ETIME", self.etime);
        xml::text(out, "DEPLOY_ID", &self.deploy_id);
        if let Some(l) = &self.lock {
            l.write_xml(out);
        }
        self.write_short_template(out);
        if !self.monitoring.is_empty() {
            self.monitoring.write_xml("MONITORING", out);
        }
        self.user_template.write_xml("USER_TEMPLATE", out);
        xml::open(out, "HISTORY_RECORDS");
        // The short body carries only the last (current) record, as OpenNebula does.
        if let Some(h) = self.history.last() {
            h.write_short_xml(self.oid, out);
        }
        xml::close(out, "HISTORY_RECORDS");
        xml::close(out, "VM");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vm(template: &str) -> VirtualMachine {
        VirtualMachine {
            name: "v".into(),
            user_template: Template::parse_text("FOO = bar").expect("user template"),
            ..VirtualMachine::for_tests(
                7,
                VmState::Pending,
                LcmState::LcmInit,
                Template::parse_text(template).expect("template"),
            )
        }
    }

    /// The `<TEMPLATE>…</TEMPLATE>` of the short body.
    fn short_template(vm: &VirtualMachine) -> String {
        let mut out = String::new();
        vm.write_pool_xml(&mut out);
        let start = out.find("<TEMPLATE>").expect("TEMPLATE");
        let end = out.find("</TEMPLATE>").expect("/TEMPLATE") + "</TEMPLATE>".len();
        out[start..end].to_string()
    }

    #[test]
    fn short_template_is_opennebulas() {
        let v = vm(r#"
            AUTOMATIC_REQUIREMENTS = "CLUSTER_ID = 0 & !(PIN_POLICY = PINNED)"
            AUTOMATIC_DS_REQUIREMENTS = "(\"CLUSTERS/ID\" @> 0)"
            NIC = [ NIC_ID = "1", NETWORK_MODE = "auto", SCHED_REQUIREMENTS = "ID > 0" ]
            DISK = [ DISK_ID = "1", TYPE = "fs", SIZE = "10", TARGET = "sdb" ]
            OS = [ ARCH = "x86_64", UUID = "u" ]
            GRAPHICS = [ TYPE = "VNC", LISTEN = "0.0.0.0" ]
            MEMORY = "128"
            NIC = [ NIC_ID = "0", IP = "10.0.0.1", MAC = "02:00:0a:00:00:01", NETWORK = "n<1>", NETWORK_ID = "3", BRIDGE = "br0" ]
            DISK = [ DISK_ID = "0", IMAGE = "img", IMAGE_ID = "4", DATASTORE = "default", DATASTORE_ID = "1", SOURCE = "/s", CLONE = "YES" ]
            CONTEXT = [ NETWORK = "YES" ]
            CPU = "0.5"
            VMID = "7"
        "#);
        let disk = |id: &str, ds: &str, ds_id: &str, image: &str, image_id: &str, size: &str, ty: &str, clone: &str| {
            format!(
                "<DISK><DISK_ID>{id}</DISK_ID><DATASTORE>{ds}</DATASTORE><DATASTORE_ID>{ds_id}</DATASTORE_ID><IMAGE>{image}</IMAGE>\
                 <IMAGE_ID>{image_id}</IMAGE_ID><SIZE>{size}</SIZE><TYPE>{ty}</TYPE><CLONE>{clone}</CLONE><CLONE_TARGET></CLONE_TARGET>\
                 <LN_TARGET></LN_TARGET><DISK_SNAPSHOT_TOTAL_SIZE></DISK_SNAPSHOT_TOTAL_SIZE></DISK>"
            )
        };
        let expected = format!(
            "<TEMPLATE><CPU>0.5</CPU><MEMORY>128</MEMORY><VCPU></VCPU>{}{}\
             <NIC><IP>10.0.0.1</IP><MAC>02:00:0a:00:00:01</MAC><NETWORK>n&lt;1&gt;</NETWORK><NETWORK_ID>3</NETWORK_ID><NIC_ID>0</NIC_ID><SECURITY_GROUPS></SECURITY_GROUPS></NIC>\
             <NIC><NETWORK_MODE>auto</NETWORK_MODE><SCHED_REQUIREMENTS>ID &gt; 0</SCHED_REQUIREMENTS><MAC></MAC><NETWORK></NETWORK><NETWORK_ID></NETWORK_ID><NIC_ID>1</NIC_ID><SECURITY_GROUPS></SECURITY_GROUPS></NIC>\
             <GRAPHICS><LISTEN><![CDATA[0.0.0.0]]></LISTEN><TYPE><![CDATA[VNC]]></TYPE></GRAPHICS></TEMPLATE>",
            disk("0", "default", "1", "img", "4", "", "", "YES"),
            disk("1", "", "", "", "", "10", "fs", ""),
        );
        assert_eq!(short_template(&v), expected);
        // The full body keeps everything.
        let full = v.to_xml();
        for name in [
            "AUTOMATIC_REQUIREMENTS",
            "AUTOMATIC_DS_REQUIREMENTS",
            "CONTEXT",
            "OS",
            "VMID",
            "SOURCE",
            "BRIDGE",
            "TARGET",
        ] {
            assert!(full.contains(&format!("<{name}>")), "{name} in the full body: {full}");
        }
    }

    #[test]
    fn short_template_lists_nic_aliases_and_pci_nics_by_id_and_skips_vectors_without_one() {
        let v = vm(r#"
            CPU = "1"
            MEMORY = "64"
            VCPU = "2"
            NIC_ALIAS = [ NIC_ID = "2", IP = "10.0.0.3", PARENT = "NIC0" ]
            PCI = [ TYPE = "NIC", NIC_ID = "1", MAC = "02:00:00:00:00:02" ]
            PCI = [ TYPE = "GPU", NIC_ID = "3", VENDOR = "10de" ]
            NIC = [ NIC_ID = "0", MAC = "02:00:00:00:00:01" ]
            NIC = [ NIC_ID = "0", MAC = "repeated id: not listed" ]
            NIC = [ MAC = "no id: not listed" ]
            DISK = [ TYPE = "no id: not listed" ]
        "#);
        let t = short_template(&v);
        assert!(t.starts_with("<TEMPLATE><CPU>1</CPU><MEMORY>64</MEMORY><VCPU>2</VCPU><NIC>"), "{t}");
        let macs: Vec<&str> = t.split("<MAC>").skip(1).filter_map(|r| r.split('<').next()).collect();
        assert_eq!(macs, ["02:00:00:00:00:01", "02:00:00:00:00:02", ""], "{t}");
        assert!(t.contains("<NIC><IP>10.0.0.3</IP><MAC></MAC>"), "the alias is a NIC of its own: {t}");
        assert!(!t.contains("DISK") && !t.contains("10de") && !t.contains("not listed"), "{t}");
    }

    #[test]
    fn short_template_without_attributes_still_has_cpu_memory_and_vcpu() {
        assert_eq!(short_template(&vm("")), "<TEMPLATE><CPU></CPU><MEMORY></MEMORY><VCPU></VCPU></TEMPLATE>");
    }

    #[derive(Deserialize)]
    struct Stored {
        #[serde(deserialize_with = "stored_lcm")]
        l: LcmState,
    }

    #[test]
    fn stored_lcm_states_read_old_numbers_and_refuse_unknown_ones() {
        let read = |n: i32| serde_json::from_str::<Stored>(&format!("{{\"l\": {n}}}")).map(|s| s.l);
        assert_eq!(read(3).unwrap(), LcmState::Running);
        assert_eq!(read(1023).unwrap(), LcmState::CleanupDelete);
        assert_eq!(read(1015).unwrap(), LcmState::CleanupResubmit);
        assert!(read(9999).unwrap_err().to_string().contains("9999 is not a LCM state"));
    }
}

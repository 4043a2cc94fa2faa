//! Virtual machines: states, templates, history records, and their two XML bodies (full for
//! `one.vm.info`, short for `one.vmpool.info`).

use super::{Lock, ObjectKind, Ownership, PoolObject};
use super::NameKey;
use crate::xml;
use libone::template::{Attribute, Template};
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
}

/// The TEMPLATE attributes the short body (`one.vmpool.info`) keeps. AUTOMATIC_REQUIREMENTS is
/// a Nephele addition: the scheduler reads pending VMs from the short listing.
const SHORT_TEMPLATE_ATTRS: [&str; 7] = ["AUTOMATIC_REQUIREMENTS", "CPU", "DISK", "GRAPHICS", "MEMORY", "NIC", "VCPU"];

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

    fn write_short_template(&self, out: &mut String) {
        let short = Template::from_attributes(
            self.template.iter().filter(|a| SHORT_TEMPLATE_ATTRS.contains(&a.name())).cloned().collect::<Vec<Attribute>>(),
        );
        short.write_xml("TEMPLATE", out);
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

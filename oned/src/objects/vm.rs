//! Virtual machines: states, templates, history records, and their two XML bodies (full for
//! `one.vm.info`, short for `one.vmpool.info`).

use super::{Lock, ObjectKind, Ownership, PoolObject};
use super::NameKey;
use crate::xml;
use libone::template::{Attribute, Template};
use serde::{Deserialize, Serialize};

/// VM `STATE` values (`include/VirtualMachine.h`).
pub mod state {
    pub const INIT: i32 = 0;
    pub const PENDING: i32 = 1;
    pub const HOLD: i32 = 2;
    pub const ACTIVE: i32 = 3;
    pub const STOPPED: i32 = 4;
    pub const SUSPENDED: i32 = 5;
    pub const DONE: i32 = 6;
    pub const POWEROFF: i32 = 8;
    pub const UNDEPLOYED: i32 = 9;
    pub const CLONING: i32 = 10;
    pub const CLONING_FAILURE: i32 = 11;

    /// The state's name, as in OpenNebula.
    pub fn name(s: i32) -> &'static str {
        match s {
            INIT => "INIT",
            PENDING => "PENDING",
            HOLD => "HOLD",
            ACTIVE => "ACTIVE",
            STOPPED => "STOPPED",
            SUSPENDED => "SUSPENDED",
            DONE => "DONE",
            POWEROFF => "POWEROFF",
            UNDEPLOYED => "UNDEPLOYED",
            CLONING => "CLONING",
            CLONING_FAILURE => "CLONING_FAILURE",
            _ => "UNKNOWN",
        }
    }

    /// True for the values `one.vmpool.info` accepts as an exact state filter.
    pub fn is_valid(s: i32) -> bool {
        matches!(s, 0..=6 | 8..=11)
    }
}

/// LCM_STATE numbers.
pub mod lcm {
    pub const LCM_INIT: i32 = 0;
    pub const PROLOG: i32 = 1;
    pub const BOOT: i32 = 2;
    pub const RUNNING: i32 = 3;
    pub const MIGRATE: i32 = 4;
    pub const SAVE_STOP: i32 = 5;
    pub const SAVE_SUSPEND: i32 = 6;
    pub const SAVE_MIGRATE: i32 = 7;
    pub const PROLOG_MIGRATE: i32 = 8;
    pub const PROLOG_RESUME: i32 = 9;
    pub const EPILOG_STOP: i32 = 10;
    pub const EPILOG: i32 = 11;
    pub const SHUTDOWN: i32 = 12;
    pub const CLEANUP_RESUBMIT: i32 = 15;
    pub const UNKNOWN: i32 = 16;
    pub const SHUTDOWN_POWEROFF: i32 = 18;
    pub const BOOT_UNKNOWN: i32 = 19;
    pub const BOOT_POWEROFF: i32 = 20;
    pub const BOOT_SUSPENDED: i32 = 21;
    pub const BOOT_STOPPED: i32 = 22;
    pub const CLEANUP_DELETE: i32 = 23;
    pub const SHUTDOWN_UNDEPLOY: i32 = 29;
    pub const EPILOG_UNDEPLOY: i32 = 30;
    pub const PROLOG_UNDEPLOY: i32 = 31;
    pub const BOOT_UNDEPLOY: i32 = 32;
    pub const BOOT_MIGRATE: i32 = 35;
    pub const BOOT_FAILURE: i32 = 36;
    pub const BOOT_MIGRATE_FAILURE: i32 = 37;
    pub const PROLOG_MIGRATE_FAILURE: i32 = 38;
    pub const PROLOG_FAILURE: i32 = 39;
    pub const EPILOG_FAILURE: i32 = 40;
    pub const EPILOG_STOP_FAILURE: i32 = 41;
    pub const EPILOG_UNDEPLOY_FAILURE: i32 = 42;
    pub const PROLOG_MIGRATE_POWEROFF: i32 = 43;
    pub const PROLOG_MIGRATE_POWEROFF_FAILURE: i32 = 44;
    pub const PROLOG_MIGRATE_SUSPEND: i32 = 45;
    pub const PROLOG_MIGRATE_SUSPEND_FAILURE: i32 = 46;
    pub const BOOT_UNDEPLOY_FAILURE: i32 = 47;
    pub const BOOT_STOPPED_FAILURE: i32 = 48;
    pub const PROLOG_RESUME_FAILURE: i32 = 49;
    pub const PROLOG_UNDEPLOY_FAILURE: i32 = 50;
    pub const PROLOG_MIGRATE_UNKNOWN: i32 = 60;
    pub const PROLOG_MIGRATE_UNKNOWN_FAILURE: i32 = 61;

    /// Internal sub-steps of the cleanups (the TM half), shown to clients as their OpenNebula
    /// parent state (see [`super::visible_lcm`]).
    pub const CLEANUP_DELETE_TM: i32 = 1023;
    pub const CLEANUP_RESUBMIT_TM: i32 = 1015;

    /// The `*_FAILURE` states.
    pub fn is_failure(l: i32) -> bool {
        matches!(l, 36..=42 | 44 | 46..=50 | 61)
    }
}

/// The LCM_STATE clients see (the internal cleanup sub-steps as their parent state).
pub fn visible_lcm(l: i32) -> i32 {
    match l {
        lcm::CLEANUP_DELETE_TM => lcm::CLEANUP_DELETE,
        lcm::CLEANUP_RESUBMIT_TM => lcm::CLEANUP_RESUBMIT,
        other => other,
    }
}

/// VM `LCM_STATE` names by number (0..=71; 13, 14, 55 and 58 are unused).
pub const LCM_STATE_NAMES: [&str; 72] = [
    "LCM_INIT",
    "PROLOG",
    "BOOT",
    "RUNNING",
    "MIGRATE",
    "SAVE_STOP",
    "SAVE_SUSPEND",
    "SAVE_MIGRATE",
    "PROLOG_MIGRATE",
    "PROLOG_RESUME",
    "EPILOG_STOP",
    "EPILOG",
    "SHUTDOWN",
    "",
    "",
    "CLEANUP_RESUBMIT",
    "UNKNOWN",
    "HOTPLUG",
    "SHUTDOWN_POWEROFF",
    "BOOT_UNKNOWN",
    "BOOT_POWEROFF",
    "BOOT_SUSPENDED",
    "BOOT_STOPPED",
    "CLEANUP_DELETE",
    "HOTPLUG_SNAPSHOT",
    "HOTPLUG_NIC",
    "HOTPLUG_SAVEAS",
    "HOTPLUG_SAVEAS_POWEROFF",
    "HOTPLUG_SAVEAS_SUSPENDED",
    "SHUTDOWN_UNDEPLOY",
    "EPILOG_UNDEPLOY",
    "PROLOG_UNDEPLOY",
    "BOOT_UNDEPLOY",
    "HOTPLUG_PROLOG_POWEROFF",
    "HOTPLUG_EPILOG_POWEROFF",
    "BOOT_MIGRATE",
    "BOOT_FAILURE",
    "BOOT_MIGRATE_FAILURE",
    "PROLOG_MIGRATE_FAILURE",
    "PROLOG_FAILURE",
    "EPILOG_FAILURE",
    "EPILOG_STOP_FAILURE",
    "EPILOG_UNDEPLOY_FAILURE",
    "PROLOG_MIGRATE_POWEROFF",
    "PROLOG_MIGRATE_POWEROFF_FAILURE",
    "PROLOG_MIGRATE_SUSPEND",
    "PROLOG_MIGRATE_SUSPEND_FAILURE",
    "BOOT_UNDEPLOY_FAILURE",
    "BOOT_STOPPED_FAILURE",
    "PROLOG_RESUME_FAILURE",
    "PROLOG_UNDEPLOY_FAILURE",
    "DISK_SNAPSHOT_POWEROFF",
    "DISK_SNAPSHOT_REVERT_POWEROFF",
    "DISK_SNAPSHOT_DELETE_POWEROFF",
    "DISK_SNAPSHOT_SUSPENDED",
    "",
    "DISK_SNAPSHOT_DELETE_SUSPENDED",
    "DISK_SNAPSHOT",
    "",
    "DISK_SNAPSHOT_DELETE",
    "PROLOG_MIGRATE_UNKNOWN",
    "PROLOG_MIGRATE_UNKNOWN_FAILURE",
    "DISK_RESIZE",
    "DISK_RESIZE_POWEROFF",
    "DISK_RESIZE_UNDEPLOYED",
    "HOTPLUG_NIC_POWEROFF",
    "HOTPLUG_RESIZE",
    "HOTPLUG_SAVEAS_UNDEPLOYED",
    "HOTPLUG_SAVEAS_STOPPED",
    "BACKUP",
    "BACKUP_POWEROFF",
    "RESTORE",
];

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

/// The driver action a VM is waiting for: the journal entry that makes crash recovery possible.
/// It is stored in the VM's row, so it is committed together with the state that expects it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingAction {
    pub driver: DriverKind,
    /// The protocol verb (`DEPLOY`, `TRANSFER`, ...).
    pub verb: String,
    /// For TRANSFER: the stage (`prolog`, `epilog`, ...).
    pub stage: String,
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
    pub state: i32,
    pub lcm_state: i32,
    pub prev_state: i32,
    pub prev_lcm_state: i32,
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

    pub fn state_name(&self) -> &'static str {
        state::name(self.state)
    }

    pub fn lcm_state_name(&self) -> &'static str {
        LCM_STATE_NAMES.get(visible_lcm(self.lcm_state) as usize).copied().unwrap_or("")
    }

    /// The state name OpenNebula prints in action errors: the LCM state for ACTIVE VMs.
    pub fn state_for_message(&self) -> &'static str {
        if self.state == state::ACTIVE {
            LCM_STATE_NAMES.get(visible_lcm(self.lcm_state) as usize).copied().unwrap_or("UNKNOWN")
        } else {
            state::name(self.state)
        }
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
        xml::num(out, "STATE", self.state);
        xml::num(out, "LCM_STATE", visible_lcm(self.lcm_state));
        xml::num(out, "PREV_STATE", self.prev_state);
        xml::num(out, "PREV_LCM_STATE", self.prev_lcm_state);
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
        xml::num(out, "STATE", self.state);
        xml::num(out, "LCM_STATE", visible_lcm(self.lcm_state));
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

    #[test]
    fn lcm_names_line_up_with_numbers() {
        assert_eq!(LCM_STATE_NAMES[3], "RUNNING");
        assert_eq!(LCM_STATE_NAMES[16], "UNKNOWN");
        assert_eq!(LCM_STATE_NAMES[36], "BOOT_FAILURE");
        assert_eq!(LCM_STATE_NAMES[39], "PROLOG_FAILURE");
        assert_eq!(LCM_STATE_NAMES[59], "DISK_SNAPSHOT_DELETE");
        assert_eq!(LCM_STATE_NAMES[65], "HOTPLUG_NIC_POWEROFF");
        assert_eq!(LCM_STATE_NAMES[71], "RESTORE");
    }
}

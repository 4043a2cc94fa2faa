//! State names of OpenNebula's objects: the long names `show` prints and the short ones of the
//! `STAT` columns, indexed by the numbers oned sends.

/// VM states (`STATE`).
pub const VM_STATES: &[&str] = &[
    "INIT",
    "PENDING",
    "HOLD",
    "ACTIVE",
    "STOPPED",
    "SUSPENDED",
    "DONE",
    "FAILED",
    "POWEROFF",
    "UNDEPLOYED",
    "CLONING",
    "CLONING_FAILURE",
];

const VM_SHORT: &[&str] = &[
    "init", "pend", "hold", "actv", "stop", "susp", "done", "fail", "poff", "unde", "clon", "fail",
];

/// VM life-cycle states (`LCM_STATE`), long and short.
pub const LCM_STATES: &[(&str, &str)] = &[
    ("LCM_INIT", "init"),
    ("PROLOG", "prol"),
    ("BOOT", "boot"),
    ("RUNNING", "runn"),
    ("MIGRATE", "migr"),
    ("SAVE_STOP", "save"),
    ("SAVE_SUSPEND", "save"),
    ("SAVE_MIGRATE", "save"),
    ("PROLOG_MIGRATE", "migr"),
    ("PROLOG_RESUME", "prol"),
    ("EPILOG_STOP", "epil"),
    ("EPILOG", "epil"),
    ("SHUTDOWN", "shut"),
    ("CANCEL", "shut"),
    ("FAILURE", "fail"),
    ("CLEANUP_RESUBMIT", "clea"),
    ("UNKNOWN", "unkn"),
    ("HOTPLUG", "hotp"),
    ("SHUTDOWN_POWEROFF", "shut"),
    ("BOOT_UNKNOWN", "boot"),
    ("BOOT_POWEROFF", "boot"),
    ("BOOT_SUSPENDED", "boot"),
    ("BOOT_STOPPED", "boot"),
    ("CLEANUP_DELETE", "clea"),
    ("HOTPLUG_SNAPSHOT", "snap"),
    ("HOTPLUG_NIC", "hotp"),
    ("HOTPLUG_SAVEAS", "hotp"),
    ("HOTPLUG_SAVEAS_POWEROFF", "hotp"),
    ("HOTPLUG_SAVEAS_SUSPENDED", "hotp"),
    ("SHUTDOWN_UNDEPLOY", "shut"),
    ("EPILOG_UNDEPLOY", "epil"),
    ("PROLOG_UNDEPLOY", "prol"),
    ("BOOT_UNDEPLOY", "boot"),
    ("HOTPLUG_PROLOG_POWEROFF", "hotp"),
    ("HOTPLUG_EPILOG_POWEROFF", "hotp"),
    ("BOOT_MIGRATE", "boot"),
    ("BOOT_FAILURE", "fail"),
    ("BOOT_MIGRATE_FAILURE", "fail"),
    ("PROLOG_MIGRATE_FAILURE", "fail"),
    ("PROLOG_FAILURE", "fail"),
    ("EPILOG_FAILURE", "fail"),
    ("EPILOG_STOP_FAILURE", "fail"),
    ("EPILOG_UNDEPLOY_FAILURE", "fail"),
    ("PROLOG_MIGRATE_POWEROFF", "migr"),
    ("PROLOG_MIGRATE_POWEROFF_FAILURE", "fail"),
    ("PROLOG_MIGRATE_SUSPEND", "migr"),
    ("PROLOG_MIGRATE_SUSPEND_FAILURE", "fail"),
    ("BOOT_UNDEPLOY_FAILURE", "fail"),
    ("BOOT_STOPPED_FAILURE", "fail"),
    ("PROLOG_RESUME_FAILURE", "fail"),
    ("PROLOG_UNDEPLOY_FAILURE", "fail"),
    ("DISK_SNAPSHOT_POWEROFF", "snap"),
    ("DISK_SNAPSHOT_REVERT_POWEROFF", "snap"),
    ("DISK_SNAPSHOT_DELETE_POWEROFF", "snap"),
    ("DISK_SNAPSHOT_SUSPENDED", "snap"),
    ("DISK_SNAPSHOT_REVERT_SUSPENDED", "snap"),
    ("DISK_SNAPSHOT_DELETE_SUSPENDED", "snap"),
    ("DISK_SNAPSHOT", "snap"),
    ("DISK_SNAPSHOT_REVERT", "snap"),
    ("DISK_SNAPSHOT_DELETE", "snap"),
    ("PROLOG_MIGRATE_UNKNOWN", "migr"),
    ("PROLOG_MIGRATE_UNKNOWN_FAILURE", "fail"),
    ("DISK_RESIZE", "drsz"),
    ("DISK_RESIZE_POWEROFF", "drsz"),
    ("DISK_RESIZE_UNDEPLOYED", "drsz"),
    ("HOTPLUG_NIC_POWEROFF", "hotp"),
    ("HOTPLUG_RESIZE", "hotp"),
    ("HOTPLUG_SAVEAS_UNDEPLOYED", "hotp"),
    ("HOTPLUG_SAVEAS_STOPPED", "hotp"),
    ("BACKUP", "back"),
    ("BACKUP_POWEROFF", "back"),
    ("RESTORE", "rest"),
];

fn pick<'a>(table: &[&'a str], i: i64) -> &'a str {
    usize::try_from(i)
        .ok()
        .and_then(|i| table.get(i))
        .copied()
        .unwrap_or("-")
}

/// The long VM state name.
pub fn vm_state(state: i64) -> &'static str {
    pick(VM_STATES, state)
}

/// The long LCM state name.
pub fn lcm_state(lcm: i64) -> &'static str {
    usize::try_from(lcm)
        .ok()
        .and_then(|i| LCM_STATES.get(i))
        .map(|s| s.0)
        .unwrap_or("-")
}

/// The `STAT` column of `onevm list`: the LCM state's short name while ACTIVE.
pub fn vm_short(state: i64, lcm: i64) -> &'static str {
    if state == 3 {
        usize::try_from(lcm)
            .ok()
            .and_then(|i| LCM_STATES.get(i))
            .map(|s| s.1)
            .unwrap_or("-")
    } else {
        pick(VM_SHORT, state)
    }
}

/// Host states, long and short.
pub const HOST_STATES: &[(&str, &str)] = &[
    ("INIT", "init"),
    ("MONITORING_MONITORED", "update"),
    ("MONITORED", "on"),
    ("ERROR", "err"),
    ("DISABLED", "dsbl"),
    ("MONITORING_ERROR", "retry"),
    ("MONITORING_INIT", "init"),
    ("MONITORING_DISABLED", "dsbl"),
    ("OFFLINE", "off"),
];

pub fn host_state(s: i64) -> &'static str {
    usize::try_from(s)
        .ok()
        .and_then(|i| HOST_STATES.get(i))
        .map(|s| s.0)
        .unwrap_or("-")
}

pub fn host_short(s: i64) -> &'static str {
    usize::try_from(s)
        .ok()
        .and_then(|i| HOST_STATES.get(i))
        .map(|s| s.1)
        .unwrap_or("-")
}

/// Image states, long and short.
pub const IMAGE_STATES: &[(&str, &str)] = &[
    ("INIT", "init"),
    ("READY", "rdy"),
    ("USED", "used"),
    ("DISABLED", "disa"),
    ("LOCKED", "lock"),
    ("ERROR", "err"),
    ("CLONE", "clon"),
    ("DELETE", "dele"),
    ("USED_PERS", "used"),
    ("LOCKED_USED", "lock"),
    ("LOCKED_USED_PERS", "lock"),
];

pub fn image_state(s: i64) -> &'static str {
    usize::try_from(s)
        .ok()
        .and_then(|i| IMAGE_STATES.get(i))
        .map(|s| s.0)
        .unwrap_or("-")
}

pub fn image_short(s: i64) -> &'static str {
    usize::try_from(s)
        .ok()
        .and_then(|i| IMAGE_STATES.get(i))
        .map(|s| s.1)
        .unwrap_or("-")
}

/// Image types (`TYPE`), long and short.
pub const IMAGE_TYPES: &[(&str, &str)] = &[
    ("OS", "OS"),
    ("CDROM", "CD"),
    ("DATABLOCK", "DB"),
    ("KERNEL", "KL"),
    ("RAMDISK", "RD"),
    ("CONTEXT", "CX"),
    ("BACKUP", "BK"),
];

pub fn image_type(t: i64) -> &'static str {
    usize::try_from(t)
        .ok()
        .and_then(|i| IMAGE_TYPES.get(i))
        .map(|s| s.0)
        .unwrap_or("-")
}

pub fn image_type_short(t: i64) -> &'static str {
    usize::try_from(t)
        .ok()
        .and_then(|i| IMAGE_TYPES.get(i))
        .map(|s| s.1)
        .unwrap_or("-")
}

/// Datastore types (`TYPE`), long and short.
pub const DS_TYPES: &[(&str, &str)] = &[
    ("IMAGE", "img"),
    ("SYSTEM", "sys"),
    ("FILE", "fil"),
    ("BACKUP", "bck"),
];

pub fn ds_type(t: i64) -> &'static str {
    usize::try_from(t)
        .ok()
        .and_then(|i| DS_TYPES.get(i))
        .map(|s| s.0)
        .unwrap_or("-")
}

pub fn ds_type_short(t: i64) -> &'static str {
    usize::try_from(t)
        .ok()
        .and_then(|i| DS_TYPES.get(i))
        .map(|s| s.1)
        .unwrap_or("-")
}

/// Datastore states.
pub fn ds_state(s: i64) -> &'static str {
    match s {
        0 => "READY",
        1 => "DISABLED",
        _ => "-",
    }
}

pub fn ds_state_short(s: i64) -> &'static str {
    match s {
        0 => "on",
        1 => "off",
        _ => "-",
    }
}

/// Virtual network states, long and short.
pub const VNET_STATES: &[(&str, &str)] = &[
    ("INIT", "init"),
    ("READY", "rdy"),
    ("LOCK_CREATE", "lock"),
    ("LOCK_DELETE", "lock"),
    ("DONE", "done"),
    ("ERROR", "err"),
    ("UPDATE_FAILURE", "upd_fail"),
];

pub fn vnet_state(s: i64) -> &'static str {
    usize::try_from(s)
        .ok()
        .and_then(|i| VNET_STATES.get(i))
        .map(|s| s.0)
        .unwrap_or("-")
}

pub fn vnet_short(s: i64) -> &'static str {
    usize::try_from(s)
        .ok()
        .and_then(|i| VNET_STATES.get(i))
        .map(|s| s.1)
        .unwrap_or("-")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_have_opennebulas_lengths_and_anchors() {
        assert_eq!(LCM_STATES.len(), 72);
        assert_eq!(lcm_state(3), "RUNNING");
        assert_eq!(lcm_state(36), "BOOT_FAILURE");
        assert_eq!(lcm_state(71), "RESTORE");
        assert_eq!(vm_short(3, 3), "runn");
        assert_eq!(vm_short(1, 0), "pend");
        assert_eq!(vm_short(8, 0), "poff");
        assert_eq!(vm_short(3, 16), "unkn");
        assert_eq!(vm_short(42, 0), "-");
        assert_eq!(vm_state(-1), "-");
        assert_eq!(host_short(2), "on");
        assert_eq!(host_short(4), "dsbl");
        assert_eq!(host_short(8), "off");
        assert_eq!(image_short(1), "rdy");
        assert_eq!(image_type_short(2), "DB");
        assert_eq!(ds_type_short(1), "sys");
    }
}

//! State names of OpenNebula's objects: the long names `show` prints and the short ones of the
//! `STAT` columns, by the numbers oned sends. VM, LCM and host states come from
//! `libone::states` (shared with oned and mm_sched); images, datastores and networks are here.

use libone::states::{HostState, LcmState, VmState};

/// A number from a document as a state number (`-` for anything out of range).
fn number(n: i64) -> i32 {
    i32::try_from(n).unwrap_or(-1)
}

/// The long VM state name (`libone::states`).
pub fn vm_state(state: i64) -> &'static str {
    VmState::from_number(number(state)).map_or("-", VmState::name)
}

/// The long LCM state name.
pub fn lcm_state(lcm: i64) -> &'static str {
    LcmState::from_number(number(lcm)).map_or("-", LcmState::name)
}

/// The `STAT` column of `onevm list`: the LCM state's short name while ACTIVE.
pub fn vm_short(state: i64, lcm: i64) -> &'static str {
    match (VmState::from_number(number(state)), LcmState::from_number(number(lcm))) {
        (Some(VmState::Active), Some(l)) => l.short(),
        (Some(VmState::Active), None) => "-",
        (Some(s), _) => s.short(),
        (None, _) => "-",
    }
}

pub fn host_state(s: i64) -> &'static str {
    HostState::from_number(number(s)).map_or("-", HostState::name)
}

pub fn host_short(s: i64) -> &'static str {
    HostState::from_number(number(s)).map_or("-", HostState::short)
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
    usize::try_from(s).ok().and_then(|i| IMAGE_STATES.get(i)).map(|s| s.0).unwrap_or("-")
}

pub fn image_short(s: i64) -> &'static str {
    usize::try_from(s).ok().and_then(|i| IMAGE_STATES.get(i)).map(|s| s.1).unwrap_or("-")
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
    usize::try_from(t).ok().and_then(|i| IMAGE_TYPES.get(i)).map(|s| s.0).unwrap_or("-")
}

pub fn image_type_short(t: i64) -> &'static str {
    usize::try_from(t).ok().and_then(|i| IMAGE_TYPES.get(i)).map(|s| s.1).unwrap_or("-")
}

/// Datastore types (`TYPE`), long and short.
pub const DS_TYPES: &[(&str, &str)] = &[("IMAGE", "img"), ("SYSTEM", "sys"), ("FILE", "fil"), ("BACKUP", "bck")];

pub fn ds_type(t: i64) -> &'static str {
    usize::try_from(t).ok().and_then(|i| DS_TYPES.get(i)).map(|s| s.0).unwrap_or("-")
}

pub fn ds_type_short(t: i64) -> &'static str {
    usize::try_from(t).ok().and_then(|i| DS_TYPES.get(i)).map(|s| s.1).unwrap_or("-")
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
    usize::try_from(s).ok().and_then(|i| VNET_STATES.get(i)).map(|s| s.0).unwrap_or("-")
}

pub fn vnet_short(s: i64) -> &'static str {
    usize::try_from(s).ok().and_then(|i| VNET_STATES.get(i)).map(|s| s.1).unwrap_or("-")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_have_opennebulas_lengths_and_anchors() {
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

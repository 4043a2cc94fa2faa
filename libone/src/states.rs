//! OpenNebula's object states, numbered as on the wire and named once: VM `STATE`
//! ([`VmState`]), VM `LCM_STATE` ([`LcmState`]) and host `STATE` ([`HostState`]), each with
//! its long name (`show`, error messages) and its short name (the `STAT` columns of the CLI).
//! oned uses the states it enters; the others are there so every document reads.
//! Shared by oned, mm_sched and the `one*` tools.
//!
//! Numbers that are not states are an error ([`UnknownState`]), never a panic: they come from
//! XML, databases and drivers. The serde form of [`VmState`] and [`LcmState`] is the number.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A number that is not one of a kind's states.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{number} is not a {kind} state")]
pub struct UnknownState {
    pub kind: &'static str,
    pub number: i32,
}

/// Defines a state enum from `Variant = number, "LONG", "short";` rows.
macro_rules! states {
    ($(#[$meta:meta])* $name:ident, $kind:literal, { $($variant:ident = $num:literal, $long:literal, $short:literal;)* }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[repr(i32)]
        pub enum $name {
            $($variant = $num,)*
        }

        impl $name {
            /// Every state, in number order.
            pub const ALL: &'static [$name] = &[$($name::$variant,)*];

            /// The number on the wire.
            pub const fn number(self) -> i32 {
                self as i32
            }

            /// The state of a number, if it is one.
            pub const fn from_number(n: i32) -> Option<$name> {
                match n {
                    $($num => Some($name::$variant),)*
                    _ => None,
                }
            }

            /// The long name (`RUNNING`).
            pub const fn name(self) -> &'static str {
                match self {
                    $($name::$variant => $long,)*
                }
            }

            /// The short name of the CLI's `STAT` columns (`runn`).
            pub const fn short(self) -> &'static str {
                match self {
                    $($name::$variant => $short,)*
                }
            }

            /// The state named `name` (long name, exact).
            pub fn from_name(name: &str) -> Option<$name> {
                Self::ALL.iter().copied().find(|s| s.name() == name)
            }
        }

        impl TryFrom<i32> for $name {
            type Error = UnknownState;
            fn try_from(n: i32) -> Result<Self, UnknownState> {
                $name::from_number(n).ok_or(UnknownState { kind: $kind, number: n })
            }
        }

        impl From<$name> for i32 {
            fn from(s: $name) -> i32 {
                s.number()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.name())
            }
        }
    };
}

states!(
    /// VM `STATE` (`include/VirtualMachine.h`). `FAILED` (7) is OpenNebula's old number, kept
    /// so old documents read; oned never enters it.
    #[derive(Serialize, Deserialize)]
    #[serde(try_from = "i32", into = "i32")]
    VmState, "VM", {
    Init = 0, "INIT", "init";
    Pending = 1, "PENDING", "pend";
    Hold = 2, "HOLD", "hold";
    Active = 3, "ACTIVE", "actv";
    Stopped = 4, "STOPPED", "stop";
    Suspended = 5, "SUSPENDED", "susp";
    Done = 6, "DONE", "done";
    Failed = 7, "FAILED", "fail";
    Poweroff = 8, "POWEROFF", "poff";
    Undeployed = 9, "UNDEPLOYED", "unde";
    Cloning = 10, "CLONING", "clon";
    CloningFailure = 11, "CLONING_FAILURE", "fail";
    }
);

states!(
    /// VM `LCM_STATE` (`include/VirtualMachine.h`), every number OpenNebula has defined,
    /// the retired ones (13 CANCEL, 14 FAILURE, 55, 58) included so old documents read.
    #[derive(Serialize, Deserialize)]
    #[serde(try_from = "i32", into = "i32")]
    LcmState, "LCM", {
    LcmInit = 0, "LCM_INIT", "init";
    Prolog = 1, "PROLOG", "prol";
    Boot = 2, "BOOT", "boot";
    Running = 3, "RUNNING", "runn";
    Migrate = 4, "MIGRATE", "migr";
    SaveStop = 5, "SAVE_STOP", "save";
    SaveSuspend = 6, "SAVE_SUSPEND", "save";
    SaveMigrate = 7, "SAVE_MIGRATE", "save";
    PrologMigrate = 8, "PROLOG_MIGRATE", "migr";
    PrologResume = 9, "PROLOG_RESUME", "prol";
    EpilogStop = 10, "EPILOG_STOP", "epil";
    Epilog = 11, "EPILOG", "epil";
    Shutdown = 12, "SHUTDOWN", "shut";
    Cancel = 13, "CANCEL", "shut";
    Failure = 14, "FAILURE", "fail";
    CleanupResubmit = 15, "CLEANUP_RESUBMIT", "clea";
    Unknown = 16, "UNKNOWN", "unkn";
    Hotplug = 17, "HOTPLUG", "hotp";
    ShutdownPoweroff = 18, "SHUTDOWN_POWEROFF", "shut";
    BootUnknown = 19, "BOOT_UNKNOWN", "boot";
    BootPoweroff = 20, "BOOT_POWEROFF", "boot";
    BootSuspended = 21, "BOOT_SUSPENDED", "boot";
    BootStopped = 22, "BOOT_STOPPED", "boot";
    CleanupDelete = 23, "CLEANUP_DELETE", "clea";
    HotplugSnapshot = 24, "HOTPLUG_SNAPSHOT", "snap";
    HotplugNic = 25, "HOTPLUG_NIC", "hotp";
    HotplugSaveas = 26, "HOTPLUG_SAVEAS", "hotp";
    HotplugSaveasPoweroff = 27, "HOTPLUG_SAVEAS_POWEROFF", "hotp";
    HotplugSaveasSuspended = 28, "HOTPLUG_SAVEAS_SUSPENDED", "hotp";
    ShutdownUndeploy = 29, "SHUTDOWN_UNDEPLOY", "shut";
    EpilogUndeploy = 30, "EPILOG_UNDEPLOY", "epil";
    PrologUndeploy = 31, "PROLOG_UNDEPLOY", "prol";
    BootUndeploy = 32, "BOOT_UNDEPLOY", "boot";
    HotplugPrologPoweroff = 33, "HOTPLUG_PROLOG_POWEROFF", "hotp";
    HotplugEpilogPoweroff = 34, "HOTPLUG_EPILOG_POWEROFF", "hotp";
    BootMigrate = 35, "BOOT_MIGRATE", "boot";
    BootFailure = 36, "BOOT_FAILURE", "fail";
    BootMigrateFailure = 37, "BOOT_MIGRATE_FAILURE", "fail";
    PrologMigrateFailure = 38, "PROLOG_MIGRATE_FAILURE", "fail";
    PrologFailure = 39, "PROLOG_FAILURE", "fail";
    EpilogFailure = 40, "EPILOG_FAILURE", "fail";
    EpilogStopFailure = 41, "EPILOG_STOP_FAILURE", "fail";
    EpilogUndeployFailure = 42, "EPILOG_UNDEPLOY_FAILURE", "fail";
    PrologMigratePoweroff = 43, "PROLOG_MIGRATE_POWEROFF", "migr";
    PrologMigratePoweroffFailure = 44, "PROLOG_MIGRATE_POWEROFF_FAILURE", "fail";
    PrologMigrateSuspend = 45, "PROLOG_MIGRATE_SUSPEND", "migr";
    PrologMigrateSuspendFailure = 46, "PROLOG_MIGRATE_SUSPEND_FAILURE", "fail";
    BootUndeployFailure = 47, "BOOT_UNDEPLOY_FAILURE", "fail";
    BootStoppedFailure = 48, "BOOT_STOPPED_FAILURE", "fail";
    PrologResumeFailure = 49, "PROLOG_RESUME_FAILURE", "fail";
    PrologUndeployFailure = 50, "PROLOG_UNDEPLOY_FAILURE", "fail";
    DiskSnapshotPoweroff = 51, "DISK_SNAPSHOT_POWEROFF", "snap";
    DiskSnapshotRevertPoweroff = 52, "DISK_SNAPSHOT_REVERT_POWEROFF", "snap";
    DiskSnapshotDeletePoweroff = 53, "DISK_SNAPSHOT_DELETE_POWEROFF", "snap";
    DiskSnapshotSuspended = 54, "DISK_SNAPSHOT_SUSPENDED", "snap";
    DiskSnapshotRevertSuspended = 55, "DISK_SNAPSHOT_REVERT_SUSPENDED", "snap";
    DiskSnapshotDeleteSuspended = 56, "DISK_SNAPSHOT_DELETE_SUSPENDED", "snap";
    DiskSnapshot = 57, "DISK_SNAPSHOT", "snap";
    DiskSnapshotRevert = 58, "DISK_SNAPSHOT_REVERT", "snap";
    DiskSnapshotDelete = 59, "DISK_SNAPSHOT_DELETE", "snap";
    PrologMigrateUnknown = 60, "PROLOG_MIGRATE_UNKNOWN", "migr";
    PrologMigrateUnknownFailure = 61, "PROLOG_MIGRATE_UNKNOWN_FAILURE", "fail";
    DiskResize = 62, "DISK_RESIZE", "drsz";
    DiskResizePoweroff = 63, "DISK_RESIZE_POWEROFF", "drsz";
    DiskResizeUndeployed = 64, "DISK_RESIZE_UNDEPLOYED", "drsz";
    HotplugNicPoweroff = 65, "HOTPLUG_NIC_POWEROFF", "hotp";
    HotplugResize = 66, "HOTPLUG_RESIZE", "hotp";
    HotplugSaveasUndeployed = 67, "HOTPLUG_SAVEAS_UNDEPLOYED", "hotp";
    HotplugSaveasStopped = 68, "HOTPLUG_SAVEAS_STOPPED", "hotp";
    Backup = 69, "BACKUP", "back";
    BackupPoweroff = 70, "BACKUP_POWEROFF", "back";
    Restore = 71, "RESTORE", "rest";
    }
);

states!(
    /// Host `STATE` (`include/Host.h`). Its serde form is the variant's name (`"Monitored"`), as
    /// oned has always stored hosts.
    #[derive(Serialize, Deserialize)]
    HostState, "host", {
    Init = 0, "INIT", "init";
    MonitoringMonitored = 1, "MONITORING_MONITORED", "update";
    Monitored = 2, "MONITORED", "on";
    Error = 3, "ERROR", "err";
    Disabled = 4, "DISABLED", "dsbl";
    MonitoringError = 5, "MONITORING_ERROR", "retry";
    MonitoringInit = 6, "MONITORING_INIT", "init";
    MonitoringDisabled = 7, "MONITORING_DISABLED", "dsbl";
    Offline = 8, "OFFLINE", "off";
    }
);

impl LcmState {
    /// The `*_FAILURE` states a VM rests in after a driver step failed.
    pub const fn is_failure(self) -> bool {
        use LcmState::*;
        matches!(
            self,
            BootFailure
                | BootMigrateFailure
                | PrologMigrateFailure
                | PrologFailure
                | EpilogFailure
                | EpilogStopFailure
                | EpilogUndeployFailure
                | PrologMigratePoweroffFailure
                | PrologMigrateSuspendFailure
                | BootUndeployFailure
                | BootStoppedFailure
                | PrologResumeFailure
                | PrologUndeployFailure
                | PrologMigrateUnknownFailure
        )
    }
}

/// The `STAT` column of `onevm list`: the LCM state's short name while ACTIVE, else the VM
/// state's.
pub fn vm_short(state: VmState, lcm: LcmState) -> &'static str {
    if state == VmState::Active { lcm.short() } else { state.short() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_names_round_trip() {
        for s in VmState::ALL {
            assert_eq!(VmState::try_from(s.number()), Ok(*s));
            assert_eq!(VmState::from_name(s.name()), Some(*s));
        }
        assert_eq!(LcmState::ALL.len(), 72);
        for (i, s) in LcmState::ALL.iter().enumerate() {
            assert_eq!(s.number(), i as i32, "LCM states are numbered 0..=71 without gaps");
        }
        assert_eq!(LcmState::Running.name(), "RUNNING");
        assert_eq!(LcmState::Running.short(), "runn");
        assert_eq!(HostState::Monitored.short(), "on");
        assert_eq!(VmState::try_from(7), Ok(VmState::Failed));
        assert_eq!(VmState::try_from(12), Err(UnknownState { kind: "VM", number: 12 }));
        assert_eq!(LcmState::try_from(1023).unwrap_err().to_string(), "1023 is not a LCM state");
        assert_eq!(HostState::from_number(9), None);
    }

    #[test]
    fn failures_and_short_columns() {
        let failures: Vec<i32> = LcmState::ALL.iter().filter(|s| s.is_failure()).map(|s| s.number()).collect();
        assert_eq!(failures, vec![36, 37, 38, 39, 40, 41, 42, 44, 46, 47, 48, 49, 50, 61]);
        assert_eq!(vm_short(VmState::Active, LcmState::BootFailure), "fail");
        assert_eq!(vm_short(VmState::Poweroff, LcmState::LcmInit), "poff");
    }

    #[test]
    fn serde_is_the_number() {
        assert_eq!(serde_json::to_string(&LcmState::Running).unwrap(), "3");
        assert_eq!(serde_json::from_str::<VmState>("8").unwrap(), VmState::Poweroff);
        assert!(serde_json::from_str::<VmState>("12").is_err(), "an unknown number is an error");
    }
}

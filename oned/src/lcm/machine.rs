//! The VM life-cycle state machine, pure: (STATE, LCM_STATE) × event → new states and the next
//! driver step. It follows OpenNebula's `DispatchManagerActions.cc` / `LifeCycleStates.cc`
//! (numbers in `include/VirtualMachine.h`).
//!
//! ```text
//! deploy:    PENDING ─► PROLOG ─TM prolog─► BOOT ─VMM DEPLOY─► RUNNING
//! terminate: RUNNING ─► SHUTDOWN ─VMM SHUTDOWN─► EPILOG ─TM epilog─► DONE
//! poweroff:  RUNNING ─► SHUTDOWN_POWEROFF ─VMM SHUTDOWN─► POWEROFF ─resume─► BOOT_POWEROFF ─► RUNNING
//! suspend:   RUNNING ─► SAVE_SUSPEND ─VMM SAVE─► SUSPENDED ─resume─► BOOT_SUSPENDED ─RESTORE─► RUNNING
//! stop:      RUNNING ─► SAVE_STOP ─SAVE─► EPILOG_STOP ─TM epilog_stop─► STOPPED ─resume─► PENDING
//! undeploy:  RUNNING ─► SHUTDOWN_UNDEPLOY ─SHUTDOWN─► EPILOG_UNDEPLOY ─TM─► UNDEPLOYED ─resume─► PENDING
//! migrate:   RUNNING ─► SAVE_MIGRATE ─SAVE─► PROLOG_MIGRATE ─TM migrate─► BOOT_MIGRATE ─RESTORE─► RUNNING
//! live:      RUNNING ─► MIGRATE ─VMM MIGRATE─► RUNNING
//! failures:  PROLOG_FAILURE, BOOT_FAILURE, EPILOG_FAILURE ... (recover retries, succeeds, fails or deletes)
//! ```

use crate::objects::vm::{DriverKind, LcmState, Stage, Verb, VmState};
use LcmState::*;

/// A driver action to send next.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Step {
    pub verb: Verb,
    /// For TRANSFER: which transfer file.
    pub stage: Stage,
}

impl Step {
    /// The driver that runs it.
    pub const fn driver(self) -> DriverKind {
        self.verb.driver()
    }
}

pub const fn vmm(verb: Verb) -> Step {
    Step { verb, stage: Stage::None }
}

pub const fn tm(stage: Stage) -> Step {
    Step { verb: Verb::Transfer, stage }
}

/// Where the VM goes, and the driver step that follows (none: the VM is at rest).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Transition {
    pub state: VmState,
    pub lcm: LcmState,
    pub step: Option<Step>,
}

const fn active(lcm: LcmState, step: Step) -> Transition {
    Transition { state: VmState::Active, lcm, step: Some(step) }
}

/// A VM at rest in `state` (not ACTIVE: no LCM state).
pub const fn rest(state: VmState) -> Transition {
    Transition { state, lcm: LcmInit, step: None }
}

/// An ACTIVE VM at rest in `lcm` (Running, Unknown or a failure state).
pub const fn active_rest(lcm: LcmState) -> Transition {
    Transition { state: VmState::Active, lcm, step: None }
}

/// The user actions of `one.vm.action`, plus migrate and recover.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    Terminate { hard: bool },
    Poweroff { hard: bool },
    Undeploy { hard: bool },
    Reboot { hard: bool },
    Suspend,
    Stop,
    Resume,
    Hold,
    Release,
    Migrate { live: bool },
}

impl Action {
    pub fn parse(name: &str) -> Option<Action> {
        Some(match name {
            "terminate" => Action::Terminate { hard: false },
            "terminate-hard" => Action::Terminate { hard: true },
            "poweroff" => Action::Poweroff { hard: false },
            "poweroff-hard" => Action::Poweroff { hard: true },
            "undeploy" => Action::Undeploy { hard: false },
            "undeploy-hard" => Action::Undeploy { hard: true },
            "reboot" => Action::Reboot { hard: false },
            "reboot-hard" => Action::Reboot { hard: true },
            "suspend" => Action::Suspend,
            "stop" => Action::Stop,
            "resume" => Action::Resume,
            "hold" => Action::Hold,
            "release" => Action::Release,
            _ => return None,
        })
    }
}

/// Why an action is refused in the VM's state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// `This action is not available for state X`.
    WrongState,
    /// terminate's own text: `Could not terminate VM id, wrong state X.`
    CannotTerminate,
}

/// The transition an action starts. `Ok(None)` means nothing to do (terminate of a DONE VM).
pub fn on_action(st: VmState, l: LcmState, action: Action) -> Result<Option<Transition>, Refusal> {
    let running = st == VmState::Active && l == Running;
    let unknown = st == VmState::Active && l == Unknown;
    let t = match action {
        Action::Hold if st == VmState::Pending => rest(VmState::Hold),
        Action::Release if st == VmState::Hold => rest(VmState::Pending),
        Action::Terminate { hard } => match st {
            VmState::Done => return Ok(None),
            VmState::Init | VmState::Pending | VmState::Hold | VmState::Cloning | VmState::CloningFailure => {
                rest(VmState::Done)
            }
            VmState::Poweroff | VmState::Suspended => active(Epilog, tm(Stage::Epilog)),
            VmState::Stopped | VmState::Undeployed => active(Epilog, tm(Stage::EpilogLocal)),
            VmState::Active if running || unknown => {
                active(Shutdown, vmm(if hard { Verb::Cancel } else { Verb::Shutdown }))
            }
            VmState::Active if hard && l == Shutdown => active(Shutdown, vmm(Verb::Cancel)),
            VmState::Active if l.is_failure() => active(CleanupDelete, vmm(Verb::Cleanup)),
            _ => return Err(Refusal::CannotTerminate),
        },
        Action::Poweroff { hard } if running || unknown || (hard && st == VmState::Active && l == ShutdownPoweroff) => {
            active(ShutdownPoweroff, vmm(if hard { Verb::Cancel } else { Verb::Shutdown }))
        }
        Action::Undeploy { hard } if running || unknown || (hard && st == VmState::Active && l == ShutdownUndeploy) => {
            active(ShutdownUndeploy, vmm(if hard { Verb::Cancel } else { Verb::Shutdown }))
        }
        Action::Undeploy { .. } if st == VmState::Poweroff => active(EpilogUndeploy, tm(Stage::EpilogStop)),
        Action::Reboot { hard } if running => active(Running, vmm(if hard { Verb::Reset } else { Verb::Reboot })),
        Action::Suspend if running => active(SaveSuspend, vmm(Verb::Save)),
        Action::Stop if running => active(SaveStop, vmm(Verb::Save)),
        Action::Stop if st == VmState::Suspended => active(EpilogStop, tm(Stage::EpilogStop)),
        Action::Resume => match st {
            VmState::Stopped | VmState::Undeployed => rest(VmState::Pending),
            VmState::Suspended => active(BootSuspended, vmm(Verb::Restore)),
            VmState::Poweroff => active(BootPoweroff, vmm(Verb::Deploy)),
            VmState::Active if l == Unknown => active(BootUnknown, vmm(Verb::Deploy)),
            _ => return Err(Refusal::WrongState),
        },
        Action::Migrate { live: true } if running => active(Migrate, vmm(Verb::Migrate)),
        Action::Migrate { live: false } => match st {
            VmState::Active if l == Running => active(SaveMigrate, vmm(Verb::Save)),
            VmState::Active if l == Unknown => active(PrologMigrateUnknown, tm(Stage::Migrate)),
            VmState::Poweroff => active(PrologMigratePoweroff, tm(Stage::Migrate)),
            VmState::Suspended => active(PrologMigrateSuspend, tm(Stage::Migrate)),
            _ => return Err(Refusal::WrongState),
        },
        _ => return Err(Refusal::WrongState),
    };
    Ok(Some(t))
}

/// The first step of a deploy from PENDING/HOLD (Prolog), STOPPED (PrologResume) or UNDEPLOYED
/// (PrologUndeploy).
pub fn on_deploy(st: VmState) -> Option<Transition> {
    match st {
        VmState::Pending | VmState::Hold => Some(active(Prolog, tm(Stage::Prolog))),
        VmState::Stopped => Some(active(PrologResume, tm(Stage::PrologResume))),
        VmState::Undeployed => Some(active(PrologUndeploy, tm(Stage::PrologUndeploy))),
        _ => None,
    }
}

/// A driver's answer to the pending step `step` of a VM in `l` (always ACTIVE). `None`: the
/// answer is not for this state (it is logged and ignored). The step matters only for the
/// clean-ups, which stay in one LCM state across their two steps (the VMM CLEANUP, then the TM
/// delete), as in OpenNebula.
pub fn on_reply(l: LcmState, step: Option<Step>, success: bool) -> Option<Transition> {
    let tm_half = step.is_some_and(|s| s.verb == Verb::Transfer);
    let ok_or = |ok: Transition, fail: Transition| Some(if success { ok } else { fail });
    let fail_to = active_rest;
    match l {
        Prolog => ok_or(active(Boot, vmm(Verb::Deploy)), fail_to(PrologFailure)),
        PrologResume => ok_or(active(BootStopped, vmm(Verb::Restore)), fail_to(PrologResumeFailure)),
        PrologUndeploy => ok_or(active(BootUndeploy, vmm(Verb::Deploy)), fail_to(PrologUndeployFailure)),
        Boot => ok_or(active_rest(Running), fail_to(BootFailure)),
        BootStopped => ok_or(active_rest(Running), fail_to(BootStoppedFailure)),
        BootUndeploy => ok_or(active_rest(Running), fail_to(BootUndeployFailure)),
        BootMigrate => ok_or(active_rest(Running), fail_to(BootMigrateFailure)),
        BootPoweroff => ok_or(active_rest(Running), rest(VmState::Poweroff)),
        BootSuspended => ok_or(active_rest(Running), rest(VmState::Suspended)),
        BootUnknown => ok_or(active_rest(Running), active_rest(Unknown)),
        Shutdown => ok_or(active(Epilog, tm(Stage::Epilog)), active_rest(Running)),
        Epilog => ok_or(rest(VmState::Done), fail_to(EpilogFailure)),
        ShutdownPoweroff => ok_or(rest(VmState::Poweroff), active_rest(Running)),
        ShutdownUndeploy => ok_or(active(EpilogUndeploy, tm(Stage::EpilogStop)), active_rest(Running)),
        EpilogUndeploy => ok_or(rest(VmState::Undeployed), fail_to(EpilogUndeployFailure)),
        SaveSuspend => ok_or(rest(VmState::Suspended), active_rest(Running)),
        SaveStop => ok_or(active(EpilogStop, tm(Stage::EpilogStop)), active_rest(Running)),
        EpilogStop => ok_or(rest(VmState::Stopped), fail_to(EpilogStopFailure)),
        SaveMigrate => ok_or(active(PrologMigrate, tm(Stage::Migrate)), active_rest(Running)),
        PrologMigrate => ok_or(active(BootMigrate, vmm(Verb::Restore)), fail_to(PrologMigrateFailure)),
        PrologMigratePoweroff => ok_or(rest(VmState::Poweroff), fail_to(PrologMigratePoweroffFailure)),
        PrologMigrateSuspend => ok_or(rest(VmState::Suspended), fail_to(PrologMigrateSuspendFailure)),
        PrologMigrateUnknown => ok_or(active(Boot, vmm(Verb::Deploy)), fail_to(PrologMigrateUnknownFailure)),
        Migrate => ok_or(active_rest(Running), active_rest(Running)),
        // Disk operations return to where they started, whatever the outcome (the outcome is
        // recorded on the disk, the snapshot list or the image).
        DiskSnapshotPoweroff | DiskSnapshotRevertPoweroff | DiskSnapshotDeletePoweroff | DiskResizePoweroff
        | HotplugSaveasPoweroff => Some(rest(VmState::Poweroff)),
        HotplugSaveas => Some(active_rest(Running)),
        // A reboot runs while the VM stays Running.
        Running => Some(active_rest(Running)),
        // Cleanup never fails: the disks go next, then the VM is done (or pending again).
        CleanupDelete if tm_half => Some(rest(VmState::Done)),
        CleanupDelete => Some(active(CleanupDelete, tm(Stage::Delete))),
        CleanupResubmit if tm_half => Some(rest(VmState::Pending)),
        CleanupResubmit => Some(active(CleanupResubmit, tm(Stage::Delete))),
        _ => None,
    }
}

/// How a cold migration of a running VM moves it (`one.vm.migrate`'s type): 0 saves and
/// restores its memory; 1 shuts it down and 2 powers it off hard, and both boot it afresh on
/// the new host. OpenNebula records the last two as the `POFF_MIGRATE` (48) and
/// `POFF_HARD_MIGRATE` (49) actions of the history record being left.
pub fn with_migration_mode(t: Transition, mode: i32) -> Transition {
    let step = match (t.lcm, t.step, mode) {
        (SaveMigrate, Some(s), 1) if s.verb == Verb::Save => Some(vmm(Verb::Shutdown)),
        (SaveMigrate, Some(s), 2) if s.verb == Verb::Save => Some(vmm(Verb::Cancel)),
        (BootMigrate, Some(s), 1 | 2) if s.verb == Verb::Restore => Some(vmm(Verb::Deploy)),
        (_, step, _) => step,
    };
    Transition { step, ..t }
}

/// `one.vm.recover` retry: the step that failed, re-issued from its failure state.
pub fn on_retry(l: LcmState) -> Option<Transition> {
    Some(match l {
        PrologFailure => active(Prolog, tm(Stage::Prolog)),
        PrologResumeFailure => active(PrologResume, tm(Stage::PrologResume)),
        PrologUndeployFailure => active(PrologUndeploy, tm(Stage::PrologUndeploy)),
        BootFailure => active(Boot, vmm(Verb::Deploy)),
        BootStoppedFailure => active(BootStopped, vmm(Verb::Restore)),
        BootUndeployFailure => active(BootUndeploy, vmm(Verb::Deploy)),
        BootMigrateFailure => active(BootMigrate, vmm(Verb::Restore)),
        EpilogFailure => active(Epilog, tm(Stage::Epilog)),
        EpilogStopFailure => active(EpilogStop, tm(Stage::EpilogStop)),
        EpilogUndeployFailure => active(EpilogUndeploy, tm(Stage::EpilogStop)),
        PrologMigrateFailure => active(PrologMigrate, tm(Stage::Migrate)),
        PrologMigratePoweroffFailure => active(PrologMigratePoweroff, tm(Stage::Migrate)),
        PrologMigrateSuspendFailure => active(PrologMigrateSuspend, tm(Stage::Migrate)),
        PrologMigrateUnknownFailure => active(PrologMigrateUnknown, tm(Stage::Migrate)),
        _ => return None,
    })
}

/// The failure state a transient state falls to when its step is lost and cannot be confirmed.
pub fn failure_of(l: LcmState) -> LcmState {
    match on_reply(l, None, false) {
        Some(t) if t.step.is_none() => t.lcm,
        _ => l,
    }
}

/// `one.vm.recover` success (1) / failure (0): the transient state's reply, made up by the
/// administrator. Failure states map to their step's state first.
pub fn on_recover(l: LcmState, step: Option<Step>, success: bool) -> Option<Transition> {
    let l = on_retry(l).map(|t| t.lcm).unwrap_or(l);
    on_reply(l, step, success)
}

/// True if `l` is a transient state (a step is under way or expected).
pub fn is_transient(st: VmState, l: LcmState) -> bool {
    st == VmState::Active && !matches!(l, Running | Unknown) && !l.is_failure()
}

#[cfg(test)]
mod tests;

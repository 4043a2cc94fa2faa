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

use crate::objects::vm::{DriverKind, state};

pub use crate::objects::vm::lcm;
use lcm::*;

/// A driver action to send next.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Step {
    pub driver: DriverKind,
    pub verb: &'static str,
    /// For TRANSFER: which transfer (`prolog`, `epilog`, `epilog_stop`, `prolog_resume`,
    /// `prolog_undeploy`, `migrate`, `delete`).
    pub stage: &'static str,
}

const fn vmm(verb: &'static str) -> Step {
    Step { driver: DriverKind::Vmm, verb, stage: "" }
}

const fn tm(stage: &'static str) -> Step {
    Step { driver: DriverKind::Tm, verb: "TRANSFER", stage }
}

/// Where the VM goes, and the driver step that follows (none: the VM is at rest).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Transition {
    pub state: i32,
    pub lcm: i32,
    pub step: Option<Step>,
}


const fn active(lcm: i32, step: Step) -> Transition {
    Transition { state: state::ACTIVE, lcm, step: Some(step) }
}

const fn rest(state: i32) -> Transition {
    Transition { state, lcm: LCM_INIT, step: None }
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
pub fn on_action(st: i32, l: i32, action: Action) -> Result<Option<Transition>, Refusal> {
    let running = st == state::ACTIVE && l == RUNNING;
    let unknown = st == state::ACTIVE && l == UNKNOWN;
    let t = match action {
        Action::Hold if st == state::PENDING => rest(state::HOLD),
        Action::Release if st == state::HOLD => rest(state::PENDING),
        Action::Terminate { hard } => match st {
            state::DONE => return Ok(None),
            state::INIT | state::PENDING | state::HOLD | state::CLONING | state::CLONING_FAILURE => rest(state::DONE),
            state::POWEROFF | state::SUSPENDED => active(EPILOG, tm("epilog")),
            state::STOPPED | state::UNDEPLOYED => active(EPILOG, tm("epilog_local")),
            state::ACTIVE if running || unknown => active(SHUTDOWN, vmm(if hard { "CANCEL" } else { "SHUTDOWN" })),
            state::ACTIVE if hard && l == SHUTDOWN => active(SHUTDOWN, vmm("CANCEL")),
            state::ACTIVE if is_failure(l) => active(CLEANUP_DELETE, vmm("CLEANUP")),
            _ => return Err(Refusal::CannotTerminate),
        },
        Action::Poweroff { hard } if running || unknown || (hard && st == state::ACTIVE && l == SHUTDOWN_POWEROFF) => {
            active(SHUTDOWN_POWEROFF, vmm(if hard { "CANCEL" } else { "SHUTDOWN" }))
        }
        Action::Undeploy { hard } if running || unknown || (hard && st == state::ACTIVE && l == SHUTDOWN_UNDEPLOY) => {
            active(SHUTDOWN_UNDEPLOY, vmm(if hard { "CANCEL" } else { "SHUTDOWN" }))
        }
        Action::Undeploy { .. } if st == state::POWEROFF => active(EPILOG_UNDEPLOY, tm("epilog_stop")),
        Action::Reboot { hard } if running => active(RUNNING, vmm(if hard { "RESET" } else { "REBOOT" })),
        Action::Suspend if running => active(SAVE_SUSPEND, vmm("SAVE")),
        Action::Stop if running => active(SAVE_STOP, vmm("SAVE")),
        Action::Stop if st == state::SUSPENDED => active(EPILOG_STOP, tm("epilog_stop")),
        Action::Resume => match st {
            state::STOPPED | state::UNDEPLOYED => rest(state::PENDING),
            state::SUSPENDED => active(BOOT_SUSPENDED, vmm("RESTORE")),
            state::POWEROFF => active(BOOT_POWEROFF, vmm("DEPLOY")),
            state::ACTIVE if l == UNKNOWN => active(BOOT_UNKNOWN, vmm("DEPLOY")),
            _ => return Err(Refusal::WrongState),
        },
        Action::Migrate { live: true } if running => active(MIGRATE, vmm("MIGRATE")),
        Action::Migrate { live: false } => match st {
            state::ACTIVE if l == RUNNING => active(SAVE_MIGRATE, vmm("SAVE")),
            state::ACTIVE if l == UNKNOWN => active(PROLOG_MIGRATE_UNKNOWN, tm("migrate")),
            state::POWEROFF => active(PROLOG_MIGRATE_POWEROFF, tm("migrate")),
            state::SUSPENDED => active(PROLOG_MIGRATE_SUSPEND, tm("migrate")),
            _ => return Err(Refusal::WrongState),
        },
        _ => return Err(Refusal::WrongState),
    };
    Ok(Some(t))
}

/// The first step of a deploy from PENDING/HOLD (PROLOG), STOPPED (PROLOG_RESUME) or UNDEPLOYED
/// (PROLOG_UNDEPLOY).
pub fn on_deploy(st: i32) -> Option<Transition> {
    match st {
        state::PENDING | state::HOLD => Some(active(PROLOG, tm("prolog"))),
        state::STOPPED => Some(active(PROLOG_RESUME, tm("prolog_resume"))),
        state::UNDEPLOYED => Some(active(PROLOG_UNDEPLOY, tm("prolog_undeploy"))),
        _ => None,
    }
}

/// A driver's answer to the pending step of a VM in `l` (always ACTIVE). `None`: the answer is
/// not for this state (it is logged and ignored).
pub fn on_reply(l: i32, success: bool) -> Option<Transition> {
    let ok_or = |ok: Transition, fail: Transition| Some(if success { ok } else { fail });
    let fail_to = |f: i32| active_rest(f);
    match l {
        PROLOG => ok_or(active(BOOT, vmm("DEPLOY")), fail_to(PROLOG_FAILURE)),
        PROLOG_RESUME => ok_or(active(BOOT_STOPPED, vmm("RESTORE")), fail_to(PROLOG_RESUME_FAILURE)),
        PROLOG_UNDEPLOY => ok_or(active(BOOT_UNDEPLOY, vmm("DEPLOY")), fail_to(PROLOG_UNDEPLOY_FAILURE)),
        BOOT => ok_or(active_rest(RUNNING), fail_to(BOOT_FAILURE)),
        BOOT_STOPPED => ok_or(active_rest(RUNNING), fail_to(BOOT_STOPPED_FAILURE)),
        BOOT_UNDEPLOY => ok_or(active_rest(RUNNING), fail_to(BOOT_UNDEPLOY_FAILURE)),
        BOOT_MIGRATE => ok_or(active_rest(RUNNING), fail_to(BOOT_MIGRATE_FAILURE)),
        BOOT_POWEROFF => ok_or(active_rest(RUNNING), rest(state::POWEROFF)),
        BOOT_SUSPENDED => ok_or(active_rest(RUNNING), rest(state::SUSPENDED)),
        BOOT_UNKNOWN => ok_or(active_rest(RUNNING), active_rest(UNKNOWN)),
        SHUTDOWN => ok_or(active(EPILOG, tm("epilog")), active_rest(RUNNING)),
        EPILOG => ok_or(rest(state::DONE), fail_to(EPILOG_FAILURE)),
        SHUTDOWN_POWEROFF => ok_or(rest(state::POWEROFF), active_rest(RUNNING)),
        SHUTDOWN_UNDEPLOY => ok_or(active(EPILOG_UNDEPLOY, tm("epilog_stop")), active_rest(RUNNING)),
        EPILOG_UNDEPLOY => ok_or(rest(state::UNDEPLOYED), fail_to(EPILOG_UNDEPLOY_FAILURE)),
        SAVE_SUSPEND => ok_or(rest(state::SUSPENDED), active_rest(RUNNING)),
        SAVE_STOP => ok_or(active(EPILOG_STOP, tm("epilog_stop")), active_rest(RUNNING)),
        EPILOG_STOP => ok_or(rest(state::STOPPED), fail_to(EPILOG_STOP_FAILURE)),
        SAVE_MIGRATE => ok_or(active(PROLOG_MIGRATE, tm("migrate")), active_rest(RUNNING)),
        PROLOG_MIGRATE => ok_or(active(BOOT_MIGRATE, vmm("RESTORE")), fail_to(PROLOG_MIGRATE_FAILURE)),
        PROLOG_MIGRATE_POWEROFF => ok_or(rest(state::POWEROFF), fail_to(PROLOG_MIGRATE_POWEROFF_FAILURE)),
        PROLOG_MIGRATE_SUSPEND => ok_or(rest(state::SUSPENDED), fail_to(PROLOG_MIGRATE_SUSPEND_FAILURE)),
        PROLOG_MIGRATE_UNKNOWN => ok_or(active(BOOT, vmm("DEPLOY")), fail_to(PROLOG_MIGRATE_UNKNOWN_FAILURE)),
        MIGRATE => ok_or(active_rest(RUNNING), active_rest(RUNNING)),
        // A reboot runs while the VM stays RUNNING.
        RUNNING => Some(active_rest(RUNNING)),
        // Cleanup never fails: the disks go next, then the VM is done (or pending again).
        CLEANUP_DELETE => Some(active(CLEANUP_DELETE_TM, tm("delete"))),
        CLEANUP_DELETE_TM => Some(rest(state::DONE)),
        CLEANUP_RESUBMIT => Some(active(CLEANUP_RESUBMIT_TM, tm("delete"))),
        CLEANUP_RESUBMIT_TM => Some(rest(state::PENDING)),
        _ => None,
    }
}

const fn active_rest(l: i32) -> Transition {
    Transition { state: state::ACTIVE, lcm: l, step: None }
}

/// How a cold migration of a running VM moves it (`one.vm.migrate`'s type): 0 saves and
/// restores its memory; 1 shuts it down and 2 powers it off hard, and both boot it afresh on
/// the new host. OpenNebula records the last two as the `POFF_MIGRATE` (48) and
/// `POFF_HARD_MIGRATE` (49) actions of the history record being left.
pub fn with_migration_mode(t: Transition, mode: i32) -> Transition {
    let step = match (t.lcm, t.step, mode) {
        (SAVE_MIGRATE, Some(s), 1) if s.verb == "SAVE" => Some(vmm("SHUTDOWN")),
        (SAVE_MIGRATE, Some(s), 2) if s.verb == "SAVE" => Some(vmm("CANCEL")),
        (BOOT_MIGRATE, Some(s), 1 | 2) if s.verb == "RESTORE" => Some(vmm("DEPLOY")),
        (_, step, _) => step,
    };
    Transition { step, ..t }
}

/// `one.vm.recover` retry: the step that failed, re-issued from its failure state.
pub fn on_retry(l: i32) -> Option<Transition> {
    Some(match l {
        PROLOG_FAILURE => active(PROLOG, tm("prolog")),
        PROLOG_RESUME_FAILURE => active(PROLOG_RESUME, tm("prolog_resume")),
        PROLOG_UNDEPLOY_FAILURE => active(PROLOG_UNDEPLOY, tm("prolog_undeploy")),
        BOOT_FAILURE => active(BOOT, vmm("DEPLOY")),
        BOOT_STOPPED_FAILURE => active(BOOT_STOPPED, vmm("RESTORE")),
        BOOT_UNDEPLOY_FAILURE => active(BOOT_UNDEPLOY, vmm("DEPLOY")),
        BOOT_MIGRATE_FAILURE => active(BOOT_MIGRATE, vmm("RESTORE")),
        EPILOG_FAILURE => active(EPILOG, tm("epilog")),
        EPILOG_STOP_FAILURE => active(EPILOG_STOP, tm("epilog_stop")),
        EPILOG_UNDEPLOY_FAILURE => active(EPILOG_UNDEPLOY, tm("epilog_stop")),
        PROLOG_MIGRATE_FAILURE => active(PROLOG_MIGRATE, tm("migrate")),
        PROLOG_MIGRATE_POWEROFF_FAILURE => active(PROLOG_MIGRATE_POWEROFF, tm("migrate")),
        PROLOG_MIGRATE_SUSPEND_FAILURE => active(PROLOG_MIGRATE_SUSPEND, tm("migrate")),
        PROLOG_MIGRATE_UNKNOWN_FAILURE => active(PROLOG_MIGRATE_UNKNOWN, tm("migrate")),
        _ => return None,
    })
}

/// The failure state a transient state falls to when its step is lost and cannot be confirmed.
pub fn failure_of(l: i32) -> i32 {
    match on_reply(l, false) {
        Some(t) if t.step.is_none() => t.lcm,
        _ => l,
    }
}

/// `one.vm.recover` success (1) / failure (0): the transient state's reply, made up by the
/// administrator. Failure states map to their step's state first.
pub fn on_recover(l: i32, success: bool) -> Option<Transition> {
    let l = on_retry(l).map(|t| t.lcm).unwrap_or(l);
    on_reply(l, success)
}

/// True if `l` is a transient state (a step is under way or expected).
pub fn is_transient(st: i32, l: i32) -> bool {
    st == state::ACTIVE && !matches!(l, RUNNING | UNKNOWN) && !is_failure(l)
}

#[cfg(test)]
mod tests;

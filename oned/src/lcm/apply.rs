//! Applying state-machine transitions to the cloud, under the write lock: new states, the
//! pending action (the journal entry) and the outbox, and the effects of reaching a state
//! (host capacity, history records, DONE clean-up, the `ERROR` attribute).

use super::machine::{self, Step, Transition};
use crate::cloud::Cloud;
use crate::objects::now;
use crate::objects::vm::{LcmState, PendingAction, Stage, Verb, VmState};

/// Moves VM `id` along `t`. `error` is recorded in the VM's `ERROR` attribute (a failure).
pub fn enter(cloud: &mut Cloud, id: i32, t: Transition, error: Option<&str>) {
    // A power-off migration shuts the VM down and deploys it afresh instead of save/restore;
    // the mode lives in the history record being left, so it survives a restart.
    let t = match cloud.vms.get(id).map(|v| v.migration_mode()) {
        Some(mode) if mode != 0 => machine::with_migration_mode(t, mode),
        _ => t,
    };
    // New pending work, or capacity given back: the scheduler has something to look at.
    if matches!(t.state, VmState::Done | VmState::Pending | VmState::Stopped | VmState::Undeployed) {
        cloud.sched_kick = true;
    }
    if t.state == VmState::Done {
        let _ = super::release::finish(cloud, id);
        if let Some(vm) = cloud.vms.get_mut(id) {
            vm.pending = None;
        }
        return;
    }
    let Some(old) = cloud.vms.get(id).map(|v| (v.state, v.lcm_state)) else { return };
    // Leaving the host for good: STOPPED, UNDEPLOYED, or PENDING again after a clean-up.
    let leaves_host =
        old.0 == VmState::Active && matches!(t.state, VmState::Stopped | VmState::Undeployed | VmState::Pending);
    if leaves_host {
        super::release::release_current_host(cloud, id);
    }
    let t_now = now();
    let Some(vm) = cloud.vms.get_mut(id) else { return };
    if (vm.state, vm.lcm_state) != (t.state, t.lcm) {
        stamp_history(vm.history.last_mut(), vm.lcm_state, t.lcm, t_now);
        vm.prev_state = vm.state;
        vm.prev_lcm_state = vm.lcm_state;
        vm.state = t.state;
        vm.lcm_state = t.lcm;
        vm.state_changed_at = t_now;
    }
    if let Some(e) = error {
        vm.user_template.set("ERROR", format!("{} : {e}", date_string(t_now)));
    }
    if leaves_host {
        if let Some(h) = vm.history.last_mut()
            && h.etime == 0
        {
            h.etime = t_now;
        }
        if t.state == VmState::Pending {
            vm.deploy_id.clear();
        }
    }
    match t.step {
        Some(step) => set_pending(cloud, id, step),
        None => {
            if let Some(vm) = cloud.vms.get_mut(id) {
                vm.pending = None;
            }
        }
    }
    let next = t.step.map(|s| {
        if s.stage == Stage::None { format!("; next {}", s.verb) } else { format!("; next {} {}", s.verb, s.stage) }
    });
    let lcm = if t.state == VmState::Active { t.lcm.name() } else { "" };
    tracing::info!(vm_id = id, "New state is {} {lcm}{}", t.state, next.unwrap_or_default());
}

/// The prolog / running / epilog times of the current history record.
fn stamp_history(h: Option<&mut crate::objects::vm::History>, old: LcmState, new: LcmState, t: i64) {
    let Some(h) = h else { return };
    let prolog = |l: LcmState| {
        matches!(l, LcmState::Prolog | LcmState::PrologResume | LcmState::PrologUndeploy | LcmState::PrologMigrate)
    };
    let epilog = |l: LcmState| matches!(l, LcmState::Epilog | LcmState::EpilogStop | LcmState::EpilogUndeploy);
    if prolog(new) && !prolog(old) {
        h.pstime = t;
    }
    if prolog(old) && !prolog(new) {
        h.petime = t;
    }
    if new == LcmState::Running && old != LcmState::Running && h.rstime == 0 {
        h.rstime = t;
    }
    if old == LcmState::Running && new != LcmState::Running {
        h.retime = t;
    }
    if epilog(new) && !epilog(old) {
        h.estime = t;
    }
    if epilog(old) && !epilog(new) {
        h.eetime = t;
    }
}

/// Records the next driver step of VM `id` and queues it for sending after the commit.
pub fn set_pending(cloud: &mut Cloud, id: i32, step: Step) {
    let Some(vm) = cloud.vms.get_mut(id) else { return };
    vm.action_seq += 1;
    vm.pending = Some(PendingAction {
        driver: step.driver(),
        verb: step.verb,
        stage: step.stage,
        seq: vm.action_seq,
        sent_at: 0,
        attempts: 0,
    });
    cloud.outbox.vms.push(id);
}

/// The result of a driver's answer to VM `id`'s pending step (already matched by sequence).
/// `info` is the reply's info (the deploy id of a DEPLOY, the error of a FAILURE).
pub fn reply(cloud: &mut Cloud, id: i32, verb: Verb, success: bool, info: &str) {
    let Some(vm) = cloud.vms.get(id) else { return };
    let (st, l) = (vm.state, vm.lcm_state);
    if st != VmState::Active {
        return;
    }
    let step = vm.pending.as_ref().map(|p| Step { verb: p.verb, stage: p.stage });
    let Some(t) = machine::on_reply(l, step, success) else {
        tracing::warn!(vm_id = id, "ignored {verb} answer in state {}", vm.state_for_message());
        return;
    };
    if success && matches!(verb, Verb::Deploy | Verb::Restore) {
        let deploy_id = info.split_whitespace().next().filter(|d| *d != "-").map(str::to_string);
        if let Some(vm) = cloud.vms.get_mut(id)
            && let Some(d) = deploy_id
        {
            vm.deploy_id = d;
        }
    }
    // A migration that ended: the VM's share leaves the host it came from (success), or the
    // host it was going to (a failed live migration falls back to the source).
    let migrated = success && t.lcm == LcmState::Running && matches!(l, LcmState::BootMigrate | LcmState::Migrate)
        || success
            && matches!(
                l,
                LcmState::PrologMigratePoweroff | LcmState::PrologMigrateSuspend | LcmState::PrologMigrateUnknown
            );
    if migrated {
        leave_previous_host(cloud, id);
    }
    if !success && l == LcmState::Migrate {
        undo_migration(cloud, id);
    }
    if super::disks::is_disk_op_state(l) {
        super::disks::finish(cloud, id, success, info);
    }
    let error = if success { None } else { Some(failure_text(verb, info)) };
    enter(cloud, id, t, error.as_deref());
}

fn failure_text(verb: Verb, info: &str) -> String {
    let info = info.trim();
    if info.is_empty() || info == "-" {
        format!("Error executing {verb}")
    } else {
        format!("Error executing {verb}: {info}")
    }
}

/// After a migration: the previous history record ends and its host loses the VM's share.
fn leave_previous_host(cloud: &mut Cloud, id: i32) {
    let Some(vm) = cloud.vms.get(id) else { return };
    if vm.history.len() < 2 {
        return;
    }
    let prev = vm.history[vm.history.len() - 2].clone();
    let (cpu, mem) = vm.host_request();
    super::release::release_host(cloud, id, prev.hid, cpu, mem);
    if let Some(vm) = cloud.vms.get_mut(id) {
        let n = vm.history.len();
        if vm.history[n - 2].etime == 0 {
            vm.history[n - 2].etime = now();
        }
    }
}

/// A failed live migration: the target's record and share are dropped; the VM stays where it was.
fn undo_migration(cloud: &mut Cloud, id: i32) {
    let Some(vm) = cloud.vms.get(id) else { return };
    if vm.history.len() < 2 {
        return;
    }
    let target = vm.history[vm.history.len() - 1].clone();
    let (cpu, mem) = vm.host_request();
    super::release::release_host(cloud, id, target.hid, cpu, mem);
    if let Some(vm) = cloud.vms.get_mut(id) {
        vm.history.pop();
        if let Some(h) = vm.history.last_mut() {
            h.etime = 0;
        }
    }
}

/// `Mon Nov 23 03:16:00 2026`-style date for messages (UTC).
pub fn date_string(t: i64) -> String {
    let days = t.div_euclid(86_400);
    let secs = t.rem_euclid(86_400);
    // Civil-from-days (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    format!(
        "{} {} {:02} {:02}:{:02}:{:02} {}",
        DAYS[days.rem_euclid(7) as usize],
        MONTHS[(m - 1) as usize],
        d,
        secs / 3600,
        secs % 3600 / 60,
        secs % 60,
        y
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(date_string(0), "Thu Jan 01 00:00:00 1970");
        assert_eq!(date_string(1_795_401_791), "Mon Nov 23 02:43:11 2026");
    }
}

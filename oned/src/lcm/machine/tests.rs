use super::*;
use crate::objects::vm::{Stage, Verb};

fn full_path(start: Transition) -> Vec<LcmState> {
    // Follows successful replies until the VM rests; returns the LCM states passed.
    let mut t = start;
    let mut seen = vec![t.lcm];
    while t.step.is_some() {
        t = on_reply(t.lcm, t.step, true).expect("every step state has a reply");
        seen.push(t.lcm);
        assert!(seen.len() < 20, "no loop: {seen:?}");
    }
    seen
}

#[test]
fn deploy_reaches_running() {
    let t = on_deploy(VmState::Pending).unwrap();
    assert_eq!(full_path(t), vec![Prolog, Boot, Running]);
    assert_eq!(full_path(on_deploy(VmState::Stopped).unwrap()), vec![PrologResume, BootStopped, Running]);
    assert_eq!(full_path(on_deploy(VmState::Undeployed).unwrap()), vec![PrologUndeploy, BootUndeploy, Running]);
    assert_eq!(on_deploy(VmState::Active), None);
}

#[test]
fn every_action_path_from_running() {
    let run = (VmState::Active, Running);
    let go = |a| on_action(run.0, run.1, a).unwrap().unwrap();
    assert_eq!(full_path(go(Action::Terminate { hard: false })), vec![Shutdown, Epilog, LcmInit]);
    assert_eq!(full_path(go(Action::Poweroff { hard: true })), vec![ShutdownPoweroff, LcmInit]);
    assert_eq!(full_path(go(Action::Undeploy { hard: false })), vec![ShutdownUndeploy, EpilogUndeploy, LcmInit]);
    assert_eq!(full_path(go(Action::Suspend)), vec![SaveSuspend, LcmInit]);
    assert_eq!(full_path(go(Action::Stop)), vec![SaveStop, EpilogStop, LcmInit]);
    assert_eq!(full_path(go(Action::Migrate { live: false })), vec![SaveMigrate, PrologMigrate, BootMigrate, Running]);
    assert_eq!(full_path(go(Action::Migrate { live: true })), vec![Migrate, Running]);
    assert_eq!(full_path(go(Action::Reboot { hard: false })), vec![Running, Running]);
    assert_eq!(go(Action::Reboot { hard: true }).step.unwrap().verb, Verb::Reset);
    assert_eq!(go(Action::Terminate { hard: true }).step.unwrap().verb, Verb::Cancel);
}

#[test]
fn rest_states_and_resume() {
    let final_state = |t: Transition| {
        let mut t = t;
        while t.step.is_some() {
            t = on_reply(t.lcm, t.step, true).unwrap();
        }
        t.state
    };
    assert_eq!(
        final_state(on_action(VmState::Active, Running, Action::Poweroff { hard: false }).unwrap().unwrap()),
        VmState::Poweroff
    );
    assert_eq!(final_state(on_action(VmState::Poweroff, LcmInit, Action::Resume).unwrap().unwrap()), VmState::Active);
    assert_eq!(final_state(on_action(VmState::Suspended, LcmInit, Action::Resume).unwrap().unwrap()), VmState::Active);
    assert_eq!(on_action(VmState::Stopped, LcmInit, Action::Resume).unwrap().unwrap().state, VmState::Pending);
    assert_eq!(on_action(VmState::Undeployed, LcmInit, Action::Resume).unwrap().unwrap().state, VmState::Pending);
    assert_eq!(
        final_state(on_action(VmState::Poweroff, LcmInit, Action::Terminate { hard: false }).unwrap().unwrap()),
        VmState::Done
    );
    assert_eq!(
        final_state(on_action(VmState::Poweroff, LcmInit, Action::Undeploy { hard: false }).unwrap().unwrap()),
        VmState::Undeployed
    );
    assert_eq!(final_state(on_action(VmState::Suspended, LcmInit, Action::Stop).unwrap().unwrap()), VmState::Stopped);
    assert_eq!(
        on_action(VmState::Pending, LcmInit, Action::Terminate { hard: false }).unwrap().unwrap().state,
        VmState::Done
    );
    assert_eq!(on_action(VmState::Done, LcmInit, Action::Terminate { hard: false }).unwrap(), None);
}

#[test]
fn wrong_states_are_refused() {
    assert_eq!(on_action(VmState::Pending, LcmInit, Action::Poweroff { hard: false }), Err(Refusal::WrongState));
    assert_eq!(on_action(VmState::Active, Prolog, Action::Terminate { hard: false }), Err(Refusal::CannotTerminate));
    assert_eq!(on_action(VmState::Active, Boot, Action::Suspend), Err(Refusal::WrongState));
    assert_eq!(on_action(VmState::Hold, LcmInit, Action::Hold), Err(Refusal::WrongState));
    assert_eq!(
        on_action(VmState::Active, Shutdown, Action::Terminate { hard: true }).unwrap().unwrap().step.unwrap().verb,
        Verb::Cancel
    );
}

#[test]
fn failures_land_in_failure_states_and_retry_resumes() {
    for (l, f) in
        [(Prolog, PrologFailure), (Boot, BootFailure), (Epilog, EpilogFailure), (EpilogStop, EpilogStopFailure)]
    {
        let t = on_reply(l, None, false).unwrap();
        assert_eq!((t.state, t.lcm, t.step), (VmState::Active, f, None));
        assert!(f.is_failure());
        assert_eq!(on_retry(f).unwrap().lcm, l);
        assert_eq!(failure_of(l), f);
    }
    // Save/shutdown failures go back to Running.
    for l in [Shutdown, ShutdownPoweroff, SaveSuspend, SaveStop, SaveMigrate, Migrate] {
        assert_eq!(on_reply(l, None, false).unwrap().lcm, Running);
    }
    // A failure state terminates through a cleanup.
    assert_eq!(
        full_path(on_action(VmState::Active, BootFailure, Action::Terminate { hard: false }).unwrap().unwrap()),
        vec![CleanupDelete, CleanupDelete, LcmInit]
    );
}

#[test]
fn every_state_with_a_step_answers_both_ways() {
    for &l in LcmState::ALL {
        for ok in [true, false] {
            if let Some(t) = on_reply(l, None, ok)
                && t.step.is_some()
            {
                assert_eq!(t.state, VmState::Active, "steps only run on ACTIVE VMs (from {l})");
                assert!(
                    on_reply(t.lcm, t.step, true).is_some() && on_reply(t.lcm, t.step, false).is_some(),
                    "{l} -> {}",
                    t.lcm
                );
            }
        }
    }
}

#[test]
fn clean_ups_take_two_steps_in_one_state() {
    let vmm_half = on_action(VmState::Active, BootFailure, Action::Terminate { hard: false }).unwrap().unwrap();
    assert_eq!((vmm_half.lcm, vmm_half.step.map(|s| s.verb)), (CleanupDelete, Some(Verb::Cleanup)));
    let tm_half = on_reply(CleanupDelete, vmm_half.step, true).unwrap();
    assert_eq!((tm_half.lcm, tm_half.step.map(|s| s.stage)), (CleanupDelete, Some(Stage::Delete)));
    assert_eq!(on_reply(CleanupDelete, tm_half.step, true).unwrap().state, VmState::Done);
    assert_eq!(on_reply(CleanupResubmit, tm_half.step, true).unwrap().state, VmState::Pending);
    assert!(is_transient(VmState::Active, Prolog));
    assert!(!is_transient(VmState::Active, Running));
    assert!(!is_transient(VmState::Active, BootFailure));
}

#[test]
fn power_off_migrations_shut_down_and_deploy() {
    let start = on_action(VmState::Active, Running, Action::Migrate { live: false }).expect("allowed").expect("a step");
    assert_eq!(start.step.map(|s| s.verb), Some(Verb::Save));
    assert_eq!(with_migration_mode(start, 0).step.map(|s| s.verb), Some(Verb::Save));
    assert_eq!(with_migration_mode(start, 1).step.map(|s| s.verb), Some(Verb::Shutdown));
    assert_eq!(with_migration_mode(start, 2).step.map(|s| s.verb), Some(Verb::Cancel));
    let saved = on_reply(SaveMigrate, None, true).expect("next");
    assert_eq!((saved.lcm, saved.step.map(|s| s.stage)), (PrologMigrate, Some(Stage::Migrate)));
    assert_eq!(with_migration_mode(saved, 1), saved, "the transfer is the same");
    let boot = on_reply(PrologMigrate, None, true).expect("next");
    assert_eq!(boot.step.map(|s| s.verb), Some(Verb::Restore));
    for mode in [1, 2] {
        assert_eq!(with_migration_mode(boot, mode).step.map(|s| s.verb), Some(Verb::Deploy));
    }
    let retry = on_retry(BootMigrateFailure).expect("retry");
    assert_eq!(with_migration_mode(retry, 1).step.map(|s| s.verb), Some(Verb::Deploy));
    // Nothing else changes.
    let other = on_action(VmState::Active, Running, Action::Suspend).expect("allowed").expect("a step");
    assert_eq!(with_migration_mode(other, 1), other);
}

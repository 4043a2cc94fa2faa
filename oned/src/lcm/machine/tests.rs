use super::*;
use crate::objects::vm::visible_lcm;

fn full_path(start: Transition) -> Vec<i32> {
    // Follows successful replies until the VM rests; returns the LCM states passed.
    let mut t = start;
    let mut seen = vec![t.lcm];
    while t.step.is_some() {
        t = on_reply(t.lcm, true).expect("every step state has a reply");
        seen.push(t.lcm);
        assert!(seen.len() < 20, "no loop: {seen:?}");
    }
    seen
}

#[test]
fn deploy_reaches_running() {
    let t = on_deploy(state::PENDING).unwrap();
    assert_eq!(full_path(t), vec![PROLOG, BOOT, RUNNING]);
    assert_eq!(full_path(on_deploy(state::STOPPED).unwrap()), vec![PROLOG_RESUME, BOOT_STOPPED, RUNNING]);
    assert_eq!(full_path(on_deploy(state::UNDEPLOYED).unwrap()), vec![PROLOG_UNDEPLOY, BOOT_UNDEPLOY, RUNNING]);
    assert_eq!(on_deploy(state::ACTIVE), None);
}

#[test]
fn every_action_path_from_running() {
    let run = (state::ACTIVE, RUNNING);
    let go = |a| on_action(run.0, run.1, a).unwrap().unwrap();
    assert_eq!(full_path(go(Action::Terminate { hard: false })), vec![SHUTDOWN, EPILOG, LCM_INIT]);
    assert_eq!(full_path(go(Action::Poweroff { hard: true })), vec![SHUTDOWN_POWEROFF, LCM_INIT]);
    assert_eq!(full_path(go(Action::Undeploy { hard: false })), vec![SHUTDOWN_UNDEPLOY, EPILOG_UNDEPLOY, LCM_INIT]);
    assert_eq!(full_path(go(Action::Suspend)), vec![SAVE_SUSPEND, LCM_INIT]);
    assert_eq!(full_path(go(Action::Stop)), vec![SAVE_STOP, EPILOG_STOP, LCM_INIT]);
    assert_eq!(full_path(go(Action::Migrate { live: false })), vec![SAVE_MIGRATE, PROLOG_MIGRATE, BOOT_MIGRATE, RUNNING]);
    assert_eq!(full_path(go(Action::Migrate { live: true })), vec![MIGRATE, RUNNING]);
    assert_eq!(full_path(go(Action::Reboot { hard: false })), vec![RUNNING, RUNNING]);
    assert_eq!(go(Action::Reboot { hard: true }).step.unwrap().verb, "RESET");
    assert_eq!(go(Action::Terminate { hard: true }).step.unwrap().verb, "CANCEL");
}

#[test]
fn rest_states_and_resume() {
    let final_state = |t: Transition| {
        let mut t = t;
        while t.step.is_some() {
            t = on_reply(t.lcm, true).unwrap();
        }
        t.state
    };
    assert_eq!(final_state(on_action(state::ACTIVE, RUNNING, Action::Poweroff { hard: false }).unwrap().unwrap()), state::POWEROFF);
    assert_eq!(final_state(on_action(state::POWEROFF, 0, Action::Resume).unwrap().unwrap()), state::ACTIVE);
    assert_eq!(final_state(on_action(state::SUSPENDED, 0, Action::Resume).unwrap().unwrap()), state::ACTIVE);
    assert_eq!(on_action(state::STOPPED, 0, Action::Resume).unwrap().unwrap().state, state::PENDING);
    assert_eq!(on_action(state::UNDEPLOYED, 0, Action::Resume).unwrap().unwrap().state, state::PENDING);
    assert_eq!(final_state(on_action(state::POWEROFF, 0, Action::Terminate { hard: false }).unwrap().unwrap()), state::DONE);
    assert_eq!(final_state(on_action(state::POWEROFF, 0, Action::Undeploy { hard: false }).unwrap().unwrap()), state::UNDEPLOYED);
    assert_eq!(final_state(on_action(state::SUSPENDED, 0, Action::Stop).unwrap().unwrap()), state::STOPPED);
    assert_eq!(on_action(state::PENDING, 0, Action::Terminate { hard: false }).unwrap().unwrap().state, state::DONE);
    assert_eq!(on_action(state::DONE, 0, Action::Terminate { hard: false }).unwrap(), None);
}

#[test]
fn wrong_states_are_refused() {
    assert_eq!(on_action(state::PENDING, 0, Action::Poweroff { hard: false }), Err(Refusal::WrongState));
    assert_eq!(on_action(state::ACTIVE, PROLOG, Action::Terminate { hard: false }), Err(Refusal::CannotTerminate));
    assert_eq!(on_action(state::ACTIVE, BOOT, Action::Suspend), Err(Refusal::WrongState));
    assert_eq!(on_action(state::HOLD, 0, Action::Hold), Err(Refusal::WrongState));
    assert_eq!(on_action(state::ACTIVE, SHUTDOWN, Action::Terminate { hard: true }).unwrap().unwrap().step.unwrap().verb, "CANCEL");
}

#[test]
fn failures_land_in_failure_states_and_retry_resumes() {
    for (l, f) in [(PROLOG, PROLOG_FAILURE), (BOOT, BOOT_FAILURE), (EPILOG, EPILOG_FAILURE), (EPILOG_STOP, EPILOG_STOP_FAILURE)] {
        let t = on_reply(l, false).unwrap();
        assert_eq!((t.state, t.lcm, t.step), (state::ACTIVE, f, None));
        assert!(lcm::is_failure(f));
        assert_eq!(on_retry(f).unwrap().lcm, l);
        assert_eq!(failure_of(l), f);
    }
    // Save/shutdown failures go back to RUNNING.
    for l in [SHUTDOWN, SHUTDOWN_POWEROFF, SAVE_SUSPEND, SAVE_STOP, SAVE_MIGRATE, MIGRATE] {
        assert_eq!(on_reply(l, false).unwrap().lcm, RUNNING);
    }
    // A failure state terminates through a cleanup.
    assert_eq!(full_path(on_action(state::ACTIVE, BOOT_FAILURE, Action::Terminate { hard: false }).unwrap().unwrap()), vec![
        CLEANUP_DELETE,
        CLEANUP_DELETE_TM,
        LCM_INIT
    ]);
}

#[test]
fn every_state_with_a_step_answers_both_ways() {
    for l in 0..=71 {
        for ok in [true, false] {
            if let Some(t) = on_reply(l, ok) {
                if t.step.is_some() {
                    assert_eq!(t.state, state::ACTIVE, "steps only run on ACTIVE VMs (from {l})");
                    assert!(on_reply(t.lcm, true).is_some() && on_reply(t.lcm, false).is_some(), "{l} -> {}", t.lcm);
                }
            }
        }
    }
}

#[test]
fn visible_states_hide_internal_substeps() {
    assert_eq!(visible_lcm(CLEANUP_DELETE_TM), CLEANUP_DELETE);
    assert_eq!(visible_lcm(RUNNING), RUNNING);
    assert!(is_transient(state::ACTIVE, PROLOG));
    assert!(!is_transient(state::ACTIVE, RUNNING));
    assert!(!is_transient(state::ACTIVE, BOOT_FAILURE));
}

#[test]
fn power_off_migrations_shut_down_and_deploy() {
    let start = on_action(state::ACTIVE, RUNNING, Action::Migrate { live: false }).expect("allowed").expect("a step");
    assert_eq!(start.step.map(|s| s.verb), Some("SAVE"));
    assert_eq!(with_migration_mode(start, 0).step.map(|s| s.verb), Some("SAVE"));
    assert_eq!(with_migration_mode(start, 1).step.map(|s| s.verb), Some("SHUTDOWN"));
    assert_eq!(with_migration_mode(start, 2).step.map(|s| s.verb), Some("CANCEL"));
    let saved = on_reply(SAVE_MIGRATE, true).expect("next");
    assert_eq!((saved.lcm, saved.step.map(|s| s.stage)), (PROLOG_MIGRATE, Some("migrate")));
    assert_eq!(with_migration_mode(saved, 1), saved, "the transfer is the same");
    let boot = on_reply(PROLOG_MIGRATE, true).expect("next");
    assert_eq!(boot.step.map(|s| s.verb), Some("RESTORE"));
    for mode in [1, 2] {
        assert_eq!(with_migration_mode(boot, mode).step.map(|s| s.verb), Some("DEPLOY"));
    }
    let retry = on_retry(BOOT_MIGRATE_FAILURE).expect("retry");
    assert_eq!(with_migration_mode(retry, 1).step.map(|s| s.verb), Some("DEPLOY"));
    // Nothing else changes.
    let other = on_action(state::ACTIVE, RUNNING, Action::Suspend).expect("allowed").expect("a step");
    assert_eq!(with_migration_mode(other, 1), other);
}

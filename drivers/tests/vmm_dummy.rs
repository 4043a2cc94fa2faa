//! `one_vmm_dummy` as a real process, spoken to over pipes.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is the test's failure

use std::collections::BTreeSet;
use std::time::Duration;
use testkit::driver::{Driver, vmm_payload};

const EXE: &str = env!("CARGO_BIN_EXE_one_vmm_dummy");

#[test]
fn deploy_poll_shutdown_poll() {
    let mut d = Driver::start(EXE, "-t 4");
    d.init();
    let payload = vmm_payload(42, "node1", "", "");
    assert_eq!(d.call("POLL", 42, &payload), "POLL SUCCESS 42 STATE=d");
    assert_eq!(d.call("DEPLOY", 42, &payload), "DEPLOY SUCCESS 42 dummy-42");
    assert_eq!(
        d.call("POLL", 42, &vmm_payload(42, "node1", "", "dummy-42")),
        "POLL SUCCESS 42 STATE=a DEPLOY_ID=dummy-42"
    );
    assert_eq!(d.call("POLL", 43, &payload), "POLL SUCCESS 43 STATE=d");
    assert_eq!(d.call("REBOOT", 42, &payload), "REBOOT SUCCESS 42 -");
    assert_eq!(d.call("SHUTDOWN", 42, &payload), "SHUTDOWN SUCCESS 42 -");
    assert_eq!(d.call("POLL", 42, &payload), "POLL SUCCESS 42 STATE=d");
    d.send("FINALIZE\n");
    assert_eq!(d.wait_exit().code(), Some(0));
}

#[test]
fn save_restore_migrate_cancel_cleanup() {
    let mut d = Driver::start(EXE, "");
    d.init();
    let on = |host: &str, target: &str| vmm_payload(7, host, target, "dummy-7");
    assert_eq!(d.call("DEPLOY", 7, &on("a", "")), "DEPLOY SUCCESS 7 dummy-7");
    assert_eq!(d.call("SAVE", 7, &on("a", "")), "SAVE SUCCESS 7 -");
    assert_eq!(d.call("POLL", 7, ""), "POLL SUCCESS 7 STATE=d");
    assert_eq!(d.call("RESTORE", 7, &on("a", "")), "RESTORE SUCCESS 7 -");
    assert_eq!(d.call("POLL", 7, ""), "POLL SUCCESS 7 STATE=a DEPLOY_ID=dummy-7");
    assert_eq!(d.call("MIGRATE", 7, &on("a", "b")), "MIGRATE SUCCESS 7 -");
    assert_eq!(d.call("POLL", 7, ""), "POLL SUCCESS 7 STATE=a DEPLOY_ID=dummy-7");
    assert_eq!(d.call("CANCEL", 7, &on("b", "")), "CANCEL SUCCESS 7 -");
    assert_eq!(d.call("POLL", 7, ""), "POLL SUCCESS 7 STATE=d");
    assert_eq!(d.call("DEPLOY", 7, &on("b", "")), "DEPLOY SUCCESS 7 dummy-7");
    assert_eq!(d.call("CLEANUP", 7, &on("b", "")), "CLEANUP SUCCESS 7 -");
    assert_eq!(d.call("POLL", 7, ""), "POLL SUCCESS 7 STATE=d");
}

#[test]
fn bad_payloads_and_unknown_verbs_fail() {
    let mut d = Driver::start(EXE, "");
    d.init();
    assert_eq!(
        d.call("DEPLOY", 1, "not*base64"),
        "DEPLOY FAILURE 1 DEPLOY: payload is not base64: invalid base64: Invalid symbol 42, offset 3."
    );
    assert_eq!(d.call("DEPLOY", 1, &vmm_payload(1, "", "", "")), "DEPLOY FAILURE 1 DEPLOY: no HOST in the action data");
    assert_eq!(
        d.call("MIGRATE", 1, &vmm_payload(1, "a", "", "")),
        "MIGRATE FAILURE 1 MIGRATE: no MIGR_HOST in the action data"
    );
    assert_eq!(d.call("POLL", 1, ""), "POLL SUCCESS 1 STATE=d");
    assert_eq!(d.call("ATTACHDISK", 1, ""), "ATTACHDISK FAILURE 1 Action not implemented by driver one_vmm_dummy");
}

#[test]
fn state_dir_keeps_domains_across_a_driver_restart() {
    let state = tempfile::tempdir().unwrap();
    let args = format!("--state-dir {}", state.path().display());
    let mut first = Driver::start(EXE, &args);
    first.init();
    assert_eq!(first.call("DEPLOY", 5, &vmm_payload(5, "node1", "", "")), "DEPLOY SUCCESS 5 dummy-5");
    assert_eq!(first.call("DEPLOY", 6, &vmm_payload(6, "node2", "", "")), "DEPLOY SUCCESS 6 dummy-6");
    assert_eq!(first.call("SHUTDOWN", 6, &vmm_payload(6, "node2", "", "dummy-6")), "SHUTDOWN SUCCESS 6 -");
    drop(first); // killed, as a crash would
    assert_eq!(
        std::fs::read_to_string(state.path().join("node1/dummy-5")).unwrap(),
        "ID=5\nDEPLOY_ID=dummy-5\nHOST=node1\n",
        "one directory per host"
    );
    assert!(!state.path().join("node2/dummy-6").exists());

    let mut second = Driver::start(EXE, &args);
    second.init();
    assert_eq!(second.call("POLL", 5, &vmm_payload(5, "node1", "", "")), "POLL SUCCESS 5 STATE=a DEPLOY_ID=dummy-5");
    assert_eq!(second.call("POLL", 6, &vmm_payload(6, "node2", "", "")), "POLL SUCCESS 6 STATE=d");
    // Found by VM id whatever host the payload names (or none).
    assert_eq!(second.call("POLL", 5, &vmm_payload(5, "node2", "", "")), "POLL SUCCESS 5 STATE=a DEPLOY_ID=dummy-5");
    assert_eq!(second.call("POLL", 5, ""), "POLL SUCCESS 5 STATE=a DEPLOY_ID=dummy-5");
    assert_eq!(second.call("MIGRATE", 5, &vmm_payload(5, "node1", "node3", "dummy-5")), "MIGRATE SUCCESS 5 -");
    assert!(!state.path().join("node1/dummy-5").exists() && state.path().join("node3/dummy-5").is_file());
    assert_eq!(second.call("POLL", 5, &vmm_payload(5, "node1", "", "")), "POLL SUCCESS 5 STATE=a DEPLOY_ID=dummy-5");
    assert_eq!(second.call("CANCEL", 5, &vmm_payload(5, "node1", "", "")), "CANCEL SUCCESS 5 -");
    assert!(!state.path().join("node3/dummy-5").exists(), "a stale HOST still finds the domain to stop");
    assert_eq!(second.call("POLL", 5, ""), "POLL SUCCESS 5 STATE=d");

    // Without the state directory a restarted driver knows nothing.
    let mut plain = Driver::start(EXE, "");
    plain.init();
    assert_eq!(plain.call("POLL", 5, ""), "POLL SUCCESS 5 STATE=d");
}

#[test]
fn a_relative_state_dir_is_under_one_location_var() {
    let one = tempfile::tempdir().unwrap();
    let mut d = Driver::start_env(EXE, &["--state-dir", "dummy"], &[("ONE_LOCATION", one.path())]);
    d.init();
    let dir = one.path().join("var/dummy");
    assert!(d.wait_stderr("started").contains(&format!("state-dir {})", dir.display())), "{}", d.stderr());
    assert_eq!(d.call("DEPLOY", 3, &vmm_payload(3, "node1", "", "")), "DEPLOY SUCCESS 3 dummy-3");
    assert!(dir.join("node1/dummy-3").is_file());
}

#[test]
fn delay_is_cancelled_by_driver_cancel() {
    let mut d = Driver::start(EXE, "--delay 10000");
    d.init();
    d.send(&format!("DEPLOY  9 {}\n", vmm_payload(9, "node1", "", "")));
    std::thread::sleep(Duration::from_millis(200));
    d.send("DRIVER_CANCEL  9 \n");
    assert_eq!(d.line(), "DEPLOY FAILURE 9 cancelled");
    // Any action sleeping in its delay is cancellable, POLL included; nothing else is written.
    d.send("POLL  9 \n");
    std::thread::sleep(Duration::from_millis(100));
    d.send("DRIVER_CANCEL  9 \n");
    assert_eq!(d.line(), "POLL FAILURE 9 cancelled");
    d.assert_silent_for(Duration::from_millis(300));
}

#[test]
fn cancelled_deploy_leaves_no_domain() {
    let state = tempfile::tempdir().unwrap();
    let mut slow = Driver::start(EXE, &format!("--delay 10000 --state-dir {}", state.path().display()));
    slow.init();
    slow.send(&format!("DEPLOY  9 {}\n", vmm_payload(9, "node1", "", "")));
    std::thread::sleep(Duration::from_millis(100));
    slow.send("DRIVER_CANCEL  9 \n");
    assert_eq!(slow.line(), "DEPLOY FAILURE 9 cancelled");
    let mut fast = Driver::start(EXE, &format!("--state-dir {}", state.path().display()));
    fast.init();
    assert_eq!(fast.call("POLL", 9, ""), "POLL SUCCESS 9 STATE=d");
}

#[test]
fn queued_action_is_cancelled_without_running() {
    let mut d = Driver::start(EXE, "-t 1 --delay 10000");
    d.init();
    d.send(&format!("DEPLOY  1 {}\nDEPLOY  2 {}\n", vmm_payload(1, "a", "", ""), vmm_payload(2, "a", "", "")));
    std::thread::sleep(Duration::from_millis(100));
    d.send("DRIVER_CANCEL  2 \n");
    assert_eq!(d.line(), "DEPLOY FAILURE 2 cancelled");
    d.send("DRIVER_CANCEL  1 \n");
    assert_eq!(d.line(), "DEPLOY FAILURE 1 cancelled");
}

#[test]
fn timeout_answers_once() {
    let mut d = Driver::start(EXE, "-w 0.3 --delay 1500");
    d.init();
    d.send(&format!("DEPLOY  3 {}\n", vmm_payload(3, "node1", "", "")));
    assert_eq!(d.line(), "DEPLOY FAILURE 3 Timeout executing DEPLOY after 0.3 s");
    // Past the delay: no second reply for the abandoned action.
    d.assert_silent_for(Duration::from_millis(1800));
    d.close_stdin();
    assert_eq!(d.wait_exit().code(), Some(0));
}

#[test]
fn timeout_with_whole_seconds_reads_like_opennebula() {
    let mut d = Driver::start(EXE, "-w 1 --delay 5000");
    d.init();
    d.send("SHUTDOWN  3 \n");
    assert_eq!(d.line(), "SHUTDOWN FAILURE 3 Timeout executing SHUTDOWN after 1 s");
}

/// Deploys ids 0..n and returns the ids that failed.
fn failing_deploys(args: &str, n: i64) -> BTreeSet<i64> {
    let mut d = Driver::start(EXE, args);
    d.init();
    let mut requests = String::new();
    for id in 0..n {
        requests.push_str(&format!("DEPLOY  {id} {}\n", vmm_payload(id, "node1", "", "")));
    }
    d.send(&requests);
    let mut failed = BTreeSet::new();
    for _ in 0..n {
        let line = d.line();
        let fields: Vec<&str> = line.splitn(4, ' ').collect();
        assert_eq!(fields[0], "DEPLOY", "{line}");
        let id: i64 = fields[2].parse().unwrap();
        match fields[1] {
            "SUCCESS" => assert_eq!(fields[3], format!("dummy-{id}")),
            "FAILURE" => {
                assert_eq!(fields[3], "injected failure");
                failed.insert(id);
            }
            other => panic!("status {other}"),
        }
    }
    failed
}

#[test]
fn fail_rate_is_deterministic_given_the_seed() {
    let a = failing_deploys("-t 8 --fail-rate 0.3 --seed 11", 200);
    let b = failing_deploys("-t 3 --fail-rate 0.3 --seed 11", 200);
    let c = failing_deploys("-t 8 --fail-rate 0.3 --seed 12", 200);
    assert_eq!(a, b, "same seed, same failures whatever the thread count");
    assert_ne!(a, c, "another seed, other failures");
    assert!((30..=90).contains(&a.len()), "{} of 200 failed at rate 0.3", a.len());
    assert!(failing_deploys("--fail-rate 0", 50).is_empty());
    assert_eq!(failing_deploys("--fail-rate 1", 50).len(), 50);
}

#[test]
fn fail_rate_spares_poll_and_cleanup() {
    let mut d = Driver::start(EXE, "--fail-rate 1");
    d.init();
    assert_eq!(d.call("POLL", 1, ""), "POLL SUCCESS 1 STATE=d");
    assert_eq!(d.call("CLEANUP", 1, ""), "CLEANUP SUCCESS 1 -");
    assert_eq!(d.call("SHUTDOWN", 1, ""), "SHUTDOWN FAILURE 1 injected failure");
}

#[test]
fn fail_verb_always_fails_that_verb() {
    let mut d = Driver::start(EXE, "--fail SAVE --fail POLL");
    d.init();
    assert_eq!(d.call("DEPLOY", 1, &vmm_payload(1, "a", "", "")), "DEPLOY SUCCESS 1 dummy-1");
    assert_eq!(d.call("SAVE", 1, ""), "SAVE FAILURE 1 injected failure");
    assert_eq!(d.call("SAVE", 1, ""), "SAVE FAILURE 1 injected failure");
    assert_eq!(d.call("POLL", 1, ""), "POLL FAILURE 1 injected failure");
}

#[test]
fn garbage_lines_get_log_e_and_the_driver_goes_on() {
    let mut d = Driver::start(EXE, "");
    d.init();
    d.send("this is not a request\n");
    assert_eq!(
        d.line(),
        r#"LOG E -1 cannot parse line "this is not a request": bad verb "this" (expected upper-case letters, digits and _)"#
    );
    d.send("DEPLOY  forty-two payload\n");
    assert_eq!(
        d.line(),
        r#"LOG E -1 cannot parse line "DEPLOY  forty-two payload": bad id "forty-two" (expected an integer)"#
    );
    d.send_bytes(b"\xc3\x28\n");
    assert!(d.line().starts_with("LOG E -1 cannot parse line"));
    d.send("\n\n");
    assert_eq!(d.call("POLL", 1, ""), "POLL SUCCESS 1 STATE=d");
}

#[test]
fn finalize_waits_for_running_actions_and_exits_0() {
    let mut d = Driver::start(EXE, "--delay 300");
    d.init();
    d.send(&format!("DEPLOY  4 {}\nFINALIZE\n", vmm_payload(4, "a", "", "")));
    assert_eq!(d.line(), "DEPLOY SUCCESS 4 dummy-4");
    assert_eq!(d.wait_exit().code(), Some(0));
    assert!(d.wait_stderr("one_vmm_dummy: exiting with code 0").contains("one_vmm_dummy: started"));
}

#[test]
fn end_of_input_exits_0() {
    let mut d = Driver::start(EXE, "");
    d.init();
    d.close_stdin();
    assert_eq!(d.wait_exit().code(), Some(0));
}

#[test]
fn startup_line_and_split_arguments() {
    let mut d = Driver::start_split(EXE, &["-t", "3", "-w", "30", "--delay", "5", "--seed", "9", "dummy", "-p"]);
    d.init();
    let stderr = d.wait_stderr("started");
    assert!(
        stderr.contains("one_vmm_dummy: started (pid ")
            && stderr.contains("threads 3, timeout 30 s, delay 5 ms, fail-rate 0, seed 9"),
        "{stderr}"
    );
    assert_eq!(d.call("POLL", 2, ""), "POLL SUCCESS 2 STATE=d");
}

#[test]
fn bad_options_exit_2_with_a_message() {
    for (args, message) in [
        ("--fail-rate 2", "one_vmm_dummy: bad value \"2\" for --fail-rate (expected 0.0 to 1.0)"),
        ("-t 0", "one_vmm_dummy: bad value \"0\" for -t (expected a number of threads ≥ 1)"),
        ("--frobnicate", "one_vmm_dummy: unknown option --frobnicate"),
    ] {
        let mut d = Driver::start(EXE, args);
        assert_eq!(d.wait_exit().code(), Some(2), "{args}");
        assert!(d.wait_stderr("one_vmm_dummy:").contains(message), "{args}: {}", d.stderr());
    }
}

#[test]
fn many_concurrent_actions_each_get_one_reply() {
    let mut d = Driver::start(EXE, "-t 15 --delay 20");
    d.init();
    let mut requests = String::new();
    for id in 0..150 {
        requests.push_str(&format!("DEPLOY  {id} {}\n", vmm_payload(id, "h", "", "")));
    }
    d.send(&requests);
    let mut seen = BTreeSet::new();
    for _ in 0..150 {
        let line = d.line();
        let id: i64 = line.split(' ').nth(2).unwrap().parse().unwrap();
        assert_eq!(line, format!("DEPLOY SUCCESS {id} dummy-{id}"));
        assert!(seen.insert(id), "second reply for {id}");
    }
    d.assert_silent_for(Duration::from_millis(200));
}

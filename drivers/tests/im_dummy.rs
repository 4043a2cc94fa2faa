//! `one_im_dummy` as a real process (with `one_vmm_dummy` writing the shared state directory).
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is the test's failure

use drivers::proto::{Reply, b64_decode};
use testkit::driver::{Driver, host_payload, vmm_payload};

const IM: &str = env!("CARGO_BIN_EXE_one_im_dummy");
const VMM: &str = env!("CARGO_BIN_EXE_one_vmm_dummy");

/// Sends MONITOR and returns the decoded template.
fn monitor(d: &mut Driver, hid: i64, name: &str) -> String {
    d.send(&format!("MONITOR  {hid} {}\n", host_payload(hid, name)));
    match d.reply() {
        Reply::Action { verb, ok: true, id, info } if verb == "MONITOR" && id == hid => {
            String::from_utf8(b64_decode(&info).expect("base64 info")).expect("UTF-8 template")
        }
        other => panic!("unexpected reply {other:?}"),
    }
}

#[test]
fn monitor_reports_a_stable_host_template() {
    let mut d = Driver::start(IM, "-t 2");
    d.init();
    let template = monitor(&mut d, 3, "node1");
    assert_eq!(
        template,
        "HYPERVISOR = \"dummy\"\nHOSTNAME = \"node1\"\nTOTALCPU = 800\nCPUSPEED = 2200\nTOTALMEMORY = 16777216\n\
         USEDMEMORY = 1048576\nFREEMEMORY = 15728640\nUSEDCPU = 40\nFREECPU = 760\n\
         DS_LOCATION_TOTAL_MB = 1048576\nDS_LOCATION_USED_MB = 65536\nDS_LOCATION_FREE_MB = 983040\n\
         DS = [ ID = 0, TOTAL_MB = 1048576, FREE_MB = 983040, USED_MB = 65536 ]\n"
    );
    assert_eq!(monitor(&mut d, 3, "node1"), template, "stable between calls");
    assert!(monitor(&mut d, 4, "other \"quoted\" host").contains("HOSTNAME = \"other \\\"quoted\\\" host\"\n"));
    assert!(!template.contains("VM_POLL"), "without a state directory it knows no VMs, so it claims no full list");
}

#[test]
fn a_relative_state_dir_is_shared_under_one_location_var() {
    let one = tempfile::tempdir().unwrap();
    let env = [("ONE_LOCATION", one.path())];
    let mut vmm = Driver::start_env(VMM, &["--state-dir", "dummy"], &env);
    vmm.init();
    assert_eq!(vmm.call("DEPLOY", 5, &vmm_payload(5, "node1", "", "")), "DEPLOY SUCCESS 5 dummy-5");
    let mut im = Driver::start_env(IM, &["--state-dir", "dummy"], &env);
    im.init();
    let node1 = monitor(&mut im, 0, "node1");
    assert!(node1.ends_with("VM = [ ID = \"5\", DEPLOY_ID = \"dummy-5\", STATE = \"a\" ]\n"), "{node1}");
    assert!(one.path().join("var/dummy/node1/dummy-5").is_file());
}

#[test]
fn an_unreadable_state_dir_fails_the_probe() {
    let state = tempfile::tempdir().unwrap();
    let mut im = Driver::start(IM, &format!("--state-dir {}", state.path().display()));
    im.init();
    // node1's directory is a file: it cannot be listed, so the VMs are unknown, not gone.
    std::fs::write(state.path().join("node1"), "not a directory").unwrap();
    let reply = im.call("MONITOR", 0, &host_payload(0, "node1"));
    assert!(reply.starts_with("MONITOR FAILURE 0 MONITOR: cannot list "), "{reply}");
}

#[test]
fn monitor_lists_the_domains_of_that_host() {
    let state = tempfile::tempdir().unwrap();
    let args = format!("--state-dir {}", state.path().display());
    let mut vmm = Driver::start(VMM, &args);
    vmm.init();
    assert_eq!(vmm.call("DEPLOY", 42, &vmm_payload(42, "node1", "", "")), "DEPLOY SUCCESS 42 dummy-42");
    assert_eq!(vmm.call("DEPLOY", 7, &vmm_payload(7, "node1", "", "")), "DEPLOY SUCCESS 7 dummy-7");
    assert_eq!(vmm.call("DEPLOY", 8, &vmm_payload(8, "node2", "", "")), "DEPLOY SUCCESS 8 dummy-8");

    let mut im = Driver::start(IM, &args);
    im.init();
    let node1 = monitor(&mut im, 0, "node1");
    assert!(
        node1.ends_with(
            "USED_MB = 65536 ]\nVM_POLL = \"YES\"\nVM = [ ID = \"7\", DEPLOY_ID = \"dummy-7\", STATE = \"a\" ]\n\
         VM = [ ID = \"42\", DEPLOY_ID = \"dummy-42\", STATE = \"a\" ]\n"
        ),
        "{node1}"
    );
    assert!(monitor(&mut im, 1, "node2").ends_with("VM = [ ID = \"8\", DEPLOY_ID = \"dummy-8\", STATE = \"a\" ]\n"));

    // A migration moves the domain to the other host's report; a shutdown removes it.
    assert_eq!(vmm.call("MIGRATE", 42, &vmm_payload(42, "node1", "node2", "dummy-42")), "MIGRATE SUCCESS 42 -");
    assert_eq!(vmm.call("SHUTDOWN", 7, &vmm_payload(7, "node1", "", "dummy-7")), "SHUTDOWN SUCCESS 7 -");
    assert!(
        monitor(&mut im, 0, "node1").ends_with("USED_MB = 65536 ]\nVM_POLL = \"YES\"\n"),
        "no VM left, and that is the whole list"
    );
    let node2 = monitor(&mut im, 1, "node2");
    assert!(node2.contains("ID = \"8\"") && node2.contains("ID = \"42\""), "{node2}");
}

#[test]
fn monitor_with_a_bad_payload_fails() {
    let mut d = Driver::start(IM, "");
    d.init();
    assert_eq!(
        d.call("MONITOR", 1, "@@@"),
        "MONITOR FAILURE 1 MONITOR: payload is not base64: invalid base64: Invalid symbol 64, offset 0."
    );
    let no_name = drivers::proto::b64_encode(b"<HOST><ID>1</ID></HOST>");
    assert_eq!(d.call("MONITOR", 1, &no_name), "MONITOR FAILURE 1 MONITOR: no NAME in the <HOST> document");
    assert_eq!(d.call("POLL", 1, ""), "POLL FAILURE 1 Action not implemented by driver one_im_dummy");
}

#[test]
fn monitor_failures_can_be_injected() {
    let mut d = Driver::start(IM, "--fail MONITOR");
    d.init();
    assert_eq!(d.call("MONITOR", 1, &host_payload(1, "node1")), "MONITOR FAILURE 1 injected failure");
}

//! Drivers that misbehave: garbage on stdout, no answer to INIT, exiting at once. oned logs a
//! clear line, keeps serving the API, and VMs that depended on the driver end in a failure
//! state with the reason — never stuck.

use e2e::{Location, as_int, b, i, s, wait_vm};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::{Duration, Instant};

fn script(dir: &Path, name: &str, body: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, format!("#!/bin/sh\n{body}\n")).unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    p.display().to_string()
}

fn conf(vmm: &str, state: &Path) -> String {
    format!(
        "IM_MAD = [ NAME = \"dummy\", EXECUTABLE = \"one_im_dummy\", ARGUMENTS = \"--state-dir {}\" ]\n\
         VM_MAD = [ NAME = \"bad\", EXECUTABLE = \"{vmm}\", ARGUMENTS = \"\" ]\n\
         TM_MAD = [ NAME = \"dummy\", EXECUTABLE = \"one_tm_dummy\", ARGUMENTS = \"\" ]\n\
         MONITORING_INTERVAL_HOST = 1\nDRIVER_ACTION_TIMEOUT = 1\n",
        state.display()
    )
}

fn wait_log(loc: &Location, needle: &str, limit: Duration) {
    let deadline = Instant::now() + limit;
    while !loc.log().contains(needle) {
        assert!(Instant::now() < deadline, "log never said {needle:?}:\n{}", loc.log());
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Deploys a VM on a host using the "bad" VMM driver and waits for BOOT_FAILURE.
fn deploy_fails(loc: &Location) {
    let c = loc.client();
    let h = as_int(&c.call("one.host.allocate", vec![s("node01"), s("dummy"), s("bad"), i(-1)]).unwrap());
    let id = as_int(&c.call("one.vm.allocate", vec![s("CPU = 1\nMEMORY = 64"), b(false)]).unwrap());
    c.call("one.vm.deploy", vec![i(id), i(h)]).unwrap();
    let body = wait_vm(&c, id, Duration::from_secs(60), |st, l| st == 3 && l == 36);
    assert!(body.contains("<ERROR><![CDATA["), "the reason is recorded: {body}");
}

#[test]
fn a_driver_writing_garbage_is_logged_and_its_actions_fail_cleanly() {
    let tmp = tempfile::tempdir().unwrap();
    let vmm = script(
        tmp.path(),
        "garbage",
        "read l; echo 'INIT SUCCESS -'; while read l; do echo '%% not the protocol %%'; done",
    );
    let loc = Location::new(&conf(&vmm, tmp.path()));
    let _oned = loc.start();
    deploy_fails(&loc);
    assert!(loc.log().contains("wrote a line that is not the protocol"), "{}", loc.log());
}

#[test]
fn a_driver_that_never_answers_init_is_restarted_and_reported() {
    let tmp = tempfile::tempdir().unwrap();
    let vmm = script(tmp.path(), "mute", "while read l; do :; done");
    let loc = Location::new(&conf(&vmm, tmp.path()));
    let _oned = loc.start();
    wait_log(&loc, "did not answer INIT within 10 s", Duration::from_secs(20));
    // The API keeps answering meanwhile, and a VM needing that driver fails with a reason.
    deploy_fails(&loc);
}

#[test]
fn a_driver_that_exits_at_once_is_restarted_with_backoff() {
    let tmp = tempfile::tempdir().unwrap();
    let vmm = script(tmp.path(), "quitter", "exit 3");
    let loc = Location::new(&conf(&vmm, tmp.path()));
    let _oned = loc.start();
    wait_log(&loc, "exited before answering INIT", Duration::from_secs(10));
    wait_log(&loc, "restarting in 2 s", Duration::from_secs(10));
    deploy_fails(&loc);
}

/// The example driver of `share/doc/drivers.md`, exactly as documented, deploys and stops VMs.
#[test]
fn the_documented_shell_driver_works() {
    let doc = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../share/doc/drivers.md")).unwrap();
    let section = doc.split("## A driver in shell").nth(1).expect("the section exists");
    let code = section.split("```sh").nth(1).and_then(|c| c.split("```").next()).expect("a sh block");
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path().join("toy_vmm");
    std::fs::write(&p, code.trim_start()).unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    let loc = Location::new(&conf(&p.display().to_string(), tmp.path()));
    let _oned = loc.start();
    let c = loc.client();
    let h = as_int(&c.call("one.host.allocate", vec![s("node01"), s("dummy"), s("bad"), i(-1)]).unwrap());
    let id = as_int(&c.call("one.vm.allocate", vec![s("CPU = 1\nMEMORY = 64"), b(false)]).unwrap());
    c.call("one.vm.deploy", vec![i(id), i(h)]).unwrap();
    let body = wait_vm(&c, id, Duration::from_secs(30), |st, l| st == 3 && l == 3);
    assert!(body.contains(&format!("<DEPLOY_ID>toy-{id}</DEPLOY_ID>")), "{body}");
    c.call("one.vm.action", vec![s("terminate"), i(id)]).unwrap();
    wait_vm(&c, id, Duration::from_secs(30), |st, _| st == 6);
}

/// A transfer driver's progress lines (`LOG I <id> disk.0 42% …`) show in the VM's
/// TRANSFER_PROGRESS while the transfer runs, and go when it ends.
#[test]
fn transfer_progress_shows_while_a_transfer_runs() {
    let state = tempfile::tempdir().unwrap();
    // A TM driver that reports progress, then waits for a go file before answering.
    let go = state.path().join("go");
    let tm = script(
        state.path(),
        "tm_progress",
        &format!(
            "read l; echo 'INIT SUCCESS -'\n\
             while read verb id rest; do\n\
               case $verb in\n\
                 TRANSFER) echo \"LOG I $id disk.0 42% 110 MB/s\"; n=0\n\
                   while [ ! -e {go} ] && [ $n -lt 600 ]; do sleep 0.05; n=$((n+1)); done\n\
                   echo \"TRANSFER SUCCESS $id -\" ;;\n\
                 FINALIZE) exit 0 ;;\n\
               esac\n\
             done",
            go = go.display()
        ),
    );
    let conf = format!(
        "IM_MAD = [ NAME = \"dummy\", EXECUTABLE = \"one_im_dummy\", ARGUMENTS = \"--state-dir {sd}\" ]\n\
         VM_MAD = [ NAME = \"dummy\", EXECUTABLE = \"one_vmm_dummy\", ARGUMENTS = \"--state-dir {sd}\", TYPE = \"dummy\" ]\n\
         TM_MAD = [ NAME = \"dummy\", EXECUTABLE = \"{tm}\", ARGUMENTS = \"\" ]\n\
         MONITORING_INTERVAL_HOST = 1\nDRIVER_ACTION_TIMEOUT = 60\n",
        sd = state.path().display()
    );
    let loc = Location::new(&conf);
    let _oned = loc.start();
    let c = loc.client();
    let h = as_int(&c.call("one.host.allocate", vec![s("node01"), s("dummy"), s("dummy"), i(-1)]).unwrap());
    let id = as_int(&c.call("one.vm.allocate", vec![s("CPU = 1\nMEMORY = 64"), b(false)]).unwrap());
    c.call("one.vm.deploy", vec![i(id), i(h)]).unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let body = e2e::as_str(&c.call("one.vm.info", vec![i(id)]).unwrap()).to_string();
        if body.contains("<TRANSFER_PROGRESS><![CDATA[disk.0 42% 110 MB/s]]></TRANSFER_PROGRESS>") {
            break;
        }
        assert!(Instant::now() < deadline, "no TRANSFER_PROGRESS while the transfer runs:\n{body}");
        std::thread::sleep(Duration::from_millis(50));
    }
    std::fs::write(&go, "").unwrap();
    let body = wait_vm(&c, id, Duration::from_secs(30), |st, l| st == 3 && l == 3);
    assert!(!body.contains("TRANSFER_PROGRESS"), "gone once the transfer is done:\n{body}");
}

//! Findings 3 and 6 of the hardening issue, with real oned, drivers and mm_sched processes:
//! - mm_sched ends when its oned ends (`kill -9` included), and a starting oned stops a
//!   scheduler a previous one left running;
//! - only one scheduler session is live at a time: a second mm_sched exits;
//! - a scheduler deploy always checks the host's capacity (only an admin may over-commit);
//! - a deploy only acts on a VM in the state it was planned for: an acknowledged hold wins.

use e2e::{Location, as_int, as_str, b, bin, dummy_drivers, eventually, front_end, i, s, wait_bounded, xml_int};
use libone::client::{Client, ClientError};
use libone::xmlrpc::Value;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

const ACTION: i32 = 0x0800;
const AUTHORIZATION: i32 = 0x0200;
const AUTHENTICATION: i32 = 0x0100;

fn alive(pid: u32) -> bool {
    Path::new(&format!("/proc/{pid}")).exists()
        && std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .is_ok_and(|s| !s.rsplit_once(')').is_some_and(|(_, r)| r.trim_start().starts_with('Z')))
}

fn refusal(r: Result<Value, ClientError>) -> (i32, String) {
    match r {
        Err(ClientError::One { code, message }) => (code, message),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

/// An mm_sched started by hand against `loc` (so it does not watch oned's pipe), logging under
/// `state`.
fn hand_scheduler(loc: &Location, state: &Path, stderr: Stdio) -> std::process::Child {
    Command::new(bin("mm_sched"))
        .arg("-c")
        .arg(state.join("sched.conf"))
        .env("ONE_XMLRPC", loc.endpoint())
        .env("ONE_AUTH", loc.path().join(".one/one_auth"))
        .env("ONE_LOCATION", state)
        .env_remove("NEPHELE_SCHED_WATCH_STDIN")
        .stdout(Stdio::null())
        .stderr(stderr)
        .spawn()
        .expect("spawn mm_sched")
}

/// The scheduler processes oned `pid` started.
fn schedulers_of(pid: u32) -> Vec<u32> {
    e2e::children_named(pid, "mm_sched")
}

#[test]
fn the_scheduler_ends_with_its_oned_and_a_second_one_exits() {
    let (loc, oned, state) = front_end();
    std::fs::create_dir_all(state.path().join("var")).unwrap();
    let sched = eventually(Duration::from_secs(30), "oned's scheduler", || schedulers_of(oned.pid()).first().copied());
    // Its process exists before its session does: wait for the session, else the second
    // scheduler below may open first (the flake seen on a busy machine).
    let opened = format!("scheduler session opened (pid {sched})");
    eventually(Duration::from_secs(30), "oned's scheduler's session", || loc.log().contains(&opened).then_some(()));

    // A second scheduler, run by hand with the same credentials, is refused and exits.
    let mut second = hand_scheduler(&loc, state.path(), Stdio::piped());
    let code = wait_bounded(&mut second, Duration::from_secs(30));
    let mut err = String::new();
    if let Some(mut e) = second.stderr.take() {
        use std::io::Read;
        let _ = e.read_to_string(&mut err);
    }
    assert_eq!(code, Some(4), "a second scheduler exits with code 4: {err}");
    assert!(err.contains("a scheduler is already active"), "{err}");
    assert!(alive(sched), "the first one runs on");

    // kill -9 of oned: its scheduler notices (its pipe closes) and exits.
    oned.kill9();
    eventually(Duration::from_secs(15), "the orphaned mm_sched to exit", || (!alive(sched)).then_some(()));

    // A restarted oned runs exactly one scheduler.
    let oned = loc.start();
    let again = eventually(Duration::from_secs(30), "the new scheduler", || schedulers_of(oned.pid()).first().copied());
    assert_ne!(again, sched);
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(schedulers_of(oned.pid()), vec![again], "one scheduler, not two");
    drop(state);
}

#[test]
fn a_starting_oned_stops_a_scheduler_left_running() {
    // A scheduler started by hand (so it does not watch oned's pipe), recorded as oned's.
    let state = tempfile::tempdir().unwrap();
    std::fs::write(state.path().join("sched.conf"), "SCHED_INTERVAL = 1\n").unwrap();
    std::fs::create_dir_all(state.path().join("var")).unwrap();
    let loc = Location::new(&dummy_drivers(state.path(), ""));
    let oned = loc.start();
    let mut stray = hand_scheduler(&loc, state.path(), Stdio::null());
    let stray_pid = stray.id();
    std::fs::write(loc.path().join("var/sched.pid"), format!("{stray_pid}\n")).unwrap();
    std::thread::sleep(Duration::from_secs(1));
    oned.kill9();
    assert!(stray.try_wait().unwrap().is_none(), "it survived oned (it was not oned's child)");

    // The next oned (with a scheduler of its own) stops it before starting its own.
    let conf = std::fs::read_to_string(loc.path().join("etc/oned.conf")).unwrap();
    std::fs::write(
        loc.path().join("etc/oned.conf"),
        format!(
            "{conf}SCHEDULER = [ EXECUTABLE = \"mm_sched\", ARGUMENTS = \"-c {}\" ]\n",
            state.path().join("sched.conf").display()
        ),
    )
    .unwrap();
    let oned = loc.start();
    let code = wait_bounded(&mut stray, Duration::from_secs(20));
    assert!(code.is_some() || !alive(stray_pid), "the stray scheduler was stopped");
    let own =
        eventually(Duration::from_secs(30), "oned's own scheduler", || schedulers_of(oned.pid()).first().copied());
    assert_ne!(own, stray_pid);
    assert!(
        loc.log().contains(&format!("stopping the scheduler (pid {stray_pid}) a previous oned left running")),
        "{}",
        loc.log()
    );
}

#[test]
fn scheduler_deploys_check_capacity_and_planned_state() {
    // No scheduler process: the test opens the scheduler session itself.
    let state = tempfile::tempdir().unwrap();
    let loc = Location::new(&dummy_drivers(state.path(), ""));
    let _oned = loc.start();
    let admin = loc.client();
    let hid = as_int(&admin.call("one.host.allocate", vec![s("small"), s("dummy"), s("dummy"), i(-1)]).unwrap());
    eventually(Duration::from_secs(30), "the host to be MONITORED", || {
        let body = as_str(&admin.call("one.host.info", vec![i(hid)]).unwrap()).to_string();
        (xml_int(&body, "STATE") == Some(2)).then_some(())
    });

    // Only the oneadmin group opens a session, and only one at a time.
    as_int(&admin.call("one.user.allocate", vec![s("eve"), s("pw"), s(""), Value::Array(vec![])]).unwrap());
    let eve = Client::new(&loc.endpoint(), "eve:pw").unwrap();
    assert_eq!(refusal(eve.call("one.sched.open", vec![i(1)])).0, AUTHORIZATION);
    let token = match admin.call("one.sched.open", vec![i(12345)]).unwrap() {
        Value::String(t) => t,
        other => panic!("{other:?}"),
    };
    let (code, msg) = refusal(admin.call("one.sched.open", vec![i(999)]));
    assert_eq!(code, ACTION);
    assert!(msg.contains("a scheduler is already active (pid 12345"), "{msg}");
    let sched = Client::new(&loc.endpoint(), format!("oneadmin:{token}")).unwrap();
    assert!(matches!(sched.call("one.sched.wait", vec![i(-1), i(10)]), Ok(Value::Integer(_))));

    // The dummy host has 800 CPU (8 cores). VMs of 3 cores: two fit.
    let vm = |hold: bool| as_int(&admin.call("one.vm.allocate", vec![s("CPU = 3\nMEMORY = 64"), b(hold)]).unwrap());
    let (a, bb, c) = (vm(false), vm(false), vm(false));
    for v in [a, bb] {
        sched.call("one.vm.deploy", vec![i(v), i(hid), b(false), i(-1)]).expect("fits");
    }
    // The scheduler asked for no check (enforce = false): oned checks anyway.
    let (code, msg) = refusal(sched.call("one.vm.deploy", vec![i(c), i(hid), b(false), i(-1)]));
    assert_eq!(code, ACTION);
    assert!(msg.contains("does not fit in host"), "{msg}");
    // oneadmin may over-commit on purpose.
    admin.call("one.vm.deploy", vec![i(c), i(hid), b(false), i(-1)]).expect("an admin deploy without enforce");

    // A hold acknowledged after the plan wins over the scheduler's deploy.
    let held = vm(false);
    admin.call("one.vm.action", vec![s("hold"), i(held)]).unwrap();
    let (code, msg) = refusal(sched.call("one.vm.deploy", vec![i(held), i(hid), b(true), i(-1)]));
    assert_eq!(code, ACTION);
    assert!(msg.contains("planned for state PENDING") && msg.contains("HOLD"), "{msg}");
    // Any caller may say which state it planned for (Nephele's sixth argument) ...
    let (code, _) = refusal(admin.call("one.vm.deploy", vec![i(held), i(hid), b(false), i(-1), s(""), i(1)]));
    assert_eq!(code, ACTION);
    let body = as_str(&admin.call("one.vm.info", vec![i(held)]).unwrap()).to_string();
    assert_eq!(xml_int(&body, "STATE"), Some(2), "still HOLD:\n{body}");
    // ... and without it an admin may deploy a held VM, as in OpenNebula.
    admin.call("one.vm.deploy", vec![i(held), i(hid), b(false), i(-1)]).expect("an explicit deploy of a held VM");

    // A scheduler session only migrates VMs still flagged for rescheduling.
    let (code, msg) = refusal(sched.call("one.vm.migrate", vec![i(a), i(hid), b(false), b(false), i(-1)]));
    assert_eq!(code, ACTION, "{msg}");

    // The session ends with close; the token stops working.
    assert!(matches!(sched.call("one.sched.close", vec![]), Ok(Value::Boolean(true))));
    let (code, msg) = refusal(sched.call("one.sched.wait", vec![i(-1), i(10)]));
    assert_eq!(code, AUTHENTICATION);
    assert!(msg.contains("scheduler session is not active"), "{msg}");
    admin.call("one.sched.open", vec![i(1)]).expect("a new session once the old one ended");
}

#[test]
fn holds_always_win_over_a_running_scheduler() {
    let (loc, _oned, _state) = front_end();
    let c = loc.client();
    let hid = as_int(&c.call("one.host.allocate", vec![s("h1"), s("dummy"), s("dummy"), i(-1)]).unwrap());
    eventually(Duration::from_secs(30), "the host to be MONITORED", || {
        let body = as_str(&c.call("one.host.info", vec![i(hid)]).unwrap()).to_string();
        (xml_int(&body, "STATE") == Some(2)).then_some(())
    });
    // Allocate and hold at once, many times, while mm_sched places pending VMs.
    let mut held = Vec::new();
    for _ in 0..150 {
        let id = as_int(&c.call("one.vm.allocate", vec![s("CPU = 0.01\nMEMORY = 1"), b(false)]).unwrap());
        if c.call("one.vm.action", vec![s("hold"), i(id)]).is_ok() {
            held.push(id);
        }
    }
    assert!(!held.is_empty(), "some holds were acknowledged");
    // Give the scheduler a few cycles, then every acknowledged hold must still be HOLD.
    std::thread::sleep(Duration::from_secs(3));
    for id in &held {
        let body = as_str(&c.call("one.vm.info", vec![i(*id)]).unwrap()).to_string();
        assert_eq!(xml_int(&body, "STATE"), Some(2), "VM {id} was held (acknowledged) and must stay HOLD:\n{body}");
    }
}

//! The shipped dummy set-up keeps RUNNING VMs RUNNING (issue 10, item 7).
//!
//! oned runs on the repository's own `etc/oned.conf` — the dummy driver lines exactly as shipped
//! — with only the port, the listen address, 1 s monitoring intervals and a 1 s scheduler cycle
//! changed. The README's first steps (`onehost create`, `onevm create`, `onevm list`) take VMs to
//! RUNNING; then, for longer than monitoring's 30 s grace period, every VM must stay RUNNING and
//! the host's probe must keep listing it, also across a `kill -9` of the dummy VMM driver (oned
//! restarts it). Before the shipped IM and VMM shared a state directory, the IM listed no VM and
//! every VM went to POWEROFF at the first probe after the grace period.

use e2e::{Location, as_str, children_named, eventually, i, xml_int};
use std::path::Path;
use std::time::{Duration, Instant};

const WAIT: Duration = Duration::from_secs(60);
/// Longer than `lcm::monitor::GRACE` (30 s) plus a few 1 s monitoring intervals.
const SOAK: Duration = Duration::from_secs(40);
const VMS: usize = 3;

/// The shipped `etc/oned.conf` with only PORT, LISTEN_ADDRESS, the monitoring intervals and the
/// SCHEDULER line replaced (each must be found exactly once, so a reworded shipped file fails
/// here instead of silently testing something else).
fn shipped_conf(port: u16, sched_conf: &Path) -> String {
    let shipped = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../etc/oned.conf"))
        .expect("the repository's etc/oned.conf");
    let replacements: [(&str, String); 5] = [
        ("PORT", format!("PORT = {port}")),
        ("LISTEN_ADDRESS", "LISTEN_ADDRESS = \"127.0.0.1\"".to_string()),
        ("MONITORING_INTERVAL_HOST", "MONITORING_INTERVAL_HOST = 1".to_string()),
        ("MONITORING_INTERVAL_VM", "MONITORING_INTERVAL_VM = 1".to_string()),
        (
            "SCHEDULER",
            format!("SCHEDULER = [ EXECUTABLE = \"mm_sched\", ARGUMENTS = \"-c {}\" ]", sched_conf.display()),
        ),
    ];
    let mut found = [0; 5];
    let lines: Vec<String> = shipped
        .lines()
        .map(|line| {
            let key = line.split(|c: char| c == '=' || c.is_whitespace()).next().unwrap_or("");
            match replacements.iter().position(|(k, _)| *k == key) {
                Some(n) => {
                    found[n] += 1;
                    replacements[n].1.clone()
                }
                None => line.to_string(),
            }
        })
        .collect();
    assert_eq!(found, [1; 5], "each of {:?} once in etc/oned.conf", replacements.map(|(k, _)| k));
    assert!(
        lines.iter().any(|l| l.starts_with("IM_MAD") && l.contains("one_im_dummy")),
        "the shipped configuration has the dummy IM driver"
    );
    lines.join("\n") + "\n"
}

/// `(STATE, LCM_STATE, LAST_POLL)` of VM `id`, and its body.
fn vm_state(loc: &Location, id: i32) -> ((i64, i64, i64), String) {
    let body = as_str(&loc.client().call("one.vm.info", vec![i(id)]).expect("one.vm.info")).to_string();
    let st = (
        xml_int(&body, "STATE").unwrap_or(-1),
        xml_int(&body, "LCM_STATE").unwrap_or(-1),
        xml_int(&body, "LAST_POLL").unwrap_or(-1),
    );
    (st, body)
}

/// The last lines of oned's log.
fn log_tail(loc: &Location) -> String {
    let log = loc.log();
    let lines: Vec<&str> = log.lines().collect();
    lines[lines.len().saturating_sub(60)..].join("\n")
}

/// The PID of oned's one `one_vmm_dummy` child, once there is exactly one.
fn vmm_pid(oned: u32, not: Option<u32>) -> u32 {
    eventually(Duration::from_secs(30), "oned's one_vmm_dummy process", || {
        match children_named(oned, "one_vmm_dummy")[..] {
            [pid] if Some(pid) != not => Some(pid),
            _ => None,
        }
    })
}

#[test]
fn the_shipped_dummy_drivers_keep_running_vms_running() {
    let loc = Location::new("");
    let sched_conf = loc.path().join("soak-sched.conf");
    std::fs::write(&sched_conf, "SCHED_INTERVAL = 1\nDEFAULT_SCHED = [ POLICY = 1 ]\n").expect("sched.conf");
    std::fs::write(loc.path().join("etc/oned.conf"), shipped_conf(loc.port, &sched_conf)).expect("oned.conf");
    let oned = loc.start();

    // The README's first steps.
    loc.cli("onehost", &["create", "node01", "-i", "dummy", "-v", "dummy"]).ok();
    let ids: Vec<i32> = (0..VMS)
        .map(|n| {
            let out = loc
                .cli("onevm", &["create", "--name", &format!("web{n}"), "--cpu", "1", "--memory", "512M"])
                .ok()
                .to_string();
            out.trim()
                .strip_prefix("ID: ")
                .and_then(|id| id.parse().ok())
                .unwrap_or_else(|| panic!("onevm create printed {out:?}"))
        })
        .collect();
    for &id in &ids {
        eventually(WAIT, &format!("VM {id} RUNNING"), || {
            let ((st, lcm, _), _) = vm_state(&loc, id);
            ((st, lcm) == (3, 3)).then_some(())
        });
    }
    let list = loc.cli("onevm", &["list"]).ok().to_string();
    assert_eq!(list.matches(" runn ").count(), VMS, "onevm list shows every VM running:\n{list}");

    // The soak: every VM stays RUNNING past the grace period, and the probes keep listing it.
    let first_polls: Vec<i64> = ids.iter().map(|&id| vm_state(&loc, id).0.2).collect();
    let vmm = vmm_pid(oned.pid(), None);
    let start = Instant::now();
    let mut killed = None;
    let mut checks = 0u32;
    while start.elapsed() < SOAK {
        for &id in &ids {
            let ((st, lcm, _), body) = vm_state(&loc, id);
            assert_eq!(
                (st, lcm),
                (3, 3),
                "VM {id} left RUNNING {:.0} s into the soak:\n{body}\nlog:\n{}",
                start.elapsed().as_secs_f64(),
                log_tail(&loc)
            );
        }
        let host = as_str(&loc.client().call("one.host.info", vec![i(0)]).expect("one.host.info")).to_string();
        assert_eq!(xml_int(&host, "STATE"), Some(2), "the host stays MONITORED:\n{host}");
        checks += 1;
        if killed.is_none() && start.elapsed() >= SOAK / 3 {
            // SAFETY: a signal to a process this test's oned started, found by its PID.
            assert_eq!(unsafe { libc::kill(vmm as i32, libc::SIGKILL) }, 0, "kill -9 {vmm}");
            killed = Some(vmm_pid(oned.pid(), Some(vmm)));
        }
        std::thread::sleep(Duration::from_millis(500));
    }
    assert!(killed.is_some(), "the VMM driver was killed and restarted mid-soak");
    assert!(checks >= 10, "only {checks} checks in the soak");
    for (&id, &first) in ids.iter().zip(&first_polls) {
        let ((st, lcm, last), body) = vm_state(&loc, id);
        assert_eq!((st, lcm), (3, 3), "VM {id} after the soak:\n{body}");
        assert!(last > first, "the host's probes kept listing VM {id} (LAST_POLL {first} → {last}):\n{body}");
    }

    // The shipped relative --state-dir is under ONE_LOCATION/var, one directory per host, and
    // the restarted VMM still finds the domains it must stop.
    let dir = loc.path().join("var/dummy/node01");
    for &id in &ids {
        assert!(dir.join(format!("dummy-{id}")).is_file(), "domain file of VM {id} in {}", dir.display());
    }
    loc.cli("onevm", &["poweroff", &ids[0].to_string()]).ok();
    eventually(WAIT, "VM powered off", || (vm_state(&loc, ids[0]).0.0 == 8).then_some(()));
    assert!(!dir.join(format!("dummy-{}", ids[0])).exists(), "SHUTDOWN removed the domain");
    assert_eq!(oned.stop(), Some(0), "oned stops cleanly:\n{}", log_tail(&loc));
}

//! oned driving the exec drivers over a real sshd on 127.0.0.1: the IM probes monitor the host,
//! the dummy-hypervisor scripts boot and stop a "VM" on it, the shared TM scripts run the
//! transfers — configured through `etc/mad/defaultrc`, as a site would. The sshd fixture is
//! `testkit::sshd`.

use e2e::{Location, as_int, as_str, b, i, s, wait_vm, xml_int};
use std::process::Command;
use std::time::{Duration, Instant};
use testkit::sshd::Sshd;

fn user() -> String {
    let out = Command::new("id").arg("-un").output().unwrap();
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

#[test]
#[cfg_attr(nephele_missing_sshd, ignore = "SKIPPED: sshd is missing and NEPHELE_ALLOW_MISSING=sshd")]
fn oned_runs_the_exec_drivers_over_ssh() {
    let tmp = tempfile::tempdir().unwrap();
    // fails, naming the install command, when sshd is missing
    let sshd = Sshd::start(&tmp.path().join("sshd"));
    let loc = Location::new(
        "IM_MAD = [ NAME = \"dummy\", EXECUTABLE = \"one_im_exec\", ARGUMENTS = \"-t 4 -w 60 dummy\" ]\n\
         VM_MAD = [ NAME = \"dummy\", EXECUTABLE = \"one_vmm_exec\", ARGUMENTS = \"-t 4 -w 60 dummy\", TYPE = \"dummy\" ]\n\
         TM_MAD = [ NAME = \"shared\", EXECUTABLE = \"one_tm\", ARGUMENTS = \"-t 4 -w 60 -d shared,ssh\" ]\n\
         MONITORING_INTERVAL_HOST = 2\n",
    );
    let dummy_dir = tmp.path().join("dummy");
    std::fs::create_dir_all(loc.path().join("etc/mad")).unwrap();
    std::fs::write(
        loc.path().join("etc/mad/defaultrc"),
        format!(
            "NEPHELE_SSH_KEY={}\nNEPHELE_SSH_USER={}\nNEPHELE_SSH_PORT={}\nSCRIPTS_REMOTE_DIR={}\n\
             NEPHELE_DUMMY_DIR={}\nNEPHELE_REMOTE_ENV=NEPHELE_DUMMY_DIR\n",
            sshd.key.display(),
            user(),
            sshd.port,
            tmp.path().join("remote").display(),
            dummy_dir.display()
        ),
    )
    .unwrap();
    let _oned = loc.start();
    let c = loc.client();
    c.call("one.datastore.update", vec![i(0), s("TM_MAD = \"shared\""), i(1)]).unwrap();
    let h = as_int(&c.call("one.host.allocate", vec![s("127.0.0.1"), s("dummy"), s("dummy"), i(-1)]).unwrap());
    let deadline = Instant::now() + Duration::from_secs(60);
    let host = loop {
        let body = as_str(&c.call("one.host.info", vec![i(h)]).unwrap()).to_string();
        if xml_int(&body, "STATE") == Some(2) {
            break body;
        }
        assert!(Instant::now() < deadline, "host not MONITORED over ssh:\n{body}\nlog:\n{}", loc.log());
        std::thread::sleep(Duration::from_millis(100));
    };
    let cpus =
        std::fs::read_to_string("/proc/cpuinfo").unwrap().lines().filter(|l| l.starts_with("processor")).count() as i64;
    assert_eq!(xml_int(&host, "TOTAL_CPU"), Some(cpus * 100), "the real probes ran on the host:\n{host}");

    let id =
        as_int(&c.call("one.vm.allocate", vec![s("NAME = \"over-ssh\"\nCPU = 1\nMEMORY = 64"), b(false)]).unwrap());
    c.call("one.vm.deploy", vec![i(id), i(h)]).unwrap();
    let body = wait_vm(&c, id, Duration::from_secs(60), |st, l| (st, l) == (3, 3) || (st == 3 && l >= 36));
    assert!(body.contains(&format!("<DEPLOY_ID>one-{id}</DEPLOY_ID>")), "{body}\nlog:\n{}", loc.log());
    assert!(dummy_dir.join(format!("one-{id}")).exists(), "the dummy hypervisor script ran on the host");
    c.call("one.vm.action", vec![s("terminate"), i(id)]).unwrap();
    wait_vm(&c, id, Duration::from_secs(60), |st, _| st == 6);
    assert!(!dummy_dir.join(format!("one-{id}")).exists(), "the shutdown script removed the domain");
}

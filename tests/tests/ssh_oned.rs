//! oned driving the exec drivers over a real sshd on 127.0.0.1: the IM probes monitor the host,
//! the dummy-hypervisor scripts boot and stop a "VM" on it, the shared TM scripts run the
//! transfers — configured through `etc/mad/defaultrc`, as a site would.

use e2e::{Location, as_int, as_str, b, free_port, i, s, wait_vm, xml_int};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const SSHD: &str = "/usr/sbin/sshd";

struct Sshd {
    child: Child,
    port: u16,
    key: PathBuf,
}

impl Drop for Sshd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A throw-away sshd with its own host key and a user key (key auth only).
fn start_sshd(dir: &Path) -> Sshd {
    std::fs::create_dir_all(dir).unwrap();
    let (host_key, key) = (dir.join("hostkey"), dir.join("id_ed25519"));
    for k in [&host_key, &key] {
        let st = Command::new("ssh-keygen").args(["-q", "-t", "ed25519", "-N", ""]).arg("-f").arg(k).status().unwrap();
        assert!(st.success());
    }
    std::fs::copy(dir.join("id_ed25519.pub"), dir.join("authorized_keys")).unwrap();
    let _ = std::fs::create_dir_all("/run/sshd");
    for _ in 0..5 {
        let port = free_port();
        let conf = dir.join("sshd_config");
        std::fs::write(
            &conf,
            format!(
                "Port {port}\nListenAddress 127.0.0.1\nHostKey {}\nPidFile {}\nAuthorizedKeysFile {}\n\
                 PermitRootLogin prohibit-password\nPasswordAuthentication no\nKbdInteractiveAuthentication no\n\
                 UsePAM no\nStrictModes no\n",
                host_key.display(),
                dir.join("sshd.pid").display(),
                dir.join("authorized_keys").display()
            ),
        )
        .unwrap();
        let mut child = Command::new(SSHD).arg("-f").arg(&conf).args(["-D", "-e"]).stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
        let t = Instant::now();
        while t.elapsed() < Duration::from_secs(10) {
            if let Ok(Some(_)) = child.try_wait() {
                break;
            }
            if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Sshd { child, port, key };
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = child.kill();
        let _ = child.wait();
    }
    panic!("sshd did not start");
}

fn user() -> String {
    let out = Command::new("id").arg("-un").output().unwrap();
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

#[test]
fn oned_runs_the_exec_drivers_over_ssh() {
    assert!(Path::new(SSHD).exists(), "{SSHD} is missing: apt-get install -y openssh-server");
    let tmp = tempfile::tempdir().unwrap();
    let sshd = start_sshd(&tmp.path().join("sshd"));
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
    let cpus = std::fs::read_to_string("/proc/cpuinfo").unwrap().lines().filter(|l| l.starts_with("processor")).count() as i64;
    assert_eq!(xml_int(&host, "TOTAL_CPU"), Some(cpus * 100), "the real probes ran on the host:\n{host}");

    let id = as_int(&c.call("one.vm.allocate", vec![s("NAME = \"over-ssh\"\nCPU = 1\nMEMORY = 64"), b(false)]).unwrap());
    c.call("one.vm.deploy", vec![i(id), i(h)]).unwrap();
    let body = wait_vm(&c, id, Duration::from_secs(60), |st, l| (st, l) == (3, 3) || (st == 3 && l >= 36));
    assert!(body.contains(&format!("<DEPLOY_ID>one-{id}</DEPLOY_ID>")), "{body}\nlog:\n{}", loc.log());
    assert!(dummy_dir.join(format!("one-{id}")).exists(), "the dummy hypervisor script ran on the host");
    c.call("one.vm.action", vec![s("terminate"), i(id)]).unwrap();
    wait_vm(&c, id, Duration::from_secs(60), |st, _| st == 6);
    assert!(!dummy_dir.join(format!("one-{id}")).exists(), "the shutdown script removed the domain");
}

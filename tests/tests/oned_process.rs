//! The `oned` process contract: start, daemonize, configuration errors, the instance lock,
//! clean shutdown, restart persistence and crash durability — always with the real binary.

use e2e::{Location, as_int, as_str, b, bin, i, s, wait_bounded};
use libone::client::{Client, ClientError};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[test]
fn foreground_start_answers_and_writes_its_files() {
    let loc = Location::new("");
    let oned = loc.start();
    let c = loc.client();
    assert_eq!(as_str(&c.call("one.system.version", vec![]).unwrap()), "7.4.0");
    let user = c.call("one.user.info", vec![i(-1)]).unwrap();
    assert!(as_str(&user).contains("<NAME>oneadmin</NAME>"));
    assert!(loc.path().join("var/one.db").exists());
    assert!(loc.path().join("var/one.pid").exists());
    assert!(loc.log().contains("listening"), "log: {}", loc.log());
    assert_eq!(oned.stop(), Some(0));
    assert!(!loc.path().join("var/one.pid").exists(), "a clean stop removes the pid file");
    assert!(loc.log().contains("oned stopped"));
}

#[test]
fn wrong_password_is_an_authentication_error() {
    let loc = Location::new("");
    let _oned = loc.start();
    let c = Client::new(&loc.endpoint(), "oneadmin:nope").unwrap();
    match c.call("one.system.version", vec![]) {
        Err(ClientError::One { code, message }) => {
            assert_eq!(code, 0x100);
            assert_eq!(message, "[one.system.version] User couldn't be authenticated, aborting call.");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn missing_config_is_written_and_credentials_created() {
    let dir = tempfile::tempdir().unwrap();
    // Only init the database: no port needed, and the shipped oned.conf is written.
    let out =
        Command::new(bin("oned")).arg("-i").env("ONE_LOCATION", dir.path()).env_remove("ONE_AUTH").output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let auth = dir.path().join(".one/one_auth");
    assert!(stdout.contains(&format!("created the oneadmin credentials file {}", auth.display())), "{stdout}");
    let conf = std::fs::read_to_string(dir.path().join("etc/oned.conf")).unwrap();
    assert!(conf.contains("PORT = 2633"));
    let line = std::fs::read_to_string(&auth).unwrap();
    assert!(line.starts_with("oneadmin:") && line.trim().len() > "oneadmin:".len() + 16);
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(std::fs::metadata(&auth).unwrap().permissions().mode() & 0o777, 0o600);
}

#[test]
fn bad_configuration_stops_start_up_with_its_location() {
    let loc = Location::new("PORT = [ A = 1 ]");
    let out = Command::new(bin("oned")).arg("-f").env("ONE_LOCATION", loc.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    let conf = loc.path().join("etc/oned.conf");
    assert!(err.contains(&format!("{}:4:1: PORT must be a single value", conf.display())), "{err}");

    std::fs::write(&conf, "PORT = 2633\nDB = [ BACKEND = \"sqlite\"\n").unwrap();
    let out = Command::new(bin("oned")).arg("-f").env("ONE_LOCATION", loc.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&format!("{}:", conf.display())), "{err}");
}

#[test]
fn a_second_oned_on_the_same_database_is_refused() {
    let loc = Location::new("");
    let _oned = loc.start();
    let out = Command::new(bin("oned")).arg("-f").env("ONE_LOCATION", loc.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("another oned is already running"));
}

#[test]
fn daemon_mode_returns_once_listening_and_stops_on_sigterm() {
    let loc = Location::new("");
    let mut child = Command::new(bin("oned"))
        .env("ONE_LOCATION", loc.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    assert_eq!(
        wait_bounded(&mut child, Duration::from_secs(30)),
        Some(0),
        "the launcher exits 0 when the daemon is ready"
    );
    let out = child.wait_with_output().unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("endpoint http://127.0.0.1:"));
    // Answers right away: the launcher returned only after the listener was bound.
    let c = loc.client();
    assert_eq!(as_str(&c.call("one.system.version", vec![]).unwrap()), "7.4.0");
    let pid: i32 = std::fs::read_to_string(loc.path().join("var/one.pid")).unwrap().trim().parse().unwrap();
    // SAFETY: signalling the daemon this test started.
    unsafe { libc::kill(pid, libc::SIGTERM) };
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while loc.path().join("var/one.pid").exists() && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(!loc.path().join("var/one.pid").exists(), "the daemon stopped and removed its pid file");
}

#[test]
fn objects_and_counters_survive_a_restart() {
    let loc = Location::new("");
    let oned = loc.start();
    let c = loc.client();
    let h = as_int(&c.call("one.host.allocate", vec![s("node01"), s("dummy"), s("dummy"), i(-1)]).unwrap());
    let net = "NAME = \"n1\"\nVN_MAD = \"bridge\"\nAR = [ TYPE = \"IP4\", IP = \"10.0.0.1\", SIZE = \"10\" ]";
    let vn = as_int(&c.call("one.vn.allocate", vec![s(net), i(-1)]).unwrap());
    let vm_t = format!("NAME = \"v\"\nCPU = 1\nMEMORY = 64\nNIC = [ NETWORK_ID = {vn} ]");
    let vm0 = as_int(&c.call("one.vm.allocate", vec![s(&vm_t), b(false)]).unwrap());
    let vm1 = as_int(&c.call("one.vm.allocate", vec![s(&vm_t), b(false)]).unwrap());
    // Deleting the newest VM must not let its id be reused.
    c.call("one.vm.recover", vec![i(vm1), i(5)]).unwrap();
    assert_eq!(oned.stop(), Some(0));

    let _oned = loc.start();
    let host = as_str(&c.call("one.host.info", vec![i(h)]).unwrap()).to_string();
    assert!(host.contains("<NAME>node01</NAME>"));
    let vm = as_str(&c.call("one.vm.info", vec![i(vm0)]).unwrap()).to_string();
    assert!(vm.contains("<IP><![CDATA[10.0.0.1]]></IP>"), "{vm}");
    let vnet = as_str(&c.call("one.vn.info", vec![i(vn)]).unwrap()).to_string();
    assert!(vnet.contains("<USED_LEASES>1</USED_LEASES>"), "the lease of vm {vm0} is still taken: {vnet}");
    let next = as_int(&c.call("one.vm.allocate", vec![s(&vm_t), b(false)]).unwrap());
    assert_eq!(next, vm1 + 1, "ids are never reused");
    let vm = as_str(&c.call("one.vm.info", vec![i(next)]).unwrap()).to_string();
    assert!(vm.contains("<IP><![CDATA[10.0.0.2]]></IP>"), "the freed lease of the deleted vm is reused: {vm}");
}

/// SIGKILL in the middle of a burst of allocations: every acknowledged VM is there after a
/// restart, and no id is handed out twice.
#[test]
fn kill_9_loses_no_acknowledged_allocation() {
    let loc = Location::new("");
    let oned = loc.start();
    let acked = Arc::new(Mutex::new(Vec::<i32>::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let workers: Vec<_> = (0..8)
        .map(|t| {
            let (acked, stop, endpoint, session) = (acked.clone(), stop.clone(), loc.endpoint(), loc.session());
            std::thread::spawn(move || {
                let c = Client::new(&endpoint, session).unwrap().with_timeout(Duration::from_secs(5));
                for k in 0..125 {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let t = format!("NAME = \"burst-{t}-{k}\"\nCPU = 1\nMEMORY = 32");
                    match c.call("one.vm.allocate", vec![s(&t), b(false)]) {
                        Ok(v) => acked.lock().unwrap().push(as_int(&v)),
                        Err(_) => break,
                    }
                }
            })
        })
        .collect();
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while acked.lock().unwrap().len() < 400 && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(2));
    }
    oned.kill9();
    stop.store(true, Ordering::SeqCst);
    for w in workers {
        w.join().unwrap();
    }
    let acked = acked.lock().unwrap().clone();
    assert!(acked.len() >= 400, "the burst was running when oned was killed ({} acks)", acked.len());

    let _oned = loc.start();
    let c = loc.client();
    for id in &acked {
        let body = c.call("one.vm.info", vec![i(*id)]).unwrap_or_else(|e| panic!("acknowledged VM {id} lost: {e}"));
        assert!(as_str(&body).contains("<NAME>burst-"));
    }
    let next = as_int(&c.call("one.vm.allocate", vec![s("CPU = 1\nMEMORY = 32"), b(false)]).unwrap());
    assert!(acked.iter().all(|id| *id < next), "next id {next} must be above every acknowledged id");
}

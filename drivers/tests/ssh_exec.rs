//! The exec drivers against real components: a real OpenSSH `sshd` on a free 127.0.0.1 port
//! (host key and user key generated here, key authentication only), the real driver binaries
//! speaking the protocol on their pipes, and the shipped remotes (`drivers/remotes`).
//!
//! The "host" is this machine reached over SSH, so what the remote scripts did is checked on
//! the file system: every test has its own `SCRIPTS_REMOTE_DIR`, known_hosts file (through
//! `ONE_LOCATION`) and dummy hypervisor directory (`NEPHELE_DUMMY_DIR`, handed to the remote
//! scripts through `NEPHELE_REMOTE_ENV`, since sshd passes no environment).
//!
//! The sshd fixture and the driver harness are `testkit`'s. The SSH tests fail, naming the
//! command that installs it, when sshd is missing (`tests/setup.sh`, run by `tests/run.sh`,
//! installs it); with `NEPHELE_ALLOW_MISSING=sshd` they are compiled as ignored instead
//! (`testkit::components`, `build.rs`). The local tests need no sshd.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is the test's failure

use drivers::proto::{b64_decode, b64_encode};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};
use testkit::driver::{Driver, host_payload};
use testkit::sshd::{Sshd, keygen};

/// Bound on any single reply (a hang fails the test; never a performance check).
const PATIENCE: Duration = Duration::from_secs(60);

fn remotes() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("remotes")
}

fn run_ok(command: &mut Command) {
    let output = command.output().unwrap_or_else(|e| panic!("{command:?} does not start: {e}"));
    assert!(output.status.success(), "{command:?} failed: {}", String::from_utf8_lossy(&output.stderr));
}

fn current_user() -> String {
    drivers::exec::ssh::current_user().expect("the current user has a name")
}

/// A driver started with `INIT` answered, replies awaited up to [`PATIENCE`], sent `FINALIZE`
/// when dropped.
fn driver(exe: &str, args: &[&str], env: &[(&str, String)]) -> Driver {
    let mut driver = Driver::start_env(exe, args, env).with_patience(PATIENCE).finalize_on_drop();
    driver.init();
    driver
}

/// The environment of a driver reaching `sshd` as the current user, with per-test locations.
fn ssh_env(sshd: &Sshd, tmp: &Path) -> Vec<(&'static str, String)> {
    vec![
        ("ONE_LOCATION", tmp.join("one").display().to_string()),
        ("SCRIPTS_REMOTE_DIR", tmp.join("remote").display().to_string()),
        ("NEPHELE_SSH_KEY", sshd.key.display().to_string()),
        ("NEPHELE_SSH_USER", current_user()),
        ("NEPHELE_DUMMY_DIR", tmp.join("dummy").display().to_string()),
        ("NEPHELE_REMOTE_ENV", "NEPHELE_DUMMY_DIR".to_string()),
    ]
}

fn vmm_payload(host: &str, deploy_id: &str, vm_xml: &str) -> String {
    b64_encode(
        format!(
            "<VMM_DRIVER_ACTION_DATA><HOST>{host}</HOST><MIGR_HOST></MIGR_HOST><DEPLOY_ID>{deploy_id}</DEPLOY_ID>\
             <LOCAL_DEPLOYMENT_FILE></LOCAL_DEPLOYMENT_FILE>\
             <REMOTE_DEPLOYMENT_FILE>/var/lib/one/datastores/0/5/deployment.0</REMOTE_DEPLOYMENT_FILE>\
             <CHECKPOINT_FILE>/var/lib/one/datastores/0/5/checkpoint</CHECKPOINT_FILE>{vm_xml}</VMM_DRIVER_ACTION_DATA>"
        )
        .as_bytes(),
    )
}

/// `KEY = VALUE` lines of a monitoring template (quotes dropped; VM vectors ignored).
fn template(text: &str) -> HashMap<String, String> {
    text.lines()
        .filter_map(|line| line.split_once('='))
        .map(|(k, v)| (k.trim().to_string(), v.trim().trim_matches('"').to_string()))
        .collect()
}

fn proc_cpus() -> u64 {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").expect("/proc/cpuinfo");
    cpuinfo.lines().filter(|l| l.starts_with("processor")).count() as u64
}

fn proc_mem_total() -> String {
    let meminfo = std::fs::read_to_string("/proc/meminfo").expect("/proc/meminfo");
    let line = meminfo.lines().find(|l| l.starts_with("MemTotal:")).expect("MemTotal");
    line.split_whitespace().nth(1).expect("a number").to_string()
}

#[test]
#[cfg_attr(nephele_missing_sshd, ignore = "SKIPPED: sshd is missing and NEPHELE_ALLOW_MISSING=sshd")]
fn monitor_and_sync_over_ssh() {
    let tmp = tempfile::tempdir().unwrap();
    let sshd = Sshd::start(&tmp.path().join("sshd"));
    let remotes = remotes();
    let remotes_arg = remotes.display().to_string();
    let env = ssh_env(&sshd, tmp.path());
    let mut im = driver(env!("CARGO_BIN_EXE_one_im_exec"), &["--remotes", &remotes_arg, "dummy"], &env);

    let reply = im.action("MONITOR", 3, &host_payload(3, &sshd.host()));
    assert!(reply.ok, "MONITOR failed: {reply:?}\nsshd: {}\ndriver: {}", sshd.log(), im.stderr());
    let text = String::from_utf8(b64_decode(&reply.info).expect("base64 info")).expect("UTF-8");
    let t = template(&text);
    assert_eq!(t.get("TOTALCPU").map(String::as_str), Some((proc_cpus() * 100).to_string().as_str()), "{text}");
    if let Ok(n) = std::thread::available_parallelism() {
        eprintln!("nproc (available parallelism) = {n}, /proc/cpuinfo processors = {}", proc_cpus());
    }
    assert_eq!(t.get("TOTALMEMORY"), Some(&proc_mem_total()), "{text}");
    assert_eq!(t.get("HYPERVISOR").map(String::as_str), Some("dummy"));
    for key in
        ["CPUSPEED", "USEDCPU", "FREECPU", "USEDMEMORY", "FREEMEMORY", "DS_LOCATION_TOTAL_MB", "DS_LOCATION_FREE_MB"]
    {
        let value = t.get(key).unwrap_or_else(|| panic!("{key} missing in {text}"));
        assert!(value.parse::<u64>().is_ok(), "{key} = {value}");
    }
    let used: u64 = t["USEDCPU"].parse().unwrap();
    let free: u64 = t["FREECPU"].parse().unwrap();
    assert_eq!(used + free, proc_cpus() * 100);
    assert!(t.contains_key("HOSTNAME"));

    // the remotes were copied on first use; the host key was remembered
    let remote = tmp.path().join("remote");
    assert!(remote.join("im/run_probes").is_file());
    assert!(remote.join("vmm/dummy/deploy").is_file());
    let known = std::fs::read_to_string(tmp.path().join("one/var/.ssh/known_hosts")).expect("known_hosts written");
    assert!(known.starts_with(&format!("[127.0.0.1]:{} ssh-ed25519 ", sshd.port)), "{known}");

    // SYNC copies them again
    std::fs::remove_dir_all(remote.join("vmm")).unwrap();
    let reply = im.action("SYNC", 3, &host_payload(3, &sshd.host()));
    assert!(reply.ok, "SYNC failed: {reply:?}");
    assert!(remote.join("vmm/dummy/deploy").is_file());

    // a host whose scripts vanished gets them again (exit 42 → copy → retry)
    std::fs::remove_dir_all(&remote).unwrap();
    let reply = im.action("MONITOR", 3, &host_payload(3, &sshd.host()));
    assert!(reply.ok, "MONITOR after the remotes vanished: {reply:?}");
    assert!(remote.join("im/run_probes").is_file());

    // one session for all of it: a single authentication in sshd's log
    let accepted = sshd.log().matches("Accepted publickey").count();
    assert_eq!(accepted, 1, "sshd log: {}", sshd.log());

    // the session breaks (this sshd and its connection processes killed, then started again on
    // the same port with the same keys): the driver reconnects once and carries on
    let mut sshd = sshd;
    sshd.restart();
    let reply = im.action("MONITOR", 3, &host_payload(3, &sshd.host()));
    assert!(reply.ok, "MONITOR after an sshd restart: {reply:?}");
    assert_eq!(sshd.log().matches("Accepted publickey").count(), 1, "a new session: {}", sshd.log());
}

#[test]
#[cfg_attr(nephele_missing_sshd, ignore = "SKIPPED: sshd is missing and NEPHELE_ALLOW_MISSING=sshd")]
fn vmm_lifecycle_over_ssh() {
    let tmp = tempfile::tempdir().unwrap();
    let sshd = Sshd::start(&tmp.path().join("sshd"));
    let remotes = remotes();
    let remotes_arg = remotes.display().to_string();
    let env = ssh_env(&sshd, tmp.path());
    let mut vmm = driver(env!("CARGO_BIN_EXE_one_vmm_exec"), &["-t", "4", "--remotes", &remotes_arg, "dummy"], &env);
    let host = sshd.host();
    let domain = tmp.path().join("dummy/one-5");
    let vm_xml = "<VM><ID>5</ID><NAME>it's &amp; \"$(id)\"</NAME><TEMPLATE><MEMORY>64</MEMORY></TEMPLATE></VM>";

    let reply = vmm.action("DEPLOY", 5, &vmm_payload(&host, "", vm_xml));
    assert!(reply.ok, "DEPLOY failed: {reply:?}\nsshd: {}\ndriver: {}", sshd.log(), vmm.stderr());
    assert_eq!(reply.info, "one-5");
    assert_eq!(std::fs::read_to_string(&domain).expect("the domain file exists on the host"), vm_xml);
    assert!(reply.logs.iter().any(|l| l.contains("deploy: Deployed one-5")), "{:?}", reply.logs);

    let reply = vmm.action("POLL", 5, &vmm_payload(&host, "one-5", vm_xml));
    assert!(reply.ok && reply.info == "STATE=a", "{reply:?}");
    // a poll without the deploy id (after a crash oned may not know it) finds one-<vmid>
    let reply = vmm.action("POLL", 5, &vmm_payload(&host, "", vm_xml));
    assert!(reply.ok && reply.info == "STATE=a", "{reply:?}");

    let reply = vmm.action("REBOOT", 5, &vmm_payload(&host, "one-5", vm_xml));
    assert!(reply.ok, "{reply:?}");

    let reply = vmm.action("SHUTDOWN", 5, &vmm_payload(&host, "one-5", vm_xml));
    assert!(reply.ok, "SHUTDOWN failed: {reply:?}");
    assert!(!domain.exists(), "the domain file is gone");

    let reply = vmm.action("POLL", 5, &vmm_payload(&host, "one-5", vm_xml));
    assert!(reply.ok && reply.info == "STATE=d", "{reply:?}");

    // a failing script: its plain stderr is the FAILURE message
    let reply = vmm.action("SHUTDOWN", 5, &vmm_payload(&host, "one-5", vm_xml));
    assert!(!reply.ok);
    assert!(reply.info.starts_with("Domain one-5 not found in"), "{reply:?}");

    // cleanup never fails
    let reply = vmm.action("CLEANUP", 5, &vmm_payload(&host, "one-5", vm_xml));
    assert!(reply.ok, "{reply:?}");

    // a payload that is not base64 XML is a clear failure
    let reply = vmm.action("DEPLOY", 6, "not-base64!");
    assert!(!reply.ok && reply.info.contains("base64"), "{reply:?}");

    // actions for several VMs of one host at once: all done, over the one session
    let ids = [21i64, 22, 23];
    for id in ids {
        vmm.send(&format!("DEPLOY  {id} {}\n", vmm_payload(&host, "", &format!("<VM><ID>{id}</ID></VM>"))));
    }
    let mut answered = Vec::new();
    while answered.len() < ids.len() {
        let line = vmm.line();
        if line.starts_with("DEPLOY ") {
            answered.push(line);
        }
    }
    answered.sort();
    assert_eq!(answered, vec!["DEPLOY SUCCESS 21 one-21", "DEPLOY SUCCESS 22 one-22", "DEPLOY SUCCESS 23 one-23"]);
    for id in ids {
        assert!(tmp.path().join(format!("dummy/one-{id}")).is_file());
    }
    assert_eq!(sshd.log().matches("Accepted publickey").count(), 1, "one session: {}", sshd.log());
}

#[test]
#[cfg_attr(nephele_missing_sshd, ignore = "SKIPPED: sshd is missing and NEPHELE_ALLOW_MISSING=sshd")]
fn changed_host_key_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let sshd = Sshd::start(&tmp.path().join("sshd"));
    let other = tmp.path().join("other_key");
    keygen(&other);
    let other_pub = std::fs::read_to_string(tmp.path().join("other_key.pub")).unwrap();
    let fields: Vec<&str> = other_pub.split_whitespace().collect();
    let known = tmp.path().join("one/var/.ssh/known_hosts");
    std::fs::create_dir_all(known.parent().unwrap()).unwrap();
    std::fs::write(&known, format!("[127.0.0.1]:{} {} {}\n", sshd.port, fields[0], fields[1])).unwrap();

    let remotes_arg = remotes().display().to_string();
    let env = ssh_env(&sshd, tmp.path());
    let mut im = driver(env!("CARGO_BIN_EXE_one_im_exec"), &["--remotes", &remotes_arg, "dummy"], &env);
    let reply = im.action("MONITOR", 1, &host_payload(1, &sshd.host()));
    assert!(!reply.ok);
    assert!(reply.info.contains("HOST KEY CHANGED"), "{reply:?}");
    assert!(!tmp.path().join("remote").exists(), "nothing was copied to the impostor");
    assert_eq!(sshd.log().matches("Accepted publickey").count(), 0);
}

/// Copies the shipped remotes and adds a test hypervisor whose scripts misbehave.
fn remotes_with_test_hypervisor(tmp: &Path) -> PathBuf {
    let copy = tmp.join("remotes");
    run_ok(Command::new("cp").arg("-rL").arg(remotes()).arg(&copy));
    let dir = copy.join("vmm/testhv");
    std::fs::create_dir_all(&dir).unwrap();
    let scripts = [
        // 4 MiB on stderr before anything on stdout: no pipe deadlock over SSH
        (
            "deploy",
            "#!/bin/sh\nhead -c 4194304 /dev/zero | tr '\\0' 'e' >&2\necho >&2\necho 'ERROR: deploy: logged' >&2\necho \"big-$3\"\n",
        ),
        // records its pid, then hangs
        ("poll", "#!/bin/sh\necho $$ > \"$NEPHELE_DUMMY_DIR/poll.pid\"\nsleep 60\necho STATE=a\n"),
    ];
    for (name, text) in scripts {
        std::fs::write(dir.join(name), text).unwrap();
        run_ok(Command::new("chmod").arg("755").arg(dir.join(name)));
    }
    copy
}

#[test]
#[cfg_attr(nephele_missing_sshd, ignore = "SKIPPED: sshd is missing and NEPHELE_ALLOW_MISSING=sshd")]
fn big_output_and_timeout_over_ssh() {
    let tmp = tempfile::tempdir().unwrap();
    let sshd = Sshd::start(&tmp.path().join("sshd"));
    let remotes = remotes_with_test_hypervisor(tmp.path());
    let remotes_arg = remotes.display().to_string();
    std::fs::create_dir_all(tmp.path().join("dummy")).unwrap();
    let env = ssh_env(&sshd, tmp.path());
    let mut vmm = driver(env!("CARGO_BIN_EXE_one_vmm_exec"), &["-w", "4", "--remotes", &remotes_arg, "testhv"], &env);
    let host = sshd.host();
    let vm_xml = "<VM><ID>9</ID></VM>";

    let reply = vmm.action("DEPLOY", 9, &vmm_payload(&host, "", vm_xml));
    assert!(reply.ok, "DEPLOY with 4 MiB of stderr failed: {}", reply.info.chars().take(300).collect::<String>());
    assert_eq!(reply.info, "big-9");
    assert!(reply.logs.iter().any(|l| l == "deploy: logged"), "{:?}", reply.logs);

    let started = Instant::now();
    let reply = vmm.action("POLL", 9, &vmm_payload(&host, "x", vm_xml));
    assert!(!reply.ok);
    assert!(reply.info.starts_with("Timeout executing"), "{reply:?}");
    eprintln!("timeout answer: {}", reply.info);
    assert!(started.elapsed() < Duration::from_secs(30));
    // the remote script was killed with its process group
    let pid: i32 = std::fs::read_to_string(tmp.path().join("dummy/poll.pid")).unwrap().trim().parse().unwrap();
    let gone_by = Instant::now() + Duration::from_secs(10);
    while Path::new(&format!("/proc/{pid}")).exists() {
        assert!(Instant::now() < gone_by, "the timed-out remote script {pid} still runs");
        std::thread::sleep(Duration::from_millis(50));
    }

    // the host's session is usable afterwards
    let reply = vmm.action("DEPLOY", 9, &vmm_payload(&host, "", vm_xml));
    assert!(reply.ok, "{:?}", reply.info.len());
}

fn write_transfer(dir: &Path, name: &str, lines: &[String]) -> String {
    let path = dir.join(name);
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    path.display().to_string()
}

#[test]
fn tm_shared_transfers_locally() {
    let tmp = tempfile::tempdir().unwrap();
    let plain = tmp.path().join("images/plain.raw");
    std::fs::create_dir_all(plain.parent().unwrap()).unwrap();
    std::fs::write(&plain, b"image bytes \x00\x01\x02").unwrap();
    let vm_dir = tmp.path().join("datastores/0/5");
    let remotes_arg = remotes().display().to_string();
    let mut tm = driver(env!("CARGO_BIN_EXE_one_tm"), &["-d", "shared,dummy", "--remotes", &remotes_arg], &[]);

    let prolog = write_transfer(
        tmp.path(),
        "transfer.0.prolog",
        &[
            "# prolog of VM 5".to_string(),
            String::new(),
            format!("CLONE shared fe:{} h1:{}/disk.0 5 1", plain.display(), vm_dir.display()),
            format!("MKIMAGE shared 2 raw h1:{}/disk.1 5 0", vm_dir.display()),
            format!("LN shared fe:{} h1:{}/disk.2 5 1", plain.display(), vm_dir.display()),
        ],
    );

    let reply = tm.action("TRANSFER", 5, &prolog);
    assert!(reply.ok, "prolog failed: {reply:?}\n{}", tm.stderr());
    assert_eq!(std::fs::read(vm_dir.join("disk.0")).unwrap(), b"image bytes \x00\x01\x02");
    assert_eq!(std::fs::metadata(vm_dir.join("disk.1")).unwrap().len(), 2 * 1024 * 1024);
    assert_eq!(std::fs::read_link(vm_dir.join("disk.2")).unwrap(), plain);

    let epilog =
        write_transfer(tmp.path(), "transfer.1.epilog", &[format!("DELETE shared h1:{} 5 0", vm_dir.display())]);
    let reply = tm.action("TRANSFER", 5, &epilog);
    assert!(reply.ok, "epilog failed: {reply:?}");
    assert!(!vm_dir.exists());
    assert!(plain.exists(), "the image itself is untouched");

    // a driver not in -d
    let other = write_transfer(tmp.path(), "transfer.2", &[format!("DELETE ssh h1:{} 5 0", vm_dir.display())]);
    let reply = tm.action("TRANSFER", 5, &other);
    assert!(!reply.ok);
    assert_eq!(reply.info, "Transfer Driver 'ssh' not available");

    // the first failing line fails the action and stops there
    let marker = tmp.path().join("datastores/0/6/disk.0");
    let failing = write_transfer(
        tmp.path(),
        "transfer.3",
        &[
            format!("CLONE shared fe:{}/missing.raw h1:{}/disk.0 6 1", tmp.path().display(), vm_dir.display()),
            format!("MKIMAGE shared 1 raw h1:{} 6 0", marker.display()),
        ],
    );
    let reply = tm.action("TRANSFER", 6, &failing);
    assert!(!reply.ok);
    assert!(reply.info.contains("missing.raw not found"), "{reply:?}");
    assert!(!marker.exists(), "the line after the failure did not run");

    // unsafe paths are refused by the scripts
    let bad = write_transfer(tmp.path(), "transfer.4", &["DELETE shared h1:/ 7 0".to_string()]);
    let reply = tm.action("TRANSFER", 7, &bad);
    assert!(!reply.ok, "{reply:?}");
    let bad = write_transfer(tmp.path(), "transfer.5", &[format!("DELETE shared h1:{}/../x 7 0", vm_dir.display())]);
    let reply = tm.action("TRANSFER", 7, &bad);
    assert!(!reply.ok && reply.info.contains(".."), "{reply:?}");

    // A file with a line of the wrong shape runs nothing at all, not even its good lines.
    let first = tmp.path().join("datastores/0/8/disk.0");
    let shifted = write_transfer(
        tmp.path(),
        "transfer.6",
        &[
            format!("MKIMAGE shared 1 raw h1:{} 8 0", first.display()),
            format!("DELETE shared h1:{} extra 8 0", plain.display()),
        ],
    );
    let reply = tm.action("TRANSFER", 8, &shifted);
    assert!(!reply.ok);
    assert!(reply.info.contains("transfer line 2: DELETE takes 3 arguments after the driver, not 4"), "{reply:?}");
    assert!(!first.exists(), "nothing of a bad file runs");
    assert!(plain.exists());
    let unknown = write_transfer(tmp.path(), "transfer.7", &[format!("RM shared h1:{} 8 0", plain.display())]);
    let reply = tm.action("TRANSFER", 8, &unknown);
    assert!(!reply.ok && reply.info.contains("unknown transfer action \"RM\""), "{reply:?}");

    // Percent-encoded locations reach the scripts decoded, as one argument each.
    let spaced = tmp.path().join("datastores/0/9 x/disk.0");
    let encoded = format!("{}/datastores/0/9%20x/disk.0", tmp.path().display());
    let file = write_transfer(tmp.path(), "transfer.8", &[format!("MKIMAGE shared 1 raw h1:{encoded} 9 0")]);
    let reply = tm.action("TRANSFER", 9, &file);
    assert!(reply.ok, "{reply:?}");
    assert_eq!(std::fs::metadata(&spaced).unwrap().len(), 1024 * 1024);
}

#[test]
#[cfg_attr(nephele_missing_sshd, ignore = "SKIPPED: sshd is missing and NEPHELE_ALLOW_MISSING=sshd")]
fn tm_ssh_transfers_through_sshd() {
    let tmp = tempfile::tempdir().unwrap();
    let sshd = Sshd::start(&tmp.path().join("sshd"));
    let image = tmp.path().join("images/a.raw");
    std::fs::create_dir_all(image.parent().unwrap()).unwrap();
    std::fs::write(&image, vec![7u8; 300_000]).unwrap();
    let vm_dir = tmp.path().join("host/datastores/0/5");
    let moved = tmp.path().join("host2/datastores/0/5");
    let remotes_arg = remotes().display().to_string();
    let env = vec![
        ("ONE_LOCATION", tmp.path().join("one").display().to_string()),
        ("NEPHELE_SSH_KEY", sshd.key.display().to_string()),
        ("NEPHELE_SSH_USER", current_user()),
        ("NEPHELE_SSH_PORT", sshd.port.to_string()),
    ];
    let mut tm = driver(env!("CARGO_BIN_EXE_one_tm"), &["-d", "ssh", "--remotes", &remotes_arg], &env);

    let prolog = write_transfer(
        tmp.path(),
        "transfer.0.prolog",
        &[
            format!("CLONE ssh fe:{} 127.0.0.1:{}/disk.0 5 1", image.display(), vm_dir.display()),
            format!("MKIMAGE ssh 1 raw 127.0.0.1:{}/disk.1 5 0", vm_dir.display()),
        ],
    );
    let reply = tm.action("TRANSFER", 5, &prolog);
    assert!(reply.ok, "prolog failed: {reply:?}\nsshd: {}", sshd.log());
    assert_eq!(std::fs::read(vm_dir.join("disk.0")).unwrap(), vec![7u8; 300_000]);
    assert_eq!(std::fs::metadata(vm_dir.join("disk.1")).unwrap().len(), 1024 * 1024);
    let known =
        std::fs::read_to_string(tmp.path().join("one/var/.ssh/known_hosts")).expect("accept-new remembered the host");
    assert!(known.contains(&format!("[127.0.0.1]:{}", sshd.port)), "{known}");

    let migrate = write_transfer(
        tmp.path(),
        "transfer.1.migrate",
        &[format!("MV ssh 127.0.0.1:{} localhost:{} 5 0", vm_dir.display(), moved.display())],
    );
    let reply = tm.action("TRANSFER", 5, &migrate);
    assert!(reply.ok, "mv failed: {reply:?}");
    assert!(!vm_dir.exists());
    assert_eq!(std::fs::read(moved.join("disk.0")).unwrap(), vec![7u8; 300_000]);

    let epilog =
        write_transfer(tmp.path(), "transfer.2.epilog", &[format!("DELETE ssh localhost:{} 5 0", moved.display())]);
    let reply = tm.action("TRANSFER", 5, &epilog);
    assert!(reply.ok, "delete failed: {reply:?}");
    assert!(!moved.exists());
}

#[test]
fn vmm_and_im_locally() {
    let tmp = tempfile::tempdir().unwrap();
    let remotes_arg = remotes().display().to_string();
    let dummy_dir = tmp.path().join("dummy");
    let env = vec![("NEPHELE_DUMMY_DIR", dummy_dir.display().to_string())];
    let mut vmm = driver(env!("CARGO_BIN_EXE_one_vmm_exec"), &["-l", "--remotes", &remotes_arg, "dummy"], &env);
    let vm_xml = "<VM><ID>12</ID></VM>";
    let reply = vmm.action("DEPLOY", 12, &vmm_payload("node-1", "", vm_xml));
    assert!(reply.ok && reply.info == "one-12", "{reply:?}");
    assert_eq!(std::fs::read_to_string(dummy_dir.join("one-12")).unwrap(), vm_xml);

    // With a deployment file written by oned (LOCAL_DEPLOYMENT_FILE), deploy gets its content.
    let dfile = tmp.path().join("deployment.0");
    std::fs::write(&dfile, "NEPHELE-DEPLOYMENT 1\nVMID 13\nARGS\n-m\n64\n").unwrap();
    let with_file = |path: &str| {
        b64_encode(
            format!(
                "<VMM_DRIVER_ACTION_DATA><HOST>node-1</HOST><DEPLOY_ID></DEPLOY_ID>\
                 <LOCAL_DEPLOYMENT_FILE>{path}</LOCAL_DEPLOYMENT_FILE><REMOTE_DEPLOYMENT_FILE>/r/deployment.0</REMOTE_DEPLOYMENT_FILE>\
                 <VM><ID>13</ID></VM></VMM_DRIVER_ACTION_DATA>"
            )
            .as_bytes(),
        )
    };
    let reply = vmm.action("DEPLOY", 13, &with_file(&dfile.display().to_string()));
    assert!(reply.ok && reply.info == "one-13", "{reply:?}");
    assert_eq!(
        std::fs::read_to_string(dummy_dir.join("one-13")).unwrap(),
        "NEPHELE-DEPLOYMENT 1\nVMID 13\nARGS\n-m\n64\n"
    );
    let reply = vmm.action("DEPLOY", 14, &with_file(&tmp.path().join("missing").display().to_string()));
    assert!(!reply.ok && reply.info.contains("cannot read the deployment file"), "{reply:?}");
    assert!(!dummy_dir.join("one-14").exists());

    // save moves the domain to the checkpoint, restore brings it back
    let checkpoint = tmp.path().join("ds/0/12/checkpoint");
    let payload = |deploy_id: &str| {
        b64_encode(
            format!(
                "<VMM_DRIVER_ACTION_DATA><HOST>node-1</HOST><DEPLOY_ID>{deploy_id}</DEPLOY_ID>\
                 <CHECKPOINT_FILE>{}</CHECKPOINT_FILE>{vm_xml}</VMM_DRIVER_ACTION_DATA>",
                checkpoint.display()
            )
            .as_bytes(),
        )
    };
    let reply = vmm.action("SAVE", 12, &payload("one-12"));
    assert!(reply.ok, "{reply:?}");
    assert!(checkpoint.is_file() && !dummy_dir.join("one-12").exists());
    let reply = vmm.action("RESTORE", 12, &payload("one-12"));
    assert!(reply.ok, "{reply:?}");
    assert!(!checkpoint.exists() && dummy_dir.join("one-12").is_file());

    // the dummy probes list the domain
    let mut im = driver(env!("CARGO_BIN_EXE_one_im_exec"), &["-l", "--remotes", &remotes_arg, "dummy"], &env);
    let reply = im.action("MONITOR", 0, &host_payload(0, "node-1"));
    assert!(reply.ok, "{reply:?}");
    let text = String::from_utf8(b64_decode(&reply.info).unwrap()).unwrap();
    assert!(text.contains("VM = [ ID = \"12\", DEPLOY_ID = \"one-12\", STATE = \"a\" ]"), "{text}");
    assert!(text.contains("VM_POLL = \"YES\"\n"), "the dummy probe lists every domain of the host: {text}");

    let reply = vmm.action("CANCEL", 12, &payload("one-12"));
    assert!(reply.ok, "{reply:?}");
    assert!(!dummy_dir.join("one-12").exists());
    let reply = vmm.action("MIGRATE", 12, &payload("one-12"));
    assert!(!reply.ok, "no MIGR_HOST: {reply:?}");
    assert!(reply.info.contains("MIGR_HOST"), "{reply:?}");
}

//! The `kvm` driver against real QEMU (TCG, `-accel tcg`: this machine has no usable KVM): the
//! shipped scripts (`remotes/vmm/kvm`, `remotes/im/kvm.d`) run by the real `one_vmm_exec -l kvm`
//! and `one_im_exec -l kvm` (the scripts on this machine, as a host runs them over SSH), with
//! `one_qmp` installed next to them as oned does, and deployment files of format 1
//! (`share/doc/kvm.md`) written here by hand.
//!
//! The guests: none (SeaBIOS without a bootable disk idles, which is all QMP needs: running,
//! paused, save / restore, reset, cancel, poll), or a 512-byte boot sector written here
//! ([`BOOT_SECTOR`]) that prints `NEPHELE-BOOT` on the serial console and powers the machine off
//! when the ACPI power button is pressed: what shutdown and reboot need from a guest.
//!
//! Every wait is bounded; every QEMU a test starts is killed by the PID of its pid file when
//! the test ends, also after a panic ([`Vm`]'s drop); taps and bridges live in a network
//! namespace the test creates and deletes ([`Netns`]); nothing reaches a network (NICs only on
//! taps in that namespace, VNC on a Unix socket).
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is the test's failure

use drivers::proto::{b64_decode, b64_encode};
use std::cell::RefCell;
use std::collections::{BTreeSet, HashMap};
use std::io::BufReader;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};
use testkit::driver::{Answer, Driver, host_payload};

/// Bound on any single reply (a hang fails the test; never a performance check).
const PATIENCE: Duration = Duration::from_secs(120);
/// Bound on a guest's boot (TCG, a busy machine).
const BOOT_LIMIT: Duration = Duration::from_secs(60);

const QEMU: &str = "qemu-system-x86_64";
const QEMU_INSTALL: &str =
    "apt-get install -y --no-install-recommends --allow-downgrades qemu-system-x86 qemu-utils/bookworm";

/// A boot sector (real mode, loaded at 0x7c00) for the `pc` and `q35` machines, whose ACPI PM
/// registers QEMU puts at 0x600 (PM1a_EVT: status 0x600, enable 0x602; PM1a_CNT 0x604):
///
/// ```text
/// 00 31 c0        xor ax, ax
/// 02 8e d8        mov ds, ax
/// 04 fb           sti                  ; the BIOS timer wakes the hlt below
/// 05 fc           cld
/// 06 be 2f 7c     mov si, msg
/// 09 ba f8 03     mov dx, 0x3f8        ; COM1
/// 0c ac       .p: lodsb
/// 0d 84 c0        test al, al
/// 0f 74 03        jz .d
/// 11 ee           out dx, al
/// 12 eb f8        jmp .p
/// 14 ba 02 06 .d: mov dx, 0x602        ; PM1_EN: power button enable
/// 17 b8 00 01     mov ax, 0x100
/// 1a ef           out dx, ax
/// 1b ba 00 06     mov dx, 0x600        ; PM1_STS
/// 1e f4       .w: hlt
/// 1f ed           in ax, dx
/// 20 a9 00 01     test ax, 0x100       ; PWRBTN_STS (QMP system_powerdown)
/// 23 74 f9        jz .w
/// 25 ba 04 06     mov dx, 0x604        ; PM1_CNT
/// 28 b8 00 20     mov ax, 0x2000       ; SLP_EN, SLP_TYP 0: soft off
/// 2b ef           out dx, ax
/// 2c f4       .h: hlt
/// 2d eb fd        jmp .h
/// 2f          msg: "NEPHELE-BOOT\n", 0
/// ```
const BOOT_CODE: &[u8] = &[
    0x31, 0xc0, 0x8e, 0xd8, 0xfb, 0xfc, 0xbe, 0x2f, 0x7c, 0xba, 0xf8, 0x03, 0xac, 0x84, 0xc0, 0x74, 0x03, 0xee, 0xeb,
    0xf8, 0xba, 0x02, 0x06, 0xb8, 0x00, 0x01, 0xef, 0xba, 0x00, 0x06, 0xf4, 0xed, 0xa9, 0x00, 0x01, 0x74, 0xf9, 0xba,
    0x04, 0x06, 0xb8, 0x00, 0x20, 0xef, 0xf4, 0xeb, 0xfd,
];
const BOOT_LINE: &str = "NEPHELE-BOOT";

/// The 512 bytes of the boot sector.
fn boot_sector() -> Vec<u8> {
    let mut sector = BOOT_CODE.to_vec();
    sector.extend_from_slice(BOOT_LINE.as_bytes());
    sector.extend_from_slice(b"\n\0");
    sector.resize(510, 0);
    sector.extend_from_slice(&[0x55, 0xaa]);
    sector
}

fn find_program(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).map(|dir| dir.join(program)).find(|p| p.is_file())
}

/// Fails (naming the install command) when QEMU is not installed: these tests run it.
fn require_qemu() {
    assert!(
        find_program(QEMU).is_some(),
        "{QEMU} is missing: the kvm driver's tests run real QEMU (TCG). Install it with `{QEMU_INSTALL}` \
         (tests/setup.sh does it when run as root)"
    );
}

/// VM ids for this test process: unique per test (`k`) and unlikely to meet another run's on a
/// shared machine (QEMU processes are named after them). At most 8 digits, so that a tap
/// `one-<id>-<n>` fits in 15 characters.
fn vmid(k: u32) -> u32 {
    1_000_000 + (std::process::id() % 1_000_000) * 16 + k
}

/// `drivers/remotes` copied into `dir/remotes` with `one_qmp` in `vmm/kvm/` (what oned's
/// install puts in `var/remotes`).
fn install_remotes(dir: &Path) -> PathBuf {
    fn copy(from: &Path, to: &Path) {
        std::fs::create_dir_all(to).unwrap();
        for entry in std::fs::read_dir(from).unwrap() {
            let entry = entry.unwrap();
            let target = to.join(entry.file_name());
            if entry.file_type().unwrap().is_dir() {
                copy(&entry.path(), &target);
            } else {
                std::fs::copy(entry.path(), &target).unwrap();
            }
        }
    }
    let remotes = dir.join("remotes");
    copy(&Path::new(env!("CARGO_MANIFEST_DIR")).join("remotes"), &remotes);
    std::fs::copy(env!("CARGO_BIN_EXE_one_qmp"), remotes.join("vmm/kvm/one_qmp")).unwrap();
    remotes
}

/// XML text escaping for the action data.
fn esc(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// A VM of a test: its directory (the VM directory of the system datastore, here a temporary
/// one), the front-end's deployment file, and the QEMU processes seen for it, all killed when
/// it is dropped.
struct Vm {
    id: u32,
    dir: PathBuf,
    local: PathBuf,
    seen: RefCell<BTreeSet<u32>>,
}

impl Vm {
    fn new(datastore: &Path, id: u32) -> Vm {
        let dir = datastore.join(id.to_string());
        let local = datastore.join(format!("front-end-deployment.{id}"));
        std::fs::create_dir_all(&dir).unwrap();
        Vm { id, dir, local, seen: RefCell::new(BTreeSet::new()) }
    }

    fn name(&self) -> String {
        format!("one-{}", self.id)
    }

    fn dir(&self) -> String {
        self.dir.display().to_string()
    }

    fn file(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// The pid of this VM's QEMU when one runs (its pid file names a live process with its name).
    fn pid(&self) -> Option<u32> {
        let pid: u32 = std::fs::read_to_string(self.file("qemu.pid")).ok()?.trim().parse().ok()?;
        self.seen.borrow_mut().insert(pid);
        is_alive(pid, &self.name()).then_some(pid)
    }

    /// The action data of an action on this VM (`localhost`; the VM's template holds a decoy
    /// REMOTE_DEPLOYMENT_FILE, which the scripts must not take for oned's).
    fn payload(&self, deploy_id: &str) -> String {
        self.payload_with(deploy_id, &self.local.display().to_string(), &format!("{}/deployment.0", self.dir()))
    }

    fn payload_with(&self, deploy_id: &str, local: &str, remote: &str) -> String {
        let checkpoint = if remote.is_empty() { String::new() } else { format!("{}/checkpoint", self.dir()) };
        b64_encode(
            format!(
                "<VMM_DRIVER_ACTION_DATA><HOST>localhost</HOST><MIGR_HOST/><DEPLOY_ID>{deploy_id}</DEPLOY_ID>\
                 <LOCAL_DEPLOYMENT_FILE>{}</LOCAL_DEPLOYMENT_FILE><REMOTE_DEPLOYMENT_FILE>{}</REMOTE_DEPLOYMENT_FILE>\
                 <CHECKPOINT_FILE>{}</CHECKPOINT_FILE><VM><ID>{}</ID><NAME>vm</NAME><USER_TEMPLATE><NOTE>\
                 <![CDATA[<REMOTE_DEPLOYMENT_FILE>/etc/deployment.0</REMOTE_DEPLOYMENT_FILE>]]></NOTE>\
                 </USER_TEMPLATE></VM></VMM_DRIVER_ACTION_DATA>",
                esc(local),
                esc(remote),
                esc(&checkpoint),
                self.id
            )
            .as_bytes(),
        )
    }

    /// Writes the front-end's deployment file.
    fn write(&self, text: impl AsRef<[u8]>) {
        std::fs::write(&self.local, text).unwrap();
    }

    /// Waits (bounded) for the guest's `n`-th boot line on the serial console.
    fn wait_boots(&self, n: usize) {
        let deadline = Instant::now() + BOOT_LIMIT;
        loop {
            let log = std::fs::read_to_string(self.file("serial.log")).unwrap_or_default();
            if log.matches(BOOT_LINE).count() >= n {
                return;
            }
            assert!(Instant::now() < deadline, "no boot #{n} of {} within {BOOT_LIMIT:?}: {log:?}", self.name());
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn qmp(&self, args: &[&str]) -> std::process::Output {
        one_qmp(&[&[self.file("qmp.sock").to_str().unwrap()], args].concat())
    }
}

impl Drop for Vm {
    fn drop(&mut self) {
        let _ = self.pid();
        for pid in self.seen.borrow().iter() {
            if is_alive(*pid, &self.name()) {
                let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
            }
        }
    }
}

/// `pid` runs (not a zombie) and is named `name`.
fn is_alive(pid: u32, name: &str) -> bool {
    let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let state = stat.rsplit_once(") ").map(|(_, rest)| rest.chars().next()).unwrap_or(None);
    comm.trim() == name && !matches!(state, Some('Z' | 'X') | None)
}

fn one_qmp(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_one_qmp")).args(args).output().unwrap()
}

/// The arguments of a deployment file for `vm` (the host-side plumbing of `share/doc/kvm.md`),
/// 64 MiB, with `extra` in the middle.
fn qemu_args(vm: &Vm, extra: &[String]) -> Vec<String> {
    qemu_args_mem(vm, 64, extra)
}

fn qemu_args_mem(vm: &Vm, mib: u32, extra: &[String]) -> Vec<String> {
    let dir = vm.dir();
    let doubled = dir.replace(',', ",,");
    let name = vm.name();
    let mut args: Vec<String> = [
        "-name",
        &format!("guest={name},process={name}"),
        "-machine",
        "pc",
        "-accel",
        "tcg",
        "-m",
        &mib.to_string(),
        "-smp",
        "1",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    args.extend(extra.iter().cloned());
    args.extend(
        [
            "-nodefaults",
            "-no-user-config",
            "-no-shutdown",
            "-display",
            "none",
            "-serial",
            &format!("file:{dir}/serial.log"),
            "-qmp",
            &format!("unix:{doubled}/qmp.sock,server=on,wait=off"),
            "-daemonize",
            "-pidfile",
            &format!("{dir}/qemu.pid"),
        ]
        .iter()
        .map(|s| s.to_string()),
    );
    args
}

/// A deployment file of format 1: the header lines, `ARGS`, one argument a line.
fn deployment(vm: &Vm, header: &[String], args: &[String]) -> String {
    let mut lines = vec!["NEPHELE-DEPLOYMENT 1".to_string(), format!("VMID {}", vm.id), format!("DIR {}", vm.dir())];
    lines.extend(header.iter().cloned());
    lines.push("ARGS".into());
    lines.extend(args.iter().cloned());
    lines.join("\n") + "\n"
}

fn strings(words: &[&str]) -> Vec<String> {
    words.iter().map(|s| s.to_string()).collect()
}

/// The boot sector as a read-only disk of the VM (written once per test directory).
fn boot_disk(dir: &Path) -> Vec<String> {
    let image = dir.join("boot.img");
    if !image.exists() {
        std::fs::write(&image, boot_sector()).unwrap();
    }
    strings(&[
        "-drive",
        &format!("file={},format=raw,if=ide,snapshot=on", image.display().to_string().replace(',', ",,")),
    ])
}

/// `KEY=value` words of a poll line.
fn words(info: &str) -> HashMap<String, String> {
    info.split_whitespace().filter_map(|w| w.split_once('=')).map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

/// `one_vmm_exec -l kvm` on the copied remotes (in network namespace `netns` when given), with
/// `env` added.
fn vmm(remotes: &Path, env: &[(&str, &str)], netns: Option<&str>) -> Driver {
    driver(env!("CARGO_BIN_EXE_one_vmm_exec"), remotes, env, netns)
}

fn im(remotes: &Path, netns: Option<&str>) -> Driver {
    driver(env!("CARGO_BIN_EXE_one_im_exec"), remotes, &[], netns)
}

fn driver(exe: &str, remotes: &Path, env: &[(&str, &str)], netns: Option<&str>) -> Driver {
    let remotes = remotes.display().to_string();
    let args = ["-t", "4", "-w", "100", "-l", "--remotes", &remotes, "kvm"];
    let d = match netns {
        None => Driver::start_env(exe, &args, env),
        Some(ns) => Driver::start_env("ip", &[&["netns", "exec", ns, exe][..], &args[..]].concat(), env),
    };
    let mut d = d.with_patience(PATIENCE).finalize_on_drop();
    d.init();
    d
}

fn ok(answer: &Answer, what: &str) {
    assert!(answer.ok, "{what} failed: {answer:?}");
}

fn failed_with(answer: &Answer, text: &str) {
    assert!(!answer.ok && answer.info.contains(text), "expected a failure with {text:?}, got {answer:?}");
}

/// Held by the tests while a guest of theirs is powered off (run state shutdown) and by the
/// host probes: a probe stops every powered-off QEMU it can see, those of the other tests
/// included, which would take the test's own poll's part.
static POWERED_OFF: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn powered_off() -> std::sync::MutexGuard<'static, ()> {
    POWERED_OFF.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// A process started by a test that is not a VM of Nephele (`comm` is its name), killed when
/// dropped.
struct Stray {
    pid: u32,
    comm: String,
}

impl Drop for Stray {
    fn drop(&mut self) {
        if is_alive(self.pid, &self.comm) {
            let _ = Command::new("kill").args(["-9", &self.pid.to_string()]).status();
        }
    }
}

/// A network namespace of the test, deleted (with every device in it) when dropped.
struct Netns(String);

impl Netns {
    fn new(tag: &str) -> Netns {
        let name = format!("nph-kvm-{}-{tag}", std::process::id());
        run(Command::new("ip").args(["netns", "add", &name]));
        let ns = Netns(name);
        run(Command::new("ip").args(["-n", &ns.0, "link", "set", "lo", "up"]));
        ns
    }

    /// `ip -o link show dev <dev>` in the namespace, `None` when there is no such device.
    fn link(&self, dev: &str) -> Option<String> {
        let out = Command::new("ip").args(["-n", &self.0, "-o", "link", "show", "dev", dev]).output().unwrap();
        out.status.success().then(|| String::from_utf8_lossy(&out.stdout).into_owned())
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        let _ = Command::new("ip").args(["netns", "del", &self.0]).status();
    }
}

fn run(command: &mut Command) {
    let out = command.output().unwrap_or_else(|e| panic!("{command:?} does not start: {e}"));
    assert!(out.status.success(), "{command:?} failed: {}", String::from_utf8_lossy(&out.stderr));
}

#[test]
#[cfg_attr(nephele_missing_qemu, ignore = "SKIPPED: qemu is missing and NEPHELE_ALLOW_MISSING=qemu")]
fn lifecycle_without_a_guest_os() {
    require_qemu();
    let tmp = tempfile::tempdir().unwrap();
    let remotes = install_remotes(tmp.path());
    // a datastore path with a comma and a blank: QEMU's option syntax needs the comma doubled
    let vm = Vm::new(&tmp.path().join("data, stores/0"), vmid(1));
    let doubled = vm.dir().replace(',', ",,");
    let name = vm.name();
    let vnc = strings(&["-vnc", &format!("unix:{doubled}/vnc.sock,password=on")]);
    let header = strings(&["VNC_PASSWORD s3cr3t with blanks", "LATER_VERSION_KEY anything"]);
    let text = deployment(&vm, &header, &qemu_args(&vm, &vnc));
    vm.write(&text);
    let mut d = vmm(&remotes, &[("SHUTDOWN_TIMEOUT", "1")], None);

    let started = Instant::now();
    let answer = d.action("DEPLOY", vm.id.into(), &vm.payload(""));
    let deploy_time = started.elapsed();
    ok(&answer, "DEPLOY");
    assert_eq!(answer.info, name);
    let pid = vm.pid().expect("QEMU runs after deploy");
    assert_eq!(std::fs::read_to_string(vm.file("deployment.0")).unwrap(), text, "the file as received");
    let mode = std::fs::metadata(vm.file("deployment.0")).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600, "it holds the VNC password");
    let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap();
    assert!(!String::from_utf8_lossy(&cmdline).contains("s3cr3t"), "the password is not in QEMU's command line");
    let vnc = vm.qmp(&["query-vnc"]);
    assert!(String::from_utf8_lossy(&vnc.stdout).contains("\"auth\":\"vnc\""), "{vnc:?}");
    eprintln!("deploy → running (OS-less QEMU, through one_vmm_exec): {deploy_time:?}");

    // QMP round trips: in process over one connection, and one_qmp as the scripts run it
    let sock = UnixStream::connect(vm.file("qmp.sock")).unwrap();
    sock.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let (mut client, greeting) =
        drivers::qmp::Client::connect(BufReader::new(sock.try_clone().unwrap()), sock).unwrap();
    assert!(greeting.version.starts_with(char::is_numeric), "{greeting:?}");
    let mut round_trips: Vec<Duration> = (0..50)
        .map(|_| {
            let t = Instant::now();
            let v = client.execute("query-status", &serde_json::Map::new()).unwrap();
            assert_eq!(drivers::qmp::run_state(&v), Some("running"));
            t.elapsed()
        })
        .collect();
    drop(client);
    let mut spawns: Vec<Duration> = (0..10)
        .map(|_| {
            let t = Instant::now();
            assert!(vm.qmp(&["query-status"]).status.success());
            t.elapsed()
        })
        .collect();
    round_trips.sort();
    spawns.sort();
    eprintln!(
        "QMP query-status round trip: median {:?} (one connection); one_qmp run: median {:?}",
        round_trips[25], spawns[5]
    );

    let poll = d.action("POLL", vm.id.into(), &vm.payload(&name));
    ok(&poll, "POLL");
    let w = words(&poll.info);
    assert_eq!(w["STATE"], "a", "{poll:?}");
    assert_eq!(w["DEPLOY_ID"], name);
    assert!(w["CPU"].parse::<f64>().is_ok(), "{poll:?}");
    assert!(w["MEMORY"].parse::<u64>().unwrap() > 10_000, "QEMU's RSS in KiB: {poll:?}");
    for key in ["NETRX", "NETTX", "DISKRDBYTES", "DISKWRBYTES", "DISKRDIOPS", "DISKWRIOPS"] {
        assert!(w[key].parse::<u64>().is_ok(), "{key}: {poll:?}");
    }
    // after a crash oned may not know the deploy id: the VM is found by its id
    let poll = d.action("POLL", vm.id.into(), &vm.payload(""));
    assert!(poll.ok && poll.info.starts_with("STATE=a "), "{poll:?}");
    // a deploy id that is not this VM's is refused
    failed_with(&d.action("POLL", vm.id.into(), &vm.payload("one-1")), "Invalid deploy id 'one-1'");

    failed_with(&d.action("DEPLOY", vm.id.into(), &vm.payload("")), &format!("{name} is already running here"));
    assert_eq!(vm.pid(), Some(pid), "the running VM is left alone");

    ok(&d.action("RESET", vm.id.into(), &vm.payload(&name)), "RESET");
    assert_eq!(vm.pid(), Some(pid));

    // save: the state into the checkpoint, QEMU gone
    let started = Instant::now();
    ok(&d.action("SAVE", vm.id.into(), &vm.payload(&name)), "SAVE");
    eprintln!("save (64 MiB guest): {:?}", started.elapsed());
    assert!(vm.pid().is_none(), "QEMU quit after the save");
    assert!(std::fs::metadata(vm.file("checkpoint")).unwrap().len() > 10_000);
    assert!(!vm.file("checkpoint.tmp").exists());
    assert!(!vm.file("qmp.sock").exists() && !vm.file("qemu.pid").exists());
    assert_eq!(d.action("POLL", vm.id.into(), &vm.payload(&name)).info, "STATE=d");
    failed_with(&d.action("SAVE", vm.id.into(), &vm.payload(&name)), &format!("{name} is not running here"));

    // restore: a new QEMU from the deployment file, the state loaded, running, checkpoint gone
    let started = Instant::now();
    ok(&d.action("RESTORE", vm.id.into(), &vm.payload(&name)), "RESTORE");
    eprintln!("restore: {:?}", started.elapsed());
    let restored = vm.pid().expect("QEMU runs after the restore");
    assert_ne!(restored, pid);
    assert!(!vm.file("checkpoint").exists(), "the checkpoint is removed once the VM runs");
    assert!(d.action("POLL", vm.id.into(), &vm.payload(&name)).info.starts_with("STATE=a "));
    let vnc = vm.qmp(&["query-vnc"]);
    assert!(String::from_utf8_lossy(&vnc.stdout).contains("\"auth\":\"vnc\""), "{vnc:?}");
    failed_with(&d.action("RESTORE", vm.id.into(), &vm.payload(&name)), "Checkpoint file");

    // no guest answers ACPI: shutdown and reboot time out, the VM goes on running
    let started = Instant::now();
    let answer = d.action("SHUTDOWN", vm.id.into(), &vm.payload(&name));
    failed_with(&answer, &format!("Timeout reached and VM {name} is still alive"));
    assert!(answer.info.contains("within 1 s"), "{answer:?}");
    assert!(started.elapsed() < Duration::from_secs(30));
    assert_eq!(vm.pid(), Some(restored));
    failed_with(&d.action("REBOOT", vm.id.into(), &vm.payload(&name)), "did not power off within 1 s");
    assert!(!vm.file("rebooting").exists());
    assert_eq!(vm.pid(), Some(restored));
    assert!(d.action("POLL", vm.id.into(), &vm.payload(&name)).info.starts_with("STATE=a "));

    // cancel: QEMU gone; then every stop of a VM that is gone succeeds, reset and reboot fail
    ok(&d.action("CANCEL", vm.id.into(), &vm.payload(&name)), "CANCEL");
    assert!(vm.pid().is_none());
    assert!(!is_alive(restored, &name));
    assert!(!vm.file("qmp.sock").exists() && !vm.file("qemu.pid").exists());
    assert_eq!(d.action("POLL", vm.id.into(), &vm.payload(&name)).info, "STATE=d");
    ok(&d.action("CANCEL", vm.id.into(), &vm.payload(&name)), "CANCEL of a gone VM");
    ok(&d.action("SHUTDOWN", vm.id.into(), &vm.payload(&name)), "SHUTDOWN of a gone VM");
    failed_with(&d.action("REBOOT", vm.id.into(), &vm.payload(&name)), "is not running here");
    failed_with(&d.action("RESET", vm.id.into(), &vm.payload(&name)), "is not running here");
    ok(&d.action("CLEANUP", vm.id.into(), &vm.payload(&name)), "CLEANUP");
    ok(&d.action("CLEANUP", vm.id.into(), &vm.payload("")), "CLEANUP without a deploy id");
}

#[test]
#[cfg_attr(nephele_missing_qemu, ignore = "SKIPPED: qemu is missing and NEPHELE_ALLOW_MISSING=qemu")]
fn bad_deployment_files_and_arguments_are_refused() {
    require_qemu();
    let tmp = tempfile::tempdir().unwrap();
    let remotes = install_remotes(tmp.path());
    let ds = tmp.path().join("ds/0");
    let vm = Vm::new(&ds, vmid(2));
    let other = Vm::new(&ds, vmid(3));
    let mut d = vmm(&remotes, &[], None);
    let good_args = qemu_args(&vm, &[]);
    let good = deployment(&vm, &[], &good_args);
    let without = |arg: &str| {
        let mut args = good_args.clone();
        let at = args.iter().position(|a| a == arg).unwrap();
        args.remove(at);
        if arg != "-daemonize" {
            args.remove(at);
        }
        deployment(&vm, &[], &args)
    };
    let header = |line: &str| good.replacen(&format!("VMID {}\n", vm.id), &format!("VMID {}\n{line}\n", vm.id), 1);
    let cases: Vec<(&str, Vec<u8>, String)> = vec![
        (
            "another format",
            good.replacen("NEPHELE-DEPLOYMENT 1", "NEPHELE-DEPLOYMENT 2", 1).into(),
            "Not a deployment file of format 1 (first line: 'NEPHELE-DEPLOYMENT 2')".into(),
        ),
        ("the VM XML", b"<VM><ID>5</ID></VM>\n".to_vec(), "Not a deployment file of format 1".into()),
        ("empty", Vec::new(), "The deployment file is empty".into()),
        ("no ARGS", good.split("ARGS\n").next().unwrap().as_bytes().to_vec(), "has no ARGS line".into()),
        (
            "no arguments",
            (good.split("ARGS\n").next().unwrap().to_string() + "ARGS\n").into(),
            "has no QEMU arguments".into(),
        ),
        (
            "another VM",
            good.replacen(&format!("VMID {}", vm.id), &format!("VMID {}", other.id), 1).into(),
            format!("is for VM {}, not {}", other.id, vm.id),
        ),
        (
            "relative DIR",
            good.replacen(&format!("DIR {}", vm.dir()), "DIR ds/0/x", 1).into(),
            "Invalid DIR in the deployment file: 'ds/0/x' (an absolute path is needed)".into(),
        ),
        (
            "DIR with ..",
            good.replacen(&format!("DIR {}", vm.dir()), &format!("DIR {}/../x", vm.dir()), 1).into(),
            "(no . or .. components)".into(),
        ),
        (
            "DIR elsewhere",
            good.replacen(&format!("DIR {}\n", vm.dir()), &format!("DIR {}\n", other.dir()), 1).into(),
            "is not the directory of".into(),
        ),
        ("no -pidfile", without("-pidfile").into(), format!("lack -pidfile {}/qemu.pid", vm.dir())),
        ("no -daemonize", without("-daemonize").into(), "lack -daemonize".into()),
        ("no -qmp", without("-qmp").into(), "lack -qmp unix:".into()),
        (
            "no process name",
            good.replacen(&format!(",process={}", vm.name()), "", 1).into(),
            format!("lack -name …,process={}", vm.name()),
        ),
        (
            "a long line",
            header(&format!("NOTE {}", "x".repeat(5000))).into(),
            "has a line longer than 4096 bytes".into(),
        ),
        ("a NUL byte", header("NOTE a\0b").into(), "holds NUL bytes".into()),
        (
            "a bad tap",
            header("TAP one-1/0 br0").into(),
            "Invalid TAP line in the deployment file: 'TAP one-1/0 br0'".into(),
        ),
        ("a long tap name", header("TAP one-123456789-01 br0").into(), "Invalid TAP line".into()),
        ("a bad bridge", header("TAP one-1-0 br;0").into(), "Invalid bridge".into()),
        (
            "too large",
            header(&format!("NOTE {}\n", "x".repeat(4000)).repeat(300)).into(),
            "larger than 1048576 bytes".into(),
        ),
        (
            "an option QEMU does not know",
            deployment(&vm, &[], &qemu_args(&vm, &strings(&["-frobnicate"]))).into(),
            "QEMU failed to start (exit code 1): qemu-system-x86_64: -frobnicate: invalid option".into(),
        ),
    ];
    for (what, content, expected) in cases {
        vm.write(&content);
        let answer = d.action("DEPLOY", vm.id.into(), &vm.payload(""));
        assert!(!answer.ok && answer.info.contains(&expected), "{what}: expected {expected:?}, got {answer:?}");
        assert!(vm.pid().is_none(), "{what}: no QEMU left");
        let left: Vec<String> = std::fs::read_dir(&vm.dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with('.') || n == "taps")
            .collect();
        assert!(left.is_empty(), "{what}: temporary files left: {left:?}");
    }
    // the front-end's deployment file is missing
    std::fs::remove_file(&vm.local).unwrap();
    failed_with(&d.action("DEPLOY", vm.id.into(), &vm.payload("")), "cannot read the deployment file");
    // a restore checks the file the same way
    std::fs::write(vm.file("checkpoint"), b"x").unwrap();
    vm.write(good.replacen("NEPHELE-DEPLOYMENT 1", "NEPHELE-DEPLOYMENT 2", 1));
    failed_with(&d.action("RESTORE", vm.id.into(), &vm.payload("")), "Not a deployment file of format 1");
    // a checkpoint that is not one: the restore fails and kills the QEMU it started
    vm.write(&good);
    failed_with(&d.action("RESTORE", vm.id.into(), &vm.payload("")), &format!("Cannot restore {}", vm.name()));
    assert!(vm.pid().is_none(), "no QEMU left after the failed restore");
    assert!(vm.file("checkpoint").exists(), "the checkpoint is kept when the restore fails");

    // the scripts check their arguments themselves
    let kvm = remotes.join("vmm/kvm");
    let script = |name: &str, args: &[&str]| {
        let out = Command::new(kvm.join(name)).args(args).stdin(std::process::Stdio::null()).output().unwrap();
        (out.status.code(), String::from_utf8_lossy(&out.stderr).trim().to_string())
    };
    let id = vm.id.to_string();
    assert_eq!(
        script("deploy", &["ds/0/x/deployment.0", "h", &id, "h"]).1,
        "Invalid deployment file: 'ds/0/x/deployment.0' (an absolute path is needed)"
    );
    assert_eq!(
        script("deploy", &["/a/../b/deployment.0", "h", &id, "h"]).1,
        "Invalid deployment file: '/a/../b/deployment.0' (no . or .. components)"
    );
    assert_eq!(script("poll", &["", "h", "12a", "h"]), (Some(1), "Invalid VM id: '12a'".to_string()));
    assert_eq!(script("poll", &["", "h", "007", "h"]), (Some(1), "Invalid VM id: '007'".to_string()));
    assert_eq!(
        script("cancel", &["one-5;reboot", "h", "5", "h"]).1,
        "Invalid deploy id 'one-5;reboot' for VM 5 (one-5 expected)"
    );
    assert_eq!(
        script("save", &["one-5", "checkpoint", "h", "5", "h"]).1,
        "Invalid checkpoint file: 'checkpoint' (an absolute path is needed)"
    );
    assert_eq!(script("restore", &["/x/checkpoint", "h", "", "5", "h"]).1, "Checkpoint file /x/checkpoint not found");
    let out =
        Command::new(kvm.join("poll")).args(["", "h", "5", "h"]).env("SHUTDOWN_TIMEOUT", "soon").output().unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stderr).trim(),
        "Invalid SHUTDOWN_TIMEOUT 'soon' (kvmrc or environment): seconds expected"
    );
    // without one_qmp the scripts say what is missing
    std::fs::remove_file(kvm.join("one_qmp")).unwrap();
    failed_with(&d.action("POLL", vm.id.into(), &vm.payload("")), "one_qmp is missing");
}

#[test]
#[cfg_attr(nephele_missing_qemu, ignore = "SKIPPED: qemu is missing and NEPHELE_ALLOW_MISSING=qemu")]
fn acpi_shutdown_and_reboot_of_a_boot_sector_guest() {
    require_qemu();
    let tmp = tempfile::tempdir().unwrap();
    let remotes = install_remotes(tmp.path());
    let vm = Vm::new(&tmp.path().join("ds/0"), vmid(4));
    let name = vm.name();
    vm.write(deployment(&vm, &[], &qemu_args(&vm, &boot_disk(tmp.path()))));
    let mut d = vmm(&remotes, &[("SHUTDOWN_TIMEOUT", "60")], None);

    let started = Instant::now();
    ok(&d.action("DEPLOY", vm.id.into(), &vm.payload("")), "DEPLOY");
    vm.wait_boots(1);
    eprintln!("deploy → the guest's first line: {:?}", started.elapsed());
    let pid = vm.pid().unwrap();

    let started = Instant::now();
    ok(&d.action("REBOOT", vm.id.into(), &vm.payload(&name)), "REBOOT");
    eprintln!("ACPI reboot: {:?}", started.elapsed());
    vm.wait_boots(2);
    assert_eq!(vm.pid(), Some(pid), "the same QEMU: a reboot, not a new VM");
    assert!(!vm.file("rebooting").exists());
    assert!(d.action("POLL", vm.id.into(), &vm.payload(&name)).info.starts_with("STATE=a "));

    let started = Instant::now();
    ok(&d.action("SHUTDOWN", vm.id.into(), &vm.payload(&name)), "SHUTDOWN");
    eprintln!("ACPI shutdown: {:?}", started.elapsed());
    assert!(vm.pid().is_none() && !is_alive(pid, &name), "QEMU quit after the guest powered off");
    assert_eq!(d.action("POLL", vm.id.into(), &vm.payload(&name)).info, "STATE=d");

    // the guest powers itself off (here: pressed through QMP behind the driver's back); a
    // reset boots it again; when it powers off again, poll stops QEMU and says it is gone
    ok(&d.action("DEPLOY", vm.id.into(), &vm.payload("")), "DEPLOY again");
    vm.wait_boots(1);
    let pid = vm.pid().unwrap();
    {
        let _quiet = powered_off();
        assert!(vm.qmp(&["system_powerdown"]).status.success());
        let state = vm.qmp(&["--wait-state", "shutdown"]);
        assert_eq!(String::from_utf8_lossy(&state.stdout).trim(), "shutdown", "{state:?}");
        ok(&d.action("RESET", vm.id.into(), &vm.payload(&name)), "RESET of a powered-off guest");
    }
    vm.wait_boots(2);
    assert!(d.action("POLL", vm.id.into(), &vm.payload(&name)).info.starts_with("STATE=a "));
    let _quiet = powered_off();
    assert!(vm.qmp(&["system_powerdown"]).status.success());
    let state = vm.qmp(&["--wait-state", "shutdown"]);
    assert_eq!(String::from_utf8_lossy(&state.stdout).trim(), "shutdown", "{state:?}");
    let poll = d.action("POLL", vm.id.into(), &vm.payload(&name));
    assert_eq!(poll.info, "STATE=d", "{poll:?}");
    assert!(poll.logs.iter().any(|l| l.contains("powered itself off")), "{poll:?}");
    assert!(vm.pid().is_none() && !is_alive(pid, &name), "poll stopped the powered-off QEMU");
}

#[test]
#[cfg_attr(nephele_missing_qemu, ignore = "SKIPPED: qemu or the test guest is missing and NEPHELE_ALLOW_MISSING=qemu")]
fn acpi_shutdown_and_reboot_of_the_test_guest() {
    let guest = testkit::guest::Guest::ensure();
    let tmp = tempfile::tempdir().unwrap();
    let remotes = install_remotes(tmp.path());
    let vm = Vm::new(&tmp.path().join("ds/0"), vmid(9));
    let name = vm.name();
    // OS/KERNEL_DS and INITRD_DS put them in the VM's directory
    std::fs::copy(&guest.kernel, vm.file("kernel")).unwrap();
    std::fs::copy(&guest.initrd, vm.file("initrd")).unwrap();
    let boot = strings(&[
        "-kernel",
        &format!("{}/kernel", vm.dir()),
        "-initrd",
        &format!("{}/initrd", vm.dir()),
        "-append",
        testkit::guest::APPEND,
    ]);
    vm.write(deployment(&vm, &[], &qemu_args_mem(&vm, 128, &boot)));
    let mut d = vmm(&remotes, &[("SHUTDOWN_TIMEOUT", "60")], None);
    let mut serial = testkit::guest::Serial::new(&vm.file("serial.log"));

    let started = Instant::now();
    ok(&d.action("DEPLOY", vm.id.into(), &vm.payload("")), "DEPLOY");
    let ready = serial.wait_event("READY", Duration::from_secs(120));
    eprintln!("deploy → the test guest's READY line: {:?} (guest uptime {})", started.elapsed(), ready.num("uptime"));
    let pid = vm.pid().unwrap();

    let started = Instant::now();
    ok(&d.action("REBOOT", vm.id.into(), &vm.payload(&name)), "REBOOT");
    serial.wait_event("POWEROFF", Duration::from_secs(5));
    let again = serial.wait_event("READY", Duration::from_secs(120));
    eprintln!("ACPI reboot of the test guest → READY again: {:?}", started.elapsed());
    assert!(again.num("uptime") < 60.0, "a new boot: {again:?}");
    assert_eq!(vm.pid(), Some(pid), "the same QEMU");

    let started = Instant::now();
    ok(&d.action("SHUTDOWN", vm.id.into(), &vm.payload(&name)), "SHUTDOWN");
    eprintln!("ACPI shutdown of the test guest: {:?}", started.elapsed());
    serial.wait_event("POWEROFF", Duration::from_secs(5));
    assert!(vm.pid().is_none() && !is_alive(pid, &name), "QEMU quit after the guest powered off");
    assert_eq!(d.action("POLL", vm.id.into(), &vm.payload(&name)).info, "STATE=d");
}

#[test]
#[cfg_attr(nephele_missing_qemu, ignore = "SKIPPED: qemu is missing and NEPHELE_ALLOW_MISSING=qemu")]
fn host_probes_report_the_hypervisor_and_the_vms() {
    require_qemu();
    let tmp = tempfile::tempdir().unwrap();
    let remotes = install_remotes(tmp.path());
    let ds = tmp.path().join("ds/0");
    let vm = Vm::new(&ds, vmid(5));
    vm.write(deployment(&vm, &[], &qemu_args(&vm, &[])));
    let mut d = vmm(&remotes, &[], None);
    ok(&d.action("DEPLOY", vm.id.into(), &vm.payload("")), "DEPLOY");

    // a QEMU Nephele did not start (a wild VM), and a one-<id> QEMU of "another host": its pid
    // file is not where its command line says (a host in its own mount namespace)
    let wild = Vm::new(&ds, vmid(6));
    let wild_name = format!("wild-{}", std::process::id());
    run(Command::new(QEMU)
        .args(["-name", &format!("guest={wild_name}"), "-machine", "pc", "-accel", "tcg", "-m", "32"])
        .args(["-nodefaults", "-display", "none", "-daemonize", "-pidfile", wild.file("qemu.pid").to_str().unwrap()]));
    let wild_pid: u32 = std::fs::read_to_string(wild.file("qemu.pid")).unwrap().trim().parse().unwrap();
    let comm = std::fs::read_to_string(format!("/proc/{wild_pid}/comm")).unwrap().trim().to_string();
    let _wild = Stray { pid: wild_pid, comm };
    let elsewhere = Vm::new(&ds, vmid(7));
    let ename = elsewhere.name();
    run(Command::new(QEMU)
        .args(["-name", &format!("guest={ename},process={ename}"), "-machine", "pc", "-accel", "tcg"])
        .args([
            "-m",
            "32",
            "-nodefaults",
            "-display",
            "none",
            "-daemonize",
            "-pidfile",
            elsewhere.file("qemu.pid").to_str().unwrap(),
        ]));
    let epid = elsewhere.pid().unwrap();
    std::fs::write(elsewhere.file("qemu.pid"), "1\n").unwrap();

    let mut probe = im(&remotes, None);
    let started = Instant::now();
    let answer = {
        let _quiet = powered_off();
        probe.action("MONITOR", 0, &host_payload(0, "localhost"))
    };
    eprintln!("kvm probes (MONITOR through one_im_exec): {:?}", started.elapsed());
    ok(&answer, "MONITOR");
    let text = String::from_utf8(b64_decode(&answer.info).unwrap()).unwrap();
    let value = |key: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(&format!("{key} = ")))
            .map(|v| v.trim_matches('"').to_string())
            .unwrap_or_else(|| panic!("{key} missing: {text}"))
    };
    assert_eq!(value("HYPERVISOR"), "kvm");
    let version = String::from_utf8(Command::new(QEMU).arg("--version").output().unwrap().stdout).unwrap();
    assert!(version.starts_with(&format!("QEMU emulator version {} ", value("QEMU_VERSION"))), "{version}");
    let usable_kvm = std::fs::OpenOptions::new().read(true).write(true).open("/dev/kvm").is_ok()
        && std::fs::read_to_string("/proc/cpuinfo").unwrap().split_whitespace().any(|w| w == "vmx" || w == "svm");
    assert_eq!(value("KVM_ACCEL"), if usable_kvm { "kvm" } else { "tcg" });
    let machines = value("KVM_MACHINES");
    assert!(machines.split(' ').any(|m| m == "pc") && machines.split(' ').any(|m| m == "q35"), "{machines}");
    assert!(!value("MODELNAME").is_empty() && !value("ARCH").is_empty());
    assert_eq!(value("VM_POLL"), "YES");
    let ours = text
        .lines()
        .find(|l| {
            l.starts_with(&format!("VM = [ ID = \"{}\", DEPLOY_ID = \"{}\", STATE = \"a\", CPU = ", vm.id, vm.name()))
        })
        .unwrap_or_else(|| panic!("our VM is listed: {text}"));
    for key in ["MEMORY", "NETRX", "NETTX", "DISKRDBYTES", "DISKWRBYTES", "DISKRDIOPS", "DISKWRIOPS"] {
        assert!(ours.contains(&format!(" {key} = \"")), "{key}: {ours}");
    }
    assert!(text.contains(&format!("VM = [ ID = \"-1\", DEPLOY_ID = \"{wild_name}\", STATE = \"a\" ]")), "{text}");
    assert!(!text.contains(&ename), "a one-<id> QEMU whose pid file is not here is another host's: {text}");
    std::fs::write(elsewhere.file("qemu.pid"), format!("{epid}\n")).unwrap();

    // the VM gone: no longer listed
    ok(&d.action("CANCEL", vm.id.into(), &vm.payload(&vm.name())), "CANCEL");
    let answer = {
        let _quiet = powered_off();
        probe.action("MONITOR", 0, &host_payload(0, "localhost"))
    };
    let text = String::from_utf8(b64_decode(&answer.info).unwrap()).unwrap();
    assert!(!text.contains(&format!("DEPLOY_ID = \"{}\"", vm.name())), "{text}");
    assert!(text.contains("VM_POLL = \"YES\""));
}

#[test]
#[cfg_attr(nephele_missing_qemu, ignore = "SKIPPED: qemu is missing and NEPHELE_ALLOW_MISSING=qemu")]
#[cfg_attr(nephele_missing_netns, ignore = "SKIPPED: ip/unshare are missing and NEPHELE_ALLOW_MISSING=netns")]
fn taps_in_a_network_namespace() {
    require_qemu();
    testkit::components::NETNS.require();
    assert!(nix::unistd::geteuid().is_root(), "this test needs root (a network namespace, taps)");
    let tmp = tempfile::tempdir().unwrap();
    let remotes = install_remotes(tmp.path());
    let ns = Netns::new("taps");
    let vm = Vm::new(&tmp.path().join("ds/0"), vmid(8));
    let name = vm.name();
    let (tap0, tap1) = (format!("{name}-0"), format!("{name}-1"));
    let bridge = format!("nkb{}", std::process::id() % 1_000_000);
    let taps = [format!("TAP {tap0} {bridge}"), format!("TAP {tap1} -")];
    let nics = strings(&[
        "-netdev",
        &format!("tap,id=net0,ifname={tap0},script=no,downscript=no"),
        "-device",
        "e1000,netdev=net0,mac=02:00:00:00:00:01,romfile=",
        "-netdev",
        &format!("tap,id=net1,ifname={tap1},script=no,downscript=no"),
        "-device",
        "e1000,netdev=net1,mac=02:00:00:00:00:02,romfile=",
    ]);
    let good = deployment(&vm, &taps, &qemu_args(&vm, &nics));
    vm.write(&good);
    let mut d = vmm(&remotes, &[], Some(&ns.0));
    assert!(ns.link(&bridge).is_none());

    ok(&d.action("DEPLOY", vm.id.into(), &vm.payload("")), "DEPLOY");
    let pid = vm.pid().unwrap();
    let link0 = ns.link(&tap0).expect("the first tap exists");
    assert!(link0.contains(&format!("master {bridge}")), "{link0}");
    assert!(ns.link(&tap1).expect("the second tap exists").contains("UP"));
    assert!(ns.link(&bridge).expect("deploy created the missing bridge").contains("UP"));
    assert_eq!(std::fs::read_to_string(vm.file("taps")).unwrap(), format!("{tap0}\n{tap1}\n"));
    let root = Command::new("ip").args(["link", "show", "dev", &tap0]).output().unwrap();
    assert!(!root.status.success(), "the tap is not in the root namespace");

    // a frame to the guest's NIC: an ARP request for an address on the bridge's (test) subnet,
    // sent by a connection attempt inside the namespace (which has no other link); the guest
    // received it: NETRX counts the tap's tx
    run(Command::new("ip").args(["-n", &ns.0, "addr", "add", "192.0.2.1/24", "dev", &bridge]));
    let _ = Command::new("ip")
        .args(["netns", "exec", &ns.0, "timeout", "2", "bash", "-c", "exec 3<>/dev/tcp/192.0.2.2/9"])
        .stderr(std::process::Stdio::null())
        .status();
    let poll = d.action("POLL", vm.id.into(), &vm.payload(&name));
    let w = words(&poll.info);
    assert_eq!(w["STATE"], "a", "{poll:?}");
    assert!(w["NETRX"].parse::<u64>().unwrap() > 0, "{poll:?}");
    assert!(w["NETTX"].parse::<u64>().is_ok(), "{poll:?}");

    // the host probe, in the same namespace, sees the counters too
    let mut probe = im(&remotes, Some(&ns.0));
    let answer = {
        let _quiet = powered_off();
        probe.action("MONITOR", 0, &host_payload(0, "localhost"))
    };
    let text = String::from_utf8(b64_decode(&answer.info).unwrap()).unwrap();
    let line =
        text.lines().find(|l| l.contains(&format!("DEPLOY_ID = \"{name}\""))).unwrap_or_else(|| panic!("{text}"));
    assert!(line.contains("STATE = \"a\"") && !line.contains("NETRX = \"0\""), "{line}");

    // cancel deletes the taps (the bridge is the network's, it stays)
    ok(&d.action("CANCEL", vm.id.into(), &vm.payload(&name)), "CANCEL");
    assert!(!is_alive(pid, &name));
    assert!(ns.link(&tap0).is_none() && ns.link(&tap1).is_none(), "taps deleted");
    assert!(ns.link(&bridge).is_some());
    assert!(!vm.file("taps").exists());

    // QEMU killed (a crash): poll says gone, cleanup deletes the taps left
    ok(&d.action("DEPLOY", vm.id.into(), &vm.payload("")), "DEPLOY again");
    let pid = vm.pid().unwrap();
    run(Command::new("kill").args(["-9", &pid.to_string()]));
    let deadline = Instant::now() + Duration::from_secs(10);
    while is_alive(pid, &name) {
        assert!(Instant::now() < deadline, "QEMU survived SIGKILL");
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(d.action("POLL", vm.id.into(), &vm.payload(&name)).info, "STATE=d");
    assert!(ns.link(&tap0).is_some(), "the taps are still there");
    ok(&d.action("CLEANUP", vm.id.into(), &vm.payload(&name)), "CLEANUP");
    assert!(ns.link(&tap0).is_none() && ns.link(&tap1).is_none(), "cleanup deleted the taps");
    ok(&d.action("CLEANUP", vm.id.into(), &vm.payload(&name)), "CLEANUP again");

    // a deploy that fails after making the taps deletes them
    vm.write(deployment(&vm, &taps, &qemu_args(&vm, &[nics.clone(), strings(&["-frobnicate"])].concat())));
    failed_with(&d.action("DEPLOY", vm.id.into(), &vm.payload("")), "-frobnicate: invalid option");
    assert!(ns.link(&tap0).is_none() && ns.link(&tap1).is_none(), "the failed deploy deleted its taps");
    assert!(!vm.file("taps").exists());

    // save / restore take the taps down and up again
    vm.write(&good);
    ok(&d.action("DEPLOY", vm.id.into(), &vm.payload("")), "DEPLOY a third time");
    ok(&d.action("SAVE", vm.id.into(), &vm.payload(&name)), "SAVE");
    assert!(ns.link(&tap0).is_none(), "save deleted the taps");
    ok(&d.action("RESTORE", vm.id.into(), &vm.payload(&name)), "RESTORE");
    assert!(ns.link(&tap0).unwrap().contains(&format!("master {bridge}")));

    // cleanup without the action data's VM directory: the VM's process is found by its name,
    // and without the taps file, every one-<id>-* device is deleted
    ok(&d.action("CLEANUP", vm.id.into(), &vm.payload_with(&name, "", "")), "CLEANUP without the VM directory");
    assert!(vm.pid().is_none());
    assert!(ns.link(&tap0).is_none());
    run(Command::new("ip").args(["-n", &ns.0, "tuntap", "add", "dev", &tap1, "mode", "tap"]));
    ok(&d.action("CLEANUP", vm.id.into(), &vm.payload_with(&name, "", "")), "CLEANUP of a stray device");
    assert!(ns.link(&tap1).is_none());
    drop(d);
    drop(probe);
}

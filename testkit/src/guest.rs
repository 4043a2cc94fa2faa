//! The test guest (`tests/guest/`, its README says what it prints and reads): a Debian kernel
//! and a busybox initramfs, built once by `tests/guest/build.sh` and cached; and what a test
//! needs to run it with plain `qemu-system-x86_64`:
//!
//! - [`Guest::ensure`]: the cached kernel and initrd (built when missing);
//! - [`context_sh`] / [`context_iso`]: a context CD as OpenNebula makes it (`context.sh` of
//!   `KEY='value'` lines on an ISO 9660 image labelled `CONTEXT`);
//! - [`Serial`]: follows the serial log file; [`Serial::wait_for`] waits (bounded) for a line;
//!   [`GuestLine`] parses the guest's `NEPHELE-GUEST <EVENT> key=value …` lines;
//! - [`Qmp`]: a tiny QMP client over the monitor's unix socket (every read bounded);
//! - [`Vm`]: a daemonized qemu, killed by the PID of its pid file when dropped (after a check
//!   that the PID is still that qemu);
//! - [`TapNet`]: an isolated network namespace holding one tap for a guest NIC, with a
//!   connection helper that runs in that namespace (nothing reaches the root namespace).
//!
//! ```text
//! let guest = Guest::ensure();
//! let iso = context_iso(dir, &[("ETH0_IP", "192.0.2.10"), ("ETH0_MAC", MAC), ("SET_HOSTNAME", "g1")]);
//! let vm = Vm::start(&guest, VmConfig::new(dir, "g1").cdrom(&iso));
//! let ready = vm.serial().wait_event("READY", Duration::from_secs(40));
//! assert_eq!(ready.get("ip"), Some("192.0.2.10"));
//! ```
//!
//! Guests run under TCG (`-accel tcg`): the machines these tests run on have no usable KVM.

use crate::components::QEMU;
use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// The prefix of every line the guest prints for tests.
pub const PREFIX: &str = "NEPHELE-GUEST ";

/// The kernel command line the guest is meant to run with.
pub const APPEND: &str = "console=ttyS0 quiet";

/// `tests/guest/build.sh` of this checkout.
pub fn build_script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/guest/build.sh")
}

/// Where the guest of this checkout's recipe is (or would be) cached, if `build.sh --check`
/// could say; `None` when the script cannot run.
pub fn cached_dir() -> Option<(PathBuf, bool)> {
    let out = Command::new(build_script()).arg("--check").stdin(Stdio::null()).stderr(Stdio::null()).output().ok()?;
    let dir = String::from_utf8_lossy(&out.stdout).trim().to_string();
    (!dir.is_empty()).then(|| (PathBuf::from(dir), out.status.success()))
}

/// What [`crate::components::QEMU`] needs beyond its programs: the guest's manifest (written
/// last by the build), so a missing guest counts as a missing component.
pub fn missing_files() -> Vec<PathBuf> {
    match cached_dir() {
        Some((_, true)) => Vec::new(),
        Some((dir, false)) => vec![dir.join("manifest")],
        None => vec![build_script()],
    }
}

/// The cached test guest.
#[derive(Clone, Debug)]
pub struct Guest {
    /// Its cache directory (`<cache>/<recipe>`).
    pub dir: PathBuf,
    /// The kernel (`-kernel`).
    pub kernel: PathBuf,
    /// The initramfs (`-initrd`).
    pub initrd: PathBuf,
    /// The manifest: recipe, packages and versions, modules.
    pub manifest: String,
}

impl Guest {
    /// The guest of this checkout's recipe, built by `tests/guest/build.sh` if it is not cached
    /// yet (`tests/setup.sh` normally did it). Panics naming what to install or run when it
    /// cannot be had, or when qemu is missing.
    pub fn ensure() -> Guest {
        static GUEST: OnceLock<Result<Guest, String>> = OnceLock::new();
        match GUEST.get_or_init(build) {
            Ok(g) => {
                QEMU.require();
                g.clone()
            }
            Err(e) => panic!("{e}"),
        }
    }
}

fn build() -> Result<Guest, String> {
    let script = build_script();
    let out = Command::new("timeout")
        .arg("900")
        .arg(&script)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("{} does not start: {e}", script.display()))?;
    if !out.status.success() {
        return Err(format!(
            "the test guest could not be built ({}): {}\nBuild it as root with `tests/setup.sh` \
             (it installs `{}` and runs tests/guest/build.sh, which downloads a Debian kernel and \
             busybox-static once), or set NEPHELE_GUEST_CACHE to a writable directory. Where that \
             is impossible, NEPHELE_ALLOW_MISSING=qemu reports these tests as ignored, and the run \
             does not count as a pass.",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim(),
            QEMU.install
        ));
    }
    let dir = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    let manifest = std::fs::read_to_string(dir.join("manifest"))
        .map_err(|e| format!("{}: no manifest after the build: {e}", dir.display()))?;
    Ok(Guest { kernel: dir.join("vmlinuz"), initrd: dir.join("initrd.img"), manifest, dir })
}

/// `s` single-quoted as OpenNebula writes context values (`'` becomes `'\''`).
fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// The text of a `context.sh`: one `KEY='value'` line per pair, as OpenNebula writes it.
pub fn context_sh(vars: &[(&str, &str)]) -> String {
    let mut text = String::from("# Context variables generated by OpenNebula\n");
    for (k, v) in vars {
        assert!(
            !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'),
            "a context key is a shell name: {k:?}"
        );
        text.push_str(&format!("{k}={}\n", quote(v)));
    }
    text
}

/// A context CD in `dir/context.iso` (ISO 9660, Joliet + Rock Ridge, labelled `CONTEXT`, as
/// `drivers/remotes/tm/common.sh` makes it) holding `context.sh` with `vars`. Panics when
/// genisoimage is missing (naming the install command) or fails.
pub fn context_iso(dir: &Path, vars: &[(&str, &str)]) -> PathBuf {
    QEMU.require();
    let src = dir.join("context");
    std::fs::create_dir_all(&src).expect("the context directory is created");
    std::fs::write(src.join("context.sh"), context_sh(vars)).expect("context.sh is written");
    let iso = dir.join("context.iso");
    let out = Command::new("genisoimage")
        .args(["-quiet", "-V", "CONTEXT", "-J", "-R", "-o"])
        .arg(&iso)
        .arg(&src)
        .stdin(Stdio::null())
        .output()
        .expect("genisoimage starts");
    assert!(out.status.success(), "genisoimage failed: {}", String::from_utf8_lossy(&out.stderr));
    iso
}

/// One `NEPHELE-GUEST <EVENT> key=value …` line: `data=` (a data disk's first line) is last
/// and takes the rest of the line, blanks included.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GuestLine {
    /// `READY`, `TICK`, `DISK`, `DISK-GONE`, `NIC`, `CONTEXT`, `POWEROFF`, `WARN`, …
    pub event: String,
    /// The `key=value` fields in order.
    pub fields: Vec<(String, String)>,
    /// The whole line.
    pub line: String,
}

impl GuestLine {
    /// The guest line `line` is, if it is one.
    pub fn parse(line: &str) -> Option<GuestLine> {
        let rest = line.trim_end().strip_prefix(PREFIX)?;
        let (event, mut rest) = rest.split_once(' ').unwrap_or((rest, ""));
        let mut fields = Vec::new();
        while !rest.is_empty() {
            if let Some(data) = rest.strip_prefix("data=") {
                fields.push(("data".to_string(), data.to_string()));
                break;
            }
            let (word, tail) = rest.split_once(' ').unwrap_or((rest, ""));
            if let Some((k, v)) = word.split_once('=') {
                fields.push((k.to_string(), v.to_string()));
            }
            rest = tail;
        }
        Some(GuestLine { event: event.to_string(), fields, line: line.trim_end().to_string() })
    }

    /// The value of field `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.fields.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    /// The value of field `key` as a number (`n`, `bytes`, `uptime`, `seen`); panics when absent
    /// or not a number.
    pub fn num(&self, key: &str) -> f64 {
        self.get(key).and_then(|v| v.parse().ok()).unwrap_or_else(|| panic!("no numeric {key}= in {:?}", self.line))
    }
}

/// Follows a serial log file (what `-serial file:PATH` writes), line by line. A cursor marks
/// what the waits already went past: each [`Serial::wait_for`] looks at the lines after the
/// previous match, so a sequence of waits checks an order of events.
#[derive(Debug)]
pub struct Serial {
    path: PathBuf,
    offset: u64,
    partial: Vec<u8>,
    lines: Vec<String>,
    cursor: usize,
}

impl Serial {
    /// Follows `path` from its beginning (the file may not exist yet).
    pub fn new(path: &Path) -> Serial {
        Serial { path: path.to_path_buf(), offset: 0, partial: Vec::new(), lines: Vec::new(), cursor: 0 }
    }

    /// Reads what was appended since the last call; returns every complete line so far
    /// (carriage returns removed).
    pub fn poll(&mut self) -> &[String] {
        if let Ok(mut f) = std::fs::File::open(&self.path) {
            use std::io::Seek;
            if f.seek(std::io::SeekFrom::Start(self.offset)).is_ok() {
                let mut buf = Vec::new();
                if let Ok(n) = f.read_to_end(&mut buf) {
                    self.offset += n as u64;
                    self.partial.extend_from_slice(&buf);
                }
            }
        }
        while let Some(i) = self.partial.iter().position(|&b| b == b'\n') {
            let raw: Vec<u8> = self.partial.drain(..=i).collect();
            let text = String::from_utf8_lossy(&raw).replace(['\r', '\n'], "");
            self.lines.push(text);
        }
        &self.lines
    }

    /// The guest lines seen so far (after a [`Serial::poll`]).
    pub fn guest_lines(&mut self) -> Vec<GuestLine> {
        self.poll().iter().filter_map(|l| GuestLine::parse(l)).collect()
    }

    /// Moves the cursor to the end: the next waits only look at lines written from now on.
    pub fn skip_to_end(&mut self) {
        self.poll();
        self.cursor = self.lines.len();
    }

    /// The first line after the cursor for which `matches` holds, waiting up to `timeout` for
    /// it; the cursor moves past it. Panics on timeout with `what` and the log's last lines.
    pub fn wait_for(&mut self, what: &str, timeout: Duration, matches: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + timeout;
        loop {
            self.poll();
            if let Some(i) = self.lines[self.cursor..].iter().position(|l| matches(l)) {
                let at = self.cursor + i;
                self.cursor = at + 1;
                return self.lines[at].clone();
            }
            if Instant::now() >= deadline {
                panic!("no {what} on the serial console within {timeout:?}; its last lines:\n{}", self.tail(40));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// [`Serial::wait_for`] a guest line of `event` (`READY`, `TICK`, …).
    pub fn wait_event(&mut self, event: &str, timeout: Duration) -> GuestLine {
        let line = self.wait_for(&format!("NEPHELE-GUEST {event} line"), timeout, |l| {
            GuestLine::parse(l).is_some_and(|g| g.event == event)
        });
        GuestLine::parse(&line).expect("the line matched as a guest line")
    }

    /// The last `n` lines, for failure messages.
    pub fn tail(&mut self, n: usize) -> String {
        self.poll();
        let mut text = self.lines[self.lines.len().saturating_sub(n)..].join("\n");
        if !self.partial.is_empty() {
            text.push('\n');
            text.push_str(&String::from_utf8_lossy(&self.partial));
        }
        text
    }
}

/// A QMP connection (qemu's `-qmp unix:PATH,server=on,wait=off`), capabilities negotiated.
/// Every read is bounded by the timeout given to [`Qmp::connect`]; events read while waiting
/// for a reply are kept in [`Qmp::events`].
#[derive(Debug)]
pub struct Qmp {
    reader: BufReader<UnixStream>,
    writer: UnixStream,
    /// The asynchronous events received so far (`{"event": …}` objects), oldest first.
    pub events: Vec<serde_json::Value>,
}

impl Qmp {
    /// Connects to `socket` (retrying for up to `timeout` while it does not accept yet), reads
    /// the greeting and sends `qmp_capabilities`.
    pub fn connect(socket: &Path, timeout: Duration) -> std::io::Result<Qmp> {
        let deadline = Instant::now() + timeout;
        let stream = loop {
            match UnixStream::connect(socket) {
                Ok(s) => break s,
                Err(e) if Instant::now() >= deadline => return Err(e),
                Err(_) => std::thread::sleep(Duration::from_millis(50)),
            }
        };
        stream.set_read_timeout(Some(timeout))?;
        stream.set_write_timeout(Some(timeout))?;
        let mut qmp = Qmp { reader: BufReader::new(stream.try_clone()?), writer: stream, events: Vec::new() };
        let greeting = qmp.read()?;
        if greeting.get("QMP").is_none() {
            return Err(std::io::Error::other(format!("not a QMP greeting: {greeting}")));
        }
        qmp.execute("qmp_capabilities", None).map_err(std::io::Error::other)?;
        Ok(qmp)
    }

    fn read(&mut self) -> std::io::Result<serde_json::Value> {
        let mut line = String::new();
        if self.reader.read_line(&mut line)? == 0 {
            return Err(std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "qemu closed the QMP socket"));
        }
        serde_json::from_str(&line).map_err(|e| std::io::Error::other(format!("bad QMP line {line:?}: {e}")))
    }

    /// Runs `command` with `arguments`: its `return` value, or its error (class and
    /// description) or the I/O failure as text.
    pub fn execute(
        &mut self,
        command: &str,
        arguments: Option<serde_json::Value>,
    ) -> Result<serde_json::Value, String> {
        let mut request = serde_json::json!({ "execute": command });
        if let Some(a) = arguments {
            request["arguments"] = a;
        }
        let text = format!("{request}\n");
        self.writer.write_all(text.as_bytes()).map_err(|e| format!("{command}: {e}"))?;
        loop {
            let reply = self.read().map_err(|e| format!("{command}: {e}"))?;
            if reply.get("event").is_some() {
                self.events.push(reply);
                continue;
            }
            if let Some(r) = reply.get("return") {
                return Ok(r.clone());
            }
            if let Some(e) = reply.get("error") {
                return Err(format!("{command}: {e}"));
            }
        }
    }

    /// Waits up to `timeout` for the event `name` (or returns it if it already came).
    pub fn wait_event(&mut self, name: &str, timeout: Duration) -> Result<serde_json::Value, String> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(i) = self.events.iter().position(|e| e["event"] == name) {
                return Ok(self.events.remove(i));
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(format!("no {name} event within {timeout:?}"));
            }
            self.writer.set_read_timeout(Some(left)).map_err(|e| e.to_string())?;
            let value = self.read().map_err(|e| format!("waiting for {name}: {e}"));
            let _ = self.writer.set_read_timeout(Some(timeout));
            let value = value?;
            if value.get("event").is_some() {
                self.events.push(value);
            }
        }
    }
}

/// How [`Vm::start`] runs qemu.
#[derive(Clone, Debug)]
pub struct VmConfig {
    /// The pid file, serial log and QMP socket go here.
    pub dir: PathBuf,
    /// `-name`, and the stem of those files.
    pub name: String,
    /// `-machine` (`pc`: IDE CD-ROM, ACPI PCI hot-plug).
    pub machine: String,
    /// `-m`, MiB.
    pub memory_mb: u32,
    /// Disks: `(file, format)`, virtio in order (`vda`, `vdb`, …).
    pub disks: Vec<(PathBuf, String)>,
    /// The context CD (an IDE CD-ROM, read-only).
    pub cdrom: Option<PathBuf>,
    /// NICs: `(mac, -netdev value without id)`, virtio-net in order (`eth0`, …).
    pub nics: Vec<(String, String)>,
    /// Runs qemu in this network namespace (`ip netns exec`), e.g. a [`TapNet`]'s.
    pub netns: Option<String>,
    /// Added to the kernel command line after [`APPEND`].
    pub append: String,
    /// Further qemu arguments.
    pub extra: Vec<String>,
}

impl VmConfig {
    /// A guest named `name` with 128 MiB on `-machine pc`, no disk, no NIC, no CD.
    pub fn new(dir: &Path, name: &str) -> VmConfig {
        VmConfig {
            dir: dir.to_path_buf(),
            name: name.to_string(),
            machine: "pc".into(),
            memory_mb: 128,
            disks: Vec::new(),
            cdrom: None,
            nics: Vec::new(),
            netns: None,
            append: String::new(),
            extra: Vec::new(),
        }
    }

    /// Adds the context CD.
    pub fn cdrom(mut self, iso: &Path) -> VmConfig {
        self.cdrom = Some(iso.to_path_buf());
        self
    }

    /// Adds a virtio disk.
    pub fn disk(mut self, file: &Path, format: &str) -> VmConfig {
        self.disks.push((file.to_path_buf(), format.to_string()));
        self
    }

    /// Adds a virtio NIC with `mac` on the backend `netdev` (e.g. `tap,ifname=tap0,script=no,downscript=no`).
    pub fn nic(mut self, mac: &str, netdev: &str) -> VmConfig {
        self.nics.push((mac.to_string(), netdev.to_string()));
        self
    }

    /// Runs qemu in the network namespace `netns`.
    pub fn netns(mut self, netns: &str) -> VmConfig {
        self.netns = Some(netns.to_string());
        self
    }

    /// The serial log file.
    pub fn serial_path(&self) -> PathBuf {
        self.dir.join(format!("{}.serial", self.name))
    }

    /// The QMP socket.
    pub fn qmp_path(&self) -> PathBuf {
        self.dir.join(format!("{}.qmp", self.name))
    }

    /// The pid file.
    pub fn pid_path(&self) -> PathBuf {
        self.dir.join(format!("{}.pid", self.name))
    }

    /// The qemu command line (daemonized, TCG, no default devices, serial to a file).
    pub fn argv(&self, guest: &Guest) -> Vec<String> {
        let mut append = APPEND.to_string();
        if !self.append.is_empty() {
            append.push(' ');
            append.push_str(&self.append);
        }
        let mut a: Vec<String> = vec![
            "qemu-system-x86_64".into(),
            "-name".into(),
            self.name.clone(),
            "-machine".into(),
            self.machine.clone(),
            "-accel".into(),
            "tcg".into(),
            "-m".into(),
            self.memory_mb.to_string(),
            "-smp".into(),
            "1".into(),
            "-kernel".into(),
            guest.kernel.display().to_string(),
            "-initrd".into(),
            guest.initrd.display().to_string(),
            "-append".into(),
            append,
            "-nodefaults".into(),
            "-display".into(),
            "none".into(),
            "-monitor".into(),
            "none".into(),
            "-serial".into(),
            format!("file:{}", self.serial_path().display()),
            "-qmp".into(),
            format!("unix:{},server=on,wait=off", self.qmp_path().display()),
            "-daemonize".into(),
            "-pidfile".into(),
            self.pid_path().display().to_string(),
        ];
        for (i, (file, format)) in self.disks.iter().enumerate() {
            a.push("-drive".into());
            a.push(format!("file={},format={format},if=virtio,index={i}", file.display()));
        }
        if let Some(iso) = &self.cdrom {
            a.push("-drive".into());
            a.push(format!("file={},format=raw,media=cdrom,if=ide,readonly=on", iso.display()));
        }
        for (i, (mac, netdev)) in self.nics.iter().enumerate() {
            a.push("-netdev".into());
            a.push(format!("{netdev},id=n{i}"));
            a.push("-device".into());
            a.push(format!("virtio-net-pci,netdev=n{i},mac={mac}"));
        }
        a.extend(self.extra.iter().cloned());
        a
    }
}

/// How long `qemu -daemonize` may take to return.
const DAEMONIZE_LIMIT: Duration = Duration::from_secs(30);

/// A daemonized qemu: see [`VmConfig`]. Dropping it kills the process (by the PID of its pid
/// file, after checking the PID is still this qemu) and waits for it to go (bounded).
#[derive(Debug)]
pub struct Vm {
    /// How it was started.
    pub config: VmConfig,
    /// qemu's PID.
    pub pid: i32,
}

impl Vm {
    /// Starts qemu and returns once it has daemonized (bounded); panics with qemu's output
    /// when it fails.
    pub fn start(guest: &Guest, config: VmConfig) -> Vm {
        std::fs::create_dir_all(&config.dir).expect("the VM directory is created");
        let _ = std::fs::remove_file(config.serial_path());
        let _ = std::fs::remove_file(config.pid_path());
        let argv = config.argv(guest);
        let mut command = match &config.netns {
            Some(ns) => {
                let mut c = Command::new("ip");
                c.args(["netns", "exec", ns]).args(&argv);
                c
            }
            None => {
                let mut c = Command::new(&argv[0]);
                c.args(&argv[1..]);
                c
            }
        };
        let log = config.dir.join(format!("{}.qemu.log", config.name));
        let err = std::fs::File::create(&log).expect("the qemu log is created");
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(err)
            .spawn()
            .unwrap_or_else(|e| panic!("qemu-system-x86_64 does not start: {e}"));
        let started = Instant::now();
        let status = loop {
            if let Some(s) = child.try_wait().expect("waiting for qemu") {
                break s;
            }
            if started.elapsed() > DAEMONIZE_LIMIT {
                let _ = child.kill();
                let _ = child.wait();
                panic!("qemu did not daemonize within {DAEMONIZE_LIMIT:?}");
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        let output = std::fs::read_to_string(&log).unwrap_or_default();
        assert!(status.success(), "qemu failed ({status}): {output}\n{argv:?}");
        let pid = std::fs::read_to_string(config.pid_path())
            .ok()
            .and_then(|p| p.trim().parse::<i32>().ok())
            .unwrap_or_else(|| panic!("qemu wrote no pid file: {output}"));
        Vm { config, pid }
    }

    /// A follower of its serial log, from the beginning.
    pub fn serial(&self) -> Serial {
        Serial::new(&self.config.serial_path())
    }

    /// A QMP connection (bounded by `timeout`).
    pub fn qmp(&self, timeout: Duration) -> Qmp {
        Qmp::connect(&self.config.qmp_path(), timeout)
            .unwrap_or_else(|e| panic!("QMP of {} does not answer: {e}", self.config.name))
    }

    /// Whether the qemu process is still running (a zombie counts as gone).
    pub fn running(&self) -> bool {
        is_this_qemu(self.pid, &self.config.name)
    }

    /// Waits up to `timeout` for qemu to exit; whether it did.
    pub fn wait_exit(&self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        while self.running() {
            if Instant::now() >= deadline {
                return false;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        true
    }
}

impl Drop for Vm {
    fn drop(&mut self) {
        if self.running() {
            // SAFETY: kill with a PID just checked to be this VM's qemu; no memory involved.
            unsafe {
                libc::kill(self.pid, libc::SIGKILL);
            }
            self.wait_exit(Duration::from_secs(10));
        }
    }
}

/// Whether `pid` is a live (not zombie) qemu process started with `-name name`.
fn is_this_qemu(pid: i32, name: &str) -> bool {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // the state follows the command name in parentheses
    let state = stat.rsplit_once(')').and_then(|(_, rest)| rest.split_whitespace().next()).unwrap_or("");
    if state.is_empty() || state == "Z" || state == "X" {
        return false;
    }
    let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
    let args: Vec<&[u8]> = cmdline.split(|&b| b == 0).collect();
    args.first().is_some_and(|a| a.ends_with(b"qemu-system-x86_64"))
        && args.windows(2).any(|w| w[0] == b"-name" && w[1] == name.as_bytes())
}

static TAPNETS: AtomicU32 = AtomicU32::new(0);

/// An isolated network namespace with one tap (`tap0`) for a guest NIC: the namespace has the
/// tap and its loopback, no other link and no route out, so nothing a guest sends leaves it.
/// qemu runs inside it ([`VmConfig::netns`]); [`TapNet::connect`] talks to the guest from
/// inside it. Dropped: every process left in the namespace is killed, the namespace deleted.
#[derive(Debug)]
pub struct TapNet {
    /// The namespace's name.
    pub netns: String,
    /// The tap's name in it.
    pub tap: String,
    /// The namespace's address on the tap (`/24`).
    pub host_addr: String,
}

impl TapNet {
    /// Creates the namespace with its tap at `host_addr/24`. Root only; panics when `ip`
    /// fails.
    pub fn new(host_addr: &str) -> TapNet {
        crate::components::NETNS.require();
        // SAFETY: geteuid has no preconditions.
        assert_eq!(unsafe { libc::geteuid() }, 0, "TapNet needs root (network namespaces)");
        let n = TAPNETS.fetch_add(1, Ordering::Relaxed);
        let net = TapNet {
            netns: format!("nphg-{}-{n}", std::process::id()),
            tap: "tap0".into(),
            host_addr: host_addr.to_string(),
        };
        ip(&["netns", "add", &net.netns]);
        ip(&["-n", &net.netns, "link", "set", "lo", "up"]);
        ip(&["-n", &net.netns, "tuntap", "add", "dev", &net.tap, "mode", "tap"]);
        ip(&["-n", &net.netns, "addr", "add", &format!("{host_addr}/24"), "dev", &net.tap]);
        ip(&["-n", &net.netns, "link", "set", &net.tap, "up"]);
        net
    }

    /// The `-netdev` value of a NIC on this tap (for [`VmConfig::nic`]).
    pub fn netdev(&self) -> String {
        format!("tap,ifname={},script=no,downscript=no", self.tap)
    }

    /// Connects from inside the namespace to `addr:port` (within `timeout`, retried while
    /// refused or unreachable) and returns what the peer sends until it closes (bounded by
    /// `timeout` too).
    pub fn connect(&self, addr: &str, port: u16, timeout: Duration) -> std::io::Result<String> {
        let path = format!("/run/netns/{}", self.netns);
        let addr: std::net::SocketAddr = format!("{addr}:{port}").parse().map_err(std::io::Error::other)?;
        // a thread of its own enters the namespace (network namespaces are per thread)
        std::thread::spawn(move || -> std::io::Result<String> {
            let ns = std::fs::File::open(&path)?;
            use std::os::fd::AsRawFd;
            // SAFETY: setns on an open namespace file; it changes only this thread's network
            // namespace, and the thread ends with the call.
            if unsafe { libc::setns(ns.as_raw_fd(), libc::CLONE_NEWNET) } != 0 {
                return Err(std::io::Error::last_os_error());
            }
            let deadline = Instant::now() + timeout;
            let mut stream = loop {
                let left = deadline.saturating_duration_since(Instant::now()).max(Duration::from_millis(1));
                match std::net::TcpStream::connect_timeout(&addr, left.min(Duration::from_secs(2))) {
                    Ok(s) => break s,
                    Err(e) if Instant::now() >= deadline => return Err(e),
                    Err(_) => std::thread::sleep(Duration::from_millis(200)),
                }
            };
            stream.set_read_timeout(Some(timeout))?;
            let mut text = String::new();
            stream.read_to_string(&mut text)?;
            Ok(text)
        })
        .join()
        .map_err(|_| std::io::Error::other("the connecting thread panicked"))?
    }
}

impl Drop for TapNet {
    fn drop(&mut self) {
        let pids = Command::new("ip").args(["netns", "pids", &self.netns]).stderr(Stdio::null()).output();
        for pid in pids.map(|o| String::from_utf8_lossy(&o.stdout).into_owned()).unwrap_or_default().split_whitespace()
        {
            if let Ok(pid) = pid.parse::<i32>() {
                // SAFETY: kill with a PID read from the namespace; no memory involved.
                unsafe {
                    libc::kill(pid, libc::SIGKILL);
                }
            }
        }
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            let left = Command::new("ip").args(["netns", "pids", &self.netns]).stderr(Stdio::null()).output();
            if left.map(|o| o.stdout.iter().all(|b| b.is_ascii_whitespace())).unwrap_or(true) {
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = Command::new("ip").args(["netns", "del", &self.netns]).stderr(Stdio::null()).status();
    }
}

fn ip(args: &[&str]) {
    let out = Command::new("ip").args(args).output().unwrap_or_else(|e| panic!("ip does not start: {e}"));
    assert!(out.status.success(), "ip {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn context_sh_quotes_like_opennebula() {
        let text = context_sh(&[("ETH0_IP", "10.0.0.5"), ("NOTE", "it's")]);
        assert_eq!(text, "# Context variables generated by OpenNebula\nETH0_IP='10.0.0.5'\nNOTE='it'\\''s'\n");
    }

    #[test]
    fn guest_lines_parse_with_data_last() {
        let g = GuestLine::parse("NEPHELE-GUEST READY ip=10.0.0.5 hostname=g1 uptime=3.41\r").unwrap();
        assert_eq!(g.event, "READY");
        assert_eq!(g.get("ip"), Some("10.0.0.5"));
        assert_eq!(g.num("uptime"), 3.41);
        let d =
            GuestLine::parse("NEPHELE-GUEST DISK dev=vdb bytes=512 at=hotplug seen=2 data=NEPHELE-DATA a b=c").unwrap();
        assert_eq!(d.get("data"), Some("NEPHELE-DATA a b=c"));
        assert_eq!(d.num("seen"), 2.0);
        assert!(GuestLine::parse("[    1.0] kernel line").is_none());
        assert_eq!(GuestLine::parse("NEPHELE-GUEST CONTEXT none").unwrap().event, "CONTEXT");
    }

    #[test]
    fn serial_follows_a_growing_file_and_waits_in_order() {
        let dir = std::env::temp_dir().join(format!("nephele-serial-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("s.log");
        let mut serial = Serial::new(&path);
        assert!(serial.poll().is_empty(), "no file yet");
        std::fs::write(&path, "boot\r\nNEPHELE-GUEST TICK n=1 uptime=1.0\r\nNEPHELE-GUEST TI").unwrap();
        let t = serial.wait_event("TICK", Duration::from_secs(1));
        assert_eq!(t.num("n"), 1.0);
        let writer = {
            let path = path.clone();
            std::thread::spawn(move || {
                std::thread::sleep(Duration::from_millis(200));
                let mut f = std::fs::OpenOptions::new().append(true).open(&path).unwrap();
                f.write_all(b"CK n=2 uptime=2.0\r\n").unwrap();
            })
        };
        let t = serial.wait_event("TICK", Duration::from_secs(5));
        assert_eq!(t.num("n"), 2.0, "the second wait starts after the first match");
        writer.join().unwrap();
        let missing = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            serial.wait_event("READY", Duration::from_millis(100));
        }));
        assert!(missing.is_err(), "a wait is bounded");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

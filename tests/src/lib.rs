//! `e2e`: helpers for end-to-end tests that start the real `oned` binary (and later its drivers
//! and `mm_sched`) in a temporary `ONE_LOCATION` on a free loopback port.
//!
//! The binaries come from the workspace's target directory (`target/debug` next to the test
//! executable's `deps/`), or from `$NEPHELE_BIN_DIR`; `tests/run.sh` builds them first.

use libone::client::Client;
use libone::xmlrpc::Value;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The directory holding the workspace's binaries.
pub fn bin_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("NEPHELE_BIN_DIR") {
        return PathBuf::from(d);
    }
    // target/<profile>/deps/<test-exe> → target/<profile>
    let exe = std::env::current_exe().expect("test executable path");
    let deps = exe.parent().expect("deps dir");
    deps.parent().expect("profile dir").to_path_buf()
}

/// A workspace binary, with a clear panic if it was not built.
pub fn bin(name: &str) -> PathBuf {
    let p = bin_dir().join(name);
    assert!(p.exists(), "{} is missing: run `cargo build --workspace --bins` first (tests/run.sh does)", p.display());
    p
}

/// A TCP port that was free a moment ago on 127.0.0.1.
pub use testkit::free_port;

/// A temporary `ONE_LOCATION` with an `oned.conf` on a free loopback port.
pub struct Location {
    pub dir: tempfile::TempDir,
    pub port: u16,
    pub password: String,
}

impl Location {
    /// `extra` is appended to the configuration (e.g. `"DB = [ SYNC = \"NORMAL\" ]"`).
    pub fn new(extra: &str) -> Location {
        let dir = tempfile::tempdir().expect("tempdir");
        let port = free_port();
        std::fs::create_dir_all(dir.path().join("etc")).expect("etc");
        std::fs::write(
            dir.path().join("etc/oned.conf"),
            format!(
                "PORT = {port}\nLISTEN_ADDRESS = \"127.0.0.1\"\nLOG = [ SYSTEM = \"file\", DEBUG_LEVEL = 3 ]\n{extra}\n"
            ),
        )
        .expect("oned.conf");
        let password = "e2e-secret".to_string();
        std::fs::create_dir_all(dir.path().join(".one")).expect(".one");
        std::fs::write(dir.path().join(".one/one_auth"), format!("oneadmin:{password}\n")).expect("one_auth");
        Location { dir, port, password }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}/RPC2", self.port)
    }

    pub fn session(&self) -> String {
        format!("oneadmin:{}", self.password)
    }

    pub fn client(&self) -> Client {
        Client::new(&self.endpoint(), self.session()).expect("client")
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.path().join("var/oned.log")).unwrap_or_default()
    }

    /// Starts `oned -f` here and waits until it answers.
    pub fn start(&self) -> Oned {
        self.start_with_fd_limit(None)
    }

    /// Like [`Location::start`], with oned's open-file limit (`RLIMIT_NOFILE`) set to `nofile`.
    pub fn start_with_fd_limit(&self, nofile: Option<u64>) -> Oned {
        use std::os::unix::process::CommandExt;
        let mut cmd = Command::new(bin("oned"));
        cmd.arg("-f")
            .env("ONE_LOCATION", self.path())
            .env_remove("ONE_AUTH")
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        if let Some(n) = nofile {
            // SAFETY: only setrlimit (async-signal-safe) between fork and exec.
            unsafe {
                cmd.pre_exec(move || {
                    let lim = libc::rlimit { rlim_cur: n, rlim_max: n };
                    if libc::setrlimit(libc::RLIMIT_NOFILE, &lim) != 0 {
                        return Err(std::io::Error::last_os_error());
                    }
                    Ok(())
                });
            }
        }
        let child = cmd.spawn().expect("spawn oned");
        let mut o = Oned { child: Some(child) };
        o.wait_ready(self);
        o
    }
}

/// A running `oned -f`; killed when dropped.
pub struct Oned {
    child: Option<Child>,
}

impl Oned {
    fn wait_ready(&mut self, loc: &Location) {
        let deadline = Instant::now() + Duration::from_secs(30);
        let c = loc.client();
        while Instant::now() < deadline {
            if let Some(ch) = self.child.as_mut()
                && let Ok(Some(status)) = ch.try_wait()
            {
                let out = ch.wait_with_output_lossy();
                panic!("oned exited during start-up ({status}): {out}\nlog:\n{}", loc.log());
            }
            if c.call("one.system.version", vec![]).is_ok() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("oned did not answer within 30 s; log:\n{}", loc.log());
    }

    pub fn pid(&self) -> u32 {
        self.child.as_ref().map(|c| c.id()).unwrap_or(0)
    }

    /// SIGTERM and wait (bounded); returns the exit code.
    pub fn stop(mut self) -> Option<i32> {
        let mut child = self.child.take()?;
        // SAFETY: sending a signal to our own child process.
        unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
        wait_bounded(&mut child, Duration::from_secs(20))
    }

    /// SIGKILL and reap.
    pub fn kill9(mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Oned {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// Waits for a child at most `limit`, killing it past that.
pub fn wait_bounded(child: &mut Child, limit: Duration) -> Option<i32> {
    let deadline = Instant::now() + limit;
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return status.code(),
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(20)),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                return None;
            }
        }
    }
}

trait OutputLossy {
    fn wait_with_output_lossy(&mut self) -> String;
}

impl OutputLossy for Child {
    fn wait_with_output_lossy(&mut self) -> String {
        use std::io::Read;
        let mut s = String::new();
        if let Some(mut e) = self.stderr.take() {
            let _ = e.read_to_string(&mut s);
        }
        s
    }
}

/// Shorthands for XML-RPC values.
pub fn s(v: &str) -> Value {
    Value::String(v.to_string())
}

pub fn i(v: i32) -> Value {
    Value::Integer(v)
}

pub fn b(v: bool) -> Value {
    Value::Boolean(v)
}

/// The integer of a reply value.
pub fn as_int(v: &Value) -> i32 {
    match v {
        Value::Integer(i) => *i,
        other => panic!("expected an integer, got {other:?}"),
    }
}

/// The string of a reply value.
pub fn as_str(v: &Value) -> &str {
    match v {
        Value::String(s) => s,
        other => panic!("expected a string, got {other:?}"),
    }
}

/// The first integer element `<tag>n</tag>` of an XML body.
pub fn xml_int(body: &str, tag: &str) -> Option<i64> {
    let open = format!("<{tag}>");
    let start = body.find(&open)? + open.len();
    let end = body[start..].find('<')? + start;
    body[start..end].trim().parse().ok()
}

/// oned.conf lines for the dummy drivers sharing `state_dir`, with fast monitoring.
pub fn dummy_drivers(state_dir: &Path, vmm_extra: &str) -> String {
    let sd = state_dir.display();
    format!(
        "IM_MAD = [ NAME = \"dummy\", EXECUTABLE = \"one_im_dummy\", ARGUMENTS = \"--state-dir {sd}\" ]\n\
         VM_MAD = [ NAME = \"dummy\", EXECUTABLE = \"one_vmm_dummy\", ARGUMENTS = \"--state-dir {sd} {vmm_extra}\", TYPE = \"dummy\" ]\n\
         TM_MAD = [ NAME = \"dummy\", EXECUTABLE = \"one_tm_dummy\", ARGUMENTS = \"\" ]\n\
         MONITORING_INTERVAL_HOST = 1\n\
         DRIVER_ACTION_TIMEOUT = 5\n"
    )
}

/// Waits (bounded) until `cond` holds for the VM's (STATE, LCM_STATE); returns the last body.
pub fn wait_vm(c: &Client, id: i32, limit: Duration, cond: impl Fn(i64, i64) -> bool) -> String {
    let deadline = Instant::now() + limit;
    loop {
        let body = match c.call("one.vm.info", vec![i(id)]) {
            Ok(v) => as_str(&v).to_string(),
            Err(e) => panic!("vm.info {id}: {e}"),
        };
        let st = xml_int(&body, "STATE").unwrap_or(-1);
        let lcm = xml_int(&body, "LCM_STATE").unwrap_or(-1);
        if cond(st, lcm) {
            return body;
        }
        if Instant::now() > deadline {
            panic!("VM {id} stuck in STATE {st} LCM_STATE {lcm} after {limit:?}:\n{body}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// OpenNebula's image states (`Image::ImageState`) the tests wait for.
pub mod image_state {
    pub const READY: i64 = 1;
    pub const USED: i64 = 2;
    pub const DISABLED: i64 = 3;
    pub const LOCKED: i64 = 4;
    pub const ERROR: i64 = 5;
    pub const CLONE: i64 = 6;
    pub const DELETE: i64 = 7;
    pub const USED_PERS: i64 = 8;
}

/// Waits (bounded) until `cond` holds for the image's STATE; returns the last body. An image is
/// LOCKED from `one.image.allocate` until the datastore driver's CP/MKFS answer, as real clients
/// know. Panics at once, with the body, if the image reaches ERROR and `cond` does not accept it.
pub fn wait_image(c: &Client, id: i32, limit: Duration, cond: impl Fn(i64) -> bool) -> String {
    let deadline = Instant::now() + limit;
    loop {
        let body = match c.call("one.image.info", vec![i(id)]) {
            Ok(v) => as_str(&v).to_string(),
            Err(e) => panic!("image.info {id}: {e}"),
        };
        let st = xml_int(&body, "STATE").unwrap_or(-1);
        if cond(st) {
            return body;
        }
        if st == image_state::ERROR {
            panic!("image {id} went to ERROR:\n{body}");
        }
        if Instant::now() > deadline {
            panic!("image {id} stuck in STATE {st} after {limit:?}:\n{body}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Waits (bounded, 30 s) until the image is READY; returns its body.
pub fn wait_image_ready(c: &Client, id: i32) -> String {
    wait_image(c, id, Duration::from_secs(30), |st| st == image_state::READY)
}

/// Waits (bounded) until `one.image.info` no longer finds the image: after `one.image.delete` it
/// stays in DELETE until the datastore driver's RM answer.
pub fn wait_image_gone(c: &Client, id: i32, limit: Duration) {
    let deadline = Instant::now() + limit;
    loop {
        let body = match c.call("one.image.info", vec![i(id)]) {
            Ok(v) => as_str(&v).to_string(),
            Err(e) if e.to_string().contains("Error getting image") => return,
            Err(e) => panic!("image.info {id}: {e}"),
        };
        let st = xml_int(&body, "STATE").unwrap_or(-1);
        if st == image_state::ERROR {
            panic!("image {id} went to ERROR while being deleted:\n{body}");
        }
        if Instant::now() > deadline {
            panic!("image {id} still there in STATE {st} after {limit:?}:\n{body}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The text of the first `<tag>` element of a body (CDATA unwrapped); `None` when absent.
pub fn xml_text(body: &str, tag: &str) -> Option<String> {
    let open = format!("<{tag}>");
    let start = body.find(&open)? + open.len();
    let end = body[start..].find(&format!("</{tag}>"))? + start;
    let t = &body[start..end];
    Some(t.strip_prefix("<![CDATA[").and_then(|t| t.strip_suffix("]]>")).unwrap_or(t).to_string())
}

/// A file under `/var/tmp` (in the datastores' default SAFE_DIRS) to register an image from:
/// `one.image.allocate` with a PATH really copies it. Removed on drop.
pub struct SafeFile(tempfile::NamedTempFile);

impl SafeFile {
    /// A file with `content`.
    pub fn new(tag: &str, content: &[u8]) -> SafeFile {
        let mut f = tempfile::Builder::new()
            .prefix(&format!("nephele-e2e-{tag}-"))
            .suffix(".img")
            .tempfile_in("/var/tmp")
            .expect("temp file in /var/tmp");
        std::io::Write::write_all(&mut f, content).expect("write the image file");
        SafeFile(f)
    }

    /// An empty qcow2 image of `virtual_size` (`qemu-img create -f qcow2`).
    pub fn qcow2(tag: &str, virtual_size: &str) -> SafeFile {
        let f = SafeFile::new(tag, b"");
        let out = Command::new("qemu-img")
            .args(["create", "-q", "-f", "qcow2", f.path(), virtual_size])
            .output()
            .expect("qemu-img (qemu-utils) is needed");
        assert!(out.status.success(), "qemu-img create: {}", String::from_utf8_lossy(&out.stderr));
        f
    }

    pub fn path(&self) -> &str {
        self.0.path().to_str().expect("utf-8 path")
    }
}

/// What one run of a `one*` tool printed and how it exited.
#[derive(Debug)]
pub struct CliRun {
    /// The exit code (`None` when killed after the time limit or by a signal).
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl CliRun {
    /// Panics with both outputs unless the tool exited 0; returns stdout.
    pub fn ok(&self) -> &str {
        assert_eq!(self.code, Some(0), "expected success:\nstdout:\n{}\nstderr:\n{}", self.stdout, self.stderr);
        &self.stdout
    }

    /// Panics unless the tool exited with `code`; returns stderr.
    pub fn fails(&self, code: i32) -> &str {
        assert_eq!(self.code, Some(code), "expected exit {code}:\nstdout:\n{}\nstderr:\n{}", self.stdout, self.stderr);
        &self.stderr
    }
}

/// Runs a `one*` tool with `env` (name, value) pairs added, bounded to 60 s.
pub fn run_cli(tool: &str, args: &[&str], env: &[(&str, String)], stdin: Option<&str>) -> CliRun {
    let out_dir = tempfile::tempdir().expect("tempdir");
    let (o, e) = (out_dir.path().join("out"), out_dir.path().join("err"));
    let mut cmd = Command::new(bin(tool));
    cmd.args(args)
        .env_remove("ONE_XMLRPC")
        .env_remove("ONE_AUTH")
        .env("EDITOR", "false")
        .stdout(std::fs::File::create(&o).expect("out"))
        .stderr(std::fs::File::create(&e).expect("err"))
        .stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() });
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("spawn tool");
    if let (Some(text), Some(mut pipe)) = (stdin, child.stdin.take()) {
        use std::io::Write;
        let _ = pipe.write_all(text.as_bytes());
    }
    let code = wait_bounded(&mut child, Duration::from_secs(60));
    CliRun {
        code,
        stdout: std::fs::read_to_string(&o).unwrap_or_default(),
        stderr: std::fs::read_to_string(&e).unwrap_or_default(),
    }
}

impl Location {
    /// Runs a `one*` tool against this oned (`ONE_XMLRPC`, `ONE_AUTH` and `HOME` set here).
    pub fn cli(&self, tool: &str, args: &[&str]) -> CliRun {
        run_cli(tool, args, &self.cli_env(), None)
    }

    /// Like [`Location::cli`] with `input` on stdin.
    pub fn cli_stdin(&self, tool: &str, args: &[&str], input: &str) -> CliRun {
        run_cli(tool, args, &self.cli_env(), Some(input))
    }

    /// The environment the tools get: this oned's endpoint and oneadmin's credentials file.
    pub fn cli_env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("ONE_XMLRPC", self.endpoint()),
            ("ONE_AUTH", self.path().join(".one/one_auth").display().to_string()),
            ("HOME", self.path().display().to_string()),
        ]
    }
}

/// A front-end for CLI tests: oned with the dummy drivers and mm_sched (SCHED_INTERVAL 1).
/// Keep the returned directory alive as long as oned runs (it holds the drivers' state).
pub fn front_end() -> (Location, Oned, tempfile::TempDir) {
    let state = tempfile::tempdir().expect("tempdir");
    let conf = format!(
        "{}SCHEDULER = [ EXECUTABLE = \"mm_sched\", ARGUMENTS = \"-c {}\" ]\n",
        dummy_drivers(state.path(), "-t 16"),
        state.path().join("sched.conf").display()
    );
    std::fs::write(state.path().join("sched.conf"), "SCHED_INTERVAL = 1\nDEFAULT_SCHED = [ POLICY = 1 ]\n")
        .expect("sched.conf");
    let loc = Location::new(&conf);
    let oned = loc.start();
    (loc, oned, state)
}

/// Polls `check` every 100 ms until it returns `Some`, at most `limit`; panics with `what`.
pub fn eventually<T>(limit: Duration, what: &str, mut check: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(v) = check() {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out after {limit:?} waiting for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The PIDs of the running processes whose parent is `parent` and whose executable's file name
/// is `name` (read from `/proc`; processes that vanish meanwhile are skipped).
pub fn children_named(parent: u32, name: &str) -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else { return Vec::new() };
    let mut pids = Vec::new();
    for entry in entries.flatten() {
        let Some(pid) = entry.file_name().to_str().and_then(|n| n.parse::<u32>().ok()) else { continue };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else { continue };
        // `pid (comm) state ppid ...`: comm may hold blanks and parentheses, so read after the last ')'.
        let ppid = stat.rsplit_once(')').and_then(|(_, rest)| rest.split_whitespace().nth(1)?.parse::<u32>().ok());
        if ppid != Some(parent) {
            continue;
        }
        let exe = std::fs::read_link(format!("/proc/{pid}/exe")).ok();
        if exe.as_deref().and_then(Path::file_name).is_some_and(|n| n == name) {
            pids.push(pid);
        }
    }
    pids.sort_unstable();
    pids
}

//! A real driver binary as a child process, spoken to over its pipes the way oned does.
//!
//! Every wait is bounded (the driver's patience, [`PATIENCE`] unless set with
//! [`Driver::with_patience`]): a hang fails the test, it is never a performance check. Dropping
//! a [`Driver`] stops its process: killed by its PID at once, or, after
//! [`Driver::finalize_on_drop`], sent `FINALIZE` and given 10 s to exit first.

use driver_proto::proto::{Reply, b64_encode, parse_reply};
use std::ffi::OsStr;
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long a line may take before the test fails, unless [`Driver::with_patience`] says
/// otherwise.
pub const PATIENCE: Duration = Duration::from_secs(20);

/// How long a driver sent `FINALIZE` on drop may take to exit before it is killed.
const FINALIZE_GRACE: Duration = Duration::from_secs(10);

/// What a driver answered to one action ([`Driver::action`]), with the `LOG` lines it sent
/// about it meanwhile.
#[derive(Debug)]
pub struct Answer {
    pub ok: bool,
    pub info: String,
    pub logs: Vec<String>,
}

/// A running driver process.
pub struct Driver {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: Receiver<String>,
    stderr: Arc<Mutex<String>>,
    patience: Duration,
    finalize_on_drop: bool,
}

impl Driver {
    /// Starts `exe` with `args` given as one argv element, as OpenNebula passes `ARGUMENTS`.
    pub fn start(exe: impl AsRef<OsStr>, args: &str) -> Driver {
        Self::spawn(Command::new(exe).arg(args))
    }

    /// Starts `exe` with `args` as separate argv elements, as Nephele's oned passes them.
    pub fn start_split(exe: impl AsRef<OsStr>, args: &[&str]) -> Driver {
        Self::spawn(Command::new(exe).args(args))
    }

    /// Like [`Driver::start_split`] with `env` (name, value) added to the environment.
    pub fn start_env<V: AsRef<OsStr>>(exe: impl AsRef<OsStr>, args: &[&str], env: &[(&str, V)]) -> Driver {
        let mut command = Command::new(exe);
        command.args(args);
        for (name, value) in env {
            command.env(name, value);
        }
        Self::spawn(&mut command)
    }

    /// Starts `command` with its three standard streams piped to this harness.
    pub fn spawn(command: &mut Command) -> Driver {
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("the driver binary {command:?} does not start: {e}"));
        let stdout = child.stdout.take().expect("stdout is piped");
        let stderr = child.stderr.take().expect("stderr is piped");
        let (sender, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if sender.send(line).is_err() {
                    break;
                }
            }
        });
        let collected = Arc::new(Mutex::new(String::new()));
        let sink = Arc::clone(&collected);
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                let Ok(mut text) = sink.lock() else { break };
                text.push_str(&line);
                text.push('\n');
            }
        });
        let stdin = child.stdin.take();
        Driver { child, stdin, lines, stderr: collected, patience: PATIENCE, finalize_on_drop: false }
    }

    /// Sets how long [`Driver::line`] (and everything built on it) waits.
    pub fn with_patience(mut self, patience: Duration) -> Driver {
        self.patience = patience;
        self
    }

    /// On drop, sends `FINALIZE` and waits (bounded) for the driver to exit before killing it.
    pub fn finalize_on_drop(mut self) -> Driver {
        self.finalize_on_drop = true;
        self
    }

    /// The driver's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Writes raw text to the driver's stdin.
    pub fn send(&mut self, text: &str) {
        self.send_bytes(text.as_bytes());
    }

    /// Writes raw bytes to the driver's stdin.
    pub fn send_bytes(&mut self, bytes: &[u8]) {
        let stdin = self.stdin.as_mut().expect("stdin still open");
        stdin.write_all(bytes).expect("write to the driver");
        stdin.flush().expect("flush to the driver");
    }

    /// The next stdout line; fails the test after the driver's patience.
    pub fn line(&self) -> String {
        match self.lines.recv_timeout(self.patience) {
            Ok(line) => line,
            Err(RecvTimeoutError::Timeout) => {
                panic!("no line from the driver within {:?}; stderr: {}", self.patience, self.stderr())
            }
            Err(RecvTimeoutError::Disconnected) => {
                panic!("driver closed stdout; stderr: {}", self.stderr())
            }
        }
    }

    /// The next stdout line, which must parse as a reply.
    pub fn reply(&self) -> Reply {
        let line = self.line();
        parse_reply(&line).unwrap_or_else(|e| panic!("driver wrote {line:?}, not a reply: {e}"))
    }

    /// No stdout line within `wait`.
    pub fn assert_silent_for(&self, wait: Duration) {
        if let Ok(line) = self.lines.recv_timeout(wait) {
            panic!("unexpected line from the driver: {line:?}");
        }
    }

    /// `INIT` and its answer.
    pub fn init(&mut self) {
        self.send("INIT\n");
        let line = self.line();
        assert_eq!(line, "INIT SUCCESS -", "stderr: {}", self.stderr());
    }

    /// Sends one action the way oned writes it (`<verb>  <id> <payload>`) and returns the next
    /// line, whatever it is.
    pub fn call(&mut self, verb: &str, id: i64, payload: &str) -> String {
        self.send(&format!("{verb}  {id} {payload}\n"));
        self.line()
    }

    /// Sends one action and waits for its reply (`<verb> SUCCESS|FAILURE <id> [info]`),
    /// collecting the `LOG` lines about `id` on the way; other lines are skipped.
    pub fn action(&mut self, verb: &str, id: i64, payload: &str) -> Answer {
        self.send(&format!("{verb}  {id} {payload}\n"));
        let id = id.to_string();
        let mut logs = Vec::new();
        let deadline = Instant::now() + self.patience;
        while Instant::now() < deadline {
            let line = self.line();
            let words: Vec<&str> = line.splitn(4, ' ').collect();
            match words.as_slice() {
                ["LOG", _, lid, text] if *lid == id => logs.push(text.to_string()),
                [v, status, rid, info] if *v == verb && *rid == id => {
                    return Answer { ok: *status == "SUCCESS", info: info.to_string(), logs };
                }
                [v, status, rid] if *v == verb && *rid == id => {
                    return Answer { ok: *status == "SUCCESS", info: String::new(), logs };
                }
                _ => {}
            }
        }
        panic!("no reply to {verb} {id} within {:?}; stderr: {}", self.patience, self.stderr());
    }

    /// Closes stdin (end of input).
    pub fn close_stdin(&mut self) {
        self.stdin = None;
    }

    /// Waits (bounded by the patience) for the process to exit by itself.
    pub fn wait_exit(&mut self) -> ExitStatus {
        let deadline = Instant::now() + self.patience;
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                return status;
            }
            assert!(Instant::now() < deadline, "the driver did not exit; stderr: {}", self.stderr());
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Everything written to stderr so far.
    pub fn stderr(&self) -> String {
        self.stderr.lock().map(|s| s.clone()).unwrap_or_default()
    }

    /// Waits (bounded by the patience) until stderr holds `needle`; returns all of stderr.
    pub fn wait_stderr(&self, needle: &str) -> String {
        let deadline = Instant::now() + self.patience;
        loop {
            let text = self.stderr();
            if text.contains(needle) {
                return text;
            }
            assert!(Instant::now() < deadline, "stderr never held {needle:?}: {text}");
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        if self.finalize_on_drop
            && let Some(mut stdin) = self.stdin.take()
        {
            let _ = stdin.write_all(b"FINALIZE\n");
            drop(stdin);
            let started = Instant::now();
            while started.elapsed() < FINALIZE_GRACE {
                if let Ok(Some(_)) = self.child.try_wait() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A VMM payload as oned builds it: base64 of `<VMM_DRIVER_ACTION_DATA>`.
pub fn vmm_payload(vmid: i64, host: &str, migr_host: &str, deploy_id: &str) -> String {
    let element = |name: &str, value: &str| {
        if value.is_empty() { format!("<{name}/>") } else { format!("<{name}>{value}</{name}>") }
    };
    let xml = format!(
        "<VMM_DRIVER_ACTION_DATA>{}{}{}<LOCAL_DEPLOYMENT_FILE>/var/lib/one/vms/{vmid}/deployment.0</LOCAL_DEPLOYMENT_FILE>\
         <REMOTE_DEPLOYMENT_FILE/><CHECKPOINT_FILE/><VM><ID>{vmid}</ID><NAME>vm{vmid}</NAME></VM></VMM_DRIVER_ACTION_DATA>",
        element("HOST", host),
        element("MIGR_HOST", migr_host),
        element("DEPLOY_ID", deploy_id),
    );
    b64_encode(xml.as_bytes())
}

/// An IM payload: base64 of a `<HOST>` document.
pub fn host_payload(hid: i64, name: &str) -> String {
    b64_encode(format!("<HOST><ID>{hid}</ID><NAME>{name}</NAME><IM_MAD>dummy</IM_MAD></HOST>").as_bytes())
}

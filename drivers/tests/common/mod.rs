//! Spawning a real driver binary and talking the protocol to it over pipes.
#![allow(dead_code)] // each test file uses a part

use drivers::proto::{Reply, b64_encode, parse_reply};
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long a reply may take before the test fails (a hang, never a performance check).
pub const PATIENCE: Duration = Duration::from_secs(20);

/// A running driver process.
pub struct Proc {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: Receiver<String>,
    stderr: Arc<Mutex<String>>,
}

impl Proc {
    /// Starts `exe` with `args` given as one argv element, as OpenNebula passes `ARGUMENTS`.
    pub fn start(exe: &str, args: &str) -> Proc {
        Self::spawn(Command::new(exe).arg(args))
    }

    /// Starts `exe` with `args` as separate argv elements, as Nephele's oned passes them.
    pub fn start_split(exe: &str, args: &[&str]) -> Proc {
        Self::spawn(Command::new(exe).args(args))
    }

    /// Like [`Proc::start_split`] with `env` (name, value) added to the environment.
    pub fn start_split_env(exe: &str, args: &[&str], env: &[(&str, &std::path::Path)]) -> Proc {
        let mut command = Command::new(exe);
        command.args(args);
        for (name, value) in env {
            command.env(name, value);
        }
        Self::spawn(&mut command)
    }

    fn spawn(command: &mut Command) -> Proc {
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the driver binary starts");
        let stdout = child.stdout.take().expect("stdout piped");
        let stderr = child.stderr.take().expect("stderr piped");
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
                let mut text = sink.lock().unwrap();
                text.push_str(&line);
                text.push('\n');
            }
        });
        let stdin = child.stdin.take();
        Proc { child, stdin, lines, stderr: collected }
    }

    /// Writes raw text to the driver's stdin.
    pub fn send(&mut self, text: &str) {
        let stdin = self.stdin.as_mut().expect("stdin still open");
        stdin.write_all(text.as_bytes()).expect("write to the driver");
        stdin.flush().expect("flush to the driver");
    }

    /// Writes raw bytes to the driver's stdin.
    pub fn send_bytes(&mut self, bytes: &[u8]) {
        let stdin = self.stdin.as_mut().expect("stdin still open");
        stdin.write_all(bytes).expect("write to the driver");
    }

    /// The next stdout line; fails the test after [`PATIENCE`].
    pub fn line(&self) -> String {
        match self.lines.recv_timeout(PATIENCE) {
            Ok(line) => line,
            Err(RecvTimeoutError::Timeout) => panic!("no line from the driver; stderr: {}", self.stderr()),
            Err(RecvTimeoutError::Disconnected) => panic!("driver closed stdout; stderr: {}", self.stderr()),
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
        assert_eq!(self.line(), "INIT SUCCESS -");
    }

    /// Sends one action the way oned writes it and returns the next line.
    pub fn call(&mut self, verb: &str, id: i64, payload: &str) -> String {
        self.send(&format!("{verb}  {id} {payload}\n"));
        self.line()
    }

    /// Closes stdin (end of input).
    pub fn close_stdin(&mut self) {
        self.stdin = None;
    }

    /// Waits for the process to exit by itself.
    pub fn wait_exit(&mut self) -> ExitStatus {
        let deadline = Instant::now() + PATIENCE;
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
        self.stderr.lock().unwrap().clone()
    }

    /// Waits until stderr holds `needle`.
    pub fn wait_stderr(&self, needle: &str) -> String {
        let deadline = Instant::now() + PATIENCE;
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

impl Drop for Proc {
    fn drop(&mut self) {
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

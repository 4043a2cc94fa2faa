//! `one_qmp`: the `kvm` driver's helper for QEMU's QMP socket (shipped with the remotes as
//! `vmm/kvm/one_qmp`; the scripts need no Python or socat on hosts). See `share/doc/kvm.md`.
//!
//! ```text
//! one_qmp [--timeout SECS] SOCKET COMMAND [JSON-OBJECT | KEY=STRING | KEY:=JSON | --stdin-arg KEY]...
//! one_qmp [--timeout SECS] SOCKET --wait-state STATE[,STATE...]
//! one_qmp [--timeout SECS] SOCKET --save FILE | --load FILE | --stats
//! one_qmp [--timeout SECS] --wait-exit PID
//! ```
//!
//! Exit 0: done (a command's `return` as compact JSON on stdout; `--wait-state` prints the state
//! reached or `gone`, `--wait-exit` prints `gone`, `--stats` its line, `--save`/`--load` nothing). Exit 1: QEMU refused (`class: desc` on stderr) or the migration of
//! `--save` / `--load` failed. Exit 2: usage, connection, protocol or timeout trouble (a
//! message on stderr). Every run is bounded by `--timeout` (default 10 s) as a whole.

use drivers::qmp::{
    Client, ClientError, Invocation, Mode, QmpError, USAGE, block_totals, migration_status, parse_cli, run_state,
};
use nix::errno::Errno;
use nix::sys::socket::{
    AddressFamily, ControlMessage, MsgFlags, SockFlag, SockType, UnixAddr, connect, sendmsg, socket,
};
use serde_json::{Map, Value, json};
use std::io::{self, BufReader, IoSlice, Write};
use std::os::fd::{AsRawFd, RawFd};
use std::os::unix::fs::OpenOptionsExt;
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::time::{Duration, Instant};

/// Between two `query-status` of `--wait-state` (each on a new connection, so that the monitor
/// is free for other clients, e.g. the host's monitoring probe, in between).
const STATE_POLL: Duration = Duration::from_millis(100);
/// Between two `query-migrate` of `--save` / `--load`, and two looks of `--wait-exit`.
const FAST_POLL: Duration = Duration::from_millis(20);
/// The name under which the migration's file descriptor is handed to QEMU (`getfd`).
const FD_NAME: &str = "nephele-migration";
/// `max-bandwidth` for `--save` (bytes/s): QEMU's default (32 MiB/s) would make saving a large
/// guest slow for no reason, the file is local.
const SAVE_BANDWIDTH: u64 = 1 << 40;

type Session = Client<BufReader<UnixStream>, UnixStream>;

/// Why a run did not succeed.
enum Failure {
    /// QEMU answered with an error (exit 1, `class: desc`).
    Qmp(QmpError),
    /// The operation ran and failed (exit 1).
    Failed(String),
    /// Usage, connection, protocol or timeout trouble (exit 2).
    Trouble(String),
}

fn main() {
    let words: Vec<String> = std::env::args().skip(1).collect();
    let inv = match parse_cli(&words) {
        Ok(inv) => inv,
        Err(e) => {
            eprintln!("one_qmp: {e}\n{USAGE}");
            std::process::exit(2);
        }
    };
    let code = match run(&inv) {
        Ok(out) => {
            if !out.is_empty() {
                let mut stdout = io::stdout().lock();
                let _ = writeln!(stdout, "{out}").and_then(|()| stdout.flush());
            }
            0
        }
        Err(Failure::Qmp(e)) => {
            eprintln!("{e}");
            1
        }
        Err(Failure::Failed(m)) => {
            eprintln!("one_qmp: {m}");
            1
        }
        Err(Failure::Trouble(m)) => {
            eprintln!("one_qmp: {m}");
            2
        }
    };
    std::process::exit(code);
}

fn run(inv: &Invocation) -> Result<String, Failure> {
    let deadline = Instant::now() + inv.timeout;
    let secs = inv.timeout.as_secs_f64();
    match &inv.mode {
        Mode::Command { socket, name, arguments, stdin_arg } => {
            let mut arguments = arguments.clone();
            if let Some(key) = stdin_arg {
                arguments.insert(key.clone(), Value::String(read_stdin_value()?));
            }
            let mut s = open(socket, deadline, secs)?;
            let value = exec(&mut s, name, &arguments, deadline).map_err(|e| failure(e, socket, secs))?;
            Ok(value.to_string())
        }
        Mode::WaitState { socket, states } => wait_state(socket, states, deadline, secs),
        Mode::WaitExit { pid } => wait_exit(*pid, deadline, secs),
        Mode::Stats { socket } => {
            let mut s = open(socket, deadline, secs)?;
            let mut q = |name: &str| exec(&mut s, name, &Map::new(), deadline).map_err(|e| failure(e, socket, secs));
            let status = q("query-status")?;
            let blocks = q("query-blockstats")?;
            let t = block_totals(&blocks);
            Ok(format!(
                "RUNSTATE={} DISKRDBYTES={} DISKWRBYTES={} DISKRDIOPS={} DISKWRIOPS={}",
                run_state(&status).unwrap_or("unknown"),
                t.rd_bytes,
                t.wr_bytes,
                t.rd_operations,
                t.wr_operations
            ))
        }
        Mode::Save { socket, file } => {
            let out = std::fs::OpenOptions::new()
                .write(true)
                .create(true)
                .truncate(true)
                .mode(0o600)
                .open(file)
                .map_err(|e| Failure::Failed(format!("cannot create {}: {e}", file.display())))?;
            let mut s = open(socket, deadline, secs)?;
            let mut params = Map::new();
            params.insert("max-bandwidth".into(), json!(SAVE_BANDWIDTH));
            exec(&mut s, "migrate-set-parameters", &params, deadline).map_err(|e| failure(e, socket, secs))?;
            migrate(&mut s, socket, "migrate", out.as_raw_fd(), deadline, secs)?;
            out.sync_all().map_err(|e| Failure::Failed(format!("cannot write {}: {e}", file.display())))?;
            Ok(String::new())
        }
        Mode::Load { socket, file } => {
            let input = std::fs::File::open(file)
                .map_err(|e| Failure::Failed(format!("cannot open {}: {e}", file.display())))?;
            let mut s = open(socket, deadline, secs)?;
            migrate(&mut s, socket, "migrate-incoming", input.as_raw_fd(), deadline, secs)?;
            Ok(String::new())
        }
    }
}

/// The value of `--stdin-arg`: stdin as text (at most 64 KiB), one final newline dropped.
fn read_stdin_value() -> Result<String, Failure> {
    use std::io::Read;
    let mut data = Vec::new();
    io::stdin()
        .lock()
        .take(64 * 1024 + 1)
        .read_to_end(&mut data)
        .map_err(|e| Failure::Trouble(format!("cannot read stdin: {e}")))?;
    if data.len() > 64 * 1024 {
        return Err(Failure::Trouble("the value on stdin is longer than 64 KiB".into()));
    }
    let mut text = String::from_utf8(data).map_err(|_| Failure::Trouble("the value on stdin is not UTF-8".into()))?;
    if text.ends_with('\n') {
        text.pop();
    }
    Ok(text)
}

/// Connects to `socket` and negotiates; QEMU not being there is trouble.
fn open(socket: &Path, deadline: Instant, secs: f64) -> Result<Session, Failure> {
    match open_or_gone(socket, deadline, secs)? {
        Some(s) => Ok(s),
        None => Err(Failure::Trouble(format!("cannot connect to {}: QEMU is not running", socket.display()))),
    }
}

/// `Ok(None)`: nobody is there (no socket file, or no listener on it).
fn open_or_gone(socket: &Path, deadline: Instant, secs: f64) -> Result<Option<Session>, Failure> {
    let trouble = |what: String| Failure::Trouble(format!("cannot connect to {}: {what}", socket.display()));
    let addr = UnixAddr::new(socket).map_err(|e| match e {
        Errno::ENAMETOOLONG => trouble("the path is too long for a Unix socket (at most 107 bytes)".into()),
        e => trouble(e.desc().into()),
    })?;
    let fd = socket_fd().map_err(|e| trouble(e.desc().into()))?;
    loop {
        match connect(fd.as_raw_fd(), &addr) {
            Ok(()) => break,
            Err(Errno::EINTR) => {}
            // the listen queue is full (QEMU serves one monitor client at a time)
            Err(Errno::EAGAIN) => {
                if Instant::now() >= deadline {
                    return Err(Failure::Trouble(format!(
                        "timed out after {secs} s connecting to {} (the monitor is busy)",
                        socket.display()
                    )));
                }
                std::thread::sleep(Duration::from_millis(5));
            }
            Err(Errno::ENOENT | Errno::ECONNREFUSED) => return Ok(None),
            Err(e) => return Err(trouble(e.desc().into())),
        }
    }
    let stream = UnixStream::from(fd);
    stream.set_nonblocking(false).map_err(|e| trouble(e.to_string()))?;
    let reader = stream.try_clone().map_err(|e| trouble(e.to_string()))?;
    set_timeouts(&stream, deadline).map_err(|e| failure(e, socket, secs))?;
    match Client::connect(BufReader::new(reader), stream) {
        Ok((client, _greeting)) => Ok(Some(client)),
        Err(ClientError::Timeout) => Err(Failure::Trouble(format!(
            "timed out after {secs} s waiting for QEMU's greeting on {} (is another client using the monitor?)",
            socket.display()
        ))),
        Err(e) => Err(failure(e, socket, secs)),
    }
}

fn socket_fd() -> Result<std::os::fd::OwnedFd, Errno> {
    socket(AddressFamily::Unix, SockType::Stream, SockFlag::SOCK_CLOEXEC | SockFlag::SOCK_NONBLOCK, None)
}

/// Read and write timeouts of the socket: what is left until `deadline`.
fn set_timeouts(stream: &UnixStream, deadline: Instant) -> Result<(), ClientError> {
    let left = deadline.saturating_duration_since(Instant::now());
    if left.is_zero() {
        return Err(ClientError::Timeout);
    }
    stream.set_read_timeout(Some(left))?;
    stream.set_write_timeout(Some(left))?;
    Ok(())
}

fn exec(s: &mut Session, name: &str, args: &Map<String, Value>, deadline: Instant) -> Result<Value, ClientError> {
    set_timeouts(s.writer(), deadline)?;
    s.execute(name, args)
}

fn failure(e: ClientError, socket: &Path, secs: f64) -> Failure {
    match e {
        ClientError::Qmp(e) => Failure::Qmp(e),
        ClientError::Timeout => Failure::Trouble(format!("timed out after {secs} s talking to {}", socket.display())),
        ClientError::Closed => Failure::Trouble(format!("QEMU closed the connection on {}", socket.display())),
        e => Failure::Trouble(format!("{}: {e}", socket.display())),
    }
}

fn wait_state(socket: &Path, states: &[String], deadline: Instant, secs: f64) -> Result<String, Failure> {
    if let Err(e) = UnixAddr::new(socket) {
        return Err(Failure::Trouble(format!("cannot connect to {}: {}", socket.display(), e.desc())));
    }
    let mut last = String::from("unknown");
    let mut trouble = String::new();
    loop {
        match open_or_gone(socket, deadline, secs) {
            Ok(None) => return Ok("gone".into()),
            Ok(Some(mut s)) => match exec(&mut s, "query-status", &Map::new(), deadline) {
                Ok(v) => {
                    last = run_state(&v).unwrap_or("unknown").to_string();
                    if states.contains(&last) {
                        return Ok(last);
                    }
                }
                Err(ClientError::Qmp(e)) => return Err(Failure::Qmp(e)),
                // closed while quitting, or slow: look again
                Err(_) => {}
            },
            // busy or slow: look again until the deadline
            Err(Failure::Trouble(m)) => {
                if Instant::now() < deadline {
                    trouble = m;
                }
            }
            Err(e) => return Err(e),
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            let why = if trouble.is_empty() { String::new() } else { format!("; last trouble: {trouble}") };
            return Err(Failure::Trouble(format!(
                "timed out after {secs} s waiting for the run state {} (it is {last}){why}",
                states.join(" or ")
            )));
        }
        std::thread::sleep(STATE_POLL.min(left));
    }
}

/// True when process `pid` is gone (or a zombie nobody reaped yet).
fn process_gone(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        Ok(stat) => {
            let state = stat.rsplit_once(')').and_then(|(_, rest)| rest.split_whitespace().next());
            matches!(state, Some("Z" | "X" | "x"))
        }
    }
}

fn wait_exit(pid: u32, deadline: Instant, secs: f64) -> Result<String, Failure> {
    loop {
        if process_gone(pid) {
            return Ok("gone".into());
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(Failure::Trouble(format!("process {pid} is still running after {secs} s")));
        }
        std::thread::sleep(FAST_POLL.min(left));
    }
}

/// Hands `fd` to QEMU (`getfd`, the descriptor attached to the command with SCM_RIGHTS), starts
/// `command` (`migrate` or `migrate-incoming`) on it and waits for `completed`.
fn migrate(
    s: &mut Session,
    socket: &Path,
    command: &str,
    fd: RawFd,
    deadline: Instant,
    secs: f64,
) -> Result<(), Failure> {
    let mut name = Map::new();
    name.insert("fdname".into(), json!(FD_NAME));
    set_timeouts(s.writer(), deadline).map_err(|e| failure(e, socket, secs))?;
    s.execute_via("getfd", &name, |stream, bytes| send_with_fd(stream, bytes, fd))
        .map_err(|e| failure(e, socket, secs))?;
    let mut uri = Map::new();
    uri.insert("uri".into(), json!(format!("fd:{FD_NAME}")));
    exec(s, command, &uri, deadline).map_err(|e| failure(e, socket, secs))?;
    loop {
        let info = exec(s, "query-migrate", &Map::new(), deadline);
        let info = match info {
            Ok(info) => info,
            Err(ClientError::Timeout) => break,
            Err(e) => return Err(failure(e, socket, secs)),
        };
        match migration_status(&info) {
            (status, _) if status == "completed" => return Ok(()),
            (status, desc) if status == "failed" || status == "cancelled" => {
                return Err(Failure::Failed(format!(
                    "{command} {status}: {}",
                    desc.unwrap_or_else(|| "QEMU gave no reason".into())
                )));
            }
            _ => {}
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            break;
        }
        std::thread::sleep(FAST_POLL.min(left));
    }
    if command == "migrate" {
        // best effort: the VM must not go on writing into the file after we gave up
        let _ = s.writer().set_read_timeout(Some(Duration::from_secs(1)));
        let _ = s.execute("migrate_cancel", &Map::new());
    }
    Err(Failure::Trouble(format!("timed out after {secs} s waiting for {command} to complete")))
}

/// Writes `bytes` to `stream` with `fd` attached (SCM_RIGHTS), as QMP's `getfd` expects.
fn send_with_fd(stream: &mut UnixStream, bytes: &[u8], fd: RawFd) -> io::Result<()> {
    let iov = [IoSlice::new(bytes)];
    let fds = [fd];
    let cmsg = [ControlMessage::ScmRights(&fds)];
    let sent = loop {
        match sendmsg::<UnixAddr>(stream.as_raw_fd(), &iov, &cmsg, MsgFlags::empty(), None) {
            Ok(n) => break n,
            Err(Errno::EINTR) => {}
            Err(e) => return Err(io::Error::from(e)),
        }
    };
    stream.write_all(&bytes[sent..])?;
    stream.flush()
}

//! QMP, the QEMU Machine Protocol, as the `kvm` driver's helper `one_qmp` speaks it (pure: no
//! sockets here; `src/bin/one_qmp.rs` does the I/O).
//!
//! The protocol: QEMU greets each client with one line `{"QMP": {"version": …,
//! "capabilities": […]}}`; the client leaves negotiation mode with `qmp_capabilities`; then each
//! command `{"execute": NAME, "arguments": {…}, "id": ID}` is answered by one line
//! `{"return": VALUE, "id": ID}` or `{"error": {"class": C, "desc": D}, "id": ID}`. Asynchronous
//! events (`{"event": NAME, "data": …, "timestamp": …}`) may come at any time, also between a
//! command and its reply: [`Client`] skips them. Messages are JSON objects, one a line (QEMU ends
//! them with `\r\n`).
//!
//! - [`decode`] / [`encode_command`]: one line ↔ one [`Message`].
//! - [`parse_arguments`]: the command line's arguments (a JSON object, or `KEY=STRING` and
//!   `KEY:=JSON` words, so that a shell script never has to quote JSON).
//! - [`Client`]: greeting, negotiation and commands over any `BufRead` + `Write` (the binary
//!   gives it a Unix socket with read timeouts; the tests give it buffers).
//! - [`parse_cli`]: the command line of `one_qmp` (see `share/doc/kvm.md`).
//! - [`run_state`], [`block_totals`], [`migration_status`]: what the modes read from replies.

use serde_json::{Map, Value};
use std::fmt;
use std::io::{self, BufRead, Read, Write};
use std::path::PathBuf;
use std::time::Duration;

/// The longest line accepted from QEMU (a `query-*` reply of a large VM is a few KiB).
pub const MAX_LINE: usize = 16 << 20;

/// A QMP error reply: its `class` and `desc`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QmpError {
    pub class: String,
    pub desc: String,
}

impl fmt::Display for QmpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.class, self.desc)
    }
}

/// The greeting: QEMU's version (`major.minor.micro`) and the capabilities it offers.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Greeting {
    pub version: String,
    pub capabilities: Vec<String>,
}

/// One message from QEMU.
#[derive(Debug, Clone, PartialEq)]
pub enum Message {
    Greeting(Greeting),
    /// A successful reply (`id` as sent, when one was).
    Return {
        id: Option<Value>,
        value: Value,
    },
    /// A failed reply.
    Error {
        id: Option<Value>,
        error: QmpError,
    },
    /// An asynchronous event.
    Event {
        name: String,
        data: Value,
    },
}

/// A line that is not a QMP message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error("not JSON: {0}")]
    Json(String),
    #[error("not a JSON object")]
    NotObject,
    #[error("not a QMP message (keys: {0})")]
    Unknown(String),
}

/// Decodes one line (surrounding blanks and the `\r\n` ignored).
pub fn decode(line: &str) -> Result<Message, DecodeError> {
    let value: Value = serde_json::from_str(line.trim()).map_err(|e| DecodeError::Json(e.to_string()))?;
    let Value::Object(mut obj) = value else {
        return Err(DecodeError::NotObject);
    };
    let id = obj.remove("id");
    if let Some(value) = obj.remove("return") {
        return Ok(Message::Return { id, value });
    }
    if let Some(error) = obj.remove("error") {
        let text = |k: &str| error.get(k).and_then(Value::as_str).unwrap_or_default().to_string();
        let class = text("class");
        let desc = text("desc");
        let class = if class.is_empty() { "GenericError".to_string() } else { class };
        return Ok(Message::Error { id, error: QmpError { class, desc } });
    }
    if let Some(name) = obj.get("event").and_then(Value::as_str) {
        let name = name.to_string();
        return Ok(Message::Event { name, data: obj.remove("data").unwrap_or(Value::Null) });
    }
    if let Some(qmp) = obj.get("QMP") {
        let v = qmp.get("version").and_then(|v| v.get("qemu"));
        let n = |k: &str| v.and_then(|v| v.get(k)).and_then(Value::as_u64).unwrap_or(0);
        let version = if v.is_some() { format!("{}.{}.{}", n("major"), n("minor"), n("micro")) } else { String::new() };
        let capabilities = qmp
            .get("capabilities")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).map(str::to_string).collect())
            .unwrap_or_default();
        return Ok(Message::Greeting(Greeting { version, capabilities }));
    }
    let keys: Vec<&str> = obj.keys().map(String::as_str).collect();
    Err(DecodeError::Unknown(keys.join(",")))
}

/// A QMP command name: `[A-Za-z0-9_-]+` (what QEMU's schema uses).
pub fn is_command_name(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// One command line (ending in `\n`); the arguments are left out when empty.
pub fn encode_command(name: &str, arguments: &Map<String, Value>, id: &str) -> String {
    let mut cmd = Map::new();
    cmd.insert("execute".into(), Value::String(name.to_string()));
    if !arguments.is_empty() {
        cmd.insert("arguments".into(), Value::Object(arguments.clone()));
    }
    cmd.insert("id".into(), Value::String(id.to_string()));
    let mut line = Value::Object(cmd).to_string();
    line.push('\n');
    line
}

/// The arguments of a command from command-line words: one word that is a JSON object, and/or
/// `KEY=STRING` (the rest of the word, verbatim, as a JSON string) and `KEY:=JSON` words, merged
/// in order (a later key replaces an earlier one).
pub fn parse_arguments(words: &[String]) -> Result<Map<String, Value>, String> {
    let mut out = Map::new();
    for word in words {
        if word.trim_start().starts_with('{') {
            match serde_json::from_str::<Value>(word) {
                Ok(Value::Object(obj)) => out.extend(obj),
                Ok(_) => return Err(format!("not a JSON object: {word}")),
                Err(e) => return Err(format!("the arguments are not valid JSON ({e}): {word}")),
            }
            continue;
        }
        let Some(eq) = word.find('=') else {
            return Err(format!("an argument is a JSON object, KEY=STRING or KEY:=JSON, not '{word}'"));
        };
        let (key, value) = (&word[..eq], &word[eq + 1..]);
        let (key, value) = match key.strip_suffix(':') {
            Some(key) => {
                let json = serde_json::from_str::<Value>(value).map_err(|e| format!("{key}:= needs JSON ({e})"))?;
                (key, json)
            }
            None => (key, Value::String(value.to_string())),
        };
        if !is_command_name(key) {
            return Err(format!("invalid argument name '{key}'"));
        }
        out.insert(key.to_string(), value);
    }
    Ok(out)
}

/// What went wrong talking to QEMU.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// QEMU answered with an error.
    #[error("{0}")]
    Qmp(QmpError),
    /// No complete message before the read timeout.
    #[error("timed out waiting for QEMU")]
    Timeout,
    /// QEMU closed the connection (it quit, or another client holds the monitor).
    #[error("QEMU closed the connection")]
    Closed,
    #[error("QMP protocol error: {0}")]
    Protocol(String),
    #[error("{0}")]
    Io(io::Error),
}

impl From<io::Error> for ClientError {
    fn from(e: io::Error) -> ClientError {
        match e.kind() {
            io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut => ClientError::Timeout,
            io::ErrorKind::BrokenPipe | io::ErrorKind::ConnectionReset | io::ErrorKind::UnexpectedEof => {
                ClientError::Closed
            }
            _ => ClientError::Io(e),
        }
    }
}

/// A negotiated QMP session over `reader` (QEMU's output) and `writer` (its input).
pub struct Client<R, W> {
    reader: R,
    writer: W,
    next_id: u64,
    /// How many events were skipped (for tests and diagnostics).
    pub events_skipped: usize,
}

impl<R: BufRead, W: Write> Client<R, W> {
    /// Reads the greeting and leaves negotiation mode (`qmp_capabilities`).
    pub fn connect(reader: R, writer: W) -> Result<(Client<R, W>, Greeting), ClientError> {
        let mut client = Client { reader, writer, next_id: 0, events_skipped: 0 };
        let greeting = loop {
            match client.read_message()? {
                Message::Greeting(g) => break g,
                Message::Event { .. } => client.events_skipped += 1,
                other => return Err(ClientError::Protocol(format!("expected the QMP greeting, got {other:?}"))),
            }
        };
        client.execute("qmp_capabilities", &Map::new())?;
        Ok((client, greeting))
    }

    /// The writing side (e.g. to set a socket's timeouts).
    pub fn writer(&mut self) -> &mut W {
        &mut self.writer
    }

    /// Runs one command and returns its `return` value.
    pub fn execute(&mut self, name: &str, arguments: &Map<String, Value>) -> Result<Value, ClientError> {
        self.execute_via(name, arguments, |w, bytes| w.write_all(bytes).and_then(|()| w.flush()))
    }

    /// [`Client::execute`], writing the command line with `send` (e.g. `sendmsg` with a file
    /// descriptor attached, for `getfd`).
    pub fn execute_via(
        &mut self,
        name: &str,
        arguments: &Map<String, Value>,
        send: impl FnOnce(&mut W, &[u8]) -> io::Result<()>,
    ) -> Result<Value, ClientError> {
        if !is_command_name(name) {
            return Err(ClientError::Protocol(format!("invalid command name '{name}'")));
        }
        self.next_id += 1;
        let id = format!("nephele-{}", self.next_id);
        send(&mut self.writer, encode_command(name, arguments, &id).as_bytes())?;
        loop {
            match self.read_message()? {
                Message::Event { .. } => self.events_skipped += 1,
                Message::Return { id: got, value } if matches_id(&got, &id) => return Ok(value),
                Message::Error { id: got, error } if matches_id(&got, &id) => return Err(ClientError::Qmp(error)),
                // a late reply to something else: not ours
                Message::Return { .. } | Message::Error { .. } => {}
                Message::Greeting(_) => return Err(ClientError::Protocol("a second greeting".into())),
            }
        }
    }

    /// The next message (a line that is not one is a protocol error).
    fn read_message(&mut self) -> Result<Message, ClientError> {
        loop {
            let mut line = Vec::new();
            let n = (&mut self.reader).take(MAX_LINE as u64 + 1).read_until(b'\n', &mut line)?;
            if n == 0 {
                return Err(ClientError::Closed);
            }
            if line.len() > MAX_LINE {
                return Err(ClientError::Protocol(format!("a line longer than {MAX_LINE} bytes")));
            }
            if !line.ends_with(b"\n") {
                return Err(ClientError::Closed);
            }
            let text = String::from_utf8_lossy(&line);
            if text.trim().is_empty() {
                continue;
            }
            return decode(&text).map_err(|e| ClientError::Protocol(e.to_string()));
        }
    }
}

/// A reply belongs to the command `id` when it echoes it (QEMU always does; a reply without an
/// id is taken as the answer too, as QEMU answers in order).
fn matches_id(got: &Option<Value>, id: &str) -> bool {
    match got {
        None => true,
        Some(v) => v.as_str() == Some(id),
    }
}

/// The run state (`status`) of a `query-status` reply.
pub fn run_state(value: &Value) -> Option<&str> {
    value.get("status").and_then(Value::as_str)
}

/// Totals of a `query-blockstats` reply over its devices (their own `stats`, not those of the
/// nodes below them).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BlockTotals {
    pub rd_bytes: u64,
    pub wr_bytes: u64,
    pub rd_operations: u64,
    pub wr_operations: u64,
}

pub fn block_totals(value: &Value) -> BlockTotals {
    let mut t = BlockTotals::default();
    for dev in value.as_array().into_iter().flatten() {
        let n = |k: &str| dev.get("stats").and_then(|s| s.get(k)).and_then(Value::as_u64).unwrap_or(0);
        t.rd_bytes = t.rd_bytes.saturating_add(n("rd_bytes"));
        t.wr_bytes = t.wr_bytes.saturating_add(n("wr_bytes"));
        t.rd_operations = t.rd_operations.saturating_add(n("rd_operations"));
        t.wr_operations = t.wr_operations.saturating_add(n("wr_operations"));
    }
    t
}

/// The `status` of a `query-migrate` reply (`""` before any migration) and its `error-desc`.
pub fn migration_status(value: &Value) -> (String, Option<String>) {
    let status = value.get("status").and_then(Value::as_str).unwrap_or_default().to_string();
    let desc = value.get("error-desc").and_then(Value::as_str).map(str::to_string);
    (status, desc)
}

/// The default bound of a whole `one_qmp` run.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// What `one_qmp` was asked to do.
#[derive(Debug, Clone, PartialEq)]
pub enum Mode {
    /// `SOCKET COMMAND [ARG…]`: one command; its `return` printed as JSON. `--stdin-arg KEY`
    /// among the arguments: KEY's string value is the standard input (one final newline
    /// dropped), so that a secret never appears in a command line.
    Command { socket: PathBuf, name: String, arguments: Map<String, Value>, stdin_arg: Option<String> },
    /// `SOCKET --wait-state S[,S…]`: `query-status` until the run state is one of them
    /// (printed), or QEMU is gone (`gone` printed).
    WaitState { socket: PathBuf, states: Vec<String> },
    /// `--wait-exit PID`: until the process is gone (or a zombie).
    WaitExit { pid: u32 },
    /// `SOCKET --save FILE`: the VM's state into FILE (created or truncated, mode 0600) through
    /// a file descriptor (`getfd` + `migrate fd:`), until the migration completed.
    Save { socket: PathBuf, file: PathBuf },
    /// `SOCKET --load FILE`: `migrate-incoming` from FILE (QEMU started with `-incoming defer`),
    /// until the migration completed.
    Load { socket: PathBuf, file: PathBuf },
    /// `SOCKET --stats`: `RUNSTATE=<status> DISKRDBYTES=… DISKWRBYTES=… DISKRDIOPS=…
    /// DISKWRIOPS=…` on one line.
    Stats { socket: PathBuf },
}

/// A parsed `one_qmp` command line.
#[derive(Debug, Clone, PartialEq)]
pub struct Invocation {
    pub timeout: Duration,
    pub mode: Mode,
}

/// The usage text of `one_qmp`.
pub const USAGE: &str =
    "usage: one_qmp [--timeout SECS] SOCKET COMMAND [JSON-OBJECT | KEY=STRING | KEY:=JSON | --stdin-arg KEY]...
       one_qmp [--timeout SECS] SOCKET --wait-state STATE[,STATE...]
       one_qmp [--timeout SECS] SOCKET --save FILE | --load FILE | --stats
       one_qmp [--timeout SECS] --wait-exit PID";

/// Parses the words after the program name.
pub fn parse_cli(words: &[String]) -> Result<Invocation, String> {
    let mut timeout = DEFAULT_TIMEOUT;
    let mut rest = words;
    while let Some(first) = rest.first() {
        let value = if first == "--timeout" {
            let v = rest.get(1).ok_or("--timeout needs a number of seconds")?;
            rest = &rest[2..];
            v.as_str()
        } else if let Some(v) = first.strip_prefix("--timeout=") {
            rest = &rest[1..];
            v
        } else {
            break;
        };
        timeout = parse_seconds(value)?;
    }
    let (first, rest) = rest.split_first().ok_or("a socket (or --wait-exit PID) is needed")?;
    if first == "--wait-exit" {
        let [pid] = rest else { return Err("--wait-exit needs exactly one PID".into()) };
        let pid = pid.parse::<u32>().ok().filter(|p| *p > 0).ok_or_else(|| format!("invalid PID '{pid}'"))?;
        return Ok(Invocation { timeout, mode: Mode::WaitExit { pid } });
    }
    if first.starts_with('-') {
        return Err(format!("unknown option {first}"));
    }
    if first.is_empty() {
        return Err("an empty socket path".into());
    }
    let socket = PathBuf::from(first);
    let (what, args) = rest.split_first().ok_or("a command (or --wait-state, --save, --load, --stats) is needed")?;
    let one = |opt: &str| -> Result<&String, String> {
        match args {
            [v] if !v.is_empty() => Ok(v),
            _ => Err(format!("{opt} needs exactly one value")),
        }
    };
    let mode = match what.as_str() {
        "--wait-state" => {
            let states: Vec<String> =
                one("--wait-state")?.split(',').map(str::trim).filter(|s| !s.is_empty()).map(String::from).collect();
            if states.is_empty() || !states.iter().all(|s| is_command_name(s)) {
                return Err("--wait-state needs run state names (e.g. running,paused)".into());
            }
            Mode::WaitState { socket, states }
        }
        "--save" => Mode::Save { socket, file: PathBuf::from(one("--save")?) },
        "--load" => Mode::Load { socket, file: PathBuf::from(one("--load")?) },
        "--stats" if args.is_empty() => Mode::Stats { socket },
        "--stats" => return Err("--stats takes no value".into()),
        opt if opt.starts_with('-') => return Err(format!("unknown option {opt}")),
        name if !is_command_name(name) => return Err(format!("invalid command name '{name}'")),
        name => {
            let mut words = Vec::new();
            let mut stdin_arg = None;
            let mut it = args.iter();
            while let Some(word) = it.next() {
                if word == "--stdin-arg" {
                    let key = it.next().filter(|k| is_command_name(k)).ok_or("--stdin-arg needs an argument name")?;
                    if stdin_arg.replace(key.clone()).is_some() {
                        return Err("--stdin-arg may be given once".into());
                    }
                } else {
                    words.push(word.clone());
                }
            }
            Mode::Command { socket, name: name.to_string(), arguments: parse_arguments(&words)?, stdin_arg }
        }
    };
    Ok(Invocation { timeout, mode })
}

fn parse_seconds(text: &str) -> Result<Duration, String> {
    text.parse::<f64>()
        .ok()
        .filter(|s| s.is_finite() && *s > 0.0 && *s <= 86_400.0)
        .map(Duration::from_secs_f64)
        .ok_or_else(|| format!("invalid timeout '{text}' (seconds, more than 0, at most 86400)"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;
    use std::io::Cursor;

    const GREETING: &str = r#"{"QMP": {"version": {"qemu": {"micro": 22, "minor": 2, "major": 7}, "package": "Debian 1:7.2+dfsg-7+deb12u18+b3"}, "capabilities": ["oob"]}}"#;

    fn w(words: &[&str]) -> Vec<String> {
        words.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn decodes_what_qemu_sends() {
        assert_eq!(
            decode(&format!("{GREETING}\r\n")).unwrap(),
            Message::Greeting(Greeting { version: "7.2.22".into(), capabilities: vec!["oob".into()] })
        );
        assert_eq!(
            decode(r#"{"return": {"status": "running", "singlestep": false, "running": true}, "id": "nephele-2"}"#)
                .unwrap(),
            Message::Return {
                id: Some(json!("nephele-2")),
                value: json!({"status": "running", "singlestep": false, "running": true})
            }
        );
        assert_eq!(decode(r#"{"return": {}}"#).unwrap(), Message::Return { id: None, value: json!({}) });
        assert_eq!(
            decode(r#"{"id": 7, "error": {"class": "CommandNotFound", "desc": "The command foo has not been found"}}"#)
                .unwrap(),
            Message::Error {
                id: Some(json!(7)),
                error: QmpError { class: "CommandNotFound".into(), desc: "The command foo has not been found".into() }
            }
        );
        assert_eq!(
            decode(r#"{"timestamp": {"seconds": 1, "microseconds": 2}, "event": "STOP"}"#).unwrap(),
            Message::Event { name: "STOP".into(), data: Value::Null }
        );
        assert_eq!(
            decode(r#"{"event": "SHUTDOWN", "data": {"guest": true, "reason": "guest-shutdown"}, "timestamp": {}}"#)
                .unwrap(),
            Message::Event { name: "SHUTDOWN".into(), data: json!({"guest": true, "reason": "guest-shutdown"}) }
        );
        assert!(matches!(decode("[1]"), Err(DecodeError::NotObject)));
        assert!(matches!(decode("{\"foo\": 1}"), Err(DecodeError::Unknown(k)) if k == "foo"));
        assert!(matches!(decode("{\"return\""), Err(DecodeError::Json(_))));
        assert_eq!(
            QmpError { class: "GenericError".into(), desc: "no VNC".into() }.to_string(),
            "GenericError: no VNC"
        );
    }

    #[test]
    fn encodes_one_line_commands() {
        assert_eq!(encode_command("query-status", &Map::new(), "n1"), "{\"execute\":\"query-status\",\"id\":\"n1\"}\n");
        let args = parse_arguments(&w(&["protocol=vnc", "password=a\"b\\c\nd"])).unwrap();
        let line = encode_command("set_password", &args, "n2");
        assert_eq!(line.matches('\n').count(), 1, "{line}");
        let back: Value = serde_json::from_str(&line).unwrap();
        assert_eq!(back["arguments"]["password"], "a\"b\\c\nd");
        assert_eq!(back["arguments"]["protocol"], "vnc");
    }

    #[test]
    fn arguments_from_words() {
        assert_eq!(
            parse_arguments(&w(&[r#"{"a": 1, "b": "x"}"#, "b=y", "c:=true", "d:=[1,2]", "e=", "f=a=b"])).unwrap(),
            json!({"a": 1, "b": "y", "c": true, "d": [1, 2], "e": "", "f": "a=b"}).as_object().unwrap().clone()
        );
        assert!(parse_arguments(&w(&["[1]"])).is_err());
        assert!(parse_arguments(&w(&["{nope"])).unwrap_err().contains("not valid JSON"));
        assert!(parse_arguments(&w(&["plain"])).unwrap_err().contains("KEY=STRING"));
        assert!(parse_arguments(&w(&["a:=nope"])).unwrap_err().contains("needs JSON"));
        assert!(parse_arguments(&w(&["=x"])).unwrap_err().contains("invalid argument name"));
        assert!(parse_arguments(&w(&["a b=x"])).unwrap_err().contains("invalid argument name"));
    }

    /// A client over canned QEMU output; returns what it wrote.
    fn session(qemu: &str, run: impl FnOnce(&mut Client<Cursor<Vec<u8>>, &mut Vec<u8>>)) -> String {
        let mut written = Vec::new();
        let (mut client, greeting) = Client::connect(Cursor::new(qemu.as_bytes().to_vec()), &mut written).unwrap();
        assert_eq!(greeting.version, "7.2.22");
        run(&mut client);
        drop(client);
        String::from_utf8(written).unwrap()
    }

    #[test]
    fn negotiates_and_skips_events_before_a_reply() {
        let qemu = format!(
            "{GREETING}\r\n{{\"return\": {{}}, \"id\": \"nephele-1\"}}\r\n\
             {{\"event\": \"RESUME\", \"timestamp\": {{}}}}\r\n\r\n\
             {{\"return\": {{\"status\": \"paused\"}}, \"id\": \"old\"}}\r\n\
             {{\"event\": \"STOP\", \"timestamp\": {{}}}}\r\n\
             {{\"return\": {{\"status\": \"running\", \"running\": true}}, \"id\": \"nephele-2\"}}\r\n\
             {{\"error\": {{\"class\": \"GenericError\", \"desc\": \"nope\"}}, \"id\": \"nephele-3\"}}\r\n"
        );
        let sent = session(&qemu, |c| {
            let v = c.execute("query-status", &Map::new()).unwrap();
            assert_eq!(run_state(&v), Some("running"));
            assert_eq!(c.events_skipped, 2);
            match c.execute("cont", &Map::new()) {
                Err(ClientError::Qmp(e)) => assert_eq!(e.to_string(), "GenericError: nope"),
                other => panic!("{other:?}"),
            }
            assert!(matches!(c.execute("cont", &Map::new()), Err(ClientError::Closed)));
        });
        let lines: Vec<&str> = sent.lines().collect();
        assert_eq!(lines[0], r#"{"execute":"qmp_capabilities","id":"nephele-1"}"#);
        assert_eq!(lines[1], r#"{"execute":"query-status","id":"nephele-2"}"#);
        assert_eq!(lines[2], r#"{"execute":"cont","id":"nephele-3"}"#);
    }

    #[test]
    fn bad_peers() {
        let mut out = Vec::new();
        let not_qmp = Client::connect(Cursor::new(b"hello\n".to_vec()), &mut out);
        assert!(matches!(not_qmp, Err(ClientError::Protocol(_))));
        let reply_first = Client::connect(Cursor::new(b"{\"return\": {}}\n".to_vec()), &mut out);
        assert!(matches!(reply_first, Err(ClientError::Protocol(m)) if m.contains("greeting")));
        assert!(matches!(Client::connect(Cursor::new(Vec::new()), &mut out), Err(ClientError::Closed)));
        let cut = format!("{GREETING}\n{{\"return\"");
        assert!(matches!(Client::connect(Cursor::new(cut.into_bytes()), &mut out), Err(ClientError::Closed)));
        let refused = format!("{GREETING}\n{{\"error\": {{\"class\": \"CommandNotFound\", \"desc\": \"x\"}}}}\n");
        assert!(matches!(Client::connect(Cursor::new(refused.into_bytes()), &mut out), Err(ClientError::Qmp(_))));
        let mut c = Client { reader: Cursor::new(Vec::new()), writer: Vec::new(), next_id: 0, events_skipped: 0 };
        assert!(matches!(c.execute("a b", &Map::new()), Err(ClientError::Protocol(_))));
        assert!(c.writer.is_empty(), "nothing sent for a bad name");
        let timeout: ClientError = io::Error::from(io::ErrorKind::WouldBlock).into();
        assert!(matches!(timeout, ClientError::Timeout));
    }

    #[test]
    fn reply_readers() {
        let stats = json!([
            {"device": "disk0", "stats": {"rd_bytes": 10, "wr_bytes": 20, "rd_operations": 1, "wr_operations": 2},
             "parent": {"stats": {"rd_bytes": 1000}}},
            {"device": "", "node-name": "x", "stats": {"rd_bytes": 5, "wr_bytes": 0, "rd_operations": 3, "wr_operations": 0}},
            {"device": "cd"}
        ]);
        assert_eq!(
            block_totals(&stats),
            BlockTotals { rd_bytes: 15, wr_bytes: 20, rd_operations: 4, wr_operations: 2 }
        );
        assert_eq!(block_totals(&json!({})), BlockTotals::default());
        assert_eq!(migration_status(&json!({})), (String::new(), None));
        assert_eq!(
            migration_status(&json!({"status": "failed", "error-desc": "disk full"})),
            ("failed".to_string(), Some("disk full".to_string()))
        );
        assert_eq!(run_state(&json!({"running": false})), None);
    }

    #[test]
    fn command_lines() {
        let p = |words: &[&str]| parse_cli(&w(words));
        assert_eq!(
            p(&["/run/q.sock", "query-status"]).unwrap(),
            Invocation {
                timeout: DEFAULT_TIMEOUT,
                mode: Mode::Command {
                    socket: "/run/q.sock".into(),
                    name: "query-status".into(),
                    arguments: Map::new(),
                    stdin_arg: None
                }
            }
        );
        let inv = p(&["--timeout", "0.5", "s", "set_password", "protocol=vnc", "password=x y"]).unwrap();
        assert_eq!(inv.timeout, Duration::from_millis(500));
        let Mode::Command { arguments, .. } = inv.mode else { panic!() };
        assert_eq!(arguments["password"], "x y");
        let inv = p(&["s", "set_password", "protocol=vnc", "--stdin-arg", "password"]).unwrap();
        let Mode::Command { arguments, stdin_arg, .. } = inv.mode else { panic!() };
        assert_eq!((arguments.len(), stdin_arg.as_deref()), (1, Some("password")));
        assert!(p(&["s", "x", "--stdin-arg"]).unwrap_err().contains("argument name"));
        assert!(p(&["s", "x", "--stdin-arg", "a", "--stdin-arg", "b"]).unwrap_err().contains("once"));
        assert_eq!(
            p(&["--timeout=3", "s", "--wait-state", "shutdown,paused"]).unwrap(),
            Invocation {
                timeout: Duration::from_secs(3),
                mode: Mode::WaitState { socket: "s".into(), states: vec!["shutdown".into(), "paused".into()] }
            }
        );
        assert_eq!(p(&["--wait-exit", "42"]).unwrap().mode, Mode::WaitExit { pid: 42 });
        assert_eq!(p(&["s", "--save", "/d/c"]).unwrap().mode, Mode::Save { socket: "s".into(), file: "/d/c".into() });
        assert_eq!(p(&["s", "--load", "/d/c"]).unwrap().mode, Mode::Load { socket: "s".into(), file: "/d/c".into() });
        assert_eq!(p(&["s", "--stats"]).unwrap().mode, Mode::Stats { socket: "s".into() });
        for (bad, why) in [
            (&[][..], "socket"),
            (&["s"][..], "command"),
            (&["--timeout"][..], "seconds"),
            (&["--timeout", "0", "s", "x"][..], "invalid timeout"),
            (&["--timeout", "nan", "s", "x"][..], "invalid timeout"),
            (&["--timeout", "1e9", "s", "x"][..], "invalid timeout"),
            (&["--frob", "s", "x"][..], "unknown option"),
            (&["s", "--frob"][..], "unknown option"),
            (&["s", "bad name"][..], "invalid command"),
            (&["s", "--wait-state"][..], "exactly one"),
            (&["s", "--wait-state", ","][..], "run state"),
            (&["s", "--save"][..], "exactly one"),
            (&["s", "--save", "a", "b"][..], "exactly one"),
            (&["s", "--stats", "x"][..], "no value"),
            (&["--wait-exit", "0"][..], "invalid PID"),
            (&["--wait-exit", "x"][..], "invalid PID"),
            (&["--wait-exit"][..], "exactly one"),
            (&["", "x"][..], "empty"),
        ] {
            let e = p(bad).unwrap_err();
            assert!(e.contains(why), "{bad:?}: {e}");
        }
    }

    fn json_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(|n| json!(n)),
            ".{0,12}".prop_map(Value::String),
        ];
        leaf.prop_recursive(3, 24, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                prop::collection::btree_map("[a-z_-]{1,6}", inner, 0..4)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        /// Any line decodes to a message or an error, never a panic.
        #[test]
        fn any_line_is_decoded_or_refused(line in ".{0,200}") {
            let _ = decode(&line);
        }

        /// A command's arguments, whatever their strings hold, travel on one line and come back.
        #[test]
        fn commands_are_one_line(value in json_value(), key in "[a-z_]{1,8}", text in ".{0,40}") {
            let mut args = Map::new();
            args.insert(key.clone(), value.clone());
            args.insert("text".into(), Value::String(text));
            let line = encode_command("x", &args, "id");
            prop_assert!(line.ends_with('\n') && line.matches('\n').count() == 1);
            let back: Value = serde_json::from_str(&line).unwrap();
            prop_assert_eq!(&back["arguments"], &Value::Object(args));
        }

        /// Whatever events come before it, the reply with our id is the one returned.
        #[test]
        fn events_before_the_reply_are_skipped(
            events in prop::collection::vec(("[A-Z_]{1,12}", json_value()), 0..6),
            value in json_value(),
        ) {
            let mut qemu = format!("{GREETING}\r\n{{\"return\": {{}}, \"id\": \"nephele-1\"}}\r\n");
            for (name, data) in &events {
                qemu.push_str(&json!({"event": name, "data": data, "timestamp": {"seconds": 1}}).to_string());
                qemu.push_str("\r\n");
            }
            qemu.push_str(&json!({"return": value, "id": "nephele-2"}).to_string());
            qemu.push('\n');
            let mut out = Vec::new();
            let (mut c, _) = Client::connect(Cursor::new(qemu.into_bytes()), &mut out).unwrap();
            let got = c.execute("query-x", &Map::new()).unwrap();
            prop_assert_eq!(got, value);
            prop_assert_eq!(c.events_skipped, events.len());
        }
    }
}

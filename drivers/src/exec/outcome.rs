//! The result contract of remote scripts (OpenNebula 7), as a pure function of what a script
//! printed and how it ended.
//!
//! - exit 0 → SUCCESS, the info is stdout trimmed (and folded onto one line);
//! - any other end → FAILURE; the message is every stderr line that is not a log line, joined
//!   with spaces (or a generic text naming the script when there is none);
//! - stderr lines `ERROR: …`, `WARN: …`, `INFO: …`, `DEBUG: …` are log lines of the action,
//!   whatever the exit code;
//! - a timeout → FAILURE `Timeout executing <script>`.
//!
//! Also what every runner shares: the [`Limits`] a script runs under and why it could not run
//! at all ([`RunError`]).

use crate::proto::Severity;
use std::time::Instant;
use thiserror::Error;

/// How a script ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    /// It exited with this code.
    Exited(i32),
    /// It was killed by a signal (its name or number).
    Signaled(String),
    /// It ran past the action's deadline and was killed.
    TimedOut,
    /// The action was cancelled (DRIVER_CANCEL) and the script killed.
    Cancelled,
}

/// What a script left behind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Output {
    pub status: Status,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

impl Output {
    /// True when the script exited with `code`.
    pub fn exited_with(&self, code: i32) -> bool {
        self.status == Status::Exited(code)
    }
}

/// The action's answer and the log lines found on stderr.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// `Ok(info)` for SUCCESS, `Err(message)` for FAILURE.
    pub result: Result<String, String>,
    pub logs: Vec<(Severity, String)>,
}

/// Applies the contract; `script` names the script in generic messages.
pub fn interpret(script: &str, output: &Output) -> Outcome {
    let stderr = String::from_utf8_lossy(&output.stderr);
    let mut logs = Vec::new();
    let mut plain = Vec::new();
    for line in stderr.lines() {
        match log_line(line) {
            Some(log) => logs.push(log),
            None => {
                let line = line.trim();
                if !line.is_empty() {
                    plain.push(line);
                }
            }
        }
    }
    let message = one_line(&plain.join(" "));
    let result = match &output.status {
        Status::Exited(0) => Ok(one_line(&String::from_utf8_lossy(&output.stdout))),
        Status::Exited(code) if message.is_empty() => Err(format!("Error executing {script} (exit code {code})")),
        Status::Signaled(signal) if message.is_empty() => {
            Err(format!("Error executing {script} (killed by signal {signal})"))
        }
        Status::Exited(_) | Status::Signaled(_) => Err(message),
        Status::TimedOut => Err(format!("Timeout executing {script}")),
        Status::Cancelled => Err(format!("Cancelled executing {script}")),
    };
    Outcome { result, logs }
}

/// `ERROR: text` and the like → (severity, text); other lines → None.
pub fn log_line(line: &str) -> Option<(Severity, String)> {
    const PREFIXES: [(&str, Severity); 4] = [
        ("ERROR:", Severity::Error),
        ("WARN:", Severity::Warning),
        ("INFO:", Severity::Info),
        ("DEBUG:", Severity::Debug),
    ];
    for (prefix, severity) in PREFIXES {
        if let Some(rest) = line.strip_prefix(prefix)
            && (rest.is_empty() || rest.starts_with(|c: char| c.is_whitespace()))
        {
            return Some((severity, one_line(rest)));
        }
    }
    None
}

/// Text fit for one protocol line: trimmed, every run of line breaks and other control
/// characters folded into one space.
pub fn one_line(text: &str) -> String {
    let mut line = String::with_capacity(text.len());
    let mut pending_space = false;
    for c in text.trim().chars() {
        if c.is_control() {
            pending_space = true;
        } else {
            if pending_space && !line.is_empty() {
                line.push(' ');
            }
            pending_space = false;
            line.push(c);
        }
    }
    line
}

/// When to stop a script, and whether the action was cancelled.
pub struct Limits<'a> {
    pub deadline: Option<Instant>,
    pub cancelled: &'a (dyn Fn() -> bool + 'a),
}

/// A script could not be run at all (as opposed to running and failing).
#[derive(Debug, Error)]
pub enum RunError {
    #[error("cannot execute {script}: {source}")]
    Spawn { script: String, source: std::io::Error },
    #[error("{0}")]
    Ssh(String),
    #[error("cannot copy the remote scripts to {host}: {reason}")]
    Copy { host: String, reason: String },
    #[error("{script} is missing on {host}, even after copying the remote scripts")]
    Missing { script: String, host: String },
    #[error("an argument of {script} holds a NUL byte")]
    Nul { script: String },
}

#[cfg(test)]
mod tests {
    use super::*;

    fn out(status: Status, stdout: &str, stderr: &str) -> Output {
        Output { status, stdout: stdout.into(), stderr: stderr.into() }
    }

    #[test]
    fn success_is_trimmed_stdout() {
        let o = interpret("vmm/kvm/deploy", &out(Status::Exited(0), "  one-42\n", "INFO: deploy: done\n"));
        assert_eq!(o.result, Ok("one-42".to_string()));
        assert_eq!(o.logs, vec![(Severity::Info, "deploy: done".to_string())]);
    }

    #[test]
    fn multi_line_stdout_is_folded() {
        let o = interpret("s", &out(Status::Exited(0), "STATE=a\nCPU=1\n", ""));
        assert_eq!(o.result, Ok("STATE=a CPU=1".to_string()));
    }

    #[test]
    fn failure_joins_plain_stderr_lines_and_logs_the_others() {
        let stderr = "ERROR: deploy: virsh failed\nCould not create domain\n\nWARN: x\n  second line  \nDEBUG: d\nINFOS: not a log\n";
        let o = interpret("vmm/kvm/deploy", &out(Status::Exited(1), "ignored", stderr));
        assert_eq!(o.result, Err("Could not create domain second line INFOS: not a log".to_string()));
        assert_eq!(
            o.logs,
            vec![
                (Severity::Error, "deploy: virsh failed".to_string()),
                (Severity::Warning, "x".to_string()),
                (Severity::Debug, "d".to_string()),
            ]
        );
    }

    #[test]
    fn failure_without_message_names_the_script_and_code() {
        let o = interpret("vmm/kvm/cancel", &out(Status::Exited(3), "", "ERROR: only a log\n"));
        assert_eq!(o.result, Err("Error executing vmm/kvm/cancel (exit code 3)".to_string()));
        let o = interpret("x", &out(Status::Signaled("KILL".into()), "", ""));
        assert_eq!(o.result, Err("Error executing x (killed by signal KILL)".to_string()));
    }

    #[test]
    fn timeout_and_cancel() {
        let o = interpret("vmm/kvm/deploy", &out(Status::TimedOut, "one-1", "half done\n"));
        assert_eq!(o.result, Err("Timeout executing vmm/kvm/deploy".to_string()));
        let o = interpret("tm/ssh/clone", &out(Status::Cancelled, "", ""));
        assert_eq!(o.result, Err("Cancelled executing tm/ssh/clone".to_string()));
    }

    #[test]
    fn one_line_folds_controls() {
        assert_eq!(one_line(" a\r\n\tb \n"), "a b");
        assert_eq!(one_line("\n\n"), "");
        assert_eq!(one_line("x\u{7f}y"), "x y");
    }
}

//! Running a remotes script for an action: on the front-end ([`Runner::Local`], `-l`, and
//! always for one_tm) or on the host through its pooled SSH session ([`Runner::Ssh`]); then the
//! result contract ([`super::outcome`]) turned into the action's answer and `LOG` lines.

use super::local::run_local;
use super::outcome::{Output, Status, interpret, one_line};
use super::ssh::SshPool;
use crate::proto::Severity;
use crate::runtime::ActionContext;
use std::path::PathBuf;
use std::time::{Duration, Instant};

pub use super::outcome::{Limits, RunError};

/// Where scripts run.
pub enum Runner {
    /// On the front-end, from its remotes directory.
    Local { remotes: PathBuf },
    /// On the hosts, over SSH.
    Ssh(SshPool),
}

/// The runtime answers an action with its own timeout at the deadline; scripts are stopped this
/// much earlier so that the answer names the script.
pub const DEADLINE_MARGIN: Duration = Duration::from_millis(500);

impl Runner {
    /// Runs remotes script `script` (relative, e.g. `vmm/dummy/deploy`) for `host`.
    pub fn run(
        &self,
        host: &str,
        script: &str,
        args: &[String],
        stdin: &[u8],
        limits: &Limits<'_>,
    ) -> Result<Output, RunError> {
        match self {
            Runner::Local { remotes } => run_local(&remotes.join(script), args, &[], stdin, limits)
                .map_err(|source| RunError::Spawn { script: script.to_string(), source }),
            Runner::Ssh(pool) => pool.run(host, script, args, stdin, limits),
        }
    }

    /// Copies the remotes to `host` again (nothing to do locally).
    pub fn sync(&self, host: &str, limits: &Limits<'_>) -> Result<(), RunError> {
        match self {
            Runner::Local { .. } => Ok(()),
            Runner::Ssh(pool) => pool.sync(host, limits),
        }
    }

    /// The front-end's remotes directory.
    pub fn remotes(&self) -> &std::path::Path {
        match self {
            Runner::Local { remotes } => remotes,
            Runner::Ssh(pool) => &pool.config().remotes,
        }
    }
}

/// The limits of an action: its deadline, less [`DEADLINE_MARGIN`] (or a tenth of the time
/// left, when that is shorter), and its cancel flag.
pub fn limits_of(ctx: &ActionContext) -> (Option<Instant>, impl Fn() -> bool + '_) {
    let deadline = ctx.deadline().map(|d| {
        let margin = (d.saturating_duration_since(Instant::now()) / 10).min(DEADLINE_MARGIN);
        d.checked_sub(margin).unwrap_or(d)
    });
    (deadline, move || ctx.is_cancelled())
}

/// Runs a script for an action and answers by the result contract: `Ok(stdout)` (trimmed, on
/// one line) or `Err(message)`, with the stderr log lines sent as `LOG` lines of the action.
pub fn run_script(
    runner: &Runner,
    host: &str,
    script: &str,
    args: &[String],
    stdin: &[u8],
    ctx: &ActionContext,
) -> Result<String, String> {
    run_script_raw(runner, host, script, args, stdin, ctx).map(|stdout| one_line(&String::from_utf8_lossy(&stdout)))
}

/// [`run_script`], answering the whole stdout on success (for multi-line results such as a
/// monitoring template).
pub fn run_script_raw(
    runner: &Runner,
    host: &str,
    script: &str,
    args: &[String],
    stdin: &[u8],
    ctx: &ActionContext,
) -> Result<Vec<u8>, String> {
    let (deadline, cancelled) = limits_of(ctx);
    let limits = Limits { deadline, cancelled: &cancelled };
    let output = runner.run(host, script, args, stdin, &limits).map_err(|e| one_line(&e.to_string()))?;
    let outcome = interpret(script, &output);
    for (severity, text) in &outcome.logs {
        ctx.log(*severity, text);
    }
    match outcome.result {
        Ok(_) => Ok(output.stdout),
        Err(message) => {
            let how = match &output.status {
                Status::Exited(code) => format!("exit code: {code}"),
                Status::Signaled(signal) => format!("signal: {signal}"),
                Status::TimedOut => "timeout".to_string(),
                Status::Cancelled => "cancelled".to_string(),
            };
            ctx.log(
                Severity::Debug,
                &one_line(&format!("Command execution failed ({how}): {script} {}", args.join(" "))),
            );
            Err(message)
        }
    }
}

//! `one_tm [-d tm1,tm2]`: `TRANSFER  <vmid> <file>` runs, in order, each line of the transfer
//! file as `tm/<tm_mad>/<action>` on the front-end (the scripts reach hosts themselves); the
//! first failure fails the action. A driver not in `-d` is refused
//! (`Transfer Driver '<tm>' not available`).

use super::runner::{Runner, run_script};
use crate::runtime::{ActionContext, Driver};
use crate::transfer;

/// The TM driver.
pub struct TmExec {
    runner: Runner,
    allowed: Option<Vec<String>>,
}

impl TmExec {
    /// `runner` should be [`Runner::Local`]; `allowed` is the `-d` list (all when `None`).
    pub fn new(runner: Runner, allowed: Option<Vec<String>>) -> TmExec {
        TmExec { runner, allowed }
    }
}

impl Driver for TmExec {
    fn init(&self) -> Result<(), String> {
        let dir = self.runner.remotes().join("tm");
        if !dir.is_dir() {
            return Err(format!("no transfer scripts ({} missing)", dir.display()));
        }
        Ok(())
    }

    fn action(&self, verb: &str, _id: i64, payload: &str, ctx: &ActionContext) -> Result<String, String> {
        if verb != "TRANSFER" {
            return Err(format!("Unknown action {verb} for the TM driver"));
        }
        let path = payload.trim();
        if path.is_empty() {
            return Err("TRANSFER: no transfer file given".into());
        }
        let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read transfer file {path}: {e}"))?;
        // The whole file is read and checked before anything runs: a bad line runs nothing.
        let lines = transfer::parse_file(&text).map_err(|e| format!("{path}: {e}"))?;
        for line in &lines {
            if let Some(allowed) = &self.allowed
                && !allowed.iter().any(|a| a == line.tm_mad())
            {
                return Err(format!("Transfer Driver '{}' not available", line.tm_mad()));
            }
            let names = line.script_names();
            let dir = format!("tm/{}", line.tm_mad());
            let script = names
                .iter()
                .map(|name| format!("{dir}/{name}"))
                .find(|script| self.runner.remotes().join(script).is_file())
                .ok_or_else(|| format!("Transfer Driver '{}' has no {} action", line.tm_mad(), line.action().name()))?;
            run_script(&self.runner, "", &script, line.args(), b"", ctx)?;
        }
        Ok(String::new())
    }
}

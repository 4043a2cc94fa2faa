//! `one_im_exec <im_mad>`: `MONITOR` runs `im/run_probes <im_mad> <hid> <host>` on the host (all
//! the probes of `im/<im_mad>.d/` in one command over the host's one session) and answers the
//! base64 of the template they printed; `SYNC` (a Nephele verb: `SYNC  <hid> <b64 host xml>`)
//! copies the remotes to the host again.

use super::action_data::host_name;
use super::config::is_driver_name;
use super::runner::{Limits, Runner, limits_of, run_script_raw};
use crate::proto::b64_encode;
use crate::runtime::{ActionContext, Driver};

/// The IM exec driver.
pub struct ImExec {
    im_mad: String,
    runner: Result<Runner, String>,
}

impl ImExec {
    /// `im_mad` must be a plain name; an `Err` runner is reported as `INIT FAILURE`.
    pub fn new(im_mad: String, runner: Result<Runner, String>) -> Result<ImExec, String> {
        if !is_driver_name(&im_mad) {
            return Err(format!("invalid IM driver name '{im_mad}'"));
        }
        Ok(ImExec { im_mad, runner })
    }

    fn runner(&self) -> Result<&Runner, String> {
        self.runner.as_ref().map_err(Clone::clone)
    }
}

impl Driver for ImExec {
    fn init(&self) -> Result<(), String> {
        let runner = self.runner()?;
        let probes = runner.remotes().join("im").join(format!("{}.d", self.im_mad));
        if !probes.is_dir() {
            return Err(format!("no probes for IM driver {} ({} missing)", self.im_mad, probes.display()));
        }
        Ok(())
    }

    fn action(&self, verb: &str, id: i64, payload: &str, ctx: &ActionContext) -> Result<String, String> {
        let runner = self.runner()?;
        let host = host_name(payload).map_err(|e| format!("{verb}: {e}"))?;
        if host.is_empty() {
            return Err(format!("{verb}: the host has no NAME"));
        }
        match verb {
            "MONITOR" => {
                let args = vec![self.im_mad.clone(), id.to_string(), host.clone()];
                let template = run_script_raw(runner, &host, "im/run_probes", &args, b"", ctx)?;
                Ok(b64_encode(&template))
            }
            "SYNC" => {
                let (deadline, cancelled) = limits_of(ctx);
                runner.sync(&host, &Limits { deadline, cancelled: &cancelled }).map_err(|e| e.to_string())?;
                Ok(String::new())
            }
            other => Err(format!("Unknown action {other} for the IM driver")),
        }
    }
}

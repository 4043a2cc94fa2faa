//! `one_tm_dummy`: a transfer driver that pretends.
//!
//! `TRANSFER  <vmid> <file>` reads the transfer file oned wrote and answers `SUCCESS -`
//! (without running its lines); a missing file answers `FAILURE transfer file <path> not
//! found`, an unreadable one `FAILURE cannot read transfer file <path>: <why>`. Other verbs
//! answer `FAILURE Action not implemented by driver one_tm_dummy`.

use super::{Behaviour, DummyOptions};
use crate::runtime::{ActionContext, Driver};
use std::io::ErrorKind;

/// The dummy TM driver.
pub struct TmDummy {
    behaviour: Behaviour,
}

impl TmDummy {
    /// From the dummy options (`--state-dir` is not used).
    pub fn new(options: &DummyOptions) -> Result<Self, String> {
        Ok(TmDummy { behaviour: Behaviour::new(options) })
    }
}

impl Driver for TmDummy {
    fn action(&self, verb: &str, id: i64, payload: &str, ctx: &ActionContext) -> Result<String, String> {
        self.behaviour.before(verb, id, ctx)?;
        match verb {
            "TRANSFER" => {
                let path = payload.trim();
                if path.is_empty() {
                    return Err("TRANSFER without a transfer file".into());
                }
                match std::fs::read_to_string(path) {
                    Ok(_) => Ok("-".into()),
                    Err(e) if e.kind() == ErrorKind::NotFound => Err(format!("transfer file {path} not found")),
                    Err(e) => Err(format!("cannot read transfer file {path}: {e}")),
                }
            }
            _ => Err("Action not implemented by driver one_tm_dummy".into()),
        }
    }
}

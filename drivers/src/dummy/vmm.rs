//! `one_vmm_dummy`: a virtualization driver that pretends.
//!
//! | verb | does | SUCCESS info |
//! |---|---|---|
//! | `DEPLOY` | records domain `dummy-<id>` on the payload's `HOST` | `dummy-<id>` |
//! | `RESTORE` | records the domain on `HOST` (keeping the payload's `DEPLOY_ID` if any) | `-` |
//! | `SHUTDOWN`, `CANCEL`, `SAVE`, `CLEANUP` | forgets the domain | `-` |
//! | `MIGRATE` | moves a recorded domain to `MIGR_HOST` (it keeps running) | `-` |
//! | `REBOOT`, `RESET` | nothing | `-` |
//! | `POLL` | looks the domain up | `STATE=a DEPLOY_ID=<id>` if recorded, `STATE=d` if not |
//!
//! Other verbs answer `FAILURE Action not implemented by driver one_vmm_dummy` (as the Ruby
//! drivers do). `DEPLOY`, `RESTORE` and `MIGRATE` need a base64 `<VMM_DRIVER_ACTION_DATA>`
//! payload naming the host (`HOST`, `MIGR_HOST` for `MIGRATE`); the other verbs ignore the
//! payload, except that its `HOST` (when there is one) says where to look for the domain first.
//! Domains are found by VM id, so a `POLL` finds a domain even when oned lost the `DEPLOY` reply
//! that told it the deploy id, and a stale `HOST` still finds it. With `--state-dir` they live in
//! files, one directory per host (see [`super::domains`]), and survive a restart of the driver.

use super::domains::{Domain, Domains};
use super::{Behaviour, DummyOptions};
use crate::runtime::{ActionContext, Driver};
use crate::xml::{decode_payload, element_text};

/// The dummy VMM driver.
pub struct VmmDummy {
    behaviour: Behaviour,
    domains: Domains,
}

/// The root element of a VMM payload.
const ROOT: &str = "VMM_DRIVER_ACTION_DATA";

/// A required, non-empty element of the payload (`HOST`, `MIGR_HOST`).
fn payload_host(verb: &str, payload: &str, element: &str) -> Result<String, String> {
    let xml = decode_payload(payload).map_err(|e| format!("{verb}: {e}"))?;
    match element_text(&xml, &[ROOT, element]).map_err(|e| format!("{verb}: {e}"))? {
        Some(host) if !host.trim().is_empty() => Ok(host.trim().to_owned()),
        _ => Err(format!("{verb}: no {element} in the action data")),
    }
}

/// The payload's `HOST`, if it is an action data document with a non-empty one: where the
/// domain most likely is.
fn payload_hint(payload: &str) -> Option<String> {
    let xml = decode_payload(payload).ok()?;
    let host = element_text(&xml, &[ROOT, "HOST"]).ok()??;
    let host = host.trim();
    (!host.is_empty()).then(|| host.to_owned())
}

/// The payload's `DEPLOY_ID`, if it has a non-empty one.
fn payload_deploy_id(payload: &str) -> Option<String> {
    let xml = decode_payload(payload).ok()?;
    let id = element_text(&xml, &[ROOT, "DEPLOY_ID"]).ok()??;
    let id = id.trim();
    (!id.is_empty()).then(|| id.to_owned())
}

impl VmmDummy {
    /// From the dummy options (`--state-dir` picks where domains live).
    pub fn new(options: &DummyOptions) -> Result<Self, String> {
        let domains = Domains::open(options.state_dir.as_deref()).map_err(|e| e.to_string())?;
        Ok(VmmDummy { behaviour: Behaviour::new(options), domains })
    }
}

impl Driver for VmmDummy {
    fn action(&self, verb: &str, id: i64, payload: &str, ctx: &ActionContext) -> Result<String, String> {
        self.behaviour.before(verb, id, ctx)?;
        match verb {
            "DEPLOY" => {
                let host = payload_host(verb, payload, "HOST")?;
                let deploy_id = format!("dummy-{id}");
                self.domains.put(&Domain { id, deploy_id: deploy_id.clone(), host }).map_err(|e| e.to_string())?;
                Ok(deploy_id)
            }
            "RESTORE" => {
                let host = payload_host(verb, payload, "HOST")?;
                let deploy_id = payload_deploy_id(payload).unwrap_or_else(|| format!("dummy-{id}"));
                self.domains.put(&Domain { id, deploy_id, host }).map_err(|e| e.to_string())?;
                Ok("-".into())
            }
            "SHUTDOWN" | "CANCEL" | "SAVE" | "CLEANUP" => {
                self.domains.remove(id, payload_hint(payload).as_deref()).map_err(|e| e.to_string())?;
                Ok("-".into())
            }
            "MIGRATE" => {
                let target = payload_host(verb, payload, "MIGR_HOST")?;
                self.domains.migrate(id, payload_hint(payload).as_deref(), &target).map_err(|e| e.to_string())?;
                Ok("-".into())
            }
            "REBOOT" | "RESET" => Ok("-".into()),
            "POLL" => Ok(match self.domains.get(id, payload_hint(payload).as_deref()).map_err(|e| e.to_string())? {
                Some(d) => format!("STATE=a DEPLOY_ID={}", d.deploy_id),
                None => "STATE=d".into(),
            }),
            _ => Err("Action not implemented by driver one_vmm_dummy".into()),
        }
    }
}

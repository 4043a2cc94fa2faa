//! `one_im_dummy`: an information driver that reports a made-up host.
//!
//! `MONITOR  <hid> <base64 <HOST> document>` answers `SUCCESS` with base64 of:
//!
//! ```text
//! HYPERVISOR = "dummy"
//! HOSTNAME = "<HOST/NAME>"
//! TOTALCPU = 800
//! CPUSPEED = 2200
//! TOTALMEMORY = 16777216
//! USEDMEMORY = 1048576
//! FREEMEMORY = 15728640
//! USEDCPU = 40
//! FREECPU = 760
//! DS_LOCATION_TOTAL_MB = 1048576
//! DS_LOCATION_USED_MB = 65536
//! DS_LOCATION_FREE_MB = 983040
//! DS = [ ID = 0, TOTAL_MB = 1048576, FREE_MB = 983040, USED_MB = 65536 ]
//! VM_POLL = "YES"
//! VM = [ ID = "42", DEPLOY_ID = "dummy-42", STATE = "a" ]
//! ```
//!
//! The figures are constant. The disk lines are what the `datastores.sh` probe of a real host
//! prints (a 1 TiB file system holding the datastores directory): the host holds the default
//! system datastore 0, whose driver (`local`) is not shared, as every dummy host of the tests
//! does (oned keeps them in `HOST_SHARE/DATASTORES`). With `--state-dir` (the directory `one_vmm_dummy --state-dir`
//! writes) the probe lists the domains recorded for that host, one `VM` line each by VM id, and
//! says `VM_POLL = "YES"`: the list is complete, so oned powers off a RUNNING VM the host does
//! not list (share/doc/drivers.md). Only that host's directory is read (see
//! [`super::domains`]). Without `--state-dir` the driver knows no domains: it lists none and
//! does not say `VM_POLL`, so oned leaves the VMs as they are. A payload that is not a `<HOST>`
//! document with a `NAME` answers `FAILURE`, and so does a state directory that cannot be read;
//! other verbs answer `FAILURE Action not implemented by driver one_im_dummy`.

use super::domains::Domains;
use super::{Behaviour, DummyOptions};
use crate::proto::b64_encode;
use crate::runtime::{ActionContext, Driver};
use crate::xml::{decode_payload, element_text};

/// The dummy IM driver.
pub struct ImDummy {
    behaviour: Behaviour,
    /// Where the VMM dummy records domains; none: no VMs are reported.
    domains: Option<Domains>,
}

/// The host's disk: its datastores directory's file system and system datastore 0 on it.
const DISK: &str = "DS_LOCATION_TOTAL_MB = 1048576\nDS_LOCATION_USED_MB = 65536\nDS_LOCATION_FREE_MB = 983040\n\
                    DS = [ ID = 0, TOTAL_MB = 1048576, FREE_MB = 983040, USED_MB = 65536 ]\n";

/// A template string value: in double quotes, `"` written `\"` (OpenNebula's only escape).
fn quoted(value: &str) -> String {
    format!("\"{}\"", value.replace('"', "\\\""))
}

impl ImDummy {
    /// From the dummy options (`--state-dir` is read; only files of the flat layout are moved,
    /// see [`Domains::open`]).
    pub fn new(options: &DummyOptions) -> Result<Self, String> {
        let domains =
            options.state_dir.as_deref().map(|dir| Domains::open(Some(dir))).transpose().map_err(|e| e.to_string())?;
        Ok(ImDummy { behaviour: Behaviour::new(options), domains })
    }

    /// The monitoring template of host `hostname`.
    pub fn template(&self, hostname: &str) -> Result<String, String> {
        let mut text = format!(
            "HYPERVISOR = \"dummy\"\nHOSTNAME = {}\nTOTALCPU = 800\nCPUSPEED = 2200\nTOTALMEMORY = 16777216\n\
             USEDMEMORY = 1048576\nFREEMEMORY = 15728640\nUSEDCPU = 40\nFREECPU = 760\n{DISK}",
            quoted(hostname)
        );
        if let Some(domains) = &self.domains {
            let running = domains.on_host(hostname).map_err(|e| format!("MONITOR: {e}"))?;
            text.push_str("VM_POLL = \"YES\"\n");
            for domain in &running {
                text.push_str(&format!(
                    "VM = [ ID = \"{}\", DEPLOY_ID = {}, STATE = \"a\" ]\n",
                    domain.id,
                    quoted(&domain.deploy_id)
                ));
            }
        }
        Ok(text)
    }
}

impl Driver for ImDummy {
    fn action(&self, verb: &str, id: i64, payload: &str, ctx: &ActionContext) -> Result<String, String> {
        self.behaviour.before(verb, id, ctx)?;
        match verb {
            "MONITOR" => {
                let xml = decode_payload(payload).map_err(|e| format!("MONITOR: {e}"))?;
                let name = match element_text(&xml, &["HOST", "NAME"]).map_err(|e| format!("MONITOR: {e}"))? {
                    Some(name) if !name.trim().is_empty() => name.trim().to_owned(),
                    _ => return Err("MONITOR: no NAME in the <HOST> document".into()),
                };
                Ok(b64_encode(self.template(&name)?.as_bytes()))
            }
            _ => Err("Action not implemented by driver one_im_dummy".into()),
        }
    }
}

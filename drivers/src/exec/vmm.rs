//! `one_vmm_exec <hypervisor>`: each VMM verb runs `vmm/<hypervisor>/<verb>` on the VM's host
//! (over SSH, or on the front-end with `-l`) with OpenNebula's argument order. stdin is the
//! deployment file oned wrote (`LOCAL_DEPLOYMENT_FILE`) for `deploy` and `restore` — the VM XML
//! for `deploy` when oned wrote none (the dummy hypervisor) — and the whole decoded
//! `<VMM_DRIVER_ACTION_DATA>` for the other scripts, as OpenNebula's drivers do.

use super::action_data::VmmData;
use super::config::is_driver_name;
use super::runner::{Runner, run_script};
use crate::proto::Severity;
use crate::runtime::{ActionContext, Driver};

/// What the standard input of a step carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Input {
    /// The `<VM>` document.
    VmXml,
    /// The decoded action data.
    ActionData,
    /// The deployment file oned wrote (`LOCAL_DEPLOYMENT_FILE`, read on the front-end), as
    /// OpenNebula's drivers send the domain file; the VM document when oned wrote none.
    Deployment,
}

/// A deployment file larger than this is refused (QEMU arguments of a VM fit in a few KiB).
const MAX_DEPLOYMENT: u64 = 1 << 20;

/// The content of the deployment file at `path` (front-end), bounded.
fn read_deployment(path: &str) -> Result<Vec<u8>, String> {
    use std::io::Read;
    let f = std::fs::File::open(path).map_err(|e| format!("cannot read the deployment file {path}: {e}"))?;
    let mut buf = Vec::new();
    f.take(MAX_DEPLOYMENT + 1).read_to_end(&mut buf).map_err(|e| format!("cannot read {path}: {e}"))?;
    if buf.len() as u64 > MAX_DEPLOYMENT {
        return Err(format!("the deployment file {path} is larger than {MAX_DEPLOYMENT} bytes"));
    }
    Ok(buf)
}

/// One script run of an action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub host: String,
    /// The script's name in `vmm/<hypervisor>/`.
    pub script: &'static str,
    pub args: Vec<String>,
    pub input: Input,
}

/// The steps of `verb` (upper case, as oned sends it), or why it cannot run. `has_cleanup`
/// tells whether the hypervisor ships a `cleanup` script (else CLEANUP cancels).
pub fn plan(verb: &str, data: &VmmData, vmid: i64, has_cleanup: bool) -> Result<Vec<Step>, String> {
    let need = |value: &str, what: &str| {
        if value.is_empty() {
            Err(format!("{what} missing in the action data of {verb}"))
        } else {
            Ok(value.to_string())
        }
    };
    let host = need(&data.host, "HOST")?;
    let id = vmid.to_string();
    let step = |script: &'static str, host: &str, args: Vec<String>, input: Input| Step {
        host: host.to_string(),
        script,
        args,
        input,
    };
    let domain_args = |deploy_id: String| vec![deploy_id, host.clone(), id.clone(), host.clone()];
    Ok(match verb {
        "DEPLOY" => vec![step(
            "deploy",
            &host,
            vec![data.remote_deployment_file.clone(), host.clone(), id.clone(), host.clone()],
            Input::Deployment,
        )],
        "SHUTDOWN" => {
            vec![step("shutdown", &host, domain_args(need(&data.deploy_id, "DEPLOY_ID")?), Input::ActionData)]
        }
        "CANCEL" => vec![step("cancel", &host, domain_args(need(&data.deploy_id, "DEPLOY_ID")?), Input::ActionData)],
        "REBOOT" => vec![step("reboot", &host, domain_args(need(&data.deploy_id, "DEPLOY_ID")?), Input::ActionData)],
        "RESET" => vec![step("reset", &host, domain_args(need(&data.deploy_id, "DEPLOY_ID")?), Input::ActionData)],
        // after a crash oned may poll a VM whose deploy id it never learnt: the script gets ""
        "POLL" => vec![step("poll", &host, domain_args(data.deploy_id.clone()), Input::ActionData)],
        "SAVE" => vec![step(
            "save",
            &host,
            vec![
                need(&data.deploy_id, "DEPLOY_ID")?,
                need(&data.checkpoint_file, "CHECKPOINT_FILE")?,
                host.clone(),
                id.clone(),
                host.clone(),
            ],
            Input::ActionData,
        )],
        "RESTORE" => vec![step(
            "restore",
            &host,
            vec![
                need(&data.checkpoint_file, "CHECKPOINT_FILE")?,
                host.clone(),
                data.deploy_id.clone(),
                id.clone(),
                host.clone(),
            ],
            if data.local_deployment_file.is_empty() { Input::ActionData } else { Input::Deployment },
        )],
        "MIGRATE" => {
            let dest = need(&data.migr_host, "MIGR_HOST")?;
            vec![step(
                "migrate",
                &host,
                vec![need(&data.deploy_id, "DEPLOY_ID")?, dest, host.clone(), id.clone(), host.clone()],
                Input::ActionData,
            )]
        }
        "CLEANUP" => {
            let mut hosts = vec![host.clone()];
            if !data.migr_host.is_empty() && data.migr_host != host {
                hosts.push(data.migr_host.clone());
            }
            let mut steps = Vec::new();
            for h in hosts {
                let args = vec![data.deploy_id.clone(), h.clone(), id.clone(), h.clone()];
                if has_cleanup {
                    steps.push(step("cleanup", &h, args, Input::ActionData));
                } else if !data.deploy_id.is_empty() {
                    steps.push(step("cancel", &h, args, Input::ActionData));
                }
            }
            steps
        }
        other => return Err(format!("Unknown action {other} for the VMM driver")),
    })
}

/// The VMM exec driver.
pub struct VmmExec {
    hypervisor: String,
    runner: Result<Runner, String>,
}

impl VmmExec {
    /// `hypervisor` must be a plain name; `runner` is where scripts run (an `Err` is reported
    /// as `INIT FAILURE`).
    pub fn new(hypervisor: String, runner: Result<Runner, String>) -> Result<VmmExec, String> {
        if !is_driver_name(&hypervisor) {
            return Err(format!("invalid hypervisor name '{hypervisor}'"));
        }
        Ok(VmmExec { hypervisor, runner })
    }

    fn runner(&self) -> Result<&Runner, String> {
        self.runner.as_ref().map_err(Clone::clone)
    }
}

impl Driver for VmmExec {
    fn init(&self) -> Result<(), String> {
        let runner = self.runner()?;
        let dir = runner.remotes().join("vmm").join(&self.hypervisor);
        if !dir.is_dir() {
            return Err(format!("no scripts for hypervisor {} ({} missing)", self.hypervisor, dir.display()));
        }
        Ok(())
    }

    fn action(&self, verb: &str, id: i64, payload: &str, ctx: &ActionContext) -> Result<String, String> {
        let runner = self.runner()?;
        let data = VmmData::from_payload(payload).map_err(|e| format!("{verb}: {e}"))?;
        let vmid = data.vm_id.unwrap_or(id);
        let has_cleanup = runner.remotes().join("vmm").join(&self.hypervisor).join("cleanup").is_file();
        let steps = plan(verb, &data, vmid, has_cleanup)?;
        let best_effort = verb == "CLEANUP";
        let mut info = String::new();
        for step in steps {
            let script = format!("vmm/{}/{}", self.hypervisor, step.script);
            let deployment;
            let stdin = match step.input {
                Input::VmXml => data.vm_xml.as_bytes(),
                Input::ActionData => data.document.as_bytes(),
                Input::Deployment if data.local_deployment_file.is_empty() => data.vm_xml.as_bytes(),
                Input::Deployment => {
                    deployment = read_deployment(&data.local_deployment_file)?;
                    &deployment[..]
                }
            };
            match run_script(runner, &step.host, &script, &step.args, stdin, ctx) {
                Ok(out) => info = out,
                Err(message) if best_effort => {
                    ctx.log(Severity::Warning, &format!("{script} on {}: {message}", step.host))
                }
                Err(message) => return Err(message),
            }
        }
        if best_effort {
            return Ok(String::new());
        }
        if verb == "DEPLOY" && info.is_empty() {
            return Err(format!("vmm/{}/deploy printed no deploy id", self.hypervisor));
        }
        Ok(info)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data() -> VmmData {
        VmmData {
            host: "h1".into(),
            migr_host: "h2".into(),
            deploy_id: "one-5".into(),
            remote_deployment_file: "/var/lib/one/datastores/0/5/deployment.0".into(),
            checkpoint_file: "/var/lib/one/datastores/0/5/checkpoint".into(),
            ..VmmData::default()
        }
    }

    fn args(steps: &[Step]) -> Vec<(String, &'static str, Vec<String>)> {
        steps.iter().map(|s| (s.host.clone(), s.script, s.args.clone())).collect()
    }

    fn v(words: &[&str]) -> Vec<String> {
        words.iter().map(|w| w.to_string()).collect()
    }

    #[test]
    fn argument_order_as_opennebula() {
        let d = data();
        let p = |verb| args(&plan(verb, &d, 5, true).unwrap());
        assert_eq!(
            p("DEPLOY"),
            vec![("h1".into(), "deploy", v(&["/var/lib/one/datastores/0/5/deployment.0", "h1", "5", "h1"]))]
        );
        assert_eq!(plan("DEPLOY", &d, 5, true).unwrap()[0].input, Input::Deployment);
        for (verb, script) in
            [("SHUTDOWN", "shutdown"), ("CANCEL", "cancel"), ("REBOOT", "reboot"), ("RESET", "reset"), ("POLL", "poll")]
        {
            assert_eq!(p(verb), vec![("h1".into(), script, v(&["one-5", "h1", "5", "h1"]))]);
        }
        assert_eq!(
            p("SAVE"),
            vec![("h1".into(), "save", v(&["one-5", "/var/lib/one/datastores/0/5/checkpoint", "h1", "5", "h1"]))]
        );
        assert_eq!(
            p("RESTORE"),
            vec![("h1".into(), "restore", v(&["/var/lib/one/datastores/0/5/checkpoint", "h1", "one-5", "5", "h1"]))]
        );
        assert_eq!(p("MIGRATE"), vec![("h1".into(), "migrate", v(&["one-5", "h2", "h1", "5", "h1"]))]);
        assert_eq!(
            p("CLEANUP"),
            vec![
                ("h1".into(), "cleanup", v(&["one-5", "h1", "5", "h1"])),
                ("h2".into(), "cleanup", v(&["one-5", "h2", "5", "h2"]))
            ]
        );
    }

    #[test]
    fn cleanup_without_a_cleanup_script_cancels() {
        let mut d = data();
        d.migr_host = String::new();
        assert_eq!(
            args(&plan("CLEANUP", &d, 5, false).unwrap()),
            vec![("h1".into(), "cancel", v(&["one-5", "h1", "5", "h1"]))]
        );
        d.deploy_id = String::new();
        assert!(plan("CLEANUP", &d, 5, false).unwrap().is_empty());
    }

    #[test]
    fn missing_values_are_refused() {
        let mut d = data();
        d.deploy_id = String::new();
        assert!(plan("SHUTDOWN", &d, 5, true).unwrap_err().contains("DEPLOY_ID"));
        assert_eq!(args(&plan("POLL", &d, 5, true).unwrap()), vec![("h1".into(), "poll", v(&["", "h1", "5", "h1"]))]);
        let mut d = data();
        d.migr_host = String::new();
        assert!(plan("MIGRATE", &d, 5, true).unwrap_err().contains("MIGR_HOST"));
        let mut d = data();
        d.host = String::new();
        assert!(plan("DEPLOY", &d, 5, true).unwrap_err().contains("HOST"));
        assert!(plan("FROBNICATE", &data(), 5, true).unwrap_err().contains("Unknown action"));
    }
}

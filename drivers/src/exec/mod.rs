//! The exec drivers: `one_vmm_exec`, `one_im_exec` and `one_tm` run the shell scripts of the
//! front-end's `remotes/` directory, on the hosts over SSH or on the front-end, following
//! OpenNebula's remotes contract (argument orders, exit codes, stderr conventions).
//!
//! - [`runner`]: where a script runs ([`runner::Runner`]: [`local`] processes or the [`ssh`]
//!   pool of one session per host) and how its result becomes the action's answer
//!   ([`outcome`]: exit 0 → stdout; else the plain stderr lines; `ERROR:`/`WARN:`/`INFO:`/
//!   `DEBUG:` lines → `LOG`; a timeout → `Timeout executing <script>`).
//! - [`quote`]: the one shell-quoting function for command lines that cross SSH.
//! - [`config`]: driver arguments (`--remotes DIR`, `-d LIST`) and locations
//!   (`$ONE_LOCATION/var/remotes` or `/var/lib/one/remotes`, `SCRIPTS_REMOTE_DIR`, known_hosts,
//!   `NEPHELE_REMOTE_ENV`).
//! - [`xml`], [`action_data`]: the values read from the payloads (transfer files are
//!   [`crate::transfer`]).
//! - [`vmm`], [`im`], [`tm`]: the three drivers ([`crate::runtime::Driver`] implementations);
//!   [`ds`]: the datastore driver (`one_datastore`, front-end scripts of `datastore/<DS_MAD>/`).
//!
//! Environment handed to remote scripts: sshd passes no variables by default, so the drivers
//! export, in front of every remote command, the variables named in `NEPHELE_REMOTE_ENV` with
//! their values in the driver's environment (set both in `etc/mad/<driver>rc`). With `-l` the
//! scripts inherit the driver's environment anyway. This is how the dummy hypervisor's
//! directory (`NEPHELE_DUMMY_DIR`) or the datastore location of the probes
//! (`DATASTORE_LOCATION`) are configured; nothing comes from a VM template.

pub mod action_data;
pub mod config;
pub mod ds;
pub mod im;
pub mod local;
pub mod outcome;
pub mod quote;
pub mod runner;
pub mod ssh;
pub mod tm;
pub mod vmm;
pub mod xml;

use crate::runtime::DriverOptions;
use runner::Runner;

/// The runner a driver gets from its options: local with `-l` (or `force_local`), SSH
/// otherwise. An `Err` (SSH configuration) is reported by the driver's `INIT`.
pub fn runner_for(opts: &DriverOptions, args: &config::ExecArgs, force_local: bool) -> Result<Runner, String> {
    let remotes = config::remotes_dir_from_env(args.remotes.as_deref());
    if opts.local || force_local {
        return Ok(Runner::Local { remotes });
    }
    let config = ssh::SshConfig::from_env(remotes)?;
    Ok(Runner::Ssh(ssh::SshPool::new(config)))
}

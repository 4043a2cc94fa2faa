//! `one_datastore [-t N] [-w S] [-d fs,dummy] [-s shared,ssh] [--remotes DIR]`: the datastore
//! (DS) driver, OpenNebula 7's `one_datastore.rb` contract.
//!
//! `<VERB> <id> <base64 DS_DRIVER_ACTION_DATA>` runs `datastore/<DS_MAD>/<verb lower-case> <id>`
//! on the front-end with the base64 message (as received) on stdin. `MONITOR` of a system
//! datastore (`DATASTORE/TYPE` 1) runs `tm/<TM_MAD>/monitor <id>` instead. A DS_MAD not in `-d`
//! fails (`Datastore driver '<ds>' not available`), a system TM_MAD not in `-s` too (`System
//! datastore driver '<tm>' not available`). Exit 0 → SUCCESS with stdout on one line (MONITOR:
//! the base64 of stdout); otherwise FAILURE with the plain stderr lines ([`super::outcome`]).
//! `INFO:` stderr lines (progress) become `LOG I` lines while the script runs, the other log
//! lines when it ends. The scripts' `PATH` starts with the directory of the driver's own executable, so that they
//! find `one_xpath` and other helpers shipped with the drivers.
//!
//! When its input ends without `FINALIZE` (oned died), the driver does not let running scripts
//! finish ([`OnInputEnd::Stop`]): each script's process group gets SIGTERM, SIGKILL 0.5 s later
//! ([`super::local`]), and the `fs` scripts' traps remove their temporary files and whatever
//! they had already renamed into place; the driver exits once they are gone (at most
//! [`crate::runtime::STOP_WAIT`]).

use super::config::is_driver_name;
use super::local::{LineSink, run_local_streaming};
use super::outcome::log_line;
use super::outcome::{Limits, Status, interpret, one_line};
use super::runner::limits_of;
use crate::proto::{Severity, b64_encode};
use crate::runtime::{ActionContext, Driver, OnInputEnd, note};
use crate::xml::{decode_payload, element_text};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The actions of the DS driver (OpenNebula's, and Nephele's `PREFETCH`).
pub const VERBS: [&str; 11] = [
    "CP",
    "MKFS",
    "RM",
    "CLONE",
    "STAT",
    "MONITOR",
    "SNAP_DELETE",
    "SNAP_REVERT",
    "SNAP_FLATTEN",
    "EXPORT",
    "PREFETCH",
];

/// `DATASTORE/TYPE` of a system datastore.
const SYSTEM_DS: &str = "1";

/// The driver's own arguments (what the runtime left in `rest`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DsArgs {
    /// `--remotes DIR`.
    pub remotes: Option<PathBuf>,
    /// `-d fs,dummy`: the DS_MADs it may run (all when `None`).
    pub ds_mads: Option<Vec<String>>,
    /// `-s shared,ssh`: the TM_MADs of system datastores it may monitor (all when `None`).
    pub system_tms: Option<Vec<String>>,
}

/// Parses `--remotes DIR`, `-d LIST`, `-s LIST` (each also glued: `--remotes=DIR`, `-dLIST`,
/// `-sLIST`); anything else is refused.
pub fn parse_args(rest: &[String]) -> Result<DsArgs, String> {
    let mut args = DsArgs::default();
    let mut words = rest.iter();
    while let Some(word) = words.next() {
        let mut value = |flag: &str| -> Result<String, String> {
            match word.strip_prefix(flag).filter(|v| !v.is_empty()) {
                Some(glued) => Ok(glued.trim_start_matches('=').to_string()),
                None => words.next().cloned().ok_or_else(|| format!("{flag} needs a value")),
            }
        };
        if word == "--remotes" || word.starts_with("--remotes=") {
            let dir = value("--remotes")?;
            if dir.is_empty() {
                return Err("--remotes needs a directory".into());
            }
            args.remotes = Some(PathBuf::from(dir));
        } else if word.starts_with("-d") {
            args.ds_mads = Some(parse_list(&value("-d")?)?);
        } else if word.starts_with("-s") {
            args.system_tms = Some(parse_list(&value("-s")?)?);
        } else {
            return Err(format!("unexpected argument '{word}'"));
        }
    }
    Ok(args)
}

fn parse_list(list: &str) -> Result<Vec<String>, String> {
    let names: Vec<String> = list.split(',').map(str::trim).filter(|n| !n.is_empty()).map(String::from).collect();
    match names.iter().find(|n| !is_driver_name(n)) {
        Some(bad) => Err(format!("invalid driver name '{bad}'")),
        None => Ok(names),
    }
}

/// The script an action runs, relative to the remotes directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub script: String,
    /// `MONITOR`: the answer is the base64 of stdout.
    pub encode_stdout: bool,
}

/// Which script `verb` runs for the decoded drv message `xml`, or why it cannot run.
pub fn plan(verb: &str, xml: &str, args: &DsArgs) -> Result<Plan, String> {
    if !VERBS.contains(&verb) {
        return Err(format!("Unknown action {verb} for the datastore driver"));
    }
    let value = |path: &[&str]| -> Result<String, String> {
        element_text(xml, path)
            .map(|v| v.unwrap_or_default().trim().to_string())
            .map_err(|e| format!("{verb}: bad DS_DRIVER_ACTION_DATA: {e}"))
    };
    let ds_type = value(&["DS_DRIVER_ACTION_DATA", "DATASTORE", "TYPE"])?;
    let allowed = |list: &Option<Vec<String>>, name: &str| list.as_ref().is_none_or(|l| l.iter().any(|n| n == name));
    if verb == "MONITOR" && ds_type == SYSTEM_DS {
        let tm = value(&["DS_DRIVER_ACTION_DATA", "DATASTORE", "TM_MAD"])?;
        if tm.is_empty() {
            return Err("MONITOR: the system datastore has no TM_MAD".into());
        }
        if !is_driver_name(&tm) || !allowed(&args.system_tms, &tm) {
            return Err(format!("System datastore driver '{tm}' not available"));
        }
        return Ok(Plan { script: format!("tm/{tm}/monitor"), encode_stdout: true });
    }
    let ds = value(&["DS_DRIVER_ACTION_DATA", "DATASTORE", "DS_MAD"])?;
    if ds.is_empty() {
        return Err(format!("{verb}: the datastore has no DS_MAD"));
    }
    if !is_driver_name(&ds) || !allowed(&args.ds_mads, &ds) {
        return Err(format!("Datastore driver '{ds}' not available"));
    }
    Ok(Plan { script: format!("datastore/{ds}/{}", verb.to_ascii_lowercase()), encode_stdout: verb == "MONITOR" })
}

/// `DATASTORE/ID` of the drv message (`?` when it has none), for log lines.
fn datastore_id(xml: &str) -> String {
    match element_text(xml, &["DS_DRIVER_ACTION_DATA", "DATASTORE", "ID"]) {
        Ok(Some(id)) if !id.trim().is_empty() => id.trim().to_string(),
        _ => "?".to_string(),
    }
}

/// `dir` first, then `path` (the driver's own `PATH`).
pub fn script_path(dir: Option<&Path>, path: Option<&str>) -> String {
    let rest = path.filter(|p| !p.is_empty()).unwrap_or("/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin");
    match dir {
        Some(dir) => format!("{}:{rest}", dir.display()),
        None => rest.to_string(),
    }
}

/// The DS driver.
pub struct DsExec {
    remotes: PathBuf,
    args: DsArgs,
    /// The environment added to the scripts' (`PATH`).
    env: Vec<(String, String)>,
}

impl DsExec {
    /// `remotes`: the front-end's remotes directory; `bin_dir`: where the driver's executable
    /// (and `one_xpath`) live.
    pub fn new(remotes: PathBuf, args: DsArgs, bin_dir: Option<&Path>) -> DsExec {
        let path = script_path(bin_dir, std::env::var("PATH").ok().as_deref());
        DsExec { remotes, args, env: vec![("PATH".to_string(), path)] }
    }
}

impl Driver for DsExec {
    /// oned gone: a CP left to finish would rename its file into place for nobody (the next
    /// oned sends the CP again, and its script picks another SOURCE), so running scripts are
    /// killed (their traps remove what they wrote) instead of given the finalize grace.
    fn on_input_end(&self) -> OnInputEnd {
        OnInputEnd::Stop
    }

    fn init(&self) -> Result<(), String> {
        let dir = self.remotes.join("datastore");
        if !dir.is_dir() {
            return Err(format!("no datastore scripts ({} missing)", dir.display()));
        }
        Ok(())
    }

    fn action(&self, verb: &str, id: i64, payload: &str, ctx: &ActionContext) -> Result<String, String> {
        let xml = decode_payload(payload).map_err(|e| format!("{verb}: {e}"))?;
        let plan = plan(verb, &xml, &self.args)?;
        let program = self.remotes.join(&plan.script);
        if !program.is_file() {
            let driver = plan.script.split('/').nth(1).unwrap_or_default();
            return Err(if plan.script.starts_with("tm/") {
                format!("System datastore driver '{driver}' has no monitor action")
            } else {
                format!("Datastore driver '{driver}' has no {} action", verb.to_ascii_lowercase())
            });
        }
        let (deadline, cancelled) = limits_of(ctx);
        let limits = Limits { deadline, cancelled: &cancelled };
        let stdin = format!("{}\n", payload.trim());
        // INFO lines (progress of long copies) are sent as they come; the others at the end
        let live = ctx.clone();
        let sink: LineSink = Arc::new(move |line: &str| {
            if let Some((Severity::Info, text)) = log_line(line) {
                live.log(Severity::Info, &text);
            }
        });
        let output = run_local_streaming(&program, &[id.to_string()], &self.env, stdin.as_bytes(), &limits, Some(sink))
            .map_err(|e| one_line(&format!("cannot execute {}: {e}", plan.script)))?;
        if matches!(output.status, Status::Cancelled | Status::TimedOut) {
            let why = if output.status == Status::Cancelled { "cancelled" } else { "timed out" };
            note(&format!(
                "one_datastore: {verb} {id} (datastore {}): {} {why}, its process group killed",
                datastore_id(&xml),
                plan.script
            ));
        }
        let outcome = interpret(&plan.script, &output);
        for (severity, text) in outcome.logs.iter().filter(|(severity, _)| *severity != Severity::Info) {
            ctx.log(*severity, text);
        }
        match outcome.result {
            Ok(info) if plan.encode_stdout => {
                let _ = info;
                Ok(b64_encode(String::from_utf8_lossy(&output.stdout).trim().as_bytes()))
            }
            Ok(info) => Ok(info),
            Err(message) => {
                let how = match &output.status {
                    Status::Exited(code) => format!("exit code: {code}"),
                    Status::Signaled(signal) => format!("signal: {signal}"),
                    Status::TimedOut => "timeout".to_string(),
                    Status::Cancelled => "cancelled".to_string(),
                };
                ctx.log(Severity::Debug, &format!("Command execution failed ({how}): {} {id}", plan.script));
                Err(message)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(w: &[&str]) -> Vec<String> {
        w.iter().map(|s| s.to_string()).collect()
    }

    fn data(ds_mad: &str, ds_type: &str, tm_mad: &str) -> String {
        format!(
            "<DS_DRIVER_ACTION_DATA><IMAGE><ID>4</ID></IMAGE><DATASTORE><ID>1</ID><DS_MAD>{ds_mad}</DS_MAD>\
             <TM_MAD>{tm_mad}</TM_MAD><TYPE>{ds_type}</TYPE></DATASTORE></DS_DRIVER_ACTION_DATA>"
        )
    }

    #[test]
    fn arguments() {
        let a = parse_args(&words(&["-d", "dummy,fs", "-s", "shared,ssh,qcow2", "--remotes", "/r"])).unwrap();
        assert_eq!(a.ds_mads, Some(words(&["dummy", "fs"])));
        assert_eq!(a.system_tms, Some(words(&["shared", "ssh", "qcow2"])));
        assert_eq!(a.remotes, Some(PathBuf::from("/r")));
        let a = parse_args(&words(&["-dfs", "-sssh", "--remotes=/x"])).unwrap();
        assert_eq!((a.ds_mads, a.system_tms), (Some(words(&["fs"])), Some(words(&["ssh"]))));
        assert_eq!(a.remotes, Some(PathBuf::from("/x")));
        assert_eq!(parse_args(&[]).unwrap(), DsArgs::default());
        assert!(parse_args(&words(&["-d"])).is_err());
        assert!(parse_args(&words(&["-d", "fs,../x"])).is_err());
        assert!(parse_args(&words(&["--remotes="])).is_err());
        assert!(parse_args(&words(&["fs"])).is_err());
        assert!(parse_args(&words(&["-x"])).is_err());
    }

    #[test]
    fn plans() {
        let args = parse_args(&words(&["-d", "dummy,fs", "-s", "shared,ssh"])).unwrap();
        let p = plan("CP", &data("fs", "0", "ssh"), &args).unwrap();
        assert_eq!(p, Plan { script: "datastore/fs/cp".into(), encode_stdout: false });
        let p = plan("SNAP_FLATTEN", &data("fs", "0", "ssh"), &args).unwrap();
        assert_eq!(p.script, "datastore/fs/snap_flatten");
        let p = plan("MONITOR", &data("fs", "0", "ssh"), &args).unwrap();
        assert_eq!(p, Plan { script: "datastore/fs/monitor".into(), encode_stdout: true });
        let p = plan("MONITOR", &data("-", "1", "ssh"), &args).unwrap();
        assert_eq!(p, Plan { script: "tm/ssh/monitor".into(), encode_stdout: true });
        assert_eq!(plan("CP", &data("ceph", "0", "ssh"), &args), Err("Datastore driver 'ceph' not available".into()));
        assert_eq!(plan("CP", &data("../x", "0", "ssh"), &args), Err("Datastore driver '../x' not available".into()));
        assert_eq!(
            plan("MONITOR", &data("fs", "1", "qcow2"), &args),
            Err("System datastore driver 'qcow2' not available".into())
        );
        assert!(plan("CP", &data("", "0", "ssh"), &args).unwrap_err().contains("no DS_MAD"));
        assert!(plan("RESIZE", &data("fs", "0", "ssh"), &args).unwrap_err().contains("Unknown action"));
        assert!(plan("CP", "<DS_DRIVER_ACTION_DATA><DATASTORE><TYPE>0</DATASTORE>", &args).is_err());
        let all = DsArgs::default();
        assert_eq!(plan("RM", &data("ceph", "0", "x"), &all).unwrap().script, "datastore/ceph/rm");
    }

    #[test]
    fn datastore_id_names_the_datastore_in_log_lines() {
        assert_eq!(datastore_id(&data("fs", "0", "ssh")), "1");
        assert_eq!(
            datastore_id("<DS_DRIVER_ACTION_DATA><DATASTORE><ID> </ID></DATASTORE></DS_DRIVER_ACTION_DATA>"),
            "?"
        );
        assert_eq!(datastore_id("<DS_DRIVER_ACTION_DATA><IMAGE/>"), "?");
    }

    #[test]
    fn path_puts_the_driver_dir_first() {
        assert_eq!(script_path(Some(Path::new("/opt/one/bin")), Some("/usr/bin:/bin")), "/opt/one/bin:/usr/bin:/bin");
        assert_eq!(script_path(None, Some("/usr/bin")), "/usr/bin");
        assert!(script_path(Some(Path::new("/b")), None).starts_with("/b:/usr/local/bin:"));
    }
}

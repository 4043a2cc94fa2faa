//! `sched.conf` (OpenNebula template syntax), with defaults for every key.

use crate::placement::{DsPolicy, Limits, Policy};
use libone::template::Template;
use std::path::{Path, PathBuf};
use std::time::Duration;

#[derive(Clone, Debug)]
pub struct SchedConfig {
    /// oned's endpoint (`ONE_XMLRPC`; the environment variable wins when set).
    pub endpoint: String,
    /// Longest wait between cycles when nothing happens.
    pub interval: Duration,
    /// Pending VMs read per cycle (0: all).
    pub max_vm: usize,
    pub limits: Limits,
    pub live_rescheds: bool,
    pub policy: Policy,
    /// How system datastores are ranked when a VM has no `SCHED_DS_RANK` (`DEFAULT_DS_SCHED`).
    pub ds_policy: DsPolicy,
    /// `DEFAULT_SCHED/LIBRARY` for policy 5.
    pub library: Option<PathBuf>,
    /// Parallel deploy calls.
    pub dispatch_threads: usize,
    /// `LOG/SYSTEM`: "file" (`$ONE_LOCATION/var/sched.log`) or "std" (stderr).
    pub log_to_file: bool,
    /// `LOG/DEBUG_LEVEL`: 0 ERROR, 1 WARNING, 2 INFO, 3 DEBUG.
    pub debug_level: u8,
}

impl Default for SchedConfig {
    fn default() -> Self {
        SchedConfig {
            endpoint: "http://localhost:2633/RPC2".into(),
            interval: Duration::from_secs(15),
            max_vm: 5000,
            limits: Limits { max_dispatch: 1000, max_host: 1 },
            live_rescheds: false,
            policy: Policy::Striping,
            ds_policy: DsPolicy::Striping,
            library: None,
            dispatch_threads: 8,
            log_to_file: false,
            debug_level: 3,
        }
    }
}

fn num(t: &Template, k: &str) -> Result<Option<u64>, String> {
    match t.get(k) {
        None => Ok(None),
        Some(v) => {
            v.trim().parse::<u64>().map(Some).map_err(|_| format!("{k} must be a non-negative integer, not {v:?}"))
        }
    }
}

impl SchedConfig {
    /// Reads `path` (missing file: all defaults), then `ONE_XMLRPC` from the environment.
    pub fn load(path: Option<&Path>) -> Result<SchedConfig, String> {
        let text = match path {
            Some(p) if p.exists() => std::fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display()))?,
            _ => String::new(),
        };
        let mut c = Self::parse(&text).map_err(|e| match path {
            Some(p) => format!("{}: {e}", p.display()),
            None => e,
        })?;
        if let Ok(e) = std::env::var("ONE_XMLRPC")
            && !e.trim().is_empty()
        {
            c.endpoint = e.trim().to_string();
        }
        Ok(c)
    }

    pub fn parse(text: &str) -> Result<SchedConfig, String> {
        let t = Template::parse_text(text).map_err(|e| e.to_string())?;
        let mut c = SchedConfig::default();
        if let Some(e) = t.get("ONE_XMLRPC") {
            c.endpoint = e.trim().to_string();
        }
        if let Some(v) = num(&t, "SCHED_INTERVAL")? {
            c.interval = Duration::from_secs(v.max(1));
        }
        if let Some(v) = num(&t, "MAX_VM")? {
            c.max_vm = v as usize;
        }
        if let Some(v) = num(&t, "MAX_DISPATCH")? {
            c.limits.max_dispatch = v as usize;
        }
        if let Some(v) = num(&t, "MAX_HOST")? {
            c.limits.max_host = v as usize;
        }
        if let Some(v) = num(&t, "LIVE_RESCHEDS")? {
            c.live_rescheds = v == 1;
        }
        if let Some(v) = num(&t, "DISPATCH_THREADS")? {
            c.dispatch_threads = (v as usize).clamp(1, 64);
        }
        if let Some(l) = t.vector("LOG") {
            c.log_to_file = match l.get("SYSTEM").map(|s| s.trim().to_ascii_lowercase()).as_deref() {
                None | Some("file") => true,
                Some("std") => false,
                Some(other) => return Err(format!("LOG/SYSTEM must be \"file\" or \"std\", not {other:?}")),
            };
            if let Some(v) = l.get("DEBUG_LEVEL") {
                c.debug_level = match v.trim().parse::<u8>() {
                    Ok(n) if n <= 3 => n,
                    _ => return Err(format!("LOG/DEBUG_LEVEL must be 0 to 3, not {v:?}")),
                };
            }
        }
        if let Some(d) = t.vector("DEFAULT_SCHED") {
            let policy = d.get("POLICY").unwrap_or("1").trim();
            c.policy = match policy {
                "0" => Policy::Packing,
                "1" => Policy::Striping,
                "2" => Policy::LoadAware,
                "3" => Policy::Custom(d.get("RANK").unwrap_or("").to_string()),
                "4" => Policy::Fixed,
                "5" => {
                    let lib = d
                        .get("LIBRARY")
                        .map(str::trim)
                        .filter(|l| !l.is_empty())
                        .ok_or("DEFAULT_SCHED/POLICY 5 needs LIBRARY")?;
                    let p = PathBuf::from(lib);
                    if !p.is_absolute() {
                        return Err(format!("DEFAULT_SCHED/LIBRARY must be an absolute path, not {lib:?}"));
                    }
                    c.library = Some(p);
                    Policy::Library
                }
                other => return Err(format!("DEFAULT_SCHED/POLICY must be 0 to 5, not {other:?}")),
            };
        }
        if let Some(d) = t.vector("DEFAULT_DS_SCHED") {
            c.ds_policy = match d.get("POLICY").unwrap_or("1").trim() {
                "0" => DsPolicy::Packing,
                "1" => DsPolicy::Striping,
                "2" => {
                    let rank = d.get("RANK").unwrap_or("").trim();
                    crate::expr::Rank::parse(rank).map_err(|e| format!("DEFAULT_DS_SCHED/RANK {rank:?}: {e}"))?;
                    DsPolicy::Custom(rank.to_string())
                }
                other => return Err(format!("DEFAULT_DS_SCHED/POLICY must be 0 to 2, not {other:?}")),
            };
        }
        Ok(c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_values() {
        let c = SchedConfig::parse("").unwrap();
        assert_eq!(c.limits.max_host, 1);
        let c = SchedConfig::parse("SCHED_INTERVAL = 5\nMAX_DISPATCH = 30\nMAX_HOST = 0\nLIVE_RESCHEDS = 1\nDEFAULT_SCHED = [ POLICY = 3, RANK = \"FREE_CPU\" ]").unwrap();
        assert_eq!(c.interval, Duration::from_secs(5));
        assert_eq!((c.limits.max_dispatch, c.limits.max_host, c.live_rescheds), (30, 0, true));
        assert!(matches!(c.policy, Policy::Custom(ref r) if r == "FREE_CPU"));
        assert!(!c.log_to_file);
        let c = SchedConfig::parse("LOG = [ SYSTEM = \"file\", DEBUG_LEVEL = 1 ]").unwrap();
        assert_eq!((c.log_to_file, c.debug_level), (true, 1));
        let c = SchedConfig::parse("LOG = [ SYSTEM = \"std\" ]").unwrap();
        assert_eq!((c.log_to_file, c.debug_level), (false, 3));
        assert_eq!(SchedConfig::parse("DEFAULT_DS_SCHED = [ POLICY = 0 ]").unwrap().ds_policy, DsPolicy::Packing);
        let c = SchedConfig::parse("DEFAULT_DS_SCHED = [ POLICY = 2, RANK = \"- USED_MB\" ]").unwrap();
        assert_eq!(c.ds_policy, DsPolicy::Custom("- USED_MB".into()));
    }

    #[test]
    fn shipped_sched_conf_parses_to_the_documented_defaults() {
        let c = SchedConfig::parse(include_str!("../../etc/sched.conf")).unwrap();
        assert_eq!((c.max_vm, c.limits.max_dispatch, c.limits.max_host), (5000, 1000, 1));
        assert_eq!(c.interval, Duration::from_secs(15));
        assert!(matches!(c.policy, Policy::Striping));
        assert_eq!(c.ds_policy, DsPolicy::Striping);
        assert_eq!((c.log_to_file, c.debug_level), (true, 3));
    }

    #[test]
    fn errors() {
        assert!(SchedConfig::parse("MAX_VM = -1").unwrap_err().contains("MAX_VM"));
        assert!(SchedConfig::parse("DEFAULT_SCHED = [ POLICY = 9 ]").unwrap_err().contains("0 to 5"));
        assert!(
            SchedConfig::parse("DEFAULT_SCHED = [ POLICY = 5, LIBRARY = \"rel.so\" ]")
                .unwrap_err()
                .contains("absolute")
        );
        assert!(SchedConfig::parse("X = [").is_err());
        assert!(SchedConfig::parse("LOG = [ SYSTEM = \"syslog\" ]").unwrap_err().contains("LOG/SYSTEM"));
        assert!(SchedConfig::parse("LOG = [ DEBUG_LEVEL = 7 ]").unwrap_err().contains("DEBUG_LEVEL"));
        assert!(SchedConfig::parse("DEFAULT_DS_SCHED = [ POLICY = 3 ]").unwrap_err().contains("0 to 2"));
        assert!(
            SchedConfig::parse("DEFAULT_DS_SCHED = [ POLICY = 2, RANK = \"FREE_MB +\" ]").unwrap_err().contains("RANK")
        );
    }
}

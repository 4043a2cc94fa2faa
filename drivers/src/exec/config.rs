//! Where the exec drivers find things, from their arguments and environment (pure functions;
//! the `*_from_env` helpers only read the process environment and call them).
//!
//! - remotes on the front-end: `--remotes DIR`, else `$ONE_LOCATION/var/remotes`, else
//!   `/var/lib/one/remotes`;
//! - the front-end's state directory: `$ONE_LOCATION/var`, else `/var/lib/one`;
//! - remotes on the hosts: `$SCRIPTS_REMOTE_DIR`, default `/var/tmp/one`;
//! - variables given to remote scripts: those named in `$NEPHELE_REMOTE_ENV` (blank- or
//!   comma-separated), with their values in the driver's environment.

use std::path::{Path, PathBuf};

/// The driver arguments the exec drivers read themselves (what the runtime left in `rest`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExecArgs {
    /// Words that are not options: the hypervisor / IM driver name.
    pub positional: Vec<String>,
    /// `--remotes DIR`.
    pub remotes: Option<PathBuf>,
    /// `-d tm1,tm2`: the transfer drivers one_tm may run.
    pub allowed: Option<Vec<String>>,
}

/// Parses `--remotes DIR` (or `--remotes=DIR`), `-d LIST` (or `-dLIST`) and positional words;
/// OpenNebula's `-p`, `-c` and `-s SHELL` are accepted and ignored; other options are refused.
pub fn parse_exec_args(rest: &[String]) -> Result<ExecArgs, String> {
    let mut args = ExecArgs::default();
    let mut words = rest.iter();
    while let Some(word) = words.next() {
        if word == "--remotes" {
            let dir = words.next().ok_or("--remotes needs a directory")?;
            args.remotes = Some(PathBuf::from(dir));
        } else if let Some(dir) = word.strip_prefix("--remotes=") {
            args.remotes = Some(PathBuf::from(dir));
        } else if word == "-d" {
            let list = words.next().ok_or("-d needs a list of driver names")?;
            args.allowed = Some(parse_list(list)?);
        } else if let Some(list) = word.strip_prefix("-d").filter(|l| !l.is_empty()) {
            args.allowed = Some(parse_list(list)?);
        } else if word == "-p" || word == "-c" {
            // OpenNebula's "no per-host serialisation" and "compressed" flags: one SSH session
            // per host serialises actions per host anyway; replies are never compressed.
        } else if word == "-s" {
            // OpenNebula's shell for SSH streams: remote commands are POSIX sh here.
            words.next().ok_or("-s needs a shell name")?;
        } else if word.starts_with('-') && word.len() > 1 {
            return Err(format!("unknown option {word}"));
        } else {
            args.positional.push(word.clone());
        }
    }
    if let Some(dir) = &args.remotes
        && dir.as_os_str().is_empty()
    {
        return Err("--remotes needs a directory".into());
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

/// A driver, hypervisor or action name that may become a path component: `[A-Za-z0-9_-]+`.
pub use crate::transfer::is_driver_name;

/// The front-end's remotes directory.
pub fn remotes_dir(flag: Option<&Path>, one_location: Option<&str>) -> PathBuf {
    match (flag, one_location.filter(|l| !l.is_empty())) {
        (Some(dir), _) => dir.to_path_buf(),
        (None, Some(location)) => Path::new(location).join("var").join("remotes"),
        (None, None) => PathBuf::from("/var/lib/one/remotes"),
    }
}

/// The front-end's state directory.
pub fn var_dir(one_location: Option<&str>) -> PathBuf {
    match one_location.filter(|l| !l.is_empty()) {
        Some(location) => Path::new(location).join("var"),
        None => PathBuf::from("/var/lib/one"),
    }
}

/// The known-hosts file of the front-end (OpenSSH format), shared with the tm/ssh scripts:
/// `$NEPHELE_SSH_KNOWN_HOSTS`, else `<var>/.ssh/known_hosts` (oneadmin's own file in a
/// system install, where `/var/lib/one` is oneadmin's home).
pub fn known_hosts_file(explicit: Option<&str>, one_location: Option<&str>) -> PathBuf {
    match explicit.filter(|p| !p.is_empty()) {
        Some(path) => PathBuf::from(path),
        None => var_dir(one_location).join(".ssh").join("known_hosts"),
    }
}

/// The remotes directory on the hosts; must be absolute and free of quotes' worth of surprises
/// (it is quoted anyway, but a relative or empty path would land in the login directory).
pub fn scripts_remote_dir(value: Option<&str>) -> Result<String, String> {
    let dir = value.filter(|v| !v.is_empty()).unwrap_or("/var/tmp/one");
    if !dir.starts_with('/') || dir.contains('\0') {
        return Err(format!("SCRIPTS_REMOTE_DIR must be an absolute path, not '{dir}'"));
    }
    let trimmed = dir.trim_end_matches('/');
    if trimmed.is_empty() {
        return Err("SCRIPTS_REMOTE_DIR cannot be '/'".into());
    }
    Ok(trimmed.to_string())
}

/// The variables forwarded to remote scripts: the names listed in `spec`, each with its value
/// from `lookup` (unset ones are skipped). Names must be shell identifiers.
pub fn forwarded_env(
    spec: Option<&str>,
    lookup: impl Fn(&str) -> Option<String>,
) -> Result<Vec<(String, String)>, String> {
    let mut vars = Vec::new();
    for name in spec.unwrap_or("").split([' ', ',', '\t', '\n']).filter(|n| !n.is_empty()) {
        if !is_shell_identifier(name) {
            return Err(format!("NEPHELE_REMOTE_ENV: '{name}' is not a variable name"));
        }
        if let Some(value) = lookup(name) {
            vars.push((name.to_string(), value));
        }
    }
    Ok(vars)
}

/// `[A-Za-z_][A-Za-z0-9_]*`
pub fn is_shell_identifier(name: &str) -> bool {
    let mut bytes = name.bytes();
    matches!(bytes.next(), Some(b) if b.is_ascii_alphabetic() || b == b'_')
        && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

/// [`remotes_dir`] with `$ONE_LOCATION`.
pub fn remotes_dir_from_env(flag: Option<&Path>) -> PathBuf {
    remotes_dir(flag, env("ONE_LOCATION").as_deref())
}

/// [`known_hosts_file`] with `$NEPHELE_SSH_KNOWN_HOSTS` and `$ONE_LOCATION`.
pub fn known_hosts_file_from_env() -> PathBuf {
    known_hosts_file(env("NEPHELE_SSH_KNOWN_HOSTS").as_deref(), env("ONE_LOCATION").as_deref())
}

/// [`scripts_remote_dir`] with `$SCRIPTS_REMOTE_DIR`.
pub fn scripts_remote_dir_from_env() -> Result<String, String> {
    scripts_remote_dir(env("SCRIPTS_REMOTE_DIR").as_deref())
}

/// [`forwarded_env`] with `$NEPHELE_REMOTE_ENV` and the process environment.
pub fn forwarded_env_from_env() -> Result<Vec<(String, String)>, String> {
    forwarded_env(env("NEPHELE_REMOTE_ENV").as_deref(), env)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(words: &[&str]) -> Vec<String> {
        words.iter().map(|w| w.to_string()).collect()
    }

    #[test]
    fn exec_args() {
        let a = parse_exec_args(&strings(&["kvm", "--remotes", "/r", "-d", "ssh,shared"])).unwrap();
        assert_eq!(a.positional, ["kvm"]);
        assert_eq!(a.remotes, Some(PathBuf::from("/r")));
        assert_eq!(a.allowed, Some(strings(&["ssh", "shared"])));
        let a = parse_exec_args(&strings(&["--remotes=/x", "-dssh"])).unwrap();
        assert_eq!(a.remotes, Some(PathBuf::from("/x")));
        assert_eq!(a.allowed, Some(strings(&["ssh"])));
        assert!(parse_exec_args(&strings(&["--remotes"])).is_err());
        assert!(parse_exec_args(&strings(&["-d", "ssh,../x"])).is_err());
        assert!(parse_exec_args(&strings(&["--bogus"])).is_err());
        let a = parse_exec_args(&strings(&["kvm", "-p", "-c", "-s", "bash"])).unwrap();
        assert_eq!(a.positional, ["kvm"]);
    }

    #[test]
    fn locations() {
        assert_eq!(remotes_dir(None, None), PathBuf::from("/var/lib/one/remotes"));
        assert_eq!(remotes_dir(None, Some("/opt/one")), PathBuf::from("/opt/one/var/remotes"));
        assert_eq!(remotes_dir(Some(Path::new("/r")), Some("/opt/one")), PathBuf::from("/r"));
        assert_eq!(var_dir(Some("")), PathBuf::from("/var/lib/one"));
        assert_eq!(known_hosts_file(None, Some("/o")), PathBuf::from("/o/var/.ssh/known_hosts"));
        assert_eq!(known_hosts_file(Some("/k"), Some("/o")), PathBuf::from("/k"));
        assert_eq!(scripts_remote_dir(None).unwrap(), "/var/tmp/one");
        assert_eq!(scripts_remote_dir(Some("/tmp/r/")).unwrap(), "/tmp/r");
        assert!(scripts_remote_dir(Some("relative")).is_err());
        assert!(scripts_remote_dir(Some("//")).is_err());
    }

    #[test]
    fn names() {
        assert!(is_driver_name("fs_lvm-ssh2"));
        assert!(!is_driver_name("") && !is_driver_name("..") && !is_driver_name("a/b") && !is_driver_name("a.b"));
        assert!(is_shell_identifier("_A1") && !is_shell_identifier("1A") && !is_shell_identifier("A-B"));
    }

    #[test]
    fn forwarded() {
        let lookup = |n: &str| (n == "NEPHELE_DUMMY_DIR").then(|| "/tmp/d x".to_string());
        assert_eq!(
            forwarded_env(Some("NEPHELE_DUMMY_DIR, UNSET"), lookup).unwrap(),
            vec![("NEPHELE_DUMMY_DIR".to_string(), "/tmp/d x".to_string())]
        );
        assert!(forwarded_env(Some("A=B"), lookup).is_err());
        assert!(forwarded_env(None, lookup).unwrap().is_empty());
    }
}

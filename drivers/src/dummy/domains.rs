//! The dummy hypervisor's "running domains": in memory, or files in a state directory shared by
//! `one_vmm_dummy` (which writes it) and `one_im_dummy` (which reports it), so a domain survives
//! a driver restart.
//!
//! In the state directory there is one subdirectory per host, one file per domain:
//!
//! ```text
//! DIR/<host>/dummy-<vmid>
//! ```
//!
//! holding (written whole: a temporary file in the same directory renamed over it)
//!
//! ```text
//! ID=42
//! DEPLOY_ID=dummy-42
//! HOST=node1
//! ```
//!
//! `<host>` is the host name made safe for a file name by [`host_dir_name`]. The layout is per
//! host because the IM probes one host at a time: a probe reads that host's directory only, so
//! it costs O(VMs on the host), not O(VMs in the cloud) (2,500 hosts probed every 30 s over
//! 10,000 VMs would otherwise read 25 million files per interval). Finding a domain by VM id
//! (`SHUTDOWN`, `POLL` ...) looks in the directory of the host the caller names first (the
//! payload's `HOST`) and scans the host directories only when it is not there.
//!
//! Domain files of the earlier flat layout (`DIR/dummy-<vmid>`) are moved into their host's
//! directory when the directory is opened, so an upgrade loses no running domain.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// One running domain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Domain {
    /// The VM id.
    pub id: i64,
    /// The hypervisor's name for it (`dummy-<id>`).
    pub deploy_id: String,
    /// The host it runs on.
    pub host: String,
}

/// Why a domain file's text cannot be read.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DomainFileError {
    #[error("bad ID \"{0}\"")]
    BadId(String),
    #[error("unexpected line \"{0}\"")]
    UnexpectedLine(String),
    #[error("missing ID, DEPLOY_ID or HOST")]
    Missing,
}

/// Why the domains cannot be read or changed.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DomainError {
    #[error("host name or deploy id of VM {0} holds a line break")]
    LineBreak(i64),
    #[error("cannot {op} {path}: {reason}")]
    Io { op: &'static str, path: String, reason: String },
    #[error("{path}: {source}")]
    Corrupt { path: String, source: DomainFileError },
}

impl DomainError {
    fn io(op: &'static str, path: &Path, e: &std::io::Error) -> DomainError {
        DomainError::Io { op, path: path.display().to_string(), reason: e.to_string() }
    }
}

impl Domain {
    fn to_file(&self) -> String {
        format!("ID={}\nDEPLOY_ID={}\nHOST={}\n", self.id, self.deploy_id, self.host)
    }

    /// Reads a domain file's text.
    pub fn from_file(text: &str) -> Result<Domain, DomainFileError> {
        let (mut id, mut deploy_id, mut host) = (None, None, None);
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            match line.split_once('=') {
                Some(("ID", v)) => id = Some(v.parse::<i64>().map_err(|_| DomainFileError::BadId(v.to_owned()))?),
                Some(("DEPLOY_ID", v)) => deploy_id = Some(v.to_owned()),
                Some(("HOST", v)) => host = Some(v.to_owned()),
                _ => return Err(DomainFileError::UnexpectedLine(line.to_owned())),
            }
        }
        match (id, deploy_id, host) {
            (Some(id), Some(deploy_id), Some(host)) => Ok(Domain { id, deploy_id, host }),
            _ => Err(DomainFileError::Missing),
        }
    }
}

/// Where the domains are kept.
pub enum Domains {
    /// Lost when the driver exits.
    Memory(Mutex<BTreeMap<i64, Domain>>),
    /// One directory per host, one file per domain, under this directory.
    Dir(PathBuf),
}

/// Prefix of a domain file's name (`dummy-<vmid>`).
const PREFIX: &str = "dummy-";

/// The file name of VM `id`'s domain.
fn file_name(id: i64) -> String {
    format!("{PREFIX}{id}")
}

/// Longest host directory name before it is shortened (file names stop at 255 bytes).
const MAX_DIR_NAME: usize = 200;

/// The directory name of host `host`: ASCII letters, digits, `_`, `-` and `.` (but not a leading
/// one) are kept, every other byte is written `%XX`, so distinct names stay distinct and none is
/// hidden, `.` or `..`. An empty name is `%`. A name longer than 200 bytes once encoded is cut to
/// 183 bytes followed by `~` and a 64-bit FNV-1a hash of the whole host name (`~` is otherwise
/// always encoded); the domain files record their `HOST`, so two hosts sharing a shortened
/// name are still told apart.
pub fn host_dir_name(host: &str) -> String {
    let mut name = String::with_capacity(host.len());
    for (i, b) in host.bytes().enumerate() {
        if b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || (b == b'.' && i > 0) {
            name.push(char::from(b));
        } else {
            let _ = write!(name, "%{b:02X}");
        }
    }
    if name.is_empty() {
        name.push('%');
    }
    if name.len() > MAX_DIR_NAME {
        let hash = host.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3));
        name.truncate(MAX_DIR_NAME - 17);
        let _ = write!(name, "~{hash:016x}");
    }
    name
}

/// The domain in file `path`; `None` if there is no such file.
fn read_domain(path: &Path) -> Result<Option<Domain>, DomainError> {
    match std::fs::read_to_string(path) {
        Ok(text) => Domain::from_file(&text)
            .map(Some)
            .map_err(|source| DomainError::Corrupt { path: path.display().to_string(), source }),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
        Err(e) => Err(DomainError::io("read", path, &e)),
    }
}

/// Removes a file; no error if it is already gone.
fn remove_file(path: &Path) -> Result<(), DomainError> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != ErrorKind::NotFound => Err(DomainError::io("remove", path, &e)),
        _ => Ok(()),
    }
}

/// Whether a directory entry's name is a domain file's (`dummy-<digits>`).
fn is_domain_file_name(name: &str) -> bool {
    name.strip_prefix(PREFIX).is_some_and(|id| id.parse::<i64>().is_ok())
}

/// The subdirectories of `dir` (hidden ones left out).
fn host_dirs(dir: &Path) -> Result<Vec<PathBuf>, DomainError> {
    let entries = std::fs::read_dir(dir).map_err(|e| DomainError::io("list", dir, &e))?;
    let mut dirs = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| DomainError::io("list", dir, &e))?;
        let hidden = entry.file_name().to_str().is_none_or(|n| n.starts_with('.'));
        if !hidden && entry.file_type().is_ok_and(|t| t.is_dir()) {
            dirs.push(entry.path());
        }
    }
    Ok(dirs)
}

/// The domains of the files in host directory `dir`, by VM id; a missing directory has none.
/// Unreadable domain files are skipped with a warning on stderr.
fn domains_in(dir: &Path) -> Result<Vec<Domain>, DomainError> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(DomainError::io("list", dir, &e)),
    };
    let mut domains = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| DomainError::io("list", dir, &e))?;
        if !entry.file_name().to_str().is_some_and(is_domain_file_name) {
            continue;
        }
        match read_domain(&entry.path()) {
            Ok(Some(domain)) => domains.push(domain),
            // Removed meanwhile: not running any more.
            Ok(None) => {}
            Err(e) => eprintln!("dummy: skipping domain file: {e}"),
        }
    }
    domains.sort_by_key(|d| d.id);
    Ok(domains)
}

impl Domains {
    /// In memory, or in `dir` (created if missing; files of the flat layout are moved into
    /// their host's directory).
    pub fn open(dir: Option<&Path>) -> Result<Domains, DomainError> {
        match dir {
            None => Ok(Domains::Memory(Mutex::new(BTreeMap::new()))),
            Some(dir) => {
                std::fs::create_dir_all(dir).map_err(|e| DomainError::io("create", dir, &e))?;
                adopt_flat_files(dir)?;
                Ok(Domains::Dir(dir.to_owned()))
            }
        }
    }

    fn memory(map: &Mutex<BTreeMap<i64, Domain>>) -> std::sync::MutexGuard<'_, BTreeMap<i64, Domain>> {
        map.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The file of VM `id`'s domain on `host`.
    fn path(dir: &Path, host: &str, id: i64) -> PathBuf {
        dir.join(host_dir_name(host)).join(file_name(id))
    }

    /// Records (or replaces) a domain, in its host's directory.
    pub fn put(&self, domain: &Domain) -> Result<(), DomainError> {
        if domain.host.contains(['\n', '\r']) || domain.deploy_id.contains(['\n', '\r']) {
            return Err(DomainError::LineBreak(domain.id));
        }
        match self {
            Domains::Memory(map) => {
                Self::memory(map).insert(domain.id, domain.clone());
                Ok(())
            }
            Domains::Dir(dir) => {
                let host_dir = dir.join(host_dir_name(&domain.host));
                std::fs::create_dir_all(&host_dir).map_err(|e| DomainError::io("create", &host_dir, &e))?;
                let path = host_dir.join(file_name(domain.id));
                // A temporary name of its own per process and thread, then an atomic rename.
                let temporary = host_dir.join(format!(
                    ".{}.{}.{:?}.tmp",
                    file_name(domain.id),
                    std::process::id(),
                    std::thread::current().id()
                ));
                std::fs::write(&temporary, domain.to_file()).and_then(|()| std::fs::rename(&temporary, &path)).map_err(
                    |e| {
                        let _ = std::fs::remove_file(&temporary);
                        DomainError::io("write", &path, &e)
                    },
                )
            }
        }
    }

    /// Finds VM `id`'s domain file: on `hint` first, then in every host directory.
    fn locate(dir: &Path, id: i64, hint: Option<&str>) -> Result<Option<(PathBuf, Domain)>, DomainError> {
        let hinted = hint.map(|host| dir.join(host_dir_name(host)));
        if let Some(host_dir) = &hinted {
            let path = host_dir.join(file_name(id));
            if let Some(domain) = read_domain(&path)? {
                return Ok(Some((path, domain)));
            }
        }
        for host_dir in host_dirs(dir)? {
            if hinted.as_ref() == Some(&host_dir) {
                continue;
            }
            let path = host_dir.join(file_name(id));
            if let Some(domain) = read_domain(&path)? {
                return Ok(Some((path, domain)));
            }
        }
        Ok(None)
    }

    /// The domain of VM `id`, if it runs; `hint` is the host it most likely runs on.
    pub fn get(&self, id: i64, hint: Option<&str>) -> Result<Option<Domain>, DomainError> {
        match self {
            Domains::Memory(map) => Ok(Self::memory(map).get(&id).cloned()),
            Domains::Dir(dir) => Ok(Self::locate(dir, id, hint)?.map(|(_, domain)| domain)),
        }
    }

    /// Forgets VM `id`'s domain (no error if there is none); returns what it was.
    pub fn remove(&self, id: i64, hint: Option<&str>) -> Result<Option<Domain>, DomainError> {
        match self {
            Domains::Memory(map) => Ok(Self::memory(map).remove(&id)),
            Domains::Dir(dir) => match Self::locate(dir, id, hint)? {
                Some((path, domain)) => {
                    remove_file(&path)?;
                    Ok(Some(domain))
                }
                None => Ok(None),
            },
        }
    }

    /// Moves VM `id`'s domain (most likely on `from`) to host `to`; returns the moved domain,
    /// `None` if there was none. The new file is written before the old one is removed.
    pub fn migrate(&self, id: i64, from: Option<&str>, to: &str) -> Result<Option<Domain>, DomainError> {
        match self {
            Domains::Memory(map) => {
                let mut map = Self::memory(map);
                Ok(map.get_mut(&id).map(|domain| {
                    domain.host = to.to_owned();
                    domain.clone()
                }))
            }
            Domains::Dir(dir) => {
                let Some((old_path, domain)) = Self::locate(dir, id, from)? else { return Ok(None) };
                let moved = Domain { host: to.to_owned(), ..domain };
                self.put(&moved)?;
                if old_path != Self::path(dir, to, id) {
                    remove_file(&old_path)?;
                }
                Ok(Some(moved))
            }
        }
    }

    /// The domains running on `host`, by VM id: only that host's directory is read.
    pub fn on_host(&self, host: &str) -> Result<Vec<Domain>, DomainError> {
        match self {
            Domains::Memory(map) => Ok(Self::memory(map).values().filter(|d| d.host == host).cloned().collect()),
            Domains::Dir(dir) => {
                let mut domains = domains_in(&dir.join(host_dir_name(host)))?;
                // A shortened directory name may be shared by two hosts.
                domains.retain(|d| d.host == host);
                Ok(domains)
            }
        }
    }

    /// Every domain, by VM id (reads every host directory).
    pub fn all(&self) -> Result<Vec<Domain>, DomainError> {
        match self {
            Domains::Memory(map) => Ok(Self::memory(map).values().cloned().collect()),
            Domains::Dir(dir) => {
                let mut domains = Vec::new();
                for host_dir in host_dirs(dir)? {
                    domains.extend(domains_in(&host_dir)?);
                }
                domains.sort_by_key(|d| d.id);
                Ok(domains)
            }
        }
    }
}

/// Moves the domain files of the flat layout (`DIR/dummy-<vmid>`) into their host's directory.
/// A rename, so the IM and the VMM may both do it at once; an unreadable file stays where it is
/// (with a warning on stderr).
fn adopt_flat_files(dir: &Path) -> Result<(), DomainError> {
    let entries = std::fs::read_dir(dir).map_err(|e| DomainError::io("list", dir, &e))?;
    for entry in entries {
        let entry = entry.map_err(|e| DomainError::io("list", dir, &e))?;
        let Some(name) = entry.file_name().to_str().map(str::to_owned) else { continue };
        if !is_domain_file_name(&name) || !entry.file_type().is_ok_and(|t| t.is_file()) {
            continue;
        }
        let adopted = read_domain(&entry.path()).and_then(|domain| {
            let Some(domain) = domain else { return Ok(()) };
            let host_dir = dir.join(host_dir_name(&domain.host));
            std::fs::create_dir_all(&host_dir).map_err(|e| DomainError::io("create", &host_dir, &e))?;
            let to = host_dir.join(&name);
            match std::fs::rename(entry.path(), &to) {
                Err(e) if e.kind() != ErrorKind::NotFound => Err(DomainError::io("move", &entry.path(), &e)),
                _ => Ok(()),
            }
        });
        if let Err(e) = adopted {
            eprintln!("dummy: leaving a domain file of the flat layout where it is: {e}");
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn domain(id: i64, host: &str) -> Domain {
        Domain { id, deploy_id: format!("dummy-{id}"), host: host.into() }
    }

    /// What both stores must do alike.
    fn exercise(domains: &Domains) {
        assert_eq!(domains.get(1, None), Ok(None));
        domains.put(&domain(2, "b")).unwrap();
        domains.put(&domain(1, "a")).unwrap();
        assert_eq!(domains.get(1, Some("a")), Ok(Some(domain(1, "a"))));
        assert_eq!(domains.get(1, Some("b")), Ok(Some(domain(1, "a"))), "a wrong hint still finds it");
        assert_eq!(domains.get(1, None), Ok(Some(domain(1, "a"))));
        assert_eq!(domains.on_host("a"), Ok(vec![domain(1, "a")]));
        assert_eq!(domains.on_host("nowhere"), Ok(vec![]));

        assert_eq!(domains.migrate(1, Some("a"), "c"), Ok(Some(domain(1, "c"))));
        assert_eq!(domains.migrate(7, Some("a"), "c"), Ok(None), "nothing to move");
        assert_eq!(domains.on_host("a"), Ok(vec![]));
        assert_eq!(domains.on_host("c"), Ok(vec![domain(1, "c")]));
        assert_eq!(domains.all(), Ok(vec![domain(1, "c"), domain(2, "b")]));

        assert_eq!(domains.remove(1, Some("a")), Ok(Some(domain(1, "c"))), "a stale hint still removes it");
        assert_eq!(domains.remove(1, Some("c")), Ok(None));
        assert_eq!(domains.all(), Ok(vec![domain(2, "b")]));
        assert_eq!(domains.put(&domain(3, "x\ny")), Err(DomainError::LineBreak(3)));
    }

    #[test]
    fn memory_store() {
        exercise(&Domains::open(None).unwrap());
    }

    #[test]
    fn dir_store_keeps_one_directory_per_host_and_survives_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state");
        exercise(&Domains::open(Some(&path)).unwrap());
        let again = Domains::open(Some(&path)).unwrap();
        assert_eq!(again.all(), Ok(vec![domain(2, "b")]));
        assert_eq!(std::fs::read_to_string(path.join("b/dummy-2")).unwrap(), "ID=2\nDEPLOY_ID=dummy-2\nHOST=b\n");
        assert!(!path.join("a/dummy-1").exists() && !path.join("c/dummy-1").exists());
        // No temporary file is left behind.
        let left: Vec<String> = std::fs::read_dir(path.join("b"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(left, ["dummy-2"]);

        std::fs::write(path.join("b/dummy-9"), "garbage").unwrap();
        std::fs::write(path.join("b/unrelated"), "garbage").unwrap();
        assert_eq!(again.on_host("b"), Ok(vec![domain(2, "b")]), "unreadable and foreign files are skipped");
        assert_eq!(
            again.get(9, Some("b")),
            Err(DomainError::Corrupt {
                path: path.join("b/dummy-9").display().to_string(),
                source: DomainFileError::UnexpectedLine("garbage".into())
            })
        );
    }

    #[test]
    fn a_probe_reads_only_its_host_directory() {
        let dir = tempfile::tempdir().unwrap();
        let domains = Domains::open(Some(dir.path())).unwrap();
        domains.put(&domain(1, "node1")).unwrap();
        domains.put(&domain(2, "node2")).unwrap();
        // A file claiming node1 in node2's directory: a probe of node1 that scanned every
        // directory would report it.
        std::fs::write(dir.path().join("node2/dummy-3"), domain(3, "node1").to_file()).unwrap();
        assert_eq!(domains.on_host("node1"), Ok(vec![domain(1, "node1")]));
        assert_eq!(domains.on_host("node2"), Ok(vec![domain(2, "node2")]));
    }

    #[test]
    fn host_names_become_safe_distinct_directory_names() {
        assert_eq!(host_dir_name("node-01.example_net"), "node-01.example_net");
        assert_eq!(host_dir_name("10.0.0.1:2222"), "10.0.0.1%3A2222");
        assert_eq!(host_dir_name("a/b"), "a%2Fb");
        assert_eq!(host_dir_name("."), "%2E");
        assert_eq!(host_dir_name(".."), "%2E.");
        assert_eq!(host_dir_name(".hidden"), "%2Ehidden");
        assert_eq!(host_dir_name("50%"), "50%25");
        assert_eq!(host_dir_name("50%25"), "50%2525");
        assert_eq!(host_dir_name("é"), "%C3%A9");
        assert_eq!(host_dir_name(""), "%");
        let long = "h".repeat(300);
        let other = format!("{}x", "h".repeat(299));
        let (a, b) = (host_dir_name(&long), host_dir_name(&other));
        assert_eq!(a.len(), 200);
        assert!(a.starts_with(&"h".repeat(183)) && a.as_bytes()[183] == b'~', "{a}");
        assert_ne!(a, b, "the hash tells long names apart");
        assert_eq!(host_dir_name(&long), a, "stable");
    }

    #[test]
    fn hosts_with_odd_names_and_a_shared_short_name_are_told_apart() {
        let dir = tempfile::tempdir().unwrap();
        let domains = Domains::open(Some(dir.path())).unwrap();
        for (id, host) in [(1, "."), (2, ".."), (3, "a/../../b"), (4, "é")] {
            domains.put(&domain(id, host)).unwrap();
            assert_eq!(domains.on_host(host), Ok(vec![domain(id, host)]), "{host}");
        }
        assert!(dir.path().join("a%2F..%2F..%2Fb/dummy-3").is_file());
        // Another host's domain in this host's directory (as when two long names share a
        // shortened directory name) is not reported for this host.
        domains.put(&domain(5, "p")).unwrap();
        std::fs::write(dir.path().join("p/dummy-6"), domain(6, "q").to_file()).unwrap();
        assert_eq!(domains.on_host("p"), Ok(vec![domain(5, "p")]));
        assert_eq!(domains.get(6, None), Ok(Some(domain(6, "q"))), "found by the scan");
    }

    #[test]
    fn flat_layout_files_are_moved_to_their_host_directory() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("dummy-4"), domain(4, "node1").to_file()).unwrap();
        std::fs::write(dir.path().join("dummy-5"), domain(5, "node:2").to_file()).unwrap();
        std::fs::write(dir.path().join("dummy-6"), "garbage").unwrap();
        std::fs::write(dir.path().join("notes"), "not a domain").unwrap();
        let domains = Domains::open(Some(dir.path())).unwrap();
        assert_eq!(domains.on_host("node1"), Ok(vec![domain(4, "node1")]));
        assert_eq!(domains.on_host("node:2"), Ok(vec![domain(5, "node:2")]));
        assert!(!dir.path().join("dummy-4").exists() && dir.path().join("node%3A2/dummy-5").is_file());
        assert!(dir.path().join("dummy-6").is_file(), "an unreadable file is left alone");
        assert!(dir.path().join("notes").is_file());
        assert_eq!(Domains::open(Some(dir.path())).unwrap().all(), Ok(vec![domain(4, "node1"), domain(5, "node:2")]));
    }

    #[test]
    fn domain_file_errors() {
        assert_eq!(Domain::from_file("ID=x\n"), Err(DomainFileError::BadId("x".into())));
        assert_eq!(Domain::from_file("ID=1\n"), Err(DomainFileError::Missing));
        assert_eq!(DomainFileError::BadId("x".into()).to_string(), "bad ID \"x\"");
        assert_eq!(
            Domain::from_file("ID=1\nDEPLOY_ID=d\nHOST=h=x\n"),
            Ok(Domain { id: 1, deploy_id: "d".into(), host: "h=x".into() })
        );
    }
}

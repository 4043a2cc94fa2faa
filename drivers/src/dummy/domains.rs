//! The dummy hypervisor's "running domains": in memory, or one file per domain in a state
//! directory shared by `one_vmm_dummy` (which writes it) and `one_im_dummy` (which reports it),
//! so a domain survives a driver restart.
//!
//! A domain file is `DIR/dummy-<vmid>`, written whole (a temporary file renamed over it):
//!
//! ```text
//! ID=42
//! DEPLOY_ID=dummy-42
//! HOST=node1
//! ```

use std::collections::BTreeMap;
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

impl Domain {
    fn to_file(&self) -> String {
        format!("ID={}\nDEPLOY_ID={}\nHOST={}\n", self.id, self.deploy_id, self.host)
    }

    /// Reads a domain file's text.
    pub fn from_file(text: &str) -> Result<Domain, String> {
        let (mut id, mut deploy_id, mut host) = (None, None, None);
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            match line.split_once('=') {
                Some(("ID", v)) => id = Some(v.parse::<i64>().map_err(|_| format!("bad ID \"{v}\""))?),
                Some(("DEPLOY_ID", v)) => deploy_id = Some(v.to_owned()),
                Some(("HOST", v)) => host = Some(v.to_owned()),
                _ => return Err(format!("unexpected line \"{line}\"")),
            }
        }
        match (id, deploy_id, host) {
            (Some(id), Some(deploy_id), Some(host)) => Ok(Domain { id, deploy_id, host }),
            _ => Err("missing ID, DEPLOY_ID or HOST".to_owned()),
        }
    }
}

/// Where the domains are kept.
pub enum Domains {
    /// Lost when the driver exits.
    Memory(Mutex<BTreeMap<i64, Domain>>),
    /// One file per domain in this directory.
    Dir(PathBuf),
}

/// The file name of VM `id`'s domain.
fn file_name(id: i64) -> String {
    format!("dummy-{id}")
}

impl Domains {
    /// In memory, or in `dir` (created if missing).
    pub fn open(dir: Option<&Path>) -> Result<Domains, String> {
        match dir {
            None => Ok(Domains::Memory(Mutex::new(BTreeMap::new()))),
            Some(dir) => {
                std::fs::create_dir_all(dir)
                    .map_err(|e| format!("cannot create state directory {}: {e}", dir.display()))?;
                Ok(Domains::Dir(dir.to_owned()))
            }
        }
    }

    fn memory(map: &Mutex<BTreeMap<i64, Domain>>) -> std::sync::MutexGuard<'_, BTreeMap<i64, Domain>> {
        map.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Records (or replaces) a domain.
    pub fn put(&self, domain: &Domain) -> Result<(), String> {
        if domain.host.contains(['\n', '\r']) || domain.deploy_id.contains(['\n', '\r']) {
            return Err(format!("host name or deploy id of VM {} holds a line break", domain.id));
        }
        match self {
            Domains::Memory(map) => {
                Self::memory(map).insert(domain.id, domain.clone());
                Ok(())
            }
            Domains::Dir(dir) => {
                let path = dir.join(file_name(domain.id));
                // A temporary name of its own per thread, then an atomic rename.
                let temporary = dir.join(format!(".{}.{:?}.tmp", file_name(domain.id), std::thread::current().id()));
                std::fs::write(&temporary, domain.to_file())
                    .and_then(|()| std::fs::rename(&temporary, &path))
                    .map_err(|e| format!("cannot write {}: {e}", path.display()))
            }
        }
    }

    /// Forgets a domain (no error if there is none).
    pub fn remove(&self, id: i64) -> Result<(), String> {
        match self {
            Domains::Memory(map) => {
                Self::memory(map).remove(&id);
                Ok(())
            }
            Domains::Dir(dir) => {
                let path = dir.join(file_name(id));
                match std::fs::remove_file(&path) {
                    Err(e) if e.kind() != ErrorKind::NotFound => Err(format!("cannot remove {}: {e}", path.display())),
                    _ => Ok(()),
                }
            }
        }
    }

    /// The domain of VM `id`, if it runs.
    pub fn get(&self, id: i64) -> Result<Option<Domain>, String> {
        match self {
            Domains::Memory(map) => Ok(Self::memory(map).get(&id).cloned()),
            Domains::Dir(dir) => {
                let path = dir.join(file_name(id));
                match std::fs::read_to_string(&path) {
                    Ok(text) => Domain::from_file(&text).map(Some).map_err(|e| format!("{}: {e}", path.display())),
                    Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
                    Err(e) => Err(format!("cannot read {}: {e}", path.display())),
                }
            }
        }
    }

    /// Every domain, by VM id. Unreadable domain files are skipped with a warning on stderr.
    pub fn all(&self) -> Result<Vec<Domain>, String> {
        match self {
            Domains::Memory(map) => Ok(Self::memory(map).values().cloned().collect()),
            Domains::Dir(dir) => {
                let entries = std::fs::read_dir(dir).map_err(|e| format!("cannot list {}: {e}", dir.display()))?;
                let mut domains = Vec::new();
                for entry in entries {
                    let entry = entry.map_err(|e| format!("cannot list {}: {e}", dir.display()))?;
                    let name = entry.file_name();
                    let Some(name) = name.to_str() else { continue };
                    if !name.starts_with("dummy-") {
                        continue;
                    }
                    let read = std::fs::read_to_string(entry.path())
                        .map_err(|e| e.to_string())
                        .and_then(|t| Domain::from_file(&t));
                    match read {
                        Ok(domain) => domains.push(domain),
                        // Removed meanwhile: not running any more.
                        Err(_) if !entry.path().exists() => {}
                        Err(e) => eprintln!("dummy: skipping domain file {}: {e}", entry.path().display()),
                    }
                }
                domains.sort_by_key(|d| d.id);
                Ok(domains)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn domain(id: i64, host: &str) -> Domain {
        Domain { id, deploy_id: format!("dummy-{id}"), host: host.into() }
    }

    fn exercise(domains: &Domains) {
        assert_eq!(domains.get(1), Ok(None));
        domains.put(&domain(2, "b")).unwrap();
        domains.put(&domain(1, "a")).unwrap();
        assert_eq!(domains.get(1), Ok(Some(domain(1, "a"))));
        domains.put(&domain(1, "c")).unwrap();
        assert_eq!(domains.all(), Ok(vec![domain(1, "c"), domain(2, "b")]));
        domains.remove(1).unwrap();
        domains.remove(1).unwrap();
        assert_eq!(domains.all(), Ok(vec![domain(2, "b")]));
        assert!(domains.put(&domain(3, "x\ny")).is_err());
    }

    #[test]
    fn memory_store() {
        exercise(&Domains::open(None).unwrap());
    }

    #[test]
    fn dir_store_survives_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state");
        exercise(&Domains::open(Some(&path)).unwrap());
        let again = Domains::open(Some(&path)).unwrap();
        assert_eq!(again.all(), Ok(vec![domain(2, "b")]));
        assert_eq!(std::fs::read_to_string(path.join("dummy-2")).unwrap(), "ID=2\nDEPLOY_ID=dummy-2\nHOST=b\n");
        std::fs::write(path.join("dummy-9"), "garbage").unwrap();
        std::fs::write(path.join("unrelated"), "garbage").unwrap();
        assert_eq!(again.all(), Ok(vec![domain(2, "b")]));
        assert!(again.get(9).unwrap_err().contains("unexpected line"));
    }

    #[test]
    fn domain_file_errors() {
        assert_eq!(Domain::from_file("ID=x\n"), Err("bad ID \"x\"".into()));
        assert_eq!(Domain::from_file("ID=1\n"), Err("missing ID, DEPLOY_ID or HOST".into()));
        assert_eq!(
            Domain::from_file("ID=1\nDEPLOY_ID=d\nHOST=h=x\n"),
            Ok(Domain { id: 1, deploy_id: "d".into(), host: "h=x".into() })
        );
    }
}

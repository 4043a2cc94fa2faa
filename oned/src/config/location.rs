//! Where oned keeps its files: self-contained under `$ONE_LOCATION`, or the system layout.
//!
//! | | `ONE_LOCATION=DIR` | system |
//! |---|---|---|
//! | configuration | `DIR/etc` | `/etc/one` |
//! | database, datastores, remotes | `DIR/var` | `/var/lib/one` |
//! | logs | `DIR/var` | `/var/log/one` |
//! | driver executables | `DIR/lib/mads`, else next to `oned` | `/usr/lib/one/mads`, else next to `oned` |
//! | oneadmin credentials | `$ONE_AUTH`, else `DIR/.one/one_auth` | `$ONE_AUTH`, else `/var/lib/one/.one/one_auth` |

use std::path::{Path, PathBuf};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Locations {
    /// `$ONE_LOCATION` when set.
    pub root: Option<PathBuf>,
    pub etc: PathBuf,
    pub var: PathBuf,
    pub log: PathBuf,
    pub mads: PathBuf,
    pub remotes: PathBuf,
    pub one_auth: PathBuf,
}

impl Locations {
    /// From the process environment (`ONE_LOCATION`, `ONE_AUTH`).
    pub fn from_env() -> Locations {
        let root = std::env::var_os("ONE_LOCATION").filter(|s| !s.is_empty()).map(PathBuf::from);
        let auth = std::env::var_os("ONE_AUTH").filter(|s| !s.is_empty()).map(PathBuf::from);
        Self::new(root.as_deref(), auth)
    }

    pub fn new(root: Option<&Path>, one_auth: Option<PathBuf>) -> Locations {
        match root {
            Some(dir) => {
                let dir = absolute(dir);
                Locations {
                    etc: dir.join("etc"),
                    var: dir.join("var"),
                    log: dir.join("var"),
                    mads: dir.join("lib/mads"),
                    remotes: dir.join("var/remotes"),
                    one_auth: one_auth.unwrap_or_else(|| dir.join(".one/one_auth")),
                    root: Some(dir),
                }
            }
            None => Locations {
                root: None,
                etc: PathBuf::from("/etc/one"),
                var: PathBuf::from("/var/lib/one"),
                log: PathBuf::from("/var/log/one"),
                mads: PathBuf::from("/usr/lib/one/mads"),
                remotes: PathBuf::from("/var/lib/one/remotes"),
                one_auth: one_auth.unwrap_or_else(|| PathBuf::from("/var/lib/one/.one/one_auth")),
            },
        }
    }

    pub fn oned_conf(&self) -> PathBuf {
        self.etc.join("oned.conf")
    }

    /// The directories oned creates at start-up.
    pub fn dirs_to_create(&self) -> Vec<&Path> {
        vec![&self.etc, &self.var, &self.log]
    }
}

fn absolute(p: &Path) -> PathBuf {
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        std::env::current_dir().map(|d| d.join(p)).unwrap_or_else(|_| p.to_path_buf())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn self_contained_layout() {
        let l = Locations::new(Some(Path::new("/srv/one")), None);
        assert_eq!(l.oned_conf(), PathBuf::from("/srv/one/etc/oned.conf"));
        assert_eq!(l.var, PathBuf::from("/srv/one/var"));
        assert_eq!(l.one_auth, PathBuf::from("/srv/one/.one/one_auth"));
        assert_eq!(l.mads, PathBuf::from("/srv/one/lib/mads"));
    }

    #[test]
    fn system_layout_and_one_auth_override() {
        let l = Locations::new(None, Some(PathBuf::from("/tmp/auth")));
        assert_eq!(l.oned_conf(), PathBuf::from("/etc/one/oned.conf"));
        assert_eq!(l.log, PathBuf::from("/var/log/one"));
        assert_eq!(l.one_auth, PathBuf::from("/tmp/auth"));
    }
}

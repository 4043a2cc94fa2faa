//! A tmpfs mounted on a directory for a test's life (a small, full-able file system: a full
//! datastore, a datastore of known size), unmounted on drop even when the test fails. Root only.

use std::path::{Path, PathBuf};
use std::process::Command;

/// A mounted tmpfs; unmounted when dropped.
pub struct Tmpfs(PathBuf);

impl Tmpfs {
    /// Mounts a tmpfs of `size` (`mount -o size=`, e.g. `"2m"`) on `dir`; `why` says in the
    /// failure message what needs it when the test does not run as root.
    pub fn mount(dir: &Path, size: &str, why: &str) -> Tmpfs {
        let uid = Command::new("id").arg("-u").output().expect("id runs");
        let is_root = String::from_utf8_lossy(&uid.stdout).trim() == "0";
        assert!(is_root, "{why} mounts a tmpfs: run it as root");
        let status = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir)
            .status()
            .expect("mount runs");
        assert!(status.success(), "mount of a tmpfs on {} failed: {status}", dir.display());
        Tmpfs(dir.to_path_buf())
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

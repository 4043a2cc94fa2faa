//! The shipped driver scripts (`drivers/remotes/`, embedded at build time), installed under
//! `var/remotes` on first start. An existing directory is left alone: sites customise their
//! remotes, and `onehost sync` copies them to hosts.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

include!(concat!(env!("OUT_DIR"), "/remotes.rs"));

/// Writes the shipped remotes into `dir` unless it already exists.
pub fn install(dir: &Path) {
    if dir.exists() {
        return;
    }
    let mut written = 0;
    for (rel, content, mode) in REMOTES {
        let path = dir.join(rel);
        let ok = path.parent().map(std::fs::create_dir_all).transpose().is_ok()
            && std::fs::write(&path, content).is_ok()
            && std::fs::set_permissions(&path, std::fs::Permissions::from_mode(*mode)).is_ok();
        if ok {
            written += 1;
        } else {
            tracing::error!("cannot install the remote script {}", path.display());
        }
    }
    let _ = std::fs::write(dir.join("VERSION"), format!("{}\n", env!("CARGO_PKG_VERSION")));
    tracing::info!("installed {written} driver scripts in {}", dir.display());
}

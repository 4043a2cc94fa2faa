//! The shipped driver scripts (`drivers/remotes/`, embedded at build time), installed under
//! `var/remotes` on first start. Later starts only add the scripts this build ships that the
//! directory lacks (a new driver such as `tm/local`, a new action): a file already there is
//! never overwritten, because sites customise their remotes; `onehost sync` copies them to hosts.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

include!(concat!(env!("OUT_DIR"), "/remotes.rs"));

/// Writes one shipped script; false (and an error logged) if it cannot.
fn write(path: &Path, content: &[u8], mode: u32) -> bool {
    let ok = path.parent().map(std::fs::create_dir_all).transpose().is_ok()
        && std::fs::write(path, content).is_ok()
        && std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).is_ok();
    if !ok {
        tracing::error!("cannot install the remote script {}", path.display());
    }
    ok
}

/// Installs the shipped remotes into `dir`: all of them when it does not exist yet, otherwise
/// only those missing from it.
pub fn install(dir: &Path) {
    install_from(dir, REMOTES)
}

fn install_from(dir: &Path, remotes: &[(&str, &[u8], u32)]) {
    if !dir.exists() {
        let written = remotes.iter().filter(|(rel, content, mode)| write(&dir.join(rel), content, *mode)).count();
        let _ = std::fs::write(dir.join("VERSION"), format!("{}\n", env!("CARGO_PKG_VERSION")));
        tracing::info!("installed {written} driver scripts in {}", dir.display());
        return;
    }
    let mut added = Vec::new();
    let mut customised = 0usize;
    for (rel, content, mode) in remotes {
        let path = dir.join(rel);
        let meta = std::fs::symlink_metadata(&path);
        let missing = matches!(&meta, Err(e) if e.kind() == std::io::ErrorKind::NotFound);
        if missing {
            if write(&path, content, *mode) {
                added.push(*rel);
            }
        } else if meta.is_ok_and(|m| m.is_file()) && std::fs::read(&path).is_ok_and(|c| c != *content) {
            customised += 1;
        }
    }
    if !added.is_empty() {
        tracing::info!(
            "added {} driver scripts new in this version to {}: {}",
            added.len(),
            dir.display(),
            added.join(" ")
        );
    }
    if customised > 0 {
        tracing::info!(
            "{customised} driver scripts in {} differ from this version's and were left as they are",
            dir.display()
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_later_start_adds_missing_scripts_and_keeps_customised_ones() {
        let d = tempfile::tempdir().unwrap();
        let dir = d.path().join("remotes");
        let shipped: &[(&str, &[u8], u32)] =
            &[("tm/ssh/clone", b"#!/bin/sh\necho clone\n", 0o755), ("tm/local/clone", b"#!/bin/sh\nexec ssh\n", 0o755)];
        install_from(&dir, &shipped[..1]);
        assert!(dir.join("VERSION").exists());
        std::fs::write(dir.join("tm/ssh/clone"), "#!/bin/sh\necho site version\n").unwrap();
        install_from(&dir, shipped);
        assert_eq!(std::fs::read_to_string(dir.join("tm/ssh/clone")).unwrap(), "#!/bin/sh\necho site version\n");
        assert_eq!(std::fs::read(dir.join("tm/local/clone")).unwrap(), shipped[1].1, "the new script is added");
        let mode = std::fs::metadata(dir.join("tm/local/clone")).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o755);
    }

    #[test]
    fn every_shipped_script_is_embedded() {
        assert!(REMOTES.iter().any(|(rel, _, _)| *rel == "tm/local/clone"), "tm/local ships");
        assert!(REMOTES.iter().any(|(rel, _, _)| *rel == "tm/ssh/clone"));
    }
}

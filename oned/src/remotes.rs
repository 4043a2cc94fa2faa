//! The shipped driver scripts (`drivers/remotes/`, embedded at build time), installed under
//! `var/remotes` on first start. Later starts only add the scripts this build ships that the
//! directory lacks (a new driver such as `tm/local`, a new action): a file already there is
//! never overwritten, because sites customise their remotes; `onehost sync` copies them to hosts.
//!
//! The remotes also carry Nephele's own helper programs ([`BINARIES`]: `one_qmp`, which the
//! `kvm` scripts run on hosts). A binary cannot be embedded like a script, so each is copied
//! from where the driver executables are (the caller's search directories, e.g. the mads
//! directory and the directory of the running oned) at every start, when it is missing from
//! the remotes or differs: it is Nephele's program, built with this oned, not a site script,
//! so replacing it is right. One that cannot be found is logged (the hosts then lack it and
//! the `kvm` scripts say so).

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

/// Nephele's programs shipped with the remotes: (path under the remotes, executable name).
pub const BINARIES: &[(&str, &str)] = &[("vmm/kvm/one_qmp", "one_qmp")];

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
/// only those missing from it; then [`BINARIES`] from the first of `bin_dirs` that has each.
pub fn install(dir: &Path, bin_dirs: &[PathBuf]) {
    install_from(dir, REMOTES);
    install_binaries(dir, BINARIES, bin_dirs);
}

/// Copies each `(rel, name)` of `binaries` from the first of `bin_dirs` holding `name` to
/// `dir/rel` (mode 0755, through a temporary name) when that is missing or differs.
fn install_binaries(dir: &Path, binaries: &[(&str, &str)], bin_dirs: &[PathBuf]) {
    for (rel, name) in binaries {
        let target = dir.join(rel);
        let Some(source) = bin_dirs.iter().map(|d| d.join(name)).find(|p| p.is_file()) else {
            let searched: Vec<String> = bin_dirs.iter().map(|d| d.display().to_string()).collect();
            tracing::warn!(
                "{name} not found in {}: {} cannot be installed (hosts need it to run VMs)",
                searched.join(", "),
                target.display()
            );
            continue;
        };
        let content = match std::fs::read(&source) {
            Ok(c) => c,
            Err(e) => {
                tracing::error!("cannot read {}: {e}", source.display());
                continue;
            }
        };
        if std::fs::read(&target).is_ok_and(|old| old == content) {
            continue;
        }
        let tmp = target.with_file_name(format!(".{name}.tmp"));
        if write(&tmp, &content, 0o755) && std::fs::rename(&tmp, &target).is_ok() {
            tracing::info!("installed {} from {}", target.display(), source.display());
        } else {
            let _ = std::fs::remove_file(&tmp);
            tracing::error!("cannot install {} from {}", target.display(), source.display());
        }
    }
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
    fn binaries_are_copied_when_missing_or_different() {
        let d = tempfile::tempdir().unwrap();
        let dir = d.path().join("remotes");
        let (mads, bin) = (d.path().join("mads"), d.path().join("bin"));
        std::fs::create_dir_all(&mads).unwrap();
        std::fs::create_dir_all(&bin).unwrap();
        let shipped: &[(&str, &str)] = &[("vmm/kvm/one_qmp", "one_qmp")];
        let target = dir.join("vmm/kvm/one_qmp");
        // nowhere to be found: nothing installed, no failure
        install_binaries(&dir, shipped, &[mads.clone(), bin.clone()]);
        assert!(!target.exists());
        // the first directory that has it wins
        std::fs::write(bin.join("one_qmp"), b"v1").unwrap();
        install_binaries(&dir, shipped, &[mads.clone(), bin.clone()]);
        assert_eq!(std::fs::read(&target).unwrap(), b"v1");
        assert_eq!(std::fs::metadata(&target).unwrap().permissions().mode() & 0o777, 0o755);
        std::fs::write(mads.join("one_qmp"), b"v2").unwrap();
        install_binaries(&dir, shipped, &[mads.clone(), bin.clone()]);
        assert_eq!(std::fs::read(&target).unwrap(), b"v2", "a different binary is replaced");
        let inode = std::os::unix::fs::MetadataExt::ino(&std::fs::metadata(&target).unwrap());
        install_binaries(&dir, shipped, &[mads.clone(), bin.clone()]);
        let same = std::os::unix::fs::MetadataExt::ino(&std::fs::metadata(&target).unwrap());
        assert_eq!(inode, same, "an identical binary is left alone");
        assert_eq!(std::fs::read_dir(dir.join("vmm/kvm")).unwrap().count(), 1, "no temporary file left");
    }

    #[test]
    fn every_shipped_script_is_embedded() {
        assert!(REMOTES.iter().any(|(rel, _, _)| *rel == "tm/local/clone"), "tm/local ships");
        assert!(REMOTES.iter().any(|(rel, _, _)| *rel == "tm/ssh/clone"));
        assert!(REMOTES.iter().any(|(rel, _, mode)| *rel == "vmm/kvm/deploy" && *mode == 0o755));
        assert!(!REMOTES.iter().any(|(rel, _, _)| *rel == "vmm/kvm/one_qmp"), "a build artifact, not a remote");
    }
}

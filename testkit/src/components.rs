//! The system components some tests need, and what happens when one is missing.
//!
//! A test never passes by skipping its real component. When one is missing:
//! - by default the test **fails**, naming the command that installs it
//!   ([`Component::require`]; `tests/setup.sh`, which the README's `./tests/run.sh` runs first,
//!   installs everything when run as root);
//! - on a machine where it cannot be installed, `NEPHELE_ALLOW_MISSING=sshd` (a comma- or
//!   blank-separated list of [`Component::name`]s) makes the package's build script
//!   ([`build_script`]) compile those tests with `#[ignore]`, through the cfg
//!   [`Component::cfg`]: the test harness reports them as **ignored** (with the reason), never
//!   as passed, and cargo prints a `SKIPPED` warning while building. `tests/run.sh` then ends
//!   with exit code 77 ("skipped"), not 0: such a run does not count as a pass.
//!
//! A test that needs sshd reads:
//!
//! ```text
//! #[test]
//! #[cfg_attr(nephele_missing_sshd, ignore = "SKIPPED: sshd is missing and NEPHELE_ALLOW_MISSING=sshd")]
//! fn over_ssh() {
//!     let sshd = testkit::sshd::Sshd::start(&dir); // fails with the install command if missing
//! }
//! ```

use std::path::{Path, PathBuf};

/// The opt-out variable: the names of the components that may be missing.
pub const ALLOW_MISSING: &str = "NEPHELE_ALLOW_MISSING";

/// A system component tests run for real.
#[derive(Debug)]
pub struct Component {
    /// The name used in [`ALLOW_MISSING`].
    pub name: &'static str,
    /// The cfg a build script sets when the component is missing and allowed to be.
    pub cfg: &'static str,
    /// Files that must exist.
    pub files: &'static [&'static str],
    /// Programs that must be found on `PATH`.
    pub programs: &'static [&'static str],
    /// Files whose paths are known only at run time: the function returns those missing.
    pub missing_files: Option<fn() -> Vec<PathBuf>>,
    /// The command that installs it (Debian and Ubuntu, as root).
    pub install: &'static str,
}

/// The server binary (Debian's `openssh-server`).
pub const SSHD_BIN: &str = "/usr/sbin/sshd";

/// OpenSSH's server, `ssh-keygen` (the fixture's keys) and `ssh` (the `tm/ssh` scripts), for
/// the exec drivers' SSH tests.
pub const SSHD: Component = Component {
    name: "sshd",
    cfg: "nephele_missing_sshd",
    files: &[SSHD_BIN],
    programs: &["ssh-keygen", "ssh"],
    missing_files: None,
    install: "apt-get install -y openssh-server openssh-client",
};

/// Network and mount namespaces, veth/bridge links and traffic shaping (`ip`, `tc` of
/// iproute2; `unshare`, `mount` of util-linux), for the multi-host `netns::Cluster` fixture
/// (which also needs [`SSHD`] and root).
pub const NETNS: Component = Component {
    name: "netns",
    cfg: "nephele_missing_netns",
    files: &[],
    programs: &["ip", "tc", "unshare", "mount", "hostname"],
    missing_files: None,
    install: "apt-get install -y iproute2 util-linux hostname",
};

/// `qemu-img` (Debian's `qemu-utils`), for the qcow2 transfer driver and its tests.
pub const QEMU_IMG: Component = Component {
    name: "qemu-img",
    cfg: "nephele_missing_qemu_img",
    files: &[],
    programs: &["qemu-img"],
    missing_files: None,
    install: "apt-get install -y qemu-utils",
};

/// Real guests: `qemu-system-x86_64` (TCG), `genisoimage` (context CDs) and the test guest
/// built by `tests/guest/build.sh` (`crate::guest`; cpio packs it). qemu-system-x86 comes with
/// the qemu-utils of its own version (a newer backported qemu-utils would be removed by apt
/// otherwise); `tests/setup.sh` picks that version from `apt-cache policy`.
pub const QEMU: Component = Component {
    name: "qemu",
    cfg: "nephele_missing_qemu",
    files: &[],
    programs: &["qemu-system-x86_64", "genisoimage"],
    missing_files: Some(crate::guest::missing_files),
    install: "apt-get install -y --no-install-recommends --allow-downgrades qemu-system-x86 qemu-utils/bookworm cpio genisoimage && tests/guest/build.sh",
};

/// Every component, for build scripts.
pub const ALL: &[&Component] = &[&SSHD, &NETNS, &QEMU_IMG, &QEMU];

impl Component {
    /// What is absent (paths and program names); empty when the component is there.
    pub fn missing(&self) -> Vec<String> {
        let files = self.files.iter().filter(|f| !Path::new(f).exists()).map(|f| f.to_string());
        let programs = self.programs.iter().filter(|p| find_program(p).is_none()).map(|p| p.to_string());
        let late = self.missing_files.map(|f| f()).unwrap_or_default().into_iter().map(|p| p.display().to_string());
        files.chain(programs).chain(late).collect()
    }

    /// Whether `NEPHELE_ALLOW_MISSING` names this component.
    pub fn allowed_missing(&self) -> bool {
        std::env::var(ALLOW_MISSING).is_ok_and(|list| names(&list).any(|n| n == self.name))
    }

    /// Panics, naming what is absent and the command that installs it, unless the component is
    /// there. Tests call it (through their fixture) before using the component.
    pub fn require(&self) {
        let missing = self.missing();
        assert!(
            missing.is_empty(),
            "{} is missing ({}): this test runs the real {}. Install it with `{}` \
             (tests/setup.sh does it when run as root). Where that is impossible, \
             {ALLOW_MISSING}={} reports these tests as ignored, and the run does not count as a pass.",
            self.name,
            missing.join(", "),
            self.name,
            self.install,
            self.name,
        );
    }
}

/// The entries of an `NEPHELE_ALLOW_MISSING` list.
fn names(list: &str) -> impl Iterator<Item = &str> {
    list.split(|c: char| c == ',' || c.is_whitespace()).filter(|n| !n.is_empty())
}

/// `program` found in a directory of `PATH`.
fn find_program(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).map(|dir| dir.join(program)).find(|p| p.is_file())
}

/// For the `build.rs` of a package whose tests need `components`: declares each component's
/// cfg, and sets it (with a `SKIPPED` cargo warning) when the component is missing and
/// `NEPHELE_ALLOW_MISSING` names it. Cargo runs the script again when the variable changes
/// and, while the opt-out is in effect, when the component's files appear or vanish.
pub fn build_script(components: &[&Component]) {
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-env-changed={ALLOW_MISSING}");
    for c in components {
        println!("cargo::rustc-check-cfg=cfg({})", c.cfg);
        if !c.allowed_missing() {
            continue;
        }
        for f in c.files {
            println!("cargo::rerun-if-changed={f}");
        }
        for p in c.programs {
            let at = find_program(p).unwrap_or_else(|| Path::new("/usr/bin").join(p));
            println!("cargo::rerun-if-changed={}", at.display());
        }
        for f in c.missing_files.map(|f| f()).unwrap_or_default() {
            println!("cargo::rerun-if-changed={}", f.display());
        }
        let missing = c.missing();
        if !missing.is_empty() {
            println!("cargo::rustc-cfg={}", c.cfg);
            println!(
                "cargo::warning=SKIPPED: the tests that need {} are compiled as ignored ({} missing, {ALLOW_MISSING}={}); \
                 this run does not count as a pass. Install: {}",
                c.name,
                missing.join(", "),
                c.name,
                c.install
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allow_list_is_split_on_commas_and_blanks() {
        assert_eq!(names("sshd").collect::<Vec<_>>(), ["sshd"]);
        assert_eq!(names(" sshd, qemu  x,,").collect::<Vec<_>>(), ["sshd", "qemu", "x"]);
        assert_eq!(names("").count(), 0);
        assert!(!names("sshd2").any(|n| n == "sshd"), "names match whole");
    }

    #[test]
    fn a_missing_component_names_itself_and_its_install_command() {
        const GONE: Component = Component {
            name: "gone",
            cfg: "nephele_missing_gone",
            files: &["/nonexistent/nephele-testkit/gone"],
            programs: &["nephele-testkit-no-such-program"],
            missing_files: None,
            install: "apt-get install -y gone",
        };
        assert_eq!(GONE.missing(), ["/nonexistent/nephele-testkit/gone", "nephele-testkit-no-such-program"]);
        let panic = std::panic::catch_unwind(|| GONE.require()).expect_err("require fails");
        let text = panic.downcast_ref::<String>().cloned().unwrap_or_default();
        assert!(text.contains("gone is missing"), "{text}");
        assert!(text.contains("apt-get install -y gone"), "{text}");
        assert!(text.contains("NEPHELE_ALLOW_MISSING=gone"), "{text}");
    }

    #[test]
    fn a_present_component_is_required_quietly() {
        const SH: Component = Component {
            name: "sh",
            cfg: "nephele_missing_sh",
            files: &["/bin/sh"],
            programs: &["sh"],
            missing_files: None,
            install: "-",
        };
        assert!(SH.missing().is_empty());
        SH.require();
    }
}

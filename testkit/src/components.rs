//! The system components some tests need, and what happens when one is missing.
//!
//! A test never passes by skipping its real component: when one is missing the test **fails**,
//! naming the command that installs it ([`Component::require`]; fixtures such as
//! [`crate::sshd::Sshd::start`] call it first).

use std::path::{Path, PathBuf};

/// A system component tests run for real.
#[derive(Debug)]
pub struct Component {
    /// Its name in messages.
    pub name: &'static str,
    /// Files that must exist.
    pub files: &'static [&'static str],
    /// Programs that must be found on `PATH`.
    pub programs: &'static [&'static str],
    /// The command that installs it (Debian and Ubuntu, as root).
    pub install: &'static str,
}

/// OpenSSH's server and `ssh-keygen`, for the exec drivers' SSH tests.
pub const SSHD: Component = Component {
    name: "sshd",
    files: &[crate::sshd::SSHD_BIN],
    programs: &["ssh-keygen"],
    install: "apt-get install -y openssh-server openssh-client",
};

impl Component {
    /// What is absent (paths and program names); empty when the component is there.
    pub fn missing(&self) -> Vec<String> {
        let files = self
            .files
            .iter()
            .filter(|f| !Path::new(f).exists())
            .map(|f| f.to_string());
        let programs = self
            .programs
            .iter()
            .filter(|p| find_program(p).is_none())
            .map(|p| p.to_string());
        files.chain(programs).collect()
    }

    /// Panics, naming what is absent and the command that installs it, unless the component is
    /// there. Tests call it (through their fixture) before using the component.
    pub fn require(&self) {
        let missing = self.missing();
        assert!(
            missing.is_empty(),
            "{} is missing ({}): this test runs the real {}. Install it with `{}`",
            self.name,
            missing.join(", "),
            self.name,
            self.install,
        );
    }
}

/// `program` found in a directory of `PATH`.
fn find_program(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|p| p.is_file())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_component_names_itself_and_its_install_command() {
        const GONE: Component = Component {
            name: "gone",
            files: &["/nonexistent/nephele-testkit/gone"],
            programs: &["nephele-testkit-no-such-program"],
            install: "apt-get install -y gone",
        };
        assert_eq!(
            GONE.missing(),
            [
                "/nonexistent/nephele-testkit/gone",
                "nephele-testkit-no-such-program"
            ]
        );
        let panic = std::panic::catch_unwind(|| GONE.require()).expect_err("require fails");
        let text = panic.downcast_ref::<String>().cloned().unwrap_or_default();
        assert!(text.contains("gone is missing"), "{text}");
        assert!(text.contains("apt-get install -y gone"), "{text}");
    }

    #[test]
    fn a_present_component_is_required_quietly() {
        const SH: Component = Component {
            name: "sh",
            files: &["/bin/sh"],
            programs: &["sh"],
            install: "-",
        };
        assert!(SH.missing().is_empty());
        SH.require();
    }
}

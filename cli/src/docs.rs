//! Man pages (clap_mangen) and shell completions (clap_complete) for every tool, written under
//! `share/`: `share/man/man1/<tool>.1`, `share/completion/bash/<tool>`,
//! `share/completion/zsh/_<tool>`, `share/completion/fish/<tool>.fish`.
//! `cargo run -p cli --bin one-gendocs` regenerates them; a test checks they are current.

use std::path::{Path, PathBuf};

use clap_complete::Shell;

use crate::tools::TOOLS;

/// Every generated file: its path below `share/` and its content.
pub fn generate() -> std::io::Result<Vec<(PathBuf, Vec<u8>)>> {
    let mut files = Vec::new();
    for tool in TOOLS {
        let mut cmd = (tool.command)();
        let mut man = Vec::new();
        clap_mangen::Man::new(cmd.clone()).render(&mut man)?;
        // Each subcommand gets its own page (`onevm-list.1`), as git does.
        for sub in cmd.get_subcommands() {
            let mut page = Vec::new();
            let name = format!("{}-{}", tool.name, sub.get_name());
            clap_mangen::Man::new(sub.clone().name(&*Box::leak(name.clone().into_boxed_str()))).render(&mut page)?;
            files.push((PathBuf::from(format!("man/man1/{name}.1")), page));
        }
        files.push((PathBuf::from(format!("man/man1/{}.1", tool.name)), man));
        for (shell, path) in [
            (Shell::Bash, format!("completion/bash/{}", tool.name)),
            (Shell::Zsh, format!("completion/zsh/_{}", tool.name)),
            (Shell::Fish, format!("completion/fish/{}.fish", tool.name)),
        ] {
            let mut buf = Vec::new();
            clap_complete::generate(shell, &mut cmd, tool.name, &mut buf);
            files.push((PathBuf::from(path), buf));
        }
    }
    files.sort();
    Ok(files)
}

/// Writes the generated files under `share`.
pub fn write(share: &Path) -> std::io::Result<usize> {
    let files = generate()?;
    for (rel, content) in &files {
        let path = share.join(rel);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(path, content)?;
    }
    Ok(files.len())
}

#[cfg(test)]
mod tests {
    /// The files in `share/` are what the current commands generate (run
    /// `cargo run -p cli --bin one-gendocs` after changing a command).
    #[test]
    fn shipped_man_pages_and_completions_are_current() {
        let share = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../share");
        let files = super::generate().expect("generate");
        assert!(files.len() >= 9 * 4, "{} files", files.len());
        let mut stale = Vec::new();
        for (rel, content) in &files {
            match std::fs::read(share.join(rel)) {
                Ok(shipped) if &shipped == content => {}
                _ => stale.push(rel.display().to_string()),
            }
        }
        assert!(stale.is_empty(), "stale or missing in share/ (run `cargo run -p cli --bin one-gendocs`): {stale:?}");
    }
}

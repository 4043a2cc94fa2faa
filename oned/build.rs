//! Embeds the shipped driver scripts (`drivers/remotes/`) so that oned can install them into a
//! new `ONE_LOCATION` (`var/remotes`) without the source tree.

use std::fmt::Write as _;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

fn walk(root: &Path, dir: &Path, out: &mut Vec<(String, PathBuf, u32)>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    let mut entries: Vec<_> = entries.flatten().collect();
    entries.sort_by_key(|e| e.path());
    for e in entries {
        let p = e.path();
        if p.is_dir() {
            walk(root, &p, out);
        } else if let (Ok(rel), Ok(meta)) = (p.strip_prefix(root), std::fs::metadata(&p)) {
            out.push((rel.to_string_lossy().into_owned(), p.clone(), meta.permissions().mode() & 0o777));
        }
    }
}

fn main() {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    let root = manifest.join("../drivers/remotes");
    println!("cargo:rerun-if-changed={}", root.display());
    let mut files = Vec::new();
    walk(&root, &root, &mut files);
    let mut code = String::from(
        "/// The shipped remotes: (relative path, content, mode).\npub static REMOTES: &[(&str, &[u8], u32)] = &[\n",
    );
    for (rel, abs, mode) in &files {
        println!("cargo:rerun-if-changed={}", abs.display());
        let _ = writeln!(code, "    ({rel:?}, include_bytes!({:?}), 0o{mode:o}),", abs.display().to_string());
    }
    code.push_str("];\n");
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("OUT_DIR")).join("remotes.rs");
    std::fs::write(out, code).expect("write remotes.rs");
}

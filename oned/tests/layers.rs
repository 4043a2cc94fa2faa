//! The layering rule of `oned/src` (ARCHITECTURE.md, "Layers"): a module may name only modules
//! of lower layers (`crate::<module>`), never a higher one, and two modules of the same layer
//! do not name each other. Test code (`tests.rs` files and `#[cfg(test)] mod tests` blocks) is
//! exempt. Read from the source text, so it runs without building anything else.
//!
//! `cargo test -p oned --test layers -- --nocapture` prints the module graph, layer by layer.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Every top-level module of `oned/src`, lowest layer first.
const LAYERS: &[(&str, &[&str])] = &[
    ("leaves", &["error", "xml", "perms", "shutdown", "remotes"]),
    ("kinds", &["kind"]),
    ("settings, model leaves", &["config", "vnet", "store"]),
    ("objects, logging, driver processes", &["objects", "log", "mad"]),
    ("pools", &["pool"]),
    ("ACL rules, authentication", &["acl", "auth"]),
    ("the cloud, authorization", &["cloud", "authz"]),
    ("access", &["access"]),
    ("core", &["core"]),
    ("life cycle", &["lcm"]),
    ("dispatch", &["dm"]),
    ("request manager, scheduler process", &["rm", "sched_proc"]),
    ("process", &["startup"]),
];

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read oned/src") {
        let path = entry.expect("dir entry").path();
        if path.is_dir() {
            files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The top-level module a file belongs to (`lcm/apply.rs` → `lcm`), or `None` for the crate
/// root and the binary.
fn module_of(path: &Path) -> Option<String> {
    let rel = path.strip_prefix(src()).ok()?;
    let first = rel.components().next()?.as_os_str().to_str()?.to_string();
    let name = first.strip_suffix(".rs").unwrap_or(&first).to_string();
    (!matches!(name.as_str(), "lib" | "main")).then_some(name)
}

/// The file's code without its test module.
fn non_test_code(path: &Path) -> String {
    let text = std::fs::read_to_string(path).expect("read a source file");
    if path.file_name().is_some_and(|n| n == "tests.rs") || path.components().any(|c| c.as_os_str() == "tests") {
        return String::new();
    }
    match text.find("#[cfg(test)]\nmod tests") {
        Some(at) => text[..at].to_string(),
        None => text,
    }
}

/// The modules a piece of code names as `crate::<module>`.
fn named(code: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut rest = code;
    while let Some(at) = rest.find("crate::") {
        let after = &rest[at + "crate::".len()..];
        let name: String = after.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
        if !name.is_empty() {
            out.insert(name);
        } else if after.starts_with('{') {
            // `crate::{a, b::c}`: every first segment in the braces.
            let inner = &after[1..after.find('}').unwrap_or(after.len())];
            for part in inner.split(',') {
                let first: String =
                    part.trim().chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
                if !first.is_empty() {
                    out.insert(first);
                }
            }
        }
        rest = after;
    }
    out
}

#[test]
fn lower_layers_never_name_higher_ones() {
    let rank: BTreeMap<&str, usize> =
        LAYERS.iter().enumerate().flat_map(|(i, (_, ms))| ms.iter().map(move |m| (*m, i))).collect();
    let mut all = Vec::new();
    files(&src(), &mut all);
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for f in &all {
        let Some(m) = module_of(f) else { continue };
        assert!(
            rank.contains_key(m.as_str()),
            "module {m} ({}) has no layer: add it to LAYERS and ARCHITECTURE.md",
            f.display()
        );
        let entry = graph.entry(m.clone()).or_default();
        for n in named(&non_test_code(f)) {
            if n != m {
                entry.insert(n);
            }
        }
    }
    let mut problems = Vec::new();
    for (m, names) in &graph {
        for n in names {
            match rank.get(n.as_str()) {
                None => problems.push(format!("{m} names crate::{n}, which is not a module of oned")),
                Some(r) if *r >= rank[m.as_str()] => problems.push(format!(
                    "{m} (layer {} \"{}\") names {n} (layer {} \"{}\"): a module may only name lower layers",
                    rank[m.as_str()],
                    LAYERS[rank[m.as_str()]].0,
                    r,
                    LAYERS[*r].0
                )),
                Some(_) => {}
            }
        }
    }
    println!("oned's modules by layer (lowest first) and the modules each one names:");
    for (i, (what, ms)) in LAYERS.iter().enumerate() {
        for m in *ms {
            let names: Vec<&str> = graph.get(*m).map(|s| s.iter().map(String::as_str).collect()).unwrap_or_default();
            println!(
                "  {i:>2} {what:<38} {m:<10} -> {}",
                if names.is_empty() { "-".to_string() } else { names.join(", ") }
            );
        }
    }
    assert!(problems.is_empty(), "layering broken:\n{}", problems.join("\n"));
}

#[test]
fn the_reader_sees_grouped_and_plain_paths() {
    let code = "use crate::cloud::Cloud;\nuse crate::{access, objects::vm::X};\nlet x = crate::lcm::apply::enter(c);";
    let got: Vec<String> = named(code).into_iter().collect();
    assert_eq!(got, vec!["access", "cloud", "lcm", "objects"]);
}

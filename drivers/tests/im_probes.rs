//! The shipped host probes (`drivers/remotes/im/<im_mad>.d/*`) run with `sh` on a temporary
//! datastores directory, as `run_probes` runs them on a host: what they print is the monitoring
//! template oned reads (`lcm::monitor`).
//!
//! `datastores.sh` (kvm, and dummy through a link): `DS_LOCATION_*_MB` of the datastores
//! directory's file system and one `DS = [ ID, TOTAL_MB, FREE_MB, USED_MB ]` per system datastore
//! directory (a name made of digits). A tmpfs mounted on one of them (as root) shows that each
//! datastore is measured on its own file system.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is the test's failure

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use testkit::tmpfs::Tmpfs;

fn probe(im_mad: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("remotes/im").join(format!("{im_mad}.d/datastores.sh"))
}

fn run_ok(command: &mut Command) -> String {
    let output = command.output().unwrap_or_else(|e| panic!("{command:?} does not start: {e}"));
    assert!(output.status.success(), "{command:?} failed: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).unwrap()
}

/// The probe's output with `DATASTORE_LOCATION = location`.
fn run(im_mad: &str, location: &Path) -> String {
    run_ok(Command::new("sh").arg(probe(im_mad)).env("DATASTORE_LOCATION", location))
}

/// `df -Pm` of a path: (total, used, free) MB.
fn df(path: &Path) -> (u64, u64, u64) {
    let out = run_ok(Command::new("df").arg("-Pm").arg(path));
    let f: Vec<u64> =
        out.lines().nth(1).unwrap().split_whitespace().skip(1).take(3).map(|n| n.parse().unwrap()).collect();
    (f[0], f[1], f[2])
}

/// What the probe printed: the single `KEY = n` lines, and the `DS` vectors by ID (each as its
/// sub-keys in the order printed).
struct Output {
    singles: BTreeMap<String, u64>,
    ds: BTreeMap<u64, Vec<(String, u64)>>,
}

fn parse(text: &str) -> Output {
    let mut out = Output { singles: BTreeMap::new(), ds: BTreeMap::new() };
    for line in text.lines() {
        if let Some(body) = line.strip_prefix("DS = [ ") {
            let body = body.strip_suffix(" ]").unwrap_or_else(|| panic!("unterminated vector: {line:?}"));
            let pairs: Vec<(String, u64)> = body
                .split(", ")
                .map(|kv| {
                    let (k, v) = kv.split_once(" = ").unwrap_or_else(|| panic!("{kv:?} in {line:?}"));
                    (k.to_string(), v.parse().unwrap_or_else(|_| panic!("{v:?} is not a number in {line:?}")))
                })
                .collect();
            assert_eq!(pairs[0].0, "ID", "{line}");
            assert!(out.ds.insert(pairs[0].1, pairs).is_none(), "datastore reported twice: {text}");
        } else {
            let (k, v) = line.split_once(" = ").unwrap_or_else(|| panic!("not an attribute: {line:?}"));
            out.singles.insert(k.to_string(), v.parse().unwrap_or_else(|_| panic!("{v:?} in {line:?}")));
        }
    }
    out
}

#[test]
fn datastores_probe_reports_each_system_datastore_directory() {
    let tmp = tempfile::tempdir().unwrap();
    let location = tmp.path().join("datastores");
    for d in ["0", "104", "abc", "1x", ".cache"] {
        std::fs::create_dir_all(location.join(d)).unwrap();
    }
    std::fs::write(location.join("7"), "a file, not a datastore").unwrap();
    let _small = Tmpfs::mount(&location.join("104"), "4m", "the probe test (on a datastore directory)");

    for im_mad in ["kvm", "dummy"] {
        let text = run(im_mad, &location);
        let out = parse(&text);
        let (total, _, _) = df(&location);
        assert_eq!(
            out.singles.keys().collect::<Vec<_>>(),
            ["DS_LOCATION_FREE_MB", "DS_LOCATION_TOTAL_MB", "DS_LOCATION_USED_MB"],
            "{im_mad}: {text}"
        );
        assert_eq!(out.singles["DS_LOCATION_TOTAL_MB"], total, "{text}");
        assert_eq!(out.ds.keys().copied().collect::<Vec<_>>(), [0, 104], "only directories named by a number: {text}");
        for (id, pairs) in &out.ds {
            let keys: Vec<&str> = pairs.iter().map(|(k, _)| k.as_str()).collect();
            assert_eq!(keys, ["ID", "TOTAL_MB", "FREE_MB", "USED_MB"], "{text}");
            let (t, f, u) = (pairs[1].1, pairs[2].1, pairs[3].1);
            assert!(f <= t && u <= t, "datastore {id}: {text}");
        }
        // Datastore 0 shares the location's file system; 104 is its own 4 MB tmpfs, almost empty.
        assert_eq!(out.ds[&0][1].1, total, "{text}");
        assert_eq!((out.ds[&104][1].1, out.ds[&104][3].1), (4, 0), "{text}");
    }
}

#[test]
fn datastores_probe_without_the_directory_reports_its_nearest_parent() {
    let tmp = tempfile::tempdir().unwrap();
    let text = run("kvm", &tmp.path().join("not/yet/datastores"));
    let out = parse(&text);
    assert_eq!(out.singles["DS_LOCATION_TOTAL_MB"], df(tmp.path()).0, "{text}");
    assert!(out.ds.is_empty(), "{text}");
}

//! The transfer driver (`one_tm` and the `ssh`, `shared` and `qcow2` TM scripts) against real
//! hosts: a `testkit::netns::Cluster` (network + mount namespaces, one sshd each, a private
//! datastores directory each). Every test asserts on the files the hosts really have. Root only.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is the test's failure

use std::path::{Path, PathBuf};
use testkit::netns::{Cluster, ClusterConfig};

fn cluster(tmp: &Path, hosts: usize) -> (Cluster, PathBuf) {
    let ds = tmp.join("var/datastores");
    let c = Cluster::start(ClusterConfig::new(&tmp.join("cluster"), hosts, &ds));
    (c, ds)
}

#[test]
#[cfg_attr(nephele_missing_sshd, ignore = "SKIPPED: sshd is missing and NEPHELE_ALLOW_MISSING=sshd")]
#[cfg_attr(nephele_missing_netns, ignore = "SKIPPED: iproute2 is missing and NEPHELE_ALLOW_MISSING=netns")]
fn cluster_hosts_are_separate_machines() {
    let tmp = tempfile::tempdir().unwrap();
    let (c, ds) = cluster(tmp.path(), 2);
    assert_eq!(c.run_ok("h1", &["hostname"]).trim(), "h1");
    assert_eq!(c.run_ok("h2", &["hostname"]).trim(), "h2");
    // each host has its own datastores directory, visible from outside
    c.run_ok("h1", &["sh", "-c", &format!("echo one > {}/f", ds.display())]);
    assert_eq!(std::fs::read_to_string(c.host("h1").dir.join("f")).unwrap(), "one\n");
    assert!(!c.host("h2").dir.join("f").exists());
    assert!(!ds.join("f").exists(), "the front-end does not see the host's file");
    // host to host with the same key and known_hosts
    let key = c.key.display().to_string();
    let kh = format!("UserKnownHostsFile={}", c.known_hosts.display());
    let h2 = c.hosts[1].addr.clone();
    let out = c.run_ok("h1", &["ssh", "-o", "BatchMode=yes", "-o", &kh, "-i", &key, "-l", "root", &h2, "hostname"]);
    assert_eq!(out.trim(), "h2");
    let netns: Vec<String> = c.hosts.iter().map(|h| h.netns.clone()).collect();
    let bridge = c.bridge.clone();
    drop(c);
    let list =
        String::from_utf8(std::process::Command::new("ip").args(["netns", "list"]).output().unwrap().stdout).unwrap();
    assert!(netns.iter().all(|n| !list.contains(n.as_str())), "{list}");
    assert!(!std::process::Command::new("ip").args(["link", "show", &bridge]).output().unwrap().status.success());
}

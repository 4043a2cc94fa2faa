//! `tm/lib/fanout` against sequential copies, on a `testkit::netns::Cluster` whose host links
//! are all shaped (tc tbf) to the same rate. Root only.
//!
//! `cargo bench -p drivers --bench fanout`; environment: `FANOUT_BENCH_MB` (file size, default
//! 1024), `FANOUT_BENCH_HOSTS` (default 8), `FANOUT_BENCH_MBIT` (link rate, default 500),
//! `FANOUT_CHAINS` (passed to fanout, default 1). The file is random data generated once and
//! kept under `target/` (`fanout-bench-<MB>.bin`, with its `.sha256`).
//!
//! Prints the time of one fanout to every host, of sequential `ssh host 'cat > file'` to each
//! host in turn (the baseline: what a per-host copy from the front-end costs), and the ratio.
#![allow(clippy::unwrap_used)] // a bench: a failed unwrap is its failure

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;
use testkit::netns::{Cluster, ClusterConfig};

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// The random file of `mb` MiB and its SHA-256, made once.
fn data_file(mb: u64) -> (PathBuf, String) {
    let target = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target");
    std::fs::create_dir_all(&target).unwrap();
    let file = target.join(format!("fanout-bench-{mb}.bin"));
    let sidecar = target.join(format!("fanout-bench-{mb}.bin.sha256"));
    if !sidecar.exists() || std::fs::metadata(&file).map(|m| m.len()).ok() != Some(mb << 20) {
        eprintln!("generating {} ({mb} MiB of random data)", file.display());
        let status = Command::new("head")
            .args(["-c", &(mb << 20).to_string(), "/dev/urandom"])
            .stdout(std::fs::File::create(&file).unwrap())
            .status()
            .unwrap();
        assert!(status.success());
        let out = Command::new("sha256sum").arg(&file).output().unwrap();
        std::fs::write(&sidecar, &String::from_utf8(out.stdout).unwrap()[..64]).unwrap();
    }
    (file, std::fs::read_to_string(&sidecar).unwrap().trim().to_string())
}

fn main() {
    // `cargo bench` passes --bench; `cargo test --benches` passes nothing useful either
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let mb = env_or("FANOUT_BENCH_MB", 1024);
    let n = env_or("FANOUT_BENCH_HOSTS", 8) as usize;
    let mbit = env_or("FANOUT_BENCH_MBIT", 500) as u32;
    let (file, sha) = data_file(mb);
    let tmp = tempfile::tempdir().unwrap();
    let ds = tmp.path().join("var/datastores");
    let c = Cluster::start(ClusterConfig::new(&tmp.path().join("cluster"), n, &ds));
    c.shape(mbit);
    let hosts = c.addrs();
    let cache = ds.join(".cache");

    let started = Instant::now();
    let mut cmd = Command::new(Path::new(env!("CARGO_MANIFEST_DIR")).join("remotes/tm/lib/fanout"));
    cmd.arg(&file).arg(&sha).arg(&cache).args(&hosts);
    for (k, v) in c.driver_env() {
        cmd.env(k, v);
    }
    // its shared ssh connections (tm/common.sh) live under the bench's directory
    cmd.env("ONE_LOCATION", tmp.path().join("one"));
    let out = cmd.output().unwrap();
    let fan = started.elapsed();
    assert!(out.status.success(), "fanout failed: {}", String::from_utf8_lossy(&out.stderr));
    for h in &c.hosts {
        let entry = h.dir.join(".cache").join(&sha);
        assert_eq!(std::fs::metadata(&entry).unwrap().len(), mb << 20, "{}", h.name);
        std::fs::remove_file(entry).unwrap(); // room for the baseline
    }

    let started = Instant::now();
    let target = ds.join("baseline.bin");
    for h in &c.hosts {
        let mut args = c.ssh_args();
        args.extend(["--".into(), h.addr.clone(), format!("cat > {}", target.display())]);
        let status = Command::new("ssh")
            .args(&args)
            .stdin(std::fs::File::open(&file).unwrap())
            .stdout(Stdio::null())
            .status()
            .unwrap();
        assert!(status.success(), "ssh cat to {}", h.name);
    }
    let seq = started.elapsed();
    for h in &c.hosts {
        assert_eq!(std::fs::metadata(h.dir.join("baseline.bin")).unwrap().len(), mb << 20);
    }
    let rate = |d: std::time::Duration| (mb as f64) * (n as f64) / d.as_secs_f64();
    println!(
        "fanout of {mb} MiB to {n} hosts, links shaped to {mbit} Mbit/s, FANOUT_CHAINS={}:",
        std::env::var("FANOUT_CHAINS").unwrap_or_else(|_| "1".into())
    );
    println!("  fanout (chained, verified):   {:8.2} s  ({:7.1} MiB/s delivered)", fan.as_secs_f64(), rate(fan));
    println!("  sequential ssh cat per host:  {:8.2} s  ({:7.1} MiB/s delivered)", seq.as_secs_f64(), rate(seq));
    println!("  ratio sequential / fanout:    {:8.2}", seq.as_secs_f64() / fan.as_secs_f64());
}

//! The TM time of deploying an image a host already has in its cache (issue 12: "no bytes
//! copied, < 50 ms of TM time"), through the real `one_tm` binary on a
//! `testkit::netns::Cluster` host. Root only.
//!
//! `cargo bench -p drivers --bench cached_deploy`; environment: `CACHED_BENCH_RUNS` (CLONEs per
//! scenario, default 20), `CACHED_BENCH_MB` (image size, default 64), `CACHED_BENCH_TM` (`qcow2`,
//! the default, or `ssh`).
//!
//! One image is put into the host's cache by a first CLONE; then each scenario starts its own
//! `one_tm` and sends it `CACHED_BENCH_RUNS` transfers of one `CLONE` line each (a new VM every
//! time), one after the other, timing each from the `TRANSFER` line written to its reply read:
//!
//! - `warm master`: the shipped settings; the first CLONE of the run opens the ssh connection;
//! - `cold connection`: the shipped settings, but every ssh master is closed before each CLONE
//!   (a deploy after the host's connection expired);
//! - `reuse off`: `NEPHELE_SSH_CONTROL_PERSIST=0`;
//! - `script alone`: `tm/<tm>/clone` run directly (no `one_tm`), shipped settings.
//!
//! After every CLONE it checks that nothing was copied: the cache entry keeps its inode, size and
//! mtime, the cache directory holds the same names, the VM disk is there (for qcow2 an overlay
//! backed by the entry); and it reports the bytes the front-end sent on the host's link during
//! the CLONE (ssh traffic only: the image is `CACHED_BENCH_MB` MiB). Finally no ssh master may be
//! left running once the drivers have stopped.
#![allow(clippy::unwrap_used)] // a bench: a failed unwrap is its failure

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};
use testkit::driver::Driver;
use testkit::netns::{Cluster, ClusterConfig};

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn remotes() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("remotes")
}

fn sha256(file: &Path) -> String {
    let out = Command::new("sha256sum").arg(file).output().unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap()[..64].to_string()
}

/// What must not change when nothing is copied: the entry's inode, size, mtime, and the names
/// in the cache directory.
fn cache_state(cache: &Path, sha: &str) -> (u64, u64, i64, i64, Vec<String>) {
    let m = std::fs::metadata(cache.join(sha)).unwrap();
    let mut names: Vec<String> =
        std::fs::read_dir(cache).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    (m.ino(), m.len(), m.mtime(), m.mtime_nsec(), names)
}

/// Bytes sent from the front-end into the host's link so far.
fn tx_bytes(c: &Cluster) -> u64 {
    let path = format!("/sys/class/net/{}/statistics/tx_bytes", c.hosts[0].veth);
    std::fs::read_to_string(path).unwrap().trim().parse().unwrap()
}

/// Asks every ssh master in `dir` to exit (what `one_tm` does at shutdown).
fn close_masters(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        let _ = Command::new("ssh")
            .args(["-o", "LogLevel=QUIET", "-S"])
            .arg(e.path())
            .args(["-O", "exit", "host"])
            .stdin(std::process::Stdio::null())
            .status();
    }
}

struct Stats {
    name: String,
    ms: Vec<f64>,
    bytes: Vec<u64>,
}

impl Stats {
    fn pct(&self, p: f64) -> f64 {
        let mut v = self.ms.clone();
        v.sort_by(f64::total_cmp);
        v[((p * v.len() as f64).ceil() as usize).clamp(1, v.len()) - 1]
    }

    fn print(&self) {
        let mut b = self.bytes.clone();
        b.sort_unstable();
        println!(
            "| {} | {} | {:.1} | {:.1} | {:.1} | {:.1} | {} |",
            self.name,
            self.ms.len(),
            self.pct(0.5),
            self.pct(0.9),
            self.pct(0.0),
            self.pct(1.0),
            b[b.len() / 2]
        );
    }
}

struct Bench {
    c: Cluster,
    tmp: tempfile::TempDir,
    ds: PathBuf,
    img: PathBuf,
    sha: String,
    tm: String,
    cm: PathBuf,
    vmid: i64,
}

impl Bench {
    fn env(&self, extra: &[(&'static str, &str)]) -> Vec<(&'static str, String)> {
        let mut env = self.c.driver_env();
        env.push(("ONE_LOCATION", self.tmp.path().join("one").display().to_string()));
        env.push(("NEPHELE_SSH_CONTROL_DIR", self.cm.display().to_string()));
        env.extend(extra.iter().map(|(k, v)| (*k, (*v).to_string())));
        env
    }

    fn next_clone(&mut self) -> (i64, PathBuf, String) {
        self.vmid += 1;
        let disk = self.ds.join("0").join(self.vmid.to_string()).join("disk.0");
        let line = format!(
            "CLONE {} fe:{} {}:{} {} 1",
            self.tm,
            self.img.display(),
            self.c.hosts[0].addr,
            disk.display(),
            self.vmid
        );
        (self.vmid, disk, line)
    }

    fn check(&self, disk: &Path, before: &(u64, u64, i64, i64, Vec<String>)) {
        let cache = self.c.host_path(&self.c.hosts[0].addr, &self.ds.join(".cache"));
        let after = cache_state(&cache, &self.sha);
        assert_eq!(&after, before, "the cache entry changed: something was copied");
        let on_host = self.c.host_path(&self.c.hosts[0].addr, disk);
        let len = std::fs::metadata(&on_host).unwrap().len();
        if self.tm == "qcow2" {
            assert!(len < 1 << 20, "{}: {len} bytes, not an overlay", on_host.display());
        }
    }

    /// `runs` CLONEs through one `one_tm` started with `extra`; with `cold`, every ssh master is
    /// closed before each CLONE.
    fn through_one_tm(&mut self, name: &str, runs: usize, extra: &[(&'static str, &str)], cold: bool) -> Stats {
        let env = self.env(extra);
        let remotes = remotes().display().to_string();
        let mut d =
            Driver::start_env(env!("CARGO_BIN_EXE_one_tm"), &["-d", "ssh,qcow2,shared", "--remotes", &remotes], &env)
                .with_patience(Duration::from_secs(120))
                .finalize_on_drop();
        d.init();
        let cache = self.c.host_path(&self.c.hosts[0].addr, &self.ds.join(".cache"));
        let mut stats = Stats { name: name.to_string(), ms: Vec::new(), bytes: Vec::new() };
        for _ in 0..runs {
            if cold {
                close_masters(&self.cm);
            }
            let (vmid, disk, line) = self.next_clone();
            let file = self.tmp.path().join(format!("transfer.{vmid}"));
            std::fs::write(&file, line + "\n").unwrap();
            let before = cache_state(&cache, &self.sha);
            let tx = tx_bytes(&self.c);
            let started = Instant::now();
            let answer = d.action("TRANSFER", vmid, &file.display().to_string());
            let took = started.elapsed();
            let sent = tx_bytes(&self.c) - tx;
            assert!(answer.ok, "{answer:?}\n{}", d.stderr());
            self.check(&disk, &before);
            stats.ms.push(took.as_secs_f64() * 1e3);
            stats.bytes.push(sent);
        }
        drop(d);
        stats
    }

    /// `runs` CLONEs by running the clone script directly.
    fn script_alone(&mut self, runs: usize) -> Stats {
        let env = self.env(&[]);
        let cache = self.c.host_path(&self.c.hosts[0].addr, &self.ds.join(".cache"));
        let mut stats = Stats { name: "script alone (no one_tm)".into(), ms: Vec::new(), bytes: Vec::new() };
        for _ in 0..runs {
            let (_, disk, line) = self.next_clone();
            let args: Vec<&str> = line.split(' ').skip(2).collect();
            let before = cache_state(&cache, &self.sha);
            let tx = tx_bytes(&self.c);
            let started = Instant::now();
            let out = Command::new(remotes().join("tm").join(&self.tm).join("clone"))
                .args(&args)
                .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
                .output()
                .unwrap();
            let took = started.elapsed();
            let sent = tx_bytes(&self.c) - tx;
            assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
            self.check(&disk, &before);
            stats.ms.push(took.as_secs_f64() * 1e3);
            stats.bytes.push(sent);
        }
        close_masters(&self.cm);
        stats
    }
}

/// ssh processes whose command line names `dir` (masters are titled with their socket path).
fn masters_left(dir: &Path) -> String {
    let out = Command::new("pgrep").args(["-a", "-f"]).arg(dir.display().to_string()).output().unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let runs = env_or("CACHED_BENCH_RUNS", 20) as usize;
    let mb = env_or("CACHED_BENCH_MB", 64);
    let tm = std::env::var("CACHED_BENCH_TM").unwrap_or_else(|_| "qcow2".into());
    let tmp = tempfile::tempdir().unwrap();
    let ds = tmp.path().join("var/datastores");
    let c = Cluster::start(ClusterConfig::new(&tmp.path().join("cluster"), 1, &ds));
    // the image, random bytes with its sidecars
    let img = ds.join("1").join("0123456789abcdef0123456789abcdef");
    std::fs::create_dir_all(img.parent().unwrap()).unwrap();
    let status = Command::new("head")
        .args(["-c", &(mb << 20).to_string(), "/dev/urandom"])
        .stdout(std::fs::File::create(&img).unwrap())
        .status()
        .unwrap();
    assert!(status.success());
    let sha = sha256(&img);
    std::fs::write(img.with_extension("sha256"), format!("{sha}\n")).unwrap();
    let cm = tmp.path().join("cm");
    let mut b = Bench { c, ds, img, sha, tm, cm, vmid: 0, tmp };

    // the first deploy fills the host's cache
    let env = b.env(&[]);
    let remotes_dir = remotes().display().to_string();
    let (vmid, _, line) = b.next_clone();
    let file = b.tmp.path().join("transfer.first");
    std::fs::write(&file, line + "\n").unwrap();
    let tx = tx_bytes(&b.c);
    let started = Instant::now();
    {
        let mut d = Driver::start_env(
            env!("CARGO_BIN_EXE_one_tm"),
            &["-d", "ssh,qcow2,shared", "--remotes", &remotes_dir],
            &env,
        )
        .with_patience(Duration::from_secs(600))
        .finalize_on_drop();
        d.init();
        let answer = d.action("TRANSFER", vmid, &file.display().to_string());
        assert!(answer.ok, "{answer:?}\n{}", d.stderr());
    }
    let first = (started.elapsed(), tx_bytes(&b.c) - tx);
    close_masters(&b.cm);

    let warm = b.through_one_tm("cached, warm master", runs, &[], false);
    let cold = b.through_one_tm("cached, cold connection", runs, &[], true);
    let off = b.through_one_tm(
        "cached, reuse off (NEPHELE_SSH_CONTROL_PERSIST=0)",
        runs,
        &[("NEPHELE_SSH_CONTROL_PERSIST", "0")],
        false,
    );
    let nowin = b.through_one_tm(
        "cached, warm master, NEPHELE_TM_COALESCE_MS=0",
        runs,
        &[("NEPHELE_TM_COALESCE_MS", "0")],
        false,
    );
    let alone = b.script_alone(runs);

    println!("cached deploy of a {mb} MiB image, TM {}, {runs} CLONEs per row, one host:", b.tm);
    println!("first deploy (cache filled): {:.1} ms, {} bytes to the host", first.0.as_secs_f64() * 1e3, first.1);
    println!("| scenario | CLONEs | median ms | p90 ms | min ms | max ms | bytes to the host per CLONE (median) |");
    println!("|---|---:|---:|---:|---:|---:|---:|");
    for s in [&warm, &cold, &off, &nowin, &alone] {
        s.print();
    }
    // the drivers are gone: no ssh master of theirs may be left
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut left = masters_left(&b.cm);
    while !left.is_empty() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
        left = masters_left(&b.cm);
    }
    assert!(left.is_empty(), "ssh masters left after the drivers stopped: {left}");
    println!("no ssh master left after the drivers stopped");
}
